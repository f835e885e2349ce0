package streaming

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// native reports whether the stream's driver queue can address a's memory
// directly: memory of the stream's own device, or of another device of the
// same driver when that driver has one unified address space (CPU, CUDA,
// HIP).
func (s *Stream) native(a *allocation) bool { return nativeTo(a, s.ctx.dev) }

// nativeTo reports whether queues of dev address a's memory directly (see
// Stream.native).
func nativeTo(a *allocation, dev *Device) bool {
	od := a.owner().dev
	if od.hal == dev.hal {
		return true
	}
	return od.info.Driver == dev.info.Driver && dev.info.UnifiedAddressing && od.info.UnifiedAddressing
}

// MemcpyAsync copies n bytes between any two addresses the runtime knows
// (device, host, registered, managed memory or module globals, of any
// device), inferring the direction from the pointer table (cuMemcpyAsync).
// Copies between devices that share no address space go through the host
// and are synchronous.
func (s *Stream) MemcpyAsync(dst, src DevicePtr, n uint64) error {
	if n == 0 {
		return nil
	}
	// The table's read lock is held from the checks until the copy is
	// enqueued (see ptrTable).
	t := &s.ctx.rt.ptrs
	t.mu.RLock()
	da, err := t.findRangeLocked("memcpy destination", uint64(dst), n)
	if err != nil {
		t.mu.RUnlock()
		return err
	}
	sa, err := t.findRangeLocked("memcpy source", uint64(src), n)
	if err != nil {
		t.mu.RUnlock()
		return err
	}
	if s.native(da) && s.native(sa) {
		err := s.submit("memcpy", hal.Node{Kind: hal.NodeCopy, Dst: da.devicePtr(uint64(dst)), Src: sa.devicePtr(uint64(src)), Size: n})
		t.mu.RUnlock()
		return err
	}
	t.mu.RUnlock()
	return s.stagedCopy(dst, src, n)
}

// MemcpyDtoDAsync copies between device addresses (cuMemcpyDtoDAsync).
func (s *Stream) MemcpyDtoDAsync(dst, src DevicePtr, n uint64) error {
	return s.MemcpyAsync(dst, src, n)
}

// MemcpyPeerAsync copies between memory of two devices (cuMemcpyPeerAsync);
// the pointer table knows each address's device.
func (s *Stream) MemcpyPeerAsync(dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64) error {
	if dstCtx == nil || srcCtx == nil {
		return fmt.Errorf("streaming: memcpy peer: nil context: %w", ErrInvalidContext)
	}
	return s.MemcpyAsync(dst, src, n)
}

// stagedChunk bounds the host buffer of a copy staged through the host.
const stagedChunk = 64 << 20

// stagedCopy copies through host memory between devices that cannot reach
// each other: it waits for the stream's earlier work, then copies in the
// calling goroutine.
func (s *Stream) stagedCopy(dst, src DevicePtr, n uint64) error {
	if c := s.cap.Load(); c != nil {
		return c.illegal("memcpy between devices that share no address space (it needs the host)")
	}
	if err := s.syncForHost(); err != nil {
		return err
	}
	buf := make([]byte, min(n, stagedChunk))
	for off := uint64(0); off < n; off += uint64(len(buf)) {
		m := min(uint64(len(buf)), n-off)
		if err := s.ctx.rt.hostRead(src+DevicePtr(off), buf[:m]); err != nil {
			return err
		}
		if err := s.ctx.rt.hostWrite(dst+DevicePtr(off), buf[:m]); err != nil {
			return err
		}
	}
	return nil
}

// hostRead copies device memory at src into b from the host,
// synchronously, and hostWrite copies b to dst (hostCopy).
func (rt *Runtime) hostRead(src DevicePtr, b []byte) error  { return rt.hostCopy(src, b, false) }
func (rt *Runtime) hostWrite(dst DevicePtr, b []byte) error { return rt.hostCopy(dst, b, true) }

// hostCopy copies between device memory at p and b, into p when toDevice.
// It checks the address under the table's read lock and holds it through
// the copy, so the memory cannot be freed meanwhile; the caller has
// already waited for the device work the copy must follow.
func (rt *Runtime) hostCopy(p DevicePtr, b []byte, toDevice bool) error {
	if len(b) == 0 {
		return nil
	}
	what, arg := "memcpy to the host", "memcpy source"
	if toDevice {
		what, arg = "memcpy from the host", "memcpy destination"
	}
	done, err := rt.holdDrivers(what)
	if err != nil {
		return err
	}
	defer done()
	t := &rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	a, err := t.findRangeLocked(arg, uint64(p), uint64(len(b)))
	if err != nil {
		return err
	}
	if toDevice {
		return t.writeDeviceLocked(a.owner(), a.devicePtr(uint64(p)), b)
	}
	return t.readDeviceLocked(a.owner(), a.devicePtr(uint64(p)), b)
}

