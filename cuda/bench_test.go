package cuda_test

import (
	"context"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// BenchmarkOverhead measures what the cuda layer adds to a call of package
// streaming: each iteration runs a batch of the cuda call and a batch of
// the equivalent streaming call, alternating which goes first, on the same
// stream and memory. ns/cuda-op and ns/streaming-op are the median batch
// times per call, and x-streaming their ratio (goal: below 1.05); medians
// keep the ratio steady on a machine busy with other work. The streams are
// drained between batches, outside the timed regions.
func BenchmarkOverhead(b *testing.B) {
	setup(b, streaming.Options{})
	ctx := primary(b)
	m := loadKernels(b)
	sc := ctx.Streaming()
	s := stream(b, cuda.CU_STREAM_NON_BLOCKING)
	ss := s.Streaming()
	const batch = 64

	saxpy := function(b, m, "saxpy")
	d := alloc(b, 1<<12)
	n, k := uint32(0), float32(1) // n = 0: the kernel does nothing
	params := []unsafe.Pointer{unsafe.Pointer(&n), unsafe.Pointer(&k), unsafe.Pointer(&d), unsafe.Pointer(&d)}
	one := streaming.D1(1)
	cfg := streaming.LaunchConfig{Grid: one, Block: one}
	e := val[*cuda.Event](b)(cuda.EventCreate(cuda.CU_EVENT_DISABLE_TIMING))
	b.Cleanup(func() { cuda.EventDestroy(e) })
	host := make([]byte, 4096)
	d2 := alloc(b, 4096)

	drain := func() {
		if err := ss.Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := sc.DefaultStream().Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name      string
		cudaOp    func() error
		streamOp  func() error
		syncEvery bool
	}{
		{"launch",
			func() error { return cuda.LaunchKernel(saxpy, 1, 1, 1, 1, 1, 1, 0, s, params, nil) },
			func() error { return ss.LaunchParams(saxpy, cfg, params) }, true},
		{"launch-null-stream",
			func() error { return cuda.LaunchKernel(saxpy, 1, 1, 1, 1, 1, 1, 0, nil, params, nil) },
			func() error { return sc.DefaultStream().LaunchParams(saxpy, cfg, params) }, true},
		{"memcpy-DtoD-async-4KiB",
			func() error { return cuda.MemcpyDtoDAsync(d2, d, 4096, s) },
			func() error { return ss.MemcpyDtoDAsync(d2, d, 4096) }, true},
		{"memcpy-HtoD-4KiB",
			func() error { return cuda.MemcpyHtoD(d2, unsafe.Pointer(&host[0]), 4096) },
			func() error { return sc.MemcpyHtoD(d2, host) }, false},
		{"memcpy-DtoH-4KiB",
			func() error { return cuda.MemcpyDtoH(unsafe.Pointer(&host[0]), d2, 4096) },
			func() error { return sc.MemcpyDtoH(host, d2) }, false},
		{"event-record",
			func() error { return cuda.EventRecord(e, s) },
			func() error { return e.Record(ss) }, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var tC, tS []time.Duration
			run := func(op func() error) time.Duration {
				t0 := time.Now()
				for range batch {
					if err := op(); err != nil {
						b.Fatal(err)
					}
				}
				d := time.Since(t0)
				if c.syncEvery {
					drain()
				}
				return d
			}
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					tC = append(tC, run(c.cudaOp))
					tS = append(tS, run(c.streamOp))
				} else {
					tS = append(tS, run(c.streamOp))
					tC = append(tC, run(c.cudaOp))
				}
				i++
			}
			mc, ms := median(tC), median(tS)
			b.ReportMetric(float64(mc)/float64(ms), "x-streaming")
			b.ReportMetric(float64(mc.Nanoseconds())/batch, "ns/cuda-op")
			b.ReportMetric(float64(ms.Nanoseconds())/batch, "ns/streaming-op")
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
