// Package semtest holds the PTX semantics test cases shared by the
// translators' tests (ptx/cgen for the CPU, ptx/spirvgen for Vulkan) and by
// the check against NVIDIA hardware: one module generator, one set of
// references, one checker, so every backend is held to the same answers.
package semtest

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/kernels/corpus"
)

type corpusRat = big.Rat

func ratOf(x float64) *big.Rat {
	r, _ := new(big.Float).SetFloat64(x).Rat(nil)
	return r
}

func ratOfU64(v uint64) *big.Rat { return new(big.Rat).SetInt(new(big.Int).SetUint64(v)) }

func sortStrings(s []string) { sort.Strings(s) }

// Semantics tests: each case is one PTX instruction run over inputs that
// reach its edge cases (zeros, signed extremes, shifts past the width,
// NaN, infinities, subnormals, halfway cases), compared with a Go
// reference written from the PTX ISA: bit for bit, except that every NaN
// matches every NaN where PTX leaves the payload open.

// Case is one instruction under test. text uses %d, %q (second
// destination), %a, %b, %c; the types are the registers' (.pred for
// predicates; "" for an unused operand).
type Case struct {
	text       string
	td, tq     string
	ta, tb, tc string
	ref        func(a, b, c uint64) (d, q uint64)
	nan        int // 32 or 64: d is a float of that width, all NaNs equal; 16: f16; 17: bf16
	inputs     func(r *rand.Rand, i int) (a, b, c uint64)
}

// N is the number of inputs each case runs over: the kernels take
// (in, out, n) with in holding 3 64-bit words and out 2 per element.
const N = 1024

func typeBits(t string) int {
	switch t {
	case "pred":
		return 1
	case "b16", "u16", "s16", "f16", "bf16":
		return 16
	case "b64", "u64", "s64", "f64":
		return 64
	}
	return 32
}

var edges32 = []uint64{0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef}
var edges64 = []uint64{0, 1, 2, 63, 64, 65, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
	0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001, 0xffffffffffffffff, 0x0123456789abcdef}
var edgesF32 = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, 1.5, 2.5, -2.5, 3, 1e-45, -1e-45, 1e-40, 1.17549435e-38,
	3.4028235e38, -3.4028235e38, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0.1, 1 + 1.0/(1<<23), 16777217, 2147483648, 4294967296,
	-2147483904, 1e20, -1e20, 0x1p-126, 0x1p-149}
var edgesF64 = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1.5, 2.5, -2.5, 3, 5e-324, -5e-324, 2.2250738585072014e-308,
	math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 0.1, 1 + 0x1p-52, 9007199254740993, 2147483648,
	1e300, -1e300, 0x1p63, -0x1p63, 0x1p64}

// specialsF32 and specialsF64 follow the crossed edges: triples whose
// third operand the crossing never pairs with the first two (it takes c
// from a few edges only), such as a finite product that overflows in the
// format beside an infinite or NaN addend (fma must give the addend, not
// the NaN of inf - inf) and exact zeros of either sign.
var (
	inf32, nan32 = float32(math.Inf(1)), float32(math.NaN())
	specialsF32  = [][3]float32{
		{3.4028235e38, 2, float32(math.Inf(-1))}, {3.4028235e38, 2, inf32}, {-3.4028235e38, 2, inf32},
		{1e20, 1e20, float32(math.Inf(-1))}, {1e20, -1e20, inf32}, {1e20, 1e20, nan32},
		{inf32, 0, 1}, {inf32, 2, float32(math.Inf(-1))}, {nan32, 0, inf32},
		{1e-45, 1e20, float32(math.Inf(-1))}, {-1e-45, 3.4028235e38, inf32},
		{1, 1, -1}, {-1, 1, 1}, {float32(math.Copysign(0, -1)), 1, float32(math.Copysign(0, -1))}, {1e-45, -1e-45, 0},
	}
	specialsF64 = [][3]float64{
		{math.MaxFloat64, 2, math.Inf(-1)}, {math.MaxFloat64, 2, math.Inf(1)}, {-1e300, 1e300, math.Inf(1)},
		{1e300, 1e300, math.NaN()}, {math.Inf(1), 0, 1}, {math.Inf(1), 2, math.Inf(-1)}, {math.NaN(), 0, math.Inf(1)},
		{5e-324, 1e300, math.Inf(-1)}, {1, 1, -1}, {-1, 1, 1}, {math.Copysign(0, -1), 1, math.Copysign(0, -1)}, {5e-324, -5e-324, 0},
	}
)

// intInputs: edge values crossed, then random values of the width.
func intInputs(bitsN int) func(r *rand.Rand, i int) (uint64, uint64, uint64) {
	edges := edges32
	if bitsN == 64 {
		edges = edges64
	}
	return func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		n := len(edges)
		if i < n*n {
			return edges[i/n], edges[i%n], edges[(i*7)%n]
		}
		return r.Uint64(), r.Uint64(), r.Uint64()
	}
}

func f32Inputs(r *rand.Rand, i int) (uint64, uint64, uint64) {
	n := len(edgesF32)
	f := func(x float32) uint64 { return uint64(math.Float32bits(x)) }
	if i < n*n {
		return f(edgesF32[i/n]), f(edgesF32[i%n]), f(edgesF32[(i*7)%n])
	}
	if j := i - n*n; j < len(specialsF32) {
		t := specialsF32[j]
		return f(t[0]), f(t[1]), f(t[2])
	}
	rnd := func() uint64 {
		m := r.Uint32() & 0x807fffff
		e := uint32(127 + r.IntN(60) - 30)
		if r.IntN(8) == 0 {
			e = uint32(r.IntN(256))
		}
		return uint64(m | e<<23)
	}
	return rnd(), rnd(), rnd()
}

func f64Inputs(r *rand.Rand, i int) (uint64, uint64, uint64) {
	n := len(edgesF64)
	f := math.Float64bits
	if i < n*n {
		return f(edgesF64[i/n]), f(edgesF64[i%n]), f(edgesF64[(i*7)%n])
	}
	if j := i - n*n; j < len(specialsF64) {
		t := specialsF64[j]
		return f(t[0]), f(t[1]), f(t[2])
	}
	rnd := func() uint64 {
		m := r.Uint64() & 0x800fffffffffffff
		e := uint64(1023 + r.IntN(200) - 100)
		if r.IntN(8) == 0 {
			e = uint64(r.IntN(2048))
		}
		return m | e<<52
	}
	return rnd(), rnd(), rnd()
}

