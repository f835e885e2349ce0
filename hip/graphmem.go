package hip

import "github.com/streamhal/streamhal/streaming"

// MemAllocNodeParams is hipMemAllocNodeParams: PoolProps says where the
// memory lives (AllocType HipMemAllocationTypePinned, a device Location,
// no handle types), AccessDescs which other devices may use it (they need
// peer access), Bytesize its size, and Dptr is the address, set by
// GraphAddMemAllocNode.
type MemAllocNodeParams struct {
	PoolProps   MemPoolProps
	AccessDescs []MemAccessDesc
	Bytesize    uint64
	Dptr        DevicePtr
}

// GraphAddMemAllocNode is hipGraphAddMemAllocNode: the node's memory is
// reserved now and its address, stored in p.Dptr, is fixed for the
// graph's life; each launch allocates it (package streaming's graph
// memory rules, which are CUDA's and HIP's).
func GraphAddMemAllocNode(g Graph, deps []GraphNode, p *MemAllocNodeParams) (GraphNode, error) {
	const call = "hipGraphAddMemAllocNode"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	if p == nil {
		return nil, fail(call, HipErrorInvalidValue, "null parameters")
	}
	if p.PoolProps.AllocType != HipMemAllocationTypePinned {
		return nil, fail(call, HipErrorInvalidValue, "allocation type %v", p.PoolProps.AllocType)
	}
	if p.PoolProps.HandleTypes != HipMemHandleTypeNone {
		return nil, fail(call, HipErrorInvalidValue, "graph memory has no shareable handles (%v)", p.PoolProps.HandleTypes)
	}
	d, err := locationDevice(p.PoolProps.Location)
	if err != nil {
		return nil, ret(call, err)
	}
	for _, a := range p.AccessDescs {
		peer, err := locationDevice(a.Location)
		if err != nil {
			return nil, ret(call, err)
		}
		if peer != d && a.Flags != HipMemAccessFlagsProtNone && !peer.CanAccessPeer(d) {
			return nil, fail(call, HipErrorInvalidDevice, "device %d cannot access device %d's memory", a.Location.ID, p.PoolProps.Location.ID)
		}
	}
	n, err := g.AddMemAllocNode(deps, d, p.Bytesize)
	if err != nil {
		return nil, ret(call, err)
	}
	ap, _ := n.MemAllocParams()
	p.Dptr = ap.Ptr
	return n, nil
}

// GraphMemAllocNodeGetParams is hipGraphMemAllocNodeGetParams.
func GraphMemAllocNodeGetParams(n GraphNode) (MemAllocNodeParams, error) {
	const call = "hipGraphMemAllocNodeGetParams"
	if n == nil {
		return MemAllocNodeParams{}, fail(call, HipErrorInvalidValue, "null node")
	}
	p, err := n.MemAllocParams()
	if err != nil {
		return MemAllocNodeParams{}, ret(call, err)
	}
	loc := MemLocation{Type: HipMemLocationTypeDevice, ID: p.Device.Ordinal()}
	return MemAllocNodeParams{
		PoolProps:   MemPoolProps{AllocType: HipMemAllocationTypePinned, Location: loc},
		AccessDescs: []MemAccessDesc{{Location: loc, Flags: HipMemAccessFlagsProtReadWrite}},
		Bytesize:    p.Size, Dptr: p.Ptr,
	}, nil
}

// GraphAddMemFreeNode is hipGraphAddMemFreeNode: ptr is an address an
// allocation node returned (of this graph or another); any other address
// is HipErrorInvalidValue.
func GraphAddMemFreeNode(g Graph, deps []GraphNode, ptr DevicePtr) (GraphNode, error) {
	const call = "hipGraphAddMemFreeNode"
	if err := graphOf(g); err != nil {
		return nil, ret(call, err)
	}
	rt, err := openRuntime()
	if err != nil {
		return nil, ret(call, err)
	}
	n, err := g.AddMemFreeNode(deps, rt, ptr)
	return n, ret(call, err)
}

// GraphMemFreeNodeGetParams is hipGraphMemFreeNodeGetParams: the address
// the node frees.
func GraphMemFreeNodeGetParams(n GraphNode) (DevicePtr, error) {
	const call = "hipGraphMemFreeNodeGetParams"
	if n == nil {
		return 0, fail(call, HipErrorInvalidValue, "null node")
	}
	p, err := n.MemFreeAddress()
	return p, ret(call, err)
}

// DeviceGraphMemTrim is hipDeviceGraphMemTrim. Graph memory is reserved
// per allocation node and released with the graphs that hold it, so there
// is no cache to trim: it waits for the device's work and returns.
func DeviceGraphMemTrim(dev Device) error {
	const call = "hipDeviceGraphMemTrim"
	d, err := device(dev)
	if err != nil {
		return ret(call, err, HipErrorInvalidDevice)
	}
	return ret(call, d.GraphMemTrim())
}

// DeviceGetGraphMemAttribute is hipDeviceGetGraphMemAttribute (attr one of
// the HipGraphMemAttr* values).
func DeviceGetGraphMemAttribute(dev Device, attr int) (uint64, error) {
	const call = "hipDeviceGetGraphMemAttribute"
	d, err := device(dev)
	if err != nil {
		return 0, ret(call, err, HipErrorInvalidDevice)
	}
	v, err := d.GraphMemAttribute(streaming.GraphMemAttribute(attr))
	return v, ret(call, err)
}

// DeviceSetGraphMemAttribute is hipDeviceSetGraphMemAttribute: it resets
// the high-water marks (value 0).
func DeviceSetGraphMemAttribute(dev Device, attr int, value uint64) error {
	const call = "hipDeviceSetGraphMemAttribute"
	d, err := device(dev)
	if err != nil {
		return ret(call, err, HipErrorInvalidDevice)
	}
	return ret(call, d.SetGraphMemAttribute(streaming.GraphMemAttribute(attr), value))
}
