// Our own declarations of the part of the HIP runtime API (libamdhip64)
// that package hip uses. No ROCm header is needed at build time: the types,
// struct layouts and prototypes below follow hip_runtime_api.h (checked
// against ROCm 5.2 and 6.x; see layout_test.go), and every function is
// reached through a pointer resolved with dlsym into a shal_hip_api table.
//
// This header holds declarations only: it is included by Go files with
// //export functions, whose preambles must not define anything.

#ifndef SHAL_HIP_H
#define SHAL_HIP_H

#include <stddef.h>
#include <stdint.h>

typedef int hipError_t;
typedef int hipDevice_t;
typedef struct ihipStream_t *hipStream_t;
typedef struct ihipEvent_t *hipEvent_t;
typedef struct ihipModule_t *hipModule_t;
typedef struct ihipModuleSymbol_t *hipFunction_t;
typedef struct ihipGraph *hipGraph_t;
typedef struct ihipMemPoolHandle_t *hipMemPool_t;

// hipMemLocation (type hipMemLocationTypeDevice = 1), hipMemAccessDesc and
// hipMemPoolProps (88 bytes: ROCm 6 has maxSize where ROCm 5 has the first
// reserved bytes, 0 either way unless set).
typedef struct {
	int type;
	int id;
} shal_hip_mem_location;
typedef struct {
	shal_hip_mem_location location;
	int flags;
} shal_hip_mem_access_desc;
typedef struct {
	int allocType;
	int handleTypes;
	shal_hip_mem_location location;
	void *win32SecurityAttributes;
	size_t maxSize;
	unsigned char reserved[56];
} shal_hip_mem_pool_props;
typedef struct hipGraphNode *hipGraphNode_t;
typedef struct hipGraphExec *hipGraphExec_t;
typedef void (*hipHostFn_t)(void *userData);
typedef void (*hipStreamCallback_t)(hipStream_t stream, hipError_t status, void *userData);

// dim3.
typedef struct {
	uint32_t x, y, z;
} shal_dim3;

// hipUUID.
typedef struct {
	char bytes[16];
} shal_hip_uuid;

// hipKernelNodeParams (HIP orders the members differently from CUDA).
typedef struct {
	shal_dim3 blockDim;
	void **extra;
	void *func;
	shal_dim3 gridDim;
	void **kernelParams;
	unsigned int sharedMemBytes;
} shal_kernel_node_params;

// hipMemsetParams.
typedef struct {
	void *dst;
	unsigned int elementSize;
	size_t height;
	size_t pitch;
	unsigned int value;
	size_t width;
} shal_memset_params;

// hipHostNodeParams.
typedef struct {
	hipHostFn_t fn;
	void *userData;
} shal_host_node_params;

// hipIpcMemHandle_t and hipIpcEventHandle_t: 64 opaque bytes, passed by
// value.
typedef struct {
	char reserved[64];
} shal_hip_ipc_handle;

// Offsets of gcnArchName (char[256]) in the two hipDeviceProp_t layouts:
// hipDeviceProp_tR0600 (HIP 6 and later, hipGetDevicePropertiesR0600) and
// hipDeviceProp_tR0000 (HIP 5, hipGetDevicePropertiesR0000 and the
// unversioned hipGetDeviceProperties of HIP 5). The buffer handed to the
// runtime is SHAL_HIP_PROPS_BUFFER bytes, larger than either struct.
#define SHAL_HIP_GCN_ARCH_NAME_R0600 1160
#define SHAL_HIP_GCN_ARCH_NAME_R0000 396
#define SHAL_HIP_PROPS_BUFFER 8192

