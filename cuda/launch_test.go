package cuda_test

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

func TestModule(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	path := kernelsPath(t)
	m := val[*cuda.Module](t)(cuda.ModuleLoad(path))
	f1 := function(t, m, "vector_add")
	if f2 := function(t, m, "vector_add"); f2 != f1 {
		t.Error("ModuleGetFunction returned two handles for one kernel")
	}
	if name := val[string](t)(cuda.FuncGetName(f1)); name != "vector_add" {
		t.Errorf("FuncGetName = %q", name)
	}
	if mod := val[*cuda.Module](t)(cuda.FuncGetModule(f1)); mod != m {
		t.Error("FuncGetModule is not the module")
	}
	if n := val[int](t)(cuda.ModuleGetFunctionCount(m)); n < 6 {
		t.Errorf("ModuleGetFunctionCount = %d, want at least 6", n)
	}
	_, err := cuda.ModuleGetFunction(m, "no_such_kernel")
	wantErr(t, "ModuleGetFunction(missing)", err, cuda.CUDA_ERROR_NOT_FOUND)
	_, _, err = cuda.ModuleGetGlobal(m, "no_such_global")
	wantErr(t, "ModuleGetGlobal(missing)", err, cuda.CUDA_ERROR_NOT_FOUND)

	// global_scale is a float initialised to 2.0 (not in SPIR-V modules).
	if g, size, err := cuda.ModuleGetGlobal(m, "global_scale"); err == nil {
		if size != 4 {
			t.Errorf("global_scale is %d bytes", size)
		}
		v := []float32{float32(math.NaN())}
		ok(t, cuda.MemcpyDtoHSlice(v, g))
		if v[0] != 2 {
			t.Errorf("global_scale = %v, want 2", v[0])
		}
		// Writing it changes what scale_by_global computes.
		ok(t, cuda.MemcpyHtoDSlice(g, []float32{3}))
		f := function(t, m, "scale_by_global")
		in, out := alloc(t, 16), alloc(t, 16)
		ok(t, cuda.MemcpyHtoDSlice(in, []float32{1, 2, 3, 4}))
		n := uint32(4)
		ok(t, cuda.LaunchKernel(f, 1, 1, 1, 4, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&in), ptrOf(&out), ptrOf(&n)}, nil))
		got := poisoned(4)
		ok(t, cuda.MemcpyDtoHSlice(got, out))
		for i, v := range got {
			if v != 3*float32(i+1) {
				t.Errorf("scale_by_global[%d] = %v, want %v", i, v, 3*float32(i+1))
			}
		}
	} else if !errors.Is(err, cuda.CUDA_ERROR_NOT_FOUND) {
		t.Errorf("ModuleGetGlobal(global_scale): %v", err)
	}

	ok(t, cuda.ModuleUnload(m))
	wantErr(t, "ModuleUnload twice", cuda.ModuleUnload(m), cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.ModuleGetFunction(m, "vector_add")
	wantErr(t, "ModuleGetFunction after unload", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	n := uint32(0)
	p := alloc(t, 4)
	err = cuda.LaunchKernel(f1, 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&p), ptrOf(&p), ptrOf(&p), ptrOf(&n)}, nil)
	wantErr(t, "launch of an unloaded module's kernel", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.FuncGetAttribute(cuda.CU_FUNC_ATTRIBUTE_NUM_REGS, f1)
	wantErr(t, "FuncGetAttribute of an unloaded module's kernel", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.OccupancyMaxActiveBlocksPerMultiprocessor(f1, 32, 0)
	wantErr(t, "occupancy of an unloaded module's kernel", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.ModuleGetFunctionCount(m)
	wantErr(t, "ModuleGetFunctionCount after unload", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "ModuleUnload(nil)", cuda.ModuleUnload(nil), cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.ModuleGetFunction(nil, "x")
	wantErr(t, "ModuleGetFunction(nil)", err, cuda.CUDA_ERROR_INVALID_HANDLE)

	// The other ways in.
	_, err = cuda.ModuleLoad(path + ".missing")
	wantErr(t, "ModuleLoad(missing file)", err, cuda.CUDA_ERROR_FILE_NOT_FOUND)
	_, err = cuda.ModuleLoadData([]byte("this is not a module, just some text\n"))
	wantErr(t, "ModuleLoadData(text)", err, cuda.CUDA_ERROR_INVALID_IMAGE)
	_, err = cuda.ModuleLoadData(nil)
	wantErr(t, "ModuleLoadData(nil)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	image := readFile(t, path)
	m2 := val[*cuda.Module](t)(cuda.ModuleLoadFatBinary(image))
	function(t, m2, "saxpy")
	ok(t, cuda.ModuleUnload(m2))
	opts := []cuda.JitOption{cuda.CU_JIT_INFO_LOG_BUFFER, cuda.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, cuda.CU_JIT_MAX_REGISTERS, cuda.CU_JIT_WALL_TIME}
	logBuf := make([]byte, 1024)
	vals := []uintptr{uintptr(unsafe.Pointer(&logBuf[0])), uintptr(len(logBuf)), 32, 12345}
	m3 := val[*cuda.Module](t)(cuda.ModuleLoadDataEx(image, opts, vals))
	if vals[1] != 0 || vals[3] != 0 || vals[2] != 32 {
		t.Errorf("option values after ModuleLoadDataEx = %v, want the log size and wall time set to 0", vals)
	}
	ok(t, cuda.ModuleUnload(m3))
	_, err = cuda.ModuleLoadDataEx(image, []cuda.JitOption{99}, []uintptr{0})
	wantErr(t, "ModuleLoadDataEx(option 99)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.ModuleLoadDataEx(image, opts, vals[:2])
	wantErr(t, "ModuleLoadDataEx(length mismatch)", err, cuda.CUDA_ERROR_INVALID_VALUE)

	// An image of a format the device does not load.
	rt := val[*streaming.Runtime](t)(cuda.Runtime())
	dev, _ := rt.Device(0)
	formats := dev.HAL().Formats()
	for _, c := range []struct{ file, format string }{{"glsl_baselines.spv", "spirv"}, {"test_kernels.sm_80.ptx", "ptx"}, {"test_kernels.x86_64.so", "cpu-elf"}} {
		loads := false
		for _, f := range formats {
			loads = loads || string(f) == c.format
		}
		if loads {
			continue
		}
		_, err = cuda.ModuleLoad(filepathJoin(t, c.file))
		wantErr(t, "ModuleLoad("+c.file+")", err, cuda.CUDA_ERROR_NO_BINARY_FOR_GPU)
	}
}

func TestLaunch(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	m := loadKernels(t)
	add := function(t, m, "vector_add")

	const n = 10000
	a := seq(n, func(i int) float32 { return float32(i) * 2 })
	b := seq(n, func(i int) float32 { return float32(i) * 3 })
	da, db, dc := alloc(t, 4*n), alloc(t, 4*n), alloc(t, 4*n)
	ok(t, cuda.MemcpyHtoDSlice(da, a))
	ok(t, cuda.MemcpyHtoDSlice(db, b))
	check := func(what string, want func(i int) float32) {
		t.Helper()
		got := poisoned(n)
		ok(t, cuda.MemcpyDtoHSlice(got, dc))
		for i := range got {
			if !near(got[i], want(i)) {
				t.Fatalf("%s: c[%d] = %v, want %v", what, i, got[i], want(i))
			}
		}
	}
	nn := uint32(n)
	blocks := uint32((n + 255) / 256)

	// kernelParams, with the trailing NULL that C code often adds.
	ok(t, cuda.MemsetD32(dc, math.Float32bits(float32(math.NaN())), n))
	ok(t, cuda.LaunchKernel(add, blocks, 1, 1, 256, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&da), ptrOf(&db), ptrOf(&dc), ptrOf(&nn), nil}, nil))
	check("kernelParams", func(i int) float32 { return a[i] + b[i] })

	// extra: the packed buffer, on an explicit stream.
	s := stream(t, 0)
	buf := make([]byte, 28) // exactly the parameters: CUDA refuses more
	binary.LittleEndian.PutUint64(buf[0:], uint64(db))
	binary.LittleEndian.PutUint64(buf[8:], uint64(db))
	binary.LittleEndian.PutUint64(buf[16:], uint64(dc))
	binary.LittleEndian.PutUint32(buf[24:], n)
	size := uintptr(len(buf))
	extra := []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0]), cuda.CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&size), cuda.CU_LAUNCH_PARAM_END}
	ok(t, cuda.MemsetD32Async(dc, 0, n, s))
	// A padded buffer (a C struct's sizeof, 32 bytes) is refused as the
	// H100's driver refuses it.
	padded := append(append([]byte(nil), buf...), 0, 0, 0, 0)
	psize := uintptr(len(padded))
	bad := []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&padded[0]), cuda.CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&psize), cuda.CU_LAUNCH_PARAM_END}
	if err := cuda.LaunchKernel(add, blocks, 1, 1, 256, 1, 1, 0, s, nil, bad); cuda.ResultOf(err) != cuda.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES {
		t.Errorf("extra with a 32-byte buffer for 28 bytes of parameters: %v, want CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", err)
	}
	ok(t, cuda.LaunchKernel(add, blocks, 1, 1, 256, 1, 1, 0, s, nil, extra))
	ok(t, cuda.StreamSynchronize(s))
	check("extra", func(i int) float32 { return 2 * b[i] })
	// The pairs in the other order, ended by the slice's end.
	extra2 := []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&size), cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0])}
	binary.LittleEndian.PutUint64(buf[0:], uint64(da))
	ok(t, cuda.LaunchKernel(add, blocks, 1, 1, 256, 1, 1, 0, cuda.CU_STREAM_PER_THREAD, nil, extra2))
	ok(t, cuda.StreamSynchronize(cuda.CU_STREAM_PER_THREAD))
	check("extra, reordered", func(i int) float32 { return a[i] + b[i] })

	// vector_add_scaled and saxpy: floats among the pointers.
	scaled := function(t, m, "vector_add_scaled")
	alpha, beta := float32(0.5), float32(-2)
	ok(t, cuda.LaunchKernel(scaled, blocks, 1, 1, 256, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&da), ptrOf(&db), ptrOf(&dc), ptrOf(&alpha), ptrOf(&beta), ptrOf(&nn)}, nil))
	check("vector_add_scaled", func(i int) float32 { return alpha*a[i] + beta*b[i] })
	saxpy := function(t, m, "saxpy")
	k := float32(1.5)
	ok(t, cuda.LaunchKernel(saxpy, blocks, 1, 1, 256, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&nn), ptrOf(&k), ptrOf(&da), ptrOf(&dc)}, nil))
	check("saxpy", func(i int) float32 { return k*a[i] + (alpha*a[i] + beta*b[i]) })

	// Misuse.
	params := []unsafe.Pointer{ptrOf(&da), ptrOf(&db), ptrOf(&dc), ptrOf(&nn)}
	for _, c := range []struct {
		what                   string
		gx, gy, gz, bx, by, bz uint32
		shared                 uint32
		params, extra          []unsafe.Pointer
		f                      *cuda.Function
		want                   cuda.Result
	}{
		{"both kernelParams and extra", 1, 1, 1, 1, 1, 1, 0, params, extra, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"too few kernelParams", 1, 1, 1, 1, 1, 1, 0, params[:3], nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"no arguments", 1, 1, 1, 1, 1, 1, 0, nil, nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"2048 threads per block", 1, 1, 1, 2048, 1, 1, 0, params, nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"zero grid", 0, 1, 1, 1, 1, 1, 0, params, nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"zero block", 1, 1, 1, 1, 0, 1, 0, params, nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"too much shared memory", 1, 1, 1, 1, 1, 1, 1 << 30, params, nil, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"nil function", 1, 1, 1, 1, 1, 1, 0, params, nil, nil, cuda.CUDA_ERROR_INVALID_HANDLE},
		{"extra without size", 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0]), cuda.CU_LAUNCH_PARAM_END}, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"extra with a short buffer", 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0]), cuda.CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&[]uintptr{16}[0]), cuda.CU_LAUNCH_PARAM_END}, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"extra with a bad marker", 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{unsafe.Pointer(&buf[0]), unsafe.Pointer(&buf[0]), cuda.CU_LAUNCH_PARAM_END}, add, cuda.CUDA_ERROR_INVALID_VALUE},
		{"extra with a dangling marker", 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER}, add, cuda.CUDA_ERROR_INVALID_VALUE},
	} {
		err := cuda.LaunchKernel(c.f, c.gx, c.gy, c.gz, c.bx, c.by, c.bz, c.shared, nil, c.params, c.extra)
		wantErr(t, c.what, err, c.want)
	}
	check("after the failed launches", func(i int) float32 { return k*a[i] + (alpha*a[i] + beta*b[i]) })
}

