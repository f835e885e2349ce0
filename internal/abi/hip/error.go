// hipError_t: every code with its C name, the text hipGetErrorString gives
// and the hal sentinel it stands for; a change needs a source.
//
// Sources (looked up with the project's search tool, not guessed):
//   - hipError_t of hip_runtime_api.h as ROCm 6.x ships it (several
//     independent copies of the 6.x enum agree), plus the codes ROCm 7.x adds
//     (914, 915, 916) from ROCm/rocm-systems projects/hip. Where the releases
//     disagree ROCm 6.x wins: hipErrorTbd is 1054 here; ROCm 7.x gives 1054 to
//     hipErrorInvalidClusterSize and moves hipErrorTbd to 1055.
//   - hipGetErrorString texts: ihipGetErrorString in ROCm/clr
//     hipamd/src/hip_error.cpp (identical in the two 6.x revisions read), and
//     the 7.x copy in rocm-systems for 911 and 912, which 6.x reports as
//     "unknown error". Rows marked "our text" have no entry in any version of
//     that table (the runtime says "unknown error") and use the header comment.

package hip

import (
	"errors"
	"slices"
	"strconv"

	"github.com/streamhal/streamhal/hal"
)

// Error is a hipError_t, the status every HIP API call returns. Its values
// are exactly those of hip_runtime_api.h, so an Error can be handed to or
// taken from libamdhip64 unchanged. Error implements error; HipSuccess is an
// Error like any other, so callers convert it to a nil error themselves (see
// ErrorOf for the other direction).
//
// Go names keep the C spelling with the first letter capitalised, the way
// golang.org/x/sys/unix keeps C names: hipErrorInvalidValue is
// HipErrorInvalidValue.
type Error int

// hipError_t values.
const (
	HipSuccess                           Error = 0
	HipErrorInvalidValue                 Error = 1
	HipErrorOutOfMemory                  Error = 2
	HipErrorNotInitialized               Error = 3
	HipErrorDeinitialized                Error = 4
	HipErrorProfilerDisabled             Error = 5
	HipErrorProfilerNotInitialized       Error = 6
	HipErrorProfilerAlreadyStarted       Error = 7
	HipErrorProfilerAlreadyStopped       Error = 8
	HipErrorInvalidConfiguration         Error = 9
	HipErrorInvalidPitchValue            Error = 12
	HipErrorInvalidSymbol                Error = 13
	HipErrorInvalidDevicePointer         Error = 17
	HipErrorInvalidMemcpyDirection       Error = 21
	HipErrorInsufficientDriver           Error = 35
	HipErrorMissingConfiguration         Error = 52
	HipErrorPriorLaunchFailure           Error = 53
	HipErrorInvalidDeviceFunction        Error = 98
	HipErrorNoDevice                     Error = 100
	HipErrorInvalidDevice                Error = 101
	HipErrorInvalidImage                 Error = 200
	HipErrorInvalidContext               Error = 201
	HipErrorContextAlreadyCurrent        Error = 202
	HipErrorMapFailed                    Error = 205
	HipErrorUnmapFailed                  Error = 206
	HipErrorArrayIsMapped                Error = 207
	HipErrorAlreadyMapped                Error = 208
	HipErrorNoBinaryForGpu               Error = 209
	HipErrorAlreadyAcquired              Error = 210
	HipErrorNotMapped                    Error = 211
	HipErrorNotMappedAsArray             Error = 212
	HipErrorNotMappedAsPointer           Error = 213
	HipErrorECCNotCorrectable            Error = 214
	HipErrorUnsupportedLimit             Error = 215
	HipErrorContextAlreadyInUse          Error = 216
	HipErrorPeerAccessUnsupported        Error = 217
	HipErrorInvalidKernelFile            Error = 218
	HipErrorInvalidGraphicsContext       Error = 219
	HipErrorInvalidSource                Error = 300
	HipErrorFileNotFound                 Error = 301
	HipErrorSharedObjectSymbolNotFound   Error = 302
	HipErrorSharedObjectInitFailed       Error = 303
	HipErrorOperatingSystem              Error = 304
	HipErrorInvalidHandle                Error = 400
	HipErrorIllegalState                 Error = 401
	HipErrorNotFound                     Error = 500
	HipErrorNotReady                     Error = 600
	HipErrorIllegalAddress               Error = 700
	HipErrorLaunchOutOfResources         Error = 701
	HipErrorLaunchTimeOut                Error = 702
	HipErrorPeerAccessAlreadyEnabled     Error = 704
	HipErrorPeerAccessNotEnabled         Error = 705
	HipErrorSetOnActiveProcess           Error = 708
	HipErrorContextIsDestroyed           Error = 709
	HipErrorAssert                       Error = 710
	HipErrorHostMemoryAlreadyRegistered  Error = 712
	HipErrorHostMemoryNotRegistered      Error = 713
	HipErrorLaunchFailure                Error = 719
	HipErrorCooperativeLaunchTooLarge    Error = 720
	HipErrorNotSupported                 Error = 801
	HipErrorStreamCaptureUnsupported     Error = 900
	HipErrorStreamCaptureInvalidated     Error = 901
	HipErrorStreamCaptureMerge           Error = 902
	HipErrorStreamCaptureUnmatched       Error = 903
	HipErrorStreamCaptureUnjoined        Error = 904
	HipErrorStreamCaptureIsolation       Error = 905
	HipErrorStreamCaptureImplicit        Error = 906
	HipErrorCapturedEvent                Error = 907
	HipErrorStreamCaptureWrongThread     Error = 908
	HipErrorGraphExecUpdateFailure       Error = 910
	HipErrorInvalidChannelDescriptor     Error = 911
	HipErrorInvalidTexture               Error = 912
	HipErrorInvalidResourceType          Error = 914 // ROCm 7.x
	HipErrorInvalidResourceConfiguration Error = 915 // ROCm 7.x
	HipErrorStreamDetached               Error = 916 // ROCm 7.x
	HipErrorUnknown                      Error = 999
	HipErrorRuntimeMemory                Error = 1052
	HipErrorRuntimeOther                 Error = 1053
	HipErrorTbd                          Error = 1054 // ROCm 6.x value; a marker, never returned

	// Deprecated aliases kept by hip_runtime_api.h.
	HipErrorMemoryAllocation      Error = 2
	HipErrorInitializationError   Error = 3
	HipErrorMapBufferObjectFailed Error = 205
	HipErrorInvalidResourceHandle Error = 400
)

