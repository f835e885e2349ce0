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

	used       map[*ptx.Reg]bool
	localOff   map[*ptx.Var]int64
	localSize  int64
	labelName  map[*ptx.Label]string
	cuts       []*cut
	cutIndex   map[*ptx.Inst]int
	frameRegs  map[*ptx.Reg]bool
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
	fe := &fnEmitter{g: g, f: f, kernel: info != nil, cfg: g.a.CFGs[f], used: map[*ptx.Reg]bool{},
		labelName: map[*ptx.Label]string{}, cutIndex: map[*ptx.Inst]int{}, frameRegs: map[*ptx.Reg]bool{}}
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
		for _, l := range labelsAt[i] {
			fe.indent--
			fe.line("%s:;", fe.labelName[l])
			fe.indent++
		}
		fe.inst(in)
	}
	for _, l := range labelsAt[len(f.Body)] {
		fe.line("%s:;", fe.labelName[l])
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
		fe.line("static void %s_step(shal_thr* T, shal_frame* F0) {", fe.base)
		fe.line("  %s_frame* F = (%s_frame*)F0;", fe.base, fe.base)
		if fe.localSize > 0 {
			fe.line("  uint8_t* LOC = F->loc;")
		}
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
		fe.line("  switch (F->h.resume) {")
		fe.line("    case 0: break;")
		for i := range fe.cuts {
			fe.line("    case %d: goto R%d;", i+1, i+1)
		}
		fe.line("    default: __builtin_unreachable();")
		fe.line("  }")
	}
	fe.b.WriteString(body)
	fe.line("}")
	g.out.WriteString(fe.b.String())
	return fe
}

// findCuts lists the sync points of a kernel and the registers each must
// keep across it.
func (fe *fnEmitter) findCuts() {
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
				c.saved = append(c.saved, r)
				fe.frameRegs[r] = true
			}
			fe.cuts = append(fe.cuts, c)
			fe.cutIndex[in] = len(fe.cuts)
		}
	}
}

// isCut reports whether in suspends the thread (bar.arrive does not).
func isCut(in *ptx.Inst) bool {
	if !ptx.IsSyncPoint(in) {
		return false
	}
	return !((in.Op == "bar" || in.Op == "barrier") && in.Mode == "arrive")
}

func (fe *fnEmitter) reg(r *ptx.Reg) string { return fmt.Sprintf("r%d_%s", r.ID, sanitize(r.Name)) }

// exitCode is the C that ends the current thread (exit, trap, or an exit
// inside a called function).
func (fe *fnEmitter) exitCode() string {
	switch {
	case fe.sync:
		return "{ F->h.state = SHAL_EXITED; return; }"
	case fe.kernel:
		return "return;"
	}
	return "{ T->exit = 1; return; }"
}
