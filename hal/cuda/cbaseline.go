//go:build cgo

package cuda

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// baseline times plain-C loops over libcuda: the baselines that tools
// outside this package (streamhal bench, through NewCBaseline) compare the streamhal call paths
// with. Each method is one cgo call into a C loop of shal_cuda.c (the same
// loops as this package's own benchmarks) that calls libcuda through the
// function pointers the driver uses, with no Go code between the calls, and
// returns the time of the part the method names.
//
// Context handling: each method makes the device's primary context current
// with cuCtxSetCurrent at the start of its C call, on whatever OS thread
// that call runs, and keeps it current for the loop, as a C program that
// sets its context once would; so the goroutine calling a baseline needs no
// runtime.LockOSThread. Unlike the driver's trampolines, the loops do not
// restore a context that was current on the thread before: it stays the
// device's, which nothing in streamhal depends on (every driver call makes
// its own context current).
//
// The baseline owns a module (loaded from the image given to newBaseline),
// a CU_STREAM_NON_BLOCKING stream and a timing event; its operations run on
// that stream. A baseline is not safe for concurrent use, and its device
// must stay open until Close.
type baseline struct {
	d      *device
	exe    hal.Executable
	q      *queue
	ev     hal.Event
	empty  *kernel
	vadd   *kernel
	closed atomic.Bool
}

// newBaseline opens a plain-C libcuda baseline on dev, which must be a
// device of this driver (streaming.Device.HAL returns it). image holds the
// kernels: PTX, cubin, fatbin, or a streamhal fat module (the binary that
// suits dev is chosen, as streaming.Context.LoadModuleData does). It must
// have an `empty` kernel with no parameters and a `vector_add(const float
// *a, const float *b, float *c, uint32 n)` kernel (the project's test
// kernels, testdata/test_kernels.*).
func newBaseline(dev hal.Device, image []byte) (*baseline, error) {
	d, ok := dev.(*device)
	if !ok || d == nil {
		return nil, fmt.Errorf("hal/cuda: baseline on device %T: not a CUDA device: %w", dev, hal.ErrInvalidHandle)
	}
	if err := d.usable(); err != nil {
		return nil, err
	}
	format, err := modfile.Detect(image)
	if err != nil {
		return nil, fmt.Errorf("hal/cuda: baseline module (%d bytes): %w", len(image), err)
	}
	if format == hal.FormatFat {
		entries, err := modfile.ParseFat(image)
		if err != nil {
			return nil, fmt.Errorf("hal/cuda: baseline fat module: %w", err)
		}
		e, err := modfile.Select(entries, d.Formats(), d.info.Arch)
		if err != nil {
			return nil, fmt.Errorf("hal/cuda: baseline fat module on %s: %w", d.info.Name, err)
		}
		format, image = e.Format, e.Data
	}
	b := &baseline{d: d}
	ok = false
	defer func() {
		if !ok {
			b.release()
		}
	}()
	if b.exe, err = d.Load(format, image); err != nil {
		return nil, err
	}
	k, err := b.exe.Kernel("empty")
	if err != nil {
		return nil, fmt.Errorf("hal/cuda: baseline needs an `empty` kernel: %w", err)
	}
	b.empty = k.(*kernel)
	if len(b.empty.params) != 0 {
		return nil, fmt.Errorf("hal/cuda: baseline kernel empty has parameters %v, want none: %w", b.empty.params, hal.ErrInvalidImage)
	}
	if k, err = b.exe.Kernel("vector_add"); err != nil {
		return nil, fmt.Errorf("hal/cuda: baseline needs a `vector_add` kernel: %w", err)
	}
	b.vadd = k.(*kernel)
	if ps := b.vadd.params; ps != nil && (len(ps) != 4 || ps[0].Size != 8 || ps[1].Size != 8 || ps[2].Size != 8 || ps[3].Size != 4 ||
		ps[0].Offset != 0 || ps[1].Offset != 8 || ps[2].Offset != 16 || ps[3].Offset != 24) {
		return nil, fmt.Errorf("hal/cuda: baseline kernel vector_add has parameters %v, want (a, b, c *float, n uint32): %w", ps, hal.ErrInvalidImage)
	}
	q, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		return nil, err
	}
	b.q = q.(*queue)
	if b.ev, err = d.NewEvent(0); err != nil {
		return nil, err
	}
	ok = true
	return b, nil
}

