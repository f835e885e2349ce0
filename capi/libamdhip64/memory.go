package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

//export hipMalloc
func hipMalloc(ptr *unsafe.Pointer, size C.size_t) C.hipError_t {
	if ptr == nil {
		return invalidValue
	}
	p, err := hip.Malloc(uint64(size))
	if err == nil {
		setPtr(ptr, uint64(p))
	}
	return code(err)
}

//export hipMallocManaged
func hipMallocManaged(ptr *unsafe.Pointer, size C.size_t, flags C.uint) C.hipError_t {
	if ptr == nil {
		return invalidValue
	}
	p, err := hip.MallocManaged(uint64(size), uint32(flags))
	if err == nil {
		setPtr(ptr, uint64(p))
	}
	return code(err)
}

//export hipFree
func hipFree(ptr unsafe.Pointer) C.hipError_t {
	if ptr == nil {
		return success // as in HIP: freeing NULL does nothing
	}
	return code(hip.Free(dptr(ptr)))
}

//export hipHostMalloc
func hipHostMalloc(ptr *unsafe.Pointer, size C.size_t, flags C.uint) C.hipError_t {
	if ptr == nil {
		return invalidValue
	}
	p, err := hip.HostMalloc(uint64(size), uint32(flags))
	if err == nil {
		*ptr = p
	}
	return code(err)
}

//export hipHostFree
func hipHostFree(ptr unsafe.Pointer) C.hipError_t {
	if ptr == nil {
		return success
	}
	return code(hip.HostFree(ptr))
}

//export hipMemcpy
func hipMemcpy(dst, src unsafe.Pointer, n C.size_t, kind C.int) C.hipError_t {
	return code(hip.Memcpy(voidArg(dst), voidArg(src), uint64(n), hip.MemcpyKind(kind)))
}

//export hipMemcpyAsync
func hipMemcpyAsync(dst, src unsafe.Pointer, n C.size_t, kind C.int, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemcpyAsync(voidArg(dst), voidArg(src), uint64(n), hip.MemcpyKind(kind), s))
}

//export hipMemcpyHtoD
func hipMemcpyHtoD(dst, src unsafe.Pointer, n C.size_t) C.hipError_t {
	return code(hip.MemcpyHtoD(dptr(dst), voidArg(src), uint64(n)))
}

//export hipMemcpyDtoH
func hipMemcpyDtoH(dst, src unsafe.Pointer, n C.size_t) C.hipError_t {
	return code(hip.MemcpyDtoH(voidArg(dst), dptr(src), uint64(n)))
}

//export hipMemcpyDtoD
func hipMemcpyDtoD(dst, src unsafe.Pointer, n C.size_t) C.hipError_t {
	return code(hip.MemcpyDtoD(dptr(dst), dptr(src), uint64(n)))
}

//export hipMemcpyHtoDAsync
func hipMemcpyHtoDAsync(dst, src unsafe.Pointer, n C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemcpyHtoDAsync(dptr(dst), voidArg(src), uint64(n), s))
}

//export hipMemcpyDtoHAsync
func hipMemcpyDtoHAsync(dst, src unsafe.Pointer, n C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemcpyDtoHAsync(voidArg(dst), dptr(src), uint64(n), s))
}

//export hipMemcpyDtoDAsync
func hipMemcpyDtoDAsync(dst, src unsafe.Pointer, n C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemcpyDtoDAsync(dptr(dst), dptr(src), uint64(n), s))
}

//export hipMemset
func hipMemset(dst unsafe.Pointer, value C.int, n C.size_t) C.hipError_t {
	return code(hip.Memset(dptr(dst), int(value), uint64(n)))
}

//export hipMemsetAsync
func hipMemsetAsync(dst unsafe.Pointer, value C.int, n C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemsetAsync(dptr(dst), int(value), uint64(n), s))
}

//export hipMemsetD8
func hipMemsetD8(dst unsafe.Pointer, value C.uchar, count C.size_t) C.hipError_t {
	return code(hip.MemsetD8(dptr(dst), uint8(value), uint64(count)))
}

//export hipMemsetD16
func hipMemsetD16(dst unsafe.Pointer, value C.ushort, count C.size_t) C.hipError_t {
	return code(hip.MemsetD16(dptr(dst), uint16(value), uint64(count)))
}

//export hipMemsetD32
func hipMemsetD32(dst unsafe.Pointer, value C.int, count C.size_t) C.hipError_t {
	return code(hip.MemsetD32(dptr(dst), int32(value), uint64(count)))
}

