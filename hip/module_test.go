package hip_test

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/streaming"
)

func TestModules(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	for _, name := range []string{"vector_add", "saxpy", "matrix_multiply", "reduce_sum", "empty"} {
		f := function(t, m, name)
		if f.Name() != name {
			t.Errorf("ModuleGetFunction(%q).Name() = %q", name, f.Name())
		}
	}
	_, err := hip.ModuleGetFunction(m, "no_such_kernel")
	wantCode(t, "ModuleGetFunction missing", err, hip.HipErrorNotFound)
	_, err = hip.ModuleGetFunction(m, "")
	wantCode(t, "ModuleGetFunction empty name", err, hip.HipErrorInvalidValue)
	_, err = hip.ModuleGetFunction(nil, "vector_add")
	wantCode(t, "ModuleGetFunction nil module", err, hip.HipErrorInvalidHandle)

	// global_scale is a module-scope float initialised to 2.0 (not on
	// SPIR-V).
	if g, size, err := hip.ModuleGetGlobal(m, "global_scale"); err == nil {
		if size != 4 {
			t.Errorf("global_scale is %d bytes", size)
		}
		var v [1]float32
		ok(t, "MemcpyDtoH global", hip.MemcpyDtoH(v[:], g, 4))
		if v[0] != 2 {
			t.Errorf("global_scale = %v, want 2", v[0])
		}
		// Globals take part in copies like any device memory.
		ok(t, "MemcpyHtoD global", hip.MemcpyHtoD(g, []float32{3}, 4))
		ok(t, "MemcpyDtoH global", hip.MemcpyDtoH(v[:], g, 4))
		if v[0] != 3 {
			t.Errorf("global_scale after writing 3 = %v", v[0])
		}
	} else if backend() != "vulkan" {
		t.Errorf("ModuleGetGlobal(global_scale): %v", err)
	}
	_, _, err = hip.ModuleGetGlobal(m, "no_such_global")
	wantCode(t, "ModuleGetGlobal missing", err, hip.HipErrorNotFound)
	_, _, err = hip.ModuleGetGlobal(nil, "global_scale")
	wantCode(t, "ModuleGetGlobal nil module", err, hip.HipErrorInvalidHandle)

	// Loading from memory, with and without (ignored) JIT options.
	data, err := os.ReadFile(haltest.TestdataFile(t, "test_kernels.fat"))
	ok(t, "read test_kernels.fat", err)
	m2, err := hip.ModuleLoadData(data)
	ok(t, "ModuleLoadData", err)
	function(t, m2, "saxpy")
	ok(t, "ModuleUnload", hip.ModuleUnload(m2))
	wantCode(t, "ModuleUnload twice", hip.ModuleUnload(m2), hip.HipErrorNotFound)
	_, err = hip.ModuleGetFunction(m2, "saxpy")
	wantCode(t, "ModuleGetFunction after unload", err, hip.HipErrorInvalidHandle)
	wantCode(t, "ModuleUnload(nil)", hip.ModuleUnload(nil), hip.HipErrorInvalidHandle)

	maxRegs := 32
	m3, err := hip.ModuleLoadDataEx(data, []hip.JitOption{hip.HipJitOptionMaxRegisters}, []unsafe.Pointer{unsafe.Pointer(&maxRegs)})
	ok(t, "ModuleLoadDataEx", err)
	function(t, m3, "empty")
	ok(t, "ModuleUnload", hip.ModuleUnload(m3))
	_, err = hip.ModuleLoadDataEx(data, []hip.JitOption{hip.HipJitOptionMaxRegisters}, nil)
	wantCode(t, "ModuleLoadDataEx option without value", err, hip.HipErrorInvalidValue)
	_, err = hip.ModuleLoadDataEx(data, []hip.JitOption{99}, []unsafe.Pointer{nil})
	wantCode(t, "ModuleLoadDataEx unknown option", err, hip.HipErrorInvalidValue)

	// Bad images.
	_, err = hip.ModuleLoad(haltest.TestdataFile(t, "no_such_module.fat"))
	wantCode(t, "ModuleLoad missing file", err, hip.HipErrorFileNotFound)
	_, err = hip.ModuleLoadData([]byte("this is not a module"))
	wantCode(t, "ModuleLoadData garbage", err, hip.HipErrorInvalidImage)
	_, err = hip.ModuleLoadData(nil)
	wantCode(t, "ModuleLoadData empty", err, hip.HipErrorInvalidValue)
	if backend() == "cpu" {
		// The CPU translates PTX; PTX it cannot run is an invalid kernel
		// file (CUDA_ERROR_INVALID_PTX in the driver API).
		_, err = hip.ModuleLoadData([]byte(".version 7.0\n.target sm_80\n.address_size 64\n.visible .entry k() {\n  .reg .f32 %f<5>;\n  .reg .b64 %rd<2>;\n  tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f1,%f2}];\n}\n"))
		wantCode(t, "ModuleLoadData PTX with a texture fetch on the CPU", err, hip.HipErrorInvalidKernelFile)
		// A truncated CPU library is damaged.
		so, err := os.ReadFile(haltest.TestdataFile(t, "test_kernels.x86_64.so"))
		ok(t, "read .so", err)
		_, err = hip.ModuleLoadData(so[:len(so)/3])
		wantCode(t, "ModuleLoadData truncated", err, hip.HipErrorInvalidImage)
	}
	hip.GetLastError()
}

