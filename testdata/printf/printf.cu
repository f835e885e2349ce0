/*
 * printf.cu: device printf and assert for the printf tests of hal/cpu and
 * hal/vulkan (hal/haltest/printf.go). printf compiles to a call of the
 * CUDA runtime's vprintf and assert to __assertfail, which ptx/cgen (CPU)
 * and ptx/spirvgen (Vulkan) implement. Built with
 *
 *   clang-19 -x cuda --cuda-device-only -nocudainc -nocudalib -S -O3 \
 *     --cuda-gpu-arch=sm_80 -I../../kernels/gpu -o printf.clang19.sm_80.ptx printf.cu
 *
 * (nvcc -ptx -arch=sm_80 builds it with CUDA's own printf and assert.)
 */
#ifdef __NVCC__
#include <cassert>
#include <cstdio>
#else
#include "shal_gpu.h"
extern "C" __device__ int printf(const char*, ...);
extern "C" __device__ void __assertfail(const char* message, const char* file, unsigned line,
                                        const char* function, size_t charSize);
#define assert(e) ((e) ? (void)0 : __assertfail(#e, __FILE__, __LINE__, __func__, 1))
#pragma clang diagnostic ignored "-Wformat-security" /* printf(names[i & 1]): a format chosen at run time */
#endif

extern "C" __global__ void print_values(int* out, float f, double d, long long big, unsigned long long u) {
  int i = threadIdx.x;
  const char* names[2] = {"even", "odd"};
  int r = printf("[%d] i=%i u=%u x=%x X=%X o=%o c=%c s=%s\n", i, -i, 4000000000u + i, 255 + i, 0xabc0 + i, 8 + i, 'a' + i,
                 names[i & 1]);
  printf("[%d] w=%5d|%-5d|%05d|%+d|%*d|%.*f\n", i, i, i, i, i, 4, i, 2, f);
  printf("[%d] f=%f e=%e g=%g G=%G a=%.3f\n", i, f, d * 1e10, d, d * 1e-10, (double)f * i);
  printf("[%d] ll=%lld llu=%llu ld=%ld hd=%hd %%\n", i, big - i, u + i, (long)big, (short)(i - 3));
  printf(names[i & 1]);
  printf(" %s\n", (const char*)0);
  out[i] = r;
}

extern "C" __global__ void check_below(const int* v, int limit, int* out) {
  int i = threadIdx.x;
  assert(v[i] < limit);
  out[i] = v[i] * 2;
}
