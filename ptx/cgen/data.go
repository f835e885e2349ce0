package cgen

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

func (fe *fnEmitter) mov(in *ptx.Inst, t ptx.Type) {
	d, s := in.Args[0], in.Args[1]
	switch {
	case d.Kind == ptx.OpdVec: // unpack
		n := len(d.Elems)
		es := t.Size() / n
		et := bitsType(es)
		src := fe.rd(s, t)
		tmp := fe.newTmp()
		fe.line("{ %s %s = %s;", vt(t), tmp, src)
		fe.indent++
		for i, e := range d.Elems {
			fe.wr(e, et, fmt.Sprintf("(%s)(%s >> %d)", vt(et), tmp, 8*es*i))
		}
		fe.indent--
		fe.line("}")
	case s.Kind == ptx.OpdVec: // pack
		n := len(s.Elems)
		es := t.Size() / n
		et := bitsType(es)
		var parts []string
		for i, e := range s.Elems {
			parts = append(parts, fmt.Sprintf("((%s)%s << %d)", vt(t), fe.rd(e, et), 8*es*i))
		}
		fe.wr(d, t, "("+strings.Join(parts, " | ")+")")
	default:
		fe.wr(d, t, fe.rd(s, t))
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

// memType is the may_alias C type for accessing t in memory.
func memType(t ptx.Type) string {
	switch t {
	case ptx.F32:
		return "shal_mf32"
	case ptx.F64:
		return "shal_mf64"
	}
	switch t.Size() {
	case 1:
		return "shal_m8"
	case 2:
		return "shal_m16"
	case 4:
		return "shal_m32"
	}
	return "shal_m64"
}

var orders = map[ptx.Sem]string{ptx.SemRelaxed: "__ATOMIC_RELAXED", ptx.SemAcquire: "__ATOMIC_ACQUIRE",
	ptx.SemRelease: "__ATOMIC_RELEASE", ptx.SemAcqRel: "__ATOMIC_ACQ_REL", ptx.SemSC: "__ATOMIC_SEQ_CST"}

// access builds the C load expression (store statement) of t at address
// a (an uint64_t host address) for in's memory semantics.
func (fe *fnEmitter) loadExpr(in *ptx.Inst, t ptx.Type, a string) string {
	if t == ptx.B128 {
		return fmt.Sprintf("(*(const unsigned __int128*)(uintptr_t)(%s))", a)
	}
	mt := memType(t)
	switch in.Sem {
	case ptx.SemVolatile, ptx.SemMMIO:
		return fmt.Sprintf("SHAL_LDV(%s, %s)", mt, a)
	case ptx.SemRelaxed, ptx.SemAcquire, ptx.SemSC:
		if in.Space != ptx.SpaceShared && in.Space != ptx.SpaceLocal {
			u := vt(t.Unsigned())
			e := fmt.Sprintf("__atomic_load_n((%s*)(uintptr_t)(%s), %s)", u, a, orders[in.Sem])
			return convert(e, t.Unsigned(), t)
		}
	}
	return fmt.Sprintf("SHAL_LD(%s, %s)", mt, a)
}

func (fe *fnEmitter) storeStmt(in *ptx.Inst, t ptx.Type, a, v string) {
	if t == ptx.B128 {
		fe.line("*(unsigned __int128*)(uintptr_t)(%s) = %s;", a, v)
		return
	}
	mt := memType(t)
	switch in.Sem {
	case ptx.SemVolatile, ptx.SemMMIO:
		fe.line("SHAL_STV(%s, %s, %s);", mt, a, v)
		return
	case ptx.SemRelaxed, ptx.SemRelease, ptx.SemSC:
		if in.Space != ptx.SpaceShared && in.Space != ptx.SpaceLocal {
			u := t.Unsigned()
			fe.line("__atomic_store_n((%s*)(uintptr_t)(%s), %s, %s);", vt(u), a, convert(v, t, u), orders[in.Sem])
			return
		}
	}
	fe.line("SHAL_ST(%s, %s, %s);", mt, a, v)
}

// polls reports whether in may be polling memory that other blocks write:
// a volatile, relaxed or acquire load (beyond the block) or an exchange or
// compare-and-swap, on global or generic addresses. Such loops wait for
// other blocks, so they yield and watch for an aborted launch (SHAL_POLL).
func polls(in *ptx.Inst) bool {
	switch in.Space {
	case ptx.SpaceShared, ptx.SpaceLocal, ptx.SpaceParam, ptx.SpaceConst:
		return false
	}
	switch in.Op {
	case "ld":
		switch in.Sem {
		case ptx.SemVolatile, ptx.SemMMIO:
			return true
		case ptx.SemRelaxed, ptx.SemAcquire, ptx.SemSC:
			return in.Scope != ptx.ScopeCTA
		}
	case "atom":
		return in.AtomOp == "cas" || in.AtomOp == "exch"
	}
	return false
}

// poll writes the SHAL_POLL check after an instruction that polls.
func (fe *fnEmitter) poll(in *ptx.Inst) {
	if polls(in) {
		fe.line("if (SHAL_POLL(T)) %s", fe.faultExit())
	}
}

func (fe *fnEmitter) load(in *ptx.Inst, t ptx.Type) {
	defer fe.poll(in)
	addr := fe.hostAddr(in.Args[1], in.Space)
	if in.Vec == 1 {
		fe.wr(in.Args[0], t, fe.loadExpr(in, t, addr))
		return
	}
	tmp := fe.newTmp()
	fe.line("{ uint64_t %s = %s;", tmp, addr)
	fe.indent++
	// Load every element before writing any register: a destination may
	// also be the address register.
	var vals []string
	for i := range in.Args[0].Elems {
		v := fe.newTmp()
		fe.line("%s %s = %s;", vt(t), v, fe.loadExpr(in, t, fmt.Sprintf("%s + %d", tmp, i*t.Size())))
		vals = append(vals, v)
	}
	for i, e := range in.Args[0].Elems {
		fe.wr(e, t, vals[i])
	}
	fe.indent--
	fe.line("}")
}

func (fe *fnEmitter) store(in *ptx.Inst, t ptx.Type) {
	addr := fe.hostAddr(in.Args[0], in.Space)
	if in.Vec == 1 {
		fe.storeStmt(in, t, addr, fe.rd(in.Args[1], t))
		return
	}
	tmp := fe.newTmp()
	fe.line("{ uint64_t %s = %s;", tmp, addr)
	fe.indent++
	for i, e := range in.Args[1].Elems {
		fe.storeStmt(in, t, fmt.Sprintf("%s + %d", tmp, i*t.Size()), fe.rd(e, t))
	}
	fe.indent--
	fe.line("}")
}

func (fe *fnEmitter) cvta(in *ptx.Inst, t ptx.Type) {
	a := fe.rd(in.Args[1], t)
	var base string
	switch in.Space {
	case ptx.SpaceShared:
		fe.usesShared = true
		base = "(uint64_t)(uintptr_t)" + fe.tsh()
	case ptx.SpaceLocal:
		base = "(uint64_t)(uintptr_t)LOC"
	default:
		// Global, constant and parameter addresses are host addresses.
		fe.wr(in.Args[0], t, a)
		return
	}
	if in.Has(ptx.FlagTo) {
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)((uint64_t)%s - %s)", vt(t), a, base))
	} else {
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)(%s + (uint64_t)%s)", vt(t), base, a))
	}
}

