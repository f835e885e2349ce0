package hip

import (
	"context"
	"fmt"

	"github.com/streamhal/streamhal/streaming"
)

// ctxFlagsMask holds the flags hipCtxCreate and
// hipDevicePrimaryCtxSetFlags accept: a scheduling policy, HipDeviceMapHost
// and HipDeviceLmemResizeToMax.
const ctxFlagsMask = HipDeviceScheduleMask | HipDeviceMapHost | HipDeviceLmemResizeToMax

// DevicePrimaryCtxRetain is hipDevicePrimaryCtxRetain: dev's primary
// context, created on first use. Each retain is matched by a
// DevicePrimaryCtxRelease.
func DevicePrimaryCtxRetain(dev Device) (Ctx, error) {
	const call = "hipDevicePrimaryCtxRetain"
	d, err := device(dev)
	if err != nil {
		return nil, ret(call, err)
	}
	c, err := d.PrimaryContext()
	if err != nil {
		return nil, ret(call, err)
	}
	state.mu.Lock()
	state.userRetains[d]++
	state.mu.Unlock()
	return c, nil
}

// DevicePrimaryCtxRelease is hipDevicePrimaryCtxRelease. Like AMD's
// runtime it accepts a release with no retain left to match and does
// nothing then; the retain the runtime API holds itself (every call that
// uses the current device needs its primary context) is never dropped.
func DevicePrimaryCtxRelease(dev Device) error {
	const call = "hipDevicePrimaryCtxRelease"
	d, err := device(dev)
	if err != nil {
		return ret(call, err)
	}
	state.mu.Lock()
	if state.userRetains[d] == 0 {
		state.mu.Unlock()
		return nil
	}
	state.userRetains[d]--
	state.mu.Unlock()
	return ret(call, d.PrimaryContextRelease())
}

// DevicePrimaryCtxGetState is hipDevicePrimaryCtxGetState: the flags the
// primary context has (or will be created with) and whether it is active.
// Any call of the runtime API that uses a device activates its primary
// context.
func DevicePrimaryCtxGetState(dev Device) (flags uint32, active bool, err error) {
	d, err := device(dev)
	if err != nil {
		return 0, false, ret("hipDevicePrimaryCtxGetState", err)
	}
	flags, active = d.PrimaryContextState()
	return flags, active, nil
}

// DevicePrimaryCtxSetFlags is hipDevicePrimaryCtxSetFlags: it sets the
// flags of a primary context that is not active yet. Once it is active the
// call fails with HipErrorContextAlreadyInUse, as it does in AMD's runtime.
func DevicePrimaryCtxSetFlags(dev Device, flags uint32) error {
	const call = "hipDevicePrimaryCtxSetFlags"
	d, err := device(dev)
	if err != nil {
		return ret(call, err)
	}
	if flags&^ctxFlagsMask != 0 {
		return fail(call, HipErrorInvalidValue, "flags %#x: unknown bits %#x", flags, flags&^ctxFlagsMask)
	}
	if _, active := d.PrimaryContextState(); active {
		return fail(call, HipErrorContextAlreadyInUse, "the primary context of device %d is active", d.Ordinal())
	}
	return ret(call, d.SetPrimaryContextFlags(flags))
}

// DevicePrimaryCtxReset is hipDevicePrimaryCtxReset: it destroys
// everything the primary context owns and replaces it with a fresh one.
func DevicePrimaryCtxReset(dev Device) error {
	d, err := device(dev)
	if err != nil {
		return ret("hipDevicePrimaryCtxReset", err)
	}
	return ret("hipDevicePrimaryCtxReset", resetPrimary(d))
}

// CtxCreate is hipCtxCreate: a new context on dev, pushed on the context
// stack (so it becomes current). An invalid device is
// HipErrorInvalidValue, as in AMD's runtime.
func CtxCreate(flags uint32, dev Device) (Ctx, error) {
	const call = "hipCtxCreate"
	d, err := device(dev)
	if err != nil {
		return nil, ret(call, err, HipErrorInvalidValue)
	}
	if flags&^ctxFlagsMask != 0 {
		return nil, fail(call, HipErrorInvalidValue, "flags %#x: unknown bits %#x", flags, flags&^ctxFlagsMask)
	}
	c, err := d.NewContext(flags)
	if err != nil {
		return nil, ret(call, err)
	}
	if err := stack.Push(c); err != nil {
		c.Close()
		return nil, ret(call, err)
	}
	return c, nil
}

