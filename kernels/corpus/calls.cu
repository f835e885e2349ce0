/*
 * calls.cu: device functions that stay calls (.func in the PTX): a chain
 * of __noinline__ functions, a struct returned by value, mixed float,
 * double, int and pointer parameters, a callee with a local array indexed
 * by data, and calls through a function pointer; plus a kernel whose own
 * per-thread array lives in .local memory.
 */
#include "shal_gpu.h"

struct minmax_f {
  float lo, hi;
};

typedef unsigned (*binop_u32)(unsigned, unsigned);

static __device__ __noinline__ unsigned mix32(unsigned a, unsigned b) {
  a ^= b * 0x9e3779b9u;
  return ((a << 7) | (a >> 25)) + b;
}

static __device__ __noinline__ unsigned mix_chain(unsigned a, unsigned b,
                                                  unsigned c) {
  return mix32(mix32(a, b), c) ^ mix32(c, a);
}

static __device__ __noinline__ minmax_f minmax3(float a, float b, float c) {
  minmax_f r;
  r.lo = a < b ? a : b;
  r.hi = a < b ? b : a;
  if (c < r.lo) r.lo = c;
  if (c > r.hi) r.hi = c;
  return r;
}

/* a + (b - a) * t + bias[k], each step rounded (no contraction). */
static __device__ __noinline__ double lerp_bias(double a, double b, float t,
                                                const int* bias, int k) {
  return __dadd_rn(__dadd_rn(a, __dmul_rn(__dsub_rn(b, a), (double)t)),
                   (double)bias[k]);
}

/* The median of p[0..8]: an insertion sort of a local copy, whose indices
 * depend on the data, so the array lives in .local memory. */
static __device__ __noinline__ int median9(const int* p) {
  int v[9];
  for (int k = 0; k < 9; k++) v[k] = p[k];
  for (int k = 1; k < 9; k++) {
    int x = v[k];
    int j = k - 1;
    while (j >= 0 && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
  return v[4];
}

static __device__ __noinline__ unsigned op_add(unsigned a, unsigned b) {
  return a + b;
}
static __device__ __noinline__ unsigned op_xor_rot(unsigned a, unsigned b) {
  return (a ^ b) << 3 | (a ^ b) >> 29;
}
static __device__ __noinline__ unsigned op_sub(unsigned a, unsigned b) {
  return a - b;
}

SHAL_EXTERN_C

/* out[i] = mix_chain(a[i], b[i], i) (mix_chain calls mix32 three
 * times). */
__global__ void call_chain(const unsigned* a, const unsigned* b,
                           unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = mix_chain(a[i], b[i], (unsigned)i);
}

/* lo[i], hi[i] = the least and greatest of x[i], x[i+1], x[i+2] (indices
 * wrap modulo n) from a struct-returning call; d[i] = lerp_bias(x[i],
 * x[i+1], 0.25f * (i & 3), bias, i & 7) in double. */
__global__ void call_struct(const float* x, const int* bias, float* lo,
                            float* hi, double* d, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float a = x[i], b = x[(i + 1) % n], c = x[(i + 2) % n];
  minmax_f r = minmax3(a, b, c);
  lo[i] = r.lo;
  hi[i] = r.hi;
  d[i] = lerp_bias(a, b, 0.25f * (float)(i & 3), bias, i & 7);
}

/* out[i] = the median of in[i-4 .. i+4] (indices clamped to [0, n-1]),
 * gathered into a 9-element window and passed to median9. */
__global__ void call_local(const int* in, int* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int w[9];
  for (int k = 0; k < 9; k++) {
    int j = i + k - 4;
    j = j < 0 ? 0 : (j >= n ? n - 1 : j);
    w[k] = in[j];
  }
  out[i] = median9(w);
}

/* out[i] = op(a[i], b[i]) with op = {op_add, op_xor_rot, op_sub, mix32}
 * [sel[i] & 3], called through a function pointer read from a table the
 * thread builds. */
__global__ void call_indirect(const unsigned* a, const unsigned* b,
                              const int* sel, unsigned* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  binop_u32 ops[4] = {op_add, op_xor_rot, op_sub, mix32};
  binop_u32 op = ops[sel[i] & 3];
  out[i] = op(a[i], b[i]);
}

/* out[i] = the 16 nibbles of in[i] sorted descending (a counting sort in
 * a per-thread array of 16 counters indexed by the data: .local memory). */
__global__ void local_array(const unsigned long long* in,
                            unsigned long long* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  unsigned char count[16];
  for (int k = 0; k < 16; k++) count[k] = 0;
  unsigned long long x = in[i];
  for (int s = 0; s < 64; s += 4) count[(x >> s) & 15]++;
  unsigned long long r = 0;
  for (int v = 15; v >= 0; v--)
    for (int c = 0; c < count[v]; c++) r = (r << 4) | (unsigned)v;
  out[i] = r;
}

SHAL_EXTERN_C_END
