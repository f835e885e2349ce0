package streaming

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// stickyFault is the error that made a context unusable.
type stickyFault struct{ err error }

// noteFault makes the context unusable when err is a sticky execution
// error (hal.Sticky: a kernel fault, an illegal address, a lost device).
// Drivers call it (through hal.FaultNotifier) the moment the fault happens;
// synchronizations call it with what they report.
func (c *Context) noteFault(err error) {
	if hal.Sticky(err) {
		c.sticky.CompareAndSwap(nil, &stickyFault{err: err})
	}
}

// stickyErr returns the error every call on an unusable context fails
// with, nil while the context is usable.
func (c *Context) stickyErr(op string) error {
	f := c.sticky.Load()
	if f == nil {
		return nil
	}
	return fmt.Errorf("streaming: %s: the context of device %d is unusable after a kernel fault (destroy it, or reset the primary context): %w", op, c.dev.ordinal, f.err)
}

// watchFaults asks the driver to report the faults of q's work at once.
func (c *Context) watchFaults(q hal.Queue) {
	halWatchFaults(q, c.noteFault)
}

// drainUntil waits for the work of every stream of the context until
// deadline (keeping their execution errors for the next Synchronize, as
// drain does) and returns the streams whose work was still running then,
// with what the driver said about it.
func (c *Context) drainUntil(deadline time.Time) map[*Stream]error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var stuck map[*Stream]error
	for _, s := range c.allStreams() {
		if err := s.drainCtx(ctx); err != nil {
			if stuck == nil {
				stuck = map[*Stream]error{}
			}
			stuck[s] = err
		}
	}
	return stuck
}

// drainCtx is drain with a deadline: it returns the wait's error when ctx
// ends before the stream's work does.
func (s *Stream) drainCtx(ctx context.Context) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.orderLegacy() != nil {
		return nil // destroyed: its Close waited for its work
	}
	err := s.q.Synchronize(ctx)
	if err != nil && ctx.Err() != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, hal.ErrTimeout)) {
		return err
	}
	if err != nil {
		s.ctx.noteFault(err)
		s.mu.Lock()
		if s.pendingErr == nil {
			s.pendingErr = err
		}
		s.mu.Unlock()
	}
	return nil
}

// stuckError says what a teardown gave up on and what it keeps for it.
func (c *Context) stuckError(stuck map[*Stream]error, modules []*Module, allocs []*allocation) error {
	var what []string
	for s, err := range stuck {
		w := fmt.Sprintf("%v: %v", s, err)
		if f := s.lastKernel.Load(); f != nil {
			w += fmt.Sprintf(" (last kernel launched on it: %s)", f.Name())
		}
		what = append(what, w)
	}
	sort.Strings(what)
	var n, bytes uint64
	for _, a := range allocs {
		if a.kind != MemoryRegistered {
			n++
			bytes += a.size
		}
	}
	return fmt.Errorf("streaming: destroy the context of device %d (%s): work still running after %v, given up: %s; kept allocated for it, not freed: %d allocation(s) (%s) and %d module(s); the driver's threads running it stay busy: %w",
		c.dev.ordinal, c.dev.info.Name, c.rt.closeTimeout, strings.Join(what, "; "), n, hal.FormatBytes(bytes), len(modules), ErrTimeout)
}

// abandon marks a stream whose work never finished destroyed without
// closing its driver queue, which the driver's own Close deals with.
func (s *Stream) abandon() {
	s.mu.Lock()
	if c := s.cap.Load(); c != nil {
		c.invalidate(fmt.Sprintf("%v was destroyed while being captured", s))
	}
	s.closed = true
	s.gone.Store(true)
	s.mu.Unlock()
}

// forget drops a claimed allocation (out of the pointer table already)
// from the context's books without freeing it: teardown keeps the memory
// of work that never finished.
func (c *Context) forget(a *allocation) {
	c.allocMu.Lock()
	delete(c.allocs, a)
	c.allocMu.Unlock()
	if a.kind == MemoryManaged {
		c.rt.advice.forget(a)
	}
	if a.pinner != nil {
		// Registered Go memory stays pinned, the kernel may still use it;
		// the Pinner must stay reachable (an unreachable Pinner that still
		// pins is a fatal error).
		c.rt.keep(a.pinner)
	}
}

// keptAlive holds what a given-up teardown must keep reachable.
type keptAlive struct {
	mu sync.Mutex
	v  []any
}

func (rt *Runtime) keep(v any) {
	rt.kept.mu.Lock()
	rt.kept.v = append(rt.kept.v, v)
	rt.kept.mu.Unlock()
}
