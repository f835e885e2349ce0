//go:build cgo

package vulkan_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"

	_ "github.com/streamhal/streamhal/hal/cuda"
	_ "github.com/streamhal/streamhal/hal/vulkan"
)

// BenchmarkPTXvsGLSL runs vector_add, saxpy, matrix_multiply and
// reduce_sum from the project's CUDA test kernels as PTX on Vulkan
// (translated), from the hand-written GLSL of the same kernels on Vulkan
// baselines (testdata/glsl_baselines.spv), and, when a CUDA device is present, from
// the same PTX on CUDA (JIT-compiled by the driver), alternating launch
// by launch in one loop. It reports each one's time per launch and the
// ratios ptx/glsl and ptx/cuda (the goals: at most 1.2 against
// GLSL), and ptxftz/glsl: the PTX with its fma.rn.f32 made
// fma.rn.ftz.f32, as a flush-to-zero build writes it. Without a CUDA device the CUDA columns are left out.
func BenchmarkPTXvsGLSL(b *testing.B) {
	td, err := haltest.TestdataDir()
	if err != nil {
		b.Fatal(err)
	}
	ptxSrc, err := os.ReadFile(filepath.Join(td, "test_kernels.sm_80.ptx"))
	if err != nil {
		b.Fatal(err)
	}
	spv, err := os.ReadFile(filepath.Join(td, "glsl_baselines.spv"))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"vulkan"}})
	haltest.SkipUnavailable(b, "vulkan", err)
	defer rt.Close()
	vk := rt.Default()
	var cu *streaming.Device
	if crt, err := streaming.Open(streaming.Options{Backends: []string{"cuda"}}); err == nil {
		defer crt.Close()
		cu = crt.Default()
	}
	type side struct {
		name string
		ctx  *streaming.Context
		mod  *streaming.Module
	}
	open := func(name string, d *streaming.Device, image []byte) side {
		ctx, err := d.NewContext(0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ctx.Close() })
		mod, err := ctx.LoadModuleData(image)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		return side{name, ctx, mod}
	}
	// ptxftz: the same PTX as compiled with flush-to-zero (nvcc
	// -ftz=true, clang -fcuda-flush-denormals-to-zero), whose fma the
	// translation may leave to the device's Fma.
	ftzSrc := bytes.ReplaceAll(ptxSrc, []byte("fma.rn.f32"), []byte("fma.rn.ftz.f32"))
	sides := []side{open("glsl", vk, spv), open("ptx", vk, ptxSrc), open("ptxftz", vk, ftzSrc)}
	if cu != nil {
		sides = append(sides, open("cuda", cu, ptxSrc))
	}
	cpu := isCPUDevice(vk)
	vecN, mmN := uint32(64<<20), uint32(2048)
	if cpu {
		vecN, mmN = 4<<20, 256
	}
	type launch struct {
		grid, block streaming.Dim3
		shared      uint32
		args        func(bufs []streaming.DevicePtr) []any
		sizes       []uint64
	}
	kernels := map[string]launch{
		"vector_add": {streaming.D1(vecN / 256), streaming.D1(256), 0,
			func(p []streaming.DevicePtr) []any { return []any{p[0], p[1], p[2], vecN} }, []uint64{4 * uint64(vecN), 4 * uint64(vecN), 4 * uint64(vecN)}},
		"saxpy": {streaming.D1(vecN / 256), streaming.D1(256), 0,
			func(p []streaming.DevicePtr) []any { return []any{vecN, float32(1.0001), p[0], p[1]} }, []uint64{4 * uint64(vecN), 4 * uint64(vecN)}},
		"matrix_multiply": {streaming.Dim3{X: mmN / 16, Y: mmN / 16, Z: 1}, streaming.Dim3{X: 16, Y: 16, Z: 1}, 0,
			func(p []streaming.DevicePtr) []any { return []any{p[0], p[1], p[2], mmN, mmN, mmN} },
			[]uint64{4 * uint64(mmN) * uint64(mmN), 4 * uint64(mmN) * uint64(mmN), 4 * uint64(mmN) * uint64(mmN)}},
		"reduce_sum": {streaming.D1(vecN / 256), streaming.D1(256), 256 * 4,
			func(p []streaming.DevicePtr) []any { return []any{p[0], p[1], vecN} }, []uint64{4 * uint64(vecN), 4 * uint64(vecN/256)}},
	}
	for _, name := range []string{"vector_add", "saxpy", "matrix_multiply", "reduce_sum"} {
		l := kernels[name]
		b.Run(name, func(b *testing.B) {
			type prepared struct {
				s    *streaming.Stream
				f    *streaming.Function
				args []any
			}
			var ps []prepared
			for _, sd := range sides {
				f, err := sd.mod.Function(name)
				if err != nil {
					b.Fatal(err)
				}
				var bufs []streaming.DevicePtr
				for _, n := range l.sizes {
					p, err := sd.ctx.Malloc(n)
					if err != nil {
						b.Fatal(err)
					}
					defer sd.ctx.Free(p)
					if err := sd.ctx.DefaultStream().MemsetD32Async(p, 0x3f800000, n/4); err != nil {
						b.Fatal(err)
					}
					bufs = append(bufs, p)
				}
				ps = append(ps, prepared{sd.ctx.DefaultStream(), f, l.args(bufs)})
			}
			run := func(p prepared) time.Duration {
				t0 := time.Now()
				if err := p.s.Launch(p.f, l.grid, l.block, l.shared, p.args...); err != nil {
					b.Fatal(err)
				}
				if err := p.s.Synchronize(context.Background()); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			for _, p := range ps {
				run(p) // warm up: pipeline creation, JIT
			}
			total := make([]time.Duration, len(ps))
			for b.Loop() {
				for i, p := range ps {
					total[i] += run(p)
				}
			}
			n := float64(b.N)
			for i, sd := range sides {
				b.ReportMetric(float64(total[i].Nanoseconds())/n, sd.name+"-ns/launch")
			}
			b.ReportMetric(float64(total[1])/float64(total[0]), "ptx/glsl")
			b.ReportMetric(float64(total[2])/float64(total[0]), "ptxftz/glsl")
			if len(total) > 3 {
				b.ReportMetric(float64(total[1])/float64(total[3]), "ptx/cuda")
			}
		})
	}
}

// isCPUDevice reports a Vulkan device that runs on the host (lavapipe):
// the benchmark uses smaller sizes there.
func isCPUDevice(d *streaming.Device) bool {
	info := d.Info()
	return info.Integrated && info.PCIDomainID == hal.SyntheticPCIDomain
}
