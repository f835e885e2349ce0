//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// graphExec is a native CUDA graph and its instantiation. The CUgraph is
// kept alive because exec updates name its nodes.
type graphExec struct {
	d      *device
	graph  C.CUgraph
	exec   C.CUgraphExec
	ux     C.uintptr_t // exec as an integer handle
	nodes  []C.CUgraphNode
	orig   []hal.Node // what each node was built (or last updated) from
	closed atomic.Bool

	mu      sync.Mutex
	handles []cgo.Handle // host nodes' functions, released by Close
}

var _ hal.GraphExec = (*graphExec)(nil)

// Instantiate builds a CUDA graph with one node per hal node (kernel,
// memcpy, memset, host, empty, event record, event wait) and the same
// dependencies, then instantiates it. Zero-byte copies and fills become
// empty nodes (CUDA has no zero-length memcpy/memset node).
func (d *device) Instantiate(g *hal.Graph) (hal.GraphExec, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("hal/cuda: instantiate a nil graph: %w", hal.ErrInvalidValue)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	ge := &graphExec{d: d, nodes: make([]C.CUgraphNode, len(g.Nodes)), orig: make([]hal.Node, len(g.Nodes))}
	if err := check(C.shal_graph_create(d.ctx, &ge.graph), "cuGraphCreate"); err != nil {
		return nil, err
	}
	var deps []C.CUgraphNode
	for i := range g.Nodes {
		n := &g.Nodes[i]
		deps = deps[:0]
		for _, j := range n.Deps {
			if !slices.Contains(deps, ge.nodes[j]) { // CUDA rejects duplicate dependencies
				deps = append(deps, ge.nodes[j])
			}
		}
		var dp *C.CUgraphNode
		if len(deps) > 0 {
			dp = &deps[0]
		}
		nd := C.size_t(len(deps))
		if err := ge.addNode(i, n, dp, nd); err != nil {
			ge.destroy()
			return nil, err
		}
		ge.orig[i] = cloneNode(n)
	}
	if err := check(C.shal_graph_instantiate(d.ctx, &ge.exec, ge.graph), "cuGraphInstantiateWithFlags(%d nodes)", len(g.Nodes)); err != nil {
		ge.destroy()
		return nil, err
	}
	ge.ux = handle(unsafe.Pointer(ge.exec))
	return ge, nil
}

func cloneNode(n *hal.Node) hal.Node {
	c := *n
	c.Deps = slices.Clone(n.Deps)
	c.Launch.Args = nil // the driver copied them; we never read them again
	return c
}

