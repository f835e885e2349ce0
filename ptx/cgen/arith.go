package cgen

import (
	"fmt"

	"github.com/streamhal/streamhal/ptx"
)

// half reports the 16-bit float types and their pairs.
func half(t ptx.Type) bool {
	return t == ptx.F16 || t == ptx.BF16 || t == ptx.F16x2 || t == ptx.BF16x2
}

func halfPrefix(t ptx.Type) string {
	if t == ptx.BF16 || t == ptx.BF16x2 {
		return "bf"
	}
	return "h"
}

// ftzIn applies .ftz to an f32 input.
func (fe *fnEmitter) fin(in *ptx.Inst, e string) string {
	if in.Type() == ptx.F32 && in.Has(ptx.FlagFTZ) {
		return "shal_ftz(" + e + ")"
	}
	return e
}

// fout applies .ftz and .sat to an f32/f64 result.
func (fe *fnEmitter) fout(in *ptx.Inst, e string) string {
	t := in.Type()
	if t == ptx.F32 && in.Has(ptx.FlagFTZ) {
		e = "shal_ftz(" + e + ")"
	}
	if in.Has(ptx.FlagSat) {
		if t == ptx.F32 {
			e = "shal_sat(" + e + ")"
		} else if t == ptx.F64 {
			e = "shal_satd(" + e + ")"
		}
	}
	return e
}

func (fe *fnEmitter) fa(in *ptx.Inst, i int) string { return fe.fin(in, fe.a(in, i)) }

// halfOp builds a 16-bit float operation (and its pair form).
func (fe *fnEmitter) halfOp(in *ptx.Inst, t ptx.Type, fn string, args []string, extra string) string {
	p := halfPrefix(t)
	mode := "FE_TONEAREST"
	if in.Rnd == ptx.RZ {
		mode = "FE_TOWARDZERO"
	}
	if extra == "" {
		extra = mode
	}
	post := func(e string) string {
		if in.Has(ptx.FlagFTZ) && p == "h" {
			e = "shal_hftz(" + e + ")"
		}
		if in.Has(ptx.FlagSat) {
			e = "shal_hsat(" + e + ")"
		}
		if in.Has(ptx.FlagRelu) {
			e = "shal_" + p + "relu(" + e + ")"
		}
		return e
	}
	pre := func(e string) string {
		if in.Has(ptx.FlagFTZ) && p == "h" {
			return "shal_hftz(" + e + ")"
		}
		return e
	}
	one := func(shift string) string {
		var xs []string
		for _, a := range args {
			x := a
			if shift != "" {
				x = fmt.Sprintf("(uint16_t)(%s >> %s)", a, shift)
			} else if t == ptx.F16x2 || t == ptx.BF16x2 {
				x = fmt.Sprintf("(uint16_t)(%s)", a)
			}
			xs = append(xs, pre(x))
		}
		call := fmt.Sprintf("shal_%s%s(", p, fn)
		for i, x := range xs {
			if i > 0 {
				call += ", "
			}
			call += x
		}
		return post(call + ", " + extra + ")")
	}
	if t == ptx.F16x2 || t == ptx.BF16x2 {
		return fmt.Sprintf("((uint32_t)%s | ((uint32_t)%s << 16))", one(""), one("16"))
	}
	return one("")
}

