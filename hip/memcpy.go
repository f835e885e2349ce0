package hip

import (
	"context"
	"fmt"

	"github.com/streamhal/streamhal/internal/capi"
	"github.com/streamhal/streamhal/streaming"
)

// memcpy copies n bytes from src to dst on s (nil: the current context's
// default stream), then waits when wait is set.
//
// Like AMD's runtime it takes the direction from the pointers, not from
// kind: kind must be a hipMemcpyKind (else HipErrorInvalidMemcpyDirection),
// and a copy between two host buffers the runtime does not know must say
// HipMemcpyHostToHost or HipMemcpyDefault (else HipErrorInvalidValue); any
// other mismatch between kind and the pointers is accepted, as HIP accepts
// it.
func memcpy(dst, src any, n uint64, kind MemcpyKind, s Stream, wait bool) error {
	if (kind < HipMemcpyHostToHost || kind > HipMemcpyDefault) && kind != HipMemcpyDeviceToDeviceNoCU {
		return fmt.Errorf("copy kind %v: %w", kind, HipErrorInvalidMemcpyDirection)
	}
	if n == 0 {
		return nil
	}
	d, err := capi.Decode("dst", dst)
	if err != nil {
		return err
	}
	sa, err := capi.Decode("src", src)
	if err != nil {
		return err
	}
	if d.V == 0 || sa.V == 0 {
		return fmt.Errorf("copy of %d bytes from %#x to %#x: null pointer: %w", n, sa.V, d.V, streaming.ErrInvalidValue)
	}
	if err := d.Needs("dst", n); err != nil {
		return err
	}
	if err := sa.Needs("src", n); err != nil {
		return err
	}
	st, err := streamOf(s)
	if err != nil {
		return err
	}
	rt, err := openRuntime()
	if err != nil {
		return err
	}
	c := st.Context()
	// The synchronous forms on the default stream use package streaming's
	// synchronous copies, which copy from and to Go memory directly.
	syncDefault := wait && st.IsDefault()
	// A DevicePtr side is device-addressable memory; package streaming's
	// host-to-device and device-to-host copies find out for themselves
	// whether the host side is pinned or registered memory. Only two host
	// arguments need the pointer table to tell a copy from a host one.
	dk, sk := d.Dev, sa.Dev
	if !dk && !sk {
		if dk = d.Known(rt, n); !dk {
			sk = sa.Known(rt, n)
		}
	}
	switch {
	case dk && sk:
		if syncDefault {
			return c.Memcpy(DevicePtr(d.V), DevicePtr(sa.V), n)
		}
		err = st.MemcpyAsync(DevicePtr(d.V), DevicePtr(sa.V), n)
	case dk:
		if syncDefault {
			return c.MemcpyHtoD(DevicePtr(d.V), sa.Bytes(n))
		}
		err = st.MemcpyHtoDAsync(DevicePtr(d.V), sa.Bytes(n))
	case sk:
		if syncDefault {
			return c.MemcpyDtoH(d.Bytes(n), DevicePtr(sa.V))
		}
		err = st.MemcpyDtoHAsync(d.Bytes(n), DevicePtr(sa.V))
	default:
		if kind != HipMemcpyHostToHost && kind != HipMemcpyDefault {
			return fmt.Errorf("copy kind %v between two host buffers the runtime does not know: %w", kind, streaming.ErrInvalidValue)
		}
		// As in HIP: wait for the stream, then copy on the host.
		if err := st.Synchronize(context.Background()); err != nil {
			return err
		}
		copy(d.Bytes(n), sa.Bytes(n))
		return nil
	}
	if err != nil || !wait {
		return err
	}
	return st.Synchronize(context.Background())
}

// Memcpy is hipMemcpy: it copies sizeBytes from src to dst and returns when
// they are in dst. dst and src are each a DevicePtr, an unsafe.Pointer or a
// slice of numbers (see the package documentation); the direction comes
// from the pointers (hipMemcpyDefault), kind is checked as HIP checks it.
// Host Go memory may be reused as soon as the call returns.
func Memcpy(dst, src any, sizeBytes uint64, kind MemcpyKind) error {
	return ret("hipMemcpy", memcpy(dst, src, sizeBytes, kind, nil, true))
}

