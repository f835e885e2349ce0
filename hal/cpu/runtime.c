// C side of the CPU driver: memory, copies, fills, kernel library loading
// and the block-range runner (fault.c holds the fault handler). Everything
// here is called from Go through cgo.
#define _GNU_SOURCE
#include "runtime.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SHAL_HUGE_PAGE (2u << 20)

void* shal_cpu_alloc(uint64_t size) {
  void* p = NULL;
  if (size == 0) size = 1;
  if (size >= SHAL_HUGE_PAGE) {
    // Large buffers are streamed through by kernels and copies: back them
    // with transparent huge pages (where the kernel allows) to spare the
    // TLB, as the Go heap does for its own large spans.
    size_t rounded = (size + SHAL_HUGE_PAGE - 1) & ~(size_t)(SHAL_HUGE_PAGE - 1);
    if (posix_memalign(&p, SHAL_HUGE_PAGE, rounded) != 0) return NULL;
    madvise(p, rounded, MADV_HUGEPAGE);
    return p;
  }
  if (posix_memalign(&p, SHAL_CPU_ALIGNMENT, (size_t)size) != 0) return NULL;
  return p;
}

void shal_cpu_free(void* p) { free(p); }

// shal_cpu_alloc_pages allocates device memory that owns whole pages: the
// range [p, p+shal_cpu_pages(size)) holds nothing else, so that
// shal_ipc_share can later map a memfd over it for another process.
void* shal_cpu_alloc_pages(uint64_t size) {
  if (size >= SHAL_HUGE_PAGE) return shal_cpu_alloc(size);
  void* p = NULL;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t rounded = ((size_t)size + page - 1) & ~(page - 1);
  if (rounded == 0) rounded = page;
  if (posix_memalign(&p, page, rounded) != 0) return NULL;
  return p;
}

// Bytes of stack reserved between shal_cpu_run's frame and the kernel's:
// a kernel that writes past a stack array (a static shared array indexed by
// more threads than it holds) overwrites this moat before it reaches the
// frame that the fault handler returns to.
#define SHAL_STACK_MOAT (16u << 10)

#define SHAL_KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

// Copies and fills run guarded like kernels: an address the caller vouched
// for but that is not mapped (a registered range larger than the memory
// behind it) is an error, not the end of the process.
static void shal_copy_raw(uint64_t dst, uint64_t src, uint64_t n) {
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, (size_t)n);
}

static void shal_fill_raw(uint64_t dst, uint64_t n, uint32_t pattern, int size) {
  uint8_t* p = (uint8_t*)(uintptr_t)dst;
  switch (size) {
    case 1:
      memset(p, (int)(pattern & 0xff), (size_t)n);
      break;
    case 2: {
      uint16_t v = (uint16_t)pattern;
      uint64_t count = n / 2;
      if ((uintptr_t)p % 2 == 0) {
        uint16_t* q = (uint16_t*)p;
        for (uint64_t i = 0; i < count; i++) q[i] = v;
      } else {
        for (uint64_t i = 0; i < count; i++) memcpy(p + 2 * i, &v, 2);
      }
      break;
    }
    case 4: {
      uint32_t v = pattern;
      uint64_t count = n / 4;
      if ((uintptr_t)p % 4 == 0) {
        uint32_t* q = (uint32_t*)p;
        for (uint64_t i = 0; i < count; i++) q[i] = v;
      } else {
        for (uint64_t i = 0; i < count; i++) memcpy(p + 4 * i, &v, 4);
      }
      break;
    }
  }
}

int shal_cpu_copy(uint64_t dst, uint64_t src, uint64_t n, shal_fault* f) {
  shal_guard* g = shal_guard_enter(f);
  if (sigsetjmp(g->jb, 0) != 0) return f->signo;
  shal_guard_arm(g);
  shal_copy_raw(dst, src, n);
  shal_guard_disarm();
  return 0;
}

int shal_cpu_fill(uint64_t dst, uint64_t n, uint32_t pattern, int size, shal_fault* f) {
  shal_guard* g = shal_guard_enter(f);
  if (sigsetjmp(g->jb, 0) != 0) return f->signo;
  shal_guard_arm(g);
  shal_fill_raw(dst, n, pattern, size);
  shal_guard_disarm();
  return 0;
}

