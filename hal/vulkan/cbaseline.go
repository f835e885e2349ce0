//go:build cgo

package vulkan

/*
#include <stdint.h>
#include "shim.h"
int64_t shal_bench_vk_dispatch(shal_dev* d, VkQueue q, uint32_t family, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, uint32_t gx, int64_t n, int sync_each);
int64_t shal_bench_vk_signal(shal_dev* d, VkQueue q, uint32_t family, VkQueryPool pool, int64_t n);
int64_t shal_bench_vk_copy(shal_dev* d, VkQueue q, uint32_t family, VkBuffer src, VkDeviceSize srcOff,
	VkBuffer dst, VkDeviceSize dstOff, VkDeviceSize size, int64_t n);
int64_t shal_bench_memcpy(void* dst, const void* src, size_t size, int64_t n);
VkResult shal_bench_vk_round(shal_dev* d, VkQueue q, VkCommandBuffer c, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, VkSemaphore tl, uint64_t value);
*/
import "C"

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

// baseline is the plain-C Vulkan baseline of streamhal bench: loops in C
// (cbaseline.c) on the same device, through the same function pointers, on
// a VkQueue of the device (held for the duration of each loop, so nothing
// else submits to it meanwhile), with the same pipelines as hal/vulkan's
// kernels and the same buffers as the copies. It is no part of the
// driver's API: streamhal bench reaches it with a type assertion
// (NewCBaseline) and calls the methods through an interface of its own.
type baseline struct {
	d           *device
	exe         hal.Executable
	empty, vadd *kernel
	q           *queue // its VkQueue is the one the loops submit to
	closed      atomic.Bool
}

// NewCBaseline opens the plain-C baseline on d with the kernels (empty,
// vector_add) of image: SPIR-V, PTX or a fat module with one of them.
func (d *device) NewCBaseline(image []byte) (io.Closer, error) {
	if d.isClosed() {
		return nil, errClosedDevice
	}
	format, err := modfile.Detect(image)
	if err != nil {
		return nil, fmt.Errorf("hal/vulkan: baseline module (%d bytes): %w", len(image), err)
	}
	if format == hal.FormatFat {
		entries, err := modfile.ParseFat(image)
		if err != nil {
			return nil, fmt.Errorf("hal/vulkan: baseline fat module: %w", err)
		}
		e, err := modfile.Select(entries, d.Formats(), d.info.Arch)
		if err != nil {
			return nil, fmt.Errorf("hal/vulkan: baseline fat module on %s: %w", d.info.Name, err)
		}
		format, image = e.Format, e.Data
	}
	b := &baseline{d: d}
	ok := false
	defer func() {
		if !ok {
			b.Close()
		}
	}()
	if b.exe, err = d.Load(format, image); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		name string
		p    **kernel
	}{{"empty", &b.empty}, {"vector_add", &b.vadd}} {
		hk, err := b.exe.Kernel(k.name)
		if err != nil {
			return nil, fmt.Errorf("hal/vulkan: baseline needs a %q kernel: %w", k.name, err)
		}
		*k.p = hk.(*kernel)
	}
	if b.q, err = d.newQueue(false); err != nil {
		return nil, err
	}
	ok = true
	return b, nil
}

// Close releases the baseline's module and queue.
func (b *baseline) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("hal/vulkan: baseline already closed: %w", hal.ErrInvalidHandle)
	}
	var errs []error
	if b.q != nil {
		errs = append(errs, b.q.Close())
	}
	if b.exe != nil {
		errs = append(errs, b.exe.Close())
	}
	return errors.Join(errs...)
}

func (b *baseline) check(what string, n int) error {
	if b.closed.Load() {
		return fmt.Errorf("hal/vulkan: baseline %s: closed: %w", what, hal.ErrInvalidHandle)
	}
	if b.d.isClosed() {
		return errClosedDevice
	}
	if n < 0 {
		return fmt.Errorf("hal/vulkan: baseline %s: %d repetitions: %w", what, n, hal.ErrInvalidValue)
	}
	return nil
}

// result turns a C loop's return into a duration or an error.
func result(ns C.int64_t, what string) (time.Duration, error) {
	if ns < 0 {
		return 0, check(C.VkResult(-ns), "C baseline %s", what)
	}
	return time.Duration(ns), nil
}

