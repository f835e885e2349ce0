package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Exact rounding. SPIR-V rounds arithmetic to nearest and has rounding
// modes only on conversions to 16 bits, so every other rounding is done
// here, in integer arithmetic, from a double s that carries the exact
// result x's information together with the sign of x - s (dir): s is the
// exact result, or x rounded to nearest with the exact error known from
// an error-free transformation (TwoSum for sums, a fused multiply-add or
// Dekker's product for products), or x rounded to odd (which rounds to
// formats of 24 bits or fewer, in any mode, exactly as x would). roundCore
// turns (s, dir, a power-of-two scale) into the result's bits in any
// format and mode; results too small or too large for the error-free
// transformations are computed at a scale where they are exact and
// rounded back there. Division and square root round a nearly exact
// quotient and correct it by the sign of the exact remainder.

// ffmt is a binary floating-point format.
type ffmt struct {
	p     int // significand bits, the implicit one included
	emin  int
	ebits int
	bias  int
	width int
	nan   uint64 // the canonical NaN PTX produces
}

var (
	fmtF32  = ffmt{p: 24, emin: -126, ebits: 8, bias: 127, width: 32, nan: 0x7fffffff}
	fmtF16  = ffmt{p: 11, emin: -14, ebits: 5, bias: 15, width: 16, nan: 0x7fff}
	fmtBF16 = ffmt{p: 8, emin: -126, ebits: 8, bias: 127, width: 16, nan: 0x7fff}
	fmtF64  = ffmt{p: 53, emin: -1022, ebits: 11, bias: 1023, width: 64, nan: 0x7fffffffffffffff}
)

func (f ffmt) infBits() uint64 { return uint64(1<<f.ebits-1) << (f.p - 1) }

// noContract keeps the driver from fusing an operation with another.
func (e *fn) noContract(id spirv.ID) spirv.ID {
	e.g.sm.Decorate(id, spirv.DecorationNoContraction)
	return id
}

func (e *fn) fop(op spirv.Op, t spirv.ID, args ...spirv.ID) spirv.ID {
	return e.noContract(e.op(op, t, args...))
}

// roundF64 rounds the double whose bits are x (u64, the exact value or
// its rounding to odd) to format f in mode and returns the bits (u32 for
// formats narrower than double).
func (e *fn) roundF64(x spirv.ID, f ffmt, mode ptx.Rounding) spirv.ID {
	return e.roundCore(x, e.c(e.g.tU64, 0), 0, f, mode)
}