// Maps size bytes placed against a PROT_NONE guard page, their start
// aligned to align (a power of two up to the page size) and as close to the
// guard as that allows, with another guard page before them when
// lead_guard is set. The whole mapping is returned in *map and *maplen for
// shal_cpu_unmap. size 0 returns the start of the trailing guard page: any
// access through it faults.
void* shal_cpu_map_guarded(uint64_t size, uint64_t align, int lead_guard, void** map, uint64_t* maplen) {
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  if (align == 0) align = 1;
  uint64_t span = (size + align - 1) & ~(align - 1);
  if (span < size) return NULL;
  uint64_t data = (span + page - 1) & ~(page - 1);
  uint64_t lead = lead_guard ? page : 0;
  uint64_t len = lead + data + page;
  if (len < data) return NULL;
  uint8_t* m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return NULL;
  if (mprotect(m + lead + data, page, PROT_NONE) != 0 || (lead && mprotect(m, lead, PROT_NONE) != 0)) {
    munmap(m, len);
    return NULL;
  }
  *map = m;
  *maplen = len;
  return m + lead + data - span;
}

int shal_cpu_unmap(void* map, uint64_t maplen) { return munmap(map, maplen); }

int shal_cpu_protect_none(void* map, uint64_t maplen) { return mprotect(map, maplen, PROT_NONE); }

// Loads a kernel library image from memory through a memfd, so that no
// temporary file is left behind. The memfd stays open (*fdp) until the
// library is closed: dlopen knows a library by its path, and a later load
// through a reused descriptor number would otherwise get this library back.
void* shal_cpu_dlopen_bytes(const void* data, uint64_t n, int* fdp, char* err, int errlen) {
  int fd = memfd_create("streamhal-kernels", MFD_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "memfd_create: %s", strerror(errno));
    return NULL;
  }
  const uint8_t* p = (const uint8_t*)data;
  uint64_t left = n;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "write memfd: %s", strerror(errno));
      close(fd);
      return NULL;
    }
    p += w;
    left -= (uint64_t)w;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char* e = dlerror();
    snprintf(err, errlen, "%s", e ? e : "dlopen failed");
    close(fd);
    return NULL;
  }
  *fdp = fd;
  return h;
}

const shal_library* shal_cpu_library(void* handle, char* err, int errlen) {
  dlerror();
  void* sym = dlsym(handle, "streamhal_cpu_library");
  if (sym == NULL) {
    const char* e = dlerror();
    snprintf(err, errlen, "%s", e ? e : "streamhal_cpu_library is NULL");
    return NULL;
  }
  const shal_library* (*fn)(void) = (const shal_library* (*)(void))sym;
  const shal_library* lib = fn();
  if (lib == NULL) snprintf(err, errlen, "streamhal_cpu_library() returned NULL");
  return lib;
}

int shal_cpu_dlclose(void* h, int fd) {
  int r = dlclose(h);
  close(fd);
  return r;
}

// Grid barrier for cooperative launches: a sense-reversing counter barrier.
// Waiters spin briefly, then yield, since every worker of a cooperative
// launch runs on its own thread. A worker that faults breaks the barrier:
// the others leave their kernels when they next wait at it (or at once if
// they are waiting), so that one fault never leaves the rest stuck.
typedef struct shal_grid_barrier {
  uint32_t count;
  uint32_t waiting;
  uint32_t generation;
  uint32_t broken;
} shal_grid_barrier;

static void shal_grid_sync_impl(const shal_launch* L, shal_worker* W) {
  (void)W;
  shal_grid_barrier* b = (shal_grid_barrier*)L->grid_barrier;
  if (__atomic_load_n(&b->broken, __ATOMIC_ACQUIRE)) shal_guard_abandon();
  uint32_t gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&b->waiting, 1, __ATOMIC_ACQ_REL) == b->count) {
    __atomic_store_n(&b->waiting, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&b->generation, 1, __ATOMIC_ACQ_REL);
    return;
  }
  int spins = 0;
  while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen) {
    if (__atomic_load_n(&b->broken, __ATOMIC_ACQUIRE)) shal_guard_abandon();
    if (++spins > 256) sched_yield();
  }
}

