/*
 * shal_gpu_nvptx.h: CUDA's device API for clang's NVPTX target without the
 * CUDA toolkit (included by shal_gpu.h; not meant to be included alone).
 *
 * Every function here has the name, signature and semantics of the CUDA
 * function of the same name (CUDA C++ Programming Guide, CUDA Math API),
 * built from clang's NVPTX builtins (clang/include/clang/Basic/
 * BuiltinsNVPTX.def) or, where clang 16 has no builtin, from the one PTX
 * instruction CUDA's own headers use (inline asm). Everything is static
 * inline: a kernel source pays only for what it calls, and the PTX of a
 * source that calls none of it is unchanged.
 *
 * Builtins that need PTX ISA 6.0/7.0 features (match.sync, redux.sync,
 * cvt.rn.bf16.f32) need the matching clang target feature: without a CUDA
 * installation clang assumes no PTX version, so compile with
 * --cuda-feature=+ptx70 (kernels/corpus/build.sh does).
 */
#ifndef SHAL_GPU_NVPTX_H_
#define SHAL_GPU_NVPTX_H_

#ifndef SHAL_GPU_H_
#error "shal_gpu_nvptx.h: include shal_gpu.h"
#endif

/* SHAL_DEV_, the qualifiers, warpSize, vector types and bit casts:
 * shal_gpu_common.h. */

#ifndef __launch_bounds__
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#endif

/* ---- fences, clocks ---- */

SHAL_DEV_ void __threadfence_block() { __nvvm_membar_cta(); }
SHAL_DEV_ void __threadfence() { __nvvm_membar_gl(); }
SHAL_DEV_ void __threadfence_system() { __nvvm_membar_sys(); }
SHAL_DEV_ long long clock64() { return __nvvm_read_ptx_sreg_clock64(); }
SHAL_DEV_ int clock() { return __nvvm_read_ptx_sreg_clock(); }

/* ---- block-wide votes (bar.red) ---- */

SHAL_DEV_ int __syncthreads_count(int pred) { return __nvvm_bar0_popc(pred); }
SHAL_DEV_ int __syncthreads_and(int pred) { return __nvvm_bar0_and(pred); }
SHAL_DEV_ int __syncthreads_or(int pred) { return __nvvm_bar0_or(pred); }

/* ---- warp-synchronous intrinsics ---- */

SHAL_DEV_ void __syncwarp(unsigned mask = 0xffffffffu) {
  __nvvm_bar_warp_sync(mask);
}
SHAL_DEV_ unsigned __activemask() {
  unsigned m;
  asm volatile("activemask.b32 %0;" : "=r"(m));
  return m;
}
SHAL_DEV_ unsigned __ballot_sync(unsigned mask, int pred) {
  return __nvvm_vote_ballot_sync(mask, pred);
}
SHAL_DEV_ int __all_sync(unsigned mask, int pred) {
  return __nvvm_vote_all_sync(mask, pred);
}
SHAL_DEV_ int __any_sync(unsigned mask, int pred) {
  return __nvvm_vote_any_sync(mask, pred);
}
SHAL_DEV_ int __uni_sync(unsigned mask, int pred) {
  return __nvvm_vote_uni_sync(mask, pred);
}

/* shfl.sync's c operand: the segment mask (32 - width) in bits 12:8 and the
 * clamp lane in bits 4:0 (0 for .up, which clamps at the segment start). */
#define SHAL_SHFL_C_(width) (((32 - (width)) << 8) | 0x1f)
#define SHAL_SHFL_UP_C_(width) ((32 - (width)) << 8)

#define SHAL_SHFL_32_(T, I)                                                  \
  SHAL_DEV_ T __shfl_sync(unsigned mask, T v, int src, int width = 32) {     \
    return __builtin_bit_cast(                                               \
        T, __nvvm_shfl_sync_idx_i32(mask, __builtin_bit_cast(I, v), src,     \
                                    SHAL_SHFL_C_(width)));                   \
  }                                                                          \
  SHAL_DEV_ T __shfl_up_sync(unsigned mask, T v, unsigned d,                 \
                             int width = 32) {                               \
    return __builtin_bit_cast(                                               \
        T, __nvvm_shfl_sync_up_i32(mask, __builtin_bit_cast(I, v), d,        \
                                   SHAL_SHFL_UP_C_(width)));                 \
  }                                                                          \
  SHAL_DEV_ T __shfl_down_sync(unsigned mask, T v, unsigned d,               \
                               int width = 32) {                             \
    return __builtin_bit_cast(                                               \
        T, __nvvm_shfl_sync_down_i32(mask, __builtin_bit_cast(I, v), d,      \
                                     SHAL_SHFL_C_(width)));                  \
  }                                                                          \
  SHAL_DEV_ T __shfl_xor_sync(unsigned mask, T v, int lane_mask,             \
                              int width = 32) {                              \
    return __builtin_bit_cast(                                               \
        T, __nvvm_shfl_sync_bfly_i32(mask, __builtin_bit_cast(I, v),         \
                                     lane_mask, SHAL_SHFL_C_(width)));       \
  }
