package spirvgen

import (
	"math"
	"math/big"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// 16-bit floats are their bits: no Float16 capability is needed. They are
// converted to f32 exactly, computed in double precision (products of two
// halves are exact; sums are made exact with TwoSum and rounded to odd)
// and rounded back in software, so every rounding is correct.

// halfBits extracts the 16-bit half (lo or hi) of a packed operand as a
// u32.
func (e *fn) halfBits(t ptx.Type, x spirv.ID, hi bool) spirv.ID {
	g := e.g
	if t == ptx.F16 || t == ptx.BF16 {
		if e.g.tU16 != 0 && x != 0 {
			return e.op(spirv.OpUConvert, g.tU32, x)
		}
	}
	v := x
	if hi {
		v = e.op(spirv.OpShiftRightLogical, g.tU32, v, e.u32(16))
	}
	return e.op(spirv.OpBitwiseAnd, g.tU32, v, e.u32(0xffff))
}

// halfToF32 converts half bits (a u16 for scalars, the lo or hi half of a
// u32 for pairs) to f32 exactly.
func (e *fn) halfToF32(t ptx.Type, x spirv.ID, hi bool) spirv.ID {
	return e.h2f(t == ptx.BF16 || t == ptx.BF16x2, e.halfBits(t, x, hi))
}

// h2f converts f16 or bf16 bits (u32, low 16 bits) to f32.
func (e *fn) h2f(bf bool, h spirv.ID) spirv.ID {
	g := e.g
	u := g.tU32
	if bf {
		return e.op(spirv.OpBitcast, g.tF32, e.op(spirv.OpShiftLeftLogical, u, h, e.u32(16)))
	}
	s := e.op(spirv.OpShiftLeftLogical, u, e.op(spirv.OpShiftRightLogical, u, h, e.u32(15)), e.u32(31))
	ex := e.op(spirv.OpBitwiseAnd, u, e.op(spirv.OpShiftRightLogical, u, h, e.u32(10)), e.u32(0x1f))
	m := e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x3ff))
	normal := e.op(spirv.OpBitwiseOr, u, s, e.op(spirv.OpBitwiseOr, u,
		e.op(spirv.OpShiftLeftLogical, u, e.op(spirv.OpIAdd, u, ex, e.u32(112)), e.u32(23)),
		e.op(spirv.OpShiftLeftLogical, u, m, e.u32(13))))
	special := e.op(spirv.OpBitwiseOr, u, s, e.op(spirv.OpBitwiseOr, u, e.u32(0x7f800000), e.op(spirv.OpShiftLeftLogical, u, m, e.u32(13))))
	// Subnormal halves: m * 2^-24, exact and normal in f32.
	sub := e.fop(spirv.OpFMul, g.tF32, e.op(spirv.OpConvertUToF, g.tF32, m), e.f32c(0x33800000))
	sub = e.op(spirv.OpBitcast, u, sub)
	sub = e.op(spirv.OpBitwiseOr, u, sub, s)
	r := e.sel(u, e.op(spirv.OpIEqual, g.tBool, ex, e.u32(0x1f)), special, normal)
	r = e.sel(u, e.op(spirv.OpIEqual, g.tBool, ex, e.u32(0)), sub, r)
	return e.op(spirv.OpBitcast, g.tF32, r)
}

// f32ToF64Bits widens an f32 exactly, as double bits (integer arithmetic,
// so that a device flushing f32 subnormals does not lose them).
func (e *fn) f32ToF64Bits(x spirv.ID) spirv.ID {
	return e.op(spirv.OpBitcast, e.g.tU64, e.toF64(x))
}

// halfRound rounds double bits to f16 or bf16 bits (u32) in mode.
func (e *fn) halfRound(bf bool, bits spirv.ID, mode ptx.Rounding) spirv.ID {
	if mode == ptx.RoundNone {
		mode = ptx.RN
	}
	f := fmtF16
	if bf {
		f = fmtBF16
	}
	return e.roundF64(bits, f, mode)
}

