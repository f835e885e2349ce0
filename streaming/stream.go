package streaming

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Stream flags (CU_STREAM_*).
const (
	StreamDefault     uint32 = 0x0 // blocking: synchronizes with the legacy default stream
	StreamNonBlocking uint32 = 0x1 // no implicit synchronization with the legacy default stream
)

type streamKind int

const (
	streamLegacy streamKind = iota
	streamBlocking
	streamNonBlocking
)

// Stream is an ordered queue of work on one device (a CUstream): operations
// run in submission order, asynchronously to the caller. Methods are safe
// for concurrent use; operations submitted concurrently are ordered as they
// take the stream's lock.
type Stream struct {
	ctx      *Context
	kind     streamKind
	flags    uint32
	priority int
	q        hal.Queue

	// life keeps the driver queue open while a goroutine waits on it
	// (Synchronize, drain, Query), which happens outside mu: destroy takes
	// it for writing, so the queue is closed only once no wait is in
	// progress (a driver need not survive a wait racing its queue's
	// Close; lavapipe's timeline semaphore wait does not).
	life sync.RWMutex

	mu         sync.Mutex // serialises submissions and the fields below
	closed     bool
	gone       atomic.Bool // closed, for Err's lock-free look (set under mu with closed)
	pendingErr error       // an execution error seen by an internal drain
	tail       hal.Event   // internal event for legacy-stream ordering
	// argBuf is where launches with arguments are packed when the driver
	// copies them at Dispatch (argsCopied; see launchReusingBuffer).
	argBuf     []byte
	argsCopied bool // hal.ArgsCopier: set at creation

	cap atomic.Pointer[capture] // non-nil while the stream is being captured

	lastKernel atomic.Pointer[Function] // the kernel launched last, named when Close gives up on the stream

	work       atomic.Uint64      // operations submitted so far
	seenLegacy atomic.Uint64      // blocking streams: legacy work already ordered before ours
	seen       map[*Stream]uint64 // legacy stream: each blocking stream's work already ordered before ours (under ctx.mu)
}

func newStream(c *Context, kind streamKind, priority int) (*Stream, error) {
	done, err := c.rt.holdDrivers("create stream")
	if err != nil {
		return nil, err
	}
	defer done()
	q, err := c.dev.hal.NewQueue(hal.QueueOptions{Priority: priority})
	if err != nil {
		return nil, fmt.Errorf("streaming: create stream on device %d: %w", c.dev.ordinal, err)
	}
	s := &Stream{ctx: c, kind: kind, priority: priority, q: q, argsCopied: halCopiesArgs(q)}
	c.watchFaults(q)
	if kind == streamNonBlocking {
		s.flags = StreamNonBlocking
	}
	if kind == streamLegacy {
		s.seen = map[*Stream]uint64{}
	}
	return s, nil
}

// NewStream creates a stream (cuStreamCreateWithPriority). flags is
// StreamDefault or StreamNonBlocking; priority is clamped into
// Context.StreamPriorityRange, lower numbers running first.
func (c *Context) NewStream(flags uint32, priority int) (*Stream, error) {
	if err := c.check("create stream"); err != nil {
		return nil, err
	}
	if flags&^StreamNonBlocking != 0 {
		return nil, fmt.Errorf("streaming: stream flags %#x: unknown bits: %w", flags, ErrInvalidValue)
	}
	least, greatest := c.StreamPriorityRange()
	priority = min(max(priority, greatest), least)
	kind := streamBlocking
	if flags&StreamNonBlocking != 0 {
		kind = streamNonBlocking
	}
	s, err := newStream(c, kind, priority)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.q.Close()
		return nil, fmt.Errorf("streaming: create stream: context destroyed: %w", ErrInvalidContext)
	}
	c.streams[s] = true
	if kind == streamBlocking {
		c.blocking.Add(1)
	}
	return s, nil
}

// Context is the stream's context.
func (s *Stream) Context() *Context { return s.ctx }

// Device is the stream's device.
func (s *Stream) Device() *Device { return s.ctx.dev }

