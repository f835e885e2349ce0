package main

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
)

//export cuInit
func cuInit(flags C.uint) C.CUresult { return code(cuda.Init(uint32(flags))) }

//export cuDriverGetVersion
func cuDriverGetVersion(v *C.int) C.CUresult {
	if v == nil {
		return invalidValue
	}
	n, err := cuda.DriverGetVersion()
	*v = C.int(n)
	return code(err)
}

//export cuDeviceGet
func cuDeviceGet(dev *C.int, ordinal C.int) C.CUresult {
	if dev == nil {
		return invalidValue
	}
	d, err := cuda.DeviceGet(int(ordinal))
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

//export cuDeviceGetCount
func cuDeviceGetCount(count *C.int) C.CUresult {
	if count == nil {
		return invalidValue
	}
	n, err := cuda.DeviceGetCount()
	if err == nil {
		*count = C.int(n)
	}
	return code(err)
}

//export cuDeviceGetName
func cuDeviceGetName(name *C.char, n C.int, dev C.int) C.CUresult {
	if name == nil || n <= 0 {
		return invalidValue
	}
	s, err := cuda.DeviceGetName(cuda.Device(dev))
	if err != nil {
		return code(err)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(name)), n)
	out[copy(out[:n-1], s)] = 0
	return success
}

//export cuDeviceTotalMem_v2
func cuDeviceTotalMem_v2(bytes *C.size_t, dev C.int) C.CUresult {
	if bytes == nil {
		return invalidValue
	}
	n, err := cuda.DeviceTotalMem(cuda.Device(dev))
	if err == nil {
		*bytes = C.size_t(n)
	}
	return code(err)
}

//export cuDeviceComputeCapability
func cuDeviceComputeCapability(major, minor *C.int, dev C.int) C.CUresult {
	if major == nil || minor == nil {
		return invalidValue
	}
	a, b, err := cuda.DeviceComputeCapability(cuda.Device(dev))
	if err == nil {
		*major, *minor = C.int(a), C.int(b)
	}
	return code(err)
}

//export cuDeviceGetAttribute
func cuDeviceGetAttribute(pi *C.int, attr C.int, dev C.int) C.CUresult {
	if pi == nil {
		return invalidValue
	}
	v, err := cuda.DeviceGetAttribute(cuda.DeviceAttribute(attr), cuda.Device(dev))
	if err == nil {
		*pi = C.int(v)
	}
	return code(err)
}

//export cuDeviceGetUuid
func cuDeviceGetUuid(uuid *C.char, dev C.int) C.CUresult {
	if uuid == nil {
		return invalidValue
	}
	u, err := cuda.DeviceGetUuid(cuda.Device(dev))
	if err == nil {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(uuid)), 16), u[:])
	}
	return code(err)
}

//export cuDeviceGetUuid_v2
func cuDeviceGetUuid_v2(uuid *C.char, dev C.int) C.CUresult { return cuDeviceGetUuid(uuid, dev) }

//export cuDevicePrimaryCtxRetain
func cuDevicePrimaryCtxRetain(pctx *C.cuHandle, dev C.int) C.CUresult {
	if pctx == nil {
		return invalidValue
	}
	c, err := cuda.DevicePrimaryCtxRetain(cuda.Device(dev))
	if err == nil {
		*pctx = h(c)
	}
	return code(err)
}

//export cuDevicePrimaryCtxRelease_v2
func cuDevicePrimaryCtxRelease_v2(dev C.int) C.CUresult {
	return code(cuda.DevicePrimaryCtxRelease(cuda.Device(dev)))
}

//export cuDevicePrimaryCtxReset_v2
func cuDevicePrimaryCtxReset_v2(dev C.int) C.CUresult {
	return code(cuda.DevicePrimaryCtxReset(cuda.Device(dev)))
}

//export cuCtxCreate_v2
func cuCtxCreate_v2(pctx *C.cuHandle, flags C.uint, dev C.int) C.CUresult {
	if pctx == nil {
		return invalidValue
	}
	c, err := cuda.CtxCreate(uint32(flags), cuda.Device(dev))
	if err == nil {
		*pctx = h(c)
	}
	return code(err)
}

//export cuCtxDestroy_v2
func cuCtxDestroy_v2(c C.cuHandle) C.CUresult {
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	err := cuda.CtxDestroy(x)
	if err == nil {
		handles.Drop(x)
	}
	return code(err)
}

