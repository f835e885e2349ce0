//go:build cgo

package cpu

/*
#include <stdlib.h>
#include <string.h>
#include "runtime.h"
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
)

type opKind uint8

const (
	opCopy opKind = iota + 1
	opFill
	opDispatch
	opHost
	opRecord
	opWait
	opGraph
)

type op struct {
	kind     opKind
	psize    int
	pattern  uint32
	dst, src uint64
	n        uint64
	kernel   *kernel
	cfg      hal.LaunchConfig
	fn       func()
	mark     *mark
	graph    *graphExec
	nodes    []gnode
}

// queue runs its operations in order on one goroutine, which also takes part
// in every launch it runs.
type queue struct {
	dev  *device
	high bool

	mu        sync.Mutex
	cond      sync.Cond
	ops       []op
	spare     []op
	submitted uint64
	completed uint64
	err       error
	closed    bool
	wake      chan struct{}
	exited    chan struct{}

	w *worker
	// C scratch for the launch being run: a shal_launch and its arguments.
	launch  *C.shal_launch
	args    unsafe.Pointer
	argsCap int
}

func newQueue(d *device, high bool) *queue {
	q := &queue{
		dev:    d,
		high:   high,
		wake:   make(chan struct{}, 1),
		exited: make(chan struct{}),
		w:      &worker{},
		launch: (*C.shal_launch)(C.calloc(1, C.sizeof_shal_launch)),
	}
	q.cond.L = &q.mu
	go q.loop()
	return q
}

func (q *queue) enqueue(o op) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("hal/cpu: enqueue on a closed queue: %w", hal.ErrInvalidHandle)
	}
	q.ops = append(q.ops, o)
	q.submitted++
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func (q *queue) loop() {
	defer close(q.exited)
	for {
		q.mu.Lock()
		for len(q.ops) == 0 && !q.closed {
			q.mu.Unlock()
			<-q.wake
			q.mu.Lock()
		}
		if len(q.ops) == 0 {
			q.mu.Unlock()
			return
		}
		batch := q.ops
		q.ops = q.spare[:0]
		q.mu.Unlock()
		for i := range batch {
			err := q.exec(&batch[i])
			batch[i] = op{} // drop references for the GC
			q.mu.Lock()
			q.completed++
			if err != nil && q.err == nil {
				q.err = err
			}
			q.cond.Broadcast()
			q.mu.Unlock()
		}
		q.mu.Lock()
		q.spare = batch[:0]
		q.mu.Unlock()
	}
}

func (q *queue) exec(o *op) (err error) {
	switch o.kind {
	case opCopy:
		C.shal_cpu_copy(C.uint64_t(o.dst), C.uint64_t(o.src), C.uint64_t(o.n))
	case opFill:
		C.shal_cpu_fill(C.uint64_t(o.dst), C.uint64_t(o.n), C.uint32_t(o.pattern), C.int(o.psize))
	case opDispatch:
		defer o.kernel.exe.release()
		q.dispatch(o.kernel, &o.cfg, q.w)
	case opHost:
		return runHost(o.fn)
	case opRecord:
		o.mark.at = time.Since(epoch)
		close(o.mark.done)
	case opWait:
		<-o.mark.done
	case opGraph:
		return o.graph.run(q, o.nodes)
	}
	return nil
}

// runHost calls fn, turning a panic into an error reported by Synchronize:
// a host function must not take the whole process down.
func runHost(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hal/cpu: host function panicked: %v: %w", r, hal.ErrLaunchFailed)
		}
	}()
	fn()
	return nil
}

// dispatchJob spreads a launch's blocks over the participants in chunks.
type dispatchJob struct {
	entry  C.shal_kernel_entry
	launch *C.shal_launch
	shared uint32
	total  uint64
	chunk  uint64
	next   atomic.Uint64
	doneN  atomic.Uint64
	done   chan struct{}
}

func (j *dispatchJob) help(w *worker) {
	shared := w.sharedFor(j.shared)
	for {
		b0 := j.next.Add(j.chunk) - j.chunk
		if b0 >= j.total {
			return
		}
		b1 := min(b0+j.chunk, j.total)
		C.shal_cpu_run(j.entry, j.launch, shared, C.uint32_t(w.index), C.uint64_t(b0), C.uint64_t(b1))
		if j.doneN.Add(b1-b0) == j.total {
			close(j.done)
		}
	}
}

// prepare writes cfg into the C launch descriptor l, with its arguments in
// *args (grown as needed).
func prepare(l *C.shal_launch, args *unsafe.Pointer, argsCap *int, cfg *hal.LaunchConfig, argsSize uint32) {
	if int(argsSize) > *argsCap {
		C.free(*args)
		*argsCap = max(int(argsSize), 256)
		*args = C.calloc(1, C.size_t(*argsCap))
	}
	// Copied from Go (no cgo call): the kernel reads its whole argument
	// struct, so the tail padding the caller may have left out is zeroed.
	if argsSize > 0 {
		dst := unsafe.Slice((*byte)(*args), argsSize)
		n := copy(dst, cfg.Args)
		clear(dst[n:])
	}
	l.grid_dim = C.shal_dim3{x: C.uint32_t(cfg.Grid.X), y: C.uint32_t(cfg.Grid.Y), z: C.uint32_t(cfg.Grid.Z)}
	l.block_dim = C.shal_dim3{x: C.uint32_t(cfg.Block.X), y: C.uint32_t(cfg.Block.Y), z: C.uint32_t(cfg.Block.Z)}
	l.args = *args
	l.shared_bytes = C.uint32_t(cfg.SharedBytes)
	l.workers = 1
	l.grid_barrier = nil
}

// dispatch runs one launch to completion using l as its descriptor; w is
// the calling goroutine's worker.
func (q *queue) dispatch(k *kernel, cfg *hal.LaunchConfig, w *worker) {
	prepare(q.launch, &q.args, &q.argsCap, cfg, k.argsSize)
	runLaunch(q.dev.inst.pool, k, q.launch, cfg, w, q.high)
}

func runLaunch(p *pool, k *kernel, l *C.shal_launch, cfg *hal.LaunchConfig, w *worker, high bool) {
	total := cfg.Grid.Count()
	if total == 0 {
		return
	}
	if cfg.Cooperative {
		runCooperative(p, k, l, cfg, total)
		return
	}
	if total == 1 || p.size == 1 {
		C.shal_cpu_run(k.entry, l, w.sharedFor(cfg.SharedBytes), C.uint32_t(w.index), 0, C.uint64_t(total))
		return
	}
	parts := uint64(p.size)
	chunk := total / (parts * 8)
	if chunk == 0 {
		chunk = 1
	}
	j := &dispatchJob{entry: k.entry, launch: l, shared: cfg.SharedBytes, total: total, chunk: chunk, done: make(chan struct{})}
	helpers := min(uint64(p.size-1), (total+chunk-1)/chunk-1)
	p.offer(j, int(helpers), high)
	j.help(w)
	<-j.done
}

// runCooperative runs every worker of the launch on its own goroutine at
// once, so that shal_grid_sync can wait for all of them.
func runCooperative(p *pool, k *kernel, l *C.shal_launch, cfg *hal.LaunchConfig, total uint64) {
	n := uint64(p.size)
	if n > total {
		n = total
	}
	barrier := C.shal_cpu_new_barrier(C.uint32_t(n))
	defer C.free(barrier)
	l.workers = C.uint32_t(n)
	l.grid_barrier = barrier
	var wg sync.WaitGroup
	for i := uint64(0); i < n; i++ {
		b0, b1 := total*i/n, total*(i+1)/n
		wg.Add(1)
		go func(i uint64) {
			defer wg.Done()
			cw := &worker{index: int(i)}
			defer cw.release()
			C.shal_cpu_run(k.entry, l, cw.sharedFor(cfg.SharedBytes), C.uint32_t(i), C.uint64_t(b0), C.uint64_t(b1))
		}(i)
	}
	wg.Wait()
	l.grid_barrier = nil
}

func (q *queue) Copy(dst, src uint64, n uint64) error {
	if dst == 0 || src == 0 {
		return fmt.Errorf("hal/cpu: copy %d bytes %#x -> %#x: null address: %w", n, src, dst, hal.ErrInvalidValue)
	}
	if n == 0 {
		return nil
	}
	return q.enqueue(op{kind: opCopy, dst: dst, src: src, n: n})
}

func (q *queue) Fill(dst uint64, n uint64, pattern uint32, patternSize int) error {
	if patternSize != 1 && patternSize != 2 && patternSize != 4 {
		return fmt.Errorf("hal/cpu: fill pattern size %d: %w", patternSize, hal.ErrInvalidValue)
	}
	if dst == 0 || n%uint64(patternSize) != 0 {
		return fmt.Errorf("hal/cpu: fill %d bytes at %#x with %d-byte pattern: %w", n, dst, patternSize, hal.ErrInvalidValue)
	}
	if n == 0 {
		return nil
	}
	return q.enqueue(op{kind: opFill, dst: dst, n: n, pattern: pattern, psize: patternSize})
}

// checkLaunch validates a launch against the kernel and the device limits.
func checkLaunch(k *kernel, cfg *hal.LaunchConfig) error {
	b, g := cfg.Block, cfg.Grid
	if b.X == 0 || b.Y == 0 || b.Z == 0 || g.X == 0 || g.Y == 0 || g.Z == 0 {
		return fmt.Errorf("hal/cpu: launch %s: grid %v, block %v: zero dimension: %w", k.name, g, b, hal.ErrInvalidValue)
	}
	if b.Count() > uint64(k.attrs.MaxThreadsPerBlock) || b.X > 1024 || b.Y > 1024 || b.Z > 64 {
		return fmt.Errorf("hal/cpu: launch %s: block %v exceeds the limits (%d threads, 1024x1024x64): %w", k.name, b, k.attrs.MaxThreadsPerBlock, hal.ErrInvalidValue)
	}
	if g.X > maxGridX || g.Y > maxGridYZ || g.Z > maxGridYZ {
		return fmt.Errorf("hal/cpu: launch %s: grid %v exceeds the limits (%dx%dx%d): %w", k.name, g, maxGridX, maxGridYZ, maxGridYZ, hal.ErrInvalidValue)
	}
	if cfg.SharedBytes > sharedMemOptin {
		return fmt.Errorf("hal/cpu: launch %s: %d bytes of dynamic shared memory exceeds %d: %w", k.name, cfg.SharedBytes, sharedMemOptin, hal.ErrInvalidValue)
	}
	if n := uint32(len(cfg.Args)); n < k.argsEnd || n > k.argsSize {
		return fmt.Errorf("hal/cpu: launch %s: %d bytes of arguments, kernel takes %d (%d with padding): %w", k.name, n, k.argsEnd, k.argsSize, hal.ErrInvalidValue)
	}
	if k.coop && !cfg.Cooperative {
		return fmt.Errorf("hal/cpu: launch %s: kernel synchronizes the whole grid; launch it cooperatively: %w", k.name, hal.ErrInvalidValue)
	}
	return nil
}

func (q *queue) Dispatch(hk hal.Kernel, cfg hal.LaunchConfig) error {
	k, ok := hk.(*kernel)
	if !ok || k.exe.dev != q.dev {
		return fmt.Errorf("hal/cpu: dispatch of a kernel from another device: %w", hal.ErrInvalidHandle)
	}
	if err := checkLaunch(k, &cfg); err != nil {
		return err
	}
	if err := k.exe.acquire(); err != nil {
		return err
	}
	if err := q.enqueue(op{kind: opDispatch, kernel: k, cfg: cfg}); err != nil {
		k.exe.release()
		return err
	}
	return nil
}

func (q *queue) HostCall(fn func()) error {
	if fn == nil {
		return fmt.Errorf("hal/cpu: host call of a nil function: %w", hal.ErrInvalidValue)
	}
	return q.enqueue(op{kind: opHost, fn: fn})
}

func (q *queue) Record(he hal.Event) error {
	e, ok := he.(*event)
	if !ok {
		return fmt.Errorf("hal/cpu: record of a foreign event: %w", hal.ErrInvalidHandle)
	}
	m := newMark()
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := q.enqueue(op{kind: opRecord, mark: m}); err != nil {
		return err
	}
	e.cur = m
	return nil
}

func (q *queue) Wait(he hal.Event) error {
	e, ok := he.(*event)
	if !ok {
		return fmt.Errorf("hal/cpu: wait on a foreign event: %w", hal.ErrInvalidHandle)
	}
	m := e.latest()
	if m.reached() {
		return nil
	}
	return q.enqueue(op{kind: opWait, mark: m})
}

func (q *queue) Execute(hg hal.GraphExec) error {
	g, ok := hg.(*graphExec)
	if !ok || g.dev != q.dev {
		return fmt.Errorf("hal/cpu: execute of a graph from another device: %w", hal.ErrInvalidHandle)
	}
	nodes, err := g.acquire()
	if err != nil {
		return err
	}
	if err := q.enqueue(op{kind: opGraph, graph: g, nodes: nodes}); err != nil {
		g.releaseRun()
		return err
	}
	return nil
}

func (q *queue) Synchronize(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	target := q.submitted
	if q.completed < target && ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() {
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		})
		defer stop()
	}
	for q.completed < target {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("hal/cpu: queue synchronize: %w", err)
		}
		q.cond.Wait()
	}
	err := q.err
	q.err = nil
	return err
}

func (q *queue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.completed == q.submitted
}

// Close finishes the enqueued work, then stops the queue's goroutine.
func (q *queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("hal/cpu: queue already closed: %w", hal.ErrInvalidHandle)
	}
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	<-q.exited
	q.w.release()
	C.free(q.args)
	C.free(unsafe.Pointer(q.launch))
	q.args, q.launch = nil, nil
	q.dev.removeQueue(q)
	return nil
}
