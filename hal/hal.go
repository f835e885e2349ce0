// Package hal defines the contracts between streamhal's backend-neutral core
// (package streaming) and the drivers that run work on real hardware: the CPU
// (hal/cpu), NVIDIA GPUs (hal/cuda), Vulkan devices (hal/vulkan) and AMD GPUs
// (hal/hip).
//
// The model follows database/sql/driver: a small required interface for each
// driver object, optional interfaces for capabilities not every driver has
// (discovered with a type assertion; each says what happens without it, and
// package streaming keeps its fallbacks in one file, halutil.go), and a
// registry that drivers join from init. Drivers stay simple: package streaming owns validation, the pointer
// table, stream semantics and argument packing, and calls drivers only with
// arguments it has already checked.
//
// Close: the first Close of a Queue, Event, Executable or GraphExec
// releases it; a second Close is a harmless error wrapping
// ErrInvalidHandle that releases nothing (never a panic, never a double
// free). Package streaming never closes an object twice, but the rule
// keeps a slip from becoming a crash; the conformance suite (hal/haltest)
// checks it for every driver.
//
// Addresses are plain uint64 device addresses (CUdeviceptr-like). Every
// address a Queue or Graph receives is one the device itself handed out:
// device memory, host memory it allocated or registered (by its device
// address), or a module global.
package hal

import (
	"context"
	"fmt"
	"time"
	"unsafe"
)

// Driver is one backend. Implementations register themselves with Register
// from an init function.
type Driver interface {
	// Name is the registry name: "cpu", "cuda", "vulkan", "hip".
	Name() string
	// Open starts the driver and enumerates its devices. A driver that cannot
	// run on this machine returns an error wrapping ErrNotAvailable whose text
	// says why (library not found, no device).
	Open(cfg Config) (Instance, error)
}

// Config is passed to Driver.Open.
type Config struct {
	// Logf, when not nil, receives driver diagnostics at a verbosity level
	// from 1 (errors) to 5 (everything).
	Logf func(level int, format string, args ...any)
	// Devices is a driver-specific hint for the number of devices to expose
	// (used by the CPU driver); 0 means the driver's default.
	Devices int
	// CloseTimeout bounds how long closing a device or instance waits for
	// work that is still running (a kernel that never ends); 0 means
	// DefaultCloseTimeout. When it expires, Close returns an error wrapping
	// ErrTimeout that says what is still running, and leaks what that work
	// may still use (memory, modules, the worker thread) rather than free
	// it under a running kernel.
	CloseTimeout time.Duration
	// Memory is the CPU driver's memory budget in bytes, shared by its
	// devices (see hal/cpu); 0 means the driver's default.
	Memory uint64
	// Memcheck turns on the CPU driver's memory-checking mode (see
	// hal/cpu): guard pages around every allocation and quarantined frees.
	Memcheck bool
}

// Log calls c.Logf when it is set.
func (c Config) Log(level int, format string, args ...any) {
	if c.Logf != nil {
		c.Logf(level, format, args...)
	}
}

// Instance is an opened driver.
type Instance interface {
	// Devices lists the usable devices in a stable order.
	Devices() []Device
	// Close releases every device. Devices must not be used afterwards.
	Close() error
}

// MemoryKind says what an allocation is.
type MemoryKind int

// Memory kinds.
const (
	MemoryDevice     MemoryKind = iota + 1 // device-local memory
	MemoryHost                             // page-locked host memory, mapped for the device
	MemoryRegistered                       // caller's host memory registered with the device
	MemoryManaged                          // memory visible to host and device at one address
)

func (k MemoryKind) String() string {
	switch k {
	case MemoryDevice:
		return "device"
	case MemoryHost:
		return "host"
	case MemoryRegistered:
		return "registered"
	case MemoryManaged:
		return "managed"
	}
	return fmt.Sprintf("MemoryKind(%d)", int(k))
}

// Allocation is memory handed out by a device.
type Allocation struct {
	// Device is the address kernels and queue operations use.
	Device uint64
	// Host is the host mapping, nil for device memory that the host cannot
	// address directly.
	Host unsafe.Pointer
	// Size is the usable size in bytes.
	Size uint64
}

// Format names a module binary format.
type Format string

