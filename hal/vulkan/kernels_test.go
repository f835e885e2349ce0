package vulkan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestKernelMetadata(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	want := map[string][]hal.Param{
		"vector_add":        {{Offset: 0, Size: 8}, {Offset: 8, Size: 8}, {Offset: 16, Size: 8}, {Offset: 24, Size: 4}},
		"vector_add_scaled": {{Offset: 0, Size: 8}, {Offset: 8, Size: 8}, {Offset: 16, Size: 8}, {Offset: 24, Size: 4}, {Offset: 28, Size: 4}, {Offset: 32, Size: 4}},
		"saxpy":             {{Offset: 0, Size: 4}, {Offset: 4, Size: 4}, {Offset: 8, Size: 8}, {Offset: 16, Size: 8}},
		"matrix_multiply":   {{Offset: 0, Size: 8}, {Offset: 8, Size: 8}, {Offset: 16, Size: 8}, {Offset: 24, Size: 4}, {Offset: 28, Size: 4}, {Offset: 32, Size: 4}},
		"reduce_sum":        {{Offset: 0, Size: 8}, {Offset: 8, Size: 8}, {Offset: 16, Size: 4}},
		"empty":             nil,
	}
	for name, params := range want {
		k := kernelOf(t, x, name)
		got := k.Params()
		if len(got) != len(params) {
			t.Errorf("%s: params %v, want %v", name, got, params)
			continue
		}
		for i := range got {
			if got[i].Offset != params[i].Offset || got[i].Size != params[i].Size {
				t.Errorf("%s: params %v, want %v", name, got, params)
				break
			}
		}
	}
	for name, ptrs := range map[string][]bool{"vector_add": {true, true, true, false}, "saxpy": {false, false, true, true}} {
		for i, p := range kernelOf(t, x, name).Params() {
			if p.Pointer != ptrs[i] {
				t.Errorf("%s parameter %d: Pointer = %v, want %v", name, i, p.Pointer, ptrs[i])
			}
		}
	}
	if a := kernelOf(t, x, "matrix_multiply").Attributes(); a.SharedSizeBytes != 2*16*16*4 {
		t.Errorf("matrix_multiply static shared %d, want 2048", a.SharedSizeBytes)
	}
	if _, err := x.Kernel("nope"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("missing kernel: %v", err)
	}
	if _, _, err := x.Global("global_scale"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Global: %v", err)
	}
}

func TestSaxpyAndScaled(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	const n = 10007
	xs, ys := make([]float32, n), make([]float32, n)
	r := rand.New(rand.NewSource(2))
	for i := range xs {
		xs[i], ys[i] = r.Float32()*10-5, r.Float32()*10-5
	}
	dx, dy, dz := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
	putFloats(t, d, dx.Device, xs)
	putFloats(t, d, dy.Device, ys)
	poison(t, d, dz.Device, 4*n)

	cfg := launch1D(n, 128)
	cfg.Args = (&args{}).u32(n).f32(2.5).ptr(dx.Device).ptr(dy.Device).bytes()
	if err := q.Dispatch(kernelOf(t, x, "saxpy"), cfg); err != nil {
		t.Fatal(err)
	}
	// Ordered after saxpy on the same queue: z = 0.5*x + -2*y(new).
	cfg2 := launch1D(n, 64)
	cfg2.Args = (&args{}).ptr(dx.Device).ptr(dy.Device).ptr(dz.Device).f32(0.5).f32(-2).u32(n).bytes()
	if err := q.Dispatch(kernelOf(t, x, "vector_add_scaled"), cfg2); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	gy, gz := getFloats(t, d, dy.Device, n), getFloats(t, d, dz.Device, n)
	for i := 0; i < n; i++ {
		wy := 2.5*xs[i] + ys[i]
		wz := 0.5*xs[i] + -2*wy
		if math.Abs(float64(gy[i]-wy)) > 1e-5*math.Max(1, math.Abs(float64(wy))) {
			t.Fatalf("saxpy y[%d] = %v, want %v", i, gy[i], wy)
		}
		if math.Abs(float64(gz[i]-wz)) > 1e-5*math.Max(1, math.Abs(float64(wz))) {
			t.Fatalf("scaled z[%d] = %v, want %v", i, gz[i], wz)
		}
	}
}

