package cuda_test

import (
	"math"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// Graph memory nodes through the driver API: explicit allocation and free
// nodes around a kernel, MemAllocAsync/MemFreeAsync captured into the same
// shape, and CUDA's rules for launches and frees.
func TestGraphMemNodes(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	m := loadKernels(t)
	add := function(t, m, "vector_add")
	const n = 1024
	a := seq(n, func(i int) float32 { return float32(i%50) + 0.5 })
	da, dc := alloc(t, 4*n), alloc(t, 4*n)
	ok(t, cuda.MemcpyHtoDSlice(da, a))
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)

	g := val[*cuda.Graph](t)(cuda.GraphCreate(0))
	params := &cuda.MemAllocNodeParams{
		PoolProps: cuda.MemPoolProps{AllocType: cuda.CU_MEM_ALLOCATION_TYPE_PINNED, Location: cuda.MemLocation{Type: cuda.CU_MEM_LOCATION_TYPE_DEVICE, Id: 0}},
		Bytesize:  4 * n,
	}
	an := val[*cuda.GraphNode](t)(cuda.GraphAddMemAllocNode(g, nil, params))
	if params.Dptr == 0 {
		t.Fatal("GraphAddMemAllocNode left Dptr 0")
	}
	tmp := params.Dptr
	if typ := val[cuda.GraphNodeType](t)(cuda.GraphNodeGetType(an)); typ != cuda.CU_GRAPH_NODE_TYPE_MEM_ALLOC {
		t.Errorf("allocation node type %v", typ)
	}
	got := val[cuda.MemAllocNodeParams](t)(cuda.GraphMemAllocNodeGetParams(an))
	if got.Dptr != tmp || got.Bytesize != 4*n || got.PoolProps.Location.Id != 0 {
		t.Errorf("GraphMemAllocNodeGetParams = %+v", got)
	}
	// tmp = a + a; c = tmp + a.
	nn := uint32(n)
	k1 := val[*cuda.GraphNode](t)(cuda.GraphAddKernelNode(g, []*cuda.GraphNode{an}, &cuda.KernelNodeParams{
		Func: add, GridDimX: n / 256, GridDimY: 1, GridDimZ: 1, BlockDimX: 256, BlockDimY: 1, BlockDimZ: 1,
		KernelParams: []unsafe.Pointer{ptrOf(&da), ptrOf(&da), ptrOf(&tmp), ptrOf(&nn)},
	}))
	k2 := val[*cuda.GraphNode](t)(cuda.GraphAddKernelNode(g, []*cuda.GraphNode{k1}, &cuda.KernelNodeParams{
		Func: add, GridDimX: n / 256, GridDimY: 1, GridDimZ: 1, BlockDimX: 256, BlockDimY: 1, BlockDimZ: 1,
		KernelParams: []unsafe.Pointer{ptrOf(&tmp), ptrOf(&da), ptrOf(&dc), ptrOf(&nn)},
	}))
	fn := val[*cuda.GraphNode](t)(cuda.GraphAddMemFreeNode(g, []*cuda.GraphNode{k2}, tmp))
	if p := val[cuda.DevicePtr](t)(cuda.GraphMemFreeNodeGetParams(fn)); p != tmp {
		t.Errorf("GraphMemFreeNodeGetParams = %#x, want %#x", p, tmp)
	}
	_, err := cuda.GraphAddMemFreeNode(g, []*cuda.GraphNode{fn}, tmp)
	wantErr(t, "a second free node of the same memory", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.GraphAddMemFreeNode(g, nil, da)
	wantErr(t, "a free node of MemAlloc memory", err, cuda.CUDA_ERROR_INVALID_VALUE)
	if r := val[uint64](t)(cuda.DeviceGetGraphMemAttribute(0, cuda.CU_GRAPH_MEM_ATTR_RESERVED_MEM_CURRENT)); r < 4*n {
		t.Errorf("RESERVED_MEM_CURRENT %d with a %d-byte allocation node", r, 4*n)
	}
	x := val[*cuda.GraphExec](t)(cuda.GraphInstantiate(g, 0))
	_, err = cuda.GraphInstantiate(g, 0)
	wantErr(t, "a second exec of a graph with allocation nodes", err, cuda.CUDA_ERROR_INVALID_VALUE)
	for launch := 0; launch < 2; launch++ {
		ok(t, cuda.MemsetD32(dc, math.Float32bits(float32(math.NaN())), n))
		ok(t, cuda.GraphLaunch(x, s))
		ok(t, cuda.StreamSynchronize(s))
		out := poisoned(n)
		ok(t, cuda.MemcpyDtoHSlice(out, dc))
		for i := range out {
			if out[i] != 3*a[i] {
				t.Fatalf("launch %d: c[%d] = %v, want %v", launch, i, out[i], 3*a[i])
			}
		}
	}
	ok(t, cuda.GraphExecDestroy(x))
	ok(t, cuda.GraphDestroy(g))
	ok(t, cuda.DeviceGraphMemTrim(0))
	if r := val[uint64](t)(cuda.DeviceGetGraphMemAttribute(0, cuda.CU_GRAPH_MEM_ATTR_RESERVED_MEM_CURRENT)); r != 0 {
		t.Errorf("RESERVED_MEM_CURRENT %d after the graph is gone", r)
	}
	ok(t, cuda.DeviceSetGraphMemAttribute(0, cuda.CU_GRAPH_MEM_ATTR_USED_MEM_HIGH, 0))
	wantErr(t, "setting USED_MEM_CURRENT", cuda.DeviceSetGraphMemAttribute(0, cuda.CU_GRAPH_MEM_ATTR_USED_MEM_CURRENT, 0), cuda.CUDA_ERROR_INVALID_VALUE)

	// Captured: MemAllocAsync and MemFreeAsync become memory nodes.
	ok(t, cuda.StreamBeginCapture(s, cuda.CU_STREAM_CAPTURE_MODE_GLOBAL))
	ct := val[cuda.DevicePtr](t)(cuda.MemAllocAsync(4*n, s))
	ok(t, cuda.LaunchKernel(add, n/256, 1, 1, 256, 1, 1, 0, s, []unsafe.Pointer{ptrOf(&da), ptrOf(&da), ptrOf(&ct), ptrOf(&nn)}, nil))
	ok(t, cuda.LaunchKernel(add, n/256, 1, 1, 256, 1, 1, 0, s, []unsafe.Pointer{ptrOf(&ct), ptrOf(&ct), ptrOf(&dc), ptrOf(&nn)}, nil))
	ok(t, cuda.MemFreeAsync(ct, s))
	cg := val[*cuda.Graph](t)(cuda.StreamEndCapture(s))
	nodes := val[[]*cuda.GraphNode](t)(cuda.GraphGetNodes(cg))
	if len(nodes) != 4 || val[cuda.GraphNodeType](t)(cuda.GraphNodeGetType(nodes[0])) != cuda.CU_GRAPH_NODE_TYPE_MEM_ALLOC ||
		val[cuda.GraphNodeType](t)(cuda.GraphNodeGetType(nodes[3])) != cuda.CU_GRAPH_NODE_TYPE_MEM_FREE {
		t.Fatalf("captured graph of %d nodes, want allocation, 2 kernels, free", len(nodes))
	}
	cx := val[*cuda.GraphExec](t)(cuda.GraphInstantiate(cg, 0))
	ok(t, cuda.GraphLaunch(cx, s))
	ok(t, cuda.StreamSynchronize(s))
	out := poisoned(n)
	ok(t, cuda.MemcpyDtoHSlice(out, dc))
	for i := range out {
		if out[i] != 4*a[i] {
			t.Fatalf("captured graph: c[%d] = %v, want %v", i, out[i], 4*a[i])
		}
	}
	ok(t, cuda.GraphExecDestroy(cx))
	ok(t, cuda.GraphDestroy(cg))
	// Only graph memory can be freed in a capture.
	ok(t, cuda.StreamBeginCapture(s, cuda.CU_STREAM_CAPTURE_MODE_RELAXED))
	wantErr(t, "captured MemFreeAsync of MemAlloc memory", cuda.MemFreeAsync(da, s), cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.StreamEndCapture(s)
	wantErr(t, "the end of that capture", err, cuda.CUDA_ERROR_STREAM_CAPTURE_INVALIDATED)
}
