package streaming

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Context flags (the values of CUctx_flags). Every flag is recorded and
// reported back by Context.Flags; none changes behaviour here. The
// scheduling flags only change how host threads wait, which Go's scheduler
// decides; every context maps host memory (CtxMapHost); local memory is
// not a resource the backends size per launch (CtxLmemResizeToMax); no
// backend writes GPU coredumps (CtxCoredumpEnable,
// CtxUserCoredumpEnable); and every synchronous memory operation already
// synchronizes (CtxSyncMemops).
const (
	CtxSchedAuto          uint32 = 0x00
	CtxSchedSpin          uint32 = 0x01
	CtxSchedYield         uint32 = 0x02
	CtxSchedBlockingSync  uint32 = 0x04
	CtxMapHost            uint32 = 0x08
	CtxLmemResizeToMax    uint32 = 0x10
	CtxCoredumpEnable     uint32 = 0x20
	CtxUserCoredumpEnable uint32 = 0x40
	CtxSyncMemops         uint32 = 0x80
	ctxFlagsMask          uint32 = 0xff // CU_CTX_FLAGS_MASK
)

// Limit is a per-context resource limit (CUlimit).
type Limit int

// Limits, with CUlimit's values.
const (
	LimitStackSize                    Limit = 0x00
	LimitPrintfFifoSize               Limit = 0x01
	LimitMallocHeapSize               Limit = 0x02
	LimitDevRuntimeSyncDepth          Limit = 0x03
	LimitDevRuntimePendingLaunchCount Limit = 0x04
	LimitMaxL2FetchGranularity        Limit = 0x05
	LimitPersistingL2CacheSize        Limit = 0x06
)

var defaultLimits = map[Limit]uint64{
	LimitStackSize:                    1024,
	LimitPrintfFifoSize:               1 << 20,
	LimitMallocHeapSize:               8 << 20,
	LimitDevRuntimeSyncDepth:          2,
	LimitDevRuntimePendingLaunchCount: 2048,
	LimitMaxL2FetchGranularity:        64,
	LimitPersistingL2CacheSize:        0,
}

// APIVersion is the context API version Context.APIVersion reports (the
// value CUDA 12 drivers report for cuCtxGetApiVersion).
const APIVersion = 3020

// Context owns streams, events, modules and memory on one device, like a
// CUcontext. Closing it frees everything it owns. Methods are safe for
// concurrent use.
//
// A kernel fault (ErrIllegalAddress, a *KernelFault) is sticky, as on
// CUDA: from the moment it happens, launches, copies, memsets,
// allocations, module loads and synchronizations on the context fail with
// an error wrapping it, until the context is destroyed or, for a primary
// context, reset (Device.PrimaryContextReset). Freeing memory and
// destroying objects still work; other contexts, on the same device too,
// are not affected.
//
// A device's primary context is one object for the life of the runtime,
// as in CUDA: Device.PrimaryContextReset destroys what it owns and leaves
// it usable, the last Device.PrimaryContextRelease destroys what it owns
// and leaves it unusable (ErrInvalidContext) until the next
// Device.PrimaryContext.
type Context struct {
	dev     *Device
	rt      *Runtime
	primary bool
	flags   atomic.Uint32
	// legacy is the default stream. It changes only when a released
	// primary context is retained again.
	legacy atomic.Pointer[Stream]
	// sticky is the kernel fault that made the context unusable (see
	// Context), nil while there is none.
	sticky atomic.Pointer[stickyFault]

	mu      sync.Mutex
	closed  bool
	streams map[*Stream]bool
	// blocking counts the blocking streams in streams (changed under mu), so
	// that the legacy stream's launches skip the scan when there are none.
	blocking atomic.Int32
	events   map[*Event]bool
	modules  map[*Module]bool
	graphs   map[*GraphExec]bool
	limits   map[Limit]uint64

	// allocMu guards allocs. It is held across an allocation's check of
	// the context and its entry into the pointer table (track), so a
	// teardown that marked the context destroyed and then took allocMu
	// sees every allocation that will ever be tracked. It is taken before
	// mu and the pointer table's lock, never after.
	allocMu sync.Mutex
	allocs  map[*allocation]bool

	// ipcMu guards ipcOpen, the memory opened from other processes by
	// handle, so that a handle opened twice gives one address (ipc.go).
	ipcMu   sync.Mutex
	ipcOpen map[IPCMemHandle]*allocation
}

// checkCtxFlags checks context flags (CtxSched*, CtxMapHost, ...).
func checkCtxFlags(flags uint32) error {
	if flags&^ctxFlagsMask != 0 {
		return fmt.Errorf("streaming: context flags %#x: unknown bits %#x: %w", flags, flags&^ctxFlagsMask, ErrInvalidValue)
	}
	return nil
}

