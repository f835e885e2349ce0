package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Integer arithmetic follows the C translator's semantics, which are the
// hardware's: values are unsigned integers of the type's size, signed
// operations use the signed SPIR-V instructions, and the cases SPIR-V
// leaves undefined are made explicit: shifts by the width or more give 0
// (the sign for shr.s), division and remainder by zero give all ones
// (signed or unsigned, whatever the dividend: the H100's answer),
// INT_MIN/-1 wraps.

// scmp is a signed comparison of two integers of type vt. 64-bit ones
// compare as unsigned with the sign bits flipped: lavapipe (Mesa 22.3)
// gets 64-bit signed comparisons wrong.
func (e *fn) scmp(op spirv.Op, vt, a, b spirv.ID) spirv.ID {
	if vt != e.g.tU64 {
		return e.op(op, e.g.tBool, a, b)
	}
	flip := e.u64(1 << 63)
	a = e.op(spirv.OpBitwiseXor, vt, a, flip)
	b = e.op(spirv.OpBitwiseXor, vt, b, flip)
	u := map[spirv.Op]spirv.Op{spirv.OpSLessThan: spirv.OpULessThan, spirv.OpSLessThanEqual: spirv.OpULessThanEqual,
		spirv.OpSGreaterThan: spirv.OpUGreaterThan, spirv.OpSGreaterThanEqual: spirv.OpUGreaterThanEqual}[op]
	return e.op(u, e.g.tBool, a, b)
}

// a reads in's operand i as the instruction's type.
func (e *fn) a(in *ptx.Inst, i int) spirv.ID { return e.rd(in.Args[i], in.Type()) }

func (e *fn) alu(in *ptx.Inst, t ptx.Type) bool {
	switch in.Op {
	case "add", "sub", "mul", "mad", "fma", "div", "rem", "min", "max", "abs", "neg":
		switch {
		case t == ptx.F32 || t == ptx.F64:
			e.floatArith(in, t)
		case isHalf(t):
			e.halfArith(in, t)
		case t == ptx.U16x2 || t == ptx.S16x2:
			e.pairArith(in, t)
		default:
			e.intArith(in, t)
		}
	case "mul24", "mad24":
		e.mul24(in, t)
	case "sad":
		e.sad(in, t)
	case "popc", "clz", "bfind", "brev", "bfe", "bfi", "fns", "bmsk", "szext":
		e.bits(in, t)
	case "dp4a", "dp2a":
		e.dot(in)
	case "addc", "subc", "madc":
		e.carry(in, t)
	case "and", "or", "xor", "not", "cnot":
		e.logic(in, t)
	case "lop3":
		e.lop3(in)
	case "shf":
		e.shf(in)
	case "shl", "shr":
		d := e.shift(in.Op == "shl", t.IsSigned(), e.vt(t), t.Bits(), e.a(in, 1), e.rd(in.Args[2], ptx.U32))
		e.wr(in.Args[0], t, d)
	case "prmt":
		e.prmt(in)
	case "rcp", "sqrt", "rsqrt", "sin", "cos", "lg2", "ex2", "tanh":
		e.unaryFloat(in, t)
	case "copysign":
		e.copysign(in, t)
	case "testp":
		e.testp(in, t)
	case "setp":
		e.setp(in, t)
	case "set":
		e.set(in)
	case "selp":
		c := e.rd(in.Args[3], ptx.Pred)
		e.wr(in.Args[0], t, e.sel(e.vt(t), c, e.a(in, 1), e.a(in, 2)))
	case "slct":
		e.slct(in, t)
	default:
		return false
	}
	return true
}

// ---- integer arithmetic ----

func (e *fn) ccVar() spirv.ID {
	if e.cc == 0 {
		e.cc = e.tmpVar(e.g.tU32)
	}
	return e.cc
}

