//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"context"
	"fmt"
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
// run fn on CUDA's thread. Each queue has a worker goroutine and a slot of
// page-locked, device-mapped host memory: a "done" word and a signal
// (shal_host_sig, in its own cache line). HostCall(fn) records an event on
// the stream (cuEventRecord: an event of an earlier call that the stream
// has passed, or a new one) and lists the call with it; nothing else goes
// into the stream. The worker waits in C (shal_host_wait) for the event of
// its next call: it polls it (cuEventQuery, at most once a microsecond) for
// a while after each call and while a call is listed, and otherwise sleeps
// (a futex) after enqueuing, on a stream of its own, cuStreamWaitEvent of
// that event and cuLaunchHostFunc of a C trampoline that only wakes it:
// CUDA's thread never enters Go and never waits. The worker runs the
// queue's functions in stream order, then stores each one's sequence
// number into the done word. Host calls of one queue run in order, those
// of different queues independently. A worker with nothing listed for
// hostIdle waits in Go instead, giving its thread back, until the next
// HostCall.
//
// An earlier design put cuLaunchHostFunc of the trampoline into the stream
// itself. On an H100 its callback ran 11-12.5 µs after cuLaunchHostFunc
// returned (BenchmarkHostCallPhases), and the stream's synchronization
// waited for it: 16-17 µs a round trip, where cuLaunchHostFunc + sync of an
// empty C function took 8-12 µs; the same design in plain C
// (BenchmarkHostCallFloor no-stream-wait) was 1.04-1.2x of that, and a C
// thread polling an event recorded on the stream (event-worker) completed
// the round trip in 1.7-1.8 µs.
//
// Later work waits for the host calls before it, but the stream waits only
// when it has to (settle): the first operation enqueued after host calls
// whose functions have not all returned enqueues
// cuStreamWaitValue32(done word, seq, CU_STREAM_WAIT_VALUE_GEQ) before
// itself, so that it and everything after it wait on the GPU until the
// worker has stored seq. When the functions have returned by then (the
// word shows it), or when nothing follows before a synchronization, no
// wait is enqueued: the wait's release goes through the GPU polling host
// memory, which made a host call followed by a synchronization about three
// times cuLaunchHostFunc's on the H100. What a stream wait would have
// covered, the host covers instead: Synchronize and Idle of the queue, the
// device's Synchronize and Close, and the frees and unregistrations that
// CUDA synchronises implicitly also wait until the word reaches the last
// host call enqueued before them (waitReached: a short spin, then a
// channel the worker closes after its store). Events recorded after a host
// call are operations like any other: they settle first.
//
// A Synchronize of the queue whose wait nothing can cancel runs the calls
// it waits for itself when CUDA has passed them (the stream is drained)
// and the worker has not started them (runDue): calls still run one at a
// time and in order, whoever runs them.
//
// An earlier version had the trampoline call into Go and wake the worker
// goroutine: a cgo callback on CUDA's thread and a goroutine wake-up per
// call made the round trip about four times cuLaunchHostFunc's on the H100.
//
// The sequence numbers are 32 bits; CU_STREAM_WAIT_VALUE_GEQ compares
// cyclically ((int32)(*addr - value) >= 0), so they may wrap, and so does
// reached.
//
// Drivers without stream memory operations (neither cuStreamWaitValue32_v2,
// which every platform has since CUDA 11.7, nor the legacy
// cuStreamWaitValue32 with CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1),
// or a device that refuses the wait, keep the blocking cuLaunchHostFunc
// path, and the driver logs so.

// CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS_V1 (CU_DEVICE_ATTRIBUTE_CAN_USE_STREAM_MEM_OPS
// before CUDA 12): the legacy stream memory operations are enabled.
const attrCanUseStreamMemOpsV1 = 92

// Slots are hostSlotBytes of page-locked memory: the done word in the
// first cache line, the signal in the second (so that the GPU's polling of
// the word and the CPUs' updates of the signal, and the slots of different
// queues, never share a line), in pages that a device allocates as queues
// need them.
const (
	hostSlotBytes = 128
	hostSigOffset = 64
	hostPageBytes = 4096
)

