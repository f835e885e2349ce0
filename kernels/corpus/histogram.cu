/*
 * histogram.cu: counting with atomics: per-block counts in shared memory
 * merged into global memory, global atomics only, and 64-bit weighted
 * sums with 64-bit atomic min/max.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* hist[v] += the number of bytes equal to v in data[0..n-1] (hist has 256
 * bins and is added to, not overwritten): each block counts a grid-stride
 * slice in shared memory (atom.shared.add), then adds its non-zero bins to
 * hist with global atomics. */
__global__ void hist_shared(const unsigned char* data, unsigned* hist, int n) {
  __shared__ unsigned local[256];
  for (int b = threadIdx.x; b < 256; b += blockDim.x) local[b] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += blockDim.x * gridDim.x)
    atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  for (int b = threadIdx.x; b < 256; b += blockDim.x)
    if (local[b] != 0) atomicAdd(&hist[b], local[b]);
}

/* hist[((k % nbins) + nbins) % nbins] += 1 for every key k (signed keys,
 * C's truncating remainder made non-negative), global atomics only. */
__global__ void hist_global(const int* keys, unsigned* hist, int n,
                            int nbins) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int b = ((keys[i] % nbins) + nbins) % nbins;
  atomicAdd(&hist[b], 1u);
}

/* For bin b = keys[i] & (nbins - 1) (nbins a power of two): sum[b] +=
 * w[i], lo[b] = min(lo[b], w[i]), hi[b] = max(hi[b], w[i]), all 64-bit
 * atomics; count[b] is a 64-bit counter updated with atomicInc-free
 * atomicAdd of 1. */
__global__ void hist_weighted(const int* keys, const unsigned long long* w,
                              unsigned long long* sum, unsigned long long* lo,
                              unsigned long long* hi,
                              unsigned long long* count, int n, int nbins) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int b = keys[i] & (nbins - 1);
  unsigned long long x = w[i];
  atomicAdd(&sum[b], x);
  atomicMin(&lo[b], x);
  atomicMax(&hi[b], x);
  atomicAdd(&count[b], 1ull);
}

SHAL_EXTERN_C_END
