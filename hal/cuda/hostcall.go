//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/hostfn"
)

// Per-queue host calls.
//
// CUDA runs the host functions of every stream (cuLaunchHostFunc) on one
// driver thread, one at a time. A host function that blocks, waiting for
// something another stream's host function would do, would therefore stop
// the host functions of all streams, where hal's contract (and the CPU
// driver) runs each queue's host calls independently. So HostCall does not
// use CUDA's thread at all. Each queue has a worker goroutine and a "done"
// word in page-locked, device-mapped host memory; HostCall(fn) enqueues
//
//  1. cuEventRecord of an event of the call, which the worker watches
//     (cuEventQuery: spinning for a few microseconds, then polling with a
//     growing pause, so that a host function behind long work costs no
//     core), then
//  2. cuStreamWaitValue32(done word, seq, CU_STREAM_WAIT_VALUE_GEQ), so that
//     the stream's later work waits until the worker has run fn.
//
// The worker runs the queue's functions in stream order, each once its
// event is reached, then stores its sequence number into the done word,
// which the GPU polls. Host calls of one queue run in order, those of
// different queues independently. No C thread calls into Go on this path
// (a cgo callback and a goroutine wake-up per call were most of the cost
// of the notification that an earlier version had CUDA's thread send).
// Because the wait is a stream operation, cuStreamQuery (Idle),
// cuStreamSynchronize, events recorded later and cuCtxSynchronize all wait
// for the worker as they waited for the host function before.
//
// The sequence numbers are 32 bits; CU_STREAM_WAIT_VALUE_GEQ compares
// cyclically ((int32)(*addr - value) >= 0), so they may wrap.
//
// Drivers without stream memory operations (neither cuStreamWaitValue32_v2,
// which every platform has since CUDA 11.7, nor the legacy
// cuStreamWaitValue32 with CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1),
// or a device that refuses the wait, keep the blocking cuLaunchHostFunc
// path, and the driver logs so.

// CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1 (CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS
// before CUDA 12): the legacy stream memory operations are enabled.
const attrCanUseStreamMemOpsV1 = 92

// Done words are slots of hostSlotBytes (one cache line each, so that
// workers of different queues do not write the same line) in pages of
// page-locked memory that a device allocates as queues need them.
const (
	hostSlotBytes = 64
	hostPageBytes = 4096
)

// hostSlot is one done word: its host and device addresses.
type hostSlot struct {
	host unsafe.Pointer
	dev  C.CUdeviceptr
}

// hostPage is one cuMemHostAlloc'd page of slots.
type hostPage struct {
	host unsafe.Pointer
	dev  C.CUdeviceptr
}

// hostState is a device's part of the host calls: whether the driver has
// stream memory operations, its pages of done words, and its live workers.
type hostState struct {
	memops  bool      // cuStreamWaitValue32 usable (decided at Open)
	logOnce sync.Once // the fallback is logged once per device

	mu      sync.Mutex
	pages   []hostPage
	free    []hostSlot
	workers map[*hostWorker]struct{}
	keep    bool // a done word may still be polled: Close must not free the pages
}

// detectMemops decides at Open whether HostCall can use a worker.
func (d *device) detectMemops() {
	switch {
	case present("cuStreamWaitValue32_v2"):
		d.hostCalls.memops = true
	case present("cuStreamWaitValue32"):
		var v C.int
		if r := C.shal_device_attr(&v, attrCanUseStreamMemOpsV1, d.dev); r == 0 && v != 0 {
			d.hostCalls.memops = true
		}
	}
	if !d.hostCalls.memops {
		d.hostFallback("the driver has no stream memory operations (cuStreamWaitValue32_v2, or cuStreamWaitValue32 enabled with NVreg_EnableStreamMemOPs=1)")
	}
}

// hostFallback logs, once per device, that host calls use CUDA's shared
// host-function thread.
func (d *device) hostFallback(why string) {
	d.hostCalls.logOnce.Do(func() {
		d.inst.cfg.Log(2, "hal/cuda: device %d: %s; HostCall falls back to cuLaunchHostFunc: the host functions of all queues run one at a time on CUDA's thread, so one that blocks delays every queue's", d.ordinal, why)
	})
}

