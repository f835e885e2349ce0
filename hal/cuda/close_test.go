package cuda

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
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
		if !errors.Is(err, hal.ErrTimeout) || !strings.Contains(err.Error(), "device 0") {
			t.Errorf("Close with a kernel that never ends: %v, want hal.ErrTimeout naming device 0", err)
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
