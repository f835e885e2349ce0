package cuda

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// enqueueSync is how many launches the enqueue benchmarks queue before
// an untimed synchronize, as `streamhal bench` does (its enqueueChunk):
// a longer run fills the driver's launch queue, and each launch then
// waits for the GPU to retire one, so that every layer measures the GPU's
// throughput of empty kernels (runs of 4096 put C, hal and streaming
// within 5% of each other on an H100 where the bench's row said 1.12).
const enqueueSync = 64

// chunked runs b.N operations as chunks of at most enqueueSync, each
// timed by chunk itself (which synchronizes, untimed, after it), and
// reports their summed time per operation as ns/op.
func chunked(b *testing.B, chunk func(n int) (time.Duration, error)) {
	b.ReportAllocs()
	var t time.Duration
	for left := b.N; left > 0; left -= enqueueSync {
		d, err := chunk(min(left, enqueueSync))
		if err != nil {
			b.Fatal(err)
		}
		t += d
	}
	b.StopTimer()
	b.ReportMetric(float64(t.Nanoseconds())/float64(b.N), "ns/op")
}

// timedLoop returns a chunk for chunked: n calls of op timed from Go,
// then sync untimed.
func timedLoop(op, sync func() error) func(n int) (time.Duration, error) {
	return func(n int) (time.Duration, error) {
		t0 := time.Now()
		for range n {
			if err := op(); err != nil {
				return 0, err
			}
		}
		d := time.Since(t0)
		return d, sync()
	}
}

// BenchmarkLaunchEnqueueStack is the enqueue row of `streamhal bench`
// ("launch enqueue (empty kernel)": the empty kernel, one block of one
// thread, no arguments, on a non-blocking stream, synchronized untimed)
// through each layer of the stack, in one run:
//
//   - C: shal_bench_launch, plain C's cuLaunchKernel loop through the same
//     function pointers, with the context made current once (the bench's
//     baseline);
//   - C-via: the same C loop through shal_launch, hal's C entry, which
//     checks the calling thread's current context around cuLaunchKernel
//     (what that check costs, without cgo);
//   - hal: hal.Queue.Dispatch of this driver (marshalling and one cgo call);
//   - streaming: streaming.Stream.Launch on a runtime opened on this driver,
//     as the bench calls it (validation, ordering, then hal).
//
// The -args rows do the same for vector_add over one element (three
// pointers and a count, packed by C and hal's caller once, by streaming at
// every launch, which also checks the pointers against a table of a few
// hundred allocations).
//
// hal minus C and streaming minus C are what Go adds per launch; on a GPU
// compare the ratios with the bench's. On mockcuda the benchmark needs
// MOCKCUDA_DROP_LAUNCHES=1 in the environment (it skips without): the
// double then checks and copies each launch's arguments and drops the
// launch, so cuLaunchKernel costs little and the Go side is most of what is
// measured; a queued launch would wake the double's stream threads, which
// costs several times the Go side and varies as much. allocs/op must be 0
// on every hal and streaming row (TestLaunchEnqueueAllocs and
// TestLaunchReusedArgBuffer check it).
func BenchmarkLaunchEnqueueStack(b *testing.B) {
	d := testDevice(b)
	if onMock && os.Getenv("MOCKCUDA_DROP_LAUNCHES") != "1" {
		b.Skip("on mockcuda: run with MOCKCUDA_DROP_LAUNCHES=1, so that launches are not queued to the double's stream threads")
	}
	q := newQueue(b, d)
	exe := loadTestKernels(b, d)
	empty, vadd := kernelOf(b, exe, "empty"), kernelOf(b, exe, "vector_add")
	e := newStreamingEnv(b)
	f, fadd := e.fn(b, "empty"), e.fn(b, "vector_add")
	for range 256 {
		e.malloc(b, 256)
	}
	dA, dB, dC := e.malloc(b, 4), e.malloc(b, 4), e.malloc(b, 4)
	packed := make([]byte, 28)
	for i, p := range []streaming.DevicePtr{dA, dB, dC} {
		binary.LittleEndian.PutUint64(packed[8*i:], uint64(p))
	}
	binary.LittleEndian.PutUint32(packed[24:], 1)
	g := streaming.D1(1)
	for _, tc := range []struct {
		name   string
		k      hal.Kernel
		args   []byte
		launch func() error
	}{
		{"empty", empty, nil, func() error { return e.s.Launch(f, g, g, 0) }},
		{"args", vadd, packed, func() error { return e.s.Launch(fadd, g, g, 0, dA, dB, dC, uint32(1)) }},
	} {
		suffix := ""
		if tc.name != "empty" {
			suffix = "-" + tc.name
		}
		b.Run("C"+suffix, func(b *testing.B) {
			chunked(b, func(n int) (time.Duration, error) { return cBenchLaunch(q, tc.k, n, 1, 1, tc.args, false, false) })
		})
		b.Run("C-via"+suffix, func(b *testing.B) {
			chunked(b, func(n int) (time.Duration, error) { return cBenchLaunchVia(q, tc.k, n, tc.args) })
		})
		b.Run("hal"+suffix, func(b *testing.B) {
			cfg := hal.LaunchConfig{Grid: one, Block: one, Args: tc.args}
			chunked(b, timedLoop(func() error { return q.Dispatch(tc.k, cfg) }, func() error { return q.Synchronize(bg) }))
		})
		b.Run("streaming"+suffix, func(b *testing.B) {
			chunked(b, timedLoop(tc.launch, func() error { return e.s.Synchronize(bg) }))
		})
	}
}

