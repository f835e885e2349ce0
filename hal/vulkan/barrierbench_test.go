//go:build cgo

package vulkan_test

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// BenchmarkBarrierSemantics runs reduce_sum (nine barriers per block) in
// three forms on Vulkan, alternating launch by launch: the hand-written
// GLSL (barrier(): shared memory only), the same GLSL with the barrier
// ptx/spirvgen gives bar.sync (acquire-release on shared and
// storage-buffer memory, make available and visible:
// testdata/glsl/reduce_sum_bufbar.comp) and the translated PTX. The
// ratios bufbar/glsl and ptx/bufbar split the PTX path's overhead into
// what the barrier's memory semantics cost and the rest.
func BenchmarkBarrierSemantics(b *testing.B) {
	td, err := haltest.TestdataDir()
	if err != nil {
		b.Fatal(err)
	}
	ptxSrc, err := os.ReadFile(filepath.Join(td, "test_kernels.sm_80.ptx"))
	if err != nil {
		b.Fatal(err)
	}
	glsl, err := os.ReadFile(filepath.Join("testdata", "vk_test_kernels.spv"))
	if err != nil {
		b.Fatal(err)
	}
	bufbar, err := os.ReadFile(filepath.Join("testdata", "vk_reduce_bufbar.spv"))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"vulkan"}})
	haltest.SkipUnavailable(b, "vulkan", err)
	defer rt.Close()
	vk := rt.Default()
	ctx, err := vk.NewContext(0)
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Close()
	n := uint32(64 << 20)
	if isCPUDevice(vk) {
		n = 1 << 20
	}
	in, err := ctx.Malloc(4 * uint64(n))
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Free(in)
	out, err := ctx.Malloc(4 * uint64(n/256))
	if err != nil {
		b.Fatal(err)
	}
	defer ctx.Free(out)
	s := ctx.DefaultStream()
	if err := s.MemsetD32Async(in, 0x3f800000, uint64(n)); err != nil {
		b.Fatal(err)
	}
	type side struct {
		name string
		fn   *streaming.Function
	}
	var sides []side
	for _, m := range []struct {
		name, kernel string
		image        []byte
	}{
		{"glsl", "reduce_sum", glsl}, {"bufbar", "reduce_sum_bufbar", bufbar}, {"ptx", "reduce_sum", ptxSrc},
	} {
		mod, err := ctx.LoadModuleData(m.image)
		if err != nil {
			b.Fatalf("%s: %v", m.name, err)
		}
		defer mod.Close()
		fn, err := mod.Function(m.kernel)
		if err != nil {
			b.Fatal(err)
		}
		sides = append(sides, side{m.name, fn})
	}
	run := func(fn *streaming.Function) time.Duration {
		t0 := time.Now()
		if err := s.Launch(fn, streaming.D1(n/256), streaming.D1(256), 256*4, in, out, n); err != nil {
			b.Fatal(err)
		}
		if err := s.Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for _, sd := range sides {
		run(sd.fn) // warm up: pipeline creation
		host := make([]byte, 4*(n/256))
		if err := ctx.MemcpyDtoH(host, out); err != nil {
			b.Fatal(err)
		}
		first, last := math.Float32frombits(binary.LittleEndian.Uint32(host)), math.Float32frombits(binary.LittleEndian.Uint32(host[len(host)-4:]))
		if first != 256 || last != 256 {
			b.Fatalf("%s: partial sums %v ... %v, want 256", sd.name, first, last)
		}
	}
	total := make([]time.Duration, len(sides))
	for b.Loop() {
		for i, sd := range sides {
			total[i] += run(sd.fn)
		}
	}
	for i, sd := range sides {
		b.ReportMetric(float64(total[i].Nanoseconds())/float64(b.N), sd.name+"-ns/launch")
	}
	b.ReportMetric(float64(total[1])/float64(total[0]), "bufbar/glsl")
	b.ReportMetric(float64(total[2])/float64(total[1]), "ptx/bufbar")
	b.ReportMetric(float64(total[2])/float64(total[0]), "ptx/glsl")
}
