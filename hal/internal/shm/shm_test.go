package shm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
)

func TestMemfd(t *testing.T) {
	fd, err := Memfd("streamhal-shm-test", 12345)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Size != 12345 {
		t.Errorf("memfd has %d bytes (%v), want 12345", st.Size, err)
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if want := "/memfd:streamhal-shm-test (deleted)"; err != nil || link != want {
		t.Errorf("memfd is %q (%v), want %q", link, err, want)
	}
	flags, err := fcntl(fd, syscall.F_GETFD)
	if err != nil || flags&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor flags %#x (%v), want close-on-exec", flags, err)
	}
	// 2^63 bytes is a negative off_t to ftruncate.
	if fd, err := Memfd("streamhal-shm-test", 1<<63); err != syscall.EINVAL {
		t.Errorf("memfd of 2^63 bytes: descriptor %d, %v, want EINVAL", fd, err)
		if err == nil {
			syscall.Close(fd)
		}
	}
}

func fcntl(fd, cmd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// exported creates an event and opens it again from its descriptor, as
// another process would (a second mapping of the same memfd).
func exported(t *testing.T) (exp, imp *Event) {
	t.Helper()
	exp, err := NewEvent("hal/test", "streamhal-shm-test-event")
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(func(fd int) error {
		imp, err = OpenEvent("hal/test", "open event handle", fd)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return exp, imp
}

// TestEventShared records in one mapping and waits in the other.
func TestEventShared(t *testing.T) {
	exp, imp := exported(t)
	defer exp.Close(nil)
	defer imp.Close(nil)
	if got := imp.Target(); got != 0 {
		t.Fatalf("a new event's target is %d, want 0", got)
	}
	if !imp.Done(0) {
		t.Error("a wait for no record is not done")
	}
	s1 := exp.Record()
	s2 := imp.Record()
	if s1 != 1 || s2 != 2 || exp.Target() != 2 {
		t.Fatalf("records numbered %d, %d (target %d), want 1, 2 (target 2)", s1, s2, exp.Target())
	}
	if imp.Done(1) || exp.Done(1) {
		t.Fatal("record 1 done before it is reached")
	}
	// Records reached out of order: the later one covers the earlier.
	exp.Reach(2)
	exp.Reach(1)
	if !imp.Done(1) || !imp.Done(2) || imp.Done(3) {
		t.Errorf("after reaching 2 then 1: done(1, 2, 3) = %v, %v, %v, want true, true, false", imp.Done(1), imp.Done(2), imp.Done(3))
	}

	t3 := exp.Record()
	waited := make(chan error, 1)
	go func() { waited <- imp.Wait(context.Background(), t3) }()
	select {
	case err := <-waited:
		t.Fatalf("wait for record %d returned %v before it was reached", t3, err)
	case <-time.After(20 * time.Millisecond):
	}
	exp.Reach(t3)
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not see the record reached in the other mapping")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	err := imp.Wait(ctx, exp.Record())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "hal/test: interprocess event wait: ") {
		t.Errorf("wait past its deadline: %v, want hal/test's deadline exceeded", err)
	}
}

func TestEventExport(t *testing.T) {
	exp, imp := exported(t)
	defer imp.Close(nil)
	called := false
	err := imp.Export(func(int) error { called = true; return nil })
	if !errors.Is(err, hal.ErrInvalidValue) || called {
		t.Errorf("export of an opened event: %v (called %v), want ErrInvalidValue", err, called)
	}
	var fd int
	if err := exp.Export(func(f int) error { fd = f; return nil }); err != nil {
		t.Fatal(err)
	}
	withdrawn := 0
	withdraw := func() {
		withdrawn++
		// The descriptor is still open while the driver withdraws it.
		if _, err := fcntl(fd, syscall.F_GETFD); err != nil {
			t.Errorf("descriptor closed before withdraw: %v", err)
		}
	}
	exp.Close(withdraw)
	exp.Close(withdraw)
	if withdrawn != 1 {
		t.Errorf("withdraw ran %d times, want once", withdrawn)
	}
	if _, err := fcntl(fd, syscall.F_GETFD); !errors.Is(err, syscall.EBADF) {
		t.Errorf("exporter's descriptor after Close: %v, want EBADF", err)
	}
	if err := exp.Export(func(int) error { return nil }); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("export of a closed event: %v, want ErrInvalidHandle", err)
	}
	want := errors.New("serving failed")
	other, err := NewEvent("hal/test", "streamhal-shm-test-event")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(nil)
	if err := other.Export(func(int) error { return want }); err != want {
		t.Errorf("export whose callback fails: %v, want its error", err)
	}
}

// TestEventCloseHeld checks that Close unmaps the page only after the
// last operation that acquired it releases it.
func TestEventCloseHeld(t *testing.T) {
	exp, imp := exported(t)
	defer imp.Close(nil)
	if !exp.Acquire() {
		t.Fatal("acquire of an open event failed")
	}
	exp.Close(nil)
	if exp.Acquire() {
		t.Error("acquire after Close succeeded")
	}
	// Still mapped for the holder: record and reach work.
	exp.Reach(exp.Record())
	if !imp.Done(1) {
		t.Error("record made after Close by a holder not seen")
	}
	exp.Release()
	if exp.page != nil {
		t.Error("page still mapped after the last release")
	}
}

func TestOpenEventBadSize(t *testing.T) {
	fd, err := Memfd("streamhal-shm-test", 100)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	_, err = OpenEvent("hal/test", "open event handle", fd)
	if !errors.Is(err, hal.ErrInvalidValue) || !strings.Contains(err.Error(), "hal/test: open event handle: the shared event state has 100 bytes") {
		t.Errorf("open of a 100-byte memfd: %v, want ErrInvalidValue naming the size", err)
	}
	if _, err := OpenEvent("hal/test", "open event handle", -1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("open of descriptor -1: %v, want ErrInvalidValue", err)
	}
}
