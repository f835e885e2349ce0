package spirvgen

import (
	"math"
	"strings"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Floating point. Round-to-nearest add, sub and mul of f32 and f64 are
// the SPIR-V operations (correctly rounded in Vulkan), marked
// NoContraction so that no driver fuses them; fma is the GLSL Fma
// instruction, exact on devices whose fma is fused (NVIDIA's, and
// llvmpipe's on x86 with FMA). Every directed rounding, f32 division and
// square root (correctly rounded in PTX, not in Vulkan) and all f16/bf16
// arithmetic go through the exact rounding of softfloat.go, computing in
// double precision. The approximate instructions are computed in double
// precision too (polynomials for ex2, lg2, sin and cos), well inside
// PTX's error bounds.

func isHalf(t ptx.Type) bool {
	return t == ptx.F16 || t == ptx.BF16 || t == ptx.F16x2 || t == ptx.BF16x2
}

func directed(r ptx.Rounding) bool { return r == ptx.RZ || r == ptx.RM || r == ptx.RP }

// ftz32 flushes an f32 subnormal to a signed zero.
func (e *fn) ftz32(x spirv.ID) spirv.ID {
	g := e.g
	bits := e.op(spirv.OpBitcast, g.tU32, x)
	sub := e.op(spirv.OpIEqual, g.tBool, e.op(spirv.OpBitwiseAnd, g.tU32, bits, e.u32(0x7f800000)), e.u32(0))
	z := e.op(spirv.OpBitcast, g.tF32, e.op(spirv.OpBitwiseAnd, g.tU32, bits, e.u32(0x80000000)))
	return e.sel(g.tF32, sub, z, x)
}

// fin applies .ftz to an f32 input.
func (e *fn) fin(in *ptx.Inst, x spirv.ID) spirv.ID {
	if in.Type() == ptx.F32 && in.Has(ptx.FlagFTZ) {
		return e.ftz32(x)
	}
	return x
}

// sat clamps to [0, 1], NaN to 0.
func (e *fn) sat(t ptx.Type, x spirv.ID) spirv.ID {
	g := e.g
	ft := e.vt(t)
	zero, one := e.fconst(t, 0), e.fconst(t, 1)
	gt0 := e.op(spirv.OpFOrdGreaterThan, g.tBool, x, zero)
	lt1 := e.op(spirv.OpFOrdLessThan, g.tBool, x, one)
	return e.sel(ft, gt0, e.sel(ft, lt1, x, one), zero)
}

// fout applies .ftz and .sat to an f32/f64 result.
func (e *fn) fout(in *ptx.Inst, t ptx.Type, x spirv.ID) spirv.ID {
	if t == ptx.F32 && in.Has(ptx.FlagFTZ) {
		x = e.ftz32(x)
	}
	if in.Has(ptx.FlagSat) {
		x = e.sat(t, x)
	}
	return x
}

func (e *fn) fconst(t ptx.Type, v float64) spirv.ID {
	if t == ptx.F64 {
		return e.c(e.f64(nil), math.Float64bits(v))
	}
	return e.c(e.g.tF32, uint64(math.Float32bits(float32(v))))
}

// toF64 widens an f32 exactly.
func (e *fn) toF64(x spirv.ID) spirv.ID { return e.op(spirv.OpFConvert, e.f64(nil), x) }

// f32From rounds a double (bits u64) to f32 in mode.
func (e *fn) f32From(bits spirv.ID, mode ptx.Rounding) spirv.ID {
	if mode == ptx.RoundNone {
		mode = ptx.RN
	}
	return e.op(spirv.OpBitcast, e.g.tF32, e.roundF64(bits, fmtF32, mode))
}

// needF64 declares that an f32 operation is computed in double precision.
func (e *fn) needF64(in *ptx.Inst) bool {
	if e.g.tF64 != 0 {
		return true
	}
	return e.need(in, e.g.t.Float64, spirv.CapabilityFloat64, "shaderFloat64", "exact f32 rounding (computed in double precision)") && e.f64(in) != 0
}

func (e *fn) floatArith(in *ptx.Inst, t ptx.Type) {
	g := e.g
	d := in.Args[0]
	ft := e.vt(t)
	op := in.Op
	if op == "mad" {
		op = "fma"
	}
	if op == "fma" && t == ptx.F32 && in.Has(ptx.FlagFTZ) && !in.Has(ptx.FlagSat) && !directed(in.Rnd) && g.t.FusedFMA32 && g.t.FlushFMA32 {
		// fma.rn.ftz.f32 is the device's Fma, which flushes as .ftz does
		// (Target.FlushFMA32).
		e.wr(d, t, e.ext(spirv.GLSLFma, ft, e.a(in, 1), e.a(in, 2), e.a(in, 3)))
		return
	}
	fa := func(i int) spirv.ID { return e.fin(in, e.a(in, i)) }
	switch op {
	case "abs", "neg":
		a := fa(1)
		ut := e.vt(t.Unsigned())
		bits := e.op(spirv.OpBitcast, ut, a)
		sign := e.c(ut, 1<<(t.Bits()-1))
		if op == "abs" {
			bits = e.op(spirv.OpBitwiseAnd, ut, bits, e.op(spirv.OpNot, ut, sign))
		} else {
			bits = e.op(spirv.OpBitwiseXor, ut, bits, sign)
		}
		e.wr(d, t, e.fout(in, t, e.op(spirv.OpBitcast, ft, bits)))
		return
	case "min", "max":
		var r spirv.ID
		if in.Has(ptx.FlagXorSign) {
			// |min| (|max|) of the magnitudes, with the sign of a xor b.
			a, b := fa(1), fa(2)
			ut := e.vt(t.Unsigned())
			sign := e.c(ut, 1<<(t.Bits()-1))
			ab, bb := e.op(spirv.OpBitcast, ut, a), e.op(spirv.OpBitcast, ut, b)
			s := e.op(spirv.OpBitwiseAnd, ut, e.op(spirv.OpBitwiseXor, ut, ab, bb), sign)
			absA := e.op(spirv.OpBitcast, ft, e.op(spirv.OpBitwiseAnd, ut, ab, e.op(spirv.OpNot, ut, sign)))
			absB := e.op(spirv.OpBitcast, ft, e.op(spirv.OpBitwiseAnd, ut, bb, e.op(spirv.OpNot, ut, sign)))
			m := e.fminmax(op == "max", t, absA, absB, in.Has(ptx.FlagNaN))
			withSign := e.op(spirv.OpBitcast, ft, e.op(spirv.OpBitwiseOr, ut, e.op(spirv.OpBitcast, ut, m), s))
			r = e.sel(ft, e.op(spirv.OpIsNan, g.tBool, m), m, withSign)
		} else {
			r = e.fminmax(op == "max", t, fa(1), fa(2), in.Has(ptx.FlagNaN))
		}
		if len(in.Args) == 4 {
			r = e.fminmax(op == "max", t, r, fa(3), in.Has(ptx.FlagNaN))
		}
		if in.Has(ptx.FlagRelu) {
			r = e.fminmax(true, t, r, e.fconst(t, 0), false)
		}
		e.wr(d, t, e.fout(in, t, r))
		return
	case "rem":
		e.errorf(in, "rem takes integer types")
		return
	}
	a, b := fa(1), fa(2)
	mode := in.Rnd
	var r spirv.ID
	switch op {
	case "add", "sub", "mul":
		spop := map[string]spirv.Op{"add": spirv.OpFAdd, "sub": spirv.OpFSub, "mul": spirv.OpFMul}[op]
		switch {
		case !directed(mode):
			r = e.fop(spop, ft, a, b)
		case t == ptx.F64:
			r = e.exactF64(op, mode, a, b, 0)
		default:
			if !e.needF64(in) {
				return
			}
			a64, b64 := e.toF64(a), e.toF64(b)
			var bits, exactZero spirv.ID
			if op == "mul" {
				bits = e.op(spirv.OpBitcast, g.tU64, e.fop(spirv.OpFMul, g.tF64, a64, b64)) // exact
				exactZero = e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpFOrdEqual, g.tBool, a, e.f32c(0)), e.op(spirv.OpFOrdEqual, g.tBool, b, e.f32c(0)))
			} else {
				if op == "sub" {
					b64 = e.op(spirv.OpFNegate, g.tF64, b64)
				}
				s, err := e.twoSum(a64, b64)
				bits = e.roundToOdd(s, err)
				exactZero = e.op(spirv.OpFOrdEqual, g.tBool, s, e.d(0))
			}
			r = e.fixSpecial(op, mode, ptx.F32, e.f32From(bits, mode), exactZero, a, b, 0)
		}
	case "fma":
		c := fa(3)
		switch {
		case !directed(mode) && t == ptx.F64:
			r = e.fmaF64(a, b, c)
		case !directed(mode) && t == ptx.F32 && in.Has(ptx.FlagFTZ) && g.t.FusedFMA32:
			// fma.rn.ftz.f32 (nvcc -ftz=true, --use_fast_math; clang
			// -fcuda-flush-denormals-to-zero): the inputs are flushed
			// (fin) and the result will be (fout), so the device's fused
			// Fma is exact whether or not it flushes subnormals itself.
			r = e.ext(spirv.GLSLFma, ft, a, b, c)
		case !directed(mode) && g.t.ContractFMA32:
			// Left for the driver to contract (Target.ContractFMA32).
			r = e.op(spirv.OpFAdd, ft, e.op(spirv.OpFMul, ft, a, b), c)
		case t == ptx.F64 && directed(mode):
			r = e.exactF64("fma", mode, a, b, c)
		case !directed(mode) && g.t.FusedFMA32 && !g.t.Float64:
			// No double precision for the subnormal fallback: the
			// device's Fma as it is.
			r = e.ext(spirv.GLSLFma, ft, a, b, c)
		default:
			if !e.needF64(in) {
				return
			}
			if directed(mode) || !g.t.FusedFMA32 {
				r = e.fmaExact32(a, b, c, mode, spirv.FunctionControlNone)
				break
			}
			r = e.fusedFMA32Bits(a, b, c)
		}
	case "div":
		switch {
		case t == ptx.F64:
			if in.Has(ptx.FlagApprox) {
				r = e.fop(spirv.OpFDiv, ft, a, b)
			} else {
				if mode == ptx.RoundNone {
					mode = ptx.RN
				}
				r = e.divF64(a, b, mode)
			}
		case in.Has(ptx.FlagApprox) || in.Has(ptx.FlagFull):
			r = e.div32(in, a, b, ptx.RN)
			if in.Has(ptx.FlagApprox) {
				// For 2^126 < |b| < 2^128 the GPU's a * (1/b) gives 0
				// (NaN for an infinite a), as the PTX ISA says.
				ab := e.ext(spirv.GLSLFAbs, g.tF32, b)
				big := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpFOrdGreaterThan, g.tBool, ab, e.f32c(0x7e800000)),
					e.op(spirv.OpFOrdLessThan, g.tBool, ab, e.f32c(0x7f800000)))
				sgn := e.op(spirv.OpBitwiseAnd, g.tU32, e.op(spirv.OpBitwiseXor, g.tU32, e.op(spirv.OpBitcast, g.tU32, a), e.op(spirv.OpBitcast, g.tU32, b)), e.u32(0x80000000))
				z := e.op(spirv.OpBitcast, g.tF32, sgn)
				z = e.sel(g.tF32, e.op(spirv.OpIsInf, g.tBool, a), e.f32c(0x7fffffff), z)
				r = e.sel(g.tF32, big, z, r)
			}
		default:
			if mode == ptx.RoundNone {
				mode = ptx.RN
			}
			r = e.div32(in, a, b, mode)
		}
	}
	if r == 0 {
		return
	}
	e.wr(d, t, e.fout(in, t, r))
}

