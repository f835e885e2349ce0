package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"text/tabwriter"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/cpu/cbench"
	"github.com/streamhal/streamhal/hal/cuda"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

const benchUsage = `Usage: streamhal bench [-backend NAME] [-device N] [-module FILE] [-quick] [-json]

Runs the standard benchmark table on one device (the default device, or the
first device of -backend, or -device N): each row against its baseline,
measured in the same run with the operation and the baseline alternating in
one loop, so that machine noise hits both. Values are medians over the
rounds. ratio is the operation's time over its baseline's time: 1.00 is
parity, below 1 faster than the baseline, above 1 slower.

Rows: launch enqueue (empty kernel, absolute), launch+synchronize and
event record+synchronize round trips, HtoD and DtoH bandwidth from
page-locked and from pageable memory, DtoD bandwidth, vector_add of 64M
floats, graph replay cost per node (a 1000-node chain of empty kernels
against the same launches issued eagerly), and pool MallocAsync+FreeAsync
against Malloc+Free.

Baselines on the CPU backend: a Go channel round trip to a goroutine (the
floor of any cross-thread hand-off) for the round trips; Go's copy of the
same size for the copies; hal/cpu/cbench.VectorAdd (plain C over all cores,
on the same memory) for vector_add; the same launches issued eagerly for the
graph row. On the CUDA backend every row but the pool row has a plain-C
baseline (hal/cuda.Baseline): loops in C that call libcuda in the same
process, each in one call that makes the context current once, as a C
program would: cuLaunchKernel, cuStreamSynchronize, cuEventRecord and
cuEventSynchronize for the launch and event rows, cuMemcpyHtoD, cuMemcpyDtoH
and cuMemcpyAsync on the same buffers for the copies, the same vector_add
launch, and the same chain as a native CUDA graph for the graph row. On HIP
and Vulkan those rows say "baseline: n/a". The pool row compares against
Malloc+Free on every backend.

Progress goes to standard error, the table (or JSON with -json) to standard
output. -quick uses small sizes and short rounds (a few seconds in all); the
full run takes about a minute.
`

// benchJSON is the documented shape of "streamhal bench -json" (version 1).
type benchJSON struct {
	Version int         `json:"version"`
	Device  benchDevice `json:"device"`
	Module  string      `json:"module"`
	Quick   bool        `json:"quick"`
	Rows    []benchRow  `json:"rows"`
}

type benchDevice struct {
	Ordinal int    `json:"ordinal"`
	Name    string `json:"name"`
	Backend string `json:"backend"`
}

// benchRow is one measured operation. Baseline and Ratio are null when the
// row has no baseline on this backend; BaselineName then says why.
type benchRow struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Value        float64  `json:"value"`
	Unit         string   `json:"unit"`
	Baseline     *float64 `json:"baseline"`
	BaselineName string   `json:"baseline_name"`
	Ratio        *float64 `json:"ratio"` // operation time / baseline time
	Rounds       int      `json:"rounds"`
	OpsPerRound  int      `json:"ops_per_round"`
}

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
const benchRowCount = 11

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

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchUsage, stderr)
	backend := fs.String("backend", "", "benchmark the first device of this backend: cpu, cuda, hip (or amdgpu), vulkan")
	var device deviceFlag
	fs.Var(&device, "device", "benchmark the device with ordinal `N` (see streamhal devices; default: the default device)")
	module := fs.String("module", "", "module with the empty and vector_add kernels (default: "+testKernelsRel+" found from the working directory or the source)")
	quick := fs.Bool("quick", false, "small sizes and short rounds (a few seconds)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *module == "" {
		p, err := findTestKernels()
		if err != nil {
			return err
		}
		*module = p
	}
	rt, statuses, err := openRuntime(*backend, stderr)
	if err != nil {
		return err
	}
	if rt == nil {
		return fmt.Errorf("backend %s: %v", statuses[0].Name, statuses[0].Err)
	}
	defer rt.Close()
	dev, err := pickDevice(rt, device)
	if err != nil {
		return err
	}
	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	rows, err := benchOn(dev, *module, cfg, stderr)
	if err != nil {
		return err
	}
	out := benchJSON{Version: 1, Device: benchDevice{Ordinal: dev.Ordinal(), Name: dev.Name(), Backend: dev.Backend()},
		Module: *module, Quick: *quick, Rows: rows}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeBenchText(stdout, out)
	return nil
}

