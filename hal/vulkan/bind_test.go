package vulkan

import (
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// A batch that launches one kernel again and again binds its pipeline
// once and pushes its arguments only where they change (kernel.record's
// bindState); a fill in between binds another pipeline, and a later
// launch binds its own again. Every result must be as if each launch had
// bound and pushed everything.
func TestBindStateReuse(t *testing.T) {
	d := openDevice(t)
	x := loadTestModule(t, d)
	add := kernelOf(t, x, "vector_add")
	q := newQueue(t, d)
	defer q.Close()
	const n = 1000 // not a multiple of the block: the fill's edges run the fill pipeline
	bytes := uint64(4 * n)
	va, vb := alloc(t, d, hal.MemoryDevice, bytes), alloc(t, d, hal.MemoryDevice, bytes)
	c1, c2, c3 := alloc(t, d, hal.MemoryDevice, bytes+2), alloc(t, d, hal.MemoryDevice, bytes), alloc(t, d, hal.MemoryDevice, bytes)
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(i), float32(7*i+1)
	}
	putFloats(t, d, va.Device, a)
	putFloats(t, d, vb.Device, b)
	for _, c := range []hal.Allocation{c1, c2, c3} {
		poison(t, d, c.Device, bytes)
	}
	launch := func(dst uint64, m uint32) {
		t.Helper()
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: (m + 63) / 64, Y: 1, Z: 1}, Block: hal.Dim3{X: 64, Y: 1, Z: 1},
			Args: (&args{}).ptr(va.Device).ptr(vb.Device).ptr(dst).u32(m).bytes()}
		if err := q.Dispatch(add, cfg); err != nil {
			t.Fatal(err)
		}
	}
	// Nothing synchronizes until the end: after the first launch (which an
	// idle device may take at once) the rest share batches.
	launch(c1.Device, n)
	launch(c2.Device, n)                                                // the same pipeline, other arguments
	launch(c2.Device, n)                                                // the same arguments again
	launch(c3.Device, n/2)                                              // half of c3
	if err := q.Fill(c1.Device+2, bytes-2, 0xffffffff, 1); err != nil { // a fill with edges
		t.Fatal(err)
	}
	launch(c1.Device, n) // after the fill: bind and push again
	launch(c3.Device, n) // all of c3
	syncQ(t, q)
	want := make([]float32, n)
	for i := range want {
		want[i] = a[i] + b[i]
	}
	for name, c := range map[string]hal.Allocation{"c1": c1, "c2": c2, "c3": c3} {
		got := getFloats(t, d, c.Device, n)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	if s := q.(*queue).bind.skipped; s == 0 {
		t.Errorf("no bind or push was left out in batches of repeated launches")
	} else {
		t.Logf("binds and pushes left out: %d", s)
	}
}
