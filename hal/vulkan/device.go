//go:build cgo

package vulkan

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// maxQueuesPerDevice bounds the VkQueues we create; hal queues share them.
const maxQueuesPerDevice = 4

// defaultCloseTimeout bounds how long Close waits for the device's work
// before it gives up and leaks the VkDevice (see device.Close).
const defaultCloseTimeout = 30 * time.Second

// vkQueue is one VkQueue, shared by several hal queues. vkQueueSubmit (and
// vkQueueWaitIdle) need external synchronization: mu guards every use of q
// and the fields below it.
type vkQueue struct {
	mu    sync.Mutex
	q     C.VkQueue
	index int
	// marker is this VkQueue's own timeline semaphore, signalled only by
	// empty marker submissions on this VkQueue with increasing values, so
	// its signal operations execute in value order (a timeline shared by
	// several VkQueues would get signals whose execution order nothing
	// guarantees). See device.retire.
	marker      C.VkSemaphore
	markerValue uint64 // value of the last marker submitted
	submits     uint64 // work submissions so far, markers excluded
	marked      uint64 // submits covered by the last marker
}

// submit submits cb (may be nil) after the waits, signalling (signal,
// value), and counts the submission.
func (vq *vkQueue) submit(d *device, cb C.VkCommandBuffer, nwait int, sems *C.VkSemaphore, vals *C.uint64_t, signal C.VkSemaphore, value uint64) C.VkResult {
	vq.mu.Lock()
	defer vq.mu.Unlock()
	vq.submits++ // even when it fails: a failed submit may have been partly taken
	return C.shal_submit(d.c, vq.q, cb, C.uint32_t(nwait), sems, vals, signal, C.uint64_t(value))
}

// mark returns the marker value whose signal covers every submission made
// so far on vq, submitting a new marker when there were submissions since
// the last one; 0 means nothing was ever submitted (nothing to wait for).
func (vq *vkQueue) mark(d *device) (uint64, C.VkResult) {
	vq.mu.Lock()
	defer vq.mu.Unlock()
	if vq.submits == vq.marked {
		return vq.markerValue, C.VK_SUCCESS
	}
	v := vq.markerValue + 1
	if r := C.shal_submit(d.c, vq.q, nil, 0, nil, nil, vq.marker, C.uint64_t(v)); r != C.VK_SUCCESS {
		return 0, r
	}
	vq.markerValue, vq.marked = v, vq.submits
	return v, C.VK_SUCCESS
}

// waitIdle runs vkQueueWaitIdle with the queue locked (it needs external
// synchronization). Only for queues whose work is known done or lost: it
// blocks every submitter of vq meanwhile.
func (vq *vkQueue) waitIdle(d *device) C.VkResult {
	vq.mu.Lock()
	defer vq.mu.Unlock()
	return C.shal_queue_wait_idle(d.c, vq.q)
}

