package cuda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/modfile"
)

// TestConformance runs the hal conformance suite.
func TestConformance(t *testing.T) {
	drv := &Driver{}
	if onMock {
		drv.libraries = []string{mockLib}
	}
	haltest.Run(t, drv, haltest.Options{Config: hal.Config{Logf: testLogf}})
}

func TestRegistered(t *testing.T) {
	d, err := hal.Lookup("cuda")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "cuda" {
		t.Errorf("Name() = %q", d.Name())
	}
}

// TestNotAvailable checks the path every machine without libcuda takes: a
// clear error wrapping hal.ErrNotAvailable, no crash, no hang.
func TestNotAvailable(t *testing.T) {
	_, err := (&Driver{libraries: []string{"libcuda-streamhal-missing.so.1"}}).Open(hal.Config{})
	if !errors.Is(err, hal.ErrNotAvailable) {
		t.Fatalf("Open with a missing library: %v, want hal.ErrNotAvailable", err)
	}
	const prefix = "hal/cuda: not available: libcuda-streamhal-missing.so.1 not found ("
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
	inst, err := hal.Open("cuda", hal.Config{})
	switch {
	case err == nil:
		if onMock {
			t.Fatal("hal.Open(cuda) opened a driver on a machine without libcuda")
		}
		if len(inst.Devices()) == 0 {
			t.Error("no devices")
		}
		if err := inst.Close(); err != nil {
			t.Error(err)
		}
	case errors.Is(err, hal.ErrNotAvailable):
		if !strings.HasPrefix(err.Error(), "hal/cuda: not available: ") {
			t.Errorf("error %q lacks the hal/cuda: not available: prefix", err)
		}
		if len(testDevices) > 0 && !onMock {
			t.Errorf("hal.Open(cuda) failed while the test instance works: %v", err)
		}
		t.Logf("hal.Open(cuda): %v", err)
	default:
		t.Fatalf("hal.Open(cuda): %v, want success or hal.ErrNotAvailable", err)
	}
}

// TestNoDevice runs a child process in which mockcuda's cuInit reports
// CUDA_ERROR_NO_DEVICE.
func TestNoDevice(t *testing.T) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") == "nodevice" {
		_, err := (&Driver{libraries: []string{os.Getenv("STREAM_HAL_CUDA_MOCKLIB")}}).Open(hal.Config{})
		if !errors.Is(err, hal.ErrNotAvailable) || !strings.Contains(err.Error(), "hal/cuda: not available: no CUDA device") {
			t.Fatalf("Open with no device: %v", err)
		}
		return
	}
	if mockLib == "" {
		t.Skip("needs the mockcuda test double")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDevice$", "-test.v")
	cmd.Env = append(os.Environ(), "STREAM_HAL_CUDA_CHILD=nodevice", "MOCKCUDA_NO_DEVICE=1", "STREAM_HAL_CUDA_MOCKLIB="+mockLib)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestDeviceInfo(t *testing.T) {
	d := testDevice(t)
	info := d.Info()
	t.Logf("%+v", info)
	var optional []string
	for _, name := range []string{"cuDeviceGetUuid", "cuDeviceGetUuid_v2", "cuModuleGetFunctionCount", "cuModuleEnumerateFunctions", "cuFuncGetName", "cuFuncGetParamInfo", "cuGraphKernelNodeSetAttribute"} {
		optional = append(optional, fmt.Sprintf("%s=%v", name, present(name)))
	}
	t.Logf("driver version %d; %s", lib.version, strings.Join(optional, " "))
	if info.Name == "" || info.Driver != "cuda" {
		t.Errorf("Name %q, Driver %q", info.Name, info.Driver)
	}
	if info.TotalMem == 0 {
		t.Error("TotalMem is 0")
	}
	if info.ComputeMajor < 7 {
		t.Errorf("compute capability %d.%d < 7.0", info.ComputeMajor, info.ComputeMinor)
	}
	if want := fmt.Sprintf("sm_%d%d", info.ComputeMajor, info.ComputeMinor); info.Arch != want {
		t.Errorf("Arch %q, want %q", info.Arch, want)
	}
	if info.UUID == ([16]byte{}) {
		t.Error("UUID is zero")
	}
	if info.WarpSize != 32 || info.MaxThreadsPerBlock < 1024 || info.MultiprocessorCount == 0 {
		t.Errorf("WarpSize %d, MaxThreadsPerBlock %d, MultiprocessorCount %d", info.WarpSize, info.MaxThreadsPerBlock, info.MultiprocessorCount)
	}
	if info.MaxBlockDim[0] < 1024 || info.MaxGridDim[0] < 65535 || info.SharedMemPerBlock < 48<<10 {
		t.Errorf("MaxBlockDim %v, MaxGridDim %v, SharedMemPerBlock %d", info.MaxBlockDim, info.MaxGridDim, info.SharedMemPerBlock)
	}
	if info.SharedMemPerBlockOptin < info.SharedMemPerBlock || info.RegistersPerBlock == 0 || info.L2CacheSize == 0 {
		t.Errorf("SharedMemPerBlockOptin %d, RegistersPerBlock %d, L2CacheSize %d", info.SharedMemPerBlockOptin, info.RegistersPerBlock, info.L2CacheSize)
	}
	if !info.UnifiedAddressing || !info.CanMapHostMemory {
		t.Errorf("UnifiedAddressing %v, CanMapHostMemory %v", info.UnifiedAddressing, info.CanMapHostMemory)
	}
	if info.StreamPriorityGreatest > info.StreamPriorityLeast {
		t.Errorf("stream priorities greatest %d > least %d", info.StreamPriorityGreatest, info.StreamPriorityLeast)
	}
	if s := info.PCIBusIDString(); len(s) != len("0000:00:00.0") {
		t.Errorf("PCIBusIDString %q", s)
	}
	free, total, err := d.MemoryInfo()
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || free > total {
		t.Errorf("MemoryInfo free %d total %d", free, total)
	}
	for i, dd := range testDevices {
		if dd.Info().Ordinal != i {
			t.Errorf("device %d has Ordinal %d", i, dd.Info().Ordinal)
		}
	}
}

func TestAllocate(t *testing.T) {
	d := testDevice(t)
	for _, kind := range []hal.MemoryKind{hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged} {
		a, err := d.Allocate(kind, 1<<20)
		if err != nil {
			t.Fatalf("Allocate(%v): %v", kind, err)
		}
		if a.Device == 0 || a.Size != 1<<20 {
			t.Errorf("%v: %+v", kind, a)
		}
		if (kind == hal.MemoryDevice) != (a.Host == nil) {
			t.Errorf("%v: Host %p", kind, a.Host)
		}
		if a.Host != nil {
			// The host view is usable directly.
			h := unsafe.Slice((*byte)(a.Host), a.Size)
			h[0], h[len(h)-1] = 1, 2
		}
		if err := d.Free(kind, a.Device); err != nil {
			t.Errorf("Free(%v): %v", kind, err)
		}
	}
	if _, err := d.Allocate(hal.MemoryDevice, 0); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Allocate 0 bytes: %v", err)
	}
	if _, err := d.Allocate(hal.MemoryRegistered, 16); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Allocate registered: %v", err)
	}
	_, err := d.Allocate(hal.MemoryDevice, 1<<40)
	if !errors.Is(err, hal.ErrOutOfMemory) || !strings.Contains(err.Error(), "hal/cuda: cuMemAlloc(1099511627776): CUDA_ERROR_OUT_OF_MEMORY: out of memory") {
		t.Errorf("Allocate 1 TiB: %v", err)
	}
	if err := d.Free(hal.MemoryHost, 0x1234); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Free of an unknown host address: %v", err)
	}
}

