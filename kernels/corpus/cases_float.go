package corpus

import (
	"math"
	"math/big"
	"math/rand/v2"
)

// Cases of floatround.cu, half.cu and fastmath.cu.

func init() {
	register(
		Case{Name: "floatround/round_f32", F32Subnormals: true, Module: "floatround", Covers: "add/sub/mul/fma/div/sqrt/rcp .f32 in rn/rz/rm/rp, subnormals, overflow, signed zeros", Make: mkRoundF32},
		Case{Name: "floatround/round_f64", Module: "floatround", Covers: "the same in .f64", Make: mkRoundF64},
		Case{Name: "floatround/convert", F32Subnormals: true, Module: "floatround", Covers: "cvt between f32/f64 and s32/u32/s64/u64 in every rounding mode, clamping, NaN rules, cvt.sat, cvt.rni/rmi/rzi.f32.f32", Make: mkConvert},
		Case{Name: "floatround/minmax_nan", F32Subnormals: true, Module: "floatround", Covers: "min/max with NaN and signed zeros, abs, neg, copysign (selp and copysign.f32), testp", Make: mkMinmaxNaN},
		Case{Name: "half/half_convert", F32Subnormals: true, Module: "half", Covers: "cvt.rn/rz.f16.f32, cvt.f32.f16, cvt.rn/rz.bf16.f32, cvt.rn.f16.f64", Make: mkHalfConvert},
		Case{Name: "half/half_arith", Module: "half", Covers: "add/mul/fma.rn.f16, neg.f16, add/fma.rn.f16x2, fma.rn.bf16", Make: mkHalfArith},
		Case{Name: "fastmath/fast_math", Module: "fastmath", Covers: "ex2/lg2/sin/cos/rsqrt/rcp/sqrt/div/tanh .approx.f32 within the PTX ISA's bounds", Make: mkFastMath},
	)
}

var roundOps = []string{"add", "sub", "mul", "fma", "div", "sqrt"}

func roundRowNames() []string {
	var ns []string
	for _, m := range []Mode{RN, RZ, RD, RU} {
		for _, op := range roundOps {
			ns = append(ns, op+"."+m.String())
		}
	}
	return append(ns, "rcp.rn", "rcp.rz", "rcp.rd", "rcp.ru")
}

// floatOperands returns three operand arrays that reach the interesting
// cases: random magnitudes, signed zeros, infinities, NaN, subnormals,
// the largest and smallest values, exact cancellations, halfway cases,
// and fma addends that cancel the product.
func floatOperands(r *rand.Rand, n int, f Format) (x, y, z []float64) {
	randVal := func() float64 {
		// A random significand of f's precision and an exponent mostly in
		// [-40, 40], sometimes near the format's ends.
		m := float64(r.Uint64()>>(64-f.Prec)) / math.Ldexp(1, f.Prec-1)
		e := r.IntN(81) - 40
		switch r.IntN(10) {
		case 0:
			e = f.Emax - r.IntN(3)
		case 1:
			e = f.Emin - r.IntN(f.Prec)
		}
		v := math.Ldexp(m, e)
		if math.IsInf(v, 0) {
			v = f.MaxFinite()
		}
		v = Round(ratOf(v), f, RZ)
		if r.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	ulp1 := math.Ldexp(1, 1-f.Prec)
	specials := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(),
		f.MaxFinite(), -f.MaxFinite(), math.Ldexp(1, f.Emin), math.Ldexp(1, f.Emin-f.Prec+1),
		1 + ulp1, 3, 0.1, 2}
	// The kernels get the values in f's precision: 0.1 is not a float32,
	// so the references must use the value the kernel sees.
	for i, v := range specials {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			specials[i] = Round(ratOf(v), f, RN)
		}
	}
	x, y, z = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		x[i], y[i], z[i] = randVal(), randVal(), randVal()
		switch r.IntN(8) {
		case 0:
			x[i] = specials[r.IntN(len(specials))]
		case 1:
			y[i] = specials[r.IntN(len(specials))]
		case 2: // exact cancellation in add, and in fma
			y[i] = -x[i]
			z[i] = -Mul(x[i], y[i], f, RN)
		case 3: // a halfway case for add: 1 + half an ulp
			x[i], y[i] = 1, ulp1/2
			if r.IntN(2) == 0 {
				x[i] = 1 + ulp1
			}
		case 4: // nearly cancelling fma
			z[i] = -Mul(x[i], y[i], f, RZ)
		}
	}
	return x, y, z
}

