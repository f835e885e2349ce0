/*
 * reduce.cu: sums in the shapes CUDA code uses: a shared-memory tree, warp
 * shuffles (down and butterfly), two passes over doubles, one pass with
 * atomics, and one pass whose last block finishes the job. Inputs are
 * chosen so that every partial sum is exact, which makes the result
 * independent of the order of additions.
 */
#include "shal_gpu.h"

#define FULL_MASK 0xffffffffu

static __device__ __forceinline__ float warp_sum_down(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(FULL_MASK, v, o);
  return v;
}

static __device__ __forceinline__ double warp_sum_down_d(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(FULL_MASK, v, o);
  return v;
}

SHAL_EXTERN_C

/* partial[b] = the sum of in[2*b*blockDim.x ... 2*(b+1)*blockDim.x - 1]
 * (0 past n): each thread adds two elements while loading, then a tree in
 * dynamic shared memory (sharedBytes = 4 * blockDim.x, blockDim.x a power
 * of two) with a barrier per level. */
__global__ void reduce_tree(const float* in, float* partial, int n) {
  SHAL_DYNAMIC_SHARED(float, s);
  unsigned t = threadIdx.x;
  unsigned i = blockIdx.x * blockDim.x * 2 + t;
  float v = i < (unsigned)n ? in[i] : 0.0f;
  if (i + blockDim.x < (unsigned)n) v += in[i + blockDim.x];
  s[t] = v;
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
    if (t < h) s[t] += s[t + h];
    __syncthreads();
  }
  if (t == 0) partial[blockIdx.x] = s[0];
}

/* partial[b] = the sum of block b's blockDim.x elements (blockDim.x a
 * multiple of 32): __shfl_down_sync within each warp, the warp sums through
 * static shared memory, the first warp sums those. */
__global__ void reduce_shfl_down(const float* in, float* partial, int n) {
  __shared__ float warp_sums[32];
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  float v = warp_sum_down(i < n ? in[i] : 0.0f);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    int nwarps = blockDim.x >> 5;
    v = warp_sum_down(lane < nwarps ? warp_sums[lane] : 0.0f);
    if (lane == 0) partial[blockIdx.x] = v;
  }
}

/* Every lane gets its warp's sum and maximum by butterfly exchanges
 * (__shfl_xor_sync): out_sum[i] and out_max[i] for i < n (lanes past n
 * contribute 0 and INT_MIN). */
__global__ void allreduce_xor(const int* in, int* out_sum, int* out_max,
                              int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = i < n ? in[i] : 0;
  int m = i < n ? in[i] : (-2147483647 - 1);
  for (int mask = 1; mask < 32; mask <<= 1) {
    v += __shfl_xor_sync(FULL_MASK, v, mask);
    int o = __shfl_xor_sync(FULL_MASK, m, mask);
    m = o > m ? o : m;
  }
  if (i < n) {
    out_sum[i] = v;
    out_max[i] = m;
  }
}

/* Two-pass sum of doubles, pass 1: block b sums the grid-stride slice
 * in[b*blockDim.x + t + k*gridDim.x*blockDim.x] into partial[b]; 64-bit
 * shuffles (two shfl.sync each) and shared memory for the warp sums. */
__global__ void sum_pass1(const double* in, double* partial, int n) {
  __shared__ double warp_sums[32];
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  double v = 0.0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += gridDim.x * blockDim.x)
    v += in[i];
  v = warp_sum_down_d(v);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = warp_sum_down_d(lane < (int)(blockDim.x >> 5) ? warp_sums[lane] : 0.0);
    if (lane == 0) partial[blockIdx.x] = v;
  }
}

/* Two-pass sum, pass 2: one block sums partial[0 .. m-1] into out[0]. */
__global__ void sum_pass2(const double* partial, double* out, int m) {
  __shared__ double s[256];
  double v = 0.0;
  for (int i = threadIdx.x; i < m; i += blockDim.x) v += partial[i];
  s[threadIdx.x] = v;
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
    if (threadIdx.x < h) s[threadIdx.x] += s[threadIdx.x + h];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = s[0];
}

/* Single pass with atomics (block size 256): each block reduces its
 * elements in shared memory, then thread 0 adds the block's sum into
 * *sum (atomicAdd on float), its count of negative elements into *negs
 * (64-bit atomicAdd) and its largest element times 8 into *max8
 * (atomicMax on int). */
__global__ void reduce_atomic(const float* in, float* sum,
                              unsigned long long* negs, int* max8, int n) {
  __shared__ float s[256];
  __shared__ unsigned cnt[256];
  __shared__ int mx[256];
  unsigned t = threadIdx.x;
  int i = blockIdx.x * blockDim.x + t;
  float v = i < n ? in[i] : 0.0f;
  s[t] = v;
  cnt[t] = v < 0.0f ? 1u : 0u;
  mx[t] = i < n ? (int)(v * 8.0f) : (-2147483647 - 1);
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
    if (t < h) {
      s[t] += s[t + h];
      cnt[t] += cnt[t + h];
      mx[t] = mx[t + h] > mx[t] ? mx[t + h] : mx[t];
    }
    __syncthreads();
  }
  if (t == 0) {
    atomicAdd(sum, s[0]);
    atomicAdd(negs, (unsigned long long)cnt[0]);
    atomicMax(max8, mx[0]);
  }
}

/* Single pass with a completion counter (block size 256): each block
 * writes its sum to partial[b], makes it visible (__threadfence) and takes
 * a ticket with atomicInc(counter, gridDim.x - 1); the block that draws
 * the last ticket sums partial[] and writes *out. atomicInc wraps, so the
 * counter is 0 again afterwards. Sums wrap modulo 2^32. */
__global__ void reduce_last_block(const unsigned* in, unsigned* partial,
                                  unsigned* counter, unsigned* out, int n) {
  __shared__ unsigned s[256];
  __shared__ bool last;
  unsigned t = threadIdx.x;
  int i = blockIdx.x * blockDim.x + t;
  s[t] = i < n ? in[i] : 0u;
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
    if (t < h) s[t] += s[t + h];
    __syncthreads();
  }
  if (t == 0) {
    partial[blockIdx.x] = s[0];
    __threadfence();
    /* The sm_70 form of the same ordering, as hand-written code has it. */
    asm volatile("fence.acq_rel.gpu;" ::: "memory");
    unsigned ticket = atomicInc(counter, gridDim.x - 1);
    last = ticket == gridDim.x - 1;
  }
  __syncthreads();
  if (!last) return;
  const volatile unsigned* vp = partial;
  unsigned v = 0;
  for (unsigned k = t; k < gridDim.x; k += blockDim.x) v += vp[k];
  s[t] = v;
  __syncthreads();
  for (unsigned h = blockDim.x / 2; h > 0; h >>= 1) {
    if (t < h) s[t] += s[t + h];
    __syncthreads();
  }
  if (t == 0) *out = s[0];
}

SHAL_EXTERN_C_END
