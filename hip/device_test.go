package hip_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/streaming"
)

func TestInitAndVersions(t *testing.T) {
	setup(t, 1)
	ok(t, "Init(0)", hip.Init(0))
	wantCode(t, "Init(1)", hip.Init(1), hip.HipErrorInvalidValue)
	wantCode(t, "GetLastError", hip.GetLastError(), hip.HipErrorInvalidValue)
	ok(t, "GetLastError after reset", hip.GetLastError())

	v, err := hip.DriverGetVersion()
	ok(t, "DriverGetVersion", err)
	if v != 60400000 {
		t.Errorf("DriverGetVersion = %d, want 60400000", v)
	}
	rv, err := hip.RuntimeGetVersion()
	ok(t, "RuntimeGetVersion", err)
	if rv != v {
		t.Errorf("RuntimeGetVersion = %d, want %d", rv, v)
	}

	// A second InitWithOptions while the runtime is open is refused.
	err = hip.InitWithOptions(streaming.Options{})
	wantCode(t, "InitWithOptions twice", err, hip.HipErrorSetOnActiveProcess)
	hip.GetLastError()
}

func TestDevices(t *testing.T) {
	rt := setup(t, 2)
	n, err := hip.GetDeviceCount()
	ok(t, "GetDeviceCount", err)
	if n != rt.DeviceCount() || n < 1 {
		t.Fatalf("GetDeviceCount = %d, runtime has %d", n, rt.DeviceCount())
	}
	for i, sd := range rt.Devices() {
		d, err := hip.DeviceGet(i)
		ok(t, "DeviceGet", err)
		if int(d) != i {
			t.Errorf("DeviceGet(%d) = %d", i, d)
		}
		info := sd.Info()
		name, err := hip.DeviceGetName(d)
		ok(t, "DeviceGetName", err)
		if name != info.Name || name == "" {
			t.Errorf("DeviceGetName(%d) = %q, want %q", i, name, info.Name)
		}
		uuid, err := hip.DeviceGetUuid(d)
		ok(t, "DeviceGetUuid", err)
		if uuid != info.UUID {
			t.Errorf("DeviceGetUuid(%d) = %x, want %x", i, uuid, info.UUID)
		}
		mem, err := hip.DeviceTotalMem(d)
		ok(t, "DeviceTotalMem", err)
		if mem != info.TotalMem || mem == 0 {
			t.Errorf("DeviceTotalMem(%d) = %d, want %d", i, mem, info.TotalMem)
		}
		major, minor, err := hip.DeviceComputeCapability(d)
		ok(t, "DeviceComputeCapability", err)
		if major != info.ComputeMajor || minor != info.ComputeMinor {
			t.Errorf("DeviceComputeCapability(%d) = %d.%d, want %d.%d", i, major, minor, info.ComputeMajor, info.ComputeMinor)
		}
	}
	for _, bad := range []int{-1, n, n + 100} {
		_, err := hip.DeviceGet(bad)
		wantCode(t, fmt.Sprintf("DeviceGet(%d)", bad), err, hip.HipErrorInvalidDevice)
		_, err = hip.DeviceGetName(hip.Device(bad))
		wantCode(t, fmt.Sprintf("DeviceGetName(%d)", bad), err, hip.HipErrorInvalidDevice)
		_, err = hip.DeviceGetAttribute(hip.HipDeviceAttributeWarpSize, hip.Device(bad))
		wantCode(t, fmt.Sprintf("DeviceGetAttribute(%d)", bad), err, hip.HipErrorInvalidDevice)
		_, err = hip.GetDeviceProperties(hip.Device(bad))
		wantCode(t, fmt.Sprintf("GetDeviceProperties(%d)", bad), err, hip.HipErrorInvalidDevice)
		wantCode(t, fmt.Sprintf("SetDevice(%d)", bad), hip.SetDevice(hip.Device(bad)), hip.HipErrorInvalidDevice)
	}
	hip.GetLastError()
}