//export hipMemsetD8Async
func hipMemsetD8Async(dst unsafe.Pointer, value C.uchar, count C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemsetD8Async(dptr(dst), uint8(value), uint64(count), s))
}

//export hipMemsetD16Async
func hipMemsetD16Async(dst unsafe.Pointer, value C.ushort, count C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemsetD16Async(dptr(dst), uint16(value), uint64(count), s))
}

//export hipMemsetD32Async
func hipMemsetD32Async(dst unsafe.Pointer, value C.int, count C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemsetD32Async(dptr(dst), int32(value), uint64(count), s))
}

//export hipMallocAsync
func hipMallocAsync(ptr *unsafe.Pointer, size C.size_t, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if ptr == nil {
		return invalidValue
	}
	p, err := hip.MallocAsync(uint64(size), s)
	if err == nil {
		setPtr(ptr, uint64(p))
	}
	return code(err)
}

//export hipMallocFromPoolAsync
func hipMallocFromPoolAsync(ptr *unsafe.Pointer, size C.size_t, pool, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	mp, ok2 := obj[hip.MemPool](pool)
	if !ok || !ok2 {
		return invalidHandle
	}
	if ptr == nil {
		return invalidValue
	}
	p, err := hip.MallocFromPoolAsync(uint64(size), mp, s)
	if err == nil {
		setPtr(ptr, uint64(p))
	}
	return code(err)
}

//export hipFreeAsync
func hipFreeAsync(ptr unsafe.Pointer, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.FreeAsync(dptr(ptr), s))
}

//export hipDeviceGetDefaultMemPool
func hipDeviceGetDefaultMemPool(pool *C.hipHandle, dev C.int) C.hipError_t {
	if pool == nil {
		return invalidValue
	}
	p, err := hip.DeviceGetDefaultMemPool(hip.Device(dev))
	if err == nil {
		*pool = h(p)
	}
	return code(err)
}

//export hipMemPoolCreate
func hipMemPoolCreate(pool *C.hipHandle, props *C.hipMemPoolProps) C.hipError_t {
	if pool == nil || props == nil {
		return invalidValue
	}
	p, err := hip.MemPoolCreate(&hip.MemPoolProps{
		AllocType:   hip.MemAllocationType(props.allocType),
		HandleTypes: hip.MemAllocationHandleType(props.handleTypes),
		Location:    hip.MemLocation{Type: hip.MemLocationType(props.location._type), ID: int(props.location.id)},
	})
	if err == nil {
		*pool = h(p)
	}
	return code(err)
}

//export hipMemPoolDestroy
func hipMemPoolDestroy(pool C.hipHandle) C.hipError_t {
	p, ok := obj[hip.MemPool](pool)
	if !ok {
		return invalidHandle
	}
	err := hip.MemPoolDestroy(p)
	if err == nil {
		handles.Drop(p)
	}
	return code(err)
}

// poolAttrIsInt reports whether a hipMemPoolAttr's value is an int (the
// reuse flags) rather than a uint64_t (the byte counts).
func poolAttrIsInt(attr hip.MemPoolAttr) bool {
	return attr <= hip.HipMemPoolReuseAllowInternalDependencies
}

//export hipMemPoolSetAttribute
func hipMemPoolSetAttribute(pool C.hipHandle, attr C.int, value unsafe.Pointer) C.hipError_t {
	p, ok := obj[hip.MemPool](pool)
	if !ok {
		return invalidHandle
	}
	if value == nil {
		return invalidValue
	}
	a := hip.MemPoolAttr(attr)
	v := *(*uint64)(value)
	if poolAttrIsInt(a) {
		v = uint64(*(*C.int)(value))
	}
	return code(hip.MemPoolSetAttribute(p, a, v))
}

//export hipMemPoolGetAttribute
func hipMemPoolGetAttribute(pool C.hipHandle, attr C.int, value unsafe.Pointer) C.hipError_t {
	p, ok := obj[hip.MemPool](pool)
	if !ok {
		return invalidHandle
	}
	if value == nil {
		return invalidValue
	}
	a := hip.MemPoolAttr(attr)
	v, err := hip.MemPoolGetAttribute(p, a)
	if err != nil {
		return code(err)
	}
	if poolAttrIsInt(a) {
		*(*C.int)(value) = C.int(v)
	} else {
		*(*uint64)(value) = v
	}
	return success
}

//export hipMemPoolTrimTo
func hipMemPoolTrimTo(pool C.hipHandle, keep C.size_t) C.hipError_t {
	p, ok := obj[hip.MemPool](pool)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemPoolTrimTo(p, uint64(keep)))
}
