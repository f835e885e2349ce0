package streaming

import "fmt"

// MemcpyPeer copies n bytes from src, memory of srcCtx's device, to dst,
// memory of dstCtx's device, and returns when the copy is done
// (cuMemcpyPeer, hipMemcpyPeer). Like the C calls it is serialized with the
// earlier work of c (the context the caller has current), srcCtx and
// dstCtx: that work is finished before the copy starts. The copy itself
// runs on c's default stream.
func (c *Context) MemcpyPeer(dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64) error {
	if dstCtx == nil || srcCtx == nil {
		return fmt.Errorf("streaming: memcpy peer: nil context: %w", ErrInvalidContext)
	}
	ctxs := []*Context{c, srcCtx, dstCtx}
	for _, x := range ctxs {
		if err := x.check("memcpy peer"); err != nil {
			return err
		}
	}
	done, err := c.rt.holdDrivers("memcpy peer")
	if err != nil {
		return err
	}
	defer done()
	// All their streams, not only those c's default stream orders with.
	for i, x := range ctxs {
		if i == 0 || x != c && (i == 1 || x != srcCtx) {
			x.drain()
		}
	}
	return c.syncOp(func(s *Stream) error { return s.MemcpyPeerAsync(dst, dstCtx, src, srcCtx, n) })
}
