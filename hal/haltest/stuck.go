package haltest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// CloseStuckKernel checks bounded Close on a driver: it launches spin (a
// spin_forever kernel of d, see SpinModule) on a fresh queue of d, checks
// that Synchronize with a deadline gives up, closes inst under the running
// kernel and checks that Close returns hal.ErrTimeout within timeout plus a
// few seconds, with every string of want in its text; then it sets the
// kernel's flag and checks that the released kernel still finishes (the
// flag and done words live in host memory that Close had to leave alone).
// inst must have been opened with timeout as its hal.Config.CloseTimeout.
// Run it in a child process (InSubprocess): the stuck kernel's device stays
// allocated.
func CloseStuckKernel(t *testing.T, inst hal.Instance, d hal.Device, spin hal.Kernel, timeout time.Duration, want ...string) {
	t.Helper()
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
	one := hal.Dim3{X: 1, Y: 1, Z: 1}
	if err := q.Dispatch(spin, hal.LaunchConfig{Grid: one, Block: one, Args: args}); err != nil {
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
	if !errors.Is(err, hal.ErrTimeout) {
		t.Errorf("Close with a kernel that never ends: %v, want hal.ErrTimeout", err)
	}
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Close with a kernel that never ends: %v, want it to name %q", err, w)
		}
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
