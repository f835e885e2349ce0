package spirvgen_test

import (
	"testing"

	"github.com/streamhal/streamhal/ptx/internal/semtest"
)

// TestSemantics runs ptx/cgen's semantics cases (ptx/internal/semtest: one
// module, one set of references) through the Vulkan backend.
func TestSemantics(t *testing.T) {
	src, names, cases, kname := semtest.Module()
	ctx := openVulkan(t)
	mod, err := ctx.LoadModuleData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	semtest.Check(t, names, cases, kname, func(t *testing.T, kernel string, in []byte) []byte {
		return runKernel(t, ctx, mod, kernel, semtest.N/64, 64, in, 16*semtest.N)
	})
}
