package hip

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

type (
	// Graph is a hipGraph_t: a DAG of operations, built node by node or
	// by stream capture.
	Graph = *streaming.Graph
	// GraphNode is a hipGraphNode_t.
	GraphNode = *streaming.GraphNode
	// Dim3 is dim3, a grid or block shape.
	Dim3 = streaming.Dim3
)

// Flags of hipStreamUpdateCaptureDependencies (the
// hipStreamUpdateCaptureDependenciesFlags values of hip_runtime_api.h).
const (
	HipStreamAddCaptureDependencies = 0
	HipStreamSetCaptureDependencies = 1
)

// KernelNodeParams is hipKernelNodeParams: a kernel node's function, launch
// shape and arguments, given as in ModuleLaunchKernel (KernelParams or
// Extra, not both).
type KernelNodeParams struct {
	BlockDim       Dim3
	Extra          []unsafe.Pointer
	Func           Function
	GridDim        Dim3
	KernelParams   []unsafe.Pointer
	SharedMemBytes uint32
}

// MemsetParams is hipMemsetParams: Height rows of Width elements of
// ElementSize (1, 2 or 4) bytes set to Value, rows Pitch bytes apart.
type MemsetParams struct {
	Dst         DevicePtr
	ElementSize uint32
	Height      uint64
	Pitch       uint64
	Value       uint32
	Width       uint64
}

// kernelNode translates hipKernelNodeParams: the arguments are packed now,
// by the kernel's parameter layout.
func kernelNode(p *KernelNodeParams) (streaming.KernelNodeParams, error) {
	if p == nil {
		return streaming.KernelNodeParams{}, fmt.Errorf("nil kernel node parameters: %w", streaming.ErrInvalidValue)
	}
	f := p.Func
	if f == nil {
		return streaming.KernelNodeParams{}, fmt.Errorf("kernel node without a function: %w", streaming.ErrInvalidValue)
	}
	if err := f.Err(); err != nil {
		return streaming.KernelNodeParams{}, err
	}
	if p.KernelParams != nil && p.Extra != nil {
		return streaming.KernelNodeParams{}, fmt.Errorf("kernel node %s: both kernelParams and extra given: %w", f.Name(), streaming.ErrInvalidValue)
	}
	var args []byte
	var err error
	if p.Extra != nil {
		args, err = launchExtra.Buffer(p.Extra)
	} else {
		args, err = streaming.PackParamPointers(f.Params(), p.KernelParams)
	}
	if err != nil {
		return streaming.KernelNodeParams{}, fmt.Errorf("kernel node %s: %w", f.Name(), err)
	}
	return streaming.KernelNodeParams{
		Function: f,
		Config:   streaming.LaunchConfig{Grid: p.GridDim, Block: p.BlockDim, SharedBytes: p.SharedMemBytes},
		Args:     args,
	}, nil
}

// memsetNode translates hipMemsetParams.
func memsetNode(p *MemsetParams) (streaming.MemsetNodeParams, error) {
	if p == nil {
		return streaming.MemsetNodeParams{}, fmt.Errorf("nil memset parameters: %w", streaming.ErrInvalidValue)
	}
	if p.Dst == 0 {
		return streaming.MemsetNodeParams{}, fmt.Errorf("memset node of a null pointer: %w", streaming.ErrInvalidValue)
	}
	return streaming.MemsetNodeParams{Dst: p.Dst, Value: p.Value, ElementSize: int(p.ElementSize),
		Width: p.Width, Height: max(p.Height, 1), Pitch: p.Pitch}, nil
}

