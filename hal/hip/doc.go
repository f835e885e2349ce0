// Package hip is streamhal's driver for AMD GPUs through the HIP runtime,
// registered as "hip". It loads libamdhip64 at run time with dlopen (the
// sonames of ROCm 6 and 5, then libamdhip64.so; see Libraries), so building
// needs no ROCm SDK and a machine without the runtime or without a device
// gets an error wrapping hal.ErrNotAvailable that says which:
//
//	hal/hip: not available: libamdhip64.so not found (...)
//	hal/hip: not available: no AMD device (hipGetDeviceCount: hipErrorNoDevice: ...)
//
// The mapping onto the HIP runtime API:
//
//   - devices: hipGetDeviceCount, hipDeviceGetName, hipDeviceTotalMem,
//     hipDeviceGetUuid, hipDeviceGetAttribute (HIP's own attribute
//     numbering), and the processor name (DeviceInfo.Arch "gfx90a") from
//     gcnArchName of hipGetDevicePropertiesR0600, or the R0000 layout on
//     ROCm 5;
//   - queues: non-blocking streams with priorities; events with timing;
//     host functions with hipLaunchHostFunc (hipStreamAddCallback on
//     runtimes without it), a panic in one becoming the queue's next
//     Synchronize error;
//   - memory: hipMalloc, mapped hipHostMalloc, hipMallocManaged,
//     hipHostRegister; copies with hipMemcpyAsync(hipMemcpyDefault) and
//     fills with hipMemsetD8/D16/D32Async;
//   - modules: AMDGPU code objects with hipModuleLoadData; each kernel's
//     parameter layout comes from the code object's metadata (.args offsets
//     and sizes, via hal/modfile), and launches hand the packed argument
//     buffer to hipModuleLaunchKernel as HIP_LAUNCH_PARAM_BUFFER_POINTER;
//   - graphs: native HIP graphs, updated in place with
//     hipGraphExec*SetParams;
//   - peers (hal.PeerDevice) and managed-memory advice (hal.Advisor).
//
// HIP keeps the current device per OS thread. The driver never relies on
// it between calls: every device-scoped C wrapper calls hipSetDevice and
// then the runtime function within one cgo call, which runs on one thread
// from start to end, so no goroutine ever observes another device's
// selection.
package hip
