package cuda

import "github.com/streamhal/streamhal/streaming"

// MemAllocNodeParams is CUDA_MEM_ALLOC_NODE_PARAMS: PoolProps says where
// the memory lives (AllocType CU_MEM_ALLOCATION_TYPE_PINNED, a device
// Location, no handle types), AccessDescs which other devices may use it
// (they need peer access), Bytesize its size, and Dptr is the address,
// set by GraphAddMemAllocNode.
type MemAllocNodeParams struct {
	PoolProps   MemPoolProps
	AccessDescs []MemAccessDesc
	Bytesize    uint64
	Dptr        DevicePtr
}

// GraphMemAttribute is a CUgraphMem_attribute, for
// cuDeviceGetGraphMemAttribute and cuDeviceSetGraphMemAttribute.
type GraphMemAttribute int

// Its values are the CU_GRAPH_MEM_ATTR_* constants (enums.go).

var graphMemAttributeNames = []enumName{
	{0, "CU_GRAPH_MEM_ATTR_USED_MEM_CURRENT"},
	{1, "CU_GRAPH_MEM_ATTR_USED_MEM_HIGH"},
	{2, "CU_GRAPH_MEM_ATTR_RESERVED_MEM_CURRENT"},
	{3, "CU_GRAPH_MEM_ATTR_RESERVED_MEM_HIGH"},
}

// String returns the C name of a, or "GraphMemAttribute(n)" for an unknown value.
func (a GraphMemAttribute) String() string {
	return enumString(graphMemAttributeNames, int(a), "GraphMemAttribute")
}

// GraphAddMemAllocNode is cuGraphAddMemAllocNode: the node's memory is
// reserved now and its address, stored in params.Dptr, is fixed for the
// graph's life; each launch allocates it (see package streaming's graph
// memory rules, which are CUDA's).
func GraphAddMemAllocNode(g *Graph, deps []*GraphNode, params *MemAllocNodeParams) (*GraphNode, error) {
	if err := graph("cuGraphAddMemAllocNode", g); err != nil {
		return nil, err
	}
	if params == nil {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphAddMemAllocNode: NULL parameters")
	}
	d, err := get()
	if err != nil {
		return nil, err
	}
	pp := params.PoolProps
	if pp.AllocType != CU_MEM_ALLOCATION_TYPE_PINNED {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphAddMemAllocNode: allocation type %v", pp.AllocType)
	}
	if pp.HandleTypes != CU_MEM_HANDLE_TYPE_NONE {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphAddMemAllocNode: graph memory has no shareable handles (%v)", pp.HandleTypes)
	}
	sd, err := poolDevice(d, "cuGraphAddMemAllocNode", pp.Location)
	if err != nil {
		return nil, err
	}
	for _, a := range params.AccessDescs {
		peer, err := poolDevice(d, "cuGraphAddMemAllocNode", a.Location)
		if err != nil {
			return nil, err
		}
		if peer != sd && a.Flags != CU_MEM_ACCESS_FLAGS_PROT_NONE && !peer.CanAccessPeer(sd) {
			return nil, failf(CUDA_ERROR_INVALID_DEVICE, "cuGraphAddMemAllocNode: device %d cannot access device %d's memory", a.Location.Id, pp.Location.Id)
		}
	}
	n, err := g.AddMemAllocNode(deps, sd, params.Bytesize)
	if err != nil {
		return nil, fail(err)
	}
	p, _ := n.MemAllocParams()
	params.Dptr = p.Ptr
	return n, nil
}

// GraphMemAllocNodeGetParams is cuGraphMemAllocNodeGetParams.
func GraphMemAllocNodeGetParams(n *GraphNode) (MemAllocNodeParams, error) {
	if n == nil {
		return MemAllocNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphMemAllocNodeGetParams: NULL node")
	}
	p, err := n.MemAllocParams()
	if err != nil {
		return MemAllocNodeParams{}, fail(err)
	}
	loc := MemLocation{Type: CU_MEM_LOCATION_TYPE_DEVICE, Id: p.Device.Ordinal()}
	return MemAllocNodeParams{
		PoolProps:   MemPoolProps{AllocType: CU_MEM_ALLOCATION_TYPE_PINNED, Location: loc},
		AccessDescs: []MemAccessDesc{{Location: loc, Flags: CU_MEM_ACCESS_FLAGS_PROT_READWRITE}},
		Bytesize:    p.Size, Dptr: p.Ptr,
	}, nil
}

// GraphAddMemFreeNode is cuGraphAddMemFreeNode: dptr is an address an
// allocation node returned (of this graph or another); any other address
// is CUDA_ERROR_INVALID_VALUE.
func GraphAddMemFreeNode(g *Graph, deps []*GraphNode, dptr DevicePtr) (*GraphNode, error) {
	if err := graph("cuGraphAddMemFreeNode", g); err != nil {
		return nil, err
	}
	d, err := get()
	if err != nil {
		return nil, err
	}
	return node(g.AddMemFreeNode(deps, d.rt, dptr))
}

// GraphMemFreeNodeGetParams is cuGraphMemFreeNodeGetParams: the address
// the node frees.
func GraphMemFreeNodeGetParams(n *GraphNode) (DevicePtr, error) {
	if n == nil {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "cuGraphMemFreeNodeGetParams: NULL node")
	}
	p, err := n.MemFreeAddress()
	if err != nil {
		return 0, fail(err)
	}
	return p, nil
}

// DeviceGraphMemTrim is cuDeviceGraphMemTrim. Graph memory is reserved
// per allocation node and released with the graphs that hold it, so there
// is no cache to trim: it waits for the device's work and returns.
func DeviceGraphMemTrim(dev Device) error {
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.device(dev)
	if err != nil {
		return err
	}
	return check(sd.GraphMemTrim())
}

// DeviceGetGraphMemAttribute is cuDeviceGetGraphMemAttribute.
func DeviceGetGraphMemAttribute(dev Device, attr GraphMemAttribute) (uint64, error) {
	d, err := get()
	if err != nil {
		return 0, err
	}
	sd, err := d.device(dev)
	if err != nil {
		return 0, err
	}
	v, err := sd.GraphMemAttribute(streaming.GraphMemAttribute(attr))
	if err != nil {
		return 0, fail(err)
	}
	return v, nil
}

// DeviceSetGraphMemAttribute is cuDeviceSetGraphMemAttribute: it resets
// the high-water marks (value 0).
func DeviceSetGraphMemAttribute(dev Device, attr GraphMemAttribute, value uint64) error {
	d, err := get()
	if err != nil {
		return err
	}
	sd, err := d.device(dev)
	if err != nil {
		return err
	}
	return check(sd.SetGraphMemAttribute(streaming.GraphMemAttribute(attr), value))
}
