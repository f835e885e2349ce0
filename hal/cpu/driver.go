//go:build cgo

// Package cpu is streamhal's default driver: it runs kernels on the host's
// cores. Device memory is host memory from the C heap (never Go memory, so
// kernels and C code can keep it); each device's allocations are distinct
// entries in the caller's pointer table. A launch's grid is split into ranges
// of blocks run by a worker pool sized to GOMAXPROCS, one cgo call per range.
//
// Kernels come from CPU kernel libraries: ELF shared objects written against
// kernels/streamhal_cpu.h, loaded with dlopen. Loading a library runs its
// code, ELF constructors included, before any kernel is launched, with the
// rights of the process: a kernel library is code, and an untrusted one is
// as dangerous as any untrusted program. Load only libraries you would link
// into your program.
//
// # Interprocess sharing
//
// Device memory (MemoryDevice) owns whole pages, so that another process
// can map it (hal.IPCDevice, ipc.go): the first export of an allocation
// waits for the instance's queued work and moves its pages into a memfd
// at the same address; the handle names the process, the descriptor and
// a random token, and the importer maps /proc/<pid>/fd/<fd> at a fresh
// address. Interprocess events keep their record counts in a shared page.
// In memory-checking mode nothing is shared (guard pages).
//
// # PTX
//
// The devices also load PTX (Formats: cpu-elf first, then ptx and fatbin;
// a fat module's cpu-elf entry for this architecture wins over its PTX):
// the PTX (a bare module, or the best PTX entry of an NVIDIA fatbin) is
// translated to C by package ptx/cgen and compiled by the system C
// compiler ($CC, else cc, gcc or clang; internal/kbuild) for this CPU's
// x86-64 level (-march=x86-64-v2, -v3 or -v4 from CPUID;
// STREAM_HAL_CPU_MARCH overrides it, "off" drops the flag) into a CPU
// kernel library, which loads like any other. Libraries are cached on disk
// ($STREAM_HAL_CACHE_DIR, default os.UserCacheDir()/streamhal/cpu-kernels,
// "off" to disable; keyed by the PTX's hash, the translator's build ID,
// the ABI header, the compiler and the flags), so another process pays a
// hash, a file read and a dlopen; within a process each PTX module is
// built once, however many devices and contexts load it, and concurrent
// loads wait for the one build. Nothing of the driver is locked while the
// compiler runs. PTX the translator refuses is hal.ErrInvalidPTX (with
// hal.ErrInvalidImage: CUDA_ERROR_INVALID_PTX) and says which instruction
// on which line; no compiler is hal.ErrNotSupported saying what to
// install. Traps, deadlocked barriers and the like in translated kernels
// are KernelFaults wrapping hal.ErrLaunchFailed (the library reports them
// through streamhal_cpu_take_fault, read on the worker thread right after
// each range of blocks).
//
// A cooperative launch of a kernel whose blocks wait for each other
// through memory (SHAL_KERNEL_FLAG_CORESIDENT: translated PTX that
// synchronizes the grid the way CUDA's cooperative groups do, through the
// grid workspace of shal_launch.grid_workspace) runs every block at once,
// each on its own thread, at most 1024 blocks
// (hal.ErrCooperativeLaunchTooLarge beyond); a block that faults aborts
// the others' waits.
//
// The driver exposes STREAM_HAL_CPU_DEVICES devices (default 1), or
// hal.Config.Devices when set; they share the worker pool.
//
// # Device properties
//
// The devices report compute capability 8.0, a number CUDA programs can use:
// code that rejects 0.0 as "no usable GPU" runs, and code that picks a
// kernel variant by compute capability picks one of the sm_80 generation,
// whose instructions the CPU backend provides (hand-written kernels can do
// anything; PTX is translated whatever its .target) except tensor-core
// instructions, textures and surfaces, which no compute capability number
// can rule out. Each device has a synthetic PCI location, ffff:00:NN.0 for
// device NN (hal.SyntheticPCIDomain), so that cuDeviceGetByPCIBusId finds
// it again.
//
// # Memory budget
//
// Device memory is a budget, not the host's whole memory: MemAvailable at
// Open (or what the process's memory cgroup still allows, when that is
// less), or hal.Config.Memory, or STREAM_HAL_CPU_MEMORY ("8GiB"). The
// devices of one instance share it: each reports it as its total memory,
// and an allocation on any of them lowers the free memory all of them
// report. An allocation beyond it fails with hal.ErrOutOfMemory
// (CUDA_ERROR_OUT_OF_MEMORY) instead of overcommitting the host until the
// OOM killer ends the process. Registered host memory is the caller's and
// is not counted.
//
// # Kernel faults
//
// A kernel that faults (a null or wild pointer, a write past a buffer into
// unmapped memory, dynamic shared memory it was not given, an integer
// division by zero, a trap, abort) ends its launch with a *hal.KernelFault
// naming the kernel, the block, the signal and the address (and what is
// there: which allocation it is past the end of, the launch's shared
// memory, a null pointer), wrapping hal.ErrIllegalAddress for memory faults
// and hal.ErrLaunchFailed for the rest; the process keeps running.
// Package streaming makes it a sticky error of the context, as on CUDA.
//
// How: while a worker thread runs kernel code (and the driver's copies and
// fills), a thread-local guard points at a jump buffer. A SIGSEGV, SIGBUS,
// SIGFPE, SIGILL or SIGABRT handler installed with sigaction beside Go's
// (SA_ONSTACK, Go's handler kept) records the fault and jumps back to the
// worker's entry point; every other signal, and every fault outside kernel
// code, is handed to Go's handler exactly as the kernel would have called
// it, as os/signal asks of non-Go handlers. The guard costs a thread-local
// store and a sigsetjmp that saves no signal mask (no system call) per call
// into kernel code; the mask is restored from the signal context instead.
// Dynamic shared memory ends at a guard page, so a kernel launched with too
// little of it faults rather than corrupting the heap; a 16 KiB stack moat
// lies between the driver's frame and the kernel's, so a kernel that writes
// past a stack array (a static shared array indexed by more threads than it
// holds) faults on its way out without destroying the way back. Limits:
//
//   - Memory a kernel corrupted before it faulted stays corrupted: other
//     allocations, its own output, the C heap. A kernel that corrupts the
//     Go heap or the C library's state cannot be contained; only a memory
//     fault, a trap or an abort is.
//   - A fault inside a C library function the kernel called (memcpy, a
//     math function) is caught like one in the kernel; but a kernel that
//     faults while holding a lock (inside malloc) leaves it held.
//   - A write past a buffer into memory that is mapped (the next heap
//     block) does not fault: use the memory-checking mode below.
//   - A cooperative launch whose worker faults breaks its grid barrier: the
//     other workers leave their kernels at their next grid sync.
//   - The handler is installed once, when the driver opens. If another
//     library later replaces it (Go's os/signal never does for these
//     signals), faults end the process as before; the driver checks when a
//     module loads and logs it. The race detector does not change any of
//     this.
//
// # Memory checking
//
// With hal.Config.Memcheck (or STREAM_HAL_CPU_MEMCHECK=1), every allocation
// gets its own mapping with a PROT_NONE guard page before it and right after
// it (its start keeps CUDA's 256-byte alignment, so up to 255 bytes of
// slack lie between its end and the guard: they hold a canary, checked
// after every kernel and at free), and freed memory is made PROT_NONE and
// quarantined (the last 4096 frees, up to 1 GiB) before its address space
// is reused. A read or write past the end of any buffer, before its start,
// or after its free is then a fault naming the allocation ("offset 4100 of
// the 4096-byte allocation at 0x...: past the end by 5 bytes", "freed at
// main.go:42"), the kernel and the block: compute-sanitizer's memcheck, on
// a laptop. It costs a system call or three per allocation and free, a
// page of address space per allocation, and the canary checks.
//
// # Close
//
// Closing a queue, a device or the instance waits for running work at most
// hal.Config.CloseTimeout (30 s by default). A kernel that is still running
// then is given up: Close returns an error wrapping hal.ErrTimeout that
// names the kernel and the device, the worker threads in it stay stuck
// (the pool starts new helpers in their place, so other launches and
// devices keep working), and the device's memory and modules stay
// allocated, since the kernel may still use them.
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
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/devices"
)

