package hip_test

import (
	"errors"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/hip"
)

// TestConformance runs the hal conformance suite on every AMD device. It
// skips where HIP is not available, and fails under STREAM_HAL_REQUIRE=hip
// (haltest's rule) or STREAM_HAL_REQUIRE=amdgpu (checked here first).
func TestConformance(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		inst, err := hip.Driver{}.Open(hal.Config{})
		if err == nil {
			err = inst.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil && errors.Is(err, hal.ErrNotAvailable) && haltest.Require("amdgpu") {
			t.Fatalf("STREAM_HAL_REQUIRE=amdgpu: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("Driver.Open did not return within 2 minutes")
	}
	haltest.Run(t, hip.Driver{}, haltest.Options{})
}
