package cuda

import "github.com/streamhal/streamhal/streaming"

// IpcMemHandle is a CUipcMemHandle, the opaque 64-byte handle that shares
// device memory with another process: send its bytes over any channel.
// On the CUDA backend it is the driver's own handle; on the CPU backend it
// names a shared-memory file of the exporting process.
type IpcMemHandle = streaming.IPCMemHandle

// IpcEventHandle is a CUipcEventHandle, the opaque 64-byte handle that
// shares an event created with CU_EVENT_INTERPROCESS.
type IpcEventHandle = streaming.IPCEventHandle

// IpcGetMemHandle is cuIpcGetMemHandle: the handle of the allocation that
// starts at p (memory from cuMemAlloc or cuMemAllocPitch; pool memory is
// shared with cuMemPoolExportPointer). An interior pointer, host memory
// or an unknown address is CUDA_ERROR_INVALID_VALUE; a backend that
// cannot share memory between processes CUDA_ERROR_NOT_SUPPORTED.
func IpcGetMemHandle(p DevicePtr) (IpcMemHandle, error) {
	_, sc, err := cur("cuIpcGetMemHandle")
	if err != nil {
		return IpcMemHandle{}, err
	}
	h, err := sc.IPCGetMemHandle(p)
	if err != nil {
		return IpcMemHandle{}, fail(err)
	}
	return h, nil
}

// IpcOpenMemHandle is cuIpcOpenMemHandle: it maps memory another process
// exported into the current context and returns its address here. flags
// is 0 or CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS. A handle this context
// opened already gives the same address again (each open needs a
// cuIpcCloseMemHandle). A handle exported by this process is
// CUDA_ERROR_INVALID_CONTEXT, as in CUDA; a handle whose memory is gone
// (freed, or its process exited before the open) CUDA_ERROR_INVALID_HANDLE;
// a handle of another backend or forged bytes CUDA_ERROR_INVALID_VALUE.
func IpcOpenMemHandle(h IpcMemHandle, flags uint32) (DevicePtr, error) {
	_, sc, err := cur("cuIpcOpenMemHandle")
	if err != nil {
		return 0, err
	}
	p, err := sc.IPCOpenMemHandle(h, flags)
	if err != nil {
		return 0, fail(err)
	}
	return p, nil
}

// IpcCloseMemHandle is cuIpcCloseMemHandle: it closes memory
// cuIpcOpenMemHandle opened; the last close of a handle unmaps it.
func IpcCloseMemHandle(p DevicePtr) error {
	_, sc, err := cur("cuIpcCloseMemHandle")
	if err != nil {
		return err
	}
	return check(sc.IPCCloseMemHandle(p))
}

// IpcGetEventHandle is cuIpcGetEventHandle: the handle of an event created
// with CU_EVENT_INTERPROCESS | CU_EVENT_DISABLE_TIMING (another event is
// CUDA_ERROR_INVALID_VALUE).
func IpcGetEventHandle(e *Event) (IpcEventHandle, error) {
	if _, err := get(); err != nil {
		return IpcEventHandle{}, err
	}
	if e == nil {
		return IpcEventHandle{}, failf(CUDA_ERROR_INVALID_HANDLE, "cuIpcGetEventHandle: NULL event")
	}
	h, err := e.IPCHandle()
	if err != nil {
		return IpcEventHandle{}, fail(err)
	}
	return h, nil
}

// IpcOpenEventHandle is cuIpcOpenEventHandle: an event of the current
// context that another process exported. Records and waits in either
// process see each other (cuEventRecord, cuStreamWaitEvent, cuEventQuery,
// cuEventSynchronize); destroy it with cuEventDestroy. Its errors are
// those of IpcOpenMemHandle.
func IpcOpenEventHandle(h IpcEventHandle) (*Event, error) {
	_, sc, err := cur("cuIpcOpenEventHandle")
	if err != nil {
		return nil, err
	}
	e, err := sc.IPCOpenEventHandle(h)
	if err != nil {
		return nil, fail(err)
	}
	return e, nil
}
