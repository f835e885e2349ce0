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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/hostfn"
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
	shared   *sharedEvent // opRecord, opWait of an interprocess event
	seq      uint64       // its record number
}

// queue runs its operations in order on one goroutine, which also takes part
// in every launch it runs. A goroutine that waits for the queue without a
// deadline (Synchronize, or an event's Wait, with a context that cannot
// end) runs the operations it waits for itself when the queue's goroutine
// has not taken them yet: one executor at a time (running), in order, so
// the result is the same, and a launch followed by a synchronize costs no
// hand-off between goroutines.
//
// A kernel fault (a sticky error, see hal.Sticky) discards the work that
// was enqueued behind it when it happened: kernels, copies, fills and graph
// launches are skipped, while event records, waits and host calls still run
// so that other queues and the caller's bookkeeping are not left waiting.
// Work enqueued after that runs again.
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
	running   bool // an executor (loop, or a waiter in help) runs taken operations
	wake      chan struct{}
	exited    chan struct{}

	// skipThrough is the sequence number of the last operation a fault
	// discards.
	skipThrough uint64
	onFault     func(error)
	// cur is the operation running now (nil when idle), named by timeout
	// errors. stuckOp and stuckSince record that a wait with a deadline
	// gave up on operation stuckOp, seen running since stuckSince: Close
	// does not wait for it all over again.
	cur        *op
	stuckOp    uint64
	stuckSince time.Time

	w *worker
	// C scratch for the launch being run: a shal_launch and its arguments.
	launch  *C.shal_launch
	args    unsafe.Pointer
	argsCap int
}

var (
	_ hal.Queue         = (*queue)(nil)
	_ hal.FaultNotifier = (*queue)(nil)
)