// halfPost applies .ftz, .sat, .relu and .satfinite to f16/bf16 result
// bits (u32).
func (e *fn) halfPost(in *ptx.Inst, bf bool, h spirv.ID) spirv.ID {
	g := e.g
	u := g.tU32
	b := g.tBool
	if in.Has(ptx.FlagFTZ) && !bf {
		sub := e.op(spirv.OpIEqual, b, e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x7c00)), e.u32(0))
		h = e.sel(u, sub, e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x8000)), h)
	}
	expMask, mantMask := uint32(0x7c00), uint32(0x3ff)
	if bf {
		expMask, mantMask = 0x7f80, 0x7f
	}
	isNaN := e.op(spirv.OpLogicalAnd, b, e.op(spirv.OpIEqual, b, e.op(spirv.OpBitwiseAnd, u, h, e.u32(expMask)), e.u32(expMask)),
		e.op(spirv.OpINotEqual, b, e.op(spirv.OpBitwiseAnd, u, h, e.u32(mantMask)), e.u32(0)))
	if in.Has(ptx.FlagSat) {
		x := e.h2f(bf, h)
		x = e.sat(ptx.F32, x)
		h = e.halfRound(bf, e.f32ToF64Bits(x), ptx.RN)
	}
	if in.Has(ptx.FlagRelu) {
		neg := e.op(spirv.OpINotEqual, b, e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x8000)), e.u32(0))
		h = e.sel(u, neg, e.u32(0), h)
		h = e.sel(u, isNaN, e.u32(0x7fff), h)
	}
	if in.Has(ptx.FlagSatFinite) {
		inf := e.op(spirv.OpIEqual, b, e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x7fff)), e.u32(expMask))
		maxf := expMask - (mantMask + 1) + mantMask // largest finite
		h = e.sel(u, inf, e.op(spirv.OpBitwiseOr, u, e.op(spirv.OpBitwiseAnd, u, h, e.u32(0x8000)), e.u32(maxf)), h)
	}
	return h
}

// packHalves makes the register value of a half result: a u16 for
// scalars, lo | hi << 16 for pairs.
func (e *fn) writeHalf(in *ptx.Inst, t ptx.Type, lo, hi spirv.ID) {
	g := e.g
	if t == ptx.F16x2 || t == ptx.BF16x2 {
		v := e.op(spirv.OpBitwiseOr, g.tU32, e.op(spirv.OpBitwiseAnd, g.tU32, lo, e.u32(0xffff)), e.op(spirv.OpShiftLeftLogical, g.tU32, hi, e.u32(16)))
		e.wr(in.Args[0], ptx.B32, v)
		return
	}
	e.wr(in.Args[0], ptx.B16, e.op(spirv.OpUConvert, e.u16(in), lo))
}

func (e *fn) halfArith(in *ptx.Inst, t ptx.Type) {
	g := e.g
	bf := t == ptx.BF16 || t == ptx.BF16x2
	pair := t == ptx.F16x2 || t == ptx.BF16x2
	rt := ptx.B16
	if pair {
		rt = ptx.B32
	}
	args := make([]spirv.ID, len(in.Args))
	for i := 1; i < len(in.Args); i++ {
		args[i] = e.rd(in.Args[i], rt)
	}
	if !e.needF64(in) {
		return
	}
	one := func(hi bool) spirv.ID {
		x := func(i int) spirv.ID {
			h := e.halfBits(t, args[i], hi)
			if in.Has(ptx.FlagFTZ) && !bf {
				sub := e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x7c00)), e.u32(0))
				h = e.sel(g.tU32, sub, e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x8000)), h)
			}
			return h
		}
		val := func(i int) spirv.ID { return e.toF64(e.h2f(bf, x(i))) }
		mode := in.Rnd
		var r spirv.ID
		switch in.Op {
		case "add", "sub":
			b := val(2)
			if in.Op == "sub" {
				b = e.op(spirv.OpFNegate, g.tF64, b)
			}
			s, err := e.twoSum(val(1), b)
			r = e.halfRound(bf, e.roundToOdd(s, err), mode)
		case "mul":
			r = e.halfRound(bf, e.op(spirv.OpBitcast, g.tU64, e.fop(spirv.OpFMul, g.tF64, val(1), val(2))), mode)
		case "fma", "mad":
			p := e.fop(spirv.OpFMul, g.tF64, val(1), val(2))
			s, err := e.twoSum(p, val(3))
			r = e.halfRound(bf, e.roundToOdd(s, err), mode)
		case "min", "max":
			a32, b32 := e.h2f(bf, x(1)), e.h2f(bf, x(2))
			m := e.fminmax(in.Op == "max", ptx.F32, a32, b32, in.Has(ptx.FlagNaN))
			// The result is one of the operands (or NaN): take its bits.
			isA := e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitcast, g.tU32, m), e.op(spirv.OpBitcast, g.tU32, a32))
			r = e.sel(g.tU32, isA, x(1), x(2))
			r = e.sel(g.tU32, e.op(spirv.OpIsNan, g.tBool, m), e.u32(0x7fff), r)
			if in.Has(ptx.FlagRelu) {
				neg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, r, e.u32(0x8000)), e.u32(0))
				nan := e.op(spirv.OpIEqual, g.tBool, r, e.u32(0x7fff))
				r = e.sel(g.tU32, e.op(spirv.OpLogicalAnd, g.tBool, neg, e.op(spirv.OpLogicalNot, g.tBool, nan)), e.u32(0), r)
			}
			return r
		case "abs", "neg":
			// The H100 computes abs and neg of halves arithmetically: a
			// NaN half becomes the canonical NaN 0x7fff, any other has its
			// sign cleared or flipped (ptx/cgen does the same).
			h := x(1)
			var r spirv.ID
			if in.Op == "neg" {
				r = e.op(spirv.OpBitwiseXor, g.tU32, h, e.u32(0x8000))
			} else {
				r = e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x7fff))
			}
			inf := uint32(0x7c00)
			if bf {
				inf = 0x7f80
			}
			mag := e.op(spirv.OpBitwiseAnd, g.tU32, h, e.u32(0x7fff))
			nan := e.op(spirv.OpUGreaterThan, g.tBool, mag, e.u32(inf))
			return e.sel(g.tU32, nan, e.u32(0x7fff), r)
		default:
			e.errorf(in, "not supported on .%s", t)
			return e.u32(0)
		}
		return e.halfPost(in, bf, r)
	}
	lo := one(false)
	var hi spirv.ID
	if pair {
		hi = one(true)
	}
	e.writeHalf(in, t, lo, hi)
}

