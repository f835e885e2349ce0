package hip_test

import (
	"math"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

func TestGraph(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	add := function(t, m, "vector_add")
	const n = 3001
	b := seq(n, func(i int) float32 { return float32(i) })
	dA, dB, dC, dD := malloc(t, 4*n), malloc(t, 4*n), malloc(t, 4*n), malloc(t, 4*n)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dB, b, 4*n))

	g, err := hip.GraphCreate(0)
	ok(t, "GraphCreate", err)
	// a = 1.5 everywhere; c = a + b; d = c (copy); a host node counts runs.
	set, err := hip.GraphAddMemsetNode(g, nil, &hip.MemsetParams{Dst: dA, ElementSize: 4, Width: n, Height: 1,
		Value: math.Float32bits(1.5)})
	ok(t, "GraphAddMemsetNode", err)
	nArg := uint32(n)
	kp := &hip.KernelNodeParams{Func: add, GridDim: hip.Dim3{X: (n + 127) / 128, Y: 1, Z: 1}, BlockDim: hip.Dim3{X: 128, Y: 1, Z: 1},
		KernelParams: params(unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nArg))}
	kern, err := hip.GraphAddKernelNode(g, []hip.GraphNode{set}, kp)
	ok(t, "GraphAddKernelNode", err)
	// The arguments were read when the node was added.
	nArg = 1
	cp, err := hip.GraphAddMemcpyNode1D(g, []hip.GraphNode{kern}, dD, dC, 4*n, hip.HipMemcpyDeviceToDevice)
	ok(t, "GraphAddMemcpyNode1D", err)
	var runs atomic.Int32
	host, err := hip.GraphAddHostNode(g, []hip.GraphNode{cp}, func() { runs.Add(1) })
	ok(t, "GraphAddHostNode", err)
	empty, err := hip.GraphAddEmptyNode(g, []hip.GraphNode{host})
	ok(t, "GraphAddEmptyNode", err)

	// Structure.
	nodes, _ := hip.GraphGetNodes(g)
	roots, _ := hip.GraphGetRootNodes(g)
	from, to, _ := hip.GraphGetEdges(g)
	if len(nodes) != 5 || len(roots) != 1 || roots[0] != set || len(from) != 4 || from[0] != set || to[0] != kern {
		t.Errorf("graph: %d nodes, roots %v, edges %v -> %v", len(nodes), roots, from, to)
	}
	for node, want := range map[hip.GraphNode]hip.GraphNodeType{set: hip.HipGraphNodeTypeMemset, kern: hip.HipGraphNodeTypeKernel,
		cp: hip.HipGraphNodeTypeMemcpy, host: hip.HipGraphNodeTypeHost, empty: hip.HipGraphNodeTypeEmpty} {
		if got, err := hip.GraphNodeGetType(node); got != want || err != nil {
			t.Errorf("GraphNodeGetType = %v, %v; want %v", got, err, want)
		}
	}
	if deps, _ := hip.GraphNodeGetDependencies(kern); len(deps) != 1 || deps[0] != set {
		t.Errorf("kernel node dependencies %v", deps)
	}
	if dn, _ := hip.GraphNodeGetDependentNodes(kern); len(dn) != 1 || dn[0] != cp {
		t.Errorf("kernel node dependents %v", dn)
	}
	mp, err := hip.GraphMemsetNodeGetParams(set)
	ok(t, "GraphMemsetNodeGetParams", err)
	if mp.Dst != dA || mp.Value != math.Float32bits(1.5) || mp.Width != n || mp.ElementSize != 4 {
		t.Errorf("memset params %+v", mp)
	}

	// Instantiate once, launch three times.
	x, err := hip.GraphInstantiate(g)
	ok(t, "GraphInstantiate", err)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	ok(t, "GraphUpload", hip.GraphUpload(x, s))
	for range 3 {
		ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
	}
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	if runs.Load() != 3 {
		t.Errorf("host node ran %d times, want 3", runs.Load())
	}
	want := seq(n, func(i int) float32 { return 1.5 + b[i] })
	got := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dD, 4*n))
	checkFloats(t, "graph result", got, want)

	// Change the exec's memset value in place: a = 2.5.
	ok(t, "GraphExecMemsetNodeSetParams", hip.GraphExecMemsetNodeSetParams(x, set, &hip.MemsetParams{Dst: dA, ElementSize: 4,
		Width: n, Height: 1, Value: math.Float32bits(2.5)}))
	ok(t, "GraphLaunch", hip.GraphLaunch(x, nil))
	ok(t, "StreamSynchronize(NULL)", hip.StreamSynchronize(nil))
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dD, 4*n))
	checkFloats(t, "after exec memset update", got, seq(n, func(i int) float32 { return 2.5 + b[i] }))

	// Kernel node parameters come back packed, and go back in.
	kgot, err := hip.GraphKernelNodeGetParams(kern)
	ok(t, "GraphKernelNodeGetParams", err)
	if kgot.Func != add || kgot.GridDim != kp.GridDim || kgot.BlockDim != kp.BlockDim || kgot.Extra == nil {
		t.Errorf("kernel node params %+v", kgot)
	}
	ok(t, "GraphKernelNodeSetParams", hip.GraphKernelNodeSetParams(kern, &kgot))
	// An exec-level change of the kernel's arguments: now d = b + b.
	nArg = n
	ok(t, "GraphExecKernelNodeSetParams", hip.GraphExecKernelNodeSetParams(x, kern, &hip.KernelNodeParams{Func: add,
		GridDim: kp.GridDim, BlockDim: kp.BlockDim,
		KernelParams: params(unsafe.Pointer(&dB), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nArg))}))
	ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dD, 4*n))
	checkFloats(t, "after exec kernel update", got, seq(n, func(i int) float32 { return 2 * b[i] }))

	// Whole-graph update: same topology works, another does not.
	g2, err := hip.GraphClone(g)
	ok(t, "GraphClone", err)
	nodes2, _ := hip.GraphGetNodes(g2)
	ok(t, "GraphMemsetNodeSetParams", hip.GraphMemsetNodeSetParams(nodes2[0], &hip.MemsetParams{Dst: dA, ElementSize: 4, Width: n,
		Height: 1, Value: math.Float32bits(-1)}))
	if node, res, err := hip.GraphExecUpdate(x, g2); err != nil || res != hip.HipGraphExecUpdateSuccess || node != nil {
		t.Fatalf("GraphExecUpdate = %v, %v, %v", node, res, err)
	}
	ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dD, 4*n))
	checkFloats(t, "after GraphExecUpdate", got, seq(n, func(i int) float32 { return b[i] - 1 }))
	_, err = hip.GraphAddEmptyNode(g2, nil)
	ok(t, "GraphAddEmptyNode", err)
	_, res, err := hip.GraphExecUpdate(x, g2)
	wantCode(t, "GraphExecUpdate of another topology", err, hip.HipErrorGraphExecUpdateFailure)
	if res != hip.HipGraphExecUpdateErrorTopologyChanged {
		t.Errorf("GraphExecUpdate result %v", res)
	}

	// Removing and adding edges, destroying a node.
	ok(t, "GraphRemoveDependencies", hip.GraphRemoveDependencies(g, []hip.GraphNode{host}, []hip.GraphNode{empty}))
	if deps, _ := hip.GraphNodeGetDependencies(empty); len(deps) != 0 {
		t.Error("GraphRemoveDependencies left the edge")
	}
	ok(t, "GraphAddDependencies", hip.GraphAddDependencies(g, []hip.GraphNode{host}, []hip.GraphNode{empty}))
	ok(t, "GraphDestroyNode", hip.GraphDestroyNode(empty))
	if nodes, _ := hip.GraphGetNodes(g); len(nodes) != 4 {
		t.Errorf("%d nodes after GraphDestroyNode", len(nodes))
	}
	_, err = hip.GraphNodeGetType(empty)
	wantCode(t, "destroyed node", err, hip.HipErrorInvalidValue)
	// A cycle fails at instantiation.
	ok(t, "GraphAddDependencies", hip.GraphAddDependencies(g, []hip.GraphNode{host}, []hip.GraphNode{set}))
	_, err = hip.GraphInstantiate(g)
	if err == nil {
		t.Error("a graph with a cycle instantiated")
	}

	// Misuse.
	_, err = hip.GraphCreate(1)
	wantCode(t, "GraphCreate(1)", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddKernelNode(g2, nil, nil)
	wantCode(t, "kernel node without parameters", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddKernelNode(g2, nil, &hip.KernelNodeParams{Func: add, GridDim: kp.GridDim, BlockDim: kp.BlockDim})
	wantCode(t, "kernel node without arguments", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddMemcpyNode1D(g2, nil, dD, b, 4, hip.HipMemcpyHostToDevice)
	wantCode(t, "memcpy node from Go memory", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddMemcpyNode1D(g2, nil, dD, dC, 4, 9)
	wantCode(t, "memcpy node kind 9", err, hip.HipErrorInvalidMemcpyDirection)
	_, err = hip.GraphAddMemsetNode(g2, nil, &hip.MemsetParams{Dst: dA, ElementSize: 3, Width: 1})
	wantCode(t, "memset node element size 3", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddEmptyNode(g2, []hip.GraphNode{set})
	wantCode(t, "dependency from another graph", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphAddHostNode(g2, nil, nil)
	wantCode(t, "host node without a function", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphInstantiateWithFlags(g2, hip.HipGraphInstantiateFlagDeviceLaunch)
	wantCode(t, "device launch", err, hip.HipErrorNotSupported)
	_, err = hip.GraphInstantiateWithFlags(g2, 0x100)
	wantCode(t, "unknown instantiate flags", err, hip.HipErrorInvalidValue)
	_, err = hip.GraphGetNodes(nil)
	wantCode(t, "GraphGetNodes(nil)", err, hip.HipErrorInvalidValue)
	wantCode(t, "GraphLaunch(nil)", hip.GraphLaunch(nil, s), hip.HipErrorInvalidValue)

	ok(t, "GraphExecDestroy", hip.GraphExecDestroy(x))
	wantCode(t, "GraphExecDestroy twice", hip.GraphExecDestroy(x), hip.HipErrorInvalidHandle)
	wantCode(t, "GraphLaunch destroyed", hip.GraphLaunch(x, s), hip.HipErrorInvalidHandle)
	ok(t, "GraphDestroy", hip.GraphDestroy(g))
	wantCode(t, "GraphDestroy twice", hip.GraphDestroy(g), hip.HipErrorInvalidHandle)
	ok(t, "GraphDestroy", hip.GraphDestroy(g2))
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	hip.GetLastError()
}

func TestGraphChildAndEvents(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	d := malloc(t, 64)
	child, err := hip.GraphCreate(0)
	ok(t, "GraphCreate", err)
	_, err = hip.GraphAddMemsetNode(child, nil, &hip.MemsetParams{Dst: d, ElementSize: 1, Width: 64, Height: 1, Value: 0x5a})
	ok(t, "GraphAddMemsetNode", err)

	g, err := hip.GraphCreate(0)
	ok(t, "GraphCreate", err)
	e, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	cn, err := hip.GraphAddChildGraphNode(g, nil, child)
	ok(t, "GraphAddChildGraphNode", err)
	rec, err := hip.GraphAddEventRecordNode(g, []hip.GraphNode{cn}, e)
	ok(t, "GraphAddEventRecordNode", err)
	_, err = hip.GraphAddEventWaitNode(g, []hip.GraphNode{rec}, e)
	ok(t, "GraphAddEventWaitNode", err)
	emb, err := hip.GraphChildGraphNodeGetGraph(cn)
	ok(t, "GraphChildGraphNodeGetGraph", err)
	if nodes, _ := hip.GraphGetNodes(emb); len(nodes) != 1 || emb == child {
		t.Errorf("the child graph node embeds %d nodes (a copy: %v)", len(nodes), emb != child)
	}
	_, err = hip.GraphChildGraphNodeGetGraph(rec)
	wantCode(t, "GraphChildGraphNodeGetGraph of an event node", err, hip.HipErrorInvalidValue)
	x, err := hip.GraphInstantiate(g)
	ok(t, "GraphInstantiate", err)
	ok(t, "GraphLaunch", hip.GraphLaunch(x, nil))
	ok(t, "EventSynchronize", hip.EventSynchronize(e))
	ok(t, "DeviceSynchronize", hip.DeviceSynchronize())
	got := make([]byte, 64)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, d, 64))
	for i, v := range got {
		if v != 0x5a {
			t.Fatalf("byte %d = %#x after the child graph's memset", i, v)
		}
	}
	ok(t, "GraphExecDestroy", hip.GraphExecDestroy(x))
	ok(t, "GraphDestroy", hip.GraphDestroy(g))
	ok(t, "GraphDestroy", hip.GraphDestroy(child))
	ok(t, "EventDestroy", hip.EventDestroy(e))
}

func TestStreamCapture(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	saxpy := function(t, m, "saxpy")
	const n = 2049
	x0 := seq(n, func(i int) float32 { return float32(i % 13) })
	dX, dY, dZ := malloc(t, 4*n), malloc(t, 4*n), malloc(t, 4*n)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dX, x0, 4*n))
	s, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreate", err)

	if st, err := hip.StreamIsCapturing(s); st != hip.HipStreamCaptureStatusNone || err != nil {
		t.Fatalf("StreamIsCapturing before = %v, %v", st, err)
	}
	ok(t, "MemsetD32", hip.MemsetD32(dZ, -1, n))
	ok(t, "StreamBeginCapture", hip.StreamBeginCapture(s, hip.HipStreamCaptureModeGlobal))
	wantCode(t, "StreamBeginCapture twice", hip.StreamBeginCapture(s, hip.HipStreamCaptureModeGlobal), hip.HipErrorIllegalState)
	// y = 1; y = 2x + y; z = y
	ok(t, "MemsetD32Async", hip.MemsetD32Async(dY, int32(math.Float32bits(1)), n, s))
	nArg, a := uint32(n), float32(2)
	ok(t, "ModuleLaunchKernel", hip.ModuleLaunchKernel(saxpy, (n+63)/64, 1, 1, 64, 1, 1, 0, s,
		params(unsafe.Pointer(&nArg), unsafe.Pointer(&a), unsafe.Pointer(&dX), unsafe.Pointer(&dY)), nil))
	ok(t, "MemcpyAsync", hip.MemcpyAsync(dZ, dY, 4*n, hip.HipMemcpyDeviceToDevice, s))
	st, id, err := hip.StreamGetCaptureInfo(s)
	ok(t, "StreamGetCaptureInfo", err)
	if st != hip.HipStreamCaptureStatusActive || id == 0 {
		t.Errorf("capture info: %v, id %d", st, id)
	}
	st2, id2, cg, deps, err := hip.StreamGetCaptureInfo_v2(s)
	ok(t, "StreamGetCaptureInfo_v2", err)
	if st2 != st || id2 != id || cg == nil || len(deps) != 1 {
		t.Fatalf("capture info v2: %v, %d, %v, %d deps", st2, id2, cg, len(deps))
	}
	if typ, _ := hip.GraphNodeGetType(deps[0]); typ != hip.HipGraphNodeTypeMemcpy {
		t.Errorf("the last captured node is a %v", typ)
	}
	ok(t, "StreamUpdateCaptureDependencies", hip.StreamUpdateCaptureDependencies(s, deps, hip.HipStreamSetCaptureDependencies))
	wantCode(t, "StreamUpdateCaptureDependencies flags", hip.StreamUpdateCaptureDependencies(s, deps, 7), hip.HipErrorInvalidValue)
	// Nothing ran: the capture only records.
	got := poisoned(n)
	g, err := hip.StreamEndCapture(s)
	ok(t, "StreamEndCapture", err)
	if nodes, _ := hip.GraphGetNodes(g); len(nodes) != 3 {
		t.Errorf("captured %d nodes, want 3", len(nodes))
	}
	raw := make([]int32, n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(raw, dZ, 4*n))
	for i, v := range raw {
		if v != -1 {
			t.Fatalf("element %d = %#x: captured work ran during the capture", i, v)
		}
	}
	x, err := hip.GraphInstantiate(g)
	ok(t, "GraphInstantiate", err)
	ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dZ, 4*n))
	checkFloats(t, "captured graph", got, seq(n, func(i int) float32 { return 1 + 2*x0[i] }))

	// Illegal calls during a capture invalidate it.
	ok(t, "StreamBeginCapture", hip.StreamBeginCapture(s, hip.HipStreamCaptureModeGlobal))
	wantCode(t, "StreamSynchronize of a capturing stream", hip.StreamSynchronize(s), hip.HipErrorStreamCaptureUnsupported)
	if st, _ := hip.StreamIsCapturing(s); st != hip.HipStreamCaptureStatusInvalidated {
		t.Errorf("capture status after an illegal call: %v", st)
	}
	_, err = hip.StreamEndCapture(s)
	wantCode(t, "StreamEndCapture of an invalidated capture", err, hip.HipErrorStreamCaptureInvalidated)

	_, err = hip.StreamEndCapture(s)
	wantCode(t, "StreamEndCapture without a capture", err, hip.HipErrorIllegalState)
	wantCode(t, "StreamBeginCapture(NULL)", hip.StreamBeginCapture(nil, hip.HipStreamCaptureModeGlobal), hip.HipErrorStreamCaptureUnsupported)
	wantCode(t, "StreamBeginCapture bad mode", hip.StreamBeginCapture(s, 7), hip.HipErrorInvalidValue)
	if st, err := hip.StreamIsCapturing(nil); st != hip.HipStreamCaptureStatusNone || err != nil {
		t.Errorf("StreamIsCapturing(NULL) = %v, %v", st, err)
	}
	ok(t, "GraphExecDestroy", hip.GraphExecDestroy(x))
	ok(t, "GraphDestroy", hip.GraphDestroy(g))
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	hip.GetLastError()
}

