package cgen

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// Work-item loops (see "Work-item loops" in the package doc): a kernel
// whose only sync points are unguarded block-wide barriers with a constant
// barrier number runs region by region, each region a loop over the
// block's threads; registers live across a barrier are recomputed at the
// region's start when they are a pure function of the thread's and the
// block's indices and the parameters (remat), and kept in per-thread
// context arrays (ctx) otherwise.

// wilEligible reports whether kernel fe (a cut kernel whose sync points
// fe.findCuts listed) can run as work-item loops.
func (fe *fnEmitter) wilEligible() bool {
	if !fe.uniform() || fe.localSize > 0 || len(fe.callParams) > 0 || len(fe.cuts) > 250 {
		return false
	}
	// Each region's loop holds a copy of the body (the C compiler drops
	// what the region cannot reach, but only after parsing it all).
	if (len(fe.cuts)+1)*len(fe.f.Body) > wilMaxInsts {
		return false
	}
	for _, c := range fe.cuts {
		if c.in.Guard != nil || c.in.Args[0].Kind != ptx.OpdImm {
			return false
		}
	}
	for _, in := range fe.f.Body {
		if in.Op == "call" {
			return false
		}
	}
	return true
}

// wilMaxInsts bounds the instructions of a kernel's body times its
// regions for work-item loops, which keeps the C a kernel becomes within a
// few times the size of the PTX.
const wilMaxInsts = 20000

// rematOps are the operations whose result depends on nothing but their
// operands (ld only from a kernel parameter).
var rematOps = map[string]bool{
	"mov": true, "add": true, "sub": true, "mul": true, "mad": true, "shl": true, "shr": true,
	"and": true, "or": true, "xor": true, "not": true, "cvt": true, "cvta": true, "setp": true,
	"selp": true, "min": true, "max": true, "neg": true, "abs": true, "ld": true,
}

// findRemat fills fe.remat: the registers with a single, unguarded
// definition outside loops (run at most once per thread) by a pure
// operation whose operands are constants, symbols, kernel parameters, the
// thread's and the block's indices and sizes, and other such registers
// defined before it (their definitions dominate it). Such a register has
// one value per thread from its definition on, which its definition's
// chain recomputes.
func (fe *fnEmitter) findRemat() {
	fe.remat = map[*ptx.Reg]*ptx.Inst{}
	defs := map[*ptx.Reg][]*ptx.Inst{}
	for _, in := range fe.f.Body {
		in.Defs(func(r *ptx.Reg) { defs[r] = append(defs[r], in) })
	}
	const (
		busy = 1
		yes  = 2
		no   = 3
	)
	memo := map[*ptx.Reg]int{}
	var ok func(r *ptx.Reg) bool
	ok = func(r *ptx.Reg) bool {
		switch memo[r] {
		case busy, no:
			return false
		case yes:
			return true
		}
		memo[r] = busy
		res := fe.rematDef(defs[r], ok)
		memo[r] = no
		if res {
			memo[r] = yes
			fe.remat[r] = defs[r][0]
		}
		return res
	}
	for _, in := range fe.f.Body {
		in.Defs(func(r *ptx.Reg) { ok(r) })
	}
}

// rematDef reports whether ds, a register's definitions, qualify it for
// recomputation (findRemat); ok tells whether an operand register does.
func (fe *fnEmitter) rematDef(ds []*ptx.Inst, ok func(*ptx.Reg) bool) bool {
	if len(ds) != 1 {
		return false
	}
	in := ds[0]
	blk := in.Block
	if in.Guard != nil || blk == nil || !blk.Reachable || blk.Loop != nil || !rematOps[in.Op] || in.Dst2 != nil || in.Vec > 1 {
		return false
	}
	if len(in.Args) == 0 || in.Args[0].Kind != ptx.OpdReg {
		return false
	}
	ndefs := 0
	in.Defs(func(*ptx.Reg) { ndefs++ })
	if ndefs != 1 {
		return false
	}
	if in.Op == "ld" {
		a := in.Args[1]
		if in.Space != ptx.SpaceParam || in.Has(ptx.FlagVolatile) || a.Kind != ptx.OpdAddr || a.Reg != nil || a.Var == nil || !fe.isKernelParam(a.Var) {
			return false
		}
		return true
	}
	good := true
	for _, o := range in.Args[1:] {
		walkOperand(o, func(x *ptx.Operand) {
			switch x.Kind {
			case ptx.OpdImm, ptx.OpdVec:
			case ptx.OpdReg:
				if x.Reg == in.Args[0].Reg || !ok(x.Reg) || !fe.defBefore(fe.remat[x.Reg], in) {
					good = false
				}
			case ptx.OpdSReg:
				switch x.SReg {
				case ptx.SRegTid, ptx.SRegNTid, ptx.SRegCtaid, ptx.SRegNCtaid, ptx.SRegLaneid, ptx.SRegWarpid,
					ptx.SRegNWarpid, ptx.SRegClusterid, ptx.SRegNClusterid:
				default:
					good = false
				}
			case ptx.OpdSym:
				if x.Var == nil || x.Func != nil {
					good = false
				}
			default:
				good = false
			}
		})
	}
	return good
}

