// CUresult: every code with its C name, the text cuGetErrorString gives and
// the hal sentinel it stands for; a change needs a source.
//
// Sources (looked up with the project's search tool, not guessed):
//   - cuda.h of CUDA 12.6 (CUDA_VERSION 12060), enum cudaError_enum (CUresult):
//     every value from 0 to 999 in that header.
//   - Later additions, numbered in LLVM's offload plugin copy of cuda.h
//     (CUDA 12.8: 226, 721, 916) and, for CUDA 13 (917, 918), only in
//     third-party bindings (cuda-api-wrappers, C# bindings) that agree.
//   - cuGetErrorString texts: libcuda's strings are not in any header; the
//     texts below come from two independent re-implementations of
//     cuGetErrorString that reproduce the driver's table and agree word for
//     word. Codes missing from both (marked "unverified") carry our own short
//     wording taken from the cuda.h comment.

package cuda

import (
	"errors"
	"slices"
	"strconv"

	"github.com/streamhal/streamhal/hal"
)

// Result is a CUresult, the status every CUDA driver API call returns. Its
// values are exactly those of cuda.h, so a Result can be handed to or taken
// from libcuda unchanged. Result implements error. The functions of this
// package return a nil error on success and a Result otherwise, never
// CUDA_SUCCESS (see ResultOf for the other direction).
type Result int