// dispatch runs the C dispatch loop of k with args on the baseline's
// VkQueue, after the queue's own work.
func (b *baseline) dispatch(k *kernel, cfg hal.LaunchConfig, n int, syncEach bool, what string) (time.Duration, error) {
	pipe, err := k.prepare(cfg)
	if err != nil {
		return 0, err
	}
	push := k.pushBlock(cfg) // as kernel.record builds it
	if err := b.q.Synchronize(context.Background()); err != nil {
		return 0, err
	}
	vq := b.q.vq
	vq.mu.Lock()
	defer vq.mu.Unlock()
	return result(C.shal_bench_vk_dispatch(b.d.c, vq.q, C.uint32_t(b.d.family), pipe, k.layout, cbytes(push), C.uint32_t(k.pushSize()),
		C.uint32_t(cfg.Grid.X), C.int64_t(n), cbool(syncEach)), what)
}

var empty1 = hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}

// LaunchEnqueue records and submits n dispatches of the empty kernel (one
// group), one command buffer and vkQueueSubmit each, and waits once,
// untimed.
func (b *baseline) LaunchEnqueue(n int) (time.Duration, error) {
	if err := b.check("launch enqueue", n); err != nil {
		return 0, err
	}
	return b.dispatch(b.empty, empty1, n, false, "launch enqueue")
}

// LaunchSync runs n × (record the empty dispatch, vkQueueSubmit signalling
// a timeline semaphore, vkWaitSemaphores).
func (b *baseline) LaunchSync(n int) (time.Duration, error) {
	if err := b.check("launch+synchronize", n); err != nil {
		return 0, err
	}
	return b.dispatch(b.empty, empty1, n, true, "launch+synchronize")
}

// EventSync runs n × (a command buffer writing a timestamp, submitted
// with vkQueueSubmit signalling the timeline + vkWaitSemaphores): what a
// timing event's record and synchronize are on hal/vulkan.
func (b *baseline) EventSync(n int) (time.Duration, error) {
	if err := b.check("event record+synchronize", n); err != nil {
		return 0, err
	}
	var pool C.VkQueryPool
	if err := check(C.shal_create_query_pool(b.d.c, 1, &pool), "vkCreateQueryPool for the baseline"); err != nil {
		return 0, err
	}
	defer C.shal_destroy_query_pool(b.d.c, pool)
	vq := b.q.vq
	vq.mu.Lock()
	defer vq.mu.Unlock()
	return result(C.shal_bench_vk_signal(b.d.c, vq.q, C.uint32_t(b.d.family), pool, C.int64_t(n)), "event record+synchronize")
}

// VectorAdd runs reps × (record vector_add(a, bb, c, n) over n/256 groups
// of 256 with the same pipeline, submit, wait). a, bb and c are device
// addresses of at least 4n bytes each on b's device.
func (b *baseline) VectorAdd(a, bb, c uint64, n uint32, reps int) (time.Duration, error) {
	if err := b.check("vector_add", reps); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("hal/vulkan: baseline vector_add of 0 elements: %w", hal.ErrInvalidValue)
	}
	args := make([]byte, 28)
	binary.LittleEndian.PutUint64(args[0:], a)
	binary.LittleEndian.PutUint64(args[8:], bb)
	binary.LittleEndian.PutUint64(args[16:], c)
	binary.LittleEndian.PutUint32(args[24:], n)
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: (n + 255) / 256, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: args}
	return b.dispatch(b.vadd, cfg, reps, true, "vector_add")
}

// CopyDtoD runs n × (record vkCmdCopyBuffer between the buffers that hold
// src and dst, submit, wait).
func (b *baseline) CopyDtoD(dst, src uint64, size uint64, n int) (time.Duration, error) {
	if err := b.check("DtoD", n); err != nil {
		return 0, err
	}
	da, doff, err := b.d.resolve("baseline copy destination", dst, size)
	if err != nil {
		return 0, err
	}
	sa, soff, err := b.d.resolve("baseline copy source", src, size)
	if err != nil {
		return 0, err
	}
	vq := b.q.vq
	vq.mu.Lock()
	defer vq.mu.Unlock()
	return result(C.shal_bench_vk_copy(b.d.c, vq.q, C.uint32_t(b.d.family), sa.buffer, C.VkDeviceSize(soff), da.buffer, C.VkDeviceSize(doff),
		C.VkDeviceSize(size), C.int64_t(n)), "DtoD")
}

// mapped returns the host mapping of [addr, addr+size), or an error when
// the memory is not host-visible (the copy then goes through hal/vulkan's
// staging buffer, which this baseline does not model).
func (b *baseline) mapped(addr, size uint64) (unsafe.Pointer, error) {
	a, off, err := b.d.resolve("baseline copy", addr, size)
	if err != nil {
		return nil, err
	}
	if a.mapped == nil || b.d.forceStaging {
		return nil, fmt.Errorf("hal/vulkan: baseline copy: memory at %#x is not host-visible: %w", addr, hal.ErrNotSupported)
	}
	return unsafe.Add(a.mapped, off-a.bufOff), nil
}

