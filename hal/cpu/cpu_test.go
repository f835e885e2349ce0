package cpu_test

import (
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
)

func TestConformance(t *testing.T) {
	haltest.Run(t, cpu.Driver{}, haltest.Options{Config: hal.Config{Devices: 2}})
}