// device is a Vulkan logical device.
type device struct {
	inst    *instance
	ordinal int
	pd      C.VkPhysicalDevice
	pinfo   *C.shal_pdinfo // C memory
	c       *C.shal_dev    // C memory
	family  uint32
	vqs     []*vkQueue
	nextVQ  atomic.Uint32
	info    hal.DeviceInfo
	api     uint32

	// Limits used on hot paths.
	maxGroups       [3]uint32
	maxBlock        [3]uint32
	maxInvocations  uint32
	maxShared       uint32
	maxPush         uint32
	maxAlloc        uint64
	timestampPeriod float64
	timestampBits   uint32

	// Memory type choice, best first, per kind.
	candDevice, candHost, candManaged []uint32
	hostVisibleMask                   uint32 // host-visible and coherent types (mapped persistently)
	deviceLocalMask                   uint32
	localHeap                         int // largest device-local heap
	hostImport                        bool
	importAlign                       uint64

	// Interprocess memory (ipc.go): ipcMemory when device memory is
	// allocated exportable as an opaque fd; otherwise ipcMissing says
	// what the device lacks. ipcDedicated: the driver wants dedicated
	// allocations for it.
	ipcMemory    bool
	ipcDedicated bool
	ipcMissing   string
	ipcMu        sync.Mutex // guards allocation.export

	allocs addrTable
	// deviceBytes counts device-local bytes we allocated (MemoryInfo
	// without VK_EXT_memory_budget).
	deviceBytes atomic.Int64

	mu     sync.Mutex // guards the sets below and closed
	closed bool
	queues map[*queue]struct{}
	events map[*event]struct{}
	execs  map[*executable]struct{}
	// printers counts the modules whose kernels print (printf.go);
	// printMu serializes the printing of their records.
	printers atomic.Int32
	printMu  sync.Mutex
	// pendingAssert is a failed assert an event wait printed, for the
	// next queue Synchronize to report.
	pendingAssert atomic.Pointer[error]
	graphs        map[*graphExec]struct{}
	syncQ         *queue // internal queue for staged host copies
	stageMu       sync.Mutex
	stage         *allocation // staging buffer for CopyFromHost/CopyToHost

	gcMu    sync.Mutex
	garbage []garbageItem

	// The reaper (see reap). reapAbandon makes it stop waiting and leak
	// what it holds (Close gave up on an unresponsive device).
	reapMu      sync.Mutex
	reapList    []func()
	reaping     bool
	reapWG      sync.WaitGroup
	reapAbandon atomic.Bool

	// closeTimeout bounds Close's waits (hal.Config.CloseTimeout when
	// zero, then defaultCloseTimeout).
	closeTimeout time.Duration
	// stuckSince is when a wait with a deadline first gave up on the
	// device's work (unix nanoseconds, 0 when none did): Close does not
	// wait the whole timeout again for work already seen stuck.
	stuckSince atomic.Int64
	// hostExecuted is set for a CPU implementation (lavapipe), which runs
	// shaders as native code on its own threads: a null pointer there ends
	// the process, so launches with one are refused (see checkPointers).
	hostExecuted bool
	// leaked is set when Close gave up waiting and left the VkDevice
	// alive (its instance is then leaked too).
	leaked bool

	fillMu   sync.Mutex
	fillProg *fillProgram

	// fmaOnce runs the fused-multiply-add probe (ptx.go) on the first PTX
	// load; fmaFused is its answer for f32 and f64, whether the compiler
	// contracts an f32 multiply-add exactly (ContractFMA32), and whether
	// the f32 Fma flushes as fma.rn.ftz.f32 does (FlushFMA32).
	fmaOnce  sync.Once
	fmaFused [4]bool

	// forceStaging makes CopyFromHost/CopyToHost go through the staging
	// buffer even for host-visible memory (tests of the discrete-GPU path).
	forceStaging bool

	// finalLive is liveObjects() just after the VkDevice was destroyed.
	finalLive map[string]int64
}

var _ hal.Device = (*device)(nil)