func TestCopies(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	const n = 3<<20 + 5
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	dev1 := alloc(t, d, hal.MemoryDevice, n)
	dev2 := alloc(t, d, hal.MemoryDevice, n)
	host := alloc(t, d, hal.MemoryHost, n)
	managed := alloc(t, d, hal.MemoryManaged, n)
	hostView := unsafe.Slice((*byte)(host.Host), n)

	check := func(what string, got []byte) {
		t.Helper()
		if i := firstDiff(got, src); i >= 0 {
			t.Fatalf("%s: byte %d = %#x, want %#x", what, i, got[i], src[i])
		}
	}
	poison := func(b []byte) {
		for i := range b {
			b[i] = 0xEE
		}
	}
	// Go memory -> device -> Go memory.
	upload(t, d, dev1.Device, src)
	got := make([]byte, n)
	poison(got)
	download(t, d, got, dev1.Device)
	check("HtoD/DtoH", got)

	// Device -> device on a queue.
	if err := q.Copy(dev2.Device, dev1.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	poison(got)
	download(t, d, got, dev2.Device)
	check("DtoD", got)

	// Device -> pinned host memory (by its device address) and back.
	poison(hostView)
	if err := q.Copy(host.Device, dev2.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	check("DtoH pinned", hostView)
	if err := q.Fill(dev1.Device, n-5, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := q.Copy(dev1.Device, host.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	poison(got)
	download(t, d, got, dev1.Device)
	check("HtoD pinned", got)

	// Managed memory.
	if err := q.Copy(managed.Device, dev1.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	check("DtoManaged", unsafe.Slice((*byte)(managed.Host), n))

	// Registered memory (C heap memory, as the contract asks), page aligned.
	regMem, err := cMalloc(n + 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer cFree(regMem)
	reg := unsafe.Add(regMem, (4096-uintptr(regMem)%4096)%4096)
	ra, err := d.Register(reg, n)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	regView := unsafe.Slice((*byte)(reg), n)
	poison(regView)
	if err := q.Copy(ra.Device, dev1.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	check("DtoRegistered", regView)
	if err := d.Unregister(ra); err != nil {
		t.Errorf("Unregister: %v", err)
	}
	if err := d.Unregister(ra); !errors.Is(err, hal.ErrNotMapped) {
		t.Errorf("second Unregister: %v, want hal.ErrNotMapped", err)
	}

	// Sub-ranges at odd offsets.
	if err := q.Copy(dev2.Device+3, dev1.Device+1001, 4096); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	part := make([]byte, 4096)
	download(t, d, part, dev2.Device+3)
	if i := firstDiff(part, src[1001:1001+4096]); i >= 0 {
		t.Fatalf("offset copy differs at %d", i)
	}
	// Zero-length operations are no-ops.
	if err := q.Copy(dev2.Device, dev1.Device, 0); err != nil {
		t.Error(err)
	}
	if err := d.CopyFromHost(dev1.Device, nil, 0); err != nil {
		t.Error(err)
	}
}

func firstDiff(a, b []byte) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestFill(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	const n = 1 << 16
	buf := alloc(t, d, hal.MemoryDevice, n)
	for _, tc := range []struct {
		size    int
		pattern uint32
		off, ln uint64
	}{
		{1, 0xAB, 3, 1001},
		{2, 0xBEEF, 2, 2000},
		{4, 0xDEADBEEF, 4, 40000},
		{4, 0x01020304, 0, n},
	} {
		ref := make([]byte, n)
		for i := range ref {
			ref[i] = byte(i * 7)
		}
		upload(t, d, buf.Device, ref)
		if err := q.Fill(buf.Device+tc.off, tc.ln, tc.pattern, tc.size); err != nil {
			t.Fatalf("Fill(%d-byte %#x): %v", tc.size, tc.pattern, err)
		}
		drain(t, q)
		for i := tc.off; i < tc.off+tc.ln; i++ {
			ref[i] = byte(tc.pattern >> (8 * ((i - tc.off) % uint64(tc.size))))
		}
		got := make([]byte, n)
		download(t, d, got, buf.Device)
		if i := firstDiff(got, ref); i >= 0 {
			t.Fatalf("Fill(%d-byte %#x at %d, %d bytes): byte %d = %#x, want %#x", tc.size, tc.pattern, tc.off, tc.ln, i, got[i], ref[i])
		}
	}
	// Bad pattern sizes and lengths are the caller's to refuse
	// (hal.CheckFill, tested in package hal).
}

// wantParams are the kernels' parameter layouts by the natural-alignment
// rule (KERNELS.md), written out independently of any parser.
var wantParams = map[string][]hal.Param{
	"vector_add":        pointers(layout(0, 8, 8, 8, 16, 8, 24, 4), 0, 1, 2),
	"vector_add_scaled": pointers(layout(0, 8, 8, 8, 16, 8, 24, 4, 28, 4, 32, 4), 0, 1, 2),
	"saxpy":             pointers(layout(0, 4, 4, 4, 8, 8, 16, 8), 2, 3),
	"matrix_multiply":   pointers(layout(0, 8, 8, 8, 16, 8, 24, 4, 28, 4, 32, 4), 0, 1, 2),
	"reduce_sum":        pointers(layout(0, 8, 8, 8, 16, 4), 0, 1),
	"empty":             layout(),
	"scale_by_global":   pointers(layout(0, 8, 8, 8, 16, 4), 0, 1),
	"args_probe":        pointers(layout(0, 1, 2, 2, 4, 4, 8, 8, 16, 4, 24, 8, 32, 8, 40, 8), 7),
}

// pointers marks the parameters at idx as pointers (what the PTX code
// shows: ld.param.u64 then cvta.to.global).
func pointers(ps []hal.Param, idx ...int) []hal.Param {
	for _, i := range idx {
		ps[i].Pointer = true
	}
	return ps
}

// layout builds a parameter list from offset, size pairs.
func layout(offsetSize ...uint32) []hal.Param {
	ps := []hal.Param{}
	for i := 0; i+1 < len(offsetSize); i += 2 {
		ps = append(ps, hal.Param{Offset: offsetSize[i], Size: offsetSize[i+1]})
	}
	return ps
}

func TestModuleMetadata(t *testing.T) {
	d := testDevice(t)
	exe := loadTestKernels(t, d)
	names := exe.Kernels()
	for name := range wantParams {
		if !slices.Contains(names, name) {
			t.Errorf("Kernels() = %v lacks %s", names, name)
		}
	}
	for name, want := range wantParams {
		k := kernelOf(t, exe, name)
		if k.Name() != name {
			t.Errorf("Name() = %q", k.Name())
		}
		if got := k.Params(); !slices.Equal(got, want) || got == nil {
			t.Errorf("%s: Params() = %v, want %v", name, got, want)
		}
		a := k.Attributes()
		if a.MaxThreadsPerBlock <= 0 || a.NumRegs < 0 {
			t.Errorf("%s: attributes %+v", name, a)
		}
	}
	if a := kernelOf(t, exe, "matrix_multiply").Attributes(); a.SharedSizeBytes < 2*16*16*4 {
		t.Errorf("matrix_multiply static shared memory %d < %d", a.SharedSizeBytes, 2*16*16*4)
	}
	if _, err := exe.Kernel("no_such_kernel"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Kernel(no_such_kernel): %v", err)
	}
	if _, _, err := exe.Global("no_such_global"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Global(no_such_global): %v", err)
	}
	addr, size, err := exe.Global("global_scale")
	if err != nil || addr == 0 || size != 4 {
		t.Fatalf("Global(global_scale) = %#x, %d, %v", addr, size, err)
	}
	var g [1]float32
	download(t, d, g[:], addr)
	if g[0] != 2 {
		t.Errorf("global_scale = %v, want 2", g[0])
	}

	// The driver's layouts agree with hal/modfile's PTX parser.
	mod, err := modfile.ParsePTX(readTestdata(t, "test_kernels.sm_90.ptx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range mod.Kernels {
		if want, ok := wantParams[k.Name]; ok && !slices.Equal(k.Params, want) {
			t.Errorf("modfile.ParsePTX: %s = %v, want %v", k.Name, k.Params, want)
		}
	}
}

// TestParamsFromPTX checks the fallback for drivers without
// cuFuncGetParamInfo, in a child process whose mockcuda lacks it.
func TestParamsFromPTX(t *testing.T) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") == "noparaminfo" {
		inst, err := (&Driver{libraries: []string{os.Getenv("STREAM_HAL_CUDA_MOCKLIB")}}).Open(hal.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		testDevices = inst.Devices()
		TestModuleMetadata(t)
		TestKernels(t)
		return
	}
	if mockLib == "" {
		t.Skip("needs the mockcuda test double")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestParamsFromPTX$", "-test.v")
	cmd.Env = append(os.Environ(), "STREAM_HAL_CUDA_CHILD=noparaminfo", "MOCKCUDA_NO_PARAMINFO=1", "STREAM_HAL_CUDA_MOCKLIB="+mockLib)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestKernels(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	exe := loadTestKernels(t, d)

	t.Run("vector_add", func(t *testing.T) {
		const n = 1<<20 + 3
		a, b := ramp(n, 0.5, 1), ramp(n, -0.25, 3)
		da, db, dc := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
		upload(t, d, da.Device, a)
		upload(t, d, db.Device, b)
		upload(t, d, dc.Device, poisonF32(n))
		var p packer
		p.u64(da.Device)
		p.u64(db.Device)
		p.u64(dc.Device)
		p.u32(n)
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: ceilDiv(n, 256), Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: p.b}
		if err := q.Dispatch(kernelOf(t, exe, "vector_add"), cfg); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]float32, n)
		download(t, d, got, dc.Device)
		for i := range got {
			if want := a[i] + b[i]; got[i] != want {
				t.Fatalf("c[%d] = %v, want %v", i, got[i], want)
			}
		}
		// Cooperative launches pass kernelParams unpacked from the buffer.
		upload(t, d, dc.Device, poisonF32(n))
		cfg.Grid.X, cfg.Block.X, cfg.Cooperative = 4, 256, true
		var p2 packer
		p2.u64(da.Device)
		p2.u64(db.Device)
		p2.u64(dc.Device)
		p2.u32(1024)
		cfg.Args = p2.b
		if err := q.Dispatch(kernelOf(t, exe, "vector_add"), cfg); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		download(t, d, got, dc.Device)
		for i := range 1024 {
			if want := a[i] + b[i]; got[i] != want {
				t.Fatalf("cooperative: c[%d] = %v, want %v", i, got[i], want)
			}
		}
		if !math.IsNaN(float64(got[1024])) {
			t.Fatalf("cooperative: c[1024] = %v, want untouched", got[1024])
		}
		// A short argument buffer is refused before the driver sees it.
		cfg.Cooperative = false
		cfg.Args = p.b[:20]
		if err := q.Dispatch(kernelOf(t, exe, "vector_add"), cfg); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("Dispatch with 20 argument bytes: %v", err)
		}
	})

	t.Run("saxpy", func(t *testing.T) {
		const n = 100003
		x, y := ramp(n, 0.125, -7), ramp(n, 2, 0.5)
		dx, dy := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
		upload(t, d, dx.Device, x)
		upload(t, d, dy.Device, y)
		const alpha = 1.5
		var p packer
		p.u32(n)
		p.f32(alpha)
		p.u64(dx.Device)
		p.u64(dy.Device)
		if err := q.Dispatch(kernelOf(t, exe, "saxpy"), hal.LaunchConfig{Grid: hal.Dim3{X: ceilDiv(n, 128), Y: 1, Z: 1}, Block: hal.Dim3{X: 128, Y: 1, Z: 1}, Args: p.b}); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]float32, n)
		download(t, d, got, dy.Device)
		for i := range got {
			if want := alpha*x[i] + y[i]; math.Abs(float64(got[i]-want)) > 1e-5*math.Abs(float64(want))+1e-6 {
				t.Fatalf("y[%d] = %v, want %v", i, got[i], want)
			}
		}
	})

	t.Run("matrix_multiply", func(t *testing.T) {
		const M, N, K = 70, 45, 33
		A, B := ramp(M*K, 0.01, -1), ramp(K*N, -0.02, 0.7)
		dA, dB, dC := alloc(t, d, hal.MemoryDevice, 4*M*K), alloc(t, d, hal.MemoryDevice, 4*K*N), alloc(t, d, hal.MemoryDevice, 4*M*N)
		upload(t, d, dA.Device, A)
		upload(t, d, dB.Device, B)
		upload(t, d, dC.Device, poisonF32(M*N))
		var p packer
		p.u64(dA.Device)
		p.u64(dB.Device)
		p.u64(dC.Device)
		p.u32(M)
		p.u32(N)
		p.u32(K)
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: ceilDiv(N, 16), Y: ceilDiv(M, 16), Z: 1}, Block: hal.Dim3{X: 16, Y: 16, Z: 1}, Args: p.b}
		if err := q.Dispatch(kernelOf(t, exe, "matrix_multiply"), cfg); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]float32, M*N)
		download(t, d, got, dC.Device)
		for r := range M {
			for c := range N {
				var want float64
				for k := range K {
					want += float64(A[r*K+k]) * float64(B[k*N+c])
				}
				if math.Abs(float64(got[r*N+c])-want) > 1e-4*math.Max(1, math.Abs(want)) {
					t.Fatalf("C[%d][%d] = %v, want %v", r, c, got[r*N+c], want)
				}
			}
		}
	})

	t.Run("reduce_sum", func(t *testing.T) {
		const n, block = 100000, 256
		in := ramp(n, 0.001, 0.25)
		blocks := ceilDiv(n, block)
		din, dp := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*uint64(blocks))
		upload(t, d, din.Device, in)
		upload(t, d, dp.Device, poisonF32(int(blocks)))
		var p packer
		p.u64(din.Device)
		p.u64(dp.Device)
		p.u32(n)
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: blocks, Y: 1, Z: 1}, Block: hal.Dim3{X: block, Y: 1, Z: 1}, SharedBytes: block * 4, Args: p.b}
		if err := q.Dispatch(kernelOf(t, exe, "reduce_sum"), cfg); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]float32, blocks)
		download(t, d, got, dp.Device)
		for b := range int(blocks) {
			var want float64
			for i := b * block; i < min((b+1)*block, n); i++ {
				want += float64(in[i])
			}
			if math.Abs(float64(got[b])-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Fatalf("partial[%d] = %v, want %v", b, got[b], want)
			}
		}
	})

	t.Run("scale_by_global", func(t *testing.T) {
		const n = 5000
		in := ramp(n, 1, 0)
		din, dout := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
		upload(t, d, din.Device, in)
		addr, _, err := exe.Global("global_scale")
		if err != nil {
			t.Fatal(err)
		}
		upload(t, d, addr, []float32{-3})
		var p packer
		p.u64(din.Device)
		p.u64(dout.Device)
		p.u32(n)
		if err := q.Dispatch(kernelOf(t, exe, "scale_by_global"), hal.LaunchConfig{Grid: hal.Dim3{X: ceilDiv(n, 256), Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: p.b}); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]float32, n)
		download(t, d, got, dout.Device)
		for i := range got {
			if got[i] != -3*in[i] {
				t.Fatalf("out[%d] = %v, want %v", i, got[i], -3*in[i])
			}
		}
	})

	t.Run("args_probe", func(t *testing.T) {
		out := alloc(t, d, hal.MemoryDevice, 64)
		upload(t, d, out.Device, []uint64{1, 1, 1, 1, 1, 1, 1, 1})
		const (
			a = 0xA5
			b = 0xBEEF
			c = 0xDEADBEEF
			e = float32(-1.25)
			f = 3.141592653589793
			y = float32(0.5)
		)
		var dd uint64 = 0x0123456789ABCDEF
		x := int32(-7)
		var p packer
		p.u8(a)
		p.u16(b)
		p.u32(c)
		p.u64(dd)
		p.f32(e)
		p.f64(f)
		p.u32(uint32(x)) // struct {int32 x; float y} aligned to 4
		p.f32(y)
		p.u64(out.Device)
		if len(p.b) != 48 {
			t.Fatalf("packed %d bytes, want 48", len(p.b))
		}
		if err := q.Dispatch(kernelOf(t, exe, "args_probe"), hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 32, Y: 1, Z: 1}, Args: p.b}); err != nil {
			t.Fatal(err)
		}
		drain(t, q)
		got := make([]uint64, 8)
		download(t, d, got, out.Device)
		xu := int64(uint32(x))
		want := []uint64{a, b, c, dd, uint64(math.Float32bits(e)), math.Float64bits(f), uint64(xu), uint64(math.Float32bits(y))}
		if !slices.Equal(got, want) {
			t.Errorf("args_probe wrote %#x, want %#x", got, want)
		}
	})
}

