package streaming_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamhal/streamhal/streaming"
)

// TestCrossContextMisuse follows CUDA where one context's object meets
// another context's: a function of context 1 launched on a stream of
// context 2 is ErrInvalidHandle (CUDA_ERROR_INVALID_HANDLE), as is an
// event of context 1 recorded on context 2's stream (cuEventRecord: "must
// be from the same context"); a stream of context 2 may wait for an event
// of context 1 (cuStreamWaitEvent: "may be from a different context"), and
// a Free in context 1 frees context 2's memory by its address (cuMemFree
// under unified addressing).
func TestCrossContextMisuse(t *testing.T) {
	e := newEnv(t)
	c2, err := e.dev.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	f := e.fn(t, "vector_add")
	const n = 64
	d := e.malloc(t, 4*n)
	s2 := c2.DefaultStream()
	cfg := streaming.LaunchConfig{Grid: streaming.D1(1), Block: streaming.D1(n)}
	if err := s2.Launch(f, cfg.Grid, cfg.Block, 0, d, d, d, uint32(n)); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("Launch of context 1's function on context 2's stream: got %v, want ErrInvalidHandle", err)
	}
	if err := s2.LaunchPacked(f, cfg, packed(t, f, d, d, d, uint32(n))); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("LaunchPacked of context 1's function on context 2's stream: got %v, want ErrInvalidHandle", err)
	}
	g := streaming.NewGraph()
	if _, err := g.AddKernelNode(nil, f, cfg, d, d, d, uint32(n)); err != nil {
		t.Fatal(err)
	}
	if x, err := c2.Instantiate(g); err == nil {
		x.Close()
		t.Error("Instantiate in context 2 of a graph with context 1's kernel succeeded")
	}

	ev, err := e.ctx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	if err := ev.Record(s2); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("Record of context 1's event on context 2's stream: got %v, want ErrInvalidHandle", err)
	}

	// Context 2's stream waits for context 1's event, and the wait
	// orders: the host function after the wait sees the one before the
	// record.
	release := make(chan struct{})
	var flag, seen atomic.Int32
	s1 := e.ctx.DefaultStream()
	if err := s1.LaunchHostFunc(func() { <-release; flag.Store(1) }); err != nil {
		t.Fatal(err)
	}
	if err := ev.Record(s1); err != nil {
		t.Fatal(err)
	}
	if err := s2.WaitEvent(ev); err != nil {
		t.Fatalf("context 2's stream waiting for context 1's event: %v", err)
	}
	if err := s2.LaunchHostFunc(func() { seen.Store(flag.Load()) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	close(release)
	if err := s2.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen.Load() != 1 {
		t.Error("the work after WaitEvent ran before the event's work")
	}
	syncStream(t, s1)

	// Free by address, from either context.
	p2, err := c2.Malloc(256)
	if err != nil {
		t.Fatal(err)
	}
	if attr, err := e.ctx.PointerAttributes(p2); err != nil || attr.Context != c2 {
		t.Fatalf("PointerAttributes of context 2's memory: %+v, %v", attr, err)
	}
	if err := e.ctx.Free(p2); err != nil {
		t.Errorf("context 1 freeing context 2's memory: %v", err)
	}
	if err := c2.Free(p2); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("second free: got %v, want ErrInvalidValue", err)
	}
	// Free through a destroyed context is refused.
	c3, err := e.dev.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	p3, err := c2.Malloc(64)
	if err != nil {
		t.Fatal(err)
	}
	c3.Close()
	if err := c3.Free(p3); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Free through a destroyed context: got %v, want ErrInvalidContext", err)
	}
	if err := c2.Free(p3); err != nil {
		t.Error(err)
	}
}

// TestPeerMemoryInKernels gives a kernel of device 0 memory of device 1:
// ErrInvalidValue until device 0 has peer access to device 1 (in CUDA the
// kernel would fault), then the kernel runs on it; page-locked host memory
// of device 1 is usable from device 0 without peer access, as under CUDA's
// unified addressing.
func TestPeerMemoryInKernels(t *testing.T) {
	opts := streaming.Options{}
	if backend() == "cpu" {
		opts.CPUDevices = 2
	}
	rt := openRuntime(t, opts)
	defer rt.Close()
	devs := rt.Devices()
	if len(devs) < 2 || !devs[0].CanAccessPeer(devs[1]) {
		t.Skipf("needs two devices with peer capability (%d devices of %s)", len(devs), backend())
	}
	c0, err := devs[0].NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Close()
	c1, err := devs[1].NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	_, f := loadFunction(t, c0, "vector_add")
	const n = 256
	in := seq(n, func(i int) float32 { return float32(i) * 0.5 })
	a1, err := c1.Malloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Free(a1)
	if err := streaming.CopyToDeviceSync(c1, a1, in); err != nil {
		t.Fatal(err)
	}
	out, err := c0.Malloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	defer c0.Free(out)
	s := c0.DefaultStream()
	launch := func(p streaming.DevicePtr) error {
		return s.Launch(f, streaming.D1(1), streaming.D1(n), 0, p, p, out, uint32(n))
	}
	if err := launch(a1); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Fatalf("device 0 kernel on device 1 memory without peer access: got %v, want ErrInvalidValue", err)
	}
	g := streaming.NewGraph()
	if _, err := g.AddKernelNode(nil, f, streaming.LaunchConfig{Grid: streaming.D1(1), Block: streaming.D1(n)}, a1, a1, out, uint32(n)); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("graph kernel node of device 0 on device 1 memory without peer access: got %v, want ErrInvalidValue", err)
	}
	h1, err := c1.MallocHost(4*n, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Free()
	copy(streaming.HostSlice[float32](h1), in)
	check := func(what string) {
		t.Helper()
		got := poisoned(n)
		if err := streaming.CopyFromDevice(s, got, out); err != nil {
			t.Fatal(err)
		}
		syncStream(t, s)
		for i := range got {
			if got[i] != 2*in[i] {
				t.Fatalf("%s: out[%d] = %v, want %v", what, i, got[i], 2*in[i])
			}
		}
	}
	if err := launch(h1.DevicePtr()); err != nil {
		t.Fatalf("device 0 kernel on device 1's page-locked host memory: %v", err)
	}
	check("host memory of device 1")
	if err := devs[0].EnablePeerAccess(devs[1]); err != nil {
		t.Fatal(err)
	}
	if err := launch(a1); err != nil {
		t.Fatalf("after EnablePeerAccess: %v", err)
	}
	check("device 1 memory with peer access")
	if err := devs[0].DisablePeerAccess(devs[1]); err != nil {
		t.Fatal(err)
	}
	if err := launch(a1); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("after DisablePeerAccess: got %v, want ErrInvalidValue", err)
	}
}
