//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// queue is a CUstream created with CU_STREAM_NON_BLOCKING, so it never
// synchronises implicitly with the legacy default stream (which the
// synchronous CopyFromHost/CopyToHost use).
type queue struct {
	d       *device
	stream  C.CUstream
	us      C.uintptr_t // stream as an integer handle
	closed  atomic.Bool
	hostErr asyncErr    // panics of HostCall functions
	host    *hostWorker // runs HostCall functions; nil on the blocking path
}

var (
	_ hal.Queue      = (*queue)(nil)
	_ hal.Notifier   = (*queue)(nil)
	_ hal.ArgsCopier = (*queue)(nil)
)

// NewQueue creates a stream with the requested priority (CUDA clamps a
// priority outside the device's range to the nearest valid one).
func (d *device) NewQueue(opts hal.QueueOptions) (hal.Queue, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	q := &queue{d: d}
	if err := check(C.shal_stream_create(d.ctx, &q.stream, C.int(opts.Priority)), "cuStreamCreateWithPriority(priority %d)", opts.Priority); err != nil {
		return nil, err
	}
	q.us = handle(unsafe.Pointer(q.stream))
	if err := q.startHostWorker(); err != nil {
		C.shal_stream_destroy(d.ctx, q.stream)
		return nil, err
	}
	return q, nil
}

func (q *queue) usable() error {
	if q.closed.Load() {
		return fmt.Errorf("hal/cuda: queue is closed: %w", hal.ErrInvalidHandle)
	}
	return nil
}

