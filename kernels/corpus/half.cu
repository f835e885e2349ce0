/*
 * half.cu: 16-bit floating point: conversions between float and __half
 * (round to nearest and toward zero) and __nv_bfloat16, half and half2
 * arithmetic, and a bfloat16 fma. The 16-bit values travel as their
 * encodings (unsigned short) so that the host side needs no half type.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* For each x = in[i]:
 *   h_rn[i]  = __float2half_rn(x)      h_rz[i] = __float2half_rz(x)
 *   back[i]  = __half2float(__float2half_rn(x))
 *   bf_rn[i] = __float2bfloat16(x)     bf_rz[i] = __float2bfloat16_rz(x)
 *   bf_back[i] = __bfloat162float(__float2bfloat16(x))
 *   hd[i]    = __double2half(d[i]) */
__global__ void half_convert(const float* in, const double* d,
                             unsigned short* h_rn, unsigned short* h_rz,
                             float* back, unsigned short* bf_rn,
                             unsigned short* bf_rz, float* bf_back,
                             unsigned short* hd, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float x = in[i];
  __half h = __float2half_rn(x);
  h_rn[i] = __half_as_ushort(h);
  h_rz[i] = __half_as_ushort(__float2half_rz(x));
  back[i] = __half2float(h);
  __nv_bfloat16 b = __float2bfloat16(x);
  bf_rn[i] = __bfloat16_as_ushort(b);
  bf_rz[i] = __bfloat16_as_ushort(__float2bfloat16_rz(x));
  bf_back[i] = __bfloat162float(b);
  hd[i] = __half_as_ushort(__double2half(d[i]));
}

/* With a, b, c the halves whose encodings are ha[i], hb[i], hc[i]:
 *   add[i] = a + b, mul[i] = a * b, fma[i] = a * b + c (one rounding),
 *   neg[i] = -a (the sign bit flipped),
 *   add2[i], fma2[i]: the same on the half2 (a, b) with (b, c) and
 *   (c, a) (low half first, packed into 32 bits),
 *   bfma[i]: the bfloat16 fma of the bfloat16 encodings ha[i], hb[i],
 *   hc[i]. */
__global__ void half_arith(const unsigned short* ha, const unsigned short* hb,
                           const unsigned short* hc, unsigned short* add,
                           unsigned short* mul, unsigned short* fma,
                           unsigned short* neg, unsigned* add2,
                           unsigned* fma2, unsigned short* bfma, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  __half a = __ushort_as_half(ha[i]), b = __ushort_as_half(hb[i]),
         c = __ushort_as_half(hc[i]);
  add[i] = __half_as_ushort(__hadd(a, b));
  mul[i] = __half_as_ushort(__hmul(a, b));
  fma[i] = __half_as_ushort(__hfma(a, b, c));
  neg[i] = __half_as_ushort(__hneg(a));
  __half2 x = __halves2half2(a, b), y = __halves2half2(b, c),
          z = __halves2half2(c, a);
  __half2 s = __hadd2(x, y);
  __half2 f = __hfma2(x, y, z);
  add2[i] = (unsigned)__half_as_ushort(__low2half(s)) |
            (unsigned)__half_as_ushort(__high2half(s)) << 16;
  fma2[i] = (unsigned)__half_as_ushort(__low2half(f)) |
            (unsigned)__half_as_ushort(__high2half(f)) << 16;
  bfma[i] = __bfloat16_as_ushort(__hfma(__ushort_as_bfloat16(ha[i]),
                                        __ushort_as_bfloat16(hb[i]),
                                        __ushort_as_bfloat16(hc[i])));
}

SHAL_EXTERN_C_END
