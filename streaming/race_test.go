package streaming_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// racePair runs a and b at once and returns their results.
func racePair(a, b func() error) (error, error) {
	var ea, eb error
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); <-start; ea = a() }()
	go func() { defer wg.Done(); <-start; eb = b() }()
	close(start)
	wg.Wait()
	return ea, eb
}

// meetings makes the two releases of a double free meet after both looked
// the allocation up and before either claims it (streaming's claim hook),
// so that the two calls truly overlap: a second Free that starts after the
// first one finished and after the address was handed out again frees the
// new owner's memory, in CUDA as here, and no library can tell it from a
// legitimate free.
type meetings struct{ m sync.Map } // allocation base -> *meeting

type meeting struct {
	rt      *streaming.Runtime
	arrived atomic.Int32
	both    chan struct{}
}

// install makes ms the claim hook until the test ends.
func (ms *meetings) install(t *testing.T) {
	streaming.SetTestHookClaim(ms.hook)
	t.Cleanup(func() { streaming.SetTestHookClaim(nil) })
}

// expect arranges for the next two releases of the allocation at base, of
// rt, to meet.
func (ms *meetings) expect(rt *streaming.Runtime, base uint64) {
	ms.m.Store(base, &meeting{rt: rt, both: make(chan struct{})})
}

func (ms *meetings) hook(base uint64) {
	v, ok := ms.m.Load(base)
	if !ok {
		return
	}
	mt := v.(*meeting)
	if mt.arrived.Add(1) == 2 {
		ms.m.CompareAndDelete(base, mt)
		close(mt.both)
		return
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-mt.both:
			return
		case <-deadline:
			ms.m.CompareAndDelete(base, mt)
			return
		case <-time.After(time.Millisecond):
			if _, _, err := mt.rt.AddressRange(streaming.DevicePtr(base)); err != nil {
				// Something else (a context teardown) claimed the
				// memory: the partner's lookup may have failed, so go
				// on alone.
				ms.m.CompareAndDelete(base, mt)
				return
			}
		}
	}
}

// exactlyOne checks that of two racing releases of one object exactly one
// succeeded and the other failed with want.
func exactlyOne(what string, e1, e2, want error) error {
	switch {
	case e1 == nil && e2 == nil:
		return fmt.Errorf("%s: both racing calls succeeded (the object was released twice)", what)
	case e1 != nil && e2 != nil:
		return fmt.Errorf("%s: both racing calls failed: %v; %v", what, e1, e2)
	}
	loser := e1
	if loser == nil {
		loser = e2
	}
	if !errors.Is(loser, want) || driverFreeError(loser) {
		return fmt.Errorf("%s: the losing call returned %v, want %v from streaming (not the driver)", what, loser, want)
	}
	return nil
}

// driverFreeError reports whether err is a driver refusing a free or an
// unregistration of memory it does not know: a release that reached the
// driver twice.
func driverFreeError(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	for _, d := range []string{"hal/cpu: free", "hal/vulkan: free", "hal/cpu: unregister", "hal/vulkan: unregister", "hal/cuda: free", "hal/hip: free"} {
		if strings.Contains(s, d) {
			return true
		}
	}
	return false
}