func (e *fn) intArith(in *ptx.Inst, t ptx.Type) {
	g := e.g
	d := in.Args[0]
	vt := e.vt(t)
	bits := t.Bits()
	a := e.a(in, 1)
	switch in.Op {
	case "abs":
		neg := e.scmp(spirv.OpSLessThan, vt, a, e.c(vt, 0))
		e.wr(d, t, e.sel(vt, neg, e.op(spirv.OpISub, vt, e.c(vt, 0), a), a))
		return
	case "neg":
		e.wr(d, t, e.op(spirv.OpISub, vt, e.c(vt, 0), a))
		return
	}
	b := e.a(in, 2)
	switch in.Op {
	case "add", "sub":
		if in.Has(ptx.FlagCC) {
			r, carry := e.addCarry(in.Op == "sub", vt, bits, a, b, e.u32(0))
			e.store(e.ccVar(), carry)
			e.wr(d, t, r)
			return
		}
		if in.Has(ptx.FlagSat) && t == ptx.S32 {
			wa := e.op(spirv.OpSConvert, g.tU64, a)
			wb := e.op(spirv.OpSConvert, g.tU64, b)
			op := spirv.OpIAdd
			if in.Op == "sub" {
				op = spirv.OpISub
			}
			e.wr(d, t, e.satS32(e.op(op, g.tU64, wa, wb)))
			return
		}
		op := spirv.OpIAdd
		if in.Op == "sub" {
			op = spirv.OpISub
		}
		e.wr(d, t, e.op(op, vt, a, b))
	case "mul", "mad":
		var p spirv.ID
		switch in.Mode {
		case "hi":
			p = e.mulHi(t.IsSigned(), vt, bits, a, b)
		case "wide":
			w := wideType(t)
			wt := e.vt(w)
			var x, y spirv.ID
			if t.IsSigned() {
				x, y = e.op(spirv.OpSConvert, wt, a), e.op(spirv.OpSConvert, wt, b)
			} else {
				x, y = e.op(spirv.OpUConvert, wt, a), e.op(spirv.OpUConvert, wt, b)
			}
			p = e.op(spirv.OpIMul, wt, x, y)
			if in.Op == "mad" {
				p = e.op(spirv.OpIAdd, wt, p, e.rd(in.Args[3], w))
			}
			e.wr(d, w, p)
			return
		default:
			p = e.op(spirv.OpIMul, vt, a, b)
		}
		if in.Op == "mad" {
			c := e.a(in, 3)
			switch {
			case in.Has(ptx.FlagSat):
				s := e.op(spirv.OpIAdd, g.tU64, e.op(spirv.OpSConvert, g.tU64, p), e.op(spirv.OpSConvert, g.tU64, c))
				e.wr(d, t, e.satS32(s))
				return
			case in.Has(ptx.FlagCC):
				r, carry := e.addCarry(false, vt, bits, p, c, e.u32(0))
				e.store(e.ccVar(), carry)
				e.wr(d, t, r)
				return
			}
			p = e.op(spirv.OpIAdd, vt, p, c)
		}
		e.wr(d, t, p)
	case "div", "rem":
		e.wr(d, t, e.divRem(in.Op == "div", t.IsSigned(), vt, a, b))
	case "min", "max":
		var lt spirv.ID
		if t.IsSigned() {
			lt = e.scmp(spirv.OpSLessThan, vt, a, b)
		} else {
			lt = e.op(spirv.OpULessThan, g.tBool, a, b)
		}
		r := e.sel(vt, lt, a, b)
		if in.Op == "max" {
			r = e.sel(vt, lt, b, a)
		}
		if in.Has(ptx.FlagRelu) {
			r = e.sel(vt, e.scmp(spirv.OpSLessThan, vt, r, e.c(vt, 0)), e.c(vt, 0), r)
		}
		e.wr(d, t, r)
	default:
		e.errorf(in, "not supported on .%s", t)
	}
}

