package streaming

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
)

// MemPoolAttribute is a memory pool attribute (CUmemPool_attribute's
// values).
type MemPoolAttribute int

// Pool attributes.
const (
	MemPoolReuseFollowEventDependencies   MemPoolAttribute = 1
	MemPoolReuseAllowOpportunistic        MemPoolAttribute = 2
	MemPoolReuseAllowInternalDependencies MemPoolAttribute = 3
	MemPoolReleaseThreshold               MemPoolAttribute = 4
	MemPoolReservedMemCurrent             MemPoolAttribute = 5
	MemPoolReservedMemHigh                MemPoolAttribute = 6
	MemPoolUsedMemCurrent                 MemPoolAttribute = 7
	MemPoolUsedMemHigh                    MemPoolAttribute = 8
)

// MemAccessFlags say how a device may use a pool's memory
// (CUmemAccess_flags).
type MemAccessFlags int

// Access flags.
const (
	MemAccessNone      MemAccessFlags = 0
	MemAccessRead      MemAccessFlags = 1
	MemAccessReadWrite MemAccessFlags = 3
)

// poolGranularity rounds pool blocks, so that freed blocks serve later
// requests of similar size.
const poolGranularity = 512

// poolBlock is one allocation owned by a pool: in use (in the pointer
// table) or cached for reuse.
type poolBlock struct {
	a *allocation
	// freedOn is the stream whose FreeAsync returned the block, nil when it
	// was freed synchronously; done turns true once that free is reached.
	freedOn *Stream
	done    atomic.Bool
}

// MemPool is a pool of device memory for stream-ordered allocation
// (a CUmemoryPool): MallocAsync takes from it, FreeAsync returns to it.
// Memory freed on one stream is reused at once by later allocations on the
// same stream, and by other streams only once the free has been reached
// (or, with ReuseFollowEventDependencies, once they wait for an event
// recorded after it); memory above the release threshold goes back to the
// device at synchronization points.
//
// Where the driver has its own stream-ordered allocator (hal.PoolDevice:
// CUDA, HIP), the pool is the driver's: allocation, reuse, attributes,
// access and trimming are the driver's, and this type only validates and
// keeps the pointer table. Elsewhere (the CPU, Vulkan) it is this
// package's own pool on top of the device's allocator, with the rules
// above.
type MemPool struct {
	dev     *Device
	deflt   bool
	native  hal.Pool // the driver's pool; nil: this package's own
	mu      sync.Mutex
	closed  bool
	cached  []*poolBlock // free blocks, by size
	inUse   map[*allocation]*poolBlock
	access  map[*Device]MemAccessFlags
	release uint64
	reuse   [4]bool // indexed by the ReuseXxx attributes

	reserved, reservedHigh, used, usedHigh uint64

	// ipcOut and ipcIn share the pool with other processes (poolipc.go).
	ipcOut *poolShare
	ipcIn  *poolShareIn
}

// newMemPool makes a pool of d: the driver's own when it has one (the
// default pool, or a new one), else this package's.
func newMemPool(d *Device, deflt bool) (*MemPool, error) {
	p := &MemPool{dev: d, deflt: deflt, inUse: map[*allocation]*poolBlock{}, access: map[*Device]MemAccessFlags{d: MemAccessReadWrite}}
	p.reuse[MemPoolReuseFollowEventDependencies] = true
	p.reuse[MemPoolReuseAllowOpportunistic] = true
	p.reuse[MemPoolReuseAllowInternalDependencies] = true
	if pd := halPools(d.hal); pd != nil && d.info.MemoryPoolsSupported {
		var err error
		if deflt {
			p.native, err = pd.DefaultPool()
		} else {
			p.native, err = pd.NewPool(hal.PoolOptions{})
		}
		if err != nil {
			return nil, fmt.Errorf("streaming: memory pool of device %d: %w", d.ordinal, err)
		}
	}
	return p, nil
}

