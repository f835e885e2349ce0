package cgen

import (
	"fmt"

	"github.com/streamhal/streamhal/ptx"
)

// The 1-D guard: most elementwise kernels start with
//
//	i = blockIdx.x * blockDim.x + threadIdx.x;
//	if (i >= n) return;
//
// and a per-thread loop with that branch in it stays scalar (the C
// compiler cannot vectorize a loop whose stores are conditional). When a
// kernel without sync points has exactly this shape, the translator also
// writes a copy of the thread function without the guard (the _fast
// variant, with threadIdx.x a parameter) and a function that evaluates the
// bound n once per block (_bound); the entry then runs, for a 1-D block,
// only the threads below the bound, in a loop over the global index that
// the C compiler vectorizes, as SHAL_GLOBAL_X_BELOW does for hand-written
// kernels. The threads above the bound would only have computed the
// guard's operands and returned, so skipping them changes nothing; blocks
// where the index could wrap around, and blocks that are not 1-D, run the
// general loop.

// guard1D describes a recognized guard.
type guard1D struct {
	br    *ptx.Inst    // the guard branch, omitted in the fast variant
	brIdx int          // its index in the body: the bound's prefix ends there
	n     *ptx.Operand // the bound
	t     ptx.Type     // the comparison's type (u32, s32, u64 or s64)
	// inclusive: the thread continues while index <= n (else index < n).
	inclusive bool
}

// variant selects what emitFunc writes for a kernel with a guard: the
// guard-free thread function, or the bound's prefix.
type variant struct {
	g     *guard1D
	bound bool
}

// noGuardOps are instructions that rule the fast variant out: they need
// the thread state (faults, calls) or have side effects the prefix must
// not have.
var noGuardOps = map[string]bool{"trap": true, "brkpt": true, "call": true, "brx": true}

// prefixOps are instructions the bound's prefix may contain: computations
// and loads, nothing with an effect.
var prefixOps = map[string]bool{
	"mov": true, "ld": true, "ldu": true, "cvt": true, "cvta": true, "setp": true, "selp": true,
	"add": true, "sub": true, "mul": true, "mad": true, "shl": true, "shr": true, "and": true, "or": true,
	"xor": true, "not": true, "min": true, "max": true, "neg": true, "abs": true, "mul24": true, "mad24": true,
}