func wideType(t ptx.Type) ptx.Type {
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

// satS32 clamps a 64-bit two's-complement value to the int32 range.
func (e *fn) satS32(s spirv.ID) spirv.ID {
	g := e.g
	lo := e.u64(uint64(0xffffffff80000000))
	hi := e.u64(0x7fffffff)
	s = e.sel(g.tU64, e.scmp(spirv.OpSLessThan, g.tU64, s, lo), lo, s)
	s = e.sel(g.tU64, e.scmp(spirv.OpSGreaterThan, g.tU64, s, hi), hi, s)
	return e.op(spirv.OpUConvert, g.tU32, s)
}

// addCarry computes a+b+cin (or a-(b+cin)) and the carry (borrow) out as
// a u32 0 or 1.
func (e *fn) addCarry(sub bool, vt spirv.ID, bits int, a, b, cin spirv.ID) (spirv.ID, spirv.ID) {
	g := e.g
	cinT := cin
	if vt != g.tU32 {
		cinT = e.op(spirv.OpUConvert, vt, cin)
	}
	if !sub {
		s1 := e.op(spirv.OpIAdd, vt, a, b)
		c1 := e.op(spirv.OpULessThan, g.tBool, s1, a)
		s2 := e.op(spirv.OpIAdd, vt, s1, cinT)
		c2 := e.op(spirv.OpULessThan, g.tBool, s2, s1)
		c := e.op(spirv.OpLogicalOr, g.tBool, c1, c2)
		return s2, e.sel(g.tU32, c, e.u32(1), e.u32(0))
	}
	// a - b - cin; borrow when a < b + cin (in full precision).
	d1 := e.op(spirv.OpISub, vt, a, b)
	b1 := e.op(spirv.OpULessThan, g.tBool, a, b)
	d2 := e.op(spirv.OpISub, vt, d1, cinT)
	b2 := e.op(spirv.OpULessThan, g.tBool, d1, cinT)
	c := e.op(spirv.OpLogicalOr, g.tBool, b1, b2)
	_ = bits
	return d2, e.sel(g.tU32, c, e.u32(1), e.u32(0))
}

// mulHi is the high half of the full product.
func (e *fn) mulHi(signed bool, vt spirv.ID, bits int, a, b spirv.ID) spirv.ID {
	g := e.g
	if bits < 32 {
		w := g.tU32
		var x, y spirv.ID
		if signed {
			x, y = e.op(spirv.OpSConvert, w, a), e.op(spirv.OpSConvert, w, b)
		} else {
			x, y = e.op(spirv.OpUConvert, w, a), e.op(spirv.OpUConvert, w, b)
		}
		p := e.op(spirv.OpIMul, w, x, y)
		return e.op(spirv.OpUConvert, vt, e.op(spirv.OpShiftRightLogical, w, p, e.u32(uint32(bits))))
	}
	st := e.g.sm.TypeStruct(vt, vt)
	op := spirv.OpUMulExtended
	if signed {
		op = spirv.OpSMulExtended
	}
	r := e.op(op, st, a, b)
	return e.cur.Emit(spirv.OpCompositeExtract, vt, uint32(r), 1)
}

// divRem is PTX division or remainder, defined for every input: division
// or remainder by zero gives all ones (what the H100 computes).
//
// Signed division and remainder do not use OpSDiv, OpSRem or OpSMod:
// NVIDIA's Vulkan driver (H100, 2026) computes OpSRem wrongly for negative
// operands even when every type is signed (2 rem -2 gave 2, INT64_MIN rem 63
// gave 8: an unsigned remainder of the bit patterns). They are computed from
// the unsigned quotient or remainder of the magnitudes instead: the quotient
// is negative when the signs differ, the remainder takes the dividend's sign
// (truncating division, as in C and PTX). The magnitude of the most negative
// value is itself read as unsigned, so INT_MIN / -1 = INT_MIN and
// INT_MIN rem -1 = 0 come out without special cases.
func (e *fn) divRem(div, signed bool, vt, a, b spirv.ID) spirv.ID {
	g := e.g
	zero := e.c(vt, 0)
	ones := e.c(vt, ^uint64(0))
	bz := e.op(spirv.OpIEqual, g.tBool, b, zero)
	safe := e.sel(vt, bz, e.c(vt, 1), b)
	if !signed {
		if div {
			return e.sel(vt, bz, ones, e.op(spirv.OpUDiv, vt, a, safe))
		}
		return e.sel(vt, bz, ones, e.op(spirv.OpUMod, vt, a, safe))
	}
	d, _ := g.sm.Type(vt)
	maxPos := e.c(vt, uint64(1)<<(d.Width-1)-1)
	an := e.op(spirv.OpUGreaterThan, g.tBool, a, maxPos)
	bn := e.op(spirv.OpUGreaterThan, g.tBool, safe, maxPos)
	ma := e.sel(vt, an, e.op(spirv.OpISub, vt, zero, a), a)
	mb := e.sel(vt, bn, e.op(spirv.OpISub, vt, zero, safe), safe)
	if div {
		q := e.op(spirv.OpUDiv, vt, ma, mb)
		q = e.sel(vt, e.op(spirv.OpLogicalNotEqual, g.tBool, an, bn), e.op(spirv.OpISub, vt, zero, q), q)
		return e.sel(vt, bz, ones, q)
	}
	r := e.op(spirv.OpUMod, vt, ma, mb)
	r = e.sel(vt, an, e.op(spirv.OpISub, vt, zero, r), r)
	return e.sel(vt, bz, ones, r)
}

// shift is shl, shr (logical) or shr.s, with shifts by the width or more
// giving 0 or the sign.
func (e *fn) shift(left, signed bool, vt spirv.ID, bits int, a, n spirv.ID) spirv.ID {
	g := e.g
	big := e.op(spirv.OpUGreaterThanEqual, g.tBool, n, e.u32(uint32(bits)))
	m := e.op(spirv.OpBitwiseAnd, g.tU32, n, e.u32(uint32(bits-1)))
	switch {
	case left:
		return e.sel(vt, big, e.c(vt, 0), e.op(spirv.OpShiftLeftLogical, vt, a, m))
	case signed:
		r := e.op(spirv.OpShiftRightArithmetic, vt, a, e.sel(g.tU32, big, e.u32(uint32(bits-1)), m))
		return r
	}
	return e.sel(vt, big, e.c(vt, 0), e.op(spirv.OpShiftRightLogical, vt, a, m))
}

func (e *fn) mul24(in *ptx.Inst, t ptx.Type) {
	g := e.g
	a, b := e.a(in, 1), e.a(in, 2)
	var x, y spirv.ID
	if t == ptx.S32 {
		x = e.op(spirv.OpSConvert, g.tU64, e.op(spirv.OpShiftRightArithmetic, g.tU32, e.op(spirv.OpShiftLeftLogical, g.tU32, a, e.u32(8)), e.u32(8)))
		y = e.op(spirv.OpSConvert, g.tU64, e.op(spirv.OpShiftRightArithmetic, g.tU32, e.op(spirv.OpShiftLeftLogical, g.tU32, b, e.u32(8)), e.u32(8)))
	} else {
		x = e.op(spirv.OpUConvert, g.tU64, e.op(spirv.OpBitwiseAnd, g.tU32, a, e.u32(0xffffff)))
		y = e.op(spirv.OpUConvert, g.tU64, e.op(spirv.OpBitwiseAnd, g.tU32, b, e.u32(0xffffff)))
	}
	p := e.op(spirv.OpIMul, g.tU64, x, y)
	if in.Mode == "hi" {
		p = e.op(spirv.OpShiftRightLogical, g.tU64, p, e.u32(16))
	}
	r := e.op(spirv.OpUConvert, g.tU32, p)
	if in.Op == "mad24" {
		c := e.a(in, 3)
		if in.Has(ptx.FlagSat) {
			s := e.op(spirv.OpIAdd, g.tU64, e.op(spirv.OpSConvert, g.tU64, r), e.op(spirv.OpSConvert, g.tU64, c))
			r = e.satS32(s)
		} else {
			r = e.op(spirv.OpIAdd, g.tU32, r, c)
		}
	}
	e.wr(in.Args[0], t, r)
}

func (e *fn) sad(in *ptx.Inst, t ptx.Type) {
	g := e.g
	vt := e.vt(t)
	a, b, c := e.a(in, 1), e.a(in, 2), e.a(in, 3)
	var lt spirv.ID
	if t.IsSigned() {
		lt = e.scmp(spirv.OpSLessThan, vt, a, b)
	} else {
		lt = e.op(spirv.OpULessThan, g.tBool, a, b)
	}
	diff := e.sel(vt, lt, e.op(spirv.OpISub, vt, b, a), e.op(spirv.OpISub, vt, a, b))
	e.wr(in.Args[0], t, e.op(spirv.OpIAdd, vt, c, diff))
}

func (e *fn) carry(in *ptx.Inst, t ptx.Type) {
	vt := e.vt(t)
	a, b := e.a(in, 1), e.a(in, 2)
	cin := e.load(e.g.tU32, e.ccVar())
	var r, c spirv.ID
	switch in.Op {
	case "addc":
		r, c = e.addCarry(false, vt, t.Bits(), a, b, cin)
	case "subc":
		r, c = e.addCarry(true, vt, t.Bits(), a, b, cin)
	case "madc":
		var p spirv.ID
		if in.Mode == "hi" {
			p = e.mulHi(t.IsSigned(), vt, t.Bits(), a, b)
		} else {
			p = e.op(spirv.OpIMul, vt, a, b)
		}
		r, c = e.addCarry(false, vt, t.Bits(), p, e.a(in, 3), cin)
	}
	if in.Has(ptx.FlagCC) {
		e.store(e.ccVar(), c)
	}
	e.wr(in.Args[0], t, r)
}

// pairArith is add/sub/min/max on .u16x2/.s16x2.
func (e *fn) pairArith(in *ptx.Inst, t ptx.Type) {
	g := e.g
	a, b := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32)
	half := func(x spirv.ID, hi bool) spirv.ID {
		if hi {
			x = e.op(spirv.OpShiftRightLogical, g.tU32, x, e.u32(16))
		}
		x = e.op(spirv.OpBitwiseAnd, g.tU32, x, e.u32(0xffff))
		if t == ptx.S16x2 {
			x = e.op(spirv.OpShiftRightArithmetic, g.tU32, e.op(spirv.OpShiftLeftLogical, g.tU32, x, e.u32(16)), e.u32(16))
		}
		return x
	}
	var parts [2]spirv.ID
	for i := 0; i < 2; i++ {
		x, y := half(a, i == 1), half(b, i == 1)
		var r spirv.ID
		switch in.Op {
		case "add":
			r = e.op(spirv.OpIAdd, g.tU32, x, y)
		case "sub":
			r = e.op(spirv.OpISub, g.tU32, x, y)
		case "min", "max":
			var lt spirv.ID
			if t == ptx.S16x2 {
				lt = e.op(spirv.OpSLessThan, g.tBool, x, y)
			} else {
				lt = e.op(spirv.OpULessThan, g.tBool, x, y)
			}
			if in.Op == "min" {
				r = e.sel(g.tU32, lt, x, y)
			} else {
				r = e.sel(g.tU32, lt, y, x)
			}
			if in.Has(ptx.FlagRelu) && t == ptx.S16x2 {
				r = e.sel(g.tU32, e.op(spirv.OpSLessThan, g.tBool, r, e.u32(0)), e.u32(0), r)
			}
		default:
			e.errorf(in, "not supported on .%s", t)
			return
		}
		parts[i] = e.op(spirv.OpBitwiseAnd, g.tU32, r, e.u32(0xffff))
	}
	hi := e.op(spirv.OpShiftLeftLogical, g.tU32, parts[1], e.u32(16))
	e.wr(in.Args[0], ptx.B32, e.op(spirv.OpBitwiseOr, g.tU32, parts[0], hi))
}