func TestLaunchKernels(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	m := loadKernels(t)

	// args_probe: every C type in its place, through the packed buffer.
	if probe, err := cuda.ModuleGetFunction(m, "args_probe"); err == nil {
		out := alloc(t, 64)
		ok(t, cuda.MemsetD8(out, 0xff, 64))
		buf := make([]byte, 48)
		le := binary.LittleEndian
		buf[0] = 0xab
		le.PutUint16(buf[2:], 0xbeef)
		le.PutUint32(buf[4:], 0xdeadbeef)
		le.PutUint64(buf[8:], 0x0123456789abcdef)
		le.PutUint32(buf[16:], math.Float32bits(1.25))
		le.PutUint64(buf[24:], math.Float64bits(-2.5))
		le.PutUint32(buf[32:], uint32(0xfffffff9)) // int32 -7
		le.PutUint32(buf[36:], math.Float32bits(3.75))
		le.PutUint64(buf[40:], uint64(out))
		size := uintptr(len(buf))
		ok(t, cuda.LaunchKernel(probe, 1, 1, 1, 1, 1, 1, 0, nil, nil,
			[]unsafe.Pointer{cuda.CU_LAUNCH_PARAM_BUFFER_POINTER, unsafe.Pointer(&buf[0]), cuda.CU_LAUNCH_PARAM_BUFFER_SIZE, unsafe.Pointer(&size), cuda.CU_LAUNCH_PARAM_END}))
		got := make([]uint64, 8)
		ok(t, cuda.MemcpyDtoHSlice(got, out))
		want := []uint64{0xab, 0xbeef, 0xdeadbeef, 0x0123456789abcdef, uint64(math.Float32bits(1.25)), math.Float64bits(-2.5), 0xfffffff9, uint64(math.Float32bits(3.75))}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("args_probe out[%d] = %#x, want %#x", i, got[i], want[i])
			}
		}
		// The same through kernelParams.
		a8, b16, c32, d64, e, f := uint8(0xab), uint16(0xbeef), uint32(0xdeadbeef), uint64(0x0123456789abcdef), float32(1.25), -2.5
		g := struct {
			x int32
			y float32
		}{-7, 3.75}
		ok(t, cuda.MemsetD8(out, 0, 64))
		ok(t, cuda.LaunchKernel(probe, 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&a8), ptrOf(&b16), ptrOf(&c32), ptrOf(&d64), ptrOf(&e), ptrOf(&f), ptrOf(&g), ptrOf(&out)}, nil))
		ok(t, cuda.MemcpyDtoHSlice(got, out))
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("args_probe by kernelParams out[%d] = %#x, want %#x", i, got[i], want[i])
			}
		}
	}

	// matrix_multiply: static shared memory tiles and barriers.
	mm := function(t, m, "matrix_multiply")
	const M, N, K = 37, 29, 53
	A := seq(M*K, func(i int) float32 { return float32(i%13) - 6 })
	B := seq(K*N, func(i int) float32 { return float32(i%7) * 0.5 })
	dA, dB, dC := alloc(t, 4*M*K), alloc(t, 4*K*N), alloc(t, 4*M*N)
	ok(t, cuda.MemcpyHtoDSlice(dA, A))
	ok(t, cuda.MemcpyHtoDSlice(dB, B))
	ok(t, cuda.MemsetD32(dC, math.Float32bits(float32(math.NaN())), M*N))
	mM, nN, kK := uint32(M), uint32(N), uint32(K)
	ok(t, cuda.LaunchKernel(mm, (N+15)/16, (M+15)/16, 1, 16, 16, 1, 0, nil, []unsafe.Pointer{ptrOf(&dA), ptrOf(&dB), ptrOf(&dC), ptrOf(&mM), ptrOf(&nN), ptrOf(&kK)}, nil))
	C := poisoned(M * N)
	ok(t, cuda.MemcpyDtoHSlice(C, dC))
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var want float32
			for l := 0; l < K; l++ {
				want += A[i*K+l] * B[l*N+j]
			}
			if !near(C[i*N+j], want) {
				t.Fatalf("C[%d][%d] = %v, want %v", i, j, C[i*N+j], want)
			}
		}
	}

	// reduce_sum: dynamic shared memory.
	rs := function(t, m, "reduce_sum")
	const n, block = 5000, 128
	const blocks = (n + block - 1) / block
	in := seq(n, func(i int) float32 { return float32(i%17) * 0.25 })
	dIn, dPart := alloc(t, 4*n), alloc(t, 4*blocks)
	ok(t, cuda.MemcpyHtoDSlice(dIn, in))
	nn := uint32(n)
	ok(t, cuda.LaunchKernel(rs, blocks, 1, 1, block, 1, 1, block*4, nil, []unsafe.Pointer{ptrOf(&dIn), ptrOf(&dPart), ptrOf(&nn)}, nil))
	part := poisoned(blocks)
	ok(t, cuda.MemcpyDtoHSlice(part, dPart))
	for bi := 0; bi < blocks; bi++ {
		var want float32
		for i := bi * block; i < min((bi+1)*block, n); i++ {
			want += in[i]
		}
		if !near(part[bi], want) {
			t.Fatalf("partial[%d] = %v, want %v", bi, part[bi], want)
		}
	}

	// empty: no parameters, no arguments.
	empty := function(t, m, "empty")
	ok(t, cuda.LaunchKernel(empty, 3, 2, 1, 4, 4, 1, 0, nil, nil, nil))

	// grid_sum: cooperative, in the SHAL C library only (kernels/README.md
	// says why), so CPU only.
	rt := val[*streaming.Runtime](t)(cuda.Runtime())
	if dev, err := rt.Device(0); err != nil || !slices.Contains(dev.HAL().Formats(), hal.FormatCPUELF) {
		t.Logf("no grid_sum kernel on this backend")
		return
	}
	lib, err := haltest.CPUKernels()
	ok(t, err)
	gm := val[*cuda.Module](t)(cuda.ModuleLoadData(lib))
	t.Cleanup(func() { cuda.ModuleUnload(gm) })
	gs := function(t, gm, "grid_sum")
	const gn, gblocks = 100000, 64
	src := seq(gn, func(i int) float32 { return float32(i%10) * 0.5 })
	dSrc, dGP, dOut := alloc(t, 4*gn), alloc(t, 4*gblocks), alloc(t, 4)
	ok(t, cuda.MemcpyHtoDSlice(dSrc, src))
	ok(t, cuda.MemsetD32(dOut, math.Float32bits(float32(math.NaN())), 1))
	gnn := uint32(gn)
	gp := []unsafe.Pointer{ptrOf(&dSrc), ptrOf(&dGP), ptrOf(&dOut), ptrOf(&gnn)}
	ok(t, cuda.LaunchCooperativeKernel(gs, gblocks, 1, 1, 128, 1, 1, 128*4, nil, gp))
	got := poisoned(1)
	ok(t, cuda.MemcpyDtoHSlice(got, dOut))
	var want float64
	for _, v := range src {
		want += float64(v)
	}
	if !near(got[0], float32(want)) {
		t.Errorf("grid_sum = %v, want %v", got[0], want)
	}
	wantErr(t, "grid_sum launched normally", cuda.LaunchKernel(gs, gblocks, 1, 1, 128, 1, 1, 128*4, nil, gp, nil), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "LaunchCooperativeKernel(nil)", cuda.LaunchCooperativeKernel(nil, 1, 1, 1, 1, 1, 1, 0, nil, nil), cuda.CUDA_ERROR_INVALID_HANDLE)
}

