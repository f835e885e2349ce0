//go:build cgo

package cuda

/*
#include <stdlib.h>
#include <string.h>
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// This file gives the benchmarks (bench_test.go, which cannot use cgo) the
// plain-C baselines of shal_cuda.c: loops that call libcuda through the same
// function pointers as the driver, with the context made current once, as a
// C program would. cbaseline.go offers the same loops to tools
// outside the package.

func benchResult(ns C.longlong, what string) (time.Duration, error) {
	if ns < 0 {
		return 0, check(C.CUresult(-ns), "C baseline %s", what)
	}
	return time.Duration(ns), nil
}

// cBenchLaunch launches k (grid x block, 1-D) n times with args, optionally
// synchronizing after each launch and/or before stopping the clock.
func cBenchLaunch(q hal.Queue, k hal.Kernel, n int, grid, block uint32, args []byte, syncEach, syncEnd bool) (time.Duration, error) {
	qq, kk := q.(*queue), k.(*kernel)
	var p unsafe.Pointer
	if len(args) > 0 {
		p = C.CBytes(args)
		defer C.free(p)
	}
	b := func(v bool) C.int {
		if v {
			return 1
		}
		return 0
	}
	return benchResult(C.shal_bench_launch(qq.d.ctx, kk.fn, qq.stream, C.longlong(n), C.uint(grid), C.uint(block), p, C.size_t(len(args)), b(syncEach), b(syncEnd)), "launch")
}

// cBenchLaunchVia enqueues k on q n times (one block of one thread)
// through hal's C entry shal_launch, in a C loop, then synchronizes
// untimed.
func cBenchLaunchVia(q hal.Queue, k hal.Kernel, n int, args []byte) (time.Duration, error) {
	qq, kk := q.(*queue), k.(*kernel)
	var p unsafe.Pointer
	if len(args) > 0 {
		p = C.CBytes(args)
		defer C.free(p)
	}
	return benchResult(C.shal_bench_launch_via(qq.d.ctx, kk.fn, qq.stream, C.longlong(n), p, C.size_t(len(args))), "launch via shal_launch")
}

// cBenchEvent records e on q and waits for it, n times.
func cBenchEvent(q hal.Queue, e hal.Event, n int) (time.Duration, error) {
	qq, ee := q.(*queue), e.(*event)
	return benchResult(C.shal_bench_event(qq.d.ctx, ee.ev, qq.stream, C.longlong(n)), "event")
}

// cBenchHtoD runs cuMemcpyHtoD(dst, src, size) n times.
func cBenchHtoD(d hal.Device, dst uint64, src unsafe.Pointer, size uint64, n int) (time.Duration, error) {
	return benchResult(C.shal_bench_htod(d.(*device).ctx, C.CUdeviceptr(dst), src, C.size_t(size), C.longlong(n)), "HtoD")
}

// cBenchDtoH runs cuMemcpyDtoH(dst, src, size) n times.
func cBenchDtoH(d hal.Device, dst unsafe.Pointer, src uint64, size uint64, n int) (time.Duration, error) {
	return benchResult(C.shal_bench_dtoh(d.(*device).ctx, dst, C.CUdeviceptr(src), C.size_t(size), C.longlong(n)), "DtoH")
}

// cBenchDtoD enqueues n cuMemcpyAsync on q and synchronizes.
func cBenchDtoD(q hal.Queue, dst, src uint64, size uint64, n int) (time.Duration, error) {
	qq := q.(*queue)
	return benchResult(C.shal_bench_dtod(qq.d.ctx, C.CUdeviceptr(dst), C.CUdeviceptr(src), C.size_t(size), qq.stream, C.longlong(n)), "DtoD")
}

// cBenchGraph builds a chain of nodes launches of the parameterless kernel
// k and replays it n times on q.
func cBenchGraph(q hal.Queue, k hal.Kernel, nodes, n int) (time.Duration, error) {
	qq, kk := q.(*queue), k.(*kernel)
	return benchResult(C.shal_bench_graph(qq.d.ctx, kk.fn, qq.stream, C.int(nodes), C.longlong(n)), "graph")
}

// cBenchCtxEnter measures n enter/leave pairs of the context handling
// inside one C call.
func cBenchCtxEnter(d hal.Device, n int) (time.Duration, error) {
	return benchResult(C.shal_bench_ctx_enter(d.(*device).ctx, C.longlong(n)), "ctx enter")
}

// cBenchHostFunc runs n × (cuLaunchHostFunc of an empty C function +
// cuStreamSynchronize) on q's stream.
func cBenchHostFunc(q hal.Queue, n int) (time.Duration, error) {
	qq := q.(*queue)
	return benchResult(C.shal_bench_host_func(qq.d.ctx, qq.stream, C.longlong(n)), "host func")
}

// cBenchPool runs n × (cuMemAllocAsync + cuMemFreeAsync of size bytes) on
// q's stream, then synchronizes (untimed).
func cBenchPool(q hal.Queue, size uint64, n int) (time.Duration, error) {
	qq := q.(*queue)
	return benchResult(C.shal_bench_pool(qq.d.ctx, qq.stream, nil, C.size_t(size), C.longlong(n)), "pool")
}

// cBenchPoolFrom is cBenchPool through cuMemAllocFromPoolAsync on p.
func cBenchPoolFrom(q hal.Queue, p hal.Pool, size uint64, n int) (time.Duration, error) {
	qq := q.(*queue)
	return benchResult(C.shal_bench_pool(qq.d.ctx, qq.stream, p.(*pool).h, C.size_t(size), C.longlong(n)), "pool from")
}

// ctxNoop is one cgo call of a trampoline that only makes the context
// current: the per-call price of our context handling as seen from Go.
func ctxNoop(d hal.Device) error {
	return check(C.shal_ctx_noop(d.(*device).ctx), "context enter")
}

// cMalloc returns n bytes of C heap memory, touched so that it is
// resident; cFree releases it.
func cMalloc(n uint64) (unsafe.Pointer, error) {
	p := C.malloc(C.size_t(n))
	if p == nil {
		return nil, fmt.Errorf("hal/cuda: malloc(%d): %w", n, hal.ErrOutOfMemory)
	}
	C.memset(p, 1, C.size_t(n))
	return p, nil
}

func cFree(p unsafe.Pointer) { C.free(p) }

// cBenchHostFloor runs n host-call round trips in plain C through a word
// the stream waits on (shal_bench_host_floor's modes), on q's stream.
func cBenchHostFloor(q hal.Queue, e hal.Event, word hal.Allocation, mode int, spin time.Duration, n int) (time.Duration, error) {
	qq := q.(*queue)
	var ev C.CUevent
	if e != nil {
		ev = e.(*event).ev
	}
	return benchResult(C.shal_bench_host_floor(qq.d.ctx, qq.stream, ev, word.Host, C.CUdeviceptr(word.Device), C.int(mode), C.longlong(spin), C.longlong(n)), "host floor")
}
