/*
 * shal_gpu.h: the CUDA device API that streamhal's GPU kernel sources use,
 * defined from clang builtins for NVPTX (clang CUDA mode, -nocudainc
 * -nocudalib) and AMDGPU (clang HIP mode, -nogpuinc -nogpulib), so that
 * kernels/gpu/test_kernels.cu and the kernels/corpus sources compile with a plain
 * Debian clang and no vendor SDK. Under nvcc (__NVCC__) it includes the
 * real CUDA headers instead and only adds the SHAL_* macros, so the same
 * source builds with both compilers unchanged.
 *
 * Every target: __global__, __device__, __shared__, __constant__,
 * threadIdx, blockIdx, blockDim, gridDim (read-only, .x/.y/.z),
 * __syncthreads(), SHAL_DYNAMIC_SHARED(type, name) (the extern __shared__
 * array sized by the launch's dynamic shared memory), SHAL_EXTERN_C /
 * SHAL_EXTERN_C_END, and the fixed-width integer types.
 *
 * The parts written once for both clang targets are in shal_gpu_common.h
 * (qualifiers, warpSize, vector types, bit casts, __popc/__brev and their
 * ll forms) and shal_gpu_math.h (below).
 *
 * NVPTX only (clang), with CUDA's names and semantics: vector types
 * (float2, float4, int2, int4, uint2, uint4, double2, ...) and make_*;
 * warp intrinsics (__shfl_sync and its up/down/xor forms, __ballot_sync,
 * __all_sync, __any_sync, __uni_sync, __activemask, __syncwarp,
 * __match_any_sync, __match_all_sync, __reduce_*_sync); block votes
 * (__syncthreads_count/_and/_or); fences (__threadfence*); atomics
 * (atomicAdd/Sub/Exch/Min/Max/Inc/Dec/CAS/And/Or/Xor on int, unsigned,
 * long long, unsigned long long, float, double as CUDA has them); integer
 * intrinsics (__popc, __clz, __ffs, __brev and their ll forms,
 * __byte_perm, __funnelshift_*, __mulhi, __umulhi, __mul64hi,
 * __umul64hi, __sad, __usad, __mul24, __umul24); IEEE-rounded float and
 * double arithmetic and conversions (__fadd_rn/rz/rd/ru and friends,
 * __float2int_rn/rz/rd/ru and friends, __saturatef, bit casts); the fast
 * approximations (__expf, __exp10f, __logf, __log2f, __log10f, __sinf,
 * __cosf, __sincosf, __tanf, __powf, __fdividef, rsqrtf, exp2f);
 * correctly rounded sqrtf/sqrt, fmaf/fma, fabsf/fabs, fminf/fmaxf,
 * fmin/fmax, floorf/ceilf/truncf/rintf, copysignf; clock(), clock64();
 * __ldg; __half and __half2 (conversions, add/sub/mul/fma/neg/abs, the
 * half2 forms) and __nv_bfloat16 (conversions, fma).
 *
 * AMDGPU (shal_gpu_amdgpu.h): the same vector types, bit casts, warp
 * intrinsics (each 32-lane half of a wave64 wavefront is one CUDA warp),
 * block votes, fences, atomics, integer intrinsics and __half conversions
 * and arithmetic.
 *
 * Both (shal_gpu_math.h): CUDA's full-precision float and double math
 * functions (expf, logf, powf, sinf, tanhf, erff, ... and their double
 * forms) within CUDA's documented ulp bounds, without libdevice or ocml;
 * size_t, ptrdiff_t, intptr_t, uintptr_t.
 *
 * streamhal build (cmd/streamhal) includes this header implicitly, so
 * ordinary CUDA sources need no #include.
 *
 * Kernels are declared inside SHAL_EXTERN_C ... SHAL_EXTERN_C_END so that
 * their symbols (PTX .entry names, AMDGPU kernel descriptors) are the plain
 * kernel names.
 */
#ifndef SHAL_GPU_H_
#define SHAL_GPU_H_

#if defined(__NVCC__)

/* nvcc: the toolkit's own definitions; only streamhal's macros are added. */
#include <stdint.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>

#define SHAL_EXTERN_C extern "C" {
#define SHAL_EXTERN_C_END }
#define SHAL_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

#else /* clang */

