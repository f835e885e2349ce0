package spirvgen_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// decoded translates body for tg and decodes the module.
func decoded(t *testing.T, body string, tg spirvgen.Target) *spirv.Binary {
	t.Helper()
	res, err := translate(t, body, tg)
	if err != nil {
		t.Fatal(err)
	}
	if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil && !errors.Is(err, spirvtest.ErrNoTool) {
		t.Fatal(err)
	}
	b, err := spirv.Decode(res.SPIRV)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNoSignedDivision: signed division and remainder are built from
// unsigned ones (OpUDiv, OpUMod of the magnitudes), never OpSDiv, OpSRem
// or OpSMod. NVIDIA's Vulkan driver (H100, 2026) computes OpSRem wrongly
// for negative operands whatever the types' signedness (2 rem -2 gave 2,
// INT64_MIN rem 63 gave 8; histogram/hist_global counted keys % 37 of
// negative keys in the wrong bins); lavapipe gets them right, so the
// SPIR-V itself is what this checks. The values are TestSemantics'
// (rem.s*, div.s* against the H100's answers).
func TestNoSignedDivision(t *testing.T) {
	body := `.visible .entry k(.param .u64 p) {
	.reg .b32 %a<6>; .reg .b64 %r, %x<6>; .reg .b16 %h<4>;
	ld.param.u64 %r, [p];
	ld.global.u32 %a1, [%r]; ld.global.u32 %a2, [%r+4];
	div.s32 %a3, %a1, %a2; rem.s32 %a4, %a1, %a2;
	st.global.u32 [%r], %a3; st.global.u32 [%r+4], %a4;
	ld.global.u64 %x1, [%r]; ld.global.u64 %x2, [%r+8];
	div.s64 %x3, %x1, %x2; rem.s64 %x4, %x1, %x2;
	st.global.u64 [%r], %x3; st.global.u64 [%r+8], %x4;
	ld.global.u16 %h1, [%r]; ld.global.u16 %h2, [%r+2];
	rem.s16 %h3, %h1, %h2;
	st.global.u16 [%r], %h3;
	ret; }`
	for name, tg := range targets {
		t.Run(name, func(t *testing.T) {
			b := decoded(t, body, tg)
			n := 0
			for _, in := range b.Insts {
				switch in.Op {
				case spirv.OpSDiv, spirv.OpSRem, spirv.OpSMod:
					t.Errorf("%v %%%d in the module", in.Op, in.Words[1])
				case spirv.OpUDiv, spirv.OpUMod:
					n++
				}
			}
			if n < 5 {
				t.Errorf("%d unsigned divisions in the module, want at least 5", n)
			}
		})
	}
}

// constants maps the module's 32-bit integer constants to their values.
func constants(b *spirv.Binary) map[uint32]uint32 {
	m := map[uint32]uint32{}
	for _, in := range b.Insts {
		if in.Op == spirv.OpConstant && len(in.Words) == 3 {
			m[in.Words[1]] = in.Words[2]
		}
	}
	return m
}

// TestVolatileReachesMemory: ld.volatile, st.volatile and .sys-scoped
// relaxed accesses carry the Volatile memory semantics, plain and
// .gpu-scoped ones do not. Without it NVIDIA's driver served the spinning
// kernel's loads of a host-written flag from the GPU's L2 and the kernel
// never saw the host release it (streaming's
// TestCloseStuckKernelEveryBackend on the H100).
func TestVolatileReachesMemory(t *testing.T) {
	body := `.visible .entry k(.param .u64 p) {
	.reg .b32 %a<6>; .reg .b64 %r;
	ld.param.u64 %r, [p];
	ld.volatile.global.u32 %a1, [%r];
	ld.relaxed.sys.global.u32 %a2, [%r+4];
	ld.relaxed.gpu.global.u32 %a3, [%r+8];
	st.volatile.global.u32 [%r+12], %a1;
	st.relaxed.gpu.global.u32 [%r+16], %a2;
	st.global.u32 [%r+20], %a3;
	ret; }`
	const volatileBit = uint32(spirv.MemorySemanticsVolatile)
	for name, tg := range targets {
		t.Run(name, func(t *testing.T) {
			b := decoded(t, body, tg)
			c := constants(b)
			var loads, stores []bool
			for _, in := range b.Insts {
				switch in.Op {
				case spirv.OpAtomicLoad: // type, result, pointer, scope, semantics
					loads = append(loads, c[in.Words[4]]&volatileBit != 0)
				case spirv.OpAtomicStore: // pointer, scope, semantics, value
					stores = append(stores, c[in.Words[2]]&volatileBit != 0)
				}
			}
			if fmt.Sprint(loads) != "[true true false]" || fmt.Sprint(stores) != "[true false]" {
				t.Errorf("Volatile on the atomic loads %v and stores %v, want [true true false] and [true false]", loads, stores)
			}
		})
	}
}

// TestBarrierSemantics: a block barrier orders device memory
// (UniformMemory) only where a global write may come before it and a
// global access after it; otherwise it is GLSL's barrier() (shared
// memory only), which NVIDIA's driver runs faster (reduce_sum 1.27x
// with device memory ordered, H100). The loop case: a store after the
// barrier in a loop body precedes the barrier's next instance.
func TestBarrierSemantics(t *testing.T) {
	const head = `.visible .entry k(.param .u64 p) {
	.reg .b32 %a<4>; .reg .b64 %r; .reg .pred %q;
	.shared .align 4 .b32 s[64];
	ld.param.u64 %r, [p];
	mov.u32 %a1, %tid.x;
`
	cases := []struct {
		name, body string
		want       []bool // UniformMemory on each barrier, in order
	}{
		// The read's value is stored to shared memory before the barrier
		// (reduce_sum's pattern): the read has completed when any thread
		// passes the barrier, so the write after it needs no ordering.
		{"read stored to shared, barrier, write", `ld.global.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r], %a3; ret; }`, []bool{false}},
		{"read stored to shared on both paths, barrier, write", `mov.u32 %a2, 0; setp.lt.u32 %q, %a1, 4; @%q bra L;
	ld.global.u32 %a2, [%r]; L: st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r], %a3; ret; }`, []bool{false}},
		{"read also used after the barrier, write", `ld.global.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; add.u32 %a3, %a3, %a2; st.global.u32 [%r], %a3; ret; }`, []bool{true}},
		{"read stored after the barrier, write", `ld.global.u32 %a2, [%r]; bar.sync 0; st.shared.u32 [s], %a2;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r], %a3; ret; }`, []bool{true}},
		{"read stored on one path only, barrier, write", `ld.global.u32 %a2, [%r]; setp.lt.u32 %q, %a1, 4; @%q bra L;
	st.shared.u32 [s], %a2; L: bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r], %a3; ret; }`, []bool{true}},
		{"volatile read stored to shared, barrier, write", `ld.volatile.global.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r], %a3; ret; }`, []bool{true}},
		{"read-only read, barrier, write", `ld.global.nc.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.global.u32 [%r+4], %a3; ret; }`, []bool{false}},
		{"read, barrier, shared only", `ld.global.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.shared.u32 %a3, [s+4]; st.shared.u32 [s+8], %a3; ret; }`, []bool{false}},
		{"read, barrier, read", `ld.global.u32 %a2, [%r]; st.shared.u32 [s], %a2; bar.sync 0;
	ld.global.u32 %a3, [%r+4]; st.shared.u32 [s+8], %a3; ret; }`, []bool{false}},
		{"write, barrier, read", `st.global.u32 [%r], %a1; bar.sync 0; ld.global.u32 %a3, [%r+4]; st.shared.u32 [s], %a3; ret; }`, []bool{true}},
		{"write, barrier, shared only", `st.global.u32 [%r], %a1; bar.sync 0; ld.shared.u32 %a3, [s]; ret; }`, []bool{false}},
		{"atomic, barrier, read", `atom.global.add.u32 %a2, [%r], 1; bar.sync 0; ld.global.u32 %a3, [%r]; st.shared.u32 [s], %a3; ret; }`, []bool{true}},
		{"generic store, barrier, read", `cvta.to.global.u64 %r, %r; st.u32 [%r], %a1; bar.sync 0; ld.global.u32 %a3, [%r]; st.shared.u32 [s], %a3; ret; }`, []bool{true}},
		{"store in a loop after the barrier", `mov.u32 %a2, 0;
L: bar.sync 0; ld.global.u32 %a3, [%r]; st.global.u32 [%r+4], %a3; add.u32 %a2, %a2, 1; setp.lt.u32 %q, %a2, 4; @%q bra L; ret; }`, []bool{true}},
		{"two barriers, store between", `ld.global.u32 %a2, [%r]; bar.sync 0; st.global.u32 [%r], %a2; bar.sync 0; ld.global.u32 %a3, [%r+4]; st.shared.u32 [s], %a3; ret; }`, []bool{true, true}},
		{"two barriers, read-only load, store between", `ld.global.nc.u32 %a2, [%r]; bar.sync 0; st.global.u32 [%r], %a2; bar.sync 0; ld.shared.u32 %a3, [s+4]; st.shared.u32 [s], %a3; ret; }`, []bool{false, false}},
	}
	const uniform = uint32(spirv.MemorySemanticsUniformMemory)
	for _, c := range cases {
		for name, tg := range targets {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				b := decoded(t, head+c.body, tg)
				k := constants(b)
				var got []bool
				for _, in := range b.Insts {
					if in.Op == spirv.OpControlBarrier { // execution scope, memory scope, semantics
						got = append(got, k[in.Words[2]]&uniform != 0)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("UniformMemory on the barriers: %v, want %v", got, c.want)
				}
			})
		}
	}
}

