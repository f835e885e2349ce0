package spirvgen

import (
	"fmt"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/structure"
	"github.com/streamhal/streamhal/ptx"
)

// fn translates one kernel into one SPIR-V entry point.
type fn struct {
	g    *gen
	k    *ptx.Func
	cfg  *ptx.CFG
	prov *provInfo
	div  *divergence
	sf   *spirv.Function
	cur  *spirv.Block

	regVar []spirv.ID
	iface  map[spirv.ID]bool

	// Windows: the thread's local memory, the block's shared memory and
	// the kernel's argument block.
	local, shared, params *window
	localOff              map[*ptx.Var]int64
	localSize             int64
	sharedOff             map[*ptx.Var]int64
	staticShared          int64
	dynOff                int64
	usesDyn               bool
	sharedUnit            int64

	pushWords uint32
	gridOff   int

	// Cached values computed in the entry block.
	linearTid spirv.ID
	laneID    spirv.ID
	warpBase  spirv.ID
	nthreads  spirv.ID

	// The graph given to the structurizer.
	blocks []*gblock

	// gacc is the kernel's device-memory accesses (globalAccesses).
	gacc *globalInfo
	// run is the current block's run of fused f32 fmas (fmarun.go).
	run fmaRun
	// runScratch: the Function arrays of the loop-form recomputation
	// (fmarun.go), declared once per function and shared by its runs.
	runScratch *runScratch
	// shFlag is the shared-memory subnormal flag (sharedflag.go).
	shFlag sharedFlag

	scratch *scratchSpace
	sched   *scheduler
	cc      spirv.ID // the carry flag (u32 0 or 1)

	errs int
}

// gblock is a block of the graph given to the structurizer: a run of PTX
// instructions and how it ends.
type gblock struct {
	insts []*ptx.Inst
	kind  structure.Kind
	succs []int
	// cond is the guarded instruction (bra, ret, exit) whose guard decides
	// a Cond block; sel the brx of a Switch block.
	cond  *ptx.Inst
	sel   *ptx.Inst
	cases []uint32
	// exit says how a Return block ends: "ret" (also exit), "trap".
	exit string
	// custom, when set, emits the block's code instead of insts (the
	// scheduler's own blocks).
	custom func(at *spirv.Block) *spirv.Block
	// condFn and selFn override cond and sel.
	condFn func() spirv.ID
	selFn  func() spirv.ID
}

func (e *fn) errorf(in *ptx.Inst, format string, args ...any) {
	e.errs++
	pos := e.k.Pos
	if in != nil {
		pos = in.Pos
		format = "%s: " + format
		args = append([]any{in.Text}, args...)
	}
	e.g.errorf(pos, e.k.Name, format, args...)
}

// need declares capability c, which the device has when ok; otherwise it
// reports the missing feature for what in.
func (e *fn) need(in *ptx.Inst, ok bool, c spirv.Capability, feature, what string) bool {
	if !ok {
		pos := e.k.Pos
		if in != nil {
			pos = in.Pos
			what = in.Text + ": " + what
		}
		e.errs++
		e.g.featureErr(pos, e.k.Name, feature, what)
		return false
	}
	e.g.sm.Capability(c)
	return true
}

func (g *gen) kernel(k *ptx.Func) {
	g.inl.kernel(k)
	if len(g.inl.errs) > 0 {
		for _, err := range g.inl.errs {
			switch err := err.(type) {
			case *ptx.Error:
				g.errorf(err.Pos, k.Name, "%s", err.Msg)
			case *Error:
				if len(g.errs) < maxErrors {
					err.Kernel = k.Name
					g.errs = append(g.errs, err)
				}
			default:
				g.errorf(k.Pos, k.Name, "%v", err)
			}
		}
		g.inl.errs = nil
		return
	}
	for idx, in := range k.Body {
		in.Index = idx
	}
	e := &fn{g: g, k: k, iface: map[spirv.ID]bool{}, gridOff: -1}
	e.cfg = ptx.BuildCFG(k)
	if !e.cfg.Reducible {
		at := k.Pos
		if b := e.cfg.IrreducibleAt; b != nil && len(b.Insts) > 0 {
			at = b.Insts[0].Pos
		}
		g.errorf(at, k.Name, "irreducible control flow (a loop entered at two places): SPIR-V needs structured control flow")
		return
	}
	e.prov = analyzeProv(k)
	e.div = analyzeDivergence(k, e.cfg)
	e.layout()
	if e.errs > 0 {
		return
	}
	e.emit()
}

