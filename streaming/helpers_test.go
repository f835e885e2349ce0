package streaming_test

import (
	"context"
	"math"
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// env is an opened runtime with the default device's primary context and
// the test kernels loaded.
type env struct {
	rt  *streaming.Runtime
	dev *streaming.Device
	ctx *streaming.Context
	mod *streaming.Module
}

// backend is the backend under test: STREAM_HAL_TEST_TARGET or cpu.
func backend() string {
	if b := os.Getenv(streaming.EnvTestTarget); b != "" {
		return b
	}
	return "cpu"
}

func openRuntime(t testing.TB, opts streaming.Options) *streaming.Runtime {
	t.Helper()
	if len(opts.Backends) == 0 {
		opts.Backends = []string{backend()}
	}
	rt, err := streaming.Open(opts)
	haltest.SkipUnavailable(t, opts.Backends[0], err)
	return rt
}

func newEnv(t testing.TB) *env {
	t.Helper()
	goroutines := runtime.NumGoroutine()
	rt := openRuntime(t, streaming.Options{})
	dev := rt.Default()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	_, data, err := haltest.Kernels(dev.HAL())
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ctx.LoadModuleData(data)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{rt: rt, dev: dev, ctx: ctx, mod: mod}
	t.Cleanup(func() {
		if err := ctx.Synchronize(context.Background()); err != nil {
			t.Errorf("final Synchronize: %v", err)
		}
		if err := mod.Close(); err != nil {
			t.Errorf("module Close: %v", err)
		}
		if n := rt.LiveAllocations(); n != 0 {
			t.Errorf("%d allocations leaked", n)
		}
		if err := dev.PrimaryContextRelease(); err != nil {
			t.Errorf("PrimaryContextRelease: %v", err)
		}
		if err := rt.Close(); err != nil {
			t.Errorf("runtime Close: %v", err)
		}
		// Every goroutine the runtime started must be gone.
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > goroutines {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines leaked:\n%s", n-goroutines, buf[:runtime.Stack(buf, true)])
		}
	})
	return e
}

func (e *env) fn(t testing.TB, name string) *streaming.Function {
	t.Helper()
	f, err := e.mod.Function(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (e *env) malloc(t testing.TB, n uint64) streaming.DevicePtr {
	t.Helper()
	p, err := e.ctx.Malloc(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.ctx.Free(p); err != nil {
			t.Errorf("Free(%#x): %v", uint64(p), err)
		}
	})
	return p
}

func (e *env) stream(t testing.TB, flags uint32) *streaming.Stream {
	t.Helper()
	s, err := e.ctx.NewStream(flags, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stream Close: %v", err)
		}
	})
	return s
}

func syncStream(t testing.TB, s *streaming.Stream) {
	t.Helper()
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
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

func ptr(p *float32) unsafe.Pointer { return unsafe.Pointer(p) }
