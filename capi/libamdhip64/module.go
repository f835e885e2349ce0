package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

//export hipModuleLoad
func hipModuleLoad(module *C.hipHandle, fname *C.char) C.hipError_t {
	if module == nil || fname == nil {
		return invalidValue
	}
	m, err := hip.ModuleLoad(C.GoString(fname))
	if err == nil {
		*module = h(m)
	}
	return code(err)
}

//export hipModuleLoadData
func hipModuleLoadData(module *C.hipHandle, image unsafe.Pointer) C.hipError_t {
	if module == nil {
		return invalidValue
	}
	n, err := capi.ImageSize(image)
	if err != nil {
		return code(err)
	}
	m, err := hip.ModuleLoadData(unsafe.Slice((*byte)(image), n))
	if err == nil {
		*module = h(m)
	}
	return code(err)
}

//export hipModuleUnload
func hipModuleUnload(module C.hipHandle) C.hipError_t {
	m, ok := obj[hip.Module](module)
	if !ok {
		return invalidHandle
	}
	err := hip.ModuleUnload(m)
	if err == nil {
		handles.Drop(m)
		dropFunctions(m)
	}
	return code(err)
}

// functions remembers the functions handed out per module, so that
// unloading the module drops their handles too.
var (
	fnMu      sync.Mutex
	functions = map[hip.Module][]hip.Function{}
)

func dropFunctions(m hip.Module) {
	fnMu.Lock()
	defer fnMu.Unlock()
	for _, f := range functions[m] {
		handles.Drop(f)
	}
	delete(functions, m)
}

//export hipModuleGetFunction
func hipModuleGetFunction(fn *C.hipHandle, module C.hipHandle, name *C.char) C.hipError_t {
	m, ok := obj[hip.Module](module)
	if !ok {
		return invalidHandle
	}
	if fn == nil || name == nil {
		return invalidValue
	}
	f, err := hip.ModuleGetFunction(m, C.GoString(name))
	if err == nil {
		fnMu.Lock()
		functions[m] = append(functions[m], f)
		fnMu.Unlock()
		*fn = h(f)
	}
	return code(err)
}

//export hipModuleGetGlobal
func hipModuleGetGlobal(dptr *unsafe.Pointer, bytes *C.size_t, module C.hipHandle, name *C.char) C.hipError_t {
	m, ok := obj[hip.Module](module)
	if !ok {
		return invalidHandle
	}
	if name == nil {
		return invalidValue
	}
	p, n, err := hip.ModuleGetGlobal(m, C.GoString(name))
	if err == nil {
		if dptr != nil {
			setPtr(dptr, uint64(p))
		}
		if bytes != nil {
			*bytes = C.size_t(n)
		}
	}
	return code(err)
}

// kernelArgs views C's kernelParams and extra arrays: kernelParams has
// one entry per kernel parameter, extra is HIP's five-entry
// {HIP_LAUNCH_PARAM_BUFFER_POINTER, buf, HIP_LAUNCH_PARAM_BUFFER_SIZE,
// &size, HIP_LAUNCH_PARAM_END}.
func kernelArgs(f hip.Function, params, extra *unsafe.Pointer) (kp, ex []unsafe.Pointer) {
	if params != nil && f != nil {
		kp = unsafe.Slice(params, len(f.Params()))
		if kp == nil {
			kp = []unsafe.Pointer{}
		}
	}
	if extra != nil {
		ex = unsafe.Slice(extra, 5)
	}
	return kp, ex
}

//export hipModuleLaunchKernel
func hipModuleLaunchKernel(fn C.hipHandle, gx, gy, gz, bx, by, bz, shared C.uint, stream C.hipHandle, params, extra *unsafe.Pointer) C.hipError_t {
	f, ok := obj[hip.Function](fn)
	s, ok2 := obj[hip.Stream](stream)
	if !ok || !ok2 {
		return invalidHandle
	}
	kp, ex := kernelArgs(f, params, extra)
	return code(hip.ModuleLaunchKernel(f, uint32(gx), uint32(gy), uint32(gz), uint32(bx), uint32(by), uint32(bz), uint32(shared), s, kp, ex))
}

// kernelNodeParams converts a hipKernelNodeParams whose func is a
// hipFunction_t (the module API's kernels; <<<>>> kernels registered by
// __hipRegisterFunction are not supported).
func kernelNodeParams(p *C.hipKernelNodeParams) (*hip.KernelNodeParams, C.hipError_t) {
	if p == nil {
		return nil, invalidValue
	}
	f, ok := obj[hip.Function](C.hipHandle(p._func))
	if !ok || f == nil {
		return nil, invalidHandle
	}
	kp, ex := kernelArgs(f, (*unsafe.Pointer)(unsafe.Pointer(p.kernelParams)), (*unsafe.Pointer)(unsafe.Pointer(p.extra)))
	return &hip.KernelNodeParams{
		BlockDim:       streaming.Dim3{X: uint32(p.blockDim.x), Y: uint32(p.blockDim.y), Z: uint32(p.blockDim.z)},
		GridDim:        streaming.Dim3{X: uint32(p.gridDim.x), Y: uint32(p.gridDim.y), Z: uint32(p.gridDim.z)},
		Func:           f,
		KernelParams:   kp,
		Extra:          ex,
		SharedMemBytes: uint32(p.sharedMemBytes),
	}, success
}
