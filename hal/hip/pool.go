//go:build cgo

package hip

/*
#include "shal_hip.h"
*/
import "C"

import (
	"fmt"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
)

var _ hal.PoolDevice = (*device)(nil)

// pool is a hipMemPool_t: the device's default pool or one of
// hipMemPoolCreate.
type pool struct {
	d      *device
	h      C.hipMemPool_t
	deflt  bool
	closed atomic.Bool
}

var _ hal.Pool = (*pool)(nil)

// open fails for a closed device.
func (d *device) open(what string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.checkOpen(what)
}

// poolsUsable reports why the device cannot serve native pools, or nil.
func (d *device) poolsUsable() error {
	if err := d.open("memory pool"); err != nil {
		return err
	}
	if C.shal_hip_pools_present(d.api) == 0 {
		return fmt.Errorf("hal/hip: device %d: the runtime lacks the hipMemPool functions: %w", d.ordinal, hal.ErrNotSupported)
	}
	if !d.info.MemoryPoolsSupported {
		return fmt.Errorf("hal/hip: device %d does not support memory pools: %w", d.ordinal, hal.ErrNotSupported)
	}
	return nil
}

// DefaultPool returns hipDeviceGetDefaultMemPool's pool.
func (d *device) DefaultPool() (hal.Pool, error) {
	if err := d.poolsUsable(); err != nil {
		return nil, err
	}
	var h C.hipMemPool_t
	if err := check(int(C.shal_hip_pool_default(d.api, d.dev, &h)), "hipDeviceGetDefaultMemPool(%d)", d.ordinal); err != nil {
		return nil, err
	}
	return &pool{d: d, h: h, deflt: true}, nil
}

// NewPool is hipMemPoolCreate of pinned device memory, no handle types.
func (d *device) NewPool(opts hal.PoolOptions) (hal.Pool, error) {
	if err := d.poolsUsable(); err != nil {
		return nil, err
	}
	var h C.hipMemPool_t
	if err := check(int(C.shal_hip_pool_create(d.api, d.dev, &h, C.size_t(opts.MaxSize))), "hipMemPoolCreate on device %d", d.ordinal); err != nil {
		return nil, err
	}
	return &pool{d: d, h: h}, nil
}

// SetCurrentPool is hipDeviceSetMemPool.
func (d *device) SetCurrentPool(p hal.Pool) error {
	hp, ok := p.(*pool)
	if !ok || hp.d != d {
		return fmt.Errorf("hal/hip: set memory pool of device %d: not a pool of this device: %w", d.ordinal, hal.ErrInvalidValue)
	}
	if err := d.open("set memory pool"); err != nil {
		return err
	}
	return check(int(C.shal_hip_pool_set_current(d.api, d.dev, hp.h)), "hipDeviceSetMemPool(%d)", d.ordinal)
}

func (p *pool) usable(what string) error {
	if p.closed.Load() {
		return fmt.Errorf("hal/hip: %s: memory pool destroyed: %w", what, hal.ErrInvalidHandle)
	}
	return p.d.open(what)
}

// queueOf returns q as an open queue of this driver.
func queueOf(q hal.Queue, what string) (*queue, error) {
	hq, ok := q.(*queue)
	if !ok {
		return nil, fmt.Errorf("hal/hip: %s: not a HIP queue: %w", what, hal.ErrInvalidValue)
	}
	if err := hq.usable(); err != nil {
		return nil, err
	}
	return hq, nil
}

// AllocateAsync is hipMallocFromPoolAsync on q's stream, with q's device
// current.
func (p *pool) AllocateAsync(q hal.Queue, size uint64) (hal.Allocation, error) {
	if err := p.usable("allocate from pool"); err != nil {
		return hal.Allocation{}, err
	}
	hq, err := queueOf(q, "allocate from pool")
	if err != nil {
		return hal.Allocation{}, err
	}
	var ptr C.uint64_t
	if err := check(int(C.shal_hip_pool_alloc_async(hq.d.api, hq.d.dev, &ptr, C.size_t(size), p.h, hq.stream)), "hipMallocFromPoolAsync(%d bytes)", size); err != nil {
		return hal.Allocation{}, err
	}
	return hal.Allocation{Device: uint64(ptr), Size: size}, nil
}

