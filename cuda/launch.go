package cuda

import (
	"math"
	"unsafe"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// Markers of the extra array of LaunchKernel. cuda.h defines them as the
// pointers (void*)0x00, (void*)0x01 and (void*)0x02; Go may not keep small
// integers in pointer variables (the runtime may throw "invalid pointer
// found on stack"), so here the two markers are the addresses of private
// variables. LaunchKernel also recognizes the C values, for arrays built
// by C code. Do not assign to them.
var (
	// CU_LAUNCH_PARAM_END ends the extra array.
	CU_LAUNCH_PARAM_END unsafe.Pointer
	// CU_LAUNCH_PARAM_BUFFER_POINTER is followed by a pointer to the packed
	// argument buffer.
	CU_LAUNCH_PARAM_BUFFER_POINTER = unsafe.Pointer(&launchMarkers[0])
	// CU_LAUNCH_PARAM_BUFFER_SIZE is followed by a pointer to the buffer's
	// size, a uintptr (size_t).
	CU_LAUNCH_PARAM_BUFFER_SIZE = unsafe.Pointer(&launchMarkers[1])
)

var launchMarkers [2]byte

// launchExtra reads LaunchKernel's extra array: the pairs in either order,
// ended by CU_LAUNCH_PARAM_END (NULL) or by the end of the slice.
var launchExtra = capi.Extra{
	Call:     "cuLaunchKernel",
	Names:    [3]string{"CU_LAUNCH_PARAM_BUFFER_POINTER", "CU_LAUNCH_PARAM_BUFFER_SIZE", "CU_LAUNCH_PARAM_END"},
	Pointer:  CU_LAUNCH_PARAM_BUFFER_POINTER,
	Size:     CU_LAUNCH_PARAM_BUFFER_SIZE,
	PointerC: 1,
	SizeC:    2,
}

// LaunchKernel is cuLaunchKernel: f runs over a gridDimX×gridDimY×gridDimZ
// grid of blockDimX×blockDimY×blockDimZ blocks, with sharedMemBytes of
// dynamic shared memory per block, on s (nil: the NULL stream).
//
// The arguments come one of two ways, exactly one of which must be used
// (both are CUDA_ERROR_INVALID_VALUE): kernelParams holds a pointer to each
// argument's value (as many as the kernel has parameters; trailing nils
// are ignored), read with the sizes of the kernel's parameter layout; or
// extra is {CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0]),
// CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&size), CU_LAUNCH_PARAM_END}
// with buf the arguments already packed in C struct layout and size a
// uintptr. A kernel without parameters takes neither.
//
// CUDA_ERROR_INVALID_VALUE for a zero or too large dimension, more threads
// per block than the kernel allows, too much shared memory, or arguments
// that do not match the kernel's parameters; CUDA_ERROR_INVALID_HANDLE for
// a nil function or one of an unloaded module.
func LaunchKernel(f *Function, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes uint32, s *Stream, kernelParams, extra []unsafe.Pointer) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuLaunchKernel"); err != nil {
			return err
		}
	}
	if f == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel: NULL function")
	}
	cfg := streaming.LaunchConfig{
		Grid:        streaming.Dim3{X: gridDimX, Y: gridDimY, Z: gridDimZ},
		Block:       streaming.Dim3{X: blockDimX, Y: blockDimY, Z: blockDimZ},
		SharedBytes: sharedMemBytes,
	}
	if len(extra) > 0 && extra[0] != nil {
		if len(kernelParams) > 0 {
			return failf(CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel %s: both kernelParams and extra given", f.Name())
		}
		buf, err := launchExtra.Buffer(extra)
		if err != nil {
			return check(err)
		}
		// The H100's driver refuses a buffer larger than the kernel's
		// parameters (a padded C struct of 32 bytes for 28 bytes of
		// parameters) with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES; a smaller
		// one is refused by LaunchPacked.
		var end uint32
		for _, p := range f.Params() {
			end = max(end, p.Offset+p.Size)
		}
		if end > 0 && uint64(len(buf)) > uint64(end) {
			return failf(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "cuLaunchKernel %s: CU_LAUNCH_PARAM_BUFFER_SIZE is %d bytes, the kernel's parameters take %d (CUDA refuses a larger buffer)", f.Name(), len(buf), end)
		}
		return check(ss.LaunchPacked(f, cfg, buf))
	}
	return check(ss.LaunchParams(f, cfg, kernelParams))
}

