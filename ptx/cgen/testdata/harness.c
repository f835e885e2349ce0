/*
 * harness.c: runs one kernel of a CPU kernel library the way the CPU
 * driver does, for ptx/cgen's tests (no cgo in the test). Reads a job from
 * stdin (little-endian):
 *
 *   "SHAL" | u32 name_len | name | u32 grid[3] | u32 block[3] | u32 shared
 *   | u32 workers | u32 nbufs | { u64 size | bytes }*
 *   | u32 args_size | args | u32 nptrs | { u32 args_offset | u32 buf }*
 *   | u32 nglobals | { u32 name_len | name | u64 size | bytes }*
 *
 * writes each argument buffer to each args offset as its address, runs the
 * blocks over `workers` pthreads in chunks (each thread calls the entry on
 * ranges of blocks, as the driver's workers do), and writes to stdout:
 *
 *   u32 fault_code | u32 msg_len | msg | { bytes of each buffer }
 *   | { u32 name_len | name | u64 size | bytes of each global }
 *
 * With the argument "table", prints the library table as text instead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streamhal_cpu.h"

static void die(const char* what) {
  fprintf(stderr, "harness: %s\n", what);
  exit(2);
}

static void rd(void* p, size_t n) {
  if (n && fread(p, 1, n, stdin) != n) die("short read");
}
static uint32_t rd32(void) {
  uint32_t v;
  rd(&v, 4);
  return v;
}
static uint64_t rd64(void) {
  uint64_t v;
  rd(&v, 8);
  return v;
}
static void wr(const void* p, size_t n) {
  if (n && fwrite(p, 1, n, stdout) != n) die("short write");
}

typedef uint32_t (*take_fn)(char*, uint32_t);

typedef struct job {
  const shal_kernel* k;
  shal_launch L;
  uint64_t total, chunk, next;
  pthread_mutex_t mu;
  take_fn take;      /* streamhal_cpu_take_fault, or NULL */
  uint32_t code;     /* the first fault any worker took */
  char msg[256];
} job;

typedef struct worker {
  job* j;
  uint32_t index;
} worker;

