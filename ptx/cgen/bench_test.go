package cgen_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/kernels/corpus"
	"github.com/streamhal/streamhal/ptx/cgen"
	"github.com/streamhal/streamhal/streaming"
)

// corpusModule is one build of every corpus source as a single module.
func corpusModule(tb testing.TB) (src string, kernels int) {
	b, n, err := corpus.Combined("../../testdata/ptx", "*.clang19.sm_80.ptx")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b), n
}

func TestCorpusModuleTranslates(t *testing.T) {
	src, n := corpusModule(t)
	res, err := cgen.Translate([]byte(src), cgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kernels) != n || n < 30 {
		t.Fatalf("%d kernels translated, %d in the sources", len(res.Kernels), n)
	}
	compileC(t, res.C)
}

// BenchmarkTranslate measures translating the whole corpus as one module
// (PTX text to C text; compiling the C is the C compiler's time).
func BenchmarkTranslate(b *testing.B) {
	src, n := corpusModule(b)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := cgen.Translate([]byte(src), cgen.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "kernels")
}

// BenchmarkKernels compares the translated test kernels with the
// hand-written SHAL C ones (testdata/test_kernels.x86_64.so) on the CPU
// backend: each iteration runs both, alternating, and the "x-handwritten"
// metric is the ratio of their total times.
func BenchmarkKernels(b *testing.B) {
	src, err := os.ReadFile("../../testdata/test_kernels.sm_80.ptx")
	if err != nil {
		b.Fatal(err)
	}
	hand, err := os.ReadFile("../../testdata/test_kernels.x86_64.so")
	if err != nil {
		b.Fatal(err)
	}
	res, err := cgen.Translate(src, cgen.Options{})
	if err != nil {
		b.Fatal(err)
	}
	// STREAM_HAL_BENCH_CFLAGS adds flags (e.g. -march=native) to try them.
	so := compileC(b, res.C, append([]string{"-O3"}, strings.Fields(os.Getenv("STREAM_HAL_BENCH_CFLAGS"))...)...)
	lib, err := os.ReadFile(so)
	if err != nil {
		b.Fatal(err)
	}
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
	mods := map[string]*streaming.Module{}
	for name, data := range map[string][]byte{"translated": lib, "handwritten": hand} {
		m, err := ctx.LoadModuleData(data)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		defer m.Close()
		mods[name] = m
	}
	s := ctx.DefaultStream()
	alloc := func(n int) streaming.DevicePtr {
		p, err := ctx.Malloc(uint64(4 * n))
		if err != nil {
			b.Fatal(err)
		}
		if err := ctx.MemsetD32(p, 0x3f800000, uint64(n)); err != nil {
			b.Fatal(err)
		}
		return p
	}
	const n = 1 << 24
	const mm = 512
	x, y, z := alloc(n), alloc(n), alloc(n)
	defer ctx.Free(x)
	defer ctx.Free(y)
	defer ctx.Free(z)
	type job struct {
		kernel      string
		grid, block streaming.Dim3
		shared      uint32
		args        []any
		bytes       int64
	}
	jobs := []job{
		{"vector_add", streaming.D1(n / 256), streaming.D1(256), 0, []any{x, y, z, uint32(n)}, 12 * n},
		{"saxpy", streaming.D1(n / 256), streaming.D1(256), 0, []any{uint32(n), float32(2), x, y}, 12 * n},
		{"matrix_multiply", streaming.Dim3{X: mm / 16, Y: mm / 16, Z: 1}, streaming.Dim3{X: 16, Y: 16, Z: 1}, 0,
			[]any{x, y, z, uint32(mm), uint32(mm), uint32(mm)}, 2 * mm * mm * mm},
		{"reduce_sum", streaming.D1(n / 256), streaming.D1(256), 4 * 256, []any{x, y, uint32(n)}, 4 * n},
	}
	for _, j := range jobs {
		b.Run(j.kernel, func(b *testing.B) {
			fns := map[string]*streaming.Function{}
			for name, m := range mods {
				f, err := m.Function(j.kernel)
				if err != nil {
					b.Fatal(err)
				}
				fns[name] = f
			}
			run := func(name string) time.Duration {
				start := time.Now()
				if err := s.Launch(fns[name], j.grid, j.block, j.shared, j.args...); err != nil {
					b.Fatal(err)
				}
				if err := s.Synchronize(context.Background()); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			run("translated")
			run("handwritten")
			var tr, hw time.Duration
			for b.Loop() {
				tr += run("translated")
				hw += run("handwritten")
			}
			b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "translated-ns/op")
			b.ReportMetric(float64(hw.Nanoseconds())/float64(b.N), "handwritten-ns/op")
			b.ReportMetric(float64(tr)/float64(hw), "x-handwritten")
		})
	}
}
