package streaming_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

func TestVectorAdd(t *testing.T) {
	e := newEnv(t)
	const n = 1<<20 + 3
	a := seq(n, func(i int) float32 { return float32(i) })
	b := seq(n, func(i int) float32 { return float32(2 * i) })
	da, db, dc := e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n)
	s := e.stream(t, streaming.StreamNonBlocking)
	if err := streaming.CopyToDevice(s, da, a); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyToDevice(s, db, b); err != nil {
		t.Fatal(err)
	}
	if err := s.MemsetD32Async(dc, math.Float32bits(float32(math.NaN())), n); err != nil {
		t.Fatal(err)
	}
	f := e.fn(t, "vector_add")
	if err := s.Launch(f, streaming.D1((n+255)/256), streaming.D1(256), 0, da, db, dc, uint32(n)); err != nil {
		t.Fatal(err)
	}
	c := poisoned(n)
	if err := streaming.CopyFromDevice(s, c, dc); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	for i := range c {
		if c[i] != a[i]+b[i] {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], a[i]+b[i])
		}
	}
}

func TestMemcpyEveryDirection(t *testing.T) {
	e := newEnv(t)
	const n = 3<<20 + 7
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i*31 + 7)
	}
	d1, d2 := e.malloc(t, n), e.malloc(t, n)
	// Synchronous HtoD / DtoD / DtoH.
	if err := e.ctx.MemcpyHtoD(d1, src); err != nil {
		t.Fatal(err)
	}
	if err := e.ctx.MemcpyDtoD(d2, d1, n); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	for i := range got {
		got[i] = 0xEE
	}
	if err := e.ctx.MemcpyDtoH(got, d2); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(src) {
		t.Fatal("sync HtoD/DtoD/DtoH: data differs")
	}
	// Page-locked host memory, asynchronous both ways, at offsets, with
	// direction inferred from the pointer table.
	h, err := e.ctx.MallocHost(n, streaming.HostAllocPortable)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Free()
	s := e.stream(t, streaming.StreamDefault)
	if err := s.MemsetD8Async(d2, 0, n); err != nil {
		t.Fatal(err)
	}
	if err := s.MemcpyAsync(h.DevicePtr(), d1+100, n-100); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	if string(h.Bytes()[:n-100]) != string(src[100:]) {
		t.Fatal("DtoH into page-locked memory: data differs")
	}
	if err := s.MemcpyHtoDAsync(d2+1, h.Bytes()[:n-1]); err != nil {
		t.Fatal(err)
	}
	if err := s.MemcpyDtoHAsync(got, d2); err != nil { // pageable: returns with the data
		t.Fatal(err)
	}
	if got[0] != 0 || string(got[1:n-100+1]) != string(src[100:]) {
		t.Fatal("HtoD from page-locked memory: data differs")
	}
	// Registered Go memory.
	reg := make([]byte, n)
	if err := e.ctx.HostRegister(unsafe.Pointer(&reg[0]), n, streaming.HostRegisterPortable); err != nil {
		t.Fatal(err)
	}
	if err := s.MemcpyDtoHAsync(reg, d1); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	if string(reg) != string(src) {
		t.Fatal("DtoH into registered memory: data differs")
	}
	if err := e.ctx.HostRegister(unsafe.Pointer(&reg[10]), 100, 0); !errors.Is(err, streaming.ErrAlreadyMapped) {
		t.Errorf("HostRegister of registered memory: got %v, want ErrAlreadyMapped", err)
	}
	if err := e.ctx.HostUnregister(unsafe.Pointer(&reg[0])); err != nil {
		t.Fatal(err)
	}
	if err := e.ctx.HostUnregister(unsafe.Pointer(&reg[0])); !errors.Is(err, streaming.ErrNotMapped) {
		t.Errorf("second HostUnregister: got %v, want ErrNotMapped", err)
	}
	// Pageable HtoD async: src may be reused at once.
	tmp := append([]byte(nil), src...)
	if err := s.MemcpyHtoDAsync(d2, tmp); err != nil {
		t.Fatal(err)
	}
	for i := range tmp {
		tmp[i] = 0
	}
	if err := s.MemcpyDtoHAsync(got, d2); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(src) {
		t.Fatal("pageable HtoD async: data differs (source reused too early?)")
	}
	// Out of range and foreign pointers.
	if err := s.MemcpyAsync(d1, d2, n+1); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("copy past the end: got %v, want ErrInvalidValue", err)
	}
	if err := s.MemcpyAsync(streaming.DevicePtr(0x1234), d2, 4); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("copy to a foreign pointer: got %v, want ErrInvalidValue", err)
	}
	if err := e.ctx.MemcpyHtoD(d1+n-2, []byte{1, 2, 3}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("HtoD past the end: got %v, want ErrInvalidValue", err)
	}
}

