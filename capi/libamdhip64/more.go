package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

// More of package hip's functions: primary contexts, device and stream
// queries, pitched and registered memory, peer copies, occupancy, pools
// and graph nodes.

//export hipDevicePrimaryCtxRetain
func hipDevicePrimaryCtxRetain(pctx *C.hipHandle, dev C.int) C.hipError_t {
	if pctx == nil {
		return invalidValue
	}
	c, err := hip.DevicePrimaryCtxRetain(hip.Device(dev))
	if err == nil {
		*pctx = h(c)
	}
	return code(err)
}

//export hipDevicePrimaryCtxRelease
func hipDevicePrimaryCtxRelease(dev C.int) C.hipError_t {
	return code(hip.DevicePrimaryCtxRelease(hip.Device(dev)))
}

//export hipDeviceGetPCIBusId
func hipDeviceGetPCIBusId(id *C.char, n C.int, dev C.int) C.hipError_t {
	if id == nil || n <= 0 {
		return invalidValue
	}
	s, err := hip.DeviceGetPCIBusId(hip.Device(dev))
	if err != nil {
		return code(err)
	}
	out := unsafe.Slice((*byte)(unsafe.Pointer(id)), n)
	out[copy(out[:n-1], s)] = 0
	return success
}

//export hipDeviceCanAccessPeer
func hipDeviceCanAccessPeer(can *C.int, dev, peer C.int) C.hipError_t {
	if can == nil {
		return invalidValue
	}
	ok, err := hip.DeviceCanAccessPeer(hip.Device(dev), hip.Device(peer))
	if err == nil {
		*can = 0
		if ok {
			*can = 1
		}
	}
	return code(err)
}

//export hipDeviceGetStreamPriorityRange
func hipDeviceGetStreamPriorityRange(least, greatest *C.int) C.hipError_t {
	l, g, err := hip.DeviceGetStreamPriorityRange()
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

//export hipStreamGetPriority
func hipStreamGetPriority(stream C.hipHandle, priority *C.int) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if priority == nil {
		return invalidValue
	}
	p, err := hip.StreamGetPriority(s)
	if err == nil {
		*priority = C.int(p)
	}
	return code(err)
}

//export hipStreamGetFlags
func hipStreamGetFlags(stream C.hipHandle, flags *C.uint) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if flags == nil {
		return invalidValue
	}
	f, err := hip.StreamGetFlags(s)
	if err == nil {
		*flags = C.uint(f)
	}
	return code(err)
}

//export hipMemcpyWithStream
func hipMemcpyWithStream(dst, src unsafe.Pointer, n C.size_t, kind C.int, stream C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.MemcpyWithStream(voidArg(dst), voidArg(src), uint64(n), hip.MemcpyKind(kind), s))
}

//export hipMallocPitch
func hipMallocPitch(ptr *unsafe.Pointer, pitch *C.size_t, width, height C.size_t) C.hipError_t {
	if ptr == nil || pitch == nil {
		return invalidValue
	}
	p, pi, err := hip.MallocPitch(uint64(width), uint64(height))
	if err == nil {
		setPtr(ptr, uint64(p))
		*pitch = C.size_t(pi)
	}
	return code(err)
}

//export hipMemGetAddressRange
func hipMemGetAddressRange(base *unsafe.Pointer, size *C.size_t, p unsafe.Pointer) C.hipError_t {
	b, n, err := hip.MemGetAddressRange(dptr(p))
	if err == nil {
		if base != nil {
			setPtr(base, uint64(b))
		}
		if size != nil {
			*size = C.size_t(n)
		}
	}
	return code(err)
}

//export hipHostRegister
func hipHostRegister(p unsafe.Pointer, n C.size_t, flags C.uint) C.hipError_t {
	return code(hip.HostRegister(p, uint64(n), uint32(flags)))
}

//export hipHostUnregister
func hipHostUnregister(p unsafe.Pointer) C.hipError_t { return code(hip.HostUnregister(p)) }

//export hipHostGetDevicePointer
func hipHostGetDevicePointer(out *unsafe.Pointer, p unsafe.Pointer, flags C.uint) C.hipError_t {
	if out == nil {
		return invalidValue
	}
	d, err := hip.HostGetDevicePointer(p, uint32(flags))
	if err == nil {
		setPtr(out, uint64(d))
	}
	return code(err)
}

