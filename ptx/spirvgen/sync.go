package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Barriers and warp operations.
//
// A barrier that every thread of the block reaches together (see
// diverge.go) is OpControlBarrier at workgroup scope, acquire-release on
// shared and device memory. A warp is 32 consecutive linear thread ids,
// as on NVIDIA GPUs. Warp operations use subgroup operations when the
// device runs 32-wide subgroups (Target.Subgroup32; the driver then asks
// for a required subgroup size of 32 and full subgroups); otherwise they
// are emulated through shared memory: every thread posts its operand in
// a per-thread slot, a workgroup barrier, and each thread computes its
// result from its warp's slots (a loop over the 32 lanes for votes,
// matches and reductions), then a second barrier before the slots are
// reused. That needs the whole block at the operation; elsewhere the
// kernel runs through the scheduler (sched.go), which uses the same
// slots and result code.

// Kinds of sync points, as posted to shared memory by the scheduler.
const (
	kindNone   = 0
	kindShfl   = 1
	kindVote   = 2
	kindMatch  = 3
	kindRedux  = 4
	kindActive = 5
	kindWarpB  = 6
	kindElect  = 7
	kindBar    = 16 // + barrier id (0..15)
	kindExited = 0xffffffff
	// The scheduler's posted states: masked warp operations are numbered
	// from 1 by what they do; these are above any such number.
	kindNoMask   = 0x10000 // + resume point
	kindBlockBar = 0x20000 // + barrier id
)

func warpKind(in *ptx.Inst) uint32 {
	switch in.Op {
	case "shfl":
		return kindShfl
	case "vote":
		return kindVote
	case "match":
		return kindMatch
	case "redux":
		return kindRedux
	case "activemask":
		return kindActive
	case "bar.warp":
		return kindWarpB
	case "elect":
		return kindElect
	}
	return kindNone
}

// isWarpOp reports warp-level sync points.
func isWarpOp(in *ptx.Inst) bool { return warpKind(in) != kindNone }

// nativeWarp reports whether warp operations use subgroup operations.
func (e *fn) nativeWarp() bool {
	if !e.g.t.Subgroup32 {
		return false
	}
	for _, in := range e.k.Body {
		if isWarpOp(in) {
			return true
		}
	}
	return false
}

// needsScheduler reports whether some sync point cannot be lowered in
// place: a block barrier not reached by the whole block together (or
// with a thread count, or bar.arrive), or an emulated warp operation
// likewise.
func (e *fn) needsScheduler() bool {
	native := e.g.t.Subgroup32
	for _, in := range e.k.Body {
		switch {
		case in.Op == "bar" || in.Op == "barrier":
			if in.Mode == "arrive" || (in.Mode != "red" && len(in.Args) >= 2) || (in.Mode == "red" && len(in.Args) >= 4) {
				return true
			}
			if !e.div.uniformAt(in) {
				return true
			}
		case isWarpOp(in) && !native:
			if !e.div.uniformAt(in) {
				return true
			}
		}
	}
	return false
}

// barrierSem is the memory semantics of a block barrier:
// acquire-release on shared memory and, when global is set, on device
// memory (storage buffers and physical storage buffers).
func barrierSem(global bool) uint32 {
	sem := spirv.MemorySemanticsAcquireRelease | spirv.MemorySemanticsWorkgroupMemory |
		spirv.MemorySemanticsMakeAvailable | spirv.MemorySemanticsMakeVisible
	if global {
		sem |= spirv.MemorySemanticsUniformMemory
	}
	return uint32(sem)
}

// barrier writes a workgroup barrier for the sync point in (nil: one of
// the scheduler's, which stands for any of the kernel's).
func (e *fn) barrier(in *ptx.Inst) {
	wg := e.u32(uint32(spirv.ScopeWorkgroup))
	e.cur.EmitIDs(spirv.OpControlBarrier, 0, wg, wg, e.u32(barrierSem(e.globalAtBarrier(in))))
}

