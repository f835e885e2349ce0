package hip

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
			t.Fatal(err)
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
	haltest.CloseStuckKernel(t, inst, d, spin, timeout, "kernel spin_forever", "device 0")
}
