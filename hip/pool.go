package hip

import (
	"fmt"

	"github.com/streamhal/streamhal/streaming"
)

// MemLocation is hipMemLocation: where memory lives. Memory pools take
// HipMemLocationTypeDevice locations, ID being a device ordinal.
type MemLocation struct {
	Type MemLocationType
	ID   int
}

// MemPoolProps is hipMemPoolProps: the properties of a new pool. AllocType
// must be HipMemAllocationTypePinned and Location a device; HandleTypes
// HipMemHandleTypeNone or HipMemHandleTypePosixFileDescriptor (a pool
// other processes import, see poolipc.go). Pools have no size limit
// (MaxSize 0).
type MemPoolProps struct {
	AllocType   MemAllocationType
	HandleTypes MemAllocationHandleType
	Location    MemLocation
	MaxSize     uint64
}

// MemAccessDesc is hipMemAccessDesc: how a location may use a pool's
// memory.
type MemAccessDesc struct {
	Location MemLocation
	Flags    MemAccessFlags
}

// poolOf checks a MemPool argument (nil is HipErrorInvalidValue, as in
// AMD's runtime).
func poolOf(p MemPool) error {
	if p == nil {
		return fmt.Errorf("memory pool: %w: %w", errNilHandle, streaming.ErrInvalidValue)
	}
	return nil
}

// locationDevice returns the device of a pool location.
func locationDevice(loc MemLocation) (*streaming.Device, error) {
	if loc.Type != HipMemLocationTypeDevice {
		return nil, fmt.Errorf("location type %v: pools take device locations: %w", loc.Type, streaming.ErrInvalidValue)
	}
	d, err := device(Device(loc.ID))
	if err != nil {
		return nil, fmt.Errorf("location device %d: %w", loc.ID, streaming.ErrInvalidValue)
	}
	return d, nil
}

// DeviceGetDefaultMemPool is hipDeviceGetDefaultMemPool: the pool
// MallocAsync uses on dev until DeviceSetMemPool chooses another.
func DeviceGetDefaultMemPool(dev Device) (MemPool, error) {
	d, err := device(dev)
	if err != nil {
		return nil, ret("hipDeviceGetDefaultMemPool", err)
	}
	return d.DefaultMemPool(), nil
}

// DeviceGetMemPool is hipDeviceGetMemPool: the pool MallocAsync uses on
// dev.
func DeviceGetMemPool(dev Device) (MemPool, error) {
	d, err := device(dev)
	if err != nil {
		return nil, ret("hipDeviceGetMemPool", err, HipErrorInvalidValue)
	}
	return d.MemPool(), nil
}

// DeviceSetMemPool is hipDeviceSetMemPool: pool (a pool of dev) becomes the
// one MallocAsync uses on dev. A pool of another device is
// HipErrorInvalidDevice.
func DeviceSetMemPool(dev Device, pool MemPool) error {
	const call = "hipDeviceSetMemPool"
	if err := poolOf(pool); err != nil {
		return ret(call, err)
	}
	d, err := device(dev)
	if err != nil {
		return ret(call, err, HipErrorInvalidValue)
	}
	if pool.Device() != d {
		return fail(call, HipErrorInvalidDevice, "the pool belongs to device %d, not %d", pool.Device().Ordinal(), d.Ordinal())
	}
	return ret(call, d.SetMemPool(pool))
}

// MemPoolCreate is hipMemPoolCreate: a new pool of a device's memory.
func MemPoolCreate(props *MemPoolProps) (MemPool, error) {
	const call = "hipMemPoolCreate"
	if props == nil {
		return nil, fail(call, HipErrorInvalidValue, "nil properties")
	}
	if props.AllocType != HipMemAllocationTypePinned {
		return nil, fail(call, HipErrorInvalidValue, "allocation type %v: want HipMemAllocationTypePinned", props.AllocType)
	}
	d, err := locationDevice(props.Location)
	if err != nil {
		return nil, ret(call, err)
	}
	if props.HandleTypes != HipMemHandleTypeNone {
		return exportablePoolCreate(call, d, props.HandleTypes) // poolipc.go
	}
	p, err := d.NewMemPool()
	return p, ret(call, err)
}

// MemPoolDestroy is hipMemPoolDestroy: its cached memory is freed now,
// memory still allocated from it when that is freed. A device whose current
// pool it was goes back to its default pool, which cannot be destroyed.
func MemPoolDestroy(pool MemPool) error {
	if err := poolOf(pool); err != nil {
		return ret("hipMemPoolDestroy", err)
	}
	return ret("hipMemPoolDestroy", pool.Destroy())
}

