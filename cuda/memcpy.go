package cuda

import (
	"fmt"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// Copies and fills. The synchronous forms run on the current context's
// NULL stream and return once the operation is done (after the earlier
// work of the NULL stream and of the blocking streams, as in CUDA). Host
// memory is an any holding an unsafe.Pointer, as in C, or a Go slice of
// numbers, whose length bounds the byte count (package hip takes host
// memory the same way): page-locked memory (MemAllocHost,
// MemHostRegister) makes the Async forms truly asynchronous; ordinary Go
// memory is staged (host to device) or waited for (device to host), so it
// may be reused as soon as the call returns. The ...Slice functions take
// typed Go slices and count in elements.

// hostBytes decodes the host-memory argument name of call (an
// unsafe.Pointer or a slice of numbers) and views n bytes of it. NULL with
// n > 0, a DevicePtr, anything else, or a slice shorter than n bytes is
// CUDA_ERROR_INVALID_VALUE.
func hostBytes(call, name string, x any, n uint64) ([]byte, error) {
	a, err := capi.Decode(name, x)
	if err != nil {
		return nil, check(fmt.Errorf("cuda: %s: %w", call, err))
	}
	if a.Dev {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "%s: %s %#x is a DevicePtr, not host memory (use MemcpyDtoD or Memcpy)", call, name, a.V)
	}
	if n == 0 {
		return nil, nil
	}
	if a.P == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "%s of %d bytes: NULL host pointer", call, n)
	}
	if err := a.Needs(name, n); err != nil {
		return nil, check(fmt.Errorf("cuda: %s: %w", call, err))
	}
	return a.Bytes(n), nil
}

// Memcpy is cuMemcpy: n bytes between any two addresses the runtime knows
// (device, page-locked or registered host, managed memory, module globals,
// of any device); the direction comes from the addresses. Ordinary Go
// memory is not such an address (CUDA_ERROR_INVALID_VALUE): use
// MemcpyHtoD and MemcpyDtoH for it (see "Host memory and DevicePtr" in the
// package documentation).
func Memcpy(dst, src DevicePtr, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpy"); err != nil {
			return err
		}
	}
	return check(sc.Memcpy(dst, src, n))
}

// Memcpy is the package's Memcpy on c's NULL stream.
func (c *Context) Memcpy(dst, src DevicePtr, n uint64) error {
	sc, err := c.get("cuMemcpy")
	if err != nil {
		return err
	}
	return check(sc.Memcpy(dst, src, n))
}

// MemcpyHtoD is cuMemcpyHtoD: n bytes from host memory src (an
// unsafe.Pointer, or a slice of numbers of at least n bytes) to device
// memory at dst.
func MemcpyHtoD(dst DevicePtr, src any, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyHtoD"); err != nil {
			return err
		}
	}
	return memcpyHtoD(sc, dst, src, n)
}

// MemcpyHtoD is the package's MemcpyHtoD on c's NULL stream.
func (c *Context) MemcpyHtoD(dst DevicePtr, src any, n uint64) error {
	sc, err := c.get("cuMemcpyHtoD")
	if err != nil {
		return err
	}
	return memcpyHtoD(sc, dst, src, n)
}

func memcpyHtoD(sc *streaming.Context, dst DevicePtr, src any, n uint64) error {
	b, err := hostBytes("cuMemcpyHtoD", "src", src, n)
	if err != nil {
		return err
	}
	return check(sc.MemcpyHtoD(dst, b))
}

// MemcpyDtoH is cuMemcpyDtoH: n bytes from device memory at src to host
// memory dst (an unsafe.Pointer, or a slice of numbers of at least n
// bytes).
func MemcpyDtoH(dst any, src DevicePtr, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyDtoH"); err != nil {
			return err
		}
	}
	return memcpyDtoH(sc, dst, src, n)
}

// MemcpyDtoH is the package's MemcpyDtoH on c's NULL stream.
func (c *Context) MemcpyDtoH(dst any, src DevicePtr, n uint64) error {
	sc, err := c.get("cuMemcpyDtoH")
	if err != nil {
		return err
	}
	return memcpyDtoH(sc, dst, src, n)
}

