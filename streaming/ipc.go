package streaming

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// IPCHandleSize is the size of interprocess handles (CU_IPC_HANDLE_SIZE).
const IPCHandleSize = hal.IPCHandleSize

// IPCMemHandle shares device memory with another process (a
// CUipcMemHandle): opaque bytes a program sends over any channel (a pipe,
// a socket, a file) to a process that opens it with IPCOpenMemHandle.
// On the CUDA and HIP backends they are the driver's own handle; on the
// CPU backend they name a shared-memory file of the exporting process
// (see hal/cpu).
type IPCMemHandle [IPCHandleSize]byte

// IPCEventHandle shares an event created with EventInterprocess with
// another process (a CUipcEventHandle).
type IPCEventHandle [IPCHandleSize]byte

// IPCMemLazyEnablePeerAccess is CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS, the one
// flag IPCOpenMemHandle takes: peer access to the exporter's device is
// enabled on first use where it is needed.
const IPCMemLazyEnablePeerAccess uint32 = 0x1

// ipcOpened is memory opened from another process.
type ipcOpened struct {
	handle IPCMemHandle
	refs   int      // IPCOpenMemHandle calls not yet closed (ctx.ipcMu)
	pool   *MemPool // the imported pool, for MemPoolImportPointer memory
}

// close unmaps the memory (allocation.free).
func (o *ipcOpened) close(a *allocation) error {
	c := a.ctx
	c.ipcMu.Lock()
	if c.ipcOpen[o.handle] == a {
		delete(c.ipcOpen, o.handle)
	}
	c.ipcMu.Unlock()
	return halCloseMemory(c.dev.hal, a.base)
}

// IPCGetMemHandle returns the handle that lets another process open the
// device memory at p (cuIpcGetMemHandle). p must be the start of an
// allocation from Malloc or MallocPitch; memory of a pool is shared with
// the pool's own export (MemPoolExportPointer). On the CPU backend the
// first export of an allocation waits for the device's queued work.
func (c *Context) IPCGetMemHandle(p DevicePtr) (IPCMemHandle, error) {
	const what = "ipc get mem handle"
	if err := c.check(what); err != nil {
		return IPCMemHandle{}, err
	}
	done, err := c.rt.holdDrivers(what)
	if err != nil {
		return IPCMemHandle{}, err
	}
	defer done()
	a, err := c.lookupBase(what, uint64(p), MemoryDevice)
	if err != nil {
		return IPCMemHandle{}, err
	}
	switch {
	case a.pool != nil:
		return IPCMemHandle{}, fmt.Errorf("streaming: %s %#x: memory of a pool; share it with MemPoolExportPointer: %w", what, uint64(p), ErrInvalidValue)
	case a.ipc != nil:
		return IPCMemHandle{}, fmt.Errorf("streaming: %s %#x: memory opened from another process; it has its exporter's handle already: %w", what, uint64(p), ErrInvalidValue)
	}
	h, err := halExportMemory(a.dev.hal, a.base)
	if err != nil {
		return IPCMemHandle{}, fmt.Errorf("streaming: %s %#x on %s: %w", what, uint64(p), a.dev.info.Name, err)
	}
	return IPCMemHandle(h), nil
}

// IPCOpenMemHandle maps memory another process exported with
// IPCGetMemHandle into the context's device (cuIpcOpenMemHandle) and
// returns its address here, a fresh one. flags is 0 or
// IPCMemLazyEnablePeerAccess. Opening a handle that this context opened
// already returns the same address and counts the open: each one needs an
// IPCCloseMemHandle. A handle of another backend or forged bytes are
// ErrInvalidValue, a handle whose memory is gone (freed, or its process
// exited before the open) ErrInvalidHandle, a handle exported by this
// very process ErrInvalidContext, as in CUDA.
func (c *Context) IPCOpenMemHandle(h IPCMemHandle, flags uint32) (DevicePtr, error) {
	const what = "ipc open mem handle"
	if flags&^IPCMemLazyEnablePeerAccess != 0 {
		return 0, fmt.Errorf("streaming: %s: flags %#x: want 0 or IPCMemLazyEnablePeerAccess: %w", what, flags, ErrInvalidValue)
	}
	a, err := c.ipcOpenMem(what, h, nil)
	if err != nil {
		return 0, err
	}
	return DevicePtr(a.base), nil
}

