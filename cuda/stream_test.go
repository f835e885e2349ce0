package cuda_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// recorder collects the order in which host functions ran.
type recorder struct {
	mu    sync.Mutex
	order []string
}

func (r *recorder) add(s string) func() {
	return func() {
		r.mu.Lock()
		r.order = append(r.order, s)
		r.mu.Unlock()
	}
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}

func TestStream(t *testing.T) {
	setup(t, streaming.Options{})
	ctx := primary(t)

	s := val[*cuda.Stream](t)(cuda.StreamCreate(cuda.CU_STREAM_NON_BLOCKING))
	if f := val[uint32](t)(cuda.StreamGetFlags(s)); f != cuda.CU_STREAM_NON_BLOCKING {
		t.Errorf("StreamGetFlags = %#x", f)
	}
	if c := val[*cuda.Context](t)(cuda.StreamGetCtx(s)); c != ctx {
		t.Errorf("StreamGetCtx = %p, want %p", c, ctx)
	}
	for _, special := range []*cuda.Stream{nil, cuda.CU_STREAM_LEGACY, cuda.CU_STREAM_PER_THREAD} {
		if f := val[uint32](t)(cuda.StreamGetFlags(special)); f != cuda.CU_STREAM_DEFAULT {
			t.Errorf("StreamGetFlags(%p) = %#x", special, f)
		}
		if p := val[int](t)(cuda.StreamGetPriority(special)); p != 0 {
			t.Errorf("StreamGetPriority(%p) = %d", special, p)
		}
		if c := val[*cuda.Context](t)(cuda.StreamGetCtx(special)); c != ctx {
			t.Errorf("StreamGetCtx(%p) = %p", special, c)
		}
		wantErr(t, "StreamDestroy of a special stream", cuda.StreamDestroy(special), cuda.CUDA_ERROR_INVALID_HANDLE)
	}
	least, greatest, err := cuda.CtxGetStreamPriorityRange()
	ok(t, err)
	sp := val[*cuda.Stream](t)(cuda.StreamCreateWithPriority(0, greatest-10))
	if p := val[int](t)(cuda.StreamGetPriority(sp)); p != greatest {
		t.Errorf("priority %d clamped to %d, want %d (range %d..%d)", greatest-10, p, greatest, least, greatest)
	}
	_, err = cuda.StreamCreate(2)
	wantErr(t, "StreamCreate(flags 2)", err, cuda.CUDA_ERROR_INVALID_VALUE)

	// Query and synchronize around a gated stream.
	open := gate(t, s)
	wantErr(t, "StreamQuery of a busy stream", cuda.StreamQuery(s), cuda.CUDA_ERROR_NOT_READY)
	open()
	ok(t, cuda.StreamSynchronize(s))
	ok(t, cuda.StreamQuery(s))

	// StreamWaitEvent orders work across streams.
	var r recorder
	s2 := stream(t, cuda.CU_STREAM_NON_BLOCKING)
	e := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_DISABLE_TIMING))
	open = gate(t, s)
	ok(t, cuda.LaunchHostFunc(s, r.add("s: before the event")))
	ok(t, cuda.EventRecord(e, s))
	ok(t, cuda.StreamWaitEvent(s2, e, 0))
	ok(t, cuda.LaunchHostFunc(s2, r.add("s2: after waiting")))
	time.Sleep(20 * time.Millisecond)
	if got := r.get(); len(got) != 0 {
		t.Errorf("s2 ran before the event it waits for: %v", got)
	}
	open()
	ok(t, cuda.StreamSynchronize(s2))
	if got := r.get(); len(got) != 2 || got[0] != "s: before the event" {
		t.Errorf("order = %v", got)
	}
	wantErr(t, "StreamWaitEvent flags 2", cuda.StreamWaitEvent(s2, e, 2), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "StreamWaitEvent(nil event)", cuda.StreamWaitEvent(s2, nil, 0), cuda.CUDA_ERROR_INVALID_HANDLE)
	ok(t, cuda.EventDestroy(e))

	// The legacy NULL stream waits for blocking streams (and they for it),
	// not for non-blocking ones.
	r = recorder{}
	blocking := stream(t, cuda.CU_STREAM_DEFAULT)
	openB := gate(t, blocking)
	ok(t, cuda.LaunchHostFunc(blocking, r.add("blocking")))
	openN := gate(t, s2)
	ok(t, cuda.LaunchHostFunc(s2, r.add("non-blocking")))
	ok(t, cuda.LaunchHostFunc(nil, r.add("NULL")))
	ok(t, cuda.LaunchHostFunc(blocking, r.add("blocking after NULL")))
	time.Sleep(20 * time.Millisecond)
	if got := r.get(); len(got) != 0 {
		t.Errorf("ran before the gates opened: %v", got)
	}
	openB()
	ok(t, cuda.StreamSynchronize(cuda.CU_STREAM_LEGACY))
	// "blocking after NULL" may have run by now; "non-blocking" may not.
	if got := r.get(); len(got) < 2 || got[0] != "blocking" || got[1] != "NULL" || len(got) > 3 {
		t.Errorf("legacy stream order = %v, want [blocking NULL] and maybe [blocking after NULL]", got)
	}
	ok(t, cuda.StreamSynchronize(blocking))
	openN()
	ok(t, cuda.StreamSynchronize(s2))
	if got := r.get(); len(got) != 4 || got[2] != "blocking after NULL" || got[3] != "non-blocking" {
		t.Errorf("final order = %v", got)
	}

	// CU_STREAM_PER_THREAD is a blocking stream: the NULL stream orders
	// with it too.
	r = recorder{}
	openP := gate(t, cuda.CU_STREAM_PER_THREAD)
	ok(t, cuda.LaunchHostFunc(cuda.CU_STREAM_PER_THREAD, r.add("per-thread")))
	ok(t, cuda.LaunchHostFunc(nil, r.add("NULL")))
	openP()
	ok(t, cuda.CtxSynchronize())
	if got := r.get(); len(got) != 2 || got[0] != "per-thread" {
		t.Errorf("per-thread then NULL ran as %v", got)
	}
	d := alloc(t, 256)
	ok(t, cuda.MemsetD32Async(d, 0x01020304, 64, cuda.CU_STREAM_PER_THREAD))
	got := make([]uint32, 64)
	ok(t, cuda.MemcpyDtoHAsync(unsafe.Pointer(&got[0]), d, 256, cuda.CU_STREAM_PER_THREAD))
	ok(t, cuda.StreamSynchronize(cuda.CU_STREAM_PER_THREAD))
	for i, v := range got {
		if v != 0x01020304 {
			t.Fatalf("per-thread stream memset word %d = %#x", i, v)
		}
	}

	// A host function's panic comes back from StreamSynchronize.
	ok(t, cuda.LaunchHostFunc(s2, func() { panic("boom") }))
	if err := cuda.StreamSynchronize(s2); err == nil {
		t.Error("StreamSynchronize after a panicking host function: nil")
	}
	wantErr(t, "LaunchHostFunc(nil fn)", cuda.LaunchHostFunc(s2, nil), cuda.CUDA_ERROR_INVALID_VALUE)

	// Explicit-context streams and the context's NULL stream handle.
	ds := val[*cuda.Stream](t)(ctx.DefaultStream())
	if again := val[*cuda.Stream](t)(ctx.DefaultStream()); again != ds {
		t.Error("DefaultStream returned two handles")
	}
	ok(t, cuda.MemsetD8Async(d, 9, 256, ds))
	ok(t, cuda.StreamSynchronize(ds))
	wantErr(t, "StreamDestroy(DefaultStream)", cuda.StreamDestroy(ds), cuda.CUDA_ERROR_INVALID_HANDLE)
	ok(t, cuda.StreamSynchronize(ds)) // still usable
	s3 := val[*cuda.Stream](t)(ctx.StreamCreate(0))

	ok(t, cuda.StreamCopyAttributes(s3, s))
	// Destroy: further use is CUDA_ERROR_INVALID_HANDLE.
	ok(t, cuda.StreamDestroy(s))
	ok(t, cuda.StreamDestroy(sp))
	ok(t, cuda.StreamDestroy(s3))
	wantErr(t, "StreamDestroy twice", cuda.StreamDestroy(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "StreamSynchronize(destroyed)", cuda.StreamSynchronize(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "StreamQuery(destroyed)", cuda.StreamQuery(s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "MemsetD8Async(destroyed)", cuda.MemsetD8Async(d, 0, 1, s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "StreamCopyAttributes(destroyed)", cuda.StreamCopyAttributes(s2, s), cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.StreamGetFlags(s)
	wantErr(t, "StreamGetFlags(destroyed)", err, cuda.CUDA_ERROR_INVALID_HANDLE)

	// The NULL stream needs a current context.
	ok(t, cuda.CtxSetCurrent(nil))
	wantErr(t, "StreamSynchronize(nil) without a context", cuda.StreamSynchronize(nil), cuda.CUDA_ERROR_INVALID_CONTEXT)
	wantErr(t, "per-thread stream without a context", cuda.StreamSynchronize(cuda.CU_STREAM_PER_THREAD), cuda.CUDA_ERROR_INVALID_CONTEXT)
	ok(t, cuda.StreamSynchronize(s2)) // explicit handles do not
	ok(t, cuda.CtxSetCurrent(ctx))
}

func TestEvent(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)

	e := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_DEFAULT))
	ok(t, cuda.EventQuery(e)) // never recorded: complete
	open := gate(t, s)
	ok(t, cuda.EventRecord(e, s))
	wantErr(t, "EventQuery before the gate opens", cuda.EventQuery(e), cuda.CUDA_ERROR_NOT_READY)
	open()
	ok(t, cuda.EventSynchronize(e))
	ok(t, cuda.EventQuery(e))

	// Elapsed time brackets a host function that sleeps 30 ms.
	start := val[*cuda.Event](t)(cuda.EventCreate(0))
	end := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_BLOCKING_SYNC))
	_, err := cuda.EventElapsedTime(start, end)
	wantErr(t, "EventElapsedTime before any record", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	ok(t, cuda.EventRecord(start, s))
	ok(t, cuda.LaunchHostFunc(s, func() { time.Sleep(30 * time.Millisecond) }))
	ok(t, cuda.EventRecordWithFlags(end, s, cuda.CU_EVENT_RECORD_DEFAULT))
	if _, err := cuda.EventElapsedTime(start, end); err != nil && err != cuda.CUDA_ERROR_NOT_READY {
		t.Errorf("EventElapsedTime while running: %v", err)
	}
	ok(t, cuda.EventSynchronize(end))
	ms := val[float32](t)(cuda.EventElapsedTime(start, end))
	if ms < 25 || ms > 5000 {
		t.Errorf("EventElapsedTime = %v ms, want about 30", ms)
	}
	wantErr(t, "EventRecordWithFlags(flags 4)", cuda.EventRecordWithFlags(end, s, 4), cuda.CUDA_ERROR_INVALID_VALUE)

	// Timing disabled.
	nt := val[*cuda.Event](t)(cuda.EventCreate(cuda.CU_EVENT_DISABLE_TIMING))
	ok(t, cuda.EventRecord(nt, s))
	ok(t, cuda.EventSynchronize(nt))
	_, err = cuda.EventElapsedTime(start, nt)
	wantErr(t, "EventElapsedTime with a timing-disabled event", err, cuda.CUDA_ERROR_INVALID_HANDLE)

	// The NULL stream.
	ok(t, cuda.EventRecord(nt, nil))
	ok(t, cuda.EventSynchronize(nt))

	// Flags and IPC.
	_, err = cuda.EventCreate(0x10)
	wantErr(t, "EventCreate(0x10)", err, cuda.CUDA_ERROR_INVALID_VALUE)
	_, err = cuda.EventCreate(cuda.CU_EVENT_INTERPROCESS)
	wantErr(t, "EventCreate(INTERPROCESS) with timing", err, cuda.CUDA_ERROR_INVALID_VALUE)

	// Destroyed and nil events.
	for _, x := range []*cuda.Event{e, start, end, nt} {
		ok(t, cuda.EventDestroy(x))
	}
	wantErr(t, "EventDestroy twice", cuda.EventDestroy(e), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventQuery(destroyed)", cuda.EventQuery(e), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventSynchronize(destroyed)", cuda.EventSynchronize(e), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventRecord(destroyed)", cuda.EventRecord(e, s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "StreamWaitEvent(destroyed)", cuda.StreamWaitEvent(s, e, 0), cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.EventElapsedTime(start, end)
	wantErr(t, "EventElapsedTime(destroyed)", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventQuery(nil)", cuda.EventQuery(nil), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventRecord(nil)", cuda.EventRecord(nil, s), cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "EventDestroy(nil)", cuda.EventDestroy(nil), cuda.CUDA_ERROR_INVALID_HANDLE)
	_, err = cuda.EventElapsedTime(nil, nil)
	wantErr(t, "EventElapsedTime(nil)", err, cuda.CUDA_ERROR_INVALID_HANDLE)
}

func TestErrors(t *testing.T) {
	if name, err := cuda.GetErrorName(cuda.CUDA_ERROR_NOT_READY); name != "CUDA_ERROR_NOT_READY" || err != nil {
		t.Errorf("GetErrorName = %q, %v", name, err)
	}
	if s, err := cuda.GetErrorString(cuda.CUDA_ERROR_INVALID_HANDLE); s != "invalid resource handle" || err != nil {
		t.Errorf("GetErrorString = %q, %v", s, err)
	}
	if _, err := cuda.GetErrorName(12345); err != cuda.CUDA_ERROR_INVALID_VALUE {
		t.Errorf("GetErrorName(12345) error = %v", err)
	}

	setup(t, streaming.Options{})
	primary(t)
	p := alloc(t, 64)
	err := cuda.MemFree(p + 8)
	// The four ways a caller tests an error.
	if err != cuda.CUDA_ERROR_INVALID_VALUE {
		t.Errorf("err == CUDA_ERROR_INVALID_VALUE: got %v", err)
	}
	if !errors.Is(err, cuda.CUDA_ERROR_INVALID_VALUE) || !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("errors.Is(%v, ...) = false", err)
	}
	var r cuda.Result
	if !errors.As(err, &r) || r != cuda.CUDA_ERROR_INVALID_VALUE || int(r) != 1 {
		t.Errorf("errors.As = %v", r)
	}
	if err.Error() != "CUDA_ERROR_INVALID_VALUE: invalid argument" {
		t.Errorf("Error() = %q", err.Error())
	}
	// The detail names the argument.
	d := cuda.LastErrorDetail()
	if d == nil || !errors.Is(d, hal.ErrInvalidValue) {
		t.Fatalf("LastErrorDetail = %v", d)
	}
	if want := "points inside the allocation"; !contains(d.Error(), want) {
		t.Errorf("LastErrorDetail %q does not say %q", d, want)
	}

	// IPC misuse within one process (two processes: ipc_test.go).
	_, err = cuda.IpcGetEventHandle(nil)
	wantErr(t, "IpcGetEventHandle(nil)", err, cuda.CUDA_ERROR_INVALID_HANDLE)
	wantErr(t, "IpcCloseMemHandle of memory not opened from a handle", cuda.IpcCloseMemHandle(p), cuda.CUDA_ERROR_INVALID_VALUE)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
