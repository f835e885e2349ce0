// Package haltest is the conformance suite every hal driver passes, in the
// manner of testing/fstest: a driver's own tests call Run with the driver,
// and the suite exercises allocation, copies in every direction, fills,
// dispatch of the project's test kernels (results checked against plain Go
// loops), events across queues, timestamps, host calls, graphs, bad
// input, the Close rule of hal.go, and the optional interfaces
// (hal.Notifier, hal.PeerDevice, hal.Advisor) where a driver has them.
package haltest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Options configure Run.
type Options struct {
	// Config is passed to Driver.Open.
	Config hal.Config
	// Module returns the test kernels for a device; nil means Kernels.
	Module func(dev hal.Device) (hal.Format, []byte, error)
	// MaxDevices bounds how many devices are tested; 0 means all.
	MaxDevices int
}

// Run opens drv and runs the suite on each of its devices. A driver that
// reports hal.ErrNotAvailable is skipped (failed under STREAM_HAL_REQUIRE).
func Run(t *testing.T, drv hal.Driver, opts Options) {
	inst, err := drv.Open(opts.Config)
	SkipUnavailable(t, drv.Name(), err)
	defer func() {
		if err := inst.Close(); err != nil {
			t.Errorf("instance Close: %v", err)
		}
	}()
	devs := inst.Devices()
	if len(devs) == 0 {
		t.Fatalf("%s: Open succeeded with no devices", drv.Name())
	}
	if opts.MaxDevices > 0 && len(devs) > opts.MaxDevices {
		devs = devs[:opts.MaxDevices]
	}
	if opts.Module == nil {
		opts.Module = Kernels
	}
	for i, dev := range devs {
		t.Run(fmt.Sprintf("device%d", i), func(t *testing.T) {
			s := &suite{dev: dev, all: inst.Devices(), opts: opts}
			s.run(t)
		})
	}
}

type suite struct {
	dev  hal.Device
	all  []hal.Device // the instance's devices, for peer access
	opts Options
	exe  hal.Executable
	q    hal.Queue
}

func (s *suite) run(t *testing.T) {
	t.Run("Info", s.testInfo)
	t.Run("Memory", s.testMemory)
	q, err := s.dev.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	s.q = q
	defer func() {
		if err := q.Close(); err != nil {
			t.Errorf("queue Close: %v", err)
		}
	}()
	t.Run("Copies", s.testCopies)
	t.Run("Fills", s.testFills)
	t.Run("HostCalls", s.testHostCalls)
	t.Run("Events", s.testEvents)
	t.Run("SynchronizeCancel", s.testSynchronizeCancel)
	t.Run("Notifier", s.testNotifier)
	t.Run("Peers", s.testPeers)
	t.Run("Advisor", s.testAdvisor)
	t.Run("IPC", s.testIPC)
	t.Run("Pools", s.testPools)
	format, data, err := s.opts.Module(s.dev)
	if err != nil {
		t.Fatalf("test kernels: %v", err)
	}
	exe, err := s.dev.Load(format, data)
	if err != nil {
		t.Fatalf("Load(%s, %d bytes): %v", format, len(data), err)
	}
	s.exe = exe
	defer func() {
		if err := exe.Close(); err != nil {
			t.Errorf("executable Close: %v", err)
		}
	}()
	t.Run("Kernels", s.testKernels)
	t.Run("ArgsCopier", s.testArgsCopier)
	t.Run("Graph", s.testGraph)
	t.Run("BadInput", func(t *testing.T) { s.testBadInput(t, format, data) })
	t.Run("DoubleClose", func(t *testing.T) { s.testDoubleClose(t, format, data) })
}

