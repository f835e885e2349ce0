package spirvgen

import (
	"math"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// roundInt rounds the integer magnitude m (u64), negative when neg, to
// format f in mode; it returns the bits (u32 for formats of 32 bits or
// fewer, u64 for f64).
func (e *fn) roundInt(m, neg spirv.ID, f ffmt, mode ptx.Rounding) spirv.ID {
	g := e.g
	u64, b := g.tU64, g.tBool
	if mode == ptx.RoundNone {
		mode = ptx.RN
	}
	lz := e.clz(m, 64)
	L := e.op(spirv.OpISub, g.tU32, e.u32(63), lz) // leading bit (m != 0)
	// Drop d = max(0, L+1-p) bits.
	over := e.op(spirv.OpSGreaterThan, b, e.op(spirv.OpIAdd, g.tU32, L, e.u32(1)), e.u32(uint32(f.p)))
	d := e.sel(g.tU32, over, e.op(spirv.OpISub, g.tU32, e.op(spirv.OpIAdd, g.tU32, L, e.u32(1)), e.u32(uint32(f.p))), e.u32(0))
	kept := e.op(spirv.OpShiftRightLogical, u64, m, d)
	mask := e.op(spirv.OpISub, u64, e.op(spirv.OpShiftLeftLogical, u64, e.u64(1), d), e.u64(1))
	rem := e.op(spirv.OpBitwiseAnd, u64, m, mask)
	dz := e.op(spirv.OpIEqual, b, d, e.u32(0))
	half := e.sel(u64, dz, e.u64(1<<63), e.op(spirv.OpShiftLeftLogical, u64, e.u64(1), e.op(spirv.OpISub, g.tU32, d, e.u32(1))))
	inexact := e.op(spirv.OpINotEqual, b, rem, e.u64(0))
	var up spirv.ID
	switch mode {
	case ptx.RZ:
		up = g.cbool(false)
	case ptx.RP:
		up = e.op(spirv.OpLogicalAnd, b, inexact, e.op(spirv.OpLogicalNot, b, neg))
	case ptx.RM:
		up = e.op(spirv.OpLogicalAnd, b, inexact, neg)
	default:
		gt := e.op(spirv.OpUGreaterThan, b, rem, half)
		tie := e.op(spirv.OpLogicalAnd, b, e.op(spirv.OpIEqual, b, rem, half), e.op(spirv.OpLogicalNot, b, dz))
		odd := e.op(spirv.OpINotEqual, b, e.op(spirv.OpBitwiseAnd, u64, kept, e.u64(1)), e.u64(0))
		up = e.op(spirv.OpLogicalOr, b, gt, e.op(spirv.OpLogicalAnd, b, tie, odd))
	}
	kept = e.op(spirv.OpIAdd, u64, kept, e.sel(u64, up, e.u64(1), e.u64(0)))
	// A kept value below 2^(p-1) (small m) is normalised by shifting it up.
	sh := e.sel(g.tU32, over, e.u32(0), e.op(spirv.OpISub, g.tU32, e.u32(uint32(f.p-1)), L))
	kept = e.op(spirv.OpShiftLeftLogical, u64, kept, sh)
	base := e.op(spirv.OpIAdd, g.tU32, L, e.u32(uint32(f.bias-1)))
	body := e.op(spirv.OpIAdd, u64, e.op(spirv.OpShiftLeftLogical, u64, e.op(spirv.OpUConvert, u64, base), e.u32(uint32(f.p-1))), kept)
	if f.width < 64 {
		inf := e.u64(f.infBits())
		ov := e.op(spirv.OpUGreaterThanEqual, b, body, inf)
		var toInf spirv.ID
		switch mode {
		case ptx.RZ:
			toInf = g.cbool(false)
		case ptx.RP:
			toInf = e.op(spirv.OpLogicalNot, b, neg)
		case ptx.RM:
			toInf = neg
		default:
			toInf = g.cbool(true)
		}
		body = e.sel(u64, ov, e.sel(u64, toInf, inf, e.u64(f.infBits()-1)), body)
	}
	body = e.sel(u64, e.op(spirv.OpIEqual, b, m, e.u64(0)), e.u64(0), body)
	sign := e.sel(u64, neg, e.u64(uint64(1)<<(f.width-1)), e.u64(0))
	r := e.op(spirv.OpBitwiseOr, u64, body, sign)
	if f.width < 64 {
		return e.op(spirv.OpUConvert, g.tU32, r)
	}
	return r
}

// intMagnitude returns |x| as u64 and whether x < 0, for an integer
// operand of type st.
func (e *fn) intMagnitude(x spirv.ID, st ptx.Type) (spirv.ID, spirv.ID) {
	g := e.g
	var v spirv.ID
	if st.IsSigned() {
		v = x
		if st.Size() < 8 {
			v = e.op(spirv.OpSConvert, g.tU64, x)
		}
		neg := e.scmp(spirv.OpSLessThan, g.tU64, v, e.u64(0))
		return e.sel(g.tU64, neg, e.op(spirv.OpISub, g.tU64, e.u64(0), v), v), neg
	}
	v = x
	if st.Size() < 8 {
		v = e.op(spirv.OpUConvert, g.tU64, x)
	}
	return v, g.cbool(false)
}

func (e *fn) cvt(in *ptx.Inst) {
	g := e.g
	dt, st := in.Types[0], in.Types[1]
	d := in.Args[0]
	ftz := in.Has(ptx.FlagFTZ)
	sat := in.Has(ptx.FlagSat)
	if dt == ptx.F16x2 || dt == ptx.BF16x2 {
		bf := dt == ptx.BF16x2
		if st != ptx.F32 || len(in.Args) < 3 {
			e.errorf(in, "not supported")
			return
		}
		if !e.needF64(in) {
			return
		}
		a, b := e.rd(in.Args[1], ptx.F32), e.rd(in.Args[2], ptx.F32)
		hi := e.halfPost(in, bf, e.halfRound(bf, e.f32ToF64Bits(a), in.Rnd))
		lo := e.halfPost(in, bf, e.halfRound(bf, e.f32ToF64Bits(b), in.Rnd))
		e.writeHalf(in, dt, lo, hi)
		return
	}
	if dt == ptx.TF32 || st == ptx.TF32 || dt == ptx.E4M3x2 || dt == ptx.E5M2x2 || st == ptx.E4M3x2 || st == ptx.E5M2x2 || st.IsPacked() {
		e.errorf(in, "conversions of .%s to .%s are not supported", st, dt)
		return
	}
	src := e.rd(in.Args[1], st)
	// The source as a float value (halves widened, .ftz applied).
	var x spirv.ID
	xt := st
	switch st {
	case ptx.F16, ptx.BF16:
		h := e.op(spirv.OpUConvert, g.tU32, src)
		if ftz && st == ptx.F16 {
			sub := e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x7c00)), e.u32(0))
			h = e.sel(g.tU32, sub, e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x8000)), h)
		}
		x = e.h2f(st == ptx.BF16, h)
		xt = ptx.F32
	case ptx.F32:
		x = src
		if ftz {
			x = e.ftz32(x)
		}
	default:
		x = src
	}
	sFloat := st.IsFloat()
	switch {
	case dt.IsInt() && sFloat:
		e.wr(d, dt, e.floatToInt(in, x, xt, dt))
	case dt.IsInt() && st.IsInt():
		v := x
		if sat {
			v = e.satInt(x, st, dt)
		}
		e.wr(d, dt, e.resizeInt(v, st, dt))
	case dt.IsFloat() && !sFloat:
		m, neg := e.intMagnitude(x, st)
		switch dt {
		case ptx.F32, ptx.F64:
			var r spirv.ID
			if !directed(in.Rnd) {
				op := spirv.OpConvertUToF
				if st.IsSigned() {
					op = spirv.OpConvertSToF
				}
				r = e.op(op, e.vt(dt), x)
			} else if dt == ptx.F32 {
				r = e.op(spirv.OpBitcast, g.tF32, e.roundInt(m, neg, fmtF32, in.Rnd))
			} else {
				r = e.op(spirv.OpBitcast, e.f64(in), e.roundInt(m, neg, fmtF64, in.Rnd))
			}
			if sat {
				r = e.sat(dt, r)
			}
			e.wr(d, dt, r)
		case ptx.F16, ptx.BF16:
			bf := dt == ptx.BF16
			f := fmtF16
			if bf {
				f = fmtBF16
			}
			h := e.roundInt(m, neg, f, in.Rnd)
			e.wr(d, ptx.B16, e.op(spirv.OpUConvert, e.u16(in), e.halfPost(in, bf, h)))
		default:
			e.errorf(in, "not supported")
		}
	default:
		e.floatToFloat(in, x, xt, dt, src)
	}
}

