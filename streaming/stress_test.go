package streaming_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// EnvStress sets how long TestStress runs (a Go duration, default 2s; 500ms
// with -short). CI runs it for 15s under the race detector on the CPU and
// on lavapipe.
const EnvStress = "STREAM_HAL_STRESS"

// TestStress runs many goroutines for a bounded time, each doing, in a
// random order, everything a program does concurrently: allocate (device,
// pool, page-locked and registered memory), copy in, launch, record and
// wait for events across streams, copy out and check every byte against
// what it wrote, free; graph launches before and after their memory is
// freed; and races on purpose: double frees, double Closes of streams,
// events and contexts, a context destroyed while its memory is freed. Every
// error must be the documented one, every buffer must hold what its
// goroutine wrote, and nothing may be left allocated. It runs in a child
// process, so a crash is a failed test.
func TestStress(t *testing.T) {
	d := 2 * time.Second
	if testing.Short() {
		d = 500 * time.Millisecond
	}
	if s := os.Getenv(EnvStress); s != "" {
		v, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("%s=%q: %v", EnvStress, s, err)
		}
		d = v
	}
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		var ms meetings
		ms.install(t)
		st := &stress{e: e, ms: &ms, f: e.fn(t, "vector_add"), deadline: time.Now().Add(d)}
		info := e.dev.Info()
		st.pools, st.register = info.MemoryPoolsSupported, info.HostRegisterSupported
		workers := max(4, 2*runtime.GOMAXPROCS(0))
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- st.worker(w)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		var total int64
		for i := range st.ops {
			total += st.ops[i].Load()
		}
		t.Logf("%v, %d workers on %s: %d operations (compute %d, double free %d, close races %d, graphs %d, contexts %d, memset %d, register %d)",
			d, workers, e.dev.Name(), total, st.ops[0].Load(), st.ops[1].Load(), st.ops[2].Load(), st.ops[3].Load(), st.ops[4].Load(), st.ops[5].Load(), st.ops[6].Load())
	})
}

type stress struct {
	e               *env
	ms              *meetings
	f               *streaming.Function
	deadline        time.Time
	pools, register bool
	ops             [7]atomic.Int64
}

func (st *stress) worker(w int) error {
	rng := rand.New(rand.NewPCG(uint64(w), 42))
	c := st.e.ctx
	s1, err := c.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		return err
	}
	defer s1.Close()
	s2, err := c.NewStream(streaming.StreamDefault, 0)
	if err != nil {
		return err
	}
	defer s2.Close()
	for i := 0; time.Now().Before(st.deadline); i++ {
		k := rng.IntN(len(st.ops))
		var err error
		switch k {
		case 0:
			err = st.compute(rng, s1, s2, w, i)
		case 1:
			err = st.doubleFree(rng, s1)
		case 2:
			err = st.closeRaces()
		case 3:
			err = st.graph(rng, s1, w, i)
		case 4:
			err = st.context(rng)
		case 5:
			err = st.memset(rng, s2, w, i)
		case 6:
			err = st.registered(rng, s1, w, i)
		}
		if err != nil {
			return fmt.Errorf("worker %d, operation %d (kind %d): %w", w, i, k, err)
		}
		st.ops[k].Add(1)
	}
	return nil
}

// values returns n floats that identify their writer.
func values(n, w, i int, salt float32) []float32 {
	return seq(n, func(j int) float32 { return float32(w*100000+i%1000) + float32(j%977)*0.5 + salt })
}

// alloc takes memory from Malloc or, where pools exist, MallocAsync on s,
// and returns it with the matching free.
func (st *stress) alloc(rng *rand.Rand, s *streaming.Stream, n uint64) (streaming.DevicePtr, func() error, error) {
	if st.pools && rng.IntN(2) == 0 {
		p, err := s.MallocAsync(n)
		return p, func() error { return s.FreeAsync(p) }, err
	}
	c := st.e.ctx
	p, err := c.Malloc(n)
	return p, func() error { return c.Free(p) }, err
}

