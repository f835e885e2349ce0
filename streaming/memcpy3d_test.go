package streaming_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

// box3d is the reference: the bytes a pitched copy leaves in dst.
func box3d(dst, src []byte, p streaming.MemcpyNodeParams, dstOff, srcOff uint64) {
	h, d := max(p.Height, 1), max(p.Depth, 1)
	dp, sp := p.DstPitch, p.SrcPitch
	dh, sh := p.DstHeight, p.SrcHeight
	if dh == 0 {
		dh = h
	}
	if sh == 0 {
		sh = h
	}
	for z := uint64(0); z < d; z++ {
		for y := uint64(0); y < h; y++ {
			for x := uint64(0); x < p.Size; x++ {
				dst[dstOff+(z*dh+y)*dp+x] = src[srcOff+(z*sh+y)*sp+x]
			}
		}
	}
}

// TestMemcpy3D copies boxes between pitched allocations directly and as
// graph nodes, against a plain loop.
func TestMemcpy3D(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx
	const n = 64 << 10
	src, err := ctx.Malloc(n)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(src)
	dst, err := ctx.Malloc(n)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(dst)
	host := make([]byte, n)
	for i := range host {
		host[i] = byte(i*7 + i>>8)
	}
	if err := ctx.MemcpyHtoD(src, host); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name           string
		p              streaming.MemcpyNodeParams
		dstOff, srcOff uint64
	}{
		{"1d", streaming.MemcpyNodeParams{Size: 1000}, 3, 5},
		{"2d", streaming.MemcpyNodeParams{Size: 40, Height: 9, DstPitch: 64, SrcPitch: 100}, 17, 130},
		{"2d-contiguous", streaming.MemcpyNodeParams{Size: 32, Height: 8, DstPitch: 32, SrcPitch: 32}, 0, 64},
		{"3d", streaming.MemcpyNodeParams{Size: 24, Height: 5, Depth: 4, DstPitch: 32, SrcPitch: 48, DstHeight: 6, SrcHeight: 7}, 9, 300},
		{"3d-contiguous-slices", streaming.MemcpyNodeParams{Size: 16, Height: 4, Depth: 3, DstPitch: 16, SrcPitch: 16, DstHeight: 4, SrcHeight: 4}, 1, 2},
		{"3d-one-row-slices", streaming.MemcpyNodeParams{Size: 20, Height: 1, Depth: 6, DstPitch: 30, SrcPitch: 20, DstHeight: 2, SrcHeight: 1}, 0, 0},
	}
	for _, c := range cases {
		for _, viaGraph := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/graph=%v", c.name, viaGraph), func(t *testing.T) {
				poison := make([]byte, n)
				for i := range poison {
					poison[i] = 0xEE
				}
				if err := ctx.MemcpyHtoD(dst, poison); err != nil {
					t.Fatal(err)
				}
				p := c.p
				p.Dst, p.Src = dst+streaming.DevicePtr(c.dstOff), src+streaming.DevicePtr(c.srcOff)
				if viaGraph {
					g := streaming.NewGraph()
					if _, err := g.AddMemcpy3DNode(nil, p); err != nil {
						t.Fatal(err)
					}
					x, err := ctx.Instantiate(g)
					if err != nil {
						t.Fatal(err)
					}
					defer x.Close()
					if err := x.Launch(nil); err != nil {
						t.Fatal(err)
					}
					if err := ctx.Synchronize(context.Background()); err != nil {
						t.Fatal(err)
					}
				} else if err := ctx.Memcpy3D(p); err != nil {
					t.Fatal(err)
				}
				want := append([]byte(nil), poison...)
				pp := c.p
				if pp.DstPitch == 0 {
					pp.DstPitch = pp.Size
				}
				if pp.SrcPitch == 0 {
					pp.SrcPitch = pp.Size
				}
				box3d(want, host, pp, c.dstOff, c.srcOff)
				got := make([]byte, n)
				if err := ctx.MemcpyDtoH(got, dst); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("byte %d: %#x, want %#x", i, got[i], want[i])
					}
				}
			})
		}
	}

	// Misuse: a pitch below the width, an extent past the allocation.
	bad := []streaming.MemcpyNodeParams{
		{Dst: dst, Src: src, Size: 64, Height: 2, DstPitch: 32, SrcPitch: 64},
		{Dst: dst, Src: src, Size: 16, Height: 2, Depth: 2, DstPitch: 16, SrcPitch: 16, DstHeight: 1},
		{Dst: dst, Src: src, Size: 1024, Height: 128, DstPitch: 1024, SrcPitch: 1024},
		{Dst: dst, Src: src, Size: 8, Height: 1 << 62, DstPitch: 1 << 40, SrcPitch: 8},
	}
	for i, p := range bad {
		if err := ctx.Memcpy3D(p); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("bad copy %d: %v, want ErrInvalidValue", i, err)
		}
	}
	g := streaming.NewGraph()
	if _, err := g.AddMemcpy3DNode(nil, bad[0]); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("graph node with a pitch below the width: %v, want ErrInvalidValue", err)
	}
	if _, err := g.AddMemcpy3DNode(nil, bad[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("instantiate of a node past its allocation: %v, want ErrInvalidValue", err)
	}
}
