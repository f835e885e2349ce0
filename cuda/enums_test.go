package cuda

import (
	"github.com/streamhal/streamhal/internal/abi/abitest"
	"testing"
)

// TestSpotValues checks constants against numbers read in cuda.h (CUDA 12.6)
// while transcribing, independently of the tables.
func TestSpotValues(t *testing.T) {
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"CUDA_SUCCESS", int(CUDA_SUCCESS), 0},
		{"CUDA_ERROR_INVALID_VALUE", int(CUDA_ERROR_INVALID_VALUE), 1},
		{"CUDA_ERROR_OUT_OF_MEMORY", int(CUDA_ERROR_OUT_OF_MEMORY), 2},
		{"CUDA_ERROR_NOT_INITIALIZED", int(CUDA_ERROR_NOT_INITIALIZED), 3},
		{"CUDA_ERROR_DEINITIALIZED", int(CUDA_ERROR_DEINITIALIZED), 4},
		{"CUDA_ERROR_STUB_LIBRARY", int(CUDA_ERROR_STUB_LIBRARY), 34},
		{"CUDA_ERROR_DEVICE_UNAVAILABLE", int(CUDA_ERROR_DEVICE_UNAVAILABLE), 46},
		{"CUDA_ERROR_NO_DEVICE", int(CUDA_ERROR_NO_DEVICE), 100},
		{"CUDA_ERROR_INVALID_DEVICE", int(CUDA_ERROR_INVALID_DEVICE), 101},
		{"CUDA_ERROR_INVALID_IMAGE", int(CUDA_ERROR_INVALID_IMAGE), 200},
		{"CUDA_ERROR_INVALID_CONTEXT", int(CUDA_ERROR_INVALID_CONTEXT), 201},
		{"CUDA_ERROR_NO_BINARY_FOR_GPU", int(CUDA_ERROR_NO_BINARY_FOR_GPU), 209},
		{"CUDA_ERROR_INVALID_PTX", int(CUDA_ERROR_INVALID_PTX), 218},
		{"CUDA_ERROR_INVALID_SOURCE", int(CUDA_ERROR_INVALID_SOURCE), 300},
		{"CUDA_ERROR_INVALID_HANDLE", int(CUDA_ERROR_INVALID_HANDLE), 400},
		{"CUDA_ERROR_ILLEGAL_STATE", int(CUDA_ERROR_ILLEGAL_STATE), 401},
		{"CUDA_ERROR_NOT_FOUND", int(CUDA_ERROR_NOT_FOUND), 500},
		{"CUDA_ERROR_NOT_READY", int(CUDA_ERROR_NOT_READY), 600},
		{"CUDA_ERROR_ILLEGAL_ADDRESS", int(CUDA_ERROR_ILLEGAL_ADDRESS), 700},
		{"CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", int(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES), 701},
		{"CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", int(CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED), 704},
		{"CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", int(CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE), 708},
		{"CUDA_ERROR_LAUNCH_FAILED", int(CUDA_ERROR_LAUNCH_FAILED), 719},
		{"CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE", int(CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE), 720},
		{"CUDA_ERROR_NOT_PERMITTED", int(CUDA_ERROR_NOT_PERMITTED), 800},
		{"CUDA_ERROR_NOT_SUPPORTED", int(CUDA_ERROR_NOT_SUPPORTED), 801},
		{"CUDA_ERROR_CDP_VERSION_MISMATCH", int(CUDA_ERROR_CDP_VERSION_MISMATCH), 812},
		{"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", int(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED), 900},
		{"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", int(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED), 901},
		{"CUDA_ERROR_TIMEOUT", int(CUDA_ERROR_TIMEOUT), 909},
		{"CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE", int(CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE), 910},
		{"CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION", int(CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION), 915},
		{"CUDA_ERROR_UNKNOWN", int(CUDA_ERROR_UNKNOWN), 999},

		{"CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK", int(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 1},
		{"CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK", int(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), 8},
		{"CU_DEVICE_ATTRIBUTE_WARP_SIZE", int(CU_DEVICE_ATTRIBUTE_WARP_SIZE), 10},
		{"CU_DEVICE_ATTRIBUTE_CLOCK_RATE", int(CU_DEVICE_ATTRIBUTE_CLOCK_RATE), 13},
		{"CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", int(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), 16},
		{"CU_DEVICE_ATTRIBUTE_PCI_BUS_ID", int(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID), 33},
		{"CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING", int(CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING), 41},
		{"CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID", int(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID), 50},
		{"CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", int(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), 75},
		{"CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", int(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR), 76},
		{"CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY", int(CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY), 83},
		{"CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH", int(CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH), 95},
		{"CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED", int(CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED), 102},
		{"CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED", int(CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED), 115},
		{"CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH", int(CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH), 120},
		{"CU_DEVICE_ATTRIBUTE_D3D12_CIG_SUPPORTED", int(CU_DEVICE_ATTRIBUTE_D3D12_CIG_SUPPORTED), 135},
		{"CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK", int(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 0},
		{"CU_FUNC_ATTRIBUTE_NUM_REGS", int(CU_FUNC_ATTRIBUTE_NUM_REGS), 4},
		{"CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES", int(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), 8},
		{"CU_POINTER_ATTRIBUTE_CONTEXT", int(CU_POINTER_ATTRIBUTE_CONTEXT), 1},
		{"CU_POINTER_ATTRIBUTE_MEMORY_TYPE", int(CU_POINTER_ATTRIBUTE_MEMORY_TYPE), 2},
		{"CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL", int(CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL), 9},
		{"CU_POINTER_ATTRIBUTE_RANGE_START_ADDR", int(CU_POINTER_ATTRIBUTE_RANGE_START_ADDR), 11},
		{"CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE", int(CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE), 17},
		{"CU_MEMPOOL_ATTR_RELEASE_THRESHOLD", int(CU_MEMPOOL_ATTR_RELEASE_THRESHOLD), 4},
		{"CU_LIMIT_MALLOC_HEAP_SIZE", int(CU_LIMIT_MALLOC_HEAP_SIZE), 2},
		{"CU_JIT_INFO_LOG_BUFFER", int(CU_JIT_INFO_LOG_BUFFER), 3},
		{"CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", int(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES), 6},
		{"CU_JIT_OVERRIDE_DIRECTIVE_VALUES", int(CU_JIT_OVERRIDE_DIRECTIVE_VALUES), 33},
		{"CU_JIT_INPUT_PTX", int(CU_JIT_INPUT_PTX), 1},
		{"CU_MEMORYTYPE_HOST", int(CU_MEMORYTYPE_HOST), 1},
		{"CU_MEMORYTYPE_DEVICE", int(CU_MEMORYTYPE_DEVICE), 2},
		{"CU_MEMORYTYPE_UNIFIED", int(CU_MEMORYTYPE_UNIFIED), 4},
		{"CU_MEM_ADVISE_SET_ACCESSED_BY", int(CU_MEM_ADVISE_SET_ACCESSED_BY), 5},
		{"CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED", int(CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED), 2},
		{"CU_STREAM_CAPTURE_MODE_RELAXED", int(CU_STREAM_CAPTURE_MODE_RELAXED), 2},
		{"CU_GRAPH_EXEC_UPDATE_ERROR_ATTRIBUTES_CHANGED", int(CU_GRAPH_EXEC_UPDATE_ERROR_ATTRIBUTES_CHANGED), 8},
		{"CU_GRAPH_NODE_TYPE_MEM_FREE", int(CU_GRAPH_NODE_TYPE_MEM_FREE), 11},
		{"CU_MEM_ACCESS_FLAGS_PROT_READWRITE", int(CU_MEM_ACCESS_FLAGS_PROT_READWRITE), 3},
		{"CU_MEM_LOCATION_TYPE_HOST_NUMA", int(CU_MEM_LOCATION_TYPE_HOST_NUMA), 3},
		{"CU_MEM_HANDLE_TYPE_FABRIC", int(CU_MEM_HANDLE_TYPE_FABRIC), 8},

		{"CU_CTX_SCHED_BLOCKING_SYNC", CU_CTX_SCHED_BLOCKING_SYNC, 4},
		{"CU_CTX_MAP_HOST", CU_CTX_MAP_HOST, 8},
		{"CU_CTX_LMEM_RESIZE_TO_MAX", CU_CTX_LMEM_RESIZE_TO_MAX, 0x10},
		{"CU_STREAM_NON_BLOCKING", CU_STREAM_NON_BLOCKING, 1},
		{"CU_EVENT_DISABLE_TIMING", CU_EVENT_DISABLE_TIMING, 2},
		{"CU_EVENT_INTERPROCESS", CU_EVENT_INTERPROCESS, 4},
		{"CU_MEMHOSTALLOC_DEVICEMAP", CU_MEMHOSTALLOC_DEVICEMAP, 2},
		{"CU_MEMHOSTREGISTER_READ_ONLY", CU_MEMHOSTREGISTER_READ_ONLY, 8},
		{"CU_MEM_ATTACH_GLOBAL", CU_MEM_ATTACH_GLOBAL, 1},
		{"CU_IPC_HANDLE_SIZE", CU_IPC_HANDLE_SIZE, 64},
		{"CU_DEVICE_CPU", CU_DEVICE_CPU, -1},
		{"CU_DEVICE_INVALID", CU_DEVICE_INVALID, -2},
		{"CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY", CUDA_GRAPH_INSTANTIATE_FLAG_USE_NODE_PRIORITY, 8},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// nameTables gives, for each enum type, its name table and its String
// method.
func nameTables() map[string]struct {
	tab []enumName
	str func(int) string
} {
	type entry = struct {
		tab []enumName
		str func(int) string
	}
	return map[string]entry{
		"DeviceAttribute":         {deviceAttributeNames, func(v int) string { return DeviceAttribute(v).String() }},
		"FunctionAttribute":       {functionAttributeNames, func(v int) string { return FunctionAttribute(v).String() }},
		"PointerAttribute":        {pointerAttributeNames, func(v int) string { return PointerAttribute(v).String() }},
		"MemPoolAttribute":        {memPoolAttributeNames, func(v int) string { return MemPoolAttribute(v).String() }},
		"Limit":                   {limitNames, func(v int) string { return Limit(v).String() }},
		"JitOption":               {jitOptionNames, func(v int) string { return JitOption(v).String() }},
		"JitInputType":            {jitInputTypeNames, func(v int) string { return JitInputType(v).String() }},
		"FuncCache":               {funcCacheNames, func(v int) string { return FuncCache(v).String() }},
		"SharedConfig":            {sharedConfigNames, func(v int) string { return SharedConfig(v).String() }},
		"MemAdvice":               {memAdviceNames, func(v int) string { return MemAdvice(v).String() }},
		"MemRangeAttribute":       {memRangeAttributeNames, func(v int) string { return MemRangeAttribute(v).String() }},
		"MemoryType":              {memoryTypeNames, func(v int) string { return MemoryType(v).String() }},
		"ComputeMode":             {computeModeNames, func(v int) string { return ComputeMode(v).String() }},
		"P2PAttribute":            {p2PAttributeNames, func(v int) string { return P2PAttribute(v).String() }},
		"StreamCaptureMode":       {streamCaptureModeNames, func(v int) string { return StreamCaptureMode(v).String() }},
		"StreamCaptureStatus":     {streamCaptureStatusNames, func(v int) string { return StreamCaptureStatus(v).String() }},
		"GraphExecUpdateResult":   {graphExecUpdateResultNames, func(v int) string { return GraphExecUpdateResult(v).String() }},
		"GraphNodeType":           {graphNodeTypeNames, func(v int) string { return GraphNodeType(v).String() }},
		"GraphInstantiateResult":  {graphInstantiateResultNames, func(v int) string { return GraphInstantiateResult(v).String() }},
		"MemAccessFlags":          {memAccessFlagsNames, func(v int) string { return MemAccessFlags(v).String() }},
		"MemLocationType":         {memLocationTypeNames, func(v int) string { return MemLocationType(v).String() }},
		"MemAllocationType":       {memAllocationTypeNames, func(v int) string { return MemAllocationType(v).String() }},
		"MemAllocationHandleType": {memAllocationHandleTypeNames, func(v int) string { return MemAllocationHandleType(v).String() }},
	}
}

// aliases are constants that share a value with a preferred name, which is
// the one the tables report.
var aliases = map[string]string{
	"CU_DEVICE_ATTRIBUTE_SHARED_MEMORY_PER_BLOCK":              "CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK",
	"CU_DEVICE_ATTRIBUTE_REGISTERS_PER_BLOCK":                  "CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK",
	"CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_ARRAY_WIDTH":        "CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_WIDTH",
	"CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_ARRAY_HEIGHT":       "CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_HEIGHT",
	"CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_ARRAY_NUMSLICES":    "CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_LAYERS",
	"CU_DEVICE_ATTRIBUTE_VIRTUAL_ADDRESS_MANAGEMENT_SUPPORTED": "CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED",
	"CU_DEVICE_P2P_ATTRIBUTE_ACCESS_ACCESS_SUPPORTED":          "CU_DEVICE_P2P_ATTRIBUTE_CUDA_ARRAY_ACCESS_SUPPORTED",
}

// TestTablesMatchSource checks every name table against the constants as
// declared: values strictly increasing (so no value is listed twice), names
// unique, every row backed by a constant of that name and value, and every
// constant either named by its row or a known alias of it.
func TestTablesMatchSource(t *testing.T) {
	consts := abitest.ParseConsts(t, "enums.go")
	tables := nameTables()
	byName := map[string]abitest.Const{}
	perType := map[string]int{}
	for _, c := range consts {
		if _, ok := tables[c.Type]; !ok {
			t.Errorf("constant %s has type %s, which has no name table", c.Name, c.Type)
			continue
		}
		byName[c.Name] = c
		perType[c.Type]++
		got := tables[c.Type].str(c.Value)
		want := c.Name
		if a, ok := aliases[c.Name]; ok {
			want = a
		}
		if got != want {
			t.Errorf("%s(%d).String() = %q, want %q", c.Type, c.Value, got, want)
		}
	}
	for typ, e := range tables {
		if len(e.tab) == 0 {
			t.Errorf("%s: empty table", typ)
		}
		names := map[string]bool{}
		for i, row := range e.tab {
			if i > 0 && row.v <= e.tab[i-1].v {
				t.Errorf("%s: row %d (%s = %d) not above the previous value %d", typ, i, row.name, row.v, e.tab[i-1].v)
			}
			if names[row.name] {
				t.Errorf("%s: name %s listed twice", typ, row.name)
			}
			names[row.name] = true
			c, ok := byName[row.name]
			switch {
			case !ok:
				t.Errorf("%s: row %s has no constant", typ, row.name)
			case c.Type != typ || c.Value != row.v:
				t.Errorf("%s: row %s = %d, constant is %s = %d", typ, row.name, row.v, c.Type, c.Value)
			}
		}
		if n := len(e.tab) + countAliases(consts, typ); n != perType[typ] {
			t.Errorf("%s: %d rows and aliases, %d constants", typ, n, perType[typ])
		}
	}
	for a := range aliases {
		if _, ok := byName[a]; !ok {
			t.Errorf("alias %s is not declared", a)
		}
	}
	t.Logf("%d typed constants checked against %d tables", len(consts), len(tables))
}

func countAliases(consts []abitest.Const, typ string) int {
	n := 0
	for _, c := range consts {
		if _, ok := aliases[c.Name]; ok && c.Type == typ {
			n++
		}
	}
	return n
}

func TestEnumStringUnknown(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DeviceAttribute(0).String(), "DeviceAttribute(0)"},
		{DeviceAttribute(123456).String(), "DeviceAttribute(123456)"},
		{MemoryType(0).String(), "MemoryType(0)"},
		{JitOption(-1).String(), "JitOption(-1)"},
		{Result(12345).String(), "Result(12345)"},
		{CU_DEVICE_ATTRIBUTE_WARP_SIZE.String(), "CU_DEVICE_ATTRIBUTE_WARP_SIZE"},
		{CU_MEMORYTYPE_UNIFIED.String(), "CU_MEMORYTYPE_UNIFIED"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