// Flags are the stream's flags.
func (s *Stream) Flags() uint32 { return s.flags }

// Priority is the stream's priority (after clamping).
func (s *Stream) Priority() int { return s.priority }

// IsDefault reports whether s is its context's legacy default stream.
func (s *Stream) IsDefault() bool { return s.kind == streamLegacy }

func (s *Stream) String() string {
	if s.kind == streamLegacy {
		return fmt.Sprintf("default stream of device %d", s.ctx.dev.ordinal)
	}
	return fmt.Sprintf("stream %p of device %d", s, s.ctx.dev.ordinal)
}

// tailEvent returns the stream's internal ordering event (s.mu held).
func (s *Stream) tailEvent() (hal.Event, error) {
	if s.tail == nil {
		e, err := s.ctx.dev.hal.NewEvent(hal.EventDisableTiming)
		if err != nil {
			return nil, err
		}
		s.tail = e
	}
	return s.tail, nil
}

// markTail records the stream's tail event at the current end of its work
// and returns it with the work count it covers.
func (s *Stream) markTail() (hal.Event, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0, nil
	}
	e, err := s.tailEvent()
	if err != nil {
		return nil, 0, err
	}
	if err := s.q.Record(e); err != nil {
		return nil, 0, err
	}
	return e, s.work.Load(), nil
}

// legacyWaits computes the events s must wait for before its next
// operation to keep the legacy default stream's semantics. It takes no lock
// of s, so that the locks of two streams are never held together.
func (s *Stream) legacyWaits() ([]hal.Event, func(), error) {
	c := s.ctx
	switch s.kind {
	case streamNonBlocking:
		return nil, nil, nil
	case streamBlocking:
		legacy := c.legacy.Load()
		if legacy.work.Load() == s.seenLegacy.Load() {
			return nil, nil, nil
		}
		e, n, err := legacy.markTail()
		if err != nil || e == nil {
			return nil, nil, err
		}
		return []hal.Event{e}, func() { s.seenLegacy.Store(n) }, nil
	}
	if c.blocking.Load() == 0 {
		return nil, nil, nil
	}
	var waits []hal.Event
	var updates []func()
	for _, b := range c.blockingStreams() {
		w := b.work.Load()
		c.mu.Lock()
		seen := s.seen[b]
		c.mu.Unlock()
		if w == seen {
			continue
		}
		e, n, err := b.markTail()
		if err != nil {
			return nil, nil, err
		}
		if e == nil {
			continue
		}
		waits = append(waits, e)
		updates = append(updates, func() {
			c.mu.Lock()
			s.seen[b] = n
			c.mu.Unlock()
		})
	}
	return waits, func() {
		for _, u := range updates {
			u()
		}
	}, nil
}

// op is one stream operation: the driver node, plus what capture needs to
// turn it into a graph node.
type op struct {
	node  hal.Node
	fn    *Function // kernel launches
	cfg   LaunchConfig
	event *Event     // event record and wait
	exec  *GraphExec // graph launches
	// notify marks internal bookkeeping host functions, which may take the
	// driver's cheaper hal.Notifier path.
	notify bool
	// refs, for a launch on a capturing stream, are the allocations its
	// pointer arguments resolved to (the captured node's GraphNode.bound).
	refs []addrRef
}

// submit runs one operation on the stream.
func (s *Stream) submit(what string, n hal.Node) error { return s.submitOp(what, &op{node: n}) }

// submitOp runs one operation on the stream: it is recorded into the
// capture graph while the stream is being captured, else enqueued on the
// driver queue behind whatever the legacy stream semantics require.
func (s *Stream) submitOp(what string, o *op) error {
	if err := s.ctx.stickyErr(what); err != nil {
		return err
	}
	if c := s.cap.Load(); c != nil {
		return c.add(s, what, *o)
	}
	if err := s.lockOrdered(what); err != nil {
		return err
	}
	defer s.mu.Unlock()
	var qerr error
	if o.exec != nil {
		qerr = s.q.Execute(o.exec.hal)
	} else if o.notify {
		qerr = halNotify(s.q, o.node.Host)
	} else {
		qerr = s.enqueue(&o.node)
	}
	if qerr != nil {
		return fmt.Errorf("streaming: %s: %w", what, qerr)
	}
	s.submitted(o.fn)
	return nil
}