func (fe *fnEmitter) arith(in *ptx.Inst, t ptx.Type) {
	d := in.Args[0]
	switch {
	case half(t):
		fe.halfArith(in, t)
		return
	case t == ptx.U16x2 || t == ptx.S16x2:
		op := "<"
		if in.Op == "max" {
			op = ">"
		}
		st := "uint16_t"
		if t == ptx.S16x2 {
			st = "int16_t"
		}
		a, b := fe.rd(in.Args[1], ptx.B32), fe.rd(in.Args[2], ptx.B32)
		if in.Op == "add" || in.Op == "sub" {
			o := "+"
			if in.Op == "sub" {
				o = "-"
			}
			fe.wr(d, ptx.B32, fmt.Sprintf("((uint32_t)(uint16_t)(%s %s %s) | ((uint32_t)(uint16_t)((%s >> 16) %s (%s >> 16)) << 16))", a, o, b, a, o, b))
			return
		}
		lo := fmt.Sprintf("((%s)%s %s (%s)%s ? (uint16_t)%s : (uint16_t)%s)", st, a, op, st, b, a, b)
		hi := fmt.Sprintf("((%s)(%s >> 16) %s (%s)(%s >> 16) ? (uint16_t)(%s >> 16) : (uint16_t)(%s >> 16))", st, a, op, st, b, a, b)
		e := fmt.Sprintf("((uint32_t)%s | ((uint32_t)%s << 16))", lo, hi)
		if in.Has(ptx.FlagRelu) && t == ptx.S16x2 {
			e = fmt.Sprintf("shal_relu_s16x2(%s)", e)
		}
		fe.wr(d, ptx.B32, e)
		return
	case t == ptx.F32 || t == ptx.F64:
		fe.floatArith(in, t)
		return
	}
	// Integers.
	wu := wideUint(t)
	a := fe.a(in, 1)
	switch in.Op {
	case "abs":
		fe.wr(d, t, fmt.Sprintf("(%s)((%s)%s < 0 ? (%s)0 - %s : %s)", vt(t), sint(t), a, wu, a, a))
		return
	case "neg":
		fe.wr(d, t, fmt.Sprintf("(%s)((%s)0 - %s)", vt(t), wu, a))
		return
	}
	b := fe.a(in, 2)
	switch in.Op {
	case "add", "sub":
		op := "+"
		if in.Op == "sub" {
			op = "-"
		}
		if in.Has(ptx.FlagCC) {
			fe.usesCC = true
			w := "uint64_t"
			if t.Size() == 8 {
				w = "unsigned __int128"
			}
			tmp := fe.newTmp()
			if in.Op == "add" {
				fe.line("{ %s %s = (%s)%s + %s; CC = (uint32_t)(%s >> %d); %s", w, tmp, w, a, b, tmp, bitsOf(t), "")
			} else {
				fe.line("{ %s %s = (%s)%s - %s; CC = %s < %s; %s", w, tmp, w, a, b, a, b, "")
			}
			fe.indent++
			fe.wr(d, t, fmt.Sprintf("(%s)%s", vt(t), tmp))
			fe.indent--
			fe.line("}")
			return
		}
		if in.Has(ptx.FlagSat) && t == ptx.S32 {
			fe.wr(d, t, fmt.Sprintf("shal_%s_sat_s32(%s, %s)", in.Op, a, b))
			return
		}
		fe.wr(d, t, fmt.Sprintf("(%s)((%s)%s %s %s)", vt(t), wu, a, op, b))
	case "mul", "mad":
		var e string
		switch in.Mode {
		case "lo":
			e = fmt.Sprintf("(%s)((%s)%s * %s)", vt(t), wu, a, b)
		case "hi":
			k := "u"
			if t.IsSigned() {
				k = "s"
			}
			e = fmt.Sprintf("shal_mulhi_%s%d(%s, %s)", k, bitsOf(t), a, b)
		case "wide":
			w := wide(t)
			if t.IsSigned() {
				e = fmt.Sprintf("(%s)((%s)(%s)%s * (%s)%s)", vt(w), sint(w), sint(t), a, sint(t), b)
			} else if in.Args[1].Kind == ptx.OpdReg && fe.txAffine(in.Args[1].Reg) {
				e = fmt.Sprintf("(%s * %s)", zextTx(a), b)
			} else {
				e = fmt.Sprintf("((%s)%s * %s)", vt(w), a, b)
			}
			if in.Op == "mad" {
				e = fmt.Sprintf("(%s)(%s + %s)", vt(w), e, fe.rd(in.Args[3], w))
			}
			fe.wr(d, w, e)
			return
		}
		if in.Op == "mad" {
			c := fe.a(in, 3)
			if in.Has(ptx.FlagSat) {
				fe.wr(d, t, fmt.Sprintf("shal_sat_s64_s32((int64_t)(int32_t)%s + (int32_t)%s)", e, c))
				return
			}
			if in.Has(ptx.FlagCC) {
				fe.usesCC = true
				w := "uint64_t"
				if t.Size() == 8 {
					w = "unsigned __int128"
				}
				tmp := fe.newTmp()
				fe.line("{ %s %s = (%s)%s + %s; CC = (uint32_t)(%s >> %d);", w, tmp, w, e, c, tmp, bitsOf(t))
				fe.indent++
				fe.wr(d, t, fmt.Sprintf("(%s)%s", vt(t), tmp))
				fe.indent--
				fe.line("}")
				return
			}
			e = fmt.Sprintf("(%s)((%s)%s + %s)", vt(t), wu, e, c)
		}
		fe.wr(d, t, e)
	case "div", "rem":
		k := "u"
		if t.IsSigned() {
			k = "s"
		}
		fe.wr(d, t, fmt.Sprintf("shal_%s_%s%d(%s, %s)", in.Op, k, bitsOf(t), a, b))
	case "min", "max":
		op := "<"
		if in.Op == "max" {
			op = ">"
		}
		cmp := fmt.Sprintf("%s %s %s", a, op, b)
		if t.IsSigned() {
			cmp = fmt.Sprintf("(%s)%s %s (%s)%s", sint(t), a, op, sint(t), b)
		}
		e := fmt.Sprintf("(%s ? %s : %s)", cmp, a, b)
		if in.Has(ptx.FlagRelu) {
			e = fmt.Sprintf("(%s)((%s)%s < 0 ? 0 : %s)", vt(t), sint(t), e, e)
		}
		fe.wr(d, t, e)
	}
}

