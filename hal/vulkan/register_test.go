package vulkan

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

func TestRegister(t *testing.T) {
	d := openDevice(t)
	if !d.hostImport {
		if _, err := d.Register(unsafe.Pointer(&[64]byte{}), 64); !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("Register without VK_EXT_external_memory_host: %v, want not supported", err)
		}
		t.Skip("device lacks VK_EXT_external_memory_host")
	}
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	// Memory the Go heap does not own, registered at an unaligned offset.
	mem, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	const n = 1000
	const off = 100
	ra, err := d.Register(unsafe.Pointer(&mem[off]), 4*n)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Host != unsafe.Pointer(&mem[off]) || ra.Size != 4*n || ra.Device == 0 {
		t.Fatalf("registration %+v", ra)
	}
	host := unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
	for i := range host {
		host[i] = float32(i)
	}
	dev := alloc(t, d, hal.MemoryDevice, 4*n)
	poison(t, d, dev.Device, 4*n)
	// Device reads registered memory (copy), a kernel writes it back.
	if err := q.Copy(dev.Device, ra.Device, 4*n); err != nil {
		t.Fatal(err)
	}
	cfg := launch1D(n, 64)
	cfg.Args = (&args{}).ptr(dev.Device).ptr(ra.Device).ptr(ra.Device).u32(n).bytes()
	if err := q.Dispatch(kernelOf(t, x, "vector_add"), cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	for i, v := range host {
		if v != 2*float32(i) {
			t.Fatalf("registered[%d] = %v, want %v", i, v, 2*float32(i))
		}
	}
	got := getFloats(t, d, ra.Device, n) // CopyToHost from registered memory
	if got[7] != 14 {
		t.Errorf("CopyToHost of registered memory: %v", got[7])
	}
	if err := q.Copy(dev.Device, ra.Device+4*n-4, 8); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("copy past the registered range: %v", err)
	}
	if err := d.Free(hal.MemoryRegistered, ra.Device); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Free of registered memory: %v", err)
	}
	if err := d.Unregister(ra); err != nil {
		t.Fatal(err)
	}
	if err := d.Unregister(ra); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("double Unregister: %v", err)
	}
	syncQ(t, q)
}

// TestNoLeaks closes every object one by one and checks the Vulkan object
// counts return to where they started (without relying on device Close).
func TestNoLeaks(t *testing.T) {
	d := openDevice(t)
	before := d.liveObjects()
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	q2 := newQueue(t, d)
	e, _ := d.NewEvent(0)
	a := alloc(t, d, hal.MemoryDevice, 4096)
	h := alloc(t, d, hal.MemoryHost, 4096)
	k := kernelOf(t, x, "vector_add")
	cfg := launch1D(1024, 64)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(h.Device).u32(1024).bytes()
	q.Dispatch(k, cfg)
	q.Fill(a.Device+1, 5, 7, 1)
	q.Record(e)
	q2.Wait(e)
	q2.Copy(h.Device, a.Device, 64)
	q2.HostCall(func() {})
	g, err := d.Instantiate(&hal.Graph{Nodes: []hal.Node{{Kind: hal.NodeKernel, Kernel: k, Launch: cfg}, {Kind: hal.NodeHost, Host: func() {}, Deps: []int{0}}}})
	if err != nil {
		t.Fatal(err)
	}
	q.Execute(g)
	syncQ(t, q)
	syncQ(t, q2)
	closeAll(t, g, e, x, q, q2)
	d.Free(hal.MemoryDevice, a.Device)
	d.Free(hal.MemoryHost, h.Device)
	d.collectGarbage()
	d.flushReaper()
	after := d.liveObjects()
	for kind, n := range after {
		// The fill kernel and staging buffer are device-lifetime objects.
		if n != before[kind] && kind != "pipeline" && kind != "pipeline layout" && kind != "shader module" {
			t.Errorf("%s: %d live before, %d after closing everything", kind, before[kind], n)
		}
	}
	if d := after["pipeline"] - before["pipeline"]; d > 1 {
		t.Errorf("%d pipelines left (only the built-in fill kernel may stay)", d)
	}
}
