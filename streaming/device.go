package streaming

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// Device is one compute device of a Runtime.
type Device struct {
	rt      *Runtime
	hal     hal.Device
	info    hal.DeviceInfo
	ordinal int

	// primaryMu serialises the primary context's retains, releases,
	// resets and flag changes, which may wait for its work; it guards the
	// three fields below it. It is taken before mu, never after.
	primaryMu    sync.Mutex
	primary      *Context // created by the first retain, kept until the runtime closes
	primaryRefs  int
	primaryFlags uint32

	mu          sync.Mutex
	closed      bool // Runtime.Close destroyed the device's contexts
	contexts    map[*Context]bool
	peers       map[*Device]bool // devices whose memory this device may access
	defaultPool *MemPool
	currentPool *MemPool
	pools       map[*MemPool]bool
	hasPools    atomic.Bool // a pool was ever added to pools (settlePools skips the lock until then)

	// Graph memory (graphmem.go): bytes reserved by allocation nodes and
	// allocated by launches, with their high-water marks.
	graphMemReserved, graphMemReservedHigh atomic.Uint64
	graphMemUsed, graphMemUsedHigh         atomic.Uint64
	stages                                 map[uint64][]*stage // cached host staging buffers by size
	stageTrash                             []*stage            // returned buffers beyond the cache, freed later
}

func newDevice(rt *Runtime, hd hal.Device, ordinal int) *Device {
	return &Device{rt: rt, hal: hd, info: hd.Info(), ordinal: ordinal, contexts: map[*Context]bool{}, peers: map[*Device]bool{}, pools: map[*MemPool]bool{}}
}

// Ordinal is the device's index in Runtime.Devices.
func (d *Device) Ordinal() int { return d.ordinal }

// Name is the device's name.
func (d *Device) Name() string { return d.info.Name }

// Backend is the name of the driver running the device.
func (d *Device) Backend() string { return d.info.Driver }

// UUID is the device's stable identifier.
func (d *Device) UUID() [16]byte { return d.info.UUID }

// TotalMemory is the device memory in bytes.
func (d *Device) TotalMemory() uint64 { return d.info.TotalMem }

// Info returns the device's properties and limits.
func (d *Device) Info() hal.DeviceInfo { return d.info }

// ComputeCapability is the CUDA compute capability, or the backend's
// closest analogue (CPU: 8.0, the instruction generation it provides, see
// hal/cpu; Vulkan: the API version).
func (d *Device) ComputeCapability() (major, minor int) {
	return d.info.ComputeMajor, d.info.ComputeMinor
}

// PCIBusID is the device's PCI location in CUDA's format
// ("0000:65:00.0"). Devices off the PCI bus (CPU devices, lavapipe) have a
// distinct synthetic location in domain ffff (hal.SyntheticPCIDomain),
// which DeviceByPCIBusID finds again.
func (d *Device) PCIBusID() string { return d.info.PCIBusIDString() }

// MemGetInfo returns the free and total device memory in bytes.
func (d *Device) MemGetInfo() (free, total uint64, err error) {
	done, err := d.rt.holdDrivers("device memory info")
	if err != nil {
		return 0, 0, err
	}
	defer done()
	free, total, err = d.hal.MemoryInfo()
	if err != nil {
		return 0, 0, fmt.Errorf("streaming: device %d memory info: %w", d.ordinal, err)
	}
	return free, total, nil
}

// String describes the device.
func (d *Device) String() string {
	return fmt.Sprintf("device %d: %s (%s)", d.ordinal, d.info.Name, d.info.Driver)
}

// HAL returns the driver's device, for code that needs a backend feature
// this package does not wrap.
func (d *Device) HAL() hal.Device { return d.hal }

