//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

var _ hal.PoolDevice = (*device)(nil)

// pool is a CUmemoryPool: the device's default pool or one of
// cuMemPoolCreate.
type pool struct {
	d      *device
	h      C.CUmemoryPool
	uh     C.uintptr_t // h as an integer handle (hot path)
	deflt  bool
	closed atomic.Bool
}

var _ hal.Pool = (*pool)(nil)

// poolsUsable reports why the device cannot serve native pools, or nil.
func (d *device) poolsUsable() error {
	if err := d.usable(); err != nil {
		return err
	}
	if C.shal_pools_present() == 0 {
		return fmt.Errorf("hal/cuda: device %d: the driver lacks the cuMemPool functions: %w", d.ordinal, hal.ErrNotSupported)
	}
	if !d.info.MemoryPoolsSupported {
		return fmt.Errorf("hal/cuda: device %d does not support memory pools: %w", d.ordinal, hal.ErrNotSupported)
	}
	return nil
}

// DefaultPool returns cuDeviceGetDefaultMemPool's pool.
func (d *device) DefaultPool() (hal.Pool, error) {
	if err := d.poolsUsable(); err != nil {
		return nil, err
	}
	var h C.CUmemoryPool
	if err := check(C.shal_pool_default(d.ctx, &h, d.dev), "cuDeviceGetDefaultMemPool(device %d)", d.ordinal); err != nil {
		return nil, err
	}
	return &pool{d: d, h: h, uh: handle(unsafe.Pointer(h)), deflt: true}, nil
}

// NewPool creates a pool of pinned device memory on the device
// (cuMemPoolCreate, no shareable handle types).
func (d *device) NewPool(opts hal.PoolOptions) (hal.Pool, error) {
	if err := d.poolsUsable(); err != nil {
		return nil, err
	}
	var h C.CUmemoryPool
	if err := check(C.shal_pool_create(d.ctx, &h, d.dev, C.size_t(opts.MaxSize)), "cuMemPoolCreate(device %d)", d.ordinal); err != nil {
		return nil, err
	}
	return &pool{d: d, h: h, uh: handle(unsafe.Pointer(h))}, nil
}

// SetCurrentPool is cuDeviceSetMemPool.
func (d *device) SetCurrentPool(p hal.Pool) error {
	cp, ok := p.(*pool)
	if !ok || cp.d != d {
		return fmt.Errorf("hal/cuda: set memory pool of device %d: not a pool of this device: %w", d.ordinal, hal.ErrInvalidValue)
	}
	if err := d.usable(); err != nil {
		return err
	}
	return check(C.shal_pool_set_current(d.ctx, d.dev, cp.h), "cuDeviceSetMemPool(device %d)", d.ordinal)
}

func (p *pool) usable(what string) error {
	if p.closed.Load() {
		return fmt.Errorf("hal/cuda: %s: memory pool destroyed: %w", what, hal.ErrInvalidHandle)
	}
	return p.d.usable()
}

// queueOf returns q as a queue of this driver.
func queueOf(q hal.Queue, what string) (*queue, error) {
	cq, ok := q.(*queue)
	if !ok {
		return nil, fmt.Errorf("hal/cuda: %s: not a CUDA queue: %w", what, hal.ErrInvalidValue)
	}
	if cq.closed.Load() {
		return nil, fmt.Errorf("hal/cuda: %s: queue closed: %w", what, hal.ErrInvalidHandle)
	}
	return cq, nil
}

// AllocateAsync is cuMemAllocFromPoolAsync on q's stream, in q's context.
func (p *pool) AllocateAsync(q hal.Queue, size uint64) (hal.Allocation, error) {
	if err := p.usable("allocate from pool"); err != nil {
		return hal.Allocation{}, err
	}
	cq, err := queueOf(q, "allocate from pool")
	if err != nil {
		return hal.Allocation{}, err
	}
	if err := cq.settle(); err != nil {
		return hal.Allocation{}, err
	}
	// check's arguments are built only on failure: this is MallocAsync's
	// path, which allocates nothing here (the result comes back by value).
	res := C.shal_pool_alloc_async(cq.d.uctx, C.size_t(size), p.uh, cq.us)
	if res.r != 0 {
		return hal.Allocation{}, check(res.r, "cuMemAllocFromPoolAsync(%d)", size)
	}
	return hal.Allocation{Device: uint64(res.ptr), Size: size}, nil
}

