//go:build cgo

package hip

/*
#include "shal_hip.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// queue is a non-blocking HIP stream (hipStreamNonBlocking: it does not
// synchronize with the legacy null stream, as hal queues must not).
type queue struct {
	d      *device
	stream C.hipStream_t

	mu     sync.Mutex
	closed bool
	// last is the kernel launched last, named when Close gives up on the
	// queue's work.
	last atomic.Pointer[kernel]

	// errMu guards hostErr, the first failure of a host function since the
	// last Synchronize (a panic in a HostCall or graph host node).
	errMu   sync.Mutex
	hostErr error
}

var _ hal.Queue = (*queue)(nil)

func (d *device) NewQueue(opts hal.QueueOptions) (hal.Queue, error) {
	// Priorities outside the device's range are clamped, as CUDA and HIP do.
	prio := opts.Priority
	prio = min(prio, d.info.StreamPriorityLeast)
	prio = max(prio, d.info.StreamPriorityGreatest)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("create queue"); err != nil {
		return nil, err
	}
	q := &queue{d: d}
	if err := check(int(C.shal_hip_stream_create(d.api, d.dev, &q.stream, C.int(prio))), "hipStreamCreateWithPriority(non-blocking, %d) on device %d", prio, d.ordinal); err != nil {
		return nil, err
	}
	d.queues[q] = struct{}{}
	return q, nil
}

// usable fails for a closed queue.
func (q *queue) usable() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("hal/hip: queue of device %d is closed: %w", q.d.ordinal, hal.ErrInvalidHandle)
	}
	return nil
}

func (q *queue) Copy(dst, src uint64, n uint64) error {
	if err := q.usable(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	return check(int(C.shal_hip_memcpy_async(q.d.api, q.d.dev, C.uint64_t(dst), C.uint64_t(src), C.size_t(n), q.stream)),
		"hipMemcpyAsync(%#x, %#x, %d bytes, hipMemcpyDefault) on device %d", dst, src, n, q.d.ordinal)
}

func (q *queue) Fill(dst uint64, n uint64, pattern uint32, patternSize int) error {
	if err := q.usable(); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	count := n / uint64(patternSize)
	return check(int(C.shal_hip_memset_async(q.d.api, q.d.dev, C.uint64_t(dst), C.uint32_t(pattern), C.int(patternSize), C.size_t(count), q.stream)),
		"hipMemsetD%dAsync(%#x, %#x, %d) on device %d", 8*patternSize, dst, pattern, count, q.d.ordinal)
}

func (q *queue) Dispatch(hk hal.Kernel, cfg hal.LaunchConfig) error {
	k, err := q.d.kernelOf(hk)
	if err != nil {
		return err
	}
	if err := k.checkLaunch(&cfg); err != nil {
		return err
	}
	if err := q.usable(); err != nil {
		return err
	}
	q.last.Store(k)
	grid := [3]C.uint32_t{C.uint32_t(cfg.Grid.X), C.uint32_t(cfg.Grid.Y), C.uint32_t(cfg.Grid.Z)}
	block := [3]C.uint32_t{C.uint32_t(cfg.Block.X), C.uint32_t(cfg.Block.Y), C.uint32_t(cfg.Block.Z)}
	var args unsafe.Pointer
	if len(cfg.Args) > 0 {
		args = unsafe.Pointer(&cfg.Args[0])
	}
	offs := k.layout.offsets()
	var offp *C.uint32_t
	if len(offs) > 0 {
		offp = (*C.uint32_t)(unsafe.Pointer(&offs[0]))
	}
	coop := C.int(0)
	call := "hipModuleLaunchKernel"
	if cfg.Cooperative {
		coop, call = 1, "hipModuleLaunchCooperativeKernel"
	}
	return check(int(C.shal_hip_launch(q.d.api, q.d.dev, k.fn, &grid[0], &block[0], C.uint32_t(cfg.SharedBytes), q.stream,
		args, C.size_t(len(cfg.Args)), C.size_t(k.layout.size), offp, C.int(len(offs)), coop)),
		"%s(%s, grid %v, block %v, %d bytes shared, %d bytes of arguments) on device %d",
		call, k.name, cfg.Grid, cfg.Block, cfg.SharedBytes, len(cfg.Args), q.d.ordinal)
}

func (q *queue) HostCall(fn func()) error {
	if fn == nil {
		return fmt.Errorf("hal/hip: host call of a nil function: %w", hal.ErrInvalidValue)
	}
	if err := q.usable(); err != nil {
		return err
	}
	h := cgo.NewHandle(&hostFunc{fn: fn, once: true, sink: func() *queue { return q }})
	if err := check(int(C.shal_hip_host_call(q.d.api, q.d.dev, q.stream, C.uintptr_t(h))), "hipLaunchHostFunc on device %d", q.d.ordinal); err != nil {
		h.Delete()
		return err
	}
	return nil
}

// setHostErr records the first host-function failure until Synchronize.
func (q *queue) setHostErr(err error) {
	q.errMu.Lock()
	if q.hostErr == nil {
		q.hostErr = err
	}
	q.errMu.Unlock()
}

func (q *queue) takeHostErr() error {
	q.errMu.Lock()
	defer q.errMu.Unlock()
	err := q.hostErr
	q.hostErr = nil
	return err
}

func (q *queue) Record(he hal.Event) error {
	e, err := q.d.eventOf(he, "record")
	if err != nil {
		return err
	}
	if err := q.usable(); err != nil {
		return err
	}
	if e.d != q.d {
		return fmt.Errorf("hal/hip: record an event of device %d on a queue of device %d: %w", e.d.ordinal, q.d.ordinal, hal.ErrInvalidValue)
	}
	return check(int(C.shal_hip_event_record(q.d.api, q.d.dev, e.ev, q.stream)), "hipEventRecord on device %d", q.d.ordinal)
}

func (q *queue) Wait(he hal.Event) error {
	e, err := q.d.eventOf(he, "wait on")
	if err != nil {
		return err
	}
	if err := q.usable(); err != nil {
		return err
	}
	return check(int(C.shal_hip_stream_wait_event(q.d.api, q.d.dev, q.stream, e.ev)), "hipStreamWaitEvent on device %d (event of device %d)", q.d.ordinal, e.d.ordinal)
}

func (q *queue) Execute(hg hal.GraphExec) error {
	x, ok := hg.(*graphExec)
	if !ok || x == nil || x.d != q.d {
		return fmt.Errorf("hal/hip: execute a graph that is not of device %d: %w", q.d.ordinal, hal.ErrInvalidHandle)
	}
	if err := q.usable(); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/hip: execute a closed graph: %w", hal.ErrInvalidHandle)
	}
	x.sink.Store(q)
	return check(int(C.shal_hip_graph_launch(q.d.api, q.d.dev, x.exec, q.stream)), "hipGraphLaunch on device %d", q.d.ordinal)
}

// Synchronize waits for the stream. With a context that can be cancelled it
// polls hipStreamQuery (backing off to 1 ms), so that a cancelled wait
// returns at once; otherwise it blocks in hipStreamSynchronize.
func (q *queue) Synchronize(ctx context.Context) error {
	if err := q.usable(); err != nil {
		return err
	}
	if ctx.Done() != nil {
		err := poll(ctx, func() (bool, error) {
			code := hipabi.Error(C.shal_hip_stream_query(q.d.api, q.d.dev, q.stream))
			return code != hipabi.HipErrorNotReady, nil
		})
		if err != nil {
			q.d.stuckSince.CompareAndSwap(0, time.Now().UnixNano())
			return err
		}
		if q.d.stuckSince.Load() != 0 {
			q.d.stuckSince.Store(0) // the work ended after all
		}
	}
	err := check(int(C.shal_hip_stream_synchronize(q.d.api, q.d.dev, q.stream)), "hipStreamSynchronize on device %d", q.d.ordinal)
	if herr := q.takeHostErr(); herr != nil && err == nil {
		err = herr
	}
	return err
}

func (q *queue) Idle() bool {
	if q.usable() != nil {
		return true
	}
	return hipabi.Error(C.shal_hip_stream_query(q.d.api, q.d.dev, q.stream)) != hipabi.HipErrorNotReady
}

// Close waits for the queue's work (host functions in flight hold
// references to it) and destroys the stream. It waits at most the close
// timeout (hal.Config.CloseTimeout, counted from when a wait with a
// deadline first gave up on the device's work): work still running then (a
// kernel that never ends) is given up, the stream is left alive, and the
// device keeps its memory (see device.Close).
func (q *queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("hal/hip: queue of device %d already closed: %w", q.d.ordinal, hal.ErrInvalidHandle)
	}
	q.closed = true
	q.mu.Unlock()
	timeout := q.d.inst.cfg.CloseWait()
	var since time.Time
	if s := q.d.stuckSince.Load(); s != 0 {
		since = time.Unix(0, s)
	}
	deadline := hal.CloseDeadline(time.Now(), since, timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if poll(ctx, func() (bool, error) {
		return hipabi.Error(C.shal_hip_stream_query(q.d.api, q.d.dev, q.stream)) != hipabi.HipErrorNotReady, nil
	}) != nil {
		what := "its work"
		if k := q.last.Load(); k != nil {
			what = "kernel " + k.name + " (launched last on it)"
		}
		q.d.giveUp(q, what)
		return fmt.Errorf("hal/hip: close a queue of device %d: %s still running after %v; the stream is left alive and the device's memory stays allocated: %w", q.d.ordinal, what, timeout, hal.ErrTimeout)
	}
	err := check(int(C.shal_hip_stream_synchronize(q.d.api, q.d.dev, q.stream)), "hipStreamSynchronize on device %d", q.d.ordinal)
	if derr := check(int(C.shal_hip_stream_destroy(q.d.api, q.d.dev, q.stream)), "hipStreamDestroy on device %d", q.d.ordinal); err == nil {
		err = derr
	}
	q.d.removeQueue(q)
	return err
}

// poll calls done until it reports true, sleeping between calls with a
// backoff from 20 µs to 1 ms, and gives up when ctx is done.
func poll(ctx context.Context, done func() (bool, error)) error {
	wait := 20 * time.Microsecond
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Millisecond)
	}
}

// event is a HIP event of one device.
type event struct {
	d     *device
	ev    C.hipEvent_t
	flags hal.EventFlags

	mu     sync.Mutex
	closed bool
}

var _ hal.Event = (*event)(nil)

func (d *device) NewEvent(flags hal.EventFlags) (hal.Event, error) {
	if flags&^(hal.EventDisableTiming|hal.EventBlockingSync|hal.EventInterprocess) != 0 {
		return nil, fmt.Errorf("hal/hip: event flags %#x: %w", uint32(flags), hal.ErrInvalidValue)
	}
	var hf C.uint
	if flags&hal.EventInterprocess != 0 {
		hf |= hipabi.HipEventInterprocess
	}
	if flags&hal.EventDisableTiming != 0 {
		hf |= hipabi.HipEventDisableTiming
	}
	if flags&hal.EventBlockingSync != 0 {
		hf |= hipabi.HipEventBlockingSync
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("create event"); err != nil {
		return nil, err
	}
	e := &event{d: d, flags: flags}
	if err := check(int(C.shal_hip_event_create(d.api, d.dev, &e.ev, hf)), "hipEventCreateWithFlags(%#x) on device %d", uint(hf), d.ordinal); err != nil {
		return nil, err
	}
	return e, nil
}

// eventOf checks that he is a live event of this driver instance.
func (d *device) eventOf(he hal.Event, op string) (*event, error) {
	e, ok := he.(*event)
	if !ok || e == nil || e.d.inst != d.inst {
		return nil, fmt.Errorf("hal/hip: %s an event that is not of this HIP instance: %w", op, hal.ErrInvalidHandle)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("hal/hip: %s a closed event: %w", op, hal.ErrInvalidHandle)
	}
	return e, nil
}

func (e *event) query() hipabi.Error {
	return hipabi.Error(C.shal_hip_event_query(e.d.api, e.d.dev, e.ev))
}

// Done reports hipEventQuery; an event never recorded is done.
func (e *event) Done() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return true
	}
	return e.query() != hipabi.HipErrorNotReady
}

func (e *event) Wait(ctx context.Context) error {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return fmt.Errorf("hal/hip: wait on a closed event: %w", hal.ErrInvalidHandle)
	}
	if ctx.Done() != nil {
		if err := poll(ctx, func() (bool, error) { return e.query() != hipabi.HipErrorNotReady, nil }); err != nil {
			return err
		}
	}
	return check(int(C.shal_hip_event_synchronize(e.d.api, e.d.dev, e.ev)), "hipEventSynchronize on device %d", e.d.ordinal)
}

func (e *event) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("hal/hip: event already closed: %w", hal.ErrInvalidHandle)
	}
	e.closed = true
	return check(int(C.shal_hip_event_destroy(e.d.api, e.d.dev, e.ev)), "hipEventDestroy on device %d", e.d.ordinal)
}

func (d *device) ElapsedTime(start, end hal.Event) (float32, error) {
	s, err := d.eventOf(start, "time")
	if err != nil {
		return 0, err
	}
	e, err := d.eventOf(end, "time")
	if err != nil {
		return 0, err
	}
	if s.flags&hal.EventDisableTiming != 0 || e.flags&hal.EventDisableTiming != 0 {
		return 0, fmt.Errorf("hal/hip: elapsed time: event created with timing disabled: %w", hal.ErrInvalidHandle)
	}
	var ms C.float
	if err := check(int(C.shal_hip_event_elapsed(d.api, d.dev, &ms, s.ev, e.ev)), "hipEventElapsedTime on device %d", d.ordinal); err != nil {
		return 0, err
	}
	return float32(ms), nil
}