//export cuCtxPushCurrent_v2
func cuCtxPushCurrent_v2(c C.cuHandle) C.CUresult {
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	return code(cuda.CtxPushCurrent(x))
}

//export cuCtxPopCurrent_v2
func cuCtxPopCurrent_v2(pctx *C.cuHandle) C.CUresult {
	c, err := cuda.CtxPopCurrent()
	if err == nil && pctx != nil {
		*pctx = h(c)
	}
	return code(err)
}

//export cuCtxSetCurrent
func cuCtxSetCurrent(c C.cuHandle) C.CUresult {
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	return code(cuda.CtxSetCurrent(x))
}

//export cuCtxGetCurrent
func cuCtxGetCurrent(pctx *C.cuHandle) C.CUresult {
	if pctx == nil {
		return invalidValue
	}
	c, err := cuda.CtxGetCurrent()
	if err == nil {
		*pctx = h(c)
	}
	return code(err)
}

//export cuCtxGetDevice
func cuCtxGetDevice(dev *C.int) C.CUresult {
	if dev == nil {
		return invalidValue
	}
	d, err := cuda.CtxGetDevice()
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

//export cuCtxSynchronize
func cuCtxSynchronize() C.CUresult { return code(cuda.CtxSynchronize()) }

//export cuCtxGetApiVersion
func cuCtxGetApiVersion(c C.cuHandle, v *C.uint) C.CUresult {
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	if v == nil {
		return invalidValue
	}
	n, err := cuda.CtxGetApiVersion(x)
	if err == nil {
		*v = C.uint(n)
	}
	return code(err)
}

//export cuGetErrorName
func cuGetErrorName(r C.CUresult, s **C.char) C.CUresult {
	if s == nil {
		return invalidValue
	}
	n, err := cuda.GetErrorName(cuda.Result(r))
	if err != nil {
		*s = nil
		return code(err)
	}
	*s = cstring(n)
	return success
}

//export cuGetErrorString
func cuGetErrorString(r C.CUresult, s **C.char) C.CUresult {
	if s == nil {
		return invalidValue
	}
	n, err := cuda.GetErrorString(cuda.Result(r))
	if err != nil {
		*s = nil
		return code(err)
	}
	*s = cstring(n)
	return success
}

// cuCtxCreate_v3 is cuCtxCreate with execution-affinity parameters, which
// no backend here has: only numParams 0 is accepted.
//
//export cuCtxCreate_v3
func cuCtxCreate_v3(pctx *C.cuHandle, params unsafe.Pointer, numParams C.int, flags C.uint, dev C.int) C.CUresult {
	if numParams != 0 {
		return notSupported
	}
	return cuCtxCreate_v2(pctx, flags, dev)
}

// ctxCreateParams is CUctxCreateParams (cuda.h 12.5 and later).
type ctxCreateParams struct {
	execAffinityParams    unsafe.Pointer
	numExecAffinityParams C.int
	cigParams             unsafe.Pointer
}

// cuCtxCreate_v4 is what cuCtxCreate names from cuda.h 13.0 on. params may
// be NULL; execution affinity and CIG (shared graphics contexts) are not
// supported.
//
//export cuCtxCreate_v4
func cuCtxCreate_v4(pctx *C.cuHandle, params unsafe.Pointer, flags C.uint, dev C.int) C.CUresult {
	if p := (*ctxCreateParams)(params); p != nil && (p.numExecAffinityParams != 0 || p.cigParams != nil) {
		return notSupported
	}
	return cuCtxCreate_v2(pctx, flags, dev)
}

// cuCtxGetDevice_v2 is cuCtxGetDevice of a given context (NULL: the
// current one).
//
//export cuCtxGetDevice_v2
func cuCtxGetDevice_v2(dev *C.int, c C.cuHandle) C.CUresult {
	if c == nil {
		return cuCtxGetDevice(dev)
	}
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	if dev == nil {
		return invalidValue
	}
	d, err := x.GetDevice()
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

// cuCtxSynchronize_v2 is cuCtxSynchronize of a given context (NULL: the
// current one).
//
//export cuCtxSynchronize_v2
func cuCtxSynchronize_v2(c C.cuHandle) C.CUresult {
	if c == nil {
		return cuCtxSynchronize()
	}
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	return code(x.Synchronize())
}
