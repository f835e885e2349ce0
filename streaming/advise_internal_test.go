package streaming

import "testing"

// The advice of a managed allocation lives in its runtime and goes with
// the allocation: a later allocation, even at the same address, starts
// with none, and a closed runtime keeps nothing.
func TestAdviceLifetime(t *testing.T) {
	rt, err := Open(Options{Backends: []string{"cpu"}, IgnoreEnvironment: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	d := rt.Default()
	c, err := d.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4096
	p, err := c.MallocManaged(n, MemAttachGlobal)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.MemAdvise(p, n, AdviseSetReadMostly, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.DefaultStream().MemPrefetchAsync(p, n, d); err != nil {
		t.Fatal(err)
	}
	if len(rt.advice.m) != 1 {
		t.Fatalf("%d advice records after advising one allocation", len(rt.advice.m))
	}
	if err := c.Free(p); err != nil {
		t.Fatal(err)
	}
	if len(rt.advice.m) != 0 {
		t.Errorf("%d advice records left after the allocation was freed", len(rt.advice.m))
	}
	q, err := c.MallocManaged(n, MemAttachGlobal)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := rt.MemRangeAttributes(q, n)
	if err != nil || ra.ReadMostly || ra.LastPrefetchLocation != LocationNone {
		t.Errorf("a new allocation (at %#x, the old one was at %#x) has attributes %+v, %v", uint64(q), uint64(p), ra, err)
	}
	if err := rt.MemAdvise(q, n, AdviseSetAccessedBy, d); err != nil {
		t.Fatal(err)
	}
	// Destroying the context frees q, and its record.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rt.advice.m) != 0 {
		t.Errorf("%d advice records left after the context was destroyed", len(rt.advice.m))
	}
}
