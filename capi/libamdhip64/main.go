// Command libamdhip64 is streamhal's drop-in for AMD's HIP runtime library:
// built with -buildmode=c-shared it is a libamdhip64.so that unmodified C
// and C++ programs written against the HIP runtime API (hip_runtime_api.h)
// load by library path, and their calls run on any streamhal backend (the
// CPU, Vulkan, CUDA, HIP) through package hip:
//
//	go build -buildmode=c-shared -ldflags=-extldflags=-Wl,-soname,libamdhip64.so.5 \
//		-o DIR/libamdhip64.so.5 ./capi/libamdhip64
//	ln -sf libamdhip64.so.5 DIR/libamdhip64.so    # for -lamdhip64 at link time
//	ln -sf libamdhip64.so.5 DIR/libamdhip64.so.6  # for programs built against ROCm 6
//	gcc -D__HIP_PLATFORM_AMD__ prog.c -LDIR -lamdhip64 && LD_LIBRARY_PATH=DIR ./a.out
//
// The soname is libamdhip64.so.5, the one Debian's libamdhip64-dev links
// programs against. Each exported function
// has the C signature of ROCm 5.2's hip_runtime_api.h and converts its
// arguments onto package hip: handles become the streaming objects behind
// them, void* arguments become device or host pointers by asking the
// runtime whether it handed the address out. The HIP functions the library
// does not implement are exported too (zstubs.c) and return
// hipErrorNotSupported, so that programs using them link and run to the
// call; the README lists them.
//
// The backend is chosen as for any streamhal program, by
// STREAM_HAL_TEST_TARGET (cpu, vulkan, cuda, amdgpu) and the other
// STREAM_HAL_* variables. Under this library the hal/hip driver recognises
// the drop-in (its streamhal_capi_dropin symbol) and loads AMD's
// libamdhip64 by path instead (STREAM_HAL_HIP_LIBRARY, else the usual
// install directories).
package main

//go:generate go run ../internal/genstubs -header /usr/include/hip/hip_runtime_api.h -ret hipError_t -prefix hip -code 801 -pkg . -o zstubs.c -list unsupported.txt
//go:generate go run ../internal/genstubs -header /usr/include/hip/hip_runtime_api.h -enum hipDeviceAttribute_t -var deviceAttributes52 -o zattr52.go

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/internal/capi"
)

func main() {}

// handles holds every handle the library gave C: contexts, modules,
// functions, streams, events, graphs, graph nodes, executable graphs and
// memory pools.
var handles capi.Handles

const (
	success       = C.hipError_t(hip.HipSuccess)
	invalidValue  = C.hipError_t(hip.HipErrorInvalidValue)
	invalidHandle = C.hipError_t(hip.HipErrorInvalidHandle)
	notSupported  = C.hipError_t(hip.HipErrorNotSupported)
)

// code is the hipError_t of a package hip result.
func code(err error) C.hipError_t { return C.hipError_t(hip.ErrorOf(err)) }

// h converts a Go object to its C handle.
func h(v any) C.hipHandle {
	var p C.hipHandle
	*(*uintptr)(unsafe.Pointer(&p)) = handles.Put(v)
	return p
}

// obj returns the object of type T behind the C handle p (nil for NULL).
func obj[T comparable](p C.hipHandle) (T, bool) {
	return capi.Lookup[T](&handles, uintptr(p))
}

// setPtr stores the address v into the C void* at out.
func setPtr(out *unsafe.Pointer, v uint64) { *(*uintptr)(unsafe.Pointer(out)) = uintptr(v) }

// dptr is a C pointer as a device address.
func dptr(p unsafe.Pointer) hip.DevicePtr { return hip.DevicePtr(uintptr(p)) }

// voidArg converts a C void* that may point at device or host memory: an
// address the runtime handed out is a DevicePtr, any other is host memory.
func voidArg(p unsafe.Pointer) any {
	if p == nil {
		return nil
	}
	if rt, err := hip.Runtime(); err == nil {
		if _, _, err := rt.AddressRange(dptr(p)); err == nil {
			return dptr(p)
		}
	}
	return p
}

// nodes returns the n graph nodes of a C array.
func nodes(p *C.hipHandle, n C.size_t) ([]hip.GraphNode, bool) {
	if n == 0 {
		return nil, true
	}
	if p == nil {
		return nil, false
	}
	out := make([]hip.GraphNode, n)
	for i, c := range unsafe.Slice(p, n) {
		v, ok := obj[hip.GraphNode](c)
		if !ok || v == nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// cstrings keeps the C strings hipGetErrorName and hipGetErrorString
// return: C expects them to live for ever.
var cstrings struct {
	sync.Mutex
	m map[string]*C.char
}

func cstring(s string) *C.char {
	cstrings.Lock()
	defer cstrings.Unlock()
	if p, ok := cstrings.m[s]; ok {
		return p
	}
	if cstrings.m == nil {
		cstrings.m = map[string]*C.char{}
	}
	p := C.CString(s)
	cstrings.m[s] = p
	return p
}