// MemPoolSetAttribute is hipMemPoolSetAttribute. The reuse policies take 0
// or 1, HipMemPoolAttrReleaseThreshold a byte count, and the high-water
// marks only 0 (a reset).
func MemPoolSetAttribute(pool MemPool, attr MemPoolAttr, value uint64) error {
	if err := poolOf(pool); err != nil {
		return ret("hipMemPoolSetAttribute", err)
	}
	// HIP numbers pool attributes as package streaming (and CUDA) do.
	return ret("hipMemPoolSetAttribute", pool.SetAttribute(streaming.MemPoolAttribute(attr), value))
}

// MemPoolGetAttribute is hipMemPoolGetAttribute.
func MemPoolGetAttribute(pool MemPool, attr MemPoolAttr) (uint64, error) {
	if err := poolOf(pool); err != nil {
		return 0, ret("hipMemPoolGetAttribute", err)
	}
	v, err := pool.Attribute(streaming.MemPoolAttribute(attr))
	return v, ret("hipMemPoolGetAttribute", err)
}

// MemPoolTrimTo is hipMemPoolTrimTo: cached memory beyond minBytesToKeep
// is released.
func MemPoolTrimTo(pool MemPool, minBytesToKeep uint64) error {
	if err := poolOf(pool); err != nil {
		return ret("hipMemPoolTrimTo", err)
	}
	return ret("hipMemPoolTrimTo", pool.TrimTo(minBytesToKeep))
}

// MemPoolSetAccess is hipMemPoolSetAccess: how each listed device may use
// the pool's memory. The pool's own device keeps read-write access; other
// devices need peer access (HipErrorInvalidDevice otherwise).
func MemPoolSetAccess(pool MemPool, descs []MemAccessDesc) error {
	const call = "hipMemPoolSetAccess"
	if err := poolOf(pool); err != nil {
		return ret(call, err)
	}
	for _, d := range descs {
		dev, err := locationDevice(d.Location)
		if err != nil {
			return ret(call, err)
		}
		if d.Flags > HipMemAccessFlagsProtReadWrite {
			return fail(call, HipErrorInvalidValue, "access flags %v", d.Flags)
		}
		if err := pool.SetAccess(dev, streaming.MemAccessFlags(d.Flags)); err != nil {
			return ret(call, err)
		}
	}
	return nil
}

// MemPoolGetAccess is hipMemPoolGetAccess: how the device at location may
// use the pool's memory.
func MemPoolGetAccess(pool MemPool, location MemLocation) (MemAccessFlags, error) {
	const call = "hipMemPoolGetAccess"
	if err := poolOf(pool); err != nil {
		return 0, ret(call, err)
	}
	d, err := locationDevice(location)
	if err != nil {
		return 0, ret(call, err)
	}
	return MemAccessFlags(pool.Access(d)), nil
}

// asyncStream resolves the stream of the stream-ordered allocator, whose
// destroyed-stream error is HipErrorInvalidValue in AMD's runtime.
func asyncStream(call string, stream Stream) (*streaming.Stream, error) {
	if stream != nil && stream.Err() != nil {
		return nil, ret(call, stream.Err(), HipErrorInvalidValue)
	}
	s, err := streamOf(stream)
	if err != nil {
		return nil, ret(call, err)
	}
	return s, nil
}

// MallocAsync is hipMallocAsync: size bytes from the current pool of the
// stream's device, ordered on stream: the stream's later work may use the
// memory at once, other streams once they are ordered after this call. A
// size of 0 returns a null pointer and no error.
func MallocAsync(size uint64, stream Stream) (DevicePtr, error) {
	const call = "hipMallocAsync"
	s, err := asyncStream(call, stream)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, nil
	}
	p, err := s.MallocAsync(size)
	return p, ret(call, err)
}

// MallocFromPoolAsync is hipMallocFromPoolAsync: MallocAsync from pool.
func MallocFromPoolAsync(size uint64, pool MemPool, stream Stream) (DevicePtr, error) {
	const call = "hipMallocFromPoolAsync"
	if err := poolOf(pool); err != nil {
		return 0, ret(call, err)
	}
	s, err := asyncStream(call, stream)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, nil
	}
	p, err := s.MallocFromPoolAsync(size, pool)
	return p, ret(call, err)
}

// FreeAsync is hipFreeAsync: memory from MallocAsync goes back to its pool,
// ordered on stream; work submitted to the stream before the call may still
// use it.
func FreeAsync(ptr DevicePtr, stream Stream) error {
	const call = "hipFreeAsync"
	if ptr == 0 {
		return fail(call, HipErrorInvalidValue, "null pointer")
	}
	s, err := asyncStream(call, stream)
	if err != nil {
		return err
	}
	return ret(call, s.FreeAsync(ptr))
}
