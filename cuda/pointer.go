package cuda

import (
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// pointerAttribute computes one attribute of the memory holding p, as the
// Go value listed in PointerGetAttribute's documentation.
func pointerAttribute(d *driver, a *streaming.PointerAttributes, attr PointerAttribute) (any, error) {
	switch attr {
	case CU_POINTER_ATTRIBUTE_CONTEXT:
		return d.wrap(a.Context), nil
	case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
		if a.Kind == streaming.MemoryHost || a.Kind == streaming.MemoryRegistered {
			return CU_MEMORYTYPE_HOST, nil
		}
		return CU_MEMORYTYPE_DEVICE, nil
	case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
		return a.DevicePtr, nil
	case CU_POINTER_ATTRIBUTE_HOST_POINTER:
		if !a.Kind.IsHost() || a.HostPtr == nil {
			return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttribute CU_POINTER_ATTRIBUTE_HOST_POINTER: %v memory has no host address", a.Kind)
		}
		return a.HostPtr, nil
	case CU_POINTER_ATTRIBUTE_P2P_TOKENS:
		return nil, failf(CUDA_ERROR_NOT_SUPPORTED, "cuPointerGetAttribute CU_POINTER_ATTRIBUTE_P2P_TOKENS: nv-p2p tokens are not supported")
	case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
		return true, nil
	case CU_POINTER_ATTRIBUTE_BUFFER_ID, CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
		return uint64(a.Base), nil
	case CU_POINTER_ATTRIBUTE_IS_MANAGED:
		return a.Managed, nil
	case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
		return a.Device.Ordinal(), nil
	case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
		return a.IPCCapable, nil
	case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
		return false, nil
	case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, CU_POINTER_ATTRIBUTE_MAPPING_BASE_ADDR:
		return a.Base, nil
	case CU_POINTER_ATTRIBUTE_RANGE_SIZE, CU_POINTER_ATTRIBUTE_MAPPING_SIZE:
		return a.Size, nil
	case CU_POINTER_ATTRIBUTE_MAPPED:
		return true, nil
	case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
		return uint64(CU_MEM_HANDLE_TYPE_NONE), nil
	case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
		return uint64(CU_POINTER_ATTRIBUTE_ACCESS_FLAG_READWRITE), nil
	case CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE:
		return a.Pool, nil
	}
	return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttribute: unknown attribute %d", int(attr))
}

// number converts attribute values that are numbers (or booleans) to
// uint64.
func number(v any) (uint64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return uint64(x), true
	case int32:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case int64:
		return uint64(x), true
	case uintptr:
		return uint64(x), true
	case uint64:
		return x, true
	case DevicePtr:
		return uint64(x), true
	case MemoryType:
		return uint64(x), true
	}
	return 0, false
}

// assign stores v through dst, a pointer of a type that can hold it.
func assign(dst, v any) bool {
	switch d := dst.(type) {
	case *bool:
		b, ok := v.(bool)
		if ok {
			*d = b
		}
		return ok
	case **Context:
		c, ok := v.(*Context)
		if ok {
			*d = c
		}
		return ok
	case *unsafe.Pointer:
		p, ok := v.(unsafe.Pointer)
		if ok {
			*d = p
		}
		return ok
	case **MemoryPool:
		p, ok := v.(*MemoryPool)
		if ok {
			*d = p
		}
		return ok
	}
	n, ok := number(v)
	if !ok {
		return false
	}
	switch d := dst.(type) {
	case *int:
		*d = int(n)
	case *int32:
		*d = int32(n)
	case *uint32:
		*d = uint32(n)
	case *int64:
		*d = int64(n)
	case *uint64:
		*d = n
	case *uintptr:
		*d = uintptr(n)
	case *DevicePtr:
		*d = DevicePtr(n)
	case *MemoryType:
		*d = MemoryType(n)
	default:
		return false
	}
	return true
}

// zero stores the zero value through dst (PointerGetAttributes' "NULL"
// for an address no allocation holds).
func zero(dst any) bool {
	switch d := dst.(type) {
	case *bool:
		*d = false
	case **Context:
		*d = nil
	case *unsafe.Pointer:
		*d = nil
	case **MemoryPool:
		*d = nil
	default:
		return assign(dst, uint64(0))
	}
	return true
}

