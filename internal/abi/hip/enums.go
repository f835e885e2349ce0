// HIP's enums and flags, with the values of AMD's headers (checked against
// the declarations by TestTablesMatchSource); a change needs a source.
//
// Sources: hip_runtime_api.h and hip/driver_types.h as of ROCm 6.x, with the
// values later releases append (marked "later ROCm"; read from the ROCm 7.x
// headers in ROCm/rocm-systems projects/hip). No value shown here differs
// between 6.x and 7.x; where an enum gained members they were appended.
// hipDeviceAttribute_t numbering was cross-checked against several bindings
// that spell out the numbers (hipDeviceAttributeWarpSize = 87,
// hipDeviceAttributeWallClockRate = 10017, ...). Sentinels whose value depends
// on the release (hipLimitRange, hipFuncAttributeMax, HIP_FUNC_ATTRIBUTE_MAX,
// hipGraphNodeTypeCount, hipMemAllocationTypeMax) are left out on purpose.
//
// Go names keep the C spelling with the first letter capitalised
// (hipMemcpyHostToDevice is HipMemcpyHostToDevice); names that are already
// upper case (HIP_POINTER_ATTRIBUTE_*, HIP_LAUNCH_PARAM_*) are unchanged.

package hip

import (
	"cmp"
	"slices"
	"strconv"
)

// enumName is one row of a name table: a value and its C name.
type enumName struct {
	v    int
	name string
}

// enumString looks v up in tab, which is sorted by value, and returns the C
// name, or "typ(v)" when tab has no such value.
func enumString(tab []enumName, v int, typ string) string {
	if i, ok := slices.BinarySearchFunc(tab, v, func(e enumName, v int) int { return cmp.Compare(e.v, v) }); ok {
		return tab[i].name
	}
	return typ + "(" + strconv.Itoa(v) + ")"
}

// DeviceAttribute is a hipDeviceAttribute_t, the attribute argument of
// hipDeviceGetAttribute. Its numbering is HIP's own and differs from CUDA's
// CUdevice_attribute.
type DeviceAttribute int

// hipDeviceAttribute_t values.
const (
	HipDeviceAttributeEccEnabled                               DeviceAttribute = 0
	HipDeviceAttributeAccessPolicyMaxWindowSize                DeviceAttribute = 1
	HipDeviceAttributeAsyncEngineCount                         DeviceAttribute = 2
	HipDeviceAttributeCanMapHostMemory                         DeviceAttribute = 3
	HipDeviceAttributeCanUseHostPointerForRegisteredMem        DeviceAttribute = 4
	HipDeviceAttributeClockRate                                DeviceAttribute = 5
	HipDeviceAttributeComputeMode                              DeviceAttribute = 6
	HipDeviceAttributeComputePreemptionSupported               DeviceAttribute = 7
	HipDeviceAttributeConcurrentKernels                        DeviceAttribute = 8
	HipDeviceAttributeConcurrentManagedAccess                  DeviceAttribute = 9
	HipDeviceAttributeCooperativeLaunch                        DeviceAttribute = 10
	HipDeviceAttributeCooperativeMultiDeviceLaunch             DeviceAttribute = 11
	HipDeviceAttributeDeviceOverlap                            DeviceAttribute = 12
	HipDeviceAttributeDirectManagedMemAccessFromHost           DeviceAttribute = 13
	HipDeviceAttributeGlobalL1CacheSupported                   DeviceAttribute = 14
	HipDeviceAttributeHostNativeAtomicSupported                DeviceAttribute = 15
	HipDeviceAttributeIntegrated                               DeviceAttribute = 16
	HipDeviceAttributeIsMultiGpuBoard                          DeviceAttribute = 17
	HipDeviceAttributeKernelExecTimeout                        DeviceAttribute = 18
	HipDeviceAttributeL2CacheSize                              DeviceAttribute = 19
	HipDeviceAttributeLocalL1CacheSupported                    DeviceAttribute = 20
	HipDeviceAttributeLuid                                     DeviceAttribute = 21
	HipDeviceAttributeLuidDeviceNodeMask                       DeviceAttribute = 22
	HipDeviceAttributeComputeCapabilityMajor                   DeviceAttribute = 23
	HipDeviceAttributeManagedMemory                            DeviceAttribute = 24
	HipDeviceAttributeMaxBlocksPerMultiProcessor               DeviceAttribute = 25
	HipDeviceAttributeMaxBlockDimX                             DeviceAttribute = 26
	HipDeviceAttributeMaxBlockDimY                             DeviceAttribute = 27
	HipDeviceAttributeMaxBlockDimZ                             DeviceAttribute = 28
	HipDeviceAttributeMaxGridDimX                              DeviceAttribute = 29
	HipDeviceAttributeMaxGridDimY                              DeviceAttribute = 30
	HipDeviceAttributeMaxGridDimZ                              DeviceAttribute = 31
	HipDeviceAttributeMaxSurface1D                             DeviceAttribute = 32
	HipDeviceAttributeMaxSurface1DLayered                      DeviceAttribute = 33
	HipDeviceAttributeMaxSurface2D                             DeviceAttribute = 34
	HipDeviceAttributeMaxSurface2DLayered                      DeviceAttribute = 35
	HipDeviceAttributeMaxSurface3D                             DeviceAttribute = 36
	HipDeviceAttributeMaxSurfaceCubemap                        DeviceAttribute = 37
	HipDeviceAttributeMaxSurfaceCubemapLayered                 DeviceAttribute = 38
	HipDeviceAttributeMaxTexture1DWidth                        DeviceAttribute = 39
	HipDeviceAttributeMaxTexture1DLayered                      DeviceAttribute = 40
	HipDeviceAttributeMaxTexture1DLinear                       DeviceAttribute = 41
	HipDeviceAttributeMaxTexture1DMipmap                       DeviceAttribute = 42
	HipDeviceAttributeMaxTexture2DWidth                        DeviceAttribute = 43
	HipDeviceAttributeMaxTexture2DHeight                       DeviceAttribute = 44
	HipDeviceAttributeMaxTexture2DGather                       DeviceAttribute = 45
	HipDeviceAttributeMaxTexture2DLayered                      DeviceAttribute = 46
	HipDeviceAttributeMaxTexture2DLinear                       DeviceAttribute = 47
	HipDeviceAttributeMaxTexture2DMipmap                       DeviceAttribute = 48
	HipDeviceAttributeMaxTexture3DWidth                        DeviceAttribute = 49
	HipDeviceAttributeMaxTexture3DHeight                       DeviceAttribute = 50
	HipDeviceAttributeMaxTexture3DDepth                        DeviceAttribute = 51
	HipDeviceAttributeMaxTexture3DAlt                          DeviceAttribute = 52
	HipDeviceAttributeMaxTextureCubemap                        DeviceAttribute = 53
	HipDeviceAttributeMaxTextureCubemapLayered                 DeviceAttribute = 54
	HipDeviceAttributeMaxThreadsDim                            DeviceAttribute = 55
	HipDeviceAttributeMaxThreadsPerBlock                       DeviceAttribute = 56
	HipDeviceAttributeMaxThreadsPerMultiProcessor              DeviceAttribute = 57
	HipDeviceAttributeMaxPitch                                 DeviceAttribute = 58
	HipDeviceAttributeMemoryBusWidth                           DeviceAttribute = 59
	HipDeviceAttributeMemoryClockRate                          DeviceAttribute = 60
	HipDeviceAttributeComputeCapabilityMinor                   DeviceAttribute = 61
	HipDeviceAttributeMultiGpuBoardGroupID                     DeviceAttribute = 62
	HipDeviceAttributeMultiprocessorCount                      DeviceAttribute = 63
	HipDeviceAttributeUnused1                                  DeviceAttribute = 64
	HipDeviceAttributePageableMemoryAccess                     DeviceAttribute = 65
	HipDeviceAttributePageableMemoryAccessUsesHostPageTables   DeviceAttribute = 66
	HipDeviceAttributePciBusId                                 DeviceAttribute = 67
	HipDeviceAttributePciDeviceId                              DeviceAttribute = 68
	HipDeviceAttributePciDomainID                              DeviceAttribute = 69
	HipDeviceAttributePersistingL2CacheMaxSize                 DeviceAttribute = 70
	HipDeviceAttributeMaxRegistersPerBlock                     DeviceAttribute = 71
	HipDeviceAttributeMaxRegistersPerMultiprocessor            DeviceAttribute = 72
	HipDeviceAttributeReservedSharedMemPerBlock                DeviceAttribute = 73
	HipDeviceAttributeMaxSharedMemoryPerBlock                  DeviceAttribute = 74
	HipDeviceAttributeSharedMemPerBlockOptin                   DeviceAttribute = 75
	HipDeviceAttributeSharedMemPerMultiprocessor               DeviceAttribute = 76
	HipDeviceAttributeSingleToDoublePrecisionPerfRatio         DeviceAttribute = 77
	HipDeviceAttributeStreamPrioritiesSupported                DeviceAttribute = 78
	HipDeviceAttributeSurfaceAlignment                         DeviceAttribute = 79
	HipDeviceAttributeTccDriver                                DeviceAttribute = 80
	HipDeviceAttributeTextureAlignment                         DeviceAttribute = 81
	HipDeviceAttributeTexturePitchAlignment                    DeviceAttribute = 82
	HipDeviceAttributeTotalConstantMemory                      DeviceAttribute = 83
	HipDeviceAttributeTotalGlobalMem                           DeviceAttribute = 84
	HipDeviceAttributeUnifiedAddressing                        DeviceAttribute = 85
	HipDeviceAttributeUnused2                                  DeviceAttribute = 86
	HipDeviceAttributeWarpSize                                 DeviceAttribute = 87
	HipDeviceAttributeMemoryPoolsSupported                     DeviceAttribute = 88
	HipDeviceAttributeVirtualMemoryManagementSupported         DeviceAttribute = 89
	HipDeviceAttributeHostRegisterSupported                    DeviceAttribute = 90
	HipDeviceAttributeMemoryPoolSupportedHandleTypes           DeviceAttribute = 91
	HipDeviceAttributeHostNumaId                               DeviceAttribute = 92   // later ROCm
	HipDeviceAttributeDmaBufSupported                          DeviceAttribute = 93   // later ROCm
	HipDeviceAttributeGPUDirectRDMAWithHipVMMSupported         DeviceAttribute = 94   // later ROCm
	HipDeviceAttributeHandleTypeFabricSupported                DeviceAttribute = 95   // later ROCm
	HipDeviceAttributeHostAllocDmaBufSupported                 DeviceAttribute = 96   // later ROCm
	HipDeviceAttributeGPUDirectRDMASupported                   DeviceAttribute = 97   // later ROCm
	HipDeviceAttributeGPUDirectRDMAFlushWritesOptions          DeviceAttribute = 98   // later ROCm
	HipDeviceAttributeGPUDirectRDMAWritesOrdering              DeviceAttribute = 99   // later ROCm
	HipDeviceAttributeCudaCompatibleEnd                        DeviceAttribute = 9999 // range marker
	HipDeviceAttributeClockInstructionRate                     DeviceAttribute = 10000
	HipDeviceAttributeUnused3                                  DeviceAttribute = 10001
	HipDeviceAttributeMaxSharedMemoryPerMultiprocessor         DeviceAttribute = 10002
	HipDeviceAttributeUnused4                                  DeviceAttribute = 10003
	HipDeviceAttributeUnused5                                  DeviceAttribute = 10004
	HipDeviceAttributeHdpMemFlushCntl                          DeviceAttribute = 10005
	HipDeviceAttributeHdpRegFlushCntl                          DeviceAttribute = 10006
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedFunc      DeviceAttribute = 10007
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedGridDim   DeviceAttribute = 10008
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedBlockDim  DeviceAttribute = 10009
	HipDeviceAttributeCooperativeMultiDeviceUnmatchedSharedMem DeviceAttribute = 10010
	HipDeviceAttributeIsLargeBar                               DeviceAttribute = 10011
	HipDeviceAttributeAsicRevision                             DeviceAttribute = 10012
	HipDeviceAttributeCanUseStreamWaitValue                    DeviceAttribute = 10013
	HipDeviceAttributeImageSupport                             DeviceAttribute = 10014
	HipDeviceAttributePhysicalMultiProcessorCount              DeviceAttribute = 10015
	HipDeviceAttributeFineGrainSupport                         DeviceAttribute = 10016
	HipDeviceAttributeWallClockRate                            DeviceAttribute = 10017
	HipDeviceAttributeNumberOfXccs                             DeviceAttribute = 10018 // later ROCm
	HipDeviceAttributeMaxAvailableVgprsPerThread               DeviceAttribute = 10019 // later ROCm
	HipDeviceAttributePciChipId                                DeviceAttribute = 10020 // later ROCm
	HipDeviceAttributeExpertSchedMode                          DeviceAttribute = 10021 // later ROCm
	HipDeviceAttributeMaxDynDataPrefetchRegions                DeviceAttribute = 10022 // later ROCm
	HipDeviceAttributeAmdSpecificEnd                           DeviceAttribute = 19999 // range marker
	HipDeviceAttributeVendorSpecificBegin                      DeviceAttribute = 20000 // range marker

	// Aliases of values above.
	HipDeviceAttributeCudaCompatibleBegin DeviceAttribute = 0
	HipDeviceAttributePciDomainId         DeviceAttribute = 69
	HipDeviceAttributeAmdSpecificBegin    DeviceAttribute = 10000
)

