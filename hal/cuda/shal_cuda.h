// Our own declarations of the small part of the CUDA driver API that
// package cuda uses. No CUDA SDK header is needed at build time: the types,
// constants and struct layouts below follow cuda.h (CUDA 12.x/13.x ABI) and
// every function is reached through a pointer resolved with dlsym.
//
// This header holds declarations only (it is included by a file with
// //export functions, so it must not define anything).

#ifndef SHAL_CUDA_H
#define SHAL_CUDA_H

#include <stddef.h>
#include <stdint.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUkern_st *CUkernel;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUarray_st *CUarray;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphNode_st *CUgraphNode;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUmemPoolHandle_st *CUmemoryPool;
typedef void (*CUhostFn)(void *userData);

typedef struct {
	char bytes[16];
} shal_CUuuid;

// CUmemorytype.
#define SHAL_CU_MEMORYTYPE_UNIFIED 4

// CUDA_KERNEL_NODE_PARAMS_v2 (cuGraphAddKernelNode_v2,
// cuGraphExecKernelNodeSetParams_v2).
typedef struct {
	CUfunction func;
	unsigned int gridDimX, gridDimY, gridDimZ;
	unsigned int blockDimX, blockDimY, blockDimZ;
	unsigned int sharedMemBytes;
	void **kernelParams;
	void **extra;
	CUkernel kern;
	CUcontext ctx;
} shal_kernel_node_params;

// CUDA_MEMCPY3D (v2 layout, the only one since CUDA 3.2).
typedef struct {
	size_t srcXInBytes, srcY, srcZ, srcLOD;
	int srcMemoryType;
	const void *srcHost;
	CUdeviceptr srcDevice;
	CUarray srcArray;
	void *reserved0;
	size_t srcPitch, srcHeight;

	size_t dstXInBytes, dstY, dstZ, dstLOD;
	int dstMemoryType;
	void *dstHost;
	CUdeviceptr dstDevice;
	CUarray dstArray;
	void *reserved1;
	size_t dstPitch, dstHeight;

	size_t WidthInBytes, Height, Depth;
} shal_memcpy3d;

// CUipcMemHandle and CUipcEventHandle: 64 opaque bytes, passed by value.
typedef struct {
	char reserved[64];
} shal_ipc_handle;

// CUDA_MEMSET_NODE_PARAMS (v1).
typedef struct {
	CUdeviceptr dst;
	size_t pitch;
	unsigned int value;
	unsigned int elementSize;
	size_t width;
	size_t height;
} shal_memset_node_params;

// CUDA_HOST_NODE_PARAMS (v1).
typedef struct {
	CUhostFn fn;
	void *userData;
} shal_host_node_params;

// CUmemLocation (type CU_MEM_LOCATION_TYPE_DEVICE = 1, id a device
// ordinal), CUmemAccessDesc and CUmemPoolProps (v1: 88 bytes; maxSize and
// usage were reserved bytes before CUDA 12.2 and are 0 unless set).
typedef struct {
	int type;
	int id;
} shal_mem_location;
typedef struct {
	shal_mem_location location;
	int flags;
} shal_mem_access_desc;
typedef struct {
	int allocType;
	int handleTypes;
	shal_mem_location location;
	void *win32SecurityAttributes;
	size_t maxSize;
	unsigned short usage;
	unsigned char reserved[54];
} shal_mem_pool_props;

// CUlaunchAttributeValue / CUkernelNodeAttrValue: a 64-byte union.
typedef union {
	char pad[64];
	int cooperative;
} shal_launch_attr_value;

