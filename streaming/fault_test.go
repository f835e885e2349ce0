package streaming_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// cpuOnly skips tests of the CPU backend's fault containment on other
// backends.
func cpuOnly(t *testing.T) {
	if backend() != "cpu" {
		t.Skipf("CPU backend behaviour; testing %s", backend())
	}
}

// faultEnv is a runtime with the test kernels and the fault kernels loaded
// in the default device's primary context.
type faultEnv struct {
	rt          *streaming.Runtime
	dev         *streaming.Device
	ctx         *streaming.Context
	tk, faults  *streaming.Module
	vectorAdd   *streaming.Function
	reduceSum   *streaming.Function
	poke, fill  *streaming.Function
	spin        *streaming.Function
	blockSum    *streaming.Function
	blockSumUnd *streaming.Function
	spare       streaming.DevicePtr // allocated before a fault, used by checkSticky
}

func newFaultEnv(t *testing.T, opts streaming.Options) *faultEnv {
	t.Helper()
	opts.Backends = []string{"cpu"}
	rt, err := streaming.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &faultEnv{rt: rt, dev: rt.Default()}
	if e.ctx, err = e.dev.PrimaryContext(); err != nil {
		t.Fatal(err)
	}
	e.load(t, e.ctx)
	return e
}

// load loads both modules into c and looks the kernels up.
func (e *faultEnv) load(t *testing.T, c *streaming.Context) {
	t.Helper()
	tk, err := haltest.CPUKernels()
	if err != nil {
		t.Fatal(err)
	}
	fk, err := haltest.FaultKernels()
	if err != nil {
		t.Fatal(err)
	}
	if e.tk, err = c.LoadModuleData(tk); err != nil {
		t.Fatal(err)
	}
	if e.faults, err = c.LoadModuleData(fk); err != nil {
		t.Fatal(err)
	}
	fn := func(m *streaming.Module, name string) *streaming.Function {
		f, err := m.Function(name)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	e.vectorAdd, e.reduceSum = fn(e.tk, "vector_add"), fn(e.tk, "reduce_sum")
	e.poke, e.fill, e.spin = fn(e.faults, "poke"), fn(e.faults, "fill_u32"), fn(e.faults, "spin_forever")
	e.blockSum, e.blockSumUnd = fn(e.faults, "block_sum"), fn(e.faults, "block_sum_undeclared")
	if e.spare, err = c.Malloc(256); err != nil {
		t.Fatal(err)
	}
}

// vectorAddWorks runs vector_add in c and checks the result against a Go
// loop.
func (e *faultEnv) vectorAddWorks(t *testing.T, c *streaming.Context, f *streaming.Function) {
	t.Helper()
	const n = 3000
	a, b := seq(n, func(i int) float32 { return float32(i) }), seq(n, func(i int) float32 { return float32(2 * i) })
	got := poisoned(n)
	var ps [3]streaming.DevicePtr
	for i := range ps {
		p, err := c.Malloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = p
		defer c.Free(p)
	}
	s := c.DefaultStream()
	must(t, streaming.CopyToDevice(s, ps[0], a))
	must(t, streaming.CopyToDevice(s, ps[1], b))
	must(t, s.Launch(f, streaming.D1((n+255)/256), streaming.D1(256), 0, ps[0], ps[1], ps[2], uint32(n)))
	must(t, streaming.CopyFromDevice(s, got, ps[2]))
	must(t, s.Synchronize(context.Background()))
	for i := range got {
		if got[i] != a[i]+b[i] {
			t.Fatalf("c[%d] = %v, want %v", i, got[i], a[i]+b[i])
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantFault checks err is a kernel fault of kernel wrapping
// ErrIllegalAddress whose text says every one of parts.
func wantFault(t *testing.T, err error, kernel string, parts ...string) {
	t.Helper()
	var f *streaming.KernelFault
	if !errors.Is(err, streaming.ErrIllegalAddress) || !errors.As(err, &f) || f.Kernel != kernel {
		t.Fatalf("got %v, want a KernelFault of %s wrapping ErrIllegalAddress", err, kernel)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%q does not say %q", err, p)
		}
	}
}

// checkSticky checks that every kind of call on c now fails with the
// fault, and that a new context on the same device works.
func (e *faultEnv) checkSticky(t *testing.T, c *streaming.Context) {
	t.Helper()
	sticky := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, streaming.ErrIllegalAddress) || !strings.Contains(fmt.Sprint(err), "unusable after a kernel fault") {
			t.Errorf("%s on the faulted context: %v, want the sticky ErrIllegalAddress", what, err)
		}
	}
	_, err := c.Malloc(64)
	sticky("Malloc", err)
	s := c.DefaultStream()
	sticky("Launch", s.Launch(e.vectorAdd, streaming.D1(1), streaming.D1(1), 0, streaming.DevicePtr(0), streaming.DevicePtr(0), streaming.DevicePtr(0), uint32(0)))
	if e.spare != 0 {
		sticky("MemcpyHtoD", c.MemcpyHtoD(e.spare, []byte{1}))
		sticky("MemsetD32Async", s.MemsetD32Async(e.spare, 1, 1))
		must(t, c.Free(e.spare)) // freeing still works
		e.spare = 0
	}
	sticky("stream Synchronize", s.Synchronize(context.Background()))
	sticky("stream Query", s.Query())
	sticky("context Synchronize", c.Synchronize(context.Background()))
	_, err = c.NewStream(0, 0)
	sticky("NewStream", err)

	// Another context on the same device is not affected.
	c2, err := e.dev.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	e2 := &faultEnv{dev: e.dev}
	e2.load(t, c2)
	e2.vectorAddWorks(t, c2, e2.vectorAdd)
	must(t, c2.Close())
}

// launchFault launches f on the primary context's default stream and
// returns what Synchronize reports.
func (e *faultEnv) launchFault(t *testing.T, f *streaming.Function, grid, block streaming.Dim3, shared uint32, args ...any) error {
	t.Helper()
	s := e.ctx.DefaultStream()
	if err := s.Launch(f, grid, block, shared, args...); err != nil {
		t.Fatalf("launch %s: %v", f.Name(), err)
	}
	return s.Synchronize(context.Background())
}

// resetWorks resets the primary context and checks it is usable again.
func (e *faultEnv) resetWorks(t *testing.T) {
	t.Helper()
	must(t, e.dev.PrimaryContextReset())
	e.load(t, e.ctx)
	e.vectorAddWorks(t, e.ctx, e.vectorAdd)
}

func (e *faultEnv) close(t *testing.T) {
	t.Helper()
	must(t, e.dev.PrimaryContextRelease())
	must(t, e.rt.Close())
}

// TestFaultNullPointerArgument: vector_add given a null output pointer.
func TestFaultNullPointerArgument(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newFaultEnv(t, streaming.Options{})
		a, err := e.ctx.Malloc(4 * 1024)
		must(t, err)
		err = e.launchFault(t, e.vectorAdd, streaming.D1(4), streaming.D1(256), 0, a, a, streaming.DevicePtr(0), uint32(1024))
		wantFault(t, err, "vector_add", "SIGSEGV", "a null pointer", "block (")
		t.Logf("%v", err)
		e.checkSticky(t, e.ctx)
		must(t, e.ctx.Free(a)) // freeing still works
		e.resetWorks(t)
		e.close(t)
	})
}