func (s *suite) testInfo(t *testing.T) {
	in := s.dev.Info()
	if in.Name == "" || in.Driver == "" {
		t.Errorf("Name %q, Driver %q: want both set", in.Name, in.Driver)
	}
	if in.TotalMem == 0 {
		t.Errorf("TotalMem = 0")
	}
	if in.MaxThreadsPerBlock < 64 || in.MaxBlockDim[0] < 64 || in.MaxGridDim[0] < 65535 {
		t.Errorf("limits too small: threads/block %d, block dims %v, grid dims %v", in.MaxThreadsPerBlock, in.MaxBlockDim, in.MaxGridDim)
	}
	if in.MultiprocessorCount < 1 || in.WarpSize < 1 {
		t.Errorf("MultiprocessorCount %d, WarpSize %d: want >= 1", in.MultiprocessorCount, in.WarpSize)
	}
	if in.StreamPriorityGreatest > in.StreamPriorityLeast {
		t.Errorf("priority range least %d greatest %d: greatest must be <= least", in.StreamPriorityLeast, in.StreamPriorityGreatest)
	}
	if in.UUID == ([16]byte{}) {
		t.Errorf("UUID is zero")
	}
	free, total, err := s.dev.MemoryInfo()
	if err != nil || total == 0 || free > total {
		t.Errorf("MemoryInfo = %d, %d, %v", free, total, err)
	}
}

func (s *suite) testMemory(t *testing.T) {
	for _, kind := range []hal.MemoryKind{hal.MemoryDevice, hal.MemoryHost} {
		a, err := s.dev.Allocate(kind, 1<<20)
		if err != nil {
			t.Fatalf("Allocate(%v, 1 MiB): %v", kind, err)
		}
		if a.Device == 0 || a.Size < 1<<20 {
			t.Errorf("Allocate(%v) = %+v", kind, a)
		}
		if kind == hal.MemoryHost && a.Host == nil {
			t.Errorf("host allocation without a host mapping")
		}
		if err := s.dev.Free(kind, a.Device); err != nil {
			t.Errorf("Free: %v", err)
		}
		if err := s.dev.Free(kind, a.Device); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("double Free: got %v, want ErrInvalidValue", err)
		}
	}
	if _, err := s.dev.Allocate(hal.MemoryDevice, 0); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Allocate(0): got %v, want ErrInvalidValue", err)
	}
	if _, err := s.dev.Allocate(hal.MemoryDevice, 1<<62); !errors.Is(err, hal.ErrOutOfMemory) {
		t.Errorf("Allocate(4 EiB): got %v, want ErrOutOfMemory", err)
	}
	if err := s.dev.Free(hal.MemoryDevice, 0x10); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Free(bogus): got %v, want ErrInvalidValue", err)
	}
}

func (s *suite) alloc(t *testing.T, kind hal.MemoryKind, n uint64) hal.Allocation {
	t.Helper()
	a, err := s.dev.Allocate(kind, n)
	if err != nil {
		t.Fatalf("Allocate(%v, %d): %v", kind, n, err)
	}
	t.Cleanup(func() {
		if err := s.dev.Free(kind, a.Device); err != nil {
			t.Errorf("Free(%#x): %v", a.Device, err)
		}
	})
	return a
}

func (s *suite) sync(t *testing.T) {
	t.Helper()
	if err := s.q.Synchronize(context.Background()); err != nil {
		t.Fatalf("Synchronize: %v", err)
	}
}

func (s *suite) upload(t *testing.T, dst uint64, b []byte) {
	t.Helper()
	if err := s.dev.CopyFromHost(dst, unsafe.Pointer(&b[0]), uint64(len(b))); err != nil {
		t.Fatalf("CopyFromHost: %v", err)
	}
}

func (s *suite) download(t *testing.T, src uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xEE // poison
	}
	if err := s.dev.CopyToHost(unsafe.Pointer(&b[0]), src, uint64(n)); err != nil {
		t.Fatalf("CopyToHost: %v", err)
	}
	return b
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