SHAL_SHFL_32_(int, int)
SHAL_SHFL_32_(unsigned, int)
SHAL_SHFL_32_(float, int)
#undef SHAL_SHFL_32_

/* 64-bit values move as two 32-bit shuffles, as in CUDA's headers. */
#define SHAL_SHFL_64_(T)                                                    \
  SHAL_DEV_ T __shfl_sync(unsigned mask, T v, int src, int width = 32) {    \
    long long b = __builtin_bit_cast(long long, v);                         \
    int lo = __shfl_sync(mask, (int)b, src, width);                         \
    int hi = __shfl_sync(mask, (int)(b >> 32), src, width);                 \
    return __builtin_bit_cast(                                              \
        T, (long long)(((unsigned long long)(unsigned)hi << 32) |           \
                       (unsigned)lo));                                      \
  }                                                                         \
  SHAL_DEV_ T __shfl_up_sync(unsigned mask, T v, unsigned d,                \
                             int width = 32) {                              \
    long long b = __builtin_bit_cast(long long, v);                         \
    int lo = __shfl_up_sync(mask, (int)b, d, width);                        \
    int hi = __shfl_up_sync(mask, (int)(b >> 32), d, width);                \
    return __builtin_bit_cast(                                              \
        T, (long long)(((unsigned long long)(unsigned)hi << 32) |           \
                       (unsigned)lo));                                      \
  }                                                                         \
  SHAL_DEV_ T __shfl_down_sync(unsigned mask, T v, unsigned d,              \
                               int width = 32) {                            \
    long long b = __builtin_bit_cast(long long, v);                         \
    int lo = __shfl_down_sync(mask, (int)b, d, width);                      \
    int hi = __shfl_down_sync(mask, (int)(b >> 32), d, width);              \
    return __builtin_bit_cast(                                              \
        T, (long long)(((unsigned long long)(unsigned)hi << 32) |           \
                       (unsigned)lo));                                      \
  }                                                                         \
  SHAL_DEV_ T __shfl_xor_sync(unsigned mask, T v, int lane_mask,            \
                              int width = 32) {                             \
    long long b = __builtin_bit_cast(long long, v);                         \
    int lo = __shfl_xor_sync(mask, (int)b, lane_mask, width);               \
    int hi = __shfl_xor_sync(mask, (int)(b >> 32), lane_mask, width);       \
    return __builtin_bit_cast(                                              \
        T, (long long)(((unsigned long long)(unsigned)hi << 32) |           \
                       (unsigned)lo));                                      \
  }
SHAL_SHFL_64_(long long)
SHAL_SHFL_64_(unsigned long long)
SHAL_SHFL_64_(double)
#undef SHAL_SHFL_64_

SHAL_DEV_ unsigned __match_any_sync(unsigned mask, unsigned v) {
  return __nvvm_match_any_sync_i32(mask, v);
}
SHAL_DEV_ unsigned __match_any_sync(unsigned mask, int v) {
  return __nvvm_match_any_sync_i32(mask, v);
}
SHAL_DEV_ unsigned __match_any_sync(unsigned mask, unsigned long long v) {
  return __nvvm_match_any_sync_i64(mask, v);
}
SHAL_DEV_ unsigned __match_all_sync(unsigned mask, unsigned v, int* pred) {
  return __nvvm_match_all_sync_i32p(mask, v, pred);
}
SHAL_DEV_ unsigned __match_all_sync(unsigned mask, int v, int* pred) {
  return __nvvm_match_all_sync_i32p(mask, v, pred);
}

/* redux.sync (sm_80): the builtins take (value, mask). */
SHAL_DEV_ unsigned __reduce_add_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_add(v, mask);
}
SHAL_DEV_ int __reduce_add_sync(unsigned mask, int v) {
  return __nvvm_redux_sync_add(v, mask);
}
SHAL_DEV_ unsigned __reduce_min_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_umin(v, mask);
}
SHAL_DEV_ int __reduce_min_sync(unsigned mask, int v) {
  return __nvvm_redux_sync_min(v, mask);
}
SHAL_DEV_ unsigned __reduce_max_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_umax(v, mask);
}
SHAL_DEV_ int __reduce_max_sync(unsigned mask, int v) {
  return __nvvm_redux_sync_max(v, mask);
}
SHAL_DEV_ unsigned __reduce_and_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_and(v, mask);
}
SHAL_DEV_ unsigned __reduce_or_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_or(v, mask);
}
SHAL_DEV_ unsigned __reduce_xor_sync(unsigned mask, unsigned v) {
  return __nvvm_redux_sync_xor(v, mask);
}

