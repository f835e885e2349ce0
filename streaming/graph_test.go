package streaming_test

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

func (e *env) upload(t testing.TB, p streaming.DevicePtr, v []float32) {
	t.Helper()
	if err := streaming.CopyToDeviceSync(e.ctx, p, v); err != nil {
		t.Fatal(err)
	}
}

func (e *env) download(t testing.TB, p streaming.DevicePtr, n int) []float32 {
	t.Helper()
	out := poisoned(n)
	if err := streaming.CopyFromDeviceSync(e.ctx, out, p); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) instantiate(t testing.TB, g *streaming.Graph) *streaming.GraphExec {
	t.Helper()
	x, err := e.ctx.Instantiate(g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func cfg1(n int) streaming.LaunchConfig {
	return streaming.LaunchConfig{Grid: streaming.D1(uint32((n + 127) / 128)), Block: streaming.D1(128)}
}

func TestGraphChain(t *testing.T) {
	e := newEnv(t)
	const n, nodes = 3000, 1000
	c, one := e.malloc(t, 4*n), e.malloc(t, 4*n)
	e.ctx.MemsetD32(one, math.Float32bits(1), n)
	f := e.fn(t, "vector_add_scaled")
	g := streaming.NewGraph()
	var prev []*streaming.GraphNode
	first, err := g.AddMemsetNode(nil, streaming.MemsetNodeParams{Dst: c, Value: 0, ElementSize: 4, Width: n, Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	prev = []*streaming.GraphNode{first}
	for i := 0; i < nodes; i++ {
		node, err := g.AddKernelNode(prev, f, cfg1(n), c, one, c, float32(1), float32(1), uint32(n))
		if err != nil {
			t.Fatal(err)
		}
		prev = []*streaming.GraphNode{node}
	}
	if got := len(g.Nodes()); got != nodes+1 {
		t.Fatalf("%d nodes, want %d", got, nodes+1)
	}
	from, _ := g.Edges()
	if len(from) != nodes {
		t.Fatalf("%d edges, want %d", len(from), nodes)
	}
	x := e.instantiate(t, g)
	s := e.stream(t, streaming.StreamNonBlocking)
	for rep := 0; rep < 3; rep++ {
		if err := x.Launch(s); err != nil {
			t.Fatal(err)
		}
		syncStream(t, s)
		for i, v := range e.download(t, c, n) {
			if v != nodes {
				t.Fatalf("replay %d: c[%d] = %v, want %d", rep, i, v, nodes)
			}
		}
	}
}

func TestGraphDiamondAndFanOut(t *testing.T) {
	e := newEnv(t)
	const n = 5000
	a, b, c, d := e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n)
	src := seq(n, func(i int) float32 { return float32(i%100) - 50 })
	e.upload(t, a, src)
	scaled, add := e.fn(t, "vector_add_scaled"), e.fn(t, "vector_add")
	g := streaming.NewGraph()
	root, _ := g.AddMemsetNode(nil, streaming.MemsetNodeParams{Dst: d, Value: 0x7fc00001, ElementSize: 4, Width: n, Height: 1})
	left, _ := g.AddKernelNode([]*streaming.GraphNode{root}, scaled, cfg1(n), a, a, b, float32(1), float32(1), uint32(n))  // b = 2a
	right, _ := g.AddKernelNode([]*streaming.GraphNode{root}, scaled, cfg1(n), a, a, c, float32(2), float32(1), uint32(n)) // c = 3a
	join, err := g.AddKernelNode([]*streaming.GraphNode{left, right}, add, cfg1(n), b, c, d, uint32(n))                    // d = 5a
	if err != nil {
		t.Fatal(err)
	}
	// Fan-out/fan-in of host nodes after the join.
	var ran atomic.Int32
	var fan []*streaming.GraphNode
	for i := 0; i < 16; i++ {
		h, _ := g.AddHostNode([]*streaming.GraphNode{join}, func() { ran.Add(1) })
		fan = append(fan, h)
	}
	var atJoin int32 = -1
	g.AddHostNode(fan, func() { atJoin = ran.Load() })
	if deps := join.Dependencies(); len(deps) != 2 {
		t.Errorf("join has %d dependencies, want 2", len(deps))
	}
	if dependents := root.Dependents(); len(dependents) != 2 {
		t.Errorf("root has %d dependents, want 2", len(dependents))
	}
	x := e.instantiate(t, g)
	if err := x.Launch(nil); err != nil {
		t.Fatal(err)
	}
	syncStream(t, e.ctx.DefaultStream())
	for i, v := range e.download(t, d, n) {
		if v != 5*src[i] {
			t.Fatalf("d[%d] = %v, want %v", i, v, 5*src[i])
		}
	}
	if ran.Load() != 16 || atJoin != 16 {
		t.Errorf("fan-out ran %d host nodes, the fan-in saw %d; want 16 and 16", ran.Load(), atJoin)
	}
}

// A random 1000-node DAG of host nodes: every node runs once, after all of
// its dependencies.
func TestGraphRandomDAG(t *testing.T) {
	e := newEnv(t)
	const nodes = 1000
	rng := rand.New(rand.NewSource(1))
	g := streaming.NewGraph()
	var mu sync.Mutex
	var order []int
	pos := make([]int, nodes)
	var all []*streaming.GraphNode
	deps := make([][]int, nodes)
	for i := 0; i < nodes; i++ {
		var ds []*streaming.GraphNode
		for k := 0; k < 3 && i > 0; k++ {
			j := rng.Intn(i)
			dup := false
			for _, x := range deps[i] {
				dup = dup || x == j
			}
			if !dup {
				deps[i] = append(deps[i], j)
				ds = append(ds, all[j])
			}
		}
		node, err := g.AddHostNode(ds, func() { mu.Lock(); pos[i] = len(order); order = append(order, i); mu.Unlock() })
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, node)
	}
	x := e.instantiate(t, g)
	s := e.stream(t, 0)
	x.Launch(s)
	syncStream(t, s)
	if len(order) != nodes {
		t.Fatalf("%d nodes ran, want %d", len(order), nodes)
	}
	for i := range deps {
		for _, j := range deps[i] {
			if pos[j] > pos[i] {
				t.Fatalf("node %d ran before its dependency %d", i, j)
			}
		}
	}
}

func TestGraphStructureErrors(t *testing.T) {
	e := newEnv(t)
	g := streaming.NewGraph()
	a, _ := g.AddEmptyNode(nil)
	b, _ := g.AddEmptyNode([]*streaming.GraphNode{a})
	if err := g.AddDependencies([]*streaming.GraphNode{b}, []*streaming.GraphNode{a}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("Instantiate with a cycle: got %v, want ErrInvalidValue", err)
	}
	if err := g.RemoveDependencies([]*streaming.GraphNode{b}, []*streaming.GraphNode{a}); err != nil {
		t.Fatal(err)
	}
	if err := g.RemoveDependencies([]*streaming.GraphNode{b}, []*streaming.GraphNode{a}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("removing a missing edge: got %v", err)
	}
	other := streaming.NewGraph()
	if _, err := other.AddEmptyNode([]*streaming.GraphNode{a}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("dependency from another graph: got %v", err)
	}
	if _, err := g.AddMemcpyNode(nil, streaming.DevicePtr(0x10), streaming.DevicePtr(0x20), 4); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("memcpy node with foreign pointers: got %v, want ErrInvalidValue", err)
	}
	clone, err := g.Clone()
	if err != nil || len(clone.Nodes()) != 3 {
		t.Fatalf("Clone: %d nodes, %v", len(clone.Nodes()), err)
	}
	if err := g.DestroyNode(b); err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes()) != 2 || len(clone.Nodes()) != 3 {
		t.Errorf("after DestroyNode: graph %d nodes, clone %d; want 2 and 3", len(g.Nodes()), len(clone.Nodes()))
	}
	if _, err := g.AddMemsetNode(nil, streaming.MemsetNodeParams{ElementSize: 3}); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("memset node with element size 3: got %v", err)
	}
	g.Destroy()
	if _, err := g.AddEmptyNode(nil); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("add to a destroyed graph: got %v", err)
	}
}