func TestMemset(t *testing.T) {
	e := newEnv(t)
	const n = 4096
	d := e.malloc(t, n)
	ref := func(fill func(b []byte)) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = 0x5A
		}
		fill(b)
		return b
	}
	s := e.stream(t, 0)
	for _, tc := range []struct {
		name string
		run  func() error
		want []byte
	}{
		{"D8", func() error { return s.MemsetD8Async(d+3, 0xAB, 1000) }, ref(func(b []byte) {
			for i := 3; i < 1003; i++ {
				b[i] = 0xAB
			}
		})},
		{"D16", func() error { return e.ctx.MemsetD16(d+2, 0xBEEF, 999) }, ref(func(b []byte) {
			for i := 0; i < 999; i++ {
				b[2+2*i], b[3+2*i] = 0xEF, 0xBE
			}
		})},
		{"D32", func() error { return e.ctx.MemsetD32(d+8, 0x01020304, 1000) }, ref(func(b []byte) {
			for i := 0; i < 1000; i++ {
				copy(b[8+4*i:], []byte{4, 3, 2, 1})
			}
		})},
	} {
		if err := e.ctx.MemsetD8(d, 0x5A, n); err != nil {
			t.Fatal(err)
		}
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := make([]byte, n)
		if err := s.MemcpyDtoHAsync(got, d); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(tc.want) {
			t.Errorf("%s: result differs from the Go reference", tc.name)
		}
	}
	if err := s.MemsetD32Async(d+2, 0, 4); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("misaligned D32: got %v, want ErrInvalidValue", err)
	}
	if err := s.MemsetD16Async(d+1, 0, 4); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("misaligned D16: got %v, want ErrInvalidValue", err)
	}
	if err := s.MemsetD8Async(d+n-1, 0, 2); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("memset past the end: got %v, want ErrInvalidValue", err)
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	s1 := e.stream(t, streaming.StreamNonBlocking)
	s2 := e.stream(t, streaming.StreamNonBlocking)
	ev, err := e.ctx.NewEvent(streaming.EventDefault)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	if err := ev.Query(); err != nil {
		t.Errorf("Query of a never-recorded event: %v", err)
	}
	release := make(chan struct{})
	var flag, seen int
	if err := s1.LaunchHostFunc(func() { <-release; flag = 1 }); err != nil {
		t.Fatal(err)
	}
	if err := ev.Record(s1); err != nil {
		t.Fatal(err)
	}
	if err := s2.WaitEvent(ev); err != nil {
		t.Fatal(err)
	}
	if err := s2.LaunchHostFunc(func() { seen = flag }); err != nil {
		t.Fatal(err)
	}
	if err := ev.Query(); !errors.Is(err, streaming.ErrNotReady) {
		t.Errorf("Query before the event is reached: got %v, want ErrNotReady", err)
	}
	if err := s2.Query(); !errors.Is(err, streaming.ErrNotReady) {
		t.Errorf("stream Query while waiting: got %v, want ErrNotReady", err)
	}
	close(release)
	syncStream(t, s2)
	if seen != 1 {
		t.Error("stream 2 ran before the event it waited for")
	}
	if err := ev.Query(); err != nil {
		t.Errorf("Query after: %v", err)
	}
	// Elapsed time across a 20 ms host sleep.
	start, _ := e.ctx.NewEvent(0)
	stop, _ := e.ctx.NewEvent(0)
	defer start.Close()
	defer stop.Close()
	if _, err := streaming.ElapsedTime(start, stop); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("ElapsedTime of unrecorded events: got %v, want ErrInvalidHandle", err)
	}
	start.Record(s1)
	s1.LaunchHostFunc(func() { time.Sleep(20 * time.Millisecond) })
	stop.Record(s1)
	if err := stop.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	ms, err := streaming.ElapsedTime(start, stop)
	if err != nil || ms < 15 || ms > 5000 {
		t.Errorf("ElapsedTime = %v ms, %v; want about 20", ms, err)
	}
	nt, _ := e.ctx.NewEvent(streaming.EventDisableTiming)
	defer nt.Close()
	nt.Record(s1)
	syncStream(t, s1)
	if _, err := streaming.ElapsedTime(start, nt); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("ElapsedTime with timing disabled: got %v, want ErrInvalidHandle", err)
	}
	if _, err := e.ctx.NewEvent(streaming.EventInterprocess); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("interprocess without disable-timing: got %v, want ErrInvalidValue", err)
	}
	closed, _ := e.ctx.NewEvent(0)
	closed.Close()
	if err := closed.Record(s1); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("Record of a destroyed event: got %v, want ErrInvalidHandle", err)
	}
	if err := closed.Close(); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("double Close: got %v, want ErrInvalidHandle", err)
	}
}