// Name is the driver's registry name.
const Name = "cpu"

// MaxDevices bounds STREAM_HAL_CPU_DEVICES.
const MaxDevices = 64

// Environment variables the driver reads for what hal.Config leaves zero.
const (
	EnvDevices  = "STREAM_HAL_CPU_DEVICES"  // number of devices (default 1)
	EnvMemory   = "STREAM_HAL_CPU_MEMORY"   // memory budget ("8GiB"; default: MemAvailable or the cgroup's limit)
	EnvMemcheck = "STREAM_HAL_CPU_MEMCHECK" // 1: memory-checking mode
)

// newDriver returns the driver that register.go registers.
func newDriver() hal.Driver { return Driver{} }

// Driver is the CPU driver.
type Driver struct{}

var _ hal.Driver = Driver{}

// Name returns "cpu".
func (Driver) Name() string { return Name }

// Open creates the instance and its devices.
func (Driver) Open(cfg hal.Config) (hal.Instance, error) {
	n := cfg.Devices
	if n == 0 {
		n = 1
		if s := os.Getenv(EnvDevices); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 || v > MaxDevices {
				return nil, fmt.Errorf("hal/cpu: %s=%q: want 1..%d: %w", EnvDevices, s, MaxDevices, hal.ErrInvalidValue)
			}
			n = v
		}
	}
	if n < 1 || n > MaxDevices {
		return nil, fmt.Errorf("hal/cpu: %d devices: want 1..%d: %w", n, MaxDevices, hal.ErrInvalidValue)
	}
	total, source, err := memoryBudget(cfg.Memory)
	if err != nil {
		return nil, err
	}
	memcheck := cfg.Memcheck
	if !memcheck {
		switch s := strings.TrimSpace(os.Getenv(EnvMemcheck)); s {
		case "", "0", "false":
		case "1", "true":
			memcheck = true
		default:
			return nil, fmt.Errorf("hal/cpu: %s=%q: want 1 or 0: %w", EnvMemcheck, s, hal.ErrInvalidValue)
		}
	}
	if err := installFaultHandler(); err != nil {
		cfg.Log(1, "%v", err)
	}
	inst := &instance{cfg: cfg, pool: newPool(runtime.GOMAXPROCS(0)), budget: &budget{total: total}}
	model := cpuModel()
	for i := 0; i < n; i++ {
		d := &device{inst: inst, ordinal: i, allocs: map[uint64]allocRecord{}, peers: map[*device]bool{}}
		if memcheck {
			d.mc = newMemcheck()
		}
		d.info = deviceInfo(model, i, inst.pool.size, total)
		inst.All = append(inst.All, d)
	}
	cfg.Log(3, "hal/cpu: %d device(s), %d workers, %s, memory budget %s (%s), memcheck %v", n, inst.pool.size, model, hal.FormatBytes(total), source, memcheck)
	return inst, nil
}