func wide(t ptx.Type) ptx.Type {
	switch t {
	case ptx.U16:
		return ptx.U32
	case ptx.S16:
		return ptx.S32
	case ptx.U32:
		return ptx.U64
	case ptx.S32:
		return ptx.S64
	}
	return t
}

func (fe *fnEmitter) floatArith(in *ptx.Inst, t ptx.Type) {
	d := in.Args[0]
	sfx := "f32"
	lit := "f"
	if t == ptx.F64 {
		sfx, lit = "f64", ""
	}
	mode := feModes[in.Rnd]
	op := in.Op
	if op == "mad" {
		op = "fma" // mad.f32/f64 with rounding is fma; without (sm_1x), the same on sm_20+
	}
	switch op {
	case "abs":
		fn := "fabsf"
		if t == ptx.F64 {
			fn = "fabs"
		}
		fe.wr(d, t, fe.fout(in, fmt.Sprintf("%s(%s)", fn, fe.fa(in, 1))))
		return
	case "neg":
		fe.wr(d, t, fe.fout(in, fmt.Sprintf("(-%s)", fe.fa(in, 1))))
		return
	case "min", "max":
		a, b := fe.fa(in, 1), fe.fa(in, 2)
		var e string
		switch {
		case t == ptx.F64:
			e = fmt.Sprintf("shal_d%s(%s, %s)", op, a, b)
		case in.Has(ptx.FlagXorSign):
			e = fmt.Sprintf("shal_f%s_xs(%s, %s, %s)", op, a, b, b2s(in.Has(ptx.FlagNaN)))
		default:
			e = fmt.Sprintf("shal_f%s(%s, %s, %s)", op, a, b, b2s(in.Has(ptx.FlagNaN)))
		}
		if len(in.Args) == 4 { // three-input min/max
			c := fe.fa(in, 3)
			if t == ptx.F64 {
				e = fmt.Sprintf("shal_d%s(%s, %s)", op, e, c)
			} else {
				e = fmt.Sprintf("shal_f%s(%s, %s, %s)", op, e, c, b2s(in.Has(ptx.FlagNaN)))
			}
		}
		fe.wr(d, t, fe.fout(in, e))
		return
	case "rem":
		fe.errorf(in, false, "rem takes integer types")
		return
	}
	a, b := fe.fa(in, 1), fe.fa(in, 2)
	var e string
	switch op {
	case "add", "sub", "mul":
		sym := map[string]string{"add": "+", "sub": "-", "mul": "*"}[op]
		if directed(in.Rnd) {
			e = fmt.Sprintf("shal_r%s_%s(%s, %s, %s)", op, sfx, mode, a, b)
		} else {
			e = fmt.Sprintf("(%s %s %s)", a, sym, b)
		}
	case "fma":
		c := fe.fa(in, 3)
		if directed(in.Rnd) {
			e = fmt.Sprintf("shal_rfma_%s(%s, %s, %s, %s)", sfx, mode, a, b, c)
		} else if t == ptx.F32 {
			e = fmt.Sprintf("fmaf(%s, %s, %s)", a, b, c)
		} else {
			e = fmt.Sprintf("fma(%s, %s, %s)", a, b, c)
		}
	case "div":
		switch {
		case directed(in.Rnd):
			e = fmt.Sprintf("shal_rdiv_%s(%s, %s, %s)", sfx, mode, a, b)
		case in.Has(ptx.FlagApprox) && t == ptx.F32:
			e = fmt.Sprintf("shal_div_approx(%s, %s)", a, b)
		default:
			e = fmt.Sprintf("(%s / %s)", a, b)
		}
	}
	_ = lit
	fe.wr(d, t, fe.fout(in, e))
}