func TestMatrixMultiply(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	for _, sz := range [][3]uint32{{1, 1, 1}, {16, 16, 16}, {37, 53, 29}, {128, 96, 70}} {
		M, N, K := sz[0], sz[1], sz[2]
		A, B := make([]float32, M*K), make([]float32, K*N)
		r := rand.New(rand.NewSource(int64(M)))
		for i := range A {
			A[i] = float32(r.Intn(17) - 8)
		}
		for i := range B {
			B[i] = float32(r.Intn(17) - 8)
		}
		dA, dB, dC := alloc(t, d, hal.MemoryDevice, uint64(4*len(A))), alloc(t, d, hal.MemoryDevice, uint64(4*len(B))), alloc(t, d, hal.MemoryDevice, uint64(4*M*N))
		putFloats(t, d, dA.Device, A)
		putFloats(t, d, dB.Device, B)
		poison(t, d, dC.Device, uint64(4*M*N))
		cfg := hal.LaunchConfig{
			Grid:  hal.Dim3{X: (N + 15) / 16, Y: (M + 15) / 16, Z: 1},
			Block: hal.Dim3{X: 16, Y: 16, Z: 1},
			Args:  (&args{}).ptr(dA.Device).ptr(dB.Device).ptr(dC.Device).u32(M).u32(N).u32(K).bytes(),
		}
		if err := q.Dispatch(kernelOf(t, x, "matrix_multiply"), cfg); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		C := getFloats(t, d, dC.Device, int(M*N))
		for i := uint32(0); i < M; i++ {
			for j := uint32(0); j < N; j++ {
				var want float32
				for k := uint32(0); k < K; k++ {
					want += A[i*K+k] * B[k*N+j]
				}
				if C[i*N+j] != want {
					t.Fatalf("%dx%dx%d: C[%d,%d] = %v, want %v", M, N, K, i, j, C[i*N+j], want)
				}
			}
		}
	}
}

func TestReduceSum(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	const n = 100003
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i%7) - 3
	}
	din := alloc(t, d, hal.MemoryDevice, 4*n)
	putFloats(t, d, din.Device, in)
	for _, block := range []uint32{32, 256, 1024} {
		if block > d.maxInvocations {
			continue
		}
		blocks := (n + block - 1) / block
		dp := alloc(t, d, hal.MemoryDevice, uint64(4*blocks))
		poison(t, d, dp.Device, uint64(4*blocks))
		cfg := launch1D(n, block)
		cfg.SharedBytes = 4 * block
		cfg.Args = (&args{}).ptr(din.Device).ptr(dp.Device).u32(n).bytes()
		if err := q.Dispatch(kernelOf(t, x, "reduce_sum"), cfg); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		partial := getFloats(t, d, dp.Device, int(blocks))
		for b := uint32(0); b < blocks; b++ {
			var want float32
			for i := b * block; i < min((b+1)*block, n); i++ {
				want += in[i]
			}
			if partial[b] != want {
				t.Fatalf("block %d: partial[%d] = %v, want %v", block, b, partial[b], want)
			}
		}
	}
}

// TestArgsProbe loads this package's GLSL args_probe (testdata/glsl); the
// project's CUDA args_probe runs in the conformance suite, from PTX.
func TestArgsProbe(t *testing.T) {
	testArgsProbe(t, "vk_args_probe.spv")
}