// globalAtBarrier reports whether the barrier at in must order device
// memory as well as shared memory. bar.sync orders both among the
// block's threads, but ordering device memory costs (1.27x reduce_sum's
// time with NVIDIA's driver, H100), and it only matters when a thread
// may write device memory before the barrier (a store, atomic or
// reduction that can run before it: earlier in its block or in a block
// from which the barrier's block can be reached, loops included) and a
// thread may access device memory after it, or when a thread may read
// device memory before it and one may write it after (a block updating
// an array in place: without the ordering the driver may move the read
// past the barrier, where it could see the other thread's write; a form
// for this case with release and acquire fences on device memory around
// a shared-memory barrier, without availability and visibility, which
// the Vulkan memory model allows, ran reduce_sum at 1.47-1.54x GLSL's
// time on the H100 against 1.17-1.18x for this one). A read
// through ld.global.nc or ldu is of memory that no thread writes while
// the kernel runs (PTX leaves such a write undefined), so it never needs
// the ordering: nvcc and clang emit it for `const T* __restrict__`
// parameters. The scheduler's barriers (in nil) stand for every sync
// point of the kernel: device memory is ordered when the kernel writes
// it at all.
func (e *fn) globalAtBarrier(in *ptx.Inst) bool {
	ga := e.globalAccesses()
	if in == nil || in.Block == nil {
		return ga.anyWrite
	}
	if v, ok := ga.atBarrier[in]; ok {
		return v
	}
	b := in.Block
	// read reports a read of device memory that may still be pending at
	// the barrier.
	read := func(x *ptx.Inst) bool { return ga.read[x] && !e.consumedBefore(x, in) }
	var wBefore, rBefore, aAfter, wAfter bool
	for _, x := range b.Insts {
		switch {
		case x.Index < in.Index:
			wBefore = wBefore || ga.write[x]
			rBefore = rBefore || read(x)
		case x.Index > in.Index:
			aAfter = aAfter || ga.access[x]
			wAfter = wAfter || ga.write[x]
		}
	}
	// reach walks the blocks reachable from b's successors (fwd) or from
	// which b is reachable (backward), b itself included when it is on a
	// cycle, and reports one that has f.
	reach := func(fwd bool, f func(*ptx.Block) bool) bool {
		seen := map[*ptx.Block]bool{}
		next := func(x *ptx.Block) []*ptx.Block {
			if fwd {
				return x.Succs
			}
			return x.Preds
		}
		work := append([]*ptx.Block(nil), next(b)...)
		for len(work) > 0 {
			x := work[len(work)-1]
			work = work[:len(work)-1]
			if seen[x] || !x.Reachable {
				continue
			}
			seen[x] = true
			if f(x) {
				return true
			}
			work = append(work, next(x)...)
		}
		return false
	}
	wBefore = wBefore || reach(false, func(x *ptx.Block) bool { return ga.blockWrites[x] })
	aAfter = aAfter || reach(true, func(x *ptx.Block) bool { return ga.blockAccesses[x] })
	v := wBefore && aAfter
	if !v {
		rBefore = rBefore || reach(false, func(x *ptx.Block) bool {
			if !ga.blockReads[x] {
				return false
			}
			for _, r := range x.Insts {
				if read(r) {
					return true
				}
			}
			return false
		})
		wAfter = wAfter || reach(true, func(x *ptx.Block) bool { return ga.blockWrites[x] })
		v = rBefore && wAfter
	}
	ga.atBarrier[in] = v
	return v
}

// consumedBefore reports whether the device-memory read ld has been
// consumed by a shared-memory store before the barrier bar on every path
// from ld to bar: ld is a plain (weak) load into one register R, every
// use of R in the kernel is the value of an unguarded scalar st.shared,
// and each path from ld reaches such a store, with R not written again,
// before it reaches bar. Then no thread passes bar before ld has
// completed: the store needs ld's value and the barrier orders the store
// (shared memory), so a write of device memory after the barrier, by any
// thread, cannot be what ld reads, and the barrier need not order device
// memory for it. This is what `sdata[tid] = in[i]; __syncthreads();`
// compiles to (reduce_sum), whose barrier ordering device memory cost
// 1.23-1.30x the GLSL twin's time on the H100.
func (e *fn) consumedBefore(ld, bar *ptx.Inst) bool {
	if ld.Op != "ld" || ld.Guard != nil || !weak(ld) || ld.Vec > 1 ||
		len(ld.Args) < 2 || ld.Args[0].Kind != ptx.OpdReg || ld.Block == nil {
		return false
	}
	ga := e.globalAccesses()
	r := ld.Args[0].Reg
	if ok, seen := ga.storedOnly[r]; seen {
		if !ok {
			return false
		}
	} else {
		ok := true
		for _, x := range e.k.Body {
			used := false
			x.Uses(func(u *ptx.Reg) { used = used || u == r })
			if used && !e.sharedStoreOf(x, r) {
				ok = false
				break
			}
		}
		ga.storedOnly[r] = ok
		if !ok {
			return false
		}
	}
	// Walk forward from ld; a path ends at a store of r (consumed), fails
	// at bar or at a write of r first.
	seen := map[*ptx.Block]bool{}
	var walk func(b *ptx.Block, from int) bool
	walk = func(b *ptx.Block, from int) bool {
		for _, x := range b.Insts[from:] {
			if x == bar {
				return false
			}
			if e.sharedStoreOf(x, r) {
				return true
			}
			wr := false
			x.Defs(func(d *ptx.Reg) { wr = wr || d == r })
			if wr {
				return false
			}
		}
		for _, s := range b.Succs {
			if seen[s] || !s.Reachable {
				continue
			}
			seen[s] = true
			if !walk(s, 0) {
				return false
			}
		}
		return true
	}
	return walk(ld.Block, ld.Index-ld.Block.Start+1)
}

