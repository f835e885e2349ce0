package cuda

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// The benchmarks compare the Go driver path with a plain-C baseline
// (shal_cuda.c) that calls libcuda through the same function pointers in
// the same process, with its context made current once as a C program
// would. Each benchmark alternates C and Go rounds of n operations and
// keeps each side's best round; it reports ns/op (the Go path), C-ns/op and
// Go/C, and for copies GB/s of both. Run with -benchtime Nx (N sets n for
// the latency rows; the 256 MiB rows cap n at 8, vector_add at 100, the
// graph replays use N/4). The table at the end lists the runs with N > 1.
//
// Goals: Go/C <= 1.10 on latency rows, Go/C bandwidth >= 0.97 on copies.
//
// Measured on one H100 80GB HBM3 (driver 580.159, CUDA 13.0), -benchtime
// 2000x, two runs in one session (Go/C of each):
//
//	launch enqueue (empty kernel)        3.93-4.44 µs C   1.047, 1.094
//	launch + synchronize                 10.0-10.3 µs C   1.023, 1.018
//	event record + sync, timing event    6.41-6.58 µs C   1.023, 1.022
//	event record + sync, no timing       0.76 µs C        1.319, 1.371 (two cgo calls, ~0.12 µs each)
//	HtoD / DtoH pinned 256 MiB           52-54 GB/s       0.986-1.001 bandwidth
//	HtoD / DtoH pageable 256 MiB         6.4-10.1 GB/s    0.984-1.145 bandwidth
//	DtoD 256 MiB (read+write)            2950-2963 GB/s   0.999-1.000 bandwidth
//	vector_add 64M floats                2749 GB/s        0.999 bandwidth
//	graph replay, 100-node chain         0.97 µs/node     1.002, 1.003
//	context enter/leave alone            15 ns C; 82-91 ns per Go call of a no-op trampoline
//
// Host calls (one run, same machine and driver, -benchtime 2000x): the C
// row is cuLaunchHostFunc of an empty C function + cuStreamSynchronize.
// The per-queue worker of that run (hostcall.go, when its trampoline still
// called into Go and woke the worker goroutine) cost about four times that
// in round trip; the blocking path, which it replaces where the driver has
// stream memory operations, about 1.5 times. Launch and event rows of the
// same run were unchanged (1.010, 1.026, 1.352). The worker now waits for
// the notification in C; BenchmarkHostCallFloor gives the plain-C floors of
// the designs (the trampoline storing the word itself, a C thread woken by
// it, an event polled by the caller) to compare it with.
//
//	host call + synchronize, worker      10.69 µs C   44.16 µs Go, 4.131
//	host call + synchronize, blocking     9.27 µs C   14.22 µs Go, 1.535

const benchRounds = 3

type benchRow struct {
	name         string
	cNs, goNs    float64 // per op
	bytes        int64   // per op, for bandwidth rows
	ratio, bwRat float64
}

var (
	benchMu   sync.Mutex
	benchRows []benchRow
)

// compare runs both sides and reports. ops is the number of operations one
// iteration stands for (100 for a 100-node graph replay).
//
// The benchmark's timer runs through all of it (both sides, every round),
// so that the testing package sizes b.N to the time the comparison
// really takes: a stopped timer made it grow b.N until one benchmark ran
// for minutes. The reported ns/op is the Go side's best round.
func compare(b *testing.B, n, ops int, bytes int64, c, g func(n int) (time.Duration, error)) {
	warm := min(n, 8)
	if _, err := c(warm); err != nil {
		b.Fatalf("C warm-up: %v", err)
	}
	if _, err := g(warm); err != nil {
		b.Fatalf("Go warm-up: %v", err)
	}
	bestC, bestG := time.Duration(1<<62), time.Duration(1<<62)
	for range benchRounds {
		tc, err := c(n)
		if err != nil {
			b.Fatalf("C: %v", err)
		}
		tg, err := g(n)
		if err != nil {
			b.Fatalf("Go: %v", err)
		}
		bestC, bestG = min(bestC, tc), min(bestG, tg)
	}
	per := float64(n * ops)
	row := benchRow{name: b.Name(), cNs: float64(bestC) / per, goNs: float64(bestG) / per, bytes: bytes}
	row.ratio = row.goNs / row.cNs
	b.ReportMetric(row.goNs, "ns/op")
	b.ReportMetric(row.cNs, "C-ns/op")
	b.ReportMetric(row.ratio, "Go/C")
	if bytes > 0 {
		gbC, gbG := float64(bytes)/row.cNs, float64(bytes)/row.goNs
		row.bwRat = gbG / gbC
		b.ReportMetric(gbC, "C-GB/s")
		b.ReportMetric(gbG, "Go-GB/s")
	}
	if b.N > 1 {
		benchMu.Lock()
		benchRows = append(benchRows, row)
		benchMu.Unlock()
	}
}