// TestFaultWildAddress: a kernel that computes a made-up address (an
// integer argument the runtime cannot check).
func TestFaultWildAddress(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newFaultEnv(t, streaming.Options{})
		err := e.launchFault(t, e.poke, streaming.D2(4, 4), streaming.D1(8), 0, uint64(0xdeadbeef000), uint32(1), uint32(9))
		wantFault(t, err, "poke", "block (1,2,0)", "SIGSEGV at address 0xdeadbeef000")
		t.Logf("%v", err)
		e.checkSticky(t, e.ctx)
		e.resetWorks(t)
		e.close(t)
	})
}

// TestFaultPastTheEnd: a write just past the end of a buffer, caught in
// memory-checking mode, naming the allocation and by how much it missed.
func TestFaultPastTheEnd(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newFaultEnv(t, streaming.Options{CPUMemcheck: true})
		const n = 1024
		p, err := e.ctx.Malloc(4 * n)
		must(t, err)
		err = e.launchFault(t, e.fill, streaming.D1(5), streaming.D1(256), 0, p, uint32(3), uint32(n+1))
		want := fmt.Sprintf("offset 4096 of the 4096-byte allocation at %#x: past the end by 1 bytes", uint64(p))
		wantFault(t, err, "fill_u32", "block (4,0,0)", want)
		t.Logf("%v", err)
		e.checkSticky(t, e.ctx)
		e.resetWorks(t)
		// Use after free, named with where it was freed. (A freed pointer
		// in a pointer parameter is refused at launch; poke's address is an
		// integer the runtime cannot check.)
		q, err := e.ctx.Malloc(4 * n)
		must(t, err)
		must(t, e.ctx.Free(q))
		err = e.launchFault(t, e.poke, streaming.D1(1), streaming.D1(1), 0, uint64(q), uint32(3), uint32(0))
		wantFault(t, err, "poke", "use after free", "freed at", "fault_test.go")
		t.Logf("%v", err)
		e.close(t)
	})
}

