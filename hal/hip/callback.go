//go:build cgo

package hip

/*
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"github.com/streamhal/streamhal/hal"
	"runtime/cgo"
	"sync/atomic"
)

// hostFunc is a Go function the runtime calls back on one of its threads:
// a Queue.HostCall (once) or a graph host node (every replay, until the
// graph is closed).
type hostFunc struct {
	fn   func()
	once bool
	// sink returns the queue that reports a panic of fn from its next
	// Synchronize; nil drops it.
	sink func() *queue
}

// run calls fn, turning a panic into an error on the sink's queue: a Go
// panic must not unwind through the runtime's C frames.
func (h *hostFunc) run() {
	defer func() {
		if r := recover(); r != nil {
			if q := h.sink(); q != nil {
				q.setHostErr(fmt.Errorf("hal/hip: host function panicked: %v: %w", r, hal.ErrLaunchFailed))
			}
		}
	}()
	h.fn()
}

//export shalHipHostCallback
func shalHipHostCallback(handle C.uintptr_t) {
	h := cgo.Handle(handle)
	hf := lookupHostFunc(h)
	if hf == nil {
		return
	}
	if hf.once {
		h.Delete()
	}
	hf.run()
}

// lookupHostFunc returns the function behind h, or nil for a handle that
// is no longer valid (Value panics then; nothing may unwind into C).
func lookupHostFunc(h cgo.Handle) (hf *hostFunc) {
	defer func() {
		if recover() != nil {
			hf = nil
		}
	}()
	hf, _ = h.Value().(*hostFunc)
	return hf
}

// queueSink is an atomically replaced queue pointer: the queue a graph
// executable was last launched on.
type queueSink struct{ p atomic.Pointer[queue] }

func (s *queueSink) Store(q *queue) { s.p.Store(q) }
func (s *queueSink) Load() *queue   { return s.p.Load() }