func newDevice(in *instance, pd C.VkPhysicalDevice, pinfo *C.shal_pdinfo, ordinal int) (*device, error) {
	d := &device{
		inst:    in,
		ordinal: ordinal,
		pd:      pd,
		pinfo:   pinfo,
		queues:  map[*queue]struct{}{},
		events:  map[*event]struct{}{},
		execs:   map[*executable]struct{}{},
		graphs:  map[*graphExec]struct{}{},
	}
	fam, _ := pickFamily(pinfo)
	d.family = fam
	nq := min(uint32(pinfo.queueFamilies[fam].queueCount), maxQueuesPerDevice)
	d.timestampBits = uint32(pinfo.queueFamilies[fam].timestampValidBits)
	d.hostImport = pinfo.hasExternalMemoryHost != 0
	d.importAlign = uint64(pinfo.hostmem.minImportedHostPointerAlignment)
	if d.importAlign == 0 {
		d.importAlign = 4096
	}
	opts := C.int(0)
	if d.hostImport {
		opts |= C.SHAL_OPT_HOST_MEMORY
	}
	d.ipcMemory, d.ipcDedicated, d.ipcMissing = ipcSupport(pinfo)
	if d.ipcMemory {
		opts |= C.SHAL_OPT_MEMORY_FD
	}
	if os.Getenv(pipelineStatsEnv) != "" {
		if pinfo.hasPipelineExecProps != 0 {
			opts |= C.SHAL_OPT_PIPELINE_STATS
		} else {
			fmt.Fprintf(os.Stderr, "hal/vulkan: device %d: %s is set, but the device has no VK_KHR_pipeline_executable_properties\n", ordinal, pipelineStatsEnv)
		}
	}
	d.c = (*C.shal_dev)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_dev{}))))
	if err := check(C.shal_create_device(in.c, pd, pinfo, C.uint32_t(fam), C.uint32_t(nq), opts, d.c), "vkCreateDevice"); err != nil {
		C.free(unsafe.Pointer(d.c))
		return nil, err
	}
	if missing := C.shal_load_device(in.c, d.c, opts); missing != nil {
		C.shal_destroy_device(d.c)
		C.free(unsafe.Pointer(d.c))
		return nil, fmt.Errorf("hal/vulkan: device function %s missing: %w", C.GoString(missing), hal.ErrNotAvailable)
	}
	for i := uint32(0); i < nq; i++ {
		d.vqs = append(d.vqs, &vkQueue{q: C.shal_get_queue(d.c, C.uint32_t(fam), C.uint32_t(i)), index: int(i)})
	}
	d.api = min(uint32(pinfo.props.apiVersion), in.api)
	lim := &pinfo.props.limits
	for i := 0; i < 3; i++ {
		d.maxGroups[i] = uint32(lim.maxComputeWorkGroupCount[i])
		d.maxBlock[i] = uint32(lim.maxComputeWorkGroupSize[i])
	}
	d.maxInvocations = uint32(lim.maxComputeWorkGroupInvocations)
	d.maxShared = uint32(lim.maxComputeSharedMemorySize)
	d.maxPush = uint32(lim.maxPushConstantsSize)
	d.maxAlloc = uint64(pinfo.props11.maxMemoryAllocationSize)
	d.timestampPeriod = float64(lim.timestampPeriod)
	d.chooseMemoryTypes()
	d.fillInfo()

	for _, vq := range d.vqs {
		if err := check(C.shal_create_timeline(d.c, 0, &vq.marker), "create marker semaphore"); err != nil {
			d.destroy()
			return nil, err
		}
	}
	sq, err := d.newQueue(true)
	if err != nil {
		d.destroy()
		return nil, err
	}
	d.syncQ = sq
	return d, nil
}

// chooseMemoryTypes ranks memory types for each allocation kind.
func (d *device) chooseMemoryTypes() {
	mem := &d.pinfo.mem
	n := int(mem.memoryTypeCount)
	flags := func(t int) uint32 { return uint32(mem.memoryTypes[t].propertyFlags) }
	const (
		local    = C.VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
		visible  = C.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT
		coherent = C.VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
		cached   = C.VK_MEMORY_PROPERTY_HOST_CACHED_BIT
		unusable = C.VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT | C.VK_MEMORY_PROPERTY_PROTECTED_BIT
	)
	var bestHeap uint64
	d.localHeap = -1
	for h := 0; h < int(mem.memoryHeapCount); h++ {
		if mem.memoryHeaps[h].flags&C.VK_MEMORY_HEAP_DEVICE_LOCAL_BIT != 0 && uint64(mem.memoryHeaps[h].size) > bestHeap {
			bestHeap = uint64(mem.memoryHeaps[h].size)
			d.localHeap = h
		}
	}
	heapOf := func(t int) int { return int(mem.memoryTypes[t].heapIndex) }
	pick := func(want func(f uint32, t int) bool) []uint32 {
		var out []uint32
		for t := 0; t < n; t++ {
			if flags(t)&unusable == 0 && want(flags(t), t) {
				out = append(out, uint32(t))
			}
		}
		return out
	}
	for t := 0; t < n; t++ {
		f := flags(t)
		if f&visible != 0 && f&coherent != 0 {
			d.hostVisibleMask |= 1 << t
		}
		if f&local != 0 {
			d.deviceLocalMask |= 1 << t
		}
	}
	// Device memory: device-local in the big heap, host-invisible first (the
	// host-visible device-local types of discrete GPUs are a small BAR window).
	d.candDevice = append(pick(func(f uint32, t int) bool { return f&local != 0 && f&visible == 0 && heapOf(t) == d.localHeap }),
		pick(func(f uint32, t int) bool { return f&local != 0 && (f&visible != 0 || heapOf(t) != d.localHeap) })...)
	d.candDevice = append(d.candDevice, pick(func(f uint32, t int) bool { return f&local == 0 })...)
	// Host memory: coherent host-visible, cached and not device-local first.
	d.candHost = append(pick(func(f uint32, t int) bool { return f&visible != 0 && f&coherent != 0 && f&cached != 0 && f&local == 0 }),
		pick(func(f uint32, t int) bool {
			return f&visible != 0 && f&coherent != 0 && (f&cached == 0 || f&local != 0)
		})...)
	// Managed memory: host-visible device-local when there is such memory.
	d.candManaged = append(pick(func(f uint32, t int) bool { return f&visible != 0 && f&coherent != 0 && f&local != 0 }), d.candHost...)
}

