package haltest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// testDoubleClose checks hal.go's Close rule on every object a driver
// hands out: the first Close releases it, a second is a harmless error
// wrapping hal.ErrInvalidHandle (never a panic, never a second release).
func (s *suite) testDoubleClose(t *testing.T, format hal.Format, data []byte) {
	q, err := s.dev.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := s.dev.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := s.dev.Load(format, data)
	if err != nil {
		t.Fatal(err)
	}
	gx, err := s.dev.Instantiate(&hal.Graph{Nodes: []hal.Node{{Kind: hal.NodeEmpty}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		name string
		c    interface{ Close() error }
	}{{"queue", q}, {"event", ev}, {"executable", exe}, {"graph exec", gx}} {
		if err := o.c.Close(); err != nil {
			t.Errorf("%s: first Close: %v", o.name, err)
		}
		if err := o.c.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
			t.Errorf("%s: second Close: got %v, want an error wrapping ErrInvalidHandle", o.name, err)
		}
	}
}

// testNotifier checks hal.Notifier where the queue has it: fn runs once,
// after the work enqueued before it (here a host call and a fill), and
// by the next Synchronize. Without it streaming uses HostCall, which
// HostCalls tests.
func (s *suite) testNotifier(t *testing.T) {
	n, ok := s.q.(hal.Notifier)
	if !ok {
		t.Skip("the queue has no Notify (streaming falls back to HostCall)")
	}
	d := s.alloc(t, hal.MemoryDevice, 64)
	var before, ran, order atomic.Int32
	if err := s.q.HostCall(func() { before.Store(1) }); err != nil {
		t.Fatal(err)
	}
	if err := s.q.Fill(d.Device, 64, 0x5a5a5a5a, 4); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(func() { order.Store(before.Load()); ran.Add(1) }); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	s.sync(t)
	if ran.Load() != 1 || order.Load() != 1 {
		t.Errorf("Notify: fn ran %d times, after the earlier host call: %v", ran.Load(), order.Load() == 1)
	}
	if got := s.download(t, d.Device, 64); string(got) != string(pattern64(0x5a)) {
		t.Errorf("the fill before Notify did not land")
	}
}

// testArgsCopier checks hal.ArgsCopier where the queue reports it: a
// launch's argument buffer may be overwritten as soon as Dispatch
// returns, here with the next launch's arguments, while the first launch
// may not have run yet (a host call holds the queue). Without it streaming
// packs every launch into a buffer of its own.
func (s *suite) testArgsCopier(t *testing.T) {
	c, ok := s.q.(hal.ArgsCopier)
	if !ok || !c.DispatchCopiesArgs() {
		t.Skip("the queue may keep argument buffers (streaming packs every launch anew)")
	}
	const n = 1000
	k := s.kernel(t, "vector_add")
	da, db := s.alloc(t, hal.MemoryDevice, 4*n), s.alloc(t, hal.MemoryDevice, 4*n)
	out := [2]hal.Allocation{s.alloc(t, hal.MemoryDevice, 4*n), s.alloc(t, hal.MemoryDevice, 4*n)}
	a := func(i int) float32 { return float32(i) }
	b := func(i int) float32 { return float32(3 * i) }
	s.upload(t, da.Device, floats(n, a))
	s.upload(t, db.Device, floats(n, b))
	for _, o := range out {
		if err := s.q.Fill(o.Device, 4*n, 0x7fc00001, 4); err != nil { // a NaN
			t.Fatal(err)
		}
	}
	release := make(chan struct{})
	if err := s.q.HostCall(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	grid, block := hal.Dim3{X: (n + 255) / 256, Y: 1, Z: 1}, hal.Dim3{X: 256, Y: 1, Z: 1}
	// One buffer for both launches: the first writes out[0], then its
	// buffer is repacked for the second, which writes out[1] over half
	// the elements.
	buf := packArgs(t, k, da.Device, db.Device, out[0].Device, uint32(n))
	err := s.q.Dispatch(k, hal.LaunchConfig{Grid: grid, Block: block, Args: buf})
	if err == nil {
		copy(buf, packArgs(t, k, da.Device, db.Device, out[1].Device, uint32(n/2)))
		err = s.q.Dispatch(k, hal.LaunchConfig{Grid: grid, Block: block, Args: buf})
	}
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	s.sync(t)
	for j, o := range out {
		got := toFloats(s.download(t, o.Device, 4*n))
		count := []int{n, n / 2}[j]
		for i, v := range got {
			want := a(i) + b(i)
			if i >= count {
				if v == v {
					t.Fatalf("launch %d: c[%d] = %v, want it untouched (NaN)", j, i, v)
				}
				continue
			}
			if !close32(v, want, 1e-6) {
				t.Fatalf("launch %d: c[%d] = %v, want %v (the launch read a later launch's arguments?)", j, i, v, want)
			}
		}
	}
}

func pattern64(b byte) []byte {
	p := make([]byte, 64)
	for i := range p {
		p[i] = b
	}
	return p
}

// testPeers checks hal.PeerDevice where the device has it: a device is
// not its own peer, and with a peer it can reach, enabling access twice
// is ErrPeerAlreadyEnabled, CopyPeer moves the bytes, and disabling twice
// is ErrPeerNotEnabled. Without it streaming copies through the host.
func (s *suite) testPeers(t *testing.T) {
	pd, ok := s.dev.(hal.PeerDevice)
	if !ok {
		t.Skip("the device has no peer access (streaming copies through the host)")
	}
	if pd.CanAccessPeer(s.dev) {
		t.Errorf("CanAccessPeer(itself) = true")
	}
	var peer hal.Device
	for _, p := range s.all {
		if p != s.dev && pd.CanAccessPeer(p) {
			peer = p
			break
		}
	}
	if peer == nil {
		t.Skipf("no peer among the driver's %d devices", len(s.all))
	}
	if err := pd.EnablePeerAccess(peer); err != nil {
		t.Fatalf("EnablePeerAccess: %v", err)
	}
	if err := pd.EnablePeerAccess(peer); !errors.Is(err, hal.ErrPeerAlreadyEnabled) {
		t.Errorf("second EnablePeerAccess: got %v, want ErrPeerAlreadyEnabled", err)
	}
	src, err := peer.Allocate(hal.MemoryDevice, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Free(hal.MemoryDevice, src.Device)
	want := pattern(4096, 0x42)
	if err := peer.CopyFromHost(src.Device, unsafe.Pointer(&want[0]), 4096); err != nil {
		t.Fatal(err)
	}
	dst := s.alloc(t, hal.MemoryDevice, 4096)
	if err := pd.CopyPeer(s.q, dst.Device, peer, src.Device, 4096); err != nil {
		t.Fatalf("CopyPeer: %v", err)
	}
	s.sync(t)
	if got := s.download(t, dst.Device, 4096); string(got) != string(want) {
		t.Errorf("CopyPeer: the bytes differ from the source")
	}
	if err := pd.DisablePeerAccess(peer); err != nil {
		t.Errorf("DisablePeerAccess: %v", err)
	}
	if err := pd.DisablePeerAccess(peer); !errors.Is(err, hal.ErrPeerNotEnabled) {
		t.Errorf("second DisablePeerAccess: got %v, want ErrPeerNotEnabled", err)
	}
}

// testAdvisor checks hal.Advisor where the device has it and managed
// memory: advice and prefetches in both directions keep the data, and
// the prefetch is ordered on the queue. Without it streaming records the
// advice and ignores the prefetch.
func (s *suite) testAdvisor(t *testing.T) {
	adv, ok := s.dev.(hal.Advisor)
	if !ok {
		t.Skip("the device takes no memory advice (streaming records it)")
	}
	if !s.dev.Info().ManagedMemory {
		t.Skip("no managed memory")
	}
	m := s.alloc(t, hal.MemoryManaged, 1<<16)
	want := pattern(1<<16, 0x17)
	s.upload(t, m.Device, want)
	for _, advice := range []int{1, 2} { // set and unset read-mostly (cuMemAdvise's numbers)
		if err := adv.Advise(m.Device, 1<<16, advice, nil); err != nil && !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("Advise(%d): %v", advice, err)
		}
	}
	for _, toHost := range []bool{false, true} {
		if err := adv.Prefetch(s.q, m.Device, 1<<16, toHost); err != nil && !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("Prefetch(toHost %v): %v", toHost, err)
		}
		if err := s.q.Synchronize(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := s.download(t, m.Device, 1<<16); string(got) != string(want) {
			t.Errorf("after Prefetch(toHost %v): the data changed", toHost)
		}
	}
}
