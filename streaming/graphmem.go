package streaming

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
)

// Graph memory nodes, as CUDA's (cuGraphAddMemAllocNode,
// cuGraphAddMemFreeNode, and MallocAsync/FreeAsync captured into a graph),
// on every backend:
//
//   - An allocation node reserves its memory when it is added (or
//     captured) and the address is fixed for the graph's life: kernel,
//     copy and memset nodes, and the work after a launch, use it. The
//     memory stays reserved while the graph, a copy of it (Clone, the exec
//     instantiated from it) or an allocation made by a launch and not yet
//     freed exists.
//   - A launch allocates the memory (for the graph's later nodes, and after
//     the launch for the stream's work when the graph does not free it);
//     a free node, FreeAsync or Free frees it. A graph whose allocation is
//     still allocated from its previous launch cannot be launched again
//     (ErrInvalidValue, as CUDA's cuGraphLaunch), and memory that is not
//     allocated cannot be freed.
//   - A graph with allocation nodes has at most one exec at a time, cannot
//     be a child graph, and its launch cannot be captured (CUDA's rules).
//   - Instantiate checks the order: every node that uses graph memory
//     allocated in the graph is ordered after its allocation node and
//     before its free node, else ErrInvalidValue (CUDA leaves such a graph
//     undefined).
//   - A free node frees memory of an allocation node (of this graph or of
//     another); any other address is ErrInvalidValue, as is a second free
//     node of the same memory in one graph.
//
// The memory comes from Device.Allocate, not from a pool, and nothing is
// cached beyond what graphs own: GraphMemTrim has nothing to release.

// Node types of memory nodes (CUgraphNodeType, hipGraphNodeType values).
const (
	GraphNodeMemAlloc GraphNodeType = 10
	GraphNodeMemFree  GraphNodeType = 11
)

// MemAllocNodeParams describe a memory allocation node
// (CUDA_MEM_ALLOC_NODE_PARAMS): Size bytes of Device's memory at Ptr.
type MemAllocNodeParams struct {
	Device *Device
	Size   uint64
	Ptr    DevicePtr // the address, fixed when the node is added
}

// graphMem is the memory of one allocation node.
type graphMem struct {
	dev *Device
	a   *allocation // in the pointer table while the memory is reserved

	mu       sync.Mutex
	refs     int        // graphs holding the node, the exec, an allocated launch
	exec     *GraphExec // the live exec of a graph holding the node
	live     bool       // allocated by a launch, not freed yet
	released bool
}

// newGraphMem reserves size bytes of d's memory for an allocation node.
func (d *Device) newGraphMem(size uint64, what string) (*graphMem, error) {
	if size == 0 {
		return nil, fmt.Errorf("streaming: %s of 0 bytes: %w", what, ErrInvalidValue)
	}
	if size > maxAllocation {
		return nil, fmt.Errorf("streaming: %s of %d bytes: %w", what, size, ErrOutOfMemory)
	}
	done, err := d.rt.holdDrivers(what)
	if err != nil {
		return nil, err
	}
	defer done()
	ha, err := d.hal.Allocate(hal.MemoryDevice, size)
	if err != nil {
		return nil, fmt.Errorf("streaming: %s of %d bytes on device %d: %w", what, size, d.ordinal, err)
	}
	gm := &graphMem{dev: d, refs: 1}
	gm.a = &allocation{base: ha.Device, size: size, kind: MemoryDevice, dev: d, hal: ha, host: ha.Host, graph: gm}
	if err := d.rt.ptrs.insert(gm.a); err != nil {
		d.hal.Free(hal.MemoryDevice, ha.Device)
		return nil, err
	}
	d.graphMemReserved.Add(size)
	updateMax(&d.graphMemReservedHigh, d.graphMemReserved.Load())
	return gm, nil
}

