package capi

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// Arg is a decoded pointer argument of a C-shaped call (HIP's void*, the
// host memory of cuMemcpyHtoD). A C void* may point at device memory,
// at memory the runtime allocated or registered for the host, or at any
// other host memory; a Go caller passes one of:
//
//   - DevicePtr: an address the runtime handed out (device, pinned host,
//     managed or registered memory, a module global);
//   - unsafe.Pointer: host memory, such as the pointer HostMalloc returns,
//     C memory, or Go memory the caller keeps alive;
//   - a slice of numbers ([]byte, []float32, []int32, ...): Go memory, whose
//     length bounds the bytes a call may touch;
//   - nil: NULL.
type Arg struct {
	P     unsafe.Pointer // host memory; nil for a DevicePtr
	V     uint64         // the address
	Bound int64          // bytes the argument covers, -1 when not known
	Dev   bool           // given as a DevicePtr
}

func sliceArg[T any](s []T) Arg {
	var zero T
	return Arg{P: unsafe.Pointer(unsafe.SliceData(s)), V: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s)))),
		Bound: int64(len(s)) * int64(unsafe.Sizeof(zero))}
}

// Decode decodes x, the argument called name: nil (NULL), a
// streaming.DevicePtr, an unsafe.Pointer, or a slice of numbers. Anything
// else is an error wrapping hal.ErrInvalidValue.
func Decode(name string, x any) (Arg, error) {
	switch v := x.(type) {
	case nil:
		return Arg{Bound: -1}, nil
	case streaming.DevicePtr:
		return Arg{V: uint64(v), Bound: -1, Dev: true}, nil
	case unsafe.Pointer:
		return Arg{P: v, V: uint64(uintptr(v)), Bound: -1}, nil
	case []byte:
		return sliceArg(v), nil
	case []int8:
		return sliceArg(v), nil
	case []uint16:
		return sliceArg(v), nil
	case []int16:
		return sliceArg(v), nil
	case []uint32:
		return sliceArg(v), nil
	case []int32:
		return sliceArg(v), nil
	case []float32:
		return sliceArg(v), nil
	case []uint64:
		return sliceArg(v), nil
	case []int64:
		return sliceArg(v), nil
	case []float64:
		return sliceArg(v), nil
	case []int:
		return sliceArg(v), nil
	case []uint:
		return sliceArg(v), nil
	case []streaming.DevicePtr:
		return sliceArg(v), nil
	}
	return Arg{}, fmt.Errorf("%s: a %T is not a pointer argument (pass a DevicePtr, an unsafe.Pointer or a slice of numbers): %w",
		name, x, hal.ErrInvalidValue)
}

// Needs checks that a covers n bytes, when its extent is known.
func (a Arg) Needs(name string, n uint64) error {
	if a.Bound >= 0 && n > uint64(a.Bound) {
		return fmt.Errorf("%s: %d bytes requested from a %d-byte slice: %w", name, n, a.Bound, hal.ErrInvalidValue)
	}
	return nil
}

// Bytes views n bytes of host memory at a.
func (a Arg) Bytes(n uint64) []byte { return unsafe.Slice((*byte)(a.P), n) }

// Known reports whether n bytes at a are memory device work can address:
// a DevicePtr always counts (if it is not, the copy functions of package
// streaming say so); host memory counts when the runtime knows it
// (streaming.Runtime.HostMemory: pinned, registered or managed memory),
// so that ordinary Go memory is never taken for device memory.
func (a Arg) Known(rt *streaming.Runtime, n uint64) bool {
	return a.Dev || rt.HostMemory(a.P, n)
}
