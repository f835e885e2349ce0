/* ---- streamhal ptx/cgen runtime: helpers for translated PTX ----
 *
 * Everything here is static: every translated library carries its own copy.
 * PTX semantics are kept exactly where the ISA defines them; where it leaves
 * results to the machine (integer division by zero) the choice is
 * documented next to the helper.
 */
#include <fenv.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>


#define SHAL_INLINE static inline __attribute__((always_inline))
#define SHAL_NOINLINE static __attribute__((noinline))
#define SHAL_LIKELY(x) __builtin_expect(!!(x), 1)
#define SHAL_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* SHAL_IVDEP before a loop: its iterations carry no dependences the
 * compiler must keep (the threads of a work-item loop). */
#if defined(__clang__)
#define SHAL_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define SHAL_IVDEP _Pragma("GCC ivdep")
#else
#define SHAL_IVDEP
#endif

/* Memory is untyped in PTX: every access goes through may_alias types so the
 * C compiler never reorders a float store past an integer load of the same
 * bytes. */
typedef uint8_t shal_m8 __attribute__((may_alias));
typedef uint16_t shal_m16 __attribute__((may_alias));
typedef uint32_t shal_m32 __attribute__((may_alias));
typedef uint64_t shal_m64 __attribute__((may_alias));
typedef float shal_mf32 __attribute__((may_alias));
typedef double shal_mf64 __attribute__((may_alias));

#define SHAL_LD(T, a) (*(const T*)(uintptr_t)(a))
#define SHAL_ST(T, a, v) (*(T*)(uintptr_t)(a) = (v))
#define SHAL_LDV(T, a) (*(const volatile T*)(uintptr_t)(a))
#define SHAL_STV(T, a, v) (*(volatile T*)(uintptr_t)(a) = (v))

SHAL_INLINE uint32_t shal_f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
SHAL_INLINE float shal_u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
SHAL_INLINE uint64_t shal_d2u(double f) { uint64_t u; memcpy(&u, &f, 8); return u; }
SHAL_INLINE double shal_u2d(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }

/* ---- integers ---- */

SHAL_INLINE uint32_t shal_mulhi_u32(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a * b) >> 32); }
SHAL_INLINE uint32_t shal_mulhi_s32(uint32_t a, uint32_t b) { return (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int32_t)b) >> 32); }
SHAL_INLINE uint64_t shal_mulhi_u64(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }
SHAL_INLINE uint64_t shal_mulhi_s64(uint64_t a, uint64_t b) { return (uint64_t)((unsigned __int128)((__int128)(int64_t)a * (int64_t)b) >> 64); }
SHAL_INLINE uint16_t shal_mulhi_u16(uint16_t a, uint16_t b) { return (uint16_t)(((uint32_t)a * b) >> 16); }
SHAL_INLINE uint16_t shal_mulhi_s16(uint16_t a, uint16_t b) { return (uint16_t)((uint32_t)((int32_t)(int16_t)a * (int16_t)b) >> 16); }

/* Division by zero does not trap. PTX leaves the result to the machine;
 * these are the H100's (sm_90): every quotient and every remainder by zero
 * is all ones, signed or unsigned, whatever the dividend. INT_MIN/-1 wraps
 * to INT_MIN and INT_MIN%-1 is 0. */
