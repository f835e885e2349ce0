package hip_test

import (
	"sync"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hip"
)

func TestStreams(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	if f, _ := hip.StreamGetFlags(s); f != hip.HipStreamDefault {
		t.Errorf("StreamGetFlags = %#x", f)
	}
	nb, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreateWithFlags", err)
	if f, _ := hip.StreamGetFlags(nb); f != hip.HipStreamNonBlocking {
		t.Errorf("StreamGetFlags(non-blocking) = %#x", f)
	}
	_, err = hip.StreamCreateWithFlags(2)
	wantCode(t, "StreamCreateWithFlags(2)", err, hip.HipErrorInvalidValue)

	least, greatest, err := hip.DeviceGetStreamPriorityRange()
	ok(t, "DeviceGetStreamPriorityRange", err)
	for _, prio := range []int{greatest - 5, greatest, least, least + 5} {
		ps, err := hip.StreamCreateWithPriority(hip.HipStreamDefault, prio)
		ok(t, "StreamCreateWithPriority", err)
		got, err := hip.StreamGetPriority(ps)
		ok(t, "StreamGetPriority", err)
		if want := min(max(prio, greatest), least); got != want {
			t.Errorf("priority %d became %d, want %d", prio, got, want)
		}
		ok(t, "StreamDestroy", hip.StreamDestroy(ps))
	}
	if p, err := hip.StreamGetPriority(nil); p != 0 || err != nil {
		t.Errorf("StreamGetPriority(NULL) = %d, %v", p, err)
	}
	_, err = hip.StreamGetFlags(nil)
	wantCode(t, "StreamGetFlags(NULL)", err, hip.HipErrorInvalidValue)
	if d, err := hip.StreamGetDevice(s); d != 0 || err != nil {
		t.Errorf("StreamGetDevice = %d, %v", d, err)
	}

	// Query: idle, then busy behind a blocked host function.
	ok(t, "StreamQuery idle", hip.StreamQuery(s))
	ok(t, "StreamQuery(NULL) idle", hip.StreamQuery(nil))
	block, release := blocker()
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s, block))
	hip.GetLastError()
	wantCode(t, "StreamQuery busy", hip.StreamQuery(s), hip.HipErrorNotReady)
	if err := hip.PeekAtLastError(); err != nil {
		t.Errorf("HipErrorNotReady was recorded as the last error: %v", err)
	}
	release()
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "StreamQuery after synchronize", hip.StreamQuery(s))

	// Host functions run in stream order, after the work before them.
	var mu sync.Mutex
	var order []int
	add := func(i int) func() {
		return func() { mu.Lock(); order = append(order, i); mu.Unlock() }
	}
	for i := range 5 {
		ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s, add(i)))
	}
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	if len(order) != 5 || order[0] != 0 || order[4] != 4 {
		t.Errorf("host functions ran as %v", order)
	}
	wantCode(t, "LaunchHostFunc(nil)", hip.LaunchHostFunc(s, nil), hip.HipErrorInvalidValue)

	// The NULL stream waits for the blocking stream, not for the
	// non-blocking one.
	blockB, releaseB := blocker()
	ok(t, "LaunchHostFunc blocking", hip.LaunchHostFunc(s, blockB))
	blockN, releaseN := blocker()
	ok(t, "LaunchHostFunc non-blocking", hip.LaunchHostFunc(nb, blockN))
	ran := make(chan struct{})
	ok(t, "LaunchHostFunc NULL", hip.LaunchHostFunc(nil, func() { close(ran) }))
	select {
	case <-ran:
		t.Fatal("the NULL stream ran ahead of a blocking stream's work")
	case <-time.After(20 * time.Millisecond):
	}
	releaseB()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the NULL stream did not run after the blocking stream's work")
	}
	releaseN()
	ok(t, "StreamSynchronize(NULL)", hip.StreamSynchronize(nil))
	ok(t, "StreamSynchronize(non-blocking)", hip.StreamSynchronize(nb))

	// Destroyed streams are invalid handles, never a crash.
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	wantCode(t, "StreamDestroy twice", hip.StreamDestroy(s), hip.HipErrorInvalidHandle)
	wantCode(t, "StreamQuery destroyed", hip.StreamQuery(s), hip.HipErrorInvalidHandle)
	wantCode(t, "StreamSynchronize destroyed", hip.StreamSynchronize(s), hip.HipErrorInvalidHandle)
	_, err = hip.StreamGetPriority(s)
	wantCode(t, "StreamGetPriority destroyed", err, hip.HipErrorInvalidHandle)
	_, err = hip.StreamGetFlags(s)
	wantCode(t, "StreamGetFlags destroyed", err, hip.HipErrorInvalidHandle)
	_, err = hip.StreamGetDevice(s)
	wantCode(t, "StreamGetDevice destroyed", err, hip.HipErrorInvalidHandle)
	wantCode(t, "LaunchHostFunc destroyed", hip.LaunchHostFunc(s, func() {}), hip.HipErrorInvalidHandle)
	wantCode(t, "MemsetAsync destroyed", hip.MemsetAsync(1, 0, 1, s), hip.HipErrorInvalidHandle)
	wantCode(t, "StreamDestroy(NULL)", hip.StreamDestroy(nil), hip.HipErrorInvalidHandle)
	ok(t, "StreamDestroy", hip.StreamDestroy(nb))
	hip.GetLastError()
}

