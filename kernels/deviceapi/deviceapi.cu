// deviceapi.cu: kernels written in ordinary CUDA style (no streamhal
// macros, no includes: streamhal build includes shal_gpu.h) that exercise
// the device API of kernels/gpu/shal_gpu.h: atomics on
// every type, warp intrinsics, block votes, fences, vector types, __half,
// extern __shared__, templates and device functions. Built into
// testdata/deviceapi.fat by go generate (streamhal build); checked against
// Go references by deviceapi_test.go on every backend.

extern "C" {

// Atomics: every thread applies its value v = tid + 1 to one word per
// operation; results[] receives the final words (deviceapi_test.go lists
// the slots).
__global__ void atomics(int* i32, unsigned* u32, unsigned long long* u64,
                        float* f32, double* f64, unsigned* count) {
  unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  int v = (int)t + 1;
  atomicAdd(&i32[0], v);
  atomicSub(&i32[1], v);
  atomicMin(&i32[2], v - 100);
  atomicMax(&i32[3], v - 100);
  atomicAnd(&i32[4], ~(1 << (t % 31)));
  atomicOr(&i32[5], 1 << (t % 31));
  atomicXor(&i32[6], v);
  atomicExch(&i32[7], v);
  int old = i32[8];
  for (;;) {  // an increment through compare-and-swap
    int prev = atomicCAS(&i32[8], old, old + 2);
    if (prev == old) break;
    old = prev;
  }

  atomicAdd(&u32[0], (unsigned)v);
  atomicSub(&u32[1], (unsigned)v);
  atomicMin(&u32[2], (unsigned)v + 7);
  atomicMax(&u32[3], (unsigned)v + 7);
  atomicAnd(&u32[4], ~(1u << (t % 32)));
  atomicOr(&u32[5], 1u << (t % 32));
  atomicXor(&u32[6], (unsigned)v * 2654435761u);
  atomicInc(&u32[7], 9u);   // wraps to 0 after 9
  atomicDec(&u32[8], 13u);  // wraps to 13 after 0
  atomicExch(&u32[9], (unsigned)v);
  unsigned uold = u32[10];
  for (;;) {
    unsigned prev = atomicCAS(&u32[10], uold, uold + 3u);
    if (prev == uold) break;
    uold = prev;
  }

  unsigned long long w = (unsigned long long)v << 33;
  atomicAdd(&u64[0], w);
  atomicMin(&u64[1], w);
  atomicMax(&u64[2], w);
  atomicAnd(&u64[3], ~(1ull << (t % 64)));
  atomicOr(&u64[4], 1ull << (t % 64));
  atomicXor(&u64[5], w | (unsigned long long)v);
  atomicExch(&u64[6], w);
  unsigned long long wold = u64[7];
  for (;;) {
    unsigned long long prev = atomicCAS(&u64[7], wold, wold + (1ull << 40));
    if (prev == wold) break;
    wold = prev;
  }

  atomicAdd(&f32[0], (float)v * 0.5f);  // exact: small multiples of 0.5
  atomicExch(&f32[1], (float)v);
  atomicAdd(&f64[0], (double)v * 0.25);
  __threadfence();
  atomicAdd(count, 1u);
}

// Warp intrinsics and integer intrinsics: out gets 16 words per thread.
__global__ void warp_ops(const unsigned* in, unsigned* out) {
  unsigned t = blockIdx.x * blockDim.x + threadIdx.x;
  unsigned lane = threadIdx.x % 32;
  unsigned v = in[t];
  unsigned* o = out + 16 * t;
  unsigned full = __activemask();
  o[0] = __shfl_sync(0xffffffffu, v, (lane * 7 + 3) % 32);
  o[1] = __shfl_up_sync(0xffffffffu, v, 3);
  o[2] = __shfl_down_sync(0xffffffffu, v, 5);
  o[3] = __shfl_xor_sync(0xffffffffu, v, 6);
  o[4] = __ballot_sync(0xffffffffu, v & 1);
  o[5] = __all_sync(0xffffffffu, v != 0x12345678u);
  o[6] = __any_sync(0xffffffffu, v % 97 == 0);
  o[7] = full;
  o[8] = (unsigned)__popc(v);
  o[9] = (unsigned)__clz((int)v);
  o[10] = (unsigned)__ffs((int)v);
  o[11] = __brev(v);
  float f = __shfl_xor_sync(0xffffffffu, (float)lane * 1.5f, 1);
  o[12] = __float_as_uint(f);
  // a warp sum by shfl_down, templated device function style
  unsigned s = v & 0xffff;
  for (int d = 16; d > 0; d /= 2) s += __shfl_down_sync(0xffffffffu, s, d);
  o[13] = s;
  if (lane < 20) {  // a divergent ballot
    o[14] = __ballot_sync(0x000fffffu, v & 2);
  } else {
    o[14] = 0xdeadbeefu;
  }
  __syncwarp();
  o[15] = lane;
}

// Block votes and dynamic shared memory: block b's threads each take
// in[b*blockDim + tid]; out[3*b..] = __syncthreads_count/and/or of
// (value odd), red[b] = the block sum through extern __shared__.
__global__ void block_votes(const int* in, int* out, int* red) {
  extern __shared__ int sdata[];
  unsigned tid = threadIdx.x;
  int v = in[blockIdx.x * blockDim.x + tid];
  int odd = v & 1;
  int c = __syncthreads_count(odd);
  int a = __syncthreads_and(odd);
  int o = __syncthreads_or(odd);
  if (tid == 0) {
    out[3 * blockIdx.x] = c;
    out[3 * blockIdx.x + 1] = a;
    out[3 * blockIdx.x + 2] = o;
  }
  sdata[tid] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  if (tid == 0) red[blockIdx.x] = sdata[0];
}

// Vector types and __half: out[i] = dot(a[i], b[i]) as float4, and the
// __half round trip of a[i].x.
__global__ void vec_half(const float4* a, const float4* b, float* dot, float* half_rt,
                         unsigned short* half_bits, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float4 x = a[i], y = b[i];
  float2 p = make_float2(x.x * y.x + x.y * y.y, x.z * y.z + x.w * y.w);
  dot[i] = p.x + p.y;
  __half h = __float2half(x.x);
  half_rt[i] = __half2float(h);
  half_bits[i] = __half_as_ushort(h);
}

}  // extern "C"
