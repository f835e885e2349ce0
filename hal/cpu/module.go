//go:build cgo

package cpu

/*
#include <stdlib.h>
#include "runtime.h"

static const shal_kernel* shal_kernel_at(const shal_library* lib, uint32_t i) { return &lib->kernels[i]; }
static const shal_global* shal_global_at(const shal_library* lib, uint32_t i) { return &lib->globals[i]; }
static shal_param shal_param_at(const shal_kernel* k, uint32_t i) { return k->params[i]; }
*/
import "C"

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// Bounds on what a library table may declare, so that a corrupt table is an
// error rather than a huge allocation.
const (
	maxKernels    = 1 << 16
	maxParams     = 1 << 12
	maxArgsSize   = 1 << 16
	maxNameLength = 1 << 12
)

type kernel struct {
	exe      *executable
	name     string
	entry    C.shal_kernel_entry
	take     C.shal_take_fault_fn // the library's streamhal_cpu_take_fault, or nil
	params   []hal.Param
	argsSize uint32 // sizeof the argument struct, tail padding included
	argsEnd  uint32 // end of the last parameter
	coop     bool   // must be launched cooperatively (SHAL_GRID_KERNEL)
	// coresident: a cooperative launch runs every block at once, each on
	// its own thread (SHAL_KERNEL_FLAG_CORESIDENT: the blocks wait for each
	// other through memory, as CUDA's grid.sync does).
	coresident bool
	attrs      hal.KernelAttributes
}

var _ hal.Kernel = (*kernel)(nil)

func (k *kernel) Name() string                     { return k.name }
func (k *kernel) Params() []hal.Param              { return append([]hal.Param{}, k.params...) }
func (k *kernel) Attributes() hal.KernelAttributes { return k.attrs }

type global struct {
	addr uint64
	size uint64
}

type executable struct {
	dev     *device
	handle  unsafe.Pointer
	fd      C.int // the memfd the library was loaded from, open until dlclose
	kernels map[string]*kernel
	globals map[string]global

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // dispatches and graph launches that may run its code
	// flush is the library's streamhal_cpu_flush_output (nil: it prints
	// nothing): it writes what the kernels printed, which the device does
	// at synchronization points (device.flushOutput).
	flush C.shal_cpu_flush_fn
}

var _ hal.Executable = (*executable)(nil)

// acquire marks a dispatch of the executable in flight; Close waits for it.
func (x *executable) acquire() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/cpu: kernel of an unloaded module: %w", hal.ErrInvalidHandle)
	}
	x.inflight.Add(1)
	return nil
}

func (x *executable) release() { x.inflight.Done() }

// checkELF rejects images dlopen must not see (hal/modfile validates the
// headers, tables and segments) and libraries for another architecture.
func checkELF(data []byte) error {
	info, err := modfile.ParseCPUELF(data)
	if err != nil {
		return fmt.Errorf("hal/cpu: %w", err)
	}
	if info.Arch != Arch() {
		return fmt.Errorf("hal/cpu: module is a %s library, this is %s: %w", info.Arch, Arch(), hal.ErrInvalidImage)
	}
	return nil
}

// Load loads a CPU kernel library, or PTX (a ptx image, or the PTX in a
// fatbin) translated into one (see ptx.go): the first load of a PTX module
// in a process compiles it, unless the on-disk cache has it.
func (d *device) Load(format hal.Format, data []byte) (hal.Executable, error) {
	switch format {
	case hal.FormatCPUELF:
	case hal.FormatPTX, hal.FormatFatbin:
		if err := d.loadable(); err != nil {
			return nil, err
		}
		lib, err := d.ptxLibrary(format, data)
		if err != nil {
			return nil, err
		}
		data = lib
	default:
		return nil, fmt.Errorf("hal/cpu: cannot load %s modules (want %v): %w", format, d.Formats(), hal.ErrNoBinaryForDevice)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("hal/cpu: load an empty %s image: %w", format, hal.ErrInvalidImage)
	}
	if err := checkELF(data); err != nil {
		return nil, err
	}
	if err := d.loadable(); err != nil {
		return nil, err
	}
	d.inst.checkFaultHandler()
	var errBuf [512]C.char
	var fd C.int
	h := C.shal_cpu_dlopen_bytes(unsafe.Pointer(&data[0]), C.uint64_t(len(data)), &fd, &errBuf[0], C.int(len(errBuf)))
	if h == nil {
		return nil, fmt.Errorf("hal/cpu: load kernel library: %s: %w", C.GoString(&errBuf[0]), hal.ErrInvalidImage)
	}
	lib := C.shal_cpu_library(h, &errBuf[0], C.int(len(errBuf)))
	if lib == nil {
		msg := C.GoString(&errBuf[0])
		C.shal_cpu_dlclose(h, fd)
		return nil, fmt.Errorf("hal/cpu: module exports no kernel table (streamhal_cpu_library): %s: %w", msg, hal.ErrInvalidImage)
	}
	x, err := readLibrary(d, lib, C.shal_cpu_take_fault_fn(h))
	if err != nil {
		C.shal_cpu_dlclose(h, fd)
		return nil, err
	}
	x.handle, x.fd = h, fd
	if f := C.shal_cpu_flush_output_fn(h); f != nil {
		x.flush = f
		d.addOutput(x)
	}
	return x, nil
}

