package modfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// cType is a C parameter type: its size and alignment.
type cType struct {
	size, align uint32
	ptr         bool
}

var (
	cU8   = cType{size: 1, align: 1}
	cU16  = cType{size: 2, align: 2}
	cU32  = cType{size: 4, align: 4}
	cU64  = cType{size: 8, align: 8}
	cF32  = cType{size: 4, align: 4}
	cF64  = cType{size: 8, align: 8}
	cPtr  = cType{size: 8, align: 8, ptr: true}
	cPair = cType{size: 8, align: 4} // struct { int32_t x; float y; }
)

// cStruct lays out parameters as a C struct with natural alignment, the
// reference the parsers' offsets are checked against: each member at the
// next multiple of its alignment, the size rounded up to the largest.
func cStruct(types ...cType) ([]hal.Param, uint32) {
	params := []hal.Param{}
	off, maxAlign := uint32(0), uint32(1)
	for _, t := range types {
		for off%t.align != 0 {
			off++
		}
		params = append(params, hal.Param{Offset: off, Size: t.size})
		off += t.size
		if t.align > maxAlign {
			maxAlign = t.align
		}
	}
	if len(types) == 0 {
		return params, 0
	}
	for off%maxAlign != 0 {
		off++
	}
	return params, off
}

// kernelSignatures are the KERNELS.md parameter lists.
var kernelSignatures = map[string][]cType{
	"vector_add":        {cPtr, cPtr, cPtr, cU32},
	"vector_add_scaled": {cPtr, cPtr, cPtr, cF32, cF32, cU32},
	"saxpy":             {cU32, cF32, cPtr, cPtr},
	"matrix_multiply":   {cPtr, cPtr, cPtr, cU32, cU32, cU32},
	"reduce_sum":        {cPtr, cPtr, cU32},
	"empty":             {},
	"scale_by_global":   {cPtr, cPtr, cU32},
	"args_probe":        {cU8, cU16, cU32, cU64, cF32, cF64, cPair, cPtr},
	"grid_sum":          {cPtr, cPtr, cPtr, cU32},
}

// checkSignatures checks every kernel of m that KERNELS.md describes
// against the C layout, and that each name in want is present.
func checkSignatures(t *testing.T, m *Module, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, k := range m.Kernels {
		have[k.Name] = true
		sig, ok := kernelSignatures[k.Name]
		if !ok {
			continue
		}
		params, size := cStruct(sig...)
		if !equalParams(k.Params, params) {
			t.Errorf("%s: params %v, want %v", k.Name, k.Params, params)
		}
		// SPIR-V and AMDGPU metadata say which parameters are pointers.
		if (m.Format == hal.FormatSPIRV || m.Format == hal.FormatAMDGPU) && len(k.Params) == len(sig) {
			for i, c := range sig {
				if k.Params[i].Pointer != c.ptr {
					t.Errorf("%s: parameter %d Pointer = %v, want %v", k.Name, i, k.Params[i].Pointer, c.ptr)
				}
			}
		}
		if k.ArgsSize != size {
			t.Errorf("%s: ArgsSize %d, want %d", k.Name, k.ArgsSize, size)
		}
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("kernel %s missing (have %v)", n, have)
		}
	}
}

func equalParams(a, b []hal.Param) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Offset != b[i].Offset || a[i].Size != b[i].Size {
			return false
		}
	}
	return true
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// projectKernel reads one of the project's kernel binaries from the
// repository's testdata/, skipping the test when it has not been built.
func projectKernel(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if os.IsNotExist(err) {
		t.Skipf("project kernel %s not built yet", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCStructReference(t *testing.T) {
	// The reference itself, against the offsets KERNELS.md states.
	p, size := cStruct(kernelSignatures["saxpy"]...)
	if want := params(0, 4, 4, 4, 8, 8, 16, 8); !equalParams(p, want) || size != 24 {
		t.Fatalf("saxpy reference %v %d", p, size)
	}
	p, size = cStruct(kernelSignatures["args_probe"]...)
	want := params(0, 1, 2, 2, 4, 4, 8, 8, 16, 4, 24, 8, 32, 8, 40, 8)
	if !equalParams(p, want) || size != 48 {
		t.Fatalf("args_probe reference %v %d", p, size)
	}
}

func readFileT(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// params builds a parameter list from offset, size pairs.
func params(offSize ...uint32) []hal.Param {
	out := make([]hal.Param, len(offSize)/2)
	for i := range out {
		out[i] = hal.Param{Offset: offSize[2*i], Size: offSize[2*i+1]}
	}
	return out
}