func (fe *fnEmitter) isKernelParam(v *ptx.Var) bool {
	for _, p := range fe.f.Params {
		if p == v {
			return true
		}
	}
	return false
}

// defBefore reports whether instruction d runs before instruction u on
// every path to u: d's block dominates u's, or both are in one block
// with d first.
func (fe *fnEmitter) defBefore(d, u *ptx.Inst) bool {
	if d == nil || u == nil || d.Block == nil || u.Block == nil {
		return false
	}
	if d.Block == u.Block {
		return d.Index < u.Index
	}
	for b := u.Block.IDom; b != nil; b = b.IDom {
		if b == d.Block {
			return true
		}
	}
	return false
}

// rematAt reports whether r, live across cut c, is recomputed at c's
// resume point rather than kept in a context array.
func (fe *fnEmitter) rematAt(r *ptx.Reg, c *cut) bool {
	d, ok := fe.remat[r]
	return ok && fe.defBefore(d, c.in)
}

// wilSReg is a special register inside a work-item loop, whose indices
// are tx, ty, tz and the linear t.
func (fe *fnEmitter) wilSReg(o *ptx.Operand) (string, bool) {
	switch o.SReg {
	case ptx.SRegTid:
		return "t" + string(rune('x'+o.Comp)), true
	case ptx.SRegNTid:
		return "n" + string(rune('x'+o.Comp)), true
	case ptx.SRegCtaid, ptx.SRegClusterid:
		return "b" + string(rune('x'+o.Comp)), true
	case ptx.SRegNCtaid, ptx.SRegNClusterid:
		return "g" + string(rune('x'+o.Comp)), true
	case ptx.SRegLaneid:
		return "((uint32_t)t & 31u)", true
	case ptx.SRegWarpid:
		return "((uint32_t)t >> 5)", true
	case ptx.SRegLanemaskEq:
		return "(1u << ((uint32_t)t & 31u))", true
	case ptx.SRegLanemaskLe:
		return "((2u << ((uint32_t)t & 31u)) - 1u)", true
	case ptx.SRegLanemaskLt:
		return "((1u << ((uint32_t)t & 31u)) - 1u)", true
	case ptx.SRegLanemaskGe:
		return "(~0u << ((uint32_t)t & 31u))", true
	case ptx.SRegLanemaskGt:
		return "(~((2u << ((uint32_t)t & 31u)) - 1u))", true
	}
	return "", false
}

// tsh and targs are the block's shared window and argument copy: locals
// hoisted out of the work-item loops, fields of the thread elsewhere.
func (fe *fnEmitter) tsh() string {
	if fe.wil {
		return "SHB"
	}
	return "T->sh"
}

func (fe *fnEmitter) targs() string {
	if fe.wil {
		return "ARGS"
	}
	return "T->args"
}

// isTidX reports whether operand o is %tid.x, or a register whose only
// definition copies it.
func (fe *fnEmitter) isTidX(o *ptx.Operand) bool {
	tid := func(o *ptx.Operand) bool { return o.Kind == ptx.OpdSReg && o.SReg == ptx.SRegTid && o.Comp == 0 }
	if tid(o) {
		return true
	}
	if o.Kind != ptx.OpdReg {
		return false
	}
	ds := fe.defs[o.Reg]
	return len(ds) == 1 && ds[0].Op == "mov" && ds[0].Guard == nil && len(ds[0].Args) == 2 && tid(ds[0].Args[1])
}

// txAffine reports whether 32-bit register r is, by its only definition,
// some value plus %tid.x (add r, a, tid or mad.lo r, a, b, tid): a thread
// index the work-item loop's x index steps by one.
func (fe *fnEmitter) txAffine(r *ptx.Reg) bool {
	ds := fe.defs[r]
	if !fe.wil || len(ds) != 1 {
		return false
	}
	in := ds[0]
	if in.Guard != nil || in.Has(ptx.FlagCC) || in.Has(ptx.FlagSat) || in.Type().Size() != 4 || in.Type().IsFloat() {
		return false
	}
	switch {
	case in.Op == "add":
		return fe.isTidX(in.Args[1]) || fe.isTidX(in.Args[2])
	case in.Op == "mad" && in.Mode == "lo":
		return fe.isTidX(in.Args[3])
	}
	return false
}

