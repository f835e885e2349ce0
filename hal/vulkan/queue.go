//go:build cgo

package vulkan

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/hostfn"
)

// maxBatchOps is how many operations a command buffer collects before it is
// submitted even though the queue is still busy.
const maxBatchOps = 64

// queue is a hal.Queue: an in-order stream of work on a shared VkQueue.
//
// Operations are recorded into a command buffer (the batch) with a memory
// barrier between consecutive operations. A batch is submitted when the GPU
// is idle (so a lone launch starts at once), when it reaches maxBatchOps, or
// when an operation needs it submitted (Synchronize, Record, Wait, HostCall,
// Execute). Every submission waits for the queue's timeline semaphore to
// reach the value of the previous submission and signals the next value, so
// submissions run in order even when several hal queues share a VkQueue.
type queue struct {
	dev      *device
	vq       *vkQueue
	tl       *timeline
	internal bool

	mu        sync.Mutex
	closed    bool
	pool      C.VkCommandPool
	free      []C.VkCommandBuffer
	inflight  []inflightCB
	cur       C.VkCommandBuffer // open batch, nil when none
	bind      *bindState        // what the open batch has bound (kernel.record); its own allocation, holding no Go pointers, as C reads its bytes
	curOps    int
	curWrites bool // the open batch has a command that writes memory
	// unsynced: the last submission wrote memory, so the next one waits
	// on its timeline value even when the host saw it reached (the wait
	// is what makes those writes visible to the next batch).
	unsynced  bool
	skipped   int    // submissions that left the previous-value wait out (tests)
	afterHost bool   // the next batch must make host writes visible first
	tail      uint64 // timeline value that all enqueued work will have signalled
	waits     []timelineValue

	errMu sync.Mutex
	err   error // first error since the last Synchronize

	// Host calls run in order on one goroutine per queue, started on the
	// first HostCall. The list is unbounded so that HostCall never blocks.
	hostMu      sync.Mutex
	hostItems   []hostItem
	hostStarted bool
	hostClosed  bool
	hostWake    chan struct{}
	hostWG      sync.WaitGroup
}

var _ hal.Queue = (*queue)(nil)

type inflightCB struct {
	cb    C.VkCommandBuffer
	value uint64
	waits []timelineValue // references released when the submission completes
}

type hostItem struct {
	waits  []timelineValue
	signal uint64
	fn     func()
}

// NewQueue creates a queue. Priorities are accepted and ignored (Vulkan
// fixes queue priorities at device creation).
func (d *device) NewQueue(opts hal.QueueOptions) (hal.Queue, error) {
	return d.newQueue(false)
}

func (d *device) newQueue(internal bool) (*queue, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, errClosedDevice
	}
	d.mu.Unlock()
	q := &queue{dev: d, vq: d.pickVkQueue(), internal: internal, bind: new(bindState)}
	tl, err := d.newTimeline()
	if err != nil {
		return nil, err
	}
	q.tl = tl
	if err := check(C.shal_create_command_pool(d.c, C.uint32_t(d.family), &q.pool), "create command pool"); err != nil {
		tl.release()
		return nil, err
	}
	d.mu.Lock()
	d.queues[q] = struct{}{}
	d.mu.Unlock()
	return q, nil
}

var errClosedQueue = fmt.Errorf("hal/vulkan: queue is closed: %w", hal.ErrInvalidHandle)

// pendingValue is the timeline value covering everything enqueued so far,
// including the open batch (which is always the next submission).
func (q *queue) pendingValue() (timelineValue, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return timelineValue{}, false
	}
	v := q.tail
	if q.cur != nil || len(q.waits) > 0 {
		v++
	}
	return timelineValue{q.tl.acquire(), v}, true
}

// reclaimLocked recycles the command buffers of finished submissions.
func (q *queue) reclaimLocked() {
	if len(q.inflight) == 0 {
		return
	}
	q.reclaimToLocked(q.tl.value())
}

