/*
 * test_kernels.cl: four of the streamhal test kernels
 * (kernels/gpu/test_kernels.cu) in OpenCL C, with the same parameters,
 * launch shapes and results, for the benchmark that compares the CPU
 * backend with PoCL (hal/cpu's BenchmarkPTXKernels, driven through
 * hal/cpu/testdata/oclbench.c). Global size = CUDA grid * block, local
 * size = CUDA block.
 */

/* c[i] = a[i] + b[i] for i < n. */
__kernel void vector_add(__global const float* a, __global const float* b,
                         __global float* c, uint n) {
  uint i = get_group_id(0) * get_local_size(0) + get_local_id(0);
  if (i < n) c[i] = a[i] + b[i];
}

/* y[i] = a*x[i] + y[i] for i < n, fused as nvcc and clang fuse it. */
__kernel void saxpy(uint n, float a, __global const float* x,
                    __global float* y) {
  uint i = get_group_id(0) * get_local_size(0) + get_local_id(0);
  if (i < n) y[i] = fma(a, x[i], y[i]);
}

#define TILE 16

/* C(MxN) = A(MxK) * B(KxN), row-major; local size (16,16), 16x16 tiles in
 * local memory. */
__kernel void matrix_multiply(__global const float* A, __global const float* B,
                              __global float* C, uint M, uint N, uint K) {
  __local float As[TILE][TILE];
  __local float Bs[TILE][TILE];
  const uint tx = get_local_id(0), ty = get_local_id(1);
  const uint row = get_group_id(1) * TILE + ty, col = get_group_id(0) * TILE + tx;
  float acc = 0.0f;
  for (uint t0 = 0; t0 < K; t0 += TILE) {
    As[ty][tx] = (row < M && t0 + tx < K) ? A[(ulong)row * K + t0 + tx] : 0.0f;
    Bs[ty][tx] = (col < N && t0 + ty < K) ? B[(ulong)(t0 + ty) * N + col] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint k = 0; k < TILE; k++) acc = fma(As[ty][k], Bs[k][tx], acc);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (row < M && col < N) C[(ulong)row * N + col] = acc;
}

/* partial[g] = sum of in[g*L .. g*L+L-1] (those past n count as 0), tree
 * reduction in local memory; L (the local size) a power of two. */
__kernel void reduce_sum(__global const float* in, __global float* partial,
                         uint n, __local float* sdata) {
  const uint t = get_local_id(0);
  const uint i = get_group_id(0) * get_local_size(0) + t;
  sdata[t] = i < n ? in[i] : 0.0f;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint s = get_local_size(0) / 2; s > 0; s >>= 1) {
    if (t < s) sdata[t] += sdata[t + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (t == 0) partial[get_group_id(0)] = sdata[0];
}