func TestGraphChildMemsetAndEvents(t *testing.T) {
	e := newEnv(t)
	const w, h, pitch = 10, 5, 64 // elements, rows, bytes
	d := e.malloc(t, pitch*h)
	e.ctx.MemsetD8(d, 0xEE, pitch*h)
	child := streaming.NewGraph()
	child.AddMemsetNode(nil, streaming.MemsetNodeParams{Dst: d, Value: 0x11223344, ElementSize: 4, Width: w, Height: h, Pitch: pitch})
	ev, _ := e.ctx.NewEvent(0)
	defer ev.Close()
	g := streaming.NewGraph()
	c, err := g.AddChildGraphNode(nil, child)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := g.AddEventRecordNode([]*streaming.GraphNode{c}, ev)
	var after bool
	g.AddHostNode([]*streaming.GraphNode{rec}, func() { after = ev.Query() == nil })
	x := e.instantiate(t, g)
	s := e.stream(t, 0)
	if err := x.Launch(s); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	got := make([]byte, pitch*h)
	e.ctx.MemcpyDtoH(got, d)
	for r := 0; r < h; r++ {
		for i := 0; i < pitch; i++ {
			want := byte(0xEE)
			if i < 4*w {
				want = []byte{0x44, 0x33, 0x22, 0x11}[i%4]
			}
			if got[r*pitch+i] != want {
				t.Fatalf("row %d byte %d = %#x, want %#x", r, i, got[r*pitch+i], want)
			}
		}
	}
	if !after || ev.Query() != nil {
		t.Error("the event record node did not mark the event")
	}
}

