package cuda

import (
	"errors"
	"slices"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestParsePTXEntries(t *testing.T) {
	src := `
// comment with .entry fake(
/* block .entry fake2( */
.version 8.0
.target sm_90
.address_size 64
.visible .func (.param .b32 ret) helper(.param .b64 p) { ret; }
.visible .entry k1(
	.param .u8 k1_param_0,
	.param .f64 k1_param_1,
	.param .align 16 .b8 k1_param_2[24],
	.param .u64 .ptr .global .align 4 k1_param_3,
	.param .f16 k1_param_4
)
.maxntid 256, 1, 1
{
	ld.param.u8 %rs1, [k1_param_0];
	{ .reg .b32 inner; }
	ret;
}
.entry k2 { ret; }
.weak .entry k3() { ret; }
`
	got, err := parsePTXEntries([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]hal.Param{
		"k1": layout(0, 1, 8, 8, 16, 24, 40, 8, 48, 2),
		"k2": layout(),
		"k3": layout(),
	}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for name, w := range want {
		if e, ok := got[name]; !ok || !slices.Equal(e.params, w) || e.params == nil {
			t.Errorf("%s: %v, want %v", name, e.params, w)
		}
	}
	for _, bad := range []string{
		".entry",
		".entry (",
		".entry k(.param .u32)",
		".entry k(.param a)",
		".entry k(.param .u32 a .u32 b)",
		".entry k(.param .u32 a, )",
		".entry k(.param .u32 a",
		".entry k(.param .align 3 .b8 a[4])",
		".entry k(.param .b8 a[0])",
		".entry k(.param .b8 a[])",
		".entry k(.param .u32 a) {} .entry k() {}",
		"{ .entry k() }",
		"}",
	} {
		if _, err := parsePTXEntries([]byte(bad)); !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("parsePTXEntries(%q) = %v, want hal.ErrInvalidImage", bad, err)
		}
	}
}

func TestParsePTXTestKernels(t *testing.T) {
	for _, name := range []string{"test_kernels.sm_80.ptx", "test_kernels.sm_90.ptx"} {
		got, err := parsePTXEntries(readTestdata(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, want := range wantParams {
			if e, ok := got[k]; !ok || !slices.Equal(e.params, want) {
				t.Errorf("%s: %s = %v, want %v", name, k, e.params, want)
			}
		}
	}
}

// FuzzParsePTX checks that no input makes the parser panic or return
// layouts that overlap or are not increasing.
func FuzzParsePTX(f *testing.F) {
	f.Add([]byte(".visible .entry k(.param .u64 a, .param .align 8 .b8 s[12], .param .u8 c) { ret; }"))
	f.Add([]byte(".entry e() {}"))
	f.Add([]byte("/* x */ .entry a(.param .f32 x)\n// y\n{ { } }"))
	for _, name := range []string{"../../testdata/test_kernels.sm_90.ptx"} {
		if b, err := readFileIfExists(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		entries, err := parsePTXEntries(src)
		if err != nil {
			if !errors.Is(err, hal.ErrInvalidImage) {
				t.Fatalf("error %v does not wrap hal.ErrInvalidImage", err)
			}
			return
		}
		for name, e := range entries {
			if !ptxIdent(name) || e.params == nil {
				t.Fatalf("entry %q: %v", name, e.params)
			}
			var end uint32
			for _, p := range e.params {
				if p.Size == 0 || p.Offset < end {
					t.Fatalf("entry %q: layout %v", name, e.params)
				}
				end = p.Offset + p.Size
			}
		}
	})
}
