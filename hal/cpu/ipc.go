//go:build cgo

package cpu

/*
#include "runtime.h"
*/
import "C"

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/shm"
)

// Interprocess sharing (hal.IPCDevice).
//
// Device memory owns whole pages (shal_cpu_alloc_pages). Exporting an
// allocation the first time waits for the instance's queued work, then
// moves its pages into a memfd mapped over the same range (same address,
// same contents); the memfd stays open as long as the allocation lives.
// The handle names the exporting process, the descriptor and a random
// token that is also the memfd's name: the importer opens
// /proc/<pid>/fd/<fd> (allowed between processes of one user, as for
// ptrace reads), checks the name and the size, and maps it at a fresh
// address. A freed allocation's memfd is closed and its range gets
// private memory again before the C heap reuses it, so a handle outlives
// its memory only as a stale handle (hal.ErrInvalidHandle), never as a
// view of whatever is allocated there next. Mappings already opened stay
// valid when the exporter exits, as the memfd lives on in them.
//
// An interprocess event keeps its state in a shared page of its own
// memfd (hal/internal/shm): how many records were enqueued (in both
// processes) and the highest one reached. A wait takes the number of
// records at the time of the call and polls until it is reached. Its
// handle names the memfd as a memory handle does.

var _ hal.IPCDevice = (*device)(nil)

const hugePage = 2 << 20 // SHAL_HUGE_PAGE in runtime.c

// sharedLength is the length of the pages an allocation of size bytes
// owns (shal_cpu_alloc_pages).
func sharedLength(size uint64) uint64 {
	if size >= hugePage {
		return (size + hugePage - 1) &^ (hugePage - 1)
	}
	return (size + pageSize - 1) &^ (pageSize - 1)
}

// ipcShare is an exported allocation's memfd.
type ipcShare struct {
	fd     int
	length uint64
	token  uint64
}

func memfdName(kind hal.IPCKind, token uint64) string {
	return fmt.Sprintf("streamhal-ipc-%v-%016x", kind, token)
}

// Handle fields after hal.IPCHeaderSize.
const (
	hPID    = 8
	hFD     = 12
	hToken  = 16
	hLength = 24
	hSize   = 32
)

func (d *device) ExportMemory(base uint64) ([hal.IPCHandleSize]byte, error) {
	var h [hal.IPCHandleSize]byte
	d.ipcMu.Lock()
	defer d.ipcMu.Unlock()
	d.mu.Lock()
	r, err := d.exportable(base)
	d.mu.Unlock()
	if err != nil {
		return h, err
	}
	if r.share == nil {
		// Kernels and copies of any device of the instance (peers) may be
		// using the memory: let them finish before its pages move.
		for _, dev := range d.inst.All {
			dev.Synchronize(context.Background()) // errors are the queues' own, reported to their callers
		}
		d.mu.Lock()
		r, err = d.exportable(base)
		if err == nil {
			r.share, err = share(r.host, sharedLength(r.size))
			if err == nil {
				d.allocs[base] = r
			}
		}
		d.mu.Unlock()
		if err != nil {
			return h, err
		}
	}
	hal.PutIPCHeader(&h, Name, hal.IPCMemory)
	binary.LittleEndian.PutUint32(h[hPID:], uint32(os.Getpid()))
	binary.LittleEndian.PutUint32(h[hFD:], uint32(r.share.fd))
	binary.LittleEndian.PutUint64(h[hToken:], r.share.token)
	binary.LittleEndian.PutUint64(h[hLength:], r.share.length)
	binary.LittleEndian.PutUint64(h[hSize:], r.size)
	return h, nil
}

// exportable looks up the allocation at base for export (d.mu held).
func (d *device) exportable(base uint64) (allocRecord, error) {
	if err := d.checkOpen("export memory"); err != nil {
		return allocRecord{}, err
	}
	r, ok := d.allocs[base]
	if !ok || r.kind != hal.MemoryDevice || r.imported {
		return allocRecord{}, fmt.Errorf("hal/cpu: export %#x: not device memory allocated on device %d: %w", base, d.ordinal, hal.ErrInvalidValue)
	}
	if d.mc != nil {
		return allocRecord{}, fmt.Errorf("hal/cpu: export %#x: in memory-checking mode allocations sit between guard pages and cannot be shared with another process: %w", base, hal.ErrNotSupported)
	}
	return r, nil
}

