package cgen_test

import (
	"math"
	"os"
	"strings"
	"testing"
)

func readProjectPTX(t testing.TB, name string) string {
	b, err := os.ReadFile("../../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTestKernelsTable(t *testing.T) {
	for _, f := range []string{"test_kernels.sm_80.ptx", "test_kernels.sm_90.ptx"} {
		lib, res := buildPTX(t, readProjectPTX(t, f))
		got := libTable(t, lib)
		// The packed layouts of kernels/cpu/selftest.c's table, with the
		// pointer flags of hal/modfile's PTX analysis.
		for _, want := range []string{
			"kernel vector_add args 32 maxthreads 0 shared 0 flags 0 params 0:8:1 8:8:1 16:8:1 24:4:0",
			"kernel vector_add_scaled args 40 maxthreads 0 shared 0 flags 0 params 0:8:1 8:8:1 16:8:1 24:4:0 28:4:0 32:4:0",
			"kernel saxpy args 24 maxthreads 0 shared 0 flags 0 params 0:4:0 4:4:0 8:8:1 16:8:1",
			"kernel matrix_multiply args 40 maxthreads 0 shared 2048 flags 0 params 0:8:1 8:8:1 16:8:1 24:4:0 28:4:0 32:4:0",
			"kernel reduce_sum args 24 maxthreads 0 shared 0 flags 0 params 0:8:1 8:8:1 16:4:0",
			"kernel empty args 0 maxthreads 0 shared 0 flags 0 params\n",
			"kernel scale_by_global args 24 maxthreads 0 shared 0 flags 0 params 0:8:1 8:8:1 16:4:0",
			"kernel args_probe args 48 maxthreads 0 shared 0 flags 0 params 0:1:0 2:2:0 4:4:0 8:8:0 16:4:0 24:8:0 32:8:0 40:8:1",
			"global global_scale 4",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: table lacks %q:\n%s", f, want, got)
			}
		}
		if len(res.Kernels) != 8 {
			t.Errorf("%d kernels", len(res.Kernels))
		}
	}
}

func TestVectorAdd(t *testing.T) {
	lib, _ := buildPTX(t, readProjectPTX(t, "test_kernels.sm_80.ptx"))
	const n = 1000
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i] = float32(i) * 0.5
		b[i] = float32(n-i) * 0.25
	}
	p := (&argPacker{}).ptr(0).ptr(1).ptr(2).u32(n)
	r := runLaunch(t, lib, launch{kernel: "vector_add", grid: dim3{4, 1, 1}, block: dim3{256, 1, 1}, workers: 2,
		bufs: [][]byte{f32bytes(a), f32bytes(b), poison(4 * (n + 24))}, args: p.bytes(), ptrs: p.ptrs})
	c := bytesF32(r.bufs[2])
	for i := 0; i < n; i++ {
		if c[i] != a[i]+b[i] {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], a[i]+b[i])
		}
	}
	// Threads past n must not write.
	for i := n; i < n+24; i++ {
		if math.Float32bits(c[i]) != 0xA5A5A5A5 {
			t.Fatalf("c[%d] written past n", i)
		}
	}
}

func testKernelsLib(t *testing.T) string {
	t.Helper()
	lib, _ := buildPTX(t, readProjectPTX(t, "test_kernels.sm_80.ptx"))
	return lib
}