// TestFaultTooLittleSharedMemory: reduce_sum launched with fewer bytes of
// dynamic shared memory than its blocks use.
func TestFaultTooLittleSharedMemory(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newFaultEnv(t, streaming.Options{})
		const n, bs = 4096, 256
		in, err := e.ctx.Malloc(4 * n)
		must(t, err)
		out, err := e.ctx.Malloc(4 * n / bs)
		must(t, err)
		err = e.launchFault(t, e.reduceSum, streaming.D1(n/bs), streaming.D1(bs), 64, in, out, uint32(n))
		wantFault(t, err, "reduce_sum", "offset 64 of the launch's 64 bytes of dynamic shared memory: past the end by 1 bytes")
		t.Logf("%v", err)
		e.checkSticky(t, e.ctx)
		e.resetWorks(t)
		e.close(t)
	})
}

// TestFaultTooManyThreads: a kernel whose static shared array holds 256
// threads' values: declared with SHAL_ENTRY_MAX_THREADS, a larger block is
// refused at launch; undeclared, it overruns its array and faults.
func TestFaultTooManyThreads(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newFaultEnv(t, streaming.Options{})
		if got := e.blockSum.Attributes().MaxThreadsPerBlock; got != 256 {
			t.Errorf("block_sum MaxThreadsPerBlock = %d, want 256", got)
		}
		const threads = 1024
		in, err := e.ctx.Malloc(4 * threads)
		must(t, err)
		must(t, streaming.CopyToDeviceSync(e.ctx, in, seq(threads, func(int) float32 { return 1 })))
		out, err := e.ctx.Malloc(16)
		must(t, err)
		s := e.ctx.DefaultStream()
		if err := s.Launch(e.blockSum, streaming.D1(1), streaming.D1(threads), 0, in, out); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("block_sum with %d threads: %v, want ErrInvalidValue", threads, err)
		}
		err = e.launchFault(t, e.blockSumUnd, streaming.D1(1), streaming.D1(threads), 0, in, out)
		wantFault(t, err, "block_sum_undeclared", "block (0,0,0)")
		t.Logf("%v", err)
		e.checkSticky(t, e.ctx)
		e.resetWorks(t)
		e.close(t)
	})
}

