package hip

import (
	"unsafe"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// MemGetInfo is hipMemGetInfo: the free and total memory of the current
// device, in bytes.
func MemGetInfo() (free, total uint64, err error) {
	d, err := currentDevice()
	if err != nil {
		return 0, 0, ret("hipMemGetInfo", err)
	}
	free, total, err = d.MemGetInfo()
	return free, total, ret("hipMemGetInfo", err)
}

// Malloc is hipMalloc: size bytes of device memory in the current context.
// As in HIP, a size of 0 returns a null pointer and no error.
func Malloc(size uint64) (DevicePtr, error) {
	if size == 0 {
		return 0, nil
	}
	c, err := current()
	if err != nil {
		return 0, ret("hipMalloc", err)
	}
	p, err := c.Malloc(size)
	return p, ret("hipMalloc", err)
}

// MallocPitch is hipMallocPitch: height rows of width bytes, each row
// padded to the returned pitch. A zero width or height returns a null
// pointer and no error, as in HIP.
func MallocPitch(width, height uint64) (DevicePtr, uint64, error) {
	if width == 0 || height == 0 {
		return 0, 0, nil
	}
	c, err := current()
	if err != nil {
		return 0, 0, ret("hipMallocPitch", err)
	}
	// The element size only restricts CUDA's cuMemAllocPitch; 4 accepts
	// every width.
	p, pitch, err := c.MallocPitch(width, height, 4)
	return p, pitch, ret("hipMallocPitch", err)
}

// freeAny frees memory from Malloc, MallocPitch, MallocManaged,
// MallocAsync or HostMalloc by its address, as hipFree and hipHostFree both do in AMD's
// runtime. An address that is not the start of such an allocation is an
// invalid value.
func freeAny(p uint64) error {
	rt, err := openRuntime()
	if err != nil {
		return err
	}
	if attr, err := rt.PointerAttributes(DevicePtr(p)); err == nil && attr.Kind == streaming.MemoryHost {
		return attr.Context.FreeHost(attr.HostPtr)
	}
	// Context.Free finds the allocation's own context (memory from
	// MallocAsync goes back to its pool), and its error says why an address
	// cannot be freed.
	c, err := current()
	if err != nil {
		return err
	}
	return c.Free(DevicePtr(p))
}

// Free is hipFree: it frees memory from Malloc, MallocPitch or
// MallocManaged (and, as in AMD's runtime, from HostMalloc and
// MallocAsync), after the device's outstanding work. A null pointer is a
// no-op; any other address that is not the start of an allocation is
// HipErrorInvalidValue.
func Free(ptr DevicePtr) error {
	if ptr == 0 {
		return nil
	}
	return ret("hipFree", freeAny(uint64(ptr)))
}

// MemGetAddressRange is hipMemGetAddressRange: the base and size of the
// allocation that holds ptr (HipErrorNotFound when none does).
func MemGetAddressRange(ptr DevicePtr) (DevicePtr, uint64, error) {
	rt, err := openRuntime()
	if err != nil {
		return 0, 0, ret("hipMemGetAddressRange", err)
	}
	base, size, err := rt.AddressRange(ptr)
	return base, size, ret("hipMemGetAddressRange", err)
}

// MemPtrGetInfo is hipMemPtrGetInfo: the size of the allocation that holds
// ptr. A null pointer has size 0; an unknown one is HipErrorInvalidValue.
func MemPtrGetInfo(ptr any) (uint64, error) {
	const call = "hipMemPtrGetInfo"
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return 0, ret(call, err)
	}
	if a.V == 0 {
		return 0, nil
	}
	rt, err := openRuntime()
	if err != nil {
		return 0, ret(call, err)
	}
	_, size, err := rt.AddressRange(DevicePtr(a.V))
	return size, ret(call, err, HipErrorInvalidValue)
}

// hostMallocMask holds every flag of hipHostMalloc.
const hostMallocMask = HipHostMallocPortable | HipHostMallocMapped | HipHostMallocWriteCombined |
	HipHostMallocUncached | HipHostMallocNumaUser | HipHostMallocCoherent | HipHostMallocNonCoherent

func hostMalloc(call string, size uint64, flags uint32) (unsafe.Pointer, error) {
	if flags&^hostMallocMask != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: unknown bits %#x", flags, flags&^hostMallocMask)
	}
	coherence := uint32(HipHostMallocCoherent | HipHostMallocNonCoherent)
	if flags&coherence == coherence {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: both coherent and non-coherent", flags)
	}
	if flags&HipHostMallocUncached != 0 && flags&coherence != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: uncached memory takes no coherence flag", flags)
	}
	if size == 0 {
		return nil, nil
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	// Every host allocation here is portable, mapped and coherent; the
	// portable, mapped and write-combined bits are recorded and reported
	// back by HostGetFlags, the AMD-specific ones only checked.
	h, err := c.MallocHost(size, flags&(HipHostMallocPortable|HipHostMallocMapped|HipHostMallocWriteCombined))
	if err != nil {
		return nil, ret(call, err)
	}
	return h.Ptr(), nil
}

