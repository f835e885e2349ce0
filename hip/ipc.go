package hip

import (
	"fmt"

	"github.com/streamhal/streamhal/streaming"
)

// IpcMemHandle is hipIpcMemHandle_t, an opaque handle that shares device
// memory with another process.
type IpcMemHandle [HIP_IPC_HANDLE_SIZE]byte

// IpcEventHandle is hipIpcEventHandle_t, an opaque handle that shares an
// event with another process.
type IpcEventHandle [HIP_IPC_HANDLE_SIZE]byte

// errNoIPC is the cause every IPC call reports.
var errNoIPC = fmt.Errorf("inter-process sharing of memory and events is not implemented by streamhal: %w", streaming.ErrNotSupported)

// IpcGetMemHandle is hipIpcGetMemHandle. IPC is not implemented:
// HipErrorNotSupported.
func IpcGetMemHandle(devPtr DevicePtr) (IpcMemHandle, error) {
	return IpcMemHandle{}, ret("hipIpcGetMemHandle", errNoIPC)
}

// IpcOpenMemHandle is hipIpcOpenMemHandle: HipErrorNotSupported.
func IpcOpenMemHandle(handle IpcMemHandle, flags uint32) (DevicePtr, error) {
	return 0, ret("hipIpcOpenMemHandle", errNoIPC)
}

// IpcCloseMemHandle is hipIpcCloseMemHandle: HipErrorNotSupported.
func IpcCloseMemHandle(devPtr DevicePtr) error {
	return ret("hipIpcCloseMemHandle", errNoIPC)
}

// IpcGetEventHandle is hipIpcGetEventHandle: HipErrorNotSupported (an
// interprocess event cannot be created in the first place).
func IpcGetEventHandle(event Event) (IpcEventHandle, error) {
	return IpcEventHandle{}, ret("hipIpcGetEventHandle", errNoIPC)
}

// IpcOpenEventHandle is hipIpcOpenEventHandle: HipErrorNotSupported.
func IpcOpenEventHandle(handle IpcEventHandle) (Event, error) {
	return nil, ret("hipIpcOpenEventHandle", errNoIPC)
}
