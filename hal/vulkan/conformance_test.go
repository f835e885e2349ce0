package vulkan

import (
	"os"
	"path/filepath"
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

// TestConformancePTX runs the suite with the project's CUDA test kernels
// as PTX (testdata/test_kernels.sm_80.ptx, built by clang from
// kernels/gpu/test_kernels.cu), which the driver translates to SPIR-V.
func TestConformancePTX(t *testing.T) {
	haltest.Run(t, Driver{}, haltest.Options{
		Config: hal.Config{Logf: func(level int, format string, args ...any) {
			if level <= 2 {
				t.Logf(format, args...)
			}
		}},
		Module: func(dev hal.Device) (hal.Format, []byte, error) {
			dir, err := haltest.TestdataDir()
			if err != nil {
				return "", nil, err
			}
			b, err := os.ReadFile(filepath.Join(dir, "test_kernels.sm_80.ptx"))
			return hal.FormatPTX, b, err
		},
	})
}
