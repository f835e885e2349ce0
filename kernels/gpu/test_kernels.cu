/*
 * test_kernels.cu: the streamhal test kernels, one source for every
 * backend: kernels/compile.sh builds it with streamhal build into
 * testdata/test_kernels.fat (PTX and AMDGPU from clang, the CPU entry
 * translated from the PTX by ptx/cgen; Vulkan translates the PTX with
 * ptx/spirvgen); see kernels/README.md.
 *
 * Every parameter list is the packed argument buffer of the kernel (C
 * natural alignment, in order) and matches kernels/cpu/test_kernels.c, the
 * hand-tuned SHAL C twins. grid_sum (cooperative) is in the SHAL C library
 * only: its grid barrier would keep this module off Vulkan. With
 * -DSHAL_ONLY_VECTOR_ADD only vector_add is built (the testdata/vector_add.*
 * example artifacts).
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* c[i] = a[i] + b[i] for i < n. */
__global__ void vector_add(const float* a, const float* b, float* c,
                           uint32_t n) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

#ifndef SHAL_ONLY_VECTOR_ADD

/* c[i] = alpha*a[i] + beta*b[i] for i < n. */
__global__ void vector_add_scaled(const float* a, const float* b, float* c,
                                  float alpha, float beta, uint32_t n) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = alpha * a[i] + beta * b[i];
}

/* y[i] = a*x[i] + y[i] for i < n (parameter offsets 0, 4, 8, 16). */
__global__ void saxpy(uint32_t n, float a, const float* x, float* y) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

#define TILE 16

/* C(MxN) = A(MxK) * B(KxN), row-major; block (16,16,1), grid
 * (ceil(N/16), ceil(M/16), 1); 16x16 tiles in static shared memory. */
__global__ void matrix_multiply(const float* A, const float* B, float* C,
                                uint32_t M, uint32_t N, uint32_t K) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];
  const uint32_t tx = threadIdx.x, ty = threadIdx.y;
  const uint32_t row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
  const bool in_tile = tx < TILE && ty < TILE;
  float acc = 0.0f;
  for (uint32_t t0 = 0; t0 < K; t0 += TILE) {
    if (in_tile) {
      As[ty][tx] =
          (row < M && t0 + tx < K) ? A[(uint64_t)row * K + t0 + tx] : 0.0f;
      Bs[ty][tx] =
          (col < N && t0 + ty < K) ? B[(uint64_t)(t0 + ty) * N + col] : 0.0f;
    }
    __syncthreads();
    if (in_tile)
      for (uint32_t k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (in_tile && row < M && col < N) C[(uint64_t)row * N + col] = acc;
}

/* partial[blockIdx.x] = sum of in[blockIdx.x*blockDim.x ...] (blockDim.x
 * elements, those past n count as 0); tree reduction in dynamic shared
 * memory: sharedBytes = blockDim.x * 4, blockDim.x a power of two. */
__global__ void reduce_sum(const float* in, float* partial, uint32_t n) {
  SHAL_DYNAMIC_SHARED(float, sdata);
  const uint32_t t = threadIdx.x;
  const uint32_t i = blockIdx.x * blockDim.x + t;
  sdata[t] = i < n ? in[i] : 0.0f;
  __syncthreads();
  for (uint32_t s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) sdata[t] += sdata[t + s];
    __syncthreads();
  }
  if (t == 0) partial[blockIdx.x] = sdata[0];
}

/* Does nothing. */
__global__ void empty() {}

/* A module-scope global (cuModuleGetGlobal / hipModuleGetGlobal tests). */
__device__ float global_scale = 2.0f;

/* out[i] = in[i] * global_scale for i < n. */
__global__ void scale_by_global(const float* in, float* out, uint32_t n) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i] * global_scale;
}

struct args_probe_pair {
  int32_t x;
  float y;
};

/* Thread 0 of block 0 writes every argument (as 64-bit words) to out[0..7]. */
__global__ void args_probe(uint8_t a, uint16_t b, uint32_t c, uint64_t d,
                           float e, double f, args_probe_pair g,
                           uint64_t* out) {
  if (threadIdx.x != 0 || threadIdx.y != 0 || threadIdx.z != 0 ||
      blockIdx.x != 0 || blockIdx.y != 0 || blockIdx.z != 0)
    return;
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
  out[4] = __builtin_bit_cast(uint32_t, e);
  out[5] = __builtin_bit_cast(uint64_t, f);
  out[6] = (uint32_t)g.x;
  out[7] = __builtin_bit_cast(uint32_t, g.y);
}

#endif /* SHAL_ONLY_VECTOR_ADD */

SHAL_EXTERN_C_END
