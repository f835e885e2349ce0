//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"github.com/streamhal/streamhal/hal/internal/hostfn"
	"runtime/cgo"
	"sync/atomic"
)

// hostSeq is touched by every host function before and after it runs and
// read by every wait (Synchronize, Event.Wait). CUDA orders host functions
// against each other and against waits in C, where Go's memory model (and
// its race detector) cannot see it; these atomic operations carry that
// order into Go, so that memory a host function writes is visible, by Go's
// rules, to later host functions and to whoever waited for it.
var hostSeq atomic.Uint64

// shalHostCallback runs a host function for the C trampoline (see
// shal_cuda.c). CUDA calls it on a driver thread. A handle that is no longer
// valid (a graph closed while a replay was still in flight) is ignored, and
// a panic of the function is reported through its sink instead of crashing
// the process from a C frame.
//
//export shalHostCallback
func shalHostCallback(h C.uintptr_t) {
	hostSeq.Add(1)
	defer hostSeq.Add(1)
	hf := hostfn.Lookup[*hostFn](cgo.Handle(h))
	if hf == nil {
		return
	}
	if hf.once {
		cgo.Handle(h).Delete()
	}
	if err := hostfn.Call("hal/cuda", hf.fn); err != nil {
		hf.sink.set(err)
	}
}