// The function table. X(required, name, parameters); every function returns
// hipError_t. Optional functions (0) are missing from some runtime releases;
// their pointer is NULL then and the Go side checks before relying on them.
#define SHAL_HIP_FUNCS(X) \
	X(1, hipGetDeviceCount, (int *count)) \
	X(1, hipDriverGetVersion, (int *version)) \
	X(1, hipRuntimeGetVersion, (int *version)) \
	X(1, hipSetDevice, (int device)) \
	X(1, hipDeviceGetName, (char *name, int len, hipDevice_t device)) \
	X(1, hipDeviceTotalMem, (size_t *bytes, hipDevice_t device)) \
	X(0, hipDeviceGetUuid, (shal_hip_uuid *uuid, hipDevice_t device)) \
	X(1, hipDeviceGetAttribute, (int *value, int attr, int device)) \
	X(0, hipGetDevicePropertiesR0600, (void *prop, int device)) \
	X(0, hipGetDevicePropertiesR0000, (void *prop, int device)) \
	X(0, hipGetDeviceProperties, (void *prop, int device)) \
	X(1, hipDeviceGetStreamPriorityRange, (int *least, int *greatest)) \
	X(1, hipMemGetInfo, (size_t *free, size_t *total)) \
	X(1, hipDeviceSynchronize, (void)) \
	X(1, hipMalloc, (void **ptr, size_t size)) \
	X(1, hipFree, (void *ptr)) \
	X(0, hipHostMalloc, (void **ptr, size_t size, unsigned int flags)) \
	X(0, hipHostAlloc, (void **ptr, size_t size, unsigned int flags)) \
	X(1, hipHostFree, (void *ptr)) \
	X(1, hipHostGetDevicePointer, (void **devPtr, void *hostPtr, unsigned int flags)) \
	X(1, hipMallocManaged, (void **ptr, size_t size, unsigned int flags)) \
	X(1, hipHostRegister, (void *hostPtr, size_t size, unsigned int flags)) \
	X(1, hipHostUnregister, (void *hostPtr)) \
	X(1, hipMemcpy, (void *dst, const void *src, size_t size, int kind)) \
	X(1, hipMemcpyAsync, (void *dst, const void *src, size_t size, int kind, hipStream_t stream)) \
	X(1, hipMemsetD8Async, (void *dst, unsigned char value, size_t count, hipStream_t stream)) \
	X(1, hipMemsetD16Async, (void *dst, unsigned short value, size_t count, hipStream_t stream)) \
	X(1, hipMemsetD32Async, (void *dst, int value, size_t count, hipStream_t stream)) \
	X(1, hipStreamCreateWithPriority, (hipStream_t *stream, unsigned int flags, int priority)) \
	X(1, hipStreamDestroy, (hipStream_t stream)) \
	X(1, hipStreamSynchronize, (hipStream_t stream)) \
	X(1, hipStreamQuery, (hipStream_t stream)) \
	X(1, hipStreamWaitEvent, (hipStream_t stream, hipEvent_t event, unsigned int flags)) \
	X(0, hipLaunchHostFunc, (hipStream_t stream, hipHostFn_t fn, void *userData)) \
	X(0, hipStreamAddCallback, (hipStream_t stream, hipStreamCallback_t cb, void *userData, unsigned int flags)) \
	X(1, hipEventCreateWithFlags, (hipEvent_t *event, unsigned int flags)) \
	X(1, hipEventDestroy, (hipEvent_t event)) \
	X(1, hipEventRecord, (hipEvent_t event, hipStream_t stream)) \
	X(1, hipEventQuery, (hipEvent_t event)) \
	X(1, hipEventSynchronize, (hipEvent_t event)) \
	X(1, hipEventElapsedTime, (float *ms, hipEvent_t start, hipEvent_t stop)) \
	X(0, hipIpcGetMemHandle, (shal_hip_ipc_handle *h, void *p)) \
	X(0, hipIpcOpenMemHandle, (void **p, shal_hip_ipc_handle h, unsigned int flags)) \
	X(0, hipIpcCloseMemHandle, (void *p)) \
	X(0, hipIpcGetEventHandle, (shal_hip_ipc_handle *h, hipEvent_t e)) \
	X(0, hipIpcOpenEventHandle, (hipEvent_t *e, shal_hip_ipc_handle h)) \
	X(0, hipMemGetAddressRange, (void **base, size_t *size, void *p)) \
	X(1, hipModuleLoadData, (hipModule_t *module, const void *image)) \
	X(1, hipModuleUnload, (hipModule_t module)) \
	X(1, hipModuleGetFunction, (hipFunction_t *function, hipModule_t module, const char *name)) \
	X(1, hipModuleGetGlobal, (void **dptr, size_t *bytes, hipModule_t module, const char *name)) \
	X(1, hipFuncGetAttribute, (int *value, int attr, hipFunction_t function)) \
	X(1, hipModuleLaunchKernel, (hipFunction_t f, unsigned int gridDimX, unsigned int gridDimY, \
		unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, \
		unsigned int sharedMemBytes, hipStream_t stream, void **kernelParams, void **extra)) \
	X(0, hipModuleLaunchCooperativeKernel, (hipFunction_t f, unsigned int gridDimX, unsigned int gridDimY, \
		unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, \
		unsigned int sharedMemBytes, hipStream_t stream, void **kernelParams)) \
	X(1, hipGraphCreate, (hipGraph_t *graph, unsigned int flags)) \
	X(1, hipGraphDestroy, (hipGraph_t graph)) \
	X(1, hipGraphAddKernelNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, const shal_kernel_node_params *params)) \
	X(1, hipGraphAddMemcpyNode1D, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, void *dst, const void *src, size_t count, int kind)) \
	X(1, hipGraphAddMemsetNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, const shal_memset_params *params)) \
	X(1, hipGraphAddHostNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, const shal_host_node_params *params)) \
	X(1, hipGraphAddEmptyNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, size_t ndeps)) \
	X(1, hipGraphAddEventRecordNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, hipEvent_t event)) \
	X(1, hipGraphAddEventWaitNode, (hipGraphNode_t *node, hipGraph_t graph, const hipGraphNode_t *deps, \
		size_t ndeps, hipEvent_t event)) \
	X(1, hipGraphInstantiate, (hipGraphExec_t *exec, hipGraph_t graph, hipGraphNode_t *errorNode, \
		char *logBuffer, size_t bufferSize)) \
	X(1, hipGraphExecDestroy, (hipGraphExec_t exec)) \
	X(1, hipGraphLaunch, (hipGraphExec_t exec, hipStream_t stream)) \
	X(1, hipGraphExecKernelNodeSetParams, (hipGraphExec_t exec, hipGraphNode_t node, \
		const shal_kernel_node_params *params)) \
	X(1, hipGraphExecMemcpyNodeSetParams1D, (hipGraphExec_t exec, hipGraphNode_t node, void *dst, \
		const void *src, size_t count, int kind)) \
	X(1, hipGraphExecMemsetNodeSetParams, (hipGraphExec_t exec, hipGraphNode_t node, \
		const shal_memset_params *params)) \
	X(1, hipGraphExecHostNodeSetParams, (hipGraphExec_t exec, hipGraphNode_t node, \
		const shal_host_node_params *params)) \
	X(1, hipGraphExecEventRecordNodeSetEvent, (hipGraphExec_t exec, hipGraphNode_t node, hipEvent_t event)) \
	X(1, hipGraphExecEventWaitNodeSetEvent, (hipGraphExec_t exec, hipGraphNode_t node, hipEvent_t event)) \
	X(1, hipDeviceCanAccessPeer, (int *canAccess, int device, int peer)) \
	X(1, hipDeviceEnablePeerAccess, (int peer, unsigned int flags)) \
	X(1, hipDeviceDisablePeerAccess, (int peer)) \
	X(1, hipMemcpyPeerAsync, (void *dst, int dstDevice, const void *src, int srcDevice, size_t size, \
		hipStream_t stream)) \
	X(0, hipMemAdvise, (const void *ptr, size_t count, int advice, int device)) \
	X(0, hipMemPrefetchAsync, (const void *ptr, size_t count, int device, hipStream_t stream)) \
	X(0, hipMemPoolCreate, (hipMemPool_t *pool, const shal_hip_mem_pool_props *props)) \
	X(0, hipMemPoolDestroy, (hipMemPool_t pool)) \
	X(0, hipMallocFromPoolAsync, (void **ptr, size_t size, hipMemPool_t pool, hipStream_t stream)) \
	X(0, hipFreeAsync, (void *ptr, hipStream_t stream)) \
	X(0, hipMemPoolSetAttribute, (hipMemPool_t pool, int attr, void *value)) \
	X(0, hipMemPoolGetAttribute, (hipMemPool_t pool, int attr, void *value)) \
	X(0, hipMemPoolTrimTo, (hipMemPool_t pool, size_t keep)) \
	X(0, hipMemPoolSetAccess, (hipMemPool_t pool, const shal_hip_mem_access_desc *descs, size_t count)) \
	X(0, hipMemPoolGetAccess, (int *flags, hipMemPool_t pool, shal_hip_mem_location *location)) \
	X(0, hipDeviceGetDefaultMemPool, (hipMemPool_t *pool, int device)) \
	X(0, hipDeviceSetMemPool, (int device, hipMemPool_t pool))

