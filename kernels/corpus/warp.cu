/*
 * warp.cu: the warp- and block-level collectives: votes and ballots
 * (also with lanes that have exited and with a partial member mask),
 * __syncthreads_count/_and/_or, __match_any_sync/__match_all_sync,
 * __reduce_*_sync (redux.sync, sm_80), and __shfl_sync in every mode with
 * sub-warp widths.
 */
#include "shal_gpu.h"

#define FULL_MASK 0xffffffffu

SHAL_EXTERN_C

/* Per thread (i = global index, lane = threadIdx.x % 32, v = in[i] or 0
 * past n, p = v > 0); out has 6 words per thread:
 *   out[6i+0] = __ballot_sync(full, p)
 *   out[6i+1] = __all_sync(full, p) != 0
 *   out[6i+2] = __any_sync(full, v < 0) != 0
 *   out[6i+3] = __activemask() (every lane of the warp is still here)
 *   out[6i+4] = lanes 0..9 only: __ballot_sync(0x3ff, v & 1), else 0
 *   out[6i+5] = lanes of even v: __activemask() after the lanes of odd v
 *              have returned, else not written (stays as it was)
 * The block is launched with blockDim.x not a multiple of 32, so the last
 * warp is partial and its full-mask votes see only its existing lanes. */
__global__ void vote(const int* in, unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int lane = threadIdx.x & 31;
  unsigned live = __activemask();
  int v = i < n ? in[i] : 0;
  int p = v > 0;
  unsigned* o = out + 6 * (long long)i;
  o[0] = __ballot_sync(live, p);
  o[1] = __all_sync(live, p) != 0;
  o[2] = __any_sync(live, v < 0) != 0;
  o[3] = live;
  o[4] = lane < 10 ? __ballot_sync(0x3ffu & live, v & 1) : 0u;
  if (v & 1) return;
  o[5] = __activemask();
}

/* Block-wide votes: for block b, with p = in[i] > 0 and q = in[i] != 0
 * (0 past n): out[3b] = __syncthreads_count(p), out[3b+1] =
 * __syncthreads_and(q), out[3b+2] = __syncthreads_or(in[i] > 1000). */
__global__ void sync_votes(const int* in, int* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = i < n ? in[i] : 0;
  int c = __syncthreads_count(v > 0);
  int a = __syncthreads_and(v != 0);
  int o = __syncthreads_or(v > 1000);
  if (threadIdx.x == 0) {
    out[3 * blockIdx.x] = c;
    out[3 * blockIdx.x + 1] = a;
    out[3 * blockIdx.x + 2] = o;
  }
}

/* any[i] = __match_any_sync(full, in[i]) (the lanes holding the same
 * value), all[i] = __match_all_sync(full, in[i] >> 8, &pred), allp[i] =
 * pred. Whole warps only (n a multiple of 32). */
__global__ void match(const unsigned* in, unsigned* any, unsigned* all,
                      int* allp, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned v = in[i];
  any[i] = __match_any_sync(FULL_MASK, v);
  int pred = 0;
  all[i] = __match_all_sync(FULL_MASK, v >> 8, &pred);
  allp[i] = pred;
}

/* redux.sync over each warp (whole warps, n a multiple of 32), 8 words per
 * thread: of in[i] over the warp, [0] add, [1] min and [2] max as signed,
 * [3] min and [4] max as unsigned, [5] and, [6] or; [7] on odd lanes the
 * xor over the odd lanes only (a partial member mask), 0 on even lanes. */
__global__ void redux(const unsigned* in, unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned v = in[i];
  unsigned* o = out + 8 * (long long)i;
  o[0] = __reduce_add_sync(FULL_MASK, v);
  o[1] = (unsigned)__reduce_min_sync(FULL_MASK, (int)v);
  o[2] = (unsigned)__reduce_max_sync(FULL_MASK, (int)v);
  o[3] = __reduce_min_sync(FULL_MASK, v);
  o[4] = __reduce_max_sync(FULL_MASK, v);
  o[5] = __reduce_and_sync(FULL_MASK, v);
  o[6] = __reduce_or_sync(FULL_MASK, v);
  o[7] = (threadIdx.x & 1) ? __reduce_xor_sync(0xaaaaaaaau, v) : 0u;
}

/* __shfl_sync in each mode; 8 words per thread (whole warps):
 *   [0] idx: in from lane (lane * 7 + 3) mod 32
 *   [1] idx, width 16: from lane 5 of the thread's 16-lane segment,
 *       asked for as lane 21 (taken modulo the width)
 *   [2] up 3                      [3] up 2, width 8
 *   [4] down 5                    [5] down 3, width 16
 *   [6] xor 11                    [7] xor 6, width 4 (a lane whose
 *       partner lies in a later segment keeps its own value; one whose
 *       partner lies in an earlier segment reads it, as CUDA documents)
 * and dout[i] = the double din[i] from lane (lane + 1) mod 32. */
__global__ void shfl_modes(const int* in, int* out, const double* din,
                           double* dout, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int lane = threadIdx.x & 31;
  int v = in[i];
  int* o = out + 8 * (long long)i;
  o[0] = __shfl_sync(FULL_MASK, v, (lane * 7 + 3) & 31);
  o[1] = __shfl_sync(FULL_MASK, v, 21, 16);
  o[2] = __shfl_up_sync(FULL_MASK, v, 3);
  o[3] = __shfl_up_sync(FULL_MASK, v, 2, 8);
  o[4] = __shfl_down_sync(FULL_MASK, v, 5);
  o[5] = __shfl_down_sync(FULL_MASK, v, 3, 16);
  o[6] = __shfl_xor_sync(FULL_MASK, v, 11);
  o[7] = __shfl_xor_sync(FULL_MASK, v, 6, 4);
  dout[i] = __shfl_sync(FULL_MASK, din[i], (lane + 1) & 31);
}

SHAL_EXTERN_C_END
