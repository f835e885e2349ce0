package streaming

import (
	"fmt"
	"math/bits"

	"github.com/streamhal/streamhal/hal"
)

// Pitched copies (cuMemcpy2D, cuMemcpy3D, CUDA_MEMCPY3D memcpy nodes)
// between linear memory the runtime knows: device, managed, page-locked
// and registered host memory. They run as one copy per row (one copy in
// all when rows and slices are contiguous on both sides). CUDA arrays are
// not supported: the runtime has no arrays.

// copyShape is a normalised MemcpyNodeParams.
type copyShape struct {
	w, h, d uint64 // row bytes, rows per slice, slices
	dp, sp  uint64 // row pitches
	dh, sh  uint64 // rows per slice pitch
}

// shape checks p and normalises its defaults.
func (p MemcpyNodeParams) shape() (copyShape, error) {
	s := copyShape{w: p.Size, h: max(p.Height, 1), d: max(p.Depth, 1), dp: p.DstPitch, sp: p.SrcPitch, dh: p.DstHeight, sh: p.SrcHeight}
	if s.dp == 0 {
		s.dp = s.w
	}
	if s.sp == 0 {
		s.sp = s.w
	}
	if s.dh == 0 {
		s.dh = s.h
	}
	if s.sh == 0 {
		s.sh = s.h
	}
	if s.h > 1 || s.d > 1 {
		if s.dp < s.w || s.sp < s.w {
			return s, fmt.Errorf("copy of %d-byte rows: pitch %d (destination), %d (source) below the width: %w", s.w, s.dp, s.sp, ErrInvalidValue)
		}
	}
	if s.d > 1 && (s.dh < s.h || s.sh < s.h) {
		return s, fmt.Errorf("copy of %d-row slices: slice height %d (destination), %d (source) below the height: %w", s.h, s.dh, s.sh, ErrInvalidValue)
	}
	if _, ok := s.span(s.dp, s.dh); !ok {
		return s, fmt.Errorf("copy of %dx%dx%d bytes with destination pitch %d, height %d: the extent overflows: %w", s.w, s.h, s.d, s.dp, s.dh, ErrInvalidValue)
	}
	if _, ok := s.span(s.sp, s.sh); !ok {
		return s, fmt.Errorf("copy of %dx%dx%d bytes with source pitch %d, height %d: the extent overflows: %w", s.w, s.h, s.d, s.sp, s.sh, ErrInvalidValue)
	}
	return s, nil
}

// span is the bytes from the first byte copied to one past the last, on
// the side with row pitch pitch and slice height height.
func (s copyShape) span(pitch, height uint64) (uint64, bool) {
	if s.w == 0 {
		return 0, true
	}
	if s.h > maxAllocation || s.d > maxAllocation || height > maxAllocation || (s.d > 1 && height > 0 && s.d-1 > maxAllocation/height) {
		return 0, false
	}
	rows := (s.d-1)*height + (s.h - 1)
	hi, lo := bits.Mul64(rows, pitch)
	if hi != 0 || lo > maxAllocation {
		return 0, false
	}
	return lo + s.w, lo+s.w <= maxAllocation
}

// contiguous reports whether the copy is one run of bytes on both sides.
func (s copyShape) contiguous() bool {
	side := func(pitch, height uint64) bool {
		if s.h > 1 && pitch != s.w {
			return false
		}
		return s.d == 1 || height*pitch == s.h*s.w
	}
	return side(s.dp, s.dh) && side(s.sp, s.sh)
}

