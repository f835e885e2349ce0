package cuda

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// Graph is a CUgraph: the streaming graph itself.
type Graph = streaming.Graph

// GraphNode is a CUgraphNode: the streaming graph node itself.
type GraphNode = streaming.GraphNode

// GraphExec is a CUgraphExec: the streaming instantiated graph itself.
type GraphExec = streaming.GraphExec

// KernelNodeParams is CUDA_KERNEL_NODE_PARAMS: a kernel launch, its
// arguments given as in LaunchKernel (KernelParams or Extra, not both).
type KernelNodeParams struct {
	Func                            *Function
	GridDimX, GridDimY, GridDimZ    uint32
	BlockDimX, BlockDimY, BlockDimZ uint32
	SharedMemBytes                  uint32
	KernelParams                    []unsafe.Pointer
	Extra                           []unsafe.Pointer
}

// MemsetNodeParams is CUDA_MEMSET_NODE_PARAMS: Height rows of Width
// elements of ElementSize (1, 2 or 4) bytes set to Value, rows Pitch bytes
// apart.
type MemsetNodeParams struct {
	Dst         DevicePtr
	Pitch       uint64
	Value       uint32
	ElementSize uint32
	Width       uint64
	Height      uint64
}

// MemcpyNodeParams is what cuGraphAddMemcpyNode takes: a CUDA_MEMCPY3D
// (Memcpy3DParams), 1-D, 2-D or 3-D between linear memory.
type MemcpyNodeParams = Memcpy3DParams

// GraphExecUpdateResultInfo is CUgraphExecUpdateResultInfo: why
// GraphExecUpdate refused an update, and the node concerned.
type GraphExecUpdateResultInfo struct {
	Result        GraphExecUpdateResult
	ErrorNode     *GraphNode
	ErrorFromNode *GraphNode
}

// graph checks a graph handle.
func graph(what string, g *Graph) error {
	if _, err := get(); err != nil {
		return err
	}
	if g == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "%s: NULL graph", what)
	}
	return nil
}

// GraphCreate is cuGraphCreate: an empty graph. flags must be 0.
func GraphCreate(flags uint32) (*Graph, error) {
	if _, err := get(); err != nil {
		return nil, err
	}
	if flags != 0 {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphCreate flags %#x: must be 0", flags)
	}
	return streaming.NewGraph(), nil
}

// GraphDestroy is cuGraphDestroy; instantiated execs keep working.
func GraphDestroy(g *Graph) error {
	if err := graph("cuGraphDestroy", g); err != nil {
		return err
	}
	return check(g.Destroy())
}

// GraphClone is cuGraphClone: a copy of g.
func GraphClone(g *Graph) (*Graph, error) {
	if err := graph("cuGraphClone", g); err != nil {
		return nil, err
	}
	c, err := g.Clone()
	if err != nil {
		return nil, fail(err)
	}
	return c, nil
}

// GraphGetNodes is cuGraphGetNodes: g's nodes, in the order they were
// added.
func GraphGetNodes(g *Graph) ([]*GraphNode, error) {
	if err := graph("cuGraphGetNodes", g); err != nil {
		return nil, err
	}
	return g.Nodes(), nil
}

// GraphGetRootNodes is cuGraphGetRootNodes: the nodes without
// dependencies.
func GraphGetRootNodes(g *Graph) ([]*GraphNode, error) {
	if err := graph("cuGraphGetRootNodes", g); err != nil {
		return nil, err
	}
	return g.RootNodes(), nil
}

// GraphNodeGetType is cuGraphNodeGetType.
func GraphNodeGetType(n *GraphNode) (GraphNodeType, error) {
	if _, err := get(); err != nil {
		return 0, err
	}
	if n == nil {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphNodeGetType: NULL node")
	}
	return GraphNodeType(n.Type()), nil
}

// GraphNodeGetDependencies is cuGraphNodeGetDependencies.
func GraphNodeGetDependencies(n *GraphNode) ([]*GraphNode, error) {
	if _, err := get(); err != nil {
		return nil, err
	}
	if n == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphNodeGetDependencies: NULL node")
	}
	return n.Dependencies(), nil
}

