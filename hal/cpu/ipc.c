// C side of the CPU driver's interprocess sharing (ipc.go): device memory
// moved into a memfd so that another process can map it.
#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// shal_ipc_share moves the page-aligned range [p, p+len) into fd, a memfd
// of len bytes (hal/internal/shm), without changing its address or its
// contents: the contents are copied into the memfd, which is then mapped
// over the range. The caller guarantees that nothing touches the range
// meanwhile. It returns 0, or -errno (the range is unchanged then, and
// the caller closes fd).
int shal_ipc_share(void* p, uint64_t len, int fd) {
  void* tmp = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (tmp == MAP_FAILED) return -errno;
  memcpy(tmp, p, (size_t)len);
  munmap(tmp, (size_t)len);
  if (mmap(p, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) return -errno;
  return 0;
}

// shal_ipc_unshare gives the range [p, p+len) private anonymous memory
// again (its contents are dropped): a shared range goes back to the C heap
// only once no other process can see what is stored there next.
int shal_ipc_unshare(void* p, uint64_t len) {
  if (mmap(p, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
    return -errno;
  return 0;
}

// shal_ipc_map maps len bytes of the descriptor shared; NULL with *err set
// to errno on failure.
void* shal_ipc_map(int fd, uint64_t len, int* err) {
  void* p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    *err = errno;
    return NULL;
  }
  return p;
}

int shal_ipc_unmap(void* p, uint64_t len) { return munmap(p, (size_t)len) == 0 ? 0 : -errno; }