func TestGraphExecUpdate(t *testing.T) {
	e := newEnv(t)
	const n = 2048
	a, b, out1, out2 := e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n)
	e.upload(t, a, seq(n, func(i int) float32 { return float32(i) }))
	e.upload(t, b, seq(n, func(i int) float32 { return 1 }))
	f := e.fn(t, "vector_add_scaled")
	build := func(alpha float32, out streaming.DevicePtr, extra bool) (*streaming.Graph, *streaming.GraphNode) {
		g := streaming.NewGraph()
		k, _ := g.AddKernelNode(nil, f, cfg1(n), a, b, out, alpha, float32(1), uint32(n))
		if extra {
			g.AddEmptyNode([]*streaming.GraphNode{k})
		}
		return g, k
	}
	g1, k1 := build(2, out1, false)
	x := e.instantiate(t, g1)
	s := e.stream(t, 0)
	check := func(out streaming.DevicePtr, alpha float32) {
		t.Helper()
		for i, v := range e.download(t, out, n) {
			if want := alpha*float32(i) + 1; v != want {
				t.Fatalf("out[%d] = %v, want %v", i, v, want)
			}
		}
	}
	x.Launch(s)
	syncStream(t, s)
	check(out1, 2)
	g2, _ := build(5, out2, false)
	if err := x.Update(g2); err != nil {
		t.Fatalf("Update with new arguments: %v", err)
	}
	x.Launch(s)
	syncStream(t, s)
	check(out2, 5)
	g3, _ := build(7, out2, true)
	var ue *streaming.GraphExecUpdateError
	if err := x.Update(g3); !errors.As(err, &ue) || ue.Result != streaming.GraphExecUpdateErrorTopologyChanged {
		t.Errorf("Update with another topology: got %v, want TopologyChanged", err)
	}
	// Set one node's parameters directly on the exec.
	p, _ := k1.KernelParams()
	p.Args, _ = streaming.PackArgs(f.Params(), a, b, out1, float32(-1), float32(1), uint32(n))
	if err := x.SetKernelNodeParams(k1, p); err != nil {
		t.Fatal(err)
	}
	x.Launch(s)
	syncStream(t, s)
	check(out1, -1)
}

// Capturing the vector_add pipeline gives the same result as running it.
func TestCaptureEqualsEager(t *testing.T) {
	e := newEnv(t)
	const n = 10007
	host, err := e.ctx.MallocHost(4*n*3, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Free()
	hv := streaming.HostSlice[float32](host)
	ha, hb, hc := hv[:n], hv[n:2*n], hv[2*n:]
	for i := 0; i < n; i++ {
		ha[i], hb[i] = float32(i)*0.5, float32(n-i)
	}
	da, db, dc := e.malloc(t, 4*n), e.malloc(t, 4*n), e.malloc(t, 4*n)
	f := e.fn(t, "vector_add")
	pipeline := func(s *streaming.Stream) error {
		if err := s.MemcpyHtoDAsync(da, host.Bytes()[:4*n]); err != nil {
			return err
		}
		if err := s.MemcpyHtoDAsync(db, host.Bytes()[4*n:8*n]); err != nil {
			return err
		}
		if err := s.Launch(f, streaming.D1((n+255)/256), streaming.D1(256), 0, da, db, dc, uint32(n)); err != nil {
			return err
		}
		return s.MemcpyAsync(host.DevicePtr()+8*n, dc, 4*n)
	}
	s := e.stream(t, streaming.StreamNonBlocking)
	if err := pipeline(s); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	eager := append([]float32(nil), hc...)
	for i := range hc {
		hc[i] = float32(math.NaN())
	}
	if err := s.BeginCapture(streaming.CaptureModeGlobal); err != nil {
		t.Fatal(err)
	}
	if st := s.IsCapturing(); st != streaming.CaptureStatusActive {
		t.Fatalf("IsCapturing = %v", st)
	}
	if err := pipeline(s); err != nil {
		t.Fatal(err)
	}
	info := s.CaptureInfo()
	if info.Status != streaming.CaptureStatusActive || len(info.Dependencies) != 1 || info.ID == 0 {
		t.Errorf("CaptureInfo = %+v", info)
	}
	g, err := s.EndCapture()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes()) != 4 {
		t.Errorf("captured %d nodes, want 4", len(g.Nodes()))
	}
	for i := range hc {
		if !math.IsNaN(float64(hc[i])) {
			t.Fatal("capture ran the work")
		}
	}
	x := e.instantiate(t, g)
	x.Launch(s)
	syncStream(t, s)
	for i := range hc {
		if hc[i] != eager[i] || hc[i] != ha[i]+hb[i] {
			t.Fatalf("graph result[%d] = %v, eager %v", i, hc[i], eager[i])
		}
	}
}