// roundCore rounds x = (s + delta) * 2^-adj to format f in mode, where s
// is a double (bits, u64) and delta is smaller than half an ulp of s,
// given only by dir (u64 1: delta has s's sign, all ones: the opposite
// sign, 0: delta is 0). The result is u32 bits for formats narrower than
// double, u64 for double. NaN gives the format's canonical NaN.
func (e *fn) roundCore(x, dir spirv.ID, adj int32, f ffmt, mode ptx.Rounding) spirv.ID {
	g := e.g
	u32, u64, b := g.tU32, g.tU64, g.tBool
	if mode == ptx.RoundNone {
		mode = ptx.RN
	}
	sign64 := e.op(spirv.OpShiftRightLogical, u64, x, e.u32(63))
	exp := e.op(spirv.OpUConvert, u32, e.op(spirv.OpBitwiseAnd, u64, e.op(spirv.OpShiftRightLogical, u64, x, e.u32(52)), e.u64(0x7ff)))
	mant := e.op(spirv.OpBitwiseAnd, u64, x, e.u64(1<<52-1))
	isSpecial := e.op(spirv.OpIEqual, b, exp, e.u32(0x7ff))
	isNaN := e.op(spirv.OpLogicalAnd, b, isSpecial, e.op(spirv.OpINotEqual, b, mant, e.u64(0)))
	expZero := e.op(spirv.OpIEqual, b, exp, e.u32(0))
	isZero := e.op(spirv.OpLogicalAnd, b, expZero, e.op(spirv.OpIEqual, b, mant, e.u64(0)))
	neg := e.op(spirv.OpINotEqual, b, sign64, e.u64(0))
	// The value is m * 2^(eEff - 1075 - adj); with two more bits,
	// m2 = 4m + dir is x rounded to odd at two more bits of precision
	// (x lies strictly between m and m + dir/2 ulps), which every
	// rounding below treats exactly as x.
	eEff := e.sel(u32, expZero, e.u32(1), exp)
	m := e.sel(u64, expZero, mant, e.op(spirv.OpBitwiseOr, u64, mant, e.u64(1<<52)))
	m2 := e.op(spirv.OpIAdd, u64, e.op(spirv.OpShiftLeftLogical, u64, m, e.u32(2)), dir)
	// E: the exponent of the leading bit for a normal s (signed).
	E := e.op(spirv.OpISub, u32, eEff, e.u32(uint32(1023+adj)))
	normal := e.op(spirv.OpSGreaterThanEqual, b, E, e.u32(uint32(int32(f.emin))))
	normal = e.op(spirv.OpLogicalAnd, b, normal, e.op(spirv.OpLogicalNot, b, expZero))
	// Bits of m2 to drop: 55 - p for a normal result, more below emin.
	dSub := e.op(spirv.OpISub, u32, e.u32(uint32(int32(f.emin-f.p+1078)+adj)), eEff)
	d := e.sel(u32, normal, e.u32(uint32(55-f.p)), dSub)
	d = e.ext(spirv.GLSLUMin, u32, d, e.u32(62))
	kept := e.op(spirv.OpShiftRightLogical, u64, m2, d)
	rem := e.op(spirv.OpBitwiseAnd, u64, m2, e.op(spirv.OpISub, u64, e.op(spirv.OpShiftLeftLogical, u64, e.u64(1), d), e.u64(1)))
	half := e.op(spirv.OpShiftLeftLogical, u64, e.u64(1), e.op(spirv.OpISub, u32, d, e.u32(1)))
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
		tie := e.op(spirv.OpIEqual, b, rem, half)
		odd := e.op(spirv.OpINotEqual, b, e.op(spirv.OpBitwiseAnd, u64, kept, e.u64(1)), e.u64(0))
		up = e.op(spirv.OpLogicalOr, b, gt, e.op(spirv.OpLogicalAnd, b, tie, odd))
	}
	kept = e.op(spirv.OpIAdd, u64, kept, e.sel(u64, up, e.u64(1), e.u64(0)))
	// (Et + bias - 1) << (p-1) + kept: a carry out of kept bumps the
	// exponent; a subnormal result has Et = emin and field 0.
	et := e.sel(u32, normal, E, e.u32(uint32(int32(f.emin))))
	emax := int32(f.bias)
	huge := e.op(spirv.OpSGreaterThan, b, et, e.u32(uint32(emax)))
	et = e.sel(u32, huge, e.u32(uint32(emax+1)), et)
	base := e.op(spirv.OpIAdd, u32, et, e.u32(uint32(f.bias-1)))
	body := e.op(spirv.OpIAdd, u64, e.op(spirv.OpShiftLeftLogical, u64, e.op(spirv.OpUConvert, u64, base), e.u32(uint32(f.p-1))), kept)
	inf := e.u64(f.infBits())
	over := e.op(spirv.OpLogicalOr, b, huge, e.op(spirv.OpUGreaterThanEqual, b, body, inf))
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
	body = e.sel(u64, over, e.sel(u64, toInf, inf, e.u64(f.infBits()-1)), body)
	body = e.sel(u64, isSpecial, inf, body)
	body = e.sel(u64, isZero, e.u64(0), body)
	r := e.op(spirv.OpBitwiseOr, u64, body, e.op(spirv.OpShiftLeftLogical, u64, sign64, e.u32(uint32(f.width-1))))
	r = e.sel(u64, isNaN, e.u64(f.nan), r)
	if f.width < 64 {
		return e.op(spirv.OpUConvert, u32, r)
	}
	return r
}

// dirOf is roundCore's dir for s and an error err (a double with the
// sign of x - s, 0 when exact).
func (e *fn) dirOf(s, err spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	nz := e.op(spirv.OpFOrdNotEqual, g.tBool, err, e.c(t, 0))
	sb := e.op(spirv.OpShiftRightLogical, g.tU64, e.op(spirv.OpBitcast, g.tU64, s), e.u32(63))
	eb := e.op(spirv.OpShiftRightLogical, g.tU64, e.op(spirv.OpBitcast, g.tU64, err), e.u32(63))
	same := e.op(spirv.OpIEqual, g.tBool, sb, eb)
	return e.sel(g.tU64, nz, e.sel(g.tU64, same, e.u64(1), e.u64(^uint64(0))), e.u64(0))
}

// twoSum returns s = RN(a+b) and the exact error a+b-s (doubles).
func (e *fn) twoSum(a, b spirv.ID) (s, err spirv.ID) {
	t := e.f64(nil)
	s = e.fop(spirv.OpFAdd, t, a, b)
	bb := e.fop(spirv.OpFSub, t, s, a)
	ab := e.fop(spirv.OpFSub, t, s, bb)
	da := e.fop(spirv.OpFSub, t, a, ab)
	db := e.fop(spirv.OpFSub, t, b, bb)
	err = e.fop(spirv.OpFAdd, t, da, db)
	return
}

// roundToOdd turns s = RN(x) and the error err = x - s into the bits of x
// rounded to odd: s when exact, else s moved one step toward x when its
// last bit is even.
func (e *fn) roundToOdd(s, err spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	bits := e.op(spirv.OpBitcast, g.tU64, s)
	inexact := e.op(spirv.OpFOrdNotEqual, g.tBool, err, e.c(t, 0))
	even := e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU64, bits, e.u64(1)), e.u64(0))
	sameSign := e.op(spirv.OpIEqual, g.tBool,
		e.op(spirv.OpShiftRightLogical, g.tU64, bits, e.u32(63)),
		e.op(spirv.OpShiftRightLogical, g.tU64, e.op(spirv.OpBitcast, g.tU64, err), e.u32(63)))
	step := e.sel(g.tU64, sameSign, e.u64(1), e.u64(^uint64(0)))
	adj := e.op(spirv.OpLogicalAnd, g.tBool, inexact, even)
	return e.sel(g.tU64, adj, e.op(spirv.OpIAdd, g.tU64, bits, step), bits)
}

