// corpus: nvcc-only (cooperative groups need the CUDA headers)
/*
 * coop.cu: cooperative groups: thread_block, tiled_partition<32> and
 * <16>, cg::reduce, tile shuffles and votes. Built by nvcc only
 * (kernels/corpus/nvcc.sh); clang without the CUDA headers cannot.
 */
#include "shal_gpu.h"

namespace cg = cooperative_groups;

SHAL_EXTERN_C

/* sums[b] = the sum of block b's elements (0 past n) and maxes[b] their
 * maximum (INT_MIN past n): cg::reduce over 32-thread tiles with cg::plus
 * and cg::greater, the tiles' results combined in shared memory after
 * block.sync(); blockDim.x a multiple of 32, at most 1024. */
__global__ void cg_reduce(const int* in, int* sums, int* maxes, int n) {
  __shared__ int tsum[32];
  __shared__ int tmax[32];
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  int v = i < n ? in[i] : 0;
  int m = i < n ? in[i] : (-2147483647 - 1);
  int s = cg::reduce(tile, v, cg::plus<int>());
  int x = cg::reduce(tile, m, cg::greater<int>());
  if (tile.thread_rank() == 0) {
    tsum[tile.meta_group_rank()] = s;
    tmax[tile.meta_group_rank()] = x;
  }
  block.sync();
  if (block.thread_rank() == 0) {
    int ts = 0, tm = -2147483647 - 1;
    for (unsigned k = 0; k < tile.meta_group_size(); k++) {
      ts += tsum[k];
      tm = tmax[k] > tm ? tmax[k] : tm;
    }
    sums[blockIdx.x] = ts;
    maxes[blockIdx.x] = tm;
  }
}

/* 16-thread tiles, 4 words per thread: [0] tile.shfl_down(v, 1) (the
 * last lane of the tile keeps its own value), [1] tile.ballot(v & 1),
 * [2] tile.any(v == 0) | tile.all(v != 7) << 1, [3] tile.thread_rank() |
 * tile.meta_group_rank() << 8. Whole tiles only. */
__global__ void cg_tiles(const unsigned* in, unsigned* out, int n) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<16> tile = cg::tiled_partition<16>(block);
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned v = in[i];
  unsigned* o = out + 4 * (long long)i;
  o[0] = tile.shfl_down(v, 1);
  o[1] = tile.ballot(v & 1);
  o[2] = (unsigned)tile.any(v == 0) | (unsigned)tile.all(v != 7) << 1;
  o[3] = tile.thread_rank() | tile.meta_group_rank() << 8;
}

SHAL_EXTERN_C_END
