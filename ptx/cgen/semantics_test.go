package cgen_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/ptx/cgen"
	"github.com/streamhal/streamhal/ptx/internal/semtest"
	"github.com/streamhal/streamhal/streaming"
)

// The semantics cases (one PTX instruction each, over inputs that reach
// its edge cases, against a Go reference written from the PTX ISA and,
// where PTX leaves the result to the machine, from what the H100 gives)
// live in ptx/internal/semtest, shared with ptx/spirvgen.

func TestSemantics(t *testing.T) {
	src, names, cases, kname := semtest.Module()
	res, err := cgen.Translate([]byte(src), cgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The C must mean the same under gcc and clang (rounding-mode
	// barriers, aliasing, integer promotion).
	compilers := []string{compilerPath(t)}
	if clang, err := exec.LookPath("clang-19"); err == nil {
		compilers = append(compilers, clang)
	} else if clang, err := exec.LookPath("/usr/lib/llvm-19/bin/clang"); err == nil {
		compilers = append(compilers, clang)
	}
	for _, cc := range compilers {
		t.Run(filepath.Base(cc), func(t *testing.T) {
			lib := compileWith(t, cc, res.C)
			semtest.Check(t, names, cases, kname, func(t *testing.T, kernel string, in []byte) []byte {
				p := (&argPacker{}).ptr(0).ptr(1).u32(semtest.N)
				r := runLaunch(t, lib, launch{kernel: kernel, grid: dim3{semtest.N / 64, 1, 1}, block: dim3{64, 1, 1},
					bufs: [][]byte{in, make([]byte, 16*semtest.N)}, args: p.bytes(), ptrs: p.ptrs})
				return r.bufs[1]
			})
		})
	}
}

// TestSemanticsOnCUDA runs the same kernels and references on an NVIDIA
// GPU (sm_90 or later), checking the choices the CPU translator made where
// PTX leaves results to the hardware (division by zero, NaN to integer,
// prmt modes, -0 in min/max). Skipped without a CUDA device; under
// STREAM_HAL_REQUIRE=cuda it fails instead.
func TestSemanticsOnCUDA(t *testing.T) {
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cuda"}})
	if err != nil {
		haltest.SkipUnavailable(t, "cuda", err)
	}
	defer rt.Close()
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	src, names, cases, kname := semtest.Module()
	mod, err := ctx.LoadModuleData([]byte(src))
	if err != nil {
		t.Fatalf("loading the semantics module (needs sm_90): %v", err)
	}
	defer mod.Close()
	semtest.Check(t, names, cases, kname, func(t *testing.T, kernel string, in []byte) []byte {
		fn, err := mod.Function(kernel)
		if err != nil {
			t.Fatal(err)
		}
		dIn, err := ctx.Malloc(uint64(len(in)))
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Free(dIn)
		dOut, err := ctx.Malloc(16 * semtest.N)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Free(dOut)
		if err := ctx.MemcpyHtoD(dIn, in); err != nil {
			t.Fatal(err)
		}
		s := ctx.DefaultStream()
		if err := s.Launch(fn, streaming.D1(semtest.N/64), streaming.D1(64), 0, dIn, dOut, uint32(semtest.N)); err != nil {
			t.Fatal(err)
		}
		if err := s.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 16*semtest.N)
		if err := ctx.MemcpyDtoH(out, dOut); err != nil {
			t.Fatal(err)
		}
		return out
	})
}
