package spirvgen

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/ptx"
)

const printfHead = `.version 7.8
.target sm_80
.address_size 64
.extern .func (.param .b32 r) vprintf (.param .b64 f, .param .b64 a);
.global .align 1 .b8 fmt1[7] = {118, 61, 37, 100, 10, 0};
.global .align 8 .u64 table[1];
`

// TestPrintfRewrite: the formats of a module's printf and assert calls
// are found (the test kernels' seven, assert included) with their
// argument layouts; a format read from memory is refused naming printf
// unless the call has no arguments, whose format the record carries.
func TestPrintfRewrite(t *testing.T) {
	src, err := os.ReadFile("../../testdata/printf/printf.clang19.sm_80.ptx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Translate(src, Options{Target: FullTarget()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Printf == nil || len(res.Printf.Formats) != 7 {
		t.Fatalf("printf formats %+v, want 7", res.Printf)
	}
	var asserts, dynamic int
	for _, f := range res.Printf.Formats {
		if f.Assert {
			asserts++
			if !strings.Contains(f.Format, "Assertion `v[i] < limit` failed.") || f.Args.N != 7 {
				t.Errorf("assert format %q with %d arguments", f.Format, f.Args.N)
			}
		}
		if f.Dynamic {
			dynamic++
		}
	}
	if asserts != 1 || dynamic != 1 {
		t.Errorf("%d assert and %d run-time formats, want 1 each", asserts, dynamic)
	}
	found := false
	for _, v := range res.Globals.Vars {
		found = found || v.Name == PrintfBuffer && v.Size == PrintfBufferSize
	}
	if !found {
		t.Error("no printf buffer among the globals")
	}

	call := func(format, args string) string {
		return printfHead + `.visible .entry k() {
  .local .align 8 .b8 depot[8];
  .reg .b64 %rd<6>;
  mov.u64 %rd1, depot;
  cvta.local.u64 %rd2, %rd1;
  ` + format + `
  { .param .b64 p0; st.param.b64 [p0], %rd4; .param .b64 p1; st.param.b64 [p1], ` + args + `; .param .b32 r0;
    call.uni (r0), vprintf, (p0, p1); }
  ret;
}`
	}
	direct := "mov.u64 %rd3, fmt1; cvta.global.u64 %rd4, %rd3;"
	loaded := "mov.u64 %rd3, table; ld.global.u64 %rd4, [%rd3];"
	for _, c := range []struct {
		name, src string
		ok        bool
	}{
		{"constant format", call(direct, "%rd2"), true},
		{"constant format plus offset", call("mov.u64 %rd3, fmt1; add.u64 %rd5, %rd3, 2; cvta.global.u64 %rd4, %rd5;", "%rd2"), true},
		{"format from memory without arguments", call(loaded, "0"), true},
		{"format from memory with arguments", call(loaded, "%rd2"), false},
	} {
		res, err := Translate([]byte(c.src), Options{Target: FullTarget()})
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.ok && (err == nil || !errors.Is(err, ptx.ErrInvalidPTX) || !strings.Contains(err.Error(), "printf")):
			t.Errorf("%s: %v, want an invalid-PTX error naming printf", c.name, err)
		case c.ok && (res.Printf == nil || len(res.Printf.Formats) != 1):
			t.Errorf("%s: formats %+v", c.name, res.Printf)
		}
		if c.name == "constant format plus offset" && err == nil && res.Printf.Formats[0].Format != "%d\n" {
			t.Errorf("%s: format %q, want %q", c.name, res.Printf.Formats[0].Format, "%d\n")
		}
	}
}
