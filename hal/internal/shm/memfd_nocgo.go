//go:build !cgo

package shm

import "syscall"

// Memfd needs cgo (the drivers that use it do too): without it, ENOSYS.
func Memfd(name string, size uint64) (int, error) { return -1, syscall.ENOSYS }