// The legacy default stream waits for blocking streams' earlier work and
// they wait for its; non-blocking streams do neither.
func TestLegacyDefaultStream(t *testing.T) {
	e := newEnv(t)
	blocking := e.stream(t, streaming.StreamDefault)
	nonBlocking := e.stream(t, streaming.StreamNonBlocking)
	legacy := e.ctx.DefaultStream()

	var mu sync.Mutex
	var order []string
	note := func(s string) func() {
		return func() { mu.Lock(); order = append(order, s); mu.Unlock() }
	}
	release := make(chan struct{})
	// Work on the blocking stream, held until released.
	blocking.LaunchHostFunc(func() { <-release })
	blocking.LaunchHostFunc(note("blocking"))
	// The legacy stream's work must wait for it...
	legacy.LaunchHostFunc(note("legacy"))
	// ...and so must later work on the blocking stream (behind legacy).
	blocking.LaunchHostFunc(note("blocking-after-legacy"))
	// The non-blocking stream runs at once.
	nonBlocking.LaunchHostFunc(note("nonblocking"))
	syncStream(t, nonBlocking)
	mu.Lock()
	if len(order) != 1 || order[0] != "nonblocking" {
		t.Errorf("before release: order %v, want only the non-blocking stream's work", order)
	}
	mu.Unlock()
	close(release)
	syncStream(t, legacy)
	syncStream(t, blocking)
	want := []string{"nonblocking", "blocking", "legacy", "blocking-after-legacy"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if err := legacy.Close(); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("Close of the default stream: got %v, want ErrInvalidHandle", err)
	}
}

func TestHostFuncOrderAndPanic(t *testing.T) {
	e := newEnv(t)
	s := e.stream(t, 0)
	var got []int
	for i := 0; i < 1000; i++ {
		if err := s.LaunchHostFunc(func() { got = append(got, i) }); err != nil {
			t.Fatal(err)
		}
	}
	syncStream(t, s)
	for i, v := range got {
		if v != i {
			t.Fatalf("host func %d ran at position %d", v, i)
		}
	}
	if len(got) != 1000 {
		t.Fatalf("%d host funcs ran", len(got))
	}
	s.LaunchHostFunc(func() { panic("user bug") })
	if err := s.Synchronize(context.Background()); !errors.Is(err, streaming.ErrLaunchFailed) {
		t.Errorf("Synchronize after a panicking host func: got %v, want ErrLaunchFailed", err)
	}
	syncStream(t, s)
	if err := s.LaunchHostFunc(nil); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("nil host func: got %v, want ErrInvalidValue", err)
	}
}

func TestLaunchErrors(t *testing.T) {
	e := newEnv(t)
	s := e.ctx.DefaultStream()
	f := e.fn(t, "vector_add")
	d := e.malloc(t, 1024)
	one := streaming.D1(1)
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"too few arguments", s.Launch(f, one, one, 0, d, d), streaming.ErrInvalidValue},
		{"int for uint32", s.Launch(f, one, one, 0, d, d, d, 5), streaming.ErrInvalidValue},
		{"float64 for a pointer", s.Launch(f, one, one, 0, 1.5, d, d, uint32(5)), streaming.ErrInvalidValue},
		{"slice argument", s.Launch(f, one, one, 0, []float32{1}, d, d, uint32(5)), streaming.ErrInvalidValue},
		{"foreign pointer", s.Launch(f, one, one, 0, streaming.DevicePtr(0xdead0000), d, d, uint32(5)), streaming.ErrInvalidValue},
		{"zero grid", s.Launch(f, streaming.Dim3{}, one, 0, d, d, d, uint32(1)), streaming.ErrInvalidValue},
		{"block too large", s.Launch(f, one, streaming.D1(uint32(e.dev.Info().MaxThreadsPerBlock+1)), 0, d, d, d, uint32(1)), streaming.ErrInvalidValue},
		{"grid too large", s.Launch(f, streaming.Dim3{X: 1, Y: uint32(e.dev.Info().MaxGridDim[1]) + 1, Z: 1}, one, 0, d, d, d, uint32(1)), streaming.ErrInvalidValue},
		{"shared too large", s.Launch(f, one, one, 1<<30, d, d, d, uint32(1)), streaming.ErrInvalidValue},
		{"nil function", s.Launch(nil, one, one, 0), streaming.ErrInvalidHandle},
		{"short packed buffer", s.LaunchPacked(f, streaming.LaunchConfig{Grid: one, Block: one}, make([]byte, 12)), streaming.ErrInvalidValue},
		{"foreign pointer in a packed buffer", s.LaunchPacked(f, streaming.LaunchConfig{Grid: one, Block: one}, packed(t, f, streaming.DevicePtr(0xdead0000), d, d, uint32(1))), streaming.ErrInvalidValue},
		{"foreign pointer in kernelParams", s.LaunchParams(f, streaming.LaunchConfig{Grid: one, Block: one}, paramPtrs(uint64(0xdead0000), uint64(d), uint64(d), uint32(1))), streaming.ErrInvalidValue},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	syncStream(t, s)
}

