package main

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
)

// More of package cuda's functions: context and stream queries, host
// memory registration, peer copies, occupancy, memory pools and graph
// nodes.

//export cuDevicePrimaryCtxGetState
func cuDevicePrimaryCtxGetState(dev C.int, flags *C.uint, active *C.int) C.CUresult {
	if flags == nil || active == nil {
		return invalidValue
	}
	f, a, err := cuda.DevicePrimaryCtxGetState(cuda.Device(dev))
	if err == nil {
		*flags, *active = C.uint(f), 0
		if a {
			*active = 1
		}
	}
	return code(err)
}

//export cuDevicePrimaryCtxSetFlags_v2
func cuDevicePrimaryCtxSetFlags_v2(dev C.int, flags C.uint) C.CUresult {
	return code(cuda.DevicePrimaryCtxSetFlags(cuda.Device(dev), uint32(flags)))
}

//export cuDeviceGetPCIBusId
func cuDeviceGetPCIBusId(id *C.char, n C.int, dev C.int) C.CUresult {
	if id == nil || n <= 0 {
		return invalidValue
	}
	s, err := cuda.DeviceGetPCIBusId(cuda.Device(dev))
	if err != nil {
		return code(err)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(id)), n)
	out[copy(out[:n-1], s)] = 0
	return success
}

//export cuDeviceCanAccessPeer
func cuDeviceCanAccessPeer(can *C.int, dev, peer C.int) C.CUresult {
	if can == nil {
		return invalidValue
	}
	ok, err := cuda.DeviceCanAccessPeer(cuda.Device(dev), cuda.Device(peer))
	if err == nil {
		*can = 0
		if ok {
			*can = 1
		}
	}
	return code(err)
}

//export cuCtxGetFlags
func cuCtxGetFlags(flags *C.uint) C.CUresult {
	if flags == nil {
		return invalidValue
	}
	f, err := cuda.CtxGetFlags()
	if err == nil {
		*flags = C.uint(f)
	}
	return code(err)
}

//export cuCtxSetLimit
func cuCtxSetLimit(limit C.int, value C.size_t) C.CUresult {
	return code(cuda.CtxSetLimit(cuda.Limit(limit), uint64(value)))
}

//export cuCtxGetLimit
func cuCtxGetLimit(value *C.size_t, limit C.int) C.CUresult {
	if value == nil {
		return invalidValue
	}
	v, err := cuda.CtxGetLimit(cuda.Limit(limit))
	if err == nil {
		*value = C.size_t(v)
	}
	return code(err)
}

//export cuCtxGetStreamPriorityRange
func cuCtxGetStreamPriorityRange(least, greatest *C.int) C.CUresult {
	l, g, err := cuda.CtxGetStreamPriorityRange()
	if err == nil {
		if least != nil {
			*least = C.int(l)
		}
		if greatest != nil {
			*greatest = C.int(g)
		}
	}
	return code(err)
}

//export cuStreamGetPriority
func cuStreamGetPriority(s C.cuHandle, priority *C.int) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if priority == nil {
		return invalidValue
	}
	p, err := cuda.StreamGetPriority(st)
	if err == nil {
		*priority = C.int(p)
	}
	return code(err)
}

//export cuStreamGetFlags
func cuStreamGetFlags(s C.cuHandle, flags *C.uint) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if flags == nil {
		return invalidValue
	}
	f, err := cuda.StreamGetFlags(st)
	if err == nil {
		*flags = C.uint(f)
	}
	return code(err)
}

//export cuStreamGetCtx
func cuStreamGetCtx(s C.cuHandle, pctx *C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if pctx == nil {
		return invalidValue
	}
	c, err := cuda.StreamGetCtx(st)
	if err == nil {
		*pctx = h(c)
	}
	return code(err)
}

//export cuMemAllocPitch_v2
func cuMemAllocPitch_v2(p *C.CUdeviceptr, pitch *C.size_t, width, height C.size_t, elem C.uint) C.CUresult {
	if p == nil || pitch == nil {
		return invalidValue
	}
	d, pi, err := cuda.MemAllocPitch(uint64(width), uint64(height), uint32(elem))
	if err == nil {
		*p, *pitch = C.CUdeviceptr(d), C.size_t(pi)
	}
	return code(err)
}

//export cuMemGetAddressRange_v2
func cuMemGetAddressRange_v2(base *C.CUdeviceptr, size *C.size_t, p C.CUdeviceptr) C.CUresult {
	b, n, err := cuda.MemGetAddressRange(dptr(p))
	if err == nil {
		if base != nil {
			*base = C.CUdeviceptr(b)
		}
		if size != nil {
			*size = C.size_t(n)
		}
	}
	return code(err)
}