#define SHAL_DIVREM(N)                                                                 \
  SHAL_INLINE uint##N##_t shal_div_u##N(uint##N##_t a, uint##N##_t b) {                \
    return b ? a / b : (uint##N##_t)~(uint##N##_t)0;                                  \
  }                                                                                    \
  SHAL_INLINE uint##N##_t shal_rem_u##N(uint##N##_t a, uint##N##_t b) {                \
    return b ? a % b : (uint##N##_t)~(uint##N##_t)0;                                  \
  }                                                                                    \
  SHAL_INLINE uint##N##_t shal_div_s##N(uint##N##_t a, uint##N##_t b) {                \
    int##N##_t x = (int##N##_t)a, y = (int##N##_t)b;                                   \
    if (y == 0) return (uint##N##_t)~(uint##N##_t)0;                                  \
    if (y == -1) return (uint##N##_t)0 - a;                                            \
    return (uint##N##_t)(x / y);                                                       \
  }                                                                                    \
  SHAL_INLINE uint##N##_t shal_rem_s##N(uint##N##_t a, uint##N##_t b) {                \
    int##N##_t x = (int##N##_t)a, y = (int##N##_t)b;                                   \
    if (y == 0) return (uint##N##_t)~(uint##N##_t)0;                                  \
    if (y == -1) return 0;                                                             \
    return (uint##N##_t)(x % y);                                                       \
  }
SHAL_DIVREM(16)
SHAL_DIVREM(32)
SHAL_DIVREM(64)
SHAL_INLINE uint8_t shal_div_u8(uint8_t a, uint8_t b) { return b ? a / b : 0xff; }
SHAL_INLINE uint8_t shal_rem_u8(uint8_t a, uint8_t b) { return b ? a % b : 0xff; }

/* Shifts by the width or more give 0 (or the sign, for shr.s). */
#define SHAL_SHIFTS(N)                                                                       \
  SHAL_INLINE uint##N##_t shal_shl_##N(uint##N##_t a, uint32_t n) { return n >= N ? 0 : (uint##N##_t)(a << n); } \
  SHAL_INLINE uint##N##_t shal_shr_u##N(uint##N##_t a, uint32_t n) { return n >= N ? 0 : (uint##N##_t)(a >> n); } \
  SHAL_INLINE uint##N##_t shal_shr_s##N(uint##N##_t a, uint32_t n) {                       \
    int##N##_t x = (int##N##_t)a;                                                          \
    return (uint##N##_t)(n >= N ? (x < 0 ? -1 : 0) : (x >> n));                            \
  }
SHAL_SHIFTS(16)
SHAL_SHIFTS(32)
SHAL_SHIFTS(64)
SHAL_INLINE uint8_t shal_shl_8(uint8_t a, uint32_t n) { return n >= 8 ? 0 : (uint8_t)(a << n); }
SHAL_INLINE uint8_t shal_shr_u8(uint8_t a, uint32_t n) { return n >= 8 ? 0 : (uint8_t)(a >> n); }
SHAL_INLINE uint8_t shal_shr_s8(uint8_t a, uint32_t n) { int8_t x = (int8_t)a; return (uint8_t)(n >= 8 ? (x < 0 ? -1 : 0) : (x >> n)); }

SHAL_INLINE uint32_t shal_add_sat_s32(uint32_t a, uint32_t b) {
  int64_t s = (int64_t)(int32_t)a + (int32_t)b;
  if (s > INT32_MAX) s = INT32_MAX;
  if (s < INT32_MIN) s = INT32_MIN;
  return (uint32_t)(int32_t)s;
}
SHAL_INLINE uint32_t shal_sub_sat_s32(uint32_t a, uint32_t b) {
  int64_t s = (int64_t)(int32_t)a - (int32_t)b;
  if (s > INT32_MAX) s = INT32_MAX;
  if (s < INT32_MIN) s = INT32_MIN;
  return (uint32_t)(int32_t)s;
}
SHAL_INLINE uint32_t shal_sat_s64_s32(int64_t s) {
  if (s > INT32_MAX) s = INT32_MAX;
  if (s < INT32_MIN) s = INT32_MIN;
  return (uint32_t)(int32_t)s;
}

SHAL_INLINE uint32_t shal_mul24_lo(uint32_t a, uint32_t b, int sgn) {
  if (sgn) return (uint32_t)((int64_t)((int32_t)(a << 8) >> 8) * ((int32_t)(b << 8) >> 8));
  return (a & 0xffffff) * (b & 0xffffff);
}
SHAL_INLINE uint32_t shal_mul24_hi(uint32_t a, uint32_t b, int sgn) {
  /* The high 32 bits of the 48-bit product. */
  if (sgn) return (uint32_t)((uint64_t)((int64_t)((int32_t)(a << 8) >> 8) * ((int32_t)(b << 8) >> 8)) >> 16);
  return (uint32_t)(((uint64_t)(a & 0xffffff) * (b & 0xffffff)) >> 16);
}

#define SHAL_BITS(N)                                                                      \
  SHAL_INLINE uint32_t shal_popc_##N(uint##N##_t a) { return (uint32_t)__builtin_popcountll(a); } \
  SHAL_INLINE uint32_t shal_clz_##N(uint##N##_t a) { return a ? (uint32_t)__builtin_clzll(a) - (64 - N) : N; } \
  SHAL_INLINE uint##N##_t shal_brev_##N(uint##N##_t a) {                                   \
    uint##N##_t r = 0;                                                                    \
    for (int i = 0; i < N; i++) r |= (uint##N##_t)((a >> i) & 1) << (N - 1 - i);          \
    return r;                                                                             \
  }                                                                                       \
  SHAL_INLINE uint32_t shal_bfind_##N(uint##N##_t a, int sgn, int shiftamt) {              \
    if (sgn && (a >> (N - 1))) a = ~a;                                                    \
    if (a == 0) return 0xffffffffu;                                                       \
    uint32_t d = 63 - (uint32_t)__builtin_clzll(a);                                       \
    return shiftamt ? (N - 1) - d : d;                                                    \
  }                                                                                       \
  SHAL_INLINE uint##N##_t shal_bfe_##N(uint##N##_t a, uint32_t b, uint32_t c, int sgn) {  \
    uint32_t pos = b & 0xff, len = c & 0xff, msb = N - 1;                                 \
    uint32_t sbit = 0;                                                                    \
    if (sgn && len != 0) {                                                                \
      uint32_t top = pos + len - 1;                                                       \
      if (top > msb) top = msb;                                                           \
      sbit = (uint32_t)(a >> top) & 1;                                                    \
    }                                                                                     \
    uint##N##_t d = 0;                                                                    \
    for (uint32_t i = 0; i <= msb; i++) {                                                 \
      uint32_t bit = (i < len && pos + i <= msb) ? (uint32_t)(a >> (pos + i)) & 1 : sbit; \
      d |= (uint##N##_t)bit << i;                                                         \
    }                                                                                     \
    return d;                                                                             \
  }                                                                                       \
  SHAL_INLINE uint##N##_t shal_bfi_##N(uint##N##_t a, uint##N##_t b, uint32_t c, uint32_t d) { \
    uint32_t pos = c & 0xff, len = d & 0xff;                                              \
    uint##N##_t f = b;                                                                    \
    for (uint32_t i = 0; i < len && pos + i <= N - 1; i++) {                              \
      uint##N##_t m = (uint##N##_t)1 << (pos + i);                                        \
      f = (f & ~m) | ((uint##N##_t)((a >> i) & 1) << (pos + i));                          \
    }                                                                                     \
    return f;                                                                             \
  }
SHAL_BITS(32)
SHAL_BITS(64)
SHAL_INLINE uint16_t shal_brev_16(uint16_t a) { return (uint16_t)(shal_brev_32(a) >> 16); }

SHAL_INLINE uint32_t shal_fns(uint32_t mask, uint32_t base, int32_t offset) {
  if (offset == 0) return (base < 32 && ((mask >> base) & 1)) ? base : 0xffffffffu;
  int64_t pos = base;
  int64_t count = (offset > 0 ? (int64_t)offset : -(int64_t)offset) - 1;
  int inc = offset > 0 ? 1 : -1;
  while (pos >= 0 && pos < 32) {
    if ((mask >> pos) & 1) {
      if (count == 0) return (uint32_t)pos;
      count--;
    }
    pos += inc;
  }
  return 0xffffffffu;
}

SHAL_INLINE uint32_t shal_bmsk(uint32_t a, uint32_t b, int clamp) {
  uint32_t pos = clamp ? (a > 32 ? 32 : a) : (a & 0x1f);
  uint32_t len = clamp ? (b > 32 ? 32 : b) : (b & 0x1f);
  if (pos >= 32) return 0;
  uint64_t m = (len >= 32 ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1)) << pos;
  return (uint32_t)m;
}

SHAL_INLINE uint32_t shal_szext(uint32_t a, uint32_t b, int sgn, int clamp) {
  uint32_t n = clamp ? (b > 32 ? 32 : b) : (b & 0x1f);
  if (n == 0) return 0;
  if (n >= 32) return a;
  uint32_t m = (1u << n) - 1;
  uint32_t v = a & m;
  if (sgn && ((v >> (n - 1)) & 1)) v |= ~m;
  return v;
}

/* prmt: the generic form and the six modes of the PTX ISA's table. */
SHAL_INLINE uint32_t shal_prmt(uint32_t a, uint32_t b, uint32_t c, int mode) {
  uint64_t t = ((uint64_t)b << 32) | a;
  uint32_t d = 0;
  static const uint8_t tab[6][4][4] = {
      /* f4e */ {{0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {3, 4, 5, 6}},
      /* b4e */ {{0, 7, 6, 5}, {1, 0, 7, 6}, {2, 1, 0, 7}, {3, 2, 1, 0}},
      /* rc8 */ {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}},
      /* ecl */ {{0, 1, 2, 3}, {1, 1, 2, 3}, {2, 2, 2, 3}, {3, 3, 3, 3}},
      /* ecr */ {{0, 0, 0, 0}, {0, 1, 1, 1}, {0, 1, 2, 2}, {0, 1, 2, 3}},
      /* rc16 */ {{0, 1, 0, 1}, {2, 3, 2, 3}, {0, 1, 0, 1}, {2, 3, 2, 3}},
  };
  if (mode == 0) {
    for (int i = 0; i < 4; i++) {
      uint32_t sel = (c >> (4 * i)) & 0xf;
      uint32_t byte = (uint32_t)(t >> (8 * (sel & 7))) & 0xff;
      if (sel & 8) byte = (byte & 0x80) ? 0xff : 0;
      d |= byte << (8 * i);
    }
    return d;
  }
  const uint8_t* row = tab[mode - 1][c & 3];
  for (int i = 0; i < 4; i++) d |= ((uint32_t)(t >> (8 * row[i])) & 0xff) << (8 * i);
  return d;
}

SHAL_INLINE uint32_t shal_lop3(uint32_t a, uint32_t b, uint32_t c, uint32_t lut) {
  uint32_t d = 0;
  if (lut & 0x01) d |= ~a & ~b & ~c;
  if (lut & 0x02) d |= ~a & ~b & c;
  if (lut & 0x04) d |= ~a & b & ~c;
  if (lut & 0x08) d |= ~a & b & c;
  if (lut & 0x10) d |= a & ~b & ~c;
  if (lut & 0x20) d |= a & ~b & c;
  if (lut & 0x40) d |= a & b & ~c;
  if (lut & 0x80) d |= a & b & c;
  return d;
}

SHAL_INLINE uint32_t shal_shf_l(uint32_t a, uint32_t b, uint32_t c, int clamp) {
  uint32_t n = clamp ? (c > 32 ? 32 : c) : (c & 0x1f);
  uint64_t t = ((uint64_t)b << 32) | a;
  return (uint32_t)((t << n) >> 32);
}
SHAL_INLINE uint32_t shal_shf_r(uint32_t a, uint32_t b, uint32_t c, int clamp) {
  uint32_t n = clamp ? (c > 32 ? 32 : c) : (c & 0x1f);
  uint64_t t = ((uint64_t)b << 32) | a;
  return (uint32_t)(t >> n);
}

SHAL_INLINE uint32_t shal_dp4a(uint32_t a, uint32_t b, uint32_t c, int sa, int sb) {
  int64_t s = 0;
  for (int i = 0; i < 4; i++) {
    int64_t x = sa ? (int8_t)(a >> (8 * i)) : (uint8_t)(a >> (8 * i));
    int64_t y = sb ? (int8_t)(b >> (8 * i)) : (uint8_t)(b >> (8 * i));
    s += x * y;
  }
  return (uint32_t)((uint64_t)s + c);
}
SHAL_INLINE uint32_t shal_dp2a(uint32_t a, uint32_t b, uint32_t c, int sa, int sb, int hi) {
  int64_t s = 0;
  for (int i = 0; i < 2; i++) {
    int64_t x = sa ? (int16_t)(a >> (16 * i)) : (uint16_t)(a >> (16 * i));
    int k = hi ? i + 2 : i;
    int64_t y = sb ? (int8_t)(b >> (8 * k)) : (uint8_t)(b >> (8 * k));
    s += x * y;
  }
  return (uint32_t)((uint64_t)s + c);
}

/* ---- floats ---- */

SHAL_INLINE float shal_ftz(float x) {
  uint32_t u = shal_f2u(x);
  return ((u & 0x7f800000u) == 0) ? shal_u2f(u & 0x80000000u) : x;
}
SHAL_INLINE float shal_sat(float x) { return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; } /* NaN -> 0 */
SHAL_INLINE double shal_satd(double x) { return x > 0.0 ? (x < 1.0 ? x : 1.0) : 0.0; }

#define SHAL_CNAN32 0x7fffffffu
#define SHAL_CNAN64 0x7fffffffffffffffull

/* min/max: a NaN operand yields the other operand (both NaN: the canonical
 * NaN); -0 < +0. .NaN: any NaN yields the canonical NaN. */
SHAL_INLINE float shal_fmin(float a, float b, int nan) {
  if (isnan(a) || isnan(b)) {
    if (nan || (isnan(a) && isnan(b))) return shal_u2f(SHAL_CNAN32);
    return isnan(a) ? b : a;
  }
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
SHAL_INLINE float shal_fmax(float a, float b, int nan) {
  if (isnan(a) || isnan(b)) {
    if (nan || (isnan(a) && isnan(b))) return shal_u2f(SHAL_CNAN32);
    return isnan(a) ? b : a;
  }
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
SHAL_INLINE double shal_dmin(double a, double b) {
  if (isnan(a) || isnan(b)) {
    if (isnan(a) && isnan(b)) return shal_u2d(SHAL_CNAN64);
    return isnan(a) ? b : a;
  }
  if (a == b) return signbit(a) ? a : b;
  return a < b ? a : b;
}
SHAL_INLINE double shal_dmax(double a, double b) {
  if (isnan(a) || isnan(b)) {
    if (isnan(a) && isnan(b)) return shal_u2d(SHAL_CNAN64);
    return isnan(a) ? b : a;
  }
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}
/* .xorsign.abs: |min| (or |max|) with the sign of a xor b. */
SHAL_INLINE float shal_fmin_xs(float a, float b, int nan) {
  uint32_t s = (shal_f2u(a) ^ shal_f2u(b)) & 0x80000000u;
  float r = shal_fmin(fabsf(a), fabsf(b), nan);
  if (isnan(r)) return r;
  return shal_u2f(shal_f2u(r) | s);
}
SHAL_INLINE float shal_fmax_xs(float a, float b, int nan) {
  uint32_t s = (shal_f2u(a) ^ shal_f2u(b)) & 0x80000000u;
  float r = shal_fmax(fabsf(a), fabsf(b), nan);
  if (isnan(r)) return r;
  return shal_u2f(shal_f2u(r) | s);
}

/* Directed rounding: the operation runs with the FPU's rounding mode set,
 * in a helper the compiler cannot move code across (the asm statements are
 * barriers), so the result is the exact IEEE result in that mode. */
#define SHAL_FENCE_F(x) __asm__ volatile("" : "+m"(x) : : "memory")
#define SHAL_ROUNDED(NAME, T, PARAMS, EXPR, FENCES)                     \
  SHAL_NOINLINE T NAME(int mode PARAMS) {                                \
    int old = fegetround();                                              \
    fesetround(mode);                                                    \
    FENCES;                                                              \
    T r = EXPR;                                                          \
    SHAL_FENCE_F(r);                                                     \
    fesetround(old);                                                     \
    return r;                                                            \
  }
#define SHAL_P2(T) , T a, T b
#define SHAL_P3(T) , T a, T b, T c
#define SHAL_P1(T) , T a
SHAL_ROUNDED(shal_radd_f32, float, SHAL_P2(float), a + b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rsub_f32, float, SHAL_P2(float), a - b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rmul_f32, float, SHAL_P2(float), a * b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rdiv_f32, float, SHAL_P2(float), a / b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rfma_f32, float, SHAL_P3(float), fmaf(a, b, c), SHAL_FENCE_F(a); SHAL_FENCE_F(b); SHAL_FENCE_F(c))
SHAL_ROUNDED(shal_rsqrt_f32, float, SHAL_P1(float), sqrtf(a), SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rrcp_f32, float, SHAL_P1(float), 1.0f / a, SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_radd_f64, double, SHAL_P2(double), a + b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rsub_f64, double, SHAL_P2(double), a - b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rmul_f64, double, SHAL_P2(double), a * b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rdiv_f64, double, SHAL_P2(double), a / b, SHAL_FENCE_F(a); SHAL_FENCE_F(b))
SHAL_ROUNDED(shal_rfma_f64, double, SHAL_P3(double), fma(a, b, c), SHAL_FENCE_F(a); SHAL_FENCE_F(b); SHAL_FENCE_F(c))
SHAL_ROUNDED(shal_rsqrt_f64, double, SHAL_P1(double), sqrt(a), SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rrcp_f64, double, SHAL_P1(double), 1.0 / a, SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rcvt_f64_f32, float, SHAL_P1(double), (float)a, SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rcvt_s64_f32, float, SHAL_P1(int64_t), (float)a, SHAL_FENCE_F(a))
/* Unsigned 64-bit conversions: compilers expand them into sequences that
 * are only right when rounding to nearest, so halve large values keeping a
 * sticky bit, convert as signed (one instruction) and double (exact). */
#define SHAL_U64_CVT(T, a) ((a) >> 63 ? (T)(int64_t)(((a) >> 1) | ((a) & 1)) * (T)2 : (T)(int64_t)(a))
SHAL_ROUNDED(shal_rcvt_u64_f32, float, SHAL_P1(uint64_t), SHAL_U64_CVT(float, a), SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rcvt_s64_f64, double, SHAL_P1(int64_t), (double)a, SHAL_FENCE_F(a))
SHAL_ROUNDED(shal_rcvt_u64_f64, double, SHAL_P1(uint64_t), SHAL_U64_CVT(double, a), SHAL_FENCE_F(a))

/* Float to integer: round as asked, out of range saturates. A NaN gives 0
 * when an f32 converts to a 32-bit integer and 1 << (bits-1) otherwise, as
 * NVIDIA's conversion instructions do. */
#define SHAL_F2I(NAME, F, T, LO, HI, RND, NANV)                    \
  SHAL_INLINE T NAME(F x) {                                        \
    if (isnan(x)) return (T)(NANV);                                \
    x = RND(x);                                                    \
    if (x <= (F)(LO)) return (T)(LO);                              \
    if (x >= (F)(HI)) return (T)(HI);                              \
    return (T)x;                                                   \
  }
/* The bounds: (F)HI rounds up to 2^N for 32/64-bit, so >= catches it. */
#define SHAL_F2I_ALL(F, SFX, RND, NAN32)                                              \
  SHAL_F2I(shal_##SFX##_s8, F, int8_t, INT8_MIN, INT8_MAX, RND, INT8_MIN)             \
  SHAL_F2I(shal_##SFX##_s16, F, int16_t, INT16_MIN, INT16_MAX, RND, INT16_MIN)        \
  SHAL_F2I(shal_##SFX##_s32, F, int32_t, INT32_MIN, INT32_MAX, RND, NAN32 ? 0 : INT32_MIN) \
  SHAL_F2I(shal_##SFX##_s64, F, int64_t, INT64_MIN, INT64_MAX, RND, INT64_MIN)        \
  SHAL_F2I(shal_##SFX##_u8, F, uint8_t, 0, UINT8_MAX, RND, 0x80u)                     \
  SHAL_F2I(shal_##SFX##_u16, F, uint16_t, 0, UINT16_MAX, RND, 0x8000u)                \
  SHAL_F2I(shal_##SFX##_u32, F, uint32_t, 0, UINT32_MAX, RND, NAN32 ? 0u : 0x80000000u) \
  SHAL_F2I(shal_##SFX##_u64, F, uint64_t, 0, UINT64_MAX, RND, 0x8000000000000000ull)
SHAL_F2I_ALL(float, f32rni, nearbyintf, 1)
SHAL_F2I_ALL(float, f32rzi, truncf, 1)
SHAL_F2I_ALL(float, f32rmi, floorf, 1)
SHAL_F2I_ALL(float, f32rpi, ceilf, 1)
SHAL_F2I_ALL(double, f64rni, nearbyint, 0)
SHAL_F2I_ALL(double, f64rzi, trunc, 0)
SHAL_F2I_ALL(double, f64rmi, floor, 0)
SHAL_F2I_ALL(double, f64rpi, ceil, 0)

/* ---- half precision ---- */

/* abs and neg of .f16/.bf16 (halves 1) and .f16x2/.bf16x2 (halves 2) as
 * the H100 computes them (arithmetic instructions there): a NaN half (its
 * magnitude above inf, 0x7c00 or 0x7f80) becomes the canonical NaN 0x7fff;
 * any other half has its sign cleared (abs) or flipped (neg). */
SHAL_INLINE uint32_t shal_hsign(uint32_t a, int halves, uint32_t inf, int neg) {
  uint32_t r = 0;
  for (int i = 0; i < halves; i++) {
    uint32_t h = (a >> (16 * i)) & 0xffffu;
    h = (h & 0x7fffu) > inf ? 0x7fffu : neg ? (h ^ 0x8000u) : (h & 0x7fffu);
    r |= h << (16 * i);
  }
  return r;
}

/* Rounds the exact value of x (a double) to a float format with mant
 * explicit mantissa bits and exponent bias bias, under mode (FE_*): the
 * bits of the result. Used for f16 (10, 15) and bf16 (7, 127). */
SHAL_INLINE uint32_t shal_round_small(double x, int mant, int bias, int emax_biased, int mode) {
  uint64_t u = shal_d2u(x);
  uint32_t sign = (uint32_t)(u >> 63);
  int width = 1 + (emax_biased == 0xff ? 8 : 5) + mant;
  uint32_t sbit = sign << (width - 1);
  uint32_t inf = ((uint32_t)emax_biased << mant);
  double a = fabs(x);
  if (isinf(x)) return sbit | inf;
  if (a == 0) return sbit;
  int e;
  double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  int exp = e - 1;         /* a = 1.f * 2^exp */
  int minexp = 1 - bias;
  int shift; /* number of fraction bits kept below the leading one */
  if (exp < minexp) shift = mant - (minexp - exp); else shift = mant;
  /* q = a * 2^(shift - exp): the significand as an integer plus fraction */
  double scaled = ldexp(a, shift - exp);
  double q = floor(scaled);
  double frac = scaled - q;
  int up = 0;
  switch (mode) {
    case FE_TONEAREST: up = frac > 0.5 || (frac == 0.5 && fmod(q, 2.0) != 0); break;
    case FE_TOWARDZERO: up = 0; break;
    case FE_UPWARD: up = !sign && frac > 0; break;
    case FE_DOWNWARD: up = sign && frac > 0; break;
  }
  uint64_t sig = (uint64_t)q + (uint64_t)up;
  (void)m;
  uint32_t bits;
  if (exp < minexp) {
    /* subnormal: sig counts units of 2^(minexp - mant) */
    if (sig >> mant) bits = (uint32_t)(1u << mant); /* rounded up to the smallest normal */
    else return sbit | (uint32_t)sig;
    return sbit | bits;
  }
  if (sig >> (mant + 1)) { sig >>= 1; exp++; }
  int be = exp + bias;
  if (be >= emax_biased) {
    /* overflow: inf, or the largest finite value when rounding away from inf */
    int toinf = mode == FE_TONEAREST || (mode == FE_UPWARD && !sign) || (mode == FE_DOWNWARD && sign);
    return sbit | (toinf ? inf : inf - 1);
  }
  bits = ((uint32_t)be << mant) | ((uint32_t)sig & ((1u << mant) - 1));
  return sbit | bits;
}
SHAL_INLINE uint16_t shal_d2h(double x, int mode) {
  if (isnan(x)) return 0x7fff;
  return (uint16_t)shal_round_small(x, 10, 15, 31, mode);
}
SHAL_INLINE uint16_t shal_d2bf(double x, int mode) {
  if (isnan(x)) return 0x7fff;
  return (uint16_t)shal_round_small(x, 7, 127, 255, mode);
}
/* f32 to f16/bf16 via the exact double value (f32 converts to double
 * exactly). */
SHAL_INLINE uint16_t shal_f2h(float x, int mode) { return shal_d2h((double)x, mode); }
SHAL_INLINE uint16_t shal_f2bf(float x, int mode) { return shal_d2bf((double)x, mode); }
SHAL_INLINE float shal_h2f(uint16_t h) {
  uint32_t s = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f) return shal_u2f(s | 0x7f800000u | (m << 13));
  if (e == 0) return (s ? -1.0f : 1.0f) * ldexpf((float)m, -24);
  return shal_u2f(s | ((e + 112) << 23) | (m << 13));
}
SHAL_INLINE float shal_bf2f(uint16_t h) { return shal_u2f((uint32_t)h << 16); }
SHAL_INLINE uint16_t shal_hftz(uint16_t h) { return ((h & 0x7c00) == 0) ? (uint16_t)(h & 0x8000) : h; }
SHAL_INLINE uint16_t shal_hrelu(uint16_t h) {
  if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) return 0x7fff;
  return (h & 0x8000) ? 0 : h;
}
SHAL_INLINE uint16_t shal_bfrelu(uint16_t h) {
  if ((h & 0x7f80) == 0x7f80 && (h & 0x7f)) return 0x7fff;
  return (h & 0x8000) ? 0 : h;
}
SHAL_INLINE uint16_t shal_hsatfinite(uint16_t h) {
  if ((h & 0x7fff) == 0x7c00) return (uint16_t)((h & 0x8000) | 0x7bff);
  return h;
}
SHAL_INLINE uint16_t shal_bfsatfinite(uint16_t h) {
  if ((h & 0x7fff) == 0x7f80) return (uint16_t)((h & 0x8000) | 0x7f7f);
  return h;
}
SHAL_INLINE uint32_t shal_relu_s16x2(uint32_t x) {
  uint32_t lo = (x & 0x8000u) ? 0 : (x & 0xffffu), hi = (x & 0x80000000u) ? 0 : (x & 0xffff0000u);
  return lo | hi;
}
SHAL_INLINE uint16_t shal_hsat(uint16_t h) {
  float f = shal_h2f(h);
  return shal_f2h(shal_sat(f), FE_TONEAREST);
}

SHAL_INLINE uint16_t shal_bfsat(uint16_t h) { return shal_f2bf(shal_sat(shal_bf2f(h)), FE_TONEAREST); }

/* f16/bf16 arithmetic: products are exact in double; sums are computed
 * exactly (TwoSum) and rounded to odd in double, so that the one rounding
 * to the 16-bit format is correct (round-to-odd with 53 bits is innocuous
 * for 11- and 8-bit targets). */
SHAL_INLINE double shal_sum_rto(double p, double c) {
  double s = p + c;
  if (!isfinite(s)) return s;
  double bp = s - p;
  double e = (p - (s - bp)) + (c - bp);
  if (e != 0 && !(shal_d2u(s) & 1)) s = nextafter(s, e > 0 ? INFINITY : -INFINITY);
  return s;
}
#define SHAL_HALF_OPS(P, TOF, FROMD)                                                        \
  SHAL_INLINE uint16_t shal_##P##add(uint16_t a, uint16_t b, int m) { return FROMD(shal_sum_rto(TOF(a), TOF(b)), m); } \
  SHAL_INLINE uint16_t shal_##P##sub(uint16_t a, uint16_t b, int m) { return FROMD(shal_sum_rto(TOF(a), -(double)TOF(b)), m); } \
  SHAL_INLINE uint16_t shal_##P##mul(uint16_t a, uint16_t b, int m) { return FROMD((double)TOF(a) * (double)TOF(b), m); } \
  SHAL_INLINE uint16_t shal_##P##fma(uint16_t a, uint16_t b, uint16_t c, int m) {         \
    return FROMD(shal_sum_rto((double)TOF(a) * (double)TOF(b), (double)TOF(c)), m);        \
  }                                                                                        \
  SHAL_INLINE uint16_t shal_##P##min(uint16_t a, uint16_t b, int nan) {                    \
    float x = TOF(a), y = TOF(b), r = shal_fmin(x, y, nan);                                \
    if (isnan(r)) return 0x7fff;                                                           \
    return (r == x && signbit(r) == signbit(x)) ? a : b;                                   \
  }                                                                                        \
  SHAL_INLINE uint16_t shal_##P##max(uint16_t a, uint16_t b, int nan) {                    \
    float x = TOF(a), y = TOF(b), r = shal_fmax(x, y, nan);                                \
    if (isnan(r)) return 0x7fff;                                                           \
    return (r == x && signbit(r) == signbit(x)) ? a : b;                                   \
  }
SHAL_HALF_OPS(h, shal_h2f, shal_d2h)
SHAL_HALF_OPS(bf, shal_bf2f, shal_d2bf)

/* Packed pairs: apply a 16-bit op to both halves. */
#define SHAL_X2(a, b, OP) ((uint32_t)OP((uint16_t)(a), (uint16_t)(b)) | ((uint32_t)OP((uint16_t)((a) >> 16), (uint16_t)((b) >> 16)) << 16))

/* ---- comparisons ---- */

SHAL_INLINE int shal_fcmp(double a, double b, int op) {
  int un = isnan(a) || isnan(b);
  switch (op) {
    case 1: return a == b;            /* eq */
    case 2: return !un && a != b;     /* ne (ordered) */
    case 3: return a < b;             /* lt */
    case 4: return a <= b;            /* le */
    case 5: return a > b;             /* gt */
    case 6: return a >= b;            /* ge */
    case 11: return un || a == b;     /* equ */
    case 12: return un || a != b;     /* neu */
    case 13: return un || a < b;      /* ltu */
    case 14: return un || a <= b;     /* leu */
    case 15: return un || a > b;      /* gtu */
    case 16: return un || a >= b;     /* geu */
    case 17: return !un;              /* num */
    case 18: return un;               /* nan */
  }
  return 0;
}

SHAL_INLINE int shal_testp(double x, int which, int is32) {
  switch (which) {
    case 0: return isfinite(x);
    case 1: return isinf(x);
    case 2: return !isnan(x);
    case 3: return isnan(x);
    case 4: /* normal: zeros count as normal */
      if (x == 0) return 1;
      if (is32) return isfinite(x) && fabs(x) >= 0x1p-126;
      return isnormal(x);
    case 5:
      if (x == 0 || !isfinite(x)) return 0;
      if (is32) return fabs(x) < 0x1p-126;
      return fpclassify(x) == FP_SUBNORMAL;
  }
  return 0;
}

/* div.approx.f32: a * (1/b); for 2^126 < |b| < 2^128 the GPU returns 0 (NaN
 * for infinite a), as the PTX ISA says. */
SHAL_INLINE float shal_div_approx(float a, float b) {
  float ab = fabsf(b);
  if (ab > 0x1p126f && ab < INFINITY) return isinf(a) ? shal_u2f(SHAL_CNAN32) : (signbit(a) != signbit(b) ? -0.0f : 0.0f);
  return a / b;
}

/* ---- atomics ---- */

#define SHAL_CAS_LOOP(NAME, T, U, COMBINE)                                        \
  SHAL_INLINE T NAME(uintptr_t p, T v, int order) {                               \
    U* q = (U*)p;                                                                 \
    U expected = __atomic_load_n(q, __ATOMIC_RELAXED), desired;                   \
    T old, nv;                                                                    \
    do {                                                                          \
      memcpy(&old, &expected, sizeof old);                                        \
      nv = COMBINE;                                                               \
      memcpy(&desired, &nv, sizeof nv);                                           \
    } while (!__atomic_compare_exchange_n(q, &expected, desired, 1, order, __ATOMIC_RELAXED)); \
    return old;                                                                   \
  }
SHAL_CAS_LOOP(shal_atom_add_f32, float, uint32_t, old + v)
SHAL_CAS_LOOP(shal_atom_add_f64, double, uint64_t, old + v)
SHAL_CAS_LOOP(shal_atom_min_s32, int32_t, uint32_t, old < v ? old : v)
SHAL_CAS_LOOP(shal_atom_max_s32, int32_t, uint32_t, old > v ? old : v)
SHAL_CAS_LOOP(shal_atom_min_u32, uint32_t, uint32_t, old < v ? old : v)
SHAL_CAS_LOOP(shal_atom_max_u32, uint32_t, uint32_t, old > v ? old : v)
SHAL_CAS_LOOP(shal_atom_min_s64, int64_t, uint64_t, old < v ? old : v)
SHAL_CAS_LOOP(shal_atom_max_s64, int64_t, uint64_t, old > v ? old : v)
SHAL_CAS_LOOP(shal_atom_min_u64, uint64_t, uint64_t, old < v ? old : v)
SHAL_CAS_LOOP(shal_atom_max_u64, uint64_t, uint64_t, old > v ? old : v)
SHAL_CAS_LOOP(shal_atom_inc_u32, uint32_t, uint32_t, old >= v ? 0 : old + 1)
SHAL_CAS_LOOP(shal_atom_dec_u32, uint32_t, uint32_t, (old == 0 || old > v) ? v : old - 1)
SHAL_INLINE uint32_t shal_atom_cas_32(uintptr_t p, uint32_t cmp, uint32_t v, int order) {
  uint32_t e = cmp;
  __atomic_compare_exchange_n((uint32_t*)p, &e, v, 0, order, __ATOMIC_RELAXED);
  return e;
}
SHAL_INLINE uint64_t shal_atom_cas_64(uintptr_t p, uint64_t cmp, uint64_t v, int order) {
  uint64_t e = cmp;
  __atomic_compare_exchange_n((uint64_t*)p, &e, v, 0, order, __ATOMIC_RELAXED);
  return e;
}

/* ---- special registers ---- */

SHAL_INLINE uint64_t shal_clock64(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
SHAL_INLINE uint64_t shal_globaltimer(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- faults ----
 *
 * trap, a deadlocked barrier or a failed allocation stops the current range
 * of blocks and is recorded here, per OS thread: the driver collects it
 * with streamhal_cpu_take_fault on the thread that ran the range, right
 * after the entry point returns, so a fault belongs to exactly that range
 * (an optional export: libraries without it never fault this way). */
static _Thread_local uint32_t shal_fault_code;
static _Thread_local char shal_fault_msg[256];

SHAL_EXPORT uint32_t streamhal_cpu_take_fault(char* msg, uint32_t len) {
  uint32_t code = shal_fault_code;
  shal_fault_code = 0;
  if (code && msg && len) {
    size_t n = strlen(shal_fault_msg);
    if (n >= len) n = len - 1;
    memcpy(msg, shal_fault_msg, n);
    msg[n] = 0;
  }
  return code;
}

/* SHAL_FAULT_ABORTED: the block left a cooperative launch because another
 * block faulted (the driver reports that block's fault, not this). */
enum { SHAL_FAULT_TRAP = 1, SHAL_FAULT_DEADLOCK = 2, SHAL_FAULT_NOMEM = 3, SHAL_FAULT_CALL = 4, SHAL_FAULT_ABORTED = 5, SHAL_FAULT_ASSERT = 6 };

/* ---- device printf and assert (CUDA's vprintf and __assertfail) ----
 * vprintf formats with kernels/shal_printf.h (emitted before this file)
 * into the library's output buffer, which the driver writes to standard
 * output at synchronization points (streamhal_cpu_flush_output), as CUDA
 * prints its printf FIFO: a kernel's output comes out where it would on
 * a GPU relative to what the host prints. A full buffer is written out
 * at once rather than dropped. Only in libraries whose PTX calls vprintf
 * (SHAL_USES_PRINTF), so that the driver flushes no others. */
#ifdef SHAL_USES_PRINTF
#define SHAL_OUT_CAP (1u << 20)
static char shal_out_buf[SHAL_OUT_CAP];
static size_t shal_out_len;
static int shal_out_busy;

static void shal_out_lock(void) {
  while (__atomic_exchange_n(&shal_out_busy, 1, __ATOMIC_ACQUIRE)) sched_yield();
}
static void shal_out_unlock(void) { __atomic_store_n(&shal_out_busy, 0, __ATOMIC_RELEASE); }

static void shal_write_all(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static void shal_out_put(const char* s, size_t n) {
  shal_out_lock();
  size_t len = __atomic_load_n(&shal_out_len, __ATOMIC_RELAXED);
  if (len + n > SHAL_OUT_CAP) {
    shal_write_all(shal_out_buf, len);
    len = 0;
  }
  memcpy(shal_out_buf + len, s, n);
  __atomic_store_n(&shal_out_len, len + n, __ATOMIC_RELAXED);
  shal_out_unlock();
}

SHAL_EXPORT void streamhal_cpu_flush_output(void) {
  if (__atomic_load_n(&shal_out_len, __ATOMIC_RELAXED) == 0) return;
  shal_out_lock();
  shal_write_all(shal_out_buf, __atomic_load_n(&shal_out_len, __ATOMIC_RELAXED));
  __atomic_store_n(&shal_out_len, 0, __ATOMIC_RELAXED);
  shal_out_unlock();
}

static int32_t shal_vprintf(uint64_t fmtp, uint64_t argp) {
  const char* f = (const char*)(uintptr_t)fmtp;
  if (!f) return -1;
  shal_pbuf o;
  int32_t used = shal_printf_format(&o, f, (const uint8_t*)(uintptr_t)argp);
  shal_out_put(o.b, o.n);
  return used;
}
#endif /* SHAL_USES_PRINTF */

/* ---- threads, blocks and the block scheduler ---- */

enum { SHAL_RUN = 0, SHAL_EXITED = 1, SHAL_WAIT_BAR = 2, SHAL_WAIT_WARP = 3 };

/* Warp operations (shal_frame.op while SHAL_WAIT_WARP). */
enum {
  SHAL_W_SHFL_UP = 1, SHAL_W_SHFL_DOWN, SHAL_W_SHFL_BFLY, SHAL_W_SHFL_IDX,
  SHAL_W_VOTE_ALL, SHAL_W_VOTE_ANY, SHAL_W_VOTE_UNI, SHAL_W_VOTE_BALLOT,
  SHAL_W_MATCH_ANY, SHAL_W_MATCH_ALL,
  SHAL_W_REDUX_ADD, SHAL_W_REDUX_MIN_U, SHAL_W_REDUX_MIN_S, SHAL_W_REDUX_MAX_U, SHAL_W_REDUX_MAX_S,
  SHAL_W_REDUX_AND, SHAL_W_REDUX_OR, SHAL_W_REDUX_XOR, SHAL_W_REDUX_FMIN, SHAL_W_REDUX_FMAX,
  SHAL_W_WARPSYNC, SHAL_W_ACTIVEMASK, SHAL_W_ELECT,
};
/* Block barrier operations (shal_frame.op while SHAL_WAIT_BAR). */
enum { SHAL_B_SYNC = 0, SHAL_B_RED_POPC = 1, SHAL_B_RED_AND = 2, SHAL_B_RED_OR = 3 };

/* The head of every thread's frame in a kernel with sync points. */
typedef struct shal_frame {
  uint32_t resume; /* resume point: 0 = the start */
  uint32_t state;  /* SHAL_RUN, ... */
  uint32_t op;     /* SHAL_W_* or SHAL_B_* */
  uint32_t sp;     /* the sync point's number (instructions without a member mask match on it) */
  uint32_t mask;   /* member mask; 0xffffffff for forms without one */
  uint32_t nomask; /* the op has no member mask: lanes match by sync point */
  uint32_t bar, count; /* barrier and thread count (0: every thread of the block) */
  uint32_t pred;   /* predicate operand */
  uint32_t pres;   /* predicate result */
  uint64_t a, b, c; /* operands */
  uint64_t res;    /* result */
} shal_frame;

typedef struct shal_block {
  uint32_t nthreads, nwarps;
  uint8_t* frames;
  size_t fsz;
  uint32_t arrived[16]; /* bar.arrive counts per barrier */
} shal_block;

typedef struct shal_thr {
  const shal_launch* L;
  shal_worker* W;
  const uint8_t* args;
  uint8_t* sh; /* the block's shared memory window */
  uint64_t shsize;
  shal_dim3 tid, ntid, ctaid, nctaid;
  uint32_t linear, lane, warp, nthreads;
  shal_block* blk;
  uint32_t fault; /* sticky: the launch faulted */
  uint32_t exit;  /* the thread executed exit inside a function */
  uint32_t polls; /* polling loads since the last yield (SHAL_POLL) */
} shal_thr;

static void shal_fault(shal_thr* T, uint32_t code, uint32_t line, const char* what) {
  (void)line;
  T->fault = code;
  if (shal_fault_code == 0) {
    shal_fault_code = code;
    size_t n = strlen(what);
    if (n >= sizeof shal_fault_msg) n = sizeof shal_fault_msg - 1;
    memcpy(shal_fault_msg, what, n);
    shal_fault_msg[n] = 0;
  }
}

/* __assertfail(message, file, line, function, charSize): a failed assert()
 * in device code. It writes CUDA's line to standard error
 *   file:line: function: block: [x,y,z], thread: [x,y,z] Assertion `message` failed.
 * and fails the launch (SHAL_FAULT_ASSERT: CUDA_ERROR_ASSERT). */
static void shal_assertfail(shal_thr* T, uint64_t msg, uint64_t file, uint32_t line, uint64_t func) {
  char b[1024];
  const char* m = msg ? (const char*)(uintptr_t)msg : "?";
  const char* fi = file ? (const char*)(uintptr_t)file : "?";
  const char* fu = func ? (const char*)(uintptr_t)func : "?";
  int n = snprintf(b, sizeof b, "%s:%u: %s: block: [%u,%u,%u], thread: [%u,%u,%u] Assertion `%s` failed.\n", fi, line, fu,
                   T->ctaid.x, T->ctaid.y, T->ctaid.z, T->tid.x, T->tid.y, T->tid.z, m);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof b) n = (int)sizeof b - 1;
  if (n > 0 && write(2, b, (size_t)n) < 0) { /* nothing to do */ }
  if (n > 0 && b[n - 1] == '\n') b[n - 1] = 0;
  /* The launch fails (the first fault of the range is what the driver
   * reports), but only this thread ends, as a trap ends it on the GPU:
   * the other threads of the range run on, and those whose asserts fail
   * print too, as on CUDA. */
  (void)line;
  if (shal_fault_code == 0) {
    shal_fault_code = SHAL_FAULT_ASSERT;
    memcpy(shal_fault_msg, b, (size_t)n + 1 <= sizeof shal_fault_msg ? (size_t)n + 1 : sizeof shal_fault_msg);
    shal_fault_msg[sizeof shal_fault_msg - 1] = 0;
  }
  T->exit = 1;
}

/* The grid workspace of a cooperative launch (shal_launch.grid_workspace):
 * CUDA's {size, barrier}, then a word the driver sets when a block of the
 * launch faulted. */
typedef struct shal_grid_ws {
  uint32_t size, barrier, abort, reserved;
} shal_grid_ws;

/* Loads that may be polling memory other blocks write (volatile, or
 * .relaxed/.acquire beyond the block) count here: every 256th yields the
 * CPU, since the writer may be a thread waiting for this core (a
 * cooperative launch runs more blocks than cores), and stops the thread
 * when the driver aborted the launch (another block faulted, so the value
 * waited for may never come). It returns nonzero when the thread must
 * stop. */
static int shal_poll_slow(shal_thr* T) {
  T->polls = 0;
  const shal_grid_ws* ws = (const shal_grid_ws*)T->L->grid_workspace;
  if (ws && __atomic_load_n(&ws->abort, __ATOMIC_ACQUIRE)) {
    shal_fault(T, SHAL_FAULT_ABORTED, 0, "the cooperative launch was aborted: another block faulted");
    return 1;
  }
  sched_yield();
  return 0;
}
#define SHAL_POLL(T) (SHAL_UNLIKELY(++(T)->polls >= 256) && shal_poll_slow(T))

SHAL_INLINE void shal_set_thread(shal_thr* T, uint32_t t) {
  uint32_t nx = T->ntid.x, ny = T->ntid.y;
  T->tid.x = t % nx;
  T->tid.y = (t / nx) % ny;
  T->tid.z = t / (nx * ny);
  T->linear = t;
  T->lane = t & 31;
  T->warp = t >> 5;
  T->exit = 0;
}

SHAL_INLINE void shal_bar_arrive(shal_thr* T, uint32_t id, uint32_t count) {
  (void)count;
  T->blk->arrived[id & 15]++;
}

#define SHAL_FRAME(B, t) ((shal_frame*)((B)->frames + (size_t)(t) * (B)->fsz))

static int shal_same_warp_op(const shal_frame* x, const shal_frame* y) {
  if (x->op != y->op || x->nomask != y->nomask) return 0;
  if (x->nomask) return x->sp == y->sp;
  if (x->mask != y->mask) return 0;
  if (x->op >= SHAL_W_REDUX_ADD && x->op <= SHAL_W_REDUX_FMAX) return x->b == y->b;
  return 1;
}

static void shal_warp_results(shal_block* B, uint32_t lo, uint32_t group) {
  shal_frame* F0 = NULL;
  for (uint32_t i = 0; i < 32; i++)
    if (group >> i & 1) { F0 = SHAL_FRAME(B, lo + i); break; }
  uint32_t op = F0->op;
  uint64_t acc = 0, v0 = 0;
  int all = 1, any = 0, first = 1, same_a = 1, same_p = 1, p0 = 0;
  float facc = 0;
  for (uint32_t i = 0; i < 32; i++) {
    if (!(group >> i & 1)) continue;
    shal_frame* F = SHAL_FRAME(B, lo + i);
    all &= F->pred != 0;
    any |= F->pred != 0;
    if (first) {
      v0 = F->a;
      p0 = F->pred != 0;
    } else {
      same_a &= F->a == v0;
      same_p &= (F->pred != 0) == p0;
    }
    if (op == SHAL_W_VOTE_BALLOT && F->pred) acc |= 1u << i;
    switch (op) {
      case SHAL_W_REDUX_ADD: acc = (uint32_t)(acc + F->a); break;
      case SHAL_W_REDUX_MIN_U: acc = first || (uint32_t)F->a < (uint32_t)acc ? (uint32_t)F->a : acc; break;
      case SHAL_W_REDUX_MAX_U: acc = first || (uint32_t)F->a > (uint32_t)acc ? (uint32_t)F->a : acc; break;
      case SHAL_W_REDUX_MIN_S: acc = first || (int32_t)F->a < (int32_t)acc ? (uint32_t)F->a : acc; break;
      case SHAL_W_REDUX_MAX_S: acc = first || (int32_t)F->a > (int32_t)acc ? (uint32_t)F->a : acc; break;
      case SHAL_W_REDUX_AND: acc = first ? (uint32_t)F->a : acc & F->a; break;
      case SHAL_W_REDUX_OR: acc |= (uint32_t)F->a; break;
      case SHAL_W_REDUX_XOR: acc ^= (uint32_t)F->a; break;
      case SHAL_W_REDUX_FMIN:
      case SHAL_W_REDUX_FMAX: {
        float x = shal_u2f((uint32_t)F->a);
        if (F->b & 1) x = fabsf(x);
        if (first) facc = x;
        else facc = op == SHAL_W_REDUX_FMIN ? shal_fmin(facc, x, (int)(F->b >> 1 & 1)) : shal_fmax(facc, x, (int)(F->b >> 1 & 1));
        break;
      }
    }
    first = 0;
  }
  for (uint32_t i = 0; i < 32; i++) {
    if (!(group >> i & 1)) continue;
    shal_frame* F = SHAL_FRAME(B, lo + i);
    switch (op) {
      case SHAL_W_SHFL_UP:
      case SHAL_W_SHFL_DOWN:
      case SHAL_W_SHFL_BFLY:
      case SHAL_W_SHFL_IDX: {
        int32_t lane = (int32_t)i, bval = (int32_t)(F->b & 31), cval = (int32_t)(F->c & 31), segmask = (int32_t)((F->c >> 8) & 31);
        int32_t maxLane = (lane & segmask) | (cval & ~segmask), minLane = lane & segmask, j = lane;
        int pval = 0;
        switch (op) {
          case SHAL_W_SHFL_UP: j = lane - bval; pval = j >= maxLane; break;
          case SHAL_W_SHFL_DOWN: j = lane + bval; pval = j <= maxLane; break;
          case SHAL_W_SHFL_BFLY: j = lane ^ bval; pval = j <= maxLane; break;
          default: j = minLane | (bval & ~segmask); pval = j <= maxLane; break;
        }
        if (!pval) j = lane;
        /* A source lane outside the group gives an undefined value on the
         * GPU; here it is the lane's own value. */
        F->res = (j >= 0 && j < 32 && (group >> j & 1)) ? (uint32_t)SHAL_FRAME(B, lo + (uint32_t)j)->a : (uint32_t)F->a;
        F->pres = (uint32_t)pval;
        break;
      }
      case SHAL_W_VOTE_ALL: F->pres = (uint32_t)all; break;
      case SHAL_W_VOTE_ANY: F->pres = (uint32_t)any; break;
      case SHAL_W_VOTE_UNI: F->pres = (uint32_t)same_p; break;
      case SHAL_W_VOTE_BALLOT: F->res = acc; break;
      case SHAL_W_MATCH_ANY: {
        uint32_t m = 0;
        for (uint32_t j = 0; j < 32; j++)
          if ((group >> j & 1) && SHAL_FRAME(B, lo + j)->a == F->a) m |= 1u << j;
        F->res = m;
        break;
      }
      case SHAL_W_MATCH_ALL: F->res = same_a ? group : 0; F->pres = (uint32_t)same_a; break;
      case SHAL_W_REDUX_FMIN:
      case SHAL_W_REDUX_FMAX: F->res = shal_f2u(facc); break;
      case SHAL_W_ACTIVEMASK: F->res = group; break;
      case SHAL_W_ELECT: {
        uint32_t leader = (uint32_t)__builtin_ctz(group);
        F->res = leader;
        F->pres = i == leader;
        break;
      }
      case SHAL_W_WARPSYNC: break;
      default: F->res = acc; break; /* redux */
    }
    F->state = SHAL_RUN;
  }
}

/* Resolves the warp operations of warp w whose participants have all
 * arrived; returns whether any lane may run again. */
static int shal_resolve_warp(shal_block* B, uint32_t w) {
  uint32_t lo = w * 32, n = B->nthreads - lo;
  if (n > 32) n = 32;
  uint32_t exists = n == 32 ? 0xffffffffu : (1u << n) - 1, exited = 0, waiting = 0;
  for (uint32_t i = 0; i < n; i++) {
    shal_frame* F = SHAL_FRAME(B, lo + i);
    if (F->state == SHAL_EXITED) exited |= 1u << i;
    else if (F->state == SHAL_WAIT_WARP) waiting |= 1u << i;
  }
  /* Operations with a member mask first; those without one (activemask,
   * the old shfl/vote) take the lanes that reached them only once no other
   * lane of the warp can still join: after the masked ones made progress,
   * the lanes they released run first. */
  int resolved = 0;
  for (int pass = 0; pass < 2 && !resolved; pass++) {
    uint32_t todo = waiting;
    while (todo) {
      uint32_t i = (uint32_t)__builtin_ctz(todo);
      shal_frame* Fi = SHAL_FRAME(B, lo + i);
      uint32_t group = 0;
      for (uint32_t rest = todo; rest; rest &= rest - 1) {
        uint32_t j = (uint32_t)__builtin_ctz(rest);
        if (shal_same_warp_op(Fi, SHAL_FRAME(B, lo + j))) group |= 1u << j;
      }
      todo &= ~group;
      if ((int)Fi->nomask != pass) continue;
      if (!Fi->nomask) {
        uint32_t need = Fi->mask & exists & ~exited;
        if (need & ~group) continue; /* some member has not arrived yet */
      }
      shal_warp_results(B, lo, group);
      resolved = 1;
    }
  }
  return resolved;
}

/* Releases block barriers that every expected thread has reached. */
static int shal_resolve_bars(shal_block* B) {
  uint32_t waiting[16] = {0}, expect[16] = {0}, live = 0;
  for (uint32_t t = 0; t < B->nthreads; t++) {
    shal_frame* F = SHAL_FRAME(B, t);
    if (F->state != SHAL_EXITED) live++;
    if (F->state == SHAL_WAIT_BAR) {
      waiting[F->bar]++;
      expect[F->bar] = F->count;
    }
  }
  int released = 0;
  for (uint32_t id = 0; id < 16; id++) {
    if (!waiting[id]) continue;
    int go = expect[id] ? waiting[id] + B->arrived[id] >= expect[id] : waiting[id] == live;
    if (!go) continue;
    uint32_t popc = 0, all = 1, any = 0;
    for (uint32_t t = 0; t < B->nthreads; t++) {
      shal_frame* F = SHAL_FRAME(B, t);
      if (F->state == SHAL_WAIT_BAR && F->bar == id) {
        popc += F->pred != 0;
        all &= F->pred != 0;
        any |= F->pred != 0;
      }
    }
    for (uint32_t t = 0; t < B->nthreads; t++) {
      shal_frame* F = SHAL_FRAME(B, t);
      if (F->state == SHAL_WAIT_BAR && F->bar == id) {
        F->res = popc;
        F->pres = F->op == SHAL_B_RED_AND ? all : any;
        F->state = SHAL_RUN;
      }
    }
    B->arrived[id] = 0;
    released = 1;
  }
  return released;
}

typedef void (*shal_step_fn)(shal_thr* T, shal_frame* F);

/* Runs one block of a kernel with sync points from the state its frames
 * are in: every warp's runnable lanes run to their next sync point, warp
 * operations complete among the lanes that reached them, block barriers
 * release once all expected threads arrived; until every thread has
 * exited. */
static void shal_run_block_from(shal_thr* T, shal_block* B, shal_step_fn step, uint32_t line) {
  for (;;) {
    int progress = 0;
    for (uint32_t w = 0; w < B->nwarps; w++) {
      for (;;) {
        uint32_t lo = w * 32, hi = lo + 32 < B->nthreads ? lo + 32 : B->nthreads;
        for (uint32_t t = lo; t < hi; t++) {
          shal_frame* F = SHAL_FRAME(B, t);
          if (F->state != SHAL_RUN) continue;
          shal_set_thread(T, t);
          step(T, F);
          progress = 1;
          if (SHAL_UNLIKELY(T->fault)) return;
        }
        if (!shal_resolve_warp(B, w)) break;
        progress = 1;
      }
    }
    if (shal_resolve_bars(B)) continue;
    if (!progress) break;
  }
  for (uint32_t t = 0; t < B->nthreads; t++) {
    if (SHAL_FRAME(B, t)->state != SHAL_EXITED) {
      shal_fault(T, SHAL_FAULT_DEADLOCK, line,
                 "deadlock: threads of a block wait at different barriers or warp operations, or for threads that exited");
      return;
    }
  }
}

/* Runs one block from the start. */
static void shal_run_block(shal_thr* T, shal_block* B, shal_step_fn step, uint32_t line) {
  for (uint32_t t = 0; t < B->nthreads; t++) {
    shal_frame* F = SHAL_FRAME(B, t);
    F->resume = 0;
    F->state = SHAL_RUN;
  }
  memset(B->arrived, 0, sizeof B->arrived);
  shal_run_block_from(T, B, step, line);
}

/* SHAL_UNIFORM_RUNNER(NAME, STEP_AT) defines NAME(T, B), the fast block
 * scheduler of a kernel whose only sync points are block-wide barriers
 * (bar.sync / barrier.sync without a thread count, no warp operations):
 * phase by phase, every live thread runs from the barrier all of them
 * reached (STEP_AT inlined, entered at that resume point directly) to the
 * next one, in one pass over the threads, with no per-warp or per-barrier
 * bookkeeping. CUDA requires these barriers to be reached by all threads
 * of the block alike; when they are not (some threads wait at another
 * barrier), NAME returns 0 and the general scheduler
 * (shal_run_block_from) takes the block over from where it is. It returns
 * 1 when the block finished or faulted. */
#define SHAL_UNIFORM_RUNNER(NAME, STEP_AT)                                                 \
  static int NAME(shal_thr* T, shal_block* B) {                                           \
    const uint32_t nx = T->ntid.x, ny = T->ntid.y, nz = T->ntid.z;                         \
    memset(B->arrived, 0, sizeof B->arrived);                                              \
    uint32_t r = 0;                                                                        \
    for (;;) {                                                                             \
      uint32_t sp = 0;                                                                     \
      int live = 0, mixed = 0;                                                             \
      uint32_t t = 0;                                                                      \
      for (uint32_t z = 0; z < nz; z++)                                                    \
        for (uint32_t y = 0; y < ny; y++)                                                  \
          for (uint32_t x = 0; x < nx; x++, t++) {                                         \
            shal_frame* F = SHAL_FRAME(B, t);                                              \
            if (r == 0) {                                                                  \
              F->resume = 0;                                                               \
              F->state = SHAL_RUN;                                                         \
            } else if (F->state == SHAL_EXITED) {                                          \
              continue;                                                                    \
            }                                                                              \
            T->tid.x = x;                                                                  \
            T->tid.y = y;                                                                  \
            T->tid.z = z;                                                                  \
            T->linear = t;                                                                 \
            T->lane = t & 31;                                                              \
            T->warp = t >> 5;                                                              \
            T->exit = 0;                                                                   \
            STEP_AT(T, F, r);                                                              \
            if (SHAL_UNLIKELY(T->fault)) return 1;                                         \
            if (F->state != SHAL_EXITED) {                                                 \
              if (F->state != SHAL_WAIT_BAR || (live && F->resume != sp)) mixed = 1;       \
              sp = F->resume;                                                              \
              live = 1;                                                                    \
            }                                                                              \
          }                                                                                \
      if (!live) return 1;                                                                 \
      if (SHAL_UNLIKELY(mixed)) return 0;                                                  \
      r = sp;                                                                              \
    }                                                                                      \
  }

/* ---- per-worker scratch memory (shared memory windows, thread frames) ----
 * One buffer per OS thread, grown as needed, freed when the library is
 * unloaded. */
typedef struct shal_scratch_node {
  void* p;
  size_t cap;
  struct shal_scratch_node* next;
} shal_scratch_node;
static shal_scratch_node* shal_scratch_all;
static _Thread_local shal_scratch_node* shal_scratch_mine;

static void* shal_scratch(size_t n) {
  shal_scratch_node* s = shal_scratch_mine;
  if (!s) {
    s = (shal_scratch_node*)calloc(1, sizeof *s);
    if (!s) return NULL;
    s->next = __atomic_load_n(&shal_scratch_all, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&shal_scratch_all, &s->next, s, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
    }
    shal_scratch_mine = s;
  }
  if (n == 0) n = 64;
  if (s->cap < n) {
    free(s->p);
    size_t cap = (n + 4095) & ~(size_t)4095;
    s->p = aligned_alloc(64, cap);
    s->cap = s->p ? cap : 0;
  }
  return s->p;
}

__attribute__((destructor)) static void shal_scratch_free_all(void) {
  shal_scratch_node* s = __atomic_exchange_n(&shal_scratch_all, NULL, __ATOMIC_ACQ_REL);
  while (s) {
    shal_scratch_node* next = s->next;
    free(s->p);
    free(s);
    s = next;
  }
}
