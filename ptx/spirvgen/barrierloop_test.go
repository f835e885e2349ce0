package spirvgen_test

import (
	"errors"
	"math/bits"
	"os"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// barrierLoops are kernels k(out, n) with a barrier in the inner loop of
// two nested loops: for i < n { j = i (+ %tid.x); while j != 0 { bar.sync 0;
// atomically count; j >>= 1 } }, out = the count. With the counters in
// .local memory (clang -O0) the divergence analysis cannot prove the trip
// counts uniform, so the kernel runs through the scheduler, which resumes
// inside the inner loop: the outer loop then had two entries, and the
// kernel was refused as irreducible (probe finding B2). The
// thread-dependent trip count is undefined behaviour in CUDA; the
// scheduler runs it as the C translator does (a barrier waits for the
// threads that have not exited).
var barrierLoops = []struct {
	file      string
	tidInTrip bool
}{
	{"testdata/barrier_loop_local.ptx", false},
	{"testdata/barrier_divergent_loop.ptx", true},
}

// barrierLoopCount is the reference: the number of increments.
func barrierLoopCount(n, block uint32, tidInTrip bool) uint32 {
	var c uint32
	for t := range block {
		for i := range n {
			j := i
			if tidInTrip {
				j += t
			}
			c += uint32(bits.Len32(j))
		}
	}
	return c
}

// TestBarrierLoopsTranslate: the kernels translate for every target into
// modules spirv-val accepts (where it is installed).
func TestBarrierLoopsTranslate(t *testing.T) {
	for _, c := range barrierLoops {
		src, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		for name, tg := range targets {
			res, err := spirvgen.Translate(src, spirvgen.Options{Target: tg})
			if err != nil {
				t.Errorf("%s for %s: %v", c.file, name, err)
				continue
			}
			if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil && !errors.Is(err, spirvtest.ErrNoTool) {
				t.Errorf("%s for %s: %v", c.file, name, err)
			}
		}
	}
}

// TestBarrierLoopsRun runs the kernels on the Vulkan device (lavapipe in
// CI) into a poisoned output and compares the count with the reference.
func TestBarrierLoopsRun(t *testing.T) {
	ctx := openVulkan(t)
	const n, block = 5, 4
	for _, c := range barrierLoops {
		t.Run(c.file, func(t *testing.T) {
			src, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			mod, err := ctx.LoadModuleData(src)
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close()
			if g, w := runWord(t, ctx, mod, "k", block, uint32(n)), barrierLoopCount(n, block, c.tidInTrip); g != w {
				t.Errorf("count %d, want %d", g, w)
			}
		})
	}
}
