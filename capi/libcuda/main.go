// Command libcuda is streamhal's drop-in for NVIDIA's driver library:
// built with -buildmode=c-shared it is a libcuda.so.1 that unmodified C and
// C++ programs written against the CUDA driver API (cuda.h) load by
// library path, and their calls run on any streamhal backend (the CPU,
// with PTX through the translator; Vulkan; CUDA; HIP) through package
// cuda:
//
//	go build -buildmode=c-shared -ldflags=-extldflags=-Wl,-soname,libcuda.so.1 \
//		-o DIR/libcuda.so.1 ./capi/libcuda
//	ln -sf libcuda.so.1 DIR/libcuda.so   # for -lcuda at link time
//	gcc prog.c -I/usr/local/cuda/include -LDIR -lcuda && LD_LIBRARY_PATH=DIR ./a.out
//
// It exports the driver API functions package cuda implements, under the
// symbol names cuda.h maps them to (cuMemAlloc is cuMemAlloc_v2,
// cuCtxCreate cuCtxCreate_v2, cuGraphAddKernelNode cuGraphAddKernelNode_v2,
// ...) and, where older headers used them, the unversioned names too. Each
// converts its arguments onto package cuda: handles become the objects
// behind them, CUdeviceptr a DevicePtr, host pointers unsafe.Pointers. Other
// common driver API functions are exported as stubs (zstubs.c, from
// unsupported.txt) that return CUDA_ERROR_NOT_SUPPORTED.
//
// The backend is chosen as for any streamhal program, by
// STREAM_HAL_TEST_TARGET (cpu, vulkan, cuda, amdgpu) and the other
// STREAM_HAL_* variables. Under this library the hal/cuda driver recognises
// the drop-in (its streamhal_capi_dropin symbol) and loads NVIDIA's
// libcuda.so.1 by path (STREAM_HAL_CUDA_LIBRARY, else the usual install
// directories), never itself.
package main

//go:generate go run ../internal/genstubs -names api.txt -ret CUresult -prefix cu -code 801 -pkg . -o zstubs.c -list unsupported.txt

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/internal/capi"
)

func main() {}

// handles holds every handle the library gave C.
var handles capi.Handles

const (
	success       = C.CUresult(cuda.CUDA_SUCCESS)
	invalidValue  = C.CUresult(cuda.CUDA_ERROR_INVALID_VALUE)
	invalidHandle = C.CUresult(cuda.CUDA_ERROR_INVALID_HANDLE)
	notSupported  = C.CUresult(cuda.CUDA_ERROR_NOT_SUPPORTED)
)

// code is the CUresult of a package cuda result.
func code(err error) C.CUresult { return C.CUresult(cuda.ResultOf(err)) }

// h converts a Go object to its C handle.
func h(v any) C.cuHandle {
	var p C.cuHandle
	*(*uintptr)(unsafe.Pointer(&p)) = handles.Put(v)
	return p
}

// obj returns the object of type T behind the C handle p (nil for NULL).
func obj[T comparable](p C.cuHandle) (T, bool) {
	return capi.Lookup[T](&handles, uintptr(p))
}

// stream converts a CUstream: NULL, CU_STREAM_LEGACY (1),
// CU_STREAM_PER_THREAD (2) or a handle.
func stream(p C.cuHandle) (*cuda.Stream, bool) {
	switch uintptr(p) {
	case 1:
		return cuda.CU_STREAM_LEGACY, true
	case 2:
		return cuda.CU_STREAM_PER_THREAD, true
	}
	return obj[*cuda.Stream](p)
}

// ctx converts a CUcontext; NULL is refused (CUDA_ERROR_INVALID_CONTEXT
// would be the driver's code; package cuda reports it for a nil context).
func ctx(p C.cuHandle) (*cuda.Context, bool) { return obj[*cuda.Context](p) }

func dptr(p C.CUdeviceptr) cuda.DevicePtr { return cuda.DevicePtr(p) }

// nodes returns the n graph nodes of a C array.
func nodes(p *C.cuHandle, n C.size_t) ([]*cuda.GraphNode, bool) {
	if n == 0 {
		return nil, true
	}
	if p == nil {
		return nil, false
	}
	out := make([]*cuda.GraphNode, n)
	for i, c := range unsafe.Slice(p, n) {
		v, ok := obj[*cuda.GraphNode](c)
		if !ok || v == nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// cstrings keeps the C strings cuGetErrorName and cuGetErrorString return:
// C expects them to live for ever.
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

// maxExtra bounds the scan of a cuLaunchKernel extra array for its
// CU_LAUNCH_PARAM_END.
const maxExtra = 64

// kernelArgs views C's kernelParams (one entry per kernel parameter) and
// extra (pairs ended by CU_LAUNCH_PARAM_END, NULL) arrays.
func kernelArgs(f *cuda.Function, params, extra *unsafe.Pointer) (kp, ex []unsafe.Pointer) {
	if params != nil && f != nil {
		kp = unsafe.Slice(params, len(f.Params()))
		if kp == nil {
			kp = []unsafe.Pointer{}
		}
	}
	if extra != nil {
		w := unsafe.Slice((*uintptr)(unsafe.Pointer(extra)), maxExtra)
		n := 0
		for n < maxExtra-2 && w[n] != 0 { // markers at even indices
			n += 2
		}
		ex = unsafe.Slice(extra, n+1)
	}
	return kp, ex
}