func TestFuncAttributes(t *testing.T) {
	rt := setup(t, 1)
	info := rt.Devices()[0].Info()
	m := loadKernels(t)
	f := function(t, m, "reduce_sum")
	a, err := hip.FuncGetAttributes(f)
	ok(t, "FuncGetAttributes", err)
	if a.MaxThreadsPerBlock < 1 || a.MaxThreadsPerBlock > info.MaxThreadsPerBlock {
		t.Errorf("MaxThreadsPerBlock %d, device %d", a.MaxThreadsPerBlock, info.MaxThreadsPerBlock)
	}
	if a.PreferredShmemCarveout != -1 || a.CacheModeCA != 0 {
		t.Errorf("attributes %+v", a)
	}
	if want := info.SharedMemPerBlock - int(a.SharedSizeBytes); a.MaxDynamicSharedSizeBytes != want {
		t.Errorf("MaxDynamicSharedSizeBytes %d, want %d", a.MaxDynamicSharedSizeBytes, want)
	}
	for attr, want := range map[hip.FunctionAttribute]int{
		hip.HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:             a.MaxThreadsPerBlock,
		hip.HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:                 int(a.SharedSizeBytes),
		hip.HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:                  int(a.ConstSizeBytes),
		hip.HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:                  int(a.LocalSizeBytes),
		hip.HIP_FUNC_ATTRIBUTE_NUM_REGS:                          a.NumRegs,
		hip.HIP_FUNC_ATTRIBUTE_PTX_VERSION:                       a.PtxVersion,
		hip.HIP_FUNC_ATTRIBUTE_BINARY_VERSION:                    a.BinaryVersion,
		hip.HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:     a.MaxDynamicSharedSizeBytes,
		hip.HIP_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:  -1,
		hip.HIP_FUNC_ATTRIBUTE_CACHE_MODE_CA:                     0,
		hip.HIP_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:            0,
		hip.HIP_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED: 0,
	} {
		got, err := hip.FuncGetAttribute(attr, f)
		ok(t, attr.String(), err)
		if got != want {
			t.Errorf("FuncGetAttribute(%v) = %d, want %d", attr, got, want)
		}
	}
	_, err = hip.FuncGetAttribute(77, f)
	wantCode(t, "FuncGetAttribute(77)", err, hip.HipErrorInvalidValue)
	_, err = hip.FuncGetAttribute(hip.HIP_FUNC_ATTRIBUTE_NUM_REGS, nil)
	wantCode(t, "FuncGetAttribute(nil)", err, hip.HipErrorInvalidHandle)

	// Dynamic shared memory: lower the limit, read it back, launches past
	// it fail.
	ok(t, "FuncSetAttribute", hip.FuncSetAttribute(f, hip.HipFuncAttributeMaxDynamicSharedMemorySize, 1024))
	if v, _ := hip.FuncGetAttribute(hip.HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f); v != 1024 {
		t.Errorf("max dynamic shared memory after setting 1024: %d", v)
	}
	wantCode(t, "FuncSetAttribute past the device", hip.FuncSetAttribute(f, hip.HipFuncAttributeMaxDynamicSharedMemorySize, 1<<30),
		hip.HipErrorInvalidValue)
	wantCode(t, "FuncSetAttribute negative", hip.FuncSetAttribute(f, hip.HipFuncAttributeMaxDynamicSharedMemorySize, -1),
		hip.HipErrorInvalidValue)
	ok(t, "FuncSetAttribute carveout", hip.FuncSetAttribute(f, hip.HipFuncAttributePreferredSharedMemoryCarveout, 50))
	if v, _ := hip.FuncGetAttribute(hip.HIP_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, f); v != 50 {
		t.Errorf("carveout after setting 50: %d", v)
	}
	wantCode(t, "FuncSetAttribute carveout 101", hip.FuncSetAttribute(f, hip.HipFuncAttributePreferredSharedMemoryCarveout, 101),
		hip.HipErrorInvalidValue)
	wantCode(t, "FuncSetAttribute cluster", hip.FuncSetAttribute(f, hip.HipFuncAttributeRequiredClusterWidth, 2),
		hip.HipErrorNotSupported)
	wantCode(t, "FuncSetAttribute(3)", hip.FuncSetAttribute(f, 3, 0), hip.HipErrorInvalidValue)
	wantCode(t, "FuncSetAttribute(nil)", hip.FuncSetAttribute(nil, hip.HipFuncAttributeMaxDynamicSharedMemorySize, 0),
		hip.HipErrorInvalidDeviceFunction)

	ok(t, "FuncSetCacheConfig", hip.FuncSetCacheConfig(f, hip.HipFuncCachePreferShared))
	if f.Attributes().CacheConfig != streaming.FuncCachePreferShared {
		t.Error("FuncSetCacheConfig not recorded")
	}
	wantCode(t, "FuncSetCacheConfig(9)", hip.FuncSetCacheConfig(f, 9), hip.HipErrorInvalidValue)
	wantCode(t, "FuncSetCacheConfig(nil)", hip.FuncSetCacheConfig(nil, 0), hip.HipErrorInvalidDeviceFunction)
	ok(t, "FuncSetSharedMemConfig", hip.FuncSetSharedMemConfig(f, hip.HipSharedMemBankSizeEightByte))
	if f.Attributes().SharedConfig != streaming.SharedMemConfigEightByte {
		t.Error("FuncSetSharedMemConfig not recorded")
	}
	wantCode(t, "FuncSetSharedMemConfig(5)", hip.FuncSetSharedMemConfig(f, 5), hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestOccupancy(t *testing.T) {
	rt := setup(t, 1)
	info := rt.Devices()[0].Info()
	m := loadKernels(t)
	f := function(t, m, "vector_add")
	attrs, err := hip.FuncGetAttributes(f)
	ok(t, "FuncGetAttributes", err)

	// An independent reference from the device attributes: blocks are
	// limited by threads, blocks and registers per multiprocessor.
	warp := max(info.WarpSize, 1)
	for _, bs := range []int{1, warp, 64, 128, 256} {
		if bs > attrs.MaxThreadsPerBlock {
			continue
		}
		threads := (bs + warp - 1) / warp * warp
		want := max(info.MaxThreadsPerMultiprocessor, info.MaxThreadsPerBlock) / threads
		if info.MaxBlocksPerMultiprocessor > 0 {
			want = min(want, info.MaxBlocksPerMultiprocessor)
		}
		if attrs.NumRegs > 0 && info.RegistersPerMultiprocessor > 0 {
			want = min(want, info.RegistersPerMultiprocessor/(attrs.NumRegs*threads))
		}
		got, err := hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f, bs, 0)
		ok(t, "ModuleOccupancyMaxActiveBlocksPerMultiprocessor", err)
		if got != want || got < 1 {
			t.Errorf("block size %d: %d blocks per multiprocessor, want %d", bs, got, want)
		}
		got2, err := hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, bs, 0, hip.HipOccupancyDisableCachingOverride)
		ok(t, "...WithFlags", err)
		if got2 != got {
			t.Errorf("WithFlags: %d, without: %d", got2, got)
		}
	}
	_, err = hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f, 0, 0)
	wantCode(t, "block size 0", err, hip.HipErrorInvalidValue)
	_, err = hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, 64, 0, 4)
	wantCode(t, "bad flags", err, hip.HipErrorInvalidValue)
	_, err = hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(nil, 64, 0)
	wantCode(t, "nil function", err, hip.HipErrorInvalidHandle)

	grid, block, err := hip.ModuleOccupancyMaxPotentialBlockSize(f, 0, 0)
	ok(t, "ModuleOccupancyMaxPotentialBlockSize", err)
	if block < 1 || block > attrs.MaxThreadsPerBlock || grid < 1 {
		t.Fatalf("potential block size %d, grid %d", block, grid)
	}
	// The chosen block size reaches the best occupancy of all candidates.
	best, _ := hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f, block, 0)
	for bs := warp; bs <= attrs.MaxThreadsPerBlock; bs += warp {
		n, _ := hip.ModuleOccupancyMaxActiveBlocksPerMultiprocessor(f, bs, 0)
		if n*bs > best*block {
			t.Errorf("block size %d keeps %d threads busy, the chosen %d only %d", bs, n*bs, block, best*block)
		}
	}
	if want := best * max(info.MultiprocessorCount, 1); grid != want {
		t.Errorf("grid %d, want %d", grid, want)
	}
	_, block, err = hip.ModuleOccupancyMaxPotentialBlockSizeWithFlags(f, 0, 2*warp, 0)
	ok(t, "...WithFlags", err)
	if block > 2*warp {
		t.Errorf("block size %d past the limit %d", block, 2*warp)
	}
	_, _, err = hip.ModuleOccupancyMaxPotentialBlockSize(f, 0, -1)
	wantCode(t, "negative limit", err, hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestLaunch(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	f := function(t, m, "vector_add")
	const n = 10007
	a := seq(n, func(i int) float32 { return float32(i) })
	b := seq(n, func(i int) float32 { return 0.25 * float32(n-i) })
	want := seq(n, func(i int) float32 { return a[i] + b[i] })
	dA, dB, dC := malloc(t, 4*n), malloc(t, 4*n), malloc(t, 4*n)
	ok(t, "MemcpyHtoD a", hip.MemcpyHtoD(dA, a, 4*n))
	ok(t, "MemcpyHtoD b", hip.MemcpyHtoD(dB, b, 4*n))
	nArg := uint32(n)
	const block = 128
	grid := uint32((n + block - 1) / block)
	result := func(what string) {
		t.Helper()
		got := poisoned(n)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dC, 4*n))
		checkFloats(t, what, got, want)
		ok(t, "MemsetD32", hip.MemsetD32(dC, -1, n))
	}

	// kernelParams, with and without C's trailing NULL.
	kp := params(unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nArg))
	ok(t, "ModuleLaunchKernel", hip.ModuleLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, nil, kp, nil))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(nil))
	result("kernelParams")
	ok(t, "ModuleLaunchKernel NULL-terminated", hip.ModuleLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, nil, append(kp, nil), nil))
	result("NULL-terminated kernelParams")

	// extra: the packed buffer, here built by hand as a C caller would.
	buf := make([]byte, 32)
	binary.LittleEndian.PutUint64(buf[0:], uint64(dA))
	binary.LittleEndian.PutUint64(buf[8:], uint64(dB))
	binary.LittleEndian.PutUint64(buf[16:], uint64(dC))
	binary.LittleEndian.PutUint32(buf[24:], n)
	s, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreateWithFlags", err)
	ok(t, "ModuleLaunchKernel extra", hip.ModuleLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, s, nil, hip.LaunchParamBuffer(buf)))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	result("extra")
	// The same with streaming.PackArgs and a hand-made extra array.
	packed, err := streaming.PackArgs(f.Params(), dA, dB, dC, uint32(n))
	ok(t, "PackArgs", err)
	size := uint64(len(packed))
	extra := []unsafe.Pointer{hip.LaunchParamBufferPointer, unsafe.Pointer(&packed[0]), hip.LaunchParamBufferSize,
		unsafe.Pointer(&size), hip.LaunchParamEnd}
	ok(t, "ModuleLaunchKernel extra by hand", hip.ModuleLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, s, nil, extra))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	result("extra by hand")

	// Misuse, with AMD's codes.
	launch := func(gx, bx uint32, s hip.Stream, kp, extra []unsafe.Pointer) error {
		return hip.ModuleLaunchKernel(f, gx, 1, 1, bx, 1, 1, 0, s, kp, extra)
	}
	wantCode(t, "both kernelParams and extra", launch(grid, block, nil, kp, hip.LaunchParamBuffer(buf)), hip.HipErrorInvalidValue)
	wantCode(t, "grid 0", launch(0, block, nil, kp, nil), hip.HipErrorInvalidValue)
	wantCode(t, "block 0", launch(grid, 0, nil, kp, nil), hip.HipErrorInvalidConfiguration)
	wantCode(t, "nil function", hip.ModuleLaunchKernel(nil, 1, 1, 1, 1, 1, 1, 0, nil, kp, nil), hip.HipErrorInvalidHandle)
	wantCode(t, "three kernelParams", launch(grid, block, nil, kp[:3], nil), hip.HipErrorInvalidValue)
	wantCode(t, "no arguments", launch(grid, block, nil, nil, nil), hip.HipErrorInvalidValue)
	wantCode(t, "extra pieces swapped", launch(grid, block, nil, nil,
		[]unsafe.Pointer{hip.LaunchParamBufferSize, unsafe.Pointer(&size), hip.LaunchParamBufferPointer, unsafe.Pointer(&packed[0]), hip.LaunchParamEnd}),
		hip.HipErrorInvalidValue)
	wantCode(t, "extra without a size", launch(grid, block, nil, nil,
		[]unsafe.Pointer{hip.LaunchParamBufferPointer, unsafe.Pointer(&packed[0]), hip.LaunchParamBufferSize, nil, hip.LaunchParamEnd}),
		hip.HipErrorInvalidValue)
	wantCode(t, "extra without a buffer", launch(grid, block, nil, nil,
		[]unsafe.Pointer{hip.LaunchParamBufferPointer, nil, hip.LaunchParamBufferSize, unsafe.Pointer(&size), hip.LaunchParamEnd}),
		hip.HipErrorInvalidValue)
	wantCode(t, "extra unterminated", launch(grid, block, nil, nil, hip.LaunchParamBuffer(buf)[:4]), hip.HipErrorInvalidValue)
	wantCode(t, "extra buffer too short", launch(grid, block, nil, nil, hip.LaunchParamBuffer(buf[:20])), hip.HipErrorInvalidValue)
	wantCode(t, "block past the device", launch(1, 1<<20, nil, kp, nil), hip.HipErrorInvalidValue)
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	wantCode(t, "destroyed stream", launch(grid, block, s, kp, nil), hip.HipErrorInvalidValue)

	// A kernel with scalar arguments in the middle, and one without any.
	saxpy := function(t, m, "saxpy")
	alpha := float32(1.5)
	ok(t, "MemcpyDtoD", hip.MemcpyDtoD(dC, dB, 4*n))
	ok(t, "saxpy", hip.ModuleLaunchKernel(saxpy, grid, 1, 1, block, 1, 1, 0, nil,
		params(unsafe.Pointer(&nArg), unsafe.Pointer(&alpha), unsafe.Pointer(&dA), unsafe.Pointer(&dC)), nil))
	got := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, dC, 4*n))
	checkFloats(t, "saxpy", got, seq(n, func(i int) float32 { return alpha*a[i] + b[i] }))
	empty := function(t, m, "empty")
	ok(t, "empty", hip.ModuleLaunchKernel(empty, 3, 2, 1, 4, 1, 1, 0, nil, nil, nil))
	ok(t, "CtxSynchronize", hip.CtxSynchronize())
	hip.GetLastError()
}

