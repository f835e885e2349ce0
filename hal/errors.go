package hal

import "errors"

// Sentinel errors shared by drivers and package streaming (which re-exports
// them). Errors always wrap one of these with a message naming what was
// wrong, so callers match with errors.Is.
var (
	ErrInvalidValue          = errors.New("invalid value")
	ErrInvalidHandle         = errors.New("invalid handle")
	ErrInvalidDevice         = errors.New("invalid device")
	ErrInvalidImage          = errors.New("invalid module image")
	ErrNotFound              = errors.New("not found")
	ErrOutOfMemory           = errors.New("out of memory")
	ErrNotReady              = errors.New("not ready")
	ErrNotSupported          = errors.New("not supported")
	ErrNotAvailable          = errors.New("not available")
	ErrLaunchFailed          = errors.New("launch failed")
	ErrLaunchResources       = errors.New("too many resources requested for launch")
	ErrAlreadyMapped         = errors.New("already mapped")
	ErrNotMapped             = errors.New("not mapped")
	ErrPeerAlreadyEnabled    = errors.New("peer access already enabled")
	ErrPeerNotEnabled        = errors.New("peer access not enabled")
	ErrNoBinaryForDevice     = errors.New("no binary for device")
	ErrCaptureInvalidated    = errors.New("stream capture invalidated")
	ErrCaptureUnsupported    = errors.New("operation not permitted when stream is capturing")
	ErrCaptureUnmatched      = errors.New("stream capture unmatched")
	ErrCaptureUnjoined       = errors.New("stream capture unjoined")
	ErrCaptureIsolation      = errors.New("stream capture isolation: dependency on another capture")
	ErrCaptureImplicit       = errors.New("operation would make the legacy stream depend on a capturing blocking stream")
	ErrIllegalState          = errors.New("illegal state")
	ErrIllegalAddress        = errors.New("illegal address")
	ErrDeinitialized         = errors.New("deinitialized")
	ErrNotInitialized        = errors.New("not initialized")
	ErrAlreadyAcquired       = errors.New("already acquired")
	ErrInvalidContext        = errors.New("invalid context")
	ErrContextAlreadyCurrent = errors.New("context already current")
	ErrTimeout               = errors.New("timeout")
	// ErrInvalidPTX is PTX that the device's JIT (or the CPU backend's PTX
	// translator) rejects: CUDA_ERROR_INVALID_PTX, hipErrorInvalidKernelFile.
	// Drivers wrap it together with ErrInvalidImage, so both match.
	ErrInvalidPTX = errors.New("invalid PTX")
	// ErrCooperativeLaunchTooLarge is a cooperative launch with more blocks
	// than can run at once (CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE).
	ErrCooperativeLaunchTooLarge = errors.New("too many blocks in cooperative launch")
	// ErrAssert is a failed assert() in device code (CUDA_ERROR_ASSERT,
	// hipErrorAssert). It is a launch failure: errors.Is(err,
	// ErrLaunchFailed) holds for it too.
	ErrAssert error = assertError{}
)

type assertError struct{}

func (assertError) Error() string        { return "device-side assert triggered" }
func (assertError) Is(target error) bool { return target == ErrLaunchFailed }