// errorInfo is one row of the hipError_t table: value, C name, the text
// hipGetErrorString returns for it, and the hal sentinel the code stands
// for when the HIP runtime returns it (what hal/hip wraps; see SentinelOf).
type errorInfo struct {
	e    Error
	name string
	desc string
	err  error
}

// errorTable lists every known hipError_t in increasing order of value, so
// lookups are a binary search. It is the only table of hipError_t codes:
// package hip and the hal/hip driver both read it.
var errorTable = [...]errorInfo{
	{HipSuccess, "hipSuccess", "no error", nil},
	{HipErrorInvalidValue, "hipErrorInvalidValue", "invalid argument", hal.ErrInvalidValue},
	{HipErrorOutOfMemory, "hipErrorOutOfMemory", "out of memory", hal.ErrOutOfMemory},
	{HipErrorNotInitialized, "hipErrorNotInitialized", "initialization error", hal.ErrNotInitialized},
	{HipErrorDeinitialized, "hipErrorDeinitialized", "driver shutting down", hal.ErrDeinitialized},
	{HipErrorProfilerDisabled, "hipErrorProfilerDisabled", "profiler disabled while using external profiling tool", hal.ErrNotSupported},
	{HipErrorProfilerNotInitialized, "hipErrorProfilerNotInitialized", "profiler is not initialized", hal.ErrNotInitialized},
	{HipErrorProfilerAlreadyStarted, "hipErrorProfilerAlreadyStarted", "profiler already started", hal.ErrInvalidValue},
	{HipErrorProfilerAlreadyStopped, "hipErrorProfilerAlreadyStopped", "profiler already stopped", hal.ErrInvalidValue},
	{HipErrorInvalidConfiguration, "hipErrorInvalidConfiguration", "invalid configuration argument", hal.ErrInvalidValue},
	{HipErrorInvalidPitchValue, "hipErrorInvalidPitchValue", "invalid pitch argument", hal.ErrInvalidValue},
	{HipErrorInvalidSymbol, "hipErrorInvalidSymbol", "invalid device symbol", hal.ErrNotFound},
	{HipErrorInvalidDevicePointer, "hipErrorInvalidDevicePointer", "invalid device pointer", hal.ErrInvalidValue},
	{HipErrorInvalidMemcpyDirection, "hipErrorInvalidMemcpyDirection", "invalid copy direction for memcpy", hal.ErrInvalidValue},
	{HipErrorInsufficientDriver, "hipErrorInsufficientDriver", "driver version is insufficient for runtime version", hal.ErrNotAvailable},
	{HipErrorMissingConfiguration, "hipErrorMissingConfiguration", "__global__ function call is not configured", hal.ErrInvalidValue},
	{HipErrorPriorLaunchFailure, "hipErrorPriorLaunchFailure", "unspecified launch failure in prior launch", hal.ErrLaunchFailed},
	{HipErrorInvalidDeviceFunction, "hipErrorInvalidDeviceFunction", "invalid device function", hal.ErrInvalidHandle},
	{HipErrorNoDevice, "hipErrorNoDevice", "no ROCm-capable device is detected", hal.ErrNotAvailable},
	{HipErrorInvalidDevice, "hipErrorInvalidDevice", "invalid device ordinal", hal.ErrInvalidDevice},
	{HipErrorInvalidImage, "hipErrorInvalidImage", "device kernel image is invalid", hal.ErrInvalidImage},
	{HipErrorInvalidContext, "hipErrorInvalidContext", "invalid device context", hal.ErrInvalidContext},
	{HipErrorContextAlreadyCurrent, "hipErrorContextAlreadyCurrent", "context is already current context", hal.ErrContextAlreadyCurrent},
	{HipErrorMapFailed, "hipErrorMapFailed", "mapping of buffer object failed", hal.ErrInvalidValue},
	{HipErrorUnmapFailed, "hipErrorUnmapFailed", "unmapping of buffer object failed", hal.ErrInvalidValue},
	{HipErrorArrayIsMapped, "hipErrorArrayIsMapped", "array is mapped", hal.ErrAlreadyMapped},
	{HipErrorAlreadyMapped, "hipErrorAlreadyMapped", "resource already mapped", hal.ErrAlreadyMapped},
	{HipErrorNoBinaryForGpu, "hipErrorNoBinaryForGpu", "no kernel image is available for execution on the device", hal.ErrNoBinaryForDevice},
	{HipErrorAlreadyAcquired, "hipErrorAlreadyAcquired", "resource already acquired", hal.ErrAlreadyAcquired},
	{HipErrorNotMapped, "hipErrorNotMapped", "resource not mapped", hal.ErrNotMapped},
	{HipErrorNotMappedAsArray, "hipErrorNotMappedAsArray", "resource not mapped as array", hal.ErrNotMapped},
	{HipErrorNotMappedAsPointer, "hipErrorNotMappedAsPointer", "resource not mapped as pointer", hal.ErrNotMapped},
	{HipErrorECCNotCorrectable, "hipErrorECCNotCorrectable", "uncorrectable ECC error encountered", hal.ErrLaunchFailed},
	{HipErrorUnsupportedLimit, "hipErrorUnsupportedLimit", "limit is not supported on this architecture", hal.ErrNotSupported},
	{HipErrorContextAlreadyInUse, "hipErrorContextAlreadyInUse", "exclusive-thread device already in use by a different thread", hal.ErrInvalidContext},
	{HipErrorPeerAccessUnsupported, "hipErrorPeerAccessUnsupported", "peer access is not supported between these two devices", hal.ErrNotSupported},
	{HipErrorInvalidKernelFile, "hipErrorInvalidKernelFile", "invalid kernel file", hal.ErrInvalidImage},
	{HipErrorInvalidGraphicsContext, "hipErrorInvalidGraphicsContext", "invalid OpenGL or DirectX context", hal.ErrInvalidContext},
	{HipErrorInvalidSource, "hipErrorInvalidSource", "device kernel image is invalid", hal.ErrInvalidImage},
	{HipErrorFileNotFound, "hipErrorFileNotFound", "file not found", hal.ErrNotFound},
	{HipErrorSharedObjectSymbolNotFound, "hipErrorSharedObjectSymbolNotFound", "shared object symbol not found", hal.ErrNotFound},
	{HipErrorSharedObjectInitFailed, "hipErrorSharedObjectInitFailed", "shared object initialization failed", hal.ErrInvalidImage},
	{HipErrorOperatingSystem, "hipErrorOperatingSystem", "OS call failed or operation not supported on this OS", hal.ErrNotSupported},
	{HipErrorInvalidHandle, "hipErrorInvalidHandle", "invalid resource handle", hal.ErrInvalidHandle},
	{HipErrorIllegalState, "hipErrorIllegalState", "the operation cannot be performed in the present state", hal.ErrIllegalState},
	{HipErrorNotFound, "hipErrorNotFound", "named symbol not found", hal.ErrNotFound},
	{HipErrorNotReady, "hipErrorNotReady", "device not ready", hal.ErrNotReady},
	{HipErrorIllegalAddress, "hipErrorIllegalAddress", "an illegal memory access was encountered", hal.ErrIllegalAddress},
	{HipErrorLaunchOutOfResources, "hipErrorLaunchOutOfResources", "too many resources requested for launch", hal.ErrLaunchResources},
	{HipErrorLaunchTimeOut, "hipErrorLaunchTimeOut", "the launch timed out and was terminated", hal.ErrLaunchFailed},
	{HipErrorPeerAccessAlreadyEnabled, "hipErrorPeerAccessAlreadyEnabled", "peer access is already enabled", hal.ErrPeerAlreadyEnabled},
	{HipErrorPeerAccessNotEnabled, "hipErrorPeerAccessNotEnabled", "peer access has not been enabled", hal.ErrPeerNotEnabled},
	{HipErrorSetOnActiveProcess, "hipErrorSetOnActiveProcess", "cannot set while device is active in this process", hal.ErrInvalidContext},
	{HipErrorContextIsDestroyed, "hipErrorContextIsDestroyed", "context is destroyed", hal.ErrInvalidHandle},
	{HipErrorAssert, "hipErrorAssert", "device-side assert triggered", hal.ErrAssert},
	{HipErrorHostMemoryAlreadyRegistered, "hipErrorHostMemoryAlreadyRegistered", "part or all of the requested memory range is already mapped", hal.ErrAlreadyMapped},
	{HipErrorHostMemoryNotRegistered, "hipErrorHostMemoryNotRegistered", "pointer does not correspond to a registered memory region", hal.ErrNotMapped},
	{HipErrorLaunchFailure, "hipErrorLaunchFailure", "unspecified launch failure", hal.ErrLaunchFailed},
	{HipErrorCooperativeLaunchTooLarge, "hipErrorCooperativeLaunchTooLarge", "too many blocks in cooperative launch", hal.ErrLaunchResources},
	{HipErrorNotSupported, "hipErrorNotSupported", "operation not supported", hal.ErrNotSupported},
	{HipErrorStreamCaptureUnsupported, "hipErrorStreamCaptureUnsupported", "operation not permitted when stream is capturing", hal.ErrCaptureUnsupported},
	{HipErrorStreamCaptureInvalidated, "hipErrorStreamCaptureInvalidated", "operation failed due to a previous error during capture", hal.ErrCaptureInvalidated},
	{HipErrorStreamCaptureMerge, "hipErrorStreamCaptureMerge", "operation would result in a merge of separate capture sequences", hal.ErrCaptureUnsupported},
	{HipErrorStreamCaptureUnmatched, "hipErrorStreamCaptureUnmatched", "capture was not ended in the same stream as it began", hal.ErrCaptureUnmatched},
	{HipErrorStreamCaptureUnjoined, "hipErrorStreamCaptureUnjoined", "capturing stream has unjoined work", hal.ErrCaptureUnjoined},
	{HipErrorStreamCaptureIsolation, "hipErrorStreamCaptureIsolation", "dependency created on uncaptured work in another stream", hal.ErrCaptureIsolation},
	{HipErrorStreamCaptureImplicit, "hipErrorStreamCaptureImplicit", "operation would make the legacy stream depend on a capturing blocking stream", hal.ErrCaptureImplicit},
	{HipErrorCapturedEvent, "hipErrorCapturedEvent", "operation not permitted on an event last recorded in a capturing stream", hal.ErrCaptureUnsupported},
	{HipErrorStreamCaptureWrongThread, "hipErrorStreamCaptureWrongThread", "attempt to terminate a thread-local capture sequence from another thread", hal.ErrCaptureUnmatched},
	{HipErrorGraphExecUpdateFailure, "hipErrorGraphExecUpdateFailure", "the graph update was not performed because it included changes which violated constraints specific to instantiated graph update", hal.ErrNotSupported},
	{HipErrorInvalidChannelDescriptor, "hipErrorInvalidChannelDescriptor", "invalid resource description of texture passed to the api", hal.ErrInvalidValue},     // ROCm 7.x text
	{HipErrorInvalidTexture, "hipErrorInvalidTexture", "invalid texture object passed to the api", hal.ErrInvalidValue},                                          // ROCm 7.x text
	{HipErrorInvalidResourceType, "hipErrorInvalidResourceType", "resource type is not valid for the operation", hal.ErrInvalidValue},                            // our text
	{HipErrorInvalidResourceConfiguration, "hipErrorInvalidResourceConfiguration", "resource configuration is not valid for the operation", hal.ErrInvalidValue}, // our text
	{HipErrorStreamDetached, "hipErrorStreamDetached", "the stream is detached", hal.ErrInvalidHandle},                                                           // our text
	{HipErrorUnknown, "hipErrorUnknown", "unknown error", hal.ErrLaunchFailed},
	{HipErrorRuntimeMemory, "hipErrorRuntimeMemory", "runtime memory call returned error", hal.ErrOutOfMemory},
	{HipErrorRuntimeOther, "hipErrorRuntimeOther", "runtime call other than memory returned error", hal.ErrLaunchFailed},
	{HipErrorTbd, "hipErrorTbd", "unknown error", nil}, // the runtime's text for it
}