// addOutput and removeOutput keep the set of loaded libraries whose
// kernels print; flushOutput writes what they printed. CUDA buffers a
// kernel's printf output and prints it at synchronization points (stream,
// event, context synchronization and module unload), so the CPU backend
// does the same: the output of a kernel comes out where it would on a GPU
// relative to what the host prints.
func (d *device) addOutput(x *executable) {
	d.outMu.Lock()
	if d.outputs == nil {
		d.outputs = map[*executable]bool{}
	}
	d.outputs[x] = true
	d.nOutputs.Store(int32(len(d.outputs)))
	d.outMu.Unlock()
}

func (d *device) removeOutput(x *executable) {
	d.outMu.Lock()
	delete(d.outputs, x)
	d.nOutputs.Store(int32(len(d.outputs)))
	d.outMu.Unlock()
}

func (d *device) flushOutput() {
	if d.nOutputs.Load() == 0 {
		return
	}
	d.outMu.Lock()
	defer d.outMu.Unlock()
	for x := range d.outputs {
		C.shal_cpu_call_flush(x.flush)
	}
}

// loadable fails on a closed device.
func (d *device) loadable() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.checkOpen("load")
}

func readLibrary(d *device, lib *C.shal_library, take C.shal_take_fault_fn) (*executable, error) {
	// Version 1 lacks shal_worker.block (faults name a range of blocks),
	// version 2 shal_launch.grid_workspace; the driver fills both in for
	// every version.
	if lib.abi_version < 1 || lib.abi_version > C.SHAL_CPU_ABI_VERSION {
		return nil, fmt.Errorf("hal/cpu: kernel library ABI version %d, want 1 to %d: %w", lib.abi_version, C.SHAL_CPU_ABI_VERSION, hal.ErrInvalidImage)
	}
	if lib.kernel_count > maxKernels || (lib.kernel_count > 0 && lib.kernels == nil) {
		return nil, fmt.Errorf("hal/cpu: kernel table of %d kernels is invalid: %w", lib.kernel_count, hal.ErrInvalidImage)
	}
	if lib.global_count > maxKernels || (lib.global_count > 0 && lib.globals == nil) {
		return nil, fmt.Errorf("hal/cpu: global table of %d entries is invalid: %w", lib.global_count, hal.ErrInvalidImage)
	}
	x := &executable{dev: d, kernels: map[string]*kernel{}, globals: map[string]global{}}
	for i := C.uint32_t(0); i < lib.kernel_count; i++ {
		ck := C.shal_kernel_at(lib, i)
		if ck.name == nil || ck.entry == nil {
			return nil, fmt.Errorf("hal/cpu: kernel %d has no name or entry point: %w", i, hal.ErrInvalidImage)
		}
		name := C.GoStringN(ck.name, C.int(cStrLen(ck.name)))
		if ck.param_count > maxParams || ck.args_size > maxArgsSize || (ck.param_count > 0 && ck.params == nil) {
			return nil, fmt.Errorf("hal/cpu: kernel %s: %d parameters in %d bytes is invalid: %w", name, ck.param_count, ck.args_size, hal.ErrInvalidImage)
		}
		k := &kernel{exe: x, name: name, entry: ck.entry, take: take, argsSize: uint32(ck.args_size),
			coop: ck.flags&C.SHAL_KERNEL_FLAG_COOPERATIVE != 0, coresident: ck.flags&C.SHAL_KERNEL_FLAG_CORESIDENT != 0}
		for j := C.uint32_t(0); j < ck.param_count; j++ {
			p := C.shal_param_at(ck, j)
			if uint64(p.offset)+uint64(p.size) > uint64(ck.args_size) || p.size == 0 {
				return nil, fmt.Errorf("hal/cpu: kernel %s parameter %d (offset %d, size %d) outside its %d-byte argument block: %w", name, j, p.offset, p.size, ck.args_size, hal.ErrInvalidImage)
			}
			k.params = append(k.params, hal.Param{Offset: uint32(p.offset), Size: uint32(p.size), Pointer: p.flags&C.SHAL_PARAM_FLAG_POINTER != 0})
			k.argsEnd = max(k.argsEnd, uint32(p.offset)+uint32(p.size))
		}
		if ck.param_count == 0 {
			k.argsSize = 0 // shal_noargs is a placeholder
		}
		maxThreads := int(ck.max_threads_per_block)
		if maxThreads == 0 || maxThreads > maxThreadsPerBlock {
			maxThreads = maxThreadsPerBlock
		}
		k.attrs = hal.KernelAttributes{
			MaxThreadsPerBlock:  maxThreads,
			SharedSizeBytes:     int(ck.static_shared_bytes),
			MaxDynamicSharedMem: sharedMemPerBlock,
		}
		if _, dup := x.kernels[name]; dup {
			return nil, fmt.Errorf("hal/cpu: kernel %s listed twice: %w", name, hal.ErrInvalidImage)
		}
		x.kernels[name] = k
	}
	for i := C.uint32_t(0); i < lib.global_count; i++ {
		g := C.shal_global_at(lib, i)
		if g.name == nil || g.address == nil {
			return nil, fmt.Errorf("hal/cpu: global %d has no name or address: %w", i, hal.ErrInvalidImage)
		}
		name := C.GoStringN(g.name, C.int(cStrLen(g.name)))
		x.globals[name] = global{addr: uint64(uintptr(g.address)), size: uint64(g.size)}
	}
	return x, nil
}