func newContext(d *Device, flags uint32, primary bool) (*Context, error) {
	if err := checkCtxFlags(flags); err != nil {
		return nil, err
	}
	c := &Context{dev: d, rt: d.rt, primary: primary}
	if err := c.open(flags, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// open makes c usable with empty resources, the given flags and the
// default limits, and with legacy as its default stream (nil: a new one).
func (c *Context) open(flags uint32, legacy *Stream) error {
	if legacy == nil {
		var err error
		if legacy, err = newStream(c, streamLegacy, 0); err != nil {
			return err
		}
	}
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	c.allocs = map[*allocation]bool{}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams, c.events, c.modules = map[*Stream]bool{}, map[*Event]bool{}, map[*Module]bool{}
	c.blocking.Store(0)
	c.graphs, c.limits = map[*GraphExec]bool{}, map[Limit]uint64{}
	for k, v := range defaultLimits {
		c.limits[k] = v
	}
	c.flags.Store(flags)
	c.legacy.Store(legacy)
	c.sticky.Store(nil)
	c.closed = false
	return nil
}

// Device is the context's device.
func (c *Context) Device() *Device { return c.dev }

// Flags are the flags the context was created with (for a primary
// context, those of Device.SetPrimaryContextFlags).
func (c *Context) Flags() uint32 { return c.flags.Load() }

// IsPrimary reports whether this is the device's primary context.
func (c *Context) IsPrimary() bool { return c.primary }

// APIVersion is cuCtxGetApiVersion's value.
func (c *Context) APIVersion() int { return APIVersion }

// DefaultStream is the context's legacy default stream (the NULL stream):
// its work waits for all earlier work of the context's blocking streams,
// and theirs waits for its earlier work.
func (c *Context) DefaultStream() *Stream { return c.legacy.Load() }

// StreamPriorityRange returns the least and greatest stream priorities
// (greatest is numerically lowest, as in CUDA).
func (c *Context) StreamPriorityRange() (least, greatest int) {
	return c.dev.info.StreamPriorityLeast, c.dev.info.StreamPriorityGreatest
}

// check fails once the context is destroyed, or unusable after a kernel
// fault.
func (c *Context) check(op string) error {
	if err := c.checkOpen(op); err != nil {
		return err
	}
	return c.stickyErr(op)
}

// checkOpen fails once the context is destroyed.
func (c *Context) checkOpen(op string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("streaming: %s: context destroyed: %w", op, ErrInvalidContext)
	}
	return nil
}

// SetLimit sets a resource limit. The CPU backend accepts every limit and
// reports it back; limits a backend cannot honour return ErrNotSupported.
func (c *Context) SetLimit(l Limit, v uint64) error {
	if _, ok := defaultLimits[l]; !ok {
		return fmt.Errorf("streaming: set limit %d: unknown limit: %w", l, ErrInvalidValue)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limits[l] = v
	return nil
}

// Limit returns a resource limit.
func (c *Context) Limit(l Limit) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.limits[l]
	if !ok {
		return 0, fmt.Errorf("streaming: limit %d: unknown limit: %w", l, ErrInvalidValue)
	}
	return v, nil
}

// blockingStreams lists the context's streams that synchronize with the
// legacy default stream.
func (c *Context) blockingStreams() []*Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Stream, 0, len(c.streams))
	for s := range c.streams {
		if s.kind == streamBlocking {
			out = append(out, s)
		}
	}
	return out
}

func (c *Context) allStreams() []*Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Stream, 0, len(c.streams)+1)
	out = append(out, c.legacy.Load())
	for s := range c.streams {
		out = append(out, s)
	}
	return out
}

// Synchronize waits for all work of all the context's streams and returns
// the first error any of them reported.
func (c *Context) Synchronize(ctx context.Context) error {
	if err := c.check("synchronize"); err != nil {
		return err
	}
	if err := c.rt.checkGlobalCapture("context synchronize"); err != nil {
		return err
	}
	var first error
	for _, s := range c.allStreams() {
		if err := s.Synchronize(ctx); err != nil && first == nil {
			first = err
		}
	}
	c.dev.settlePools()
	return first
}

// drain waits for all work of the context without taking the streams'
// pending errors (they stay for the user's next Synchronize).
func (c *Context) drain() {
	for _, s := range c.allStreams() {
		s.drain()
	}
}

// Close destroys the context: it waits for its work, then frees its memory,
// modules, events and streams. A primary context is released with
// Device.PrimaryContextRelease instead. It waits for running work at most
// Options.CloseTimeout; work still running then is given up, and what it may
// use (the context's memory and modules) stays allocated: the error, wrapping
// ErrTimeout, says so.
func (c *Context) Close() error {
	if c.primary {
		return fmt.Errorf("streaming: Close of a primary context; use Device.PrimaryContextRelease: %w", ErrInvalidContext)
	}
	// Destroyed before it leaves the device's list, so that a concurrent
	// Runtime.Close either sees it (and finds it destroyed, or destroys
	// it) or waits for its teardown (holdDrivers).
	err := c.destroy()
	c.dev.removeContext(c)
	return err
}