// ---- bit operations ----

// msb32 is the index of the most significant set bit of a u32, or -1
// (all ones) for 0.
func (e *fn) msb32(x spirv.ID) spirv.ID {
	return e.ext(spirv.GLSLFindUMsb, e.g.tU32, x)
}

// popc32 counts the bits of a u32.
func (e *fn) popc32(x spirv.ID) spirv.ID { return e.op(spirv.OpBitCount, e.g.tU32, x) }

func (e *fn) brev32(x spirv.ID) spirv.ID { return e.op(spirv.OpBitReverse, e.g.tU32, x) }

// clz returns the leading zeros of a 32- or 64-bit value.
func (e *fn) clz(x spirv.ID, bits int) spirv.ID {
	g := e.g
	if bits == 64 {
		lo, hi := e.split64(x)
		hz := e.op(spirv.OpIEqual, g.tBool, hi, e.u32(0))
		return e.sel(g.tU32, hz, e.op(spirv.OpIAdd, g.tU32, e.u32(32), e.clz(lo, 32)), e.clz(hi, 32))
	}
	return e.op(spirv.OpISub, g.tU32, e.u32(31), e.msb32(x)) // 31 - (-1) = 32
}

// lowMask returns (1 << n) - 1 in type vt for n in [0, bits], all ones
// for n >= bits.
func (e *fn) lowMask(vt spirv.ID, bits int, n spirv.ID) spirv.ID {
	g := e.g
	big := e.op(spirv.OpUGreaterThanEqual, g.tBool, n, e.u32(uint32(bits)))
	m := e.op(spirv.OpShiftLeftLogical, vt, e.c(vt, 1), e.op(spirv.OpBitwiseAnd, g.tU32, n, e.u32(uint32(bits-1))))
	m = e.op(spirv.OpISub, vt, m, e.c(vt, 1))
	return e.sel(vt, big, e.c(vt, ^uint64(0)), m)
}