// halfUnary is ex2 and tanh on f16/bf16 (computed in f32, rounded once).
func (e *fn) halfUnary(in *ptx.Inst, t ptx.Type) {
	bf := t == ptx.BF16 || t == ptx.BF16x2
	pair := t == ptx.F16x2 || t == ptx.BF16x2
	rt := ptx.B16
	if pair {
		rt = ptx.B32
	}
	if in.Op != "ex2" && in.Op != "tanh" {
		e.errorf(in, "not supported on .%s", t)
		return
	}
	a := e.rd(in.Args[1], rt)
	one := func(hi bool) spirv.ID {
		h := e.halfBits(t, a, hi)
		x := e.h2f(bf, h)
		r := e.approx32(in, in.Op, x)
		return e.halfPost(in, bf, e.halfRound(bf, e.f32ToF64Bits(r), ptx.RN))
	}
	lo := one(false)
	var hi spirv.ID
	if pair {
		hi = one(true)
	}
	e.writeHalf(in, t, lo, hi)
}

// ---- approximate functions ----

// approx32 computes ex2, lg2, sin, cos or tanh of an f32 in double
// precision and rounds to f32; the errors are far inside PTX's bounds.
// Without double precision the GLSL functions are used (within Vulkan's
// precision, which is looser than PTX's for large arguments).
func (e *fn) approx32(in *ptx.Inst, op string, x spirv.ID) spirv.ID {
	g := e.g
	if !g.t.Float64 {
		inst := map[string]spirv.GLSLInst{"ex2": spirv.GLSLExp2, "lg2": spirv.GLSLLog2, "sin": spirv.GLSLSin, "cos": spirv.GLSLCos, "tanh": spirv.GLSLTanh}[op]
		return e.ext(inst, g.tF32, x)
	}
	e.f64(in)
	x64 := e.toF64(x)
	var r spirv.ID
	switch op {
	case "ex2":
		r = e.exp2F64(x64)
	case "lg2":
		r = e.log2F64(x64)
	case "sin", "cos":
		r = e.sinCosF64(x64, op == "cos")
	case "tanh":
		r = e.tanhF64(x64)
	}
	return e.f32From(e.op(spirv.OpBitcast, g.tU64, r), ptx.RN)
}

