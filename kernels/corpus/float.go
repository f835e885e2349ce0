package corpus

import (
	"math"
	"math/big"
)

// This file is the floating-point arithmetic the references need and Go
// does not have: exact rounding of a rational value to a binary format
// (float32, float64, binary16, bfloat16) in each IEEE rounding mode, with
// subnormals and overflow, plus the 16-bit encodings. Everything is done on
// big.Rat values, which hold sums, products, quotients and conversions
// exactly, so the only rounding is the one being modelled.

// Mode is an IEEE 754 rounding direction (PTX .rn, .rz, .rm, .rp).
type Mode int

// The rounding modes, in the order the corpus kernels list them.
const (
	RN Mode = iota // to nearest, ties to even
	RZ             // toward zero
	RD             // toward negative infinity (PTX .rm)
	RU             // toward positive infinity (PTX .rp)
)

func (m Mode) String() string {
	return [...]string{"rn", "rz", "rd", "ru"}[m]
}

// Format is a binary floating-point format.
type Format struct {
	Name string
	Prec int // significand bits, the hidden bit included
	Emin int // exponent of the smallest normal number
	Emax int // exponent of the largest finite number
}

// The formats the corpus uses.
var (
	Float32  = Format{"float32", 24, -126, 127}
	Float64  = Format{"float64", 53, -1022, 1023}
	Binary16 = Format{"binary16", 11, -14, 15}
	BFloat16 = Format{"bfloat16", 8, -126, 127}
)

// MaxFinite is the format's largest finite value.
func (f Format) MaxFinite() float64 {
	return math.Ldexp(2-math.Ldexp(1, 1-f.Prec), f.Emax)
}

// ratOf returns x as an exact rational; x must be finite.
func ratOf(x float64) *big.Rat {
	r, _ := new(big.Float).SetFloat64(x).Rat(nil)
	return r
}

// floorDiv returns floor(n/d) for d > 0.
func floorDiv(n, d *big.Int) *big.Int {
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	if m.Sign() < 0 {
		q.Sub(q, big.NewInt(1))
	}
	return q
}

// RoundInt rounds the rational x to an integer in mode m (RN: ties to
// even).
func RoundInt(x *big.Rat, m Mode) *big.Int {
	n, d := x.Num(), x.Denom()
	fl := floorDiv(n, d)
	rem := new(big.Int).Sub(n, new(big.Int).Mul(fl, d)) // 0 <= rem < d
	if rem.Sign() == 0 {
		return fl
	}
	up := new(big.Int).Add(fl, big.NewInt(1))
	switch m {
	case RD:
		return fl
	case RU:
		return up
	case RZ:
		if x.Sign() < 0 {
			return up
		}
		return fl
	}
	c := new(big.Int).Lsh(rem, 1).Cmp(d)
	if c < 0 || (c == 0 && fl.Bit(0) == 0) {
		return fl
	}
	return up
}

// Round returns the exact rational x rounded to format f in mode m, as a
// float64 (every value of the four formats is one). A result that
// underflows to zero keeps x's sign; x == 0 gives +0 (callers that need a
// signed zero decide it themselves).
func Round(x *big.Rat, f Format, m Mode) float64 {
	if x.Sign() == 0 {
		return 0
	}
	neg := x.Sign() < 0
	a := new(big.Rat).Abs(x)
	// e: the exponent with 2^e <= a < 2^(e+1).
	e := a.Num().BitLen() - a.Denom().BitLen()
	if scale2(a, -e).Cmp(big.NewRat(1, 1)) < 0 {
		e--
	}
	if e < f.Emin {
		e = f.Emin // subnormal: a fixed quantum
	}
	q := f.Prec - 1 - e // a * 2^q has Prec integer bits
	// Round the signed value so that RD and RU see the sign.
	v := scale2(x, q)
	n := RoundInt(v, m)
	r := new(big.Float).SetPrec(0).SetInt(n)
	r.SetMantExp(r, -q)
	res, _ := r.Float64()
	if math.Abs(res) > f.MaxFinite() {
		switch {
		case m == RN,
			m == RU && !neg,
			m == RD && neg:
			res = math.Inf(1)
		default:
			res = f.MaxFinite()
		}
		if neg {
			res = -res
		}
	}
	if res == 0 && neg {
		res = math.Copysign(0, -1)
	}
	return res
}