// MemcpyWithStream is hipMemcpyWithStream: Memcpy ordered on stream. A
// destroyed stream is HipErrorContextIsDestroyed, as in AMD's runtime.
func MemcpyWithStream(dst, src any, sizeBytes uint64, kind MemcpyKind, stream Stream) error {
	const call = "hipMemcpyWithStream"
	if stream != nil && stream.Err() != nil {
		return ret(call, stream.Err(), HipErrorContextIsDestroyed)
	}
	return ret(call, memcpy(dst, src, sizeBytes, kind, stream, true))
}

// MemcpyAsync is hipMemcpyAsync: the copy is ordered on stream and runs
// asynchronously when both sides are device, pinned, registered or managed
// memory. From ordinary Go memory the bytes are staged before the call
// returns, so src may be reused at once; into ordinary Go memory the call
// waits for the stream, as HIP does for pageable memory.
func MemcpyAsync(dst, src any, sizeBytes uint64, kind MemcpyKind, stream Stream) error {
	return ret("hipMemcpyAsync", memcpy(dst, src, sizeBytes, kind, stream, false))
}

// MemcpyHtoD is hipMemcpyHtoD: sizeBytes from host memory src (a slice of
// numbers or an unsafe.Pointer) to dst.
func MemcpyHtoD(dst DevicePtr, src any, sizeBytes uint64) error {
	return ret("hipMemcpyHtoD", memcpy(dst, src, sizeBytes, HipMemcpyHostToDevice, nil, true))
}

// MemcpyDtoH is hipMemcpyDtoH: sizeBytes from src to host memory dst.
func MemcpyDtoH(dst any, src DevicePtr, sizeBytes uint64) error {
	return ret("hipMemcpyDtoH", memcpy(dst, src, sizeBytes, HipMemcpyDeviceToHost, nil, true))
}

// MemcpyDtoD is hipMemcpyDtoD: sizeBytes from src to dst.
func MemcpyDtoD(dst, src DevicePtr, sizeBytes uint64) error {
	return ret("hipMemcpyDtoD", memcpy(dst, src, sizeBytes, HipMemcpyDeviceToDevice, nil, true))
}

// MemcpyHtoDAsync is hipMemcpyHtoDAsync (see MemcpyAsync).
func MemcpyHtoDAsync(dst DevicePtr, src any, sizeBytes uint64, stream Stream) error {
	return ret("hipMemcpyHtoDAsync", memcpy(dst, src, sizeBytes, HipMemcpyHostToDevice, stream, false))
}

// MemcpyDtoHAsync is hipMemcpyDtoHAsync (see MemcpyAsync).
func MemcpyDtoHAsync(dst any, src DevicePtr, sizeBytes uint64, stream Stream) error {
	return ret("hipMemcpyDtoHAsync", memcpy(dst, src, sizeBytes, HipMemcpyDeviceToHost, stream, false))
}

// MemcpyDtoDAsync is hipMemcpyDtoDAsync.
func MemcpyDtoDAsync(dst, src DevicePtr, sizeBytes uint64, stream Stream) error {
	return ret("hipMemcpyDtoDAsync", memcpy(dst, src, sizeBytes, HipMemcpyDeviceToDevice, stream, false))
}

// peerDevicesValid checks the device ordinals of MemcpyPeer.
func peerDevicesValid(dstDevice, srcDevice Device) error {
	if _, err := device(dstDevice); err != nil {
		return err
	}
	_, err := device(srcDevice)
	return err
}

// MemcpyPeer is hipMemcpyPeer: sizeBytes from src on srcDevice to dst on
// dstDevice, by streaming.Context.MemcpyPeer between the devices' primary
// contexts: the copy waits for the earlier work of the current context and
// of both devices, and the call returns when it is done. Devices of one
// backend copy directly; others go through the host.
func MemcpyPeer(dst DevicePtr, dstDevice Device, src DevicePtr, srcDevice Device, sizeBytes uint64) error {
	const call = "hipMemcpyPeer"
	ctxs := [2]*streaming.Context{}
	for i, dev := range [2]Device{dstDevice, srcDevice} {
		d, err := device(dev)
		if err != nil {
			return ret(call, err)
		}
		if ctxs[i], err = primary(d); err != nil {
			return ret(call, err)
		}
	}
	c, err := current()
	if err != nil {
		return ret(call, err)
	}
	return ret(call, c.MemcpyPeer(dst, ctxs[0], src, ctxs[1], sizeBytes))
}

