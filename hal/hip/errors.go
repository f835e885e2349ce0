//go:build cgo

package hip

import (
	"errors"
	"fmt"

	"github.com/streamhal/streamhal/hal"
	shiphip "github.com/streamhal/streamhal/hip/hipabi"
)

// sentinels maps every hipError_t the runtime defines to the nearest hal
// sentinel. Codes that are not listed map by range in sentinelOf.
var sentinels = map[shiphip.Error]error{
	shiphip.HipErrorInvalidValue:               hal.ErrInvalidValue,
	shiphip.HipErrorOutOfMemory:                hal.ErrOutOfMemory,
	shiphip.HipErrorNotInitialized:             hal.ErrNotInitialized,
	shiphip.HipErrorDeinitialized:              hal.ErrDeinitialized,
	shiphip.HipErrorProfilerDisabled:           hal.ErrNotSupported,
	shiphip.HipErrorProfilerNotInitialized:     hal.ErrNotInitialized,
	shiphip.HipErrorProfilerAlreadyStarted:     hal.ErrInvalidValue,
	shiphip.HipErrorProfilerAlreadyStopped:     hal.ErrInvalidValue,
	shiphip.HipErrorInvalidConfiguration:       hal.ErrInvalidValue,
	shiphip.HipErrorInvalidPitchValue:          hal.ErrInvalidValue,
	shiphip.HipErrorInvalidSymbol:              hal.ErrNotFound,
	shiphip.HipErrorInvalidDevicePointer:       hal.ErrInvalidValue,
	shiphip.HipErrorInvalidMemcpyDirection:     hal.ErrInvalidValue,
	shiphip.HipErrorInsufficientDriver:         hal.ErrNotAvailable,
	shiphip.HipErrorMissingConfiguration:       hal.ErrInvalidValue,
	shiphip.HipErrorPriorLaunchFailure:         hal.ErrLaunchFailed,
	shiphip.HipErrorInvalidDeviceFunction:      hal.ErrInvalidHandle,
	shiphip.HipErrorNoDevice:                   hal.ErrNotAvailable,
	shiphip.HipErrorInvalidDevice:              hal.ErrInvalidDevice,
	shiphip.HipErrorInvalidImage:               hal.ErrInvalidImage,
	shiphip.HipErrorInvalidContext:             hal.ErrInvalidContext,
	shiphip.HipErrorContextAlreadyCurrent:      hal.ErrContextAlreadyCurrent,
	shiphip.HipErrorMapFailed:                  hal.ErrInvalidValue,
	shiphip.HipErrorUnmapFailed:                hal.ErrInvalidValue,
	shiphip.HipErrorArrayIsMapped:              hal.ErrAlreadyMapped,
	shiphip.HipErrorAlreadyMapped:              hal.ErrAlreadyMapped,
	shiphip.HipErrorNoBinaryForGpu:             hal.ErrNoBinaryForDevice,
	shiphip.HipErrorAlreadyAcquired:            hal.ErrAlreadyAcquired,
	shiphip.HipErrorNotMapped:                  hal.ErrNotMapped,
	shiphip.HipErrorNotMappedAsArray:           hal.ErrNotMapped,
	shiphip.HipErrorNotMappedAsPointer:         hal.ErrNotMapped,
	shiphip.HipErrorECCNotCorrectable:          hal.ErrLaunchFailed,
	shiphip.HipErrorUnsupportedLimit:           hal.ErrNotSupported,
	shiphip.HipErrorContextAlreadyInUse:        hal.ErrInvalidContext,
	shiphip.HipErrorPeerAccessUnsupported:      hal.ErrNotSupported,
	shiphip.HipErrorInvalidKernelFile:          hal.ErrInvalidImage,
	shiphip.HipErrorInvalidGraphicsContext:     hal.ErrInvalidContext,
	shiphip.HipErrorInvalidSource:              hal.ErrInvalidImage,
	shiphip.HipErrorFileNotFound:               hal.ErrNotFound,
	shiphip.HipErrorSharedObjectSymbolNotFound: hal.ErrNotFound,
	shiphip.HipErrorSharedObjectInitFailed:     hal.ErrInvalidImage,
	shiphip.HipErrorOperatingSystem:            hal.ErrNotSupported,
	shiphip.HipErrorInvalidHandle:              hal.ErrInvalidHandle,
	shiphip.HipErrorIllegalState:               hal.ErrIllegalState,
	shiphip.HipErrorNotFound:                   hal.ErrNotFound,
	shiphip.HipErrorNotReady:                   hal.ErrNotReady,
	shiphip.HipErrorIllegalAddress:             hal.ErrIllegalAddress,
	shiphip.HipErrorLaunchOutOfResources:       hal.ErrLaunchResources,
	shiphip.HipErrorLaunchTimeOut:              hal.ErrLaunchFailed,
	shiphip.HipErrorPeerAccessAlreadyEnabled:   hal.ErrPeerAlreadyEnabled,
	shiphip.HipErrorPeerAccessNotEnabled:       hal.ErrPeerNotEnabled,
	shiphip.HipErrorSetOnActiveProcess:         hal.ErrInvalidContext,
	// HIP answers hipErrorContextIsDestroyed for a stream or event handle
	// that is no longer valid.
	shiphip.HipErrorContextIsDestroyed:           hal.ErrInvalidHandle,
	shiphip.HipErrorAssert:                       hal.ErrLaunchFailed,
	shiphip.HipErrorHostMemoryAlreadyRegistered:  hal.ErrAlreadyMapped,
	shiphip.HipErrorHostMemoryNotRegistered:      hal.ErrNotMapped,
	shiphip.HipErrorLaunchFailure:                hal.ErrLaunchFailed,
	shiphip.HipErrorCooperativeLaunchTooLarge:    hal.ErrLaunchResources,
	shiphip.HipErrorNotSupported:                 hal.ErrNotSupported,
	shiphip.HipErrorStreamCaptureUnsupported:     hal.ErrCaptureUnsupported,
	shiphip.HipErrorStreamCaptureInvalidated:     hal.ErrCaptureInvalidated,
	shiphip.HipErrorStreamCaptureMerge:           hal.ErrCaptureUnsupported,
	shiphip.HipErrorStreamCaptureUnmatched:       hal.ErrCaptureUnmatched,
	shiphip.HipErrorStreamCaptureUnjoined:        hal.ErrCaptureUnjoined,
	shiphip.HipErrorStreamCaptureIsolation:       hal.ErrCaptureIsolation,
	shiphip.HipErrorStreamCaptureImplicit:        hal.ErrCaptureImplicit,
	shiphip.HipErrorCapturedEvent:                hal.ErrCaptureUnsupported,
	shiphip.HipErrorStreamCaptureWrongThread:     hal.ErrCaptureUnmatched,
	shiphip.HipErrorGraphExecUpdateFailure:       hal.ErrNotSupported,
	shiphip.HipErrorInvalidChannelDescriptor:     hal.ErrInvalidValue,
	shiphip.HipErrorInvalidTexture:               hal.ErrInvalidValue,
	shiphip.HipErrorInvalidResourceType:          hal.ErrInvalidValue,
	shiphip.HipErrorInvalidResourceConfiguration: hal.ErrInvalidValue,
	shiphip.HipErrorStreamDetached:               hal.ErrInvalidHandle,
	shiphip.HipErrorUnknown:                      hal.ErrLaunchFailed,
	shiphip.HipErrorRuntimeMemory:                hal.ErrOutOfMemory,
	shiphip.HipErrorRuntimeOther:                 hal.ErrLaunchFailed,
}