func TestBadModules(t *testing.T) {
	d := testDevice(t)
	bad := ".version 7.8\n.target sm_90\n.address_size 64\n\n.visible .entry broken()\n{\n\tSYNTAX ERROR here;\n\tret;\n}\n"
	_, err := d.Load(hal.FormatPTX, []byte(bad))
	if !errors.Is(err, hal.ErrInvalidImage) {
		t.Fatalf("Load(bad PTX): %v, want hal.ErrInvalidImage", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "JIT log:\n") || !strings.Contains(msg, "ptxas") {
		t.Errorf("Load(bad PTX) error lacks the JIT log: %v", err)
	}
	t.Logf("bad PTX: %v", err)
	if _, err := d.Load(hal.FormatPTX, nil); !errors.Is(err, hal.ErrInvalidImage) {
		t.Errorf("Load(empty): %v", err)
	}
	if _, err := d.Load(hal.FormatSPIRV, []byte{1, 2, 3, 4}); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("Load(SPIR-V): %v", err)
	}
	if !onMock {
		if _, err := d.Load(hal.FormatCubin, []byte("\x7fELF not really a cubin")); !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("Load(bad cubin): %v", err)
		}
	}
	if got := d.Formats(); len(got) != 3 || got[0] != hal.FormatCubin {
		t.Errorf("Formats() = %v", got)
	}
}

