package cpu_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/kernels/corpus"
	"github.com/streamhal/streamhal/streaming"
)

// The benchmarks of PTX on the CPU need the repository's sources (the
// hand-written kernels, the OpenCL kernels, the corpus): they run from the
// package directory.

func benchCC(b *testing.B) {
	b.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		if haltest.Require("cpu-ptx") {
			b.Fatalf("no C compiler: %v", err)
		}
		b.Skipf("no C compiler: %v", err)
	}
}

// handwrittenLibrary builds kernels/cpu/test_kernels.c, the hand-written
// SHAL C twins of the CUDA test kernels, with the compiler and the -march
// the CPU backend builds translated PTX with (and the hand-written
// kernels' own flags otherwise, as kernels/compile.sh builds them), so
// that both use the same instruction set.
func handwrittenLibrary(b *testing.B) []byte {
	b.Helper()
	src, err := os.ReadFile("../../kernels/cpu/test_kernels.c")
	if err != nil {
		b.Skipf("hand-written kernels not at hand: %v", err)
	}
	var flags []string
	for _, f := range cpu.PTXCFlags() {
		if strings.HasPrefix(f, "-march=") {
			flags = append(flags, f)
		}
	}
	b.Logf("hand-written kernels built with %v, translated PTX with %v", flags, cpu.PTXCFlags())
	lib, _, err := kbuild.Build(context.Background(), src, []byte("hal/cpu benchmark"), kbuild.Options{Flags: flags, CacheDir: "off"})
	if err != nil {
		b.Fatal(err)
	}
	return lib
}

// pocl drives hal/cpu/testdata/oclbench.c: the same kernels as OpenCL C
// (kernels/opencl/test_kernels.cl) on the OpenCL CPU device (PoCL).
type pocl struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	device string
}

// startPoCL builds and starts the OpenCL harness; nil (with the reason
// logged) when there is no OpenCL, unless STREAM_HAL_REQUIRE=pocl.
func startPoCL(b *testing.B) *pocl {
	b.Helper()
	fail := func(format string, args ...any) *pocl {
		if haltest.Require("pocl") {
			b.Fatalf("STREAM_HAL_REQUIRE=pocl: "+format, args...)
		}
		b.Logf("no PoCL baseline: "+format, args...)
		return nil
	}
	bin := filepath.Join(b.TempDir(), "oclbench")
	if out, err := exec.Command("cc", "-O2", "-std=c11", "-o", bin, "testdata/oclbench.c", "-lOpenCL").CombinedOutput(); err != nil {
		return fail("building testdata/oclbench.c with -lOpenCL (Debian: ocl-icd-opencl-dev pocl-opencl-icd): %v\n%s", err, out)
	}
	p := &pocl{cmd: exec.Command(bin, "../../kernels/opencl/test_kernels.cl")}
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		return fail("%v", err)
	}
	b.Cleanup(func() {
		fmt.Fprintln(p.in, "quit")
		p.in.Close()
		p.cmd.Wait()
	})
	p.out = bufio.NewScanner(stdout)
	line, err := p.reply()
	if err != nil || !strings.HasPrefix(line, "ready ") {
		return fail("harness: %q, %v", line, err)
	}
	p.device = strings.TrimPrefix(line, "ready ")
	return p
}

func (p *pocl) reply() (string, error) {
	if !p.out.Scan() {
		return "", fmt.Errorf("oclbench exited: %v", p.out.Err())
	}
	line := p.out.Text()
	if strings.HasPrefix(line, "error") {
		return "", fmt.Errorf("oclbench: %s", line)
	}
	return line, nil
}

func (p *pocl) do(b *testing.B, cmd string) string {
	b.Helper()
	fmt.Fprintln(p.in, cmd)
	line, err := p.reply()
	if err != nil {
		b.Fatalf("%s: %v", cmd, err)
	}
	return line
}

