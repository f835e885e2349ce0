// C side of the CPU driver: memory, copies, fills, kernel library loading
// and the block-range runner. Everything here is called from Go through cgo.
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

void shal_cpu_copy(uint64_t dst, uint64_t src, uint64_t n) {
  memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, (size_t)n);
}

void shal_cpu_copy_in(uint64_t dst, const void* src, uint64_t n) {
  memmove((void*)(uintptr_t)dst, src, (size_t)n);
}

void shal_cpu_copy_out(void* dst, uint64_t src, uint64_t n) {
  memmove(dst, (const void*)(uintptr_t)src, (size_t)n);
}

void shal_cpu_fill(uint64_t dst, uint64_t n, uint32_t pattern, int size) {
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

// Loads a kernel library image from memory through a memfd, so that no
// temporary file is left behind.
void* shal_cpu_dlopen_bytes(const void* data, uint64_t n, char* err, int errlen) {
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
  }
  close(fd);
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
  return fn();
}

int shal_cpu_dlclose(void* h) { return dlclose(h); }

// Grid barrier for cooperative launches: a sense-reversing counter barrier.
// Waiters spin briefly, then yield, since every worker of a cooperative
// launch runs on its own thread.
typedef struct shal_grid_barrier {
  uint32_t count;
  uint32_t waiting;
  uint32_t generation;
} shal_grid_barrier;

static void shal_grid_sync_impl(const shal_launch* L, shal_worker* W) {
  (void)W;
  shal_grid_barrier* b = (shal_grid_barrier*)L->grid_barrier;
  uint32_t gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&b->waiting, 1, __ATOMIC_ACQ_REL) == b->count) {
    __atomic_store_n(&b->waiting, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&b->generation, 1, __ATOMIC_ACQ_REL);
    return;
  }
  int spins = 0;
  while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen) {
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

void shal_cpu_run(shal_kernel_entry entry, const shal_launch* L, void* shared,
                  uint32_t worker, uint64_t b0, uint64_t b1) {
  shal_worker w;
  w.shared = shared;
  w.index = worker;
  w.reserved = 0;
  w.grid_sync = L->grid_barrier ? shal_grid_sync_impl : shal_grid_sync_invalid;
  entry(L, &w, b0, b1);
}

// Runs a chain of single-block launches back to back: one cgo call for a
// whole dependency chain of a graph.
void shal_cpu_run_chain(uint32_t n, shal_kernel_entry* entries, shal_launch** launches, void* shared, uint32_t worker) {
  for (uint32_t i = 0; i < n; i++) shal_cpu_run(entries[i], launches[i], shared, worker, 0, 1);
}