func TestArgsABI(t *testing.T) {
	e := newEnv(t)
	f, err := e.mod.Function("args_probe")
	if err != nil {
		t.Fatal(err)
	}
	out := e.malloc(t, 64)
	s := e.ctx.DefaultStream()
	s.MemsetD32Async(out, 0xEEEEEEEE, 16)
	type pair struct {
		X int32
		Y float32
	}
	if err := s.Launch(f, streaming.D1(1), streaming.D1(1), 0,
		uint8(0xA5), uint16(0xBEEF), uint32(0xDEADBEEF), uint64(0x0123456789ABCDEF),
		float32(1.5), float64(-2.25), pair{-7, 0.25}, out); err != nil {
		t.Fatal(err)
	}
	got := make([]uint64, 8)
	if err := streaming.CopyFromDeviceSync(e.ctx, got, out); err != nil {
		t.Fatal(err)
	}
	want := []uint64{0xA5, 0xBEEF, 0xDEADBEEF, 0x0123456789ABCDEF, uint64(math.Float32bits(1.5)),
		math.Float64bits(-2.25), uint64(uint32(0xFFFFFFF9)), uint64(math.Float32bits(0.25))}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("out[%d] = %#x, want %#x", i, got[i], want[i])
		}
	}
}

func TestModules(t *testing.T) {
	e := newEnv(t)
	dir, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	// A fat module picks the binary for the device.
	fat, err := e.ctx.LoadModule(filepath.Join(dir, "test_kernels.fat"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fat.Function("vector_add"); err != nil {
		t.Error(err)
	}
	if e.dev.Backend() == "cpu" && fat.Format() != "cpu-elf" {
		// The fat module also holds PTX: its CPU library wins, untranslated.
		t.Errorf("fat module on the CPU loaded its %s entry, want cpu-elf", fat.Format())
	}
	fat.Close()
	if _, err := fat.Function("vector_add"); err == nil {
		t.Error("Function on an unloaded module: no error")
	}
	if err := fat.Close(); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("double unload: got %v, want ErrInvalidHandle", err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "test_kernels.fat"))
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"garbage", []byte("definitely not a module, just some text here"), streaming.ErrInvalidImage},
		{"empty", nil, streaming.ErrInvalidImage},
		{"truncated fat", good[:len(good)/2], streaming.ErrInvalidImage},
	} {
		if m, err := e.ctx.LoadModuleData(tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			if m != nil {
				m.Close()
			}
		}
	}
	if e.dev.Backend() == "cpu" {
		// The CPU translates PTX; what it cannot run is invalid PTX, named
		// by line, as a JIT log names it.
		tex := []byte(".version 7.0\n.target sm_80\n.address_size 64\n.visible .entry k() {\n  .reg .f32 %f<5>;\n  .reg .b64 %rd<2>;\n  tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f1,%f2}];\n}\n")
		_, err := e.ctx.LoadModuleData(tex)
		if !errors.Is(err, streaming.ErrInvalidPTX) || !errors.Is(err, streaming.ErrInvalidImage) || !strings.Contains(err.Error(), "line 7") {
			t.Errorf("PTX with a texture fetch on the CPU: got %v, want ErrInvalidPTX and ErrInvalidImage naming line 7", err)
		}
	}
	if _, err := e.ctx.LoadModule(filepath.Join(dir, "no-such-file")); !errors.Is(err, streaming.ErrNotFound) {
		t.Errorf("missing file: got %v, want ErrNotFound", err)
	}
	if _, err := e.mod.Function("no_such_kernel"); !errors.Is(err, streaming.ErrNotFound) {
		t.Errorf("missing kernel: got %v, want ErrNotFound", err)
	}
}