// cvt converts between types with PTX's rounding and saturation rules.
func (fe *fnEmitter) cvt(in *ptx.Inst) {
	dt, st := in.Types[0], in.Types[1]
	d := in.Args[0]
	if dt == ptx.F16x2 || dt == ptx.BF16x2 {
		p := "h"
		if dt == ptx.BF16x2 {
			p = "bf"
		}
		mode := "FE_TONEAREST"
		if in.Rnd == ptx.RZ {
			mode = "FE_TOWARDZERO"
		}
		one := func(x string) string {
			e := fmt.Sprintf("shal_f2%s(%s, %s)", p, x, mode)
			if in.Has(ptx.FlagRelu) {
				e = fmt.Sprintf("shal_%srelu(%s)", p, e)
			}
			if in.Has(ptx.FlagSatFinite) {
				e = fmt.Sprintf("shal_%ssatfinite(%s)", p, e)
			}
			return e
		}
		a, b := fe.rd(in.Args[1], ptx.F32), fe.rd(in.Args[2], ptx.F32)
		// a goes to the upper half, b to the lower.
		fe.wr(d, ptx.B32, fmt.Sprintf("((uint32_t)%s | ((uint32_t)%s << 16))", one(b), one(a)))
		return
	}
	src := fe.rd(in.Args[1], st)
	ftz := in.Has(ptx.FlagFTZ)
	sat := in.Has(ptx.FlagSat)
	// Source as a C value: halves become float.
	var x string
	switch st {
	case ptx.F16:
		x = "shal_h2f(" + src + ")"
		if ftz {
			x = "shal_h2f(shal_hftz(" + src + "))"
		}
	case ptx.BF16:
		x = "shal_bf2f(" + src + ")"
	case ptx.F32:
		x = src
		if ftz {
			x = "shal_ftz(" + x + ")"
		}
	default:
		x = src
	}
	sFloat := st.IsFloat()
	switch {
	case dt.IsInt() && sFloat:
		fsfx := "f32"
		if st == ptx.F64 {
			fsfx = "f64"
		}
		rnd := map[ptx.Rounding]string{ptx.RNI: "rni", ptx.RZI: "rzi", ptx.RMI: "rmi", ptx.RPI: "rpi"}[in.Rnd]
		fe.wr(d, dt, fmt.Sprintf("(%s)shal_%s%s_%s(%s)", vt(dt), fsfx, rnd, dt, x))
	case dt.IsInt() && st.IsInt():
		e := x
		if sat {
			e = satInt(x, st, dt)
		}
		if st.IsSigned() && dt.Size() > st.Size() {
			e = fmt.Sprintf("(%s)(%s)(%s)", vt(dt), sint(st), e)
		} else {
			e = fmt.Sprintf("(%s)(%s)", vt(dt), e)
		}
		fe.wr(d, dt, e)
	case dt.IsFloat() && !sFloat:
		// Integer to float.
		var val string // exact source value as int64/uint64
		if st.IsSigned() {
			val = fmt.Sprintf("(int64_t)(%s)%s", sint(st), x)
		} else {
			val = fmt.Sprintf("(uint64_t)%s", x)
		}
		sgn := "u64"
		if st.IsSigned() {
			sgn = "s64"
		}
		var e string
		switch dt {
		case ptx.F32:
			if directed(in.Rnd) {
				e = fmt.Sprintf("shal_rcvt_%s_f32(%s, %s)", sgn, feModes[in.Rnd], val)
			} else {
				e = fmt.Sprintf("(float)%s", val)
			}
		case ptx.F64:
			if directed(in.Rnd) {
				e = fmt.Sprintf("shal_rcvt_%s_f64(%s, %s)", sgn, feModes[in.Rnd], val)
			} else {
				e = fmt.Sprintf("(double)%s", val)
			}
		case ptx.F16, ptx.BF16:
			// Exact in double for up to 53 bits; 64-bit values rounded
			// twice could differ in the last place: round via a long double
			// free path: integers beyond 2^53 overflow f16 anyway, and for
			// bf16 the double rounding error is below its precision except
			// at exact ties, which do not occur for values >= 2^53 with
			// fewer than 8 significant bits... use the directed helper.
			p := "h"
			if dt == ptx.BF16 {
				p = "bf"
			}
			e = fmt.Sprintf("shal_d2%s((double)%s, %s)", p, val, feModes[in.Rnd])
			fe.wr(d, ptx.B16, fe.halfPost(in, dt, e))
			return
		}
		if sat {
			e = fmt.Sprintf("shal_sat%s(%s)", map[ptx.Type]string{ptx.F32: "", ptx.F64: "d"}[dt], e)
		}
		fe.wr(d, dt, e)
	default:
		// Float to float.
		var e string
		switch {
		case dt == ptx.F16 || dt == ptx.BF16:
			p := "h"
			if dt == ptx.BF16 {
				p = "bf"
			}
			if st == dt && in.Rnd.IsInt() {
				e = fmt.Sprintf("shal_d2%s(%s((double)%s), FE_TONEAREST)", p, intRound(in.Rnd, true), x)
			} else if st == dt {
				e = src
			} else {
				mode := feModes[in.Rnd]
				if mode == "" {
					mode = "FE_TONEAREST"
				}
				e = fmt.Sprintf("shal_d2%s((double)%s, %s)", p, x, mode)
			}
			fe.wr(d, ptx.B16, fe.halfPost(in, dt, e))
			return
		case dt == ptx.F32 && st == ptx.F64:
			if directed(in.Rnd) {
				e = fmt.Sprintf("shal_rcvt_f64_f32(%s, %s)", feModes[in.Rnd], x)
			} else {
				e = fmt.Sprintf("(float)%s", x)
			}
		case dt == ptx.F32:
			if in.Rnd.IsInt() {
				e = fmt.Sprintf("%sf(%s)", intRound(in.Rnd, false), x)
			} else {
				e = x
			}
		case dt == ptx.F64:
			if in.Rnd.IsInt() {
				e = fmt.Sprintf("%s((double)%s)", intRound(in.Rnd, false), x)
			} else {
				e = fmt.Sprintf("(double)%s", x)
			}
		}
		if dt == ptx.F32 && ftz {
			e = "shal_ftz(" + e + ")"
		}
		if sat {
			if dt == ptx.F32 {
				e = "shal_sat(" + e + ")"
			} else {
				e = "shal_satd(" + e + ")"
			}
		}
		fe.wr(d, dt, e)
	}
}