// fmaExact32 is fma(a, b, c) for f32, rounded once in mode, computed
// in double precision (the product is exact there; TwoSum and rounding
// to odd give the sum's rounding), in an out-of-line helper (function
// control ctrl on its first use).
func (e *fn) fmaExact32(a, b, c spirv.ID, mode ptx.Rounding, ctrl spirv.FunctionControl) spirv.ID {
	g := e.g
	if mode == ptx.RoundNone {
		mode = ptx.RN
	}
	key := "fma.f32." + mode.String()
	t := g.tF32
	return e.call(key, ctrl, t, []spirv.ID{t, t, t}, []spirv.ID{a, b, c}, func(ps []spirv.ID) spirv.ID {
		return e.fmaExact32Body(ps[0], ps[1], ps[2], mode)
	})
}

func (e *fn) fmaExact32Body(a, b, c spirv.ID, mode ptx.Rounding) spirv.ID {
	g := e.g
	if mode == ptx.RN && strings.Contains(fmaCheck, "lean") {
		return e.fmaExact32Lean(a, b, c)
	}
	p := e.fop(spirv.OpFMul, g.tF64, e.toF64(a), e.toF64(b)) // exact
	s, err := e.twoSum(p, e.toF64(c))
	exactZero := e.op(spirv.OpFOrdEqual, g.tBool, s, e.d(0))
	odd := e.roundToOdd(s, err)
	var r spirv.ID
	if mode == ptx.RN && strings.Contains(fmaCheck, "cvtrn") {
		// Measurement form: the double rounded to odd (53 bits, two more
		// than f32 needs) rounded once more by the device's conversion,
		// which is then correct where the conversion rounds to nearest
		// and keeps subnormal results; instead of the integer rounding
		// routine, whose 64-bit integers may be what the exact fma's
		// registers are.
		r = e.op(spirv.OpFConvert, g.tF32, e.op(spirv.OpBitcast, g.tF64, odd))
	} else {
		r = e.f32From(odd, mode)
	}
	return e.fixSpecial("fma", mode, ptx.F32, r, exactZero, a, b, c)
}