// sharedStoreOf reports whether x is an unguarded scalar st.shared whose
// value (not address) is r and that reads r nowhere else.
func (e *fn) sharedStoreOf(x *ptx.Inst, r *ptx.Reg) bool {
	if x.Op != "st" || x.Guard != nil || x.Vec > 1 || len(x.Args) != 2 {
		return false
	}
	v, a := x.Args[1], x.Args[0]
	if v.Kind != ptx.OpdReg || v.Reg != r || a.Reg == r {
		return false
	}
	sp, err := e.prov.space(x, a)
	return err == nil && sp == ptx.SpaceShared
}

// globalInfo is which instructions may write, read (other than
// read-only loads) or access device memory.
type globalInfo struct {
	write, read, access                    map[*ptx.Inst]bool
	blockWrites, blockReads, blockAccesses map[*ptx.Block]bool
	anyWrite                               bool
	atBarrier                              map[*ptx.Inst]bool
	// storedOnly: every use of the register is the value of a scalar
	// st.shared (consumedBefore).
	storedOnly map[*ptx.Reg]bool
}

// globalAccesses finds the kernel's device-memory accesses: loads,
// stores, atomics, reductions and cp.async whose address is (or may be,
// when the analysis cannot tell) in global or constant memory.
func (e *fn) globalAccesses() *globalInfo {
	if e.gacc != nil {
		return e.gacc
	}
	ga := &globalInfo{write: map[*ptx.Inst]bool{}, read: map[*ptx.Inst]bool{}, access: map[*ptx.Inst]bool{},
		blockWrites: map[*ptx.Block]bool{}, blockReads: map[*ptx.Block]bool{}, blockAccesses: map[*ptx.Block]bool{},
		atBarrier: map[*ptx.Inst]bool{}, storedOnly: map[*ptx.Reg]bool{}}
	global := func(in *ptx.Inst, a int) bool {
		if a >= len(in.Args) {
			return true
		}
		sp, err := e.prov.space(in, in.Args[a])
		return err != nil || sp == ptx.SpaceGlobal
	}
	for _, in := range e.k.Body {
		var w, r, acc bool
		switch in.Op {
		case "st":
			w = global(in, 0)
		case "red":
			w = global(in, 0)
		case "atom":
			w = global(in, 1)
		case "ld":
			acc = global(in, 1)
			r = acc && !in.Has(ptx.FlagNC)
		case "ldu":
			acc = global(in, 1) // read-only data
		case "cp.async":
			acc, r = true, true // reads device memory
		}
		if r {
			ga.read[in] = true
			if in.Block != nil {
				ga.blockReads[in.Block] = true
			}
		}
		if w {
			ga.write[in], ga.anyWrite = true, true
			if in.Block != nil {
				ga.blockWrites[in.Block] = true
			}
		}
		if w || acc {
			ga.access[in] = true
			if in.Block != nil {
				ga.blockAccesses[in.Block] = true
			}
		}
	}
	e.gacc = ga
	return ga
}

// ---- scratch space for emulation ----

// scratchSpace is the shared memory the emulation and the scheduler use:
// per-thread value slots (two words each), state and mask slots, and a
// few counters.
type scratchSpace struct {
	vals, state, mask, counters spirv.ID
	valPtr                      spirv.ID
}

const numCounters = 128

// Counter indices (the scheduler's).
const (
	ctrExited   = 0
	ctrProgress = 2  // [2]: by round parity
	ctrArrive   = 4  // [2][16]
	ctrRed      = 36 // [2][16]
	ctrCount    = 68 // [16]: the thread count a barrier waits for (0: all)
)