func TestSaxpyEmptyArgsProbeGlobal(t *testing.T) {
	for _, f := range []string{"test_kernels.sm_80.ptx", "test_kernels.sm_90.ptx"} {
		t.Run(f, func(t *testing.T) {
			lib, _ := buildPTX(t, readProjectPTX(t, f))
			// saxpy: y = a*x + y.
			const n = 777
			x, y := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(i%13) - 6
				y[i] = float32(i) / 7
			}
			p := (&argPacker{}).u32(n).u32(math.Float32bits(2.5)).ptr(0).ptr(1)
			r := runLaunch(t, lib, launch{kernel: "saxpy", grid: dim3{7, 1, 1}, block: dim3{128, 1, 1}, workers: 3,
				bufs: [][]byte{f32bytes(x), f32bytes(y)}, args: p.bytes(), ptrs: p.ptrs})
			got := bytesF32(r.bufs[1])
			for i := range y {
				// fma.rn.f32: one rounding.
				want := float32(math.FMA(float64(x[i]), 2.5, float64(y[i])))
				if got[i] != want {
					t.Fatalf("y[%d] = %v, want %v", i, got[i], want)
				}
			}
			// empty runs and faults nothing.
			r = runLaunch(t, lib, launch{kernel: "empty", grid: dim3{3, 2, 1}, block: dim3{7, 3, 2}})
			if r.fault != 0 {
				t.Errorf("empty faulted: %d %s", r.fault, r.msg)
			}
			// args_probe: every argument type through the packed buffer.
			ap := &argPacker{}
			ap.buf = append(ap.buf, 0xAB)
			ap.align(2)
			ap.buf = append(ap.buf, 0x34, 0x12)
			ap.u32(0xDEADBEEF).u64(0x0123456789ABCDEF).u32(math.Float32bits(-1.5)).u64(math.Float64bits(math.Pi))
			ap.u32(0xFFFFFFF9).u32(math.Float32bits(0.25)).ptr(0)
			r = runLaunch(t, lib, launch{kernel: "args_probe", grid: dim3{2, 1, 1}, block: dim3{32, 2, 1},
				bufs: [][]byte{poison(64)}, args: ap.bytes(), ptrs: ap.ptrs})
			want := []uint64{0xAB, 0x1234, 0xDEADBEEF, 0x0123456789ABCDEF, uint64(math.Float32bits(-1.5)),
				math.Float64bits(math.Pi), 0xFFFFFFF9, uint64(math.Float32bits(0.25))}
			for i, w := range want {
				if g := leU64(r.bufs[0][8*i:]); g != w {
					t.Errorf("args_probe out[%d] = %#x, want %#x", i, g, w)
				}
			}
			// scale_by_global reads the module global set before the launch.
			in := []float32{1, 2, 3, 4, 5}
			gp := (&argPacker{}).ptr(0).ptr(1).u32(5)
			r = runLaunch(t, lib, launch{kernel: "scale_by_global", grid: dim3{1, 1, 1}, block: dim3{8, 1, 1},
				bufs: [][]byte{f32bytes(in), poison(20)}, args: gp.bytes(), ptrs: gp.ptrs,
				globals: map[string][]byte{"global_scale": f32bytes([]float32{-3})}})
			for i, v := range bytesF32(r.bufs[1]) {
				if v != in[i]*-3 {
					t.Errorf("scale_by_global out[%d] = %v, want %v", i, v, in[i]*-3)
				}
			}
			// Its initial value is the PTX initializer (2.0).
			r = runLaunch(t, lib, launch{kernel: "scale_by_global", grid: dim3{1, 1, 1}, block: dim3{8, 1, 1},
				bufs: [][]byte{f32bytes(in), poison(20)}, args: gp.bytes(), ptrs: gp.ptrs})
			if v := bytesF32(r.bufs[1]); v[4] != 10 || bytesF32(r.globals["global_scale"])[0] != 2 {
				t.Errorf("with the initial global: %v, global %v", v, r.globals["global_scale"])
			}
		})
	}
}

func leU64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func TestMatrixMultiply(t *testing.T) {
	lib := testKernelsLib(t)
	for _, sz := range [][3]int{{16, 16, 16}, {37, 29, 45}, {1, 70, 3}} {
		M, N, K := sz[0], sz[1], sz[2]
		A, B := make([]float32, M*K), make([]float32, K*N)
		for i := range A {
			A[i] = float32((i*7)%11) - 5
		}
		for i := range B {
			B[i] = float32((i*3)%13)/4 - 1
		}
		p := (&argPacker{}).ptr(0).ptr(1).ptr(2).u32(uint32(M)).u32(uint32(N)).u32(uint32(K))
		r := runLaunch(t, lib, launch{kernel: "matrix_multiply", grid: dim3{uint32((N + 15) / 16), uint32((M + 15) / 16), 1},
			block: dim3{16, 16, 1}, workers: 2, bufs: [][]byte{f32bytes(A), f32bytes(B), poison(4 * M * N)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("fault %d: %s", r.fault, r.msg)
		}
		C := bytesF32(r.bufs[2])
		for i := 0; i < M; i++ {
			for j := 0; j < N; j++ {
				var acc float32
				for k := 0; k < K; k++ {
					acc = float32(math.FMA(float64(A[i*K+k]), float64(B[k*N+j]), float64(acc)))
				}
				if C[i*N+j] != acc {
					t.Fatalf("%dx%dx%d: C[%d][%d] = %v, want %v", M, N, K, i, j, C[i*N+j], acc)
				}
			}
		}
	}
}

func TestReduceSum(t *testing.T) {
	lib := testKernelsLib(t)
	for _, bs := range []uint32{1, 2, 32, 64, 256, 1024} {
		const n = 3000
		in := make([]float32, n)
		for i := range in {
			in[i] = float32(i%17) - 8
		}
		blocks := (n + bs - 1) / bs
		p := (&argPacker{}).ptr(0).ptr(1).u32(n)
		r := runLaunch(t, lib, launch{kernel: "reduce_sum", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1}, shared: 4 * bs, workers: 2,
			bufs: [][]byte{f32bytes(in), poison(4 * int(blocks))}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("block %d: fault %d: %s", bs, r.fault, r.msg)
		}
		got := bytesF32(r.bufs[1])
		for b := uint32(0); b < blocks; b++ {
			// The tree reduction's order: s = bs/2, bs/4, ...
			vals := make([]float32, bs)
			for t := uint32(0); t < bs; t++ {
				if i := b*bs + t; i < n {
					vals[t] = in[i]
				}
			}
			for s := bs / 2; s > 0; s >>= 1 {
				for t := uint32(0); t < s; t++ {
					vals[t] = vals[t+s] + vals[t]
				}
			}
			if got[b] != vals[0] {
				t.Fatalf("block size %d: partial[%d] = %v, want %v", bs, b, got[b], vals[0])
			}
		}
	}
}
