// Package cuda is the CUDA driver API in Go over streamhal's backends: the
// names follow cuda.h one to one (cuInit is cuda.Init, cuMemAlloc is
// cuda.MemAlloc, CUDA_ERROR_INVALID_VALUE is cuda.CUDA_ERROR_INVALID_VALUE),
// so code written against CUDA ports line by line, and runs on the CPU,
// NVIDIA, AMD and Vulkan devices that package streaming drives. The package
// holds no behaviour of its own: every call translates its arguments, calls
// package streaming, and translates the result.
//
// # Calls and errors
//
// A C call returns a CUresult and writes its results through pointers; here
// the results are return values followed by an error, as in
// golang.org/x/sys/unix:
//
//	ptr, err := cuda.MemAlloc(n) // CUresult cuMemAlloc(CUdeviceptr *dptr, size_t bytesize)
//	if err != nil { ... }
//
// The error is nil on success, else always a Result (a CUresult with the
// exact value of cuda.h), so both err == cuda.CUDA_ERROR_NOT_READY and
// errors.Is(err, cuda.CUDA_ERROR_NOT_READY) work, and a Result also matches
// the hal sentinel it stands for (errors.Is(err, hal.ErrNotReady)). Misuse
// returns the code libcuda returns for it: a free of an address that is no
// allocation is CUDA_ERROR_INVALID_VALUE, a destroyed stream or event
// CUDA_ERROR_INVALID_HANDLE, no current context CUDA_ERROR_INVALID_CONTEXT,
// a missing kernel CUDA_ERROR_NOT_FOUND, a bad image
// CUDA_ERROR_INVALID_IMAGE (CUDA_ERROR_NO_BINARY_FOR_GPU when it holds no
// code for the device). A Result carries no message; LastErrorDetail
// returns the full error behind the latest failure, naming the argument
// that was wrong. GetErrorName and GetErrorString give the driver's texts.
//
// Sizes (size_t) are uint64, device addresses are DevicePtr (CUdeviceptr),
// host memory is an any holding an unsafe.Pointer as in C or a slice of
// numbers, whose length bounds the byte count (with ...Slice variants
// counting typed elements), C callbacks are Go funcs.
//
// # Host memory and DevicePtr
//
// With unified addressing CUDA's cuMemcpy takes any host pointer. Here the
// rule follows the Go types. A host-memory argument (the unsafe.Pointer or
// slice of MemcpyHtoD, MemcpyDtoH and their Async forms, the slices of the
// ...Slice forms) may be any memory: ordinary Go memory the runtime has never seen
// is staged (host to device) or waited for (device to host), so it may be
// reused as soon as the call returns, while page-locked memory
// (MemAllocHost, MemHostRegister) and managed memory are used in place and
// make the Async forms truly asynchronous. A DevicePtr argument (both
// sides of Memcpy, MemcpyAsync and MemcpyDtoD, memcpy graph nodes) must be
// an address the runtime handed out or registered: device, page-locked,
// registered or managed memory, or a module global. Any other number is
// CUDA_ERROR_INVALID_VALUE, because an address the runtime does not know
// cannot be told from garbage, and copying from or to it would be a crash
// rather than an error. To use Go memory with Memcpy, register it with
// MemHostRegister first, or use the host-memory forms.
//
// # Initialization
//
// Init opens one process-wide streaming.Runtime with the STREAM_HAL_*
// environment variables applied (InitWithOptions takes explicit options);
// every call before it returns CUDA_ERROR_NOT_INITIALIZED (DriverGetVersion
// excepted, as in CUDA). HALDeinit, the original design's cuHALDeinit,
// destroys every context and closes the runtime; calls then return
// CUDA_ERROR_DEINITIALIZED until Init runs again. Devices are the ordinals
// of streaming.Runtime: every backend's devices, numbered together.
//
// # The current context
//
// In C the current context is per OS thread. Goroutines move between
// threads, so here there is one context stack per process
// (streaming.ContextStack), shared by all goroutines: CtxCreate pushes,
// CtxPushCurrent, CtxPopCurrent and CtxSetCurrent change it for everyone.
// Programs that drive several devices from several goroutines should not
// switch the current context under each other's feet; they use explicit
// handles instead. Every function that acts on the current context is also
// a method of *Context acting on that context (MemAlloc is ctx.MemAlloc,
// CtxSynchronize is ctx.Synchronize, ModuleLoad is ctx.ModuleLoad), and
// every asynchronous call takes its stream explicitly; ctx.DefaultStream
// is the handle of a context's NULL stream.
//
// # Streams
//
// A nil *Stream is the NULL stream: the current context's legacy default
// stream, whose work waits for the earlier work of the context's blocking
// streams (CU_STREAM_DEFAULT) and theirs for its own, as in CUDA.
// CU_STREAM_LEGACY is the same stream. CU_STREAM_PER_THREAD, the per-thread
// default stream, is one blocking stream per context, shared by all
// goroutines, made on first use. The synchronous copies and fills run on
// the NULL stream.
//
// # What maps to what
//
//	CUdevice      Device (an ordinal)      CUcontext     *Context
//	CUmodule      *Module                  CUfunction    *Function
//	CUstream      *Stream                  CUevent       *Event
//	CUgraph       *Graph                   CUgraphNode   *GraphNode
//	CUgraphExec   *GraphExec               CUmemoryPool  *MemoryPool
//	CUdeviceptr   DevicePtr                CUresult      Result
//
// Module, Function, Event, Graph, GraphNode, GraphExec and MemoryPool are
// the streaming types themselves (type aliases), so handles pass freely
// between the two packages;
// Context.Streaming and Stream.Streaming give the streaming objects behind
// the other two, and Runtime the runtime.
//
// Kernels take their arguments as LaunchKernel's kernelParams (a pointer
// to each argument) or as its extra array (one buffer packed in C struct
// layout), exactly as in CUDA; both are checked against the parameter
// layout every module format records.
//
// Graphs are built node by node (GraphAddKernelNode...) or by stream
// capture, instantiated in the current context and launched on streams;
// memcpy nodes are 1-D, 2-D or 3-D copies between known addresses.
// Memory pools serve MemAllocAsync and MemFreeAsync in stream order.
//
// Memory and events are shared with other processes (cuIpc*, and pools
// created with CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR through
// cuMemPoolExport*/Import*) where the backend can (CPU, CUDA, HIP; else
// CUDA_ERROR_NOT_SUPPORTED): handles are 64 opaque bytes to send over any
// channel.
//
// 2-D and 3-D copies (cuMemcpy2D, cuMemcpy3D and their Async forms, and
// CUDA_MEMCPY3D memcpy nodes) work between linear memory the runtime
// knows.
//
// Not provided: arrays, textures and surfaces, virtual memory management, the linker (cuLink*), graph memory
// allocation nodes, conditional nodes, external memory and semaphores.
//
// # Conventions shared with package hip
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
package cuda

//go:generate go run ../internal/abi/genalias -pkg cuda -as cuabi -o zalias.go ../internal/abi/cuda