func (fe *fnEmitter) halfArith(in *ptx.Inst, t ptx.Type) {
	d := in.Args[0]
	dt := ptx.B16
	if t == ptx.F16x2 || t == ptx.BF16x2 {
		dt = ptx.B32
	}
	arg := func(i int) string { return fe.rd(in.Args[i], dt) }
	switch in.Op {
	case "add", "sub", "mul":
		fe.wr(d, dt, fe.halfOp(in, t, in.Op, []string{arg(1), arg(2)}, ""))
	case "fma", "mad":
		fe.wr(d, dt, fe.halfOp(in, t, "fma", []string{arg(1), arg(2), arg(3)}, ""))
	case "min", "max":
		nan := b2s(in.Has(ptx.FlagNaN))
		fe.wr(d, dt, fe.halfOp(in, t, in.Op, []string{arg(1), arg(2)}, nan))
	case "abs", "neg":
		halves, inf := 1, "0x7c00u"
		if t == ptx.F16x2 || t == ptx.BF16x2 {
			halves = 2
		}
		if t == ptx.BF16 || t == ptx.BF16x2 {
			inf = "0x7f80u"
		}
		fe.wr(d, dt, fmt.Sprintf("(%s)shal_hsign(%s, %d, %s, %s)", vt(dt), arg(1), halves, inf, b2s(in.Op == "neg")))
	default:
		fe.errorf(in, true, "not supported on .%s", t)
	}
}

// carry writes addc/subc/madc (the carry flag CC is a C local).
func (fe *fnEmitter) carry(in *ptx.Inst, t ptx.Type) {
	fe.usesCC = true
	d := in.Args[0]
	w := "uint64_t"
	if t.Size() == 8 {
		w = "unsigned __int128"
	}
	a, b := fe.a(in, 1), fe.a(in, 2)
	tmp := fe.newTmp()
	switch in.Op {
	case "addc":
		fe.line("{ %s %s = (%s)%s + %s + CC;", w, tmp, w, a, b)
		if in.Has(ptx.FlagCC) {
			fe.line("  CC = (uint32_t)(%s >> %d);", tmp, bitsOf(t))
		}
	case "subc":
		fe.line("{ %s %s = (%s)%s - ((%s)%s + CC);", w, tmp, w, a, w, b)
		if in.Has(ptx.FlagCC) {
			fe.line("  CC = (%s)%s < (%s)%s + CC;", w, a, w, b)
		}
	case "madc":
		var prod string
		if in.Mode == "hi" {
			k := "u"
			if t.IsSigned() {
				k = "s"
			}
			prod = fmt.Sprintf("shal_mulhi_%s%d(%s, %s)", k, bitsOf(t), a, b)
		} else {
			prod = fmt.Sprintf("(%s)((%s)%s * %s)", vt(t), wideUint(t), a, b)
		}
		fe.line("{ %s %s = (%s)%s + %s + CC;", w, tmp, w, prod, fe.a(in, 3))
		if in.Has(ptx.FlagCC) {
			fe.line("  CC = (uint32_t)(%s >> %d);", tmp, bitsOf(t))
		}
	}
	fe.indent++
	fe.wr(d, t, fmt.Sprintf("(%s)%s", vt(t), tmp))
	fe.indent--
	fe.line("}")
}