// layout assigns offsets in the local window (the kernel's .local
// variables and its calls' .param variables) and in the shared window
// (the .shared variables the kernel names, then the dynamic part).
func (e *fn) layout() {
	e.localOff = map[*ptx.Var]int64{}
	var end int64
	for _, v := range e.k.Vars {
		if varSpace(e.k, v) != ptx.SpaceLocal {
			continue
		}
		end = alignUp(end, max(v.Align, 1))
		e.localOff[v] = end
		end += max(v.Size, 0)
	}
	e.localSize = alignUp(end, 8)
	e.sharedOff = map[*ptx.Var]int64{}
	var used []*ptx.Var
	seen := map[*ptx.Var]bool{}
	shared64 := false
	for _, in := range e.k.Body {
		forOperands(in, func(o *ptx.Operand) {
			if v := o.Var; v != nil && v.Space == ptx.SpaceShared && !seen[v] {
				seen[v] = true
				used = append(used, v)
			}
		})
		if (in.Op == "atom" || in.Op == "red") && in.Type().Size() == 8 {
			ai := 1
			if in.Op == "red" {
				ai = 0
			}
			if sp, err := e.prov.space(in, in.Args[ai]); err == nil && sp == ptx.SpaceShared {
				shared64 = true
			}
		}
	}
	end = 0
	for _, v := range used {
		if v.Unsized || v.Linkage == ptx.LinkExtern {
			e.usesDyn = true
			continue
		}
		end = alignUp(end, max(v.Align, 1))
		e.sharedOff[v] = end
		end += v.Size
	}
	e.staticShared = end
	e.dynOff = alignUp(end, 16)
	for _, v := range used {
		if v.Unsized || v.Linkage == ptx.LinkExtern {
			e.sharedOff[v] = e.dynOff
		}
	}
	e.sharedUnit = 4
	if shared64 {
		e.sharedUnit = 8
	}
	if e.staticShared > int64(e.g.t.maxShared()) {
		e.errorf(nil, "%d bytes of static shared memory exceed the device's maxComputeSharedMemorySize %d", e.staticShared, e.g.t.maxShared())
	}
	if e.localSize > maxLocalBytes {
		e.errorf(nil, "%d bytes of local memory per thread: more than the %d this translator supports", e.localSize, maxLocalBytes)
	}
	args := uint32(alignUp(e.k.ArgsSize, 4))
	e.pushWords = args / 4
	if e.usesSReg(ptx.SRegNCtaid) || e.usesSReg(ptx.SRegNClusterid) {
		e.gridOff = int(args)
		e.pushWords += 3
	}
	if e.pushWords*4 > e.g.t.maxPush() {
		e.errorf(nil, "%d bytes of kernel arguments (with the grid size) exceed the device's maxPushConstantsSize %d", e.pushWords*4, e.g.t.maxPush())
	}
}

const maxLocalBytes = 1 << 16