// Copy enqueues cuMemcpyAsync; unified addressing lets the driver infer the
// direction from the two addresses.
func (q *queue) Copy(dst, src uint64, n uint64) error {
	if err := q.usable(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if err := q.settle(); err != nil {
		return err
	}
	return check(C.shal_memcpy_async(q.d.uctx, C.CUdeviceptr(dst), C.CUdeviceptr(src), C.size_t(n), q.us),
		"cuMemcpyAsync(%#x, %#x, %d)", dst, src, n)
}

// Fill enqueues cuMemsetD8Async, cuMemsetD16Async or cuMemsetD32Async.
func (q *queue) Fill(dst uint64, n uint64, pattern uint32, patternSize int) error {
	if err := q.usable(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if err := q.settle(); err != nil {
		return err
	}
	count := n / uint64(patternSize)
	return check(C.shal_memset_async(q.d.uctx, C.CUdeviceptr(dst), C.uint(pattern), C.int(patternSize), C.size_t(count), q.us),
		"cuMemsetD%dAsync(%#x, %#x, %d)", patternSize*8, dst, pattern, count)
}

// Dispatch launches k with cuLaunchKernel, passing cfg.Args as the
// CU_LAUNCH_PARAM_BUFFER_POINTER buffer; cooperative launches use
// cuLaunchCooperativeKernel with one pointer per parameter into the buffer.
func (q *queue) Dispatch(k hal.Kernel, cfg hal.LaunchConfig) error {
	// The common launch, checked in one expression, is one cgo call from
	// a small frame; anything else, errors and a wait for host calls
	// (settle) included, is dispatch's.
	kk, ok := k.(*kernel)
	if !ok || kk == nil || kk.exe.d != q.d || kk.exe.closed.Load() || q.closed.Load() || cfg.Cooperative || (kk.params != nil && len(cfg.Args) < kk.argSize) || (q.host != nil && q.host.owed.Load()) {
		return q.dispatch(k, &cfg)
	}
	return q.launch(kk, &cfg)
}

// DispatchCopiesArgs implements hal.ArgsCopier: cuLaunchKernel and
// cuLaunchCooperativeKernel copy the arguments before they return.
func (q *queue) DispatchCopiesArgs() bool { return true }

// dispatch is Dispatch with every check in order, and the cooperative
// launch.
func (q *queue) dispatch(k hal.Kernel, cfg *hal.LaunchConfig) error {
	if err := q.usable(); err != nil {
		return err
	}
	kk, err := q.d.ownKernel(k)
	if err != nil {
		return err
	}
	if err := kk.checkArgs(cfg.Args); err != nil {
		return err
	}
	if err := q.settle(); err != nil {
		return err
	}
	if !cfg.Cooperative {
		return q.launch(kk, cfg)
	}
	if kk.params == nil && len(cfg.Args) > 0 {
		return fmt.Errorf("hal/cuda: cooperative launch of %s: parameter layout unknown: %w", kk.name, hal.ErrNotSupported)
	}
	var args unsafe.Pointer
	if len(cfg.Args) > 0 {
		args = unsafe.Pointer(&cfg.Args[0]) // as in launch
	}
	var offs *C.uint32_t
	if len(kk.offsets) > 0 {
		offs = (*C.uint32_t)(unsafe.Pointer(&kk.offsets[0]))
	}
	g, b := cfg.Grid, cfg.Block
	r := C.shal_launch_cooperative(q.d.ctx, kk.fn, C.uint(g.X), C.uint(g.Y), C.uint(g.Z), C.uint(b.X), C.uint(b.Y), C.uint(b.Z),
		C.uint(cfg.SharedBytes), q.stream, args, offs, C.int(len(kk.offsets)))
	if r != 0 {
		return check(r, "cuLaunchCooperativeKernel(%s, grid %v, block %v, shared %d)", kk.name, g, b, cfg.SharedBytes)
	}
	return nil
}

// launch is cuLaunchKernel of a checked launch of kk.
func (q *queue) launch(kk *kernel, cfg *hal.LaunchConfig) error {
	var args uintptr
	if len(cfg.Args) > 0 {
		// cfg.Args holds no Go pointers, so C may read it for the call; the
		// driver copies the arguments before cuLaunchKernel returns.
		args = uintptr(unsafe.Pointer(&cfg.Args[0]))
	}
	g, b := &cfg.Grid, &cfg.Block
	r := C.shal_launch(q.d.uctx, kk.uf, C.uint(g.X), C.uint(g.Y), C.uint(g.Z), C.uint(b.X), C.uint(b.Y), C.uint(b.Z),
		C.uint(cfg.SharedBytes), q.us, C.uintptr_t(args), C.size_t(kk.bufferSize(cfg.Args)))
	// The buffer went to C as an integer, which keeps nothing alive.
	runtime.KeepAlive(cfg.Args)
	if r != 0 {
		return launchError(r, kk, cfg)
	}
	return nil
}

// launchError is the error of a cuLaunchKernel that returned r.
func launchError(r C.CUresult, kk *kernel, cfg *hal.LaunchConfig) error {
	return check(r, "cuLaunchKernel(%s, grid %v, block %v, shared %d, %d argument bytes)", kk.name, cfg.Grid, cfg.Block, cfg.SharedBytes, kk.bufferSize(cfg.Args))
}

// hostFn is what a cgo.Handle passed to the host trampoline refers to.
type hostFn struct {
	fn   func()
	sink *asyncErr // where a panic is reported
	once bool      // delete the handle after the call (HostCall)
}

// HostCall enqueues fn. With a host-call worker (hostcall.go) fn runs on
// the queue's own goroutine, in order with the queue's other host calls and
// independently of other queues'; CUDA's host-function thread only passes
// the notification. On the blocking path (no stream memory operations) fn
// runs on CUDA's host-function thread with cuLaunchHostFunc, one host
// function of any queue at a time, and must not call into CUDA. A panic in
// fn is reported by the next Synchronize.
func (q *queue) HostCall(fn func()) error {
	if err := q.usable(); err != nil {
		return err
	}
	if fn == nil {
		return fmt.Errorf("hal/cuda: host call of a nil function: %w", hal.ErrInvalidValue)
	}
	if q.host != nil {
		return q.host.enqueue(fn)
	}
	h := cgo.NewHandle(&hostFn{fn: fn, sink: &q.hostErr, once: true})
	if err := check(C.shal_launch_host_func(q.d.uctx, q.us, C.uintptr_t(h)), "cuLaunchHostFunc"); err != nil {
		h.Delete()
		return err
	}
	return nil
}

// Notify implements hal.Notifier: fn runs on CUDA's callback thread once
// the preceding work is done (cuLaunchHostFunc), without the per-queue
// worker's round trip; fn must be short and must not block or call the
// driver.
func (q *queue) Notify(fn func()) error {
	if err := q.usable(); err != nil {
		return err
	}
	if fn == nil {
		return fmt.Errorf("hal/cuda: notify with a nil function: %w", hal.ErrInvalidValue)
	}
	if err := q.settle(); err != nil {
		return err
	}
	h := cgo.NewHandle(&hostFn{fn: fn, sink: &q.hostErr, once: true})
	if err := check(C.shal_launch_host_func(q.d.uctx, q.us, C.uintptr_t(h)), "cuLaunchHostFunc"); err != nil {
		h.Delete()
		return err
	}
	return nil
}

// Record enqueues cuEventRecord.
func (q *queue) Record(e hal.Event) error {
	if err := q.usable(); err != nil {
		return err
	}
	ev, err := asEvent(e)
	if err != nil {
		return err
	}
	if err := q.settle(); err != nil {
		return err
	}
	return check(C.shal_event_record(q.d.uctx, ev.ue, q.us), "cuEventRecord")
}

// Wait enqueues cuStreamWaitEvent; e may belong to any device.
func (q *queue) Wait(e hal.Event) error {
	if err := q.usable(); err != nil {
		return err
	}
	ev, err := asEvent(e)
	if err != nil {
		return err
	}
	if err := q.settle(); err != nil {
		return err
	}
	return check(C.shal_stream_wait_event(q.d.uctx, q.us, ev.ue), "cuStreamWaitEvent")
}

// Execute enqueues cuGraphLaunch.
func (q *queue) Execute(g hal.GraphExec) error {
	if err := q.usable(); err != nil {
		return err
	}
	ge, ok := g.(*graphExec)
	if !ok || ge == nil {
		return fmt.Errorf("hal/cuda: execute %T: not a CUDA graph: %w", g, hal.ErrInvalidHandle)
	}
	if ge.closed.Load() {
		return fmt.Errorf("hal/cuda: execute a closed graph: %w", hal.ErrInvalidHandle)
	}
	if err := q.settle(); err != nil {
		return err
	}
	return check(C.shal_graph_launch(q.d.uctx, ge.ux, q.us), "cuGraphLaunch")
}

// Synchronize waits with cuStreamSynchronize, then for the host calls
// enqueued before it (which the stream waits for only when work follows
// them, hostcall.go). When ctx can be cancelled it polls cuStreamQuery
// instead (spinning briefly, then sleeping with backoff), so that
// cancellation returns promptly.
func (q *queue) Synchronize(ctx context.Context) error {
	if err := q.usable(); err != nil {
		return err
	}
	var target uint32
	if q.host != nil {
		target = q.host.last.Load()
	}
	var r C.CUresult
	if ctx.Done() == nil {
		r = C.shal_stream_synchronize(q.d.uctx, q.us)
	} else {
		var err error
		r, err = poll(ctx, func() C.CUresult { return C.shal_stream_query(q.d.uctx, q.us) })
		if err != nil {
			q.d.stuckSince.CompareAndSwap(0, time.Now().UnixNano())
			return fmt.Errorf("hal/cuda: synchronize queue: %w", err)
		}
	}
	if q.host != nil && r == 0 {
		hostTraceAt(traceSynced)
		if ctx.Done() == nil && !q.host.reached(target) {
			// Nothing can end this wait early, so the caller may as well
			// run the calls it waits for (a cancellable wait must not be
			// caught inside a host function).
			q.host.runDueHere(target)
		}
		if err := q.host.waitReached(ctx, target); err != nil {
			q.d.stuckSince.CompareAndSwap(0, time.Now().UnixNano())
			return fmt.Errorf("hal/cuda: synchronize queue: waiting for a host function: %w", err)
		}
	}
	if ctx.Done() != nil && q.d.stuckSince.Load() != 0 {
		q.d.stuckSince.Store(0) // the work ended after all
	}
	hostSeq.Load()
	if err := check(r, "cuStreamSynchronize"); err != nil {
		return err
	}
	if err := q.hostErr.take(); err != nil {
		return err
	}
	return q.d.hostErr.take()
}

// Idle reports whether the queue's host calls have run and cuStreamQuery
// finds the stream drained (a failed stream counts as idle: Synchronize
// reports the failure).
func (q *queue) Idle() bool {
	if q.closed.Load() {
		return true
	}
	if w := q.host; w != nil && !w.reached(w.last.Load()) {
		return false
	}
	return C.shal_stream_query(q.d.uctx, q.us) != cudaErrorNotReady
}

// Close destroys the stream and returns at once; work already enqueued
// still completes, host calls included: the host-call worker runs the
// calls left, then exits and gives its done word back.
func (q *queue) Close() error {
	if q.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: queue already closed: %w", hal.ErrInvalidHandle)
	}
	var err error
	if q.host != nil {
		err = q.host.close()
	}
	return errors.Join(err, check(C.shal_stream_destroy(q.d.ctx, q.stream), "cuStreamDestroy"))
}

// poll calls query until it returns something other than
// CUDA_ERROR_NOT_READY or ctx ends: it spins for pollSpin, then sleeps
// with exponential backoff up to pollMaxSleep.
func poll(ctx context.Context, query func() C.CUresult) (C.CUresult, error) {
	const (
		pollSpin     = 50 * time.Microsecond
		pollMinSleep = 10 * time.Microsecond
		pollMaxSleep = time.Millisecond
	)
	start := time.Now()
	sleep := pollMinSleep
	var timer *time.Timer
	for {
		r := query()
		if r != cudaErrorNotReady {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		default:
		}
		if time.Since(start) < pollSpin {
			continue
		}
		if timer == nil {
			timer = time.NewTimer(sleep)
			defer timer.Stop()
		} else {
			timer.Reset(sleep)
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-timer.C:
		}
		if sleep *= 2; sleep > pollMaxSleep {
			sleep = pollMaxSleep
		}
	}
}

// CUevent_flags.
const (
	cuEventBlockingSync  = 0x1
	cuEventDisableTiming = 0x2
)

type event struct {
	d      *device
	ev     C.CUevent
	ue     C.uintptr_t // ev as an integer handle
	closed atomic.Bool
}

var _ hal.Event = (*event)(nil)

// NewEvent creates a CUevent.
func (d *device) NewEvent(flags hal.EventFlags) (hal.Event, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	if flags&^(hal.EventDisableTiming|hal.EventBlockingSync|hal.EventInterprocess) != 0 {
		return nil, fmt.Errorf("hal/cuda: event flags %#x: %w", uint32(flags), hal.ErrInvalidValue)
	}
	var cf C.uint
	if flags&hal.EventInterprocess != 0 {
		cf |= cuEventInterprocess // ipc.go
	}
	if flags&hal.EventDisableTiming != 0 {
		cf |= cuEventDisableTiming
	}
	if flags&hal.EventBlockingSync != 0 {
		cf |= cuEventBlockingSync
	}
	e := &event{d: d}
	if err := check(C.shal_event_create(d.ctx, &e.ev, cf), "cuEventCreate(flags %#x)", uint32(cf)); err != nil {
		return nil, err
	}
	e.ue = handle(unsafe.Pointer(e.ev))
	return e, nil
}

func asEvent(e hal.Event) (*event, error) {
	ev, ok := e.(*event)
	if !ok || ev == nil {
		return nil, fmt.Errorf("hal/cuda: event %T is not a CUDA event: %w", e, hal.ErrInvalidHandle)
	}
	if ev.closed.Load() {
		return nil, fmt.Errorf("hal/cuda: event is closed: %w", hal.ErrInvalidHandle)
	}
	return ev, nil
}

// Done reports cuEventQuery != CUDA_ERROR_NOT_READY.
func (e *event) Done() bool {
	if e.closed.Load() {
		return true
	}
	return C.shal_event_query(e.d.uctx, e.ue) != cudaErrorNotReady
}

// Wait blocks in cuEventSynchronize, or polls cuEventQuery when ctx can be
// cancelled.
func (e *event) Wait(ctx context.Context) error {
	if e.closed.Load() {
		return fmt.Errorf("hal/cuda: wait on a closed event: %w", hal.ErrInvalidHandle)
	}
	if ctx.Done() == nil {
		r := C.shal_event_synchronize(e.d.uctx, e.ue)
		hostSeq.Load()
		return check(r, "cuEventSynchronize")
	}
	r, err := poll(ctx, func() C.CUresult { return C.shal_event_query(e.d.uctx, e.ue) })
	if err != nil {
		return fmt.Errorf("hal/cuda: wait for event: %w", err)
	}
	hostSeq.Load()
	return check(r, "cuEventQuery")
}

// Close destroys the event.
func (e *event) Close() error {
	if e.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: event already closed: %w", hal.ErrInvalidHandle)
	}
	return check(C.shal_event_destroy(e.d.ctx, e.ev), "cuEventDestroy")
}

// ElapsedTime returns cuEventElapsedTime in milliseconds.
func (d *device) ElapsedTime(start, end hal.Event) (float32, error) {
	s, err := asEvent(start)
	if err != nil {
		return 0, err
	}
	e, err := asEvent(end)
	if err != nil {
		return 0, err
	}
	var ms C.float
	if err := check(C.shal_event_elapsed(d.ctx, &ms, s.ev, e.ev), "cuEventElapsedTime"); err != nil {
		return 0, err
	}
	return float32(ms), nil
}
