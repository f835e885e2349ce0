package streaming_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/cpu/cbench"
	"github.com/streamhal/streamhal/streaming"
)

// BenchmarkLaunchRoundTrip is one empty-kernel launch plus Synchronize.
func BenchmarkLaunchRoundTrip(b *testing.B) {
	e := newEnv(b)
	f := e.fn(b, "empty")
	s := e.stream(b, streaming.StreamNonBlocking)
	one := streaming.D1(1)
	for b.Loop() {
		if err := s.Launch(f, one, one, 0); err != nil {
			b.Fatal(err)
		}
		if err := s.Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLaunchEnqueue is the cost of submitting one empty-kernel launch.
func BenchmarkLaunchEnqueue(b *testing.B) {
	e := newEnv(b)
	f := e.fn(b, "empty")
	s := e.stream(b, streaming.StreamNonBlocking)
	one := streaming.D1(1)
	i := 0
	for b.Loop() {
		if err := s.Launch(f, one, one, 0); err != nil {
			b.Fatal(err)
		}
		if i++; i%4096 == 0 {
			b.StopTimer()
			syncStream(b, s)
			b.StartTimer()
		}
	}
	b.StopTimer()
	syncStream(b, s)
}

func hostOf(b *testing.B, e *env, p streaming.DevicePtr) *float32 {
	attr, err := e.ctx.PointerAttributes(p)
	if err != nil || attr.HostPtr == nil {
		b.Skipf("device memory is not host-addressable on %s", e.dev.Backend())
	}
	return (*float32)(attr.HostPtr)
}

// BenchmarkVectorAdd64M adds two vectors of 64M floats, alternating the
// streamhal launch with a plain C loop over all cores on the same memory;
// x-C-time is streamhal's time over C's (goal: at most 1/0.9).
func BenchmarkVectorAdd64M(b *testing.B) {
	const n = 64 << 20
	e := newEnv(b)
	f := e.fn(b, "vector_add")
	da, db, dc := e.malloc(b, 4*n), e.malloc(b, 4*n), e.malloc(b, 4*n)
	s := e.stream(b, streaming.StreamNonBlocking)
	s.MemsetD32Async(da, 0x3f800000, n)
	s.MemsetD32Async(db, 0x40000000, n)
	s.MemsetD32Async(dc, 0, n)
	syncStream(b, s)
	pa, pb, pc := hostOf(b, e, da), hostOf(b, e, db), hostOf(b, e, dc)
	var tS, tC time.Duration
	b.SetBytes(3 * 4 * n)
	for b.Loop() {
		t0 := time.Now()
		if err := s.Launch(f, streaming.D1(n/256), streaming.D1(256), 0, da, db, dc, uint32(n)); err != nil {
			b.Fatal(err)
		}
		syncStream(b, s)
		t1 := time.Now()
		cbench.VectorAdd(ptr(pa), ptr(pb), ptr(pc), n, runtime.GOMAXPROCS(0))
		tS += t1.Sub(t0)
		tC += time.Since(t1)
	}
	b.ReportMetric(float64(tS)/float64(tC), "x-C-time")
	b.ReportMetric(3*4*n*float64(b.N)/tS.Seconds()/1e9, "GB/s")
	b.ReportMetric(3*4*n*float64(b.N)/tC.Seconds()/1e9, "C-GB/s")
}

// BenchmarkMemcpy copies 64 MiB host->device and device->host with the
// synchronous calls, alternating with Go's copy between Go slices of the
// same size; x-Go-time is streamhal's time over Go's (goal: at most 1/0.9).
func BenchmarkMemcpy(b *testing.B) {
	const n = 64 << 20
	for _, dir := range []string{"HtoD", "DtoH"} {
		b.Run(dir, func(b *testing.B) {
			e := newEnv(b)
			d := e.malloc(b, n)
			host := make([]byte, n)
			other := make([]byte, n)
			for i := range host {
				host[i] = byte(i)
			}
			copy(other, host)
			e.ctx.MemcpyHtoD(d, host)
			var tS, tG time.Duration
			b.SetBytes(n)
			for b.Loop() {
				t0 := time.Now()
				var err error
				if dir == "HtoD" {
					err = e.ctx.MemcpyHtoD(d, host)
				} else {
					err = e.ctx.MemcpyDtoH(host, d)
				}
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				copy(other, host)
				tS += t1.Sub(t0)
				tG += time.Since(t1)
			}
			b.ReportMetric(float64(tS)/float64(tG), "x-Go-time")
		})
	}
}
