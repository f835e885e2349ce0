package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
)

// shalHostCallback runs a host function for the C trampoline (see
// shal_cuda.c). CUDA calls it on a driver thread. A handle that is no longer
// valid (a graph closed while a replay was still in flight) is ignored, and
// a panic of the function is reported through its sink instead of crashing
// the process from a C frame.
//
//export shalHostCallback
func shalHostCallback(h C.uintptr_t) {
	hf := lookupHost(cgo.Handle(h))
	if hf == nil {
		return
	}
	if hf.once {
		cgo.Handle(h).Delete()
	}
	defer func() {
		if p := recover(); p != nil {
			hf.sink.set(fmt.Errorf("hal/cuda: host function panicked: %v", p))
		}
	}()
	hf.fn()
}

func lookupHost(h cgo.Handle) (hf *hostFn) {
	defer func() {
		if recover() != nil {
			hf = nil
		}
	}()
	hf, _ = h.Value().(*hostFn)
	return hf
}
