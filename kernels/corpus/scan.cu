/*
 * scan.cu: prefix sums within each block: Hillis-Steele (inclusive,
 * double-buffered, a barrier per step), Blelloch (exclusive, up- and
 * down-sweep with barriers in both loops), and warp shuffles
 * (__shfl_up_sync, whole warps and 8-lane segments).
 */
#include "shal_gpu.h"

#define FULL_MASK 0xffffffffu

SHAL_EXTERN_C

/* out[i] = in[b0] + ... + in[i], b0 the first element of i's block
 * (elements past n count as 0): dynamic shared memory of
 * 2 * 4 * blockDim.x bytes, two buffers swapped after every step. */
__global__ void scan_inclusive(const int* in, int* out, int n) {
  SHAL_DYNAMIC_SHARED(int, buf);
  int t = threadIdx.x;
  int i = blockIdx.x * blockDim.x + t;
  int* src = buf;
  int* dst = buf + blockDim.x;
  src[t] = i < n ? in[i] : 0;
  __syncthreads();
  for (unsigned off = 1; off < blockDim.x; off <<= 1) {
    dst[t] = (unsigned)t >= off ? src[t] + src[t - off] : src[t];
    __syncthreads();
    int* tmp = src;
    src = dst;
    dst = tmp;
  }
  if (i < n) out[i] = src[t];
}

/* Exclusive prefix sums of each block's 512 elements (block size 256, two
 * elements per thread, 0 past n), Blelloch's up-sweep and down-sweep in
 * static shared memory; sums[b] = the total of block b. Wraps modulo
 * 2^32. */
__global__ void scan_exclusive(const unsigned* in, unsigned* out,
                               unsigned* sums, int n) {
  __shared__ unsigned s[512];
  int t = threadIdx.x;
  int base = blockIdx.x * 512;
  s[2 * t] = base + 2 * t < n ? in[base + 2 * t] : 0u;
  s[2 * t + 1] = base + 2 * t + 1 < n ? in[base + 2 * t + 1] : 0u;
  int off = 1;
  for (int d = 256; d > 0; d >>= 1) {
    __syncthreads();
    if (t < d) s[off * (2 * t + 2) - 1] += s[off * (2 * t + 1) - 1];
    off <<= 1;
  }
  if (t == 0) {
    sums[blockIdx.x] = s[511];
    s[511] = 0;
  }
  for (int d = 1; d < 512; d <<= 1) {
    off >>= 1;
    __syncthreads();
    if (t < d) {
      int ai = off * (2 * t + 1) - 1, bi = off * (2 * t + 2) - 1;
      unsigned x = s[ai];
      s[ai] = s[bi];
      s[bi] += x;
    }
  }
  __syncthreads();
  if (base + 2 * t < n) out[base + 2 * t] = s[2 * t];
  if (base + 2 * t + 1 < n) out[base + 2 * t + 1] = s[2 * t + 1];
}

/* Inclusive prefix sums within each block (blockDim.x a multiple of 32):
 * __shfl_up_sync within warps, the warp totals scanned by the first warp
 * through shared memory. seg[i] is the inclusive scan within i's 8-lane
 * segment (__shfl_up_sync with width 8). */
__global__ void scan_warp(const float* in, float* out, float* seg, int n) {
  __shared__ float totals[32];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float x = i < n ? in[i] : 0.0f;
  float v = x, w = x;
  for (int o = 1; o < 32; o <<= 1) {
    float u = __shfl_up_sync(FULL_MASK, v, o);
    if (lane >= o) v += u;
  }
  for (int o = 1; o < 8; o <<= 1) {
    float u = __shfl_up_sync(FULL_MASK, w, o, 8);
    if ((lane & 7) >= o) w += u;
  }
  if (lane == 31) totals[warp] = v;
  __syncthreads();
  if (warp == 0) {
    int nwarps = blockDim.x >> 5;
    float tv = lane < nwarps ? totals[lane] : 0.0f;
    for (int o = 1; o < 32; o <<= 1) {
      float u = __shfl_up_sync(FULL_MASK, tv, o);
      if (lane >= o) tv += u;
    }
    totals[lane] = tv;
  }
  __syncthreads();
  if (warp > 0) v += totals[warp - 1];
  if (i < n) {
    out[i] = v;
    seg[i] = w;
  }
}

SHAL_EXTERN_C_END
