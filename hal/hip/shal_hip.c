// The C side of package hip: the symbol table of libamdhip64 and thin
// wrappers that make a device current and call the runtime in one C call.

#include <stdlib.h>
#include <string.h>

#include "shal_hip.h"

// The Go trampoline for host functions (callback.go).
extern void shalHipHostCallback(uintptr_t handle);

// hipMemcpyKind hipMemcpyDefault: the runtime infers the direction from the
// pointers (unified addressing).
#define SHAL_HIP_MEMCPY_DEFAULT 4
// hipHostMallocPortable | hipHostMallocMapped (the same bits as
// hipHostRegisterPortable | hipHostRegisterMapped).
#define SHAL_HIP_HOST_FLAGS 0x3
// hipMemAttachGlobal.
#define SHAL_HIP_ATTACH_GLOBAL 0x1
// hipStreamNonBlocking.
#define SHAL_HIP_STREAM_NON_BLOCKING 0x1
// HIP_LAUNCH_PARAM_* markers of the extra array; HIP ends it with 3, not 0.
#define SHAL_HIP_LAUNCH_PARAM_BUFFER_POINTER ((void *)0x01)
#define SHAL_HIP_LAUNCH_PARAM_BUFFER_SIZE ((void *)0x02)
#define SHAL_HIP_LAUNCH_PARAM_END ((void *)0x03)
// The kernarg segment of an AMDGPU dispatch is at most 4 KiB; larger
// buffers (which the runtime rejects anyway) go to the heap.
#define SHAL_HIP_ARGS_ON_STACK 4096

static const char *sym_names[] = {
#define SHAL_HIP_NAME(req, name, params) #name,
	SHAL_HIP_FUNCS(SHAL_HIP_NAME)
#undef SHAL_HIP_NAME
};

static const int sym_required[] = {
#define SHAL_HIP_REQ(req, name, params) req,
	SHAL_HIP_FUNCS(SHAL_HIP_REQ)
#undef SHAL_HIP_REQ
};

static const size_t sym_offsets[] = {
#define SHAL_HIP_OFF(req, name, params) offsetof(shal_hip_api, name),
	SHAL_HIP_FUNCS(SHAL_HIP_OFF)
#undef SHAL_HIP_OFF
};

int shal_hip_sym_count(void) { return (int)(sizeof(sym_names) / sizeof(sym_names[0])); }

const char *shal_hip_sym_name(int i) { return sym_names[i]; }

int shal_hip_sym_required(int i) { return sym_required[i]; }

// Every member of shal_hip_api is a function pointer; POSIX guarantees that
// those round-trip through void*, which is what dlsym returns.
void shal_hip_sym_set(shal_hip_api *api, int i, void *p) {
	memcpy((char *)api + sym_offsets[i], &p, sizeof(p));
}

int shal_hip_sym_present(const shal_hip_api *api, int i) {
	void *p;
	memcpy(&p, (const char *)api + sym_offsets[i], sizeof(p));
	return p != NULL;
}

size_t shal_hip_layout(int i) {
	switch (i) {
	case 0: return sizeof(shal_kernel_node_params);
	case 1: return offsetof(shal_kernel_node_params, blockDim);
	case 2: return offsetof(shal_kernel_node_params, extra);
	case 3: return offsetof(shal_kernel_node_params, func);
	case 4: return offsetof(shal_kernel_node_params, gridDim);
	case 5: return offsetof(shal_kernel_node_params, kernelParams);
	case 6: return offsetof(shal_kernel_node_params, sharedMemBytes);
	case 7: return sizeof(shal_memset_params);
	case 8: return offsetof(shal_memset_params, dst);
	case 9: return offsetof(shal_memset_params, elementSize);
	case 10: return offsetof(shal_memset_params, height);
	case 11: return offsetof(shal_memset_params, pitch);
	case 12: return offsetof(shal_memset_params, value);
	case 13: return offsetof(shal_memset_params, width);
	case 14: return sizeof(shal_host_node_params);
	case 15: return offsetof(shal_host_node_params, fn);
	case 16: return offsetof(shal_host_node_params, userData);
	case 17: return sizeof(shal_hip_uuid);
	case 18: return sizeof(shal_dim3);
	case 19: return SHAL_HIP_GCN_ARCH_NAME_R0600;
	case 20: return SHAL_HIP_GCN_ARCH_NAME_R0000;
	}
	return (size_t)-1;
}