// release frees what b holds.
func (b *baseline) release() error {
	var errs []error
	if b.ev != nil {
		errs = append(errs, b.ev.Close())
	}
	if b.q != nil {
		errs = append(errs, b.q.Close())
	}
	if b.exe != nil {
		errs = append(errs, b.exe.Close())
	}
	return errors.Join(errs...)
}

// Close releases the module, stream and event. A second Close is an error
// wrapping hal.ErrInvalidHandle.
func (b *baseline) Close() error {
	if b.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: baseline already closed: %w", hal.ErrInvalidHandle)
	}
	// Work left on the stream would outlive it otherwise.
	err := b.q.Synchronize(context.Background())
	return errors.Join(err, b.release())
}

// check validates a call of method what with n repetitions.
func (b *baseline) check(what string, n int) error {
	if b.closed.Load() {
		return fmt.Errorf("hal/cuda: baseline %s: baseline is closed: %w", what, hal.ErrInvalidHandle)
	}
	if err := b.d.usable(); err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("hal/cuda: baseline %s: %d repetitions: %w", what, n, hal.ErrInvalidValue)
	}
	return nil
}

// LaunchEnqueue launches the empty kernel (1 block of 1 thread) n times
// with cuLaunchKernel, then waits with cuStreamSynchronize; it returns the
// time of the launches alone.
func (b *baseline) LaunchEnqueue(n int) (time.Duration, error) {
	if err := b.check("launch enqueue", n); err != nil {
		return 0, err
	}
	return cBenchLaunch(b.q, b.empty, n, 1, 1, nil, false, false)
}

// LaunchSync runs n × (cuLaunchKernel of the empty kernel +
// cuStreamSynchronize) and returns the time of all of it.
func (b *baseline) LaunchSync(n int) (time.Duration, error) {
	if err := b.check("launch+synchronize", n); err != nil {
		return 0, err
	}
	return cBenchLaunch(b.q, b.empty, n, 1, 1, nil, true, false)
}

// EventSync runs n × (cuEventRecord on the idle stream +
// cuEventSynchronize) with a timing event (flags 0).
func (b *baseline) EventSync(n int) (time.Duration, error) {
	if err := b.check("event record+synchronize", n); err != nil {
		return 0, err
	}
	return cBenchEvent(b.q, b.ev, n)
}

// CopyHtoD runs cuMemcpyHtoD(dst, src, size) n times. dst is a device
// address of b's device; src is host memory of at least size bytes
// (page-locked, C or Go memory: the copy runs within this call).
func (b *baseline) CopyHtoD(dst uint64, src unsafe.Pointer, size uint64, n int) (time.Duration, error) {
	if err := b.check("HtoD", n); err != nil {
		return 0, err
	}
	if src == nil && size > 0 {
		return 0, fmt.Errorf("hal/cuda: baseline HtoD of %d bytes from a nil host pointer: %w", size, hal.ErrInvalidValue)
	}
	return cBenchHtoD(b.d, dst, src, size, n)
}

// CopyDtoH runs cuMemcpyDtoH(dst, src, size) n times. dst is host memory
// of at least size bytes (page-locked, C or Go memory); src a device
// address of b's device.
func (b *baseline) CopyDtoH(dst unsafe.Pointer, src uint64, size uint64, n int) (time.Duration, error) {
	if err := b.check("DtoH", n); err != nil {
		return 0, err
	}
	if dst == nil && size > 0 {
		return 0, fmt.Errorf("hal/cuda: baseline DtoH of %d bytes to a nil host pointer: %w", size, hal.ErrInvalidValue)
	}
	return cBenchDtoH(b.d, dst, src, size, n)
}