//export cuMemHostRegister_v2
func cuMemHostRegister_v2(p unsafe.Pointer, n C.size_t, flags C.uint) C.CUresult {
	return code(cuda.MemHostRegister(p, uint64(n), uint32(flags)))
}

//export cuMemHostUnregister
func cuMemHostUnregister(p unsafe.Pointer) C.CUresult { return code(cuda.MemHostUnregister(p)) }

//export cuMemHostGetDevicePointer_v2
func cuMemHostGetDevicePointer_v2(out *C.CUdeviceptr, p unsafe.Pointer, flags C.uint) C.CUresult {
	if out == nil {
		return invalidValue
	}
	d, err := cuda.MemHostGetDevicePointer(p, uint32(flags))
	if err == nil {
		*out = C.CUdeviceptr(d)
	}
	return code(err)
}

//export cuMemHostGetFlags
func cuMemHostGetFlags(flags *C.uint, p unsafe.Pointer) C.CUresult {
	if flags == nil {
		return invalidValue
	}
	f, err := cuda.MemHostGetFlags(p)
	if err == nil {
		*flags = C.uint(f)
	}
	return code(err)
}

//export cuMemcpyPeer
func cuMemcpyPeer(dst C.CUdeviceptr, dstCtx C.cuHandle, src C.CUdeviceptr, srcCtx C.cuHandle, n C.size_t) C.CUresult {
	d, ok := ctx(dstCtx)
	s, ok2 := ctx(srcCtx)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(cuda.MemcpyPeer(dptr(dst), d, dptr(src), s, uint64(n)))
}

//export cuMemcpyPeerAsync
func cuMemcpyPeerAsync(dst C.CUdeviceptr, dstCtx C.cuHandle, src C.CUdeviceptr, srcCtx C.cuHandle, n C.size_t, st C.cuHandle) C.CUresult {
	d, ok := ctx(dstCtx)
	s, ok2 := ctx(srcCtx)
	x, ok3 := stream(st)
	if !ok || !ok2 || !ok3 {
		return invalidHandle
	}
	return code(cuda.MemcpyPeerAsync(dptr(dst), d, dptr(src), s, uint64(n), x))
}

//export cuFuncSetAttribute
func cuFuncSetAttribute(fn C.cuHandle, attr C.int, value C.int) C.CUresult {
	f, ok := obj[*cuda.Function](fn)
	if !ok {
		return invalidHandle
	}
	return code(cuda.FuncSetAttribute(f, cuda.FunctionAttribute(attr), int(value)))
}

//export cuOccupancyMaxActiveBlocksPerMultiprocessor
func cuOccupancyMaxActiveBlocksPerMultiprocessor(n *C.int, fn C.cuHandle, blockSize C.int, dyn C.size_t) C.CUresult {
	return cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(n, fn, blockSize, dyn, 0)
}

//export cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags
func cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(n *C.int, fn C.cuHandle, blockSize C.int, dyn C.size_t, flags C.uint) C.CUresult {
	f, ok := obj[*cuda.Function](fn)
	if !ok {
		return invalidHandle
	}
	if n == nil {
		return invalidValue
	}
	v, err := cuda.OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, int(blockSize), uint64(dyn), uint32(flags))
	if err == nil {
		*n = C.int(v)
	}
	return code(err)
}

// memPoolProps is the head of CUmemPoolProps: the fields read here.
type memPoolProps struct {
	allocType, handleTypes C.int
	locType, locID         C.int
}

//export cuMemPoolCreate
func cuMemPoolCreate(pool *C.cuHandle, props unsafe.Pointer) C.CUresult {
	if pool == nil || props == nil {
		return invalidValue
	}
	p := (*memPoolProps)(props)
	mp, err := cuda.MemPoolCreate(&cuda.MemPoolProps{
		AllocType:   cuda.MemAllocationType(p.allocType),
		HandleTypes: cuda.MemAllocationHandleType(p.handleTypes),
		Location:    cuda.MemLocation{Type: cuda.MemLocationType(p.locType), Id: int(p.locID)},
	})
	if err == nil {
		*pool = h(mp)
	}
	return code(err)
}

//export cuMemPoolDestroy
func cuMemPoolDestroy(pool C.cuHandle) C.CUresult {
	p, ok := obj[*cuda.MemoryPool](pool)
	if !ok {
		return invalidHandle
	}
	err := cuda.MemPoolDestroy(p)
	if err == nil {
		handles.Drop(p)
	}
	return code(err)
}

