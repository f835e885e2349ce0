// Small kernels with the parameter lists of KERNELS.md, for hal/modfile tests.
#include "shal_gpu.h"

extern "C" {

__device__ float global_scale = 2.0f;
__device__ uint32_t table[37];
__constant__ float coeffs[4] = {1.0f, 2.0f, 3.0f, 4.0f};

// A real (not inlined) device function: PTX .func, skipped by the parser.
__device__ __noinline__ float twice(float x) { return 2.0f * x + coeffs[0]; }

__global__ void vector_add(const float* a, const float* b, float* c, uint32_t n) {
  uint32_t i = SHAL_BID_X * SHAL_BDIM_X + SHAL_TID_X;
  if (i < n) c[i] = a[i] + b[i];
}

__global__ void saxpy(uint32_t n, float a, const float* x, float* y) {
  uint32_t i = SHAL_BID_X * SHAL_BDIM_X + SHAL_TID_X;
  if (i < n) y[i] = a * x[i] + y[i];
}

struct pair { int32_t x; float y; };

__global__ void args_probe(uint8_t a, uint16_t b, uint32_t c, uint64_t d, float e, double f,
                           struct pair g, uint64_t* out) {
  if (SHAL_TID_X == 0 && SHAL_BID_X == 0) {
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
    out[4] = __builtin_bit_cast(uint32_t, e);
    out[5] = __builtin_bit_cast(uint64_t, f);
    out[6] = (uint32_t)g.x;
    out[7] = __builtin_bit_cast(uint32_t, g.y);
  }
}

__global__ void __launch_bounds__(256) matrix_multiply(const float* A, const float* B, float* C,
                                                     uint32_t M, uint32_t N, uint32_t K) {
  __shared__ float As[16][16];
  __shared__ float Bs[16][16];
  uint32_t tx = SHAL_TID_X, ty = SHAL_TID_Y;
  uint32_t row = SHAL_BID_Y * 16 + ty, col = SHAL_BID_X * 16 + tx;
  float acc = 0;
  for (uint32_t t = 0; t < (K + 15) / 16; t++) {
    As[ty][tx] = (row < M && t * 16 + tx < K) ? A[row * K + t * 16 + tx] : 0.0f;
    Bs[ty][tx] = (col < N && t * 16 + ty < K) ? B[(t * 16 + ty) * N + col] : 0.0f;
    __syncthreads();
    for (int k = 0; k < 16; k++) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = acc;
}

__global__ void empty(void) {}

__global__ void reduce_sum(const float* in, float* partial, uint32_t n) {
  extern __shared__ float sdata[];
  uint32_t tid = SHAL_TID_X;
  uint32_t i = SHAL_BID_X * SHAL_BDIM_X + tid;
  sdata[tid] = i < n ? in[i] : 0.0f;
  __syncthreads();
  for (uint32_t s = SHAL_BDIM_X / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  if (tid == 0) partial[SHAL_BID_X] = twice(sdata[0]) * 0.5f;
}

__global__ void scale_by_global(const float* in, float* out, uint32_t n) {
  uint32_t i = SHAL_BID_X * SHAL_BDIM_X + SHAL_TID_X;
  if (i < n) out[i] = in[i] * global_scale + (float)table[i % 37];
}

}  // extern "C"