func (fe *fnEmitter) unaryFloat(in *ptx.Inst, t ptx.Type) {
	d := in.Args[0]
	if half(t) {
		dt := ptx.B16
		if t == ptx.F16x2 || t == ptx.BF16x2 {
			dt = ptx.B32
		}
		fn := map[string]string{"ex2": "exp2f", "tanh": "tanhf"}[in.Op]
		p := halfPrefix(t)
		one := func(x string) string {
			if in.Has(ptx.FlagFTZ) && p == "h" {
				x = "shal_hftz(" + x + ")"
			}
			r := fmt.Sprintf("shal_f2%s(%s(shal_%s2f(%s)), FE_TONEAREST)", map[string]string{"h": "h", "bf": "bf"}[p], fn, p, x)
			if in.Has(ptx.FlagFTZ) && p == "h" {
				r = "shal_hftz(" + r + ")"
			}
			return r
		}
		a := fe.rd(in.Args[1], dt)
		if dt == ptx.B32 {
			fe.wr(d, dt, fmt.Sprintf("((uint32_t)%s | ((uint32_t)%s << 16))", one("(uint16_t)"+a), one("(uint16_t)("+a+" >> 16)")))
		} else {
			fe.wr(d, dt, one(a))
		}
		return
	}
	a := fe.fa(in, 1)
	f64 := t == ptx.F64
	sfx := "f32"
	if f64 {
		sfx = "f64"
	}
	var e string
	switch in.Op {
	case "rcp":
		switch {
		case directed(in.Rnd):
			e = fmt.Sprintf("shal_rrcp_%s(%s, %s)", sfx, feModes[in.Rnd], a)
		case f64:
			e = fmt.Sprintf("(1.0 / %s)", a)
		default:
			e = fmt.Sprintf("(1.0f / %s)", a)
		}
	case "sqrt":
		switch {
		case directed(in.Rnd):
			e = fmt.Sprintf("shal_rsqrt_%s(%s, %s)", sfx, feModes[in.Rnd], a)
		case f64:
			e = fmt.Sprintf("sqrt(%s)", a)
		default:
			e = fmt.Sprintf("sqrtf(%s)", a)
		}
	case "rsqrt":
		if f64 {
			e = fmt.Sprintf("(1.0 / sqrt(%s))", a)
		} else {
			e = fmt.Sprintf("(float)(1.0 / sqrt((double)%s))", a)
		}
	case "sin":
		e = fmt.Sprintf("sinf(%s)", a)
	case "cos":
		e = fmt.Sprintf("cosf(%s)", a)
	case "lg2":
		e = fmt.Sprintf("log2f(%s)", a)
	case "ex2":
		e = fmt.Sprintf("exp2f(%s)", a)
	case "tanh":
		e = fmt.Sprintf("tanhf(%s)", a)
	}
	fe.wr(d, t, fe.fout(in, e))
}

var cmpCodes = map[ptx.Cmp]int{ptx.EQ: 1, ptx.NE: 2, ptx.LT: 3, ptx.LE: 4, ptx.GT: 5, ptx.GE: 6,
	ptx.EQU: 11, ptx.NEU: 12, ptx.LTU: 13, ptx.LEU: 14, ptx.GTU: 15, ptx.GEU: 16, ptx.NUM: 17, ptx.NAN: 18}

// compare is the C condition "a cmp b" for operands of type t.
func (fe *fnEmitter) compare(in *ptx.Inst, cmp ptx.Cmp, t ptx.Type, a, b string) string {
	switch {
	case t == ptx.F32 || t == ptx.F64 || half(t):
		if t == ptx.F32 && in.Has(ptx.FlagFTZ) {
			a, b = "shal_ftz("+a+")", "shal_ftz("+b+")"
		}
		switch cmp {
		case ptx.EQ:
			return fmt.Sprintf("(%s == %s)", a, b)
		case ptx.LT:
			return fmt.Sprintf("(%s < %s)", a, b)
		case ptx.LE:
			return fmt.Sprintf("(%s <= %s)", a, b)
		case ptx.GT:
			return fmt.Sprintf("(%s > %s)", a, b)
		case ptx.GE:
			return fmt.Sprintf("(%s >= %s)", a, b)
		}
		return fmt.Sprintf("shal_fcmp(%s, %s, %d)", a, b, cmpCodes[cmp])
	}
	signed := t.IsSigned()
	var op string
	switch cmp {
	case ptx.EQ:
		op = "=="
	case ptx.NE:
		op = "!="
	case ptx.LT, ptx.LO:
		op = "<"
	case ptx.LE, ptx.LS:
		op = "<="
	case ptx.GT, ptx.HI:
		op = ">"
	case ptx.GE, ptx.HS:
		op = ">="
	}
	if cmp == ptx.LO || cmp == ptx.LS || cmp == ptx.HI || cmp == ptx.HS {
		signed = false
	}
	if signed {
		return fmt.Sprintf("((%s)%s %s (%s)%s)", sint(t), a, op, sint(t), b)
	}
	return fmt.Sprintf("(%s %s %s)", a, op, b)
}