var deviceAttributeNames = []enumName{
	{0, "hipDeviceAttributeEccEnabled"},
	{1, "hipDeviceAttributeAccessPolicyMaxWindowSize"},
	{2, "hipDeviceAttributeAsyncEngineCount"},
	{3, "hipDeviceAttributeCanMapHostMemory"},
	{4, "hipDeviceAttributeCanUseHostPointerForRegisteredMem"},
	{5, "hipDeviceAttributeClockRate"},
	{6, "hipDeviceAttributeComputeMode"},
	{7, "hipDeviceAttributeComputePreemptionSupported"},
	{8, "hipDeviceAttributeConcurrentKernels"},
	{9, "hipDeviceAttributeConcurrentManagedAccess"},
	{10, "hipDeviceAttributeCooperativeLaunch"},
	{11, "hipDeviceAttributeCooperativeMultiDeviceLaunch"},
	{12, "hipDeviceAttributeDeviceOverlap"},
	{13, "hipDeviceAttributeDirectManagedMemAccessFromHost"},
	{14, "hipDeviceAttributeGlobalL1CacheSupported"},
	{15, "hipDeviceAttributeHostNativeAtomicSupported"},
	{16, "hipDeviceAttributeIntegrated"},
	{17, "hipDeviceAttributeIsMultiGpuBoard"},
	{18, "hipDeviceAttributeKernelExecTimeout"},
	{19, "hipDeviceAttributeL2CacheSize"},
	{20, "hipDeviceAttributeLocalL1CacheSupported"},
	{21, "hipDeviceAttributeLuid"},
	{22, "hipDeviceAttributeLuidDeviceNodeMask"},
	{23, "hipDeviceAttributeComputeCapabilityMajor"},
	{24, "hipDeviceAttributeManagedMemory"},
	{25, "hipDeviceAttributeMaxBlocksPerMultiProcessor"},
	{26, "hipDeviceAttributeMaxBlockDimX"},
	{27, "hipDeviceAttributeMaxBlockDimY"},
	{28, "hipDeviceAttributeMaxBlockDimZ"},
	{29, "hipDeviceAttributeMaxGridDimX"},
	{30, "hipDeviceAttributeMaxGridDimY"},
	{31, "hipDeviceAttributeMaxGridDimZ"},
	{32, "hipDeviceAttributeMaxSurface1D"},
	{33, "hipDeviceAttributeMaxSurface1DLayered"},
	{34, "hipDeviceAttributeMaxSurface2D"},
	{35, "hipDeviceAttributeMaxSurface2DLayered"},
	{36, "hipDeviceAttributeMaxSurface3D"},
	{37, "hipDeviceAttributeMaxSurfaceCubemap"},
	{38, "hipDeviceAttributeMaxSurfaceCubemapLayered"},
	{39, "hipDeviceAttributeMaxTexture1DWidth"},
	{40, "hipDeviceAttributeMaxTexture1DLayered"},
	{41, "hipDeviceAttributeMaxTexture1DLinear"},
	{42, "hipDeviceAttributeMaxTexture1DMipmap"},
	{43, "hipDeviceAttributeMaxTexture2DWidth"},
	{44, "hipDeviceAttributeMaxTexture2DHeight"},
	{45, "hipDeviceAttributeMaxTexture2DGather"},
	{46, "hipDeviceAttributeMaxTexture2DLayered"},
	{47, "hipDeviceAttributeMaxTexture2DLinear"},
	{48, "hipDeviceAttributeMaxTexture2DMipmap"},
	{49, "hipDeviceAttributeMaxTexture3DWidth"},
	{50, "hipDeviceAttributeMaxTexture3DHeight"},
	{51, "hipDeviceAttributeMaxTexture3DDepth"},
	{52, "hipDeviceAttributeMaxTexture3DAlt"},
	{53, "hipDeviceAttributeMaxTextureCubemap"},
	{54, "hipDeviceAttributeMaxTextureCubemapLayered"},
	{55, "hipDeviceAttributeMaxThreadsDim"},
	{56, "hipDeviceAttributeMaxThreadsPerBlock"},
	{57, "hipDeviceAttributeMaxThreadsPerMultiProcessor"},
	{58, "hipDeviceAttributeMaxPitch"},
	{59, "hipDeviceAttributeMemoryBusWidth"},
	{60, "hipDeviceAttributeMemoryClockRate"},
	{61, "hipDeviceAttributeComputeCapabilityMinor"},
	{62, "hipDeviceAttributeMultiGpuBoardGroupID"},
	{63, "hipDeviceAttributeMultiprocessorCount"},
	{64, "hipDeviceAttributeUnused1"},
	{65, "hipDeviceAttributePageableMemoryAccess"},
	{66, "hipDeviceAttributePageableMemoryAccessUsesHostPageTables"},
	{67, "hipDeviceAttributePciBusId"},
	{68, "hipDeviceAttributePciDeviceId"},
	{69, "hipDeviceAttributePciDomainID"},
	{70, "hipDeviceAttributePersistingL2CacheMaxSize"},
	{71, "hipDeviceAttributeMaxRegistersPerBlock"},
	{72, "hipDeviceAttributeMaxRegistersPerMultiprocessor"},
	{73, "hipDeviceAttributeReservedSharedMemPerBlock"},
	{74, "hipDeviceAttributeMaxSharedMemoryPerBlock"},
	{75, "hipDeviceAttributeSharedMemPerBlockOptin"},
	{76, "hipDeviceAttributeSharedMemPerMultiprocessor"},
	{77, "hipDeviceAttributeSingleToDoublePrecisionPerfRatio"},
	{78, "hipDeviceAttributeStreamPrioritiesSupported"},
	{79, "hipDeviceAttributeSurfaceAlignment"},
	{80, "hipDeviceAttributeTccDriver"},
	{81, "hipDeviceAttributeTextureAlignment"},
	{82, "hipDeviceAttributeTexturePitchAlignment"},
	{83, "hipDeviceAttributeTotalConstantMemory"},
	{84, "hipDeviceAttributeTotalGlobalMem"},
	{85, "hipDeviceAttributeUnifiedAddressing"},
	{86, "hipDeviceAttributeUnused2"},
	{87, "hipDeviceAttributeWarpSize"},
	{88, "hipDeviceAttributeMemoryPoolsSupported"},
	{89, "hipDeviceAttributeVirtualMemoryManagementSupported"},
	{90, "hipDeviceAttributeHostRegisterSupported"},
	{91, "hipDeviceAttributeMemoryPoolSupportedHandleTypes"},
	{92, "hipDeviceAttributeHostNumaId"},
	{93, "hipDeviceAttributeDmaBufSupported"},
	{94, "hipDeviceAttributeGPUDirectRDMAWithHipVMMSupported"},
	{95, "hipDeviceAttributeHandleTypeFabricSupported"},
	{96, "hipDeviceAttributeHostAllocDmaBufSupported"},
	{97, "hipDeviceAttributeGPUDirectRDMASupported"},
	{98, "hipDeviceAttributeGPUDirectRDMAFlushWritesOptions"},
	{99, "hipDeviceAttributeGPUDirectRDMAWritesOrdering"},
	{9999, "hipDeviceAttributeCudaCompatibleEnd"},
	{10000, "hipDeviceAttributeClockInstructionRate"},
	{10001, "hipDeviceAttributeUnused3"},
	{10002, "hipDeviceAttributeMaxSharedMemoryPerMultiprocessor"},
	{10003, "hipDeviceAttributeUnused4"},
	{10004, "hipDeviceAttributeUnused5"},
	{10005, "hipDeviceAttributeHdpMemFlushCntl"},
	{10006, "hipDeviceAttributeHdpRegFlushCntl"},
	{10007, "hipDeviceAttributeCooperativeMultiDeviceUnmatchedFunc"},
	{10008, "hipDeviceAttributeCooperativeMultiDeviceUnmatchedGridDim"},
	{10009, "hipDeviceAttributeCooperativeMultiDeviceUnmatchedBlockDim"},
	{10010, "hipDeviceAttributeCooperativeMultiDeviceUnmatchedSharedMem"},
	{10011, "hipDeviceAttributeIsLargeBar"},
	{10012, "hipDeviceAttributeAsicRevision"},
	{10013, "hipDeviceAttributeCanUseStreamWaitValue"},
	{10014, "hipDeviceAttributeImageSupport"},
	{10015, "hipDeviceAttributePhysicalMultiProcessorCount"},
	{10016, "hipDeviceAttributeFineGrainSupport"},
	{10017, "hipDeviceAttributeWallClockRate"},
	{10018, "hipDeviceAttributeNumberOfXccs"},
	{10019, "hipDeviceAttributeMaxAvailableVgprsPerThread"},
	{10020, "hipDeviceAttributePciChipId"},
	{10021, "hipDeviceAttributeExpertSchedMode"},
	{10022, "hipDeviceAttributeMaxDynDataPrefetchRegions"},
	{19999, "hipDeviceAttributeAmdSpecificEnd"},
	{20000, "hipDeviceAttributeVendorSpecificBegin"},
}