// submitKernel is submitOp of a kernel launch whose arguments are checked
// and packed, without building its op: the enqueue of a launch is the
// hottest path of the package, and an op (a hal.Node and the capture's
// extras) costs more to fill and copy than the rest of the Go side of it.
// Only a stream being captured needs the op.
func (s *Stream) submitKernel(f *Function, cfg *LaunchConfig, buf []byte) error {
	if s.kind != streamNonBlocking || s.ctx.sticky.Load() != nil || s.cap.Load() != nil {
		return s.submitKernelOrdered(f, cfg, buf)
	}
	// A non-blocking stream in good standing: no capture, no legacy
	// ordering, no sticky error. The errors are made apart (dispatchError,
	// submitKernelOrdered), which keeps this frame small. hc is filled
	// before the lock, whose atomic instruction lets its field-by-field
	// stores land before the call copies it whole (copied right after
	// them, it stalled the copy for a few nanoseconds).
	hc := hal.LaunchConfig{Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: buf, Cooperative: cfg.Cooperative}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.submitKernelOrdered(f, cfg, buf)
	}
	err := s.q.Dispatch(f.k, hc)
	if err == nil && s.lastKernel.Load() != f {
		s.lastKernel.Store(f)
	}
	s.mu.Unlock()
	if err != nil {
		return dispatchError(err)
	}
	return nil
}

// dispatchError is the error of a kernel launch the driver refused.
func dispatchError(err error) error { return fmt.Errorf("streaming: kernel launch: %w", err) }

// submitKernelOrdered is submitKernel on any stream: it records the launch
// into the capture graph while the stream is being captured, else orders
// it as submitOp does.
func (s *Stream) submitKernelOrdered(f *Function, cfg *LaunchConfig, buf []byte) error {
	const what = "kernel launch"
	if err := s.ctx.stickyErr(what); err != nil {
		return err
	}
	if s.cap.Load() != nil {
		o := kernelOp(f, cfg, buf)
		return s.submitOp(what, &o)
	}
	if err := s.lockOrdered(what); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.q.Dispatch(f.k, hal.LaunchConfig{Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: buf, Cooperative: cfg.Cooperative}); err != nil {
		return dispatchError(err)
	}
	s.submitted(f)
	return nil
}

// lockOrdered makes the checks of a submission outside capture, orders s
// behind the legacy default stream or the blocking streams as its kind
// requires, and returns with s.mu held; on an error s.mu is not held.
func (s *Stream) lockOrdered(what string) error {
	if err := s.checkImplicitCapture(what); err != nil {
		return err
	}
	waits, done, err := s.legacyWaits()
	if err != nil {
		return fmt.Errorf("streaming: %s: order against the default stream: %w", what, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("streaming: %s on a destroyed stream: %w", what, ErrInvalidHandle)
	}
	for _, e := range waits {
		if err := s.q.Wait(e); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("streaming: %s: %w", what, err)
		}
	}
	if done != nil {
		done()
	}
	return nil
}

// submitted notes an operation enqueued on s (s.mu held): fn is the kernel
// it launches, or nil.
func (s *Stream) submitted(fn *Function) {
	if fn != nil && s.lastKernel.Load() != fn {
		s.lastKernel.Store(fn)
	}
	// Only the legacy ordering reads the count (legacyWaits, markTail),
	// and only of the legacy and the blocking streams: a non-blocking
	// stream saves the atomic add.
	if s.kind != streamNonBlocking {
		s.work.Add(1)
	}
}

// notify runs a short bookkeeping function once the stream's earlier work
// is done (see hal.Notifier).
func (s *Stream) notify(what string, fn func()) error {
	return s.submitOp(what, &op{node: hal.Node{Kind: hal.NodeHost, Host: fn}, notify: true})
}

