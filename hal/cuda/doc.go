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
// one pointer per parameter for cooperative launches), HostCall a
// per-queue worker (below). Modules load with cuModuleLoadDataEx (PTX,
// with the JIT error log in the error) or cuModuleLoadData (cubin,
// fatbin); parameter layouts come from
// cuFuncGetParamInfo (CUDA 12.4+) or, for PTX on older drivers, from
// hal/modfile. Graphs are native CUDA graphs, updated in place with
// cuGraphExec*SetParams where CUDA allows it.
//
// Host calls. CUDA runs the host functions of all streams
// (cuLaunchHostFunc) on one driver thread, one at a time, and forbids
// driver calls in them. So Queue.HostCall does not run its function there:
// each queue has a worker goroutine and a 32-bit "done" word in page-locked,
// device-mapped host memory (cuMemHostAlloc with DEVICEMAP|PORTABLE, slots
// of a page per device, with the worker's signal in the next cache line).
// HostCall records an event on the stream (reusing events of calls the
// stream has passed) and lists the call; the queue's stream gets nothing
// else. The worker waits in C for its next call's event (polling it with
// cuEventQuery after each call and while one is listed; before sleeping it
// enqueues, on a stream of its own, cuStreamWaitEvent of the event and
// cuLaunchHostFunc of a C trampoline that only wakes it with a futex,
// without entering Go; after a second with nothing to do it waits in Go
// and gives its thread back), runs the queue's functions in order and
// stores each one's number into the word. Host calls of one queue run in order, those of
// different queues independently (as on the CPU driver), and the functions
// run on a goroutine, where driver calls are allowed (except waiting for
// later work of their own queue). The stream waits for a host call only
// when work follows it: the next operation enqueued on the queue first
// enqueues cuStreamWaitValue32_v2 (CU_STREAM_WAIT_VALUE_GEQ) on the word for
// the last call's number, unless the word already shows it returned. Idle,
// Synchronize (of the queue and of the device), Close, and the frees of
// host and managed memory and unregistrations (which CUDA synchronises
// implicitly) wait on the host for the calls before them. A panic is
// reported by the next Synchronize. Close returns at once; the worker runs
// the calls left, then exits. The wait is invisible to CUDA's scheduler
// (CUDA warns about this for all stream memory operations): with more
// streams than hardware queues (CUDA_DEVICE_MAX_CONNECTIONS, 8 by default)
// streams share them, and a held host call may also delay later work of a
// stream that shares its hardware queue. On an H100 (2026-12-08) a host
// call + Synchronize took 1.2-2.1 us, against 7.4-9.0 us for plain C's
// cuLaunchHostFunc + cuStreamSynchronize (BenchmarkHostCallRoundTrip).
//
// Fallback: a driver without stream memory operations (no
// cuStreamWaitValue32_v2, CUDA before 11.7, and the legacy
// cuStreamWaitValue32 not enabled with NVreg_EnableStreamMemOPs=1), or a
// device that refuses the wait, keeps the blocking path: the function runs
// on CUDA's host-function thread, must not call the driver, and one that
// blocks delays the host functions of every queue. The driver logs this (at
// level 2) when it happens.
//
// Graph host nodes are native CUDA host nodes and keep that blocking
// behaviour on every driver: their functions run on CUDA's host-function
// thread, must not call the driver, and a host node that blocks delays the
// host functions of all streams, HostCall notifications included.
//
// Every failed driver call returns an error naming the call, its
// arguments and the CUresult, wrapping the nearest hal sentinel:
//
//	hal/cuda: cuMemAlloc(1099511627776): CUDA_ERROR_OUT_OF_MEMORY: out of memory
package cuda