func roundRow(k int, a, b, c float64, f Format) float64 {
	if k >= 24 {
		return Div(1, a, f, Mode(k-24))
	}
	m := Mode(k / 6)
	switch k % 6 {
	case 0:
		return Add(a, b, f, m)
	case 1:
		return Add(a, -b, f, m)
	case 2:
		return Mul(a, b, f, m)
	case 3:
		return FMA(a, b, c, f, m)
	case 4:
		return Div(a, b, f, m)
	}
	return Sqrt(math.Abs(a), f, m)
}

func mkRoundF32(r *rand.Rand) *Run {
	const n = 512
	x, y, z := floatOperands(r, n, Float32)
	fx, fy, fz := make([]float32, n), make([]float32, n), make([]float32, n)
	out := make([]float32, 28*n)
	for i := 0; i < n; i++ {
		fx[i], fy[i], fz[i] = float32(x[i]), float32(y[i]), float32(z[i])
		for k := 0; k < 28; k++ {
			out[k*n+i] = float32(roundRow(k, x[i], y[i], z[i], Float32))
		}
	}
	bd := newBuilder()
	px, py, pz := bd.in("x", fx), bd.in("y", fy), bd.in("z", fz)
	po := bd.outCheck("out", out, Check{Index: rowIndex(n, roundRowNames())})
	bd.launch("round_f32", d1(blocks(n, 128)), d1(128), 0, px, py, pz, po, int32(n))
	return bd.run
}

func mkRoundF64(r *rand.Rand) *Run {
	const n = 256
	x, y, z := floatOperands(r, n, Float64)
	out := make([]float64, 28*n)
	for i := 0; i < n; i++ {
		for k := 0; k < 28; k++ {
			out[k*n+i] = roundRow(k, x[i], y[i], z[i], Float64)
		}
	}
	bd := newBuilder()
	px, py, pz := bd.in("x", x), bd.in("y", y), bd.in("z", z)
	po := bd.outCheck("out", out, Check{Index: rowIndex(n, roundRowNames())})
	bd.launch("round_f64", d1(blocks(n, 128)), d1(128), 0, px, py, pz, po, int32(n))
	return bd.run
}

// FloatToInt is cvt with integer rounding from a float (f64 tells the
// source is .f64) to a bits-wide integer: the value rounded in mode m and
// clamped to the destination's range; NaN gives 0 for a .f32 source and a
// 32-bit destination, 1 << (bits-1) otherwise (PTX ISA, cvt).
func FloatToInt(x float64, m Mode, bitsN int, signed, f64 bool) uint64 {
	if math.IsNaN(x) {
		if !f64 && bitsN == 32 {
			return 0
		}
		return 1 << (bitsN - 1)
	}
	var lo, hi *big.Int
	if signed {
		lo = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), uint(bitsN-1)))
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bitsN-1)), big.NewInt(1))
	} else {
		lo = big.NewInt(0)
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bitsN)), big.NewInt(1))
	}
	var v *big.Int
	switch {
	case math.IsInf(x, 1):
		v = hi
	case math.IsInf(x, -1):
		v = lo
	default:
		v = RoundInt(ratOf(x), m)
		if v.Cmp(lo) < 0 {
			v = lo
		}
		if v.Cmp(hi) > 0 {
			v = hi
		}
	}
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bitsN)), big.NewInt(1))
	return new(big.Int).And(v, mask).Uint64()
}

func intToFloat(v int64, unsigned bool, f Format, m Mode) float64 {
	var x *big.Rat
	if unsigned {
		x = new(big.Rat).SetInt(new(big.Int).SetUint64(uint64(v)))
	} else {
		x = new(big.Rat).SetInt64(v)
	}
	return Round(x, f, m)
}