func (ge *graphExec) addNode(i int, n *hal.Node, deps *C.CUgraphNode, nd C.size_t) error {
	d := ge.d
	out := &ge.nodes[i]
	switch n.Kind {
	case hal.NodeEmpty:
		return check(C.shal_graph_add_empty(d.ctx, out, ge.graph, deps, nd), "graph node %d: cuGraphAddEmptyNode", i)
	case hal.NodeKernel:
		kk, err := d.ownKernel(n.Kernel)
		if err != nil {
			return fmt.Errorf("%w (graph node %d)", err, i)
		}
		if err := kk.checkArgs(n.Launch.Args); err != nil {
			return fmt.Errorf("%w (graph node %d)", err, i)
		}
		if n.Launch.Cooperative && kk.params == nil && len(n.Launch.Args) > 0 {
			return fmt.Errorf("hal/cuda: graph node %d: cooperative kernel %s: parameter layout unknown: %w", i, kk.name, hal.ErrNotSupported)
		}
		args, offs, np := kernelArgs(kk, n.Launch.Args)
		l := n.Launch
		coop := C.int(0)
		if l.Cooperative {
			coop = 1
		}
		return check(C.shal_graph_add_kernel(d.ctx, out, ge.graph, deps, nd, kk.fn,
			C.uint(l.Grid.X), C.uint(l.Grid.Y), C.uint(l.Grid.Z), C.uint(l.Block.X), C.uint(l.Block.Y), C.uint(l.Block.Z),
			C.uint(l.SharedBytes), args, C.size_t(kk.bufferSize(l.Args)), offs, np, coop),
			"graph node %d: cuGraphAddKernelNode(%s, grid %v, block %v)", i, kk.name, l.Grid, l.Block)
	case hal.NodeCopy:
		if n.Size == 0 {
			return check(C.shal_graph_add_empty(d.ctx, out, ge.graph, deps, nd), "graph node %d: cuGraphAddEmptyNode (0-byte copy)", i)
		}
		return check(C.shal_graph_add_memcpy(d.ctx, out, ge.graph, deps, nd, C.CUdeviceptr(n.Dst), C.CUdeviceptr(n.Src), C.size_t(n.Size)),
			"graph node %d: cuGraphAddMemcpyNode(%#x, %#x, %d)", i, n.Dst, n.Src, n.Size)
	case hal.NodeFill:
		if n.Size == 0 {
			return check(C.shal_graph_add_empty(d.ctx, out, ge.graph, deps, nd), "graph node %d: cuGraphAddEmptyNode (0-byte fill)", i)
		}
		return check(C.shal_graph_add_memset(d.ctx, out, ge.graph, deps, nd, C.CUdeviceptr(n.Dst), C.uint(n.Pattern),
			C.uint(n.PatternSize), C.size_t(n.Size/uint64(n.PatternSize))),
			"graph node %d: cuGraphAddMemsetNode(%#x, %d bytes)", i, n.Dst, n.Size)
	case hal.NodeHost:
		if n.Host == nil {
			return fmt.Errorf("hal/cuda: graph node %d: host node without a function: %w", i, hal.ErrInvalidValue)
		}
		h := ge.newHandle(n.Host)
		return check(C.shal_graph_add_host(d.ctx, out, ge.graph, deps, nd, C.uintptr_t(h)), "graph node %d: cuGraphAddHostNode", i)
	case hal.NodeEventRecord, hal.NodeEventWait:
		ev, err := asEvent(n.Event)
		if err != nil {
			return fmt.Errorf("%w (graph node %d)", err, i)
		}
		if n.Kind == hal.NodeEventRecord {
			return check(C.shal_graph_add_event_record(d.ctx, out, ge.graph, deps, nd, ev.ev), "graph node %d: cuGraphAddEventRecordNode", i)
		}
		return check(C.shal_graph_add_event_wait(d.ctx, out, ge.graph, deps, nd, ev.ev), "graph node %d: cuGraphAddEventWaitNode", i)
	}
	return fmt.Errorf("hal/cuda: graph node %d: kind %v: %w", i, n.Kind, hal.ErrInvalidValue)
}

// kernelArgs returns the C view of a kernel's argument buffer: the buffer,
// the parameter offsets and their count, or -1 when the layout is unknown
// (the C side then passes the buffer through CU_LAUNCH_PARAM_BUFFER_POINTER).
func kernelArgs(kk *kernel, args []byte) (unsafe.Pointer, *C.uint32_t, C.int) {
	var p unsafe.Pointer
	if len(args) > 0 {
		p = unsafe.Pointer(&args[0])
	}
	if kk.params == nil || forceGraphExtra.Load() {
		return p, nil, -1
	}
	var offs *C.uint32_t
	if len(kk.offsets) > 0 {
		offs = (*C.uint32_t)(unsafe.Pointer(&kk.offsets[0]))
	}
	return p, offs, C.int(len(kk.offsets))
}

// forceGraphExtra makes kernel nodes take their arguments through the
// extra buffer even when the layout is known (tests cover both paths).
var forceGraphExtra atomic.Bool

func (ge *graphExec) newHandle(fn func()) cgo.Handle {
	h := cgo.NewHandle(&hostFn{fn: fn, sink: &ge.d.hostErr})
	ge.mu.Lock()
	ge.handles = append(ge.handles, h)
	ge.mu.Unlock()
	return h
}

