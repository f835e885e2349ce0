package spirvgen_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// TestModuleSize translates the device math library's PTX
// (kernels/deviceapi/testdata/math.fat: every function of
// shal_gpu_math.h, ~200 kernels, many with f64 divisions) for lavapipe,
// whose Fma rounds twice so that every fma and division is emulated,
// and for the fused target, and bounds the SPIR-V's size: the big
// soft-float routines are out-of-line functions, one per module, not
// inlined at each use (when they were, lavapipe's module was 115 MB and
// the fused target's 3.7 MB; now both are about 0.8 MB).
func TestModuleSize(t *testing.T) {
	if testing.Short() {
		t.Skip("translates the whole math library")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "kernels", "deviceapi", "testdata", "math.fat"))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := modfile.ParseFat(data)
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, e := range ents {
		if e.Format == hal.FormatPTX {
			src = e.Data
		}
	}
	if src == nil {
		t.Fatal("math.fat holds no PTX")
	}
	for _, c := range []struct {
		name string
		tg   spirvgen.Target
		max  int
	}{{"lavapipe", lavapipe, 2 << 20}, {"full", spirvgen.FullTarget(), 2 << 20}} {
		res, err := spirvgen.Translate(src, spirvgen.Options{Target: c.tg})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		t.Logf("%s: %d kernels, %d bytes of SPIR-V", c.name, len(res.Kernels), len(res.SPIRV))
		if len(res.SPIRV) > c.max {
			t.Errorf("%s: %d bytes of SPIR-V, want at most %d", c.name, len(res.SPIRV), c.max)
		}
		if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil && !errors.Is(err, spirvtest.ErrNoTool) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