func f16Inputs(r *rand.Rand, i int) (uint64, uint64, uint64) {
	edges := []uint64{0, 0x8000, 0x3c00, 0xbc00, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3555, 0x3800, 0x4000, 0x3c01}
	n := len(edges)
	if i < n*n {
		return edges[i/n], edges[i%n], edges[(i*5)%n]
	}
	rnd := func() uint64 { return uint64(r.Uint32() & 0xffff) }
	return rnd(), rnd(), rnd()
}

func f32(u uint64) float32  { return math.Float32frombits(uint32(u)) }
func f64(u uint64) float64  { return math.Float64frombits(u) }
func uf32(f float32) uint64 { return uint64(math.Float32bits(f)) }
func uf64(f float64) uint64 { return math.Float64bits(f) }
func s32(u uint64) int32    { return int32(uint32(u)) }
func s16(u uint64) int16    { return int16(uint16(u)) }
func bit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func one(f func(a, b, c uint64) uint64) func(a, b, c uint64) (uint64, uint64) {
	return func(a, b, c uint64) (uint64, uint64) { return f(a, b, c), 0 }
}

// rounded applies a corpus reference (exact, math/big) in a mode.
func r32(op string, m corpus.Mode) func(a, b, c uint64) (uint64, uint64) {
	return one(func(a, b, c uint64) uint64 {
		x, y, z := float64(f32(a)), float64(f32(b)), float64(f32(c))
		var v float64
		switch op {
		case "add":
			v = corpus.Add(x, y, corpus.Float32, m)
		case "sub":
			v = corpus.Add(x, -y, corpus.Float32, m)
		case "mul":
			v = corpus.Mul(x, y, corpus.Float32, m)
		case "fma":
			v = corpus.FMA(x, y, z, corpus.Float32, m)
		case "div":
			v = corpus.Div(x, y, corpus.Float32, m)
		case "sqrt":
			v = corpus.Sqrt(x, corpus.Float32, m)
		case "rcp":
			v = corpus.Div(1, x, corpus.Float32, m)
		}
		return uf32(float32(v))
	})
}

func r64(op string, m corpus.Mode) func(a, b, c uint64) (uint64, uint64) {
	return one(func(a, b, c uint64) uint64 {
		x, y, z := f64(a), f64(b), f64(c)
		var v float64
		switch op {
		case "add":
			v = corpus.Add(x, y, corpus.Float64, m)
		case "sub":
			v = corpus.Add(x, -y, corpus.Float64, m)
		case "mul":
			v = corpus.Mul(x, y, corpus.Float64, m)
		case "fma":
			v = corpus.FMA(x, y, z, corpus.Float64, m)
		case "div":
			v = corpus.Div(x, y, corpus.Float64, m)
		case "sqrt":
			v = corpus.Sqrt(x, corpus.Float64, m)
		case "rcp":
			v = corpus.Div(1, x, corpus.Float64, m)
		}
		return uf64(v)
	})
}

var modes = []struct {
	ptx string
	m   corpus.Mode
}{{"rn", corpus.RN}, {"rz", corpus.RZ}, {"rm", corpus.RD}, {"rp", corpus.RU}}

// Integer division by zero is left to the machine by PTX. These are the
// H100's answers (sm_90, CUDA 13; TestSemanticsOnCUDA checks them): every
// division and every remainder by zero is all ones, signed or unsigned, for
// every dividend. INT_MIN/-1 wraps to INT_MIN with remainder 0.

// sdiv is div.s16/s32/s64 as the H100 computes it.
func sdiv[T int16 | int32 | int64](a, b T) T {
	switch b {
	case 0:
		return -1
	case -1:
		return -a
	}
	return a / b
}

// srem is rem.s16/s32/s64 as the H100 computes it.
func srem[T int16 | int32 | int64](a, b T) T {
	switch b {
	case 0:
		return -1
	case -1:
		return 0
	}
	return a % b
}

// signHalf is abs or neg of one .f16 or .bf16 half as the H100 computes
// them (arithmetic instructions there, not sign operations): a NaN gives
// the canonical NaN 0x7fff, anything else its sign cleared or flipped.
func signHalf(h uint64, neg, bf bool) uint64 {
	switch {
	case corpus.IsF16NaN(uint16(h), bf):
		return 0x7fff
	case neg:
		return h ^ 0x8000
	}
	return h &^ 0x8000
}

// signHalves is signHalf on both halves of a .f16x2 or .bf16x2.
func signHalves(a uint64, neg, bf bool) uint64 {
	return signHalf(a&0xffff, neg, bf) | signHalf(a>>16&0xffff, neg, bf)<<16
}

// fminPTX is min.f32: a NaN operand gives the other, both NaN a NaN, -0 < +0.
func fminPTX(a, b float64, max bool) float64 {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return math.NaN()
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	if a == b {
		if math.Signbit(a) != max {
			return a
		}
		return b
	}
	if (a < b) != max {
		return a
	}
	return b
}

