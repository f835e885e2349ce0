package hip

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/streaming"
)

// DriverGetVersion is hipDriverGetVersion: HIP_VERSION, the HIP release
// whose API this package models.
func DriverGetVersion() (int, error) { return HIP_VERSION, nil }

// RuntimeGetVersion is hipRuntimeGetVersion: HIP_VERSION.
func RuntimeGetVersion() (int, error) { return HIP_VERSION, nil }

// GetDeviceCount is hipGetDeviceCount. With no device at all the runtime
// cannot open and the error is HipErrorNoDevice.
func GetDeviceCount() (int, error) {
	rt, err := openRuntime()
	if err != nil {
		return 0, ret("hipGetDeviceCount", err)
	}
	return rt.DeviceCount(), nil
}

// DeviceGet is hipDeviceGet: the device with the given ordinal
// (HipErrorInvalidDevice when there is none).
func DeviceGet(ordinal int) (Device, error) {
	if _, err := device(Device(ordinal)); err != nil {
		return 0, ret("hipDeviceGet", err)
	}
	return Device(ordinal), nil
}

// DeviceGetName is hipDeviceGetName.
func DeviceGetName(dev Device) (string, error) {
	d, err := device(dev)
	if err != nil {
		return "", ret("hipDeviceGetName", err)
	}
	return d.Name(), nil
}

// DeviceGetUuid is hipDeviceGetUuid: the device's 16-byte identifier.
func DeviceGetUuid(dev Device) ([16]byte, error) {
	d, err := device(dev)
	if err != nil {
		return [16]byte{}, ret("hipDeviceGetUuid", err)
	}
	return d.UUID(), nil
}

// DeviceTotalMem is hipDeviceTotalMem: the device memory in bytes.
func DeviceTotalMem(dev Device) (uint64, error) {
	d, err := device(dev)
	if err != nil {
		return 0, ret("hipDeviceTotalMem", err)
	}
	return d.TotalMemory(), nil
}

