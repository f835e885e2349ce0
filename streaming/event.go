package streaming

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
)

// Event flags (CU_EVENT_*).
const (
	EventDefault       uint32 = 0x0
	EventBlockingSync  uint32 = 0x1
	EventDisableTiming uint32 = 0x2
	EventInterprocess  uint32 = 0x4
)

// Event marks a point in a stream (a CUevent): record it, query or wait for
// it, make other streams wait for it, time the work between two events.
type Event struct {
	ctx   *Context
	hal   hal.Event
	flags uint32

	// life keeps the driver event open while a goroutine queries or waits
	// for it outside mu; destroy takes it for writing (see Stream.life).
	life sync.RWMutex

	mu       sync.Mutex
	closed   bool
	recorded bool
	// gone and wasRecorded mirror closed and recorded (set under mu,
	// never cleared) for lock-free looks on the record and wait paths.
	gone, wasRecorded atomic.Bool
	captured          *eventCapture // set when recorded in a capturing stream
}

// NewEvent creates an event (cuEventCreate).
func (c *Context) NewEvent(flags uint32) (*Event, error) {
	// A destroyed context is its own error, also after Runtime.Close.
	if err := c.check("create event"); err != nil {
		return nil, err
	}
	done, err := c.rt.holdDrivers("create event")
	if err != nil {
		return nil, err
	}
	defer done()
	if err := c.check("create event"); err != nil {
		return nil, err
	}
	if flags&^(EventBlockingSync|EventDisableTiming|EventInterprocess) != 0 {
		return nil, fmt.Errorf("streaming: event flags %#x: unknown bits: %w", flags, ErrInvalidValue)
	}
	if flags&EventInterprocess != 0 {
		if flags&EventDisableTiming == 0 {
			return nil, fmt.Errorf("streaming: interprocess events need EventDisableTiming: %w", ErrInvalidValue)
		}
		if _, err := halIPC(c.dev.hal); err != nil {
			return nil, fmt.Errorf("streaming: create interprocess event: %w", err)
		}
	}
	var hf hal.EventFlags
	if flags&EventInterprocess != 0 {
		hf |= hal.EventInterprocess
	}
	if flags&EventDisableTiming != 0 {
		hf |= hal.EventDisableTiming
	}
	if flags&EventBlockingSync != 0 {
		hf |= hal.EventBlockingSync
	}
	he, err := c.dev.hal.NewEvent(hf)
	if err != nil {
		return nil, fmt.Errorf("streaming: create event: %w", err)
	}
	e := &Event{ctx: c, hal: he, flags: flags}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		he.Close()
		return nil, fmt.Errorf("streaming: create event: context destroyed: %w", ErrInvalidContext)
	}
	c.events[e] = true
	return e, nil
}

// Flags are the event's flags.
func (e *Event) Flags() uint32 { return e.flags }

func (e *Event) check(what string) error {
	if e.gone.Load() {
		return fmt.Errorf("streaming: %s: event destroyed: %w", what, ErrInvalidHandle)
	}
	return nil
}

// Record marks the event at the current end of s's work (cuEventRecord);
// nil means the context's default stream. Queries and waits refer to the
// most recent record. s must belong to the event's context
// (ErrInvalidHandle otherwise, as in CUDA).
func (e *Event) Record(s *Stream) error {
	e.life.RLock()
	defer e.life.RUnlock()
	if err := e.check("event record"); err != nil {
		return err
	}
	if s == nil {
		s = e.ctx.legacy.Load()
	}
	if s.ctx != e.ctx {
		// cuEventRecord: "hEvent and hStream must be from the same
		// context otherwise CUDA_ERROR_INVALID_HANDLE is returned".
		// (Waiting for an event of another context is allowed:
		// Stream.WaitEvent.)
		return fmt.Errorf("streaming: record an event of a context of device %d on %v, of another context: %w", e.ctx.dev.ordinal, s, ErrInvalidHandle)
	}
	if err := s.submitOp("event record", &op{node: hal.Node{Kind: hal.NodeEventRecord, Event: e.hal}, event: e}); err != nil {
		return err
	}
	if !e.wasRecorded.Load() {
		e.mu.Lock()
		e.recorded = true
		e.wasRecorded.Store(true)
		e.mu.Unlock()
	}
	return nil
}

