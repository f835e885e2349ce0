package hip_test

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

func TestMalloc(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	info := rt.Devices()[0].Info()

	p, err := hip.Malloc(0)
	if p != 0 || err != nil {
		t.Errorf("Malloc(0) = %#x, %v; want a null pointer and no error", uint64(p), err)
	}
	ok(t, "Free(0)", hip.Free(0))
	_, err = hip.Malloc(1 << 62)
	wantCode(t, "Malloc(1<<62)", err, hip.HipErrorOutOfMemory)

	p, err = hip.Malloc(1000)
	ok(t, "Malloc", err)
	base, size, err := hip.MemGetAddressRange(p + 999)
	ok(t, "MemGetAddressRange", err)
	if base != p || size != 1000 {
		t.Errorf("MemGetAddressRange(p+999) = %#x, %d; want %#x, 1000", uint64(base), size, uint64(p))
	}
	_, _, err = hip.MemGetAddressRange(p + 1000)
	wantCode(t, "MemGetAddressRange past the end", err, hip.HipErrorNotFound)
	sz, err := hip.MemPtrGetInfo(p + 10)
	ok(t, "MemPtrGetInfo", err)
	if sz != 1000 {
		t.Errorf("MemPtrGetInfo = %d", sz)
	}
	if sz, err := hip.MemPtrGetInfo(nil); sz != 0 || err != nil {
		t.Errorf("MemPtrGetInfo(nil) = %d, %v", sz, err)
	}
	_, err = hip.MemPtrGetInfo(hip.DevicePtr(8))
	wantCode(t, "MemPtrGetInfo unknown", err, hip.HipErrorInvalidValue)
	_, err = hip.MemPtrGetInfo("a string")
	wantCode(t, "MemPtrGetInfo string", err, hip.HipErrorInvalidValue)

	wantCode(t, "Free inside", hip.Free(p+8), hip.HipErrorInvalidValue)
	ok(t, "Free", hip.Free(p))
	wantCode(t, "Free twice", hip.Free(p), hip.HipErrorInvalidValue)
	wantCode(t, "Free unknown", hip.Free(0x1234), hip.HipErrorInvalidValue)

	// Pitched memory: rows padded to the device's pitch alignment.
	for _, w := range []uint64{1, 100, 512, 1000} {
		pp, pitch, err := hip.MallocPitch(w, 7)
		ok(t, "MallocPitch", err)
		align := uint64(max(info.PitchAlignment, 1))
		if pitch < w || pitch%align != 0 || pitch >= w+align {
			t.Errorf("MallocPitch(%d, 7): pitch %d, alignment %d", w, pitch, align)
		}
		if _, size, _ := hip.MemGetAddressRange(pp); size != pitch*7 {
			t.Errorf("MallocPitch(%d, 7): %d bytes, want %d", w, size, pitch*7)
		}
		ok(t, "Free pitched", hip.Free(pp))
	}
	if pp, pitch, err := hip.MallocPitch(0, 5); pp != 0 || pitch != 0 || err != nil {
		t.Errorf("MallocPitch(0, 5) = %#x, %d, %v", uint64(pp), pitch, err)
	}

	free, total, err := hip.MemGetInfo()
	ok(t, "MemGetInfo", err)
	if total != info.TotalMem || free > total {
		t.Errorf("MemGetInfo = %d of %d (device %d)", free, total, info.TotalMem)
	}
	hip.GetLastError()
}

