/*
 * selftest.c: checks a streamhal CPU kernel library built from
 * kernels/cpu/test_kernels.c against the table in kernels/README.md and
 * plain C loops.
 *
 *   selftest LIBRARY.so [KERNEL...]
 *
 * With kernel names, the library must hold exactly those kernels (for
 * vector_add.x86_64.so: `selftest vector_add.x86_64.so vector_add`); without,
 * it must hold all nine test kernels. Every kernel is run on small inputs,
 * single-threaded, calling its entry over several block ranges the way the
 * CPU driver does; grid_sum runs its workers on pthreads with a pthread
 * barrier as the grid barrier. Outputs are poisoned first. Exit status 0
 * means every check passed.
 *
 * Build (kernels/compile.sh --selftest does this):
 *   cc -O2 -std=c11 -Wall -Wextra -Werror -I kernels -o selftest \
 *      kernels/cpu/selftest.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streamhal_cpu.h"

static int failures;

#define CHECK(cond, ...)                                    \
  do {                                                      \
    if (!(cond)) {                                          \
      failures++;                                           \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);  \
      fprintf(stderr, __VA_ARGS__);                         \
      fprintf(stderr, "\n");                                \
    }                                                       \
  } while (0)

/* ---- the expected table (kernels/README.md) ---- */

typedef struct expected_param {
  uint32_t offset, size;
} expected_param;

typedef struct expected_kernel {
  const char* name;
  uint32_t args_size;
  uint32_t flags;
  uint32_t param_count;
  expected_param params[8];
} expected_kernel;

static const expected_kernel expected[] = {
    {"vector_add", 32, 0, 4, {{0, 8}, {8, 8}, {16, 8}, {24, 4}}},
    {"vector_add_scaled",
     40,
     0,
     6,
     {{0, 8}, {8, 8}, {16, 8}, {24, 4}, {28, 4}, {32, 4}}},
    {"saxpy", 24, 0, 4, {{0, 4}, {4, 4}, {8, 8}, {16, 8}}},
    {"matrix_multiply",
     40,
     0,
     6,
     {{0, 8}, {8, 8}, {16, 8}, {24, 4}, {28, 4}, {32, 4}}},
    {"reduce_sum", 24, 0, 3, {{0, 8}, {8, 8}, {16, 4}}},
    {"empty", 0, 0, 0, {{0, 0}}},
    {"scale_by_global", 24, 0, 3, {{0, 8}, {8, 8}, {16, 4}}},
    {"args_probe",
     48,
     0,
     8,
     {{0, 1}, {2, 2}, {4, 4}, {8, 8}, {16, 4}, {24, 8}, {32, 8}, {40, 8}}},
    {"grid_sum",
     32,
     SHAL_KERNEL_FLAG_COOPERATIVE,
     4,
     {{0, 8}, {8, 8}, {16, 8}, {24, 4}}},
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static const shal_library* lib;

static const shal_kernel* find_kernel(const char* name) {
  for (uint32_t i = 0; i < lib->kernel_count; i++)
    if (strcmp(lib->kernels[i].name, name) == 0) return &lib->kernels[i];
  return NULL;
}

static const expected_kernel* find_expected(const char* name) {
  for (size_t i = 0; i < NEXPECTED; i++)
    if (strcmp(expected[i].name, name) == 0) return &expected[i];
  return NULL;
}

static void check_table(int nwant, char** want) {
  CHECK(lib->abi_version == SHAL_CPU_ABI_VERSION, "abi_version %u",
        lib->abi_version);
  CHECK(lib->kernel_count == (uint32_t)nwant, "kernel_count %u, want %d",
        lib->kernel_count, nwant);
  for (int i = 0; i < nwant; i++)
    CHECK(find_kernel(want[i]) != NULL, "kernel %s missing", want[i]);
  for (uint32_t i = 0; i < lib->kernel_count; i++) {
    const shal_kernel* k = &lib->kernels[i];
    const expected_kernel* e = find_expected(k->name);
    CHECK(e != NULL, "unexpected kernel %s", k->name);
    if (e == NULL) continue;
    CHECK(k->entry != NULL, "%s: no entry", k->name);
    CHECK(k->args_size == e->args_size, "%s: args_size %u, want %u", k->name,
          k->args_size, e->args_size);
    CHECK(k->flags == e->flags, "%s: flags %u, want %u", k->name, k->flags,
          e->flags);
    CHECK(k->param_count == e->param_count, "%s: param_count %u, want %u",
          k->name, k->param_count, e->param_count);
    if (k->param_count != e->param_count) continue;
    CHECK(k->param_count == 0 || k->params != NULL, "%s: params NULL",
          k->name);
    for (uint32_t p = 0; p < k->param_count && k->params; p++)
      CHECK(k->params[p].offset == e->params[p].offset &&
                k->params[p].size == e->params[p].size,
            "%s: param %u at (%u,%u), want (%u,%u)", k->name, p,
            k->params[p].offset, k->params[p].size, e->params[p].offset,
            e->params[p].size);
  }
}

/* ---- launching ---- */

/* Runs a non-cooperative launch on one thread, calling the entry over block
 * ranges of growing length (1, 2, 3, ...) as a worker pool would. */
static void launch(const shal_kernel* k, shal_dim3 grid, shal_dim3 block,
                   uint32_t shared_bytes, const void* args) {
  shal_launch L;
  memset(&L, 0, sizeof L);
  L.grid_dim = grid;
  L.block_dim = block;
  L.args = args;
  L.shared_bytes = shared_bytes;
  L.workers = 1;
  shal_worker W;
  memset(&W, 0, sizeof W);
  size_t sb = shared_bytes ? (shared_bytes + 63) / 64 * 64 : 64;
  W.shared = aligned_alloc(64, sb);
  /* Poison the shared memory: kernels must not rely on its contents. */
  memset(W.shared, 0xff, sb);
  uint64_t blocks = (uint64_t)grid.x * grid.y * grid.z;
  uint64_t len = 1;
  for (uint64_t b = 0; b < blocks; b += len, len++) {
    uint64_t e = b + len < blocks ? b + len : blocks;
    k->entry(&L, &W, b, e);
  }
  free(W.shared);
}

static shal_dim3 dim3(uint32_t x, uint32_t y, uint32_t z) {
  shal_dim3 d = {x, y, z};
  return d;
}

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/* Packs a value at an offset of an argument buffer. */
static void put(unsigned char* buf, uint32_t off, const void* v, size_t n) {
  memcpy(buf + off, v, n);
}
static void put_ptr(unsigned char* buf, uint32_t off, const void* p) {
  uint64_t v = (uint64_t)(uintptr_t)p;
  put(buf, off, &v, 8);
}
static void put_u32(unsigned char* buf, uint32_t off, uint32_t v) {
  put(buf, off, &v, 4);
}
static void put_f32(unsigned char* buf, uint32_t off, float v) {
  put(buf, off, &v, 4);
}

static const float POISON = -12345.0f;

static float* falloc(size_t n) {
  float* p = malloc((n ? n : 1) * sizeof(float));
  for (size_t i = 0; i < n; i++) p[i] = POISON;
  return p;
}

/* Small integer-valued inputs so that float sums are exact in any order. */
static void fill(float* p, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7 + seed * 13) % 17) - 8;
}