#define SET_DEVICE(a, dev)                         \
	do {                                           \
		hipError_t set_err_ = (a)->hipSetDevice(dev); \
		if (set_err_ != 0) return set_err_;        \
	} while (0)

hipError_t shal_hip_device_count(const shal_hip_api *a, int *n) { return a->hipGetDeviceCount(n); }

hipError_t shal_hip_runtime_version(const shal_hip_api *a, int *v) { return a->hipRuntimeGetVersion(v); }

hipError_t shal_hip_driver_version(const shal_hip_api *a, int *v) { return a->hipDriverGetVersion(v); }

hipError_t shal_hip_device_name(const shal_hip_api *a, int dev, char *name, int len) {
	return a->hipDeviceGetName(name, len, dev);
}

hipError_t shal_hip_device_total_mem(const shal_hip_api *a, int dev, size_t *bytes) {
	return a->hipDeviceTotalMem(bytes, dev);
}

hipError_t shal_hip_device_uuid(const shal_hip_api *a, int dev, shal_hip_uuid *uuid) {
	if (a->hipDeviceGetUuid == NULL) return 500; // hipErrorNotFound
	return a->hipDeviceGetUuid(uuid, dev);
}

hipError_t shal_hip_device_attribute(const shal_hip_api *a, int dev, int attr, int *value) {
	return a->hipDeviceGetAttribute(value, attr, dev);
}

hipError_t shal_hip_props_arch(const shal_hip_api *a, int dev, char *arch, size_t n) {
	hipError_t (*get)(void *, int) = NULL;
	size_t off = 0;
	if (a->hipGetDevicePropertiesR0600 != NULL) {
		get = a->hipGetDevicePropertiesR0600;
		off = SHAL_HIP_GCN_ARCH_NAME_R0600;
	} else if (a->hipGetDevicePropertiesR0000 != NULL) {
		get = a->hipGetDevicePropertiesR0000;
		off = SHAL_HIP_GCN_ARCH_NAME_R0000;
	} else if (a->hipGetDeviceProperties != NULL) {
		get = a->hipGetDeviceProperties;
		off = SHAL_HIP_GCN_ARCH_NAME_R0000;
	} else {
		return 500; // hipErrorNotFound: no properties entry point
	}
	char *props = calloc(1, SHAL_HIP_PROPS_BUFFER);
	if (props == NULL) return 2; // hipErrorOutOfMemory
	hipError_t err = get(props, dev);
	if (err == 0 && n > 0) {
		const char *end = memchr(props + off, 0, 256);
		size_t len = end != NULL ? (size_t)(end - (props + off)) : 256;
		if (len >= n) len = n - 1;
		memcpy(arch, props + off, len);
		arch[len] = 0;
	}
	free(props);
	return err;
}

hipError_t shal_hip_priority_range(const shal_hip_api *a, int dev, int *least, int *greatest) {
	SET_DEVICE(a, dev);
	return a->hipDeviceGetStreamPriorityRange(least, greatest);
}

hipError_t shal_hip_mem_info(const shal_hip_api *a, int dev, size_t *free, size_t *total) {
	SET_DEVICE(a, dev);
	return a->hipMemGetInfo(free, total);
}

hipError_t shal_hip_synchronize(const shal_hip_api *a, int dev) {
	SET_DEVICE(a, dev);
	return a->hipDeviceSynchronize();
}

#define PTR(x) ((void *)(uintptr_t)(x))

hipError_t shal_hip_malloc(const shal_hip_api *a, int dev, uint64_t *p, size_t n) {
	SET_DEVICE(a, dev);
	void *ptr = NULL;
	hipError_t err = a->hipMalloc(&ptr, n);
	*p = (uint64_t)(uintptr_t)ptr;
	return err;
}

hipError_t shal_hip_free(const shal_hip_api *a, int dev, uint64_t p) {
	SET_DEVICE(a, dev);
	return a->hipFree(PTR(p));
}

