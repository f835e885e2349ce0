// Package cbench holds plain-C baselines that benchmarks of the CPU backend
// compare against in the same run: a vector add over all cores with
// pthreads, and memcpy.
package cbench

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lpthread
#include <pthread.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  const float* a;
  const float* b;
  float* c;
  uint64_t begin, end;
} va_part;

static void* va_run(void* p) {
  va_part* w = (va_part*)p;
  const float* a = w->a;
  const float* b = w->b;
  float* c = w->c;
  for (uint64_t i = w->begin; i < w->end; i++) c[i] = a[i] + b[i];
  return NULL;
}

// vector_add splits c = a + b over threads pthreads (the caller's thread
// runs the first part).
static void vector_add(const float* a, const float* b, float* c, uint64_t n, int threads) {
  if (threads < 1) threads = 1;
  if (threads > 256) threads = 256;
  pthread_t tid[256];
  va_part parts[256];
  for (int t = 0; t < threads; t++) {
    parts[t].a = a; parts[t].b = b; parts[t].c = c;
    parts[t].begin = n * t / threads;
    parts[t].end = n * (t + 1) / threads;
  }
  for (int t = 1; t < threads; t++) pthread_create(&tid[t], NULL, va_run, &parts[t]);
  va_run(&parts[0]);
  for (int t = 1; t < threads; t++) pthread_join(tid[t], NULL);
}

static void copy_bytes(void* dst, const void* src, uint64_t n) { memcpy(dst, src, n); }
*/
import "C"

import "unsafe"

// VectorAdd computes c[i] = a[i] + b[i] for n floats with a plain C loop
// split over threads OS threads. The memory must be C memory or pinned.
func VectorAdd(a, b, c unsafe.Pointer, n uint64, threads int) {
	C.vector_add((*C.float)(a), (*C.float)(b), (*C.float)(c), C.uint64_t(n), C.int(threads))
}

// Memcpy copies n bytes with C's memcpy.
func Memcpy(dst, src unsafe.Pointer, n uint64) {
	C.copy_bytes(dst, src, C.uint64_t(n))
}