// piHalfParts splits pi/2 into three doubles, the first two with 33
// significant bits, so that k*p1 and k*p2 are exact for |k| < 2^20.
var piHalfParts = func() [3]float64 {
	const digits = "1.57079632679489661923132169163975144209858469968755291048747229615390820314310449931401741267105853399107404325664115332354692230477529111586267970406424055872514205135096926055277982231147447746519098221440548783296672306423782411689339158263560095457282428346173017430522716332410669680363012457064"
	pi, _, _ := big.ParseFloat(digits, 10, 1000, big.ToNearestEven)
	var out [3]float64
	rest := new(big.Float).SetPrec(1000).Set(pi)
	for i := 0; i < 3; i++ {
		v, _ := rest.Float64()
		if i < 2 {
			v = math.Float64frombits(math.Float64bits(v) &^ (1<<20 - 1))
		}
		out[i] = v
		rest.Sub(rest, new(big.Float).SetFloat64(v))
	}
	return out
}()

func (e *fn) d(v float64) spirv.ID { return e.c(e.g.tF64, math.Float64bits(v)) }

// poly evaluates c[0] + c[1] x + ... by Horner's rule in double precision.
func (e *fn) poly(x spirv.ID, c []float64) spirv.ID {
	t := e.g.tF64
	r := e.d(c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		r = e.fop(spirv.OpFAdd, t, e.fop(spirv.OpFMul, t, r, x), e.d(c[i]))
	}
	return r
}

// exp2F64 is 2^x for x a widened f32: x = n + f with |f| <= 1/2, 2^f by
// its Taylor series, scaled by 2^n in two steps (n may be below -1022).
func (e *fn) exp2F64(x spirv.ID) spirv.ID {
	g := e.g
	t := g.tF64
	xc := e.ext(spirv.GLSLFClamp, t, x, e.d(-1100), e.d(1100))
	n := e.ext(spirv.GLSLRoundEven, t, xc)
	f := e.fop(spirv.OpFSub, t, xc, n)
	y := e.fop(spirv.OpFMul, t, f, e.d(math.Ln2))
	c := make([]float64, 16)
	fact := 1.0
	for i := range c {
		if i > 0 {
			fact *= float64(i)
		}
		c[i] = 1 / fact
	}
	p := e.poly(y, c)
	ni := e.op(spirv.OpConvertFToS, g.tU32, n)
	n1 := e.op(spirv.OpShiftRightArithmetic, g.tU32, ni, e.u32(1))
	n2 := e.op(spirv.OpISub, g.tU32, ni, n1)
	r := e.ext(spirv.GLSLLdexp, t, e.ext(spirv.GLSLLdexp, t, p, n1), n2)
	// Infinities and NaN pass through exp2's limits.
	r = e.sel(t, e.op(spirv.OpIsNan, g.tBool, x), x, r)
	return r
}

// log2F64 is log2(x): x = m * 2^k with m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh((m-1)/(m+1)) by its series.
func (e *fn) log2F64(x spirv.ID) spirv.ID {
	g := e.g
	t := g.tF64
	st := g.sm.TypeStruct(t, g.tU32)
	fr := e.ext(spirv.GLSLFrexpStruct, st, x)
	m := e.cur.Emit(spirv.OpCompositeExtract, t, uint32(fr), 0) // [0.5, 1)
	k := e.cur.Emit(spirv.OpCompositeExtract, g.tU32, uint32(fr), 1)
	small := e.op(spirv.OpFOrdLessThan, g.tBool, m, e.d(math.Sqrt2/2))
	m = e.sel(t, small, e.fop(spirv.OpFMul, t, m, e.d(2)), m)
	k = e.sel(g.tU32, small, e.op(spirv.OpISub, g.tU32, k, e.u32(1)), k)
	s := e.fop(spirv.OpFDiv, t, e.fop(spirv.OpFSub, t, m, e.d(1)), e.fop(spirv.OpFAdd, t, m, e.d(1)))
	s2 := e.fop(spirv.OpFMul, t, s, s)
	c := make([]float64, 12)
	for i := range c {
		c[i] = 2 / float64(2*i+1)
	}
	ln := e.fop(spirv.OpFMul, t, s, e.poly(s2, c))
	r := e.fop(spirv.OpFAdd, t, e.op(spirv.OpConvertSToF, t, k), e.fop(spirv.OpFMul, t, ln, e.d(1/math.Ln2)))
	// Special values: log2(0) = -inf, log2(<0) = NaN, log2(inf) = inf.
	r = e.sel(t, e.op(spirv.OpFOrdEqual, g.tBool, x, e.d(0)), e.d(math.Inf(-1)), r)
	r = e.sel(t, e.op(spirv.OpFUnordLessThan, g.tBool, x, e.d(0)), e.d(math.NaN()), r)
	r = e.sel(t, e.op(spirv.OpIsInf, g.tBool, x), x, r)
	return e.sel(t, e.op(spirv.OpIsNan, g.tBool, x), x, r)
}

