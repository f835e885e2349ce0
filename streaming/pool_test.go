package streaming_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/streamhal/streamhal/streaming"
)

func TestPoolReuseAndOrdering(t *testing.T) {
	e := newEnv(t)
	pool := e.dev.DefaultMemPool()
	if e.dev.MemPool() != pool {
		t.Fatal("the current pool is not the default pool")
	}
	// Keep freed memory cached across synchronizations (the default
	// threshold, 0, releases it at every synchronization, as in CUDA).
	if err := pool.SetAttribute(streaming.MemPoolReleaseThreshold, 1<<40); err != nil {
		t.Fatal(err)
	}
	defer pool.SetAttribute(streaming.MemPoolReleaseThreshold, 0)
	s1 := e.stream(t, streaming.StreamNonBlocking)
	s2 := e.stream(t, streaming.StreamNonBlocking)
	p, err := s1.MallocAsync(10000)
	if err != nil {
		t.Fatal(err)
	}
	used, _ := pool.Attribute(streaming.MemPoolUsedMemCurrent)
	if used < 10000 {
		t.Errorf("used %d after a 10000-byte allocation", used)
	}
	// Hold s1 so that its FreeAsync is not reached yet.
	release := make(chan struct{})
	s1.LaunchHostFunc(func() { <-release })
	if err := s1.FreeAsync(p); err != nil {
		t.Fatal(err)
	}
	// Another stream must not get the memory before the free is reached...
	q, err := s2.MallocAsync(10000)
	if err != nil {
		t.Fatal(err)
	}
	// Which block a driver's own pool hands out is its business (CUDA
	// may reuse a block with an inserted dependency): the rules below are
	// streamhal's pool's.
	own := !pool.Native()
	if own && q == p {
		t.Error("another stream reused memory whose FreeAsync was not reached")
	}
	// ...but the same stream may, in stream order.
	r, err := s1.MallocAsync(10000)
	if err != nil {
		t.Fatal(err)
	}
	if own && r != p {
		t.Errorf("the freeing stream did not reuse its block: got %#x, want %#x", uint64(r), uint64(p))
	}
	close(release)
	s1.FreeAsync(r)
	syncStream(t, s1)
	// Once the free is reached, any stream may reuse it.
	u, _ := s2.MallocAsync(9000)
	if own && u != p {
		t.Errorf("after the free was reached, another stream got %#x, want the cached %#x", uint64(u), uint64(p))
	}
	s2.FreeAsync(u)
	s2.FreeAsync(q)
	syncStream(t, s2)
	// Use after FreeAsync is an invalid pointer.
	if err := s2.MemsetD8Async(p, 0, 10); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("memset of freed pool memory: got %v, want ErrInvalidValue", err)
	}
	if err := s2.FreeAsync(p); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("double FreeAsync: got %v, want ErrInvalidValue", err)
	}
	reserved, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent)
	if own && reserved < 20000 || reserved < 10000 {
		t.Errorf("reserved %d, want the cached blocks", reserved)
	}
	if err := pool.TrimTo(0); err != nil {
		t.Fatal(err)
	}
	if reserved, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent); reserved != 0 {
		t.Errorf("reserved %d after TrimTo(0)", reserved)
	}
	if high, _ := pool.Attribute(streaming.MemPoolReservedMemHigh); high < reserved {
		t.Errorf("reserved high-water mark %d", high)
	}
	if err := pool.SetAttribute(streaming.MemPoolUsedMemHigh, 5); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("setting a high-water mark to non-zero: got %v", err)
	}
	if err := pool.Destroy(); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("destroying the default pool: got %v", err)
	}
}

