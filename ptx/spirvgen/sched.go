package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/structure"
	"github.com/streamhal/streamhal/ptx"
)

// The scheduler runs a kernel whose barriers (or emulated warp
// operations) are not reached by the whole block together: after a
// divergent branch, an early exit, inside a loop some threads leave
// early, or with a thread count (bar.sync 1, 64; bar.arrive). SPIR-V
// allows barriers only in uniform control flow, so the kernel becomes a
// loop of rounds that every thread runs in lockstep:
//
//	loop {
//	    if (!waiting && !exited) {
//	        switch (resume) { case 0: <kernel entry> ...; case k: <after sync point k> ... }
//	        // each thread runs until its next sync point k: it posts its
//	        // operands to shared memory and sets resume = k, waiting = true;
//	        // or it exits (exited = true).
//	    }
//	    barrier
//	    if (waiting) resolve(resume)   // release it if its sync point completed
//	    barrier
//	    if (every thread exited || no thread can run) break
//	}
//
// A warp operation completes when every non-exited lane of its member
// mask waits at a warp operation of the same kind and mask (activemask:
// the lanes waiting at activemask); each released lane computes its
// result from the posted slots (sync.go). A block barrier completes when
// the arrivals (bar.sync, bar.red and bar.arrive, counted per barrier id
// and carried over rounds until it completes) reach its thread count, or
// every non-exited thread. Registers are the threads' own Function
// variables, so nothing needs saving at a cut. Counters are double
// buffered by round parity: a round's resolution reads one half while
// thread 0 prepares the other for the next round. A round in which no
// thread could run ends the kernel (a deadlock on a GPU).

type scheduler struct {
	e     *fn
	cuts  []*ptx.Inst
	cutID map[*ptx.Inst]int
	// kinds numbers the masked warp operations by what they do (lanes
	// at different program points complete together when they do the
	// same thing with the same mask); nomask says the kernel has warp
	// operations without a member mask.
	kinds  map[string]uint32
	nomask bool
	flags  spirv.ID // per warp and round parity: a masked op completed
	// Per-thread Function variables.
	resume, waiting, exited, round spirv.ID
	entry                          int
}

func newScheduler(e *fn) *scheduler {
	s := &scheduler{e: e, cutID: map[*ptx.Inst]int{}, kinds: map[string]uint32{}}
	for _, in := range e.k.Body {
		if s.cutKind(in) {
			s.cutID[in] = len(s.cuts) + 1 // resume point 0 is the kernel's entry
			s.cuts = append(s.cuts, in)
			if isWarpOp(in) && noMask(in) {
				s.nomask = true
			}
		}
	}
	return s
}

// noMask reports warp operations without a member mask: activemask and
// the old shfl and vote. Like the C translator, the scheduler completes
// them among the lanes at the same instruction, and only once no masked
// operation of the warp completed in the round (the lanes it released
// may still join).
func noMask(in *ptx.Inst) bool {
	switch in.Op {
	case "activemask":
		return true
	case "shfl", "vote":
		return !in.Has(ptx.FlagSync)
	}
	return false
}

// kindOf is the state a lane posts at a warp operation.
func (s *scheduler) kindOf(in *ptx.Inst) uint32 {
	if noMask(in) {
		return kindNoMask + uint32(s.cutID[in])
	}
	sig := in.Op + "." + in.Mode + "." + in.AtomOp + "." + in.Type().String()
	k, ok := s.kinds[sig]
	if !ok {
		k = uint32(len(s.kinds) + 1)
		s.kinds[sig] = k
	}
	return k
}

// cutKind reports instructions the scheduler cuts at: block barriers
// (bar.arrive excepted: the arriving thread does not wait) and, when
// emulated, warp operations.
func (s *scheduler) cutKind(in *ptx.Inst) bool {
	switch {
	case in.Op == "bar" || in.Op == "barrier":
		return in.Mode != "arrive"
	case isWarpOp(in):
		return !s.e.g.t.Subgroup32
	}
	return false
}

func (s *scheduler) isCut(in *ptx.Inst) bool { _, ok := s.cutID[in]; return ok }