// The function table. X(required, name, return, parameters). Optional
// functions (0) are newer than the oldest driver we support; their pointer
// is NULL when the driver lacks them.
#define SHAL_CU_FUNCS(X) \
	X(1, cuInit, CUresult, (unsigned int flags)) \
	X(1, cuDriverGetVersion, CUresult, (int *version)) \
	X(1, cuGetErrorName, CUresult, (CUresult error, const char **str)) \
	X(1, cuDeviceGetCount, CUresult, (int *count)) \
	X(1, cuDeviceGet, CUresult, (CUdevice *device, int ordinal)) \
	X(1, cuDeviceGetName, CUresult, (char *name, int len, CUdevice dev)) \
	X(1, cuDeviceTotalMem_v2, CUresult, (size_t *bytes, CUdevice dev)) \
	X(1, cuDeviceGetAttribute, CUresult, (int *pi, int attrib, CUdevice dev)) \
	X(0, cuDeviceGetUuid, CUresult, (shal_CUuuid *uuid, CUdevice dev)) \
	X(0, cuDeviceGetUuid_v2, CUresult, (shal_CUuuid *uuid, CUdevice dev)) \
	X(1, cuDeviceCanAccessPeer, CUresult, (int *canAccessPeer, CUdevice dev, CUdevice peerDev)) \
	X(1, cuDevicePrimaryCtxRetain, CUresult, (CUcontext *pctx, CUdevice dev)) \
	X(1, cuDevicePrimaryCtxRelease_v2, CUresult, (CUdevice dev)) \
	X(1, cuCtxGetCurrent, CUresult, (CUcontext *pctx)) \
	X(1, cuCtxSetCurrent, CUresult, (CUcontext ctx)) \
	X(1, cuCtxSynchronize, CUresult, (void)) \
	X(1, cuCtxGetStreamPriorityRange, CUresult, (int *leastPriority, int *greatestPriority)) \
	X(1, cuCtxEnablePeerAccess, CUresult, (CUcontext peerContext, unsigned int flags)) \
	X(1, cuCtxDisablePeerAccess, CUresult, (CUcontext peerContext)) \
	X(1, cuMemGetInfo_v2, CUresult, (size_t *free, size_t *total)) \
	X(1, cuMemAlloc_v2, CUresult, (CUdeviceptr *dptr, size_t bytesize)) \
	X(1, cuMemFree_v2, CUresult, (CUdeviceptr dptr)) \
	X(1, cuMemHostAlloc, CUresult, (void **pp, size_t bytesize, unsigned int flags)) \
	X(1, cuMemFreeHost, CUresult, (void *p)) \
	X(1, cuMemHostGetDevicePointer_v2, CUresult, (CUdeviceptr *pdptr, void *p, unsigned int flags)) \
	X(1, cuMemAllocManaged, CUresult, (CUdeviceptr *dptr, size_t bytesize, unsigned int flags)) \
	X(1, cuMemHostRegister_v2, CUresult, (void *p, size_t bytesize, unsigned int flags)) \
	X(1, cuMemHostUnregister, CUresult, (void *p)) \
	X(0, cuMemPoolCreate, CUresult, (CUmemoryPool *pool, const shal_mem_pool_props *props)) \
	X(0, cuMemPoolDestroy, CUresult, (CUmemoryPool pool)) \
	X(0, cuMemAllocFromPoolAsync, CUresult, (CUdeviceptr *dptr, size_t bytesize, CUmemoryPool pool, CUstream s)) \
	X(0, cuMemFreeAsync, CUresult, (CUdeviceptr dptr, CUstream s)) \
	X(0, cuMemAllocAsync, CUresult, (CUdeviceptr *dptr, size_t bytesize, CUstream s)) \
	X(0, cuMemPoolSetAttribute, CUresult, (CUmemoryPool pool, int attr, void *value)) \
	X(0, cuMemPoolGetAttribute, CUresult, (CUmemoryPool pool, int attr, void *value)) \
	X(0, cuMemPoolTrimTo, CUresult, (CUmemoryPool pool, size_t keep)) \
	X(0, cuMemPoolSetAccess, CUresult, (CUmemoryPool pool, const shal_mem_access_desc *map, size_t count)) \
	X(0, cuMemPoolGetAccess, CUresult, (int *flags, CUmemoryPool pool, shal_mem_location *location)) \
	X(0, cuDeviceGetDefaultMemPool, CUresult, (CUmemoryPool *pool, CUdevice dev)) \
	X(0, cuDeviceSetMemPool, CUresult, (CUdevice dev, CUmemoryPool pool)) \
	X(1, cuMemcpyHtoD_v2, CUresult, (CUdeviceptr dst, const void *src, size_t n)) \
	X(1, cuMemcpyDtoH_v2, CUresult, (void *dst, CUdeviceptr src, size_t n)) \
	X(1, cuMemcpyAsync, CUresult, (CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s)) \
	X(1, cuMemcpyPeerAsync, CUresult, (CUdeviceptr dst, CUcontext dstCtx, CUdeviceptr src, CUcontext srcCtx, size_t n, CUstream s)) \
	X(1, cuMemsetD8Async, CUresult, (CUdeviceptr dst, unsigned char v, size_t n, CUstream s)) \
	X(1, cuMemsetD16Async, CUresult, (CUdeviceptr dst, unsigned short v, size_t n, CUstream s)) \
	X(1, cuMemsetD32Async, CUresult, (CUdeviceptr dst, unsigned int v, size_t n, CUstream s)) \
	X(1, cuStreamCreateWithPriority, CUresult, (CUstream *ps, unsigned int flags, int priority)) \
	X(1, cuStreamDestroy_v2, CUresult, (CUstream s)) \
	X(1, cuStreamSynchronize, CUresult, (CUstream s)) \
	X(1, cuStreamQuery, CUresult, (CUstream s)) \
	X(1, cuStreamWaitEvent, CUresult, (CUstream s, CUevent e, unsigned int flags)) \
	X(1, cuLaunchHostFunc, CUresult, (CUstream s, CUhostFn fn, void *userData)) \
	X(0, cuStreamWaitValue32_v2, CUresult, (CUstream s, CUdeviceptr addr, uint32_t value, unsigned int flags)) \
	X(0, cuStreamWaitValue32, CUresult, (CUstream s, CUdeviceptr addr, uint32_t value, unsigned int flags)) \
	X(1, cuEventCreate, CUresult, (CUevent *pe, unsigned int flags)) \
	X(1, cuEventDestroy_v2, CUresult, (CUevent e)) \
	X(1, cuEventRecord, CUresult, (CUevent e, CUstream s)) \
	X(1, cuEventQuery, CUresult, (CUevent e)) \
	X(1, cuEventSynchronize, CUresult, (CUevent e)) \
	X(1, cuEventElapsedTime, CUresult, (float *ms, CUevent start, CUevent end)) \
	X(0, cuIpcGetMemHandle, CUresult, (shal_ipc_handle *h, CUdeviceptr p)) \
	X(0, cuIpcOpenMemHandle_v2, CUresult, (CUdeviceptr *p, shal_ipc_handle h, unsigned int flags)) \
	X(0, cuIpcCloseMemHandle, CUresult, (CUdeviceptr p)) \
	X(0, cuMemGetAddressRange_v2, CUresult, (CUdeviceptr *base, size_t *size, CUdeviceptr p)) \
	X(0, cuIpcGetEventHandle, CUresult, (shal_ipc_handle *h, CUevent e)) \
	X(0, cuIpcOpenEventHandle, CUresult, (CUevent *e, shal_ipc_handle h)) \
	X(1, cuModuleLoadData, CUresult, (CUmodule *m, const void *image)) \
	X(1, cuModuleLoadDataEx, CUresult, (CUmodule *m, const void *image, unsigned int n, int *options, void **values)) \
	X(1, cuModuleUnload, CUresult, (CUmodule m)) \
	X(1, cuModuleGetFunction, CUresult, (CUfunction *f, CUmodule m, const char *name)) \
	X(1, cuModuleGetGlobal_v2, CUresult, (CUdeviceptr *dptr, size_t *bytes, CUmodule m, const char *name)) \
	X(0, cuModuleGetFunctionCount, CUresult, (unsigned int *count, CUmodule m)) \
	X(0, cuModuleEnumerateFunctions, CUresult, (CUfunction *fns, unsigned int n, CUmodule m)) \
	X(0, cuFuncGetName, CUresult, (const char **name, CUfunction f)) \
	X(0, cuFuncGetParamInfo, CUresult, (CUfunction f, size_t index, size_t *offset, size_t *size)) \
	X(1, cuFuncGetAttribute, CUresult, (int *pi, int attrib, CUfunction f)) \
	X(1, cuLaunchKernel, CUresult, (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s, void **params, void **extra)) \
	X(1, cuLaunchCooperativeKernel, CUresult, (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s, void **params)) \
	X(1, cuGraphCreate, CUresult, (CUgraph *g, unsigned int flags)) \
	X(1, cuGraphDestroy, CUresult, (CUgraph g)) \
	X(1, cuGraphAddKernelNode_v2, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, const shal_kernel_node_params *p)) \
	X(1, cuGraphAddMemcpyNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, const shal_memcpy3d *p, CUcontext ctx)) \
	X(1, cuGraphAddMemsetNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, const shal_memset_node_params *p, CUcontext ctx)) \
	X(1, cuGraphAddHostNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, const shal_host_node_params *p)) \
	X(1, cuGraphAddEmptyNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps)) \
	X(1, cuGraphAddEventRecordNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e)) \
	X(1, cuGraphAddEventWaitNode, CUresult, (CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e)) \
	X(0, cuGraphKernelNodeSetAttribute, CUresult, (CUgraphNode n, int attr, const shal_launch_attr_value *v)) \
	X(1, cuGraphInstantiateWithFlags, CUresult, (CUgraphExec *e, CUgraph g, unsigned long long flags)) \
	X(1, cuGraphExecDestroy, CUresult, (CUgraphExec e)) \
	X(1, cuGraphLaunch, CUresult, (CUgraphExec e, CUstream s)) \
	X(1, cuGraphExecKernelNodeSetParams_v2, CUresult, (CUgraphExec e, CUgraphNode n, const shal_kernel_node_params *p)) \
	X(1, cuGraphExecMemcpyNodeSetParams, CUresult, (CUgraphExec e, CUgraphNode n, const shal_memcpy3d *p, CUcontext ctx)) \
	X(1, cuGraphExecMemsetNodeSetParams, CUresult, (CUgraphExec e, CUgraphNode n, const shal_memset_node_params *p, CUcontext ctx)) \
	X(1, cuGraphExecHostNodeSetParams, CUresult, (CUgraphExec e, CUgraphNode n, const shal_host_node_params *p)) \
	X(1, cuGraphExecEventRecordNodeSetEvent, CUresult, (CUgraphExec e, CUgraphNode n, CUevent ev)) \
	X(1, cuGraphExecEventWaitNodeSetEvent, CUresult, (CUgraphExec e, CUgraphNode n, CUevent ev))