// nudge returns the bits of double x moved one step toward the side
// given by dir (a double: >0 up, <0 down, 0 or NaN: unchanged): a value
// strictly between x and its neighbour, which rounds to a narrower format
// like any value on that side of x does.
func (e *fn) nudge(x, dir spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	bits := e.op(spirv.OpBitcast, g.tU64, x)
	pos := e.op(spirv.OpFOrdGreaterThan, g.tBool, dir, e.c(t, 0))
	negd := e.op(spirv.OpFOrdLessThan, g.tBool, dir, e.c(t, 0))
	xneg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpShiftRightLogical, g.tU64, bits, e.u32(63)), e.u64(0))
	upStep := e.sel(g.tU64, xneg, e.u64(^uint64(0)), e.u64(1))
	downStep := e.sel(g.tU64, xneg, e.u64(1), e.u64(^uint64(0)))
	r := e.sel(g.tU64, pos, e.op(spirv.OpIAdd, g.tU64, bits, upStep), bits)
	return e.sel(g.tU64, negd, e.op(spirv.OpIAdd, g.tU64, bits, downStep), r)
}

// stepF64 moves double x (finite) one ulp toward +inf (up) or -inf.
func (e *fn) stepF64(x spirv.ID, up spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	bits := e.op(spirv.OpBitcast, g.tU64, x)
	xneg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpShiftRightLogical, g.tU64, bits, e.u32(63)), e.u64(0))
	inc := e.op(spirv.OpLogicalNotEqual, g.tBool, up, xneg)
	nb := e.op(spirv.OpIAdd, g.tU64, bits, e.sel(g.tU64, inc, e.u64(1), e.u64(^uint64(0))))
	zero := e.op(spirv.OpFOrdEqual, g.tBool, x, e.c(t, 0))
	tiny := e.sel(g.tU64, up, e.u64(1), e.u64(0x8000000000000001))
	nb = e.sel(g.tU64, zero, tiny, nb)
	return e.op(spirv.OpBitcast, t, nb)
}

func (e *fn) isFinite(x spirv.ID) spirv.ID {
	g := e.g
	return e.op(spirv.OpLogicalNot, g.tBool, e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpIsInf, g.tBool, x), e.op(spirv.OpIsNan, g.tBool, x)))
}

func (e *fn) fabs(x spirv.ID) spirv.ID { return e.ext(spirv.GLSLFAbs, e.f64(nil), x) }

// fmaF64 returns fma(a, b, c) of doubles, correctly rounded to nearest:
// the device's when it is fused, else emulated.
func (e *fn) fmaF64(a, b, c spirv.ID) spirv.ID {
	if e.g.t.FusedFMA64 {
		return e.ext(spirv.GLSLFma, e.f64(nil), a, b, c)
	}
	return e.fmaExact(a, b, c, ptx.RN)
}

// f64Helper calls the module's out-of-line helper name.mode on doubles
// (outline.go), whose body is body(params).
func (e *fn) f64Helper(name string, mode ptx.Rounding, body func(ps []spirv.ID) spirv.ID, args ...spirv.ID) spirv.ID {
	t := e.f64(nil)
	types := make([]spirv.ID, len(args))
	for i := range types {
		types[i] = t
	}
	return e.call(name+".f64."+mode.String(), spirv.FunctionControlNone, t, types, args, body)
}

// twoProd returns p = RN(a*b) and the exact error a*b - p: with the
// fused fma, or Dekker's product of Veltkamp's halves (operands above
// 2^995 are scaled down for the split; the error is exact unless it is
// below the subnormal range: callers scale tiny products up first).
func (e *fn) twoProd(a, b spirv.ID) (p, err spirv.ID) {
	t := e.f64(nil)
	p = e.fop(spirv.OpFMul, t, a, b)
	if e.g.t.FusedFMA64 {
		return p, e.ext(spirv.GLSLFma, t, a, b, e.op(spirv.OpFNegate, t, p))
	}
	scale := func(x spirv.ID) (xs, back spirv.ID) {
		big := e.op(spirv.OpFOrdGreaterThan, e.g.tBool, e.fabs(x), e.d(0x1p995))
		return e.fop(spirv.OpFMul, t, x, e.sel(t, big, e.d(0x1p-54), e.d(1))), e.sel(t, big, e.d(0x1p54), e.d(1))
	}
	split := func(x spirv.ID) (hi, lo spirv.ID) {
		c := e.fop(spirv.OpFMul, t, x, e.d(134217729)) // 2^27 + 1
		hi = e.fop(spirv.OpFSub, t, c, e.fop(spirv.OpFSub, t, c, x))
		lo = e.fop(spirv.OpFSub, t, x, hi)
		return
	}
	as, ab := scale(a)
	bs, bb := scale(b)
	ps := e.fop(spirv.OpFMul, t, as, bs)
	ah, al := split(as)
	bh, bl := split(bs)
	err = e.fop(spirv.OpFSub, t, e.fop(spirv.OpFMul, t, ah, bh), ps)
	err = e.fop(spirv.OpFAdd, t, err, e.fop(spirv.OpFMul, t, ah, bl))
	err = e.fop(spirv.OpFAdd, t, err, e.fop(spirv.OpFMul, t, al, bh))
	err = e.fop(spirv.OpFAdd, t, err, e.fop(spirv.OpFMul, t, al, bl))
	err = e.fop(spirv.OpFMul, t, e.fop(spirv.OpFMul, t, err, ab), bb)
	return
}