// fmaExact32Lean is fmaExact32Body in round-to-nearest written so that
// the operands die early (measurement form fmaCheck "lean"): the result
// for infinite and NaN operands and the finiteness test (fixSpecial's
// "fma" case) come first, then the doubles, and only those two values
// stay live across the emulation, where fixSpecial kept a, b and c.
func (e *fn) fmaExact32Lean(a, b, c spirv.ID) spirv.ID {
	g := e.g
	ft := g.tF32
	plain, _, _ := e.fmaPlain(ft, a, b, c)
	fin := e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpLogicalAnd, g.tBool, e.isFinite(a), e.isFinite(b)), e.isFinite(c))
	p := e.fop(spirv.OpFMul, g.tF64, e.toF64(a), e.toF64(b)) // exact
	s, err := e.twoSum(p, e.toF64(c))
	exactZero := e.op(spirv.OpFOrdEqual, g.tBool, s, e.d(0))
	odd := e.roundToOdd(s, err)
	var r spirv.ID
	if strings.Contains(fmaCheck, "cvtrn") {
		r = e.op(spirv.OpFConvert, ft, e.op(spirv.OpBitcast, g.tF64, odd))
	} else {
		r = e.f32From(odd, ptx.RN)
	}
	res := e.sel(ft, fin, r, plain)
	// An exact zero is the plain sum's zero (its sign: round to nearest's).
	return e.sel(ft, e.op(spirv.OpLogicalAnd, g.tBool, exactZero, fin), plain, res)
}