func TestDeviceAttributes(t *testing.T) {
	rt := setup(t, 1)
	info := rt.Devices()[0].Info()
	clamp := func(v uint64) int { return int(min(v, math.MaxInt32)) }
	want := map[hip.DeviceAttribute]int{
		hip.HipDeviceAttributeMaxThreadsPerBlock:               info.MaxThreadsPerBlock,
		hip.HipDeviceAttributeMaxBlockDimX:                     info.MaxBlockDim[0],
		hip.HipDeviceAttributeMaxBlockDimY:                     info.MaxBlockDim[1],
		hip.HipDeviceAttributeMaxBlockDimZ:                     info.MaxBlockDim[2],
		hip.HipDeviceAttributeMaxGridDimX:                      info.MaxGridDim[0],
		hip.HipDeviceAttributeMaxGridDimY:                      info.MaxGridDim[1],
		hip.HipDeviceAttributeMaxGridDimZ:                      info.MaxGridDim[2],
		hip.HipDeviceAttributeWarpSize:                         info.WarpSize,
		hip.HipDeviceAttributeMultiprocessorCount:              info.MultiprocessorCount,
		hip.HipDeviceAttributeMaxSharedMemoryPerBlock:          info.SharedMemPerBlock,
		hip.HipDeviceAttributeSharedMemPerBlockOptin:           info.SharedMemPerBlockOptin,
		hip.HipDeviceAttributeMaxThreadsPerMultiProcessor:      info.MaxThreadsPerMultiprocessor,
		hip.HipDeviceAttributeMaxBlocksPerMultiProcessor:       info.MaxBlocksPerMultiprocessor,
		hip.HipDeviceAttributeMaxRegistersPerBlock:             info.RegistersPerBlock,
		hip.HipDeviceAttributeMaxRegistersPerMultiprocessor:    info.RegistersPerMultiprocessor,
		hip.HipDeviceAttributeTotalConstantMemory:              info.TotalConstantMem,
		hip.HipDeviceAttributeTotalGlobalMem:                   clamp(info.TotalMem),
		hip.HipDeviceAttributeMaxPitch:                         clamp(uint64(info.MaxPitch)),
		hip.HipDeviceAttributeTextureAlignment:                 info.TextureAlignment,
		hip.HipDeviceAttributeTexturePitchAlignment:            info.PitchAlignment,
		hip.HipDeviceAttributeComputeCapabilityMajor:           info.ComputeMajor,
		hip.HipDeviceAttributeComputeCapabilityMinor:           info.ComputeMinor,
		hip.HipDeviceAttributePciBusId:                         info.PCIBusID,
		hip.HipDeviceAttributePciDeviceId:                      info.PCIDeviceID,
		hip.HipDeviceAttributePciDomainID:                      info.PCIDomainID,
		hip.HipDeviceAttributeClockRate:                        info.ClockRateKHz,
		hip.HipDeviceAttributeMemoryClockRate:                  info.MemoryClockRateKHz,
		hip.HipDeviceAttributeMemoryBusWidth:                   info.MemoryBusWidth,
		hip.HipDeviceAttributeL2CacheSize:                      info.L2CacheSize,
		hip.HipDeviceAttributeAsyncEngineCount:                 info.AsyncEngineCount,
		hip.HipDeviceAttributeIntegrated:                       b2i(info.Integrated),
		hip.HipDeviceAttributeCanMapHostMemory:                 b2i(info.CanMapHostMemory),
		hip.HipDeviceAttributeUnifiedAddressing:                b2i(info.UnifiedAddressing),
		hip.HipDeviceAttributeManagedMemory:                    b2i(info.ManagedMemory),
		hip.HipDeviceAttributeConcurrentManagedAccess:          b2i(info.ConcurrentManagedAccess),
		hip.HipDeviceAttributeConcurrentKernels:                b2i(info.ConcurrentKernels),
		hip.HipDeviceAttributeCooperativeLaunch:                b2i(info.CooperativeLaunch),
		hip.HipDeviceAttributeEccEnabled:                       b2i(info.ECCEnabled),
		hip.HipDeviceAttributeHostRegisterSupported:            b2i(info.HostRegisterSupported),
		hip.HipDeviceAttributeMemoryPoolsSupported:             b2i(info.MemoryPoolsSupported),
		hip.HipDeviceAttributeStreamPrioritiesSupported:        b2i(info.StreamPriorityLeast != info.StreamPriorityGreatest),
		hip.HipDeviceAttributeComputeMode:                      int(hip.HipComputeModeDefault),
		hip.HipDeviceAttributeMaxSharedMemoryPerMultiprocessor: info.SharedMemPerMultiprocessor,
		hip.HipDeviceAttributeSharedMemPerMultiprocessor:       info.SharedMemPerMultiprocessor,
		hip.HipDeviceAttributePhysicalMultiProcessorCount:      info.MultiprocessorCount,
	}
	for attr, w := range want {
		got, err := hip.DeviceGetAttribute(attr, 0)
		ok(t, attr.String(), err)
		if got != w {
			t.Errorf("DeviceGetAttribute(%v) = %d, want %d", attr, got, w)
		}
	}
	// Values the backend must report sensibly, whatever it is.
	if v, _ := hip.DeviceGetAttribute(hip.HipDeviceAttributeMaxThreadsPerBlock, 0); v < 1 {
		t.Errorf("MaxThreadsPerBlock = %d", v)
	}
	for _, attr := range []hip.DeviceAttribute{hip.HipDeviceAttributeLuid, hip.HipDeviceAttributeHdpMemFlushCntl,
		hip.HipDeviceAttributeCudaCompatibleEnd, hip.HipDeviceAttributeAmdSpecificEnd, -1, 12345} {
		_, err := hip.DeviceGetAttribute(attr, 0)
		wantCode(t, "DeviceGetAttribute("+attr.String()+")", err, hip.HipErrorInvalidValue)
	}

	p, err := hip.GetDeviceProperties(0)
	ok(t, "GetDeviceProperties", err)
	if p.Name != info.Name || p.UUID != info.UUID || p.TotalGlobalMem != info.TotalMem ||
		p.MaxThreadsPerBlock != info.MaxThreadsPerBlock || p.MaxThreadsDim != info.MaxBlockDim ||
		p.MaxGridSize != info.MaxGridDim || p.WarpSize != info.WarpSize || p.GcnArchName != info.Arch ||
		p.MultiProcessorCount != info.MultiprocessorCount || p.SharedMemPerBlock != uint64(info.SharedMemPerBlock) ||
		p.Major != info.ComputeMajor || p.Minor != info.ComputeMinor || p.ManagedMemory != b2i(info.ManagedMemory) ||
		p.PCIBusID != info.PCIBusID || p.PCIDeviceID != info.PCIDeviceID || p.PCIDomainID != info.PCIDomainID {
		t.Errorf("GetDeviceProperties = %+v\ninfo %+v", p, info)
	}
	// Every attribute agrees with the properties it comes from.
	if v, _ := hip.DeviceGetAttribute(hip.HipDeviceAttributeManagedMemory, 0); v != p.ManagedMemory {
		t.Errorf("ManagedMemory attribute %d, property %d", v, p.ManagedMemory)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPCIBusId(t *testing.T) {
	rt := setup(t, 3)
	for i, d := range rt.Devices() {
		id, err := hip.DeviceGetPCIBusId(hip.Device(i))
		ok(t, "DeviceGetPCIBusId", err)
		info := d.Info()
		want := fmt.Sprintf("%04x:%02x:%02x.0", info.PCIDomainID, info.PCIBusID, info.PCIDeviceID)
		if id != want {
			t.Errorf("DeviceGetPCIBusId(%d) = %q, want %q", i, id, want)
		}
		back, err := hip.DeviceGetByPCIBusId(id)
		ok(t, "DeviceGetByPCIBusId", err)
		if int(back) != i {
			t.Errorf("DeviceGetByPCIBusId(%q) = %d, want %d", id, back, i)
		}
		// Upper case, and the short bus:device form (domain 0 only: CPU
		// devices are in the synthetic domain ffff).
		back, err = hip.DeviceGetByPCIBusId(strings.ToUpper(id))
		ok(t, "DeviceGetByPCIBusId upper case", err)
		if int(back) != i {
			t.Errorf("DeviceGetByPCIBusId(%q) = %d, want %d", strings.ToUpper(id), back, i)
		}
		if info.PCIDomainID == 0 {
			back, err = hip.DeviceGetByPCIBusId(id[5:])
			ok(t, "DeviceGetByPCIBusId short", err)
			if int(back) != i {
				t.Errorf("DeviceGetByPCIBusId(%q) = %d, want %d", id[5:], back, i)
			}
		}
	}
	// bus:device without a function is not one of the accepted forms,
	// even where it would name device 0.
	for _, bad := range []string{"", "zz", "0000:ff:1f.0", "1:2:3:4", "00:00"} {
		_, err := hip.DeviceGetByPCIBusId(bad)
		wantCode(t, fmt.Sprintf("DeviceGetByPCIBusId(%q)", bad), err, hip.HipErrorInvalidValue)
	}
	hip.GetLastError()
}

func TestSetDevice(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	if rt.DeviceCount() < 2 {
		t.Skip("needs two devices")
	}
	d, err := hip.GetDevice()
	ok(t, "GetDevice", err)
	if int(d) != rt.Default().Ordinal() {
		t.Errorf("GetDevice = %d, want the default device %d", d, rt.Default().Ordinal())
	}
	ok(t, "SetDevice(1)", hip.SetDevice(1))
	if d, _ := hip.GetDevice(); d != 1 {
		t.Fatalf("GetDevice after SetDevice(1) = %d", d)
	}
	// Allocations land on the current device.
	p := malloc(t, 64)
	a, err := hip.PointerGetAttributes(p)
	ok(t, "PointerGetAttributes", err)
	if a.Device != 1 {
		t.Errorf("memory allocated after SetDevice(1) is on device %d", a.Device)
	}
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	if sd, _ := hip.StreamGetDevice(s); sd != 1 {
		t.Errorf("StreamGetDevice = %d, want 1", sd)
	}
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	if sd, _ := hip.StreamGetDevice(nil); sd != 1 {
		t.Errorf("StreamGetDevice(NULL) = %d, want 1", sd)
	}
	free, total, err := hip.MemGetInfo()
	ok(t, "MemGetInfo", err)
	if total != rt.Devices()[1].TotalMemory() || free > total {
		t.Errorf("MemGetInfo = %d free of %d, device 1 has %d", free, total, rt.Devices()[1].TotalMemory())
	}

	// With a context on the stack, SetDevice puts the device's primary
	// context on top.
	c, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	if d, _ := hip.GetDevice(); d != 0 {
		t.Errorf("GetDevice with device 0's context current = %d", d)
	}
	ok(t, "SetDevice(1)", hip.SetDevice(1))
	cur, _ := hip.CtxGetCurrent()
	if cur == c || cur.Device().Ordinal() != 1 || !cur.IsPrimary() {
		t.Errorf("after SetDevice(1) the current context is %v (primary %v)", cur.Device(), cur.IsPrimary())
	}
	ok(t, "CtxDestroy", hip.CtxDestroy(c))
}

func TestPeerAccess(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	if rt.DeviceCount() < 2 {
		t.Skip("needs two devices")
	}
	can, err := hip.DeviceCanAccessPeer(0, 0)
	ok(t, "DeviceCanAccessPeer(0, 0)", err)
	if can {
		t.Error("a device is its own peer")
	}
	_, err = hip.DeviceCanAccessPeer(0, 7)
	wantCode(t, "DeviceCanAccessPeer(0, 7)", err, hip.HipErrorInvalidDevice)
	can, err = hip.DeviceCanAccessPeer(0, 1)
	ok(t, "DeviceCanAccessPeer(0, 1)", err)
	if want := rt.Devices()[0].CanAccessPeer(rt.Devices()[1]); can != want {
		t.Errorf("DeviceCanAccessPeer(0, 1) = %v, want %v", can, want)
	}
	v, err := hip.DeviceGetP2PAttribute(hip.HipDevP2PAttrAccessSupported, 0, 1)
	ok(t, "DeviceGetP2PAttribute", err)
	if v != b2i(can) {
		t.Errorf("P2P access supported = %d, DeviceCanAccessPeer %v", v, can)
	}
	_, err = hip.DeviceGetP2PAttribute(hip.HipDevP2PAttrAccessSupported, 1, 1)
	wantCode(t, "DeviceGetP2PAttribute(1, 1)", err, hip.HipErrorInvalidDevice)
	_, err = hip.DeviceGetP2PAttribute(9, 0, 1)
	wantCode(t, "DeviceGetP2PAttribute(9)", err, hip.HipErrorInvalidValue)

	if backend() == "cpu" && !can {
		t.Fatal("CPU devices of one runtime should reach each other's memory")
	}
	if can {
		wantCode(t, "DeviceEnablePeerAccess flags", hip.DeviceEnablePeerAccess(1, 1), hip.HipErrorInvalidValue)
		ok(t, "DeviceEnablePeerAccess", hip.DeviceEnablePeerAccess(1, 0))
		wantCode(t, "DeviceEnablePeerAccess twice", hip.DeviceEnablePeerAccess(1, 0), hip.HipErrorPeerAccessAlreadyEnabled)
		ok(t, "DeviceDisablePeerAccess", hip.DeviceDisablePeerAccess(1))
		wantCode(t, "DeviceDisablePeerAccess twice", hip.DeviceDisablePeerAccess(1), hip.HipErrorPeerAccessNotEnabled)
		// The same through contexts.
		c1, err := hip.DevicePrimaryCtxRetain(1)
		ok(t, "DevicePrimaryCtxRetain(1)", err)
		ok(t, "CtxEnablePeerAccess", hip.CtxEnablePeerAccess(c1, 0))
		wantCode(t, "CtxEnablePeerAccess twice", hip.CtxEnablePeerAccess(c1, 0), hip.HipErrorPeerAccessAlreadyEnabled)
		ok(t, "CtxDisablePeerAccess", hip.CtxDisablePeerAccess(c1))
		wantCode(t, "CtxEnablePeerAccess(nil)", hip.CtxEnablePeerAccess(nil, 0), hip.HipErrorInvalidContext)
		ok(t, "DevicePrimaryCtxRelease(1)", hip.DevicePrimaryCtxRelease(1))
	}

	// Peer copies, whatever the access: devices of one backend copy
	// directly, others through the host.
	const n = 4099
	want := seq(n, func(i int) float32 { return float32(i)*0.5 - 7 })
	src := malloc(t, 4*n)
	ok(t, "SetDevice(1)", hip.SetDevice(1))
	dst := malloc(t, 4*n)
	ok(t, "SetDevice(0)", hip.SetDevice(0))
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(src, want, 4*n))
	ok(t, "MemcpyPeer", hip.MemcpyPeer(dst, 1, src, 0, 4*n))
	got := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dst, 4*n))
	checkFloats(t, "peer copy", got, want)
	ok(t, "MemsetD32", hip.MemsetD32(dst, 0, n))
	ok(t, "MemcpyPeerAsync", hip.MemcpyPeerAsync(dst, 1, src, 0, 4*n, nil))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(nil))
	got = poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dst, 4*n))
	checkFloats(t, "async peer copy", got, want)
	// MemcpyPeer waits for the earlier work of both devices, whichever
	// device is current, that of non-blocking streams too.
	for _, caller := range []hip.Device{0, 1} {
		ok(t, "SetDevice(0)", hip.SetDevice(0))
		s, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
		ok(t, "StreamCreateWithFlags", err)
		ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s, func() { time.Sleep(50 * time.Millisecond) }))
		ok(t, "MemsetD32Async", hip.MemsetD32Async(src, int32(caller)+7, n, s))
		ok(t, "SetDevice", hip.SetDevice(caller))
		ok(t, "MemcpyPeer after pending work", hip.MemcpyPeer(dst, 1, src, 0, 4*n))
		got := make([]int32, n)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dst, 4*n))
		for i, v := range got {
			if v != int32(caller)+7 {
				t.Fatalf("MemcpyPeer from device %d after a pending memset: element %d = %d, want %d", caller, i, v, caller+7)
			}
		}
		ok(t, "StreamDestroy", hip.StreamDestroy(s))
	}
	ok(t, "SetDevice(0)", hip.SetDevice(0))
	wantCode(t, "MemcpyPeer bad device", hip.MemcpyPeer(dst, 5, src, 0, 4), hip.HipErrorInvalidDevice)
	hip.GetLastError()
}