func TestModuleGlobal(t *testing.T) {
	e := newEnv(t)
	g, size, err := e.mod.Global("global_scale")
	if errors.Is(err, streaming.ErrNotFound) || errors.Is(err, streaming.ErrNotSupported) {
		t.Skipf("no module globals on this backend: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if size != 4 {
		t.Fatalf("global_scale is %d bytes, want 4", size)
	}
	v := []float32{-1}
	if err := streaming.CopyFromDeviceSync(e.ctx, v, g); err != nil || v[0] != 2 {
		t.Fatalf("global_scale = %v, %v; want 2", v[0], err)
	}
	if err := streaming.CopyToDeviceSync(e.ctx, g, []float32{3}); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	in, out := e.malloc(t, 4*n), e.malloc(t, 4*n)
	src := seq(n, func(i int) float32 { return float32(i) })
	streaming.CopyToDeviceSync(e.ctx, in, src)
	s := e.ctx.DefaultStream()
	if err := s.Launch(e.fn(t, "scale_by_global"), streaming.D1(4), streaming.D1(256), 0, in, out, uint32(n)); err != nil {
		t.Fatal(err)
	}
	got := poisoned(n)
	if err := streaming.CopyFromDeviceSync(e.ctx, got, out); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != 3*src[i] {
			t.Fatalf("out[%d] = %v, want %v", i, got[i], 3*src[i])
		}
	}
	if _, _, err := e.mod.Global("nope"); !errors.Is(err, streaming.ErrNotFound) {
		t.Errorf("missing global: got %v, want ErrNotFound", err)
	}
}

func TestMemoryErrors(t *testing.T) {
	e := newEnv(t)
	if _, err := e.ctx.Malloc(0); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("Malloc(0): got %v, want ErrInvalidValue", err)
	}
	if _, err := e.ctx.Malloc(1 << 62); !errors.Is(err, streaming.ErrOutOfMemory) {
		t.Errorf("Malloc(4 EiB): got %v, want ErrOutOfMemory", err)
	}
	p, err := e.ctx.Malloc(4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ctx.Free(p + 16); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("Free of an interior pointer: got %v, want ErrInvalidValue", err)
	}
	if err := e.ctx.Free(p); err != nil {
		t.Fatal(err)
	}
	if err := e.ctx.Free(p); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("double Free: got %v, want ErrInvalidValue", err)
	}
	if err := e.ctx.Free(streaming.DevicePtr(0x42)); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("Free of a made-up pointer: got %v, want ErrInvalidValue", err)
	}
	h, err := e.ctx.MallocHost(100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ctx.Free(h.DevicePtr()); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("Free of host memory: got %v, want ErrInvalidValue", err)
	}
	if err := h.Free(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ctx.MallocPitch(100, 10, 3); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("MallocPitch with element size 3: got %v, want ErrInvalidValue", err)
	}
	pp, pitch, err := e.ctx.MallocPitch(1000, 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	if pitch < 1000 || pitch%uint64(e.dev.Info().PitchAlignment) != 0 {
		t.Errorf("pitch %d for 1000-byte rows", pitch)
	}
	if _, size, err := e.ctx.AddressRange(pp + 5000); err != nil || size != pitch*10 {
		t.Errorf("AddressRange of the pitched allocation: size %d, %v; want %d", size, err, pitch*10)
	}
	e.ctx.Free(pp)
}

