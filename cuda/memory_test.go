package cuda_test

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

func TestMemory(t *testing.T) {
	setup(t, streaming.Options{})
	ctx := primary(t)

	free, total, err := cuda.MemGetInfo()
	if err != nil || total == 0 || free > total {
		t.Errorf("MemGetInfo = %d, %d, %v", free, total, err)
	}
	_, err = cuda.MemAlloc(0)
	wantErr(t, "MemAlloc(0)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.MemAlloc(1 << 62)
	wantErr(t, "MemAlloc(1<<62)", err, cuda.CUDA_ERROR_OUT_OF_MEMORY)

	const n = 1000
	p := val[cuda.DevicePtr](t)(cuda.MemAlloc(n))
	if p == 0 {
		t.Fatal("MemAlloc returned 0")
	}
	base, size, err := cuda.MemGetAddressRange(p + 123)
	if err != nil || base != p || size != n {
		t.Errorf("MemGetAddressRange(p+123) = %#x, %d, %v; want %#x, %d", base, size, err, p, n)
	}
	_, _, err = cuda.MemGetAddressRange(p + n + 1<<40)
	wantErr(t, "MemGetAddressRange(nowhere)", err, cuda.CUDA_ERROR_NOT_FOUND)
	wantErr(t, "MemFree(p+4)", cuda.MemFree(p+4), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.MemFree(0))
	ok(t, cuda.MemFree(p))
	wantErr(t, "MemFree twice", cuda.MemFree(p), cuda.CUDA_ERROR_INVALID_VALUE)

	// Pitched memory: every row starts pitch bytes after the previous.
	pp, pitch, err := cuda.MemAllocPitch(100, 7, 4)
	if err != nil || pitch < 100 {
		t.Fatalf("MemAllocPitch = %#x, %d, %v", pp, pitch, err)
	}
	if align := val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT, 0)); align > 0 && pitch%uint64(align) != 0 {
		t.Errorf("pitch %d is not a multiple of the pitch alignment %d", pitch, align)
	}
	if _, size, _ := cuda.MemGetAddressRange(pp); size < 7*pitch {
		t.Errorf("pitched allocation of %d bytes, want at least %d", size, 7*pitch)
	}
	ok(t, cuda.MemsetD8(pp+cuda.DevicePtr(6*pitch), 0xab, 100)) // the last row is writable
	ok(t, cuda.MemFree(pp))
	_, _, err = cuda.MemAllocPitch(100, 7, 3)
	wantErr(t, "MemAllocPitch element size 3", err, cuda.CUDA_ERROR_INVALID_VALUE)

	// Page-locked host memory.
	h := val[unsafe.Pointer](t)(cuda.MemAllocHost(4096))
	hb := unsafe.Slice((*byte)(h), 4096)
	for i := range hb {
		hb[i] = byte(i * 7)
	}
	dh := val[cuda.DevicePtr](t)(cuda.MemHostGetDevicePointer(h, 0))
	_, err = cuda.MemHostGetDevicePointer(h, 1)
	wantErr(t, "MemHostGetDevicePointer flags 1", err, cuda.CUDA_ERROR_INVALID_VALUE)
	d := val[cuda.DevicePtr](t)(cuda.MemAlloc(4096))
	ok(t, cuda.Memcpy(d, dh, 4096)) // through the device address
	back := make([]byte, 4096)
	ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&back[0]), d, 4096))
	for i := range back {
		if back[i] != byte(i*7) {
			t.Fatalf("byte %d through MemHostGetDevicePointer = %d, want %d", i, back[i], byte(i*7))
		}
	}
	if f := val[uint32](t)(cuda.MemHostGetFlags(h)); f != 0 {
		t.Errorf("MemHostGetFlags(MemAllocHost) = %#x", f)
	}
	ok(t, cuda.MemFreeHost(h))
	wantErr(t, "MemFreeHost twice", cuda.MemFreeHost(h), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.MemFreeHost(nil))
	h2 := val[unsafe.Pointer](t)(cuda.MemHostAlloc(100, cuda.CU_MEMHOSTALLOC_PORTABLE|cuda.CU_MEMHOSTALLOC_DEVICEMAP))
	if f := val[uint32](t)(cuda.MemHostGetFlags(h2)); f != cuda.CU_MEMHOSTALLOC_PORTABLE|cuda.CU_MEMHOSTALLOC_DEVICEMAP {
		t.Errorf("MemHostGetFlags = %#x", f)
	}
	ok(t, ctx.MemFreeHost(h2))
	_, err = cuda.MemHostAlloc(100, 0x80)
	wantErr(t, "MemHostAlloc flags 0x80", err, cuda.CUDA_ERROR_INVALID_VALUE)
	goMem := make([]byte, 64)
	_, err = cuda.MemHostGetFlags(unsafe.Pointer(&goMem[0]))
	wantErr(t, "MemHostGetFlags(Go memory)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemFreeHost(Go memory)", cuda.MemFreeHost(unsafe.Pointer(&goMem[0])), cuda.CUDA_ERROR_INVALID_VALUE)

	// Registered Go memory.
	if val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED, 0)) == 1 {
		reg := make([]uint32, 1024)
		rp := unsafe.Pointer(&reg[0])
		ok(t, cuda.MemHostRegister(rp, 4096, cuda.CU_MEMHOSTREGISTER_DEVICEMAP))
		wantErr(t, "MemHostRegister twice", cuda.MemHostRegister(rp, 4096, 0), cuda.CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED)
		if f := val[uint32](t)(cuda.MemHostGetFlags(rp)); f != cuda.CU_MEMHOSTREGISTER_DEVICEMAP {
			t.Errorf("MemHostGetFlags(registered) = %#x", f)
		}
		rd := val[cuda.DevicePtr](t)(cuda.MemHostGetDevicePointer(rp, 0))
		ok(t, cuda.MemsetD32(rd+8, 0x01020304, 10))
		for i, v := range reg {
			want := uint32(0)
			if i >= 2 && i < 12 {
				want = 0x01020304
			}
			if v != want {
				t.Fatalf("registered word %d = %#x, want %#x", i, v, want)
			}
		}
		ok(t, cuda.MemHostUnregister(rp))
		wantErr(t, "MemHostUnregister twice", cuda.MemHostUnregister(rp), cuda.CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED)
	}
	wantErr(t, "MemHostUnregister(nil)", cuda.MemHostUnregister(nil), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemHostRegister(nil)", cuda.MemHostRegister(nil, 10, 0), cuda.CUDA_ERROR_INVALID_VALUE)

	// Managed memory, where the device has it.
	if val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, 0)) == 0 {
		_, err := cuda.MemAllocManaged(64, cuda.CU_MEM_ATTACH_GLOBAL)
		wantErr(t, "MemAllocManaged without managed memory", err, cuda.CUDA_ERROR_NOT_SUPPORTED)
	} else {
		m := val[cuda.DevicePtr](t)(cuda.MemAllocManaged(4096, cuda.CU_MEM_ATTACH_GLOBAL))
		ok(t, cuda.MemsetD32(m, 0x3f800000, 1024))
		var host unsafe.Pointer
		ok(t, cuda.PointerGetAttribute(&host, cuda.CU_POINTER_ATTRIBUTE_HOST_POINTER, m))
		if f := unsafe.Slice((*float32)(host), 1024); f[0] != 1 || f[1023] != 1 {
			t.Errorf("managed memory seen from the host: %v %v", f[0], f[1023])
		}
		var managed bool
		ok(t, cuda.PointerGetAttribute(&managed, cuda.CU_POINTER_ATTRIBUTE_IS_MANAGED, m))
		if !managed {
			t.Error("IS_MANAGED = false for MemAllocManaged memory")
		}
		testAdvice(t, m, 4096)
		ok(t, cuda.MemFree(m))
		_, err = cuda.MemAllocManaged(64, 7)
		wantErr(t, "MemAllocManaged flags 7", err, cuda.CUDA_ERROR_INVALID_VALUE)
	}
	ok(t, cuda.MemFree(d))
}