func (fe *fnEmitter) halfPost(in *ptx.Inst, dt ptx.Type, e string) string {
	p := "h"
	if dt == ptx.BF16 {
		p = "bf"
	}
	if in.Has(ptx.FlagFTZ) && p == "h" {
		e = "shal_hftz(" + e + ")"
	}
	if in.Has(ptx.FlagSat) {
		e = fmt.Sprintf("shal_%ssat(%s)", p, e)
	}
	if in.Has(ptx.FlagRelu) {
		e = fmt.Sprintf("shal_%srelu(%s)", p, e)
	}
	if in.Has(ptx.FlagSatFinite) {
		e = fmt.Sprintf("shal_%ssatfinite(%s)", p, e)
	}
	return e
}

func intRound(r ptx.Rounding, double bool) string {
	switch r {
	case ptx.RNI:
		return "nearbyint"
	case ptx.RZI:
		return "trunc"
	case ptx.RMI:
		return "floor"
	}
	return "ceil"
}

// satInt clamps integer x of type st to the range of dt (cvt.sat).
func satInt(x string, st, dt ptx.Type) string {
	var v string
	if st.IsSigned() {
		v = fmt.Sprintf("(int64_t)(%s)%s", sint(st), x)
	} else {
		v = fmt.Sprintf("(uint64_t)%s", x)
	}
	bits := bitsOf(dt)
	if dt.IsSigned() {
		lo := fmt.Sprintf("INT%d_MIN", bits)
		hi := fmt.Sprintf("INT%d_MAX", bits)
		if st.IsSigned() {
			return fmt.Sprintf("(%s < %s ? %s : %s > %s ? %s : %s)", v, lo, lo, v, hi, hi, v)
		}
		return fmt.Sprintf("(%s > (uint64_t)%s ? (uint64_t)%s : %s)", v, hi, hi, v)
	}
	hi := fmt.Sprintf("UINT%d_MAX", bits)
	if st.IsSigned() {
		return fmt.Sprintf("(%s < 0 ? 0 : (uint64_t)%s > (uint64_t)%s ? (uint64_t)%s : (uint64_t)%s)", v, v, hi, hi, v)
	}
	return fmt.Sprintf("(%s > (uint64_t)%s ? (uint64_t)%s : %s)", v, hi, hi, v)
}