// printBenchTable writes the rows collected by the benchmarks (called from
// TestMain).
func printBenchTable() {
	benchMu.Lock()
	defer benchMu.Unlock()
	if len(benchRows) == 0 {
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n| benchmark | C | Go | Go/C |\n|---|---|---|---|\n")
	for _, r := range benchRows {
		if r.bytes > 0 {
			fmt.Fprintf(&sb, "| %s | %.1f GB/s | %.1f GB/s | %.3f (bandwidth) |\n", r.name, float64(r.bytes)/r.cNs, float64(r.bytes)/r.goNs, r.bwRat)
		} else {
			fmt.Fprintf(&sb, "| %s | %.3f µs | %.3f µs | %.3f |\n", r.name, r.cNs/1e3, r.goNs/1e3, r.ratio)
		}
	}
	fmt.Fprint(os.Stderr, sb.String())
}

type benchEnv struct {
	d     hal.Device
	q     hal.Queue
	exe   hal.Executable
	empty hal.Kernel
}

func newBenchEnv(b *testing.B) *benchEnv {
	d := testDevice(b)
	q := newQueue(b, d)
	exe := loadTestKernels(b, d)
	return &benchEnv{d: d, q: q, exe: exe, empty: kernelOf(b, exe, "empty")}
}

var one = hal.Dim3{X: 1, Y: 1, Z: 1}

func timed(f func() error, n int) (time.Duration, error) {
	t0 := time.Now()
	for range n {
		if err := f(); err != nil {
			return 0, err
		}
	}
	return time.Since(t0), nil
}

func BenchmarkLaunchEnqueue(b *testing.B) {
	e := newBenchEnv(b)
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	compare(b, b.N, 1, 0,
		func(n int) (time.Duration, error) { return cBenchLaunch(e.q, e.empty, n, 1, 1, nil, false, false) },
		func(n int) (time.Duration, error) {
			t, err := timed(func() error { return e.q.Dispatch(e.empty, cfg) }, n)
			if err == nil {
				err = e.q.Synchronize(bg)
			}
			return t, err
		})
}

func BenchmarkLaunchRoundTrip(b *testing.B) {
	e := newBenchEnv(b)
	cfg := hal.LaunchConfig{Grid: one, Block: one}
	compare(b, b.N, 1, 0,
		func(n int) (time.Duration, error) { return cBenchLaunch(e.q, e.empty, n, 1, 1, nil, true, false) },
		func(n int) (time.Duration, error) {
			return timed(func() error {
				if err := e.q.Dispatch(e.empty, cfg); err != nil {
					return err
				}
				return e.q.Synchronize(bg)
			}, n)
		})
}

// BenchmarkEventRoundTrip records an event on an idle queue and waits for
// it: with a timing event (the default flags; the GPU writes a timestamp)
// and with a timing-disabled one (which the driver can complete almost on
// the host, so this variant is nearly pure call overhead).
func BenchmarkEventRoundTrip(b *testing.B) {
	for _, tc := range []struct {
		name  string
		flags hal.EventFlags
	}{{"timing", 0}, {"no-timing", hal.EventDisableTiming}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b)
			ev, err := e.d.NewEvent(tc.flags)
			if err != nil {
				b.Fatal(err)
			}
			defer ev.Close()
			compare(b, b.N, 1, 0,
				func(n int) (time.Duration, error) { return cBenchEvent(e.q, ev, n) },
				func(n int) (time.Duration, error) {
					return timed(func() error {
						if err := e.q.Record(ev); err != nil {
							return err
						}
						return ev.Wait(bg)
					}, n)
				})
		})
	}
}

