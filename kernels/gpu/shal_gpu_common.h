/*
 * shal_gpu_common.h: the part of CUDA's device API that is the same on
 * clang's NVPTX and AMDGPU targets: function qualifiers, warpSize, the
 * vector types, bit casts and the integer intrinsics that are one clang
 * builtin on both. Included by shal_gpu.h before the target's header
 * (shal_gpu_nvptx.h or shal_gpu_amdgpu.h), which uses SHAL_DEV_ and
 * undefines it at its end; not meant to be included alone.
 */
#ifndef SHAL_GPU_COMMON_H_
#define SHAL_GPU_COMMON_H_

#ifndef SHAL_GPU_H_
#error "shal_gpu_common.h: include shal_gpu.h"
#endif

#define SHAL_DEV_ static __device__ inline __attribute__((always_inline))

#ifndef __forceinline__
#define __forceinline__ inline __attribute__((always_inline))
#endif
#ifndef __noinline__
#define __noinline__ __attribute__((noinline))
#endif

/* CUDA code assumes 32-thread warps; on wave64 AMD GPUs each half of a
 * wavefront plays one warp (shal_gpu_amdgpu.h). */
#define warpSize 32

/* ---- vector types (CUDA's alignments) ---- */

#define SHAL_VEC2_(T, name, al)                        \
  struct __attribute__((aligned(al))) name {           \
    T x, y;                                            \
  };                                                   \
  SHAL_DEV_ name make_##name(T x, T y) { return name{x, y}; }
#define SHAL_VEC4_(T, name, al)                        \
  struct __attribute__((aligned(al))) name {           \
    T x, y, z, w;                                      \
  };                                                   \
  SHAL_DEV_ name make_##name(T x, T y, T z, T w) {     \
    return name{x, y, z, w};                           \
  }
SHAL_VEC2_(float, float2, 8)
SHAL_VEC4_(float, float4, 16)
SHAL_VEC2_(double, double2, 16)
SHAL_VEC2_(int, int2, 8)
SHAL_VEC4_(int, int4, 16)
SHAL_VEC2_(unsigned, uint2, 8)
SHAL_VEC4_(unsigned, uint4, 16)
SHAL_VEC2_(long long, longlong2, 16)
SHAL_VEC2_(unsigned long long, ulonglong2, 16)
SHAL_VEC2_(short, short2, 4)
SHAL_VEC2_(unsigned short, ushort2, 4)
SHAL_VEC4_(signed char, char4, 4)
SHAL_VEC4_(unsigned char, uchar4, 4)
#undef SHAL_VEC2_
#undef SHAL_VEC4_

/* ---- bit casts ---- */

SHAL_DEV_ int __float_as_int(float x) { return __builtin_bit_cast(int, x); }
SHAL_DEV_ unsigned __float_as_uint(float x) {
  return __builtin_bit_cast(unsigned, x);
}
SHAL_DEV_ float __int_as_float(int x) { return __builtin_bit_cast(float, x); }
SHAL_DEV_ float __uint_as_float(unsigned x) {
  return __builtin_bit_cast(float, x);
}
SHAL_DEV_ long long __double_as_longlong(double x) {
  return __builtin_bit_cast(long long, x);
}
SHAL_DEV_ double __longlong_as_double(long long x) {
  return __builtin_bit_cast(double, x);
}
SHAL_DEV_ int __double2hiint(double x) {
  return (int)(__double_as_longlong(x) >> 32);
}
SHAL_DEV_ int __double2loint(double x) { return (int)__double_as_longlong(x); }
SHAL_DEV_ double __hiloint2double(int hi, int lo) {
  return __longlong_as_double((long long)(((unsigned long long)(unsigned)hi << 32) |
                                          (unsigned)lo));
}

/* ---- integer intrinsics that are one builtin on both targets ---- */

SHAL_DEV_ int __popc(unsigned x) { return __builtin_popcount(x); }
SHAL_DEV_ int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
SHAL_DEV_ unsigned __brev(unsigned x) { return __builtin_bitreverse32(x); }
SHAL_DEV_ unsigned long long __brevll(unsigned long long x) {
  return __builtin_bitreverse64(x);
}

#endif /* SHAL_GPU_COMMON_H_ */