func narrow(d float64, m Mode) float64 {
	if math.IsNaN(d) || math.IsInf(d, 0) || d == 0 {
		return d
	}
	return Round(ratOf(d), Float32, m)
}

// saturate is cvt.sat.f32.f32: clamped to [0, 1], NaN to +0.
func saturate(x float32) float32 {
	switch {
	case math.IsNaN(float64(x)), x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

func mkConvert(r *rand.Rand) *Run {
	const n = 512
	specialF := []float32{0, float32(math.Copysign(0, -1)), 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, -0.7, 0.3,
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 2147483520, 2147483648, -2147483648, -2147483904,
		4294967040, 4294967296, 9.2233715e18, 9.223372e18, -9.223372e18, 1e30, -1e30, 1e-40, -1e-40, 16777217, 8388607.5}
	specialD := []float64{0, math.Copysign(0, -1), 0.5, -0.5, 2.5, -3.5, math.NaN(), math.Inf(1), math.Inf(-1),
		2147483647.5, 2147483648.5, -2147483648.5, -2147483649, 4294967295.5, 4294967296, 1.8446744073709552e19, -1,
		3.4028235677973366e38, 3.4028235677973366e38 * 1.0000001, 1e300, 1e-310, 1.401298464324817e-45, 7.006492321624085e-46,
		1.0000000596046448, 1.0000000298023224}
	x, dx := make([]float32, n), make([]float64, n)
	ki, kl := make([]int32, n), make([]int64, n)
	for i := 0; i < n; i++ {
		x[i] = float32(math.Ldexp(r.Float64()*2-1, r.IntN(70)-5))
		dx[i] = math.Ldexp(r.Float64()*2-1, r.IntN(80)-8)
		if i%3 == 0 {
			x[i] = float32(math.Round(float64(x[i])*2) / 2) // halfway cases
		}
		ki[i] = int32(r.Uint32()) >> uint(r.IntN(32))
		kl[i] = int64(r.Uint64()) >> uint(r.IntN(64))
	}
	copy(x, specialF)
	copy(dx, specialD)
	ki[0], ki[1], ki[2] = 16777217, -16777217, math.MinInt32
	kl[0], kl[1] = math.MaxInt64, math.MinInt64
	iout, lout := make([]int32, 16*n), make([]int64, 8*n)
	fout, dout := make([]float32, 20*n), make([]float64, 4*n)
	for i := 0; i < n; i++ {
		f, d := float64(x[i]), dx[i]
		for m := RN; m <= RU; m++ {
			iout[int(m)*n+i] = int32(FloatToInt(f, m, 32, true, false))
			iout[(4+int(m))*n+i] = int32(FloatToInt(f, m, 32, false, false))
			iout[(8+int(m))*n+i] = int32(FloatToInt(d, m, 32, true, true))
			iout[(12+int(m))*n+i] = int32(FloatToInt(d, m, 32, false, true))
			lout[int(m)*n+i] = int64(FloatToInt(f, m, 64, true, false))
			lout[(4+int(m))*n+i] = int64(FloatToInt(d, m, 64, false, true))
			fout[int(m)*n+i] = float32(intToFloat(int64(ki[i]), false, Float32, m))
			fout[(4+int(m))*n+i] = float32(intToFloat(int64(uint32(ki[i])), true, Float32, m))
			fout[(8+int(m))*n+i] = float32(intToFloat(kl[i], false, Float32, m))
			fout[(12+int(m))*n+i] = float32(narrow(d, m))
			dout[int(m)*n+i] = intToFloat(kl[i], false, Float64, m)
		}
		fout[16*n+i] = saturate(x[i])
		fout[17*n+i] = float32(math.RoundToEven(f))
		fout[18*n+i] = float32(math.Floor(f))
		fout[19*n+i] = float32(math.Trunc(f))
	}
	modes := func(p string) []string {
		return []string{p + ".rn", p + ".rz", p + ".rd", p + ".ru"}
	}
	var inames, lnames, fnames, dnames []string
	inames = append(append(append(append(inames, modes("float2int")...), modes("float2uint")...), modes("double2int")...), modes("double2uint")...)
	lnames = append(append(lnames, modes("float2ll")...), modes("double2ull")...)
	fnames = append(append(append(append(fnames, modes("int2float")...), modes("uint2float")...), modes("ll2float")...), modes("double2float")...)
	fnames = append(fnames, "saturatef", "rintf", "floorf", "truncf")
	dnames = modes("ll2double")
	bd := newBuilder()
	px, pd, pk, pl := bd.in("x", x), bd.in("dx", dx), bd.in("ki", ki), bd.in("kl", kl)
	pio := bd.outCheck("iout", iout, Check{Index: rowIndex(n, inames)})
	plo := bd.outCheck("lout", lout, Check{Index: rowIndex(n, lnames)})
	// The PTX ISA clamps cvt.sat's result to [0.0, 1.0] without saying
	// whether -0.0 stays -0.0: either zero is accepted there.
	pfo := bd.outCheck("fout", fout, Check{Index: rowIndex(n, fnames), AnyZeroSign: func(i int) bool { return i/n == 16 }})
	pdo := bd.outCheck("dout", dout, Check{Index: rowIndex(n, dnames)})
	bd.launch("convert", d1(blocks(n, 128)), d1(128), 0, px, pd, pk, pl, pio, plo, pfo, pdo, int32(n))
	return bd.run
}

// minNum is PTX min without .NaN: a NaN operand yields the other; -0 <
// +0.
func minNum(a, b float64) float64 {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return math.NaN()
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	case a == 0 && b == 0:
		if math.Signbit(a) {
			return a
		}
		return b
	case a < b:
		return a
	}
	return b
}

func maxNum(a, b float64) float64 {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return math.NaN()
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	case a == 0 && b == 0:
		if math.Signbit(a) {
			return b
		}
		return a
	case a > b:
		return a
	}
	return b
}