#define SHAL_ENUM(req, name, ret, params) SHAL_FN_##name,
enum { SHAL_CU_FUNCS(SHAL_ENUM) SHAL_FN_COUNT };
#undef SHAL_ENUM

// Symbol table access for the Go loader.
int shal_fn_count(void);
const char *shal_fn_name(int i);
int shal_fn_required(int i);
void shal_fn_set(int i, void *p);
int shal_fn_present(int i);

// shal_host_ptr is the host view of a unified address (managed memory).
void *shal_host_ptr(CUdeviceptr p);

// Calls that need no context.
CUresult shal_init(void);
CUresult shal_driver_version(int *v);
const char *shal_error_name(CUresult r);
CUresult shal_device_count(int *n);
CUresult shal_device_get(CUdevice *d, int ordinal);
CUresult shal_device_name(char *buf, int len, CUdevice d);
CUresult shal_device_total_mem(size_t *bytes, CUdevice d);
CUresult shal_device_attr(int *v, int attr, CUdevice d);
CUresult shal_device_uuid(shal_CUuuid *u, CUdevice d);
CUresult shal_device_can_access_peer(int *v, CUdevice d, CUdevice peer);
CUresult shal_primary_retain(CUcontext *ctx, CUdevice d);
CUresult shal_primary_release(CUdevice d);

