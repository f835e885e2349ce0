/*
 * fastmath.cu: the approximate instructions (ex2, lg2, sin, cos, rsqrt,
 * rcp, sqrt, div, tanh .approx) through CUDA's fast-math functions. The
 * results are checked against the PTX ISA's stated error bounds.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* out[r*n + i], for e = ex[i] (exponent inputs), p = pos[i] (positive
 * inputs), t = ang[i] (angles in [-2pi, 2pi]), q = den[i] (divisors):
 *  0 __expf(e)   1 exp2f(e)    2 __logf(p)   3 __log2f(p)   4 __sinf(t)
 *  5 __cosf(t)   6 rsqrtf(p)   7 __fdividef(e, q)   8 tanh.approx.f32(e)
 *  9 rcp.approx.f32(q)   10 sqrt.approx.f32(p)   11 __exp10f(e * 0.25) */
__global__ void fast_math(const float* ex, const float* pos, const float* ang,
                          const float* den, float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float e = ex[i], p = pos[i], t = ang[i], q = den[i];
  float r;
  out[i] = __expf(e);
  out[n + i] = exp2f(e);
  out[2 * n + i] = __logf(p);
  out[3 * n + i] = __log2f(p);
  out[4 * n + i] = __sinf(t);
  out[5 * n + i] = __cosf(t);
  out[6 * n + i] = rsqrtf(p);
  out[7 * n + i] = __fdividef(e, q);
  asm("tanh.approx.f32 %0, %1;" : "=f"(r) : "f"(e));
  out[8 * n + i] = r;
  asm("rcp.approx.f32 %0, %1;" : "=f"(r) : "f"(q));
  out[9 * n + i] = r;
  asm("sqrt.approx.f32 %0, %1;" : "=f"(r) : "f"(p));
  out[10 * n + i] = r;
  out[11 * n + i] = __exp10f(__fmul_rn(e, 0.25f));
}

SHAL_EXTERN_C_END