// GraphAddDependencies is cuGraphAddDependencies: each to[i] depends on
// from[i].
func GraphAddDependencies(g *Graph, from, to []*GraphNode) error {
	if err := graph("cuGraphAddDependencies", g); err != nil {
		return err
	}
	return check(g.AddDependencies(from, to))
}

// GraphRemoveDependencies is cuGraphRemoveDependencies.
func GraphRemoveDependencies(g *Graph, from, to []*GraphNode) error {
	if err := graph("cuGraphRemoveDependencies", g); err != nil {
		return err
	}
	return check(g.RemoveDependencies(from, to))
}

// GraphDestroyNode is cuGraphDestroyNode: n and its edges leave its graph.
func GraphDestroyNode(n *GraphNode) error {
	if _, err := get(); err != nil {
		return err
	}
	if n == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuGraphDestroyNode: NULL node")
	}
	return check(n.Graph().DestroyNode(n))
}

// kernelNode translates CUDA_KERNEL_NODE_PARAMS, packing the arguments.
func kernelNode(what string, p *KernelNodeParams) (streaming.KernelNodeParams, error) {
	if p == nil || p.Func == nil {
		return streaming.KernelNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "%s: no function", what)
	}
	k := streaming.KernelNodeParams{
		Function: p.Func,
		Config: streaming.LaunchConfig{
			Grid:        streaming.Dim3{X: p.GridDimX, Y: p.GridDimY, Z: p.GridDimZ},
			Block:       streaming.Dim3{X: p.BlockDimX, Y: p.BlockDimY, Z: p.BlockDimZ},
			SharedBytes: p.SharedMemBytes,
		},
	}
	if len(p.Extra) > 0 && p.Extra[0] != nil {
		if len(p.KernelParams) > 0 {
			return k, failf(CUDA_ERROR_INVALID_VALUE, "%s %s: both KernelParams and Extra given", what, p.Func.Name())
		}
		buf, err := launchExtra.Buffer(p.Extra)
		if err != nil {
			return k, check(err)
		}
		k.Args = buf
		return k, nil
	}
	buf, err := streaming.PackParamPointers(p.Func.Params(), p.KernelParams)
	if err != nil {
		return k, fail(err)
	}
	k.Args = buf
	return k, nil
}

// GraphAddKernelNode is cuGraphAddKernelNode: a kernel launch depending on
// deps.
func GraphAddKernelNode(g *Graph, deps []*GraphNode, params *KernelNodeParams) (*GraphNode, error) {
	if err := graph("cuGraphAddKernelNode", g); err != nil {
		return nil, err
	}
	k, err := kernelNode("cuGraphAddKernelNode", params)
	if err != nil {
		return nil, err
	}
	return node(g.AddKernelNodeParams(deps, k))
}

// GraphKernelNodeGetParams is cuGraphKernelNodeGetParams. The arguments come
// back packed, in Extra form ({CU_LAUNCH_PARAM_BUFFER_POINTER, ...,
// CU_LAUNCH_PARAM_END}).
func GraphKernelNodeGetParams(n *GraphNode) (KernelNodeParams, error) {
	if _, err := get(); err != nil {
		return KernelNodeParams{}, err
	}
	if n == nil {
		return KernelNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphKernelNodeGetParams: NULL node")
	}
	k, err := n.KernelParams()
	if err != nil {
		return KernelNodeParams{}, fail(err)
	}
	p := KernelNodeParams{
		Func:     k.Function,
		GridDimX: k.Config.Grid.X, GridDimY: k.Config.Grid.Y, GridDimZ: k.Config.Grid.Z,
		BlockDimX: k.Config.Block.X, BlockDimY: k.Config.Block.Y, BlockDimZ: k.Config.Block.Z,
		SharedMemBytes: k.Config.SharedBytes,
	}
	if len(k.Args) > 0 {
		size := new(uintptr)
		*size = uintptr(len(k.Args))
		p.Extra = []unsafe.Pointer{CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&k.Args[0]), CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(size), CU_LAUNCH_PARAM_END}
	}
	return p, nil
}

