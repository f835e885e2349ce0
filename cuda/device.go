package cuda

import (
	"cmp"
	"math"
	"slices"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// Device is a CUdevice: a device ordinal of the runtime Init opened (the
// devices of every backend, numbered together: see streaming.Runtime).
type Device int

// DeviceGet is cuDeviceGet: the device with the given ordinal;
// CUDA_ERROR_INVALID_DEVICE when there is none.
func DeviceGet(ordinal int) (Device, error) {
	d, err := get()
	if err != nil {
		return 0, err
	}
	if _, err := d.device(Device(ordinal)); err != nil {
		return 0, err
	}
	return Device(ordinal), nil
}

// DeviceGetCount is cuDeviceGetCount.
func DeviceGetCount() (int, error) {
	d, err := get()
	if err != nil {
		return 0, err
	}
	return d.rt.DeviceCount(), nil
}

// devInfo returns a device's properties.
func devInfo(dev Device) (*streaming.Device, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	return d.device(dev)
}

// DeviceGetName is cuDeviceGetName.
func DeviceGetName(dev Device) (string, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return "", err
	}
	return sd.Name(), nil
}

// DeviceGetUuid is cuDeviceGetUuid: the device's 16-byte CUuuid.
func DeviceGetUuid(dev Device) ([16]byte, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return [16]byte{}, err
	}
	return sd.UUID(), nil
}

// DeviceTotalMem is cuDeviceTotalMem: the device memory in bytes.
func DeviceTotalMem(dev Device) (uint64, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return 0, err
	}
	return sd.TotalMemory(), nil
}

// DeviceComputeCapability is the deprecated cuDeviceComputeCapability
// (CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR and _MINOR).
func DeviceComputeCapability(dev Device) (major, minor int, err error) {
	sd, err := devInfo(dev)
	if err != nil {
		return 0, 0, err
	}
	major, minor = sd.ComputeCapability()
	return major, minor, nil
}

// DeviceGetPCIBusId is cuDeviceGetPCIBusId: the PCI location as
// "domain:bus:device.function" in hex ("0000:65:00.0").
func DeviceGetPCIBusId(dev Device) (string, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return "", err
	}
	return sd.PCIBusID(), nil
}

// DeviceGetByPCIBusId is cuDeviceGetByPCIBusId: the device at a PCI
// location ("domain:bus:device.function", "domain:bus:device" or
// "bus:device.function", hex). CUDA_ERROR_INVALID_VALUE for a malformed
// string, CUDA_ERROR_INVALID_DEVICE when no device is there.
func DeviceGetByPCIBusId(pciBusID string) (Device, error) {
	d, err := get()
	if err != nil {
		return 0, err
	}
	sd, err := d.rt.DeviceByPCIBusID(pciBusID)
	if err != nil {
		return 0, fail(err)
	}
	return Device(sd.Ordinal()), nil
}

// DeviceCanAccessPeer is cuDeviceCanAccessPeer: whether dev can use peer's
// memory directly once CtxEnablePeerAccess allows it (false for dev ==
// peer, as in CUDA).
func DeviceCanAccessPeer(dev, peer Device) (bool, error) {
	d, err := get()
	if err != nil {
		return false, err
	}
	sd, err := d.device(dev)
	if err != nil {
		return false, err
	}
	pd, err := d.device(peer)
	if err != nil {
		return false, err
	}
	return sd.CanAccessPeer(pd), nil
}

// DeviceGetP2PAttribute is cuDeviceGetP2PAttribute: a
// CU_DEVICE_P2P_ATTRIBUTE_* between two distinct devices
// (CUDA_ERROR_INVALID_DEVICE for src == dst).
func DeviceGetP2PAttribute(attr P2PAttribute, src, dst Device) (int, error) {
	d, err := get()
	if err != nil {
		return 0, err
	}
	sd, err := d.device(src)
	if err != nil {
		return 0, err
	}
	dd, err := d.device(dst)
	if err != nil {
		return 0, err
	}
	v, err := sd.P2PAttribute(streaming.P2PAttribute(attr), dd)
	if err != nil {
		return 0, fail(err)
	}
	return v, nil
}

