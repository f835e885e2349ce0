package corpus

import (
	"math"
	"math/big"
	"math/bits"
	mrand "math/rand"
	"math/rand/v2"
	"testing"
)

// The rounding engine (float.go) checked against independent
// implementations: the machine's own IEEE arithmetic (Go's float32 and
// float64 operations, math.FMA, math.Sqrt), math/big.Float's directed
// rounding, and the classic bit-level conversions to half and bfloat16.

func randFloat(r *rand.Rand, f Format) float64 {
	m := float64(r.Uint64()>>(64-f.Prec)) / math.Ldexp(1, f.Prec-1)
	e := r.IntN(2*f.Emax) - f.Emax
	if r.IntN(8) == 0 {
		e = f.Emin - r.IntN(f.Prec+2) // subnormals and below
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

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func TestRoundNearestMatchesHardware(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		a, b, c := randFloat(r, Float64), randFloat(r, Float64), randFloat(r, Float64)
		if i%7 == 0 {
			b = -a * (1 + math.Ldexp(1, -40))
		}
		checks := []struct {
			name      string
			got, want float64
		}{
			{"add", Add(a, b, Float64, RN), a + b},
			{"mul", Mul(a, b, Float64, RN), float64(a * b)},
			{"div", Div(a, b, Float64, RN), a / b},
			{"fma", FMA(a, b, c, Float64, RN), math.FMA(a, b, c)},
			{"sqrt", Sqrt(math.Abs(a), Float64, RN), math.Sqrt(math.Abs(a))},
		}
		for _, k := range checks {
			if !sameFloat(k.got, k.want) {
				t.Fatalf("%s(%g, %g, %g) = %g, hardware %g", k.name, a, b, c, k.got, k.want)
			}
		}
		x, y := float32(randFloat(r, Float32)), float32(randFloat(r, Float32))
		f32 := []struct {
			name      string
			got, want float64
		}{
			{"add32", Add(float64(x), float64(y), Float32, RN), float64(x + y)},
			{"mul32", Mul(float64(x), float64(y), Float32, RN), float64(float32(x * y))},
			{"div32", Div(float64(x), float64(y), Float32, RN), float64(x / y)},
		}
		if a != 0 { // Round leaves the sign of an exact zero to its caller
			f32 = append(f32, struct {
				name      string
				got, want float64
			}{"narrow", Round(ratOf(a), Float32, RN), float64(float32(a))})
		}
		for _, k := range f32 {
			if !sameFloat(k.got, k.want) {
				t.Fatalf("%s(%g, %g / %g) = %g, hardware %g", k.name, x, y, a, k.got, k.want)
			}
		}
	}
}

// Directed rounding against math/big.Float, whose rounding modes are an
// independent implementation (normal results only: big.Float has no
// subnormals).
func TestRoundDirectedMatchesBigFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	modes := map[Mode]big.RoundingMode{RN: big.ToNearestEven, RZ: big.ToZero, RD: big.ToNegativeInf, RU: big.ToPositiveInf}
	for i := 0; i < 20000; i++ {
		// Random rationals with results in float32's normal range.
		num := new(big.Int).Rand(mrand.New(randSrc{r}), new(big.Int).Lsh(big.NewInt(1), uint(1+r.IntN(100))))
		den := new(big.Int).Rand(mrand.New(randSrc{r}), new(big.Int).Lsh(big.NewInt(1), uint(1+r.IntN(100))))
		den.Add(den, big.NewInt(1))
		if r.IntN(2) == 0 {
			num.Neg(num)
		}
		x := new(big.Rat).SetFrac(num, den)
		if x.Sign() == 0 {
			continue
		}
		for m, bm := range modes {
			got := Round(x, Float32, m)
			bf := new(big.Float).SetPrec(24).SetMode(bm).SetRat(x)
			want, _ := bf.Float64()
			if math.Abs(want) < math.Ldexp(1, Float32.Emin) || math.Abs(want) > Float32.MaxFinite() {
				continue
			}
			if got != want {
				t.Fatalf("Round(%s, float32, %v) = %g, big.Float %g", x.FloatString(30), m, got, want)
			}
		}
	}
}

