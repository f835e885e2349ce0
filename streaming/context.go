package streaming

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Context flags (the values of CUctx_flags; the scheduling flags only
// change how host threads wait, which Go's scheduler decides here).
const (
	CtxSchedAuto         uint32 = 0x00
	CtxSchedSpin         uint32 = 0x01
	CtxSchedYield        uint32 = 0x02
	CtxSchedBlockingSync uint32 = 0x04
	CtxMapHost           uint32 = 0x08
	CtxLmemResizeToMax   uint32 = 0x10
	ctxFlagsMask         uint32 = 0x1f
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
type Context struct {
	dev     *Device
	rt      *Runtime
	flags   uint32
	primary bool

	mu      sync.Mutex
	closed  bool
	legacy  *Stream
	streams map[*Stream]bool
	events  map[*Event]bool
	modules map[*Module]bool
	allocs  map[*allocation]bool
	graphs  map[*GraphExec]bool
	limits  map[Limit]uint64
}

func newContext(d *Device, flags uint32, primary bool) (*Context, error) {
	if flags&^ctxFlagsMask != 0 {
		return nil, fmt.Errorf("streaming: context flags %#x: unknown bits %#x: %w", flags, flags&^ctxFlagsMask, ErrInvalidValue)
	}
	c := &Context{
		dev: d, rt: d.rt, flags: flags, primary: primary,
		streams: map[*Stream]bool{}, events: map[*Event]bool{}, modules: map[*Module]bool{},
		allocs: map[*allocation]bool{}, graphs: map[*GraphExec]bool{}, limits: map[Limit]uint64{},
	}
	for k, v := range defaultLimits {
		c.limits[k] = v
	}
	s, err := newStream(c, streamLegacy, 0)
	if err != nil {
		return nil, err
	}
	c.legacy = s
	return c, nil
}

// Device is the context's device.
func (c *Context) Device() *Device { return c.dev }

// Flags are the flags the context was created with.
func (c *Context) Flags() uint32 { return c.flags }

// IsPrimary reports whether this is the device's primary context.
func (c *Context) IsPrimary() bool { return c.primary }

// APIVersion is cuCtxGetApiVersion's value.
func (c *Context) APIVersion() int { return APIVersion }

// DefaultStream is the context's legacy default stream (the NULL stream):
// its work waits for all earlier work of the context's blocking streams,
// and theirs waits for its earlier work.
func (c *Context) DefaultStream() *Stream { return c.legacy }

// StreamPriorityRange returns the least and greatest stream priorities
// (greatest is numerically lowest, as in CUDA).
func (c *Context) StreamPriorityRange() (least, greatest int) {
	return c.dev.info.StreamPriorityLeast, c.dev.info.StreamPriorityGreatest
}

func (c *Context) check(op string) error {
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
	out = append(out, c.legacy)
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
// Device.PrimaryContextRelease instead.
func (c *Context) Close() error {
	if c.primary {
		return fmt.Errorf("streaming: Close of a primary context; use Device.PrimaryContextRelease: %w", ErrInvalidContext)
	}
	c.dev.removeContext(c)
	return c.destroy()
}

func (c *Context) destroy() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("streaming: context already destroyed: %w", ErrInvalidContext)
	}
	c.mu.Unlock()
	c.drain()
	c.mu.Lock()
	c.closed = true
	streams := keys(c.streams)
	events := keys(c.events)
	modules := keys(c.modules)
	allocs := keys(c.allocs)
	graphs := keys(c.graphs)
	c.mu.Unlock()
	var errs []error
	for _, g := range graphs {
		errs = append(errs, g.destroy())
	}
	for _, s := range streams {
		errs = append(errs, s.destroy())
	}
	errs = append(errs, c.legacy.destroy())
	for _, e := range events {
		errs = append(errs, e.destroy())
	}
	for _, m := range modules {
		errs = append(errs, m.unload())
	}
	for _, a := range allocs {
		errs = append(errs, c.release(a))
	}
	return errors.Join(errs...)
}

func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
