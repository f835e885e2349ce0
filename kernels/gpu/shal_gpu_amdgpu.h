/*
 * shal_gpu_amdgpu.h: CUDA's device API for clang/AMDGPU (HIP mode,
 * -nogpuinc -nogpulib) without ROCm, so that CUDA sources written for
 * shal_gpu_nvptx.h compile for AMD GPUs unchanged. Included by shal_gpu.h.
 *
 * Warps: CUDA code assumes 32-thread warps (lane = threadIdx.x % 32,
 * 0xffffffff masks, five shuffle steps). On wave64 GPUs (gfx9: gfx90a,
 * gfx942) each half of a wavefront plays one CUDA warp: shuffles stay
 * within the 32-lane half, ballots and __activemask return the half's 32
 * bits. warpSize is 32 for the same reason. The masks of the *_sync
 * functions are not checked (as on pre-Volta NVIDIA GPUs): the lanes of a
 * wavefront run in lockstep.
 *
 * Atomics are relaxed and device-scoped (clang's __hip_atomic builtins),
 * as CUDA's; float and double atomicAdd, atomicInc and atomicDec are
 * compare-and-swap loops where the hardware has no instruction.
 */
#ifndef SHAL_GPU_AMDGPU_H_
#define SHAL_GPU_AMDGPU_H_

/* SHAL_DEV_, the qualifiers, warpSize, vector types and bit casts:
 * shal_gpu_common.h. */

#ifndef __launch_bounds__
#define __launch_bounds__(...) __attribute__((amdgpu_flat_work_group_size(1, __VA_ARGS__)))
#endif

/* ---- fences, clocks ---- */

SHAL_DEV_ void __threadfence_block() { __builtin_amdgcn_fence(__ATOMIC_SEQ_CST, "workgroup"); }
SHAL_DEV_ void __threadfence() { __builtin_amdgcn_fence(__ATOMIC_SEQ_CST, "agent"); }
SHAL_DEV_ void __threadfence_system() { __builtin_amdgcn_fence(__ATOMIC_SEQ_CST, ""); }
SHAL_DEV_ long long clock64() { return (long long)__builtin_readcyclecounter(); }
SHAL_DEV_ long long clock() { return clock64(); }

template <typename T>
SHAL_DEV_ T __ldg(const T* p) { return *p; }

/* ---- block votes ---- */

SHAL_DEV_ int __syncthreads_count(int pred) {
  __shared__ int shal_vote_count_;
  if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) shal_vote_count_ = 0;
  __syncthreads();
  if (pred) __hip_atomic_fetch_add(&shal_vote_count_, 1, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_WORKGROUP);
  __syncthreads();
  int n = shal_vote_count_;
  __syncthreads();
  return n;
}
SHAL_DEV_ int __syncthreads_and(int pred) {
  unsigned n = blockDim.x * blockDim.y * blockDim.z;
  return __syncthreads_count(pred != 0) == (int)n;
}
SHAL_DEV_ int __syncthreads_or(int pred) { return __syncthreads_count(pred != 0) != 0; }

/* ---- warp intrinsics (32-lane halves of a wavefront) ---- */

SHAL_DEV_ unsigned shal_lane_() { return __builtin_amdgcn_mbcnt_hi(~0u, __builtin_amdgcn_mbcnt_lo(~0u, 0u)); }

SHAL_DEV_ unsigned long long shal_ballot64_(bool p) {
#if __AMDGCN_WAVEFRONT_SIZE == 64
  return __builtin_amdgcn_ballot_w64(p);
#else
  return __builtin_amdgcn_ballot_w32(p);
#endif
}
/* The 32 bits of this lane's CUDA warp. */
SHAL_DEV_ unsigned shal_half_(unsigned long long b) { return (unsigned)(b >> (shal_lane_() & 32)); }

SHAL_DEV_ unsigned __activemask() { return shal_half_(shal_ballot64_(true)); }
SHAL_DEV_ unsigned __ballot_sync(unsigned, int p) { return shal_half_(shal_ballot64_(p != 0)); }
SHAL_DEV_ int __all_sync(unsigned, int p) { return __ballot_sync(0, p) == __activemask(); }
SHAL_DEV_ int __any_sync(unsigned, int p) { return __ballot_sync(0, p) != 0; }
SHAL_DEV_ void __syncwarp(unsigned = 0xffffffffu) { __builtin_amdgcn_wave_barrier(); }