// submitExec launches an instantiated graph on the stream.
func (s *Stream) submitExec(x *GraphExec) error {
	return s.submitOp("graph launch", &op{exec: x})
}

// enqueue hands one node to the driver queue (s.mu held).
func (s *Stream) enqueue(n *hal.Node) error {
	switch n.Kind {
	case hal.NodeKernel:
		return s.q.Dispatch(n.Kernel, n.Launch)
	case hal.NodeCopy:
		return s.q.Copy(n.Dst, n.Src, n.Size)
	case hal.NodeFill:
		return s.q.Fill(n.Dst, n.Size, n.Pattern, n.PatternSize)
	case hal.NodeHost:
		return s.q.HostCall(n.Host)
	case hal.NodeEventRecord:
		return s.q.Record(n.Event)
	case hal.NodeEventWait:
		return s.q.Wait(n.Event)
	case hal.NodeEmpty:
		return nil
	}
	return fmt.Errorf("unknown operation %v: %w", n.Kind, ErrInvalidValue)
}

// Synchronize waits until all work submitted to the stream so far is done
// and returns the first error it raised (cuStreamSynchronize). For the
// default stream that includes the blocking streams' earlier work.
func (s *Stream) Synchronize(ctx context.Context) error {
	// A destroyed stream is ErrInvalidHandle, also after Runtime.Close.
	if err := s.Err(); err != nil {
		return err
	}
	done, err := s.ctx.rt.holdDrivers("stream synchronize")
	if err != nil {
		return err
	}
	defer done()
	s.life.RLock()
	if err := s.Err(); err != nil {
		s.life.RUnlock()
		return err
	}
	if c := s.cap.Load(); c != nil {
		s.life.RUnlock()
		return c.illegal(fmt.Sprintf("synchronize %v", s))
	}
	if s.ctx.sticky.Load() != nil {
		s.life.RUnlock()
		return s.ctx.stickyErr(fmt.Sprintf("synchronize %v", s))
	}
	if err := s.orderLegacy(); err != nil {
		s.life.RUnlock()
		return err
	}
	err = s.q.Synchronize(ctx)
	s.life.RUnlock()
	s.ctx.noteFault(err)
	s.ctx.dev.settlePools()
	s.mu.Lock()
	pending := s.pendingErr
	s.pendingErr = nil
	s.mu.Unlock()
	if pending != nil {
		return fmt.Errorf("streaming: %v: %w", s, pending)
	}
	if err != nil {
		return fmt.Errorf("streaming: %v: %w", s, err)
	}
	return nil
}

// orderLegacy makes the default stream wait for the blocking streams'
// submitted work, so that synchronizing it covers theirs.
func (s *Stream) orderLegacy() error {
	if s.kind != streamLegacy {
		return nil
	}
	waits, done, err := s.legacyWaits()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("streaming: %v was destroyed: %w", s, ErrInvalidHandle)
	}
	for _, e := range waits {
		if err := s.q.Wait(e); err != nil {
			return err
		}
	}
	if done != nil {
		done()
	}
	return nil
}

// drain waits for the stream's work, keeping any execution error for the
// user's next Synchronize.
func (s *Stream) drain() {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.orderLegacy() != nil {
		return // destroyed: its Close waited for its work
	}
	if err := s.q.Synchronize(context.Background()); err != nil {
		s.ctx.noteFault(err)
		s.mu.Lock()
		if s.pendingErr == nil {
			s.pendingErr = err
		}
		s.mu.Unlock()
	}
}