// CtxDestroy is hipCtxDestroy: it waits for the context's work, destroys
// everything it owns and removes it from the context stack. Destroying it
// twice is HipErrorContextIsDestroyed; a primary context is released with
// DevicePrimaryCtxRelease instead (HipErrorInvalidContext).
func CtxDestroy(c Ctx) error {
	const call = "hipCtxDestroy"
	if c == nil {
		return fail(call, HipErrorInvalidValue, "%v", errNilHandle)
	}
	if err := c.Err(); err != nil {
		return ret(call, err, HipErrorContextIsDestroyed)
	}
	if err := c.Close(); err != nil {
		return ret(call, err)
	}
	stack.Remove(c)
	return nil
}

// CtxPushCurrent is hipCtxPushCurrent: c becomes current, above the
// previous current context.
func CtxPushCurrent(c Ctx) error {
	const call = "hipCtxPushCurrent"
	if c == nil {
		return fail(call, HipErrorInvalidContext, "%v", errNilHandle)
	}
	if err := c.Err(); err != nil {
		return ret(call, err)
	}
	return ret(call, stack.Push(c))
}

// CtxPopCurrent is hipCtxPopCurrent: it removes the current context from
// the stack and returns it (HipErrorInvalidContext when the stack is
// empty).
func CtxPopCurrent() (Ctx, error) {
	if _, err := openRuntime(); err != nil {
		return nil, ret("hipCtxPopCurrent", err)
	}
	c, err := stack.Pop()
	return c, ret("hipCtxPopCurrent", err)
}

// CtxSetCurrent is hipCtxSetCurrent: c replaces the top of the context
// stack; nil pops it.
func CtxSetCurrent(c Ctx) error {
	const call = "hipCtxSetCurrent"
	if _, err := openRuntime(); err != nil {
		return ret(call, err)
	}
	if c != nil {
		if err := c.Err(); err != nil {
			return ret(call, err)
		}
	}
	stack.SetCurrent(c)
	return nil
}

// CtxGetCurrent is hipCtxGetCurrent: the current context, which is the
// current device's primary context while the context stack is empty.
func CtxGetCurrent() (Ctx, error) {
	c, err := current()
	if err != nil {
		return nil, ret("hipCtxGetCurrent", err)
	}
	return c, nil
}

// CtxGetDevice is hipCtxGetDevice: the current context's device.
func CtxGetDevice() (Device, error) {
	c, err := current()
	if err != nil {
		return 0, ret("hipCtxGetDevice", err)
	}
	return Device(c.Device().Ordinal()), nil
}

// CtxGetFlags is hipCtxGetFlags: the current context's flags.
func CtxGetFlags() (uint32, error) {
	c, err := current()
	if err != nil {
		return 0, ret("hipCtxGetFlags", err)
	}
	return c.Flags(), nil
}

// CtxGetApiVersion is hipCtxGetApiVersion (nil: the current context).
func CtxGetApiVersion(c Ctx) (int, error) {
	const call = "hipCtxGetApiVersion"
	if c == nil {
		var err error
		if c, err = current(); err != nil {
			return 0, ret(call, err)
		}
	}
	if err := c.Err(); err != nil {
		return 0, ret(call, err)
	}
	return c.APIVersion(), nil
}

// CtxSynchronize is hipCtxSynchronize: it waits for all work of the
// current context and returns the first error that work raised. (AMD's
// runtime answers hipErrorNotSupported here; the original streamhal HIP
// example relies on it, so this package implements it.)
func CtxSynchronize() error {
	c, err := current()
	if err != nil {
		return ret("hipCtxSynchronize", err)
	}
	return ret("hipCtxSynchronize", c.Synchronize(context.Background()))
}

// CtxEnablePeerAccess is hipCtxEnablePeerAccess: the current context's
// device may use the memory of peer's device. flags must be 0.
func CtxEnablePeerAccess(peer Ctx, flags uint32) error {
	const call = "hipCtxEnablePeerAccess"
	if flags != 0 {
		return fail(call, HipErrorInvalidValue, "flags %#x: want 0", flags)
	}
	d, p, err := peerDevices(peer)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, d.EnablePeerAccess(p))
}

// CtxDisablePeerAccess is hipCtxDisablePeerAccess.
func CtxDisablePeerAccess(peer Ctx) error {
	const call = "hipCtxDisablePeerAccess"
	d, p, err := peerDevices(peer)
	if err != nil {
		return ret(call, err)
	}
	return ret(call, d.DisablePeerAccess(p))
}

func peerDevices(peer Ctx) (*streaming.Device, *streaming.Device, error) {
	if peer == nil {
		return nil, nil, fmt.Errorf("peer context: %w: %w", errNilHandle, streaming.ErrInvalidContext)
	}
	if err := peer.Err(); err != nil {
		return nil, nil, err
	}
	c, err := current()
	if err != nil {
		return nil, nil, err
	}
	return c.Device(), peer.Device(), nil
}