// forceBlockingHostCalls makes new queues use the blocking cuLaunchHostFunc
// path (tests cover both).
var forceBlockingHostCalls atomic.Bool

// allocSlot returns a done word set to 0, allocating a page when none is
// free.
func (d *device) allocSlot() (hostSlot, error) {
	h := &d.hostCalls
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.free) == 0 {
		var p hostPage
		if err := check(C.shal_mem_host_alloc(d.ctx, &p.host, &p.dev, hostPageBytes), "cuMemHostAlloc(%d) for host-call words", hostPageBytes); err != nil {
			return hostSlot{}, err
		}
		h.pages = append(h.pages, p)
		for off := hostPageBytes - hostSlotBytes; off >= 0; off -= hostSlotBytes {
			h.free = append(h.free, hostSlot{host: unsafe.Add(p.host, off), dev: p.dev + C.CUdeviceptr(off)})
		}
	}
	s := h.free[len(h.free)-1]
	h.free = h.free[:len(h.free)-1]
	atomic.StoreUint32((*uint32)(s.host), 0)
	return s, nil
}

// freeSlot returns a done word that no stream polls any more.
func (d *device) freeSlot(s hostSlot) {
	d.hostCalls.mu.Lock()
	d.hostCalls.free = append(d.hostCalls.free, s)
	d.hostCalls.mu.Unlock()
}

// hostCall is one enqueued host function and the event recorded before
// it; last marks the event that Close records after everything else.
type hostCall struct {
	fn   func()
	seq  uint32
	ev   C.CUevent
	last bool
}

// hostWorker runs one queue's host functions.
type hostWorker struct {
	q    *queue
	slot hostSlot

	wake  chan struct{} // capacity 1: a call was listed
	stop  chan struct{} // closed to make the worker exit at once (device Close)
	done  chan struct{} // closed when the worker has exited

	stopOnce sync.Once

	// enq serialises enqueues so that sequence numbers follow stream order.
	enq     sync.Mutex
	seq     uint32 // the last sequence number enqueued
	closing bool   // Close enqueued the last notification

	mu     sync.Mutex
	calls  []hostCall  // enqueued and not yet run, in stream order
	events []C.CUevent // recorded calls' events, free for reuse

	// callStart is when the host function running now started (unix
	// nanoseconds; 0 between calls), for the device's Close to see one
	// that does not return (releaseHeld).
	callStart atomic.Int64
	// word serialises stores to the done word; once released, the word
	// holds the last sequence number enqueued and the worker no longer
	// stores the smaller one of the call it was in.
	word     sync.Mutex
	released bool
}