func (e *fn) bits(in *ptx.Inst, t ptx.Type) {
	g := e.g
	vt := e.vt(t)
	bits := t.Bits()
	d := in.Args[0]
	a := e.a(in, 1)
	switch in.Op {
	case "popc":
		if bits == 64 {
			lo, hi := e.split64(a)
			e.wr(d, ptx.U32, e.op(spirv.OpIAdd, g.tU32, e.popc32(lo), e.popc32(hi)))
			return
		}
		e.wr(d, ptx.U32, e.popc32(e.conv(a, t, ptx.U32)))
	case "clz":
		e.wr(d, ptx.U32, e.clz(a, bits))
	case "brev":
		switch bits {
		case 64:
			lo, hi := e.split64(a)
			e.wr(d, t, e.join64(e.brev32(hi), e.brev32(lo)))
		case 32:
			e.wr(d, t, e.brev32(a))
		default:
			x := e.brev32(e.op(spirv.OpUConvert, g.tU32, a))
			e.wr(d, t, e.op(spirv.OpUConvert, vt, e.op(spirv.OpShiftRightLogical, g.tU32, x, e.u32(uint32(32-bits)))))
		}
	case "bfind":
		x := a
		if t.IsSigned() {
			neg := e.scmp(spirv.OpSLessThan, vt, a, e.c(vt, 0))
			x = e.sel(vt, neg, e.op(spirv.OpNot, vt, a), a)
		}
		var msb spirv.ID
		if bits == 64 {
			lo, hi := e.split64(x)
			hz := e.op(spirv.OpIEqual, g.tBool, hi, e.u32(0))
			msb = e.sel(g.tU32, hz, e.msb32(lo), e.op(spirv.OpIAdd, g.tU32, e.msb32(hi), e.u32(32)))
		} else {
			msb = e.msb32(x)
		}
		if in.Has(ptx.FlagShiftAmt) {
			none := e.op(spirv.OpIEqual, g.tBool, msb, e.u32(0xffffffff))
			msb = e.sel(g.tU32, none, msb, e.op(spirv.OpISub, g.tU32, e.u32(uint32(bits-1)), msb))
		}
		e.wr(d, ptx.U32, msb)
	case "bfe":
		pos := e.op(spirv.OpBitwiseAnd, g.tU32, e.rd(in.Args[2], ptx.U32), e.u32(0xff))
		ln := e.op(spirv.OpBitwiseAnd, g.tU32, e.rd(in.Args[3], ptx.U32), e.u32(0xff))
		msb := e.u32(uint32(bits - 1))
		past := e.op(spirv.OpUGreaterThan, g.tBool, pos, msb)
		x := e.sel(vt, past, e.c(vt, 0), e.op(spirv.OpShiftRightLogical, vt, a, e.op(spirv.OpBitwiseAnd, g.tU32, pos, msb)))
		room := e.sel(g.tU32, past, e.u32(0), e.op(spirv.OpISub, g.tU32, e.u32(uint32(bits)), pos))
		l := e.ext(spirv.GLSLUMin, g.tU32, ln, room)
		mask := e.lowMask(vt, bits, l)
		r := e.op(spirv.OpBitwiseAnd, vt, x, mask)
		if t.IsSigned() {
			top := e.op(spirv.OpIAdd, g.tU32, pos, ln)
			top = e.op(spirv.OpISub, g.tU32, top, e.u32(1))
			top = e.ext(spirv.GLSLUMin, g.tU32, top, msb)
			sbit := e.op(spirv.OpBitwiseAnd, vt, e.op(spirv.OpShiftRightLogical, vt, a, top), e.c(vt, 1))
			sset := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpINotEqual, g.tBool, sbit, e.c(vt, 0)), e.op(spirv.OpINotEqual, g.tBool, ln, e.u32(0)))
			r = e.sel(vt, sset, e.op(spirv.OpBitwiseOr, vt, r, e.op(spirv.OpNot, vt, mask)), r)
		}
		e.wr(d, t, r)
	case "bfi":
		b := e.a(in, 2)
		pos := e.op(spirv.OpBitwiseAnd, g.tU32, e.rd(in.Args[3], ptx.U32), e.u32(0xff))
		ln := e.op(spirv.OpBitwiseAnd, g.tU32, e.rd(in.Args[4], ptx.U32), e.u32(0xff))
		past := e.op(spirv.OpUGreaterThanEqual, g.tBool, pos, e.u32(uint32(bits)))
		ps := e.op(spirv.OpBitwiseAnd, g.tU32, pos, e.u32(uint32(bits-1)))
		room := e.sel(g.tU32, past, e.u32(0), e.op(spirv.OpISub, g.tU32, e.u32(uint32(bits)), pos))
		l := e.ext(spirv.GLSLUMin, g.tU32, ln, room)
		mask := e.op(spirv.OpShiftLeftLogical, vt, e.lowMask(vt, bits, l), ps)
		ins := e.op(spirv.OpBitwiseAnd, vt, e.op(spirv.OpShiftLeftLogical, vt, a, ps), mask)
		r := e.op(spirv.OpBitwiseOr, vt, e.op(spirv.OpBitwiseAnd, vt, b, e.op(spirv.OpNot, vt, mask)), ins)
		e.wr(d, t, e.sel(vt, past, b, r))
	case "bmsk":
		b := e.rd(in.Args[2], ptx.U32)
		var pos, ln spirv.ID
		if in.Has(ptx.FlagClamp) {
			pos = e.ext(spirv.GLSLUMin, g.tU32, a, e.u32(32))
			ln = e.ext(spirv.GLSLUMin, g.tU32, b, e.u32(32))
		} else {
			pos = e.op(spirv.OpBitwiseAnd, g.tU32, a, e.u32(31))
			ln = e.op(spirv.OpBitwiseAnd, g.tU32, b, e.u32(31))
		}
		m := e.lowMask(g.tU64, 64, ln)
		m = e.op(spirv.OpShiftLeftLogical, g.tU64, m, e.op(spirv.OpBitwiseAnd, g.tU32, pos, e.u32(63)))
		r := e.op(spirv.OpUConvert, g.tU32, m)
		r = e.sel(g.tU32, e.op(spirv.OpUGreaterThanEqual, g.tBool, pos, e.u32(32)), e.u32(0), r)
		e.wr(d, ptx.B32, r)
	case "szext":
		b := e.rd(in.Args[2], ptx.U32)
		var n spirv.ID
		if in.Has(ptx.FlagClamp) {
			n = e.ext(spirv.GLSLUMin, g.tU32, b, e.u32(32))
		} else {
			n = e.op(spirv.OpBitwiseAnd, g.tU32, b, e.u32(31))
		}
		m := e.lowMask(g.tU32, 32, n)
		v := e.op(spirv.OpBitwiseAnd, g.tU32, a, m)
		if t == ptx.S32 {
			top := e.op(spirv.OpISub, g.tU32, n, e.u32(1))
			sb := e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU32, v, e.op(spirv.OpBitwiseAnd, g.tU32, top, e.u32(31))), e.u32(1))
			neg := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpINotEqual, g.tBool, sb, e.u32(0)), e.op(spirv.OpULessThan, g.tBool, n, e.u32(32)))
			v = e.sel(g.tU32, neg, e.op(spirv.OpBitwiseOr, g.tU32, v, e.op(spirv.OpNot, g.tU32, m)), v)
		}
		v = e.sel(g.tU32, e.op(spirv.OpIEqual, g.tBool, n, e.u32(0)), e.u32(0), v)
		e.wr(d, t, v)
	case "fns":
		e.fns(in)
	}
}