type instance struct {
	devices.Set[*device]
	cfg    hal.Config
	pool   *pool
	budget *budget
	// replacedOnce makes the warning about a replaced fault handler appear
	// once.
	replacedOnce sync.Once
}

var _ hal.Instance = (*instance)(nil)

// Close closes every device (each waits at most the close timeout; they
// wait together), then the worker pool.
func (in *instance) Close() error { return in.CloseOnce(in.pool.close) }

// checkFaultHandler logs, once, that the kernel fault handler was replaced.
func (in *instance) checkFaultHandler() {
	if sig := faultHandlerReplaced(); sig > 0 {
		in.replacedOnce.Do(func() {
			in.cfg.Log(1, "hal/cpu: the handler of signal %d (%s) is no longer the driver's kernel fault handler (another library called sigaction): a fault in a kernel will end the process", sig, signalNames[sig])
		})
	}
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
	// computeMajor.computeMinor is the compute capability the devices
	// report (see the package documentation).
	computeMajor = 8
	computeMinor = 0
)

func deviceInfo(model string, ordinal, workers int, total uint64) hal.DeviceInfo {
	uuid := sha1.Sum([]byte(fmt.Sprintf("streamhal-cpu/%s/%d", model, ordinal)))
	var u [16]byte
	copy(u[:], uuid[:16])
	u[6] = u[6]&0x0f | 0x50 // name-based UUID (version 5 layout)
	u[8] = u[8]&0x3f | 0x80
	info := hal.DeviceInfo{
		Name:                        fmt.Sprintf("%s (streamhal cpu %d)", model, ordinal),
		Driver:                      Name,
		UUID:                        u,
		Ordinal:                     ordinal,
		TotalMem:                    total,
		ComputeMajor:                computeMajor,
		ComputeMinor:                computeMinor,
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
	info.SetSyntheticPCI(hal.SyntheticPCIBusCPU, ordinal)
	return info
}

// budget is the memory the devices of an instance may allocate together.
type budget struct {
	mu    sync.Mutex
	total uint64
	used  uint64
}

func (b *budget) take(n uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.total-b.used {
		return false
	}
	b.used += n
	return true
}

func (b *budget) give(n uint64) {
	b.mu.Lock()
	b.used -= min(n, b.used)
	b.mu.Unlock()
}

func (b *budget) free() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total - b.used
}

