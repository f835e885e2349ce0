package hip

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/modfile"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// cType is a parameter's C type by size and alignment.
type cType struct {
	size, align uint32
	ptr         bool // a device pointer (the metadata's global_buffer)
}

var (
	tU8   = cType{1, 1, false}
	tU16  = cType{2, 2, false}
	tU32  = cType{4, 4, false}
	tF32  = cType{4, 4, false}
	tU64  = cType{8, 8, false}
	tF64  = cType{8, 8, false}
	tPtr  = cType{8, 8, true}
	tPair = cType{8, 4, false} // struct { int32_t x; float y; }
)

// natural lays parameters out as a C struct: each at the next multiple of
// its alignment, the whole rounded up to the largest alignment. It is the
// reference the code objects' metadata is checked against.
func natural(types ...cType) ([]hal.Param, uint32) {
	var off, maxAlign uint32 = 0, 1
	ps := []hal.Param{}
	for _, t := range types {
		off = (off + t.align - 1) / t.align * t.align
		ps = append(ps, hal.Param{Offset: off, Size: t.size, Pointer: t.ptr})
		off += t.size
		maxAlign = max(maxAlign, t.align)
	}
	return ps, (off + maxAlign - 1) / maxAlign * maxAlign
}

// testKernels are the GPU kernels of KERNELS.md with their C parameters.
var testKernels = map[string][]cType{
	"vector_add":        {tPtr, tPtr, tPtr, tU32},
	"vector_add_scaled": {tPtr, tPtr, tPtr, tF32, tF32, tU32},
	"saxpy":             {tU32, tF32, tPtr, tPtr},
	"matrix_multiply":   {tPtr, tPtr, tPtr, tU32, tU32, tU32},
	"reduce_sum":        {tPtr, tPtr, tU32},
	"empty":             {},
	"scale_by_global":   {tPtr, tPtr, tU32},
	"args_probe":        {tU8, tU16, tU32, tU64, tF32, tF64, tPair, tPtr},
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	dir, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCodeObjectLayouts reads the project's AMDGPU code objects through
// hal/modfile, as Load does, and checks every kernel's parameter layout
// against the C natural-alignment layout of KERNELS.md.
func TestCodeObjectLayouts(t *testing.T) {
	for _, arch := range []string{"gfx90a", "gfx942"} {
		t.Run(arch, func(t *testing.T) {
			meta, err := modfile.ParseAMDGPU(readTestdata(t, "test_kernels."+arch+".hsaco"))
			if err != nil {
				t.Fatal(err)
			}
			if archName(meta.Target) != arch || checkTarget(meta.Target, arch) != nil {
				t.Errorf("target %q, want %s", meta.Target, arch)
			}
			if err := checkTarget(meta.Target, map[string]string{"gfx90a": "gfx942", "gfx942": "gfx90a"}[arch]); !errors.Is(err, hal.ErrNoBinaryForDevice) {
				t.Errorf("checkTarget against the other processor = %v", err)
			}
			var names []string
			for _, ki := range meta.Kernels {
				names = append(names, ki.Name)
				types, ok := testKernels[ki.Name]
				if !ok {
					t.Errorf("unexpected kernel %q", ki.Name)
					continue
				}
				wantParams, wantSize := natural(types...)
				l := layoutOf(ki)
				if !slices.Equal(l.params, wantParams) || l.size != wantSize {
					t.Errorf("%s: params %v size %d, want %v size %d", ki.Name, l.params, l.size, wantParams, wantSize)
				}
				// A buffer packed to the struct size is accepted, and so is
				// one padded to 8 bytes; one byte short of the last
				// parameter is not.
				if err := l.check(ki.Name, make([]byte, wantSize)); err != nil {
					t.Errorf("%s: %d-byte buffer: %v", ki.Name, wantSize, err)
				}
				if err := l.check(ki.Name, make([]byte, (wantSize+7)&^7)); err != nil {
					t.Errorf("%s: padded buffer: %v", ki.Name, err)
				}
				if end := l.end(); end > 0 {
					if err := l.check(ki.Name, make([]byte, end-1)); !errors.Is(err, hal.ErrInvalidValue) {
						t.Errorf("%s: %d-byte buffer: %v, want ErrInvalidValue", ki.Name, end-1, err)
					}
				}
				if len(ki.Params) > 0 && !slices.Equal(l.offsets(), offsetsOf(wantParams)) {
					t.Errorf("%s: offsets %v", ki.Name, l.offsets())
				}
				attrs := kernelAttributes(ki, func(hipabi.FunctionAttribute) (int, bool) { return 0, false })
				if attrs.MaxThreadsPerBlock < 256 || attrs.MaxThreadsPerBlock > 1024 {
					t.Errorf("%s: MaxThreadsPerBlock from metadata = %d", ki.Name, attrs.MaxThreadsPerBlock)
				}
				if ki.Name == "matrix_multiply" && attrs.SharedSizeBytes != 2*16*16*4 {
					t.Errorf("matrix_multiply: static shared memory %d, want %d", attrs.SharedSizeBytes, 2*16*16*4)
				}
			}
			slices.Sort(names)
			var want []string
			for n := range testKernels {
				want = append(want, n)
			}
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("kernels %v, want %v", names, want)
			}
			var found bool
			for _, g := range meta.Globals {
				if g.Name == "global_scale" {
					found = g.Size == 4
				}
			}
			if !found {
				t.Errorf("no 4-byte global_scale in %v", meta.Globals)
			}
		})
	}
}