// findGuard1D recognizes the 1-D guard in kernel f (see guard1D), or
// returns nil.
func (g *gen) findGuard1D(f *ptx.Func) *guard1D {
	if !f.Entry || g.a.Sync[f] {
		return nil
	}
	defs := map[*ptx.Reg][]*ptx.Inst{}
	for _, in := range f.Body {
		if noGuardOps[in.Op] || polls(in) {
			return nil
		}
		in.Defs(func(r *ptx.Reg) { defs[r] = append(defs[r], in) })
	}
	// The only definition of r, unguarded, before index end.
	only := func(r *ptx.Reg, end int) *ptx.Inst {
		if r == nil || len(defs[r]) != 1 {
			return nil
		}
		in := defs[r][0]
		if in.Guard != nil || in.Index >= end {
			return nil
		}
		return in
	}
	bi := -1
	for i, in := range f.Body {
		if in.Op == "bra" {
			bi = i
			break
		}
		if !prefixOps[in.Op] || in.Guard != nil || (in.Op == "ld" && in.Sem != ptx.SemNone) {
			return nil
		}
	}
	if bi < 0 {
		return nil
	}
	br := f.Body[bi]
	if br.Guard == nil || len(br.Args) != 1 || br.Args[0].Label == nil {
		return nil
	}
	// The branch must leave the kernel: its target is ret or exit.
	if t := br.Args[0].Label.Index; t >= len(f.Body) || (f.Body[t].Op != "ret" && f.Body[t].Op != "exit") || f.Body[t].Guard != nil {
		return nil
	}
	setp := only(br.Guard, bi)
	if setp == nil || setp.Op != "setp" || setp.BoolOp != "" || len(setp.Args) != 3 || setp.Dst2 != nil {
		return nil
	}
	t := setp.Type()
	switch t {
	case ptx.U32, ptx.S32, ptx.U64, ptx.S64, ptx.B32, ptx.B64:
	default:
		return nil
	}
	wide := t.Size() == 8
	a, b := setp.Args[1], setp.Args[2]
	// Which operand is the global index?
	var idxLeft bool
	switch {
	case a.Kind == ptx.OpdReg && g.isGlobalX(a.Reg, wide, bi, only):
		idxLeft = true
	case b.Kind == ptx.OpdReg && g.isGlobalX(b.Reg, wide, bi, only):
	default:
		return nil
	}
	n := b
	if !idxLeft {
		n = a
	}
	if n.Kind != ptx.OpdReg && n.Kind != ptx.OpdImm {
		return nil
	}
	if n.Kind == ptx.OpdReg && g.dependsOnThread(n.Reg, bi, only, map[*ptx.Reg]bool{}) {
		return nil
	}
	// The thread exits when the predicate (negated for @!p) holds; it
	// continues when the comparison, turned around, holds.
	cmp := setp.Cmp
	if !br.GuardNeg {
		cmp = negate(cmp)
	}
	if cmp == ptx.CmpNone {
		return nil
	}
	if !idxLeft {
		cmp = swap(cmp)
	}
	signed := t.IsSigned() && cmp != ptx.LO && cmp != ptx.LS
	unsigned := cmp == ptx.LO || cmp == ptx.LS
	gd := &guard1D{br: br, brIdx: bi, n: n}
	switch cmp {
	case ptx.LT, ptx.LO:
	case ptx.LE, ptx.LS:
		gd.inclusive = true
	default:
		return nil
	}
	switch {
	case wide && signed && !unsigned:
		gd.t = ptx.S64
	case wide:
		gd.t = ptx.U64
	case signed && !unsigned:
		gd.t = ptx.S32
	default:
		gd.t = ptx.U32
	}
	return gd
}

// negate returns the comparison that holds exactly when c does not, for
// integer comparisons.
func negate(c ptx.Cmp) ptx.Cmp {
	switch c {
	case ptx.LT:
		return ptx.GE
	case ptx.GE:
		return ptx.LT
	case ptx.LE:
		return ptx.GT
	case ptx.GT:
		return ptx.LE
	case ptx.LO:
		return ptx.HS
	case ptx.HS:
		return ptx.LO
	case ptx.LS:
		return ptx.HI
	case ptx.HI:
		return ptx.LS
	}
	return ptx.CmpNone
}

// swap returns c with its operands exchanged (a c b == b swap(c) a).
func swap(c ptx.Cmp) ptx.Cmp {
	switch c {
	case ptx.LT:
		return ptx.GT
	case ptx.GT:
		return ptx.LT
	case ptx.LE:
		return ptx.GE
	case ptx.GE:
		return ptx.LE
	case ptx.LO:
		return ptx.HI
	case ptx.HI:
		return ptx.LO
	case ptx.LS:
		return ptx.HS
	case ptx.HS:
		return ptx.LS
	}
	return ptx.CmpNone
}

// sregOf returns the special register (and component) r is a copy of.
func sregOf(r *ptx.Reg, end int, only func(*ptx.Reg, int) *ptx.Inst) (ptx.SReg, int, bool) {
	in := only(r, end)
	if in == nil || (in.Op != "mov" && in.Op != "cvt") || len(in.Args) != 2 || in.Args[1].Kind != ptx.OpdSReg {
		return 0, 0, false
	}
	if in.Op == "cvt" && (in.Rnd != ptx.RoundNone || in.Has(ptx.FlagSat)) {
		return 0, 0, false
	}
	return in.Args[1].SReg, in.Args[1].Comp, true
}

func isSReg(r *ptx.Reg, want ptx.SReg, end int, only func(*ptx.Reg, int) *ptx.Inst) bool {
	s, c, ok := sregOf(r, end, only)
	return ok && s == want && c == 0
}