func (e *fn) scratchVars() *scratchSpace {
	if e.scratch != nil {
		return e.scratch
	}
	g := e.g
	sm := g.sm
	bs := g.blockSize()
	n := sm.SpecConstantOp(g.tU32, spirv.OpIMul, bs[0], bs[1])
	n = sm.SpecConstantOp(g.tU32, spirv.OpIMul, n, bs[2])
	n2 := sm.SpecConstantOp(g.tU32, spirv.OpIMul, n, g.u32(2))
	mk := func(length spirv.ID, name string) spirv.ID {
		arr := sm.TypeArray(g.tU32, length)
		v := sm.Variable(sm.TypePointer(spirv.StorageClassWorkgroup, arr), spirv.StorageClassWorkgroup, 0)
		sm.Name(v, e.k.Name+"."+name)
		return v
	}
	s := &scratchSpace{vals: mk(n2, "warpvals"), state: mk(n, "syncstate"), mask: mk(n, "syncmask"), counters: mk(g.u32(numCounters), "synccounters")}
	s.valPtr = sm.TypePointer(spirv.StorageClassWorkgroup, g.tU32)
	e.scratch = s
	return s
}

// slot returns a pointer to element i of scratch array arr.
func (e *fn) slot(arr, i spirv.ID) spirv.ID {
	s := e.scratchVars()
	e.use(arr)
	return e.op(spirv.OpAccessChain, s.valPtr, arr, i)
}

func (e *fn) ldSlot(arr, i spirv.ID) spirv.ID {
	return e.load(e.g.tU32, e.slot(arr, i), maNonPrivate)
}

func (e *fn) stSlot(arr, i, v spirv.ID) {
	e.store(e.slot(arr, i), v, maNonPrivate)
}

// existingLanes is the mask of the lanes of this thread's warp that exist
// (the last warp of a block may be partial).
func (e *fn) existingLanes() spirv.ID {
	g := e.g
	left := e.op(spirv.OpISub, g.tU32, e.nthreads, e.warpBase)
	full := e.op(spirv.OpUGreaterThanEqual, g.tBool, left, e.u32(32))
	m := e.op(spirv.OpISub, g.tU32, e.op(spirv.OpShiftLeftLogical, g.tU32, e.u32(1), e.op(spirv.OpBitwiseAnd, g.tU32, left, e.u32(31))), e.u32(1))
	return e.sel(g.tU32, full, e.u32(0xffffffff), m)
}

// ---- sync ops in place ----

func (e *fn) syncOp(in *ptx.Inst, t ptx.Type) {
	if in.Op == "bar" || in.Op == "barrier" {
		switch in.Mode {
		case "red":
			e.barRedDirect(in)
		case "arrive":
			if e.sched == nil {
				e.errorf(in, "internal error: bar.arrive outside the scheduler")
				return
			}
			e.arriveOnly(in)
		default:
			e.barrier(in)
		}
		return
	}
	if e.nativeWarp() {
		e.nativeWarpOp(in, t)
		return
	}
	// Emulated at a point the whole block reaches: post, barrier,
	// compute, barrier.
	if in.Op == "bar.warp" {
		e.barrier(in)
		return
	}
	e.postWarp(in, t)
	e.barrier(in)
	e.completeWarp(in, t, e.existingLanes())
	e.barrier(in)
}

// barRedDirect is bar.red reached by the whole block: a counter zeroed,
// combined atomically and read, between barriers.
func (e *fn) barRedDirect(in *ptx.Inst) {
	g := e.g
	s := e.scratchVars()
	ctr := e.u32(ctrRed)
	p := e.rd(in.Args[len(in.Args)-1], ptx.Pred)
	init := uint32(0)
	if in.BoolOp == "and" {
		init = 1
	}
	e.barrier(in)
	e.ifThen(e.op(spirv.OpIEqual, g.tBool, e.linearTid, e.u32(0)), func() { e.stSlot(s.counters, ctr, e.u32(init)) })
	e.barrier(in)
	e.redCombine(in.BoolOp, e.slot(s.counters, ctr), p)
	e.barrier(in)
	v := e.ldSlot(s.counters, ctr)
	e.barrier(in)
	e.writeBarRed(in, v)
}

