//go:build cgo

package cpu

/*
#include "runtime.h"
*/
import "C"

import (
	"sync"
	"unsafe"
)

// task is work that any number of workers may help with; help returns when
// the worker finds nothing left to do.
type task interface {
	help(w *worker)
}

// worker is one participant in launches: a pool goroutine or a queue's own
// goroutine. It owns a dynamic shared memory buffer.
type worker struct {
	index     int
	shared    unsafe.Pointer
	sharedCap uint32
}

// sharedFor returns n bytes of this worker's shared memory, growing it.
func (w *worker) sharedFor(n uint32) unsafe.Pointer {
	if n == 0 {
		return nil
	}
	if n > w.sharedCap {
		if w.shared != nil {
			C.shal_cpu_free(w.shared)
		}
		w.shared = C.shal_cpu_alloc(C.uint64_t(n))
		w.sharedCap = n
		if w.shared == nil {
			w.sharedCap = 0
		}
	}
	return w.shared
}

func (w *worker) release() {
	if w.shared != nil {
		C.shal_cpu_free(w.shared)
		w.shared = nil
		w.sharedCap = 0
	}
}

// pool runs tasks on GOMAXPROCS-1 helper goroutines; the goroutine that
// offers a task always works on it too, so a launch never waits for a helper
// to become free.
type pool struct {
	size   int // participants in a launch: helpers + the offering goroutine
	high   chan task
	normal chan task
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

func newPool(size int) *pool {
	if size < 1 {
		size = 1
	}
	p := &pool{
		size:   size,
		high:   make(chan task, 4*size),
		normal: make(chan task, 4*size),
		quit:   make(chan struct{}),
	}
	for i := 1; i < size; i++ {
		p.wg.Add(1)
		go p.run(&worker{index: i})
	}
	return p
}

func (p *pool) run(w *worker) {
	defer p.wg.Done()
	defer w.release()
	for {
		// High-priority streams' work is taken first.
		select {
		case t := <-p.high:
			t.help(w)
			continue
		default:
		}
		select {
		case t := <-p.high:
			t.help(w)
		case t := <-p.normal:
			t.help(w)
		case <-p.quit:
			return
		}
	}
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

func (p *pool) close() {
	p.once.Do(func() {
		close(p.quit)
		p.wg.Wait()
	})
}