func TestFuncAttributes(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	m := loadKernels(t)
	f := function(t, m, "reduce_sum")
	a := f.Attributes() // the streaming view, as the reference
	for attr, want := range map[cuda.FunctionAttribute]int{
		cuda.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:            a.MaxThreadsPerBlock,
		cuda.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:                a.SharedSizeBytes,
		cuda.CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:                 a.ConstSizeBytes,
		cuda.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:                 a.LocalSizeBytes,
		cuda.CU_FUNC_ATTRIBUTE_NUM_REGS:                         a.NumRegs,
		cuda.CU_FUNC_ATTRIBUTE_PTX_VERSION:                      a.PTXVersion,
		cuda.CU_FUNC_ATTRIBUTE_BINARY_VERSION:                   a.BinaryVersion,
		cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:    a.MaxDynamicSharedSize,
		cuda.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT: -1,
		cuda.CU_FUNC_ATTRIBUTE_CACHE_MODE_CA:                    0,
		cuda.CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH:           0,
	} {
		if got := val[int](t)(cuda.FuncGetAttribute(attr, f)); got != want {
			t.Errorf("FuncGetAttribute(%v) = %d, want %d", attr, got, want)
		}
	}
	maxThreads := val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, 0))
	if a.MaxThreadsPerBlock <= 0 || a.MaxThreadsPerBlock > maxThreads {
		t.Errorf("MAX_THREADS_PER_BLOCK %d outside 1..%d", a.MaxThreadsPerBlock, maxThreads)
	}
	_, err := cuda.FuncGetAttribute(99, f)
	wantErr(t, "FuncGetAttribute(99)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.FuncGetAttribute(cuda.CU_FUNC_ATTRIBUTE_NUM_REGS, nil)
	wantErr(t, "FuncGetAttribute(nil)", err, cuda.CUDA_ERROR_INVALID_HANDLE)

	// Dynamic shared memory: lower the limit, and a launch above it fails.
	ok(t, cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 256))
	if got := val[int](t)(cuda.FuncGetAttribute(cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f)); got != 256 {
		t.Errorf("MAX_DYNAMIC_SHARED_SIZE_BYTES after setting 256 = %d", got)
	}
	in, part := alloc(t, 4*128), alloc(t, 4)
	n := uint32(128)
	params := []unsafe.Pointer{ptrOf(&in), ptrOf(&part), ptrOf(&n)}
	ok(t, cuda.LaunchKernel(f, 1, 1, 1, 64, 1, 1, 256, nil, params, nil))
	wantErr(t, "launch above the dynamic shared memory limit", cuda.LaunchKernel(f, 1, 1, 1, 128, 1, 1, 512, nil, params, nil), cuda.CUDA_ERROR_INVALID_VALUE)
	optin := val[int](t)(cuda.DeviceGetAttribute(cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 0))
	wantErr(t, "MAX_DYNAMIC_SHARED_SIZE_BYTES above the opt-in limit", cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, optin+1), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 50))
	if got := val[int](t)(cuda.FuncGetAttribute(cuda.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, f)); got != 50 {
		t.Errorf("carveout = %d", got)
	}
	wantErr(t, "carveout 101", cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 101), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "set NUM_REGS", cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_NUM_REGS, 1), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "set REQUIRED_CLUSTER_WIDTH", cuda.FuncSetAttribute(f, cuda.CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH, 2), cuda.CUDA_ERROR_NOT_SUPPORTED)
	ok(t, cuda.FuncSetCacheConfig(f, cuda.CU_FUNC_CACHE_PREFER_SHARED))
	wantErr(t, "FuncSetCacheConfig(7)", cuda.FuncSetCacheConfig(f, 7), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.FuncSetSharedMemConfig(f, cuda.CU_SHARED_MEM_CONFIG_EIGHT_BYTE_BANK_SIZE))
	wantErr(t, "FuncSetSharedMemConfig(3)", cuda.FuncSetSharedMemConfig(f, 3), cuda.CUDA_ERROR_INVALID_VALUE)
	if got := f.Attributes(); got.CacheConfig != streaming.FuncCachePreferShared || got.SharedConfig != streaming.SharedMemConfigEightByte {
		t.Errorf("cache config %v, shared config %v", got.CacheConfig, got.SharedConfig)
	}
}