// zextTx zero-extends a, the C value of a txAffine register, to 64 bits
// in a form that is affine in the loop's x index where it cannot wrap:
// with u = a - tx (mod 2^32), a is u + tx exactly when u + nx - 1 does
// not overflow (tx < nx), which is invariant in the loop, so the C
// compiler versions the loop on it and sees contiguous accesses
// (base + 4*(u + tx)) instead of a gather through a 32-bit index that
// may wrap. The value is (uint64_t)a either way.
func zextTx(a string) string {
	return fmt.Sprintf("(((uint32_t)(%s - tx) <= 0xffffffffu - (nx - 1u)) ? (uint64_t)(uint32_t)(%s - tx) + tx : (uint64_t)%s)", a, a, a)
}

// wilBound rewrites cond, the C of an unsigned 32-bit comparison (setp)
// of a txAffine register a = u + tid.x with a value b that is the same for
// the whole block (an immediate or a uniform register), into a form the C
// compiler can version the work-item loop on: when u + ntid.x - 1 neither
// wraps nor reaches b, every thread's a is below b and the result is known
// (the guard if (i < n) of a block wholly inside the array: the loop's
// loads then need no masks). It returns cond unchanged otherwise.
func (fe *fnEmitter) wilBound(in *ptx.Inst, t ptx.Type, cond string) string {
	if !fe.wil || fe.inRemat || in.Block == nil || in.Block.Loop != nil || t.Size() != 4 || t.IsFloat() || len(in.Args) != 3 || in.Dst2 != nil || !fe.branchOnly(in) {
		return cond
	}
	var less bool
	switch in.Cmp {
	case ptx.LO, ptx.LS:
		less = true
	case ptx.HI, ptx.HS:
	case ptx.LT, ptx.LE:
		if t.IsSigned() {
			return cond
		}
		less = true
	case ptx.GT, ptx.GE:
		if t.IsSigned() {
			return cond
		}
	default:
		return cond
	}
	invariant := func(o *ptx.Operand) bool {
		return o.Kind == ptx.OpdImm || o.Kind == ptx.OpdReg && fe.uniformRegs[o.Reg]
	}
	x, y := in.Args[1], in.Args[2]
	ai, bi := 1, 2
	switch {
	case x.Kind == ptx.OpdReg && fe.txAffine(x.Reg) && invariant(y):
	case y.Kind == ptx.OpdReg && fe.txAffine(y.Reg) && invariant(x):
		// b op a: every a below b makes b > a and b >= a true.
		ai, bi = 2, 1
		less = !less
	default:
		return cond
	}
	a, b := fe.a(in, ai), fe.a(in, bi)
	below := fmt.Sprintf("((uint32_t)(%s - tx) <= 0xffffffffu - (nx - 1u) && (uint32_t)(%s - tx) + (nx - 1u) < (uint32_t)%s)", a, a, b)
	known := "0"
	if less {
		known = "1"
	}
	return fmt.Sprintf("(%s ? %s : %s)", below, known, cond)
}

// branchOnly reports whether the predicate setp in defines is used only
// by the branch that ends its block: a guard around the code right after
// it. (Versioning the work-item loop on predicates kept for later, such
// as a tiled multiplication's column bound, measured slower.)
func (fe *fnEmitter) branchOnly(in *ptx.Inst) bool {
	p := in.Args[0]
	if p.Kind != ptx.OpdReg {
		return false
	}
	last := in.Block.Last()
	if last == nil || last.Op != "bra" || last.Guard != p.Reg {
		return false
	}
	uses := 0
	for _, u := range fe.f.Body {
		u.Uses(func(r *ptx.Reg) {
			if r == p.Reg {
				uses++
			}
		})
	}
	return uses == 1
}

// testsTidXConst reports whether instruction in compares tid.x with a
// constant for equality (if (threadIdx.x == 0) ...).
func (fe *fnEmitter) testsTidXConst(in *ptx.Inst) bool {
	if in.Op != "setp" || (in.Cmp != ptx.EQ && in.Cmp != ptx.NE) || len(in.Args) < 3 {
		return false
	}
	a, b := in.Args[1], in.Args[2]
	return fe.isTidX(a) && b.Kind == ptx.OpdImm || fe.isTidX(b) && a.Kind == ptx.OpdImm
}