static void* run_worker(void* arg) {
  worker* w = (worker*)arg;
  job* j = w->j;
  shal_worker W;
  memset(&W, 0, sizeof W);
  W.index = w->index;
  size_t sb = j->L.shared_bytes ? (j->L.shared_bytes + 63) / 64 * 64 : 64;
  W.shared = aligned_alloc(64, sb);
  memset(W.shared, 0xff, sb);
  for (;;) {
    pthread_mutex_lock(&j->mu);
    uint64_t b0 = j->next;
    j->next += j->chunk;
    pthread_mutex_unlock(&j->mu);
    if (b0 >= j->total) break;
    uint64_t b1 = b0 + j->chunk < j->total ? b0 + j->chunk : j->total;
    j->k->entry(&j->L, &W, b0, b1);
    /* Faults are recorded per thread: take them here, as the driver does
     * right after each range. */
    if (j->take) {
      char msg[256] = {0};
      uint32_t code = j->take(msg, sizeof msg);
      if (code) {
        pthread_mutex_lock(&j->mu);
        if (!j->code) {
          j->code = code;
          memcpy(j->msg, msg, sizeof msg);
        }
        pthread_mutex_unlock(&j->mu);
      }
    }
  }
  free(W.shared);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) die("usage: harness LIB.so [table]");
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) die(dlerror());
  const shal_library* (*libfn)(void) = (const shal_library* (*)(void))dlsym(h, "streamhal_cpu_library");
  if (!libfn) die("no streamhal_cpu_library");
  const shal_library* lib = libfn();
  if (lib->abi_version != SHAL_CPU_ABI_VERSION) die("abi version");
  if (argc > 2 && strcmp(argv[2], "table") == 0) {
    for (uint32_t i = 0; i < lib->kernel_count; i++) {
      const shal_kernel* k = &lib->kernels[i];
      printf("kernel %s args %u maxthreads %u shared %u flags %u params", k->name, k->args_size, k->max_threads_per_block,
             k->static_shared_bytes, k->flags);
      for (uint32_t p = 0; p < k->param_count; p++)
        printf(" %u:%u:%u", k->params[p].offset, k->params[p].size, k->params[p].flags);
      printf("\n");
    }
    for (uint32_t i = 0; i < lib->global_count; i++)
      printf("global %s %llu\n", lib->globals[i].name, (unsigned long long)lib->globals[i].size);
    return 0;
  }
  char magic[4];
  rd(magic, 4);
  if (memcmp(magic, "SHAL", 4) != 0) die("bad magic");
  uint32_t nl = rd32();
  char* name = calloc(1, nl + 1);
  rd(name, nl);
  job j;
  memset(&j, 0, sizeof j);
  for (uint32_t i = 0; i < lib->kernel_count; i++)
    if (strcmp(lib->kernels[i].name, name) == 0) j.k = &lib->kernels[i];
  if (!j.k) die("no such kernel");
  j.L.grid_dim.x = rd32();
  j.L.grid_dim.y = rd32();
  j.L.grid_dim.z = rd32();
  j.L.block_dim.x = rd32();
  j.L.block_dim.y = rd32();
  j.L.block_dim.z = rd32();
  j.L.shared_bytes = rd32();
  uint32_t workers = rd32();
  uint32_t nbufs = rd32();
  uint8_t** bufs = calloc(nbufs + 1, sizeof *bufs);
  uint64_t* sizes = calloc(nbufs + 1, sizeof *sizes);
  for (uint32_t i = 0; i < nbufs; i++) {
    sizes[i] = rd64();
    bufs[i] = aligned_alloc(256, (sizes[i] + 255) / 256 * 256 + 256);
    rd(bufs[i], sizes[i]);
  }
  uint32_t args_size = rd32();
  uint8_t* args = calloc(1, args_size + 16);
  rd(args, args_size);
  uint32_t nptrs = rd32();
  for (uint32_t i = 0; i < nptrs; i++) {
    uint32_t off = rd32(), b = rd32();
    if (b >= nbufs || off + 8 > args_size) die("bad pointer");
    uint64_t a = (uint64_t)(uintptr_t)bufs[b];
    memcpy(args + off, &a, 8);
  }
  uint32_t nglobals = rd32();
  for (uint32_t i = 0; i < nglobals; i++) {
    uint32_t gl = rd32();
    char* gname = calloc(1, gl + 1);
    rd(gname, gl);
    uint64_t size = rd64();
    const shal_global* g = NULL;
    for (uint32_t k = 0; k < lib->global_count; k++)
      if (strcmp(lib->globals[k].name, gname) == 0) g = &lib->globals[k];
    if (!g || g->size < size) die("bad global");
    rd(g->address, size);
  }
  j.L.args = args;
  j.L.workers = 1;
  j.take = (take_fn)dlsym(h, "streamhal_cpu_take_fault");
  j.total = (uint64_t)j.L.grid_dim.x * j.L.grid_dim.y * j.L.grid_dim.z;
  if (workers == 0) workers = 1;
  j.chunk = j.total / (workers * 4);
  if (j.chunk == 0) j.chunk = 1;
  pthread_mutex_init(&j.mu, NULL);
  pthread_t* th = calloc(workers, sizeof *th);
  worker* ws = calloc(workers, sizeof *ws);
  for (uint32_t i = 0; i < workers; i++) {
    ws[i].j = &j;
    ws[i].index = i;
    if (pthread_create(&th[i], NULL, run_worker, &ws[i]) != 0) die("pthread_create");
  }
  for (uint32_t i = 0; i < workers; i++) pthread_join(th[i], NULL);
  uint32_t ml = (uint32_t)strnlen(j.msg, sizeof j.msg);
  wr(&j.code, 4);
  wr(&ml, 4);
  wr(j.msg, ml);
  for (uint32_t i = 0; i < nbufs; i++) wr(bufs[i], sizes[i]);
  for (uint32_t i = 0; i < lib->global_count; i++) {
    uint32_t gl = (uint32_t)strlen(lib->globals[i].name);
    wr(&gl, 4);
    wr(lib->globals[i].name, gl);
    wr(&lib->globals[i].size, 8);
    wr(lib->globals[i].address, lib->globals[i].size);
  }
  fflush(stdout);
  return 0;
}