// startHostWorker gives q a worker, or leaves q on the blocking path when
// the device has no stream memory operations or refuses the wait.
func (q *queue) startHostWorker() error {
	d := q.d
	if !d.hostCalls.memops || forceBlockingHostCalls.Load() {
		return nil
	}
	slot, err := d.allocSlot()
	if err != nil {
		return err
	}
	// A wait that is already satisfied shows whether this stream accepts
	// waits on the word at all.
	if r := C.shal_stream_wait_value(d.uctx, q.us, slot.dev, 0); r != 0 {
		if r == cudaErrorNotSupported || r == cudaErrorInvalidValue {
			d.freeSlot(slot)
			d.hostFallback(fmt.Sprintf("cuStreamWaitValue32 on page-locked host memory failed with %s", resultName(r)))
			return nil
		}
		d.freeSlot(slot)
		return check(r, "cuStreamWaitValue32(%#x, 0)", uint64(slot.dev))
	}
	w := &hostWorker{
		q:    q,
		slot: slot,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	d.hostCalls.mu.Lock()
	if d.hostCalls.workers == nil {
		d.hostCalls.workers = map[*hostWorker]struct{}{}
	}
	d.hostCalls.workers[w] = struct{}{}
	d.hostCalls.mu.Unlock()
	q.host = w
	go w.run()
	return nil
}

// event returns a free event of the worker, creating one when none is
// (timing disabled: the cheapest to record and query). The caller holds
// w.enq.
func (w *hostWorker) event() (C.CUevent, error) {
	w.mu.Lock()
	if n := len(w.events); n > 0 {
		e := w.events[n-1]
		w.events = w.events[:n-1]
		w.mu.Unlock()
		return e, nil
	}
	w.mu.Unlock()
	var e C.CUevent
	if err := check(C.shal_event_create(w.q.d.ctx, &e, cuEventDisableTiming), "cuEventCreate for a host call"); err != nil {
		return nil, err
	}
	return e, nil
}

// putEvent returns an event whose call is done.
func (w *hostWorker) putEvent(e C.CUevent) {
	if e == nil {
		return
	}
	w.mu.Lock()
	w.events = append(w.events, e)
	w.mu.Unlock()
}

// destroyEvents releases the worker's events: the free ones and those of
// calls it will not run.
func (w *hostWorker) destroyEvents() {
	w.mu.Lock()
	evs := w.events
	w.events = nil
	for _, c := range w.calls {
		if c.ev != nil {
			evs = append(evs, c.ev)
		}
	}
	w.calls = nil
	w.mu.Unlock()
	for _, e := range evs {
		C.shal_event_destroy(w.q.d.ctx, e)
	}
}

// enqueue is HostCall with a worker.
func (w *hostWorker) enqueue(fn func()) error {
	w.enq.Lock()
	defer w.enq.Unlock()
	if w.closing {
		return fmt.Errorf("hal/cuda: queue is closed: %w", hal.ErrInvalidHandle)
	}
	select {
	case <-w.stop:
		return fmt.Errorf("hal/cuda: host call on a queue whose device is closed: %w", hal.ErrInvalidHandle)
	default:
	}
	seq := w.seq + 1
	ev, err := w.event()
	if err != nil {
		return err
	}
	q := w.q
	r := C.shal_host_call(q.d.uctx, q.us, C.uintptr_t(uintptr(unsafe.Pointer(ev))), w.slot.dev, C.uint32_t(seq))
	if r > 0 {
		// Nothing was enqueued.
		w.putEvent(ev)
		return check(C.CUresult(r), "cuEventRecord for a host call")
	}
	w.mu.Lock()
	w.calls = append(w.calls, hostCall{fn: fn, seq: seq, ev: ev})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	switch {
	case r == 0:
		w.seq = seq
		return nil
	default:
		// The host function is enqueued and will run; later work of the
		// stream just does not wait for it.
		w.seq = seq
		return check(C.CUresult(-r), "cuStreamWaitValue32(%#x, %d) after a host call (the host function still runs; later work does not wait for it)", uint64(w.slot.dev), seq)
	}
}

// Watching a call's event: spin (querying) for hostSpin, then poll with a
// pause that doubles up to hostPollMax, so that a call behind long work
// costs no core and is seen at most hostPollMax late.
const (
	hostSpin    = 50 * time.Microsecond
	hostPollMin = 5 * time.Microsecond
	hostPollMax = 500 * time.Microsecond
)

// reached waits until c's event is reached. It returns false when the
// worker is stopped meanwhile, and the error of a stream that failed
// before the call (CUDA runs no host function after a fault).
func (w *hostWorker) reached(c hostCall) (bool, error) {
	d := w.q.d
	ev := C.uintptr_t(uintptr(unsafe.Pointer(c.ev)))
	start := time.Now()
	pause := hostPollMin
	for i := 0; ; i++ {
		switch r := C.shal_event_query(d.uctx, ev); r {
		case cudaSuccess:
			return true, nil
		case cudaErrorNotReady:
		default:
			return true, check(r, "cuEventQuery before a host call")
		}
		if i%64 == 0 {
			select {
			case <-w.stop:
				return false, nil
			default:
			}
		}
		if time.Since(start) < hostSpin {
			runtime.Gosched()
			continue
		}
		select {
		case <-w.stop:
			return false, nil
		case <-time.After(pause):
		}
		pause = min(2*pause, hostPollMax)
	}
}

// run is the worker goroutine: it runs the queue's calls in stream order,
// each once its event is reached, and releases the stream's wait for it.
func (w *hostWorker) run() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			// Stopped (the device's Close): the calls left do not run.
			w.exit(false)
			return
		default:
		}
		w.mu.Lock()
		if len(w.calls) == 0 {
			w.mu.Unlock()
			select {
			case <-w.wake:
				continue
			case <-w.stop:
				w.exit(false)
				return
			}
		}
		c := w.calls[0]
		w.mu.Unlock()
		ok, err := w.reached(c)
		if !ok {
			w.exit(false)
			return
		}
		w.mu.Lock()
		w.calls[0] = hostCall{}
		w.calls = w.calls[1:]
		w.mu.Unlock()
		if c.last {
			// Everything before the last event, every wait included, has
			// completed: no stream polls the word now.
			w.putEvent(c.ev)
			w.exit(true)
			return
		}
		if err != nil {
			// The stream failed before the call: it does not run (as CUDA
			// runs no host function after a fault); its wait is released.
			w.q.hostErr.set(err)
			w.release(c.seq)
		} else {
			w.call(c)
		}
		w.putEvent(c.ev)
	}
}