// TestLaunchEnqueueAllocs checks that enqueueing an argument-less launch
// allocates nothing, through hal and through streaming.
func TestLaunchEnqueueAllocs(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	empty := kernelOf(t, loadTestKernels(t, d), "empty")
	e := newStreamingEnv(t)
	f := e.fn(t, "empty")
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	g := streaming.D1(1)
	for _, tc := range []struct {
		name   string
		launch func() error
		sync   func() error
	}{
		{"hal", func() error { return q.Dispatch(empty, cfg) }, func() error { return q.Synchronize(bg) }},
		{"streaming", func() error { return e.s.Launch(f, g, g, 0) }, func() error { return e.s.Synchronize(bg) }},
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

// streamingEnv is a streaming runtime on this driver (on mockcuda when
// the tests run on it), set up as `streamhal bench` sets up its own: device
// 0's primary context, the test kernels loaded in it, a non-blocking
// stream. Everything is closed at the end of the test.
type streamingEnv struct {
	ctx *streaming.Context
	mod *streaming.Module
	s   *streaming.Stream
}

func newStreamingEnv(tb testing.TB) *streamingEnv {
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
	s, err := ctx.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return &streamingEnv{ctx: ctx, mod: mod, s: s}
}

func (e *streamingEnv) fn(tb testing.TB, name string) *streaming.Function {
	tb.Helper()
	f, err := e.mod.Function(name)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func (e *streamingEnv) malloc(tb testing.TB, n uint64) streaming.DevicePtr {
	tb.Helper()
	p, err := e.ctx.Malloc(n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.ctx.Free(p) })
	return p
}

// TestLaunchReusedArgBuffer launches vector_add several times back to back
// on a non-blocking stream, each with other buffers and counts, through
// Launch, LaunchParams and LaunchPacked: streaming packs each launch into
// the same buffer (the driver copies the arguments, hal.ArgsCopier), so a
// launch that read its arguments late would compute with the next
// launch's. Bad arguments still fail with ErrInvalidValue,
// and launches with arguments allocate nothing.
func TestLaunchReusedArgBuffer(t *testing.T) {
	testDevice(t)
	e := newStreamingEnv(t)
	f := e.fn(t, "vector_add")
	g, blk := streaming.D1(4), streaming.D1(64)
	const n, launches = 200, 6
	type job struct {
		a, b, c streaming.DevicePtr
		a0, b0  []float32
		count   uint32
	}
	jobs := make([]job, launches)
	for i := range jobs {
		j := &jobs[i]
		j.a, j.b, j.c = e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n)
		j.a0, j.b0 = ramp(n, float32(i+1), 0), ramp(n, 0.5, float32(10*i))
		j.count = uint32(n - 37*i) // each launch its own count
		for _, c := range []struct {
			p   streaming.DevicePtr
			src []float32
		}{{j.a, j.a0}, {j.b, j.b0}, {j.c, poisonF32(n)}} {
			if err := streaming.CopyToDeviceSync(e.ctx, c.p, c.src); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Each launch in one of the three forms of arguments, round robin.
	cfg := streaming.LaunchConfig{Grid: g, Block: blk}
	for i, j := range jobs {
		var err error
		switch i % 3 {
		case 0:
			err = e.s.Launch(f, g, blk, 0, j.a, j.b, j.c, j.count)
		case 1:
			a, b, c, count := j.a, j.b, j.c, j.count
			err = e.s.LaunchParams(f, cfg, []unsafe.Pointer{unsafe.Pointer(&a), unsafe.Pointer(&b), unsafe.Pointer(&c), unsafe.Pointer(&count)})
		case 2:
			buf, perr := streaming.PackArgs(f.Params(), j.a, j.b, j.c, j.count)
			if perr != nil {
				t.Fatal(perr)
			}
			err = e.s.LaunchPacked(f, cfg, buf)
			clear(buf) // the caller's to change once the call returns
		}
		if err != nil {
			t.Fatalf("launch %d: %v", i, err)
		}
	}
	if err := e.s.Synchronize(bg); err != nil {
		t.Fatal(err)
	}
	for i, j := range jobs {
		got := make([]float32, n)
		if err := streaming.CopyFromDeviceSync(e.ctx, got, j.c); err != nil {
			t.Fatal(err)
		}
		for k := range got {
			want := j.a0[k] + j.b0[k]
			if k >= int(j.count) {
				want = float32(math.NaN()) // past the count: untouched
			}
			if got[k] != want && !(math.IsNaN(float64(got[k])) && math.IsNaN(float64(want))) {
				t.Fatalf("launch %d: c[%d] = %v, want %v", i, k, got[k], want)
			}
		}
	}
	j := jobs[0]
	for _, bad := range [][]any{
		{j.a, j.b, j.c + 4*n + 64, uint32(1)}, // past every allocation
		{j.a, j.b, j.c},                       // one argument short
		{j.a, j.b, uint32(1), uint32(1)},      // a uint32 for a pointer
	} {
		if err := e.s.Launch(f, g, blk, 0, bad...); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Launch(%v): %v, want ErrInvalidValue", bad, err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := e.s.Launch(f, g, blk, 0, j.a, j.b, j.c, uint32(n)); err != nil {
			t.Fatal(err)
		}
	})
	if err := e.s.Synchronize(bg); err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("launch with four arguments: %v allocations, want 0", allocs)
	}
}

