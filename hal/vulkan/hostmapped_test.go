//go:build cgo

package vulkan

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// TestHostMapped: HostMapped says yes exactly for ranges inside one mapped
// allocation, and no under forced staging, for unknown addresses and for
// ranges that run past an allocation.
func TestHostMapped(t *testing.T) {
	d := openDevice(t)
	var _ hal.HostMappedCopier = d
	a := alloc(t, d, hal.MemoryDevice, 1<<16)
	ra, _, err := d.resolve("test", a.Device, 1)
	if err != nil {
		t.Fatal(err)
	}
	mapped := ra.mapped != nil
	t.Logf("device memory mapped: %v", mapped)
	if got := d.HostMapped(a.Device+8, 1<<15); got != mapped {
		t.Errorf("HostMapped inside the allocation = %v, want %v", got, mapped)
	}
	if d.HostMapped(a.Device, 1<<16+1) {
		t.Error("HostMapped of a range past the allocation's end = true")
	}
	if d.HostMapped(12345, 1) {
		t.Error("HostMapped of a wild address = true")
	}
	h := alloc(t, d, hal.MemoryHost, 4096)
	if !d.HostMapped(h.Device, 4096) {
		t.Error("HostMapped of host memory = false")
	}
	d.forceStaging = true
	if d.HostMapped(h.Device, 4096) {
		t.Error("HostMapped under forced staging = true")
	}
	d.forceStaging = false
}

// TestHostMemcpy: both sides of memcpyMin copy every byte and nothing
// more, and Go memory that holds Go pointers passes (cgo's pointer checks
// would refuse it as a pointer argument).
func TestHostMemcpy(t *testing.T) {
	for _, n := range []int{0, 1, memcpyMin - 1, memcpyMin, 3*memcpyMin + 5} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*13 + 1)
		}
		dst := make([]byte, n+2)
		for i := range dst {
			dst[i] = 0xEE
		}
		if n > 0 {
			hostMemcpy(unsafePtr(&dst[1]), unsafePtr(&src[0]), uint64(n))
		}
		if dst[0] != 0xEE || dst[n+1] != 0xEE || string(dst[1:n+1]) != string(src) {
			t.Errorf("hostMemcpy of %d bytes: wrong bytes", n)
		}
	}
	x := 7
	ptrs := make([]*int, memcpyMin)
	for i := range ptrs {
		ptrs[i] = &x
	}
	out := make([]*int, len(ptrs))
	hostMemcpy(unsafePtr(&out[0]), unsafePtr(&ptrs[0]), uint64(len(ptrs))*8)
	if out[len(out)-1] != &x {
		t.Error("hostMemcpy of Go pointers: wrong result")
	}
}

func unsafePtr[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }
