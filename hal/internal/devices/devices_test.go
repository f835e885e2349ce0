package devices

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// barrierCloser's Close returns only once every closer of its group has
// started closing (or after a long grace period, recording that they did
// not): closes that ran one after another would never all meet.
type barrierCloser struct {
	err     error
	started *sync.WaitGroup
	met     *bool
	mu      *sync.Mutex
}

func (c barrierCloser) Close() error {
	c.started.Done()
	done := make(chan struct{})
	go func() { c.started.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.mu.Lock()
		*c.met = false
		c.mu.Unlock()
	}
	return c.err
}

// TestCloseAll checks that every device is closed, together (each close
// waits for all the others to have started), and that the errors are
// joined.
func TestCloseAll(t *testing.T) {
	var started sync.WaitGroup
	var mu sync.Mutex
	met := true
	e1, e2 := errors.New("one"), errors.New("two")
	cs := make([]barrierCloser, 4)
	for i := range cs {
		cs[i] = barrierCloser{started: &started, met: &met, mu: &mu}
	}
	cs[1].err, cs[3].err = e1, e2
	cs[2].err = fmt.Errorf("closed already: %w", hal.ErrInvalidHandle)
	started.Add(len(cs))
	err := CloseAll(cs)
	if !met {
		t.Error("the devices were not closed together")
	}
	if !errors.Is(err, e1) || !errors.Is(err, e2) || errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("CloseAll: %v, want both errors and not the second close's", err)
	}
	if err := CloseAll([]barrierCloser{}); err != nil {
		t.Errorf("CloseAll of none: %v", err)
	}
}

// countingDevice is a hal.Device whose Close counts its calls.
type countingDevice struct {
	hal.Device
	closes *int
	err    error
}

func (d countingDevice) Close() error { *d.closes++; return d.err }

// TestSet checks that Set lists its devices in order and that CloseOnce
// closes each, then runs after, only the first time.
func TestSet(t *testing.T) {
	var n1, n2 int
	e := errors.New("device two")
	var s Set[countingDevice]
	s.All = append(s.All, countingDevice{closes: &n1}, countingDevice{closes: &n2, err: e})
	ds := s.Devices()
	if len(ds) != 2 || ds[0].(countingDevice).closes != &n1 || ds[1].(countingDevice).closes != &n2 {
		t.Fatalf("Devices: %v, want the two devices in order", ds)
	}
	afters := 0
	if err := s.CloseOnce(func() { afters++ }); !errors.Is(err, e) {
		t.Errorf("first CloseOnce: %v, want device two's error", err)
	}
	if err := s.CloseOnce(func() { afters++ }); err != nil {
		t.Errorf("second CloseOnce: %v, want nil", err)
	}
	if n1 != 1 || n2 != 1 || afters != 1 {
		t.Errorf("closes %d, %d and afters %d, want 1 each", n1, n2, afters)
	}
	var none Set[countingDevice]
	if len(none.Devices()) != 0 || none.CloseOnce(nil) != nil {
		t.Error("an empty Set lists devices or fails to close")
	}
}