// sentinelOf returns the hal sentinel a hipError_t stands for. Codes newer
// than the table map by CUDA-compatible range: 7xx are failures of work on
// the device, anything else is taken as a bad argument.
func sentinelOf(code shiphip.Error) error {
	if err, ok := sentinels[code]; ok {
		return err
	}
	if code >= 700 && code < 800 {
		return hal.ErrLaunchFailed
	}
	return hal.ErrInvalidValue
}

// apiError is a failed runtime call. It wraps both the hal sentinel, for
// errors.Is, and the exact hip.Error, for errors.As (package hip reports it
// to C-shaped callers unchanged).
type apiError struct {
	call string // what was called, with its arguments
	code shiphip.Error
}

// Error reads "hal/hip: hipMalloc(1024 bytes) on device 0:
// hipErrorOutOfMemory: out of memory".
func (e *apiError) Error() string {
	return "hal/hip: " + e.call + ": " + e.code.Error()
}

// Unwrap returns the sentinel and the code.
func (e *apiError) Unwrap() []error { return []error{sentinelOf(e.code), e.code} }

// check turns a hipError_t into nil or an *apiError naming the call.
func check(code int, format string, args ...any) error {
	if code == 0 {
		return nil
	}
	return &apiError{call: fmt.Sprintf(format, args...), code: shiphip.Error(code)}
}

// codeOf returns the hipError_t inside err, or 0 (hipSuccess).
func codeOf(err error) shiphip.Error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	return 0
}

// notSupported rewraps a failed in-place graph update: the caller
// re-instantiates on hal.ErrNotSupported.
type notSupported struct{ err error }

func (e *notSupported) Error() string   { return e.err.Error() + " (needs re-instantiation)" }
func (e *notSupported) Unwrap() []error { return []error{hal.ErrNotSupported, e.err} }