// CUresult values, named exactly as in cuda.h.
const (
	CUDA_SUCCESS                              Result = 0
	CUDA_ERROR_INVALID_VALUE                  Result = 1
	CUDA_ERROR_OUT_OF_MEMORY                  Result = 2
	CUDA_ERROR_NOT_INITIALIZED                Result = 3
	CUDA_ERROR_DEINITIALIZED                  Result = 4
	CUDA_ERROR_PROFILER_DISABLED              Result = 5
	CUDA_ERROR_PROFILER_NOT_INITIALIZED       Result = 6
	CUDA_ERROR_PROFILER_ALREADY_STARTED       Result = 7
	CUDA_ERROR_PROFILER_ALREADY_STOPPED       Result = 8
	CUDA_ERROR_STUB_LIBRARY                   Result = 34
	CUDA_ERROR_DEVICE_UNAVAILABLE             Result = 46
	CUDA_ERROR_NO_DEVICE                      Result = 100
	CUDA_ERROR_INVALID_DEVICE                 Result = 101
	CUDA_ERROR_DEVICE_NOT_LICENSED            Result = 102
	CUDA_ERROR_INVALID_IMAGE                  Result = 200
	CUDA_ERROR_INVALID_CONTEXT                Result = 201
	CUDA_ERROR_CONTEXT_ALREADY_CURRENT        Result = 202
	CUDA_ERROR_MAP_FAILED                     Result = 205
	CUDA_ERROR_UNMAP_FAILED                   Result = 206
	CUDA_ERROR_ARRAY_IS_MAPPED                Result = 207
	CUDA_ERROR_ALREADY_MAPPED                 Result = 208
	CUDA_ERROR_NO_BINARY_FOR_GPU              Result = 209
	CUDA_ERROR_ALREADY_ACQUIRED               Result = 210
	CUDA_ERROR_NOT_MAPPED                     Result = 211
	CUDA_ERROR_NOT_MAPPED_AS_ARRAY            Result = 212
	CUDA_ERROR_NOT_MAPPED_AS_POINTER          Result = 213
	CUDA_ERROR_ECC_UNCORRECTABLE              Result = 214
	CUDA_ERROR_UNSUPPORTED_LIMIT              Result = 215
	CUDA_ERROR_CONTEXT_ALREADY_IN_USE         Result = 216
	CUDA_ERROR_PEER_ACCESS_UNSUPPORTED        Result = 217
	CUDA_ERROR_INVALID_PTX                    Result = 218
	CUDA_ERROR_INVALID_GRAPHICS_CONTEXT       Result = 219
	CUDA_ERROR_NVLINK_UNCORRECTABLE           Result = 220
	CUDA_ERROR_JIT_COMPILER_NOT_FOUND         Result = 221
	CUDA_ERROR_UNSUPPORTED_PTX_VERSION        Result = 222
	CUDA_ERROR_JIT_COMPILATION_DISABLED       Result = 223
	CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY      Result = 224
	CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC       Result = 225
	CUDA_ERROR_CONTAINED                      Result = 226 // CUDA 12.8+
	CUDA_ERROR_INVALID_SOURCE                 Result = 300
	CUDA_ERROR_FILE_NOT_FOUND                 Result = 301
	CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND Result = 302
	CUDA_ERROR_SHARED_OBJECT_INIT_FAILED      Result = 303
	CUDA_ERROR_OPERATING_SYSTEM               Result = 304
	CUDA_ERROR_INVALID_HANDLE                 Result = 400
	CUDA_ERROR_ILLEGAL_STATE                  Result = 401
	CUDA_ERROR_LOSSY_QUERY                    Result = 402
	CUDA_ERROR_NOT_FOUND                      Result = 500
	CUDA_ERROR_NOT_READY                      Result = 600
	CUDA_ERROR_ILLEGAL_ADDRESS                Result = 700
	CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES        Result = 701
	CUDA_ERROR_LAUNCH_TIMEOUT                 Result = 702
	CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING  Result = 703
	CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED    Result = 704
	CUDA_ERROR_PEER_ACCESS_NOT_ENABLED        Result = 705
	CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE         Result = 708
	CUDA_ERROR_CONTEXT_IS_DESTROYED           Result = 709
	CUDA_ERROR_ASSERT                         Result = 710
	CUDA_ERROR_TOO_MANY_PEERS                 Result = 711
	CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED Result = 712
	CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED     Result = 713
	CUDA_ERROR_HARDWARE_STACK_ERROR           Result = 714
	CUDA_ERROR_ILLEGAL_INSTRUCTION            Result = 715
	CUDA_ERROR_MISALIGNED_ADDRESS             Result = 716
	CUDA_ERROR_INVALID_ADDRESS_SPACE          Result = 717
	CUDA_ERROR_INVALID_PC                     Result = 718
	CUDA_ERROR_LAUNCH_FAILED                  Result = 719
	CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE   Result = 720
	CUDA_ERROR_TENSOR_MEMORY_LEAK             Result = 721 // CUDA 12.8+
	CUDA_ERROR_NOT_PERMITTED                  Result = 800
	CUDA_ERROR_NOT_SUPPORTED                  Result = 801
	CUDA_ERROR_SYSTEM_NOT_READY               Result = 802
	CUDA_ERROR_SYSTEM_DRIVER_MISMATCH         Result = 803
	CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE Result = 804
	CUDA_ERROR_MPS_CONNECTION_FAILED          Result = 805
	CUDA_ERROR_MPS_RPC_FAILURE                Result = 806
	CUDA_ERROR_MPS_SERVER_NOT_READY           Result = 807
	CUDA_ERROR_MPS_MAX_CLIENTS_REACHED        Result = 808
	CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED    Result = 809
	CUDA_ERROR_MPS_CLIENT_TERMINATED          Result = 810
	CUDA_ERROR_CDP_NOT_SUPPORTED              Result = 811
	CUDA_ERROR_CDP_VERSION_MISMATCH           Result = 812
	CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED     Result = 900
	CUDA_ERROR_STREAM_CAPTURE_INVALIDATED     Result = 901
	CUDA_ERROR_STREAM_CAPTURE_MERGE           Result = 902
	CUDA_ERROR_STREAM_CAPTURE_UNMATCHED       Result = 903
	CUDA_ERROR_STREAM_CAPTURE_UNJOINED        Result = 904
	CUDA_ERROR_STREAM_CAPTURE_ISOLATION       Result = 905
	CUDA_ERROR_STREAM_CAPTURE_IMPLICIT        Result = 906
	CUDA_ERROR_CAPTURED_EVENT                 Result = 907
	CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD    Result = 908
	CUDA_ERROR_TIMEOUT                        Result = 909
	CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE      Result = 910
	CUDA_ERROR_EXTERNAL_DEVICE                Result = 911
	CUDA_ERROR_INVALID_CLUSTER_SIZE           Result = 912
	CUDA_ERROR_FUNCTION_NOT_LOADED            Result = 913
	CUDA_ERROR_INVALID_RESOURCE_TYPE          Result = 914
	CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION Result = 915
	CUDA_ERROR_KEY_ROTATION                   Result = 916 // CUDA 12.8+
	CUDA_ERROR_STREAM_DETACHED                Result = 917 // CUDA 13.1+
	CUDA_ERROR_GRAPH_RECAPTURE_FAILURE        Result = 918 // CUDA 13.x
	CUDA_ERROR_UNKNOWN                        Result = 999
)

