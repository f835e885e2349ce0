//go:build cgo

// Package shm holds what the drivers that share memory between processes
// through memfds have in common (hal/cpu, hal/vulkan): creating a memfd,
// and the state of an interprocess event kept in a page of one.
//
// An interprocess event keeps, in its shared page, how many records were
// made (in any process that opened it) and the highest one reached. A
// record takes the next number and marks it reached once the work
// enqueued before it is done; a wait takes the number of records at the
// time of the call and polls until it is reached: the record may come
// from another process, which no channel of ours would see. How a driver
// passes the page's descriptor to another process is its own affair.
package shm

/*
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

// shal_memfd creates a memfd of size bytes named name; it returns the
// descriptor, or -errno.
static int shal_memfd(const char* name, uint64_t size) {
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0) return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}
*/
import "C"

import (
	"syscall"
	"unsafe"
)

// Memfd creates a close-on-exec memfd of size bytes named name (as
// /proc/<pid>/fd shows it: "/memfd:<name> (deleted)"). The error is the
// syscall.Errno.
func Memfd(name string, size uint64) (int, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	fd := C.shal_memfd(cname, C.uint64_t(size))
	if fd < 0 {
		return -1, syscall.Errno(-fd)
	}
	return int(fd), nil
}
