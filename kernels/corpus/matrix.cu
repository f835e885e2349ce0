/*
 * matrix.cu: tiled matrix multiply (16x16 tiles in shared memory, float
 * and double) and a transpose through a padded shared tile on a 2-D grid.
 */
#include "shal_gpu.h"

#define TILE 16

SHAL_EXTERN_C

/* C(MxN) = A(MxK) * B(KxN), row-major; block (16,16,1), grid (ceil(N/16),
 * ceil(M/16)). Each thread accumulates acc += As[ty][k] * Bs[k][tx] over k
 * in order (the compilers contract each step into fma.rn.f32); the tiles
 * past K are zero-filled and take part. */
__global__ void matmul_f32(const float* A, const float* B, float* C, int M,
                           int N, int K) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];
  int tx = threadIdx.x, ty = threadIdx.y;
  int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
  float acc = 0.0f;
  for (int t0 = 0; t0 < K; t0 += TILE) {
    As[ty][tx] = (row < M && t0 + tx < K) ? A[row * K + t0 + tx] : 0.0f;
    Bs[ty][tx] = (col < N && t0 + ty < K) ? B[(t0 + ty) * N + col] : 0.0f;
    __syncthreads();
    for (int k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = acc;
}

/* The same in double (fma.rn.f64), with 64-bit indexing. */
__global__ void matmul_f64(const double* A, const double* B, double* C,
                           int M, int N, int K) {
  __shared__ double As[TILE][TILE];
  __shared__ double Bs[TILE][TILE];
  int tx = threadIdx.x, ty = threadIdx.y;
  int row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
  double acc = 0.0;
  for (int t0 = 0; t0 < K; t0 += TILE) {
    As[ty][tx] = (row < M && t0 + tx < K)
                     ? A[(long long)row * K + t0 + tx]
                     : 0.0;
    Bs[ty][tx] = (col < N && t0 + ty < K)
                     ? B[(long long)(t0 + ty) * N + col]
                     : 0.0;
    __syncthreads();
    for (int k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[(long long)row * N + col] = acc;
}

#define TDIM 32
#define TROWS 8

/* out(cols x rows) = transpose of in(rows x cols): block (32,8,1), grid
 * (ceil(cols/32), ceil(rows/32)); each block moves a 32x32 tile through a
 * 32x33 shared array (the padding column keeps the column reads free of
 * bank conflicts), each thread four rows. */
__global__ void transpose(const float* in, float* out, int rows, int cols) {
  __shared__ float tile[TDIM][TDIM + 1];
  int x = blockIdx.x * TDIM + threadIdx.x;
  int y = blockIdx.y * TDIM + threadIdx.y;
  for (int j = 0; j < TDIM; j += TROWS)
    if (x < cols && y + j < rows)
      tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * cols + x];
  __syncthreads();
  x = blockIdx.y * TDIM + threadIdx.x;
  y = blockIdx.x * TDIM + threadIdx.y;
  for (int j = 0; j < TDIM; j += TROWS)
    if (x < rows && y + j < cols)
      out[(y + j) * rows + x] = tile[threadIdx.x][threadIdx.y + j];
}

SHAL_EXTERN_C_END