// compute: c = a + b, with a and b copied in on s1, the launch on s1, an
// event recorded on s1 that s2 waits for, and c copied out on s2.
func (st *stress) compute(rng *rand.Rand, s1, s2 *streaming.Stream, w, i int) error {
	n := 1 + rng.IntN(20000)
	va, vb := values(n, w, i, 0.25), values(n, w, i, 1000)
	var bufs [3]streaming.DevicePtr
	var frees [3]func() error
	for j := range bufs {
		p, free, err := st.alloc(rng, s1, uint64(4*n))
		if err != nil {
			return err
		}
		bufs[j], frees[j] = p, free
	}
	ev, err := st.e.ctx.NewEvent(streaming.EventDisableTiming)
	if err != nil {
		return err
	}
	defer ev.Close()
	err = func() error {
		if err := streaming.CopyToDevice(s1, bufs[0], va); err != nil {
			return err
		}
		if err := streaming.CopyToDevice(s1, bufs[1], vb); err != nil {
			return err
		}
		if err := s1.Launch(st.f, streaming.D1(uint32((n+255)/256)), streaming.D1(256), 0, bufs[0], bufs[1], bufs[2], uint32(n)); err != nil {
			return err
		}
		if err := ev.Record(s1); err != nil {
			return err
		}
		if err := s2.WaitEvent(ev); err != nil {
			return err
		}
		got := poisoned(n)
		if err := streaming.CopyFromDevice(s2, got, bufs[2]); err != nil {
			return err
		}
		if err := s2.Synchronize(context.Background()); err != nil {
			return err
		}
		for j := range got {
			if got[j] != va[j]+vb[j] {
				return fmt.Errorf("compute of %d elements: c[%d] = %v, want %v", n, j, got[j], va[j]+vb[j])
			}
		}
		return nil
	}()
	for _, free := range frees {
		if ferr := free(); ferr != nil && err == nil {
			err = ferr
		}
	}
	return err
}

// doubleFree frees one allocation from two goroutines at once.
func (st *stress) doubleFree(rng *rand.Rand, s *streaming.Stream) error {
	c := st.e.ctx
	n := uint64(64 + rng.IntN(4096))
	var e1, e2 error
	what := ""
	switch rng.IntN(3) {
	case 0:
		what = "Free"
		p, err := c.Malloc(n)
		if err != nil {
			return err
		}
		st.ms.expect(st.e.rt, uint64(p))
		e1, e2 = racePair(func() error { return c.Free(p) }, func() error { return c.Free(p) })
	case 1:
		what = "HostMem.Free"
		h, err := c.MallocHost(n, 0)
		if err != nil {
			return err
		}
		st.ms.expect(st.e.rt, uint64(h.DevicePtr()))
		e1, e2 = racePair(h.Free, h.Free)
	case 2:
		if !st.pools {
			return nil
		}
		what = "FreeAsync"
		p, err := s.MallocAsync(n)
		if err != nil {
			return err
		}
		st.ms.expect(st.e.rt, uint64(p))
		e1, e2 = racePair(func() error { return s.FreeAsync(p) }, func() error { return s.FreeAsync(p) })
	}
	return exactlyOne("double "+what, e1, e2, streaming.ErrInvalidValue)
}

// closeRaces closes a stream with work in flight, and an event, from two
// goroutines at once, while a third synchronizes the stream.
func (st *stress) closeRaces() error {
	c := st.e.ctx
	s, err := c.NewStream(streaming.StreamNonBlocking, 0)
	if err != nil {
		return err
	}
	ev, err := c.NewEvent(0)
	if err != nil {
		return err
	}
	var ran atomic.Bool
	if err := s.LaunchHostFunc(func() { ran.Store(true) }); err != nil {
		return err
	}
	if err := ev.Record(s); err != nil {
		return err
	}
	syncErr := make(chan error, 1)
	go func() { syncErr <- s.Synchronize(context.Background()) }()
	e1, e2 := racePair(s.Close, s.Close)
	if err := exactlyOne("double Stream.Close", e1, e2, streaming.ErrInvalidHandle); err != nil {
		return err
	}
	if err := <-syncErr; err != nil && !errors.Is(err, streaming.ErrInvalidHandle) {
		return fmt.Errorf("Synchronize racing Close: %w", err)
	}
	if !ran.Load() {
		return errors.New("a stream's host function had not run when its Close returned")
	}
	e1, e2 = racePair(ev.Close, ev.Close)
	return exactlyOne("double Event.Close", e1, e2, streaming.ErrInvalidHandle)
}