// Synchronize waits for all work of all contexts on the device.
func (d *Device) Synchronize(ctx context.Context) error {
	d.mu.Lock()
	ctxs := make([]*Context, 0, len(d.contexts))
	for c := range d.contexts {
		ctxs = append(ctxs, c)
	}
	d.mu.Unlock()
	var first error
	for _, c := range ctxs {
		if err := c.Synchronize(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// PrimaryContext retains the device's primary context (creating it on first
// use), as cuDevicePrimaryCtxRetain does; every retain is matched by a
// PrimaryContextRelease. It is the same *Context for the life of the
// runtime: a retain after the last release makes it usable again.
func (d *Device) PrimaryContext() (*Context, error) {
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	if d.rt.isClosed() {
		return nil, fmt.Errorf("streaming: primary context of device %d: runtime closed: %w", d.ordinal, ErrDeinitialized)
	}
	if d.primaryRefs == 0 {
		c := d.primary
		if c == nil {
			var err error
			if c, err = newContext(d, d.primaryFlags, true); err != nil {
				return nil, err
			}
			d.primary = c
		} else if err := c.open(d.primaryFlags, nil); err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.contexts[c] = true
		d.mu.Unlock()
	}
	d.primaryRefs++
	return d.primary, nil
}

// PrimaryContextRelease drops one retain; the last one destroys everything
// the primary context owns and leaves it unusable (ErrInvalidContext)
// until the next PrimaryContext.
func (d *Device) PrimaryContextRelease() error {
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	if d.primaryRefs == 0 {
		return fmt.Errorf("streaming: release of device %d's primary context, which is not retained: %w", d.ordinal, ErrInvalidContext)
	}
	d.primaryRefs--
	if d.primaryRefs > 0 {
		return nil
	}
	c := d.primary
	d.removeContext(c)
	return c.destroy()
}

// PrimaryContextState reports the primary context's flags and whether it is
// active (retained at least once).
func (d *Device) PrimaryContextState() (flags uint32, active bool) {
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	return d.primaryFlags, d.primaryRefs > 0
}

// SetPrimaryContextFlags sets the flags the primary context has, or will
// be created with (the Ctx* flags; unknown bits are ErrInvalidValue).
func (d *Device) SetPrimaryContextFlags(flags uint32) error {
	if err := checkCtxFlags(flags); err != nil {
		return err
	}
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	d.primaryFlags = flags
	if d.primaryRefs > 0 {
		d.primary.flags.Store(flags)
	}
	return nil
}

// PrimaryContextReset destroys everything the primary context owns
// (memory, modules, streams, events, graphs) and resets its limits, as
// cuDevicePrimaryCtxReset does. The *Context stays the same and usable,
// with its default stream and retain count; handles of what it owned are
// invalid. A primary context that is not retained has nothing to reset.
func (d *Device) PrimaryContextReset() error {
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	if d.primaryRefs == 0 {
		return nil
	}
	return d.primary.reset()
}

// NewContext creates a context on the device (cuCtxCreate). Close destroys
// it and everything it owns.
func (d *Device) NewContext(flags uint32) (*Context, error) {
	if d.rt.isClosed() {
		return nil, fmt.Errorf("streaming: new context on device %d: runtime closed: %w", d.ordinal, ErrDeinitialized)
	}
	c, err := newContext(d, flags, false)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.closed {
		// Runtime.Close ran meanwhile: it would never destroy c.
		d.mu.Unlock()
		c.destroy()
		return nil, fmt.Errorf("streaming: new context on device %d: runtime closed: %w", d.ordinal, ErrDeinitialized)
	}
	d.contexts[c] = true
	d.mu.Unlock()
	return c, nil
}

func (d *Device) removeContext(c *Context) {
	d.mu.Lock()
	delete(d.contexts, c)
	d.mu.Unlock()
}

// close destroys every context of the device (Runtime.Close), waiting for
// their work until deadline. It holds primaryMu throughout, so a
// concurrent retain, release or reset of the primary context runs before it
// or after it, never interleaved.
func (d *Device) close(deadline time.Time) error {
	d.primaryMu.Lock()
	defer d.primaryMu.Unlock()
	d.primary = nil
	d.primaryRefs = 0
	d.mu.Lock()
	d.closed = true
	ctxs := make([]*Context, 0, len(d.contexts))
	for c := range d.contexts {
		ctxs = append(ctxs, c)
	}
	d.contexts = map[*Context]bool{}
	pools := keys(d.pools)
	d.defaultPool, d.currentPool, d.pools = nil, nil, map[*MemPool]bool{}
	d.mu.Unlock()
	var errs []error
	for _, c := range ctxs {
		// A context the user destroys concurrently is destroyed once.
		if err := skipGone(c.teardown(false, deadline)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range pools {
		p.destroy()
	}
	d.freeStages()
	return errors.Join(errs...)
}

// CanAccessPeer reports whether this device can use peer's memory directly
// (cuDeviceCanAccessPeer): CPU devices of one runtime can; GPUs as their
// driver says; devices of different drivers cannot (MemcpyPeer still works
// between them, through the host).
func (d *Device) CanAccessPeer(peer *Device) bool {
	if peer == nil || peer == d || peer.rt != d.rt || peer.info.Driver != d.info.Driver {
		return false
	}
	return halCanAccessPeer(d.hal, peer.hal)
}

// P2PAttribute is a peer-to-peer property of a pair of devices.
type P2PAttribute int

// Peer attributes (the values of CUdevice_P2PAttribute).
const (
	P2PPerformanceRank       P2PAttribute = 1
	P2PAccessSupported       P2PAttribute = 2
	P2PNativeAtomicSupported P2PAttribute = 3
	P2PCudaArrayAccess       P2PAttribute = 4
)

// P2PAttribute returns a peer-to-peer attribute between d and peer.
func (d *Device) P2PAttribute(attr P2PAttribute, peer *Device) (int, error) {
	if peer == nil || peer == d || peer.rt != d.rt {
		return 0, fmt.Errorf("streaming: P2P attribute between device %d and %v: %w", d.ordinal, peer, ErrInvalidDevice)
	}
	can := d.CanAccessPeer(peer)
	switch attr {
	case P2PPerformanceRank:
		return 0, nil
	case P2PAccessSupported:
		return b2i(can), nil
	case P2PNativeAtomicSupported:
		return b2i(can && d.info.Driver == "cpu"), nil
	case P2PCudaArrayAccess:
		return 0, nil
	}
	return 0, fmt.Errorf("streaming: P2P attribute %d: %w", attr, ErrInvalidValue)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EnablePeerAccess lets this device's kernels and copies use peer's memory
// (cuCtxEnablePeerAccess). Enabling twice is ErrPeerAlreadyEnabled.
func (d *Device) EnablePeerAccess(peer *Device) error {
	done, err := d.rt.holdDrivers("enable peer access")
	if err != nil {
		return err
	}
	defer done()
	if !d.CanAccessPeer(peer) {
		return fmt.Errorf("streaming: enable peer access from device %d to %v: not supported between these devices: %w", d.ordinal, peer, ErrInvalidDevice)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.peers[peer] {
		return fmt.Errorf("streaming: peer access from device %d to device %d: %w", d.ordinal, peer.ordinal, ErrPeerAlreadyEnabled)
	}
	if err := halSetPeerAccess(d.hal, peer.hal, true); err != nil {
		return fmt.Errorf("streaming: enable peer access from device %d to device %d: %w", d.ordinal, peer.ordinal, err)
	}
	d.peers[peer] = true
	return nil
}

// DisablePeerAccess undoes EnablePeerAccess; ErrPeerNotEnabled when it was
// not enabled.
func (d *Device) DisablePeerAccess(peer *Device) error {
	done, err := d.rt.holdDrivers("disable peer access")
	if err != nil {
		return err
	}
	defer done()
	d.mu.Lock()
	defer d.mu.Unlock()
	if peer == nil || !d.peers[peer] {
		return fmt.Errorf("streaming: disable peer access from device %d to %v: %w", d.ordinal, peer, ErrPeerNotEnabled)
	}
	if err := halSetPeerAccess(d.hal, peer.hal, false); err != nil {
		return fmt.Errorf("streaming: disable peer access from device %d to device %d: %w", d.ordinal, peer.ordinal, err)
	}
	delete(d.peers, peer)
	return nil
}

// PeerAccessEnabled reports whether EnablePeerAccess(peer) is in effect.
func (d *Device) PeerAccessEnabled(peer *Device) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.peers[peer]
}