// redCombine adds one thread's predicate to a bar.red accumulator.
func (e *fn) redCombine(op string, ptr, p spirv.ID) {
	g := e.g
	one := e.sel(g.tU32, p, e.u32(1), e.u32(0))
	wg := e.u32(uint32(spirv.ScopeWorkgroup))
	none := e.u32(0)
	switch op {
	case "popc":
		e.op(spirv.OpAtomicIAdd, g.tU32, ptr, wg, none, one)
	case "and":
		e.op(spirv.OpAtomicAnd, g.tU32, ptr, wg, none, one)
	default:
		e.op(spirv.OpAtomicOr, g.tU32, ptr, wg, none, one)
	}
}

func (e *fn) writeBarRed(in *ptx.Inst, v spirv.ID) {
	if in.BoolOp == "popc" {
		e.wr(in.Args[0], ptx.U32, v)
		return
	}
	e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpINotEqual, e.g.tBool, v, e.u32(0)))
}

// warpMask is the operation's member mask (all lanes when it has none).
func (e *fn) warpMask(in *ptx.Inst) spirv.ID {
	var o *ptx.Operand
	switch in.Op {
	case "shfl":
		if len(in.Args) >= 5 {
			o = in.Args[4]
		}
	case "vote", "match", "redux":
		if len(in.Args) >= 3 {
			o = in.Args[len(in.Args)-1]
		}
	case "bar.warp", "elect":
		if len(in.Args) >= 1 {
			o = in.Args[len(in.Args)-1]
		}
	}
	if o == nil || !in.Has(ptx.FlagSync) {
		return e.u32(0xffffffff)
	}
	return e.rd(o, ptx.B32)
}

// postWarp writes this thread's operand of a warp op to its slots.
func (e *fn) postWarp(in *ptx.Inst, t ptx.Type) {
	g := e.g
	s := e.scratchVars()
	i2 := e.op(spirv.OpIMul, g.tU32, e.linearTid, e.u32(2))
	var lo, hi spirv.ID
	switch in.Op {
	case "shfl", "redux":
		lo = e.rd(in.Args[1], ptx.B32)
	case "vote":
		lo = e.sel(g.tU32, e.rd(in.Args[1], ptx.Pred), e.u32(1), e.u32(0))
	case "match":
		if t.Size() == 8 {
			lo, hi = e.split64(e.rd(in.Args[1], ptx.B64))
		} else {
			lo = e.rd(in.Args[1], ptx.B32)
		}
	default:
		return
	}
	e.stSlot(s.vals, i2, lo)
	if hi != 0 {
		e.stSlot(s.vals, e.op(spirv.OpIAdd, g.tU32, i2, e.u32(1)), hi)
	}
}

// laneVal reads lane l's posted value (l a u32 lane number in the warp).
func (e *fn) laneVal(l spirv.ID, word int) spirv.ID {
	g := e.g
	s := e.scratchVars()
	i := e.op(spirv.OpIAdd, g.tU32, e.warpBase, l)
	i2 := e.op(spirv.OpIAdd, g.tU32, e.op(spirv.OpIMul, g.tU32, i, e.u32(2)), e.u32(uint32(word)))
	return e.ldSlot(s.vals, i2)
}

// forLanes runs body for l = 0..31 (a loop).
func (e *fn) forLanes(body func(l spirv.ID)) {
	g := e.g
	lv := e.tmpVar(g.tU32)
	e.store(lv, e.u32(0))
	var next spirv.ID
	e.loop(func() {
		l := e.load(g.tU32, lv)
		body(l)
		next = e.op(spirv.OpIAdd, g.tU32, l, e.u32(1))
		e.store(lv, next)
	}, func() spirv.ID {
		return e.op(spirv.OpULessThan, g.tBool, e.load(g.tU32, lv), e.u32(32))
	})
}

func (e *fn) bit(m, l spirv.ID) spirv.ID {
	g := e.g
	return e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU32, m, l), e.u32(1)), e.u32(0))
}