// CopyHtoD runs n × C memcpy of size bytes from src into the host-visible
// device memory at dst: the path hal/vulkan's CopyFromHost takes for such
// memory.
func (b *baseline) CopyHtoD(dst uint64, src unsafe.Pointer, size uint64, n int) (time.Duration, error) {
	if err := b.check("HtoD", n); err != nil {
		return 0, err
	}
	m, err := b.mapped(dst, size)
	if err != nil {
		return 0, err
	}
	return result(C.shal_bench_memcpy(m, src, C.size_t(size), C.int64_t(n)), "HtoD")
}

// CopyDtoH runs n × C memcpy of size bytes out of the host-visible device
// memory at src.
func (b *baseline) CopyDtoH(dst unsafe.Pointer, src uint64, size uint64, n int) (time.Duration, error) {
	if err := b.check("DtoH", n); err != nil {
		return 0, err
	}
	m, err := b.mapped(src, size)
	if err != nil {
		return 0, err
	}
	return result(C.shal_bench_memcpy(dst, m, C.size_t(size), C.int64_t(n)), "DtoH")
}

// GoLaunchSync is LaunchSync's loop written in Go: the same Vulkan calls
// on the same objects, each its own cgo call (begin, dispatch, end,
// vkQueueSubmit, vkWaitSemaphores), and nothing else. It separates what a
// Go caller of Vulkan pays for crossing into C and blocking there from
// what hal/vulkan's own code adds (BenchmarkLaunchSyncLayers).
func (b *baseline) GoLaunchSync(n int) (time.Duration, error) {
	return b.goLaunchSync(n, false)
}

// GoLaunchSyncOneCall is GoLaunchSync with each round trip one cgo call
// (the same five Vulkan calls in C): what is left between it and the C
// loop is not the crossings' count.
func (b *baseline) GoLaunchSyncOneCall(n int) (time.Duration, error) {
	return b.goLaunchSync(n, true)
}

func (b *baseline) goLaunchSync(n int, oneCall bool) (time.Duration, error) {
	if err := b.check("launch+synchronize (Go loop)", n); err != nil {
		return 0, err
	}
	k := b.empty
	pipe, err := k.prepare(empty1)
	if err != nil {
		return 0, err
	}
	push := k.pushBlock(empty1)
	if err := b.q.Synchronize(context.Background()); err != nil {
		return 0, err
	}
	d := b.d.c
	var pool C.VkCommandPool
	if err := check(C.shal_create_command_pool(d, C.uint32_t(b.d.family), &pool), "baseline command pool"); err != nil {
		return 0, err
	}
	defer C.shal_destroy_command_pool(d, pool)
	var cb C.VkCommandBuffer
	if err := check(C.shal_alloc_command_buffer(d, pool, &cb), "baseline command buffer"); err != nil {
		return 0, err
	}
	defer C.shal_free_command_buffer(d, pool, cb)
	var tl C.VkSemaphore
	if err := check(C.shal_create_timeline(d, 0, &tl), "baseline timeline"); err != nil {
		return 0, err
	}
	defer C.shal_destroy_semaphore(d, tl)
	vq := b.q.vq
	vq.mu.Lock()
	defer vq.mu.Unlock()
	var r C.VkResult
	t0 := time.Now()
	for i := 1; i <= n && r == C.VK_SUCCESS; i++ {
		if oneCall {
			r = C.shal_bench_vk_round(d, vq.q, cb, pipe, k.layout, cbytes(push), C.uint32_t(k.pushSize()), tl, C.uint64_t(i))
			continue
		}
		if r = C.shal_begin(d, cb, C.VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT); r != C.VK_SUCCESS {
			break
		}
		C.shal_cmd_dispatch(d, cb, 0, pipe, k.layout, cbytes(push), C.uint32_t(k.pushSize()), 1, 1, 1, C.UINT32_MAX, C.UINT32_MAX, C.UINT32_MAX)
		if r = C.shal_end(d, cb); r != C.VK_SUCCESS {
			break
		}
		if r = C.shal_submit(d, vq.q, cb, 0, nil, nil, tl, C.uint64_t(i)); r != C.VK_SUCCESS {
			break
		}
		r = C.shal_wait_semaphore(d, tl, C.uint64_t(i), C.UINT64_MAX)
	}
	dt := time.Since(t0)
	if err := check(r, "baseline launch+synchronize (Go loop)"); err != nil {
		return 0, err
	}
	return dt, nil
}