// sinCosF64 is sin(x) or cos(x): x - k*pi/2 with pi/2 in three parts
// (exact products for the |x| < 2^30 that f32 arguments of interest
// have), then the Taylor series on [-pi/4, pi/4].
func (e *fn) sinCosF64(x spirv.ID, cos bool) spirv.ID {
	g := e.g
	t := g.tF64
	k := e.ext(spirv.GLSLRoundEven, t, e.fop(spirv.OpFMul, t, x, e.d(2/math.Pi)))
	p1, p2, p3 := piHalfParts[0], piHalfParts[1], piHalfParts[2]
	r := e.fop(spirv.OpFSub, t, x, e.fop(spirv.OpFMul, t, k, e.d(p1)))
	r = e.fop(spirv.OpFSub, t, r, e.fop(spirv.OpFMul, t, k, e.d(p2)))
	r = e.fop(spirv.OpFSub, t, r, e.fop(spirv.OpFMul, t, k, e.d(p3)))
	r2 := e.fop(spirv.OpFMul, t, r, r)
	sc := make([]float64, 11)
	cc := make([]float64, 11)
	fact := 1.0
	for i := 0; i < 22; i++ {
		if i > 0 {
			fact *= float64(i)
		}
		sgn := 1.0
		if (i/2)%2 == 1 {
			sgn = -1
		}
		if i%2 == 0 {
			cc[i/2] = sgn / fact
		} else {
			sc[i/2] = sgn / fact
		}
	}
	s := e.fop(spirv.OpFMul, t, r, e.poly(r2, sc))
	c := e.poly(r2, cc)
	q := e.op(spirv.OpConvertFToS, g.tU32, k)
	if cos {
		q = e.op(spirv.OpIAdd, g.tU32, q, e.u32(1))
	}
	q = e.op(spirv.OpBitwiseAnd, g.tU32, q, e.u32(3))
	// sin(r + q*pi/2): q=0 sin, 1 cos, 2 -sin, 3 -cos.
	odd := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, q, e.u32(1)), e.u32(0))
	v := e.sel(t, odd, c, s)
	neg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, q, e.u32(2)), e.u32(0))
	v = e.sel(t, neg, e.op(spirv.OpFNegate, t, v), v)
	bad := e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpIsInf, g.tBool, x), e.op(spirv.OpIsNan, g.tBool, x))
	return e.sel(t, bad, e.d(math.NaN()), v)
}

// tanhF64 is tanh(x): the series near 0, (1 - e)/(1 + e) with e = 2^(-2|x|/ln2) elsewhere.
func (e *fn) tanhF64(x spirv.ID) spirv.ID {
	g := e.g
	t := g.tF64
	ax := e.ext(spirv.GLSLFAbs, t, x)
	ex := e.exp2F64(e.fop(spirv.OpFMul, t, ax, e.d(-2/math.Ln2)))
	big := e.fop(spirv.OpFDiv, t, e.fop(spirv.OpFSub, t, e.d(1), ex), e.fop(spirv.OpFAdd, t, e.d(1), ex))
	x2 := e.fop(spirv.OpFMul, t, ax, ax)
	// tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - ...
	small := e.fop(spirv.OpFMul, t, ax, e.poly(x2, []float64{1, -1.0 / 3, 2.0 / 15, -17.0 / 315, 62.0 / 2835, -1382.0 / 155925, 21844.0 / 6081075, -929569.0 / 638512875}))
	r := e.sel(t, e.op(spirv.OpFOrdLessThan, g.tBool, ax, e.d(0.125)), small, big)
	res := e.fop(spirv.OpFMul, t, e.ext(spirv.GLSLFSign, t, x), r)
	// Keep the sign of zero; NaN passes.
	res = e.sel(t, e.op(spirv.OpFOrdEqual, g.tBool, x, e.d(0)), x, res)
	return e.sel(t, e.op(spirv.OpIsNan, g.tBool, x), x, res)
}
