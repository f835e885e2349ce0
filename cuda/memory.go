package cuda

import (
	"context"
	"errors"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// MemGetInfo is cuMemGetInfo: the free and total memory of the current
// context's device, in bytes.
func MemGetInfo() (free, total uint64, err error) {
	_, sc, err := cur("cuMemGetInfo")
	if err != nil {
		return 0, 0, err
	}
	return memGetInfo(sc)
}

// MemGetInfo is the package's MemGetInfo for c's device.
func (c *Context) MemGetInfo() (free, total uint64, err error) {
	sc, err := c.get("cuMemGetInfo")
	if err != nil {
		return 0, 0, err
	}
	return memGetInfo(sc)
}

func memGetInfo(sc *streaming.Context) (free, total uint64, err error) {
	free, total, err = sc.MemGetInfo()
	if err != nil {
		return 0, 0, fail(err)
	}
	return free, total, nil
}

// MemAlloc is cuMemAlloc: n bytes of device memory in the current context.
// CUDA_ERROR_INVALID_VALUE for 0 bytes, CUDA_ERROR_OUT_OF_MEMORY when the
// device has no room.
func MemAlloc(n uint64) (DevicePtr, error) {
	_, sc, err := cur("cuMemAlloc")
	if err != nil {
		return 0, err
	}
	return memAlloc(sc, n)
}

// MemAlloc is the package's MemAlloc in c.
func (c *Context) MemAlloc(n uint64) (DevicePtr, error) {
	sc, err := c.get("cuMemAlloc")
	if err != nil {
		return 0, err
	}
	return memAlloc(sc, n)
}

func memAlloc(sc *streaming.Context, n uint64) (DevicePtr, error) {
	p, err := sc.Malloc(n)
	if err != nil {
		return 0, fail(err)
	}
	return p, nil
}

// MemAllocPitch is cuMemAllocPitch: height rows of widthBytes each, every
// row starting pitch bytes after the previous one. elementSizeBytes (4, 8
// or 16) is the size of the elements the rows hold.
func MemAllocPitch(widthBytes, height uint64, elementSizeBytes uint32) (p DevicePtr, pitch uint64, err error) {
	_, sc, err := cur("cuMemAllocPitch")
	if err != nil {
		return 0, 0, err
	}
	return memAllocPitch(sc, widthBytes, height, elementSizeBytes)
}

// MemAllocPitch is the package's MemAllocPitch in c.
func (c *Context) MemAllocPitch(widthBytes, height uint64, elementSizeBytes uint32) (p DevicePtr, pitch uint64, err error) {
	sc, err := c.get("cuMemAllocPitch")
	if err != nil {
		return 0, 0, err
	}
	return memAllocPitch(sc, widthBytes, height, elementSizeBytes)
}

func memAllocPitch(sc *streaming.Context, widthBytes, height uint64, elementSizeBytes uint32) (DevicePtr, uint64, error) {
	p, pitch, err := sc.MallocPitch(widthBytes, height, elementSizeBytes)
	if err != nil {
		return 0, 0, fail(err)
	}
	return p, pitch, nil
}

// MemFree is cuMemFree: it frees memory from MemAlloc, MemAllocPitch or
// MemAllocManaged (and from MemAllocAsync, returned to its pool), after the
// device's outstanding work. 0 is accepted and does nothing, as libcuda
// does; any other address that is not the start of such an allocation is
// CUDA_ERROR_INVALID_VALUE.
func MemFree(p DevicePtr) error {
	_, sc, err := cur("cuMemFree")
	if err != nil {
		return err
	}
	return memFree(sc, p)
}

// MemFree is the package's MemFree with c current.
func (c *Context) MemFree(p DevicePtr) error {
	sc, err := c.get("cuMemFree")
	if err != nil {
		return err
	}
	return memFree(sc, p)
}

func memFree(sc *streaming.Context, p DevicePtr) error {
	if p == 0 {
		return nil
	}
	err := sc.Free(p)
	if err != nil && errors.Is(err, hal.ErrInvalidValue) {
		// Memory from MemAllocAsync: back to its pool, as CUDA allows,
		// once the device's outstanding work is done.
		if a, aerr := sc.PointerAttributes(p); aerr == nil && a.FromPool && a.Base == p {
			s := a.Context.DefaultStream()
			if err := s.FreeAsync(p); err != nil {
				return fail(err)
			}
			if err := a.Device.Synchronize(context.Background()); err != nil {
				return fail(err)
			}
			return nil
		}
	}
	return check(err)
}

// MemGetAddressRange is cuMemGetAddressRange: the base and size of the
// allocation holding p (any allocation the runtime knows: device, host,
// registered, managed memory or a module global). CUDA_ERROR_NOT_FOUND
// when no allocation holds p.
func MemGetAddressRange(p DevicePtr) (base DevicePtr, size uint64, err error) {
	d, err := get()
	if err != nil {
		return 0, 0, err
	}
	base, size, err = d.rt.AddressRange(p)
	if err != nil {
		return 0, 0, fail(err)
	}
	return base, size, nil
}

// MemAllocHost is cuMemAllocHost: n bytes of page-locked host memory,
// mapped for every device (C memory: it never moves, and asynchronous
// copies and kernels may use it). unsafe.Slice((*T)(p), count) views it.
func MemAllocHost(n uint64) (unsafe.Pointer, error) {
	return MemHostAlloc(n, 0)
}

// MemAllocHost is the package's MemAllocHost in c.
func (c *Context) MemAllocHost(n uint64) (unsafe.Pointer, error) {
	return c.MemHostAlloc(n, 0)
}

// MemHostAlloc is cuMemHostAlloc: MemAllocHost with CU_MEMHOSTALLOC_*
// flags (every allocation is portable and mapped; the flags are recorded
// for MemHostGetFlags).
func MemHostAlloc(n uint64, flags uint32) (unsafe.Pointer, error) {
	_, sc, err := cur("cuMemHostAlloc")
	if err != nil {
		return nil, err
	}
	return memHostAlloc(sc, n, flags)
}

// MemHostAlloc is the package's MemHostAlloc in c.
func (c *Context) MemHostAlloc(n uint64, flags uint32) (unsafe.Pointer, error) {
	sc, err := c.get("cuMemHostAlloc")
	if err != nil {
		return nil, err
	}
	return memHostAlloc(sc, n, flags)
}

func memHostAlloc(sc *streaming.Context, n uint64, flags uint32) (unsafe.Pointer, error) {
	h, err := sc.MallocHost(n, flags)
	if err != nil {
		return nil, fail(err)
	}
	return h.Ptr(), nil
}

// MemFreeHost is cuMemFreeHost: it frees memory from MemAllocHost or
// MemHostAlloc. nil is accepted and does nothing, as libcuda does.
func MemFreeHost(p unsafe.Pointer) error {
	_, sc, err := cur("cuMemFreeHost")
	if err != nil {
		return err
	}
	return memFreeHost(sc, p)
}

// MemFreeHost is the package's MemFreeHost with c current.
func (c *Context) MemFreeHost(p unsafe.Pointer) error {
	sc, err := c.get("cuMemFreeHost")
	if err != nil {
		return err
	}
	return memFreeHost(sc, p)
}

func memFreeHost(sc *streaming.Context, p unsafe.Pointer) error {
	if p == nil {
		return nil
	}
	return check(sc.FreeHost(p))
}

// MemHostGetDevicePointer is cuMemHostGetDevicePointer: the device address
// of page-locked or registered host memory. flags must be 0.
func MemHostGetDevicePointer(p unsafe.Pointer, flags uint32) (DevicePtr, error) {
	_, sc, err := cur("cuMemHostGetDevicePointer")
	if err != nil {
		return 0, err
	}
	return memHostGetDevicePointer(sc, p, flags)
}

// MemHostGetDevicePointer is the package's MemHostGetDevicePointer in c.
func (c *Context) MemHostGetDevicePointer(p unsafe.Pointer, flags uint32) (DevicePtr, error) {
	sc, err := c.get("cuMemHostGetDevicePointer")
	if err != nil {
		return 0, err
	}
	return memHostGetDevicePointer(sc, p, flags)
}

func memHostGetDevicePointer(sc *streaming.Context, p unsafe.Pointer, flags uint32) (DevicePtr, error) {
	if flags != 0 {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuMemHostGetDevicePointer flags %#x: must be 0", flags)
	}
	dp, err := sc.HostDevicePointer(p)
	if err != nil {
		return 0, fail(err)
	}
	return dp, nil
}

// MemHostGetFlags is cuMemHostGetFlags: the CU_MEMHOSTALLOC_* flags host
// memory was allocated with (CU_MEMHOSTREGISTER_* for registered memory).
func MemHostGetFlags(p unsafe.Pointer) (uint32, error) {
	_, sc, err := cur("cuMemHostGetFlags")
	if err != nil {
		return 0, err
	}
	return memHostGetFlags(sc, p)
}

// MemHostGetFlags is the package's MemHostGetFlags in c.
func (c *Context) MemHostGetFlags(p unsafe.Pointer) (uint32, error) {
	sc, err := c.get("cuMemHostGetFlags")
	if err != nil {
		return 0, err
	}
	return memHostGetFlags(sc, p)
}

func memHostGetFlags(sc *streaming.Context, p unsafe.Pointer) (uint32, error) {
	f, err := sc.HostFlags(p)
	if err != nil {
		return 0, fail(err)
	}
	return f, nil
}

// MemAllocManaged is cuMemAllocManaged: n bytes that host and device use at
// one address; flags is CU_MEM_ATTACH_GLOBAL or CU_MEM_ATTACH_HOST.
// CUDA_ERROR_NOT_SUPPORTED on a device without managed memory
// (CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY 0).
func MemAllocManaged(n uint64, flags uint32) (DevicePtr, error) {
	_, sc, err := cur("cuMemAllocManaged")
	if err != nil {
		return 0, err
	}
	return memAllocManaged(sc, n, flags)
}

// MemAllocManaged is the package's MemAllocManaged in c.
func (c *Context) MemAllocManaged(n uint64, flags uint32) (DevicePtr, error) {
	sc, err := c.get("cuMemAllocManaged")
	if err != nil {
		return 0, err
	}
	return memAllocManaged(sc, n, flags)
}

func memAllocManaged(sc *streaming.Context, n uint64, flags uint32) (DevicePtr, error) {
	p, err := sc.MallocManaged(n, flags)
	if err != nil {
		return 0, fail(err)
	}
	return p, nil
}

// MemHostRegister is cuMemHostRegister: it page-locks n bytes of existing
// host memory at p and maps it for the device, with CU_MEMHOSTREGISTER_*
// flags. p may be Go memory: it is pinned until MemHostUnregister, so it
// must stay referenced by the program meanwhile.
// CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED when part of it already is.
func MemHostRegister(p unsafe.Pointer, n uint64, flags uint32) error {
	_, sc, err := cur("cuMemHostRegister")
	if err != nil {
		return err
	}
	return memHostRegister(sc, p, n, flags)
}

// MemHostRegister is the package's MemHostRegister in c.
func (c *Context) MemHostRegister(p unsafe.Pointer, n uint64, flags uint32) error {
	sc, err := c.get("cuMemHostRegister")
	if err != nil {
		return err
	}
	return memHostRegister(sc, p, n, flags)
}

func memHostRegister(sc *streaming.Context, p unsafe.Pointer, n uint64, flags uint32) error {
	return checkAs(sc.HostRegister(p, n, flags),
		override{hal.ErrAlreadyMapped, CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED})
}

// MemHostUnregister is cuMemHostUnregister: it undoes MemHostRegister,
// after the device's outstanding work. CUDA_ERROR_INVALID_VALUE for nil,
// CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED for an address that is not the
// start of registered memory.
func MemHostUnregister(p unsafe.Pointer) error {
	_, sc, err := cur("cuMemHostUnregister")
	if err != nil {
		return err
	}
	return memHostUnregister(sc, p)
}

// MemHostUnregister is the package's MemHostUnregister with c current.
func (c *Context) MemHostUnregister(p unsafe.Pointer) error {
	sc, err := c.get("cuMemHostUnregister")
	if err != nil {
		return err
	}
	return memHostUnregister(sc, p)
}

func memHostUnregister(sc *streaming.Context, p unsafe.Pointer) error {
	if p == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuMemHostUnregister: NULL pointer")
	}
	return checkAs(sc.HostUnregister(p), override{hal.ErrNotMapped, CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED})
}