// memcpyNode translates the arguments of hipGraphAddMemcpyNode1D: both
// addresses must be memory the runtime knows (device, pinned, registered or
// managed memory, or module globals); a graph cannot copy ordinary Go
// memory, which may be gone when the graph runs.
func memcpyNode(dst, src any, count uint64, kind MemcpyKind) (streaming.MemcpyNodeParams, error) {
	if (kind < HipMemcpyHostToHost || kind > HipMemcpyDefault) && kind != HipMemcpyDeviceToDeviceNoCU {
		return streaming.MemcpyNodeParams{}, fmt.Errorf("copy kind %v: %w", kind, HipErrorInvalidMemcpyDirection)
	}
	rt, err := openRuntime()
	if err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	var ps [2]DevicePtr
	for i, x := range []any{dst, src} {
		name := [2]string{"dst", "src"}[i]
		a, err := capi.Decode(name, x)
		if err != nil {
			return streaming.MemcpyNodeParams{}, err
		}
		if a.V == 0 || !a.Known(rt, max(count, 1)) {
			return streaming.MemcpyNodeParams{}, fmt.Errorf("memcpy node %s %#x: not memory of the runtime (use HostMalloc or HostRegister for host memory): %w",
				name, a.V, streaming.ErrInvalidValue)
		}
		if err := a.Needs(name, count); err != nil {
			return streaming.MemcpyNodeParams{}, err
		}
		ps[i] = DevicePtr(a.V)
	}
	return streaming.MemcpyNodeParams{Dst: ps[0], Src: ps[1], Size: count}, nil
}

// graphOf checks a Graph argument.
func graphOf(g Graph) error {
	if g == nil {
		return fmt.Errorf("%w: %w", errNilHandle, streaming.ErrInvalidValue)
	}
	return nil
}

// GraphCreate is hipGraphCreate: an empty graph. flags must be 0.
func GraphCreate(flags uint32) (Graph, error) {
	if flags != 0 {
		return nil, fail("hipGraphCreate", HipErrorInvalidValue, "flags %#x: want 0", flags)
	}
	return streaming.NewGraph(), nil
}

// GraphDestroy is hipGraphDestroy; instantiated graphs are unaffected.
func GraphDestroy(g Graph) error {
	if err := graphOf(g); err != nil {
		return ret("hipGraphDestroy", err)
	}
	return ret("hipGraphDestroy", g.Destroy())
}

// GraphClone is hipGraphClone.
func GraphClone(g Graph) (Graph, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphClone", err)
	}
	c, err := g.Clone()
	return c, ret("hipGraphClone", err)
}

// GraphAddKernelNode is hipGraphAddKernelNode. The arguments are read when
// the node is added, so the values kernelParams points to may change
// afterwards.
func GraphAddKernelNode(g Graph, deps []GraphNode, p *KernelNodeParams) (GraphNode, error) {
	const call = "hipGraphAddKernelNode"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	kp, err := kernelNode(p)
	if err != nil {
		return nil, ret(call, err)
	}
	n, err := g.AddKernelNodeParams(deps, kp)
	return n, ret(call, err)
}

// GraphAddMemcpyNode1D is hipGraphAddMemcpyNode1D: a copy of count bytes
// between two addresses of the runtime's memory.
func GraphAddMemcpyNode1D(g Graph, deps []GraphNode, dst, src any, count uint64, kind MemcpyKind) (GraphNode, error) {
	const call = "hipGraphAddMemcpyNode1D"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	mp, err := memcpyNode(dst, src, count, kind)
	if err != nil {
		return nil, ret(call, err)
	}
	n, err := g.AddMemcpyNode(deps, mp.Dst, mp.Src, mp.Size)
	return n, ret(call, err)
}

// GraphAddMemsetNode is hipGraphAddMemsetNode.
func GraphAddMemsetNode(g Graph, deps []GraphNode, p *MemsetParams) (GraphNode, error) {
	const call = "hipGraphAddMemsetNode"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	mp, err := memsetNode(p)
	if err != nil {
		return nil, ret(call, err)
	}
	n, err := g.AddMemsetNode(deps, mp)
	return n, ret(call, err)
}

// GraphAddHostNode is hipGraphAddHostNode: fn runs on a host goroutine when
// the graph reaches the node (a Go closure replaces hipHostNodeParams).
func GraphAddHostNode(g Graph, deps []GraphNode, fn func()) (GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphAddHostNode", err)
	}
	n, err := g.AddHostNode(deps, fn)
	return n, ret("hipGraphAddHostNode", err)
}