func updateMax(m *atomic.Uint64, v uint64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

// ref takes one more reference.
func (gm *graphMem) ref() {
	gm.mu.Lock()
	gm.refs++
	gm.mu.Unlock()
}

// unref drops a reference; the last one gives the memory back to the
// device once its work is done.
func (gm *graphMem) unref() {
	gm.mu.Lock()
	gm.refs--
	last := gm.refs == 0 && !gm.released
	if last {
		gm.released = true
	}
	gm.mu.Unlock()
	if !last {
		return
	}
	d := gm.dev
	done, err := d.rt.holdDrivers("release graph memory")
	if err != nil {
		return // the runtime is closing: its devices go with it
	}
	defer done()
	if !d.rt.ptrs.claim(gm.a) {
		return
	}
	d.drainAll()
	if err := d.hal.Free(hal.MemoryDevice, gm.a.base); err != nil {
		d.rt.logf(1, "streaming: free graph memory at %#x: %v", gm.a.base, err)
	}
	d.graphMemReserved.Add(^(gm.a.size - 1))
}

// setLive marks the memory allocated (by a launch) or freed, keeping a
// reference while it is allocated.
func (gm *graphMem) setLive(live bool) {
	gm.mu.Lock()
	gm.live = live
	if live {
		gm.refs++
		gm.dev.graphMemUsed.Add(gm.a.size)
		updateMax(&gm.dev.graphMemUsedHigh, gm.dev.graphMemUsed.Load())
	} else {
		gm.dev.graphMemUsed.Add(^(gm.a.size - 1))
	}
	gm.mu.Unlock()
	if !live {
		gm.unref()
	}
}

// AddMemAllocNode adds a memory allocation node of size bytes of dev's
// memory (cuGraphAddMemAllocNode) and returns it; its MemAllocParams give
// the address, which later nodes may use at once.
func (g *Graph) AddMemAllocNode(deps []*GraphNode, dev *Device, size uint64) (*GraphNode, error) {
	if dev == nil {
		return nil, fmt.Errorf("streaming: memory allocation node without a device: %w", ErrInvalidDevice)
	}
	if !dev.info.MemoryPoolsSupported {
		return nil, fmt.Errorf("streaming: memory allocation node on %s: %w", dev.info.Name, ErrNotSupported)
	}
	g.mu.Lock()
	err := g.checkDeps(deps)
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	gm, err := dev.newGraphMem(size, "memory allocation node")
	if err != nil {
		return nil, err
	}
	n, err := g.add(&GraphNode{typ: GraphNodeMemAlloc, mem: gm}, deps)
	if err != nil {
		gm.unref()
		return nil, err
	}
	return n, nil
}

// AddMemFreeNode adds a node that frees memory of an allocation node
// (cuGraphAddMemFreeNode): ptr is the address an allocation node (of this
// graph or another, of rt's devices) returned.
func (g *Graph) AddMemFreeNode(deps []*GraphNode, rt *Runtime, ptr DevicePtr) (*GraphNode, error) {
	if rt == nil {
		return nil, fmt.Errorf("streaming: memory free node without a runtime: %w", ErrInvalidValue)
	}
	gm, err := g.freeTarget(rt, ptr, "memory free node")
	if err != nil {
		return nil, err
	}
	return g.add(&GraphNode{typ: GraphNodeMemFree, mem: gm}, deps)
}

// freeTarget finds the graph memory at ptr and makes sure g does not free
// it already.
func (g *Graph) freeTarget(rt *Runtime, ptr DevicePtr, what string) (*graphMem, error) {
	a := rt.ptrs.find(uint64(ptr))
	if a == nil || a.graph == nil {
		return nil, fmt.Errorf("streaming: %s %#x: not memory of a memory allocation node: %w", what, uint64(ptr), ErrInvalidValue)
	}
	if a.base != uint64(ptr) {
		return nil, fmt.Errorf("streaming: %s %#x: points inside the graph allocation at %#x, not at its start: %w", what, uint64(ptr), a.base, ErrInvalidValue)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.nodes {
		if n.typ == GraphNodeMemFree && n.mem == a.graph {
			return nil, fmt.Errorf("streaming: %s %#x: the graph frees it already: %w", what, uint64(ptr), ErrInvalidValue)
		}
	}
	return a.graph, nil
}

// MemAllocParams returns an allocation node's parameters
// (cuGraphMemAllocNodeGetParams).
func (n *GraphNode) MemAllocParams() (MemAllocNodeParams, error) {
	if n.typ != GraphNodeMemAlloc {
		return MemAllocNodeParams{}, fmt.Errorf("streaming: memory allocation params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	return MemAllocNodeParams{Device: n.mem.dev, Size: n.mem.a.size, Ptr: DevicePtr(n.mem.a.base)}, nil
}

// MemFreeAddress returns the address a free node frees
// (cuGraphMemFreeNodeGetParams).
func (n *GraphNode) MemFreeAddress() (DevicePtr, error) {
	if n.typ != GraphNodeMemFree {
		return 0, fmt.Errorf("streaming: memory free address of a %v node: %w", n.typ, ErrInvalidValue)
	}
	return DevicePtr(n.mem.a.base), nil
}

// hasMemNodes reports whether g (not its child graphs, which cannot have
// any) has memory nodes. The caller holds g.mu.
func (g *Graph) hasMemNodesLocked() bool {
	for _, n := range g.nodes {
		if n.typ == GraphNodeMemAlloc || n.typ == GraphNodeMemFree {
			return true
		}
	}
	return false
}

// GraphMemAttribute is a graph memory attribute of a device
// (CUgraphMem_attribute's values).
type GraphMemAttribute int

// Graph memory attributes.
const (
	GraphMemUsedMemCurrent     GraphMemAttribute = 0 // bytes allocated by launches and not freed
	GraphMemUsedMemHigh        GraphMemAttribute = 1
	GraphMemReservedMemCurrent GraphMemAttribute = 2 // bytes reserved by allocation nodes
	GraphMemReservedMemHigh    GraphMemAttribute = 3
)

// GraphMemAttribute returns a graph memory attribute of the device
// (cuDeviceGetGraphMemAttribute).
func (d *Device) GraphMemAttribute(attr GraphMemAttribute) (uint64, error) {
	switch attr {
	case GraphMemUsedMemCurrent:
		return d.graphMemUsed.Load(), nil
	case GraphMemUsedMemHigh:
		return d.graphMemUsedHigh.Load(), nil
	case GraphMemReservedMemCurrent:
		return d.graphMemReserved.Load(), nil
	case GraphMemReservedMemHigh:
		return d.graphMemReservedHigh.Load(), nil
	}
	return 0, fmt.Errorf("streaming: graph memory attribute %d: %w", attr, ErrInvalidValue)
}

// SetGraphMemAttribute resets a high-water mark to the current value (v
// must be 0) (cuDeviceSetGraphMemAttribute).
func (d *Device) SetGraphMemAttribute(attr GraphMemAttribute, v uint64) error {
	if v != 0 {
		return fmt.Errorf("streaming: graph memory attribute %d can only be reset to 0, not %d: %w", attr, v, ErrInvalidValue)
	}
	switch attr {
	case GraphMemUsedMemHigh:
		d.graphMemUsedHigh.Store(d.graphMemUsed.Load())
	case GraphMemReservedMemHigh:
		d.graphMemReservedHigh.Store(d.graphMemReserved.Load())
	default:
		return fmt.Errorf("streaming: graph memory attribute %d cannot be set: %w", attr, ErrInvalidValue)
	}
	return nil
}

// GraphMemTrim releases graph memory the device caches for graphs
// (cuDeviceGraphMemTrim). Graph memory here is reserved per allocation
// node and released with the last graph, exec or allocation that holds
// it, so no memory is cached apart from them and there is nothing to
// release; the call waits for the device's work, as CUDA's does.
func (d *Device) GraphMemTrim() error {
	done, err := d.rt.holdDrivers("graph memory trim")
	if err != nil {
		return err
	}
	defer done()
	d.drainAll()
	return nil
}

// memPlan is what an exec knows of the graph memory its graph allocates
// and frees.
type memPlan struct {
	allocs []*graphMem // allocated by the graph
	frees  []*graphMem // freed by the graph
	keep   []*graphMem // allocated and not freed by the graph: live after a launch
	drop   []*graphMem // freed by the graph but allocated elsewhere
}

func contains(list []*graphMem, gm *graphMem) bool {
	for _, m := range list {
		if m == gm {
			return true
		}
	}
	return false
}

// memPlanOf collects g's memory nodes. The caller holds no locks.
func memPlanOf(g *Graph) memPlan {
	g.mu.Lock()
	defer g.mu.Unlock()
	var p memPlan
	for _, n := range g.nodes {
		switch n.typ {
		case GraphNodeMemAlloc:
			p.allocs = append(p.allocs, n.mem)
		case GraphNodeMemFree:
			p.frees = append(p.frees, n.mem)
		}
	}
	for _, gm := range p.allocs {
		if !contains(p.frees, gm) {
			p.keep = append(p.keep, gm)
		}
	}
	for _, gm := range p.frees {
		if !contains(p.allocs, gm) {
			p.drop = append(p.drop, gm)
		}
	}
	return p
}

// claim makes x the one exec of the graph memory its graph allocates.
func (p *memPlan) claim(x *GraphExec) error {
	for i, gm := range p.allocs {
		gm.mu.Lock()
		if gm.exec != nil || gm.released {
			gm.mu.Unlock()
			for _, m := range p.allocs[:i] {
				m.mu.Lock()
				m.exec = nil
				m.refs--
				m.mu.Unlock()
			}
			if gm.released {
				return fmt.Errorf("streaming: instantiate: the memory of allocation node %#x was released: %w", gm.a.base, ErrInvalidValue)
			}
			return fmt.Errorf("streaming: instantiate: a graph with memory allocation nodes has at most one exec at a time (destroy the exec of allocation %#x first): %w", gm.a.base, ErrInvalidValue)
		}
		gm.exec = x
		gm.refs++
		gm.mu.Unlock()
	}
	return nil
}

// release gives x's hold on its graph memory back (exec destruction).
func (p *memPlan) release(x *GraphExec) {
	for _, gm := range p.allocs {
		gm.mu.Lock()
		if gm.exec == x {
			gm.exec = nil
		}
		gm.mu.Unlock()
		gm.unref()
	}
}

// check makes sure the graph memory is in the state a launch needs: its
// allocations free, the memory it frees from elsewhere allocated. It runs
// under the exec's lock before the launch is enqueued, commit after.
func (p *memPlan) check() error {
	for _, gm := range p.allocs {
		gm.mu.Lock()
		live := gm.live
		gm.mu.Unlock()
		if live {
			return fmt.Errorf("streaming: graph launch: the memory of allocation node %#x from the previous launch is not freed yet (free it with FreeAsync, Free or a free node first): %w", gm.a.base, ErrInvalidValue)
		}
	}
	for _, gm := range p.drop {
		gm.mu.Lock()
		live := gm.live
		gm.mu.Unlock()
		if !live {
			return fmt.Errorf("streaming: graph launch: the graph frees %#x, which is not allocated (its allocation node has not run since it was last freed): %w", gm.a.base, ErrInvalidValue)
		}
	}
	return nil
}

// commit records an enqueued launch's effect on the graph memory.
func (p *memPlan) commit() {
	for _, gm := range p.keep {
		gm.setLive(true)
	}
	for _, gm := range p.drop {
		gm.setLive(false)
	}
}

// checkMemOrder makes sure that every hal node of hg that uses graph
// memory allocated or freed in the graph is ordered after the allocation
// node and before the free node.
func checkMemOrder(hg *hal.Graph, plan []*plannedNode) error {
	type span struct{ alloc, free int }
	spans := map[*allocation]*span{}
	for _, p := range plan {
		switch p.typ {
		case GraphNodeMemAlloc:
			s := spans[p.src.mem.a]
			if s == nil {
				s = &span{-1, -1}
				spans[p.src.mem.a] = s
			}
			s.alloc = p.first
		case GraphNodeMemFree:
			s := spans[p.src.mem.a]
			if s == nil {
				s = &span{-1, -1}
				spans[p.src.mem.a] = s
			}
			s.free = p.first
		}
	}
	if len(spans) == 0 {
		return nil
	}
	// reach[i] is the set of hal nodes i depends on, itself included.
	n := len(hg.Nodes)
	words := (n + 63) / 64
	reach := make([][]uint64, n)
	for i, hn := range hg.Nodes {
		r := make([]uint64, words)
		r[i/64] |= 1 << (i % 64)
		for _, d := range hn.Deps {
			for w := range r {
				r[w] |= reach[d][w]
			}
		}
		reach[i] = r
	}
	before := func(a, b int) bool { return reach[b][a/64]&(1<<(a%64)) != 0 }
	for _, p := range plan {
		for _, ref := range p.refs {
			s := spans[ref.a]
			if s == nil {
				continue
			}
			for h := p.first; h < p.first+p.count; h++ {
				if s.alloc >= 0 && !before(s.alloc, h) {
					return fmt.Errorf("streaming: a %v node uses graph memory %#x but is not ordered after its allocation node: %w", p.typ, ref.a.base, ErrInvalidValue)
				}
				if s.free >= 0 && (h == s.free || !before(h, s.free)) {
					return fmt.Errorf("streaming: a %v node uses graph memory %#x but is not ordered before its free node (use after free): %w", p.typ, ref.a.base, ErrInvalidValue)
				}
			}
		}
	}
	for a, s := range spans {
		if s.alloc >= 0 && s.free >= 0 && !before(s.alloc, s.free) {
			return fmt.Errorf("streaming: the free node of graph memory %#x is not ordered after its allocation node: %w", a.base, ErrInvalidValue)
		}
	}
	return nil
}

// mallocCaptured records MallocAsync on a capturing stream as an
// allocation node of the capture graph.
func (c *capture) mallocCaptured(s *Stream, dev *Device, size uint64) (DevicePtr, error) {
	gm, err := dev.newGraphMem(size, "captured malloc async")
	if err != nil {
		c.invalidate(err.Error())
		return 0, err
	}
	if err := c.addMemNode(s, "malloc async", &GraphNode{typ: GraphNodeMemAlloc, mem: gm}); err != nil {
		gm.unref()
		return 0, err
	}
	return DevicePtr(gm.a.base), nil
}

// freeCaptured records FreeAsync on a capturing stream as a free node:
// only graph memory can be freed in a graph.
func (c *capture) freeCaptured(s *Stream, ptr DevicePtr) error {
	gm, err := c.graph.freeTarget(c.rt, ptr, "captured free async")
	if err != nil {
		c.invalidate(err.Error())
		return err
	}
	return c.addMemNode(s, "free async", &GraphNode{typ: GraphNodeMemFree, mem: gm})
}

// addMemNode appends a memory node to the capture graph after s's
// frontier.
func (c *capture) addMemNode(s *Stream, what string, n *GraphNode) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return fmt.Errorf("streaming: %s: the capture of %v ended concurrently: %w", what, s, ErrCaptureInvalidated)
	}
	if c.err != nil {
		return fmt.Errorf("streaming: %s: %w", what, c.err)
	}
	n.g = c.graph
	n.deps = append([]*GraphNode(nil), c.frontiers[s]...)
	c.graph.mu.Lock()
	c.graph.nodes = append(c.graph.nodes, n)
	c.graph.mu.Unlock()
	c.frontiers[s] = []*GraphNode{n}
	return nil
}

// freeGraphMemAsync is FreeAsync of graph memory outside a graph: the
// memory a launch allocated is freed in s's order.
func (s *Stream) freeGraphMemAsync(a *allocation) error {
	gm := a.graph
	gm.mu.Lock()
	live := gm.live
	gm.mu.Unlock()
	if !live {
		return fmt.Errorf("streaming: free async %#x: graph memory that is not allocated (no launch of its graph allocated it since it was last freed): %w", a.base, ErrInvalidValue)
	}
	if err := s.ctx.check("free async"); err != nil {
		return err
	}
	// The memory stays reserved for its graph; once s reaches the free
	// it may be allocated again by the graph's next launch. A release of
	// the last hold waits for the device (unref drains it).
	gm.setLive(false)
	return nil
}

// freeGraphMem is Free of graph memory: it waits for the device's work,
// then frees the memory a launch allocated.
func (c *Context) freeGraphMem(a *allocation) error {
	gm := a.graph
	gm.mu.Lock()
	live := gm.live
	gm.mu.Unlock()
	if !live {
		return fmt.Errorf("streaming: free %#x: graph memory that is not allocated (no launch of its graph allocated it since it was last freed): %w", a.base, ErrInvalidValue)
	}
	done, err := c.rt.holdDrivers("free")
	if err != nil {
		return err
	}
	a.dev.drainAll()
	done()
	gm.setLive(false)
	return nil
}