// testAdvice checks MemAdvise, MemPrefetchAsync and MemRangeGetAttribute on
// managed memory [m, m+n).
func testAdvice(t *testing.T, m cuda.DevicePtr, n uint64) {
	t.Helper()
	get := func(attr cuda.MemRangeAttribute, size int) []int32 {
		t.Helper()
		data := make([]int32, size)
		for i := range data {
			data[i] = 12345 // poison
		}
		ok(t, cuda.MemRangeGetAttribute(data, attr, m, n))
		return data
	}
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY, 1)[0]; v != 0 {
		t.Errorf("READ_MOSTLY before advice = %d", v)
	}
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION, 1)[0]; v != cuda.CU_DEVICE_INVALID {
		t.Errorf("PREFERRED_LOCATION before advice = %d", v)
	}
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION, 1)[0]; v != cuda.CU_DEVICE_INVALID {
		t.Errorf("LAST_PREFETCH_LOCATION before prefetch = %d", v)
	}
	concurrent := val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS, 0)) == 1

	ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_READ_MOSTLY, 0))
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY, 1)[0]; v != 1 {
		t.Errorf("READ_MOSTLY after SET_READ_MOSTLY = %d", v)
	}
	ok(t, cuda.MemAdvise(m+16, 32, cuda.CU_MEM_ADVISE_UNSET_READ_MOSTLY, 0))
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY, 1)[0]; v != 0 {
		t.Errorf("READ_MOSTLY after UNSET_READ_MOSTLY = %d", v)
	}
	ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_PREFERRED_LOCATION, cuda.CU_DEVICE_CPU))
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION, 1)[0]; v != cuda.CU_DEVICE_CPU {
		t.Errorf("PREFERRED_LOCATION after advising the host = %d", v)
	}
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_TYPE, 1)[0]; v != int32(cuda.CU_MEM_LOCATION_TYPE_HOST) {
		t.Errorf("PREFERRED_LOCATION_TYPE = %d", v)
	}
	ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_ACCESSED_BY, cuda.CU_DEVICE_CPU))
	if concurrent {
		ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_PREFERRED_LOCATION, 0))
		if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION, 1)[0]; v != 0 {
			t.Errorf("PREFERRED_LOCATION after advising device 0 = %d", v)
		}
		ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_ACCESSED_BY, 0))
		if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY, 3); v[0] != cuda.CU_DEVICE_CPU || v[1] != 0 || v[2] != cuda.CU_DEVICE_INVALID {
			t.Errorf("ACCESSED_BY = %v, want [-1 0 -2]", v)
		}
		ok(t, cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_UNSET_ACCESSED_BY, 0))
		ok(t, cuda.MemPrefetchAsync(m, n, 0, nil))
		if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION, 1)[0]; v != 0 {
			t.Errorf("LAST_PREFETCH_LOCATION after prefetching to device 0 = %d", v)
		}
		ok(t, cuda.MemPrefetchAsync(m, n, cuda.CU_DEVICE_CPU, nil))
		if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_LAST_PREFETCH_LOCATION, 1)[0]; v != cuda.CU_DEVICE_CPU {
			t.Errorf("LAST_PREFETCH_LOCATION after prefetching to the host = %d", v)
		}
		ok(t, cuda.StreamSynchronize(nil))
	}
	if v := get(cuda.CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY, 2); v[0] != cuda.CU_DEVICE_CPU || v[1] != cuda.CU_DEVICE_INVALID {
		t.Errorf("ACCESSED_BY = %v, want [-1 -2]", v)
	}
	all := [][]int32{make([]int32, 1), make([]int32, 1)}
	ok(t, cuda.MemRangeGetAttributes(all, []cuda.MemRangeAttribute{cuda.CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY, cuda.CU_MEM_RANGE_ATTRIBUTE_PREFERRED_LOCATION_TYPE}, m, n))
	if all[0][0] != 0 || all[1][0] == 0 {
		t.Errorf("MemRangeGetAttributes = %v", all)
	}

	// Misuse.
	wantErr(t, "MemAdvise(advice 0)", cuda.MemAdvise(m, n, 0, 0), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemAdvise(count 0)", cuda.MemAdvise(m, 0, cuda.CU_MEM_ADVISE_SET_READ_MOSTLY, 0), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemAdvise(past the end)", cuda.MemAdvise(m, n+1, cuda.CU_MEM_ADVISE_SET_READ_MOSTLY, 0), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemAdvise(device 99)", cuda.MemAdvise(m, n, cuda.CU_MEM_ADVISE_SET_ACCESSED_BY, 99), cuda.CUDA_ERROR_INVALID_DEVICE)
	wantErr(t, "MemPrefetchAsync(device 99)", cuda.MemPrefetchAsync(m, n, 99, nil), cuda.CUDA_ERROR_INVALID_DEVICE)
	dev := alloc(t, 64)
	wantErr(t, "MemAdvise(device memory)", cuda.MemAdvise(dev, 64, cuda.CU_MEM_ADVISE_SET_READ_MOSTLY, 0), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemPrefetchAsync(device memory)", cuda.MemPrefetchAsync(dev, 64, cuda.CU_DEVICE_CPU, nil), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemRangeGetAttribute(2 elements)", cuda.MemRangeGetAttribute(make([]int32, 2), cuda.CU_MEM_RANGE_ATTRIBUTE_READ_MOSTLY, m, n), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemRangeGetAttribute(no elements)", cuda.MemRangeGetAttribute(nil, cuda.CU_MEM_RANGE_ATTRIBUTE_ACCESSED_BY, m, n), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemRangeGetAttribute(attribute 99)", cuda.MemRangeGetAttribute(make([]int32, 1), 99, m, n), cuda.CUDA_ERROR_INVALID_VALUE)
}