// regionHas reports whether region k (from barrier k, or the kernel's
// start for 0, to the barriers or exits its threads reach next) holds an
// instruction for which pred holds.
func (fe *fnEmitter) regionHas(k int, pred func(*ptx.Inst) bool) bool {
	seen := map[*ptx.Block]bool{}
	var walk func(b *ptx.Block, from int) bool
	walk = func(b *ptx.Block, from int) bool {
		for _, in := range b.Insts[from:] {
			if pred(in) {
				return true
			}
			if isCut(in) {
				return false
			}
		}
		for _, s := range b.Succs {
			if !seen[s] {
				seen[s] = true
				if walk(s, 0) {
					return true
				}
			}
		}
		return false
	}
	if k == 0 {
		if len(fe.cfg.Blocks) == 0 {
			return false
		}
		b := fe.cfg.Blocks[0]
		seen[b] = true
		return walk(b, 0)
	}
	c := fe.cuts[k-1].in
	for i, in := range c.Block.Insts {
		if in == c {
			return walk(c.Block, i+1)
		}
	}
	return true
}

// suffixLabels appends suf to every whole-word occurrence of the C labels
// names in s, for a second copy of a region's body in the same function.
func suffixLabels(s string, names []string, suf string) string {
	if len(names) == 0 {
		return s
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = regexp.QuoteMeta(n)
	}
	sort.Strings(q)
	re := regexp.MustCompile(`\b(` + strings.Join(q, "|") + `)\b`)
	return re.ReplaceAllString(s, "${1}"+suf)
}

// ctxName is the context array of register r.
func (fe *fnEmitter) ctxName(r *ptx.Reg) string { return "C_" + fe.reg(r) }

// uslotName is the block's single slot of uniform register r, a field
// of the context and a local of each region: U_ holds the value at the
// region's start, S_ the value the threads leave it with.
func (fe *fnEmitter) uslotName(r *ptx.Reg, prefix string) string { return prefix + fe.reg(r) }

// wilCut writes barrier k inside a work-item loop: the registers live
// across it that are not recomputed go to their context arrays (a
// block-uniform one to its single slot), and the thread's iteration ends
// with k as its next region.
func (fe *fnEmitter) wilCut(k int, c *cut) {
	for _, r := range c.restored {
		switch {
		case fe.rematAt(r, c):
		case fe.uniformRegs[r]:
			fe.line("%s = %s;", fe.uslotName(r, "S_"), fe.reg(r))
		default:
			fe.line("%s[t] = %s;", fe.ctxName(r), fe.reg(r))
		}
	}
	fe.line("NXV = %d;", k)
	fe.line("goto W_next;")
	fe.indent--
	fe.line("R%d:;", k)
	fe.indent++
}

// rematCode writes the definitions of the registers rs recompute, with
// those they depend on, in an order where operands come first.
func (fe *fnEmitter) rematCode(rs []*ptx.Reg) {
	done := map[*ptx.Reg]bool{}
	var visit func(r *ptx.Reg)
	visit = func(r *ptx.Reg) {
		if done[r] {
			return
		}
		done[r] = true
		d := fe.remat[r]
		d.Uses(func(u *ptx.Reg) { visit(u) })
		fe.inst(d)
	}
	fe.inRemat = true
	for _, r := range rs {
		visit(r)
	}
	fe.inRemat = false
}

// restoreCode writes, at the start of the region after cut c (or the
// kernel's start for nil), the registers live there: recomputed or loaded
// from their context arrays.
func (fe *fnEmitter) restoreCode(c *cut) {
	if c == nil {
		return
	}
	var rm []*ptx.Reg
	for _, r := range c.restored {
		switch {
		case fe.rematAt(r, c):
			rm = append(rm, r)
		case fe.uniformRegs[r]:
			fe.line("%s = %s;", fe.reg(r), fe.uslotName(r, "U_"))
		default:
			fe.line("%s = %s[t];", fe.reg(r), fe.ctxName(r))
		}
	}
	fe.rematCode(rm)
}

