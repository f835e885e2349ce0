// Package hip offers the HIP runtime API in Go, call for call, on every
// streamhal backend: the CPU (the default, no GPU needed), NVIDIA GPUs
// through CUDA, AMD GPUs through HIP, and Vulkan devices. Code written
// against hipMalloc, hipModuleLaunchKernel and hipStreamSynchronize ports
// line by line to hip.Malloc, hip.ModuleLaunchKernel and
// hip.StreamSynchronize.
//
// The package is a thin layer over package streaming: every behaviour
// (memory, copies, stream ordering, events, modules, launches) lives there,
// and this package translates names, argument shapes and error codes. Its
// handles are streaming's objects (a Stream is a *streaming.Stream), so one
// program may use both.
//
// # Names and values
//
// Functions drop the "hip" prefix (hipMemcpyHtoD is MemcpyHtoD). Constants
// keep their C spelling with a capital first letter (hipMemcpyHostToDevice
// is HipMemcpyHostToDevice, hipErrorInvalidValue is HipErrorInvalidValue);
// upper-case C names are unchanged (HIP_LAUNCH_PARAM_END). Every enum and
// error value is the number hip_runtime_api.h gives it (ROCm 6.x).
//
// # Errors
//
// A C call returns a hipError_t and writes its results through pointers;
// here the results are return values followed by an error, as in
// golang.org/x/sys/unix:
//
//	p, err := hip.Malloc(n) // hipError_t hipMalloc(void** ptr, size_t size)
//
// The error is nil on success, else always an Error, the hipError_t with
// the exact value of hip_runtime_api.h: err == hip.HipErrorNotReady and
// errors.Is(err, hip.HipErrorNotReady) both work, and an Error also matches
// the hal sentinel it stands for (errors.Is(err, hal.ErrNotReady)). An
// Error carries no message; LastErrorDetail returns the full error behind
// the latest failure, naming the call and what was wrong with which
// argument:
//
//	hip: hipFree: hipErrorInvalidValue: streaming: free 0x1234: not an allocation: invalid value
//
// Misuse returns the code AMD's runtime returns for it: a bad device
// ordinal is HipErrorInvalidDevice, freeing an unknown pointer
// HipErrorInvalidValue, a missing kernel HipErrorNotFound, a damaged image
// HipErrorInvalidImage, a module without code for the device
// HipErrorNoBinaryForGpu, work in flight HipErrorNotReady, a destroyed
// stream HipErrorInvalidHandle (HipErrorContextIsDestroyed or
// HipErrorInvalidValue where AMD's runtime says so). Function
// documentation notes the exceptions.
//
// HIP also keeps a last error: every failing call records its code (except
// HipErrorNotReady, which only reports progress), a successful call leaves
// it alone, GetLastError returns and clears it, PeekAtLastError returns it.
//
// # Process-wide state
//
// The runtime opens on the first call (Init is optional, as it is in HIP)
// with the environment's configuration (STREAM_HAL_TEST_TARGET,
// STREAM_HAL_DEVICE_ORDINAL, ...), or with InitWithOptions. HALDeinit
// closes it, destroying everything, and the next call opens a fresh one.
//
// HIP keeps the current device, the context stack and the last error per
// OS thread. Goroutines move between threads, so this package keeps them
// per process: SetDevice in one goroutine changes the current device of
// all. Programs that drive several devices from several goroutines should
// pass explicit handles instead (streams, contexts, or package streaming's
// API), which never depend on the current device.
//
// The current context is the top of the context stack (CtxCreate,
// CtxPushCurrent, CtxSetCurrent) when there is one, else the current
// device's primary context; allocations, modules, streams and events are
// made in it. SetDevice chooses the current device and, when the stack is
// not empty, puts that device's primary context on top. The NULL stream (a
// nil Stream) is the current context's legacy default stream: its work
// waits for the earlier work of the context's blocking streams, and theirs
// for its.
//
// # Pointers
//
// A hipDeviceptr_t argument is a DevicePtr, a 64-bit device address. A C
// void* argument, which may point at device or host memory, is an any
// holding one of:
//
//   - a DevicePtr: any address the runtime handed out (device memory,
//     pinned or registered host memory, managed memory, a module global);
//   - an unsafe.Pointer: host memory, such as HostMalloc's result, C
//     memory, or Go memory that the caller keeps alive;
//   - a slice of numbers ([]byte, []float32, []int32, ...): Go memory,
//     whose length bounds what the call may touch.
//
// Copies take their direction from the pointers, as hipMemcpyDefault does;
// the hipMemcpyKind argument is checked as HIP checks it. Host Go memory
// may be reused as soon as any copy call returns: asynchronous copies from
// it are staged, and copies into it wait for the stream.
//
// Kernel arguments follow streamhal's single argument ABI: kernelParams
// holds a pointer to each argument's value, sized by the kernel's parameter
// layout; extra (LaunchParamBuffer) passes the packed buffer, the kernel's
// parameters laid out as a C struct.
//
// # Graphs and memory pools
//
// Graphs (GraphCreate, GraphAdd*Node, GraphInstantiate, GraphLaunch,
// GraphExecUpdate), stream capture (StreamBeginCapture ... StreamEndCapture)
// and stream-ordered allocation (MallocAsync, FreeAsync, MemPoolCreate)
// follow HIP as well. A kernel node reads its arguments when it is added; a
// memcpy node copies between addresses the runtime knows (ordinary Go
// memory may be gone when the graph runs).
//
// Memory advice and prefetches (MemAdvise, MemPrefetchAsync) are hints:
// backends whose driver can act on them do, and MemRangeGetAttribute
// reports what was advised and where the memory was last prefetched.
//
// # Not covered
//
// Interprocess sharing (hipIpc*, hipMemPoolExport*/Import*) works where
// the backend can share memory between processes (CPU, CUDA, HIP; see the
// README's API table); elsewhere it is HipErrorNotSupported. The coarse-grain
// memory advice is accepted and has no effect: memory here is always
// fine-grained. HIP's per-thread
// default stream (hipStreamPerThread) has no Go counterpart: goroutines are
// not threads.
//
// # Conventions shared with package cuda
//
// Packages cuda and hip follow one set of rules:
//
//   - Names: functions drop the API's prefix (cuMemAlloc is cuda.MemAlloc,
//     hipMalloc is hip.Malloc); constants keep the C spelling, with the
//     first letter upper-cased where C's is lower case, as Go exports only
//     those (CUDA_ERROR_INVALID_VALUE, HipErrorInvalidValue), so a C name
//     is found by a case-insensitive search.
//   - Handles are package streaming's objects (type aliases), so they pass
//     freely between the packages. A handle is a type of its own only where
//     the C handle carries what a streaming object cannot: cuda.Context
//     (methods named after the calls that act on that context, a stable
//     primary-context handle) and cuda.Stream (the special handles
//     CU_STREAM_LEGACY and CU_STREAM_PER_THREAD).
//   - Host memory is an any: an unsafe.Pointer, as in C, or a slice of
//     numbers, whose length bounds the byte count; a device address is a
//     DevicePtr. A HIP void* that may be either takes a DevicePtr as well.
//   - Errors are nil or the API's code (Result, Error), which matches the
//     hal sentinel it stands for with errors.Is; LastErrorDetail returns the
//     full error behind the latest failure. The codes, names and texts come
//     from one table per API (internal/abi), re-exported in zalias.go.
//   - The extra array of a launch uses markers that are addresses of
//     private variables; arrays built by C code with the header's small
//     integers are recognised too.
//   - A concern has the same file in both packages: init.go, errors.go,
//     device.go, context.go, memory.go, memcpy.go, pointer.go, stream.go,
//     event.go, module.go, launch.go, graph.go, pool.go.
package hip

//go:generate go run ../internal/abi/genalias -pkg hip -as hipabi -o zalias.go ../internal/abi/hip