// String returns the C name of a, or "DeviceAttribute(n)" for an unknown value.
func (a DeviceAttribute) String() string {
	return enumString(deviceAttributeNames, int(a), "DeviceAttribute")
}

// FunctionAttribute is a hipFunction_attribute (HIP_FUNC_ATTRIBUTE_*), for
// hipFuncGetAttribute.
type FunctionAttribute int

// hipFunction_attribute values.
const (
	HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK                FunctionAttribute = 0
	HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES                    FunctionAttribute = 1
	HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES                     FunctionAttribute = 2
	HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES                     FunctionAttribute = 3
	HIP_FUNC_ATTRIBUTE_NUM_REGS                             FunctionAttribute = 4
	HIP_FUNC_ATTRIBUTE_PTX_VERSION                          FunctionAttribute = 5
	HIP_FUNC_ATTRIBUTE_BINARY_VERSION                       FunctionAttribute = 6
	HIP_FUNC_ATTRIBUTE_CACHE_MODE_CA                        FunctionAttribute = 7
	HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES        FunctionAttribute = 8
	HIP_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT     FunctionAttribute = 9
	HIP_FUNC_ATTRIBUTE_CLUSTER_DIM_MUST_BE_SET              FunctionAttribute = 10 // later ROCm
	HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH               FunctionAttribute = 11 // later ROCm
	HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT              FunctionAttribute = 12 // later ROCm
	HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH               FunctionAttribute = 13 // later ROCm
	HIP_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED    FunctionAttribute = 14 // later ROCm
	HIP_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE FunctionAttribute = 15 // later ROCm
)

var functionAttributeNames = []enumName{
	{0, "HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK"},
	{1, "HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES"},
	{2, "HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES"},
	{3, "HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES"},
	{4, "HIP_FUNC_ATTRIBUTE_NUM_REGS"},
	{5, "HIP_FUNC_ATTRIBUTE_PTX_VERSION"},
	{6, "HIP_FUNC_ATTRIBUTE_BINARY_VERSION"},
	{7, "HIP_FUNC_ATTRIBUTE_CACHE_MODE_CA"},
	{8, "HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES"},
	{9, "HIP_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT"},
	{10, "HIP_FUNC_ATTRIBUTE_CLUSTER_DIM_MUST_BE_SET"},
	{11, "HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH"},
	{12, "HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT"},
	{13, "HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH"},
	{14, "HIP_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED"},
	{15, "HIP_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE"},
}

// String returns the C name of a, or "FunctionAttribute(n)" for an unknown value.
func (a FunctionAttribute) String() string {
	return enumString(functionAttributeNames, int(a), "FunctionAttribute")
}

// FuncAttribute is a hipFuncAttribute, the attribute argument of
// hipFuncSetAttribute (a different enum from hipFunction_attribute, with the
// same numbers where they overlap).
type FuncAttribute int

// hipFuncAttribute values.
const (
	HipFuncAttributeMaxDynamicSharedMemorySize        FuncAttribute = 8
	HipFuncAttributePreferredSharedMemoryCarveout     FuncAttribute = 9
	HipFuncAttributeClusterDimMustBeSet               FuncAttribute = 10 // later ROCm
	HipFuncAttributeRequiredClusterWidth              FuncAttribute = 11 // later ROCm
	HipFuncAttributeRequiredClusterHeight             FuncAttribute = 12 // later ROCm
	HipFuncAttributeRequiredClusterDepth              FuncAttribute = 13 // later ROCm
	HipFuncAttributeNonPortableClusterSizeAllowed     FuncAttribute = 14 // later ROCm
	HipFuncAttributeClusterSchedulingPolicyPreference FuncAttribute = 15 // later ROCm
)

var funcAttributeNames = []enumName{
	{8, "hipFuncAttributeMaxDynamicSharedMemorySize"},
	{9, "hipFuncAttributePreferredSharedMemoryCarveout"},
	{10, "hipFuncAttributeClusterDimMustBeSet"},
	{11, "hipFuncAttributeRequiredClusterWidth"},
	{12, "hipFuncAttributeRequiredClusterHeight"},
	{13, "hipFuncAttributeRequiredClusterDepth"},
	{14, "hipFuncAttributeNonPortableClusterSizeAllowed"},
	{15, "hipFuncAttributeClusterSchedulingPolicyPreference"},
}

// String returns the C name of a, or "FuncAttribute(n)" for an unknown value.
func (a FuncAttribute) String() string {
	return enumString(funcAttributeNames, int(a), "FuncAttribute")
}

// PointerAttribute is a hipPointer_attribute (HIP_POINTER_ATTRIBUTE_*), for
// hipPointerGetAttribute.
type PointerAttribute int

// hipPointer_attribute values.
const (
	HIP_POINTER_ATTRIBUTE_CONTEXT                    PointerAttribute = 1
	HIP_POINTER_ATTRIBUTE_MEMORY_TYPE                PointerAttribute = 2
	HIP_POINTER_ATTRIBUTE_DEVICE_POINTER             PointerAttribute = 3
	HIP_POINTER_ATTRIBUTE_HOST_POINTER               PointerAttribute = 4
	HIP_POINTER_ATTRIBUTE_P2P_TOKENS                 PointerAttribute = 5
	HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS                PointerAttribute = 6
	HIP_POINTER_ATTRIBUTE_BUFFER_ID                  PointerAttribute = 7
	HIP_POINTER_ATTRIBUTE_IS_MANAGED                 PointerAttribute = 8
	HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL             PointerAttribute = 9
	HIP_POINTER_ATTRIBUTE_IS_LEGACY_HIP_IPC_CAPABLE  PointerAttribute = 10
	HIP_POINTER_ATTRIBUTE_RANGE_START_ADDR           PointerAttribute = 11
	HIP_POINTER_ATTRIBUTE_RANGE_SIZE                 PointerAttribute = 12
	HIP_POINTER_ATTRIBUTE_MAPPED                     PointerAttribute = 13
	HIP_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES       PointerAttribute = 14
	HIP_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE PointerAttribute = 15
	HIP_POINTER_ATTRIBUTE_ACCESS_FLAGS               PointerAttribute = 16
	HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE             PointerAttribute = 17
)

var pointerAttributeNames = []enumName{
	{1, "HIP_POINTER_ATTRIBUTE_CONTEXT"},
	{2, "HIP_POINTER_ATTRIBUTE_MEMORY_TYPE"},
	{3, "HIP_POINTER_ATTRIBUTE_DEVICE_POINTER"},
	{4, "HIP_POINTER_ATTRIBUTE_HOST_POINTER"},
	{5, "HIP_POINTER_ATTRIBUTE_P2P_TOKENS"},
	{6, "HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS"},
	{7, "HIP_POINTER_ATTRIBUTE_BUFFER_ID"},
	{8, "HIP_POINTER_ATTRIBUTE_IS_MANAGED"},
	{9, "HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL"},
	{10, "HIP_POINTER_ATTRIBUTE_IS_LEGACY_HIP_IPC_CAPABLE"},
	{11, "HIP_POINTER_ATTRIBUTE_RANGE_START_ADDR"},
	{12, "HIP_POINTER_ATTRIBUTE_RANGE_SIZE"},
	{13, "HIP_POINTER_ATTRIBUTE_MAPPED"},
	{14, "HIP_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES"},
	{15, "HIP_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE"},
	{16, "HIP_POINTER_ATTRIBUTE_ACCESS_FLAGS"},
	{17, "HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE"},
}

