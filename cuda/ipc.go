package cuda

// IpcMemHandle is a CUipcMemHandle, the opaque handle that shares device
// memory with another process.
type IpcMemHandle [CU_IPC_HANDLE_SIZE]byte

// IpcEventHandle is a CUipcEventHandle, the opaque handle that shares an
// event with another process.
type IpcEventHandle [CU_IPC_HANDLE_SIZE]byte

func ipcNotSupported(what string) error {
	if _, err := get(); err != nil {
		return err
	}
	return failf(CUDA_ERROR_NOT_SUPPORTED, "%s: IPC handles are not implemented yet", what)
}

// IpcGetMemHandle is cuIpcGetMemHandle. IPC handles are not implemented
// yet: it returns CUDA_ERROR_NOT_SUPPORTED.
func IpcGetMemHandle(p DevicePtr) (IpcMemHandle, error) {
	return IpcMemHandle{}, ipcNotSupported("cuIpcGetMemHandle")
}

// IpcOpenMemHandle is cuIpcOpenMemHandle. IPC handles are not implemented
// yet: it returns CUDA_ERROR_NOT_SUPPORTED.
func IpcOpenMemHandle(h IpcMemHandle, flags uint32) (DevicePtr, error) {
	return 0, ipcNotSupported("cuIpcOpenMemHandle")
}

// IpcCloseMemHandle is cuIpcCloseMemHandle. IPC handles are not
// implemented yet: it returns CUDA_ERROR_NOT_SUPPORTED.
func IpcCloseMemHandle(p DevicePtr) error {
	return ipcNotSupported("cuIpcCloseMemHandle")
}

// IpcGetEventHandle is cuIpcGetEventHandle. IPC handles are not
// implemented yet: it returns CUDA_ERROR_NOT_SUPPORTED (and EventCreate
// refuses CU_EVENT_INTERPROCESS).
func IpcGetEventHandle(e *Event) (IpcEventHandle, error) {
	return IpcEventHandle{}, ipcNotSupported("cuIpcGetEventHandle")
}

// IpcOpenEventHandle is cuIpcOpenEventHandle. IPC handles are not
// implemented yet: it returns CUDA_ERROR_NOT_SUPPORTED.
func IpcOpenEventHandle(h IpcEventHandle) (*Event, error) {
	return nil, ipcNotSupported("cuIpcOpenEventHandle")
}
