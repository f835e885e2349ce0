package main

import (
	"fmt"
	"io"
	"sort"
	"time"
	"unsafe"
)

// benchConfig sizes a run.
type benchConfig struct {
	quick      bool
	batch      time.Duration // a round runs at least this long per side
	budget     time.Duration // time per row after calibration
	minRounds  int
	maxRounds  int
	copyBytes  uint64
	vecN       uint64 // vector_add elements (a multiple of 256)
	graphNodes int
	poolBytes  uint64
}

func quickConfig() benchConfig {
	return benchConfig{quick: true, batch: time.Millisecond, budget: 40 * time.Millisecond, minRounds: 3, maxRounds: 40,
		copyBytes: 4 << 20, vecN: 1 << 20, graphNodes: 1000, poolBytes: 1 << 20}
}

func fullConfig() benchConfig {
	return benchConfig{batch: 10 * time.Millisecond, budget: 3 * time.Second, minRounds: 7, maxRounds: 400,
		copyBytes: 64 << 20, vecN: 64 << 20, graphNodes: 1000, poolBytes: 1 << 20}
}

// timer runs n operations and returns the time of the part that counts.
type timer func(n int) (time.Duration, error)

// bencher measures rows one after another, printing progress.
type bencher struct {
	cfg      benchConfig
	progress io.Writer
	total    int
	rows     []benchRow
}

// benchRowCount is the number of rows a run produces.
const benchRowCount = 12

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// measure calibrates a batch size n so that op(n) takes about cfg.batch,
// then runs rounds of op(n) and base(n), alternating which goes first, and
// returns the median time per operation of each (base may be nil).
func (b *bencher) measure(op, base timer) (opNs, baseNs float64, rounds, n int, err error) {
	n = 1
	for {
		d, err := op(n)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		if d >= b.cfg.batch || n >= 1<<22 {
			break
		}
		grow := 2
		if d < b.cfg.batch/16 {
			grow = 8
		}
		n *= grow
	}
	if base != nil {
		if _, err := base(n); err != nil { // warm-up
			return 0, 0, 0, 0, err
		}
	}
	var ops, bases []float64
	start := time.Now()
	timers := [2]timer{op, base}
	for r := 0; r < b.cfg.maxRounds && (r < b.cfg.minRounds || time.Since(start) < b.cfg.budget); r++ {
		order := [2]int{0, 1}
		if r%2 == 1 {
			order = [2]int{1, 0}
		}
		for _, k := range order {
			if timers[k] == nil {
				continue
			}
			d, err := timers[k](n)
			if err != nil {
				return 0, 0, 0, 0, err
			}
			per := float64(d.Nanoseconds()) / float64(n)
			if k == 0 {
				ops = append(ops, per)
			} else {
				bases = append(bases, per)
			}
		}
		rounds++
	}
	opNs = median(ops)
	if base != nil {
		baseNs = median(bases)
	}
	return opNs, baseNs, rounds, n, nil
}

// unitConv turns nanoseconds per operation into the row's unit.
type unitConv struct {
	unit string
	conv func(ns float64) float64
}

func perUS() unitConv { return unitConv{"us", func(ns float64) float64 { return ns / 1e3 }} }
func perMS() unitConv { return unitConv{"ms", func(ns float64) float64 { return ns / 1e6 }} }
func gbps(bytes uint64) unitConv {
	return unitConv{"GB/s", func(ns float64) float64 { return float64(bytes) / ns }}
}
func nsPer(what string, k int) unitConv {
	return unitConv{"ns/" + what, func(ns float64) float64 { return ns / float64(k) }}
}

// row measures one row. A nil base records baseName as the reason there is
// no baseline.
func (b *bencher) row(id, name string, u unitConv, op, base timer, baseName string) error {
	fmt.Fprintf(b.progress, "bench: [%d/%d] %s ...\n", len(b.rows)+1, b.total, name)
	opNs, baseNs, rounds, n, err := b.measure(op, base)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r := benchRow{ID: id, Name: name, Unit: u.unit, Value: u.conv(opNs), BaselineName: baseName, Rounds: rounds, OpsPerRound: n}
	if base != nil && baseNs > 0 && opNs > 0 {
		bv := u.conv(baseNs)
		ratio := opNs / baseNs
		r.Baseline, r.Ratio = &bv, &ratio
	}
	b.rows = append(b.rows, r)
	return nil
}

// pingPong is a goroutine that answers each request: the Go floor of a
// synchronous cross-thread hand-off.
type pingPong struct{ req, resp chan struct{} }

func newPingPong() *pingPong {
	p := &pingPong{req: make(chan struct{}), resp: make(chan struct{})}
	go func() {
		for range p.req {
			p.resp <- struct{}{}
		}
	}()
	return p
}

func (p *pingPong) timer(n int) (time.Duration, error) {
	t0 := time.Now()
	for i := 0; i < n; i++ {
		p.req <- struct{}{}
		<-p.resp
	}
	return time.Since(t0), nil
}

func (p *pingPong) close() { close(p.req) }

// cBaseline is a plain-C baseline in the same process on the same device
// (hal/cuda's and hal/vulkan's cbaseline.go): loops in C that call the
// vendor library as a C program would, each timing the part its name says.
type cBaseline interface {
	LaunchEnqueue(n int) (time.Duration, error)
	LaunchSync(n int) (time.Duration, error)
	EventSync(n int) (time.Duration, error)
	CopyHtoD(dst uint64, src unsafe.Pointer, size uint64, n int) (time.Duration, error)
	CopyDtoH(dst unsafe.Pointer, src uint64, size uint64, n int) (time.Duration, error)
	CopyDtoD(dst, src uint64, size uint64, n int) (time.Duration, error)
	VectorAdd(a, b, c uint64, n uint32, reps int) (time.Duration, error)
	Close() error
}

// cudaBaseline is what the libcuda baseline has beyond cBaseline: native
// graphs, host functions and stream-ordered allocation.
type cudaBaseline interface {
	cBaseline
	GraphReplay(nodes, reps int) (time.Duration, error)
	HostFuncSync(n int) (time.Duration, error)
	PoolAlloc(size uint64, n int) (time.Duration, error)
}