func testArgsProbe(t *testing.T, file string) {
	d := openDevice(t)
	if strings.Contains(os.Getenv("VK_INSTANCE_LAYERS"), "validation") {
		t.Skip("the Khronos validation layer 1.3.239 crashes on this module")
	}
	x := loadModuleFile(t, d, file)
	wantParams := []hal.Param{{Offset: 0, Size: 1}, {Offset: 2, Size: 2}, {Offset: 4, Size: 4}, {Offset: 8, Size: 8}, {Offset: 16, Size: 4}, {Offset: 24, Size: 8}, {Offset: 32, Size: 8}, {Offset: 40, Size: 8}}
	got := kernelOf(t, x, "args_probe").Params()
	for i := range got {
		got[i].Pointer = false
	}
	if fmt.Sprint(got) != fmt.Sprint(wantParams) {
		t.Errorf("args_probe params %v, want %v", got, wantParams)
	}
	q := newQueue(t, d)
	defer q.Close()
	out := alloc(t, d, hal.MemoryDevice, 64)
	poison(t, d, out.Device, 64)
	cfg := launch1D(1, 1)
	cfg.Args = (&args{}).u8(0xab).u16(0xcdef).u32(0x12345678).u64(0x0123456789abcdef).f32(1.5).f64(-2.25).
		u32(uint32(0xfffffff9)).f32(3.75).ptr(out.Device).bytes()
	if err := q.Dispatch(kernelOf(t, x, "args_probe"), cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	b := getBytes(t, d, out.Device, 64)
	want := []uint64{0xab, 0xcdef, 0x12345678, 0x0123456789abcdef, uint64(math.Float32bits(1.5)), math.Float64bits(-2.25), 0xfffffff9, uint64(math.Float32bits(3.75))}
	for i, w := range want {
		if got := binary.LittleEndian.Uint64(b[8*i:]); got != w {
			t.Errorf("out[%d] = %#x, want %#x", i, got, w)
		}
	}
}

func TestBigGridSplit(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	k := kernelOf(t, x, "grid_probe")
	// Grids past maxComputeWorkGroupCount in each dimension (lavapipe:
	// 65535), run as several vkCmdDispatchBase calls.
	grids := []hal.Dim3{
		{X: d.maxGroups[0] + 1000, Y: 1, Z: 1},
		{X: 3, Y: min(d.maxGroups[1]+7, 1<<20), Z: 1},
		{X: 2, Y: 2, Z: min(d.maxGroups[2]+5, 1<<20)},
	}
	for _, g := range grids {
		total := g.Count()
		if total > 1<<24 {
			t.Logf("grid %v too large to test here", g)
			continue
		}
		out := alloc(t, d, hal.MemoryDevice, 4*total)
		poison(t, d, out.Device, 4*total)
		cfg := hal.LaunchConfig{Grid: g, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: (&args{}).ptr(out.Device).u32(g.X).u32(g.Y).bytes()}
		if err := q.Dispatch(k, cfg); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		got := getBytes(t, d, out.Device, int(4*total))
		for i := uint64(0); i < total; i++ {
			if v := binary.LittleEndian.Uint32(got[4*i:]); v != uint32(i+1) {
				t.Fatalf("grid %v: block %d wrote %#x", g, i, v)
			}
		}
		d.Free(hal.MemoryDevice, out.Device)
	}
}

func TestLaunchErrors(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	k := kernelOf(t, x, "vector_add")
	a := alloc(t, d, hal.MemoryDevice, 64)
	good := (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(16).bytes()
	cases := []struct {
		name string
		cfg  hal.LaunchConfig
		want error
	}{
		{"block too large", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: d.maxInvocations + 1, Y: 1, Z: 1}, Args: good}, hal.ErrInvalidValue},
		{"block zero", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 0, Y: 1, Z: 1}, Args: good}, hal.ErrInvalidValue},
		{"block product too large", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 64, Y: 64, Z: 1}, Args: good}, hal.ErrInvalidValue},
		{"grid zero", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 0, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: good}, hal.ErrInvalidValue},
		{"short args", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: good[:20]}, hal.ErrInvalidValue},
		{"too much shared", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: good, SharedBytes: d.maxShared + 4}, hal.ErrInvalidValue},
		{"wild pointer", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: (&args{}).ptr(a.Device).ptr(0xdead0000).ptr(a.Device).u32(16).bytes()}, hal.ErrInvalidValue},
		{"pointer past the end", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device + 65).u32(16).bytes()}, hal.ErrInvalidValue},
		{"cooperative", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: good, Cooperative: true}, hal.ErrNotSupported},
	}
	for _, c := range cases {
		if err := q.Dispatch(k, c.cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	syncQ(t, q)
}

func TestBadSPIRV(t *testing.T) {
	d := openDevice(t)
	data, _ := readTestModule(t)
	cases := map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("this is not a SPIR-V module at all, just text!!"),
		"odd size":  data[:len(data)-1],
		"truncated": data[:len(data)/2],
		"header":    data[:20],
	}
	for name, b := range cases {
		if _, err := d.Load(hal.FormatSPIRV, b); !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("%s: %v, want invalid image", name, err)
		}
	}
	// PTX is loaded through the translator: SPIR-V bytes are no PTX.
	if _, err := d.Load(hal.FormatPTX, data); !errors.Is(err, hal.ErrInvalidImage) {
		t.Errorf("SPIR-V as PTX: %v, want invalid image", err)
	}
	if _, err := d.Load(hal.FormatAMDGPU, data); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("AMDGPU: %v, want not supported", err)
	}
}