func lookupError(e Error) (errorInfo, bool) {
	i, ok := slices.BinarySearchFunc(errorTable[:], e, func(x errorInfo, e Error) int {
		switch {
		case x.e < e:
			return -1
		case x.e > e:
			return 1
		}
		return 0
	})
	if !ok {
		return errorInfo{}, false
	}
	return errorTable[i], true
}

// Error returns the C name and the runtime's description, for example
// "hipErrorInvalidValue: invalid argument". A value hip_runtime_api.h does not
// define reads "Error(12345): unknown error".
func (e Error) Error() string {
	if x, ok := lookupError(e); ok {
		return x.name + ": " + x.desc
	}
	return e.String() + ": unknown error"
}

// String returns the C name of e, or "Error(n)" for a value
// hip_runtime_api.h does not define.
func (e Error) String() string {
	if x, ok := lookupError(e); ok {
		return x.name
	}
	return "Error(" + strconv.Itoa(int(e)) + ")"
}

// GetErrorName is hipGetErrorName: the C name of the code
// ("hipErrorInvalidValue"). Like the runtime it answers "hipErrorUnknown" for
// a value it does not know; unlike ROCm 6.x it knows every name in the table
// above, 911-916 included.
func GetErrorName(e Error) string {
	if x, ok := lookupError(e); ok {
		return x.name
	}
	return "hipErrorUnknown"
}

