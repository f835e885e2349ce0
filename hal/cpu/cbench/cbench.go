// Package cbench holds plain-C baselines that benchmarks of the CPU backend
// compare against in the same run: a vector add over all cores on a
// persistent pthread pool, and memcpy.
package cbench

/*
#cgo CFLAGS: -O3
#cgo LDFLAGS: -lpthread
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void va_range(const float* a, const float* b, float* c, uint64_t begin, uint64_t end) {
  for (uint64_t i = begin; i < end; i++) c[i] = a[i] + b[i];
}

// va_pool is a persistent pool of threads-1 pthreads (the caller's thread
// runs part 0), as a C program keeps its worker threads: a launch
// publishes the job under the lock and bumps the generation, each worker
// runs its part and the last one to finish wakes the caller.
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  int threads, pending, quit;
  uint64_t gen;
  const float* a;
  const float* b;
  float* c;
  uint64_t n;
  pthread_t tid[256];
} va_pool;

typedef struct {
  va_pool* p;
  int part;
} va_worker;

static void* va_work(void* arg) {
  va_worker* w = (va_worker*)arg;
  va_pool* p = w->p;
  int part = w->part;
  free(w);
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == seen && !p->quit) pthread_cond_wait(&p->start, &p->mu);
    if (p->quit) break;
    seen = p->gen;
    const float *a = p->a, *b = p->b;
    float* c = p->c;
    uint64_t n = p->n;
    int t = p->threads;
    pthread_mutex_unlock(&p->mu);
    va_range(a, b, c, n * part / t, n * (part + 1) / t);
    pthread_mutex_lock(&p->mu);
    if (--p->pending == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static va_pool* va_pool_new(int threads) {
  if (threads < 1) threads = 1;
  if (threads > 256) threads = 256;
  va_pool* p = calloc(1, sizeof(va_pool));
  if (p == NULL) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  p->threads = threads;
  for (int t = 1; t < threads; t++) {
    va_worker* w = malloc(sizeof(va_worker));
    w->p = p;
    w->part = t;
    pthread_create(&p->tid[t], NULL, va_work, w);
  }
  return p;
}

static void va_pool_run(va_pool* p, const float* a, const float* b, float* c, uint64_t n) {
  pthread_mutex_lock(&p->mu);
  p->a = a; p->b = b; p->c = c; p->n = n;
  p->pending = p->threads - 1;
  p->gen++;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  va_range(a, b, c, 0, n / p->threads);
  pthread_mutex_lock(&p->mu);
  while (p->pending > 0) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

static void va_pool_free(va_pool* p) {
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  for (int t = 1; t < p->threads; t++) pthread_join(p->tid[t], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  free(p);
}

static void copy_bytes(void* dst, const void* src, uint64_t n) { memcpy(dst, src, n); }
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Pool is a persistent pool of C threads for the vector add baseline: the
// threads start once and wait for work, as a C program's would, so a
// launch costs a wake-up, not a thread creation.
type Pool struct {
	p *C.va_pool
}

// NewPool starts threads threads (1 to 256; the caller's thread is one of
// them). Close stops them.
func NewPool(threads int) (*Pool, error) {
	p := C.va_pool_new(C.int(threads))
	if p == nil {
		return nil, errors.New("cbench: out of memory for the thread pool")
	}
	return &Pool{p: p}, nil
}

// VectorAdd computes c[i] = a[i] + b[i] for n floats, split over the
// pool's threads. The memory must be C memory or pinned.
func (p *Pool) VectorAdd(a, b, c unsafe.Pointer, n uint64) {
	C.va_pool_run(p.p, (*C.float)(a), (*C.float)(b), (*C.float)(c), C.uint64_t(n))
}

// Threads is the number of threads that run a VectorAdd.
func (p *Pool) Threads() int { return int(p.p.threads) }

// Close stops the pool's threads; the pool must not be used afterwards.
func (p *Pool) Close() {
	if p.p != nil {
		C.va_pool_free(p.p)
		p.p = nil
	}
}

// Memcpy copies n bytes with C's memcpy.
func Memcpy(dst, src unsafe.Pointer, n uint64) {
	C.copy_bytes(dst, src, C.uint64_t(n))
}
