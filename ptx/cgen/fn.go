package cgen

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// fnEmitter writes one PTX function (kernel or .func) as C.
type fnEmitter struct {
	g      *gen
	f      *ptx.Func
	kernel bool
	sync   bool
	base   string
	cfg    *ptx.CFG

	b      strings.Builder
	indent int

	used      map[*ptx.Reg]bool
	localOff  map[*ptx.Var]int64
	localSize int64
	labelName map[*ptx.Label]string
	cuts      []*cut
	cutIndex  map[*ptx.Inst]int
	frameRegs map[*ptx.Reg]bool
	// writeThrough: frame registers stored where they are assigned
	// (onceDefined), never at sync points.
	writeThrough map[*ptx.Reg]bool
	// v is the variant of a kernel with a 1-D guard being written, or nil.
	v *variant
	// wil is set while the work-item loops of a kernel are written
	// (wil.go); remat lists the registers recomputed at region entries.
	wil   bool
	remat map[*ptx.Reg]*ptx.Inst
	// inRemat is set while rematCode writes recomputed registers.
	inRemat bool
	ctx     map[*ptx.Reg]bool
	// uniformRegs: the registers findUniform proves block-uniform.
	uniformRegs map[*ptx.Reg]bool
	// defs: every register's definitions (work-item loops only).
	defs       map[*ptx.Reg][]*ptx.Inst
	callParams []*ptx.Var // .param variables of call blocks
	usesShared bool
	usesCC     bool
	tmp        int
	curLine    int
}

func (fe *fnEmitter) line(format string, args ...any) {
	for i := 0; i < fe.indent; i++ {
		fe.b.WriteString("  ")
	}
	fmt.Fprintf(&fe.b, format, args...)
	fe.b.WriteByte('\n')
}

func (fe *fnEmitter) newTmp() string {
	fe.tmp++
	return fmt.Sprintf("t%d", fe.tmp)
}

func (fe *fnEmitter) errorf(in *ptx.Inst, unsupported bool, format string, args ...any) {
	fe.g.errorf(in.Pos, unsupported, "'%s': %s", in.Text, fmt.Sprintf(format, args...))
}

// emitFunc writes f (a kernel when info is set) and returns its emitter.
func (g *gen) emitFunc(f *ptx.Func, info *KernelInfo) *fnEmitter {
	return g.emitFuncVariant(f, info, nil)
}