func TestLaunchSharedMemory(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	m := loadKernels(t)
	f := function(t, m, "reduce_sum")
	const n, block = 5000, 256
	const blocks = (n + block - 1) / block
	in := seq(n, func(i int) float32 { return float32(i%17) - 3 })
	dIn, dPartial := malloc(t, 4*n), malloc(t, 4*blocks)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dIn, in, 4*n))
	nArg := uint32(n)
	ok(t, "reduce_sum", hip.ModuleLaunchKernel(f, blocks, 1, 1, block, 1, 1, block*4, nil,
		params(unsafe.Pointer(&dIn), unsafe.Pointer(&dPartial), unsafe.Pointer(&nArg)), nil))
	partial := poisoned(blocks)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(partial, dPartial, 4*blocks))
	want := make([]float32, blocks)
	for i, v := range in {
		want[i/block] += v
	}
	checkFloats(t, "partial sums", partial, want)
	// More dynamic shared memory than the kernel may have.
	wantCode(t, "too much shared memory", hip.ModuleLaunchKernel(f, blocks, 1, 1, block, 1, 1, 1<<30, nil,
		params(unsafe.Pointer(&dIn), unsafe.Pointer(&dPartial), unsafe.Pointer(&nArg)), nil), hip.HipErrorInvalidValue)
	hip.GetLastError()
}

