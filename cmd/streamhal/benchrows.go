package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// benchSession is what the rows of one run share: the device's context,
// a stream, the two test kernels, and the baselines the backend has.
type benchSession struct {
	*bencher
	bg          context.Context
	ctx         *streaming.Context
	s           *streaming.Stream
	empty, vadd *streaming.Function
	onCPU       bool
	cb          cBaseline    // the plain-C baseline on CUDA and Vulkan devices, else nil
	cuda        cudaBaseline // cb on CUDA devices
	vk          bool         // cb is the Vulkan one
	na          string       // the baseline name of a row without one
}

// benchOn runs every row on dev with kernels from modulePath.
func benchOn(dev *streaming.Device, modulePath string, cfg benchConfig, progress io.Writer) ([]benchRow, error) {
	ctx, err := dev.PrimaryContext()
	if err != nil {
		return nil, err
	}
	defer dev.PrimaryContextRelease()
	mod, err := ctx.LoadModule(modulePath)
	if err != nil {
		return nil, err
	}
	defer mod.Close()
	bs := &benchSession{
		bencher: &bencher{cfg: cfg, progress: progress, total: benchRowCount},
		bg:      context.Background(),
		ctx:     ctx,
		onCPU:   dev.Backend() == "cpu",
		na:      "n/a on " + dev.Backend(),
	}
	for _, k := range []struct {
		name string
		f    **streaming.Function
	}{{"empty", &bs.empty}, {"vector_add", &bs.vadd}} {
		if *k.f, err = mod.Function(k.name); err != nil {
			return nil, fmt.Errorf("module %s: %w (bench needs the empty and vector_add test kernels)", modulePath, err)
		}
	}
	if bs.s, err = ctx.NewStream(streaming.StreamNonBlocking, 0); err != nil {
		return nil, err
	}
	defer bs.s.Close()
	if b := dev.Backend(); b == "cuda" || b == "vulkan" {
		if bs.cb, bs.na = openCBaseline(dev, modulePath, progress); bs.cb != nil {
			defer bs.cb.Close()
			bs.cuda, _ = bs.cb.(cudaBaseline)
			bs.vk = b == "vulkan"
		}
	}
	for _, rows := range []func() error{bs.launchRows, bs.copyRows, bs.vectorAddRow, bs.graphRow, bs.poolRow} {
		if err := rows(); err != nil {
			return nil, err
		}
	}
	return bs.rows, nil
}