var atomOrders = map[ptx.Sem]string{ptx.SemNone: "__ATOMIC_RELAXED", ptx.SemRelaxed: "__ATOMIC_RELAXED",
	ptx.SemAcquire: "__ATOMIC_ACQUIRE", ptx.SemRelease: "__ATOMIC_RELEASE", ptx.SemAcqRel: "__ATOMIC_ACQ_REL", ptx.SemSC: "__ATOMIC_SEQ_CST"}

// atom writes atom and red: __atomic builtins (CAS loops where C has no
// operation). On .shared addresses a plain read-modify-write would do
// (one OS thread runs a block), but the builtins cost little and stay
// right for generic addresses too.
func (fe *fnEmitter) atom(in *ptx.Inst, t ptx.Type) {
	ai, vi := 1, 2
	if in.Op == "red" {
		ai, vi = 0, 1
	}
	addr := fe.hostAddr(in.Args[ai], in.Space)
	v := fe.rd(in.Args[vi], t)
	order := atomOrders[in.Sem]
	ut := vt(t.Unsigned())
	p := fmt.Sprintf("(%s*)(uintptr_t)(%s)", ut, addr)
	var e string
	bits := bitsOf(t)
	switch in.AtomOp {
	case "add":
		switch t {
		case ptx.F32:
			e = fmt.Sprintf("shal_atom_add_f32((uintptr_t)(%s), %s, %s)", addr, v, order)
		case ptx.F64:
			e = fmt.Sprintf("shal_atom_add_f64((uintptr_t)(%s), %s, %s)", addr, v, order)
		default:
			e = fmt.Sprintf("__atomic_fetch_add(%s, %s, %s)", p, v, order)
		}
	case "and", "or", "xor":
		e = fmt.Sprintf("__atomic_fetch_%s(%s, %s, %s)", in.AtomOp, p, v, order)
	case "exch":
		e = fmt.Sprintf("__atomic_exchange_n(%s, %s, %s)", p, v, order)
	case "cas":
		e = fmt.Sprintf("shal_atom_cas_%d((uintptr_t)(%s), %s, %s, %s)", bits, addr, v, fe.rd(in.Args[3], t), order)
	case "min", "max":
		k := "u"
		if t.IsSigned() {
			k = "s"
		}
		e = fmt.Sprintf("(%s)shal_atom_%s_%s%d((uintptr_t)(%s), (%s)%s, %s)", ut, in.AtomOp, k, bits, addr, map[bool]string{true: sint(t), false: ut}[t.IsSigned()], v, order)
	case "inc", "dec":
		e = fmt.Sprintf("shal_atom_%s_u32((uintptr_t)(%s), %s, %s)", in.AtomOp, addr, v, order)
	}
	if in.Op == "red" {
		fe.line("(void)%s;", e)
		return
	}
	fe.wr(in.Args[0], t, e)
	fe.poll(in)
}