// emitWIL writes the work-item loops of kernel f, whose step function
// (for the general scheduler, the fallback) step wrote: the context
// struct, one function per region, the spill into frames for the general
// scheduler and the runner. It returns the loops' emitter (its ctx lists
// the context arrays the entry allocates), or nil, having written nothing,
// when the kernel does not qualify.
func (g *gen) emitWIL(f *ptx.Func, step *fnEmitter, base string) *fnEmitter {
	if !step.wilEligible() {
		return nil
	}
	fe := &fnEmitter{g: g, f: f, kernel: true, sync: true, wil: true, base: base, cfg: step.cfg,
		used: step.used, labelName: step.labelName, cuts: step.cuts, cutIndex: step.cutIndex,
		frameRegs: step.frameRegs, writeThrough: step.writeThrough, localOff: step.localOff}
	fe.findRemat()
	// A register proved block-uniform has the same value in all threads
	// that stop at one barrier when every barrier lies in a block that all
	// threads run alike (no branch on a thread-dependent condition decides
	// whether it runs): they then pass the same uniform code between two
	// barriers and stop at the same one (or exit, which hands the block to
	// the general scheduler). A barrier under a thread-dependent branch
	// inside a uniform loop can be reached by different threads in
	// different iterations, so there every register keeps a slot per
	// thread.
	//
	// For the same reason the threads of such a kernel that have not
	// exited all stop at one barrier (oneStop): a region then records one
	// stop point for the block, and per thread only whether it exited.
	uniform, divBlock := fe.findUniform()
	oneStop := true
	for _, c := range fe.cuts {
		if divBlock[c.in.Block] {
			uniform = map[*ptx.Reg]bool{}
			oneStop = false
			break
		}
	}
	fe.uniformRegs = uniform
	fe.defs = map[*ptx.Reg][]*ptx.Inst{}
	for _, in := range f.Body {
		in.Defs(func(r *ptx.Reg) { fe.defs[r] = append(fe.defs[r], in) })
	}
	fe.ctx = map[*ptx.Reg]bool{}
	uslots := map[*ptx.Reg]bool{}
	for _, c := range fe.cuts {
		for _, r := range c.restored {
			switch {
			case fe.rematAt(r, c):
			case fe.uniformRegs[r]:
				uslots[r] = true
			default:
				fe.ctx[r] = true
			}
		}
	}
	ctxRegs := sortedRegs(fe.ctx)
	slotRegs := sortedRegs(uslots)

	// The body, written once and entered at each region's start. Errors
	// in it were reported for the step function already.
	nerrs := len(g.errs)
	fe.indent = 4
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
		fe.indent--
		fe.line("%s:;", fe.labelName[l])
		fe.indent++
	}
	fe.line("%s", fe.exitCode())
	body := fe.b.String()
	fe.b.Reset()
	if len(g.errs) > nerrs {
		g.errs = g.errs[:nerrs]
		return nil
	}

	// Regions that test tid.x against a constant (thread 0 stores the
	// block's result) run thread x = 0 apart: the loop over the others
	// then has no such test and may vectorize. (Only those: a loop from
	// x = 1 leaves a scalar tail where one from 0 has none.)
	var labels []string
	for _, n := range fe.labelName {
		labels = append(labels, n)
	}
	for k := 1; k <= len(fe.cuts); k++ {
		labels = append(labels, fmt.Sprintf("R%d", k))
	}
	labels = append(labels, "W_next")

	g.p("typedef struct %s_wctx {", base)
	for _, r := range ctxRegs {
		g.p("  %s* %s;", vt(r.Type), fe.ctxName(r))
	}
	for _, r := range slotRegs {
		g.p("  %s %s;", vt(r.Type), fe.uslotName(r, "U_"))
	}
	g.p("  uint8_t* nx;")
	g.p("  uint32_t nxk;")
	g.p("} %s_wctx;", base)

	for k := 0; k <= len(fe.cuts); k++ {
		var c *cut
		if k > 0 {
			c = fe.cuts[k-1]
		}
		// Region k: every thread from cut k (or the start) to its next
		// cut or its exit. It returns the cut all threads reached, 0
		// when all exited, 0xffffffff when they differ.
		peel := fe.regionHas(k, fe.testsTidXConst)
		g.p("static __attribute__((noinline)) uint32_t %s_wil%d(shal_thr* T, %s_wctx* C) {", base, k, base)
		g.p("  const uint32_t nx = T->ntid.x, ny = T->ntid.y, nz = T->ntid.z;")
		g.p("  %s", wilBlockLocals)
		g.p("  uint8_t* const SHB = T->sh;")
		// A private copy of the arguments: no store in the loop can
		// change it, so parameter loads are hoisted out of it.
		g.p("  uint8_t ARGS[%d] __attribute__((aligned(16)));", alignUp(max(f.ArgsSize, 1), 16))
		g.p("  memcpy(ARGS, T->args, %d);", max(f.ArgsSize, 1))
		g.p("  uint8_t* const LOC = (uint8_t*)0;")
		for _, r := range ctxRegs {
			g.p("  %s* const %s = C->%s;", vt(r.Type), fe.ctxName(r), fe.ctxName(r))
		}
		g.p("  uint8_t* const NXA = C->nx;")
		g.p("  (void)SHB; (void)ARGS; (void)LOC;")
		// The uniform slots: read once, written by every thread that
		// stops at a barrier where they are live (all with one value),
		// stored back once after the loop.
		for _, r := range slotRegs {
			g.p("  const %s %s = C->%s;", vt(r.Type), fe.uslotName(r, "U_"), fe.uslotName(r, "U_"))
			g.p("  %s %s = %s;", vt(r.Type), fe.uslotName(r, "S_"), fe.uslotName(r, "U_"))
		}
		if oneStop {
			// NXK: the barrier the threads stopped at (0: none did);
			// EXN: whether some thread exited, which clears its NXA.
			g.p("  uint32_t NXK = 0;")
			g.p("  uint8_t EXN = 0;")
		} else {
			// Bytes, as NXA: the reduction below then works on whole
			// vectors of them, not on bytes widened to words.
			g.p("  uint8_t any = 0, all = 0xff;")
		}
		g.p("  size_t t = 0;")
		g.p("  for (uint32_t tz = 0; tz < nz; tz++)")
		g.p("    for (uint32_t ty = 0; ty < ny; ty++)")
		// The threads of a region run concurrently on a GPU: one thread
		// depends on another's writes in it only through atomics, which
		// the C compiler does not reorder.
		if peel {
			g.p("    {")
			g.p("      {")
			g.p("        const uint32_t tx = 0;")
		} else {
			g.p("      SHAL_IVDEP")
			g.p("      for (uint32_t tx = 0; tx < nx; tx++, t++) {")
		}
		record := "NXA[t] = (uint8_t)NXV;"
		if oneStop {
			record = "if (NXV) NXK = NXV; else { NXA[t] = 0; EXN = 1; }"
		}
		var declsB strings.Builder
		fmt.Fprintf(&declsB, "        uint32_t NXV = 0;\n")
		for _, r := range sortedRegs(fe.used) {
			fmt.Fprintf(&declsB, "        %s %s = 0;\n", vt(r.Type), fe.reg(r))
		}
		if fe.usesCC {
			fmt.Fprintf(&declsB, "        uint32_t CC = 0;\n")
		}
		fe.indent = 4
		fe.restoreCode(c)
		restore := fe.b.String()
		fe.b.Reset()
		decls := declsB.String()
		if peel {
			// Thread x = 0 of each row first, then a loop from 1, in
			// which the C compiler folds the tests of tid.x == 0 away.
			g.out.WriteString(decls)
			g.out.WriteString(suffixLabels(restore, labels, "_p"))
			if k > 0 {
				g.p("        goto R%d_p;", k)
			}
			g.out.WriteString(suffixLabels(body, labels, "_p"))
			g.p("      W_next_p:")
			g.p("        %s", record)
			g.p("        t++;")
			g.p("      }")
			g.p("      SHAL_IVDEP")
			g.p("      for (uint32_t tx = 1; tx < nx; tx++, t++) {")
		}
		g.out.WriteString(decls)
		g.out.WriteString(restore)
		if k > 0 {
			g.p("        goto R%d;", k)
		}
		g.out.WriteString(body)
		g.p("      W_next:")
		g.p("        %s", record)
		g.p("      }")
		if peel {
			g.p("      }")
		}
		for _, r := range slotRegs {
			g.p("  C->%s = %s;", fe.uslotName(r, "U_"), fe.uslotName(r, "S_"))
		}
		if oneStop {
			// No thread exited: all wait at NXK (0 for an empty block);
			// none stopped: all exited; else the spill takes over, with
			// the exited threads' NXA cleared.
			g.p("  if (!EXN) return NXK;")
			g.p("  if (!NXK) return 0;")
			g.p("  C->nxk = NXK;")
			g.p("  return 0xffffffffu;")
		} else {
			// In a loop of its own, so that the region's loop has no
			// reduction the C compiler cannot vectorize.
			g.p("  for (size_t i = 0; i < t; i++) {")
			g.p("    any |= NXA[i];")
			g.p("    all &= NXA[i];")
			g.p("  }")
			g.p("  return any == all ? (uint32_t)any : 0xffffffffu;")
		}
		g.p("}")
	}

	// The spill: when the threads of a block reach different barriers (or
	// some exited), their state goes into frames for the general
	// scheduler, as the step function would have left it.
	g.p("static void %s_wil_spill(shal_thr* T, shal_block* B, const %s_wctx* C) {", base, base)
	g.p("  uint8_t* const SHB = T->sh;")
	g.p("  const uint8_t* const ARGS = T->args;")
	g.p("  uint8_t* const LOC = (uint8_t*)0;")
	g.p("  (void)SHB; (void)ARGS; (void)LOC;")
	g.p("  const uint32_t nx = T->ntid.x, ny = T->ntid.y, nz = T->ntid.z;")
	g.p("  (void)nx; (void)ny; (void)nz;")
	g.p("  %s", wilBlockLocals)
	g.p("  memset(B->arrived, 0, sizeof B->arrived);")
	g.p("  for (size_t t = 0; t < B->nthreads; t++) {")
	g.p("    shal_set_thread(T, (uint32_t)t);")
	g.p("    const uint32_t tx = T->tid.x, ty = T->tid.y, tz = T->tid.z;")
	g.p("    (void)tx; (void)ty; (void)tz;")
	g.p("    %s_frame* F = (%s_frame*)SHAL_FRAME(B, t);", base, base)
	if oneStop {
		g.p("    const uint32_t k = C->nx[t] ? C->nxk : 0;")
	} else {
		g.p("    const uint32_t k = C->nx[t];")
	}
	g.p("    F->h.resume = k;")
	g.p("    F->h.sp = k;")
	g.p("    if (k == 0) { F->h.state = SHAL_EXITED; continue; }")
	g.p("    F->h.state = SHAL_WAIT_BAR;")
	g.p("    F->h.op = SHAL_B_SYNC;")
	g.p("    F->h.count = 0;")
	g.p("    switch (k) {")
	for k, c := range fe.cuts {
		g.p("    case %d: {", k+1)
		g.p("      F->h.bar = %du;", c.in.Args[0].Imm&15)
		for _, r := range c.restored {
			g.p("      %s %s = 0;", vt(r.Type), fe.reg(r))
		}
		// Operands of recomputed registers are declared as they come.
		var rm []*ptx.Reg
		for _, r := range c.restored {
			switch {
			case fe.rematAt(r, c):
				rm = append(rm, r)
			case fe.uniformRegs[r]:
				g.p("      %s = C->%s;", fe.reg(r), fe.uslotName(r, "U_"))
			default:
				g.p("      %s = C->%s[t];", fe.reg(r), fe.ctxName(r))
			}
		}
		fe.indent = 3
		dec := map[*ptx.Reg]bool{}
		for _, r := range c.restored {
			dec[r] = true
		}
		var deps []*ptx.Reg
		seen := map[*ptx.Reg]bool{}
		var visit func(r *ptx.Reg)
		visit = func(r *ptx.Reg) {
			if seen[r] {
				return
			}
			seen[r] = true
			fe.remat[r].Uses(visit)
			if !dec[r] {
				deps = append(deps, r)
			}
		}
		for _, r := range rm {
			visit(r)
		}
		for _, r := range deps {
			g.p("      %s %s = 0;", vt(r.Type), fe.reg(r))
		}
		fe.rematCode(rm)
		g.out.WriteString(fe.b.String())
		fe.b.Reset()
		for _, r := range c.restored {
			g.p("      F->%s = %s;", fe.reg(r), fe.reg(r))
		}
		g.p("      break;")
		g.p("    }")
	}
	g.p("    default: __builtin_unreachable();")
	g.p("    }")
	g.p("  }")
	g.p("}")

	// The runner: 1 when the block finished or faulted, 0 when the general
	// scheduler must take it over (the frames are ready for it).
	g.p("static int %s_wil_run(shal_thr* T, shal_block* B, %s_wctx* C) {", base, base)
	g.p("  uint32_t r = 0;")
	if oneStop {
		// Every thread alive: only the threads that exit clear theirs.
		g.p("  memset(C->nx, 1, T->nthreads);")
	}
	g.p("  for (;;) {")
	g.p("    uint32_t n;")
	g.p("    switch (r) {")
	for k := 0; k <= len(fe.cuts); k++ {
		g.p("    case %d: n = %s_wil%d(T, C); break;", k, base, k)
	}
	g.p("    default: __builtin_unreachable();")
	g.p("    }")
	g.p("    if (SHAL_UNLIKELY(T->fault)) return 1;")
	g.p("    if (n == 0) return 1;")
	g.p("    if (SHAL_UNLIKELY(n == 0xffffffffu)) { %s_wil_spill(T, B, C); return 0; }", base)
	g.p("    r = n;")
	g.p("  }")
	g.p("}")
	return fe
}

