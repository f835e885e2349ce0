// corpus: nvcc-only (cooperative groups need the CUDA headers)
/*
 * coop_grid.cu: a grid-wide barrier (cg::this_grid().sync()), which needs
 * a cooperative launch. Built by nvcc only (kernels/corpus/nvcc.sh).
 */
#include "shal_gpu.h"

namespace cg = cooperative_groups;

SHAL_EXTERN_C

/* Block b sums its grid-stride slice of in into partial[b]; after the
 * grid-wide sync, block 0's thread 0 writes out[0] = the sum of all
 * partials and every block's thread 0 writes out[1 + b] = partial[(b + 1)
 * % gridDim.x] (a value another block wrote before the barrier). */
__global__ void cg_grid_sum(const int* in, int* partial, int* out, int n) {
  cg::grid_group grid = cg::this_grid();
  __shared__ int s[1024];
  int v = 0;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += gridDim.x * blockDim.x)
    v += in[i];
  s[threadIdx.x] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    int t = 0;
    for (unsigned k = 0; k < blockDim.x; k++) t += s[k];
    partial[blockIdx.x] = t;
  }
  grid.sync();
  if (threadIdx.x == 0) {
    out[1 + blockIdx.x] = partial[(blockIdx.x + 1) % gridDim.x];
    if (blockIdx.x == 0) {
      int t = 0;
      for (unsigned k = 0; k < gridDim.x; k++) t += partial[k];
      out[0] = t;
    }
  }
}

SHAL_EXTERN_C_END
