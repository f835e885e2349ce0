//go:build cgo

// Package cpu is streamhal's default driver: it runs kernels on the host's
// cores. Device memory is host memory from the C heap (never Go memory, so
// kernels and C code can keep it); each device's allocations are distinct
// entries in the caller's pointer table. A launch's grid is split into ranges
// of blocks run by a worker pool sized to GOMAXPROCS, one cgo call per range.
//
// Kernels come from CPU kernel libraries: ELF shared objects written against
// kernels/streamhal_cpu.h, loaded with dlopen.
//
// The driver exposes STREAM_HAL_CPU_DEVICES devices (default 1), or
// hal.Config.Devices when set; they share the worker pool.
package cpu

/*
#cgo CFLAGS: -O2 -I${SRCDIR}/../../kernels
#cgo LDFLAGS: -ldl
#include "runtime.h"
*/
import "C"

import (
	"bufio"
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Name is the driver's registry name.
const Name = "cpu"

// MaxDevices bounds STREAM_HAL_CPU_DEVICES.
const MaxDevices = 64

// newDriver returns the driver that register.go registers.
func newDriver() hal.Driver { return Driver{} }

// Driver is the CPU driver.
type Driver struct{}

// Name returns "cpu".
func (Driver) Name() string { return Name }

// Open creates the instance and its devices.
func (Driver) Open(cfg hal.Config) (hal.Instance, error) {
	n := cfg.Devices
	if n == 0 {
		n = 1
		if s := os.Getenv("STREAM_HAL_CPU_DEVICES"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 || v > MaxDevices {
				return nil, fmt.Errorf("hal/cpu: STREAM_HAL_CPU_DEVICES=%q: want 1..%d: %w", s, MaxDevices, hal.ErrInvalidValue)
			}
			n = v
		}
	}
	if n < 1 || n > MaxDevices {
		return nil, fmt.Errorf("hal/cpu: %d devices: want 1..%d: %w", n, MaxDevices, hal.ErrInvalidValue)
	}
	inst := &instance{cfg: cfg, pool: newPool(runtime.GOMAXPROCS(0))}
	model := cpuModel()
	for i := 0; i < n; i++ {
		d := &device{inst: inst, ordinal: i, allocs: map[uint64]allocRecord{}, peers: map[*device]bool{}}
		d.info = deviceInfo(model, i, inst.pool.size)
		inst.devices = append(inst.devices, d)
	}
	cfg.Log(3, "hal/cpu: %d device(s), %d workers, %s", n, inst.pool.size, model)
	return inst, nil
}

type instance struct {
	cfg     hal.Config
	pool    *pool
	devices []*device
	once    sync.Once
}

func (in *instance) Devices() []hal.Device {
	out := make([]hal.Device, len(in.devices))
	for i, d := range in.devices {
		out[i] = d
	}
	return out
}

func (in *instance) Close() error {
	var first error
	in.once.Do(func() {
		for _, d := range in.devices {
			if err := d.Close(); err != nil && first == nil {
				first = err
			}
		}
		in.pool.close()
	})
	return first
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH + " CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH + " CPU"
}

// Arch is the architecture name CPU kernel libraries are matched against.
func Arch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

// Device limits. Shared memory is per-worker host memory, so the opt-in
// limit is generous; static shared memory lives on the worker's C stack.
const (
	maxThreadsPerBlock    = 1024
	sharedMemPerBlock     = 48 << 10
	sharedMemOptin        = 1 << 20
	maxGridX              = 1<<31 - 1
	maxGridYZ             = 65535
	streamPriorityLeast   = 0
	streamPriorityHighest = -1
)

func deviceInfo(model string, ordinal, workers int) hal.DeviceInfo {
	_, total := memInfo()
	uuid := sha1.Sum([]byte(fmt.Sprintf("streamhal-cpu/%s/%d", model, ordinal)))
	var u [16]byte
	copy(u[:], uuid[:16])
	u[6] = u[6]&0x0f | 0x50 // name-based UUID (version 5 layout)
	u[8] = u[8]&0x3f | 0x80
	return hal.DeviceInfo{
		Name:                        fmt.Sprintf("%s (streamhal cpu %d)", model, ordinal),
		Driver:                      Name,
		UUID:                        u,
		Ordinal:                     ordinal,
		TotalMem:                    total,
		MultiprocessorCount:         workers,
		MaxThreadsPerBlock:          maxThreadsPerBlock,
		MaxBlockDim:                 [3]int{1024, 1024, 64},
		MaxGridDim:                  [3]int{maxGridX, maxGridYZ, maxGridYZ},
		WarpSize:                    1,
		SharedMemPerBlock:           sharedMemPerBlock,
		SharedMemPerBlockOptin:      sharedMemOptin,
		SharedMemPerMultiprocessor:  sharedMemOptin,
		MaxThreadsPerMultiprocessor: maxThreadsPerBlock,
		MaxBlocksPerMultiprocessor:  1,
		RegistersPerBlock:           65536,
		RegistersPerMultiprocessor:  65536,
		TotalConstantMem:            64 << 10,
		MaxPitch:                    1<<31 - 1,
		TextureAlignment:            C.SHAL_CPU_ALIGNMENT,
		PitchAlignment:              C.SHAL_CPU_ALIGNMENT,
		AsyncEngineCount:            1,
		PCIDeviceID:                 ordinal,
		Integrated:                  true,
		CanMapHostMemory:            true,
		UnifiedAddressing:           true,
		ManagedMemory:               true,
		ConcurrentManagedAccess:     true,
		ConcurrentKernels:           true,
		CooperativeLaunch:           true,
		HostRegisterSupported:       true,
		MemoryPoolsSupported:        true,
		StreamPriorityLeast:         streamPriorityLeast,
		StreamPriorityGreatest:      streamPriorityHighest,
		Arch:                        Arch(),
	}
}

// memInfo reads MemAvailable and MemTotal from /proc/meminfo.
func memInfo() (free, total uint64) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemTotal:":
			total = v << 10
		case "MemAvailable:":
			free = v << 10
		}
	}
	return free, total
}