func TestCooperativeLaunch(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	if backend() != "cpu" {
		t.Skip("grid_sum, the cooperative test kernel, exists for the CPU only")
	}
	// It is in the SHAL C library only (kernels/README.md says why).
	lib, err := haltest.CPUKernels()
	if err != nil {
		t.Fatal(err)
	}
	m, err := hip.ModuleLoadData(lib)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hip.ModuleUnload(m) })
	f := function(t, m, "grid_sum")
	const n, block, grid = 100003, 64, 7
	in := seq(n, func(i int) float32 { return float32(i % 5) })
	dIn, dPartial, dOut := malloc(t, 4*n), malloc(t, 4*grid), malloc(t, 4)
	ok(t, "MemcpyHtoD", hip.MemcpyHtoD(dIn, in, 4*n))
	ok(t, "MemsetD32", hip.MemsetD32(dOut, -1, 1))
	nArg := uint32(n)
	ok(t, "ModuleLaunchCooperativeKernel", hip.ModuleLaunchCooperativeKernel(f, grid, 1, 1, block, 1, 1, 0, nil,
		params(unsafe.Pointer(&dIn), unsafe.Pointer(&dPartial), unsafe.Pointer(&dOut), unsafe.Pointer(&nArg))))
	var out [1]float32
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(out[:], dOut, 4))
	var want float64
	for _, v := range in {
		want += float64(v)
	}
	if math.Abs(float64(out[0])-want) > 1e-3*want {
		t.Errorf("grid_sum = %v, want %v", out[0], want)
	}
	wantCode(t, "cooperative block 0", hip.ModuleLaunchCooperativeKernel(f, grid, 1, 1, 0, 1, 1, 0, nil, nil),
		hip.HipErrorInvalidConfiguration)
	hip.GetLastError()
}
