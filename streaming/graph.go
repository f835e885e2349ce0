package streaming

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/streamhal/streamhal/hal"
)

var backgroundCtx = context.Background()

// GraphNodeType is the kind of a graph node (CUgraphNodeType's values).
type GraphNodeType int

// Node types.
const (
	GraphNodeKernel      GraphNodeType = 0
	GraphNodeMemcpy      GraphNodeType = 1
	GraphNodeMemset      GraphNodeType = 2
	GraphNodeHost        GraphNodeType = 3
	GraphNodeGraph       GraphNodeType = 4
	GraphNodeEmpty       GraphNodeType = 5
	GraphNodeWaitEvent   GraphNodeType = 6
	GraphNodeEventRecord GraphNodeType = 7
)

func (t GraphNodeType) String() string {
	switch t {
	case GraphNodeKernel:
		return "kernel"
	case GraphNodeMemcpy:
		return "memcpy"
	case GraphNodeMemset:
		return "memset"
	case GraphNodeHost:
		return "host"
	case GraphNodeGraph:
		return "child graph"
	case GraphNodeEmpty:
		return "empty"
	case GraphNodeWaitEvent:
		return "event wait"
	case GraphNodeEventRecord:
		return "event record"
	case GraphNodeMemAlloc:
		return "memory allocation"
	case GraphNodeMemFree:
		return "memory free"
	}
	return fmt.Sprintf("GraphNodeType(%d)", int(t))
}

// KernelNodeParams are a kernel node's parameters; Args is the packed
// argument buffer (see PackArgs).
type KernelNodeParams struct {
	Function *Function
	Config   LaunchConfig
	Args     []byte
}

// MemsetNodeParams describe a 2-D memset: Height rows of Width elements of
// ElementSize (1, 2 or 4) bytes, rows Pitch bytes apart (cuMemsetD2D*).
type MemsetNodeParams struct {
	Dst         DevicePtr
	Value       uint32
	ElementSize int
	Width       uint64
	Height      uint64
	Pitch       uint64
}

// MemcpyNodeParams describe a 1-D copy between addresses the runtime knows.
type MemcpyNodeParams struct {
	Dst, Src DevicePtr
	// Size is the bytes of a 1-D copy, or of each row of a 2-D or 3-D one
	// (CUDA_MEMCPY3D's WidthInBytes).
	Size uint64
	// A pitched (2-D or 3-D) copy between linear memory (memcpy3d.go):
	// Depth slices (0 counts as 1) of Height rows (0 counts as 1) of
	// Size bytes; rows DstPitch and SrcPitch bytes apart (0: Size), slices
	// DstHeight and SrcHeight rows apart (0: Height).
	Height, Depth        uint64
	DstPitch, SrcPitch   uint64
	DstHeight, SrcHeight uint64
}

// GraphNode is one node of a Graph.
type GraphNode struct {
	g    *Graph
	typ  GraphNodeType
	deps []*GraphNode

	kernel KernelNodeParams
	memcpy MemcpyNodeParams
	memset MemsetNodeParams
	host   func()
	event  *Event
	child  *Graph
	mem    *graphMem // memory allocation and free nodes

	// bound are, for a kernel node, the allocations its pointer
	// arguments resolved to when it was added (or captured) or its
	// parameters set. Instantiate and Update refuse the node once one of
	// them was freed, also when the address resolves again: allocators
	// hand a freed address to the next allocation (CUDA's at once, and
	// back to back with the allocation before it), and a kernel may be
	// given an address one past the end of an allocation, so an address
	// check alone would pass a freed buffer that now starts where a live
	// one ends. Copy and memset nodes need no binding: their whole range
	// must lie inside one live allocation when they are instantiated.
	bound []addrRef
}

// Type is the node's kind.
func (n *GraphNode) Type() GraphNodeType { return n.typ }

// Graph is the node's graph.
func (n *GraphNode) Graph() *Graph { return n.g }

// Dependencies lists the nodes n depends on.
func (n *GraphNode) Dependencies() []*GraphNode {
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	return append([]*GraphNode(nil), n.deps...)
}

