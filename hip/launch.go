package hip

import (
	"unsafe"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// The HIP_LAUNCH_PARAM_* markers as the void* values the extra argument of
// ModuleLaunchKernel holds, for building it by hand:
//
//	size := uint64(len(args))
//	extra := []unsafe.Pointer{hip.LaunchParamBufferPointer, unsafe.Pointer(&args[0]),
//		hip.LaunchParamBufferSize, unsafe.Pointer(&size), hip.LaunchParamEnd}
//
// LaunchParamBuffer does the same. The C header defines them as the
// integers 1, 2 and 3 cast to void*; Go must not keep small integers in
// pointer variables (the runtime may report an invalid pointer), so these
// are the addresses of private variables. ModuleLaunchKernel also
// recognises the C values, in arrays built by C code. Do not assign to
// them.
var (
	LaunchParamBufferPointer = unsafe.Pointer(&launchMarkers[0])
	LaunchParamBufferSize    = unsafe.Pointer(&launchMarkers[1])
	LaunchParamEnd           = unsafe.Pointer(&launchMarkers[2])
)

var launchMarkers [3]byte

// launchExtra reads ModuleLaunchKernel's extra array, which must be
// exactly {HIP_LAUNCH_PARAM_BUFFER_POINTER, buf, HIP_LAUNCH_PARAM_BUFFER_SIZE,
// &size, HIP_LAUNCH_PARAM_END}, as AMD's runtime requires.
var launchExtra = capi.Extra{
	Call:     "hipModuleLaunchKernel",
	Names:    [3]string{"HIP_LAUNCH_PARAM_BUFFER_POINTER", "HIP_LAUNCH_PARAM_BUFFER_SIZE", "HIP_LAUNCH_PARAM_END"},
	Pointer:  LaunchParamBufferPointer,
	Size:     LaunchParamBufferSize,
	End:      LaunchParamEnd,
	PointerC: HIP_LAUNCH_PARAM_BUFFER_POINTER,
	SizeC:    HIP_LAUNCH_PARAM_BUFFER_SIZE,
	EndC:     HIP_LAUNCH_PARAM_END,
	Ordered:  true,
}

// LaunchParamBuffer returns the extra argument of ModuleLaunchKernel that
// passes args, a packed argument buffer (the kernel's parameters laid out
// as a C struct; streaming.PackArgs builds one).
func LaunchParamBuffer(args []byte) []unsafe.Pointer {
	size := new(uint64)
	*size = uint64(len(args))
	return []unsafe.Pointer{LaunchParamBufferPointer, unsafe.Pointer(unsafe.SliceData(args)),
		LaunchParamBufferSize, unsafe.Pointer(size), LaunchParamEnd}
}

// launch is the common part of ModuleLaunchKernel and
// ModuleLaunchCooperativeKernel: HIP's checks in HIP's order, then the
// launch on the stream.
func launch(call string, f Function, cfg streaming.LaunchConfig, stream Stream, kernelParams, extra []unsafe.Pointer) error {
	if stream != nil && stream.Err() != nil {
		return ret(call, stream.Err(), HipErrorInvalidValue)
	}
	if f == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	if kernelParams != nil && extra != nil {
		return fail(call, HipErrorInvalidValue, "both kernelParams and extra given")
	}
	g, b := cfg.Grid, cfg.Block
	if g.X == 0 || g.Y == 0 || g.Z == 0 {
		return fail(call, HipErrorInvalidValue, "grid %v: every dimension must be at least 1", g)
	}
	if b.X == 0 || b.Y == 0 || b.Z == 0 {
		return fail(call, HipErrorInvalidConfiguration, "block %v: every dimension must be at least 1", b)
	}
	s, err := streamOf(stream)
	if err != nil {
		return ret(call, err)
	}
	if extra != nil {
		buf, err := launchExtra.Buffer(extra)
		if err != nil {
			return ret(call, err)
		}
		return ret(call, s.LaunchPacked(f, cfg, buf))
	}
	return ret(call, s.LaunchParams(f, cfg, kernelParams))
}

// ModuleLaunchKernel is hipModuleLaunchKernel: f runs over a grid of
// gridDimX × gridDimY × gridDimZ blocks of blockDimX × blockDimY ×
// blockDimZ threads, with sharedMemBytes of dynamic shared memory per block,
// ordered on stream (nil: the NULL stream). The arguments come either as
// kernelParams, one pointer to each argument's value (sized by the kernel's
// parameter layout), or as extra, a packed argument buffer (see
// LaunchParamBuffer); not both. Errors follow AMD's runtime: a zero grid
// dimension is HipErrorInvalidValue, a zero block dimension
// HipErrorInvalidConfiguration, a destroyed stream HipErrorInvalidValue, a
// nil function HipErrorInvalidHandle, arguments that do not match the
// kernel HipErrorInvalidValue.
func ModuleLaunchKernel(f Function, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes uint32,
	stream Stream, kernelParams, extra []unsafe.Pointer) error {
	cfg := streaming.LaunchConfig{
		Grid:        streaming.Dim3{X: gridDimX, Y: gridDimY, Z: gridDimZ},
		Block:       streaming.Dim3{X: blockDimX, Y: blockDimY, Z: blockDimZ},
		SharedBytes: sharedMemBytes,
	}
	return launch("hipModuleLaunchKernel", f, cfg, stream, kernelParams, extra)
}

// ModuleLaunchCooperativeKernel is hipModuleLaunchCooperativeKernel: a
// launch whose blocks may synchronize grid-wide (HipErrorNotSupported on a
// device without cooperative launches).
func ModuleLaunchCooperativeKernel(f Function, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes uint32,
	stream Stream, kernelParams []unsafe.Pointer) error {
	cfg := streaming.LaunchConfig{
		Grid:        streaming.Dim3{X: gridDimX, Y: gridDimY, Z: gridDimZ},
		Block:       streaming.Dim3{X: blockDimX, Y: blockDimY, Z: blockDimZ},
		SharedBytes: sharedMemBytes,
		Cooperative: true,
	}
	return launch("hipModuleLaunchCooperativeKernel", f, cfg, stream, kernelParams, nil)
}

// checkFunction checks a Function argument of the occupancy calculator.
func checkFunction(call string, f Function) error {
	if f == nil {
		return fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	return ret(call, f.Err())
}

// ModuleOccupancyMaxActiveBlocksPerMultiprocessor is
// hipModuleOccupancyMaxActiveBlocksPerMultiprocessor: how many blocks of f
// with blockSize threads and dynSharedMemPerBlk bytes of dynamic shared
// memory fit on one multiprocessor at once.
func ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f Function, blockSize int, dynSharedMemPerBlk uint64) (int, error) {
	return occupancyBlocks("hipModuleOccupancyMaxActiveBlocksPerMultiprocessor", f, blockSize, dynSharedMemPerBlk, HipOccupancyDefault)
}

// ModuleOccupancyMaxActiveBlocksPerMultiprocessorWithFlags is the WithFlags
// form (flags: HipOccupancyDefault or HipOccupancyDisableCachingOverride).
func ModuleOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f Function, blockSize int, dynSharedMemPerBlk uint64, flags uint32) (int, error) {
	return occupancyBlocks("hipModuleOccupancyMaxActiveBlocksPerMultiprocessorWithFlags", f, blockSize, dynSharedMemPerBlk, flags)
}

