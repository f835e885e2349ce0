package hip

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// ModuleLoad is hipModuleLoad: it loads a module file into the current
// context. Any format streamhal loads works (CPU kernel library, PTX,
// cubin, fatbin, AMDGPU code object, SPIR-V, or a streamhal fat module, from
// which the binary for the device is chosen). A missing file is
// HipErrorFileNotFound, a damaged image HipErrorInvalidImage, an image with
// no binary for the device HipErrorNoBinaryForGpu.
func ModuleLoad(fname string) (Module, error) {
	const call = "hipModuleLoad"
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	m, err := c.LoadModule(fname)
	if err != nil {
		// LoadModule reports the file it could not read as not found.
		return nil, retIf(call, err, streaming.ErrNotFound, HipErrorFileNotFound)
	}
	return m, nil
}

// ModuleLoadData is hipModuleLoadData: it loads a module image from memory
// into the current context.
func ModuleLoadData(image []byte) (Module, error) {
	const call = "hipModuleLoadData"
	if len(image) == 0 {
		return nil, fail(call, HipErrorInvalidValue, "empty image")
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	m, err := c.LoadModuleData(image)
	return m, ret(call, err)
}

// ModuleLoadDataEx is hipModuleLoadDataEx: ModuleLoadData with JIT
// options, one value per option. The options are checked and, as in AMD's
// runtime, otherwise ignored.
func ModuleLoadDataEx(image []byte, options []JitOption, optionValues []unsafe.Pointer) (Module, error) {
	const call = "hipModuleLoadDataEx"
	if len(options) != len(optionValues) {
		return nil, fail(call, HipErrorInvalidValue, "%d options with %d values", len(options), len(optionValues))
	}
	for _, o := range options {
		if o < HipJitOptionMaxRegisters || o >= HipJitOptionNumOptions {
			return nil, fail(call, HipErrorInvalidValue, "JIT option %v: unknown", o)
		}
	}
	if len(image) == 0 {
		return nil, fail(call, HipErrorInvalidValue, "empty image")
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	m, err := c.LoadModuleData(image)
	return m, ret(call, err)
}

// ModuleUnload is hipModuleUnload: it unloads the module once the work that
// uses it is done. Unloading it twice is HipErrorNotFound, as in AMD's
// runtime.
func ModuleUnload(m Module) error {
	const call = "hipModuleUnload"
	if m == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	if err := m.Err(); err != nil {
		return ret(call, err, HipErrorNotFound)
	}
	return ret(call, m.Close())
}

// ModuleGetFunction is hipModuleGetFunction: the kernel called name
// (HipErrorNotFound when the module has none).
func ModuleGetFunction(m Module, name string) (Function, error) {
	const call = "hipModuleGetFunction"
	if name == "" {
		return nil, fail(call, HipErrorInvalidValue, "empty name")
	}
	if m == nil {
		return nil, fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	f, err := m.Function(name)
	return f, ret(call, err)
}

// ModuleGetGlobal is hipModuleGetGlobal: the address and size of a
// module-scope variable (HipErrorNotFound when there is none). The address
// works with every copy function.
func ModuleGetGlobal(m Module, name string) (DevicePtr, uint64, error) {
	const call = "hipModuleGetGlobal"
	if name == "" {
		return 0, 0, fail(call, HipErrorInvalidValue, "empty name")
	}
	if m == nil {
		return 0, 0, fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	p, n, err := m.Global(name)
	return p, n, ret(call, err)
}

// FuncAttributes is hipFuncAttributes, a kernel's properties.
type FuncAttributes struct {
	BinaryVersion             int    // binary architecture version, major*10+minor (0 when unknown)
	CacheModeCA               int    // always 0
	ConstSizeBytes            uint64 // constant memory
	LocalSizeBytes            uint64 // local (private) memory per thread
	MaxDynamicSharedSizeBytes int    // current limit on dynamic shared memory per block
	MaxThreadsPerBlock        int    // most threads a block of the kernel may have
	NumRegs                   int    // registers per thread (0 when unknown)
	PreferredShmemCarveout    int    // percent, -1 for no preference
	PtxVersion                int    // PTX version, major*10+minor (0 when unknown)
	SharedSizeBytes           uint64 // static shared memory per block
}

// funcAttributes reads a kernel's attributes.
func funcAttributes(f Function) (FuncAttributes, error) {
	if f == nil {
		return FuncAttributes{}, fmt.Errorf("function: %w: %w", errNilHandle, streaming.ErrInvalidHandle)
	}
	if err := f.Err(); err != nil {
		return FuncAttributes{}, err
	}
	a := f.Attributes()
	return FuncAttributes{
		BinaryVersion:             a.BinaryVersion,
		ConstSizeBytes:            uint64(a.ConstSizeBytes),
		LocalSizeBytes:            uint64(a.LocalSizeBytes),
		MaxDynamicSharedSizeBytes: a.MaxDynamicSharedSize,
		MaxThreadsPerBlock:        a.MaxThreadsPerBlock,
		NumRegs:                   a.NumRegs,
		PreferredShmemCarveout:    a.PreferredSharedCarveout,
		PtxVersion:                a.PTXVersion,
		SharedSizeBytes:           uint64(a.SharedSizeBytes),
	}, nil
}

// FuncGetAttributes is hipFuncGetAttributes for a module's kernel.
func FuncGetAttributes(f Function) (FuncAttributes, error) {
	a, err := funcAttributes(f)
	return a, ret("hipFuncGetAttributes", err)
}

// FuncGetAttribute is hipFuncGetAttribute: one of a kernel's attributes.
// The cluster attributes of later ROCm releases read 0 (no backend has
// thread block clusters here); unknown attributes are HipErrorInvalidValue.
func FuncGetAttribute(attr FunctionAttribute, f Function) (int, error) {
	const call = "hipFuncGetAttribute"
	a, err := funcAttributes(f)
	if err != nil {
		return 0, ret(call, err)
	}
	switch attr {
	case HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
		return a.MaxThreadsPerBlock, nil
	case HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
		return int(a.SharedSizeBytes), nil
	case HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
		return int(a.ConstSizeBytes), nil
	case HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:
		return int(a.LocalSizeBytes), nil
	case HIP_FUNC_ATTRIBUTE_NUM_REGS:
		return a.NumRegs, nil
	case HIP_FUNC_ATTRIBUTE_PTX_VERSION:
		return a.PtxVersion, nil
	case HIP_FUNC_ATTRIBUTE_BINARY_VERSION:
		return a.BinaryVersion, nil
	case HIP_FUNC_ATTRIBUTE_CACHE_MODE_CA:
		return a.CacheModeCA, nil
	case HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
		return a.MaxDynamicSharedSizeBytes, nil
	case HIP_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
		return a.PreferredShmemCarveout, nil
	case HIP_FUNC_ATTRIBUTE_CLUSTER_DIM_MUST_BE_SET, HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH,
		HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT, HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH,
		HIP_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, HIP_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
		return 0, nil
	}
	return 0, fail(call, HipErrorInvalidValue, "attribute %v: unknown", attr)
}

// FuncSetAttribute is hipFuncSetAttribute. HipFuncAttributeMaxDynamicSharedMemorySize
// raises (or lowers) the dynamic shared memory a launch may ask for, up to
// the device's limit less the kernel's static shared memory;
// HipFuncAttributePreferredSharedMemoryCarveout records a hint (-1..100).
// The cluster attributes are HipErrorNotSupported.
func FuncSetAttribute(f Function, attr FuncAttribute, value int) error {
	const call = "hipFuncSetAttribute"
	if f == nil {
		return fail(call, HipErrorInvalidDeviceFunction, "%v", errNilHandle)
	}
	if err := f.Err(); err != nil {
		return ret(call, err)
	}
	switch attr {
	case HipFuncAttributeMaxDynamicSharedMemorySize:
		return ret(call, f.SetMaxDynamicSharedMemory(value))
	case HipFuncAttributePreferredSharedMemoryCarveout:
		return ret(call, f.SetPreferredSharedCarveout(value))
	case HipFuncAttributeClusterDimMustBeSet, HipFuncAttributeRequiredClusterWidth, HipFuncAttributeRequiredClusterHeight,
		HipFuncAttributeRequiredClusterDepth, HipFuncAttributeNonPortableClusterSizeAllowed,
		HipFuncAttributeClusterSchedulingPolicyPreference:
		return fail(call, HipErrorNotSupported, "attribute %v: thread block clusters are not supported", attr)
	}
	return fail(call, HipErrorInvalidValue, "attribute %v: unknown", attr)
}

// FuncSetCacheConfig is hipFuncSetCacheConfig: a cache preference, which is
// a hint.
func FuncSetCacheConfig(f Function, config FuncCache) error {
	const call = "hipFuncSetCacheConfig"
	if f == nil {
		return fail(call, HipErrorInvalidDeviceFunction, "%v", errNilHandle)
	}
	if err := f.Err(); err != nil {
		return ret(call, err)
	}
	return ret(call, f.SetCacheConfig(streaming.FuncCache(config)))
}

// FuncSetSharedMemConfig is hipFuncSetSharedMemConfig: a shared memory bank
// size, which is a hint.
func FuncSetSharedMemConfig(f Function, config SharedMemConfig) error {
	const call = "hipFuncSetSharedMemConfig"
	if f == nil {
		return fail(call, HipErrorInvalidDeviceFunction, "%v", errNilHandle)
	}
	if err := f.Err(); err != nil {
		return ret(call, err)
	}
	return ret(call, f.SetSharedMemConfig(streaming.SharedConfig(config)))
}
