// Package capi holds what packages cuda and hip, the two C-shaped APIs over
// package streaming, do the same way: the store of the latest failure
// (cuda.LastErrorDetail, hip.GetLastError and hip.LastErrorDetail) and the
// parsing of a launch's extra array (CU_LAUNCH_PARAM_*, HIP_LAUNCH_PARAM_*).
// It knows no codes of either API: errors it returns wrap the hal
// sentinels, which each API translates to its own codes.
package capi

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// ErrorStore keeps the latest failure of an API: its full error (the
// detail behind a bare code) and, for APIs that have one, the last error
// code that hipGetLastError returns and clears. C keeps these per thread;
// goroutines move between threads, so an ErrorStore is process-wide: with
// several goroutines failing at once it reports one of them. The zero
// value is empty and ready; it is safe for concurrent use.
type ErrorStore struct {
	detail atomic.Pointer[errBox]
	code   atomic.Int64 // 0: none
}

type errBox struct{ err error }

// Record stores err as the latest failure and, unless code is 0, code as
// the last error code.
func (s *ErrorStore) Record(err error, code int) {
	s.detail.Store(&errBox{err})
	if code != 0 {
		s.code.Store(int64(code))
	}
}

// Reset empties the store.
func (s *ErrorStore) Reset() {
	s.detail.Store(nil)
	s.code.Store(0)
}

// Detail returns the latest failure's full error, nil before the first.
func (s *ErrorStore) Detail() error {
	if b := s.detail.Load(); b != nil {
		return b.err
	}
	return nil
}

// Code returns the last error code (0 when there is none); with clear set
// it also resets it, atomically, as hipGetLastError does.
func (s *ErrorStore) Code(clear bool) int {
	if clear {
		return int(s.code.Swap(0))
	}
	return int(s.code.Load())
}

// Extra describes the markers of a C API's launch extra array, the
// alternative to kernelParams that passes the arguments as one packed
// buffer: {BUFFER_POINTER, buf, BUFFER_SIZE, &size, END}.
//
// C headers define the markers as small integers cast to void*. Go must
// not keep such values in pointer variables (the runtime may report
// "invalid pointer found on stack"), so the APIs' exported markers are the
// addresses of private variables (Pointer, Size, End), and arrays built
// by C code, holding the C values (PointerC, SizeC, EndC), are recognised
// too: a marker is compared, never dereferenced.
type Extra struct {
	Call                  string         // the C function, for messages: "cuLaunchKernel"
	Names                 [3]string      // the C names of the buffer pointer, buffer size and end markers
	Pointer, Size, End    unsafe.Pointer // the exported markers; End nil: a nil entry ends the array
	PointerC, SizeC, EndC uintptr        // the C header's values
	Ordered               bool           // the array must be exactly {pointer, buf, size, &size, end} (HIP); else the pairs in any order, ended by End or by the slice's end (CUDA)
}

// is reports whether the word w of an extra array is the marker m, whose
// C value is c. Entries are compared as words, never loaded into pointer
// variables, so a C value such as 1 never sits in one.
func is(w uintptr, m unsafe.Pointer, c uintptr) bool { return w == uintptr(m) || w == c }

// Buffer returns the packed argument buffer an extra array passes, or an
// error wrapping hal.ErrInvalidValue that says what is wrong with it. The
// size is read as a size_t (uint64 here) through its pointer.
func (x *Extra) Buffer(extra []unsafe.Pointer) ([]byte, error) {
	var buf unsafe.Pointer
	var size *uint64
	w := unsafe.Slice((*uintptr)(unsafe.Pointer(unsafe.SliceData(extra))), len(extra))
	if x.Ordered {
		if len(w) < 5 || !is(w[0], x.Pointer, x.PointerC) || !is(w[2], x.Size, x.SizeC) || !is(w[4], x.End, x.EndC) {
			return nil, x.errorf("want {%s, buf, %s, &size, %s}", x.Names[0], x.Names[1], x.Names[2])
		}
		buf, size = extra[1], (*uint64)(extra[3])
		if size == nil {
			return nil, x.errorf("nil size pointer")
		}
	} else {
		haveBuf := false
		for i := 0; i < len(w) && !is(w[i], x.End, x.EndC); i += 2 {
			if i+1 >= len(w) {
				return nil, x.errorf("extra[%d] is a marker without a value", i)
			}
			switch {
			case is(w[i], x.Pointer, x.PointerC):
				buf, haveBuf = extra[i+1], true
			case is(w[i], x.Size, x.SizeC):
				if size = (*uint64)(extra[i+1]); size == nil {
					return nil, x.errorf("extra[%d]: nil size pointer", i+1)
				}
			default:
				return nil, x.errorf("extra[%d] is not a %s, %s or %s marker", i, x.Names[0], x.Names[1], x.Names[2])
			}
		}
		if !haveBuf || size == nil {
			return nil, x.errorf("needs both %s and %s", x.Names[0], x.Names[1])
		}
	}
	if *size == 0 {
		return nil, nil
	}
	if buf == nil {
		return nil, x.errorf("nil argument buffer of %d bytes", *size)
	}
	return unsafe.Slice((*byte)(buf), *size), nil
}

func (x *Extra) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: extra: "+format+": %w", append(append([]any{x.Call}, args...), hal.ErrInvalidValue)...)
}
