package streaming

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Host allocation flags (CU_MEMHOSTALLOC_*); every host allocation here is
// portable and mapped, so the flags are recorded and reported back.
const (
	HostAllocPortable      uint32 = 0x01
	HostAllocDeviceMap     uint32 = 0x02
	HostAllocWriteCombined uint32 = 0x04
	hostAllocMask          uint32 = 0x07
)

// Host registration flags (CU_MEMHOSTREGISTER_*).
const (
	HostRegisterPortable  uint32 = 0x01
	HostRegisterDeviceMap uint32 = 0x02
	HostRegisterIOMemory  uint32 = 0x04
	HostRegisterReadOnly  uint32 = 0x08
	hostRegisterMask      uint32 = 0x0f
)

// Managed memory attach flags (CU_MEM_ATTACH_*).
const (
	MemAttachGlobal uint32 = 0x1
	MemAttachHost   uint32 = 0x2
	MemAttachSingle uint32 = 0x4
)

// maxAllocation bounds a single request so that size arithmetic cannot
// overflow; real devices fail far below it.
const maxAllocation = 1 << 56

func (c *Context) allocate(kind MemoryKind, size uint64, flags uint32, what string) (*allocation, error) {
	if err := c.check(what); err != nil {
		return nil, err
	}
	if err := c.rt.checkGlobalCapture(what); err != nil {
		return nil, err
	}
	if size == 0 {
		return nil, fmt.Errorf("streaming: %s of 0 bytes: %w", what, ErrInvalidValue)
	}
	if size > maxAllocation {
		return nil, fmt.Errorf("streaming: %s of %d bytes: %w", what, size, ErrOutOfMemory)
	}
	done, err := c.rt.holdDrivers(what)
	if err != nil {
		return nil, err
	}
	defer done()
	ha, err := c.dev.hal.Allocate(hal.MemoryKind(kind), size)
	if err != nil {
		return nil, fmt.Errorf("streaming: %s of %d bytes on device %d: %w", what, size, c.dev.ordinal, err)
	}
	a := &allocation{base: ha.Device, size: size, kind: kind, dev: c.dev, ctx: c, hal: ha, host: ha.Host, flags: flags}
	if err := c.track(a); err != nil {
		c.dev.hal.Free(hal.MemoryKind(kind), ha.Device)
		return nil, err
	}
	return a, nil
}

// track enters a in the context and in the pointer table (with a
// host-address alias when the host mapping differs from the device
// address). It fails on a destroyed context: c.allocMu, held throughout,
// makes a teardown see every allocation that got past the check, already
// in the table, so none is left behind.
func (c *Context) track(a *allocation) error {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	if err := c.check(trackOp(a.kind)); err != nil {
		return err
	}
	if err := c.rt.ptrs.insert(a); err != nil {
		return err
	}
	if a.host != nil && uint64(uintptr(a.host)) != a.base {
		alias := &allocation{base: uint64(uintptr(a.host)), size: a.size, kind: a.kind, dev: a.dev, ctx: c, host: a.host, primary: a}
		if err := c.rt.ptrs.insert(alias); err != nil {
			c.rt.ptrs.claim(a)
			return err
		}
		a.alias = alias
	}
	c.allocs[a] = true
	return nil
}

// trackOps names track's operation for each kind, built once, so that no
// string is built on the path of every allocation (MallocAsync's
// included).
var trackOps = func() map[MemoryKind]string {
	m := map[MemoryKind]string{}
	for _, k := range []MemoryKind{MemoryDevice, MemoryHost, MemoryRegistered, MemoryManaged, MemoryGlobal} {
		m[k] = "track " + k.String() + " memory"
	}
	return m
}()

// trackOp names track's operation.
func trackOp(k MemoryKind) string {
	if op, ok := trackOps[k]; ok {
		return op
	}
	return "track " + k.String() + " memory"
}

// testHookClaim, when set (by tests), runs in a release after the
// allocation at the given base was looked up and before it is claimed:
// tests make two releases of one allocation meet there, so that both have
// found it before either claims it.
var testHookClaim atomic.Pointer[func(base uint64)]