// hostSlot is one slot: the done word's host and device addresses.
type hostSlot struct {
	host unsafe.Pointer
	dev  C.CUdeviceptr
}

// sig is the slot's signal.
func (s hostSlot) sig() *C.shal_host_sig {
	return (*C.shal_host_sig)(unsafe.Add(s.host, hostSigOffset))
}

// How a worker waits for its calls (shal_host_wait), variables for the
// tests: it spins hostSpin after each call and up to hostSpinPending while
// a listed call's event is not yet reached, then sleeps; with nothing
// listed for hostIdle it waits in Go.
var (
	hostSpin        = 50 * time.Microsecond
	hostSpinPending = 200 * time.Microsecond
	hostIdle        = time.Second
)

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
	*s.sig() = C.shal_host_sig{}
	return s, nil
}

// freeSlot returns a done word that no stream polls any more.
func (d *device) freeSlot(s hostSlot) {
	d.hostCalls.mu.Lock()
	d.hostCalls.free = append(d.hostCalls.free, s)
	d.hostCalls.mu.Unlock()
}

// hostCall is one enqueued host function; last marks the entry that Close
// enqueues after everything else.
type hostCall struct {
	fn   func()
	seq  uint32
	last bool
	ev   C.CUevent // recorded on the stream before the call was listed
}

// hostWorker runs one queue's host functions.
type hostWorker struct {
	q    *queue
	slot hostSlot
	sig  *C.shal_host_sig // the slot's signal
	// spin, pending, idle: hostSpin, hostSpinPending, hostIdle when the
	// worker started.
	spin, pending, idle C.longlong

	wake chan struct{} // capacity 1: a call was listed while the worker waited in Go
	// side is the worker's own stream (non-blocking; nil if it could not
	// be created), on which a worker about to sleep enqueues a wait for
	// its next call's event and the trampoline that wakes it.
	side C.CUstream
	stop chan struct{} // closed to make the worker exit at once (device Close)
	done chan struct{} // closed when the worker has exited

	stopOnce sync.Once
	// inDriver is 1 while the worker may call the driver with its events
	// or its stream (shal_host_wait, releaseStreams): the device's Close
	// waits for it to be 0 after stopping the worker, before the context
	// (and with it the events) goes (outOfDriver).
	inDriver atomic.Int32

	// enq serialises enqueues so that sequence numbers follow stream order.
	enq     sync.Mutex
	seq     uint32 // the last sequence number enqueued
	closing bool   // Close enqueued the last entry
	// last is seq, for readers that do not hold enq (Synchronize, Idle,
	// the device's waits); owed says that host calls were enqueued after
	// the stream's last wait on the word (set and cleared under enq).
	last atomic.Uint32
	owed atomic.Bool

	// Waiters for the word (waitReached) count themselves in waiters and
	// wait for reachedCh, which the worker closes (and clears) after a
	// store that they may be waiting for.
	waiters   atomic.Int32
	reachedMu sync.Mutex
	reachedCh chan struct{}

	mu     sync.Mutex
	calls  []hostCall // enqueued and not yet taken, in stream order
	parked bool       // the worker waits in Go for w.wake
	// taken is the sequence number of the last call taken to run
	// (cyclically, as the sequence numbers); busy says one is running, by
	// the worker or by a Synchronize (runDue); free is signalled when it
	// ends.
	taken uint32
	busy  bool
	free  sync.Cond
	// events holds the events of taken calls, reached, for later calls.
	events []C.CUevent

	// callStart is when the host function running now started (unix
	// nanoseconds; 0 between calls), for the device's Close to see one
	// that does not return (releaseHeld).
	callStart atomic.Int64
	// word serialises stores to the done word and the stop of the signal;
	// once released, the word holds the last sequence number enqueued and
	// the worker no longer stores the smaller one of the call it was in;
	// once freed, the slot may serve another queue and is not touched.
	word     sync.Mutex
	released bool
	freed    bool
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
		q:       q,
		slot:    slot,
		sig:     slot.sig(),
		spin:    C.longlong(hostSpin),
		pending: C.longlong(hostSpinPending),
		idle:    C.longlong(hostIdle),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		parked:  true, // it starts waiting in Go: no thread until the first call
	}
	w.free.L = &w.mu
	if C.shal_stream_create(d.ctx, &w.side, 0) != 0 {
		w.side = nil // the worker polls instead of sleeping until woken
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
	ev, err := w.record()
	if err != nil {
		return err
	}
	// Listed after the record: the worker reads the event as the call's.
	w.list(hostCall{fn: fn, seq: seq, ev: ev})
	hostTraceAt(traceListed)
	w.seq = seq
	w.last.Store(seq)
	w.owed.Store(true)
	return nil
}