// rows calls fn for each row to copy: its offsets on both sides and size.
func (s copyShape) rows(fn func(dstOff, srcOff, n uint64) error) error {
	if s.w == 0 {
		return nil
	}
	if s.contiguous() {
		return fn(0, 0, s.w*s.h*s.d)
	}
	for z := uint64(0); z < s.d; z++ {
		for y := uint64(0); y < s.h; y++ {
			if err := fn((z*s.dh+y)*s.dp, (z*s.sh+y)*s.sp, s.w); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddMemcpy3DNode adds a 1-D, 2-D or 3-D copy between linear memory
// (cuGraphAddMemcpyNode with a full CUDA_MEMCPY3D, hipGraphAddMemcpyNode);
// the shape is checked now, the addresses when the graph is instantiated.
func (g *Graph) AddMemcpy3DNode(deps []*GraphNode, p MemcpyNodeParams) (*GraphNode, error) {
	if _, err := p.shape(); err != nil {
		return nil, fmt.Errorf("streaming: memcpy node: %w", err)
	}
	return g.add(&GraphNode{typ: GraphNodeMemcpy, memcpy: p}, deps)
}

// memcpyNodesLocked translates a memcpy node (1-D, 2-D or 3-D) into hal
// copies, checking both extents and adding them to refs. The caller holds
// the pointer table's read lock.
func (c *Context) memcpyNodesLocked(p MemcpyNodeParams, refs *[]addrRef) ([]hal.Node, error) {
	t := &c.rt.ptrs
	s, err := p.shape()
	if err != nil {
		return nil, err
	}
	if s.w == 0 {
		return []hal.Node{{Kind: hal.NodeEmpty}}, nil
	}
	dspan, _ := s.span(s.dp, s.dh)
	sspan, _ := s.span(s.sp, s.sh)
	da, err := t.findRangeLocked("memcpy node destination", uint64(p.Dst), dspan)
	if err != nil {
		return nil, err
	}
	sa, err := t.findRangeLocked("memcpy node source", uint64(p.Src), sspan)
	if err != nil {
		return nil, err
	}
	if !nativeTo(da, c.dev) || !nativeTo(sa, c.dev) {
		return nil, fmt.Errorf("memcpy node between %s and %s needs the host: %w", da.owner().dev.info.Name, sa.owner().dev.info.Name, ErrNotSupported)
	}
	dst, src := da.devicePtr(uint64(p.Dst)), sa.devicePtr(uint64(p.Src))
	*refs = append(*refs,
		addrRef{a: da, addr: uint64(p.Dst), what: "memcpy node destination"},
		addrRef{a: sa, addr: uint64(p.Src), what: "memcpy node source"})
	var nodes []hal.Node
	s.rows(func(do, so, n uint64) error {
		nodes = append(nodes, hal.Node{Kind: hal.NodeCopy, Dst: dst + do, Src: src + so, Size: n})
		return nil
	})
	return nodes, nil
}

// Memcpy3DAsync copies a 2-D or 3-D box between linear memory the runtime
// knows (cuMemcpy2DAsync, cuMemcpy3DAsync): p's Dst and Src address the
// first byte of each side (offsets applied), Size is the row width. Both
// extents are checked before anything is enqueued. Pageable host memory
// is not supported here: use page-locked (MallocHost) or registered
// memory.
func (s *Stream) Memcpy3DAsync(p MemcpyNodeParams) error {
	const what = "memcpy 3d"
	sh, err := p.shape()
	if err != nil {
		return fmt.Errorf("streaming: %s: %w", what, err)
	}
	if sh.w == 0 {
		return nil
	}
	dspan, _ := sh.span(sh.dp, sh.dh)
	sspan, _ := sh.span(sh.sp, sh.sh)
	t := &s.ctx.rt.ptrs
	if _, err := t.findRange(what+" destination", uint64(p.Dst), dspan); err != nil {
		return fmt.Errorf("%w (pageable host memory is not supported in 2-D and 3-D copies: use page-locked or registered memory)", err)
	}
	if _, err := t.findRange(what+" source", uint64(p.Src), sspan); err != nil {
		return fmt.Errorf("%w (pageable host memory is not supported in 2-D and 3-D copies: use page-locked or registered memory)", err)
	}
	return sh.rows(func(do, so, n uint64) error {
		return s.MemcpyAsync(p.Dst+DevicePtr(do), p.Src+DevicePtr(so), n)
	})
}

// Memcpy3D is Memcpy3DAsync on the context's default stream, waiting for
// it (cuMemcpy2D, cuMemcpy3D).
func (c *Context) Memcpy3D(p MemcpyNodeParams) error {
	s := c.legacy.Load()
	if err := s.Memcpy3DAsync(p); err != nil {
		return err
	}
	return s.Synchronize(backgroundCtx)
}