// cpAsync copies synchronously (commit/wait are then no-ops).
func (fe *fnEmitter) cpAsync(in *ptx.Inst) {
	dst := fe.hostAddr(in.Args[0], ptx.SpaceShared)
	src := fe.hostAddr(in.Args[1], ptx.SpaceGlobal)
	size := in.Args[2].Imm
	srcSize := fmt.Sprint(size)
	if len(in.Args) >= 4 {
		o := in.Args[3]
		if o.Kind == ptx.OpdReg && o.Reg.Type == ptx.Pred {
			srcSize = fmt.Sprintf("(%s ? 0u : %du)", fe.rd(o, ptx.Pred), size)
		} else if !(in.Has(ptx.FlagL2) && len(in.Args) == 4) {
			srcSize = fmt.Sprintf("(%s < %du ? %s : %du)", fe.rd(o, ptx.U32), size, fe.rd(o, ptx.U32), size)
		}
	}
	tmp := fe.newTmp()
	fe.line("{ uint32_t %s = %s;", tmp, srcSize)
	fe.line("  memcpy((void*)(uintptr_t)(%s), (const void*)(uintptr_t)(%s), %s);", dst, src, tmp)
	fe.line("  memset((uint8_t*)(uintptr_t)(%s) + %s, 0, %d - %s); }", dst, tmp, size, tmp)
}