hipError_t shal_hip_host_malloc(const shal_hip_api *a, int dev, void **host, uint64_t *devp, size_t n) {
	SET_DEVICE(a, dev);
	hipError_t err;
	if (a->hipHostMalloc != NULL) {
		err = a->hipHostMalloc(host, n, SHAL_HIP_HOST_FLAGS);
	} else {
		err = a->hipHostAlloc(host, n, SHAL_HIP_HOST_FLAGS);
	}
	if (err != 0) return err;
	void *d = NULL;
	err = a->hipHostGetDevicePointer(&d, *host, 0);
	if (err != 0) {
		a->hipHostFree(*host);
		*host = NULL;
	}
	*devp = (uint64_t)(uintptr_t)d;
	return err;
}

hipError_t shal_hip_host_free(const shal_hip_api *a, int dev, void *p) {
	SET_DEVICE(a, dev);
	return a->hipHostFree(p);
}

hipError_t shal_hip_malloc_managed(const shal_hip_api *a, int dev, void **p, size_t n) {
	SET_DEVICE(a, dev);
	return a->hipMallocManaged(p, n, SHAL_HIP_ATTACH_GLOBAL);
}

hipError_t shal_hip_host_register(const shal_hip_api *a, int dev, void *host, size_t n, uint64_t *devp) {
	SET_DEVICE(a, dev);
	hipError_t err = a->hipHostRegister(host, n, SHAL_HIP_HOST_FLAGS);
	if (err != 0) return err;
	void *d = NULL;
	err = a->hipHostGetDevicePointer(&d, host, 0);
	if (err != 0) a->hipHostUnregister(host);
	*devp = (uint64_t)(uintptr_t)d;
	return err;
}

hipError_t shal_hip_host_unregister(const shal_hip_api *a, int dev, void *host) {
	SET_DEVICE(a, dev);
	return a->hipHostUnregister(host);
}

hipError_t shal_hip_memcpy_htod(const shal_hip_api *a, int dev, uint64_t dst, const void *src, size_t n) {
	SET_DEVICE(a, dev);
	// As cuMemcpyHtoD, hipMemcpy from pageable memory may return before
	// the DMA lands, on the NULL stream that non-blocking queues do not
	// wait for: wait for it.
	hipError_t r = a->hipMemcpy(PTR(dst), src, n, SHAL_HIP_MEMCPY_DEFAULT);
	if (r != 0) return r;
	SET_DEVICE(a, dev);
	return a->hipStreamSynchronize((hipStream_t)0);
}

hipError_t shal_hip_memcpy_dtoh(const shal_hip_api *a, int dev, void *dst, uint64_t src, size_t n) {
	SET_DEVICE(a, dev);
	return a->hipMemcpy(dst, PTR(src), n, SHAL_HIP_MEMCPY_DEFAULT);
}

hipError_t shal_hip_memcpy_async(const shal_hip_api *a, int dev, uint64_t dst, uint64_t src, size_t n, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipMemcpyAsync(PTR(dst), PTR(src), n, SHAL_HIP_MEMCPY_DEFAULT, s);
}

hipError_t shal_hip_memset_async(const shal_hip_api *a, int dev, uint64_t dst, uint32_t pattern, int size,
                                 size_t count, hipStream_t s) {
	SET_DEVICE(a, dev);
	switch (size) {
	case 1: return a->hipMemsetD8Async(PTR(dst), (unsigned char)pattern, count, s);
	case 2: return a->hipMemsetD16Async(PTR(dst), (unsigned short)pattern, count, s);
	case 4: return a->hipMemsetD32Async(PTR(dst), (int)pattern, count, s);
	}
	return 1; // hipErrorInvalidValue
}

hipError_t shal_hip_stream_create(const shal_hip_api *a, int dev, hipStream_t *s, int priority) {
	SET_DEVICE(a, dev);
	return a->hipStreamCreateWithPriority(s, SHAL_HIP_STREAM_NON_BLOCKING, priority);
}

hipError_t shal_hip_stream_destroy(const shal_hip_api *a, int dev, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipStreamDestroy(s);
}

