package cuda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// hostTimeout bounds every wait of these tests, so that a regression (a
// host function held behind another queue's) fails instead of hanging.
const hostTimeout = 20 * time.Second

// workerQueue returns a queue that runs its host calls on a worker,
// skipping when the driver lacks stream memory operations.
func workerQueue(t *testing.T, d hal.Device) *queue {
	t.Helper()
	if !d.(*device).hostCalls.memops {
		t.Skip("the driver has no stream memory operations: host calls use the blocking path")
	}
	q := newQueue(t, d).(*queue)
	if q.host == nil {
		t.Fatal("NewQueue: no host-call worker although the driver has stream memory operations")
	}
	return q
}

// waitFor waits for ch or fails the test after hostTimeout.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(hostTimeout):
		t.Fatalf("timed out after %v waiting for %s", hostTimeout, what)
	}
}

// TestHostCallsPerQueue holds queue A in a blocking host function and
// checks that queue B's host functions and later work still run (with
// CUDA's single host-function thread they would wait for A's).
func TestHostCallsPerQueue(t *testing.T) {
	d := testDevice(t)
	qa, qb := workerQueue(t, d), workerQueue(t, d)
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // before the queues' cleanup, also when the test fails

	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	entered := make(chan struct{})
	if err := qa.HostCall(func() { close(entered); <-release; note("a1") }); err != nil {
		t.Fatal(err)
	}
	if err := qa.HostCall(func() { note("a2") }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, entered, "queue A's host function to start")

	// B: a host function, then device work after it, then another one.
	buf := alloc(t, d, hal.MemoryDevice, 4096)
	bRan := make(chan struct{})
	if err := qb.HostCall(func() { note("b1"); close(bRan) }); err != nil {
		t.Fatal(err)
	}
	if err := qb.Fill(buf.Device, 4096, 0x5EED, 4); err != nil {
		t.Fatal(err)
	}
	b2 := make(chan struct{})
	if err := qb.HostCall(func() { note("b2"); close(b2) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, bRan, "queue B's host function while queue A is held")
	waitFor(t, b2, "queue B's second host function while queue A is held")
	ctx, cancel := context.WithTimeout(bg, hostTimeout)
	defer cancel()
	if err := qb.Synchronize(ctx); err != nil {
		t.Fatalf("queue B Synchronize while queue A is held: %v", err)
	}
	var got [1024]uint32
	download(t, d, got[:], buf.Device)
	if got[0] != 0x5EED || got[1023] != 0x5EED {
		t.Errorf("queue B's fill after its host function: %#x", got[0])
	}
	if qa.Idle() {
		t.Error("queue A idle while its host function is held")
	}
	short, cancelShort := context.WithTimeout(bg, 30*time.Millisecond)
	if err := qa.Synchronize(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queue A Synchronize while held: %v, want DeadlineExceeded", err)
	}
	cancelShort()
	mu.Lock()
	held := strings.Join(order, " ")
	mu.Unlock()
	if held != "b1 b2" {
		t.Errorf("while A is held, ran %q, want \"b1 b2\"", held)
	}

	unblock()
	if err := qa.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if !qa.Idle() || !qb.Idle() {
		t.Errorf("after Synchronize: A idle %v, B idle %v", qa.Idle(), qb.Idle())
	}
	mu.Lock()
	defer mu.Unlock()
	if s := strings.Join(order, " "); s != "b1 b2 a1 a2" {
		t.Errorf("host calls ran in order %q, want \"b1 b2 a1 a2\"", s)
	}
}

// TestHostCallOrdersDeviceWork checks the wait that follows each host call:
// device work enqueued after it sees what the host function wrote, and the
// host function sees what device work before it wrote.
func TestHostCallOrdersDeviceWork(t *testing.T) {
	d := testDevice(t)
	q := workerQueue(t, d)
	const rounds = 20
	pinned := alloc(t, d, hal.MemoryHost, 8*rounds)
	dev := alloc(t, d, hal.MemoryDevice, 8*rounds)
	words := unsafe.Slice((*uint32)(pinned.Host), 2*rounds)
	for i := range words {
		words[i] = 0xDEADBEEF
	}
	upload(t, d, dev.Device, words)
	seen := make([]uint32, rounds)
	for i := range rounds {
		// Device work before: fill word 2i+1 on the device.
		if err := q.Fill(dev.Device+uint64(8*i+4), 4, uint32(1000+i), 4); err != nil {
			t.Fatal(err)
		}
		if err := q.Copy(pinned.Device+uint64(8*i+4), dev.Device+uint64(8*i+4), 4); err != nil {
			t.Fatal(err)
		}
		if err := q.HostCall(func() {
			seen[i] = atomic.LoadUint32(&words[2*i+1])
			// Slow enough that work not waiting for us would overtake.
			time.Sleep(2 * time.Millisecond)
			atomic.StoreUint32(&words[2*i], uint32(i*7+1))
		}); err != nil {
			t.Fatal(err)
		}
		// Device work after: copy word 2i from pinned memory to the device.
		if err := q.Copy(dev.Device+uint64(8*i), pinned.Device+uint64(8*i), 4); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, q)
	got := make([]uint32, 2*rounds)
	download(t, d, got, dev.Device)
	for i := range rounds {
		if got[2*i] != uint32(i*7+1) {
			t.Errorf("round %d: copy after the host call read %#x, want %d", i, got[2*i], i*7+1)
		}
		if seen[i] != uint32(1000+i) {
			t.Errorf("round %d: host call saw %#x, want %d (the copy before it)", i, seen[i], 1000+i)
		}
	}
}

// TestHostCallsConcurrent enqueues from several goroutines at once: every
// call runs once, and each goroutine's calls keep their order.
func TestHostCallsConcurrent(t *testing.T) {
	d := testDevice(t)
	q := newQueue(t, d)
	const goroutines, each = 8, 200
	var mu sync.Mutex
	last := make([]int, goroutines)
	for i := range last {
		last[i] = -1
	}
	var bad atomic.Int32
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := q.HostCall(func() {
					mu.Lock()
					if last[g] != i-1 {
						bad.Add(1)
					}
					last[g] = i
					mu.Unlock()
				}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(bg, hostTimeout)
	defer cancel()
	if err := q.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	for g, l := range last {
		if l != each-1 {
			t.Errorf("goroutine %d: last call run %d, want %d", g, l, each-1)
		}
	}
	if n := bad.Load(); n != 0 {
		t.Errorf("%d host calls ran out of their goroutine's order", n)
	}
}

// TestHostCallPanicWorker: a panic on the worker is an error of the next
// Synchronize, once, and later calls still run.
func TestHostCallPanicWorker(t *testing.T) {
	d := testDevice(t)
	q := workerQueue(t, d)
	ran := false
	if err := q.HostCall(func() { panic("worker boom") }); err != nil {
		t.Fatal(err)
	}
	if err := q.HostCall(func() { ran = true }); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(bg); err == nil || !strings.Contains(err.Error(), "worker boom") {
		t.Errorf("Synchronize after a panicking host function: %v", err)
	}
	if !ran {
		t.Error("the host call after a panicking one did not run")
	}
	drain(t, q)
}

// TestHostCallCloseWithPending closes a queue while a host function holds
// it: Close returns at once, the calls left still run, then the worker
// exits and gives its word back.
func TestHostCallCloseWithPending(t *testing.T) {
	d := testDevice(t)
	dd := d.(*device)
	if !dd.hostCalls.memops {
		t.Skip("the driver has no stream memory operations")
	}
	goroutines := runtime.NumGoroutine()
	qi, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := qi.(*queue)
	w := q.host
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock()
	entered, after := make(chan struct{}), make(chan struct{})
	if err := q.HostCall(func() { close(entered); <-release }); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	for range 10 {
		if err := q.HostCall(func() { n.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.HostCall(func() { close(after) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, entered, "the holding host function")
	closed := make(chan struct{})
	go func() {
		if err := q.Close(); err != nil {
			t.Errorf("Close with pending host calls: %v", err)
		}
		close(closed)
	}()
	waitFor(t, closed, "Close to return while a host function is held")
	if err := q.HostCall(func() {}); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("HostCall after Close: %v", err)
	}
	select {
	case <-w.done:
		t.Fatal("the worker exited before running the calls left")
	default:
	}
	unblock()
	waitFor(t, after, "the host calls left after Close")
	waitFor(t, w.done, "the worker to exit")
	if got := n.Load(); got != 10 {
		t.Errorf("%d of 10 host calls ran after Close", got)
	}
	dd.hostCalls.mu.Lock()
	_, live := dd.hostCalls.workers[w]
	reused := false
	for _, s := range dd.hostCalls.free {
		reused = reused || s == w.slot
	}
	dd.hostCalls.mu.Unlock()
	if live || !reused {
		t.Errorf("after the worker exited: still registered %v, word given back %v", live, reused)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > goroutines {
		t.Errorf("%d goroutines before, %d after the queue closed", goroutines, got)
	}
}

// TestHostCallDeviceClose closes a second instance's device while a closed
// queue is still held by a host function that waits for the caller: Close
// gives it hostCloseGrace, not the close timeout (cuCtxSynchronize, which
// Close waits for work with, also waits for the stream blocked on the
// function's done word: mockcuda's does too), releases the stream, keeps
// the words (a stream may poll them) and returns; the worker exits once
// the host function returns, without running the calls after it.
func TestHostCallDeviceClose(t *testing.T) {
	testDevice(t)
	drv := &Driver{}
	if onMock {
		drv.libraries = []string{mockLib}
	}
	var logs bytes.Buffer
	var logMu sync.Mutex
	inst, err := drv.Open(hal.Config{Logf: func(level int, format string, args ...any) {
		logMu.Lock()
		fmt.Fprintf(&logs, format+"\n", args...)
		logMu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.Devices()[0].(*device)
	if !d.hostCalls.memops {
		inst.Close()
		t.Skip("the driver has no stream memory operations")
	}
	defer func(g time.Duration) { hostCloseGrace = g }(hostCloseGrace)
	hostCloseGrace = 50 * time.Millisecond

	// An idle open queue and a closed, held one.
	idle, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, idle)
	qi, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := qi.(*queue)
	w, wIdle := q.host, idle.(*queue).host
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock()
	entered := make(chan struct{})
	var late atomic.Bool
	if err := q.HostCall(func() { close(entered); <-release }); err != nil {
		t.Fatal(err)
	}
	if err := q.HostCall(func() { late.Store(true) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, entered, "the holding host function")
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		if err := inst.Close(); err != nil {
			t.Errorf("instance Close: %v", err)
		}
		close(closed)
	}()
	waitFor(t, closed, "the instance's Close")
	waitFor(t, wIdle.done, "the idle queue's worker to stop")
	if !d.hostCalls.keep {
		t.Error("device Close freed the host-call words while a worker was inside a host function")
	}
	logMu.Lock()
	if !strings.Contains(logs.String(), "still had host calls to run") {
		t.Errorf("log does not mention the dropped host calls:\n%s", logs.String())
	}
	logMu.Unlock()
	unblock()
	waitFor(t, w.done, "the held worker to exit")
	if late.Load() {
		t.Error("a host call ran after its device was closed")
	}
	if err := idle.HostCall(func() {}); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("HostCall on a queue of a closed device: %v", err)
	}
	// The stopped worker released the stream's waits for the dropped
	// calls: the stream drains (the primary context, which other tests
	// share, is left with nothing stuck).
	if got, want := atomic.LoadUint32((*uint32)(w.slot.host)), w.seq; got != want {
		t.Errorf("done word after the stopped worker exited: %d, want %d", got, want)
	}
	idle.Close()
}

// TestHostCallDeviceCloseRunsPending closes a second instance's device
// with host calls still queued behind a slow one and a fill after them:
// Close waits for them all (each returns well within hostCloseGrace), and
// releases nothing early.
func TestHostCallDeviceCloseRunsPending(t *testing.T) {
	main := testDevice(t)
	// The buffer comes from the test instance (the same primary context),
	// which outlives the closed one and frees it.
	buf := alloc(t, main, hal.MemoryHost, 64)
	drv := &Driver{}
	if onMock {
		drv.libraries = []string{mockLib}
	}
	inst, err := drv.Open(hal.Config{Logf: testLogf})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.Devices()[0].(*device)
	q, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	words := (*[16]uint32)(buf.Host)
	for i := range words {
		words[i] = 0xDEADBEEF
	}
	var order []int
	for i := range 3 {
		if err := q.HostCall(func() {
			time.Sleep(30 * time.Millisecond)
			order = append(order, i)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Fill(buf.Device, 64, 0x01020304, 4); err != nil {
		t.Fatal(err)
	}
	if err := inst.Close(); err != nil {
		t.Fatalf("instance Close: %v", err)
	}
	hostSeq.Load()
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Errorf("host calls that ran before Close returned: %v, want [0 1 2]", order)
	}
	for i, v := range words {
		if v != 0x01020304 {
			t.Fatalf("word %d = %#x after Close, want the fill after the host calls", i, v)
		}
	}
}

// TestHostCallsBlockingPath covers the fallback (a driver without stream
// memory operations): host calls keep their order and report panics, and,
// as CUDA runs all host functions on one thread, one that blocks holds the
// other queues' host functions (the limitation the worker removes).
func TestHostCallsBlockingPath(t *testing.T) {
	d := testDevice(t)
	forceBlockingHostCalls.Store(true)
	qa, qb := newQueue(t, d).(*queue), newQueue(t, d).(*queue)
	forceBlockingHostCalls.Store(false)
	if qa.host != nil || qb.host != nil {
		t.Fatal("forceBlockingHostCalls: queue has a worker")
	}
	var order []int
	for i := range 20 {
		if err := qa.HostCall(func() { order = append(order, i) }); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, qa)
	if len(order) != 20 {
		t.Fatalf("%d of 20 host calls ran", len(order))
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("host calls ran in order %v", order)
		}
	}
	if err := qa.HostCall(func() { panic("blocking boom") }); err != nil {
		t.Fatal(err)
	}
	if err := qa.Synchronize(bg); err == nil || !strings.Contains(err.Error(), "blocking boom") {
		t.Errorf("Synchronize after a panicking host function: %v", err)
	}

	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock()
	entered, bRan := make(chan struct{}), make(chan struct{})
	if err := qa.HostCall(func() { close(entered); <-release }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, entered, "queue A's host function")
	if err := qb.HostCall(func() { close(bRan) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bRan:
		t.Log("queue B's host function ran while queue A's held CUDA's host thread (this driver runs host functions concurrently)")
	case <-time.After(100 * time.Millisecond):
	}
	unblock()
	waitFor(t, bRan, "queue B's host function after A's returned")
	drain(t, qa)
	drain(t, qb)
}

// TestHostCallsNoMemops runs a child process in which mockcuda refuses
// stream memory operations: queues fall back to the blocking path, the
// driver logs why, and host calls still work.
func TestHostCallsNoMemops(t *testing.T) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") == "nomemops" {
		var logs strings.Builder
		inst, err := (&Driver{libraries: []string{os.Getenv("STREAM_HAL_CUDA_MOCKLIB")}}).Open(hal.Config{Logf: func(level int, format string, args ...any) {
			fmt.Fprintf(&logs, "%d: "+format+"\n", append([]any{level}, args...)...)
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		d := inst.Devices()[0]
		q, err := d.NewQueue(hal.QueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		if q.(*queue).host != nil {
			t.Fatal("queue has a host-call worker although cuStreamWaitValue32 fails")
		}
		if !strings.Contains(logs.String(), "2: hal/cuda: device 0: cuStreamWaitValue32 on page-locked host memory failed with CUDA_ERROR_NOT_SUPPORTED; HostCall falls back to cuLaunchHostFunc") {
			t.Errorf("log lacks the fallback notice:\n%s", logs.String())
		}
		ran := 0
		for range 5 {
			if err := q.HostCall(func() { ran++ }); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ran != 5 {
			t.Errorf("%d of 5 host calls ran", ran)
		}
		return
	}
	if mockLib == "" {
		t.Skip("needs the mockcuda test double")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostCallsNoMemops$", "-test.v")
	cmd.Env = append(os.Environ(), "STREAM_HAL_CUDA_CHILD=nomemops", "MOCKCUDA_NO_MEMOPS=1", "STREAM_HAL_CUDA_MOCKLIB="+mockLib)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("PASS")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestHostCallWorkerWaits covers the ways a worker waits for its
// notifications: spinning (the defaults, calls back to back), sleeping on
// the signal (no spin), and waiting in Go after an idle spell (a short
// hostIdle, with pauses between the calls). Every call must run once, in
// order, and see the device work before it (TestHostCallOrdersDeviceWork
// checks the other direction).
func TestHostCallWorkerWaits(t *testing.T) {
	for _, tc := range []struct {
		name             string
		spin, pending    time.Duration
		idle, pauseEvery time.Duration
	}{
		{"spin", hostSpin, hostSpinPending, hostIdle, 0},
		{"sleep", 0, 0, hostIdle, 0},
		{"park", 0, 0, time.Millisecond, 3 * time.Millisecond},
		{"spin-park", 20 * time.Microsecond, 50 * time.Microsecond, time.Millisecond, 3 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved := [3]time.Duration{hostSpin, hostSpinPending, hostIdle}
			hostSpin, hostSpinPending, hostIdle = tc.spin, tc.pending, tc.idle
			defer func() { hostSpin, hostSpinPending, hostIdle = saved[0], saved[1], saved[2] }()
			d := testDevice(t)
			q := workerQueue(t, d)
			const rounds = 12
			pinned := alloc(t, d, hal.MemoryHost, 4*rounds)
			words := unsafe.Slice((*uint32)(pinned.Host), rounds)
			for i := range words {
				words[i] = 0xDEADBEEF
			}
			var ran []int
			for i := range rounds {
				// The device writes word i; the host function doubles it.
				if err := q.Fill(pinned.Device+uint64(4*i), 4, uint32(i+1), 4); err != nil {
					t.Fatal(err)
				}
				if err := q.HostCall(func() {
					ran = append(ran, i)
					words[i] *= 2
				}); err != nil {
					t.Fatal(err)
				}
				if i%3 == 2 || tc.pauseEvery == 0 {
					ctx, cancel := context.WithTimeout(bg, hostTimeout)
					err := q.Synchronize(ctx)
					cancel()
					if err != nil {
						t.Fatalf("round %d: %v", i, err)
					}
				}
				if tc.pauseEvery > 0 && i%3 == 2 {
					time.Sleep(tc.pauseEvery)
				}
			}
			ctx, cancel := context.WithTimeout(bg, hostTimeout)
			defer cancel()
			if err := q.Synchronize(ctx); err != nil {
				t.Fatal(err)
			}
			if len(ran) != rounds {
				t.Fatalf("%d host calls ran, want %d", len(ran), rounds)
			}
			for i := range rounds {
				if ran[i] != i {
					t.Fatalf("host calls ran in order %v", ran)
				}
				if want := uint32(2 * (i + 1)); words[i] != want {
					t.Errorf("word %d = %#x, want %#x (the host function did not see the fill before it)", i, words[i], want)
				}
			}
		})
	}
}

// TestHostCallSettle checks what the host covers now that a stream waits
// for a host call only when work follows it (settle): while the function
// is held, the queue is not idle, Synchronize of the queue and of the
// device do not return, work enqueued after it does not run and costs one
// stream wait; a host call whose function has returned costs later work no
// wait at all; and a free of host memory waits for the function.
func TestHostCallSettle(t *testing.T) {
	d := testDevice(t)
	q := workerQueue(t, d)
	dev := alloc(t, d, hal.MemoryDevice, 4)
	upload(t, d, dev.Device, []uint32{0xDEADBEEF})
	release := make(chan struct{})
	var returned atomic.Bool
	if err := q.HostCall(func() {
		<-release
		time.Sleep(5 * time.Millisecond) // a store after the release that the waits must see
		returned.Store(true)
	}); err != nil {
		t.Fatal(err)
	}
	if q.Idle() {
		t.Error("Idle with a host function held")
	}
	for what, sync := range map[string]func(context.Context) error{"queue": q.Synchronize, "device": d.Synchronize} {
		ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
		err := sync(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s Synchronize with a host function held: %v, want context.DeadlineExceeded", what, err)
		}
	}
	waits := hostWaits.Load()
	if err := q.Fill(dev.Device, 4, 0x600D, 4); err != nil {
		t.Fatal(err)
	}
	if n := hostWaits.Load() - waits; n != 1 {
		t.Errorf("work after a held host call enqueued %d stream waits, want 1", n)
	}
	// A second operation needs no second wait.
	if err := q.Fill(dev.Device, 4, 0x600D, 4); err != nil {
		t.Fatal(err)
	}
	if n := hostWaits.Load() - waits; n != 1 {
		t.Errorf("two operations after a held host call enqueued %d stream waits, want 1", n)
	}
	time.Sleep(20 * time.Millisecond)
	got := make([]uint32, 1)
	download(t, d, got, dev.Device)
	if got[0] != 0xDEADBEEF {
		t.Errorf("a fill enqueued after a held host function ran before it returned: word %#x", got[0])
	}
	close(release)
	drain(t, q)
	if !returned.Load() {
		t.Error("queue Synchronize returned before the host function")
	}
	if !q.Idle() {
		t.Error("not Idle after Synchronize")
	}
	download(t, d, got, dev.Device)
	if got[0] != 0x600D {
		t.Errorf("fill after the host call: word %#x, want 0x600d", got[0])
	}

	// A function that has returned (Idle shows the worker's store) costs
	// later work nothing.
	ran := make(chan struct{})
	if err := q.HostCall(func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ran, "the host function")
	for deadline := time.Now().Add(hostTimeout); !q.Idle(); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatal("queue not idle after its host function returned")
		}
	}
	waits = hostWaits.Load()
	if err := q.Fill(dev.Device, 4, 0xF00D, 4); err != nil {
		t.Fatal(err)
	}
	if n := hostWaits.Load() - waits; n != 0 {
		t.Errorf("work after a host call that has returned enqueued %d stream waits, want 0", n)
	}
	drain(t, q)

	// The synchronizations and host-memory frees wait for a function
	// with no work after it.
	for _, c := range []struct {
		what string
		wait func(pinned hal.Allocation) error
	}{
		{"queue Synchronize", func(hal.Allocation) error { return q.Synchronize(bg) }},
		{"queue Synchronize with a deadline", func(hal.Allocation) error {
			ctx, cancel := context.WithTimeout(bg, hostTimeout)
			defer cancel()
			return q.Synchronize(ctx)
		}},
		{"device Synchronize", func(hal.Allocation) error { return d.Synchronize(bg) }},
		{"Free of host memory", func(p hal.Allocation) error { return d.Free(hal.MemoryHost, p.Device) }},
	} {
		pinned, err := d.Allocate(hal.MemoryHost, 4)
		if err != nil {
			t.Fatal(err)
		}
		word := (*uint32)(pinned.Host)
		atomic.StoreUint32(word, 7)
		var read atomic.Uint32
		if err := q.HostCall(func() {
			time.Sleep(20 * time.Millisecond)
			read.Store(atomic.LoadUint32(word) + 1)
		}); err != nil {
			t.Fatal(err)
		}
		if err := c.wait(pinned); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if read.Load() != 8 {
			t.Errorf("%s returned before the host function before it (it read %d, want 8 once done)", c.what, read.Load())
		}
		if c.what != "Free of host memory" {
			if err := d.Free(hal.MemoryHost, pinned.Device); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestHostCallEventAfter: an event recorded after a held host call is not
// reached until the function returns, and another queue waiting for it
// waits too.
func TestHostCallEventAfter(t *testing.T) {
	d := testDevice(t)
	qa, qb := workerQueue(t, d), workerQueue(t, d)
	ev, err := d.NewEvent(hal.EventDisableTiming)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	dev := alloc(t, d, hal.MemoryDevice, 4)
	upload(t, d, dev.Device, []uint32{1})
	release := make(chan struct{})
	if err := qa.HostCall(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	if err := qa.Record(ev); err != nil {
		t.Fatal(err)
	}
	if err := qb.Wait(ev); err != nil {
		t.Fatal(err)
	}
	if err := qb.Fill(dev.Device, 4, 2, 4); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if ev.Done() {
		t.Error("event recorded after a held host function is reached")
	}
	got := make([]uint32, 1)
	download(t, d, got, dev.Device)
	if got[0] != 1 {
		t.Errorf("queue B ran past its wait for an event behind a held host function: word %d", got[0])
	}
	close(release)
	drain(t, qb)
	if !ev.Done() {
		t.Error("event not reached after queue B's wait for it")
	}
	download(t, d, got, dev.Device)
	if got[0] != 2 {
		t.Errorf("word %d after queue B, want 2", got[0])
	}
}

// TestHostCallSettleStress runs queues whose goroutines enqueue host
// calls, sometimes with work after them, and synchronize, while another
// goroutine synchronizes the device: every synchronization must see every
// host function enqueued before it (a lost wake-up of waitReached hangs
// and fails at the deadline).
func TestHostCallSettleStress(t *testing.T) {
	d := testDevice(t)
	const queues, rounds = 4, 150
	qs := make([]*queue, queues)
	for i := range qs {
		qs[i] = workerQueue(t, d)
	}
	dev := alloc(t, d, hal.MemoryDevice, 4*queues)
	ctx, cancel := context.WithTimeout(bg, hostTimeout)
	defer cancel()
	stop := make(chan struct{})
	var devSyncs atomic.Int32
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := d.Synchronize(ctx); err != nil {
				t.Errorf("device Synchronize: %v", err)
				return
			}
			devSyncs.Add(1)
		}
	}()
	var qwg sync.WaitGroup
	for i, q := range qs {
		qwg.Add(1)
		go func() {
			defer qwg.Done()
			var ran atomic.Int32
			for r := range rounds {
				if err := q.HostCall(func() {
					if r%7 == 0 {
						time.Sleep(100 * time.Microsecond)
					}
					ran.Add(1)
				}); err != nil {
					t.Error(err)
					return
				}
				if r%3 == 0 {
					if err := q.Fill(dev.Device+uint64(4*i), 4, uint32(r), 4); err != nil {
						t.Error(err)
						return
					}
				}
				if r%2 == 0 {
					if err := q.Synchronize(ctx); err != nil {
						t.Errorf("queue %d round %d: Synchronize: %v", i, r, err)
						return
					}
					if got := ran.Load(); got != int32(r+1) {
						t.Errorf("queue %d round %d: Synchronize returned with %d host functions run, want %d", i, r, got, r+1)
						return
					}
				}
			}
			if err := q.Synchronize(ctx); err != nil {
				t.Errorf("queue %d: last Synchronize: %v", i, err)
			}
		}()
	}
	qwg.Wait()
	close(stop)
	wg.Wait()
	for _, q := range qs {
		if !q.Idle() {
			t.Error("a queue is not idle after its last Synchronize")
		}
	}
	t.Logf("%d device synchronizations ran meanwhile", devSyncs.Load())
}

// TestHostCallCallerRuns: a Synchronize without a deadline runs the host
// calls that the stream has passed and a late worker has not started, on
// its own goroutine, in order with the calls the worker runs; with a
// deadline (which must be able to end the wait) or with the switch off it
// leaves them to the worker. Every function runs once, in order.
func TestHostCallCallerRuns(t *testing.T) {
	d := testDevice(t)
	defer hostWorkerDelay.Store(0)
	defer hostCallerOff.Store(false)
	hostWorkerDelay.Store(int64(20 * time.Millisecond))
	for _, c := range []struct {
		name     string
		on       bool
		deadline bool
		want     bool // a Synchronize ran calls
	}{{"no deadline", true, false, true}, {"deadline", true, true, false}, {"switched off", false, false, false}} {
		t.Run(c.name, func(t *testing.T) {
			hostCallerOff.Store(!c.on)
			q := workerQueue(t, d)
			var mu sync.Mutex
			var order []int
			before := hostCallerRan.Load()
			for round := range 4 {
				for i := range 3 {
					n := 3*round + i
					if err := q.HostCall(func() { mu.Lock(); order = append(order, n); mu.Unlock() }); err != nil {
						t.Fatal(err)
					}
				}
				ctx := bg
				if c.deadline {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(bg, time.Minute)
					defer cancel()
				}
				if err := q.Synchronize(ctx); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				if len(order) != 3*(round+1) {
					t.Fatalf("round %d: %d functions ran by Synchronize's return, want %d", round, len(order), 3*(round+1))
				}
				mu.Unlock()
			}
			for i, n := range order {
				if n != i {
					t.Fatalf("functions ran in the order %v", order)
				}
			}
			if ran := hostCallerRan.Load() - before; (ran > 0) != c.want {
				t.Errorf("Synchronize ran %d host calls itself; want some: %v", ran, c.want)
			}
		})
	}
}

// TestHostCallCallerRunsAhead: a Synchronize takes calls of notifications
// newer than the one a late worker holds; the worker must then find
// nothing due (it stopped the queue's host calls, "notified with no call
// listed", when it compared for equality), and later host calls work.
func TestHostCallCallerRunsAhead(t *testing.T) {
	d := testDevice(t)
	defer hostWorkerDelay.Store(0)
	hostWorkerDelay.Store(int64(100 * time.Millisecond))
	q := workerQueue(t, d)
	var ran atomic.Int32
	for range 3 {
		if err := q.HostCall(func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	// The worker sleeps after it found the first call due; the stream
	// (nothing but three event records) has passed all three by now.
	time.Sleep(20 * time.Millisecond)
	if err := q.Synchronize(bg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the worker wakes with its old notification
	hostWorkerDelay.Store(0)
	if err := q.HostCall(func() { ran.Add(1) }); err != nil {
		t.Fatalf("a host call after the worker woke: %v", err)
	}
	if err := q.Synchronize(bg); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 4 {
		t.Errorf("%d host functions ran, want 4", n)
	}
}
