package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

func TestVectorAdd(t *testing.T) {
	var out bytes.Buffer
	args := []string{"-n", "100003"}
	if b := os.Getenv("STREAM_HAL_TEST_TARGET"); b != "" {
		args = append(args, "-backend", b)
	}
	if err := run(args, &out); err != nil {
		haltest.SkipUnavailable(t, os.Getenv("STREAM_HAL_TEST_TARGET"), err)
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "SUCCESS") || !strings.Contains(out.String(), "device: ") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-n", "0"}, &out); err == nil {
		t.Error("-n 0: no error")
	}
	if err := run([]string{"-module", "/nonexistent.fat"}, &out); err == nil {
		t.Error("missing module: no error")
	}
}
