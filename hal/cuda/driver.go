//go:build cgo

package cuda

/*
#include "shal_cuda.h"
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
	"github.com/streamhal/streamhal/hal/internal/devices"
)

// newDriver returns the driver that register.go registers.
func newDriver() hal.Driver { return &Driver{} }

// Driver is the "cuda" hal.Driver. Its zero value loads libcuda.so.1.
type Driver struct {
	// libraries overrides the dlopen names (tests load a double).
	libraries []string
}

var _ hal.Driver = &Driver{}

// Name returns "cuda".
func (*Driver) Name() string { return "cuda" }

// Open loads the driver library, initialises CUDA and retains the primary
// context of every device. It returns an error wrapping hal.ErrNotAvailable
// when libcuda.so.1 is missing, lacks a function we need, or finds no
// device.
func (drv *Driver) Open(cfg hal.Config) (hal.Instance, error) {
	names := drv.libraries
	if len(names) == 0 {
		names = defaultLibraries
	}
	if err := load(names); err != nil {
		cfg.Log(2, "%v", err)
		return nil, err
	}
	var count C.int
	if err := check(C.shal_device_count(&count), "cuDeviceGetCount"); err != nil {
		return nil, fmt.Errorf("hal/cuda: %w: %v", hal.ErrNotAvailable, err)
	}
	if count == 0 {
		return nil, fmt.Errorf("hal/cuda: %w: no CUDA device", hal.ErrNotAvailable)
	}
	inst := &instance{cfg: cfg}
	for i := range int(count) {
		d, err := openDevice(inst, i)
		if err != nil {
			inst.Close()
			return nil, err
		}
		inst.devices = append(inst.devices, d)
	}
	cfg.Log(3, "hal/cuda: driver version %d, %d device(s)", lib.version, len(inst.devices))
	return inst, nil
}

type instance struct {
	cfg     hal.Config
	devices []*device
	closed  atomic.Bool
}

var _ hal.Instance = (*instance)(nil)

func (inst *instance) Devices() []hal.Device {
	return devices.List(inst.devices)
}

// Close releases every device's primary context.
func (inst *instance) Close() error {
	if inst.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: instance already closed: %w", hal.ErrInvalidHandle)
	}
	return devices.CloseAll(inst.devices)
}

// device is one CUDA device with its retained primary context. All of its
// driver calls go through the C trampolines, which make ctx current for the
// duration of the call on whatever thread runs it.
type device struct {
	inst    *instance
	ordinal int
	dev     C.CUdevice
	ctx     C.CUcontext
	uctx    C.uintptr_t // ctx as an integer handle
	info    hal.DeviceInfo
	closed  atomic.Bool
	// stuckSince is when a wait with a deadline first gave up on the
	// device's work (unix nanoseconds, 0: none did), so that Close does not
	// wait the whole timeout again.
	stuckSince atomic.Int64
	hostErr    asyncErr  // panics of graph host nodes, reported by Synchronize
	hostCalls  hostState // host-call workers and their done words

	mu   sync.Mutex
	host map[uint64]unsafe.Pointer // MemoryHost allocations: device address -> host pointer
}

var (
	_ hal.Device     = (*device)(nil)
	_ hal.PeerDevice = (*device)(nil)
)

// CUdevice_attribute values (cuda.h).
const (
	attrMaxThreadsPerBlock          = 1
	attrMaxBlockDimX                = 2
	attrMaxBlockDimY                = 3
	attrMaxBlockDimZ                = 4
	attrMaxGridDimX                 = 5
	attrMaxGridDimY                 = 6
	attrMaxGridDimZ                 = 7
	attrMaxSharedMemoryPerBlock     = 8
	attrTotalConstantMemory         = 9
	attrWarpSize                    = 10
	attrMaxPitch                    = 11
	attrMaxRegistersPerBlock        = 12
	attrClockRate                   = 13
	attrTextureAlignment            = 14
	attrMultiprocessorCount         = 16
	attrIntegrated                  = 18
	attrCanMapHostMemory            = 19
	attrConcurrentKernels           = 31
	attrECCEnabled                  = 32
	attrPCIBusID                    = 33
	attrPCIDeviceID                 = 34
	attrMemoryClockRate             = 36
	attrGlobalMemoryBusWidth        = 37
	attrL2CacheSize                 = 38
	attrMaxThreadsPerMultiprocessor = 39
	attrAsyncEngineCount            = 40
	attrUnifiedAddressing           = 41
	attrPCIDomainID                 = 50
	attrTexturePitchAlignment       = 51
	attrComputeCapabilityMajor      = 75
	attrComputeCapabilityMinor      = 76
	attrMaxSharedMemoryPerSM        = 81
	attrMaxRegistersPerSM           = 82
	attrManagedMemory               = 83
	attrConcurrentManagedAccess     = 89
	attrCooperativeLaunch           = 95
	attrMaxSharedMemoryPerBlockOpt  = 97
	attrHostRegisterSupported       = 99
	attrMaxBlocksPerMultiprocessor  = 106
	attrMemoryPoolsSupported        = 115
)

func openDevice(inst *instance, ordinal int) (*device, error) {
	d := &device{inst: inst, ordinal: ordinal, host: map[uint64]unsafe.Pointer{}}
	if err := check(C.shal_device_get(&d.dev, C.int(ordinal)), "cuDeviceGet(%d)", ordinal); err != nil {
		return nil, err
	}
	if err := check(C.shal_primary_retain(&d.ctx, d.dev), "cuDevicePrimaryCtxRetain(device %d)", ordinal); err != nil {
		return nil, err
	}
	d.uctx = handle(unsafe.Pointer(d.ctx))
	if err := d.readInfo(); err != nil {
		C.shal_primary_release(d.dev)
		return nil, err
	}
	d.detectMemops()
	return d, nil
}

func (d *device) readInfo() error {
	info := &d.info
	info.Driver = "cuda"
	info.Ordinal = d.ordinal
	var name [256]C.char
	if err := check(C.shal_device_name(&name[0], C.int(len(name)), d.dev), "cuDeviceGetName(device %d)", d.ordinal); err != nil {
		return err
	}
	info.Name = C.GoString(&name[0])
	var total C.size_t
	if err := check(C.shal_device_total_mem(&total, d.dev), "cuDeviceTotalMem(device %d)", d.ordinal); err != nil {
		return err
	}
	info.TotalMem = uint64(total)
	var uuid C.shal_CUuuid
	if err := check(C.shal_device_uuid(&uuid, d.dev), "cuDeviceGetUuid(device %d)", d.ordinal); err != nil {
		return err
	}
	for i := range info.UUID {
		info.UUID[i] = byte(uuid.bytes[i])
	}

	// An attribute the driver does not know (it may retire some) reads as
	// zero, "not known", rather than failing Open.
	attr := func(a int) int {
		var v C.int
		if r := C.shal_device_attr(&v, C.int(a), d.dev); r != 0 {
			d.inst.cfg.Log(4, "hal/cuda: device %d attribute %d: %s", d.ordinal, a, resultName(r))
			return 0
		}
		return int(v)
	}
	info.ComputeMajor = attr(attrComputeCapabilityMajor)
	info.ComputeMinor = attr(attrComputeCapabilityMinor)
	info.MultiprocessorCount = attr(attrMultiprocessorCount)
	info.MaxThreadsPerBlock = attr(attrMaxThreadsPerBlock)
	info.MaxBlockDim = [3]int{attr(attrMaxBlockDimX), attr(attrMaxBlockDimY), attr(attrMaxBlockDimZ)}
	info.MaxGridDim = [3]int{attr(attrMaxGridDimX), attr(attrMaxGridDimY), attr(attrMaxGridDimZ)}
	info.WarpSize = attr(attrWarpSize)
	info.SharedMemPerBlock = attr(attrMaxSharedMemoryPerBlock)
	info.SharedMemPerBlockOptin = attr(attrMaxSharedMemoryPerBlockOpt)
	info.SharedMemPerMultiprocessor = attr(attrMaxSharedMemoryPerSM)
	info.MaxThreadsPerMultiprocessor = attr(attrMaxThreadsPerMultiprocessor)
	info.MaxBlocksPerMultiprocessor = attr(attrMaxBlocksPerMultiprocessor)
	info.RegistersPerBlock = attr(attrMaxRegistersPerBlock)
	info.RegistersPerMultiprocessor = attr(attrMaxRegistersPerSM)
	info.TotalConstantMem = attr(attrTotalConstantMemory)
	info.ClockRateKHz = attr(attrClockRate)
	info.MemoryClockRateKHz = attr(attrMemoryClockRate)
	info.MemoryBusWidth = attr(attrGlobalMemoryBusWidth)
	info.L2CacheSize = attr(attrL2CacheSize)
	info.MaxPitch = int64(attr(attrMaxPitch))
	info.TextureAlignment = attr(attrTextureAlignment)
	info.PitchAlignment = attr(attrTexturePitchAlignment)
	info.AsyncEngineCount = attr(attrAsyncEngineCount)
	info.PCIDomainID = attr(attrPCIDomainID)
	info.PCIBusID = attr(attrPCIBusID)
	info.PCIDeviceID = attr(attrPCIDeviceID)
	info.Integrated = attr(attrIntegrated) != 0
	info.CanMapHostMemory = attr(attrCanMapHostMemory) != 0
	info.UnifiedAddressing = attr(attrUnifiedAddressing) != 0
	info.ManagedMemory = attr(attrManagedMemory) != 0
	info.ConcurrentManagedAccess = attr(attrConcurrentManagedAccess) != 0
	info.ConcurrentKernels = attr(attrConcurrentKernels) != 0
	info.CooperativeLaunch = attr(attrCooperativeLaunch) != 0
	info.ECCEnabled = attr(attrECCEnabled) != 0
	info.HostRegisterSupported = attr(attrHostRegisterSupported) != 0
	info.MemoryPoolsSupported = attr(attrMemoryPoolsSupported) != 0
	info.Arch = fmt.Sprintf("sm_%d%d", info.ComputeMajor, info.ComputeMinor)

	var least, greatest C.int
	if err := check(C.shal_ctx_priority_range(d.ctx, &least, &greatest), "cuCtxGetStreamPriorityRange(device %d)", d.ordinal); err != nil {
		return err
	}
	info.StreamPriorityLeast, info.StreamPriorityGreatest = int(least), int(greatest)
	return nil
}

// Info returns the properties read at Open.
func (d *device) Info() hal.DeviceInfo { return d.info }

// Close stops the host-call workers (see stopHostWorkers) and releases the
// device's primary context. Memory, queues and modules still allocated
// from it stay valid while other users keep the primary context retained
// (CUDA reference-counts it), but host calls enqueued afterwards are refused.
//
// It first waits for the context's work, at most the close timeout
// (hal.Config.CloseTimeout; counted from when a wait with a deadline first
// gave up on it). Work still running then (a kernel that never ends) is
// given up: the primary context stays retained with its memory and
// modules, which the kernel may still use, and the error wraps
// hal.ErrTimeout. A host function gets hostCloseGrace (one second), not
// the timeout: one still running then is left running, its queue's later
// work no longer waits for it, and the host calls after it are dropped
// (see waitForWork).
func (d *device) Close() error {
	if d.closed.Load() {
		return fmt.Errorf("hal/cuda: device %d already closed: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	if err := d.waitForWork(); err != nil {
		d.closed.Store(true)
		d.inst.cfg.Log(1, "%v", err)
		return err
	}
	if d.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: device %d already closed: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	d.stopHostWorkers()
	return check(C.shal_primary_release(d.dev), "cuDevicePrimaryCtxRelease(device %d)", d.ordinal)
}

// waitForWork waits for the context's work for Close, at most the close
// timeout; it returns an error only when the work is still running then.
//
// cuCtxSynchronize also waits for streams blocked on a host call's done
// word (hostcall.go), that is, for host functions, which may wait for
// something the caller does after Close (they must not call the driver,
// but may wait on a channel). Host functions get hostCloseGrace instead
// of the close timeout, as before Close waited for work at all: one that
// has run longer is given up (releaseHeld) while the wait goes on, and
// the device's other work still gets the whole timeout. Host functions
// of the blocking path run on CUDA's own thread, which Close cannot
// release: they count as work.
func (d *device) waitForWork() error {
	timeout := d.inst.cfg.CloseWait()
	var since time.Time
	if s := d.stuckSince.Load(); s != 0 {
		since = time.Unix(0, s)
	}
	deadline := hal.CloseDeadline(time.Now(), since, timeout)
	// cuCtxSynchronize cannot be interrupted: a thread stays in it when
	// the wait gives up.
	hosts := d.hostTargets()
	done := make(chan struct{})
	go func() {
		C.shal_ctx_synchronize(d.ctx)
		close(done)
	}()
	expired := time.NewTimer(time.Until(deadline))
	defer expired.Stop()
	every := max(hostCloseGrace/4, 5*time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	synced := false
	for {
		if synced {
			// The streams have drained; the host calls enqueued before
			// Close, which streams wait for only when work follows them
			// (hostcall.go), may still run: wait for them a tick at a
			// time, giving up held ones as below.
			ctx, cancel := context.WithTimeout(context.Background(), min(every, time.Until(deadline)))
			err := d.waitHostCalls(ctx, hosts)
			cancel()
			if err == nil {
				hostSeq.Load()
				return nil
			}
		}
		select {
		case <-done:
			synced, done = true, nil
		case <-expired.C:
			return fmt.Errorf("hal/cuda: close device %d: work still running after %v (a kernel that never ends?); the primary context stays retained with its memory and modules, and a thread stays blocked in cuCtxSynchronize: %w", d.ordinal, timeout, hal.ErrTimeout)
		case <-tick.C:
			d.releaseHeldHostCalls(hostCloseGrace)
		}
	}
}

// usable returns an error after Close.
func (d *device) usable() error {
	if d.closed.Load() {
		return fmt.Errorf("hal/cuda: device %d is closed: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	return nil
}

// MemoryInfo returns cuMemGetInfo.
func (d *device) MemoryInfo() (free, total uint64, err error) {
	if err := d.usable(); err != nil {
		return 0, 0, err
	}
	var f, t C.size_t
	if err := check(C.shal_mem_info(d.ctx, &f, &t), "cuMemGetInfo(device %d)", d.ordinal); err != nil {
		return 0, 0, err
	}
	return uint64(f), uint64(t), nil
}

// Allocate returns device memory (cuMemAlloc), mapped page-locked host
// memory (cuMemHostAlloc with DEVICEMAP|PORTABLE) or managed memory
// (cuMemAllocManaged).
func (d *device) Allocate(kind hal.MemoryKind, size uint64) (hal.Allocation, error) {
	if err := d.usable(); err != nil {
		return hal.Allocation{}, err
	}
	if size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/cuda: allocate 0 bytes of %v memory: %w", kind, hal.ErrInvalidValue)
	}
	var p C.CUdeviceptr
	switch kind {
	case hal.MemoryDevice:
		if err := check(C.shal_mem_alloc(d.ctx, &p, C.size_t(size)), "cuMemAlloc(%d)", size); err != nil {
			return hal.Allocation{}, err
		}
		return hal.Allocation{Device: uint64(p), Size: size}, nil
	case hal.MemoryHost:
		var h unsafe.Pointer
		if err := check(C.shal_mem_host_alloc(d.ctx, &h, &p, C.size_t(size)), "cuMemHostAlloc(%d)", size); err != nil {
			return hal.Allocation{}, err
		}
		d.mu.Lock()
		d.host[uint64(p)] = h
		d.mu.Unlock()
		return hal.Allocation{Device: uint64(p), Host: h, Size: size}, nil
	case hal.MemoryManaged:
		if !d.info.ManagedMemory {
			return hal.Allocation{}, fmt.Errorf("hal/cuda: device %d has no managed memory: %w", d.ordinal, hal.ErrNotSupported)
		}
		if err := check(C.shal_mem_alloc_managed(d.ctx, &p, C.size_t(size)), "cuMemAllocManaged(%d)", size); err != nil {
			return hal.Allocation{}, err
		}
		return hal.Allocation{Device: uint64(p), Host: C.shal_host_ptr(p), Size: size}, nil
	}
	return hal.Allocation{}, fmt.Errorf("hal/cuda: allocate memory of kind %v: %w", kind, hal.ErrInvalidValue)
}

// Free releases an Allocate'd allocation by its device address.
func (d *device) Free(kind hal.MemoryKind, addr uint64) error {
	if err := d.usable(); err != nil {
		return err
	}
	if kind == hal.MemoryHost || kind == hal.MemoryManaged {
		// Host functions may read this memory: CUDA's implicit
		// synchronisation waits for them, so the free waits for the host
		// calls enqueued before it, which streams wait for only when work
		// follows them (hostcall.go). A host function that frees host
		// memory would wait for itself (CUDA forbids driver calls in host
		// functions; ours may make some, not this one).
		if err := d.waitHostCalls(context.Background(), d.hostTargets()); err != nil {
			return err
		}
	}
	switch kind {
	case hal.MemoryDevice, hal.MemoryManaged:
		return check(C.shal_mem_free(d.ctx, C.CUdeviceptr(addr)), "cuMemFree(%#x)", addr)
	case hal.MemoryHost:
		d.mu.Lock()
		h, ok := d.host[addr]
		delete(d.host, addr)
		d.mu.Unlock()
		if !ok {
			return fmt.Errorf("hal/cuda: free host memory at %#x: no such allocation: %w", addr, hal.ErrInvalidValue)
		}
		return check(C.shal_mem_free_host(d.ctx, h), "cuMemFreeHost(%p)", h)
	}
	return fmt.Errorf("hal/cuda: free memory of kind %v: %w", kind, hal.ErrInvalidValue)
}

// Register page-locks size bytes at p (cuMemHostRegister with
// DEVICEMAP|PORTABLE) and returns its device address.
func (d *device) Register(p unsafe.Pointer, size uint64) (hal.Allocation, error) {
	if err := d.usable(); err != nil {
		return hal.Allocation{}, err
	}
	if p == nil || size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/cuda: register %d bytes at %p: %w", size, p, hal.ErrInvalidValue)
	}
	var dp C.CUdeviceptr
	if err := check(C.shal_mem_host_register(d.ctx, p, C.size_t(size), &dp), "cuMemHostRegister(%p, %d)", p, size); err != nil {
		return hal.Allocation{}, err
	}
	return hal.Allocation{Device: uint64(dp), Host: p, Size: size}, nil
}

// Unregister undoes Register.
func (d *device) Unregister(a hal.Allocation) error {
	if err := d.usable(); err != nil {
		return err
	}
	if a.Host == nil {
		return fmt.Errorf("hal/cuda: unregister allocation without host pointer: %w", hal.ErrInvalidValue)
	}
	// As Free of host memory: host functions may still read it.
	if err := d.waitHostCalls(context.Background(), d.hostTargets()); err != nil {
		return err
	}
	return check(C.shal_mem_host_unregister(d.ctx, a.Host), "cuMemHostUnregister(%p)", a.Host)
}

// CopyFromHost copies synchronously with cuMemcpyHtoD. src may be Go
// memory: it holds no Go pointers and is only used for the call.
func (d *device) CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	if src == nil {
		return fmt.Errorf("hal/cuda: copy %d bytes from nil host pointer: %w", n, hal.ErrInvalidValue)
	}
	return check(C.shal_memcpy_htod(d.ctx, C.CUdeviceptr(dst), src, C.size_t(n)), "cuMemcpyHtoD(%#x, %p, %d)", dst, src, n)
}

// CopyToHost copies synchronously with cuMemcpyDtoH.
func (d *device) CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error {
	if n == 0 {
		return nil
	}
	if dst == nil {
		return fmt.Errorf("hal/cuda: copy %d bytes to nil host pointer: %w", n, hal.ErrInvalidValue)
	}
	return check(C.shal_memcpy_dtoh(d.ctx, dst, C.CUdeviceptr(src), C.size_t(n)), "cuMemcpyDtoH(%p, %#x, %d)", dst, src, n)
}

// Synchronize waits for all work of the device's context (cuCtxSynchronize).
func (d *device) Synchronize(ctx context.Context) error {
	if err := d.usable(); err != nil {
		return err
	}
	// The host calls enqueued before now, which streams wait for only
	// when work follows them (hostcall.go), are waited for after the
	// context.
	hosts := d.hostTargets()
	if ctx.Done() == nil {
		r := C.shal_ctx_synchronize(d.ctx)
		hostSeq.Load()
		if err := check(r, "cuCtxSynchronize(device %d)", d.ordinal); err != nil {
			return err
		}
		if err := d.waitHostCalls(ctx, hosts); err != nil {
			return err
		}
		return d.hostErr.take()
	}
	// cuCtxSynchronize cannot be interrupted; wait for it on another
	// goroutine so that cancellation returns at once. The device's primary
	// context outlives that wait.
	done := make(chan C.CUresult, 1)
	go func() { done <- C.shal_ctx_synchronize(d.ctx) }()
	select {
	case r := <-done:
		hostSeq.Load()
		if err := check(r, "cuCtxSynchronize(device %d)", d.ordinal); err != nil {
			return err
		}
		if err := d.waitHostCalls(ctx, hosts); err != nil {
			return fmt.Errorf("hal/cuda: synchronize device %d: waiting for a host function: %w", d.ordinal, err)
		}
		return d.hostErr.take()
	case <-ctx.Done():
		return fmt.Errorf("hal/cuda: synchronize device %d: %w", d.ordinal, ctx.Err())
	}
}

// asyncErr keeps the first error that happened outside a call (a panic in
// a host function) until a Synchronize reports it. Checking it costs one
// atomic load when there is none.
type asyncErr struct {
	err atomic.Pointer[error]
}

func (a *asyncErr) set(err error) { a.err.CompareAndSwap(nil, &err) }

func (a *asyncErr) take() error {
	if a.err.Load() == nil {
		return nil
	}
	if p := a.err.Swap(nil); p != nil {
		return *p
	}
	return nil
}

// handle returns a C handle (a pointer the driver gave us) as an integer,
// for the trampolines that take them so (see shal_cuda.h).
func handle(p unsafe.Pointer) C.uintptr_t { return C.uintptr_t(uintptr(p)) }