// Query returns nil when the most recent record has been reached (or the
// event was never recorded), else ErrNotReady (cuEventQuery).
func (e *Event) Query() error {
	// A destroyed event is ErrInvalidHandle, also after Runtime.Close.
	if err := e.check("event query"); err != nil {
		return err
	}
	done, err := e.ctx.rt.holdDrivers("event query")
	if err != nil {
		return err
	}
	defer done()
	e.life.RLock()
	defer e.life.RUnlock()
	if err := e.check("event query"); err != nil {
		return err
	}
	if e.hal.Done() {
		return nil
	}
	return fmt.Errorf("streaming: event not reached yet: %w", ErrNotReady)
}

// Synchronize blocks until the most recent record is reached
// (cuEventSynchronize), or ctx is done.
func (e *Event) Synchronize(ctx context.Context) error {
	// A destroyed event is ErrInvalidHandle, also after Runtime.Close.
	if err := e.check("event synchronize"); err != nil {
		return err
	}
	done, err := e.ctx.rt.holdDrivers("event synchronize")
	if err != nil {
		return err
	}
	defer done()
	e.life.RLock()
	defer e.life.RUnlock()
	if err := e.check("event synchronize"); err != nil {
		return err
	}
	if err := e.hal.Wait(ctx); err != nil {
		return fmt.Errorf("streaming: event synchronize: %w", err)
	}
	return nil
}

// Close destroys the event (cuEventDestroy); work already waiting on it is
// unaffected.
func (e *Event) Close() error {
	done, err := e.ctx.rt.holdDrivers("destroy event")
	if err != nil {
		if e.check("destroy event") != nil {
			return errGone("event already destroyed") // by Runtime.Close
		}
		return err
	}
	defer done()
	e.ctx.mu.Lock()
	delete(e.ctx.events, e)
	e.ctx.mu.Unlock()
	return e.destroy()
}

func (e *Event) destroy() error {
	e.life.Lock()
	defer e.life.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errGone("event already destroyed")
	}
	e.closed = true
	e.gone.Store(true)
	return e.hal.Close()
}

// ElapsedTime returns the milliseconds between two recorded, reached events
// of one device (cuEventElapsedTime): ErrNotReady when either is not
// reached, ErrInvalidHandle when either was never recorded or has timing
// disabled.
func ElapsedTime(start, end *Event) (float32, error) {
	if start == nil || end == nil {
		return 0, fmt.Errorf("streaming: elapsed time: nil event: %w", ErrInvalidHandle)
	}
	if err := start.check("elapsed time"); err != nil {
		return 0, err
	}
	if err := end.check("elapsed time"); err != nil {
		return 0, err
	}
	if start.ctx.dev.hal != end.ctx.dev.hal {
		return 0, fmt.Errorf("streaming: elapsed time between events of devices %d and %d: %w", start.ctx.dev.ordinal, end.ctx.dev.ordinal, ErrInvalidHandle)
	}
	done, err := start.ctx.rt.holdDrivers("elapsed time")
	if err != nil {
		return 0, err
	}
	defer done()
	start.life.RLock()
	defer start.life.RUnlock()
	if end != start {
		end.life.RLock()
		defer end.life.RUnlock()
	}
	if err := start.check("elapsed time"); err != nil {
		return 0, err
	}
	if err := end.check("elapsed time"); err != nil {
		return 0, err
	}
	start.mu.Lock()
	r1 := start.recorded
	start.mu.Unlock()
	end.mu.Lock()
	r2 := end.recorded
	end.mu.Unlock()
	if !r1 || !r2 {
		return 0, fmt.Errorf("streaming: elapsed time: event never recorded: %w", ErrInvalidHandle)
	}
	ms, err := start.ctx.dev.hal.ElapsedTime(start.hal, end.hal)
	if err != nil {
		return 0, fmt.Errorf("streaming: elapsed time: %w", err)
	}
	return ms, nil
}