// Query returns nil when all of the stream's work is done, else ErrNotReady
// (cuStreamQuery).
func (s *Stream) Query() error {
	// A destroyed stream is ErrInvalidHandle, also after Runtime.Close.
	if err := s.Err(); err != nil {
		return err
	}
	done, err := s.ctx.rt.holdDrivers("stream query")
	if err != nil {
		return err
	}
	defer done()
	if err := s.Err(); err != nil {
		return err
	}
	if c := s.cap.Load(); c != nil {
		return c.illegal(fmt.Sprintf("query %v", s))
	}
	if s.ctx.sticky.Load() != nil {
		return s.ctx.stickyErr(fmt.Sprintf("query %v", s))
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if err := s.Err(); err != nil {
		return err
	}
	if s.q.Idle() {
		return nil
	}
	return fmt.Errorf("streaming: %v has work in flight: %w", s, ErrNotReady)
}

// Close waits for the stream's work and destroys it (cuStreamDestroy). The
// default stream cannot be closed.
//
// Close returns once the work is done, on every backend, so memory the
// work used may be freed as soon as it returns; cuStreamDestroy, by
// contrast, returns at once and lets the work finish afterwards (the
// results are the same). The wait is bounded by the close timeout
// (Options.CloseTimeout, STREAM_HAL_CLOSE_TIMEOUT): work still running
// then (a kernel that never ends, a host function that never returns) is
// given up, the stream is left to its driver, and the error wraps
// ErrTimeout; memory that work uses must stay allocated. An execution
// error the work raised and no Synchronize reported is dropped, except
// that a kernel fault still makes the context unusable.
func (s *Stream) Close() error {
	if s.kind == streamLegacy {
		return fmt.Errorf("streaming: Close of the default stream: %w", ErrInvalidHandle)
	}
	done, err := s.ctx.rt.holdDrivers("destroy stream")
	if err != nil {
		if s.Err() != nil {
			return errGone(s.String() + " already destroyed") // by Runtime.Close
		}
		return err
	}
	defer done()
	// The stream leaves the context's list only once its work is done:
	// until then a Free (drainAll) still finds it and waits for it.
	err = s.destroy()
	s.ctx.mu.Lock()
	if s.ctx.streams[s] && s.kind == streamBlocking {
		s.ctx.blocking.Add(-1)
	}
	delete(s.ctx.streams, s)
	s.ctx.mu.Unlock()
	return err
}

// destroy waits for the stream's work, at most the close timeout, and
// closes its driver queue. The wait is here, not left to the driver, whose
// Close need not wait (hal.Queue: CUDA's cuStreamDestroy returns at once):
// Close promises the work is done, and drain and drainCtx skip destroyed
// streams on that promise.
func (s *Stream) destroy() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errGone(s.String() + " already destroyed")
	}
	if c := s.cap.Load(); c != nil {
		c.invalidate(fmt.Sprintf("%v was destroyed while being captured", s))
	}
	s.closed = true // nothing new is enqueued from here on
	s.gone.Store(true)
	s.mu.Unlock()
	timeout := s.ctx.rt.closeTimeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	serr := s.q.Synchronize(ctx)
	cancel()
	if serr != nil && ctx.Err() != nil && (errors.Is(serr, context.DeadlineExceeded) || errors.Is(serr, hal.ErrTimeout)) {
		// Given up, as a context's teardown gives up a stuck stream: the
		// driver's own (bounded) Close deals with the queue.
		what := "its work"
		if f := s.lastKernel.Load(); f != nil {
			what += " (kernel " + f.Name() + " launched last)"
		}
		return fmt.Errorf("streaming: destroy %v: %s still running after %v; the stream is left to the driver, and the memory that work uses must stay allocated: %w", s, what, timeout, ErrTimeout)
	}
	if serr != nil {
		s.ctx.noteFault(serr)
	}
	err := s.q.Close()
	if s.tail != nil {
		err = errors.Join(err, s.tail.Close())
	}
	return err
}

// forget readies a drained default stream for its reset context: the
// error its work raised and what it knew of the destroyed blocking streams
// are dropped.
func (s *Stream) forget() {
	s.mu.Lock()
	s.pendingErr = nil
	s.mu.Unlock()
	s.ctx.mu.Lock()
	clear(s.seen)
	s.ctx.mu.Unlock()
}

