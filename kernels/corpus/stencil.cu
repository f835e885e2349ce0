/*
 * stencil.cu: neighbourhood computations with halos in shared memory (1-D
 * static, 2-D dynamic), and a launch over a 3-D grid of 3-D blocks.
 */
#include "shal_gpu.h"

#define RADIUS 3
#define BLOCK1D 128

SHAL_EXTERN_C

/* out[i] = sum over k in [-3, 3] of w[k + 3] * in[clamp(i + k)], integers,
 * indices clamped to [0, n-1]; block size 128; each block stages its
 * elements and a 3-element halo on each side in static shared memory. */
__global__ void stencil1d(const int* in, const int* w, int* out, int n) {
  __shared__ int s[BLOCK1D + 2 * RADIUS];
  int i = blockIdx.x * BLOCK1D + threadIdx.x;
  int l = threadIdx.x + RADIUS;
  int last = n - 1;
  s[l] = in[i < n ? i : last];
  if (threadIdx.x < RADIUS) {
    int lo = i - RADIUS, hi = i + BLOCK1D;
    s[l - RADIUS] = in[lo < 0 ? 0 : (lo > last ? last : lo)];
    s[l + BLOCK1D] = in[hi > last ? last : hi];
  }
  __syncthreads();
  if (i >= n) return;
  int acc = 0;
  for (int k = -RADIUS; k <= RADIUS; k++) acc += w[k + RADIUS] * s[l + k];
  out[i] = acc;
}

/* A 5-point stencil on a width x height grid (row-major; values outside
 * are 0): out = 4*c - n - s - e - w, exact for the small integer-valued
 * inputs used. Block (16,16,1), grid (ceil(width/16), ceil(height/16)),
 * dynamic shared memory of (16+2)*(16+2)*4 bytes holding the tile and its
 * one-element halo. */
__global__ void stencil2d(const float* in, float* out, int width,
                          int height) {
  SHAL_DYNAMIC_SHARED(float, s);
  const int T = 16, P = T + 2;
  int tx = threadIdx.x, ty = threadIdx.y;
  int x = blockIdx.x * T + tx, y = blockIdx.y * T + ty;
  /* Load the (T+2)^2 tile cooperatively: 256 threads, 324 cells. */
  for (int k = ty * T + tx; k < P * P; k += T * T) {
    int gx = blockIdx.x * T + (k % P) - 1;
    int gy = blockIdx.y * T + (k / P) - 1;
    s[k] = (gx >= 0 && gx < width && gy >= 0 && gy < height)
               ? in[gy * width + gx]
               : 0.0f;
  }
  __syncthreads();
  if (x >= width || y >= height) return;
  int c = (ty + 1) * P + tx + 1;
  out[y * width + x] = 4.0f * s[c] - s[c - P] - s[c + P] - s[c - 1] - s[c + 1];
}

/* A 3-D grid of 3-D blocks writes, for each thread, its coordinates:
 * with X = blockIdx.x*blockDim.x + threadIdx.x (and Y, Z alike) inside the
 * width x height x depth volume, out[(Z*height + Y)*width + X] =
 * X | Y << 10 | Z << 20 | (threadIdx.z*blockDim.y + threadIdx.y) << 26,
 * truncated to 32 bits, and dims[0..5] = gridDim.xyz, blockDim.xyz (from
 * the first thread). */
__global__ void grid3d(unsigned* out, unsigned* dims, int width, int height,
                       int depth) {
  unsigned X = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned Y = blockIdx.y * blockDim.y + threadIdx.y;
  unsigned Z = blockIdx.z * blockDim.z + threadIdx.z;
  if (X == 0 && Y == 0 && Z == 0) {
    dims[0] = gridDim.x;
    dims[1] = gridDim.y;
    dims[2] = gridDim.z;
    dims[3] = blockDim.x;
    dims[4] = blockDim.y;
    dims[5] = blockDim.z;
  }
  if (X >= (unsigned)width || Y >= (unsigned)height || Z >= (unsigned)depth)
    return;
  out[(Z * height + Y) * width + X] =
      X | Y << 10 | Z << 20 | (threadIdx.z * blockDim.y + threadIdx.y) << 26;
}

SHAL_EXTERN_C_END
