/*
 * elementwise.cu: one thread per element (or per vector of elements), the
 * 1-D shapes: plain and fused arithmetic, 16- and 8-byte vector loads,
 * 8- and 16-bit integers, a persistent grid-stride loop, and a kernel that
 * leaves early from several places. See kernels/README.md, "The PTX
 * corpus"; the Go references are in kernels/corpus/corpus.go.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

/* c[i] = a[i] + b[i] for i < n. */
__global__ void vadd_f32(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

/* y[i] = a * x[i] + y[i]: the compilers contract it into one fma.rn.f32. */
__global__ void saxpy(int n, float a, const float* __restrict__ x,
                      float* __restrict__ y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

/* y[i] = a * x[i] + y[i] in double (fma.rn.f64). */
__global__ void daxpy(int n, double a, const double* __restrict__ x,
                      double* __restrict__ y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

/* out[i] = (in[i].w, in[i].z, in[i].y, in[i].x) * s for i < n4: 16-byte
 * loads through a read-only restrict pointer (ld.global.nc.v4.f32) and
 * 16-byte stores, the lanes reversed. */
__global__ void scale_f4(const float4* __restrict__ in,
                         float4* __restrict__ out, float s, int n4) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n4) return;
  float4 v = in[i];
  out[i] = make_float4(v.w * s, v.z * s, v.y * s, v.x * s);
}

/* out[i] = (in[i].y + i, in[i].x - i), wrapping: 8-byte int2 loads and
 * stores. */
__global__ void swap_i2(const int2* in, int2* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int2 v = in[i];
  out[i] = make_int2((int)((unsigned)v.y + (unsigned)i),
                     (int)((unsigned)v.x - (unsigned)i));
}

/* 8- and 16-bit memory: a is sign-extended, b and c zero-extended, and
 * the narrow stores truncate:
 *   wide[i]  = a*1000 + b - c            (int)
 *   a_out[i] = (int8_t)(a*3 + 100)
 *   b_out[i] = (uint16_t)(b*7 + a)
 *   s_out[i] = (int16_t)b >> 3           (arithmetic shift) */
__global__ void narrow_ints(const int8_t* a, const uint16_t* b,
                            const uint8_t* c, int* wide, int8_t* a_out,
                            uint16_t* b_out, int16_t* s_out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int x = a[i];
  unsigned y = b[i];
  unsigned z = c[i];
  wide[i] = x * 1000 + (int)y - (int)z;
  a_out[i] = (int8_t)(x * 3 + 100);
  b_out[i] = (uint16_t)(y * 7u + (unsigned)x);
  s_out[i] = (int16_t)((int16_t)y >> 3);
}

/* Persistent threads: whatever the grid, the threads stride over all n
 * elements: out[i] = in[i] * 2654435761 ^ (i >> 3). */
__global__ void grid_stride(const unsigned* in, unsigned* out, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += blockDim.x * gridDim.x)
    out[i] = in[i] * 2654435761u ^ ((unsigned)i >> 3);
}

/* One thread per row of a rows x cols matrix m. A thread past the last row
 * returns at once; the column loop has three exits besides its end:
 *   a zero at column c:        out[r] = -1 - c, and the thread exits (PTX exit)
 *   a value below -900:        stop, out[r] = the sum so far
 *   the sum passing limit at c: out[r] = limit + c
 * otherwise out[r] = the row's sum. */
__global__ void early_exit(const int* m, int* out, int rows, int cols,
                           int limit) {
  int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  const int* row = m + (long long)r * cols;
  int sum = 0;
  for (int c = 0; c < cols; c++) {
    int v = row[c];
    if (v == 0) {
      out[r] = -1 - c;
      /* PTX exit, as hand-written code (and some compilers) end a thread. */
      asm volatile("exit;" ::: "memory");
      return;
    }
    if (v < -900) break;
    sum += v;
    if (sum > limit) {
      sum = limit + c;
      break;
    }
  }
  out[r] = sum;
}

SHAL_EXTERN_C_END