// LaunchCooperativeKernel is cuLaunchCooperativeKernel: LaunchKernel for a
// kernel whose blocks synchronize grid-wide (CU_DEVICE_ATTRIBUTE_
// COOPERATIVE_LAUNCH devices), arguments by kernelParams.
func LaunchCooperativeKernel(f *Function, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes uint32, s *Stream, kernelParams []unsafe.Pointer) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuLaunchCooperativeKernel"); err != nil {
			return err
		}
	}
	if f == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuLaunchCooperativeKernel: NULL function")
	}
	cfg := streaming.LaunchConfig{
		Grid:        streaming.Dim3{X: gridDimX, Y: gridDimY, Z: gridDimZ},
		Block:       streaming.Dim3{X: blockDimX, Y: blockDimY, Z: blockDimZ},
		SharedBytes: sharedMemBytes,
		Cooperative: true,
	}
	return check(ss.LaunchParams(f, cfg, kernelParams))
}

// fn checks a function handle: not nil, its module still loaded.
func fn(what string, f *Function) error {
	if _, err := get(); err != nil {
		return err
	}
	if f == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "%s: NULL function", what)
	}
	return check(f.Err())
}

// FuncGetAttribute is cuFuncGetAttribute: a CU_FUNC_ATTRIBUTE_* of f. The
// cluster attributes are 0 (cluster launches are not supported); a number
// cuda.h does not define is CUDA_ERROR_INVALID_VALUE.
func FuncGetAttribute(attr FunctionAttribute, f *Function) (int, error) {
	if err := fn("cuFuncGetAttribute", f); err != nil {
		return 0, err
	}
	a := f.Attributes()
	switch attr {
	case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
		return a.MaxThreadsPerBlock, nil
	case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
		return a.SharedSizeBytes, nil
	case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
		return a.ConstSizeBytes, nil
	case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:
		return a.LocalSizeBytes, nil
	case CU_FUNC_ATTRIBUTE_NUM_REGS:
		return a.NumRegs, nil
	case CU_FUNC_ATTRIBUTE_PTX_VERSION:
		return a.PTXVersion, nil
	case CU_FUNC_ATTRIBUTE_BINARY_VERSION:
		return a.BinaryVersion, nil
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
		return a.MaxDynamicSharedSize, nil
	case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
		return a.PreferredSharedCarveout, nil
	case CU_FUNC_ATTRIBUTE_CACHE_MODE_CA,
		CU_FUNC_ATTRIBUTE_CLUSTER_SIZE_MUST_BE_SET,
		CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH,
		CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT,
		CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH,
		CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED,
		CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
		return 0, nil
	}
	return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuFuncGetAttribute %s: unknown attribute %d", f.Name(), int(attr))
}

// FuncSetAttribute is cuFuncSetAttribute: it sets
// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES (up to the device's
// opt-in limit less the kernel's static shared memory) or
// CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT (-1..100, a hint).
// The cluster attributes are CUDA_ERROR_NOT_SUPPORTED; the read-only ones
// CUDA_ERROR_INVALID_VALUE.
func FuncSetAttribute(f *Function, attr FunctionAttribute, value int) error {
	if err := fn("cuFuncSetAttribute", f); err != nil {
		return err
	}
	switch attr {
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
		return check(f.SetMaxDynamicSharedMemory(value))
	case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
		return check(f.SetPreferredSharedCarveout(value))
	case CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH,
		CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT,
		CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH,
		CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED,
		CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
		return failf(CUDA_ERROR_NOT_SUPPORTED, "cuFuncSetAttribute %s %v: cluster launches are not supported", f.Name(), attr)
	}
	return failf(CUDA_ERROR_INVALID_VALUE, "cuFuncSetAttribute %s: attribute %v cannot be set", f.Name(), attr)
}