// reclaimToLocked recycles the command buffers of the submissions whose
// timeline values are at most done, a value the timeline has reached.
func (q *queue) reclaimToLocked(done uint64) {
	i := 0
	for ; i < len(q.inflight); i++ {
		f := q.inflight[i]
		if f.value > done {
			break
		}
		for _, w := range f.waits {
			w.tl.release()
		}
		if f.cb != nil {
			q.free = append(q.free, f.cb)
		}
	}
	q.inflight = append(q.inflight[:0], q.inflight[i:]...)
}

// reclaimAfter is how many submissions may be in flight before a new
// batch reclaims finished ones although a free command buffer is at hand
// (reclaiming asks the timeline's value, a driver call; Synchronize
// reclaims everything it waited for).
const reclaimAfter = 8

// batchLocked returns the open command buffer, beginning one when needed,
// and whether the next operation needs a barrier before it; writes says
// whether that operation writes memory (curWrites).
func (q *queue) batchLocked(writes bool) (C.VkCommandBuffer, bool, error) {
	if q.cur != nil {
		q.curWrites = q.curWrites || writes
		return q.cur, q.curOps > 0, nil
	}
	if len(q.free) == 0 || len(q.inflight) > reclaimAfter {
		q.reclaimLocked()
	}
	var cb C.VkCommandBuffer
	if n := len(q.free); n > 0 {
		cb = q.free[n-1]
		q.free = q.free[:n-1]
	} else if err := check(C.shal_alloc_command_buffer(q.dev.c, q.pool, &cb), "allocate command buffer"); err != nil {
		return nil, false, err
	}
	if err := check(C.shal_begin(q.dev.c, cb, C.VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT), "begin command buffer"); err != nil {
		q.free = append(q.free, cb)
		return nil, false, err
	}
	q.cur = cb
	q.curOps = 0
	q.curWrites = writes
	q.bind.forget()
	if q.afterHost {
		// Host callbacks ran after earlier submissions; make their writes
		// visible to this batch.
		C.shal_barrier(q.dev.c, cb, C.VK_PIPELINE_STAGE_HOST_BIT, C.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT|C.VK_PIPELINE_STAGE_TRANSFER_BIT,
			C.VK_ACCESS_HOST_WRITE_BIT, C.VK_ACCESS_SHADER_READ_BIT|C.VK_ACCESS_SHADER_WRITE_BIT|C.VK_ACCESS_TRANSFER_READ_BIT|C.VK_ACCESS_TRANSFER_WRITE_BIT)
		q.afterHost = false
	}
	return cb, false, nil
}

// opDoneLocked counts an operation and submits the batch when the GPU is
// idle or the batch is full.
func (q *queue) opDoneLocked() error {
	q.curOps++
	if q.curOps >= maxBatchOps || q.tl.reached(q.tail) {
		return q.flushLocked()
	}
	return nil
}

// flushLocked submits the open batch, or, with no batch, the pending waits
// as an empty submission (so later Records and host calls observe them).
func (q *queue) flushLocked() error {
	if q.cur == nil && len(q.waits) == 0 {
		return nil
	}
	cb := q.cur
	writes := cb != nil && (q.curWrites || abOldSync)
	if cb != nil {
		// Make the batch's writes visible to the host (for Synchronize
		// followed by host reads of mapped memory). A batch that writes
		// nothing (an event's timestamp) needs no barrier.
		if writes && !abNoBarrier {
			C.shal_barrier(q.dev.c, cb, C.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT|C.VK_PIPELINE_STAGE_TRANSFER_BIT, C.VK_PIPELINE_STAGE_HOST_BIT,
				C.VK_ACCESS_SHADER_WRITE_BIT|C.VK_ACCESS_TRANSFER_WRITE_BIT, C.VK_ACCESS_HOST_READ_BIT|C.VK_ACCESS_HOST_WRITE_BIT)
		}
		q.cur = nil
		if err := check(C.shal_end(q.dev.c, cb), "end command buffer"); err != nil {
			q.free = append(q.free, cb)
			q.setErrLocked(err)
			return err
		}
	}
	waits := q.waits
	q.waits = nil
	err := q.submitLocked(cb, waits, writes)
	if err != nil {
		// Not submitted: nothing references the buffer or the waits.
		if cb != nil {
			q.free = append(q.free, cb)
		}
		for _, w := range waits {
			w.tl.release()
		}
		return err
	}
	q.inflight = append(q.inflight, inflightCB{cb: cb, value: q.tail, waits: waits})
	return nil
}