func (e *fn) usesSReg(s ptx.SReg) bool {
	for _, in := range e.k.Body {
		found := false
		forOperands(in, func(o *ptx.Operand) {
			if o.Kind == ptx.OpdSReg && o.SReg == s {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
}

// emit writes the entry point.
func (e *fn) emit() {
	g := e.g
	sm := g.sm
	e.sf = sm.Function(g.tVoid, spirv.FunctionControlNone, sm.TypeFunction(g.tVoid))
	sm.Name(e.sf.ID, e.k.Name)
	entry := e.sf.Begin(e.sf.NewBlock())
	e.cur = entry
	e.regVar = make([]spirv.ID, len(e.k.Regs))
	for _, r := range e.k.Regs {
		t := e.vtReg(r.Type, nil)
		if t == 0 {
			return
		}
		e.regVar[r.ID] = e.sf.Variable(sm.TypePointer(spirv.StorageClassFunction, t), 0)
	}
	e.setupWindows()
	e.prologue()
	e.buildGraph()
	if e.errs > 0 {
		return
	}
	if e.needsScheduler() {
		e.sched = newScheduler(e)
		e.sched.rewrite()
		if e.errs > 0 {
			return
		}
		// Resuming inside a loop can enter it at two places.
		e.sched.entry = e.makeReducible(e.sched.entry)
	}
	e.setupSharedFlag()
	graph := &structure.Graph{Entry: 0}
	if e.sched != nil {
		graph.Entry = e.sched.entry
	}
	for _, b := range e.blocks {
		graph.Blocks = append(graph.Blocks, structure.Block{Kind: b.kind, Succs: b.succs, Cases: b.cases})
	}
	prog, err := structure.Structure(graph)
	if err != nil {
		// The kernel's own graph is reducible (BuildCFG said so above),
		// and makeReducible keeps the scheduler's so: a failure here is
		// the translator's. Name the first sync point of a scheduled
		// kernel rather than the .entry.
		if e.sched != nil && len(e.sched.cuts) > 0 {
			e.errorf(e.sched.cuts[0], "control flow of the scheduled kernel: internal error: %v", err)
			return
		}
		e.errorf(nil, "control flow: %v", err)
		return
	}
	if err := structure.Lower(prog, e.sf, e.cur, e); err != nil {
		e.errorf(nil, "control flow: %v", err)
		return
	}
	if e.errs > 0 {
		return
	}
	iface := sortedIDs(e.iface)
	sm.EntryPoint(spirv.ExecutionModelGLCompute, e.sf.ID, e.k.Name, iface...)
	sm.ExecutionMode(e.sf.ID, spirv.ExecutionModeLocalSize, 1, 1, 1)
	for _, w := range []struct {
		on   bool
		bits uint32
	}{{g.t.DenormPreserve16, 16}, {g.t.DenormPreserve32, 32}, {g.t.DenormPreserve64, 64}} {
		if w.on {
			sm.Capability(spirv.CapabilityDenormPreserve)
			sm.ExecutionMode(e.sf.ID, spirv.ExecutionModeDenormPreserve, w.bits)
		}
	}
	g.blockSize()
	kr := Kernel{Name: e.k.Name, ArgsSize: uint32(e.k.ArgsSize), PushSize: e.pushWords * 4, GridOffset: e.gridOff,
		StaticShared: uint32(e.sharedBytesStatic()), SharedPerThread: e.sharedPerThread(), DynamicShared: e.usesDyn, MaxThreads: uint32(e.k.MaxThreads()),
		Scheduled: e.sched != nil, Subgroup32: e.nativeWarp()}
	for i := 0; i < 3; i++ {
		kr.ReqNTID[i] = uint32(e.k.ReqNTID[i])
	}
	for _, p := range e.k.Params {
		kr.Params = append(kr.Params, Param{Name: p.Name, Offset: uint32(p.Offset), Size: uint32(p.Size)})
	}
	g.kernels = append(g.kernels, kr)
}

// sharedBytesStatic is the Workgroup memory that does not depend on the
// launch: the shared window up to the dynamic part, and the scheduler's
// counters.
func (e *fn) sharedBytesStatic() int64 {
	n := int64(0)
	if e.shared != nil {
		n = e.staticShared
		if e.usesDyn {
			n = e.dynOff
		}
		n = alignUp(n, e.sharedUnit)
	}
	if e.scratch != nil {
		n += numCounters * 4
	}
	return n
}

// sharedPerThread is the Workgroup memory per thread of the block (the
// emulation's slots).
func (e *fn) sharedPerThread() uint32 {
	if e.scratch != nil {
		return 16
	}
	return 0
}

func sortedIDs(m map[spirv.ID]bool) []spirv.ID {
	out := make([]spirv.ID, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// use records a module-scope variable the entry point references.
func (e *fn) use(v spirv.ID) spirv.ID {
	e.iface[v] = true
	return v
}

// prologue computes values used throughout the kernel in the entry block.
func (e *fn) prologue() {
	idx := e.load(e.g.tU32, e.use(e.g.builtin(spirv.BuiltInLocalInvocationIndex)))
	e.linearTid = idx
	e.laneID = e.op(spirv.OpBitwiseAnd, e.g.tU32, idx, e.u32(31))
	e.warpBase = e.op(spirv.OpBitwiseAnd, e.g.tU32, idx, e.u32(^uint32(31)))
	bs := e.g.blockSize()
	n := e.op(spirv.OpIMul, e.g.tU32, bs[0], bs[1])
	e.nthreads = e.op(spirv.OpIMul, e.g.tU32, n, bs[2])
}

// ---- the graph ----

// buildGraph turns the CFG's reachable blocks into the structurizer's
// graph. Guarded ret/exit and fall-through off the end get a Return
// block of their own; brx's default (an index out of the table) traps.
func (e *fn) buildGraph() {
	ids := map[*ptx.Block]int{}
	for _, b := range e.cfg.Order {
		ids[b] = len(e.blocks)
		e.blocks = append(e.blocks, &gblock{})
	}
	retBlock := -1
	ret := func() int {
		if retBlock < 0 {
			retBlock = len(e.blocks)
			e.blocks = append(e.blocks, &gblock{kind: structure.Return, exit: "ret"})
		}
		return retBlock
	}
	trapBlock := -1
	trap := func() int {
		if trapBlock < 0 {
			trapBlock = len(e.blocks)
			e.blocks = append(e.blocks, &gblock{kind: structure.Return, exit: "trap"})
		}
		return trapBlock
	}
	n := len(e.k.Body)
	next := func(b *ptx.Block) int {
		if b.End >= n {
			return ret()
		}
		nb := e.k.Body[b.End].Block
		if id, ok := ids[nb]; ok {
			return id
		}
		return ret()
	}
	target := func(l *ptx.Label) int {
		if l.Block == nil {
			return ret() // a label at the very end
		}
		return ids[l.Block]
	}
	for _, b := range e.cfg.Order {
		gb := e.blocks[ids[b]]
		last := b.Last()
		body := b.Insts
		switch last.Op {
		case "bra", "ret", "exit", "trap", "brx":
			body = body[:len(body)-1]
		default:
			last = nil
		}
		gb.insts = body
		if last == nil {
			gb.kind, gb.succs = structure.Jump, []int{next(b)}
			continue
		}
		var to int
		switch last.Op {
		case "bra":
			to = target(last.Args[0].Label)
		case "ret", "exit":
			to = ret()
		case "trap":
			to = trap()
		case "brx":
			// Targets first: they may add blocks.
			s := &gblock{kind: structure.Switch, sel: last}
			s.succs = append(s.succs, trap())
			for i, l := range last.Args[1].Table.Labels {
				s.cases = append(s.cases, uint32(i))
				s.succs = append(s.succs, target(l))
			}
			to = len(e.blocks)
			e.blocks = append(e.blocks, s)
		}
		if last.Guard == nil {
			if last.Op == "bra" || last.Op == "brx" {
				gb.kind, gb.succs = structure.Jump, []int{to}
			} else {
				gb.kind, gb.exit = structure.Return, e.blocks[to].exit
				// Keep a plain return block's own kind: it has no code
				// after the instructions.
			}
			continue
		}
		fall := next(b)
		if to == fall {
			gb.kind, gb.succs = structure.Jump, []int{to}
			continue
		}
		gb.kind, gb.succs, gb.cond = structure.Cond, []int{to, fall}, last
	}
}

// ---- structure.Emitter ----

// Code writes block b's instructions.
func (e *fn) Code(b int, at *spirv.Block) *spirv.Block {
	e.cur = at
	gb := e.blocks[b]
	if gb.custom != nil {
		e.cur = gb.custom(at)
		return e.cur
	}
	for i, in := range gb.insts {
		if e.cur == nil {
			break
		}
		e.trackReloads(in, i == 0)
		if e.runFMA(in) {
			continue
		}
		e.endRunBefore(in)
		e.inst(in)
		e.noteLoad(in)
	}
	if e.cur != nil {
		e.flushRun()
	}
	return e.cur
}

// Condition is the value of a Cond block's guard (true: the first
// successor).
func (e *fn) Condition(b int, at *spirv.Block) spirv.ID {
	e.cur = at
	gb := e.blocks[b]
	if gb.condFn != nil {
		return gb.condFn()
	}
	return e.guard(gb.cond)
}

// Selector is a Switch block's 32-bit selector.
func (e *fn) Selector(b int, at *spirv.Block) spirv.ID {
	e.cur = at
	gb := e.blocks[b]
	if gb.selFn != nil {
		return gb.selFn()
	}
	return e.rd(gb.sel.Args[0], ptx.U32)
}

// Return ends a Return block.
func (e *fn) Return(b int, at *spirv.Block) {
	e.cur = at
	at.Return()
}

// guard is the condition under which in runs.
func (e *fn) guard(in *ptx.Inst) spirv.ID {
	v := e.load(e.g.tBool, e.regVar[in.Guard.ID])
	if in.GuardNeg {
		v = e.op(spirv.OpLogicalNot, e.g.tBool, v)
	}
	return v
}

// inst writes one instruction, inside a selection on its guard.
func (e *fn) inst(in *ptx.Inst) {
	if in.Guard != nil && !e.guardedInside(in) {
		c := e.guard(in)
		e.ifThen(c, func() { e.body(in) })
		return
	}
	e.body(in)
}

// ---- low-level helpers ----

func (e *fn) op(op spirv.Op, t spirv.ID, args ...spirv.ID) spirv.ID {
	return e.cur.EmitIDs(op, t, args...)
}

func (e *fn) ext(inst spirv.GLSLInst, t spirv.ID, args ...spirv.ID) spirv.ID {
	w := []uint32{uint32(e.g.glsl), uint32(inst)}
	for _, a := range args {
		w = append(w, uint32(a))
	}
	return e.cur.Emit(spirv.OpExtInst, t, w...)
}

func (e *fn) u32(v uint32) spirv.ID  { return e.g.u32(v) }
func (e *fn) u64(v uint64) spirv.ID  { return e.g.u64(v) }
func (e *fn) f32c(v uint32) spirv.ID { return e.g.f32c(v) }

// c is a constant of SPIR-V type t (an integer or float type) with bits v.
func (e *fn) c(t spirv.ID, v uint64) spirv.ID {
	if t == e.g.tBool {
		return e.g.cbool(v != 0)
	}
	return e.g.sm.Constant(t, v)
}

func (e *fn) load(t, ptr spirv.ID, access ...uint32) spirv.ID {
	w := append([]uint32{uint32(ptr)}, access...)
	return e.cur.Emit(spirv.OpLoad, t, w...)
}

func (e *fn) store(ptr, v spirv.ID, access ...uint32) {
	w := append([]uint32{uint32(ptr), uint32(v)}, access...)
	e.cur.Emit(spirv.OpStore, 0, w...)
}

// tmpVar declares a Function variable of type t.
func (e *fn) tmpVar(t spirv.ID) spirv.ID {
	return e.sf.Variable(e.g.sm.TypePointer(spirv.StorageClassFunction, t), 0)
}

// ifThen writes "if c { then() }" as a selection construct.
func (e *fn) ifThen(c spirv.ID, then func()) {
	e.ifElse(c, then, nil)
}

// ifElse writes "if c { then() } else { els() }".
func (e *fn) ifElse(c spirv.ID, then, els func()) {
	merge := e.sf.NewBlock()
	tb := e.sf.NewBlock()
	fb := merge
	if els != nil {
		fb = e.sf.NewBlock()
	}
	e.cur.SelectionMerge(merge)
	e.cur.BranchConditional(c, tb, fb)
	e.cur = e.sf.Begin(tb)
	then()
	if e.cur != nil && !e.cur.Terminated() {
		e.cur.Branch(merge)
	}
	if els != nil {
		e.cur = e.sf.Begin(fb)
		els()
		if e.cur != nil && !e.cur.Terminated() {
			e.cur.Branch(merge)
		}
	}
	e.cur = e.sf.Begin(merge)
}

// loop writes "do { body() } while (cond())" as a loop construct; body
// runs in the loop's body block, cond in its continue target.
func (e *fn) loop(body func(), cond func() spirv.ID) {
	e.loopControl(spirv.LoopControlNone, body, cond)
}

// loopControl is loop with the loop controls ctl on its OpLoopMerge.
func (e *fn) loopControl(ctl spirv.LoopControl, body func(), cond func() spirv.ID) {
	header := e.sf.NewBlock()
	bodyB := e.sf.NewBlock()
	cont := e.sf.NewBlock()
	merge := e.sf.NewBlock()
	e.cur.Branch(header)
	e.cur = e.sf.Begin(header)
	e.cur.LoopMergeControl(merge, cont, ctl)
	e.cur.Branch(bodyB)
	e.cur = e.sf.Begin(bodyB)
	body()
	e.cur.Branch(cont)
	e.cur = e.sf.Begin(cont)
	c := cond()
	e.cur.BranchConditional(c, header, merge)
	e.cur = e.sf.Begin(merge)
}

func (e *fn) sel(t, c, a, b spirv.ID) spirv.ID { return e.op(spirv.OpSelect, t, c, a, b) }

// ---- types and values ----

// vtReg is the SPIR-V type a PTX type's values have here: bool for
// predicates, float and double for .f32 and .f64, an unsigned integer of
// the type's size otherwise (half types are their bits). It declares the
// capability a narrow or 64-bit float type needs.
func (e *fn) vtReg(t ptx.Type, in *ptx.Inst) spirv.ID {
	g := e.g
	switch t {
	case ptx.Pred:
		return g.tBool
	case ptx.F32:
		return g.tF32
	case ptx.F64:
		return e.f64(in)
	}
	switch t.Size() {
	case 1:
		return e.u8(in)
	case 2:
		return e.u16(in)
	case 4:
		return g.tU32
	case 8:
		return g.tU64
	}
	e.errorf(in, ".%s values (%d bytes) are not supported", t, t.Size())
	return 0
}

func (e *fn) vt(t ptx.Type) spirv.ID { return e.vtReg(t, nil) }

func (e *fn) u8(in *ptx.Inst) spirv.ID {
	if e.g.tU8 == 0 {
		if !e.need(in, e.g.t.Int8, spirv.CapabilityInt8, "shaderInt8", "8-bit integers") {
			return e.g.tU32
		}
		e.g.tU8 = e.g.sm.TypeInt(8, false)
	}
	return e.g.tU8
}

func (e *fn) u16(in *ptx.Inst) spirv.ID {
	if e.g.tU16 == 0 {
		if !e.need(in, e.g.t.Int16, spirv.CapabilityInt16, "shaderInt16", "16-bit integers") {
			return e.g.tU32
		}
		e.g.tU16 = e.g.sm.TypeInt(16, false)
	}
	return e.g.tU16
}

func (e *fn) f64(in *ptx.Inst) spirv.ID {
	if e.g.tF64 == 0 {
		if !e.need(in, e.g.t.Float64, spirv.CapabilityFloat64, "shaderFloat64", "double precision") {
			return e.g.tU64
		}
		e.g.tF64 = e.g.sm.TypeFloat(64)
	}
	return e.g.tF64
}

// uintOf is the unsigned integer type of size bytes.
func (e *fn) uintOf(size int) spirv.ID {
	switch size {
	case 1:
		return e.u8(nil)
	case 2:
		return e.u16(nil)
	case 4:
		return e.g.tU32
	}
	return e.g.tU64
}

type vkind uint8

const (
	kBool vkind = iota
	kF32
	kF64
	kInt
)

func kindOf(t ptx.Type) vkind {
	switch t {
	case ptx.Pred:
		return kBool
	case ptx.F32:
		return kF32
	case ptx.F64:
		return kF64
	}
	return kInt
}

// conv reinterprets or resizes v, a value of PTX type from, as type to,
// the way the C translator's convert does: predicates become 0/1, floats
// are reinterpreted as bits, integers are truncated or zero-extended.
func (e *fn) conv(v spirv.ID, from, to ptx.Type) spirv.ID {
	kf, kt := kindOf(from), kindOf(to)
	if kf == kt && (kf != kInt || from.Size() == to.Size()) {
		return v
	}
	tt := e.vt(to)
	switch {
	case kt == kBool:
		bits := e.toBits(v, from)
		return e.op(spirv.OpINotEqual, e.g.tBool, bits, e.c(e.vt(from.Unsigned()), 0))
	case kf == kBool:
		if kt == kInt {
			return e.sel(tt, v, e.c(tt, 1), e.c(tt, 0))
		}
		one := uint64(0x3f800000)
		if kt == kF64 {
			one = 0x3ff0000000000000
		}
		return e.sel(tt, v, e.c(tt, one), e.c(tt, 0))
	}
	bits := e.toBits(v, from)
	fs, ts := from.Size(), to.Size()
	if fs != ts {
		bits = e.op(spirv.OpUConvert, e.uintOf(ts), bits)
	}
	if kt == kInt {
		return bits
	}
	return e.op(spirv.OpBitcast, tt, bits)
}

// toBits reinterprets a value of type t as an unsigned integer of its
// size.
func (e *fn) toBits(v spirv.ID, t ptx.Type) spirv.ID {
	switch kindOf(t) {
	case kF32:
		return e.op(spirv.OpBitcast, e.g.tU32, v)
	case kF64:
		return e.op(spirv.OpBitcast, e.g.tU64, v)
	case kBool:
		return e.sel(e.u8(nil), v, e.c(e.u8(nil), 1), e.c(e.u8(nil), 0))
	}
	return v
}

// rd reads operand o as a value of type t. A register narrower than a
// signed t is sign-extended (ld, st and cvt take wider registers).
func (e *fn) rd(o *ptx.Operand, t ptx.Type) spirv.ID {
	switch o.Kind {
	case ptx.OpdReg:
		r := o.Reg
		v := e.load(e.vt(r.Type), e.regVar[r.ID])
		if o.Not {
			return e.op(spirv.OpLogicalNot, e.g.tBool, v)
		}
		if t.Size() > r.Type.Size() && t.IsSigned() && r.Type.Size() > 0 && kindOf(r.Type) == kInt {
			return e.op(spirv.OpSConvert, e.vt(t), v)
		}
		return e.conv(v, r.Type, t)
	case ptx.OpdImm:
		if t == ptx.Pred {
			return e.g.cbool(o.Imm&1 != 0)
		}
		return e.c(e.vt(t), o.Imm)
	case ptx.OpdSReg:
		v, st := e.sreg(o)
		return e.conv(v, st, t)
	case ptx.OpdSym:
		return e.conv(e.symValue(o), ptx.U64, t)
	case ptx.OpdAddr:
		// An address used as a value (mov %r, [x]): the variable's address.
		return e.conv(e.symValue(&ptx.Operand{Kind: ptx.OpdSym, Var: o.Var, Off: o.Off}), ptx.U64, t)
	}
	e.errorf(nil, "operand %s cannot be read as a value", ptx.OperandString(o))
	return e.c(e.vt(t), 0)
}

// wr writes v, a value of type t, to destination o, extending into a
// wider register as ld and cvt do (sign extension for signed types).
func (e *fn) wr(o *ptx.Operand, t ptx.Type, v spirv.ID) {
	switch o.Kind {
	case ptx.OpdReg:
		r := o.Reg
		rt := r.Type
		var x spirv.ID
		switch {
		case e.vt(rt) == e.vt(t) && kindOf(rt) == kindOf(t):
			x = v
		case rt.Size() > t.Size() && kindOf(rt) == kInt && kindOf(t) == kInt && t.IsSigned():
			x = e.op(spirv.OpSConvert, e.vt(rt), v)
		case rt.Size() > t.Size() && kindOf(rt) == kInt && (kindOf(t) == kF32 || kindOf(t) == kF64):
			x = e.op(spirv.OpUConvert, e.vt(rt), e.toBits(v, t))
		default:
			x = e.conv(v, t, rt)
		}
		e.store(e.regVar[r.ID], x)
	case ptx.OpdSink:
	default:
		e.errorf(nil, "operand %s cannot be written", ptx.OperandString(o))
	}
}

// symValue is the address of a variable (in its own space, as this
// translator represents addresses) or a function's pointer value.
func (e *fn) symValue(o *ptx.Operand) spirv.ID {
	if o.Func != nil {
		id, ok := e.g.inl.funcID(o.Func)
		if !ok || o.Func.Body == nil || o.Func.Entry {
			e.errorf(nil, "the address of %s, a kernel or undefined function, cannot be taken", o.Func.Name)
			return e.u64(0)
		}
		return e.u64(id + uint64(o.Off))
	}
	return e.varAddr(o.Var, o.Off)
}

// varAddr is variable v's address (+off): a device address for .global
// and .const, a byte offset for windows.
func (e *fn) varAddr(v *ptx.Var, off int64) spirv.ID {
	switch varSpace(e.k, v) {
	case ptx.SpaceShared:
		return e.u64(uint64(e.sharedOff[v] + off))
	case ptx.SpaceLocal:
		o, ok := e.localOff[v]
		if !ok {
			e.errorf(nil, "local variable %s is not in this kernel's frame", v.Name)
		}
		return e.u64(uint64(o + off))
	case ptx.SpaceParam:
		return e.u64(uint64(v.Offset + off))
	}
	goff, ok := e.g.globOff[v]
	if !ok {
		e.errorf(nil, "%s is an extern variable that the module does not define", v.Name)
		return e.u64(0)
	}
	return e.op(spirv.OpIAdd, e.g.tU64, e.globalsBase(), e.u64(goff+uint64(off)))
}

// globalsBase is the globals buffer's device address.
func (e *fn) globalsBase() spirv.ID {
	b := e.g.globalsBase()
	lo := e.op(spirv.OpUConvert, e.g.tU64, b[0])
	hi := e.op(spirv.OpUConvert, e.g.tU64, b[1])
	hi = e.op(spirv.OpShiftLeftLogical, e.g.tU64, hi, e.u32(32))
	return e.op(spirv.OpBitwiseOr, e.g.tU64, lo, hi)
}

// sreg reads a special register; it returns the value and its PTX type.
func (e *fn) sreg(o *ptx.Operand) (spirv.ID, ptx.Type) {
	g := e.g
	comp := func(b spirv.BuiltIn) spirv.ID {
		v := e.load(g.tV3, e.use(g.builtin(b)))
		return e.cur.Emit(spirv.OpCompositeExtract, g.tU32, uint32(v), uint32(o.Comp))
	}
	switch o.SReg {
	case ptx.SRegTid:
		return comp(spirv.BuiltInLocalInvocationId), ptx.U32
	case ptx.SRegNTid:
		return g.blockSize()[o.Comp], ptx.U32
	case ptx.SRegCtaid, ptx.SRegClusterid:
		return comp(spirv.BuiltInWorkgroupId), ptx.U32
	case ptx.SRegNCtaid, ptx.SRegNClusterid:
		return e.pushWord(e.u32(uint32(e.gridOff/4 + o.Comp))), ptx.U32
	case ptx.SRegLaneid:
		return e.laneID, ptx.U32
	case ptx.SRegWarpid:
		return e.op(spirv.OpShiftRightLogical, g.tU32, e.linearTid, e.u32(5)), ptx.U32
	case ptx.SRegNWarpid:
		n := e.op(spirv.OpIAdd, g.tU32, e.nthreads, e.u32(31))
		return e.op(spirv.OpShiftRightLogical, g.tU32, n, e.u32(5)), ptx.U32
	case ptx.SRegLanemaskEq:
		return e.op(spirv.OpShiftLeftLogical, g.tU32, e.u32(1), e.laneID), ptx.U32
	case ptx.SRegLanemaskLt:
		m := e.op(spirv.OpShiftLeftLogical, g.tU32, e.u32(1), e.laneID)
		return e.op(spirv.OpISub, g.tU32, m, e.u32(1)), ptx.U32
	case ptx.SRegLanemaskLe:
		m := e.op(spirv.OpShiftLeftLogical, g.tU64, e.u64(2), e.laneID)
		m = e.op(spirv.OpISub, g.tU64, m, e.u64(1))
		return e.op(spirv.OpUConvert, g.tU32, m), ptx.U32
	case ptx.SRegLanemaskGe:
		return e.op(spirv.OpShiftLeftLogical, g.tU32, e.u32(^uint32(0)), e.laneID), ptx.U32
	case ptx.SRegLanemaskGt:
		m := e.op(spirv.OpShiftLeftLogical, g.tU64, e.u64(2), e.laneID)
		m = e.op(spirv.OpISub, g.tU64, m, e.u64(1))
		return e.op(spirv.OpNot, g.tU32, e.op(spirv.OpUConvert, g.tU32, m)), ptx.U32
	case ptx.SRegClock, ptx.SRegClockHi, ptx.SRegClock64:
		v := e.clock(spirv.ScopeSubgroup, "shaderSubgroupClock", g.t.SubgroupClock)
		switch o.SReg {
		case ptx.SRegClock:
			return e.op(spirv.OpUConvert, g.tU32, v), ptx.U32
		case ptx.SRegClockHi:
			return e.op(spirv.OpUConvert, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU64, v, e.u32(32))), ptx.U32
		}
		return v, ptx.U64
	case ptx.SRegGlobaltimer, ptx.SRegGlobaltimerLo, ptx.SRegGlobaltimerHi:
		v := e.clock(spirv.ScopeDevice, "shaderDeviceClock", g.t.DeviceClock)
		switch o.SReg {
		case ptx.SRegGlobaltimerLo:
			return e.op(spirv.OpUConvert, g.tU32, v), ptx.U32
		case ptx.SRegGlobaltimerHi:
			return e.op(spirv.OpUConvert, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU64, v, e.u32(32))), ptx.U32
		}
		return v, ptx.U64
	case ptx.SRegDynamicSmemSize:
		if !e.usesDyn {
			return e.g.dynShared(), ptx.U32
		}
		return e.g.dynShared(), ptx.U32
	case ptx.SRegTotalSmemSize, ptx.SRegAggrSmemSize:
		return e.op(spirv.OpIAdd, g.tU32, e.u32(uint32(e.dynOff)), e.g.dynShared()), ptx.U32
	case ptx.SRegClusterNCtaid, ptx.SRegClusterNCtarank:
		return e.u32(1), ptx.U32
	case ptx.SRegSmid, ptx.SRegClusterCtaid, ptx.SRegClusterCtarank, ptx.SRegGridid:
		return e.u32(0), ptx.U32
	case ptx.SRegNSmid:
		return e.u32(1), ptx.U32
	case ptx.SRegIsExplicitCluster:
		return g.cbool(false), ptx.Pred
	case ptx.SRegEnvreg:
		e.errorf(nil, "%%envreg is not supported: the CUDA runtime passes the cooperative-groups grid workspace there")
		return e.u32(0), ptx.U32
	}
	return e.u32(0), o.SReg.Type()
}

// clock reads OpReadClockKHR at scope.
func (e *fn) clock(scope spirv.Scope, feature string, ok bool) spirv.ID {
	if !e.need(nil, ok, spirv.CapabilityShaderClockKHR, feature, "the clock special registers") {
		return e.u64(0)
	}
	e.g.sm.Extension("SPV_KHR_shader_clock")
	return e.op(spirv.OpReadClockKHR, e.g.tU64, e.u32(uint32(scope)))
}

func (e *fn) body(in *ptx.Inst) {
	t := in.Type()
	switch in.Op {
	case "nop", "prefetch", "prefetchu", "applypriority", "discard", "pmevent", "nanosleep",
		"cp.async.commit_group", "cp.async.wait_group", "cp.async.wait_all", "fence.proxy":
		// No effect here: cp.async copies synchronously, the rest are
		// hints.
	case "createpolicy":
		e.wr(in.Args[0], ptx.B64, e.u64(0))
	case "mov":
		e.mov(in, t)
	case "ld", "ldu":
		e.ldInst(in, t)
	case "st":
		e.stInst(in, t)
	case "cvta":
		v := e.rd(in.Args[1], t)
		e.wr(in.Args[0], t, v)
	case "isspacep":
		e.isspacep(in)
	case "cvt":
		e.cvt(in)
	case "atom", "red":
		e.atom(in, t)
	case "cp.async":
		e.cpAsync(in)
	case "membar", "fence":
		e.fence(in)
	case "bar", "barrier", "bar.warp", "shfl", "vote", "match", "redux", "activemask", "elect":
		e.syncOp(in, t)
	default:
		if !e.alu(in, t) {
			e.errorf(in, "not supported by the Vulkan translator")
		}
	}
}

// guardedInside reports instructions that handle their own guard (none
// yet: every guarded instruction runs inside a selection).
func (e *fn) guardedInside(in *ptx.Inst) bool {
	return e.sched != nil && e.sched.isCut(in)
}

func (e *fn) mov(in *ptx.Inst, t ptx.Type) {
	d, s := in.Args[0], in.Args[1]
	switch {
	case d.Kind == ptx.OpdVec: // unpack
		n := len(d.Elems)
		es := t.Size() / n
		et := bitsType(es)
		src := e.toBits(e.rd(s, t), t)
		for i, el := range d.Elems {
			x := e.op(spirv.OpShiftRightLogical, e.vt(t.Unsigned()), src, e.u32(uint32(8*es*i)))
			e.wr(el, et, e.op(spirv.OpUConvert, e.vt(et), x))
		}
	case s.Kind == ptx.OpdVec: // pack
		n := len(s.Elems)
		es := t.Size() / n
		et := bitsType(es)
		ut := e.vt(t.Unsigned())
		acc := e.c(ut, 0)
		for i, el := range s.Elems {
			x := e.op(spirv.OpUConvert, ut, e.rd(el, et))
			x = e.op(spirv.OpShiftLeftLogical, ut, x, e.u32(uint32(8*es*i)))
			acc = e.op(spirv.OpBitwiseOr, ut, acc, x)
		}
		e.wr(d, t.Unsigned(), acc)
	default:
		e.wr(d, t, e.rd(s, t))
	}
}

func bitsType(size int) ptx.Type {
	switch size {
	case 1:
		return ptx.B8
	case 2:
		return ptx.B16
	case 4:
		return ptx.B32
	case 8:
		return ptx.B64
	}
	return ptx.B128
}

func (e *fn) String() string { return fmt.Sprintf("kernel %s", e.k.Name) }