// Update changes node i's parameters in place (cuGraphExec*SetParams). A
// different kind, different dependencies, a change between zero and
// non-zero size, a cooperative flag change, or anything CUDA refuses to
// update returns hal.ErrNotSupported: the caller re-instantiates.
func (ge *graphExec) Update(i int, n hal.Node) error {
	if ge.closed.Load() {
		return fmt.Errorf("hal/cuda: update a closed graph: %w", hal.ErrInvalidHandle)
	}
	if i < 0 || i >= len(ge.nodes) {
		return fmt.Errorf("hal/cuda: update graph node %d of %d: %w", i, len(ge.nodes), hal.ErrInvalidValue)
	}
	old := &ge.orig[i]
	if n.Kind != old.Kind {
		return fmt.Errorf("hal/cuda: update graph node %d from %v to %v: %w", i, old.Kind, n.Kind, hal.ErrNotSupported)
	}
	if !slices.Equal(n.Deps, old.Deps) {
		return fmt.Errorf("hal/cuda: update graph node %d: dependencies changed: %w", i, hal.ErrNotSupported)
	}
	d, node := ge.d, ge.nodes[i]
	var r C.CUresult
	switch n.Kind {
	case hal.NodeEmpty:
	case hal.NodeKernel:
		kk, err := d.ownKernel(n.Kernel)
		if err != nil {
			return err
		}
		if err := kk.checkArgs(n.Launch.Args); err != nil {
			return err
		}
		if n.Launch.Cooperative != old.Launch.Cooperative {
			return fmt.Errorf("hal/cuda: update graph node %d: cooperative flag changed: %w", i, hal.ErrNotSupported)
		}
		args, offs, np := kernelArgs(kk, n.Launch.Args)
		l := n.Launch
		r = C.shal_graph_exec_set_kernel(d.ctx, ge.exec, node, kk.fn,
			C.uint(l.Grid.X), C.uint(l.Grid.Y), C.uint(l.Grid.Z), C.uint(l.Block.X), C.uint(l.Block.Y), C.uint(l.Block.Z),
			C.uint(l.SharedBytes), args, C.size_t(kk.bufferSize(l.Args)), offs, np)
	case hal.NodeCopy:
		if (n.Size == 0) != (old.Size == 0) {
			return fmt.Errorf("hal/cuda: update graph node %d: copy size %d -> %d: %w", i, old.Size, n.Size, hal.ErrNotSupported)
		}
		if n.Size != 0 {
			r = C.shal_graph_exec_set_memcpy(d.ctx, ge.exec, node, C.CUdeviceptr(n.Dst), C.CUdeviceptr(n.Src), C.size_t(n.Size))
		}
	case hal.NodeFill:
		if (n.Size == 0) != (old.Size == 0) {
			return fmt.Errorf("hal/cuda: update graph node %d: fill size %d -> %d: %w", i, old.Size, n.Size, hal.ErrNotSupported)
		}
		if n.Size != 0 {
			r = C.shal_graph_exec_set_memset(d.ctx, ge.exec, node, C.CUdeviceptr(n.Dst), C.uint(n.Pattern), C.uint(n.PatternSize),
				C.size_t(n.Size/uint64(n.PatternSize)))
		}
	case hal.NodeHost:
		if n.Host == nil {
			return fmt.Errorf("hal/cuda: update graph node %d: host node without a function: %w", i, hal.ErrInvalidValue)
		}
		// The previous handle stays valid until Close: a replay already in
		// flight may still call it.
		h := ge.newHandle(n.Host)
		r = C.shal_graph_exec_set_host(d.ctx, ge.exec, node, C.uintptr_t(h))
	case hal.NodeEventRecord, hal.NodeEventWait:
		ev, err := asEvent(n.Event)
		if err != nil {
			return err
		}
		if n.Kind == hal.NodeEventRecord {
			r = C.shal_graph_exec_set_event_record(d.ctx, ge.exec, node, ev.ev)
		} else {
			r = C.shal_graph_exec_set_event_wait(d.ctx, ge.exec, node, ev.ev)
		}
	default:
		return fmt.Errorf("hal/cuda: update graph node %d: kind %v: %w", i, n.Kind, hal.ErrInvalidValue)
	}
	switch r {
	case cudaSuccess:
	case cudaErrorInvalidValue, cudaErrorNotSupported, cudaErrorGraphUpdateFailure:
		// CUDA refuses updates it cannot apply in place (another context,
		// a different function shape, ...): re-instantiation is the remedy.
		return fmt.Errorf("hal/cuda: update graph node %d (%v): %s: %w", i, n.Kind, resultName(r), hal.ErrNotSupported)
	default:
		return check(r, "update graph node %d (%v)", i, n.Kind)
	}
	ge.orig[i] = cloneNode(&n)
	return nil
}

// Close destroys the instantiation and the graph. Host nodes of a replay
// still in flight are skipped once their handles are released.
func (ge *graphExec) Close() error {
	if ge.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: graph already closed: %w", hal.ErrInvalidHandle)
	}
	return ge.destroy()
}

func (ge *graphExec) destroy() error {
	var first error
	if ge.exec != nil {
		first = check(C.shal_graph_exec_destroy(ge.d.ctx, ge.exec), "cuGraphExecDestroy")
		ge.exec = nil
	}
	if ge.graph != nil {
		if err := check(C.shal_graph_destroy(ge.d.ctx, ge.graph), "cuGraphDestroy"); err != nil && first == nil {
			first = err
		}
		ge.graph = nil
	}
	ge.mu.Lock()
	for _, h := range ge.handles {
		h.Delete()
	}
	ge.handles = nil
	ge.mu.Unlock()
	return first
}