// loop times n calls of op.
func loop(op func() error) timer {
	return func(n int) (time.Duration, error) {
		t0 := time.Now()
		for range n {
			if err := op(); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
}

// enqueueChunk is how many launches the enqueue row queues before each
// untimed synchronize. A longer run fills the driver's launch queue, after
// which each launch waits for the GPU to retire one: the row then timed
// the GPU's throughput of empty kernels (on an H100 a layer-by-layer
// benchmark of 4096-launch runs put plain C behind streamhal's hal), not
// the enqueue.
const enqueueChunk = 64

// inChunks runs t in chunks of at most enqueueChunk operations and sums
// their times (t synchronizes, untimed, after each).
func inChunks(t timer) timer {
	return func(n int) (time.Duration, error) {
		var sum time.Duration
		for left := n; left > 0; left -= enqueueChunk {
			d, err := t(min(left, enqueueChunk))
			if err != nil {
				return 0, err
			}
			sum += d
		}
		return sum, nil
	}
}

// thenSync is t followed by an untimed synchronize of s.
func (bs *benchSession) thenSync(t timer) timer {
	return func(n int) (time.Duration, error) {
		d, err := t(n)
		if err != nil {
			return 0, err
		}
		return d, bs.s.Synchronize(bs.bg)
	}
}

// withSync is t followed by a synchronize of s, timed with it.
func (bs *benchSession) withSync(t timer) timer {
	return func(n int) (time.Duration, error) {
		t0 := time.Now()
		if _, err := t(n); err != nil {
			return 0, err
		}
		err := bs.s.Synchronize(bs.bg)
		return time.Since(t0), err
	}
}

// cBase names a plain-C libcuda baseline.
func cBase(what string) string { return "plain C on libcuda: " + what }

// vkBase names a plain-C Vulkan baseline.
func vkBase(what string) string { return "plain C on Vulkan: " + what }

// pick returns the CUDA or the Vulkan name of a C baseline.
func (bs *benchSession) pick(cuda, vk string) string {
	if bs.vk {
		return vkBase(vk)
	}
	return cBase(cuda)
}

// launchEmpty enqueues the empty kernel, one block of one thread.
func (bs *benchSession) launchEmpty() error {
	return bs.s.Launch(bs.empty, streaming.D1(1), streaming.D1(1), 0)
}

// launchRows measures launches and events: the enqueue alone, and the
// launch and event round trips against a Go channel round trip (CPU) or
// the same C calls (CUDA).
func (bs *benchSession) launchRows() error {
	var enqTimer timer
	enqName := "none (absolute)"
	if bs.cb != nil {
		enqTimer, enqName = inChunks(bs.cb.LaunchEnqueue), bs.pick("cuLaunchKernel loop of 64, then one cuStreamSynchronize (untimed)",
			"record + vkQueueSubmit of each empty dispatch (a ring of command buffers), 64 in a row, then one timeline wait (untimed)")
	}
	if err := bs.row("launch_enqueue", "launch enqueue (empty kernel)", perUS(), inChunks(bs.thenSync(loop(bs.launchEmpty))), enqTimer, enqName); err != nil {
		return err
	}
	var launchTimer, eventTimer timer
	launchName, eventName := bs.na, bs.na
	switch {
	case bs.onCPU:
		pp := newPingPong()
		defer pp.close()
		launchTimer, eventTimer = pp.timer, pp.timer
		launchName, eventName = "Go channel round trip to a goroutine", "Go channel round trip to a goroutine"
	case bs.cb != nil:
		launchTimer, launchName = bs.cb.LaunchSync, bs.pick("cuLaunchKernel + cuStreamSynchronize",
			"record the empty dispatch + vkQueueSubmit + vkWaitSemaphores (timeline)")
		eventTimer, eventName = bs.cb.EventSync, bs.pick("cuEventRecord + cuEventSynchronize, timing event",
			"vkCmdWriteTimestamp + vkQueueSubmit signalling a timeline + vkWaitSemaphores (a timing event)")
	}
	launchSync := func() error {
		if err := bs.launchEmpty(); err != nil {
			return err
		}
		return bs.s.Synchronize(bs.bg)
	}
	if err := bs.row("launch_sync", "launch + synchronize", perUS(), loop(launchSync), launchTimer, launchName); err != nil {
		return err
	}
	ev, err := bs.ctx.NewEvent(streaming.EventDefault)
	if err != nil {
		return err
	}
	defer ev.Close()
	eventSync := func() error {
		if err := ev.Record(bs.s); err != nil {
			return err
		}
		return ev.Synchronize(bs.bg)
	}
	if err := bs.row("event_sync", "event record + synchronize", perUS(), loop(eventSync), eventTimer, eventName); err != nil {
		return err
	}
	hostTimer, hostName := timer(nil), bs.na
	if bs.vk {
		hostName = "n/a (Vulkan has no host function to compare with)"
	}
	switch {
	case bs.onCPU:
		pp := newPingPong()
		defer pp.close()
		hostTimer, hostName = pp.timer, "Go channel round trip to a goroutine"
	case bs.cuda != nil:
		hostTimer, hostName = bs.cuda.HostFuncSync, cBase("cuLaunchHostFunc of an empty C function + cuStreamSynchronize")
	}
	nop := func() {}
	hostSync := func() error {
		if err := bs.s.LaunchHostFunc(nop); err != nil {
			return err
		}
		return bs.s.Synchronize(bs.bg)
	}
	return bs.row("host_func_sync", "host function + synchronize", perUS(), loop(hostSync), hostTimer, hostName)
}

// goCopy times Go's copy from src to dst.
func goCopy(dst, src []byte) timer { return loop(func() error { copy(dst, src); return nil }) }

// copyRows measures HtoD and DtoH from pageable and page-locked memory and
// DtoD, against Go's copy of the same size (CPU) or the same C copies on
// the same buffers (CUDA).
func (bs *benchSession) copyRows() error {
	ctx, size := bs.ctx, bs.cfg.copyBytes
	sz := bytesIEC(size)
	dbuf, err := ctx.Malloc(size)
	if err != nil {
		return err
	}
	defer ctx.Free(dbuf)
	dbuf2, err := ctx.Malloc(size)
	if err != nil {
		return err
	}
	defer ctx.Free(dbuf2)
	pinned, err := ctx.MallocHost(size, 0)
	if err != nil {
		return err
	}
	defer pinned.Free()
	pageable := make([]byte, size)
	goBuf := make([]byte, size)
	for i := range pageable {
		pageable[i] = byte(i*7 + i>>11)
	}
	// Check the copies once before timing them.
	if err := ctx.MemcpyHtoD(dbuf, pageable); err != nil {
		return err
	}
	clear(pinned.Bytes())
	if err := ctx.MemcpyDtoH(pinned.Bytes(), dbuf); err != nil {
		return err
	}
	if !bytes.Equal(pinned.Bytes(), pageable) {
		return fmt.Errorf("HtoD then DtoH of %d bytes did not round-trip the data: %w", size, streaming.ErrLaunchFailed)
	}
	// The plain-C copies use the same device and host buffers.
	cHtoD := func(src []byte) timer {
		return func(n int) (time.Duration, error) {
			return bs.cb.CopyHtoD(uint64(dbuf), unsafe.Pointer(&src[0]), size, n)
		}
	}
	cDtoH := func(dst []byte) timer {
		return func(n int) (time.Duration, error) {
			return bs.cb.CopyDtoH(unsafe.Pointer(&dst[0]), uint64(dbuf), size, n)
		}
	}
	htodName, dtohName := bs.pick("cuMemcpyHtoD of the same buffers", "C memcpy into the same mapped device memory"),
		bs.pick("cuMemcpyDtoH to the same buffers", "C memcpy out of the same mapped device memory")
	cCopies := bs.cb != nil
	if cCopies && bs.vk {
		// The Vulkan baseline copies only to and from host-visible
		// memory (hal/vulkan's direct path); say so where it cannot.
		if _, err := bs.cb.CopyHtoD(uint64(dbuf), unsafe.Pointer(&pageable[0]), size, 0); err != nil {
			cCopies = false
			htodName, dtohName = fmt.Sprintf("n/a (%v)", err), fmt.Sprintf("n/a (%v)", err)
		}
	}
	rows := []struct {
		id, name string
		op       func() error
		goBase   timer
		cTimer   func() timer // built only when there is a C baseline
		cName    string
	}{
		{"htod_pageable", "HtoD pageable", func() error { return ctx.MemcpyHtoD(dbuf, pageable) },
			goCopy(goBuf, pageable), func() timer { return cHtoD(pageable) }, htodName},
		{"htod_pinned", "HtoD page-locked", func() error { return ctx.MemcpyHtoD(dbuf, pinned.Bytes()) },
			goCopy(goBuf, pinned.Bytes()), func() timer { return cHtoD(pinned.Bytes()) }, htodName},
		{"dtoh_pageable", "DtoH pageable", func() error { return ctx.MemcpyDtoH(pageable, dbuf) },
			goCopy(pageable, goBuf), func() timer { return cDtoH(pageable) }, dtohName},
		{"dtoh_pinned", "DtoH page-locked", func() error { return ctx.MemcpyDtoH(pinned.Bytes(), dbuf) },
			goCopy(pinned.Bytes(), goBuf), func() timer { return cDtoH(pinned.Bytes()) }, dtohName},
	}
	for _, r := range rows {
		base, baseName := timer(nil), bs.na
		switch {
		case bs.onCPU:
			base, baseName = r.goBase, "Go copy of "+sz
		case cCopies:
			base, baseName = r.cTimer(), r.cName
		case bs.cb != nil:
			baseName = r.cName // why the C copy is not measured
		}
		if err := bs.row(r.id, r.name+" "+sz, gbps(size), loop(r.op), base, baseName); err != nil {
			return err
		}
	}
	var dtodBase timer
	dtodName := bs.na
	if h1, h2 := hostView(ctx, dbuf, size), hostView(ctx, dbuf2, size); h1 != nil && h2 != nil {
		dtodBase, dtodName = goCopy(h2, h1), "Go copy of "+sz+" on the same memory"
	} else if bs.cb != nil {
		dtodBase = func(n int) (time.Duration, error) { return bs.cb.CopyDtoD(uint64(dbuf2), uint64(dbuf), size, n) }
		dtodName = bs.pick("cuMemcpyAsync + cuStreamSynchronize of the same buffers", "vkCmdCopyBuffer of the same buffers + vkQueueSubmit + timeline wait")
	}
	dtod := func() error { return ctx.MemcpyDtoD(dbuf2, dbuf, size) }
	return bs.row("dtod", "DtoD "+sz, gbps(size), loop(dtod), dtodBase, dtodName)
}

// vectorAddRow measures vector_add (launch + synchronize) against plain C
// over all cores on the same memory (CPU) or the same launch from C
// (CUDA), after checking its result.
func (bs *benchSession) vectorAddRow() error {
	ctx, vn := bs.ctx, bs.cfg.vecN
	var bufs [3]streaming.DevicePtr
	for i := range bufs {
		p, err := ctx.Malloc(4 * vn)
		if err != nil {
			return err
		}
		defer ctx.Free(p)
		bufs[i] = p
	}
	va, vb, vc := bufs[0], bufs[1], bufs[2]
	for _, f := range []struct {
		p    streaming.DevicePtr
		bits uint32
	}{{va, math.Float32bits(1)}, {vb, math.Float32bits(2)}, {vc, 0x7fc00000}} { // c: NaN, poison
		if err := ctx.MemsetD32(f.p, f.bits, vn); err != nil {
			return err
		}
	}
	launchAdd := func() error {
		if err := bs.s.Launch(bs.vadd, streaming.D1(uint32(vn/256)), streaming.D1(256), 0, va, vb, vc, uint32(vn)); err != nil {
			return err
		}
		return bs.s.Synchronize(bs.bg)
	}
	if err := launchAdd(); err != nil {
		return err
	}
	if err := checkVectorAdd(ctx, vc, vn); err != nil {
		return err
	}
	var vaddBase timer
	vaddName := bs.na
	ha, hb, hc := hostView(ctx, va, 4*vn), hostView(ctx, vb, 4*vn), hostView(ctx, vc, 4*vn)
	if newCVectorAdd != nil && bs.onCPU && ha != nil && hb != nil && hc != nil {
		threads := runtime.GOMAXPROCS(0)
		add, stop, err := newCVectorAdd(threads)
		if err != nil {
			return err
		}
		defer stop()
		vaddBase = loop(func() error { add(ha, hb, hc, vn); return nil })
		vaddName = fmt.Sprintf("plain C on a persistent pool of %d threads, same memory (cbench.Pool)", threads)
	} else if bs.cb != nil {
		vaddBase = func(n int) (time.Duration, error) {
			return bs.cb.VectorAdd(uint64(va), uint64(vb), uint64(vc), uint32(vn), n)
		}
		vaddName = bs.pick("the same launch + cuStreamSynchronize on the same buffers", "the same pipeline on the same buffers: record + vkQueueSubmit + timeline wait")
	}
	return bs.row("vector_add", fmt.Sprintf("vector_add %s floats", countName(vn)), perMS(), loop(launchAdd), vaddBase, vaddName)
}

// graphRow measures the replay of a chain of empty-kernel nodes, per node,
// against the same launches issued eagerly (or the same chain as a native
// CUDA graph launched from C).
func (bs *benchSession) graphRow() error {
	nodes := bs.cfg.graphNodes
	g := streaming.NewGraph()
	lc := streaming.LaunchConfig{Grid: streaming.D1(1), Block: streaming.D1(1)}
	var prev []*streaming.GraphNode
	for range nodes {
		nd, err := g.AddKernelNode(prev, bs.empty, lc)
		if err != nil {
			return err
		}
		prev = []*streaming.GraphNode{nd}
	}
	x, err := bs.ctx.Instantiate(g)
	if err != nil {
		return err
	}
	defer x.Close()
	eager := loop(bs.launchEmpty)
	graphBase := bs.withSync(func(n int) (time.Duration, error) { return eager(n * nodes) })
	graphName := fmt.Sprintf("the same %d launches issued eagerly", nodes)
	if bs.cuda != nil {
		graphBase = func(n int) (time.Duration, error) { return bs.cuda.GraphReplay(nodes, n) }
		graphName = cBase(fmt.Sprintf("the same %d-node chain as a native CUDA graph, cuGraphLaunch", nodes))
	}
	replay := bs.withSync(loop(func() error { return x.Launch(bs.s) }))
	return bs.row("graph_per_node", fmt.Sprintf("graph replay per node (%d-node chain)", nodes), nsPer("node", nodes), replay, graphBase, graphName)
}

// poolRow measures a pool allocation and free on the stream against Malloc
// and Free.
func (bs *benchSession) poolRow() error {
	ps := bs.cfg.poolBytes
	poolAlloc := func() error {
		p, err := bs.s.MallocAsync(ps)
		if err != nil {
			return err
		}
		return bs.s.FreeAsync(p)
	}
	malloc := func() error {
		p, err := bs.ctx.Malloc(ps)
		if err != nil {
			return err
		}
		return bs.ctx.Free(p)
	}
	base, baseName := loop(malloc), "Malloc+Free "+bytesIEC(ps)
	if bs.cuda != nil && bs.ctx.Device().DefaultMemPool().Native() {
		base = func(n int) (time.Duration, error) { return bs.cuda.PoolAlloc(ps, n) }
		baseName = cBase("cuMemAllocAsync + cuMemFreeAsync " + bytesIEC(ps) + ", then one cuStreamSynchronize (untimed)")
	}
	return bs.row("pool_alloc", "pool MallocAsync+FreeAsync "+bytesIEC(ps), perUS(), bs.thenSync(loop(poolAlloc)), base, baseName)
}

// hostView returns the host bytes of device memory at p when the backend
// maps it for the host (CPU), else nil.
func hostView(ctx *streaming.Context, p streaming.DevicePtr, n uint64) []byte {
	attr, err := ctx.PointerAttributes(p)
	if err != nil || attr.HostPtr == nil {
		return nil
	}
	return unsafe.Slice((*byte)(attr.HostPtr), n)
}

// checkVectorAdd checks samples of c (a = 1, b = 2) at the start, middle
// and end.
func checkVectorAdd(ctx *streaming.Context, c streaming.DevicePtr, n uint64) error {
	const k = 1024
	for _, off := range []uint64{0, n/2 - min(n/2, k/2), n - min(n, k)} {
		m := min(k, n-off)
		got := make([]float32, m)
		if err := streaming.CopyFromDeviceSync(ctx, got, c+streaming.DevicePtr(4*off)); err != nil {
			return err
		}
		for i, v := range got {
			if v != 3 {
				return fmt.Errorf("vector_add check: c[%d] = %v, want 3 (1 + 2): %w", off+uint64(i), v, streaming.ErrLaunchFailed)
			}
		}
	}
	return nil
}