const copyBytes = 256 << 20

func copyIters(b *testing.B) int { return max(1, min(b.N, 8)) }

func BenchmarkCopy(b *testing.B) {
	e := newBenchEnv(b)
	dev := alloc(b, e.d, hal.MemoryDevice, copyBytes)
	dev2 := alloc(b, e.d, hal.MemoryDevice, copyBytes)
	pinned := alloc(b, e.d, hal.MemoryHost, copyBytes)
	cPageable, err := cMalloc(copyBytes)
	if err != nil {
		b.Fatal(err)
	}
	defer cFree(cPageable)
	goPageable := make([]byte, copyBytes)
	for i := range goPageable {
		goPageable[i] = 1
	}
	gp := unsafe.Pointer(&goPageable[0])

	b.Run("HtoD-pinned", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchHtoD(e.d, dev.Device, pinned.Host, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyFromHost(dev.Device, pinned.Host, copyBytes) }, n)
			})
	})
	b.Run("DtoH-pinned", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchDtoH(e.d, pinned.Host, dev.Device, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyToHost(pinned.Host, dev.Device, copyBytes) }, n)
			})
	})
	// Pageable rows copy from and to the same C heap buffer on both sides,
	// so that they compare the call paths; the -goslice rows copy the Go
	// side from a Go slice instead (how the page cache treats the two
	// buffers differs more than the call paths do).
	b.Run("HtoD-pageable", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchHtoD(e.d, dev.Device, cPageable, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyFromHost(dev.Device, cPageable, copyBytes) }, n)
			})
	})
	b.Run("DtoH-pageable", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchDtoH(e.d, cPageable, dev.Device, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyToHost(cPageable, dev.Device, copyBytes) }, n)
			})
	})
	b.Run("HtoD-pageable-goslice", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchHtoD(e.d, dev.Device, cPageable, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyFromHost(dev.Device, gp, copyBytes) }, n)
			})
	})
	b.Run("DtoH-pageable-goslice", func(b *testing.B) {
		compare(b, copyIters(b), 1, copyBytes,
			func(n int) (time.Duration, error) { return cBenchDtoH(e.d, cPageable, dev.Device, copyBytes, n) },
			func(n int) (time.Duration, error) {
				return timed(func() error { return e.d.CopyToHost(gp, dev.Device, copyBytes) }, n)
			})
	})
	b.Run("DtoD", func(b *testing.B) {
		// Bandwidth counts bytes moved: read plus write.
		compare(b, copyIters(b), 1, 2*copyBytes,
			func(n int) (time.Duration, error) { return cBenchDtoD(e.q, dev2.Device, dev.Device, copyBytes, n) },
			func(n int) (time.Duration, error) {
				t0 := time.Now()
				for range n {
					if err := e.q.Copy(dev2.Device, dev.Device, copyBytes); err != nil {
						return 0, err
					}
				}
				err := e.q.Synchronize(bg)
				return time.Since(t0), err
			})
	})
}

func BenchmarkVectorAdd64M(b *testing.B) {
	e := newBenchEnv(b)
	const n = 64 << 20
	da, db, dc := alloc(b, e.d, hal.MemoryDevice, 4*n), alloc(b, e.d, hal.MemoryDevice, 4*n), alloc(b, e.d, hal.MemoryDevice, 4*n)
	var p packer
	p.u64(da.Device)
	p.u64(db.Device)
	p.u64(dc.Device)
	p.u32(n)
	k := kernelOf(b, e.exe, "vector_add")
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: n / 256, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: p.b}
	compare(b, max(1, min(b.N, 100)), 1, 3*4*n,
		func(it int) (time.Duration, error) { return cBenchLaunch(e.q, k, it, n/256, 256, p.b, false, true) },
		func(it int) (time.Duration, error) {
			t0 := time.Now()
			for range it {
				if err := e.q.Dispatch(k, cfg); err != nil {
					return 0, err
				}
			}
			err := e.q.Synchronize(bg)
			return time.Since(t0), err
		})
}

