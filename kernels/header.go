// Package kernels holds the CPU kernel ABI header, kernels/streamhal_cpu.h,
// embedded so that programs built from the module (go get, go install)
// have it at run time: building a CPU kernel library from C, as the CPU
// backend does when it translates PTX, needs the header (internal/kbuild
// writes it beside the source; ptx/cgen inlines it into its output). The
// directory's other files (test kernels, compile.sh) are for the project's
// own builds.
package kernels

import _ "embed"

//go:embed streamhal_cpu.h
var cpuHeader string

// CPUHeaderName is the header's file name, as kernel sources #include it.
const CPUHeaderName = "streamhal_cpu.h"

// CPUHeader returns the text of streamhal_cpu.h.
func CPUHeader() string { return cpuHeader }