// charge is what an allocation of size bytes costs the budget: its size
// rounded up to the allocation alignment.
func charge(size uint64) uint64 {
	return (size + C.SHAL_CPU_ALIGNMENT - 1) &^ (C.SHAL_CPU_ALIGNMENT - 1)
}

// memoryBudget decides the devices' memory: configured (cfg, then
// STREAM_HAL_CPU_MEMORY), else what the host can give now.
func memoryBudget(configured uint64) (uint64, string, error) {
	if configured > 0 {
		return configured, "configured", nil
	}
	if s := os.Getenv(EnvMemory); s != "" {
		v, err := hal.ParseBytes(s)
		if err != nil || v == 0 {
			return 0, "", fmt.Errorf("hal/cpu: %s=%q: want a size such as 8GiB: %w", EnvMemory, s, hal.ErrInvalidValue)
		}
		return v, EnvMemory, nil
	}
	avail, _ := memInfo()
	source := "MemAvailable"
	if c, ok := cgroupRemaining(); ok && (c < avail || avail == 0) {
		avail, source = c, "memory cgroup limit"
	}
	if avail == 0 {
		// No /proc: a fixed budget beats an unbounded one.
		avail, source = 4<<30, "default (no /proc/meminfo)"
	}
	return avail, source, nil
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

// cgroupRemaining returns how much more memory the process's memory cgroup
// (and its ancestors) allow: the least limit minus usage on the path, for
// cgroup v2 (memory.max, memory.current) or v1 (memory.limit_in_bytes,
// memory.usage_in_bytes).
func cgroupRemaining() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	best, found := ^uint64(0), false
	consider := func(dir, limitFile, usageFile string) {
		for d := dir; ; d = filepath.Dir(d) {
			lim, err1 := readUint(filepath.Join(d, limitFile))
			use, err2 := readUint(filepath.Join(d, usageFile))
			if err1 == nil && err2 == nil && lim < 1<<62 {
				found = true
				best = min(best, lim-min(use, lim))
			}
			if d == "/" || d == "." || len(d) <= len("/sys/fs/cgroup") {
				return
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
				consider(filepath.Join(root, parts[2]), "memory.max", "memory.current")
			}
		case strings.Contains(","+parts[1]+",", ",memory,"):
			consider(filepath.Join("/sys/fs/cgroup/memory", parts[2]), "memory.limit_in_bytes", "memory.usage_in_bytes")
		}
	}
	return best, found
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return ^uint64(0), nil
	}
	return strconv.ParseUint(s, 10, 64)
}

type allocRecord struct {
	kind hal.MemoryKind
	size uint64
	host unsafe.Pointer
	// share is the memfd of device memory exported to other processes
	// (ipc.go); imported marks memory another process exported, mapped
	// here by ImportMemory.
	share    *ipcShare
	imported bool
}

type device struct {
	inst    *instance
	ordinal int
	info    hal.DeviceInfo
	mc      *memcheck // nil unless in memory-checking mode

	// ipcMu serialises exports of memory (ipc.go), which wait for the
	// instance's work without holding mu.
	ipcMu sync.Mutex

	// The loaded libraries whose kernels print (module.go, flushOutput).
	outMu    sync.Mutex
	outputs  map[*executable]bool
	nOutputs atomic.Int32

	mu     sync.Mutex
	closed bool
	allocs map[uint64]allocRecord
	queues map[*queue]bool
	peers  map[*device]bool
	// stuck describes the work given up as never finishing (see
	// giveUpQueue): while there is any, the device frees no memory.
	stuck []string
}

