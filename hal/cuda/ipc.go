//go:build cgo

package cuda

/*
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Interprocess handles are the driver's own: cuIpcGetMemHandle,
// cuIpcOpenMemHandle (with CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS),
// cuIpcCloseMemHandle, cuIpcGetEventHandle, cuIpcOpenEventHandle. Bytes
// that carry streamhal's own header (a handle of the CPU backend) are
// refused here, before the driver sees them.

var _ hal.IPCDevice = (*device)(nil)

// cuEventInterprocess is CU_EVENT_INTERPROCESS.
const cuEventInterprocess = 0x4

func toC(h [hal.IPCHandleSize]byte) C.shal_ipc_handle {
	var ch C.shal_ipc_handle
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&ch)), hal.IPCHandleSize), h[:])
	return ch
}

func fromC(ch *C.shal_ipc_handle) [hal.IPCHandleSize]byte {
	var h [hal.IPCHandleSize]byte
	copy(h[:], unsafe.Slice((*byte)(unsafe.Pointer(ch)), hal.IPCHandleSize))
	return h
}

// notOurs refuses a handle of another streamhal backend.
func notOurs(h [hal.IPCHandleSize]byte, kind hal.IPCKind) error {
	if from, ok := hal.IPCHandleDriver(h); ok {
		return fmt.Errorf("hal/cuda: open %v handle of streamhal's %s backend: it opens only on a %s device: %w", kind, from, from, hal.ErrInvalidValue)
	}
	return nil
}

func (d *device) ExportMemory(base uint64) ([hal.IPCHandleSize]byte, error) {
	if err := d.usable(); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	var ch C.shal_ipc_handle
	if err := check(C.shal_ipc_get_mem(d.ctx, &ch, C.CUdeviceptr(base)), "cuIpcGetMemHandle(%#x)", base); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return fromC(&ch), nil
}

func (d *device) ImportMemory(h [hal.IPCHandleSize]byte) (hal.Allocation, error) {
	if err := d.usable(); err != nil {
		return hal.Allocation{}, err
	}
	if err := notOurs(h, hal.IPCMemory); err != nil {
		return hal.Allocation{}, err
	}
	ch := toC(h)
	var p C.CUdeviceptr
	var size C.size_t
	if err := check(C.shal_ipc_open_mem(d.ctx, &p, &size, &ch), "cuIpcOpenMemHandle"); err != nil {
		return hal.Allocation{}, err
	}
	return hal.Allocation{Device: uint64(p), Size: uint64(size)}, nil
}

func (d *device) CloseMemory(addr uint64) error {
	if err := d.usable(); err != nil {
		return err
	}
	return check(C.shal_ipc_close_mem(d.ctx, C.CUdeviceptr(addr)), "cuIpcCloseMemHandle(%#x)", addr)
}

func (d *device) ExportEvent(he hal.Event) ([hal.IPCHandleSize]byte, error) {
	e, err := asEvent(he)
	if err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	var ch C.shal_ipc_handle
	if err := check(C.shal_ipc_get_event(d.ctx, &ch, e.ev), "cuIpcGetEventHandle"); err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return fromC(&ch), nil
}

func (d *device) ImportEvent(h [hal.IPCHandleSize]byte) (hal.Event, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	if err := notOurs(h, hal.IPCEvent); err != nil {
		return nil, err
	}
	ch := toC(h)
	e := &event{d: d}
	if err := check(C.shal_ipc_open_event(d.ctx, &e.ev, &ch), "cuIpcOpenEventHandle"); err != nil {
		return nil, err
	}
	e.ue = handle(unsafe.Pointer(e.ev))
	return e, nil
}
