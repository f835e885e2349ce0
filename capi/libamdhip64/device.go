package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

//export hipInit
func hipInit(flags C.uint) C.hipError_t { return code(hip.Init(uint32(flags))) }

//export hipDriverGetVersion
func hipDriverGetVersion(v *C.int) C.hipError_t {
	if v == nil {
		return invalidValue
	}
	n, err := hip.DriverGetVersion()
	*v = C.int(n)
	return code(err)
}

//export hipRuntimeGetVersion
func hipRuntimeGetVersion(v *C.int) C.hipError_t {
	if v == nil {
		return invalidValue
	}
	n, err := hip.RuntimeGetVersion()
	*v = C.int(n)
	return code(err)
}

//export hipGetDeviceCount
func hipGetDeviceCount(count *C.int) C.hipError_t {
	if count == nil {
		return invalidValue
	}
	n, err := hip.GetDeviceCount()
	*count = C.int(n)
	return code(err)
}

//export hipDeviceGet
func hipDeviceGet(dev *C.int, ordinal C.int) C.hipError_t {
	if dev == nil {
		return invalidValue
	}
	d, err := hip.DeviceGet(int(ordinal))
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

//export hipDeviceGetName
func hipDeviceGetName(name *C.char, n C.int, dev C.int) C.hipError_t {
	if name == nil || n <= 0 {
		return invalidValue
	}
	s, err := hip.DeviceGetName(hip.Device(dev))
	if err != nil {
		return code(err)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(name)), n)
	out[copy(out[:n-1], s)] = 0
	return success
}

//export hipDeviceTotalMem
func hipDeviceTotalMem(bytes *C.size_t, dev C.int) C.hipError_t {
	if bytes == nil {
		return invalidValue
	}
	n, err := hip.DeviceTotalMem(hip.Device(dev))
	if err == nil {
		*bytes = C.size_t(n)
	}
	return code(err)
}

//export hipDeviceComputeCapability
func hipDeviceComputeCapability(major, minor *C.int, dev C.int) C.hipError_t {
	if major == nil || minor == nil {
		return invalidValue
	}
	a, b, err := hip.DeviceComputeCapability(hip.Device(dev))
	if err == nil {
		*major, *minor = C.int(a), C.int(b)
	}
	return code(err)
}

//export hipSetDevice
func hipSetDevice(dev C.int) C.hipError_t { return code(hip.SetDevice(hip.Device(dev))) }

//export hipGetDevice
func hipGetDevice(dev *C.int) C.hipError_t {
	if dev == nil {
		return invalidValue
	}
	d, err := hip.GetDevice()
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

//export hipDeviceSynchronize
func hipDeviceSynchronize() C.hipError_t { return code(hip.DeviceSynchronize()) }

//export hipDeviceReset
func hipDeviceReset() C.hipError_t { return code(hip.DeviceReset()) }

//export hipMemGetInfo
func hipMemGetInfo(free, total *C.size_t) C.hipError_t {
	if free == nil || total == nil {
		return invalidValue
	}
	f, t, err := hip.MemGetInfo()
	if err == nil {
		*free, *total = C.size_t(f), C.size_t(t)
	}
	return code(err)
}

//export hipCtxCreate
func hipCtxCreate(ctx *C.hipHandle, flags C.uint, dev C.int) C.hipError_t {
	if ctx == nil {
		return invalidValue
	}
	c, err := hip.CtxCreate(uint32(flags), hip.Device(dev))
	if err == nil {
		*ctx = h(c)
	}
	return code(err)
}

//export hipCtxDestroy
func hipCtxDestroy(ctx C.hipHandle) C.hipError_t {
	c, ok := obj[hip.Ctx](ctx)
	if !ok {
		return invalidHandle
	}
	err := hip.CtxDestroy(c)
	if err == nil {
		handles.Drop(c)
	}
	return code(err)
}

//export hipCtxSetCurrent
func hipCtxSetCurrent(ctx C.hipHandle) C.hipError_t {
	c, ok := obj[hip.Ctx](ctx)
	if !ok {
		return invalidHandle
	}
	return code(hip.CtxSetCurrent(c))
}

//export hipCtxGetCurrent
func hipCtxGetCurrent(ctx *C.hipHandle) C.hipError_t {
	if ctx == nil {
		return invalidValue
	}
	c, err := hip.CtxGetCurrent()
	if err == nil {
		*ctx = h(c)
	}
	return code(err)
}

//export hipCtxPushCurrent
func hipCtxPushCurrent(ctx C.hipHandle) C.hipError_t {
	c, ok := obj[hip.Ctx](ctx)
	if !ok {
		return invalidHandle
	}
	return code(hip.CtxPushCurrent(c))
}

//export hipCtxPopCurrent
func hipCtxPopCurrent(ctx *C.hipHandle) C.hipError_t {
	c, err := hip.CtxPopCurrent()
	if err == nil && ctx != nil {
		*ctx = h(c)
	}
	return code(err)
}

//export hipCtxGetDevice
func hipCtxGetDevice(dev *C.int) C.hipError_t {
	if dev == nil {
		return invalidValue
	}
	d, err := hip.CtxGetDevice()
	if err == nil {
		*dev = C.int(d)
	}
	return code(err)
}

//export hipCtxSynchronize
func hipCtxSynchronize() C.hipError_t { return code(hip.CtxSynchronize()) }

//export hipGetErrorName
func hipGetErrorName(e C.hipError_t) *C.char { return cstring(hip.GetErrorName(hip.Error(e))) }

//export hipGetErrorString
func hipGetErrorString(e C.hipError_t) *C.char { return cstring(hip.GetErrorString(hip.Error(e))) }

//export hipGetLastError
func hipGetLastError() C.hipError_t { return code(hip.GetLastError()) }

//export hipPeekAtLastError
func hipPeekAtLastError() C.hipError_t { return code(hip.PeekAtLastError()) }

// attrs52 maps ROCm 5.2's hipDeviceAttribute_t values (the ABI of this
// library) to package hip's (ROCm 6's numbering), by name.
var attrs52 = sync.OnceValue(func() map[int]hip.DeviceAttribute {
	byName := map[string]hip.DeviceAttribute{}
	for v := range 20001 {
		a := hip.DeviceAttribute(v)
		if s := a.String(); strings.HasPrefix(s, "hipDeviceAttribute") {
			byName[s] = a
		}
	}
	out := map[int]hip.DeviceAttribute{}
	for v, names := range deviceAttributes52 {
		for _, name := range names {
			if a, ok := byName[name]; ok {
				out[v] = a
			}
		}
	}
	return out
})

//export hipDeviceGetAttribute
func hipDeviceGetAttribute(pi *C.int, attr C.int, dev C.int) C.hipError_t {
	if pi == nil {
		return invalidValue
	}
	a, ok := attrs52()[int(attr)]
	if !ok {
		return invalidValue
	}
	v, err := hip.DeviceGetAttribute(a, hip.Device(dev))
	if err == nil {
		*pi = C.int(v)
	}
	return code(err)
}
