// Types of the CUDA driver API (cuda.h) that the exported functions take:
// the C ABI of libcuda.so.1, declared here so that building the library
// needs no CUDA toolkit. Handles are opaque pointers, enums are int,
// CUdeviceptr is unsigned long long.
#ifndef SHAL_CUDA_CAPI_H
#define SHAL_CUDA_CAPI_H
#include <stddef.h>

typedef int CUresult;
typedef void* cuHandle; // CUcontext, CUmodule, CUfunction, CUstream, ...
typedef unsigned long long CUdeviceptr;

typedef void (*CUhostFn)(void* userData);

// CUDA_KERNEL_NODE_PARAMS_v1; _v2 appends CUkernel kern and CUcontext ctx.
typedef struct CUDA_KERNEL_NODE_PARAMS_v2 {
	void* func;
	unsigned int gridDimX, gridDimY, gridDimZ;
	unsigned int blockDimX, blockDimY, blockDimZ;
	unsigned int sharedMemBytes;
	void** kernelParams;
	void** extra;
	void* kern;
	void* ctx;
} CUDA_KERNEL_NODE_PARAMS_v2;

typedef struct CUDA_MEMSET_NODE_PARAMS {
	CUdeviceptr dst;
	size_t pitch;
	unsigned int value;
	unsigned int elementSize;
	size_t width;
	size_t height;
} CUDA_MEMSET_NODE_PARAMS;

typedef struct CUDA_HOST_NODE_PARAMS {
	CUhostFn fn;
	void* userData;
} CUDA_HOST_NODE_PARAMS;

// shal_call_host_fn calls a CUhostFn (Go cannot call a C function pointer
// itself).
void shal_call_host_fn(CUhostFn fn, void* userData);

#endif
