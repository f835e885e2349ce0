package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

const scaleSource = `// an ordinary CUDA kernel: no includes, a template, a device function
template <typename T>
__device__ T twice(T v) { return v + v; }

extern "C" __global__ void scale(float* x, float a, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) x[i] = twice(a * x[i]) + sqrtf((float)i);
}
`

// needClang skips the test when no clang streamhal build accepts is in
// $PATH.
func needClang(t *testing.T) {
	t.Helper()
	if _, err := findClangs(context.Background(), ""); err != nil {
		t.Skipf("streamhal build needs clang: %v", err)
	}
}

func writeSource(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeClang writes an executable script NAME into dir that runs the real
// clang (so that its directory holds no ld.lld).
func fakeClang(t *testing.T, dir, name, real string) {
	t.Helper()
	script := "#!/bin/sh\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestBuildEndToEnd builds a CUDA source for every target and runs the
// CPU entry: the module holds PTX for each -arch, code objects for each
// -amdgpu target and a CPU library, and the kernel computes the right
// values.
func TestBuildEndToEnd(t *testing.T) {
	needClang(t)
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("no C compiler for the CPU entry: %v", err)
	}
	src := writeSource(t, "scale.cu", scaleSource)
	out := filepath.Join(t.TempDir(), "scale.fat")
	var stdout, stderr bytes.Buffer
	code := run([]string{"build", "-arch", "sm_70,sm_90", "-amdgpu", "gfx90a,gfx942", "-o", out, src}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, &stdout, &stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := modfile.ParseFat(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, string(e.Format)+":"+e.Target)
		m, err := modfile.Parse(e.Format, e.Data)
		if e.Format == hal.FormatCPUELF {
			if _, err := modfile.ParseCPUELF(e.Data); err != nil {
				t.Errorf("cpu entry: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", e.Format, e.Target, err)
			continue
		}
		if len(m.Kernels) != 1 || m.Kernels[0].Name != "scale" {
			t.Errorf("%s %s: kernels %+v, want scale", e.Format, e.Target, m.Kernels)
		}
		if e.Format == hal.FormatPTX && !bytes.Contains(e.Data, []byte(".target "+e.Target)) {
			t.Errorf("ptx entry %s: no .target %s", e.Target, e.Target)
		}
	}
	want := []string{"ptx:sm_70", "ptx:sm_90", "amdgpu:gfx90a", "amdgpu:gfx942", "cpu-elf:" + modfile.HostArch()}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entries %v, want %v", got, want)
	}
	if !strings.Contains(stdout.String(), "kernels: scale") {
		t.Errorf("stdout: %q", stdout.String())
	}

	// Run it on the CPU backend.
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	mod, err := ctx.LoadModuleData(data)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	fn, err := mod.Function("scale")
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i) * 0.25
	}
	p, err := ctx.Malloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(p)
	if err := streaming.CopyToDeviceSync(ctx, p, x); err != nil {
		t.Fatal(err)
	}
	s := ctx.DefaultStream()
	if err := s.Launch(fn, streaming.D1((n+127)/128), streaming.D1(128), 0, p, float32(3), int32(n)); err != nil {
		t.Fatal(err)
	}
	y := make([]float32, n)
	if err := streaming.CopyFromDeviceSync(ctx, y, p); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		a := 3 * x[i]
		want := (a + a) + sqrt32(float32(i))
		if y[i] != want {
			t.Fatalf("x[%d] = %v, want %v", i, y[i], want)
		}
	}
}

// sqrt32 is a correctly rounded float32 square root: the float64 one
// rounded (53 >= 2*24 + 2 bits make the double rounding harmless).
func sqrt32(f float32) float32 { return float32(math.Sqrt(float64(f))) }

// TestBuildSourceError: a source the compiler rejects fails with exit
// status 1, the compiler's messages, and an error naming file:line:col.
func TestBuildSourceError(t *testing.T) {
	needClang(t)
	src := writeSource(t, "bad.cu", `extern "C" __global__ void k(float* x, int n) {
  int i = threadIdx.x;
  if (i < n) x[i] = y[i];
}
`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"build", "-amdgpu", "", "-cpu=false", "-o", filepath.Join(t.TempDir(), "k.fat"), src}, &stdout, &stderr)
	if code != exitError {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, exitError, &stderr)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "streamhal build: "+src+":3:21: use of undeclared identifier 'y'") {
		t.Errorf("stderr does not name bad.cu:3:21 in the error line:\n%s", msg)
	}
	if !strings.Contains(msg, "x[i] = y[i]") {
		t.Errorf("stderr lacks the compiler's excerpt:\n%s", msg)
	}
}

// TestBuildMissingCompilers simulates machines without the compilers
// through $PATH: each error names the Debian packages to install.
func TestBuildMissingCompilers(t *testing.T) {
	needClang(t)
	cs, _ := findClangs(context.Background(), "")
	var clang16 string
	for _, c := range cs {
		if c.major == 16 {
			clang16 = filepath.Join(c.bin, "clang")
		}
	}
	src := writeSource(t, "ok.cu", scaleSource)
	out := filepath.Join(t.TempDir(), "ok.fat")
	cases := []struct {
		name  string
		needs bool // clang-16
		setup func(dir string)
		args  []string
		want  string
	}{
		{"no clang", false, func(string) {}, nil, "apt-get install clang-19 lld-19"},
		{"no nvcc", false, func(string) {}, []string{"-nvcc", "-amdgpu", "", "-cpu=false"}, "apt-get install nvidia-cuda-toolkit"},
		{"no ld.lld", true, func(dir string) { fakeClang(t, dir, "clang-16", clang16) }, []string{"-arch", "", "-cpu=false", "-amdgpu", "gfx90a"}, "apt-get install lld-16"},
		{"gfx942 with clang 16", true, func(dir string) { fakeClang(t, dir, "clang-16", clang16) }, []string{"-arch", "", "-cpu=false", "-amdgpu", "gfx942"}, "apt-get install clang-19 lld-19"},
		{"no C compiler", true, func(dir string) { fakeClang(t, dir, "clang-16", clang16) }, []string{"-amdgpu", ""}, "apt-get install gcc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.needs && clang16 == "" {
				t.Skip("needs clang-16 (to run through a wrapper script)")
			}
			dir := t.TempDir()
			c.setup(dir)
			t.Setenv("PATH", dir)
			t.Setenv("CC", "")
			var stdout, stderr bytes.Buffer
			code := run(append(append([]string{"build", "-o", out}, c.args...), src), &stdout, &stderr)
			if code != exitError {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, exitError, &stderr)
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr does not say %q:\n%s", c.want, &stderr)
			}
		})
	}
}

func TestBuildUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"a.cu", "b.cu"},
		{"-arch", "sm80", "a.cu"},
		{"-amdgpu", "gfx90z!", "a.cu"},
		{"-arch", "", "a.cu"},
		{"-arch", "", "-cpu=false", "-amdgpu", "", "a.cu"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"build"}, args...), &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", args, code, exitUsage, &stderr)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"build", "/nonexistent/k.cu"}, &stdout, &stderr); code != exitError ||
		!strings.Contains(stderr.String(), "no such file") {
		t.Errorf("missing source: exit %d\n%s", code, &stderr)
	}
}