// FreeAsync is cuMemFreeAsync on q's stream.
func (p *pool) FreeAsync(q hal.Queue, addr uint64) error {
	if err := p.d.usable(); err != nil {
		return err
	}
	cq, err := queueOf(q, "free to pool")
	if err != nil {
		return err
	}
	if err := cq.settle(); err != nil {
		return err
	}
	if r := C.shal_free_async(cq.d.uctx, C.CUdeviceptr(addr), cq.us); r != 0 {
		return check(r, "cuMemFreeAsync(%#x)", addr)
	}
	return nil
}

// Free is cuMemFree, which takes pool memory back at once.
func (p *pool) Free(addr uint64) error {
	if err := p.d.usable(); err != nil {
		return err
	}
	return check(C.shal_mem_free(p.d.ctx, C.CUdeviceptr(addr)), "cuMemFree(%#x)", addr)
}

// Attribute is cuMemPoolGetAttribute.
func (p *pool) Attribute(attr hal.PoolAttribute) (uint64, error) {
	if err := p.usable("get pool attribute"); err != nil {
		return 0, err
	}
	var v C.ulonglong
	if err := check(C.shal_pool_get_attr(p.d.ctx, p.h, C.int(attr), &v), "cuMemPoolGetAttribute(%d)", int(attr)); err != nil {
		return 0, err
	}
	return uint64(v), nil
}

// SetAttribute is cuMemPoolSetAttribute.
func (p *pool) SetAttribute(attr hal.PoolAttribute, v uint64) error {
	if err := p.usable("set pool attribute"); err != nil {
		return err
	}
	return check(C.shal_pool_set_attr(p.d.ctx, p.h, C.int(attr), C.ulonglong(v)), "cuMemPoolSetAttribute(%d, %d)", int(attr), v)
}

// TrimTo is cuMemPoolTrimTo.
func (p *pool) TrimTo(keep uint64) error {
	if err := p.usable("trim pool"); err != nil {
		return err
	}
	return check(C.shal_pool_trim(p.d.ctx, p.h, C.size_t(keep)), "cuMemPoolTrimTo(%d)", keep)
}

// peerOrdinal returns the CUDA device number of peer, a device of this
// driver.
func (p *pool) peerOrdinal(peer hal.Device, what string) (C.int, error) {
	pd, ok := peer.(*device)
	if !ok || pd.inst != p.d.inst {
		return 0, fmt.Errorf("hal/cuda: %s: not a device of this driver: %w", what, hal.ErrInvalidValue)
	}
	return C.int(pd.dev), nil
}

// SetAccess is cuMemPoolSetAccess for one device.
func (p *pool) SetAccess(peer hal.Device, flags hal.PoolAccess) error {
	if err := p.usable("set pool access"); err != nil {
		return err
	}
	dev, err := p.peerOrdinal(peer, "set pool access")
	if err != nil {
		return err
	}
	return check(C.shal_pool_set_access(p.d.ctx, p.h, dev, C.int(flags)), "cuMemPoolSetAccess(device %d, %d)", int(dev), int(flags))
}

// Access is cuMemPoolGetAccess for one device.
func (p *pool) Access(peer hal.Device) (hal.PoolAccess, error) {
	if err := p.usable("get pool access"); err != nil {
		return 0, err
	}
	dev, err := p.peerOrdinal(peer, "get pool access")
	if err != nil {
		return 0, err
	}
	var f C.int
	if err := check(C.shal_pool_get_access(p.d.ctx, p.h, dev, &f), "cuMemPoolGetAccess(device %d)", int(dev)); err != nil {
		return 0, err
	}
	return hal.PoolAccess(f), nil
}

// Close is cuMemPoolDestroy for a created pool; the default pool stays.
func (p *pool) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("hal/cuda: memory pool already destroyed: %w", hal.ErrInvalidHandle)
	}
	if p.deflt || p.d.closed.Load() {
		return nil
	}
	return check(C.shal_pool_destroy(p.d.ctx, p.h), "cuMemPoolDestroy")
}