// Native reports whether the pool is the driver's own (cuMemPool on CUDA,
// hipMemPool on HIP) rather than this package's.
func (p *MemPool) Native() bool { return p.native != nil }

// NewMemPool creates a pool of the device's memory (cuMemPoolCreate).
func (d *Device) NewMemPool() (*MemPool, error) {
	if !d.info.MemoryPoolsSupported {
		return nil, fmt.Errorf("streaming: memory pools on %s: %w", d.info.Name, ErrNotSupported)
	}
	done, err := d.rt.holdDrivers("create memory pool")
	if err != nil {
		return nil, err
	}
	defer done()
	p, err := newMemPool(d, false)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.pools[p] = true
	d.hasPools.Store(true)
	d.mu.Unlock()
	return p, nil
}

// DefaultMemPool returns the device's default pool
// (cuDeviceGetDefaultMemPool).
func (d *Device) DefaultMemPool() *MemPool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.defaultPool == nil {
		p, err := newMemPool(d, true)
		if err != nil {
			// The driver would not give its default pool: serve
			// MallocAsync from this package's pool instead, which
			// needs nothing but Device.Allocate.
			d.rt.logf(1, "%v; using streamhal's own pool", err)
			p = &MemPool{dev: d, deflt: true, inUse: map[*allocation]*poolBlock{}, access: map[*Device]MemAccessFlags{d: MemAccessReadWrite}}
			p.reuse = [4]bool{false, true, true, true}
		}
		d.defaultPool = p
		d.pools[d.defaultPool] = true
		d.hasPools.Store(true)
	}
	return d.defaultPool
}

// MemPool returns the pool MallocAsync uses on the device
// (cuDeviceGetMemPool): the default pool unless SetMemPool chose another.
func (d *Device) MemPool() *MemPool {
	d.mu.Lock()
	p := d.currentPool
	d.mu.Unlock()
	if p != nil {
		return p
	}
	return d.DefaultMemPool()
}