typedef struct {
#define SHAL_HIP_FIELD(req, name, params) hipError_t(*name) params;
	SHAL_HIP_FUNCS(SHAL_HIP_FIELD)
#undef SHAL_HIP_FIELD
} shal_hip_api;

// Symbol table access for the loader.
int shal_hip_sym_count(void);
const char *shal_hip_sym_name(int i);
int shal_hip_sym_required(int i);
void shal_hip_sym_set(shal_hip_api *api, int i, void *p);
int shal_hip_sym_present(const shal_hip_api *api, int i);

// Layout facts of the declarations above, for layout_test.go.
size_t shal_hip_layout(int i);

// Wrappers. Each device-scoped wrapper makes dev the calling thread's current
// device (hipSetDevice) and then calls the runtime, in one C call, so the
// per-thread state never leaks into Go's scheduling.
hipError_t shal_hip_device_count(const shal_hip_api *a, int *n);
hipError_t shal_hip_runtime_version(const shal_hip_api *a, int *v);
hipError_t shal_hip_driver_version(const shal_hip_api *a, int *v);
hipError_t shal_hip_device_name(const shal_hip_api *a, int dev, char *name, int len);
hipError_t shal_hip_device_total_mem(const shal_hip_api *a, int dev, size_t *bytes);
hipError_t shal_hip_device_uuid(const shal_hip_api *a, int dev, shal_hip_uuid *uuid);
hipError_t shal_hip_device_attribute(const shal_hip_api *a, int dev, int attr, int *value);
hipError_t shal_hip_props_arch(const shal_hip_api *a, int dev, char *arch, size_t n);
hipError_t shal_hip_priority_range(const shal_hip_api *a, int dev, int *least, int *greatest);
hipError_t shal_hip_mem_info(const shal_hip_api *a, int dev, size_t *free, size_t *total);
hipError_t shal_hip_synchronize(const shal_hip_api *a, int dev);
hipError_t shal_hip_malloc(const shal_hip_api *a, int dev, uint64_t *p, size_t n);
hipError_t shal_hip_free(const shal_hip_api *a, int dev, uint64_t p);
hipError_t shal_hip_host_malloc(const shal_hip_api *a, int dev, void **host, uint64_t *devp, size_t n);
hipError_t shal_hip_host_free(const shal_hip_api *a, int dev, void *p);
hipError_t shal_hip_malloc_managed(const shal_hip_api *a, int dev, void **p, size_t n);
hipError_t shal_hip_host_register(const shal_hip_api *a, int dev, void *host, size_t n, uint64_t *devp);
hipError_t shal_hip_host_unregister(const shal_hip_api *a, int dev, void *host);
hipError_t shal_hip_memcpy_htod(const shal_hip_api *a, int dev, uint64_t dst, const void *src, size_t n);
hipError_t shal_hip_memcpy_dtoh(const shal_hip_api *a, int dev, void *dst, uint64_t src, size_t n);
hipError_t shal_hip_memcpy_async(const shal_hip_api *a, int dev, uint64_t dst, uint64_t src, size_t n, hipStream_t s);
hipError_t shal_hip_memset_async(const shal_hip_api *a, int dev, uint64_t dst, uint32_t pattern, int size,
	size_t count, hipStream_t s);