// isGlobalX reports whether r is %ctaid.x * %ntid.x + %tid.x: in 32 bits
// (mad.lo, or mul.lo and add) or, for wide, in 64 (mul.wide of the first
// two plus the third converted to 64 bits).
func (g *gen) isGlobalX(r *ptx.Reg, wide bool, end int, only func(*ptx.Reg, int) *ptx.Inst) bool {
	in := only(r, end)
	if in == nil {
		return false
	}
	regs := func(ops ...*ptx.Operand) bool {
		for _, o := range ops {
			if o.Kind != ptx.OpdReg {
				return false
			}
		}
		return true
	}
	// ctaid.x and ntid.x in either order.
	product := func(x, y *ptx.Operand) bool {
		return isSReg(x.Reg, ptx.SRegCtaid, end, only) && isSReg(y.Reg, ptx.SRegNTid, end, only) ||
			isSReg(x.Reg, ptx.SRegNTid, end, only) && isSReg(y.Reg, ptx.SRegCtaid, end, only)
	}
	if !wide {
		switch {
		case in.Op == "mad" && in.Mode == "lo" && len(in.Args) == 4 && regs(in.Args[1:]...):
			return product(in.Args[1], in.Args[2]) && isSReg(in.Args[3].Reg, ptx.SRegTid, end, only)
		case in.Op == "add" && len(in.Args) == 3 && regs(in.Args[1:]...) && in.Type().Size() == 4:
			for _, k := range [][2]int{{1, 2}, {2, 1}} {
				m := only(in.Args[k[0]].Reg, end)
				if m != nil && m.Op == "mul" && m.Mode == "lo" && regs(m.Args[1:]...) && product(m.Args[1], m.Args[2]) &&
					isSReg(in.Args[k[1]].Reg, ptx.SRegTid, end, only) {
					return true
				}
			}
		}
		return false
	}
	if in.Op != "add" || len(in.Args) != 3 || !regs(in.Args[1:]...) || in.Type().Size() != 8 {
		return false
	}
	for _, k := range [][2]int{{1, 2}, {2, 1}} {
		m := only(in.Args[k[0]].Reg, end)
		c := only(in.Args[k[1]].Reg, end)
		if m == nil || c == nil || m.Op != "mul" || m.Mode != "wide" || !regs(m.Args[1:]...) || !product(m.Args[1], m.Args[2]) {
			continue
		}
		// cvt.u64.u32 (or .s64.s32) of %tid.x: %tid.x < 1024, so both agree.
		if c.Op == "cvt" && len(c.Args) == 2 && c.Args[1].Kind == ptx.OpdReg && c.Rnd == ptx.RoundNone && len(c.Types) == 2 &&
			c.Types[0].Size() == 8 && c.Types[1].Size() == 4 && isSReg(c.Args[1].Reg, ptx.SRegTid, end, only) {
			return true
		}
	}
	return false
}

// dependsOnThread reports whether r's value before index end may depend
// on the thread: a per-thread special register, a register with several
// definitions, or a definition the prefix does not allow.
func (g *gen) dependsOnThread(r *ptx.Reg, end int, only func(*ptx.Reg, int) *ptx.Inst, seen map[*ptx.Reg]bool) bool {
	if seen[r] {
		return false
	}
	seen[r] = true
	in := only(r, end)
	if in == nil {
		return true
	}
	var dep bool
	for _, o := range in.Args[1:] {
		walkOperand(o, func(x *ptx.Operand) {
			switch x.Kind {
			case ptx.OpdSReg:
				switch x.SReg {
				case ptx.SRegTid, ptx.SRegLaneid, ptx.SRegWarpid, ptx.SRegLanemaskEq, ptx.SRegLanemaskLe,
					ptx.SRegLanemaskLt, ptx.SRegLanemaskGe, ptx.SRegLanemaskGt, ptx.SRegClock, ptx.SRegClockHi,
					ptx.SRegClock64, ptx.SRegGlobaltimer, ptx.SRegGlobaltimerLo, ptx.SRegGlobaltimerHi:
					dep = true
				}
			case ptx.OpdReg:
				if g.dependsOnThread(x.Reg, end, only, seen) {
					dep = true
				}
			}
		})
	}
	if in.Op == "ld" || in.Op == "ldu" {
		// A load's address is its operand: covered above.
		return dep
	}
	return dep
}

