package cuda_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// TestCrossContextMisuse is streaming's cross-context test with the C
// calls: cuLaunchKernel of context 1's function on context 2's stream and
// cuEventRecord of context 1's event on context 2's stream are
// CUDA_ERROR_INVALID_HANDLE; cuStreamWaitEvent across contexts and
// cuMemFree of another context's memory succeed; a kernel of device 0
// given device 1's memory is CUDA_ERROR_INVALID_VALUE until
// cuCtxEnablePeerAccess.
func TestCrossContextMisuse(t *testing.T) {
	opts := streaming.Options{}
	if backend() == "cpu" {
		opts.CPUDevices = 2
	}
	setup(t, opts)
	// Destroying c1 at the end frees what it owns: its module, event,
	// stream and memory.
	c1 := val[*cuda.Context](t)(cuda.CtxCreate(0, 0))
	defer cuda.CtxDestroy(c1)
	mod := val[*cuda.Module](t)(cuda.ModuleLoad(kernelsPath(t)))
	f := function(t, mod, "vector_add")
	e1 := val[*cuda.Event](t)(cuda.EventCreate(0))
	s1 := val[*cuda.Stream](t)(cuda.StreamCreate(0))
	const n = 32
	d := val[cuda.DevicePtr](t)(cuda.MemAlloc(4 * n))

	c2 := val[*cuda.Context](t)(cuda.CtxCreate(0, 0)) // now current
	defer cuda.CtxDestroy(c2)
	s2 := val[*cuda.Stream](t)(cuda.StreamCreate(0))
	count := uint32(n)
	params := []unsafe.Pointer{unsafe.Pointer(&d), unsafe.Pointer(&d), unsafe.Pointer(&d), unsafe.Pointer(&count)}
	wantErr(t, "cuLaunchKernel of context 1's function on context 2's stream",
		cuda.LaunchKernel(f, 1, 1, 1, n, 1, 1, 0, s2, params, nil), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "cuEventRecord of context 1's event on context 2's stream",
		cuda.EventRecord(e1, s2), cuda.CUDA_ERROR_INVALID_HANDLE)
	// The NULL stream means the current context's (c2's): refused too.
	wantErr(t, "cuEventRecord of context 1's event on the NULL stream with context 2 current",
		cuda.EventRecord(e1, nil), cuda.CUDA_ERROR_INVALID_HANDLE)
	ok(t, cuda.EventRecord(e1, s1))
	ok(t, cuda.StreamWaitEvent(s2, e1, 0))
	ok(t, cuda.StreamSynchronize(s2))
	ok(t, cuda.StreamDestroy(s2))
	p2 := val[cuda.DevicePtr](t)(c2.MemAlloc(64))
	ok(t, c1.MemFree(p2))
	wantErr(t, "second cuMemFree", c2.MemFree(p2), cuda.CUDA_ERROR_INVALID_VALUE)
	_ = val[*cuda.Context](t)(cuda.CtxPopCurrent())

	// Device 1's memory in a device 0 kernel.
	if val[int](t)(cuda.DeviceGetCount()) < 2 || !val[bool](t)(cuda.DeviceCanAccessPeer(0, 1)) {
		t.Skip("needs two devices with peer capability")
	}
	cd1 := val[*cuda.Context](t)(cuda.CtxCreate(0, 1))
	defer cuda.CtxDestroy(cd1)
	p1 := val[cuda.DevicePtr](t)(cd1.MemAlloc(4 * n))
	defer cd1.MemFree(p1)
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i) + 0.25
	}
	ok(t, cd1.MemcpyHtoD(p1, unsafe.Pointer(&in[0]), 4*n))
	_ = val[*cuda.Context](t)(cuda.CtxPopCurrent()) // c1 is current again
	params = []unsafe.Pointer{unsafe.Pointer(&p1), unsafe.Pointer(&p1), unsafe.Pointer(&d), unsafe.Pointer(&count)}
	wantErr(t, "cuLaunchKernel on device 0 with device 1's memory, no peer access",
		cuda.LaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nil, params, nil), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.CtxEnablePeerAccess(cd1, 0))
	ok(t, cuda.LaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nil, params, nil))
	out := make([]float32, n)
	ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&out[0]), d, 4*n))
	for i := range out {
		if out[i] != 2*in[i] {
			t.Fatalf("out[%d] = %v, want %v", i, out[i], 2*in[i])
		}
	}
	ok(t, cuda.CtxDisablePeerAccess(cd1))
}
