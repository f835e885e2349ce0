//go:build cgo

package hip

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// infoAttr is one hal.DeviceInfo field filled from hipDeviceGetAttribute.
// The numbering is HIP's own hipDeviceAttribute_t (not CUDA's), the same in
// ROCm 5 and 6 for every attribute below.
type infoAttr struct {
	attr hipabi.DeviceAttribute
	set  func(in *hal.DeviceInfo, v int)
}

// infoAttrs lists the attributes Info reports. An attribute the runtime
// does not know (ROCm 5 lacks hipDeviceAttributeHostRegisterSupported)
// leaves its field at the default set in deviceInfo.
var infoAttrs = []infoAttr{
	{hipabi.HipDeviceAttributeComputeCapabilityMajor, func(in *hal.DeviceInfo, v int) { in.ComputeMajor = v }},
	{hipabi.HipDeviceAttributeComputeCapabilityMinor, func(in *hal.DeviceInfo, v int) { in.ComputeMinor = v }},
	{hipabi.HipDeviceAttributeMultiprocessorCount, func(in *hal.DeviceInfo, v int) { in.MultiprocessorCount = v }},
	{hipabi.HipDeviceAttributeMaxThreadsPerBlock, func(in *hal.DeviceInfo, v int) { in.MaxThreadsPerBlock = v }},
	{hipabi.HipDeviceAttributeMaxBlockDimX, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[0] = v }},
	{hipabi.HipDeviceAttributeMaxBlockDimY, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[1] = v }},
	{hipabi.HipDeviceAttributeMaxBlockDimZ, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[2] = v }},
	{hipabi.HipDeviceAttributeMaxGridDimX, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[0] = v }},
	{hipabi.HipDeviceAttributeMaxGridDimY, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[1] = v }},
	{hipabi.HipDeviceAttributeMaxGridDimZ, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[2] = v }},
	{hipabi.HipDeviceAttributeWarpSize, func(in *hal.DeviceInfo, v int) { in.WarpSize = v }},
	{hipabi.HipDeviceAttributeMaxSharedMemoryPerBlock, func(in *hal.DeviceInfo, v int) { in.SharedMemPerBlock = v }},
	{hipabi.HipDeviceAttributeSharedMemPerBlockOptin, func(in *hal.DeviceInfo, v int) { in.SharedMemPerBlockOptin = v }},
	{hipabi.HipDeviceAttributeSharedMemPerMultiprocessor, func(in *hal.DeviceInfo, v int) { in.SharedMemPerMultiprocessor = v }},
	{hipabi.HipDeviceAttributeMaxThreadsPerMultiProcessor, func(in *hal.DeviceInfo, v int) { in.MaxThreadsPerMultiprocessor = v }},
	{hipabi.HipDeviceAttributeMaxBlocksPerMultiProcessor, func(in *hal.DeviceInfo, v int) { in.MaxBlocksPerMultiprocessor = v }},
	{hipabi.HipDeviceAttributeMaxRegistersPerBlock, func(in *hal.DeviceInfo, v int) { in.RegistersPerBlock = v }},
	{hipabi.HipDeviceAttributeMaxRegistersPerMultiprocessor, func(in *hal.DeviceInfo, v int) { in.RegistersPerMultiprocessor = v }},
	{hipabi.HipDeviceAttributeTotalConstantMemory, func(in *hal.DeviceInfo, v int) { in.TotalConstantMem = v }},
	{hipabi.HipDeviceAttributeClockRate, func(in *hal.DeviceInfo, v int) { in.ClockRateKHz = v }},
	{hipabi.HipDeviceAttributeMemoryClockRate, func(in *hal.DeviceInfo, v int) { in.MemoryClockRateKHz = v }},
	{hipabi.HipDeviceAttributeMemoryBusWidth, func(in *hal.DeviceInfo, v int) { in.MemoryBusWidth = v }},
	{hipabi.HipDeviceAttributeL2CacheSize, func(in *hal.DeviceInfo, v int) { in.L2CacheSize = v }},
	{hipabi.HipDeviceAttributeMaxPitch, func(in *hal.DeviceInfo, v int) { in.MaxPitch = int64(v) }},
	{hipabi.HipDeviceAttributeTextureAlignment, func(in *hal.DeviceInfo, v int) { in.TextureAlignment = v }},
	{hipabi.HipDeviceAttributeTexturePitchAlignment, func(in *hal.DeviceInfo, v int) { in.PitchAlignment = v }},
	{hipabi.HipDeviceAttributeAsyncEngineCount, func(in *hal.DeviceInfo, v int) { in.AsyncEngineCount = v }},
	{hipabi.HipDeviceAttributePciDomainID, func(in *hal.DeviceInfo, v int) { in.PCIDomainID = v }},
	{hipabi.HipDeviceAttributePciBusId, func(in *hal.DeviceInfo, v int) { in.PCIBusID = v }},
	{hipabi.HipDeviceAttributePciDeviceId, func(in *hal.DeviceInfo, v int) { in.PCIDeviceID = v }},
	{hipabi.HipDeviceAttributeIntegrated, func(in *hal.DeviceInfo, v int) { in.Integrated = v != 0 }},
	{hipabi.HipDeviceAttributeCanMapHostMemory, func(in *hal.DeviceInfo, v int) { in.CanMapHostMemory = v != 0 }},
	{hipabi.HipDeviceAttributeUnifiedAddressing, func(in *hal.DeviceInfo, v int) { in.UnifiedAddressing = v != 0 }},
	{hipabi.HipDeviceAttributeManagedMemory, func(in *hal.DeviceInfo, v int) { in.ManagedMemory = v != 0 }},
	{hipabi.HipDeviceAttributeConcurrentManagedAccess, func(in *hal.DeviceInfo, v int) { in.ConcurrentManagedAccess = v != 0 }},
	{hipabi.HipDeviceAttributeConcurrentKernels, func(in *hal.DeviceInfo, v int) { in.ConcurrentKernels = v != 0 }},
	{hipabi.HipDeviceAttributeCooperativeLaunch, func(in *hal.DeviceInfo, v int) { in.CooperativeLaunch = v != 0 }},
	{hipabi.HipDeviceAttributeEccEnabled, func(in *hal.DeviceInfo, v int) { in.ECCEnabled = v != 0 }},
	{hipabi.HipDeviceAttributeHostRegisterSupported, func(in *hal.DeviceInfo, v int) { in.HostRegisterSupported = v != 0 }},
	{hipabi.HipDeviceAttributeMemoryPoolsSupported, func(in *hal.DeviceInfo, v int) { in.MemoryPoolsSupported = v != 0 }},
}

