package main

/*
#include "shal_cuda_capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
)

//export cuGraphCreate
func cuGraphCreate(pg *C.cuHandle, flags C.uint) C.CUresult {
	if pg == nil {
		return invalidValue
	}
	g, err := cuda.GraphCreate(uint32(flags))
	if err == nil {
		*pg = h(g)
	}
	return code(err)
}

//export cuGraphDestroy
func cuGraphDestroy(graph C.cuHandle) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	nodes, _ := cuda.GraphGetNodes(g)
	err := cuda.GraphDestroy(g)
	if err == nil {
		handles.Drop(g)
		for _, n := range nodes {
			handles.Drop(n)
		}
	}
	return code(err)
}

// addNode is the common part of the cuGraphAdd*Node functions.
func addNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t,
	add func(*cuda.Graph, []*cuda.GraphNode) (*cuda.GraphNode, error)) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	d, ok := nodes(deps, ndeps)
	if !ok || out == nil {
		return invalidValue
	}
	n, err := add(g, d)
	if err == nil {
		*out = h(n)
	}
	return code(err)
}

// kernelNode converts the CUDA_KERNEL_NODE_PARAMS fields common to _v1 and
// _v2. A _v2 node of a CUkernel (the library API) is not supported.
func kernelNode(p *C.CUDA_KERNEL_NODE_PARAMS_v2, v2 bool) (*cuda.KernelNodeParams, C.CUresult) {
	if p == nil {
		return nil, invalidValue
	}
	if v2 && p.kern != nil && p._func == nil {
		return nil, notSupported
	}
	f, ok := obj[*cuda.Function](C.cuHandle(p._func))
	if !ok || f == nil {
		return nil, invalidHandle
	}
	kp, ex := kernelArgs(f, (*unsafe.Pointer)(unsafe.Pointer(p.kernelParams)), (*unsafe.Pointer)(unsafe.Pointer(p.extra)))
	return &cuda.KernelNodeParams{
		Func:     f,
		GridDimX: uint32(p.gridDimX), GridDimY: uint32(p.gridDimY), GridDimZ: uint32(p.gridDimZ),
		BlockDimX: uint32(p.blockDimX), BlockDimY: uint32(p.blockDimY), BlockDimZ: uint32(p.blockDimZ),
		SharedMemBytes: uint32(p.sharedMemBytes),
		KernelParams:   kp,
		Extra:          ex,
	}, success
}

func addKernelNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, p *C.CUDA_KERNEL_NODE_PARAMS_v2, v2 bool) C.CUresult {
	kp, rc := kernelNode(p, v2)
	if rc != success {
		return rc
	}
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddKernelNode(g, d, kp)
	})
}

// cuGraphAddKernelNode takes CUDA_KERNEL_NODE_PARAMS_v1 (cuda.h before
// 12.0); its fields are the first of _v2's.
//
//export cuGraphAddKernelNode
func cuGraphAddKernelNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, p *C.CUDA_KERNEL_NODE_PARAMS_v2) C.CUresult {
	return addKernelNode(out, graph, deps, ndeps, p, false)
}

//export cuGraphAddKernelNode_v2
func cuGraphAddKernelNode_v2(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, p *C.CUDA_KERNEL_NODE_PARAMS_v2) C.CUresult {
	return addKernelNode(out, graph, deps, ndeps, p, true)
}

//export cuGraphAddMemsetNode
func cuGraphAddMemsetNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, p *C.CUDA_MEMSET_NODE_PARAMS, c C.cuHandle) C.CUresult {
	x, ok := ctx(c)
	if !ok {
		return invalidHandle
	}
	if p == nil {
		return invalidValue
	}
	mp := &cuda.MemsetNodeParams{Dst: dptr(p.dst), Pitch: uint64(p.pitch), Value: uint32(p.value),
		ElementSize: uint32(p.elementSize), Width: uint64(p.width), Height: uint64(p.height)}
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddMemsetNode(g, d, mp, x)
	})
}

//export cuGraphAddHostNode
func cuGraphAddHostNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t, p *C.CUDA_HOST_NODE_PARAMS) C.CUresult {
	if p == nil || p.fn == nil {
		return invalidValue
	}
	fn, data := p.fn, p.userData
	return addNode(out, graph, deps, ndeps, func(g *cuda.Graph, d []*cuda.GraphNode) (*cuda.GraphNode, error) {
		return cuda.GraphAddHostNode(g, d, func() { C.shal_call_host_fn(fn, data) })
	})
}

//export cuGraphAddEmptyNode
func cuGraphAddEmptyNode(out *C.cuHandle, graph C.cuHandle, deps *C.cuHandle, ndeps C.size_t) C.CUresult {
	return addNode(out, graph, deps, ndeps, cuda.GraphAddEmptyNode)
}

//export cuGraphAddDependencies
func cuGraphAddDependencies(graph C.cuHandle, from, to *C.cuHandle, n C.size_t) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	f, ok := nodes(from, n)
	t, ok2 := nodes(to, n)
	if !ok || !ok2 {
		return invalidValue
	}
	return code(cuda.GraphAddDependencies(g, f, t))
}

//export cuGraphGetNodes
func cuGraphGetNodes(graph C.cuHandle, out *C.cuHandle, n *C.size_t) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if n == nil {
		return invalidValue
	}
	all, err := cuda.GraphGetNodes(g)
	if err != nil {
		return code(err)
	}
	if out != nil {
		dst := unsafe.Slice(out, *n)
		for i := range dst {
			dst[i] = nil
			if i < len(all) {
				dst[i] = h(all[i])
			}
		}
		*n = C.size_t(min(len(dst), len(all)))
		return success
	}
	*n = C.size_t(len(all))
	return success
}

//export cuGraphInstantiateWithFlags
func cuGraphInstantiateWithFlags(px *C.cuHandle, graph C.cuHandle, flags C.ulonglong) C.CUresult {
	g, ok := obj[*cuda.Graph](graph)
	if !ok {
		return invalidHandle
	}
	if px == nil {
		return invalidValue
	}
	x, err := cuda.GraphInstantiateWithFlags(g, uint64(flags))
	if err == nil {
		*px = h(x)
	}
	return code(err)
}

// cuGraphInstantiate_v2 is cuGraphInstantiate of cuda.h 11.x, with an
// error node and a log buffer.
//
//export cuGraphInstantiate_v2
func cuGraphInstantiate_v2(px *C.cuHandle, graph C.cuHandle, errNode *C.cuHandle, log *C.char, logSize C.size_t) C.CUresult {
	rc := cuGraphInstantiateWithFlags(px, graph, 0)
	if rc != success && log != nil && logSize > 0 {
		msg := "graph instantiation failed"
		if d := cuda.LastErrorDetail(); d != nil {
			msg = d.Error()
		}
		out := unsafe.Slice((*byte)(unsafe.Pointer(log)), logSize)
		out[copy(out[:logSize-1], msg)] = 0
	}
	return rc
}

//export cuGraphLaunch
func cuGraphLaunch(exec, s C.cuHandle) C.CUresult {
	x, ok := obj[*cuda.GraphExec](exec)
	st, ok2 := stream(s)
	if !ok || !ok2 {
		return invalidHandle
	}
	return code(cuda.GraphLaunch(x, st))
}

//export cuGraphExecDestroy
func cuGraphExecDestroy(exec C.cuHandle) C.CUresult {
	x, ok := obj[*cuda.GraphExec](exec)
	if !ok {
		return invalidHandle
	}
	err := cuda.GraphExecDestroy(x)
	if err == nil {
		handles.Drop(x)
	}
	return code(err)
}

//export cuStreamBeginCapture_v2
func cuStreamBeginCapture_v2(s C.cuHandle, mode C.int) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	return code(cuda.StreamBeginCapture(st, cuda.StreamCaptureMode(mode)))
}

//export cuStreamEndCapture
func cuStreamEndCapture(s C.cuHandle, pg *C.cuHandle) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if pg == nil {
		return invalidValue
	}
	g, err := cuda.StreamEndCapture(st)
	if err == nil {
		*pg = h(g)
	}
	return code(err)
}

//export cuStreamIsCapturing
func cuStreamIsCapturing(s C.cuHandle, status *C.int) C.CUresult {
	st, ok := stream(s)
	if !ok {
		return invalidHandle
	}
	if status == nil {
		return invalidValue
	}
	v, err := cuda.StreamIsCapturing(st)
	if err == nil {
		*status = C.int(v)
	}
	return code(err)
}

// cuGraphAddDependencies_v2 adds edges with edge data (cuda.h 12.3 and
// later; the name cuGraphAddDependencies maps to from 13.0). Only default
// edges (all-zero CUgraphEdgeData, or NULL) are supported.
//
//export cuGraphAddDependencies_v2
func cuGraphAddDependencies_v2(graph C.cuHandle, from, to *C.cuHandle, edgeData unsafe.Pointer, n C.size_t) C.CUresult {
	if edgeData != nil {
		for _, b := range unsafe.Slice((*byte)(edgeData), 8*int(n)) { // CUgraphEdgeData is 8 bytes
			if b != 0 {
				return notSupported
			}
		}
	}
	return cuGraphAddDependencies(graph, from, to, n)
}
