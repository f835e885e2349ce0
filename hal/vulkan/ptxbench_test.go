//go:build cgo

package vulkan

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// loadPTXTestModule loads the project's CUDA test kernels as PTX
// (test_kernels.sm_80.ptx), translated by the driver.
func loadPTXTestModule(t testing.TB, d *device) hal.Executable {
	t.Helper()
	p := testdataPath(t, "test_kernels.sm_80.ptx")
	if p == "" {
		t.Fatalf("test_kernels.sm_80.ptx not found in %v", testdataDirs())
	}
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	x, err := d.Load(hal.FormatPTX, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// BenchmarkPTXvsGLSL runs the same kernels from the hand-written GLSL
// (vk_test_kernels.spv) and translated from PTX (the CUDA C of
// kernels/gpu/test_kernels.cu, built by clang), alternating launch by
// launch in one loop, and reports each one's time per launch and their
// ratio (ptx/glsl: 1.0 means the translation is as fast as GLSL).
func BenchmarkPTXvsGLSL(b *testing.B) {
	d := openDevice(b)
	glsl := loadTestModule(b, d)
	ptxMod := loadPTXTestModule(b, d)
	q := newQueue(b, d)
	defer q.Close()
	// Sizes: smaller on a CPU device (lavapipe), GPU-sized otherwise.
	cpu := d.pinfo.props.deviceType == 4 // VK_PHYSICAL_DEVICE_TYPE_CPU
	vecN, mmN := uint32(64<<20), uint32(2048)
	if cpu {
		vecN, mmN = 4<<20, 256
	}
	type bench struct {
		name   string
		kernel string
		bytes  int64
		setup  func() (cfg hal.LaunchConfig, free func())
	}
	buffers := func(sizes ...uint64) ([]uint64, func()) {
		var addrs []uint64
		for _, s := range sizes {
			a := alloc(b, d, hal.MemoryDevice, s)
			if err := q.Fill(a.Device, s, 0x3f800000, 4); err != nil {
				b.Fatal(err)
			}
			addrs = append(addrs, a.Device)
		}
		return addrs, func() {
			for _, a := range addrs {
				d.Free(hal.MemoryDevice, a)
			}
		}
	}
	benches := []bench{
		{"vector_add", "vector_add", 12 * int64(vecN), func() (hal.LaunchConfig, func()) {
			a, free := buffers(4*uint64(vecN), 4*uint64(vecN), 4*uint64(vecN))
			cfg := launch1D(vecN, 256)
			cfg.Args = (&args{}).ptr(a[0]).ptr(a[1]).ptr(a[2]).u32(vecN).bytes()
			return cfg, free
		}},
		{"saxpy", "saxpy", 12 * int64(vecN), func() (hal.LaunchConfig, func()) {
			a, free := buffers(4*uint64(vecN), 4*uint64(vecN))
			cfg := launch1D(vecN, 256)
			cfg.Args = (&args{}).u32(vecN).f32(1.0001).ptr(a[0]).ptr(a[1]).bytes()
			return cfg, free
		}},
		{"matrix_multiply", "matrix_multiply", 2 * int64(mmN) * int64(mmN) * int64(mmN), func() (hal.LaunchConfig, func()) {
			n := uint64(mmN) * uint64(mmN) * 4
			a, free := buffers(n, n, n)
			cfg := hal.LaunchConfig{Grid: hal.Dim3{X: mmN / 16, Y: mmN / 16, Z: 1}, Block: hal.Dim3{X: 16, Y: 16, Z: 1}}
			cfg.Args = (&args{}).ptr(a[0]).ptr(a[1]).ptr(a[2]).u32(mmN).u32(mmN).u32(mmN).bytes()
			return cfg, free
		}},
		{"reduce_sum", "reduce_sum", 4 * int64(vecN), func() (hal.LaunchConfig, func()) {
			a, free := buffers(4*uint64(vecN), 4*uint64(vecN/256))
			cfg := launch1D(vecN, 256)
			cfg.SharedBytes = 256 * 4
			cfg.Args = (&args{}).ptr(a[0]).ptr(a[1]).u32(vecN).bytes()
			return cfg, free
		}},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			kg := kernelOf(b, glsl, bc.kernel)
			kp := kernelOf(b, ptxMod, bc.kernel)
			cfg, free := bc.setup()
			defer free()
			run := func(k hal.Kernel) time.Duration {
				t0 := time.Now()
				if err := q.Dispatch(k, cfg); err != nil {
					b.Fatal(err)
				}
				if err := q.Synchronize(context.Background()); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			run(kg) // warm up: pipeline creation
			run(kp)
			var tg, tp time.Duration
			for b.Loop() {
				tg += run(kg)
				tp += run(kp)
			}
			n := float64(b.N)
			b.ReportMetric(float64(tg.Nanoseconds())/n, "glsl-ns/launch")
			b.ReportMetric(float64(tp.Nanoseconds())/n, "ptx-ns/launch")
			b.ReportMetric(float64(tp)/float64(tg), "ptx/glsl")
			b.ReportMetric(float64(bc.bytes)*n/tp.Seconds()/1e9, fmt.Sprintf("ptx-G%s/s", map[bool]string{true: "flop", false: "B"}[bc.name == "matrix_multiply"]))
		})
	}
}