func memcpyDtoH(sc *streaming.Context, dst any, src DevicePtr, n uint64) error {
	b, err := hostBytes("cuMemcpyDtoH", "dst", dst, n)
	if err != nil {
		return err
	}
	return check(sc.MemcpyDtoH(b, src))
}

// MemcpyHtoDSlice is MemcpyHtoD from a Go slice: len(src) elements.
func MemcpyHtoDSlice[T any](dst DevicePtr, src []T) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyHtoD"); err != nil {
			return err
		}
	}
	return check(streaming.CopyToDeviceSync(sc, dst, src))
}

// MemcpyDtoHSlice is MemcpyDtoH into a Go slice: len(dst) elements.
func MemcpyDtoHSlice[T any](dst []T, src DevicePtr) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyDtoH"); err != nil {
			return err
		}
	}
	return check(streaming.CopyFromDeviceSync(sc, dst, src))
}

// MemcpyDtoD is cuMemcpyDtoD: n bytes between device addresses.
func MemcpyDtoD(dst, src DevicePtr, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyDtoD"); err != nil {
			return err
		}
	}
	return check(sc.MemcpyDtoD(dst, src, n))
}

// MemcpyDtoD is the package's MemcpyDtoD on c's NULL stream.
func (c *Context) MemcpyDtoD(dst, src DevicePtr, n uint64) error {
	sc, err := c.get("cuMemcpyDtoD")
	if err != nil {
		return err
	}
	return check(sc.MemcpyDtoD(dst, src, n))
}

// MemcpyPeer is cuMemcpyPeer: n bytes from src in srcCtx to dst in dstCtx,
// devices of any backend (through the host when they share no address
// space). It waits for the earlier work of the current context, srcCtx and
// dstCtx and returns when the copy is done.
func MemcpyPeer(dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemcpyPeer"); err != nil {
			return err
		}
	}
	return memcpyPeer(sc, dst, dstCtx, src, srcCtx, n)
}

// MemcpyPeer is the package's MemcpyPeer with c current.
func (c *Context) MemcpyPeer(dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64) error {
	sc, err := c.get("cuMemcpyPeer")
	if err != nil {
		return err
	}
	return memcpyPeer(sc, dst, dstCtx, src, srcCtx, n)
}

func memcpyPeer(sc *streaming.Context, dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64) error {
	dsc, err := dstCtx.get("cuMemcpyPeer destination context")
	if err != nil {
		return err
	}
	ssc, err := srcCtx.get("cuMemcpyPeer source context")
	if err != nil {
		return err
	}
	return check(sc.MemcpyPeer(dst, dsc, src, ssc, n))
}

// MemcpyAsync is cuMemcpyAsync: Memcpy ordered on s (nil: the NULL
// stream). Copies between devices that share no address space go through
// the host and are synchronous.
func MemcpyAsync(dst, src DevicePtr, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyAsync"); err != nil {
			return err
		}
	}
	return check(ss.MemcpyAsync(dst, src, n))
}

// MemcpyHtoDAsync is cuMemcpyHtoDAsync: MemcpyHtoD ordered on s.
func MemcpyHtoDAsync(dst DevicePtr, src any, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyHtoDAsync"); err != nil {
			return err
		}
	}
	b, err := hostBytes("cuMemcpyHtoDAsync", "src", src, n)
	if err != nil {
		return err
	}
	return check(ss.MemcpyHtoDAsync(dst, b))
}

// MemcpyDtoHAsync is cuMemcpyDtoHAsync: MemcpyDtoH ordered on s. Into
// ordinary Go memory it returns once dst holds the data.
func MemcpyDtoHAsync(dst any, src DevicePtr, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyDtoHAsync"); err != nil {
			return err
		}
	}
	b, err := hostBytes("cuMemcpyDtoHAsync", "dst", dst, n)
	if err != nil {
		return err
	}
	return check(ss.MemcpyDtoHAsync(b, src))
}

// MemcpyHtoDAsyncSlice is MemcpyHtoDAsync from a Go slice.
func MemcpyHtoDAsyncSlice[T any](dst DevicePtr, src []T, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyHtoDAsync"); err != nil {
			return err
		}
	}
	return check(streaming.CopyToDevice(ss, dst, src))
}

