package cuda_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// TestGraphKernelNodePointers: cuGraphAddKernelNode with a made-up address
// in a pointer parameter is CUDA_ERROR_INVALID_VALUE, and cuGraphLaunch of
// an exec whose buffer was freed since instantiation is refused the same
// way instead of running the kernel on freed memory. In a child process:
// before the checks, the kernel ran on the made-up address.
func TestGraphKernelNodePointers(t *testing.T) {
	haltest.InSubprocess(t, graphKernelNodePointers)
}

func graphKernelNodePointers(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	f := function(t, loadKernels(t), "vector_add")
	const n = 64
	a := alloc(t, 4*n)
	out := val[cuda.DevicePtr](t)(cuda.MemAlloc(4 * n))
	bogus := cuda.DevicePtr(0xdeadbeef000)
	count := uint32(n)
	params := func(p cuda.DevicePtr) *cuda.KernelNodeParams {
		return &cuda.KernelNodeParams{Func: f, GridDimX: 1, GridDimY: 1, GridDimZ: 1, BlockDimX: n, BlockDimY: 1, BlockDimZ: 1,
			KernelParams: []unsafe.Pointer{unsafe.Pointer(&a), unsafe.Pointer(&a), unsafe.Pointer(&p), unsafe.Pointer(&count)}}
	}
	g := val[*cuda.Graph](t)(cuda.GraphCreate(0))
	defer cuda.GraphDestroy(g)
	_, err := cuda.GraphAddKernelNode(g, nil, params(bogus))
	wantErr(t, "cuGraphAddKernelNode with a made-up address", err, cuda.CUDA_ERROR_INVALID_VALUE)
	val[*cuda.GraphNode](t)(cuda.GraphAddKernelNode(g, nil, params(out)))
	x := val[*cuda.GraphExec](t)(cuda.GraphInstantiate(g, 0))
	defer cuda.GraphExecDestroy(x)
	ok(t, cuda.GraphLaunch(x, nil))
	ok(t, cuda.CtxSynchronize())
	ok(t, cuda.MemFree(out))
	wantErr(t, "cuGraphLaunch after a node's buffer was freed", cuda.GraphLaunch(x, nil), cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.GraphInstantiate(g, 0)
	wantErr(t, "cuGraphInstantiate after a node's buffer was freed", err, cuda.CUDA_ERROR_INVALID_VALUE)
}