// errFreed is the error of a release that lost the race for an allocation
// to a concurrent release (see ptrTable.claim): what CUDA answers for a
// double free.
func errFreed(what string, p uint64, sentinel error) error {
	return fmt.Errorf("streaming: %s %#x: already freed (by a concurrent call or the destruction of its context): %w", what, p, sentinel)
}

// free hands back an allocation its caller claimed (ptrTable.claim) and
// whose device work is done: it forgets it in its context and returns the
// memory to the driver, or to its pool.
func (a *allocation) free() error {
	c := a.ctx
	c.allocMu.Lock()
	delete(c.allocs, a)
	c.allocMu.Unlock()
	if a.kind == MemoryManaged {
		c.rt.advice.forget(a)
	}
	switch {
	case a.kind == MemoryRegistered:
		err := c.dev.hal.Unregister(a.hal)
		if a.pinner != nil {
			a.pinner.Unpin()
		}
		return err
	case a.pool != nil:
		return a.pool.put(a)
	case a.ipc != nil:
		return a.ipc.close(a)
	default:
		return c.dev.hal.Free(hal.MemoryKind(a.kind), a.base)
	}
}

// release claims a, waits for its device's work, and frees it; a release
// that loses the claim to a concurrent one frees nothing and fails with
// sentinel (ErrInvalidValue; ErrNotMapped for registered memory).
func (a *allocation) release(what string, p uint64, sentinel error) error {
	done, err := a.ctx.rt.holdDrivers(what)
	if err != nil {
		return err
	}
	defer done()
	if h := testHookClaim.Load(); h != nil {
		(*h)(a.base)
	}
	if !a.ctx.rt.ptrs.claim(a) {
		return errFreed(what, p, sentinel)
	}
	// Work enqueued before the claim may still use the memory; work
	// enqueued after it cannot name it (claim waited for the operations
	// that had checked it).
	a.ctx.dev.drainAll()
	return a.free()
}

// Malloc allocates device memory (cuMemAlloc).
func (c *Context) Malloc(size uint64) (DevicePtr, error) {
	a, err := c.allocate(MemoryDevice, size, 0, "malloc")
	if err != nil {
		return 0, err
	}
	return DevicePtr(a.base), nil
}

// MallocManaged allocates memory that host and device use at one address
// (cuMemAllocManaged); flags are MemAttachGlobal or MemAttachHost.
func (c *Context) MallocManaged(size uint64, flags uint32) (DevicePtr, error) {
	if flags != MemAttachGlobal && flags != MemAttachHost {
		return 0, fmt.Errorf("streaming: malloc managed flags %#x: want MemAttachGlobal or MemAttachHost: %w", flags, ErrInvalidValue)
	}
	if !c.dev.info.ManagedMemory {
		return 0, fmt.Errorf("streaming: malloc managed on %s: the device has no managed memory: %w", c.dev.info.Name, ErrNotSupported)
	}
	a, err := c.allocate(MemoryManaged, size, flags, "malloc managed")
	if err != nil {
		return 0, err
	}
	return DevicePtr(a.base), nil
}

// MallocPitch allocates height rows of widthBytes each, padding rows to a
// pitch the device accesses efficiently (cuMemAllocPitch). elemSize (4, 8 or
// 16) is the size of the elements the rows hold.
func (c *Context) MallocPitch(widthBytes, height uint64, elemSize uint32) (DevicePtr, uint64, error) {
	if elemSize != 4 && elemSize != 8 && elemSize != 16 {
		return 0, 0, fmt.Errorf("streaming: malloc pitch element size %d: want 4, 8 or 16: %w", elemSize, ErrInvalidValue)
	}
	if widthBytes == 0 || height == 0 {
		return 0, 0, fmt.Errorf("streaming: malloc pitch %dx%d: %w", widthBytes, height, ErrInvalidValue)
	}
	align := uint64(c.dev.info.PitchAlignment)
	if align == 0 {
		align = 256
	}
	pitch := (widthBytes + align - 1) / align * align
	if height > maxAllocation/pitch {
		return 0, 0, fmt.Errorf("streaming: malloc pitch %dx%d: %w", widthBytes, height, ErrOutOfMemory)
	}
	a, err := c.allocate(MemoryDevice, pitch*height, 0, "malloc pitch")
	if err != nil {
		return 0, 0, err
	}
	a.pitch = pitch
	return DevicePtr(a.base), pitch, nil
}

