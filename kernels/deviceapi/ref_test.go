package deviceapi_test

import (
	"math"
	"math/big"
	"sync"
)

// Correctly rounded references for the exp and log families: big.Float
// arithmetic at 256 bits (Go's math.Pow, and math.Log on subnormals, are
// off by many ulps, too far to check CUDA's 1-ulp bounds against).

const prec = 256

func bf(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }

var ln2 = sync.OnceValue(func() *big.Float {
	// ln 2 = 2 atanh(1/3)
	third := new(big.Float).SetPrec(prec).Quo(bf(1), bf(3))
	return new(big.Float).SetPrec(prec).Mul(bf(2), atanhSeries(third))
})

// atanhSeries is s + s^3/3 + s^5/5 + ... for |s| < 1/2.
func atanhSeries(s *big.Float) *big.Float {
	sum := new(big.Float).SetPrec(prec).Set(s)
	s2 := new(big.Float).SetPrec(prec).Mul(s, s)
	p := new(big.Float).SetPrec(prec).Set(s)
	eps := new(big.Float).SetPrec(prec).SetMantExp(bf(1), -prec-4)
	for k := 3; ; k += 2 {
		p.Mul(p, s2)
		t := new(big.Float).SetPrec(prec).Quo(p, bf(float64(k)))
		sum.Add(sum, t)
		if new(big.Float).Abs(t).Cmp(eps) < 0 {
			return sum
		}
	}
}

// bigLog is ln x for x > 0.
func bigLog(x *big.Float) *big.Float {
	m := new(big.Float).SetPrec(prec)
	e := x.MantExp(m) // x = m 2^e, m in [0.5, 1)
	if m.Cmp(bf(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	num := new(big.Float).SetPrec(prec).Sub(m, bf(1))
	den := new(big.Float).SetPrec(prec).Add(m, bf(1))
	s := num.Quo(num, den)
	r := new(big.Float).SetPrec(prec).Mul(bf(2), atanhSeries(s))
	k := new(big.Float).SetPrec(prec).Mul(bf(float64(e)), ln2())
	return r.Add(r, k)
}

// bigExp is e^x for |x| < 2000.
func bigExp(x *big.Float) *big.Float {
	// x = k ln2 + r, r / 2^16 by Taylor series, squared 16 times.
	q := new(big.Float).SetPrec(prec).Quo(x, ln2())
	qf, _ := q.Float64()
	k := math.Round(qf)
	r := new(big.Float).SetPrec(prec).Sub(x, new(big.Float).SetPrec(prec).Mul(bf(k), ln2()))
	r.SetMantExp(r, -16)
	sum := bf(1)
	term := bf(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(bf(1), -prec-4)
	for n := 1; ; n++ {
		term.Mul(term, r)
		term.Quo(term, bf(float64(n)))
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	for i := 0; i < 16; i++ {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

// f64 rounds to float64 (to nearest even, subnormals included).
func f64(x *big.Float) float64 {
	v, _ := x.Float64()
	return v
}

func refExp(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > 710:
		return math.Inf(1)
	case x < -746:
		return 0
	}
	return f64(bigExp(bf(x)))
}

func refExpScaled(x float64, ln *big.Float) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 1):
		return x
	case math.IsInf(x, -1):
		return 0
	}
	a := new(big.Float).SetPrec(prec).Mul(bf(x), ln)
	if af, _ := a.Float64(); af > 710 {
		return math.Inf(1)
	} else if af < -746 {
		return 0
	}
	return f64(bigExp(a))
}

func refExp2(x float64) float64  { return refExpScaled(x, ln2()) }
func refExp10(x float64) float64 { return refExpScaled(x, bigLog(bf(10))) }

func refExpm1(x float64) float64 {
	if math.IsNaN(x) || x > 710 || x < -50 || x == 0 || math.IsInf(x, 0) {
		return math.Expm1(x)
	}
	e := bigExp(bf(x))
	return f64(e.Sub(e, bf(1)))
}

func refLogScaled(x float64, div *big.Float) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	l := bigLog(bf(x))
	if div != nil {
		l.Quo(l, div)
	}
	return f64(l)
}

func refLog(x float64) float64   { return refLogScaled(x, nil) }
func refLog2(x float64) float64  { return refLogScaled(x, ln2()) }
func refLog10(x float64) float64 { return refLogScaled(x, bigLog(bf(10))) }

func refLog1p(x float64) float64 {
	if math.IsNaN(x) || x <= -1 || math.IsInf(x, 1) || x == 0 {
		return math.Log1p(x)
	}
	if math.Abs(x) < 0x1p-60 { // 1 + x would round at 256 bits
		t := bf(x)
		return f64(t.Sub(t, new(big.Float).SetPrec(prec).Mul(bf(x*0.5), bf(x))))
	}
	return f64(bigLog(new(big.Float).SetPrec(prec).Add(bf(x), bf(1))))
}

func refPow(x, y float64) float64 {
	// The special cases are C99's, as Go's math.Pow has them; only
	// finite x != 0 with finite y != 0 is computed here.
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) || x == 0 || y == 0 || x == 1 {
		return math.Pow(x, y)
	}
	neg := false
	if x < 0 {
		if y != math.Trunc(y) {
			return math.NaN()
		}
		neg = math.Abs(y) < 1<<53 && int64(y)%2 != 0
		x = -x
	}
	a := new(big.Float).SetPrec(prec).Mul(bf(y), bigLog(bf(x)))
	var r float64
	if af, _ := a.Float64(); af > 710 {
		r = math.Inf(1)
	} else if af < -746 {
		r = 0
	} else {
		r = f64(bigExp(a))
	}
	if neg {
		r = -r
	}
	return r
}

func refSinh(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 || math.Abs(x) > 709 {
		return math.Sinh(x)
	}
	e := bigExp(bf(x))
	ie := new(big.Float).SetPrec(prec).Quo(bf(1), e)
	e.Sub(e, ie)
	return f64(e.SetMantExp(e, -1))
}

func refCosh(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 709 {
		return math.Cosh(x)
	}
	e := bigExp(bf(x))
	ie := new(big.Float).SetPrec(prec).Quo(bf(1), e)
	e.Add(e, ie)
	return f64(e.SetMantExp(e, -1))
}

func refTanh(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 || math.Abs(x) > 40 {
		return math.Tanh(x)
	}
	e := bigExp(bf(2 * x)) // 2x is exact
	num := new(big.Float).SetPrec(prec).Sub(e, bf(1))
	den := new(big.Float).SetPrec(prec).Add(e, bf(1))
	return f64(num.Quo(num, den))
}

func refAsin(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > 1 {
		return math.NaN()
	}
	return math.Atan2(x, math.Sqrt((1-x)*(1+x)))
}

func refAcos(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > 1 {
		return math.NaN()
	}
	return math.Atan2(math.Sqrt((1-x)*(1+x)), x)
}