// Capture across streams: fork through an event, join back through another.
func TestCaptureForkJoin(t *testing.T) {
	e := newEnv(t)
	main, side := e.stream(t, streaming.StreamNonBlocking), e.stream(t, streaming.StreamNonBlocking)
	fork, _ := e.ctx.NewEvent(0)
	join, _ := e.ctx.NewEvent(0)
	defer fork.Close()
	defer join.Close()
	var mu sync.Mutex
	var order []string
	note := func(s string) func() { return func() { mu.Lock(); order = append(order, s); mu.Unlock() } }
	main.BeginCapture(streaming.CaptureModeRelaxed)
	main.LaunchHostFunc(note("A"))
	fork.Record(main)
	if err := side.WaitEvent(fork); err != nil {
		t.Fatal(err)
	}
	if side.IsCapturing() != streaming.CaptureStatusActive {
		t.Fatal("the side stream did not join the capture")
	}
	side.LaunchHostFunc(note("B"))
	main.LaunchHostFunc(note("C"))
	join.Record(side)
	main.WaitEvent(join)
	main.LaunchHostFunc(note("D"))
	g, err := main.EndCapture()
	if err != nil {
		t.Fatal(err)
	}
	if side.IsCapturing() != streaming.CaptureStatusNone {
		t.Error("the side stream is still capturing after EndCapture")
	}
	if len(g.Nodes()) != 4 {
		t.Fatalf("%d nodes, want 4", len(g.Nodes()))
	}
	x := e.instantiate(t, g)
	x.Launch(main)
	syncStream(t, main)
	if len(order) != 4 || order[0] != "A" || order[3] != "D" {
		t.Errorf("order %v: want A first and D last", order)
	}

	// A fork that is not joined back fails EndCapture.
	main.BeginCapture(streaming.CaptureModeRelaxed)
	main.LaunchHostFunc(note("x"))
	fork.Record(main)
	side.WaitEvent(fork)
	side.LaunchHostFunc(note("y"))
	if _, err := main.EndCapture(); !errors.Is(err, streaming.ErrCaptureUnjoined) {
		t.Errorf("unjoined fork: got %v, want ErrCaptureUnjoined", err)
	}
	if side.IsCapturing() != streaming.CaptureStatusNone || main.IsCapturing() != streaming.CaptureStatusNone {
		t.Error("streams still capturing after a failed EndCapture")
	}
}