hipError_t shal_hip_stream_create(const shal_hip_api *a, int dev, hipStream_t *s, int priority);
hipError_t shal_hip_stream_destroy(const shal_hip_api *a, int dev, hipStream_t s);
hipError_t shal_hip_stream_synchronize(const shal_hip_api *a, int dev, hipStream_t s);
hipError_t shal_hip_stream_query(const shal_hip_api *a, int dev, hipStream_t s);
hipError_t shal_hip_stream_wait_event(const shal_hip_api *a, int dev, hipStream_t s, hipEvent_t e);
hipError_t shal_hip_host_call(const shal_hip_api *a, int dev, hipStream_t s, uintptr_t handle);
hipError_t shal_hip_event_create(const shal_hip_api *a, int dev, hipEvent_t *e, unsigned int flags);

// Interprocess handles: hipErrorNotSupported when the runtime lacks the
// calls.
hipError_t shal_hip_ipc_get_mem(const shal_hip_api *a, int dev, shal_hip_ipc_handle *h, uint64_t p);
hipError_t shal_hip_ipc_open_mem(const shal_hip_api *a, int dev, uint64_t *p, size_t *size, const shal_hip_ipc_handle *h);
hipError_t shal_hip_ipc_close_mem(const shal_hip_api *a, int dev, uint64_t p);
hipError_t shal_hip_ipc_get_event(const shal_hip_api *a, int dev, shal_hip_ipc_handle *h, hipEvent_t e);
hipError_t shal_hip_ipc_open_event(const shal_hip_api *a, int dev, hipEvent_t *e, const shal_hip_ipc_handle *h);
hipError_t shal_hip_event_destroy(const shal_hip_api *a, int dev, hipEvent_t e);
hipError_t shal_hip_event_record(const shal_hip_api *a, int dev, hipEvent_t e, hipStream_t s);
hipError_t shal_hip_event_query(const shal_hip_api *a, int dev, hipEvent_t e);
hipError_t shal_hip_event_synchronize(const shal_hip_api *a, int dev, hipEvent_t e);
hipError_t shal_hip_event_elapsed(const shal_hip_api *a, int dev, float *ms, hipEvent_t start, hipEvent_t stop);
hipError_t shal_hip_module_load(const shal_hip_api *a, int dev, hipModule_t *m, const void *image);
hipError_t shal_hip_module_unload(const shal_hip_api *a, int dev, hipModule_t m);
hipError_t shal_hip_module_function(const shal_hip_api *a, int dev, hipFunction_t *f, hipModule_t m, const char *name);
hipError_t shal_hip_module_global(const shal_hip_api *a, int dev, uint64_t *p, size_t *size, hipModule_t m,
	const char *name);