/* ---- tests ---- */

static void test_vector_add(uint32_t n, shal_dim3 block, uint32_t extra) {
  const shal_kernel* k = find_kernel("vector_add");
  if (!k) return;
  uint32_t total = n + extra;
  float *a = falloc(total), *b = falloc(total), *c = falloc(total);
  fill(a, total, 1);
  fill(b, total, 2);
  unsigned char args[32];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, a);
  put_ptr(args, 8, b);
  put_ptr(args, 16, c);
  put_u32(args, 24, n);
  launch(k, dim3(ceil_div(n, block.x) + extra, 1, 1), block, 0, args);
  int bad = 0;
  for (uint32_t i = 0; i < total; i++) {
    float want = i < n ? a[i] + b[i] : POISON;
    if (c[i] != want && bad++ < 3)
      CHECK(0, "vector_add n=%u block=%u: c[%u]=%g, want %g", n, block.x, i,
            c[i], want);
  }
  free(a), free(b), free(c);
}

static void test_vector_add_scaled(uint32_t n, uint32_t bs) {
  const shal_kernel* k = find_kernel("vector_add_scaled");
  if (!k) return;
  float *a = falloc(n + 5), *b = falloc(n + 5), *c = falloc(n + 5);
  fill(a, n + 5, 3);
  fill(b, n + 5, 4);
  unsigned char args[40];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, a);
  put_ptr(args, 8, b);
  put_ptr(args, 16, c);
  put_f32(args, 24, 1.5f);
  put_f32(args, 28, -0.25f);
  put_u32(args, 32, n);
  launch(k, dim3(ceil_div(n, bs), 1, 1), dim3(bs, 1, 1), 0, args);
  int bad = 0;
  for (uint32_t i = 0; i < n + 5; i++) {
    float want = i < n ? 1.5f * a[i] + -0.25f * b[i] : POISON;
    if (c[i] != want && bad++ < 3)
      CHECK(0, "vector_add_scaled n=%u: c[%u]=%g, want %g", n, i, c[i], want);
  }
  free(a), free(b), free(c);
}

