package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

// TestSoftmax runs the example on the test target's backend (the CPU by
// default; STREAM_HAL_TEST_TARGET=vulkan for lavapipe).
func TestSoftmax(t *testing.T) {
	backend := os.Getenv("STREAM_HAL_TEST_TARGET")
	if backend == "" {
		backend = "cpu"
	}
	var out bytes.Buffer
	err := run([]string{"-backend", backend, "-rows", "37", "-cols", "1531"}, &out)
	if err != nil {
		haltest.SkipUnavailable(t, backend, err)
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "SUCCESS") || strings.Contains(out.String(), "FAILURE") {
		t.Fatalf("output:\n%s", out.String())
	}
	t.Log(out.String())
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"-rows", "0"}, {"-cols", "-1"}, {"-backend", "nosuch"}} {
		if err := run(args, &out); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
