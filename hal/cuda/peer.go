//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

func (d *device) peer(p hal.Device) (*device, error) {
	pd, ok := p.(*device)
	if !ok || pd == nil {
		return nil, fmt.Errorf("hal/cuda: peer %T is not a CUDA device: %w", p, hal.ErrInvalidDevice)
	}
	if pd == d || pd.dev == d.dev {
		return nil, fmt.Errorf("hal/cuda: device %d cannot be its own peer: %w", d.ordinal, hal.ErrInvalidDevice)
	}
	return pd, nil
}

// CanAccessPeer reports cuDeviceCanAccessPeer.
func (d *device) CanAccessPeer(p hal.Device) bool {
	pd, err := d.peer(p)
	if err != nil {
		return false
	}
	var v C.int
	if C.shal_device_can_access_peer(&v, d.dev, pd.dev) != 0 {
		return false
	}
	return v != 0
}

// EnablePeerAccess maps peer's memory for this device
// (cuCtxEnablePeerAccess from this device's context).
func (d *device) EnablePeerAccess(p hal.Device) error {
	pd, err := d.peer(p)
	if err != nil {
		return err
	}
	return check(C.shal_ctx_enable_peer(d.ctx, pd.ctx), "cuCtxEnablePeerAccess(device %d -> %d)", d.ordinal, pd.ordinal)
}

// DisablePeerAccess undoes EnablePeerAccess.
func (d *device) DisablePeerAccess(p hal.Device) error {
	pd, err := d.peer(p)
	if err != nil {
		return err
	}
	return check(C.shal_ctx_disable_peer(d.ctx, pd.ctx), "cuCtxDisablePeerAccess(device %d -> %d)", d.ordinal, pd.ordinal)
}

// CopyPeer enqueues cuMemcpyPeerAsync from src on srcDev to dst on d,
// ordered on q, a queue of d or of srcDev (the call runs in q's context).
// It works without peer access too: the driver stages through the host.
func (d *device) CopyPeer(q hal.Queue, dst uint64, srcDev hal.Device, src uint64, n uint64) error {
	qq, ok := q.(*queue)
	if !ok || qq == nil {
		return fmt.Errorf("hal/cuda: copy peer on queue %T: %w", q, hal.ErrInvalidHandle)
	}
	if err := qq.usable(); err != nil {
		return err
	}
	sd, ok := srcDev.(*device)
	if !ok || sd == nil {
		return fmt.Errorf("hal/cuda: copy peer from %T: %w", srcDev, hal.ErrInvalidDevice)
	}
	if qq.d != d && qq.d != sd {
		return fmt.Errorf("hal/cuda: copy peer: queue belongs to device %d, neither %d nor %d: %w", qq.d.ordinal, d.ordinal, sd.ordinal, hal.ErrInvalidHandle)
	}
	if n == 0 {
		return nil
	}
	if err := qq.settle(); err != nil {
		return err
	}
	return check(C.shal_memcpy_peer_async(qq.d.ctx, C.CUdeviceptr(dst), d.ctx, C.CUdeviceptr(src), sd.ctx, C.size_t(n), qq.stream),
		"cuMemcpyPeerAsync(%#x on device %d, %#x on device %d, %d)", dst, d.ordinal, src, sd.ordinal, n)
}