// release stores seq into the done word (unless the word was released for
// good), letting the stream's wait for that call go.
func (w *hostWorker) release(seq uint32) {
	w.word.Lock()
	if !w.released {
		atomic.StoreUint32((*uint32)(w.slot.host), seq)
	}
	w.word.Unlock()
}

// call runs one host function and releases the stream's wait for it.
func (w *hostWorker) call(c hostCall) {
	hostSeq.Add(1)
	w.callStart.Store(time.Now().UnixNano())
	if err := hostfn.Call("hal/cuda", c.fn); err != nil {
		w.q.hostErr.set(err)
	}
	w.callStart.Store(0)
	hostSeq.Add(1)
	// The word is write-back cached page-locked memory that the GPU reads
	// coherently over the bus; the atomic store (a locked instruction on
	// amd64, a store-release on arm64) makes it, and everything fn wrote
	// before it, visible without a further fence.
	w.release(c.seq)
}

// releaseHeld is part of the device's Close: a worker that has been inside
// one host function for longer than grace is stopped (the calls after it
// are dropped) and its stream's waits on the word, that function's
// included, are released, so that the stream's other work drains and
// Close does not wait for a function that may itself be waiting for the
// caller. The function keeps running; the stream's later work no longer
// waits for it.
func (w *hostWorker) releaseHeld(grace time.Duration) bool {
	start := w.callStart.Load()
	if start == 0 || time.Since(time.Unix(0, start)) < grace {
		return false
	}
	w.forceStop()
	w.enq.Lock()
	defer w.enq.Unlock()
	w.word.Lock()
	defer w.word.Unlock()
	if w.released {
		return false
	}
	w.released = true
	atomic.StoreUint32((*uint32)(w.slot.host), w.seq)
	return true
}

// releaseHeldHostCalls applies releaseHeld to every worker of the device.
func (d *device) releaseHeldHostCalls(grace time.Duration) {
	h := &d.hostCalls
	h.mu.Lock()
	ws := make([]*hostWorker, 0, len(h.workers))
	for w := range h.workers {
		ws = append(ws, w)
	}
	h.mu.Unlock()
	for _, w := range ws {
		if w.releaseHeld(grace) {
			d.inst.cfg.Log(2, "hal/cuda: device %d closing: a host function has run for more than %v; its queue's later work no longer waits for it, and the host calls after it are dropped", d.ordinal, grace)
		}
	}
}

