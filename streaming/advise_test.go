package streaming_test

import (
	"errors"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

func TestMemAdvise(t *testing.T) {
	e := newEnv(t)
	if !e.dev.Info().ManagedMemory {
		t.Skip("no managed memory on this device")
	}
	const n = 1 << 16
	p, err := e.ctx.MallocManaged(n, streaming.MemAttachGlobal)
	if err != nil {
		t.Fatal(err)
	}
	defer e.ctx.Free(p)
	ra, err := e.rt.MemRangeAttributes(p, n)
	if err != nil || ra.ReadMostly || ra.PreferredLocation != streaming.LocationNone || len(ra.AccessedBy) != 0 || ra.LastPrefetchLocation != streaming.LocationNone {
		t.Fatalf("initial attributes %+v, %v", ra, err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.rt.MemAdvise(p, n, streaming.AdviseSetReadMostly, nil))
	must(e.rt.MemAdvise(p, 16, streaming.AdviseSetPreferredLocation, nil))
	must(e.rt.MemAdvise(p+64, 64, streaming.AdviseSetAccessedBy, nil))
	concurrent := e.dev.Info().ConcurrentManagedAccess
	if concurrent {
		must(e.rt.MemAdvise(p, n, streaming.AdviseSetAccessedBy, e.dev))
		s := e.stream(t, 0)
		must(s.MemPrefetchAsync(p, n, e.dev))
		syncStream(t, s)
	}
	ra, err = e.rt.MemRangeAttributes(p+100, 10)
	must(err)
	want := []int{streaming.LocationHost}
	last := streaming.LocationNone
	if concurrent {
		want = append(want, e.dev.Ordinal())
		last = e.dev.Ordinal()
	}
	if !ra.ReadMostly || ra.PreferredLocation != streaming.LocationHost || len(ra.AccessedBy) != len(want) || ra.AccessedBy[0] != want[0] || ra.LastPrefetchLocation != last {
		t.Errorf("attributes %+v, want read-mostly, preferred host, accessed by %v, last prefetch %d", ra, want, last)
	}
	must(e.rt.MemAdvise(p, n, streaming.AdviseUnsetReadMostly, nil))
	must(e.rt.MemAdvise(p, n, streaming.AdviseUnsetPreferredLocation, nil))
	must(e.rt.MemAdvise(p, n, streaming.AdviseUnsetAccessedBy, nil))
	ra, _ = e.rt.MemRangeAttributes(p, n)
	if ra.ReadMostly || ra.PreferredLocation != streaming.LocationNone || len(ra.AccessedBy) != len(want)-1 {
		t.Errorf("after unsetting: %+v", ra)
	}

	// Misuse.
	d := e.malloc(t, 64)
	for _, c := range []struct {
		what string
		err  error
		want error
	}{
		{"device memory", e.rt.MemAdvise(d, 64, streaming.AdviseSetReadMostly, nil), streaming.ErrInvalidValue},
		{"0 bytes", e.rt.MemAdvise(p, 0, streaming.AdviseSetReadMostly, nil), streaming.ErrInvalidValue},
		{"past the end", e.rt.MemAdvise(p, n+1, streaming.AdviseSetReadMostly, nil), streaming.ErrInvalidValue},
		{"advice 9", e.rt.MemAdvise(p, n, 9, nil), streaming.ErrInvalidValue},
		{"range of device memory", func() error { _, err := e.rt.MemRangeAttributes(d, 64); return err }(), streaming.ErrInvalidValue},
		{"prefetch of device memory", e.ctx.DefaultStream().MemPrefetchAsync(d, 64, nil), streaming.ErrInvalidValue},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, c.err, c.want)
		}
	}
}

func TestMemcpyPeerSync(t *testing.T) {
	rt := openRuntime(t, streaming.Options{CPUDevices: 2})
	defer rt.Close()
	if rt.DeviceCount() < 2 {
		t.Skip("one device")
	}
	d0, _ := rt.Device(0)
	d1, _ := rt.Device(1)
	c0, err := d0.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := d1.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1<<20 + 5
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i * 13)
	}
	a, _ := c0.Malloc(n)
	b, _ := c1.Malloc(n)
	if err := c0.MemcpyHtoD(a, src); err != nil {
		t.Fatal(err)
	}
	if err := c1.MemsetD8(b, 0, n); err != nil {
		t.Fatal(err)
	}
	if err := c0.MemcpyPeer(b, c1, a, c0, n); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	if err := c1.MemcpyDtoH(got, b); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != src[i] {
			t.Fatalf("byte %d = %d, want %d", i, got[i], src[i])
		}
	}
	if err := c0.MemcpyPeer(b, nil, a, c0, n); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("nil context: %v", err)
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c0.MemcpyPeer(b, c1, a, c0, n); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("destroyed context: %v", err)
	}
	c0.Close()
}

func TestDeviceByPCIBusID(t *testing.T) {
	rt := openRuntime(t, streaming.Options{CPUDevices: 2})
	defer rt.Close()
	for _, d := range rt.Devices() {
		got, err := rt.DeviceByPCIBusID(d.PCIBusID())
		if err != nil || got != d {
			t.Errorf("DeviceByPCIBusID(%q) = %v, %v; want %v", d.PCIBusID(), got, err, d)
		}
	}
	if _, err := rt.DeviceByPCIBusID("fffe:fd:1f.0"); !errors.Is(err, streaming.ErrInvalidDevice) {
		t.Errorf("nowhere: %v", err)
	}
	if _, err := rt.DeviceByPCIBusID("nonsense"); !errors.Is(err, streaming.ErrInvalidValue) {
		t.Errorf("nonsense: %v", err)
	}
}
