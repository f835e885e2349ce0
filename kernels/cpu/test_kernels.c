/*
 * test_kernels.c: the streamhal test kernels for the CPU backend.
 *
 * Each kernel reads like its CUDA twin in kernels/gpu/test_kernels.cu and its
 * GLSL twin in kernels/spirv/; the parameter structs are the packed argument
 * buffer (C natural alignment, parameters in order). See kernels/README.md
 * for the table of kernels and their semantics.
 *
 * Build (kernels/compile.sh does this):
 *   cc -O3 -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
 *      -I kernels -o test_kernels.x86_64.so kernels/cpu/test_kernels.c
 * With -DSHAL_ONLY_VECTOR_ADD the library lists only vector_add (the
 * testdata/vector_add.* example artifacts).
 */
#include "streamhal_cpu.h"

/* ---- vector_add: c[i] = a[i] + b[i] ---- */

typedef struct vector_add_args {
  const float* a;
  const float* b;
  float* c;
  uint32_t n;
} vector_add_args;

/*
 * SHAL_KERNEL runs this body in a counted loop over threadIdx.x; GCC inlines
 * it there and vectorizes the loop. SHAL_GLOBAL_X_BELOW(n) is the `i < n`
 * guard written so that -fsplit-loops (on at -O3) splits the loop at n
 * instead of leaving a branch in it; the 64-bit index keeps the addresses
 * affine; a, b and c are checked for overlap at run time.
 */
SHAL_KERNEL(vector_add, vector_add_args) {
  const float* a = args->a;
  const float* b = args->b;
  float* c = args->c;
  uint64_t i = SHAL_GLOBAL_X; /* blockIdx.x * blockDim.x + threadIdx.x */
  if (SHAL_GLOBAL_X_BELOW(args->n)) c[i] = a[i] + b[i]; /* i < n */
}

SHAL_PARAMS(vector_add, SHAL_PARAM(vector_add_args, a),
            SHAL_PARAM(vector_add_args, b), SHAL_PARAM(vector_add_args, c),
            SHAL_PARAM(vector_add_args, n));

#ifndef SHAL_ONLY_VECTOR_ADD

/* ---- vector_add_scaled: c[i] = alpha*a[i] + beta*b[i] ---- */

typedef struct vector_add_scaled_args {
  const float* a;
  const float* b;
  float* c;
  float alpha;
  float beta;
  uint32_t n;
} vector_add_scaled_args;

SHAL_KERNEL(vector_add_scaled, vector_add_scaled_args) {
  const float* a = args->a;
  const float* b = args->b;
  float* c = args->c;
  const float alpha = args->alpha, beta = args->beta;
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) c[i] = alpha * a[i] + beta * b[i];
}

SHAL_PARAMS(vector_add_scaled, SHAL_PARAM(vector_add_scaled_args, a),
            SHAL_PARAM(vector_add_scaled_args, b),
            SHAL_PARAM(vector_add_scaled_args, c),
            SHAL_PARAM(vector_add_scaled_args, alpha),
            SHAL_PARAM(vector_add_scaled_args, beta),
            SHAL_PARAM(vector_add_scaled_args, n));

/* ---- saxpy: y[i] = a*x[i] + y[i] (offsets 0, 4, 8, 16) ---- */

typedef struct saxpy_args {
  uint32_t n;
  float a;
  const float* x;
  float* y;
} saxpy_args;

SHAL_KERNEL(saxpy, saxpy_args) {
  const float* x = args->x;
  float* y = args->y;
  const float a = args->a;
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) y[i] = a * x[i] + y[i];
}

SHAL_PARAMS(saxpy, SHAL_PARAM(saxpy_args, n), SHAL_PARAM(saxpy_args, a),
            SHAL_PARAM(saxpy_args, x), SHAL_PARAM(saxpy_args, y));

/* ---- matrix_multiply: C(MxN) = A(MxK) * B(KxN), row-major ---- */

#define TILE 16

typedef struct matrix_multiply_args {
  const float* A;
  const float* B;
  float* C;
  uint32_t M;
  uint32_t N;
  uint32_t K;
} matrix_multiply_args;

/*
 * The classic shared-memory tiled multiply, launched with block (16,16,1)
 * and grid (ceil(N/16), ceil(M/16), 1). As and Bs are the block's static
 * shared memory; acc survives the barriers as a per-thread array. Block
 * sizes other than 16x16 are clamped to the tile (threads outside it idle).
 */