// PointerGetAttribute is cuPointerGetAttribute: it stores in *data an
// attribute of the memory p points into (any allocation the runtime
// knows). The Go type of *data follows the C one; numbers may be read into
// any integer type (int, int32, uint32, int64, uint64, uintptr, DevicePtr,
// MemoryType) and booleans also into integers (0 or 1):
//
//	CU_POINTER_ATTRIBUTE_CONTEXT                *Context
//	CU_POINTER_ATTRIBUTE_MEMORY_TYPE            MemoryType: CU_MEMORYTYPE_HOST for page-locked and
//	                                            registered host memory, else CU_MEMORYTYPE_DEVICE
//	                                            (device, managed memory and module globals)
//	CU_POINTER_ATTRIBUTE_DEVICE_POINTER         DevicePtr
//	CU_POINTER_ATTRIBUTE_HOST_POINTER           unsafe.Pointer (CUDA_ERROR_INVALID_VALUE for device memory)
//	CU_POINTER_ATTRIBUTE_SYNC_MEMOPS            bool, always true: synchronous copies here always synchronize
//	CU_POINTER_ATTRIBUTE_BUFFER_ID              uint64, the allocation's base address (unique among live
//	                                            allocations; CUDA never reuses an ID, this may once freed)
//	CU_POINTER_ATTRIBUTE_IS_MANAGED             bool
//	CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL         int
//	CU_POINTER_ATTRIBUTE_RANGE_START_ADDR       DevicePtr, the allocation's base
//	CU_POINTER_ATTRIBUTE_RANGE_SIZE             uint64, the allocation's size
//	CU_POINTER_ATTRIBUTE_MAPPED                 bool, true
//	CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES   uint64, 0 (no shareable handles)
//	CU_POINTER_ATTRIBUTE_ACCESS_FLAGS           uint64, CU_POINTER_ATTRIBUTE_ACCESS_FLAG_READWRITE
//	CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE         *MemoryPool, the pool of MemAllocAsync memory, else nil
//	CU_POINTER_ATTRIBUTE_MAPPING_SIZE           uint64, as RANGE_SIZE
//	CU_POINTER_ATTRIBUTE_MAPPING_BASE_ADDR      DevicePtr, as RANGE_START_ADDR
//	CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID        uint64, as BUFFER_ID
//	CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE bool, cuMemAlloc memory where cuIpcGetMemHandle works
//	CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE bool, false
//
// CU_POINTER_ATTRIBUTE_P2P_TOKENS is CUDA_ERROR_NOT_SUPPORTED. An address
// no allocation holds, an unknown attribute or a *data of the wrong type
// is CUDA_ERROR_INVALID_VALUE.
func PointerGetAttribute[T any](data *T, attr PointerAttribute, p DevicePtr) error {
	d, err := get()
	if err != nil {
		return err
	}
	if data == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttribute: NULL data")
	}
	a, err := d.rt.PointerAttributes(p)
	if err != nil {
		return fail(err)
	}
	v, err := pointerAttribute(d, &a, attr)
	if err != nil {
		return err
	}
	if !assign(any(data), v) {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttribute %v: a %T cannot be stored in a %T", attr, v, data)
	}
	return nil
}

// PointerGetAttributes is cuPointerGetAttributes: data[i] (a pointer, as
// for PointerGetAttribute; nil skips the attribute) receives attribute
// attrs[i] of the memory p points into. Unlike PointerGetAttribute, an
// address no allocation holds is not an error: every attribute is set to
// its zero value (false, 0, nil).
func PointerGetAttributes(attrs []PointerAttribute, data []any, p DevicePtr) error {
	d, err := get()
	if err != nil {
		return err
	}
	if len(attrs) != len(data) {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttributes: %d attributes but %d data pointers", len(attrs), len(data))
	}
	a, aerr := d.rt.PointerAttributes(p)
	for i, attr := range attrs {
		if data[i] == nil {
			continue
		}
		if aerr != nil {
			if _, ok := lookupName(pointerAttributeNames, int(attr)); !ok {
				return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttributes: unknown attribute %d", int(attr))
			}
			if !zero(data[i]) {
				return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttributes: data[%d] is a %T, not a pointer to a value", i, data[i])
			}
			continue
		}
		v, err := pointerAttribute(d, &a, attr)
		if err != nil {
			return err
		}
		if !assign(data[i], v) {
			return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerGetAttributes %v: a %T cannot be stored in data[%d], a %T", attr, v, i, data[i])
		}
	}
	return nil
}

// PointerSetAttribute is cuPointerSetAttribute. The only settable attribute
// is CU_POINTER_ATTRIBUTE_SYNC_MEMOPS (*value a bool or an integer), which
// is accepted for any allocation and changes nothing: synchronous copies
// here always synchronize. Any other attribute, an address no allocation
// holds or a nil value is CUDA_ERROR_INVALID_VALUE.
func PointerSetAttribute[T any](value *T, attr PointerAttribute, p DevicePtr) error {
	d, err := get()
	if err != nil {
		return err
	}
	if attr != CU_POINTER_ATTRIBUTE_SYNC_MEMOPS {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerSetAttribute: %v cannot be set", attr)
	}
	if value == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerSetAttribute: NULL value")
	}
	var b bool
	var n uint64
	if !assign(&b, any(*value)) && !assign(&n, any(*value)) {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuPointerSetAttribute %v: value is a %T, want a bool or an integer", attr, *value)
	}
	if _, err := d.rt.PointerAttributes(p); err != nil {
		return fail(err)
	}
	return nil
}

// location translates a device argument of MemAdvise and MemPrefetchAsync:
// CU_DEVICE_CPU is the host (nil).
func (d *driver) location(dev Device) (*streaming.Device, error) {
	if dev == CU_DEVICE_CPU {
		return nil, nil
	}
	return d.device(dev)
}