// DeviceComputeCapability is hipDeviceComputeCapability: the CUDA compute
// capability, or the backend's analogue (CPU: 0.0).
func DeviceComputeCapability(dev Device) (major, minor int, err error) {
	d, err := device(dev)
	if err != nil {
		return 0, 0, ret("hipDeviceComputeCapability", err)
	}
	major, minor = d.ComputeCapability()
	return major, minor, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// props fills a DeviceProp from what the backend reports. Fields the
// backends do not know (textures, surfaces, LUID, HDP registers...) are
// zero.
func props(d *streaming.Device) DeviceProp {
	info := d.Info()
	p := DeviceProp{
		Name:                                   info.Name,
		UUID:                                   info.UUID,
		TotalGlobalMem:                         info.TotalMem,
		SharedMemPerBlock:                      uint64(info.SharedMemPerBlock),
		RegsPerBlock:                           info.RegistersPerBlock,
		WarpSize:                               info.WarpSize,
		MemPitch:                               uint64(info.MaxPitch),
		MaxThreadsPerBlock:                     info.MaxThreadsPerBlock,
		MaxThreadsDim:                          info.MaxBlockDim,
		MaxGridSize:                            info.MaxGridDim,
		ClockRate:                              info.ClockRateKHz,
		TotalConstMem:                          uint64(info.TotalConstantMem),
		Major:                                  info.ComputeMajor,
		Minor:                                  info.ComputeMinor,
		TextureAlignment:                       uint64(info.TextureAlignment),
		TexturePitchAlignment:                  uint64(info.PitchAlignment),
		DeviceOverlap:                          b2i(info.AsyncEngineCount > 0),
		MultiProcessorCount:                    info.MultiprocessorCount,
		Integrated:                             b2i(info.Integrated),
		CanMapHostMemory:                       b2i(info.CanMapHostMemory),
		ComputeMode:                            int(HipComputeModeDefault),
		ConcurrentKernels:                      b2i(info.ConcurrentKernels),
		ECCEnabled:                             b2i(info.ECCEnabled),
		PCIBusID:                               info.PCIBusID,
		PCIDeviceID:                            info.PCIDeviceID,
		PCIDomainID:                            info.PCIDomainID,
		AsyncEngineCount:                       info.AsyncEngineCount,
		UnifiedAddressing:                      b2i(info.UnifiedAddressing),
		MemoryClockRate:                        info.MemoryClockRateKHz,
		MemoryBusWidth:                         info.MemoryBusWidth,
		L2CacheSize:                            info.L2CacheSize,
		MaxThreadsPerMultiProcessor:            info.MaxThreadsPerMultiprocessor,
		StreamPrioritiesSupported:              b2i(info.StreamPriorityLeast != info.StreamPriorityGreatest),
		SharedMemPerMultiprocessor:             uint64(info.SharedMemPerMultiprocessor),
		RegsPerMultiprocessor:                  info.RegistersPerMultiprocessor,
		ManagedMemory:                          b2i(info.ManagedMemory),
		ConcurrentManagedAccess:                b2i(info.ConcurrentManagedAccess),
		CanUseHostPointerForRegisteredMem:      b2i(info.Integrated && info.UnifiedAddressing),
		CooperativeLaunch:                      b2i(info.CooperativeLaunch),
		SharedMemPerBlockOptin:                 uint64(info.SharedMemPerBlockOptin),
		DirectManagedMemAccessFromHost:         b2i(info.ManagedMemory && info.Integrated),
		MaxBlocksPerMultiProcessor:             info.MaxBlocksPerMultiprocessor,
		HostRegisterSupported:                  b2i(info.HostRegisterSupported),
		MemoryPoolsSupported:                   b2i(info.MemoryPoolsSupported),
		GcnArchName:                            info.Arch,
		MaxSharedMemoryPerMultiProcessor:       uint64(info.SharedMemPerMultiprocessor),
		PageableMemoryAccess:                   0,
		PageableMemoryAccessUsesHostPageTables: 0,
	}
	p.Arch.Has3dGrid = info.MaxGridDim[2] > 1 && info.MaxBlockDim[2] > 1
	return p
}

// GetDeviceProperties is hipGetDeviceProperties: the device's properties
// as far as its backend reports them (see DeviceProp; unknown fields are 0).
func GetDeviceProperties(dev Device) (DeviceProp, error) {
	d, err := device(dev)
	if err != nil {
		return DeviceProp{}, ret("hipGetDeviceProperties", err)
	}
	return props(d), nil
}

// clampInt bounds a size_t property to C int, as hipDeviceGetAttribute
// does for the attributes that are size_t in hipDeviceProp_t.
func clampInt(v uint64) int { return int(min(v, math.MaxInt32)) }

// deviceAttrs maps every hipDeviceAttribute_t this package answers to its
// value; hipDeviceGetAttribute rejects the others with HipErrorInvalidValue,
// as AMD's runtime does for attributes it does not handle.
var deviceAttrs = map[DeviceAttribute]func(p *DeviceProp) int{
	HipDeviceAttributeEccEnabled:                              func(p *DeviceProp) int { return p.ECCEnabled },
	HipDeviceAttributeAccessPolicyMaxWindowSize:               func(p *DeviceProp) int { return p.AccessPolicyMaxWindowSize },
	HipDeviceAttributeAsyncEngineCount:                        func(p *DeviceProp) int { return p.AsyncEngineCount },
	HipDeviceAttributeCanMapHostMemory:                        func(p *DeviceProp) int { return p.CanMapHostMemory },
	HipDeviceAttributeCanUseHostPointerForRegisteredMem:       func(p *DeviceProp) int { return p.CanUseHostPointerForRegisteredMem },
	HipDeviceAttributeClockRate:                               func(p *DeviceProp) int { return p.ClockRate },
	HipDeviceAttributeComputeMode:                             func(p *DeviceProp) int { return p.ComputeMode },
	HipDeviceAttributeComputePreemptionSupported:              func(p *DeviceProp) int { return p.ComputePreemptionSupported },
	HipDeviceAttributeConcurrentKernels:                       func(p *DeviceProp) int { return p.ConcurrentKernels },
	HipDeviceAttributeConcurrentManagedAccess:                 func(p *DeviceProp) int { return p.ConcurrentManagedAccess },
	HipDeviceAttributeCooperativeLaunch:                       func(p *DeviceProp) int { return p.CooperativeLaunch },
	HipDeviceAttributeCooperativeMultiDeviceLaunch:            func(p *DeviceProp) int { return p.CooperativeMultiDeviceLaunch },
	HipDeviceAttributeDeviceOverlap:                           func(p *DeviceProp) int { return p.DeviceOverlap },
	HipDeviceAttributeDirectManagedMemAccessFromHost:          func(p *DeviceProp) int { return p.DirectManagedMemAccessFromHost },
	HipDeviceAttributeGlobalL1CacheSupported:                  func(p *DeviceProp) int { return p.GlobalL1CacheSupported },
	HipDeviceAttributeHostNativeAtomicSupported:               func(p *DeviceProp) int { return p.HostNativeAtomicSupported },
	HipDeviceAttributeIntegrated:                              func(p *DeviceProp) int { return p.Integrated },
	HipDeviceAttributeIsMultiGpuBoard:                         func(p *DeviceProp) int { return p.IsMultiGpuBoard },
	HipDeviceAttributeKernelExecTimeout:                       func(p *DeviceProp) int { return p.KernelExecTimeoutEnabled },
	HipDeviceAttributeL2CacheSize:                             func(p *DeviceProp) int { return p.L2CacheSize },
	HipDeviceAttributeLocalL1CacheSupported:                   func(p *DeviceProp) int { return p.LocalL1CacheSupported },
	HipDeviceAttributeComputeCapabilityMajor:                  func(p *DeviceProp) int { return p.Major },
	HipDeviceAttributeManagedMemory:                           func(p *DeviceProp) int { return p.ManagedMemory },
	HipDeviceAttributeMaxBlocksPerMultiProcessor:              func(p *DeviceProp) int { return p.MaxBlocksPerMultiProcessor },
	HipDeviceAttributeMaxBlockDimX:                            func(p *DeviceProp) int { return p.MaxThreadsDim[0] },
	HipDeviceAttributeMaxBlockDimY:                            func(p *DeviceProp) int { return p.MaxThreadsDim[1] },
	HipDeviceAttributeMaxBlockDimZ:                            func(p *DeviceProp) int { return p.MaxThreadsDim[2] },
	HipDeviceAttributeMaxGridDimX:                             func(p *DeviceProp) int { return p.MaxGridSize[0] },
	HipDeviceAttributeMaxGridDimY:                             func(p *DeviceProp) int { return p.MaxGridSize[1] },
	HipDeviceAttributeMaxGridDimZ:                             func(p *DeviceProp) int { return p.MaxGridSize[2] },
	HipDeviceAttributeMaxTexture1DWidth:                       func(p *DeviceProp) int { return p.MaxTexture1D },
	HipDeviceAttributeMaxTexture2DWidth:                       func(p *DeviceProp) int { return p.MaxTexture2D[0] },
	HipDeviceAttributeMaxTexture2DHeight:                      func(p *DeviceProp) int { return p.MaxTexture2D[1] },
	HipDeviceAttributeMaxTexture3DWidth:                       func(p *DeviceProp) int { return p.MaxTexture3D[0] },
	HipDeviceAttributeMaxTexture3DHeight:                      func(p *DeviceProp) int { return p.MaxTexture3D[1] },
	HipDeviceAttributeMaxTexture3DDepth:                       func(p *DeviceProp) int { return p.MaxTexture3D[2] },
	HipDeviceAttributeMaxThreadsPerBlock:                      func(p *DeviceProp) int { return p.MaxThreadsPerBlock },
	HipDeviceAttributeMaxThreadsPerMultiProcessor:             func(p *DeviceProp) int { return p.MaxThreadsPerMultiProcessor },
	HipDeviceAttributeMaxPitch:                                func(p *DeviceProp) int { return clampInt(p.MemPitch) },
	HipDeviceAttributeMemoryBusWidth:                          func(p *DeviceProp) int { return p.MemoryBusWidth },
	HipDeviceAttributeMemoryClockRate:                         func(p *DeviceProp) int { return p.MemoryClockRate },
	HipDeviceAttributeComputeCapabilityMinor:                  func(p *DeviceProp) int { return p.Minor },
	HipDeviceAttributeMultiGpuBoardGroupID:                    func(p *DeviceProp) int { return p.MultiGpuBoardGroupID },
	HipDeviceAttributeMultiprocessorCount:                     func(p *DeviceProp) int { return p.MultiProcessorCount },
	HipDeviceAttributePageableMemoryAccess:                    func(p *DeviceProp) int { return p.PageableMemoryAccess },
	HipDeviceAttributePageableMemoryAccessUsesHostPageTables:  func(p *DeviceProp) int { return p.PageableMemoryAccessUsesHostPageTables },
	HipDeviceAttributePciBusId:                                func(p *DeviceProp) int { return p.PCIBusID },
	HipDeviceAttributePciDeviceId:                             func(p *DeviceProp) int { return p.PCIDeviceID },
	HipDeviceAttributePciDomainID:                             func(p *DeviceProp) int { return p.PCIDomainID },
	HipDeviceAttributePersistingL2CacheMaxSize:                func(p *DeviceProp) int { return p.PersistingL2CacheMaxSize },
	HipDeviceAttributeMaxRegistersPerBlock:                    func(p *DeviceProp) int { return p.RegsPerBlock },
	HipDeviceAttributeMaxRegistersPerMultiprocessor:           func(p *DeviceProp) int { return p.RegsPerMultiprocessor },
	HipDeviceAttributeReservedSharedMemPerBlock:               func(p *DeviceProp) int { return clampInt(p.ReservedSharedMemPerBlock) },
	HipDeviceAttributeMaxSharedMemoryPerBlock:                 func(p *DeviceProp) int { return clampInt(p.SharedMemPerBlock) },
	HipDeviceAttributeSharedMemPerBlockOptin:                  func(p *DeviceProp) int { return clampInt(p.SharedMemPerBlockOptin) },
	HipDeviceAttributeSharedMemPerMultiprocessor:              func(p *DeviceProp) int { return clampInt(p.SharedMemPerMultiprocessor) },
	HipDeviceAttributeSingleToDoublePrecisionPerfRatio:        func(p *DeviceProp) int { return p.SingleToDoublePrecisionPerfRatio },
	HipDeviceAttributeStreamPrioritiesSupported:               func(p *DeviceProp) int { return p.StreamPrioritiesSupported },
	HipDeviceAttributeSurfaceAlignment:                        func(p *DeviceProp) int { return clampInt(p.SurfaceAlignment) },
	HipDeviceAttributeTccDriver:                               func(p *DeviceProp) int { return p.TCCDriver },
	HipDeviceAttributeTextureAlignment:                        func(p *DeviceProp) int { return clampInt(p.TextureAlignment) },
	HipDeviceAttributeTexturePitchAlignment:                   func(p *DeviceProp) int { return clampInt(p.TexturePitchAlignment) },
	HipDeviceAttributeTotalConstantMemory:                     func(p *DeviceProp) int { return clampInt(p.TotalConstMem) },
	HipDeviceAttributeTotalGlobalMem:                          func(p *DeviceProp) int { return clampInt(p.TotalGlobalMem) },
	HipDeviceAttributeUnifiedAddressing:                       func(p *DeviceProp) int { return p.UnifiedAddressing },
	HipDeviceAttributeWarpSize:                                func(p *DeviceProp) int { return p.WarpSize },
	HipDeviceAttributeMemoryPoolsSupported:                    func(p *DeviceProp) int { return p.MemoryPoolsSupported },
	HipDeviceAttributeVirtualMemoryManagementSupported:        func(p *DeviceProp) int { return 0 },
	HipDeviceAttributeHostRegisterSupported:                   func(p *DeviceProp) int { return p.HostRegisterSupported },
	HipDeviceAttributeMemoryPoolSupportedHandleTypes:          func(p *DeviceProp) int { return int(p.MemoryPoolSupportedHandleTypes) },
	HipDeviceAttributeClockInstructionRate:                    func(p *DeviceProp) int { return p.ClockInstructionRate },
	HipDeviceAttributeMaxSharedMemoryPerMultiprocessor:        func(p *DeviceProp) int { return clampInt(p.MaxSharedMemoryPerMultiProcessor) },
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedFunc:     func(p *DeviceProp) int { return p.CooperativeMultiDeviceUnmatchedFunc },
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedGridDim:  func(p *DeviceProp) int { return p.CooperativeMultiDeviceUnmatchedGridDim },
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedBlockDim: func(p *DeviceProp) int { return p.CooperativeMultiDeviceUnmatchedBlockDim },
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedSharedMem: func(p *DeviceProp) int {
		return p.CooperativeMultiDeviceUnmatchedSharedMem
	},
	HipDeviceAttributeIsLargeBar:                  func(p *DeviceProp) int { return p.IsLargeBar },
	HipDeviceAttributeAsicRevision:                func(p *DeviceProp) int { return p.AsicRevision },
	HipDeviceAttributeCanUseStreamWaitValue:       func(p *DeviceProp) int { return 0 },
	HipDeviceAttributeImageSupport:                func(p *DeviceProp) int { return 0 },
	HipDeviceAttributePhysicalMultiProcessorCount: func(p *DeviceProp) int { return p.MultiProcessorCount },
	HipDeviceAttributeFineGrainSupport:            func(p *DeviceProp) int { return p.CanMapHostMemory },
	HipDeviceAttributeWallClockRate:               func(p *DeviceProp) int { return 0 },
}

// DeviceGetAttribute is hipDeviceGetAttribute, with HIP's numbering of
// attributes. Values come from GetDeviceProperties; size_t properties are
// clamped to C int as HIP does. Attributes the backends cannot know and
// HIP reports as unsupported on AMD devices (LUID, HDP registers, surface
// and most texture limits) are HipErrorInvalidValue; a handful that depend
// on hardware details no backend reports (wall clock rate, stream wait
// value, images, virtual memory management) read 0.
func DeviceGetAttribute(attr DeviceAttribute, dev Device) (int, error) {
	d, err := device(dev)
	if err != nil {
		return 0, ret("hipDeviceGetAttribute", err)
	}
	f, ok := deviceAttrs[attr]
	if !ok {
		return 0, fail("hipDeviceGetAttribute", HipErrorInvalidValue, "attribute %v: not supported", attr)
	}
	p := props(d)
	return f(&p), nil
}

// SetDevice is hipSetDevice: it makes dev the current device of the
// process. When the context stack is not empty, dev's primary context
// replaces its top, as cudaSetDevice does, so that later calls use dev.
func SetDevice(dev Device) error {
	d, err := device(dev)
	if err != nil {
		return ret("hipSetDevice", err)
	}
	state.mu.Lock()
	state.device = d.Ordinal()
	state.mu.Unlock()
	if stack.Depth() > 0 {
		c, err := primary(d)
		if err != nil {
			return ret("hipSetDevice", err)
		}
		stack.SetCurrent(c)
	}
	return nil
}

// GetDevice is hipGetDevice: the current device (that of the current
// context).
func GetDevice() (Device, error) {
	d, err := currentDevice()
	if err != nil {
		return 0, ret("hipGetDevice", err)
	}
	return Device(d.Ordinal()), nil
}

// DeviceGetStreamPriorityRange is hipDeviceGetStreamPriorityRange for the
// current device: greatest is the numerically lowest priority.
func DeviceGetStreamPriorityRange() (least, greatest int, err error) {
	c, err := current()
	if err != nil {
		return 0, 0, ret("hipDeviceGetStreamPriorityRange", err)
	}
	least, greatest = c.StreamPriorityRange()
	return least, greatest, nil
}

// DeviceCanAccessPeer is hipDeviceCanAccessPeer: whether dev can use
// peer's memory directly. A device is not its own peer (false, no error).
func DeviceCanAccessPeer(dev, peer Device) (bool, error) {
	d, err := device(dev)
	if err != nil {
		return false, ret("hipDeviceCanAccessPeer", err)
	}
	p, err := device(peer)
	if err != nil {
		return false, ret("hipDeviceCanAccessPeer", err)
	}
	return d.CanAccessPeer(p), nil
}

// DeviceGetP2PAttribute is hipDeviceGetP2PAttribute. src and dst must be
// two different devices (else HipErrorInvalidDevice).
func DeviceGetP2PAttribute(attr DeviceP2PAttr, src, dst Device) (int, error) {
	const call = "hipDeviceGetP2PAttribute"
	s, err := device(src)
	if err != nil {
		return 0, ret(call, err)
	}
	d, err := device(dst)
	if err != nil {
		return 0, ret(call, err)
	}
	if attr < HipDevP2PAttrPerformanceRank || attr > HipDevP2PAttrHipArrayAccessSupported {
		return 0, fail(call, HipErrorInvalidValue, "attribute %v: unknown", attr)
	}
	// HIP counts these attributes from 0, CUDA (and package streaming) from 1.
	v, err := s.P2PAttribute(streaming.P2PAttribute(attr+1), d)
	return v, ret(call, err)
}

// DeviceEnablePeerAccess is hipDeviceEnablePeerAccess: kernels and copies
// of the current device may use peer's memory. flags must be 0.
func DeviceEnablePeerAccess(peer Device, flags uint32) error {
	const call = "hipDeviceEnablePeerAccess"
	if flags != 0 {
		return fail(call, HipErrorInvalidValue, "flags %#x: want 0", flags)
	}
	d, err := currentDevice()
	if err != nil {
		return ret(call, err)
	}
	p, err := device(peer)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, d.EnablePeerAccess(p))
}