SHAL_BLOCK_KERNEL(matrix_multiply, matrix_multiply_args) {
  float As[TILE][TILE];
  float Bs[TILE][TILE];
  SHAL_PER_THREAD(float, acc);
  const float* A = args->A;
  const float* B = args->B;
  const uint32_t M = args->M, N = args->N, K = args->K;

  SHAL_FOR_EACH_THREAD { acc[SHAL_TID] = 0.0f; }
  for (uint32_t t0 = 0; t0 < K; t0 += TILE) {
    SHAL_FOR_EACH_THREAD {
      uint32_t tx = threadIdx.x, ty = threadIdx.y;
      if (tx < TILE && ty < TILE) {
        uint32_t row = blockIdx.y * TILE + ty, col = blockIdx.x * TILE + tx;
        As[ty][tx] = (row < M && t0 + tx < K)
                         ? A[(uint64_t)row * K + t0 + tx]
                         : 0.0f;
        Bs[ty][tx] = (col < N && t0 + ty < K)
                         ? B[(uint64_t)(t0 + ty) * N + col]
                         : 0.0f;
      }
    } /* __syncthreads() */
    SHAL_FOR_EACH_THREAD {
      uint32_t tx = threadIdx.x, ty = threadIdx.y;
      if (tx < TILE && ty < TILE) {
        float s = acc[SHAL_TID];
        for (uint32_t k = 0; k < TILE; k++) s += As[ty][k] * Bs[k][tx];
        acc[SHAL_TID] = s;
      }
    } /* __syncthreads() */
  }
  SHAL_FOR_EACH_THREAD {
    uint32_t row = blockIdx.y * TILE + threadIdx.y;
    uint32_t col = blockIdx.x * TILE + threadIdx.x;
    if (threadIdx.x < TILE && threadIdx.y < TILE && row < M && col < N)
      args->C[(uint64_t)row * N + col] = acc[SHAL_TID];
  }
}

SHAL_PARAMS(matrix_multiply, SHAL_PARAM(matrix_multiply_args, A),
            SHAL_PARAM(matrix_multiply_args, B),
            SHAL_PARAM(matrix_multiply_args, C),
            SHAL_PARAM(matrix_multiply_args, M),
            SHAL_PARAM(matrix_multiply_args, N),
            SHAL_PARAM(matrix_multiply_args, K));

/* ---- reduce_sum: partial[blockIdx.x] = sum of the block's elements ---- */

typedef struct reduce_sum_args {
  const float* in;
  float* partial;
  uint32_t n;
} reduce_sum_args;

/*
 * Tree reduction in dynamic shared memory (sharedBytes = blockDim.x * 4,
 * blockDim.x a power of two): block b reduces in[b*blockDim.x ...
 * b*blockDim.x + blockDim.x - 1] (elements past n count as 0) in the same
 * order as the GPU kernels, so results match bit for bit.
 */
SHAL_BLOCK_KERNEL(reduce_sum, reduce_sum_args) {
  float* sdata = (float*)shal_shared;
  const float* in = args->in;
  const uint32_t n = args->n;
  SHAL_FOR_EACH_THREAD {
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    sdata[threadIdx.x] = i < n ? in[i] : 0.0f;
  }
  for (uint32_t s = blockDim.x / 2; s > 0; s >>= 1) {
    SHAL_FOR_EACH_THREAD {
      if (threadIdx.x < s) sdata[threadIdx.x] += sdata[threadIdx.x + s];
    }
  }
  args->partial[blockIdx.x] = sdata[0];
}

SHAL_PARAMS(reduce_sum, SHAL_PARAM(reduce_sum_args, in),
            SHAL_PARAM(reduce_sum_args, partial),
            SHAL_PARAM(reduce_sum_args, n));

/* ---- empty: does nothing ---- */

SHAL_KERNEL(empty, shal_noargs) {}

/* ---- scale_by_global: out[i] = in[i] * global_scale ---- */

/* A module-scope global for cuModuleGetGlobal-style tests. */
static float global_scale = 2.0f;

typedef struct scale_by_global_args {
  const float* in;
  float* out;
  uint32_t n;
} scale_by_global_args;