static void test_saxpy(uint32_t n, uint32_t bs) {
  const shal_kernel* k = find_kernel("saxpy");
  if (!k) return;
  float *x = falloc(n + 5), *y = falloc(n + 5), *y0 = falloc(n + 5);
  fill(x, n + 5, 5);
  fill(y, n, 6);
  memcpy(y0, y, (n + 5) * sizeof(float));
  unsigned char args[24];
  memset(args, 0, sizeof args);
  put_u32(args, 0, n);
  put_f32(args, 4, 3.0f);
  put_ptr(args, 8, x);
  put_ptr(args, 16, y);
  launch(k, dim3(ceil_div(n, bs), 1, 1), dim3(bs, 1, 1), 0, args);
  int bad = 0;
  for (uint32_t i = 0; i < n + 5; i++) {
    float want = i < n ? 3.0f * x[i] + y0[i] : POISON;
    if (y[i] != want && bad++ < 3)
      CHECK(0, "saxpy n=%u: y[%u]=%g, want %g", n, i, y[i], want);
  }
  free(x), free(y), free(y0);
}

static void test_matrix_multiply(uint32_t M, uint32_t N, uint32_t K) {
  const shal_kernel* k = find_kernel("matrix_multiply");
  if (!k) return;
  float *A = falloc((size_t)M * K), *B = falloc((size_t)K * N);
  float* C = falloc((size_t)M * N + 4);
  fill(A, (size_t)M * K, 7);
  fill(B, (size_t)K * N, 8);
  unsigned char args[40];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, A);
  put_ptr(args, 8, B);
  put_ptr(args, 16, C);
  put_u32(args, 24, M);
  put_u32(args, 28, N);
  put_u32(args, 32, K);
  launch(k, dim3(ceil_div(N, 16), ceil_div(M, 16), 1), dim3(16, 16, 1), 0,
         args);
  int bad = 0;
  for (uint32_t r = 0; r < M; r++)
    for (uint32_t c = 0; c < N; c++) {
      float want = 0;
      for (uint32_t i = 0; i < K; i++)
        want += A[(size_t)r * K + i] * B[(size_t)i * N + c];
      float got = C[(size_t)r * N + c];
      if (fabsf(got - want) > 1e-3f * (1 + fabsf(want)) && bad++ < 3)
        CHECK(0, "matrix_multiply %ux%ux%u: C[%u][%u]=%g, want %g", M, N, K,
              r, c, got, want);
    }
  for (size_t i = (size_t)M * N; i < (size_t)M * N + 4; i++)
    CHECK(C[i] == POISON, "matrix_multiply wrote past C");
  free(A), free(B), free(C);
}

static void test_reduce_sum(uint32_t n, uint32_t bs) {
  const shal_kernel* k = find_kernel("reduce_sum");
  if (!k) return;
  uint32_t grid = ceil_div(n, bs);
  float *in = falloc(n + bs), *partial = falloc(grid + 2);
  fill(in, n, 9);
  for (uint32_t i = n; i < n + bs; i++) in[i] = 1000.0f; /* must be ignored */
  unsigned char args[24];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, in);
  put_ptr(args, 8, partial);
  put_u32(args, 16, n);
  launch(k, dim3(grid, 1, 1), dim3(bs, 1, 1), bs * 4, args);
  for (uint32_t b = 0; b < grid + 2; b++) {
    float want = POISON;
    if (b < grid) {
      want = 0;
      for (uint32_t i = b * bs; i < (b + 1) * bs && i < n; i++) want += in[i];
    }
    CHECK(partial[b] == want, "reduce_sum n=%u block=%u: partial[%u]=%g, want %g",
          n, bs, b, partial[b], want);
  }
  free(in), free(partial);
}

static void test_empty(void) {
  const shal_kernel* k = find_kernel("empty");
  if (!k) return;
  launch(k, dim3(3, 2, 1), dim3(4, 1, 1), 0, NULL);
}

