package hip

import "github.com/streamhal/streamhal/streaming"

// IpcMemHandle is hipIpcMemHandle_t, the opaque 64-byte handle that shares
// device memory with another process (the same type as
// cuda.IpcMemHandle). On the HIP and CUDA backends it is the driver's own
// handle; on the CPU backend it names a shared-memory file of the
// exporting process.
type IpcMemHandle = streaming.IPCMemHandle

// IpcEventHandle is hipIpcEventHandle_t, the opaque 64-byte handle that
// shares an event created with HipEventInterprocess.
type IpcEventHandle = streaming.IPCEventHandle

// IpcGetMemHandle is hipIpcGetMemHandle: the handle of the allocation that
// starts at devPtr (memory from hipMalloc or hipMallocPitch; pool memory
// is shared with hipMemPoolExportPointer). An interior pointer, host
// memory or an unknown address is HipErrorInvalidValue; a backend that
// cannot share memory between processes HipErrorNotSupported.
func IpcGetMemHandle(devPtr DevicePtr) (IpcMemHandle, error) {
	const call = "hipIpcGetMemHandle"
	c, err := current()
	if err != nil {
		return IpcMemHandle{}, ret(call, err)
	}
	h, err := c.IPCGetMemHandle(devPtr)
	return h, ret(call, err)
}

// IpcOpenMemHandle is hipIpcOpenMemHandle: it maps memory another process
// exported into the current device and returns its address here. flags is
// HipIpcMemLazyEnablePeerAccess (or 0). A handle opened already gives the
// same address again (each open needs a hipIpcCloseMemHandle). A handle
// exported by this process is HipErrorInvalidContext; a handle whose
// memory is gone (freed, or its process exited before the open)
// HipErrorInvalidHandle; a handle of another backend or forged bytes
// HipErrorInvalidValue.
func IpcOpenMemHandle(handle IpcMemHandle, flags uint32) (DevicePtr, error) {
	const call = "hipIpcOpenMemHandle"
	c, err := current()
	if err != nil {
		return 0, ret(call, err)
	}
	p, err := c.IPCOpenMemHandle(handle, flags)
	return p, ret(call, err)
}

// IpcCloseMemHandle is hipIpcCloseMemHandle: it closes memory
// hipIpcOpenMemHandle opened; the last close of a handle unmaps it.
func IpcCloseMemHandle(devPtr DevicePtr) error {
	const call = "hipIpcCloseMemHandle"
	c, err := current()
	if err != nil {
		return ret(call, err)
	}
	return ret(call, c.IPCCloseMemHandle(devPtr))
}

// IpcGetEventHandle is hipIpcGetEventHandle: the handle of an event created
// with HipEventInterprocess | HipEventDisableTiming (another event is
// HipErrorInvalidValue).
func IpcGetEventHandle(event Event) (IpcEventHandle, error) {
	const call = "hipIpcGetEventHandle"
	if event == nil {
		return IpcEventHandle{}, fail(call, HipErrorInvalidHandle, "%v", errNilHandle)
	}
	h, err := event.IPCHandle()
	return h, ret(call, err)
}

// IpcOpenEventHandle is hipIpcOpenEventHandle: an event of the current
// context that another process exported; records and waits in either
// process see each other. Destroy it with hipEventDestroy. Its errors are
// those of IpcOpenMemHandle.
func IpcOpenEventHandle(handle IpcEventHandle) (Event, error) {
	const call = "hipIpcOpenEventHandle"
	c, err := current()
	if err != nil {
		return nil, ret(call, err)
	}
	e, err := c.IPCOpenEventHandle(handle)
	if err != nil {
		return nil, ret(call, err)
	}
	return e, nil
}
