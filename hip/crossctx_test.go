package hip_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

// TestCrossContextMisuse: hipModuleLaunchKernel of context 1's function on
// context 2's stream and hipEventRecord of context 1's event on context
// 2's stream are hipErrorInvalidHandle; hipStreamWaitEvent across contexts
// and hipFree of another context's memory succeed; a device 0 kernel given
// device 1's memory is hipErrorInvalidValue until hipDeviceEnablePeerAccess.
func TestCrossContextMisuse(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	c1, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	defer hip.CtxDestroy(c1)
	m := loadKernels(t)
	f := function(t, m, "vector_add")
	e1, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	defer hip.EventDestroy(e1)
	s1, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	defer hip.StreamDestroy(s1)
	const n = 32
	d := malloc(t, 4*n)

	c2, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	defer hip.CtxDestroy(c2)
	s2, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	defer hip.StreamDestroy(s2)
	count := uint32(n)
	params := []unsafe.Pointer{unsafe.Pointer(&d), unsafe.Pointer(&d), unsafe.Pointer(&d), unsafe.Pointer(&count)}
	wantCode(t, "hipModuleLaunchKernel of context 1's function on context 2's stream",
		hip.ModuleLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, s2, params, nil), hip.HipErrorInvalidHandle)
	wantCode(t, "hipEventRecord of context 1's event on context 2's stream", hip.EventRecord(e1, s2), hip.HipErrorInvalidHandle)
	ok(t, "EventRecord", hip.EventRecord(e1, s1))
	ok(t, "StreamWaitEvent across contexts", hip.StreamWaitEvent(s2, e1, 0))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s2))
	p2, err := hip.Malloc(64) // in c2
	ok(t, "Malloc", err)
	ok(t, "CtxSetCurrent", hip.CtxSetCurrent(c1))
	ok(t, "hipFree of context 2's memory from context 1", hip.Free(p2))
	wantCode(t, "second hipFree", hip.Free(p2), hip.HipErrorInvalidValue)

	// Device 1's memory in a device 0 kernel.
	if can, err := hip.DeviceCanAccessPeer(0, 1); err != nil || !can {
		t.Skipf("needs two devices with peer access (%v)", err)
	}
	ok(t, "SetDevice", hip.SetDevice(1))
	p1, err := hip.Malloc(4 * n)
	ok(t, "Malloc", err)
	defer hip.Free(p1)
	in := seq(n, func(i int) float32 { return float32(i) + 0.75 })
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(p1, unsafe.Pointer(&in[0]), 4*n))
	ok(t, "CtxSetCurrent", hip.CtxSetCurrent(c1))
	params = []unsafe.Pointer{unsafe.Pointer(&p1), unsafe.Pointer(&p1), unsafe.Pointer(&d), unsafe.Pointer(&count)}
	wantCode(t, "device 0 kernel on device 1's memory without peer access",
		hip.ModuleLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, s1, params, nil), hip.HipErrorInvalidValue)
	ok(t, "DeviceEnablePeerAccess", hip.DeviceEnablePeerAccess(1, 0))
	ok(t, "ModuleLaunchKernel with peer access", hip.ModuleLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, s1, params, nil))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s1))
	out := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(unsafe.Pointer(&out[0]), d, 4*n))
	for i := range out {
		if out[i] != 2*in[i] {
			t.Fatalf("out[%d] = %v, want %v", i, out[i], 2*in[i])
		}
	}
	ok(t, "DeviceDisablePeerAccess", hip.DeviceDisablePeerAccess(1))
}