static float* find_global(const char* name, uint64_t* size) {
  for (uint32_t i = 0; i < lib->global_count; i++)
    if (strcmp(lib->globals[i].name, name) == 0) {
      *size = lib->globals[i].size;
      return (float*)lib->globals[i].address;
    }
  return NULL;
}

static void run_scale(const shal_kernel* k, uint32_t n, float scale) {
  float *in = falloc(n + 3), *out = falloc(n + 3);
  fill(in, n + 3, 10);
  unsigned char args[24];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, in);
  put_ptr(args, 8, out);
  put_u32(args, 16, n);
  launch(k, dim3(ceil_div(n, 64), 1, 1), dim3(64, 1, 1), 0, args);
  int bad = 0;
  for (uint32_t i = 0; i < n + 3; i++) {
    float want = i < n ? in[i] * scale : POISON;
    if (out[i] != want && bad++ < 3)
      CHECK(0, "scale_by_global scale=%g: out[%u]=%g, want %g", scale, i,
            out[i], want);
  }
  free(in), free(out);
}

static void test_scale_by_global(void) {
  const shal_kernel* k = find_kernel("scale_by_global");
  if (!k) {
    CHECK(lib->global_count == 0, "globals without scale_by_global");
    return;
  }
  CHECK(lib->global_count == 1, "global_count %u, want 1", lib->global_count);
  uint64_t size = 0;
  float* g = find_global("global_scale", &size);
  CHECK(g != NULL, "global_scale missing");
  if (!g) return;
  CHECK(size == 4, "global_scale size %llu", (unsigned long long)size);
  CHECK(*g == 2.0f, "global_scale initial value %g, want 2", *g);
  run_scale(k, 300, 2.0f);
  *g = -3.5f; /* what cuMemcpyHtoD to cuModuleGetGlobal's address does */
  run_scale(k, 300, -3.5f);
  *g = 2.0f;
}

static void test_args_probe(void) {
  const shal_kernel* k = find_kernel("args_probe");
  if (!k) return;
  uint64_t out[10];
  for (int i = 0; i < 10; i++) out[i] = 0xdeadbeefdeadbeefull;
  unsigned char args[48];
  memset(args, 0xcc, sizeof args); /* padding must be ignored */
  uint8_t a = 0xa5;
  uint16_t b = 0xbeef;
  uint32_t c = 0x89abcdefu;
  uint64_t d = 0x0123456789abcdefull;
  float e = -1.25f;
  double f = 3.141592653589793;
  int32_t gx = -7;
  float gy = 0.5f;
  put(args, 0, &a, 1);
  put(args, 2, &b, 2);
  put(args, 4, &c, 4);
  put(args, 8, &d, 8);
  put(args, 16, &e, 4);
  put(args, 24, &f, 8);
  put(args, 32, &gx, 4);
  put(args, 36, &gy, 4);
  put_ptr(args, 40, out);
  launch(k, dim3(2, 2, 1), dim3(3, 2, 1), 0, args);
  uint32_t ebits, gybits;
  uint64_t fbits;
  memcpy(&ebits, &e, 4);
  memcpy(&fbits, &f, 8);
  memcpy(&gybits, &gy, 4);
  uint64_t want[10] = {a,     b,      c,
                       d,     ebits,  fbits,
                       (uint32_t)gx, gybits, 0xdeadbeefdeadbeefull,
                       0xdeadbeefdeadbeefull};
  for (int i = 0; i < 10; i++)
    CHECK(out[i] == want[i], "args_probe out[%d]=%#llx, want %#llx", i,
          (unsigned long long)out[i], (unsigned long long)want[i]);
}

/* ---- grid_sum: workers on pthreads, grid_sync on a pthread barrier ---- */

typedef struct grid_job {
  const shal_kernel* k;
  const shal_launch* L;
  shal_worker W;
  uint64_t b0, b1;
} grid_job;

static void grid_sync(const shal_launch* L, shal_worker* W) {
  (void)W;
  pthread_barrier_wait((pthread_barrier_t*)L->grid_barrier);
}

static void* grid_worker(void* p) {
  grid_job* j = p;
  j->k->entry(j->L, &j->W, j->b0, j->b1);
  return NULL;
}