// GraphKernelNodeSetParams is cuGraphKernelNodeSetParams: it changes the
// node in its graph (execs keep theirs).
func GraphKernelNodeSetParams(n *GraphNode, params *KernelNodeParams) error {
	if _, err := get(); err != nil {
		return err
	}
	if n == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuGraphKernelNodeSetParams: NULL node")
	}
	k, err := kernelNode("cuGraphKernelNodeSetParams", params)
	if err != nil {
		return err
	}
	return check(n.SetKernelParams(k))
}

// nodeCtx checks the optional context argument of the memcpy and memset
// node calls (nil: the current context; the node itself runs in the
// context the graph is instantiated in).
func nodeCtx(what string, ctx *Context) error {
	if ctx == nil {
		_, _, err := cur(what)
		return err
	}
	_, err := ctx.get(what)
	return err
}

// GraphAddMemcpyNode is cuGraphAddMemcpyNode: a 1-D, 2-D or 3-D copy
// (a full CUDA_MEMCPY3D) between linear memory the runtime knows (device,
// unified, page-locked or registered host memory; CUDA arrays are
// CUDA_ERROR_NOT_SUPPORTED). The shape is checked now, the addresses when
// the graph is instantiated.
func GraphAddMemcpyNode(g *Graph, deps []*GraphNode, params *MemcpyNodeParams, ctx *Context) (*GraphNode, error) {
	const what = "cuGraphAddMemcpyNode"
	if err := graph(what, g); err != nil {
		return nil, err
	}
	if err := nodeCtx(what, ctx); err != nil {
		return nil, err
	}
	p, err := params.toStreaming(what)
	if err != nil {
		return nil, err
	}
	return node(g.AddMemcpy3DNode(deps, p))
}

// GraphAddMemsetNode is cuGraphAddMemsetNode.
func GraphAddMemsetNode(g *Graph, deps []*GraphNode, params *MemsetNodeParams, ctx *Context) (*GraphNode, error) {
	if err := graph("cuGraphAddMemsetNode", g); err != nil {
		return nil, err
	}
	if err := nodeCtx("cuGraphAddMemsetNode", ctx); err != nil {
		return nil, err
	}
	if params == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphAddMemsetNode: NULL parameters")
	}
	return node(g.AddMemsetNode(deps, streaming.MemsetNodeParams{
		Dst: params.Dst, Value: params.Value, ElementSize: int(params.ElementSize),
		Width: params.Width, Height: max(params.Height, 1), Pitch: params.Pitch,
	}))
}

// GraphAddHostNode is cuGraphAddHostNode: fn runs on a host goroutine when
// the node's dependencies are done (the C userData is what fn captures).
func GraphAddHostNode(g *Graph, deps []*GraphNode, fn func()) (*GraphNode, error) {
	if err := graph("cuGraphAddHostNode", g); err != nil {
		return nil, err
	}
	return node(g.AddHostNode(deps, fn))
}

// GraphAddEmptyNode is cuGraphAddEmptyNode: a node that only joins its
// dependencies.
func GraphAddEmptyNode(g *Graph, deps []*GraphNode) (*GraphNode, error) {
	if err := graph("cuGraphAddEmptyNode", g); err != nil {
		return nil, err
	}
	return node(g.AddEmptyNode(deps))
}

// GraphAddEventRecordNode is cuGraphAddEventRecordNode.
func GraphAddEventRecordNode(g *Graph, deps []*GraphNode, e *Event) (*GraphNode, error) {
	if err := graph("cuGraphAddEventRecordNode", g); err != nil {
		return nil, err
	}
	return node(g.AddEventRecordNode(deps, e))
}

