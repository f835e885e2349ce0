// capi_check.h: what the C test programs of both drop-ins check results
// with (capi/libcuda/testdata/cuda_driver.c, capi/libamdhip64/testdata/
// hip_features.c), included by relative path so that no build needs
// another -I. Each program defines its own CHECK for its API's error
// type; EXPECT and check_floats count failures in `failures`, which the
// program reports at its end.
#ifndef CAPI_CHECK_H_
#define CAPI_CHECK_H_

#include <math.h>
#include <stdio.h>

static int failures;

#define EXPECT(cond, ...)                                          \
  do {                                                             \
    if (!(cond)) {                                                 \
      fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                \
      fprintf(stderr, "\n");                                       \
      failures++;                                                  \
    }                                                              \
  } while (0)

// check_floats counts a failure, naming the first wrong element, unless
// every got[i] is within tol (relative, absolute below 1) of want[i].
static void check_floats(const char* what, const float* got, const float* want, int n, float tol) {
  for (int i = 0; i < n; i++) {
    if (!(fabsf(got[i] - want[i]) <= tol * fmaxf(1.0f, fabsf(want[i])))) {
      fprintf(stderr, "%s[%d] = %g, want %g\n", what, i, got[i], want[i]);
      failures++;
      return;
    }
  }
}

// poison fills p with NaN, which no correct result equals.
static void poison(float* p, int n) {
  for (int i = 0; i < n; i++) p[i] = NAN;
}

// host_fn is a host function that counts its calls in *(int*)data.
static void host_fn(void* data) { *(int*)data += 1; }

#endif  // CAPI_CHECK_H_
