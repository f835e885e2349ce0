/*
 * sort.cu: a bitonic sort in shared memory (a barrier inside two nested
 * loops) and one step of a radix sort built from warp ballots, popcounts
 * and find-first-set.
 */
#include "shal_gpu.h"

#define FULL_MASK 0xffffffffu

SHAL_EXTERN_C

/* Sorts each block's chunk of 2 * blockDim.x keys ascending in place
 * (blockDim.x a power of two; dynamic shared memory of 8 * blockDim.x
 * bytes; one compare-exchange per thread per step). A partial last chunk
 * is padded with 0xffffffff, which sorts to its end. The chunk size is
 * only known at run time, so both loops and the barrier inside the inner
 * one stay loops in the PTX. */
__global__ void bitonic_sort(unsigned* data, int n) {
  SHAL_DYNAMIC_SHARED(unsigned, s);
  unsigned chunk = 2 * blockDim.x;
  long long base = (long long)blockIdx.x * chunk;
  unsigned t = threadIdx.x;
  for (unsigned k = t; k < chunk; k += blockDim.x)
    s[k] = base + k < n ? data[base + k] : 0xffffffffu;
  __syncthreads();
  for (unsigned size = 2; size <= chunk; size <<= 1) {
    for (unsigned stride = size >> 1; stride > 0; stride >>= 1) {
      unsigned pos = 2 * t - (t & (stride - 1));
      bool up = (pos & size) == 0;
      unsigned a = s[pos], b = s[pos + stride];
      if ((a > b) == up) {
        s[pos] = b;
        s[pos + stride] = a;
      }
      __syncthreads();
    }
  }
  for (unsigned k = t; k < chunk; k += blockDim.x)
    if (base + k < n) data[base + k] = s[k];
}

/* One step of an LSD radix sort within each block's chunk of blockDim.x
 * keys (a multiple of 32): out gets the chunk's keys whose bit `bit` is 0,
 * then those whose bit is 1, each group in input order. Each key's rank
 * comes from __ballot_sync and __popc over the lanes below it; the warps'
 * counts are combined in shared memory. first_one[b*(blockDim.x/32) + w] =
 * __ffs of warp w's ballot of keys with the bit set (1 + the lowest such
 * lane, 0 if none). */
__global__ void radix_split(const unsigned* in, unsigned* out, int* first_one,
                            int n, int bit) {
  __shared__ unsigned zeros_before[33];
  __shared__ unsigned ones_before[33];
  int t = threadIdx.x;
  int i = blockIdx.x * blockDim.x + t;
  int lane = t & 31, warp = t >> 5;
  int nwarps = blockDim.x >> 5;
  bool valid = i < n;
  unsigned key = valid ? in[i] : 0u;
  bool one = (key >> bit) & 1u;
  unsigned ones = __ballot_sync(FULL_MASK, valid && one);
  unsigned zeros = __ballot_sync(FULL_MASK, valid && !one);
  unsigned below = (1u << lane) - 1u;
  if (lane == 0) {
    zeros_before[warp + 1] = __popc(zeros);
    ones_before[warp + 1] = __popc(ones);
    first_one[blockIdx.x * nwarps + warp] = __ffs((int)ones);
  }
  __syncthreads();
  if (t == 0) {
    zeros_before[0] = 0;
    ones_before[0] = 0;
    for (int w = 1; w <= nwarps; w++) {
      zeros_before[w] += zeros_before[w - 1];
      ones_before[w] += ones_before[w - 1];
    }
  }
  __syncthreads();
  if (!valid) return;
  unsigned rank = one ? zeros_before[nwarps] + ones_before[warp] +
                            __popc(ones & below)
                      : zeros_before[warp] + __popc(zeros & below);
  out[blockIdx.x * blockDim.x + rank] = key;
}

SHAL_EXTERN_C_END