static void shal_grid_sync_invalid(const shal_launch* L, shal_worker* W) {
  (void)L;
  (void)W;
  // Only reached when a kernel not launched cooperatively calls
  // shal_grid_sync; the driver rejects such launches, so this is a no-op.
}

void* shal_cpu_new_barrier(uint32_t count) {
  shal_grid_barrier* b = calloc(1, sizeof *b);
  if (b) b->count = count;
  return b;
}

void* shal_cpu_new_grid_workspace(void) {
  shal_grid_ws* ws = calloc(1, sizeof *ws);
  if (ws) ws->size = sizeof *ws;
  return ws;
}

// Stops a cooperative launch after a fault: the workers waiting at the
// driver's grid barrier leave it, and kernels waiting for other blocks
// through the grid workspace (polling loads of translated PTX) leave too.
void shal_cpu_abort_grid(const shal_launch* L) {
  if (L->grid_barrier != NULL)
    __atomic_store_n(&((shal_grid_barrier*)L->grid_barrier)->broken, 1, __ATOMIC_RELEASE);
  if (L->grid_workspace != NULL)
    __atomic_store_n(&((shal_grid_ws*)L->grid_workspace)->abort, 1, __ATOMIC_RELEASE);
}

shal_take_fault_fn shal_cpu_take_fault_fn(void* handle) {
  dlerror();
  return (shal_take_fault_fn)dlsym(handle, "streamhal_cpu_take_fault");
}

shal_cpu_flush_fn shal_cpu_flush_output_fn(void* handle) {
  dlerror();
  return (shal_cpu_flush_fn)dlsym(handle, "streamhal_cpu_flush_output");
}

void shal_cpu_call_flush(shal_cpu_flush_fn f) { f(); }

// Collects the fault a library recorded on this thread (take: its
// streamhal_cpu_take_fault, or NULL). It returns 0 for none, -1 when the
// block left a cooperative launch another block aborted, -2 for a fault.
static int shal_take(shal_take_fault_fn take, shal_fault* f) {
  if (take == NULL) return 0;
  uint32_t code = take(f->msg, sizeof f->msg);
  if (code == 0) return 0;
  if (code == SHAL_LIB_FAULT_ABORTED) {
    f->aborted = 1;
    return -1;
  }
  f->lib = code;
  return -2;
}

static void shal_worker_init(shal_worker* w, const shal_launch* L, void* shared, uint32_t worker) {
  w->shared = shared;
  w->index = worker;
  w->reserved = 0;
  w->grid_sync = L->grid_barrier ? shal_grid_sync_impl : shal_grid_sync_invalid;
  w->block = UINT64_MAX;
}

// Runs blocks [b0, b1) of a launch. It returns 0, or the signal of a fault
// in the kernel (described in *f), or -2 for a fault the library reported
// through take (f->lib, f->msg), or -1 when the worker left a cooperative
// launch because another worker faulted.
int shal_cpu_run(shal_kernel_entry entry, shal_take_fault_fn take, const shal_launch* L, void* shared,
                 uint32_t worker, uint64_t b0, uint64_t b1, shal_fault* f) {
  shal_guard* g = shal_guard_enter(f);
  shal_worker_init(&g->w, L, shared, worker);
  f->lib = 0;
  char* moat = __builtin_alloca(SHAL_STACK_MOAT);
  SHAL_KEEP(moat);
  if (sigsetjmp(g->jb, 0) != 0) {
    f->block = g->w.block;
    f->b0 = b0;
    f->b1 = b1;
    // A library that recorded a fault before the signal must not report
    // it in a later range.
    if (take != NULL) take(NULL, 0);
    if (!f->aborted) shal_cpu_abort_grid(L);
    return f->aborted ? -1 : f->signo;
  }
  shal_guard_arm(g);
  entry(L, &g->w, b0, b1);
  int r = shal_take(take, f);
  shal_guard_disarm();
  if (r != 0) {
    f->block = g->w.block;
    f->b0 = b0;
    f->b1 = b1;
    if (r == -2) shal_cpu_abort_grid(L);
  }
  return r;
}