// shflSource computes a shfl's source lane and its in-range predicate.
func (e *fn) shflSource(in *ptx.Inst, lane spirv.ID) (j, pval spirv.ID) {
	g := e.g
	u, b := g.tU32, g.tBool
	bv := e.op(spirv.OpBitwiseAnd, u, e.rd(in.Args[2], ptx.U32), e.u32(31))
	c := e.rd(in.Args[3], ptx.U32)
	clamp := e.op(spirv.OpBitwiseAnd, u, c, e.u32(31))
	segmask := e.op(spirv.OpBitwiseAnd, u, e.op(spirv.OpShiftRightLogical, u, c, e.u32(8)), e.u32(31))
	maxLane := e.op(spirv.OpBitwiseOr, u, e.op(spirv.OpBitwiseAnd, u, lane, segmask), e.op(spirv.OpBitwiseAnd, u, clamp, e.op(spirv.OpNot, u, segmask)))
	minLane := e.op(spirv.OpBitwiseAnd, u, lane, segmask)
	switch in.Mode {
	case "up":
		j = e.op(spirv.OpISub, u, lane, bv)
		pval = e.op(spirv.OpSGreaterThanEqual, b, j, maxLane)
	case "down":
		j = e.op(spirv.OpIAdd, u, lane, bv)
		pval = e.op(spirv.OpULessThanEqual, b, j, maxLane)
	case "bfly":
		j = e.op(spirv.OpBitwiseXor, u, lane, bv)
		pval = e.op(spirv.OpULessThanEqual, b, j, maxLane)
	default: // idx
		j = e.op(spirv.OpBitwiseOr, u, minLane, e.op(spirv.OpBitwiseAnd, u, bv, e.op(spirv.OpNot, u, segmask)))
		pval = e.op(spirv.OpULessThanEqual, b, j, maxLane)
	}
	j = e.sel(u, pval, j, lane)
	return j, pval
}

// completeWarp computes a warp op's result from the slots of the lanes in
// part (those that posted for this operation) and writes it.
func (e *fn) completeWarp(in *ptx.Inst, t ptx.Type, part spirv.ID) {
	g := e.g
	u, b := g.tU32, g.tBool
	lane := e.laneID
	mask := e.op(spirv.OpBitwiseAnd, u, e.warpMask(in), part)
	switch in.Op {
	case "shfl":
		own := e.laneVal(lane, 0)
		j, pval := e.shflSource(in, lane)
		v := e.sel(u, e.bit(part, j), e.laneVal(j, 0), own)
		e.wr(in.Args[0], ptx.B32, v)
		if in.Dst2 != nil {
			e.wr(in.Dst2, ptx.Pred, pval)
		}
	case "vote":
		acc := e.tmpVar(u)
		e.store(acc, e.u32(0))
		e.forLanes(func(l spirv.ID) {
			set := e.op(spirv.OpLogicalAnd, b, e.bit(mask, l), e.op(spirv.OpINotEqual, b, e.laneVal(l, 0), e.u32(0)))
			e.ifThen(set, func() {
				e.store(acc, e.op(spirv.OpBitwiseOr, u, e.load(u, acc), e.op(spirv.OpShiftLeftLogical, u, e.u32(1), l)))
			})
		})
		ballot := e.load(u, acc)
		switch in.Mode {
		case "ballot":
			e.wr(in.Args[0], ptx.B32, ballot)
		case "all":
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpIEqual, b, ballot, mask))
		case "any":
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpINotEqual, b, ballot, e.u32(0)))
		case "uni":
			all := e.op(spirv.OpIEqual, b, ballot, mask)
			none := e.op(spirv.OpIEqual, b, ballot, e.u32(0))
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpLogicalOr, b, all, none))
		}
	case "match":
		wide := t.Size() == 8
		mine := e.laneVal(lane, 0)
		var mineHi spirv.ID
		if wide {
			mineHi = e.laneVal(lane, 1)
		}
		acc := e.tmpVar(u)
		e.store(acc, e.u32(0))
		e.forLanes(func(l spirv.ID) {
			eq := e.op(spirv.OpIEqual, b, e.laneVal(l, 0), mine)
			if wide {
				eq = e.op(spirv.OpLogicalAnd, b, eq, e.op(spirv.OpIEqual, b, e.laneVal(l, 1), mineHi))
			}
			set := e.op(spirv.OpLogicalAnd, b, e.bit(mask, l), eq)
			e.ifThen(set, func() {
				e.store(acc, e.op(spirv.OpBitwiseOr, u, e.load(u, acc), e.op(spirv.OpShiftLeftLogical, u, e.u32(1), l)))
			})
		})
		same := e.load(u, acc)
		if in.Mode == "all" {
			all := e.op(spirv.OpIEqual, b, same, mask)
			e.wr(in.Args[0], ptx.B32, e.sel(u, all, mask, e.u32(0)))
			if in.Dst2 != nil {
				e.wr(in.Dst2, ptx.Pred, all)
			}
		} else {
			e.wr(in.Args[0], ptx.B32, same)
		}
	case "redux":
		e.reduxLoop(in, t, mask, func(l spirv.ID) spirv.ID { return e.laneVal(l, 0) })
	case "activemask":
		e.wr(in.Args[0], ptx.B32, part)
	case "elect":
		leader := e.ext(spirv.GLSLFindILsb, u, mask)
		if len(in.Args) >= 2 && in.Args[0].Kind != ptx.OpdSink {
			e.wr(in.Args[0], ptx.B32, leader)
		}
		if in.Dst2 != nil {
			e.wr(in.Dst2, ptx.Pred, e.op(spirv.OpIEqual, b, lane, leader))
		} else if len(in.Args) >= 1 && in.Args[0].Reg != nil && in.Args[0].Reg.Type == ptx.Pred {
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpIEqual, b, lane, leader))
		}
	case "bar.warp":
	}
}