type randSrc struct{ r *rand.Rand }

func (s randSrc) Int63() int64 { return int64(s.r.Uint64() >> 1) }
func (s randSrc) Seed(int64)   {}

func TestRoundSubnormalsAndOverflow(t *testing.T) {
	tiny := math.Ldexp(1, -149) // the least float32 subnormal
	cases := []struct {
		x    float64
		m    Mode
		want float64
	}{
		{tiny / 2, RN, 0},                     // tie to even: 0
		{tiny * 1.5, RN, 2 * tiny},            // tie to even: 2
		{tiny / 4, RU, tiny},                  // up to the least subnormal
		{-tiny / 4, RU, math.Copysign(0, -1)}, // -0
		{-tiny / 4, RD, -tiny},                // away
		{tiny / 4, RZ, 0},                     // toward zero
		{Float32.MaxFinite() * 2, RZ, Float32.MaxFinite()},
		{Float32.MaxFinite() * 2, RN, math.Inf(1)},
		{-Float32.MaxFinite() * 2, RU, -Float32.MaxFinite()},
		{-Float32.MaxFinite() * 2, RD, math.Inf(-1)},
		{math.Ldexp(1, 128) - math.Ldexp(1, 103), RN, math.Inf(1)}, // the midpoint above max: to even, overflow
	}
	for _, c := range cases {
		if got := Round(ratOf(c.x), Float32, c.m); !sameFloat(got, c.want) {
			t.Errorf("Round(%g, float32, %v) = %g, want %g", c.x, c.m, got, c.want)
		}
	}
	// Every float32 subnormal and normal boundary converts like the
	// hardware.
	for e := -155; e <= -120; e++ {
		for _, k := range []float64{1, 1.25, 1.5, 1.75, 1.9999999} {
			x := math.Ldexp(k, e)
			if got, want := Round(ratOf(x), Float32, RN), float64(float32(x)); !sameFloat(got, want) {
				t.Errorf("Round(%g) = %g, float32() %g", x, got, want)
			}
		}
	}
}

func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 50000; i++ {
		a, b := float32(randFloat(r, Float32)), float32(randFloat(r, Float32))
		c := float32(randFloat(r, Float32))
		switch i % 4 {
		case 0: // the product and the addend nearly cancel
			c = -float32(float64(a) * float64(b))
		case 1: // a tiny addend: rounds on the product's last bit
			c = float32(math.Ldexp(float64(a)*float64(b), -25))
		}
		got := FMA32(a, b, c)
		want := float32(FMA(float64(a), float64(b), float64(c), Float32, RN))
		if !sameFloat(float64(got), float64(want)) {
			t.Fatalf("FMA32(%g, %g, %g) = %g, exact %g", a, b, c, got, want)
		}
	}
}

// halfRNE is the classic bit-level float32 -> binary16 conversion (round
// to nearest even), written without the rounding engine.
func halfRNE(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff > 0x7f800000:
		return sign | 0x7e00
	case exp == 128:
		return sign | 0x7c00
	case exp > 15:
		return sign | 0x7c00
	case exp >= -14:
		m := mant >> 13
		rest := mant & 0x1fff
		h := uint32(exp+15)<<10 | m
		if rest > 0x1000 || (rest == 0x1000 && m&1 == 1) {
			h++ // may carry into the exponent, and up to infinity
		}
		return sign | uint16(h)
	case exp >= -25:
		m := mant | 0x800000
		shift := uint(-exp - 14 + 13)
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	return sign
}

// bf16RNE is the classic float32 -> bfloat16 rounding.
func bf16RNE(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b >> 16 & 1)) >> 16)
}