SHAL_KERNEL(scale_by_global, scale_by_global_args) {
  const float* in = args->in;
  float* out = args->out;
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) out[i] = in[i] * global_scale;
}

SHAL_PARAMS(scale_by_global, SHAL_PARAM(scale_by_global_args, in),
            SHAL_PARAM(scale_by_global_args, out),
            SHAL_PARAM(scale_by_global_args, n));

/* ---- args_probe: echoes every argument so tests can check the ABI ---- */

typedef struct args_probe_pair {
  int32_t x;
  float y;
} args_probe_pair;

typedef struct args_probe_args {
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  float e;
  double f;
  args_probe_pair g;
  uint64_t* out;
} args_probe_args;

SHAL_KERNEL(args_probe, args_probe_args) {
  if (SHAL_TID != 0 || blockIdx.x != 0 || blockIdx.y != 0 || blockIdx.z != 0)
    return;
  uint64_t* out = args->out;
  uint32_t e, y;
  uint64_t f;
  memcpy(&e, &args->e, sizeof e);
  memcpy(&f, &args->f, sizeof f);
  memcpy(&y, &args->g.y, sizeof y);
  out[0] = args->a;
  out[1] = args->b;
  out[2] = args->c;
  out[3] = args->d;
  out[4] = e;
  out[5] = f;
  out[6] = (uint32_t)args->g.x;
  out[7] = y;
}

SHAL_PARAMS(args_probe, SHAL_PARAM(args_probe_args, a),
            SHAL_PARAM(args_probe_args, b), SHAL_PARAM(args_probe_args, c),
            SHAL_PARAM(args_probe_args, d), SHAL_PARAM(args_probe_args, e),
            SHAL_PARAM(args_probe_args, f), SHAL_PARAM(args_probe_args, g),
            SHAL_PARAM(args_probe_args, out));

/* ---- grid_sum: cooperative sum with a grid-wide barrier ---- */

typedef struct grid_sum_args {
  const float* in;
  float* partial;
  float* out;
  uint32_t n;
} grid_sum_args;

/*
 * Block b's slice is the grid-stride sequence i = b*blockDim.x + t +
 * k*gridDim.x*blockDim.x (t < blockDim.x, k >= 0, i < n), the usual
 * cooperative-kernel loop; 1-D grid and block. After the grid barrier the
 * worker owning block 0 adds partial[0..gridDim.x-1] in order.
 */
SHAL_GRID_KERNEL(grid_sum, grid_sum_args) {
  const float* in = args->in;
  const uint32_t n = args->n;
  const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  SHAL_FOR_EACH_BLOCK {
    float s = 0.0f;
    SHAL_FOR_EACH_THREAD {
      for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
           i += stride)
        s += in[i];
    }
    args->partial[blockIdx.x] = s;
  }
  shal_grid_sync();
  if (shal_b0 == 0 && shal_b1 > 0) {
    float total = 0.0f;
    for (uint32_t b = 0; b < gridDim.x; b++) total += args->partial[b];
    args->out[0] = total;
  }
}

SHAL_PARAMS(grid_sum, SHAL_PARAM(grid_sum_args, in),
            SHAL_PARAM(grid_sum_args, partial), SHAL_PARAM(grid_sum_args, out),
            SHAL_PARAM(grid_sum_args, n));

static const shal_global shal_globals_[] = {SHAL_GLOBAL(global_scale)};

SHAL_LIBRARY_WITH_GLOBALS(shal_globals_,
                          SHAL_ENTRY(vector_add, vector_add_args),
                          SHAL_ENTRY(vector_add_scaled, vector_add_scaled_args),
                          SHAL_ENTRY(saxpy, saxpy_args),
                          SHAL_ENTRY(matrix_multiply, matrix_multiply_args),
                          SHAL_ENTRY(reduce_sum, reduce_sum_args),
                          SHAL_ENTRY_NOARGS(empty),
                          SHAL_ENTRY(scale_by_global, scale_by_global_args),
                          SHAL_ENTRY(args_probe, args_probe_args),
                          SHAL_ENTRY_COOPERATIVE(grid_sum, grid_sum_args))

#else /* SHAL_ONLY_VECTOR_ADD */

SHAL_LIBRARY(SHAL_ENTRY(vector_add, vector_add_args))

#endif