// call writes a direct or indirect call: each .param argument and return
// value is passed as a pointer to its bytes.
func (fe *fnEmitter) call(in *ptx.Inst) {
	var params, rets []*ptx.Var
	if in.Callee != nil {
		params, rets = in.Callee.Params, in.Callee.Rets
	} else {
		params, rets = in.Proto.Params, in.Proto.Rets
	}
	var args []string
	var pre, post []string
	bufFor := func(o *ptx.Operand, want *ptx.Var, ret bool) string {
		if o.Kind == ptx.OpdSym && o.Var != nil {
			return fe.paramBase(o.Var)
		}
		tmp := fe.newTmp()
		pre = append(pre, fmt.Sprintf("uint8_t %s[%d] __attribute__((aligned(16)));", tmp, max(want.Size, 8)))
		if ret {
			post = append(post, "") // placeholder: written below
		} else {
			pre = append(pre, fmt.Sprintf("SHAL_ST(%s, %s, %s);", memType(want.Type), tmp, fe.rd(o, want.Type)))
		}
		return tmp
	}
	if a := ptx.CallArgs(in); a != nil {
		for i, o := range a.Elems {
			args = append(args, bufFor(o, params[i], false))
		}
	}
	type retCopy struct {
		o   *ptx.Operand
		buf string
		t   ptx.Type
	}
	var copies []retCopy
	if r := ptx.CallRets(in); r != nil {
		for i, o := range r.Elems {
			buf := bufFor(o, rets[i], true)
			args = append(args, buf)
			if o.Kind != ptx.OpdSym {
				copies = append(copies, retCopy{o, buf, rets[i].Type})
			}
		}
	}
	var target string
	if in.Callee != nil {
		target = fe.g.funcName(in.Callee)
	} else {
		target = fmt.Sprintf("((void (*)(%s))(uintptr_t)%s)", funcSignature(len(params), len(rets)), fe.rd(ptx.CallTarget(in), ptx.U64))
		fe.line("if (!%s) { shal_fault(T, SHAL_FAULT_CALL, %d, \"indirect call through a null function pointer\"); %s }", fe.rd(ptx.CallTarget(in), ptx.U64), in.Pos.Line, fe.exitCode())
	}
	fe.line("{")
	fe.indent++
	for _, s := range pre {
		fe.line("%s", s)
	}
	fe.line("%s(%s);", target, strings.Join(append([]string{"T"}, args...), ", "))
	fe.line("if (SHAL_UNLIKELY(T->exit | T->fault)) %s", fe.exitCode())
	for _, c := range copies {
		fe.wr(c.o, c.t, fmt.Sprintf("SHAL_LD(%s, %s)", memType(c.t), c.buf))
	}
	fe.indent--
	fe.line("}")
}
