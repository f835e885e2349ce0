package vulkan

import (
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestConformance runs the hal conformance suite with the project's SPIR-V
// test kernels (testdata/test_kernels.spv).
func TestConformance(t *testing.T) {
	haltest.Run(t, Driver{}, haltest.Options{Config: hal.Config{Logf: func(level int, format string, args ...any) {
		t.Logf(format, args...)
	}}})
}