// DeviceGetAttribute is cuDeviceGetAttribute. Every CU_DEVICE_ATTRIBUTE_*
// of cuda.h has a value: those the backend describes (hal.DeviceInfo: the
// launch limits, memory sizes, compute capability, PCI location, clocks,
// the memory and launch features) come from the device; the rest have the
// documented defaults of deviceAttributes below (0 for texture and surface
// limits, which this package does not support, and for features it does
// not have). A number cuda.h does not define is CUDA_ERROR_INVALID_VALUE.
func DeviceGetAttribute(attr DeviceAttribute, dev Device) (int, error) {
	sd, err := devInfo(dev)
	if err != nil {
		return 0, err
	}
	if _, ok := lookupName(deviceAttributeNames, int(attr)); !ok {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute: unknown attribute %d", int(attr))
	}
	info := sd.Info()
	if f := deviceAttributes[attr]; f != nil {
		return f(&info), nil
	}
	return 0, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func clampInt32(v int64) int { return int(min(max(v, math.MinInt32), math.MaxInt32)) }

// deviceAttributes maps attributes to their values. An attribute of cuda.h
// missing here is 0: textures and surfaces (not supported), kernel
// execution timeout, TCC driver, multi-GPU boards, compute preemption,
// stream memory operations, cooperative multi-device launch, remote write
// flushing, virtual memory management, shareable handle types, compression,
// persisting L2 and access policy windows, reserved shared memory, sparse
// and deferred-mapping arrays, timeline semaphores, GPUDirect RDMA,
// clusters, DMA-BUF, IPC events (IPC is not implemented), tensor maps,
// fabric handles, unified function pointers, multicast, MPS, CIG, memory
// decompression, host NUMA features, and the L1 cache and pageable memory
// flags, which hal.DeviceInfo does not report.
var deviceAttributes = map[DeviceAttribute]func(*hal.DeviceInfo) int{
	CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK:                func(i *hal.DeviceInfo) int { return i.MaxThreadsPerBlock },
	CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:                      func(i *hal.DeviceInfo) int { return i.MaxBlockDim[0] },
	CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y:                      func(i *hal.DeviceInfo) int { return i.MaxBlockDim[1] },
	CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z:                      func(i *hal.DeviceInfo) int { return i.MaxBlockDim[2] },
	CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X:                       func(i *hal.DeviceInfo) int { return i.MaxGridDim[0] },
	CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:                       func(i *hal.DeviceInfo) int { return i.MaxGridDim[1] },
	CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z:                       func(i *hal.DeviceInfo) int { return i.MaxGridDim[2] },
	CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK:          func(i *hal.DeviceInfo) int { return i.SharedMemPerBlock },
	CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY:                func(i *hal.DeviceInfo) int { return i.TotalConstantMem },
	CU_DEVICE_ATTRIBUTE_WARP_SIZE:                            func(i *hal.DeviceInfo) int { return i.WarpSize },
	CU_DEVICE_ATTRIBUTE_MAX_PITCH:                            func(i *hal.DeviceInfo) int { return clampInt32(i.MaxPitch) },
	CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK:              func(i *hal.DeviceInfo) int { return i.RegistersPerBlock },
	CU_DEVICE_ATTRIBUTE_CLOCK_RATE:                           func(i *hal.DeviceInfo) int { return i.ClockRateKHz },
	CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT:                    func(i *hal.DeviceInfo) int { return i.TextureAlignment },
	CU_DEVICE_ATTRIBUTE_GPU_OVERLAP:                          func(i *hal.DeviceInfo) int { return b2i(i.AsyncEngineCount > 0) },
	CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:                 func(i *hal.DeviceInfo) int { return i.MultiprocessorCount },
	CU_DEVICE_ATTRIBUTE_INTEGRATED:                           func(i *hal.DeviceInfo) int { return b2i(i.Integrated) },
	CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY:                  func(i *hal.DeviceInfo) int { return b2i(i.CanMapHostMemory) },
	CU_DEVICE_ATTRIBUTE_COMPUTE_MODE:                         func(i *hal.DeviceInfo) int { return int(CU_COMPUTEMODE_DEFAULT) },
	CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS:                   func(i *hal.DeviceInfo) int { return b2i(i.ConcurrentKernels) },
	CU_DEVICE_ATTRIBUTE_ECC_ENABLED:                          func(i *hal.DeviceInfo) int { return b2i(i.ECCEnabled) },
	CU_DEVICE_ATTRIBUTE_PCI_BUS_ID:                           func(i *hal.DeviceInfo) int { return i.PCIBusID },
	CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID:                        func(i *hal.DeviceInfo) int { return i.PCIDeviceID },
	CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID:                        func(i *hal.DeviceInfo) int { return i.PCIDomainID },
	CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE:                    func(i *hal.DeviceInfo) int { return i.MemoryClockRateKHz },
	CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH:              func(i *hal.DeviceInfo) int { return i.MemoryBusWidth },
	CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE:                        func(i *hal.DeviceInfo) int { return i.L2CacheSize },
	CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR:       func(i *hal.DeviceInfo) int { return i.MaxThreadsPerMultiprocessor },
	CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT:                   func(i *hal.DeviceInfo) int { return i.AsyncEngineCount },
	CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING:                   func(i *hal.DeviceInfo) int { return b2i(i.UnifiedAddressing) },
	CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT:              func(i *hal.DeviceInfo) int { return i.PitchAlignment },
	CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:             func(i *hal.DeviceInfo) int { return i.ComputeMajor },
	CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:             func(i *hal.DeviceInfo) int { return i.ComputeMinor },
	CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED:          func(i *hal.DeviceInfo) int { return b2i(i.StreamPriorityLeast != i.StreamPriorityGreatest) },
	CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR: func(i *hal.DeviceInfo) int { return i.SharedMemPerMultiprocessor },
	CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR:     func(i *hal.DeviceInfo) int { return i.RegistersPerMultiprocessor },
	CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY:                       func(i *hal.DeviceInfo) int { return b2i(i.ManagedMemory) },
	CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS:            func(i *hal.DeviceInfo) int { return b2i(i.ConcurrentManagedAccess) },
	CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH:                   func(i *hal.DeviceInfo) int { return b2i(i.CooperativeLaunch) },
	CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:    func(i *hal.DeviceInfo) int { return max(i.SharedMemPerBlockOptin, i.SharedMemPerBlock) },
	CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED:              func(i *hal.DeviceInfo) int { return b2i(i.HostRegisterSupported) },
	CU_DEVICE_ATTRIBUTE_READ_ONLY_HOST_REGISTER_SUPPORTED:    func(i *hal.DeviceInfo) int { return b2i(i.HostRegisterSupported) },
	// Managed memory of an integrated device is host memory.
	CU_DEVICE_ATTRIBUTE_DIRECT_MANAGED_MEM_ACCESS_FROM_HOST: func(i *hal.DeviceInfo) int { return b2i(i.ManagedMemory && i.Integrated) },
	CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR:       func(i *hal.DeviceInfo) int { return i.MaxBlocksPerMultiprocessor },
	CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED:              func(i *hal.DeviceInfo) int { return b2i(i.MemoryPoolsSupported) },
	// One synchronization domain: the default.
	CU_DEVICE_ATTRIBUTE_MEM_SYNC_DOMAIN_COUNT: func(i *hal.DeviceInfo) int { return 1 },
	// Not a NUMA node (-1, as CUDA reports for such devices and hosts).
	CU_DEVICE_ATTRIBUTE_NUMA_ID:      func(i *hal.DeviceInfo) int { return -1 },
	CU_DEVICE_ATTRIBUTE_HOST_NUMA_ID: func(i *hal.DeviceInfo) int { return -1 },
}

// lookupName reports the C name of v in tab, sorted by value.
func lookupName(tab []enumName, v int) (string, bool) {
	i, ok := slices.BinarySearchFunc(tab, v, func(e enumName, v int) int { return cmp.Compare(e.v, v) })
	if !ok {
		return "", false
	}
	return tab[i].name, true
}