func TestHalfConversionsSecondWay(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 60000; i++ {
		var f float32
		switch i % 3 {
		case 0:
			f = math.Float32frombits(r.Uint32())
		case 1:
			f = float32(math.Ldexp(r.Float64()*2-1, r.IntN(50)-30))
		default: // near the half ties
			f = float32(math.Ldexp(float64(r.IntN(4096))+0.5, r.IntN(40)-35))
		}
		h, want := toHalf(float64(f), Binary16, RN), halfRNE(f)
		if IsF16NaN(h, false) && IsF16NaN(want, false) {
			continue
		}
		if h != want {
			t.Fatalf("binary16(%g): %#04x, bit-level %#04x", f, h, want)
		}
		bf, bwant := toHalf(float64(f), BFloat16, RN), bf16RNE(f)
		if IsF16NaN(bf, true) && IsF16NaN(bwant, true) {
			continue
		}
		if bf != bwant {
			t.Fatalf("bfloat16(%g): %#04x, bit-level %#04x", f, bf, bwant)
		}
	}
	// Every encoding decodes and re-encodes to itself.
	for _, f := range []Format{Binary16, BFloat16} {
		for b := 0; b < 1<<16; b++ {
			v := F16Value(uint16(b), f)
			if math.IsNaN(v) {
				continue
			}
			if got := F16Bits(v, f); got != uint16(b) {
				t.Fatalf("%s %#04x -> %g -> %#04x", f.Name, b, v, got)
			}
		}
	}
}

func TestFloatToIntRules(t *testing.T) {
	cases := []struct {
		x      float64
		m      Mode
		bitsN  int
		signed bool
		f64    bool
		want   uint64
	}{
		{2.5, RN, 32, true, false, 2},
		{3.5, RN, 32, true, false, 4},
		{-2.5, RN, 32, true, false, uint64(uint32(0xfffffffe))},
		{-0.5, RD, 32, true, false, uint64(uint32(0xffffffff))},
		{-0.5, RD, 32, false, false, 0},
		{3e9, RZ, 32, true, false, 0x7fffffff},
		{-3e9, RZ, 32, true, false, 0x80000000},
		{5e9, RZ, 32, false, false, 0xffffffff},
		{math.Inf(-1), RN, 64, true, false, 1 << 63},
		{math.NaN(), RN, 32, true, false, 0},
		{math.NaN(), RN, 32, true, true, 1 << 31},
		{math.NaN(), RN, 64, false, true, 1 << 63},
	}
	for _, c := range cases {
		if got := FloatToInt(c.x, c.m, c.bitsN, c.signed, c.f64); got != c.want {
			t.Errorf("FloatToInt(%g, %v, %d, signed %v, f64 %v) = %#x, want %#x", c.x, c.m, c.bitsN, c.signed, c.f64, got, c.want)
		}
	}
}

// ---- PTX integer semantics, a second way ----

// shflDoc is the CUDA Programming Guide's description of __shfl*_sync
// with a width: lanes form groups of width; idx reads srcLane modulo the
// width within the group; up reads lane-d unless that leaves the group's
// start; down reads lane+d unless that passes the group's end; xor reads
// lane^m unless that lies in a later group.
func shflDoc(m ShflMode, lane, b, width int) int {
	start := lane / width * width
	switch m {
	case ShflIdx:
		return start + b%width
	case ShflUp:
		if lane-b >= start {
			return lane - b
		}
	case ShflDown:
		if lane+b < start+width {
			return lane + b
		}
	case ShflBfly:
		if j := lane ^ b; j < start+width {
			return j
		}
	}
	return lane
}

func TestShflSourceMatchesCUDADocs(t *testing.T) {
	for _, w := range []int{1, 2, 4, 8, 16, 32} {
		for m := ShflIdx; m <= ShflBfly; m++ {
			for lane := 0; lane < 32; lane++ {
				for b := 0; b < 32; b++ {
					got, _ := ShflSource(m, lane, b, shflC(m, w))
					if want := shflDoc(m, lane, b, w); got != want {
						t.Fatalf("mode %d width %d lane %d b %d: PTX semantics read lane %d, CUDA docs %d", m, w, lane, b, got, want)
					}
				}
			}
		}
	}
}