// TestFMA32Forms: fma.rn.f32 is an uncontracted OpFMul and OpFAdd where
// the device contracts them exactly (ContractFMA32), the GLSL Fma with
// a call of the exact emulation as the fallback where the Fma is fused
// (NVIDIA's flushes subnormals), and that call otherwise (lavapipe);
// each module passes spirv-val.
func TestFMA32Forms(t *testing.T) {
	body := `.visible .entry k(.param .u64 p) {
	.reg .f32 %f<5>; .reg .b64 %r;
	ld.param.u64 %r, [p];
	ld.global.f32 %f1, [%r]; ld.global.f32 %f2, [%r+4]; ld.global.f32 %f3, [%r+8];
	fma.rn.f32 %f4, %f1, %f2, %f3;
	st.global.f32 [%r], %f4;
	ret; }`
	// fma.rn.ftz.f32: operands and result are flushed, so a fused Fma
	// (which may flush subnormals itself) is exact for it, with no test
	// and no exact fallback; an unfused one still needs the emulation.
	ftzBody := strings.Replace(body, "fma.rn.f32", "fma.rn.ftz.f32", 1)
	fused := spirvgen.FullTarget()
	fused.ContractFMA32 = false
	flush := fused
	flush.FlushFMA32 = true
	for _, c := range []struct {
		name                       string
		tg                         spirvgen.Target
		ftz                        bool
		fma, calls, dontInline, nc bool
	}{
		{"contract", spirvgen.FullTarget(), false, false, false, false, false},
		{"fused", fused, false, true, true, false, true},
		{"lavapipe", lavapipe, false, false, true, false, true},
		{"ftz/fused", fused, true, true, false, false, false},
		{"ftz/flush", flush, true, true, false, false, false},
		{"ftz/lavapipe", lavapipe, true, false, true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := body
			if c.ftz {
				src = ftzBody
			}
			b := decoded(t, src, c.tg)
			var fma, calls, dontInline, nc bool
			var fmul, fadd, sel uint32
			for _, in := range b.Insts {
				switch in.Op {
				case spirv.OpExtInst:
					fma = fma || in.Words[3] == uint32(spirv.GLSLFma)
				case spirv.OpFunctionCall:
					calls = true
				case spirv.OpFunction:
					dontInline = dontInline || in.Words[2]&uint32(spirv.FunctionControlDontInline) != 0
				case spirv.OpDecorate:
					nc = nc || in.Words[1] == uint32(spirv.DecorationNoContraction)
				case spirv.OpFMul:
					fmul++
				case spirv.OpFAdd:
					fadd++
				case spirv.OpSelect:
					sel++
				}
			}
			if fma != c.fma || calls != c.calls || dontInline != c.dontInline || nc != c.nc {
				t.Errorf("Fma %v, calls %v, DontInline %v, NoContraction %v; want %v %v %v %v", fma, calls, dontInline, nc, c.fma, c.calls, c.dontInline, c.nc)
			}
			// ftz/flush: the bare Fma, no flush of its own (a flush is an
			// OpSelect on the bits); ftz/fused: flushes around it.
			if c.ftz && c.tg.FusedFMA32 && (sel == 0) != c.tg.FlushFMA32 {
				t.Errorf("%d OpSelect with FlushFMA32 %v", sel, c.tg.FlushFMA32)
			}
			if c.name == "contract" && (fmul != 1 || fadd != 1) {
				t.Errorf("%d OpFMul and %d OpFAdd, want one each", fmul, fadd)
			}
		})
	}
}