// syncForHost waits for the stream's earlier work before the caller touches
// memory from the host, keeping execution errors for Synchronize.
func (s *Stream) syncForHost() error {
	if c := s.cap.Load(); c != nil {
		return c.illegal(fmt.Sprintf("synchronous operation on %v", s))
	}
	done, err := s.ctx.rt.holdDrivers("synchronize before a host copy")
	if err != nil {
		return err
	}
	defer done()
	s.drain()
	return nil
}

// readDeviceLocked copies from a device address of a into b,
// synchronously. The caller holds t's read lock.
func (t *ptrTable) readDeviceLocked(a *allocation, src uint64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if a.host != nil {
		copy(b, unsafe.Slice((*byte)(unsafe.Add(a.host, src-a.base)), len(b)))
		return nil
	}
	if t.overlapsHostLocked(unsafe.Pointer(&b[0]), uint64(len(b))) && !mappedLocked(a, src, uint64(len(b))) {
		// b is partly page-locked memory: bounce through ordinary memory.
		tmp := make([]byte, len(b))
		if err := t.readDeviceLocked(a, src, tmp); err != nil {
			return err
		}
		copy(b, tmp)
		return nil
	}
	if err := a.dev.hal.CopyToHost(unsafe.Pointer(&b[0]), src, uint64(len(b))); err != nil {
		return fmt.Errorf("streaming: copy %d bytes from %#x on device %d: %w", len(b), src, a.dev.ordinal, err)
	}
	return nil
}

// writeDeviceLocked copies b to a device address of a, synchronously. The
// caller holds t's read lock.
func (t *ptrTable) writeDeviceLocked(a *allocation, dst uint64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if a.host != nil {
		copy(unsafe.Slice((*byte)(unsafe.Add(a.host, dst-a.base)), len(b)), b)
		return nil
	}
	if t.overlapsHostLocked(unsafe.Pointer(&b[0]), uint64(len(b))) && !mappedLocked(a, dst, uint64(len(b))) {
		// b is partly page-locked memory: bounce through ordinary memory.
		return t.writeDeviceLocked(a, dst, append([]byte(nil), b...))
	}
	if err := a.dev.hal.CopyFromHost(dst, unsafe.Pointer(&b[0]), uint64(len(b))); err != nil {
		return fmt.Errorf("streaming: copy %d bytes to %#x on device %d: %w", len(b), dst, a.dev.ordinal, err)
	}
	return nil
}

// MemcpyHtoDAsync copies host bytes to device memory (cuMemcpyHtoDAsync).
// From page-locked or registered memory the copy is asynchronous; from
// ordinary Go memory the bytes are first staged into page-locked memory,
// so src may be reused as soon as the call returns.
func (s *Stream) MemcpyHtoDAsync(dst DevicePtr, src []byte) error {
	return s.copyIn(dst, unsafe.Pointer(unsafe.SliceData(src)), uint64(len(src)))
}

func (s *Stream) copyIn(dst DevicePtr, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	t := &s.ctx.rt.ptrs
	if h := t.hostRange(src, n); h != nil {
		return s.MemcpyAsync(dst, DevicePtr(uintptr(src)), n)
	}
	da, err := t.findRange("memcpy HtoD destination", uint64(dst), n)
	if err != nil {
		return err
	}
	if !s.native(da) {
		if err := s.syncForHost(); err != nil {
			return err
		}
		return s.ctx.rt.hostWrite(dst, unsafe.Slice((*byte)(src), n))
	}
	if c := s.cap.Load(); c != nil {
		return c.illegal("memcpy HtoD from pageable Go memory (use MallocHost or HostRegister memory)")
	}
	st, err := s.ctx.dev.getStage(n)
	if err != nil {
		return fmt.Errorf("streaming: memcpy HtoD of %d bytes: staging buffer: %w", n, err)
	}
	copy(unsafe.Slice((*byte)(st.alloc.Host), n), unsafe.Slice((*byte)(src), n))
	// Check dst again and enqueue under the table's read lock.
	t.mu.RLock()
	da, err = t.findRangeLocked("memcpy HtoD destination", uint64(dst), n)
	if err == nil {
		err = s.submit("memcpy HtoD", hal.Node{Kind: hal.NodeCopy, Dst: da.devicePtr(uint64(dst)), Src: st.alloc.Device, Size: n})
	}
	t.mu.RUnlock()
	if err != nil {
		s.ctx.dev.putStage(st)
		return err
	}
	dev := s.ctx.dev
	return s.notify("memcpy HtoD", func() { dev.putStage(st) })
}