func offsetsOf(ps []hal.Param) []uint32 {
	var out []uint32
	for _, p := range ps {
		out = append(out, p.Offset)
	}
	return out
}

func TestKernelAttributes(t *testing.T) {
	ki := modfile.KernelInfo{Name: "k", MaxThreadsPerBlock: 256, SharedBytes: 1024, PrivateSegmentFixedSize: 16, VGPRCount: 40}
	// The runtime's answers win where it gives them.
	got := kernelAttributes(ki, func(a hipabi.FunctionAttribute) (int, bool) {
		switch a {
		case hipabi.HIP_FUNC_ATTRIBUTE_NUM_REGS:
			return 64, true
		case hipabi.HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
			return 65536 - 1024, true
		}
		return 0, false
	})
	want := hal.KernelAttributes{MaxThreadsPerBlock: 256, SharedSizeBytes: 1024, LocalSizeBytes: 16, NumRegs: 64, MaxDynamicSharedMem: 64512}
	if got != want {
		t.Errorf("kernelAttributes = %+v, want %+v", got, want)
	}
	// No metadata bound and no answer: the AMDGPU default of 1024.
	if a := kernelAttributes(modfile.KernelInfo{}, func(hipabi.FunctionAttribute) (int, bool) { return 0, false }); a.MaxThreadsPerBlock != 1024 {
		t.Errorf("default MaxThreadsPerBlock = %d", a.MaxThreadsPerBlock)
	}
}

func TestArgLayoutCheck(t *testing.T) {
	params, size := natural(tU32, tF32, tPtr, tPtr) // saxpy: 0,4,8,16; 24
	l := argLayout{params: params, size: size}
	for n, ok := range map[int]bool{0: false, 3: false, 23: false, 24: true, 25: false, 32: false} {
		err := l.check("saxpy", make([]byte, n))
		if (err == nil) != ok {
			t.Errorf("check(%d bytes) = %v, want ok=%v", n, err, ok)
		}
		if err != nil && !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("check(%d bytes) = %v, want ErrInvalidValue", n, err)
		}
	}
	// All-32-bit parameters: the struct is 12 bytes; callers that pad to 8
	// pass 16.
	params, size = natural(tU32, tU32, tU32)
	l = argLayout{params: params, size: size}
	for n, ok := range map[int]bool{8: false, 12: true, 16: true, 20: false} {
		if err := l.check("three", make([]byte, n)); (err == nil) != ok {
			t.Errorf("check(%d bytes) of a 12-byte struct = %v, want ok=%v", n, err, ok)
		}
	}
	// No parameters: only an empty buffer.
	empty := argLayout{params: []hal.Param{}}
	if err := empty.check("empty", nil); err != nil {
		t.Errorf("empty kernel, no args: %v", err)
	}
	if err := empty.check("empty", []byte{0}); err == nil {
		t.Errorf("empty kernel, one byte: no error")
	}
}