//export hipMemcpyPeer
func hipMemcpyPeer(dst unsafe.Pointer, dstDev C.int, src unsafe.Pointer, srcDev C.int, n C.size_t) C.hipError_t {
	return code(hip.MemcpyPeer(dptr(dst), hip.Device(dstDev), dptr(src), hip.Device(srcDev), uint64(n)))
}

//export hipModuleOccupancyMaxActiveBlocksPerMultiprocessor
func hipModuleOccupancyMaxActiveBlocksPerMultiprocessor(n *C.int, fn C.hipHandle, blockSize C.int, dyn C.size_t) C.hipError_t {
	f, ok := obj[hip.Function](fn)
	if !ok {
		return invalidHandle
	}
	if n == nil {
		return invalidValue
	}
	v, err := hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f, int(blockSize), uint64(dyn))
	if err == nil {
		*n = C.int(v)
	}
	return code(err)
}

//export hipDeviceGetMemPool
func hipDeviceGetMemPool(pool *C.hipHandle, dev C.int) C.hipError_t {
	if pool == nil {
		return invalidValue
	}
	p, err := hip.DeviceGetMemPool(hip.Device(dev))
	if err == nil {
		*pool = h(p)
	}
	return code(err)
}

//export hipDeviceSetMemPool
func hipDeviceSetMemPool(dev C.int, pool C.hipHandle) C.hipError_t {
	p, ok := obj[hip.MemPool](pool)
	if !ok {
		return invalidHandle
	}
	return code(hip.DeviceSetMemPool(hip.Device(dev), p))
}

//export hipGraphClone
func hipGraphClone(out *C.hipHandle, graph C.hipHandle) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if out == nil {
		return invalidValue
	}
	c, err := hip.GraphClone(g)
	if err == nil {
		*out = h(c)
	}
	return code(err)
}

//export hipGraphDestroyNode
func hipGraphDestroyNode(node C.hipHandle) C.hipError_t {
	n, ok := obj[hip.GraphNode](node)
	if !ok {
		return invalidHandle
	}
	err := hip.GraphDestroyNode(n)
	if err == nil {
		handles.Drop(n)
	}
	return code(err)
}

//export hipGraphNodeGetType
func hipGraphNodeGetType(node C.hipHandle, typ *C.int) C.hipError_t {
	n, ok := obj[hip.GraphNode](node)
	if !ok {
		return invalidHandle
	}
	if typ == nil {
		return invalidValue
	}
	t, err := hip.GraphNodeGetType(n)
	if err != nil {
		return code(err)
	}
	v, ok := nodeTypes52[t]
	if !ok {
		return notSupported
	}
	*typ = C.int(v)
	return success
}

// nodeTypes52 maps package hip's hipGraphNodeType values (ROCm 6
// numbering, from 0) to ROCm 5.2's (from 1, with no allocation or
// semaphore nodes).
var nodeTypes52 = map[hip.GraphNodeType]int{
	hip.HipGraphNodeTypeKernel:      1,
	hip.HipGraphNodeTypeMemcpy:      2,
	hip.HipGraphNodeTypeMemset:      3,
	hip.HipGraphNodeTypeHost:        4,
	hip.HipGraphNodeTypeGraph:       5,
	hip.HipGraphNodeTypeEmpty:       6,
	hip.HipGraphNodeTypeWaitEvent:   7,
	hip.HipGraphNodeTypeEventRecord: 8,
}

//export hipGraphAddEventRecordNode
func hipGraphAddEventRecordNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, event C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	if !ok {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddEventRecordNode(g, d, e)
	})
}

//export hipGraphAddEventWaitNode
func hipGraphAddEventWaitNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, event C.hipHandle) C.hipError_t {
	e, ok := obj[hip.Event](event)
	if !ok {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddEventWaitNode(g, d, e)
	})
}

//export hipGraphAddChildGraphNode
func hipGraphAddChildGraphNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, child C.hipHandle) C.hipError_t {
	c, ok := obj[hip.Graph](child)
	if !ok || c == nil {
		return invalidHandle
	}
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddChildGraphNode(g, d, c)
	})
}