// fusedFMA32Bits is fma.rn.f32 through the device's fused Fma, falling
// back to the exact double-precision emulation (fmaExact32, a function
// the driver may inline: on the H100 matrix_multiply took 2.12x GLSL's
// time with the emulation inline, 2.26x with it a DontInline function)
// where an operand is subnormal or the fused result is below the
// smallest normal (zero included). NVIDIA's driver (H100, 2026) flushes
// Fma's subnormal inputs and results even under DenormPreserve (0.5 *
// 2^-126 + 0 gave 0, a subnormal times infinity gave NaN); elsewhere the
// fused result stands.
//
// The test is on the bits (a float compare could flush too) and costs a
// few integer operations: with u = bits << 1 (the magnitude, doubled),
// an operand is subnormal when u - 1 < 0xffffff (zero wraps around to
// the top), and a result is below the smallest normal when u < 0xffffff
// (u is even: u < 0x1000000); one unsigned minimum of the four tells.
// Consecutive fmas share one cheaper test instead (fmarun.go); this form
// is for an fma on its own (a guarded one, or in a kernel the scheduler
// runs) and for the recomputation of a run.
func (e *fn) fusedFMA32Bits(a, b, c spirv.ID) spirv.ID {
	g := e.g
	u32 := g.tU32
	f := e.ext(spirv.GLSLFma, g.tF32, a, b, c)
	twice := func(x spirv.ID) spirv.ID { return e.magTwice(e.op(spirv.OpBitcast, u32, x)) }
	sub := func(x spirv.ID) spirv.ID { return e.subnormalKey(e.op(spirv.OpBitcast, u32, x)) }
	m := e.ext(spirv.GLSLUMin, u32, e.ext(spirv.GLSLUMin, u32, sub(a), sub(b)), e.ext(spirv.GLSLUMin, u32, sub(c), twice(f)))
	slow := e.op(spirv.OpULessThan, g.tBool, m, e.u32(0xffffff))
	res := e.tmpVar(g.tF32)
	e.store(res, f)
	ctrl := spirv.FunctionControlNone
	if strings.Contains(fmaCheck, "dontinline") {
		ctrl = spirv.FunctionControlDontInline
	}
	e.ifThen(slow, func() { e.store(res, e.fmaExact32(a, b, c, ptx.RN, ctrl)) })
	return e.load(g.tF32, res)
}

// magTwice is the f32 bits x (a u32) shifted left by one: the magnitude,
// doubled.
func (e *fn) magTwice(x spirv.ID) spirv.ID {
	return e.op(spirv.OpShiftLeftLogical, e.g.tU32, x, e.u32(1))
}

// subnormalKey is magTwice(x) - 1, below 0xffffff exactly when the f32
// bits x are a nonzero subnormal (zero wraps around to the top).
func (e *fn) subnormalKey(x spirv.ID) spirv.ID {
	return e.op(spirv.OpISub, e.g.tU32, e.magTwice(x), e.u32(1))
}