// MemcpyDtoHAsyncSlice is MemcpyDtoHAsync into a Go slice.
func MemcpyDtoHAsyncSlice[T any](dst []T, src DevicePtr, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyDtoHAsync"); err != nil {
			return err
		}
	}
	return check(streaming.CopyFromDevice(ss, dst, src))
}

// MemcpyDtoDAsync is cuMemcpyDtoDAsync: MemcpyDtoD ordered on s.
func MemcpyDtoDAsync(dst, src DevicePtr, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyDtoDAsync"); err != nil {
			return err
		}
	}
	return check(ss.MemcpyDtoDAsync(dst, src, n))
}

// MemcpyPeerAsync is cuMemcpyPeerAsync: MemcpyPeer ordered on s, without
// waiting for the contexts' other work.
func MemcpyPeerAsync(dst DevicePtr, dstCtx *Context, src DevicePtr, srcCtx *Context, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemcpyPeerAsync"); err != nil {
			return err
		}
	}
	dsc, err := dstCtx.get("cuMemcpyPeerAsync destination context")
	if err != nil {
		return err
	}
	ssc, err := srcCtx.get("cuMemcpyPeerAsync source context")
	if err != nil {
		return err
	}
	return check(ss.MemcpyPeerAsync(dst, dsc, src, ssc, n))
}

// MemsetD8 is cuMemsetD8: n bytes at dst set to v.
func MemsetD8(dst DevicePtr, v uint8, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemsetD8"); err != nil {
			return err
		}
	}
	return check(sc.MemsetD8(dst, v, n))
}

// MemsetD8 is the package's MemsetD8 on c's NULL stream.
func (c *Context) MemsetD8(dst DevicePtr, v uint8, n uint64) error {
	sc, err := c.get("cuMemsetD8")
	if err != nil {
		return err
	}
	return check(sc.MemsetD8(dst, v, n))
}

// MemsetD16 is cuMemsetD16: n 16-bit values at dst (2-byte aligned) set
// to v.
func MemsetD16(dst DevicePtr, v uint16, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemsetD16"); err != nil {
			return err
		}
	}
	return check(sc.MemsetD16(dst, v, n))
}

// MemsetD16 is the package's MemsetD16 on c's NULL stream.
func (c *Context) MemsetD16(dst DevicePtr, v uint16, n uint64) error {
	sc, err := c.get("cuMemsetD16")
	if err != nil {
		return err
	}
	return check(sc.MemsetD16(dst, v, n))
}

// MemsetD32 is cuMemsetD32: n 32-bit values at dst (4-byte aligned) set
// to v.
func MemsetD32(dst DevicePtr, v uint32, n uint64) error {
	sc := fastCtx()
	if sc == nil {
		var err error
		if _, sc, err = curSlow("cuMemsetD32"); err != nil {
			return err
		}
	}
	return check(sc.MemsetD32(dst, v, n))
}

// MemsetD32 is the package's MemsetD32 on c's NULL stream.
func (c *Context) MemsetD32(dst DevicePtr, v uint32, n uint64) error {
	sc, err := c.get("cuMemsetD32")
	if err != nil {
		return err
	}
	return check(sc.MemsetD32(dst, v, n))
}

// MemsetD8Async is cuMemsetD8Async: MemsetD8 ordered on s.
func MemsetD8Async(dst DevicePtr, v uint8, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemsetD8Async"); err != nil {
			return err
		}
	}
	return check(ss.MemsetD8Async(dst, v, n))
}

// MemsetD16Async is cuMemsetD16Async: MemsetD16 ordered on s.
func MemsetD16Async(dst DevicePtr, v uint16, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemsetD16Async"); err != nil {
			return err
		}
	}
	return check(ss.MemsetD16Async(dst, v, n))
}

// MemsetD32Async is cuMemsetD32Async: MemsetD32 ordered on s.
func MemsetD32Async(dst DevicePtr, v uint32, n uint64, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow("cuMemsetD32Async"); err != nil {
			return err
		}
	}
	return check(ss.MemsetD32Async(dst, v, n))
}
