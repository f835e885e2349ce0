package hip

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/internal/abi/abitest"
)

// TestSpotValues checks constants against numbers read in the HIP headers
// while transcribing, independently of the tables.
func TestSpotValues(t *testing.T) {
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"HipSuccess", int(HipSuccess), 0},
		{"HipErrorInvalidValue", int(HipErrorInvalidValue), 1},
		{"HipErrorOutOfMemory", int(HipErrorOutOfMemory), 2},
		{"HipErrorNotInitialized", int(HipErrorNotInitialized), 3},
		{"HipErrorInvalidMemcpyDirection", int(HipErrorInvalidMemcpyDirection), 21},
		{"HipErrorInvalidDeviceFunction", int(HipErrorInvalidDeviceFunction), 98},
		{"HipErrorNoDevice", int(HipErrorNoDevice), 100},
		{"HipErrorInvalidDevice", int(HipErrorInvalidDevice), 101},
		{"HipErrorInvalidImage", int(HipErrorInvalidImage), 200},
		{"HipErrorInvalidContext", int(HipErrorInvalidContext), 201},
		{"HipErrorInvalidKernelFile", int(HipErrorInvalidKernelFile), 218},
		{"HipErrorInvalidHandle", int(HipErrorInvalidHandle), 400},
		{"HipErrorIllegalState", int(HipErrorIllegalState), 401},
		{"HipErrorNotFound", int(HipErrorNotFound), 500},
		{"HipErrorNotReady", int(HipErrorNotReady), 600},
		{"HipErrorIllegalAddress", int(HipErrorIllegalAddress), 700},
		{"HipErrorLaunchOutOfResources", int(HipErrorLaunchOutOfResources), 701},
		{"HipErrorLaunchFailure", int(HipErrorLaunchFailure), 719},
		{"HipErrorNotSupported", int(HipErrorNotSupported), 801},
		{"HipErrorStreamCaptureUnsupported", int(HipErrorStreamCaptureUnsupported), 900},
		{"HipErrorGraphExecUpdateFailure", int(HipErrorGraphExecUpdateFailure), 910},
		{"HipErrorInvalidTexture", int(HipErrorInvalidTexture), 912},
		{"HipErrorUnknown", int(HipErrorUnknown), 999},
		{"HipErrorRuntimeMemory", int(HipErrorRuntimeMemory), 1052},
		{"HipErrorRuntimeOther", int(HipErrorRuntimeOther), 1053},
		{"HipErrorTbd", int(HipErrorTbd), 1054},
		{"HipErrorMemoryAllocation", int(HipErrorMemoryAllocation), 2},
		{"HipErrorInvalidResourceHandle", int(HipErrorInvalidResourceHandle), 400},

		// hipDeviceAttribute_t: numbers spelled out by several bindings.
		{"HipDeviceAttributeEccEnabled", int(HipDeviceAttributeEccEnabled), 0},
		{"HipDeviceAttributeClockRate", int(HipDeviceAttributeClockRate), 5},
		{"HipDeviceAttributeComputeCapabilityMajor", int(HipDeviceAttributeComputeCapabilityMajor), 23},
		{"HipDeviceAttributeMaxThreadsPerBlock", int(HipDeviceAttributeMaxThreadsPerBlock), 56},
		{"HipDeviceAttributeComputeCapabilityMinor", int(HipDeviceAttributeComputeCapabilityMinor), 61},
		{"HipDeviceAttributeMultiprocessorCount", int(HipDeviceAttributeMultiprocessorCount), 63},
		{"HipDeviceAttributeTotalGlobalMem", int(HipDeviceAttributeTotalGlobalMem), 84},
		{"HipDeviceAttributeUnifiedAddressing", int(HipDeviceAttributeUnifiedAddressing), 85},
		{"HipDeviceAttributeWarpSize", int(HipDeviceAttributeWarpSize), 87},
		{"HipDeviceAttributeMemoryPoolsSupported", int(HipDeviceAttributeMemoryPoolsSupported), 88},
		{"HipDeviceAttributeMemoryPoolSupportedHandleTypes", int(HipDeviceAttributeMemoryPoolSupportedHandleTypes), 91},
		{"HipDeviceAttributeHostNumaId", int(HipDeviceAttributeHostNumaId), 92},
		{"HipDeviceAttributeDmaBufSupported", int(HipDeviceAttributeDmaBufSupported), 93},
		{"HipDeviceAttributeCudaCompatibleEnd", int(HipDeviceAttributeCudaCompatibleEnd), 9999},
		{"HipDeviceAttributeClockInstructionRate", int(HipDeviceAttributeClockInstructionRate), 10000},
		{"HipDeviceAttributeMaxSharedMemoryPerMultiprocessor", int(HipDeviceAttributeMaxSharedMemoryPerMultiprocessor), 10002},
		{"HipDeviceAttributeIsLargeBar", int(HipDeviceAttributeIsLargeBar), 10011},
		{"HipDeviceAttributeWallClockRate", int(HipDeviceAttributeWallClockRate), 10017},
		{"HipDeviceAttributeNumberOfXccs", int(HipDeviceAttributeNumberOfXccs), 10018},
		{"HipDeviceAttributeExpertSchedMode", int(HipDeviceAttributeExpertSchedMode), 10021},

		{"HIP_FUNC_ATTRIBUTE_NUM_REGS", int(HIP_FUNC_ATTRIBUTE_NUM_REGS), 4},
		{"HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES", int(HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES), 8},
		{"HipFuncAttributeMaxDynamicSharedMemorySize", int(HipFuncAttributeMaxDynamicSharedMemorySize), 8},
		{"HipFuncAttributePreferredSharedMemoryCarveout", int(HipFuncAttributePreferredSharedMemoryCarveout), 9},
		{"HIP_POINTER_ATTRIBUTE_CONTEXT", int(HIP_POINTER_ATTRIBUTE_CONTEXT), 1},
		{"HIP_POINTER_ATTRIBUTE_MEMORY_TYPE", int(HIP_POINTER_ATTRIBUTE_MEMORY_TYPE), 2},
		{"HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL", int(HIP_POINTER_ATTRIBUTE_DEVICE_ORDINAL), 9},
		{"HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE", int(HIP_POINTER_ATTRIBUTE_MEMPOOL_HANDLE), 17},
		{"HipMemPoolAttrReleaseThreshold", int(HipMemPoolAttrReleaseThreshold), 4},
		{"HipLimitMallocHeapSize", int(HipLimitMallocHeapSize), 2},
		{"HipMemcpyHostToHost", int(HipMemcpyHostToHost), 0},
		{"HipMemcpyDeviceToHost", int(HipMemcpyDeviceToHost), 2},
		{"HipMemcpyDefault", int(HipMemcpyDefault), 4},
		{"HipMemcpyDeviceToDeviceNoCU", int(HipMemcpyDeviceToDeviceNoCU), 1024},
		{"HipMemoryTypeUnregistered", int(HipMemoryTypeUnregistered), 0},
		{"HipMemoryTypeHost", int(HipMemoryTypeHost), 1},
		{"HipMemoryTypeDevice", int(HipMemoryTypeDevice), 2},
		{"HipMemoryTypeManaged", int(HipMemoryTypeManaged), 3},
		{"HipMemoryTypeArray", int(HipMemoryTypeArray), 10},
		{"HipMemoryTypeUnified", int(HipMemoryTypeUnified), 11},
		{"HipMemAdviseSetCoarseGrain", int(HipMemAdviseSetCoarseGrain), 100},
		{"HipStreamCaptureModeRelaxed", int(HipStreamCaptureModeRelaxed), 2},
		{"HipGraphNodeTypeMemcpyToSymbol", int(HipGraphNodeTypeMemcpyToSymbol), 13},
		{"HipDevP2PAttrAccessSupported", int(HipDevP2PAttrAccessSupported), 1},

		{"HipStreamNonBlocking", HipStreamNonBlocking, 1},
		{"HipEventDisableTiming", HipEventDisableTiming, 2},
		{"HipEventInterprocess", HipEventInterprocess, 4},
		{"HipHostMallocMapped", HipHostMallocMapped, 2},
		{"HipHostMallocCoherent", HipHostMallocCoherent, 0x40000000},
		{"HipHostMallocNonCoherent", HipHostMallocNonCoherent, 0x80000000},
		{"HipHostRegisterMapped", HipHostRegisterMapped, 2},
		{"HipMemAttachGlobal", HipMemAttachGlobal, 1},
		{"HipDeviceScheduleBlockingSync", HipDeviceScheduleBlockingSync, 4},
		{"HipDeviceMapHost", HipDeviceMapHost, 8},
		{"HIP_LAUNCH_PARAM_BUFFER_POINTER", int(HIP_LAUNCH_PARAM_BUFFER_POINTER), 1},
		{"HIP_LAUNCH_PARAM_BUFFER_SIZE", int(HIP_LAUNCH_PARAM_BUFFER_SIZE), 2},
		{"HIP_LAUNCH_PARAM_END", int(HIP_LAUNCH_PARAM_END), 3},
		{"HIP_IPC_HANDLE_SIZE", HIP_IPC_HANDLE_SIZE, 64},
		{"HipCpuDeviceId", HipCpuDeviceId, -1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

type table struct {
	tab []enumName
	str func(int) string
}

func nameTables() map[string]table {
	errs := make([]enumName, len(errorTable))
	for i, e := range errorTable {
		errs[i] = enumName{int(e.e), e.name}
	}
	return map[string]table{
		"Error":                   {errs, func(v int) string { return Error(v).String() }},
		"DeviceAttribute":         {deviceAttributeNames, func(v int) string { return DeviceAttribute(v).String() }},
		"FunctionAttribute":       {functionAttributeNames, func(v int) string { return FunctionAttribute(v).String() }},
		"FuncAttribute":           {funcAttributeNames, func(v int) string { return FuncAttribute(v).String() }},
		"PointerAttribute":        {pointerAttributeNames, func(v int) string { return PointerAttribute(v).String() }},
		"MemPoolAttr":             {memPoolAttrNames, func(v int) string { return MemPoolAttr(v).String() }},
		"Limit":                   {limitNames, func(v int) string { return Limit(v).String() }},
		"MemcpyKind":              {memcpyKindNames, func(v int) string { return MemcpyKind(v).String() }},
		"MemoryType":              {memoryTypeNames, func(v int) string { return MemoryType(v).String() }},
		"MemoryAdvise":            {memoryAdviseNames, func(v int) string { return MemoryAdvise(v).String() }},
		"MemRangeAttribute":       {memRangeAttributeNames, func(v int) string { return MemRangeAttribute(v).String() }},
		"FuncCache":               {funcCacheNames, func(v int) string { return FuncCache(v).String() }},
		"SharedMemConfig":         {sharedMemConfigNames, func(v int) string { return SharedMemConfig(v).String() }},
		"StreamCaptureMode":       {streamCaptureModeNames, func(v int) string { return StreamCaptureMode(v).String() }},
		"StreamCaptureStatus":     {streamCaptureStatusNames, func(v int) string { return StreamCaptureStatus(v).String() }},
		"GraphExecUpdateResult":   {graphExecUpdateResultNames, func(v int) string { return GraphExecUpdateResult(v).String() }},
		"GraphNodeType":           {graphNodeTypeNames, func(v int) string { return GraphNodeType(v).String() }},
		"MemLocationType":         {memLocationTypeNames, func(v int) string { return MemLocationType(v).String() }},
		"MemAccessFlags":          {memAccessFlagsNames, func(v int) string { return MemAccessFlags(v).String() }},
		"MemAllocationType":       {memAllocationTypeNames, func(v int) string { return MemAllocationType(v).String() }},
		"MemAllocationHandleType": {memAllocationHandleTypeNames, func(v int) string { return MemAllocationHandleType(v).String() }},
		"DeviceP2PAttr":           {deviceP2PAttrNames, func(v int) string { return DeviceP2PAttr(v).String() }},
		"ComputeMode":             {computeModeNames, func(v int) string { return ComputeMode(v).String() }},
	}
}

// aliases are constants that share a value with a preferred name, which is
// the one the tables report (the ROCm 6.x spelling).
var aliases = map[string]string{
	"HipErrorMemoryAllocation":              "hipErrorOutOfMemory",
	"HipErrorInitializationError":           "hipErrorNotInitialized",
	"HipErrorMapBufferObjectFailed":         "hipErrorMapFailed",
	"HipErrorInvalidResourceHandle":         "hipErrorInvalidHandle",
	"HipDeviceAttributeCudaCompatibleBegin": "hipDeviceAttributeEccEnabled",
	"HipDeviceAttributePciDomainId":         "hipDeviceAttributePciDomainID",
	"HipDeviceAttributeAmdSpecificBegin":    "hipDeviceAttributeClockInstructionRate",
	"HipMemLocationTypeNone":                "hipMemLocationTypeInvalid",
}

// goName is the Go spelling of a C name: first letter capitalised.
func goName(c string) string { return strings.ToUpper(c[:1]) + c[1:] }

// TestTablesMatchSource checks every name table against the constants as
// declared: values strictly increasing, names unique, every row backed by a
// constant of the Go spelling of that name and of that value, and every
// constant either named by its row or a known alias of it.
func TestTablesMatchSource(t *testing.T) {
	consts := abitest.ParseConsts(t, "error.go", "enums.go")
	tables := nameTables()
	byName := map[string]abitest.Const{}
	perType := map[string]int{}
	nAliases := map[string]int{}
	for _, c := range consts {
		e, ok := tables[c.Type]
		if !ok {
			t.Errorf("constant %s has type %s, which has no name table", c.Name, c.Type)
			continue
		}
		byName[c.Name] = c
		perType[c.Type]++
		got := e.str(c.Value)
		if a, ok := aliases[c.Name]; ok {
			nAliases[c.Type]++
			if got != a {
				t.Errorf("alias %s: %s(%d).String() = %q, want %q", c.Name, c.Type, c.Value, got, a)
			}
			continue
		}
		if goName(got) != c.Name {
			t.Errorf("%s(%d).String() = %q, constant is %s", c.Type, c.Value, got, c.Name)
		}
	}
	for typ, e := range tables {
		names := map[string]bool{}
		for i, row := range e.tab {
			if i > 0 && row.v <= e.tab[i-1].v {
				t.Errorf("%s: row %d (%s = %d) not above the previous value %d", typ, i, row.name, row.v, e.tab[i-1].v)
			}
			if names[row.name] {
				t.Errorf("%s: name %s listed twice", typ, row.name)
			}
			names[row.name] = true
			c, ok := byName[goName(row.name)]
			switch {
			case !ok:
				t.Errorf("%s: row %s has no constant %s", typ, row.name, goName(row.name))
			case c.Type != typ || c.Value != row.v:
				t.Errorf("%s: row %s = %d, constant is %s = %d", typ, row.name, row.v, c.Type, c.Value)
			}
		}
		if n := len(e.tab) + nAliases[typ]; n != perType[typ] {
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

func TestEnumStringUnknown(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DeviceAttribute(500).String(), "DeviceAttribute(500)"},
		{MemoryType(4).String(), "MemoryType(4)"},
		{MemcpyKind(5).String(), "MemcpyKind(5)"},
		{Error(12345).String(), "Error(12345)"},
		{HipDeviceAttributeWarpSize.String(), "hipDeviceAttributeWarpSize"},
		{HipMemcpyDeviceToDeviceNoCU.String(), "hipMemcpyDeviceToDeviceNoCU"},
		{HIP_POINTER_ATTRIBUTE_MEMORY_TYPE.String(), "HIP_POINTER_ATTRIBUTE_MEMORY_TYPE"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		e    Error
		want string
	}{
		{HipSuccess, "hipSuccess: no error"},
		{HipErrorInvalidValue, "hipErrorInvalidValue: invalid argument"},
		{HipErrorOutOfMemory, "hipErrorOutOfMemory: out of memory"},
		{HipErrorNoDevice, "hipErrorNoDevice: no ROCm-capable device is detected"},
		{HipErrorNotReady, "hipErrorNotReady: device not ready"},
		{HipErrorInvalidKernelFile, "hipErrorInvalidKernelFile: invalid kernel file"},
		{HipErrorUnknown, "hipErrorUnknown: unknown error"},
		{Error(10), "Error(10): unknown error"},
		{Error(-3), "Error(-3): unknown error"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error(%d).Error() = %q, want %q", int(c.e), got, c.want)
		}
	}
	for _, x := range errorTable {
		if x.desc == "" || strings.TrimSpace(x.desc) != x.desc {
			t.Errorf("%s: bad description %q", x.name, x.desc)
		}
		if !strings.HasPrefix(x.name, "hip") {
			t.Errorf("%d: bad name %q", x.e, x.name)
		}
		if GetErrorName(x.e) != x.name || GetErrorString(x.e) != x.desc {
			t.Errorf("GetErrorName/String(%d) = %q, %q", int(x.e), GetErrorName(x.e), GetErrorString(x.e))
		}
	}
	if got := GetErrorName(HipErrorInvalidValue); got != "hipErrorInvalidValue" {
		t.Errorf("GetErrorName(HipErrorInvalidValue) = %q", got)
	}
	if got := GetErrorName(Error(10)); got != "hipErrorUnknown" {
		t.Errorf("GetErrorName(10) = %q, want hipErrorUnknown as the runtime says", got)
	}
	if got := GetErrorString(Error(10)); got != "unknown error" {
		t.Errorf("GetErrorString(10) = %q, want \"unknown error\" as the runtime says", got)
	}
}

func TestErrorsIsWrapped(t *testing.T) {
	err := fmt.Errorf("hip: hipMalloc 1 GiB: %w", HipErrorOutOfMemory)
	err = fmt.Errorf("outer: %w", err)
	if !errors.Is(err, HipErrorOutOfMemory) {
		t.Error("errors.Is(wrapped, HipErrorOutOfMemory) = false")
	}
	if !errors.Is(err, HipErrorMemoryAllocation) {
		t.Error("the deprecated alias does not match")
	}
	if errors.Is(err, HipErrorInvalidValue) {
		t.Error("errors.Is(wrapped OutOfMemory, HipErrorInvalidValue) = true")
	}
	if !errors.Is(err, hal.ErrOutOfMemory) {
		t.Error("errors.Is(wrapped OutOfMemory, hal.ErrOutOfMemory) = false")
	}
	if errors.Is(err, hal.ErrNotFound) {
		t.Error("errors.Is(wrapped OutOfMemory, hal.ErrNotFound) = true")
	}
	var e Error
	if !errors.As(err, &e) || e != HipErrorOutOfMemory {
		t.Errorf("errors.As = %v", e)
	}
}

func TestErrorOf(t *testing.T) {
	sentinels := []error{
		hal.ErrInvalidValue, hal.ErrInvalidHandle, hal.ErrInvalidDevice, hal.ErrInvalidImage, hal.ErrNotFound,
		hal.ErrOutOfMemory, hal.ErrNotReady, hal.ErrNotSupported, hal.ErrNotAvailable, hal.ErrLaunchFailed,
		hal.ErrLaunchResources, hal.ErrAlreadyMapped, hal.ErrNotMapped, hal.ErrPeerAlreadyEnabled,
		hal.ErrPeerNotEnabled, hal.ErrNoBinaryForDevice, hal.ErrCaptureInvalidated, hal.ErrCaptureUnsupported,
		hal.ErrCaptureUnmatched, hal.ErrCaptureUnjoined, hal.ErrCaptureIsolation, hal.ErrCaptureImplicit, hal.ErrIllegalState, hal.ErrIllegalAddress, hal.ErrDeinitialized, hal.ErrNotInitialized,
		hal.ErrAlreadyAcquired, hal.ErrInvalidContext, hal.ErrContextAlreadyCurrent, hal.ErrInvalidPTX, hal.ErrCooperativeLaunchTooLarge, hal.ErrAssert,
	}
	for _, s := range sentinels {
		e := ErrorOf(fmt.Errorf("streaming: op with argument 2: %w", s))
		if e == HipErrorUnknown || e == HipSuccess || !errors.Is(e, s) {
			t.Errorf("ErrorOf(%v) = %v", s, e)
		}
	}
	for _, c := range []struct {
		err  error
		want Error
	}{
		{nil, HipSuccess},
		{HipErrorNotReady, HipErrorNotReady},
		{fmt.Errorf("x: %w", HipErrorInvalidKernelFile), HipErrorInvalidKernelFile},
		{fmt.Errorf("streaming: memcpy: %w", hal.ErrInvalidValue), HipErrorInvalidValue},
		{fmt.Errorf("streaming: load: %w", hal.ErrInvalidImage), HipErrorInvalidImage},
		// PTX the CPU backend's translator refuses comes with both.
		{fmt.Errorf("hal/cpu: load: %w: %w", hal.ErrInvalidPTX, hal.ErrInvalidImage), HipErrorInvalidKernelFile},
		{hal.ErrTimeout, HipErrorUnknown},
		{io.EOF, HipErrorUnknown},
	} {
		if got := ErrorOf(c.err); got != c.want {
			t.Errorf("ErrorOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestDevicePropLayout checks the C layout against offsets from an
// independent transcription of hipDeviceProp_tR0600 (gcnArchName at 1160,
// 1472 bytes in all) and against C alignment rules worked out by hand.
func TestDevicePropLayout(t *testing.T) {
	var p DevicePropR0600
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof", unsafe.Sizeof(p), 1472},
		{"gcnArchName", unsafe.Offsetof(p.GcnArchName), 1160},
		{"uuid", unsafe.Offsetof(p.UUID), 256},
		{"totalGlobalMem", unsafe.Offsetof(p.TotalGlobalMem), 288},
		{"memPitch", unsafe.Offsetof(p.MemPitch), 312},
		{"totalConstMem", unsafe.Offsetof(p.TotalConstMem), 352},
		{"surfaceAlignment", unsafe.Offsetof(p.SurfaceAlignment), 568},
		{"sharedMemPerMultiprocessor", unsafe.Offsetof(p.SharedMemPerMultiprocessor), 640},
		{"reserved", unsafe.Offsetof(p.Reserved), 780},
		{"hipReserved", unsafe.Offsetof(p.HipReserved), 1032},
		{"maxSharedMemoryPerMultiProcessor", unsafe.Offsetof(p.MaxSharedMemoryPerMultiProcessor), 1416},
		{"hdpMemFlushCntl", unsafe.Offsetof(p.HdpMemFlushCntl), 1432},
		{"asicRevision", unsafe.Offsetof(p.AsicRevision), 1468},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestDevicePropConversion fills every numeric field of the C layout with a
// distinct value and checks that each lands in the same-named Go field, so a
// crossed wire in DeviceProp() cannot pass.
func TestDevicePropConversion(t *testing.T) {
	var raw DevicePropR0600
	rv := reflect.ValueOf(&raw).Elem()
	next := int64(1000)
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Int32, reflect.Int64:
			f.SetInt(next)
			next++
		case reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			f.SetUint(uint64(next))
			next++
		case reflect.Array:
			if f.Type().Elem().Kind() == reflect.Int32 {
				for j := 0; j < f.Len(); j++ {
					f.Index(j).SetInt(next)
					next++
				}
			}
		}
	}
	copy(raw.Name[:], "AMD Instinct MI210\x00garbage after the terminator")
	copy(raw.GcnArchName[:], "gfx90a:sramecc+:xnack-")
	for i := range raw.UUID {
		raw.UUID[i] = byte(0xA0 + i)
	}
	raw.Arch = 1<<0 | 1<<7 | 1<<15 // int32 atomics, doubles, 3D grid

	p := raw.DeviceProp()
	pv := reflect.ValueOf(p)
	checked := 0
	for i := 0; i < pv.NumField(); i++ {
		name := pv.Type().Field(i).Name
		src := rv.FieldByName(name)
		if !src.IsValid() {
			t.Errorf("DeviceProp.%s has no DevicePropR0600 field", name)
			continue
		}
		dst := pv.Field(i)
		switch {
		case dst.Kind() == reflect.Int && (src.Kind() == reflect.Int32):
			if dst.Int() != src.Int() {
				t.Errorf("%s = %d, want %d", name, dst.Int(), src.Int())
			}
		case dst.Kind() == reflect.Array && dst.Type().Elem().Kind() == reflect.Int:
			for j := 0; j < dst.Len(); j++ {
				if dst.Index(j).Int() != src.Index(j).Int() {
					t.Errorf("%s[%d] = %d, want %d", name, j, dst.Index(j).Int(), src.Index(j).Int())
				}
			}
		case dst.Kind() == reflect.Uint32 || dst.Kind() == reflect.Uint64 || dst.Kind() == reflect.Uintptr:
			if dst.Uint() != src.Uint() {
				t.Errorf("%s = %d, want %d", name, dst.Uint(), src.Uint())
			}
		default:
			continue // strings, byte arrays and Arch are checked below
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d numeric fields compared", checked)
	}
	if p.Name != "AMD Instinct MI210" {
		t.Errorf("Name = %q", p.Name)
	}
	if p.GcnArchName != "gfx90a:sramecc+:xnack-" {
		t.Errorf("GcnArchName = %q", p.GcnArchName)
	}
	if p.UUID != raw.UUID || p.UUID[15] != 0xAF {
		t.Errorf("UUID = %x", p.UUID)
	}
	want := DeviceArch{HasGlobalInt32Atomics: true, HasDoubles: true, Has3dGrid: true}
	if p.Arch != want {
		t.Errorf("Arch = %+v, want %+v", p.Arch, want)
	}
	var full [256]byte
	for i := range full {
		full[i] = 'x'
	}
	raw.Name = full
	if got := raw.DeviceProp().Name; len(got) != 256 {
		t.Errorf("unterminated name: len %d, want 256", len(got))
	}
}

func TestDecodeDeviceArchAllBits(t *testing.T) {
	a := reflect.ValueOf(DecodeDeviceArch(1<<17 - 1))
	for i := 0; i < a.NumField(); i++ {
		if !a.Field(i).Bool() {
			t.Errorf("all bits set: %s false", a.Type().Field(i).Name)
		}
	}
	if a.NumField() != 17 {
		t.Errorf("DeviceArch has %d flags, hipDeviceArch_t has 17", a.NumField())
	}
	for i := 0; i < 17; i++ {
		v := reflect.ValueOf(DecodeDeviceArch(1 << i))
		n := 0
		for j := 0; j < v.NumField(); j++ {
			if v.Field(j).Bool() {
				n++
				if j != i {
					t.Errorf("bit %d set field %d", i, j)
				}
			}
		}
		if n != 1 {
			t.Errorf("bit %d set %d fields", i, n)
		}
	}
}

// TestSentinelColumnComplete checks that every code the runtime can return
// names the hal sentinel it stands for (only hipSuccess and the marker
// hipErrorTbd have none), so that SentinelOf never falls back to its range
// rule for a code of the table.
func TestSentinelColumnComplete(t *testing.T) {
	for _, row := range errorTable {
		none := row.e == HipSuccess || row.e == HipErrorTbd
		if (row.err == nil) != none {
			t.Errorf("%s: sentinel %v", row.name, row.err)
		}
		if !none && SentinelOf(row.e) != row.err {
			t.Errorf("SentinelOf(%s) = %v, want %v", row.name, SentinelOf(row.e), row.err)
		}
	}
}

// TestAssertError: a failed device-side assert is hipErrorAssert, a launch
// failure too.
func TestAssertError(t *testing.T) {
	if s := SentinelOf(HipErrorAssert); s != hal.ErrAssert {
		t.Errorf("SentinelOf(hipErrorAssert) = %v, want hal.ErrAssert", s)
	}
	if e := ErrorOf(fmt.Errorf("kernel k: %w", hal.ErrAssert)); e != HipErrorAssert {
		t.Errorf("ErrorOf(ErrAssert) = %v, want hipErrorAssert", e)
	}
	if !errors.Is(HipErrorAssert, hal.ErrLaunchFailed) || !errors.Is(HipErrorAssert, hal.ErrAssert) {
		t.Error("hipErrorAssert must match ErrLaunchFailed and ErrAssert")
	}
}