func TestEvents(t *testing.T) {
	d := testDevice(t)
	q1, q2 := newQueue(t, d), newQueue(t, d)
	exe := loadTestKernels(t, d)
	e, err := d.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !e.Done() {
		t.Error("a never-recorded event is not Done")
	}
	start, _ := d.NewEvent(0)
	defer start.Close()

	// q1: start, vector_add into c, e. q2 waits for e, then copies c to d.
	const n = 1 << 22
	a := ramp(n, 1, 0)
	da, dc, dd := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
	upload(t, d, da.Device, a)
	upload(t, d, dd.Device, poisonF32(n))
	// Hold q1 in a host function so that q2 demonstrably waits.
	release := make(chan struct{})
	if err := q1.HostCall(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	if err := q1.Record(start); err != nil {
		t.Fatal(err)
	}
	var p packer
	p.u64(da.Device)
	p.u64(da.Device)
	p.u64(dc.Device)
	p.u32(n)
	if err := q1.Dispatch(kernelOf(t, exe, "vector_add"), hal.LaunchConfig{Grid: hal.Dim3{X: n / 256, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: p.b}); err != nil {
		t.Fatal(err)
	}
	if err := q1.Record(e); err != nil {
		t.Fatal(err)
	}
	if err := q2.Wait(e); err != nil {
		t.Fatal(err)
	}
	if err := q2.Copy(dd.Device, dc.Device, 4*n); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if e.Done() || q2.Idle() || q1.Idle() {
		t.Errorf("while q1 is held: e.Done %v, q1.Idle %v, q2.Idle %v", e.Done(), q1.Idle(), q2.Idle())
	}
	ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
	if err := e.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Event.Wait with a deadline while held: %v", err)
	}
	cancel()
	ctx, cancel = context.WithTimeout(bg, 30*time.Millisecond)
	if err := q2.Synchronize(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Queue.Synchronize with a deadline while held: %v", err)
	}
	cancel()
	close(release)
	ctx, cancel = context.WithTimeout(bg, time.Minute)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q2.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q1.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if !e.Done() || !q1.Idle() || !q2.Idle() {
		t.Errorf("after sync: e.Done %v q1.Idle %v q2.Idle %v", e.Done(), q1.Idle(), q2.Idle())
	}
	got := make([]float32, n)
	download(t, d, got, dd.Device)
	for i := range got {
		if got[i] != 2*a[i] {
			t.Fatalf("d[%d] = %v, want %v", i, got[i], 2*a[i])
		}
	}
	ms, err := d.ElapsedTime(start, e)
	if err != nil {
		t.Fatal(err)
	}
	if ms < 0 || ms > 10000 {
		t.Errorf("ElapsedTime = %v ms", ms)
	}
	t.Logf("vector_add of %d floats: %.3f ms", n, ms)

	nt, err := d.NewEvent(hal.EventDisableTiming | hal.EventBlockingSync)
	if err != nil {
		t.Fatal(err)
	}
	defer nt.Close()
	if err := q1.Record(nt); err != nil {
		t.Fatal(err)
	}
	if err := nt.Wait(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ElapsedTime(start, nt); err == nil {
		t.Error("ElapsedTime with a timing-disabled event succeeded")
	}
	if _, err := d.NewEvent(1 << 7); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("NewEvent(bad flags): %v", err)
	}
}

func TestHostCalls(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	exe := loadTestKernels(t, d)
	empty := kernelOf(t, exe, "empty")
	var mu sync.Mutex
	var order []int
	for i := range 50 {
		if err := q.HostCall(func() {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if err := q.Dispatch(empty, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	drain(t, q)
	for i, v := range order {
		if v != i {
			t.Fatalf("host calls ran in order %v", order)
		}
	}
	if len(order) != 50 {
		t.Fatalf("%d host calls ran, want 50", len(order))
	}
	// A panic is reported by the next Synchronize, once.
	if err := q.HostCall(func() { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(bg); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Synchronize after a panicking host function: %v", err)
	}
	drain(t, q)
	if err := q.HostCall(nil); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("HostCall(nil): %v", err)
	}
}

func TestGraph(t *testing.T) {
	for _, extra := range []bool{false, true} {
		t.Run(fmt.Sprintf("extra=%v", extra), func(t *testing.T) {
			forceGraphExtra.Store(extra)
			defer forceGraphExtra.Store(false)
			testGraph(t)
		})
	}
}

func testGraph(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	exe := loadTestKernels(t, d)
	vadd := kernelOf(t, exe, "vector_add")
	const n = 4096
	a, b := ramp(n, 1, 1), ramp(n, 2, -5)
	da, db, dc, dd := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
	upload(t, d, da.Device, a)
	upload(t, d, db.Device, b)
	args := func(x, y, z uint64, n uint32) []byte {
		var p packer
		p.u64(x)
		p.u64(y)
		p.u64(z)
		p.u32(n)
		return p.b
	}
	launch := hal.LaunchConfig{Grid: hal.Dim3{X: n / 256, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: args(da.Device, db.Device, dc.Device, n)}
	ev, err := d.NewEvent(hal.EventDisableTiming)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	var mu sync.Mutex
	var hits []string
	host := func(tag string) func() {
		return func() { mu.Lock(); hits = append(hits, tag); mu.Unlock() }
	}
	g := &hal.Graph{Nodes: []hal.Node{
		0: {Kind: hal.NodeFill, Dst: dc.Device, Size: 4 * n, Pattern: 0x7FC00000, PatternSize: 4},
		1: {Kind: hal.NodeFill, Dst: dd.Device, Size: 4 * n, Pattern: 0xFF, PatternSize: 1},
		2: {Kind: hal.NodeKernel, Deps: []int{0, 1}, Kernel: vadd, Launch: launch},
		3: {Kind: hal.NodeCopy, Deps: []int{2}, Dst: dd.Device, Src: dc.Device, Size: 4 * n},
		4: {Kind: hal.NodeHost, Deps: []int{3, 3}, Host: host("A")},
		5: {Kind: hal.NodeEmpty, Deps: []int{4}},
		6: {Kind: hal.NodeEventRecord, Deps: []int{5}, Event: ev},
		7: {Kind: hal.NodeCopy, Deps: []int{6}, Size: 0},
	}}
	ge, err := d.Instantiate(g)
	if err != nil {
		t.Fatalf("Instantiate: %v", err)
	}
	defer ge.Close()
	verify := func(what string, want func(i int) float32) {
		t.Helper()
		got := make([]float32, n)
		download(t, d, got, dd.Device)
		for i := range got {
			if got[i] != want(i) {
				t.Fatalf("%s: d[%d] = %v, want %v", what, i, got[i], want(i))
			}
		}
	}
	for range 3 {
		if err := q.Execute(ge); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, q)
	if !ev.Done() {
		t.Error("graph's event record node did not complete the event")
	}
	verify("replay", func(i int) float32 { return a[i] + b[i] })
	if strings.Join(hits, "") != "AAA" {
		t.Errorf("host node ran %q, want AAA", hits)
	}

	// Update the kernel (b+b), the copy (into c instead of d is a change of
	// destination, so copy to d from a different source), the fill, the
	// host function.
	upload(t, d, dd.Device, poisonF32(n))
	if err := ge.Update(2, hal.Node{Kind: hal.NodeKernel, Deps: []int{0, 1}, Kernel: vadd, Launch: hal.LaunchConfig{Grid: launch.Grid, Block: launch.Block, Args: args(db.Device, db.Device, dc.Device, n)}}); err != nil {
		t.Fatalf("Update kernel: %v", err)
	}
	if err := ge.Update(4, hal.Node{Kind: hal.NodeHost, Deps: []int{3, 3}, Host: host("B")}); err != nil {
		t.Fatalf("Update host: %v", err)
	}
	if err := q.Execute(ge); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	verify("updated kernel", func(i int) float32 { return 2 * b[i] })
	if err := ge.Update(3, hal.Node{Kind: hal.NodeCopy, Deps: []int{2}, Dst: dd.Device, Src: da.Device, Size: 4 * n}); err != nil {
		t.Fatalf("Update copy: %v", err)
	}
	if err := q.Execute(ge); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	verify("updated copy", func(i int) float32 { return a[i] })
	if err := ge.Update(1, hal.Node{Kind: hal.NodeFill, Dst: dd.Device, Size: 4 * n, Pattern: 0x3F800000, PatternSize: 4}); err != nil {
		t.Fatalf("Update fill: %v", err)
	}
	if err := ge.Update(3, hal.Node{Kind: hal.NodeCopy, Deps: []int{2}, Dst: dc.Device, Src: da.Device, Size: 4}); err != nil {
		t.Fatalf("Update copy: %v", err)
	}
	if err := q.Execute(ge); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	verify("updated fill", func(int) float32 { return 1 })
	if strings.Join(hits, "") != "AAABBB" {
		t.Errorf("host node ran %q, want AAABBB", hits)
	}

	// Changes that need a new instantiation.
	for i, node := range map[int]hal.Node{
		2: {Kind: hal.NodeEmpty, Deps: []int{0, 1}},
		3: {Kind: hal.NodeCopy, Deps: []int{1}, Dst: dd.Device, Src: dc.Device, Size: 4},
		7: {Kind: hal.NodeCopy, Deps: []int{6}, Dst: dd.Device, Src: dc.Device, Size: 4},
	} {
		if err := ge.Update(i, node); !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("Update(%d, %v): %v, want hal.ErrNotSupported", i, node.Kind, err)
		}
	}
	if err := ge.Update(99, hal.Node{Kind: hal.NodeEmpty}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Update(99): %v", err)
	}

	// Invalid graphs.
	if _, err := d.Instantiate(&hal.Graph{Nodes: []hal.Node{{Kind: hal.NodeEmpty, Deps: []int{0}}}}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Instantiate(self-dependency): %v", err)
	}
	if _, err := d.Instantiate(&hal.Graph{Nodes: []hal.Node{{Kind: hal.NodeHost}}}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("Instantiate(host node without function): %v", err)
	}

	// A 100-node chain of empty kernels.
	empty := kernelOf(t, exe, "empty")
	chain := &hal.Graph{}
	for i := range 100 {
		node := hal.Node{Kind: hal.NodeKernel, Kernel: empty, Launch: hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}}
		if i > 0 {
			node.Deps = []int{i - 1}
		}
		chain.Nodes = append(chain.Nodes, node)
	}
	ce, err := d.Instantiate(chain)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if err := q.Execute(ce); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, q)
	if err := ce.Close(); err != nil {
		t.Error(err)
	}
	if err := q.Execute(ce); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("Execute after Close: %v", err)
	}
	if err := ce.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("second Close: %v", err)
	}
}

func TestUseAfterClose(t *testing.T) {
	d := testDevice(t)
	q, err := d.NewQueue(hal.QueueOptions{Priority: d.Info().StreamPriorityGreatest})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("second Close: %v", err)
	}
	if err := q.Copy(1, 2, 3); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("Copy after Close: %v", err)
	}
	if err := q.Synchronize(bg); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("Synchronize after Close: %v", err)
	}
	if !q.Idle() {
		t.Error("closed queue is not idle")
	}
	e, _ := d.NewEvent(0)
	e.Close()
	if err := e.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("event second Close: %v", err)
	}
	if err := e.Wait(bg); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("Wait on a closed event: %v", err)
	}
	exe := loadTestKernels(t, d)
	k := kernelOf(t, exe, "empty")
	exe.Close()
	q2 := newQueue(t, d)
	if err := q2.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("Dispatch of a closed module's kernel: %v", err)
	}
	if err := exe.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("module second Close: %v", err)
	}
}

