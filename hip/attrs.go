package hip

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// PointerAttributes is hipPointerAttribute_t: what hipPointerGetAttributes
// reports about the memory an address points into.
type PointerAttributes struct {
	Type            MemoryType     // HipMemoryTypeDevice, Host (pinned or registered) or Managed
	Device          int            // ordinal of the device the memory belongs to
	DevicePointer   DevicePtr      // the address device work uses for the pointer
	HostPointer     unsafe.Pointer // the host address for the pointer; nil for device memory
	IsManaged       int            // 1 for managed memory
	AllocationFlags uint32         // HostMalloc, HostRegister or MallocManaged flags
}

// memoryType translates package streaming's memory kinds.
func memoryType(k streaming.MemoryKind) MemoryType {
	switch k {
	case streaming.MemoryHost, streaming.MemoryRegistered:
		return HipMemoryTypeHost
	case streaming.MemoryManaged:
		return HipMemoryTypeManaged
	}
	return HipMemoryTypeDevice
}

// pointerAttrs looks up the allocation ptr points into.
func pointerAttrs(ptr any) (streaming.PointerAttributes, error) {
	a, err := addrOf("ptr", ptr)
	if err != nil {
		return streaming.PointerAttributes{}, err
	}
	rt, err := openRuntime()
	if err != nil {
		return streaming.PointerAttributes{}, err
	}
	return rt.PointerAttributes(DevicePtr(a.v))
}

// PointerGetAttributes is hipPointerGetAttributes. Like HIP (and CUDA
// before 11.0) it fails with HipErrorInvalidValue for an address that no
// allocation, registration or module global holds.
func PointerGetAttributes(ptr any) (PointerAttributes, error) {
	attr, err := pointerAttrs(ptr)
	if err != nil {
		return PointerAttributes{}, ret("hipPointerGetAttributes", err)
	}
	return PointerAttributes{
		Type:            memoryType(attr.Kind),
		Device:          attr.Device.Ordinal(),
		DevicePointer:   attr.DevicePtr,
		HostPointer:     attr.HostPtr,
		IsManaged:       b2i(attr.Managed),
		AllocationFlags: attr.Flags,
	}, nil
}

// pointerAttr answers one hipPointer_attribute from attr.
func pointerAttr(a PointerAttribute, attr streaming.PointerAttributes) (any, error) {
	switch a {
	case HIP_POINTER_ATTRIBUTE_CONTEXT:
		return Ctx(attr.Context), nil
	case HIP_POINTER_ATTRIBUTE_MEMORY_TYPE:
		return memoryType(attr.Kind), nil
	case HIP_POINTER_ATTRIBUTE_DEVICE_POINTER:
		return attr.DevicePtr, nil
	case HIP_POINTER_ATTRIBUTE_HOST_POINTER:
		if attr.HostPtr == nil {
			return nil, fmt.Errorf("host pointer of %v memory: the host cannot address it: %w", attr.Kind, streaming.ErrInvalidValue)
		}
		return attr.HostPtr, nil
	case HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS:
		// Every synchronous copy and memset here waits for its work.
		return true, nil
	case HIP_POINTER_ATTRIBUTE_BUFFER_ID:
		// The allocation's start is unique while the allocation lives.
		return uint64(attr.Base), nil
	case HIP_POINTER_ATTRIBUTE_IS_MANAGED:
		return attr.Managed, nil
	case HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
		return attr.Device.Ordinal(), nil
	case HIP_POINTER_ATTRIBUTE_IS_LEGACY_HIP_IPC_CAPABLE, HIP_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
		return false, nil
	case HIP_POINTER_ATTRIBUTE_RANGE_START_ADDR:
		return attr.Base, nil
	case HIP_POINTER_ATTRIBUTE_RANGE_SIZE:
		return attr.Size, nil
	case HIP_POINTER_ATTRIBUTE_MAPPED:
		return true, nil
	case HIP_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
		return uint64(HipMemHandleTypeNone), nil
	case HIP_POINTER_ATTRIBUTE_ACCESS_FLAGS:
		return HipMemAccessFlagsProtReadWrite, nil
	case HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE:
		// Memory pools are not wired into this package yet; no pointer
		// reports one.
		return MemPool(nil), nil
	case HIP_POINTER_ATTRIBUTE_P2P_TOKENS:
		return nil, fmt.Errorf("attribute %v: %w", a, streaming.ErrNotSupported)
	}
	return nil, fmt.Errorf("attribute %v: unknown: %w", a, streaming.ErrInvalidValue)
}