func mkMinmaxNaN(r *rand.Rand) *Run {
	const n = 256
	pool := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, -2.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e-40, -1e-40, 3e38}
	x, y := make([]float32, n), make([]float32, n)
	dx, dy := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		dx[i], dy[i] = pool[r.IntN(len(pool))], pool[r.IntN(len(pool))]
		if r.IntN(3) == 0 {
			dx[i] = r.NormFloat64()
		}
		if i < len(pool)*len(pool) { // every pair of the pool first
			dx[i], dy[i] = pool[i/len(pool)], pool[i%len(pool)]
		}
		x[i], y[i] = float32(dx[i]), float32(dy[i])
	}
	out, dout, cls := make([]float32, 6*n), make([]float64, 4*n), make([]uint32, n)
	for i := 0; i < n; i++ {
		a, b := float64(x[i]), float64(y[i])
		out[i] = float32(minNum(a, b))
		out[n+i] = float32(maxNum(a, b))
		out[2*n+i] = float32(math.Abs(a))
		out[3*n+i] = -x[i]
		out[4*n+i] = float32(math.Copysign(a, b))
		out[5*n+i] = float32(math.Copysign(a, b))
		cls[i] = testp(x[i])
		dout[i] = minNum(dx[i], dy[i])
		dout[n+i] = maxNum(dx[i], dy[i])
		dout[2*n+i] = math.Abs(dx[i])
		dout[3*n+i] = -dx[i]
	}
	bd := newBuilder()
	px, py, pdx, pdy := bd.in("x", x), bd.in("y", y), bd.in("dx", dx), bd.in("dy", dy)
	po := bd.outCheck("out", out, Check{Index: rowIndex(n, joinNames("fminf", "fmaxf", "fabsf", "neg", "copysignf", "copysign.f32"))})
	pdo := bd.outCheck("dout", dout, Check{Index: rowIndex(n, joinNames("fmin", "fmax", "fabs", "neg"))})
	pcls := bd.out("cls", cls)
	bd.launch("minmax_nan", d1(blocks(n, 128)), d1(128), 0, px, py, pdx, pdy, po, pdo, pcls, int32(n))
	return bd.run
}