// TestConcurrentDevices drives every device from many goroutines at once:
// each call makes its own device's context current, whatever thread runs
// it (mockcuda rejects a stream used under another context).
func TestConcurrentDevices(t *testing.T) {
	testDevice(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		d := testDevices[g%len(testDevices)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := d.NewQueue(hal.QueueOptions{})
			if err != nil {
				errs <- err
				return
			}
			defer q.Close()
			a, err := d.Allocate(hal.MemoryDevice, 4096)
			if err != nil {
				errs <- err
				return
			}
			defer d.Free(hal.MemoryDevice, a.Device)
			for i := range 200 {
				if err := q.Fill(a.Device, 4096, uint32(i), 4); err != nil {
					errs <- err
					return
				}
				if i%50 == 0 {
					if err := q.Synchronize(bg); err != nil {
						errs <- err
						return
					}
				}
			}
			if err := q.Synchronize(bg); err != nil {
				errs <- err
				return
			}
			var got [1024]uint32
			if err := d.CopyToHost(unsafe.Pointer(&got[0]), a.Device, 4096); err != nil {
				errs <- err
				return
			}
			if got[0] != 199 || got[1023] != 199 {
				errs <- fmt.Errorf("device %d: fill result %d", d.Info().Ordinal, got[0])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPeer(t *testing.T) {
	testDevice(t)
	if len(testDevices) < 2 {
		t.Skipf("needs two devices, have %d", len(testDevices))
	}
	d0, d1 := testDevices[0].(hal.PeerDevice), testDevices[1]
	if d0.CanAccessPeer(testDevices[0]) {
		t.Error("a device is its own peer")
	}
	if !d0.CanAccessPeer(d1) {
		t.Skip("devices 0 and 1 cannot access each other")
	}
	if err := d0.EnablePeerAccess(d1); err != nil {
		t.Fatal(err)
	}
	if err := d0.EnablePeerAccess(d1); !errors.Is(err, hal.ErrPeerAlreadyEnabled) {
		t.Errorf("second EnablePeerAccess: %v", err)
	}
	const n = 1 << 20
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i * 13)
	}
	a1 := alloc(t, d1, hal.MemoryDevice, n)
	a0 := alloc(t, testDevices[0], hal.MemoryDevice, n)
	upload(t, d1, a1.Device, src)
	q := newQueue(t, testDevices[0])
	if err := d0.CopyPeer(q, a0.Device, d1, a1.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q)
	got := make([]byte, n)
	download(t, testDevices[0], got, a0.Device)
	if i := firstDiff(got, src); i >= 0 {
		t.Fatalf("peer copy differs at %d", i)
	}
	// Ordered on a queue of the source device.
	q1 := newQueue(t, d1)
	upload(t, testDevices[0], a0.Device, make([]byte, n))
	if err := d0.CopyPeer(q1, a0.Device, d1, a1.Device, n); err != nil {
		t.Fatal(err)
	}
	drain(t, q1)
	download(t, testDevices[0], got, a0.Device)
	if i := firstDiff(got, src); i >= 0 {
		t.Fatalf("peer copy on the source's queue differs at %d", i)
	}
	if len(testDevices) > 2 {
		if err := d0.CopyPeer(newQueue(t, testDevices[2]), a0.Device, d1, a1.Device, n); !errors.Is(err, hal.ErrInvalidHandle) {
			t.Errorf("CopyPeer on a third device's queue: %v", err)
		}
	}
	if err := d0.DisablePeerAccess(d1); err != nil {
		t.Fatal(err)
	}
	if err := d0.DisablePeerAccess(d1); !errors.Is(err, hal.ErrPeerNotEnabled) {
		t.Errorf("second DisablePeerAccess: %v", err)
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		code int
		name string
		err  error
	}{
		{2, "CUDA_ERROR_OUT_OF_MEMORY", hal.ErrOutOfMemory},
		{1, "CUDA_ERROR_INVALID_VALUE", hal.ErrInvalidValue},
		{400, "CUDA_ERROR_INVALID_HANDLE", hal.ErrInvalidHandle},
		{500, "CUDA_ERROR_NOT_FOUND", hal.ErrNotFound},
		{600, "CUDA_ERROR_NOT_READY", hal.ErrNotReady},
		{700, "CUDA_ERROR_ILLEGAL_ADDRESS", hal.ErrIllegalAddress},
		{701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", hal.ErrLaunchResources},
		{704, "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", hal.ErrPeerAlreadyEnabled},
		{705, "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED", hal.ErrPeerNotEnabled},
		{209, "CUDA_ERROR_NO_BINARY_FOR_GPU", hal.ErrNoBinaryForDevice},
		{218, "CUDA_ERROR_INVALID_PTX", hal.ErrInvalidImage},
		{719, "CUDA_ERROR_LAUNCH_FAILED", hal.ErrLaunchFailed},
		{901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", hal.ErrCaptureInvalidated},
		{904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED", hal.ErrCaptureUnjoined},
		{401, "CUDA_ERROR_ILLEGAL_STATE", hal.ErrIllegalState},
		{909, "CUDA_ERROR_TIMEOUT", hal.ErrTimeout},
		{100, "CUDA_ERROR_NO_DEVICE", hal.ErrNotAvailable},
	} {
		err := checkCode(tc.code, "cuThing(%d)", 7)
		want := "hal/cuda: cuThing(7): " + tc.name + ": " + tc.err.Error()
		if err == nil || err.Error() != want || !errors.Is(err, tc.err) {
			t.Errorf("check(%d) = %v, want %q wrapping %v", tc.code, err, want, tc.err)
		}
	}
	if checkCode(0, "x") != nil {
		t.Error("check(CUDA_SUCCESS) != nil")
	}
	if err := checkCode(4242, "x"); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("unknown code: %v", err)
	} else {
		t.Logf("unknown code: %v", err)
	}
	if err := checkCode(777, "x"); !errors.Is(err, hal.ErrLaunchFailed) {
		t.Errorf("unknown 7xx code: %v", err)
	}
	// The names and sentinels come from internal/abi/cuda's table.
	if err := checkCode(700, "x"); !errors.Is(err, hal.ErrIllegalAddress) || !strings.Contains(err.Error(), "CUDA_ERROR_ILLEGAL_ADDRESS") {
		t.Errorf("CUDA_ERROR_ILLEGAL_ADDRESS: %v", err)
	}
}

// TestIllegalAddress launches vector_add on a bogus pointer in a child
// process (the fault poisons the context): the next Synchronize must report
// hal.ErrIllegalAddress.
func TestIllegalAddress(t *testing.T) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") == "fault" {
		inst, err := (&Driver{}).Open(hal.Config{})
		if err != nil {
			t.Fatal(err)
		}
		testDevices = inst.Devices()
		d := testDevices[0]
		q := newQueue(t, d)
		exe := loadTestKernels(t, d)
		var p packer
		p.u64(0x10)
		p.u64(0x10)
		p.u64(0x10)
		p.u32(1 << 20)
		if err := q.Dispatch(kernelOf(t, exe, "vector_add"), hal.LaunchConfig{Grid: hal.Dim3{X: 4096, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: p.b}); err != nil {
			t.Fatal(err)
		}
		err = q.Synchronize(bg)
		t.Logf("Synchronize after a fault: %v", err)
		if !errors.Is(err, hal.ErrIllegalAddress) && !errors.Is(err, hal.ErrLaunchFailed) {
			t.Fatalf("Synchronize after a fault: %v, want hal.ErrIllegalAddress", err)
		}
		return
	}
	testDevice(t)
	skipOnMock(t, "device faults")
	cmd := exec.Command(os.Args[0], "-test.run=^TestIllegalAddress$", "-test.v")
	cmd.Env = append(os.Environ(), "STREAM_HAL_CUDA_CHILD=fault")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
