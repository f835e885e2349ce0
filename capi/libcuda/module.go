package main

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

func loaded(module *C.cuHandle, m *cuda.Module, err error) C.CUresult {
	if err == nil {
		*module = h(m)
	}
	return code(err)
}

//export cuModuleLoad
func cuModuleLoad(module *C.cuHandle, fname *C.char) C.CUresult {
	if module == nil || fname == nil {
		return invalidValue
	}
	m, err := cuda.ModuleLoad(C.GoString(fname))
	return loaded(module, m, err)
}

// image views the module image C passes without a size.
func image(p unsafe.Pointer) ([]byte, error) {
	n, err := capi.ImageSize(p)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), n), nil
}

//export cuModuleLoadData
func cuModuleLoadData(module *C.cuHandle, p unsafe.Pointer) C.CUresult {
	if module == nil {
		return invalidValue
	}
	img, err := image(p)
	if err != nil {
		return code(err)
	}
	m, err := cuda.ModuleLoadData(img)
	return loaded(module, m, err)
}

//export cuModuleLoadFatBinary
func cuModuleLoadFatBinary(module *C.cuHandle, p unsafe.Pointer) C.CUresult {
	if module == nil {
		return invalidValue
	}
	img, err := image(p)
	if err != nil {
		return code(err)
	}
	m, err := cuda.ModuleLoadFatBinary(img)
	return loaded(module, m, err)
}

//export cuModuleLoadDataEx
func cuModuleLoadDataEx(module *C.cuHandle, p unsafe.Pointer, n C.uint, options *C.int, values *unsafe.Pointer) C.CUresult {
	if module == nil || (n > 0 && (options == nil || values == nil)) {
		return invalidValue
	}
	img, err := image(p)
	if err != nil {
		return code(err)
	}
	opts := make([]cuda.JitOption, n)
	vals := make([]uintptr, n)
	if n > 0 {
		for i, o := range unsafe.Slice(options, n) {
			opts[i] = cuda.JitOption(o)
		}
		copy(vals, unsafe.Slice((*uintptr)(unsafe.Pointer(values)), n))
	}
	m, err := cuda.ModuleLoadDataEx(img, opts, vals)
	if err == nil && n > 0 {
		// The out-values (log sizes, wall time) were written into vals.
		copy(unsafe.Slice((*uintptr)(unsafe.Pointer(values)), n), vals)
	}
	return loaded(module, m, err)
}

var (
	fnMu      sync.Mutex
	functions = map[*cuda.Module][]*cuda.Function{}
)

//export cuModuleUnload
func cuModuleUnload(module C.cuHandle) C.CUresult {
	m, ok := obj[*cuda.Module](module)
	if !ok {
		return invalidHandle
	}
	err := cuda.ModuleUnload(m)
	if err == nil {
		handles.Drop(m)
		fnMu.Lock()
		for _, f := range functions[m] {
			handles.Drop(f)
		}
		delete(functions, m)
		fnMu.Unlock()
	}
	return code(err)
}

//export cuModuleGetFunction
func cuModuleGetFunction(fn *C.cuHandle, module C.cuHandle, name *C.char) C.CUresult {
	m, ok := obj[*cuda.Module](module)
	if !ok {
		return invalidHandle
	}
	if fn == nil || name == nil {
		return invalidValue
	}
	f, err := cuda.ModuleGetFunction(m, C.GoString(name))
	if err == nil {
		fnMu.Lock()
		functions[m] = append(functions[m], f)
		fnMu.Unlock()
		*fn = h(f)
	}
	return code(err)
}

//export cuModuleGetGlobal_v2
func cuModuleGetGlobal_v2(p *C.CUdeviceptr, bytes *C.size_t, module C.cuHandle, name *C.char) C.CUresult {
	m, ok := obj[*cuda.Module](module)
	if !ok {
		return invalidHandle
	}
	if name == nil {
		return invalidValue
	}
	d, n, err := cuda.ModuleGetGlobal(m, C.GoString(name))
	if err == nil {
		if p != nil {
			*p = C.CUdeviceptr(d)
		}
		if bytes != nil {
			*bytes = C.size_t(n)
		}
	}
	return code(err)
}

//export cuFuncGetAttribute
func cuFuncGetAttribute(pi *C.int, attr C.int, fn C.cuHandle) C.CUresult {
	f, ok := obj[*cuda.Function](fn)
	if !ok {
		return invalidHandle
	}
	if pi == nil {
		return invalidValue
	}
	v, err := cuda.FuncGetAttribute(cuda.FunctionAttribute(attr), f)
	if err == nil {
		*pi = C.int(v)
	}
	return code(err)
}

//export cuLaunchKernel
func cuLaunchKernel(fn C.cuHandle, gx, gy, gz, bx, by, bz, shared C.uint, s C.cuHandle, params, extra *unsafe.Pointer) C.CUresult {
	f, ok := obj[*cuda.Function](fn)
	st, ok2 := stream(s)
	if !ok || !ok2 {
		return invalidHandle
	}
	kp, ex := kernelArgs(f, params, extra)
	return code(cuda.LaunchKernel(f, uint32(gx), uint32(gy), uint32(gz), uint32(bx), uint32(by), uint32(bz), uint32(shared), st, kp, ex))
}