// fns finds the n-th set bit (PTX fns.b32), as a loop over the 32 bits.
func (e *fn) fns(in *ptx.Inst) {
	g := e.g
	mask := e.rd(in.Args[1], ptx.B32)
	base := e.rd(in.Args[2], ptx.U32)
	offset := e.rd(in.Args[3], ptx.S32)
	res := e.tmpVar(g.tU32)
	e.store(res, e.u32(0xffffffff))
	zero := e.op(spirv.OpIEqual, g.tBool, offset, e.u32(0))
	e.ifElse(zero, func() {
		ok := e.op(spirv.OpULessThan, g.tBool, base, e.u32(32))
		bit := e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU32, mask, e.op(spirv.OpBitwiseAnd, g.tU32, base, e.u32(31))), e.u32(1))
		ok = e.op(spirv.OpLogicalAnd, g.tBool, ok, e.op(spirv.OpINotEqual, g.tBool, bit, e.u32(0)))
		e.store(res, e.sel(g.tU32, ok, base, e.u32(0xffffffff)))
	}, func() {
		pos := e.tmpVar(g.tU64)
		cnt := e.tmpVar(g.tU64)
		up := e.op(spirv.OpSGreaterThan, g.tBool, offset, e.u32(0))
		so := e.op(spirv.OpSConvert, g.tU64, offset)
		e.store(pos, e.op(spirv.OpUConvert, g.tU64, base))
		e.store(cnt, e.op(spirv.OpISub, g.tU64, e.sel(g.tU64, up, so, e.op(spirv.OpSNegate, g.tU64, so)), e.u64(1)))
		inc := e.sel(g.tU64, up, e.u64(1), e.u64(^uint64(0)))
		// while (pos in 0..31 && not found): visit pos, step.
		e.loop(func() {
			p := e.load(g.tU64, pos)
			ok := e.op(spirv.OpULessThan, g.tBool, p, e.u64(32))
			e.ifThen(ok, func() {
				bit := e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU32, mask, e.op(spirv.OpUConvert, g.tU32, p)), e.u32(1))
				set := e.op(spirv.OpINotEqual, g.tBool, bit, e.u32(0))
				e.ifThen(set, func() {
					c := e.load(g.tU64, cnt)
					found := e.op(spirv.OpIEqual, g.tBool, c, e.u64(0))
					e.ifThen(found, func() { e.store(res, e.op(spirv.OpUConvert, g.tU32, p)) })
					e.store(cnt, e.op(spirv.OpISub, g.tU64, c, e.u64(1)))
				})
			})
			e.store(pos, e.sel(g.tU64, ok, e.op(spirv.OpIAdd, g.tU64, p, inc), e.u64(64)))
		}, func() spirv.ID {
			p := e.load(g.tU64, pos)
			inRange := e.op(spirv.OpULessThan, g.tBool, p, e.u64(32))
			notFound := e.op(spirv.OpIEqual, g.tBool, e.load(g.tU32, res), e.u32(0xffffffff))
			return e.op(spirv.OpLogicalAnd, g.tBool, inRange, notFound)
		})
	})
	e.wr(in.Args[0], ptx.B32, e.load(g.tU32, res))
}

