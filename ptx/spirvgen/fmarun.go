package spirvgen

import (
	"strings"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Runs of fused f32 fmas.
//
// fusedFMA32Bits tests each fma.rn.f32 for subnormals and branches to the
// exact path where the test holds. On the H100 that branch after every
// fma cost as much as the whole test: the driver cannot move the loads of
// a tiled matrix product's unrolled inner loop across it, and
// matrix_multiply took 2.0x its GLSL twin's time with the float test as
// with the bit test (1.03x with the fused Fma alone). So consecutive fmas
// of a block form a run. Each writes its fused result and folds
// min(|a|, |b|, |c|, |f|) into the run's minimum, with no branch. Where
// the run ends (before an instruction that reads or writes a register a
// run fma wrote, or that is not plain data flow, and at the block's end),
// one test of the minimum (below the smallest normal, or unordered)
// guards a recomputation of the whole run in order: each fma again with
// the per-fma test on the bits and its exact path, taking the exact
// results of the run's earlier fmas where it read their registers, and
// writing its register again. A fused result can be wrong only where the
// run's test holds, and no instruction has read one before the test.
//
// The operands are the values the fmas read, still valid at the run's
// end (SPIR-V ids, which dominate it: a guarded instruction in between
// is a selection whose merge the rest of the block follows). Kernels run
// by the scheduler (sched.go) keep the per-fma form.

// fmaRun is the current block's run.
type fmaRun struct {
	entries []fmaEntry
	min     spirv.ID         // the running minimum, 0 before the first fma
	written map[*ptx.Reg]int // register -> 1 + the last entry that wrote it
	// checked holds the operand registers whose values are in the
	// minimum: a register-blocked matrix product reads each loaded value
	// in several fmas, and one test of it is enough until something
	// writes the register again.
	checked map[*ptx.Reg]bool
	// flagged: an fma read a register the shared-memory flag covers
	// (sharedflag.go), so the run's test includes the flag.
	flagged bool
}

// fmaEntry is one fma of a run: its instruction, its operands as read,
// and for each operand 1 + the run entry whose result it is (0: none).
type fmaEntry struct {
	in   *ptx.Inst
	ops  [3]spirv.ID
	from [3]int
	// reload holds, for an operand loaded from shared memory in this
	// block with no shared store or synchronization since, the load's
	// byte offset: the recomputation loads it again instead of keeping
	// the value live across the run (fmaCheck "reload").
	reload [3]spirv.ID
}

// runnable reports whether in may join a run: an unguarded f32 fma (or
// mad) rounded to nearest, without .ftz or .sat, on a device whose fused
// Fma needs the subnormal test (the case of fusedFMA32Bits).
func (e *fn) runnable(in *ptx.Inst) bool {
	if in.Guard != nil || (in.Op != "fma" && in.Op != "mad") || in.Type() != ptx.F32 || len(in.Args) != 4 {
		return false
	}
	if directed(in.Rnd) || in.Has(ptx.FlagFTZ) || in.Has(ptx.FlagSat) || in.Args[0].Kind != ptx.OpdReg {
		return false
	}
	return e.runsOn()
}

// runsOn reports whether the kernel's fused f32 fmas form runs: the
// device's fused Fma needs the subnormal test, and the kernel runs
// without the scheduler.
func (e *fn) runsOn() bool {
	t := e.g.t
	return t.FusedFMA32 && t.Float64 && !t.ContractFMA32 && fmaCheck != "bits" && e.sched == nil
}

// plainFlow lists the instructions that may stand between a run's fmas
// when they touch none of the registers the run's fmas wrote: data flow
// with no control flow, synchronization or calls.
var plainFlow = map[string]bool{
	"ld": true, "ldu": true, "st": true, "mov": true, "cvt": true, "cvta": true,
	"add": true, "sub": true, "mul": true, "mad": true, "fma": true, "neg": true, "abs": true,
	"min": true, "max": true, "shl": true, "shr": true, "and": true, "or": true, "xor": true,
	"not": true, "setp": true, "selp": true,
}

// runFMA adds in to the run if it may join one, and reports whether it
// did (then it has been written).
func (e *fn) runFMA(in *ptx.Inst) bool {
	if !e.runnable(in) || !e.needF64(in) {
		return false
	}
	g := e.g
	r := &e.run
	if r.written == nil {
		r.written, r.checked = map[*ptx.Reg]int{}, map[*ptx.Reg]bool{}
	}
	var en fmaEntry
	en.in = in
	abs := func(x spirv.ID) spirv.ID { return e.ext(spirv.GLSLFAbs, g.tF32, x) }
	fmin := func(x, y spirv.ID) spirv.ID {
		if x == 0 {
			return y
		}
		return e.ext(spirv.GLSLFMin, g.tF32, x, y)
	}
	var m spirv.ID
	for k := 0; k < 3; k++ {
		o := in.Args[k+1]
		en.ops[k] = e.a(in, k+1)
		if o.Kind == ptx.OpdReg && e.shFlag.covered[o.Reg] {
			// Loaded from shared memory: its store tested it.
			r.flagged = true
			en.reload[k] = e.shFlag.reloadAt[o.Reg]
			continue
		}
		if o.Kind == ptx.OpdReg {
			en.from[k] = r.written[o.Reg]
			if en.from[k] != 0 || r.checked[o.Reg] {
				// The result of an earlier fma of the run, or a value
				// already tested: in the minimum already.
				continue
			}
			r.checked[o.Reg] = true
		}
		m = fmin(m, abs(en.ops[k]))
	}
	f := e.ext(spirv.GLSLFma, g.tF32, en.ops[0], en.ops[1], en.ops[2])
	if fmaCheck != "noresult" {
		m = fmin(m, abs(f))
	}
	if m != 0 {
		r.min = fmin(r.min, m)
	}
	e.wr(in.Args[0], ptx.F32, f)
	r.entries = append(r.entries, en)
	r.written[in.Args[0].Reg] = len(r.entries)
	delete(r.checked, in.Args[0].Reg)
	if n := runLimit(); n > 0 && len(r.entries) == n {
		e.flushRun() // runLimit is at most runMax, the scratch arrays' size
	}
	return true
}

// endRunBefore ends the run before in where in may not stand inside it.
func (e *fn) endRunBefore(in *ptx.Inst) {
	r := &e.run
	if len(r.entries) == 0 {
		return
	}
	touches := false
	check := func(reg *ptx.Reg) {
		if r.written[reg] != 0 {
			touches = true
		}
	}
	in.Uses(check)
	in.Defs(check)
	if touches || !plainFlow[in.Op] || (e.shFlag.reloadAt != nil && e.writesShared(in)) {
		e.flushRun()
		return
	}
	// in stays inside the run: a register it writes holds a value not
	// yet tested.
	in.Defs(func(reg *ptx.Reg) { delete(r.checked, reg) })
}

// flushRun ends the run: the test of its minimum and the recomputation.
func (e *fn) flushRun() {
	r := &e.run
	if len(r.entries) == 0 {
		return
	}
	g := e.g
	entries, min, flagged := r.entries, r.min, r.flagged
	*r = fmaRun{written: r.written, checked: r.checked}
	clear(r.written)
	clear(r.checked)
	var slow spirv.ID
	if min != 0 {
		slow = e.op(spirv.OpFUnordLessThan, g.tBool, min, e.f32c(0x00800000))
	}
	if flagged {
		f := e.sharedFlagSet()
		if slow == 0 {
			slow = f
		} else {
			slow = e.op(spirv.OpLogicalOr, g.tBool, slow, f)
		}
	}
	if slow == 0 {
		return // noresult: nothing in the run to test
	}
	e.ifThen(slow, func() {
		if len(entries) >= runLoopMin && loopForm() {
			e.recomputeRunLoop(entries)
			return
		}
		exact := make([]spirv.ID, len(entries))
		for i, en := range entries {
			var ops [3]spirv.ID
			for k := range ops {
				ops[k] = en.ops[k]
				if en.reload[k] != 0 {
					ops[k] = e.reloadShared(en.reload[k])
				}
				if en.from[k] != 0 {
					ops[k] = exact[en.from[k]-1]
				}
			}
			if strings.Contains(fmaCheck, "slowfma") {
				// Measurement only: a recomputation as small as it gets.
				exact[i] = e.ext(spirv.GLSLFma, g.tF32, ops[0], ops[1], ops[2])
			} else {
				exact[i] = e.fusedFMA32Bits(ops[0], ops[1], ops[2])
			}
			e.wr(en.in.Args[0], ptx.F32, exact[i])
		}
	})
}

// runLoopMin is the shortest run whose recomputation is a loop
// (recomputeRunLoop) rather than one exact fma per entry; runMax is the
// longest run any form allows (run32). One more fma than the form's limit
// (runLimit) ends the run and starts another, so that one set of scratch
// arrays (runMax entries) serves every run of a function (a driver may
// give each Function array its own per-thread local memory).
const (
	runLoopMin = 3
	runMax     = 32
)

// runLimit is the longest run: runDefault in the loop form, unbounded (0)
// in the unrolled forms; the A/B forms runN (run1 to run32) end runs at N
// fmas in any form (at most runMax, the scratch arrays' size). On the
// H100 the register count of a matrix product follows what a run's
// recomputation holds: 64 registers and 1.50x its GLSL twin's time with
// runs of 16 (the tile), 50 and 1.51-1.53x with runs of 8, 40 and 1.29x
// with runs of 4, against GLSL's 32 (one call; more tests per fma cost
// less than the threads that the registers took from each SM).
func runLimit() int {
	if i := strings.Index(fmaCheck, "run"); i >= 0 {
		n := 0
		for _, c := range fmaCheck[i+3:] {
			if c < '0' || c > '9' {
				break
			}
			n = 10*n + int(c-'0')
		}
		if n > 0 {
			return min(n, runMax)
		}
	}
	if loopForm() {
		return runDefault
	}
	return 0
}

// runDefault is the longest run of the default (loop) form.
const runDefault = 4

// reloadShared loads the f32 at byte offset off of shared memory again
// for a run's recomputation (fmaCheck "reload"); the form "reloadvol"
// makes the load Volatile, so that the driver cannot merge it with the
// run's first load of the word and keep the value live across the run.
func (e *fn) reloadShared(off spirv.ID) spirv.ID {
	if strings.Contains(fmaCheck, "reloadvol") && e.shared.unit == 4 {
		w := e.shared
		idx := e.op(spirv.OpShiftRightLogical, e.g.tU32, off, e.u32(2))
		acc := uint32(maVolatile)
		if a := e.winAccess(w); len(a) > 0 {
			acc |= a[0]
		}
		v := e.load(w.elem, e.elemPtr(w, idx), acc)
		return e.op(spirv.OpBitcast, e.g.tF32, v)
	}
	return e.op(spirv.OpBitcast, e.g.tF32, e.winLoad(e.shared, off, 4))
}

// loopForm reports whether long runs are recomputed in a loop (every
// build but the A/B forms unrolled and slowfma).
func loopForm() bool {
	return !strings.Contains(fmaCheck, "unrolled") && !strings.Contains(fmaCheck, "slowfma")
}

// runLoopControl is the recomputation loop's control: DontUnroll. On the
// H100 (2026-12-07) the hint changed nothing: matrix_multiply took 1.50x
// its GLSL twin's time with it and without it (the A/B form fmaCheck
// "unrollhint"), with 64 registers either way; the binary's size (25 KB
// against the unrolled form's 57 KB) says the loop stayed a loop. What
// the time follows is the register count: on the H100 the kernel took 64
// registers to GLSL's 32, and 40 with runs of 4 (1.29x).
func runLoopControl() spirv.LoopControl {
	if strings.Contains(fmaCheck, "unrollhint") {
		return spirv.LoopControlNone
	}
	return spirv.LoopControlDontUnroll
}

// runScratch holds the Function arrays of recomputeRunLoop: operands and
// their sources (3 per entry) and exact results (1 per entry), runMax
// entries each, and the loop's counter.
type runScratch struct {
	sf                  *spirv.Function
	ops, from, exact, i spirv.ID
	// the arrays' pointer types, for the parameters of the outlined
	// recomputation (outlineRun)
	tOps, tFrom, tExact spirv.ID
}

// runArrays returns the current function's scratch arrays, declaring them
// on first use.
func (e *fn) runArrays() *runScratch {
	if s := e.runScratch; s != nil && s.sf == e.sf {
		return s
	}
	g := e.g
	sm := g.sm
	fnPtr := func(t spirv.ID) spirv.ID { return sm.TypePointer(spirv.StorageClassFunction, t) }
	// runMax entries whatever the form's limit: the H100 measured runs of
	// 4 (40 registers) with arrays of 32, which the driver keeps in local
	// memory; smaller ones it might keep in registers.
	n := uint32(runMax)
	s := &runScratch{
		sf:     e.sf,
		tOps:   fnPtr(sm.TypeArray(g.tF32, g.u32(3*n))),
		tFrom:  fnPtr(sm.TypeArray(g.tU32, g.u32(3*n))),
		tExact: fnPtr(sm.TypeArray(g.tF32, g.u32(n))),
		i:      e.tmpVar(g.tU32),
	}
	s.ops = e.sf.Variable(s.tOps, 0)
	s.from = e.sf.Variable(s.tFrom, 0)
	s.exact = e.sf.Variable(s.tExact, 0)
	e.runScratch = s
	return s
}

// recomputeRunLoop is the recomputation of a run as a loop over its
// entries with a single exact fma in its body. Unrolled, a run of n fmas
// carries n copies of the exact emulation: code that never runs on
// normal data, but that the driver compiles into the kernel. On the H100
// matrix_multiply ran 1.42x its GLSL twin's time with the unrolled
// recomputation and 1.14x with a one-fma recomputation (a measurement
// build, fmaCheck "slowfma", wrong for subnormals): the cost was the
// code's size, not the test. The loop keeps the code small and exact.
//
// Before the loop, the branch stores each entry's operands as read (or
// reloaded from shared memory) into the function's scratch array (one set
// per function, runArrays: a run has at most runMax entries), three per entry,
// and beside each the entry it comes from (1 + the entry whose result
// it is; 0: the value stands). The loop's body picks, for each operand,
// the stored value or the earlier entry's exact result, computes the
// exact fma and stores it; after the loop each entry's register gets its
// exact result.
func (e *fn) recomputeRunLoop(entries []fmaEntry) {
	g := e.g
	sm := g.sm
	n := uint32(len(entries))
	sc := e.runArrays()
	ops, from, exact, iv := sc.ops, sc.from, sc.exact, sc.i
	pF32 := sm.TypePointer(spirv.StorageClassFunction, g.tF32)
	pU32 := sm.TypePointer(spirv.StorageClassFunction, g.tU32)
	at := func(arr, ptr, idx spirv.ID) spirv.ID { return e.op(spirv.OpAccessChain, ptr, arr, idx) }
	for i, en := range entries {
		for k := range 3 {
			slot := e.u32(uint32(3*i + k))
			e.store(at(from, pU32, slot), e.u32(uint32(en.from[k])))
			if en.from[k] != 0 {
				continue
			}
			v := en.ops[k]
			if en.reload[k] != 0 {
				v = e.reloadShared(en.reload[k])
			}
			e.store(at(ops, pF32, slot), v)
		}
	}
	if outlineRun() {
		// One function per module, called with the arrays and the run's
		// length; DontInline, so that the driver might spill what the
		// kernel holds around the call instead of adding the exact
		// emulation's registers to it (it did not: outlineRun).
		t := []spirv.ID{sc.tOps, sc.tFrom, sc.tExact, g.tU32}
		e.call("fma.f32.run", spirv.FunctionControlDontInline, g.tU32, t, []spirv.ID{ops, from, exact, e.u32(n)}, func(ps []spirv.ID) spirv.ID {
			e.runLoop(ps[0], ps[1], ps[2], e.tmpVar(g.tU32), ps[3])
			return e.u32(0)
		})
	} else {
		e.runLoop(ops, from, exact, iv, e.u32(n))
	}
	for i, en := range entries {
		e.wr(en.in.Args[0], ptx.F32, e.load(g.tF32, at(exact, pF32, e.u32(uint32(i)))))
	}
}

// runLoop is recomputeRunLoop's loop over n entries (a u32 id) of the
// scratch arrays ops, from and exact, with iv its counter.
func (e *fn) runLoop(ops, from, exact, iv, n spirv.ID) {
	g := e.g
	sm := g.sm
	pF32 := sm.TypePointer(spirv.StorageClassFunction, g.tF32)
	pU32 := sm.TypePointer(spirv.StorageClassFunction, g.tU32)
	at := func(arr, ptr, idx spirv.ID) spirv.ID { return e.op(spirv.OpAccessChain, ptr, arr, idx) }
	e.store(iv, e.u32(0))
	e.loopControl(runLoopControl(), func() {
		i := e.load(g.tU32, iv)
		var x [3]spirv.ID
		for k := range x {
			slot := e.op(spirv.OpIAdd, g.tU32, e.op(spirv.OpIMul, g.tU32, i, e.u32(3)), e.u32(uint32(k)))
			fr := e.load(g.tU32, at(from, pU32, slot))
			has := e.op(spirv.OpINotEqual, g.tBool, fr, e.u32(0))
			// fr - 1 where it names an entry; entry 0 (not read) else.
			src := e.sel(g.tU32, has, e.op(spirv.OpISub, g.tU32, fr, e.u32(1)), e.u32(0))
			earlier := e.load(g.tF32, at(exact, pF32, src))
			stored := e.load(g.tF32, at(ops, pF32, slot))
			x[k] = e.sel(g.tF32, has, earlier, stored)
		}
		r := e.fmaExact32(x[0], x[1], x[2], ptx.RN, spirv.FunctionControlNone)
		e.store(at(exact, pF32, i), r)
		e.store(iv, e.op(spirv.OpIAdd, g.tU32, i, e.u32(1)))
	}, func() spirv.ID {
		return e.op(spirv.OpULessThan, g.tBool, e.load(g.tU32, iv), n)
	})
}

// outlineRun reports whether a run's recomputation loop is a function of
// its own, not inlined (the A/B form fmaCheck "outline"). On the H100
// (2026-12-08) matrix_multiply kept its 40 registers that way and took
// 3.27x its GLSL twin's time (3.07x with runs of 8), against 1.29x
// inlined: the call frees none of the caller's registers.
func outlineRun() bool { return strings.Contains(fmaCheck, "outline") }
