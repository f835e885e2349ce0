//go:build cgo

package cpu

/*
#include "runtime.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// task is work that any number of workers may help with; help returns when
// the worker finds nothing left to do.
type task interface {
	help(w *worker)
}

// worker is one participant in launches: a pool goroutine or a queue's own
// goroutine. It owns a dynamic shared memory buffer and a fault record.
type worker struct {
	index int
	// The dynamic shared memory: sharedCap bytes at shared, flush against a
	// guard page (a kernel that runs past it faults instead of corrupting
	// the heap); sharedMap/sharedLen is the whole mapping.
	shared    unsafe.Pointer
	sharedCap uint32
	sharedMap unsafe.Pointer
	sharedLen uint64
	fault     *C.shal_fault
	state     atomic.Int32 // pool helpers: helperIdle, helperBusy, helperAbandoned
}

func newWorker(index int) *worker {
	return &worker{index: index, fault: newFaultRecord()}
}

// sharedAlign is the alignment streamhal_cpu.h promises for dynamic shared
// memory.
const sharedAlign = 64

// sharedFor returns n bytes of this worker's shared memory, n rounded up to
// sharedAlign: the buffer ends where the guard page begins. n == 0 returns
// an address in the guard page itself, so that a kernel using shared
// memory it was not given faults at once.
func (w *worker) sharedFor(n uint32) unsafe.Pointer {
	n = (n + sharedAlign - 1) &^ (sharedAlign - 1)
	if w.shared != nil && n == w.sharedCap {
		return w.shared
	}
	if w.shared != nil && n < w.sharedCap {
		// A smaller launch gets the end of the buffer, still flush
		// against the guard.
		return unsafe.Add(w.shared, w.sharedCap-n)
	}
	w.release()
	var m unsafe.Pointer
	var ml C.uint64_t
	p := C.shal_cpu_map_guarded(C.uint64_t(n), sharedAlign, 0, &m, &ml)
	if p == nil {
		return nil
	}
	w.shared, w.sharedCap, w.sharedMap, w.sharedLen = p, n, m, uint64(ml)
	return p
}

func (w *worker) release() {
	if w.sharedMap != nil {
		C.shal_cpu_unmap(w.sharedMap, C.uint64_t(w.sharedLen))
	}
	w.shared, w.sharedCap, w.sharedMap, w.sharedLen = nil, 0, nil, 0
}

// destroy frees everything the worker holds.
func (w *worker) destroy() {
	w.release()
	if w.fault != nil {
		freeFaultRecord(w.fault)
		w.fault = nil
	}
}

// Helper states (worker.state).
const (
	helperIdle      = 0
	helperBusy      = 1
	helperAbandoned = 2 // given up as stuck in a kernel and replaced
)

// pool runs tasks on GOMAXPROCS-1 helper goroutines; the goroutine that
// offers a task always works on it too, so a launch never waits for a helper
// to become free. Helpers given up as stuck in a kernel that never ends are
// replaced (replaceBusy), so the pool keeps its size.
type pool struct {
	size   int // participants in a launch: helpers + the offering goroutine
	high   chan task
	normal chan task
	quit   chan struct{}
	wg     sync.WaitGroup // helpers not abandoned
	once   sync.Once

	mu      sync.Mutex
	helpers map[*worker]bool
	nextIdx int
}

func newPool(size int) *pool {
	if size < 1 {
		size = 1
	}
	p := &pool{
		size:    size,
		high:    make(chan task, 4*size),
		normal:  make(chan task, 4*size),
		quit:    make(chan struct{}),
		helpers: map[*worker]bool{},
		nextIdx: 1,
	}
	p.mu.Lock()
	for i := 1; i < size; i++ {
		p.startLocked()
	}
	p.mu.Unlock()
	return p
}

func (p *pool) startLocked() {
	w := newWorker(p.nextIdx)
	p.nextIdx++
	p.helpers[w] = true
	p.wg.Add(1)
	go p.run(w)
}

func (p *pool) run(w *worker) {
	for {
		var t task
		// High-priority streams' work is taken first.
		select {
		case t = <-p.high:
		default:
			select {
			case t = <-p.high:
			case t = <-p.normal:
			case <-p.quit:
				w.destroy()
				p.wg.Done()
				return
			}
		}
		w.state.Store(helperBusy)
		t.help(w)
		if !w.state.CompareAndSwap(helperBusy, helperIdle) {
			// Abandoned while it ran a kernel that did end after all: a
			// replacement has taken this helper's place.
			w.destroy()
			return
		}
	}
}

// replaceBusy gives up every helper that is running a task now, as stuck,
// and starts a new helper for each, so that a kernel that never ends costs
// the pool no capacity. It is called when a queue's work is declared stuck;
// a helper that was merely busy with other work finishes it and exits.
func (p *pool) replaceBusy() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for w := range p.helpers {
		if w.state.CompareAndSwap(helperBusy, helperAbandoned) {
			delete(p.helpers, w)
			p.wg.Done()
			p.startLocked()
			n++
		}
	}
	return n
}

// offer asks up to n helpers to join t, without blocking.
func (p *pool) offer(t task, n int, high bool) {
	ch := p.normal
	if high {
		ch = p.high
	}
	for i := 0; i < n; i++ {
		select {
		case ch <- t:
		default:
			return
		}
	}
}

// close stops the helpers, waiting for those not given up as stuck.
func (p *pool) close() {
	p.once.Do(func() {
		close(p.quit)
		p.wg.Wait()
	})
}