type allocRecord struct {
	kind hal.MemoryKind
	size uint64
	host unsafe.Pointer
}

type device struct {
	inst    *instance
	ordinal int
	info    hal.DeviceInfo

	mu     sync.Mutex
	closed bool
	allocs map[uint64]allocRecord
	queues map[*queue]bool
	peers  map[*device]bool
}

func (d *device) Info() hal.DeviceInfo { return d.info }

func (d *device) MemoryInfo() (free, total uint64, err error) {
	free, total = memInfo()
	return free, total, nil
}

func (d *device) checkOpen(op string) error {
	if d.closed {
		return fmt.Errorf("hal/cpu: %s on closed device %d: %w", op, d.ordinal, hal.ErrInvalidHandle)
	}
	return nil
}

func (d *device) Allocate(kind hal.MemoryKind, size uint64) (hal.Allocation, error) {
	switch kind {
	case hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged:
	default:
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate %v memory: %w", kind, hal.ErrInvalidValue)
	}
	if size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate 0 bytes: %w", hal.ErrInvalidValue)
	}
	if size > 1<<47 {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate %d bytes of %v memory: %w", size, kind, hal.ErrOutOfMemory)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("allocate"); err != nil {
		return hal.Allocation{}, err
	}
	p := C.shal_cpu_alloc(C.uint64_t(size))
	if p == nil {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate %d bytes of %v memory: %w", size, kind, hal.ErrOutOfMemory)
	}
	addr := uint64(uintptr(p))
	d.allocs[addr] = allocRecord{kind: kind, size: size, host: p}
	return hal.Allocation{Device: addr, Host: p, Size: size}, nil
}

func (d *device) Free(kind hal.MemoryKind, addr uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("free"); err != nil {
		return err
	}
	r, ok := d.allocs[addr]
	if !ok || r.kind == hal.MemoryRegistered {
		return fmt.Errorf("hal/cpu: free %#x: not an allocation of device %d: %w", addr, d.ordinal, hal.ErrInvalidValue)
	}
	if r.kind != kind {
		return fmt.Errorf("hal/cpu: free %#x as %v memory: it is %v memory: %w", addr, kind, r.kind, hal.ErrInvalidValue)
	}
	delete(d.allocs, addr)
	C.shal_cpu_free(r.host)
	return nil
}

