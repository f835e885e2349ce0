package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
)

// skipUnavailable skips t when err says the backend under test is not
// available.
func skipUnavailable(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, hal.ErrNotAvailable) {
		haltest.SkipUnavailable(t, os.Getenv("STREAM_HAL_TEST_TARGET"), err)
	}
}

// TestVectorAdd runs the example as the command does and checks its
// output. It follows STREAM_HAL_TEST_TARGET like every other test.
func TestVectorAdd(t *testing.T) {
	t.Cleanup(func() { hip.HALDeinit() })
	var out bytes.Buffer
	if err := run(nil, &out); err != nil {
		skipUnavailable(t, err)
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "Using device: ") || !strings.Contains(got, "Result: ✓ SUCCESS\n") {
		t.Fatalf("output:\n%s", got)
	}
	// The example cleans up after itself: nothing is left allocated and
	// no call failed on the way.
	rt, err := hip.Runtime()
	if err != nil {
		t.Fatal(err)
	}
	if n := rt.LiveAllocations(); n != 0 {
		t.Errorf("%d allocations left", n)
	}
	if err := hip.GetLastError(); err != nil {
		t.Errorf("last error: %v", err)
	}
}

func TestMissingModule(t *testing.T) {
	t.Cleanup(func() { hip.HALDeinit() })
	var out bytes.Buffer
	err := run([]string{"-module", "/nonexistent/vector_add.fat"}, &out)
	skipUnavailable(t, err)
	if hip.ErrorOf(err) != hip.HipErrorFileNotFound {
		t.Fatalf("missing module: got %v, want hipErrorFileNotFound", err)
	}
	if !strings.Contains(err.Error(), "hipModuleLoad") {
		t.Errorf("error does not name the call: %v", err)
	}
}

func TestWrongKernelModule(t *testing.T) {
	t.Cleanup(func() { hip.HALDeinit() })
	// A file that is not a module at all.
	bad := t.TempDir() + "/bad.fat"
	if err := os.WriteFile(bad, []byte("not a module"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run([]string{"-module", bad}, &out)
	skipUnavailable(t, err)
	if hip.ErrorOf(err) != hip.HipErrorInvalidImage {
		t.Fatalf("bad module: got %v, want hipErrorInvalidImage", err)
	}
}