// GraphAddEmptyNode is hipGraphAddEmptyNode: a node that only joins its
// dependencies.
func GraphAddEmptyNode(g Graph, deps []GraphNode) (GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphAddEmptyNode", err)
	}
	n, err := g.AddEmptyNode(deps)
	return n, ret("hipGraphAddEmptyNode", err)
}

// GraphAddEventRecordNode is hipGraphAddEventRecordNode.
func GraphAddEventRecordNode(g Graph, deps []GraphNode, event Event) (GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphAddEventRecordNode", err)
	}
	n, err := g.AddEventRecordNode(deps, event)
	return n, ret("hipGraphAddEventRecordNode", err)
}

// GraphAddEventWaitNode is hipGraphAddEventWaitNode.
func GraphAddEventWaitNode(g Graph, deps []GraphNode, event Event) (GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphAddEventWaitNode", err)
	}
	n, err := g.AddEventWaitNode(deps, event)
	return n, ret("hipGraphAddEventWaitNode", err)
}

// GraphAddChildGraphNode is hipGraphAddChildGraphNode: it embeds a copy of
// child.
func GraphAddChildGraphNode(g Graph, deps []GraphNode, child Graph) (GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphAddChildGraphNode", err)
	}
	n, err := g.AddChildGraphNode(deps, child)
	return n, ret("hipGraphAddChildGraphNode", err)
}

// GraphAddDependencies is hipGraphAddDependencies: to[i] depends on
// from[i].
func GraphAddDependencies(g Graph, from, to []GraphNode) error {
	if err := graphOf(g); err != nil {
		return ret("hipGraphAddDependencies", err)
	}
	return ret("hipGraphAddDependencies", g.AddDependencies(from, to))
}

// GraphRemoveDependencies is hipGraphRemoveDependencies.
func GraphRemoveDependencies(g Graph, from, to []GraphNode) error {
	if err := graphOf(g); err != nil {
		return ret("hipGraphRemoveDependencies", err)
	}
	return ret("hipGraphRemoveDependencies", g.RemoveDependencies(from, to))
}

// GraphGetNodes is hipGraphGetNodes: the nodes in the order they were
// added.
func GraphGetNodes(g Graph) ([]GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphGetNodes", err)
	}
	return g.Nodes(), nil
}

// GraphGetRootNodes is hipGraphGetRootNodes: the nodes without
// dependencies.
func GraphGetRootNodes(g Graph) ([]GraphNode, error) {
	if err := graphOf(g); err != nil {
		return nil, ret("hipGraphGetRootNodes", err)
	}
	return g.RootNodes(), nil
}

// GraphGetEdges is hipGraphGetEdges: to[i] depends on from[i].
func GraphGetEdges(g Graph) (from, to []GraphNode, err error) {
	if err := graphOf(g); err != nil {
		return nil, nil, ret("hipGraphGetEdges", err)
	}
	from, to = g.Edges()
	return from, to, nil
}

// nodeOf checks a GraphNode argument: nil, and a node destroyed or removed
// from its graph, are invalid values.
func nodeOf(n GraphNode) error {
	if n == nil || n.Graph() == nil {
		return fmt.Errorf("graph node: nil or destroyed: %w", streaming.ErrInvalidValue)
	}
	return nil
}

// GraphDestroyNode is hipGraphDestroyNode: it removes the node and its
// edges from its graph.
func GraphDestroyNode(n GraphNode) error {
	if err := nodeOf(n); err != nil {
		return ret("hipGraphDestroyNode", err)
	}
	return ret("hipGraphDestroyNode", n.Graph().DestroyNode(n))
}

// GraphNodeGetType is hipGraphNodeGetType.
func GraphNodeGetType(n GraphNode) (GraphNodeType, error) {
	if err := nodeOf(n); err != nil {
		return 0, ret("hipGraphNodeGetType", err)
	}
	// HIP numbers node types as package streaming (and CUDA) do.
	return GraphNodeType(n.Type()), nil
}

// GraphNodeGetDependencies is hipGraphNodeGetDependencies.
func GraphNodeGetDependencies(n GraphNode) ([]GraphNode, error) {
	if err := nodeOf(n); err != nil {
		return nil, ret("hipGraphNodeGetDependencies", err)
	}
	return n.Dependencies(), nil
}

