package cuda_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// TestMemcpy2D3D runs cuMemcpy2D(Async), cuMemcpy3D(Async) and a 3-D
// memcpy graph node between a pitched device allocation and page-locked
// host memory, against a plain loop.
func TestMemcpy2D3D(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	const w, h, d = 24, 5, 3 // bytes per row, rows, slices
	dev, pitch := val2[cuda.DevicePtr, uint64](t)(cuda.MemAllocPitch(64, h*d+2, 4))
	defer cuda.MemFree(dev)
	const hp, hh = 40, 8 // host pitch and slice height
	host := val[unsafe.Pointer](t)(cuda.MemAllocHost(hp * hh * (d + 1)))
	defer cuda.MemFreeHost(host)
	hb := unsafe.Slice((*byte)(host), hp*hh*(d+1))
	back := val[unsafe.Pointer](t)(cuda.MemAllocHost(hp * hh * (d + 1)))
	defer cuda.MemFreeHost(back)
	bb := unsafe.Slice((*byte)(back), hp*hh*(d+1))
	for i := range hb {
		hb[i] = byte(i*5 + 1)
	}
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)

	// Host (x 3, y 1, z 0) -> device (x 8, y 0), rows of w bytes, h*d rows as one 2-D copy.
	p2 := &cuda.Memcpy2DParams{
		SrcXInBytes: 3, SrcY: 1, SrcMemoryType: cuda.CU_MEMORYTYPE_HOST, SrcHost: host, SrcPitch: hp,
		DstXInBytes: 8, DstMemoryType: cuda.CU_MEMORYTYPE_DEVICE, DstDevice: dev, DstPitch: pitch,
		WidthInBytes: w, Height: h,
	}
	ok(t, cuda.MemsetD8(dev, 0, pitch*(h*d+2)))
	ok(t, cuda.Memcpy2D(p2))
	// And back with 3-D (d slices of h rows) through the async form and a graph node.
	for _, how := range []string{"async", "graph"} {
		for i := range bb {
			bb[i] = 0xEE
		}
		p3 := &cuda.Memcpy3DParams{
			SrcXInBytes: 8, SrcMemoryType: cuda.CU_MEMORYTYPE_UNIFIED, SrcDevice: dev, SrcPitch: pitch, SrcHeight: h,
			DstXInBytes: 1, DstY: 2, DstZ: 1, DstMemoryType: cuda.CU_MEMORYTYPE_HOST, DstHost: back, DstPitch: hp, DstHeight: hh,
			WidthInBytes: w, Height: h, Depth: 1,
		}
		if how == "async" {
			ok(t, cuda.Memcpy3DAsync(p3, s))
			ok(t, cuda.StreamSynchronize(s))
		} else {
			g := val[*cuda.Graph](t)(cuda.GraphCreate(0))
			val[*cuda.GraphNode](t)(cuda.GraphAddMemcpyNode(g, nil, p3, nil))
			x := val[*cuda.GraphExec](t)(cuda.GraphInstantiate(g, 0))
			ok(t, cuda.GraphLaunch(x, s))
			ok(t, cuda.StreamSynchronize(s))
			ok(t, cuda.GraphExecDestroy(x))
			ok(t, cuda.GraphDestroy(g))
		}
		for i := range bb {
			want := byte(0xEE)
			z, rem := i/(hp*hh), i%(hp*hh)
			y, x := rem/hp, rem%hp
			if z == 1 && y >= 2 && y < 2+h && x >= 1 && x < 1+w {
				want = hb[(1+y-2)*hp+3+x-1] // the 2-D copy's source
			}
			if bb[i] != want {
				t.Fatalf("%s: host byte %d (x %d, y %d, z %d): %#x, want %#x", how, i, x, y, z, bb[i], want)
			}
		}
	}
	// A full 3-D box device -> device.
	dev2 := alloc(t, 64*h*d)
	ok(t, cuda.MemsetD8(dev2, 0x77, 64*h*d))
	ok(t, cuda.Memcpy3D(&cuda.Memcpy3DParams{
		SrcMemoryType: cuda.CU_MEMORYTYPE_DEVICE, SrcDevice: dev, SrcPitch: pitch, SrcHeight: 1,
		DstMemoryType: cuda.CU_MEMORYTYPE_DEVICE, DstDevice: dev2, DstPitch: 64, DstHeight: h,
		WidthInBytes: 32, Height: 1, Depth: d,
	}))
	got := make([]byte, 64*h*d)
	ok(t, cuda.MemcpyDtoH(got, dev2, uint64(len(got))))
	row := make([]byte, pitch*(h*d+2))
	ok(t, cuda.MemcpyDtoH(row, dev, uint64(len(row))))
	for i := range got {
		want := byte(0x77)
		z, rem := i/(64*h), i%(64*h)
		if rem < 32 {
			want = row[uint64(z)*pitch+uint64(rem)]
		}
		if got[i] != want {
			t.Fatalf("device box byte %d: %#x, want %#x", i, got[i], want)
		}
	}

	// Arrays are not supported; pitches are required for several rows.
	arr := *p2
	arr.SrcMemoryType = cuda.CU_MEMORYTYPE_ARRAY
	wantErr(t, "Memcpy2D from an array", cuda.Memcpy2D(&arr), cuda.CUDA_ERROR_NOT_SUPPORTED)
	nop := *p2
	nop.DstPitch = 0
	wantErr(t, "Memcpy2D with pitch 0", cuda.Memcpy2D(&nop), cuda.CUDA_ERROR_INVALID_VALUE)
	narrow := *p2
	narrow.DstPitch = 8
	wantErr(t, "Memcpy2D with a pitch below the width", cuda.Memcpy2D(&narrow), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "Memcpy2D(nil)", cuda.Memcpy2D(nil), cuda.CUDA_ERROR_INVALID_VALUE)
	pageable := make([]byte, 4096)
	pg := *p2
	pg.SrcHost = unsafe.Pointer(&pageable[0])
	wantErr(t, "Memcpy2D from pageable memory", cuda.Memcpy2D(&pg), cuda.CUDA_ERROR_INVALID_VALUE)
}

func val2[A, B any](t testing.TB) func(a A, b B, err error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error %v (%v)", err, cuda.LastErrorDetail())
		}
		return a, b
	}
}
