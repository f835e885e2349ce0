package shm

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// EventPageSize is the size of an interprocess event's shared memfd.
const EventPageSize = 4096

// Event is the state of an interprocess event, in a page shared with the
// other processes that opened it. Operations that use the page hold it
// with Acquire and Release, so that Close unmaps it only once the last of
// them is done.
type Event struct {
	driver string // "hal/cpu": the prefix of errors
	page   []byte // recorded uint64 at 0, reached uint64 at 8

	mu     sync.Mutex
	fd     int  // the exporter's memfd; -1 in an importer or once closed
	refs   int  // operations enqueued that still use page
	closed bool // by Close
}

// NewEvent creates the shared page of a new event in a memfd named name.
// Errors start with driver ("hal/cpu").
func NewEvent(driver, name string) (*Event, error) {
	fd, err := Memfd(name, EventPageSize)
	if err != nil {
		return nil, fmt.Errorf("%s: interprocess event: shared memory: %v: %w", driver, err, hal.ErrOutOfMemory)
	}
	p, err := mapPage(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("%s: interprocess event: mapping shared memory: %v: %w", driver, err, hal.ErrOutOfMemory)
	}
	return &Event{driver: driver, page: p, fd: fd}, nil
}

// OpenEvent maps the shared page of an event another process exported,
// from fd (which the caller still closes); what names the operation in
// errors ("open event handle").
func OpenEvent(driver, what string, fd int) (*Event, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Size != EventPageSize {
		return nil, fmt.Errorf("%s: %s: the shared event state has %d bytes, want %d: %w", driver, what, st.Size, EventPageSize, hal.ErrInvalidValue)
	}
	p, err := mapPage(fd)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: mapping: %v: %w", driver, what, err, hal.ErrOutOfMemory)
	}
	return &Event{driver: driver, page: p, fd: -1}, nil
}

func mapPage(fd int) ([]byte, error) {
	return syscall.Mmap(fd, 0, EventPageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

// Export calls export with the descriptor of the event's memfd, under the
// event's lock: Close waits for it, and export may keep the descriptor
// in use (serve it to other processes) until Close's withdraw runs. An
// event opened from another process has no descriptor to export.
func (e *Event) Export(export func(fd int) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return fmt.Errorf("%s: export event: event closed: %w", e.driver, hal.ErrInvalidHandle)
	}
	if e.fd < 0 {
		// An imported event is exported again by its first process's
		// handle: that descriptor is not ours to name.
		return fmt.Errorf("%s: export event: the event was opened from another process; export it there: %w", e.driver, hal.ErrInvalidValue)
	}
	return export(e.fd)
}

func (e *Event) recorded() *uint64 { return (*uint64)(unsafe.Pointer(&e.page[0])) }
func (e *Event) reached() *uint64  { return (*uint64)(unsafe.Pointer(&e.page[8])) }

// Record counts a new record and returns its number. The caller holds
// the page (Acquire) and must Reach the number, or waits for it never
// end.
func (e *Event) Record() uint64 { return atomic.AddUint64(e.recorded(), 1) }

// Reach marks record seq reached.
func (e *Event) Reach(seq uint64) {
	p := e.reached()
	for {
		cur := atomic.LoadUint64(p)
		if cur >= seq || atomic.CompareAndSwapUint64(p, cur, seq) {
			return
		}
	}
}

// Target is the record a wait issued now waits for.
func (e *Event) Target() uint64 { return atomic.LoadUint64(e.recorded()) }

// Done reports whether record t is reached.
func (e *Event) Done(t uint64) bool { return atomic.LoadUint64(e.reached()) >= t }

// Wait polls until record t is reached or ctx ends.
func (e *Event) Wait(ctx context.Context, t uint64) error {
	delay := time.Microsecond
	for !e.Done(t) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: interprocess event wait: %w", e.driver, ctx.Err())
		default:
		}
		time.Sleep(delay)
		delay = min(2*delay, time.Millisecond)
	}
	return nil
}

// Acquire keeps the page mapped for an operation until its Release;
// false once the event is closed.
func (e *Event) Acquire() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.refs++
	return true
}

// Release ends what Acquire began.
func (e *Event) Release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refs--
	e.freeLocked()
}

// Close closes the event: the first time, withdraw (if not nil) runs
// under the event's lock, then the exporter's descriptor is closed, so
// that a driver serving the descriptor stops before its number can name
// another file; the page is unmapped once no operation holds it.
func (e *Event) Close(withdraw func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	if withdraw != nil {
		withdraw()
	}
	if e.fd >= 0 {
		syscall.Close(e.fd)
		e.fd = -1
	}
	e.freeLocked()
}

func (e *Event) freeLocked() {
	if e.closed && e.refs == 0 && e.page != nil {
		syscall.Munmap(e.page)
		e.page = nil
	}
}