/* The value of v in lane src of this lane's warp (src in 0..31). */
SHAL_DEV_ int shal_shfl_i_(int v, unsigned src) {
  return __builtin_amdgcn_ds_bpermute((int)(((shal_lane_() & 32) | (src & 31)) << 2), v);
}

template <int N>
struct shal_shfl_impl_;
template <>
struct shal_shfl_impl_<4> {
  template <typename T>
  __device__ static inline __attribute__((always_inline)) T go(T v, unsigned src) {
    return __builtin_bit_cast(T, shal_shfl_i_(__builtin_bit_cast(int, v), src));
  }
};
template <>
struct shal_shfl_impl_<8> {
  template <typename T>
  __device__ static inline __attribute__((always_inline)) T go(T v, unsigned src) {
    unsigned long long b = __builtin_bit_cast(unsigned long long, v);
    int lo = shal_shfl_i_((int)b, src), hi = shal_shfl_i_((int)(b >> 32), src);
    return __builtin_bit_cast(T, ((unsigned long long)(unsigned)hi << 32) | (unsigned)lo);
  }
};
/* 32- and 64-bit values only, as CUDA's. */
template <typename T>
SHAL_DEV_ T shal_shfl_(T v, unsigned src) {
  return shal_shfl_impl_<sizeof(T)>::go(v, src);
}

/* width divides the warp into segments, as in CUDA. */
template <typename T>
SHAL_DEV_ T __shfl_sync(unsigned, T v, int src, int width = 32) {
  unsigned l = shal_lane_() & 31, w = (unsigned)width;
  return shal_shfl_(v, (l & ~(w - 1)) + ((unsigned)src & (w - 1)));
}
template <typename T>
SHAL_DEV_ T __shfl_up_sync(unsigned, T v, unsigned d, int width = 32) {
  unsigned l = shal_lane_() & 31, w = (unsigned)width;
  unsigned seg = l & ~(w - 1);
  return shal_shfl_(v, (l - seg) >= d ? l - d : l);
}
template <typename T>
SHAL_DEV_ T __shfl_down_sync(unsigned, T v, unsigned d, int width = 32) {
  unsigned l = shal_lane_() & 31, w = (unsigned)width;
  unsigned seg = l & ~(w - 1);
  return shal_shfl_(v, (l - seg) + d < w ? l + d : l);
}
template <typename T>
SHAL_DEV_ T __shfl_xor_sync(unsigned, T v, int m, int width = 32) {
  unsigned l = shal_lane_() & 31, w = (unsigned)width;
  unsigned src = l ^ (unsigned)m;
  return shal_shfl_(v, (src & ~(w - 1)) == (l & ~(w - 1)) ? src : l);
}

/* ---- integer intrinsics ---- */

SHAL_DEV_ int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
SHAL_DEV_ int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
SHAL_DEV_ int __ffs(int x) { return __builtin_ffs(x); }
SHAL_DEV_ int __ffsll(long long x) { return __builtin_ffsll(x); }
SHAL_DEV_ int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
SHAL_DEV_ unsigned __umulhi(unsigned a, unsigned b) {
  return (unsigned)(((unsigned long long)a * b) >> 32);
}

/* ---- atomics ---- */

#define SHAL_AT_(op, T, builtin)                                                \
  SHAL_DEV_ T atomic##op(T* p, T v) {                                           \
    return builtin(p, v, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT);           \
  }
#define SHAL_AT_INT_(T)                                \
  SHAL_AT_(Add, T, __hip_atomic_fetch_add)             \
  SHAL_AT_(Exch, T, __hip_atomic_exchange)             \
  SHAL_AT_(Min, T, __hip_atomic_fetch_min)             \
  SHAL_AT_(Max, T, __hip_atomic_fetch_max)             \
  SHAL_AT_(And, T, __hip_atomic_fetch_and)             \
  SHAL_AT_(Or, T, __hip_atomic_fetch_or)               \
  SHAL_AT_(Xor, T, __hip_atomic_fetch_xor)             \
  SHAL_DEV_ T atomicCAS(T* p, T cmp, T v) {            \
    __hip_atomic_compare_exchange_strong(p, &cmp, v, __ATOMIC_RELAXED, __ATOMIC_RELAXED, \
                                         __HIP_MEMORY_SCOPE_AGENT);                      \
    return cmp;                                        \
  }