// GraphAddEventWaitNode is cuGraphAddEventWaitNode.
func GraphAddEventWaitNode(g *Graph, deps []*GraphNode, e *Event) (*GraphNode, error) {
	if err := graph("cuGraphAddEventWaitNode", g); err != nil {
		return nil, err
	}
	return node(g.AddEventWaitNode(deps, e))
}

// GraphAddChildGraphNode is cuGraphAddChildGraphNode: a copy of child runs
// as one node.
func GraphAddChildGraphNode(g *Graph, deps []*GraphNode, child *Graph) (*GraphNode, error) {
	if err := graph("cuGraphAddChildGraphNode", g); err != nil {
		return nil, err
	}
	return node(g.AddChildGraphNode(deps, child))
}

func node(n *GraphNode, err error) (*GraphNode, error) {
	if err != nil {
		return nil, fail(err)
	}
	return n, nil
}

// GraphInstantiate is cuGraphInstantiate as CUDA 12 defines it (the same
// as GraphInstantiateWithFlags): it compiles g for the current context's
// device, validating its nodes.
func GraphInstantiate(g *Graph, flags uint64) (*GraphExec, error) {
	return GraphInstantiateWithFlags(g, flags)
}

// GraphInstantiateWithFlags is cuGraphInstantiateWithFlags.
// CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH and
// CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY are accepted (graphs here
// have no allocation nodes and no node priorities);
// CUDA_GRAPH_INSTANTIATE_FLAG_DEVICE_LAUNCH is CUDA_ERROR_NOT_SUPPORTED.
func GraphInstantiateWithFlags(g *Graph, flags uint64) (*GraphExec, error) {
	_, sc, err := cur("cuGraphInstantiate")
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiate: NULL graph")
	}
	const accepted = CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH | CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY
	if flags&CUDA_GRAPH_INSTANTIATE_FLAG_DEVICE_LAUNCH != 0 {
		return nil, failf(CUDA_ERROR_NOT_SUPPORTED, "cuGraphInstantiate: device-side graph launch is not supported")
	}
	if flags&^accepted != 0 {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiate flags %#x: unknown or not valid here", flags)
	}
	x, err := sc.Instantiate(g)
	if err != nil {
		return nil, fail(err)
	}
	return x, nil
}

// GraphExecDestroy is cuGraphExecDestroy; launches in flight complete.
func GraphExecDestroy(x *GraphExec) error {
	if _, err := get(); err != nil {
		return err
	}
	if x == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuGraphExecDestroy: NULL graph exec")
	}
	return check(x.Close())
}

// GraphLaunch is cuGraphLaunch: x runs on s (nil: the NULL stream) after
// the earlier work of s; on a capturing stream it is captured as a child
// graph node.
func GraphLaunch(x *GraphExec, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuGraphLaunch"); err != nil {
			return err
		}
	}
	if x == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuGraphLaunch: NULL graph exec")
	}
	return check(x.Launch(ss))
}

// GraphExecUpdate is cuGraphExecUpdate: x takes the kernel arguments and
// shapes, copy, memset and host-function parameters of g, which must have
// the topology of the graph x came from. When it cannot,
// CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE is returned with the reason in the
// result info, and x is unchanged.
func GraphExecUpdate(x *GraphExec, g *Graph) (GraphExecUpdateResultInfo, error) {
	if _, err := get(); err != nil {
		return GraphExecUpdateResultInfo{}, err
	}
	if x == nil || g == nil {
		return GraphExecUpdateResultInfo{Result: CU_GRAPH_EXEC_UPDATE_ERROR}, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphExecUpdate: NULL graph exec or graph")
	}
	err := x.Update(g)
	if err == nil {
		return GraphExecUpdateResultInfo{Result: CU_GRAPH_EXEC_UPDATE_SUCCESS}, nil
	}
	var ue *streaming.GraphExecUpdateError
	if errors.As(err, &ue) {
		lastErr.Record(fmt.Errorf("%w (reported as %w)", err, CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE), 0)
		return GraphExecUpdateResultInfo{Result: GraphExecUpdateResult(ue.Result), ErrorNode: ue.Node}, CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE
	}
	return GraphExecUpdateResultInfo{Result: CU_GRAPH_EXEC_UPDATE_ERROR}, fail(err)
}

