//go:build cgo

package cpu

/*
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "runtime.h"
*/
import "C"

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Fault containment (fault.c): a signal raised by kernel code ends the
// kernel's launch with a *hal.KernelFault, not the process.

var (
	faultOnce sync.Once
	faultErr  error
)

// installFaultHandler installs the kernel fault handler once per process.
func installFaultHandler() error {
	faultOnce.Do(func() {
		if r := C.shal_cpu_fault_install(); r != 0 {
			faultErr = fmt.Errorf("hal/cpu: sigaction for the kernel fault handler failed (errno %d): a fault in a kernel will end the process", int(r))
		}
	})
	return faultErr
}

// faultHandlerReplaced reports the signal whose handler is no longer ours
// (another library called sigaction after us), or 0. A replaced handler is
// not reinstalled: whoever replaced it may forward to ours, and ours would
// then forward back to it forever.
func faultHandlerReplaced() int { return int(C.shal_cpu_fault_check()) }

var signalNames = map[int]string{
	int(C.SIGSEGV): "SIGSEGV",
	int(C.SIGBUS):  "SIGBUS",
	int(C.SIGFPE):  "SIGFPE",
	int(C.SIGILL):  "SIGILL",
	int(C.SIGABRT): "SIGABRT",
}

// libFaultNames names the codes of streamhal_cpu_take_fault (ptx/cgen's
// SHAL_FAULT_*), shown where a signal's name would be.
var libFaultNames = map[uint32]string{
	1: "trap",
	2: "deadlock",
	3: "out of memory",
	4: "bad indirect call",
	6: "assert",
}

// siKernel is SI_KERNEL, the si_code of a general-protection fault (a
// non-canonical address on x86-64), which has no meaningful si_addr.
const siKernel = 0x80

// faultSite is what the driver knows about the code that faulted.
type faultSite struct {
	kernel string
	grid   hal.Dim3
	// shared is the worker's dynamic shared memory at the time: the launch's
	// sharedBytes at its address, a guard page right after.
	shared     uint64
	sharedSize uint32
}

// newFault turns what fault.c recorded into the error of the launch.
func (d *device) newFault(f *C.shal_fault, site faultSite) *hal.KernelFault {
	sig := int(f.signo)
	kf := &hal.KernelFault{Driver: "hal/cpu", Device: d.ordinal, Kernel: site.kernel, Addr: uint64(f.addr), Err: hal.ErrIllegalAddress}
	kf.Signal = signalNames[sig]
	if kf.Signal == "" {
		kf.Signal = fmt.Sprintf("signal %d", sig)
	}
	if b := uint64(f.block); b != ^uint64(0) && site.grid.X > 0 && site.grid.Y > 0 {
		g := site.grid
		kf.Block = hal.Dim3{X: uint32(b % uint64(g.X)), Y: uint32(b / uint64(g.X) % uint64(g.Y)), Z: uint32(b / (uint64(g.X) * uint64(g.Y)))}
		kf.BlockKnown = true
		kf.BlockFirst, kf.BlockLast = b, b
	} else {
		// A library of ABI version 1 does not say which block it runs.
		kf.BlockFirst, kf.BlockLast = uint64(f.b0), uint64(f.b1)-1
	}
	if f.lib != 0 {
		// A fault the library recorded (streamhal_cpu_take_fault): a trap,
		// a deadlocked block, ...; CUDA reports these as launch failures.
		kf.Signal = libFaultNames[uint32(f.lib)]
		if kf.Signal == "" {
			kf.Signal = fmt.Sprintf("library fault %d", uint32(f.lib))
		}
		kf.Err = hal.ErrLaunchFailed
		if f.lib == 6 {
			kf.Err = hal.ErrAssert // CUDA_ERROR_ASSERT
		}
		kf.Detail = C.GoString(&f.msg[0])
		return kf
	}
	switch sig {
	case int(C.SIGSEGV), int(C.SIGBUS):
		if f.code == siKernel {
			kf.Detail = "a general-protection fault: a non-canonical address, or a return through a stack the kernel overwrote (a stack array indexed past its end)"
		} else {
			kf.Detail = d.describeAddr(kf.Addr, site)
		}
	case int(C.SIGFPE):
		kf.Err = hal.ErrLaunchFailed
		kf.Detail = "an arithmetic trap: integer division by zero or overflow"
	case int(C.SIGILL):
		kf.Err = hal.ErrLaunchFailed
		kf.Detail = "an illegal instruction: a trap (__builtin_trap) or an instruction this CPU lacks"
	case int(C.SIGABRT):
		kf.Err = hal.ErrLaunchFailed
		kf.Detail = "the kernel called abort: a failed assert, or the C library found corruption (a smashed stack, a broken heap)"
	}
	return kf
}