// GraphNodeGetDependentNodes is hipGraphNodeGetDependentNodes.
func GraphNodeGetDependentNodes(n GraphNode) ([]GraphNode, error) {
	if err := nodeOf(n); err != nil {
		return nil, ret("hipGraphNodeGetDependentNodes", err)
	}
	return n.Dependents(), nil
}

// GraphKernelNodeGetParams is hipGraphKernelNodeGetParams. The arguments
// come back packed, as Extra (see LaunchParamBuffer), whatever form they
// were given in.
func GraphKernelNodeGetParams(n GraphNode) (KernelNodeParams, error) {
	const call = "hipGraphKernelNodeGetParams"
	if err := nodeOf(n); err != nil {
		return KernelNodeParams{}, ret(call, err)
	}
	p, err := n.KernelParams()
	if err != nil {
		return KernelNodeParams{}, ret(call, err)
	}
	return KernelNodeParams{BlockDim: p.Config.Block, GridDim: p.Config.Grid, SharedMemBytes: p.Config.SharedBytes,
		Func: p.Function, Extra: LaunchParamBuffer(p.Args)}, nil
}

// GraphKernelNodeSetParams is hipGraphKernelNodeSetParams.
func GraphKernelNodeSetParams(n GraphNode, p *KernelNodeParams) error {
	const call = "hipGraphKernelNodeSetParams"
	if err := nodeOf(n); err != nil {
		return ret(call, err)
	}
	kp, err := kernelNode(p)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, n.SetKernelParams(kp))
}

// GraphMemsetNodeGetParams is hipGraphMemsetNodeGetParams.
func GraphMemsetNodeGetParams(n GraphNode) (MemsetParams, error) {
	const call = "hipGraphMemsetNodeGetParams"
	if err := nodeOf(n); err != nil {
		return MemsetParams{}, ret(call, err)
	}
	p, err := n.MemsetParams()
	if err != nil {
		return MemsetParams{}, ret(call, err)
	}
	return MemsetParams{Dst: p.Dst, ElementSize: uint32(p.ElementSize), Height: p.Height, Pitch: p.Pitch, Value: p.Value,
		Width: p.Width}, nil
}

// GraphMemsetNodeSetParams is hipGraphMemsetNodeSetParams.
func GraphMemsetNodeSetParams(n GraphNode, p *MemsetParams) error {
	const call = "hipGraphMemsetNodeSetParams"
	if err := nodeOf(n); err != nil {
		return ret(call, err)
	}
	mp, err := memsetNode(p)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, n.SetMemsetParams(mp))
}

// GraphMemcpyNodeSetParams1D is hipGraphMemcpyNodeSetParams1D.
func GraphMemcpyNodeSetParams1D(n GraphNode, dst, src any, count uint64, kind MemcpyKind) error {
	const call = "hipGraphMemcpyNodeSetParams1D"
	if err := nodeOf(n); err != nil {
		return ret(call, err)
	}
	mp, err := memcpyNode(dst, src, count, kind)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, n.SetMemcpyParams(mp))
}

// GraphHostNodeSetParams is hipGraphHostNodeSetParams: a new function for
// a host node.
func GraphHostNodeSetParams(n GraphNode, fn func()) error {
	if err := nodeOf(n); err != nil {
		return ret("hipGraphHostNodeSetParams", err)
	}
	return ret("hipGraphHostNodeSetParams", n.SetHostFunc(fn))
}

// GraphChildGraphNodeGetGraph is hipGraphChildGraphNodeGetGraph: the graph
// a child graph node embeds.
func GraphChildGraphNodeGetGraph(n GraphNode) (Graph, error) {
	if err := nodeOf(n); err != nil {
		return nil, ret("hipGraphChildGraphNodeGetGraph", err)
	}
	g, err := n.ChildGraph()
	return g, ret("hipGraphChildGraphNodeGetGraph", err)
}

// graphInstantiateFlags holds every hipGraphInstantiateFlags bit.
const graphInstantiateFlags = HipGraphInstantiateFlagAutoFreeOnLaunch | HipGraphInstantiateFlagUpload |
	HipGraphInstantiateFlagDeviceLaunch | HipGraphInstantiateFlagUseNodePriority