// DeviceDisablePeerAccess is hipDeviceDisablePeerAccess.
func DeviceDisablePeerAccess(peer Device) error {
	const call = "hipDeviceDisablePeerAccess"
	d, err := currentDevice()
	if err != nil {
		return ret(call, err)
	}
	p, err := device(peer)
	if err != nil {
		return ret(call, err)
	}
	if !d.CanAccessPeer(p) {
		return fail(call, HipErrorInvalidDevice, "device %d cannot access device %d", d.Ordinal(), p.Ordinal())
	}
	return ret(call, d.DisablePeerAccess(p))
}

// DeviceSynchronize is hipDeviceSynchronize: it waits for all work of the
// current device and returns the first error that work raised.
func DeviceSynchronize() error {
	d, err := currentDevice()
	if err != nil {
		return ret("hipDeviceSynchronize", err)
	}
	// Make sure the primary context the runtime API uses exists, so that a
	// failure recorded on its streams is reported.
	if _, err := current(); err != nil {
		return ret("hipDeviceSynchronize", err)
	}
	return ret("hipDeviceSynchronize", d.Synchronize(context.Background()))
}

// DeviceReset is hipDeviceReset: it destroys every allocation, stream,
// event and module of the current device's primary context and replaces it
// with a fresh one. Contexts made with CtxCreate are left alone.
func DeviceReset() error {
	d, err := currentDevice()
	if err != nil {
		return ret("hipDeviceReset", err)
	}
	return ret("hipDeviceReset", resetPrimary(d))
}