func BenchmarkGraphReplay100(b *testing.B) {
	e := newBenchEnv(b)
	const nodes = 100
	g := &hal.Graph{}
	for i := range nodes {
		node := hal.Node{Kind: hal.NodeKernel, Kernel: e.empty, Launch: hal.LaunchConfig{Grid: one, Block: one}}
		if i > 0 {
			node.Deps = []int{i - 1}
		}
		g.Nodes = append(g.Nodes, node)
	}
	ge, err := e.d.Instantiate(g)
	if err != nil {
		b.Fatal(err)
	}
	defer ge.Close()
	if err := e.q.Execute(ge); err != nil {
		b.Fatal(err)
	}
	drain(b, e.q)
	compare(b, max(1, b.N/4), nodes, 0,
		func(n int) (time.Duration, error) { return cBenchGraph(e.q, e.empty, nodes, n) },
		func(n int) (time.Duration, error) {
			t0 := time.Now()
			for range n {
				if err := e.q.Execute(ge); err != nil {
					return 0, err
				}
			}
			err := e.q.Synchronize(bg)
			return time.Since(t0), err
		})
}

// BenchmarkContextEnter measures what our context handling costs: C is the
// enter/leave pair alone; Go is one cgo call of a trampoline that does only
// that (so Go - C is the cgo call itself).
func BenchmarkContextEnter(b *testing.B) {
	d := testDevice(b)
	compare(b, b.N, 1, 0,
		func(n int) (time.Duration, error) { return cBenchCtxEnter(d, n) },
		func(n int) (time.Duration, error) { return timed(func() error { return ctxNoop(d) }, n) })
}

// BenchmarkHostCallRoundTrip enqueues an empty host function on an idle
// queue and waits for it. C is cuLaunchHostFunc of an empty C function +
// cuStreamSynchronize; Go is HostCall + Synchronize, through the queue's
// worker (cuLaunchHostFunc of the notification, cuStreamWaitValue32, the
// worker goroutine's wake-up and the GPU's poll of the done word) and, for
// comparison, on the blocking path. fn-start-ns/op is the mean time from
// HostCall to the function starting (the lowest of the rounds' means); the
// rest of the round trip is the release of the stream and Synchronize
// noticing it.
func BenchmarkHostCallRoundTrip(b *testing.B) {
	for _, tc := range []struct {
		name     string
		blocking bool
	}{{"worker", false}, {"blocking", true}} {
		b.Run(tc.name, func(b *testing.B) {
			forceBlockingHostCalls.Store(tc.blocking)
			e := newBenchEnv(b)
			forceBlockingHostCalls.Store(false)
			if got := e.q.(*queue).host == nil; got != tc.blocking {
				b.Skipf("queue on the blocking path: %v (driver without stream memory operations?)", got)
			}
			var t0 time.Time // set before each HostCall, read by its function
			var toStart time.Duration
			fn := func() { toStart += time.Since(t0) }
			bestStart := math.Inf(1) // the lowest per-round mean
			compare(b, b.N, 1, 0,
				func(n int) (time.Duration, error) { return cBenchHostFunc(e.q, n) },
				func(n int) (time.Duration, error) {
					toStart = 0
					t, err := timed(func() error {
						t0 = time.Now()
						if err := e.q.HostCall(fn); err != nil {
							return err
						}
						return e.q.Synchronize(bg)
					}, n)
					if n > 0 {
						bestStart = min(bestStart, float64(toStart)/float64(n))
					}
					return t, err
				})
			b.ReportMetric(bestStart, "fn-start-ns/op")
		})
	}
}

