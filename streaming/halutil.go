package streaming

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// The optional driver interfaces of package hal, one helper each: the type
// assertion and this package's fallback for a driver that lacks the
// interface live here together, as database/sql's ctxutil.go keeps them,
// so the rest of the package never asserts an optional interface itself.

// halCanAccessPeer is hal.PeerDevice.CanAccessPeer. Without PeerDevice no
// device is a peer of another: copies between them go through the host.
func halCanAccessPeer(d, peer hal.Device) bool {
	pd, ok := d.(hal.PeerDevice)
	return ok && pd.CanAccessPeer(peer)
}

// halSetPeerAccess is hal.PeerDevice.EnablePeerAccess or
// DisablePeerAccess. Callers check halCanAccessPeer first, so a driver
// without PeerDevice never gets here; ErrNotSupported if one does.
func halSetPeerAccess(d, peer hal.Device, enable bool) error {
	pd, ok := d.(hal.PeerDevice)
	switch {
	case !ok:
		return hal.ErrNotSupported
	case enable:
		return pd.EnablePeerAccess(peer)
	}
	return pd.DisablePeerAccess(peer)
}

// halAdvise is hal.Advisor.Advise. Without Advisor the advice only
// changes what MemRangeAttributes reports (the caller records it either
// way).
func halAdvise(d hal.Device, addr, n uint64, advice int, peer hal.Device) error {
	if adv, ok := d.(hal.Advisor); ok {
		return adv.Advise(addr, n, advice, peer)
	}
	return nil
}

// halPrefetcher returns hal.Advisor.Prefetch, or nil without Advisor: then
// managed memory is already where every device can use it, and a
// prefetch is only recorded for MemRangeAttributes.
func halPrefetcher(d hal.Device) func(q hal.Queue, addr, n uint64, toHost bool) error {
	if adv, ok := d.(hal.Advisor); ok {
		return adv.Prefetch
	}
	return nil
}

// halNotify is hal.Notifier.Notify, falling back to Queue.HostCall, which
// runs fn in the same order but at a host function's cost.
func halNotify(q hal.Queue, fn func()) error {
	if n, ok := q.(hal.Notifier); ok {
		return n.Notify(fn)
	}
	return q.HostCall(fn)
}

// halCopiesArgs is hal.ArgsCopier.DispatchCopiesArgs; without ArgsCopier
// the driver may keep a launch's argument buffer.
func halCopiesArgs(q hal.Queue) bool {
	c, ok := q.(hal.ArgsCopier)
	return ok && c.DispatchCopiesArgs()
}

// halWatchFaults is hal.FaultNotifier.NotifyFault. Without FaultNotifier a
// sticky fault is seen when the queue's next Synchronize returns it.
func halWatchFaults(q hal.Queue, fn func(err error)) {
	if n, ok := q.(hal.FaultNotifier); ok {
		n.NotifyFault(fn)
	}
}

// halIPC returns d's hal.IPCDevice. Without it the device shares nothing
// with other processes: every IPC call is ErrNotSupported, saying so.
func halIPC(d hal.Device) (hal.IPCDevice, error) {
	if ipc, ok := d.(hal.IPCDevice); ok {
		return ipc, nil
	}
	return nil, fmt.Errorf("the %s backend cannot share memory or events with other processes (its driver does not implement hal.IPCDevice): %w", d.Info().Driver, ErrNotSupported)
}

// halExportMemory is hal.IPCDevice.ExportMemory (see halIPC).
func halExportMemory(d hal.Device, base uint64) ([hal.IPCHandleSize]byte, error) {
	ipc, err := halIPC(d)
	if err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return ipc.ExportMemory(base)
}

// halImportMemory is hal.IPCDevice.ImportMemory (see halIPC).
func halImportMemory(d hal.Device, h [hal.IPCHandleSize]byte) (hal.Allocation, error) {
	ipc, err := halIPC(d)
	if err != nil {
		return hal.Allocation{}, err
	}
	return ipc.ImportMemory(h)
}

// halCloseMemory is hal.IPCDevice.CloseMemory; only memory ImportMemory
// returned gets here.
func halCloseMemory(d hal.Device, addr uint64) error {
	ipc, err := halIPC(d)
	if err != nil {
		return err
	}
	return ipc.CloseMemory(addr)
}

// halExportEvent is hal.IPCDevice.ExportEvent (see halIPC).
func halExportEvent(d hal.Device, e hal.Event) ([hal.IPCHandleSize]byte, error) {
	ipc, err := halIPC(d)
	if err != nil {
		return [hal.IPCHandleSize]byte{}, err
	}
	return ipc.ExportEvent(e)
}

// halImportEvent is hal.IPCDevice.ImportEvent (see halIPC).
func halImportEvent(d hal.Device, h [hal.IPCHandleSize]byte) (hal.Event, error) {
	ipc, err := halIPC(d)
	if err != nil {
		return nil, err
	}
	return ipc.ImportEvent(h)
}

// halPools returns the device's hal.PoolDevice, or nil: without one,
// package streaming's own pools (pool.go) serve MallocAsync on top of
// Device.Allocate.
func halPools(d hal.Device) hal.PoolDevice {
	if pd, ok := d.(hal.PoolDevice); ok {
		return pd
	}
	return nil
}