func (s *suite) testCopies(t *testing.T) {
	const n = 1<<20 + 13
	src := pattern(n, 0x5a)
	d1 := s.alloc(t, hal.MemoryDevice, n)
	d2 := s.alloc(t, hal.MemoryDevice, n)
	h := s.alloc(t, hal.MemoryHost, n)
	s.upload(t, d1.Device, src)
	if got := s.download(t, d1.Device, n); string(got) != string(src) {
		t.Fatalf("HtoD then DtoH: data differs")
	}
	// DtoD on the queue, at an offset.
	if err := s.q.Copy(d2.Device+5, d1.Device, n-5); err != nil {
		t.Fatal(err)
	}
	// DtoH into host memory on the queue, then HtoH through the mapping.
	if err := s.q.Copy(h.Device, d2.Device+5, n-5); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	hb := unsafe.Slice((*byte)(h.Host), n)
	if string(hb[:n-5]) != string(src[:n-5]) {
		t.Fatalf("DtoD + DtoH(host memory): data differs")
	}
	// HtoD from host memory on the queue.
	copy(hb, pattern(n, 0x33))
	if err := s.q.Copy(d1.Device, h.Device, n); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	if got := s.download(t, d1.Device, n); string(got) != string(pattern(n, 0x33)) {
		t.Fatalf("HtoD from host memory on the queue: data differs")
	}
	if err := s.q.Copy(d1.Device, d2.Device, 0); err != nil {
		t.Errorf("zero-byte copy: %v", err)
	}
}

func (s *suite) testFills(t *testing.T) {
	const n = 4096
	d := s.alloc(t, hal.MemoryDevice, n)
	for _, tc := range []struct {
		size    int
		pattern uint32
		off, n  uint64
	}{
		{1, 0xab, 3, 1001},
		{2, 0xbeef, 6, 2000},
		{4, 0xdeadbeef, 12, 1024},
		{4, 0x01020304, 0, n},
	} {
		s.upload(t, d.Device, pattern(n, 0x11))
		if err := s.q.Fill(d.Device+tc.off, tc.n, tc.pattern, tc.size); err != nil {
			t.Fatalf("Fill(%d-byte): %v", tc.size, err)
		}
		s.sync(t)
		got := s.download(t, d.Device, n)
		want := pattern(n, 0x11)
		for i := uint64(0); i < tc.n; i++ {
			want[tc.off+i] = byte(tc.pattern >> (8 * (i % uint64(tc.size))))
		}
		if string(got) != string(want) {
			t.Errorf("Fill(%d-byte %#x at +%d, %d bytes): result differs from the Go reference", tc.size, tc.pattern, tc.off, tc.n)
		}
	}
}

func (s *suite) testHostCalls(t *testing.T) {
	var order []int
	for i := 0; i < 100; i++ {
		if err := s.q.HostCall(func() { order = append(order, i) }); err != nil {
			t.Fatal(err)
		}
	}
	s.sync(t)
	if len(order) != 100 {
		t.Fatalf("%d host calls ran, want 100", len(order))
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("host call %d ran in position %d", v, i)
		}
	}
	// A panicking host function is an error from Synchronize, not a crash.
	if err := s.q.HostCall(func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if err := s.q.Synchronize(context.Background()); !errors.Is(err, hal.ErrLaunchFailed) {
		t.Errorf("Synchronize after a panicking host function: got %v, want ErrLaunchFailed", err)
	}
	s.sync(t) // the error is reported once
}

func (s *suite) testEvents(t *testing.T) {
	q2, err := s.dev.NewQueue(hal.QueueOptions{Priority: s.dev.Info().StreamPriorityGreatest})
	if err != nil {
		t.Fatal(err)
	}
	defer q2.Close()
	e, err := s.dev.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.Done() {
		t.Errorf("a never-recorded event is not Done")
	}
	// Queue 1 is held by a host call; the event after it is not reached until
	// it is released, and queue 2's work waits for the event.
	release := make(chan struct{})
	var flag, seen int
	if err := s.q.HostCall(func() { <-release; flag = 1 }); err != nil {
		t.Fatal(err)
	}
	if err := s.q.Record(e); err != nil {
		t.Fatal(err)
	}
	if err := q2.Wait(e); err != nil {
		t.Fatal(err)
	}
	if err := q2.HostCall(func() { seen = flag }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if e.Done() {
		t.Errorf("event Done before the work ahead of it ran")
	}
	if q2.Idle() {
		t.Errorf("queue 2 idle while waiting on an unreached event")
	}
	close(release)
	if err := e.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := q2.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Errorf("queue 2 ran before the event it waited on")
	}
	// Timestamps: a host call that sleeps 20 ms between two records.
	e1, _ := s.dev.NewEvent(0)
	e2, _ := s.dev.NewEvent(0)
	defer e1.Close()
	defer e2.Close()
	if err := s.q.Record(e1); err != nil {
		t.Fatal(err)
	}
	if err := s.q.HostCall(func() { time.Sleep(20 * time.Millisecond) }); err != nil {
		t.Fatal(err)
	}
	if err := s.q.Record(e2); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	ms, err := s.dev.ElapsedTime(e1, e2)
	if err != nil {
		t.Fatalf("ElapsedTime: %v", err)
	}
	if ms < 15 || ms > 5000 {
		t.Errorf("ElapsedTime across a 20 ms host sleep = %v ms", ms)
	}
	if back, err := s.dev.ElapsedTime(e2, e1); err != nil || back > -15 {
		t.Errorf("reversed ElapsedTime = %v, %v; want about -20", back, err)
	}
	nt, _ := s.dev.NewEvent(hal.EventDisableTiming)
	defer nt.Close()
	if err := s.q.Record(nt); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	if _, err := s.dev.ElapsedTime(e1, nt); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("ElapsedTime with a timing-disabled event: got %v, want ErrInvalidHandle", err)
	}
}

