package cuda_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

func TestInit(t *testing.T) {
	if preInitErr != cuda.CUDA_ERROR_NOT_INITIALIZED {
		t.Errorf("DeviceGetCount before any Init: %v, want CUDA_ERROR_NOT_INITIALIZED", preInitErr)
	}
	if v, err := cuda.DriverGetVersion(); err != nil || v != 12060 {
		t.Errorf("DriverGetVersion = %d, %v; want 12060", v, err)
	}
	wantErr(t, "Init(1)", cuda.Init(1), cuda.CUDA_ERROR_INVALID_VALUE)
	setup(t, streaming.Options{})
	ok(t, cuda.Init(0)) // a second Init does nothing
	n := val[int](t)(cuda.DeviceGetCount())
	if n < 1 {
		t.Fatalf("DeviceGetCount = %d", n)
	}
	ctx := val[*cuda.Context](t)(cuda.CtxCreate(0, 0))
	p := val[cuda.DevicePtr](t)(cuda.MemAlloc(64))
	s := val[*cuda.Stream](t)(cuda.StreamCreate(0))
	ok(t, cuda.HALDeinit())
	ok(t, cuda.HALDeinit()) // twice: nothing to do

	// Everything fails with CUDA_ERROR_DEINITIALIZED now, handles included.
	_, err := cuda.DeviceGetCount()
	wantErr(t, "DeviceGetCount after HALDeinit", err, cuda.CUDA_ERROR_DEINITIALIZED)
	wantErr(t, "MemFree after HALDeinit", cuda.MemFree(p), cuda.CUDA_ERROR_DEINITIALIZED)
	wantErr(t, "StreamSynchronize after HALDeinit", cuda.StreamSynchronize(s), cuda.CUDA_ERROR_DEINITIALIZED)
	wantErr(t, "ctx.Synchronize after HALDeinit", ctx.Synchronize(), cuda.CUDA_ERROR_DEINITIALIZED)
	_, err = cuda.MemAlloc(1)
	wantErr(t, "MemAlloc after HALDeinit", err, cuda.CUDA_ERROR_DEINITIALIZED)
	if !errors.Is(cuda.LastErrorDetail(), hal.ErrDeinitialized) {
		t.Errorf("LastErrorDetail = %v, want one wrapping hal.ErrDeinitialized", cuda.LastErrorDetail())
	}

	// Init brings the package back; the old handles stay dead.
	setup(t, streaming.Options{})
	if got := val[int](t)(cuda.DeviceGetCount()); got != n {
		t.Errorf("DeviceGetCount after re-Init = %d, want %d", got, n)
	}
	wantErr(t, "old stream after re-Init", cuda.StreamSynchronize(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "old context after re-Init", ctx.Synchronize(), cuda.CUDA_ERROR_INVALID_CONTEXT)
	if c := val[*cuda.Context](t)(cuda.CtxGetCurrent()); c != nil {
		t.Errorf("CtxGetCurrent after re-Init = %p, want nil", c)
	}
}

func TestDevice(t *testing.T) {
	setup(t, streaming.Options{CPUDevices: 2})
	rt := val[*streaming.Runtime](t)(cuda.Runtime())
	n := val[int](t)(cuda.DeviceGetCount())
	if n != rt.DeviceCount() || n < 1 {
		t.Fatalf("DeviceGetCount = %d, runtime has %d", n, rt.DeviceCount())
	}
	for _, bad := range []int{-1, n, n + 5} {
		_, err := cuda.DeviceGet(bad)
		wantErr(t, fmt.Sprintf("DeviceGet(%d)", bad), err, cuda.CUDA_ERROR_INVALID_DEVICE)
	}
	_, err := cuda.DeviceGetName(cuda.Device(n))
	wantErr(t, "DeviceGetName(n)", err, cuda.CUDA_ERROR_INVALID_DEVICE)
	_, err = cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_WARP_SIZE, -3)
	wantErr(t, "DeviceGetAttribute(dev -3)", err, cuda.CUDA_ERROR_INVALID_DEVICE)

	for i := 0; i < n; i++ {
		dev := val[cuda.Device](t)(cuda.DeviceGet(i))
		if int(dev) != i {
			t.Errorf("DeviceGet(%d) = %d", i, dev)
		}
		sd, _ := rt.Device(i)
		info := sd.Info()
		if name := val[string](t)(cuda.DeviceGetName(dev)); name != info.Name || name == "" {
			t.Errorf("device %d: name %q, want %q", i, name, info.Name)
		}
		if u := val[[16]byte](t)(cuda.DeviceGetUuid(dev)); u != info.UUID {
			t.Errorf("device %d: UUID %x, want %x", i, u, info.UUID)
		}
		if m := val[uint64](t)(cuda.DeviceTotalMem(dev)); m != info.TotalMem {
			t.Errorf("device %d: total memory %d, want %d", i, m, info.TotalMem)
		}
		major, minor, err := cuda.DeviceComputeCapability(dev)
		if err != nil || major != info.ComputeMajor || minor != info.ComputeMinor {
			t.Errorf("device %d: compute capability %d.%d, %v; want %d.%d", i, major, minor, err, info.ComputeMajor, info.ComputeMinor)
		}

		// Attributes against the device's description, field by field.
		want := map[cuda.DeviceAttribute]int{
			cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK:                     info.MaxThreadsPerBlock,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:                           info.MaxBlockDim[0],
			cuda.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y:                           info.MaxBlockDim[1],
			cuda.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z:                           info.MaxBlockDim[2],
			cuda.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X:                            info.MaxGridDim[0],
			cuda.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:                            info.MaxGridDim[1],
			cuda.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z:                            info.MaxGridDim[2],
			cuda.CU_DEVICE_ATTRIBUTE_SHARED_MEMORY_PER_BLOCK:                   info.SharedMemPerBlock,
			cuda.CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY:                     info.TotalConstantMem,
			cuda.CU_DEVICE_ATTRIBUTE_WARP_SIZE:                                 info.WarpSize,
			cuda.CU_DEVICE_ATTRIBUTE_REGISTERS_PER_BLOCK:                       info.RegistersPerBlock,
			cuda.CU_DEVICE_ATTRIBUTE_CLOCK_RATE:                                info.ClockRateKHz,
			cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:                      info.MultiprocessorCount,
			cuda.CU_DEVICE_ATTRIBUTE_PCI_BUS_ID:                                info.PCIBusID,
			cuda.CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID:                             info.PCIDeviceID,
			cuda.CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID:                             info.PCIDomainID,
			cuda.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE:                             info.L2CacheSize,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR:            info.MaxThreadsPerMultiprocessor,
			cuda.CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT:                        info.AsyncEngineCount,
			cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:                  info.ComputeMajor,
			cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:                  info.ComputeMinor,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR:      info.SharedMemPerMultiprocessor,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR:          info.RegistersPerMultiprocessor,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR:             info.MaxBlocksPerMultiprocessor,
			cuda.CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT:                         info.TextureAlignment,
			cuda.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE:                         info.MemoryClockRateKHz,
			cuda.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH:                   info.MemoryBusWidth,
			cuda.CU_DEVICE_ATTRIBUTE_INTEGRATED:                                btoi(info.Integrated),
			cuda.CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY:                       btoi(info.CanMapHostMemory),
			cuda.CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING:                        btoi(info.UnifiedAddressing),
			cuda.CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY:                            btoi(info.ManagedMemory),
			cuda.CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS:                 btoi(info.ConcurrentManagedAccess),
			cuda.CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS:                        btoi(info.ConcurrentKernels),
			cuda.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH:                        btoi(info.CooperativeLaunch),
			cuda.CU_DEVICE_ATTRIBUTE_ECC_ENABLED:                               btoi(info.ECCEnabled),
			cuda.CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED:                   btoi(info.HostRegisterSupported),
			cuda.CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED:                    btoi(info.MemoryPoolsSupported),
			cuda.CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED:               btoi(info.StreamPriorityLeast != info.StreamPriorityGreatest),
			cuda.CU_DEVICE_ATTRIBUTE_COMPUTE_MODE:                              0,
			cuda.CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_WIDTH:                   0,
			cuda.CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT:                       0,
			cuda.CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH:                            0,
			cuda.CU_DEVICE_ATTRIBUTE_IPC_EVENT_SUPPORTED:                       0,
			cuda.CU_DEVICE_ATTRIBUTE_NUMA_ID:                                   -1,
			cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:         max(info.SharedMemPerBlockOptin, info.SharedMemPerBlock),
			cuda.CU_DEVICE_ATTRIBUTE_ONLY_PARTIAL_HOST_NATIVE_ATOMIC_SUPPORTED: 0,
		}
		for attr, w := range want {
			got, err := cuda.DeviceGetAttribute(attr, dev)
			if err != nil || got != w {
				t.Errorf("device %d: DeviceGetAttribute(%v) = %d, %v; want %d", i, attr, got, err, w)
			}
		}
		if info.MaxThreadsPerBlock <= 0 || info.WarpSize <= 0 || info.MultiprocessorCount <= 0 {
			t.Errorf("device %d: implausible limits %+v", i, info)
		}
		// Every attribute cuda.h defines has a value; other numbers do not.
		for a := cuda.DeviceAttribute(1); a <= 147; a++ {
			if _, err := cuda.DeviceGetAttribute(a, dev); err != nil {
				t.Errorf("DeviceGetAttribute(%v): %v", a, err)
			}
		}
		for _, a := range []cuda.DeviceAttribute{0, -1, 148, 1000} {
			_, err := cuda.DeviceGetAttribute(a, dev)
			wantErr(t, fmt.Sprintf("DeviceGetAttribute(%d)", a), err, cuda.CUDA_ERROR_INVALID_VALUE)
		}

		// PCI bus id round trip.
		id := val[string](t)(cuda.DeviceGetPCIBusId(dev))
		if id != info.PCIBusIDString() {
			t.Errorf("device %d: PCI bus id %q, want %q", i, id, info.PCIBusIDString())
		}
		if back := val[cuda.Device](t)(cuda.DeviceGetByPCIBusId(id)); back != dev {
			t.Errorf("DeviceGetByPCIBusId(%q) = %d, want %d", id, back, dev)
		}
		short := fmt.Sprintf("%02x:%02x.0", info.PCIBusID, info.PCIDeviceID)
		if info.PCIDomainID == 0 {
			if back := val[cuda.Device](t)(cuda.DeviceGetByPCIBusId(short)); back != dev {
				t.Errorf("DeviceGetByPCIBusId(%q) = %d, want %d", short, back, dev)
			}
		}

		_, err = cuda.DeviceGetP2PAttribute(cuda.CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED, dev, dev)
		wantErr(t, "DeviceGetP2PAttribute(dev, dev)", err, cuda.CUDA_ERROR_INVALID_DEVICE)
		if can := val[bool](t)(cuda.DeviceCanAccessPeer(dev, dev)); can {
			t.Errorf("DeviceCanAccessPeer(%d, %d) = true", i, i)
		}
	}
	for _, bad := range []string{"", "zz:00.0", "0000:00", "1:2:3:4", "0000:00:00.x"} {
		_, err := cuda.DeviceGetByPCIBusId(bad)
		wantErr(t, fmt.Sprintf("DeviceGetByPCIBusId(%q)", bad), err, cuda.CUDA_ERROR_INVALID_VALUE)
	}
	_, err = cuda.DeviceGetByPCIBusId("fffe:fd:1f.0")
	wantErr(t, "DeviceGetByPCIBusId(nowhere)", err, cuda.CUDA_ERROR_INVALID_DEVICE)

	if n >= 2 {
		d0, _ := rt.Device(0)
		d1, _ := rt.Device(1)
		can := val[bool](t)(cuda.DeviceCanAccessPeer(0, 1))
		if can != d0.CanAccessPeer(d1) {
			t.Errorf("DeviceCanAccessPeer(0, 1) = %v, streaming says %v", can, d0.CanAccessPeer(d1))
		}
		v := val[int](t)(cuda.DeviceGetP2PAttribute(cuda.CU_DEVICE_P2P_ATTRIBUTE_ACCESS_SUPPORTED, 0, 1))
		if v != btoi(can) {
			t.Errorf("P2P ACCESS_SUPPORTED(0, 1) = %d, want %d", v, btoi(can))
		}
		_, err := cuda.DeviceGetP2PAttribute(99, 0, 1)
		wantErr(t, "DeviceGetP2PAttribute(99)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPrimaryContext(t *testing.T) {
	setup(t, streaming.Options{})
	flags, active, err := cuda.DevicePrimaryCtxGetState(0)
	if err != nil || active || flags != 0 {
		t.Fatalf("initial state: flags %#x, active %v, %v", flags, active, err)
	}
	wantErr(t, "release of an unretained primary context", cuda.DevicePrimaryCtxRelease(0), cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.DevicePrimaryCtxRetain(99)
	wantErr(t, "DevicePrimaryCtxRetain(99)", err, cuda.CUDA_ERROR_INVALID_DEVICE)

	ok(t, cuda.DevicePrimaryCtxSetFlags(0, cuda.CU_CTX_SCHED_BLOCKING_SYNC))
	ctx := val[*cuda.Context](t)(cuda.DevicePrimaryCtxRetain(0))
	if again := val[*cuda.Context](t)(cuda.DevicePrimaryCtxRetain(0)); again != ctx {
		t.Errorf("second retain returned another handle")
	}
	flags, active, _ = cuda.DevicePrimaryCtxGetState(0)
	if !active || flags != cuda.CU_CTX_SCHED_BLOCKING_SYNC {
		t.Errorf("state after retain: flags %#x, active %v", flags, active)
	}
	// Retaining does not make it current.
	if c := val[*cuda.Context](t)(cuda.CtxGetCurrent()); c != nil {
		t.Errorf("CtxGetCurrent after retain = %p, want nil", c)
	}
	ok(t, cuda.CtxSetCurrent(ctx))
	if f := val[uint32](t)(cuda.CtxGetFlags()); f != cuda.CU_CTX_SCHED_BLOCKING_SYNC {
		t.Errorf("CtxGetFlags = %#x", f)
	}
	p := val[cuda.DevicePtr](t)(cuda.MemAlloc(256))
	s := val[*cuda.Stream](t)(cuda.StreamCreate(0))

	// Reset frees everything but keeps the handle, current.
	ok(t, cuda.DevicePrimaryCtxReset(0))
	wantErr(t, "MemFree after reset", cuda.MemFree(p), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "stream after reset", cuda.StreamSynchronize(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	if c := val[*cuda.Context](t)(cuda.CtxGetCurrent()); c != ctx {
		t.Errorf("CtxGetCurrent after reset = %p, want the primary handle %p", c, ctx)
	}
	if _, active, _ := cuda.DevicePrimaryCtxGetState(0); !active {
		t.Error("primary context inactive after reset")
	}
	q := val[cuda.DevicePtr](t)(cuda.MemAlloc(256))
	ok(t, cuda.MemsetD8(q, 7, 256))
	ok(t, cuda.MemFree(q))

	// Two retains, two releases: then it is gone, and no longer current.
	ok(t, cuda.DevicePrimaryCtxRelease(0))
	if _, active, _ := cuda.DevicePrimaryCtxGetState(0); !active {
		t.Error("inactive after the first of two releases")
	}
	ok(t, cuda.DevicePrimaryCtxRelease(0))
	if _, active, _ := cuda.DevicePrimaryCtxGetState(0); active {
		t.Error("active after the last release")
	}
	wantErr(t, "ctx.Synchronize after the last release", ctx.Synchronize(), cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.MemAlloc(1)
	wantErr(t, "MemAlloc after the last release", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	wantErr(t, "third release", cuda.DevicePrimaryCtxRelease(0), cuda.CUDA_ERROR_INVALID_CONTEXT)
	// The handle comes back with the next retain.
	if again := val[*cuda.Context](t)(cuda.DevicePrimaryCtxRetain(0)); again != ctx {
		t.Errorf("retain after release returned another handle")
	}
	ok(t, ctx.Synchronize())
	wantErr(t, "CtxDestroy(primary)", cuda.CtxDestroy(ctx), cuda.CUDA_ERROR_INVALID_CONTEXT)
	ok(t, cuda.DevicePrimaryCtxRelease(0))
}

func TestContext(t *testing.T) {
	setup(t, streaming.Options{CPUDevices: 2})
	rt := val[*streaming.Runtime](t)(cuda.Runtime())

	_, err := cuda.CtxGetDevice()
	wantErr(t, "CtxGetDevice with no context", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.CtxPopCurrent()
	wantErr(t, "CtxPopCurrent of an empty stack", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	wantErr(t, "CtxSynchronize with no context", cuda.CtxSynchronize(), cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = cuda.CtxCreate(0, 42)
	wantErr(t, "CtxCreate on device 42", err, cuda.CUDA_ERROR_INVALID_DEVICE)
	_, err = cuda.CtxCreate(0x100, 0)
	wantErr(t, "CtxCreate flags 0x100", err, cuda.CUDA_ERROR_INVALID_VALUE)

	c1 := val[*cuda.Context](t)(cuda.CtxCreate(cuda.CU_CTX_SCHED_YIELD, 0))
	if cur := val[*cuda.Context](t)(cuda.CtxGetCurrent()); cur != c1 {
		t.Fatalf("CtxCreate did not make the context current")
	}
	if d := val[cuda.Device](t)(cuda.CtxGetDevice()); d != 0 {
		t.Errorf("CtxGetDevice = %d", d)
	}
	if f := val[uint32](t)(cuda.CtxGetFlags()); f != cuda.CU_CTX_SCHED_YIELD {
		t.Errorf("CtxGetFlags = %#x", f)
	}
	if v := val[uint32](t)(cuda.CtxGetApiVersion(nil)); v != 3020 {
		t.Errorf("CtxGetApiVersion(nil) = %d", v)
	}
	if v := val[uint32](t)(cuda.CtxGetApiVersion(c1)); v != 3020 {
		t.Errorf("CtxGetApiVersion(c1) = %d", v)
	}
	d0, _ := rt.Device(0)
	least, greatest, err := cuda.CtxGetStreamPriorityRange()
	if err != nil || least != d0.Info().StreamPriorityLeast || greatest != d0.Info().StreamPriorityGreatest {
		t.Errorf("CtxGetStreamPriorityRange = %d, %d, %v", least, greatest, err)
	}

	// Limits.
	ok(t, cuda.CtxSetLimit(cuda.CU_LIMIT_STACK_SIZE, 4096))
	if v := val[uint64](t)(cuda.CtxGetLimit(cuda.CU_LIMIT_STACK_SIZE)); v != 4096 {
		t.Errorf("CU_LIMIT_STACK_SIZE = %d, want 4096", v)
	}
	ok(t, cuda.CtxSetLimit(cuda.CU_LIMIT_MALLOC_HEAP_SIZE, 1<<24))
	if v := val[uint64](t)(c1.GetLimit(cuda.CU_LIMIT_MALLOC_HEAP_SIZE)); v != 1<<24 {
		t.Errorf("CU_LIMIT_MALLOC_HEAP_SIZE = %d", v)
	}
	wantErr(t, "CtxSetLimit(CU_LIMIT_SHMEM_SIZE)", cuda.CtxSetLimit(cuda.CU_LIMIT_SHMEM_SIZE, 1), cuda.CUDA_ERROR_UNSUPPORTED_LIMIT)
	_, err = cuda.CtxGetLimit(99)
	wantErr(t, "CtxGetLimit(99)", err, cuda.CUDA_ERROR_INVALID_VALUE)

	// The stack: push, pop, set. c2 is on the second device when there is
	// one.
	dev2 := cuda.Device(min(1, rt.DeviceCount()-1))
	c2 := val[*cuda.Context](t)(cuda.CtxCreate(0, dev2))
	if d := val[cuda.Device](t)(cuda.CtxGetDevice()); d != dev2 {
		t.Errorf("CtxGetDevice after the second CtxCreate = %d", d)
	}
	if c := val[*cuda.Context](t)(cuda.CtxPopCurrent()); c != c2 {
		t.Errorf("CtxPopCurrent returned %p, want c2", c)
	}
	if c := val[*cuda.Context](t)(cuda.CtxGetCurrent()); c != c1 {
		t.Errorf("current after pop = %p, want c1", c)
	}
	ok(t, cuda.CtxPushCurrent(c2))
	ok(t, cuda.CtxSetCurrent(c1)) // replaces c2 on top
	if c := val[*cuda.Context](t)(cuda.CtxPopCurrent()); c != c1 {
		t.Errorf("pop after SetCurrent returned %p, want c1", c)
	}
	if c := val[*cuda.Context](t)(cuda.CtxPopCurrent()); c != c1 {
		t.Errorf("second pop returned %p, want c1 (pushed by CtxCreate)", c)
	}
	wantErr(t, "CtxPushCurrent(nil)", cuda.CtxPushCurrent(nil), cuda.CUDA_ERROR_INVALID_CONTEXT)

	// Explicit handles work without being current.
	p := val[cuda.DevicePtr](t)(c2.MemAlloc(64))
	ok(t, c2.MemsetD32(p, 0xdeadbeef, 16))
	got := make([]uint32, 16)
	ok(t, c2.MemcpyDtoH(ptrOf(&got[0]), p, 64))
	for i, v := range got {
		if v != 0xdeadbeef {
			t.Fatalf("word %d = %#x", i, v)
		}
	}
	if d := val[cuda.Device](t)(c2.GetDevice()); d != dev2 {
		t.Errorf("c2.GetDevice = %d", d)
	}
	ok(t, c2.MemFree(p))
	_, err = cuda.MemAlloc(1)
	wantErr(t, "MemAlloc with an empty stack", err, cuda.CUDA_ERROR_INVALID_CONTEXT)

	// Peer access between the two devices, from c1.
	ok(t, cuda.CtxSetCurrent(c1))
	if dev2 != 0 && val[bool](t)(cuda.DeviceCanAccessPeer(0, dev2)) {
		ok(t, cuda.CtxEnablePeerAccess(c2, 0))
		wantErr(t, "second CtxEnablePeerAccess", cuda.CtxEnablePeerAccess(c2, 0), cuda.CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED)
		ok(t, cuda.CtxDisablePeerAccess(c2))
	}
	wantErr(t, "CtxDisablePeerAccess when not enabled", cuda.CtxDisablePeerAccess(c2), cuda.CUDA_ERROR_PEER_ACCESS_NOT_ENABLED)
	wantErr(t, "CtxEnablePeerAccess flags 1", cuda.CtxEnablePeerAccess(c2, 1), cuda.CUDA_ERROR_INVALID_VALUE)
	other := val[*cuda.Context](t)(cuda.CtxCreate(0, 0))
	ok(t, cuda.CtxSetCurrent(c1))
	wantErr(t, "CtxEnablePeerAccess to the same device", cuda.CtxEnablePeerAccess(other, 0), cuda.CUDA_ERROR_PEER_ACCESS_UNSUPPORTED)
	wantErr(t, "CtxEnablePeerAccess(nil)", cuda.CtxEnablePeerAccess(nil, 0), cuda.CUDA_ERROR_INVALID_CONTEXT)

	// Destroy: removed from the stack, further use is INVALID_CONTEXT.
	ok(t, cuda.CtxDestroy(other))
	s := val[*cuda.Stream](t)(c1.StreamCreate(0))
	ok(t, cuda.CtxDestroy(c1))
	if c := val[*cuda.Context](t)(cuda.CtxGetCurrent()); c != nil {
		t.Errorf("CtxGetCurrent after destroying the current context = %p", c)
	}
	wantErr(t, "CtxDestroy twice", cuda.CtxDestroy(c1), cuda.CUDA_ERROR_INVALID_CONTEXT)
	_, err = c1.MemAlloc(1)
	wantErr(t, "MemAlloc in a destroyed context", err, cuda.CUDA_ERROR_INVALID_CONTEXT)
	wantErr(t, "CtxSetCurrent(destroyed)", cuda.CtxSetCurrent(c1), cuda.CUDA_ERROR_INVALID_CONTEXT)
	wantErr(t, "stream of a destroyed context", cuda.StreamQuery(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	ok(t, cuda.CtxDestroy(c2))
	wantErr(t, "CtxDestroy(nil)", cuda.CtxDestroy(nil), cuda.CUDA_ERROR_INVALID_CONTEXT)
	if n := rt.LiveAllocations(); n != 0 {
		t.Errorf("%d allocations left after destroying every context", n)
	}
}