func (d *device) fillInfo() {
	p := &d.pinfo.props
	lim := &p.limits
	info := hal.DeviceInfo{
		Name:                  C.GoString(&p.deviceName[0]),
		Driver:                "vulkan",
		Ordinal:               d.ordinal,
		ComputeMajor:          apiMajor(d.api),
		ComputeMinor:          apiMinor(d.api),
		MaxThreadsPerBlock:    int(d.maxInvocations),
		WarpSize:              int(d.pinfo.props11.subgroupSize),
		SharedMemPerBlock:     int(d.maxShared),
		TotalConstantMem:      int(d.maxPush),
		CanMapHostMemory:      true,
		ConcurrentKernels:     true,
		HostRegisterSupported: d.hostImport,
		AsyncEngineCount:      1,
		Arch:                  fmt.Sprintf("vulkan%d.%d", apiMajor(d.api), apiMinor(d.api)),
		TextureAlignment:      max(256, int(lim.minStorageBufferOffsetAlignment)),
		PitchAlignment:        max(256, int(lim.optimalBufferCopyRowPitchAlignment)),
		// Pools are built by package streaming on Allocate and Free.
		MemoryPoolsSupported: true,
		MaxPitch:             int64(d.maxAlloc),
	}
	info.SharedMemPerBlockOptin = info.SharedMemPerBlock
	info.SharedMemPerMultiprocessor = info.SharedMemPerBlock
	info.MaxThreadsPerMultiprocessor = info.MaxThreadsPerBlock
	// Vulkan has no core query for the number of compute units:
	// VK_NV_shader_sm_builtins gives it on NVIDIA; a CPU implementation
	// (lavapipe) runs on the host's cores; otherwise 1 is a safe floor.
	switch {
	case d.pinfo.hasSMBuiltins != 0 && d.pinfo.sm.shaderSMCount > 0:
		info.MultiprocessorCount = int(d.pinfo.sm.shaderSMCount)
		info.MaxThreadsPerMultiprocessor = int(d.pinfo.sm.shaderWarpsPerSM) * info.WarpSize
	case int32(p.deviceType) == C.VK_PHYSICAL_DEVICE_TYPE_CPU:
		info.MultiprocessorCount = runtime.NumCPU()
	default:
		info.MultiprocessorCount = 1
	}
	for i := 0; i < 16; i++ {
		info.UUID[i] = byte(d.pinfo.props11.deviceUUID[i])
	}
	for i := 0; i < 3; i++ {
		info.MaxBlockDim[i] = int(d.maxBlock[i])
		// Grids larger than maxComputeWorkGroupCount are split into several
		// dispatches, so every dimension accepts the full uint32 range
		// (capped at the int32 maximum CUDA reports).
		info.MaxGridDim[i] = 1<<31 - 1
	}
	if d.localHeap >= 0 {
		info.TotalMem = uint64(d.pinfo.mem.memoryHeaps[d.localHeap].size)
	}
	switch int32(p.deviceType) {
	case C.VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, C.VK_PHYSICAL_DEVICE_TYPE_CPU:
		info.Integrated = true
	}
	if d.pinfo.hasPCIBusInfo != 0 {
		info.PCIDomainID = int(d.pinfo.pci.pciDomain)
		info.PCIBusID = int(d.pinfo.pci.pciBus)
		info.PCIDeviceID = int(d.pinfo.pci.pciDevice)
	} else {
		// No PCI location (lavapipe): a synthetic one, distinct from the
		// CPU driver's devices and from every real one.
		info.SetSyntheticPCI(hal.SyntheticPCIBusVulkan, d.ordinal)
	}
	d.hostExecuted = int32(p.deviceType) == C.VK_PHYSICAL_DEVICE_TYPE_CPU
	d.info = info
}

func (d *device) Info() hal.DeviceInfo { return d.info }

