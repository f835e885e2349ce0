/*
 * bits.cu: integer work: CUDA's bit intrinsics, shifts and bit-field
 * extraction, division and remainder (signed and unsigned, by variables,
 * by constants and by powers of two, 32- and 64-bit), 128-bit arithmetic
 * from 64-bit halves, and the PTX instructions that bignum and bit-twiddling
 * code writes by hand (carry chains, lop3, bfe, bfi, prmt modes, bfind,
 * dp4a) as inline asm.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* With x = a[i], y = b[i], s = c[i] and q = (x << 32 | y) 64-bit, 24 words
 * per element (out[24*i + k]):
 *  0 __brev(x)        1 __clz(x)        2 __popc(x)       3 __ffs(x)
 *  4 __byte_perm(x, y, s & 0x7777)      5 __funnelshift_l(x, y, s)
 *  6 __funnelshift_r(x, y, s)           7 __funnelshift_lc(x, y, s & 63)
 *  8 __funnelshift_rc(x, y, s & 63)     9 __umulhi(x, y)
 * 10 __mulhi((int)x, (int)y)           11 __sad((int)x, (int)y, s)
 * 12 __usad(x, y, s)                   13 (x >> 7) & 0x3ff
 * 14 ((int)x << 9) >> 22 (signed field) 15 (x << (s & 31)) | (x >> (-s & 31))
 * 16 lo32(__brevll(q))  17 __clzll(q)  18 __popcll(q)  19 __ffsll(q)
 * 20 lo32(__umul64hi(q, q + s))        21 hi32(same)
 * 22 lo32(__mul64hi((long long)q, -(long long)s))
 * 23 __mul24((int)x >> 8, (int)y >> 8) (operands within 24 bits) */
__global__ void bit_intrinsics(const unsigned* a, const unsigned* b,
                               const unsigned* c, unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned x = a[i], y = b[i], s = c[i];
  unsigned long long q = (unsigned long long)x << 32 | y;
  unsigned* o = out + 24 * (long long)i;
  o[0] = __brev(x);
  o[1] = (unsigned)__clz((int)x);
  o[2] = (unsigned)__popc(x);
  o[3] = (unsigned)__ffs((int)x);
  o[4] = __byte_perm(x, y, s & 0x7777u);
  o[5] = __funnelshift_l(x, y, s);
  o[6] = __funnelshift_r(x, y, s);
  o[7] = __funnelshift_lc(x, y, s & 63u);
  o[8] = __funnelshift_rc(x, y, s & 63u);
  o[9] = __umulhi(x, y);
  o[10] = (unsigned)__mulhi((int)x, (int)y);
  o[11] = __sad((int)x, (int)y, s);
  o[12] = __usad(x, y, s);
  o[13] = (x >> 7) & 0x3ffu;
  o[14] = (unsigned)(((int)x << 9) >> 22);
  o[15] = (x << (s & 31)) | (x >> ((0u - s) & 31));
  o[16] = (unsigned)__brevll(q);
  o[17] = (unsigned)__clzll((long long)q);
  o[18] = (unsigned)__popcll(q);
  o[19] = (unsigned)__ffsll((long long)q);
  unsigned long long h = __umul64hi(q, q + s);
  o[20] = (unsigned)h;
  o[21] = (unsigned)(h >> 32);
  o[22] = (unsigned)__mul64hi((long long)q, -(long long)s);
  o[23] = (unsigned)__mul24((int)x >> 8, (int)y >> 8);
}

/* C division and remainder (truncating toward zero), 16 ints and 6 long
 * longs per element, with x = a[i], y = b[i] (y != 0; never INT_MIN / -1)
 * and the 64-bit X = la[i], Y = lb[i]:
 *  io[0] x / y   [1] x % y   [2] (unsigned)x / (unsigned)y
 *  [3] (unsigned)x % (unsigned)y   [4] x / 7   [5] x % 7   [6] x / -3
 *  [7] x % -3   [8] x / 1000   [9] (unsigned)x / 1000   [10] x / 8
 *  [11] x % 8   [12] x / -16   [13] x % -16   [14] x / (1 << 20)
 *  [15] (unsigned)x % 4096
 *  lo[0] X / Y  [1] X % Y  [2] (unsigned)X / (unsigned)Y
 *  [3] (unsigned)X % (unsigned)Y  [4] X / 1000000007  [5] X % 64 */