func TestPointerAttributes(t *testing.T) {
	setup(t, streaming.Options{})
	ctx := primary(t)
	const n = 256
	p := alloc(t, n)
	q := p + 100

	var mt cuda.MemoryType
	ok(t, cuda.PointerGetAttribute(&mt, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, q))
	if mt != cuda.CU_MEMORYTYPE_DEVICE {
		t.Errorf("MEMORY_TYPE of device memory = %v", mt)
	}
	var mtu uint32 = 999 // the C type: unsigned int
	ok(t, cuda.PointerGetAttribute(&mtu, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, q))
	if mtu != uint32(cuda.CU_MEMORYTYPE_DEVICE) {
		t.Errorf("MEMORY_TYPE into a uint32 = %d", mtu)
	}
	var c *cuda.Context
	ok(t, cuda.PointerGetAttribute(&c, cuda.CU_POINTER_ATTRIBUTE_CONTEXT, q))
	if c != ctx {
		t.Errorf("CONTEXT = %p, want the primary context %p", c, ctx)
	}
	var dp, start cuda.DevicePtr
	var size uint64
	var ordinal = -5
	ok(t, cuda.PointerGetAttribute(&dp, cuda.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, q))
	ok(t, cuda.PointerGetAttribute(&start, cuda.CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, q))
	ok(t, cuda.PointerGetAttribute(&size, cuda.CU_POINTER_ATTRIBUTE_RANGE_SIZE, q))
	ok(t, cuda.PointerGetAttribute(&ordinal, cuda.CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, q))
	if dp != q || start != p || size != n || ordinal != 0 {
		t.Errorf("DEVICE_POINTER %#x, RANGE_START_ADDR %#x, RANGE_SIZE %d, DEVICE_ORDINAL %d; want %#x, %#x, %d, 0", dp, start, size, ordinal, q, p, n)
	}
	sync, managed := false, true
	ok(t, cuda.PointerGetAttribute(&sync, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, q))
	ok(t, cuda.PointerGetAttribute(&managed, cuda.CU_POINTER_ATTRIBUTE_IS_MANAGED, q))
	if !sync || managed {
		t.Errorf("SYNC_MEMOPS %v, IS_MANAGED %v", sync, managed)
	}
	var hp unsafe.Pointer
	wantErr(t, "HOST_POINTER of device memory", cuda.PointerGetAttribute(&hp, cuda.CU_POINTER_ATTRIBUTE_HOST_POINTER, q), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "P2P_TOKENS", cuda.PointerGetAttribute(&size, cuda.CU_POINTER_ATTRIBUTE_P2P_TOKENS, q), cuda.CUDA_ERROR_NOT_SUPPORTED)
	wantErr(t, "attribute 99", cuda.PointerGetAttribute(&size, 99, q), cuda.CUDA_ERROR_INVALID_VALUE)
	var s string
	wantErr(t, "MEMORY_TYPE into a string", cuda.PointerGetAttribute(&s, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, q), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "unknown address", cuda.PointerGetAttribute(&mt, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, p+1<<40), cuda.CUDA_ERROR_INVALID_VALUE)

	// Host memory.
	h := val[unsafe.Pointer](t)(cuda.MemAllocHost(64))
	defer cuda.MemFreeHost(h)
	hd := val[cuda.DevicePtr](t)(cuda.MemHostGetDevicePointer(h, 0))
	ok(t, cuda.PointerGetAttribute(&mt, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, hd))
	ok(t, cuda.PointerGetAttribute(&hp, cuda.CU_POINTER_ATTRIBUTE_HOST_POINTER, hd))
	if mt != cuda.CU_MEMORYTYPE_HOST || hp != h {
		t.Errorf("host memory: MEMORY_TYPE %v, HOST_POINTER %p; want CU_MEMORYTYPE_HOST, %p", mt, hp, h)
	}

	// PointerGetAttributes: all at once; an unknown address zeroes them.
	mt, c, dp, ordinal = 0, nil, 0, -5
	attrs := []cuda.PointerAttribute{cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, cuda.CU_POINTER_ATTRIBUTE_CONTEXT, cuda.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, cuda.CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, cuda.CU_POINTER_ATTRIBUTE_RANGE_SIZE}
	ok(t, cuda.PointerGetAttributes(attrs, []any{&mt, &c, &dp, &ordinal, nil}, q))
	if mt != cuda.CU_MEMORYTYPE_DEVICE || c != ctx || dp != q || ordinal != 0 {
		t.Errorf("PointerGetAttributes = %v %p %#x %d", mt, c, dp, ordinal)
	}
	ok(t, cuda.PointerGetAttributes(attrs, []any{&mt, &c, &dp, &ordinal, &size}, 1<<50))
	if mt != 0 || c != nil || dp != 0 || ordinal != 0 || size != 0 {
		t.Errorf("PointerGetAttributes(unknown address) = %v %p %#x %d %d, want zeros", mt, c, dp, ordinal, size)
	}
	wantErr(t, "PointerGetAttributes length mismatch", cuda.PointerGetAttributes(attrs, []any{&mt}, q), cuda.CUDA_ERROR_INVALID_VALUE)

	// PointerSetAttribute: SYNC_MEMOPS only.
	one := int32(1)
	ok(t, cuda.PointerSetAttribute(&one, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, q))
	yes := true
	ok(t, cuda.PointerSetAttribute(&yes, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, q))
	wantErr(t, "PointerSetAttribute(MEMORY_TYPE)", cuda.PointerSetAttribute(&one, cuda.CU_POINTER_ATTRIBUTE_MEMORY_TYPE, q), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "PointerSetAttribute(unknown address)", cuda.PointerSetAttribute(&one, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, 1<<50), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "PointerSetAttribute(nil)", cuda.PointerSetAttribute[int](nil, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, q), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "PointerSetAttribute(string)", cuda.PointerSetAttribute(&s, cuda.CU_POINTER_ATTRIBUTE_SYNC_MEMOPS, q), cuda.CUDA_ERROR_INVALID_VALUE)
}

