/*
 * harness.c: three corpus kernels (vadd_f32, globals_apply, atomic_exch)
 * as a CPU kernel library, so that harness_test.go can run the corpus's
 * runner (allocation, poisoning, argument packing, globals, read-back,
 * comparison) on the CPU backend before that backend runs PTX. Built by
 * the test with cc; -DSHAL_WRONG builds a vadd_f32 that subtracts, which
 * the comparison must catch.
 */
#include <math.h>

#include "streamhal_cpu.h"

typedef struct vadd_f32_args {
  const float* a;
  const float* b;
  float* c;
  int32_t n;
} vadd_f32_args;

SHAL_KERNEL(vadd_f32, vadd_f32_args) {
  uint64_t i = SHAL_GLOBAL_X;
  if (i < (uint64_t)args->n) {
#ifdef SHAL_WRONG
    args->c[i] = args->a[i] - args->b[i];
#else
    args->c[i] = args->a[i] + args->b[i];
#endif
  }
}
SHAL_PARAMS(vadd_f32, SHAL_PARAM(vadd_f32_args, a), SHAL_PARAM(vadd_f32_args, b),
            SHAL_PARAM(vadd_f32_args, c), SHAL_PARAM(vadd_f32_args, n));

static int32_t g_counter = 5;
static float g_table[8] = {0.5f, -1.25f, 2.0f, 3.75f, -0.125f, 8.0f, 1.0f, -6.5f};
static uint64_t g_sum;
static double g_scale = 0.25;
static float c_coeffs[16] = {1.0f,  0.5f,   -2.0f, 3.0f,   0.25f, -0.75f, 4.0f,  1.5f,
                             -1.0f, 2.5f,   0.125f, -3.5f, 6.0f,  -0.5f,  1.25f, 7.0f};
static int32_t c_offsets[4] = {1, -2, 3, -4};

typedef struct globals_apply_args {
  const float* in;
  float* out;
  double* dout;
  int32_t n;
} globals_apply_args;

SHAL_KERNEL(globals_apply, globals_apply_args) {
  uint64_t i = SHAL_GLOBAL_X;
  if (i >= (uint64_t)args->n) return;
  float v = fmaf(args->in[i], c_coeffs[i & 15], g_table[((int64_t)i + c_offsets[i & 3]) & 7]);
  args->out[i] = v;
  args->dout[i] = (double)v * g_scale;
  __atomic_fetch_add(&g_counter, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_sum, i, __ATOMIC_RELAXED);
}
SHAL_PARAMS(globals_apply, SHAL_PARAM(globals_apply_args, in), SHAL_PARAM(globals_apply_args, out),
            SHAL_PARAM(globals_apply_args, dout), SHAL_PARAM(globals_apply_args, n));

typedef struct atomic_exch_args {
  uint32_t* slots;
  uint32_t* taken;
  uint64_t* qslots;
  uint64_t* qtaken;
  float* fslots;
  float* ftaken;
  int32_t n;
  int32_t k;
} atomic_exch_args;

SHAL_KERNEL(atomic_exch, atomic_exch_args) {
  uint64_t i = SHAL_GLOBAL_X;
  if (i >= (uint64_t)args->n) return;
  uint64_t s = i % (uint64_t)args->k;
  args->taken[i] = __atomic_exchange_n(&args->slots[s], (uint32_t)i + 1u, __ATOMIC_RELAXED);
  args->qtaken[i] = __atomic_exchange_n(&args->qslots[s], ((i + 1) << 32) | (uint32_t)i, __ATOMIC_RELAXED);
  float f = (float)i + 0.5f;
  uint32_t fb, old;
  __builtin_memcpy(&fb, &f, 4);
  old = __atomic_exchange_n((uint32_t*)&args->fslots[s], fb, __ATOMIC_RELAXED);
  __builtin_memcpy(&args->ftaken[i], &old, 4);
}
SHAL_PARAMS(atomic_exch, SHAL_PARAM(atomic_exch_args, slots), SHAL_PARAM(atomic_exch_args, taken),
            SHAL_PARAM(atomic_exch_args, qslots), SHAL_PARAM(atomic_exch_args, qtaken),
            SHAL_PARAM(atomic_exch_args, fslots), SHAL_PARAM(atomic_exch_args, ftaken),
            SHAL_PARAM(atomic_exch_args, n), SHAL_PARAM(atomic_exch_args, k));

static const shal_global harness_globals[] = {
    SHAL_GLOBAL(g_counter), SHAL_GLOBAL(g_table),  SHAL_GLOBAL(g_sum),
    SHAL_GLOBAL(g_scale),   SHAL_GLOBAL(c_coeffs), SHAL_GLOBAL(c_offsets)};

SHAL_LIBRARY_WITH_GLOBALS(harness_globals, SHAL_ENTRY(vadd_f32, vadd_f32_args),
                          SHAL_ENTRY(globals_apply, globals_apply_args),
                          SHAL_ENTRY(atomic_exch, atomic_exch_args))