// emitFuncVariant writes f, or with v set a variant of kernel f with a
// 1-D guard (guard.go): the guard-free _fast thread function or the
// _bound prefix.
func (g *gen) emitFuncVariant(f *ptx.Func, info *KernelInfo, v *variant) *fnEmitter {
	fe := &fnEmitter{g: g, f: f, kernel: info != nil, cfg: g.a.CFGs[f], used: map[*ptx.Reg]bool{},
		labelName: map[*ptx.Label]string{}, cutIndex: map[*ptx.Inst]int{}, frameRegs: map[*ptx.Reg]bool{}, v: v}
	if fe.kernel {
		fe.sync = info.Sync
		for i, h := range g.m.Funcs {
			if h == f {
				fe.base = fmt.Sprintf("k%d_%s", i, sanitize(f.Name))
			}
		}
	} else {
		fe.base = g.funcName(f)
	}
	for _, in := range f.Body {
		in.Uses(func(r *ptx.Reg) { fe.used[r] = true })
		in.Defs(func(r *ptx.Reg) { fe.used[r] = true })
	}
	fe.localOff, fe.localSize = localLayout(f)
	for i, l := range f.Labels {
		fe.labelName[l] = fmt.Sprintf("L%d_%s", i, sanitize(l.Name))
	}
	for _, v := range f.Vars {
		if v.Space == ptx.SpaceParam {
			fe.callParams = append(fe.callParams, v)
		}
	}
	if fe.sync {
		fe.findCuts()
	}
	// Body first: it tells which features the prologue needs.
	fe.indent = 1
	labelsAt := map[int][]*ptx.Label{}
	for _, l := range f.Labels {
		labelsAt[l.Index] = append(labelsAt[l.Index], l)
	}
	for i, in := range f.Body {
		if v != nil && v.bound && i == v.g.brIdx {
			// The bound: the comparison's other operand, widened as the
			// comparison's type says.
			n := fe.rd(v.g.n, v.g.t)
			if v.g.t == ptx.S32 {
				n = fmt.Sprintf("(uint64_t)(int64_t)(int32_t)%s", n)
			}
			fe.line("return (uint64_t)%s;", n)
			break
		}
		for _, l := range labelsAt[i] {
			fe.indent--
			fe.line("%s:;", fe.labelName[l])
			fe.indent++
		}
		if v != nil && in == v.g.br {
			fe.line("/* %d: the 1-D guard, done by the caller's loop bound */", in.Pos.Line)
			continue
		}
		fe.inst(in)
		if fe.sync {
			in.Defs(func(r *ptx.Reg) {
				if fe.writeThrough[r] && fe.frameRegs[r] {
					fe.line("F->%s = %s;", fe.reg(r), fe.reg(r))
				}
			})
		}
	}
	if v == nil || !v.bound {
		for _, l := range labelsAt[len(f.Body)] {
			fe.line("%s:;", fe.labelName[l])
		}
	}
	body := fe.b.String()
	fe.b.Reset()
	fe.indent = 0

	// Frame struct of a kernel with sync points.
	if fe.sync {
		fe.line("typedef struct %s_frame {", fe.base)
		fe.line("  shal_frame h;")
		for _, r := range sortedRegs(fe.frameRegs) {
			fe.line("  %s %s;", vt(r.Type), fe.reg(r))
		}
		for _, v := range fe.callParams {
			fe.line("  uint8_t P%d[%d] __attribute__((aligned(16)));", v.ID, max(v.Size, 1))
		}
		if fe.localSize > 0 {
			fe.line("  uint8_t loc[%d] __attribute__((aligned(16)));", fe.localSize)
		}
		fe.line("} %s_frame;", fe.base)
	}
	switch {
	case fe.sync:
		// step_at enters at a resume point the caller names: the uniform
		// runner passes one for all threads (SHAL_UNIFORM_RUNNER), the
		// general scheduler each thread's own (the _step wrapper below).
		fe.line("SHAL_INLINE void %s_step_at(shal_thr* T, shal_frame* F0, uint32_t resume) {", fe.base)
		fe.line("  %s_frame* F = (%s_frame*)F0;", fe.base, fe.base)
		if fe.localSize > 0 {
			fe.line("  uint8_t* LOC = F->loc;")
		}
	case v != nil && v.bound:
		fe.line("SHAL_INLINE uint64_t %s_bound(const shal_thr* __restrict__ T, const uint8_t* __restrict__ A) {", fe.base)
		fe.line("  const uint32_t tx = 0;")
	case v != nil:
		fe.line("SHAL_INLINE void %s_fast(const shal_thr* __restrict__ T, const uint8_t* __restrict__ A, const uint32_t tx) {", fe.base)
	case fe.kernel:
		fe.line("SHAL_INLINE void %s_thread(shal_thr* T) {", fe.base)
	default:
		fe.line("static void %s(%s) {", fe.base, funcSignature(len(f.Params), len(f.Rets)))
	}
	if !fe.sync && fe.localSize > 0 {
		fe.line("  uint8_t LOC[%d] __attribute__((aligned(16)));", fe.localSize)
	}
	if fe.localSize == 0 {
		// Local addresses are offsets in the function's local window; a
		// function without one still converts them (base 0).
		fe.line("  uint8_t* const LOC = (uint8_t*)0;")
	}
	if !fe.sync {
		for _, v := range fe.callParams {
			fe.line("  uint8_t P%d[%d] __attribute__((aligned(16)));", v.ID, max(v.Size, 1))
		}
	}
	for _, r := range sortedRegs(fe.used) {
		fe.line("  %s %s = 0;", vt(r.Type), fe.reg(r))
	}
	if fe.usesCC {
		fe.line("  uint32_t CC = 0;")
	}
	if fe.sync {
		fe.line("  switch (resume) {")
		fe.line("    case 0: break;")
		for i := range fe.cuts {
			fe.line("    case %d: goto R%d;", i+1, i+1)
		}
		fe.line("    default: __builtin_unreachable();")
		fe.line("  }")
	}
	fe.b.WriteString(body)
	fe.line("}")
	if fe.sync {
		fe.line("static void %s_step(shal_thr* T, shal_frame* F0) { %s_step_at(T, F0, F0->resume); }", fe.base, fe.base)
		if fe.uniform() {
			fe.line("SHAL_UNIFORM_RUNNER(%s_run_uniform, %s_step_at)", fe.base, fe.base)
		}
	}
	g.out.WriteString(fe.b.String())
	return fe
}

// uniform reports a cut kernel whose sync points are all block-wide
// barriers (bar.sync or barrier.sync without a thread count, no bar.red),
// with no warp operations and no bar.arrive: the uniform runner can
// schedule it (SHAL_UNIFORM_RUNNER).
func (fe *fnEmitter) uniform() bool {
	if !fe.kernel || !fe.sync || len(fe.cuts) == 0 {
		return false
	}
	for _, c := range fe.cuts {
		in := c.in
		if (in.Op != "bar" && in.Op != "barrier") || in.Mode != "sync" || len(in.Args) != 1 {
			return false
		}
	}
	for _, in := range fe.f.Body {
		if (in.Op == "bar" || in.Op == "barrier") && in.Mode == "arrive" {
			return false
		}
	}
	return true
}

