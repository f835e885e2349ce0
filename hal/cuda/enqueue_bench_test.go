package cuda

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// enqueueSync is how many launches the enqueue benchmarks queue before
// an untimed synchronize, so that the queue stays short (on mockcuda every
// queued launch is a node in a list until its stream's thread takes it).
const enqueueSync = 4096

// BenchmarkLaunchEnqueueStack is the enqueue row of `streamhal bench`
// ("launch enqueue (empty kernel)": the empty kernel, one block of one
// thread, no arguments, on a non-blocking stream, synchronized untimed)
// through each layer of the stack, in one run:
//
//   - C: shal_bench_launch, plain C's cuLaunchKernel loop through the same
//     function pointers, with the context made current once (the bench's
//     baseline);
//   - hal: hal.Queue.Dispatch of this driver (marshalling and one cgo call);
//   - streaming: streaming.Stream.Launch on a runtime opened on this driver,
//     as the bench calls it (validation, ordering, then hal).
//
// hal minus C and streaming minus C are what Go adds per launch; on a GPU
// compare the ratios with the bench's. On mockcuda the benchmark needs
// MOCKCUDA_DROP_LAUNCHES=1 in the environment (it skips without): the
// double then checks and copies each launch's arguments and drops the
// launch, so cuLaunchKernel costs little and the Go side is most of what is
// measured; a queued launch would wake the double's stream threads, which
// costs several times the Go side and varies as much. allocs/op must be 0
// on the hal and streaming rows (TestLaunchEnqueueAllocs checks it).
func BenchmarkLaunchEnqueueStack(b *testing.B) {
	d := testDevice(b)
	if onMock && os.Getenv("MOCKCUDA_DROP_LAUNCHES") != "1" {
		b.Skip("on mockcuda: run with MOCKCUDA_DROP_LAUNCHES=1, so that launches are not queued to the double's stream threads")
	}
	q := newQueue(b, d)
	empty := kernelOf(b, loadTestKernels(b, d), "empty")
	s, f := streamingEnqueueEnv(b)
	b.Run("C", func(b *testing.B) {
		b.ReportAllocs()
		var t time.Duration
		for left := b.N; left > 0; left -= enqueueSync {
			d, err := cBenchLaunch(q, empty, min(left, enqueueSync), 1, 1, nil, false, false)
			if err != nil {
				b.Fatal(err)
			}
			t += d
		}
		b.StopTimer()
		b.ReportMetric(float64(t.Nanoseconds())/float64(b.N), "ns/op")
	})
	b.Run("hal", func(b *testing.B) {
		b.ReportAllocs()
		cfg := hal.LaunchConfig{Grid: one, Block: one}
		i := 0
		for b.Loop() {
			if err := q.Dispatch(empty, cfg); err != nil {
				b.Fatal(err)
			}
			if i++; i%enqueueSync == 0 {
				b.StopTimer()
				if err := q.Synchronize(bg); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		}
		if err := q.Synchronize(bg); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("streaming", func(b *testing.B) {
		b.ReportAllocs()
		g := streaming.D1(1)
		i := 0
		for b.Loop() {
			if err := s.Launch(f, g, g, 0); err != nil {
				b.Fatal(err)
			}
			if i++; i%enqueueSync == 0 {
				b.StopTimer()
				if err := s.Synchronize(bg); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		}
		if err := s.Synchronize(bg); err != nil {
			b.Fatal(err)
		}
	})
}

// TestLaunchEnqueueAllocs checks that enqueueing an argument-less launch
// allocates nothing, through hal and through streaming.
func TestLaunchEnqueueAllocs(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	empty := kernelOf(t, loadTestKernels(t, d), "empty")
	s, f := streamingEnqueueEnv(t)
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	g := streaming.D1(1)
	for _, tc := range []struct {
		name   string
		launch func() error
		sync   func() error
	}{
		{"hal", func() error { return q.Dispatch(empty, cfg) }, func() error { return q.Synchronize(bg) }},
		{"streaming", func() error { return s.Launch(f, g, g, 0) }, func() error { return s.Synchronize(bg) }},
	} {
		var err error
		allocs := testing.AllocsPerRun(200, func() {
			if e := tc.launch(); e != nil && err == nil {
				err = e
			}
		})
		if err != nil {
			t.Fatalf("%s launch: %v", tc.name, err)
		}
		if err := tc.sync(); err != nil {
			t.Fatalf("%s synchronize: %v", tc.name, err)
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocations per launch enqueue, want 0", tc.name, allocs)
		}
	}
}

// streamingEnqueueEnv opens a streaming runtime on this driver (on
// mockcuda when the tests run on it) and returns a non-blocking stream of
// device 0's primary context and the empty test kernel loaded in it, as
// `streamhal bench` sets them up. Everything is closed at the end of tb.
func streamingEnqueueEnv(tb testing.TB) (*streaming.Stream, *streaming.Function) {
	tb.Helper()
	if onMock {
		// The registered driver loads defaultLibraries; the process has
		// loaded the double, and can hold only one library.
		saved := defaultLibraries
		defaultLibraries = slices.Clone(lib.names)
		defer func() { defaultLibraries = saved }()
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cuda"}, IgnoreEnvironment: true})
	if err != nil {
		tb.Fatalf("streaming.Open on cuda: %v", err)
	}
	tb.Cleanup(func() {
		if err := rt.Close(); err != nil {
			tb.Errorf("streaming runtime close: %v", err)
		}
	})
	dev := rt.Default()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dev.PrimaryContextRelease() })
	mod, err := ctx.LoadModuleData(readTestdata(tb, "test_kernels.sm_90.ptx"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { mod.Close() })
	f, err := mod.Function("empty")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ctx.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, f
}