// Module formats.
const (
	FormatCPUELF Format = "cpu-elf"       // CPU kernel library (ELF shared object, kernels/streamhal_cpu.h ABI)
	FormatPTX    Format = "ptx"           // NVIDIA PTX text
	FormatCubin  Format = "cubin"         // NVIDIA cubin (ELF, EM_CUDA)
	FormatFatbin Format = "fatbin"        // NVIDIA fat binary
	FormatAMDGPU Format = "amdgpu"        // AMDGPU code object (ELF, EM_AMDGPU)
	FormatSPIRV  Format = "spirv"         // SPIR-V module
	FormatFat    Format = "streamhal-fat" // streamhal's multi-target container
)

// Dim3 is a grid or block shape.
type Dim3 struct{ X, Y, Z uint32 }

// Count is X*Y*Z.
func (d Dim3) Count() uint64 { return uint64(d.X) * uint64(d.Y) * uint64(d.Z) }

// Param is one kernel parameter in the packed argument buffer.
type Param struct {
	Offset uint32
	Size   uint32
	// Pointer is true when the module says the parameter is a pointer (a
	// device address); false means a value or not known.
	Pointer bool
}

// KernelAttributes are a kernel's static properties (cuFuncGetAttribute).
type KernelAttributes struct {
	MaxThreadsPerBlock  int // most threads a block of this kernel may have
	SharedSizeBytes     int // static shared memory
	ConstSizeBytes      int
	LocalSizeBytes      int
	NumRegs             int
	PTXVersion          int // major*10+minor, 0 when unknown
	BinaryVersion       int
	MaxDynamicSharedMem int // current limit on dynamic shared memory
}

// Kernel is one entry point of an Executable.
type Kernel interface {
	Name() string
	// Params is the parameter layout, nil when the module format does not
	// record one (the caller then packs by the natural-alignment rule).
	Params() []Param
	Attributes() KernelAttributes
}

// Executable is a loaded module.
type Executable interface {
	// Kernel looks up an entry point; ErrNotFound when there is none.
	Kernel(name string) (Kernel, error)
	// Kernels lists every entry point's name.
	Kernels() []string
	// Global returns the device address and size of a module-scope variable;
	// ErrNotFound when there is none.
	Global(name string) (addr uint64, size uint64, err error)
	Close() error
}

// LaunchConfig describes one kernel launch.
type LaunchConfig struct {
	Grid        Dim3
	Block       Dim3
	SharedBytes uint32 // dynamic shared memory per block
	// Args is the packed argument buffer (kernels/streamhal_cpu.h and
	// CU_LAUNCH_PARAM_BUFFER_POINTER layout). It ends at the end of the last
	// parameter (no tail padding); a driver whose kernels read a padded
	// struct pads it itself. The driver may keep it until the launch has
	// run; the caller never changes it afterwards.
	Args []byte
	// Cooperative asks for a launch whose blocks may synchronize grid-wide.
	Cooperative bool
}

// Queue is an in-order execution queue (a CUDA stream). Operations are
// asynchronous: a method returns once the operation is enqueued, and an error
// only for what can be checked at enqueue time. Errors that happen while
// running are reported by the next Synchronize and by later enqueues. A Queue
// is used by one goroutine at a time; package streaming serialises callers.
type Queue interface {
	// Copy copies n bytes between two device addresses of this device.
	Copy(dst, src uint64, n uint64) error
	// Fill stores n bytes at dst repeating a 1, 2 or 4 byte little-endian
	// pattern; n is a multiple of patternSize. The caller has checked both
	// (CheckFill): drivers do not check again.
	Fill(dst uint64, n uint64, pattern uint32, patternSize int) error
	// Dispatch runs a kernel.
	Dispatch(k Kernel, cfg LaunchConfig) error
	// HostCall runs fn on a host thread once the preceding work is done;
	// later work waits for fn to return. fn must not call the driver (CUDA
	// runs it on a driver thread where driver calls are forbidden).
	HostCall(fn func()) error
	// Record marks e as reached once the preceding work is done.
	Record(e Event) error
	// Wait makes later work wait until e's most recent Record (as of this
	// call) is reached. e may belong to another queue of the same device, or
	// to another device of the same driver when the driver's devices share
	// one address space (DeviceInfo.UnifiedAddressing).
	Wait(e Event) error
	// Execute replays an instantiated graph.
	Execute(g GraphExec) error
	// Synchronize blocks until all work enqueued so far is done and returns
	// the first execution error since the last Synchronize.
	Synchronize(ctx context.Context) error
	// Idle reports whether all enqueued work is done.
	Idle() bool
	// Close releases the queue. It need not wait for the work enqueued
	// before it: a driver may return at once and let that work complete
	// afterwards (hal/cuda does, as cuStreamDestroy does), or wait for it
	// (hal/cpu, hal/vulkan, hal/hip). A caller that needs the work done
	// when Close returns calls Synchronize first; package streaming does.
	Close() error
}