func TestOccupancy(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	m := loadKernels(t)
	f := function(t, m, "reduce_sum")
	attr := func(a cuda.DeviceAttribute) int { return val[int](t)(cuda.DeviceGetAttribute(a, 0)) }
	warp := max(attr(cuda.CU_DEVICE_ATTRIBUTE_WARP_SIZE), 1)
	threadsPerSM := max(attr(cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR), attr(cuda.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK))
	blocksPerSM := attr(cuda.CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR)
	sharedPerSM := attr(cuda.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR)
	regsPerSM := attr(cuda.CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR)
	sms := attr(cuda.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
	fa := func(a cuda.FunctionAttribute) int { return val[int](t)(cuda.FuncGetAttribute(a, f)) }
	staticShared, regs, maxBlock, maxDyn := fa(cuda.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), fa(cuda.CU_FUNC_ATTRIBUTE_NUM_REGS), fa(cuda.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK), fa(cuda.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)

	// The reference: blocks per multiprocessor limited by each resource.
	ref := func(bs, dyn int) int {
		threads := (bs + warp - 1) / warp * warp
		n := threadsPerSM / threads
		if blocksPerSM > 0 {
			n = min(n, blocksPerSM)
		}
		if sh := staticShared + dyn; sh > 0 && sharedPerSM > 0 {
			n = min(n, sharedPerSM/sh)
		}
		if regs > 0 && regsPerSM > 0 {
			n = min(n, regsPerSM/(regs*threads))
		}
		return n
	}
	for _, bs := range []int{1, warp, 64, 128, 256, maxBlock} {
		for _, dyn := range []int{0, 4 * bs, min(maxDyn, 16<<10)} {
			got := val[int](t)(cuda.OccupancyMaxActiveBlocksPerMultiprocessor(f, bs, uint64(dyn)))
			if got != ref(bs, dyn) {
				t.Errorf("occupancy(block %d, shared %d) = %d, want %d", bs, dyn, got, ref(bs, dyn))
			}
		}
	}
	if got := val[int](t)(cuda.OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, 64, 0, cuda.CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE)); got != ref(64, 0) {
		t.Errorf("occupancy with CU_OCCUPANCY_DISABLE_CACHING_OVERRIDE = %d", got)
	}
	_, err := cuda.OccupancyMaxActiveBlocksPerMultiprocessor(f, maxBlock+1, 0)
	wantErr(t, "occupancy above the block limit", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.OccupancyMaxActiveBlocksPerMultiprocessor(f, 0, 0)
	wantErr(t, "occupancy of block size 0", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(f, 32, 0, 4)
	wantErr(t, "occupancy flags 4", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.OccupancyMaxActiveBlocksPerMultiprocessor(nil, 32, 0)
	wantErr(t, "occupancy of nil", err, cuda.CUDA_ERROR_INVALID_HANDLE)

	// Potential block size: brute force over every multiple of the warp.
	best := func(b2d func(int) int, limit int) (int, int) {
		if limit == 0 || limit > maxBlock {
			limit = maxBlock
		}
		bb, bt, bn := 0, -1, 0
		for bs := warp; bs <= limit; bs += warp {
			dyn := b2d(bs)
			if dyn > maxDyn {
				continue
			}
			n := ref(bs, dyn)
			if n*bs >= bt {
				bb, bt, bn = bs, n*bs, n
			}
		}
		return bn * max(sms, 1), bb
	}
	callback := func(bs int) uint64 { return uint64(4 * bs) }
	for _, c := range []struct {
		b2d   func(int) uint64
		fixed uint64
		limit int
	}{{nil, 0, 0}, {nil, 1024, 0}, {callback, 0, 0}, {callback, 0, 96}, {nil, 0, 200}} {
		grid, bs, err := cuda.OccupancyMaxPotentialBlockSize(f, c.b2d, c.fixed, c.limit)
		ok(t, err)
		wantGrid, wantBS := best(func(bs int) int {
			if c.b2d != nil {
				return int(c.b2d(bs))
			}
			return int(c.fixed)
		}, c.limit)
		if grid != wantGrid || bs != wantBS {
			t.Errorf("OccupancyMaxPotentialBlockSize(fixed %d, limit %d, callback %v) = %d, %d; want %d, %d", c.fixed, c.limit, c.b2d != nil, grid, bs, wantGrid, wantBS)
		}
		if c.limit > 0 && bs > c.limit {
			t.Errorf("block size %d above the limit %d", bs, c.limit)
		}
	}
	_, _, err = cuda.OccupancyMaxPotentialBlockSizeWithFlags(f, nil, 0, -1, 0)
	wantErr(t, "block size limit -1", err, cuda.CUDA_ERROR_INVALID_VALUE)
}
