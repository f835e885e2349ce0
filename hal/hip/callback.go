//go:build cgo

package hip

/*
#include <stdint.h>
*/
import "C"

import (
	"github.com/streamhal/streamhal/hal/internal/hostfn"
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
	if err := hostfn.Call("hal/hip", h.fn); err != nil {
		if q := h.sink(); q != nil {
			q.setHostErr(err)
		}
	}
}

//export shalHipHostCallback
func shalHipHostCallback(handle C.uintptr_t) {
	h := cgo.Handle(handle)
	hf := hostfn.Lookup[*hostFunc](h)
	if hf == nil {
		return
	}
	if hf.once {
		h.Delete()
	}
	hf.run()
}

// queueSink is an atomically replaced queue pointer: the queue a graph
// executable was last launched on.
type queueSink struct{ p atomic.Pointer[queue] }

func (s *queueSink) Store(q *queue) { s.p.Store(q) }
func (s *queueSink) Load() *queue   { return s.p.Load() }