// opCounts counts b's instructions by opcode, and its extended
// instructions (the module imports GLSL.std.450 only) by number.
// functionVariables counts the Function-storage variables of b.
func functionVariables(b *spirv.Binary) int {
	n := 0
	for _, in := range b.Insts {
		if in.Op == spirv.OpVariable && len(in.Words) >= 3 && spirv.StorageClass(in.Words[2]) == spirv.StorageClassFunction {
			n++
		}
	}
	return n
}

func opCounts(b *spirv.Binary) (map[spirv.Op]int, map[spirv.GLSLInst]int) {
	ops, glsl := map[spirv.Op]int{}, map[spirv.GLSLInst]int{}
	for _, in := range b.Insts {
		ops[in.Op]++
		if in.Op == spirv.OpExtInst {
			glsl[spirv.GLSLInst(in.Words[3])]++
		}
	}
	return ops, glsl
}

// TestFMA32Runs: consecutive fma.rn.f32 on a fused, flushing Fma share
// one test (a float compare of the run's minimum) and one branch to the
// run's recomputation; an instruction that reads a run's result ends the
// run, and a guarded fma stands alone with the bit test (the run goes on
// around it).
func TestFMA32Runs(t *testing.T) {
	const head = `.visible .entry k(.param .u64 p) {
	.reg .f32 %f<12>; .reg .b64 %r; .reg .pred %q;
	ld.param.u64 %r, [p];
	ld.global.f32 %f1, [%r]; ld.global.f32 %f2, [%r+4]; ld.global.f32 %f3, [%r+8];
`
	fused := spirvgen.FullTarget()
	fused.ContractFMA32 = false
	for _, c := range []struct {
		name           string
		body           string
		compares, fmas int // OpFUnordLessThan, GLSL Fma
		bitTests       int // OpULessThan
	}{
		{"one run", `fma.rn.f32 %f4, %f1, %f2, %f3; ld.global.f32 %f5, [%r+12]; fma.rn.f32 %f6, %f5, %f2, %f4;
	fma.rn.f32 %f7, %f6, %f1, %f4; fma.rn.f32 %f8, %f1, %f3, %f7; st.global.f32 [%r], %f8; ret; }`, 1, 4, 1},
		{"a read ends the run", `fma.rn.f32 %f4, %f1, %f2, %f3; add.f32 %f5, %f4, %f1; fma.rn.f32 %f6, %f5, %f2, %f4;
	st.global.f32 [%r], %f6; ret; }`, 2, 4, 2},
		// A 2x2 register block: each loaded value is tested once, the
		// accumulators' first values once each, every result once (12
		// FAbs); a reload of a1 is tested again (13 in the next case).
		{"register block", `mov.f32 %f8, 0f00000000; mov.f32 %f9, %f8; mov.f32 %f10, %f8; mov.f32 %f11, %f8;
	ld.global.f32 %f4, [%r+12]; fma.rn.f32 %f8, %f1, %f3, %f8; fma.rn.f32 %f9, %f1, %f4, %f9;
	fma.rn.f32 %f10, %f2, %f3, %f10; fma.rn.f32 %f11, %f2, %f4, %f11;
	st.global.f32 [%r], %f8; st.global.f32 [%r+4], %f9; st.global.f32 [%r+8], %f10; st.global.f32 [%r+12], %f11; ret; }`, 1, 4, 1},
		{"register block, a reload", `mov.f32 %f8, 0f00000000; mov.f32 %f9, %f8; mov.f32 %f10, %f8; mov.f32 %f11, %f8;
	ld.global.f32 %f4, [%r+12]; fma.rn.f32 %f8, %f1, %f3, %f8; fma.rn.f32 %f9, %f1, %f4, %f9;
	ld.global.f32 %f1, [%r+16]; fma.rn.f32 %f10, %f2, %f3, %f10; fma.rn.f32 %f11, %f1, %f4, %f11;
	st.global.f32 [%r], %f8; st.global.f32 [%r+4], %f9; st.global.f32 [%r+8], %f10; st.global.f32 [%r+12], %f11; ret; }`, 1, 4, 1},
		{"guarded fma", `fma.rn.f32 %f4, %f1, %f2, %f3; setp.lt.f32 %q, %f1, %f2; @%q fma.rn.f32 %f5, %f1, %f2, %f3;
	fma.rn.f32 %f6, %f1, %f2, %f3; st.global.f32 [%r], %f6; st.global.f32 [%r+4], %f5; st.global.f32 [%r+8], %f4; ret; }`, 1, 5, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			ops, glsl := opCounts(decoded(t, head+c.body, fused))
			compares, bitTests := ops[spirv.OpFUnordLessThan], ops[spirv.OpULessThan]
			fmas, abs := glsl[spirv.GLSLFma], glsl[spirv.GLSLFAbs]
			if compares != c.compares || fmas != c.fmas || bitTests != c.bitTests {
				t.Errorf("%d run tests, %d Fma, %d bit tests; want %d, %d, %d", compares, fmas, bitTests, c.compares, c.fmas, c.bitTests)
			}
			if want := map[string]int{"register block": 12, "register block, a reload": 13}[c.name]; want != 0 && abs != want {
				t.Errorf("%d FAbs (values tested), want %d", abs, want)
			}
		})
	}
	// A run ends after 4 fmas in the loop form (runDefault): 40 chained
	// fmas are ten runs, ten tests and ten loops, and all runs of a
	// function share one set of scratch arrays (4 Function variables:
	// operands, sources, results, the counter); in the form run32, two
	// runs.
	t.Run("long run", func(t *testing.T) {
		chain := func(n int) *spirv.Binary {
			var b strings.Builder
			b.WriteString("mov.f32 %f4, %f3;\n")
			for range n {
				b.WriteString("fma.rn.f32 %f4, %f1, %f2, %f4;\n")
			}
			b.WriteString("st.global.f32 [%r], %f4; ret; }")
			return decoded(t, head+b.String(), fused)
		}
		long, short := chain(40), chain(8)
		ops, _ := opCounts(long)
		if c, l := ops[spirv.OpFUnordLessThan], ops[spirv.OpLoopMerge]; c != 10 || l != 10 {
			t.Errorf("%d run tests, %d loops; want 10, 10", c, l)
		}
		restore32 := spirvgen.SetFMACheck("run32")
		ops32, _ := opCounts(chain(40))
		restore32()
		if c, l := ops32[spirv.OpFUnordLessThan], ops32[spirv.OpLoopMerge]; c != 2 || l != 2 {
			t.Errorf("form run32: %d run tests, %d loops; want 2, 2", c, l)
		}
		if vl, vs := functionVariables(long), functionVariables(short); vs == 0 || vl != vs {
			t.Errorf("two runs declare %d Function variables, one run %d: want the same scratch", vl, vs)
		}
		// The driver is asked not to unroll the loops (the H100's unrolled
		// them), except in the A/B form unrollhint.
		for _, form := range []string{"", "unrollhint"} {
			want := uint32(spirv.LoopControlDontUnroll)
			if form != "" {
				want = uint32(spirv.LoopControlNone)
			}
			restore := spirvgen.SetFMACheck(form)
			for _, in := range chain(40).Insts {
				if in.Op == spirv.OpLoopMerge && in.Words[2] != want {
					t.Errorf("form %q: a recomputation loop's control is %#x, want %#x", form, in.Words[2], want)
				}
			}
			restore()
		}
	})
	// The A/B form "unrolled" recomputes a run fma by fma: the four
	// fmas of "one run" again, each with its bit test.
	t.Run("unrolled", func(t *testing.T) {
		defer spirvgen.SetFMACheck("unrolled")()
		ops, glsl := opCounts(decoded(t, head+`fma.rn.f32 %f4, %f1, %f2, %f3; fma.rn.f32 %f6, %f1, %f2, %f4;
	fma.rn.f32 %f7, %f6, %f1, %f4; fma.rn.f32 %f8, %f1, %f3, %f7; st.global.f32 [%r], %f8; ret; }`, fused))
		if c, f, b := ops[spirv.OpFUnordLessThan], glsl[spirv.GLSLFma], ops[spirv.OpULessThan]; c != 1 || f != 8 || b != 4 {
			t.Errorf("%d run tests, %d Fma, %d bit tests; want 1, 8, 4", c, f, b)
		}
	})
}