// BenchmarkHostCallFloor measures, in plain C, what a host call released
// through a word the stream waits on can cost at best (see
// shal_bench_host_floor): C is cuLaunchHostFunc of an empty C function +
// cuStreamSynchronize, as in BenchmarkHostCallRoundTrip.
func BenchmarkHostCallFloor(b *testing.B) {
	for _, tc := range []struct {
		name string
		mode int
		spin time.Duration
	}{{"direct", 0, 0}, {"thread-spin", 1, 100 * time.Microsecond}, {"thread-futex", 1, 0}, {"event-poll", 2, 0}, {"wait-only", 3, 0}, {"no-stream-wait", 4, 100 * time.Microsecond}, {"event-worker", 5, 0}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b)
			if !e.d.(*device).hostCalls.memops {
				b.Skip("no stream memory operations")
			}
			word := alloc(b, e.d, hal.MemoryHost, 4096)
			ev, err := e.d.NewEvent(hal.EventDisableTiming)
			if err != nil {
				b.Fatal(err)
			}
			defer ev.Close()
			compare(b, b.N, 1, 0,
				func(n int) (time.Duration, error) { return cBenchHostFunc(e.q, n) },
				func(n int) (time.Duration, error) { return cBenchHostFloor(e.q, ev, word, tc.mode, tc.spin, n) })
		})
	}
}

// BenchmarkHostCallPhases splits a host call's round trip (HostCall +
// Synchronize, as in BenchmarkHostCallRoundTrip) into phases, medians in
// ns of the monotonic clock from HostCall's start: listed (the call's
// event recorded and the call listed), synced (cuStreamSynchronize
// returned in Synchronize), fn-start (the function began), fn-end (the
// function's end to Synchronize's return), total. caller-ran is the
// fraction of calls that a Synchronize ran itself. Where the worker's wait
// returned with the call's event reached during the round trip
// (worker-woke, a fraction; the worker or the caller may then run it),
// worker-wake is the median time of that return; of those, where the
// worker had slept and the trampoline on its own stream woke it (slept, a
// fraction), cb is the trampoline's. A phase's median leaves out the calls
// that did not reach it; a phase no call reached reports -1.
//
// The locked form runs the loop with its goroutine locked to its thread,
// as a C program's loop runs on one thread.
func BenchmarkHostCallPhases(b *testing.B) {
	for _, locked := range []bool{false, true} {
		name := "free"
		if locked {
			name = "locked"
		}
		b.Run(name, func(b *testing.B) {
			if locked {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
			}
			hostCallPhases(b)
		})
	}
}

func hostCallPhases(b *testing.B) {
	e := newBenchEnv(b)
	w := e.q.(*queue).host
	if w == nil {
		b.Skip("queue on the blocking path")
	}
	w.setTrace(true)
	defer w.setTrace(false)
	var pts [hostTracePoints]int64
	hostTrace.Store(&pts)
	defer hostTrace.Store(nil)
	var tfn int64
	fn := func() { tfn = monoNs() }
	names := []string{"listed", "synced", "fn-start", "fn-end", "total", "worker-wake", "cb"}
	phases := make([][]float64, len(names))
	ran0 := hostCallerRan.Load()
	woke, slept := 0, 0
	for b.Loop() {
		pts = [hostTracePoints]int64{}
		t0 := monoNs()
		if err := e.q.HostCall(fn); err != nil {
			b.Fatal(err)
		}
		if err := e.q.Synchronize(bg); err != nil {
			b.Fatal(err)
		}
		t1 := monoNs()
		cb, wake := w.traceTimes()
		add := func(i int, v int64) { phases[i] = append(phases[i], float64(v)) }
		add(0, pts[traceListed]-t0)
		add(1, pts[traceSynced]-t0)
		add(2, tfn-t0)
		add(3, t1-tfn)
		add(4, t1-t0)
		if pts[traceWorkerRun] >= t0 && wake >= t0 {
			woke++
			add(5, wake-t0)
			if cb >= t0 {
				slept++
				add(6, cb-t0)
			}
		}
	}
	for i, name := range names {
		m := -1.0
		if p := phases[i]; len(p) > 0 {
			slices.Sort(p)
			m = p[len(p)/2]
		}
		b.ReportMetric(m, name+"-ns")
	}
	b.ReportMetric(float64(woke)/float64(b.N), "worker-woke")
	b.ReportMetric(float64(slept)/float64(b.N), "slept")
	b.ReportMetric(float64(hostCallerRan.Load()-ran0)/float64(b.N), "caller-ran")
}
