/* A small CPU kernel library (kernels/streamhal_cpu.h ABI) for hal/modfile tests. */
#include "streamhal_cpu.h"

typedef struct {
  const float* a;
  const float* b;
  float* c;
  uint32_t n;
} vector_add_args;

SHAL_KERNEL(vector_add, vector_add_args) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < args->n) args->c[i] = args->a[i] + args->b[i];
}

typedef struct {
  uint32_t n;
  float a;
  const float* x;
  float* y;
} saxpy_args;

SHAL_KERNEL(saxpy, saxpy_args) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < args->n) args->y[i] = args->a * args->x[i] + args->y[i];
}

SHAL_PARAMS(vector_add, SHAL_PARAM(vector_add_args, a), SHAL_PARAM(vector_add_args, b),
            SHAL_PARAM(vector_add_args, c), SHAL_PARAM(vector_add_args, n));
SHAL_PARAMS(saxpy, SHAL_PARAM(saxpy_args, n), SHAL_PARAM(saxpy_args, a),
            SHAL_PARAM(saxpy_args, x), SHAL_PARAM(saxpy_args, y));

SHAL_LIBRARY(SHAL_ENTRY(vector_add, vector_add_args), SHAL_ENTRY(saxpy, saxpy_args))