// pattern fills n bytes with a sequence that identifies its writer.
func pattern(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// TestConcurrentDoubleFree frees every allocation twice at once, from two
// goroutines that both found it before either frees it, while other
// goroutines allocate and check their own memory: exactly one of the two
// frees wins and calls the driver, the other gets ErrInvalidValue from
// streaming, and nobody else's memory is freed or changed. Every release
// path is covered: Free, HostMem.Free, FreeAsync and HostUnregister. It
// runs in a child process: before the fix both frees reached the driver
// ("hal/cpu: free ...: not an allocation"), and when a third goroutine's
// new allocation took the address in between, the second one freed that,
// which ended in SIGSEGV in the C heap on the CPU backend.
func TestConcurrentDoubleFree(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		var ms meetings
		ms.install(t)
		pools := e.dev.Info().MemoryPoolsSupported
		register := e.dev.Info().HostRegisterSupported
		workers := 2 * runtime.GOMAXPROCS(0)
		iters := 300
		if testing.Short() {
			iters = 50
		}
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- doubleFreeWorker(e, &ms, w, iters, pools, register)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func doubleFreeWorker(e *env, ms *meetings, w, iters int, pools, register bool) error {
	s, err := e.ctx.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	for i := range iters {
		// A buffer of this worker that must survive everyone's double
		// frees; sizes from a few classes so the allocator reuses
		// addresses often.
		n := 256 << (i % 3)
		keep, err := e.ctx.Malloc(uint64(n))
		if err != nil {
			return err
		}
		want := pattern(n, uint64(w)<<32|uint64(i))
		if err := e.ctx.MemcpyHtoD(keep, want); err != nil {
			return err
		}
		what := ""
		var e1, e2 error
		switch i % 4 {
		case 0:
			what = "Free"
			p, err := e.ctx.Malloc(uint64(n))
			if err != nil {
				return err
			}
			ms.expect(e.rt, uint64(p))
			e1, e2 = racePair(func() error { return e.ctx.Free(p) }, func() error { return e.ctx.Free(p) })
		case 1:
			what = "HostMem.Free"
			h, err := e.ctx.MallocHost(uint64(n), 0)
			if err != nil {
				return err
			}
			ms.expect(e.rt, uint64(h.DevicePtr()))
			e1, e2 = racePair(h.Free, h.Free)
		case 2:
			if !pools {
				continue
			}
			what = "FreeAsync"
			p, err := s.MallocAsync(uint64(n))
			if err != nil {
				return err
			}
			ms.expect(e.rt, uint64(p))
			e1, e2 = racePair(func() error { return s.FreeAsync(p) }, func() error { return s.FreeAsync(p) })
		case 3:
			if !register {
				continue
			}
			what = "HostUnregister"
			mem := make([]byte, n)
			p := unsafe.Pointer(&mem[0])
			if err := e.ctx.HostRegister(p, uint64(n), 0); err != nil {
				return err
			}
			attr, err := e.ctx.PointerAttributes(streaming.DevicePtr(uintptr(p)))
			if err != nil {
				return err
			}
			ms.expect(e.rt, uint64(attr.DevicePtr))
			e1, e2 = racePair(func() error { return e.ctx.HostUnregister(p) }, func() error { return e.ctx.HostUnregister(p) })
			runtime.KeepAlive(mem)
		}
		if what != "" {
			wantErr := streaming.ErrInvalidValue
			if what == "HostUnregister" {
				wantErr = streaming.ErrNotMapped // cuMemHostUnregister: CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED
			}
			if err := exactlyOne(fmt.Sprintf("worker %d, iteration %d: double %s", w, i, what), e1, e2, wantErr); err != nil {
				return err
			}
		}
		got := make([]byte, n)
		if err := e.ctx.MemcpyDtoH(got, keep); err != nil {
			return fmt.Errorf("worker %d, iteration %d: read back its own buffer: %w", w, i, err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("worker %d, iteration %d: its own buffer changed while others double-freed theirs", w, i)
		}
		if err := e.ctx.Free(keep); err != nil {
			return fmt.Errorf("worker %d, iteration %d: free its own buffer: %w", w, i, err)
		}
	}
	return s.Synchronize(context.Background())
}

// loadWorker keeps a context busy until stop closes or the context goes
// away: allocate, copy in, launch, record, wait, copy out, check, and free
// twice at once. It returns the first failure that is not the context (or
// what it owned) going away; data that comes back from a sequence of calls
// that all succeeded must be right, and no free may reach the driver
// twice.
func loadWorker(rt *streaming.Runtime, c *streaming.Context, f *streaming.Function, ms *meetings, w int, stop <-chan struct{}) error {
	gone := func(err error) bool {
		return errors.Is(err, streaming.ErrInvalidContext) || errors.Is(err, streaming.ErrInvalidHandle) ||
			errors.Is(err, streaming.ErrInvalidValue) || errors.Is(err, streaming.ErrDeinitialized)
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		err := func() error {
			s, err := c.NewStream(streaming.StreamNonBlocking, 0)
			if err != nil {
				return err
			}
			defer s.Close()
			ev, err := c.NewEvent(streaming.EventDisableTiming)
			if err != nil {
				return err
			}
			defer ev.Close()
			n := 64 + (i%7)*100
			p, err := c.Malloc(uint64(4 * n))
			if err != nil {
				return err
			}
			in := seq(n, func(j int) float32 { return float32(w*1000 + i + j) })
			out := poisoned(n)
			err = func() error {
				if err := streaming.CopyToDevice(s, p, in); err != nil {
					return err
				}
				if err := s.Launch(f, streaming.D1(uint32((n+127)/128)), streaming.D1(128), 0, p, p, p, uint32(n)); err != nil {
					return err
				}
				if err := ev.Record(s); err != nil {
					return err
				}
				if err := c.DefaultStream().WaitEvent(ev); err != nil {
					return err
				}
				if err := streaming.CopyFromDevice(s, out, p); err != nil {
					return err
				}
				if err := s.Synchronize(context.Background()); err != nil {
					return err
				}
				for j := range out {
					if out[j] != 2*in[j] {
						return fmt.Errorf("worker %d: out[%d] = %v, want %v (every call succeeded)", w, j, out[j], 2*in[j])
					}
				}
				return nil
			}()
			// Two frees at once, racing the context's destruction too.
			ms.expect(rt, uint64(p))
			e1, e2 := racePair(func() error { return c.Free(p) }, func() error { return c.Free(p) })
			switch {
			case e1 == nil && e2 == nil:
				return fmt.Errorf("worker %d: double Free: both calls succeeded", w)
			case e1 != nil && (driverFreeError(e1) || !gone(e1)):
				return e1
			case e2 != nil && (driverFreeError(e2) || !gone(e2)):
				return e2
			}
			return err
		}()
		if err != nil {
			if driverFreeError(err) || !gone(err) {
				return fmt.Errorf("worker %d, iteration %d: %w", w, i, err)
			}
			if c.Err() != nil {
				return nil // the context is gone: done
			}
		}
	}
}

// underLoad starts workers on c and returns a function that stops them
// and reports their failures.
func underLoad(t *testing.T, rt *streaming.Runtime, c *streaming.Context, f *streaming.Function, ms *meetings) (wait func()) {
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 8)
	for w := range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- loadWorker(rt, c, f, ms, w, stop) }()
	}
	return func() {
		close(stop)
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
	}
}