func TestMemcpy(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	for _, n := range []int{1, 7, 4096, 1<<20 + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(i*131 + 17)
			}
			a, b := alloc(t, uint64(n)), alloc(t, uint64(n))
			ok(t, cuda.MemcpyHtoD(a, unsafe.Pointer(&src[0]), uint64(n)))
			ok(t, cuda.MemcpyDtoD(b, a, uint64(n)))
			got := make([]byte, n)
			for i := range got {
				got[i] = ^src[i] // poison
			}
			ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&got[0]), b, uint64(n)))
			checkBytes(t, "HtoD, DtoD, DtoH", got, src)

			// The same through cuMemcpy with page-locked memory, and the
			// Async forms on a stream.
			h := val[unsafe.Pointer](t)(cuda.MemAllocHost(uint64(n)))
			defer cuda.MemFreeHost(h)
			hd := val[cuda.DevicePtr](t)(cuda.MemHostGetDevicePointer(h, 0))
			hb := unsafe.Slice((*byte)(h), n)
			ok(t, cuda.MemsetD8(a, 0, uint64(n)))
			ok(t, cuda.Memcpy(a, b, uint64(n)))
			ok(t, cuda.Memcpy(hd, a, uint64(n)))
			checkBytes(t, "Memcpy into page-locked memory", hb, src)

			s := stream(t, cuda.CU_STREAM_NON_BLOCKING)
			c := alloc(t, uint64(n))
			ok(t, cuda.MemsetD8Async(c, 0x55, uint64(n), s))
			ok(t, cuda.MemcpyHtoDAsync(a, unsafe.Pointer(&src[0]), uint64(n), s))
			ok(t, cuda.MemcpyDtoDAsync(c, a, uint64(n), s))
			for i := range hb {
				hb[i] = 0
			}
			ok(t, cuda.MemcpyDtoHAsync(h, c, uint64(n), s))
			ok(t, cuda.MemcpyAsync(b, hd, uint64(n), s))
			ok(t, cuda.StreamSynchronize(s))
			checkBytes(t, "async chain into page-locked memory", hb, src)
			for i := range got {
				got[i] = ^src[i]
			}
			ok(t, cuda.MemcpyDtoHAsync(unsafe.Pointer(&got[0]), b, uint64(n), s))
			checkBytes(t, "MemcpyDtoHAsync into Go memory", got, src)
		})
	}

	// Typed slices.
	const n = 1000
	f := seq(n, func(i int) float32 { return float32(i)*0.5 - 3 })
	d := alloc(t, 4*n)
	ok(t, cuda.MemcpyHtoDSlice(d, f))
	out := poisoned(n)
	ok(t, cuda.MemcpyDtoHSlice(out, d))
	for i := range out {
		if out[i] != f[i] {
			t.Fatalf("slice round trip [%d] = %v, want %v", i, out[i], f[i])
		}
	}
	s := stream(t, 0)
	g := seq(n, func(i int) float32 { return float32(3 * i) })
	ok(t, cuda.MemcpyHtoDAsyncSlice(d, g, s))
	out = poisoned(n)
	ok(t, cuda.MemcpyDtoHAsyncSlice(out, d, s))
	ok(t, cuda.StreamSynchronize(s))
	for i := range out {
		if out[i] != g[i] {
			t.Fatalf("async slice round trip [%d] = %v, want %v", i, out[i], g[i])
		}
	}

	// Misuse.
	buf := make([]byte, 64)
	wantErr(t, "MemcpyHtoD past the end", cuda.MemcpyHtoD(d+4*n-8, unsafe.Pointer(&buf[0]), 64), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemcpyDtoH from nowhere", cuda.MemcpyDtoH(unsafe.Pointer(&buf[0]), d+1<<40, 64), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemcpyHtoD from nil", cuda.MemcpyHtoD(d, nil, 64), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemcpyDtoHAsync into nil", cuda.MemcpyDtoHAsync(nil, d, 64, s), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemcpyDtoD to nowhere", cuda.MemcpyDtoD(1<<50, d, 64), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.MemcpyHtoD(d, nil, 0)) // nothing to copy
}

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d bytes, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: byte %d = %d, want %d", what, i, got[i], want[i])
		}
	}
}

