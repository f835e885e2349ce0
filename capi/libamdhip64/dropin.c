#include "shal_hip_capi.h"

// streamhal_capi_dropin marks this library as streamhal's drop-in, so that
// the hal/hip driver, which dlopens libamdhip64 by its sonames, recognises
// itself and looks for AMD's library by path instead.
const int streamhal_capi_dropin = 1;

void shal_call_host_fn(hipHostFn_t fn, void* userData) { fn(userData); }