// Calls made with ctx current on the calling thread for their duration.
// The ones on the hot paths take their handles as uintptr_t: cgo checks
// every pointer-typed argument of a call at run time (some nanoseconds
// each), and these handles are C pointers that need no check.
CUresult shal_ctx_noop(CUcontext ctx);
CUresult shal_ctx_synchronize(CUcontext ctx);
CUresult shal_ctx_priority_range(CUcontext ctx, int *least, int *greatest);
CUresult shal_ctx_enable_peer(CUcontext ctx, CUcontext peer);
CUresult shal_ctx_disable_peer(CUcontext ctx, CUcontext peer);
CUresult shal_mem_info(CUcontext ctx, size_t *free, size_t *total);
CUresult shal_mem_alloc(CUcontext ctx, CUdeviceptr *p, size_t n);
CUresult shal_mem_free(CUcontext ctx, CUdeviceptr p);
CUresult shal_mem_host_alloc(CUcontext ctx, void **host, CUdeviceptr *dev, size_t n);
CUresult shal_mem_free_host(CUcontext ctx, void *p);
CUresult shal_mem_alloc_managed(CUcontext ctx, CUdeviceptr *p, size_t n);
CUresult shal_mem_host_register(CUcontext ctx, void *p, size_t n, CUdeviceptr *dev);
CUresult shal_mem_host_unregister(CUcontext ctx, void *p);
CUresult shal_memcpy_htod(CUcontext ctx, CUdeviceptr dst, const void *src, size_t n);
CUresult shal_memcpy_dtoh(CUcontext ctx, void *dst, CUdeviceptr src, size_t n);
CUresult shal_memcpy_async(uintptr_t ctx, CUdeviceptr dst, CUdeviceptr src, size_t n, uintptr_t s);
CUresult shal_memcpy_peer_async(CUcontext ctx, CUdeviceptr dst, CUcontext dstCtx, CUdeviceptr src, CUcontext srcCtx, size_t n, CUstream s);
CUresult shal_memset_async(uintptr_t ctx, CUdeviceptr dst, unsigned int v, int size, size_t count, uintptr_t s);
CUresult shal_stream_create(CUcontext ctx, CUstream *s, int priority);
CUresult shal_stream_destroy(CUcontext ctx, CUstream s);
CUresult shal_stream_synchronize(uintptr_t ctx, uintptr_t s);
CUresult shal_stream_query(uintptr_t ctx, uintptr_t s);
CUresult shal_stream_wait_event(uintptr_t ctx, uintptr_t s, uintptr_t e);
CUresult shal_launch_host_func(uintptr_t ctx, uintptr_t s, uintptr_t handle);