// String returns the C name of a, or "PointerAttribute(n)" for an unknown value.
func (a PointerAttribute) String() string {
	return enumString(pointerAttributeNames, int(a), "PointerAttribute")
}

// MemPoolAttr is a hipMemPoolAttr, for hipMemPoolGetAttribute and
// hipMemPoolSetAttribute.
type MemPoolAttr int

// hipMemPoolAttr values.
const (
	HipMemPoolReuseFollowEventDependencies   MemPoolAttr = 1
	HipMemPoolReuseAllowOpportunistic        MemPoolAttr = 2
	HipMemPoolReuseAllowInternalDependencies MemPoolAttr = 3
	HipMemPoolAttrReleaseThreshold           MemPoolAttr = 4
	HipMemPoolAttrReservedMemCurrent         MemPoolAttr = 5
	HipMemPoolAttrReservedMemHigh            MemPoolAttr = 6
	HipMemPoolAttrUsedMemCurrent             MemPoolAttr = 7
	HipMemPoolAttrUsedMemHigh                MemPoolAttr = 8
)

var memPoolAttrNames = []enumName{
	{1, "hipMemPoolReuseFollowEventDependencies"},
	{2, "hipMemPoolReuseAllowOpportunistic"},
	{3, "hipMemPoolReuseAllowInternalDependencies"},
	{4, "hipMemPoolAttrReleaseThreshold"},
	{5, "hipMemPoolAttrReservedMemCurrent"},
	{6, "hipMemPoolAttrReservedMemHigh"},
	{7, "hipMemPoolAttrUsedMemCurrent"},
	{8, "hipMemPoolAttrUsedMemHigh"},
}

// String returns the C name of a, or "MemPoolAttr(n)" for an unknown value.
func (a MemPoolAttr) String() string { return enumString(memPoolAttrNames, int(a), "MemPoolAttr") }

// Limit is a hipLimit_t, for hipDeviceGetLimit and hipDeviceSetLimit.
type Limit int

// hipLimit_t values.
const (
	HipLimitStackSize         Limit = 0
	HipLimitPrintfFifoSize    Limit = 1
	HipLimitMallocHeapSize    Limit = 2
	HipExtLimitScratchMin     Limit = 0x1000 // later ROCm
	HipExtLimitScratchMax     Limit = 0x1001 // later ROCm
	HipExtLimitScratchCurrent Limit = 0x1002 // later ROCm
)

var limitNames = []enumName{
	{0, "hipLimitStackSize"},
	{1, "hipLimitPrintfFifoSize"},
	{2, "hipLimitMallocHeapSize"},
	{4096, "hipExtLimitScratchMin"},
	{4097, "hipExtLimitScratchMax"},
	{4098, "hipExtLimitScratchCurrent"},
}

// String returns the C name of a, or "Limit(n)" for an unknown value.
func (a Limit) String() string { return enumString(limitNames, int(a), "Limit") }

// MemcpyKind is a hipMemcpyKind, the direction of hipMemcpy and friends.
type MemcpyKind int

// hipMemcpyKind values.
const (
	HipMemcpyHostToHost         MemcpyKind = 0
	HipMemcpyHostToDevice       MemcpyKind = 1
	HipMemcpyDeviceToHost       MemcpyKind = 2
	HipMemcpyDeviceToDevice     MemcpyKind = 3
	HipMemcpyDefault            MemcpyKind = 4
	HipMemcpyDeviceToDeviceNoCU MemcpyKind = 1024
)

var memcpyKindNames = []enumName{
	{0, "hipMemcpyHostToHost"},
	{1, "hipMemcpyHostToDevice"},
	{2, "hipMemcpyDeviceToHost"},
	{3, "hipMemcpyDeviceToDevice"},
	{4, "hipMemcpyDefault"},
	{1024, "hipMemcpyDeviceToDeviceNoCU"},
}

// String returns the C name of a, or "MemcpyKind(n)" for an unknown value.
func (a MemcpyKind) String() string { return enumString(memcpyKindNames, int(a), "MemcpyKind") }

// MemoryType is a hipMemoryType, as HIP_POINTER_ATTRIBUTE_MEMORY_TYPE and
// hipPointerGetAttributes report it. The values are those of ROCm 6 and later;
// ROCm 5 numbered them differently (host 0, device 1, array 2, unified 3,
// managed 4).
type MemoryType int

// hipMemoryType values.
const (
	HipMemoryTypeUnregistered MemoryType = 0
	HipMemoryTypeHost         MemoryType = 1
	HipMemoryTypeDevice       MemoryType = 2
	HipMemoryTypeManaged      MemoryType = 3
	HipMemoryTypeArray        MemoryType = 10
	HipMemoryTypeUnified      MemoryType = 11
)

var memoryTypeNames = []enumName{
	{0, "hipMemoryTypeUnregistered"},
	{1, "hipMemoryTypeHost"},
	{2, "hipMemoryTypeDevice"},
	{3, "hipMemoryTypeManaged"},
	{10, "hipMemoryTypeArray"},
	{11, "hipMemoryTypeUnified"},
}

// String returns the C name of a, or "MemoryType(n)" for an unknown value.
func (a MemoryType) String() string { return enumString(memoryTypeNames, int(a), "MemoryType") }

// MemoryAdvise is a hipMemoryAdvise, the advice of hipMemAdvise.
type MemoryAdvise int

// hipMemoryAdvise values.
const (
	HipMemAdviseSetReadMostly          MemoryAdvise = 1
	HipMemAdviseUnsetReadMostly        MemoryAdvise = 2
	HipMemAdviseSetPreferredLocation   MemoryAdvise = 3
	HipMemAdviseUnsetPreferredLocation MemoryAdvise = 4
	HipMemAdviseSetAccessedBy          MemoryAdvise = 5
	HipMemAdviseUnsetAccessedBy        MemoryAdvise = 6
	HipMemAdviseSetCoarseGrain         MemoryAdvise = 100
	HipMemAdviseUnsetCoarseGrain       MemoryAdvise = 101
)

var memoryAdviseNames = []enumName{
	{1, "hipMemAdviseSetReadMostly"},
	{2, "hipMemAdviseUnsetReadMostly"},
	{3, "hipMemAdviseSetPreferredLocation"},
	{4, "hipMemAdviseUnsetPreferredLocation"},
	{5, "hipMemAdviseSetAccessedBy"},
	{6, "hipMemAdviseUnsetAccessedBy"},
	{100, "hipMemAdviseSetCoarseGrain"},
	{101, "hipMemAdviseUnsetCoarseGrain"},
}

// String returns the C name of a, or "MemoryAdvise(n)" for an unknown value.
func (a MemoryAdvise) String() string { return enumString(memoryAdviseNames, int(a), "MemoryAdvise") }

// MemRangeAttribute is a hipMemRangeAttribute, for hipMemRangeGetAttribute(s).
type MemRangeAttribute int

// hipMemRangeAttribute values.
const (
	HipMemRangeAttributeReadMostly           MemRangeAttribute = 1
	HipMemRangeAttributePreferredLocation    MemRangeAttribute = 2
	HipMemRangeAttributeAccessedBy           MemRangeAttribute = 3
	HipMemRangeAttributeLastPrefetchLocation MemRangeAttribute = 4
	HipMemRangeAttributeCoherencyMode        MemRangeAttribute = 100
)

var memRangeAttributeNames = []enumName{
	{1, "hipMemRangeAttributeReadMostly"},
	{2, "hipMemRangeAttributePreferredLocation"},
	{3, "hipMemRangeAttributeAccessedBy"},
	{4, "hipMemRangeAttributeLastPrefetchLocation"},
	{100, "hipMemRangeAttributeCoherencyMode"},
}

// String returns the C name of a, or "MemRangeAttribute(n)" for an unknown value.
func (a MemRangeAttribute) String() string {
	return enumString(memRangeAttributeNames, int(a), "MemRangeAttribute")
}

// FuncCache is a hipFuncCache_t, the L1/shared memory preference of
// hipDeviceSetCacheConfig (a hint AMD devices ignore).
type FuncCache int

// hipFuncCache_t values.
const (
	HipFuncCachePreferNone   FuncCache = 0
	HipFuncCachePreferShared FuncCache = 1
	HipFuncCachePreferL1     FuncCache = 2
	HipFuncCachePreferEqual  FuncCache = 3
)

var funcCacheNames = []enumName{
	{0, "hipFuncCachePreferNone"},
	{1, "hipFuncCachePreferShared"},
	{2, "hipFuncCachePreferL1"},
	{3, "hipFuncCachePreferEqual"},
}

// String returns the C name of a, or "FuncCache(n)" for an unknown value.
func (a FuncCache) String() string { return enumString(funcCacheNames, int(a), "FuncCache") }

// SharedMemConfig is a hipSharedMemConfig, the bank size of
// hipDeviceSetSharedMemConfig (a hint AMD devices ignore).
type SharedMemConfig int

// hipSharedMemConfig values.
const (
	HipSharedMemBankSizeDefault   SharedMemConfig = 0
	HipSharedMemBankSizeFourByte  SharedMemConfig = 1
	HipSharedMemBankSizeEightByte SharedMemConfig = 2
)

var sharedMemConfigNames = []enumName{
	{0, "hipSharedMemBankSizeDefault"},
	{1, "hipSharedMemBankSizeFourByte"},
	{2, "hipSharedMemBankSizeEightByte"},
}

// String returns the C name of a, or "SharedMemConfig(n)" for an unknown value.
func (a SharedMemConfig) String() string {
	return enumString(sharedMemConfigNames, int(a), "SharedMemConfig")
}

// StreamCaptureMode is a hipStreamCaptureMode, for hipStreamBeginCapture and
// hipThreadExchangeStreamCaptureMode.
type StreamCaptureMode int

// hipStreamCaptureMode values.
const (
	HipStreamCaptureModeGlobal      StreamCaptureMode = 0
	HipStreamCaptureModeThreadLocal StreamCaptureMode = 1
	HipStreamCaptureModeRelaxed     StreamCaptureMode = 2
)