// TestCloseStuckKernelBounded: Runtime.Close with a kernel that never ends
// returns after the close timeout, naming the kernel and the device and
// what is kept; the process goes on.
func TestCloseStuckKernelBounded(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		const timeout = 400 * time.Millisecond
		e := newFaultEnv(t, streaming.Options{CloseTimeout: timeout, CPUDevices: 2})
		flag, err := e.ctx.MallocHost(8, 0)
		must(t, err)
		words := streaming.HostSlice[uint32](flag)
		clear(words) // page-locked memory is not zeroed, as on CUDA
		s, err := e.ctx.NewStream(streaming.StreamNonBlocking, 0)
		must(t, err)
		must(t, s.Launch(e.spin, streaming.D1(1), streaming.D1(1), 0, flag.DevicePtr(), flag.DevicePtr()+4))
		// A second context, on the other device, with a kernel that never
		// ends either: Close gives both up in one timeout.
		d1, err := e.rt.Device(1)
		must(t, err)
		c1, err := d1.NewContext(0)
		must(t, err)
		e1 := &faultEnv{dev: d1}
		e1.load(t, c1)
		must(t, c1.DefaultStream().Launch(e1.spin, streaming.D1(1), streaming.D1(1), 0, flag.DevicePtr(), flag.DevicePtr()+4))

		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err = s.Synchronize(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "spin_forever") {
			t.Errorf("Synchronize with a deadline: %v, want DeadlineExceeded naming spin_forever", err)
		}
		start := time.Now()
		err = e.rt.Close()
		el := time.Since(start)
		t.Logf("Runtime.Close after %v: %v", el, err)
		if el > timeout+3*time.Second {
			t.Errorf("Runtime.Close took %v with a %v close timeout", el, timeout)
		}
		if !errors.Is(err, streaming.ErrTimeout) {
			t.Fatalf("Runtime.Close: %v, want ErrTimeout", err)
		}
		for _, w := range []string{"spin_forever", "device 0", "device 1", "kept allocated"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Runtime.Close error does not say %q", w)
			}
		}
		// Let the kernels end; the process goes on.
		(*atomic.Uint32)(unsafe.Pointer(&words[0])).Store(1)
		deadline := time.Now().Add(5 * time.Second)
		for (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load() != 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if v := (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load(); v != 2 {
			t.Errorf("released kernel wrote %d, want 2", v)
		}
	})
}

// TestContextCloseStuckKernel: Context.Close gives up on its own stuck
// kernel and keeps its memory; the primary context of the same device
// keeps working.
func TestContextCloseStuckKernel(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		const timeout = 300 * time.Millisecond
		e := newFaultEnv(t, streaming.Options{CloseTimeout: timeout})
		c, err := e.dev.NewContext(0)
		must(t, err)
		ec := &faultEnv{dev: e.dev}
		ec.load(t, c)
		flag, err := c.MallocHost(8, 0)
		must(t, err)
		words := streaming.HostSlice[uint32](flag)
		clear(words) // page-locked memory is not zeroed, as on CUDA
		must(t, c.DefaultStream().Launch(ec.spin, streaming.D1(1), streaming.D1(1), 0, flag.DevicePtr(), flag.DevicePtr()+4))
		start := time.Now()
		err = c.Close()
		t.Logf("Context.Close after %v: %v", time.Since(start), err)
		if !errors.Is(err, streaming.ErrTimeout) || !strings.Contains(err.Error(), "spin_forever") || !strings.Contains(err.Error(), "kept allocated") {
			t.Errorf("Context.Close: %v, want ErrTimeout naming spin_forever and what is kept", err)
		}
		if el := time.Since(start); el > timeout+2*time.Second {
			t.Errorf("Context.Close took %v", el)
		}
		if words[0] != 0 {
			t.Error("flag memory changed")
		}
		// Everything else works, over every worker.
		for i := 0; i < 5; i++ {
			e.vectorAddWorks(t, e.ctx, e.vectorAdd)
		}
		// Once the kernel is let go and ends, the runtime closes cleanly.
		(*atomic.Uint32)(unsafe.Pointer(&words[0])).Store(1)
		deadline := time.Now().Add(5 * time.Second)
		for (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load() != 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		e.close(t)
	})
}

