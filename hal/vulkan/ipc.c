// The C side of interprocess sharing (ipc.go): the shared page of an
// interprocess event lives in a memfd.
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim.h"

// shal_vk_memfd creates a memfd of size bytes named name; it returns the
// descriptor, or -errno.
int shal_vk_memfd(const char* name, uint64_t size) {
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0) return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}
