#include "shal_cuda_capi.h"

// streamhal_capi_dropin marks this library as streamhal's drop-in, so that
// the hal/cuda driver, which dlopens libcuda.so.1, recognises itself and
// looks for NVIDIA's library by path instead.
const int streamhal_capi_dropin = 1;

void shal_call_host_fn(CUhostFn fn, void* userData) { fn(userData); }
