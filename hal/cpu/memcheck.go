//go:build cgo

package cpu

/*
#include "runtime.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// The memory-checking mode (hal.Config.Memcheck, STREAM_HAL_CPU_MEMCHECK):
// every allocation in a mapping of its own, guard pages before and after,
// canaries in the slack, frees quarantined. See the package documentation.

// Quarantine bounds: frees whose address space is kept PROT_NONE before it
// may be reused.
const (
	quarantineEntries = 4096
	quarantineBytes   = 1 << 30
)

// canaryByte fills the bytes between an allocation and its guard pages.
const canaryByte = 0xcd

// mcAlloc is one allocation of the memory-checking mode.
type mcAlloc struct {
	base, size uint64 // what the caller got
	mapAddr    uint64 // the whole mapping: [mapAddr, mapAddr+mapLen)
	mapLen     uint64
	freedAt    string // where it was freed, once it is
}

// head and tail are the canary ranges: from the end of the leading guard
// page to base, and from base+size to the trailing guard page.
func (a *mcAlloc) head() (uint64, uint64) { return a.mapAddr + pageSize, a.base }
func (a *mcAlloc) tail() (uint64, uint64) {
	return a.base + a.size, (a.base + a.size + C.SHAL_CPU_ALIGNMENT - 1) &^ (C.SHAL_CPU_ALIGNMENT - 1)
}

// memcheck is one device's memory-checking state, guarded by device.mu.
type memcheck struct {
	live       map[uint64]*mcAlloc
	quarantine []*mcAlloc
	qbytes     uint64
}

func newMemcheck() *memcheck { return &memcheck{live: map[uint64]*mcAlloc{}} }

func bytesAt(lo, hi uint64) []byte {
	if hi <= lo {
		return nil
	}
	return unsafe.Slice((*byte)(hostPointer(lo)), hi-lo)
}

// hostPointer turns the address of C memory the driver mapped into a
// pointer (vet's unsafeptr check cannot tell it is not Go memory).
func hostPointer(addr uint64) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

func (m *memcheck) alloc(size uint64) unsafe.Pointer {
	var mp unsafe.Pointer
	var ml C.uint64_t
	p := C.shal_cpu_map_guarded(C.uint64_t(size), C.SHAL_CPU_ALIGNMENT, 1, &mp, &ml)
	if p == nil {
		return nil
	}
	a := &mcAlloc{base: uint64(uintptr(p)), size: size, mapAddr: uint64(uintptr(mp)), mapLen: uint64(ml)}
	for _, r := range [][2]uint64{pair(a.head()), pair(a.tail())} {
		b := bytesAt(r[0], r[1])
		for i := range b {
			b[i] = canaryByte
		}
	}
	m.live[a.base] = a
	return p
}

func pair(lo, hi uint64) [2]uint64 { return [2]uint64{lo, hi} }

// broken returns the first address of a's canaries that was written, or
// 0.
func (a *mcAlloc) broken() uint64 {
	for _, r := range [][2]uint64{pair(a.head()), pair(a.tail())} {
		for i, c := range bytesAt(r[0], r[1]) {
			if c != canaryByte {
				return r[0] + uint64(i)
			}
		}
	}
	return 0
}

// repair rewrites a's canaries, so that one overrun is reported once.
func (a *mcAlloc) repair() {
	for _, r := range [][2]uint64{pair(a.head()), pair(a.tail())} {
		b := bytesAt(r[0], r[1])
		for i := range b {
			b[i] = canaryByte
		}
	}
}

func (a *mcAlloc) describeWrite(addr uint64) string {
	if addr < a.base {
		return beforeStart(addr, a.base, a.size) + ", written (it lies between the guard page and the allocation, so only the canary check finds it)"
	}
	return pastEnd(addr, a.base, a.size) + ", written (it lies in the slack before the guard page, so only the canary check finds it)"
}

// free moves an allocation to quarantine: its pages are released and made
// PROT_NONE, so that a use after the free faults and is named. A canary
// broken since the last check is reported.
func (m *memcheck) free(d *device, addr uint64, site string) error {
	a := m.live[addr]
	if a == nil {
		return nil
	}
	delete(m.live, addr)
	var err error
	if w := a.broken(); w != 0 {
		err = fmt.Errorf("hal/cpu: memcheck: free %#x on device %d: %s: %w", addr, d.ordinal, a.describeWrite(w), hal.ErrIllegalAddress)
	}
	a.freedAt = site
	C.shal_cpu_protect_none(hostPointer(a.mapAddr), C.uint64_t(a.mapLen))
	m.quarantine = append(m.quarantine, a)
	m.qbytes += a.mapLen
	for len(m.quarantine) > quarantineEntries || m.qbytes > quarantineBytes {
		old := m.quarantine[0]
		m.quarantine[0] = nil
		m.quarantine = m.quarantine[1:]
		m.qbytes -= old.mapLen
		C.shal_cpu_unmap(hostPointer(old.mapAddr), C.uint64_t(old.mapLen))
	}
	return err
}

// close unmaps the quarantine (the device's live memory was freed first).
func (m *memcheck) close() {
	for _, a := range m.quarantine {
		C.shal_cpu_unmap(hostPointer(a.mapAddr), C.uint64_t(a.mapLen))
	}
	m.quarantine, m.qbytes = nil, 0
}

// describe names the allocation whose guard pages or freed memory hold
// addr, or returns "".
func (m *memcheck) describe(addr uint64) string {
	for i := len(m.quarantine) - 1; i >= 0; i-- {
		a := m.quarantine[i]
		if addr >= a.mapAddr && addr < a.mapAddr+a.mapLen {
			where := ""
			if a.freedAt != "" {
				where = " at " + a.freedAt
			}
			switch {
			case addr < a.base:
				return beforeStart(addr, a.base, a.size) + ", which was freed" + where
			case addr >= a.base+a.size:
				return pastEnd(addr, a.base, a.size) + ", which was freed" + where
			}
			return fmt.Sprintf("offset %d of the %d-byte allocation at %#x, freed%s: a use after free", addr-a.base, a.size, a.base, where)
		}
	}
	for _, a := range m.live {
		if addr >= a.mapAddr && addr < a.mapAddr+a.mapLen {
			if addr < a.base {
				return beforeStart(addr, a.base, a.size)
			}
			return pastEnd(addr, a.base, a.size)
		}
	}
	return ""
}

// checkAfter verifies every canary of the device after a kernel ran, so an
// overrun into the slack before a guard page is pinned on that kernel.
func (m *memcheck) checkAfter(d *device, kernel string, grid hal.Dim3) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range m.live {
		if w := a.broken(); w != 0 {
			a.repair()
			return &hal.KernelFault{
				Driver: "hal/cpu", Device: d.ordinal, Kernel: kernel,
				BlockFirst: 0, BlockLast: grid.Count() - 1,
				Signal: "memcheck", Addr: w, Detail: a.describeWrite(w), Err: hal.ErrIllegalAddress,
			}
		}
	}
	return nil
}

// callerSite names the code outside streamhal that called into it (for
// "freed at"), in memory-checking mode only; "" otherwise.
func callerSite() string {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !inStreamhal(f.Function) && !strings.HasPrefix(f.Function, "runtime.") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}

// inStreamhal reports whether fn (a function name as runtime.Frame gives
// it) belongs to one of streamhal's own packages, tests excepted.
func inStreamhal(fn string) bool {
	const module = "github.com/streamhal/streamhal/"
	rest, ok := strings.CutPrefix(fn, module)
	if !ok {
		return false
	}
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	pkg, _, _ := strings.Cut(rest, ".")
	return !strings.HasSuffix(pkg, "_test")
}