var (
	_ hal.Device     = (*device)(nil)
	_ hal.PeerDevice = (*device)(nil)
)

func (d *device) Info() hal.DeviceInfo { return d.info }

// MemoryInfo reports the instance's memory budget and what is left of it.
func (d *device) MemoryInfo() (free, total uint64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("memory info"); err != nil {
		return 0, 0, err
	}
	return d.inst.budget.free(), d.inst.budget.total, nil
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
	b := d.inst.budget
	if size > 1<<47 || !b.take(charge(size)) {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate %d bytes of %v memory on device %d: %s of the devices' %s free (the budget is set by %s): %w",
			size, kind, d.ordinal, hal.FormatBytes(b.free()), hal.FormatBytes(b.total), EnvMemory, hal.ErrOutOfMemory)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("allocate"); err != nil {
		b.give(charge(size))
		return hal.Allocation{}, err
	}
	var p unsafe.Pointer
	if d.mc != nil {
		p = d.mc.alloc(size)
	} else if kind == hal.MemoryDevice {
		p = C.shal_cpu_alloc_pages(C.uint64_t(size)) // shareable (ipc.go)
	} else {
		p = C.shal_cpu_alloc(C.uint64_t(size))
	}
	if p == nil {
		b.give(charge(size))
		return hal.Allocation{}, fmt.Errorf("hal/cpu: allocate %d bytes of %v memory on device %d: the host refused it: %w", size, kind, d.ordinal, hal.ErrOutOfMemory)
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
	if r.imported {
		return fmt.Errorf("hal/cpu: free %#x: memory opened from another process; close it with CloseMemory: %w", addr, hal.ErrInvalidValue)
	}
	if r.kind != kind {
		return fmt.Errorf("hal/cpu: free %#x as %v memory: it is %v memory: %w", addr, kind, r.kind, hal.ErrInvalidValue)
	}
	delete(d.allocs, addr)
	site := ""
	if d.mc != nil {
		site = callerSite()
	}
	return d.release(addr, r, site)
}

// release returns an allocation's memory (d.mu held). In memcheck mode it
// goes to quarantine, and a canary broken since the last check is reported.
func (d *device) release(addr uint64, r allocRecord, site string) error {
	if r.imported {
		unmapImported(r)
		return nil
	}
	d.inst.budget.give(charge(r.size))
	if d.mc != nil {
		return d.mc.free(d, addr, site)
	}
	if r.share != nil {
		r.share.unshare(r.host)
	}
	C.shal_cpu_free(r.host)
	return nil
}

// Register makes [p, p+size) usable by the device after checking that the
// process has that memory mapped and readable, all of it: a size larger
// than the buffer behind p would otherwise let a later copy or kernel run
// into unmapped memory.
func (d *device) Register(p unsafe.Pointer, size uint64) (hal.Allocation, error) {
	if p == nil || size == 0 {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register %p (%d bytes): %w", p, size, hal.ErrInvalidValue)
	}
	addr := uint64(uintptr(p))
	if addr+size < addr {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register %#x (%d bytes): the range wraps around the address space: %w", addr, size, hal.ErrInvalidValue)
	}
	if err := checkMapped(addr, size); err != nil {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register [%#x, %#x) (%d bytes): %v: %w", addr, addr+size, size, err, hal.ErrInvalidValue)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("register"); err != nil {
		return hal.Allocation{}, err
	}
	if _, ok := d.allocs[addr]; ok {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: register %#x: already registered: %w", addr, hal.ErrAlreadyMapped)
	}
	d.allocs[addr] = allocRecord{kind: hal.MemoryRegistered, size: size, host: p}
	return hal.Allocation{Device: addr, Host: p, Size: size}, nil
}

// checkMapped reports the first byte of [addr, addr+size) that is not in a
// readable mapping of the process (from /proc/self/maps).
func checkMapped(addr, size uint64) error {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil // nothing to check against; the copies are guarded anyway
	}
	defer f.Close()
	cur, end := addr, addr+size
	sc := bufio.NewScanner(f)
	for sc.Scan() && cur < end {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		stop, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || stop <= cur {
			continue
		}
		if start > cur {
			return fmt.Errorf("the %d bytes from %#x are not mapped", min(start, end)-cur, cur)
		}
		if !strings.HasPrefix(fields[1], "r") {
			return fmt.Errorf("the memory from %#x to %#x is mapped without read access (%s)", cur, min(stop, end), fields[1])
		}
		cur = stop
	}
	if cur < end {
		return fmt.Errorf("the %d bytes from %#x are not mapped", end-cur, cur)
	}
	return nil
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

// CopyFromHost and CopyToHost copy under the fault handler, as queue copies
// do: a bad device address is an error, not a crash.
func (d *device) CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error {
	if n == 0 {
		return nil
	}
	return d.hostCopy(dst, uint64(uintptr(src)), n)
}

func (d *device) CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error {
	if n == 0 {
		return nil
	}
	return d.hostCopy(uint64(uintptr(dst)), src, n)
}

func (d *device) hostCopy(dst, src, n uint64) error {
	f := newFaultRecord()
	defer freeFaultRecord(f)
	if C.shal_cpu_copy(C.uint64_t(dst), C.uint64_t(src), C.uint64_t(n), f) != 0 {
		return d.opFault(f, fmt.Sprintf("copy of %d bytes from %#x to %#x", n, src, dst))
	}
	return nil
}

// Formats lists CPU kernel libraries first, then the formats holding PTX,
// which the device translates (ptx.go): a fat module's cpu-elf entry for
// this architecture wins over its PTX.
func (d *device) Formats() []hal.Format {
	return []hal.Format{hal.FormatCPUELF, hal.FormatPTX, hal.FormatFatbin}
}

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

// giveUpQueue handles a queue whose Close gave up on running work: the
// device keeps its memory from now on, busy pool helpers are replaced, and
// the queue's own memory is freed if the work ever ends.
func (d *device) giveUpQueue(q *queue, what string, timeout time.Duration) error {
	d.mu.Lock()
	d.stuck = append(d.stuck, what)
	delete(d.queues, q)
	d.mu.Unlock()
	n := d.inst.pool.replaceBusy()
	go func() {
		<-q.exited
		q.free()
	}()
	d.inst.cfg.Log(1, "hal/cpu: device %d: %s still running after %v; given up (%d pool helpers replaced)", d.ordinal, what, timeout, n)
	return fmt.Errorf("hal/cpu: close a queue of device %d: %s still running after %v; its worker thread stays in it, and the memory it may use stays allocated: %w", d.ordinal, what, timeout, hal.ErrTimeout)
}

// isStuck reports whether work of the device was given up.
func (d *device) isStuck() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.stuck) > 0
}