// floatToFloat converts between float types (x of type xt: f32 or f64;
// halves were widened to f32).
func (e *fn) floatToFloat(in *ptx.Inst, x spirv.ID, xt, dt ptx.Type, src spirv.ID) {
	g := e.g
	d := in.Args[0]
	st := in.Types[1]
	mode := in.Rnd
	switch dt {
	case ptx.F16, ptx.BF16:
		bf := dt == ptx.BF16
		var h spirv.ID
		switch {
		case st == dt && mode.IsInt():
			r := e.roundIntegral(x, xt, mode)
			h = e.halfRound(bf, e.f32ToF64Bits(r), ptx.RN)
		case st == dt:
			h = e.op(spirv.OpUConvert, g.tU32, src)
		default:
			if !e.needF64(in) {
				return
			}
			var bits spirv.ID
			if xt == ptx.F64 {
				bits = e.op(spirv.OpBitcast, g.tU64, x)
			} else {
				bits = e.f32ToF64Bits(x)
			}
			h = e.halfRound(bf, bits, mode)
		}
		e.wr(d, ptx.B16, e.op(spirv.OpUConvert, e.u16(in), e.halfPost(in, bf, h)))
		return
	case ptx.F32:
		var r spirv.ID
		switch {
		case xt == ptx.F64 && directed(mode):
			r = e.f32From(e.op(spirv.OpBitcast, g.tU64, x), mode)
		case xt == ptx.F64:
			r = e.f32From(e.op(spirv.OpBitcast, g.tU64, x), ptx.RN)
		case mode.IsInt():
			r = e.roundIntegral(x, ptx.F32, mode)
		default:
			r = x
		}
		if in.Has(ptx.FlagFTZ) {
			r = e.ftz32(r)
		}
		if in.Has(ptx.FlagSat) {
			r = e.sat(ptx.F32, r)
		}
		e.wr(d, dt, r)
	case ptx.F64:
		var r spirv.ID
		switch {
		case xt == ptx.F32:
			r = e.toF64(x)
			if mode.IsInt() {
				r = e.roundIntegral(r, ptx.F64, mode)
			}
		case mode.IsInt():
			r = e.roundIntegral(x, ptx.F64, mode)
		default:
			r = x
		}
		if in.Has(ptx.FlagSat) {
			r = e.sat(ptx.F64, r)
		}
		e.wr(d, dt, r)
	default:
		e.errorf(in, "not supported")
	}
}

