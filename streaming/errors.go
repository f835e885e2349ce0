package streaming

import "github.com/streamhal/streamhal/hal"

// Errors returned by this package wrap one of these sentinels (shared with
// package hal), so callers match them with errors.Is; the message names the
// call and the argument that was wrong. TestSentinelsReexported checks
// that every sentinel of package hal is here.
var (
	ErrInvalidValue          = hal.ErrInvalidValue
	ErrInvalidHandle         = hal.ErrInvalidHandle
	ErrInvalidDevice         = hal.ErrInvalidDevice
	ErrInvalidContext        = hal.ErrInvalidContext
	ErrInvalidImage          = hal.ErrInvalidImage
	ErrNotFound              = hal.ErrNotFound
	ErrOutOfMemory           = hal.ErrOutOfMemory
	ErrNotReady              = hal.ErrNotReady
	ErrNotSupported          = hal.ErrNotSupported
	ErrNotAvailable          = hal.ErrNotAvailable
	ErrLaunchFailed          = hal.ErrLaunchFailed
	ErrLaunchResources       = hal.ErrLaunchResources
	ErrAlreadyMapped         = hal.ErrAlreadyMapped
	ErrNotMapped             = hal.ErrNotMapped
	ErrPeerAlreadyEnabled    = hal.ErrPeerAlreadyEnabled
	ErrPeerNotEnabled        = hal.ErrPeerNotEnabled
	ErrNoBinaryForDevice     = hal.ErrNoBinaryForDevice
	ErrCaptureInvalidated    = hal.ErrCaptureInvalidated
	ErrCaptureUnsupported    = hal.ErrCaptureUnsupported
	ErrCaptureUnmatched      = hal.ErrCaptureUnmatched
	ErrCaptureUnjoined       = hal.ErrCaptureUnjoined
	ErrCaptureIsolation      = hal.ErrCaptureIsolation
	ErrCaptureImplicit       = hal.ErrCaptureImplicit
	ErrIllegalState          = hal.ErrIllegalState
	ErrIllegalAddress        = hal.ErrIllegalAddress
	ErrDeinitialized         = hal.ErrDeinitialized
	ErrNotInitialized        = hal.ErrNotInitialized
	ErrAlreadyAcquired       = hal.ErrAlreadyAcquired
	ErrContextAlreadyCurrent = hal.ErrContextAlreadyCurrent
	ErrTimeout               = hal.ErrTimeout
	// ErrInvalidPTX comes with ErrInvalidImage for PTX the device cannot
	// compile (on the CPU backend: PTX its translator refuses).
	ErrInvalidPTX                = hal.ErrInvalidPTX
	ErrCooperativeLaunchTooLarge = hal.ErrCooperativeLaunchTooLarge
	// ErrAssert is a failed assert() in device code (CUDA_ERROR_ASSERT);
	// errors.Is(err, ErrLaunchFailed) holds for it too.
	ErrAssert = hal.ErrAssert
)

// KernelFault is the error of a kernel that faulted, as the CPU backend
// reports it: the kernel, the block, the signal and the address (see
// hal.KernelFault). It wraps ErrIllegalAddress for memory faults, so
// errors.Is(err, ErrIllegalAddress) matches it; errors.As reads the
// fields. Like CUDA's illegal-address error it is sticky: see Context.
type KernelFault = hal.KernelFault