// resetPrimary resets d's primary context and drops the old one from the
// context stack.
func resetPrimary(d *streaming.Device) error {
	_, active := d.PrimaryContextState()
	if !active {
		return nil
	}
	old, err := primary(d)
	if err != nil {
		return err
	}
	if err := d.PrimaryContextReset(); err != nil {
		return err
	}
	stack.Remove(old)
	return nil
}

// DeviceGetPCIBusId is hipDeviceGetPCIBusId: the device's PCI location as
// "domain:bus:device.function" in hexadecimal ("0000:65:00.0").
func DeviceGetPCIBusId(dev Device) (string, error) {
	d, err := device(dev)
	if err != nil {
		return "", ret("hipDeviceGetPCIBusId", err)
	}
	return d.PCIBusID(), nil
}

// DeviceGetByPCIBusId is hipDeviceGetByPCIBusId: the device at a PCI
// location written "domain:bus:device[.function]" or "bus:device[.function]"
// in hexadecimal. A malformed id, or one that matches no device, is
// HipErrorInvalidValue.
func DeviceGetByPCIBusId(id string) (Device, error) {
	const call = "hipDeviceGetByPCIBusId"
	rt, err := openRuntime()
	if err != nil {
		return 0, ret(call, err)
	}
	loc, err := parsePCIBusID(id)
	if err != nil {
		return 0, ret(call, err)
	}
	for _, d := range rt.Devices() {
		info := d.Info()
		if info.PCIDomainID == loc[0] && info.PCIBusID == loc[1] && info.PCIDeviceID == loc[2] {
			return Device(d.Ordinal()), nil
		}
	}
	return 0, fail(call, HipErrorInvalidValue, "PCI bus id %q: no such device", id)
}