hipError_t shal_hip_stream_synchronize(const shal_hip_api *a, int dev, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipStreamSynchronize(s);
}

hipError_t shal_hip_stream_query(const shal_hip_api *a, int dev, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipStreamQuery(s);
}

hipError_t shal_hip_stream_wait_event(const shal_hip_api *a, int dev, hipStream_t s, hipEvent_t e) {
	SET_DEVICE(a, dev);
	return a->hipStreamWaitEvent(s, e, 0);
}

static void shal_hip_host_fn(void *user) { shalHipHostCallback((uintptr_t)user); }

static void shal_hip_stream_cb(hipStream_t s, hipError_t status, void *user) {
	(void)s;
	(void)status;
	shalHipHostCallback((uintptr_t)user);
}

hipError_t shal_hip_host_call(const shal_hip_api *a, int dev, hipStream_t s, uintptr_t handle) {
	SET_DEVICE(a, dev);
	if (a->hipLaunchHostFunc != NULL) {
		return a->hipLaunchHostFunc(s, shal_hip_host_fn, (void *)handle);
	}
	return a->hipStreamAddCallback(s, shal_hip_stream_cb, (void *)handle, 0);
}

hipError_t shal_hip_event_create(const shal_hip_api *a, int dev, hipEvent_t *e, unsigned int flags) {
	SET_DEVICE(a, dev);
	return a->hipEventCreateWithFlags(e, flags);
}

hipError_t shal_hip_event_destroy(const shal_hip_api *a, int dev, hipEvent_t e) {
	SET_DEVICE(a, dev);
	return a->hipEventDestroy(e);
}

hipError_t shal_hip_event_record(const shal_hip_api *a, int dev, hipEvent_t e, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipEventRecord(e, s);
}

hipError_t shal_hip_event_query(const shal_hip_api *a, int dev, hipEvent_t e) {
	SET_DEVICE(a, dev);
	return a->hipEventQuery(e);
}

hipError_t shal_hip_event_synchronize(const shal_hip_api *a, int dev, hipEvent_t e) {
	SET_DEVICE(a, dev);
	return a->hipEventSynchronize(e);
}

hipError_t shal_hip_event_elapsed(const shal_hip_api *a, int dev, float *ms, hipEvent_t start, hipEvent_t stop) {
	SET_DEVICE(a, dev);
	return a->hipEventElapsedTime(ms, start, stop);
}

#define SHAL_HIP_ERROR_NOT_SUPPORTED 801
#define SHAL_HIP_IPC_LAZY_PEER 0x1 // hipIpcMemLazyEnablePeerAccess

hipError_t shal_hip_ipc_get_mem(const shal_hip_api *a, int dev, shal_hip_ipc_handle *h, uint64_t p) {
	if (a->hipIpcGetMemHandle == NULL) return SHAL_HIP_ERROR_NOT_SUPPORTED;
	SET_DEVICE(a, dev);
	return a->hipIpcGetMemHandle(h, PTR(p));
}

hipError_t shal_hip_ipc_open_mem(const shal_hip_api *a, int dev, uint64_t *p, size_t *size, const shal_hip_ipc_handle *h) {
	if (a->hipIpcOpenMemHandle == NULL || a->hipIpcCloseMemHandle == NULL || a->hipMemGetAddressRange == NULL)
		return SHAL_HIP_ERROR_NOT_SUPPORTED;
	SET_DEVICE(a, dev);
	void *ptr = NULL, *base = NULL;
	hipError_t err = a->hipIpcOpenMemHandle(&ptr, *h, SHAL_HIP_IPC_LAZY_PEER);
	if (err != 0) return err;
	err = a->hipMemGetAddressRange(&base, size, ptr);
	if (err != 0) {
		a->hipIpcCloseMemHandle(ptr);
		return err;
	}
	*p = (uint64_t)(uintptr_t)ptr;
	return 0;
}

hipError_t shal_hip_ipc_close_mem(const shal_hip_api *a, int dev, uint64_t p) {
	if (a->hipIpcCloseMemHandle == NULL) return SHAL_HIP_ERROR_NOT_SUPPORTED;
	SET_DEVICE(a, dev);
	return a->hipIpcCloseMemHandle(PTR(p));
}

