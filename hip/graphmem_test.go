package hip_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

// Graph memory nodes through the HIP API: explicit nodes and captured
// MallocAsync/FreeAsync compute the same thing; misuse is refused.
func TestGraphMemNodes(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	add := function(t, m, "vector_add")
	const n = 1024
	a := seq(n, func(i int) float32 { return float32(i%31) - 7 })
	dA, dC := malloc(t, 4*n), malloc(t, 4*n)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dA, a, 4*n))
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	defer hip.StreamDestroy(s)
	nArg := uint32(n)
	grid, block := hip.Dim3{X: n / 128, Y: 1, Z: 1}, hip.Dim3{X: 128, Y: 1, Z: 1}

	g, err := hip.GraphCreate(0)
	ok(t, "GraphCreate", err)
	p := &hip.MemAllocNodeParams{PoolProps: hip.MemPoolProps{AllocType: hip.HipMemAllocationTypePinned,
		Location: hip.MemLocation{Type: hip.HipMemLocationTypeDevice, ID: 0}}, Bytesize: 4 * n}
	an, err := hip.GraphAddMemAllocNode(g, nil, p)
	ok(t, "GraphAddMemAllocNode", err)
	tmp := p.Dptr
	if typ, _ := hip.GraphNodeGetType(an); typ != hip.HipGraphNodeTypeMemAlloc {
		t.Errorf("allocation node type %v", typ)
	}
	if gp, err := hip.GraphMemAllocNodeGetParams(an); err != nil || gp.Dptr != tmp || gp.Bytesize != 4*n {
		t.Errorf("GraphMemAllocNodeGetParams = %+v, %v", gp, err)
	}
	k1, err := hip.GraphAddKernelNode(g, []hip.GraphNode{an}, &hip.KernelNodeParams{Func: add, GridDim: grid, BlockDim: block,
		KernelParams: params(unsafe.Pointer(&dA), unsafe.Pointer(&dA), unsafe.Pointer(&tmp), unsafe.Pointer(&nArg))})
	ok(t, "GraphAddKernelNode", err)
	k2, err := hip.GraphAddKernelNode(g, []hip.GraphNode{k1}, &hip.KernelNodeParams{Func: add, GridDim: grid, BlockDim: block,
		KernelParams: params(unsafe.Pointer(&tmp), unsafe.Pointer(&dA), unsafe.Pointer(&dC), unsafe.Pointer(&nArg))})
	ok(t, "GraphAddKernelNode", err)
	fn, err := hip.GraphAddMemFreeNode(g, []hip.GraphNode{k2}, tmp)
	ok(t, "GraphAddMemFreeNode", err)
	if fp, err := hip.GraphMemFreeNodeGetParams(fn); err != nil || fp != tmp {
		t.Errorf("GraphMemFreeNodeGetParams = %#x, %v", uint64(fp), err)
	}
	_, err = hip.GraphAddMemFreeNode(g, nil, dA)
	wantCode(t, "free node of hipMalloc memory", err, hip.HipErrorInvalidValue)
	x, err := hip.GraphInstantiate(g)
	ok(t, "GraphInstantiate", err)
	for launch := 0; launch < 2; launch++ {
		ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dC, poisoned(n), 4*n))
		ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
		ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
		got := poisoned(n)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dC, 4*n))
		for i := range got {
			if got[i] != 3*a[i] {
				t.Fatalf("launch %d: c[%d] = %v, want %v", launch, i, got[i], 3*a[i])
			}
		}
	}
	ok(t, "GraphExecDestroy", hip.GraphExecDestroy(x))
	ok(t, "GraphDestroy", hip.GraphDestroy(g))
	ok(t, "DeviceGraphMemTrim", hip.DeviceGraphMemTrim(0))
	if r, err := hip.DeviceGetGraphMemAttribute(0, hip.HipGraphMemAttrReservedMemCurrent); err != nil || r != 0 {
		t.Errorf("reserved graph memory %d, %v after the graph is gone", r, err)
	}

	// Captured.
	ok(t, "StreamBeginCapture", hip.StreamBeginCapture(s, hip.HipStreamCaptureModeGlobal))
	ct, err := hip.MallocAsync(4*n, s)
	ok(t, "MallocAsync", err)
	ok(t, "ModuleLaunchKernel", hip.ModuleLaunchKernel(add, grid.X, 1, 1, block.X, 1, 1, 0, s,
		params(unsafe.Pointer(&dA), unsafe.Pointer(&dA), unsafe.Pointer(&ct), unsafe.Pointer(&nArg)), nil))
	ok(t, "ModuleLaunchKernel", hip.ModuleLaunchKernel(add, grid.X, 1, 1, block.X, 1, 1, 0, s,
		params(unsafe.Pointer(&ct), unsafe.Pointer(&ct), unsafe.Pointer(&dC), unsafe.Pointer(&nArg)), nil))
	ok(t, "FreeAsync", hip.FreeAsync(ct, s))
	cg, err := hip.StreamEndCapture(s)
	ok(t, "StreamEndCapture", err)
	cx, err := hip.GraphInstantiate(cg)
	ok(t, "GraphInstantiate", err)
	ok(t, "GraphLaunch", hip.GraphLaunch(cx, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	got := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dC, 4*n))
	for i := range got {
		if got[i] != 4*a[i] {
			t.Fatalf("captured graph: c[%d] = %v, want %v", i, got[i], 4*a[i])
		}
	}
	ok(t, "GraphExecDestroy", hip.GraphExecDestroy(cx))
	ok(t, "GraphDestroy", hip.GraphDestroy(cg))
}