// deviceFacts is what deviceInfo needs from the runtime, behind functions
// so that the mapping is testable without a device.
type deviceFacts struct {
	ordinal  int
	name     string
	totalMem uint64
	uuid     [16]byte
	gcnArch  string // gcnArchName, e.g. "gfx90a:sramecc+:xnack-"
	// attr returns hipDeviceGetAttribute(attr) or an error.
	attr func(hipabi.DeviceAttribute) (int, error)
	// least and greatest are hipDeviceGetStreamPriorityRange.
	least, greatest int
}

// deviceInfo builds a hal.DeviceInfo from the runtime's answers.
func deviceInfo(f deviceFacts) hal.DeviceInfo {
	in := hal.DeviceInfo{
		Name:     f.name,
		Driver:   Name,
		Ordinal:  f.ordinal,
		TotalMem: f.totalMem,
		// hipHostRegister exists in every runtime we load; ROCm 5 has no
		// attribute to say so.
		HostRegisterSupported:  true,
		StreamPriorityLeast:    f.least,
		StreamPriorityGreatest: f.greatest,
		Arch:                   archName(f.gcnArch),
	}
	for _, a := range infoAttrs {
		if v, err := f.attr(a.attr); err == nil {
			a.set(&in, v)
		}
	}
	if in.SharedMemPerMultiprocessor == 0 {
		if v, err := f.attr(hipabi.HipDeviceAttributeMaxSharedMemoryPerMultiprocessor); err == nil {
			in.SharedMemPerMultiprocessor = v
		}
	}
	if in.StreamPriorityGreatest > in.StreamPriorityLeast {
		in.StreamPriorityGreatest, in.StreamPriorityLeast = in.StreamPriorityLeast, in.StreamPriorityGreatest
	}
	in.UUID = f.uuid
	if in.UUID == ([16]byte{}) {
		in.UUID = syntheticUUID(in)
	}
	return in
}

// syntheticUUID derives a stable identifier from the device's name and PCI
// location for runtimes that report none.
func syntheticUUID(in hal.DeviceInfo) [16]byte {
	sum := sha1.Sum([]byte(fmt.Sprintf("streamhal-hip/%s/%s/%d", in.Name, in.PCIBusIDString(), in.Ordinal)))
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50 // name-based UUID (version 5 layout)
	u[8] = u[8]&0x3f | 0x80
	return u
}

// archName reduces a gcnArchName ("gfx90a:sramecc+:xnack-") to the
// processor ("gfx90a"), the form module targets and testdata file names
// use. Anything that is not a gfx name is returned trimmed as it is.
func archName(gcn string) string {
	gcn = strings.TrimSpace(gcn)
	if i := strings.IndexByte(gcn, ':'); i >= 0 {
		gcn = gcn[:i]
	}
	return gcn
}