// Host calls through a per-queue Go worker (hostcall.go). shal_host_sig is
// how CUDA's host-function thread tells the worker that the stream reached
// one more of its host calls, without calling into Go: it lives in
// page-locked host memory next to the queue's done word (its own cache
// line), and is zeroed before a worker uses it.
typedef struct {
	uint32_t notified; // waking trampolines that have run (counted last, see wakes)
	uint32_t gen;      // bumped by every trampoline, listing and stop: the futex word
	uint32_t sleeping; // the worker sleeps (or is about to) on gen
	uint32_t stop;     // the worker is to return from shal_host_wait
	uint32_t listed;   // calls the Go side listed so far
	uint32_t wakes;    // trampolines the worker enqueued on its side stream
	uint32_t trace;    // nonzero: record t_cb and t_wake (BenchmarkHostCallPhases)
	int64_t t_cb;      // CLOCK_MONOTONIC ns of the last waking trampoline
	int64_t t_wake;    // and of shal_host_wait's last return with an event reached
} shal_host_sig;

// shal_mono_ns is CLOCK_MONOTONIC in nanoseconds (the clock of t_cb and
// t_wake).
long long shal_mono_ns(void);

// shal_host_wait waits until the stream has reached next, the event
// recorded for the worker's next call (0: none listed): it polls the
// event (cuEventQuery, in ctx) for spin_ns, and on up to pending_ns while
// one is given; then it enqueues, once, cuStreamWaitEvent of next and the
// trampoline on side, the worker's own stream, and sleeps (a futex on
// Linux) until the trampoline or a new listing wakes it. It returns 0 once
// next is reached (or the query fails), 1 when stopped (shal_host_stop),
// 2 when nothing was listed for idle_ns (the worker then waits in Go and
// gives its thread back), and 3 when sig->listed differs from listed_seen
// (a call was listed: the worker looks at its calls again).
int shal_host_wait(shal_host_sig *sig, uintptr_t ctx, uintptr_t next, uint32_t listed_seen, uintptr_t side,
	long long spin_ns, long long pending_ns, long long idle_ns);
