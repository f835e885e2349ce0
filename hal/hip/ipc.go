//go:build cgo

package hip

/*
#include "shal_hip.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Interprocess handles are the runtime's own: hipIpcGetMemHandle,
// hipIpcOpenMemHandle (with hipIpcMemLazyEnablePeerAccess),
// hipIpcCloseMemHandle, hipIpcGetEventHandle, hipIpcOpenEventHandle. A
// runtime without them answers hipErrorNotSupported. Bytes that carry
// streamhal's own header (a handle of the CPU backend) are refused here,
// before the runtime sees them.

var _ hal.IPCDevice = (*device)(nil)

func ipcToC(h [hal.IPCHandleSize]byte) C.shal_hip_ipc_handle {
	var ch C.shal_hip_ipc_handle
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ch)), hal.IPCHandleSize), h[:])
	return ch
}

func ipcFromC(ch *C.shal_hip_ipc_handle) [hal.IPCHandleSize]byte {
	var h [hal.IPCHandleSize]byte
	copy(h[:], unsafe.Slice((*byte)(unsafe.Pointer(ch)), hal.IPCHandleSize))
	return h
}

func notOurs(h [hal.IPCHandleSize]byte, kind hal.IPCKind) error {
	if from, ok := hal.IPCHandleDriver(h); ok {
		return fmt.Errorf("hal/hip: open %v handle of streamhal's %s backend: it opens only on a %s device: %w", kind, from, from, hal.ErrInvalidValue)
	}
	return nil
}

func (d *device) ExportMemory(base uint64) ([hal.IPCHandleSize]byte, error) {
	var ch C.shal_hip_ipc_handle
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("export memory"); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	if err := check(int(C.shal_hip_ipc_get_mem(d.api, d.dev, &ch, C.uint64_t(base))), "hipIpcGetMemHandle(%#x) on device %d", base, d.ordinal); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return ipcFromC(&ch), nil
}

func (d *device) ImportMemory(h [hal.IPCHandleSize]byte) (hal.Allocation, error) {
	if err := notOurs(h, hal.IPCMemory); err != nil {
		return hal.Allocation{}, err
	}
	ch := ipcToC(h)
	var p C.uint64_t
	var size C.size_t
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("open memory handle"); err != nil {
		return hal.Allocation{}, err
	}
	if err := check(int(C.shal_hip_ipc_open_mem(d.api, d.dev, &p, &size, &ch)), "hipIpcOpenMemHandle on device %d", d.ordinal); err != nil {
		return hal.Allocation{}, err
	}
	return hal.Allocation{Device: uint64(p), Size: uint64(size)}, nil
}

func (d *device) CloseMemory(addr uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("close memory handle"); err != nil {
		return err
	}
	return check(int(C.shal_hip_ipc_close_mem(d.api, d.dev, C.uint64_t(addr))), "hipIpcCloseMemHandle(%#x) on device %d", addr, d.ordinal)
}

func (d *device) ExportEvent(he hal.Event) ([hal.IPCHandleSize]byte, error) {
	e, err := d.eventOf(he, "export")
	if err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	var ch C.shal_hip_ipc_handle
	if err := check(int(C.shal_hip_ipc_get_event(d.api, d.dev, &ch, e.ev)), "hipIpcGetEventHandle on device %d", d.ordinal); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return ipcFromC(&ch), nil
}

func (d *device) ImportEvent(h [hal.IPCHandleSize]byte) (hal.Event, error) {
	if err := notOurs(h, hal.IPCEvent); err != nil {
		return nil, err
	}
	ch := ipcToC(h)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("open event handle"); err != nil {
		return nil, err
	}
	e := &event{d: d, flags: hal.EventDisableTiming | hal.EventInterprocess}
	if err := check(int(C.shal_hip_ipc_open_event(d.api, d.dev, &e.ev, &ch)), "hipIpcOpenEventHandle on device %d", d.ordinal); err != nil {
		return nil, err
	}
	return e, nil
}
