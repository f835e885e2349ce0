package hip

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/internal/capi"
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
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return streaming.PointerAttributes{}, err
	}
	rt, err := openRuntime()
	if err != nil {
		return streaming.PointerAttributes{}, err
	}
	return rt.PointerAttributes(DevicePtr(a.V))
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
	case HIP_POINTER_ATTRIBUTE_IS_LEGACY_HIP_IPC_CAPABLE:
		return attr.IPCCapable, nil
	case HIP_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
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
		return attr.Pool, nil
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
//	MEMPOOL_HANDLE               MemPool (the pool of MallocAsync memory, else nil)
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

// adviceLocation translates the device argument of MemAdvise and
// MemPrefetchAsync: HipCpuDeviceId is the host (nil), anything else a
// device ordinal.
func adviceLocation(dev Device) (*streaming.Device, error) {
	if dev == HipCpuDeviceId {
		return nil, nil
	}
	return device(dev)
}

// rangeAttr answers one hipMemRangeAttribute from what package streaming
// recorded for the range. Locations need no translation: streaming
// numbers them as HIP does (a device ordinal, HipCpuDeviceId for the host,
// HipInvalidDeviceId for none).
func rangeAttr(a MemRangeAttribute, ra streaming.RangeAttributes) (any, error) {
	switch a {
	case HipMemRangeAttributeReadMostly:
		return b2i(ra.ReadMostly), nil
	case HipMemRangeAttributePreferredLocation:
		return ra.PreferredLocation, nil
	case HipMemRangeAttributeAccessedBy:
		return ra.AccessedBy, nil
	case HipMemRangeAttributeLastPrefetchLocation:
		return ra.LastPrefetchLocation, nil
	case HipMemRangeAttributeCoherencyMode:
		// The coarse-grain advice is not recorded (see MemAdvise).
		return HipMemRangeCoherencyModeFineGrain, nil
	}
	return nil, fmt.Errorf("attribute %v: unknown: %w", a, streaming.ErrInvalidValue)
}

// rangeAttrs looks up what streaming.Runtime.MemRangeAttributes recorded
// for count bytes of managed memory at ptr.
func rangeAttrs(ptr any, count uint64) (streaming.RangeAttributes, error) {
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return streaming.RangeAttributes{}, err
	}
	rt, err := openRuntime()
	if err != nil {
		return streaming.RangeAttributes{}, err
	}
	return rt.MemRangeAttributes(DevicePtr(a.V), count)
}

// MemRangeGetAttribute is hipMemRangeGetAttribute for count bytes of
// managed memory at ptr: what MemAdvise and MemPrefetchAsync recorded for
// the allocation holding the range (streaming.Runtime.MemRangeAttributes).
// Values are int, except HipMemRangeAttributeAccessedBy, a []int of device
// ordinals (HipCpuDeviceId for the host), ascending. Locations are device
// ordinals, HipCpuDeviceId or HipInvalidDeviceId (never advised or
// prefetched); HipMemRangeAttributeCoherencyMode is always
// HipMemRangeCoherencyModeFineGrain. Memory that is not managed is
// HipErrorInvalidValue.
func MemRangeGetAttribute(attribute MemRangeAttribute, ptr any, count uint64) (any, error) {
	const call = "hipMemRangeGetAttribute"
	ra, err := rangeAttrs(ptr, count)
	if err != nil {
		return nil, ret(call, err)
	}
	v, err := rangeAttr(attribute, ra)
	return v, ret(call, err)
}

// MemRangeGetAttributes is hipMemRangeGetAttributes: several attributes of
// MemRangeGetAttribute at once.
func MemRangeGetAttributes(attributes []MemRangeAttribute, ptr any, count uint64) ([]any, error) {
	const call = "hipMemRangeGetAttributes"
	if len(attributes) == 0 {
		return nil, fail(call, HipErrorInvalidValue, "no attributes")
	}
	ra, err := rangeAttrs(ptr, count)
	if err != nil {
		return nil, ret(call, err)
	}
	out := make([]any, len(attributes))
	for i, a := range attributes {
		if out[i], err = rangeAttr(a, ra); err != nil {
			return nil, ret(call, err)
		}
	}
	return out, nil
}

// MemAdvise is hipMemAdvise: advice about how count bytes of managed
// memory at ptr will be used by dev (HipCpuDeviceId: the host; ignored for
// the read-mostly advice), given to streaming.Runtime.MemAdvise: a hint
// that backends able to act on it act on, and that MemRangeGetAttribute
// reports. The coarse-grain advice of AMD's runtime is checked and has no
// effect: memory here is always fine-grained (coherent). A range outside
// one managed allocation or an unknown advice is HipErrorInvalidValue, an
// unknown device (or one without concurrent managed access)
// HipErrorInvalidDevice.
func MemAdvise(ptr any, count uint64, advice MemoryAdvise, dev Device) error {
	const call = "hipMemAdvise"
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return ret(call, err)
	}
	rt, err := openRuntime()
	if err != nil {
		return ret(call, err)
	}
	var loc *streaming.Device
	if advice != HipMemAdviseSetReadMostly && advice != HipMemAdviseUnsetReadMostly {
		if loc, err = adviceLocation(dev); err != nil {
			return ret(call, err)
		}
	}
	switch advice {
	case HipMemAdviseSetCoarseGrain, HipMemAdviseUnsetCoarseGrain:
		_, err := rt.MemRangeAttributes(DevicePtr(a.V), count)
		return ret(call, err)
	}
	// hipMemoryAdvise numbers the other advice as CUmem_advise does, which
	// is streaming.MemAdvice's numbering.
	return ret(call, rt.MemAdvise(DevicePtr(a.V), count, streaming.MemAdvice(advice), loc))
}

// MemPrefetchAsync is hipMemPrefetchAsync: count bytes of managed memory
// at ptr migrate to dev (HipCpuDeviceId: the host), ordered on stream
// (streaming.Stream.MemPrefetchAsync). A hint, as MemAdvise is: where the
// memory is already reachable from every device it is only recorded for
// MemRangeGetAttribute. Memory the runtime does not know is
// HipErrorNotSupported, as in AMD's runtime.
func MemPrefetchAsync(ptr any, count uint64, dev Device, stream Stream) error {
	const call = "hipMemPrefetchAsync"
	a, err := capi.Decode("ptr", ptr)
	if err != nil {
		return ret(call, err)
	}
	loc, err := adviceLocation(dev)
	if err != nil {
		return ret(call, err)
	}
	s, err := streamOf(stream)
	if err != nil {
		return ret(call, err)
	}
	rt, err := openRuntime()
	if err != nil {
		return ret(call, err)
	}
	if _, _, err := rt.AddressRange(DevicePtr(a.V)); err != nil && a.V != 0 {
		return ret(call, err, HipErrorNotSupported)
	}
	return ret(call, s.MemPrefetchAsync(DevicePtr(a.V), count, loc))
}