// SetMemPool makes p the pool MallocAsync uses on the device
// (cuDeviceSetMemPool).
func (d *Device) SetMemPool(p *MemPool) error {
	if p == nil || p.dev != d {
		return fmt.Errorf("streaming: set memory pool of device %d: the pool belongs to another device: %w", d.ordinal, ErrInvalidValue)
	}
	if p.native != nil {
		if pd := halPools(d.hal); pd != nil {
			if err := pd.SetCurrentPool(p.native); err != nil {
				return fmt.Errorf("streaming: set memory pool of device %d: %w", d.ordinal, err)
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.currentPool = p
	return nil
}

// Device is the pool's device.
func (p *MemPool) Device() *Device { return p.dev }

func (p *MemPool) checkOpen(what string) error {
	if p.closed {
		return fmt.Errorf("streaming: %s: memory pool destroyed: %w", what, ErrInvalidHandle)
	}
	return nil
}

// take returns a block of at least size bytes for stream s, reusing a cached
// block when the ordering rules allow.
func (p *MemPool) take(s *Stream, size uint64) (*allocation, error) {
	size = (size + poolGranularity - 1) / poolGranularity * poolGranularity
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("malloc async"); err != nil {
		return nil, err
	}
	i := sort.Search(len(p.cached), func(i int) bool { return p.cached[i].a.size >= size })
	for ; i < len(p.cached) && p.cached[i].a.size <= 2*size; i++ {
		b := p.cached[i]
		if b.freedOn == nil || b.freedOn == s || (p.reuse[MemPoolReuseAllowOpportunistic] && b.done.Load()) {
			p.cached = append(p.cached[:i:i], p.cached[i+1:]...)
			// Each use of the block gets a fresh allocation object: a
			// release that lost the race for the old one must not find
			// (and claim) the new one (see ptrTable.claim).
			b.a = &allocation{base: b.a.base, size: b.a.size, kind: b.a.kind, dev: b.a.dev, hal: b.a.hal, host: b.a.host, pool: p}
			p.inUse[b.a] = b
			p.used += b.a.size
			p.usedHigh = max(p.usedHigh, p.used)
			return b.a, nil
		}
	}
	ha, err := p.dev.hal.Allocate(hal.MemoryDevice, size)
	if err != nil {
		// Give cached memory back and try once more, as CUDA does before
		// reporting out of memory.
		p.trimLocked(0)
		ha, err = p.dev.hal.Allocate(hal.MemoryDevice, size)
		if err != nil {
			return nil, fmt.Errorf("streaming: malloc async of %d bytes: %w", size, err)
		}
	}
	a := &allocation{base: ha.Device, size: size, kind: MemoryDevice, dev: p.dev, hal: ha, host: ha.Host, pool: p}
	p.inUse[a] = &poolBlock{a: a}
	p.reserved += size
	p.reservedHigh = max(p.reservedHigh, p.reserved)
	p.used += size
	p.usedHigh = max(p.usedHigh, p.used)
	return a, nil
}

// takeNative allocates from the driver's pool, ordered on s's queue.
func (p *MemPool) takeNative(s *Stream, size uint64) (*allocation, error) {
	// p.mu keeps a concurrent Destroy from closing the driver's pool
	// under the allocation.
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("malloc async"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("streaming: malloc async on a destroyed stream: %w", ErrInvalidHandle)
	}
	ha, err := p.native.AllocateAsync(s.q, size)
	if err != nil {
		return nil, fmt.Errorf("streaming: malloc async of %d bytes: %w", size, err)
	}
	return &allocation{base: ha.Device, size: size, kind: MemoryDevice, dev: p.dev, hal: ha, host: ha.Host, pool: p}, nil
}

// put returns an in-use block to the pool at once (a synchronous Free,
// after the device's work is done).
func (p *MemPool) put(a *allocation) error {
	if p.native != nil {
		return p.native.Free(a.base)
	}
	_, err := p.giveBack(a, nil)
	return err
}

// giveBack returns an in-use block to the cache as freed on s (nil: freed
// synchronously). It returns nil for the block when the pool is destroyed
// and the memory went back to the device.
func (p *MemPool) giveBack(a *allocation, s *Stream) (*poolBlock, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.inUse[a]
	if !ok {
		return nil, fmt.Errorf("streaming: free %#x: not in use in its pool: %w", a.base, ErrInvalidValue)
	}
	delete(p.inUse, a)
	p.used -= a.size
	b.freedOn = s
	b.done.Store(s == nil)
	if p.closed {
		p.reserved -= a.size
		return nil, p.dev.hal.Free(hal.MemoryDevice, a.base)
	}
	i := sort.Search(len(p.cached), func(i int) bool { return p.cached[i].a.size >= a.size })
	p.cached = append(p.cached, nil)
	copy(p.cached[i+1:], p.cached[i:])
	p.cached[i] = b
	return b, nil
}

// trimLocked frees cached blocks whose frees are reached until the pool
// holds at most keep bytes.
func (p *MemPool) trimLocked(keep uint64) {
	// Free the largest reached blocks first; keep the rest in order.
	drop := make([]bool, len(p.cached))
	for i := len(p.cached) - 1; i >= 0 && p.reserved > keep; i-- {
		if b := p.cached[i]; b.done.Load() {
			p.dev.hal.Free(hal.MemoryDevice, b.a.base)
			p.reserved -= b.a.size
			drop[i] = true
		}
	}
	out := make([]*poolBlock, 0, len(p.cached))
	for i, b := range p.cached {
		if !drop[i] {
			out = append(out, b)
		}
	}
	p.cached = out
}

// TrimTo releases cached memory until the pool holds at most keep bytes
// (cuMemPoolTrimTo); memory in use, and memory whose FreeAsync has not been
// reached, stays.
func (p *MemPool) TrimTo(keep uint64) error {
	done, err := p.dev.rt.holdDrivers("trim memory pool")
	if err != nil {
		return err
	}
	defer done()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("trim"); err != nil {
		return err
	}
	if p.native != nil {
		return p.native.TrimTo(keep)
	}
	p.trimLocked(keep)
	return nil
}

// settle applies the release threshold (called at synchronization points).
// The driver's pools apply theirs themselves.
func (p *MemPool) settle() {
	if p.native != nil {
		return
	}
	done, err := p.dev.rt.holdDrivers("settle memory pool")
	if err != nil {
		return
	}
	defer done()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed && p.reserved > p.release {
		p.trimLocked(p.release)
	}
}

// Attribute returns a pool attribute (cuMemPoolGetAttribute).
func (p *MemPool) Attribute(attr MemPoolAttribute) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("get pool attribute"); err != nil {
		return 0, err
	}
	if p.native != nil {
		if attr < MemPoolReuseFollowEventDependencies || attr > MemPoolUsedMemHigh {
			return 0, fmt.Errorf("streaming: pool attribute %d: %w", attr, ErrInvalidValue)
		}
		v, err := p.native.Attribute(hal.PoolAttribute(attr))
		if err != nil {
			return 0, fmt.Errorf("streaming: get pool attribute %d: %w", attr, err)
		}
		return v, nil
	}
	switch attr {
	case MemPoolReuseFollowEventDependencies, MemPoolReuseAllowOpportunistic, MemPoolReuseAllowInternalDependencies:
		return uint64(b2i(p.reuse[attr])), nil
	case MemPoolReleaseThreshold:
		return p.release, nil
	case MemPoolReservedMemCurrent:
		return p.reserved, nil
	case MemPoolReservedMemHigh:
		return p.reservedHigh, nil
	case MemPoolUsedMemCurrent:
		return p.used, nil
	case MemPoolUsedMemHigh:
		return p.usedHigh, nil
	}
	return 0, fmt.Errorf("streaming: pool attribute %d: %w", attr, ErrInvalidValue)
}

// SetAttribute sets a pool attribute (cuMemPoolSetAttribute): the reuse
// policies, the release threshold, and the high-water marks (to 0 only).
func (p *MemPool) SetAttribute(attr MemPoolAttribute, v uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("set pool attribute"); err != nil {
		return err
	}
	if p.native != nil {
		switch attr {
		case MemPoolReuseFollowEventDependencies, MemPoolReuseAllowOpportunistic, MemPoolReuseAllowInternalDependencies:
			v = uint64(b2i(v != 0))
		case MemPoolReleaseThreshold:
		case MemPoolReservedMemHigh, MemPoolUsedMemHigh:
			if v != 0 {
				return fmt.Errorf("streaming: pool attribute %d can only be reset to 0, not %d: %w", attr, v, ErrInvalidValue)
			}
		default:
			return fmt.Errorf("streaming: pool attribute %d cannot be set: %w", attr, ErrInvalidValue)
		}
		if err := p.native.SetAttribute(hal.PoolAttribute(attr), v); err != nil {
			return fmt.Errorf("streaming: set pool attribute %d: %w", attr, err)
		}
		return nil
	}
	switch attr {
	case MemPoolReuseFollowEventDependencies, MemPoolReuseAllowOpportunistic, MemPoolReuseAllowInternalDependencies:
		p.reuse[attr] = v != 0
	case MemPoolReleaseThreshold:
		p.release = v
	case MemPoolReservedMemHigh, MemPoolUsedMemHigh:
		if v != 0 {
			return fmt.Errorf("streaming: pool attribute %d can only be reset to 0, not %d: %w", attr, v, ErrInvalidValue)
		}
		if attr == MemPoolReservedMemHigh {
			p.reservedHigh = p.reserved
		} else {
			p.usedHigh = p.used
		}
	default:
		return fmt.Errorf("streaming: pool attribute %d cannot be set: %w", attr, ErrInvalidValue)
	}
	return nil
}

// SetAccess sets how dev may use the pool's memory (cuMemPoolSetAccess).
// The owning device always has read-write access; other devices need peer
// capability.
func (p *MemPool) SetAccess(dev *Device, flags MemAccessFlags) error {
	if dev == nil || dev.rt != p.dev.rt {
		return fmt.Errorf("streaming: pool access for %v: %w", dev, ErrInvalidDevice)
	}
	if flags != MemAccessNone && flags != MemAccessRead && flags != MemAccessReadWrite {
		return fmt.Errorf("streaming: pool access flags %d: %w", flags, ErrInvalidValue)
	}
	if dev == p.dev {
		if flags != MemAccessReadWrite {
			return fmt.Errorf("streaming: the pool's own device keeps read-write access: %w", ErrInvalidValue)
		}
		return nil
	}
	if flags != MemAccessNone && !dev.CanAccessPeer(p.dev) {
		return fmt.Errorf("streaming: device %d cannot access device %d's memory: %w", dev.ordinal, p.dev.ordinal, ErrInvalidDevice)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkOpen("set pool access"); err != nil {
		return err
	}
	if p.native != nil && dev.hal != p.dev.hal {
		if err := p.native.SetAccess(dev.hal, hal.PoolAccess(flags)); err != nil {
			return fmt.Errorf("streaming: pool access of device %d: %w", dev.ordinal, err)
		}
	}
	p.access[dev] = flags
	return nil
}

// Access returns how dev may use the pool's memory (cuMemPoolGetAccess).
func (p *MemPool) Access(dev *Device) MemAccessFlags {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.native != nil && !p.closed && dev != nil && dev.rt == p.dev.rt && dev.info.Driver == p.dev.info.Driver {
		if f, err := p.native.Access(dev.hal); err == nil {
			return MemAccessFlags(f)
		}
	}
	return p.access[dev]
}

// Destroy destroys a created pool (cuMemPoolDestroy): cached memory is
// freed now, memory still in use when it is freed. The default pool cannot
// be destroyed.
func (p *MemPool) Destroy() error {
	done, err := p.dev.rt.holdDrivers("destroy memory pool")
	if err != nil {
		return err
	}
	defer done()
	if p.deflt {
		return fmt.Errorf("streaming: the default memory pool cannot be destroyed: %w", ErrInvalidValue)
	}
	p.dev.mu.Lock()
	wasCurrent := p.dev.currentPool == p
	if wasCurrent {
		p.dev.currentPool = nil
	}
	delete(p.dev.pools, p)
	p.dev.mu.Unlock()
	if wasCurrent && p.native != nil {
		// The driver's own allocations (cuMemAllocAsync) go back to the
		// default pool, as this package's do.
		if d := p.dev.DefaultMemPool(); d.native != nil {
			halPools(p.dev.hal).SetCurrentPool(d.native)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("streaming: memory pool already destroyed: %w", ErrInvalidHandle)
	}
	p.destroyLocked()
	return nil
}

func (p *MemPool) destroy() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.destroyLocked()
	}
}

func (p *MemPool) destroyLocked() {
	p.closed = true
	p.closeIPC()
	if p.native != nil {
		if err := p.native.Close(); err != nil {
			p.dev.rt.logf(1, "streaming: destroy memory pool of device %d: %v", p.dev.ordinal, err)
		}
		return
	}
	for _, b := range p.cached {
		p.dev.hal.Free(hal.MemoryDevice, b.a.base)
		p.reserved -= b.a.size
	}
	p.cached = nil
}

// MallocAsync allocates from the device's current pool, ordered on s
// (cuMemAllocAsync): the memory may be used by s's later work at once, and
// by other streams once they are ordered after this call.
func (s *Stream) MallocAsync(size uint64) (DevicePtr, error) {
	return s.MallocFromPoolAsync(size, s.ctx.dev.MemPool())
}

// MallocFromPoolAsync allocates from pool p, ordered on s
// (cuMemAllocFromPoolAsync).
func (s *Stream) MallocFromPoolAsync(size uint64, p *MemPool) (DevicePtr, error) {
	if p == nil {
		return 0, fmt.Errorf("streaming: malloc from a nil pool: %w", ErrInvalidValue)
	}
	if err := p.checkImported("malloc from pool async"); err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, fmt.Errorf("streaming: malloc async of 0 bytes: %w", ErrInvalidValue)
	}
	if size > maxAllocation {
		return 0, fmt.Errorf("streaming: malloc async of %d bytes: %w", size, ErrOutOfMemory)
	}
	if c := s.cap.Load(); c != nil {
		if p.dev != s.ctx.dev {
			return 0, c.illegal("malloc async from another device's pool")
		}
		return c.mallocCaptured(s, p.dev, size)
	}
	if p.dev != s.ctx.dev && !s.native(&allocation{dev: p.dev}) {
		return 0, fmt.Errorf("streaming: malloc async from a pool of device %d on a stream of device %d: %w", p.dev.ordinal, s.ctx.dev.ordinal, ErrInvalidValue)
	}
	if err := s.ctx.check("malloc async"); err != nil {
		return 0, err
	}
	done, err := s.ctx.rt.holdDrivers("malloc async")
	if err != nil {
		return 0, err
	}
	defer done()
	take := p.take
	if p.native != nil {
		take = p.takeNative
	}
	a, err := take(s, size)
	if err != nil {
		return 0, err
	}
	a.ctx = s.ctx
	if err := s.ctx.track(a); err != nil {
		p.put(a)
		return 0, err
	}
	return DevicePtr(a.base), nil
}

// FreeAsync returns memory from MallocAsync to its pool, ordered on s
// (cuMemFreeAsync): work submitted to s before the call may still use it.
func (s *Stream) FreeAsync(ptr DevicePtr) error {
	if c := s.cap.Load(); c != nil {
		return c.freeCaptured(s, ptr)
	}
	a, err := s.ctx.lookupBase("free async", uint64(ptr), MemoryDevice)
	if err != nil {
		return err
	}
	if a.ipc != nil && a.ipc.pool != nil {
		return s.freeImportedAsync(a, ptr) // memory of an imported pool (poolipc.go)
	}
	if a.graph != nil {
		return s.freeGraphMemAsync(a)
	}
	if a.pool == nil {
		return fmt.Errorf("streaming: free async %#x: not memory from MallocAsync: %w", uint64(ptr), ErrInvalidValue)
	}
	done, err := s.ctx.rt.holdDrivers("free async")
	if err != nil {
		return err
	}
	defer done()
	// Of concurrent frees of ptr, exactly one claims it and gives the
	// block back.
	if h := testHookClaim.Load(); h != nil {
		(*h)(a.base)
	}
	if !s.ctx.rt.ptrs.claim(a) {
		return errFreed("free async", uint64(ptr), ErrInvalidValue)
	}
	a.ctx.allocMu.Lock()
	delete(a.ctx.allocs, a)
	a.ctx.allocMu.Unlock()
	if a.pool.native != nil {
		return s.freeNative(a)
	}
	b, err := a.pool.giveBack(a, s)
	if err != nil {
		return err
	}
	if b == nil {
		return nil // the pool was destroyed and freed the memory
	}
	// The block becomes reusable by other streams once s reaches this point.
	return s.notify("free async", func() { b.done.Store(true) })
}

// settlePools applies the release thresholds of the device's pools.
func (d *Device) settlePools() {
	if !d.hasPools.Load() {
		return
	}
	d.mu.Lock()
	pools := keys(d.pools)
	d.mu.Unlock()
	for _, p := range pools {
		p.settle()
	}
}

// freeNative hands memory of a driver's pool back to it, ordered on s. On a
// stream destroyed meanwhile it waits for the device and frees at once, so
// that claimed memory is never lost.
func (s *Stream) freeNative(a *allocation) error {
	s.mu.Lock()
	if !s.closed {
		err := a.pool.native.FreeAsync(s.q, a.base)
		s.mu.Unlock()
		if err != nil {
			return fmt.Errorf("streaming: free async %#x: %w", a.base, err)
		}
		return nil
	}
	s.mu.Unlock()
	a.dev.drainAll()
	return a.pool.native.Free(a.base)
}