func occupancyBlocks(call string, f Function, blockSize int, dyn uint64, flags uint32) (int, error) {
	if err := checkFunction(call, f); err != nil {
		return 0, err
	}
	if dyn > 1<<31 {
		return 0, fail(call, HipErrorInvalidValue, "%d bytes of dynamic shared memory", dyn)
	}
	n, err := f.MaxActiveBlocksPerMultiprocessor(blockSize, int(dyn), flags)
	return n, ret(call, err)
}

// ModuleOccupancyMaxPotentialBlockSize is
// hipModuleOccupancyMaxPotentialBlockSize: the block size that maximizes
// f's occupancy with dynSharedMemPerBlk bytes of dynamic shared memory per
// block and at most blockSizeLimit threads (0: no limit), and the smallest
// grid that reaches that occupancy on the whole device.
func ModuleOccupancyMaxPotentialBlockSize(f Function, dynSharedMemPerBlk uint64, blockSizeLimit int) (gridSize, blockSize int, err error) {
	return potentialBlockSize("hipModuleOccupancyMaxPotentialBlockSize", f, dynSharedMemPerBlk, blockSizeLimit, HipOccupancyDefault)
}

// ModuleOccupancyMaxPotentialBlockSizeWithFlags is the WithFlags form.
func ModuleOccupancyMaxPotentialBlockSizeWithFlags(f Function, dynSharedMemPerBlk uint64, blockSizeLimit int, flags uint32) (gridSize, blockSize int, err error) {
	return potentialBlockSize("hipModuleOccupancyMaxPotentialBlockSizeWithFlags", f, dynSharedMemPerBlk, blockSizeLimit, flags)
}

func potentialBlockSize(call string, f Function, dyn uint64, limit int, flags uint32) (int, int, error) {
	if err := checkFunction(call, f); err != nil {
		return 0, 0, err
	}
	if dyn > 1<<31 {
		return 0, 0, fail(call, HipErrorInvalidValue, "%d bytes of dynamic shared memory", dyn)
	}
	grid, block, err := f.MaxPotentialBlockSize(nil, int(dyn), limit, flags)
	return grid, block, ret(call, err)
}