// resultInfo is one row of the CUresult table: value, C name, the text
// cuGetErrorString returns for it, and the hal sentinel the code stands
// for when libcuda returns it (what hal/cuda wraps; see SentinelOf).
type resultInfo struct {
	r    Result
	name string
	desc string
	err  error
}

// resultTable lists every known CUresult in increasing order of value, so
// lookups are a binary search. It is the only table of CUresult codes:
// package cuda and the hal/cuda driver both read it. Rows marked "unverified" have texts we could
// not find in any copy of libcuda's string table.
var resultTable = [...]resultInfo{
	{CUDA_SUCCESS, "CUDA_SUCCESS", "no error", nil},
	{CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument", hal.ErrInvalidValue},
	{CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory", hal.ErrOutOfMemory},
	{CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error", hal.ErrNotInitialized},
	{CUDA_ERROR_DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED", "driver shutting down", hal.ErrDeinitialized},
	{CUDA_ERROR_PROFILER_DISABLED, "CUDA_ERROR_PROFILER_DISABLED", "profiler disabled while using external profiling tool", hal.ErrNotSupported},
	{CUDA_ERROR_PROFILER_NOT_INITIALIZED, "CUDA_ERROR_PROFILER_NOT_INITIALIZED", "profiler not initialized: call cudaProfilerInitialize()", hal.ErrNotInitialized},
	{CUDA_ERROR_PROFILER_ALREADY_STARTED, "CUDA_ERROR_PROFILER_ALREADY_STARTED", "profiler already started", hal.ErrInvalidValue},
	{CUDA_ERROR_PROFILER_ALREADY_STOPPED, "CUDA_ERROR_PROFILER_ALREADY_STOPPED", "profiler already stopped", hal.ErrInvalidValue},
	{CUDA_ERROR_STUB_LIBRARY, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library", hal.ErrNotAvailable},
	{CUDA_ERROR_DEVICE_UNAVAILABLE, "CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA-capable device(s) is/are busy or unavailable", hal.ErrNotAvailable},
	{CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected", hal.ErrNotAvailable},
	{CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal", hal.ErrInvalidDevice},
	{CUDA_ERROR_DEVICE_NOT_LICENSED, "CUDA_ERROR_DEVICE_NOT_LICENSED", "device doesn't have valid Grid license", hal.ErrNotAvailable},
	{CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid", hal.ErrInvalidImage},
	{CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context", hal.ErrInvalidContext},
	{CUDA_ERROR_CONTEXT_ALREADY_CURRENT, "CUDA_ERROR_CONTEXT_ALREADY_CURRENT", "context already current", hal.ErrContextAlreadyCurrent},
	{CUDA_ERROR_MAP_FAILED, "CUDA_ERROR_MAP_FAILED", "mapping of buffer object failed", hal.ErrInvalidValue},
	{CUDA_ERROR_UNMAP_FAILED, "CUDA_ERROR_UNMAP_FAILED", "unmapping of buffer object failed", hal.ErrInvalidValue},
	{CUDA_ERROR_ARRAY_IS_MAPPED, "CUDA_ERROR_ARRAY_IS_MAPPED", "array is mapped", hal.ErrAlreadyMapped},
	{CUDA_ERROR_ALREADY_MAPPED, "CUDA_ERROR_ALREADY_MAPPED", "resource already mapped", hal.ErrAlreadyMapped},
	{CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device", hal.ErrNoBinaryForDevice},
	{CUDA_ERROR_ALREADY_ACQUIRED, "CUDA_ERROR_ALREADY_ACQUIRED", "resource already acquired", hal.ErrAlreadyAcquired},
	{CUDA_ERROR_NOT_MAPPED, "CUDA_ERROR_NOT_MAPPED", "resource not mapped", hal.ErrNotMapped},
	{CUDA_ERROR_NOT_MAPPED_AS_ARRAY, "CUDA_ERROR_NOT_MAPPED_AS_ARRAY", "resource not mapped as array", hal.ErrNotMapped},
	{CUDA_ERROR_NOT_MAPPED_AS_POINTER, "CUDA_ERROR_NOT_MAPPED_AS_POINTER", "resource not mapped as pointer", hal.ErrNotMapped},
	{CUDA_ERROR_ECC_UNCORRECTABLE, "CUDA_ERROR_ECC_UNCORRECTABLE", "uncorrectable ECC error encountered", hal.ErrLaunchFailed},
	{CUDA_ERROR_UNSUPPORTED_LIMIT, "CUDA_ERROR_UNSUPPORTED_LIMIT", "limit is not supported on this architecture", hal.ErrNotSupported},
	{CUDA_ERROR_CONTEXT_ALREADY_IN_USE, "CUDA_ERROR_CONTEXT_ALREADY_IN_USE", "exclusive-thread device already in use by a different thread", hal.ErrInvalidContext},
	{CUDA_ERROR_PEER_ACCESS_UNSUPPORTED, "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED", "peer access is not supported between these two devices", hal.ErrNotSupported},
	{CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed", hal.ErrInvalidImage},
	{CUDA_ERROR_INVALID_GRAPHICS_CONTEXT, "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT", "invalid OpenGL or DirectX context", hal.ErrInvalidContext},
	{CUDA_ERROR_NVLINK_UNCORRECTABLE, "CUDA_ERROR_NVLINK_UNCORRECTABLE", "uncorrectable NVLink error detected during the execution", hal.ErrLaunchFailed},
	{CUDA_ERROR_JIT_COMPILER_NOT_FOUND, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND", "PTX JIT compiler library not found", hal.ErrNotSupported},
	{CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain.", hal.ErrInvalidImage},
	{CUDA_ERROR_JIT_COMPILATION_DISABLED, "CUDA_ERROR_JIT_COMPILATION_DISABLED", "PTX JIT compilation was disabled", hal.ErrNotSupported},
	{CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, "CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY", "the provided execution affinity is not supported", hal.ErrNotSupported},
	{CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC, "CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC", "the code to be compiled by the PTX JIT contains unsupported call to cudaDeviceSynchronize", hal.ErrNotSupported}, // unverified text
	{CUDA_ERROR_CONTAINED, "CUDA_ERROR_CONTAINED", "an exception occurred on the device that is now contained by the GPU's error containment capability", hal.ErrLaunchFailed},                     // unverified text
	{CUDA_ERROR_INVALID_SOURCE, "CUDA_ERROR_INVALID_SOURCE", "device kernel image is invalid", hal.ErrInvalidImage},
	{CUDA_ERROR_FILE_NOT_FOUND, "CUDA_ERROR_FILE_NOT_FOUND", "file not found", hal.ErrNotFound},
	{CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND, "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", "shared object symbol not found", hal.ErrNotFound},
	{CUDA_ERROR_SHARED_OBJECT_INIT_FAILED, "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", "shared object initialization failed", hal.ErrInvalidImage},
	{CUDA_ERROR_OPERATING_SYSTEM, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed or operation not supported on this OS", hal.ErrNotSupported},
	{CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle", hal.ErrInvalidHandle},
	{CUDA_ERROR_ILLEGAL_STATE, "CUDA_ERROR_ILLEGAL_STATE", "the operation cannot be performed in the present state", hal.ErrIllegalState},
	{CUDA_ERROR_LOSSY_QUERY, "CUDA_ERROR_LOSSY_QUERY", "an attempt was made to introspect an object in a way that would discard semantically important information", hal.ErrNotSupported}, // unverified text
	{CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found", hal.ErrNotFound},
	{CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready", hal.ErrNotReady},
	{CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered", hal.ErrIllegalAddress},
	{CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch", hal.ErrLaunchResources},
	{CUDA_ERROR_LAUNCH_TIMEOUT, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated", hal.ErrLaunchFailed},
	{CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING, "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING", "launch uses incompatible texturing mode", hal.ErrLaunchFailed},
	{CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED, "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", "peer access is already enabled", hal.ErrPeerAlreadyEnabled},
	{CUDA_ERROR_PEER_ACCESS_NOT_ENABLED, "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED", "peer access has not been enabled", hal.ErrPeerNotEnabled},
	{CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE, "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", "cannot set while device is active in this process", hal.ErrInvalidContext},
	{CUDA_ERROR_CONTEXT_IS_DESTROYED, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed", hal.ErrInvalidContext},
	{CUDA_ERROR_ASSERT, "CUDA_ERROR_ASSERT", "device-side assert triggered", hal.ErrAssert},
	{CUDA_ERROR_TOO_MANY_PEERS, "CUDA_ERROR_TOO_MANY_PEERS", "peer mapping resources exhausted", hal.ErrNotSupported},
	{CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED", "part or all of the requested memory range is already mapped", hal.ErrAlreadyMapped},
	{CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED", "pointer does not correspond to a registered memory region", hal.ErrNotMapped},
	{CUDA_ERROR_HARDWARE_STACK_ERROR, "CUDA_ERROR_HARDWARE_STACK_ERROR", "hardware stack error", hal.ErrLaunchFailed},
	{CUDA_ERROR_ILLEGAL_INSTRUCTION, "CUDA_ERROR_ILLEGAL_INSTRUCTION", "an illegal instruction was encountered", hal.ErrLaunchFailed},
	{CUDA_ERROR_MISALIGNED_ADDRESS, "CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address", hal.ErrIllegalAddress},
	{CUDA_ERROR_INVALID_ADDRESS_SPACE, "CUDA_ERROR_INVALID_ADDRESS_SPACE", "operation not supported on global/shared address space", hal.ErrIllegalAddress},
	{CUDA_ERROR_INVALID_PC, "CUDA_ERROR_INVALID_PC", "invalid program counter", hal.ErrLaunchFailed},
	{CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure", hal.ErrLaunchFailed},
	{CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE, "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE", "too many blocks in cooperative launch", hal.ErrLaunchResources},
	{CUDA_ERROR_TENSOR_MEMORY_LEAK, "CUDA_ERROR_TENSOR_MEMORY_LEAK", "tensor memory was not completely deallocated when a kernel exited", hal.ErrLaunchFailed}, // unverified text
	{CUDA_ERROR_NOT_PERMITTED, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted", hal.ErrNotSupported},
	{CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported", hal.ErrNotSupported},
	{CUDA_ERROR_SYSTEM_NOT_READY, "CUDA_ERROR_SYSTEM_NOT_READY", "system not yet initialized", hal.ErrNotAvailable},
	{CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "system has unsupported display driver / cuda driver combination", hal.ErrNotAvailable},
	{CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", "forward compatibility was attempted on non supported HW", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_CONNECTION_FAILED, "CUDA_ERROR_MPS_CONNECTION_FAILED", "MPS client failed to connect to the MPS control daemon or the MPS server", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_RPC_FAILURE, "CUDA_ERROR_MPS_RPC_FAILURE", "the remote procedural call between the MPS server and the MPS client failed", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_SERVER_NOT_READY, "CUDA_ERROR_MPS_SERVER_NOT_READY", "MPS server is not ready to accept new MPS client requests", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_MAX_CLIENTS_REACHED, "CUDA_ERROR_MPS_MAX_CLIENTS_REACHED", "the hardware resources required to create MPS client have been exhausted", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED, "CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED", "the hardware resources required to support device connections have been exhausted", hal.ErrNotAvailable},
	{CUDA_ERROR_MPS_CLIENT_TERMINATED, "CUDA_ERROR_MPS_CLIENT_TERMINATED", "the MPS client has been terminated by the server", hal.ErrNotAvailable},
	{CUDA_ERROR_CDP_NOT_SUPPORTED, "CUDA_ERROR_CDP_NOT_SUPPORTED", "the module is using CUDA Dynamic Parallelism, but the current configuration, like MPS, does not support it", hal.ErrNotSupported}, // unverified text
	{CUDA_ERROR_CDP_VERSION_MISMATCH, "CUDA_ERROR_CDP_VERSION_MISMATCH", "a module contains an unsupported interaction between different versions of CUDA Dynamic Parallelism", hal.ErrNotSupported},  // unverified text
	{CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing", hal.ErrCaptureUnsupported},
	{CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "operation failed due to a previous error during capture", hal.ErrCaptureInvalidated},
	{CUDA_ERROR_STREAM_CAPTURE_MERGE, "CUDA_ERROR_STREAM_CAPTURE_MERGE", "operation would result in a merge of separate capture sequences", hal.ErrCaptureUnsupported},
	{CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", "capture was not ended in the same stream as it began", hal.ErrCaptureUnmatched},
	{CUDA_ERROR_STREAM_CAPTURE_UNJOINED, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED", "capturing stream has unjoined work", hal.ErrCaptureUnjoined},
	{CUDA_ERROR_STREAM_CAPTURE_ISOLATION, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION", "dependency created on uncaptured work in another stream", hal.ErrCaptureIsolation},
	{CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", "operation would make the legacy stream depend on a capturing blocking stream", hal.ErrCaptureImplicit},
	{CUDA_ERROR_CAPTURED_EVENT, "CUDA_ERROR_CAPTURED_EVENT", "operation not permitted on an event last recorded in a capturing stream", hal.ErrCaptureUnsupported},
	{CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", "attempt to terminate a thread-local capture sequence from another thread", hal.ErrCaptureUnmatched},
	{CUDA_ERROR_TIMEOUT, "CUDA_ERROR_TIMEOUT", "wait operation timed out", hal.ErrTimeout},
	{CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE, "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE", "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update", hal.ErrNotSupported},
	{CUDA_ERROR_EXTERNAL_DEVICE, "CUDA_ERROR_EXTERNAL_DEVICE", "an async error has occured in external entity outside of CUDA", hal.ErrLaunchFailed},
	{CUDA_ERROR_INVALID_CLUSTER_SIZE, "CUDA_ERROR_INVALID_CLUSTER_SIZE", "a kernel launch error has occurred due to cluster misconfiguration", hal.ErrInvalidValue},
	{CUDA_ERROR_FUNCTION_NOT_LOADED, "CUDA_ERROR_FUNCTION_NOT_LOADED", "a function handle is not loaded when calling an API that requires a loaded function", hal.ErrInvalidHandle},             // unverified text
	{CUDA_ERROR_INVALID_RESOURCE_TYPE, "CUDA_ERROR_INVALID_RESOURCE_TYPE", "one or more resources passed in are not valid resource types for the operation", hal.ErrInvalidValue},               // unverified text
	{CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION, "CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION", "one or more resources are insufficient or non-applicable for the operation", hal.ErrInvalidValue}, // unverified text
	{CUDA_ERROR_KEY_ROTATION, "CUDA_ERROR_KEY_ROTATION", "an error happened during the key rotation sequence", hal.ErrLaunchFailed},                                                             // unverified text
	{CUDA_ERROR_STREAM_DETACHED, "CUDA_ERROR_STREAM_DETACHED", "the requested operation is not permitted because the stream is in a detached state", hal.ErrInvalidHandle},                      // unverified text
	{CUDA_ERROR_GRAPH_RECAPTURE_FAILURE, "CUDA_ERROR_GRAPH_RECAPTURE_FAILURE", "graph recapture failed and had to be terminated", hal.ErrCaptureInvalidated},                                    // unverified text
	{CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error", hal.ErrLaunchFailed},
}

func lookupResult(r Result) (resultInfo, bool) {
	i, ok := slices.BinarySearchFunc(resultTable[:], r, func(e resultInfo, r Result) int {
		switch {
		case e.r < r:
			return -1
		case e.r > r:
			return 1
		}
		return 0
	})
	if !ok {
		return resultInfo{}, false
	}
	return resultTable[i], true
}

// Error returns the C name and the driver's description, for example
// "CUDA_ERROR_INVALID_VALUE: invalid argument". A value cuda.h does not
// define reads "Result(12345): unrecognized error code".
func (r Result) Error() string {
	if e, ok := lookupResult(r); ok {
		return e.name + ": " + e.desc
	}
	return r.String() + ": unrecognized error code"
}

// String returns the C name of r, or "Result(n)" for a value cuda.h does not
// define.
func (r Result) String() string {
	if e, ok := lookupResult(r); ok {
		return e.name
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// GetErrorName is cuGetErrorName: the C name of the code
// ("CUDA_ERROR_INVALID_VALUE"), or "" and CUDA_ERROR_INVALID_VALUE when
// cuda.h does not define the code. Like every call of this package it
// returns a nil error on success.
func GetErrorName(r Result) (string, error) {
	if e, ok := lookupResult(r); ok {
		return e.name, nil
	}
	return "", CUDA_ERROR_INVALID_VALUE
}

// GetErrorString is cuGetErrorString: the driver's description of the code
// ("invalid argument"), or "" and CUDA_ERROR_INVALID_VALUE when cuda.h does
// not define the code.
func GetErrorString(r Result) (string, error) {
	if e, ok := lookupResult(r); ok {
		return e.desc, nil
	}
	return "", CUDA_ERROR_INVALID_VALUE
}

// Name returns the C name of r ("CUDA_ERROR_INVALID_VALUE") and whether
// cuda.h defines r.
func Name(r Result) (string, bool) {
	e, ok := lookupResult(r)
	return e.name, ok
}

// SentinelOf returns the hal sentinel that a CUresult returned by libcuda
// stands for: the table's, and for a code newer than the table, by range:
// 7xx are failures of work on the device, anything else is taken as a bad
// argument. The hal/cuda driver wraps it in its errors, so streaming sees
// a backend-neutral error.
func SentinelOf(r Result) error {
	if e, ok := lookupResult(r); ok && e.err != nil {
		return e.err
	}
	if r >= 700 && r < 800 {
		return hal.ErrLaunchFailed
	}
	return hal.ErrInvalidValue
}

// halResults maps the backend-neutral sentinels of package hal (which package
// streaming re-exports) to CUresults. The first row naming a sentinel is the
// Result that ResultOf reports for it; every row also makes errors.Is(r,
// sentinel) true, so the later rows only add matches.
var halResults = [...]struct {
	err error
	r   Result
}{
	{hal.ErrInvalidValue, CUDA_ERROR_INVALID_VALUE},
	{hal.ErrInvalidHandle, CUDA_ERROR_INVALID_HANDLE},
	{hal.ErrInvalidDevice, CUDA_ERROR_INVALID_DEVICE},
	{hal.ErrInvalidPTX, CUDA_ERROR_INVALID_PTX}, // before ErrInvalidImage, which it comes with
	{hal.ErrInvalidImage, CUDA_ERROR_INVALID_IMAGE},
	{hal.ErrNotFound, CUDA_ERROR_NOT_FOUND},
	{hal.ErrOutOfMemory, CUDA_ERROR_OUT_OF_MEMORY},
	{hal.ErrNotReady, CUDA_ERROR_NOT_READY},
	{hal.ErrNotSupported, CUDA_ERROR_NOT_SUPPORTED},
	{hal.ErrNotAvailable, CUDA_ERROR_NO_DEVICE},
	{hal.ErrAssert, CUDA_ERROR_ASSERT}, // before ErrLaunchFailed, which it matches too
	{hal.ErrLaunchFailed, CUDA_ERROR_LAUNCH_FAILED},
	{hal.ErrLaunchResources, CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES},
	{hal.ErrAlreadyMapped, CUDA_ERROR_ALREADY_MAPPED},
	{hal.ErrNotMapped, CUDA_ERROR_NOT_MAPPED},
	{hal.ErrPeerAlreadyEnabled, CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED},
	{hal.ErrPeerNotEnabled, CUDA_ERROR_PEER_ACCESS_NOT_ENABLED},
	{hal.ErrNoBinaryForDevice, CUDA_ERROR_NO_BINARY_FOR_GPU},
	{hal.ErrCaptureInvalidated, CUDA_ERROR_STREAM_CAPTURE_INVALIDATED},
	{hal.ErrCaptureUnsupported, CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED},
	{hal.ErrCaptureUnmatched, CUDA_ERROR_STREAM_CAPTURE_UNMATCHED},
	{hal.ErrCaptureUnjoined, CUDA_ERROR_STREAM_CAPTURE_UNJOINED},
	{hal.ErrCaptureIsolation, CUDA_ERROR_STREAM_CAPTURE_ISOLATION},
	{hal.ErrCaptureImplicit, CUDA_ERROR_STREAM_CAPTURE_IMPLICIT},
	{hal.ErrIllegalState, CUDA_ERROR_ILLEGAL_STATE},
	{hal.ErrIllegalAddress, CUDA_ERROR_ILLEGAL_ADDRESS},
	{hal.ErrDeinitialized, CUDA_ERROR_DEINITIALIZED},
	{hal.ErrNotInitialized, CUDA_ERROR_NOT_INITIALIZED},
	{hal.ErrAlreadyAcquired, CUDA_ERROR_ALREADY_ACQUIRED},
	{hal.ErrInvalidContext, CUDA_ERROR_INVALID_CONTEXT},
	{hal.ErrContextAlreadyCurrent, CUDA_ERROR_CONTEXT_ALREADY_CURRENT},
	{hal.ErrTimeout, CUDA_ERROR_TIMEOUT},
	{hal.ErrCooperativeLaunchTooLarge, CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE},
	// Further codes that mean the same thing as a sentinel above.
	{hal.ErrInvalidImage, CUDA_ERROR_INVALID_PTX},
	{hal.ErrInvalidImage, CUDA_ERROR_INVALID_SOURCE},
	{hal.ErrAlreadyMapped, CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED},
	{hal.ErrNotMapped, CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED},
	{hal.ErrNotAvailable, CUDA_ERROR_STUB_LIBRARY},
	{hal.ErrInvalidContext, CUDA_ERROR_CONTEXT_IS_DESTROYED},
	{hal.ErrLaunchFailed, CUDA_ERROR_ASSERT},
}

// Is reports whether r matches target: the same Result (what errors.Is
// checks first anyway), or the package hal sentinel that r stands for, so
// errors.Is(cuda.CUDA_ERROR_INVALID_VALUE, hal.ErrInvalidValue) is true.
func (r Result) Is(target error) bool {
	if t, ok := target.(Result); ok {
		return r == t
	}
	for _, m := range halResults {
		if m.r == r && m.err == target {
			return true
		}
	}
	return false
}

// ResultOf translates an error from package streaming (or any error) into the
// CUresult a C caller would see: CUDA_SUCCESS for nil, the Result itself when
// err wraps one, the code of the first hal sentinel that err wraps, and
// CUDA_ERROR_UNKNOWN otherwise.
func ResultOf(err error) Result {
	if err == nil {
		return CUDA_SUCCESS
	}
	var r Result
	if errors.As(err, &r) {
		return r
	}
	for _, m := range halResults {
		if errors.Is(err, m.err) {
			return m.r
		}
	}
	return CUDA_ERROR_UNKNOWN
}
