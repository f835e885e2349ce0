package vulkan

import (
	"context"
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// BenchmarkVectorAdd runs c = a + b over n floats; the throughput counts
// the 12 bytes each element moves (two loads, one store).
func BenchmarkVectorAdd(b *testing.B) {
	d := openDevice(b)
	x := loadTestModule(b, d)
	q := newQueue(b, d)
	defer q.Close()
	k := kernelOf(b, x, "vector_add")
	for _, n := range []uint32{1 << 20, 16 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("%dM", n>>20), func(b *testing.B) {
			bufs := make([]hal.Allocation, 3)
			for i := range bufs {
				bufs[i] = alloc(b, d, hal.MemoryDevice, uint64(4*n))
				if err := q.Fill(bufs[i].Device, uint64(4*n), 0x3f800000, 4); err != nil {
					b.Fatal(err)
				}
			}
			defer func() {
				for _, a := range bufs {
					d.Free(hal.MemoryDevice, a.Device)
				}
			}()
			cfg := launch1D(n, 256)
			cfg.Args = (&args{}).ptr(bufs[0].Device).ptr(bufs[1].Device).ptr(bufs[2].Device).u32(n).bytes()
			if err := q.Dispatch(k, cfg); err != nil { // warm up: pipeline creation
				b.Fatal(err)
			}
			syncQ(b, q)
			b.SetBytes(int64(12) * int64(n))
			for b.Loop() {
				if err := q.Dispatch(k, cfg); err != nil {
					b.Fatal(err)
				}
				if err := q.Synchronize(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(12*int64(n))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkLaunchSync is one empty-kernel launch plus Synchronize: the
// round-trip latency of the queue.
func BenchmarkLaunchSync(b *testing.B) {
	d := openDevice(b)
	x := loadTestModule(b, d)
	q := newQueue(b, d)
	defer q.Close()
	k := kernelOf(b, x, "empty")
	one := hal.Dim3{X: 1, Y: 1, Z: 1}
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	q.Dispatch(k, cfg)
	syncQ(b, q)
	for b.Loop() {
		if err := q.Dispatch(k, cfg); err != nil {
			b.Fatal(err)
		}
		if err := q.Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLaunchBatch enqueues empty-kernel launches and synchronizes once
// per 1000: the per-launch cost when batching works.
func BenchmarkLaunchBatch(b *testing.B) {
	d := openDevice(b)
	x := loadTestModule(b, d)
	q := newQueue(b, d)
	defer q.Close()
	k := kernelOf(b, x, "empty")
	one := hal.Dim3{X: 1, Y: 1, Z: 1}
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	q.Dispatch(k, cfg)
	syncQ(b, q)
	i := 0
	for b.Loop() {
		if err := q.Dispatch(k, cfg); err != nil {
			b.Fatal(err)
		}
		if i++; i%1000 == 0 {
			syncQ(b, q)
		}
	}
	syncQ(b, q)
}

// BenchmarkCopy copies device memory to device memory.
func BenchmarkCopy(b *testing.B) {
	d := openDevice(b)
	q := newQueue(b, d)
	defer q.Close()
	const n = 64 << 20
	src, dst := alloc(b, d, hal.MemoryDevice, n), alloc(b, d, hal.MemoryDevice, n)
	b.SetBytes(n)
	for b.Loop() {
		if err := q.Copy(dst.Device, src.Device, n); err != nil {
			b.Fatal(err)
		}
		syncQ(b, q)
	}
}
