package streaming_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// TestDevicePrintf: printf in a kernel (PTX built from
// testdata/printf/printf.cu) prints, by the time the context is
// synchronized, what haltest.CheckPrintValues expects, on every backend:
// on CUDA the driver's own printf, so that the run on the GPU checks the
// CPU's and Vulkan's formatter against NVIDIA's. Run in a child process
// whose standard output is read.
func TestDevicePrintf(t *testing.T) {
	if backend() == "cpu" {
		if _, err := exec.LookPath("cc"); err != nil {
			t.Skip("the CPU backend needs a C compiler for PTX")
		}
	}
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		dev := rt.Default()
		if strings.HasPrefix(dev.Name(), "Mock CUDA") {
			t.Skip("mockcuda runs no PTX")
		}
		ctx, err := dev.PrimaryContext()
		must(t, err)
		defer dev.PrimaryContextRelease()
		mod, err := ctx.LoadModuleData(haltest.PrintfPTX(t))
		must(t, err)
		defer mod.Close()
		f, err := mod.Function("print_values")
		must(t, err)
		out, err := ctx.Malloc(4 * haltest.PrintfThreads)
		must(t, err)
		defer ctx.Free(out)
		must(t, ctx.MemsetD32(out, 0xEEEEEEEE, haltest.PrintfThreads))
		must(t, ctx.DefaultStream().Launch(f, streaming.D1(1), streaming.D1(haltest.PrintfThreads), 0, out,
			haltest.PrintfF, haltest.PrintfD, haltest.PrintfBig, haltest.PrintfU))
		must(t, ctx.Synchronize(context.Background()))
		res := make([]int32, haltest.PrintfThreads)
		must(t, streaming.CopyFromDeviceSync(ctx, res, out))
		for i, v := range res {
			if v != 8 {
				t.Errorf("printf in thread %d returned %d, want 8", i, v)
			}
		}
	})
	if !child {
		haltest.CheckPrintValues(t, stdout)
	}
}

// TestDeviceAssertSticky: a kernel's failed assert (PTX built from
// testdata/printf/printf.cu) fails the context's synchronization with
// ErrAssert (CUDA_ERROR_ASSERT), a launch failure too, and leaves the
// context unusable, as on CUDA; another context of the device keeps
// working. Run in a child process: the assert's message goes to stderr.
func TestDeviceAssertSticky(t *testing.T) {
	if backend() == "cpu" {
		if _, err := exec.LookPath("cc"); err != nil {
			t.Skip("the CPU backend needs a C compiler for PTX")
		}
	}
	haltest.InSubprocess(t, func(t *testing.T) {
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		dev := rt.Default()
		if strings.HasPrefix(dev.Name(), "Mock CUDA") {
			t.Skip("mockcuda runs no PTX")
		}
		ctx, err := dev.NewContext(0)
		must(t, err)
		mod, err := ctx.LoadModuleData(haltest.PrintfPTX(t))
		must(t, err)
		f, err := mod.Function("check_below")
		must(t, err)
		v, err := ctx.Malloc(16)
		must(t, err)
		out, err := ctx.Malloc(16)
		must(t, err)
		must(t, streaming.CopyToDeviceSync(ctx, v, []int32{1, 11, 21, 31}))
		s := ctx.DefaultStream()
		must(t, s.Launch(f, streaming.D1(1), streaming.D1(4), 0, v, int32(100), out))
		must(t, ctx.Synchronize(context.Background()))
		must(t, s.Launch(f, streaming.D1(1), streaming.D1(4), 0, v, int32(25), out))
		err = ctx.Synchronize(context.Background())
		if !errors.Is(err, streaming.ErrAssert) || !errors.Is(err, streaming.ErrLaunchFailed) {
			t.Fatalf("Synchronize after a failed assert: %v, want ErrAssert (and ErrLaunchFailed)", err)
		}
		if _, err := ctx.Malloc(16); err == nil {
			t.Error("the context still allocates after a failed assert; want it unusable")
		}
		// The primary context is another context: it works.
		pc, err := dev.PrimaryContext()
		must(t, err)
		p, err := pc.Malloc(16)
		must(t, err)
		must(t, pc.Free(p))
		must(t, dev.PrimaryContextRelease())
		_ = ctx.Close()
	})
}