// MemcpyDtoHAsync copies device memory to host bytes (cuMemcpyDtoHAsync).
// Into page-locked or registered memory the copy is asynchronous; into
// ordinary Go memory it waits for the stream's earlier work and returns
// once dst holds the data, as CUDA does for pageable memory.
func (s *Stream) MemcpyDtoHAsync(dst []byte, src DevicePtr) error {
	return s.copyOut(unsafe.Pointer(unsafe.SliceData(dst)), src, uint64(len(dst)))
}

func (s *Stream) copyOut(dst unsafe.Pointer, src DevicePtr, n uint64) error {
	if n == 0 {
		return nil
	}
	if h := s.ctx.rt.ptrs.hostRange(dst, n); h != nil {
		return s.MemcpyAsync(DevicePtr(uintptr(dst)), src, n)
	}
	if _, err := s.ctx.rt.ptrs.findRange("memcpy DtoH source", uint64(src), n); err != nil {
		return err
	}
	if err := s.syncForHost(); err != nil {
		return err
	}
	return s.ctx.rt.hostRead(src, unsafe.Slice((*byte)(dst), n))
}

// CopyToDevice copies a Go slice to device memory on s (asynchronous as
// MemcpyHtoDAsync is).
func CopyToDevice[T any](s *Stream, dst DevicePtr, src []T) error {
	p, n := sliceBytes(src)
	return s.copyIn(dst, p, n)
}

// CopyFromDevice copies device memory into a Go slice on s (as
// MemcpyDtoHAsync).
func CopyFromDevice[T any](s *Stream, dst []T, src DevicePtr) error {
	p, n := sliceBytes(dst)
	return s.copyOut(p, src, n)
}

// memset fills count elements of size bytes at dst with value.
func (s *Stream) memset(what string, dst DevicePtr, value uint32, size int, count uint64) error {
	if count == 0 {
		return nil
	}
	if uint64(dst)%uint64(size) != 0 {
		return fmt.Errorf("streaming: %s at %#x: address not aligned to %d bytes: %w", what, uint64(dst), size, ErrInvalidValue)
	}
	if count > maxAllocation/uint64(size) {
		return fmt.Errorf("streaming: %s of %d elements: %w", what, count, ErrInvalidValue)
	}
	n := count * uint64(size)
	if err := hal.CheckFill(n, size); err != nil {
		return fmt.Errorf("streaming: %s: %w", what, err)
	}
	t := &s.ctx.rt.ptrs
	t.mu.RLock()
	a, err := t.findRangeLocked(what+" destination", uint64(dst), n)
	if err != nil {
		t.mu.RUnlock()
		return err
	}
	if s.native(a) {
		err := s.submit(what, hal.Node{Kind: hal.NodeFill, Dst: a.devicePtr(uint64(dst)), Size: n, Pattern: value, PatternSize: size})
		t.mu.RUnlock()
		return err
	}
	t.mu.RUnlock()
	if err := s.syncForHost(); err != nil {
		return err
	}
	buf := make([]byte, min(n, stagedChunk))
	for i := 0; i < len(buf); i += size {
		for j := 0; j < size; j++ {
			buf[i+j] = byte(value >> (8 * j))
		}
	}
	for off := uint64(0); off < n; off += uint64(len(buf)) {
		if err := s.ctx.rt.hostWrite(dst+DevicePtr(off), buf[:min(uint64(len(buf)), n-off)]); err != nil {
			return err
		}
	}
	return nil
}

// MemsetD8Async sets count bytes at dst to v (cuMemsetD8Async).
func (s *Stream) MemsetD8Async(dst DevicePtr, v uint8, count uint64) error {
	return s.memset("memset D8", dst, uint32(v), 1, count)
}

// MemsetD16Async sets count 16-bit values at dst (2-byte aligned) to v.
func (s *Stream) MemsetD16Async(dst DevicePtr, v uint16, count uint64) error {
	return s.memset("memset D16", dst, uint32(v), 2, count)
}

// MemsetD32Async sets count 32-bit values at dst (4-byte aligned) to v.
func (s *Stream) MemsetD32Async(dst DevicePtr, v uint32, count uint64) error {
	return s.memset("memset D32", dst, v, 4, count)
}

// The synchronous forms run on the context's default stream and return once
// the operation is done (and, as in CUDA, after the earlier work of the
// default stream and of the blocking streams).

// Memcpy copies n bytes between any two known addresses (cuMemcpy).
func (c *Context) Memcpy(dst, src DevicePtr, n uint64) error {
	return c.syncOp(func(s *Stream) error { return s.MemcpyAsync(dst, src, n) })
}