// TestMemoryBudgetThroughAPI: MemGetInfo's free memory follows Malloc and
// Free, and an allocation beyond the budget is ErrOutOfMemory.
func TestMemoryBudgetThroughAPI(t *testing.T) {
	cpuOnly(t)
	rt := openRuntime(t, streaming.Options{CPUMemory: 256 << 20})
	defer rt.Close()
	ctx, err := rt.Default().PrimaryContext()
	must(t, err)
	defer rt.Default().PrimaryContextRelease()
	free0, total, err := ctx.MemGetInfo()
	must(t, err)
	if total != 256<<20 || rt.Default().TotalMemory() != 256<<20 {
		t.Errorf("total %d, TotalMemory %d; want the budget %d", total, rt.Default().TotalMemory(), 256<<20)
	}
	var ps []streaming.DevicePtr
	for i := 0; ; i++ {
		p, err := ctx.Malloc(64 << 20)
		if err != nil {
			if !errors.Is(err, streaming.ErrOutOfMemory) || i != 4 {
				t.Fatalf("Malloc %d of 64 MiB: %v, want ErrOutOfMemory at the 5th", i, err)
			}
			break
		}
		ps = append(ps, p)
		free, _, err := ctx.MemGetInfo()
		must(t, err)
		if want := free0 - uint64(i+1)*64<<20; free != want {
			t.Errorf("free after %d allocations = %d, want %d", i+1, free, want)
		}
	}
	for _, p := range ps {
		must(t, ctx.Free(p))
	}
	if free, _, _ := ctx.MemGetInfo(); free != free0 {
		t.Errorf("free after the frees = %d, want %d", free, free0)
	}
}

// TestMemGetInfoAfterClose: MemGetInfo on a closed runtime fails like the
// other calls (it used to succeed on the CPU), with the error every call
// after Runtime.Close has.
func TestMemGetInfoAfterClose(t *testing.T) {
	rt := openRuntime(t, streaming.Options{})
	d := rt.Default()
	must(t, rt.Close())
	if _, _, err := d.MemGetInfo(); !errors.Is(err, streaming.ErrDeinitialized) {
		t.Errorf("MemGetInfo after Close: %v, want ErrDeinitialized", err)
	}
}

// TestPCIBusIDRoundTrip: every device has a distinct PCI bus id, and
// DeviceByPCIBusID finds each device by its own.
func TestPCIBusIDRoundTrip(t *testing.T) {
	rt := openRuntime(t, streaming.Options{CPUDevices: 3})
	defer rt.Close()
	seen := map[string]int{}
	for _, d := range rt.Devices() {
		id := d.PCIBusID()
		if o, dup := seen[id]; dup {
			t.Errorf("devices %d and %d both at %s", o, d.Ordinal(), id)
		}
		seen[id] = d.Ordinal()
		got, err := rt.DeviceByPCIBusID(id)
		if err != nil || got != d {
			t.Errorf("DeviceByPCIBusID(%q) = %v, %v; want device %d", id, got, err, d.Ordinal())
		}
		if d.Backend() == "cpu" {
			if major, minor := d.ComputeCapability(); major != 8 || minor != 0 {
				t.Errorf("CPU device %d: compute capability %d.%d, want 8.0", d.Ordinal(), major, minor)
			}
		}
	}
}