// Runs a chain of single-block launches back to back: one cgo call for a
// whole dependency chain of a graph. A fault stops the chain; f->index says
// which launch faulted.
int shal_cpu_run_chain(uint32_t n, shal_kernel_entry* entries, shal_take_fault_fn* takes, shal_launch** launches,
                       void* shared, uint32_t worker, shal_fault* f) {
  shal_guard* g = shal_guard_enter(f);
  f->lib = 0;
  char* moat = __builtin_alloca(SHAL_STACK_MOAT);
  SHAL_KEEP(moat);
  if (sigsetjmp(g->jb, 0) != 0) {
    f->block = g->w.block;
    f->b0 = 0;
    f->b1 = 1;
    if (takes[f->index] != NULL) takes[f->index](NULL, 0);
    return f->signo;
  }
  shal_guard_arm(g);
  for (uint32_t i = 0; i < n; i++) {
    f->index = i;
    shal_worker_init(&g->w, launches[i], shared, worker);
    entries[i](launches[i], &g->w, 0, 1);
    int r = shal_take(takes[i], f);
    if (r != 0) {
      shal_guard_disarm();
      f->block = g->w.block;
      f->b0 = 0;
      f->b1 = 1;
      return r;
    }
  }
  shal_guard_disarm();
  return 0;
}

// For BenchmarkGuard: n calls of an empty entry, through shal_cpu_run
// (guarded) or directly, so that the guard's cost per call into kernel code
// can be measured on its own.
static void shal_bench_empty_entry(const shal_launch* L, shal_worker* W, uint64_t b0, uint64_t b1) {
  (void)L, (void)b0, (void)b1;
  __asm__ volatile("" : : "r"(W) : "memory");
}

void shal_cpu_bench_guard(uint64_t n, int guarded, shal_fault* f) {
  shal_launch L;
  memset(&L, 0, sizeof L);
  shal_kernel_entry volatile entry = shal_bench_empty_entry;
  if (guarded) {
    for (uint64_t i = 0; i < n; i++) shal_cpu_run(entry, NULL, &L, NULL, 0, 0, 1, f);
  } else {
    shal_worker w;
    memset(&w, 0, sizeof w);
    for (uint64_t i = 0; i < n; i++) entry(&L, &w, 0, 1);
  }
}

// The x86-64 microarchitecture level of this CPU (2, 3, 4; 0 below v2 or
// on another architecture), from CPUID and XGETBV as the psABI defines the
// levels: the instruction set the PTX translator's libraries are compiled
// for.
#if defined(__x86_64__)
#include <cpuid.h>
int shal_cpu_x86_level(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  unsigned c1 = c;
  unsigned e7b = 0, x1c = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) e7b = b;
  if (__get_cpuid(0x80000001, &a, &b, &c, &d)) x1c = c;
#define BIT(r, n) (((r) >> (n)) & 1u)
  int v2 = BIT(c1, 0) && BIT(c1, 9) && BIT(c1, 13) && BIT(c1, 19) && BIT(c1, 20) && BIT(c1, 23) && BIT(x1c, 0);
  if (!v2) return 0;
  unsigned long long xcr0 = 0;
  if (BIT(c1, 27)) {  // OSXSAVE: the OS saves the extended state
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = ((unsigned long long)hi << 32) | lo;
  }
  int v3 = BIT(c1, 12) && BIT(c1, 22) && BIT(c1, 28) && BIT(c1, 29) && BIT(e7b, 3) && BIT(e7b, 5) &&
           BIT(e7b, 8) && BIT(x1c, 5) && (xcr0 & 0x6) == 0x6;
  if (!v3) return 2;
  int v4 = BIT(e7b, 16) && BIT(e7b, 17) && BIT(e7b, 28) && BIT(e7b, 30) && BIT(e7b, 31) && (xcr0 & 0xe6) == 0xe6;
#undef BIT
  return v4 ? 4 : 3;
}
#else
int shal_cpu_x86_level(void) { return 0; }
#endif