// submitLocked submits cb (may be nil) after the queue's previous work and
// the extra waits, signalling tail+1; writes says whether cb writes
// memory.
//
// The submission waits on the queue's timeline for the previous value
// (tail): that orders it after the queue's earlier work, even where
// several hal queues share a VkQueue, and makes the earlier work's writes
// visible to it (a semaphore wait's scope covers its batch and every later
// one in submission order). Where the host has seen tail reached, all the
// queue's earlier work is done, and the wait is needed only for the writes
// of the last submission (unsynced: every earlier one was followed by a
// waiting submission, or wrote nothing); without them it is left out. On an
// H200 the wait and the host barrier cost about a tenth each of an event
// record + synchronize round trip, whose batch is a timestamp alone.
func (q *queue) submitLocked(cb C.VkCommandBuffer, extra []timelineValue, writes bool) error {
	var sems [33]C.VkSemaphore
	var vals [33]C.uint64_t
	n := 0
	if q.tail > 0 && !abNoWait {
		if q.unsynced || abOldSync || q.tl.seen.Load() < q.tail {
			sems[n], vals[n] = q.tl.sem, C.uint64_t(q.tail)
			n++
		} else {
			q.skipped++
		}
	}
	for _, w := range extra {
		if n == len(sems) {
			break
		}
		sems[n], vals[n] = w.tl.sem, C.uint64_t(w.value)
		n++
	}
	next := q.tail + 1
	r := q.vq.submit(q.dev, cb, n, &sems[0], &vals[0], q.tl.sem, next)
	if err := check(r, "vkQueueSubmit"); err != nil {
		q.setErrLocked(err)
		return err
	}
	q.tail = next
	q.unsynced = writes
	return nil
}

// setErrLocked records the first asynchronous error (it takes errMu, not
// q.mu; the name says callers may hold q.mu).
func (q *queue) setErrLocked(err error) {
	q.errMu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.errMu.Unlock()
}

// lockOpen locks the queue and fails when it is closed.
func (q *queue) lockOpen() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errClosedQueue
	}
	return nil
}