// record takes an event (a reached one of an earlier call, or a new one)
// and records it on the stream: the next call's, which is due once the
// stream has reached it.
func (w *hostWorker) record() (C.CUevent, error) {
	q := w.q
	w.mu.Lock()
	var ev C.CUevent
	if n := len(w.events); n > 0 {
		ev = w.events[n-1]
		w.events = w.events[:n-1]
	}
	w.mu.Unlock()
	if ev == nil {
		// CU_EVENT_DISABLE_TIMING.
		if err := check(C.shal_event_create(q.d.ctx, &ev, 2), "cuEventCreate for a host call"); err != nil {
			return nil, err
		}
	}
	if r := C.shal_event_record(q.d.uctx, C.uintptr_t(uintptr(unsafe.Pointer(ev))), q.us); r != 0 {
		w.putEvent(ev)
		return nil, check(r, "cuEventRecord for a host call")
	}
	return ev, nil
}

// putEvent keeps a reached event for a later call.
func (w *hostWorker) putEvent(ev C.CUevent) {
	if ev == nil {
		return
	}
	w.mu.Lock()
	w.events = append(w.events, ev)
	w.mu.Unlock()
}

// hostWaits counts the stream waits that settle enqueued (for the tests).
var hostWaits atomic.Int64

// settle makes the operation about to be enqueued on q, and everything
// after it, wait for the host calls enqueued before it (hostcall.go): it
// enqueues the stream's wait on the done word unless their functions have
// all returned. The caller enqueues its operation next, as the only
// goroutine using q (hal.Queue's contract).
func (q *queue) settle() error {
	if w := q.host; w != nil && w.owed.Load() {
		return w.settle()
	}
	return nil
}

func (w *hostWorker) settle() error {
	w.enq.Lock()
	defer w.enq.Unlock()
	if !w.owed.Load() {
		return nil
	}
	if !w.reached(w.seq) {
		q := w.q
		if r := C.shal_stream_wait_value(q.d.uctx, q.us, w.slot.dev, C.uint32_t(w.seq)); r != 0 {
			return check(r, "cuStreamWaitValue32(%#x, %d): the wait for the host calls before this operation (it was not enqueued)", uint64(w.slot.dev), w.seq)
		}
		hostWaits.Add(1)
	}
	w.owed.Store(false)
	return nil
}

// reached reports whether the worker has run (or given up) every host call
// up to seq, cyclically.
func (w *hostWorker) reached(seq uint32) bool {
	return int32(atomic.LoadUint32((*uint32)(w.slot.host))-seq) >= 0
}

// store publishes seq in the done word (w.word held) and wakes the
// waiters of waitReached.
func (w *hostWorker) store(seq uint32) {
	atomic.StoreUint32((*uint32)(w.slot.host), seq)
	w.wakeWaiters()
}

func (w *hostWorker) wakeWaiters() {
	if w.waiters.Load() == 0 {
		return
	}
	w.reachedMu.Lock()
	if w.reachedCh != nil {
		close(w.reachedCh)
		w.reachedCh = nil
	}
	w.reachedMu.Unlock()
}