// fmaParts returns s and the sign of a*b + c - s, for s = RN(a*b + c)
// (Boldo and Melquiond: a*b = uh + ul, c + uh = th + tl exactly,
// v = RO(tl + ul), s = RN(th + v); when th + v is exact the residual is
// v's rounding error).
func (e *fn) fmaParts(a, b, c spirv.ID) (s, err spirv.ID) {
	g := e.g
	t := e.f64(nil)
	uh, ul := e.twoProd(a, b)
	th, tl := e.twoSum(c, uh)
	z, ez := e.twoSum(tl, ul)
	v := e.op(spirv.OpBitcast, t, e.roundToOdd(z, ez))
	s, err = e.twoSum(th, v)
	exact := e.op(spirv.OpFOrdEqual, g.tBool, err, e.c(t, 0))
	rerr := e.fop(spirv.OpFAdd, t, e.fop(spirv.OpFSub, t, z, v), ez)
	return s, e.sel(t, exact, rerr, err)
}

// scaleFor picks the power-of-two scale (as an exponent k: the
// operation is computed on operands scaled to give x * 2^k) that keeps a
// result estimated by est inside the range where the error-free
// transformations are exact: 2^256 for results below 2^-960, 2^-256 for
// results that overflow, 1 otherwise. It returns k as a u32 (signed) and
// whether to scale.
func (e *fn) tinyOrHuge(est spirv.ID) (tiny, huge spirv.ID) {
	g := e.g
	ae := e.fabs(est)
	tiny = e.op(spirv.OpFOrdLessThan, g.tBool, ae, e.d(0x1p-960))
	huge = e.op(spirv.OpFOrdGreaterThan, g.tBool, ae, e.d(0x1p1020)) // overflowed or about to
	return
}

// exactF64 computes an f64 add, sub, mul or fma in a directed mode, in
// an out-of-line helper (sub is add of -b).
func (e *fn) exactF64(op string, mode ptx.Rounding, a, b, c spirv.ID) spirv.ID {
	switch op {
	case "fma":
		return e.fmaExact(a, b, c, mode)
	case "sub":
		op, b = "add", e.op(spirv.OpFNegate, e.f64(nil), b)
	}
	return e.f64Helper(op, mode, func(ps []spirv.ID) spirv.ID { return e.exactF64Body(op, mode, ps[0], ps[1]) }, a, b)
}

// exactF64Body is exactF64's add or mul.
func (e *fn) exactF64Body(op string, mode ptx.Rounding, a, b spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	var s, err, exactZero spirv.ID
	switch op {
	case "add":
		// TwoSum is exact with subnormals; only overflow needs care.
		s, err = e.twoSum(a, b)
		exactZero = e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpFOrdEqual, g.tBool, s, e.d(0)), e.op(spirv.OpFOrdEqual, g.tBool, err, e.d(0)))
		r := e.op(spirv.OpBitcast, t, e.roundCore(e.op(spirv.OpBitcast, g.tU64, s), e.dirOf(s, err), 0, fmtF64, mode))
		r = e.overflow(r, s, mode)
		return e.fixSpecial("add", mode, ptx.F64, r, exactZero, a, b, 0)
	case "mul":
		ea, eb := e.frexpExp(a), e.frexpExp(b)
		pe := e.op(spirv.OpIAdd, g.tU32, ea, eb) // a*b in [2^(pe-2), 2^pe)
		r := e.scaledF64(mode, e.fop(spirv.OpFMul, t, a, b), func(k int) (spirv.ID, spirv.ID) {
			f := e.d(ldexp1(k / 2))
			return e.twoProd(e.fop(spirv.OpFMul, t, a, f), e.fop(spirv.OpFMul, t, b, f))
		})
		neg := e.op(spirv.OpLogicalNotEqual, g.tBool, e.signBit(a), e.signBit(b))
		r = e.extremeF64(mode, neg, e.op(spirv.OpSGreaterThan, g.tBool, pe, e.u32(1030)), e.op(spirv.OpSLessThan, g.tBool, pe, e.u32(uint32(0xffffffff-1299))), r)
		exactZero = e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpFOrdEqual, g.tBool, a, e.d(0)), e.op(spirv.OpFOrdEqual, g.tBool, b, e.d(0)))
		return e.fixSpecial("mul", mode, ptx.F64, r, exactZero, a, b, 0)
	}
	panic("spirvgen: exactF64Body: " + op)
}