func TestLimits(t *testing.T) {
	setup(t, 1)
	for _, l := range []hip.Limit{hip.HipLimitStackSize, hip.HipLimitPrintfFifoSize, hip.HipLimitMallocHeapSize} {
		v, err := hip.DeviceGetLimit(l)
		ok(t, "DeviceGetLimit", err)
		ok(t, "DeviceSetLimit", hip.DeviceSetLimit(l, v*2+4096))
		got, err := hip.DeviceGetLimit(l)
		ok(t, "DeviceGetLimit", err)
		if got != v*2+4096 {
			t.Errorf("%v: set %d, got %d", l, v*2+4096, got)
		}
	}
	for _, l := range []hip.Limit{hip.HipExtLimitScratchMin, hip.HipExtLimitScratchCurrent} {
		_, err := hip.DeviceGetLimit(l)
		wantCode(t, "DeviceGetLimit "+l.String(), err, hip.HipErrorUnsupportedLimit)
		wantCode(t, "DeviceSetLimit "+l.String(), hip.DeviceSetLimit(l, 1), hip.HipErrorUnsupportedLimit)
	}
	_, err := hip.DeviceGetLimit(7)
	wantCode(t, "DeviceGetLimit(7)", err, hip.HipErrorInvalidValue)

	least, greatest, err := hip.DeviceGetStreamPriorityRange()
	ok(t, "DeviceGetStreamPriorityRange", err)
	if greatest > least {
		t.Errorf("priority range: least %d, greatest %d", least, greatest)
	}
	hip.GetLastError()
}

func TestNoDevice(t *testing.T) {
	if err := hip.HALDeinit(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hip.HALDeinit() })
	// A backend that is not registered cannot open.
	err := hip.InitWithOptions(streaming.Options{Backends: []string{"no-such-backend"}})
	if err == nil {
		t.Fatal("InitWithOptions with an unknown backend succeeded")
	}
	if !errors.Is(err, hal.ErrNotAvailable) && hip.ErrorOf(err) == hip.HipSuccess {
		t.Fatalf("InitWithOptions: %v", err)
	}
	if d := hip.LastErrorDetail(); d == nil || !strings.Contains(d.Error(), "hipInit") || !strings.Contains(d.Error(), "no-such-backend") {
		t.Errorf("detail does not name hipInit and the backend: %v", d)
	}
	hip.GetLastError()
}
