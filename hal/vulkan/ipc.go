//go:build cgo

package vulkan

/*
#include "shim.h"
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/shm"
)

// Interprocess sharing (hal.IPCDevice).
//
// Memory. Where the device has VK_KHR_external_memory_fd and can export
// and import opaque fds of our storage buffers with device addresses,
// every device allocation is made exportable (VkExportMemoryAllocateInfo
// next to VkMemoryAllocateFlagsInfo(DEVICE_ADDRESS), on a buffer created
// with VkExternalMemoryBufferCreateInfo): exporting later cannot move the
// memory, since its buffer device address is the pointer kernels hold.
// ExportMemory takes an opaque fd of the memory (vkGetMemoryFdKHR). The
// importer creates a buffer the same way and allocates with
// VkImportMemoryFdInfoKHR, the exporter's memory type and allocation size
// (an opaque fd import must repeat them, and the handle names them with a
// hash of the device and driver UUIDs that must match), and binds it at a
// fresh device address.
//
// Passing the fd. A handle is 64 bytes sent over any channel, so it
// cannot carry a descriptor. As hal/cpu does, the handle names the
// exporting process and a random token. hal/cpu reopens its memfd
// through /proc/<pid>/fd, but opening that path opens the file anew,
// which for a driver's opaque fd (a device node or an anonymous inode,
// not a memfd) is not the same memory object; pidfd_getfd would duplicate
// the descriptor itself but needs ptrace rights, which Yama denies to a
// child over its parent on many systems. So each exporting process
// serves its exported descriptors on an abstract Unix socket named by its
// pid and a random nonce: the importer connects, sends the token, and
// receives the descriptor (SCM_RIGHTS) when a process of the same user
// asks for a token still exported. A freed allocation or closed event is
// no longer served, and an exited exporter serves nothing: such handles
// are stale (hal.ErrInvalidHandle). Memory already imported stays valid
// when the exporter exits (the importer's VkDeviceMemory holds it).
//
// Events. An interprocess event keeps its state in a page of a memfd
// shared by the processes that opened it, as hal/cpu's do
// (hal/internal/shm): how many
// records were made (in any process) and the highest one reached. Record
// takes the next number and enqueues a host call that marks it reached
// once the queue's earlier work is done; Wait on a queue enqueues a host
// call that polls until the number of records at the time of the call is
// reached, and later work waits for that call. Exported timeline
// semaphores (VK_KHR_external_semaphore_fd) would let the GPU wait
// without a host thread, but lavapipe lacks them, and records from two
// processes signal one timeline out of order, which Vulkan forbids; the
// shared page works on every device and needs no extension.

var _ hal.IPCDevice = (*device)(nil)

// Handle fields after hal.IPCHeaderSize.
const (
	hPID       = 8  // uint32: the exporting process
	hNonce     = 16 // uint64: its server's nonce
	hToken     = 24 // uint64: the exported descriptor's token
	hAllocSize = 32 // uint64: memory: the exporter's VkDeviceMemory size
	hSize      = 40 // uint64: memory: the allocation's size
	hType      = 48 // uint32: memory: the memory type index
	hFlags     = 52 // uint32: memory: flagDedicated
	hDevice    = 56 // uint64: memory: hash of the device and driver UUIDs
)

const flagDedicated = 1

// ipcSupport says whether device memory of pinfo's device can be shared
// as opaque fds, whether it needs dedicated allocations, and otherwise
// what is missing.
func ipcSupport(pinfo *C.shal_pdinfo) (ok, dedicated bool, missing string) {
	if pinfo.hasExternalMemoryFd == 0 {
		return false, false, "VK_KHR_external_memory_fd"
	}
	const need = C.VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT | C.VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT
	f := pinfo.opaqueFdFeatures
	if f&need != need {
		return false, false, fmt.Sprintf("export and import of storage buffers with device addresses as opaque fds (VK_KHR_external_memory_fd lists features %#x)", uint32(f))
	}
	return true, f&C.VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT != 0, ""
}

// deviceHash identifies the device and driver: opaque fds import only
// into the same device with the same driver.
func (d *device) deviceHash() uint64 {
	h := fnv.New64a()
	h.Write(C.GoBytes(unsafe.Pointer(&d.pinfo.props11.deviceUUID[0]), C.VK_UUID_SIZE))
	h.Write(C.GoBytes(unsafe.Pointer(&d.pinfo.props11.driverUUID[0]), C.VK_UUID_SIZE))
	return h.Sum64()
}

func (d *device) ipcUnsupported(what string) error {
	return fmt.Errorf("hal/vulkan: %s: device %d (%s) lacks %s: %w", what, d.ordinal, d.info.Name, d.ipcMissing, hal.ErrNotSupported)
}

// exportEntry is an exported allocation's descriptor, served to importers.
type exportEntry struct {
	served
	fd int
}

// ExportMemory returns the handle of the device allocation at base.
func (d *device) ExportMemory(base uint64) ([hal.IPCHandleSize]byte, error) {
	var h [hal.IPCHandleSize]byte
	const what = "export memory"
	if d.isClosed() {
		return h, errClosedDevice
	}
	if !d.ipcMemory {
		return h, d.ipcUnsupported(what)
	}
	a, _, ok := d.allocs.find(base, 1)
	if !ok || a.base != base || a.kind != hal.MemoryDevice || a.imported {
		return h, fmt.Errorf("hal/vulkan: %s %#x: not device memory allocated on device %d: %w", what, base, d.ordinal, hal.ErrInvalidValue)
	}
	if !a.exportable {
		return h, fmt.Errorf("hal/vulkan: %s %#x: a module's globals cannot be shared with another process: %w", what, base, hal.ErrNotSupported)
	}
	d.ipcMu.Lock()
	defer d.ipcMu.Unlock()
	// Free removes an allocation from the table before it unexports it
	// (under ipcMu): still in the table here means not freed yet, and a
	// Free that follows withdraws what we export now. Likewise Close sets
	// closed before it unexports everything.
	if d.isClosed() {
		return h, errClosedDevice
	}
	if again, _, ok := d.allocs.find(base, 1); !ok || again != a {
		return h, fmt.Errorf("hal/vulkan: %s %#x: freed meanwhile: %w", what, base, hal.ErrInvalidValue)
	}
	if a.export == nil {
		var fd C.int
		if err := check(C.shal_export_fd(d.c, a.memory, &fd), "%s %#x: vkGetMemoryFdKHR", what, base); err != nil {
			return h, err
		}
		sv, err := serve(int(fd), hal.IPCMemory)
		if err != nil {
			syscall.Close(int(fd))
			return h, fmt.Errorf("hal/vulkan: %s %#x: %w", what, base, err)
		}
		a.export = &exportEntry{served: sv, fd: int(fd)}
	}
	putHandle(&h, hal.IPCMemory, a.export.served)
	binary.LittleEndian.PutUint64(h[hAllocSize:], a.allocBytes)
	binary.LittleEndian.PutUint64(h[hSize:], a.size)
	binary.LittleEndian.PutUint32(h[hType:], a.memoryType)
	if d.ipcDedicated {
		binary.LittleEndian.PutUint32(h[hFlags:], flagDedicated)
	}
	binary.LittleEndian.PutUint64(h[hDevice:], d.deviceHash())
	return h, nil
}

// unexport stops serving a's descriptor (a is being freed).
func (d *device) unexport(a *allocation) {
	d.ipcMu.Lock()
	defer d.ipcMu.Unlock()
	if a.export != nil {
		withdraw(a.export.served)
		syscall.Close(a.export.fd)
		a.export = nil
	}
}

// ImportMemory opens memory another process exported.
func (d *device) ImportMemory(h [hal.IPCHandleSize]byte) (hal.Allocation, error) {
	const what = "open memory handle"
	if d.isClosed() {
		return hal.Allocation{}, errClosedDevice
	}
	if !d.ipcMemory {
		return hal.Allocation{}, d.ipcUnsupported(what)
	}
	if err := checkPeerHandle(h, hal.IPCMemory, what); err != nil {
		return hal.Allocation{}, err
	}
	allocSize := binary.LittleEndian.Uint64(h[hAllocSize:])
	size := binary.LittleEndian.Uint64(h[hSize:])
	mtype := binary.LittleEndian.Uint32(h[hType:])
	flags := binary.LittleEndian.Uint32(h[hFlags:])
	if size == 0 || allocSize < size || mtype >= uint32(d.pinfo.mem.memoryTypeCount) || flags&^flagDedicated != 0 {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: %s: handle says %d bytes in %d of memory type %d, flags %#x: forged: %w", what, size, allocSize, mtype, flags, hal.ErrInvalidValue)
	}
	if binary.LittleEndian.Uint64(h[hDevice:]) != d.deviceHash() || (flags&flagDedicated != 0) != d.ipcDedicated {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: %s: the memory was exported from another device or driver than device %d (%s): %w", what, d.ordinal, d.info.Name, hal.ErrInvalidValue)
	}
	fd, err := fetchFD(h, hal.IPCMemory, what)
	if err != nil {
		return hal.Allocation{}, err
	}
	defer syscall.Close(fd)
	a, err := d.allocateOpts(hal.MemoryDevice, size, []uint32{mtype}, allocOpts{importFd: fd, importSize: allocSize})
	if err != nil {
		return hal.Allocation{}, fmt.Errorf("hal/vulkan: %s: %w", what, err)
	}
	if d.isClosed() {
		d.freeAllocation(a)
		return hal.Allocation{}, errClosedDevice
	}
	d.allocs.insert(a)
	return hal.Allocation{Device: a.base, Size: size}, nil
}

// CloseMemory releases memory ImportMemory opened, once the work enqueued
// so far (which may use it) is done.
func (d *device) CloseMemory(addr uint64) error {
	if d.isClosed() {
		return errClosedDevice
	}
	a, ok := d.allocs.removeImported(addr)
	if !ok {
		return fmt.Errorf("hal/vulkan: close memory handle %#x: not memory opened from another process on device %d: %w", addr, d.ordinal, hal.ErrInvalidValue)
	}
	d.deferFree(func() { d.freeAllocation(a) })
	d.collectGarbage()
	return nil
}

// checkPeerHandle checks h's header and that another process exported it.
func checkPeerHandle(h [hal.IPCHandleSize]byte, kind hal.IPCKind, what string) error {
	if err := hal.CheckIPCHeader(h, "vulkan", kind); err != nil {
		return err
	}
	pid := binary.LittleEndian.Uint32(h[hPID:])
	if int(pid) == os.Getpid() {
		return fmt.Errorf("hal/vulkan: %s: the handle was exported by this process; open it in another one: %w", what, hal.ErrInvalidContext)
	}
	if pid == 0 || pid > 1<<22 || binary.LittleEndian.Uint32(h[hPID+4:]) != 0 {
		return fmt.Errorf("hal/vulkan: %s: handle names process %d: forged: %w", what, pid, hal.ErrInvalidValue)
	}
	return nil
}

// fdServer serves this process's exported descriptors (see the comment at
// the top of the file). It runs while something is exported: the first
// export starts it with a fresh nonce, the last withdrawal stops it (a
// handle naming an old nonce is stale either way).
type fdServer struct {
	nonce uint64
	l     *net.UnixListener
	fds   map[uint64]servedFD // by token
}

type servedFD struct {
	fd   int
	kind hal.IPCKind
}

var (
	serverMu sync.Mutex
	server   *fdServer // nil when nothing is exported
)

func socketName(pid uint32, nonce uint64) string {
	return fmt.Sprintf("@streamhal-vulkan-ipc-%d-%016x", pid, nonce)
}

// served is what a handle names: the server's nonce and the token.
type served struct{ nonce, token uint64 }

// serve starts serving fd (the caller keeps it open until withdraw),
// starting the server if needed.
func serve(fd int, kind hal.IPCKind) (served, error) {
	serverMu.Lock()
	defer serverMu.Unlock()
	if server == nil {
		s := &fdServer{nonce: rand.Uint64() | 1, fds: map[uint64]servedFD{}}
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: socketName(uint32(os.Getpid()), s.nonce), Net: "unix"})
		if err != nil {
			return served{}, fmt.Errorf("serving exported descriptors on a Unix socket: %v: %w", err, hal.ErrNotSupported)
		}
		s.l = l
		go s.run(l)
		server = s
	}
	for {
		t := rand.Uint64()
		if _, dup := server.fds[t]; t != 0 && !dup {
			server.fds[t] = servedFD{fd: fd, kind: kind}
			return served{server.nonce, t}, nil
		}
	}
}

// withdraw stops serving a token: its handle is stale from now on.
func withdraw(sv served) {
	serverMu.Lock()
	defer serverMu.Unlock()
	if server == nil || server.nonce != sv.nonce {
		return
	}
	delete(server.fds, sv.token)
	if len(server.fds) == 0 {
		server.l.Close()
		server = nil
	}
}

// lookup returns a duplicate of the descriptor of token for kind, served
// by the server of nonce.
func lookup(nonce, token uint64, kind hal.IPCKind) (int, bool) {
	serverMu.Lock()
	defer serverMu.Unlock()
	if server == nil || server.nonce != nonce {
		return -1, false
	}
	e, ok := server.fds[token]
	if !ok || e.kind != kind {
		return -1, false
	}
	fd, err := syscall.Dup(e.fd)
	if err != nil {
		return -1, false
	}
	syscall.CloseOnExec(fd)
	return fd, true
}

func putHandle(h *[hal.IPCHandleSize]byte, kind hal.IPCKind, sv served) {
	hal.PutIPCHeader(h, "vulkan", kind)
	binary.LittleEndian.PutUint32(h[hPID:], uint32(os.Getpid()))
	binary.LittleEndian.PutUint64(h[hNonce:], sv.nonce)
	binary.LittleEndian.PutUint64(h[hToken:], sv.token)
}

func (s *fdServer) run(l *net.UnixListener) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // e.g. out of descriptors: try again
			continue
		}
		go s.answer(c)
	}
}

// Replies of the server.
const (
	replyOK      = 0
	replyUnknown = 1 // no such token (freed, closed, or forged)
	replyDenied  = 2 // another user asked
)

// answer reads one request (kind, token) and replies with the descriptor.
func (s *fdServer) answer(c *net.UnixConn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var req [9]byte
	if _, err := ioReadFull(c, req[:]); err != nil {
		return
	}
	if !sameUser(c) {
		c.Write([]byte{replyDenied})
		return
	}
	fd, ok := lookup(s.nonce, binary.LittleEndian.Uint64(req[1:]), hal.IPCKind(req[0]))
	if !ok {
		c.Write([]byte{replyUnknown})
		return
	}
	defer syscall.Close(fd)
	c.WriteMsgUnix([]byte{replyOK}, syscall.UnixRights(fd), nil)
}

func ioReadFull(c *net.UnixConn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sameUser reports whether the peer of c runs as our user (CUDA's IPC
// also shares only between processes that could attach to each other).
func sameUser(c *net.UnixConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *syscall.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return false
	}
	return int(cred.Uid) == os.Getuid()
}

// fetchFD asks the process that exported h for its descriptor.
func fetchFD(h [hal.IPCHandleSize]byte, kind hal.IPCKind, what string) (int, error) {
	pid := binary.LittleEndian.Uint32(h[hPID:])
	nonce := binary.LittleEndian.Uint64(h[hNonce:])
	token := binary.LittleEndian.Uint64(h[hToken:])
	stale := func(why string) error {
		return fmt.Errorf("hal/vulkan: %s: %s (the exporter freed or closed it, or exited): %w", what, why, hal.ErrInvalidHandle)
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: socketName(pid, nonce), Net: "unix"})
	if err != nil {
		return -1, stale(fmt.Sprintf("process %d serves no handles: %v", pid, err))
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var req [9]byte
	req[0] = byte(kind)
	binary.LittleEndian.PutUint64(req[1:], token)
	if _, err := c.Write(req[:]); err != nil {
		return -1, stale(fmt.Sprintf("asking process %d: %v", pid, err))
	}
	var reply [1]byte
	oob := make([]byte, syscall.CmsgSpace(4))
	n, oobn, _, _, err := c.ReadMsgUnix(reply[:], oob)
	if err != nil || n != 1 {
		return -1, stale(fmt.Sprintf("process %d did not answer: %v", pid, err))
	}
	var fds []int
	if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
		for _, m := range msgs {
			if got, err := syscall.ParseUnixRights(&m); err == nil {
				fds = append(fds, got...)
			}
		}
	}
	for _, fd := range fds {
		syscall.CloseOnExec(fd)
	}
	if reply[0] != replyOK || len(fds) != 1 {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		if reply[0] == replyDenied {
			return -1, fmt.Errorf("hal/vulkan: %s: process %d shares only with processes of its user: %w", what, pid, hal.ErrInvalidValue)
		}
		return -1, stale(fmt.Sprintf("process %d exports no %v with the handle's token", pid, kind))
	}
	return fds[0], nil
}

// sharedEvent is an interprocess event's shared page and, once exported,
// what serves its memfd.
type sharedEvent struct {
	*shm.Event
	served served // set by ExportEvent under the Event's lock; zero until then
}

func newSharedEvent() (*sharedEvent, error) {
	ev, err := shm.NewEvent("hal/vulkan", "streamhal-vulkan-ipc-event")
	if err != nil {
		return nil, err
	}
	return &sharedEvent{Event: ev}, nil
}

// close withdraws the exported descriptor and unmaps the page once no
// enqueued operation uses it.
func (s *sharedEvent) close() {
	s.Close(func() {
		if s.served.token != 0 {
			withdraw(s.served)
		}
	})
}

// ExportEvent returns the handle of an event created with
// hal.EventInterprocess.
func (d *device) ExportEvent(he hal.Event) ([hal.IPCHandleSize]byte, error) {
	var h [hal.IPCHandleSize]byte
	e, ok := he.(*event)
	if !ok || e.dev != d {
		return h, fmt.Errorf("hal/vulkan: export event: not an event of device %d: %w", d.ordinal, hal.ErrInvalidHandle)
	}
	s := e.shared
	if s == nil {
		return h, fmt.Errorf("hal/vulkan: export event: created without the interprocess flag: %w", hal.ErrInvalidValue)
	}
	err := s.Export(func(fd int) error {
		if s.served.token == 0 {
			sv, err := serve(fd, hal.IPCEvent)
			if err != nil {
				return fmt.Errorf("hal/vulkan: export event: %w", err)
			}
			s.served = sv
		}
		putHandle(&h, hal.IPCEvent, s.served)
		return nil
	})
	return h, err
}

// ImportEvent opens an event another process exported.
func (d *device) ImportEvent(h [hal.IPCHandleSize]byte) (hal.Event, error) {
	const what = "open event handle"
	if d.isClosed() {
		return nil, errClosedDevice
	}
	if err := checkPeerHandle(h, hal.IPCEvent, what); err != nil {
		return nil, err
	}
	for _, b := range h[hAllocSize:] {
		if b != 0 {
			return nil, fmt.Errorf("hal/vulkan: %s: forged: %w", what, hal.ErrInvalidValue)
		}
	}
	fd, err := fetchFD(h, hal.IPCEvent, what)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	ev, err := shm.OpenEvent("hal/vulkan", what, fd)
	if err != nil {
		return nil, err
	}
	e := &event{dev: d, flags: hal.EventDisableTiming | hal.EventInterprocess, shared: &sharedEvent{Event: ev}}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		e.shared.close()
		return nil, errClosedDevice
	}
	d.events[e] = struct{}{}
	return e, nil
}
