//go:build cgo

package vulkan

/*
#include <stdint.h>
#include <string.h>
#include "shim.h"

// shal_host_memcpy takes the addresses as integers: Go memory passed here
// may hold Go pointers (a slice of any element type), which cgo's checks
// would refuse as a pointer argument; the caller keeps it alive.
static void shal_host_memcpy(uintptr_t dst, uintptr_t src, size_t n) {
	memcpy((void*)dst, (const void*)src, n);
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// allocation is one VkBuffer bound to its own VkDeviceMemory. Its buffer
// device address range [base, base+size) is what kernels and queue
// operations see.
type allocation struct {
	base, size uint64 // the device address range handed out
	bufOff     uint64 // offset of base inside the VkBuffer (Register aligns down)
	kind       hal.MemoryKind
	buffer     C.VkBuffer
	memory     C.VkDeviceMemory
	mapped     unsafe.Pointer // host view of base; nil when not host-visible
	unmap      bool           // mapped by vkMapMemory (not the caller's memory)
	local      bool           // device-local memory type
	allocBytes uint64
	memoryType uint32

	// Interprocess sharing (ipc.go). exportable: allocated as opaque-fd
	// memory; export: the fd handed to importers once exported (d.ipcMu).
	// imported: memory opened from another process (CloseMemory frees it).
	exportable bool
	export     *exportEntry
	imported   bool
}

// addrTable maps any address inside an allocation to it, in O(log n).
type addrTable struct {
	mu   sync.RWMutex
	list []*allocation // sorted by base
}

func (t *addrTable) insert(a *allocation) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := sort.Search(len(t.list), func(i int) bool { return t.list[i].base >= a.base })
	t.list = append(t.list, nil)
	copy(t.list[i+1:], t.list[i:])
	t.list[i] = a
}

// removeUser removes the allocation whose handed-out address is user.
func (t *addrTable) removeUser(user uint64, kind hal.MemoryKind) (*allocation, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := t.indexLocked(user)
	if i < 0 || t.list[i].base != user {
		return nil, fmt.Errorf("hal/vulkan: free %#x: not the start of an allocation of this device: %w", user, hal.ErrInvalidValue)
	}
	a := t.list[i]
	if a.kind != kind {
		return nil, fmt.Errorf("hal/vulkan: free %#x: allocation is %v memory, not %v: %w", user, a.kind, kind, hal.ErrInvalidValue)
	}
	if a.imported {
		return nil, fmt.Errorf("hal/vulkan: free %#x: memory opened from another process is released with CloseMemory: %w", user, hal.ErrInvalidValue)
	}
	t.list = append(t.list[:i], t.list[i+1:]...)
	return a, nil
}

// removeImported removes the memory ImportMemory mapped at addr.
func (t *addrTable) removeImported(addr uint64) (*allocation, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := t.indexLocked(addr)
	if i < 0 || t.list[i].base != addr || !t.list[i].imported {
		return nil, false
	}
	a := t.list[i]
	t.list = append(t.list[:i], t.list[i+1:]...)
	return a, true
}

func (t *addrTable) indexLocked(addr uint64) int {
	i := sort.Search(len(t.list), func(i int) bool { return t.list[i].base > addr }) - 1
	if i < 0 || addr-t.list[i].base >= t.list[i].size {
		return -1
	}
	return i
}

// find resolves [addr, addr+n) to the allocation holding all of it and the
// offset of addr from the allocation's base.
func (t *addrTable) find(addr, n uint64) (*allocation, uint64, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i := t.indexLocked(addr)
	if i < 0 {
		return nil, 0, false
	}
	a := t.list[i]
	off := addr - a.base
	if n > a.size-off {
		return nil, 0, false
	}
	return a, off, true
}

func (t *addrTable) all() []*allocation {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]*allocation(nil), t.list...)
}

func (t *addrTable) reset() {
	t.mu.Lock()
	t.list = nil
	t.mu.Unlock()
}

// resolve maps a device range to its allocation and the offset inside the
// allocation's VkBuffer, or an invalid-value error naming what.
func (d *device) resolve(what string, addr, n uint64) (*allocation, uint64, error) {
	a, off, ok := d.allocs.find(addr, n)
	if !ok {
		return nil, 0, fmt.Errorf("hal/vulkan: %s: range [%#x, +%d) is not inside one allocation of device %d: %w", what, addr, n, d.ordinal, hal.ErrInvalidValue)
	}
	return a, off + a.bufOff, nil
}

// Allocate creates a buffer with a device address.
func (d *device) Allocate(kind hal.MemoryKind, size uint64) (hal.Allocation, error) {
	if d.isClosed() {
		return hal.Allocation{}, errClosedDevice
	}
	var cands []uint32
	switch kind {
	case hal.MemoryDevice:
		cands = d.candDevice
	case hal.MemoryHost:
		cands = d.candHost
	case hal.MemoryManaged:
		cands = d.candManaged
	default:
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: allocate %d bytes: memory kind %v cannot be allocated: %w", size, kind, hal.ErrInvalidValue)
	}
	if size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: allocate 0 bytes of %v memory: %w", kind, hal.ErrInvalidValue)
	}
	if len(cands) == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: allocate %d bytes: device %d has no memory type for %v memory: %w", size, d.ordinal, kind, hal.ErrNotSupported)
	}
	d.collectGarbage()
	a, err := d.allocateOpts(kind, size, cands, allocOpts{exportable: kind == hal.MemoryDevice && d.ipcMemory})
	if err != nil {
		return hal.Allocation{}, err
	}
	d.allocs.insert(a)
	out := hal.Allocation{Device: a.base, Size: size}
	if kind != hal.MemoryDevice {
		out.Host = a.mapped
	}
	return out, nil
}

func (d *device) allocate(kind hal.MemoryKind, size uint64, cands []uint32, importHost uintptr) (*allocation, error) {
	return d.allocateOpts(kind, size, cands, allocOpts{importHost: importHost})
}

// allocOpts are allocate's options beyond the kind and size.
type allocOpts struct {
	importHost uintptr // import this host range (Register)
	exportable bool    // opaque-fd memory another process can import
	importFd   int     // with importSize > 0: import this opaque fd (of memory type cands[0])
	importSize uint64  // the exporter's allocation size
}

func (d *device) allocateOpts(kind hal.MemoryKind, size uint64, cands []uint32, o allocOpts) (*allocation, error) {
	if d.maxAlloc > 0 && size > d.maxAlloc {
		return nil, fmt.Errorf("hal/vulkan: allocate %d bytes of %v memory: more than the device's maxMemoryAllocationSize %d: %w", size, kind, d.maxAlloc, hal.ErrOutOfMemory)
	}
	var req C.shal_alloc
	req.size = C.VkDeviceSize(size)
	req.ncandidates = C.uint32_t(len(cands))
	for i, c := range cands {
		req.candidates[i] = C.uint32_t(c)
	}
	req.hostVisibleMask = C.uint32_t(d.hostVisibleMask)
	req.importHost = C.uintptr_t(o.importHost)
	req.exportable = cbool(o.exportable)
	req.dedicated = cbool(d.ipcDedicated && (o.exportable || o.importSize > 0))
	if o.importSize > 0 {
		req.importOpaque = 1
		req.importFd = C.int(o.importFd)
		req.importSize = C.VkDeviceSize(o.importSize)
	}
	if err := check(C.shal_alloc_buffer(d.c, &req), "allocate %d bytes of %v memory", size, kind); err != nil {
		return nil, err
	}
	a := &allocation{
		base:       uint64(req.address),
		size:       size,
		kind:       kind,
		buffer:     req.buffer,
		memory:     req.memory,
		mapped:     req.mapped,
		unmap:      req.mapped != nil,
		local:      d.deviceLocalMask&(1<<uint32(req.memoryType)) != 0,
		allocBytes: uint64(req.allocSize),
		memoryType: uint32(req.memoryType),
		exportable: o.exportable,
		imported:   o.importSize > 0,
	}
	if a.local {
		d.deviceBytes.Add(int64(a.allocBytes))
	}
	return a, nil
}

func (d *device) freeAllocation(a *allocation) {
	C.shal_free_buffer(d.c, a.buffer, a.memory, cbool(a.unmap))
	if a.local {
		d.deviceBytes.Add(-int64(a.allocBytes))
	}
}

// Free releases an allocation. The buffer is destroyed once the work
// already enqueued on the device's queues (which may use it) is done.
func (d *device) Free(kind hal.MemoryKind, addr uint64) error {
	if d.isClosed() {
		return errClosedDevice
	}
	if kind == hal.MemoryRegistered {
		return fmt.Errorf("hal/vulkan: free %#x: registered memory is released with Unregister: %w", addr, hal.ErrInvalidValue)
	}
	a, err := d.allocs.removeUser(addr, kind)
	if err != nil {
		return err
	}
	// Its handle goes stale now: no other process opens it from here on
	// (those that did keep their mapping).
	d.unexport(a)
	d.deferFree(func() { d.freeAllocation(a) })
	d.collectGarbage()
	return nil
}

// Register imports host memory with VK_EXT_external_memory_host. The
// imported range is widened to the device's import alignment; the returned
// device address corresponds exactly to p.
func (d *device) Register(p unsafe.Pointer, size uint64) (hal.Allocation, error) {
	if d.isClosed() {
		return hal.Allocation{}, errClosedDevice
	}
	if !d.hostImport {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: register %d bytes at %p: device %d lacks VK_EXT_external_memory_host: %w", size, p, d.ordinal, hal.ErrNotSupported)
	}
	if p == nil || size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: register %d bytes at %p: %w", size, p, hal.ErrInvalidValue)
	}
	al := d.importAlign
	start := uintptr(p) &^ uintptr(al-1)
	end := (uintptr(p) + uintptr(size) + uintptr(al-1)) &^ uintptr(al-1)
	cands := make([]uint32, 0, 32)
	for t := uint32(0); t < uint32(d.pinfo.mem.memoryTypeCount); t++ {
		cands = append(cands, t)
	}
	a, err := d.allocate(hal.MemoryRegistered, uint64(end-start), cands, start)
	if err != nil {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: register %d bytes at %p: %w", size, p, err)
	}
	a.bufOff = uint64(uintptr(p) - start)
	a.base += a.bufOff
	a.size = size
	a.mapped = p
	d.allocs.insert(a)
	return hal.Allocation{Device: a.base, Host: p, Size: size}, nil
}

// Unregister releases a Register'ed range.
func (d *device) Unregister(alloc hal.Allocation) error {
	if d.isClosed() {
		return errClosedDevice
	}
	a, err := d.allocs.removeUser(alloc.Device, hal.MemoryRegistered)
	if err != nil {
		return fmt.Errorf("hal/vulkan: unregister: %w", err)
	}
	d.deferFree(func() { d.freeAllocation(a) })
	return nil
}

// stagingSize is the size of the host-visible buffer that carries
// CopyFromHost/CopyToHost data to and from memory the host cannot map.
const stagingSize = 8 << 20

// CopyFromHost copies n bytes from host memory to a device address,
// synchronously.
func (d *device) CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error {
	return d.hostCopy(dst, src, n, true)
}

// CopyToHost copies n bytes from a device address to host memory,
// synchronously.
func (d *device) CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error {
	return d.hostCopy(src, dst, n, false)
}

func (d *device) hostCopy(dev uint64, host unsafe.Pointer, n uint64, toDevice bool) error {
	what := "copy to host"
	if toDevice {
		what = "copy from host"
	}
	if d.isClosed() {
		return errClosedDevice
	}
	if n == 0 {
		return nil
	}
	if host == nil {
		return fmt.Errorf("hal/vulkan: %s: nil host pointer: %w", what, hal.ErrInvalidValue)
	}
	a, off, err := d.resolve(what, dev, n)
	if err != nil {
		return err
	}
	if d.copiesMapped(a) {
		mem := unsafe.Add(a.mapped, off-a.bufOff)
		if toDevice {
			hostMemcpy(mem, host, n)
		} else {
			hostMemcpy(host, mem, n)
		}
		return nil
	}
	d.stageMu.Lock()
	defer d.stageMu.Unlock()
	if d.stage == nil {
		st, err := d.allocate(hal.MemoryHost, stagingSize, d.candHost, 0)
		if err != nil {
			return fmt.Errorf("hal/vulkan: %s: staging buffer: %w", what, err)
		}
		if st.mapped == nil {
			d.freeAllocation(st)
			return fmt.Errorf("hal/vulkan: %s: device %d has no host-visible coherent memory: %w", what, d.ordinal, hal.ErrNotSupported)
		}
		d.stage = st
	}
	st := d.stage
	for done := uint64(0); done < n; {
		c := min(n-done, stagingSize)
		h := unsafe.Add(host, done)
		if toDevice {
			hostMemcpy(st.mapped, h, c)
			err = d.syncQ.copyBuffers(st.buffer, 0, a.buffer, off+done, c)
		} else {
			err = d.syncQ.copyBuffers(a.buffer, off+done, st.buffer, 0, c)
		}
		if err == nil {
			err = d.syncQ.Synchronize(context.Background())
		}
		if err != nil {
			return fmt.Errorf("hal/vulkan: %s: %w", what, err)
		}
		if !toDevice {
			hostMemcpy(h, st.mapped, c)
		}
		done += c
	}
	return nil
}

// HostMapped reports whether CopyFromHost and CopyToHost of [addr,
// addr+n) are plain host copies through the memory's mapping (host-visible
// device memory, as on lavapipe and integrated GPUs): no queue, no staging
// buffer (hal.HostMappedCopier).
func (d *device) HostMapped(addr, n uint64) bool {
	if d.isClosed() {
		return false
	}
	a, _, ok := d.allocs.find(addr, n)
	return ok && d.copiesMapped(a)
}

// copiesMapped reports whether host copies of a go through its mapping
// (not through the staging buffer).
func (d *device) copiesMapped(a *allocation) bool { return a.mapped != nil && !d.forceStaging }

// memcpyMin is the size from which hostMemcpy calls the C library's
// memcpy: for 4 MiB it moved 43-50 GB/s where Go's copy moved 36-38 GB/s
// (this VM's EPYC), while below a few KiB the cgo call costs more than it
// saves.
const memcpyMin = 16 << 10

// hostMemcpy copies n bytes between host-addressable memory (mapped device
// memory, Go or C memory): C's memcpy for large copies, Go's copy below.
func hostMemcpy(dst, src unsafe.Pointer, n uint64) {
	if n >= memcpyMin {
		// A goroutine's stack does not move during a cgo call.
		C.shal_host_memcpy(C.uintptr_t(uintptr(dst)), C.uintptr_t(uintptr(src)), C.size_t(n))
		runtime.KeepAlive(dst)
		runtime.KeepAlive(src)
		return
	}
	copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
}
