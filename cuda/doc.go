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
// host memory is an unsafe.Pointer plus a byte count as in C (with
// ...Slice variants taking Go slices), C callbacks are Go funcs.
//
// # Host memory and DevicePtr
//
// With unified addressing CUDA's cuMemcpy takes any host pointer. Here the
// rule follows the Go types. A host-memory argument (the unsafe.Pointer of
// MemcpyHtoD, MemcpyDtoH and their Async forms, the slices of the ...Slice
// forms) may be any memory: ordinary Go memory the runtime has never seen
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
// MemHostRegister first, or use the unsafe.Pointer forms.
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
// memcpy nodes are 1-D copies between known addresses. Memory pools serve
// MemAllocAsync and MemFreeAsync in stream order.
//
// Not provided: IPC (the cuIpc* calls and pool export and import return
// CUDA_ERROR_NOT_SUPPORTED), arrays, textures and surfaces, 2-D and 3-D
// copies, virtual memory management, the linker (cuLink*), graph memory
// allocation nodes, conditional nodes, external memory and semaphores.
package cuda

//go:generate go run ../internal/abi/genalias -pkg cuda -as cuabi -o zalias.go ../internal/abi/cuda
