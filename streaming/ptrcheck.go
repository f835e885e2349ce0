package streaming

import (
	"encoding/binary"
	"fmt"
)

// Kernels dereference the addresses they are given without any check, so
// a made-up or freed address crashes a CPU kernel (or faults a GPU). Every
// way arguments reach a kernel goes through checkArgsLocked: Go values of
// any type (Stream.Launch: a parameter is a pointer when the kernel's
// layout says so, whatever Go type carries the value, and also when the
// value is a DevicePtr), kernelParams and packed buffers (the layout
// alone), and graph kernel nodes when they are added, changed,
// instantiated, and again when an exec is launched after memory was freed
// (GraphExec.checkRefs). Null is allowed, and so is one past the end of an
// allocation, as in C and CUDA. Because of that, and because allocators
// reuse freed addresses at once (CUDA's places small allocations back to
// back, so a freed buffer's base is often the end of a live one), graph
// nodes and execs also keep the allocations their arguments resolved to
// and refuse to run once one of them was freed (GraphNode.bound, addrRef).

// addrRef is an address an instantiated graph hands a kernel or a copy,
// with the allocation it resolved to when it was checked.
type addrRef struct {
	a    *allocation
	addr uint64 // the address given
	what string // for errors: "argument 2 of kernel vector_add", "memcpy node destination"
}

// resolveArgLocked finds the allocation a kernel pointer argument points
// into, or one past the end of.
func (t *ptrTable) resolveArgLocked(v uint64) *allocation {
	if a := t.findLocked(v); a != nil {
		return a
	}
	return t.findLocked(v - 1)
}

// checkArgsLocked checks every pointer argument of a launch of f on dev:
// each parameter the layout marks as a pointer, and each one whose Go value
// (args, nil for packed forms) is a DevicePtr, must be null or point into
// (or one past) an allocation dev's kernels may use. When the module
// records no layout, the DevicePtr values are all it knows. refs, when not
// nil, collects what the arguments resolved to. The caller holds t.mu for
// reading.
func (t *ptrTable) checkArgsLocked(what string, f *Function, dev *Device, buf []byte, args []any, refs *[]addrRef) error {
	params := f.params
	if params == nil {
		for i, v := range args {
			if p, ok := v.(DevicePtr); ok && p != 0 {
				if err := t.checkArgLocked(what, f, i, uint64(p), dev, refs); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := range params {
		p := &params[i]
		if !p.Pointer {
			if i >= len(args) {
				continue
			}
			if _, ok := args[i].(DevicePtr); !ok {
				continue
			}
		}
		if p.Size != 8 || uint64(p.Offset)+8 > uint64(len(buf)) {
			continue
		}
		v := binary.LittleEndian.Uint64(buf[p.Offset:])
		if v == 0 {
			continue
		}
		if err := t.checkArgLocked(what, f, i, v, dev, refs); err != nil {
			return err
		}
	}
	return nil
}

func (t *ptrTable) checkArgLocked(what string, f *Function, i int, v uint64, dev *Device, refs *[]addrRef) error {
	a := t.resolveArgLocked(v)
	if a == nil {
		return fmt.Errorf("streaming: %s %s: argument %d: pointer %#x is not inside any allocation: %w", what, f.Name(), i, v, ErrInvalidValue)
	}
	if why := a.unusableBy(dev); why != "" {
		return fmt.Errorf("streaming: %s %s on device %d: argument %d: pointer %#x %s: %w", what, f.Name(), dev.ordinal, i, v, why, ErrInvalidValue)
	}
	if refs != nil {
		*refs = append(*refs, addrRef{a: a, addr: v, what: fmt.Sprintf("argument %d of kernel %s", i, f.Name())})
	}
	return nil
}

// unusableBy says why kernels of dev may not dereference addresses of the
// table entry a, or returns "" when they may. Memory of dev itself is
// usable; page-locked, registered and managed memory is usable by every
// device of its driver that shares one address space with it (CUDA's
// unified addressing maps it into every context), and by CPU kernels at
// its host address; device memory of another device only once peer access
// to it is enabled (Device.EnablePeerAccess), as CUDA requires, where the
// same driver could reach it at all.
func (a *allocation) unusableBy(dev *Device) string {
	if a.primary != nil && dev.info.Driver != "cpu" {
		// The host address of memory whose device address differs.
		return fmt.Sprintf("is the host address of %v memory whose device address is %#x", a.kind, a.primary.base)
	}
	o := a.owner()
	if o.dev == dev {
		return ""
	}
	sameSpace := o.dev.info.Driver == dev.info.Driver && o.dev.info.UnifiedAddressing && dev.info.UnifiedAddressing
	if o.kind.IsHost() {
		if sameSpace || (dev.info.Driver == "cpu" && a.host != nil && uint64(uintptr(a.host)) == a.base) {
			return ""
		}
		return fmt.Sprintf("is %v memory of device %d (%s), which device %d cannot address", o.kind, o.dev.ordinal, o.dev.info.Driver, dev.ordinal)
	}
	if sameSpace && dev.CanAccessPeer(o.dev) {
		if dev.PeerAccessEnabled(o.dev) {
			return ""
		}
		return fmt.Sprintf("is %v memory of device %d, and peer access from device %d to it is not enabled (EnablePeerAccess)", o.kind, o.dev.ordinal, dev.ordinal)
	}
	return fmt.Sprintf("is %v memory of device %d (%s), which device %d cannot address", o.kind, o.dev.ordinal, o.dev.info.Driver, dev.ordinal)
}

// checkNodeArgs checks a kernel node's arguments when the node is added or
// changed, against the device of its function's context (the graph has no
// context yet; Instantiate checks again against its own), and returns the
// allocations they resolved to (GraphNode.bound).
func checkNodeArgs(f *Function, buf []byte, args []any) ([]addrRef, error) {
	t := &f.mod.ctx.rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	var refs []addrRef
	if err := t.checkArgsLocked("kernel node", f, f.mod.ctx.dev, buf, args, &refs); err != nil {
		return nil, err
	}
	return refs, nil
}

// checkRefs re-checks, before a launch of x, the allocations x's nodes
// use, when memory was freed since they were last checked: a node whose
// allocation was freed makes the launch ErrInvalidValue, also when new
// memory happens to be at the same address now (it may be smaller, and
// belongs to someone else); SetKernelNodeParams or Update points the node
// at live memory. The caller holds x.mu.
func (x *GraphExec) checkRefs(t *ptrTable) error {
	frees := t.frees.Load()
	if frees == x.checkedFrees {
		return nil
	}
	for _, p := range x.plan {
		for i := range p.refs {
			if r := &p.refs[i]; r.a.freed.Load() {
				return fmt.Errorf("streaming: launch of a graph exec: its %s, %#x, was freed since it was instantiated or set (update the node): %w", r.what, r.addr, ErrInvalidValue)
			}
		}
	}
	x.checkedFrees = frees
	return nil
}