func newQueue(d *device, high bool) *queue {
	q := &queue{
		dev:    d,
		high:   high,
		wake:   make(chan struct{}, 1),
		exited: make(chan struct{}),
		w:      newWorker(0),
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
	q.submitted++
	if o.kind == opRecord {
		o.mark.q, o.mark.seq = q, q.submitted
	}
	q.ops = append(q.ops, o)
	q.mu.Unlock()
	q.signal()
	return nil
}

// signal wakes the queue's goroutine.
func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// NotifyFault implements hal.FaultNotifier.
func (q *queue) NotifyFault(fn func(error)) {
	q.mu.Lock()
	q.onFault = fn
	q.mu.Unlock()
}

func (q *queue) loop() {
	defer close(q.exited)
	for {
		q.mu.Lock()
		for (len(q.ops) == 0 || q.running) && !(q.closed && !q.running) {
			q.mu.Unlock()
			<-q.wake
			q.mu.Lock()
		}
		if len(q.ops) == 0 {
			// Closed, and no executor runs anything.
			q.mu.Unlock()
			return
		}
		batch := q.take()
		q.mu.Unlock()
		q.run(batch)
	}
}

// take makes the caller the queue's executor and hands it the operations
// enqueued so far (q.mu held, q.running false, q.ops not empty).
func (q *queue) take() []op {
	batch := q.ops
	q.ops = q.spare[:0]
	q.spare = nil
	q.running = true
	q.cur = &batch[0]
	return batch
}

// run executes a batch that take handed out, then gives up the executor's
// part (in the same critical section as the last operation's completion);
// operations enqueued meanwhile go to the queue's goroutine.
func (q *queue) run(batch []op) {
	seq := q.completed // only the executor changes it
	for i := range batch {
		seq++
		var err error
		if seq <= q.skipThrough {
			q.discard(&batch[i])
		} else {
			err = q.exec(&batch[i])
		}
		var notify func(error)
		last := i+1 == len(batch)
		again := false
		q.mu.Lock()
		if hal.Sticky(err) {
			q.skipThrough = q.submitted
			notify = q.onFault
		}
		q.completed++
		if err != nil && q.err == nil {
			q.err = err
		}
		q.cur = nil
		if !last {
			q.cur = &batch[i+1]
		} else {
			batch[i] = op{}
			q.spare = batch[:0]
			q.running = false
			again = len(q.ops) > 0 || q.closed
		}
		q.cond.Broadcast()
		q.mu.Unlock()
		if notify != nil {
			notify(err)
		}
		if last {
			if again {
				q.signal()
			}
			return
		}
		batch[i] = op{} // drop references for the GC
	}
}

// help runs, on the calling goroutine, the operations up to number target
// that the queue's goroutine has not taken yet, and returns when no more
// can be taken (another executor runs, or target is reached). The caller
// then waits as usual.
func (q *queue) help(target uint64) {
	q.mu.Lock()
	q.helpLocked(target)
	q.mu.Unlock()
}

// helpLocked is help with q.mu held (released while operations run).
func (q *queue) helpLocked(target uint64) {
	for q.completed < target && !q.running && len(q.ops) > 0 {
		batch := q.take()
		q.mu.Unlock()
		q.run(batch)
		q.mu.Lock()
	}
}

func (q *queue) exec(o *op) (err error) {
	switch o.kind {
	case opCopy:
		return q.dev.copy(q.w, o.dst, o.src, o.n)
	case opFill:
		return q.dev.fill(q.w, o.dst, o.n, o.pattern, o.psize)
	case opDispatch:
		defer o.kernel.exe.release()
		return q.dispatch(o.kernel, &o.cfg, q.w)
	case opHost:
		return runHost(o.fn)
	case opRecord:
		o.mark.reach(time.Since(epoch))
		if o.shared != nil {
			o.shared.Reach(o.seq)
			o.shared.Release()
		}
	case opWait:
		if o.shared != nil {
			defer o.shared.Release()
			return o.shared.Wait(context.Background(), o.seq)
		}
		o.mark.wait()
	case opGraph:
		return o.graph.run(q, o.nodes)
	}
	return nil
}

// discard completes an operation that a fault before it cancelled: what
// touches device memory is skipped, what others wait for still happens.
func (q *queue) discard(o *op) {
	switch o.kind {
	case opDispatch:
		o.kernel.exe.release()
	case opGraph:
		o.graph.releaseRunNodes(o.nodes)
	case opHost:
		if err := runHost(o.fn); err != nil {
			q.dev.inst.cfg.Log(2, "%v", err)
		}
	case opRecord:
		o.mark.reach(time.Since(epoch))
		if o.shared != nil {
			o.shared.Reach(o.seq)
			o.shared.Release()
		}
	case opWait:
		if o.shared != nil {
			o.shared.Release()
		}
	}
}

// describe names an operation for timeout errors.
func (o *op) describe() string {
	switch o.kind {
	case opCopy:
		return fmt.Sprintf("a copy of %d bytes", o.n)
	case opFill:
		return fmt.Sprintf("a fill of %d bytes", o.n)
	case opDispatch:
		g, b := o.cfg.Grid, o.cfg.Block
		return fmt.Sprintf("kernel %s (grid (%d,%d,%d), block (%d,%d,%d))", o.kernel.name, g.X, g.Y, g.Z, b.X, b.Y, b.Z)
	case opHost:
		return "a host function"
	case opWait:
		return "a wait for an event"
	case opGraph:
		var names []string
		for _, n := range o.nodes {
			if n.kernel != nil && !slices.Contains(names, n.kernel.name) {
				names = append(names, n.kernel.name)
			}
		}
		return fmt.Sprintf("a graph launch (kernels %s)", strings.Join(names, ", "))
	}
	return "an event record"
}

// runningLocked describes what the queue runs now (q.mu held).
func (q *queue) runningLocked() string {
	if q.cur == nil {
		return "nothing"
	}
	return q.cur.describe()
}

// runHost calls fn, turning a panic into an error reported by Synchronize:
// a host function must not take the whole process down.
func runHost(fn func()) error { return hostfn.Call("hal/cpu", fn) }

// copy and fill run the C copy and fill under the fault handler: an
// address the caller vouched for that is not backed by memory (a host
// registration larger than the memory behind it) is an error, not a crash.
func (d *device) copy(w *worker, dst, src, n uint64) error {
	if C.shal_cpu_copy(C.uint64_t(dst), C.uint64_t(src), C.uint64_t(n), w.fault) != 0 {
		return d.opFault(w.fault, fmt.Sprintf("copy of %d bytes from %#x to %#x", n, src, dst))
	}
	return nil
}

func (d *device) fill(w *worker, dst, n uint64, pattern uint32, psize int) error {
	if C.shal_cpu_fill(C.uint64_t(dst), C.uint64_t(n), C.uint32_t(pattern), C.int(psize), w.fault) != 0 {
		return d.opFault(w.fault, fmt.Sprintf("fill of %d bytes at %#x", n, dst))
	}
	return nil
}

// opFault is the error of a copy or fill that faulted.
func (d *device) opFault(f *C.shal_fault, what string) error {
	addr := uint64(f.addr)
	return fmt.Errorf("hal/cpu: %s on device %d faulted at address %#x (%s): %w", what, d.ordinal, addr, d.describeMemory(addr), hal.ErrIllegalAddress)
}

// dispatchJob spreads a launch's blocks over the participants in chunks.
// A helper may take it from the pool's channel after the launch is over:
// it then finds no chunk left and touches nothing else.
type dispatchJob struct {
	dev    *device
	k      *kernel
	grid   hal.Dim3
	shared uint32
	launch *C.shal_launch
	total  uint64
	chunk  uint64
	next   atomic.Uint64
	doneN  atomic.Uint64
	done   chan struct{}
	once   sync.Once
	err    error
}

func (j *dispatchJob) help(w *worker) {
	var shared unsafe.Pointer
	for {
		b0 := j.next.Add(j.chunk) - j.chunk
		if b0 >= j.total {
			return
		}
		if shared == nil {
			shared = w.sharedFor(j.shared)
		}
		b1 := min(b0+j.chunk, j.total)
		n := b1 - b0
		if C.shal_cpu_run(j.k.entry, j.k.take, j.launch, shared, C.uint32_t(w.index), C.uint64_t(b0), C.uint64_t(b1), w.fault) != 0 {
			err := j.dev.newFault(w.fault, faultSite{kernel: j.k.name, grid: j.grid, shared: uint64(uintptr(shared)), sharedSize: j.shared})
			j.once.Do(func() { j.err = err })
			// No worker starts another chunk; the ones not started count as
			// done.
			if rest := j.next.Swap(j.total); rest < j.total {
				n += j.total - rest
			}
		}
		if j.doneN.Add(n) == j.total {
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
	l.grid_workspace = nil
}

// dispatch runs one launch to completion using l as its descriptor; w is
// the calling goroutine's worker.
func (q *queue) dispatch(k *kernel, cfg *hal.LaunchConfig, w *worker) error {
	prepare(q.launch, &q.args, &q.argsCap, cfg, k.argsSize)
	return q.dev.runLaunch(k, q.launch, cfg, w, q.high)
}

func (d *device) runLaunch(k *kernel, l *C.shal_launch, cfg *hal.LaunchConfig, w *worker, high bool) error {
	p := d.inst.pool
	total := cfg.Grid.Count()
	if total == 0 {
		return nil
	}
	if cfg.Cooperative {
		return d.runCooperative(k, l, cfg, total)
	}
	var err error
	if total == 1 || p.size == 1 {
		shared := w.sharedFor(cfg.SharedBytes)
		if C.shal_cpu_run(k.entry, k.take, l, shared, C.uint32_t(w.index), 0, C.uint64_t(total), w.fault) != 0 {
			err = d.newFault(w.fault, faultSite{kernel: k.name, grid: cfg.Grid, shared: uint64(uintptr(shared)), sharedSize: cfg.SharedBytes})
		}
	} else {
		parts := uint64(p.size)
		chunk := total / (parts * 8)
		if chunk == 0 {
			chunk = 1
		}
		j := &dispatchJob{dev: d, k: k, grid: cfg.Grid, shared: cfg.SharedBytes, launch: l, total: total, chunk: chunk, done: make(chan struct{})}
		helpers := min(uint64(p.size-1), (total+chunk-1)/chunk-1)
		p.offer(j, int(helpers), high)
		j.help(w)
		<-j.done
		err = j.err
	}
	if err == nil && d.mc != nil {
		err = d.mc.checkAfter(d, k.name, cfg.Grid)
	}
	return err
}

// runCooperative runs every worker of the launch on its own goroutine at
// once, so that shal_grid_sync can wait for all of them: as many workers
// as the pool has, each with a range of blocks, or, for a coresident
// kernel (one whose blocks wait for each other through the grid
// workspace, as CUDA's grid.sync does), one worker per block. A worker
// that faults breaks the grid barrier and sets the workspace's abort word,
// so the others leave their kernels at their next grid sync (or polling
// load) instead of waiting for it forever.
func (d *device) runCooperative(k *kernel, l *C.shal_launch, cfg *hal.LaunchConfig, total uint64) error {
	n := uint64(d.inst.pool.size)
	if k.coresident {
		n = total // checkLaunch bounds it by maxCoresidentBlocks
	}
	if n > total {
		n = total
	}
	barrier := C.shal_cpu_new_barrier(C.uint32_t(n))
	ws := C.shal_cpu_new_grid_workspace()
	defer C.free(barrier)
	defer C.free(ws)
	if barrier == nil || ws == nil {
		return fmt.Errorf("hal/cpu: cooperative launch of %s: no memory for its grid barrier: %w", k.name, hal.ErrOutOfMemory)
	}
	l.workers = C.uint32_t(n)
	l.grid_barrier = barrier
	l.grid_workspace = ws
	var wg sync.WaitGroup
	var once sync.Once
	var ferr error
	for i := uint64(0); i < n; i++ {
		b0, b1 := total*i/n, total*(i+1)/n
		wg.Add(1)
		go func(i uint64) {
			defer wg.Done()
			cw := newWorker(int(i))
			defer cw.destroy()
			shared := cw.sharedFor(cfg.SharedBytes)
			if r := C.shal_cpu_run(k.entry, k.take, l, shared, C.uint32_t(i), C.uint64_t(b0), C.uint64_t(b1), cw.fault); r > 0 || r == -2 {
				err := d.newFault(cw.fault, faultSite{kernel: k.name, grid: cfg.Grid, shared: uint64(uintptr(shared)), sharedSize: cfg.SharedBytes})
				once.Do(func() { ferr = err })
			}
		}(i)
	}
	wg.Wait()
	l.grid_barrier = nil
	l.grid_workspace = nil
	return ferr
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
	if k.coresident && cfg.Cooperative && g.Count() > maxCoresidentBlocks {
		return fmt.Errorf("hal/cpu: cooperative launch of %s: grid %v has %d blocks; the CPU runs at most %d blocks of a grid-synchronizing kernel at once (one thread each): %w",
			k.name, g, g.Count(), maxCoresidentBlocks, hal.ErrCooperativeLaunchTooLarge)
	}
	return nil
}

// maxCoresidentBlocks bounds the blocks of a cooperative launch of a
// coresident kernel, which each get an OS thread: as on a GPU, a grid that
// synchronizes must fit the device at once.
const maxCoresidentBlocks = 1024

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
	o := op{kind: opRecord, mark: m}
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return fmt.Errorf("hal/cpu: record of a closed event: %w", hal.ErrInvalidHandle)
		}
		o.shared, o.seq = s, s.Record()
	}
	if err := q.enqueue(o); err != nil {
		if o.shared != nil {
			// The number is taken: mark it reached, or waits for it
			// would never end.
			o.shared.Reach(o.seq)
			o.shared.Release()
		}
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
	if s := e.shared; s != nil {
		if !s.Acquire() {
			return fmt.Errorf("hal/cpu: wait on a closed event: %w", hal.ErrInvalidHandle)
		}
		t := s.Target()
		if s.Done(t) {
			s.Release()
			return nil
		}
		if err := q.enqueue(op{kind: opWait, shared: s, seq: t}); err != nil {
			s.Release()
			return err
		}
		return nil
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
	if ctx.Done() == nil {
		// Nothing can end this wait: run the work here rather than wait
		// for the queue's goroutine to wake up and run it.
		q.helpLocked(target)
	}
	var start time.Time // when a wait that can give up began (not read otherwise)
	if q.completed < target && ctx.Done() != nil {
		start = time.Now()
		stop := context.AfterFunc(ctx, func() {
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		})
		defer stop()
	}
	for q.completed < target {
		if err := ctx.Err(); err != nil {
			q.noteStuckLocked(start)
			return fmt.Errorf("hal/cpu: queue synchronize on device %d: %s still running: %w", q.dev.ordinal, q.runningLocked(), err)
		}
		q.cond.Wait()
	}
	err := q.err
	q.err = nil
	q.dev.flushOutput() // what the kernels printed, as CUDA prints it here
	return err
}

// noteStuckLocked records that a wait that began at start gave up on the
// operation running now (q.mu held).
func (q *queue) noteStuckLocked(start time.Time) {
	if q.cur == nil {
		return
	}
	if op := q.completed + 1; q.stuckOp != op || start.Before(q.stuckSince) {
		q.stuckOp, q.stuckSince = op, start
	}
}

func (q *queue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.completed == q.submitted
}

// Close finishes the enqueued work, then stops the queue's goroutine. It
// waits for the work at most the close timeout (hal.Config.CloseTimeout),
// counted from when an earlier wait with a deadline already saw the same
// operation running: if the work is still running then, Close gives the
// queue up. Its goroutine (and the OS thread in the kernel) stays where it
// is, the memory the kernel uses stays allocated, busy pool helpers are
// replaced, and the error names the operation.
func (q *queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("hal/cpu: queue already closed: %w", hal.ErrInvalidHandle)
	}
	q.closed = true
	timeout := q.dev.inst.cfg.CloseWait()
	var since time.Time
	if q.cur != nil && q.stuckOp == q.completed+1 {
		since = q.stuckSince
	}
	now := time.Now()
	wait := hal.CloseDeadline(now, since, timeout).Sub(now)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	if !waitClosed(q.exited, wait) {
		q.mu.Lock()
		what := q.runningLocked()
		q.mu.Unlock()
		return q.dev.giveUpQueue(q, what, timeout)
	}
	q.free()
	q.dev.removeQueue(q)
	return nil
}

// free releases the queue's C memory and worker once its goroutine exited.
func (q *queue) free() {
	q.w.destroy()
	C.free(q.args)
	C.free(unsafe.Pointer(q.launch))
	q.args, q.launch = nil, nil
}

// waitClosed waits up to d for ch to be closed and reports whether it was.
func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}
