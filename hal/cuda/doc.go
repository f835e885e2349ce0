// Package cuda is streamhal's NVIDIA driver: it implements the hal
// contracts (hal.Driver, Instance, Device, Queue, Event, Executable,
// Kernel, GraphExec and the optional hal.PeerDevice) on the CUDA driver
// API and registers itself as "cuda".
//
// libcuda.so.1 is loaded at run time with dlopen (hal/internal/dl); the few
// CUDA types, constants and struct layouts we use are declared in
// shal_cuda.h, so building needs no CUDA SDK. Every function is resolved
// into a table when the driver opens, and Open fails, wrapping
// hal.ErrNotAvailable, when the library is missing, lacks a function, or
// finds no device.
//
// CUDA keeps a "current context" per OS thread. This package never relies
// on it: each device retains its primary context, and every driver call is
// one cgo call into a small C trampoline that makes that context current on
// the thread it runs on (one cuCtxGetCurrent; cuCtxSetCurrent only when
// another context is current) for the duration of the call. Goroutines may
// therefore move between threads freely and no runtime.LockOSThread is
// needed. A context someone else made current on the thread is restored;
// a thread that had none keeps ours, which is harmless.
//
// Mapping: queues are CU_STREAM_NON_BLOCKING streams with the requested
// priority; Copy is cuMemcpyAsync (unified addressing), Fill
// cuMemsetD8/16/32Async, Dispatch cuLaunchKernel with the packed argument
// buffer as CU_LAUNCH_PARAM_BUFFER_POINTER (cuLaunchCooperativeKernel with
// one pointer per parameter for cooperative launches), HostCall
// cuLaunchHostFunc into Go through a runtime/cgo.Handle. Modules load with
// cuModuleLoadDataEx (PTX, with the JIT error log in the error) or
// cuModuleLoadData (cubin, fatbin); parameter layouts come from
// cuFuncGetParamInfo (CUDA 12.4+) or, for PTX on older drivers, from
// hal/modfile. Graphs are native CUDA graphs, updated in place with
// cuGraphExec*SetParams where CUDA allows it.
//
// Every failed driver call returns an error naming the call, its
// arguments and the CUresult, wrapping the nearest hal sentinel:
//
//	hal/cuda: cuMemAlloc(1099511627776): CUDA_ERROR_OUT_OF_MEMORY: out of memory
package cuda