/* ---- atomics (generic addresses; clang's address-space inference turns
 * them into atom.global / atom.shared where it can prove the space) ---- */

SHAL_DEV_ int atomicAdd(int* p, int v) { return __nvvm_atom_add_gen_i(p, v); }
SHAL_DEV_ unsigned atomicAdd(unsigned* p, unsigned v) {
  return __nvvm_atom_add_gen_i((int*)p, (int)v);
}
SHAL_DEV_ unsigned long long atomicAdd(unsigned long long* p,
                                       unsigned long long v) {
  return __nvvm_atom_add_gen_ll((long long*)p, (long long)v);
}
SHAL_DEV_ long long atomicAdd(long long* p, long long v) {
  return __nvvm_atom_add_gen_ll(p, v);
}
SHAL_DEV_ float atomicAdd(float* p, float v) {
  return __nvvm_atom_add_gen_f(p, v);
}
SHAL_DEV_ double atomicAdd(double* p, double v) {
  return __nvvm_atom_add_gen_d(p, v);
}
SHAL_DEV_ int atomicSub(int* p, int v) { return __nvvm_atom_add_gen_i(p, -v); }
SHAL_DEV_ unsigned atomicSub(unsigned* p, unsigned v) {
  return __nvvm_atom_add_gen_i((int*)p, -(int)v);
}
SHAL_DEV_ int atomicExch(int* p, int v) { return __nvvm_atom_xchg_gen_i(p, v); }
SHAL_DEV_ unsigned atomicExch(unsigned* p, unsigned v) {
  return __nvvm_atom_xchg_gen_i((int*)p, (int)v);
}
SHAL_DEV_ unsigned long long atomicExch(unsigned long long* p,
                                        unsigned long long v) {
  return __nvvm_atom_xchg_gen_ll((long long*)p, (long long)v);
}
SHAL_DEV_ float atomicExch(float* p, float v) {
  return __int_as_float(__nvvm_atom_xchg_gen_i((int*)p, __float_as_int(v)));
}
SHAL_DEV_ int atomicMin(int* p, int v) { return __nvvm_atom_min_gen_i(p, v); }
SHAL_DEV_ unsigned atomicMin(unsigned* p, unsigned v) {
  return __nvvm_atom_min_gen_ui(p, v);
}
SHAL_DEV_ long long atomicMin(long long* p, long long v) {
  return __nvvm_atom_min_gen_ll(p, v);
}
SHAL_DEV_ unsigned long long atomicMin(unsigned long long* p,
                                       unsigned long long v) {
  return __nvvm_atom_min_gen_ull(p, v);
}
SHAL_DEV_ int atomicMax(int* p, int v) { return __nvvm_atom_max_gen_i(p, v); }
SHAL_DEV_ unsigned atomicMax(unsigned* p, unsigned v) {
  return __nvvm_atom_max_gen_ui(p, v);
}
SHAL_DEV_ long long atomicMax(long long* p, long long v) {
  return __nvvm_atom_max_gen_ll(p, v);
}
SHAL_DEV_ unsigned long long atomicMax(unsigned long long* p,
                                       unsigned long long v) {
  return __nvvm_atom_max_gen_ull(p, v);
}
/* ((old >= v) ? 0 : old + 1) and (((old == 0) || (old > v)) ? v : old - 1) */
SHAL_DEV_ unsigned atomicInc(unsigned* p, unsigned v) {
  return __nvvm_atom_inc_gen_ui(p, v);
}
SHAL_DEV_ unsigned atomicDec(unsigned* p, unsigned v) {
  return __nvvm_atom_dec_gen_ui(p, v);
}
SHAL_DEV_ int atomicCAS(int* p, int cmp, int v) {
  return __nvvm_atom_cas_gen_i(p, cmp, v);
}
SHAL_DEV_ unsigned atomicCAS(unsigned* p, unsigned cmp, unsigned v) {
  return __nvvm_atom_cas_gen_i((int*)p, (int)cmp, (int)v);
}
SHAL_DEV_ unsigned long long atomicCAS(unsigned long long* p,
                                       unsigned long long cmp,
                                       unsigned long long v) {
  return __nvvm_atom_cas_gen_ll((long long*)p, (long long)cmp, (long long)v);
}
#define SHAL_ATOM_BITS_(op)                                                  \
  SHAL_DEV_ int atomic##op(int* p, int v) {                                  \
    return __nvvm_atom_##op##_gen_i(p, v);                                   \
  }                                                                          \
  SHAL_DEV_ unsigned atomic##op(unsigned* p, unsigned v) {                   \
    return __nvvm_atom_##op##_gen_i((int*)p, (int)v);                        \
  }                                                                          \
  SHAL_DEV_ unsigned long long atomic##op(unsigned long long* p,             \
                                          unsigned long long v) {            \
    return __nvvm_atom_##op##_gen_ll((long long*)p, (long long)v);           \
  }