// roundIntegral rounds a float to an integral value of the same type.
func (e *fn) roundIntegral(x spirv.ID, t ptx.Type, mode ptx.Rounding) spirv.ID {
	inst := map[ptx.Rounding]spirv.GLSLInst{ptx.RNI: spirv.GLSLRoundEven, ptx.RZI: spirv.GLSLTrunc, ptx.RMI: spirv.GLSLFloor, ptx.RPI: spirv.GLSLCeil}[mode]
	if inst == 0 {
		inst = spirv.GLSLRoundEven
	}
	return e.ext(inst, e.vt(t), x)
}

// floatToInt is PTX's saturating float-to-integer conversion: round as
// asked, clamp to the destination's range; NaN gives 0 for an f32 to a
// 32-bit integer and 1 << (bits-1) otherwise.
func (e *fn) floatToInt(in *ptx.Inst, x spirv.ID, xt, dt ptx.Type) spirv.ID {
	g := e.g
	ft := e.vt(xt)
	mode := in.Rnd
	if !mode.IsInt() {
		mode = ptx.RZI
	}
	r := e.roundIntegral(x, xt, mode)
	bits := dt.Bits()
	var lo, hi float64
	var loBits, hiBits uint64
	if dt.IsSigned() {
		lo, hi = -math.Ldexp(1, bits-1), math.Ldexp(1, bits-1)
		loBits, hiBits = uint64(1)<<(bits-1), uint64(1)<<(bits-1)-1
	} else {
		lo, hi = 0, math.Ldexp(1, bits)
		loBits, hiBits = 0, uint64(1)<<bits-1
		if bits == 64 {
			hiBits = ^uint64(0)
		}
	}
	nanBits := uint64(1) << (bits - 1)
	if xt == ptx.F32 && bits == 32 {
		nanBits = 0
	}
	// Convert in a 32- or 64-bit integer; narrower results are in range.
	wt := g.tU32
	wide := ptx.U32
	if bits == 64 {
		wt, wide = g.tU64, ptx.U64
	}
	var conv spirv.ID
	if dt.IsSigned() {
		conv = e.op(spirv.OpConvertFToS, wt, r)
	} else {
		conv = e.op(spirv.OpConvertFToU, wt, r)
	}
	fc := func(v float64) spirv.ID {
		if xt == ptx.F64 {
			return e.c(ft, math.Float64bits(v))
		}
		return e.c(ft, uint64(math.Float32bits(float32(v))))
	}
	wc := func(v uint64) spirv.ID { return e.c(wt, v) }
	res := conv
	res = e.sel(wt, e.op(spirv.OpFOrdLessThanEqual, g.tBool, r, fc(lo)), wc(loBits), res)
	res = e.sel(wt, e.op(spirv.OpFOrdGreaterThanEqual, g.tBool, r, fc(hi)), wc(hiBits), res)
	res = e.sel(wt, e.op(spirv.OpIsNan, g.tBool, x), wc(nanBits), res)
	if dt.Size() < wide.Size() {
		return e.op(spirv.OpUConvert, e.vt(dt), res)
	}
	return res
}