// graph launches an exec, checks its result, frees its output and checks
// that the next launch is refused.
func (st *stress) graph(rng *rand.Rand, s *streaming.Stream, w, i int) error {
	c := st.e.ctx
	n := 1 + rng.IntN(4096)
	va := values(n, w, i, 7)
	a, err := c.Malloc(uint64(4 * n))
	if err != nil {
		return err
	}
	defer c.Free(a)
	out, err := c.Malloc(uint64(4 * n))
	if err != nil {
		return err
	}
	if err := streaming.CopyToDeviceSync(c, a, va); err != nil {
		c.Free(out)
		return err
	}
	g := streaming.NewGraph()
	if _, err := g.AddKernelNode(nil, st.f, streaming.LaunchConfig{Grid: streaming.D1(uint32((n + 127) / 128)), Block: streaming.D1(128)}, a, a, out, uint32(n)); err != nil {
		c.Free(out)
		return err
	}
	x, err := c.Instantiate(g)
	if err != nil {
		c.Free(out)
		return err
	}
	defer x.Close()
	if err := x.Launch(s); err != nil {
		c.Free(out)
		return err
	}
	got := poisoned(n)
	if err := streaming.CopyFromDevice(s, got, out); err != nil {
		c.Free(out)
		return err
	}
	if err := s.Synchronize(context.Background()); err != nil {
		c.Free(out)
		return err
	}
	for j := range got {
		if got[j] != 2*va[j] {
			c.Free(out)
			return fmt.Errorf("graph: out[%d] = %v, want %v", j, got[j], 2*va[j])
		}
	}
	if err := c.Free(out); err != nil {
		return err
	}
	// Refused, also when another goroutine got memory at that address
	// meanwhile.
	if err := x.Launch(s); !errors.Is(err, streaming.ErrInvalidValue) {
		return fmt.Errorf("launch after its memory was freed: got %v, want ErrInvalidValue", err)
	}
	return s.Synchronize(context.Background())
}

// context creates a context, fills memory in it, and destroys it while
// another goroutine frees that memory and a third closes it too.
func (st *stress) context(rng *rand.Rand) error {
	c, err := st.e.dev.NewContext(0)
	if err != nil {
		return err
	}
	n := uint64(256 + rng.IntN(8192))
	p, err := c.Malloc(n)
	if err != nil {
		c.Close()
		return err
	}
	if err := c.MemsetD8(p, 0x5a, n); err != nil {
		c.Close()
		return err
	}
	got := make([]byte, n)
	if err := c.MemcpyDtoH(got, p); err != nil {
		c.Close()
		return err
	}
	for j, v := range got {
		if v != 0x5a {
			c.Close()
			return fmt.Errorf("context: byte %d = %#x, want 0x5a", j, v)
		}
	}
	var freeErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); freeErr = c.Free(p) }()
	e1, e2 := racePair(c.Close, c.Close)
	wg.Wait()
	if err := exactlyOne("double Context.Close", e1, e2, streaming.ErrInvalidContext); err != nil {
		return err
	}
	if freeErr != nil && !errors.Is(freeErr, streaming.ErrInvalidValue) && !errors.Is(freeErr, streaming.ErrInvalidContext) {
		return fmt.Errorf("Free racing its context's Close: %w", freeErr)
	}
	if driverFreeError(e1) || driverFreeError(e2) {
		return fmt.Errorf("Context.Close: %v; %v", e1, e2)
	}
	return nil
}

// memset fills a buffer with 32-bit words on s and reads it back
// synchronously.
func (st *stress) memset(rng *rand.Rand, s *streaming.Stream, w, i int) error {
	c := st.e.ctx
	n := 1 + rng.IntN(16384)
	v := uint32(w)<<20 | uint32(i&0xfffff)
	p, free, err := st.alloc(rng, s, uint64(4*n))
	if err != nil {
		return err
	}
	err = func() error {
		if err := s.MemsetD32Async(p, v, uint64(n)); err != nil {
			return err
		}
		if err := s.Synchronize(context.Background()); err != nil {
			return err
		}
		got := make([]uint32, n)
		if err := streaming.CopyFromDeviceSync(c, got, p); err != nil {
			return err
		}
		for j := range got {
			if got[j] != v {
				return fmt.Errorf("memset: word %d = %#x, want %#x", j, got[j], v)
			}
		}
		return nil
	}()
	if ferr := free(); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

// registered copies through registered Go memory.
func (st *stress) registered(rng *rand.Rand, s *streaming.Stream, w, i int) error {
	if !st.register {
		return nil
	}
	c := st.e.ctx
	n := 1 + rng.IntN(8192)
	host := values(n, w, i, 3)
	hp := unsafe.Pointer(&host[0])
	if err := c.HostRegister(hp, uint64(4*n), 0); err != nil {
		return err
	}
	p, free, err := st.alloc(rng, s, uint64(4*n))
	if err != nil {
		c.HostUnregister(hp)
		return err
	}
	back := poisoned(n)
	err = func() error {
		if err := streaming.CopyToDevice(s, p, host); err != nil {
			return err
		}
		if err := streaming.CopyFromDevice(s, back, p); err != nil {
			return err
		}
		return s.Synchronize(context.Background())
	}()
	if ferr := free(); ferr != nil && err == nil {
		err = ferr
	}
	if uerr := c.HostUnregister(hp); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return err
	}
	for j := range back {
		if back[j] != host[j] {
			return fmt.Errorf("registered: element %d = %v, want %v", j, back[j], host[j])
		}
	}
	runtime.KeepAlive(host)
	return nil
}
