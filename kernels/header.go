// Package kernels holds the CPU kernel ABI header, kernels/streamhal_cpu.h,
// embedded so that programs built from the module (go get, go install)
// have it at run time: building a CPU kernel library from C, as the CPU
// backend does when it translates PTX, needs the header (internal/kbuild
// writes it beside the source; ptx/cgen inlines it into its output). The
// directory's other files (test kernels, compile.sh) are for the project's
// own builds.
package kernels

import "embed"

//go:embed streamhal_cpu.h
var cpuHeader string

// CPUHeaderName is the header's file name, as kernel sources #include it.
const CPUHeaderName = "streamhal_cpu.h"

// CPUHeader returns the text of streamhal_cpu.h.
func CPUHeader() string { return cpuHeader }

//go:embed shal_printf.h
var printfC string

// PrintfC returns the text of shal_printf.h: CUDA's device printf
// formatted on the host (ptx/cgen emits it into every translated library;
// hal/vulkan includes it to print what kernels recorded).
func PrintfC() string { return printfC }

// The CUDA device headers of kernels/gpu: shal_gpu.h and what it includes.
// streamhal build (cmd/streamhal) writes them into a temporary directory
// that it puts on clang's include path, so that a program installed with
// go install compiles CUDA sources without a checkout or a CUDA toolkit.
//
//go:embed gpu/shal_gpu.h gpu/shal_gpu_common.h gpu/shal_gpu_nvptx.h gpu/shal_gpu_amdgpu.h gpu/shal_gpu_math.h
var gpuHeaders embed.FS

// GPUHeaderName is the name of the device header CUDA sources include
// (streamhal build includes it implicitly).
const GPUHeaderName = "shal_gpu.h"

// GPUHeaders returns the device headers by file name (shal_gpu.h and the
// files it includes).
func GPUHeaders() map[string]string {
	out := map[string]string{}
	ents, _ := gpuHeaders.ReadDir("gpu")
	for _, e := range ents {
		b, _ := gpuHeaders.ReadFile("gpu/" + e.Name())
		out[e.Name()] = string(b)
	}
	return out
}