func (e *fn) dot(in *ptx.Inst) {
	g := e.g
	sa, sb := in.Types[0] == ptx.S32, in.Types[1] == ptx.S32
	dt := ptx.U32
	if sa || sb {
		dt = ptx.S32
	}
	a, b, c := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32), e.rd(in.Args[3], dt)
	field := func(x spirv.ID, shift, width int, signed bool) spirv.ID {
		v := e.op(spirv.OpShiftLeftLogical, g.tU32, x, e.u32(uint32(32-shift-width)))
		if signed {
			return e.op(spirv.OpShiftRightArithmetic, g.tU32, v, e.u32(uint32(32-width)))
		}
		return e.op(spirv.OpShiftRightLogical, g.tU32, v, e.u32(uint32(32-width)))
	}
	sum := c
	if in.Op == "dp4a" {
		for i := 0; i < 4; i++ {
			sum = e.op(spirv.OpIAdd, g.tU32, sum, e.op(spirv.OpIMul, g.tU32, field(a, 8*i, 8, sa), field(b, 8*i, 8, sb)))
		}
	} else {
		for i := 0; i < 2; i++ {
			k := i
			if in.Mode == "hi" {
				k = i + 2
			}
			sum = e.op(spirv.OpIAdd, g.tU32, sum, e.op(spirv.OpIMul, g.tU32, field(a, 16*i, 16, sa), field(b, 8*k, 8, sb)))
		}
	}
	e.wr(in.Args[0], dt, sum)
}

func (e *fn) logic(in *ptx.Inst, t ptx.Type) {
	g := e.g
	d := in.Args[0]
	if t == ptx.Pred {
		a := e.a(in, 1)
		switch in.Op {
		case "and":
			e.wr(d, t, e.op(spirv.OpLogicalAnd, g.tBool, a, e.a(in, 2)))
		case "or":
			e.wr(d, t, e.op(spirv.OpLogicalOr, g.tBool, a, e.a(in, 2)))
		case "xor":
			e.wr(d, t, e.op(spirv.OpLogicalNotEqual, g.tBool, a, e.a(in, 2)))
		case "not":
			e.wr(d, t, e.op(spirv.OpLogicalNot, g.tBool, a))
		default:
			e.errorf(in, "not supported on .pred")
		}
		return
	}
	vt := e.vt(t)
	a := e.a(in, 1)
	switch in.Op {
	case "and":
		e.wr(d, t, e.op(spirv.OpBitwiseAnd, vt, a, e.a(in, 2)))
	case "or":
		e.wr(d, t, e.op(spirv.OpBitwiseOr, vt, a, e.a(in, 2)))
	case "xor":
		e.wr(d, t, e.op(spirv.OpBitwiseXor, vt, a, e.a(in, 2)))
	case "not":
		e.wr(d, t, e.op(spirv.OpNot, vt, a))
	case "cnot":
		z := e.op(spirv.OpIEqual, g.tBool, a, e.c(vt, 0))
		e.wr(d, t, e.sel(vt, z, e.c(vt, 1), e.c(vt, 0)))
	}
}

