package spirvgen_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// translateWithin translates src for lavapipe in a goroutine and fails
// the test if that takes more than 20 s: the refusals below are meant to
// come from a walk of the call graph, in milliseconds, and took minutes
// and gigabytes when they came from building the inlined copies. A
// regression is then a failure, not a hang.
func translateWithin(t *testing.T, src string) (*spirvgen.Result, error) {
	t.Helper()
	type result struct {
		res *spirvgen.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := spirvgen.Translate([]byte(src), spirvgen.Options{Target: lavapipe})
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-time.After(20 * time.Second):
		t.Fatalf("translation still running after 20 s")
		return nil, nil
	}
}

// TestRecursionRefused: a kernel whose calls recurse, directly or through
// other functions or function pointers, is refused at once with an error
// matching ErrRecursion that names the cycle and the call closing it.
func TestRecursionRefused(t *testing.T) {
	double, err := os.ReadFile("testdata/recursion_double.ptx")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src string
		cycle     []string
		line      int
	}{
		// f(k) = f(k-1) + f(k-1): the inlined copies double at each
		// level (probe finding B3: 2 min 48 s, then a size error).
		{"double", string(double), []string{"f", "f"}, 20},
		{"mutual", kernelHead + `.func g(.param .b32 a);
.func f(.param .b32 a) { .reg .b32 %r; ld.param.u32 %r, [a]; { .param .b32 q; st.param.b32 [q], %r; call g, (q); } ret; }
.func g(.param .b32 a) { .reg .b32 %r; ld.param.u32 %r, [a];
{ .param .b32 q; st.param.b32 [q], %r; call f, (q); } ret; }
.visible .entry k() { { .param .b32 q; st.param.b32 [q], 1; call f, (q); } ret; }`, []string{"f", "g", "f"}, 7},
		{"indirect", kernelHead + `.func h() { .reg .b64 %a; mov.u64 %a, h; P: .callprototype _ (); call %a, P; ret; }
.visible .entry k() { call h, (); ret; }`, []string{"h", "h"}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := translateWithin(t, c.src)
			if err == nil {
				t.Fatal("translated, want a recursion error")
			}
			var se *spirvgen.Error
			if !errors.As(err, &se) || !errors.Is(err, spirvgen.ErrRecursion) || !errors.Is(err, ptx.ErrUnsupported) {
				t.Fatalf("got %v (%T), want an *Error matching ErrRecursion and ptx.ErrUnsupported", err, err)
			}
			if !slices.Equal(se.Cycle, c.cycle) || se.Pos.Line != c.line || se.Kernel != "k" {
				t.Errorf("cycle %v at line %d in kernel %q, want %v at line %d in k", se.Cycle, se.Pos.Line, se.Kernel, c.cycle, c.line)
			}
			msg := err.Error()
			if !strings.Contains(msg, "no recursion") || !strings.Contains(msg, strings.Join(c.cycle, " -> ")) || strings.Count(msg, "kernel k") != 1 {
				t.Errorf("%q: want one \"kernel k\", the cycle and \"no recursion\"", msg)
			}
		})
	}
}

// TestRecursionUnreached: a recursive function that a kernel does not
// reach does not stop it; a module is still refused as a whole when one
// of its kernels reaches one (as with every other refusal).
func TestRecursionUnreached(t *testing.T) {
	rec := `.func f(.param .b32 a) { .reg .b32 %r; ld.param.u32 %r, [a]; { .param .b32 q; st.param.b32 [q], %r; call f, (q); } ret; }
.func g(.param .b32 a) { ret; }
`
	ok := `.visible .entry k(.param .u64 p) { .reg .b64 %a; ld.param.u64 %a, [p]; { .param .b32 q; st.param.b32 [q], 1; call g, (q); } st.global.u32 [%a], 1; ret; }
`
	res, err := translateWithin(t, kernelHead+rec+ok)
	if err != nil {
		t.Fatalf("kernel k does not reach f: %v", err)
	}
	if len(res.Kernels) != 1 || res.Kernels[0].Name != "k" {
		t.Errorf("kernels %+v", res.Kernels)
	}
	bad := `.visible .entry r() { { .param .b32 q; st.param.b32 [q], 1; call f, (q); } ret; }
`
	_, err = translateWithin(t, kernelHead+rec+ok+bad)
	var se *spirvgen.Error
	if !errors.As(err, &se) || !errors.Is(err, spirvgen.ErrRecursion) || se.Kernel != "r" {
		t.Errorf("got %v, want kernel r's recursion", err)
	}
}

// TestInlineSizeRefused: calls that would inline to more than a million
// instructions (here 2^24 copies of a function, without recursion) are
// refused from the call graph's sizes, before any copy is made.
func TestInlineSizeRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString(kernelHead)
	const depth = 24
	fmt.Fprintf(&b, ".func f%d(.param .b32 a) { .reg .b32 %%r; ld.param.u32 %%r, [a]; add.u32 %%r, %%r, 1; ret; }\n", depth)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, ".func f%d(.param .b32 a) { .reg .b32 %%r; ld.param.u32 %%r, [a];\n", i)
		for range 2 {
			fmt.Fprintf(&b, "{ .param .b32 q; st.param.b32 [q], %%r; call f%d, (q); }\n", i+1)
		}
		b.WriteString("ret; }\n")
	}
	b.WriteString(".visible .entry k() { { .param .b32 q; st.param.b32 [q], 1; call f0, (q); } ret; }\n")
	_, err := translateWithin(t, b.String())
	if err == nil || errors.Is(err, spirvgen.ErrRecursion) || !errors.Is(err, ptx.ErrUnsupported) ||
		!strings.Contains(err.Error(), "more than 1048576 instructions") || strings.Count(err.Error(), "kernel k") != 1 {
		t.Fatalf("got %v, want the size refusal", err)
	}
}