// GraphInstantiate is hipGraphInstantiate: g compiled once, in the current
// context, for the context's device. A graph with a cycle, or with
// parameters that cannot run (an address no allocation holds, a bad launch
// shape), fails here.
func GraphInstantiate(g Graph) (GraphExec, error) {
	return graphInstantiate("hipGraphInstantiate", g, 0)
}

// GraphInstantiateWithFlags is hipGraphInstantiateWithFlags. Device-side
// launch (HipGraphInstantiateFlagDeviceLaunch) is HipErrorNotSupported; the
// other flags are accepted (graphs here allocate no memory, upload at
// instantiation and ignore node priorities).
func GraphInstantiateWithFlags(g Graph, flags uint64) (GraphExec, error) {
	return graphInstantiate("hipGraphInstantiateWithFlags", g, flags)
}

func graphInstantiate(call string, g Graph, flags uint64) (GraphExec, error) {
	if flags&^graphInstantiateFlags != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: unknown bits", flags)
	}
	if flags&HipGraphInstantiateFlagDeviceLaunch != 0 {
		return nil, fail(call, HipErrorNotSupported, "device-side graph launch")
	}
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	x, err := c.Instantiate(g)
	return x, ret(call, err)
}

// GraphLaunch is hipGraphLaunch: the graph runs on stream (nil: the NULL
// stream of its context), after the stream's earlier work.
func GraphLaunch(x GraphExec, stream Stream) error {
	const call = "hipGraphLaunch"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	if stream != nil {
		if err := stream.Err(); err != nil {
			return ret(call, err)
		}
	}
	return ret(call, x.Launch(stream))
}

// GraphUpload is hipGraphUpload: a no-op once checked, since
// GraphInstantiate already readies the graph for its device.
func GraphUpload(x GraphExec, stream Stream) error {
	const call = "hipGraphUpload"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	_, err := streamOf(stream)
	return ret(call, err)
}

// GraphExecDestroy is hipGraphExecDestroy; launches in flight complete.
func GraphExecDestroy(x GraphExec) error {
	if x == nil {
		return fail("hipGraphExecDestroy", HipErrorInvalidValue, "%v", errNilHandle)
	}
	return ret("hipGraphExecDestroy", x.Close())
}

// GraphExecUpdate is hipGraphExecUpdate: it takes g's node parameters into
// x, which must have been instantiated from a graph of the same topology.
// When it cannot, it reports why (a GraphExecUpdateResult), the node of g
// at fault if any, and HipErrorGraphExecUpdateFailure, and x is unchanged.
func GraphExecUpdate(x GraphExec, g Graph) (GraphNode, GraphExecUpdateResult, error) {
	const call = "hipGraphExecUpdate"
	if x == nil || g == nil {
		return nil, HipGraphExecUpdateError, fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	err := x.Update(g)
	var ue *streaming.GraphExecUpdateError
	if errors.As(err, &ue) {
		// Package streaming numbers the results as HIP does.
		return ue.Node, GraphExecUpdateResult(ue.Result), ret(call, err, HipErrorGraphExecUpdateFailure)
	}
	if err != nil {
		return nil, HipGraphExecUpdateError, ret(call, err)
	}
	return nil, HipGraphExecUpdateSuccess, nil
}

// GraphExecKernelNodeSetParams is hipGraphExecKernelNodeSetParams: it
// changes one kernel node of x in place; node is a node of the graph x was
// instantiated from.
func GraphExecKernelNodeSetParams(x GraphExec, node GraphNode, p *KernelNodeParams) error {
	const call = "hipGraphExecKernelNodeSetParams"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	kp, err := kernelNode(p)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, x.SetKernelNodeParams(node, kp))
}

// GraphExecMemcpyNodeSetParams1D is hipGraphExecMemcpyNodeSetParams1D.
func GraphExecMemcpyNodeSetParams1D(x GraphExec, node GraphNode, dst, src any, count uint64, kind MemcpyKind) error {
	const call = "hipGraphExecMemcpyNodeSetParams1D"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	mp, err := memcpyNode(dst, src, count, kind)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, x.SetMemcpyNodeParams(node, mp))
}

