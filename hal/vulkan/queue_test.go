package vulkan

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

func TestEventsAndTiming(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	start, err := d.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	end, _ := d.NewEvent(0)
	untimed, _ := d.NewEvent(hal.EventDisableTiming)
	defer closeAll(t, start, end, untimed)
	if !start.Done() {
		t.Errorf("an event never recorded must be done")
	}
	if _, err := d.ElapsedTime(start, end); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("elapsed time of unrecorded events: %v", err)
	}
	const n = 1 << 22
	a := alloc(t, d, hal.MemoryDevice, 4*n)
	k := kernelOf(t, x, "vector_add")
	cfg := launch1D(n, 256)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(n).bytes()
	if err := q.Record(start); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if err := q.Dispatch(k, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Record(end); err != nil {
		t.Fatal(err)
	}
	if err := q.Record(untimed); err != nil {
		t.Fatal(err)
	}
	if err := end.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !end.Done() || !start.Done() || !untimed.Done() {
		t.Errorf("events not done after waiting for the last")
	}
	ms, err := d.ElapsedTime(start, end)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("4 vector_add over %d floats: %.3f ms", n, ms)
	if ms <= 0 || ms > 60000 {
		t.Errorf("elapsed %v ms", ms)
	}
	if _, err := d.ElapsedTime(start, untimed); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("elapsed time with a timing-disabled event: %v", err)
	}
	// Wait with a context that is already cancelled on unfinished work.
	slow, _ := d.NewEvent(hal.EventDisableTiming)
	defer slow.Close()
	blocker := make(chan struct{})
	q.HostCall(func() { <-blocker })
	q.Record(slow)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := slow.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait with an expiring context: %v", err)
	}
	if slow.Done() || q.Idle() {
		t.Errorf("event done / queue idle while a host call blocks it")
	}
	if _, err := d.ElapsedTime(start, slow); err == nil {
		t.Errorf("elapsed time to an unreached event succeeded")
	}
	close(blocker)
	syncQ(t, q)
	if !slow.Done() || !q.Idle() {
		t.Errorf("not done after Synchronize")
	}
}

func TestHostCallOrder(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	const n = 4096
	buf := alloc(t, d, hal.MemoryHost, 4*n)
	host := unsafe.Slice((*float32)(buf.Host), n)
	ones := alloc(t, d, hal.MemoryDevice, 4*n)
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	putFloats(t, d, ones.Device, v)
	k := kernelOf(t, x, "vector_add")
	cfg := launch1D(n, 64)
	cfg.Args = (&args{}).ptr(buf.Device).ptr(ones.Device).ptr(buf.Device).u32(n).bytes()
	var order []int
	var mu sync.Mutex
	note := func(i int) { mu.Lock(); order = append(order, i); mu.Unlock() }
	for i := range host {
		host[i] = 0
	}
	// kernel (+1), host reads and doubles, kernel (+1), host checks.
	q.Dispatch(k, cfg)
	q.HostCall(func() {
		note(1)
		for i := range host {
			if host[i] != 1 {
				t.Errorf("host call 1 sees %v at %d, want 1", host[i], i)
				return
			}
			host[i] *= 2
		}
	})
	q.Dispatch(k, cfg)
	q.HostCall(func() {
		note(2)
		for i := range host {
			if host[i] != 3 {
				t.Errorf("host call 2 sees %v at %d, want 3", host[i], i)
				return
			}
		}
	})
	for i := 3; i < 50; i++ {
		i := i
		q.HostCall(func() { note(i) })
	}
	syncQ(t, q)
	if len(order) != 49 {
		t.Fatalf("%d host calls ran, want 49", len(order))
	}
	for i, v := range order {
		if v != i+1 {
			t.Fatalf("host calls ran in order %v", order)
		}
	}
}

func TestCrossQueueWait(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	q1, q2 := newQueue(t, d), newQueue(t, d)
	defer closeAll(t, q1, q2)
	const n = 1 << 16
	a := alloc(t, d, hal.MemoryDevice, 4*n)
	b := alloc(t, d, hal.MemoryDevice, 4*n)
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	putFloats(t, d, a.Device, ones)
	poison(t, d, b.Device, 4*n)
	e, _ := d.NewEvent(hal.EventDisableTiming)
	defer e.Close()
	gate := make(chan struct{})
	var ran atomic.Bool
	// q1: wait for the gate (a host call), then a = a + a (=2).
	q1.HostCall(func() { <-gate; ran.Store(true) })
	k := kernelOf(t, x, "vector_add")
	cfg := launch1D(n, 128)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(n).bytes()
	q1.Dispatch(k, cfg)
	q1.Record(e)
	// q2: wait for e, then b = a + a (=4).
	if err := q2.Wait(e); err != nil {
		t.Fatal(err)
	}
	cfg2 := launch1D(n, 128)
	cfg2.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(b.Device).u32(n).bytes()
	q2.Dispatch(k, cfg2)
	time.Sleep(20 * time.Millisecond)
	if q2.Idle() {
		t.Errorf("q2 idle while waiting for q1's gated work")
	}
	close(gate)
	syncQ(t, q2)
	if !ran.Load() {
		t.Errorf("q2 finished before q1's host call")
	}
	got := getFloats(t, d, b.Device, n)
	for i, v := range got {
		if v != 4 {
			t.Fatalf("b[%d] = %v, want 4", i, v)
		}
	}
	syncQ(t, q1)
}