// resizeInt converts integer x of type st to dt: truncation, or
// extension by st's signedness.
func (e *fn) resizeInt(x spirv.ID, st, dt ptx.Type) spirv.ID {
	if st.Size() == dt.Size() {
		return x
	}
	if dt.Size() > st.Size() && st.IsSigned() {
		return e.op(spirv.OpSConvert, e.vt(dt), x)
	}
	return e.op(spirv.OpUConvert, e.vt(dt), x)
}

// satInt clamps integer x of type st to dt's range (cvt.sat).
func (e *fn) satInt(x spirv.ID, st, dt ptx.Type) spirv.ID {
	g := e.g
	var v spirv.ID
	if st.IsSigned() {
		v = x
		if st.Size() < 8 {
			v = e.op(spirv.OpSConvert, g.tU64, x)
		}
	} else {
		v = x
		if st.Size() < 8 {
			v = e.op(spirv.OpUConvert, g.tU64, x)
		}
	}
	bits := dt.Bits()
	var r spirv.ID
	if dt.IsSigned() {
		lo := e.u64(uint64(-(int64(1) << (bits - 1))))
		hi := e.u64(uint64(1)<<(bits-1) - 1)
		if st.IsSigned() {
			r = e.sel(g.tU64, e.scmp(spirv.OpSLessThan, g.tU64, v, lo), lo, v)
			r = e.sel(g.tU64, e.scmp(spirv.OpSGreaterThan, g.tU64, r, hi), hi, r)
		} else {
			r = e.sel(g.tU64, e.op(spirv.OpUGreaterThan, g.tBool, v, hi), hi, v)
		}
	} else {
		hiV := uint64(1)<<bits - 1
		if bits == 64 {
			hiV = ^uint64(0)
		}
		hi := e.u64(hiV)
		if st.IsSigned() {
			r = e.sel(g.tU64, e.scmp(spirv.OpSLessThan, g.tU64, v, e.u64(0)), e.u64(0), v)
			r = e.sel(g.tU64, e.op(spirv.OpUGreaterThan, g.tBool, r, hi), hi, r)
		} else {
			r = e.sel(g.tU64, e.op(spirv.OpUGreaterThan, g.tBool, v, hi), hi, v)
		}
	}
	// Back to st's width for resizeInt (the value now fits dt).
	if st.Size() < 8 {
		return e.op(spirv.OpUConvert, e.vt(st), r)
	}
	return r
}
