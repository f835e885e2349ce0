package cuda

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// Context is a CUcontext: it owns the memory, modules, streams and events
// created while it is current. A nil *Context is the C API's NULL context.
//
// The handle of a device's primary context is the same *Context for the
// whole life of the runtime, as in CUDA: DevicePrimaryCtxReset and a release
// to zero followed by a new retain keep it, while the resources behind it
// are replaced.
//
// Every function of this package that acts on the current context is also
// a method of Context that acts on that context instead, named as the
// function without its Ctx prefix: CtxSynchronize is ctx.Synchronize,
// MemAlloc is ctx.MemAlloc. The methods neither need nor change the current
// context.
type Context struct {
	d  *driver
	sc atomic.Pointer[streaming.Context] // nil once destroyed

	mu        sync.Mutex
	streams   map[*Stream]bool // handles of the context's streams, invalidated with it
	perThread *Stream          // CU_STREAM_PER_THREAD's stream, created on first use
	legacy    *Stream          // DefaultStream's handle
}

// Streaming returns the streaming.Context behind c, nil once c is
// destroyed.
func (c *Context) Streaming() *streaming.Context {
	if c == nil {
		return nil
	}
	return c.sc.Load()
}

// get returns c's streaming context, or CUDA_ERROR_INVALID_CONTEXT for a
// nil or destroyed handle.
func (c *Context) get(what string) (*streaming.Context, error) {
	if c == nil {
		return nil, failf(CUDA_ERROR_INVALID_CONTEXT, "%s: NULL context", what)
	}
	if _, err := get(); err != nil {
		return nil, err
	}
	if sc := c.sc.Load(); sc != nil {
		return sc, nil
	}
	return nil, failf(CUDA_ERROR_INVALID_CONTEXT, "%s: the context was destroyed", what)
}

// invalidate marks c and its streams destroyed (c.d.mu held or the driver
// gone).
func (c *Context) invalidate() {
	c.sc.Store(nil)
	c.mu.Lock()
	for s := range c.streams {
		s.state.Store(streamDestroyed)
	}
	c.streams = nil
	c.perThread = nil
	c.legacy = nil
	c.mu.Unlock()
}

// wrap returns the handle of sc, making one on first use.
func (d *driver) wrap(sc *streaming.Context) *Context {
	if sc == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.ctxs[sc]; c != nil {
		return c
	}
	c := &Context{d: d}
	c.sc.Store(sc)
	d.ctxs[sc] = c
	return c
}

// forget drops the handle of a destroyed streaming context.
func (d *driver) forget(sc *streaming.Context) {
	d.remove(sc)
	d.mu.Lock()
	c := d.ctxs[sc]
	delete(d.ctxs, sc)
	d.mu.Unlock()
	if c != nil {
		c.invalidate()
	}
}

// device returns the streaming device of dev, or CUDA_ERROR_INVALID_DEVICE.
func (d *driver) device(dev Device) (*streaming.Device, error) {
	sd, err := d.rt.Device(int(dev))
	if err != nil {
		return nil, fail(err)
	}
	return sd, nil
}

