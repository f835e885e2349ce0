//go:build cgo

package hip

/*
#include "shal_hip.h"
*/
import "C"

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// peer checks that p is another device of the same instance.
func (d *device) peer(p hal.Device) (*device, error) {
	pd, ok := p.(*device)
	if !ok || pd == nil || pd.inst != d.inst {
		return nil, fmt.Errorf("hal/hip: peer %T is not a device of this HIP instance: %w", p, hal.ErrInvalidDevice)
	}
	if pd == d {
		return nil, fmt.Errorf("hal/hip: device %d cannot be its own peer: %w", d.ordinal, hal.ErrInvalidDevice)
	}
	return pd, nil
}

// CanAccessPeer reports hipDeviceCanAccessPeer.
func (d *device) CanAccessPeer(p hal.Device) bool {
	pd, err := d.peer(p)
	if err != nil {
		return false
	}
	var v C.int
	return C.shal_hip_can_access_peer(d.api, &v, d.dev, pd.dev) == 0 && v != 0
}

// EnablePeerAccess maps peer's memory for this device
// (hipDeviceEnablePeerAccess with this device current).
func (d *device) EnablePeerAccess(p hal.Device) error {
	pd, err := d.peer(p)
	if err != nil {
		return err
	}
	return check(int(C.shal_hip_enable_peer(d.api, d.dev, pd.dev)), "hipDeviceEnablePeerAccess(device %d -> %d)", d.ordinal, pd.ordinal)
}

// DisablePeerAccess undoes EnablePeerAccess.
func (d *device) DisablePeerAccess(p hal.Device) error {
	pd, err := d.peer(p)
	if err != nil {
		return err
	}
	return check(int(C.shal_hip_disable_peer(d.api, d.dev, pd.dev)), "hipDeviceDisablePeerAccess(device %d -> %d)", d.ordinal, pd.ordinal)
}

// queueOf checks that q is a live queue of d.
func (d *device) queueOf(q hal.Queue) (*queue, error) {
	qq, ok := q.(*queue)
	if !ok || qq == nil || qq.d != d {
		return nil, fmt.Errorf("hal/hip: queue %T is not of device %d: %w", q, d.ordinal, hal.ErrInvalidHandle)
	}
	return qq, qq.usable()
}

// CopyPeer enqueues hipMemcpyPeerAsync from src on srcDev to dst on d,
// ordered on q, a queue of d or of srcDev. It works without peer access
// too (the runtime stages it).
func (d *device) CopyPeer(q hal.Queue, dst uint64, srcDev hal.Device, src uint64, n uint64) error {
	sd, ok := srcDev.(*device)
	if !ok || sd == nil || sd.inst != d.inst {
		return fmt.Errorf("hal/hip: copy peer from %T: not a device of this HIP instance: %w", srcDev, hal.ErrInvalidDevice)
	}
	qq, ok := q.(*queue)
	if !ok || qq == nil || (qq.d != d && qq.d != sd) {
		return fmt.Errorf("hal/hip: copy peer on queue %T: not a queue of device %d or %d: %w", q, d.ordinal, sd.ordinal, hal.ErrInvalidHandle)
	}
	if err := qq.usable(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return check(int(C.shal_hip_memcpy_peer_async(d.api, qq.d.dev, C.uint64_t(dst), d.dev, C.uint64_t(src), sd.dev, C.size_t(n), qq.stream)),
		"hipMemcpyPeerAsync(%#x on device %d, %#x on device %d, %d bytes) on a queue of device %d", dst, d.ordinal, src, sd.ordinal, n, qq.d.ordinal)
}

// Advise is hipMemAdvise on managed memory. advice uses the numbering that
// CUmem_advise and hipMemoryAdvise share (1 set read-mostly ... 6 unset
// accessed-by); the location is peer, or the host when peer is nil.
func (d *device) Advise(addr, n uint64, advice int, peer hal.Device) error {
	target := C.int(hipabi.HipCpuDeviceId)
	if peer != nil {
		pd, ok := peer.(*device)
		if !ok || pd == nil || pd.inst != d.inst {
			return fmt.Errorf("hal/hip: advise for %T: not a device of this HIP instance: %w", peer, hal.ErrInvalidDevice)
		}
		target = pd.dev
	}
	return check(int(C.shal_hip_mem_advise(d.api, d.dev, C.uint64_t(addr), C.size_t(n), C.int(advice), target)),
		"hipMemAdvise(%#x, %d bytes, %v, device %d)", addr, n, hipabi.MemoryAdvise(advice), int(target))
}

// Prefetch is hipMemPrefetchAsync of managed memory to this device (or
// the host) ordered on q.
func (d *device) Prefetch(q hal.Queue, addr, n uint64, toHost bool) error {
	qq, err := d.queueOf(q)
	if err != nil {
		return err
	}
	target := d.dev
	if toHost {
		target = C.int(hipabi.HipCpuDeviceId)
	}
	return check(int(C.shal_hip_mem_prefetch(d.api, d.dev, C.uint64_t(addr), C.size_t(n), target, qq.stream)),
		"hipMemPrefetchAsync(%#x, %d bytes, device %d)", addr, n, int(target))
}