// walkOperand calls fn on o and its elements, and on the register of a
// memory operand.
func walkOperand(o *ptx.Operand, fn func(*ptx.Operand)) {
	if o == nil {
		return
	}
	fn(o)
	if o.Kind == ptx.OpdAddr && o.Reg != nil {
		fn(&ptx.Operand{Kind: ptx.OpdReg, Reg: o.Reg})
	}
	for _, e := range o.Elems {
		walkOperand(e, fn)
	}
}

// emitGuardLoop writes, inside an entry's block loop, the fast path of a
// kernel with a 1-D guard: for a 1-D block, the threads below the bound in
// a loop the C compiler can vectorize; it continues with the next block.
func (g *gen) emitGuardLoop(base string, gd *guard1D) {
	g.p("    if (T.ntid.y == 1 && T.ntid.z == 1) {")
	g.p("      const uint32_t ntx = T.ntid.x;")
	g.p("      const uint64_t nb = %s_bound(&T, A);", base)
	g.p("      const uint64_t base = (uint64_t)T.ctaid.x * ntx;")
	inc := "0"
	if gd.inclusive {
		inc = "1"
	}
	switch gd.t {
	case ptx.U32:
		g.p("      if (base + ntx <= 0xffffffffu) {")
		g.p("        const uint64_t n = (uint64_t)(uint32_t)nb + %s;", inc)
		g.p("        const uint32_t lim = n <= base ? 0u : (n - base < ntx ? (uint32_t)(n - base) : ntx);")
		g.p("        const uint32_t b32 = T.ctaid.x * ntx, e32 = b32 + lim;")
		g.p("        for (uint32_t gi = b32; gi < e32; gi++) %s_fast(&T, A, gi - b32);", base)
		g.p("        continue;")
		g.p("      }")
	case ptx.S32:
		g.p("      if (base + ntx <= 0x7fffffffu) {")
		g.p("        const int64_t n = (int64_t)(int32_t)(uint32_t)nb + %s;", inc)
		g.p("        const uint32_t lim = n <= (int64_t)base ? 0u : ((uint64_t)n - base < ntx ? (uint32_t)((uint64_t)n - base) : ntx);")
		g.p("        const int32_t b32 = (int32_t)(T.ctaid.x * ntx), e32 = b32 + (int32_t)lim;")
		g.p("        for (int32_t gi = b32; gi < e32; gi++) %s_fast(&T, A, (uint32_t)gi - (uint32_t)b32);", base)
		g.p("        continue;")
		g.p("      }")
	case ptx.U64:
		g.p("      {")
		if gd.inclusive {
			g.p("        const int all = nb == UINT64_MAX;")
			g.p("        const uint64_t n = nb + !all;")
		} else {
			g.p("        const int all = 0;")
			g.p("        const uint64_t n = nb;")
		}
		g.p("        const uint32_t lim = all ? ntx : (n <= base ? 0u : (n - base < ntx ? (uint32_t)(n - base) : ntx));")
		g.p("        for (uint32_t tx = 0; tx < lim; tx++) %s_fast(&T, A, tx);", base)
		g.p("        continue;")
		g.p("      }")
	case ptx.S64:
		g.p("      {")
		if gd.inclusive {
			g.p("        const int all = (int64_t)nb == INT64_MAX;")
			g.p("        const int64_t n = (int64_t)nb + !all;")
		} else {
			g.p("        const int all = 0;")
			g.p("        const int64_t n = (int64_t)nb;")
		}
		g.p("        const uint32_t lim = all ? ntx : (n <= (int64_t)base ? 0u : ((uint64_t)n - base < ntx ? (uint32_t)((uint64_t)n - base) : ntx));")
		g.p("        for (uint32_t tx = 0; tx < lim; tx++) %s_fast(&T, A, tx);", base)
		g.p("        continue;")
		g.p("      }")
	default:
		panic(fmt.Sprintf("cgen: guard of type %v", gd.t))
	}
	g.p("    }")
}
