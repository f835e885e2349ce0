/*
 * floatround.cu: IEEE arithmetic with every rounding mode, conversions
 * between floats and integers with every rounding mode (clamping and NaN
 * rules included), saturation, and min/max/abs/neg/copysign with NaN and
 * signed zeros. Every result is exactly determined (correctly rounded), so
 * the comparison is bit-exact.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* Float arithmetic; out[k*n + i] for k = mode*6 + op, mode in (rn, rz,
 * rd, ru), op in (add x+y, sub x-y, mul x*y, fma x*y+z, div x/y, sqrt |x|)
 * (24 results), then k = 24..27 rcp(x) in the four modes. */
__global__ void round_f32(const float* x, const float* y, const float* z,
                          float* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float a = x[i], b = y[i], c = z[i], m = fabsf(a);
  float* o = out + i;
#define ROW(k, v) o[(long long)(k) * n] = (v)
  ROW(0, __fadd_rn(a, b));
  ROW(1, __fsub_rn(a, b));
  ROW(2, __fmul_rn(a, b));
  ROW(3, __fmaf_rn(a, b, c));
  ROW(4, __fdiv_rn(a, b));
  ROW(5, __fsqrt_rn(m));
  ROW(6, __fadd_rz(a, b));
  ROW(7, __fsub_rz(a, b));
  ROW(8, __fmul_rz(a, b));
  ROW(9, __fmaf_rz(a, b, c));
  ROW(10, __fdiv_rz(a, b));
  ROW(11, __fsqrt_rz(m));
  ROW(12, __fadd_rd(a, b));
  ROW(13, __fsub_rd(a, b));
  ROW(14, __fmul_rd(a, b));
  ROW(15, __fmaf_rd(a, b, c));
  ROW(16, __fdiv_rd(a, b));
  ROW(17, __fsqrt_rd(m));
  ROW(18, __fadd_ru(a, b));
  ROW(19, __fsub_ru(a, b));
  ROW(20, __fmul_ru(a, b));
  ROW(21, __fmaf_ru(a, b, c));
  ROW(22, __fdiv_ru(a, b));
  ROW(23, __fsqrt_ru(m));
  ROW(24, __frcp_rn(a));
  ROW(25, __frcp_rz(a));
  ROW(26, __frcp_rd(a));
  ROW(27, __frcp_ru(a));
#undef ROW
}

/* The same 28 rows for doubles. */
__global__ void round_f64(const double* x, const double* y, const double* z,
                          double* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  double a = x[i], b = y[i], c = z[i], m = fabs(a);
  double* o = out + i;
#define ROW(k, v) o[(long long)(k) * n] = (v)
  ROW(0, __dadd_rn(a, b));
  ROW(1, __dsub_rn(a, b));
  ROW(2, __dmul_rn(a, b));
  ROW(3, __fma_rn(a, b, c));
  ROW(4, __ddiv_rn(a, b));
  ROW(5, __dsqrt_rn(m));
  ROW(6, __dadd_rz(a, b));
  ROW(7, __dsub_rz(a, b));
  ROW(8, __dmul_rz(a, b));
  ROW(9, __fma_rz(a, b, c));
  ROW(10, __ddiv_rz(a, b));
  ROW(11, __dsqrt_rz(m));
  ROW(12, __dadd_rd(a, b));
  ROW(13, __dsub_rd(a, b));
  ROW(14, __dmul_rd(a, b));
  ROW(15, __fma_rd(a, b, c));
  ROW(16, __ddiv_rd(a, b));
  ROW(17, __dsqrt_rd(m));
  ROW(18, __dadd_ru(a, b));
  ROW(19, __dsub_ru(a, b));
  ROW(20, __dmul_ru(a, b));
  ROW(21, __fma_ru(a, b, c));
  ROW(22, __ddiv_ru(a, b));
  ROW(23, __dsqrt_ru(m));
  ROW(24, __drcp_rn(a));
  ROW(25, __drcp_rz(a));
  ROW(26, __drcp_rd(a));
  ROW(27, __drcp_ru(a));
#undef ROW
}

/* Conversions, with f = x[i], d = dx[i], k = ki[i], K = kl[i]:
 * iout[r*n + i], r = 0..15: __float2int_{rn,rz,rd,ru}(f),
 *   __float2uint_{rn,rz,rd,ru}(f), __double2int_{rn,rz,rd,ru}(d),
 *   __double2uint_{rn,rz,rd,ru}(d)
 * lout[r*n + i], r = 0..7: __float2ll_{rn,rz,rd,ru}(f),
 *   __double2ull_{rn,rz,rd,ru}(d)
 * fout[r*n + i], r = 0..15: __int2float_{rn,rz,rd,ru}(k),
 *   __uint2float_{rn,rz,rd,ru}((unsigned)k), __ll2float_{rn,rz,rd,ru}(K),
 *   __double2float_{rn,rz,rd,ru}(d)
 * fout[(16 + r)*n + i], r = 0..3: __saturatef(f), rintf(f), floorf(f),
 *   truncf(f)
 * dout[r*n + i], r = 0..3: __ll2double_{rn,rz,rd,ru}(K) */
