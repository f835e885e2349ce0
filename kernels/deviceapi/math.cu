// math.cu: the math functions of kernels/gpu/shal_gpu.h, one kernel per
// function and type (math_f32_NAME, math_f64_NAME: out[i] = NAME(x[i]) or
// NAME(x[i], y[i])), written in ordinary CUDA style. Built into
// testdata/math.fat by go generate (streamhal build); checked by
// deviceapi_test.go's TestMathULP against correctly rounded references.

// Function numbers of math_f32 / math_f64 (deviceapi_test.go mirrors them).
enum {
  F_EXP, F_EXP2, F_EXP10, F_EXPM1, F_LOG, F_LOG2, F_LOG10, F_LOG1P,
  F_SIN, F_COS, F_TAN, F_ASIN, F_ACOS, F_ATAN, F_SINH, F_COSH, F_TANH,
  F_ERF, F_ERFC, F_CBRT, F_SQRT, F_POW, F_ATAN2, F_HYPOT, F_SINCOS_SIN,
  F_SINCOS_COS,
};

template <typename T>
__device__ __forceinline__ T apply(int f, T x, T y);

template <>
__device__ __forceinline__ float apply<float>(int f, float x, float y) {
  float s, c;
  switch (f) {
    case F_EXP: return expf(x);
    case F_EXP2: return exp2f(x);
    case F_EXP10: return exp10f(x);
    case F_EXPM1: return expm1f(x);
    case F_LOG: return logf(x);
    case F_LOG2: return log2f(x);
    case F_LOG10: return log10f(x);
    case F_LOG1P: return log1pf(x);
    case F_SIN: return sinf(x);
    case F_COS: return cosf(x);
    case F_TAN: return tanf(x);
    case F_ASIN: return asinf(x);
    case F_ACOS: return acosf(x);
    case F_ATAN: return atanf(x);
    case F_SINH: return sinhf(x);
    case F_COSH: return coshf(x);
    case F_TANH: return tanhf(x);
    case F_ERF: return erff(x);
    case F_ERFC: return erfcf(x);
    case F_CBRT: return cbrtf(x);
    case F_SQRT: return sqrtf(x);
    case F_POW: return powf(x, y);
    case F_ATAN2: return atan2f(x, y);
    case F_HYPOT: return hypotf(x, y);
    case F_SINCOS_SIN: sincosf(x, &s, &c); return s;
    case F_SINCOS_COS: sincosf(x, &s, &c); return c;
  }
  return 0;
}

template <>
__device__ __forceinline__ double apply<double>(int f, double x, double y) {
  double s, c;
  switch (f) {
    case F_EXP: return exp(x);
    case F_EXP2: return exp2(x);
    case F_EXP10: return exp10(x);
    case F_EXPM1: return expm1(x);
    case F_LOG: return log(x);
    case F_LOG2: return log2(x);
    case F_LOG10: return log10(x);
    case F_LOG1P: return log1p(x);
    case F_SIN: return sin(x);
    case F_COS: return cos(x);
    case F_TAN: return tan(x);
    case F_ASIN: return asin(x);
    case F_ACOS: return acos(x);
    case F_ATAN: return atan(x);
    case F_SINH: return sinh(x);
    case F_COSH: return cosh(x);
    case F_TANH: return tanh(x);
    case F_ERF: return erf(x);
    case F_ERFC: return erfc(x);
    case F_CBRT: return cbrt(x);
    case F_SQRT: return sqrt(x);
    case F_POW: return pow(x, y);
    case F_ATAN2: return atan2(x, y);
    case F_HYPOT: return hypot(x, y);
    case F_SINCOS_SIN: sincos(x, &s, &c); return s;
    case F_SINCOS_COS: sincos(x, &s, &c); return c;
  }
  return 0;
}

template <typename T>
__device__ __forceinline__ void math_body(int f, const T* x, const T* y, T* out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = apply<T>(f, x[i], y[i]);
}

#define MATH_KERNELS(name, F)                                                  \
  extern "C" __global__ void math_f32_##name(const float* x, const float* y,  \
                                             float* out, int n) {             \
    math_body<float>(F, x, y, out, n);                                         \
  }                                                                            \
  extern "C" __global__ void math_f64_##name(const double* x, const double* y, \
                                             double* out, int n) {            \
    math_body<double>(F, x, y, out, n);                                        \
  }

MATH_KERNELS(exp, F_EXP)
MATH_KERNELS(exp2, F_EXP2)
MATH_KERNELS(exp10, F_EXP10)
MATH_KERNELS(expm1, F_EXPM1)
MATH_KERNELS(log, F_LOG)
MATH_KERNELS(log2, F_LOG2)
MATH_KERNELS(log10, F_LOG10)
MATH_KERNELS(log1p, F_LOG1P)
MATH_KERNELS(sin, F_SIN)
MATH_KERNELS(cos, F_COS)
MATH_KERNELS(tan, F_TAN)
MATH_KERNELS(asin, F_ASIN)
MATH_KERNELS(acos, F_ACOS)
MATH_KERNELS(atan, F_ATAN)
MATH_KERNELS(sinh, F_SINH)
MATH_KERNELS(cosh, F_COSH)
MATH_KERNELS(tanh, F_TANH)
MATH_KERNELS(erf, F_ERF)
MATH_KERNELS(erfc, F_ERFC)
MATH_KERNELS(cbrt, F_CBRT)
MATH_KERNELS(sqrt, F_SQRT)
MATH_KERNELS(pow, F_POW)
MATH_KERNELS(atan2, F_ATAN2)
MATH_KERNELS(hypot, F_HYPOT)
MATH_KERNELS(sincos_sin, F_SINCOS_SIN)
MATH_KERNELS(sincos_cos, F_SINCOS_COS)