func (s *suite) testSynchronizeCancel(t *testing.T) {
	release := make(chan struct{})
	if err := s.q.HostCall(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := s.q.Synchronize(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Synchronize with an expiring context: got %v, want DeadlineExceeded", err)
	}
	close(release)
	s.sync(t)
	if !s.q.Idle() {
		t.Errorf("queue not idle after Synchronize")
	}
}

// packArgs lays values out by the kernel's parameter layout (or by natural
// alignment when the kernel has none).
func packArgs(t *testing.T, k hal.Kernel, vals ...any) []byte {
	t.Helper()
	params := k.Params()
	var buf []byte
	off := 0
	for i, v := range vals {
		var b []byte
		switch x := v.(type) {
		case uint8:
			b = []byte{x}
		case uint16:
			b = binary.LittleEndian.AppendUint16(nil, x)
		case uint32:
			b = binary.LittleEndian.AppendUint32(nil, x)
		case uint64:
			b = binary.LittleEndian.AppendUint64(nil, x)
		case float32:
			b = binary.LittleEndian.AppendUint32(nil, math.Float32bits(x))
		case float64:
			b = binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))
		case []byte: // a pre-laid-out struct with its alignment in the first byte
			b = x[1:]
		default:
			t.Fatalf("packArgs: unsupported %T", v)
		}
		align := len(b)
		if raw, ok := v.([]byte); ok {
			align = int(raw[0])
		}
		off = (off + align - 1) &^ (align - 1)
		if params != nil {
			if i >= len(params) {
				t.Fatalf("%s: %d arguments for %d parameters", k.Name(), len(vals), len(params))
			}
			if int(params[i].Size) != len(b) {
				t.Fatalf("%s: parameter %d is %d bytes, argument is %d", k.Name(), i, params[i].Size, len(b))
			}
			off = int(params[i].Offset)
		}
		for len(buf) < off+len(b) {
			buf = append(buf, 0)
		}
		copy(buf[off:], b)
		off += len(b)
	}
	if params != nil && len(vals) != len(params) {
		t.Fatalf("%s: %d arguments for %d parameters", k.Name(), len(vals), len(params))
	}
	return buf
}

func (s *suite) kernel(t *testing.T, name string) hal.Kernel {
	t.Helper()
	k, err := s.exe.Kernel(name)
	if err != nil {
		t.Fatalf("Kernel(%q): %v", name, err)
	}
	return k
}

func (s *suite) launch(t *testing.T, k hal.Kernel, grid, block hal.Dim3, shared uint32, args []byte) {
	t.Helper()
	if err := s.q.Dispatch(k, hal.LaunchConfig{Grid: grid, Block: block, SharedBytes: shared, Args: args}); err != nil {
		t.Fatalf("Dispatch(%s, grid %v, block %v): %v", k.Name(), grid, block, err)
	}
}

func floats(n int, f func(i int) float32) []byte {
	b := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f(i)))
	}
	return b
}