// PointerGetAttribute is hipPointerGetAttribute: one attribute of the
// memory ptr points into. The value's Go type depends on the attribute:
//
//	CONTEXT                      Ctx
//	MEMORY_TYPE                  MemoryType
//	DEVICE_POINTER               DevicePtr
//	HOST_POINTER                 unsafe.Pointer (HipErrorInvalidValue for device memory)
//	SYNC_MEMOPS, IS_MANAGED,
//	MAPPED, IS_LEGACY_HIP_IPC_CAPABLE,
//	IS_GPU_DIRECT_RDMA_CAPABLE   bool
//	DEVICE_ORDINAL               int
//	BUFFER_ID, RANGE_SIZE,
//	ALLOWED_HANDLE_TYPES         uint64
//	RANGE_START_ADDR             DevicePtr
//	ACCESS_FLAGS                 MemAccessFlags
//	MEMPOOL_HANDLE               MemPool
//	P2P_TOKENS                   HipErrorNotSupported
func PointerGetAttribute(attribute PointerAttribute, ptr any) (any, error) {
	const call = "hipPointerGetAttribute"
	attr, err := pointerAttrs(ptr)
	if err != nil {
		return nil, ret(call, err)
	}
	v, err := pointerAttr(attribute, attr)
	return v, ret(call, err)
}

// DrvPointerGetAttributes is hipDrvPointerGetAttributes: several
// attributes at once, with the types of PointerGetAttribute.
func DrvPointerGetAttributes(attributes []PointerAttribute, ptr any) ([]any, error) {
	const call = "hipDrvPointerGetAttributes"
	if len(attributes) == 0 {
		return nil, fail(call, HipErrorInvalidValue, "no attributes")
	}
	attr, err := pointerAttrs(ptr)
	if err != nil {
		return nil, ret(call, err)
	}
	out := make([]any, len(attributes))
	for i, a := range attributes {
		if out[i], err = pointerAttr(a, attr); err != nil {
			return nil, ret(call, err)
		}
	}
	return out, nil
}

// PointerSetAttribute is hipPointerSetAttribute. Only
// HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS may be set (value a bool or an int);
// it is accepted, and has no effect because every synchronous memory
// operation here already synchronizes.
func PointerSetAttribute(value any, attribute PointerAttribute, ptr DevicePtr) error {
	const call = "hipPointerSetAttribute"
	if attribute != HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS {
		return fail(call, HipErrorInvalidValue, "attribute %v: only HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS can be set", attribute)
	}
	switch value.(type) {
	case bool, int:
	default:
		return fail(call, HipErrorInvalidValue, "value %T: want a bool or an int", value)
	}
	_, err := pointerAttrs(ptr)
	return ret(call, err)
}

// rangeAttrs validates a managed memory range of MemRangeGetAttribute(s)
// and MemAdvise: count bytes at ptr, inside one managed or host
// allocation.
func rangeAttrs(ptr any, count uint64) (streaming.PointerAttributes, error) {
	a, err := addrOf("ptr", ptr)
	if err != nil {
		return streaming.PointerAttributes{}, err
	}
	if a.v == 0 || count == 0 {
		return streaming.PointerAttributes{}, fmt.Errorf("range [%#x, +%d): null or empty: %w", a.v, count, streaming.ErrInvalidValue)
	}
	attr, err := pointerAttrs(ptr)
	if err != nil {
		return attr, err
	}
	if count > attr.Size-(a.v-uint64(attr.Base)) {
		return attr, fmt.Errorf("range [%#x, +%d) runs past its %d-byte allocation at %#x: %w",
			a.v, count, attr.Size, uint64(attr.Base), streaming.ErrInvalidValue)
	}
	return attr, nil
}

// memRangeAttr answers one hipMemRangeAttribute. Advice is accepted but not
// recorded (see MemAdvise), so every range reads the values of memory that
// was never advised.
func memRangeAttr(a MemRangeAttribute) (any, error) {
	switch a {
	case HipMemRangeAttributeReadMostly:
		return 0, nil
	case HipMemRangeAttributePreferredLocation, HipMemRangeAttributeLastPrefetchLocation:
		return HipInvalidDeviceId, nil
	case HipMemRangeAttributeAccessedBy:
		return []int{}, nil
	case HipMemRangeAttributeCoherencyMode:
		return HipMemRangeCoherencyModeFineGrain, nil
	}
	return nil, fmt.Errorf("attribute %v: unknown: %w", a, streaming.ErrInvalidValue)
}

