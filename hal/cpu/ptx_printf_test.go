package cpu_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestPTXPrintf: printf in a kernel (clang's PTX calls CUDA's vprintf)
// prints on the CPU backend what C's printf prints for the same values,
// for every conversion, flag, width, precision and size CUDA documents,
// a format chosen at run time and a null string, at the synchronization
// after the kernel (as CUDA prints); printf returns the number of
// arguments it used.
func TestPTXPrintf(t *testing.T) {
	needCC(t)
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		r := newPTXRig(t)
		exe := r.load(t, hal.FormatPTX, haltest.PrintfPTX(t))
		out := r.alloc(t, 4*haltest.PrintfThreads)
		res := unsafe.Slice((*int32)(out.Host), haltest.PrintfThreads)
		for i := range res {
			res[i] = -99
		}
		// The kernel runs, but its output comes at the next
		// synchronization, as CUDA's does.
		r.runPrintValues(t, exe, out)
		fmt.Println("synchronizing")
		if err := r.q.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i, v := range res {
			if v != 8 {
				t.Errorf("printf in thread %d returned %d, want 8 (its arguments)", i, v)
			}
		}
	})
	if !child {
		before, after, ok := strings.Cut(stdout, "synchronizing\n")
		if !ok || strings.TrimSpace(before) != "" {
			t.Errorf("output before the synchronization: %q (want none: it is printed at the synchronization)", before)
		}
		haltest.CheckPrintValues(t, after)
	}
}

// TestPTXAssert: a failed assert() in a kernel (__assertfail) prints
// CUDA's message to stderr for every failing thread and fails the launch with ErrAssert
// (CUDA_ERROR_ASSERT), which is also a launch failure; a launch whose
// asserts hold computes its results.
func TestPTXAssert(t *testing.T) {
	needCC(t)
	stdout, stderr, child := haltest.CaptureChild(t, func(t *testing.T) {
		r := newPTXRig(t)
		exe := r.load(t, hal.FormatPTX, haltest.PrintfPTX(t))
		const n = 4
		v, out := r.alloc(t, 4*n), r.alloc(t, 4*n)
		vs := unsafe.Slice((*int32)(v.Host), n)
		outs := unsafe.Slice((*int32)(out.Host), n)
		for i := range vs {
			vs[i], outs[i] = int32(10*i+1), -99
		}
		cfg := hal.LaunchConfig{Grid: d1(1), Block: d1(n), Args: pack(v.Device, int32(100), out.Device)}
		if err := r.launch(t, exe, "check_below", cfg); err != nil {
			t.Fatalf("launch whose asserts hold: %v", err)
		}
		for i := range outs {
			if outs[i] != 2*vs[i] {
				t.Errorf("out[%d] = %d, want %d", i, outs[i], 2*vs[i])
			}
		}
		cfg.Args = pack(v.Device, int32(15), out.Device) // 21 and 31 fail
		err := r.launch(t, exe, "check_below", cfg)
		if !errors.Is(err, hal.ErrAssert) || !errors.Is(err, hal.ErrLaunchFailed) {
			t.Fatalf("launch with a failing assert: %v, want ErrAssert (and ErrLaunchFailed)", err)
		}
		var kf *hal.KernelFault
		if !errors.As(err, &kf) || !strings.Contains(kf.Detail, "Assertion `v[i] < limit` failed") {
			t.Errorf("fault %v does not carry the assertion", err)
		}
		fmt.Printf("fault: %v\n", err)
	})
	if child {
		return
	}
	haltest.CheckAssertOutput(t, stdout, stderr, 2, 3)
}

// TestPTXPrintfAtUnload: output nobody synchronized for is printed when
// the module is unloaded, as CUDA prints at module unload.
func TestPTXPrintfAtUnload(t *testing.T) {
	needCC(t)
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		r := newPTXRig(t)
		exe, err := r.dev.Load(hal.FormatPTX, haltest.PrintfPTX(t))
		if err != nil {
			t.Fatal(err)
		}
		out := r.alloc(t, 4*haltest.PrintfThreads)
		r.runPrintValues(t, exe, out)
		haltest.Unload(t, exe.Close)
	})
	if child {
		return
	}
	got, ok := haltest.OutputAtUnload(stdout)
	if !ok {
		t.Fatalf("output %q", stdout)
	}
	haltest.CheckPrintValues(t, got)
}

// runPrintValues launches print_values and waits until it ran, without
// synchronizing (which would print its output).
func (r *ptxRig) runPrintValues(t *testing.T, exe hal.Executable, out hal.Allocation) {
	t.Helper()
	k, err := exe.Kernel("print_values")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(1), Block: d1(haltest.PrintfThreads),
		Args: haltest.PrintValuesArgs(out.Device)}); err != nil {
		t.Fatal(err)
	}
	for !r.q.Idle() {
		time.Sleep(time.Millisecond)
	}
}