// MemoryInfo reports free and total device-local memory: from
// VK_EXT_memory_budget when the device has it, otherwise the heap size less
// what this driver allocated.
func (d *device) MemoryInfo() (free, total uint64, err error) {
	if d.isClosed() {
		return 0, 0, errClosedDevice
	}
	total = d.info.TotalMem
	if d.pinfo.hasMemoryBudget != 0 && d.localHeap >= 0 {
		var b C.VkPhysicalDeviceMemoryBudgetPropertiesEXT
		C.shal_memory_budget(d.inst.c, d.pd, &b)
		budget, usage := uint64(b.heapBudget[d.localHeap]), uint64(b.heapUsage[d.localHeap])
		if budget > 0 {
			if usage > budget {
				return 0, total, nil
			}
			return min(budget-usage, total), total, nil
		}
	}
	used := uint64(d.deviceBytes.Load())
	if used > total {
		return 0, total, nil
	}
	return total - used, total, nil
}

var errClosedDevice = fmt.Errorf("hal/vulkan: device is closed: %w", hal.ErrInvalidHandle)

func (d *device) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// Formats: SPIR-V, and PTX (bare or in nvcc fatbins) through the PTX
// translator, which runs on every device the driver uses.
func (d *device) Formats() []hal.Format {
	return []hal.Format{hal.FormatSPIRV, hal.FormatPTX, hal.FormatFatbin}
}

// pickVkQueue hands out the device's VkQueues round robin.
func (d *device) pickVkQueue() *vkQueue {
	return d.vqs[int(d.nextVQ.Add(1)-1)%len(d.vqs)]
}

// Synchronize waits for every queue of the device.
func (d *device) Synchronize(ctx context.Context) error {
	qs, ok := d.openQueues()
	if !ok {
		return errClosedDevice
	}
	var errs []error
	for _, q := range qs {
		if err := q.Synchronize(ctx); err != nil && !errors.Is(err, hal.ErrInvalidHandle) {
			errs = append(errs, err)
		}
	}
	d.collectGarbage()
	return errors.Join(errs...)
}