__global__ void int_divmod(const int* a, const int* b, const long long* la,
                           const long long* lb, int* io, long long* lo,
                           int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int x = a[i], y = b[i];
  unsigned ux = (unsigned)x, uy = (unsigned)y;
  int* o = io + 16 * (long long)i;
  o[0] = x / y;
  o[1] = x % y;
  o[2] = (int)(ux / uy);
  o[3] = (int)(ux % uy);
  o[4] = x / 7;
  o[5] = x % 7;
  o[6] = x / -3;
  o[7] = x % -3;
  o[8] = x / 1000;
  o[9] = (int)(ux / 1000u);
  o[10] = x / 8;
  o[11] = x % 8;
  o[12] = x / -16;
  o[13] = x % -16;
  o[14] = x / (1 << 20);
  o[15] = (int)(ux % 4096u);
  long long X = la[i], Y = lb[i];
  long long* p = lo + 6 * (long long)i;
  p[0] = X / Y;
  p[1] = X % Y;
  p[2] = (long long)((unsigned long long)X / (unsigned long long)Y);
  p[3] = (long long)((unsigned long long)X % (unsigned long long)Y);
  p[4] = X / 1000000007ll;
  p[5] = X % 64;
}

/* 128-bit arithmetic from 64-bit halves: (hi:lo)[i] = a[i] * b[i] + c[i]
 * (the high product from __umul64hi, the carry out of the low half from
 * a comparison), and (shi:slo)[i] = (hi:lo)[i] + (a[i]:b[i]) as 128-bit
 * sums, carries propagated with the same idiom. */
__global__ void mul128(const unsigned long long* a,
                       const unsigned long long* b,
                       const unsigned long long* c, unsigned long long* lo,
                       unsigned long long* hi, unsigned long long* slo,
                       unsigned long long* shi, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned long long x = a[i], y = b[i], z = c[i];
  unsigned long long l = x * y;
  unsigned long long h = __umul64hi(x, y);
  unsigned long long l2 = l + z;
  h += l2 < l;
  lo[i] = l2;
  hi[i] = h;
  unsigned long long s = l2 + y;
  shi[i] = h + x + (s < l2);
  slo[i] = s;
}

/* Multi-word arithmetic on 32-bit limbs with PTX's carry flag, as bignum
 * code writes it (inline asm). For A = a[4i..4i+3] and B = b[4i..4i+3]
 * (little-endian limbs):
 *   sum[4i..]  = A + B mod 2^128   (add.cc, addc.cc, addc)
 *   dif[4i..]  = A - B mod 2^128   (sub.cc, subc.cc, subc)
 *   prod[4i..] = A[0..1] * B[0..1], the full 128-bit product of the two
 *                64-bit low halves (mul.lo, mul.hi, mad.lo.cc, madc.hi.cc,
 *                madc.hi, addc) */
__global__ void carry_chain(const unsigned* a, const unsigned* b,
                            unsigned* sum, unsigned* dif, unsigned* prod,
                            int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const unsigned* A = a + 4 * (long long)i;
  const unsigned* B = b + 4 * (long long)i;
  unsigned s0, s1, s2, s3;
  asm("add.cc.u32 %0, %4, %8;\n\t"
      "addc.cc.u32 %1, %5, %9;\n\t"
      "addc.cc.u32 %2, %6, %10;\n\t"
      "addc.u32 %3, %7, %11;"
      : "=r"(s0), "=r"(s1), "=r"(s2), "=r"(s3)
      : "r"(A[0]), "r"(A[1]), "r"(A[2]), "r"(A[3]), "r"(B[0]), "r"(B[1]),
        "r"(B[2]), "r"(B[3]));
  unsigned* S = sum + 4 * (long long)i;
  S[0] = s0;
  S[1] = s1;
  S[2] = s2;
  S[3] = s3;
  unsigned d0, d1, d2, d3;
  asm("sub.cc.u32 %0, %4, %8;\n\t"
      "subc.cc.u32 %1, %5, %9;\n\t"
      "subc.cc.u32 %2, %6, %10;\n\t"
      "subc.u32 %3, %7, %11;"
      : "=r"(d0), "=r"(d1), "=r"(d2), "=r"(d3)
      : "r"(A[0]), "r"(A[1]), "r"(A[2]), "r"(A[3]), "r"(B[0]), "r"(B[1]),
        "r"(B[2]), "r"(B[3]));
  unsigned* D = dif + 4 * (long long)i;
  D[0] = d0;
  D[1] = d1;
  D[2] = d2;
  D[3] = d3;
  /* (a1:a0) * (b1:b0) = a0b0 + (a0b1 + a1b0) << 32 + a1b1 << 64 */
  unsigned p0, p1, p2, p3;
  asm("{\n\t"
      ".reg .u32 z;\n\t"
      "mov.u32 z, 0;\n\t"
      "mul.lo.u32 %0, %4, %6;\n\t"
      "mul.hi.u32 %1, %4, %6;\n\t"
      "mad.lo.cc.u32 %1, %4, %7, %1;\n\t"
      "madc.hi.cc.u32 %2, %4, %7, z;\n\t"
      "addc.u32 %3, z, z;\n\t"
      "mad.lo.cc.u32 %1, %5, %6, %1;\n\t"
      "madc.hi.cc.u32 %2, %5, %6, %2;\n\t"
      "addc.u32 %3, %3, z;\n\t"
      "mad.lo.cc.u32 %2, %5, %7, %2;\n\t"
      "madc.hi.u32 %3, %5, %7, %3;\n\t"
      "}"
      : "=&r"(p0), "=&r"(p1), "=&r"(p2), "=&r"(p3)
      : "r"(A[0]), "r"(A[1]), "r"(B[0]), "r"(B[1]));
  unsigned* P = prod + 4 * (long long)i;
  P[0] = p0;
  P[1] = p1;
  P[2] = p2;
  P[3] = p3;
}