func TestMemPools(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	if !rt.Devices()[0].Info().MemoryPoolsSupported {
		t.Skip("the device has no memory pools")
	}
	def, err := hip.DeviceGetDefaultMemPool(0)
	ok(t, "DeviceGetDefaultMemPool", err)
	cur, err := hip.DeviceGetMemPool(0)
	ok(t, "DeviceGetMemPool", err)
	if cur != def || def == nil {
		t.Fatal("the current pool is not the default pool")
	}
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)

	const n = 10000
	p, err := hip.MallocAsync(4*n, s)
	ok(t, "MallocAsync", err)
	if owner, err := hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE, p+8); err != nil || owner != def {
		t.Errorf("MEMPOOL_HANDLE of MallocAsync memory = %v, %v; want the default pool %p", owner, err, def)
	}
	used, err := hip.MemPoolGetAttribute(def, hip.HipMemPoolAttrUsedMemCurrent)
	ok(t, "MemPoolGetAttribute", err)
	if used < 4*n {
		t.Errorf("pool in use: %d bytes after allocating %d", used, 4*n)
	}
	ok(t, "MemsetD32Async", hip.MemsetD32Async(p, 7, n, s))
	got := make([]int32, n)
	ok(t, "MemcpyDtoHAsync", hip.MemcpyDtoHAsync(got, p, 4*n, s))
	for i, v := range got {
		if v != 7 {
			t.Fatalf("element %d = %d", i, v)
		}
	}
	ok(t, "FreeAsync", hip.FreeAsync(p, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	if used, _ := hip.MemPoolGetAttribute(def, hip.HipMemPoolAttrUsedMemCurrent); used != 0 {
		t.Errorf("pool in use after FreeAsync: %d", used)
	}
	if p, err := hip.MallocAsync(0, s); p != 0 || err != nil {
		t.Errorf("MallocAsync(0) = %#x, %v", uint64(p), err)
	}
	// hipFree takes pool memory too.
	q, err := hip.MallocAsync(64, nil)
	ok(t, "MallocAsync(NULL stream)", err)
	ok(t, "Free of pool memory", hip.Free(q))
	wantCode(t, "Free of pool memory twice", hip.Free(q), hip.HipErrorInvalidValue)

	// A created pool.
	props := &hip.MemPoolProps{AllocType: hip.HipMemAllocationTypePinned, Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 0}}
	pool, err := hip.MemPoolCreate(props)
	ok(t, "MemPoolCreate", err)
	q, err = hip.MallocFromPoolAsync(256, pool, s)
	ok(t, "MallocFromPoolAsync", err)
	if owner, err := hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE, q); err != nil || owner != pool {
		t.Errorf("MEMPOOL_HANDLE of MallocFromPoolAsync memory = %v, %v; want %p", owner, err, pool)
	}
	ok(t, "FreeAsync", hip.FreeAsync(q, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "MemPoolSetAttribute", hip.MemPoolSetAttribute(pool, hip.HipMemPoolAttrReleaseThreshold, 1<<20))
	if v, _ := hip.MemPoolGetAttribute(pool, hip.HipMemPoolAttrReleaseThreshold); v != 1<<20 {
		t.Errorf("release threshold %d", v)
	}
	wantCode(t, "reset a high-water mark to 5", hip.MemPoolSetAttribute(pool, hip.HipMemPoolAttrUsedMemHigh, 5), hip.HipErrorInvalidValue)
	ok(t, "MemPoolTrimTo", hip.MemPoolTrimTo(pool, 0))
	if v, _ := hip.MemPoolGetAttribute(pool, hip.HipMemPoolAttrReservedMemCurrent); v != 0 {
		t.Errorf("reserved after trimming to 0: %d", v)
	}
	ok(t, "DeviceSetMemPool", hip.DeviceSetMemPool(0, pool))
	if cur, _ := hip.DeviceGetMemPool(0); cur != pool {
		t.Error("DeviceSetMemPool did not take")
	}
	if rt.DeviceCount() > 1 {
		wantCode(t, "DeviceSetMemPool on another device", hip.DeviceSetMemPool(1, pool), hip.HipErrorInvalidDevice)
		if can, _ := hip.DeviceCanAccessPeer(1, 0); can {
			ok(t, "MemPoolSetAccess", hip.MemPoolSetAccess(pool, []hip.MemAccessDesc{{Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 1}, Flags: hip.HipMemAccessFlagsProtRead}}))
			if f, _ := hip.MemPoolGetAccess(pool, hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 1}); f != hip.HipMemAccessFlagsProtRead {
				t.Errorf("MemPoolGetAccess(1) = %v", f)
			}
		}
	}
	if f, _ := hip.MemPoolGetAccess(pool, hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 0}); f != hip.HipMemAccessFlagsProtReadWrite {
		t.Errorf("MemPoolGetAccess(own device) = %v", f)
	}
	wantCode(t, "MemPoolSetAccess own device read-only", hip.MemPoolSetAccess(pool, []hip.MemAccessDesc{{Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 0}, Flags: hip.HipMemAccessFlagsProtRead}}), hip.HipErrorInvalidValue)
	wantCode(t, "MemPoolSetAccess host location", hip.MemPoolSetAccess(pool, []hip.MemAccessDesc{{Location: hip.MemLocation{Type: hip.HipMemLocationTypeHost}, Flags: hip.HipMemAccessFlagsProtReadWrite}}), hip.HipErrorInvalidValue)
	_, err = hip.MemPoolGetAccess(pool, hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 9})
	wantCode(t, "MemPoolGetAccess bad device", err, hip.HipErrorInvalidValue)
	ok(t, "MemPoolDestroy", hip.MemPoolDestroy(pool))
	if cur, _ := hip.DeviceGetMemPool(0); cur != def {
		t.Error("after destroying the current pool the device does not use its default pool")
	}
	wantCode(t, "MemPoolDestroy twice", hip.MemPoolDestroy(pool), hip.HipErrorInvalidHandle)

	// Misuse.
	wantCode(t, "MemPoolDestroy(default)", hip.MemPoolDestroy(def), hip.HipErrorInvalidValue)
	wantCode(t, "MemPoolDestroy(nil)", hip.MemPoolDestroy(nil), hip.HipErrorInvalidValue)
	for _, bad := range []hip.MemPoolProps{
		{AllocType: hip.HipMemAllocationTypeInvalid, Location: props.Location},
		{AllocType: hip.HipMemAllocationTypePinned, Location: hip.MemLocation{Type: hip.HipMemLocationTypeHost}},
		{AllocType: hip.HipMemAllocationTypePinned, Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 42}},
	} {
		_, err := hip.MemPoolCreate(&bad)
		wantCode(t, "MemPoolCreate bad properties", err, hip.HipErrorInvalidValue)
	}
	_, err = hip.MemPoolCreate(&hip.MemPoolProps{AllocType: hip.HipMemAllocationTypePinned, Location: props.Location,
		HandleTypes: hip.HipMemHandleTypeWin32})
	wantCode(t, "MemPoolCreate with Win32 handles", err, hip.HipErrorNotSupported)
	plain := malloc(t, 64)
	wantCode(t, "FreeAsync of Malloc memory", hip.FreeAsync(plain, s), hip.HipErrorInvalidValue)
	wantCode(t, "FreeAsync(0)", hip.FreeAsync(0, s), hip.HipErrorInvalidValue)
	_, err = hip.MallocFromPoolAsync(64, nil, s)
	wantCode(t, "MallocFromPoolAsync(nil pool)", err, hip.HipErrorInvalidValue)
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	_, err = hip.MallocAsync(64, s)
	wantCode(t, "MallocAsync destroyed stream", err, hip.HipErrorInvalidValue)
	_, err = hip.DeviceGetDefaultMemPool(9)
	wantCode(t, "DeviceGetDefaultMemPool(9)", err, hip.HipErrorInvalidDevice)
	hip.GetLastError()
}