func TestEvents(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	s1, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreate", err)
	s2, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreate", err)
	start, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	stop, err := hip.EventCreateWithFlags(hip.HipEventBlockingSync)
	ok(t, "EventCreateWithFlags", err)

	// A never-recorded event is complete.
	ok(t, "EventQuery unrecorded", hip.EventQuery(start))
	ok(t, "EventSynchronize unrecorded", hip.EventSynchronize(start))
	_, err = hip.EventElapsedTime(start, stop)
	wantCode(t, "EventElapsedTime unrecorded", err, hip.HipErrorInvalidHandle)

	// Time a host function that sleeps.
	const nap = 30 * time.Millisecond
	ok(t, "EventRecord start", hip.EventRecord(start, s1))
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s1, func() { time.Sleep(nap) }))
	ok(t, "EventRecord stop", hip.EventRecord(stop, s1))
	ok(t, "EventSynchronize", hip.EventSynchronize(stop))
	ok(t, "EventQuery", hip.EventQuery(stop))
	ms, err := hip.EventElapsedTime(start, stop)
	ok(t, "EventElapsedTime", err)
	if ms < float32(nap.Milliseconds())*0.9 || ms > 10000 {
		t.Errorf("EventElapsedTime = %v ms around a %v sleep", ms, nap)
	}

	// Cross-stream ordering: s2 waits for the event recorded on s1.
	block, release := blocker()
	var mu sync.Mutex
	var order []string
	note := func(s string) func() { return func() { mu.Lock(); order = append(order, s); mu.Unlock() } }
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s1, block))
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s1, note("s1")))
	ok(t, "EventRecord", hip.EventRecord(stop, s1))
	hip.GetLastError()
	wantCode(t, "EventQuery pending", hip.EventQuery(stop), hip.HipErrorNotReady)
	if hip.PeekAtLastError() != nil {
		t.Error("HipErrorNotReady was recorded as the last error")
	}
	ok(t, "StreamWaitEvent", hip.StreamWaitEvent(s2, stop, 0))
	ok(t, "LaunchHostFunc", hip.LaunchHostFunc(s2, note("s2")))
	time.Sleep(10 * time.Millisecond)
	release()
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s2))
	mu.Lock()
	if len(order) != 2 || order[0] != "s1" || order[1] != "s2" {
		t.Errorf("order %v, want [s1 s2]", order)
	}
	mu.Unlock()
	wantCode(t, "StreamWaitEvent flags", hip.StreamWaitEvent(s2, stop, 4), hip.HipErrorInvalidValue)
	wantCode(t, "StreamWaitEvent(nil)", hip.StreamWaitEvent(s2, nil, 0), hip.HipErrorInvalidHandle)

	// Events on the NULL stream.
	ok(t, "EventRecord NULL", hip.EventRecord(start, nil))
	ok(t, "EventSynchronize", hip.EventSynchronize(start))

	// Timing disabled.
	nt, err := hip.EventCreateWithFlags(hip.HipEventDisableTiming)
	ok(t, "EventCreateWithFlags", err)
	ok(t, "EventRecord", hip.EventRecord(nt, s1))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s1))
	_, err = hip.EventElapsedTime(start, nt)
	wantCode(t, "EventElapsedTime without timing", err, hip.HipErrorInvalidHandle)
	_, err = hip.EventElapsedTime(nil, nt)
	wantCode(t, "EventElapsedTime(nil)", err, hip.HipErrorInvalidHandle)

	// Flags.
	for _, bad := range []uint32{0x8, hip.HipEventInterprocess, hip.HipEventReleaseToDevice | hip.HipEventReleaseToSystem} {
		_, err := hip.EventCreateWithFlags(bad)
		wantCode(t, "EventCreateWithFlags bad", err, hip.HipErrorInvalidValue)
	}
	rel, err := hip.EventCreateWithFlags(hip.HipEventReleaseToSystem | hip.HipEventDisableTiming)
	ok(t, "EventCreateWithFlags release", err)
	ok(t, "EventDestroy", hip.EventDestroy(rel))

	// Destroyed and nil events.
	ok(t, "EventDestroy", hip.EventDestroy(nt))
	wantCode(t, "EventDestroy twice", hip.EventDestroy(nt), hip.HipErrorContextIsDestroyed)
	wantCode(t, "EventRecord destroyed", hip.EventRecord(nt, s1), hip.HipErrorInvalidHandle)
	wantCode(t, "EventQuery destroyed", hip.EventQuery(nt), hip.HipErrorInvalidHandle)
	wantCode(t, "EventSynchronize destroyed", hip.EventSynchronize(nt), hip.HipErrorInvalidHandle)
	wantCode(t, "StreamWaitEvent destroyed", hip.StreamWaitEvent(s1, nt, 0), hip.HipErrorInvalidHandle)
	wantCode(t, "EventRecord(nil)", hip.EventRecord(nil, s1), hip.HipErrorInvalidHandle)
	wantCode(t, "EventQuery(nil)", hip.EventQuery(nil), hip.HipErrorInvalidHandle)
	wantCode(t, "EventSynchronize(nil)", hip.EventSynchronize(nil), hip.HipErrorInvalidHandle)
	wantCode(t, "EventDestroy(nil)", hip.EventDestroy(nil), hip.HipErrorInvalidHandle)

	for _, e := range []hip.Event{start, stop} {
		ok(t, "EventDestroy", hip.EventDestroy(e))
	}
	for _, s := range []hip.Stream{s1, s2} {
		ok(t, "StreamDestroy", hip.StreamDestroy(s))
	}
	hip.GetLastError()
}

func TestEventsAcrossDevices(t *testing.T) {
	rt := setup(t, 2)
	if rt.DeviceCount() < 2 {
		t.Skip("needs two devices")
	}
	e, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	ok(t, "SetDevice(1)", hip.SetDevice(1))
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	// An event records only on its own device's streams...
	wantCode(t, "EventRecord on another device", hip.EventRecord(e, s), hip.HipErrorInvalidHandle)
	// ...but any stream may wait for it.
	ok(t, "SetDevice(0)", hip.SetDevice(0))
	ok(t, "EventRecord", hip.EventRecord(e, nil))
	ok(t, "StreamWaitEvent across devices", hip.StreamWaitEvent(s, e, 0))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	e1, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	ok(t, "SetDevice(1)", hip.SetDevice(1))
	e2, err := hip.EventCreate()
	ok(t, "EventCreate", err)
	ok(t, "EventRecord", hip.EventRecord(e1, nil))
	ok(t, "EventRecord", hip.EventRecord(e2, s))
	ok(t, "DeviceSynchronize", hip.DeviceSynchronize())
	_, err = hip.EventElapsedTime(e1, e2)
	wantCode(t, "EventElapsedTime across devices", err, hip.HipErrorInvalidHandle)
	hip.GetLastError()
}