static void test_grid_sum(uint32_t n, uint32_t grid, uint32_t bs,
                          uint32_t workers) {
  const shal_kernel* k = find_kernel("grid_sum");
  if (!k) return;
  float *in = falloc(n + 1), *partial = falloc(grid + 1), *out = falloc(2);
  fill(in, n, 11);
  in[n] = 1e6f; /* must be ignored */
  unsigned char args[32];
  memset(args, 0, sizeof args);
  put_ptr(args, 0, in);
  put_ptr(args, 8, partial);
  put_ptr(args, 16, out);
  put_u32(args, 24, n);
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, workers);
  shal_launch L;
  memset(&L, 0, sizeof L);
  L.grid_dim = dim3(grid, 1, 1);
  L.block_dim = dim3(bs, 1, 1);
  L.args = args;
  L.workers = workers;
  L.grid_barrier = &barrier;
  grid_job* jobs = calloc(workers, sizeof *jobs);
  pthread_t* th = calloc(workers, sizeof *th);
  for (uint32_t w = 0; w < workers; w++) {
    jobs[w].k = k;
    jobs[w].L = &L;
    jobs[w].W.index = w;
    jobs[w].W.grid_sync = grid_sync;
    jobs[w].W.shared = aligned_alloc(64, 64);
    /* Contiguous block ranges, as even as possible. */
    jobs[w].b0 = (uint64_t)grid * w / workers;
    jobs[w].b1 = (uint64_t)grid * (w + 1) / workers;
    pthread_create(&th[w], NULL, grid_worker, &jobs[w]);
  }
  for (uint32_t w = 0; w < workers; w++) {
    pthread_join(th[w], NULL);
    free(jobs[w].W.shared);
  }
  pthread_barrier_destroy(&barrier);
  float total = 0;
  for (uint32_t b = 0; b < grid; b++) {
    float want = 0;
    for (uint64_t t = 0; t < bs; t++)
      for (uint64_t i = (uint64_t)b * bs + t; i < n; i += (uint64_t)grid * bs)
        want += in[i];
    total += want;
    CHECK(partial[b] == want, "grid_sum partial[%u]=%g, want %g", b,
          partial[b], want);
  }
  CHECK(partial[grid] == POISON, "grid_sum wrote past partial");
  CHECK(out[0] == total, "grid_sum n=%u grid=%u workers=%u: out=%g, want %g",
        n, grid, workers, out[0], total);
  CHECK(out[1] == POISON, "grid_sum wrote out[1]");
  free(jobs), free(th), free(in), free(partial), free(out);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: selftest LIBRARY.so [KERNEL...]\n");
    return 2;
  }
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "selftest: dlopen %s: %s\n", argv[1], dlerror());
    return 1;
  }
  const shal_library* (*get)(void);
  *(void**)&get = dlsym(h, "streamhal_cpu_library");
  if (!get) {
    fprintf(stderr, "selftest: %s: no streamhal_cpu_library\n", argv[1]);
    return 1;
  }
  lib = get();
  char* all[NEXPECTED];
  for (size_t i = 0; i < NEXPECTED; i++) all[i] = (char*)expected[i].name;
  if (argc > 2)
    check_table(argc - 2, argv + 2);
  else
    check_table((int)NEXPECTED, all);

  static const uint32_t sizes[] = {0, 1, 15, 16, 17, 1000, 4099};
  static const uint32_t blocks[] = {1, 7, 64, 256};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
      test_vector_add(sizes[s], dim3(blocks[b], 1, 1), 0);
      test_vector_add_scaled(sizes[s], blocks[b]);
      test_saxpy(sizes[s], blocks[b]);
    }
  /* Extra blocks past n, and 2-D/3-D blocks of a 1-D kernel (every y/z
   * thread writes the same element). */
  test_vector_add(100, dim3(32, 1, 1), 3);
  test_vector_add(100, dim3(8, 2, 3), 0);

  test_matrix_multiply(1, 1, 1);
  test_matrix_multiply(16, 16, 16);
  test_matrix_multiply(37, 45, 29);
  test_matrix_multiply(64, 33, 70);

  test_reduce_sum(1, 1);
  test_reduce_sum(1000, 64);
  test_reduce_sum(1024, 256);
  test_reduce_sum(4097, 128);

  test_empty();
  test_scale_by_global();
  test_args_probe();

  test_grid_sum(10000, 8, 32, 3);
  test_grid_sum(10000, 8, 32, 1);
  test_grid_sum(10000, 8, 32, 8);
  test_grid_sum(5, 4, 4, 2);
  test_grid_sum(0, 2, 8, 2);

  if (failures) {
    fprintf(stderr, "selftest %s: %d failures\n", argv[1], failures);
    return 1;
  }
  printf("selftest %s: ok (%u kernels)\n", argv[1], lib->kernel_count);
  return 0;
}