// FreeAsync is hipFreeAsync on q's stream.
func (p *pool) FreeAsync(q hal.Queue, addr uint64) error {
	hq, err := queueOf(q, "free to pool")
	if err != nil {
		return err
	}
	return check(int(C.shal_hip_free_async(hq.d.api, hq.d.dev, C.uint64_t(addr), hq.stream)), "hipFreeAsync(%#x)", addr)
}

// Free is hipFree, which takes pool memory back at once.
func (p *pool) Free(addr uint64) error {
	if err := p.d.open("free pool memory"); err != nil {
		return err
	}
	return check(int(C.shal_hip_free(p.d.api, p.d.dev, C.uint64_t(addr))), "hipFree(%#x) on device %d", addr, p.d.ordinal)
}

// Attribute is hipMemPoolGetAttribute.
func (p *pool) Attribute(attr hal.PoolAttribute) (uint64, error) {
	if err := p.usable("get pool attribute"); err != nil {
		return 0, err
	}
	var v C.ulonglong
	if err := check(int(C.shal_hip_pool_get_attr(p.d.api, p.d.dev, p.h, C.int(attr), &v)), "hipMemPoolGetAttribute(%d)", int(attr)); err != nil {
		return 0, err
	}
	return uint64(v), nil
}

// SetAttribute is hipMemPoolSetAttribute.
func (p *pool) SetAttribute(attr hal.PoolAttribute, v uint64) error {
	if err := p.usable("set pool attribute"); err != nil {
		return err
	}
	return check(int(C.shal_hip_pool_set_attr(p.d.api, p.d.dev, p.h, C.int(attr), C.ulonglong(v))), "hipMemPoolSetAttribute(%d, %d)", int(attr), v)
}

// TrimTo is hipMemPoolTrimTo.
func (p *pool) TrimTo(keep uint64) error {
	if err := p.usable("trim pool"); err != nil {
		return err
	}
	return check(int(C.shal_hip_pool_trim(p.d.api, p.d.dev, p.h, C.size_t(keep))), "hipMemPoolTrimTo(%d)", keep)
}

func (p *pool) peer(dev hal.Device, what string) (C.int, error) {
	pd, ok := dev.(*device)
	if !ok || pd.inst != p.d.inst {
		return 0, fmt.Errorf("hal/hip: %s: not a device of this driver: %w", what, hal.ErrInvalidValue)
	}
	return pd.dev, nil
}

// SetAccess is hipMemPoolSetAccess for one device.
func (p *pool) SetAccess(dev hal.Device, flags hal.PoolAccess) error {
	if err := p.usable("set pool access"); err != nil {
		return err
	}
	peer, err := p.peer(dev, "set pool access")
	if err != nil {
		return err
	}
	return check(int(C.shal_hip_pool_set_access(p.d.api, p.d.dev, p.h, peer, C.int(flags))), "hipMemPoolSetAccess(device %d, %d)", int(peer), int(flags))
}

// Access is hipMemPoolGetAccess for one device.
func (p *pool) Access(dev hal.Device) (hal.PoolAccess, error) {
	if err := p.usable("get pool access"); err != nil {
		return 0, err
	}
	peer, err := p.peer(dev, "get pool access")
	if err != nil {
		return 0, err
	}
	var f C.int
	if err := check(int(C.shal_hip_pool_get_access(p.d.api, p.d.dev, p.h, peer, &f)), "hipMemPoolGetAccess(device %d)", int(peer)); err != nil {
		return 0, err
	}
	return hal.PoolAccess(f), nil
}

// Close is hipMemPoolDestroy for a created pool; the default pool stays.
func (p *pool) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("hal/hip: memory pool already destroyed: %w", hal.ErrInvalidHandle)
	}
	if p.deflt || p.d.open("destroy memory pool") != nil {
		return nil
	}
	return check(int(C.shal_hip_pool_destroy(p.d.api, p.d.dev, p.h)), "hipMemPoolDestroy")
}