// CopyDtoD runs n × (cuMemcpyAsync(dst, src, size) on b's stream +
// cuStreamSynchronize): a synchronous device-to-device copy, as
// cuMemcpyDtoD followed by a wait for it. It returns the sum of the n
// copies' times, each timed inside C.
func (b *baseline) CopyDtoD(dst, src uint64, size uint64, n int) (time.Duration, error) {
	if err := b.check("DtoD", n); err != nil {
		return 0, err
	}
	var total time.Duration
	for range n {
		t, err := cBenchDtoD(b.q, dst, src, size, 1)
		if err != nil {
			return 0, err
		}
		total += t
	}
	return total, nil
}

// VectorAdd runs reps × (cuLaunchKernel of vector_add(a, bb, c, n) over
// ceil(n/256) blocks of 256 threads + cuStreamSynchronize). a, bb and c are
// device addresses of at least 4n bytes each on b's device.
func (b *baseline) VectorAdd(a, bb, c uint64, n uint32, reps int) (time.Duration, error) {
	if err := b.check("vector_add", reps); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("hal/cuda: baseline vector_add of 0 elements: %w", hal.ErrInvalidValue)
	}
	// The kernel's parameter buffer: three pointers and a uint32, packed
	// by the C rule (28 bytes, the end of the last parameter).
	args := make([]byte, 28)
	binary.LittleEndian.PutUint64(args[0:], a)
	binary.LittleEndian.PutUint64(args[8:], bb)
	binary.LittleEndian.PutUint64(args[16:], c)
	binary.LittleEndian.PutUint32(args[24:], n)
	return cBenchLaunch(b.q, b.vadd, reps, uint32((uint64(n)+255)/256), 256, args, true, false)
}

// GraphReplay builds a native CUDA graph of a chain of nodes launches of
// the empty kernel, instantiates it and replays it once (uploading it), then
// times reps cuGraphLaunch calls followed by one cuStreamSynchronize. The
// graph is built anew in each call, outside the timed part.
func (b *baseline) GraphReplay(nodes, reps int) (time.Duration, error) {
	if err := b.check("graph replay", reps); err != nil {
		return 0, err
	}
	if nodes < 1 || nodes > 1<<20 {
		return 0, fmt.Errorf("hal/cuda: baseline graph of %d nodes (want 1 to %d): %w", nodes, 1<<20, hal.ErrInvalidValue)
	}
	return cBenchGraph(b.q, b.empty, nodes, reps)
}

// HostFuncSync runs n × (cuLaunchHostFunc of an empty C function +
// cuStreamSynchronize) on b's stream.
func (b *baseline) HostFuncSync(n int) (time.Duration, error) {
	if err := b.check("host function+synchronize", n); err != nil {
		return 0, err
	}
	return cBenchHostFunc(b.q, n)
}

// PoolAlloc runs n × (cuMemAllocAsync + cuMemFreeAsync of size bytes from
// the device's current pool) on b's stream, then one untimed
// cuStreamSynchronize.
func (b *baseline) PoolAlloc(size uint64, n int) (time.Duration, error) {
	if err := b.check("pool alloc+free", n); err != nil {
		return 0, err
	}
	if size == 0 {
		return 0, fmt.Errorf("hal/cuda: baseline pool allocation of 0 bytes: %w", hal.ErrInvalidValue)
	}
	return cBenchPool(b.q, size, n)
}

// NewCBaseline opens the plain-C libcuda baseline (see baseline) on d with
// the kernels of image, for streamhal bench, which reaches it by a type
// assertion on the hal.Device and calls the timing methods through an
// interface of its own: a benchmark harness is no part of the driver's API.
func (d *device) NewCBaseline(image []byte) (io.Closer, error) {
	b, err := newBaseline(d, image)
	if err != nil {
		return nil, err
	}
	return b, nil
}