// MemcpyDtoD copies between device addresses (cuMemcpyDtoD).
func (c *Context) MemcpyDtoD(dst, src DevicePtr, n uint64) error { return c.Memcpy(dst, src, n) }

// MemcpyHtoD copies host bytes to device memory (cuMemcpyHtoD). From Go
// memory it copies directly, once the default stream's earlier work is done.
func (c *Context) MemcpyHtoD(dst DevicePtr, src []byte) error {
	return c.copyInSync(dst, unsafe.Pointer(unsafe.SliceData(src)), uint64(len(src)))
}

func (c *Context) copyInSync(dst DevicePtr, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	s := c.legacy.Load()
	if s.ctx.rt.ptrs.hostRange(src, n) != nil && !c.rt.ptrs.hostMapped(uint64(dst), n) {
		// From page-locked memory: the device's own copy (DMA), unless
		// the destination is mapped device memory, which one host copy
		// fills faster than a queued copy and a wait.
		return c.syncOp(func(s *Stream) error { return s.copyIn(dst, src, n) })
	}
	if _, err := c.rt.ptrs.findRange("memcpy HtoD destination", uint64(dst), n); err != nil {
		return err
	}
	if err := c.check("memcpy HtoD"); err != nil {
		return err
	}
	if err := c.rt.checkGlobalCapture("synchronous memcpy"); err != nil {
		return err
	}
	if err := s.syncForHost(); err != nil {
		return err
	}
	return c.rt.hostWrite(dst, unsafe.Slice((*byte)(src), n))
}

// MemcpyDtoH copies device memory to host bytes (cuMemcpyDtoH).
func (c *Context) MemcpyDtoH(dst []byte, src DevicePtr) error {
	return c.copyOutSync(unsafe.Pointer(unsafe.SliceData(dst)), src, uint64(len(dst)))
}

func (c *Context) copyOutSync(dst unsafe.Pointer, src DevicePtr, n uint64) error {
	if err := c.check("memcpy DtoH"); err != nil {
		return err
	}
	return c.syncOp(func(s *Stream) error {
		if n > 0 && c.rt.ptrs.hostRange(dst, n) != nil && c.rt.ptrs.hostMapped(uint64(src), n) {
			// Into page-locked memory out of mapped device memory: one
			// host copy, as for pageable memory (copyInSync).
			if err := s.syncForHost(); err != nil {
				return err
			}
			return c.rt.hostRead(src, unsafe.Slice((*byte)(dst), n))
		}
		return s.copyOut(dst, src, n)
	})
}

// CopyToDeviceSync copies a Go slice to device memory and returns when it is
// there (MemcpyHtoD with element types).
func CopyToDeviceSync[T any](c *Context, dst DevicePtr, src []T) error {
	p, n := sliceBytes(src)
	return c.copyInSync(dst, p, n)
}

// CopyFromDeviceSync copies device memory into a Go slice (MemcpyDtoH with
// element types).
func CopyFromDeviceSync[T any](c *Context, dst []T, src DevicePtr) error {
	p, n := sliceBytes(dst)
	return c.copyOutSync(p, src, n)
}

// MemsetD8 sets count bytes at dst to v and waits.
func (c *Context) MemsetD8(dst DevicePtr, v uint8, count uint64) error {
	return c.syncOp(func(s *Stream) error { return s.MemsetD8Async(dst, v, count) })
}

// MemsetD16 sets count 16-bit values at dst to v and waits.
func (c *Context) MemsetD16(dst DevicePtr, v uint16, count uint64) error {
	return c.syncOp(func(s *Stream) error { return s.MemsetD16Async(dst, v, count) })
}

// MemsetD32 sets count 32-bit values at dst to v and waits.
func (c *Context) MemsetD32(dst DevicePtr, v uint32, count uint64) error {
	return c.syncOp(func(s *Stream) error { return s.MemsetD32Async(dst, v, count) })
}

// syncOp runs op on the default stream and waits for it.
func (c *Context) syncOp(op func(s *Stream) error) error {
	if err := c.check("synchronous operation"); err != nil {
		return err
	}
	if err := c.rt.checkGlobalCapture("synchronous memcpy or memset"); err != nil {
		return err
	}
	done, err := c.rt.holdDrivers("synchronous operation")
	if err != nil {
		return err
	}
	defer done()
	s := c.legacy.Load()
	if err := op(s); err != nil {
		return err
	}
	s.drain()
	s.mu.Lock()
	err = s.pendingErr
	s.pendingErr = nil
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("streaming: %v: %w", s, err)
	}
	return nil
}