func semCases() map[string]Case {
	cs := map[string]Case{}
	add := func(name string, s Case) {
		if _, dup := cs[name]; dup {
			panic("duplicate " + name)
		}
		cs[name] = s
	}
	i32 := intInputs(32)
	i64 := intInputs(64)
	// Integer arithmetic: wraparound, INT_MIN/-1, division by zero.
	add("add.s32", Case{text: "add.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(a + b)) })})
	add("sub.s64", Case{text: "sub.s64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return a - b })})
	add("add.sat.s32", Case{text: "add.sat.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		s := int64(s32(a)) + int64(s32(b))
		s = max(min(s, math.MaxInt32), math.MinInt32)
		return uint64(uint32(s))
	})})
	add("sub.sat.s32", Case{text: "sub.sat.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		s := int64(s32(a)) - int64(s32(b))
		s = max(min(s, math.MaxInt32), math.MinInt32)
		return uint64(uint32(s))
	})})
	add("add.u16", Case{text: "add.u16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint16(a + b)) })})
	add("mul.lo.u16", Case{text: "mul.lo.u16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint16(a) * uint16(b)) })})
	add("mul.hi.s16", Case{text: "mul.hi.s16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint16((int32(s16(a)) * int32(s16(b))) >> 16))
	})})
	add("mul.lo.s32", Case{text: "mul.lo.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(a) * uint32(b)) })})
	add("mul.hi.s32", Case{text: "mul.hi.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(uint64(int64(s32(a))*int64(s32(b))) >> 32))
	})})
	add("mul.hi.u32", Case{text: "mul.hi.u32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(a)) * uint64(uint32(b)) >> 32
	})})
	add("mul.wide.s32", Case{text: "mul.wide.s32 %d, %a, %b;", td: "b64", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(int64(s32(a)) * int64(s32(b)))
	})})
	add("mul.wide.u16", Case{text: "mul.wide.u16 %d, %a, %b;", td: "b32", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(uint16(a)) * uint32(uint16(b)))
	})})
	add("mul.hi.u64", Case{text: "mul.hi.u64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		hi, _ := bits.Mul64(a, b)
		return hi
	})})
	add("mul.hi.s64", Case{text: "mul.hi.s64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		hi, _ := bits.Mul64(a, b)
		// signed correction
		if int64(a) < 0 {
			hi -= b
		}
		if int64(b) < 0 {
			hi -= a
		}
		return hi
	})})
	add("mad.lo.s32", Case{text: "mad.lo.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(a)*uint32(b) + uint32(c))
	})})
	add("mad.hi.sat.s32", Case{text: "mad.hi.sat.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		hi := int64(s32(a)) * int64(s32(b)) >> 32
		s := hi + int64(s32(c))
		return uint64(uint32(max(min(s, math.MaxInt32), math.MinInt32)))
	})})
	add("mad.wide.u32", Case{text: "mad.wide.u32 %d, %a, %b, %c;", td: "b64", ta: "b32", tb: "b32", tc: "b64", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(a))*uint64(uint32(b)) + c
	})})
	add("mul24.lo.s32", Case{text: "mul24.lo.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		x, y := int64(int32(uint32(a)<<8)>>8), int64(int32(uint32(b)<<8)>>8)
		return uint64(uint32(x * y))
	})})
	add("mul24.hi.u32", Case{text: "mul24.hi.u32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32((a & 0xffffff) * (b & 0xffffff) >> 16))
	})})
	add("sad.s32", Case{text: "sad.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		x, y := s32(a), s32(b)
		var d uint32
		if x < y {
			d = uint32(y) - uint32(x)
		} else {
			d = uint32(x) - uint32(y)
		}
		return uint64(uint32(c) + d)
	})})
	add("div.s32", Case{text: "div.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(sdiv(s32(a), s32(b)))) })})
	add("rem.s32", Case{text: "rem.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(srem(s32(a), s32(b)))) })})
	add("div.u32", Case{text: "div.u32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		if uint32(b) == 0 {
			return 0xffffffff
		}
		return uint64(uint32(a) / uint32(b))
	})})
	add("rem.u64", Case{text: "rem.u64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		if b == 0 {
			return ^uint64(0)
		}
		return a % b
	})})
	add("rem.u32", Case{text: "rem.u32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		if uint32(b) == 0 {
			return 0xffffffff
		}
		return uint64(uint32(a) % uint32(b))
	})})
	add("div.u64", Case{text: "div.u64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		if b == 0 {
			return ^uint64(0)
		}
		return a / b
	})})
	add("rem.s64", Case{text: "rem.s64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return uint64(srem(int64(a), int64(b))) })})
	add("div.s16", Case{text: "div.s16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint16(sdiv(s16(a), s16(b)))) })})
	add("rem.s16", Case{text: "rem.s16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint16(srem(s16(a), s16(b)))) })})
	add("rem.u16", Case{text: "rem.u16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		if uint16(b) == 0 {
			return 0xffff
		}
		return uint64(uint16(a) % uint16(b))
	})})
	add("div.s64", Case{text: "div.s64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return uint64(sdiv(int64(a), int64(b))) })})
	add("abs.s32", Case{text: "abs.s32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		x := s32(a)
		if x < 0 {
			return uint64(uint32(-x))
		}
		return uint64(uint32(x))
	})})
	add("neg.s64", Case{text: "neg.s64 %d, %a;", td: "b64", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return -a })})
	add("min.s32", Case{text: "min.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(min(s32(a), s32(b)))) })})
	add("max.u64", Case{text: "max.u64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return max(a, b) })})
	add("min.s16x2", Case{text: "min.s16x2 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		lo := min(int16(a), int16(b))
		hi := min(int16(a>>16), int16(b>>16))
		return uint64(uint16(lo)) | uint64(uint16(hi))<<16
	})})
	add("max.u16x2", Case{text: "max.u16x2 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		lo := max(uint16(a), uint16(b))
		hi := max(uint16(a>>16), uint16(b>>16))
		return uint64(lo) | uint64(hi)<<16
	})})
	// Carry chains.
	add("add.cc+addc", Case{text: "add.cc.u32 %d, %a, %b;\n\taddc.u32 %q, %c, 0;", td: "b32", tq: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32,
		ref: func(a, b, c uint64) (uint64, uint64) {
			s := uint64(uint32(a)) + uint64(uint32(b))
			return uint64(uint32(s)), uint64(uint32(c) + uint32(s>>32))
		}})
	add("sub.cc+subc", Case{text: "sub.cc.u32 %d, %a, %b;\n\tsubc.u32 %q, %c, 0;", td: "b32", tq: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32,
		ref: func(a, b, c uint64) (uint64, uint64) {
			borrow := uint32(0)
			if uint32(a) < uint32(b) {
				borrow = 1
			}
			return uint64(uint32(a) - uint32(b)), uint64(uint32(c) - borrow)
		}})
	add("add.cc.u64+addc.cc+addc", Case{text: "add.cc.u64 %d, %a, %b;\n\taddc.cc.u64 %q, %c, %c;\n\taddc.u64 %q, %q, 0;", td: "b64", tq: "b64", ta: "b64", tb: "b64", tc: "b64", inputs: i64,
		ref: func(a, b, c uint64) (uint64, uint64) {
			s, c1 := bits.Add64(a, b, 0)
			t, c2 := bits.Add64(c, c, c1)
			return s, t + c2
		}})
	add("mad.lo.cc+madc.hi", Case{text: "mad.lo.cc.u32 %d, %a, %b, %c;\n\tmadc.hi.u32 %q, %a, %b, 0;", td: "b32", tq: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32,
		ref: func(a, b, c uint64) (uint64, uint64) {
			p := uint64(uint32(a)) * uint64(uint32(b))
			lo := uint64(uint32(p)) + uint64(uint32(c))
			return uint64(uint32(lo)), uint64(uint32(p>>32) + uint32(lo>>32))
		}})
	// Bits.
	add("popc.b64", Case{text: "popc.b64 %d, %a;", td: "b32", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return uint64(bits.OnesCount64(a)) })})
	add("clz.b32", Case{text: "clz.b32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(bits.LeadingZeros32(uint32(a))) })})
	add("clz.b64", Case{text: "clz.b64 %d, %a;", td: "b32", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return uint64(bits.LeadingZeros64(a)) })})
	add("brev.b32", Case{text: "brev.b32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(bits.Reverse32(uint32(a))) })})
	add("brev.b64", Case{text: "brev.b64 %d, %a;", td: "b64", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return bits.Reverse64(a) })})
	add("bfind.s32", Case{text: "bfind.s32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Bfind(uint32(a), true, false)) })})
	add("bfind.shiftamt.u32", Case{text: "bfind.shiftamt.u32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Bfind(uint32(a), false, true)) })})
	add("bfind.u64", Case{text: "bfind.u64 %d, %a;", td: "b32", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		if a == 0 {
			return 0xffffffff
		}
		return uint64(63 - bits.LeadingZeros64(a))
	})})
	add("bfe.s32", Case{text: "bfe.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Bfe(uint32(a), uint32(b), uint32(c), true)) })})
	add("bfe.u32", Case{text: "bfe.u32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Bfe(uint32(a), uint32(b), uint32(c), false)) })})
	add("bfi.b32", Case{text: "bfi.b32 %d, %a, %b, %c, 7;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Bfi(uint32(a), uint32(b), uint32(c), 7)) })})
	add("fns.b32", Case{text: "fns.b32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		return r.Uint64(), uint64(r.IntN(40)), uint64(uint32(int32(r.IntN(70) - 35)))
	}, ref: one(func(a, b, c uint64) uint64 {
		mask, base, off := uint32(a), int(uint32(b)), int(s32(c))
		if off == 0 {
			if base < 32 && mask>>base&1 == 1 {
				return uint64(base)
			}
			return 0xffffffff
		}
		count, inc := off-1, 1
		if off < 0 {
			count, inc = -off-1, -1
		}
		for pos := base; pos >= 0 && pos < 32; pos += inc {
			if mask>>pos&1 == 1 {
				if count == 0 {
					return uint64(pos)
				}
				count--
			}
		}
		return 0xffffffff
	})})
	for _, mode := range []string{"", "f4e", "b4e", "rc8", "ecl", "ecr", "rc16"} {
		mode := mode
		text := "prmt.b32 %d, %a, %b, %c;"
		if mode != "" {
			text = "prmt.b32." + mode + " %d, %a, %b, %c;"
		}
		add("prmt"+mode, Case{text: text, td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
			return 0x83828180 | uint64(r.Uint32()&0x7f7f7f7f), 0x87868584 ^ uint64(r.Uint32()&0x7f7f7f7f), uint64(r.Uint32())
		}, ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Prmt(uint32(a), uint32(b), uint32(c), mode)) })})
	}
	for _, lut := range []uint8{0x00, 0x96, 0xe8, 0xf0, 0xcc, 0xaa, 0x80, 0xfe, 0x1b} {
		lut := lut
		add(fmt.Sprintf("lop3.%#x", lut), Case{text: fmt.Sprintf("lop3.b32 %%d, %%a, %%b, %%c, %d;", lut), td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32,
			ref: one(func(a, b, c uint64) uint64 { return uint64(corpus.Lop3(uint32(a), uint32(b), uint32(c), lut)) })})
	}
	shf := func(dir, mode string) func(a, b, c uint64) uint64 {
		return func(a, b, c uint64) uint64 {
			n := uint32(c)
			if mode == "clamp" {
				n = min(n, 32)
			} else {
				n &= 31
			}
			t := uint64(uint32(b))<<32 | uint64(uint32(a))
			if dir == "l" {
				return uint64(uint32((t << n) >> 32))
			}
			return uint64(uint32(t >> n))
		}
	}
	for _, d := range []string{"l", "r"} {
		for _, m := range []string{"wrap", "clamp"} {
			add("shf."+d+"."+m, Case{text: "shf." + d + "." + m + ".b32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(shf(d, m))})
		}
	}
	shiftIn := func(w int) func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		return func(r *rand.Rand, i int) (uint64, uint64, uint64) {
			return r.Uint64() | 1<<(w-1)*uint64(i%2), uint64(i % (w + 40)), 0
		}
	}
	add("shl.b32", Case{text: "shl.b32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: shiftIn(32), ref: one(func(a, b, c uint64) uint64 {
		if uint32(b) >= 32 {
			return 0
		}
		return uint64(uint32(a) << uint32(b))
	})})
	add("shr.s32", Case{text: "shr.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: shiftIn(32), ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint32(s32(a) >> min(uint32(b), 31)))
	})})
	add("shr.u16", Case{text: "shr.u16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b32", inputs: shiftIn(16), ref: one(func(a, b, c uint64) uint64 {
		if uint32(b) >= 16 {
			return 0
		}
		return uint64(uint16(a) >> uint32(b))
	})})
	add("shr.s64", Case{text: "shr.s64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b32", inputs: shiftIn(64), ref: one(func(a, b, c uint64) uint64 {
		return uint64(int64(a) >> min(uint32(b), 63))
	})})
	add("shl.b64", Case{text: "shl.b64 %d, %a, %b;", td: "b64", ta: "b64", tb: "b32", inputs: shiftIn(64), ref: one(func(a, b, c uint64) uint64 {
		if uint32(b) >= 64 {
			return 0
		}
		return a << uint32(b)
	})})
	add("dp4a.s32.u32", Case{text: "dp4a.s32.u32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(corpus.Dp4a(uint32(a), uint32(b), uint32(c), true, false))
	})})
	add("dp2a.hi.u32.s32", Case{text: "dp2a.hi.u32.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(corpus.Dp2a(uint32(a), uint32(b), uint32(c), true, false, true))
	})})
	add("bmsk.clamp", Case{text: "bmsk.clamp.b32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		return uint64(i / 40), uint64(i % 40), 0
	}, ref: one(func(a, b, c uint64) uint64 {
		pos, ln := min(uint32(a), 32), min(uint32(b), 32)
		if pos >= 32 {
			return 0
		}
		m := uint64(1)<<ln - 1
		return uint64(uint32(m << pos))
	})})
	add("szext.wrap.s32", Case{text: "szext.wrap.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		return r.Uint64(), uint64(i % 40), 0
	}, ref: one(func(a, b, c uint64) uint64 {
		n := uint32(b) & 31
		if n == 0 {
			return 0
		}
		return uint64(uint32(int32(uint32(a)<<(32-n)) >> (32 - n)))
	})})
	// Comparisons and selection.
	add("setp.lt.and.s32", Case{text: "setp.lt.and.s32 %d|%q, %a, %b, %c;", td: "pred", tq: "pred", ta: "b32", tb: "b32", tc: "pred", inputs: i32,
		ref: func(a, b, c uint64) (uint64, uint64) {
			t := s32(a) < s32(b)
			return bit(t && c&1 == 1), bit(!t && c&1 == 1)
		}})
	add("setp.hi.u64", Case{text: "setp.hi.u64 %d, %a, %b;", td: "pred", ta: "b64", tb: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 { return bit(a > b) })})
	for _, cmp := range []string{"eq", "ne", "lt", "le", "gt", "ge", "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan"} {
		cmp := cmp
		fc := func(x, y float64) bool {
			un := math.IsNaN(x) || math.IsNaN(y)
			switch cmp {
			case "eq":
				return !un && x == y
			case "ne":
				return !un && x != y
			case "lt":
				return !un && x < y
			case "le":
				return !un && x <= y
			case "gt":
				return !un && x > y
			case "ge":
				return !un && x >= y
			case "equ":
				return un || x == y
			case "neu":
				return un || x != y
			case "ltu":
				return un || x < y
			case "leu":
				return un || x <= y
			case "gtu":
				return un || x > y
			case "geu":
				return un || x >= y
			case "num":
				return !un
			}
			return un
		}
		add("setp."+cmp+".f32", Case{text: "setp." + cmp + ".f32 %d|%q, %a, %b;", td: "pred", tq: "pred", ta: "f32", tb: "f32", inputs: f32Inputs,
			ref: func(a, b, c uint64) (uint64, uint64) {
				t := fc(float64(f32(a)), float64(f32(b)))
				return bit(t), bit(!t)
			}})
	}
	add("setp.gt.ftz.f32", Case{text: "setp.gt.ftz.f32 %d, %a, %b;", td: "pred", ta: "f32", tb: "f32", inputs: f32Inputs, ref: one(func(a, b, c uint64) uint64 {
		ftz := func(x float32) float32 {
			if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
				return float32(math.Copysign(0, float64(x)))
			}
			return x
		}
		return bit(ftz(f32(a)) > ftz(f32(b)))
	})})
	add("set.lt.u32.s32", Case{text: "set.lt.u32.s32 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		if s32(a) < s32(b) {
			return 0xffffffff
		}
		return 0
	})})
	add("set.ge.f32.f64", Case{text: "set.ge.f32.f64 %d, %a, %b;", td: "f32", ta: "f64", tb: "f64", inputs: f64Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		if f64(a) >= f64(b) {
			return uf32(1)
		}
		return uf32(0)
	})})
	add("selp.b64", Case{text: "selp.b64 %d, %a, %b, %c;", td: "b64", ta: "b64", tb: "b64", tc: "pred", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		if c&1 == 1 {
			return a
		}
		return b
	})})
	add("slct.s32.s32", Case{text: "slct.s32.s32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		if s32(c) >= 0 {
			return uint64(uint32(a))
		}
		return uint64(uint32(b))
	})})
	add("slct.u32.f32", Case{text: "slct.u32.f32 %d, %a, %b, %c;", td: "b32", ta: "b32", tb: "b32", tc: "f32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		_, _, c := f32Inputs(r, i)
		return 111, 222, c
	}, ref: one(func(a, b, c uint64) uint64 {
		if f32(c) >= 0 {
			return a
		}
		return b
	})})
	// Floats: every rounding mode, exact against math/big.
	for _, md := range modes {
		for _, op := range []string{"add", "sub", "mul", "div", "sqrt", "rcp"} {
			n := op + "." + md.ptx
			text := op + "." + md.ptx + ".f32 %d, %a, %b;"
			if op == "sqrt" || op == "rcp" {
				text = op + "." + md.ptx + ".f32 %d, %a;"
			}
			add(n+".f32", Case{text: text, td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: r32(op, md.m)})
			add(n+".f64", Case{text: strings.Replace(text, ".f32", ".f64", 1), td: "f64", ta: "f64", tb: "f64", inputs: f64Inputs, nan: 64, ref: r64(op, md.m)})
		}
		add("fma."+md.ptx+".f32", Case{text: "fma." + md.ptx + ".f32 %d, %a, %b, %c;", td: "f32", ta: "f32", tb: "f32", tc: "f32", inputs: f32Inputs, nan: 32, ref: r32("fma", md.m)})
		add("fma."+md.ptx+".f64", Case{text: "fma." + md.ptx + ".f64 %d, %a, %b, %c;", td: "f64", ta: "f64", tb: "f64", tc: "f64", inputs: f64Inputs, nan: 64, ref: r64("fma", md.m)})
	}
	ftz32 := func(x float32) float32 {
		if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
			return float32(math.Copysign(0, float64(x)))
		}
		return x
	}
	add("add.ftz.sat.f32", Case{text: "add.rn.ftz.sat.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		v := ftz32(ftz32(f32(a)) + ftz32(f32(b)))
		switch {
		case math.IsNaN(float64(v)) || v <= 0:
			v = 0
		case v > 1:
			v = 1
		}
		return uf32(v)
	})})
	add("fma.rn.ftz.f32", Case{text: "fma.rn.ftz.f32 %d, %a, %b, %c;", td: "f32", ta: "f32", tb: "f32", tc: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		fl := func(x uint64) uint64 { return uf32(ftz32(f32(x))) }
		v, _ := r32("fma", corpus.RN)(fl(a), fl(b), fl(c))
		return fl(v)
	})})
	add("mul.ftz.f32", Case{text: "mul.ftz.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		return uf32(ftz32(ftz32(f32(a)) * ftz32(f32(b))))
	})})
	add("min.f32", Case{text: "min.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		return uf32(float32(fminPTX(float64(f32(a)), float64(f32(b)), false)))
	})})
	add("max.f64", Case{text: "max.f64 %d, %a, %b;", td: "f64", ta: "f64", tb: "f64", inputs: f64Inputs, nan: 64, ref: one(func(a, b, c uint64) uint64 {
		return uf64(fminPTX(f64(a), f64(b), true))
	})})
	add("max.NaN.f32", Case{text: "max.NaN.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		if math.IsNaN(float64(f32(a))) || math.IsNaN(float64(f32(b))) {
			return 0x7fffffff
		}
		return uf32(float32(fminPTX(float64(f32(a)), float64(f32(b)), true)))
	})})
	add("min.xorsign.abs.f32", Case{text: "min.xorsign.abs.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		x, y := f32(a), f32(b)
		r := fminPTX(math.Abs(float64(x)), math.Abs(float64(y)), false)
		if math.IsNaN(r) {
			return uf32(float32(r))
		}
		neg := math.Signbit(float64(x)) != math.Signbit(float64(y))
		return uf32(float32(math.Copysign(r, map[bool]float64{true: -1, false: 1}[neg])))
	})})
	add("abs.f32", Case{text: "abs.f32 %d, %a;", td: "f32", ta: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 { return uf32(float32(math.Abs(float64(f32(a))))) })})
	add("neg.f64", Case{text: "neg.f64 %d, %a;", td: "f64", ta: "f64", inputs: f64Inputs, nan: 64, ref: one(func(a, b, c uint64) uint64 { return uf64(-f64(a)) })})
	add("copysign.f32", Case{text: "copysign.f32 %d, %a, %b;", td: "f32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		return uf32(float32(math.Copysign(float64(f32(b)), float64(f32(a)))))
	})})
	for k, test := range []string{"finite", "infinite", "number", "notanumber", "normal", "subnormal"} {
		k := k
		add("testp."+test+".f32", Case{text: "testp." + test + ".f32 %d, %a;", td: "pred", ta: "f32", inputs: f32Inputs, ref: one(func(a, b, c uint64) uint64 {
			x := float64(f32(a))
			switch k {
			case 0:
				return bit(!math.IsInf(x, 0) && !math.IsNaN(x))
			case 1:
				return bit(math.IsInf(x, 0))
			case 2:
				return bit(!math.IsNaN(x))
			case 3:
				return bit(math.IsNaN(x))
			case 4:
				return bit(x == 0 || (!math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) >= 0x1p-126))
			}
			return bit(x != 0 && math.Abs(x) < 0x1p-126)
		})})
	}
	// Conversions.
	for _, r := range []struct {
		ptx string
		m   corpus.Mode
	}{{"rni", corpus.RN}, {"rzi", corpus.RZ}, {"rmi", corpus.RD}, {"rpi", corpus.RU}} {
		r := r
		add("cvt."+r.ptx+".s32.f32", Case{text: "cvt." + r.ptx + ".s32.f32 %d, %a;", td: "b32", ta: "f32", inputs: f32Inputs, ref: one(func(a, b, c uint64) uint64 {
			return corpus.FloatToInt(float64(f32(a)), r.m, 32, true, false)
		})})
		add("cvt."+r.ptx+".u64.f64", Case{text: "cvt." + r.ptx + ".u64.f64 %d, %a;", td: "b64", ta: "f64", inputs: f64Inputs, ref: one(func(a, b, c uint64) uint64 {
			return corpus.FloatToInt(f64(a), r.m, 64, false, true)
		})})
		add("cvt."+r.ptx+".s16.f64", Case{text: "cvt." + r.ptx + ".s16.f64 %d, %a;", td: "b16", ta: "f64", inputs: f64Inputs, ref: one(func(a, b, c uint64) uint64 {
			return corpus.FloatToInt(f64(a), r.m, 16, true, true)
		})})
		add("cvt."+r.ptx+".f32.f32", Case{text: "cvt." + r.ptx + ".f32.f32 %d, %a;", td: "f32", ta: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
			x := float64(f32(a))
			switch r.m {
			case corpus.RN:
				return uf32(float32(math.RoundToEven(x)))
			case corpus.RZ:
				return uf32(float32(math.Trunc(x)))
			case corpus.RD:
				return uf32(float32(math.Floor(x)))
			}
			return uf32(float32(math.Ceil(x)))
		})})
	}
	for _, md := range modes {
		md := md
		add("cvt."+md.ptx+".f32.f64", Case{text: "cvt." + md.ptx + ".f32.f64 %d, %a;", td: "f32", ta: "f64", inputs: f64Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
			x := f64(a)
			if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
				return uf32(float32(x))
			}
			return uf32(float32(corpus.Round(ratOf(x), corpus.Float32, md.m)))
		})})
		add("cvt."+md.ptx+".f32.s64", Case{text: "cvt." + md.ptx + ".f32.s64 %d, %a;", td: "f32", ta: "b64", inputs: i64, nan: 32, ref: one(func(a, b, c uint64) uint64 {
			return uf32(float32(corpus.Round(new(bigRat).SetInt64(int64(a)), corpus.Float32, md.m)))
		})})
		add("cvt."+md.ptx+".f64.u64", Case{text: "cvt." + md.ptx + ".f64.u64 %d, %a;", td: "f64", ta: "b64", inputs: i64, nan: 64, ref: one(func(a, b, c uint64) uint64 {
			return uf64(corpus.Round(ratOfU64(a), corpus.Float64, md.m))
		})})
	}
	add("cvt.sat.u8.s32", Case{text: "cvt.sat.u8.s32 %d, %a;", td: "b16", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint16(max(min(s32(a), 255), 0)))
	})})
	add("cvt.s64.s8", Case{text: "cvt.s64.s8 %d, %a;", td: "b64", ta: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(int64(int8(a))) })})
	add("cvt.u32.s16", Case{text: "cvt.u32.s16 %d, %a;", td: "b32", ta: "b16", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(int32(int16(a)))) })})
	add("cvt.sat.s16.u64", Case{text: "cvt.sat.s16.u64 %d, %a;", td: "b16", ta: "b64", inputs: i64, ref: one(func(a, b, c uint64) uint64 {
		return uint64(uint16(min(a, 32767)))
	})})
	add("cvt.sat.f32.f32", Case{text: "cvt.sat.f32.f32 %d, %a;", td: "f32", ta: "f32", inputs: f32Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		x := f32(a)
		switch {
		case math.IsNaN(float64(x)) || x <= 0:
			return uf32(0)
		case x > 1:
			return uf32(1)
		}
		return uf32(x)
	})})
	for _, md := range modes[:2] {
		md := md
		add("cvt."+md.ptx+".f16.f32", Case{text: "cvt." + md.ptx + ".f16.f32 %d, %a;", td: "b16", ta: "f32", inputs: f32Inputs, nan: 16, ref: one(func(a, b, c uint64) uint64 {
			return uint64(halfOf(float64(f32(a)), corpus.Binary16, md.m))
		})})
		add("cvt."+md.ptx+".bf16.f32", Case{text: "cvt." + md.ptx + ".bf16.f32 %d, %a;", td: "b16", ta: "f32", inputs: f32Inputs, nan: 17, ref: one(func(a, b, c uint64) uint64 {
			return uint64(halfOf(float64(f32(a)), corpus.BFloat16, md.m))
		})})
	}
	add("cvt.rn.f16x2.f32", Case{text: "cvt.rn.f16x2.f32 %d, %a, %b;", td: "b32", ta: "f32", tb: "f32", inputs: f32Inputs, nan: 162, ref: one(func(a, b, c uint64) uint64 {
		return uint64(halfOf(float64(f32(b)), corpus.Binary16, corpus.RN)) | uint64(halfOf(float64(f32(a)), corpus.Binary16, corpus.RN))<<16
	})})
	add("cvt.f32.f16", Case{text: "cvt.f32.f16 %d, %a;", td: "f32", ta: "b16", inputs: f16Inputs, nan: 32, ref: one(func(a, b, c uint64) uint64 {
		return uf32(float32(corpus.F16Value(uint16(a), corpus.Binary16)))
	})})
	add("cvt.rn.f16.f64", Case{text: "cvt.rn.f16.f64 %d, %a;", td: "b16", ta: "f64", inputs: f64Inputs, nan: 16, ref: one(func(a, b, c uint64) uint64 {
		return uint64(halfOf(f64(a), corpus.Binary16, corpus.RN))
	})})
	add("cvt.rzi.s32.f16", Case{text: "cvt.rzi.s32.f16 %d, %a;", td: "b32", ta: "b16", inputs: f16Inputs, ref: one(func(a, b, c uint64) uint64 {
		return corpus.FloatToInt(corpus.F16Value(uint16(a), corpus.Binary16), corpus.RZ, 32, true, false)
	})})
	// Half arithmetic.
	h := func(op string, f corpus.Format) func(a, b, c uint64) (uint64, uint64) {
		return one(func(a, b, c uint64) uint64 {
			x, y, z := corpus.F16Value(uint16(a), f), corpus.F16Value(uint16(b), f), corpus.F16Value(uint16(c), f)
			var v float64
			switch op {
			case "add":
				v = corpus.Add(x, y, f, corpus.RN)
			case "sub":
				v = corpus.Add(x, -y, f, corpus.RN)
			case "mul":
				v = corpus.Mul(x, y, f, corpus.RN)
			case "fma":
				v = corpus.FMA(x, y, z, f, corpus.RN)
			}
			return uint64(corpus.F16Bits(v, f))
		})
	}
	for _, op := range []string{"add", "sub", "mul", "fma"} {
		text := op + ".rn.f16 %d, %a, %b;"
		if op == "fma" {
			text = "fma.rn.f16 %d, %a, %b, %c;"
		}
		add(op+".f16", Case{text: text, td: "b16", ta: "b16", tb: "b16", tc: "b16", inputs: f16Inputs, nan: 16, ref: h(op, corpus.Binary16)})
		add(op+".bf16", Case{text: strings.Replace(text, "f16", "bf16", 1), td: "b16", ta: "b16", tb: "b16", tc: "b16", inputs: f16Inputs, nan: 17, ref: h(op, corpus.BFloat16)})
	}
	add("add.f16x2", Case{text: "add.rn.f16x2 %d, %a, %b;", td: "b32", ta: "b32", tb: "b32", inputs: func(r *rand.Rand, i int) (uint64, uint64, uint64) {
		a, b, c := f16Inputs(r, i)
		a2, b2, _ := f16Inputs(r, N-1-i)
		return a | a2<<16, b | b2<<16, c
	}, nan: 162, ref: one(func(a, b, c uint64) uint64 {
		lo, _ := h("add", corpus.Binary16)(a&0xffff, b&0xffff, 0)
		hi, _ := h("add", corpus.Binary16)(a>>16&0xffff, b>>16&0xffff, 0)
		return lo | hi<<16
	})})
	add("fma.relu.bf16", Case{text: "fma.rn.relu.bf16 %d, %a, %b, %c;", td: "b16", ta: "b16", tb: "b16", tc: "b16", inputs: f16Inputs, nan: 17, ref: one(func(a, b, c uint64) uint64 {
		v, _ := h("fma", corpus.BFloat16)(a, b, c)
		if corpus.IsF16NaN(uint16(v), true) {
			return 0x7fff
		}
		if v&0x8000 != 0 {
			return 0
		}
		return v
	})})
	// abs and neg of halves on the H100 turn every NaN half into the
	// canonical NaN 0x7fff (they are arithmetic instructions there, not
	// sign operations); other halves get their sign cleared or flipped.
	for _, op := range []string{"abs", "neg"} {
		neg := op == "neg"
		for _, bf := range []bool{false, true} {
			ty := "f16"
			if bf {
				ty = "bf16"
			}
			add(op+"."+ty, Case{text: op + "." + ty + " %d, %a;", td: "b16", ta: "b16", inputs: f16Inputs, ref: one(func(a, b, c uint64) uint64 { return signHalf(a, neg, bf) })})
			add(op+"."+ty+"x2", Case{text: op + "." + ty + "x2 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return signHalves(a, neg, bf) })})
		}
	}
	add("min.f16", Case{text: "min.f16 %d, %a, %b;", td: "b16", ta: "b16", tb: "b16", inputs: f16Inputs, nan: 16, ref: one(func(a, b, c uint64) uint64 {
		v := fminPTX(corpus.F16Value(uint16(a), corpus.Binary16), corpus.F16Value(uint16(b), corpus.Binary16), false)
		return uint64(corpus.F16Bits(v, corpus.Binary16))
	})})
	// Moves, packing.
	add("mov.b64 pack", Case{text: "mov.b64 %d, {%a, %b};", td: "b64", ta: "b32", tb: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return uint64(uint32(a)) | uint64(uint32(b))<<32 })})
	add("mov.b64 unpack", Case{text: "mov.b64 {%d, %q}, %a;", td: "b32", tq: "b32", ta: "b64", inputs: i64, ref: func(a, b, c uint64) (uint64, uint64) { return a & 0xffffffff, a >> 32 }})
	add("mov.b32 bytes", Case{text: "mov.b32 {%d, _}, %a;", td: "b16", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return a & 0xffff })})
	add("cnot.b32", Case{text: "cnot.b32 %d, %a;", td: "b32", ta: "b32", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return bit(uint32(a) == 0) })})
	add("xor.pred", Case{text: "xor.pred %d, %a, %b;", td: "pred", ta: "pred", tb: "pred", inputs: i32, ref: one(func(a, b, c uint64) uint64 { return (a ^ b) & 1 })})
	return cs
}