// GetErrorString is hipGetErrorString: the runtime's description of the code
// ("invalid argument"), or "unknown error" for a value it does not know.
func GetErrorString(e Error) string {
	if x, ok := lookupError(e); ok {
		return x.desc
	}
	return "unknown error"
}

// SentinelOf returns the hal sentinel that a code returned by the HIP
// runtime stands for: the table's, and for a code newer than the table, by
// CUDA-compatible range: 7xx are failures of work on the device, anything
// else is taken as a bad argument. The hal/hip driver wraps it in its
// errors, so streaming sees a backend-neutral error.
func SentinelOf(e Error) error {
	if x, ok := lookupError(e); ok && x.err != nil {
		return x.err
	}
	if e >= 700 && e < 800 {
		return hal.ErrLaunchFailed
	}
	return hal.ErrInvalidValue
}

// halErrors maps the backend-neutral sentinels of package hal (which package
// streaming re-exports) to hipError_t codes. The first row naming a sentinel
// is the Error that ErrorOf reports for it; every row also makes errors.Is(e,
// sentinel) true, so the later rows only add matches. hal.ErrTimeout has no
// HIP counterpart and maps to nothing.
var halErrors = [...]struct {
	err error
	e   Error
}{
	{hal.ErrInvalidValue, HipErrorInvalidValue},
	{hal.ErrInvalidHandle, HipErrorInvalidHandle},
	{hal.ErrInvalidDevice, HipErrorInvalidDevice},
	{hal.ErrInvalidPTX, HipErrorInvalidKernelFile}, // before ErrInvalidImage, which it comes with
	{hal.ErrInvalidImage, HipErrorInvalidImage},
	{hal.ErrNotFound, HipErrorNotFound},
	{hal.ErrOutOfMemory, HipErrorOutOfMemory},
	{hal.ErrNotReady, HipErrorNotReady},
	{hal.ErrNotSupported, HipErrorNotSupported},
	{hal.ErrNotAvailable, HipErrorNoDevice},
	{hal.ErrAssert, HipErrorAssert}, // before ErrLaunchFailed, which it matches too
	{hal.ErrLaunchFailed, HipErrorLaunchFailure},
	{hal.ErrLaunchResources, HipErrorLaunchOutOfResources},
	{hal.ErrAlreadyMapped, HipErrorAlreadyMapped},
	{hal.ErrNotMapped, HipErrorNotMapped},
	{hal.ErrPeerAlreadyEnabled, HipErrorPeerAccessAlreadyEnabled},
	{hal.ErrPeerNotEnabled, HipErrorPeerAccessNotEnabled},
	{hal.ErrNoBinaryForDevice, HipErrorNoBinaryForGpu},
	{hal.ErrCaptureInvalidated, HipErrorStreamCaptureInvalidated},
	{hal.ErrCaptureUnsupported, HipErrorStreamCaptureUnsupported},
	{hal.ErrCaptureUnmatched, HipErrorStreamCaptureUnmatched},
	{hal.ErrCaptureUnjoined, HipErrorStreamCaptureUnjoined},
	{hal.ErrCaptureIsolation, HipErrorStreamCaptureIsolation},
	{hal.ErrCaptureImplicit, HipErrorStreamCaptureImplicit},
	{hal.ErrIllegalState, HipErrorIllegalState},
	{hal.ErrIllegalAddress, HipErrorIllegalAddress},
	{hal.ErrDeinitialized, HipErrorDeinitialized},
	{hal.ErrNotInitialized, HipErrorNotInitialized},
	{hal.ErrAlreadyAcquired, HipErrorAlreadyAcquired},
	{hal.ErrInvalidContext, HipErrorInvalidContext},
	{hal.ErrContextAlreadyCurrent, HipErrorContextAlreadyCurrent},
	{hal.ErrCooperativeLaunchTooLarge, HipErrorCooperativeLaunchTooLarge},
	// Further codes that mean the same thing as a sentinel above.
	{hal.ErrInvalidImage, HipErrorInvalidKernelFile},
	{hal.ErrInvalidImage, HipErrorInvalidSource},
	{hal.ErrInvalidDevice, HipErrorInvalidDeviceFunction},
	{hal.ErrAlreadyMapped, HipErrorHostMemoryAlreadyRegistered},
	{hal.ErrNotMapped, HipErrorHostMemoryNotRegistered},
	{hal.ErrInvalidContext, HipErrorContextIsDestroyed},
	{hal.ErrInvalidValue, HipErrorInvalidDevicePointer},
	{hal.ErrInvalidValue, HipErrorInvalidMemcpyDirection},
	{hal.ErrLaunchFailed, HipErrorAssert},
}

// Is reports whether e matches target: the same Error (what errors.Is checks
// first anyway), or the package hal sentinel that e stands for, so
// errors.Is(hip.HipErrorInvalidValue, hal.ErrInvalidValue) is true.
func (e Error) Is(target error) bool {
	if t, ok := target.(Error); ok {
		return e == t
	}
	for _, m := range halErrors {
		if m.e == e && m.err == target {
			return true
		}
	}
	return false
}

// ErrorOf translates an error from package streaming (or any error) into the
// hipError_t a C caller would see: HipSuccess for nil, the Error itself when
// err wraps one, the code of the first hal sentinel that err wraps, and
// HipErrorUnknown otherwise.
func ErrorOf(err error) Error {
	if err == nil {
		return HipSuccess
	}
	var e Error
	if errors.As(err, &e) {
		return e
	}
	for _, m := range halErrors {
		if errors.Is(err, m.err) {
			return m.e
		}
	}
	return HipErrorUnknown
}