// MemRangeGetAttribute is hipMemRangeGetAttribute for count bytes of
// managed (or pinned host) memory at ptr. Values are int, except
// HipMemRangeAttributeAccessedBy, a []int of device ordinals. Since advice
// is not recorded, every range reads as never advised nor prefetched:
// ReadMostly 0, PreferredLocation and LastPrefetchLocation
// HipInvalidDeviceId, AccessedBy empty, CoherencyMode fine-grained.
func MemRangeGetAttribute(attribute MemRangeAttribute, ptr any, count uint64) (any, error) {
	const call = "hipMemRangeGetAttribute"
	attr, err := rangeAttrs(ptr, count)
	if err != nil {
		return nil, ret(call, err)
	}
	if !attr.Kind.IsHost() {
		return nil, fail(call, HipErrorInvalidValue, "%v memory is not managed", attr.Kind)
	}
	v, err := memRangeAttr(attribute)
	return v, ret(call, err)
}

// MemRangeGetAttributes is hipMemRangeGetAttributes: several attributes of
// MemRangeGetAttribute at once.
func MemRangeGetAttributes(attributes []MemRangeAttribute, ptr any, count uint64) ([]any, error) {
	const call = "hipMemRangeGetAttributes"
	if len(attributes) == 0 {
		return nil, fail(call, HipErrorInvalidValue, "no attributes")
	}
	attr, err := rangeAttrs(ptr, count)
	if err != nil {
		return nil, ret(call, err)
	}
	if !attr.Kind.IsHost() {
		return nil, fail(call, HipErrorInvalidValue, "%v memory is not managed", attr.Kind)
	}
	out := make([]any, len(attributes))
	for i, a := range attributes {
		if out[i], err = memRangeAttr(a); err != nil {
			return nil, ret(call, err)
		}
	}
	return out, nil
}

// adviceDevice checks the device argument of MemAdvise and
// MemPrefetchAsync: a device ordinal or HipCpuDeviceId.
func adviceDevice(dev Device) error {
	if dev == HipCpuDeviceId {
		return nil
	}
	_, err := device(dev)
	return err
}

// MemAdvise is hipMemAdvise. The arguments are checked as HIP checks them
// (a known range, a valid advice, a device ordinal or HipCpuDeviceId); the
// advice itself is accepted and has no effect: the backends keep managed
// memory where it is.
func MemAdvise(ptr any, count uint64, advice MemoryAdvise, dev Device) error {
	const call = "hipMemAdvise"
	if _, err := rangeAttrs(ptr, count); err != nil {
		return ret(call, err)
	}
	switch advice {
	case HipMemAdviseSetReadMostly, HipMemAdviseUnsetReadMostly:
		// These ignore the device.
		return nil
	case HipMemAdviseSetPreferredLocation, HipMemAdviseUnsetPreferredLocation, HipMemAdviseSetAccessedBy,
		HipMemAdviseUnsetAccessedBy, HipMemAdviseSetCoarseGrain, HipMemAdviseUnsetCoarseGrain:
		return ret(call, adviceDevice(dev))
	}
	return fail(call, HipErrorInvalidValue, "advice %v: unknown", advice)
}

// MemPrefetchAsync is hipMemPrefetchAsync: count bytes at ptr, to device
// dev (or HipCpuDeviceId), ordered on stream. It is checked as HIP checks
// it and otherwise does nothing: on every backend here managed memory is
// already where any device can use it. Memory the runtime does not know is
// HipErrorNotSupported.
func MemPrefetchAsync(ptr any, count uint64, dev Device, stream Stream) error {
	const call = "hipMemPrefetchAsync"
	a, err := addrOf("ptr", ptr)
	if err != nil {
		return ret(call, err)
	}
	if a.v == 0 || count == 0 {
		return fail(call, HipErrorInvalidValue, "range [%#x, +%d): null or empty", a.v, count)
	}
	if err := adviceDevice(dev); err != nil {
		return ret(call, err)
	}
	if _, err := streamOf(stream); err != nil {
		return ret(call, err)
	}
	if _, err := pointerAttrs(ptr); err != nil {
		return fail(call, HipErrorNotSupported, "%#x: not memory of this runtime", a.v)
	}
	_, err = rangeAttrs(ptr, count)
	return ret(call, err)
}
