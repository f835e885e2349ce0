package streaming_test

import (
	"context"
	"errors"
	"os"
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
	needPTXCompiler(t)
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		ctx, f := primaryKernel(t, haltest.PrintfPTX(t), "print_values")
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
	switch {
	case child:
	case backend() == "cuda":
		haltest.CheckPrintValuesCUDA(t, stdout)
	default:
		haltest.CheckPrintValues(t, stdout)
	}
}

// TestDeviceAssertSticky: a kernel's failed assert (PTX built from
// testdata/printf/printf.cu) fails the context's synchronization with
// ErrAssert (CUDA_ERROR_ASSERT), a launch failure too, and leaves the
// context unusable, as on CUDA; another context of the device keeps
// working. Run in a child process: the assert's message goes to stderr.
func TestDeviceAssertSticky(t *testing.T) {
	needPTXCompiler(t)
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
		// The primary context is another context: it works, except on
		// CUDA, whose driver (H100, 580.159) fails the device's other
		// contexts too after a device-side assert (creating the primary
		// context's stream gave CUDA_ERROR_ASSERT).
		pc, err := dev.PrimaryContext()
		if err == nil {
			var p streaming.DevicePtr
			if p, err = pc.Malloc(16); err == nil {
				must(t, pc.Free(p))
			}
			must(t, dev.PrimaryContextRelease())
		}
		switch {
		case err == nil:
		case backend() == "cuda" && errors.Is(err, streaming.ErrAssert):
			t.Logf("CUDA fails the device's other contexts too: %v", err)
		default:
			t.Errorf("the primary context after another context's failed assert: %v", err)
		}
		_ = ctx.Close()
	})
}

// The corner cases of device printf (testdata/printf/printf_edge.cu),
// printed by CUDA on an H100 (printf_edge.h100.txt) and run here from the
// same nvcc-built PTX. Where CUDA's printf departs from C's, CUDA's line
// is not the reference: printfEdgeC holds C's line, which the CPU and
// Vulkan backends print, and on CUDA the line is not compared (lines 1
// and 2: a precision given as `*` makes CUDA print a wrong value and read
// later arguments from the wrong place, past the argument buffer; line 7:
// the size hh makes it read an 8-byte argument, and so every later one
// shifts; line 15: the size L prints nan and consumes no argument, where
// streamhal reads the double that nvcc passes, as for %f).
var printfEdgeC = map[int]string{
	1:  "1 prec*:[3.142] then [42]",
	2:  "2 width*prec*:[     3.14] then [43]",
	7:  "7 ints:[4464] [44] [-12] [-446744073709551616] [18000000000000000000] [f9ccd8a1c5080000] [4294967284]",
	15: "15 long double-ish:[3.141593] then [47]",
}

// TestDevicePrintfEdges runs print_edges and compares its output line by
// line with CUDA's (printfEdgeC where C's differs).
func TestDevicePrintfEdges(t *testing.T) {
	needPTXCompiler(t)
	ptx, err := os.ReadFile(haltest.TestdataFile(t, "printf/printf_edge.nvcc.sm_80.ptx"))
	must(t, err)
	ref, err := os.ReadFile(haltest.TestdataFile(t, "printf/printf_edge.h100.txt"))
	must(t, err)
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		ctx, f := primaryKernel(t, ptx, "print_edges")
		must(t, ctx.DefaultStream().Launch(f, streaming.D1(1), streaming.D1(1), 0,
			streaming.DevicePtr(0), float32(2.5), 3.14159265358979, int32(-12), uint64(18000000000000000000)))
		must(t, ctx.Synchronize(context.Background()))
	})
	if child {
		return
	}
	cuda := backend() == "cuda"
	got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	want := strings.Split(strings.TrimSuffix(string(ref), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("printed %d lines, want %d:\n%s", len(got), len(want), stdout)
	}
	for i, w := range want {
		n := i + 1
		if c, ok := printfEdgeC[n]; ok {
			if cuda {
				continue
			}
			w = c
		}
		if got[i] != w {
			t.Errorf("line %d:\n got %q\nwant %q", n, got[i], w)
		}
	}
}

// needPTXCompiler skips where the CPU backend, the one under test, has no
// C compiler for PTX.
func needPTXCompiler(t *testing.T) {
	t.Helper()
	if backend() == "cpu" {
		if _, err := exec.LookPath("cc"); err != nil {
			t.Skip("the CPU backend needs a C compiler for PTX")
		}
	}
}

// primaryKernel opens the backend under test and returns the default
// device's primary context and the kernel name of module ptx, loaded in
// it; all of it is released when t ends. mockcuda, which runs no PTX, is
// skipped.
func primaryKernel(t *testing.T, ptx []byte, name string) (*streaming.Context, *streaming.Function) {
	t.Helper()
	rt := openRuntime(t, streaming.Options{})
	t.Cleanup(func() { rt.Close() })
	dev := rt.Default()
	if strings.HasPrefix(dev.Name(), "Mock CUDA") {
		t.Skip("mockcuda runs no PTX")
	}
	ctx, err := dev.PrimaryContext()
	must(t, err)
	t.Cleanup(func() { dev.PrimaryContextRelease() })
	mod, err := ctx.LoadModuleData(ptx)
	must(t, err)
	t.Cleanup(func() { mod.Close() })
	f, err := mod.Function(name)
	must(t, err)
	return ctx, f
}