var streamCaptureModeNames = []enumName{
	{0, "hipStreamCaptureModeGlobal"},
	{1, "hipStreamCaptureModeThreadLocal"},
	{2, "hipStreamCaptureModeRelaxed"},
}

// String returns the C name of a, or "StreamCaptureMode(n)" for an unknown value.
func (a StreamCaptureMode) String() string {
	return enumString(streamCaptureModeNames, int(a), "StreamCaptureMode")
}

// StreamCaptureStatus is a hipStreamCaptureStatus, as hipStreamIsCapturing
// reports it.
type StreamCaptureStatus int

// hipStreamCaptureStatus values.
const (
	HipStreamCaptureStatusNone        StreamCaptureStatus = 0
	HipStreamCaptureStatusActive      StreamCaptureStatus = 1
	HipStreamCaptureStatusInvalidated StreamCaptureStatus = 2
)

var streamCaptureStatusNames = []enumName{
	{0, "hipStreamCaptureStatusNone"},
	{1, "hipStreamCaptureStatusActive"},
	{2, "hipStreamCaptureStatusInvalidated"},
}

// String returns the C name of a, or "StreamCaptureStatus(n)" for an unknown value.
func (a StreamCaptureStatus) String() string {
	return enumString(streamCaptureStatusNames, int(a), "StreamCaptureStatus")
}

// GraphExecUpdateResult is a hipGraphExecUpdateResult, the detail
// hipGraphExecUpdate reports.
type GraphExecUpdateResult int

// hipGraphExecUpdateResult values.
const (
	HipGraphExecUpdateSuccess                        GraphExecUpdateResult = 0
	HipGraphExecUpdateError                          GraphExecUpdateResult = 1
	HipGraphExecUpdateErrorTopologyChanged           GraphExecUpdateResult = 2
	HipGraphExecUpdateErrorNodeTypeChanged           GraphExecUpdateResult = 3
	HipGraphExecUpdateErrorFunctionChanged           GraphExecUpdateResult = 4
	HipGraphExecUpdateErrorParametersChanged         GraphExecUpdateResult = 5
	HipGraphExecUpdateErrorNotSupported              GraphExecUpdateResult = 6
	HipGraphExecUpdateErrorUnsupportedFunctionChange GraphExecUpdateResult = 7
)

var graphExecUpdateResultNames = []enumName{
	{0, "hipGraphExecUpdateSuccess"},
	{1, "hipGraphExecUpdateError"},
	{2, "hipGraphExecUpdateErrorTopologyChanged"},
	{3, "hipGraphExecUpdateErrorNodeTypeChanged"},
	{4, "hipGraphExecUpdateErrorFunctionChanged"},
	{5, "hipGraphExecUpdateErrorParametersChanged"},
	{6, "hipGraphExecUpdateErrorNotSupported"},
	{7, "hipGraphExecUpdateErrorUnsupportedFunctionChange"},
}

// String returns the C name of a, or "GraphExecUpdateResult(n)" for an unknown value.
func (a GraphExecUpdateResult) String() string {
	return enumString(graphExecUpdateResultNames, int(a), "GraphExecUpdateResult")
}

// GraphNodeType is a hipGraphNodeType, as hipGraphNodeGetType reports it.
type GraphNodeType int

// hipGraphNodeType values.
const (
	HipGraphNodeTypeKernel             GraphNodeType = 0
	HipGraphNodeTypeMemcpy             GraphNodeType = 1
	HipGraphNodeTypeMemset             GraphNodeType = 2
	HipGraphNodeTypeHost               GraphNodeType = 3
	HipGraphNodeTypeGraph              GraphNodeType = 4
	HipGraphNodeTypeEmpty              GraphNodeType = 5
	HipGraphNodeTypeWaitEvent          GraphNodeType = 6
	HipGraphNodeTypeEventRecord        GraphNodeType = 7
	HipGraphNodeTypeExtSemaphoreSignal GraphNodeType = 8
	HipGraphNodeTypeExtSemaphoreWait   GraphNodeType = 9
	HipGraphNodeTypeMemAlloc           GraphNodeType = 10
	HipGraphNodeTypeMemFree            GraphNodeType = 11
	HipGraphNodeTypeMemcpyFromSymbol   GraphNodeType = 12
	HipGraphNodeTypeMemcpyToSymbol     GraphNodeType = 13
	HipGraphNodeTypeBatchMemOp         GraphNodeType = 14 // later ROCm
)

var graphNodeTypeNames = []enumName{
	{0, "hipGraphNodeTypeKernel"},
	{1, "hipGraphNodeTypeMemcpy"},
	{2, "hipGraphNodeTypeMemset"},
	{3, "hipGraphNodeTypeHost"},
	{4, "hipGraphNodeTypeGraph"},
	{5, "hipGraphNodeTypeEmpty"},
	{6, "hipGraphNodeTypeWaitEvent"},
	{7, "hipGraphNodeTypeEventRecord"},
	{8, "hipGraphNodeTypeExtSemaphoreSignal"},
	{9, "hipGraphNodeTypeExtSemaphoreWait"},
	{10, "hipGraphNodeTypeMemAlloc"},
	{11, "hipGraphNodeTypeMemFree"},
	{12, "hipGraphNodeTypeMemcpyFromSymbol"},
	{13, "hipGraphNodeTypeMemcpyToSymbol"},
	{14, "hipGraphNodeTypeBatchMemOp"},
}

// String returns the C name of a, or "GraphNodeType(n)" for an unknown value.
func (a GraphNodeType) String() string {
	return enumString(graphNodeTypeNames, int(a), "GraphNodeType")
}

// MemLocationType is a hipMemLocationType, the kind of a hipMemLocation.
type MemLocationType int

// hipMemLocationType values.
const (
	HipMemLocationTypeInvalid         MemLocationType = 0
	HipMemLocationTypeDevice          MemLocationType = 1
	HipMemLocationTypeHost            MemLocationType = 2
	HipMemLocationTypeHostNuma        MemLocationType = 3
	HipMemLocationTypeHostNumaCurrent MemLocationType = 4

	// Aliases of values above.
	HipMemLocationTypeNone MemLocationType = 0
)

var memLocationTypeNames = []enumName{
	{0, "hipMemLocationTypeInvalid"},
	{1, "hipMemLocationTypeDevice"},
	{2, "hipMemLocationTypeHost"},
	{3, "hipMemLocationTypeHostNuma"},
	{4, "hipMemLocationTypeHostNumaCurrent"},
}

// String returns the C name of a, or "MemLocationType(n)" for an unknown value.
func (a MemLocationType) String() string {
	return enumString(memLocationTypeNames, int(a), "MemLocationType")
}

// MemAccessFlags is a hipMemAccessFlags, the protection of a hipMemAccessDesc.
type MemAccessFlags int

// hipMemAccessFlags values.
const (
	HipMemAccessFlagsProtNone      MemAccessFlags = 0
	HipMemAccessFlagsProtRead      MemAccessFlags = 1
	HipMemAccessFlagsProtReadWrite MemAccessFlags = 3
)

var memAccessFlagsNames = []enumName{
	{0, "hipMemAccessFlagsProtNone"},
	{1, "hipMemAccessFlagsProtRead"},
	{3, "hipMemAccessFlagsProtReadWrite"},
}

// String returns the C name of a, or "MemAccessFlags(n)" for an unknown value.
func (a MemAccessFlags) String() string {
	return enumString(memAccessFlagsNames, int(a), "MemAccessFlags")
}

// MemAllocationType is a hipMemAllocationType, the allocType of
// hipMemAllocationProp and hipMemPoolProps.
type MemAllocationType int

// hipMemAllocationType values.
const (
	HipMemAllocationTypeInvalid  MemAllocationType = 0
	HipMemAllocationTypePinned   MemAllocationType = 1
	HipMemAllocationTypeManaged  MemAllocationType = 2          // later ROCm
	HipMemAllocationTypeUncached MemAllocationType = 0x40000000 // later ROCm
)

var memAllocationTypeNames = []enumName{
	{0, "hipMemAllocationTypeInvalid"},
	{1, "hipMemAllocationTypePinned"},
	{2, "hipMemAllocationTypeManaged"},
	{1073741824, "hipMemAllocationTypeUncached"},
}

// String returns the C name of a, or "MemAllocationType(n)" for an unknown value.
func (a MemAllocationType) String() string {
	return enumString(memAllocationTypeNames, int(a), "MemAllocationType")
}

// MemAllocationHandleType is a hipMemAllocationHandleType, a bit mask of the
// shareable handle kinds an allocation or pool may export.
type MemAllocationHandleType int

// hipMemAllocationHandleType values.
const (
	HipMemHandleTypeNone                MemAllocationHandleType = 0
	HipMemHandleTypePosixFileDescriptor MemAllocationHandleType = 1
	HipMemHandleTypeWin32               MemAllocationHandleType = 2
	HipMemHandleTypeWin32Kmt            MemAllocationHandleType = 4
	HipMemHandleTypeFabric              MemAllocationHandleType = 8 // later ROCm
)

var memAllocationHandleTypeNames = []enumName{
	{0, "hipMemHandleTypeNone"},
	{1, "hipMemHandleTypePosixFileDescriptor"},
	{2, "hipMemHandleTypeWin32"},
	{4, "hipMemHandleTypeWin32Kmt"},
	{8, "hipMemHandleTypeFabric"},
}

// String returns the C name of a, or "MemAllocationHandleType(n)" for an unknown value.
func (a MemAllocationHandleType) String() string {
	return enumString(memAllocationHandleTypeNames, int(a), "MemAllocationHandleType")
}

// DeviceP2PAttr is a hipDeviceP2PAttr, for hipDeviceGetP2PAttribute. Unlike
// CUDA's CUdevice_P2PAttribute it counts from 0.
type DeviceP2PAttr int

// hipDeviceP2PAttr values.
const (
	HipDevP2PAttrPerformanceRank         DeviceP2PAttr = 0
	HipDevP2PAttrAccessSupported         DeviceP2PAttr = 1
	HipDevP2PAttrNativeAtomicSupported   DeviceP2PAttr = 2
	HipDevP2PAttrHipArrayAccessSupported DeviceP2PAttr = 3
)

