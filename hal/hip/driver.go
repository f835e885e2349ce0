//go:build cgo

package hip

/*
#include <stdlib.h>
#include "shal_hip.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/devices"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// newDriver returns the driver that register.go registers.
func newDriver() hal.Driver { return Driver{} }

// Driver is the HIP driver. Its zero value is ready to use.
type Driver struct{}

var _ hal.Driver = Driver{}

// Name returns "hip".
func (Driver) Name() string { return Name }

// Open loads libamdhip64 (the names in Libraries), resolves its functions
// and enumerates the devices the runtime sees (HIP_VISIBLE_DEVICES
// applies). Without the library, or without a device, the error wraps
// hal.ErrNotAvailable and says which.
func (Driver) Open(cfg hal.Config) (hal.Instance, error) {
	return openWith(cfg, Libraries)
}

// openWith opens the driver over the first of names that loads.
func openWith(cfg hal.Config, names []string) (hal.Instance, error) {
	lib, err := load(names)
	if err != nil {
		return nil, err
	}
	n, err := lib.deviceCount()
	if err != nil {
		return nil, err
	}
	inst := &instance{cfg: cfg, lib: lib}
	for i := range n {
		d, err := newDevice(inst, i)
		if err != nil {
			inst.Close()
			return nil, err
		}
		inst.All = append(inst.All, d)
	}
	cfg.Log(3, "hal/hip: %s (runtime %s, driver %d), %d device(s)", lib.dl.Name, version(lib.runtime), lib.driver, n)
	if len(lib.missing) > 0 {
		cfg.Log(4, "hal/hip: optional functions missing from this runtime: %v", lib.missing)
	}
	return inst, nil
}

type instance struct {
	devices.Set[*device]
	cfg hal.Config
	lib *library
}

var _ hal.Instance = (*instance)(nil)

// Close closes every device, together: each waits at most the close
// timeout for its work.
func (in *instance) Close() error { return in.CloseOnce(nil) }

// allocRecord is one live allocation of a device, by its device address.
type allocRecord struct {
	kind hal.MemoryKind
	size uint64
	host unsafe.Pointer // host pointer (hipHostFree, hipHostUnregister)
}

type device struct {
	inst    *instance
	lib     *library
	api     *C.shal_hip_api
	ordinal int
	dev     C.int
	info    hal.DeviceInfo

	mu     sync.Mutex
	closed bool
	allocs map[uint64]allocRecord
	queues map[*queue]struct{}
	// stuck names the work given up as never ending: while there is any,
	// Close frees no memory (the kernel may still use it).
	stuck []string
	// stuckSince is when a wait with a deadline first gave up on the
	// device's work (unix nanoseconds, 0: none did).
	stuckSince atomic.Int64
}

var (
	_ hal.Device     = (*device)(nil)
	_ hal.PeerDevice = (*device)(nil)
	_ hal.Advisor    = (*device)(nil)
)

// giveUp records that q's work was given up as never ending.
func (d *device) giveUp(q *queue, what string) {
	d.mu.Lock()
	d.stuck = append(d.stuck, what)
	delete(d.queues, q)
	d.mu.Unlock()
	d.inst.cfg.Log(1, "hal/hip: device %d: %s never finished; given up", d.ordinal, what)
}

func newDevice(inst *instance, ordinal int) (*device, error) {
	d := &device{
		inst: inst, lib: inst.lib, api: inst.lib.api, ordinal: ordinal, dev: C.int(ordinal),
		allocs: map[uint64]allocRecord{}, queues: map[*queue]struct{}{},
	}
	f := deviceFacts{ordinal: ordinal}
	var name [256]C.char
	if err := check(int(C.shal_hip_device_name(d.api, d.dev, &name[0], C.int(len(name)))), "hipDeviceGetName(device %d)", ordinal); err != nil {
		return nil, err
	}
	f.name = C.GoString(&name[0])
	var total C.size_t
	if err := check(int(C.shal_hip_device_total_mem(d.api, d.dev, &total)), "hipDeviceTotalMem(device %d)", ordinal); err != nil {
		return nil, err
	}
	f.totalMem = uint64(total)
	var uuid C.shal_hip_uuid
	if C.shal_hip_device_uuid(d.api, d.dev, &uuid) == 0 {
		for i := range f.uuid {
			f.uuid[i] = byte(uuid.bytes[i])
		}
	}
	var arch [257]C.char
	if code := C.shal_hip_props_arch(d.api, d.dev, &arch[0], C.size_t(len(arch))); code == 0 {
		f.gcnArch = C.GoString(&arch[0])
	} else {
		inst.cfg.Log(2, "hal/hip: device %d: no architecture name: %v", ordinal, hipabi.Error(code))
	}
	var least, greatest C.int
	if C.shal_hip_priority_range(d.api, d.dev, &least, &greatest) == 0 {
		f.least, f.greatest = int(least), int(greatest)
	}
	f.attr = func(a hipabi.DeviceAttribute) (int, error) {
		var v C.int
		err := check(int(C.shal_hip_device_attribute(d.api, d.dev, C.int(a), &v)), "hipDeviceGetAttribute(%v, device %d)", a, ordinal)
		return int(v), err
	}
	d.info = deviceInfo(f)
	return d, nil
}

func (d *device) Info() hal.DeviceInfo { return d.info }

func (d *device) MemoryInfo() (free, total uint64, err error) {
	var f, t C.size_t
	if err := check(int(C.shal_hip_mem_info(d.api, d.dev, &f, &t)), "hipMemGetInfo(device %d)", d.ordinal); err != nil {
		return 0, 0, err
	}
	return uint64(f), uint64(t), nil
}

func (d *device) checkOpen(op string) error {
	if d.closed {
		return fmt.Errorf("hal/hip: %s on closed device %d: %w", op, d.ordinal, hal.ErrInvalidHandle)
	}
	return nil
}

// maxAlloc bounds a request before the runtime sees it: no AMD device has
// anywhere near 4 PiB, and sizes near 2^64 overflow inside allocators.
const maxAlloc = 1 << 52

func (d *device) Allocate(kind hal.MemoryKind, size uint64) (hal.Allocation, error) {
	switch kind {
	case hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged:
	default:
		return hal.Allocation{}, fmt.Errorf("hal/hip: allocate %v memory: %w", kind, hal.ErrInvalidValue)
	}
	if size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/hip: allocate 0 bytes: %w", hal.ErrInvalidValue)
	}
	if size > maxAlloc || (kind == hal.MemoryDevice && size > d.info.TotalMem) {
		return hal.Allocation{}, fmt.Errorf("hal/hip: allocate %d bytes of %v memory on device %d (%d bytes total): %w", size, kind, d.ordinal, d.info.TotalMem, hal.ErrOutOfMemory)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("allocate"); err != nil {
		return hal.Allocation{}, err
	}
	var a hal.Allocation
	switch kind {
	case hal.MemoryDevice:
		var p C.uint64_t
		if err := check(int(C.shal_hip_malloc(d.api, d.dev, &p, C.size_t(size))), "hipMalloc(%d bytes) on device %d", size, d.ordinal); err != nil {
			return hal.Allocation{}, err
		}
		a = hal.Allocation{Device: uint64(p), Size: size}
	case hal.MemoryHost:
		var host unsafe.Pointer
		var p C.uint64_t
		if err := check(int(C.shal_hip_host_malloc(d.api, d.dev, &host, &p, C.size_t(size))), "hipHostMalloc(%d bytes, mapped) on device %d", size, d.ordinal); err != nil {
			return hal.Allocation{}, err
		}
		a = hal.Allocation{Device: uint64(p), Host: host, Size: size}
	case hal.MemoryManaged:
		var p unsafe.Pointer
		if err := check(int(C.shal_hip_malloc_managed(d.api, d.dev, &p, C.size_t(size))), "hipMallocManaged(%d bytes) on device %d", size, d.ordinal); err != nil {
			return hal.Allocation{}, err
		}
		a = hal.Allocation{Device: uint64(uintptr(p)), Host: p, Size: size}
	}
	d.allocs[a.Device] = allocRecord{kind: kind, size: size, host: a.Host}
	return a, nil
}

func (d *device) Free(kind hal.MemoryKind, addr uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("free"); err != nil {
		return err
	}
	r, ok := d.allocs[addr]
	if !ok || r.kind == hal.MemoryRegistered {
		return fmt.Errorf("hal/hip: free %#x: not an allocation of device %d: %w", addr, d.ordinal, hal.ErrInvalidValue)
	}
	if r.kind != kind {
		return fmt.Errorf("hal/hip: free %#x as %v memory: it is %v memory: %w", addr, kind, r.kind, hal.ErrInvalidValue)
	}
	delete(d.allocs, addr)
	return d.release(addr, r)
}

// release returns one allocation to the runtime; d.mu is held.
func (d *device) release(addr uint64, r allocRecord) error {
	switch r.kind {
	case hal.MemoryHost:
		return check(int(C.shal_hip_host_free(d.api, d.dev, r.host)), "hipHostFree(%p) on device %d", r.host, d.ordinal)
	case hal.MemoryRegistered:
		return check(int(C.shal_hip_host_unregister(d.api, d.dev, r.host)), "hipHostUnregister(%p) on device %d", r.host, d.ordinal)
	}
	return check(int(C.shal_hip_free(d.api, d.dev, C.uint64_t(addr))), "hipFree(%#x) on device %d", addr, d.ordinal)
}

func (d *device) Register(p unsafe.Pointer, size uint64) (hal.Allocation, error) {
	if p == nil || size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/hip: register %p (%d bytes): %w", p, size, hal.ErrInvalidValue)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("register"); err != nil {
		return hal.Allocation{}, err
	}
	var dp C.uint64_t
	if err := check(int(C.shal_hip_host_register(d.api, d.dev, p, C.size_t(size), &dp)), "hipHostRegister(%p, %d bytes) on device %d", p, size, d.ordinal); err != nil {
		return hal.Allocation{}, err
	}
	a := hal.Allocation{Device: uint64(dp), Host: p, Size: size}
	d.allocs[a.Device] = allocRecord{kind: hal.MemoryRegistered, size: size, host: p}
	return a, nil
}

func (d *device) Unregister(a hal.Allocation) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("unregister"); err != nil {
		return err
	}
	r, ok := d.allocs[a.Device]
	if !ok || r.kind != hal.MemoryRegistered {
		return fmt.Errorf("hal/hip: unregister %#x: not registered with device %d: %w", a.Device, d.ordinal, hal.ErrNotMapped)
	}
	delete(d.allocs, a.Device)
	return d.release(a.Device, r)
}

func (d *device) CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	if src == nil || dst == 0 {
		return fmt.Errorf("hal/hip: copy %d bytes from host %p to %#x: %w", n, src, dst, hal.ErrInvalidValue)
	}
	return check(int(C.shal_hip_memcpy_htod(d.api, d.dev, C.uint64_t(dst), src, C.size_t(n))), "hipMemcpy(%#x, host %p, %d bytes) on device %d", dst, src, n, d.ordinal)
}

func (d *device) CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error {
	if n == 0 {
		return nil
	}
	if dst == nil || src == 0 {
		return fmt.Errorf("hal/hip: copy %d bytes from %#x to host %p: %w", n, src, dst, hal.ErrInvalidValue)
	}
	return check(int(C.shal_hip_memcpy_dtoh(d.api, d.dev, dst, C.uint64_t(src), C.size_t(n))), "hipMemcpy(host %p, %#x, %d bytes) on device %d", dst, src, n, d.ordinal)
}

// Formats: AMDGPU code objects only; package streaming unpacks fat modules.
func (d *device) Formats() []hal.Format { return []hal.Format{hal.FormatAMDGPU} }

func (d *device) Synchronize(ctx context.Context) error {
	d.mu.Lock()
	qs := slices.Collect(maps.Keys(d.queues))
	d.mu.Unlock()
	var first error
	for _, q := range qs {
		if err := q.Synchronize(ctx); err != nil && first == nil && !errors.Is(err, hal.ErrInvalidHandle) {
			first = err
		}
	}
	if first != nil {
		return first
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return check(int(C.shal_hip_synchronize(d.api, d.dev)), "hipDeviceSynchronize(device %d)", d.ordinal)
}

func (d *device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	qs := slices.Collect(maps.Keys(d.queues))
	d.mu.Unlock()
	first := devices.CloseAll(qs)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if len(d.stuck) > 0 {
		// The running kernel may use any of it: kept.
		return errors.Join(first, fmt.Errorf("hal/hip: close device %d: %s never finished; its %d allocations stay allocated: %w", d.ordinal, strings.Join(d.stuck, "; "), len(d.allocs), hal.ErrTimeout))
	}
	for addr, r := range d.allocs {
		if err := d.release(addr, r); err != nil && first == nil {
			first = err
		}
		delete(d.allocs, addr)
	}
	return first
}

func (d *device) removeQueue(q *queue) {
	d.mu.Lock()
	delete(d.queues, q)
	d.mu.Unlock()
}