func TestPointerTable(t *testing.T) {
	e := newEnv(t)
	var ptrs []streaming.DevicePtr
	for i := 0; i < 200; i++ {
		p, err := e.ctx.Malloc(uint64(64 + i))
		if err != nil {
			t.Fatal(err)
		}
		ptrs = append(ptrs, p)
	}
	for i, p := range ptrs {
		base, size, err := e.ctx.AddressRange(p + streaming.DevicePtr(i%64))
		if err != nil || base != p || size != uint64(64+i) {
			t.Fatalf("AddressRange(%#x+%d) = %#x, %d, %v", uint64(p), i%64, uint64(base), size, err)
		}
		attr, err := e.ctx.PointerAttributes(p + 3)
		if err != nil || attr.Kind != streaming.MemoryDevice || attr.Device != e.dev || attr.DevicePtr != p+3 || attr.Base != p {
			t.Fatalf("PointerAttributes(%#x) = %+v, %v", uint64(p+3), attr, err)
		}
	}
	h, _ := e.ctx.MallocHost(256, streaming.HostAllocDeviceMap)
	defer h.Free()
	attr, err := e.ctx.PointerAttributes(h.DevicePtr() + 10)
	if err != nil || attr.Kind != streaming.MemoryHost || attr.HostPtr != unsafe.Add(h.Ptr(), 10) || attr.Flags != streaming.HostAllocDeviceMap {
		t.Errorf("PointerAttributes of host memory = %+v, %v", attr, err)
	}
	if flags, err := e.ctx.HostFlags(h.Ptr()); err != nil || flags != streaming.HostAllocDeviceMap {
		t.Errorf("HostFlags = %#x, %v", flags, err)
	}
	if _, _, err := e.ctx.AddressRange(streaming.DevicePtr(1)); !errors.Is(err, streaming.ErrNotFound) {
		t.Errorf("AddressRange of an unknown pointer: got %v, want ErrNotFound", err)
	}
	for _, p := range ptrs {
		if err := e.ctx.Free(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestContextCloseFreesEverything(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	defer rt.Close()
	c, err := rt.Default().NewContext(streaming.CtxSchedAuto)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := c.Malloc(1 << 16); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.MallocHost(1<<16, 0); err != nil {
		t.Fatal(err)
	}
	s, _ := c.NewStream(0, 0)
	ev, _ := c.NewEvent(0)
	ev.Record(s)
	if rt.LiveAllocations() < 11 {
		t.Fatalf("%d live allocations, want at least 11", rt.LiveAllocations())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := rt.LiveAllocations(); n != 0 {
		t.Errorf("%d allocations after the context was destroyed", n)
	}
	if _, err := c.Malloc(16); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Malloc on a destroyed context: got %v, want ErrInvalidContext", err)
	}
	if err := s.LaunchHostFunc(func() {}); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("work on a destroyed context's stream: got %v, want ErrInvalidHandle", err)
	}
	if err := c.Close(); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("double Close: got %v, want ErrInvalidContext", err)
	}
}

func TestPrimaryContextRefcount(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	defer rt.Close()
	d := rt.Default()
	c1, _ := d.PrimaryContext()
	c2, _ := d.PrimaryContext()
	if c1 != c2 {
		t.Fatal("two retains gave two primary contexts")
	}
	if _, active := d.PrimaryContextState(); !active {
		t.Error("primary context not active after retain")
	}
	if err := c1.Close(); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Close of the primary context: got %v, want ErrInvalidContext", err)
	}
	d.PrimaryContextRelease()
	if _, active := d.PrimaryContextState(); !active {
		t.Error("primary context inactive with one retain left")
	}
	d.PrimaryContextRelease()
	if _, active := d.PrimaryContextState(); active {
		t.Error("primary context active after the last release")
	}
	if err := d.PrimaryContextRelease(); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("release without retain: got %v, want ErrInvalidContext", err)
	}
}

// Every CUctx_flags bit is accepted and reported back, by NewContext and
// SetPrimaryContextFlags alike; bits beyond CU_CTX_FLAGS_MASK are not.
func TestContextFlags(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	defer rt.Close()
	d := rt.Default()
	for _, flags := range []uint32{
		streaming.CtxSchedBlockingSync | streaming.CtxMapHost | streaming.CtxLmemResizeToMax,
		streaming.CtxCoredumpEnable, streaming.CtxUserCoredumpEnable, streaming.CtxSyncMemops,
		streaming.CtxSchedSpin | streaming.CtxCoredumpEnable | streaming.CtxUserCoredumpEnable | streaming.CtxSyncMemops,
		0xff,
	} {
		c, err := d.NewContext(flags)
		if err != nil {
			t.Errorf("NewContext(%#x): %v", flags, err)
			continue
		}
		if c.Flags() != flags {
			t.Errorf("NewContext(%#x).Flags() = %#x", flags, c.Flags())
		}
		c.Close()
		if err := d.SetPrimaryContextFlags(flags); err != nil {
			t.Errorf("SetPrimaryContextFlags(%#x): %v", flags, err)
		}
		if got, _ := d.PrimaryContextState(); got != flags {
			t.Errorf("SetPrimaryContextFlags(%#x): state has %#x", flags, got)
		}
	}
	if err := d.SetPrimaryContextFlags(streaming.CtxSyncMemops); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []uint32{0x100, 0x80000000, 0x1ff} {
		if _, err := d.NewContext(bad); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("NewContext(%#x): %v, want ErrInvalidValue", bad, err)
		}
		if err := d.SetPrimaryContextFlags(bad); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("SetPrimaryContextFlags(%#x): %v, want ErrInvalidValue", bad, err)
		}
	}
	// A refused change leaves the flags alone, and the primary context is
	// created with them.
	c, err := d.PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	defer d.PrimaryContextRelease()
	if c.Flags() != streaming.CtxSyncMemops {
		t.Errorf("primary context flags %#x, want CtxSyncMemops", c.Flags())
	}
}