hipError_t shal_hip_ipc_get_event(const shal_hip_api *a, int dev, shal_hip_ipc_handle *h, hipEvent_t e) {
	if (a->hipIpcGetEventHandle == NULL) return SHAL_HIP_ERROR_NOT_SUPPORTED;
	SET_DEVICE(a, dev);
	return a->hipIpcGetEventHandle(h, e);
}

hipError_t shal_hip_ipc_open_event(const shal_hip_api *a, int dev, hipEvent_t *e, const shal_hip_ipc_handle *h) {
	if (a->hipIpcOpenEventHandle == NULL) return SHAL_HIP_ERROR_NOT_SUPPORTED;
	SET_DEVICE(a, dev);
	return a->hipIpcOpenEventHandle(e, *h);
}

hipError_t shal_hip_module_load(const shal_hip_api *a, int dev, hipModule_t *m, const void *image) {
	SET_DEVICE(a, dev);
	return a->hipModuleLoadData(m, image);
}

hipError_t shal_hip_module_unload(const shal_hip_api *a, int dev, hipModule_t m) {
	SET_DEVICE(a, dev);
	return a->hipModuleUnload(m);
}

hipError_t shal_hip_module_function(const shal_hip_api *a, int dev, hipFunction_t *f, hipModule_t m, const char *name) {
	SET_DEVICE(a, dev);
	return a->hipModuleGetFunction(f, m, name);
}

hipError_t shal_hip_module_global(const shal_hip_api *a, int dev, uint64_t *p, size_t *size, hipModule_t m,
                                  const char *name) {
	SET_DEVICE(a, dev);
	void *ptr = NULL;
	hipError_t err = a->hipModuleGetGlobal(&ptr, size, m, name);
	*p = (uint64_t)(uintptr_t)ptr;
	return err;
}

hipError_t shal_hip_func_attribute(const shal_hip_api *a, int dev, int *value, int attr, hipFunction_t f) {
	SET_DEVICE(a, dev);
	return a->hipFuncGetAttribute(value, attr, f);
}

void shal_hip_param_pointers(void **ptrs, void *args, const uint32_t *offsets, int n) {
	for (int i = 0; i < n; i++) ptrs[i] = (char *)args + offsets[i];
}

hipError_t shal_hip_launch(const shal_hip_api *a, int dev, hipFunction_t f, const uint32_t *grid,
                           const uint32_t *block, uint32_t shared, hipStream_t s, const void *args, size_t nargs,
                           size_t total, const uint32_t *offsets, int nparams, int cooperative) {
	if (cooperative && a->hipModuleLaunchCooperativeKernel == NULL) return 801; // hipErrorNotSupported
	SET_DEVICE(a, dev);
	// The argument buffer is copied into C memory, zero-padded to the size
	// of the kernel's argument struct (callers pass it without tail
	// padding): the runtime reads it during the call (it captures the
	// kernarg values into the dispatch packet's segment), never afterwards.
	if (total < nargs) total = nargs;
	_Alignas(16) unsigned char stack[SHAL_HIP_ARGS_ON_STACK];
	unsigned char *buf = stack;
	if (total > sizeof(stack)) {
		buf = malloc(total);
		if (buf == NULL) return 2; // hipErrorOutOfMemory
	}
	if (nargs > 0) memcpy(buf, args, nargs);
	if (total > nargs) memset(buf + nargs, 0, total - nargs);
	hipError_t err;
	if (cooperative) {
		// hipModuleLaunchCooperativeKernel takes kernelParams only.
		void *one[1] = {buf};
		void **ptrs = one;
		if (nparams > 1) {
			ptrs = malloc(sizeof(void *) * (size_t)nparams);
			if (ptrs == NULL) {
				if (buf != stack) free(buf);
				return 2;
			}
		}
		shal_hip_param_pointers(ptrs, buf, offsets, nparams);
		err = a->hipModuleLaunchCooperativeKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2],
		                                          shared, s, ptrs);
		if (ptrs != one) free(ptrs);
	} else {
		size_t size = total;
		void *extra[5] = {SHAL_HIP_LAUNCH_PARAM_BUFFER_POINTER, buf, SHAL_HIP_LAUNCH_PARAM_BUFFER_SIZE, &size,
		                  SHAL_HIP_LAUNCH_PARAM_END};
		err = a->hipModuleLaunchKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, s,
		                               NULL, extra);
	}
	if (buf != stack) free(buf);
	return err;
}