// DevicePrimaryCtxRetain is cuDevicePrimaryCtxRetain: it retains the
// device's primary context, creating it on the first retain. It does not
// make the context current.
func DevicePrimaryCtxRetain(dev Device) (*Context, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	sd, err := d.device(dev)
	if err != nil {
		return nil, err
	}
	sc, err := sd.PrimaryContext()
	if err != nil {
		return nil, fail(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.primary[int(dev)]
	if c == nil {
		c = &Context{d: d}
		d.primary[int(dev)] = c
	}
	if old := c.sc.Swap(sc); old != sc {
		if old != nil {
			delete(d.ctxs, old)
		}
		d.ctxs[sc] = c
	}
	return c, nil
}

// DevicePrimaryCtxRelease is cuDevicePrimaryCtxRelease. The last release
// destroys the primary context's resources and removes it from the context
// stack; the handle comes back to life with the next retain.
// CUDA_ERROR_INVALID_CONTEXT when the primary context is not retained.
func DevicePrimaryCtxRelease(dev Device) error {
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.device(dev)
	if err != nil {
		return err
	}
	d.mu.Lock()
	c := d.primary[int(dev)]
	d.mu.Unlock()
	var old *streaming.Context
	if c != nil {
		old = c.sc.Load()
	}
	if err := sd.PrimaryContextRelease(); err != nil {
		return fail(err)
	}
	if _, active := sd.PrimaryContextState(); !active && old != nil {
		d.remove(old)
		d.mu.Lock()
		delete(d.ctxs, old)
		c.invalidate()
		d.mu.Unlock()
	}
	return nil
}

// DevicePrimaryCtxSetFlags is cuDevicePrimaryCtxSetFlags: the CU_CTX_*
// flags the primary context has, or will have when it is created.
func DevicePrimaryCtxSetFlags(dev Device, flags uint32) error {
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.device(dev)
	if err != nil {
		return err
	}
	return check(sd.SetPrimaryContextFlags(flags))
}

// DevicePrimaryCtxGetState is cuDevicePrimaryCtxGetState: the primary
// context's flags and whether it is active (retained).
func DevicePrimaryCtxGetState(dev Device) (flags uint32, active bool, err error) {
	d, err := get()
	if err != nil {
		return 0, false, err
	}
	sd, err := d.device(dev)
	if err != nil {
		return 0, false, err
	}
	flags, active = sd.PrimaryContextState()
	return flags, active, nil
}

// DevicePrimaryCtxReset is cuDevicePrimaryCtxReset: it destroys all the
// primary context's resources (memory, modules, streams, events). The
// handle stays valid and stays wherever it is on the context stack; the
// old streams and events are invalid.
func DevicePrimaryCtxReset(dev Device) error {
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.device(dev)
	if err != nil {
		return err
	}
	d.mu.Lock()
	c := d.primary[int(dev)]
	d.mu.Unlock()
	if err := sd.PrimaryContextReset(); err != nil {
		return fail(err)
	}
	if c == nil {
		return nil
	}
	old := c.sc.Load()
	var fresh *streaming.Context
	if _, active := sd.PrimaryContextState(); active {
		// Learn the new primary context without changing the retain count.
		if fresh, err = sd.PrimaryContext(); err != nil {
			return fail(err)
		}
		if err := sd.PrimaryContextRelease(); err != nil {
			return fail(err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old != nil {
		delete(d.ctxs, old)
	}
	c.invalidate()
	if fresh == nil {
		if old != nil {
			d.remove(old)
		}
		return nil
	}
	c.sc.Store(fresh)
	d.ctxs[fresh] = c
	if old != nil {
		d.replace(old, fresh)
	}
	return nil
}

// The context stack is changed only through these methods, which keep
// d.top, the context on top, in step: the current context is read on every
// call that uses it, and an atomic load is cheaper than the stack's lock.

func (d *driver) changeStack(f func(cs *streaming.ContextStack)) {
	d.stackMu.Lock()
	defer d.stackMu.Unlock()
	f(&d.stack)
	d.top.Store(d.stack.Current())
}

func (d *driver) push(sc *streaming.Context) (err error) {
	d.changeStack(func(cs *streaming.ContextStack) { err = cs.Push(sc) })
	return err
}

func (d *driver) pop() (sc *streaming.Context, err error) {
	d.changeStack(func(cs *streaming.ContextStack) { sc, err = cs.Pop() })
	return sc, err
}

func (d *driver) setCurrent(sc *streaming.Context) {
	d.changeStack(func(cs *streaming.ContextStack) { cs.SetCurrent(sc) })
}

func (d *driver) remove(sc *streaming.Context) {
	d.changeStack(func(cs *streaming.ContextStack) { cs.Remove(sc) })
}

func (d *driver) resetStack() {
	d.changeStack(func(cs *streaming.ContextStack) { cs.Reset() })
}

// replace puts fresh wherever old is on the stack, keeping the order.
// streaming.ContextStack has no Replace, so this pops and pushes back.
func (d *driver) replace(old, fresh *streaming.Context) {
	d.changeStack(func(cs *streaming.ContextStack) {
		var popped []*streaming.Context
		for cs.Depth() > 0 {
			c, err := cs.Pop()
			if err != nil {
				break
			}
			popped = append(popped, c)
		}
		for i := len(popped) - 1; i >= 0; i-- {
			c := popped[i]
			if c == old {
				c = fresh
			}
			cs.Push(c)
		}
	})
}

// CtxCreate is cuCtxCreate: it creates a context on dev with the CU_CTX_*
// flags and pushes it onto the context stack, making it current.
func CtxCreate(flags uint32, dev Device) (*Context, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	sd, err := d.device(dev)
	if err != nil {
		return nil, err
	}
	sc, err := sd.NewContext(flags)
	if err != nil {
		return nil, fail(err)
	}
	c := d.wrap(sc)
	d.push(sc)
	return c, nil
}

// CtxDestroy is cuCtxDestroy: it waits for the context's work, frees
// everything it owns and removes it from the context stack. A primary
// context is released with DevicePrimaryCtxRelease instead
// (CUDA_ERROR_INVALID_CONTEXT here).
func CtxDestroy(c *Context) error {
	sc, err := c.get("cuCtxDestroy")
	if err != nil {
		return err
	}
	if err := sc.Close(); err != nil {
		return fail(err)
	}
	c.d.forget(sc)
	return nil
}

// CtxPushCurrent is cuCtxPushCurrent: c becomes current, above the previous
// current context.
func CtxPushCurrent(c *Context) error {
	sc, err := c.get("cuCtxPushCurrent")
	if err != nil {
		return err
	}
	return check(c.d.push(sc))
}

// CtxPopCurrent is cuCtxPopCurrent: it removes the current context from the
// stack and returns it; CUDA_ERROR_INVALID_CONTEXT when none is current.
func CtxPopCurrent() (*Context, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	sc, err := d.pop()
	if err != nil {
		return nil, fail(err)
	}
	return d.wrap(sc), nil
}

// CtxSetCurrent is cuCtxSetCurrent: c replaces the current context (is
// pushed when the stack is empty); nil pops the current context.
func CtxSetCurrent(c *Context) error {
	d, err := get()
	if err != nil {
		return err
	}
	if c == nil {
		d.setCurrent(nil)
		return nil
	}
	sc, err := c.get("cuCtxSetCurrent")
	if err != nil {
		return err
	}
	d.setCurrent(sc)
	return nil
}

// CtxGetCurrent is cuCtxGetCurrent: the current context, nil (and no
// error) when there is none.
func CtxGetCurrent() (*Context, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	return d.wrap(d.top.Load()), nil
}

// CtxGetDevice is cuCtxGetDevice: the current context's device.
func CtxGetDevice() (Device, error) {
	_, sc, err := cur("cuCtxGetDevice")
	if err != nil {
		return 0, err
	}
	return Device(sc.Device().Ordinal()), nil
}

// GetDevice is CtxGetDevice for c.
func (c *Context) GetDevice() (Device, error) {
	sc, err := c.get("cuCtxGetDevice")
	if err != nil {
		return 0, err
	}
	return Device(sc.Device().Ordinal()), nil
}

// CtxGetFlags is cuCtxGetFlags: the current context's CU_CTX_* flags.
func CtxGetFlags() (uint32, error) {
	_, sc, err := cur("cuCtxGetFlags")
	if err != nil {
		return 0, err
	}
	return sc.Flags(), nil
}

// GetFlags is CtxGetFlags for c.
func (c *Context) GetFlags() (uint32, error) {
	sc, err := c.get("cuCtxGetFlags")
	if err != nil {
		return 0, err
	}
	return sc.Flags(), nil
}

// CtxSynchronize is cuCtxSynchronize: it waits for all work of the current
// context and returns the first error that work raised.
func CtxSynchronize() error {
	_, sc, err := cur("cuCtxSynchronize")
	if err != nil {
		return err
	}
	return check(sc.Synchronize(context.Background()))
}

// Synchronize is CtxSynchronize for c.
func (c *Context) Synchronize() error {
	sc, err := c.get("cuCtxSynchronize")
	if err != nil {
		return err
	}
	return check(sc.Synchronize(context.Background()))
}

// limitErr reports limits that cuda.h defines but the backend does not
// keep as CUDA_ERROR_UNSUPPORTED_LIMIT, unknown ones as
// CUDA_ERROR_INVALID_VALUE.
func limitErr(l Limit, err error) error {
	if _, known := lookupName(limitNames, int(l)); known {
		return checkAs(err, override{hal.ErrInvalidValue, CUDA_ERROR_UNSUPPORTED_LIMIT})
	}
	return fail(err)
}

// CtxSetLimit is cuCtxSetLimit: it sets a CU_LIMIT_* of the current
// context.
func CtxSetLimit(limit Limit, value uint64) error {
	_, sc, err := cur("cuCtxSetLimit")
	if err != nil {
		return err
	}
	return setLimit(sc, limit, value)
}

// SetLimit is CtxSetLimit for c.
func (c *Context) SetLimit(limit Limit, value uint64) error {
	sc, err := c.get("cuCtxSetLimit")
	if err != nil {
		return err
	}
	return setLimit(sc, limit, value)
}

func setLimit(sc *streaming.Context, limit Limit, value uint64) error {
	if err := sc.SetLimit(streaming.Limit(limit), value); err != nil {
		return limitErr(limit, err)
	}
	return nil
}

// CtxGetLimit is cuCtxGetLimit: a CU_LIMIT_* of the current context.
func CtxGetLimit(limit Limit) (uint64, error) {
	_, sc, err := cur("cuCtxGetLimit")
	if err != nil {
		return 0, err
	}
	return getLimit(sc, limit)
}

// GetLimit is CtxGetLimit for c.
func (c *Context) GetLimit(limit Limit) (uint64, error) {
	sc, err := c.get("cuCtxGetLimit")
	if err != nil {
		return 0, err
	}
	return getLimit(sc, limit)
}

func getLimit(sc *streaming.Context, limit Limit) (uint64, error) {
	v, err := sc.Limit(streaming.Limit(limit))
	if err != nil {
		return 0, limitErr(limit, err)
	}
	return v, nil
}

// CtxGetApiVersion is cuCtxGetApiVersion: the API version of c, or of the
// current context when c is nil (3020 for every context of CUDA 4.0 and
// later).
func CtxGetApiVersion(c *Context) (uint32, error) {
	if c == nil {
		_, sc, err := cur("cuCtxGetApiVersion")
		if err != nil {
			return 0, err
		}
		return uint32(sc.APIVersion()), nil
	}
	return c.GetApiVersion()
}

// GetApiVersion is CtxGetApiVersion for c.
func (c *Context) GetApiVersion() (uint32, error) {
	sc, err := c.get("cuCtxGetApiVersion")
	if err != nil {
		return 0, err
	}
	return uint32(sc.APIVersion()), nil
}

// CtxGetStreamPriorityRange is cuCtxGetStreamPriorityRange: the least and
// greatest stream priorities of the current context's device (greatest is
// numerically lowest).
func CtxGetStreamPriorityRange() (least, greatest int, err error) {
	_, sc, err := cur("cuCtxGetStreamPriorityRange")
	if err != nil {
		return 0, 0, err
	}
	least, greatest = sc.StreamPriorityRange()
	return least, greatest, nil
}

// GetStreamPriorityRange is CtxGetStreamPriorityRange for c.
func (c *Context) GetStreamPriorityRange() (least, greatest int, err error) {
	sc, err := c.get("cuCtxGetStreamPriorityRange")
	if err != nil {
		return 0, 0, err
	}
	least, greatest = sc.StreamPriorityRange()
	return least, greatest, nil
}

// CtxEnablePeerAccess is cuCtxEnablePeerAccess: kernels and copies of the
// current context may use memory of peer's device. flags must be 0.
// CUDA_ERROR_PEER_ACCESS_UNSUPPORTED when DeviceCanAccessPeer says no,
// CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED the second time.
func CtxEnablePeerAccess(peer *Context, flags uint32) error {
	_, sc, err := cur("cuCtxEnablePeerAccess")
	if err != nil {
		return err
	}
	return enablePeer(sc, peer, flags)
}

// EnablePeerAccess is CtxEnablePeerAccess from c.
func (c *Context) EnablePeerAccess(peer *Context, flags uint32) error {
	sc, err := c.get("cuCtxEnablePeerAccess")
	if err != nil {
		return err
	}
	return enablePeer(sc, peer, flags)
}

func enablePeer(sc *streaming.Context, peer *Context, flags uint32) error {
	psc, err := peer.get("cuCtxEnablePeerAccess peer")
	if err != nil {
		return err
	}
	if flags != 0 {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuCtxEnablePeerAccess flags %#x: must be 0", flags)
	}
	return checkAs(sc.Device().EnablePeerAccess(psc.Device()),
		override{hal.ErrInvalidDevice, CUDA_ERROR_PEER_ACCESS_UNSUPPORTED})
}

// CtxDisablePeerAccess is cuCtxDisablePeerAccess;
// CUDA_ERROR_PEER_ACCESS_NOT_ENABLED when access was not enabled.
func CtxDisablePeerAccess(peer *Context) error {
	_, sc, err := cur("cuCtxDisablePeerAccess")
	if err != nil {
		return err
	}
	return disablePeer(sc, peer)
}

// DisablePeerAccess is CtxDisablePeerAccess from c.
func (c *Context) DisablePeerAccess(peer *Context) error {
	sc, err := c.get("cuCtxDisablePeerAccess")
	if err != nil {
		return err
	}
	return disablePeer(sc, peer)
}

func disablePeer(sc *streaming.Context, peer *Context) error {
	psc, err := peer.get("cuCtxDisablePeerAccess peer")
	if err != nil {
		return err
	}
	return check(sc.Device().DisablePeerAccess(psc.Device()))
}
