package hip

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestFakeCloseStuckKernel: over the fake runtime (which runs the CPU
// fault kernels' spin_forever for the code object's spin_forever), Close
// of an instance whose kernel never ends returns after the close timeout
// with hal.ErrTimeout naming the kernel, instead of hanging in
// hipStreamSynchronize; the kernel ends once its flag is set. In a child
// process, whose fake loads the fault kernels.
func TestFakeCloseStuckKernel(t *testing.T) {
	const env = "STREAM_HAL_HIP_TEST_CHILD"
	if os.Getenv(env) != "stuck" {
		path := fakeRuntime(t, "rocm6")
		lib, err := haltest.FaultKernels()
		if err != nil {
			t.Skip(err)
		}
		so := filepath.Join(t.TempDir(), "fault_kernels.so")
		if err := os.WriteFile(so, lib, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestFakeCloseStuckKernel$", "-test.v")
		cmd.Env = append(os.Environ(), env+"=stuck", "FAKEHIP_KERNELS="+so, "STREAM_HAL_HIP_FAKE="+path)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	const timeout = 500 * time.Millisecond
	inst, err := openWith(hal.Config{CloseTimeout: timeout}, []string{os.Getenv("STREAM_HAL_HIP_FAKE")})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.Devices()[0]
	exe, err := d.Load(hal.FormatAMDGPU, readTestdata(t, "spin_forever.gfx90a.hsaco"))
	if err != nil {
		t.Fatal(err)
	}
	spin, err := exe.Kernel("spin_forever")
	if err != nil {
		t.Fatal(err)
	}
	flag, err := d.Allocate(hal.MemoryHost, 16)
	if err != nil {
		t.Fatal(err)
	}
	words := (*[4]atomic.Uint32)(flag.Host)
	for i := range words {
		words[i].Store(0)
	}
	q, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	args := make([]byte, 16)
	for i := 0; i < 8; i++ {
		args[i] = byte(flag.Device >> (8 * i))
		args[8+i] = byte((flag.Device + 4) >> (8 * i))
	}
	if err := q.Dispatch(spin, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 1, Y: 1, Z: 1}, Args: args}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err = q.Synchronize(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Synchronize with a deadline: %v, want DeadlineExceeded", err)
	}
	start := time.Now()
	err = inst.Close()
	el := time.Since(start)
	t.Logf("instance Close after %v: %v", el, err)
	if !errors.Is(err, hal.ErrTimeout) || !strings.Contains(err.Error(), "kernel spin_forever") || !strings.Contains(err.Error(), "device 0") {
		t.Errorf("Close with a kernel that never ends: %v, want hal.ErrTimeout naming spin_forever and device 0", err)
	}
	if el > timeout+5*time.Second {
		t.Errorf("Close took %v with a %v timeout", el, timeout)
	}
	words[0].Store(1)
	deadline := time.Now().Add(10 * time.Second)
	for words[1].Load() != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if v := words[1].Load(); v != 2 {
		t.Errorf("the released kernel wrote %d, want 2", v)
	}
}