// wilBlockLocals are the block's indices and the grid's size as locals of
// the work-item loops' functions (wilSReg).
const wilBlockLocals = "const uint32_t bx = T->ctaid.x, by = T->ctaid.y, bz = T->ctaid.z, gx = T->nctaid.x, gy = T->nctaid.y, gz = T->nctaid.z; " +
	"(void)bx; (void)by; (void)bz; (void)gx; (void)gy; (void)gz;"

// pureOps are the operations whose results are a function of their
// operands alone (the carry forms, which read the thread's carry flag,
// are not among them).
var pureOps = map[string]bool{
	"add": true, "sub": true, "mul": true, "mad": true, "mul24": true, "mad24": true, "sad": true,
	"div": true, "rem": true, "abs": true, "neg": true, "min": true, "max": true, "popc": true,
	"clz": true, "bfind": true, "fns": true, "brev": true, "bfe": true, "bfi": true, "dp4a": true,
	"dp2a": true, "and": true, "or": true, "xor": true, "not": true, "cnot": true, "lop3": true,
	"shf": true, "shl": true, "shr": true, "prmt": true, "mov": true, "cvt": true, "cvta": true,
	"setp": true, "selp": true, "set": true, "slct": true, "testp": true, "copysign": true,
	"fma": true, "rcp": true, "sqrt": true, "rsqrt": true, "sin": true, "cos": true, "lg2": true,
	"ex2": true, "tanh": true, "isspacep": true,
}