// TestFMA32SharedFlag: fma operands loaded from shared memory are left to
// the shared-memory flag (sharedflag.go): the run's minimum folds only
// the results and the values from elsewhere, each shared store tests its
// word (a bit test and a flag store), the flag is zeroed once and read
// once per run. A register that is also written by something else, or
// loaded with .volatile, is tested in the run as before; a kernel whose
// fmas read no shared value has no flag.
func TestFMA32SharedFlag(t *testing.T) {
	const head = `.visible .entry k(.param .u64 p) {
	.reg .f32 %f<12>; .reg .b64 %r<3>;
	.shared .align 4 .b8 sh[64];
	ld.param.u64 %r1, [p]; mov.u64 %r2, sh;
	ld.global.f32 %f1, [%r1]; ld.global.f32 %f2, [%r1+4]; ld.global.f32 %f3, [%r1+8];
	st.shared.f32 [%r2], %f1; st.shared.f32 [%r2+4], %f2; st.shared.f32 [%r2+8], %f3;
	bar.sync 0;
`
	fused := spirvgen.FullTarget()
	fused.ContractFMA32 = false
	for _, c := range []struct {
		name                       string
		body                       string
		abs, flagStores, flagLoads int // FAbs; OpAtomicStore, OpAtomicLoad
		compares                   int // OpFUnordLessThan
	}{
		{"shared operands", `ld.shared.f32 %f4, [%r2]; ld.shared.f32 %f5, [%r2+4]; ld.shared.f32 %f6, [%r2+8];
	fma.rn.f32 %f7, %f4, %f5, %f6; fma.rn.f32 %f8, %f5, %f6, %f7; st.global.f32 [%r1], %f8; ret; }`, 2, 4, 1, 1},
		{"one volatile load", `ld.shared.f32 %f4, [%r2]; ld.shared.f32 %f5, [%r2+4]; ld.volatile.shared.f32 %f6, [%r2+8];
	fma.rn.f32 %f7, %f4, %f5, %f6; fma.rn.f32 %f8, %f5, %f6, %f7; st.global.f32 [%r1], %f8; ret; }`, 3, 4, 1, 1},
		{"a register also written by an add", `ld.shared.f32 %f4, [%r2]; ld.shared.f32 %f5, [%r2+4]; ld.shared.f32 %f6, [%r2+8];
	fma.rn.f32 %f7, %f4, %f5, %f6; add.f32 %f4, %f7, %f7; fma.rn.f32 %f8, %f4, %f6, %f1; st.global.f32 [%r1], %f8; ret; }`, 5, 4, 2, 2},
		{"no shared operand", `fma.rn.f32 %f7, %f1, %f2, %f3; st.global.f32 [%r1], %f7; ret; }`, 4, 0, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			ops, glsl := opCounts(decoded(t, head+c.body, fused))
			abs, compares := glsl[spirv.GLSLFAbs], ops[spirv.OpFUnordLessThan]
			stores, loads := ops[spirv.OpAtomicStore], ops[spirv.OpAtomicLoad]
			if abs != c.abs || stores != c.flagStores || loads != c.flagLoads || compares != c.compares {
				t.Errorf("%d FAbs, %d atomic stores, %d atomic loads, %d run tests; want %d, %d, %d, %d",
					abs, stores, loads, compares, c.abs, c.flagStores, c.flagLoads, c.compares)
			}
		})
	}
}