//export cuDeviceGetDefaultMemPool
func cuDeviceGetDefaultMemPool(pool *C.cuHandle, dev C.int) C.CUresult {
	if pool == nil {
		return invalidValue
	}
	p, err := cuda.DeviceGetDefaultMemPool(cuda.Device(dev))
	if err == nil {
		*pool = h(p)
	}
	return code(err)
}

// poolAttrIsInt reports whether a CUmemPool_attribute's value is an int
// (the reuse flags, 1 to 3) rather than a cuuint64_t.
func poolAttrIsInt(attr C.int) bool { return attr <= 3 }

//export cuMemPoolSetAttribute
func cuMemPoolSetAttribute(pool C.cuHandle, attr C.int, value unsafe.Pointer) C.CUresult {
	p, ok := obj[*cuda.MemoryPool](pool)
	if !ok {
		return invalidHandle
	}
	if value == nil {
		return invalidValue
	}
	v := *(*uint64)(value)
	if poolAttrIsInt(attr) {
		v = uint64(*(*C.int)(value))
	}
	return code(cuda.MemPoolSetAttribute(p, cuda.MemPoolAttribute(attr), v))
}

//export cuMemPoolGetAttribute
func cuMemPoolGetAttribute(pool C.cuHandle, attr C.int, value unsafe.Pointer) C.CUresult {
	p, ok := obj[*cuda.MemoryPool](pool)
	if !ok {
		return invalidHandle
	}
	if value == nil {
		return invalidValue
	}
	v, err := cuda.MemPoolGetAttribute(p, cuda.MemPoolAttribute(attr))
	if err != nil {
		return code(err)
	}
	if poolAttrIsInt(attr) {
		*(*C.int)(value) = C.int(v)
	} else {
		*(*uint64)(value) = v
	}
	return success
}

//export cuMemPoolTrimTo
func cuMemPoolTrimTo(pool C.cuHandle, keep C.size_t) C.CUresult {
	p, ok := obj[*cuda.MemoryPool](pool)
	if !ok {
		return invalidHandle
	}
	return code(cuda.MemPoolTrimTo(p, uint64(keep)))
}

//export cuMemAllocFromPoolAsync
func cuMemAllocFromPoolAsync(out *C.CUdeviceptr, n C.size_t, pool, s C.cuHandle) C.CUresult {
	p, ok := obj[*cuda.MemoryPool](pool)
	st, ok2 := stream(s)
	if !ok || !ok2 {
		return invalidHandle
	}
	if out == nil {
		return invalidValue
	}
	d, err := cuda.MemAllocFromPoolAsync(uint64(n), p, st)
	if err == nil {
		*out = C.CUdeviceptr(d)
	}
	return code(err)
}

//export cuGraphClone
func cuGraphClone(out *C.cuHandle, graph C.cuHandle) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if out == nil {
		return invalidValue
	}
	c, err := cuda.GraphClone(g)
	if err == nil {
		*out = h(c)
	}
	return code(err)
}

//export cuGraphNodeGetType
func cuGraphNodeGetType(node C.cuHandle, typ *C.int) C.CUresult {
	n, ok := obj[*cuda.GraphNode](node)
	if !ok {
		return invalidHandle
	}
	if typ == nil {
		return invalidValue
	}
	t, err := cuda.GraphNodeGetType(n)
	if err == nil {
		*typ = C.int(t)
	}
	return code(err)
}

//export cuGraphDestroyNode
func cuGraphDestroyNode(node C.cuHandle) C.CUresult {
	n, ok := obj[*cuda.GraphNode](node)
	if !ok {
		return invalidHandle
	}
	err := cuda.GraphDestroyNode(n)
	if err == nil {
		handles.Drop(n)
	}
	return code(err)
}

//export cuGraphAddEventRecordNode
func cuGraphAddEventRecordNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, e C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	if !ok {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddEventRecordNode(g, d, ev)
	})
}

//export cuGraphAddEventWaitNode
func cuGraphAddEventWaitNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, e C.cuHandle) C.CUresult {
	ev, ok := obj[*cuda.Event](e)
	if !ok {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddEventWaitNode(g, d, ev)
	})
}

//export cuGraphAddChildGraphNode
func cuGraphAddChildGraphNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, child C.cuHandle) C.CUresult {
	c, ok := obj[*cuda.Graph](child)
	if !ok || c == nil {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddChildGraphNode(g, d, c)
	})
}