// fmaCheck chooses another form of fused f32 fmas for A/B benchmarks on a
// GPU: a test binary built with
// -ldflags '-X github.com/streamhal/streamhal/ptx/spirvgen.fmaCheck=bits'
// forms no runs (fmarun.go) and tests each fma on the bits alone (on the
// H100: matrix_multiply 2.10x GLSL, against 1.55-1.57x with runs, in one
// call). noflag leaves values loaded from shared memory to the runs'
// minimum (sharedflag.go); noresult, for measurement only and wrong for
// subnormal results, leaves the fmas' results out of it; unrolled
// recomputes every run fma by fma (fmarun.go's form before the loop);
// unrollhint leaves DontUnroll off the recomputation loop (runLoopControl);
// slowfma, for measurement only and wrong for subnormals, recomputes with
// the fused Fma alone; reloadvol is reload with Volatile loads (which the
// driver cannot merge with the run's own); runN (run1 to run32) ends runs
// at N fmas (runLimit; the default is 4); outline makes the recomputation
// loop a DontInline function (outlineRun); cvtrn, for measurement, ends the
// exact f32 fma in round-to-nearest with the device's f64-to-f32
// conversion of the double rounded to odd instead of the integer rounding
// routine (exact only where that conversion keeps subnormals); lean
// computes the special cases of the exact f32 fma first
// (fmaExact32Lean). Empty in every other build.
var fmaCheck string

// div32 is a/b for f32, correctly rounded in mode: the double quotient
// (within a few double ulps) rounds to f32 correctly in round-to-nearest,
// since an f32 quotient is never that close to a midpoint; a directed
// rounding checks the candidate's exact remainder.
func (e *fn) div32(in *ptx.Inst, a, b spirv.ID, mode ptx.Rounding) spirv.ID {
	if !e.needF64(in) {
		return 0
	}
	g := e.g
	a64, b64 := e.toF64(a), e.toF64(b)
	q := e.fop(spirv.OpFDiv, g.tF64, a64, b64)
	return e.directed32(q, mode, func(c spirv.ID) spirv.ID {
		// a - c*b: c*b is exact (48 bits) and close to a.
		p := e.fop(spirv.OpFMul, g.tF64, c, b64)
		r := e.fop(spirv.OpFSub, g.tF64, a64, p)
		return e.fop(spirv.OpFMul, g.tF64, r, e.ext(spirv.GLSLFSign, g.tF64, b64))
	})
}

// sqrt32 is sqrt(a) for f32, correctly rounded in mode.
func (e *fn) sqrt32(in *ptx.Inst, a spirv.ID, mode ptx.Rounding) spirv.ID {
	if !e.needF64(in) {
		return 0
	}
	g := e.g
	a64 := e.toF64(a)
	q := e.ext(spirv.GLSLSqrt, g.tF64, a64)
	return e.directed32(q, mode, func(c spirv.ID) spirv.ID {
		return e.fop(spirv.OpFSub, g.tF64, a64, e.fop(spirv.OpFMul, g.tF64, c, c))
	})
}

// directed32 rounds q, a double within a few double ulps of an exact
// value x that is never an f32 midpoint, to f32 in mode. residual(c)
// gives a double with the sign of x - c for an f32 candidate c (as a
// double).
func (e *fn) directed32(q spirv.ID, mode ptx.Rounding, residual func(c spirv.ID) spirv.ID) spirv.ID {
	g := e.g
	qb := e.op(spirv.OpBitcast, g.tU64, q)
	rn := e.roundF64(qb, fmtF32, ptx.RN)
	if !directed(mode) {
		return e.op(spirv.OpBitcast, g.tF32, rn)
	}
	c := e.op(spirv.OpFConvert, g.tF64, e.op(spirv.OpBitcast, g.tF32, rn))
	r := residual(c)
	fin := e.op(spirv.OpLogicalAnd, g.tBool, e.isFinite(c), e.isFinite(q))
	n := e.nudge(c, r)
	n = e.sel(g.tU64, fin, n, qb)
	return e.f32From(n, mode)
}