// GraphExecKernelNodeSetParams is cuGraphExecKernelNodeSetParams: it
// changes one kernel node of x in place; n is a node of the graph x was
// instantiated from.
func GraphExecKernelNodeSetParams(x *GraphExec, n *GraphNode, params *KernelNodeParams) error {
	if _, err := get(); err != nil {
		return err
	}
	if x == nil || n == nil {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuGraphExecKernelNodeSetParams: NULL graph exec or node")
	}
	k, err := kernelNode("cuGraphExecKernelNodeSetParams", params)
	if err != nil {
		return err
	}
	return check(x.SetKernelNodeParams(n, k))
}

// StreamBeginCapture is cuStreamBeginCapture: the operations then
// submitted to s are recorded into a graph instead of running. The NULL
// (legacy) stream cannot be captured
// (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED). Go has no thread identity:
// CU_STREAM_CAPTURE_MODE_THREAD_LOCAL behaves as
// CU_STREAM_CAPTURE_MODE_GLOBAL, forbidding the calls that would
// synchronize implicitly (MemAlloc, MemFree, synchronous copies...) in
// every goroutine until the capture ends.
func StreamBeginCapture(s *Stream, mode StreamCaptureMode) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuStreamBeginCapture"); err != nil {
			return err
		}
	}
	return check(ss.BeginCapture(streaming.CaptureMode(mode)))
}

// StreamEndCapture is cuStreamEndCapture: the graph recorded since
// StreamBeginCapture on s. CUDA_ERROR_STREAM_CAPTURE_INVALIDATED when an
// illegal call broke the capture, CUDA_ERROR_STREAM_CAPTURE_UNJOINED when
// a stream forked from it was not joined back, CUDA_ERROR_ILLEGAL_STATE
// when s is not capturing.
func StreamEndCapture(s *Stream) (*Graph, error) {
	ss, err := s.resolve("cuStreamEndCapture")
	if err != nil {
		return nil, err
	}
	g, err := ss.EndCapture()
	if err != nil {
		return nil, fail(err)
	}
	return g, nil
}

// StreamIsCapturing is cuStreamIsCapturing.
func StreamIsCapturing(s *Stream) (StreamCaptureStatus, error) {
	ss, err := s.resolve("cuStreamIsCapturing")
	if err != nil {
		return 0, err
	}
	return StreamCaptureStatus(ss.IsCapturing()), nil
}

// StreamGetCaptureInfo is cuStreamGetCaptureInfo (its CUDA 12 form): the
// capture status of s and, while capturing, the capture's unique id, its
// graph and the nodes the next operation on s will depend on.
func StreamGetCaptureInfo(s *Stream) (status StreamCaptureStatus, id uint64, g *Graph, deps []*GraphNode, err error) {
	ss, err := s.resolve("cuStreamGetCaptureInfo")
	if err != nil {
		return 0, 0, nil, nil, err
	}
	ci := ss.CaptureInfo()
	return StreamCaptureStatus(ci.Status), ci.ID, ci.Graph, ci.Dependencies, nil
}

// Flags of StreamUpdateCaptureDependencies (CUstreamUpdateCaptureDependencies_flags).
const (
	CU_STREAM_ADD_CAPTURE_DEPENDENCIES = 0x0
	CU_STREAM_SET_CAPTURE_DEPENDENCIES = 0x1
)

// StreamUpdateCaptureDependencies is cuStreamUpdateCaptureDependencies: the
// nodes the next captured operation of s depends on gain deps
// (CU_STREAM_ADD_CAPTURE_DEPENDENCIES) or become deps
// (CU_STREAM_SET_CAPTURE_DEPENDENCIES).
func StreamUpdateCaptureDependencies(s *Stream, deps []*GraphNode, flags uint32) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuStreamUpdateCaptureDependencies"); err != nil {
			return err
		}
	}
	return check(ss.UpdateCaptureDependencies(deps, flags))
}