func TestHostMemory(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const n = 4096
	h, err := hip.HostMalloc(n, hip.HipHostMallocMapped|hip.HipHostMallocPortable)
	ok(t, "HostMalloc", err)
	host := unsafe.Slice((*byte)(h), n)
	for i := range host {
		host[i] = byte(i * 7)
	}
	flags, err := hip.HostGetFlags(h)
	ok(t, "HostGetFlags", err)
	if flags != hip.HipHostMallocMapped|hip.HipHostMallocPortable {
		t.Errorf("HostGetFlags = %#x", flags)
	}
	dp, err := hip.HostGetDevicePointer(h, 0)
	ok(t, "HostGetDevicePointer", err)
	_, err = hip.HostGetDevicePointer(h, 1)
	wantCode(t, "HostGetDevicePointer flags", err, hip.HipErrorInvalidValue)
	// The device address reads the host bytes.
	d := malloc(t, n)
	ok(t, "MemcpyDtoD from mapped host memory", hip.MemcpyDtoD(d, dp, n))
	got := make([]byte, n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, d, n))
	if !bytes.Equal(got, host) {
		t.Error("device copy of mapped host memory differs")
	}
	a, err := hip.PointerGetAttributes(h)
	ok(t, "PointerGetAttributes host", err)
	if a.Type != hip.HipMemoryTypeHost || a.HostPointer != h || a.DevicePointer != dp || a.IsManaged != 0 ||
		a.AllocationFlags != flags {
		t.Errorf("PointerGetAttributes(pinned) = %+v", a)
	}
	ok(t, "HostFree", hip.HostFree(h))
	wantCode(t, "HostFree twice", hip.HostFree(h), hip.HipErrorInvalidValue)
	ok(t, "HostFree(nil)", hip.HostFree(nil))

	// The deprecated spellings.
	h2, err := hip.MallocHost(64)
	ok(t, "MallocHost", err)
	ok(t, "FreeHost", hip.FreeHost(h2))
	h3, err := hip.HostAlloc(64, hip.HipHostAllocWriteCombined)
	ok(t, "HostAlloc", err)
	// hipFree frees host memory too, as in AMD's runtime.
	hp, err := hip.HostGetDevicePointer(h3, 0)
	ok(t, "HostGetDevicePointer", err)
	ok(t, "Free(host memory)", hip.Free(hp))
	if p, err := hip.HostMalloc(0, 0); p != nil || err != nil {
		t.Errorf("HostMalloc(0) = %p, %v", p, err)
	}
	for _, bad := range []uint32{0x8, hip.HipHostMallocCoherent | hip.HipHostMallocNonCoherent,
		hip.HipHostMallocUncached | hip.HipHostMallocCoherent} {
		_, err := hip.HostMalloc(64, bad)
		wantCode(t, "HostMalloc bad flags", err, hip.HipErrorInvalidValue)
	}
	_, err = hip.HostGetFlags(unsafe.Pointer(&got[0]))
	wantCode(t, "HostGetFlags of Go memory", err, hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestHostRegister(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	if !rt.Devices()[0].Info().HostRegisterSupported {
		t.Skip("the device cannot register host memory")
	}
	const n = 3000
	buf := seq(n, func(i int) float32 { return float32(i) / 3 })
	ok(t, "HostRegister", hip.HostRegister(buf, 4*n, hip.HipHostRegisterMapped))
	wantCode(t, "HostRegister twice", hip.HostRegister(buf, 4*n, 0), hip.HipErrorHostMemoryAlreadyRegistered)
	flags, err := hip.HostGetFlags(buf)
	ok(t, "HostGetFlags", err)
	if flags != hip.HipHostRegisterMapped {
		t.Errorf("HostGetFlags = %#x", flags)
	}
	a, err := hip.PointerGetAttributes(buf)
	ok(t, "PointerGetAttributes registered", err)
	if a.Type != hip.HipMemoryTypeHost || a.HostPointer != unsafe.Pointer(&buf[0]) {
		t.Errorf("PointerGetAttributes(registered) = %+v", a)
	}
	dp, err := hip.HostGetDevicePointer(buf, 0)
	ok(t, "HostGetDevicePointer", err)
	// An asynchronous copy out of registered memory, then back into it.
	d := malloc(t, 4*n)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	ok(t, "MemcpyHtoDAsync", hip.MemcpyHtoDAsync(d, buf, 4*n, s))
	ok(t, "MemcpyAsync D2D", hip.MemcpyAsync(d+4, dp, 4*(n-1), hip.HipMemcpyDefault, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	want := append([]float32{buf[0]}, buf[:n-1]...)
	ok(t, "MemcpyDtoHAsync into registered memory", hip.MemcpyDtoHAsync(buf, d, 4*n, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	checkFloats(t, "registered round trip", buf, want)
	ok(t, "StreamDestroy", hip.StreamDestroy(s))

	ok(t, "HostUnregister", hip.HostUnregister(buf))
	wantCode(t, "HostUnregister twice", hip.HostUnregister(buf), hip.HipErrorHostMemoryNotRegistered)
	wantCode(t, "HostRegister past the slice", hip.HostRegister(buf, 4*n+4, 0), hip.HipErrorInvalidValue)
	wantCode(t, "HostRegister bad flags", hip.HostRegister(buf, 4*n, 0x40), hip.HipErrorInvalidValue)
	wantCode(t, "HostRegister(nil)", hip.HostRegister(nil, 4, 0), hip.HipErrorInvalidValue)
	wantCode(t, "HostRegister(DevicePtr)", hip.HostRegister(d, 4, 0), hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestManagedMemory(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	if !rt.Devices()[0].Info().ManagedMemory {
		t.Skip("the device has no managed memory")
	}
	const n = 1000
	p, err := hip.MallocManaged(4*n, hip.HipMemAttachGlobal)
	ok(t, "MallocManaged", err)
	a, err := hip.PointerGetAttributes(p)
	ok(t, "PointerGetAttributes managed", err)
	if a.Type != hip.HipMemoryTypeManaged || a.IsManaged != 1 || a.HostPointer == nil || a.AllocationFlags != hip.HipMemAttachGlobal {
		t.Fatalf("PointerGetAttributes(managed) = %+v", a)
	}
	// The host reads and writes it directly.
	host := unsafe.Slice((*float32)(a.HostPointer), n)
	for i := range host {
		host[i] = float32(i)
	}
	ok(t, "MemsetD32 part", hip.MemsetD32(p+40, 0x40400000, 5)) // 3.0f
	want := seq(n, func(i int) float32 { return float32(i) })
	for i := 10; i < 15; i++ {
		want[i] = 3
	}
	checkFloats(t, "managed memory", host, want)

	// Advice and prefetches are checked, and recorded for
	// MemRangeGetAttribute(s).
	vs, err := hip.MemRangeGetAttributes([]hip.MemRangeAttribute{hip.HipMemRangeAttributeReadMostly,
		hip.HipMemRangeAttributePreferredLocation, hip.HipMemRangeAttributeAccessedBy,
		hip.HipMemRangeAttributeLastPrefetchLocation, hip.HipMemRangeAttributeCoherencyMode}, p, 4*n)
	ok(t, "MemRangeGetAttributes before advice", err)
	if fmt.Sprint(vs) != fmt.Sprint([]any{0, hip.HipInvalidDeviceId, []int{}, hip.HipInvalidDeviceId, hip.HipMemRangeCoherencyModeFineGrain}) {
		t.Errorf("MemRangeGetAttributes before advice = %v", vs)
	}
	ok(t, "MemAdvise", hip.MemAdvise(p, 4*n, hip.HipMemAdviseSetReadMostly, 0))
	ok(t, "MemAdvise preferred", hip.MemAdvise(p, 4*n, hip.HipMemAdviseSetPreferredLocation, hip.HipCpuDeviceId))
	ok(t, "MemAdvise accessed by 0", hip.MemAdvise(p+8, 8, hip.HipMemAdviseSetAccessedBy, 0))
	ok(t, "MemAdvise accessed by the host", hip.MemAdvise(p, 4, hip.HipMemAdviseSetAccessedBy, hip.HipCpuDeviceId))
	ok(t, "MemAdvise coarse grain", hip.MemAdvise(p, 4*n, hip.HipMemAdviseSetCoarseGrain, 0))
	wantCode(t, "MemAdvise bad device", hip.MemAdvise(p, 4*n, hip.HipMemAdviseSetAccessedBy, 9), hip.HipErrorInvalidDevice)
	wantCode(t, "MemAdvise bad advice", hip.MemAdvise(p, 4*n, 42, 0), hip.HipErrorInvalidValue)
	wantCode(t, "MemAdvise past the end", hip.MemAdvise(p, 4*n+1, hip.HipMemAdviseSetReadMostly, 0), hip.HipErrorInvalidValue)
	wantCode(t, "MemAdvise empty", hip.MemAdvise(p, 0, hip.HipMemAdviseSetReadMostly, 0), hip.HipErrorInvalidValue)
	wantCode(t, "MemAdvise coarse grain past the end", hip.MemAdvise(p, 4*n+1, hip.HipMemAdviseSetCoarseGrain, 0), hip.HipErrorInvalidValue)
	ok(t, "MemPrefetchAsync to the host", hip.MemPrefetchAsync(p+4, 8, hip.HipCpuDeviceId, nil))
	v, err := hip.MemRangeGetAttribute(hip.HipMemRangeAttributeLastPrefetchLocation, p, 4*n)
	ok(t, "MemRangeGetAttribute last prefetch", err)
	if v != hip.HipCpuDeviceId {
		t.Errorf("LastPrefetchLocation after a prefetch to the host = %v", v)
	}
	ok(t, "MemPrefetchAsync", hip.MemPrefetchAsync(p, 4*n, 0, nil))
	wantCode(t, "MemPrefetchAsync bad device", hip.MemPrefetchAsync(p, 4*n, 5, nil), hip.HipErrorInvalidDevice)
	wantCode(t, "MemPrefetchAsync past the end", hip.MemPrefetchAsync(p, 4*n+4, 0, nil), hip.HipErrorInvalidValue)
	wantCode(t, "MemPrefetchAsync null", hip.MemPrefetchAsync(hip.DevicePtr(0), 4, 0, nil), hip.HipErrorInvalidValue)
	var local [4]byte
	wantCode(t, "MemPrefetchAsync unknown", hip.MemPrefetchAsync(unsafe.Pointer(&local[0]), 4, 0, nil), hip.HipErrorNotSupported)
	ok(t, "StreamSynchronize", hip.StreamSynchronize(nil))

	vs, err = hip.MemRangeGetAttributes([]hip.MemRangeAttribute{hip.HipMemRangeAttributeReadMostly,
		hip.HipMemRangeAttributePreferredLocation, hip.HipMemRangeAttributeAccessedBy,
		hip.HipMemRangeAttributeLastPrefetchLocation, hip.HipMemRangeAttributeCoherencyMode}, p+16, 16)
	ok(t, "MemRangeGetAttributes", err)
	wantAttrs := []any{1, hip.HipCpuDeviceId, []int{hip.HipCpuDeviceId, 0}, 0, hip.HipMemRangeCoherencyModeFineGrain}
	if fmt.Sprint(vs) != fmt.Sprint(wantAttrs) {
		t.Errorf("MemRangeGetAttributes after advice = %v, want %v", vs, wantAttrs)
	}
	ok(t, "MemAdvise unset read mostly", hip.MemAdvise(p, 4*n, hip.HipMemAdviseUnsetReadMostly, 9))
	ok(t, "MemAdvise unset accessed by", hip.MemAdvise(p, 4*n, hip.HipMemAdviseUnsetAccessedBy, hip.HipCpuDeviceId))
	v, err = hip.MemRangeGetAttribute(hip.HipMemRangeAttributeReadMostly, p, 4*n)
	ok(t, "MemRangeGetAttribute", err)
	if v != 0 {
		t.Errorf("ReadMostly after unsetting = %v", v)
	}
	v, err = hip.MemRangeGetAttribute(hip.HipMemRangeAttributeAccessedBy, p, 4*n)
	ok(t, "MemRangeGetAttribute accessed by", err)
	if fmt.Sprint(v) != "[0]" {
		t.Errorf("AccessedBy after unsetting the host = %v", v)
	}
	_, err = hip.MemRangeGetAttribute(77, p, 4)
	wantCode(t, "MemRangeGetAttribute(77)", err, hip.HipErrorInvalidValue)
	_, err = hip.MemRangeGetAttributes(nil, p, 4)
	wantCode(t, "MemRangeGetAttributes()", err, hip.HipErrorInvalidValue)
	dev := malloc(t, 64)
	_, err = hip.MemRangeGetAttribute(hip.HipMemRangeAttributeReadMostly, dev, 4)
	wantCode(t, "MemRangeGetAttribute of device memory", err, hip.HipErrorInvalidValue)
	wantCode(t, "MemAdvise of device memory", hip.MemAdvise(dev, 4, hip.HipMemAdviseSetReadMostly, 0), hip.HipErrorInvalidValue)

	ok(t, "Free managed", hip.Free(p))
	_, err = hip.MallocManaged(0, hip.HipMemAttachGlobal)
	wantCode(t, "MallocManaged(0)", err, hip.HipErrorInvalidValue)
	_, err = hip.MallocManaged(64, hip.HipMemAttachSingle)
	wantCode(t, "MallocManaged single", err, hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestPointerAttributes(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	p := malloc(t, 256)
	a, err := hip.PointerGetAttributes(p + 16)
	ok(t, "PointerGetAttributes", err)
	if a.Type != hip.HipMemoryTypeDevice || a.Device != 0 || a.DevicePointer != p+16 || a.IsManaged != 0 {
		t.Errorf("PointerGetAttributes(device) = %+v", a)
	}
	cur, _ := hip.CtxGetCurrent()
	for attr, want := range map[hip.PointerAttribute]any{
		hip.HIP_POINTER_ATTRIBUTE_CONTEXT:                    cur,
		hip.HIP_POINTER_ATTRIBUTE_MEMORY_TYPE:                hip.HipMemoryTypeDevice,
		hip.HIP_POINTER_ATTRIBUTE_DEVICE_POINTER:             p + 16,
		hip.HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS:                true,
		hip.HIP_POINTER_ATTRIBUTE_BUFFER_ID:                  uint64(p),
		hip.HIP_POINTER_ATTRIBUTE_IS_MANAGED:                 false,
		hip.HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL:             0,
		hip.HIP_POINTER_ATTRIBUTE_IS_LEGACY_HIP_IPC_CAPABLE:  true,
		hip.HIP_POINTER_ATTRIBUTE_RANGE_START_ADDR:           p,
		hip.HIP_POINTER_ATTRIBUTE_RANGE_SIZE:                 uint64(256),
		hip.HIP_POINTER_ATTRIBUTE_MAPPED:                     true,
		hip.HIP_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:       uint64(0),
		hip.HIP_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE: false,
		hip.HIP_POINTER_ATTRIBUTE_ACCESS_FLAGS:               hip.HipMemAccessFlagsProtReadWrite,
		hip.HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE:             hip.MemPool(nil),
	} {
		got, err := hip.PointerGetAttribute(attr, p+16)
		ok(t, attr.String(), err)
		if got != want {
			t.Errorf("PointerGetAttribute(%v) = %v (%T), want %v (%T)", attr, got, got, want, want)
		}
	}
	if rt.Devices()[0].Info().Driver != "cpu" {
		// Device memory has no host address on a GPU.
		_, err = hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_HOST_POINTER, p)
		wantCode(t, "HOST_POINTER of device memory", err, hip.HipErrorInvalidValue)
	}
	_, err = hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_P2P_TOKENS, p)
	wantCode(t, "P2P_TOKENS", err, hip.HipErrorNotSupported)
	_, err = hip.PointerGetAttribute(99, p)
	wantCode(t, "attribute 99", err, hip.HipErrorInvalidValue)
	vs, err := hip.DrvPointerGetAttributes([]hip.PointerAttribute{hip.HIP_POINTER_ATTRIBUTE_RANGE_SIZE,
		hip.HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL}, p)
	ok(t, "DrvPointerGetAttributes", err)
	if vs[0] != uint64(256) || vs[1] != 0 {
		t.Errorf("DrvPointerGetAttributes = %v", vs)
	}
	_, err = hip.DrvPointerGetAttributes(nil, p)
	wantCode(t, "DrvPointerGetAttributes no attributes", err, hip.HipErrorInvalidValue)

	// Unknown memory: HIP's pre-CUDA-11 behaviour.
	var local [8]byte
	_, err = hip.PointerGetAttributes(unsafe.Pointer(&local[0]))
	wantCode(t, "PointerGetAttributes of Go memory", err, hip.HipErrorInvalidValue)
	_, err = hip.PointerGetAttributes(hip.DevicePtr(0))
	wantCode(t, "PointerGetAttributes(0)", err, hip.HipErrorInvalidValue)
	_, err = hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_MEMORY_TYPE, p+256)
	wantCode(t, "PointerGetAttribute past the end", err, hip.HipErrorInvalidValue)

	ok(t, "PointerSetAttribute", hip.PointerSetAttribute(true, hip.HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS, p))
	wantCode(t, "PointerSetAttribute other attribute", hip.PointerSetAttribute(1, hip.HIP_POINTER_ATTRIBUTE_MAPPED, p),
		hip.HipErrorInvalidValue)
	wantCode(t, "PointerSetAttribute bad value", hip.PointerSetAttribute("yes", hip.HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS, p),
		hip.HipErrorInvalidValue)
	wantCode(t, "PointerSetAttribute unknown pointer", hip.PointerSetAttribute(true, hip.HIP_POINTER_ATTRIBUTE_SYNC_MEMOPS, 0x20),
		hip.HipErrorInvalidValue)
	hip.GetLastError()
}