// fminmax is PTX min/max: a NaN operand gives the other (both NaN: the
// canonical NaN; with .NaN any NaN gives it), and -0 < +0.
func (e *fn) fminmax(max bool, t ptx.Type, a, b spirv.ID, nan bool) spirv.ID {
	g := e.g
	ft := e.vt(t)
	ut := e.vt(t.Unsigned())
	an := e.op(spirv.OpIsNan, g.tBool, a)
	bn := e.op(spirv.OpIsNan, g.tBool, b)
	cnan := e.op(spirv.OpBitcast, ft, e.c(ut, uint64(1)<<(t.Bits()-1)-1))
	var lt spirv.ID
	if max {
		lt = e.op(spirv.OpFOrdGreaterThan, g.tBool, a, b)
	} else {
		lt = e.op(spirv.OpFOrdLessThan, g.tBool, a, b)
	}
	r := e.sel(ft, lt, a, b)
	// Equal values: -0 and +0 differ by sign: min takes the negative one.
	eq := e.op(spirv.OpFOrdEqual, g.tBool, a, b)
	aneg := e.op(spirv.OpINotEqual, g.tBool, e.op(spirv.OpShiftRightLogical, ut, e.op(spirv.OpBitcast, ut, a), e.u32(uint32(t.Bits()-1))), e.c(ut, 0))
	pickA := aneg
	if max {
		pickA = e.op(spirv.OpLogicalNot, g.tBool, aneg)
	}
	r = e.sel(ft, e.op(spirv.OpLogicalAnd, g.tBool, eq, pickA), a, r)
	r = e.sel(ft, an, b, r)
	r = e.sel(ft, bn, a, r)
	both := e.op(spirv.OpLogicalAnd, g.tBool, an, bn)
	if nan {
		both = e.op(spirv.OpLogicalOr, g.tBool, an, bn)
	}
	return e.sel(ft, both, cnan, r)
}

func (e *fn) unaryFloat(in *ptx.Inst, t ptx.Type) {
	g := e.g
	d := in.Args[0]
	if isHalf(t) {
		e.halfUnary(in, t)
		return
	}
	a := e.fin(in, e.a(in, 1))
	ft := e.vt(t)
	f64 := t == ptx.F64
	var r spirv.ID
	switch in.Op {
	case "rcp":
		switch {
		case f64 && in.Has(ptx.FlagApprox):
			// rcp.approx.ftz.f64: PTX allows a coarse approximation.
			r = e.fop(spirv.OpFDiv, ft, e.fconst(t, 1), a)
		case f64:
			m := in.Rnd
			if m == ptx.RoundNone {
				m = ptx.RN
			}
			r = e.divF64(e.fconst(t, 1), a, m)
		default:
			m := in.Rnd
			if m == ptx.RoundNone {
				m = ptx.RN
			}
			r = e.div32(in, e.fconst(t, 1), a, m)
		}
	case "sqrt":
		m := in.Rnd
		if m == ptx.RoundNone {
			m = ptx.RN
		}
		if f64 {
			r = e.sqrtF64(a, m)
		} else {
			r = e.sqrt32(in, a, m)
		}
	case "rsqrt":
		if f64 {
			r = e.fop(spirv.OpFDiv, ft, e.fconst(t, 1), e.sqrtF64(a, ptx.RN))
		} else if e.needF64(in) {
			x := e.ext(spirv.GLSLSqrt, g.tF64, e.toF64(a))
			q := e.fop(spirv.OpFDiv, g.tF64, e.c(g.tF64, math.Float64bits(1)), x)
			r = e.f32From(e.op(spirv.OpBitcast, g.tU64, q), ptx.RN)
		}
	case "sin", "cos", "lg2", "ex2", "tanh":
		if f64 {
			e.errorf(in, "not supported on .f64")
			return
		}
		r = e.approx32(in, in.Op, a)
	}
	if r == 0 {
		return
	}
	e.wr(d, t, e.fout(in, t, r))
}

func (e *fn) copysign(in *ptx.Inst, t ptx.Type) {
	ut := e.vt(t.Unsigned())
	ft := e.vt(t)
	a := e.op(spirv.OpBitcast, ut, e.a(in, 1)) // sign source
	b := e.op(spirv.OpBitcast, ut, e.a(in, 2))
	sign := e.c(ut, 1<<(t.Bits()-1))
	r := e.op(spirv.OpBitwiseOr, ut, e.op(spirv.OpBitwiseAnd, ut, b, e.op(spirv.OpNot, ut, sign)), e.op(spirv.OpBitwiseAnd, ut, a, sign))
	e.wr(in.Args[0], t, e.op(spirv.OpBitcast, ft, r))
}

