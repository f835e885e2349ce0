//go:build cgo

package hip

import (
	"errors"
	"fmt"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// apiError is a failed runtime call. It wraps both the hal sentinel, for
// errors.Is, and the exact hip.Error, for errors.As (package hip reports it
// to C-shaped callers unchanged).
type apiError struct {
	call string // what was called, with its arguments
	code hipabi.Error
}

// Error reads "hal/hip: hipMalloc(1024 bytes) on device 0:
// hipErrorOutOfMemory: out of memory".
func (e *apiError) Error() string {
	return "hal/hip: " + e.call + ": " + e.code.Error()
}

// Unwrap returns the sentinel and the code.
func (e *apiError) Unwrap() []error { return []error{hipabi.SentinelOf(e.code), e.code} }

// check turns a hipError_t into nil or an *apiError naming the call.
func check(code int, format string, args ...any) error {
	if code == 0 {
		return nil
	}
	return &apiError{call: fmt.Sprintf(format, args...), code: hipabi.Error(code)}
}

// codeOf returns the hipError_t inside err, or 0 (hipSuccess).
func codeOf(err error) hipabi.Error {
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
