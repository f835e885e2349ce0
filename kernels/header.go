// Package kernels carries the CPU kernel ABI header, kernels/streamhal_cpu.h,
// for Go code that generates CPU kernel libraries (the PTX to C translator
// in ptx/cgen embeds it in its output, so the generated C compiles with no
// include path).
package kernels

import _ "embed"

// CPUHeader is the text of streamhal_cpu.h.
//
//go:embed streamhal_cpu.h
var CPUHeader string