// findCuts lists the sync points of a kernel and the registers each must
// keep across it: those live after it, except the ones whose frame copy
// is known to be current (restored at the last resume point on every path
// and not assigned since), which need no store.
func (fe *fnEmitter) findCuts() {
	fe.writeThrough = fe.onceDefined()
	dirty := fe.dirtyAtCuts()
	for _, blk := range fe.cfg.Blocks {
		for i, in := range blk.Insts {
			if !isCut(in) {
				continue
			}
			defs := map[*ptx.Reg]bool{}
			in.Defs(func(r *ptx.Reg) { defs[r] = true })
			c := &cut{in: in}
			for _, id := range ptx.LiveAfter(blk, i) {
				r := fe.f.Regs[id]
				if defs[r] && in.Guard == nil {
					continue
				}
				// Restored at the resume point either way.
				c.restored = append(c.restored, r)
				fe.frameRegs[r] = true
				if fe.writeThrough[r] {
					continue // stored where it is assigned
				}
				if d, ok := dirty[in]; ok && !d[id] {
					continue
				}
				c.saved = append(c.saved, r)
			}
			fe.cuts = append(fe.cuts, c)
			fe.cutIndex[in] = len(fe.cuts)
		}
	}
}

// onceDefined returns the registers whose every assignment is in a block
// outside all loops (run at most once per thread): they are stored to the
// thread's frame where they are assigned (write-through), so no sync point
// stores them again, however often it is reached, such as the setup values
// of a loop with barriers in it.
func (fe *fnEmitter) onceDefined() map[*ptx.Reg]bool {
	inLoop := map[*ptx.Reg]bool{}
	defined := map[*ptx.Reg]bool{}
	for _, blk := range fe.cfg.Blocks {
		for _, in := range blk.Insts {
			in.Defs(func(r *ptx.Reg) {
				defined[r] = true
				if blk.Loop != nil || !blk.Reachable {
					inLoop[r] = true
				}
			})
		}
	}
	out := map[*ptx.Reg]bool{}
	for r := range defined {
		if !inLoop[r] {
			out[r] = true
		}
	}
	return out
}

// dirtyAtCuts computes, for each sync point, which registers may differ
// from their copies in the thread's frame when it is reached: those
// assigned on some path since the last resume point (where every live
// register is loaded from the frame), and at the kernel's start all of
// them. It is a forward may-analysis over the CFG; an unguarded sync point
// clears the set (the registers live across it are stored or already
// current, the rest are dead). Write-through registers are never dirty.
// Register IDs index the sets.
func (fe *fnEmitter) dirtyAtCuts() map[*ptx.Inst][]bool {
	n := len(fe.f.Regs)
	in := make(map[*ptx.Block][]bool, len(fe.cfg.Blocks))
	start := func(blk *ptx.Block) []bool {
		d := make([]bool, n)
		if blk == fe.cfg.Blocks[0] {
			for _, r := range fe.f.Regs {
				if r.ID < n && !fe.writeThrough[r] {
					d[r.ID] = true
				}
			}
		}
		for _, p := range blk.Preds {
			if s, ok := in[p]; ok {
				for k, v := range s {
					d[k] = d[k] || v
				}
			}
		}
		return d
	}
	out := map[*ptx.Inst][]bool{}
	// transfer runs blk from the set d (modified in place), recording the
	// set before each sync point when record is set.
	transfer := func(blk *ptx.Block, d []bool, record bool) {
		for _, i := range blk.Insts {
			if isCut(i) {
				if record {
					out[i] = append([]bool(nil), d...)
				}
				if i.Guard == nil {
					clear(d)
				}
			}
			i.Defs(func(r *ptx.Reg) {
				if r.ID < n && !fe.writeThrough[r] {
					d[r.ID] = true
				}
			})
		}
	}
	for changed := true; changed; {
		changed = false
		for _, blk := range fe.cfg.Blocks {
			if !blk.Reachable {
				continue
			}
			d := start(blk)
			transfer(blk, d, false)
			prev, ok := in[blk]
			if !ok || !equalBools(prev, d) {
				in[blk] = d
				changed = true
			}
		}
	}
	for _, blk := range fe.cfg.Blocks {
		if !blk.Reachable {
			continue
		}
		transfer(blk, start(blk), true)
	}
	return out
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isCut reports whether in suspends the thread (bar.arrive does not).
func isCut(in *ptx.Inst) bool {
	if !ptx.IsSyncPoint(in) {
		return false
	}
	return !((in.Op == "bar" || in.Op == "barrier") && in.Mode == "arrive")
}

func (fe *fnEmitter) reg(r *ptx.Reg) string { return fmt.Sprintf("r%d_%s", r.ID, sanitize(r.Name)) }

// faultExit is the C that ends the current thread after a fault: in a
// work-item loop it leaves the region at once (its runner sees the fault),
// so that no later thread runs; elsewhere exitCode.
func (fe *fnEmitter) faultExit() string {
	if fe.wil {
		return "return 0;"
	}
	return fe.exitCode()
}

// exitCode is the C that ends the current thread (exit, trap, or an exit
// inside a called function).
func (fe *fnEmitter) exitCode() string {
	switch {
	case fe.wil:
		return "{ NXV = 0; goto W_next; }"
	case fe.sync:
		return "{ F->h.state = SHAL_EXITED; return; }"
	case fe.kernel:
		return "return;"
	}
	return "{ T->exit = 1; return; }"
}