func TestMemset(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	const n = 4099 // bytes in the buffer
	d := alloc(t, n)
	s := stream(t, 0)
	ref := make([]byte, n)
	type fill struct {
		off   int
		size  int // 1, 2, 4
		count int
		value uint32
		async bool
	}
	for i, f := range []fill{
		{0, 1, n, 0xa5, false},
		{3, 1, 1001, 0x11, true},
		{2, 2, 777, 0xbeef, false},
		{100, 2, 1, 0x1234, true},
		{8, 4, 555, 0xdeadbeef, false},
		{1024, 4, 1, 0x01020304, true},
		{4, 4, 1023, 0x7f800001, true},
	} {
		var err error
		p := d + cuda.DevicePtr(f.off)
		switch {
		case f.size == 1 && f.async:
			err = cuda.MemsetD8Async(p, uint8(f.value), uint64(f.count), s)
		case f.size == 1:
			err = cuda.MemsetD8(p, uint8(f.value), uint64(f.count))
		case f.size == 2 && f.async:
			err = cuda.MemsetD16Async(p, uint16(f.value), uint64(f.count), s)
		case f.size == 2:
			err = cuda.MemsetD16(p, uint16(f.value), uint64(f.count))
		case f.async:
			err = cuda.MemsetD32Async(p, f.value, uint64(f.count), s)
		default:
			err = cuda.MemsetD32(p, f.value, uint64(f.count))
		}
		ok(t, err)
		if f.async {
			ok(t, cuda.StreamSynchronize(s))
		}
		// The reference: a plain loop over the bytes, little-endian.
		for k := 0; k < f.count; k++ {
			for j := 0; j < f.size; j++ {
				ref[f.off+k*f.size+j] = byte(f.value >> (8 * j))
			}
		}
		got := make([]byte, n)
		for k := range got {
			got[k] = ^ref[k]
		}
		ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&got[0]), d, n))
		checkBytes(t, fmt.Sprintf("fill %d %+v", i, f), got, ref)
	}
	wantErr(t, "MemsetD32 misaligned", cuda.MemsetD32(d+2, 0, 4), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemsetD16 misaligned", cuda.MemsetD16Async(d+1, 0, 4, s), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemsetD8 past the end", cuda.MemsetD8(d+n-2, 0, 3), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "MemsetD8 nowhere", cuda.MemsetD8(1<<50, 0, 3), cuda.CUDA_ERROR_INVALID_VALUE)
}
