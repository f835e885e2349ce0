package spirvgen_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// FuzzTranslate: any input is either refused with an error matching
// ptx.ErrInvalidPTX (never an internal error), or translated into a module
// that passes the internal validator (Translate checks) and, when fuzzing,
// spirv-val; never a panic. Both the lavapipe target (emulated warps and
// fma) and the full one (subgroups, fused fma) are tried.
func FuzzTranslate(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/ptx/*.ptx")
	more, _ := filepath.Glob("../../testdata/*.ptx")
	warp, _ := filepath.Glob("../testdata/*.ptx")
	printf, _ := filepath.Glob("../../testdata/printf/*.ptx")
	// The probe's reproducers: recursion, barriers in loops, generic
	// addresses indexed by loaded integers.
	own, _ := filepath.Glob("testdata/*.ptx")
	prov, _ := filepath.Glob("testdata/prov/*.ptx")
	for _, p := range append(append(append(append(append(seeds, more...), warp...), printf...), own...), prov...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .b32 %r<3>; .reg .b64 %a; ld.param.u64 %a, [p]; mov.u32 %r1, %tid.x; shfl.sync.down.b32 %r2, %r1, 1, 31, -1; st.global.u32 [%a], %r2; ret; }`,
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .pred %q; .reg .b32 %r<3>; .reg .b64 %a; ld.param.u64 %a, [p]; mov.u32 %r1, %tid.x; setp.eq.u32 %q, %r1, 0; @%q ret; bar.sync 0; st.global.u32 [%a], %r1; ret; }`,
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .pred %q; .reg .f32 %f<6>; .reg .b64 %a; ld.param.u64 %a, [p]; ld.global.f32 %f1, [%a]; fma.rn.f32 %f2, %f1, %f1, %f1; ld.global.f32 %f3, [%a+4]; fma.rn.f32 %f4, %f3, %f2, %f2; setp.lt.f32 %q, %f4, %f1; @%q fma.rn.f32 %f4, %f4, %f4, %f1; fma.rn.ftz.f32 %f5, %f4, %f3, %f2; add.f32 %f5, %f5, %f4; st.global.f32 [%a], %f5; ret; }`,
		// fma operands from shared memory (the shared-memory flag) after
		// stores of several widths and an atomic.
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .f32 %f<8>; .reg .b32 %r<3>; .reg .b16 %h; .reg .b64 %a; .shared .align 8 .b8 s[32]; ld.param.u64 %a, [p]; ld.global.f32 %f1, [%a]; st.shared.f32 [s], %f1; st.shared.v2.f32 [s+8], {%f1, %f1}; mov.b32 %r1, %f1; atom.shared.exch.b32 %r2, [s+16], %r1; cvt.u16.u32 %h, %r1; st.shared.u16 [s+20], %h; bar.sync 0; ld.shared.f32 %f2, [s]; ld.shared.v2.f32 {%f3, %f4}, [s+8]; fma.rn.f32 %f5, %f2, %f3, %f4; ld.shared.f32 %f6, [s+16]; fma.rn.f32 %f7, %f6, %f5, %f2; st.global.f32 [%a], %f7; ret; }`,
		// A run long enough for the loop form of the recomputation, with
		// chained results and an operand written inside the run.
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .f32 %f<12>; .reg .b64 %a; ld.param.u64 %a, [p]; ld.global.f32 %f1, [%a]; ld.global.f32 %f2, [%a+4]; fma.rn.f32 %f3, %f1, %f2, %f1; fma.rn.f32 %f4, %f2, %f1, %f3; ld.global.f32 %f5, [%a+8]; fma.rn.f32 %f6, %f5, %f4, %f3; fma.rn.f32 %f3, %f6, %f6, %f4; mad.rn.f32 %f7, %f3, %f5, %f6; st.global.f32 [%a], %f7; st.global.f32 [%a+4], %f3; ret; }`,
	} {
		f.Add([]byte(s))
	}
	fuzzing := false
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		fuzzing = true
	}
	*spirvgen.RecoverPanics = false
	f.Cleanup(func() { *spirvgen.RecoverPanics = true })
	// NVIDIA's: a fused Fma that flushes, so fma.rn.f32 forms runs
	// (fmarun.go) and fma.rn.ftz.f32 is the bare Fma.
	nvidia := spirvgen.FullTarget()
	nvidia.ContractFMA32, nvidia.FlushFMA32 = false, true
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, tg := range []spirvgen.Target{lavapipe, spirvgen.FullTarget(), nvidia} {
			res, err := spirvgen.Translate(src, spirvgen.Options{Target: tg})
			if err != nil {
				if !errors.Is(err, ptx.ErrInvalidPTX) {
					t.Fatalf("error %v (%T) does not match ptx.ErrInvalidPTX", err, err)
				}
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%v\ninput:\n%s", err, src)
				}
				continue
			}
			if fuzzing {
				if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil && !errors.Is(err, spirvtest.ErrNoTool) {
					t.Fatalf("%v\ninput:\n%s", err, src)
				}
			}
		}
	})
}