// Dependents lists the nodes that depend on n.
func (n *GraphNode) Dependents() []*GraphNode {
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	var out []*GraphNode
	for _, m := range n.g.nodes {
		for _, d := range m.deps {
			if d == n {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// KernelParams returns a kernel node's parameters.
func (n *GraphNode) KernelParams() (KernelNodeParams, error) {
	if n.typ != GraphNodeKernel {
		return KernelNodeParams{}, fmt.Errorf("streaming: kernel params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	p := n.kernel
	p.Args = append([]byte(nil), p.Args...)
	return p, nil
}

// MemcpyParams returns a memcpy node's parameters.
func (n *GraphNode) MemcpyParams() (MemcpyNodeParams, error) {
	if n.typ != GraphNodeMemcpy {
		return MemcpyNodeParams{}, fmt.Errorf("streaming: memcpy params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	return n.memcpy, nil
}

// MemsetParams returns a memset node's parameters.
func (n *GraphNode) MemsetParams() (MemsetNodeParams, error) {
	if n.typ != GraphNodeMemset {
		return MemsetNodeParams{}, fmt.Errorf("streaming: memset params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	return n.memset, nil
}

// SetKernelParams replaces a kernel node's parameters in the graph
// (cuGraphKernelNodeSetParams); instantiated graphs keep theirs.
func (n *GraphNode) SetKernelParams(p KernelNodeParams) error {
	if n.typ != GraphNodeKernel {
		return fmt.Errorf("streaming: set kernel params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	if err := checkKernelParams(&p); err != nil {
		return err
	}
	bound, err := checkNodeArgs(p.Function, p.Args, nil)
	if err != nil {
		return err
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	p.Args = append([]byte(nil), p.Args...)
	n.kernel = p
	n.bound = bound
	return nil
}

// SetMemcpyParams replaces a memcpy node's parameters in the graph.
func (n *GraphNode) SetMemcpyParams(p MemcpyNodeParams) error {
	if n.typ != GraphNodeMemcpy {
		return fmt.Errorf("streaming: set memcpy params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	n.memcpy = p
	return nil
}

// SetMemsetParams replaces a memset node's parameters in the graph.
func (n *GraphNode) SetMemsetParams(p MemsetNodeParams) error {
	if n.typ != GraphNodeMemset {
		return fmt.Errorf("streaming: set memset params of a %v node: %w", n.typ, ErrInvalidValue)
	}
	if err := checkMemset(&p); err != nil {
		return err
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	n.memset = p
	return nil
}

// SetHostFunc replaces a host node's function in the graph.
func (n *GraphNode) SetHostFunc(fn func()) error {
	if n.typ != GraphNodeHost || fn == nil {
		return fmt.Errorf("streaming: set host func of a %v node: %w", n.typ, ErrInvalidValue)
	}
	n.g.mu.Lock()
	defer n.g.mu.Unlock()
	n.host = fn
	return nil
}

// Graph is a DAG of operations recorded once and launched many times
// (a CUgraph), built by Add*Node calls or by stream capture. It is safe for
// concurrent use.
type Graph struct {
	mu        sync.Mutex
	nodes     []*GraphNode
	destroyed bool
}

// NewGraph creates an empty graph (cuGraphCreate).
func NewGraph() *Graph { return &Graph{} }

// Nodes lists the graph's nodes in the order they were added.
func (g *Graph) Nodes() []*GraphNode {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*GraphNode(nil), g.nodes...)
}

// RootNodes lists the nodes without dependencies.
func (g *Graph) RootNodes() []*GraphNode {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*GraphNode
	for _, n := range g.nodes {
		if len(n.deps) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// Edges lists every dependency as a (from, to) pair: to depends on from.
func (g *Graph) Edges() (from, to []*GraphNode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.nodes {
		for _, d := range n.deps {
			from = append(from, d)
			to = append(to, n)
		}
	}
	return from, to
}

func (g *Graph) checkDeps(deps []*GraphNode) error {
	seen := map[*GraphNode]bool{}
	for i, d := range deps {
		if d == nil || d.g != g {
			return fmt.Errorf("streaming: dependency %d is not a node of this graph: %w", i, ErrInvalidValue)
		}
		if seen[d] {
			return fmt.Errorf("streaming: dependency %d is listed twice: %w", i, ErrInvalidValue)
		}
		seen[d] = true
	}
	return nil
}

func (g *Graph) add(n *GraphNode, deps []*GraphNode) (*GraphNode, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return nil, fmt.Errorf("streaming: add a %v node to a destroyed graph: %w", n.typ, ErrInvalidHandle)
	}
	if err := g.checkDeps(deps); err != nil {
		return nil, err
	}
	n.g = g
	n.deps = append([]*GraphNode(nil), deps...)
	g.nodes = append(g.nodes, n)
	return n, nil
}

func checkKernelParams(p *KernelNodeParams) error {
	if p.Function == nil {
		return fmt.Errorf("streaming: kernel node without a function: %w", ErrInvalidValue)
	}
	b, gr := p.Config.Block, p.Config.Grid
	if b.X == 0 || b.Y == 0 || b.Z == 0 || gr.X == 0 || gr.Y == 0 || gr.Z == 0 {
		return fmt.Errorf("streaming: kernel node %s: grid %v, block %v: every dimension must be at least 1: %w", p.Function.Name(), gr, b, ErrInvalidValue)
	}
	return checkArgBuffer("kernel node", p.Function, p.Args)
}

func checkMemset(p *MemsetNodeParams) error {
	if p.ElementSize != 1 && p.ElementSize != 2 && p.ElementSize != 4 {
		return fmt.Errorf("streaming: memset node element size %d: want 1, 2 or 4: %w", p.ElementSize, ErrInvalidValue)
	}
	if p.Height > 1 && p.Pitch < p.Width*uint64(p.ElementSize) {
		return fmt.Errorf("streaming: memset node pitch %d is less than the row of %d bytes: %w", p.Pitch, p.Width*uint64(p.ElementSize), ErrInvalidValue)
	}
	return nil
}

// AddKernelNode adds a kernel launch, packing args as Stream.Launch does
// (cuGraphAddKernelNode). Pointer arguments are checked as a launch checks
// them, and the node keeps the allocations they point into: Instantiate
// and Update refuse the node once one of them is freed (even when new
// memory has taken its address; set the node's parameters again to use
// it), and a launch of the exec checks them once more if memory was freed
// since.
func (g *Graph) AddKernelNode(deps []*GraphNode, f *Function, cfg LaunchConfig, args ...any) (*GraphNode, error) {
	if f == nil {
		return nil, fmt.Errorf("streaming: kernel node without a function: %w", ErrInvalidValue)
	}
	buf, err := PackArgs(f.params, args...)
	if err != nil {
		return nil, fmt.Errorf("streaming: kernel node %s: %w", f.Name(), err)
	}
	return g.addKernelNode(deps, KernelNodeParams{Function: f, Config: cfg, Args: buf}, args)
}

// AddKernelNodeParams adds a kernel launch with a packed argument buffer.
func (g *Graph) AddKernelNodeParams(deps []*GraphNode, p KernelNodeParams) (*GraphNode, error) {
	p.Args = append([]byte(nil), p.Args...)
	return g.addKernelNode(deps, p, nil)
}

// addKernelNode checks p (and the Go values its buffer was packed from,
// when there were any) and adds the node.
func (g *Graph) addKernelNode(deps []*GraphNode, p KernelNodeParams, args []any) (*GraphNode, error) {
	if err := checkKernelParams(&p); err != nil {
		return nil, err
	}
	bound, err := checkNodeArgs(p.Function, p.Args, args)
	if err != nil {
		return nil, err
	}
	return g.add(&GraphNode{typ: GraphNodeKernel, kernel: p, bound: bound}, deps)
}

// AddMemcpyNode adds a copy of n bytes (cuGraphAddMemcpyNode); the
// addresses are checked when the graph is instantiated.
func (g *Graph) AddMemcpyNode(deps []*GraphNode, dst, src DevicePtr, n uint64) (*GraphNode, error) {
	return g.add(&GraphNode{typ: GraphNodeMemcpy, memcpy: MemcpyNodeParams{Dst: dst, Src: src, Size: n}}, deps)
}

// AddMemsetNode adds a memset (cuGraphAddMemsetNode).
func (g *Graph) AddMemsetNode(deps []*GraphNode, p MemsetNodeParams) (*GraphNode, error) {
	if err := checkMemset(&p); err != nil {
		return nil, err
	}
	return g.add(&GraphNode{typ: GraphNodeMemset, memset: p}, deps)
}

// AddHostNode adds a host function call (cuGraphAddHostNode).
func (g *Graph) AddHostNode(deps []*GraphNode, fn func()) (*GraphNode, error) {
	if fn == nil {
		return nil, fmt.Errorf("streaming: host node with a nil function: %w", ErrInvalidValue)
	}
	return g.add(&GraphNode{typ: GraphNodeHost, host: fn}, deps)
}

// AddEmptyNode adds a node that only joins its dependencies
// (cuGraphAddEmptyNode).
func (g *Graph) AddEmptyNode(deps []*GraphNode) (*GraphNode, error) {
	return g.add(&GraphNode{typ: GraphNodeEmpty}, deps)
}

// AddEventRecordNode adds a record of e (cuGraphAddEventRecordNode).
func (g *Graph) AddEventRecordNode(deps []*GraphNode, e *Event) (*GraphNode, error) {
	if e == nil {
		return nil, fmt.Errorf("streaming: event record node with a nil event: %w", ErrInvalidHandle)
	}
	return g.add(&GraphNode{typ: GraphNodeEventRecord, event: e}, deps)
}

// AddEventWaitNode adds a wait for e (cuGraphAddEventWaitNode).
func (g *Graph) AddEventWaitNode(deps []*GraphNode, e *Event) (*GraphNode, error) {
	if e == nil {
		return nil, fmt.Errorf("streaming: event wait node with a nil event: %w", ErrInvalidHandle)
	}
	return g.add(&GraphNode{typ: GraphNodeWaitEvent, event: e}, deps)
}

// AddChildGraphNode embeds a copy of child (cuGraphAddChildGraphNode): later
// changes to child do not affect g.
func (g *Graph) AddChildGraphNode(deps []*GraphNode, child *Graph) (*GraphNode, error) {
	if child == nil || child == g {
		return nil, fmt.Errorf("streaming: child graph node: invalid child graph: %w", ErrInvalidValue)
	}
	child.mu.Lock()
	mem := child.hasMemNodesLocked()
	child.mu.Unlock()
	if mem {
		return nil, fmt.Errorf("streaming: child graph node: a graph with memory allocation or free nodes cannot be a child graph: %w", ErrNotSupported)
	}
	c, err := child.Clone()
	if err != nil {
		return nil, err
	}
	return g.add(&GraphNode{typ: GraphNodeGraph, child: c}, deps)
}

// ChildGraph returns a child graph node's embedded graph.
func (n *GraphNode) ChildGraph() (*Graph, error) {
	if n.typ != GraphNodeGraph {
		return nil, fmt.Errorf("streaming: child graph of a %v node: %w", n.typ, ErrInvalidValue)
	}
	return n.child, nil
}

// AddDependencies makes each to[i] depend on from[i] (cuGraphAddDependencies).
func (g *Graph) AddDependencies(from, to []*GraphNode) error {
	if len(from) != len(to) {
		return fmt.Errorf("streaming: add dependencies: %d sources for %d targets: %w", len(from), len(to), ErrInvalidValue)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range from {
		if from[i] == nil || to[i] == nil || from[i].g != g || to[i].g != g || from[i] == to[i] {
			return fmt.Errorf("streaming: add dependency %d: nodes not of this graph: %w", i, ErrInvalidValue)
		}
		for _, d := range to[i].deps {
			if d == from[i] {
				return fmt.Errorf("streaming: add dependency %d: it exists already: %w", i, ErrInvalidValue)
			}
		}
	}
	for i := range from {
		to[i].deps = append(to[i].deps, from[i])
	}
	return nil
}

// RemoveDependencies removes each dependency of to[i] on from[i].
func (g *Graph) RemoveDependencies(from, to []*GraphNode) error {
	if len(from) != len(to) {
		return fmt.Errorf("streaming: remove dependencies: %d sources for %d targets: %w", len(from), len(to), ErrInvalidValue)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range from {
		if to[i] == nil || to[i].g != g {
			return fmt.Errorf("streaming: remove dependency %d: not a node of this graph: %w", i, ErrInvalidValue)
		}
		found := false
		for j, d := range to[i].deps {
			if d == from[i] {
				to[i].deps = append(to[i].deps[:j:j], to[i].deps[j+1:]...)
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("streaming: remove dependency %d: no such edge: %w", i, ErrInvalidValue)
		}
	}
	return nil
}

// DestroyNode removes a node and its edges (cuGraphDestroyNode).
func (g *Graph) DestroyNode(n *GraphNode) error {
	owned, err := g.destroyNode(n)
	if err != nil {
		return err
	}
	if owned && n.typ == GraphNodeMemAlloc {
		// Outside the graph's lock: the last release waits for the
		// device.
		n.mem.unref()
	}
	return nil
}

// destroyNode removes n; owned says the graph still held its resources
// (it was not destroyed).
func (g *Graph) destroyNode(n *GraphNode) (owned bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	idx := -1
	for i, m := range g.nodes {
		if m == n {
			idx = i
		}
	}
	if idx < 0 {
		return false, fmt.Errorf("streaming: destroy node: not a node of this graph: %w", ErrInvalidValue)
	}
	g.nodes = append(g.nodes[:idx:idx], g.nodes[idx+1:]...)
	for _, m := range g.nodes {
		out := m.deps[:0]
		for _, d := range m.deps {
			if d != n {
				out = append(out, d)
			}
		}
		m.deps = out
	}
	n.g = nil
	return !g.destroyed, nil
}

// Clone copies the graph (cuGraphClone).
func (g *Graph) Clone() (*Graph, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return nil, fmt.Errorf("streaming: clone a destroyed graph: %w", ErrInvalidHandle)
	}
	c := &Graph{}
	m := map[*GraphNode]*GraphNode{}
	for _, n := range g.nodes {
		cp := *n
		cp.g = c
		cp.kernel.Args = append([]byte(nil), n.kernel.Args...)
		if n.child != nil {
			child, err := n.child.Clone()
			if err != nil {
				return nil, err
			}
			cp.child = child
		}
		cp.deps = nil
		if n.typ == GraphNodeMemAlloc {
			n.mem.ref() // the copy holds the same memory
		}
		m[n] = &cp
		c.nodes = append(c.nodes, &cp)
	}
	for _, n := range g.nodes {
		for _, d := range n.deps {
			m[n].deps = append(m[n].deps, m[d])
		}
	}
	return c, nil
}

// Destroy releases the graph (cuGraphDestroy); instantiated graphs are
// unaffected.
func (g *Graph) Destroy() error {
	g.mu.Lock()
	if g.destroyed {
		g.mu.Unlock()
		return fmt.Errorf("streaming: graph already destroyed: %w", ErrInvalidHandle)
	}
	g.destroyed = true
	var mems []*graphMem
	for _, n := range g.nodes {
		if n.typ == GraphNodeMemAlloc {
			mems = append(mems, n.mem)
		}
	}
	g.mu.Unlock()
	// Outside the lock: the last release of graph memory waits for the
	// device.
	for _, m := range mems {
		m.unref()
	}
	return nil
}

// topoOrder returns the nodes in a dependency-respecting order, or an error
// naming a cycle.
func (g *Graph) topoOrder() ([]*GraphNode, error) {
	indeg := map[*GraphNode]int{}
	succ := map[*GraphNode][]*GraphNode{}
	for _, n := range g.nodes {
		indeg[n] += 0
		for _, d := range n.deps {
			indeg[n]++
			succ[d] = append(succ[d], n)
		}
	}
	var order, ready []*GraphNode
	for _, n := range g.nodes {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, s := range succ[n] {
			if indeg[s]--; indeg[s] == 0 {
				ready = append(ready, s)
			}
		}
	}
	if len(order) != len(g.nodes) {
		return nil, fmt.Errorf("streaming: the graph has a cycle (%d of %d nodes are on or behind it): %w", len(g.nodes)-len(order), len(g.nodes), ErrInvalidValue)
	}
	return order, nil
}

// GraphExec is an instantiated graph: compiled once to the driver's native
// form (a CUDA graph, Vulkan command buffers, a CPU task DAG), launched many
// times (a CUgraphExec).
type GraphExec struct {
	ctx *Context
	hal hal.GraphExec
	src *Graph // a copy of the source graph (for capture of launches)

	mu     sync.Mutex // serializes launches and changes of the exec
	closed bool
	plan   []*plannedNode // the source graph's nodes, flattened, in order
	// checkedFrees is the pointer table's count of frees when the
	// addresses the nodes use were last checked (see checkRefs).
	checkedFrees uint64
	mem          memPlan // the graph memory the graph allocates and frees
}

// plannedNode maps one node of the (flattened) source graph onto the hal
// nodes that implement it.
type plannedNode struct {
	src   *GraphNode
	path  []int // position of src in nested child graphs, for ExecUpdate
	first int   // index of its first hal node
	count int   // number of hal nodes
	deps  []int // hal dependencies of its hal nodes
	typ   GraphNodeType
	refs  []addrRef // the addresses its hal nodes use
}

// Instantiate compiles g for the context's device (cuGraphInstantiate): it
// validates the DAG (cycles, node parameters, addresses) and precomputes the
// schedule.
func (c *Context) Instantiate(g *Graph) (*GraphExec, error) {
	// A destroyed context is its own error, also after Runtime.Close.
	if err := c.check("instantiate graph"); err != nil {
		return nil, err
	}
	done, err := c.rt.holdDrivers("instantiate graph")
	if err != nil {
		return nil, err
	}
	defer done()
	if err := c.check("instantiate graph"); err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("streaming: instantiate a nil graph: %w", ErrInvalidValue)
	}
	hg, plan, frees, err := c.compile(g)
	if err != nil {
		return nil, err
	}
	if err := checkMemOrder(hg, plan); err != nil {
		return nil, err
	}
	hx, err := c.dev.hal.Instantiate(hg)
	if err != nil {
		return nil, fmt.Errorf("streaming: instantiate graph of %d nodes: %w", len(hg.Nodes), err)
	}
	src, err := g.Clone()
	if err != nil {
		hx.Close()
		return nil, err
	}
	x := &GraphExec{ctx: c, hal: hx, plan: plan, src: src, checkedFrees: frees, mem: memPlanOf(g)}
	if err := x.mem.claim(x); err != nil {
		hx.Close()
		src.Destroy()
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		hx.Close()
		x.mem.release(x)
		src.Destroy()
		return nil, fmt.Errorf("streaming: instantiate graph: context destroyed: %w", ErrInvalidContext)
	}
	c.graphs[x] = true
	return x, nil
}

// compile flattens g (child graphs inlined) into a hal.Graph, checking
// every address its nodes use. It returns the pointer table's count of
// frees as of the checks.
func (c *Context) compile(g *Graph) (*hal.Graph, []*plannedNode, uint64, error) {
	t := &c.rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	hg := &hal.Graph{}
	var plan []*plannedNode
	if _, err := c.compileInto(g, hg, &plan, nil, nil); err != nil {
		return nil, nil, 0, err
	}
	return hg, plan, t.frees.Load(), nil
}

// compileInto appends g's nodes to hg, each also depending on entry (the
// hal nodes the enclosing child-graph node depends on), and returns the hal
// indices of g's sink nodes.
func (c *Context) compileInto(g *Graph, hg *hal.Graph, plan *[]*plannedNode, entry []int, path []int) ([]int, error) {
	g.mu.Lock()
	if g.destroyed {
		g.mu.Unlock()
		return nil, fmt.Errorf("streaming: instantiate a destroyed graph: %w", ErrInvalidHandle)
	}
	order, err := g.topoOrder()
	index := map[*GraphNode]int{}
	for i, n := range g.nodes {
		index[n] = i
	}
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	exits := map[*GraphNode][]int{} // hal nodes that complete each source node
	hasDependents := map[*GraphNode]bool{}
	for _, n := range order {
		for _, d := range n.deps {
			hasDependents[d] = true
		}
	}
	for _, n := range order {
		deps := append([]int(nil), entry...)
		if len(n.deps) > 0 {
			deps = deps[:0]
			for _, d := range n.deps {
				deps = append(deps, exits[d]...)
			}
		}
		p := &plannedNode{src: n, path: append(append([]int(nil), path...), index[n]), first: len(hg.Nodes), typ: n.typ, deps: deps}
		if n.typ == GraphNodeGraph {
			sinks, err := c.compileInto(n.child, hg, plan, deps, p.path)
			if err != nil {
				return nil, err
			}
			if len(sinks) == 0 {
				// An empty child graph still orders its dependents.
				hg.Nodes = append(hg.Nodes, hal.Node{Kind: hal.NodeEmpty, Deps: deps})
				sinks = []int{len(hg.Nodes) - 1}
			}
			exits[n] = sinks
			continue
		}
		nodes, err := c.halNodesLocked(n, &p.refs)
		if err != nil {
			return nil, fmt.Errorf("streaming: graph node %d (%v): %w", index[n], n.typ, err)
		}
		for i := range nodes {
			nodes[i].Deps = deps
			hg.Nodes = append(hg.Nodes, nodes[i])
			exits[n] = append(exits[n], len(hg.Nodes)-1)
		}
		p.count = len(nodes)
		*plan = append(*plan, p)
	}
	var sinks []int
	for _, n := range order {
		if !hasDependents[n] {
			sinks = append(sinks, exits[n]...)
		}
	}
	return sinks, nil
}

// halNodesLocked translates one non-child node into hal nodes (a pitched
// memset becomes one fill per row), checking the addresses they use and
// adding them to refs. The caller holds the pointer table's read lock.
func (c *Context) halNodesLocked(n *GraphNode, refs *[]addrRef) ([]hal.Node, error) {
	t := &c.rt.ptrs
	switch n.typ {
	case GraphNodeKernel:
		p := n.kernel
		if p.Function.mod.ctx.dev.hal != c.dev.hal {
			return nil, fmt.Errorf("kernel %s is loaded on device %d, the graph is instantiated on device %d: %w", p.Function.Name(), p.Function.mod.ctx.dev.ordinal, c.dev.ordinal, ErrInvalidValue)
		}
		s := c.legacy.Load()
		cfg := p.Config
		if err := s.checkLaunch(p.Function, &cfg); err != nil {
			return nil, err
		}
		for _, b := range n.bound {
			if b.a.freed.Load() {
				return nil, fmt.Errorf("%s, %#x, was freed after the node was added or its parameters set (set them again to use memory allocated since): %w", b.what, b.addr, ErrInvalidValue)
			}
		}
		if err := t.checkArgsLocked("graph kernel node", p.Function, c.dev, p.Args, nil, refs); err != nil {
			return nil, err
		}
		return []hal.Node{{Kind: hal.NodeKernel, Kernel: p.Function.k, Launch: hal.LaunchConfig{
			Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: append([]byte(nil), p.Args...), Cooperative: cfg.Cooperative,
		}}}, nil
	case GraphNodeMemcpy:
		return c.memcpyNodesLocked(n.memcpy, refs) // memcpy3d.go
	case GraphNodeMemset:
		p := n.memset
		row := p.Width * uint64(p.ElementSize)
		if row == 0 || p.Height == 0 {
			return []hal.Node{{Kind: hal.NodeEmpty}}, nil
		}
		if uint64(p.Dst)%uint64(p.ElementSize) != 0 {
			return nil, fmt.Errorf("memset node at %#x not aligned to %d bytes: %w", uint64(p.Dst), p.ElementSize, ErrInvalidValue)
		}
		pitch := p.Pitch
		if p.Height == 1 || pitch == row {
			row, pitch = row*p.Height, row*p.Height
			p.Height = 1
		}
		total := (p.Height-1)*pitch + row
		a, err := t.findRangeLocked("memset node destination", uint64(p.Dst), total)
		if err != nil {
			return nil, err
		}
		if !nativeTo(a, c.dev) {
			return nil, fmt.Errorf("memset node on %s: %w", a.owner().dev.info.Name, ErrNotSupported)
		}
		base := a.devicePtr(uint64(p.Dst))
		*refs = append(*refs, addrRef{a: a, addr: uint64(p.Dst), what: "memset node destination"})
		var nodes []hal.Node
		for r := uint64(0); r < p.Height; r++ {
			nodes = append(nodes, hal.Node{Kind: hal.NodeFill, Dst: base + r*pitch, Size: row, Pattern: p.Value, PatternSize: p.ElementSize})
		}
		return nodes, nil
	case GraphNodeHost:
		return []hal.Node{{Kind: hal.NodeHost, Host: n.host}}, nil
	case GraphNodeMemAlloc, GraphNodeMemFree:
		// The memory is reserved for the graph's life: the node only
		// orders the graph's uses of it (checkMemOrder) and the launch's
		// bookkeeping (memPlan).
		if n.mem.a.freed.Load() {
			return nil, fmt.Errorf("graph memory %#x was released: %w", n.mem.a.base, ErrInvalidValue)
		}
		return []hal.Node{{Kind: hal.NodeEmpty}}, nil
	case GraphNodeEmpty:
		return []hal.Node{{Kind: hal.NodeEmpty}}, nil
	case GraphNodeEventRecord, GraphNodeWaitEvent:
		e := n.event
		if err := e.check("graph event node"); err != nil {
			return nil, err
		}
		if e.ctx.dev.hal != c.dev.hal {
			if n.typ == GraphNodeEventRecord {
				return nil, fmt.Errorf("event record node with an event of device %d: %w", e.ctx.dev.ordinal, ErrInvalidValue)
			}
			he := e.hal
			return []hal.Node{{Kind: hal.NodeHost, Host: func() { he.Wait(backgroundCtx) }}}, nil
		}
		if n.typ == GraphNodeEventRecord {
			e.mu.Lock()
			e.recorded = true
			e.mu.Unlock()
			return []hal.Node{{Kind: hal.NodeEventRecord, Event: e.hal}}, nil
		}
		return []hal.Node{{Kind: hal.NodeEventWait, Event: e.hal}}, nil
	}
	return nil, fmt.Errorf("unknown node type %v: %w", n.typ, ErrInvalidValue)
}

// Launch runs the graph on s (cuGraphLaunch), after s's earlier work and
// after earlier launches of the same exec. On a capturing stream the graph
// is captured as a child graph node.
//
// When memory was freed since the exec's addresses were last checked, the
// launch checks them again: an exec whose node uses freed memory is
// ErrInvalidValue (until SetKernelNodeParams or Update points it at live
// memory), never a kernel or copy on freed memory, nor on memory allocated
// since at the same address.
func (x *GraphExec) Launch(s *Stream) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("streaming: launch of a destroyed graph exec: %w", ErrInvalidHandle)
	}
	if s == nil {
		s = x.ctx.legacy.Load()
	}
	if s.ctx.dev.hal != x.ctx.dev.hal {
		return fmt.Errorf("streaming: launch a graph instantiated on device %d on a stream of device %d: %w", x.ctx.dev.ordinal, s.ctx.dev.ordinal, ErrInvalidValue)
	}
	// As for a launch, the table's read lock is held from the check until
	// the exec is enqueued.
	t := &x.ctx.rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	if err := x.checkRefs(t); err != nil {
		return err
	}
	if s.cap.Load() != nil && (len(x.mem.allocs) > 0 || len(x.mem.frees) > 0) {
		return fmt.Errorf("streaming: the launch of a graph with memory nodes cannot be captured: %w", ErrCaptureUnsupported)
	}
	if err := x.mem.check(); err != nil {
		return err
	}
	if err := s.submitExec(x); err != nil {
		return err
	}
	x.mem.commit()
	return nil
}

// Close destroys the exec (cuGraphExecDestroy); pending launches complete.
func (x *GraphExec) Close() error {
	done, err := x.ctx.rt.holdDrivers("destroy graph exec")
	if err != nil {
		x.mu.Lock()
		closed := x.closed
		x.mu.Unlock()
		if closed {
			return errGone("graph exec already destroyed") // by Runtime.Close
		}
		return err
	}
	defer done()
	x.ctx.mu.Lock()
	delete(x.ctx.graphs, x)
	x.ctx.mu.Unlock()
	return x.destroy()
}

func (x *GraphExec) destroy() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errGone("graph exec already destroyed")
	}
	x.closed = true
	x.mem.release(x)
	x.src.Destroy()
	return x.hal.Close()
}

// GraphExecUpdateResult says why an update was refused
// (CUgraphExecUpdateResult's values).
type GraphExecUpdateResult int

// Update results.
const (
	GraphExecUpdateSuccess                    GraphExecUpdateResult = 0
	GraphExecUpdateFailed                     GraphExecUpdateResult = 1
	GraphExecUpdateErrorTopologyChanged       GraphExecUpdateResult = 2
	GraphExecUpdateErrorNodeTypeChanged       GraphExecUpdateResult = 3
	GraphExecUpdateErrorFunctionChanged       GraphExecUpdateResult = 4
	GraphExecUpdateErrorParametersChanged     GraphExecUpdateResult = 5
	GraphExecUpdateErrorNotSupported          GraphExecUpdateResult = 6
	GraphExecUpdateErrorUnsupportedFuncChange GraphExecUpdateResult = 7
	GraphExecUpdateErrorAttributesChanged     GraphExecUpdateResult = 8
)

// GraphExecUpdateError is returned by Update when the exec cannot take the
// new graph's parameters without a new instantiation.
type GraphExecUpdateError struct {
	Result GraphExecUpdateResult
	Node   *GraphNode // the node of the new graph that could not be applied, if any
	Reason string
}

func (e *GraphExecUpdateError) Error() string {
	return fmt.Sprintf("streaming: graph exec update refused (%d): %s", int(e.Result), e.Reason)
}

// Unwrap makes the error match ErrGraphExecUpdateFailure.
func (e *GraphExecUpdateError) Unwrap() error { return ErrGraphExecUpdateFailure }

// ErrGraphExecUpdateFailure is wrapped by every GraphExecUpdateError.
var ErrGraphExecUpdateFailure = errors.New("graph exec update failure")

// Update takes kernel arguments and launch shapes, copy and memset
// parameters, and host functions from g, which must have the topology of
// the graph x was instantiated from (cuGraphExecUpdate). When it cannot, it
// returns a *GraphExecUpdateError saying why and leaves x unchanged.
func (x *GraphExec) Update(g *Graph) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("streaming: update a destroyed graph exec: %w", ErrInvalidHandle)
	}
	hg, plan, frees, err := x.ctx.compile(g)
	if err != nil {
		return &GraphExecUpdateError{Result: GraphExecUpdateFailed, Reason: err.Error()}
	}
	if len(plan) != len(x.plan) {
		return &GraphExecUpdateError{Result: GraphExecUpdateErrorTopologyChanged, Reason: fmt.Sprintf("the graph has %d nodes, the exec %d", len(plan), len(x.plan))}
	}
	for i, p := range plan {
		o := x.plan[i]
		if p.typ != o.typ {
			return &GraphExecUpdateError{Result: GraphExecUpdateErrorNodeTypeChanged, Node: p.src, Reason: fmt.Sprintf("node %d is a %v node, was %v", i, p.typ, o.typ)}
		}
		if p.count != o.count || !sameDeps(p.deps, o.deps) {
			return &GraphExecUpdateError{Result: GraphExecUpdateErrorTopologyChanged, Node: p.src, Reason: fmt.Sprintf("node %d's dependencies changed", i)}
		}
		if p.typ == GraphNodeKernel && p.src.kernel.Function.k != o.src.kernel.Function.k {
			if p.src.kernel.Function.mod != o.src.kernel.Function.mod {
				return &GraphExecUpdateError{Result: GraphExecUpdateErrorUnsupportedFuncChange, Node: p.src, Reason: fmt.Sprintf("node %d's kernel is from another module", i)}
			}
		}
		if (p.typ == GraphNodeMemAlloc || p.typ == GraphNodeMemFree) && p.src.mem != o.src.mem {
			return &GraphExecUpdateError{Result: GraphExecUpdateErrorParametersChanged, Node: p.src, Reason: fmt.Sprintf("node %d's memory changed (memory nodes cannot be updated)", i)}
		}
		if (p.typ == GraphNodeEventRecord || p.typ == GraphNodeWaitEvent) && p.src.event != o.src.event {
			return &GraphExecUpdateError{Result: GraphExecUpdateErrorParametersChanged, Node: p.src, Reason: fmt.Sprintf("node %d's event changed", i)}
		}
	}
	// Apply, node by node; the driver refuses what it cannot patch.
	for i, p := range plan {
		for j := 0; j < p.count; j++ {
			k := p.first + j
			if err := x.hal.Update(x.plan[i].first+j, hg.Nodes[k]); err != nil {
				res := GraphExecUpdateErrorNotSupported
				if errors.Is(err, ErrInvalidValue) {
					res = GraphExecUpdateErrorParametersChanged
				}
				return &GraphExecUpdateError{Result: res, Node: p.src, Reason: fmt.Sprintf("node %d: %v", i, err)}
			}
		}
		x.plan[i].refs = p.refs
	}
	x.checkedFrees = min(x.checkedFrees, frees)
	return nil
}

// halNodesChecked is halNodesLocked under the pointer table's read lock;
// it also returns the table's count of frees as of the checks.
func (c *Context) halNodesChecked(n *GraphNode, refs *[]addrRef) ([]hal.Node, uint64, error) {
	t := &c.rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	nodes, err := c.halNodesLocked(n, refs)
	return nodes, t.frees.Load(), err
}

func sameDeps(cur, old []int) bool {
	if len(cur) != len(old) {
		return false
	}
	for i := range cur {
		if cur[i] != old[i] {
			return false
		}
	}
	return true
}

// SetKernelNodeParams changes one kernel node of the exec in place
// (cuGraphExecKernelNodeSetParams); node is a node of the graph the exec
// was instantiated from.
func (x *GraphExec) SetKernelNodeParams(node *GraphNode, p KernelNodeParams) error {
	if err := checkKernelParams(&p); err != nil {
		return err
	}
	p.Args = append([]byte(nil), p.Args...)
	tmp := &GraphNode{typ: GraphNodeKernel, kernel: p}
	return x.setNode(node, tmp)
}

// SetMemcpyNodeParams changes one memcpy node of the exec in place.
func (x *GraphExec) SetMemcpyNodeParams(node *GraphNode, p MemcpyNodeParams) error {
	return x.setNode(node, &GraphNode{typ: GraphNodeMemcpy, memcpy: p})
}

// SetMemsetNodeParams changes one memset node of the exec in place.
func (x *GraphExec) SetMemsetNodeParams(node *GraphNode, p MemsetNodeParams) error {
	if err := checkMemset(&p); err != nil {
		return err
	}
	return x.setNode(node, &GraphNode{typ: GraphNodeMemset, memset: p})
}

// SetHostNodeFunc changes one host node of the exec in place.
func (x *GraphExec) SetHostNodeFunc(node *GraphNode, fn func()) error {
	if fn == nil {
		return fmt.Errorf("streaming: set host node func: nil function: %w", ErrInvalidValue)
	}
	return x.setNode(node, &GraphNode{typ: GraphNodeHost, host: fn})
}

func (x *GraphExec) setNode(node *GraphNode, repl *GraphNode) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("streaming: set node params of a destroyed graph exec: %w", ErrInvalidHandle)
	}
	for _, p := range x.plan {
		if p.src != node {
			continue
		}
		if p.typ != repl.typ {
			return fmt.Errorf("streaming: set %v params on a %v node: %w", repl.typ, p.typ, ErrInvalidValue)
		}
		var refs []addrRef
		nodes, frees, err := x.ctx.halNodesChecked(repl, &refs)
		if err != nil {
			return err
		}
		if len(nodes) != p.count {
			return fmt.Errorf("streaming: the new %v parameters change the node's shape (%d operations, was %d); re-instantiate: %w", p.typ, len(nodes), p.count, ErrNotSupported)
		}
		for j := range nodes {
			nodes[j].Deps = p.deps // the topology is unchanged
			if err := x.hal.Update(p.first+j, nodes[j]); err != nil {
				return fmt.Errorf("streaming: set %v node params: %w", p.typ, err)
			}
		}
		p.refs = refs
		x.checkedFrees = min(x.checkedFrees, frees)
		return nil
	}
	return fmt.Errorf("streaming: the node is not part of this graph exec: %w", ErrInvalidValue)
}