#if !defined(__CUDA__) && !defined(__HIP__)
#error "shal_gpu.h: compile with clang in CUDA (-x cuda) or HIP (-x hip) mode"
#endif
#if !defined(__NVPTX__) && !defined(__AMDGPU__)
#error "shal_gpu.h: device-only compilation expected (--cuda-device-only)"
#endif

/* ---- attributes ---- */

#ifndef __global__
#define __global__ __attribute__((global))
#endif
#ifndef __device__
#define __device__ __attribute__((device))
#endif
#ifndef __shared__
#define __shared__ __attribute__((shared))
#endif
#ifndef __constant__
#define __constant__ __attribute__((constant))
#endif

#define SHAL_EXTERN_C extern "C" {
#define SHAL_EXTERN_C_END }

/* ---- fixed-width integers (no system headers in device-only builds) ---- */

typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;

/* ---- thread and block coordinates ---- */

struct shal_uint3 {
  unsigned x, y, z;
};

#if defined(__NVPTX__)

#define SHAL_SREG_(name)                                              \
  static __device__ inline __attribute__((always_inline)) shal_uint3 \
      shal_##name##_() {                                              \
    return shal_uint3{(unsigned)__nvvm_read_ptx_sreg_##name##_x(),    \
                      (unsigned)__nvvm_read_ptx_sreg_##name##_y(),    \
                      (unsigned)__nvvm_read_ptx_sreg_##name##_z()};   \
  }
SHAL_SREG_(tid)
SHAL_SREG_(ntid)
SHAL_SREG_(ctaid)
SHAL_SREG_(nctaid)
#undef SHAL_SREG_

#define threadIdx (shal_tid_())
#define blockDim (shal_ntid_())
#define blockIdx (shal_ctaid_())
#define gridDim (shal_nctaid_())

/* __syncthreads() is a clang builtin on NVPTX (bar.sync 0). */

#elif defined(__AMDGPU__)

static __device__ inline __attribute__((always_inline)) shal_uint3
shal_tid_() {
  return shal_uint3{__builtin_amdgcn_workitem_id_x(),
                    __builtin_amdgcn_workitem_id_y(),
                    __builtin_amdgcn_workitem_id_z()};
}
static __device__ inline __attribute__((always_inline)) shal_uint3
shal_ntid_() {
  return shal_uint3{__builtin_amdgcn_workgroup_size_x(),
                    __builtin_amdgcn_workgroup_size_y(),
                    __builtin_amdgcn_workgroup_size_z()};
}
static __device__ inline __attribute__((always_inline)) shal_uint3
shal_ctaid_() {
  return shal_uint3{__builtin_amdgcn_workgroup_id_x(),
                    __builtin_amdgcn_workgroup_id_y(),
                    __builtin_amdgcn_workgroup_id_z()};
}
/* The HSA dispatch packet holds the grid size in work-items; CUDA's
 * gridDim counts blocks. */
static __device__ inline __attribute__((always_inline)) shal_uint3
shal_nctaid_() {
  return shal_uint3{
      __builtin_amdgcn_grid_size_x() / __builtin_amdgcn_workgroup_size_x(),
      __builtin_amdgcn_grid_size_y() / __builtin_amdgcn_workgroup_size_y(),
      __builtin_amdgcn_grid_size_z() / __builtin_amdgcn_workgroup_size_z()};
}

#define threadIdx (shal_tid_())
#define blockDim (shal_ntid_())
#define blockIdx (shal_ctaid_())
#define gridDim (shal_nctaid_())

/* A workgroup barrier that also orders the block's shared (LDS) and global
 * memory accesses, like CUDA's __syncthreads. */
static __device__ inline __attribute__((always_inline)) void __syncthreads() {
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "workgroup");
  __builtin_amdgcn_s_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "workgroup");
}

#endif

/* The block's dynamic shared memory (the launch's sharedBytes) as an array
 * of type: SHAL_DYNAMIC_SHARED(float, sdata); */
#define SHAL_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

#include "shal_gpu_common.h"
#if defined(__NVPTX__)
#include "shal_gpu_nvptx.h"
#else
#include "shal_gpu_amdgpu.h"
#endif
#include "shal_gpu_math.h"

#endif /* __NVCC__ */

#endif /* SHAL_GPU_H_ */
