/*
 * globals.cu: module-scope variables with initializers in global
 * (__device__) and constant (__constant__) memory, read by the kernels and
 * read and written by the host through cuModuleGetGlobal
 * (streaming.Module.Global).
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

__device__ int g_counter = 5;
__device__ float g_table[8] = {0.5f, -1.25f, 2.0f,   3.75f,
                               -0.125f, 8.0f, 1.0f, -6.5f};
__device__ unsigned long long g_sum;
__device__ double g_scale = 0.25;
__constant__ float c_coeffs[16] = {1.0f,  0.5f,   -2.0f, 3.0f,
                                   0.25f, -0.75f, 4.0f,  1.5f,
                                   -1.0f, 2.5f,   0.125f, -3.5f,
                                   6.0f,  -0.5f,  1.25f, 7.0f};
__constant__ int c_offsets[4] = {1, -2, 3, -4};

/* out[i] = fmaf(in[i], c_coeffs[i & 15], g_table[(i + c_offsets[i & 3]) &
 * 7]) and dout[i] = out[i] * g_scale (double); every thread adds 1 to
 * g_counter and i to g_sum. */
__global__ void globals_apply(const float* in, float* out, double* dout,
                              int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = __fmaf_rn(in[i], c_coeffs[i & 15],
                      g_table[(i + c_offsets[i & 3]) & 7]);
  out[i] = v;
  dout[i] = __dmul_rn((double)v, g_scale);
  atomicAdd(&g_counter, 1);
  atomicAdd(&g_sum, (unsigned long long)i);
}

SHAL_EXTERN_C_END