hipError_t shal_hip_func_attribute(const shal_hip_api *a, int dev, int *value, int attr, hipFunction_t f);
hipError_t shal_hip_launch(const shal_hip_api *a, int dev, hipFunction_t f, const uint32_t *grid,
	const uint32_t *block, uint32_t shared, hipStream_t s, const void *args, size_t nargs, size_t total,
	const uint32_t *offsets, int nparams, int cooperative);
hipError_t shal_hip_graph_create(const shal_hip_api *a, int dev, hipGraph_t *g);
hipError_t shal_hip_graph_destroy(const shal_hip_api *a, int dev, hipGraph_t g);
hipError_t shal_hip_graph_add_kernel(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps, hipFunction_t f, const uint32_t *grid, const uint32_t *block,
	uint32_t shared, void **kernelParams);
hipError_t shal_hip_graph_add_copy(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps, uint64_t dst, uint64_t src, size_t n);
hipError_t shal_hip_graph_add_fill(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps, uint64_t dst, uint32_t pattern, int size, size_t count);
hipError_t shal_hip_graph_add_host(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps, uintptr_t handle);
hipError_t shal_hip_graph_add_empty(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps);
hipError_t shal_hip_graph_add_event(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
	const hipGraphNode_t *deps, size_t ndeps, hipEvent_t e, int wait);