func ldexp1(k int) float64 {
	x := 1.0
	for ; k > 0; k-- {
		x *= 2
	}
	for ; k < 0; k++ {
		x /= 2
	}
	return x
}

// scaledF64 rounds an operation whose RN estimate is est: parts(k)
// returns (s, err) for the operation on operands scaled so that the
// exact result is x * 2^k. Normal results use k = 0; tiny ones 256,
// overflowing ones -256.
func (e *fn) scaledF64(mode ptx.Rounding, est spirv.ID, parts func(k int) (spirv.ID, spirv.ID)) spirv.ID {
	g := e.g
	t := e.f64(nil)
	tiny, huge := e.tinyOrHuge(est)
	res := e.tmpVar(t)
	round := func(k int) {
		s, err := parts(k)
		r := e.roundCore(e.op(spirv.OpBitcast, g.tU64, s), e.dirOf(s, err), int32(k), fmtF64, mode)
		e.store(res, e.op(spirv.OpBitcast, t, r))
	}
	e.ifElse(tiny, func() { round(256) }, func() {
		e.ifElse(huge, func() { round(-256) }, func() { round(0) })
	})
	return e.load(t, res)
}

// overflow fixes a directed rounding whose RN sum s overflowed to
// infinity from finite operands: RZ and the rounding away from that
// infinity give the largest finite value (roundCore saw the infinity).
func (e *fn) overflow(r, s spirv.ID, mode ptx.Rounding) spirv.ID {
	g := e.g
	t := e.f64(nil)
	if mode == ptx.RN || mode == ptx.RoundNone {
		return r
	}
	isInf := e.op(spirv.OpIsInf, g.tBool, s)
	pinf := e.op(spirv.OpFOrdGreaterThan, g.tBool, s, e.c(t, 0))
	var toMax spirv.ID
	switch mode {
	case ptx.RZ:
		toMax = g.cbool(true)
	case ptx.RM:
		toMax = pinf
	case ptx.RP:
		toMax = e.op(spirv.OpLogicalNot, g.tBool, pinf)
	}
	max := e.sel(g.tU64, pinf, e.u64(0x7fefffffffffffff), e.u64(0xffefffffffffffff))
	return e.sel(t, e.op(spirv.OpLogicalAnd, g.tBool, isInf, toMax), e.op(spirv.OpBitcast, t, max), r)
}

// frexpExp is x's binary exponent e with x = f * 2^e, f in [0.5, 1)
// (u32, signed; 0 for zero).
func (e *fn) frexpExp(x spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	st := g.sm.TypeStruct(t, g.tU32)
	fr := e.ext(spirv.GLSLFrexpStruct, st, x)
	return e.cur.Emit(spirv.OpCompositeExtract, g.tU32, uint32(fr), 1)
}

func (e *fn) signBit(x spirv.ID) spirv.ID {
	g := e.g
	return e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpShiftRightLogical, g.tU64, e.op(spirv.OpBitcast, g.tU64, x), e.u32(63)), e.u64(0))
}

// extremeF64 overrides r for results far outside double's range, of
// sign neg: over (far above the largest double) gives infinity or the
// largest finite value by mode, under (nonzero, far below the smallest
// subnormal) zero or the smallest subnormal.
func (e *fn) extremeF64(mode ptx.Rounding, neg, over, under, r spirv.ID) spirv.ID {
	g := e.g
	t := e.f64(nil)
	sign := e.sel(g.tU64, neg, e.u64(1<<63), e.u64(0))
	mk := func(bits uint64) spirv.ID {
		return e.op(spirv.OpBitcast, t, e.op(spirv.OpBitwiseOr, g.tU64, sign, e.u64(bits)))
	}
	inf, max, zero, min := mk(0x7ff0000000000000), mk(0x7fefffffffffffff), mk(0), mk(1)
	var bigV, smallV spirv.ID
	switch mode {
	case ptx.RZ:
		bigV, smallV = max, zero
	case ptx.RP:
		bigV, smallV = e.sel(t, neg, max, inf), e.sel(t, neg, zero, min)
	case ptx.RM:
		bigV, smallV = e.sel(t, neg, inf, max), e.sel(t, neg, min, zero)
	default:
		bigV, smallV = inf, zero
	}
	r = e.sel(t, over, bigV, r)
	return e.sel(t, under, smallV, r)
}

// fmaExact is fma(a, b, c) of doubles rounded once in mode, computed at
// a scale where its parts are exact, in an out-of-line helper. A product
// far below c's last place only decides which way c is inexact; a
// product far beyond double's range overflows whatever c is.
func (e *fn) fmaExact(a, b, c spirv.ID, mode ptx.Rounding) spirv.ID {
	return e.f64Helper("fma", mode, func(ps []spirv.ID) spirv.ID { return e.fmaExactBody(ps[0], ps[1], ps[2], mode) }, a, b, c)
}

