package streaming_test

import (
	"errors"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

// doubleVia runs y = 2*x through graph memory: alloc → copy x in → kernel
// (tmp = tmp + tmp) → copy out to y → free, on s (eager or captured).
func doubleVia(t *testing.T, e *env, s *streaming.Stream, x, y streaming.DevicePtr, n int) {
	t.Helper()
	f := e.fn(t, "vector_add_scaled")
	tmp, err := s.MallocAsync(uint64(4 * n))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MemcpyAsync(tmp, x, uint64(4*n)); err != nil {
		t.Fatal(err)
	}
	if err := s.LaunchConfigured(f, cfg1(n), tmp, tmp, tmp, float32(1), float32(1), uint32(n)); err != nil {
		t.Fatal(err)
	}
	if err := s.MemcpyAsync(y, tmp, uint64(4*n)); err != nil {
		t.Fatal(err)
	}
	if err := s.FreeAsync(tmp); err != nil {
		t.Fatal(err)
	}
}

// MallocAsync and FreeAsync captured into a graph become allocation and
// free nodes; the graph computes what the same calls compute eagerly, on
// every launch.
func TestGraphMemCaptureMatchesEager(t *testing.T) {
	e := newEnv(t)
	const n = 3000
	src := seq(n, func(i int) float32 { return float32(i%97) - 40 })
	x := e.malloc(t, 4*n)
	e.upload(t, x, src)
	yEager, yGraph := e.malloc(t, 4*n), e.malloc(t, 4*n)
	e.upload(t, yEager, poisoned(n))
	e.upload(t, yGraph, poisoned(n))
	s := e.stream(t, streaming.StreamNonBlocking)
	doubleVia(t, e, s, x, yEager, n)
	syncStream(t, s)

	live := e.rt.LiveAllocations()
	if err := s.BeginCapture(streaming.CaptureModeGlobal); err != nil {
		t.Fatal(err)
	}
	doubleVia(t, e, s, x, yGraph, n)
	g, err := s.EndCapture()
	if err != nil {
		t.Fatal(err)
	}
	var types []streaming.GraphNodeType
	for _, nd := range g.Nodes() {
		types = append(types, nd.Type())
	}
	want := []streaming.GraphNodeType{streaming.GraphNodeMemAlloc, streaming.GraphNodeMemcpy, streaming.GraphNodeKernel, streaming.GraphNodeMemcpy, streaming.GraphNodeMemFree}
	if len(types) != len(want) {
		t.Fatalf("captured node types %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("captured node types %v, want %v", types, want)
		}
	}
	ap, err := g.Nodes()[0].MemAllocParams()
	if err != nil || ap.Size != 4*n || ap.Device != e.dev || ap.Ptr == 0 {
		t.Errorf("allocation node params %+v, %v", ap, err)
	}
	if fp, err := g.Nodes()[4].MemFreeAddress(); err != nil || fp != ap.Ptr {
		t.Errorf("free node address %#x, %v; want %#x", uint64(fp), err, uint64(ap.Ptr))
	}
	if r, _ := e.dev.GraphMemAttribute(streaming.GraphMemReservedMemCurrent); r < 4*n {
		t.Errorf("graph memory reserved %d with a %d-byte allocation node", r, 4*n)
	}
	x1 := e.instantiate(t, g)
	for launch := 0; launch < 3; launch++ {
		e.upload(t, yGraph, poisoned(n))
		if err := x1.Launch(s); err != nil {
			t.Fatalf("launch %d: %v", launch, err)
		}
		syncStream(t, s)
		got, ref := e.download(t, yGraph, n), e.download(t, yEager, n)
		for i := range got {
			if got[i] != ref[i] || got[i] != 2*src[i] {
				t.Fatalf("launch %d: graph [%d] = %v, eager %v, want %v", launch, i, got[i], ref[i], 2*src[i])
			}
		}
	}
	// A second exec of a graph with allocation nodes is refused while the
	// first exists.
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("second instantiation: %v, want ErrInvalidValue", err)
	}
	if err := x1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := g.Destroy(); err != nil {
		t.Fatal(err)
	}
	if got := e.rt.LiveAllocations(); got != live {
		t.Errorf("%d allocations after the graph and its exec are gone, want %d", got, live)
	}
	if r, _ := e.dev.GraphMemAttribute(streaming.GraphMemReservedMemCurrent); r != 0 {
		t.Errorf("graph memory reserved %d after the graph is gone", r)
	}
}