func (d *device) Register(p unsafe.Pointer, size uint64) (hal.Allocation, error) {
	if p == nil || size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register %p (%d bytes): %w", p, size, hal.ErrInvalidValue)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("register"); err != nil {
		return hal.Allocation{}, err
	}
	addr := uint64(uintptr(p))
	if _, ok := d.allocs[addr]; ok {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register %#x: already registered: %w", addr, hal.ErrAlreadyMapped)
	}
	d.allocs[addr] = allocRecord{kind: hal.MemoryRegistered, size: size, host: p}
	return hal.Allocation{Device: addr, Host: p, Size: size}, nil
}

func (d *device) Unregister(a hal.Allocation) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.allocs[a.Device]
	if !ok || r.kind != hal.MemoryRegistered {
		return fmt.Errorf("hal/cpu: unregister %#x: not registered: %w", a.Device, hal.ErrNotMapped)
	}
	delete(d.allocs, a.Device)
	return nil
}

func (d *device) CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	C.shal_cpu_copy_in(C.uint64_t(dst), src, C.uint64_t(n))
	return nil
}

func (d *device) CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error {
	if n == 0 {
		return nil
	}
	C.shal_cpu_copy_out(dst, C.uint64_t(src), C.uint64_t(n))
	return nil
}

func (d *device) Formats() []hal.Format { return []hal.Format{hal.FormatCPUELF} }

func (d *device) NewQueue(opts hal.QueueOptions) (hal.Queue, error) {
	if opts.Priority > streamPriorityLeast || opts.Priority < streamPriorityHighest {
		// CUDA clamps priorities into range; so do we.
		if opts.Priority > streamPriorityLeast {
			opts.Priority = streamPriorityLeast
		} else {
			opts.Priority = streamPriorityHighest
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("create queue"); err != nil {
		return nil, err
	}
	q := newQueue(d, opts.Priority < 0)
	if d.queues == nil {
		d.queues = map[*queue]bool{}
	}
	d.queues[q] = true
	return q, nil
}

func (d *device) removeQueue(q *queue) {
	d.mu.Lock()
	delete(d.queues, q)
	d.mu.Unlock()
}

func (d *device) Synchronize(ctx context.Context) error {
	d.mu.Lock()
	qs := make([]*queue, 0, len(d.queues))
	for q := range d.queues {
		qs = append(qs, q)
	}
	d.mu.Unlock()
	var first error
	for _, q := range qs {
		if err := q.Synchronize(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (d *device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	qs := make([]*queue, 0, len(d.queues))
	for q := range d.queues {
		qs = append(qs, q)
	}
	d.mu.Unlock()
	for _, q := range qs {
		q.Close()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for addr, r := range d.allocs {
		if r.kind != hal.MemoryRegistered {
			C.shal_cpu_free(r.host)
		}
		delete(d.allocs, addr)
	}
	return nil
}

// LiveAllocations reports how many allocations the device holds (for leak
// tests).
func LiveAllocations(dev hal.Device) int {
	d, ok := dev.(*device)
	if !ok {
		return -1
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.allocs)
}

// Peer access: every CPU device of an instance can use every other's memory.

func (d *device) CanAccessPeer(peer hal.Device) bool {
	p, ok := peer.(*device)
	return ok && p != d && p.inst == d.inst
}

func (d *device) EnablePeerAccess(peer hal.Device) error {
	if !d.CanAccessPeer(peer) {
		return fmt.Errorf("hal/cpu: device %d cannot access %v: %w", d.ordinal, peer.Info().Name, hal.ErrInvalidDevice)
	}
	p := peer.(*device)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.peers[p] {
		return fmt.Errorf("hal/cpu: device %d already has access to device %d: %w", d.ordinal, p.ordinal, hal.ErrPeerAlreadyEnabled)
	}
	d.peers[p] = true
	return nil
}

func (d *device) DisablePeerAccess(peer hal.Device) error {
	p, ok := peer.(*device)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !ok || !d.peers[p] {
		return fmt.Errorf("hal/cpu: device %d has no peer access to %v: %w", d.ordinal, peer.Info().Name, hal.ErrPeerNotEnabled)
	}
	delete(d.peers, p)
	return nil
}

func (d *device) CopyPeer(q hal.Queue, dst uint64, srcDev hal.Device, src uint64, n uint64) error {
	if _, ok := srcDev.(*device); !ok {
		return fmt.Errorf("hal/cpu: peer copy from %v: not a CPU device: %w", srcDev.Info().Name, hal.ErrInvalidDevice)
	}
	return q.Copy(dst, src, n)
}
