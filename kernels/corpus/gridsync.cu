/*
 * gridsync.cu: grid-wide barriers in cooperative launches, spelled the way
 * CUDA 11 and later implement cooperative groups' grid_group::sync()
 * (cooperative_groups/details/sync.h and driver_abi.h), so that clang
 * builds them without the CUDA headers and the PTX is what nvcc emits for
 * this_grid().sync(): the grid workspace's address from %envreg1 (high
 * half) and %envreg2 (low half), bar.sync 0, thread 0 of each block adding
 * to the barrier word with atom.add.release.gpu (block 0 adds
 * 0x80000000 - (blocks - 1), the others 1, so the top bit flips once all
 * arrived) and polling it with ld.acquire.gpu, bar.sync 0. Outside a
 * cooperative launch the workspace is NULL and the kernels trap, as
 * cooperative groups do.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* The barrier word of the grid workspace, as driver_abi.h reads it (two
 * 32-bit environment registers). */
__device__ static unsigned* grid_barrier_split(void) {
  unsigned hi, lo;
  asm volatile("mov.u32 %0, %%envreg1;" : "=r"(hi));
  asm volatile("mov.u32 %0, %%envreg2;" : "=r"(lo));
  unsigned long long ws = ((unsigned long long)hi << 32) | lo;
  if (ws == 0) asm volatile("trap;");
  return (unsigned*)(ws + 4);
}

/* The same, as CCCL's cuda::experimental reads it (one 64-bit move of the
 * register pair). */
__device__ static unsigned* grid_barrier_pair(void) {
  unsigned long long ws;
  asm volatile("mov.b64 %0, {%%envreg2, %%envreg1};" : "=l"(ws));
  if (ws == 0) asm volatile("trap;");
  return (unsigned*)(ws + 4);
}

__device__ static void grid_sync(unsigned* arrived) {
  __syncthreads();
  if (threadIdx.x + threadIdx.y + threadIdx.z == 0) {
    unsigned expected = gridDim.x * gridDim.y * gridDim.z;
    unsigned nb = 1;
    if (blockIdx.x + blockIdx.y + blockIdx.z == 0) nb = 0x80000000u - (expected - 1);
    unsigned old, cur;
    asm volatile("atom.add.release.gpu.u32 %0, [%1], %2;" : "=r"(old) : "l"(arrived), "r"(nb) : "memory");
    do {
      asm volatile("ld.acquire.gpu.u32 %0, [%1];" : "=r"(cur) : "l"(arrived) : "memory");
    } while (((old ^ cur) & 0x80000000u) == 0);
  }
  __syncthreads();
}

/* Block b sums its grid-stride slice of in into partial[b]; after the grid
 * barrier, thread 0 of block b writes out[1 + b] = partial[(b + 1) %
 * gridDim.x] (written by another block before the barrier) and block 0's
 * thread 0 writes out[0] = the sum of all partials. At most 1024 threads
 * per block. */
__global__ void grid_sum(const int* in, int* partial, int* out, int n) {
  unsigned* bar = grid_barrier_split();
  __shared__ int s[1024];
  int v = 0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) v += in[i];
  s[threadIdx.x] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    int t = 0;
    for (unsigned k = 0; k < blockDim.x; k++) t += s[k];
    partial[blockIdx.x] = t;
  }
  grid_sync(bar);
  if (threadIdx.x == 0) {
    out[1 + blockIdx.x] = partial[(blockIdx.x + 1) % gridDim.x];
    if (blockIdx.x == 0) {
      int t = 0;
      for (unsigned k = 0; k < gridDim.x; k++) t += partial[k];
      out[0] = t;
    }
  }
}

/* rounds of a grid-wide stencil over a 2-D grid of blocks: element i of
 * the gridDim.x * gridDim.y * blockDim.x elements becomes (a[i - 1] + 2 *
 * a[i] + a[i + 1]) mod 1000003 (cyclic), reading a and writing b, then b
 * into a; two grid barriers per round, so blocks read what other blocks
 * wrote in the half-round before. */
__global__ void grid_rounds(unsigned* a, unsigned* b, int rounds) {
  unsigned* bar = grid_barrier_pair();
  unsigned blk = blockIdx.x + gridDim.x * blockIdx.y;
  unsigned n = gridDim.x * gridDim.y * blockDim.x;
  unsigned i = blk * blockDim.x + threadIdx.x;
  for (int r = 0; r < rounds; r++) {
    unsigned l = a[(i + n - 1) % n], c = a[i], h = a[(i + 1) % n];
    b[i] = (unsigned)(((unsigned long long)l + 2ull * c + h) % 1000003u);
    grid_sync(bar);
    a[i] = b[i];
    grid_sync(bar);
  }
}

SHAL_EXTERN_C_END