type bigRat = corpusRat

func halfOf(x float64, f corpus.Format, m corpus.Mode) uint16 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return corpus.F16Bits(x, f)
	}
	return corpus.F16Bits(corpus.Round(ratOf(x), f, m), f)
}

// semKernel writes one test kernel: element i reads its operands from
// in[3i..3i+2] (64-bit words) and writes d and q to out[2i], out[2i+1].
func semKernel(name string, s Case) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".visible .entry %s(.param .u64 pin, .param .u64 pout, .param .u32 pn)\n{\n", name)
	b.WriteString("\t.reg .b64 %ra, %rb, %ro, %rt64;\n\t.reg .b32 %ri, %rn, %rt32;\n\t.reg .pred %pn;\n")
	decl := func(reg, t string) {
		if t == "" {
			return
		}
		if t == "pred" {
			fmt.Fprintf(&b, "\t.reg .pred %s;\n", reg)
			return
		}
		fmt.Fprintf(&b, "\t.reg .%s %s;\n", t, reg)
	}
	decl("%d", s.td)
	decl("%q", s.tq)
	decl("%a", s.ta)
	decl("%b", s.tb)
	decl("%c", s.tc)
	b.WriteString("\tmov.u32 %ri, %ctaid.x;\n\tmov.u32 %rt32, %ntid.x;\n\tmov.u32 %rn, %tid.x;\n\tmad.lo.s32 %ri, %ri, %rt32, %rn;\n")
	b.WriteString("\tld.param.u32 %rn, [pn];\n\tsetp.ge.u32 %pn, %ri, %rn;\n\t@%pn bra DONE;\n")
	b.WriteString("\tld.param.u64 %ra, [pin];\n\tld.param.u64 %ro, [pout];\n")
	b.WriteString("\tmul.wide.u32 %rt64, %ri, 24;\n\tadd.s64 %ra, %ra, %rt64;\n\tmul.wide.u32 %rt64, %ri, 16;\n\tadd.s64 %ro, %ro, %rt64;\n")
	load := func(reg, t string, off int) {
		switch t {
		case "":
		case "pred":
			fmt.Fprintf(&b, "\tld.global.u32 %%rt32, [%%ra+%d];\n\tand.b32 %%rt32, %%rt32, 1;\n\tsetp.ne.u32 %s, %%rt32, 0;\n", off, reg)
		default:
			fmt.Fprintf(&b, "\tld.global.%s %s, [%%ra+%d];\n", loadType(t), reg, off)
		}
	}
	load("%a", s.ta, 0)
	load("%b", s.tb, 8)
	load("%c", s.tc, 16)
	fmt.Fprintf(&b, "\t%s\n", s.text)
	store := func(reg, t string, off int) {
		switch t {
		case "":
		case "pred":
			fmt.Fprintf(&b, "\tselp.u32 %%rt32, 1, 0, %s;\n\tst.global.u32 [%%ro+%d], %%rt32;\n", reg, off)
		default:
			fmt.Fprintf(&b, "\tst.global.%s [%%ro+%d], %s;\n", loadType(t), off, reg)
		}
	}
	store("%d", s.td, 0)
	store("%q", s.tq, 8)
	b.WriteString("DONE:\n\tret;\n}\n")
	return b.String()
}