func (p *pocl) run(b *testing.B) time.Duration {
	ns, err := strconv.ParseInt(p.do(b, "run"), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(ns)
}

// BenchmarkPTXKernels compares, in one run, the CUDA test kernels' PTX
// (testdata/test_kernels.sm_80.ptx) loaded through the CPU backend's real
// path (translated, compiled, dlopened) with the hand-written SHAL C
// kernels (kernels/cpu/test_kernels.c, same compiler and flags) and with
// PoCL running the same kernels written as OpenCL C. Each iteration
// launches all three once, in alternating orders, on the same problem
// sizes; inputs
// are all 1.0 and the outputs are checked after the loop. Metrics: each
// one's ns per launch (launch + synchronize), and x-handwritten, x-pocl:
// the translated kernel's time over the other's.
func BenchmarkPTXKernels(b *testing.B) {
	benchCC(b)
	ptxSrc, err := os.ReadFile("../../testdata/test_kernels.sm_80.ptx")
	if err != nil {
		b.Fatal(err)
	}
	hand := handwrittenLibrary(b)
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	translated, err := ctx.LoadModuleData(ptxSrc)
	if err != nil {
		b.Fatal(err)
	}
	handwritten, err := ctx.LoadModuleData(hand)
	if err != nil {
		b.Fatal(err)
	}
	oc := startPoCL(b)
	if oc != nil {
		b.Logf("PoCL device: %s", oc.device)
	}
	s := ctx.DefaultStream()
	const n = 1 << 24
	const mm = 1024
	alloc := func(count int) streaming.DevicePtr {
		p, err := ctx.Malloc(uint64(4 * count))
		if err != nil {
			b.Fatal(err)
		}
		if err := ctx.MemsetD32(p, 0x3f800000, uint64(count)); err != nil {
			b.Fatal(err)
		}
		return p
	}
	for _, j := range []struct {
		kernel      string
		size        int // n, or the matrices' order
		grid, block streaming.Dim3
		shared      uint32
		bytes       int64
	}{
		{"vector_add", n, streaming.D1(n / 256), streaming.D1(256), 0, 12 * n},
		{"saxpy", n, streaming.D1(n / 256), streaming.D1(256), 0, 12 * n},
		{"matrix_multiply", mm, streaming.Dim3{X: mm / 16, Y: mm / 16, Z: 1}, streaming.Dim3{X: 16, Y: 16, Z: 1}, 0, 0},
		{"reduce_sum", n, streaming.D1(n / 256), streaming.D1(256), 4 * 256, 4 * n},
	} {
		b.Run(j.kernel, func(b *testing.B) {
			elems := j.size
			if j.kernel == "matrix_multiply" {
				elems = mm * mm
			}
			x, y, z := alloc(elems), alloc(elems), alloc(elems)
			defer ctx.Free(x)
			defer ctx.Free(y)
			defer ctx.Free(z)
			var args []any
			var out streaming.DevicePtr
			var want func(runs int) float32
			switch j.kernel {
			case "vector_add":
				args, out, want = []any{x, y, z, uint32(n)}, z, func(int) float32 { return 2 }
			case "saxpy":
				args, out, want = []any{uint32(n), float32(2), x, y}, y, func(runs int) float32 { return float32(1 + 2*runs) }
			case "matrix_multiply":
				args, out, want = []any{x, y, z, uint32(mm), uint32(mm), uint32(mm)}, z, func(int) float32 { return mm }
			case "reduce_sum":
				args, out, want = []any{x, y, uint32(n)}, y, func(int) float32 { return 256 }
			}
			fns := map[string]*streaming.Function{}
			for name, m := range map[string]*streaming.Module{"translated": translated, "handwritten": handwritten} {
				if fns[name], err = m.Function(j.kernel); err != nil {
					b.Fatal(err)
				}
			}
			runs := 0
			launch := func(name string) time.Duration {
				start := time.Now()
				if err := s.Launch(fns[name], j.grid, j.block, j.shared, args...); err != nil {
					b.Fatal(err)
				}
				if err := s.Synchronize(context.Background()); err != nil {
					b.Fatal(err)
				}
				runs++
				return time.Since(start)
			}
			poclRuns := 0
			if oc != nil {
				oc.do(b, fmt.Sprintf("setup %s %d", j.kernel, j.size))
				oc.run(b) // PoCL compiles the kernel on its first launch
				poclRuns++
			}
			launch("translated")
			launch("handwritten")
			var tr, hw, pc time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				// Alternate the order, so that neither side always runs
				// after the other (caches, the memory bus, frequency).
				if i%2 == 1 && oc != nil {
					pc += oc.run(b)
					poclRuns++
				}
				if i%2 == 0 {
					tr += launch("translated")
					hw += launch("handwritten")
				} else {
					hw += launch("handwritten")
					tr += launch("translated")
				}
				if i%2 == 0 && oc != nil {
					pc += oc.run(b)
					poclRuns++
				}
			}
			b.StopTimer()
			var got [2]float32
			h := make([]float32, 1)
			for k, idx := range []int{0, elems - 1} {
				if j.kernel == "reduce_sum" {
					idx = []int{0, n/256 - 1}[k]
				}
				if err := streaming.CopyFromDeviceSync(ctx, h, out+streaming.DevicePtr(4*idx)); err != nil {
					b.Fatal(err)
				}
				got[k] = h[0]
				if h[0] != want(runs) {
					b.Fatalf("%s: output[%d] = %v after %d launches, want %v", j.kernel, idx, h[0], runs, want(runs))
				}
				if oc != nil {
					v := oc.do(b, fmt.Sprintf("check %d", idx))
					if f, err := strconv.ParseFloat(v, 32); err != nil || float32(f) != want(poclRuns) {
						b.Fatalf("%s on PoCL: output[%d] = %s after %d launches, want %v", j.kernel, idx, v, poclRuns, want(poclRuns))
					}
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			b.ReportMetric(per(tr), "translated-ns/op")
			b.ReportMetric(per(hw), "handwritten-ns/op")
			b.ReportMetric(float64(tr)/float64(hw), "x-handwritten")
			if oc != nil {
				b.ReportMetric(per(pc), "pocl-ns/op")
				b.ReportMetric(float64(tr)/float64(pc), "x-pocl")
			}
			if j.bytes > 0 {
				b.SetBytes(j.bytes)
			}
		})
	}
}

// BenchmarkPTXLoad times loading PTX on the CPU backend through the real
// path (streaming's LoadModuleData): "cold", a module of the whole corpus
// (one build of every source, over 30 kernels) never seen before, so it is
// translated and compiled; "cache-hit-process", the same module loaded
// again in this process (a hash and a dlopen); "cache-hit-disk", loaded by
// a process that has not built it but whose cache directory holds it (a
// hash, a file read and a dlopen).
func BenchmarkPTXLoad(b *testing.B) {
	benchCC(b)
	src, kernels, err := corpus.Combined("../../testdata/ptx", "*.clang19.sm_80.ptx")
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(cpu.EnvCacheDir, b.TempDir())
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	load := func(data []byte) {
		m, err := ctx.LoadModuleData(data)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(m.Kernels()); got != kernels {
			b.Fatalf("%d kernels loaded, want %d", got, kernels)
		}
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			load(fmt.Appendf(append([]byte(nil), src...), "\n// cold %d %d\n", i, time.Now().UnixNano()))
		}
		b.ReportMetric(float64(kernels), "kernels")
		b.SetBytes(int64(len(src)))
	})
	load(src) // built once for the cache hits
	b.Run("cache-hit-process", func(b *testing.B) {
		for b.Loop() {
			load(src)
		}
	})
	b.Run("cache-hit-disk", func(b *testing.B) {
		for b.Loop() {
			cpu.ForgetPTXLibraries()
			load(src)
		}
	})
}