/* The bit-manipulation instructions as inline asm, 16 words per element,
 * with x = a[i], y = b[i], s = c[i]:
 *  0 lop3.b32 x, y, s, 0x96 (x ^ y ^ s)  1 lop3 0xe8 (majority)
 *  2 lop3 (s & 0xff) as the table        (a run-time table is not allowed:
 *    the table is the constant 0x1b; s only feeds the third operand)
 *  3 bfe.u32 x, s & 31, (s >> 5) & 31     4 bfe.s32 x, same
 *  5 bfe.u32 x, s & 0xff, (s >> 8) & 0xff (pos and len past 31)
 *  6 bfe.s32 x, same                      7 bfi.b32 y into x at s & 31,
 *    length (s >> 5) & 31                 8 bfi.b32, pos/len past 31
 *  9 prmt.b32 x, y, s (4-bit selectors, sign replication)
 * 10 prmt.b32.f4e x, y, s   11 prmt.b32.b4e   12 prmt.b32.rc8
 * 13 prmt.b32.ecl           14 prmt.b32.ecr   15 prmt.b32.rc16
 * and 8 more (out2[8*i + k]):
 *  0 bfind.u32 x   1 bfind.s32 x   2 bfind.shiftamt.u32 x
 *  3 dp4a.s32.s32 x, y, s   4 dp4a.u32.u32   5 dp4a.s32.u32
 *  6 dp2a.lo.s32.s32 x, y, s   7 dp2a.hi.u32.u32 x, y, s */
__global__ void bitops_asm(const unsigned* a, const unsigned* b,
                           const unsigned* c, unsigned* out, unsigned* out2,
                           int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned x = a[i], y = b[i], s = c[i];
  unsigned* o = out + 16 * (long long)i;
  unsigned r;
  asm("lop3.b32 %0, %1, %2, %3, 0x96;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[0] = r;
  asm("lop3.b32 %0, %1, %2, %3, 0xe8;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[1] = r;
  asm("lop3.b32 %0, %1, %2, %3, 0x1b;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[2] = r;
  asm("bfe.u32 %0, %1, %2, %3;"
      : "=r"(r)
      : "r"(x), "r"(s & 31u), "r"((s >> 5) & 31u));
  o[3] = r;
  asm("bfe.s32 %0, %1, %2, %3;"
      : "=r"(r)
      : "r"(x), "r"(s & 31u), "r"((s >> 5) & 31u));
  o[4] = r;
  asm("bfe.u32 %0, %1, %2, %3;"
      : "=r"(r)
      : "r"(x), "r"(s & 0xffu), "r"((s >> 8) & 0xffu));
  o[5] = r;
  asm("bfe.s32 %0, %1, %2, %3;"
      : "=r"(r)
      : "r"(x), "r"(s & 0xffu), "r"((s >> 8) & 0xffu));
  o[6] = r;
  asm("bfi.b32 %0, %1, %2, %3, %4;"
      : "=r"(r)
      : "r"(y), "r"(x), "r"(s & 31u), "r"((s >> 5) & 31u));
  o[7] = r;
  asm("bfi.b32 %0, %1, %2, %3, %4;"
      : "=r"(r)
      : "r"(y), "r"(x), "r"(s & 0xffu), "r"((s >> 8) & 0xffu));
  o[8] = r;
  asm("prmt.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[9] = r;
  asm("prmt.b32.f4e %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[10] = r;
  asm("prmt.b32.b4e %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[11] = r;
  asm("prmt.b32.rc8 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[12] = r;
  asm("prmt.b32.ecl %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[13] = r;
  asm("prmt.b32.ecr %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[14] = r;
  asm("prmt.b32.rc16 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o[15] = r;
  unsigned* o2 = out2 + 8 * (long long)i;
  asm("bfind.u32 %0, %1;" : "=r"(r) : "r"(x));
  o2[0] = r;
  asm("bfind.s32 %0, %1;" : "=r"(r) : "r"(x));
  o2[1] = r;
  asm("bfind.shiftamt.u32 %0, %1;" : "=r"(r) : "r"(x));
  o2[2] = r;
  asm("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o2[3] = r;
  asm("dp4a.u32.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o2[4] = r;
  asm("dp4a.s32.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o2[5] = r;
  asm("dp2a.lo.s32.s32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o2[6] = r;
  asm("dp2a.hi.u32.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(y), "r"(s));
  o2[7] = r;
}

SHAL_EXTERN_C_END