// lookupBase finds the allocation that starts at p, of one of kinds.
func (c *Context) lookupBase(what string, p uint64, kinds ...MemoryKind) (*allocation, error) {
	a := c.rt.ptrs.find(p)
	if a == nil {
		return nil, fmt.Errorf("streaming: %s %#x: not an allocation: %w", what, p, ErrInvalidValue)
	}
	a = a.owner()
	if a.base != p && (a.alias == nil || a.alias.base != p) {
		return nil, fmt.Errorf("streaming: %s %#x: points inside the allocation at %#x, not at its start: %w", what, p, a.base, ErrInvalidValue)
	}
	ok := false
	for _, k := range kinds {
		ok = ok || a.kind == k
	}
	if !ok {
		return nil, fmt.Errorf("streaming: %s %#x: it is %v memory: %w", what, p, a.kind, ErrInvalidValue)
	}
	return a, nil
}

// Free frees memory from Malloc, MallocPitch or MallocManaged (cuMemFree).
// Like cudaFree it waits for the device's outstanding work first, so no
// kernel or copy still uses the memory.
//
// As cuMemFree does under unified addressing, it frees by address: p may
// belong to another context than c (the memory is freed in its own
// context), but c must not be destroyed. Of concurrent Frees of one
// pointer exactly one frees it; the others fail with ErrInvalidValue, as a
// second cuMemFree does.
func (c *Context) Free(p DevicePtr) error {
	// checkOpen, not check: memory is freed on a context unusable after a
	// kernel fault too.
	if err := c.checkOpen("free"); err != nil {
		return err
	}
	if err := c.rt.checkGlobalCapture("free"); err != nil {
		return err
	}
	a, err := c.lookupBase("free", uint64(p), MemoryDevice, MemoryManaged)
	if err != nil {
		return err
	}
	if a.ipc != nil {
		if a.ipc.pool == nil {
			return fmt.Errorf("streaming: free %#x: memory opened from another process; close it with IPCCloseMemHandle: %w", uint64(p), ErrInvalidValue)
		}
		return a.ctx.ipcRelease("free", a, uint64(p)) // memory of an imported pool
	}
	if a.graph != nil {
		return c.freeGraphMem(a)
	}
	return a.release("free", uint64(p), ErrInvalidValue)
}

// drainAll waits for the work of every context of the device.
func (d *Device) drainAll() {
	d.mu.Lock()
	ctxs := keys(d.contexts)
	d.mu.Unlock()
	for _, c := range ctxs {
		c.drain()
	}
}

// HostMem is page-locked host memory mapped for the device (cuMemAllocHost).
// Its bytes are C memory: they never move and may be used by asynchronous
// copies and kernels.
type HostMem struct {
	ctx *Context
	a   *allocation
}

// MallocHost allocates page-locked host memory (cuMemHostAlloc with the
// given HostAlloc flags).
func (c *Context) MallocHost(size uint64, flags uint32) (*HostMem, error) {
	if flags&^hostAllocMask != 0 {
		return nil, fmt.Errorf("streaming: malloc host flags %#x: unknown bits: %w", flags, ErrInvalidValue)
	}
	a, err := c.allocate(MemoryHost, size, flags, "malloc host")
	if err != nil {
		return nil, err
	}
	return &HostMem{ctx: c, a: a}, nil
}

// Ptr is the host address.
func (h *HostMem) Ptr() unsafe.Pointer { return h.a.host }

// DevicePtr is the address device work uses for the memory
// (cuMemHostGetDevicePointer).
func (h *HostMem) DevicePtr() DevicePtr { return DevicePtr(h.a.base) }

// Size is the size in bytes.
func (h *HostMem) Size() uint64 { return h.a.size }

// Bytes views the memory as a byte slice.
func (h *HostMem) Bytes() []byte { return unsafe.Slice((*byte)(h.a.host), h.a.size) }

// Free frees the memory (cuMemFreeHost).
func (h *HostMem) Free() error { return h.ctx.FreeHost(h.a.host) }