// TestCloseStuckKernelEveryBackend: on the backend under test, a kernel
// that never ends does not make Runtime.Close hang: it returns after the
// close timeout (twice the timeout at most: the drivers' own waits share
// it), with an error naming the kernel and the device. The kernel is let
// go afterwards through its flag in page-locked host memory.
func TestCloseStuckKernelEveryBackend(t *testing.T) {
	if !haltest.IsSubprocess(t) {
		openRuntime(t, streaming.Options{}).Close() // skips without the backend
	}
	haltest.InSubprocess(t, func(t *testing.T) {
		const timeout = time.Second
		rt := openRuntime(t, streaming.Options{CloseTimeout: timeout})
		dev := rt.Default()
		ctx, err := dev.PrimaryContext()
		must(t, err)
		_, data, err := haltest.SpinModule(dev.HAL())
		if err != nil {
			t.Skipf("no spin_forever module for %s: %v", dev.Name(), err)
		}
		mod, err := ctx.LoadModuleData(data)
		must(t, err)
		spin, err := mod.Function("spin_forever")
		must(t, err)
		flag, err := ctx.MallocHost(16, 0)
		must(t, err)
		words := streaming.HostSlice[uint32](flag)
		clear(words)
		s, err := ctx.NewStream(streaming.StreamNonBlocking, 0)
		must(t, err)
		must(t, s.Launch(spin, streaming.D1(1), streaming.D1(1), 0, flag.DevicePtr(), flag.DevicePtr()+4))
		// Give the kernel time to start.
		time.Sleep(100 * time.Millisecond)
		if (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load() != 0 || s.Query() == nil {
			// llvmpipe ends a shader's loops after 65535 iterations in all
			// (the PTX translation's loop ends without its store).
			t.Skipf("spin_forever ended by itself on %s: this device cannot run a kernel forever", dev.Name())
		}
		start := time.Now()
		err = rt.Close()
		el := time.Since(start)
		t.Logf("Runtime.Close on %s after %v: %v", dev.Name(), el, err)
		if err == nil && (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load() != 0 {
			// The 100 ms above were not enough for llvmpipe's loop guard
			// to end it (a loaded machine): it ended during Close.
			t.Skipf("spin_forever ended by itself on %s during Close: this device cannot run a kernel forever", dev.Name())
		}
		if el > 2*timeout+5*time.Second {
			t.Errorf("Runtime.Close took %v with a %v close timeout", el, timeout)
		}
		if !errors.Is(err, streaming.ErrTimeout) || !strings.Contains(err.Error(), "spin_forever") || !strings.Contains(err.Error(), "device 0") {
			t.Errorf("Runtime.Close: %v, want ErrTimeout naming spin_forever and device 0", err)
		}
		(*atomic.Uint32)(unsafe.Pointer(&words[0])).Store(1)
		deadline := time.Now().Add(10 * time.Second)
		for (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load() != 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if v := (*atomic.Uint32)(unsafe.Pointer(&words[1])).Load(); v != 2 {
			if dev.HAL().Info().Driver == "vulkan" {
				// Vulkan makes host writes visible to the device only
				// through a later submission (a host-to-device memory
				// dependency), never to a dispatch already running:
				// NVIDIA's driver never shows the flag to the spinning
				// kernel (lavapipe does). Close itself was checked above.
				t.Logf("the released kernel wrote %d on %s: Vulkan does not promise a running dispatch sees later host writes", v, dev.Name())
			} else {
				t.Errorf("the released kernel wrote %d, want 2", v)
			}
		}
	})
}

// TestHostRegisterBeyondBuffer: a 4 KiB Go slice registered as 1 TiB is
// refused, naming the range (it used to be accepted, and a memset through
// it crashed the process in shal_cpu_fill); registered at its own size, a
// memset through it lands in the slice.
func TestHostRegisterBeyondBuffer(t *testing.T) {
	cpuOnly(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		ctx, err := rt.Default().PrimaryContext()
		must(t, err)
		defer rt.Default().PrimaryContextRelease()
		buf := make([]byte, 4096)
		p := unsafe.Pointer(&buf[0])
		err = ctx.HostRegister(p, 1<<40, 0)
		if !errors.Is(err, streaming.ErrInvalidValue) || !strings.Contains(err.Error(), "not mapped") && !strings.Contains(err.Error(), "without read access") {
			t.Fatalf("HostRegister of a 4 KiB slice as 1 TiB: %v, want ErrInvalidValue naming the unmapped range", err)
		}
		t.Logf("%v", err)
		must(t, ctx.HostRegister(p, uint64(len(buf)), 0))
		dp, err := ctx.HostDevicePointer(p)
		must(t, err)
		must(t, ctx.MemsetD8(dp, 0x5a, uint64(len(buf))))
		for i, b := range buf {
			if b != 0x5a {
				t.Fatalf("byte %d = %#x after the memset, want 0x5a", i, b)
			}
		}
		must(t, ctx.HostUnregister(p))
	})
}