// share moves [p, p+length) into a new memfd.
func share(p unsafe.Pointer, length uint64) (*ipcShare, error) {
	token := rand.Uint64()
	fd, err := shm.Memfd(memfdName(hal.IPCMemory, token), length)
	if err == nil {
		if e := C.shal_ipc_share(p, C.uint64_t(length), C.int(fd)); e < 0 {
			syscall.Close(fd)
			err = syscall.Errno(-e)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("hal/cpu: export %p: moving %d bytes into shared memory: %v: %w", p, length, err, hal.ErrOutOfMemory)
	}
	return &ipcShare{fd: fd, length: length, token: token}, nil
}

// unshare undoes share before the range goes back to the C heap.
func (s *ipcShare) unshare(p unsafe.Pointer) {
	C.shal_ipc_unshare(p, C.uint64_t(s.length))
	syscall.Close(s.fd)
}

// openPeer opens descriptor fd of process pid, which must be the memfd
// memfdName(kind, token) of at least length bytes.
func openPeer(h [hal.IPCHandleSize]byte, kind hal.IPCKind, what string) (*os.File, uint64, error) {
	if err := hal.CheckIPCHeader(h, Name, kind); err != nil {
		return nil, 0, err
	}
	pid := binary.LittleEndian.Uint32(h[hPID:])
	fd := binary.LittleEndian.Uint32(h[hFD:])
	token := binary.LittleEndian.Uint64(h[hToken:])
	if int(pid) == os.Getpid() {
		return nil, 0, fmt.Errorf("hal/cpu: %s: the handle was exported by this process; open it in another one: %w", what, hal.ErrInvalidContext)
	}
	if pid == 0 || pid > 1<<22 || fd > 1<<30 {
		return nil, 0, fmt.Errorf("hal/cpu: %s: handle names process %d, descriptor %d: forged: %w", what, pid, fd, hal.ErrInvalidValue)
	}
	stale := func(why string) error {
		return fmt.Errorf("hal/cpu: %s: %s (the exporter freed it, closed it or exited): %w", what, why, hal.ErrInvalidHandle)
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), os.O_RDWR, 0)
	if err != nil {
		return nil, 0, stale(fmt.Sprintf("process %d has no descriptor %d to open: %v", pid, fd, err))
	}
	// The name is checked on the descriptor opened, not on the path: a
	// descriptor replaced in between cannot pass.
	want := "/memfd:" + memfdName(kind, token) + " (deleted)"
	if got, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd())); err != nil || got != want {
		f.Close()
		return nil, 0, stale(fmt.Sprintf("descriptor %d of process %d is not the shared %v the handle names", fd, pid, kind))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, stale(err.Error())
	}
	return f, uint64(st.Size()), nil
}

func (d *device) ImportMemory(h [hal.IPCHandleSize]byte) (hal.Allocation, error) {
	const what = "open memory handle"
	length := binary.LittleEndian.Uint64(h[hLength:])
	size := binary.LittleEndian.Uint64(h[hSize:])
	f, fileSize, err := openPeer(h, hal.IPCMemory, what)
	if err != nil {
		return hal.Allocation{}, err
	}
	defer f.Close()
	if size == 0 || length != sharedLength(size) || fileSize != length {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: %s: handle says %d bytes in %d, the shared memory has %d: %w", what, size, length, fileSize, hal.ErrInvalidValue)
	}
	var e C.int
	p := C.shal_ipc_map(C.int(f.Fd()), C.uint64_t(length), &e)
	if p == nil {
		return hal.Allocation{}, fmt.Errorf("hal/cpu: %s: mapping %d bytes: %v: %w", what, length, syscall.Errno(e), hal.ErrOutOfMemory)
	}
	addr := uint64(uintptr(p))
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen(what); err != nil {
		C.shal_ipc_unmap(p, C.uint64_t(length))
		return hal.Allocation{}, err
	}
	d.allocs[addr] = allocRecord{kind: hal.MemoryDevice, size: size, host: p, imported: true}
	return hal.Allocation{Device: addr, Host: p, Size: size}, nil
}

func (d *device) CloseMemory(addr uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("close memory handle"); err != nil {
		return err
	}
	r, ok := d.allocs[addr]
	if !ok || !r.imported {
		return fmt.Errorf("hal/cpu: close memory handle %#x: not memory opened from another process on device %d: %w", addr, d.ordinal, hal.ErrInvalidValue)
	}
	delete(d.allocs, addr)
	return d.release(addr, r, "")
}

// unmapImported unmaps an imported allocation.
func unmapImported(r allocRecord) {
	C.shal_ipc_unmap(r.host, C.uint64_t(sharedLength(r.size)))
}

// sharedEvent is an interprocess event's shared page and the token that
// names its memfd (memfdName), which an importer checks.
type sharedEvent struct {
	*shm.Event
	token uint64
}

func newSharedEvent() (*sharedEvent, error) {
	token := rand.Uint64()
	ev, err := shm.NewEvent("hal/cpu", memfdName(hal.IPCEvent, token))
	if err != nil {
		return nil, err
	}
	return &sharedEvent{Event: ev, token: token}, nil
}

func (d *device) ExportEvent(he hal.Event) ([hal.IPCHandleSize]byte, error) {
	var h [hal.IPCHandleSize]byte
	e, ok := he.(*event)
	if !ok || e.dev != d {
		return h, fmt.Errorf("hal/cpu: export event: not an event of device %d: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	s := e.shared
	if s == nil {
		return h, fmt.Errorf("hal/cpu: export event: created without the interprocess flag: %w", hal.ErrInvalidValue)
	}
	err := s.Export(func(fd int) error {
		hal.PutIPCHeader(&h, Name, hal.IPCEvent)
		binary.LittleEndian.PutUint32(h[hPID:], uint32(os.Getpid()))
		binary.LittleEndian.PutUint32(h[hFD:], uint32(fd))
		binary.LittleEndian.PutUint64(h[hToken:], s.token)
		return nil
	})
	return h, err
}

func (d *device) ImportEvent(h [hal.IPCHandleSize]byte) (hal.Event, error) {
	const what = "open event handle"
	f, _, err := openPeer(h, hal.IPCEvent, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ev, err := shm.OpenEvent("hal/cpu", what, int(f.Fd()))
	if err != nil {
		return nil, err
	}
	s := &sharedEvent{Event: ev, token: binary.LittleEndian.Uint64(h[hToken:])}
	return &event{dev: d, flags: hal.EventDisableTiming | hal.EventInterprocess, shared: s}, nil
}