// HostSlice views host memory as a []T of len Size()/sizeof(T).
func HostSlice[T any](h *HostMem) []T {
	var zero T
	n := h.a.size / uint64(unsafe.Sizeof(zero))
	return unsafe.Slice((*T)(h.a.host), n)
}

// FreeHost frees memory from MallocHost by its host address.
func (c *Context) FreeHost(p unsafe.Pointer) error {
	if err := c.rt.checkGlobalCapture("free host"); err != nil {
		return err
	}
	a, err := c.lookupBase("free host", uint64(uintptr(p)), MemoryHost)
	if err != nil {
		return err
	}
	return a.release("free host", uint64(uintptr(p)), ErrInvalidValue)
}

// HostDevicePointer returns the device address of host memory from
// MallocHost or HostRegister (cuMemHostGetDevicePointer).
func (c *Context) HostDevicePointer(p unsafe.Pointer) (DevicePtr, error) {
	a := c.rt.ptrs.find(uint64(uintptr(p)))
	if a == nil || !a.kind.IsHost() {
		return 0, fmt.Errorf("streaming: host device pointer of %p: not page-locked or registered host memory: %w", p, ErrInvalidValue)
	}
	return DevicePtr(a.devicePtr(uint64(uintptr(p)))), nil
}

// HostFlags returns the flags host memory was allocated or registered with
// (cuMemHostGetFlags).
func (c *Context) HostFlags(p unsafe.Pointer) (uint32, error) {
	a := c.rt.ptrs.find(uint64(uintptr(p)))
	if a == nil || !(a.kind == MemoryHost || a.kind == MemoryRegistered) {
		return 0, fmt.Errorf("streaming: host flags of %p: not page-locked host memory: %w", p, ErrInvalidValue)
	}
	return a.owner().flags, nil
}

// HostRegister page-locks size bytes of existing host memory at p and maps
// it for the device (cuMemHostRegister). p may be Go memory: it is pinned
// (runtime.Pinner) until HostUnregister, so the collector keeps it in place.
// size must not exceed the memory behind p: the drivers refuse a range that
// is not mapped (the CPU driver reads the process's mappings, so a 4 KiB
// slice registered as 1 TiB is ErrInvalidValue), but within mapped memory
// (the rest of the Go heap) only the caller knows where its buffer ends.
// Pass a slice's own length (hip.HostRegister takes the slice and checks).
func (c *Context) HostRegister(p unsafe.Pointer, size uint64, flags uint32) error {
	if err := c.check("host register"); err != nil {
		return err
	}
	if p == nil || size == 0 {
		return fmt.Errorf("streaming: host register %p of %d bytes: %w", p, size, ErrInvalidValue)
	}
	if flags&^hostRegisterMask != 0 {
		return fmt.Errorf("streaming: host register flags %#x: unknown bits: %w", flags, ErrInvalidValue)
	}
	if !c.dev.info.HostRegisterSupported {
		return fmt.Errorf("streaming: host register on %s: %w", c.dev.info.Name, ErrNotSupported)
	}
	if a := c.rt.ptrs.find(uint64(uintptr(p))); a != nil {
		return fmt.Errorf("streaming: host register %p: already inside %v memory at %#x: %w", p, a.kind, a.base, ErrAlreadyMapped)
	}
	done, err := c.rt.holdDrivers("host register")
	if err != nil {
		return err
	}
	defer done()
	pin := new(runtime.Pinner)
	pin.Pin(p)
	ha, err := c.dev.hal.Register(p, size)
	if err != nil {
		pin.Unpin()
		return fmt.Errorf("streaming: host register %p of %d bytes: %w", p, size, err)
	}
	a := &allocation{base: ha.Device, size: size, kind: MemoryRegistered, dev: c.dev, ctx: c, hal: ha, host: p, flags: flags, pinner: pin}
	if err := c.track(a); err != nil {
		c.dev.hal.Unregister(ha)
		pin.Unpin()
		return err
	}
	return nil
}