// testp is PTX's testp on x, one bit per property: finite, infinite,
// number, notanumber, normal (zeros count as normal), subnormal.
func testp(x float32) uint32 {
	f := float64(x)
	nan, inf := math.IsNaN(f), math.IsInf(f, 0)
	sub := !nan && !inf && f != 0 && math.Abs(f) < math.Ldexp(1, Float32.Emin)
	var k uint32
	for bit, p := range []bool{!nan && !inf, inf, !nan, nan, !nan && !inf && !sub, sub} {
		if p {
			k |= 1 << bit
		}
	}
	return k
}

// toHalf rounds a float64 to binary16 or bfloat16 in mode m and encodes
// it (NaN and infinities pass through).
func toHalf(x float64, f Format, m Mode) uint16 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return F16Bits(x, f)
	}
	return F16Bits(Round(ratOf(x), f, m), f)
}

func mkHalfConvert(r *rand.Rand) *Run {
	const n = 512
	specials := []float64{0, math.Copysign(0, -1), 65504, 65519.99, 65520, -65520, 1e6, math.Inf(1), math.Inf(-1), math.NaN(),
		math.Ldexp(1, -24), math.Ldexp(1, -25), math.Ldexp(1.5, -25), math.Ldexp(1, -26), math.Ldexp(3, -26), math.Ldexp(1, -14),
		math.Ldexp(1023, -24), 1 + math.Ldexp(1, -11), 1 + math.Ldexp(3, -11), 3.4e38, 1e-40, 1 + math.Ldexp(1, -8), 1 + math.Ldexp(3, -8),
		math.Ldexp(1, -133), -math.Ldexp(1, -126)}
	x, d := make([]float32, n), make([]float64, n)
	for i := 0; i < n; i++ {
		v := math.Ldexp(r.Float64()*2-1, r.IntN(50)-30)
		x[i] = float32(v)
		d[i] = math.Ldexp(r.Float64()*2-1, r.IntN(50)-30)
	}
	for i, s := range specials {
		x[i], d[i] = float32(s), s
	}
	hrn, hrz, brn, brz, hd := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
	back, bback := make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		f := float64(x[i])
		hrn[i] = toHalf(f, Binary16, RN)
		hrz[i] = toHalf(f, Binary16, RZ)
		back[i] = float32(F16Value(hrn[i], Binary16))
		brn[i] = toHalf(f, BFloat16, RN)
		brz[i] = toHalf(f, BFloat16, RZ)
		bback[i] = float32(F16Value(brn[i], BFloat16))
		hd[i] = toHalf(d[i], Binary16, RN)
	}
	h, bf := Check{F16: true}, Check{BF16: true}
	bd := newBuilder()
	px, pd := bd.in("in", x), bd.in("d", d)
	phrn, phrz := bd.outCheck("h_rn", hrn, h), bd.outCheck("h_rz", hrz, h)
	pback := bd.out("back", back)
	pbrn, pbrz := bd.outCheck("bf_rn", brn, bf), bd.outCheck("bf_rz", brz, bf)
	pbback := bd.out("bf_back", bback)
	phd := bd.outCheck("hd", hd, h)
	bd.launch("half_convert", d1(blocks(n, 128)), d1(128), 0, px, pd, phrn, phrz, pback, pbrn, pbrz, pbback, phd, int32(n))
	return bd.run
}

// halfOp applies a rounded operation to 16-bit encodings in format f.
func halfAdd(a, b uint16, f Format) uint16 {
	return F16Bits(Add(F16Value(a, f), F16Value(b, f), f, RN), f)
}

func halfMul(a, b uint16, f Format) uint16 {
	return F16Bits(Mul(F16Value(a, f), F16Value(b, f), f, RN), f)
}

func halfFMA(a, b, c uint16, f Format) uint16 {
	return F16Bits(FMA(F16Value(a, f), F16Value(b, f), F16Value(c, f), f, RN), f)
}

