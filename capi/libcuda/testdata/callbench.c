// callbench.c times N calls of cheap driver API functions through the C
// ABI (for the drop-in: C into the Go runtime, a cgo call-in each) and
// prints the mean nanoseconds per call: "cuCtxGetDevice NS" and
// "cuStreamQuery NS". Usage: callbench N.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<cuda.h>) && !defined(USE_CUDA_MIN)
#include <cuda.h>
#else
#include "cuda_min.h"
#endif
#else
#include "cuda_min.h"
#endif

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  if (n < 1) n = 1;
  CUdevice dev;
  CUcontext ctx;
  if (cuInit(0) || cuDeviceGet(&dev, 0) || cuDevicePrimaryCtxRetain(&ctx, dev) || cuCtxSetCurrent(ctx)) {
    fprintf(stderr, "setup failed\n");
    return 2;
  }
  CUdevice d;
  double t0 = now_ns();
  for (long i = 0; i < n; i++) {
    if (cuCtxGetDevice(&d) != CUDA_SUCCESS) return 3;
  }
  double t1 = now_ns();
  for (long i = 0; i < n; i++) {
    if (cuStreamQuery(NULL) != CUDA_SUCCESS) return 4;
  }
  double t2 = now_ns();
  printf("cuCtxGetDevice %.1f\ncuStreamQuery %.1f\n", (t1 - t0) / n, (t2 - t1) / n);
  return 0;
}
