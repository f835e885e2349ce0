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

// nvccPrintf is printf("%d %f\n", i, x) and assert(i < 4) as nvcc 12
// writes them: $str globals, a __local_depot addressed through %SP/%SPL,
// the call sequence's temp_param_reg, and __unnamed_1 for __func__.
const nvccPrintf = `.version 8.5
.target sm_80
.address_size 64
.extern .func  (.param .b32 func_retval0) vprintf
(
	.param .b64 vprintf_param_0,
	.param .b64 vprintf_param_1
)
;
.extern .func __assertfail
(
	.param .b64 __assertfail_param_0,
	.param .b64 __assertfail_param_1,
	.param .b32 __assertfail_param_2,
	.param .b64 __assertfail_param_3,
	.param .b64 __assertfail_param_4
)
;
.global .align 1 .b8 $str[7] = {37, 100, 32, 37, 102, 10, 0};
.global .align 1 .b8 $str$1[6] = {105, 32, 60, 32, 52, 0};
.global .align 1 .b8 $str$2[5] = {107, 46, 99, 117, 0};
.global .align 1 .b8 __unnamed_1[10] = {118, 111, 105, 100, 32, 107, 40, 41, 0};

.visible .entry k(
	.param .f32 k_param_0
)
{
	.local .align 8 .b8 	__local_depot0[16];
	.reg .b64 	%SP;
	.reg .b64 	%SPL;
	.reg .pred 	%p<2>;
	.reg .b32 	%r<6>;
	.reg .f32 	%f<2>;
	.reg .b64 	%rd<12>;
	.reg .f64 	%fd<2>;

	mov.u64 	%SPL, __local_depot0;
	cvta.local.u64 	%SP, %SPL;
	ld.param.f32 	%f1, [k_param_0];
	add.u64 	%rd1, %SP, 0;
	add.u64 	%rd2, %SPL, 0;
	mov.u32 	%r1, %tid.x;
	cvt.f64.f32 	%fd1, %f1;
	st.local.u32 	[%rd2], %r1;
	st.local.f64 	[%rd2+8], %fd1;
	mov.u64 	%rd3, $str;
	cvta.global.u64 	%rd4, %rd3;
	{ // callseq 0, 0
	.reg .b32 temp_param_reg;
	.param .b64 param0;
	st.param.b64 	[param0+0], %rd4;
	.param .b64 param1;
	st.param.b64 	[param1+0], %rd1;
	.param .b32 retval0;
	call.uni (retval0),
	vprintf,
	(
	param0,
	param1
	);
	ld.param.b32 	%r2, [retval0+0];
	} // callseq 0
	setp.lt.u32 	%p1, %r1, 4;
	@%p1 bra 	$L__BB0_2;
	mov.u64 	%rd5, $str$1;
	cvta.global.u64 	%rd6, %rd5;
	mov.u64 	%rd7, $str$2;
	cvta.global.u64 	%rd8, %rd7;
	mov.u64 	%rd9, __unnamed_1;
	cvta.global.u64 	%rd10, %rd9;
	mov.u32 	%r3, 9;
	mov.u64 	%rd11, 1;
	{ // callseq 1, 0
	.reg .b32 temp_param_reg;
	.param .b64 param0;
	st.param.b64 	[param0+0], %rd6;
	.param .b64 param1;
	st.param.b64 	[param1+0], %rd8;
	.param .b32 param2;
	st.param.b32 	[param2+0], %r3;
	.param .b64 param3;
	st.param.b64 	[param3+0], %rd10;
	.param .b64 param4;
	st.param.b64 	[param4+0], %rd11;
	call.uni
	__assertfail,
	(
	param0,
	param1,
	param2,
	param3,
	param4
	);
	} // callseq 1
$L__BB0_2:
	ret;

}
`

// TestPrintfNvccShape: nvcc's printf and assert PTX translates, with the
// formats found.
func TestPrintfNvccShape(t *testing.T) {
	res, err := Translate([]byte(nvccPrintf), Options{Target: FullTarget()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Printf == nil || len(res.Printf.Formats) != 2 {
		t.Fatalf("formats %+v, want 2", res.Printf)
	}
	p, a := res.Printf.Formats[0], res.Printf.Formats[1]
	if p.Format != "%d %f\n" || p.Args.Size != 16 || p.Args.N != 2 {
		t.Errorf("printf format %+v", p)
	}
	if !a.Assert || a.Format != "k.cu:%u: void k(): block: [%u,%u,%u], thread: [%u,%u,%u] Assertion `i < 4` failed.\n" {
		t.Errorf("assert format %+v", a)
	}
}