// MemcpyPeerAsync is hipMemcpyPeerAsync: MemcpyPeer ordered on stream. A
// destroyed stream is HipErrorContextIsDestroyed.
func MemcpyPeerAsync(dst DevicePtr, dstDevice Device, src DevicePtr, srcDevice Device, sizeBytes uint64, stream Stream) error {
	const call = "hipMemcpyPeerAsync"
	if err := peerDevicesValid(dstDevice, srcDevice); err != nil {
		return ret(call, err)
	}
	if stream != nil && stream.Err() != nil {
		return ret(call, stream.Err(), HipErrorContextIsDestroyed)
	}
	return ret(call, memcpy(dst, src, sizeBytes, HipMemcpyDeviceToDevice, stream, false))
}

// memset fills count elements of size bytes at dst with value, on stream s
// (nil: the default stream), waiting when wait is set.
func memset(dst DevicePtr, value uint32, size int, count uint64, s Stream, wait bool) error {
	if dst == 0 {
		return fmt.Errorf("memset of a null pointer: %w", streaming.ErrInvalidValue)
	}
	st, err := streamOf(s)
	if err != nil {
		return err
	}
	switch size {
	case 1:
		err = st.MemsetD8Async(dst, uint8(value), count)
	case 2:
		err = st.MemsetD16Async(dst, uint16(value), count)
	default:
		err = st.MemsetD32Async(dst, value, count)
	}
	if err != nil || !wait {
		return err
	}
	return st.Synchronize(context.Background())
}

// Memset is hipMemset: sizeBytes at dst set to the low byte of value; it
// returns when the memory is set.
func Memset(dst DevicePtr, value int, sizeBytes uint64) error {
	return ret("hipMemset", memset(dst, uint32(value), 1, sizeBytes, nil, true))
}

// MemsetAsync is hipMemsetAsync: Memset ordered on stream.
func MemsetAsync(dst DevicePtr, value int, sizeBytes uint64, stream Stream) error {
	return ret("hipMemsetAsync", memset(dst, uint32(value), 1, sizeBytes, stream, false))
}

// MemsetD8 is hipMemsetD8: count bytes at dst set to value.
func MemsetD8(dst DevicePtr, value uint8, count uint64) error {
	return ret("hipMemsetD8", memset(dst, uint32(value), 1, count, nil, true))
}

// MemsetD16 is hipMemsetD16: count 16-bit values at dst (2-byte aligned)
// set to value.
func MemsetD16(dst DevicePtr, value uint16, count uint64) error {
	return ret("hipMemsetD16", memset(dst, uint32(value), 2, count, nil, true))
}

// MemsetD32 is hipMemsetD32: count 32-bit values at dst (4-byte aligned)
// set to value.
func MemsetD32(dst DevicePtr, value int32, count uint64) error {
	return ret("hipMemsetD32", memset(dst, uint32(value), 4, count, nil, true))
}

// MemsetD8Async is hipMemsetD8Async.
func MemsetD8Async(dst DevicePtr, value uint8, count uint64, stream Stream) error {
	return ret("hipMemsetD8Async", memset(dst, uint32(value), 1, count, stream, false))
}

// MemsetD16Async is hipMemsetD16Async.
func MemsetD16Async(dst DevicePtr, value uint16, count uint64, stream Stream) error {
	return ret("hipMemsetD16Async", memset(dst, uint32(value), 2, count, stream, false))
}

// MemsetD32Async is hipMemsetD32Async.
func MemsetD32Async(dst DevicePtr, value int32, count uint64, stream Stream) error {
	return ret("hipMemsetD32Async", memset(dst, uint32(value), 4, count, stream, false))
}