func loadType(t string) string {
	switch t {
	case "b16", "u16", "s16":
		return "u16"
	case "b32", "u32", "s32":
		return "u32"
	case "b64", "u64", "s64":
		return "u64"
	}
	return t
}

// Module builds the PTX module holding one kernel per case.
func Module() (src string, names []string, cases map[string]Case, kname map[string]string) {
	cases = semCases()
	for n := range cases {
		names = append(names, n)
	}
	sortStrings(names)
	var b strings.Builder
	// PTX ISA 8.0 is the lowest version that has every form here (min and
	// max on .u16x2/.s16x2 came in 8.0): ptxas refuses a module whose
	// .version is older than one of its instructions, and so does package
	// ptx (isaversion.go).
	b.WriteString(".version 8.0\n.target sm_90\n.address_size 64\n")
	kname = map[string]string{}
	for i, n := range names {
		k := fmt.Sprintf("s%d", i)
		kname[n] = k
		b.WriteString(semKernel(k, cases[n]))
	}
	return b.String(), names, cases, kname
}

// Check runs every case through run (kernel name, input words) and
// compares with the references.
func Check(t *testing.T, names []string, cases map[string]Case, kname map[string]string, run func(t *testing.T, kernel string, in []byte) []byte) {
	for _, n := range names {
		s := cases[n]
		t.Run(n, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(len(n)), 42))
			in := make([]byte, 24*N)
			want := make([][2]uint64, N)
			ins := make([][3]uint64, N)
			mask := func(v uint64, t string) uint64 {
				switch typeBits(t) {
				case 1:
					return v & 1
				case 16:
					return v & 0xffff
				case 32:
					return v & 0xffffffff
				}
				return v
			}
			for i := 0; i < N; i++ {
				a, bb, c := s.inputs(r, i)
				a, bb, c = mask(a, s.ta), mask(bb, s.tb), mask(c, s.tc)
				ins[i] = [3]uint64{a, bb, c}
				binary.LittleEndian.PutUint64(in[24*i:], a)
				binary.LittleEndian.PutUint64(in[24*i+8:], bb)
				binary.LittleEndian.PutUint64(in[24*i+16:], c)
				d, q := s.ref(a, bb, c)
				want[i] = [2]uint64{mask(d, s.td), mask(q, s.tq)}
			}
			out := run(t, kname[n], in)
			bad := 0
			for i := 0; i < N; i++ {
				gd := binary.LittleEndian.Uint64(out[16*i:]) & widthMask(s.td)
				gq := binary.LittleEndian.Uint64(out[16*i+8:]) & widthMask(s.tq)
				if !sameResult(gd, want[i][0], s.nan) || gq != want[i][1] {
					bad++
					if bad <= 5 {
						t.Errorf("%s with a=%#x b=%#x c=%#x: got d=%#x q=%#x, want d=%#x q=%#x", s.text, ins[i][0], ins[i][1], ins[i][2], gd, gq, want[i][0], want[i][1])
					}
				}
			}
			if bad > 5 {
				t.Errorf("... %d mismatches in all", bad)
			}
		})
	}
}

// widthMask masks a result of register type t; an operand the case does
// not have ("") is masked out whole (runners may poison its slot).
func widthMask(t string) uint64 {
	if t == "" {
		return 0
	}
	switch typeBits(t) {
	case 1:
		return 1
	case 16:
		return 0xffff
	case 32:
		return 0xffffffff
	}
	return ^uint64(0)
}

func sameResult(got, want uint64, nan int) bool {
	if got == want {
		return true
	}
	switch nan {
	case 32:
		return math.IsNaN(float64(f32(got))) && math.IsNaN(float64(f32(want)))
	case 64:
		return math.IsNaN(f64(got)) && math.IsNaN(f64(want))
	case 16:
		return corpus.IsF16NaN(uint16(got), false) && corpus.IsF16NaN(uint16(want), false)
	case 17:
		return corpus.IsF16NaN(uint16(got), true) && corpus.IsF16NaN(uint16(want), true)
	case 162: // two f16 halves
		return sameResult(got&0xffff, want&0xffff, 16) && sameResult(got>>16, want>>16, 16)
	}
	return false
}