func toFloats(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func close32(a, b float32, tol float64) bool {
	return math.Abs(float64(a-b)) <= tol*math.Max(1, math.Abs(float64(b)))
}

func (s *suite) testKernels(t *testing.T) {
	const n = 100003 // not a multiple of the block size
	a := func(i int) float32 { return float32(i%1000) * 0.5 }
	b := func(i int) float32 { return float32(i%777) - 3 }
	da := s.alloc(t, hal.MemoryDevice, 4*n)
	db := s.alloc(t, hal.MemoryDevice, 4*n)
	dc := s.alloc(t, hal.MemoryDevice, 4*n)
	s.upload(t, da.Device, floats(n, a))
	s.upload(t, db.Device, floats(n, b))
	grid := hal.Dim3{X: (n + 255) / 256, Y: 1, Z: 1}
	block := hal.Dim3{X: 256, Y: 1, Z: 1}
	poison := func() {
		if err := s.q.Fill(dc.Device, 4*n, 0x7fc00001, 4); err != nil { // a NaN
			t.Fatal(err)
		}
	}
	check := func(name string, want func(i int) float32) {
		t.Helper()
		s.sync(t)
		got := toFloats(s.download(t, dc.Device, 4*n))
		for i := range got {
			if !close32(got[i], want(i), 1e-6) {
				t.Fatalf("%s: c[%d] = %v, want %v", name, i, got[i], want(i))
			}
		}
	}

	t.Run("vector_add", func(t *testing.T) {
		poison()
		k := s.kernel(t, "vector_add")
		s.launch(t, k, grid, block, 0, packArgs(t, k, da.Device, db.Device, dc.Device, uint32(n)))
		check("vector_add", func(i int) float32 { return a(i) + b(i) })
	})
	t.Run("vector_add_scaled", func(t *testing.T) {
		poison()
		k := s.kernel(t, "vector_add_scaled")
		s.launch(t, k, grid, block, 0, packArgs(t, k, da.Device, db.Device, dc.Device, float32(2.5), float32(-0.5), uint32(n)))
		check("vector_add_scaled", func(i int) float32 { return 2.5*a(i) - 0.5*b(i) })
	})
	t.Run("saxpy", func(t *testing.T) {
		s.upload(t, dc.Device, floats(n, b))
		k := s.kernel(t, "saxpy")
		if ps := k.Params(); ps != nil && (len(ps) != 4 || ps[0].Offset != 0 || ps[1].Offset != 4 || ps[2].Offset != 8 || ps[3].Offset != 16) {
			t.Errorf("saxpy layout %v, want offsets 0,4,8,16", ps)
		}
		s.launch(t, k, hal.Dim3{X: (n + 127) / 128, Y: 1, Z: 1}, hal.Dim3{X: 128, Y: 1, Z: 1}, 0, packArgs(t, k, uint32(n), float32(3), da.Device, dc.Device))
		check("saxpy", func(i int) float32 { return 3*a(i) + b(i) })
	})
	t.Run("matrix_multiply", func(t *testing.T) { s.testMatmul(t) })
	t.Run("reduce_sum", func(t *testing.T) { s.testReduce(t, da.Device, n, a) })
	t.Run("empty", func(t *testing.T) {
		k := s.kernel(t, "empty")
		for i := 0; i < 10; i++ {
			s.launch(t, k, hal.Dim3{X: 7, Y: 3, Z: 2}, hal.Dim3{X: 32, Y: 2, Z: 1}, 0, nil)
		}
		s.sync(t)
	})
	t.Run("args_probe", func(t *testing.T) { s.testArgsProbe(t) })
	t.Run("scale_by_global", func(t *testing.T) { s.testGlobal(t, da.Device, n, a) })
	t.Run("large_grid", func(t *testing.T) {
		// More blocks than a Vulkan device dispatches at once.
		const m = 70000 * 64
		big := s.alloc(t, hal.MemoryDevice, 4*m)
		k := s.kernel(t, "vector_add_scaled")
		// big = 2*big + 1*big, in place, over 70000 blocks.
		if err := s.q.Fill(big.Device, 4*m, math.Float32bits(1.5), 4); err != nil {
			t.Fatal(err)
		}
		s.launch(t, k, hal.Dim3{X: m / 64, Y: 1, Z: 1}, hal.Dim3{X: 64, Y: 1, Z: 1}, 0, packArgs(t, k, big.Device, big.Device, big.Device, float32(2), float32(1), uint32(m)))
		s.sync(t)
		got := toFloats(s.download(t, big.Device, 4*m))
		for i, v := range got {
			if v != 4.5 {
				t.Fatalf("large grid: element %d = %v, want 4.5", i, v)
			}
		}
	})
}

func (s *suite) testMatmul(t *testing.T) {
	const M, N, K = 37, 45, 29
	A := func(i int) float32 { return float32(i%13) - 6 }
	B := func(i int) float32 { return float32(i%7) * 0.25 }
	dA := s.alloc(t, hal.MemoryDevice, 4*M*K)
	dB := s.alloc(t, hal.MemoryDevice, 4*K*N)
	dC := s.alloc(t, hal.MemoryDevice, 4*M*N)
	s.upload(t, dA.Device, floats(M*K, A))
	s.upload(t, dB.Device, floats(K*N, B))
	if err := s.q.Fill(dC.Device, 4*M*N, 0x7fc00001, 4); err != nil {
		t.Fatal(err)
	}
	k := s.kernel(t, "matrix_multiply")
	s.launch(t, k, hal.Dim3{X: (N + 15) / 16, Y: (M + 15) / 16, Z: 1}, hal.Dim3{X: 16, Y: 16, Z: 1}, 0,
		packArgs(t, k, dA.Device, dB.Device, dC.Device, uint32(M), uint32(N), uint32(K)))
	s.sync(t)
	got := toFloats(s.download(t, dC.Device, 4*M*N))
	for r := 0; r < M; r++ {
		for c := 0; c < N; c++ {
			var want float32
			for x := 0; x < K; x++ {
				want += A(r*K+x) * B(x*N+c)
			}
			if !close32(got[r*N+c], want, 1e-5) {
				t.Fatalf("C[%d][%d] = %v, want %v", r, c, got[r*N+c], want)
			}
		}
	}
}

func (s *suite) testReduce(t *testing.T, in uint64, n int, a func(int) float32) {
	const block = 256
	blocks := (n + block - 1) / block
	part := s.alloc(t, hal.MemoryDevice, uint64(4*blocks))
	if err := s.q.Fill(part.Device, uint64(4*blocks), 0x7fc00001, 4); err != nil {
		t.Fatal(err)
	}
	k := s.kernel(t, "reduce_sum")
	s.launch(t, k, hal.Dim3{X: uint32(blocks), Y: 1, Z: 1}, hal.Dim3{X: block, Y: 1, Z: 1}, block*4, packArgs(t, k, in, part.Device, uint32(n)))
	s.sync(t)
	got := toFloats(s.download(t, part.Device, 4*blocks))
	for bi := 0; bi < blocks; bi++ {
		var want float64
		for i := bi * block; i < min(n, (bi+1)*block); i++ {
			want += float64(a(i))
		}
		if !close32(got[bi], float32(want), 1e-5) {
			t.Fatalf("partial[%d] = %v, want %v", bi, got[bi], want)
		}
	}
}

// testGlobal checks the module global global_scale (a float initialized
// to 2): its address and size, its initial value, and that
// scale_by_global reads a value written through that address.
func (s *suite) testGlobal(t *testing.T, in uint64, n int, a func(int) float32) {
	addr, size, err := s.exe.Global("global_scale")
	if errors.Is(err, hal.ErrNotFound) {
		t.Skipf("the module has no global_scale: %v", err)
	}
	if err != nil || size != 4 || addr == 0 {
		t.Fatalf("Global(global_scale) = %#x, %d, %v; want a 4-byte variable", addr, size, err)
	}
	if v := toFloats(s.download(t, addr, 4))[0]; v != 2 {
		t.Errorf("global_scale = %v before any write, want its initializer 2", v)
	}
	s.upload(t, addr, floats(1, func(int) float32 { return -3.5 }))
	out := s.alloc(t, hal.MemoryDevice, uint64(4*n))
	if err := s.q.Fill(out.Device, uint64(4*n), 0x7fc00001, 4); err != nil {
		t.Fatal(err)
	}
	k := s.kernel(t, "scale_by_global")
	s.launch(t, k, hal.Dim3{X: uint32((n + 255) / 256), Y: 1, Z: 1}, hal.Dim3{X: 256, Y: 1, Z: 1}, 0, packArgs(t, k, in, out.Device, uint32(n)))
	s.sync(t)
	got := toFloats(s.download(t, out.Device, 4*n))
	for i := range got {
		if want := a(i) * -3.5; got[i] != want {
			t.Fatalf("scale_by_global: out[%d] = %v, want %v", i, got[i], want)
		}
	}
	// Restore the initializer: the module stays loaded for the other tests.
	s.upload(t, addr, floats(1, func(int) float32 { return 2 }))
}

func (s *suite) testArgsProbe(t *testing.T) {
	k, err := s.exe.Kernel("args_probe")
	if err != nil {
		t.Fatal(err)
	}
	out := s.alloc(t, hal.MemoryDevice, 64)
	if err := s.q.Fill(out.Device, 64, 0xEEEEEEEE, 4); err != nil {
		t.Fatal(err)
	}
	g := []byte{4}
	g = binary.LittleEndian.AppendUint32(g, uint32(0xFFFFFFF9)) // x = -7
	g = binary.LittleEndian.AppendUint32(g, math.Float32bits(0.25))
	args := packArgs(t, k, uint8(0xA5), uint16(0xBEEF), uint32(0xDEADBEEF), uint64(0x0123456789ABCDEF),
		float32(1.5), float64(-2.25), g, out.Device)
	s.launch(t, k, hal.Dim3{X: 1, Y: 1, Z: 1}, hal.Dim3{X: 1, Y: 1, Z: 1}, 0, args)
	s.sync(t)
	got := s.download(t, out.Device, 64)
	want := []uint64{0xA5, 0xBEEF, 0xDEADBEEF, 0x0123456789ABCDEF, uint64(math.Float32bits(1.5)),
		math.Float64bits(-2.25), 0xFFFFFFF9, uint64(math.Float32bits(0.25))}
	for i, w := range want {
		if g := binary.LittleEndian.Uint64(got[8*i:]); g != w {
			t.Errorf("args_probe out[%d] = %#x, want %#x", i, g, w)
		}
	}
}

func (s *suite) testGraph(t *testing.T) {
	const n = 4099
	va := s.kernel(t, "vector_add")
	da := s.alloc(t, hal.MemoryDevice, 4*n)
	db := s.alloc(t, hal.MemoryDevice, 4*n)
	dc := s.alloc(t, hal.MemoryDevice, 4*n)
	dd := s.alloc(t, hal.MemoryDevice, 4*n)
	h := s.alloc(t, hal.MemoryHost, 4*n)
	var hostRuns int
	grid, block := hal.Dim3{X: (n + 127) / 128, Y: 1, Z: 1}, hal.Dim3{X: 128, Y: 1, Z: 1}
	// Diamond: fill a and fill b (independent) -> vector_add -> copy to host
	// memory and host node (independent) -> empty join.
	g := &hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeFill, Dst: da.Device, Size: 4 * n, Pattern: math.Float32bits(1.25), PatternSize: 4},
		{Kind: hal.NodeFill, Dst: db.Device, Size: 4 * n, Pattern: math.Float32bits(2), PatternSize: 4},
		{Kind: hal.NodeKernel, Deps: []int{0, 1}, Kernel: va, Launch: hal.LaunchConfig{Grid: grid, Block: block,
			Args: packArgs(t, va, da.Device, db.Device, dc.Device, uint32(n))}},
		{Kind: hal.NodeCopy, Deps: []int{2}, Dst: h.Device, Src: dc.Device, Size: 4 * n},
		{Kind: hal.NodeHost, Deps: []int{2}, Host: func() { hostRuns++ }},
		{Kind: hal.NodeEmpty, Deps: []int{3, 4}},
	}}
	x, err := s.dev.Instantiate(g)
	if err != nil {
		t.Fatalf("Instantiate: %v", err)
	}
	defer x.Close()
	hb := unsafe.Slice((*float32)(h.Host), n)
	for rep := 0; rep < 3; rep++ {
		for i := range hb {
			hb[i] = -1
		}
		if err := s.q.Execute(x); err != nil {
			t.Fatal(err)
		}
		s.sync(t)
		for i, v := range hb {
			if v != 3.25 {
				t.Fatalf("replay %d: host[%d] = %v, want 3.25", rep, i, v)
			}
		}
	}
	if hostRuns != 3 {
		t.Errorf("host node ran %d times, want 3", hostRuns)
	}
	// Update the kernel to write dd instead, and the copy to read it.
	if err := s.q.Fill(dd.Device, 4*n, 0, 4); err != nil {
		t.Fatal(err)
	}
	upd := g.Nodes[2]
	upd.Launch.Args = packArgs(t, va, da.Device, da.Device, dd.Device, uint32(n))
	if err := x.Update(2, upd); err != nil {
		t.Fatalf("Update kernel node: %v", err)
	}
	cp := g.Nodes[3]
	cp.Src = dd.Device
	if err := x.Update(3, cp); err != nil {
		t.Fatalf("Update copy node: %v", err)
	}
	if err := s.q.Execute(x); err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	for i, v := range hb {
		if v != 2.5 {
			t.Fatalf("after Update: host[%d] = %v, want 2.5", i, v)
		}
	}
	if err := x.Update(2, hal.Node{Kind: hal.NodeCopy}); !errors.Is(err, hal.ErrNotSupported) && !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Update changing a node's kind: got %v, want ErrNotSupported", err)
	}
	// A forward dependency is rejected.
	bad := &hal.Graph{Nodes: []hal.Node{{Kind: hal.NodeEmpty, Deps: []int{1}}, {Kind: hal.NodeEmpty}}}
	if _, err := s.dev.Instantiate(bad); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Instantiate with a forward dependency: got %v, want ErrInvalidValue", err)
	}
}