// An allocation the graph does not free is the stream's after the launch:
// it can be read and freed there, and the graph cannot run again before.
func TestGraphMemAllocWithoutFree(t *testing.T) {
	e := newEnv(t)
	const n = 1024
	g := streaming.NewGraph()
	defer g.Destroy()
	alloc, err := g.AddMemAllocNode(nil, e.dev, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	ap, _ := alloc.MemAllocParams()
	set, err := g.AddMemsetNode([]*streaming.GraphNode{alloc}, streaming.MemsetNodeParams{Dst: ap.Ptr, Value: 0x3f800000, ElementSize: 4, Width: n, Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = set
	x := e.instantiate(t, g)
	s := e.stream(t, streaming.StreamNonBlocking)
	if err := x.Launch(s); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	if u, _ := e.dev.GraphMemAttribute(streaming.GraphMemUsedMemCurrent); u < 4*n {
		t.Errorf("graph memory in use %d after a launch that keeps %d bytes", u, 4*n)
	}
	for i, v := range e.download(t, ap.Ptr, n) {
		if v != 1 {
			t.Fatalf("graph memory [%d] = %v after the launch, want 1", i, v)
		}
	}
	if err := x.Launch(s); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("relaunch with the allocation not freed: %v, want ErrInvalidValue", err)
	}
	if err := s.FreeAsync(ap.Ptr); err != nil {
		t.Fatal(err)
	}
	if err := s.FreeAsync(ap.Ptr); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("second FreeAsync of graph memory: %v, want ErrInvalidValue", err)
	}
	if err := x.Launch(s); err != nil {
		t.Fatalf("relaunch after FreeAsync: %v", err)
	}
	syncStream(t, s)
	if err := e.ctx.Free(ap.Ptr); err != nil {
		t.Fatalf("Free of graph memory a launch allocated: %v", err)
	}
	if err := e.ctx.Free(ap.Ptr); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("second Free: %v, want ErrInvalidValue", err)
	}
	// Another graph frees it: only while it is allocated.
	g2 := streaming.NewGraph()
	defer g2.Destroy()
	if _, err := g2.AddMemFreeNode(nil, e.rt, ap.Ptr); err != nil {
		t.Fatal(err)
	}
	x2 := e.instantiate(t, g2)
	if err := x2.Launch(s); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("free node of memory that is not allocated: %v, want ErrInvalidValue", err)
	}
	if err := x.Launch(s); err != nil {
		t.Fatal(err)
	}
	if err := x2.Launch(s); err != nil {
		t.Fatalf("another graph's free node: %v", err)
	}
	if err := x.Launch(s); err != nil {
		t.Fatalf("relaunch after another graph freed the memory: %v", err)
	}
	syncStream(t, s)
	s.FreeAsync(ap.Ptr)
	syncStream(t, s)
}

// Misuse of memory nodes is refused with typed errors, never run.
func TestGraphMemMisuse(t *testing.T) {
	e := newEnv(t)
	const n = 256
	f := e.fn(t, "vector_add_scaled")
	plain := e.malloc(t, 4*n)

	g := streaming.NewGraph()
	defer g.Destroy()
	if _, err := g.AddMemFreeNode(nil, e.rt, plain); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("free node of Malloc memory: %v, want ErrInvalidValue", err)
	}
	if _, err := g.AddMemAllocNode(nil, e.dev, 0); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("allocation node of 0 bytes: %v, want ErrInvalidValue", err)
	}
	alloc, err := g.AddMemAllocNode(nil, e.dev, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	ap, _ := alloc.MemAllocParams()
	if _, err := g.AddMemFreeNode(nil, e.rt, ap.Ptr+4); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("free node inside the allocation: %v, want ErrInvalidValue", err)
	}
	free, err := g.AddMemFreeNode([]*streaming.GraphNode{alloc}, e.rt, ap.Ptr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.AddMemFreeNode([]*streaming.GraphNode{free}, e.rt, ap.Ptr); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("second free node of the same memory: %v, want ErrInvalidValue", err)
	}
	// Use after the free node.
	k, err := g.AddKernelNode([]*streaming.GraphNode{free}, f, cfg1(n), ap.Ptr, ap.Ptr, ap.Ptr, float32(1), float32(1), uint32(n))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("kernel after the free node: %v, want ErrInvalidValue", err)
	}
	// Not ordered after the allocation.
	g.DestroyNode(k)
	cp, err := g.AddMemcpyNode(nil, plain, ap.Ptr, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("copy not ordered after the allocation: %v, want ErrInvalidValue", err)
	}
	// Ordered after the allocation but not before the free: a race.
	g.DestroyNode(cp)
	cp, _ = g.AddMemcpyNode([]*streaming.GraphNode{alloc}, plain, ap.Ptr, 4*n)
	if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("copy not ordered before the free: %v, want ErrInvalidValue", err)
	}
	// Properly ordered: alloc → copy → free.
	if err := g.AddDependencies([]*streaming.GraphNode{cp}, []*streaming.GraphNode{free}); err != nil {
		t.Fatal(err)
	}
	x := e.instantiate(t, g)
	s := e.stream(t, streaming.StreamNonBlocking)
	if err := x.Launch(s); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	// Graphs with memory nodes are no child graphs.
	parent := streaming.NewGraph()
	defer parent.Destroy()
	if _, err := parent.AddChildGraphNode(nil, g); !errors.Is(err, streaming.ErrNotSupported) {
		t.Errorf("child graph with memory nodes: %v, want ErrNotSupported", err)
	}
	// Free of graph memory that no launch allocated.
	if err := s.FreeAsync(ap.Ptr); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("FreeAsync of graph memory the graph freed: %v, want ErrInvalidValue", err)
	}
	// A captured FreeAsync of memory no graph allocated invalidates the
	// capture.
	if err := s.BeginCapture(streaming.CaptureModeRelaxed); err != nil {
		t.Fatal(err)
	}
	if err := s.FreeAsync(plain); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("captured FreeAsync of Malloc memory: %v, want ErrInvalidValue", err)
	}
	if _, err := s.EndCapture(); !errors.Is(err, streaming.ErrCaptureInvalidated) {
		t.Errorf("end of the capture: %v, want ErrCaptureInvalidated", err)
	}
	// The launch of a graph with memory nodes cannot be captured.
	if err := s.BeginCapture(streaming.CaptureModeRelaxed); err != nil {
		t.Fatal(err)
	}
	if err := x.Launch(s); !errors.Is(err, streaming.ErrCaptureUnsupported) {
		t.Errorf("captured launch of a graph with memory nodes: %v, want ErrCaptureUnsupported", err)
	}
	s.EndCapture()
}