// shal_host_wake wakes a worker sleeping in shal_host_wait (after a
// listing).
void shal_host_wake(shal_host_sig *sig);
// shal_host_stop makes shal_host_wait on sig return 1, now and later.
void shal_host_stop(shal_host_sig *sig);
// shal_stream_wait_value enqueues cuStreamWaitValue32 (the _v2 function
// when the driver has it) with CU_STREAM_WAIT_VALUE_GEQ for value on the
// done word at addr.
CUresult shal_stream_wait_value(uintptr_t ctx, uintptr_t s, CUdeviceptr addr, uint32_t value);
CUresult shal_event_create(CUcontext ctx, CUevent *e, unsigned int flags);
CUresult shal_event_destroy(CUcontext ctx, CUevent e);
CUresult shal_event_record(uintptr_t ctx, uintptr_t e, uintptr_t s);
CUresult shal_event_query(uintptr_t ctx, uintptr_t e);
CUresult shal_event_synchronize(uintptr_t ctx, uintptr_t e);
CUresult shal_event_elapsed(CUcontext ctx, float *ms, CUevent start, CUevent end);

// Interprocess handles (CUDA_ERROR_NOT_SUPPORTED when the driver lacks
// the calls).
CUresult shal_ipc_get_mem(CUcontext ctx, shal_ipc_handle *h, CUdeviceptr p);
CUresult shal_ipc_open_mem(CUcontext ctx, CUdeviceptr *p, size_t *size, const shal_ipc_handle *h);
CUresult shal_ipc_close_mem(CUcontext ctx, CUdeviceptr p);
CUresult shal_ipc_get_event(CUcontext ctx, shal_ipc_handle *h, CUevent e);
CUresult shal_ipc_open_event(CUcontext ctx, CUevent *e, const shal_ipc_handle *h);
CUresult shal_module_load_ptx(CUcontext ctx, CUmodule *m, const char *ptx, char *errlog, unsigned int errsize, char *infolog, unsigned int infosize);
CUresult shal_module_load(CUcontext ctx, CUmodule *m, const void *image);
CUresult shal_module_unload(CUcontext ctx, CUmodule m);
CUresult shal_module_function(CUcontext ctx, CUfunction *f, CUmodule m, const char *name);
CUresult shal_module_global(CUcontext ctx, CUdeviceptr *p, size_t *n, CUmodule m, const char *name);
CUresult shal_module_function_count(CUcontext ctx, unsigned int *n, CUmodule m);
CUresult shal_module_functions(CUcontext ctx, CUfunction *fns, unsigned int n, CUmodule m);
CUresult shal_func_name(CUcontext ctx, const char **name, CUfunction f);
CUresult shal_func_param_info(CUcontext ctx, CUfunction f, size_t index, size_t *offset, size_t *size);
CUresult shal_func_attr(CUcontext ctx, int *v, int attr, CUfunction f);
CUresult shal_launch(uintptr_t ctx, uintptr_t f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, uintptr_t s, uintptr_t args, size_t size);
CUresult shal_launch_cooperative(CUcontext ctx, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, CUstream s, void *args, const uint32_t *offsets, int nparams);

