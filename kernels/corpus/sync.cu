/*
 * sync.cu: special registers (%laneid, %warpid, %lanemask_*, %clock,
 * %clock64, %globaltimer, %smid, %dynamic_smem_size, ...), named barriers
 * with thread counts (bar.arrive / bar.sync / barrier.sync as producer and
 * consumer), __syncwarp, memory fences, and a launch-bounds annotation.
 */
#include "shal_gpu.h"

static __device__ __forceinline__ unsigned sreg_laneid() {
  unsigned r;
  asm volatile("mov.u32 %0, %%laneid;" : "=r"(r));
  return r;
}

SHAL_EXTERN_C

/* For each thread of a 2-D block (t = threadIdx.y*blockDim.x +
 * threadIdx.x, lane = t % 32), 8 words in out[8*g + k], g the global
 * linear thread index (block-major):
 *  0 %laneid   1 %lanemask_lt   2 %lanemask_le   3 %lanemask_eq
 *  4 %lanemask_ge   5 %lanemask_gt   6 %dynamic_smem_size
 *  7 a bit set of checks that must all hold (0x3f): %warpid < %nwarpid,
 *    %smid < %nsmid, %clock64 does not go back, %clock does not go back
 *    by more than 2^31, %globaltimer does not go back, %total_smem_size
 *    >= %dynamic_smem_size. */
__global__ void __launch_bounds__(256, 1) special_regs(unsigned* out) {
  unsigned t = threadIdx.y * blockDim.x + threadIdx.x;
  unsigned g = (blockIdx.y * gridDim.x + blockIdx.x) * (blockDim.x * blockDim.y) + t;
  unsigned* o = out + 8 * g;
  unsigned lt, le, eq, ge, gt, warp, nwarp, sm, nsm, dyn, total;
  unsigned long long t0, t1, g0, g1;
  unsigned c0, c1;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g0));
  t0 = clock64();
  c0 = clock();
  asm volatile("mov.u32 %0, %%lanemask_lt;" : "=r"(lt));
  asm volatile("mov.u32 %0, %%lanemask_le;" : "=r"(le));
  asm volatile("mov.u32 %0, %%lanemask_eq;" : "=r"(eq));
  asm volatile("mov.u32 %0, %%lanemask_ge;" : "=r"(ge));
  asm volatile("mov.u32 %0, %%lanemask_gt;" : "=r"(gt));
  asm volatile("mov.u32 %0, %%warpid;" : "=r"(warp));
  asm volatile("mov.u32 %0, %%nwarpid;" : "=r"(nwarp));
  asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
  asm volatile("mov.u32 %0, %%nsmid;" : "=r"(nsm));
  asm volatile("mov.u32 %0, %%dynamic_smem_size;" : "=r"(dyn));
  asm volatile("mov.u32 %0, %%total_smem_size;" : "=r"(total));
  o[0] = sreg_laneid();
  o[1] = lt;
  o[2] = le;
  o[3] = eq;
  o[4] = ge;
  o[5] = gt;
  o[6] = dyn;
  c1 = clock();
  t1 = clock64();
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g1));
  o[7] = (warp < nwarp ? 1u : 0u) | (sm < nsm ? 2u : 0u) |
         (t1 >= t0 ? 4u : 0u) | (c1 - c0 < 0x80000000u ? 8u : 0u) |
         (g1 >= g0 ? 16u : 0u) | (total >= dyn ? 32u : 0u);
}

/* Producer and consumer warps on named barriers (block of 128 threads,
 * four warps): warps 0-1 write s[t] = in[g] * 3 + 1 and arrive at barrier
 * 1 (bar.arrive 1, 128); warps 2-3 wait there (bar.sync 1, 128) and read
 * s[t - 64]. Then all four meet at barrier 2 (barrier.sync 2) and at
 * barrier 0, warps exchange halves within themselves after __syncwarp,
 * and every thread writes:
 *   out[2g]     = for warps 2-3: s[t - 64] + t; for warps 0-1: s[t]
 *   out[2g + 1] = s2[t ^ 16] (the other half-warp's value, after a
 *                 __syncwarp), s2[t] = in[g] ^ t
 * A __threadfence_block orders the shared writes before the arrive. */
__global__ void named_barriers(const unsigned* in, unsigned* out) {
  __shared__ unsigned s[64];
  __shared__ unsigned s2[128];
  unsigned t = threadIdx.x;
  unsigned g = blockIdx.x * blockDim.x + t;
  unsigned v = in[g];
  unsigned r;
  if (t < 64) {
    s[t] = v * 3u + 1u;
    __threadfence_block();
    asm volatile("bar.arrive 1, 128;" ::: "memory");
    r = s[t];
  } else {
    asm volatile("bar.sync 1, 128;" ::: "memory");
    r = s[t - 64] + t;
  }
  asm volatile("barrier.sync 2;" ::: "memory");
  s2[t] = v ^ t;
  __syncwarp();
  unsigned other = s2[t ^ 16];
  __syncthreads();
  out[2 * g] = r;
  out[2 * g + 1] = other;
}

SHAL_EXTERN_C_END