func (e *fn) fmaExactBody(a, b, c spirv.ID, mode ptx.Rounding) spirv.ID {
	g := e.g
	t := e.f64(nil)
	u32, bo := g.tU32, g.tBool
	est, _ := e.fmaParts(a, b, c)
	estH := e.sel(t, e.isFinite(est), est, e.d(0x1p1023))
	r := e.scaledF64(mode, estH, func(k int) (spirv.ID, spirv.ID) {
		f := e.d(ldexp1(k / 2))
		return e.fmaParts(e.fop(spirv.OpFMul, t, a, f), e.fop(spirv.OpFMul, t, b, f), e.fop(spirv.OpFMul, t, c, e.d(ldexp1(k))))
	})
	ea, eb, ec := e.frexpExp(a), e.frexpExp(b), e.frexpExp(c)
	pe := e.op(spirv.OpIAdd, u32, ea, eb)
	nz := e.op(spirv.OpLogicalAnd, bo, e.op(spirv.OpFOrdNotEqual, bo, a, e.d(0)), e.op(spirv.OpFOrdNotEqual, bo, b, e.d(0)))
	cz := e.op(spirv.OpFOrdEqual, bo, c, e.d(0))
	pneg := e.op(spirv.OpLogicalNotEqual, bo, e.signBit(a), e.signBit(b))
	// The product beside c: |a*b| < 2^pe <= 2^(ec-56) < ulp(c)/4.
	sticky := e.op(spirv.OpLogicalAnd, bo, nz, e.op(spirv.OpLogicalNot, bo, cz))
	sticky = e.op(spirv.OpLogicalAnd, bo, sticky, e.op(spirv.OpSLessThan, bo, pe, e.op(spirv.OpISub, u32, ec, e.u32(56))))
	dir := e.sel(g.tU64, e.op(spirv.OpLogicalEqual, bo, pneg, e.signBit(c)), e.u64(1), e.u64(^uint64(0)))
	rs := e.op(spirv.OpBitcast, t, e.roundCore(e.op(spirv.OpBitcast, g.tU64, c), dir, 0, fmtF64, mode))
	r = e.sel(t, sticky, rs, r)
	over := e.op(spirv.OpLogicalAnd, bo, nz, e.op(spirv.OpSGreaterThan, bo, pe, e.u32(1030)))
	under := e.op(spirv.OpLogicalAnd, bo, nz, e.op(spirv.OpLogicalAnd, bo, cz, e.op(spirv.OpSLessThan, bo, pe, e.u32(uint32(0xffffffff-1199)))))
	r = e.extremeF64(mode, pneg, over, under, r)
	// An exact zero: a*b and c cancel, or are zeros.
	s0, e0 := e.fmaParts(a, b, c)
	exactZero := e.op(spirv.OpLogicalAnd, bo, e.op(spirv.OpFOrdEqual, bo, s0, e.d(0)), e.op(spirv.OpFOrdEqual, bo, e0, e.d(0)))
	tinyP := e.op(spirv.OpLogicalAnd, bo, nz, e.op(spirv.OpSLessThan, bo, pe, e.u32(uint32(0xffffffff-959))))
	exactZero = e.op(spirv.OpLogicalAnd, bo, exactZero, e.op(spirv.OpLogicalNot, bo, tinyP))
	return e.fixSpecial("fma", mode, ptx.F64, r, exactZero, a, b, c)
}

// fmaPlain is a*b + c in ft computed plainly, right for infinite and NaN
// operands (fixSpecial's result for them), and the product and addend the
// sum was made of.
func (e *fn) fmaPlain(ft, a, b, c spirv.ID) (plain, p, addend spirv.ID) {
	g := e.g
	p = e.fop(spirv.OpFMul, ft, a, b)
	plain = e.fop(spirv.OpFAdd, ft, p, c)
	// A finite product that overflows here is finite in fma: an infinite c
	// wins.
	abFin := e.op(spirv.OpLogicalAnd, g.tBool, e.isFinite(a), e.isFinite(b))
	return e.sel(ft, abFin, e.sel(ft, e.isFinite(c), plain, c), plain), p, c
}