func TestPrmtSecondWay(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 20000; i++ {
		a, b, c := r.Uint32(), r.Uint32(), r.Uint32()
		tmp := uint64(b)<<32 | uint64(a)
		byteAt := func(k int) uint32 { return uint32(tmp>>(8*(k&7))) & 0xff }
		s := int(c & 3)
		alt := map[string]func(k int) int{
			"b4e":  func(k int) int { return (s - k) & 7 },
			"rc8":  func(int) int { return s },
			"ecl":  func(k int) int { return max(k, s) },
			"ecr":  func(k int) int { return min(k, s) },
			"rc16": func(k int) int { return (s&1)*2 + k&1 },
		}
		if got, want := Prmt(a, b, c, "f4e"), uint32(tmp>>(8*s)); got != want {
			t.Fatalf("prmt.f4e(%#x, %#x, %d) = %#x, want %#x", a, b, s, got, want)
		}
		for mode, src := range alt {
			var want uint32
			for k := 0; k < 4; k++ {
				want |= byteAt(src(k)) << (8 * k)
			}
			if got := Prmt(a, b, c, mode); got != want {
				t.Fatalf("prmt.%s(%#x, %#x, %d) = %#x, want %#x", mode, a, b, s, got, want)
			}
		}
		// The generic form without sign replication is a byte gather.
		c7 := c & 0x7777
		var want uint32
		for k := 0; k < 4; k++ {
			want |= byteAt(int(c7>>(4*k))) << (8 * k)
		}
		if got := Prmt(a, b, c7, ""); got != want {
			t.Fatalf("prmt(%#x, %#x, %#x) = %#x, want %#x", a, b, c7, got, want)
		}
	}
}

func TestBfeBfiLop3SecondWay(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 50000; i++ {
		a, b := r.Uint32(), r.Uint32()
		pos, ln := uint32(r.IntN(40)), uint32(r.IntN(40))
		// bfe.u32: the field's bits that exist, zero above.
		var wu uint32
		if ln != 0 && pos < 32 {
			l := min(ln, 32-pos)
			wu = a >> pos & uint32(uint64(1)<<l-1)
		}
		if got := Bfe(a, pos, ln, false); got != wu {
			t.Fatalf("bfe.u32(%#x, %d, %d) = %#x, want %#x", a, pos, ln, got, wu)
		}
		// bfe.s32: the field sign-extended from bit min(pos+len-1, 31).
		var ws uint32
		if ln != 0 {
			if pos >= 32 {
				ws = uint32(int32(a) >> 31)
			} else {
				l := min(ln, 32-pos)
				ws = uint32(int32(a<<(32-pos-l)) >> (32 - l))
			}
		}
		if got := Bfe(a, pos, ln, true); got != ws {
			t.Fatalf("bfe.s32(%#x, %d, %d) = %#x, want %#x", a, pos, ln, got, ws)
		}
		wi := b
		if ln != 0 && pos < 32 {
			l := min(ln, 32-pos)
			mask := uint32(uint64(1)<<l-1) << pos
			wi = b&^mask | a<<pos&mask
		}
		if got := Bfi(a, b, pos, ln); got != wi {
			t.Fatalf("bfi(%#x, %#x, %d, %d) = %#x, want %#x", a, b, pos, ln, got, wi)
		}
		c := r.Uint32()
		if Lop3(a, b, c, 0x96) != a^b^c || Lop3(a, b, c, 0xe8) != a&b|a&c|b&c ||
			Lop3(a, b, c, 0x1b) != ^a&^b|^a&b&c|a&^b&^c {
			t.Fatalf("lop3(%#x, %#x, %#x) disagrees with its boolean form", a, b, c)
		}
		if got, want := Bfind(a, false, false), uint32(31-bits.LeadingZeros32(a)); a != 0 && got != want {
			t.Fatalf("bfind(%#x) = %d", a, got)
		}
	}
}