hipError_t shal_hip_graph_create(const shal_hip_api *a, int dev, hipGraph_t *g) {
	SET_DEVICE(a, dev);
	return a->hipGraphCreate(g, 0);
}

hipError_t shal_hip_graph_destroy(const shal_hip_api *a, int dev, hipGraph_t g) {
	SET_DEVICE(a, dev);
	return a->hipGraphDestroy(g);
}

static void kernel_params(shal_kernel_node_params *p, hipFunction_t f, const uint32_t *grid,
                          const uint32_t *block, uint32_t shared, void **kernelParams) {
	memset(p, 0, sizeof(*p));
	p->func = (void *)f;
	p->gridDim.x = grid[0];
	p->gridDim.y = grid[1];
	p->gridDim.z = grid[2];
	p->blockDim.x = block[0];
	p->blockDim.y = block[1];
	p->blockDim.z = block[2];
	p->sharedMemBytes = shared;
	p->kernelParams = kernelParams;
	p->extra = NULL;
}

hipError_t shal_hip_graph_add_kernel(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                     const hipGraphNode_t *deps, size_t ndeps, hipFunction_t f,
                                     const uint32_t *grid, const uint32_t *block, uint32_t shared,
                                     void **kernelParams) {
	SET_DEVICE(a, dev);
	shal_kernel_node_params p;
	kernel_params(&p, f, grid, block, shared, kernelParams);
	return a->hipGraphAddKernelNode(node, g, deps, ndeps, &p);
}

hipError_t shal_hip_graph_add_copy(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                   const hipGraphNode_t *deps, size_t ndeps, uint64_t dst, uint64_t src, size_t n) {
	SET_DEVICE(a, dev);
	return a->hipGraphAddMemcpyNode1D(node, g, deps, ndeps, PTR(dst), PTR(src), n, SHAL_HIP_MEMCPY_DEFAULT);
}

static void memset_params(shal_memset_params *p, uint64_t dst, uint32_t pattern, int size, size_t count) {
	memset(p, 0, sizeof(*p));
	p->dst = PTR(dst);
	p->elementSize = (unsigned int)size;
	p->width = count;
	p->height = 1;
	p->pitch = count * (size_t)size;
	switch (size) {
	case 1: p->value = pattern & 0xff; break;
	case 2: p->value = pattern & 0xffff; break;
	default: p->value = pattern;
	}
}

hipError_t shal_hip_graph_add_fill(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                   const hipGraphNode_t *deps, size_t ndeps, uint64_t dst, uint32_t pattern, int size,
                                   size_t count) {
	SET_DEVICE(a, dev);
	shal_memset_params p;
	memset_params(&p, dst, pattern, size, count);
	return a->hipGraphAddMemsetNode(node, g, deps, ndeps, &p);
}

hipError_t shal_hip_graph_add_host(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                   const hipGraphNode_t *deps, size_t ndeps, uintptr_t handle) {
	SET_DEVICE(a, dev);
	shal_host_node_params p = {shal_hip_host_fn, (void *)handle};
	return a->hipGraphAddHostNode(node, g, deps, ndeps, &p);
}

hipError_t shal_hip_graph_add_empty(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                    const hipGraphNode_t *deps, size_t ndeps) {
	SET_DEVICE(a, dev);
	return a->hipGraphAddEmptyNode(node, g, deps, ndeps);
}

hipError_t shal_hip_graph_add_event(const shal_hip_api *a, int dev, hipGraphNode_t *node, hipGraph_t g,
                                    const hipGraphNode_t *deps, size_t ndeps, hipEvent_t e, int wait) {
	SET_DEVICE(a, dev);
	if (wait) return a->hipGraphAddEventWaitNode(node, g, deps, ndeps, e);
	return a->hipGraphAddEventRecordNode(node, g, deps, ndeps, e);
}