// TestFMACheckForms: every A/B form of fused f32 fmas that a GPU
// benchmark build may choose (-X ...spirvgen.fmaCheck=...) translates
// the project's test kernels into modules that pass spirv-val, so that a
// benchmark run on a GPU never stops at a broken variant.
func TestFMACheckForms(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "test_kernels.sm_80.ptx"))
	if err != nil {
		t.Fatal(err)
	}
	fused := spirvgen.FullTarget()
	fused.ContractFMA32 = false
	for _, v := range []string{"", "bits", "noflag", "noresult", "reload", "slowfma", "dontinline", "reload,dontinline", "reload,slowfma", "unrolled", "reload,unrolled", "unrollhint", "reloadvol", "run4", "run8", "run32", "reloadvol,run8", "reloadvol,unrolled", "unrolled,run8", "run1", "run2", "reloadvol,run4", "reloadvol,run2", "outline", "cvtrn", "cvtrn,run2", "lean", "lean,cvtrn"} {
		t.Run("form="+v, func(t *testing.T) {
			defer spirvgen.SetFMACheck(v)()
			res, err := spirvgen.Translate(src, spirvgen.Options{Target: fused})
			if err != nil {
				t.Fatal(err)
			}
			if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil && !errors.Is(err, spirvtest.ErrNoTool) {
				t.Fatal(err)
			}
		})
	}
}
