package hip_test

import (
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

// TestMemcpy2D3D runs hipMemcpy2D(Async), hipMemcpy3D(Async) and
// hipGraphAddMemcpyNode between pitched device memory and pinned host
// memory, against a plain loop.
func TestMemcpy2D3D(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const w, h, d = 20, 4, 3
	dev, pitch, err := hip.MallocPitch(64, h*d)
	ok(t, "MallocPitch", err)
	defer hip.Free(dev)
	const hp = 32
	host, err := hip.HostMalloc(hp*h*d, 0)
	ok(t, "HostMalloc", err)
	defer hip.HostFree(host)
	hb := unsafe.Slice((*byte)(host), hp*h*d)
	back, err := hip.HostMalloc(hp*h*d, 0)
	ok(t, "HostMalloc", err)
	defer hip.HostFree(back)
	bb := unsafe.Slice((*byte)(back), hp*h*d)
	for i := range hb {
		hb[i] = byte(i*3 + 7)
	}
	ok(t, "Memset", hip.Memset(dev, 0, pitch*h*d))
	// Host -> device: h*d rows as a 2-D copy, then back as a 3-D box in
	// three ways.
	ok(t, "Memcpy2D", hip.Memcpy2D(dev, pitch, host, hp, w, h*d, hip.HipMemcpyHostToDevice))
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	defer hip.StreamDestroy(s)
	p := &hip.Memcpy3DParms{
		SrcPtr: hip.PitchedPtr{Ptr: dev, Pitch: pitch, Xsize: 64, Ysize: h},
		DstPtr: hip.PitchedPtr{Ptr: back, Pitch: hp, Xsize: hp, Ysize: h},
		Extent: hip.Extent{Width: w, Height: h, Depth: d},
		Kind:   hip.HipMemcpyDeviceToHost,
	}
	for _, how := range []string{"sync", "async", "graph", "2d-async"} {
		for i := range bb {
			bb[i] = 0xEE
		}
		switch how {
		case "sync":
			ok(t, "Memcpy3D", hip.Memcpy3D(p))
		case "async":
			ok(t, "Memcpy3DAsync", hip.Memcpy3DAsync(p, s))
		case "graph":
			g, err := hip.GraphCreate(0)
			ok(t, "GraphCreate", err)
			_, err = hip.GraphAddMemcpyNode(g, nil, p)
			ok(t, "GraphAddMemcpyNode", err)
			x, err := hip.GraphInstantiate(g)
			ok(t, "GraphInstantiate", err)
			ok(t, "GraphLaunch", hip.GraphLaunch(x, s))
			ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
			ok(t, "GraphExecDestroy", hip.GraphExecDestroy(x))
			ok(t, "GraphDestroy", hip.GraphDestroy(g))
		case "2d-async":
			ok(t, "Memcpy2DAsync", hip.Memcpy2DAsync(back, hp, dev, pitch, w, h*d, hip.HipMemcpyDefault, s))
		}
		ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
		for i := range bb {
			want := byte(0xEE)
			if i%hp < w {
				want = hb[i]
			}
			if bb[i] != want {
				t.Fatalf("%s: byte %d: %#x, want %#x", how, i, bb[i], want)
			}
		}
	}
	bad := *p
	bad.SrcArray = 1
	wantCode(t, "Memcpy3D from an array", hip.Memcpy3D(&bad), hip.HipErrorNotSupported)
	bad = *p
	bad.DstPtr.Pitch = 8
	wantCode(t, "Memcpy3D with a pitch below the width", hip.Memcpy3D(&bad), hip.HipErrorInvalidValue)
	goMem := make([]byte, 4096)
	wantCode(t, "Memcpy2D from Go memory", hip.Memcpy2D(dev, pitch, unsafe.Pointer(&goMem[0]), 64, w, 2, hip.HipMemcpyHostToDevice), hip.HipErrorInvalidValue)
	wantCode(t, "Memcpy3D kind 9", hip.Memcpy3D(&hip.Memcpy3DParms{Kind: 9}), hip.HipErrorInvalidMemcpyDirection)
	hip.GetLastError()
}