// waitReached waits until the worker has run the host calls up to target,
// or has exited (having run them, or given them up at the device's Close),
// or ctx ends. It spins for hostSpin first: a synchronization right after
// a short host call finds it done within microseconds.
func (w *hostWorker) waitReached(ctx context.Context, target uint32) error {
	if w.reached(target) {
		return nil
	}
	for start := time.Now(); time.Since(start) < hostSpin; {
		if w.reached(target) {
			return nil
		}
	}
	w.waiters.Add(1)
	defer w.waiters.Add(-1)
	for {
		w.reachedMu.Lock()
		if w.reachedCh == nil {
			w.reachedCh = make(chan struct{})
		}
		ch := w.reachedCh
		w.reachedMu.Unlock()
		// Checked after counting in waiters: a store that this check
		// misses sees the count and closes ch.
		if w.reached(target) {
			return nil
		}
		select {
		case <-ch:
		case <-w.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// hostTarget is a worker and the last host call enqueued on it when a
// device-wide wait began.
type hostTarget struct {
	w   *hostWorker
	seq uint32
}

// hostTargets lists the device's workers with host calls that may still
// run, with their last call.
func (d *device) hostTargets() []hostTarget {
	h := &d.hostCalls
	h.mu.Lock()
	defer h.mu.Unlock()
	var ts []hostTarget
	for w := range h.workers {
		if seq := w.last.Load(); !w.reached(seq) {
			ts = append(ts, hostTarget{w, seq})
		}
	}
	return ts
}

// waitHostCalls waits until the device's host calls enqueued before it
// have run: what a device-wide synchronization covers now that the
// streams wait for them only when work follows.
func (d *device) waitHostCalls(ctx context.Context, ts []hostTarget) error {
	for _, t := range ts {
		if err := t.w.waitReached(ctx, t.seq); err != nil {
			return err
		}
	}
	return nil
}

// list appends c to the calls the worker is to run and counts it in the
// signal (so that the worker looks at its calls again), waking the worker
// if it sleeps in C or waits in Go.
func (w *hostWorker) list(c hostCall) {
	w.mu.Lock()
	w.calls = append(w.calls, c)
	atomic.AddUint32((*uint32)(unsafe.Pointer(&w.sig.listed)), 1)
	atomic.AddUint32((*uint32)(unsafe.Pointer(&w.sig.gen)), 1)
	if atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.sig.sleeping))) != 0 {
		C.shal_host_wake(w.sig)
	}
	if w.parked {
		w.parked = false
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	w.mu.Unlock()
}

// park waits in Go until a call is listed; false means the worker was
// stopped.
func (w *hostWorker) park() bool {
	w.mu.Lock()
	if len(w.calls) > 0 {
		w.mu.Unlock()
		return true
	}
	w.parked = true
	w.mu.Unlock()
	select {
	case <-w.wake:
		return true
	case <-w.stop:
		return false
	}
}

// run is the worker goroutine: whenever the stream has reached its next
// call's event it runs that call (and any due before it), in stream order,
// then releases the stream's wait for it. Sequence numbers are 32 bits and
// wrap, as do the comparisons.
func (w *hostWorker) run() {
	defer close(w.done)
	if !w.park() {
		w.exit(false)
		return
	}
	for {
		w.mu.Lock()
		var next C.CUevent
		var seq uint32
		if len(w.calls) > 0 {
			next, seq = w.calls[0].ev, w.calls[0].seq
		}
		listed := atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.sig.listed)))
		w.mu.Unlock()
		if !w.enterDriver() {
			w.exit(false)
			return
		}
		r := C.shal_host_wait(w.sig, w.q.d.uctx, C.uintptr_t(uintptr(unsafe.Pointer(next))), C.uint32_t(listed),
			C.uintptr_t(uintptr(unsafe.Pointer(w.side))), w.spin, w.pending, w.idle)
		w.inDriver.Store(0)
		switch r {
		case 1:
			w.exit(false)
			return
		case 2:
			if !w.park() {
				w.exit(false)
				return
			}
			continue
		case 3:
			continue // a call was listed: look again
		}
		if d := hostWorkerDelay.Load(); d > 0 {
			time.Sleep(time.Duration(d)) // the tests' late worker
		}
		hostTraceAt(traceWorkerRun)
		switch w.runDue(seq, true) {
		case dueLast:
			// Everything before the last entry, every wait included, has
			// completed: no stream polls the word now.
			if !w.enterDriver() {
				w.exit(false)
				return
			}
			w.exit(true)
			return
		case dueStop:
			w.exit(false)
			return
		}
	}
}

// hostTrace, set by BenchmarkHostCallPhases alone, receives the monotonic
// time at points of a host call's round trip (hostTraceAt): what
// Synchronize and the worker record beside the trampoline's times.
var hostTrace atomic.Pointer[[hostTracePoints]int64]