// HostMalloc is hipHostMalloc: size bytes of page-locked host memory,
// mapped for every device, which asynchronous copies and kernels may use.
// The pointer is C memory: it never moves, and unsafe.Slice views it. A
// size of 0 returns nil and no error.
func HostMalloc(size uint64, flags uint32) (unsafe.Pointer, error) {
	return hostMalloc("hipHostMalloc", size, flags)
}

// HostAlloc is hipHostAlloc, the deprecated spelling of HostMalloc.
func HostAlloc(size uint64, flags uint32) (unsafe.Pointer, error) {
	return hostMalloc("hipHostAlloc", size, flags)
}

// MallocHost is hipMallocHost, the deprecated HostMalloc with flags 0.
func MallocHost(size uint64) (unsafe.Pointer, error) {
	return hostMalloc("hipMallocHost", size, 0)
}

func hostFree(call string, ptr any) error {
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return ret(call, err)
	}
	if a.V == 0 {
		return nil
	}
	return ret(call, freeAny(a.V))
}

// HostFree is hipHostFree: it frees memory from HostMalloc (and, as in
// AMD's runtime, from Malloc). A null pointer is a no-op.
func HostFree(ptr any) error { return hostFree("hipHostFree", ptr) }

// FreeHost is hipFreeHost, the deprecated spelling of HostFree.
func FreeHost(ptr any) error { return hostFree("hipFreeHost", ptr) }

// HostGetDevicePointer is hipHostGetDevicePointer: the device address of
// host memory from HostMalloc or HostRegister. flags must be 0.
func HostGetDevicePointer(hostPtr any, flags uint32) (DevicePtr, error) {
	const call = "hipHostGetDevicePointer"
	if flags != 0 {
		return 0, fail(call, HipErrorInvalidValue, "flags %#x: want 0", flags)
	}
	a, err := capi.Decode("hostPtr", hostPtr)
	if err != nil {
		return 0, ret(call, err)
	}
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	p, err := c.HostDevicePointer(a.P)
	return p, ret(call, err)
}

// HostGetFlags is hipHostGetFlags: the flags host memory was allocated or
// registered with (the portable, mapped and write-combined bits of
// HostMalloc; the portable, mapped, I/O and read-only bits of
// HostRegister).
func HostGetFlags(hostPtr any) (uint32, error) {
	const call = "hipHostGetFlags"
	a, err := capi.Decode("hostPtr", hostPtr)
	if err != nil {
		return 0, ret(call, err)
	}
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	f, err := c.HostFlags(a.P)
	return f, ret(call, err)
}

// hostRegisterMask holds every flag of hipHostRegister.
const hostRegisterMask = HipHostRegisterPortable | HipHostRegisterMapped | HipHostRegisterIoMemory |
	HipHostRegisterReadOnly | HipExtHostRegisterUncached

// HostRegister is hipHostRegister: it page-locks sizeBytes of existing
// host memory at hostPtr and maps it for the devices, so that asynchronous
// copies and kernels may use it. Go memory (a slice) stays pinned in place
// until HostUnregister. Memory already registered is
// HipErrorHostMemoryAlreadyRegistered.
func HostRegister(hostPtr any, sizeBytes uint64, flags uint32) error {
	const call = "hipHostRegister"
	a, err := capi.Decode("hostPtr", hostPtr)
	if err != nil {
		return ret(call, err)
	}
	if a.Dev || a.P == nil {
		return fail(call, HipErrorInvalidValue, "hostPtr %#x: not host memory", a.V)
	}
	if err := a.Needs("hostPtr", sizeBytes); err != nil {
		return ret(call, err)
	}
	if flags&^hostRegisterMask != 0 {
		return fail(call, HipErrorInvalidValue, "flags %#x: unknown bits %#x", flags, flags&^hostRegisterMask)
	}
	c, err := current()
	if err != nil {
		return ret(call, err)
	}
	err = c.HostRegister(a.P, sizeBytes, flags&^HipExtHostRegisterUncached)
	return retIf(call, err, streaming.ErrAlreadyMapped, HipErrorHostMemoryAlreadyRegistered)
}

// HostUnregister is hipHostUnregister. Memory that is not registered is
// HipErrorHostMemoryNotRegistered.
func HostUnregister(hostPtr any) error {
	const call = "hipHostUnregister"
	a, err := capi.Decode("hostPtr", hostPtr)
	if err != nil {
		return ret(call, err)
	}
	c, err := current()
	if err != nil {
		return ret(call, err)
	}
	err = c.HostUnregister(a.P)
	return retIf(call, err, streaming.ErrNotMapped, HipErrorHostMemoryNotRegistered)
}

// MallocManaged is hipMallocManaged: size bytes that host and devices use
// at one address. flags is HipMemAttachGlobal or HipMemAttachHost; size 0
// is HipErrorInvalidValue, as in HIP. On the CPU backend the address is an
// ordinary host pointer.
func MallocManaged(size uint64, flags uint32) (DevicePtr, error) {
	const call = "hipMallocManaged"
	if size == 0 {
		return 0, fail(call, HipErrorInvalidValue, "size 0")
	}
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	p, err := c.MallocManaged(size, flags)
	return p, ret(call, err)
}