// MemAdvise is cuMemAdvise: advice (CU_MEM_ADVISE_*) about how [p, p+n) of
// managed memory will be used by dev (CU_DEVICE_CPU for the host; ignored
// for the read-mostly advice). It is a hint, acted on by backends whose
// driver implements hal.Advisor and recorded for MemRangeGetAttribute on
// all. The range must lie in one MemAllocManaged allocation
// (CUDA_ERROR_INVALID_VALUE otherwise); a device without concurrent
// managed access is CUDA_ERROR_INVALID_DEVICE.
func MemAdvise(p DevicePtr, n uint64, advice MemAdvice, dev Device) error {
	d, err := get()
	if err != nil {
		return err
	}
	var sd *streaming.Device
	if advice != CU_MEM_ADVISE_SET_READ_MOSTLY && advice != CU_MEM_ADVISE_UNSET_READ_MOSTLY {
		if sd, err = d.location(dev); err != nil {
			return err
		}
	}
	return check(d.rt.MemAdvise(p, n, streaming.MemAdvice(advice), sd))
}

// MemPrefetchAsync is cuMemPrefetchAsync: [p, p+n) of managed memory moves
// to dstDevice (CU_DEVICE_CPU: the host) in the order of s. A hint, as for
// MemAdvise: where the backend's memory is already reachable from every
// device it only records the location for MemRangeGetAttribute.
func MemPrefetchAsync(p DevicePtr, n uint64, dstDevice Device, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemPrefetchAsync"); err != nil {
			return err
		}
	}
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.location(dstDevice)
	if err != nil {
		return err
	}
	return check(ss.MemPrefetchAsync(p, n, sd))
}

// locationType is a location's CUmemLocationType.
func locationType(loc int) int32 {
	switch {
	case loc >= 0:
		return int32(CU_MEM_LOCATION_TYPE_DEVICE)
	case loc == streaming.LocationHost:
		return int32(CU_MEM_LOCATION_TYPE_HOST)
	}
	return int32(CU_MEM_LOCATION_TYPE_INVALID)
}

// MemRangeGetAttribute is cuMemRangeGetAttribute: it fills data (the C
// data array of dataSize/4 32-bit integers) with an attribute of [p, p+n)
// of managed memory. CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY takes any non-empty
// data and fills it with the devices advised as accessing the range
// (CU_DEVICE_CPU for the host), then CU_DEVICE_INVALID; every other
// attribute takes exactly one element. Locations are device ordinals,
// CU_DEVICE_CPU or CU_DEVICE_INVALID (none); the _TYPE attributes are
// CU_MEM_LOCATION_TYPE_* values. Advice is tracked per allocation: a range
// reports the advice of the allocation holding it.
func MemRangeGetAttribute(data []int32, attr MemRangeAttribute, p DevicePtr, n uint64) error {
	d, err := get()
	if err != nil {
		return err
	}
	return memRangeGetAttribute(d, data, attr, p, n)
}

func memRangeGetAttribute(d *driver, data []int32, attr MemRangeAttribute, p DevicePtr, n uint64) error {
	if _, ok := lookupName(memRangeAttributeNames, int(attr)); !ok {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuMemRangeGetAttribute: unknown attribute %d", int(attr))
	}
	if len(data) == 0 || attr != CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY && len(data) != 1 {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuMemRangeGetAttribute %v: %d data elements", attr, len(data))
	}
	ra, err := d.rt.MemRangeAttributes(p, n)
	if err != nil {
		return fail(err)
	}
	switch attr {
	case CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY:
		data[0] = int32(b2i(ra.ReadMostly))
	case CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION, CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_ID:
		data[0] = int32(ra.PreferredLocation)
	case CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_TYPE:
		data[0] = locationType(ra.PreferredLocation)
	case CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION, CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION_ID:
		data[0] = int32(ra.LastPrefetchLocation)
	case CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION_TYPE:
		data[0] = locationType(ra.LastPrefetchLocation)
	case CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY:
		for i := range data {
			data[i] = CU_DEVICE_INVALID
			if i < len(ra.AccessedBy) {
				data[i] = int32(ra.AccessedBy[i])
			}
		}
	}
	return nil
}

// MemRangeGetAttributes is cuMemRangeGetAttributes: data[i] receives
// attribute attrs[i], as MemRangeGetAttribute fills it.
func MemRangeGetAttributes(data [][]int32, attrs []MemRangeAttribute, p DevicePtr, n uint64) error {
	d, err := get()
	if err != nil {
		return err
	}
	if len(data) != len(attrs) || len(attrs) == 0 {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuMemRangeGetAttributes: %d attributes and %d data arrays", len(attrs), len(data))
	}
	for i, attr := range attrs {
		if err := memRangeGetAttribute(d, data[i], attr, p, n); err != nil {
			return err
		}
	}
	return nil
}