// packedHalves compares 32-bit words holding two binary16 values, NaN
// matching any NaN in each half.
func packedHalves(want []uint32) Check {
	return Check{Custom: func(got any) error {
		g := got.([]uint32)
		lo := func(s []uint32) []uint16 {
			out := make([]uint16, 2*len(s))
			for i, w := range s {
				out[2*i], out[2*i+1] = uint16(w), uint16(w>>16)
			}
			return out
		}
		b := &Buffer{Name: "halves", Want: lo(want), Check: Check{F16: true, Index: colIndex(2, joinNames("low", "high"))}}
		return b.Compare(lo(g))
	}}
}

func mkHalfArith(r *rand.Rand) *Run {
	const n = 512
	enc := func() uint16 {
		switch r.IntN(12) {
		case 0:
			return []uint16{0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x7bff, 0xfbff, 0x3c00}[r.IntN(10)]
		}
		// Finite halves with moderate exponents.
		return uint16(r.IntN(2))<<15 | uint16(5+r.IntN(21))<<10 | uint16(r.IntN(1024))
	}
	ha, hb, hc := make([]uint16, n), make([]uint16, n), make([]uint16, n)
	for i := range ha {
		ha[i], hb[i], hc[i] = enc(), enc(), enc()
	}
	add, mul, fma, neg, bfma := make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n), make([]uint16, n)
	add2, fma2 := make([]uint32, n), make([]uint32, n)
	for i := 0; i < n; i++ {
		a, b, c := ha[i], hb[i], hc[i]
		add[i] = halfAdd(a, b, Binary16)
		mul[i] = halfMul(a, b, Binary16)
		fma[i] = halfFMA(a, b, c, Binary16)
		neg[i] = a ^ 0x8000
		add2[i] = uint32(halfAdd(a, b, Binary16)) | uint32(halfAdd(b, c, Binary16))<<16
		fma2[i] = uint32(halfFMA(a, b, c, Binary16)) | uint32(halfFMA(b, c, a, Binary16))<<16
		bfma[i] = halfFMA(a, b, c, BFloat16)
	}
	h := Check{F16: true}
	bd := newBuilder()
	pa, pb, pc := bd.in("ha", ha), bd.in("hb", hb), bd.in("hc", hc)
	padd, pmul, pfma, pneg := bd.outCheck("add", add, h), bd.outCheck("mul", mul, h), bd.outCheck("fma", fma, h), bd.outCheck("neg", neg, h)
	padd2, pfma2 := bd.outCheck("add2", add2, packedHalves(add2)), bd.outCheck("fma2", fma2, packedHalves(fma2))
	pbfma := bd.outCheck("bfma", bfma, Check{BF16: true})
	bd.launch("half_arith", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, padd, pmul, pfma, pneg, padd2, pfma2, pbfma, int32(n))
	return bd.run
}

// refErr is the relative error allowed for the float64 math the interval
// references start from (Go's math functions are within an ulp or two of
// float64).
const refErr = 0x1p-48

// bound is the allowed float32 interval [lo, hi] of an approximate
// result, and the exact value rounded, for messages.
type bound struct {
	want   float32
	lo, hi float64
}

// ulpBound returns the float32 interval within k ulps of the correctly
// rounded value of y (y itself carrying refErr).
func ulpBound(y float64, k int) bound {
	a, b := y*(1-refErr), y*(1+refErr)
	if a > b {
		a, b = b, a
	}
	l, _ := Float32Within(float32(a), k)
	_, h := Float32Within(float32(b), k)
	return bound{float32(y), l, h}
}

// absBound returns the float32 values within e (absolute) of y.
func absBound(y, e float64) bound {
	slack := math.Abs(y) * refErr
	lo, hi := Float32Covering(y-e-slack, y+e+slack)
	return bound{float32(y), lo, hi}
}

// relBound returns the float32 values within a relative error e of y.
func relBound(y, e float64) bound {
	d := math.Abs(y) * (e + refErr)
	lo, hi := Float32Covering(y-d, y+d)
	return bound{float32(y), lo, hi}
}