// BenchmarkPoolStack is the pool row of `streamhal bench` (MallocAsync +
// FreeAsync of 1 MiB on a non-blocking stream, synchronized untimed)
// through each layer: C (cuMemAllocAsync + cuMemFreeAsync through the same
// function pointers), C-from-pool (the same with cuMemAllocFromPoolAsync
// on the default pool, the call hal makes), hal (the driver's default pool, hal.Pool) and
// streaming (Stream.MallocAsync + FreeAsync on the device's native pool:
// allocation records, the pointer table, then hal).
func BenchmarkPoolStack(b *testing.B) {
	d := testDevice(b)
	if err := d.(*device).poolsUsable(); err != nil {
		b.Skip(err)
	}
	q := newQueue(b, d)
	pool, err := d.(*device).DefaultPool()
	if err != nil {
		b.Fatal(err)
	}
	e := newStreamingEnv(b)
	const size = 1 << 20
	b.Run("C", func(b *testing.B) {
		chunked(b, func(n int) (time.Duration, error) { return cBenchPool(q, size, n) })
	})
	b.Run("C-from-pool", func(b *testing.B) {
		chunked(b, func(n int) (time.Duration, error) { return cBenchPoolFrom(q, pool, size, n) })
	})
	b.Run("hal", func(b *testing.B) {
		chunked(b, timedLoop(func() error {
			a, err := pool.AllocateAsync(q, size)
			if err != nil {
				return err
			}
			return pool.FreeAsync(q, a.Device)
		}, func() error { return q.Synchronize(bg) }))
	})
	b.Run("streaming", func(b *testing.B) {
		chunked(b, timedLoop(func() error {
			p, err := e.s.MallocAsync(size)
			if err != nil {
				return err
			}
			return e.s.FreeAsync(p)
		}, func() error { return e.s.Synchronize(bg) }))
	})
}

