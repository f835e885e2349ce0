package modfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestParsePTXFixtures(t *testing.T) {
	for _, tc := range []struct{ file, target, version string }{
		{"kernels.sm_80.ptx", "sm_80", "7.0"},
		{"kernels.sm_90.ptx", "sm_90", "7.8"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := ParsePTX(readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != hal.FormatPTX || m.Target != tc.target || m.Version != tc.version {
				t.Errorf("module %s %q %q, want ptx %q %q", m.Format, m.Target, m.Version, tc.target, tc.version)
			}
			checkSignatures(t, m, "vector_add", "saxpy", "args_probe", "matrix_multiply", "empty", "reduce_sum", "scale_by_global")
			if len(m.Kernels) != 7 {
				t.Errorf("%d kernels, want 7 (the .func must not count)", len(m.Kernels))
			}
			mm, err := m.Kernel("matrix_multiply")
			if err != nil {
				t.Fatal(err)
			}
			if mm.SharedBytes != 2*16*16*4 || mm.MaxThreadsPerBlock != 256 {
				t.Errorf("matrix_multiply shared %d maxntid %d, want 2048 256", mm.SharedBytes, mm.MaxThreadsPerBlock)
			}
			rs, _ := m.Kernel("reduce_sum")
			if rs.SharedBytes != 0 {
				t.Errorf("reduce_sum (dynamic shared only) SharedBytes %d, want 0", rs.SharedBytes)
			}
			wantGlobals := map[string]uint64{"global_scale": 4, "table": 37 * 4, "coeffs": 16}
			if len(m.Globals) != len(wantGlobals) {
				t.Errorf("globals %v, want %v", m.Globals, wantGlobals)
			}
			for _, g := range m.Globals {
				if wantGlobals[g.Name] != g.Size {
					t.Errorf("global %s size %d, want %d", g.Name, g.Size, wantGlobals[g.Name])
				}
			}
			if _, err := m.Kernel("nope"); !errors.Is(err, hal.ErrNotFound) {
				t.Errorf("Kernel(nope) = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestParsePTXSyntax(t *testing.T) {
	src := `
// .entry commented_out(.param .u32 x) { }
/* .entry also_commented(
     .param .u64 y) { } */
.version 8.0
.target sm_90a, texmode_independent
.address_size 64

.extern .entry declared_elsewhere(.param .u32 a);
.visible .global .align 8 .u64 g1, g2[3];
.global .v4 .f32 vec4;
.global .align 1 .b8 bytes[] = {1, 2, 3, 4, 5};
.global .attribute(.managed) .s32 managed_var = 7;
.extern .global .u32 somewhere_else;
.shared .align 4 .b8 module_shared[64];
.const .align 4 .b8 lut[2][8] = {{0,1,2,3,4,5,6,7},{8,9,10,11,12,13,14,15}};

.func (.param .b32 r) helper(.param .b32 x)
{
	.shared .align 4 .b8 not_an_entry_shared[128];
	st.param.b32 [r], 0;
	ret;
}

.section .debug_info { .b8 1, 2, 3 }

.entry hidden_kernel(
	.param .u64 .ptr .global .align 16 p,   // .align after .ptr: the pointee's
	.param .align 16 .b8 s[32],
	.param .u8 c,
	.param .f16 h,
	.param .u32 arr[3]
)
.reqntid 8, 4, 2
.maxnreg 32
{
	.reg .b32 %r<4>;
	.shared .align 4 .f32 local_shared[10];
	.extern .shared .align 16 .b8 dyn[];
	ld.shared.f32 %f1, [module_shared];
	ret;
}

.visible .entry no_parens .pragma "nounroll";
{
	ret;
}
`
	m, err := ParsePTX([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "8.0" || m.Target != "sm_90a" {
		t.Errorf("version %q target %q", m.Version, m.Target)
	}
	if len(m.Kernels) != 2 {
		t.Fatalf("kernels %+v, want hidden_kernel and no_parens", m.Kernels)
	}
	k := m.Kernels[0]
	// p: 8@0; s: align 16 -> 16..48; c: 48; h: align 2 -> 50; arr: align 4 -> 52..64; size 64.
	want := params(0, 8, 16, 32, 48, 1, 50, 2, 52, 12)
	if k.Name != "hidden_kernel" || !equalParams(k.Params, want) || k.ArgsSize != 64 {
		t.Errorf("hidden_kernel params %v size %d, want %v 64", k.Params, k.ArgsSize, want)
	}
	if k.MaxThreadsPerBlock != 64 {
		t.Errorf("reqntid 8,4,2 gave MaxThreadsPerBlock %d", k.MaxThreadsPerBlock)
	}
	if k.SharedBytes != 40+64 {
		t.Errorf("SharedBytes %d, want 104 (10 floats declared + 64 module-scope referenced)", k.SharedBytes)
	}
	if n := m.Kernels[1]; n.Name != "no_parens" || len(n.Params) != 0 || n.ArgsSize != 0 || n.SharedBytes != 0 {
		t.Errorf("no_parens: %+v", n)
	}
	wantG := []GlobalInfo{{"g1", 8}, {"g2", 24}, {"vec4", 16}, {"bytes", 5}, {"managed_var", 4}, {"lut", 16}}
	if len(m.Globals) != len(wantG) {
		t.Fatalf("globals %v, want %v", m.Globals, wantG)
	}
	for i := range wantG {
		if m.Globals[i] != wantG[i] {
			t.Errorf("global %d = %v, want %v", i, m.Globals[i], wantG[i])
		}
	}
}

func TestParsePTXErrors(t *testing.T) {
	const hdr = ".version 7.0\n.target sm_80\n"
	for _, tc := range []struct{ name, src, want string }{
		{"no version", ".target sm_80\n", "no .version"},
		{"no target", ".version 7.0\n", "no .target"},
		{"version in comment", "// .version 7.0\n.target sm_80\n", "no .version"},
		{"unterminated comment", hdr + "/* .entry", "unterminated /* comment"},
		{"unterminated string", hdr + ".file 1 \"abc\n", "unterminated string"},
		{"bad param type", hdr + ".entry k(.param .u3 x) { ret; }", "unknown type"},
		{"param without type", hdr + ".entry k(.param x) { ret; }", "no type"},
		{"bad align", hdr + ".entry k(.param .align 3 .b8 x[4]) { ret; }", "bad .align"},
		{"bad array", hdr + ".entry k(.param .u32 x[0]) { ret; }", "bad array length"},
		{"huge array", hdr + ".entry k(.param .u64 x[999999999]) { ret; }", "bad array length"},
		{"missing comma", hdr + ".entry k(.param .u32 a .param .u32 b) { ret; }", "want ',' or ')'"},
		{"unterminated body", hdr + ".entry k() { ret;", "unterminated body"},
		{"no body", hdr + ".entry k()", "has no body"},
		{"bad maxntid", hdr + ".entry k() .maxntid 0 { ret; }", ".maxntid wants"},
		{"entry without name", hdr + ".entry (", ".entry wants a name"},
		{"global without type", hdr + ".global g;", "has no type"},
		{"global unterminated", hdr + ".global .u32 g", "want ';'"},
		{"unbalanced block", hdr + "{ {", "unterminated { block"},
		{"func unterminated", hdr + ".func f(", "unterminated .func"},
		{"duplicate entry", hdr + ".entry k() { ret; }\n.entry k() { ret; }", "defined twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePTX([]byte(tc.src))
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParsePTX = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParsePTXProjectKernels(t *testing.T) {
	for _, f := range []string{"test_kernels.sm_80.ptx", "test_kernels.sm_90.ptx"} {
		t.Run(f, func(t *testing.T) {
			m, err := ParsePTX(projectKernel(t, f))
			if err != nil {
				t.Fatal(err)
			}
			checkSignatures(t, m, "vector_add", "vector_add_scaled", "saxpy", "matrix_multiply", "reduce_sum", "empty", "scale_by_global", "args_probe")
			found := false
			for _, g := range m.Globals {
				found = found || g.Name == "global_scale" && g.Size == 4
			}
			if !found {
				t.Errorf("no 4-byte global_scale in %v", m.Globals)
			}
		})
	}
}