// scale2 returns x * 2^k.
func scale2(x *big.Rat, k int) *big.Rat {
	r := new(big.Rat).Set(x)
	if k > 0 {
		return r.Mul(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(k))))
	}
	if k < 0 {
		return r.Quo(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(-k))))
	}
	return r
}

// zeroSum is the sign IEEE gives an exact zero sum of non-zero or
// differently signed terms: -0 when rounding down, +0 otherwise.
func zeroSum(m Mode) float64 {
	if m == RD {
		return math.Copysign(0, -1)
	}
	return 0
}

// isInf reports whether x is an infinity of either sign.
func isInf(x float64) bool { return math.IsInf(x, 0) }

// Add returns a + b rounded to f in mode m, with IEEE's special cases.
func Add(a, b float64, f Format, m Mode) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case isInf(a) && isInf(b):
		if math.Signbit(a) != math.Signbit(b) {
			return math.NaN()
		}
		return a
	case isInf(a):
		return a
	case isInf(b):
		return b
	}
	if a == 0 && b == 0 {
		if math.Signbit(a) && math.Signbit(b) {
			return math.Copysign(0, -1)
		}
		if math.Signbit(a) != math.Signbit(b) {
			return zeroSum(m)
		}
		return 0
	}
	s := new(big.Rat).Add(ratOf(a), ratOf(b))
	if s.Sign() == 0 {
		return zeroSum(m)
	}
	return Round(s, f, m)
}

// Mul returns a * b rounded to f in mode m.
func Mul(a, b float64, f Format, m Mode) float64 {
	neg := math.Signbit(a) != math.Signbit(b)
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case isInf(a) || isInf(b):
		if a == 0 || b == 0 {
			return math.NaN()
		}
		return signed(math.Inf(1), neg)
	case a == 0 || b == 0:
		return signed(0, neg)
	}
	return Round(new(big.Rat).Mul(ratOf(a), ratOf(b)), f, m)
}

// FMA returns a * b + c with one rounding to f in mode m.
func FMA(a, b, c float64, f Format, m Mode) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(c) {
		return math.NaN()
	}
	if isInf(a) || isInf(b) {
		if a == 0 || b == 0 {
			return math.NaN()
		}
		p := signed(math.Inf(1), math.Signbit(a) != math.Signbit(b))
		if isInf(c) && math.Signbit(c) != math.Signbit(p) {
			return math.NaN()
		}
		return p
	}
	if isInf(c) {
		return c
	}
	pz := a == 0 || b == 0
	pneg := math.Signbit(a) != math.Signbit(b)
	if pz && c == 0 {
		if pneg && math.Signbit(c) {
			return math.Copysign(0, -1)
		}
		if pneg != math.Signbit(c) {
			return zeroSum(m)
		}
		return 0
	}
	s := new(big.Rat).Mul(ratOf(a), ratOf(b))
	s.Add(s, ratOf(c))
	if s.Sign() == 0 {
		return zeroSum(m)
	}
	return Round(s, f, m)
}

// Div returns a / b rounded to f in mode m.
func Div(a, b float64, f Format, m Mode) float64 {
	neg := math.Signbit(a) != math.Signbit(b)
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case isInf(a) && isInf(b), a == 0 && b == 0:
		return math.NaN()
	case isInf(a):
		return signed(math.Inf(1), neg)
	case isInf(b), a == 0:
		return signed(0, neg)
	case b == 0:
		return signed(math.Inf(1), neg)
	}
	return Round(new(big.Rat).Quo(ratOf(a), ratOf(b)), f, m)
}

// Sqrt returns the square root of a >= 0 rounded to f in mode m. The
// exact root is either representable in 300 bits (then big.Float finds it
// exactly) or irrational; an irrational root of a double lies much farther
// than 2^-290 (relative) from every rounding boundary of a format of at
// most 53 bits, so rounding the 300-bit value rounds the true root.
func Sqrt(a float64, f Format, m Mode) float64 {
	switch {
	case math.IsNaN(a) || a < 0:
		return math.NaN()
	case a == 0 || math.IsInf(a, 1):
		return a
	}
	s := new(big.Float).SetPrec(300).SetFloat64(a)
	s.Sqrt(s)
	r, _ := s.Rat(nil)
	return Round(r, f, m)
}

func signed(x float64, neg bool) float64 {
	if neg {
		return -x
	}
	return x
}