// Copy enqueues a device-to-device copy.
func (q *queue) Copy(dst, src uint64, n uint64) error {
	if n == 0 {
		return nil
	}
	da, doff, err := q.dev.resolve("copy destination", dst, n)
	if err != nil {
		return err
	}
	sa, soff, err := q.dev.resolve("copy source", src, n)
	if err != nil {
		return err
	}
	if da == sa && doff < soff+n && soff < doff+n {
		return fmt.Errorf("hal/vulkan: copy %d bytes from %#x to %#x: overlapping ranges: %w", n, src, dst, hal.ErrInvalidValue)
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	cb, barrier, err := q.batchLocked(true)
	if err != nil {
		return err
	}
	C.shal_cmd_copy(q.dev.c, cb, cbool(barrier), sa.buffer, C.VkDeviceSize(soff), da.buffer, C.VkDeviceSize(doff), C.VkDeviceSize(n))
	return q.opDoneLocked()
}

// copyBuffers enqueues a copy between two buffers (internal staging).
func (q *queue) copyBuffers(src C.VkBuffer, soff uint64, dst C.VkBuffer, doff uint64, n uint64) error {
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	cb, barrier, err := q.batchLocked(true)
	if err != nil {
		return err
	}
	C.shal_cmd_copy(q.dev.c, cb, cbool(barrier), src, C.VkDeviceSize(soff), dst, C.VkDeviceSize(doff), C.VkDeviceSize(n))
	q.curOps++
	return nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Fill enqueues a memset of n bytes with a 1, 2 or 4 byte pattern.
func (q *queue) Fill(dst uint64, n uint64, pattern uint32, patternSize int) error {
	plan, err := q.dev.planFill(dst, n, pattern, patternSize)
	if err != nil || plan == nil {
		return err
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	cb, barrier, err := q.batchLocked(true)
	if err != nil {
		return err
	}
	q.dev.recordFill(cb, barrier, plan)
	q.bind.forget() // the fill binds its own pipeline
	return q.opDoneLocked()
}

// Dispatch enqueues a kernel launch.
func (q *queue) Dispatch(k hal.Kernel, cfg hal.LaunchConfig) error {
	kr, ok := k.(*kernel)
	if !ok || kr.exe.dev != q.dev {
		return fmt.Errorf("hal/vulkan: dispatch: kernel %T is not a kernel of this Vulkan device: %w", k, hal.ErrInvalidHandle)
	}
	pipe, err := kr.prepare(cfg)
	if err != nil {
		return err
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	cb, barrier, err := q.batchLocked(true)
	if err != nil {
		return err
	}
	kr.record(cb, barrier, pipe, cfg, q.bind)
	if kr.exe.printf != nil {
		kr.exe.launched.Store(true)
	}
	return q.opDoneLocked()
}

// HostCall runs fn on a host goroutine once the preceding work is done;
// later work waits for it (through a host-signalled timeline value).
func (q *queue) HostCall(fn func()) error {
	if fn == nil {
		return fmt.Errorf("hal/vulkan: host call: nil function: %w", hal.ErrInvalidValue)
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	return q.hostCallLocked(fn)
}

func (q *queue) hostCallLocked(fn func()) error {
	if err := q.flushLocked(); err != nil {
		return err
	}
	waits := []timelineValue{}
	if q.tail > 0 {
		waits = append(waits, timelineValue{q.tl.acquire(), q.tail})
	}
	q.tail++
	q.afterHost = true
	q.hostMu.Lock()
	q.hostItems = append(q.hostItems, hostItem{waits: waits, signal: q.tail, fn: fn})
	if !q.hostStarted {
		q.hostStarted = true
		q.hostWake = make(chan struct{}, 1)
		q.hostWG.Add(1)
		go q.hostWorker()
	}
	q.hostMu.Unlock()
	select {
	case q.hostWake <- struct{}{}:
	default:
	}
	return nil
}

// hostWorker runs a queue's host calls in order.
func (q *queue) hostWorker() {
	defer q.hostWG.Done()
	for {
		q.hostMu.Lock()
		if len(q.hostItems) == 0 {
			closed := q.hostClosed
			q.hostMu.Unlock()
			if closed {
				return
			}
			<-q.hostWake
			continue
		}
		it := q.hostItems[0]
		q.hostItems = q.hostItems[1:]
		q.hostMu.Unlock()
		var err error
		for _, w := range it.waits {
			if werr := w.tl.wait(context.Background(), w.value); werr != nil && err == nil {
				err = werr
			}
			w.tl.release()
		}
		if err == nil {
			err = runHost(it.fn)
		}
		// Report before signalling, so that a Synchronize that sees the
		// signal also sees the error.
		if err != nil {
			q.setErrLocked(err)
		}
		if r := C.shal_signal_semaphore(q.dev.c, q.tl.sem, C.uint64_t(it.signal)); r != C.VK_SUCCESS {
			q.setErrLocked(check(r, "signal host call completion"))
		}
	}
}

// runHost runs a host function; a panic in it becomes an error reported by
// the next Synchronize (and must not leave the queue waiting forever).
func runHost(fn func()) error { return hostfn.Call("hal/vulkan", fn) }

// Record marks e as reached once the work enqueued so far is done.
func (q *queue) Record(e hal.Event) error {
	ev, ok := e.(*event)
	if !ok || ev.dev != q.dev {
		return fmt.Errorf("hal/vulkan: record: event %T is not an event of this Vulkan device: %w", e, hal.ErrInvalidHandle)
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	return q.recordLocked(ev)
}

func (q *queue) recordLocked(ev *event) error {
	if s := ev.shared; s != nil {
		return q.recordSharedLocked(s)
	}
	ev.mu.Lock()
	pool, closed := ev.pool, ev.closed
	ev.mu.Unlock()
	if closed {
		return fmt.Errorf("hal/vulkan: record: event is closed: %w", hal.ErrInvalidHandle)
	}
	if pool != 0 {
		cb, _, err := q.batchLocked(false)
		if err != nil {
			return err
		}
		C.shal_cmd_timestamp(q.dev.c, cb, pool, 0)
		q.curOps++
	}
	if err := q.flushLocked(); err != nil {
		return err
	}
	return ev.set(q.tl, q.tail, pool != 0)
}

// Wait makes later work wait for e's most recent Record.
func (q *queue) Wait(e hal.Event) error {
	ev, ok := e.(*event)
	if !ok || ev.dev != q.dev {
		return fmt.Errorf("hal/vulkan: wait: event %T is not an event of this Vulkan device: %w", e, hal.ErrInvalidHandle)
	}
	if err := q.lockOpen(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	return q.waitLocked(ev)
}

func (q *queue) waitLocked(ev *event) error {
	if s := ev.shared; s != nil {
		return q.waitSharedLocked(s)
	}
	tv, ok, err := ev.snapshot()
	if err != nil || !ok {
		return err
	}
	if tv.tl == q.tl || tv.tl.reached(tv.value) {
		// Same queue (already in order) or already reached.
		tv.tl.release()
		return nil
	}
	// Earlier work must not wait for the event: submit it first.
	if q.cur != nil || len(q.waits) >= 31 {
		if err := q.flushLocked(); err != nil {
			tv.tl.release()
			return err
		}
	}
	q.waits = append(q.waits, tv)
	return nil
}

// recordSharedLocked records an interprocess event: it takes the next
// record number in the shared page and marks it reached from a host call
// that runs once the work enqueued so far is done.
func (q *queue) recordSharedLocked(s *sharedEvent) error {
	if !s.Acquire() {
		return fmt.Errorf("hal/vulkan: record: event is closed: %w", hal.ErrInvalidHandle)
	}
	seq := s.Record()
	if err := q.hostCallLocked(func() {
		s.Reach(seq)
		s.Release()
	}); err != nil {
		// The number is taken: mark it reached, or waits for it would
		// never end.
		s.Reach(seq)
		s.Release()
		return err
	}
	return nil
}

// waitSharedLocked makes later work wait until the records of an
// interprocess event made so far (in any process) are reached: a host
// call polls the shared page, and later work waits for the host call.
func (q *queue) waitSharedLocked(s *sharedEvent) error {
	if !s.Acquire() {
		return fmt.Errorf("hal/vulkan: wait: event is closed: %w", hal.ErrInvalidHandle)
	}
	t := s.Target()
	if s.Done(t) {
		s.Release()
		return nil
	}
	if err := q.hostCallLocked(func() {
		defer s.Release()
		s.Wait(context.Background(), t)
	}); err != nil {
		s.Release()
		return err
	}
	return nil
}

// Synchronize waits for all enqueued work, including host calls, and
// returns the first error since the last Synchronize.
func (q *queue) Synchronize(ctx context.Context) error {
	if err := q.lockOpen(); err != nil {
		return err
	}
	err := q.flushLocked()
	target := q.tail
	q.mu.Unlock()
	if err != nil {
		return err
	}
	if err := q.tl.wait(ctx, target); err != nil {
		if ctx.Err() != nil {
			q.dev.stuckSince.CompareAndSwap(0, time.Now().UnixNano())
		}
		return err
	}
	if q.dev.stuckSince.Load() != 0 {
		q.dev.stuckSince.Store(0) // the work ended after all
	}
	// The wait saw target reached: no need to ask the semaphore again.
	q.mu.Lock()
	q.reclaimToLocked(target)
	q.mu.Unlock()
	q.errMu.Lock()
	err = q.err
	q.err = nil
	q.errMu.Unlock()
	if !q.internal {
		q.dev.collectGarbage()
		// What kernels printed (printf.go); a failed assert fails the
		// work waited for.
		perr := q.dev.printRecords()
		if perr == nil {
			perr = q.dev.takeAssert()
		}
		if perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// Idle reports whether all enqueued work is done.
func (q *queue) Idle() bool {
	if q.lockOpen() != nil {
		return true
	}
	defer q.mu.Unlock()
	if err := q.flushLocked(); err != nil {
		return true
	}
	return q.tl.reached(q.tail)
}

// Close waits for the queue's work and releases it.
func (q *queue) Close() error {
	if q.internal {
		return fmt.Errorf("hal/vulkan: internal queue cannot be closed by the caller: %w", hal.ErrInvalidHandle)
	}
	return q.close()
}

func (q *queue) close() error { return q.closeCtx(context.Background()) }

// closeCtx is close with its waits bounded by ctx: when ctx ends first it
// returns ctx's error and leaves the queue open (its work may still use
// it).
func (q *queue) closeCtx(ctx context.Context) error {
	serr := q.Synchronize(ctx)
	if errors.Is(serr, hal.ErrInvalidHandle) || (serr != nil && ctx.Err() != nil) {
		return serr
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errClosedQueue
	}
	q.closed = true
	q.mu.Unlock()
	q.hostMu.Lock()
	q.hostClosed = true
	started := q.hostStarted
	q.hostMu.Unlock()
	if started {
		// Synchronize saw every host call's signal: the worker is idle.
		select {
		case q.hostWake <- struct{}{}:
		default:
		}
		q.hostWG.Wait()
	}
	// Everything submitted is done (Synchronize waited for the tail), unless
	// the device was lost; wait for the VkQueue to be safe either way.
	q.tl.wait(ctx, q.tail) //nolint:errcheck // reported by Synchronize
	q.mu.Lock()
	q.reclaimLocked()
	for _, f := range q.inflight {
		for _, w := range f.waits {
			w.tl.release()
		}
	}
	for _, w := range q.waits {
		w.tl.release()
	}
	q.inflight, q.waits = nil, nil
	pool := q.pool
	q.dev.reap(func() { C.shal_destroy_command_pool(q.dev.c, pool) }) // see device.reap
	q.pool = 0
	q.free = nil
	q.mu.Unlock()
	q.tl.release()
	d := q.dev
	d.mu.Lock()
	delete(d.queues, q)
	d.mu.Unlock()
	return serr
}

// queueAB chooses a measurement-only form of the queue for A/B benchmarks
// on a GPU: a test binary built with
// -ldflags '-X github.com/streamhal/streamhal/hal/vulkan.queueAB=nowait'
// submits without waiting on the queue's previous timeline value, and
// nobarrier (the two may be combined, "nowait,nobarrier") leaves out the
// barrier that makes a batch's writes visible to the host. Both are
// wrong (ordering, visibility) and exist only to measure what each costs
// (BenchmarkLaunchSyncLayers). oldsync, correct, waits on the previous
// value and ends each batch with the barrier even where neither is needed
// (submitLocked), as every build did before. Empty in every other build.
var queueAB string

var (
	abNoWait    = strings.Contains(queueAB, "nowait")
	abNoBarrier = strings.Contains(queueAB, "nobarrier")
	abOldSync   = strings.Contains(queueAB, "oldsync")
)