SHAL_AT_INT_(int)
SHAL_AT_INT_(unsigned)
SHAL_AT_INT_(unsigned long long)
SHAL_AT_INT_(long long)
#undef SHAL_AT_INT_
SHAL_DEV_ int atomicSub(int* p, int v) { return atomicAdd(p, -v); }
SHAL_DEV_ unsigned atomicSub(unsigned* p, unsigned v) { return atomicAdd(p, 0u - v); }

/* CAS loops for what has no instruction on every target. */
#define SHAL_AT_CAS_(name, T, U, expr)                                      \
  SHAL_DEV_ T name(T* p, T v) {                                             \
    U* q = (U*)p;                                                           \
    U old = __hip_atomic_load(q, __ATOMIC_RELAXED, __HIP_MEMORY_SCOPE_AGENT); \
    for (;;) {                                                              \
      T o = __builtin_bit_cast(T, old);                                     \
      U n = __builtin_bit_cast(U, (T)(expr));                               \
      if (__hip_atomic_compare_exchange_strong(q, &old, n, __ATOMIC_RELAXED, \
                                               __ATOMIC_RELAXED,            \
                                               __HIP_MEMORY_SCOPE_AGENT))   \
        return o;                                                           \
    }                                                                       \
  }
SHAL_AT_CAS_(atomicAdd, float, unsigned, o + v)
SHAL_AT_CAS_(atomicAdd, double, unsigned long long, o + v)
SHAL_AT_CAS_(atomicInc, unsigned, unsigned, o >= v ? 0u : o + 1u)
SHAL_AT_CAS_(atomicDec, unsigned, unsigned, (o == 0u || o > v) ? v : o - 1u)
#undef SHAL_AT_CAS_
#undef SHAL_AT_
SHAL_DEV_ float atomicExch(float* p, float v) {
  return __int_as_float(atomicExch((int*)p, __float_as_int(v)));
}

/* ---- half precision: storage structs as in cuda_fp16.h, arithmetic in
 * _Float16 (the hardware's f16) ---- */

struct __attribute__((aligned(2))) __half {
  unsigned short __x;
};
struct __attribute__((aligned(4))) __half2 {
  __half x, y;
};
SHAL_DEV_ unsigned short __half_as_ushort(__half h) { return h.__x; }
SHAL_DEV_ __half __ushort_as_half(unsigned short x) { return __half{x}; }
SHAL_DEV_ _Float16 shal_h_(__half h) { return __builtin_bit_cast(_Float16, h.__x); }
SHAL_DEV_ __half shal_hh_(_Float16 f) { return __half{__builtin_bit_cast(unsigned short, f)}; }
SHAL_DEV_ __half __float2half_rn(float f) { return shal_hh_((_Float16)f); }
SHAL_DEV_ __half __float2half(float f) { return shal_hh_((_Float16)f); }
SHAL_DEV_ float __half2float(__half h) { return (float)shal_h_(h); }
SHAL_DEV_ __half __double2half(double d) { return shal_hh_((_Float16)d); }
SHAL_DEV_ __half __hadd(__half a, __half b) { return shal_hh_(shal_h_(a) + shal_h_(b)); }
SHAL_DEV_ __half __hsub(__half a, __half b) { return shal_hh_(shal_h_(a) - shal_h_(b)); }
SHAL_DEV_ __half __hmul(__half a, __half b) { return shal_hh_(shal_h_(a) * shal_h_(b)); }
SHAL_DEV_ __half __hfma(__half a, __half b, __half c) {
  return shal_hh_(__builtin_fmaf16(shal_h_(a), shal_h_(b), shal_h_(c)));
}
SHAL_DEV_ __half2 __floats2half2_rn(float a, float b) {
  return __half2{__float2half(a), __float2half(b)};
}
SHAL_DEV_ float2 __half22float2(__half2 h) {
  return float2{__half2float(h.x), __half2float(h.y)};
}

#undef SHAL_DEV_

#endif /* SHAL_GPU_AMDGPU_H_ */
