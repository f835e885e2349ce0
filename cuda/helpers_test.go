package cuda_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// preInitErr is what a call returned before anything initialized the
// package (recorded by TestMain, checked by TestInit).
var preInitErr error

func TestMain(m *testing.M) {
	_, preInitErr = cuda.DeviceGetCount()
	os.Exit(m.Run())
}

// backend is the backend under test: STREAM_HAL_TEST_TARGET or cpu.
func backend() string {
	if b := os.Getenv(streaming.EnvTestTarget); b != "" {
		return b
	}
	return "cpu"
}

// setup initializes the package on the backend under test with opts and
// shuts it down when t ends, checking that nothing leaked.
func setup(t testing.TB, opts streaming.Options) {
	t.Helper()
	if len(opts.Backends) == 0 {
		opts.Backends = []string{backend()}
	}
	err := cuda.InitWithOptions(0, opts)
	if err != nil {
		haltest.SkipUnavailable(t, opts.Backends[0], cuda.LastErrorDetail())
		t.Fatalf("Init: %v (%v)", err, cuda.LastErrorDetail())
	}
	t.Cleanup(func() {
		if err := cuda.HALDeinit(); err != nil {
			t.Errorf("HALDeinit: %v (%v)", err, cuda.LastErrorDetail())
		}
	})
}

// primary retains device 0's primary context, makes it current and
// releases it when t ends (after checking that every allocation was
// freed).
func primary(t testing.TB) *cuda.Context {
	t.Helper()
	ctx := val[*cuda.Context](t)(cuda.DevicePrimaryCtxRetain(0))
	ok(t, cuda.CtxSetCurrent(ctx))
	t.Cleanup(func() {
		if err := cuda.CtxSynchronize(); err != nil {
			t.Errorf("final CtxSynchronize: %v", err)
		}
		rt, _ := cuda.Runtime()
		if rt != nil {
			if n := rt.LiveAllocations(); n != 0 {
				t.Errorf("%d allocations leaked", n)
			}
		}
		if err := cuda.DevicePrimaryCtxRelease(0); err != nil {
			t.Errorf("DevicePrimaryCtxRelease: %v", err)
		}
	})
	return ctx
}

// ok fails t when err is not nil.
func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error %v (%v)", err, cuda.LastErrorDetail())
	}
}

// val fails t on an error and returns v.
func val[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error %v (%v)", err, cuda.LastErrorDetail())
		}
		return v
	}
}

// wantErr fails t unless err is exactly want, and checks that the detail
// names the same code.
func wantErr(t testing.TB, what string, err error, want cuda.Result) {
	t.Helper()
	if err != want {
		t.Errorf("%s: got %v, want %v (detail: %v)", what, err, want, cuda.LastErrorDetail())
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: errors.Is(%v, %v) = false", what, err, want)
	}
	if d := cuda.LastErrorDetail(); d == nil || cuda.ResultOf(d) != want {
		t.Errorf("%s: LastErrorDetail = %v, want one reporting %v", what, d, want)
	}
}

// kernelsPath is the streamhal fat module holding the test kernels for
// every backend.
func kernelsPath(t testing.TB) string {
	t.Helper()
	dir, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "test_kernels.fat")
}

// loadKernels loads the test kernels into the current context and unloads
// them when t ends.
func loadKernels(t testing.TB) *cuda.Module {
	t.Helper()
	m := val[*cuda.Module](t)(cuda.ModuleLoad(kernelsPath(t)))
	t.Cleanup(func() {
		if err := cuda.ModuleUnload(m); err != nil {
			t.Errorf("ModuleUnload: %v", err)
		}
	})
	return m
}

func function(t testing.TB, m *cuda.Module, name string) *cuda.Function {
	t.Helper()
	return val[*cuda.Function](t)(cuda.ModuleGetFunction(m, name))
}

// alloc allocates n bytes of device memory freed when t ends.
func alloc(t testing.TB, n uint64) cuda.DevicePtr {
	t.Helper()
	p := val[cuda.DevicePtr](t)(cuda.MemAlloc(n))
	t.Cleanup(func() {
		if err := cuda.MemFree(p); err != nil {
			t.Errorf("MemFree(%#x): %v", uint64(p), err)
		}
	})
	return p
}

// stream creates a stream destroyed when t ends.
func stream(t testing.TB, flags uint32) *cuda.Stream {
	t.Helper()
	s := val[*cuda.Stream](t)(cuda.StreamCreate(flags))
	t.Cleanup(func() {
		if err := cuda.StreamDestroy(s); err != nil {
			t.Errorf("StreamDestroy: %v", err)
		}
	})
	return s
}

// gate blocks s until the returned function is called.
func gate(t testing.TB, s *cuda.Stream) (open func()) {
	t.Helper()
	ch := make(chan struct{})
	ok(t, cuda.LaunchHostFunc(s, func() { <-ch }))
	done := false
	t.Cleanup(func() {
		if !done {
			close(ch)
		}
	})
	return func() {
		if !done {
			done = true
			close(ch)
		}
	}
}

func poisoned(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	return out
}

func seq(n int, f func(i int) float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func near(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-5*math.Max(1, math.Abs(float64(b)))
}

// ptrOf returns the address of a Go value as kernelParams want it.
func ptrOf[T any](v *T) unsafe.Pointer { return unsafe.Pointer(v) }

// f32ptr is the address of a float32 slice's first element, for the
// unsafe.Pointer calls.
func f32ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filepathJoin is the path of a file in the testdata directory.
func filepathJoin(t testing.TB, name string) string {
	t.Helper()
	dir, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}