// The points hostTrace records.
const (
	traceListed    = iota // the call's event recorded and the call listed (enqueue)
	traceSynced           // cuStreamSynchronize returned (Synchronize)
	traceWorkerRun        // the worker's runDue began after a wake
	hostTracePoints
)

func hostTraceAt(point int) {
	if t := hostTrace.Load(); t != nil {
		t[point] = int64(C.shal_mono_ns())
	}
}

// monoNs is CLOCK_MONOTONIC in nanoseconds, the clock of hostTrace and
// of the trampoline's times.
func monoNs() int64 { return int64(C.shal_mono_ns()) }

// What runDue found.
const (
	dueDone = iota // nothing more is due, or another goroutine runs it
	dueLast        // the worker took Close's last entry
	dueStop        // the worker was stopped, or the calls are out of step
)

// runDue runs, in stream order and one at a time, the listed calls that
// are due (those numbered up to due). The worker runs them as they
// come; a Synchronize of the queue (byWorker false) runs those that are
// due and not yet taken itself, when CUDA has already passed them (the
// stream is drained) but the worker has not started them: on an H200 the
// worker started the function 25 µs into a 26 µs round trip whose C twin
// took 11–17 µs, which is the time a Synchronize otherwise waits for it.
// The worker waits while another goroutine runs a call; a Synchronize
// leaves the calls to the worker when it is running one, and never takes
// Close's last entry.
func (w *hostWorker) runDue(due uint32, byWorker bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		for byWorker && w.busy && !w.stopped() {
			w.free.Wait()
		}
		// Cyclically at or past due: a Synchronize may have taken calls
		// newer than the one the worker found due.
		if w.busy || int32(due-w.taken) <= 0 || w.stopped() {
			if w.stopped() && byWorker {
				return dueStop
			}
			return dueDone
		}
		if len(w.calls) == 0 {
			// Cannot happen: a call is due only once listed.
			w.q.hostErr.set(fmt.Errorf("hal/cuda: host-call worker found call %d due with no call listed: %w", due, hal.ErrLaunchFailed))
			if byWorker {
				return dueStop
			}
			return dueDone
		}
		c := w.calls[0]
		if c.last && !byWorker {
			return dueDone
		}
		w.calls[0] = hostCall{}
		w.calls = w.calls[1:]
		w.taken++
		// The stream has reached the call's event (it is due): a later
		// call may record it again.
		w.events = append(w.events, c.ev)
		if c.last {
			return dueLast
		}
		w.busy = true
		w.mu.Unlock()
		if !byWorker {
			hostCallerRan.Add(1)
		}
		w.call(c)
		w.mu.Lock()
		w.busy = false
		w.free.Broadcast()
	}
}

// stopped reports whether the worker has been stopped (forceStop).
func (w *hostWorker) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// runDueHere is the part of a Synchronize that runs, on the caller's
// goroutine, the host calls that the stream has passed and the worker has
// not started (runDue).
func (w *hostWorker) runDueHere(target uint32) {
	if hostCallerOff.Load() {
		return
	}
	w.runDue(target, false)
}

// hostCallerOff stops a Synchronize from running due host calls itself
// (the tests cover both ways); hostCallerRan counts
// the calls a Synchronize ran; hostWorkerDelay makes the worker late
// each time it finds a call due (tests).
var (
	hostCallerOff   atomic.Bool // hostCallerRuns false
	hostCallerRan   atomic.Int64
	hostWorkerDelay atomic.Int64 // a time.Duration
)

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
	w.word.Lock()
	if !w.released {
		w.store(c.seq)
	}
	w.word.Unlock()
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
	w.store(w.seq)
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
	if !drained {
		// No enqueue can follow: they check w.stop under w.enq.
		w.forceStop()
		w.enq.Lock()
		w.word.Lock()
		w.store(w.seq)
		// A Synchronize may still be inside a call (runDue): its store
		// of that call's smaller number must not take the word back.
		w.released = true
		w.word.Unlock()
		w.enq.Unlock()
	} else {
		w.releaseStreams()
		w.inDriver.Store(0)
		w.word.Lock()
		w.freed = true
		w.word.Unlock()
	}
	d := w.q.d
	d.hostCalls.mu.Lock()
	delete(d.hostCalls.workers, w)
	if drained {
		d.hostCalls.free = append(d.hostCalls.free, w.slot)
	} else if atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.sig.wakes))) != atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.sig.notified))) {
		// A trampoline on the side stream may still touch the signal
		// (its stream and events go with the context).
		d.hostCalls.keep = true
	}
	d.hostCalls.mu.Unlock()
}