func (d *device) Synchronize(ctx context.Context) error {
	d.mu.Lock()
	qs := slices.Collect(maps.Keys(d.queues))
	d.mu.Unlock()
	var first error
	for _, q := range qs {
		if err := q.Synchronize(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close closes the device's queues (together: each waits at most the close
// timeout), then frees its memory, unless some work never finished: then
// the memory stays allocated for it and the error says so.
func (d *device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	qs := slices.Collect(maps.Keys(d.queues))
	d.mu.Unlock()
	errs := []error{devices.CloseAll(qs)}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if len(d.stuck) > 0 {
		var n, bytes uint64
		for _, r := range d.allocs {
			if r.kind != hal.MemoryRegistered {
				n++
				bytes += r.size
			}
		}
		errs = append(errs, fmt.Errorf("hal/cpu: close device %d: %s never finished; kept allocated for it: %d allocation(s) (%s) and the modules loaded on the device: %w",
			d.ordinal, strings.Join(d.stuck, "; "), n, hal.FormatBytes(bytes), hal.ErrTimeout))
		return errors.Join(errs...)
	}
	for addr, r := range d.allocs {
		if r.kind != hal.MemoryRegistered {
			d.release(addr, r, "")
		}
		delete(d.allocs, addr)
	}
	if d.mc != nil {
		d.mc.close()
	}
	return errors.Join(errs...)
}

// liveAllocations reports how many allocations the device holds, -1 for a
// device of another driver (the leak tests use it through export_test.go).
func liveAllocations(dev hal.Device) int {
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
