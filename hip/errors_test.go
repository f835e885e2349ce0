package hip_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hip"
)

func TestLastError(t *testing.T) {
	setup(t, 1)
	ok(t, "GetLastError on a fresh runtime", hip.GetLastError())

	err := hip.Free(0x1234)
	// The error is the bare code, comparable with ==.
	if err != hip.HipErrorInvalidValue {
		t.Fatalf("Free unknown = %#v, want HipErrorInvalidValue", err)
	}
	// The detail names the call, the code and what was wrong.
	detail := hip.LastErrorDetail()
	msg := detail.Error()
	for _, part := range []string{"hipFree", "hipErrorInvalidValue", "0x1234"} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q does not mention %q", msg, part)
		}
	}
	for _, e := range []error{err, detail} {
		var code hip.Error
		if !errors.As(e, &code) || code != hip.HipErrorInvalidValue {
			t.Errorf("errors.As(%v): %v", e, code)
		}
		if !errors.Is(e, hip.HipErrorInvalidValue) || !errors.Is(e, hal.ErrInvalidValue) {
			t.Errorf("errors.Is(%v) does not match the code and the hal sentinel", e)
		}
		if errors.Is(e, hip.HipErrorInvalidHandle) || errors.Is(e, hal.ErrNotFound) {
			t.Errorf("errors.Is(%v) matches an unrelated code", e)
		}
	}

	// Successful calls leave the last error alone; Peek keeps it, Get
	// clears it.
	p, err := hip.Malloc(16)
	ok(t, "Malloc", err)
	if last := hip.PeekAtLastError(); hip.ErrorOf(last) != hip.HipErrorInvalidValue {
		t.Fatalf("PeekAtLastError after a success = %v", last)
	}
	if last := hip.PeekAtLastError(); hip.ErrorOf(last) != hip.HipErrorInvalidValue {
		t.Fatalf("PeekAtLastError cleared the last error: %v", last)
	}
	if last := hip.GetLastError(); last != hip.HipErrorInvalidValue {
		t.Fatalf("GetLastError = %v, want the failure of hipFree", last)
	}
	if hip.LastErrorDetail().Error() != msg {
		t.Error("GetLastError cleared LastErrorDetail")
	}
	ok(t, "GetLastError after GetLastError", hip.GetLastError())
	ok(t, "PeekAtLastError after GetLastError", hip.PeekAtLastError())

	// HipErrorNotReady is not a last error, but it is the latest detail.
	block, release := blocker()
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(nil, block))
	if err := hip.StreamQuery(nil); err != hip.HipErrorNotReady {
		t.Errorf("StreamQuery on a blocked stream = %v", err)
	}
	release()
	ok(t, "StreamSynchronize", hip.StreamSynchronize(nil))
	if hip.PeekAtLastError() != nil || hip.ErrorOf(hip.LastErrorDetail()) != hip.HipErrorNotReady {
		t.Errorf("after NotReady: last error %v, detail %v", hip.PeekAtLastError(), hip.LastErrorDetail())
	}

	// The most recent failure wins.
	hip.Free(0x1234)
	_, err = hip.DeviceGet(99)
	wantCode(t, "DeviceGet(99)", err, hip.HipErrorInvalidDevice)
	wantCode(t, "GetLastError", hip.GetLastError(), hip.HipErrorInvalidDevice)
	ok(t, "Free", hip.Free(p))

	// GetErrorName and GetErrorString take the code.
	if hip.GetErrorName(hip.ErrorOf(err)) != "hipErrorInvalidDevice" ||
		hip.GetErrorString(hip.ErrorOf(err)) != "invalid device ordinal" {
		t.Error("GetErrorName / GetErrorString")
	}
	if hip.ErrorOf(nil) != hip.HipSuccess {
		t.Error("ErrorOf(nil)")
	}
}

func TestHALDeinit(t *testing.T) {
	rt := setup(t, 1)
	m := loadKernels(t)
	f := function(t, m, "empty")
	p, err := hip.Malloc(64)
	ok(t, "Malloc", err)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	e, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	c, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	hip.Free(0x10) // a last error to clear

	ok(t, "HALDeinit", hip.HALDeinit())
	ok(t, "the last error is cleared", hip.PeekAtLastError())
	ok(t, "the detail is cleared", hip.LastErrorDetail())
	// Every old handle is dead, and using it is an error, not a crash.
	wantCode(t, "old stream", hip.StreamQuery(s), hip.HipErrorInvalidHandle)
	wantCode(t, "old event", hip.EventQuery(e), hip.HipErrorInvalidHandle)
	wantCode(t, "old context", hip.CtxPushCurrent(c), hip.HipErrorInvalidContext)
	wantCode(t, "old function", hip.ModuleLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nil, nil, nil), hip.HipErrorInvalidHandle)
	wantCode(t, "old pointer", hip.Free(p), hip.HipErrorInvalidValue)
	if n := rt.LiveAllocations(); n != 0 {
		t.Errorf("%d allocations survive HALDeinit", n)
	}
	// The next call opens a fresh runtime.
	rt2, err := hip.Runtime()
	ok(t, "Runtime", err)
	if rt2 == rt {
		t.Fatal("the closed runtime came back")
	}
	q, err := hip.Malloc(64)
	ok(t, "Malloc on the fresh runtime", err)
	ok(t, "Free", hip.Free(q))
	ok(t, "HALDeinit twice", hip.HALDeinit())
	ok(t, "HALDeinit on a closed runtime", hip.HALDeinit())
	hip.GetLastError()
}

// TestConcurrentCalls drives the package from several goroutines at once
// (run with -race): the process-wide state must hold.
func TestConcurrentCalls(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const workers, rounds, n = 4, 20, 1000
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
			if err != nil {
				errs <- err
				return
			}
			defer hip.StreamDestroy(s)
			want := seq(n, func(i int) float32 { return float32(w*n + i) })
			for range rounds {
				p, err := hip.Malloc(4 * n)
				if err != nil {
					errs <- err
					return
				}
				got := poisoned(n)
				if err := hip.MemcpyHtoDAsync(p, want, 4*n, s); err != nil {
					errs <- err
					return
				}
				if err := hip.MemcpyDtoHAsync(got, p, 4*n, s); err != nil {
					errs <- err
					return
				}
				if err := hip.Free(p); err != nil {
					errs <- err
					return
				}
				for i := range got {
					if got[i] != want[i] {
						errs <- errors.New("data mismatch")
						return
					}
				}
				hip.GetLastError()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