func TestManyQueuesConcurrently(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	k := kernelOf(t, x, "vector_add")
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			q := newQueue(t, d)
			defer q.Close()
			const n = 1024
			a := alloc(t, d, hal.MemoryDevice, 4*n)
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(g)
			}
			putFloats(t, d, a.Device, v)
			cfg := launch1D(n, 64)
			cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(n).bytes()
			for i := 0; i < 10; i++ {
				if err := q.Dispatch(k, cfg); err != nil {
					t.Error(err)
					return
				}
			}
			syncQ(t, q)
			got := getFloats(t, d, a.Device, n)
			want := float32(g) * 1024
			for i := range got {
				if got[i] != want {
					t.Errorf("queue %d: a[%d] = %v, want %v", g, i, got[i], want)
					return
				}
			}
			if err := d.Free(hal.MemoryDevice, a.Device); err != nil {
				t.Error(err)
			}
		}(g)
	}
	wg.Wait()
	if err := d.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestFreeWhileQueued(t *testing.T) {
	// Free of memory that queued work still uses must not destroy the
	// buffer under the GPU: it is released when that work is done.
	d := openDevice(t)
	x := loadTestModule(t, d)
	q := newQueue(t, d)
	defer q.Close()
	k := kernelOf(t, x, "vector_add")
	gate := make(chan struct{})
	q.HostCall(func() { <-gate })
	const n = 1 << 16
	a := alloc(t, d, hal.MemoryDevice, 4*n)
	cfg := launch1D(n, 128)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(a.Device).u32(n).bytes()
	q.Dispatch(k, cfg)
	before := d.liveObjects()["buffer"]
	if err := d.Free(hal.MemoryDevice, a.Device); err != nil {
		t.Fatal(err)
	}
	if got := d.liveObjects()["buffer"]; got != before {
		t.Errorf("buffer destroyed while queued work uses it (%d -> %d)", before, got)
	}
	if err := q.Copy(a.Device, a.Device, 4); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("copy to freed memory: %v", err)
	}
	close(gate)
	syncQ(t, q)
	if got := d.liveObjects()["buffer"]; got != before-1 {
		t.Errorf("buffer not destroyed after the work finished (%d -> %d)", before, got)
	}
}

func TestClosedObjects(t *testing.T) {
	d := openDevice(t)
	q := newQueue(t, d)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("double close: %v", err)
	}
	if err := q.HostCall(func() {}); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("host call on a closed queue: %v", err)
	}
	if err := q.Synchronize(context.Background()); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("synchronize a closed queue: %v", err)
	}
	e, _ := d.NewEvent(0)
	e.Close()
	if err := e.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("double close of an event: %v", err)
	}
}

// TestSubmitWaitSkip checks when a submission leaves out the wait on the
// queue's previous timeline value (submitLocked): only where the host saw
// that value reached and the previous submission wrote no memory. Batches
// of timestamps alone (event round trips) skip it; a kernel that reads what
// the previous, synchronized kernel wrote still waits, and reads the right
// values.
func TestSubmitWaitSkip(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	hq := newQueue(t, d)
	defer hq.Close()
	q := hq.(*queue)
	skipped := func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.skipped
	}
	ev, err := d.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(t, ev)
	for range 5 {
		if err := q.Record(ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	s0 := skipped()
	if want := 4; !abOldSync && s0 != want {
		t.Errorf("event round trips: %d submissions skipped the wait, want %d", s0, want)
	}

	const n = 4096
	k := kernelOf(t, x, "vector_add")
	a := alloc(t, d, hal.MemoryDevice, 4*n)
	c := alloc(t, d, hal.MemoryDevice, 4*n)
	e := alloc(t, d, hal.MemoryDevice, 4*n)
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i) + 0.5
	}
	putFloats(t, d, a.Device, in)
	poison(t, d, c.Device, 4*n)
	poison(t, d, e.Device, 4*n)
	cfg := launch1D(n, 256)
	cfg.Args = (&args{}).ptr(a.Device).ptr(a.Device).ptr(c.Device).u32(n).bytes()
	if err := q.Dispatch(k, cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	s1 := skipped()
	// c = 2a, written by the last submission: the next one must wait.
	cfg.Args = (&args{}).ptr(c.Device).ptr(a.Device).ptr(e.Device).u32(n).bytes()
	if err := q.Dispatch(k, cfg); err != nil {
		t.Fatal(err)
	}
	syncQ(t, q)
	if got := skipped(); got != s1 {
		t.Errorf("a kernel after a synchronized kernel skipped the wait (%d skips, %d before)", got, s1)
	}
	got := getFloats(t, d, e.Device, n)
	for i, v := range got {
		if want := 3 * in[i]; v != want {
			t.Fatalf("e[%d] = %v, want %v", i, v, want)
		}
	}
	// After a batch that wrote, a timestamp batch waits; the one after it
	// (whose predecessor wrote nothing) need not.
	s2 := skipped()
	for range 2 {
		if err := q.Record(ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := skipped()-s2, 1; !abOldSync && got != want {
		t.Errorf("two event round trips after a kernel: %d skips, want %d", got, want)
	}
}