hipError_t shal_hip_graph_instantiate(const shal_hip_api *a, int dev, hipGraphExec_t *x, hipGraph_t g);
hipError_t shal_hip_graph_exec_destroy(const shal_hip_api *a, int dev, hipGraphExec_t x);
hipError_t shal_hip_graph_launch(const shal_hip_api *a, int dev, hipGraphExec_t x, hipStream_t s);
hipError_t shal_hip_exec_set_kernel(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
	hipFunction_t f, const uint32_t *grid, const uint32_t *block, uint32_t shared, void **kernelParams);
hipError_t shal_hip_exec_set_copy(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
	uint64_t dst, uint64_t src, size_t n);
hipError_t shal_hip_exec_set_fill(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
	uint64_t dst, uint32_t pattern, int size, size_t count);
hipError_t shal_hip_exec_set_host(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
	uintptr_t handle);
hipError_t shal_hip_exec_set_event(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
	hipEvent_t e, int wait);
hipError_t shal_hip_can_access_peer(const shal_hip_api *a, int *can, int dev, int peer);
hipError_t shal_hip_enable_peer(const shal_hip_api *a, int dev, int peer);
hipError_t shal_hip_disable_peer(const shal_hip_api *a, int dev, int peer);
hipError_t shal_hip_memcpy_peer_async(const shal_hip_api *a, int dev, uint64_t dst, int dstDev, uint64_t src,
	int srcDev, size_t n, hipStream_t s);
hipError_t shal_hip_mem_advise(const shal_hip_api *a, int dev, uint64_t p, size_t n, int advice, int target);
hipError_t shal_hip_mem_prefetch(const shal_hip_api *a, int dev, uint64_t p, size_t n, int target, hipStream_t s);

// Stream-ordered memory pools (pool.go).
int shal_hip_pools_present(const shal_hip_api *a);
hipError_t shal_hip_pool_default(const shal_hip_api *a, int dev, hipMemPool_t *p);
hipError_t shal_hip_pool_set_current(const shal_hip_api *a, int dev, hipMemPool_t p);
hipError_t shal_hip_pool_create(const shal_hip_api *a, int dev, hipMemPool_t *p, size_t maxSize);
hipError_t shal_hip_pool_destroy(const shal_hip_api *a, int dev, hipMemPool_t p);
hipError_t shal_hip_pool_alloc_async(const shal_hip_api *a, int dev, uint64_t *ptr, size_t n, hipMemPool_t p, hipStream_t s);
hipError_t shal_hip_free_async(const shal_hip_api *a, int dev, uint64_t ptr, hipStream_t s);
hipError_t shal_hip_pool_get_attr(const shal_hip_api *a, int dev, hipMemPool_t p, int attr, unsigned long long *v);
hipError_t shal_hip_pool_set_attr(const shal_hip_api *a, int dev, hipMemPool_t p, int attr, unsigned long long v);
hipError_t shal_hip_pool_trim(const shal_hip_api *a, int dev, hipMemPool_t p, size_t keep);
hipError_t shal_hip_pool_set_access(const shal_hip_api *a, int dev, hipMemPool_t p, int peer, int flags);
hipError_t shal_hip_pool_get_access(const shal_hip_api *a, int dev, hipMemPool_t p, int peer, int *flags);

// Fills a kernelParams array: ptrs[i] = args + offsets[i].
void shal_hip_param_pointers(void **ptrs, void *args, const uint32_t *offsets, int n);

#endif