func (c *Context) destroy() error { return c.teardown(false, time.Now().Add(c.rt.closeTimeout)) }

// teardown waits for the context's work until deadline, then destroys
// everything it owns and marks it destroyed. With keepLegacy (a reset) the
// default stream survives, emptied, for open to reuse.
//
// The context is marked destroyed first, so of concurrent teardowns (two
// Closes, a Close and Runtime.Close) exactly one proceeds, and nothing new
// is created in the context meanwhile. Objects the user destroys
// concurrently (a Stream.Close, a Free) are released once, by whichever
// call gets them first: teardown skips what is already gone.
//
// Work still running at the deadline is given up: its streams are left to
// the driver (whose Close is bounded too), and the context's memory and
// modules are not freed, only forgotten, since a running kernel may use
// them.
func (c *Context) teardown(keepLegacy bool, deadline time.Time) error {
	done, err := c.rt.holdDrivers("destroy context")
	if err != nil {
		// Runtime.Close destroyed every context already.
		return &goneError{what: "context already destroyed (the runtime is closed)", sentinel: ErrInvalidContext}
	}
	defer done()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return &goneError{what: "context already destroyed", sentinel: ErrInvalidContext}
	}
	c.closed = true
	c.mu.Unlock()
	stuck := c.drainUntil(deadline)
	c.mu.Lock()
	streams := keys(c.streams)
	events := keys(c.events)
	modules := keys(c.modules)
	graphs := keys(c.graphs)
	c.mu.Unlock()
	c.allocMu.Lock()
	allocs := keys(c.allocs)
	c.allocMu.Unlock()
	var errs []error
	if len(stuck) > 0 {
		errs = append(errs, c.stuckError(stuck, modules, allocs))
	}
	for _, g := range graphs {
		errs = append(errs, skipGone(g.destroy()))
	}
	for _, s := range streams {
		if stuck[s] != nil {
			s.abandon()
			continue
		}
		errs = append(errs, skipGone(s.destroy()))
	}
	legacy := c.legacy.Load()
	legacyStuck := stuck[legacy] != nil
	switch {
	case legacyStuck:
		legacy.abandon()
		if keepLegacy {
			// The reset context needs a default stream: a new one.
			ns, err := newStream(c, streamLegacy, 0)
			if err != nil {
				errs = append(errs, err)
			} else {
				c.legacy.Store(ns)
			}
		}
	case !keepLegacy:
		errs = append(errs, skipGone(legacy.destroy()))
	}
	for _, e := range events {
		errs = append(errs, skipGone(e.destroy()))
	}
	if len(stuck) == 0 {
		for _, m := range modules {
			errs = append(errs, skipGone(m.unload()))
		}
	}
	var claimed []*allocation
	for _, a := range allocs {
		if c.rt.ptrs.claim(a) {
			claimed = append(claimed, a)
		}
	}
	if keepLegacy && !legacyStuck {
		// Work enqueued on the surviving default stream since the drain
		// may use the memory; none can be enqueued after the claims.
		legacy.drain()
		legacy.forget()
	}
	for _, a := range claimed {
		if len(stuck) > 0 {
			// Kept for the running work: forgotten, left to the driver.
			c.forget(a)
			continue
		}
		errs = append(errs, a.free())
	}
	return errors.Join(errs...)
}

// goneError is the error of destroying an object that is already
// destroyed. A teardown that races the user's own Close of the object
// ignores it (skipGone); the user's second Close gets it, as
// ErrInvalidHandle (ErrInvalidContext for a context).
type goneError struct {
	what     string
	sentinel error
}

func (e *goneError) Error() string {
	return fmt.Sprintf("streaming: %s: %v", e.what, e.sentinel)
}

func (e *goneError) Unwrap() error { return e.sentinel }

// errGone returns a goneError saying what, wrapping ErrInvalidHandle.
func errGone(what string) error { return &goneError{what: what, sentinel: ErrInvalidHandle} }

// skipGone drops a goneError.
func skipGone(err error) error {
	var g *goneError
	if errors.As(err, &g) {
		return nil
	}
	return err
}

// reset destroys everything the context owns and leaves it usable with
// empty resources and the default limits (Device.PrimaryContextReset).
// Its default stream stays the same object (unless it was given up as
// stuck).
func (c *Context) reset() error {
	err := c.teardown(true, time.Now().Add(c.rt.closeTimeout))
	if oerr := c.open(c.flags.Load(), c.legacy.Load()); oerr != nil {
		err = errors.Join(err, oerr)
	}
	return err
}

func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