func TestPoolReleaseThreshold(t *testing.T) {
	e := newEnv(t)
	pool, err := e.dev.NewMemPool()
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Destroy()
	pool.SetAttribute(streaming.MemPoolReleaseThreshold, 1<<20)
	if v, _ := pool.Attribute(streaming.MemPoolReleaseThreshold); v != 1<<20 {
		t.Fatalf("release threshold %d", v)
	}
	s := e.stream(t, 0)
	var ptrs []streaming.DevicePtr
	for i := 0; i < 8; i++ {
		p, err := s.MallocFromPoolAsync(1<<20, pool)
		if err != nil {
			t.Fatal(err)
		}
		ptrs = append(ptrs, p)
	}
	for _, p := range ptrs {
		s.FreeAsync(p)
	}
	syncStream(t, s) // a synchronization point applies the threshold
	if r, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent); r > 1<<20 {
		t.Errorf("reserved %d after sync, want at most the 1 MiB threshold", r)
	}
	e.dev.SetMemPool(pool)
	p, _ := s.MallocAsync(100)
	if attr, _ := e.ctx.PointerAttributes(p + 10); attr.Pool != pool {
		t.Errorf("MallocAsync after SetMemPool: pointer attributes name pool %p, want %p", attr.Pool, pool)
	}
	s.FreeAsync(p)
	syncStream(t, s)
	if err := pool.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MallocFromPoolAsync(10, pool); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("allocation from a destroyed pool: got %v", err)
	}
	if e.dev.MemPool() != e.dev.DefaultMemPool() {
		t.Error("destroying the current pool did not restore the default")
	}
}

func TestPoolAccessAcrossDevices(t *testing.T) {
	if backend() != "cpu" {
		t.Skip("uses two CPU devices")
	}
	rt := openRuntime(t, streaming.Options{CPUDevices: 2})
	defer rt.Close()
	d0, _ := rt.Device(0)
	d1, _ := rt.Device(1)
	pool := d0.DefaultMemPool()
	if pool.Access(d0) != streaming.MemAccessReadWrite || pool.Access(d1) != streaming.MemAccessNone {
		t.Errorf("initial access: %v, %v", pool.Access(d0), pool.Access(d1))
	}
	if err := pool.SetAccess(d1, streaming.MemAccessRead); err != nil {
		t.Fatal(err)
	}
	if pool.Access(d1) != streaming.MemAccessRead {
		t.Errorf("access after SetAccess = %v", pool.Access(d1))
	}
	if err := pool.SetAccess(d0, streaming.MemAccessNone); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("removing the owner's access: got %v", err)
	}
	if err := pool.SetAccess(d1, 7); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("bad flags: got %v", err)
	}
}