// PrimaryContextReset destroys what the primary context owns and keeps the
// object usable, with its retain count, flags and default stream; the last
// release leaves it unusable and the next retain brings the same object
// back.
func TestPrimaryContextResetInPlace(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	defer rt.Close()
	d := rt.Default()
	if err := d.SetPrimaryContextFlags(streaming.CtxSchedYield); err != nil {
		t.Fatal(err)
	}
	c, err := d.PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := d.PrimaryContext(); again != c {
		t.Fatal("two retains gave two primary contexts")
	}
	_, data, err := haltest.Kernels(d.HAL())
	if err != nil {
		t.Fatal(err)
	}
	mod, err := c.LoadModuleData(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Malloc(4096)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewStream(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetLimit(streaming.LimitStackSize, 12345); err != nil {
		t.Fatal(err)
	}
	def := c.DefaultStream()
	live := rt.LiveAllocations()

	if err := d.PrimaryContextReset(); err != nil {
		t.Fatal(err)
	}
	// The object is the same and usable, with its flags and default stream.
	if got, _ := d.PrimaryContext(); got != c {
		t.Fatal("the primary context is another object after a reset")
	}
	d.PrimaryContextRelease()
	if err := c.Err(); err != nil {
		t.Fatalf("primary context after a reset: %v", err)
	}
	if c.Flags() != streaming.CtxSchedYield || c.DefaultStream() != def {
		t.Errorf("after a reset: flags %#x, default stream changed %v", c.Flags(), c.DefaultStream() != def)
	}
	if v, _ := c.Limit(streaming.LimitStackSize); v == 12345 {
		t.Error("the stack size limit survived the reset")
	}
	// What it owned is gone.
	if n := rt.LiveAllocations(); n != live-1 {
		t.Errorf("%d allocations after the reset, want %d", n, live-1)
	}
	for what, err := range map[string]error{
		"stream": s.Err(), "event": ev.Err(), "module": mod.Err(), "free": c.Free(p),
	} {
		if err == nil {
			t.Errorf("%s of before the reset still usable", what)
		}
	}
	// It works: memory, a stream, the default stream.
	q, err := c.Malloc(64)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MemsetD8(q, 0x3c, 64); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 64)
	if err := c.MemcpyDtoH(got, q); err != nil || got[0] != 0x3c || got[63] != 0x3c {
		t.Errorf("memset after the reset read back % x, %v", got[:4], err)
	}
	if err := c.Free(q); err != nil {
		t.Error(err)
	}
	// The retain count is unchanged: two releases to go.
	if err := d.PrimaryContextRelease(); err != nil {
		t.Fatal(err)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("after the first of two releases: %v", err)
	}
	if err := d.PrimaryContextRelease(); err != nil {
		t.Fatal(err)
	}
	if err := c.Err(); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Fatalf("after the last release: %v, want ErrInvalidContext", err)
	}
	if _, err := c.Malloc(64); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Malloc after the last release: %v, want ErrInvalidContext", err)
	}
	if err := d.PrimaryContextReset(); err != nil {
		t.Errorf("reset of a released primary context: %v", err)
	}
	// The next retain brings the same object back.
	if again, _ := d.PrimaryContext(); again != c || c.Err() != nil {
		t.Fatalf("retain after release: same %v, %v", again == c, c.Err())
	}
	defer d.PrimaryContextRelease()
	if err := c.MemsetD8(0, 0, 0); err != nil {
		t.Error(err)
	}
	if err := c.Synchronize(context.Background()); err != nil {
		t.Error(err)
	}
}