// noBaseline says why a row with a host baseline has none on dev.
func noBaseline(dev *streaming.Device) string {
	return "n/a on " + dev.Backend()
}

// openCUDABaseline opens the plain-C libcuda baseline on a CUDA device with
// the kernels of modulePath. When it cannot, the rows say why instead of
// failing the run.
func openCUDABaseline(dev *streaming.Device, modulePath string, progress io.Writer) (*cuda.Baseline, string) {
	image, err := modfile.ReadFile(modulePath)
	if err == nil {
		var cb *cuda.Baseline
		if cb, err = cuda.NewBaseline(dev.HAL(), image); err == nil {
			return cb, ""
		}
	}
	fmt.Fprintf(progress, "bench: no plain-C libcuda baseline: %v\n", err)
	return nil, fmt.Sprintf("n/a (plain-C libcuda baseline: %v)", err)
}

// cBase names a plain-C libcuda baseline.
func cBase(what string) string { return "plain C on libcuda: " + what }

// benchOn runs every row on dev with kernels from modulePath.
func benchOn(dev *streaming.Device, modulePath string, cfg benchConfig, progress io.Writer) ([]benchRow, error) {
	bg := context.Background()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		return nil, err
	}
	defer dev.PrimaryContextRelease()
	mod, err := ctx.LoadModule(modulePath)
	if err != nil {
		return nil, err
	}
	defer mod.Close()
	empty, err := mod.Function("empty")
	if err != nil {
		return nil, fmt.Errorf("module %s: %w (bench needs the empty and vector_add test kernels)", modulePath, err)
	}
	vadd, err := mod.Function("vector_add")
	if err != nil {
		return nil, fmt.Errorf("module %s: %w (bench needs the empty and vector_add test kernels)", modulePath, err)
	}
	s, err := ctx.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	onCPU := dev.Backend() == "cpu"
	na := noBaseline(dev)
	var cb *cuda.Baseline // the plain-C baseline on CUDA devices
	if dev.Backend() == "cuda" {
		cb, na = openCUDABaseline(dev, modulePath, progress)
		if cb != nil {
			defer cb.Close()
		}
	}
	b := &bencher{cfg: cfg, progress: progress, total: benchRowCount}
	one := streaming.D1(1)

	// Launches and events.
	var enqTimer timer
	enqName := "none (absolute)"
	if cb != nil {
		enqTimer, enqName = cb.LaunchEnqueue, cBase("cuLaunchKernel loop, then one cuStreamSynchronize (untimed)")
	}
	err = b.row("launch_enqueue", "launch enqueue (empty kernel)", perUS(), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := s.Launch(empty, one, one, 0); err != nil {
				return 0, err
			}
		}
		d := time.Since(t0)
		return d, s.Synchronize(bg)
	}, enqTimer, enqName)
	if err != nil {
		return nil, err
	}
	var pp *pingPong
	var launchTimer, eventTimer timer
	launchName, eventName := na, na
	switch {
	case onCPU:
		pp = newPingPong()
		defer pp.close()
		launchTimer, eventTimer = pp.timer, pp.timer
		launchName, eventName = "Go channel round trip to a goroutine", "Go channel round trip to a goroutine"
	case cb != nil:
		launchTimer, launchName = cb.LaunchSync, cBase("cuLaunchKernel + cuStreamSynchronize")
		eventTimer, eventName = cb.EventSync, cBase("cuEventRecord + cuEventSynchronize, timing event")
	}
	err = b.row("launch_sync", "launch + synchronize", perUS(), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := s.Launch(empty, one, one, 0); err != nil {
				return 0, err
			}
			if err := s.Synchronize(bg); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}, launchTimer, launchName)
	if err != nil {
		return nil, err
	}
	ev, err := ctx.NewEvent(streaming.EventDefault)
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	err = b.row("event_sync", "event record + synchronize", perUS(), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := ev.Record(s); err != nil {
				return 0, err
			}
			if err := ev.Synchronize(bg); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}, eventTimer, eventName)
	if err != nil {
		return nil, err
	}

	// Copies.
	size := cfg.copyBytes
	sz := bytesIEC(size)
	dbuf, err := ctx.Malloc(size)
	if err != nil {
		return nil, err
	}
	defer ctx.Free(dbuf)
	dbuf2, err := ctx.Malloc(size)
	if err != nil {
		return nil, err
	}
	defer ctx.Free(dbuf2)
	pinned, err := ctx.MallocHost(size, 0)
	if err != nil {
		return nil, err
	}
	defer pinned.Free()
	pageable := make([]byte, size)
	goBuf := make([]byte, size)
	for i := range pageable {
		pageable[i] = byte(i*7 + i>>11)
	}
	// Check the copies once before timing them.
	if err := ctx.MemcpyHtoD(dbuf, pageable); err != nil {
		return nil, err
	}
	clear(pinned.Bytes())
	if err := ctx.MemcpyDtoH(pinned.Bytes(), dbuf); err != nil {
		return nil, err
	}
	if !bytes.Equal(pinned.Bytes(), pageable) {
		return nil, fmt.Errorf("HtoD then DtoH of %d bytes did not round-trip the data: %w", size, streaming.ErrLaunchFailed)
	}
	goCopy := func(dst, src []byte) timer {
		return func(n int) (time.Duration, error) {
			t0 := time.Now()
			for i := 0; i < n; i++ {
				copy(dst, src)
			}
			return time.Since(t0), nil
		}
	}
	// copyRow measures op against Go's copy (CPU) or the plain-C libcuda
	// copy cTimer (CUDA).
	copyRow := func(id, name string, op func() error, goBase, cTimer timer, cName string) error {
		base, baseName := timer(nil), na
		switch {
		case onCPU:
			base, baseName = goBase, "Go copy of "+sz
		case cb != nil:
			base, baseName = cTimer, cName
		}
		return b.row(id, name+" "+sz, gbps(size), func(n int) (time.Duration, error) {
			t0 := time.Now()
			for i := 0; i < n; i++ {
				if err := op(); err != nil {
					return 0, err
				}
			}
			return time.Since(t0), nil
		}, base, baseName)
	}
	// The plain-C copies use the same device and host buffers.
	pageableP, pinnedP := unsafe.Pointer(&pageable[0]), unsafe.Pointer(&pinned.Bytes()[0])
	cHtoD := func(src unsafe.Pointer) timer {
		return func(n int) (time.Duration, error) { return cb.CopyHtoD(uint64(dbuf), src, size, n) }
	}
	cDtoH := func(dst unsafe.Pointer) timer {
		return func(n int) (time.Duration, error) { return cb.CopyDtoH(dst, uint64(dbuf), size, n) }
	}
	htodName, dtohName := cBase("cuMemcpyHtoD of the same buffers"), cBase("cuMemcpyDtoH to the same buffers")
	if err := copyRow("htod_pageable", "HtoD pageable", func() error { return ctx.MemcpyHtoD(dbuf, pageable) }, goCopy(goBuf, pageable), cHtoD(pageableP), htodName); err != nil {
		return nil, err
	}
	if err := copyRow("htod_pinned", "HtoD page-locked", func() error { return ctx.MemcpyHtoD(dbuf, pinned.Bytes()) }, goCopy(goBuf, pinned.Bytes()), cHtoD(pinnedP), htodName); err != nil {
		return nil, err
	}
	if err := copyRow("dtoh_pageable", "DtoH pageable", func() error { return ctx.MemcpyDtoH(pageable, dbuf) }, goCopy(pageable, goBuf), cDtoH(pageableP), dtohName); err != nil {
		return nil, err
	}
	if err := copyRow("dtoh_pinned", "DtoH page-locked", func() error { return ctx.MemcpyDtoH(pinned.Bytes(), dbuf) }, goCopy(pinned.Bytes(), goBuf), cDtoH(pinnedP), dtohName); err != nil {
		return nil, err
	}
	var dtodBase timer
	dtodName := na
	if h1, h2 := hostView(ctx, dbuf, size), hostView(ctx, dbuf2, size); h1 != nil && h2 != nil {
		dtodBase, dtodName = goCopy(h2, h1), "Go copy of "+sz+" on the same memory"
	} else if cb != nil {
		dtodBase = func(n int) (time.Duration, error) { return cb.CopyDtoD(uint64(dbuf2), uint64(dbuf), size, n) }
		dtodName = cBase("cuMemcpyAsync + cuStreamSynchronize of the same buffers")
	}
	err = b.row("dtod", "DtoD "+sz, gbps(size), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := ctx.MemcpyDtoD(dbuf2, dbuf, size); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}, dtodBase, dtodName)
	if err != nil {
		return nil, err
	}

	// vector_add.
	vn := cfg.vecN
	va, err := ctx.Malloc(4 * vn)
	if err != nil {
		return nil, err
	}
	defer ctx.Free(va)
	vb, err := ctx.Malloc(4 * vn)
	if err != nil {
		return nil, err
	}
	defer ctx.Free(vb)
	vc, err := ctx.Malloc(4 * vn)
	if err != nil {
		return nil, err
	}
	defer ctx.Free(vc)
	if err := ctx.MemsetD32(va, math.Float32bits(1), vn); err != nil {
		return nil, err
	}
	if err := ctx.MemsetD32(vb, math.Float32bits(2), vn); err != nil {
		return nil, err
	}
	if err := ctx.MemsetD32(vc, 0x7fc00000, vn); err != nil { // NaN: poison
		return nil, err
	}
	launchAdd := func() error {
		if err := s.Launch(vadd, streaming.D1(uint32(vn/256)), streaming.D1(256), 0, va, vb, vc, uint32(vn)); err != nil {
			return err
		}
		return s.Synchronize(bg)
	}
	if err := launchAdd(); err != nil {
		return nil, err
	}
	if err := checkVectorAdd(ctx, vc, vn); err != nil {
		return nil, err
	}
	var vaddBase timer
	vaddName := na
	ha, hb, hc := hostView(ctx, va, 4*vn), hostView(ctx, vb, 4*vn), hostView(ctx, vc, 4*vn)
	if onCPU && ha != nil && hb != nil && hc != nil {
		threads := runtime.GOMAXPROCS(0)
		vaddBase = func(n int) (time.Duration, error) {
			t0 := time.Now()
			for i := 0; i < n; i++ {
				cbench.VectorAdd(unsafe.Pointer(&ha[0]), unsafe.Pointer(&hb[0]), unsafe.Pointer(&hc[0]), vn, threads)
			}
			return time.Since(t0), nil
		}
		vaddName = fmt.Sprintf("plain C over %d threads on the same memory (cbench.VectorAdd)", threads)
	} else if cb != nil {
		vaddBase = func(n int) (time.Duration, error) {
			return cb.VectorAdd(uint64(va), uint64(vb), uint64(vc), uint32(vn), n)
		}
		vaddName = cBase("the same launch + cuStreamSynchronize on the same buffers")
	}
	err = b.row("vector_add", fmt.Sprintf("vector_add %s floats", countName(vn)), perMS(), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := launchAdd(); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}, vaddBase, vaddName)
	if err != nil {
		return nil, err
	}

	// Graph replay.
	nodes := cfg.graphNodes
	g := streaming.NewGraph()
	lc := streaming.LaunchConfig{Grid: one, Block: one}
	var prev []*streaming.GraphNode
	for i := 0; i < nodes; i++ {
		nd, err := g.AddKernelNode(prev, empty, lc)
		if err != nil {
			return nil, err
		}
		prev = []*streaming.GraphNode{nd}
	}
	x, err := ctx.Instantiate(g)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	graphBase := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n*nodes; i++ {
			if err := s.Launch(empty, one, one, 0); err != nil {
				return 0, err
			}
		}
		err := s.Synchronize(bg)
		return time.Since(t0), err
	}
	graphName := fmt.Sprintf("the same %d launches issued eagerly", nodes)
	if cb != nil {
		graphBase = func(n int) (time.Duration, error) { return cb.GraphReplay(nodes, n) }
		graphName = cBase(fmt.Sprintf("the same %d-node chain as a native CUDA graph, cuGraphLaunch", nodes))
	}
	err = b.row("graph_per_node", fmt.Sprintf("graph replay per node (%d-node chain)", nodes), nsPer("node", nodes), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := x.Launch(s); err != nil {
				return 0, err
			}
		}
		err := s.Synchronize(bg)
		return time.Since(t0), err
	}, graphBase, graphName)
	if err != nil {
		return nil, err
	}

	// Pools.
	ps := cfg.poolBytes
	err = b.row("pool_alloc", "pool MallocAsync+FreeAsync "+bytesIEC(ps), perUS(), func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			p, err := s.MallocAsync(ps)
			if err != nil {
				return 0, err
			}
			if err := s.FreeAsync(p); err != nil {
				return 0, err
			}
		}
		d := time.Since(t0)
		return d, s.Synchronize(bg)
	}, func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			p, err := ctx.Malloc(ps)
			if err != nil {
				return 0, err
			}
			if err := ctx.Free(p); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}, "Malloc+Free "+bytesIEC(ps))
	if err != nil {
		return nil, err
	}
	return b.rows, nil
}