// Stream-ordered memory pools (pool.go). shal_pools_present reports
// whether the driver has every pool function.
int shal_pools_present(void);
CUresult shal_pool_default(CUcontext ctx, CUmemoryPool *p, CUdevice d);
CUresult shal_pool_set_current(CUcontext ctx, CUdevice d, CUmemoryPool p);
CUresult shal_pool_create(CUcontext ctx, CUmemoryPool *p, CUdevice d, size_t maxSize);
CUresult shal_pool_destroy(CUcontext ctx, CUmemoryPool p);
// shal_alloc_result is an allocation's result returned by value, so that
// Go passes no pointer to a variable of its own (which would move it to
// the heap on every MallocAsync).
typedef struct {
	CUresult r;
	CUdeviceptr ptr;
} shal_alloc_result;
shal_alloc_result shal_pool_alloc_async(uintptr_t ctx, size_t n, uintptr_t pool, uintptr_t s);
CUresult shal_free_async(uintptr_t ctx, CUdeviceptr p, uintptr_t s);
CUresult shal_pool_get_attr(CUcontext ctx, CUmemoryPool p, int attr, unsigned long long *v);
CUresult shal_pool_set_attr(CUcontext ctx, CUmemoryPool p, int attr, unsigned long long v);
CUresult shal_pool_trim(CUcontext ctx, CUmemoryPool p, size_t keep);
CUresult shal_pool_set_access(CUcontext ctx, CUmemoryPool p, int dev, int flags);
CUresult shal_pool_get_access(CUcontext ctx, CUmemoryPool p, int dev, int *flags);

// Graphs.
CUresult shal_graph_create(CUcontext ctx, CUgraph *g);
CUresult shal_graph_destroy(CUcontext ctx, CUgraph g);
CUresult shal_graph_add_kernel(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *args, size_t size, const uint32_t *offsets, int nparams, int cooperative);
CUresult shal_graph_add_memcpy(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUdeviceptr dst, CUdeviceptr src, size_t size);
CUresult shal_graph_add_memset(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUdeviceptr dst, unsigned int value, unsigned int elemsize, size_t count);
CUresult shal_graph_add_host(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, uintptr_t handle);
CUresult shal_graph_add_empty(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps);
CUresult shal_graph_add_event_record(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e);
CUresult shal_graph_add_event_wait(CUcontext ctx, CUgraphNode *n, CUgraph g, const CUgraphNode *deps, size_t ndeps, CUevent e);
CUresult shal_graph_instantiate(CUcontext ctx, CUgraphExec *e, CUgraph g);
CUresult shal_graph_exec_destroy(CUcontext ctx, CUgraphExec e);
CUresult shal_graph_launch(uintptr_t ctx, uintptr_t e, uintptr_t s);
CUresult shal_graph_exec_set_kernel(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *args, size_t size, const uint32_t *offsets, int nparams);
CUresult shal_graph_exec_set_memcpy(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUdeviceptr dst, CUdeviceptr src, size_t size);
CUresult shal_graph_exec_set_memset(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUdeviceptr dst, unsigned int value, unsigned int elemsize, size_t count);
CUresult shal_graph_exec_set_host(CUcontext ctx, CUgraphExec e, CUgraphNode n, uintptr_t handle);
CUresult shal_graph_exec_set_event_record(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUevent ev);
CUresult shal_graph_exec_set_event_wait(CUcontext ctx, CUgraphExec e, CUgraphNode n, CUevent ev);

// Plain-C baselines for the benchmarks: each makes ctx current once, runs
// the loop through the same function pointers and returns elapsed
// nanoseconds (negative CUresult on failure).
long long shal_bench_launch(CUcontext ctx, CUfunction f, CUstream s, long long n, unsigned int gx, unsigned int bx, void *args, size_t size, int sync_each, int sync_end);
long long shal_bench_launch_via(CUcontext ctx, CUfunction f, CUstream s, long long n, void *args, size_t size);
long long shal_bench_event(CUcontext ctx, CUevent e, CUstream s, long long n);
long long shal_bench_htod(CUcontext ctx, CUdeviceptr dst, const void *src, size_t size, long long n);
long long shal_bench_dtoh(CUcontext ctx, void *dst, CUdeviceptr src, size_t size, long long n);
long long shal_bench_dtod(CUcontext ctx, CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream s, long long n);
long long shal_bench_graph(CUcontext ctx, CUfunction f, CUstream s, int nodes, long long n);
long long shal_bench_ctx_enter(CUcontext ctx, long long n);
long long shal_bench_host_func(CUcontext ctx, CUstream s, long long n);
long long shal_bench_pool(CUcontext ctx, CUstream s, CUmemoryPool pool, size_t size, long long n);
long long shal_bench_host_floor(CUcontext ctx, CUstream s, CUevent ev, void *word_host, CUdeviceptr word_dev, int mode, long long spin_ns, long long n);

#endif