// rewrite turns the kernel's graph into the round loop.
func (s *scheduler) rewrite() {
	e := s.e
	g := e.g
	s.resume = e.tmpVar(g.tU32)
	s.waiting = e.tmpVar(g.tBool)
	s.exited = e.tmpVar(g.tBool)
	s.round = e.tmpVar(g.tU32)
	e.scratchVars()
	add := func(b *gblock) int {
		e.blocks = append(e.blocks, b)
		return len(e.blocks) - 1
	}
	n := len(e.blocks)
	kernelEntry := 0
	// New blocks.
	E := add(&gblock{kind: structure.Jump})
	H := add(&gblock{kind: structure.Jump})
	C := add(&gblock{kind: structure.Cond})
	DS := add(&gblock{kind: structure.Switch})
	J := add(&gblock{kind: structure.Cond})
	R := add(&gblock{kind: structure.Return, custom: func(at *spirv.Block) *spirv.Block { return at }})
	X := add(&gblock{kind: structure.Jump, succs: []int{J}})
	s.entry = E
	e.blocks[E].succs = []int{H}
	e.blocks[E].custom = s.initCode
	e.blocks[H].succs = []int{C}
	e.blocks[H].custom = func(at *spirv.Block) *spirv.Block { return at }
	e.blocks[C].succs = []int{DS, J}
	e.blocks[C].custom = func(at *spirv.Block) *spirv.Block { return at }
	e.blocks[C].condFn = func() spirv.ID {
		w := e.load(g.tBool, s.waiting)
		x := e.load(g.tBool, s.exited)
		return e.op(spirv.OpLogicalNot, g.tBool, e.op(spirv.OpLogicalOr, g.tBool, w, x))
	}
	ds := e.blocks[DS]
	ds.custom = func(at *spirv.Block) *spirv.Block { return at }
	ds.selFn = func() spirv.ID { return e.load(g.tU32, s.resume) }
	ds.succs = []int{J, kernelEntry}
	ds.cases = []uint32{0}
	e.blocks[J].succs = []int{R, H}
	var done spirv.ID
	e.blocks[J].custom = func(at *spirv.Block) *spirv.Block {
		e.cur = at
		done = s.joinCode()
		return e.cur
	}
	e.blocks[J].condFn = func() spirv.ID { return done }
	e.blocks[X].custom = s.exitCode
	// Split the kernel's blocks at their cuts; returns become exits.
	for b := 0; b < n; b++ {
		gb := e.blocks[b]
		if gb.kind == structure.Return && gb.custom == nil {
			gb.kind, gb.succs = structure.Jump, []int{X}
		}
		var segStart int
		cur := b
		orig := *gb
		for i := 0; i < len(orig.insts); i++ {
			in := orig.insts[i]
			k, ok := s.cutID[in]
			if !ok {
				continue
			}
			blk := e.blocks[cur]
			blk.insts = orig.insts[segStart:i]
			post := add(&gblock{kind: structure.Jump, succs: []int{J}, custom: s.postCode(in, k)})
			if in.Guard != nil {
				skip := add(&gblock{kind: structure.Jump, succs: []int{J}, custom: s.skipCode(k)})
				blk.kind, blk.succs, blk.cond, blk.sel, blk.exit = structure.Cond, []int{post, skip}, in, nil, ""
			} else {
				blk.kind, blk.succs, blk.cond, blk.sel, blk.exit = structure.Jump, []int{post}, nil, nil, ""
			}
			blk.cases = nil
			// The rest of the block, entered only from the dispatch.
			rest := add(&gblock{})
			ds.succs = append(ds.succs, rest)
			ds.cases = append(ds.cases, uint32(k))
			segStart = i + 1
			cur = rest
		}
		if cur != b {
			last := e.blocks[cur]
			last.insts = orig.insts[segStart:]
			last.kind, last.succs, last.cond, last.sel, last.cases, last.exit = orig.kind, orig.succs, orig.cond, orig.sel, orig.cases, orig.exit
			if last.kind == structure.Return {
				last.kind, last.succs = structure.Jump, []int{X}
			}
		}
	}
}

func (s *scheduler) counter(i spirv.ID) spirv.ID { return s.e.slot(s.e.scratch.counters, i) }

// initCode clears the counters and the thread's state before the loop.
func (s *scheduler) initCode(at *spirv.Block) *spirv.Block {
	e := s.e
	g := e.g
	e.cur = at
	sc := e.scratch
	e.store(s.resume, e.u32(0))
	e.store(s.waiting, g.cbool(false))
	e.store(s.exited, g.cbool(false))
	e.store(s.round, e.u32(0))
	e.stSlot(sc.state, e.linearTid, e.u32(kindNone))
	if s.nomask {
		e.forRange(e.linearTid, e.u32(64), e.nthreads, func(i spirv.ID) { e.stSlot(s.warpFlags(), i, e.u32(0)) })
	}
	// Threads 0..numCounters-1 clear one counter each (blocks may be
	// smaller: thread t clears t, t+n, ...).
	e.forRange(e.linearTid, e.u32(numCounters), e.nthreads, func(i spirv.ID) {
		e.stSlot(sc.counters, i, e.u32(0))
	})
	e.barrier(nil)
	return e.cur
}

