package ptx

import (
	"fmt"
	"strings"
	"testing"
)

// TestISAVersion checks forms against the .version that introduced them,
// as ptxas does: one version too old is refused with ptxas's reason, the
// version itself accepted. The first case is what the H100's ptxas refused
// in ptx/cgen's semantics module.
func TestISAVersion(t *testing.T) {
	cases := []struct {
		decl, inst string
		version    string // the first version that has the form
	}{
		{".reg .b32 %r<4>;", "max.u16x2 %r1, %r2, %r3;", "8.0"},
		{".reg .b32 %r<4>;", "min.s16x2 %r1, %r2, %r3;", "8.0"},
		{".reg .b32 %r<4>;", "min.relu.s32 %r1, %r2, %r3;", "8.0"},
		{".reg .f32 %f<4>;", "min.xorsign.abs.f32 %f1, %f2, %f3;", "7.2"},
		{".reg .f32 %f<4>;", "max.NaN.f32 %f1, %f2, %f3;", "7.0"},
		{".reg .b32 %r<4>;", "bmsk.clamp.b32 %r1, %r2, %r3;", "7.6"},
		{".reg .b32 %r<4>;", "szext.wrap.s32 %r1, %r2, %r3;", "7.6"},
		{".reg .b32 %r<4>;", "fns.b32 %r1, %r2, %r3, 1;", "6.0"},
		{".reg .b32 %r<4>;", "dp4a.s32.u32 %r1, %r2, %r3, %r1;", "5.0"},
		{".reg .b16 %h<4>;", "add.rn.bf16 %h1, %h2, %h3;", "7.8"},
		{".reg .b16 %h<4>;", "fma.rn.relu.bf16 %h1, %h2, %h3, %h1;", "7.0"},
		{".reg .b16 %h<2>; .reg .f64 %fd<2>;", "cvt.rn.bf16.f64 %h1, %fd1;", "7.8"},
		{".reg .b64 %rd<4>;", "add.cc.u64 %rd1, %rd2, %rd3;", "4.3"},
		{".reg .b64 %rd<2>; .reg .b32 %r<2>;", "ld.global.nc.u32 %r1, [%rd1];", "3.1"},
		{".reg .b64 %rd<2>; .reg .b32 %r<2>;", "ld.relaxed.gpu.global.u32 %r1, [%rd1];", "6.0"},
		{".reg .b32 %r<2>;", "activemask.b32 %r1;", "6.2"},
		{".reg .b32 %r<4>;", "redux.sync.add.u32 %r1, %r2, -1;", "7.0"},
	}
	for _, c := range cases {
		t.Run(c.inst, func(t *testing.T) {
			v := parseVersion(c.version)
			older := fmt.Sprintf("%d.%d", (v-1)/10, (v-1)%10)
			src := func(version string) string {
				return ".version " + version + "\n.target sm_90\n.address_size 64\n.entry k() {\n\t" + c.decl + "\n\t" + c.inst + "\n\tret;\n}\n"
			}
			if _, err := Parse([]byte(src(c.version))); err != nil {
				t.Errorf(".version %s: %v", c.version, err)
			}
			_, err := Parse([]byte(src(older)))
			want := "requires PTX ISA .version " + c.version + " or later"
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "line 6:") {
				t.Errorf(".version %s: got %v, want an error on line 6 containing %q", older, err, want)
			}
		})
	}
}

// TestISAVersionRulesMatch checks that every rule names an operation the
// decoder knows, so that a misspelt rule cannot silently check nothing.
func TestISAVersionRulesMatch(t *testing.T) {
	for _, r := range isaRules {
		if _, ok := opSpecs[r.op]; !ok {
			t.Errorf("rule %q: no operation %q", r.form, r.op)
		}
		if r.version < 10 || r.version > 99 {
			t.Errorf("rule %q: version %d", r.form, r.version)
		}
	}
}
