package hip

import (
	"errors"
	"fmt"

	"github.com/streamhal/streamhal/internal/capi"
)

// callError is the full story of a failure: the hipError_t the C call
// would return, the call's name, and the cause (package streaming's error,
// which says which argument was wrong). Calls return only the code;
// LastErrorDetail returns the callError behind the latest failure.
type callError struct {
	code  Error
	call  string
	cause error
}

func (e *callError) Error() string {
	if e.cause == nil {
		return "hip: " + e.call + ": " + e.code.Error()
	}
	return "hip: " + e.call + ": " + e.code.String() + ": " + e.cause.Error()
}

// Unwrap returns the code first, so that errors.As finds the Error, then
// the cause, so that errors.Is matches package hal's sentinels too.
func (e *callError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.code}
	}
	return []error{e.code, e.cause}
}

// lastErr is the process-wide last error of hipGetLastError (a code), and
// the full error (a *callError) behind the latest failure of any kind.
var lastErr capi.ErrorStore

// ret translates err into what call returns: nil stays nil; anything else
// becomes an Error, code[0] when given, else the hipError_t of err's
// sentinel (ErrorOf). It records the failure for LastErrorDetail and, like
// HIP_RETURN, as the last error unless it is HipErrorNotReady.
func ret(call string, err error, code ...Error) error {
	if err == nil {
		return nil
	}
	c := ErrorOf(err)
	if len(code) > 0 {
		c = code[0]
	}
	ce := &callError{code: c, call: call, cause: err}
	if e, ok := err.(Error); ok && e == c {
		// A bare code (from the tables of this package): no more to say.
		ce.cause = nil
	}
	last := c
	if c == HipErrorNotReady {
		last = HipSuccess // progress, not a failure: the last error stays
	}
	lastErr.Record(ce, int(last))
	return c
}

// retIf is ret with one remapping: when err matches from (errors.Is), the
// code is to. HIP reports some conditions with a code more specific than
// the sentinel's usual one (hipHostRegister of registered memory is
// hipErrorHostMemoryAlreadyRegistered, not hipErrorAlreadyMapped).
func retIf(call string, err error, from error, to Error) error {
	if err != nil && errors.Is(err, from) {
		return ret(call, err, to)
	}
	return ret(call, err)
}

// fail returns a new failure of call with the given code and a cause
// formatted from format and args.
func fail(call string, code Error, format string, args ...any) error {
	return ret(call, fmt.Errorf(format, args...), code)
}

// GetLastError is hipGetLastError: the code of the most recent failure of
// any call in the process (nil when there was none since the last
// GetLastError), which it resets.
//
// HIP keeps the last error per thread; Go code runs on goroutines that
// move between threads, so this package keeps one per process. As in HIP 6,
// a successful call leaves the last error alone, and HipErrorNotReady
// (StreamQuery, EventQuery) is never recorded.
func GetLastError() error { return codeError(lastErr.Code(true)) }

// PeekAtLastError is hipPeekAtLastError: the last error, without resetting
// it.
func PeekAtLastError() error { return codeError(lastErr.Code(false)) }

// codeError is nil for hipSuccess, else the Error.
func codeError(c int) error {
	if c == int(HipSuccess) {
		return nil
	}
	return Error(c)
}

// LastErrorDetail returns the full error behind the most recent failure of
// any call of this package (HipErrorNotReady included), nil before the
// first one: the call's name, its hipError_t, and package streaming's
// message naming the argument that was wrong. errors.As finds the Error in
// it and errors.Is matches the hal sentinels. Like the last error it is
// process-wide; GetLastError does not clear it.
func LastErrorDetail() error { return lastErr.Detail() }