// Resets race with users of the primary context's plain accessors.
func TestPrimaryContextResetConcurrent(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	defer rt.Close()
	d := rt.Default()
	c, err := d.PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	defer d.PrimaryContextRelease()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = c.Flags()
			if c.DefaultStream() == nil {
				t.Error("nil default stream")
				return
			}
			d.PrimaryContextState()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d.SetPrimaryContextFlags(uint32(i % 3))
		}
	}()
	for range 50 {
		if err := d.PrimaryContextReset(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestConcurrentStreams(t *testing.T) {
	e := newEnv(t)
	f := e.fn(t, "vector_add_scaled")
	const n = 50000
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s, err := e.ctx.NewStream(streaming.StreamNonBlocking, -g%2)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			a, _ := e.ctx.Malloc(4 * n)
			c, _ := e.ctx.Malloc(4 * n)
			defer e.ctx.Free(a)
			defer e.ctx.Free(c)
			src := seq(n, func(i int) float32 { return float32(i + g) })
			for rep := 0; rep < 20; rep++ {
				streaming.CopyToDevice(s, a, src)
				s.Launch(f, streaming.D1((n+127)/128), streaming.D1(128), 0, a, a, c, float32(g), float32(1), uint32(n))
				got := poisoned(n)
				if err := streaming.CopyFromDevice(s, got, c); err != nil {
					errs <- err
					return
				}
				for i := range got {
					if want := float32(g+1) * src[i]; !near(got[i], want) {
						errs <- errors.New("wrong result under concurrency")
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRuntimeOptions(t *testing.T) {
	if backend() != "cpu" {
		t.Skip("CPU device options")
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}, CPUDevices: 3, DefaultDevice: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rt.DeviceCount() != 3 || rt.Default().Ordinal() != 2 {
		t.Errorf("%d devices, default %d; want 3 and 2", rt.DeviceCount(), rt.Default().Ordinal())
	}
	if _, err := rt.Device(3); !errors.Is(err, streaming.ErrInvalidDevice) {
		t.Errorf("Device(3): got %v, want ErrInvalidDevice", err)
	}
	rt.Close()
	if _, err := streaming.Open(streaming.Options{Backends: []string{"nosuch"}}); !errors.Is(err, streaming.ErrNotFound) {
		t.Errorf("unknown backend: got %v, want ErrNotFound", err)
	}
	if _, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}, DefaultDevice: 5}); !errors.Is(err, streaming.ErrInvalidDevice) {
		t.Errorf("default device out of range: got %v, want ErrInvalidDevice", err)
	}
	t.Setenv(streaming.EnvCPUDevices, "2")
	t.Setenv(streaming.EnvDeviceOrdinal, "1")
	rt, err = streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	if rt.DeviceCount() != 2 || rt.Default().Ordinal() != 1 {
		t.Errorf("from the environment: %d devices, default %d; want 2 and 1", rt.DeviceCount(), rt.Default().Ordinal())
	}
	rt.Close()
	t.Setenv(streaming.EnvCPUDevices, "many")
	if _, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("bad %s: got %v, want ErrInvalidValue", streaming.EnvCPUDevices, err)
	}
}

func TestCooperativeLaunch(t *testing.T) {
	e := newEnv(t)
	f, err := e.mod.Function("grid_sum")
	if errors.Is(err, streaming.ErrNotFound) {
		// grid_sum, the cooperative test kernel, is in the SHAL C library
		// only (kernels/README.md says why).
		lib, lerr := haltest.CPUKernels()
		if lerr != nil || !slices.Contains(e.dev.HAL().Formats(), hal.FormatCPUELF) {
			t.Skipf("no grid_sum kernel on this backend (%v)", lerr)
		}
		mod, lerr := e.ctx.LoadModuleData(lib)
		if lerr != nil {
			t.Fatal(lerr)
		}
		defer mod.Close()
		f, err = mod.Function("grid_sum")
	}
	if err != nil {
		t.Fatal(err)
	}
	const n, blocks = 100000, 64
	in := e.malloc(t, 4*n)
	part := e.malloc(t, 4*blocks)
	out := e.malloc(t, 4)
	src := seq(n, func(i int) float32 { return float32(i%10) * 0.5 })
	streaming.CopyToDeviceSync(e.ctx, in, src)
	e.ctx.MemsetD32(out, math.Float32bits(float32(math.NaN())), 1)
	s := e.ctx.DefaultStream()
	if err := s.LaunchCooperative(f, streaming.D1(blocks), streaming.D1(128), 128*4, in, part, out, uint32(n)); err != nil {
		t.Fatal(err)
	}
	got := []float32{0}
	streaming.CopyFromDeviceSync(e.ctx, got, out)
	var want float64
	for _, v := range src {
		want += float64(v)
	}
	if !near(got[0], float32(want)) {
		t.Errorf("grid_sum = %v, want %v", got[0], want)
	}
	if err := s.Launch(f, streaming.D1(blocks), streaming.D1(128), 128*4, in, part, out, uint32(n)); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("grid-synchronizing kernel launched normally: got %v, want ErrInvalidValue", err)
	}
}

func packed(t *testing.T, f *streaming.Function, args ...any) []byte {
	t.Helper()
	b, err := streaming.PackArgs(f.Params(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// paramPtrs builds CUDA-style kernelParams: a pointer to each value.
func paramPtrs(vals ...any) []unsafe.Pointer {
	out := make([]unsafe.Pointer, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case uint64:
			out[i] = unsafe.Pointer(&x)
		case uint32:
			out[i] = unsafe.Pointer(&x)
		}
	}
	return out
}
