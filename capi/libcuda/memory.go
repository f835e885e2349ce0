package main

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
)

//export cuMemGetInfo_v2
func cuMemGetInfo_v2(free, total *C.size_t) C.CUresult {
	if free == nil || total == nil {
		return invalidValue
	}
	f, t, err := cuda.MemGetInfo()
	if err == nil {
		*free, *total = C.size_t(f), C.size_t(t)
	}
	return code(err)
}

//export cuMemAlloc_v2
func cuMemAlloc_v2(p *C.CUdeviceptr, n C.size_t) C.CUresult {
	if p == nil {
		return invalidValue
	}
	d, err := cuda.MemAlloc(uint64(n))
	if err == nil {
		*p = C.CUdeviceptr(d)
	}
	return code(err)
}

//export cuMemAllocManaged
func cuMemAllocManaged(p *C.CUdeviceptr, n C.size_t, flags C.uint) C.CUresult {
	if p == nil {
		return invalidValue
	}
	d, err := cuda.MemAllocManaged(uint64(n), uint32(flags))
	if err == nil {
		*p = C.CUdeviceptr(d)
	}
	return code(err)
}

//export cuMemFree_v2
func cuMemFree_v2(p C.CUdeviceptr) C.CUresult { return code(cuda.MemFree(dptr(p))) }

//export cuMemAllocHost_v2
func cuMemAllocHost_v2(p *unsafe.Pointer, n C.size_t) C.CUresult {
	if p == nil {
		return invalidValue
	}
	x, err := cuda.MemAllocHost(uint64(n))
	if err == nil {
		*p = x
	}
	return code(err)
}

//export cuMemHostAlloc
func cuMemHostAlloc(p *unsafe.Pointer, n C.size_t, flags C.uint) C.CUresult {
	if p == nil {
		return invalidValue
	}
	x, err := cuda.MemHostAlloc(uint64(n), uint32(flags))
	if err == nil {
		*p = x
	}
	return code(err)
}

//export cuMemFreeHost
func cuMemFreeHost(p unsafe.Pointer) C.CUresult { return code(cuda.MemFreeHost(p)) }

//export cuMemcpy
func cuMemcpy(dst, src C.CUdeviceptr, n C.size_t) C.CUresult {
	return code(cuda.Memcpy(dptr(dst), dptr(src), uint64(n)))
}

//export cuMemcpyAsync
func cuMemcpyAsync(dst, src C.CUdeviceptr, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemcpyAsync(dptr(dst), dptr(src), uint64(n), st))
}

//export cuMemcpyHtoD_v2
func cuMemcpyHtoD_v2(dst C.CUdeviceptr, src unsafe.Pointer, n C.size_t) C.CUresult {
	return code(cuda.MemcpyHtoD(dptr(dst), src, uint64(n)))
}

//export cuMemcpyDtoH_v2
func cuMemcpyDtoH_v2(dst unsafe.Pointer, src C.CUdeviceptr, n C.size_t) C.CUresult {
	return code(cuda.MemcpyDtoH(dst, dptr(src), uint64(n)))
}

//export cuMemcpyDtoD_v2
func cuMemcpyDtoD_v2(dst, src C.CUdeviceptr, n C.size_t) C.CUresult {
	return code(cuda.MemcpyDtoD(dptr(dst), dptr(src), uint64(n)))
}

//export cuMemcpyHtoDAsync_v2
func cuMemcpyHtoDAsync_v2(dst C.CUdeviceptr, src unsafe.Pointer, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemcpyHtoDAsync(dptr(dst), src, uint64(n), st))
}

//export cuMemcpyDtoHAsync_v2
func cuMemcpyDtoHAsync_v2(dst unsafe.Pointer, src C.CUdeviceptr, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemcpyDtoHAsync(dst, dptr(src), uint64(n), st))
}

//export cuMemcpyDtoDAsync_v2
func cuMemcpyDtoDAsync_v2(dst, src C.CUdeviceptr, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemcpyDtoDAsync(dptr(dst), dptr(src), uint64(n), st))
}

//export cuMemsetD8_v2
func cuMemsetD8_v2(dst C.CUdeviceptr, v C.uchar, n C.size_t) C.CUresult {
	return code(cuda.MemsetD8(dptr(dst), uint8(v), uint64(n)))
}

//export cuMemsetD16_v2
func cuMemsetD16_v2(dst C.CUdeviceptr, v C.ushort, n C.size_t) C.CUresult {
	return code(cuda.MemsetD16(dptr(dst), uint16(v), uint64(n)))
}

//export cuMemsetD32_v2
func cuMemsetD32_v2(dst C.CUdeviceptr, v C.uint, n C.size_t) C.CUresult {
	return code(cuda.MemsetD32(dptr(dst), uint32(v), uint64(n)))
}

//export cuMemsetD8Async
func cuMemsetD8Async(dst C.CUdeviceptr, v C.uchar, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemsetD8Async(dptr(dst), uint8(v), uint64(n), st))
}

//export cuMemsetD16Async
func cuMemsetD16Async(dst C.CUdeviceptr, v C.ushort, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemsetD16Async(dptr(dst), uint16(v), uint64(n), st))
}

//export cuMemsetD32Async
func cuMemsetD32Async(dst C.CUdeviceptr, v C.uint, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemsetD32Async(dptr(dst), uint32(v), uint64(n), st))
}

//export cuMemAllocAsync
func cuMemAllocAsync(p *C.CUdeviceptr, n C.size_t, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if p == nil {
		return invalidValue
	}
	d, err := cuda.MemAllocAsync(uint64(n), st)
	if err == nil {
		*p = C.CUdeviceptr(d)
	}
	return code(err)
}

//export cuMemFreeAsync
func cuMemFreeAsync(p C.CUdeviceptr, s C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemFreeAsync(dptr(p), st))
}