// parsePCIBusID reads "[domain:]bus:device[.function]" (hexadecimal
// fields, surrounding space ignored) into domain, bus and device.
func parsePCIBusID(id string) ([3]int, error) {
	bad := func(why string) ([3]int, error) {
		return [3]int{}, fmt.Errorf("PCI bus id %q: %s (want [domain:]bus:device[.function] in hexadecimal): %w", id, why, streaming.ErrInvalidValue)
	}
	s := strings.TrimSpace(id)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if _, err := strconv.ParseUint(s[i+1:], 16, 8); err != nil {
			return bad("bad function number")
		}
		s = s[:i]
	}
	fields := strings.Split(s, ":")
	if len(fields) == 2 {
		fields = append([]string{"0"}, fields...)
	}
	if len(fields) != 3 {
		return bad("want two or three fields")
	}
	var loc [3]int
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 16, 31)
		if err != nil {
			return bad(fmt.Sprintf("field %q is not a hexadecimal number", f))
		}
		loc[i] = int(v)
	}
	return loc, nil
}

// limits maps hipLimit_t to package streaming's limits.
var limits = map[Limit]streaming.Limit{
	HipLimitStackSize:      streaming.LimitStackSize,
	HipLimitPrintfFifoSize: streaming.LimitPrintfFifoSize,
	HipLimitMallocHeapSize: streaming.LimitMallocHeapSize,
}

func limitOf(call string, l Limit) (streaming.Limit, error) {
	if sl, ok := limits[l]; ok {
		return sl, nil
	}
	if l >= HipExtLimitScratchMin && l <= HipExtLimitScratchCurrent {
		return 0, fail(call, HipErrorUnsupportedLimit, "limit %v: not supported", l)
	}
	return 0, fail(call, HipErrorInvalidValue, "limit %v: unknown", l)
}

// DeviceSetLimit is hipDeviceSetLimit for the current context. The
// scratch limits of AMD's extension are HipErrorUnsupportedLimit.
func DeviceSetLimit(limit Limit, value uint64) error {
	const call = "hipDeviceSetLimit"
	l, err := limitOf(call, limit)
	if err != nil {
		return err
	}
	c, err := current()
	if err != nil {
		return ret(call, err)
	}
	return ret(call, c.SetLimit(l, value))
}

// DeviceGetLimit is hipDeviceGetLimit for the current context.
func DeviceGetLimit(limit Limit) (uint64, error) {
	const call = "hipDeviceGetLimit"
	l, err := limitOf(call, limit)
	if err != nil {
		return 0, err
	}
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	v, err := c.Limit(l)
	return v, ret(call, err)
}