// hostView returns the host bytes of device memory at p when the backend
// maps it for the host (CPU), else nil.
func hostView(ctx *streaming.Context, p streaming.DevicePtr, n uint64) []byte {
	attr, err := ctx.PointerAttributes(p)
	if err != nil || attr.HostPtr == nil {
		return nil
	}
	return unsafe.Slice((*byte)(attr.HostPtr), n)
}

// checkVectorAdd checks samples of c (a = 1, b = 2) at the start, middle
// and end.
func checkVectorAdd(ctx *streaming.Context, c streaming.DevicePtr, n uint64) error {
	const k = 1024
	for _, off := range []uint64{0, n/2 - min(n/2, k/2), n - min(n, k)} {
		m := min(k, n-off)
		got := make([]float32, m)
		if err := streaming.CopyFromDeviceSync(ctx, got, c+streaming.DevicePtr(4*off)); err != nil {
			return err
		}
		for i, v := range got {
			if v != 3 {
				return fmt.Errorf("vector_add check: c[%d] = %v, want 3 (1 + 2): %w", off+uint64(i), v, streaming.ErrLaunchFailed)
			}
		}
	}
	return nil
}

// countName writes 1<<20 as 1M and 64<<20 as 64M.
func countName(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// num formats a measurement with about four significant digits and no
// exponent.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01 || a == 0:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func writeBenchText(w io.Writer, r benchJSON) {
	mode := "full run"
	if r.Quick {
		mode = "quick run"
	}
	fmt.Fprintf(w, "streamhal bench: device %d: %s (%s), %s\n\n", r.Device.Ordinal, r.Device.Name, r.Device.Backend, mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tvalue\tunit\tbaseline\tratio\tbaseline is")
	for _, row := range r.Rows {
		base, ratio := "-", "-"
		if row.Baseline != nil {
			base = num(*row.Baseline)
		}
		if row.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *row.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", row.Name, num(row.Value), row.Unit, base, ratio, row.BaselineName)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio = operation time / baseline time (below 1: faster than the baseline); medians of alternating rounds")
}