// GraphExecMemsetNodeSetParams is hipGraphExecMemsetNodeSetParams.
func GraphExecMemsetNodeSetParams(x GraphExec, node GraphNode, p *MemsetParams) error {
	const call = "hipGraphExecMemsetNodeSetParams"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	mp, err := memsetNode(p)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, x.SetMemsetNodeParams(node, mp))
}

// GraphExecHostNodeSetParams is hipGraphExecHostNodeSetParams.
func GraphExecHostNodeSetParams(x GraphExec, node GraphNode, fn func()) error {
	const call = "hipGraphExecHostNodeSetParams"
	if x == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	return ret(call, x.SetHostNodeFunc(node, fn))
}

// StreamBeginCapture is hipStreamBeginCapture: the stream's operations are
// recorded into a graph instead of running, until StreamEndCapture. The
// NULL stream cannot be captured (HipErrorStreamCaptureUnsupported).
func StreamBeginCapture(stream Stream, mode StreamCaptureMode) error {
	const call = "hipStreamBeginCapture"
	if stream == nil {
		return fail(call, HipErrorStreamCaptureUnsupported, "the NULL stream cannot be captured")
	}
	if err := stream.Err(); err != nil {
		return ret(call, err)
	}
	// HIP's capture modes are numbered as package streaming's.
	return ret(call, stream.BeginCapture(streaming.CaptureMode(mode)))
}

// StreamEndCapture is hipStreamEndCapture: the graph the capture built. A
// capture that was invalidated (by a call that is illegal while capturing)
// is HipErrorStreamCaptureInvalidated; a stream not capturing
// HipErrorIllegalState.
func StreamEndCapture(stream Stream) (Graph, error) {
	const call = "hipStreamEndCapture"
	if stream == nil {
		return nil, fail(call, HipErrorIllegalState, "the NULL stream is not capturing")
	}
	if err := stream.Err(); err != nil {
		return nil, ret(call, err)
	}
	g, err := stream.EndCapture()
	return g, ret(call, err)
}

// StreamIsCapturing is hipStreamIsCapturing.
func StreamIsCapturing(stream Stream) (StreamCaptureStatus, error) {
	s, err := streamOf(stream)
	if err != nil {
		return 0, ret("hipStreamIsCapturing", err)
	}
	return StreamCaptureStatus(s.IsCapturing()), nil
}

// StreamGetCaptureInfo is hipStreamGetCaptureInfo: the capture status and
// the capture sequence's unique id.
func StreamGetCaptureInfo(stream Stream) (StreamCaptureStatus, uint64, error) {
	s, err := streamOf(stream)
	if err != nil {
		return 0, 0, ret("hipStreamGetCaptureInfo", err)
	}
	ci := s.CaptureInfo()
	return StreamCaptureStatus(ci.Status), ci.ID, nil
}

// StreamGetCaptureInfo_v2 is hipStreamGetCaptureInfo_v2: also the graph
// being built and the nodes the stream's next operation will depend on.
func StreamGetCaptureInfo_v2(stream Stream) (status StreamCaptureStatus, id uint64, graph Graph, deps []GraphNode, err error) {
	s, err := streamOf(stream)
	if err != nil {
		return 0, 0, nil, nil, ret("hipStreamGetCaptureInfo_v2", err)
	}
	ci := s.CaptureInfo()
	return StreamCaptureStatus(ci.Status), ci.ID, ci.Graph, ci.Dependencies, nil
}

// StreamUpdateCaptureDependencies is hipStreamUpdateCaptureDependencies:
// the nodes the stream's next captured operation depends on, added to
// (HipStreamAddCaptureDependencies) or replacing
// (HipStreamSetCaptureDependencies) the current ones.
func StreamUpdateCaptureDependencies(stream Stream, deps []GraphNode, flags uint32) error {
	const call = "hipStreamUpdateCaptureDependencies"
	s, err := streamOf(stream)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, s.UpdateCaptureDependencies(deps, flags))
}