func (e *fn) testp(in *ptx.Inst, t ptx.Type) {
	g := e.g
	if isHalf(t) {
		e.errorf(in, "not supported on .%s", t)
		return
	}
	x := e.a(in, 1)
	ut := e.vt(t.Unsigned())
	bits := e.op(spirv.OpBitcast, ut, x)
	expMask := uint64(0x7f800000)
	mantMask := uint64(0x7fffff)
	if t == ptx.F64 {
		expMask, mantMask = 0x7ff0000000000000, 0xfffffffffffff
	}
	ex := e.op(spirv.OpBitwiseAnd, ut, bits, e.c(ut, expMask))
	mt := e.op(spirv.OpBitwiseAnd, ut, bits, e.c(ut, mantMask))
	expAll := e.op(spirv.OpIEqual, g.tBool, ex, e.c(ut, expMask))
	expZero := e.op(spirv.OpIEqual, g.tBool, ex, e.c(ut, 0))
	mZero := e.op(spirv.OpIEqual, g.tBool, mt, e.c(ut, 0))
	isNaN := e.op(spirv.OpLogicalAnd, g.tBool, expAll, e.op(spirv.OpLogicalNot, g.tBool, mZero))
	var r spirv.ID
	switch in.Mode {
	case "finite":
		r = e.op(spirv.OpLogicalNot, g.tBool, expAll)
	case "infinite":
		r = e.op(spirv.OpLogicalAnd, g.tBool, expAll, mZero)
	case "number":
		r = e.op(spirv.OpLogicalNot, g.tBool, isNaN)
	case "notanumber":
		r = isNaN
	case "normal":
		// Zeros count as normal.
		r = e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpLogicalAnd, g.tBool, e.op(spirv.OpLogicalNot, g.tBool, expAll), e.op(spirv.OpLogicalNot, g.tBool, expZero)),
			e.op(spirv.OpLogicalAnd, g.tBool, expZero, mZero))
	case "subnormal":
		r = e.op(spirv.OpLogicalAnd, g.tBool, expZero, e.op(spirv.OpLogicalNot, g.tBool, mZero))
	default:
		e.errorf(in, "testp.%s", in.Mode)
		return
	}
	e.wr(in.Args[0], ptx.Pred, r)
}

// fcompare is "a cmp b" for floats of SPIR-V type ft.
func (e *fn) fcompare(cmp ptx.Cmp, a, b spirv.ID) spirv.ID {
	g := e.g
	ops := map[ptx.Cmp]spirv.Op{
		ptx.EQ: spirv.OpFOrdEqual, ptx.NE: spirv.OpFOrdNotEqual, ptx.LT: spirv.OpFOrdLessThan, ptx.LE: spirv.OpFOrdLessThanEqual,
		ptx.GT: spirv.OpFOrdGreaterThan, ptx.GE: spirv.OpFOrdGreaterThanEqual,
		ptx.EQU: spirv.OpFUnordEqual, ptx.NEU: spirv.OpFUnordNotEqual, ptx.LTU: spirv.OpFUnordLessThan, ptx.LEU: spirv.OpFUnordLessThanEqual,
		ptx.GTU: spirv.OpFUnordGreaterThan, ptx.GEU: spirv.OpFUnordGreaterThanEqual,
	}
	if op, ok := ops[cmp]; ok {
		return e.op(op, g.tBool, a, b)
	}
	un := e.op(spirv.OpLogicalOr, g.tBool, e.op(spirv.OpIsNan, g.tBool, a), e.op(spirv.OpIsNan, g.tBool, b))
	if cmp == ptx.NAN {
		return un
	}
	return e.op(spirv.OpLogicalNot, g.tBool, un) // num
}

// compare is "a cmp b" for operands of PTX type t.
func (e *fn) compare(in *ptx.Inst, cmp ptx.Cmp, t ptx.Type, a, b spirv.ID) spirv.ID {
	g := e.g
	if t == ptx.F32 || t == ptx.F64 {
		if t == ptx.F32 && in.Has(ptx.FlagFTZ) {
			a, b = e.ftz32(a), e.ftz32(b)
		}
		return e.fcompare(cmp, a, b)
	}
	signed := t.IsSigned()
	var op spirv.Op
	switch cmp {
	case ptx.EQ:
		op = spirv.OpIEqual
	case ptx.NE:
		op = spirv.OpINotEqual
	case ptx.LT, ptx.LO:
		op = spirv.OpULessThan
		if signed && cmp == ptx.LT {
			op = spirv.OpSLessThan
		}
	case ptx.LE, ptx.LS:
		op = spirv.OpULessThanEqual
		if signed && cmp == ptx.LE {
			op = spirv.OpSLessThanEqual
		}
	case ptx.GT, ptx.HI:
		op = spirv.OpUGreaterThan
		if signed && cmp == ptx.GT {
			op = spirv.OpSGreaterThan
		}
	case ptx.GE, ptx.HS:
		op = spirv.OpUGreaterThanEqual
		if signed && cmp == ptx.GE {
			op = spirv.OpSGreaterThanEqual
		}
	default:
		e.errorf(in, "comparison .%s on integers", cmp)
		return g.cbool(false)
	}
	switch op {
	case spirv.OpSLessThan, spirv.OpSLessThanEqual, spirv.OpSGreaterThan, spirv.OpSGreaterThanEqual:
		return e.scmp(op, e.vt(t), a, b)
	}
	return e.op(op, g.tBool, a, b)
}