// Concurrent streams allocating, using and freeing pool memory never see
// each other's data.
func TestPoolConcurrentStreams(t *testing.T) {
	e := newEnv(t)
	f := e.fn(t, "vector_add_scaled")
	const n = 4096
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s, _ := e.ctx.NewStream(streaming.StreamNonBlocking, 0)
			defer s.Close()
			for rep := 0; rep < 50; rep++ {
				p, err := s.MallocAsync(4 * n)
				if err != nil {
					errs <- err
					return
				}
				v := float32(g*1000 + rep)
				s.MemsetD32Async(p, 0, n)
				src := seq(n, func(int) float32 { return v })
				streaming.CopyToDevice(s, p, src)
				s.Launch(f, streaming.D1(n/128), streaming.D1(128), 0, p, p, p, float32(1), float32(1), uint32(n))
				got := poisoned(n)
				streaming.CopyFromDevice(s, got, p)
				for i := range got {
					if got[i] != 2*v {
						errs <- errors.New("pool memory shared between streams")
						return
					}
				}
				s.FreeAsync(p)
			}
			s.Synchronize(t.Context())
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Context.Free takes memory from MallocAsync back to its pool (as cuMemFree
// and hipFree do), once the device's earlier work is done.
func TestFreeOfPoolMemory(t *testing.T) {
	e := newEnv(t)
	pool := e.dev.DefaultMemPool()
	if err := pool.SetAttribute(streaming.MemPoolReleaseThreshold, 1<<40); err != nil {
		t.Fatal(err)
	}
	defer pool.SetAttribute(streaming.MemPoolReleaseThreshold, 0)
	s := e.stream(t, streaming.StreamNonBlocking)
	live := e.rt.LiveAllocations()
	usedBefore, _ := pool.Attribute(streaming.MemPoolUsedMemCurrent)
	const n = 1 << 16
	p, err := s.MallocAsync(n)
	if err != nil {
		t.Fatal(err)
	}
	// Pending work on the stream writes the memory; Free must wait for it.
	release := make(chan struct{})
	s.LaunchHostFunc(func() { <-release })
	if err := s.MemsetD8Async(p, 0x77, n); err != nil {
		t.Fatal(err)
	}
	attr, err := e.rt.PointerAttributes(p)
	if err != nil || attr.Context != e.ctx {
		t.Fatalf("pointer attributes of pool memory: %+v, %v", attr, err)
	}
	freed := make(chan error, 1)
	go func() { freed <- e.ctx.Free(p) }()
	select {
	case err := <-freed:
		t.Fatalf("Free returned (%v) before the stream's work that uses the memory ran", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-freed; err != nil {
		t.Fatalf("Free of MallocAsync memory: %v", err)
	}
	if got := e.rt.LiveAllocations(); got != live {
		t.Errorf("%d allocations after Free, want %d", got, live)
	}
	used, _ := pool.Attribute(streaming.MemPoolUsedMemCurrent)
	reserved, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent)
	switch {
	case pool.Native() && used != usedBefore:
		// The driver's pool: on the H100, cuMemFree of pool memory
		// leaves its used-memory count as it was.
		t.Logf("after Free on the driver's pool: used %d (was %d), reserved %d", used, usedBefore, reserved)
	case used != usedBefore || reserved < n:
		t.Errorf("after Free: used %d (want %d), reserved %d (want the block kept, at least %d)", used, usedBefore, reserved, n)
	}
	// The block went back to the pool: the next allocation reuses it.
	q, err := s.MallocAsync(n)
	if err != nil {
		t.Fatal(err)
	}
	if !pool.Native() && q != p {
		t.Errorf("the pool did not reuse the freed block: got %#x, want %#x", uint64(q), uint64(p))
	}
	if err := e.ctx.Free(p); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{"Free": e.ctx.Free(p), "FreeAsync": s.FreeAsync(p)} {
		if !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("%s of freed pool memory: %v, want ErrInvalidValue", what, err)
		}
	}
}

// Trimming keeps every block that is not released exactly once, in order
// (a trim that rewrote the cache in place duplicated and lost blocks).
func TestPoolTrimKeepsPendingBlocks(t *testing.T) {
	e := newEnv(t)
	pool, err := e.dev.NewMemPool()
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Destroy()
	pool.SetAttribute(streaming.MemPoolReleaseThreshold, 1<<40)
	s1 := e.stream(t, streaming.StreamNonBlocking)
	s2 := e.stream(t, streaming.StreamNonBlocking)
	// Three blocks of different sizes: the smallest freed and reached, the
	// two larger ones freed behind a held stream.
	small, _ := s2.MallocFromPoolAsync(1024, pool)
	mid, _ := s1.MallocFromPoolAsync(8192, pool)
	big, _ := s1.MallocFromPoolAsync(65536, pool)
	s2.FreeAsync(small)
	syncStream(t, s2)
	release := make(chan struct{})
	s1.LaunchHostFunc(func() { <-release })
	s1.FreeAsync(mid)
	s1.FreeAsync(big)
	// Freeing device memory waits for the device on CUDA (as cudaFree
	// does), so the hold is released while TrimTo waits; the blocks it
	// keeps were chosen before that.
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	if err := pool.TrimTo(0); err != nil {
		t.Fatal(err)
	}
	if pool.Native() {
		// How a driver's pool keeps pending blocks is its own (CUDA
		// reserves memory in large chunks): only the rules below hold.
		r, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent)
		if r < 8192+65536 {
			t.Errorf("reserved %d after trimming, want at least the two pending blocks (%d)", r, 8192+65536)
		}
		syncStream(t, s1)
		return
	}
	if r, _ := pool.Attribute(streaming.MemPoolReservedMemCurrent); r != 8192+65536 {
		t.Errorf("reserved %d after trimming, want the two pending blocks (%d)", r, 8192+65536)
	}
	// The pending blocks come back to s1 once each, never twice.
	a, _ := s1.MallocFromPoolAsync(8192, pool)
	b, _ := s1.MallocFromPoolAsync(65536, pool)
	if a != mid || b != big {
		t.Errorf("s1 got %#x and %#x, want its pending blocks %#x and %#x", uint64(a), uint64(b), uint64(mid), uint64(big))
	}
	c, _ := s1.MallocFromPoolAsync(8192, pool)
	if c == a || c == b {
		t.Errorf("a block was handed out twice: %#x", uint64(c))
	}
	for _, p := range []streaming.DevicePtr{a, b, c} {
		s1.FreeAsync(p)
	}
	syncStream(t, s1)
}

// Drivers with a stream-ordered allocator serve the pools natively; the
// others use streamhal's pool. Either way the memory is in the pointer
// table from MallocAsync until its FreeAsync is enqueued.
func TestPoolNativeWhereTheDriverHasOne(t *testing.T) {
	e := newEnv(t)
	pool := e.dev.DefaultMemPool()
	want := backend() == "cuda" || backend() == "amdgpu"
	if pool.Native() != want {
		t.Errorf("on %s the default pool is native: %v, want %v", backend(), pool.Native(), want)
	}
	created, err := e.dev.NewMemPool()
	if err != nil {
		t.Fatal(err)
	}
	if created.Native() != want {
		t.Errorf("on %s a created pool is native: %v, want %v", backend(), created.Native(), want)
	}
	s := e.stream(t, streaming.StreamNonBlocking)
	const n = 1000
	p, err := s.MallocFromPoolAsync(4*n, created)
	if err != nil {
		t.Fatal(err)
	}
	base, size, err := e.ctx.AddressRange(p + 40)
	if err != nil || base != p || size < 4*n {
		t.Errorf("address range of pool memory: %#x, %d, %v; want %#x, at least %d", uint64(base), size, err, uint64(p), 4*n)
	}
	attr, err := e.rt.PointerAttributes(p)
	if err != nil || attr.Pool != created {
		t.Errorf("pointer attributes: pool %p, %v; want %p", attr.Pool, err, created)
	}
	src := seq(n, func(i int) float32 { return float32(i) })
	if err := streaming.CopyToDevice(s, p, src); err != nil {
		t.Fatal(err)
	}
	got := poisoned(n)
	if err := streaming.CopyFromDevice(s, got, p); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	for i := range got {
		if got[i] != src[i] {
			t.Fatalf("pool memory [%d] = %v, want %v", i, got[i], src[i])
		}
	}
	if v, _ := created.Attribute(streaming.MemPoolUsedMemCurrent); v < 4*n {
		t.Errorf("used %d with %d bytes allocated", v, 4*n)
	}
	if err := s.FreeAsync(p); err != nil {
		t.Fatal(err)
	}
	// Out of the table at once: the copy is refused, not enqueued.
	if err := s.MemsetD8Async(p, 0, 10); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("memset after FreeAsync: %v, want ErrInvalidValue", err)
	}
	syncStream(t, s)
	if err := created.SetAttribute(streaming.MemPoolReuseAllowOpportunistic, 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := created.Attribute(streaming.MemPoolReuseAllowOpportunistic); v != 0 {
		t.Errorf("reuse-allow-opportunistic reads %d after setting 0", v)
	}
	if _, err := created.Attribute(99); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("attribute 99: %v, want ErrInvalidValue", err)
	}
	if err := created.SetAttribute(streaming.MemPoolUsedMemCurrent, 0); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("setting used-mem-current: %v, want ErrInvalidValue", err)
	}
	if err := created.TrimTo(0); err != nil {
		t.Fatal(err)
	}
	if v, _ := created.Attribute(streaming.MemPoolReservedMemCurrent); v != 0 {
		t.Errorf("reserved %d after trimming a pool with nothing in use", v)
	}
	if err := created.Destroy(); err != nil {
		t.Fatal(err)
	}
	if err := created.Destroy(); !errors.Is(err, streaming.ErrInvalidHandle) {
		t.Errorf("second destroy: %v, want ErrInvalidHandle", err)
	}
}
