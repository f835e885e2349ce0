package cuda

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestCloseStuckKernel runs a child process that launches spin_forever, a
// kernel that waits for a flag in page-locked host memory, and closes the
// instance under it: Close must return after the close timeout with
// hal.ErrTimeout instead of hanging, leaving the context (and the flag)
// alive, and the kernel ends once the flag is set. On the GPU machine:
// STREAM_HAL_TEST_TARGET=cuda STREAM_HAL_REQUIRE=cuda ./cuda.test
// -test.run TestCloseStuckKernel -test.v.
func TestCloseStuckKernel(t *testing.T) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") == "stuck" {
		var libs []string
		if p := os.Getenv("STREAM_HAL_CUDA_MOCKLIB"); p != "" {
			libs = []string{p}
		}
		const timeout = 500 * time.Millisecond
		inst, err := (&Driver{libraries: libs}).Open(hal.Config{CloseTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		d := inst.Devices()[0]
		exe, err := d.Load(hal.FormatPTX, readTestdata(t, "spin_forever.sm_80.ptx"))
		if err != nil {
			t.Fatal(err)
		}
		spin, err := exe.Kernel("spin_forever")
		if err != nil {
			t.Fatal(err)
		}
		haltest.CloseStuckKernel(t, inst, d, spin, timeout, "device 0")
		return
	}
	testDevice(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCloseStuckKernel$", "-test.v")
	cmd.Env = append(os.Environ(), "STREAM_HAL_CUDA_CHILD=stuck")
	if onMock {
		cmd.Env = append(cmd.Env, "STREAM_HAL_CUDA_MOCKLIB="+mockLib)
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