var deviceP2PAttrNames = []enumName{
	{0, "hipDevP2PAttrPerformanceRank"},
	{1, "hipDevP2PAttrAccessSupported"},
	{2, "hipDevP2PAttrNativeAtomicSupported"},
	{3, "hipDevP2PAttrHipArrayAccessSupported"},
}

// String returns the C name of a, or "DeviceP2PAttr(n)" for an unknown value.
func (a DeviceP2PAttr) String() string {
	return enumString(deviceP2PAttrNames, int(a), "DeviceP2PAttr")
}

// ComputeMode is a hipComputeMode, as hipDeviceAttributeComputeMode reports
// it.
type ComputeMode int

// hipComputeMode values.
const (
	HipComputeModeDefault          ComputeMode = 0
	HipComputeModeExclusive        ComputeMode = 1
	HipComputeModeProhibited       ComputeMode = 2
	HipComputeModeExclusiveProcess ComputeMode = 3
)

var computeModeNames = []enumName{
	{0, "hipComputeModeDefault"},
	{1, "hipComputeModeExclusive"},
	{2, "hipComputeModeProhibited"},
	{3, "hipComputeModeExclusiveProcess"},
}

// String returns the C name of a, or "ComputeMode(n)" for an unknown value.
func (a ComputeMode) String() string { return enumString(computeModeNames, int(a), "ComputeMode") }

// Stream creation flags, for hipStreamCreateWithFlags.
const (
	HipStreamDefault     = 0x00
	HipStreamNonBlocking = 0x01
)

// Special stream handles, to pass as a hipStream_t: the legacy default stream
// and the per-thread default stream.
const (
	HipStreamLegacy    uintptr = 1
	HipStreamPerThread uintptr = 2
)

// Event creation flags, for hipEventCreateWithFlags.
const (
	HipEventDefault            = 0x0
	HipEventBlockingSync       = 0x1
	HipEventDisableTiming      = 0x2
	HipEventInterprocess       = 0x4 // requires HipEventDisableTiming
	HipEventDisableSystemFence = 0x20000000
	HipEventReleaseToDevice    = 0x40000000
	HipEventReleaseToSystem    = 0x80000000
)

// Event record flags, for hipEventRecordWithFlags.
const (
	HipEventRecordDefault  = 0x00
	HipEventRecordExternal = 0x01
)

// Event wait flags, for hipStreamWaitEvent.
const (
	HipEventWaitDefault  = 0x00
	HipEventWaitExternal = 0x01
)

// Flags of hipHostMalloc (and their hipHostAlloc spellings, same values).
const (
	HipHostMallocDefault       = 0x0
	HipHostMallocPortable      = 0x1
	HipHostMallocMapped        = 0x2
	HipHostMallocWriteCombined = 0x4 // accepted for CUDA compatibility; not functional on AMD
	HipHostMallocUncached      = 0x10000000
	HipHostMallocNumaUser      = 0x20000000
	HipHostMallocCoherent      = 0x40000000
	HipHostMallocNonCoherent   = 0x80000000

	HipHostAllocDefault       = 0x0
	HipHostAllocPortable      = 0x1
	HipHostAllocMapped        = 0x2
	HipHostAllocWriteCombined = 0x4
	HipHostAllocUncached      = 0x10000000
)

// Flags of hipHostRegister.
const (
	HipHostRegisterDefault          = 0x0
	HipHostRegisterPortable         = 0x1
	HipHostRegisterMapped           = 0x2
	HipHostRegisterIoMemory         = 0x4
	HipHostRegisterReadOnly         = 0x08 // ignored on AMD devices
	HipExtHostRegisterCoarseGrained = 0x8
	HipExtHostRegisterUncached      = 0x80000000
)

// Flags of hipExtMallocWithFlags.
const (
	HipDeviceMallocDefault     = 0x0
	HipDeviceMallocFinegrained = 0x1
	HipMallocSignalMemory      = 0x2
	HipDeviceMallocUncached    = 0x3
	HipDeviceMallocContiguous  = 0x4
)

// Memory attach flags, for hipMallocManaged and hipStreamAttachMemAsync.
const (
	HipMemAttachGlobal = 0x01
	HipMemAttachHost   = 0x02
	HipMemAttachSingle = 0x04
)

// Device flags, for hipSetDeviceFlags and hipCtxCreate: the scheduling
// policy of host threads waiting for the device, and two flags kept for CUDA
// compatibility.
const (
	HipDeviceScheduleAuto         = 0x0
	HipDeviceScheduleSpin         = 0x1
	HipDeviceScheduleYield        = 0x2
	HipDeviceScheduleBlockingSync = 0x4
	HipDeviceScheduleMask         = 0x7
	HipDeviceMapHost              = 0x8
	HipDeviceLmemResizeToMax      = 0x10
)

// Occupancy calculator flags.
const (
	HipOccupancyDefault                = 0x00
	HipOccupancyDisableCachingOverride = 0x01
)

// Graph instantiation flags (hipGraphInstantiateFlags), for
// hipGraphInstantiateWithFlags.
const (
	HipGraphInstantiateFlagAutoFreeOnLaunch = 1
	HipGraphInstantiateFlagUpload           = 2
	HipGraphInstantiateFlagDeviceLaunch     = 4
	HipGraphInstantiateFlagUseNodePriority  = 8
)

// Markers of the extra array of hipModuleLaunchKernel. HIP's values differ
// from CUDA's: the header defines them as (void*)0x01, (void*)0x02 and
// (void*)0x03, so the terminator is 3, not 0.
const (
	HIP_LAUNCH_PARAM_BUFFER_POINTER uintptr = 0x01
	HIP_LAUNCH_PARAM_BUFFER_SIZE    uintptr = 0x02
	HIP_LAUNCH_PARAM_END            uintptr = 0x03
)

// HIP_IPC_HANDLE_SIZE is the size in bytes of hipIpcMemHandle_t and
// hipIpcEventHandle_t.
const HIP_IPC_HANDLE_SIZE = 64

// HipIpcMemLazyEnablePeerAccess is the only flag of hipIpcOpenMemHandle.
const HipIpcMemLazyEnablePeerAccess = 0x01

// Special device ids: the host CPU (a location for hipMemAdvise and
// hipMemPrefetchAsync) and no device at all.
const (
	HipCpuDeviceId     = -1
	HipInvalidDeviceId = -2
)

// Memory range coherency modes (hipMemRangeCoherencyMode), the value of
// HipMemRangeAttributeCoherencyMode.
const (
	HipMemRangeCoherencyModeFineGrain     = 0
	HipMemRangeCoherencyModeCoarseGrain   = 1
	HipMemRangeCoherencyModeIndeterminate = 2
)

// Graph memory attributes (hipGraphMemAttributeType), for
// hipDeviceGetGraphMemAttribute.
const (
	HipGraphMemAttrUsedMemCurrent     = 0
	HipGraphMemAttrUsedMemHigh        = 1
	HipGraphMemAttrReservedMemCurrent = 2
	HipGraphMemAttrReservedMemHigh    = 3
)

// DeviceArch is hipDeviceArch_t, the feature flags of a device, decoded from
// its 32-bit bitfield (the first C member is bit 0, as GCC and Clang lay
// bitfields out on x86-64).
type DeviceArch struct {
	HasGlobalInt32Atomics    bool // 32-bit integer atomics for global memory
	HasGlobalFloatAtomicExch bool // 32-bit float atomic exchange for global memory
	HasSharedInt32Atomics    bool // 32-bit integer atomics for shared memory
	HasSharedFloatAtomicExch bool // 32-bit float atomic exchange for shared memory
	HasFloatAtomicAdd        bool // 32-bit float atomic add in global and shared memory
	HasGlobalInt64Atomics    bool // 64-bit integer atomics for global memory
	HasSharedInt64Atomics    bool // 64-bit integer atomics for shared memory
	HasDoubles               bool // double-precision floating point
	HasWarpVote              bool // warp vote instructions (__any, __all)
	HasWarpBallot            bool // warp ballot instructions (__ballot)
	HasWarpShuffle           bool // warp shuffle operations (__shfl_*)
	HasFunnelShift           bool // funnel shift
	HasThreadFenceSystem     bool // __threadfence_system
	HasSyncThreadsExt        bool // __syncthreads_count, _and, _or
	HasSurfaceFuncs          bool // surface functions
	Has3dGrid                bool // 3D grids and blocks
	HasDynamicParallelism    bool // dynamic parallelism
}

// DecodeDeviceArch unpacks the bits of a hipDeviceArch_t.
func DecodeDeviceArch(bits uint32) DeviceArch {
	b := func(i uint) bool { return bits&(1<<i) != 0 }
	return DeviceArch{
		HasGlobalInt32Atomics:    b(0),
		HasGlobalFloatAtomicExch: b(1),
		HasSharedInt32Atomics:    b(2),
		HasSharedFloatAtomicExch: b(3),
		HasFloatAtomicAdd:        b(4),
		HasGlobalInt64Atomics:    b(5),
		HasSharedInt64Atomics:    b(6),
		HasDoubles:               b(7),
		HasWarpVote:              b(8),
		HasWarpBallot:            b(9),
		HasWarpShuffle:           b(10),
		HasFunnelShift:           b(11),
		HasThreadFenceSystem:     b(12),
		HasSyncThreadsExt:        b(13),
		HasSurfaceFuncs:          b(14),
		Has3dGrid:                b(15),
		HasDynamicParallelism:    b(16),
	}
}

