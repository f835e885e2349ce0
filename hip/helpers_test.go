package hip_test

import (
	"errors"
	"math"
	"os"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/streaming"
)

// The package keeps process-wide state, so its tests run one at a time and
// each starts from a fresh runtime.

// backend is the backend under test: STREAM_HAL_TEST_TARGET, else cpu.
func backend() string {
	if b := os.Getenv(streaming.EnvTestTarget); b != "" {
		return b
	}
	return "cpu"
}

// setup opens a fresh runtime on the backend under test (with cpuDevices
// CPU devices when that backend is the CPU) and closes it when t ends,
// checking that the test left no allocation and no unexpected last error.
func setup(t testing.TB, cpuDevices int) *streaming.Runtime {
	t.Helper()
	if err := hip.HALDeinit(); err != nil {
		t.Fatalf("HALDeinit: %v", err)
	}
	opts := streaming.Options{Backends: []string{backend()}}
	if backend() == "cpu" {
		opts.CPUDevices = cpuDevices
	}
	if err := hip.InitWithOptions(opts); err != nil {
		haltest.SkipUnavailable(t, backend(), err)
	}
	rt, err := hip.Runtime()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := hip.HALDeinit(); err != nil {
			t.Errorf("HALDeinit: %v", err)
		}
	})
	return rt
}

// leakCheck fails t if allocations are left when it ends (registered
// before the test's own cleanups, so it runs after them).
func leakCheck(t *testing.T, rt *streaming.Runtime) {
	t.Cleanup(func() {
		if n := rt.LiveAllocations(); n != 0 {
			t.Errorf("%d allocations left", n)
		}
	})
}

// wantCode checks that err carries the hipError_t want.
func wantCode(t *testing.T, what string, err error, want hip.Error) {
	t.Helper()
	if got := hip.ErrorOf(err); got != want {
		t.Fatalf("%s: got %v (%v), want %v", what, got, err, want)
	}
}

// ok fails t on a non-nil error.
func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// loadKernels loads the test kernels (kernels/README.md) into the current
// context and unloads them when t ends.
func loadKernels(t *testing.T) hip.Module {
	t.Helper()
	m, err := hip.ModuleLoad(haltest.TestdataFile(t, "test_kernels.fat"))
	if err != nil {
		if errors.Is(err, hip.HipErrorNoBinaryForGpu) {
			t.Skipf("no test kernels for this device: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { hip.ModuleUnload(m) })
	return m
}

func function(t *testing.T, m hip.Module, name string) hip.Function {
	t.Helper()
	f, err := hip.ModuleGetFunction(m, name)
	ok(t, "ModuleGetFunction "+name, err)
	return f
}

// malloc allocates n bytes of device memory, freed when t ends.
func malloc(t *testing.T, n uint64) hip.DevicePtr {
	t.Helper()
	p, err := hip.Malloc(n)
	ok(t, "Malloc", err)
	t.Cleanup(func() { hip.Free(p) })
	return p
}

func seq(n int, f func(i int) float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func poisoned(n int) []float32 {
	return seq(n, func(int) float32 { return float32(math.NaN()) })
}

func near(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-5*math.Max(1, math.Abs(float64(b)))
}

// checkFloats compares got with want element by element.
func checkFloats(t *testing.T, what string, got, want []float32) {
	t.Helper()
	bad := 0
	for i := range want {
		if !near(got[i], want[i]) {
			if bad < 5 {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d elements differ", what, bad, len(want))
	}
}

// params returns kernelParams for the values pointed to.
func params(ptrs ...unsafe.Pointer) []unsafe.Pointer { return ptrs }

// blocker returns a host function that blocks the stream it runs on until
// release is called.
func blocker() (fn func(), release func()) {
	ch := make(chan struct{})
	return func() { <-ch }, func() { close(ch) }
}
