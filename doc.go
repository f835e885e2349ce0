// Package streamhal runs code written against the shapes of the CUDA driver
// API and the HIP API on any backend: the CPU (the default, embedded, no GPU
// needed), NVIDIA GPUs through libcuda, AMD GPUs through libamdhip64, and any
// Vulkan device. Vendor libraries are loaded at run time, so a plain
// `go build` needs only gcc, and a machine without a GPU runs everything on
// the CPU.
//
// The packages:
//
//   - streaming: the idiomatic Go API — Runtime, Device, Context, Stream,
//     Event, Module, Function, Graph, GraphExec, MemPool, DevicePtr — with
//     error returns, no thread-local state, and goroutine-safe objects.
//   - cuda and hip: the driver APIs' names over streaming (cuda.MemAlloc,
//     hip.ModuleLaunchKernel, ...), with CUresult and hipError_t codes, for
//     porting C code line by line.
//   - hal: the driver contracts and registry; hal/cpu, hal/cuda,
//     hal/vulkan and hal/hip are the drivers, hal/haltest their conformance
//     suite.
//
// Device pointers are 64-bit addresses (DevicePtr), exactly like CUdeviceptr,
// on every backend; kernel arguments are packed into one buffer laid out
// like a C struct of the parameters, the buffer CUDA's
// CU_LAUNCH_PARAM_BUFFER_POINTER takes. Kernels come as raw binaries per
// backend (CPU kernel libraries, PTX/cubin/fatbin, AMDGPU code objects,
// SPIR-V) or as a streamhal fat module bundling them; see kernels/README.md.
//
// Environment: STREAM_HAL_TEST_TARGET (cpu, cuda, vulkan, amdgpu) restricts
// the backends, STREAM_HAL_DEVICE_ORDINAL picks the default device,
// STREAM_HAL_LOG_LEVEL (0..5) sets the log verbosity, STREAM_HAL_CPU_DEVICES
// sets the number of CPU devices.
package streamhal