// Notifier is implemented by queues that have a cheaper way than HostCall
// to run a short bookkeeping function once the preceding work is done: fn
// must return quickly, must not block and must not call the driver. Package
// streaming uses it for its own host-side bookkeeping (returning staging
// buffers, marking pool frees reached); without it, streaming uses
// HostCall, which keeps the order at a host function's cost.
type Notifier interface {
	Notify(fn func()) error
}

// ArgsCopier is implemented by queues whose Dispatch is done with
// cfg.Args when it returns (the driver copies the arguments into the
// launch, as cuLaunchKernel does) and reports it with DispatchCopiesArgs:
// the caller may then pack its next launch into the same buffer. Package
// streaming does, which saves an allocation per launch with arguments;
// without it, the driver may keep the buffer until the launch has run (see
// LaunchConfig.Args) and each launch packs into a new one.
type ArgsCopier interface {
	DispatchCopiesArgs() bool
}

// EventFlags configure an event.
type EventFlags uint32

// Event flags.
const (
	EventDisableTiming EventFlags = 1 << iota
	EventBlockingSync
)

// Event marks a point in a queue.
type Event interface {
	// Done reports whether the most recent Record has been reached (true for
	// an event that was never recorded).
	Done() bool
	// Wait blocks until the most recent Record has been reached.
	Wait(ctx context.Context) error
	Close() error
}

// QueueOptions configure a new queue.
type QueueOptions struct {
	// Priority: lower numbers are higher priority, within the device's
	// DeviceInfo.StreamPriority range.
	Priority int
}

// Device is one compute device.
type Device interface {
	Info() DeviceInfo
	// MemoryInfo returns the free and total bytes of device memory.
	MemoryInfo() (free, total uint64, err error)
	// Allocate returns new memory of kind MemoryDevice, MemoryHost or
	// MemoryManaged (when the device supports it).
	Allocate(kind MemoryKind, size uint64) (Allocation, error)
	// Free releases an Allocate'd allocation by its Device address.
	Free(kind MemoryKind, addr uint64) error
	// Register makes size bytes of host memory at p visible to the device.
	// p stays valid (C memory, or pinned Go memory) until Unregister.
	Register(p unsafe.Pointer, size uint64) (Allocation, error)
	Unregister(alloc Allocation) error
	// CopyFromHost and CopyToHost copy synchronously between any host memory
	// (valid for the duration of the call) and a device address. They do not
	// order against queues: the caller drains the queues that matter first.
	CopyFromHost(dst uint64, src unsafe.Pointer, n uint64) error
	CopyToHost(dst unsafe.Pointer, src uint64, n uint64) error
	// Formats lists the module formats the device loads, best first.
	Formats() []Format
	// Load loads a module of the given format.
	Load(format Format, data []byte) (Executable, error)
	NewQueue(opts QueueOptions) (Queue, error)
	NewEvent(flags EventFlags) (Event, error)
	// ElapsedTime returns the milliseconds between two reached events.
	ElapsedTime(start, end Event) (float32, error)
	// Instantiate compiles a graph for replay with Queue.Execute. The
	// driver checks g with Graph.Validate (the conformance suite feeds it
	// bad graphs); the nodes' own parameters were checked by the caller.
	Instantiate(g *Graph) (GraphExec, error)
	// Synchronize waits for all of the device's queues.
	Synchronize(ctx context.Context) error
	Close() error
}

