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

// BenchmarkLaunchEnqueueArgs is BenchmarkLaunchEnqueue for a kernel with
// three pointer parameters and a count (vector_add over one element): the
// launch path packs the arguments and checks every pointer against the
// pointer table, with a few hundred other allocations in it.
func BenchmarkLaunchEnqueueArgs(b *testing.B) {
	e := newEnv(b)
	f := e.fn(b, "vector_add")
	s := e.stream(b, streaming.StreamNonBlocking)
	for range 256 {
		e.malloc(b, 256)
	}
	dA, dB, dC := e.malloc(b, 4), e.malloc(b, 4), e.malloc(b, 4)
	one := streaming.D1(1)
	i := 0
	for b.Loop() {
		if err := s.Launch(f, one, one, 0, dA, dB, dC, uint32(1)); err != nil {
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
	pool, err := cbench.NewPool(runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var tS, tC time.Duration
	b.SetBytes(3 * 4 * n)
	for b.Loop() {
		t0 := time.Now()
		if err := s.Launch(f, streaming.D1(n/256), streaming.D1(256), 0, da, db, dc, uint32(n)); err != nil {
			b.Fatal(err)
		}
		syncStream(b, s)
		t1 := time.Now()
		pool.VectorAdd(ptr(pa), ptr(pb), ptr(pc), n)
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

// BenchmarkGraphReplay launches a 1000-node chain of empty kernels as one
// graph and, alternately, as 1000 launches on the stream; it reports the
// cost per node of each and their ratio (goal on the CPU: graph < 1 µs per
// node and at least 3x cheaper than eager issue).
func BenchmarkGraphReplay(b *testing.B) {
	const nodes = 1000
	e := newEnv(b)
	f := e.fn(b, "empty")
	one := streaming.LaunchConfig{Grid: streaming.D1(1), Block: streaming.D1(1)}
	g := streaming.NewGraph()
	var prev []*streaming.GraphNode
	for i := 0; i < nodes; i++ {
		n, err := g.AddKernelNode(prev, f, one)
		if err != nil {
			b.Fatal(err)
		}
		prev = []*streaming.GraphNode{n}
	}
	x := e.instantiate(b, g)
	s := e.stream(b, streaming.StreamNonBlocking)
	var tg, te time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := x.Launch(s); err != nil {
			b.Fatal(err)
		}
		syncStream(b, s)
		t1 := time.Now()
		for i := 0; i < nodes; i++ {
			if err := s.Launch(f, one.Grid, one.Block, 0); err != nil {
				b.Fatal(err)
			}
		}
		syncStream(b, s)
		tg += t1.Sub(t0)
		te += time.Since(t1)
	}
	b.ReportMetric(float64(tg.Nanoseconds())/float64(b.N*nodes), "graph-ns/node")
	b.ReportMetric(float64(te.Nanoseconds())/float64(b.N*nodes), "eager-ns/node")
	b.ReportMetric(float64(te)/float64(tg), "x-eager/graph")
}

// BenchmarkPoolAlloc compares MallocAsync+FreeAsync of 1 MiB with
// Malloc+Free, alternating them.
func BenchmarkPoolAlloc(b *testing.B) {
	e := newEnv(b)
	s := e.stream(b, streaming.StreamNonBlocking)
	var tp, tm time.Duration
	for b.Loop() {
		t0 := time.Now()
		p, err := s.MallocAsync(1 << 20)
		if err != nil {
			b.Fatal(err)
		}
		s.FreeAsync(p)
		t1 := time.Now()
		q, err := e.ctx.Malloc(1 << 20)
		if err != nil {
			b.Fatal(err)
		}
		e.ctx.Free(q)
		tp += t1.Sub(t0)
		tm += time.Since(t1)
	}
	syncStream(b, s)
	b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N), "pool-ns/op")
	b.ReportMetric(float64(tm.Nanoseconds())/float64(b.N), "malloc-ns/op")
	b.ReportMetric(float64(tm)/float64(tp), "x-malloc/pool")
}

// BenchmarkEventRoundTrip is an event record plus the event's Synchronize
// on an idle stream.
func BenchmarkEventRoundTrip(b *testing.B) {
	e := newEnv(b)
	s := e.stream(b, streaming.StreamNonBlocking)
	ev, err := e.ctx.NewEvent(streaming.EventDefault)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	for b.Loop() {
		if err := ev.Record(s); err != nil {
			b.Fatal(err)
		}
		if err := ev.Synchronize(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