// DeviceProp is hipDeviceProp_t of HIP 6 and later (the R0600 layout) in Go
// form: strings for the character arrays, int for C int, uint64 for size_t,
// uint32 for unsigned int. Fields keep the C order and meaning; see
// DevicePropR0600 for the exact C layout and DevicePropR0600.DeviceProp for
// the conversion.
type DeviceProp struct {
	Name                                     string   // device name
	UUID                                     [16]byte // hipUUID
	LUID                                     [8]byte  // Windows only
	LUIDDeviceNodeMask                       uint32   // Windows only
	TotalGlobalMem                           uint64   // bytes of global memory
	SharedMemPerBlock                        uint64   // bytes of shared memory per block
	RegsPerBlock                             int      // 32-bit registers per block
	WarpSize                                 int      // threads per warp (wavefront)
	MemPitch                                 uint64   // largest pitch of a memory copy
	MaxThreadsPerBlock                       int      // threads per block
	MaxThreadsDim                            [3]int   // block dimensions
	MaxGridSize                              [3]int   // grid dimensions
	ClockRate                                int      // kHz
	TotalConstMem                            uint64   // bytes of constant memory
	Major                                    int      // compute capability major
	Minor                                    int      // compute capability minor
	TextureAlignment                         uint64   // alignment of textures
	TexturePitchAlignment                    uint64   // pitch alignment of textures
	DeviceOverlap                            int      // deprecated: use AsyncEngineCount
	MultiProcessorCount                      int      // compute units (WGPs in WGP mode)
	KernelExecTimeoutEnabled                 int      // run time limit on kernels
	Integrated                               int      // APU rather than discrete GPU
	CanMapHostMemory                         int      // host memory can be mapped
	ComputeMode                              int      // a ComputeMode
	MaxTexture1D                             int      // texture limits ...
	MaxTexture1DMipmap                       int
	MaxTexture1DLinear                       int
	MaxTexture2D                             [2]int
	MaxTexture2DMipmap                       [2]int
	MaxTexture2DLinear                       [3]int
	MaxTexture2DGather                       [2]int
	MaxTexture3D                             [3]int
	MaxTexture3DAlt                          [3]int
	MaxTextureCubemap                        int
	MaxTexture1DLayered                      [2]int
	MaxTexture2DLayered                      [3]int
	MaxTextureCubemapLayered                 [2]int
	MaxSurface1D                             int // surface limits ...
	MaxSurface2D                             [2]int
	MaxSurface3D                             [3]int
	MaxSurface1DLayered                      [2]int
	MaxSurface2DLayered                      [3]int
	MaxSurfaceCubemap                        int
	MaxSurfaceCubemapLayered                 [2]int
	SurfaceAlignment                         uint64 // alignment of surfaces
	ConcurrentKernels                        int    // can run kernels concurrently
	ECCEnabled                               int    // ECC is on
	PCIBusID                                 int    // PCI bus
	PCIDeviceID                              int    // PCI device
	PCIDomainID                              int    // PCI domain
	TCCDriver                                int    // CUDA only
	AsyncEngineCount                         int    // asynchronous copy engines
	UnifiedAddressing                        int    // host and device share an address space
	MemoryClockRate                          int    // kHz
	MemoryBusWidth                           int    // bits
	L2CacheSize                              int    // bytes
	PersistingL2CacheMaxSize                 int    // bytes
	MaxThreadsPerMultiProcessor              int    // resident threads per compute unit
	StreamPrioritiesSupported                int    // stream priorities work
	GlobalL1CacheSupported                   int    // globals cached in L1
	LocalL1CacheSupported                    int    // locals cached in L1
	SharedMemPerMultiprocessor               uint64 // bytes
	RegsPerMultiprocessor                    int    // 32-bit registers
	ManagedMemory                            int    // managed memory supported
	IsMultiGpuBoard                          int    // on a multi-GPU board
	MultiGpuBoardGroupID                     int    // group on that board
	HostNativeAtomicSupported                int    // native atomics over the host link
	SingleToDoublePrecisionPerfRatio         int    // CUDA only
	PageableMemoryAccess                     int    // coherent access to pageable memory
	ConcurrentManagedAccess                  int    // coherent managed memory access with the CPU
	ComputePreemptionSupported               int    // compute preemption
	CanUseHostPointerForRegisteredMem        int    // registered memory at the host address
	CooperativeLaunch                        int    // hipLaunchCooperativeKernel works
	CooperativeMultiDeviceLaunch             int    // multi-device cooperative launch works
	SharedMemPerBlockOptin                   uint64 // bytes, with opt-in
	PageableMemoryAccessUsesHostPageTables   int    // via the host page tables
	DirectManagedMemAccessFromHost           int    // host accesses managed memory directly
	MaxBlocksPerMultiProcessor               int    // resident blocks per compute unit
	AccessPolicyMaxWindowSize                int    // bytes
	ReservedSharedMemPerBlock                uint64 // bytes reserved by the driver
	HostRegisterSupported                    int    // hipHostRegister works
	SparseHipArraySupported                  int    // sparse arrays
	HostRegisterReadOnlySupported            int    // HipHostRegisterReadOnly works
	TimelineSemaphoreInteropSupported        int    // external timeline semaphores
	MemoryPoolsSupported                     int    // hipMallocAsync and memory pools
	GPUDirectRDMASupported                   int    // GPUDirect RDMA
	GPUDirectRDMAFlushWritesOptions          uint32 // hipFlushGPUDirectRDMAWritesOptions bits
	GPUDirectRDMAWritesOrdering              int    // a hipGPUDirectRDMAWritesOrdering
	MemoryPoolSupportedHandleTypes           uint32 // MemAllocationHandleType bits
	DeferredMappingHipArraySupported         int    // deferred mapping of arrays
	IPCEventSupported                        int    // IPC events
	ClusterLaunch                            int    // cluster launch
	UnifiedFunctionPointers                  int    // unified function pointers
	GcnArchName                              string // AMD architecture name, e.g. "gfx90a:sramecc+:xnack-"
	MaxSharedMemoryPerMultiProcessor         uint64 // bytes (HIP only)
	ClockInstructionRate                     int    // kHz of the device clock* counter (HIP only)
	Arch                                     DeviceArch
	HdpMemFlushCntl                          uintptr // address of HDP_MEM_COHERENCY_FLUSH_CNTL
	HdpRegFlushCntl                          uintptr // address of HDP_REG_COHERENCY_FLUSH_CNTL
	CooperativeMultiDeviceUnmatchedFunc      int     // multi-device launch with different functions
	CooperativeMultiDeviceUnmatchedGridDim   int     // ... with different grid sizes
	CooperativeMultiDeviceUnmatchedBlockDim  int     // ... with different block sizes
	CooperativeMultiDeviceUnmatchedSharedMem int     // ... with different shared memory sizes
	IsLargeBar                               int     // large PCI BAR
	AsicRevision                             int     // ASIC revision
}

// DevicePropR0600 is hipDeviceProp_t byte for byte as HIP 6 and later lay it
// out on 64-bit Linux (hipDeviceProp_tR0600, 1472 bytes, filled by
// hipGetDevicePropertiesR0600), for code that receives the C struct. Field
// names follow DeviceProp; Reserved and HipReserved are padding that HIP keeps
// for future members.
type DevicePropR0600 struct {
	Name                                     [256]byte
	UUID                                     [16]byte
	LUID                                     [8]byte
	LUIDDeviceNodeMask                       uint32
	TotalGlobalMem                           uint64
	SharedMemPerBlock                        uint64
	RegsPerBlock                             int32
	WarpSize                                 int32
	MemPitch                                 uint64
	MaxThreadsPerBlock                       int32
	MaxThreadsDim                            [3]int32
	MaxGridSize                              [3]int32
	ClockRate                                int32
	TotalConstMem                            uint64
	Major                                    int32
	Minor                                    int32
	TextureAlignment                         uint64
	TexturePitchAlignment                    uint64
	DeviceOverlap                            int32
	MultiProcessorCount                      int32
	KernelExecTimeoutEnabled                 int32
	Integrated                               int32
	CanMapHostMemory                         int32
	ComputeMode                              int32
	MaxTexture1D                             int32
	MaxTexture1DMipmap                       int32
	MaxTexture1DLinear                       int32
	MaxTexture2D                             [2]int32
	MaxTexture2DMipmap                       [2]int32
	MaxTexture2DLinear                       [3]int32
	MaxTexture2DGather                       [2]int32
	MaxTexture3D                             [3]int32
	MaxTexture3DAlt                          [3]int32
	MaxTextureCubemap                        int32
	MaxTexture1DLayered                      [2]int32
	MaxTexture2DLayered                      [3]int32
	MaxTextureCubemapLayered                 [2]int32
	MaxSurface1D                             int32
	MaxSurface2D                             [2]int32
	MaxSurface3D                             [3]int32
	MaxSurface1DLayered                      [2]int32
	MaxSurface2DLayered                      [3]int32
	MaxSurfaceCubemap                        int32
	MaxSurfaceCubemapLayered                 [2]int32
	SurfaceAlignment                         uint64
	ConcurrentKernels                        int32
	ECCEnabled                               int32
	PCIBusID                                 int32
	PCIDeviceID                              int32
	PCIDomainID                              int32
	TCCDriver                                int32
	AsyncEngineCount                         int32
	UnifiedAddressing                        int32
	MemoryClockRate                          int32
	MemoryBusWidth                           int32
	L2CacheSize                              int32
	PersistingL2CacheMaxSize                 int32
	MaxThreadsPerMultiProcessor              int32
	StreamPrioritiesSupported                int32
	GlobalL1CacheSupported                   int32
	LocalL1CacheSupported                    int32
	SharedMemPerMultiprocessor               uint64
	RegsPerMultiprocessor                    int32
	ManagedMemory                            int32
	IsMultiGpuBoard                          int32
	MultiGpuBoardGroupID                     int32
	HostNativeAtomicSupported                int32
	SingleToDoublePrecisionPerfRatio         int32
	PageableMemoryAccess                     int32
	ConcurrentManagedAccess                  int32
	ComputePreemptionSupported               int32
	CanUseHostPointerForRegisteredMem        int32
	CooperativeLaunch                        int32
	CooperativeMultiDeviceLaunch             int32
	SharedMemPerBlockOptin                   uint64
	PageableMemoryAccessUsesHostPageTables   int32
	DirectManagedMemAccessFromHost           int32
	MaxBlocksPerMultiProcessor               int32
	AccessPolicyMaxWindowSize                int32
	ReservedSharedMemPerBlock                uint64
	HostRegisterSupported                    int32
	SparseHipArraySupported                  int32
	HostRegisterReadOnlySupported            int32
	TimelineSemaphoreInteropSupported        int32
	MemoryPoolsSupported                     int32
	GPUDirectRDMASupported                   int32
	GPUDirectRDMAFlushWritesOptions          uint32
	GPUDirectRDMAWritesOrdering              int32
	MemoryPoolSupportedHandleTypes           uint32
	DeferredMappingHipArraySupported         int32
	IPCEventSupported                        int32
	ClusterLaunch                            int32
	UnifiedFunctionPointers                  int32
	Reserved                                 [63]int32
	HipReserved                              [32]int32
	GcnArchName                              [256]byte
	MaxSharedMemoryPerMultiProcessor         uint64
	ClockInstructionRate                     int32
	Arch                                     uint32 // hipDeviceArch_t bits, see DecodeDeviceArch
	HdpMemFlushCntl                          uintptr
	HdpRegFlushCntl                          uintptr
	CooperativeMultiDeviceUnmatchedFunc      int32
	CooperativeMultiDeviceUnmatchedGridDim   int32
	CooperativeMultiDeviceUnmatchedBlockDim  int32
	CooperativeMultiDeviceUnmatchedSharedMem int32
	IsLargeBar                               int32
	AsicRevision                             int32
}