func loadFunction(t *testing.T, c *streaming.Context, name string) (*streaming.Module, *streaming.Function) {
	t.Helper()
	_, data, err := haltest.Kernels(c.Device().HAL())
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.LoadModuleData(data)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.Function(name)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

// TestConcurrentContextClose closes a busy context from two goroutines at
// once while workers use it and free its memory twice at once:
// exactly one Close succeeds, the other is ErrInvalidContext, no memory is
// freed twice (no driver error such as "not an allocation"), data that
// comes back is right, and nothing the context owned is left in the
// pointer table. In a child process: a double free may crash the C heap.
func TestConcurrentContextClose(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		var ms meetings
		ms.install(t)
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		dev := rt.Default()
		for round := range 8 {
			c, err := dev.NewContext(0)
			if err != nil {
				t.Fatal(err)
			}
			_, f := loadFunction(t, c, "vector_add")
			wait := underLoad(t, rt, c, f, &ms)
			time.Sleep(time.Duration(5+round*3) * time.Millisecond)
			e1, e2 := racePair(c.Close, c.Close)
			if err := exactlyOne(fmt.Sprintf("round %d: Context.Close", round), e1, e2, streaming.ErrInvalidContext); err != nil {
				t.Error(err)
			}
			wait()
			if n := rt.LiveAllocations(); n != 0 {
				t.Errorf("round %d: %d allocations left after the context was destroyed", round, n)
			}
		}
	})
}

// TestConcurrentPrimaryReset resets the primary context, twice at once,
// while workers use it and frees race the reset.
func TestConcurrentPrimaryReset(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		var ms meetings
		ms.install(t)
		rt := openRuntime(t, streaming.Options{})
		defer rt.Close()
		dev := rt.Default()
		c, err := dev.PrimaryContext()
		if err != nil {
			t.Fatal(err)
		}
		defer dev.PrimaryContextRelease()
		for round := range 6 {
			_, f := loadFunction(t, c, "vector_add")
			wait := underLoad(t, rt, c, f, &ms)
			time.Sleep(time.Duration(5+round*3) * time.Millisecond)
			e1, e2 := racePair(dev.PrimaryContextReset, dev.PrimaryContextReset)
			if e1 != nil || e2 != nil {
				t.Errorf("round %d: PrimaryContextReset: %v; %v", round, e1, e2)
			}
			wait()
			if err := c.Synchronize(context.Background()); err != nil {
				t.Errorf("round %d: Synchronize after the reset: %v", round, err)
			}
			if err := dev.PrimaryContextReset(); err != nil {
				t.Errorf("round %d: %v", round, err)
			}
			if n := rt.LiveAllocations(); n != 0 {
				t.Errorf("round %d: %d allocations left after the reset", round, n)
			}
		}
	})
}

// TestConcurrentRuntimeClose closes a busy runtime from two goroutines at
// once, while workers use contexts on it and free their memory: both Close calls return nil (a second Close is harmless) and no
// driver sees a double free.
func TestConcurrentRuntimeClose(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		var ms meetings
		ms.install(t)
		for round := range 6 {
			rt := openRuntime(t, streaming.Options{})
			dev := rt.Default()
			var waits []func()
			pc, err := dev.PrimaryContext()
			if err != nil {
				t.Fatal(err)
			}
			nc, err := dev.NewContext(0)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []*streaming.Context{pc, nc} {
				_, f := loadFunction(t, c, "vector_add")
				waits = append(waits, underLoad(t, rt, c, f, &ms))
			}
			time.Sleep(time.Duration(5+round*3) * time.Millisecond)
			e1, e2 := racePair(rt.Close, func() error {
				// A context Close racing the runtime's: either may win.
				if err := nc.Close(); err != nil && !errors.Is(err, streaming.ErrInvalidContext) {
					return err
				}
				return rt.Close()
			})
			if e1 != nil || e2 != nil {
				t.Errorf("round %d: Runtime.Close: %v; %v", round, e1, e2)
			}
			for _, w := range waits {
				w()
			}
			if n := rt.LiveAllocations(); n != 0 {
				t.Errorf("round %d: %d allocations left after Runtime.Close", round, n)
			}
		}
	})
}
