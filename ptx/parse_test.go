package ptx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// projectPTX returns the project's PTX test modules.
func projectPTX(t testing.TB) []string {
	files, err := filepath.Glob("../testdata/*.ptx")
	if err != nil || len(files) == 0 {
		t.Fatalf("no PTX in ../testdata: %v", err)
	}
	more, _ := filepath.Glob("testdata/*.ptx")
	return append(files, more...)
}

func TestParseProjectPTX(t *testing.T) {
	for _, path := range projectPTX(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		a, err := Analyze(m)
		if err != nil {
			t.Errorf("%s: analyze: %v", path, err)
			continue
		}
		var buf bytes.Buffer
		Dump(&buf, m, a)
		if testing.Verbose() && strings.Contains(path, "test_kernels.sm_80") {
			t.Log(buf.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	head := ".version 7.8\n.target sm_80\n.address_size 64\n"
	cases := []struct {
		name, src, want string
		line, col       int
		unsupported     bool
	}{
		{"unknown instruction", head + ".entry k() {\n  frob.u32 %r1, 1;\n}", "unknown instruction 'frob.u32'", 5, 3, false},
		{"undefined register", head + ".entry k() {\n  .reg .b32 %r<2>;\n  add.u32 %r1, %r7, 1;\n}", "undefined identifier %r7", 6, 16, false},
		{"type mismatch", head + ".entry k() {\n  .reg .f32 %f<2>;\n  .reg .b32 %r<2>;\n  add.u64 %r1, %r1, 1;\n}", "does not agree with .u64", 7, 11, false},
		{"float into int", head + ".entry k() {\n  .reg .f32 %f<2>;\n  .reg .b32 %r<2>;\n  add.s32 %r1, %f1, 1;\n}", "register %f1 of type .f32 does not agree with .s32", 7, 16, false},
		{"bad modifier", head + ".entry k() {\n  .reg .b32 %r<2>;\n  add.bogus.u32 %r1, %r1, 1;\n}", "unknown modifier .bogus", 6, 3, false},
		{"undefined label", head + ".entry k() {\n  bra $L_nowhere;\n}", "undefined identifier $L_nowhere", 5, 7, false},
		{"texture", head + ".entry k() {\n  .reg .f32 %f<5>;\n  .reg .b64 %rd<2>;\n  tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f1,%f2}];\n}", "textures are not supported", 7, 3, true},
		{"mma", head + ".entry k() {\n  mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%f1}, {%r1}, {%r2}, {%f1};\n}", "tensor-core", 5, 3, true},
		{"missing semicolon", head + ".entry k() {\n  .reg .b32 %r<2>;\n  mov.u32 %r1, 1\n  ret;\n}", "expected ',' or ';'", 7, 3, false},
		{"missing version", ".target sm_80\n.entry k() { ret; }", "missing .version", 1, 1, false},
		{"operand count", head + ".entry k() {\n  .reg .b32 %r<2>;\n  add.u32 %r1, %r1;\n}", "expects 3 operands, found 2", 6, 3, false},
		{"kernel param store", head + ".entry k(.param .u32 p) {\n  st.param.u32 [p], 1;\n}", "kernel parameters are read-only", 5, 16, false},
		{"unterminated", head + ".entry k() {\n  ret;\n", "unterminated { block", 4, 12, false},
		{"bad version", ".version 12.0\n.target sm_80\n.entry k() { ret; }", "unsupported .version", 1, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidPTX) {
				t.Errorf("%v does not match ErrInvalidPTX", err)
			}
			if errors.Is(err, ErrUnsupported) != tc.unsupported {
				t.Errorf("errors.Is(ErrUnsupported) = %v, want %v", !tc.unsupported, tc.unsupported)
			}
			var first *Error
			switch e := err.(type) {
			case *Error:
				first = e
			case ErrorList:
				first = e[0]
			default:
				t.Fatalf("error of type %T", err)
			}
			if !strings.Contains(first.Msg, tc.want) {
				t.Errorf("error %q does not contain %q", first.Msg, tc.want)
			}
			if first.Pos.Line != tc.line || first.Pos.Col != tc.col {
				t.Errorf("error at %v, want %d:%d (%v)", first.Pos, tc.line, tc.col, err)
			}
		})
	}
}