// cString returns the bytes of b up to the first NUL as a string.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func ints2(a [2]int32) [2]int { return [2]int{int(a[0]), int(a[1])} }
func ints3(a [3]int32) [3]int { return [3]int{int(a[0]), int(a[1]), int(a[2])} }

// DeviceProp converts the C layout to its Go form.
func (p *DevicePropR0600) DeviceProp() DeviceProp {
	return DeviceProp{
		Name:                                     cString(p.Name[:]),
		UUID:                                     p.UUID,
		LUID:                                     p.LUID,
		LUIDDeviceNodeMask:                       p.LUIDDeviceNodeMask,
		TotalGlobalMem:                           p.TotalGlobalMem,
		SharedMemPerBlock:                        p.SharedMemPerBlock,
		RegsPerBlock:                             int(p.RegsPerBlock),
		WarpSize:                                 int(p.WarpSize),
		MemPitch:                                 p.MemPitch,
		MaxThreadsPerBlock:                       int(p.MaxThreadsPerBlock),
		MaxThreadsDim:                            ints3(p.MaxThreadsDim),
		MaxGridSize:                              ints3(p.MaxGridSize),
		ClockRate:                                int(p.ClockRate),
		TotalConstMem:                            p.TotalConstMem,
		Major:                                    int(p.Major),
		Minor:                                    int(p.Minor),
		TextureAlignment:                         p.TextureAlignment,
		TexturePitchAlignment:                    p.TexturePitchAlignment,
		DeviceOverlap:                            int(p.DeviceOverlap),
		MultiProcessorCount:                      int(p.MultiProcessorCount),
		KernelExecTimeoutEnabled:                 int(p.KernelExecTimeoutEnabled),
		Integrated:                               int(p.Integrated),
		CanMapHostMemory:                         int(p.CanMapHostMemory),
		ComputeMode:                              int(p.ComputeMode),
		MaxTexture1D:                             int(p.MaxTexture1D),
		MaxTexture1DMipmap:                       int(p.MaxTexture1DMipmap),
		MaxTexture1DLinear:                       int(p.MaxTexture1DLinear),
		MaxTexture2D:                             ints2(p.MaxTexture2D),
		MaxTexture2DMipmap:                       ints2(p.MaxTexture2DMipmap),
		MaxTexture2DLinear:                       ints3(p.MaxTexture2DLinear),
		MaxTexture2DGather:                       ints2(p.MaxTexture2DGather),
		MaxTexture3D:                             ints3(p.MaxTexture3D),
		MaxTexture3DAlt:                          ints3(p.MaxTexture3DAlt),
		MaxTextureCubemap:                        int(p.MaxTextureCubemap),
		MaxTexture1DLayered:                      ints2(p.MaxTexture1DLayered),
		MaxTexture2DLayered:                      ints3(p.MaxTexture2DLayered),
		MaxTextureCubemapLayered:                 ints2(p.MaxTextureCubemapLayered),
		MaxSurface1D:                             int(p.MaxSurface1D),
		MaxSurface2D:                             ints2(p.MaxSurface2D),
		MaxSurface3D:                             ints3(p.MaxSurface3D),
		MaxSurface1DLayered:                      ints2(p.MaxSurface1DLayered),
		MaxSurface2DLayered:                      ints3(p.MaxSurface2DLayered),
		MaxSurfaceCubemap:                        int(p.MaxSurfaceCubemap),
		MaxSurfaceCubemapLayered:                 ints2(p.MaxSurfaceCubemapLayered),
		SurfaceAlignment:                         p.SurfaceAlignment,
		ConcurrentKernels:                        int(p.ConcurrentKernels),
		ECCEnabled:                               int(p.ECCEnabled),
		PCIBusID:                                 int(p.PCIBusID),
		PCIDeviceID:                              int(p.PCIDeviceID),
		PCIDomainID:                              int(p.PCIDomainID),
		TCCDriver:                                int(p.TCCDriver),
		AsyncEngineCount:                         int(p.AsyncEngineCount),
		UnifiedAddressing:                        int(p.UnifiedAddressing),
		MemoryClockRate:                          int(p.MemoryClockRate),
		MemoryBusWidth:                           int(p.MemoryBusWidth),
		L2CacheSize:                              int(p.L2CacheSize),
		PersistingL2CacheMaxSize:                 int(p.PersistingL2CacheMaxSize),
		MaxThreadsPerMultiProcessor:              int(p.MaxThreadsPerMultiProcessor),
		StreamPrioritiesSupported:                int(p.StreamPrioritiesSupported),
		GlobalL1CacheSupported:                   int(p.GlobalL1CacheSupported),
		LocalL1CacheSupported:                    int(p.LocalL1CacheSupported),
		SharedMemPerMultiprocessor:               p.SharedMemPerMultiprocessor,
		RegsPerMultiprocessor:                    int(p.RegsPerMultiprocessor),
		ManagedMemory:                            int(p.ManagedMemory),
		IsMultiGpuBoard:                          int(p.IsMultiGpuBoard),
		MultiGpuBoardGroupID:                     int(p.MultiGpuBoardGroupID),
		HostNativeAtomicSupported:                int(p.HostNativeAtomicSupported),
		SingleToDoublePrecisionPerfRatio:         int(p.SingleToDoublePrecisionPerfRatio),
		PageableMemoryAccess:                     int(p.PageableMemoryAccess),
		ConcurrentManagedAccess:                  int(p.ConcurrentManagedAccess),
		ComputePreemptionSupported:               int(p.ComputePreemptionSupported),
		CanUseHostPointerForRegisteredMem:        int(p.CanUseHostPointerForRegisteredMem),
		CooperativeLaunch:                        int(p.CooperativeLaunch),
		CooperativeMultiDeviceLaunch:             int(p.CooperativeMultiDeviceLaunch),
		SharedMemPerBlockOptin:                   p.SharedMemPerBlockOptin,
		PageableMemoryAccessUsesHostPageTables:   int(p.PageableMemoryAccessUsesHostPageTables),
		DirectManagedMemAccessFromHost:           int(p.DirectManagedMemAccessFromHost),
		MaxBlocksPerMultiProcessor:               int(p.MaxBlocksPerMultiProcessor),
		AccessPolicyMaxWindowSize:                int(p.AccessPolicyMaxWindowSize),
		ReservedSharedMemPerBlock:                p.ReservedSharedMemPerBlock,
		HostRegisterSupported:                    int(p.HostRegisterSupported),
		SparseHipArraySupported:                  int(p.SparseHipArraySupported),
		HostRegisterReadOnlySupported:            int(p.HostRegisterReadOnlySupported),
		TimelineSemaphoreInteropSupported:        int(p.TimelineSemaphoreInteropSupported),
		MemoryPoolsSupported:                     int(p.MemoryPoolsSupported),
		GPUDirectRDMASupported:                   int(p.GPUDirectRDMASupported),
		GPUDirectRDMAFlushWritesOptions:          p.GPUDirectRDMAFlushWritesOptions,
		GPUDirectRDMAWritesOrdering:              int(p.GPUDirectRDMAWritesOrdering),
		MemoryPoolSupportedHandleTypes:           p.MemoryPoolSupportedHandleTypes,
		DeferredMappingHipArraySupported:         int(p.DeferredMappingHipArraySupported),
		IPCEventSupported:                        int(p.IPCEventSupported),
		ClusterLaunch:                            int(p.ClusterLaunch),
		UnifiedFunctionPointers:                  int(p.UnifiedFunctionPointers),
		GcnArchName:                              cString(p.GcnArchName[:]),
		MaxSharedMemoryPerMultiProcessor:         p.MaxSharedMemoryPerMultiProcessor,
		ClockInstructionRate:                     int(p.ClockInstructionRate),
		Arch:                                     DecodeDeviceArch(p.Arch),
		HdpMemFlushCntl:                          p.HdpMemFlushCntl,
		HdpRegFlushCntl:                          p.HdpRegFlushCntl,
		CooperativeMultiDeviceUnmatchedFunc:      int(p.CooperativeMultiDeviceUnmatchedFunc),
		CooperativeMultiDeviceUnmatchedGridDim:   int(p.CooperativeMultiDeviceUnmatchedGridDim),
		CooperativeMultiDeviceUnmatchedBlockDim:  int(p.CooperativeMultiDeviceUnmatchedBlockDim),
		CooperativeMultiDeviceUnmatchedSharedMem: int(p.CooperativeMultiDeviceUnmatchedSharedMem),
		IsLargeBar:                               int(p.IsLargeBar),
		AsicRevision:                             int(p.AsicRevision),
	}
}