// ipcOpenMem opens h (IPCOpenMemHandle, MemPoolImportPointer) in c, once
// per handle, counting the opens.
func (c *Context) ipcOpenMem(what string, h IPCMemHandle, set func(*ipcOpened)) (*allocation, error) {
	if err := c.check(what); err != nil {
		return nil, err
	}
	done, err := c.rt.holdDrivers(what)
	if err != nil {
		return nil, err
	}
	defer done()
	c.ipcMu.Lock()
	defer c.ipcMu.Unlock()
	if a := c.ipcOpen[h]; a != nil && !a.freed.Load() {
		a.ipc.refs++
		return a, nil
	}
	ha, err := halImportMemory(c.dev.hal, [IPCHandleSize]byte(h))
	if err != nil {
		return nil, fmt.Errorf("streaming: %s on %s: %w", what, c.dev.info.Name, err)
	}
	o := &ipcOpened{handle: h, refs: 1}
	if set != nil {
		set(o)
	}
	a := &allocation{base: ha.Device, size: ha.Size, kind: MemoryDevice, dev: c.dev, ctx: c, hal: ha, host: ha.Host, ipc: o}
	if err := c.track(a); err != nil {
		halCloseMemory(c.dev.hal, ha.Device)
		return nil, err
	}
	if c.ipcOpen == nil {
		c.ipcOpen = map[IPCMemHandle]*allocation{}
	}
	c.ipcOpen[h] = a
	return a, nil
}

// IPCCloseMemHandle closes memory IPCOpenMemHandle opened
// (cuIpcCloseMemHandle); the last close of a handle opened several times
// unmaps it, after the device's work that may use it is done. The
// exporter's memory is not affected.
func (c *Context) IPCCloseMemHandle(p DevicePtr) error {
	const what = "ipc close mem handle"
	if err := c.checkOpen(what); err != nil {
		return err
	}
	a, err := c.lookupBase(what, uint64(p), MemoryDevice)
	if err != nil {
		return err
	}
	if a.ipc == nil || a.ipc.pool != nil {
		return fmt.Errorf("streaming: %s %#x: not memory opened with IPCOpenMemHandle: %w", what, uint64(p), ErrInvalidValue)
	}
	return a.ctx.ipcRelease(what, a, uint64(p))
}

// ipcRelease counts one close of opened memory (IPCCloseMemHandle, Free
// of MemPoolImportPointer memory); the last one unmaps it.
func (c *Context) ipcRelease(what string, a *allocation, p uint64) error {
	c.ipcMu.Lock()
	if a.ipc.refs <= 0 {
		c.ipcMu.Unlock()
		return errFreed(what, p, ErrInvalidValue)
	}
	a.ipc.refs--
	last := a.ipc.refs == 0
	c.ipcMu.Unlock()
	if !last {
		return nil
	}
	return a.release(what, p, ErrInvalidValue)
}

// IPCHandle returns the handle that lets another process open the event
// (cuIpcGetEventHandle). The event must have been created with
// EventInterprocess (and EventDisableTiming, which that needs).
func (e *Event) IPCHandle() (IPCEventHandle, error) {
	const what = "ipc get event handle"
	e.life.RLock()
	defer e.life.RUnlock()
	if err := e.check(what); err != nil {
		return IPCEventHandle{}, err
	}
	if e.flags&EventInterprocess == 0 {
		return IPCEventHandle{}, fmt.Errorf("streaming: %s: the event was created without EventInterprocess: %w", what, ErrInvalidValue)
	}
	done, err := e.ctx.rt.holdDrivers(what)
	if err != nil {
		return IPCEventHandle{}, err
	}
	defer done()
	h, err := halExportEvent(e.ctx.dev.hal, e.hal)
	if err != nil {
		return IPCEventHandle{}, fmt.Errorf("streaming: %s: %w", what, err)
	}
	return IPCEventHandle(h), nil
}

// IPCOpenEventHandle opens an event another process exported
// (cuIpcOpenEventHandle). Records in either process and waits in either
// see each other: Record, Query, Synchronize and Stream.WaitEvent work on
// it as on an event of the context (it has EventInterprocess and
// EventDisableTiming). Destroy it with Destroy. The errors are those of
// IPCOpenMemHandle.
func (c *Context) IPCOpenEventHandle(h IPCEventHandle) (*Event, error) {
	const what = "ipc open event handle"
	if err := c.check(what); err != nil {
		return nil, err
	}
	done, err := c.rt.holdDrivers(what)
	if err != nil {
		return nil, err
	}
	defer done()
	he, err := halImportEvent(c.dev.hal, [IPCHandleSize]byte(h))
	if err != nil {
		return nil, fmt.Errorf("streaming: %s on %s: %w", what, c.dev.info.Name, err)
	}
	e := &Event{ctx: c, hal: he, flags: EventInterprocess | EventDisableTiming}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		he.Close()
		return nil, fmt.Errorf("streaming: %s: context destroyed: %w", what, ErrInvalidContext)
	}
	c.events[e] = true
	// An opened event counts as recorded: its exporter may have recorded
	// it, and Query and Synchronize ask the shared state.
	e.recorded = true
	return e, nil
}
