//go:build cgo

package hip

/*
#include <stdlib.h>
#include <string.h>
#include "shal_hip.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"slices"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// graphExec is a hal.Graph compiled to a native HIP graph (hipGraphCreate,
// hipGraphAdd*Node, hipGraphInstantiate). The graph is kept alive with the
// executable: in-place updates (hipGraphExec*SetParams) name its nodes.
type graphExec struct {
	d     *device
	graph C.hipGraph_t
	exec  C.hipGraphExec_t
	nodes []graphNode
	// cmem is C memory that node parameters point into (argument buffers
	// and kernelParams arrays), freed with the executable.
	cmem []unsafe.Pointer
	// handles are the host nodes' functions, deleted with the executable.
	handles []cgo.Handle
	// sink is the queue the executable was last launched on; host nodes
	// report panics there.
	sink queueSink

	mu     sync.Mutex
	closed bool
}

var _ hal.GraphExec = (*graphExec)(nil)

// graphNode is what Update needs to know of an instantiated node.
type graphNode struct {
	kind hal.NodeKind
	node C.hipGraphNode_t
	deps []int
	// empty is set for copy and fill nodes of zero bytes (and copies onto
	// themselves), which HIP rejects and which run as empty nodes.
	empty  bool
	kernel *kernel
}

func (d *device) Instantiate(g *hal.Graph) (hal.GraphExec, error) {
	if g == nil {
		return nil, fmt.Errorf("hal/hip: instantiate a nil graph: %w", hal.ErrInvalidValue)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	// Validate every node before the runtime sees any of them.
	for i, n := range g.Nodes {
		if err := d.checkNode(i, n); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	if err := d.checkOpen("instantiate graph"); err != nil {
		d.mu.Unlock()
		return nil, err
	}
	d.mu.Unlock()
	x := &graphExec{d: d}
	if err := check(int(C.shal_hip_graph_create(d.api, d.dev, &x.graph)), "hipGraphCreate on device %d", d.ordinal); err != nil {
		return nil, err
	}
	for i, n := range g.Nodes {
		node, err := x.add(i, n)
		if err != nil {
			x.release()
			return nil, err
		}
		x.nodes = append(x.nodes, node)
	}
	if err := check(int(C.shal_hip_graph_instantiate(d.api, d.dev, &x.exec, x.graph)), "hipGraphInstantiate(%d nodes) on device %d", len(g.Nodes), d.ordinal); err != nil {
		x.release()
		return nil, err
	}
	return x, nil
}

// checkNode validates one node's operands (Graph.Validate checked its
// shape).
func (d *device) checkNode(i int, n hal.Node) error {
	switch n.Kind {
	case hal.NodeKernel:
		k, err := d.kernelOf(n.Kernel)
		if err != nil {
			return fmt.Errorf("hal/hip: graph node %d: %w", i, err)
		}
		if n.Launch.Cooperative {
			return fmt.Errorf("hal/hip: graph node %d: cooperative kernel node: %w", i, hal.ErrNotSupported)
		}
		cfg := n.Launch
		return k.checkLaunch(&cfg)
	case hal.NodeFill:
		return nil // Graph.Validate applied hal.CheckFill
	case hal.NodeHost:
		if n.Host == nil {
			return fmt.Errorf("hal/hip: graph node %d: host node without a function: %w", i, hal.ErrInvalidValue)
		}
	case hal.NodeEventRecord, hal.NodeEventWait:
		if _, err := d.eventOf(n.Event, "graph node on"); err != nil {
			return err
		}
	}
	return nil
}

// deps returns the native handles of node indices (earlier nodes).
func (x *graphExec) deps(idx []int) []C.hipGraphNode_t {
	out := make([]C.hipGraphNode_t, len(idx))
	for i, j := range idx {
		out[i] = x.nodes[j].node
	}
	return out
}

func depsPtr(deps []C.hipGraphNode_t) *C.hipGraphNode_t {
	if len(deps) == 0 {
		return nil
	}
	return &deps[0]
}

// isEmptyTransfer reports copies and fills that move nothing.
func isEmptyTransfer(n hal.Node) bool {
	return n.Size == 0 || (n.Kind == hal.NodeCopy && n.Dst == n.Src)
}

// add adds node i to the graph.
func (x *graphExec) add(i int, n hal.Node) (graphNode, error) {
	d := x.d
	gn := graphNode{kind: n.Kind, deps: slices.Clone(n.Deps)}
	deps := x.deps(n.Deps)
	dp, nd := depsPtr(deps), C.size_t(len(deps))
	var code C.hipError_t
	what := fmt.Sprintf("graph node %d (%v)", i, n.Kind)
	switch n.Kind {
	case hal.NodeEmpty:
		code = C.shal_hip_graph_add_empty(d.api, d.dev, &gn.node, x.graph, dp, nd)
	case hal.NodeKernel:
		k, _ := d.kernelOf(n.Kernel)
		gn.kernel = k
		params := x.kernelParams(k, n.Launch.Args)
		grid, block := dims(n.Launch.Grid), dims(n.Launch.Block)
		code = C.shal_hip_graph_add_kernel(d.api, d.dev, &gn.node, x.graph, dp, nd, k.fn, &grid[0], &block[0],
			C.uint32_t(n.Launch.SharedBytes), params)
		what = fmt.Sprintf("graph node %d (kernel %s)", i, k.name)
	case hal.NodeCopy:
		if isEmptyTransfer(n) {
			gn.empty = true
			code = C.shal_hip_graph_add_empty(d.api, d.dev, &gn.node, x.graph, dp, nd)
			break
		}
		code = C.shal_hip_graph_add_copy(d.api, d.dev, &gn.node, x.graph, dp, nd, C.uint64_t(n.Dst), C.uint64_t(n.Src), C.size_t(n.Size))
	case hal.NodeFill:
		if n.Size == 0 {
			gn.empty = true
			code = C.shal_hip_graph_add_empty(d.api, d.dev, &gn.node, x.graph, dp, nd)
			break
		}
		code = C.shal_hip_graph_add_fill(d.api, d.dev, &gn.node, x.graph, dp, nd, C.uint64_t(n.Dst), C.uint32_t(n.Pattern),
			C.int(n.PatternSize), C.size_t(n.Size/uint64(n.PatternSize)))
	case hal.NodeHost:
		h := x.hostHandle(n.Host)
		code = C.shal_hip_graph_add_host(d.api, d.dev, &gn.node, x.graph, dp, nd, C.uintptr_t(h))
	case hal.NodeEventRecord, hal.NodeEventWait:
		e, _ := d.eventOf(n.Event, "graph node on")
		wait := C.int(0)
		if n.Kind == hal.NodeEventWait {
			wait = 1
		}
		code = C.shal_hip_graph_add_event(d.api, d.dev, &gn.node, x.graph, dp, nd, e.ev, wait)
	default:
		return gn, fmt.Errorf("hal/hip: graph node %d: kind %v: %w", i, n.Kind, hal.ErrInvalidValue)
	}
	return gn, check(int(code), "hipGraphAdd %s on device %d", what, d.ordinal)
}

func dims(d hal.Dim3) [3]C.uint32_t {
	return [3]C.uint32_t{C.uint32_t(d.X), C.uint32_t(d.Y), C.uint32_t(d.Z)}
}

// kernelParams copies a packed argument buffer into C memory owned by the
// executable and returns a kernelParams array pointing at each parameter
// (graph kernel nodes take that form; the runtime copies each parameter by
// its size from the kernel's metadata). A kernel without parameters gets a
// one-slot array, because HIP rejects a node with neither kernelParams nor
// extra.
func (x *graphExec) kernelParams(k *kernel, args []byte) *unsafe.Pointer {
	size := max(len(args), int(k.layout.size), 1)
	buf := C.calloc(1, C.size_t(size)) // zero tail padding
	if len(args) > 0 {
		C.memcpy(buf, unsafe.Pointer(&args[0]), C.size_t(len(args)))
	}
	offs := k.layout.offsets()
	n := max(len(offs), 1)
	ptrs := (*unsafe.Pointer)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
	if len(offs) > 0 {
		C.shal_hip_param_pointers(ptrs, buf, (*C.uint32_t)(unsafe.Pointer(&offs[0])), C.int(len(offs)))
	}
	x.cmem = append(x.cmem, buf, unsafe.Pointer(ptrs))
	return ptrs
}

// hostHandle makes fn callable from the runtime for the executable's life.
func (x *graphExec) hostHandle(fn func()) cgo.Handle {
	h := cgo.NewHandle(&hostFunc{fn: fn, sink: x.sink.Load})
	x.handles = append(x.handles, h)
	return h
}

// Update changes node i's parameters in place. A change of kind, of
// dependencies, of a copy or fill between empty and non-empty, or one the
// runtime refuses is hal.ErrNotSupported: the caller instantiates anew.
func (x *graphExec) Update(i int, n hal.Node) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/hip: update a closed graph: %w", hal.ErrInvalidHandle)
	}
	if i < 0 || i >= len(x.nodes) {
		return fmt.Errorf("hal/hip: update graph node %d of %d: %w", i, len(x.nodes), hal.ErrInvalidValue)
	}
	gn := &x.nodes[i]
	if n.Kind != gn.kind {
		return fmt.Errorf("hal/hip: update graph node %d from %v to %v: %w", i, gn.kind, n.Kind, hal.ErrNotSupported)
	}
	if n.Deps != nil && !slices.Equal(n.Deps, gn.deps) {
		return fmt.Errorf("hal/hip: update graph node %d: dependencies %v -> %v: %w", i, gn.deps, n.Deps, hal.ErrNotSupported)
	}
	d := x.d
	if err := d.checkNode(i, n); err != nil {
		return err
	}
	var code C.hipError_t
	switch n.Kind {
	case hal.NodeEmpty:
		return nil
	case hal.NodeKernel:
		k, _ := d.kernelOf(n.Kernel)
		params := x.kernelParams(k, n.Launch.Args)
		grid, block := dims(n.Launch.Grid), dims(n.Launch.Block)
		code = C.shal_hip_exec_set_kernel(d.api, d.dev, x.exec, gn.node, k.fn, &grid[0], &block[0], C.uint32_t(n.Launch.SharedBytes), params)
		if code == 0 {
			gn.kernel = k
		}
	case hal.NodeCopy, hal.NodeFill:
		if empty := isEmptyTransfer(n); empty || gn.empty {
			if empty && gn.empty {
				return nil
			}
			return fmt.Errorf("hal/hip: update graph node %d: %v of %d bytes replaces one of the other size class: %w", i, n.Kind, n.Size, hal.ErrNotSupported)
		}
		if n.Kind == hal.NodeCopy {
			code = C.shal_hip_exec_set_copy(d.api, d.dev, x.exec, gn.node, C.uint64_t(n.Dst), C.uint64_t(n.Src), C.size_t(n.Size))
		} else {
			code = C.shal_hip_exec_set_fill(d.api, d.dev, x.exec, gn.node, C.uint64_t(n.Dst), C.uint32_t(n.Pattern),
				C.int(n.PatternSize), C.size_t(n.Size/uint64(n.PatternSize)))
		}
	case hal.NodeHost:
		h := x.hostHandle(n.Host)
		code = C.shal_hip_exec_set_host(d.api, d.dev, x.exec, gn.node, C.uintptr_t(h))
	case hal.NodeEventRecord, hal.NodeEventWait:
		e, _ := d.eventOf(n.Event, "graph node on")
		wait := C.int(0)
		if n.Kind == hal.NodeEventWait {
			wait = 1
		}
		code = C.shal_hip_exec_set_event(d.api, d.dev, x.exec, gn.node, e.ev, wait)
	}
	if err := check(int(code), "hipGraphExec update of node %d (%v) on device %d", i, n.Kind, d.ordinal); err != nil {
		return &notSupported{err}
	}
	return nil
}

func (x *graphExec) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/hip: graph already closed: %w", hal.ErrInvalidHandle)
	}
	x.closed = true
	// Host nodes of a replay still running call into handles that release
	// deletes, so wait for the queue the graph last ran on.
	if q := x.sink.Load(); q != nil && q.usable() == nil {
		_ = C.shal_hip_stream_synchronize(x.d.api, x.d.dev, q.stream)
	}
	return x.release()
}

// release destroys whatever of the executable exists.
func (x *graphExec) release() error {
	d := x.d
	var errs []error
	if x.exec != nil {
		errs = append(errs, check(int(C.shal_hip_graph_exec_destroy(d.api, d.dev, x.exec)), "hipGraphExecDestroy on device %d", d.ordinal))
		x.exec = nil
	}
	if x.graph != nil {
		errs = append(errs, check(int(C.shal_hip_graph_destroy(d.api, d.dev, x.graph)), "hipGraphDestroy on device %d", d.ordinal))
		x.graph = nil
	}
	for _, p := range x.cmem {
		C.free(p)
	}
	x.cmem = nil
	for _, h := range x.handles {
		h.Delete()
	}
	x.handles = nil
	return errors.Join(errs...)
}