__global__ void convert(const float* x, const double* dx, const int* ki,
                        const long long* kl, int* iout, long long* lout,
                        float* fout, double* dout, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float f = x[i];
  double d = dx[i];
  int k = ki[i];
  long long K = kl[i];
#define ROW(p, r, v) p[(long long)(r) * n + i] = (v)
  ROW(iout, 0, __float2int_rn(f));
  ROW(iout, 1, __float2int_rz(f));
  ROW(iout, 2, __float2int_rd(f));
  ROW(iout, 3, __float2int_ru(f));
  ROW(iout, 4, (int)__float2uint_rn(f));
  ROW(iout, 5, (int)__float2uint_rz(f));
  ROW(iout, 6, (int)__float2uint_rd(f));
  ROW(iout, 7, (int)__float2uint_ru(f));
  ROW(iout, 8, __double2int_rn(d));
  ROW(iout, 9, __double2int_rz(d));
  ROW(iout, 10, __double2int_rd(d));
  ROW(iout, 11, __double2int_ru(d));
  ROW(iout, 12, (int)__double2uint_rn(d));
  ROW(iout, 13, (int)__double2uint_rz(d));
  ROW(iout, 14, (int)__double2uint_rd(d));
  ROW(iout, 15, (int)__double2uint_ru(d));
  ROW(lout, 0, __float2ll_rn(f));
  ROW(lout, 1, __float2ll_rz(f));
  ROW(lout, 2, __float2ll_rd(f));
  ROW(lout, 3, __float2ll_ru(f));
  ROW(lout, 4, (long long)__double2ull_rn(d));
  ROW(lout, 5, (long long)__double2ull_rz(d));
  ROW(lout, 6, (long long)__double2ull_rd(d));
  ROW(lout, 7, (long long)__double2ull_ru(d));
  ROW(fout, 0, __int2float_rn(k));
  ROW(fout, 1, __int2float_rz(k));
  ROW(fout, 2, __int2float_rd(k));
  ROW(fout, 3, __int2float_ru(k));
  ROW(fout, 4, __uint2float_rn((unsigned)k));
  ROW(fout, 5, __uint2float_rz((unsigned)k));
  ROW(fout, 6, __uint2float_rd((unsigned)k));
  ROW(fout, 7, __uint2float_ru((unsigned)k));
  ROW(fout, 8, __ll2float_rn(K));
  ROW(fout, 9, __ll2float_rz(K));
  ROW(fout, 10, __ll2float_rd(K));
  ROW(fout, 11, __ll2float_ru(K));
  ROW(fout, 12, __double2float_rn(d));
  ROW(fout, 13, __double2float_rz(d));
  ROW(fout, 14, __double2float_rd(d));
  ROW(fout, 15, __double2float_ru(d));
  ROW(fout, 16, __saturatef(f));
  ROW(fout, 17, rintf(f));
  ROW(fout, 18, floorf(f));
  ROW(fout, 19, truncf(f));
  ROW(dout, 0, __ll2double_rn(K));
  ROW(dout, 1, __ll2double_rz(K));
  ROW(dout, 2, __ll2double_rd(K));
  ROW(dout, 3, __ll2double_ru(K));
#undef ROW
}

/* min/max with NaN operands and signed zeros (a NaN operand yields the
 * other operand; -0 < +0), abs, neg and copysign; out[r*n + i]:
 * 0 fminf(x, y)  1 fmaxf(x, y)  2 fabsf(x)  3 -x  4 copysignf(x, y)
 * 5 x with y's sign by PTX's copysign.f32 (inline asm; its first operand
 *   gives the sign)
 * dout[r*n + i]: 0 fmin(dx, dy)  1 fmax(dx, dy)  2 fabs(dx)  3 -dx
 * cls[i]: testp on x, one bit each: finite, infinite, number, notanumber,
 *   normal, subnormal (bits 0..5). */
__global__ void minmax_nan(const float* x, const float* y, const double* dx,
                           const double* dy, float* out, double* dout,
                           unsigned* cls, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float a = x[i], b = y[i];
  double c = dx[i], e = dy[i];
  out[i] = fminf(a, b);
  out[n + i] = fmaxf(a, b);
  out[2 * n + i] = fabsf(a);
  out[3 * n + i] = -a;
  out[4 * n + i] = copysignf(a, b);
  float cs;
  asm("copysign.f32 %0, %1, %2;" : "=f"(cs) : "f"(b), "f"(a));
  out[5 * n + i] = cs;
  dout[i] = fmin(c, e);
  dout[n + i] = fmax(c, e);
  dout[2 * n + i] = fabs(c);
  dout[3 * n + i] = -c;
  unsigned k;
  asm("{\n\t"
      ".reg .pred p;\n\t"
      ".reg .u32 t;\n\t"
      "testp.finite.f32 p, %1;\n\t"
      "selp.u32 %0, 1, 0, p;\n\t"
      "testp.infinite.f32 p, %1;\n\t"
      "selp.u32 t, 2, 0, p;\n\t"
      "or.b32 %0, %0, t;\n\t"
      "testp.number.f32 p, %1;\n\t"
      "selp.u32 t, 4, 0, p;\n\t"
      "or.b32 %0, %0, t;\n\t"
      "testp.notanumber.f32 p, %1;\n\t"
      "selp.u32 t, 8, 0, p;\n\t"
      "or.b32 %0, %0, t;\n\t"
      "testp.normal.f32 p, %1;\n\t"
      "selp.u32 t, 16, 0, p;\n\t"
      "or.b32 %0, %0, t;\n\t"
      "testp.subnormal.f32 p, %1;\n\t"
      "selp.u32 t, 32, 0, p;\n\t"
      "or.b32 %0, %0, t;\n\t"
      "}"
      : "=r"(k)
      : "f"(a));
  cls[i] = k;
}

SHAL_EXTERN_C_END
