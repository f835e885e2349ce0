// Types of the HIP runtime API (hip_runtime_api.h of ROCm 5.2, as Debian's
// libamdhip64-dev ships it) that the exported functions take: the C ABI of
// libamdhip64, declared here so that building the library needs no HIP
// headers. Handles are opaque pointers, enums are int.
#ifndef SHAL_HIP_CAPI_H
#define SHAL_HIP_CAPI_H
#include <stddef.h>

typedef int hipError_t;
typedef void* hipHandle; // hipStream_t, hipEvent_t, hipCtx_t, hipModule_t, ...

typedef struct shal_dim3 { unsigned int x, y, z; } shal_dim3;

typedef struct hipKernelNodeParams {
	shal_dim3 blockDim;
	void** extra;
	void* func;
	shal_dim3 gridDim;
	void** kernelParams;
	unsigned int sharedMemBytes;
} hipKernelNodeParams;

typedef struct hipMemsetParams {
	void* dst;
	unsigned int elementSize;
	size_t height;
	size_t pitch;
	unsigned int value;
	size_t width;
} hipMemsetParams;

typedef void (*hipHostFn_t)(void* userData);

typedef struct hipHostNodeParams {
	hipHostFn_t fn;
	void* userData;
} hipHostNodeParams;

typedef struct hipMemLocation {
	int type;
	int id;
} hipMemLocation;

typedef struct hipMemPoolProps {
	int allocType;
	int handleTypes;
	hipMemLocation location;
	void* win32SecurityAttributes;
	unsigned char reserved[64];
} hipMemPoolProps;

// shal_call_host_fn calls a hipHostFn_t (Go cannot call a C function
// pointer itself).
void shal_call_host_fn(hipHostFn_t fn, void* userData);

#endif
