/*
 * warp.cu: kernels exercising barriers inside loops, warp shuffles, votes,
 * matches, reductions and block-level reductions, for ptx/cgen's tests.
 * Built by gen.sh with clang-16 and clang-19 (CUDA mode, no CUDA headers).
 */
#include "../../kernels/gpu/shal_gpu.h"

#define FULL 0xffffffffu

static __device__ inline unsigned lane_id() { return threadIdx.x & 31; }

SHAL_EXTERN_C

/* Warp sum with shfl.down, then a block sum through shared memory:
 * out[blockIdx.x] = sum of in[block's range]. blockDim.x a multiple of 32. */
__global__ void warp_reduce(const int* in, int* out, unsigned n) {
  __shared__ int partial[32];
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = i < n ? in[i] : 0;
  for (int off = 16; off > 0; off >>= 1) v += __nvvm_shfl_sync_down_i32(FULL, v, off, 31);
  if (lane_id() == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    int w = threadIdx.x < blockDim.x / 32 ? partial[threadIdx.x] : 0;
    for (int off = 16; off > 0; off >>= 1) w += __nvvm_shfl_sync_bfly_i32(FULL, w, off, 31);
    if (threadIdx.x == 0) out[blockIdx.x] = w;
  }
}

/* Inclusive warp scan with shfl.up: out[i] = sum of in[warp start .. i]. */
__global__ void warp_scan(const unsigned* in, unsigned* out) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned v = in[i];
  for (int d = 1; d < 32; d <<= 1) {
    unsigned u = __nvvm_shfl_sync_up_i32(FULL, v, d, 0);
    if (lane_id() >= (unsigned)d) v += u;
  }
  out[i] = v;
}

/* Ballot, popc and any/all votes of in[i] > threshold; idx shuffle
 * broadcast of lane 5's value. out has 4 words per thread. */
__global__ void votes(const int* in, unsigned* out, int threshold) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  bool p = in[i] > threshold;
  unsigned ballot = __nvvm_vote_ballot_sync(FULL, p);
  out[4 * i + 0] = ballot;
  out[4 * i + 1] = __nvvm_vote_any_sync(FULL, p) | (__nvvm_vote_all_sync(FULL, p) << 1) | (__nvvm_vote_uni_sync(FULL, p) << 2);
  out[4 * i + 2] = __nvvm_shfl_sync_idx_i32(FULL, in[i], 5, 31);
  out[4 * i + 3] = __nvvm_match_any_sync_i32(FULL, in[i] & 3);
}

/* Divergent shuffles: only even lanes take part (mask 0x55555555). */
__global__ void even_lanes(const int* in, int* out) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = in[i];
  if ((lane_id() & 1) == 0) {
    v = __nvvm_shfl_sync_idx_i32(0x55555555u, v, (lane_id() + 2) & 31, 31);
  }
  out[i] = v;
}

/* Bitonic sort of 2*blockDim.x keys in shared memory: barriers inside
 * nested loops. */
__global__ void bitonic_sort(unsigned* keys) {
  extern __shared__ unsigned s[];
  unsigned t = threadIdx.x, n = 2 * blockDim.x;
  unsigned* base = keys + blockIdx.x * n;
  s[t] = base[t];
  s[t + blockDim.x] = base[t + blockDim.x];
  __syncthreads();
  for (unsigned k = 2; k <= n; k <<= 1) {
    for (unsigned j = k >> 1; j > 0; j >>= 1) {
      for (unsigned idx = t; idx < n; idx += blockDim.x) {
        unsigned ixj = idx ^ j;
        if (ixj > idx) {
          bool up = (idx & k) == 0;
          unsigned a = s[idx], b = s[ixj];
          if ((a > b) == up) {
            s[idx] = b;
            s[ixj] = a;
          }
        }
      }
      __syncthreads();
    }
  }
  base[t] = s[t];
  base[t + blockDim.x] = s[t + blockDim.x];
}

/* __syncthreads_count / _and / _or (bar.red). */
__global__ void bar_red(const int* in, unsigned* out) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  int p = in[i] > 0;
  unsigned c = __nvvm_bar0_popc(p);
  unsigned a = __nvvm_bar0_and(p);
  unsigned o = __nvvm_bar0_or(p);
  if (threadIdx.x == 0) {
    out[3 * blockIdx.x] = c;
    out[3 * blockIdx.x + 1] = a;
    out[3 * blockIdx.x + 2] = o;
  }
}

/* Early exit before a barrier: threads past n return; the rest sync. */
__global__ void early_exit(const int* in, int* out, unsigned n) {
  __shared__ int s[256];
  unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
  if (i >= n) return;
  s[t] = in[i];
  __syncthreads();
  unsigned last = (blockIdx.x + 1) * blockDim.x <= n ? blockDim.x : n - blockIdx.x * blockDim.x;
  out[i] = s[(t + 1) % last];
}

/* A device function with barriers and shuffles, kept out of line: the
 * translator inlines it at both call sites. Block sum of v through shared
 * memory (blockDim.x a multiple of 32, at most 1024). */
static __device__ __attribute__((noinline)) int block_sum(int v, int* scratch) {
  for (int off = 16; off > 0; off >>= 1) v += __nvvm_shfl_sync_down_i32(FULL, v, off, 31);
  if (lane_id() == 0) scratch[threadIdx.x / 32] = v;
  __syncthreads();
  int total = 0;
  for (unsigned w = 0; w < blockDim.x / 32; w++) total += scratch[w];
  __syncthreads();
  return total;
}

/* out[i] = (sum of in over the block) * 1000 + (sum of in[i]^2 over the
 * block) % 1000. */
__global__ void calls_block_sum(const int* in, int* out) {
  __shared__ int scratch[32];
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = in[i];
  int s = block_sum(v, scratch);
  int q = block_sum(v * v, scratch);
  out[i] = s * 1000 + q % 1000;
}

/* A per-thread array indexed at run time (local memory) that must survive
 * barriers: out[i] = sum over k of arr[(t + k * seed) % 16] where arr is
 * written in rounds separated by barriers. */
__global__ void local_barrier(int* out, int seed) {
  __shared__ int s[256];
  int arr[16];
  unsigned t = threadIdx.x;
  for (int k = 0; k < 16; k++) {
    s[t] = (int)t * 16 + k;
    __syncthreads();
    arr[(k * seed) & 15] = s[(t + 1) % blockDim.x];
    __syncthreads();
  }
  int acc = 0;
  for (int k = 0; k < 16; k++) acc = acc * 3 + arr[(t + (unsigned)k * seed) & 15];
  out[blockIdx.x * blockDim.x + t] = acc;
}

SHAL_EXTERN_C_END