func TestCaptureMisuse(t *testing.T) {
	e := newEnv(t)
	s := e.stream(t, streaming.StreamDefault)
	if _, err := s.EndCapture(); !errors.Is(err, streaming.ErrIllegalState) {
		t.Errorf("EndCapture without capture: got %v, want ErrIllegalState", err)
	}
	if err := e.ctx.DefaultStream().BeginCapture(streaming.CaptureModeGlobal); !errors.Is(err, streaming.ErrCaptureUnsupported) {
		t.Errorf("capture of the legacy stream: got %v, want ErrCaptureUnsupported", err)
	}
	s.BeginCapture(streaming.CaptureModeGlobal)
	if err := s.BeginCapture(streaming.CaptureModeGlobal); !errors.Is(err, streaming.ErrIllegalState) {
		t.Errorf("second BeginCapture: got %v, want ErrIllegalState", err)
	}
	other := e.stream(t, streaming.StreamNonBlocking)
	if _, err := other.EndCapture(); !errors.Is(err, streaming.ErrIllegalState) {
		t.Errorf("EndCapture on a stream not capturing: got %v", err)
	}
	// Global mode forbids implicitly synchronizing calls anywhere.
	if _, err := e.ctx.Malloc(64); !errors.Is(err, streaming.ErrCaptureUnsupported) {
		t.Errorf("Malloc during a global capture: got %v, want ErrCaptureUnsupported", err)
	}
	// The legacy stream would depend on the capturing blocking stream.
	if err := e.ctx.DefaultStream().LaunchHostFunc(func() {}); !errors.Is(err, streaming.ErrCaptureImplicit) {
		t.Errorf("legacy stream work during a blocking stream's capture: got %v, want ErrCaptureImplicit", err)
	}
	if _, err := s.EndCapture(); !errors.Is(err, streaming.ErrCaptureInvalidated) {
		t.Errorf("EndCapture after an implicit dependency: got %v, want ErrCaptureInvalidated", err)
	}
	// Synchronizing a capturing stream is illegal and invalidates it.
	s.BeginCapture(streaming.CaptureModeRelaxed)
	p, err := e.ctx.Malloc(64) // relaxed mode allows it
	if err != nil {
		t.Fatalf("Malloc during a relaxed capture: %v", err)
	}
	defer e.ctx.Free(p)
	if err := s.Synchronize(context.Background()); !errors.Is(err, streaming.ErrCaptureUnsupported) {
		t.Errorf("Synchronize while capturing: got %v, want ErrCaptureUnsupported", err)
	}
	if s.IsCapturing() != streaming.CaptureStatusInvalidated {
		t.Errorf("IsCapturing after an illegal call = %v, want invalidated", s.IsCapturing())
	}
	if _, err := s.EndCapture(); !errors.Is(err, streaming.ErrCaptureInvalidated) {
		t.Errorf("EndCapture of an invalidated capture: got %v", err)
	}
	// Pageable copies cannot be captured.
	d := e.malloc(t, 16)
	s.BeginCapture(streaming.CaptureModeRelaxed)
	if err := s.MemcpyHtoDAsync(d, make([]byte, 16)); !errors.Is(err, streaming.ErrCaptureUnsupported) {
		t.Errorf("pageable HtoD during capture: got %v", err)
	}
	s.EndCapture()
	// UpdateCaptureDependencies.
	s.BeginCapture(streaming.CaptureModeRelaxed)
	s.LaunchHostFunc(func() {})
	first := s.CaptureInfo().Dependencies
	s.LaunchHostFunc(func() {})
	if err := s.UpdateCaptureDependencies(first, streaming.CaptureDependenciesAdd); err != nil {
		t.Fatal(err)
	}
	if deps := s.CaptureInfo().Dependencies; len(deps) != 2 {
		t.Errorf("after adding a dependency: %d, want 2", len(deps))
	}
	if err := s.UpdateCaptureDependencies(nil, streaming.CaptureDependenciesSet); err != nil || len(s.CaptureInfo().Dependencies) != 0 {
		t.Errorf("Set to none: %v, %d deps", err, len(s.CaptureInfo().Dependencies))
	}
	g, err := s.EndCapture()
	if err != nil || len(g.Nodes()) != 2 {
		t.Errorf("EndCapture: %v", err)
	}
}

// A graph launch inside a capture becomes a child graph node.
func TestCaptureGraphLaunch(t *testing.T) {
	e := newEnv(t)
	var runs atomic.Int32
	inner := streaming.NewGraph()
	inner.AddHostNode(nil, func() { runs.Add(1) })
	ix := e.instantiate(t, inner)
	s := e.stream(t, 0)
	s.BeginCapture(streaming.CaptureModeGlobal)
	ix.Launch(s)
	ix.Launch(s)
	g, err := s.EndCapture()
	if err != nil {
		t.Fatal(err)
	}
	if nodes := g.Nodes(); len(nodes) != 2 || nodes[0].Type() != streaming.GraphNodeGraph {
		t.Fatalf("captured %d nodes", len(nodes))
	}
	ox := e.instantiate(t, g)
	ox.Launch(s)
	syncStream(t, s)
	if runs.Load() != 2 {
		t.Errorf("inner graph ran %d times, want 2", runs.Load())
	}
}
