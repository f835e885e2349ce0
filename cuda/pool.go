package cuda

import (
	"github.com/streamhal/streamhal/streaming"
)

// MemoryPool is a CUmemoryPool: the streaming pool itself.
type MemoryPool = streaming.MemPool

// MemLocation is CUmemLocation: where memory lives. Pools take
// CU_MEM_LOCATION_TYPE_DEVICE locations, Id a device ordinal.
type MemLocation struct {
	Type MemLocationType
	Id   int
}

// MemPoolProps is CUmemPoolProps: AllocType must be
// CU_MEM_ALLOCATION_TYPE_PINNED, Location a device, HandleTypes
// CU_MEM_HANDLE_TYPE_NONE or CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR (a
// pool other processes import, see poolipc.go).
type MemPoolProps struct {
	AllocType   MemAllocationType
	HandleTypes MemAllocationHandleType
	Location    MemLocation
}

// MemAccessDesc is CUmemAccessDesc: how the device at Location may use a
// pool's memory.
type MemAccessDesc struct {
	Location MemLocation
	Flags    MemAccessFlags
}

// poolDevice resolves a device location.
func poolDevice(d *driver, what string, loc MemLocation) (*streaming.Device, error) {
	if loc.Type != CU_MEM_LOCATION_TYPE_DEVICE {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "%s: location type %v: pools live on devices", what, loc.Type)
	}
	return d.device(Device(loc.Id))
}

func pool(what string, p *MemoryPool) (*driver, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "%s: NULL pool", what)
	}
	return d, nil
}

// MemPoolCreate is cuMemPoolCreate: a pool of a device's memory.
func MemPoolCreate(props *MemPoolProps) (*MemoryPool, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	if props == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuMemPoolCreate: NULL properties")
	}
	if props.AllocType != CU_MEM_ALLOCATION_TYPE_PINNED {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuMemPoolCreate: allocation type %v", props.AllocType)
	}
	sd, err := poolDevice(d, "cuMemPoolCreate", props.Location)
	if err != nil {
		return nil, err
	}
	if props.HandleTypes != CU_MEM_HANDLE_TYPE_NONE {
		return exportablePoolCreate(sd, props.HandleTypes) // poolipc.go
	}
	p, err := sd.NewMemPool()
	if err != nil {
		return nil, fail(err)
	}
	return p, nil
}

// MemPoolDestroy is cuMemPoolDestroy: cached memory is freed now, memory
// still allocated when it is freed. A device's default pool cannot be
// destroyed (CUDA_ERROR_INVALID_VALUE).
func MemPoolDestroy(p *MemoryPool) error {
	if _, err := pool("cuMemPoolDestroy", p); err != nil {
		return err
	}
	return check(p.Destroy())
}

// MemPoolSetAttribute is cuMemPoolSetAttribute. The reuse policies take 0
// or 1, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD a byte count, and the high-water
// marks only 0 (to reset them).
func MemPoolSetAttribute(p *MemoryPool, attr MemPoolAttribute, value uint64) error {
	if _, err := pool("cuMemPoolSetAttribute", p); err != nil {
		return err
	}
	return check(p.SetAttribute(streaming.MemPoolAttribute(attr), value))
}

// MemPoolGetAttribute is cuMemPoolGetAttribute.
func MemPoolGetAttribute(p *MemoryPool, attr MemPoolAttribute) (uint64, error) {
	if _, err := pool("cuMemPoolGetAttribute", p); err != nil {
		return 0, err
	}
	v, err := p.Attribute(streaming.MemPoolAttribute(attr))
	if err != nil {
		return 0, fail(err)
	}
	return v, nil
}

// MemPoolSetAccess is cuMemPoolSetAccess: how other devices may use the
// pool's memory (they need peer access to its device).
func MemPoolSetAccess(p *MemoryPool, descs []MemAccessDesc) error {
	d, err := pool("cuMemPoolSetAccess", p)
	if err != nil {
		return err
	}
	for _, desc := range descs {
		sd, err := poolDevice(d, "cuMemPoolSetAccess", desc.Location)
		if err != nil {
			return err
		}
		if err := p.SetAccess(sd, streaming.MemAccessFlags(desc.Flags)); err != nil {
			return fail(err)
		}
	}
	return nil
}

// MemPoolGetAccess is cuMemPoolGetAccess.
func MemPoolGetAccess(p *MemoryPool, location *MemLocation) (MemAccessFlags, error) {
	d, err := pool("cuMemPoolGetAccess", p)
	if err != nil {
		return 0, err
	}
	if location == nil {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuMemPoolGetAccess: NULL location")
	}
	sd, err := poolDevice(d, "cuMemPoolGetAccess", *location)
	if err != nil {
		return 0, err
	}
	return MemAccessFlags(p.Access(sd)), nil
}

// MemPoolTrimTo is cuMemPoolTrimTo: cached memory above minBytesToKeep goes
// back to the device.
func MemPoolTrimTo(p *MemoryPool, minBytesToKeep uint64) error {
	if _, err := pool("cuMemPoolTrimTo", p); err != nil {
		return err
	}
	return check(p.TrimTo(minBytesToKeep))
}

// DeviceGetDefaultMemPool is cuDeviceGetDefaultMemPool: the pool every
// device has from the start.
func DeviceGetDefaultMemPool(dev Device) (*MemoryPool, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return nil, err
	}
	if !sd.Info().MemoryPoolsSupported {
		return nil, failf(CUDA_ERROR_NOT_SUPPORTED, "cuDeviceGetDefaultMemPool: device %d has no memory pools", dev)
	}
	return sd.DefaultMemPool(), nil
}

// DeviceGetMemPool is cuDeviceGetMemPool: the pool MemAllocAsync uses on
// dev (the default pool unless DeviceSetMemPool chose another).
func DeviceGetMemPool(dev Device) (*MemoryPool, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return nil, err
	}
	return sd.MemPool(), nil
}

// DeviceSetMemPool is cuDeviceSetMemPool: p, a pool of dev, becomes the
// one MemAllocAsync uses there.
func DeviceSetMemPool(dev Device, p *MemoryPool) error {
	sd, err := devInfo(dev)
	if err != nil {
		return err
	}
	return check(sd.SetMemPool(p))
}

// MemAllocAsync is cuMemAllocAsync: n bytes from the current pool of the
// device of s (nil: the NULL stream), usable by the later work of s at
// once and by other streams once they are ordered after this call.
func MemAllocAsync(n uint64, s *Stream) (DevicePtr, error) {
	ss, err := s.resolve("cuMemAllocAsync")
	if err != nil {
		return 0, err
	}
	p, err := ss.MallocAsync(n)
	if err != nil {
		return 0, fail(err)
	}
	return p, nil
}

// MemAllocFromPoolAsync is cuMemAllocFromPoolAsync: MemAllocAsync from
// pool p.
func MemAllocFromPoolAsync(n uint64, p *MemoryPool, s *Stream) (DevicePtr, error) {
	ss, err := s.resolve("cuMemAllocFromPoolAsync")
	if err != nil {
		return 0, err
	}
	if p == nil {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuMemAllocFromPoolAsync: NULL pool")
	}
	ptr, err := ss.MallocFromPoolAsync(n, p)
	if err != nil {
		return 0, fail(err)
	}
	return ptr, nil
}

// MemFreeAsync is cuMemFreeAsync: memory from MemAllocAsync goes back to
// its pool in the order of s; work submitted to s before the call may
// still use it.
func MemFreeAsync(p DevicePtr, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemFreeAsync"); err != nil {
			return err
		}
	}
	return check(ss.FreeAsync(p))
}