func (s *suite) testBadInput(t *testing.T, format hal.Format, data []byte) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("this is not a module at all, not even close......")},
		{"truncated", data[:len(data)/3]},
		{"empty", []byte{0, 0, 0, 0, 0, 0, 0, 0}},
	} {
		x, err := s.dev.Load(format, tc.data)
		if err == nil {
			x.Close()
			t.Errorf("Load(%s): no error", tc.name)
		} else if !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("Load(%s): got %v, want ErrInvalidImage", tc.name, err)
		}
	}
	if _, err := s.exe.Kernel("no_such_kernel"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Kernel(missing): got %v, want ErrNotFound", err)
	}
	k := s.kernel(t, "vector_add")
	one := hal.Dim3{X: 1, Y: 1, Z: 1}
	if err := s.q.Dispatch(k, hal.LaunchConfig{Grid: one, Block: one, Args: []byte{1, 2, 3}}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Dispatch with a 3-byte argument buffer: got %v, want ErrInvalidValue", err)
	}
	max := uint32(s.dev.Info().MaxThreadsPerBlock)
	args := packArgs(t, k, uint64(0), uint64(0), uint64(0), uint32(0))
	if err := s.q.Dispatch(k, hal.LaunchConfig{Grid: one, Block: hal.Dim3{X: max + 1, Y: 1, Z: 1}, Args: args}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Dispatch with %d threads per block: got %v, want ErrInvalidValue", max+1, err)
	}
	if err := s.q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: 0, Y: 1, Z: 1}, Block: one, Args: args}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Dispatch with a zero grid: got %v, want ErrInvalidValue", err)
	}
	// Fills are checked by the caller (hal.CheckFill): drivers get only
	// valid ones, so the suite feeds them no bad fill.
	// A closed queue refuses work.
	q, err := s.dev.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.HostCall(func() {}); err == nil {
		t.Errorf("HostCall on a closed queue: no error")
	}
	s.sync(t)
}