// reduxLoop writes redux's result: the operation over val(l) for the
// lanes l of mask.
func (e *fn) reduxLoop(in *ptx.Inst, t ptx.Type, mask spirv.ID, val func(l spirv.ID) spirv.ID) {
	g := e.g
	u := g.tU32
	{
		signed := t == ptx.S32
		var init uint32
		switch in.AtomOp {
		case "and":
			init = 0xffffffff
		case "min":
			init = 0xffffffff
			if signed {
				init = 0x7fffffff
			}
		case "max":
			if signed {
				init = 0x80000000
			}
		}
		acc := e.tmpVar(u)
		e.store(acc, e.u32(init))
		e.forLanes(func(l spirv.ID) {
			x := val(l) // outside the selection: shuffles need the whole subgroup
			e.ifThen(e.bit(mask, l), func() {
				a := e.load(u, acc)
				var r spirv.ID
				switch in.AtomOp {
				case "add":
					r = e.op(spirv.OpIAdd, u, a, x)
				case "and":
					r = e.op(spirv.OpBitwiseAnd, u, a, x)
				case "or":
					r = e.op(spirv.OpBitwiseOr, u, a, x)
				case "xor":
					r = e.op(spirv.OpBitwiseXor, u, a, x)
				case "min":
					if signed {
						r = e.ext(spirv.GLSLSMin, u, a, x)
					} else {
						r = e.ext(spirv.GLSLUMin, u, a, x)
					}
				case "max":
					if signed {
						r = e.ext(spirv.GLSLSMax, u, a, x)
					} else {
						r = e.ext(spirv.GLSLUMax, u, a, x)
					}
				}
				e.store(acc, r)
			})
		})
		e.wr(in.Args[0], t, e.load(u, acc))
	}
}

// ---- subgroup operations ----

func (e *fn) subgroupCap(c spirv.Capability) {
	e.g.sm.Capability(spirv.CapabilityGroupNonUniform)
	e.g.sm.Capability(c)
}

func (e *fn) ballot(p spirv.ID) spirv.ID {
	g := e.g
	e.subgroupCap(spirv.CapabilityGroupNonUniformBallot)
	v4 := g.sm.TypeVector(g.tU32, 4)
	r := e.op(spirv.OpGroupNonUniformBallot, v4, e.u32(uint32(spirv.ScopeSubgroup)), p)
	return e.cur.Emit(spirv.OpCompositeExtract, g.tU32, uint32(r), 0)
}

func (e *fn) subgroupLane() spirv.ID {
	return e.load(e.g.tU32, e.use(e.g.builtin(spirv.BuiltInSubgroupLocalInvocationId)))
}