// FuncSetCacheConfig is cuFuncSetCacheConfig: f's L1/shared memory
// preference, a hint.
func FuncSetCacheConfig(f *Function, config FuncCache) error {
	if err := fn("cuFuncSetCacheConfig", f); err != nil {
		return err
	}
	return check(f.SetCacheConfig(streaming.FuncCache(config)))
}

// FuncSetSharedMemConfig is cuFuncSetSharedMemConfig: f's shared memory
// bank size, a hint.
func FuncSetSharedMemConfig(f *Function, config SharedConfig) error {
	if err := fn("cuFuncSetSharedMemConfig", f); err != nil {
		return err
	}
	return check(f.SetSharedMemConfig(streaming.SharedConfig(config)))
}

// FuncGetName is cuFuncGetName (CUDA 12.3): the kernel's name.
func FuncGetName(f *Function) (string, error) {
	if err := fn("cuFuncGetName", f); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// FuncGetModule is cuFuncGetModule (CUDA 12.3): the module f belongs to.
func FuncGetModule(f *Function) (*Module, error) {
	if err := fn("cuFuncGetModule", f); err != nil {
		return nil, err
	}
	return f.Module(), nil
}

func sizeToInt(n uint64) int { return int(min(n, math.MaxInt32)) }

// OccupancyMaxActiveBlocksPerMultiprocessor is
// cuOccupancyMaxActiveBlocksPerMultiprocessor: how many blocks of f with
// blockSize threads and dynamicSMemSize bytes of dynamic shared memory fit
// on one multiprocessor at once.
func OccupancyMaxActiveBlocksPerMultiprocessor(f *Function, blockSize int, dynamicSMemSize uint64) (int, error) {
	return OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, blockSize, dynamicSMemSize, CU_OCCUPANCY_DEFAULT)
}

// OccupancyMaxActiveBlocksPerMultiprocessorWithFlags is
// cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags, flags
// CU_OCCUPANCY_DEFAULT or CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE.
func OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f *Function, blockSize int, dynamicSMemSize uint64, flags uint32) (int, error) {
	if err := fn("cuOccupancyMaxActiveBlocksPerMultiprocessor", f); err != nil {
		return 0, err
	}
	n, err := f.MaxActiveBlocksPerMultiprocessor(blockSize, sizeToInt(dynamicSMemSize), flags)
	if err != nil {
		return 0, fail(err)
	}
	return n, nil
}

// OccupancyMaxPotentialBlockSize is cuOccupancyMaxPotentialBlockSize: the
// block size that maximizes f's occupancy, and the smallest grid that
// reaches it on the whole device. blockSizeToDynamicSMemSize (the C
// CUoccupancyB2DSize callback) gives the dynamic shared memory a block size
// needs; when it is nil every block size takes dynamicSMemSize.
// blockSizeLimit caps the block size (0: the kernel's limit).
func OccupancyMaxPotentialBlockSize(f *Function, blockSizeToDynamicSMemSize func(blockSize int) uint64, dynamicSMemSize uint64, blockSizeLimit int) (minGridSize, blockSize int, err error) {
	return OccupancyMaxPotentialBlockSizeWithFlags(f, blockSizeToDynamicSMemSize, dynamicSMemSize, blockSizeLimit, CU_OCCUPANCY_DEFAULT)
}

// OccupancyMaxPotentialBlockSizeWithFlags is
// cuOccupancyMaxPotentialBlockSizeWithFlags.
func OccupancyMaxPotentialBlockSizeWithFlags(f *Function, blockSizeToDynamicSMemSize func(blockSize int) uint64, dynamicSMemSize uint64, blockSizeLimit int, flags uint32) (minGridSize, blockSize int, err error) {
	if err := fn("cuOccupancyMaxPotentialBlockSize", f); err != nil {
		return 0, 0, err
	}
	var b2d func(int) int
	if blockSizeToDynamicSMemSize != nil {
		b2d = func(bs int) int { return sizeToInt(blockSizeToDynamicSMemSize(bs)) }
	}
	minGridSize, blockSize, err = f.MaxPotentialBlockSize(b2d, sizeToInt(dynamicSMemSize), blockSizeLimit, flags)
	if err != nil {
		return 0, 0, fail(err)
	}
	return minGridSize, blockSize, nil
}