// uniformSRegs are the special registers with one value per block.
var uniformSRegs = map[ptx.SReg]bool{
	ptx.SRegNTid: true, ptx.SRegCtaid: true, ptx.SRegNCtaid: true, ptx.SRegNWarpid: true,
	ptx.SRegClusterid: true, ptx.SRegNClusterid: true,
}

// findUniform returns the registers that hold one value for all threads
// of a block at any point all of them reach together (a divergence
// analysis): every definition is a pure operation (or a load of a kernel
// parameter) of such registers, constants, symbols and the block's
// indices and sizes, unguarded or guarded by such a register, in a block
// that no branch on a thread-dependent condition decides whether (or how
// often) it runs: a block control-dependent on such a branch (it lies
// between the branch and the branch's immediate post-dominator, loops
// with such an exit included) makes its definitions thread-dependent.
// It also returns these thread-dependent blocks.
func (fe *fnEmitter) findUniform() (map[*ptx.Reg]bool, map[*ptx.Block]bool) {
	div := map[*ptx.Reg]bool{}
	divBlock := map[*ptx.Block]bool{}
	divergentDef := func(in *ptx.Inst) bool {
		if divBlock[in.Block] || in.Block == nil || !in.Block.Reachable {
			return true
		}
		if in.Guard != nil && div[in.Guard] {
			return true
		}
		if in.Op == "ld" {
			a := in.Args[1]
			return in.Space != ptx.SpaceParam || in.Has(ptx.FlagVolatile) || a.Kind != ptx.OpdAddr || a.Reg != nil ||
				a.Var == nil || !fe.isKernelParam(a.Var) || in.Vec > 1
		}
		if !pureOps[in.Op] || in.Op == "call" {
			return true
		}
		d := false
		for _, o := range in.Args[1:] {
			walkOperand(o, func(x *ptx.Operand) {
				switch x.Kind {
				case ptx.OpdReg:
					if div[x.Reg] {
						d = true
					}
				case ptx.OpdSReg:
					if !uniformSRegs[x.SReg] {
						d = true
					}
				}
			})
		}
		return d
	}
	for changed := true; changed; {
		changed = false
		// Branches on thread-dependent conditions make the blocks they
		// control thread-dependent.
		for _, blk := range fe.cfg.Blocks {
			last := blk.Last()
			if last == nil || !blk.Reachable {
				continue
			}
			divergent := false
			switch {
			case last.Op == "bra" && last.Guard != nil:
				divergent = div[last.Guard]
			case last.Op == "brx":
				walkOperand(last.Args[0], func(x *ptx.Operand) {
					if x.Kind == ptx.OpdReg && div[x.Reg] || x.Kind == ptx.OpdSReg && !uniformSRegs[x.SReg] {
						divergent = true
					}
				})
			}
			if !divergent {
				continue
			}
			for _, s := range blk.Succs {
				for y := s; y != nil && y != blk.IPDom; y = y.IPDom {
					if !divBlock[y] {
						divBlock[y] = true
						changed = true
					}
				}
			}
		}
		for _, in := range fe.f.Body {
			if !divergentDef(in) {
				continue
			}
			in.Defs(func(r *ptx.Reg) {
				if !div[r] {
					div[r] = true
					changed = true
				}
			})
		}
	}
	out := map[*ptx.Reg]bool{}
	for _, in := range fe.f.Body {
		in.Defs(func(r *ptx.Reg) {
			if !div[r] {
				out[r] = true
			}
		})
	}
	return out, divBlock
}
