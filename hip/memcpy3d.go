package hip

import (
	"context"
	"fmt"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// 2-D and 3-D copies between linear memory the runtime knows (device,
// managed, pinned or registered host memory): hipMemcpy2D, hipMemcpy3D,
// their Async forms and hipGraphAddMemcpyNode. Ordinary Go memory is not
// accepted here (HipErrorInvalidValue: use HostMalloc or HostRegister);
// HIP arrays are not supported (HipErrorNotSupported).

// PitchedPtr is hipPitchedPtr: Ptr (a DevicePtr or a pointer to memory of
// the runtime) with rows Pitch bytes apart; Xsize and Ysize are the
// width in bytes and the rows of each slice.
type PitchedPtr struct {
	Ptr          any
	Pitch        uint64
	Xsize, Ysize uint64
}

// Pos is hipPos: a position in bytes (X) and rows and slices (Y, Z).
type Pos struct{ X, Y, Z uint64 }

// Extent is hipExtent: a box of Width bytes, Height rows and Depth slices
// (linear memory takes widths in bytes).
type Extent struct{ Width, Height, Depth uint64 }

// Memcpy3DParms is hipMemcpy3DParms: a copy of Extent from SrcPos of
// SrcPtr to DstPos of DstPtr. SrcArray and DstArray (hipArray_t) must be
// 0: arrays are not supported.
type Memcpy3DParms struct {
	SrcArray uintptr
	SrcPos   Pos
	SrcPtr   PitchedPtr
	DstArray uintptr
	DstPos   Pos
	DstPtr   PitchedPtr
	Extent   Extent
	Kind     MemcpyKind
}

// pitchedSide resolves one side to the address of its first byte.
func pitchedSide(name string, p PitchedPtr, pos Pos, array uintptr) (streaming.DevicePtr, error) {
	if array != 0 {
		return 0, fmt.Errorf("%s array: HIP arrays are not supported: %w", name, HipErrorNotSupported)
	}
	a, err := capi.Decode(name, p.Ptr)
	if err != nil {
		return 0, err
	}
	if a.V == 0 {
		return 0, fmt.Errorf("%s: null pointer: %w", name, streaming.ErrInvalidValue)
	}
	rt, err := openRuntime()
	if err != nil {
		return 0, err
	}
	if !a.Known(rt, 1) {
		return 0, fmt.Errorf("%s %#x: not memory of the runtime (2-D and 3-D copies take device memory, or host memory from HostMalloc or HostRegister): %w", name, a.V, streaming.ErrInvalidValue)
	}
	const limit = 1 << 56
	if pos.X > limit || pos.Y > limit || pos.Z > limit || p.Pitch > limit || p.Ysize > limit || (pos.Z > 0 && p.Ysize > 0 && pos.Z > limit/p.Ysize) {
		return 0, fmt.Errorf("%s position (%d, %d, %d) out of range: %w", name, pos.X, pos.Y, pos.Z, streaming.ErrInvalidValue)
	}
	rows := pos.Z*p.Ysize + pos.Y
	if rows > 0 && p.Pitch > 0 && rows > limit/p.Pitch {
		return 0, fmt.Errorf("%s position (%d, %d, %d) with pitch %d out of range: %w", name, pos.X, pos.Y, pos.Z, p.Pitch, streaming.ErrInvalidValue)
	}
	return streaming.DevicePtr(a.V + rows*p.Pitch + pos.X), nil
}

func checkKind(kind MemcpyKind) error {
	if (kind < HipMemcpyHostToHost || kind > HipMemcpyDefault) && kind != HipMemcpyDeviceToDeviceNoCU {
		return fmt.Errorf("copy kind %v: %w", kind, HipErrorInvalidMemcpyDirection)
	}
	return nil
}

// params3D translates hipMemcpy3DParms.
func params3D(p *Memcpy3DParms) (streaming.MemcpyNodeParams, error) {
	if p == nil {
		return streaming.MemcpyNodeParams{}, fmt.Errorf("nil copy parameters: %w", streaming.ErrInvalidValue)
	}
	if err := checkKind(p.Kind); err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	src, err := pitchedSide("src", p.SrcPtr, p.SrcPos, p.SrcArray)
	if err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	dst, err := pitchedSide("dst", p.DstPtr, p.DstPos, p.DstArray)
	if err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	e := p.Extent
	if (e.Height > 1 || e.Depth > 1) && (p.SrcPtr.Pitch == 0 || p.DstPtr.Pitch == 0) {
		return streaming.MemcpyNodeParams{}, fmt.Errorf("pitch 0 in a copy of %d rows: %w", max(e.Height, 1)*max(e.Depth, 1), streaming.ErrInvalidValue)
	}
	if e.Depth > 1 && (p.SrcPtr.Ysize == 0 || p.DstPtr.Ysize == 0) {
		return streaming.MemcpyNodeParams{}, fmt.Errorf("slice height (ysize) 0 in a copy of %d slices: %w", e.Depth, streaming.ErrInvalidValue)
	}
	return streaming.MemcpyNodeParams{
		Dst: dst, Src: src, Size: e.Width, Height: e.Height, Depth: e.Depth,
		DstPitch: p.DstPtr.Pitch, SrcPitch: p.SrcPtr.Pitch, DstHeight: p.DstPtr.Ysize, SrcHeight: p.SrcPtr.Ysize,
	}, nil
}

// params2D translates hipMemcpy2D's arguments.
func params2D(dst any, dpitch uint64, src any, spitch uint64, width, height uint64, kind MemcpyKind) (streaming.MemcpyNodeParams, error) {
	return params3D(&Memcpy3DParms{
		SrcPtr: PitchedPtr{Ptr: src, Pitch: spitch, Xsize: width, Ysize: height},
		DstPtr: PitchedPtr{Ptr: dst, Pitch: dpitch, Xsize: width, Ysize: height},
		Extent: Extent{Width: width, Height: height, Depth: 1},
		Kind:   kind,
	})
}

func copy3D(call string, p streaming.MemcpyNodeParams, err error, s Stream, wait bool) error {
	if err != nil {
		return ret(call, err)
	}
	st, err := streamOf(s)
	if err != nil {
		return ret(call, err)
	}
	if err := st.Memcpy3DAsync(p); err != nil {
		return ret(call, err)
	}
	if wait {
		return ret(call, st.Synchronize(context.Background()))
	}
	return nil
}

// Memcpy2D is hipMemcpy2D: height rows of width bytes, rows dpitch and
// spitch bytes apart, on the NULL stream, waited for.
func Memcpy2D(dst any, dpitch uint64, src any, spitch uint64, width, height uint64, kind MemcpyKind) error {
	p, err := params2D(dst, dpitch, src, spitch, width, height, kind)
	return copy3D("hipMemcpy2D", p, err, nil, true)
}

// Memcpy2DAsync is hipMemcpy2DAsync: Memcpy2D ordered on stream.
func Memcpy2DAsync(dst any, dpitch uint64, src any, spitch uint64, width, height uint64, kind MemcpyKind, stream Stream) error {
	p, err := params2D(dst, dpitch, src, spitch, width, height, kind)
	return copy3D("hipMemcpy2DAsync", p, err, stream, false)
}

// Memcpy3D is hipMemcpy3D: the copy p describes, on the NULL stream,
// waited for.
func Memcpy3D(p *Memcpy3DParms) error {
	sp, err := params3D(p)
	return copy3D("hipMemcpy3D", sp, err, nil, true)
}

// Memcpy3DAsync is hipMemcpy3DAsync: Memcpy3D ordered on stream.
func Memcpy3DAsync(p *Memcpy3DParms, stream Stream) error {
	sp, err := params3D(p)
	return copy3D("hipMemcpy3DAsync", sp, err, stream, false)
}

// GraphAddMemcpyNode is hipGraphAddMemcpyNode: a 1-D, 2-D or 3-D copy
// between linear memory the runtime knows, checked again when the graph
// is instantiated.
func GraphAddMemcpyNode(g Graph, deps []GraphNode, p *Memcpy3DParms) (GraphNode, error) {
	const call = "hipGraphAddMemcpyNode"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	sp, err := params3D(p)
	if err != nil {
		return nil, ret(call, err)
	}
	n, err := g.AddMemcpy3DNode(deps, sp)
	return n, ret(call, err)
}
