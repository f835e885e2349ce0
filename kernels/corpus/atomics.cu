/*
 * atomics.cu: every atomic operation CUDA has, on global and on shared
 * memory, 32- and 64-bit, integer and floating point, including the
 * compare-and-swap loops that build the missing ones (float max, double
 * add). The inputs make every final value independent of the order in
 * which the threads get there.
 */
#include "shal_gpu.h"

/* max(*p, v) for floats through a 32-bit atomicCAS loop. */
static __device__ float atomic_max_float(float* p, float v) {
  int* q = (int*)p;
  int old = *q, assumed;
  do {
    assumed = old;
    if (__int_as_float(assumed) >= v) break;
    old = atomicCAS(q, assumed, __float_as_int(v));
  } while (old != assumed);
  return __int_as_float(old);
}

/* *p += v for doubles through a 64-bit atomicCAS loop (the pre-sm_60
 * idiom). */
static __device__ double atomic_add_double_cas(double* p, double v) {
  unsigned long long* q = (unsigned long long*)p;
  unsigned long long old = *q, assumed;
  do {
    assumed = old;
    old = atomicCAS(q, assumed,
                    (unsigned long long)__double_as_longlong(
                        __longlong_as_double((long long)assumed) + v));
  } while (old != assumed);
  return __longlong_as_double((long long)old);
}

SHAL_EXTERN_C

/* Each thread i < n with x = v[i] (u = (unsigned)x) updates global words:
 *   ia[0] += x    ia[1] -= x    ia[2] = min   ia[3] = max (signed)
 *   ia[4] &= x | 0x10001        ia[5] |= 1 << (u & 31)   ia[6] ^= x
 *   ua[0] = min(u)  ua[1] = max(u)  ua[2] = atomicInc(.., 17)
 *   ua[3] = atomicDec(.., 13)   ua[4] += u * 3 (red.global.add, asm)
 *   qa[0] += u * 977 (64-bit)   qa[1] = max(u << 20)   qa[2] = min(u * u)
 *   qa[3] |= 1 << (u & 63)      qa[4] ^= u * 0x100000001
 *   la[0] = min(x * 1000000 as long long)   la[1] = max(same)
 *   fa[0] += x * 0.125f         fa[1] = max(x * 0.5f) by CAS loop
 *   da[0] += x * 0.5            da[1] += x * 0.25 by 64-bit CAS loop */
__global__ void atomics_global(const int* v, int* ia, unsigned* ua,
                               unsigned long long* qa, long long* la,
                               float* fa, double* da, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int x = v[i];
  unsigned u = (unsigned)x;
  atomicAdd(&ia[0], x);
  atomicSub(&ia[1], x);
  atomicMin(&ia[2], x);
  atomicMax(&ia[3], x);
  atomicAnd(&ia[4], x | 0x10001);
  atomicOr(&ia[5], 1 << (u & 31));
  atomicXor(&ia[6], x);
  atomicMin(&ua[0], u);
  atomicMax(&ua[1], u);
  atomicInc(&ua[2], 17u);
  atomicDec(&ua[3], 13u);
  /* red: an atomic whose result nobody reads, as nvcc emits it for such
   * atomicAdds (clang emits atom), here written by hand. */
  asm volatile("red.global.add.u32 [%0], %1;" ::"l"(&ua[4]), "r"(u * 3u)
               : "memory");
  atomicAdd(&qa[0], (unsigned long long)u * 977ull);
  atomicMax(&qa[1], (unsigned long long)u << 20);
  atomicMin(&qa[2], (unsigned long long)u * u);
  atomicOr(&qa[3], 1ull << (u & 63));
  atomicXor(&qa[4], (unsigned long long)u * 0x100000001ull);
  atomicMin(&la[0], (long long)x * 1000000);
  atomicMax(&la[1], (long long)x * 1000000);
  atomicAdd(&fa[0], (float)x * 0.125f);
  atomic_max_float(&fa[1], (float)x * 0.5f);
  atomicAdd(&da[0], (double)x * 0.5);
  atomic_add_double_cas(&da[1], (double)x * 0.25);
}

/* The same kinds of updates on shared memory, per block; thread 0 copies
 * the block's results out: 8 ints, 3 unsigned long longs, 2 floats and 1
 * double per block (see the code for the exact list). */
__global__ void atomics_shared(const int* v, int* iout,
                               unsigned long long* qout, float* fout,
                               double* dout, int n) {
  __shared__ int si[5];
  __shared__ unsigned su[3];
  __shared__ unsigned long long sq[3];
  __shared__ float sf[2];
  __shared__ double sd;
  int t = threadIdx.x;
  if (t == 0) {
    si[0] = 0;
    si[1] = 2147483647;
    si[2] = -2147483647 - 1;
    si[3] = -1;
    si[4] = 0;
    su[0] = 0;
    su[1] = 5;
    su[2] = 0;
    sq[0] = 0;
    sq[1] = ~0ull;
    sq[2] = 0;
    sf[0] = 0.0f;
    sf[1] = -1.0e30f;
    sd = 0.0;
  }
  __syncthreads();
  int i = blockIdx.x * blockDim.x + t;
  if (i < n) {
    int x = v[i];
    unsigned u = (unsigned)x;
    atomicAdd(&si[0], x);
    atomicMin(&si[1], x);
    atomicMax(&si[2], x);
    atomicAnd(&si[3], ~(1 << (u & 31)));
    atomicExch(&si[4], 7);
    atomicInc(&su[0], 9u);
    atomicDec(&su[1], 11u);
    atomicXor(&su[2], u);
    atomicAdd(&sq[0], (unsigned long long)u << 3);
    atomicMin(&sq[1], (unsigned long long)u * 3ull);
    atomicCAS(&sq[2], 0ull, 1ull);
    atomicAdd(&sf[0], (float)x * 0.25f);
    atomic_max_float(&sf[1], (float)x);
    atomicAdd(&sd, (double)x * 0.125);
  }
  __syncthreads();
  if (t == 0) {
    int* io = iout + 8 * blockIdx.x;
    for (int k = 0; k < 5; k++) io[k] = si[k];
    for (int k = 0; k < 3; k++) io[5 + k] = (int)su[k];
    for (int k = 0; k < 3; k++) qout[3 * blockIdx.x + k] = sq[k];
    fout[2 * blockIdx.x] = sf[0];
    fout[2 * blockIdx.x + 1] = sf[1];
    dout[blockIdx.x] = sd;
  }
}

/* atomicExch chains: thread i < n stores i + 1 into slots[i % k] and
 * records the value it displaced in taken[i]; the same with 64-bit values
 * (i + 1) << 32 | i into qslots[i % k] / qtaken[i], and floats i + 0.5
 * into fslots[i % k] / ftaken[i]. Which thread displaced which value
 * depends on the order, but {taken} + {final slots} is always {initial
 * slots} + {1 .. n} (and likewise for the other two). */
__global__ void atomic_exch(unsigned* slots, unsigned* taken,
                            unsigned long long* qslots,
                            unsigned long long* qtaken, float* fslots,
                            float* ftaken, int n, int k) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  taken[i] = atomicExch(&slots[i % k], (unsigned)i + 1u);
  qtaken[i] = atomicExch(&qslots[i % k],
                         ((unsigned long long)(i + 1) << 32) | (unsigned)i);
  ftaken[i] = atomicExch(&fslots[i % k], (float)i + 0.5f);
}

SHAL_EXTERN_C_END
