package vulkan

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestGraphReplayAndUpdate(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	const n = 5000
	a, b, c := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
	av := make([]float32, n)
	for i := range av {
		av[i] = float32(i)
	}
	putFloats(t, d, a.Device, av)
	k := kernelOf(t, x, "vector_add_scaled")
	kcfg := func(alpha float32) hal.LaunchConfig {
		cfg := launch1D(n, 128)
		cfg.Args = (&args{}).ptr(a.Device).ptr(b.Device).ptr(c.Device).f32(alpha).f32(1).u32(n).bytes()
		return cfg
	}
	var hostRuns atomic.Int32
	var seen []float32
	g := &hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeFill, Dst: b.Device, Size: 4 * n, Pattern: 0x3f800000, PatternSize: 4}, // b = 1.0
		{Kind: hal.NodeKernel, Deps: []int{0}, Kernel: k, Launch: kcfg(2)},                    // c = 2a + b
		{Kind: hal.NodeHost, Deps: []int{1}, Host: func() {
			hostRuns.Add(1)
			seen = getFloats(t, d, c.Device, 4)
		}},
		{Kind: hal.NodeCopy, Deps: []int{2}, Dst: b.Device, Src: c.Device, Size: 4 * n}, // b = c
		{Kind: hal.NodeEmpty, Deps: []int{3}},
	}}
	ge, err := d.Instantiate(g)
	if err != nil {
		t.Fatal(err)
	}
	defer ge.Close()
	check := func(alpha float32, runs int32) {
		t.Helper()
		poison(t, d, c.Device, 4*n)
		if err := q.Execute(ge); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		gb, gc := getFloats(t, d, b.Device, n), getFloats(t, d, c.Device, n)
		for i := 0; i < n; i++ {
			want := alpha*av[i] + 1
			if gc[i] != want || gb[i] != want {
				t.Fatalf("alpha %v: c[%d] = %v, b[%d] = %v, want %v", alpha, i, gc[i], i, gb[i], want)
			}
		}
		if hostRuns.Load() != runs {
			t.Errorf("host node ran %d times, want %d", hostRuns.Load(), runs)
		}
		if seen[3] != alpha*3+1 {
			t.Errorf("host node saw c[3] = %v, want %v", seen[3], alpha*3+1)
		}
	}
	check(2, 1)
	check(2, 2) // replay
	if err := ge.Update(1, hal.Node{Kind: hal.NodeKernel, Kernel: k, Launch: kcfg(-3)}); err != nil {
		t.Fatal(err)
	}
	check(-3, 3)
	// Update while a previous execution is still queued behind a gate.
	gate := make(chan struct{})
	q.HostCall(func() { <-gate })
	if err := q.Execute(ge); err != nil {
		t.Fatal(err)
	}
	if err := ge.Update(1, hal.Node{Kind: hal.NodeKernel, Kernel: k, Launch: kcfg(5)}); err != nil {
		t.Fatal(err)
	}
	close(gate)
	syncQ(t, q)
	check(5, 5)

	other := kernelOf(t, x, "vector_add")
	if err := ge.Update(1, hal.Node{Kind: hal.NodeKernel, Kernel: other, Launch: kcfg(1)}); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("changing the kernel: %v, want not supported", err)
	}
	if err := ge.Update(1, hal.Node{Kind: hal.NodeCopy}); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("changing the kind: %v, want not supported", err)
	}
	if err := ge.Update(9, hal.Node{Kind: hal.NodeEmpty}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("updating node 9: %v", err)
	}
	// Fill and copy parameters can change.
	if err := ge.Update(0, hal.Node{Kind: hal.NodeFill, Dst: b.Device, Size: 4 * n, Pattern: 0, PatternSize: 4}); err != nil {
		t.Fatal(err)
	}
	poison(t, d, c.Device, 4*n)
	q.Execute(ge)
	syncQ(t, q)
	gc := getFloats(t, d, c.Device, n)
	for i := 0; i < n; i++ {
		if gc[i] != 5*av[i] {
			t.Fatalf("after fill update: c[%d] = %v, want %v", i, gc[i], 5*av[i])
		}
	}
}

func TestGraphEventsAcrossQueues(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q1, q2 := newQueue(t, d), newQueue(t, d)
	defer closeAll(t, q1, q2)
	e, _ := d.NewEvent(0)
	defer e.Close()
	const n = 1024
	a := alloc(t, d, hal.MemoryDevice, 4*n)
	k := kernelOf(t, x, "vector_add")
	cfg := launch1D(n, 64)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(n).bytes()
	producer, err := d.Instantiate(&hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeFill, Dst: a.Device, Size: 4 * n, Pattern: 0x3f800000, PatternSize: 4},
		{Kind: hal.NodeEventRecord, Deps: []int{0}, Event: e},
	}})
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := d.Instantiate(&hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeEventWait, Event: e},
		{Kind: hal.NodeKernel, Deps: []int{0}, Kernel: k, Launch: cfg},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(t, producer, consumer)
	gate := make(chan struct{})
	q1.HostCall(func() { <-gate })
	q1.Execute(producer)
	q2.Execute(consumer)
	close(gate)
	syncQ(t, q2)
	got := getFloats(t, d, a.Device, n)
	for i, v := range got {
		if v != 2 {
			t.Fatalf("a[%d] = %v, want 2", i, v)
		}
	}
	syncQ(t, q1)
}

func TestGraphInvalid(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	a := alloc(t, d, hal.MemoryDevice, 64)
	bad := []*hal.Graph{
		{Nodes: []hal.Node{{Kind: hal.NodeCopy, Dst: a.Device, Src: 0x10, Size: 4}}},
		{Nodes: []hal.Node{{Kind: hal.NodeFill, Dst: a.Device + 62, Size: 4, PatternSize: 1}}},
		{Nodes: []hal.Node{{Kind: hal.NodeKernel, Kernel: kernelOf(t, x, "empty"), Launch: hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}}}}},
		{Nodes: []hal.Node{{Kind: hal.NodeEmpty, Deps: []int{0}}}},
	}
	for i, g := range bad {
		if _, err := d.Instantiate(g); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("graph %d: %v, want invalid value", i, err)
		}
	}
}