func (e *fn) lop3(in *ptx.Inst) {
	g := e.g
	u := g.tU32
	a, b, c := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32), e.rd(in.Args[3], ptx.B32)
	lut := e.rd(in.Args[4], ptx.B32)
	na, nb, nc := e.op(spirv.OpNot, u, a), e.op(spirv.OpNot, u, b), e.op(spirv.OpNot, u, c)
	and3 := func(x, y, z spirv.ID) spirv.ID {
		return e.op(spirv.OpBitwiseAnd, u, e.op(spirv.OpBitwiseAnd, u, x, y), z)
	}
	terms := []spirv.ID{and3(na, nb, nc), and3(na, nb, c), and3(na, b, nc), and3(na, b, c),
		and3(a, nb, nc), and3(a, nb, c), and3(a, b, nc), and3(a, b, c)}
	d := e.u32(0)
	for k, term := range terms {
		bit := e.op(spirv.OpBitwiseAnd, u, e.op(spirv.OpShiftRightLogical, u, lut, e.u32(uint32(k))), e.u32(1))
		m := e.op(spirv.OpISub, u, e.u32(0), bit) // 0 or all ones
		d = e.op(spirv.OpBitwiseOr, u, d, e.op(spirv.OpBitwiseAnd, u, term, m))
	}
	e.wr(in.Args[0], ptx.B32, d)
}

func (e *fn) shf(in *ptx.Inst) {
	g := e.g
	a, b := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32)
	c := e.rd(in.Args[3], ptx.U32)
	var n spirv.ID
	if in.Has(ptx.FlagClamp) {
		n = e.ext(spirv.GLSLUMin, g.tU32, c, e.u32(32))
	} else {
		n = e.op(spirv.OpBitwiseAnd, g.tU32, c, e.u32(31))
	}
	t64 := e.join64(a, b)
	var r spirv.ID
	if in.Mode == "l" {
		r = e.op(spirv.OpShiftRightLogical, g.tU64, e.op(spirv.OpShiftLeftLogical, g.tU64, t64, n), e.u32(32))
	} else {
		r = e.op(spirv.OpShiftRightLogical, g.tU64, t64, n)
	}
	e.wr(in.Args[0], ptx.B32, e.op(spirv.OpUConvert, g.tU32, r))
}

var prmtTab = [6][4][4]uint8{
	{{0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {3, 4, 5, 6}}, // f4e
	{{0, 7, 6, 5}, {1, 0, 7, 6}, {2, 1, 0, 7}, {3, 2, 1, 0}}, // b4e
	{{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}}, // rc8
	{{0, 1, 2, 3}, {1, 1, 2, 3}, {2, 2, 2, 3}, {3, 3, 3, 3}}, // ecl
	{{0, 0, 0, 0}, {0, 1, 1, 1}, {0, 1, 2, 2}, {0, 1, 2, 3}}, // ecr
	{{0, 1, 0, 1}, {2, 3, 2, 3}, {0, 1, 0, 1}, {2, 3, 2, 3}}, // rc16
}

func (e *fn) prmt(in *ptx.Inst) {
	g := e.g
	a, b, c := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32), e.rd(in.Args[3], ptx.B32)
	t64 := e.join64(a, b)
	byteAt := func(idx spirv.ID) spirv.ID { // idx in 0..7 (u32)
		x := e.op(spirv.OpShiftRightLogical, g.tU64, t64, e.op(spirv.OpIMul, g.tU32, idx, e.u32(8)))
		return e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpUConvert, g.tU32, x), e.u32(0xff))
	}
	mode := map[string]int{"": 0, "f4e": 1, "b4e": 2, "rc8": 3, "ecl": 4, "ecr": 5, "rc16": 6}[in.Mode]
	d := e.u32(0)
	row := e.op(spirv.OpBitwiseAnd, g.tU32, c, e.u32(3))
	for i := 0; i < 4; i++ {
		var v spirv.ID
		if mode == 0 {
			s := e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU32, c, e.u32(uint32(4*i))), e.u32(0xf))
			v = byteAt(e.op(spirv.OpBitwiseAnd, g.tU32, s, e.u32(7)))
			sx := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, s, e.u32(8)), e.u32(0))
			neg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, v, e.u32(0x80)), e.u32(0))
			v = e.sel(g.tU32, sx, e.sel(g.tU32, neg, e.u32(0xff), e.u32(0)), v)
		} else {
			tab := prmtTab[mode-1]
			idx := e.u32(uint32(tab[3][i]))
			for r := 2; r >= 0; r-- {
				idx = e.sel(g.tU32, e.op(spirv.OpIEqual, g.tBool, row, e.u32(uint32(r))), e.u32(uint32(tab[r][i])), idx)
			}
			v = byteAt(idx)
		}
		d = e.op(spirv.OpBitwiseOr, g.tU32, d, e.op(spirv.OpShiftLeftLogical, g.tU32, v, e.u32(uint32(8*i))))
	}
	e.wr(in.Args[0], ptx.B32, d)
}
