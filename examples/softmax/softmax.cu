// softmax.cu: row-wise softmax, y[r][c] = exp(x[r][c] - max_r) / sum_r,
// one block per row. Plain CUDA: streamhal build compiles it for every
// backend (go generate in this directory; see gen.go).

// Warp-level reductions through shuffles; the templates show that device
// code may use C++.
template <typename Op>
__device__ float warp_reduce(float v, Op op) {
  for (int d = 16; d > 0; d /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, d));
  return v;
}

struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct Sum {
  __device__ float operator()(float a, float b) const { return a + b; }
};

// block_reduce combines one value per thread; every thread gets the
// result. scratch holds one float per warp (extern __shared__).
template <typename Op>
__device__ float block_reduce(float v, float* scratch, Op op, float identity) {
  unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  unsigned warps = (blockDim.x + 31) / 32;
  v = warp_reduce(v, op);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : identity;
  v = warp_reduce(v, op);
  __syncthreads();  // scratch is reused by the next reduction
  return v;
}

extern "C" __global__ void softmax(const float* x, float* y, int cols) {
  extern __shared__ float scratch[];
  const float* row = x + (size_t)blockIdx.x * cols;
  float* out = y + (size_t)blockIdx.x * cols;

  float m = -__int_as_float(0x7f800000);  // -inf
  for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, row[c]);
  m = block_reduce(m, scratch, Max(), m);

  float s = 0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(row[c] - m);
  s = block_reduce(s, scratch, Sum(), 0.0f);

  float inv = 1.0f / s;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) out[c] = expf(row[c] - m) * inv;
}