// Close releases every object of the device: queues (after their work
// finished), events, graphs, modules and allocations.
//
// Its waits are bounded (closeTimeout): when the device's work does not
// finish in time (a GPU hang, a host function that never returns), Close
// logs what is stuck, leaves the VkDevice and what it holds alive (leaked:
// destroying objects the GPU may still use would be worse) and returns an
// error wrapping hal.ErrTimeout.
func (d *device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return fmt.Errorf("hal/vulkan: device %d already closed: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	qs := d.queuesLocked()
	d.mu.Unlock()
	timeout := d.closeTimeout
	if timeout <= 0 {
		timeout = d.inst.cfg.CloseTimeout
	}
	if timeout <= 0 {
		timeout = defaultCloseTimeout
	}
	var since time.Time
	if s := d.stuckSince.Load(); s != 0 {
		since = time.Unix(0, s)
	}
	deadline := hal.CloseDeadline(time.Now(), since, timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var errs []error
	var stuck []*queue
	for _, q := range qs {
		if err := q.closeCtx(ctx); err != nil && !errors.Is(err, hal.ErrInvalidHandle) {
			if ctx.Err() != nil {
				stuck = append(stuck, q)
			} else {
				errs = append(errs, err)
			}
		}
	}
	d.mu.Lock()
	d.closed = true
	gs, es, xs := d.graphs, d.events, d.execs
	d.graphs, d.events, d.execs = nil, nil, nil
	d.mu.Unlock()
	// Exported memory is no longer served to other processes.
	for _, a := range d.allocs.all() {
		d.unexport(a)
	}
	if len(stuck) > 0 {
		return errors.Join(append(errs, d.giveUp(timeout, stuck))...)
	}
	for g := range gs {
		g.release()
	}
	for e := range es {
		e.release()
	}
	for x := range xs {
		x.release()
	}
	// Every queue is closed: no host call is pending and nothing submits
	// but the reaper. Let it finish, then retire every VkQueue's
	// submissions ourselves (never vkDeviceWaitIdle, which would touch the
	// VkQueues without their locks while the reaper submits markers).
	pastDeadline := func() bool { return time.Now().After(deadline) }
	if !d.flushReaperUntil(deadline) || !d.retire(pastDeadline) {
		return errors.Join(append(errs, d.giveUp(timeout, nil))...)
	}
	d.collectAll()
	if !d.flushReaperUntil(deadline) {
		return errors.Join(append(errs, d.giveUp(timeout, nil))...)
	}
	// All work is done; let each VkQueue finish its own bookkeeping too
	// before the objects it used are destroyed.
	for _, vq := range d.vqs {
		if r := vq.waitIdle(d); r != C.VK_SUCCESS {
			errs = append(errs, check(r, "vkQueueWaitIdle (queue %d)", vq.index))
		}
	}
	d.destroy()
	return errors.Join(errs...)
}

// giveUp is Close's fallback when the device's work did not finish in
// time: it stops the reaper, logs what is stuck and leaks the VkDevice.
func (d *device) giveUp(timeout time.Duration, stuck []*queue) error {
	d.reapAbandon.Store(true)
	d.leaked = true
	for _, q := range stuck {
		q.mu.Lock()
		tail := q.tail
		q.mu.Unlock()
		q.hostMu.Lock()
		host := len(q.hostItems)
		q.hostMu.Unlock()
		d.inst.cfg.Log(1, "hal/vulkan: device %d: queue on VkQueue %d not done after %v: timeline at %d of %d, %d host calls not started",
			d.ordinal, q.vq.index, timeout, q.tl.value(), tail, host)
	}
	for _, vq := range d.vqs {
		vq.mu.Lock()
		v, sent := uint64(0), vq.markerValue
		if vq.marker != 0 {
			var cv C.uint64_t
			C.shal_semaphore_value(d.c, vq.marker, &cv)
			v = uint64(cv)
		}
		vq.mu.Unlock()
		if v < sent {
			d.inst.cfg.Log(1, "hal/vulkan: device %d: VkQueue %d not idle after %v: marker at %d of %d", d.ordinal, vq.index, timeout, v, sent)
		}
	}
	d.inst.cfg.Log(1, "hal/vulkan: device %d: work not done after %v; leaking the VkDevice", d.ordinal, timeout)
	return fmt.Errorf("hal/vulkan: close device %d: work not done after %v (the device is left allocated): %w", d.ordinal, timeout, hal.ErrTimeout)
}

// destroy frees what is left after every queue is idle.
func (d *device) destroy() {
	if d.stage != nil {
		d.freeAllocation(d.stage)
		d.stage = nil
	}
	for _, a := range d.allocs.all() {
		d.freeAllocation(a)
	}
	d.allocs.reset()
	if d.fillProg != nil {
		d.fillProg.destroy(d)
		d.fillProg = nil
	}
	for _, vq := range d.vqs {
		if vq.marker != 0 {
			C.shal_destroy_semaphore(d.c, vq.marker)
			vq.marker = 0
		}
	}
	C.shal_destroy_device(d.c)
	d.finalLive = d.liveObjects()
	C.free(unsafe.Pointer(d.c))
	d.c = nil
	C.free(unsafe.Pointer(d.pinfo))
	d.pinfo = nil
}

// liveObjects returns how many Vulkan objects of each kind the device holds
// (tests check that everything is destroyed).
func (d *device) liveObjects() map[string]int64 {
	if d.c == nil {
		return d.finalLive
	}
	names := []string{"device", "buffer", "memory", "command pool", "shader module", "pipeline layout", "pipeline", "semaphore", "query pool"}
	out := map[string]int64{}
	for i, n := range names {
		out[n] = int64(C.shal_live(d.c, C.int(i)))
	}
	return out
}

// timeline is a timeline semaphore, reference counted because events and
// pending waits of other queues keep using a queue's semaphore after the
// queue is closed.
type timeline struct {
	dev  *device
	sem  C.VkSemaphore
	refs atomic.Int32
	// seen is the highest value the host has seen the counter reach (a
	// wait that returned, a value read): reached answers from it without
	// a driver call, and a queue submits without waiting on a value seen
	// reached when no earlier batch's writes still need the wait
	// (queue.submitLocked).
	seen atomic.Uint64
}

// saw records that the counter reached v.
func (t *timeline) saw(v uint64) {
	for {
		old := t.seen.Load()
		if v <= old || t.seen.CompareAndSwap(old, v) {
			return
		}
	}
}

func (d *device) newTimeline() (*timeline, error) {
	t := &timeline{dev: d}
	if err := check(C.shal_create_timeline(d.c, 0, &t.sem), "create timeline semaphore"); err != nil {
		return nil, err
	}
	t.refs.Store(1)
	return t, nil
}

func (t *timeline) acquire() *timeline {
	t.refs.Add(1)
	return t
}

// release drops a reference. The last one hands the semaphore to the
// reaper rather than destroying it: Mesa's threaded submission may still be
// finishing a submission that waited on it even though its value was
// reached.
func (t *timeline) release() {
	if t.refs.Add(-1) == 0 {
		t.dev.reap(func() { C.shal_destroy_semaphore(t.dev.c, t.sem) })
	}
}

// reap destroys an object that submissions may have referenced once every
// VkQueue has fully retired the submissions made so far. Reaching a
// timeline value means the GPU work is done, but a driver may still be
// cleaning up the submission (Mesa's vk_queue submit thread unreferences
// the semaphores it waited on after signalling): destroying a semaphore or
// command pool then is a use after free. So the reaper goroutine retires
// every VkQueue (see retire) and then destroys the batch. The caller never
// blocks, even when other queues wait on host calls.
func (d *device) reap(destroy func()) {
	d.reapMu.Lock()
	defer d.reapMu.Unlock()
	if d.reapAbandon.Load() {
		return // Close gave up on the device: leak it
	}
	d.reapList = append(d.reapList, destroy)
	if !d.reaping {
		d.reaping = true
		d.reapWG.Add(1)
		go d.reaper()
	}
}

func (d *device) reaper() {
	defer d.reapWG.Done()
	for {
		d.reapMu.Lock()
		batch := d.reapList
		d.reapList = nil
		if len(batch) == 0 {
			d.reaping = false
			d.reapMu.Unlock()
			return
		}
		d.reapMu.Unlock()
		if !d.retire(d.reapAbandon.Load) {
			// Close gave up on the device: leak the batch.
			d.reapMu.Lock()
			d.reapList = nil
			d.reaping = false
			d.reapMu.Unlock()
			return
		}
		for _, f := range batch {
			f()
		}
	}
}

// retire waits until every submission made so far on every VkQueue has
// retired: it submits an empty marker to each VkQueue that got work since
// its last marker (a VkQueue never used needs none), then waits for all of
// them. A marker's signal includes all earlier submissions of its VkQueue,
// and each VkQueue has its own marker timeline. It holds no lock while
// waiting, and returns false, giving up, when stop reports true (polled
// between wait slices of at most 100 ms).
func (d *device) retire(stop func() bool) bool {
	type target struct {
		vq *vkQueue
		v  uint64
	}
	var targets []target
	for _, vq := range d.vqs {
		for {
			v, r := vq.mark(d)
			if r == C.VK_SUCCESS {
				if v > 0 {
					targets = append(targets, target{vq, v})
				}
				break
			}
			if r == C.VK_ERROR_DEVICE_LOST {
				vq.waitIdle(d) // returns at once on a lost device
				break
			}
			// Out of memory or the like: try again shortly.
			if stop() {
				return false
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, t := range targets {
		for {
			r := C.shal_wait_semaphore(d.c, t.vq.marker, C.uint64_t(t.v), C.uint64_t(100*time.Millisecond))
			if r == C.VK_SUCCESS {
				break
			}
			if r != C.VK_TIMEOUT {
				t.vq.waitIdle(d) // device lost: returns at once
				break
			}
			if stop() {
				return false
			}
		}
	}
	return true
}

// deviceWaitIdleUnlocked runs vkDeviceWaitIdle without the VkQueue locks:
// invalid usage while another thread uses a VkQueue (what the old Close
// did while the reaper submitted markers); only TestDiagCloseRace uses it.
func (d *device) deviceWaitIdleUnlocked() C.VkResult { return C.shal_device_wait_idle(d.c) }

// flushReaper waits for the reaper to finish what was handed to it.
func (d *device) flushReaper() {
	d.reapWG.Wait()
}

// flushReaperUntil is flushReaper with a deadline; it reports whether the
// reaper finished.
func (d *device) flushReaperUntil(deadline time.Time) bool {
	done := make(chan struct{})
	go func() {
		d.reapWG.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// value returns the semaphore's current counter; on device loss it returns
// the maximum so that nobody waits forever.
func (t *timeline) value() uint64 {
	var v C.uint64_t
	if C.shal_semaphore_value(t.dev.c, t.sem, &v) != C.VK_SUCCESS {
		return ^uint64(0)
	}
	t.saw(uint64(v))
	return uint64(v)
}

func (t *timeline) reached(v uint64) bool {
	return v == 0 || v <= t.seen.Load() || t.value() >= v
}

// wait blocks until the counter reaches v or ctx is done. It waits in slices
// so that a cancelled context is noticed promptly.
func (t *timeline) wait(ctx context.Context, v uint64) error {
	if v == 0 {
		return nil
	}
	slice := uint64(time.Millisecond)
	if ctx == nil || ctx.Done() == nil {
		// Nothing can end the wait early: one wait without a timeout.
		slice = ^uint64(0)
	}
	for {
		r := C.shal_wait_semaphore(t.dev.c, t.sem, C.uint64_t(v), C.uint64_t(slice))
		switch r {
		case C.VK_SUCCESS:
			t.saw(v)
			return nil
		case C.VK_TIMEOUT:
		default:
			return check(r, "wait for timeline value %d", v)
		}
		if ctx != nil {
			select {
			case <-ctx.Done():
				return fmt.Errorf("hal/vulkan: wait for queue work: %w", ctx.Err())
			default:
			}
		}
		if slice != ^uint64(0) {
			slice = min(slice*2, uint64(50*time.Millisecond))
		}
	}
}

// A garbage item is destroyed once every condition's timeline reached its
// value: Vulkan objects must outlive the GPU work that uses them.
type garbageItem struct {
	conds []timelineValue
	free  func()
}

type timelineValue struct {
	tl    *timeline
	value uint64
}

// openQueues lists the device's queues; false when it is closed.
func (d *device) openQueues() ([]*queue, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, false
	}
	return d.queuesLocked(), true
}

// queuesLocked lists the device's queues (d.mu held).
func (d *device) queuesLocked() []*queue {
	return slices.Collect(maps.Keys(d.queues))
}

// pendingValues returns, for every queue, the timeline value that covers
// everything enqueued so far (including an unsubmitted batch).
func (d *device) pendingValues() []timelineValue {
	d.mu.Lock()
	qs := d.queuesLocked()
	d.mu.Unlock()
	var out []timelineValue
	for _, q := range qs {
		if tv, ok := q.pendingValue(); ok {
			out = append(out, tv)
		}
	}
	return out
}

// deferFree runs free once all work enqueued so far on any queue is done.
func (d *device) deferFree(free func()) {
	conds := d.pendingValues()
	d.deferFreeAfter(conds, free)
}

// deferFreeAfter runs free once each condition is reached; it takes over
// the conditions' timeline references.
func (d *device) deferFreeAfter(conds []timelineValue, free func()) {
	done := true
	for _, c := range conds {
		if !c.tl.reached(c.value) {
			done = false
			break
		}
	}
	if done {
		for _, c := range conds {
			c.tl.release()
		}
		free()
		return
	}
	d.gcMu.Lock()
	d.garbage = append(d.garbage, garbageItem{conds, free})
	d.gcMu.Unlock()
}

// collectGarbage frees the items whose work is done.
func (d *device) collectGarbage() {
	d.gcMu.Lock()
	if len(d.garbage) == 0 {
		d.gcMu.Unlock()
		return
	}
	var ready []garbageItem
	keep := d.garbage[:0]
	for _, g := range d.garbage {
		done := true
		for _, c := range g.conds {
			if !c.tl.reached(c.value) {
				done = false
				break
			}
		}
		if done {
			ready = append(ready, g)
		} else {
			keep = append(keep, g)
		}
	}
	d.garbage = keep
	d.gcMu.Unlock()
	for _, g := range ready {
		for _, c := range g.conds {
			c.tl.release()
		}
		g.free()
	}
}

// collectAll frees every garbage item (the device is idle).
func (d *device) collectAll() {
	d.gcMu.Lock()
	all := d.garbage
	d.garbage = nil
	d.gcMu.Unlock()
	for _, g := range all {
		for _, c := range g.conds {
			c.tl.release()
		}
		g.free()
	}
}