func (e *fn) nativeWarpOp(in *ptx.Inst, t ptx.Type) {
	g := e.g
	u, b := g.tU32, g.tBool
	sg := e.u32(uint32(spirv.ScopeSubgroup))
	lane := e.subgroupLane()
	active := e.ballot(g.cbool(true))
	mask := e.op(spirv.OpBitwiseAnd, u, e.warpMask(in), active)
	switch in.Op {
	case "shfl":
		e.subgroupCap(spirv.CapabilityGroupNonUniformShuffle)
		a := e.rd(in.Args[1], ptx.B32)
		j, pval := e.shflSource(in, lane)
		v := e.op(spirv.OpGroupNonUniformShuffle, u, sg, a, j)
		v = e.sel(u, e.bit(active, j), v, a)
		e.wr(in.Args[0], ptx.B32, v)
		if in.Dst2 != nil {
			e.wr(in.Dst2, ptx.Pred, pval)
		}
	case "vote":
		p := e.rd(in.Args[1], ptx.Pred)
		bal := e.op(spirv.OpBitwiseAnd, u, e.ballot(p), mask)
		switch in.Mode {
		case "ballot":
			e.wr(in.Args[0], ptx.B32, bal)
		case "all":
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpIEqual, b, bal, mask))
		case "any":
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpINotEqual, b, bal, e.u32(0)))
		case "uni":
			e.wr(in.Args[0], ptx.Pred, e.op(spirv.OpLogicalOr, b, e.op(spirv.OpIEqual, b, bal, mask), e.op(spirv.OpIEqual, b, bal, e.u32(0))))
		}
	case "match":
		e.subgroupCap(spirv.CapabilityGroupNonUniformShuffle)
		wide := t.Size() == 8
		var lo, hi spirv.ID
		if wide {
			lo, hi = e.split64(e.rd(in.Args[1], ptx.B64))
		} else {
			lo = e.rd(in.Args[1], ptx.B32)
		}
		acc := e.tmpVar(u)
		e.store(acc, e.u32(0))
		e.forLanes(func(l spirv.ID) {
			x := e.op(spirv.OpGroupNonUniformShuffle, u, sg, lo, l)
			eq := e.op(spirv.OpIEqual, b, x, lo)
			if wide {
				y := e.op(spirv.OpGroupNonUniformShuffle, u, sg, hi, l)
				eq = e.op(spirv.OpLogicalAnd, b, eq, e.op(spirv.OpIEqual, b, y, hi))
			}
			set := e.op(spirv.OpLogicalAnd, b, e.bit(mask, l), eq)
			bitv := e.sel(u, set, e.op(spirv.OpShiftLeftLogical, u, e.u32(1), l), e.u32(0))
			e.store(acc, e.op(spirv.OpBitwiseOr, u, e.load(u, acc), bitv))
		})
		same := e.load(u, acc)
		if in.Mode == "all" {
			all := e.op(spirv.OpIEqual, b, same, mask)
			e.wr(in.Args[0], ptx.B32, e.sel(u, all, mask, e.u32(0)))
			if in.Dst2 != nil {
				e.wr(in.Dst2, ptx.Pred, all)
			}
		} else {
			e.wr(in.Args[0], ptx.B32, same)
		}
	case "redux":
		x := e.rd(in.Args[1], t)
		if m := in.Args[2]; m.Kind != ptx.OpdImm || uint32(m.Imm) != 0xffffffff {
			// A partial member mask: reduce the mask's lanes one by one.
			e.subgroupCap(spirv.CapabilityGroupNonUniformShuffle)
			e.reduxLoop(in, t, mask, func(l spirv.ID) spirv.ID {
				return e.op(spirv.OpGroupNonUniformShuffle, u, sg, x, l)
			})
			return
		}
		e.subgroupCap(spirv.CapabilityGroupNonUniformArithmetic)
		signed := t == ptx.S32
		op := map[string]spirv.Op{"add": spirv.OpGroupNonUniformIAdd, "and": spirv.OpGroupNonUniformBitwiseAnd,
			"or": spirv.OpGroupNonUniformBitwiseOr, "xor": spirv.OpGroupNonUniformBitwiseXor,
			"min": spirv.OpGroupNonUniformUMin, "max": spirv.OpGroupNonUniformUMax}[in.AtomOp]
		if signed && in.AtomOp == "min" {
			op = spirv.OpGroupNonUniformSMin
		}
		if signed && in.AtomOp == "max" {
			op = spirv.OpGroupNonUniformSMax
		}
		r := e.cur.Emit(op, u, uint32(sg), uint32(spirv.GroupOperationReduce), uint32(x))
		e.wr(in.Args[0], t, r)
	case "activemask":
		e.wr(in.Args[0], ptx.B32, active)
	case "elect":
		leader := e.ext(spirv.GLSLFindILsb, u, mask)
		if in.Dst2 != nil {
			if in.Args[0].Kind != ptx.OpdSink {
				e.wr(in.Args[0], ptx.B32, leader)
			}
			e.wr(in.Dst2, ptx.Pred, e.op(spirv.OpIEqual, b, lane, leader))
		}
	case "bar.warp":
		e.cur.EmitIDs(spirv.OpControlBarrier, 0, sg, sg, e.u32(barrierSem(e.globalAtBarrier(in))))
	}
}
