package cpu_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
)

// The launch hot path of the driver, where the fault guard sits (a
// thread-local store and a sigsetjmp per call into kernel code). Compare
// against a build without it by running the same benchmarks there.

type benchRig struct {
	inst hal.Instance
	dev  hal.Device
	exe  hal.Executable
	q    hal.Queue
}

func newBenchRig(b *testing.B) *benchRig {
	b.Helper()
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		b.Fatal(err)
	}
	lib, err := haltest.CPUKernels()
	if err != nil {
		b.Fatal(err)
	}
	r := &benchRig{inst: inst, dev: inst.Devices()[0]}
	if r.exe, err = r.dev.Load(hal.FormatCPUELF, lib); err != nil {
		b.Fatal(err)
	}
	if r.q, err = r.dev.NewQueue(hal.QueueOptions{}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		r.q.Close()
		r.exe.Close()
		r.inst.Close()
	})
	return r
}

func (r *benchRig) kernel(b *testing.B, name string) hal.Kernel {
	k, err := r.exe.Kernel(name)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// launchSync dispatches k with cfg and waits for it.
func (r *benchRig) launchSync(b *testing.B, k hal.Kernel, cfg hal.LaunchConfig) {
	if err := r.q.Dispatch(k, cfg); err != nil {
		b.Fatal(err)
	}
	if err := r.q.Synchronize(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDispatchEmpty: one empty single-block launch and a
// synchronize: the driver's fixed cost per launch.
func BenchmarkDispatchEmpty(b *testing.B) {
	r := newBenchRig(b)
	k := r.kernel(b, "empty")
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}
	for b.Loop() {
		r.launchSync(b, k, cfg)
	}
}

// BenchmarkDispatchEmptyBatch: 100 empty launches enqueued, then one
// synchronize (reported per launch).
func BenchmarkDispatchEmptyBatch(b *testing.B) {
	r := newBenchRig(b)
	k := r.kernel(b, "empty")
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}
	ctx := context.Background()
	for b.Loop() {
		for i := 0; i < 100; i++ {
			if err := r.q.Dispatch(k, cfg); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.q.Synchronize(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/launch")
}

// BenchmarkDispatchManyBlocks: 65536 empty blocks spread over the worker
// pool in chunks: one guarded call per chunk.
func BenchmarkDispatchManyBlocks(b *testing.B) {
	r := newBenchRig(b)
	k := r.kernel(b, "empty")
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 65536, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}
	for b.Loop() {
		r.launchSync(b, k, cfg)
	}
}

// BenchmarkVectorAdd1M: vector_add over 1M floats, 256-thread blocks.
func BenchmarkVectorAdd1M(b *testing.B) {
	r := newBenchRig(b)
	k := r.kernel(b, "vector_add")
	const n = 1 << 20
	var ptrs [3]uint64
	for i := range ptrs {
		a, err := r.dev.Allocate(hal.MemoryDevice, 4*n)
		if err != nil {
			b.Fatal(err)
		}
		ptrs[i] = a.Device
		defer r.dev.Free(hal.MemoryDevice, a.Device)
	}
	args := make([]byte, 28)
	for i, p := range ptrs {
		binary.LittleEndian.PutUint64(args[8*i:], p)
	}
	binary.LittleEndian.PutUint32(args[24:], n)
	cfg := hal.LaunchConfig{Grid: hal.Dim3{X: n / 256, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: args}
	b.SetBytes(12 * n)
	for b.Loop() {
		r.launchSync(b, k, cfg)
	}
}

// BenchmarkGraphChain: a 100-node chain of single-block empty launches,
// run as one guarded call (reported per node).
func BenchmarkGraphChain(b *testing.B) {
	r := newBenchRig(b)
	k := r.kernel(b, "empty")
	g := &hal.Graph{}
	for i := 0; i < 100; i++ {
		n := hal.Node{Kind: hal.NodeKernel, Kernel: k, Launch: hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}}}
		if i > 0 {
			n.Deps = []int{i - 1}
		}
		g.Nodes = append(g.Nodes, n)
	}
	x, err := r.dev.Instantiate(g)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	for b.Loop() {
		if err := r.q.Execute(x); err != nil {
			b.Fatal(err)
		}
		if err := r.q.Synchronize(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/node")
}