func boolOp(op, x, c string) string {
	switch op {
	case "and":
		return fmt.Sprintf("(%s && %s)", x, c)
	case "or":
		return fmt.Sprintf("(%s || %s)", x, c)
	case "xor":
		return fmt.Sprintf("(%s != %s)", x, c)
	}
	return x
}

// halfValues gives the float values of 16-bit operands (lo, hi halves).
func halfValue(t ptx.Type, bits string) string {
	if t == ptx.BF16 || t == ptx.BF16x2 {
		return "shal_bf2f(" + bits + ")"
	}
	return "shal_h2f(" + bits + ")"
}

func (fe *fnEmitter) setp(in *ptx.Inst, t ptx.Type) {
	c := ""
	if len(in.Args) == 4 {
		c = fe.rd(in.Args[3], ptx.Pred)
	}
	if t == ptx.F16x2 || t == ptx.BF16x2 {
		a, b := fe.rd(in.Args[1], ptx.B32), fe.rd(in.Args[2], ptx.B32)
		lo := fe.compare(in, in.Cmp, t, halfValue(t, "(uint16_t)"+a), halfValue(t, "(uint16_t)"+b))
		hi := fe.compare(in, in.Cmp, t, halfValue(t, "(uint16_t)("+a+" >> 16)"), halfValue(t, "(uint16_t)("+b+" >> 16)"))
		fe.wr(in.Args[0], ptx.Pred, boolOp(in.BoolOp, lo, c))
		fe.wr(in.Dst2, ptx.Pred, boolOp(in.BoolOp, hi, c))
		return
	}
	var a, b string
	if half(t) {
		a, b = halfValue(t, fe.rd(in.Args[1], ptx.B16)), halfValue(t, fe.rd(in.Args[2], ptx.B16))
	} else {
		a, b = fe.a(in, 1), fe.a(in, 2)
	}
	tmp := fe.newTmp()
	fe.line("{ int %s = %s;", tmp, fe.wilBound(in, t, fe.compare(in, in.Cmp, t, a, b)))
	fe.indent++
	fe.wr(in.Args[0], ptx.Pred, boolOp(in.BoolOp, tmp, c))
	if in.Dst2 != nil {
		fe.wr(in.Dst2, ptx.Pred, boolOp(in.BoolOp, "!"+tmp, c))
	}
	fe.indent--
	fe.line("}")
}

func (fe *fnEmitter) set(in *ptx.Inst) {
	dt, st := in.Types[0], in.Types[1]
	var a, b string
	if half(st) {
		a, b = halfValue(st, fe.rd(in.Args[1], ptx.B16)), halfValue(st, fe.rd(in.Args[2], ptx.B16))
	} else {
		a, b = fe.rd(in.Args[1], st), fe.rd(in.Args[2], st)
	}
	cond := fe.compare(in, in.Cmp, st, a, b)
	if len(in.Args) == 4 {
		cond = boolOp(in.BoolOp, cond, fe.rd(in.Args[3], ptx.Pred))
	}
	switch dt {
	case ptx.F32:
		fe.wr(in.Args[0], dt, fmt.Sprintf("(%s ? 1.0f : 0.0f)", cond))
	case ptx.F16:
		fe.wr(in.Args[0], ptx.B16, fmt.Sprintf("(uint16_t)(%s ? 0x3c00 : 0)", cond))
	case ptx.BF16:
		fe.wr(in.Args[0], ptx.B16, fmt.Sprintf("(uint16_t)(%s ? 0x3f80 : 0)", cond))
	default:
		fe.wr(in.Args[0], dt, fmt.Sprintf("(%s)(%s ? 0xffffffffu : 0u)", vt(dt), cond))
	}
}