#define __nvvm_atom_And_gen_i __nvvm_atom_and_gen_i
#define __nvvm_atom_And_gen_ll __nvvm_atom_and_gen_ll
#define __nvvm_atom_Or_gen_i __nvvm_atom_or_gen_i
#define __nvvm_atom_Or_gen_ll __nvvm_atom_or_gen_ll
#define __nvvm_atom_Xor_gen_i __nvvm_atom_xor_gen_i
#define __nvvm_atom_Xor_gen_ll __nvvm_atom_xor_gen_ll
SHAL_ATOM_BITS_(And)
SHAL_ATOM_BITS_(Or)
SHAL_ATOM_BITS_(Xor)
#undef SHAL_ATOM_BITS_
#undef __nvvm_atom_And_gen_i
#undef __nvvm_atom_And_gen_ll
#undef __nvvm_atom_Or_gen_i
#undef __nvvm_atom_Or_gen_ll
#undef __nvvm_atom_Xor_gen_i
#undef __nvvm_atom_Xor_gen_ll

/* ---- integer intrinsics ---- */

/* CUDA defines __clz(0) = 32 and __ffs(0) = 0; the guards fold into clz.b32
 * (llvm.ctlz with zero defined). */
SHAL_DEV_ int __clz(int x) { return x ? __builtin_clz((unsigned)x) : 32; }
SHAL_DEV_ int __clzll(long long x) {
  return x ? __builtin_clzll((unsigned long long)x) : 64;
}
SHAL_DEV_ int __ffs(int x) { return x ? __builtin_ctz((unsigned)x) + 1 : 0; }
SHAL_DEV_ int __ffsll(long long x) {
  return x ? __builtin_ctzll((unsigned long long)x) + 1 : 0;
}
SHAL_DEV_ unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  return __nvvm_prmt(x, y, s);
}
/* shf: the funnel of hi:lo shifted by s (wrap: s & 31; clamp: min(s, 32)). */
SHAL_DEV_ unsigned __funnelshift_l(unsigned lo, unsigned hi, unsigned s) {
  unsigned r;
  asm("shf.l.wrap.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(lo), "r"(hi), "r"(s));
  return r;
}
SHAL_DEV_ unsigned __funnelshift_lc(unsigned lo, unsigned hi, unsigned s) {
  unsigned r;
  asm("shf.l.clamp.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(lo), "r"(hi), "r"(s));
  return r;
}
SHAL_DEV_ unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned s) {
  unsigned r;
  asm("shf.r.wrap.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(lo), "r"(hi), "r"(s));
  return r;
}
SHAL_DEV_ unsigned __funnelshift_rc(unsigned lo, unsigned hi, unsigned s) {
  unsigned r;
  asm("shf.r.clamp.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(lo), "r"(hi), "r"(s));
  return r;
}
SHAL_DEV_ int __mulhi(int x, int y) { return __nvvm_mulhi_i(x, y); }
SHAL_DEV_ unsigned __umulhi(unsigned x, unsigned y) {
  return __nvvm_mulhi_ui(x, y);
}
SHAL_DEV_ long long __mul64hi(long long x, long long y) {
  return __nvvm_mulhi_ll(x, y);
}
SHAL_DEV_ unsigned long long __umul64hi(unsigned long long x,
                                        unsigned long long y) {
  return __nvvm_mulhi_ull(x, y);
}
SHAL_DEV_ unsigned __sad(int x, int y, unsigned z) {
  return __nvvm_sad_i(x, y, z);
}
SHAL_DEV_ unsigned __usad(unsigned x, unsigned y, unsigned z) {
  return __nvvm_sad_ui(x, y, z);
}
SHAL_DEV_ int __mul24(int x, int y) { return __nvvm_mul24_i(x, y); }
SHAL_DEV_ unsigned __umul24(unsigned x, unsigned y) {
  return __nvvm_mul24_ui(x, y);
}

/* ---- IEEE-rounded float and double arithmetic (never contracted) ----
 *
 * CUDA's _rn/_rz/_rd/_ru are PTX's .rn/.rz/.rm/.rp (and .rni/.rzi/.rmi/
 * .rpi for conversions to integers). Most come from clang's builtins. Two
 * groups do not survive clang's optimizer and are the one PTX instruction
 * each instead (inline asm, which nothing rewrites): clang 16 turns the
 * _rn add/sub/mul builtins into plain IR fadd/fmul, which CUDA's default
 * contraction then fuses into fma (clang 19 keeps them apart), and both
 * clang 16 and 19 turn the round-toward-zero integer-to-float builtins
 * into round-to-nearest conversions. */

#define SHAL_RB_(cuda, T, nvvm, params, args) \
  SHAL_DEV_ T cuda params { return nvvm args; }
#define SHAL_RASM2_(cuda, T, c, insn)                     \
  SHAL_DEV_ T cuda(T x, T y) {                            \
    T r;                                                  \
    asm(insn " %0, %1, %2;" : "=" c(r) : c(x), c(y));     \
    return r;                                             \
  }
#define SHAL_RASM1_(cuda, T, U, cr, ca, insn)             \
  SHAL_DEV_ T cuda(U x) {                                 \
    T r;                                                  \
    asm(insn " %0, %1;" : "=" cr(r) : ca(x));             \
    return r;                                             \
  }

/* add, sub, mul: rn as asm, rz/rd/ru from builtins */
#define SHAL_ARITH_(cuda, T, c, op, nvvm, sfx, neg)                       \
  SHAL_RASM2_(cuda##_rn, T, #c, op ".rn" sfx)                            \
  SHAL_RB_(cuda##_rz, T, nvvm##_rz##_##c, (T x, T y), (x, neg y))       \
  SHAL_RB_(cuda##_rd, T, nvvm##_rm##_##c, (T x, T y), (x, neg y))       \
  SHAL_RB_(cuda##_ru, T, nvvm##_rp##_##c, (T x, T y), (x, neg y))
SHAL_ARITH_(__fadd, float, f, "add", __nvvm_add, ".f32", +)
SHAL_ARITH_(__fsub, float, f, "sub", __nvvm_add, ".f32", -)
SHAL_ARITH_(__fmul, float, f, "mul", __nvvm_mul, ".f32", +)
SHAL_ARITH_(__dadd, double, d, "add", __nvvm_add, ".f64", +)
SHAL_ARITH_(__dsub, double, d, "sub", __nvvm_add, ".f64", -)
SHAL_ARITH_(__dmul, double, d, "mul", __nvvm_mul, ".f64", +)
#undef SHAL_ARITH_

/* div, rcp, sqrt, fma: all four from builtins */
#define SHAL_ALL4_(cuda, T, nvvm, sfx, params, args)      \
  SHAL_RB_(cuda##_rn, T, nvvm##_rn##sfx, params, args)    \
  SHAL_RB_(cuda##_rz, T, nvvm##_rz##sfx, params, args)    \
  SHAL_RB_(cuda##_rd, T, nvvm##_rm##sfx, params, args)    \
  SHAL_RB_(cuda##_ru, T, nvvm##_rp##sfx, params, args)
SHAL_ALL4_(__fdiv, float, __nvvm_div, _f, (float x, float y), (x, y))
SHAL_ALL4_(__ddiv, double, __nvvm_div, _d, (double x, double y), (x, y))
SHAL_ALL4_(__fmaf, float, __nvvm_fma, _f, (float x, float y, float z),
           (x, y, z))
SHAL_ALL4_(__fma, double, __nvvm_fma, _d, (double x, double y, double z),
           (x, y, z))
SHAL_ALL4_(__frcp, float, __nvvm_rcp, _f, (float x), (x))
SHAL_ALL4_(__drcp, double, __nvvm_rcp, _d, (double x), (x))
SHAL_ALL4_(__fsqrt, float, __nvvm_sqrt, _f, (float x), (x))
SHAL_ALL4_(__dsqrt, double, __nvvm_sqrt, _d, (double x), (x))
/* float to integer (cvt.rni/rzi/rmi/rpi: clamped to the integer's range,
 * NaN gives 0, or 1 << (bits - 1) for a double source or 64-bit result) */
SHAL_ALL4_(__float2int, int, __nvvm_f2i, , (float x), (x))
SHAL_ALL4_(__float2uint, unsigned, __nvvm_f2ui, , (float x), (x))
SHAL_ALL4_(__float2ll, long long, __nvvm_f2ll, , (float x), (x))
SHAL_ALL4_(__float2ull, unsigned long long, __nvvm_f2ull, , (float x), (x))
SHAL_ALL4_(__double2int, int, __nvvm_d2i, , (double x), (x))
SHAL_ALL4_(__double2uint, unsigned, __nvvm_d2ui, , (double x), (x))
SHAL_ALL4_(__double2ll, long long, __nvvm_d2ll, , (double x), (x))
SHAL_ALL4_(__double2ull, unsigned long long, __nvvm_d2ull, , (double x),
           (x))
SHAL_ALL4_(__double2float, float, __nvvm_d2f, , (double x), (x))
#undef SHAL_ALL4_

/* integer to float: rz as asm */
#define SHAL_I2F_(cuda, T, U, nvvm, cr, ca, insn)         \
  SHAL_RB_(cuda##_rn, T, nvvm##_rn, (U x), (x))           \
  SHAL_RASM1_(cuda##_rz, T, U, cr, ca, insn)              \
  SHAL_RB_(cuda##_rd, T, nvvm##_rm, (U x), (x))           \
  SHAL_RB_(cuda##_ru, T, nvvm##_rp, (U x), (x))
SHAL_I2F_(__int2float, float, int, __nvvm_i2f, "f", "r", "cvt.rz.f32.s32")
SHAL_I2F_(__uint2float, float, unsigned, __nvvm_ui2f, "f", "r",
          "cvt.rz.f32.u32")
SHAL_I2F_(__ll2float, float, long long, __nvvm_ll2f, "f", "l",
          "cvt.rz.f32.s64")
SHAL_I2F_(__ull2float, float, unsigned long long, __nvvm_ull2f, "f", "l",
          "cvt.rz.f32.u64")
SHAL_I2F_(__ll2double, double, long long, __nvvm_ll2d, "d", "l",
          "cvt.rz.f64.s64")
SHAL_I2F_(__ull2double, double, unsigned long long, __nvvm_ull2d, "d", "l",
          "cvt.rz.f64.u64")
#undef SHAL_I2F_
#undef SHAL_RB_
#undef SHAL_RASM1_
#undef SHAL_RASM2_
SHAL_DEV_ double __int2double_rn(int x) { return (double)x; }
SHAL_DEV_ double __uint2double_rn(unsigned x) { return (double)x; }

/* Clamps to [0, 1]; NaN gives 0 (cvt.sat.f32.f32). */
SHAL_DEV_ float __saturatef(float x) { return __nvvm_saturate_f(x); }

/* ---- math: exact operations ---- */

SHAL_DEV_ float sqrtf(float x) { return __nvvm_sqrt_rn_f(x); }
SHAL_DEV_ double sqrt(double x) { return __nvvm_sqrt_rn_d(x); }
SHAL_DEV_ float fmaf(float x, float y, float z) {
  return __nvvm_fma_rn_f(x, y, z);
}
SHAL_DEV_ double fma(double x, double y, double z) {
  return __nvvm_fma_rn_d(x, y, z);
}
SHAL_DEV_ float fabsf(float x) { return __nvvm_fabs_f(x); }
SHAL_DEV_ double fabs(double x) { return __nvvm_fabs_d(x); }
/* min/max.f32: a NaN operand yields the other one; -0 < +0. */
SHAL_DEV_ float fminf(float x, float y) { return __nvvm_fmin_f(x, y); }
SHAL_DEV_ float fmaxf(float x, float y) { return __nvvm_fmax_f(x, y); }
SHAL_DEV_ double fmin(double x, double y) { return __nvvm_fmin_d(x, y); }
SHAL_DEV_ double fmax(double x, double y) { return __nvvm_fmax_d(x, y); }
/* floorf, ceilf, truncf, rintf, their double forms and copysignf:
 * shal_gpu_math.h (the same builtins on both targets). */

/* ---- math: the fast approximations (PTX .approx instructions) ----
 *
 * Each is the composition CUDA's fast-math intrinsics use, one
 * approximate PTX instruction with an exactly rounded scaling around it;
 * the PTX ISA bounds the instruction (ex2.approx.f32: 2 ulp of the
 * correctly rounded result; lg2.approx.f32: 2^-22 absolute in (0.5, 2),
 * else 2^-22 relative; sin/cos.approx.f32: 2^-20.5 absolute in [-2pi, 2pi];
 * rsqrt.approx.f32: 2^-22.9 relative; rcp.approx.f32: 1 ulp;
 * div.approx.f32: 2 ulp for |y| in [2^-126, 2^126]). */

SHAL_DEV_ float exp2f(float x) { return __nvvm_ex2_approx_f(x); }
SHAL_DEV_ float __expf(float x) {
  return __nvvm_ex2_approx_f(__fmul_rn(x, 1.4426950408889634f));
}
SHAL_DEV_ float __exp10f(float x) {
  return __nvvm_ex2_approx_f(__fmul_rn(x, 3.3219280948873622f));
}
SHAL_DEV_ float __log2f(float x) { return __nvvm_lg2_approx_f(x); }
SHAL_DEV_ float __logf(float x) {
  return __fmul_rn(__nvvm_lg2_approx_f(x), 0.6931471805599453f);
}
SHAL_DEV_ float __log10f(float x) {
  return __fmul_rn(__nvvm_lg2_approx_f(x), 0.30102999566398120f);
}
SHAL_DEV_ float __sinf(float x) { return __nvvm_sin_approx_f(x); }
SHAL_DEV_ float __cosf(float x) { return __nvvm_cos_approx_f(x); }
SHAL_DEV_ void __sincosf(float x, float* s, float* c) {
  *s = __nvvm_sin_approx_f(x);
  *c = __nvvm_cos_approx_f(x);
}
SHAL_DEV_ float __fdividef(float x, float y) {
  return __nvvm_div_approx_f(x, y);
}
SHAL_DEV_ float __tanf(float x) {
  return __nvvm_div_approx_f(__nvvm_sin_approx_f(x), __nvvm_cos_approx_f(x));
}
SHAL_DEV_ float __powf(float x, float y) {
  return __nvvm_ex2_approx_f(__fmul_rn(y, __nvvm_lg2_approx_f(x)));
}
SHAL_DEV_ float rsqrtf(float x) { return __nvvm_rsqrt_approx_f(x); }

/* ---- read-only loads through the non-coherent cache (ld.global.nc) ---- */

SHAL_DEV_ float __ldg(const float* p) { return __nvvm_ldg_f(p); }
SHAL_DEV_ double __ldg(const double* p) { return __nvvm_ldg_d(p); }
SHAL_DEV_ int __ldg(const int* p) { return __nvvm_ldg_i(p); }
SHAL_DEV_ unsigned __ldg(const unsigned* p) {
  return (unsigned)__nvvm_ldg_i((const int*)p);
}
SHAL_DEV_ float4 __ldg(const float4* p) {
  typedef float shal_f4v_ __attribute__((ext_vector_type(4)));
  shal_f4v_ v = __nvvm_ldg_f4((const shal_f4v_*)p);
  return float4{v.x, v.y, v.z, v.w};
}

/* ---- half precision (__half, __half2) and bfloat16 ----
 *
 * Storage structs over the 16-bit encoding, as in cuda_fp16.h; arithmetic
 * is the PTX f16 instructions CUDA's header uses (sm_53+), with explicit
 * .rn so that the assembler never fuses a mul into a following add. */

struct __attribute__((aligned(2))) __half {
  unsigned short __x;
};
struct __attribute__((aligned(4))) __half2 {
  __half x, y; /* x is the low 16 bits */
};
struct __attribute__((aligned(2))) __nv_bfloat16 {
  unsigned short __x;
};

SHAL_DEV_ unsigned short __half_as_ushort(__half h) { return h.__x; }
SHAL_DEV_ __half __ushort_as_half(unsigned short x) { return __half{x}; }
SHAL_DEV_ __half __float2half_rn(float f) { return __half{__nvvm_f2h_rn(f)}; }
SHAL_DEV_ __half __float2half(float f) { return __float2half_rn(f); }
SHAL_DEV_ __half __float2half_rz(float f) {
  unsigned short r;
  asm("cvt.rz.f16.f32 %0, %1;" : "=h"(r) : "f"(f));
  return __half{r};
}
SHAL_DEV_ __half __float2half_rd(float f) {
  unsigned short r;
  asm("cvt.rm.f16.f32 %0, %1;" : "=h"(r) : "f"(f));
  return __half{r};
}
SHAL_DEV_ __half __float2half_ru(float f) {
  unsigned short r;
  asm("cvt.rp.f16.f32 %0, %1;" : "=h"(r) : "f"(f));
  return __half{r};
}
SHAL_DEV_ float __half2float(__half h) {
  return (float)__builtin_bit_cast(__fp16, h.__x);
}
SHAL_DEV_ __half __double2half(double d) {
  unsigned short r;
  asm("cvt.rn.f16.f64 %0, %1;" : "=h"(r) : "d"(d));
  return __half{r};
}
#define SHAL_HALF_OP2_(name, insn)                                     \
  SHAL_DEV_ __half name(__half a, __half b) {                          \
    unsigned short r;                                                  \
    asm(insn " %0, %1, %2;" : "=h"(r) : "h"(a.__x), "h"(b.__x));       \
    return __half{r};                                                  \
  }
SHAL_HALF_OP2_(__hadd, "add.rn.f16")
SHAL_HALF_OP2_(__hsub, "sub.rn.f16")
SHAL_HALF_OP2_(__hmul, "mul.rn.f16")
SHAL_HALF_OP2_(__hmin, "min.f16")
SHAL_HALF_OP2_(__hmax, "max.f16")
#undef SHAL_HALF_OP2_
SHAL_DEV_ __half __hfma(__half a, __half b, __half c) {
  unsigned short r;
  asm("fma.rn.f16 %0, %1, %2, %3;"
      : "=h"(r)
      : "h"(a.__x), "h"(b.__x), "h"(c.__x));
  return __half{r};
}
SHAL_DEV_ __half __hneg(__half a) {
  unsigned short r;
  asm("neg.f16 %0, %1;" : "=h"(r) : "h"(a.__x));
  return __half{r};
}
SHAL_DEV_ __half __habs(__half a) {
  unsigned short r;
  asm("abs.f16 %0, %1;" : "=h"(r) : "h"(a.__x));
  return __half{r};
}
SHAL_DEV_ bool __hlt(__half a, __half b) {
  return __half2float(a) < __half2float(b);
}

SHAL_DEV_ unsigned shal_half2_bits_(__half2 h) {
  return (unsigned)h.x.__x | ((unsigned)h.y.__x << 16);
}
SHAL_DEV_ __half2 shal_bits_half2_(unsigned b) {
  return __half2{__half{(unsigned short)b}, __half{(unsigned short)(b >> 16)}};
}
SHAL_DEV_ __half2 __halves2half2(__half lo, __half hi) {
  return __half2{lo, hi};
}
SHAL_DEV_ __half2 __floats2half2_rn(float lo, float hi) {
  return __half2{__float2half_rn(lo), __float2half_rn(hi)};
}
SHAL_DEV_ __half2 __float2half2_rn(float f) {
  __half h = __float2half_rn(f);
  return __half2{h, h};
}
SHAL_DEV_ float2 __half22float2(__half2 h) {
  return float2{__half2float(h.x), __half2float(h.y)};
}
SHAL_DEV_ __half __low2half(__half2 h) { return h.x; }
SHAL_DEV_ __half __high2half(__half2 h) { return h.y; }
SHAL_DEV_ float __low2float(__half2 h) { return __half2float(h.x); }
SHAL_DEV_ float __high2float(__half2 h) { return __half2float(h.y); }
#define SHAL_HALF2_OP2_(name, insn)                                        \
  SHAL_DEV_ __half2 name(__half2 a, __half2 b) {                           \
    unsigned r;                                                            \
    asm(insn " %0, %1, %2;"                                                \
        : "=r"(r)                                                          \
        : "r"(shal_half2_bits_(a)), "r"(shal_half2_bits_(b)));             \
    return shal_bits_half2_(r);                                            \
  }
SHAL_HALF2_OP2_(__hadd2, "add.rn.f16x2")
SHAL_HALF2_OP2_(__hsub2, "sub.rn.f16x2")
SHAL_HALF2_OP2_(__hmul2, "mul.rn.f16x2")
#undef SHAL_HALF2_OP2_
SHAL_DEV_ __half2 __hfma2(__half2 a, __half2 b, __half2 c) {
  unsigned r;
  asm("fma.rn.f16x2 %0, %1, %2, %3;"
      : "=r"(r)
      : "r"(shal_half2_bits_(a)), "r"(shal_half2_bits_(b)),
        "r"(shal_half2_bits_(c)));
  return shal_bits_half2_(r);
}

SHAL_DEV_ unsigned short __bfloat16_as_ushort(__nv_bfloat16 h) { return h.__x; }
SHAL_DEV_ __nv_bfloat16 __ushort_as_bfloat16(unsigned short x) {
  return __nv_bfloat16{x};
}
/* cvt.rn.bf16.f32 (sm_80) */
SHAL_DEV_ __nv_bfloat16 __float2bfloat16(float f) {
  return __nv_bfloat16{__builtin_bit_cast(unsigned short, __nvvm_f2bf16_rn(f))};
}
SHAL_DEV_ __nv_bfloat16 __float2bfloat16_rn(float f) {
  return __float2bfloat16(f);
}
SHAL_DEV_ __nv_bfloat16 __float2bfloat16_rz(float f) {
  return __nv_bfloat16{__builtin_bit_cast(unsigned short, __nvvm_f2bf16_rz(f))};
}
SHAL_DEV_ float __bfloat162float(__nv_bfloat16 h) {
  return __uint_as_float((unsigned)h.__x << 16);
}
/* fma.rn.bf16 (sm_80) */
SHAL_DEV_ __nv_bfloat16 __hfma(__nv_bfloat16 a, __nv_bfloat16 b,
                               __nv_bfloat16 c) {
  unsigned short r;
  asm("fma.rn.bf16 %0, %1, %2, %3;"
      : "=h"(r)
      : "h"(a.__x), "h"(b.__x), "h"(c.__x));
  return __nv_bfloat16{r};
}

#undef SHAL_DEV_

#endif /* SHAL_GPU_NVPTX_H_ */