// fixSpecial completes an add, sub, mul or fma whose finite-case result
// is r: infinite and NaN operands give the plain operation's result (the
// same in every mode), and an exact zero (exactZero) gets IEEE's sign:
// negative in RM unless both addends are +0, the plain sum's otherwise.
func (e *fn) fixSpecial(op string, mode ptx.Rounding, t ptx.Type, r, exactZero, a, b, c spirv.ID) spirv.ID {
	g := e.g
	ft := e.vt(t)
	ut := e.vt(t.Unsigned())
	var plain, x, y spirv.ID // x + y for sums
	switch op {
	case "add":
		plain, x, y = e.fop(spirv.OpFAdd, ft, a, b), a, b
	case "sub":
		nb := e.op(spirv.OpFNegate, ft, b)
		plain, x, y = e.fop(spirv.OpFAdd, ft, a, nb), a, nb
	case "mul":
		plain = e.fop(spirv.OpFMul, ft, a, b)
	case "fma":
		plain, x, y = e.fmaPlain(ft, a, b, c)
	}
	fin := e.op(spirv.OpLogicalAnd, g.tBool, e.isFinite(a), e.isFinite(b))
	if op == "fma" {
		fin = e.op(spirv.OpLogicalAnd, g.tBool, fin, e.isFinite(c))
	}
	res := e.sel(ft, fin, r, plain)
	switch {
	case y == 0:
		// A product: an exact zero is the plain product (its sign is the
		// operands' signs' xor).
		res = e.sel(ft, e.op(spirv.OpLogicalAnd, g.tBool, exactZero, fin), plain, res)
	case mode == ptx.RM:
		posZero := func(v spirv.ID) spirv.ID {
			return e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitcast, ut, v), e.c(ut, 0))
		}
		// The zero is chosen between integer bit patterns: NVIDIA's
		// driver (H100, 2026) treats the floats +0 and -0 as equal
		// (there is no SignedZeroInfNanPreserve) and gave -0 for
		// +0 + +0 when the choice was a float select.
		both := e.op(spirv.OpLogicalAnd, g.tBool, posZero(x), posZero(y))
		zero := e.sel(ut, both, e.c(ut, 0), e.c(ut, 1<<(t.Bits()-1)))
		useZero := e.op(spirv.OpLogicalAnd, g.tBool, exactZero, fin)
		res = e.op(spirv.OpBitcast, ft, e.sel(ut, useZero, zero, e.op(spirv.OpBitcast, ut, res)))
	default:
		res = e.sel(ft, e.op(spirv.OpLogicalAnd, g.tBool, exactZero, fin), plain, res)
	}
	return res
}

// divF64 is a/b for doubles, correctly rounded in mode (an out-of-line
// helper).
func (e *fn) divF64(a, b spirv.ID, mode ptx.Rounding) spirv.ID {
	return e.f64Helper("div", mode, func(ps []spirv.ID) spirv.ID { return e.divF64Body(ps[0], ps[1], mode) }, a, b)
}

func (e *fn) divF64Body(a, b spirv.ID, mode ptx.Rounding) spirv.ID {
	g := e.g
	t := e.f64(nil)
	q0 := e.fop(spirv.OpFDiv, t, a, b)
	fin := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpLogicalAnd, g.tBool, e.isFinite(a), e.isFinite(b)),
		e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpFOrdNotEqual, g.tBool, b, e.d(0)), e.op(spirv.OpFOrdNotEqual, g.tBool, a, e.d(0))))
	r := e.scaledF64(mode, q0, func(k int) (spirv.ID, spirv.ID) {
		a2, b2 := a, b
		if k != 0 {
			// Scale whichever operand stays in range.
			f := e.d(ldexp1(k))
			fi := e.d(ldexp1(-k))
			sa := e.op(spirv.OpFOrdLessThan, g.tBool, e.fabs(a), e.d(0x1p700))
			if k < 0 {
				sa = e.op(spirv.OpFOrdGreaterThan, g.tBool, e.fabs(a), e.d(0x1p-700))
			}
			a2 = e.sel(t, sa, e.fop(spirv.OpFMul, t, a, f), a)
			b2 = e.sel(t, sa, b, e.fop(spirv.OpFMul, t, b, fi))
		}
		return e.divParts(a2, b2)
	})
	qe := e.op(spirv.OpISub, g.tU32, e.frexpExp(a), e.frexpExp(b)) // a/b in (2^(qe-1), 2^(qe+1))
	neg := e.op(spirv.OpLogicalNotEqual, g.tBool, e.signBit(a), e.signBit(b))
	r = e.extremeF64(mode, neg, e.op(spirv.OpSGreaterThan, g.tBool, qe, e.u32(1030)), e.op(spirv.OpSLessThan, g.tBool, qe, e.u32(uint32(0xffffffff-1199))), r)
	return e.sel(t, fin, r, q0)
}

// divParts returns q = RN(a/b) and a double with the sign of a/b - q
// (a, b finite and nonzero, the quotient in the normal range).
func (e *fn) divParts(a, b spirv.ID) (spirv.ID, spirv.ID) {
	g := e.g
	t := e.f64(nil)
	// Two small operands are scaled up alike (the quotient is the same),
	// so that the residual a - q*b does not underflow.
	small := e.op(spirv.OpFOrdLessThan, g.tBool, e.ext(spirv.GLSLFMax, t, e.fabs(a), e.fabs(b)), e.d(0x1p-400))
	sc := e.sel(t, small, e.d(0x1p600), e.d(1))
	a = e.fop(spirv.OpFMul, t, a, sc)
	b = e.fop(spirv.OpFMul, t, b, sc)
	q0 := e.fop(spirv.OpFDiv, t, a, b)
	r0 := e.fmaF64(e.op(spirv.OpFNegate, t, q0), b, a)
	q1 := e.fop(spirv.OpFAdd, t, q0, e.fop(spirv.OpFDiv, t, r0, b))
	q1 = e.sel(t, e.isFinite(q1), q1, q0)
	sb := e.ext(spirv.GLSLFSign, t, b)
	return e.refineRN(q1, func(q spirv.ID) spirv.ID {
		// a/b - q has the sign of (a - q*b)/b.
		return e.fop(spirv.OpFMul, t, e.fmaF64(e.op(spirv.OpFNegate, t, q), b, a), sb)
	}, g.cbool(true))
}