// forRange runs body for i = start, start+step, ... below end.
func (e *fn) forRange(start, end, step spirv.ID, body func(i spirv.ID)) {
	g := e.g
	iv := e.tmpVar(g.tU32)
	e.store(iv, start)
	// while (i < end) as: if (i < end) do { body; i += step } while (i < end)
	e.ifThen(e.op(spirv.OpULessThan, g.tBool, start, end), func() {
		e.loop(func() {
			i := e.load(g.tU32, iv)
			body(i)
			e.store(iv, e.op(spirv.OpIAdd, g.tU32, i, step))
		}, func() spirv.ID {
			return e.op(spirv.OpULessThan, g.tBool, e.load(g.tU32, iv), end)
		})
	})
}

func (s *scheduler) parity() spirv.ID {
	e := s.e
	return e.op(spirv.OpBitwiseAnd, e.g.tU32, e.load(e.g.tU32, s.round), e.u32(1))
}

// barID reads a barrier instruction's id operand (masked to 0..15).
func barIDOperand(in *ptx.Inst) *ptx.Operand {
	if in.Mode == "red" {
		return in.Args[1]
	}
	return in.Args[0]
}

// barCountOperand is the thread-count operand, or nil.
func barCountOperand(in *ptx.Inst) *ptx.Operand {
	switch {
	case in.Mode == "red" && len(in.Args) == 4:
		return in.Args[2]
	case in.Mode == "arrive" && len(in.Args) == 2:
		return in.Args[1]
	case in.Mode != "red" && in.Mode != "arrive" && len(in.Args) == 2:
		return in.Args[1]
	}
	return nil
}

// arrive counts a barrier arrival (and a bar.red predicate) in this
// round's counters, and records the barrier's thread count.
func (s *scheduler) arrive(in *ptx.Inst) spirv.ID {
	e := s.e
	g := e.g
	id := e.op(spirv.OpBitwiseAnd, g.tU32, e.rd(barIDOperand(in), ptx.U32), e.u32(15))
	base := e.op(spirv.OpIMul, g.tU32, s.parity(), e.u32(16))
	wg := e.u32(uint32(spirv.ScopeWorkgroup))
	e.op(spirv.OpAtomicIAdd, g.tU32, s.counter(e.op(spirv.OpIAdd, g.tU32, e.op(spirv.OpIAdd, g.tU32, base, id), e.u32(ctrArrive))), wg, e.u32(0), e.u32(1))
	if c := barCountOperand(in); c != nil {
		e.stSlot(e.scratch.counters, e.op(spirv.OpIAdd, g.tU32, id, e.u32(ctrCount)), e.rd(c, ptx.U32))
	}
	if in.Mode == "red" {
		p := e.rd(in.Args[len(in.Args)-1], ptx.Pred)
		e.redCombine("popc", s.counter(e.op(spirv.OpIAdd, g.tU32, e.op(spirv.OpIAdd, g.tU32, base, id), e.u32(ctrRed))), p)
	}
	return id
}

// arriveOnly is bar.arrive inside a scheduled kernel.
func (e *fn) arriveOnly(in *ptx.Inst) { e.sched.arrive(in) }

// postCode is the end of a segment at sync point in (resume point k).
func (s *scheduler) postCode(in *ptx.Inst, k int) func(at *spirv.Block) *spirv.Block {
	return func(at *spirv.Block) *spirv.Block {
		e := s.e
		g := e.g
		e.cur = at
		sc := e.scratch
		var kind spirv.ID
		if in.Op == "bar" || in.Op == "barrier" {
			id := s.arrive(in)
			kind = e.op(spirv.OpIAdd, g.tU32, id, e.u32(kindBlockBar))
		} else {
			e.postWarp(in, in.Type())
			kind = e.u32(s.kindOf(in))
			e.stSlot(sc.mask, e.linearTid, e.warpMask(in))
		}
		e.stSlot(sc.state, e.linearTid, kind)
		e.store(s.resume, e.u32(uint32(k)))
		e.store(s.waiting, g.cbool(true))
		return e.cur
	}
}

// skipCode is a guarded sync point whose guard is false: the thread goes
// on after it in the next round.
func (s *scheduler) skipCode(k int) func(at *spirv.Block) *spirv.Block {
	return func(at *spirv.Block) *spirv.Block {
		e := s.e
		e.cur = at
		e.stSlot(e.scratch.state, e.linearTid, e.u32(kindNone))
		e.store(s.resume, e.u32(uint32(k)))
		return e.cur
	}
}