// releaseStreams is part of a drained exit: the side stream runs its last
// trampolines (each waits for an event the stream has passed, so this
// does not wait long), and it and the events are destroyed; the signal is
// then untouched and the slot may serve another queue.
func (w *hostWorker) releaseStreams() {
	d := w.q.d
	if w.side != nil {
		if err := check(C.shal_stream_synchronize(d.uctx, C.uintptr_t(uintptr(unsafe.Pointer(w.side)))), "cuStreamSynchronize of a host-call worker's stream"); err != nil {
			d.inst.cfg.Log(3, "hal/cuda: %v", err)
		}
		C.shal_stream_destroy(d.ctx, w.side)
		w.side = nil
	}
	w.mu.Lock()
	evs := w.events
	w.events = nil
	w.mu.Unlock()
	for _, ev := range evs {
		C.shal_event_destroy(d.ctx, ev)
	}
}

// enterDriver marks the worker as about to call the driver; false (and
// unmarked) when it has been stopped.
func (w *hostWorker) enterDriver() bool {
	w.inDriver.Store(1)
	if w.stopped() {
		w.inDriver.Store(0)
		return false
	}
	return true
}

// outOfDriver waits, after forceStop, until the worker no longer calls the
// driver (a stopped wait returns at once; a drained exit's stream
// synchronization waits only for events the stream has passed), up to
// limit; it reports whether it did.
func (w *hostWorker) outOfDriver(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for w.inDriver.Load() != 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Microsecond)
	}
	return true
}

// forceStop makes the worker exit without running the calls left.
func (w *hostWorker) forceStop() {
	w.stopOnce.Do(func() {
		close(w.stop)
		// A worker waiting for a Synchronize's call to end stops now.
		w.mu.Lock()
		w.free.Broadcast()
		w.mu.Unlock()
		w.word.Lock()
		if !w.freed {
			C.shal_host_stop(w.sig)
		}
		w.word.Unlock()
	})
}

// close enqueues the last entry: the worker runs the calls before
// it, then exits and returns its word. When the stream cannot take it, the
// worker is stopped at once.
func (w *hostWorker) close() error {
	w.enq.Lock()
	w.closing = true
	ev, err := w.record()
	if err == nil {
		// Numbered after the last call, as the worker takes it.
		w.list(hostCall{last: true, ev: ev, seq: w.seq + 1})
		w.enq.Unlock()
		return nil
	}
	w.enq.Unlock()
	// The stream refuses work (it has failed). The worker stops without
	// returning its word, which a call in progress may still write.
	w.forceStop()
	return fmt.Errorf("closing the queue's host-call worker: %w", err)
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
		// Whatever the deadline: the context, and with it the worker's
		// events and stream, goes next.
		if !w.outOfDriver(5 * time.Second) {
			d.inst.cfg.Log(2, "hal/cuda: device %d closing: a host-call worker did not leave the driver within 5s", d.ordinal)
			keep = true
		} else if side := w.side; side != nil && C.shal_stream_query(d.uctx, C.uintptr_t(uintptr(unsafe.Pointer(side)))) == cudaErrorNotReady {
			keep = true // a waking trampoline may still write the signal
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

// setTrace switches the trampoline's and the wait's time stamps (t_cb,
// t_wake) on or off (BenchmarkHostCallPhases).
func (w *hostWorker) setTrace(on bool) {
	v := uint32(0)
	if on {
		v = 1
	}
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&w.sig.trace)), v)
}

// traceTimes returns the last waking trampoline's and the last wake's
// monotonic times.
func (w *hostWorker) traceTimes() (cb, wake int64) {
	return atomic.LoadInt64((*int64)(unsafe.Pointer(&w.sig.t_cb))), atomic.LoadInt64((*int64)(unsafe.Pointer(&w.sig.t_wake)))
}
