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
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// maxQueuesPerDevice bounds the VkQueues we create; hal queues share them.
const maxQueuesPerDevice = 4

// vkQueue is one VkQueue, shared by several hal queues. vkQueueSubmit needs
// external synchronization, hence the mutex.
type vkQueue struct {
	mu sync.Mutex
	q  C.VkQueue
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

	allocs addrTable
	// deviceBytes counts device-local bytes we allocated (MemoryInfo
	// without VK_EXT_memory_budget).
	deviceBytes atomic.Int64

	mu      sync.Mutex // guards the sets below and closed
	closed  bool
	queues  map[*queue]struct{}
	events  map[*event]struct{}
	execs   map[*executable]struct{}
	graphs  map[*graphExec]struct{}
	syncQ   *queue // internal queue for staged host copies
	stageMu sync.Mutex
	stage   *allocation // staging buffer for CopyFromHost/CopyToHost

	gcMu    sync.Mutex
	garbage []garbageItem

	// The reaper (see reap) and its marker timeline.
	reapMu      sync.Mutex
	reapList    []func()
	reaping     bool
	reapWG      sync.WaitGroup
	marker      C.VkSemaphore
	markerValue atomic.Uint64

	fillMu   sync.Mutex
	fillProg *fillProgram

	// forceStaging makes CopyFromHost/CopyToHost go through the staging
	// buffer even for host-visible memory (tests of the discrete-GPU path).
	forceStaging bool

	// finalLive is liveObjects() just after the VkDevice was destroyed.
	finalLive map[string]int64
}

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
	hostMem := C.int(0)
	if d.hostImport {
		hostMem = 1
	}
	d.c = (*C.shal_dev)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_dev{}))))
	if err := check(C.shal_create_device(in.c, pd, pinfo, C.uint32_t(fam), C.uint32_t(nq), hostMem, d.c), "vkCreateDevice"); err != nil {
		C.free(unsafe.Pointer(d.c))
		return nil, err
	}
	if missing := C.shal_load_device(in.c, d.c, hostMem); missing != nil {
		C.shal_destroy_device(d.c)
		C.free(unsafe.Pointer(d.c))
		return nil, fmt.Errorf("hal/vulkan: device function %s missing: %w", C.GoString(missing), hal.ErrNotAvailable)
	}
	for i := uint32(0); i < nq; i++ {
		d.vqs = append(d.vqs, &vkQueue{q: C.shal_get_queue(d.c, C.uint32_t(fam), C.uint32_t(i))})
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

	if err := check(C.shal_create_timeline(d.c, 0, &d.marker), "create marker semaphore"); err != nil {
		d.destroy()
		return nil, err
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
	}
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

func (d *device) Formats() []hal.Format { return []hal.Format{hal.FormatSPIRV} }

// pickVkQueue hands out the device's VkQueues round robin.
func (d *device) pickVkQueue() *vkQueue {
	return d.vqs[int(d.nextVQ.Add(1)-1)%len(d.vqs)]
}

// Synchronize waits for every queue of the device.
func (d *device) Synchronize(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return errClosedDevice
	}
	qs := make([]*queue, 0, len(d.queues))
	for q := range d.queues {
		qs = append(qs, q)
	}
	d.mu.Unlock()
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
func (d *device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return fmt.Errorf("hal/vulkan: device %d already closed: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	qs := make([]*queue, 0, len(d.queues))
	for q := range d.queues {
		qs = append(qs, q)
	}
	d.mu.Unlock()
	var errs []error
	for _, q := range qs {
		if err := q.close(); err != nil && !errors.Is(err, hal.ErrInvalidHandle) {
			errs = append(errs, err)
		}
	}
	d.mu.Lock()
	d.closed = true
	gs, es, xs := d.graphs, d.events, d.execs
	d.graphs, d.events, d.execs = nil, nil, nil
	d.mu.Unlock()
	for g := range gs {
		g.release()
	}
	for e := range es {
		e.release()
	}
	for x := range xs {
		x.release()
	}
	if r := C.shal_device_wait_idle(d.c); r != C.VK_SUCCESS {
		errs = append(errs, check(r, "vkDeviceWaitIdle"))
	}
	d.collectAll()
	d.flushReaper()
	d.destroy()
	return errors.Join(errs...)
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
	if d.marker != 0 {
		C.shal_destroy_semaphore(d.c, d.marker)
		d.marker = 0
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
// command pool then is a use after free. So the reaper goroutine submits an
// empty marker to each VkQueue and destroys the batch once the markers are
// signalled, since queues retire submissions in order. The caller never
// blocks, even when other queues wait on host calls.
func (d *device) reap(destroy func()) {
	d.reapMu.Lock()
	d.reapList = append(d.reapList, destroy)
	if !d.reaping {
		d.reaping = true
		d.reapWG.Add(1)
		go d.reaper()
	}
	d.reapMu.Unlock()
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
		d.retireSubmissions()
		for _, f := range batch {
			f()
		}
	}
}

// retireSubmissions waits until every submission made so far on every
// VkQueue is retired, by an empty marker submission per queue. It holds no
// lock while waiting.
func (d *device) retireSubmissions() {
	for _, vq := range d.vqs {
		vq.mu.Lock()
		v := d.markerValue.Add(1)
		r := C.shal_submit(d.c, vq.q, nil, 0, nil, nil, d.marker, C.uint64_t(v))
		vq.mu.Unlock()
		if r != C.VK_SUCCESS {
			// The device is lost or out of memory: fall back to idling it.
			C.shal_device_wait_idle(d.c)
			continue
		}
		for C.shal_wait_semaphore(d.c, d.marker, C.uint64_t(v), C.uint64_t(time.Second)) == C.VK_TIMEOUT {
		}
	}
}

// flushReaper waits for the reaper to finish what was handed to it.
func (d *device) flushReaper() {
	d.reapWG.Wait()
}

// value returns the semaphore's current counter; on device loss it returns
// the maximum so that nobody waits forever.
func (t *timeline) value() uint64 {
	var v C.uint64_t
	if C.shal_semaphore_value(t.dev.c, t.sem, &v) != C.VK_SUCCESS {
		return ^uint64(0)
	}
	return uint64(v)
}

func (t *timeline) reached(v uint64) bool { return v == 0 || t.value() >= v }

// wait blocks until the counter reaches v or ctx is done. It waits in slices
// so that a cancelled context is noticed promptly.
func (t *timeline) wait(ctx context.Context, v uint64) error {
	if v == 0 {
		return nil
	}
	slice := uint64(time.Millisecond)
	for {
		r := C.shal_wait_semaphore(t.dev.c, t.sem, C.uint64_t(v), C.uint64_t(slice))
		switch r {
		case C.VK_SUCCESS:
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
		slice = min(slice*2, uint64(50*time.Millisecond))
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

// pendingValues returns, for every queue, the timeline value that covers
// everything enqueued so far (including an unsubmitted batch).
func (d *device) pendingValues() []timelineValue {
	d.mu.Lock()
	qs := make([]*queue, 0, len(d.queues))
	for q := range d.queues {
		qs = append(qs, q)
	}
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
