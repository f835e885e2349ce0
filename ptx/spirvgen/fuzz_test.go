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
	for _, p := range append(append(append(seeds, more...), warp...), printf...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .b32 %r<3>; .reg .b64 %a; ld.param.u64 %a, [p]; mov.u32 %r1, %tid.x; shfl.sync.down.b32 %r2, %r1, 1, 31, -1; st.global.u32 [%a], %r2; ret; }`,
		kernelHead + `.visible .entry k(.param .u64 p) { .reg .pred %q; .reg .b32 %r<3>; .reg .b64 %a; ld.param.u64 %a, [p]; mov.u32 %r1, %tid.x; setp.eq.u32 %q, %r1, 0; @%q ret; bar.sync 0; st.global.u32 [%a], %r1; ret; }`,
	} {
		f.Add([]byte(s))
	}
	fuzzing := false
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		fuzzing = true
	}
	*spirvgen.RecoverPanics = false
	f.Cleanup(func() { *spirvgen.RecoverPanics = true })
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, tg := range []spirvgen.Target{lavapipe, spirvgen.FullTarget()} {
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