// An allocate + free pair of the driver's pool allocates no Go memory
// (the device address comes back from C by value).
func TestPoolAllocateAllocs(t *testing.T) {
	d := testDevice(t)
	if err := d.(*device).poolsUsable(); err != nil {
		t.Skip(err)
	}
	q := newQueue(t, d)
	pool, err := d.(*device).DefaultPool()
	if err != nil {
		t.Fatal(err)
	}
	var first error
	allocs := testing.AllocsPerRun(100, func() {
		a, err := pool.AllocateAsync(q, 1<<20)
		if err == nil {
			err = pool.FreeAsync(q, a.Device)
		}
		if err != nil && first == nil {
			first = err
		}
	})
	if first != nil {
		t.Fatal(first)
	}
	if err := q.Synchronize(bg); err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per AllocateAsync + FreeAsync, want 0", allocs)
	}
}

// BenchmarkLaunchEnqueueAlternating is BenchmarkLaunchEnqueueStack's empty
// launch with the layers alternating chunk by chunk (64 launches each,
// synchronized untimed), as `streamhal bench` alternates its row with the
// C loop, so that the GPU's and the machine's drift hits every layer
// alike. Reported: each layer's median ns per launch over the chunks, and
// streaming/C, hal/C, via/C.
func BenchmarkLaunchEnqueueAlternating(b *testing.B) {
	d := testDevice(b)
	if onMock && os.Getenv("MOCKCUDA_DROP_LAUNCHES") != "1" {
		b.Skip("on mockcuda: run with MOCKCUDA_DROP_LAUNCHES=1, so that launches are not queued to the double's stream threads")
	}
	q := newQueue(b, d)
	empty := kernelOf(b, loadTestKernels(b, d), "empty")
	e := newStreamingEnv(b)
	f := e.fn(b, "empty")
	g := streaming.D1(1)
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	layers := []func(n int) (time.Duration, error){
		func(n int) (time.Duration, error) { return cBenchLaunch(q, empty, n, 1, 1, nil, false, false) },
		func(n int) (time.Duration, error) { return cBenchLaunchVia(q, empty, n, nil) },
		timedLoop(func() error { return q.Dispatch(empty, cfg) }, func() error { return q.Synchronize(bg) }),
		timedLoop(func() error { return e.s.Launch(f, g, g, 0) }, func() error { return e.s.Synchronize(bg) }),
	}
	med := haltest.LayerMedians(b, 8, enqueueSync, layers...)
	b.ReportMetric(0, "ns/op")
	for i, name := range []string{"C", "via", "hal", "streaming"} {
		b.ReportMetric(med[i], name+"-ns")
	}
	b.ReportMetric(med[3]/med[0], "streaming/C")
	b.ReportMetric(med[2]/med[0], "hal/C")
	b.ReportMetric(med[1]/med[0], "via/C")
}