hipError_t shal_hip_graph_instantiate(const shal_hip_api *a, int dev, hipGraphExec_t *x, hipGraph_t g) {
	SET_DEVICE(a, dev);
	return a->hipGraphInstantiate(x, g, NULL, NULL, 0);
}

hipError_t shal_hip_graph_exec_destroy(const shal_hip_api *a, int dev, hipGraphExec_t x) {
	SET_DEVICE(a, dev);
	return a->hipGraphExecDestroy(x);
}

hipError_t shal_hip_graph_launch(const shal_hip_api *a, int dev, hipGraphExec_t x, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipGraphLaunch(x, s);
}

hipError_t shal_hip_exec_set_kernel(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
                                    hipFunction_t f, const uint32_t *grid, const uint32_t *block, uint32_t shared,
                                    void **kernelParams) {
	SET_DEVICE(a, dev);
	shal_kernel_node_params p;
	kernel_params(&p, f, grid, block, shared, kernelParams);
	return a->hipGraphExecKernelNodeSetParams(x, node, &p);
}

hipError_t shal_hip_exec_set_copy(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
                                  uint64_t dst, uint64_t src, size_t n) {
	SET_DEVICE(a, dev);
	return a->hipGraphExecMemcpyNodeSetParams1D(x, node, PTR(dst), PTR(src), n, SHAL_HIP_MEMCPY_DEFAULT);
}

hipError_t shal_hip_exec_set_fill(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
                                  uint64_t dst, uint32_t pattern, int size, size_t count) {
	SET_DEVICE(a, dev);
	shal_memset_params p;
	memset_params(&p, dst, pattern, size, count);
	return a->hipGraphExecMemsetNodeSetParams(x, node, &p);
}

hipError_t shal_hip_exec_set_host(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
                                  uintptr_t handle) {
	SET_DEVICE(a, dev);
	shal_host_node_params p = {shal_hip_host_fn, (void *)handle};
	return a->hipGraphExecHostNodeSetParams(x, node, &p);
}

hipError_t shal_hip_exec_set_event(const shal_hip_api *a, int dev, hipGraphExec_t x, hipGraphNode_t node,
                                   hipEvent_t e, int wait) {
	SET_DEVICE(a, dev);
	if (wait) return a->hipGraphExecEventWaitNodeSetEvent(x, node, e);
	return a->hipGraphExecEventRecordNodeSetEvent(x, node, e);
}

hipError_t shal_hip_can_access_peer(const shal_hip_api *a, int *can, int dev, int peer) {
	return a->hipDeviceCanAccessPeer(can, dev, peer);
}

hipError_t shal_hip_enable_peer(const shal_hip_api *a, int dev, int peer) {
	SET_DEVICE(a, dev);
	return a->hipDeviceEnablePeerAccess(peer, 0);
}

hipError_t shal_hip_disable_peer(const shal_hip_api *a, int dev, int peer) {
	SET_DEVICE(a, dev);
	return a->hipDeviceDisablePeerAccess(peer);
}

// dev is the stream's device, dstDev or srcDev.
hipError_t shal_hip_memcpy_peer_async(const shal_hip_api *a, int dev, uint64_t dst, int dstDev, uint64_t src,
                                      int srcDev, size_t n, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipMemcpyPeerAsync(PTR(dst), dstDev, PTR(src), srcDev, n, s);
}

hipError_t shal_hip_mem_advise(const shal_hip_api *a, int dev, uint64_t p, size_t n, int advice, int target) {
	if (a->hipMemAdvise == NULL) return 801; // hipErrorNotSupported
	SET_DEVICE(a, dev);
	return a->hipMemAdvise(PTR(p), n, advice, target);
}

hipError_t shal_hip_mem_prefetch(const shal_hip_api *a, int dev, uint64_t p, size_t n, int target, hipStream_t s) {
	if (a->hipMemPrefetchAsync == NULL) return 801; // hipErrorNotSupported
	SET_DEVICE(a, dev);
	return a->hipMemPrefetchAsync(PTR(p), n, target, s);
}

// ---- stream-ordered memory pools ----