// FMA32 is fmaf with round to nearest: a*b+c with one rounding. It is the
// fast path of the matrix references, computed without big numbers: the
// product of two float32s is exact in float64, the sum's error is exact
// (TwoSum), and rounding the float64 sum to odd before the final rounding
// to float32 makes that rounding correct (53 >= 24 + 2). corpus_test.go
// checks it against FMA(..., Float32, RN).
func FMA32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if math.IsInf(s, 0) || math.IsNaN(s) || s == 0 {
		return float32(FMA(float64(a), float64(b), float64(c), Float32, RN))
	}
	// TwoSum: s + e == p + c exactly.
	bb := s - p
	e := (p - (s - bb)) + (float64(c) - bb)
	if e != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			// Move s one unit toward the exact value: the result is odd.
			if (e > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}

// ULP32 is the distance from |x| to the next float32 away from zero.
func ULP32(x float32) float64 {
	a := math.Abs(float64(x))
	if math.IsInf(a, 0) || math.IsNaN(a) {
		return math.NaN()
	}
	n := math.Nextafter32(float32(a), float32(math.Inf(1)))
	return float64(n) - a
}

// Float32Within returns the interval of float32 values within k ulps of the
// float32 x (counting in representable values, across zero correctly).
func Float32Within(x float32, k int) (lo, hi float64) {
	l, h := x, x
	for i := 0; i < k; i++ {
		l = math.Nextafter32(l, float32(math.Inf(-1)))
		h = math.Nextafter32(h, float32(math.Inf(1)))
	}
	return float64(l), float64(h)
}

// Float32Covering returns the least and greatest float32 values inside the
// real interval [lo, hi] (rounding the bounds inward).
func Float32Covering(lo, hi float64) (float64, float64) {
	l := Round(ratOf(lo), Float32, RU)
	h := Round(ratOf(hi), Float32, RD)
	return l, h
}

// F16Bits encodes a value of the binary16 or bfloat16 format (as Round
// returns it; NaN gives the quiet NaN 0x7e00 / 0x7fc0).
func F16Bits(x float64, f Format) uint16 {
	expBits := 5
	if f == BFloat16 {
		expBits = 8
	}
	fracBits := f.Prec - 1
	bias := (1 << (expBits - 1)) - 1
	var sign uint16
	if math.Signbit(x) {
		sign = 1 << 15
	}
	a := math.Abs(x)
	switch {
	case math.IsNaN(x):
		return uint16(((1<<expBits)-1)<<fracBits) | 1<<(fracBits-1)
	case math.IsInf(a, 0):
		return sign | uint16(((1<<expBits)-1)<<fracBits)
	case a == 0:
		return sign
	}
	fr, e := math.Frexp(a) // a = fr * 2^e, 0.5 <= fr < 1
	exp := e - 1           // a = 1.xxx * 2^exp
	if exp < f.Emin {
		// Subnormal: a = m * 2^(Emin - fracBits).
		m := uint16(math.Ldexp(a, fracBits-f.Emin))
		return sign | m
	}
	m := uint16(math.Ldexp(fr*2-1, fracBits))
	return sign | uint16(exp+bias)<<fracBits | m
}

// F16Value decodes a binary16 or bfloat16 encoding.
func F16Value(b uint16, f Format) float64 {
	expBits := 5
	if f == BFloat16 {
		expBits = 8
	}
	fracBits := f.Prec - 1
	bias := (1 << (expBits - 1)) - 1
	sign := 1.0
	if b&0x8000 != 0 {
		sign = -1
	}
	e := int(b>>fracBits) & (1<<expBits - 1)
	m := float64(b & (1<<fracBits - 1))
	switch {
	case e == 1<<expBits-1 && m != 0:
		return math.NaN()
	case e == 1<<expBits-1:
		return math.Inf(int(sign))
	case e == 0:
		return sign * math.Ldexp(m, f.Emin-fracBits)
	}
	return sign * math.Ldexp(1+m/float64(int(1)<<fracBits), e-bias)
}

// IsF16NaN reports whether a binary16 (or, with bf, bfloat16) encoding is
// a NaN.
func IsF16NaN(b uint16, bf bool) bool {
	if bf {
		return b&0x7f80 == 0x7f80 && b&0x7f != 0
	}
	return b&0x7c00 == 0x7c00 && b&0x3ff != 0
}