// nullRegion bounds the addresses a fault reports as a null pointer plus
// an offset.
const nullRegion = 64 << 10

// describeAddr says what addr is, as far as the device knows.
func (d *device) describeAddr(addr uint64, site faultSite) string {
	if addr < nullRegion {
		if addr == 0 {
			return "a null pointer"
		}
		return fmt.Sprintf("a null pointer plus %d bytes", addr)
	}
	if site.shared != 0 && addr >= site.shared && addr < site.shared+uint64(site.sharedSize)+uint64(pageSize)+64 {
		if site.sharedSize == 0 {
			return "dynamic shared memory, but the launch has none (sharedBytes 0)"
		}
		return fmt.Sprintf("offset %d of the launch's %d bytes of dynamic shared memory: past the end by %d bytes", addr-site.shared, site.sharedSize, addr-site.shared-uint64(site.sharedSize)+1)
	}
	return d.describeMemory(addr)
}

// describeMemory names the allocation of the device (or, in memcheck
// mode, the freed allocation) that addr hits or misses.
func (d *device) describeMemory(addr uint64) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mc != nil {
		if s := d.mc.describe(addr); s != "" {
			return s
		}
	}
	type span struct{ base, size uint64 }
	spans := make([]span, 0, len(d.allocs))
	for base, r := range d.allocs {
		spans = append(spans, span{base, r.size})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].base < spans[j].base })
	i := sort.Search(len(spans), func(i int) bool { return spans[i].base > addr })
	// spans[i-1] starts at or below addr, spans[i] above it.
	if i > 0 {
		s := spans[i-1]
		if addr < s.base+s.size {
			return fmt.Sprintf("offset %d of the %d-byte allocation at %#x: the memory behind it is not accessible", addr-s.base, s.size, s.base)
		}
		if addr-(s.base+s.size) < 1<<20 {
			return pastEnd(addr, s.base, s.size)
		}
	}
	if i < len(spans) && spans[i].base-addr < 1<<20 {
		return beforeStart(addr, spans[i].base, spans[i].size)
	}
	return fmt.Sprintf("not in or near any allocation of device %d", d.ordinal)
}

// pastEnd describes addr at or beyond the end of [base, base+size).
func pastEnd(addr, base, size uint64) string {
	return fmt.Sprintf("offset %d of the %d-byte allocation at %#x: past the end by %d bytes", addr-base, size, base, addr-(base+size)+1)
}

// beforeStart describes addr below base.
func beforeStart(addr, base, size uint64) string {
	return fmt.Sprintf("%d bytes before the start of the %d-byte allocation at %#x", base-addr, size, base)
}

// pageSize is the host's page size.
var pageSize = uint64(C.sysconf(C._SC_PAGESIZE))

// newFaultRecord allocates a fault record in C memory (fault.c writes it
// from a signal handler, so it must not be Go memory).
func newFaultRecord() *C.shal_fault {
	return (*C.shal_fault)(C.calloc(1, C.sizeof_shal_fault))
}

func freeFaultRecord(f *C.shal_fault) { C.free(unsafe.Pointer(f)) }
