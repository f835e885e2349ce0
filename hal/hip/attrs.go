//go:build cgo

package hip

import (
	"crypto/sha1"
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/hal"
	shiphip "github.com/streamhal/streamhal/hip/hipabi"
)

// infoAttr is one hal.DeviceInfo field filled from hipDeviceGetAttribute.
// The numbering is HIP's own hipDeviceAttribute_t (not CUDA's), the same in
// ROCm 5 and 6 for every attribute below.
type infoAttr struct {
	attr shiphip.DeviceAttribute
	set  func(in *hal.DeviceInfo, v int)
}

// infoAttrs lists the attributes Info reports. An attribute the runtime
// does not know (ROCm 5 lacks hipDeviceAttributeHostRegisterSupported)
// leaves its field at the default set in deviceInfo.
var infoAttrs = []infoAttr{
	{shiphip.HipDeviceAttributeComputeCapabilityMajor, func(in *hal.DeviceInfo, v int) { in.ComputeMajor = v }},
	{shiphip.HipDeviceAttributeComputeCapabilityMinor, func(in *hal.DeviceInfo, v int) { in.ComputeMinor = v }},
	{shiphip.HipDeviceAttributeMultiprocessorCount, func(in *hal.DeviceInfo, v int) { in.MultiprocessorCount = v }},
	{shiphip.HipDeviceAttributeMaxThreadsPerBlock, func(in *hal.DeviceInfo, v int) { in.MaxThreadsPerBlock = v }},
	{shiphip.HipDeviceAttributeMaxBlockDimX, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[0] = v }},
	{shiphip.HipDeviceAttributeMaxBlockDimY, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[1] = v }},
	{shiphip.HipDeviceAttributeMaxBlockDimZ, func(in *hal.DeviceInfo, v int) { in.MaxBlockDim[2] = v }},
	{shiphip.HipDeviceAttributeMaxGridDimX, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[0] = v }},
	{shiphip.HipDeviceAttributeMaxGridDimY, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[1] = v }},
	{shiphip.HipDeviceAttributeMaxGridDimZ, func(in *hal.DeviceInfo, v int) { in.MaxGridDim[2] = v }},
	{shiphip.HipDeviceAttributeWarpSize, func(in *hal.DeviceInfo, v int) { in.WarpSize = v }},
	{shiphip.HipDeviceAttributeMaxSharedMemoryPerBlock, func(in *hal.DeviceInfo, v int) { in.SharedMemPerBlock = v }},
	{shiphip.HipDeviceAttributeSharedMemPerBlockOptin, func(in *hal.DeviceInfo, v int) { in.SharedMemPerBlockOptin = v }},
	{shiphip.HipDeviceAttributeSharedMemPerMultiprocessor, func(in *hal.DeviceInfo, v int) { in.SharedMemPerMultiprocessor = v }},
	{shiphip.HipDeviceAttributeMaxThreadsPerMultiProcessor, func(in *hal.DeviceInfo, v int) { in.MaxThreadsPerMultiprocessor = v }},
	{shiphip.HipDeviceAttributeMaxBlocksPerMultiProcessor, func(in *hal.DeviceInfo, v int) { in.MaxBlocksPerMultiprocessor = v }},
	{shiphip.HipDeviceAttributeMaxRegistersPerBlock, func(in *hal.DeviceInfo, v int) { in.RegistersPerBlock = v }},
	{shiphip.HipDeviceAttributeMaxRegistersPerMultiprocessor, func(in *hal.DeviceInfo, v int) { in.RegistersPerMultiprocessor = v }},
	{shiphip.HipDeviceAttributeTotalConstantMemory, func(in *hal.DeviceInfo, v int) { in.TotalConstantMem = v }},
	{shiphip.HipDeviceAttributeClockRate, func(in *hal.DeviceInfo, v int) { in.ClockRateKHz = v }},
	{shiphip.HipDeviceAttributeMemoryClockRate, func(in *hal.DeviceInfo, v int) { in.MemoryClockRateKHz = v }},
	{shiphip.HipDeviceAttributeMemoryBusWidth, func(in *hal.DeviceInfo, v int) { in.MemoryBusWidth = v }},
	{shiphip.HipDeviceAttributeL2CacheSize, func(in *hal.DeviceInfo, v int) { in.L2CacheSize = v }},
	{shiphip.HipDeviceAttributeMaxPitch, func(in *hal.DeviceInfo, v int) { in.MaxPitch = int64(v) }},
	{shiphip.HipDeviceAttributeTextureAlignment, func(in *hal.DeviceInfo, v int) { in.TextureAlignment = v }},
	{shiphip.HipDeviceAttributeTexturePitchAlignment, func(in *hal.DeviceInfo, v int) { in.PitchAlignment = v }},
	{shiphip.HipDeviceAttributeAsyncEngineCount, func(in *hal.DeviceInfo, v int) { in.AsyncEngineCount = v }},
	{shiphip.HipDeviceAttributePciDomainID, func(in *hal.DeviceInfo, v int) { in.PCIDomainID = v }},
	{shiphip.HipDeviceAttributePciBusId, func(in *hal.DeviceInfo, v int) { in.PCIBusID = v }},
	{shiphip.HipDeviceAttributePciDeviceId, func(in *hal.DeviceInfo, v int) { in.PCIDeviceID = v }},
	{shiphip.HipDeviceAttributeIntegrated, func(in *hal.DeviceInfo, v int) { in.Integrated = v != 0 }},
	{shiphip.HipDeviceAttributeCanMapHostMemory, func(in *hal.DeviceInfo, v int) { in.CanMapHostMemory = v != 0 }},
	{shiphip.HipDeviceAttributeUnifiedAddressing, func(in *hal.DeviceInfo, v int) { in.UnifiedAddressing = v != 0 }},
	{shiphip.HipDeviceAttributeManagedMemory, func(in *hal.DeviceInfo, v int) { in.ManagedMemory = v != 0 }},
	{shiphip.HipDeviceAttributeConcurrentManagedAccess, func(in *hal.DeviceInfo, v int) { in.ConcurrentManagedAccess = v != 0 }},
	{shiphip.HipDeviceAttributeConcurrentKernels, func(in *hal.DeviceInfo, v int) { in.ConcurrentKernels = v != 0 }},
	{shiphip.HipDeviceAttributeCooperativeLaunch, func(in *hal.DeviceInfo, v int) { in.CooperativeLaunch = v != 0 }},
	{shiphip.HipDeviceAttributeEccEnabled, func(in *hal.DeviceInfo, v int) { in.ECCEnabled = v != 0 }},
	{shiphip.HipDeviceAttributeHostRegisterSupported, func(in *hal.DeviceInfo, v int) { in.HostRegisterSupported = v != 0 }},
	{shiphip.HipDeviceAttributeMemoryPoolsSupported, func(in *hal.DeviceInfo, v int) { in.MemoryPoolsSupported = v != 0 }},
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
	attr func(shiphip.DeviceAttribute) (int, error)
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
		if v, err := f.attr(shiphip.HipDeviceAttributeMaxSharedMemoryPerMultiprocessor); err == nil {
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
