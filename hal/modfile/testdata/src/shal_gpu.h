/* Minimal device header for the modfile test fixtures (clang-16, no CUDA/HIP SDK). */
#ifndef SHAL_GPU_H_
#define SHAL_GPU_H_
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef int int32_t;
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __noinline__ __attribute__((noinline))
#if defined(__NVPTX__)
#define __launch_bounds__(n) __attribute__((launch_bounds(n)))
#else
#define __launch_bounds__(n) __attribute__((amdgpu_flat_work_group_size(1, n)))
#endif
#if defined(__NVPTX__)
#define SHAL_TID_X __nvvm_read_ptx_sreg_tid_x()
#define SHAL_TID_Y __nvvm_read_ptx_sreg_tid_y()
#define SHAL_BID_X __nvvm_read_ptx_sreg_ctaid_x()
#define SHAL_BID_Y __nvvm_read_ptx_sreg_ctaid_y()
#define SHAL_BDIM_X __nvvm_read_ptx_sreg_ntid_x()
#define __syncthreads() __syncthreads()
#else
#define SHAL_TID_X __builtin_amdgcn_workitem_id_x()
#define SHAL_TID_Y __builtin_amdgcn_workitem_id_y()
#define SHAL_BID_X __builtin_amdgcn_workgroup_id_x()
#define SHAL_BID_Y __builtin_amdgcn_workgroup_id_y()
#define SHAL_BDIM_X __builtin_amdgcn_workgroup_size_x()
#define __syncthreads() __builtin_amdgcn_s_barrier()
#endif
#endif