// exitCode marks the thread exited.
func (s *scheduler) exitCode(at *spirv.Block) *spirv.Block {
	e := s.e
	g := e.g
	e.cur = at
	e.store(s.exited, g.cbool(true))
	e.stSlot(e.scratch.state, e.linearTid, e.u32(kindExited))
	e.op(spirv.OpAtomicIAdd, g.tU32, s.counter(e.u32(ctrExited)), e.u32(uint32(spirv.ScopeWorkgroup)), e.u32(0), e.u32(1))
	return e.cur
}

// expected is the number of arrivals barrier id waits for this round.
func (s *scheduler) expected(id spirv.ID) spirv.ID {
	e := s.e
	g := e.g
	count := e.ldSlot(e.scratch.counters, e.op(spirv.OpIAdd, g.tU32, id, e.u32(ctrCount)))
	live := e.op(spirv.OpISub, g.tU32, e.nthreads, e.ldSlot(e.scratch.counters, e.u32(ctrExited)))
	return e.sel(g.tU32, e.op(spirv.OpIEqual, g.tBool, count, e.u32(0)), live, count)
}

// joinCode is the round's end: resolution between two barriers. It
// returns the loop's exit condition.
func (s *scheduler) joinCode() spirv.ID {
	e := s.e
	g := e.g
	u, b := g.tU32, g.tBool
	sc := e.scratch
	e.barrier(nil)
	par := s.parity()
	next := e.op(spirv.OpBitwiseXor, u, par, e.u32(1))
	resolveAll := func(nomask bool) {
		e.ifThen(e.load(b, s.waiting), func() {
			res := e.load(u, s.resume)
			for k, in := range s.cuts {
				in := in
				if isWarpOp(in) && noMask(in) != nomask || !isWarpOp(in) && nomask {
					continue
				}
				e.ifThen(e.op(spirv.OpIEqual, b, res, e.u32(uint32(k+1))), func() { s.resolve(in, par) })
			}
		})
	}
	resolveAll(false)
	if s.nomask {
		e.barrier(nil)
		resolveAll(true)
	}
	runnable := e.op(spirv.OpLogicalNot, b, e.op(spirv.OpLogicalOr, b, e.load(b, s.waiting), e.load(b, s.exited)))
	e.ifThen(runnable, func() {
		p := s.counter(e.op(spirv.OpIAdd, u, par, e.u32(ctrProgress)))
		e.op(spirv.OpAtomicIAdd, u, p, e.u32(uint32(spirv.ScopeWorkgroup)), e.u32(0), e.u32(1))
	})
	// Thread 0 prepares the next round's counters: arrivals of barriers
	// that completed start over, the others carry on.
	e.ifThen(e.op(spirv.OpIEqual, b, e.linearTid, e.u32(0)), func() {
		e.stSlot(sc.counters, e.op(spirv.OpIAdd, u, next, e.u32(ctrProgress)), e.u32(0))
		if s.nomask {
			for w := uint32(0); w < 32; w++ {
				e.stSlot(s.warpFlags(), e.op(spirv.OpIAdd, u, e.op(spirv.OpIMul, u, next, e.u32(32)), e.u32(w)), e.u32(0))
			}
		}
		for id := uint32(0); id < 16; id++ {
			cur := e.op(spirv.OpIAdd, u, e.op(spirv.OpIMul, u, par, e.u32(16)), e.u32(id))
			nxt := e.op(spirv.OpIAdd, u, e.op(spirv.OpIMul, u, next, e.u32(16)), e.u32(id))
			arr := e.ldSlot(sc.counters, e.op(spirv.OpIAdd, u, cur, e.u32(ctrArrive)))
			red := e.ldSlot(sc.counters, e.op(spirv.OpIAdd, u, cur, e.u32(ctrRed)))
			released := e.op(spirv.OpLogicalAnd, b, e.op(spirv.OpUGreaterThanEqual, b, arr, s.expected(e.u32(id))), e.op(spirv.OpINotEqual, b, arr, e.u32(0)))
			e.stSlot(sc.counters, e.op(spirv.OpIAdd, u, nxt, e.u32(ctrArrive)), e.sel(u, released, e.u32(0), arr))
			e.stSlot(sc.counters, e.op(spirv.OpIAdd, u, nxt, e.u32(ctrRed)), e.sel(u, released, e.u32(0), red))
			e.ifThen(released, func() {
				e.stSlot(sc.counters, e.u32(ctrCount+id), e.u32(0))
			})
		}
	})
	e.barrier(nil)
	exited := e.ldSlot(sc.counters, e.u32(ctrExited))
	progress := e.ldSlot(sc.counters, e.op(spirv.OpIAdd, u, par, e.u32(ctrProgress)))
	e.store(s.round, e.op(spirv.OpIAdd, u, e.load(u, s.round), e.u32(1)))
	allDone := e.op(spirv.OpUGreaterThanEqual, b, exited, e.nthreads)
	stuck := e.op(spirv.OpIEqual, b, progress, e.u32(0))
	return e.op(spirv.OpLogicalOr, b, allDone, stuck)
}

