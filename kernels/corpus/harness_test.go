package corpus_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/kernels/corpus"
	"github.com/streamhal/streamhal/streaming"
)

// buildHarness compiles testdata/harness.c (three corpus kernels written
// for the CPU kernel ABI) into a CPU library.
func buildHarness(t *testing.T, defines ...string) []byte {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler to build the harness library: %v", err)
	}
	kernels, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(kernels, "streamhal_cpu.h")); err != nil {
		t.Skipf("kernels/streamhal_cpu.h not found (test binary away from the checkout): %v", err)
	}
	so := filepath.Join(t.TempDir(), "harness.so")
	args := append([]string{"-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
		"-I", kernels, "-o", so, filepath.Join("testdata", "harness.c"), "-lm"}, defines...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("cc harness.c: %v\n%s", err, out)
	}
	b, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func caseNamed(t *testing.T, name string) corpus.Case {
	t.Helper()
	for _, c := range corpus.Cases() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return corpus.Case{}
}

func cpuContext(t *testing.T) *streaming.Context {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := rt.LiveAllocations(); n != 0 {
			t.Errorf("%d allocations leaked", n)
		}
		ctx.Close()
		rt.Close()
	})
	return ctx
}

// TestHarnessOnCPULibrary runs three corpus cases through the corpus's
// runner on the CPU backend, from the same kernels written for the CPU
// kernel ABI: buffers, poisoning, arguments, globals (initial values read
// back, host writes, final values), the invariant of an order-dependent
// case, and the comparison all work before any backend runs the PTX.
func TestHarnessOnCPULibrary(t *testing.T) {
	lib := buildHarness(t)
	ctx := cpuContext(t)
	for _, name := range []string{"elementwise/vadd_f32", "globals/globals_apply", "atomics/atomic_exch"} {
		t.Run(name, func(t *testing.T) {
			mod, err := ctx.LoadModuleData(lib)
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close()
			run := caseNamed(t, name).Build()
			res, err := corpus.Execute(ctx, mod, run)
			if err != nil {
				t.Fatal(err)
			}
			if err := run.Verify(res); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestHarnessCatchesWrongKernel: a kernel that computes the wrong thing
// fails, and the failure names the buffer and the element.
func TestHarnessCatchesWrongKernel(t *testing.T) {
	lib := buildHarness(t, "-DSHAL_WRONG")
	ctx := cpuContext(t)
	mod, err := ctx.LoadModuleData(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	run := caseNamed(t, "elementwise/vadd_f32").Build()
	res, err := corpus.Execute(ctx, mod, run)
	if err != nil {
		t.Fatal(err)
	}
	err = run.Verify(res)
	if err == nil || !strings.Contains(err.Error(), "buffer c: element 0") {
		t.Fatalf("Verify of a subtracting vadd_f32 = %v, want a mismatch in buffer c at element 0", err)
	}
	t.Log(err)
	// An untouched output is caught too: the poison stays.
	run.Launches = nil
	res, err = corpus.Execute(ctx, mod, run)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Verify(res); err == nil || !strings.Contains(err.Error(), "0xa5a5a5a5") {
		t.Fatalf("Verify without a launch = %v, want the poison reported", err)
	}
}
