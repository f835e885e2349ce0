package main

/*
#include "shal_hip_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

//export hipGraphCreate
func hipGraphCreate(graph *C.hipHandle, flags C.uint) C.hipError_t {
	if graph == nil {
		return invalidValue
	}
	g, err := hip.GraphCreate(uint32(flags))
	if err == nil {
		*graph = h(g)
	}
	return code(err)
}

//export hipGraphDestroy
func hipGraphDestroy(graph C.hipHandle) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	nodes, _ := hip.GraphGetNodes(g)
	err := hip.GraphDestroy(g)
	if err == nil {
		handles.Drop(g)
		for _, n := range nodes {
			handles.Drop(n)
		}
	}
	return code(err)
}

// addNode is the common part of the hipGraphAdd*Node functions.
func addNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t,
	add func(hip.Graph, []hip.GraphNode) (hip.GraphNode, error)) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	d, ok := nodes(deps, ndeps)
	if !ok {
		return invalidValue
	}
	if out == nil {
		return invalidValue
	}
	n, err := add(g, d)
	if err == nil {
		*out = h(n)
	}
	return code(err)
}

//export hipGraphAddKernelNode
func hipGraphAddKernelNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, p *C.hipKernelNodeParams) C.hipError_t {
	kp, rc := kernelNodeParams(p)
	if rc != success {
		return rc
	}
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddKernelNode(g, d, kp)
	})
}

//export hipGraphAddMemcpyNode1D
func hipGraphAddMemcpyNode1D(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, dst, src unsafe.Pointer, n C.size_t, kind C.int) C.hipError_t {
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddMemcpyNode1D(g, d, voidArg(dst), voidArg(src), uint64(n), hip.MemcpyKind(kind))
	})
}

//export hipGraphAddMemsetNode
func hipGraphAddMemsetNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, p *C.hipMemsetParams) C.hipError_t {
	if p == nil {
		return invalidValue
	}
	mp := &hip.MemsetParams{Dst: dptr(p.dst), ElementSize: uint32(p.elementSize), Height: uint64(p.height),
		Pitch: uint64(p.pitch), Value: uint32(p.value), Width: uint64(p.width)}
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddMemsetNode(g, d, mp)
	})
}

//export hipGraphAddHostNode
func hipGraphAddHostNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t, p *C.hipHostNodeParams) C.hipError_t {
	if p == nil || p.fn == nil {
		return invalidValue
	}
	fn, data := p.fn, p.userData
	return addNode(out, graph, deps, ndeps, func(g hip.Graph, d []hip.GraphNode) (hip.GraphNode, error) {
		return hip.GraphAddHostNode(g, d, func() { C.shal_call_host_fn(fn, data) })
	})
}

//export hipGraphAddEmptyNode
func hipGraphAddEmptyNode(out *C.hipHandle, graph C.hipHandle, deps *C.hipHandle, ndeps C.size_t) C.hipError_t {
	return addNode(out, graph, deps, ndeps, hip.GraphAddEmptyNode)
}

//export hipGraphAddDependencies
func hipGraphAddDependencies(graph C.hipHandle, from, to *C.hipHandle, n C.size_t) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	f, ok := nodes(from, n)
	t, ok2 := nodes(to, n)
	if !ok || !ok2 {
		return invalidValue
	}
	return code(hip.GraphAddDependencies(g, f, t))
}

//export hipGraphGetNodes
func hipGraphGetNodes(graph C.hipHandle, out *C.hipHandle, n *C.size_t) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if n == nil {
		return invalidValue
	}
	all, err := hip.GraphGetNodes(g)
	if err != nil {
		return code(err)
	}
	if out != nil {
		dst := unsafe.Slice(out, *n)
		for i := range min(len(dst), len(all)) {
			dst[i] = h(all[i])
		}
		for i := len(all); i < len(dst); i++ {
			dst[i] = nil
		}
		*n = C.size_t(min(len(dst), len(all)))
		return success
	}
	*n = C.size_t(len(all))
	return success
}

//export hipGraphInstantiate
func hipGraphInstantiate(exec *C.hipHandle, graph C.hipHandle, errNode *C.hipHandle, log *C.char, logSize C.size_t) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if exec == nil {
		return invalidValue
	}
	x, err := hip.GraphInstantiate(g)
	if err != nil {
		if log != nil && logSize > 0 {
			out := unsafe.Slice((*byte)(unsafe.Pointer(log)), logSize)
			out[copy(out[:logSize-1], hip.LastErrorDetail().Error())] = 0
		}
		return code(err)
	}
	*exec = h(x)
	return success
}

//export hipGraphInstantiateWithFlags
func hipGraphInstantiateWithFlags(exec *C.hipHandle, graph C.hipHandle, flags C.ulonglong) C.hipError_t {
	g, ok := obj[hip.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if exec == nil {
		return invalidValue
	}
	x, err := hip.GraphInstantiateWithFlags(g, uint64(flags))
	if err == nil {
		*exec = h(x)
	}
	return code(err)
}

//export hipGraphLaunch
func hipGraphLaunch(exec, stream C.hipHandle) C.hipError_t {
	x, ok := obj[hip.GraphExec](exec)
	s, ok2 := obj[hip.Stream](stream)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(hip.GraphLaunch(x, s))
}

//export hipGraphExecDestroy
func hipGraphExecDestroy(exec C.hipHandle) C.hipError_t {
	x, ok := obj[hip.GraphExec](exec)
	if !ok {
		return invalidHandle
	}
	err := hip.GraphExecDestroy(x)
	if err == nil {
		handles.Drop(x)
	}
	return code(err)
}

//export hipStreamBeginCapture
func hipStreamBeginCapture(stream C.hipHandle, mode C.int) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	return code(hip.StreamBeginCapture(s, hip.StreamCaptureMode(mode)))
}

//export hipStreamEndCapture
func hipStreamEndCapture(stream C.hipHandle, graph *C.hipHandle) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if graph == nil {
		return invalidValue
	}
	g, err := hip.StreamEndCapture(s)
	if err == nil {
		*graph = h(g)
	}
	return code(err)
}

//export hipStreamIsCapturing
func hipStreamIsCapturing(stream C.hipHandle, status *C.int) C.hipError_t {
	s, ok := obj[hip.Stream](stream)
	if !ok {
		return invalidHandle
	}
	if status == nil {
		return invalidValue
	}
	st, err := hip.StreamIsCapturing(s)
	if err == nil {
		*status = C.int(st)
	}
	return code(err)
}
