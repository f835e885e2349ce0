package hip

import (
	"errors"
	"fmt"
	"sync"
)

// callError is the error every function of this package returns on
// failure: the hipError_t the C call would return, the call's name, and
// the cause (package streaming's error, which says which argument was
// wrong). errors.As(err, &code) with a code of type Error yields the
// hipError_t; ErrorOf(err) does the same.
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

// lastErr is the process-wide last error of hipGetLastError.
var lastErr struct {
	mu  sync.Mutex
	err error
}

// ret translates err into the error call returns: nil stays nil; anything
// else becomes a *callError whose code is code[0] when given, else the
// hipError_t of err's sentinel (ErrorOf). Like HIP_RETURN it records every
// failure except HipErrorNotReady as the last error.
func ret(call string, err error, code ...Error) error {
	if err == nil {
		return nil
	}
	var ce *callError
	if errors.As(err, &ce) {
		// Already translated (a function of this package calling another).
		if len(code) == 0 {
			setLast(ce)
			return ce
		}
		err = ce.cause
	}
	c := ErrorOf(err)
	if len(code) > 0 {
		c = code[0]
	}
	ce = &callError{code: c, call: call, cause: err}
	setLast(ce)
	return ce
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

func setLast(e *callError) {
	if e.code == HipErrorNotReady || e.code == HipSuccess {
		return
	}
	lastErr.mu.Lock()
	lastErr.err = e
	lastErr.mu.Unlock()
}

// GetLastError is hipGetLastError: it returns the most recent failure of
// any call in the process (nil when there was none since the last
// GetLastError) and resets it to nil.
//
// HIP keeps the last error per thread; Go code runs on goroutines that
// move between threads, so this package keeps one per process. As in HIP 6,
// a successful call leaves the last error alone, and hipErrorNotReady
// (StreamQuery, EventQuery) is never recorded.
func GetLastError() error {
	lastErr.mu.Lock()
	defer lastErr.mu.Unlock()
	err := lastErr.err
	lastErr.err = nil
	return err
}

// PeekAtLastError is hipPeekAtLastError: the last error, without resetting
// it.
func PeekAtLastError() error {
	lastErr.mu.Lock()
	defer lastErr.mu.Unlock()
	return lastErr.err
}
