package hip

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// addr is a decoded void* argument. A C void* may point at device memory,
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
type addr struct {
	p     unsafe.Pointer // host memory; nil for a DevicePtr
	v     uint64         // the address
	bound int64          // bytes the argument covers, -1 when not known
	dev   bool           // given as a DevicePtr
}

func sliceAddr[T any](s []T) addr {
	var zero T
	return addr{p: unsafe.Pointer(unsafe.SliceData(s)), v: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(s)))),
		bound: int64(len(s)) * int64(unsafe.Sizeof(zero))}
}

// addrOf decodes x, the argument called name.
func addrOf(name string, x any) (addr, error) {
	switch v := x.(type) {
	case nil:
		return addr{bound: -1}, nil
	case DevicePtr:
		return addr{v: uint64(v), bound: -1, dev: true}, nil
	case unsafe.Pointer:
		return addr{p: v, v: uint64(uintptr(v)), bound: -1}, nil
	case []byte:
		return sliceAddr(v), nil
	case []int8:
		return sliceAddr(v), nil
	case []uint16:
		return sliceAddr(v), nil
	case []int16:
		return sliceAddr(v), nil
	case []uint32:
		return sliceAddr(v), nil
	case []int32:
		return sliceAddr(v), nil
	case []float32:
		return sliceAddr(v), nil
	case []uint64:
		return sliceAddr(v), nil
	case []int64:
		return sliceAddr(v), nil
	case []float64:
		return sliceAddr(v), nil
	case []int:
		return sliceAddr(v), nil
	case []uint:
		return sliceAddr(v), nil
	case []DevicePtr:
		return sliceAddr(v), nil
	}
	return addr{}, fmt.Errorf("%s: a %T is not a pointer argument (pass a DevicePtr, an unsafe.Pointer or a slice of numbers): %w",
		name, x, streaming.ErrInvalidValue)
}

// needs checks that a covers n bytes, when its extent is known.
func (a addr) needs(name string, n uint64) error {
	if a.bound >= 0 && n > uint64(a.bound) {
		return fmt.Errorf("%s: %d bytes requested from a %d-byte slice: %w", name, n, a.bound, streaming.ErrInvalidValue)
	}
	return nil
}

// bytes views n bytes of host memory at a.
func (a addr) bytes(n uint64) []byte { return unsafe.Slice((*byte)(a.p), n) }

// known reports whether n bytes at a are memory device work can address:
// a DevicePtr always counts (if it is not, the copy functions of package
// streaming say so); host memory counts when the runtime knows it
// (streaming.Runtime.HostMemory: pinned, registered or managed memory),
// so that ordinary Go memory is never taken for device memory.
func (a addr) known(rt *streaming.Runtime, n uint64) bool {
	return a.dev || rt.HostMemory(a.p, n)
}
