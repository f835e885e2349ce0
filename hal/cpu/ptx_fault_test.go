package cpu_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// deadlockPTX: half the block waits at barrier 0, the other half at
// barrier 1.
const deadlockPTX = `.version 7.0
.target sm_80
.address_size 64
.visible .entry dead() {
  .reg .pred %p<2>;
  .reg .b32 %r<2>;
  mov.u32 %r1, %tid.x;
  setp.lt.u32 %p1, %r1, 16;
  @%p1 bar.sync 0;
  @!%p1 bar.sync 1;
  ret;
}
`

// wantBlockFault checks that err is a *hal.KernelFault of kernel in block
// b, wrapping sentinel, whose text says each of says.
func wantBlockFault(t *testing.T, err error, kernel string, b hal.Dim3, sentinel error, says ...string) {
	t.Helper()
	kf := wantFault(t, err, sentinel, kernel, says...)
	if !kf.BlockKnown || kf.Block != b {
		t.Errorf("fault in block %v (known %v), want %v", kf.Block, kf.BlockKnown, b)
	}
}

// TestPTXLibraryFaults: traps and deadlocked barriers of translated PTX,
// which the library reports (streamhal_cpu_take_fault), fail the launch
// with a KernelFault naming the block, the way a signal does.
func TestPTXLibraryFaults(t *testing.T) {
	needCC(t)
	r := newPTXRig(t)
	exe := r.load(t, hal.FormatPTX, []byte(deadlockPTX))
	err := r.launch(t, exe, "dead", hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 3, Z: 1}, Block: d1(32)})
	wantFault(t, err, hal.ErrLaunchFailed, "dead")
	err = r.launch(t, exe, "dead", hal.LaunchConfig{Grid: d1(1), Block: d1(32)})
	wantBlockFault(t, err, "dead", hal.Dim3{X: 0, Y: 0, Z: 0}, hal.ErrLaunchFailed, "deadlock", "wait at different barriers")

	// In a graph, a chain of single-block launches runs in one call; the
	// fault names the launch that faulted, and the rest of the chain does
	// not run.
	k, err := exe.Kernel("dead")
	if err != nil {
		t.Fatal(err)
	}
	ok := r.load(t, hal.FormatPTX, readTestdata(t, "test_kernels.sm_80.ptx"))
	empty, err := ok.Kernel("empty")
	if err != nil {
		t.Fatal(err)
	}
	one := hal.LaunchConfig{Grid: d1(1), Block: d1(32)}
	g, err := r.dev.Instantiate(&hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeKernel, Kernel: empty, Launch: one},
		{Kind: hal.NodeKernel, Kernel: k, Launch: one, Deps: []int{0}},
		{Kind: hal.NodeKernel, Kernel: empty, Launch: one, Deps: []int{1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := r.q.Execute(g); err != nil {
		t.Fatal(err)
	}
	wantBlockFault(t, r.q.Synchronize(context.Background()), "dead", hal.Dim3{}, hal.ErrLaunchFailed, "deadlock")

	// grid.sync() outside a cooperative launch: the grid workspace is
	// NULL and the kernel traps, as cooperative groups do on CUDA.
	r2 := newPTXRig(t)
	coop := r2.load(t, hal.FormatPTX, coopFaultsPTX(t))
	count := r2.alloc(t, 4)
	err = r2.launch(t, coop, "grid_fault", hal.LaunchConfig{Grid: d1(1), Block: d1(64), Args: pack(count.Device, int32(-1), int32(0))})
	wantBlockFault(t, err, "grid_fault", hal.Dim3{X: 0, Y: 0, Z: 0}, hal.ErrLaunchFailed, "trap", "PTX line 30")
	if hal.Sticky(err) != true {
		t.Errorf("a trap is not sticky: %v", err)
	}
}

// TestPTXCooperative: a cooperative launch of a kernel that waits at
// cooperative groups' grid barrier (through %envreg1/%envreg2) runs all
// its blocks at once, more blocks than the pool has workers; a block that
// faults ends the launch with its fault while the others leave the
// barrier; a grid too large to run at once is refused.
func TestPTXCooperative(t *testing.T) {
	needCC(t)
	haltest.InSubprocess(t, func(t *testing.T) {
		src := coopFaultsPTX(t)
		for _, blocks := range []uint32{1, 3, 64} {
			r := newPTXRig(t)
			exe := r.load(t, hal.FormatPTX, src)
			count := r.alloc(t, 4)
			*(*int32)(count.Host) = 0
			start := time.Now()
			err := r.launch(t, exe, "grid_fault", hal.LaunchConfig{Grid: d1(blocks), Block: d1(96), Cooperative: true,
				Args: pack(count.Device, int32(-1), int32(0))})
			if err != nil {
				t.Fatalf("%d blocks: %v", blocks, err)
			}
			if got := *(*int32)(count.Host); got != int32(blocks) {
				t.Errorf("%d blocks: %d passed the grid barrier", blocks, got)
			}
			t.Logf("%d blocks through one grid barrier: %v", blocks, time.Since(start))
		}
		for _, c := range []struct {
			how      int32
			sentinel error
			says     string
		}{{1, hal.ErrLaunchFailed, "trap"}, {2, hal.ErrIllegalAddress, "null pointer"}} {
			r := newPTXRig(t)
			exe := r.load(t, hal.FormatPTX, src)
			count := r.alloc(t, 4)
			*(*int32)(count.Host) = 0
			k, err := exe.Kernel("grid_fault")
			if err != nil {
				t.Fatal(err)
			}
			if err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(16), Block: d1(64), Cooperative: true, Args: pack(count.Device, int32(5), c.how)}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			err = r.q.Synchronize(ctx)
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("fault %d: the other blocks still wait at the grid barrier", c.how)
			}
			wantBlockFault(t, err, "grid_fault", hal.Dim3{X: 5, Y: 0, Z: 0}, c.sentinel, c.says)
			if got := *(*int32)(count.Host); got != 0 {
				t.Errorf("fault %d: %d blocks passed a barrier block 5 never reached", c.how, got)
			}
		}
		r := newPTXRig(t)
		exe := r.load(t, hal.FormatPTX, src)
		k, _ := exe.Kernel("grid_fault")
		count := r.alloc(t, 4)
		err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(1025), Block: d1(32), Cooperative: true, Args: pack(count.Device, int32(-1), int32(0))})
		if !errors.Is(err, hal.ErrCooperativeLaunchTooLarge) {
			t.Errorf("cooperative launch of 1025 blocks: %v, want ErrCooperativeLaunchTooLarge", err)
		}
	})
}

// coopFaultsPTX is testdata/coop_faults.sm_80.ptx (from coop_faults.cu).
func coopFaultsPTX(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/coop_faults.sm_80.ptx")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