// sqrtF64 is sqrt(a) for doubles, correctly rounded in mode. A tiny a is
// scaled by 2^256 (its root by 2^128, exactly) so that the residual is
// exact. It is an out-of-line helper.
func (e *fn) sqrtF64(a spirv.ID, mode ptx.Rounding) spirv.ID {
	return e.f64Helper("sqrt", mode, func(ps []spirv.ID) spirv.ID { return e.sqrtF64Body(ps[0], mode) }, a)
}

func (e *fn) sqrtF64Body(a spirv.ID, mode ptx.Rounding) spirv.ID {
	g := e.g
	t := e.f64(nil)
	q0 := e.ext(spirv.GLSLSqrt, t, a)
	ok := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpFOrdGreaterThan, g.tBool, a, e.d(0)), e.isFinite(a))
	tiny := e.op(spirv.OpFOrdLessThan, g.tBool, a, e.d(0x1p-960))
	as := e.sel(t, tiny, e.fop(spirv.OpFMul, t, a, e.d(0x1p256)), a)
	qs := e.ext(spirv.GLSLSqrt, t, as)
	// One Newton step makes the device's root nearly exact.
	qs = e.fop(spirv.OpFAdd, t, qs, e.fop(spirv.OpFDiv, t, e.fmaF64(e.op(spirv.OpFNegate, t, qs), qs, as), e.fop(spirv.OpFMul, t, qs, e.d(2))))
	qs = e.sel(t, e.isFinite(qs), qs, q0)
	q, r := e.refineRN(qs, func(q spirv.ID) spirv.ID {
		return e.fmaF64(e.op(spirv.OpFNegate, t, q), q, as)
	}, ok)
	res := e.op(spirv.OpBitcast, t, e.roundCore(e.op(spirv.OpBitcast, g.tU64, q), e.dirOf(q, r), 0, fmtF64, mode))
	res = e.sel(t, tiny, e.fop(spirv.OpFMul, t, res, e.d(0x1p-128)), res)
	return e.sel(t, ok, res, q0)
}

// refineRN turns an approximation q (within a few ulps) of an exact
// value x into RN(x) and a double with the sign of x - RN(x), given
// residual(c), a double with the sign of x - c for c near x (exact for
// division and square root when c is within an ulp). ok is false where
// q is not to be refined.
func (e *fn) refineRN(q spirv.ID, residual func(q spirv.ID) spirv.ID, ok spirv.ID) (spirv.ID, spirv.ID) {
	g := e.g
	t := e.f64(nil)
	zero := e.c(t, 0)
	// Walk q toward x until x lies between q and its neighbour beyond it.
	for i := 0; i < 2; i++ {
		r := residual(q)
		up := e.op(spirv.OpFOrdGreaterThan, g.tBool, r, zero)
		down := e.op(spirv.OpFOrdLessThan, g.tBool, r, zero)
		qu := e.stepF64(q, g.cbool(true))
		qd := e.stepF64(q, g.cbool(false))
		moveUp := e.op(spirv.OpLogicalAnd, g.tBool, up, e.op(spirv.OpFOrdGreaterThanEqual, g.tBool, residual(qu), zero))
		moveDown := e.op(spirv.OpLogicalAnd, g.tBool, down, e.op(spirv.OpFOrdLessThanEqual, g.tBool, residual(qd), zero))
		nq := e.sel(t, moveUp, qu, q)
		nq = e.sel(t, moveDown, qd, nq)
		q = e.sel(t, ok, nq, q)
	}
	// x is in [q, q+ulp) or (q-ulp, q]; the midpoint test: x - mid has
	// the sign of r(q) + r(next) (the residual is linear in q for
	// division; for square root the quadratic term cannot flip it).
	r := residual(q)
	up := e.op(spirv.OpFOrdGreaterThan, g.tBool, r, zero)
	next := e.sel(t, up, e.stepF64(q, g.cbool(true)), e.stepF64(q, g.cbool(false)))
	rn := residual(next)
	s := e.fop(spirv.OpFAdd, t, r, rn)
	beyond := e.op(spirv.OpLogicalAnd, g.tBool, up, e.op(spirv.OpFOrdGreaterThan, g.tBool, s, zero))
	beyond = e.op(spirv.OpLogicalOr, g.tBool, beyond, e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpLogicalNot, g.tBool, up),
		e.op(spirv.OpFOrdLessThan, g.tBool, s, zero)))
	tie := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpFOrdEqual, g.tBool, s, zero), e.op(spirv.OpFOrdNotEqual, g.tBool, r, zero))
	qodd := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU64, e.op(spirv.OpBitcast, g.tU64, q), e.u64(1)), e.u64(0))
	beyond = e.op(spirv.OpLogicalOr, g.tBool, beyond, e.op(spirv.OpLogicalAnd, g.tBool, tie, qodd))
	beyond = e.op(spirv.OpLogicalAnd, g.tBool, beyond, ok)
	return e.sel(t, beyond, next, q), e.sel(t, beyond, rn, r)
}