// cStrLen is strlen bounded by maxNameLength.
func cStrLen(p *C.char) int {
	b := unsafe.Slice((*byte)(unsafe.Pointer(p)), maxNameLength)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return i
	}
	return maxNameLength
}

func (x *executable) Kernel(name string) (hal.Kernel, error) {
	k, ok := x.kernels[name]
	if !ok {
		return nil, fmt.Errorf("hal/cpu: module has no kernel %q (has %v): %w", name, x.Kernels(), hal.ErrNotFound)
	}
	return k, nil
}

func (x *executable) Kernels() []string {
	names := make([]string, 0, len(x.kernels))
	for n := range x.kernels {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (x *executable) Global(name string) (uint64, uint64, error) {
	g, ok := x.globals[name]
	if !ok {
		return 0, 0, fmt.Errorf("hal/cpu: module has no global %q: %w", name, hal.ErrNotFound)
	}
	return g.addr, g.size, nil
}

// Close unloads the library once no launch may run its code. It waits at
// most the close timeout for launches in flight (not at all when the
// device already gave up on work that never ended): a library whose kernel
// is still running stays loaded, and the error says so.
func (x *executable) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return fmt.Errorf("hal/cpu: module already unloaded: %w", hal.ErrInvalidHandle)
	}
	x.closed = true
	x.mu.Unlock()
	// The waiter stays behind, blocked, if the wait gives up: until the
	// kernel ends, if it ever does.
	idle := make(chan struct{})
	go func() {
		x.inflight.Wait()
		close(idle)
	}()
	timeout := x.dev.inst.cfg.CloseWait()
	wait := timeout
	if x.dev.isStuck() {
		// Work of the device was given up already: no second full wait,
		// only the moment the waiter needs to see launches that are done.
		wait = min(wait, 100*time.Millisecond)
	}
	if !waitClosed(idle, wait) {
		return fmt.Errorf("hal/cpu: unload a module of device %d: its kernels still run after %v; the library stays loaded: %w", x.dev.ordinal, timeout, hal.ErrTimeout)
	}
	if x.flush != nil {
		// What its kernels printed and nobody synchronized for yet, as
		// CUDA prints at module unload.
		x.dev.removeOutput(x)
		C.shal_cpu_call_flush(x.flush)
	}
	if C.shal_cpu_dlclose(x.handle, x.fd) != 0 {
		return fmt.Errorf("hal/cpu: dlclose failed: %w", hal.ErrInvalidHandle)
	}
	return nil
}
