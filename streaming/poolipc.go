package streaming

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Pools shared between processes (cuMemPoolExportToShareableHandle and
// friends, CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR).
//
// An exportable pool owns a small shared file (created and unlinked at
// once: only descriptors reach it) holding a table of the blocks exported
// so far: each slot has the block's IPC memory handle (IPCGetMemHandle's
// bytes, from the driver) and a generation. MemPoolExportToFD hands out a
// descriptor of that file, which the program passes to another process
// (SCM_RIGHTS, inheritance, pidfd_getfd); MemPoolImportFromFD there maps
// the table. ExportPointer writes a block's slot and returns 64 bytes
// naming the pool, the slot, its generation and the offset in the block;
// ImportPointer reads the slot through the imported table and opens the
// handle as IPCOpenMemHandle does. So any backend with IPC memory handles
// shares its pools, and nothing but the descriptor needs a side channel.

// MemPoolPtrExportData is CUmemPoolPtrExportData: 64 opaque bytes that
// let a process that imported a pool open one of its allocations.
type MemPoolPtrExportData [64]byte

const (
	poolTableSize = 1 << 20
	poolSlotSize  = 128
	poolSlots     = (poolTableSize - poolHeaderSize) / poolSlotSize
	// poolHeaderSize: magic, token, exporter's pid.
	poolHeaderSize = 64
)

var (
	poolTableMagic = [8]byte{'s', 'h', 'P', 'O', 'O', 'L', 0, 1}
	poolPtrMagic   = [8]byte{'s', 'h', 'P', 'P', 'T', 'R', 0, 1}
)

// poolTable is the mapped shared table of an exported or imported pool.
type poolTable struct {
	f     *os.File
	mem   []byte
	token uint64
}

func (t *poolTable) close() {
	if t.mem != nil {
		syscall.Munmap(t.mem)
		t.mem = nil
	}
	t.f.Close()
}

func (t *poolTable) slot(i uint32) []byte {
	off := poolHeaderSize + int(i)*poolSlotSize
	return t.mem[off : off+poolSlotSize]
}

// gen is the slot's generation word, written last by the exporter.
func gen(slot []byte) *uint64 { return (*uint64)(unsafe.Pointer(&slot[0])) }

// poolShare is an exportable pool's side of the sharing.
type poolShare struct {
	mu    sync.Mutex
	table *poolTable
	slots map[uint64]uint32 // block base -> slot
	next  uint32
}

// poolShareIn is an imported pool's table.
type poolShareIn struct {
	table *poolTable
}

// NewExportableMemPool creates a pool of the device's memory that can be
// shared with other processes (cuMemPoolCreate with
// CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR): the device must be able to
// share memory between processes (hal.IPCDevice), else ErrNotSupported.
func (d *Device) NewExportableMemPool() (*MemPool, error) {
	if _, err := halIPC(d.hal); err != nil {
		return nil, fmt.Errorf("streaming: exportable memory pool on %s: %w", d.info.Name, err)
	}
	f, err := os.CreateTemp("", "streamhal-pool-*")
	if err != nil {
		return nil, fmt.Errorf("streaming: exportable memory pool: shared table: %v: %w", err, ErrOutOfMemory)
	}
	os.Remove(f.Name())
	t := &poolTable{f: f, token: rand.Uint64()}
	if err := f.Truncate(poolTableSize); err != nil {
		t.close()
		return nil, fmt.Errorf("streaming: exportable memory pool: shared table: %v: %w", err, ErrOutOfMemory)
	}
	t.mem, err = syscall.Mmap(int(f.Fd()), 0, poolTableSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("streaming: exportable memory pool: mapping the shared table: %v: %w", err, ErrOutOfMemory)
	}
	copy(t.mem, poolTableMagic[:])
	binary.LittleEndian.PutUint64(t.mem[8:], t.token)
	binary.LittleEndian.PutUint32(t.mem[16:], uint32(os.Getpid()))
	if !d.info.MemoryPoolsSupported {
		t.close()
		return nil, fmt.Errorf("streaming: exportable memory pool on %s: %w", d.info.Name, ErrNotSupported)
	}
	p := ownPool(d)
	p.ipcOut = &poolShare{table: t, slots: map[uint64]uint32{}}
	d.mu.Lock()
	d.pools[p] = true
	d.hasPools.Store(true)
	d.mu.Unlock()
	return p, nil
}

// ownPool makes a pool of this package's own, never a driver's native
// one: the blocks of a shared pool must be Allocate'd device memory,
// which hal.IPCDevice.ExportMemory shares (cuIpcGetMemHandle refuses
// memory of a native CUDA pool).
func ownPool(d *Device) *MemPool {
	p := &MemPool{dev: d, inUse: map[*allocation]*poolBlock{}, access: map[*Device]MemAccessFlags{d: MemAccessReadWrite}}
	p.reuse[MemPoolReuseFollowEventDependencies] = true
	p.reuse[MemPoolReuseAllowOpportunistic] = true
	p.reuse[MemPoolReuseAllowInternalDependencies] = true
	return p
}

// Exportable reports whether the pool was created to be shared
// (NewExportableMemPool).
func (p *MemPool) Exportable() bool { return p.ipcOut != nil }

// Imported reports whether the pool was imported from another process.
func (p *MemPool) Imported() bool { return p.ipcIn != nil }

// closeIPC releases the pool's shared table (Destroy).
func (p *MemPool) closeIPC() {
	if s := p.ipcOut; s != nil {
		s.mu.Lock()
		s.table.close()
		s.mu.Unlock()
	}
	if s := p.ipcIn; s != nil {
		s.table.close()
	}
}

// checkImported refuses allocation from an imported pool.
func (p *MemPool) checkImported(what string) error {
	if p.ipcIn != nil {
		return fmt.Errorf("streaming: %s: the pool was imported from another process; allocate in its exporter: %w", what, ErrInvalidValue)
	}
	return nil
}

// ExportToFD returns a new file descriptor that lets another process
// import the pool (cuMemPoolExportToShareableHandle with
// CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR). The caller owns it: pass it
// on (SCM_RIGHTS, inheritance) and close it. A pool not created
// exportable is ErrInvalidValue.
func (p *MemPool) ExportToFD() (int, error) {
	const what = "memory pool export"
	s := p.ipcOut
	if s == nil {
		return -1, fmt.Errorf("streaming: %s: the pool was not created exportable (POSIX file descriptor handles): %w", what, ErrInvalidValue)
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return -1, fmt.Errorf("streaming: %s: memory pool destroyed: %w", what, ErrInvalidHandle)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fd, err := syscall.Dup(int(s.table.f.Fd()))
	if err != nil {
		return -1, fmt.Errorf("streaming: %s: %v: %w", what, err, ErrOutOfMemory)
	}
	syscall.CloseOnExec(fd)
	return fd, nil
}

// ImportMemPoolFromFD imports a pool another process exported with
// ExportToFD (cuMemPoolImportFromShareableHandle). fd stays the caller's.
// The pool only opens the exporter's allocations (ImportPointer); it
// allocates nothing (MallocFromPoolAsync: ErrInvalidValue). A descriptor
// of anything else is ErrInvalidValue; a pool exported by this process
// ErrInvalidContext, as for IPCOpenMemHandle.
func (d *Device) ImportMemPoolFromFD(fd int) (*MemPool, error) {
	const what = "memory pool import"
	if _, err := halIPC(d.hal); err != nil {
		return nil, fmt.Errorf("streaming: %s on %s: %w", what, d.info.Name, err)
	}
	if fd < 0 {
		return nil, fmt.Errorf("streaming: %s: descriptor %d: %w", what, fd, ErrInvalidValue)
	}
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return nil, fmt.Errorf("streaming: %s: descriptor %d: %v: %w", what, fd, err, ErrInvalidValue)
	}
	syscall.CloseOnExec(nfd)
	f := os.NewFile(uintptr(nfd), "streamhal-pool")
	t := &poolTable{f: f}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() != poolTableSize {
		t.close()
		return nil, fmt.Errorf("streaming: %s: descriptor %d is not an exported pool: %w", what, fd, ErrInvalidValue)
	}
	t.mem, err = syscall.Mmap(nfd, 0, poolTableSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.close()
		return nil, fmt.Errorf("streaming: %s: descriptor %d: mapping: %v: %w", what, fd, err, ErrInvalidValue)
	}
	if [8]byte(t.mem[:8]) != poolTableMagic {
		t.close()
		return nil, fmt.Errorf("streaming: %s: descriptor %d is not an exported pool: %w", what, fd, ErrInvalidValue)
	}
	t.token = binary.LittleEndian.Uint64(t.mem[8:])
	if int(binary.LittleEndian.Uint32(t.mem[16:])) == os.Getpid() {
		t.close()
		return nil, fmt.Errorf("streaming: %s: the pool was exported by this process: %w", what, ErrInvalidContext)
	}
	p := ownPool(d)
	p.ipcIn = &poolShareIn{table: t}
	d.mu.Lock()
	d.pools[p] = true
	d.hasPools.Store(true)
	d.mu.Unlock()
	return p, nil
}

// ExportPointer returns the data that lets a process that imported the
// pool open the allocation at ptr, which must come from this pool
// (cuMemPoolExportPointer; ptr may point inside the allocation).
func (p *MemPool) ExportPointer(ptr DevicePtr) (MemPoolPtrExportData, error) {
	const what = "memory pool export pointer"
	var data MemPoolPtrExportData
	a := p.dev.rt.ptrs.find(uint64(ptr))
	if a == nil || a.owner().pool != p {
		return data, fmt.Errorf("streaming: %s %#x: not memory of this pool: %w", what, uint64(ptr), ErrInvalidValue)
	}
	a = a.owner()
	s := p.ipcOut
	if s == nil {
		return data, fmt.Errorf("streaming: %s %#x: the pool was not created exportable: %w", what, uint64(ptr), ErrInvalidValue)
	}
	done, err := p.dev.rt.holdDrivers(what)
	if err != nil {
		return data, err
	}
	defer done()
	h, err := halExportMemory(p.dev.hal, a.base)
	if err != nil {
		return data, fmt.Errorf("streaming: %s %#x: %w", what, uint64(ptr), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.table.mem == nil {
		return data, fmt.Errorf("streaming: %s: memory pool destroyed: %w", what, ErrInvalidHandle)
	}
	i, ok := s.slots[a.base]
	if !ok {
		if s.next >= poolSlots {
			return data, fmt.Errorf("streaming: %s: the pool has exported %d allocations, the most its table holds: %w", what, poolSlots, ErrOutOfMemory)
		}
		i = s.next
		s.next++
		s.slots[a.base] = i
	}
	slot := s.table.slot(i)
	g := atomic.LoadUint64(gen(slot))
	if IPCMemHandle(slot[64:]) != IPCMemHandle(h) || g == 0 {
		// A new handle for the slot: readers check the generation after
		// copying it, so they never use half of one.
		atomic.StoreUint64(gen(slot), 0)
		copy(slot[64:], h[:])
		g++
		atomic.StoreUint64(gen(slot), g)
	}
	copy(data[:8], poolPtrMagic[:])
	binary.LittleEndian.PutUint64(data[8:], s.table.token)
	binary.LittleEndian.PutUint32(data[16:], i)
	binary.LittleEndian.PutUint64(data[24:], g)
	binary.LittleEndian.PutUint64(data[32:], uint64(ptr)-a.base)
	return data, nil
}

// ImportPointer opens an allocation of the pool p imported
// (cuMemPoolImportPointer) in c and returns its address here. Free it
// with Free or Stream.FreeAsync (which waits for the stream) before the
// exporter frees it. Data of another pool, or forged, is ErrInvalidValue;
// an allocation the exporter has since exported anew or freed is
// ErrInvalidHandle.
func (c *Context) ImportPointer(p *MemPool, data MemPoolPtrExportData) (DevicePtr, error) {
	const what = "memory pool import pointer"
	if p == nil || p.ipcIn == nil {
		return 0, fmt.Errorf("streaming: %s: the pool was not imported from another process: %w", what, ErrInvalidValue)
	}
	t := p.ipcIn.table
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed || t.mem == nil {
		return 0, fmt.Errorf("streaming: %s: memory pool destroyed: %w", what, ErrInvalidHandle)
	}
	if [8]byte(data[:8]) != poolPtrMagic || binary.LittleEndian.Uint64(data[8:]) != t.token {
		return 0, fmt.Errorf("streaming: %s: the data is not an export of this pool: %w", what, ErrInvalidValue)
	}
	i := binary.LittleEndian.Uint32(data[16:])
	g := binary.LittleEndian.Uint64(data[24:])
	off := binary.LittleEndian.Uint64(data[32:])
	if i >= poolSlots || g == 0 {
		return 0, fmt.Errorf("streaming: %s: slot %d, generation %d: forged: %w", what, i, g, ErrInvalidValue)
	}
	slot := t.slot(i)
	var h IPCMemHandle
	copy(h[:], slot[64:])
	if atomic.LoadUint64(gen(slot)) != g {
		return 0, fmt.Errorf("streaming: %s: the exporter has since replaced the allocation (generation %d, now %d): %w", what, g, atomic.LoadUint64(gen(slot)), ErrInvalidHandle)
	}
	a, err := c.ipcOpenMem(what, h, func(o *ipcOpened) { o.pool = p })
	if err != nil {
		return 0, err
	}
	if off >= a.size {
		c.ipcRelease(what, a, uint64(a.base))
		return 0, fmt.Errorf("streaming: %s: offset %d outside the %d-byte allocation: %w", what, off, a.size, ErrInvalidValue)
	}
	return DevicePtr(a.base + off), nil
}

// freeImportedAsync is FreeAsync of memory ImportPointer opened: it waits
// for s, then closes it.
func (s *Stream) freeImportedAsync(a *allocation, ptr DevicePtr) error {
	if err := s.Synchronize(context.Background()); err != nil {
		return err
	}
	return a.ctx.ipcRelease("free async", a, uint64(ptr))
}