func (e *fn) boolOp(op string, x, c spirv.ID) spirv.ID {
	g := e.g
	switch op {
	case "and":
		return e.op(spirv.OpLogicalAnd, g.tBool, x, c)
	case "or":
		return e.op(spirv.OpLogicalOr, g.tBool, x, c)
	case "xor":
		return e.op(spirv.OpLogicalNotEqual, g.tBool, x, c)
	}
	return x
}

func (e *fn) setp(in *ptx.Inst, t ptx.Type) {
	g := e.g
	var c spirv.ID
	if len(in.Args) == 4 {
		c = e.rd(in.Args[3], ptx.Pred)
	}
	comb := func(x spirv.ID) spirv.ID {
		if c == 0 {
			return x
		}
		return e.boolOp(in.BoolOp, x, c)
	}
	if isHalf(t) {
		a, b := e.rd(in.Args[1], ptx.B32), e.rd(in.Args[2], ptx.B32)
		if t == ptx.F16 || t == ptx.BF16 {
			a, b = e.rd(in.Args[1], ptx.B16), e.rd(in.Args[2], ptx.B16)
		}
		lo := e.fcompare(in.Cmp, e.halfToF32(t, a, false), e.halfToF32(t, b, false))
		if t == ptx.F16x2 || t == ptx.BF16x2 {
			hi := e.fcompare(in.Cmp, e.halfToF32(t, a, true), e.halfToF32(t, b, true))
			e.wr(in.Args[0], ptx.Pred, comb(lo))
			if in.Dst2 != nil {
				e.wr(in.Dst2, ptx.Pred, comb(hi))
			}
			return
		}
		e.wr(in.Args[0], ptx.Pred, comb(lo))
		if in.Dst2 != nil {
			e.wr(in.Dst2, ptx.Pred, comb(e.op(spirv.OpLogicalNot, g.tBool, lo)))
		}
		return
	}
	x := e.compare(in, in.Cmp, t, e.a(in, 1), e.a(in, 2))
	e.wr(in.Args[0], ptx.Pred, comb(x))
	if in.Dst2 != nil {
		e.wr(in.Dst2, ptx.Pred, comb(e.op(spirv.OpLogicalNot, g.tBool, x)))
	}
}

func (e *fn) set(in *ptx.Inst) {
	g := e.g
	dt, st := in.Types[0], in.Types[1]
	var cond spirv.ID
	if isHalf(st) {
		a, b := e.rd(in.Args[1], ptx.B16), e.rd(in.Args[2], ptx.B16)
		cond = e.fcompare(in.Cmp, e.halfToF32(st, a, false), e.halfToF32(st, b, false))
	} else {
		cond = e.compare(in, in.Cmp, st, e.rd(in.Args[1], st), e.rd(in.Args[2], st))
	}
	if len(in.Args) == 4 {
		cond = e.boolOp(in.BoolOp, cond, e.rd(in.Args[3], ptx.Pred))
	}
	switch dt {
	case ptx.F32:
		e.wr(in.Args[0], dt, e.sel(g.tF32, cond, e.f32c(0x3f800000), e.f32c(0)))
	case ptx.F16:
		e.wr(in.Args[0], ptx.B16, e.sel(e.u16(in), cond, e.c(e.u16(in), 0x3c00), e.c(e.u16(in), 0)))
	case ptx.BF16:
		e.wr(in.Args[0], ptx.B16, e.sel(e.u16(in), cond, e.c(e.u16(in), 0x3f80), e.c(e.u16(in), 0)))
	default:
		vt := e.vt(dt)
		e.wr(in.Args[0], dt, e.sel(vt, cond, e.c(vt, ^uint64(0)), e.c(vt, 0)))
	}
}

func (e *fn) slct(in *ptx.Inst, t ptx.Type) {
	g := e.g
	ct := in.Types[1]
	c := e.rd(in.Args[3], ct)
	var cond spirv.ID
	if ct == ptx.F32 {
		if in.Has(ptx.FlagFTZ) {
			c = e.ftz32(c)
		}
		cond = e.op(spirv.OpFOrdGreaterThanEqual, g.tBool, c, e.f32c(0))
	} else {
		cond = e.op(spirv.OpSGreaterThanEqual, g.tBool, c, e.u32(0))
	}
	e.wr(in.Args[0], t, e.sel(e.vt(t), cond, e.a(in, 1), e.a(in, 2)))
}