// DeviceInfo describes a device. Zero means "not known" for the counts.
type DeviceInfo struct {
	Name     string
	Driver   string   // registry name of the driver
	UUID     [16]byte // stable identifier
	Ordinal  int      // index within its driver
	TotalMem uint64

	// Compute capability, or the closest analogue (CPU: 8.0, see hal/cpu;
	// Vulkan: the API version).
	ComputeMajor, ComputeMinor int

	MultiprocessorCount         int
	MaxThreadsPerBlock          int
	MaxBlockDim                 [3]int
	MaxGridDim                  [3]int
	WarpSize                    int
	SharedMemPerBlock           int
	SharedMemPerBlockOptin      int
	SharedMemPerMultiprocessor  int
	MaxThreadsPerMultiprocessor int
	MaxBlocksPerMultiprocessor  int
	RegistersPerBlock           int
	RegistersPerMultiprocessor  int
	TotalConstantMem            int
	ClockRateKHz                int
	MemoryClockRateKHz          int
	MemoryBusWidth              int
	L2CacheSize                 int
	MaxPitch                    int64
	TextureAlignment            int
	PitchAlignment              int
	AsyncEngineCount            int
	PCIDomainID                 int
	PCIBusID                    int
	PCIDeviceID                 int
	Integrated                  bool
	CanMapHostMemory            bool
	UnifiedAddressing           bool
	ManagedMemory               bool
	ConcurrentManagedAccess     bool
	ConcurrentKernels           bool
	CooperativeLaunch           bool
	ECCEnabled                  bool
	HostRegisterSupported       bool
	MemoryPoolsSupported        bool
	// StreamPriorityLeast and StreamPriorityGreatest bound stream priorities
	// (CUDA style: greatest is the numerically lowest).
	StreamPriorityLeast    int
	StreamPriorityGreatest int
	// Arch is a backend-specific architecture name ("sm_90", "gfx942",
	// "x86_64").
	Arch string
}

// PCIBusIDString formats the PCI location as CUDA does ("0000:65:00.0").
func (d DeviceInfo) PCIBusIDString() string {
	return fmt.Sprintf("%04x:%02x:%02x.0", d.PCIDomainID, d.PCIBusID, d.PCIDeviceID)
}

// SyntheticPCIDomain is the PCI domain of the synthetic locations given to
// devices that are not on a PCI bus (the CPU driver's devices, a Vulkan
// implementation without VK_EXT_pci_bus_info such as lavapipe), so that
// every device has a distinct, stable bus id that cuDeviceGetByPCIBusId
// finds again. Hosts number real PCI segments from 0; 0xffff is not one in
// practice.
const SyntheticPCIDomain = 0xffff

// Synthetic PCI buses: one per driver that has devices off the PCI bus.
const (
	SyntheticPCIBusCPU    = 0x00 // hal/cpu device i is at ffff:00:ii.0
	SyntheticPCIBusVulkan = 0x01 // Vulkan device i without a PCI location is at ffff:01:ii.0
)

// SetSyntheticPCI gives d the synthetic PCI location of device ordinal on
// bus (SyntheticPCIBusCPU, SyntheticPCIBusVulkan).
func (d *DeviceInfo) SetSyntheticPCI(bus, ordinal int) {
	d.PCIDomainID, d.PCIBusID, d.PCIDeviceID = SyntheticPCIDomain, bus, ordinal
}

// PeerDevice is implemented by devices that can reach other devices' memory.
// Without it (hal/vulkan), no device of the driver is a peer of another:
// package streaming reports CanAccessPeer false and copies between the
// devices through the host.
type PeerDevice interface {
	// CanAccessPeer reports whether kernels and copies on this device can
	// use peer's memory directly.
	CanAccessPeer(peer Device) bool
	// EnablePeerAccess maps peer's memory for this device.
	EnablePeerAccess(peer Device) error
	DisablePeerAccess(peer Device) error
	// CopyPeer enqueues a copy from src on srcDev to dst on this device,
	// ordered on q, a queue of this device or of srcDev.
	CopyPeer(q Queue, dst uint64, srcDev Device, src uint64, n uint64) error
}

// Advisor is implemented by devices that act on memory advice and prefetch.
// Without it, package streaming records the advice and the prefetches
// (MemRangeAttributes reports them) and does nothing else: managed memory
// is already where every device of such a driver can use it.
type Advisor interface {
	// Advise applies advice (cuMemAdvise's numbers, streaming.MemAdvice)
	// to [addr, addr+n) of managed memory, for peer where the advice names
	// a device (nil: the host).
	Advise(addr, n uint64, advice int, peer Device) error
	// Prefetch migrates [addr, addr+n) to this device, or to the host, in
	// q's order.
	Prefetch(q Queue, addr, n uint64, toHost bool) error
}

// HostMappedCopier is implemented by devices whose synchronous
// CopyFromHost and CopyToHost of some device memory are plain host copies
// through a mapping of that memory (hal/vulkan on host-visible device
// memory: lavapipe, integrated GPUs). Package streaming then copies a
// synchronous memcpy from or to page-locked memory that way too, rather
// than through a queued copy and a wait, and passes host ranges that are
// only partly page-locked straight through.
type HostMappedCopier interface {
	// HostMapped reports whether CopyFromHost and CopyToHost of [addr,
	// addr+n) copy through a host mapping.
	HostMapped(addr, n uint64) bool
}
