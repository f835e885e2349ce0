package cuda_test

import (
	"math"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// TestReadmeExample is the original README's example (its HIP program
// with the CUDA names), step by step.
func TestReadmeExample(t *testing.T) {
	setup(t, streaming.Options{}) // 1. cuInit(0)
	modulePath := filepathJoin(t, "vector_add.fat")
	const n = 1024
	const size = n * 4

	// 2. Get device and create context.
	device := val[cuda.Device](t)(cuda.DeviceGet(0))
	name := val[string](t)(cuda.DeviceGetName(device))
	t.Logf("Using device: %s", name)
	context := val[*cuda.Context](t)(cuda.CtxCreate(0, device))

	// 3. Load module and get kernel function.
	module := val[*cuda.Module](t)(cuda.ModuleLoad(modulePath))
	vectorAddFunc := val[*cuda.Function](t)(cuda.ModuleGetFunction(module, "vector_add"))

	// 4. Allocate host memory and initialize input vectors.
	hA, hB, hC := make([]float32, n), make([]float32, n), poisoned(n)
	for i := 0; i < n; i++ {
		hA[i] = float32(i) * 2
		hB[i] = float32(i) * 3
	}

	// 5. Allocate device memory.
	dA := val[cuda.DevicePtr](t)(cuda.MemAlloc(size))
	dB := val[cuda.DevicePtr](t)(cuda.MemAlloc(size))
	dC := val[cuda.DevicePtr](t)(cuda.MemAlloc(size))

	// 6. Copy input data to device.
	ok(t, cuda.MemcpyHtoD(dA, unsafe.Pointer(&hA[0]), size))
	ok(t, cuda.MemcpyHtoD(dB, unsafe.Pointer(&hB[0]), size))

	// 7. Launch kernel.
	const threadsPerBlock = 256
	const blocksPerGrid = (n + threadsPerBlock - 1) / threadsPerBlock
	nParam := uint32(n)
	kernelParams := []unsafe.Pointer{unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nParam), nil}
	ok(t, cuda.LaunchKernel(vectorAddFunc,
		blocksPerGrid, 1, 1, // grid dimensions
		threadsPerBlock, 1, 1, // block dimensions
		0,            // shared memory
		nil,          // stream
		kernelParams, // kernel parameters
		nil))         // extra

	// 8. Synchronize and get results.
	ok(t, cuda.CtxSynchronize())
	ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&hC[0]), dC, size))

	// 9. Verify results.
	errs := 0
	for i := 0; i < n; i++ {
		expected := hA[i] + hB[i] // i * 5
		if math.Abs(float64(expected-hC[i])) > 1e-5 || expected != float32(i)*5 {
			errs++
		}
	}
	if errs != 0 {
		t.Errorf("Result: FAILURE (%d errors)", errs)
	}

	// 10. Cleanup.
	ok(t, cuda.MemFree(dA))
	ok(t, cuda.MemFree(dB))
	ok(t, cuda.MemFree(dC))
	ok(t, cuda.ModuleUnload(module))
	ok(t, cuda.CtxDestroy(context))
}

// TestMultiDeviceExample is the original README's multi-device example,
// run on two CPU devices (or the devices of the backend under test), with
// the transfer it leaves out checked.
func TestMultiDeviceExample(t *testing.T) {
	setup(t, streaming.Options{CPUDevices: 2})

	// Enumerate all devices.
	deviceCount := val[int](t)(cuda.DeviceGetCount())
	if deviceCount < 2 {
		t.Skipf("%d device(s): the example needs two", deviceCount)
	}

	// Create contexts for each device.
	contexts := make([]*cuda.Context, deviceCount)
	for i := 0; i < deviceCount; i++ {
		device := val[cuda.Device](t)(cuda.DeviceGet(i))
		contexts[i] = val[*cuda.Context](t)(cuda.CtxCreate(0, device))
	}

	// Check P2P capabilities.
	canAccess := val[bool](t)(cuda.DeviceCanAccessPeer(0, 1))
	if canAccess {
		ok(t, cuda.CtxSetCurrent(contexts[0]))
		ok(t, cuda.CtxEnablePeerAccess(contexts[1], 0))
	}

	// Perform P2P transfer: d_src in context 0, d_dst in context 1.
	const size = 1<<20 + 12
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(i*7 + i>>8)
	}
	dSrc := val[cuda.DevicePtr](t)(contexts[0].MemAlloc(size))
	dDst := val[cuda.DevicePtr](t)(contexts[1].MemAlloc(size))
	ok(t, contexts[0].MemcpyHtoD(dSrc, unsafe.Pointer(&src[0]), size))
	ok(t, contexts[1].MemsetD8(dDst, 0, size))
	ok(t, cuda.CtxSetCurrent(contexts[0]))
	ok(t, cuda.MemcpyPeer(dDst, contexts[1], dSrc, contexts[0], size))
	got := make([]byte, size)
	ok(t, contexts[1].MemcpyDtoH(unsafe.Pointer(&got[0]), dDst, size))
	checkBytes(t, "MemcpyPeer", got, src)
	var ordinal int
	ok(t, cuda.PointerGetAttribute(&ordinal, cuda.CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, dDst))
	if ordinal != 1 {
		t.Errorf("destination on device %d, want 1", ordinal)
	}

	// And back, asynchronously on a stream of device 1.
	s := val[*cuda.Stream](t)(contexts[1].StreamCreate(cuda.CU_STREAM_NON_BLOCKING))
	ok(t, contexts[0].MemsetD8(dSrc, 0, size))
	ok(t, cuda.MemcpyPeerAsync(dSrc, contexts[0], dDst, contexts[1], size, s))
	ok(t, cuda.StreamSynchronize(s))
	for i := range got {
		got[i] = 0
	}
	ok(t, contexts[0].MemcpyDtoH(unsafe.Pointer(&got[0]), dSrc, size))
	checkBytes(t, "MemcpyPeerAsync", got, src)
	wantErr(t, "MemcpyPeer with a nil context", cuda.MemcpyPeer(dDst, nil, dSrc, contexts[0], size), cuda.CUDA_ERROR_INVALID_CONTEXT)

	ok(t, cuda.StreamDestroy(s))
	for _, c := range contexts {
		ok(t, cuda.CtxDestroy(c))
	}
}