// exit unregisters the worker; drained says the stream has passed its last
// wait on the word, which can then serve another queue. A worker stopped
// early (the device's Close) drops the calls it has not run, but releases
// the stream's waits for them all, so that the stream still drains.
func (w *hostWorker) exit(drained bool) {
	w.destroyEvents()
	if !drained {
		// No enqueue can follow: they check w.stop under w.enq.
		w.enq.Lock()
		w.word.Lock()
		atomic.StoreUint32((*uint32)(w.slot.host), w.seq)
		w.word.Unlock()
		w.enq.Unlock()
	}
	d := w.q.d
	d.hostCalls.mu.Lock()
	delete(d.hostCalls.workers, w)
	if drained {
		d.hostCalls.free = append(d.hostCalls.free, w.slot)
	}
	d.hostCalls.mu.Unlock()
}

// forceStop makes the worker exit without running the calls left.
func (w *hostWorker) forceStop() {
	w.stopOnce.Do(func() { close(w.stop) })
}

// close records the last event: the worker runs the calls before it, then
// exits and returns its word. When the stream cannot take it, the worker
// is stopped at once.
func (w *hostWorker) close() error {
	w.enq.Lock()
	w.closing = true
	ev, err := w.event()
	var r C.CUresult
	if err == nil {
		q := w.q
		r = C.shal_event_record(q.d.uctx, C.uintptr_t(uintptr(unsafe.Pointer(ev))), q.us)
		if r == 0 {
			w.mu.Lock()
			w.calls = append(w.calls, hostCall{last: true, ev: ev})
			w.mu.Unlock()
			select {
			case w.wake <- struct{}{}:
			default:
			}
			w.enq.Unlock()
			return nil
		}
		w.putEvent(ev)
		err = check(r, "cuEventRecord (closing the queue's host-call worker)")
	}
	w.enq.Unlock()
	// The stream refuses work (it has failed). The worker stops without
	// returning its word, which a call in progress may still write.
	w.forceStop()
	return err
}

// stopHostWorkers is part of the device's Close. Workers of closed queues
// get a moment (hostCloseGrace in all) to finish their calls; then every
// worker left is stopped. The pages of done words are freed unless a stream
// may still poll one, or a worker is still inside a host function.
func (d *device) stopHostWorkers() {
	h := &d.hostCalls
	h.mu.Lock()
	ws := make([]*hostWorker, 0, len(h.workers))
	for w := range h.workers {
		ws = append(ws, w)
	}
	h.mu.Unlock()
	deadline := time.Now().Add(hostCloseGrace)
	keep := false
	for _, w := range ws {
		w.enq.Lock()
		closing := w.closing
		w.enq.Unlock()
		switch {
		case closing:
			if !w.waitDone(deadline) {
				d.inst.cfg.Log(2, "hal/cuda: device %d closed while a closed queue still had host calls to run; the calls not yet started are dropped", d.ordinal)
				keep = true
			}
		case C.shal_stream_query(d.uctx, w.q.us) == cudaErrorNotReady:
			// An open queue with work pending may still wait on its word.
			keep = true
		}
		w.forceStop()
		if !w.waitDone(deadline) {
			keep = true // inside a host function that has not returned
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if keep || h.keep {
		h.keep = true
		d.inst.cfg.Log(3, "hal/cuda: device %d: %d page(s) of host-call words kept: a stream or worker may still use them", d.ordinal, len(h.pages))
		return
	}
	for _, p := range h.pages {
		if err := check(C.shal_mem_free_host(d.ctx, p.host), "cuMemFreeHost(%p)", p.host); err != nil {
			d.inst.cfg.Log(3, "%v", err)
		}
	}
	h.pages, h.free = nil, nil
}

// hostCloseGrace bounds how long a device's Close waits for host-call
// workers (a variable for the tests).
var hostCloseGrace = time.Second

// waitDone waits until the worker has exited or the deadline passes.
func (w *hostWorker) waitDone(deadline time.Time) bool {
	select {
	case <-w.done:
		return true
	default:
	}
	wait := time.Until(deadline)
	if wait <= 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.done:
		return true
	case <-t.C:
		return false
	}
}
