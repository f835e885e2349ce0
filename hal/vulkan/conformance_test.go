package vulkan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestConformance runs the hal conformance suite with the project's test
// kernels as this device gets them from testdata/test_kernels.fat (built
// by streamhal build from kernels/gpu/test_kernels.cu): the PTX entry,
// translated to SPIR-V by the driver (ptx/spirvgen).
func TestConformance(t *testing.T) {
	haltest.Run(t, Driver{}, haltest.Options{Config: hal.Config{Logf: func(level int, format string, args ...any) {
		t.Logf(format, args...)
	}}})
}

// TestConformancePTX runs the suite with the sm_80 PTX of the same kernels
// (testdata/test_kernels.sm_80.ptx, PTX ISA 7.0; the fat module's Vulkan
// choice is its sm_90 entry, ISA 7.8), which the driver translates.
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