// resolve releases this thread from sync point in if it completed,
// computing its result.
func (s *scheduler) resolve(in *ptx.Inst, par spirv.ID) {
	e := s.e
	g := e.g
	u, b := g.tU32, g.tBool
	sc := e.scratch
	if in.Op == "bar" || in.Op == "barrier" {
		id := e.op(spirv.OpBitwiseAnd, u, e.rd(barIDOperand(in), ptx.U32), e.u32(15))
		cur := e.op(spirv.OpIAdd, u, e.op(spirv.OpIMul, u, par, e.u32(16)), id)
		arr := e.ldSlot(sc.counters, e.op(spirv.OpIAdd, u, cur, e.u32(ctrArrive)))
		released := e.op(spirv.OpUGreaterThanEqual, b, arr, s.expected(id))
		e.ifThen(released, func() {
			e.store(s.waiting, g.cbool(false))
			if in.Mode == "red" {
				cnt := e.ldSlot(sc.counters, e.op(spirv.OpIAdd, u, cur, e.u32(ctrRed)))
				var v spirv.ID
				switch in.BoolOp {
				case "popc":
					v = cnt
				case "and":
					v = e.sel(u, e.op(spirv.OpIEqual, b, cnt, arr), e.u32(1), e.u32(0))
				default:
					v = cnt
				}
				e.writeBarRed(in, v)
			}
		})
		return
	}
	// A warp operation: check the lanes of the member mask.
	kind := s.kindOf(in)
	nm := noMask(in)
	mask := e.warpMask(in)
	part := e.tmpVar(u)
	ok := e.tmpVar(b)
	e.store(part, e.u32(0))
	e.store(ok, g.cbool(true))
	exist := e.existingLanes()
	e.forLanes(func(l spirv.ID) {
		i := e.op(spirv.OpIAdd, u, e.warpBase, l)
		e.ifThen(e.bit(exist, l), func() {
			st := e.ldSlot(sc.state, i)
			same := e.op(spirv.OpIEqual, b, st, e.u32(kind))
			if !nm {
				same = e.op(spirv.OpLogicalAnd, b, same, e.op(spirv.OpIEqual, b, e.ldSlot(sc.mask, i), mask))
			}
			e.ifThen(same, func() {
				e.store(part, e.op(spirv.OpBitwiseOr, u, e.load(u, part), e.op(spirv.OpShiftLeftLogical, u, e.u32(1), l)))
			})
			if !nm {
				exited := e.op(spirv.OpIEqual, b, st, e.u32(kindExited))
				missing := e.op(spirv.OpLogicalAnd, b, e.bit(mask, l), e.op(spirv.OpLogicalNot, b, e.op(spirv.OpLogicalOr, b, same, exited)))
				e.ifThen(missing, func() { e.store(ok, g.cbool(false)) })
			}
		})
	})
	warp := e.op(spirv.OpShiftRightLogical, u, e.linearTid, e.u32(5))
	flag := e.op(spirv.OpIAdd, u, e.op(spirv.OpIMul, u, par, e.u32(32)), warp)
	if nm && s.nomask {
		// Only when no masked operation of the warp completed this round.
		e.ifThen(e.op(spirv.OpINotEqual, b, e.ldSlot(s.warpFlags(), flag), e.u32(0)), func() { e.store(ok, g.cbool(false)) })
	}
	e.ifThen(e.load(b, ok), func() {
		e.store(s.waiting, g.cbool(false))
		e.completeWarp(in, in.Type(), e.load(u, part))
		if !nm && s.nomask {
			e.stSlot(s.warpFlags(), flag, e.u32(1))
		}
	})
}

// warpFlags is the per-warp "a masked operation completed" array, by
// round parity (2 x 32 words).
func (s *scheduler) warpFlags() spirv.ID {
	if s.flags == 0 {
		g := s.e.g
		arr := g.sm.TypeArray(g.tU32, g.u32(64))
		s.flags = g.sm.Variable(g.sm.TypePointer(spirv.StorageClassWorkgroup, arr), spirv.StorageClassWorkgroup, 0)
		g.sm.Name(s.flags, s.e.k.Name+".warpflags")
	}
	return s.flags
}