// LaunchHostFunc runs fn on a host goroutine once the stream's earlier work
// is done; later work waits for it to return (cuLaunchHostFunc). As in CUDA,
// fn must not call streamhal (on the CUDA backend it runs on a driver
// thread where driver calls are forbidden) and must not wait on the stream
// itself. A panic in fn is reported by Synchronize.
func (s *Stream) LaunchHostFunc(fn func()) error {
	if fn == nil {
		return fmt.Errorf("streaming: launch host func: nil function: %w", ErrInvalidValue)
	}
	return s.submit("launch host func", hal.Node{Kind: hal.NodeHost, Host: fn})
}

// WaitEvent makes the stream's later work wait until e's most recent
// record is reached (cuStreamWaitEvent). e may belong to another device.
func (s *Stream) WaitEvent(e *Event) error {
	if e == nil {
		return fmt.Errorf("streaming: stream wait event: nil event: %w", ErrInvalidHandle)
	}
	e.life.RLock()
	defer e.life.RUnlock()
	if err := e.check("stream wait event"); err != nil {
		return err
	}
	if s.cap.Load() == nil {
		// Waiting for an event recorded in a capture joins the capture.
		if joined, err := s.joinCapture(e); joined || err != nil {
			return err
		}
	}
	if e.ctx.dev.hal != s.ctx.dev.hal && !s.native(&allocation{dev: e.ctx.dev}) {
		// Another driver's event: wait for it on the host, in order.
		he := e.hal
		return s.submitOp("stream wait event", &op{node: hal.Node{Kind: hal.NodeHost, Host: func() { he.Wait(context.Background()) }}, event: e})
	}
	return s.submitOp("stream wait event", &op{node: hal.Node{Kind: hal.NodeEventWait, Event: e.hal}, event: e})
}

// stage is a host-memory staging buffer of a device.
type stage struct {
	dev   *Device
	alloc hal.Allocation
}

func (d *Device) getStage(n uint64) (*stage, error) {
	done, err := d.rt.holdDrivers("staging buffer")
	if err != nil {
		return nil, err
	}
	defer done()
	d.emptyStageTrash()
	size := uint64(64 << 10)
	for size < n {
		size <<= 1
	}
	d.mu.Lock()
	if d.stages != nil {
		if l := d.stages[size]; len(l) > 0 {
			st := l[len(l)-1]
			d.stages[size] = l[:len(l)-1]
			d.mu.Unlock()
			return st, nil
		}
	}
	d.mu.Unlock()
	a, err := d.hal.Allocate(hal.MemoryHost, size)
	if err != nil {
		return nil, err
	}
	return &stage{dev: d, alloc: a}, nil
}

// maxCachedStages bounds the staging buffers a device keeps per size.
const maxCachedStages = 4

// putStage returns a staging buffer. It runs as a driver notification,
// where driver calls are forbidden: buffers beyond the cache go to a list
// that the next getStage (or freeStages) frees from an ordinary goroutine.
func (d *Device) putStage(st *stage) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stages == nil {
		d.stages = map[uint64][]*stage{}
	}
	if len(d.stages[st.alloc.Size]) < maxCachedStages {
		d.stages[st.alloc.Size] = append(d.stages[st.alloc.Size], st)
		return
	}
	d.stageTrash = append(d.stageTrash, st)
}

// emptyStageTrash frees the staging buffers putStage could not cache.
func (d *Device) emptyStageTrash() {
	d.mu.Lock()
	trash := d.stageTrash
	d.stageTrash = nil
	d.mu.Unlock()
	for _, st := range trash {
		d.hal.Free(hal.MemoryHost, st.alloc.Device)
	}
}

func (d *Device) freeStages() {
	d.emptyStageTrash()
	d.mu.Lock()
	stages := d.stages
	d.stages = nil
	d.mu.Unlock()
	for _, l := range stages {
		for _, st := range l {
			d.hal.Free(hal.MemoryHost, st.alloc.Device)
		}
	}
}

func sliceBytes[T any](s []T) (unsafe.Pointer, uint64) {
	if len(s) == 0 {
		return nil, 0
	}
	var zero T
	return unsafe.Pointer(&s[0]), uint64(len(s)) * uint64(unsafe.Sizeof(zero))
}