int shal_hip_pools_present(const shal_hip_api *a) {
	return a->hipMemPoolCreate && a->hipMemPoolDestroy && a->hipMallocFromPoolAsync && a->hipFreeAsync &&
	       a->hipMemPoolSetAttribute && a->hipMemPoolGetAttribute && a->hipMemPoolTrimTo && a->hipMemPoolSetAccess &&
	       a->hipMemPoolGetAccess && a->hipDeviceGetDefaultMemPool && a->hipDeviceSetMemPool;
}
hipError_t shal_hip_pool_default(const shal_hip_api *a, int dev, hipMemPool_t *p) {
	SET_DEVICE(a, dev);
	return a->hipDeviceGetDefaultMemPool(p, dev);
}
hipError_t shal_hip_pool_set_current(const shal_hip_api *a, int dev, hipMemPool_t p) {
	SET_DEVICE(a, dev);
	return a->hipDeviceSetMemPool(dev, p);
}
// hipMemAllocationTypePinned, hipMemHandleTypeNone, hipMemLocationTypeDevice.
hipError_t shal_hip_pool_create(const shal_hip_api *a, int dev, hipMemPool_t *p, size_t maxSize) {
	SET_DEVICE(a, dev);
	shal_hip_mem_pool_props props;
	memset(&props, 0, sizeof props);
	props.allocType = 1;
	props.location.type = 1;
	props.location.id = dev;
	props.maxSize = maxSize;
	return a->hipMemPoolCreate(p, &props);
}
hipError_t shal_hip_pool_destroy(const shal_hip_api *a, int dev, hipMemPool_t p) {
	SET_DEVICE(a, dev);
	return a->hipMemPoolDestroy(p);
}
hipError_t shal_hip_pool_alloc_async(const shal_hip_api *a, int dev, uint64_t *ptr, size_t n, hipMemPool_t p, hipStream_t s) {
	SET_DEVICE(a, dev);
	void *q = NULL;
	hipError_t err = a->hipMallocFromPoolAsync(&q, n, p, s);
	*ptr = (uint64_t)(uintptr_t)q;
	return err;
}
hipError_t shal_hip_free_async(const shal_hip_api *a, int dev, uint64_t ptr, hipStream_t s) {
	SET_DEVICE(a, dev);
	return a->hipFreeAsync(PTR(ptr), s);
}
// The reuse policies (1-3) are ints, the other attributes uint64_t.
hipError_t shal_hip_pool_get_attr(const shal_hip_api *a, int dev, hipMemPool_t p, int attr, unsigned long long *v) {
	SET_DEVICE(a, dev);
	if (attr >= 1 && attr <= 3) {
		int i = 0;
		hipError_t err = a->hipMemPoolGetAttribute(p, attr, &i);
		*v = (unsigned long long)i;
		return err;
	}
	return a->hipMemPoolGetAttribute(p, attr, v);
}
hipError_t shal_hip_pool_set_attr(const shal_hip_api *a, int dev, hipMemPool_t p, int attr, unsigned long long v) {
	SET_DEVICE(a, dev);
	if (attr >= 1 && attr <= 3) {
		int i = v != 0;
		return a->hipMemPoolSetAttribute(p, attr, &i);
	}
	return a->hipMemPoolSetAttribute(p, attr, &v);
}
hipError_t shal_hip_pool_trim(const shal_hip_api *a, int dev, hipMemPool_t p, size_t keep) {
	SET_DEVICE(a, dev);
	return a->hipMemPoolTrimTo(p, keep);
}
hipError_t shal_hip_pool_set_access(const shal_hip_api *a, int dev, hipMemPool_t p, int peer, int flags) {
	SET_DEVICE(a, dev);
	shal_hip_mem_access_desc d = {{1, peer}, flags};
	return a->hipMemPoolSetAccess(p, &d, 1);
}
hipError_t shal_hip_pool_get_access(const shal_hip_api *a, int dev, hipMemPool_t p, int peer, int *flags) {
	SET_DEVICE(a, dev);
	shal_hip_mem_location loc = {1, peer};
	return a->hipMemPoolGetAccess(flags, p, &loc);
}
