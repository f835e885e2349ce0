//go:build cgo

package vulkan

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"

	"github.com/streamhal/streamhal/hal"
)

// event is a point on a queue's timeline: (semaphore, value). With timing
// enabled it also owns a one-query timestamp pool written at Record.
type event struct {
	dev   *device
	flags hal.EventFlags
	pool  C.VkQueryPool // 0 when timing is disabled or not supported

	mu     sync.Mutex
	closed bool
	tl     *timeline // nil until recorded
	value  uint64
	timed  bool // the last Record wrote a timestamp

	// shared is the state of an interprocess event (ipc.go), nil for
	// others: Record, Wait, Done go through it instead of tl.
	shared *sharedEvent
}

var _ hal.Event = (*event)(nil)

// NewEvent creates an event. Timing needs timestamp support on the compute
// queue family; without it events are created without timing.
func (d *device) NewEvent(flags hal.EventFlags) (hal.Event, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errClosedDevice
	}
	d.mu.Unlock()
	e := &event{dev: d, flags: flags}
	if flags&hal.EventInterprocess != 0 {
		if flags&hal.EventDisableTiming == 0 {
			return nil, fmt.Errorf("hal/vulkan: interprocess event without disabled timing: %w", hal.ErrInvalidValue)
		}
		s, err := newSharedEvent()
		if err != nil {
			return nil, err
		}
		e.shared = s
	}
	if flags&hal.EventDisableTiming == 0 && d.timestampBits > 0 {
		if err := check(C.shal_create_query_pool(d.c, 1, &e.pool), "create timestamp query pool"); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		e.release()
		return nil, errClosedDevice
	}
	d.events[e] = struct{}{}
	d.mu.Unlock()
	return e, nil
}

// set records the event at (tl, value).
func (e *event) set(tl *timeline, value uint64, timed bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("hal/vulkan: record: event is closed: %w", hal.ErrInvalidHandle)
	}
	if e.tl != nil {
		e.tl.release()
	}
	e.tl, e.value, e.timed = tl.acquire(), value, timed
	return nil
}

// snapshot returns the most recent record with a reference on its
// timeline; ok is false for an event never recorded.
func (e *event) snapshot() (timelineValue, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return timelineValue{}, false, fmt.Errorf("hal/vulkan: event is closed: %w", hal.ErrInvalidHandle)
	}
	if e.tl == nil {
		return timelineValue{}, false, nil
	}
	return timelineValue{e.tl.acquire(), e.value}, true, nil
}

// Done reports whether the most recent Record has been reached.
func (e *event) Done() bool {
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return true
		}
		defer s.Release()
		return s.Done(s.Target())
	}
	tv, ok, err := e.snapshot()
	if err != nil || !ok {
		return true
	}
	defer tv.tl.release()
	return tv.tl.reached(tv.value)
}

// Wait blocks until the most recent Record has been reached.
func (e *event) Wait(ctx context.Context) error {
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return fmt.Errorf("hal/vulkan: event is closed: %w", hal.ErrInvalidHandle)
		}
		defer s.Release()
		return s.Wait(ctx, s.Target())
	}
	tv, ok, err := e.snapshot()
	if err != nil || !ok {
		return err
	}
	defer tv.tl.release()
	if err := tv.tl.wait(ctx, tv.value); err != nil {
		return err
	}
	// What kernels printed, as CUDA prints at cuEventSynchronize; a failed
	// assert is reported here and, for the context to become unusable, by
	// the next queue Synchronize too.
	if err := e.dev.printRecords(); err != nil {
		e.dev.deferAssert(err)
		return err
	}
	return nil
}

// Close releases the event once the work that may write its timestamp is
// done.
func (e *event) Close() error {
	d := e.dev
	d.mu.Lock()
	if _, ok := d.events[e]; !ok {
		d.mu.Unlock()
		return fmt.Errorf("hal/vulkan: event already closed: %w", hal.ErrInvalidHandle)
	}
	delete(d.events, e)
	d.mu.Unlock()
	e.mu.Lock()
	var conds []timelineValue
	if e.tl != nil {
		conds = append(conds, timelineValue{e.tl.acquire(), e.value})
	}
	e.mu.Unlock()
	d.deferFreeAfter(conds, e.release)
	return nil
}

// release destroys the event's objects (its work is done).
func (e *event) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if e.tl != nil {
		e.tl.release()
		e.tl = nil
	}
	if e.shared != nil {
		e.shared.close()
	}
	if e.pool != 0 {
		C.shal_destroy_query_pool(e.dev.c, e.pool)
		e.pool = 0
	}
}

// timestamp returns the event's GPU timestamp in ticks.
func (e *event) timestamp(which string) (uint64, error) {
	tv, ok, err := e.snapshot()
	if err != nil {
		return 0, fmt.Errorf("hal/vulkan: elapsed time: %s %w", which, err)
	}
	if !ok {
		return 0, fmt.Errorf("hal/vulkan: elapsed time: %s event was never recorded: %w", which, hal.ErrInvalidHandle)
	}
	defer tv.tl.release()
	e.mu.Lock()
	timed, pool := e.timed, e.pool
	e.mu.Unlock()
	if pool == 0 || !timed {
		return 0, fmt.Errorf("hal/vulkan: elapsed time: %s event has timing disabled: %w", which, hal.ErrInvalidHandle)
	}
	if !tv.tl.reached(tv.value) {
		return 0, fmt.Errorf("hal/vulkan: elapsed time: %s event not reached yet: %w", which, hal.ErrNotReady)
	}
	var ts C.uint64_t
	if err := check(C.shal_query_results(e.dev.c, pool, 0, 1, &ts), "read timestamp"); err != nil {
		return 0, err
	}
	v := uint64(ts)
	if b := e.dev.timestampBits; b < 64 {
		v &= 1<<b - 1
	}
	return v, nil
}

// ElapsedTime returns the milliseconds between two reached timed events.
func (d *device) ElapsedTime(start, end hal.Event) (float32, error) {
	s, ok1 := start.(*event)
	e, ok2 := end.(*event)
	if !ok1 || !ok2 || s.dev != d || e.dev != d {
		return 0, fmt.Errorf("hal/vulkan: elapsed time: events are not events of this Vulkan device: %w", hal.ErrInvalidHandle)
	}
	t0, err := s.timestamp("start")
	if err != nil {
		return 0, err
	}
	t1, err := e.timestamp("end")
	if err != nil {
		return 0, err
	}
	ticks := float64(int64(t1 - t0))
	return float32(ticks * d.timestampPeriod / 1e6), nil
}