// HostUnregister undoes HostRegister (cuMemHostUnregister).
func (c *Context) HostUnregister(p unsafe.Pointer) error {
	a := c.rt.ptrs.find(uint64(uintptr(p)))
	if a == nil || a.owner().kind != MemoryRegistered || uint64(uintptr(a.owner().host)) != uint64(uintptr(p)) {
		return fmt.Errorf("streaming: host unregister %p: not the start of registered memory: %w", p, ErrNotMapped)
	}
	return a.owner().release("host unregister", uint64(uintptr(p)), ErrNotMapped)
}

// HostMemory reports whether all of [p, p+n) lies in host memory the
// runtime knows: memory from MallocHost or HostRegister, managed memory,
// or device memory the host addresses directly (the CPU backend). Device
// work and the copy functions use such memory in place, and its address
// works as a DevicePtr; other host memory, ordinary Go memory for one, is
// copied through a staging buffer by the functions that take []byte.
func (rt *Runtime) HostMemory(p unsafe.Pointer, n uint64) bool {
	return rt.ptrs.hostRange(p, n) != nil
}

// AddressRange returns the base and size of the allocation holding p
// (cuMemGetAddressRange).
func (rt *Runtime) AddressRange(p DevicePtr) (DevicePtr, uint64, error) {
	a := rt.ptrs.find(uint64(p))
	if a == nil {
		return 0, 0, fmt.Errorf("streaming: address range of %#x: not inside any allocation: %w", uint64(p), ErrNotFound)
	}
	return DevicePtr(a.base), a.size, nil
}

// AddressRange is Runtime.AddressRange.
func (c *Context) AddressRange(p DevicePtr) (DevicePtr, uint64, error) { return c.rt.AddressRange(p) }

// PointerAttributes describe the memory an address belongs to.
type PointerAttributes struct {
	Kind      MemoryKind
	Device    *Device
	Context   *Context
	Base      DevicePtr      // start of the allocation (in the address space p was given in)
	Size      uint64         // size of the allocation
	DevicePtr DevicePtr      // the address device work uses for p
	HostPtr   unsafe.Pointer // the host address for p, nil for device memory
	Flags     uint32         // host allocation, registration or attach flags
	Managed   bool
	Pitch     uint64   // row pitch for MallocPitch memory, else 0
	Pool      *MemPool // the pool the memory came from (MallocAsync), else nil
	// IPCCapable reports whether IPCGetMemHandle shares the memory:
	// Malloc memory on a backend that shares memory between processes.
	IPCCapable bool
}

// PointerAttributes returns the attributes of the memory p points into
// (cuPointerGetAttributes); ErrInvalidValue when no allocation holds p.
func (rt *Runtime) PointerAttributes(p DevicePtr) (PointerAttributes, error) {
	a := rt.ptrs.find(uint64(p))
	if a == nil {
		return PointerAttributes{}, fmt.Errorf("streaming: pointer attributes of %#x: not inside any allocation: %w", uint64(p), ErrInvalidValue)
	}
	o := a.owner()
	attr := PointerAttributes{
		Kind: o.kind, Device: o.dev, Context: o.ctx, Base: DevicePtr(a.base), Size: a.size,
		DevicePtr: DevicePtr(a.devicePtr(uint64(p))), Flags: o.flags, Managed: o.kind == MemoryManaged,
		Pitch: o.pitch, Pool: o.pool,
	}
	if o.ipc != nil && o.ipc.pool != nil {
		attr.Pool = o.ipc.pool // memory of an imported pool
	}
	if o.kind == MemoryDevice && o.pool == nil && o.ipc == nil {
		_, err := halIPC(o.dev.hal)
		attr.IPCCapable = err == nil
	}
	if o.host != nil {
		attr.HostPtr = unsafe.Add(o.host, uint64(p)-a.base)
	}
	return attr, nil
}

// PointerAttributes is Runtime.PointerAttributes.
func (c *Context) PointerAttributes(p DevicePtr) (PointerAttributes, error) {
	return c.rt.PointerAttributes(p)
}

// LiveAllocations counts the runtime's allocations (pointer table entries),
// for leak checks in tests.
func (rt *Runtime) LiveAllocations() int { return rt.ptrs.count() }

// MemGetInfo returns the free and total memory of the context's device.
func (c *Context) MemGetInfo() (free, total uint64, err error) { return c.dev.MemGetInfo() }
