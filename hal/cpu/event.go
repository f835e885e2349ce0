//go:build cgo

package cpu

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamhal/streamhal/hal"
)

var epoch = time.Now()

// mark is one Record of an event: closed when the queue reaches it.
type mark struct {
	at time.Duration // since epoch, set before the mark is reached
	// q and seq: the queue that records the mark, and the record's number
	// there (set when it is enqueued), for a Wait to run the queue's work
	// up to it (queue.help).
	q   *queue
	seq uint64

	// done is 1 once the mark is reached. A goroutine that must block for
	// it takes ch, made on first need (most records are never waited for
	// that way, and a channel per record was half the cost of one).
	done atomic.Uint32
	mu   sync.Mutex
	ch   chan struct{} // closed when the mark is reached
}

func newMark() *mark { return &mark{} }

// reach marks m reached at the given time and wakes its waiters.
func (m *mark) reach(at time.Duration) {
	m.at = at
	m.mu.Lock()
	m.done.Store(1)
	if m.ch != nil {
		close(m.ch)
	}
	m.mu.Unlock()
}

func (m *mark) reached() bool {
	return m == nil || m.done.Load() == 1
}

// doneCh returns a channel closed once m is reached.
func (m *mark) doneCh() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch == nil {
		m.ch = make(chan struct{})
		if m.done.Load() == 1 {
			close(m.ch)
		}
	}
	return m.ch
}

type event struct {
	dev   *device
	flags hal.EventFlags
	mu    sync.Mutex
	cur   *mark
	// closed makes a second Close the harmless error hal.go asks for; an
	// event holds no resource but shared, which Close releases.
	closed atomic.Bool
	// shared is the state of an interprocess event (ipc.go), nil for
	// others.
	shared *sharedEvent
}

var _ hal.Event = (*event)(nil)

func (d *device) NewEvent(flags hal.EventFlags) (hal.Event, error) {
	if flags&^(hal.EventDisableTiming|hal.EventBlockingSync|hal.EventInterprocess) != 0 {
		return nil, fmt.Errorf("hal/cpu: event flags %#x: %w", flags, hal.ErrInvalidValue)
	}
	e := &event{dev: d, flags: flags}
	if flags&hal.EventInterprocess != 0 {
		if flags&hal.EventDisableTiming == 0 {
			return nil, fmt.Errorf("hal/cpu: interprocess event without disabled timing: %w", hal.ErrInvalidValue)
		}
		s, err := newSharedEvent()
		if err != nil {
			return nil, err
		}
		e.shared = s
	}
	return e, nil
}

func (e *event) latest() *mark {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cur
}

func (e *event) Done() bool {
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return true
		}
		defer s.Release()
		return s.Done(s.Target())
	}
	return e.latest().reached()
}

func (e *event) Wait(ctx context.Context) error {
	err := e.wait(ctx)
	if err == nil {
		e.dev.flushOutput() // what kernels printed, as CUDA prints it here
	}
	return err
}

func (e *event) wait(ctx context.Context) error {
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return nil
		}
		defer s.Release()
		return s.Wait(ctx, s.Target())
	}
	m := e.latest()
	if m == nil {
		return nil
	}
	if m.reached() {
		return nil
	}
	if ctx.Done() == nil && m.q != nil {
		// Nothing can end this wait: run the queue's work up to the
		// record here rather than wait for its goroutine to wake up.
		m.q.help(m.seq)
		if m.reached() {
			return nil
		}
	}
	select {
	case <-m.doneCh():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("hal/cpu: event wait: %w", ctx.Err())
	}
}

func (e *event) Close() error {
	if e.closed.Swap(true) {
		return fmt.Errorf("hal/cpu: event closed twice: %w", hal.ErrInvalidHandle)
	}
	if e.shared != nil {
		e.shared.Close(nil)
	}
	return nil
}

func (d *device) ElapsedTime(start, end hal.Event) (float32, error) {
	s, ok1 := start.(*event)
	e, ok2 := end.(*event)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("hal/cpu: elapsed time: foreign event: %w", hal.ErrInvalidHandle)
	}
	if s.flags&hal.EventDisableTiming != 0 || e.flags&hal.EventDisableTiming != 0 {
		return 0, fmt.Errorf("hal/cpu: elapsed time: event created with timing disabled: %w", hal.ErrInvalidHandle)
	}
	ms, me := s.latest(), e.latest()
	if ms == nil || me == nil {
		return 0, fmt.Errorf("hal/cpu: elapsed time: event never recorded: %w", hal.ErrInvalidHandle)
	}
	if !ms.reached() || !me.reached() {
		return 0, fmt.Errorf("hal/cpu: elapsed time: event not reached yet: %w", hal.ErrNotReady)
	}
	return float32(float64(me.at-ms.at) / 1e6), nil
}
