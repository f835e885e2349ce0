//go:build cgo

package cpu

/*
#include <stdlib.h>
#include "runtime.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// gnode is one node of an instantiated graph, in the driver's terms.
type gnode struct {
	node   hal.Node
	kernel *kernel
}

// graphExec is a CPU task DAG: nodes run as soon as their dependencies are
// done, independent nodes in parallel on the worker pool.
type graphExec struct {
	dev     *device
	succ    [][]int32
	ndeps   []int32
	sources []int32
	// next[i] is i's only successor when that successor depends on i alone,
	// else -1: such links form chains that run back to back.
	next []int32

	mu     sync.Mutex
	closed bool
	nodes  []gnode // current parameters; replaced, never mutated, by Update

	// runMu orders launches of the same graph: a launch waits for the
	// previous one to finish, as CUDA orders launches of one graph exec.
	runMu   sync.Mutex
	pending sync.WaitGroup

	// Per kernel node C launch descriptors and argument buffers.
	launches []*C.shal_launch
	args     []unsafe.Pointer
	argsCap  []int
	// C arrays for running a chain of single-block launches in one call.
	chainEntries  *C.shal_kernel_entry
	chainTakes    *C.shal_take_fault_fn
	chainLaunches **C.shal_launch
}

var _ hal.GraphExec = (*graphExec)(nil)

func (d *device) Instantiate(g *hal.Graph) (hal.GraphExec, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	n := len(g.Nodes)
	x := &graphExec{
		dev:      d,
		succ:     make([][]int32, n),
		ndeps:    make([]int32, n),
		nodes:    make([]gnode, n),
		launches: make([]*C.shal_launch, n),
		args:     make([]unsafe.Pointer, n),
		argsCap:  make([]int, n),
	}
	for i, nd := range g.Nodes {
		gn, err := d.graphNode(i, nd)
		if err != nil {
			x.free()
			return nil, err
		}
		x.nodes[i] = gn
		seen := map[int]bool{}
		for _, dep := range nd.Deps {
			if seen[dep] {
				continue
			}
			seen[dep] = true
			x.succ[dep] = append(x.succ[dep], int32(i))
			x.ndeps[i]++
		}
		if x.ndeps[i] == 0 {
			x.sources = append(x.sources, int32(i))
		}
		if nd.Kind == hal.NodeKernel {
			x.launches[i] = (*C.shal_launch)(C.calloc(1, C.sizeof_shal_launch))
		}
	}
	x.next = make([]int32, n)
	for i := range x.next {
		x.next[i] = -1
		if len(x.succ[i]) == 1 && x.ndeps[x.succ[i][0]] == 1 {
			x.next[i] = x.succ[i][0]
		}
	}
	if n > 0 {
		x.chainEntries = (*C.shal_kernel_entry)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
		x.chainTakes = (*C.shal_take_fault_fn)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
		x.chainLaunches = (**C.shal_launch)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(uintptr(0)))))
	}
	return x, nil
}

func (d *device) graphNode(i int, nd hal.Node) (gnode, error) {
	gn := gnode{node: nd}
	gn.node.Deps = nil
	switch nd.Kind {
	case hal.NodeKernel:
		k, ok := nd.Kernel.(*kernel)
		if !ok || k.exe.dev != d {
			return gn, fmt.Errorf("hal/cpu: graph node %d: kernel from another device: %w", i, hal.ErrInvalidHandle)
		}
		if err := checkLaunch(k, &nd.Launch); err != nil {
			return gn, fmt.Errorf("graph node %d: %w", i, err)
		}
		gn.kernel = k
		gn.node.Launch.Args = append([]byte(nil), nd.Launch.Args...)
	case hal.NodeCopy:
		if nd.Size > 0 && (nd.Dst == 0 || nd.Src == 0) {
			return gn, fmt.Errorf("hal/cpu: graph node %d: copy with a null address: %w", i, hal.ErrInvalidValue)
		}
	case hal.NodeFill:
		if nd.Size > 0 && nd.Dst == 0 || nd.Size%uint64(nd.PatternSize) != 0 {
			return gn, fmt.Errorf("hal/cpu: graph node %d: fill %d bytes at %#x: %w", i, nd.Size, nd.Dst, hal.ErrInvalidValue)
		}
	case hal.NodeEventRecord, hal.NodeEventWait:
		if _, ok := nd.Event.(*event); !ok {
			return gn, fmt.Errorf("hal/cpu: graph node %d: foreign event: %w", i, hal.ErrInvalidHandle)
		}
	case hal.NodeHost:
		if nd.Host == nil {
			return gn, fmt.Errorf("hal/cpu: graph node %d: nil host function: %w", i, hal.ErrInvalidValue)
		}
	}
	return gn, nil
}

// acquire snapshots the parameters for one launch.
func (x *graphExec) acquire() ([]gnode, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, fmt.Errorf("hal/cpu: launch of a destroyed graph: %w", hal.ErrInvalidHandle)
	}
	for _, n := range x.nodes {
		if n.kernel != nil {
			if err := n.kernel.exe.acquire(); err != nil {
				return nil, err
			}
		}
	}
	x.pending.Add(1)
	return x.nodes, nil
}

func (x *graphExec) releaseRun() {
	x.mu.Lock()
	nodes := x.nodes
	x.mu.Unlock()
	for _, n := range nodes {
		if n.kernel != nil {
			n.kernel.exe.release()
		}
	}
	x.pending.Done()
}

func (x *graphExec) Update(i int, nd hal.Node) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/cpu: update of a destroyed graph: %w", hal.ErrInvalidHandle)
	}
	if i < 0 || i >= len(x.nodes) {
		return fmt.Errorf("hal/cpu: update of graph node %d of %d: %w", i, len(x.nodes), hal.ErrInvalidValue)
	}
	old := x.nodes[i]
	if nd.Kind != old.node.Kind {
		return fmt.Errorf("hal/cpu: graph node %d is a %v node, not %v: %w", i, old.node.Kind, nd.Kind, hal.ErrNotSupported)
	}
	gn, err := x.dev.graphNode(i, nd)
	if err != nil {
		return err
	}
	if gn.kernel != nil && gn.kernel.exe != old.kernel.exe {
		// The new kernel's module must stay loaded while the graph can run
		// it, which the instantiation-time accounting does not cover.
		return fmt.Errorf("hal/cpu: graph node %d: kernel from another module needs a new instantiation: %w", i, hal.ErrNotSupported)
	}
	nodes := append([]gnode(nil), x.nodes...)
	nodes[i] = gn
	x.nodes = nodes
	return nil
}

func (x *graphExec) free() {
	C.free(unsafe.Pointer(x.chainEntries))
	C.free(unsafe.Pointer(x.chainTakes))
	C.free(unsafe.Pointer(x.chainLaunches))
	x.chainEntries, x.chainTakes, x.chainLaunches = nil, nil, nil
	for i, l := range x.launches {
		if l != nil {
			C.free(unsafe.Pointer(l))
			x.launches[i] = nil
		}
		if x.args[i] != nil {
			C.free(x.args[i])
			x.args[i] = nil
		}
	}
}

func (x *graphExec) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return fmt.Errorf("hal/cpu: graph already destroyed: %w", hal.ErrInvalidHandle)
	}
	x.closed = true
	x.mu.Unlock()
	// CUDA lets a graph exec be destroyed while launches are pending; they
	// still complete. Free the descriptors once they have.
	go func() {
		x.pending.Wait()
		x.free()
	}()
	return nil
}

// graphRun is one launch of a graph in progress. A node that faults fails
// the launch: the nodes that had not started then are skipped (still
// walked, so the launch completes).
type graphRun struct {
	x       *graphExec
	q       *queue
	nodes   []gnode
	remain  []atomic.Int32
	left    atomic.Int32
	mu      sync.Mutex
	ready   []int32
	done    chan struct{}
	errOnce sync.Once
	err     error
	failed  atomic.Bool
}

// fail records the first error of the launch; a sticky one (a kernel
// fault) stops it.
func (r *graphRun) fail(err error) {
	r.errOnce.Do(func() { r.err = err })
	if hal.Sticky(err) {
		r.failed.Store(true)
	}
}

func (x *graphExec) run(q *queue, nodes []gnode) error {
	x.runMu.Lock()
	defer x.runMu.Unlock()
	defer x.releaseRunNodes(nodes)
	n := len(nodes)
	if n == 0 {
		return nil
	}
	r := &graphRun{x: x, q: q, nodes: nodes, remain: make([]atomic.Int32, n), done: make(chan struct{})}
	for i, d := range x.ndeps {
		r.remain[i].Store(d)
	}
	r.left.Store(int32(n))
	r.ready = append(r.ready, x.sources...)
	if len(r.ready) > 1 {
		r.q.dev.inst.pool.offer(r, len(r.ready)-1, q.high)
	}
	r.help(q.w)
	<-r.done
	return r.err
}

func (x *graphExec) releaseRunNodes(nodes []gnode) {
	for _, n := range nodes {
		if n.kernel != nil {
			n.kernel.exe.release()
		}
	}
	x.pending.Done()
}

func (r *graphRun) pop() (int32, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ready) == 0 {
		return 0, false
	}
	i := r.ready[len(r.ready)-1]
	r.ready = r.ready[:len(r.ready)-1]
	return i, true
}

func (r *graphRun) help(w *worker) {
	i, ok := r.pop()
	for ok {
		count := int32(1)
		switch {
		case r.failed.Load():
			// A fault came first: walk the node without running it.
		case r.chainable(i):
			i, count = r.runChain(i, w)
		default:
			if err := r.execNode(i, w); err != nil {
				r.fail(err)
			}
		}
		next := int32(-1)
		var extra int
		for _, s := range r.x.succ[i] {
			if r.remain[s].Add(-1) != 0 {
				continue
			}
			if next < 0 {
				next = s // keep one successor for this worker: no queue traffic on chains
				continue
			}
			r.mu.Lock()
			r.ready = append(r.ready, s)
			r.mu.Unlock()
			extra++
		}
		if extra > 0 {
			r.q.dev.inst.pool.offer(r, extra, r.q.high)
		}
		if r.left.Add(-count) == 0 {
			close(r.done)
			return
		}
		if next >= 0 {
			i, ok = next, true
		} else {
			i, ok = r.pop()
		}
	}
}

// chainable reports whether node i is a single-block launch, which runs
// without the pool and can share a cgo call with its chain neighbours.
func (r *graphRun) chainable(i int32) bool {
	nd := &r.nodes[i].node
	return nd.Kind == hal.NodeKernel && !nd.Launch.Cooperative && nd.Launch.Grid.Count() == 1
}

// runChain runs node i and the chain of single-block launches that follows
// it in one cgo call; it returns the last node run and how many ran.
func (r *graphRun) runChain(i int32, w *worker) (last int32, count int32) {
	x := r.x
	entries := unsafe.Slice(x.chainEntries, len(r.nodes))
	takes := unsafe.Slice(x.chainTakes, len(r.nodes))
	launches := unsafe.Slice(x.chainLaunches, len(r.nodes))
	var shared uint32
	for j := i; ; {
		gn := &r.nodes[j]
		prepare(x.launches[j], &x.args[j], &x.argsCap[j], &gn.node.Launch, gn.kernel.argsSize)
		entries[count] = gn.kernel.entry
		takes[count] = gn.kernel.take
		launches[count] = x.launches[j]
		shared = max(shared, gn.node.Launch.SharedBytes)
		count++
		last = j
		if j = x.next[j]; j < 0 || !r.chainable(j) {
			break
		}
	}
	sh := w.sharedFor(shared)
	if C.shal_cpu_run_chain(C.uint32_t(count), x.chainEntries, x.chainTakes, x.chainLaunches, sh, C.uint32_t(w.index), w.fault) != 0 {
		// The chain stopped at launch f.index: the rest of it did not run.
		gn := &r.nodes[chainNode(x, i, int(w.fault.index))]
		r.fail(x.dev.newFault(w.fault, faultSite{kernel: gn.kernel.name, grid: gn.node.Launch.Grid, shared: uint64(uintptr(sh)), sharedSize: gn.node.Launch.SharedBytes}))
	} else if x.dev.mc != nil {
		for j, k := i, int32(0); k < count; j, k = x.next[j], k+1 {
			if err := x.dev.mc.checkAfter(x.dev, r.nodes[j].kernel.name, r.nodes[j].node.Launch.Grid); err != nil {
				r.fail(err)
				break
			}
		}
	}
	return last, count
}

// chainNode returns the node at position k of the chain that starts at i.
func chainNode(x *graphExec, i int32, k int) int32 {
	for ; k > 0; k-- {
		i = x.next[i]
	}
	return i
}

func (r *graphRun) execNode(i int32, w *worker) error {
	gn := &r.nodes[i]
	nd := &gn.node
	d := r.x.dev
	switch nd.Kind {
	case hal.NodeKernel:
		x := r.x
		prepare(x.launches[i], &x.args[i], &x.argsCap[i], &nd.Launch, gn.kernel.argsSize)
		return d.runLaunch(gn.kernel, x.launches[i], &nd.Launch, w, r.q.high)
	case hal.NodeCopy:
		if nd.Size > 0 {
			return d.copy(w, nd.Dst, nd.Src, nd.Size)
		}
	case hal.NodeFill:
		if nd.Size > 0 {
			return d.fill(w, nd.Dst, nd.Size, nd.Pattern, nd.PatternSize)
		}
	case hal.NodeHost:
		return runHost(nd.Host)
	case hal.NodeEventRecord:
		e := nd.Event.(*event)
		if s := e.shared; s != nil && s.Acquire() {
			s.Reach(s.Record())
			s.Release()
		}
		m := newMark()
		m.reach(time.Since(epoch))
		e.mu.Lock()
		e.cur = m
		e.mu.Unlock()
	case hal.NodeEventWait:
		e := nd.Event.(*event)
		if s := e.shared; s != nil {
			if s.Acquire() {
				defer s.Release()
				return s.Wait(context.Background(), s.Target())
			}
			return nil
		}
		e.latest().wait()
	}
	return nil
}

func (m *mark) wait() {
	if !m.reached() {
		<-m.doneCh()
	}
}