func TestCheckLaunch(t *testing.T) {
	lim := limits{maxThreads: 1024, maxBlock: [3]int{1024, 1024, 1024}, maxGrid: [3]int{math.MaxInt32, 65536, 65536},
		maxShared: 65536, staticBytes: 2048}
	d3 := func(x, y, z uint32) hal.Dim3 { return hal.Dim3{X: x, Y: y, Z: z} }
	for _, tc := range []struct {
		name string
		cfg  hal.LaunchConfig
		lim  limits
		want error
	}{
		{"ok", hal.LaunchConfig{Grid: d3(391, 1, 1), Block: d3(256, 1, 1)}, lim, nil},
		{"zero grid", hal.LaunchConfig{Grid: d3(0, 1, 1), Block: d3(1, 1, 1)}, lim, hal.ErrInvalidValue},
		{"zero block", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1, 0, 1)}, lim, hal.ErrInvalidValue},
		{"too many threads", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1025, 1, 1)}, lim, hal.ErrInvalidValue},
		{"kernel bound", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(512, 1, 1)}, limits{maxThreads: 256}, hal.ErrInvalidValue},
		{"block z", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1, 1, 2)}, limits{maxBlock: [3]int{1024, 1024, 1}}, hal.ErrInvalidValue},
		{"grid y", hal.LaunchConfig{Grid: d3(1, 65537, 1), Block: d3(1, 1, 1)}, lim, hal.ErrInvalidValue},
		{"work-items overflow", hal.LaunchConfig{Grid: d3(math.MaxInt32, 1, 1), Block: d3(4, 1, 1)}, lim, hal.ErrInvalidValue},
		{"largest 1-D", hal.LaunchConfig{Grid: d3(math.MaxUint32/1024, 1, 1), Block: d3(1024, 1, 1)}, lim, nil},
		{"shared", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1, 1, 1), SharedBytes: 65536 - 2048}, lim, nil},
		{"shared too much", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1, 1, 1), SharedBytes: 65536 - 2047}, lim, hal.ErrInvalidValue},
		{"cooperative unsupported", hal.LaunchConfig{Grid: d3(1, 1, 1), Block: d3(1, 1, 1), Cooperative: true}, lim, hal.ErrNotSupported},
		{"unknown limits", hal.LaunchConfig{Grid: d3(9, 9, 9), Block: d3(4096, 1, 1)}, limits{}, nil},
	} {
		err := checkLaunch("k", tc.lim, &tc.cfg)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: checkLaunch = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// FuzzLaunchChecks feeds arbitrary layouts, buffers and launch shapes to the
// pure validation: it must never panic, and whatever it accepts must fit
// the runtime's limits.
func FuzzLaunchChecks(f *testing.F) {
	f.Add(uint32(0), uint32(4), uint32(8), uint32(8), uint32(16), 24, uint32(391), uint32(1), uint32(256), uint32(1), uint32(0))
	f.Add(uint32(0), uint32(1), uint32(2), uint32(2), uint32(4), 8, uint32(1), uint32(1), uint32(1), uint32(1), uint32(0))
	f.Add(uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(1), uint32(1), uint32(0), 0, uint32(math.MaxUint32), uint32(0), uint32(0), uint32(7), uint32(math.MaxUint32))
	f.Fuzz(func(t *testing.T, o1, s1, o2, s2, size uint32, n int, gx, gy, bx, by, shared uint32) {
		l := argLayout{params: []hal.Param{{Offset: o1, Size: s1}, {Offset: o2, Size: s2}}, size: size}
		if n < 0 || n > 1<<16 {
			n = 1 << 10
		}
		if err := l.check("f", make([]byte, n)); err == nil {
			if uint64(n) < uint64(o1)+uint64(s1) || uint64(n) < uint64(o2)+uint64(s2) {
				t.Fatalf("accepted %d bytes for params %v", n, l.params)
			}
		}
		_ = l.offsets()
		lim := limits{maxThreads: 1024, maxBlock: [3]int{1024, 1024, 1024}, maxGrid: [3]int{math.MaxInt32, 65536, 65536}, maxShared: 65536}
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: gx, Y: gy, Z: 1}, Block: hal.Dim3{X: bx, Y: by, Z: 1}, SharedBytes: shared}
		if err := checkLaunch("f", lim, &cfg); err == nil {
			if cfg.Block.Count() > 1024 || uint64(gx)*uint64(bx) > math.MaxUint32 || gx == 0 || bx == 0 || shared > 65536 {
				t.Fatalf("accepted %+v", cfg)
			}
		}
	})
}