// lg2Bound is lg2.approx.f32's interval: 2^-22 absolute for x in (0.5, 2),
// 2^-22 relative elsewhere.
func lg2Bound(x float64) bound {
	y := math.Log2(x)
	if x > 0.5 && x < 2 {
		return absBound(y, 0x1p-22)
	}
	return relBound(y, 0x1p-22)
}

func mkFastMath(r *rand.Rand) *Run {
	const n = 512
	ex := uniform32(r, n, -20, 20)
	pos := make([]float32, n)
	for i := range pos {
		if i%4 == 0 {
			pos[i] = float32(0.5 + 1.5*r.Float64()) // lg2's absolute-error range
		} else {
			pos[i] = float32(math.Exp2(40*r.Float64() - 20))
		}
	}
	ang := uniform32(r, n, -2*math.Pi, 2*math.Pi)
	den := make([]float32, n)
	for i := range den {
		den[i] = float32(math.Exp2(20*r.Float64()-10)) * float32(1-2*r.IntN(2))
	}
	const rows = 12
	want := make([]float32, rows*n)
	lo, hi := make([]float64, rows*n), make([]float64, rows*n)
	set := func(k, i int, b bound) { want[k*n+i], lo[k*n+i], hi[k*n+i] = b.want, b.lo, b.hi }
	log2e := float32(math.Log2E)
	ln2 := float32(math.Ln2)
	log2ten := float32(math.Log2(10))
	for i := 0; i < n; i++ {
		e, p, t, q := float64(ex[i]), float64(pos[i]), float64(ang[i]), float64(den[i])
		// __expf: ex2.approx(RN(e * log2e)), 2 ulp.
		te := Mul(e, float64(log2e), Float32, RN)
		set(0, i, ulpBound(math.Exp2(te), 2))
		set(1, i, ulpBound(math.Exp2(e), 2))
		// __logf: RN(lg2.approx(p) * ln2), lg2's bound carried through the
		// (monotonic) multiplication.
		l2 := lg2Bound(p)
		set(2, i, bound{float32(math.Log(p)), Mul(l2.lo, float64(ln2), Float32, RN), Mul(l2.hi, float64(ln2), Float32, RN)})
		set(3, i, lg2Bound(p))
		set(4, i, absBound(math.Sin(t), math.Exp2(-20.5)))
		set(5, i, absBound(math.Cos(t), math.Exp2(-20.5)))
		set(6, i, relBound(1/math.Sqrt(p), math.Exp2(-22.9)))
		set(7, i, ulpBound(e/q, 2))
		set(8, i, relBound(math.Tanh(e), 0x1p-11))
		set(9, i, ulpBound(1/q, 1))
		set(10, i, relBound(math.Sqrt(p), 0x1p-23))
		// __exp10f(e/4): ex2.approx(RN(RN(e*0.25) * log2(10))), 2 ulp.
		t10 := Mul(Mul(e, 0.25, Float32, RN), float64(log2ten), Float32, RN)
		set(11, i, ulpBound(math.Exp2(t10), 2))
	}
	names := joinNames("__expf", "exp2f", "__logf", "__log2f", "__sinf", "__cosf", "rsqrtf", "__fdividef", "tanh.approx", "rcp.approx", "sqrt.approx", "__exp10f")
	why := "PTX ISA 9.1: ex2.approx.f32 2 ulp; lg2.approx.f32 2^-22 abs in (0.5,2) else 2^-22 rel; sin/cos.approx.f32 2^-20.5 abs in [-2pi,2pi]; " +
		"rsqrt.approx.f32 2^-22.9 rel; div.approx.f32 2 ulp; tanh.approx.f32 2^-11 rel; rcp.approx.f32 1 ulp; sqrt.approx.f32 2^-23 rel"
	bd := newBuilder()
	pe, pp, pa, pd := bd.in("ex", ex), bd.in("pos", pos), bd.in("ang", ang), bd.in("den", den)
	po := bd.outCheck("out", want, Check{Lo: lo, Hi: hi, Why: why, Index: rowIndex(n, names)})
	bd.launch("fast_math", d1(blocks(n, 128)), d1(128), 0, pe, pp, pa, pd, po, int32(n))
	return bd.run
}
