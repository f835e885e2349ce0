package streaming

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// hostRange answers for host addresses only: a device address range that
// happens to cover the numbers of unrelated Go memory (as a Vulkan buffer
// device address may) is not that memory, while a host mapping, its alias
// entry included, is.
func TestHostRangeOnlyHostAddresses(t *testing.T) {
	goMem := make([]byte, 256)  // ordinary Go memory
	mapped := make([]byte, 512) // stands for the host mapping of a device allocation
	gp := unsafe.Pointer(&goMem[0])
	mp := unsafe.Pointer(&mapped[0])
	var tab ptrTable
	// Device memory whose device addresses cover goMem's numbers, mapped
	// for the host at mapped: the table holds it and its host alias.
	dev := &allocation{base: uint64(uintptr(gp)) - 64, size: 1024, kind: MemoryDevice, host: mp}
	alias := &allocation{base: uint64(uintptr(mp)), size: 512, kind: MemoryDevice, host: mp, primary: dev}
	dev.alias = alias
	if err := tab.insert(dev); err != nil {
		t.Fatal(err)
	}
	if err := tab.insert(alias); err != nil {
		t.Fatal(err)
	}
	if a := tab.hostRange(gp, 16); a != nil {
		t.Errorf("Go memory inside a device address range: hostRange = entry at %#x, want none", a.base)
	}
	if a := tab.hostRange(unsafe.Add(mp, 100), 400); a != alias {
		t.Errorf("inside the host mapping: hostRange = %v, want the alias entry", a)
	}
	if a := tab.hostRange(unsafe.Add(mp, 100), 413); a != nil {
		t.Error("a range running past the host mapping was matched")
	}
	// Memory whose host address is its address (the CPU backend, pinned
	// memory under unified addressing) matches by itself.
	pinned := make([]byte, 128)
	pp := unsafe.Pointer(&pinned[0])
	if err := tab.insert(&allocation{base: uint64(uintptr(pp)), size: 128, kind: MemoryHost, host: pp}); err != nil {
		t.Fatal(err)
	}
	if a := tab.hostRange(unsafe.Add(pp, 8), 120); a == nil || a.kind != MemoryHost {
		t.Errorf("pinned memory: hostRange = %v", a)
	}
	if a := tab.hostRange(nil, 8); a != nil {
		t.Error("nil matched")
	}
}

// TestTableFind checks findLocked, which searches the table's bases, against
// a linear scan of the allocations, through inserts and removals in random
// order.
func TestTableFind(t *testing.T) {
	var tab ptrTable
	rng := rand.New(rand.NewPCG(1, 2))
	var live []*allocation
	check := func() {
		t.Helper()
		if len(tab.bases) != len(tab.entries) {
			t.Fatalf("%d bases for %d entries", len(tab.bases), len(tab.entries))
		}
		for _, p := range []uint64{0, 1, 4095, 4096, 4097, 1 << 20, 1<<20 + 4095, 1<<20 + 4096, 1 << 30, ^uint64(0)} {
			for _, q := range []uint64{p, p + uint64(rng.IntN(1<<20))} {
				var want *allocation
				for _, a := range live {
					if q >= a.base && q < a.base+a.size {
						want = a
					}
				}
				if got := tab.findLocked(q); got != want {
					t.Fatalf("findLocked(%#x) = %v, want %v", q, got, want)
				}
			}
		}
		for _, a := range live {
			for _, q := range []uint64{a.base, a.base + a.size - 1} {
				if got := tab.findLocked(q); got != a {
					t.Fatalf("findLocked(%#x) = %v, want the allocation at %#x", q, got, a.base)
				}
			}
			if got := tab.findLocked(a.base + a.size); got == a {
				t.Fatalf("findLocked(%#x), one past the allocation at %#x, found it", a.base+a.size, a.base)
			}
		}
	}
	check()
	for step := range 400 {
		if len(live) > 0 && (rng.IntN(3) == 0 || step > 300) {
			i := rng.IntN(len(live))
			tab.mu.Lock()
			ok := tab.removeLocked(live[i])
			tab.mu.Unlock()
			if !ok {
				t.Fatalf("removeLocked of the allocation at %#x found nothing", live[i].base)
			}
			live = append(live[:i], live[i+1:]...)
		} else {
			// Slots of 8 KiB, allocations of up to 8 KiB: some adjacent.
			a := &allocation{base: 4096 + uint64(rng.IntN(512))*8192, size: 1 + uint64(rng.IntN(8192)), kind: MemoryDevice}
			err := tab.insert(a)
			overlaps := false
			for _, o := range live {
				overlaps = overlaps || (a.base < o.base+o.size && o.base < a.base+a.size)
			}
			if overlaps != (err != nil) {
				t.Fatalf("insert at [%#x, +%d): %v, overlaps a live allocation: %v", a.base, a.size, err, overlaps)
			}
			if err == nil {
				live = append(live, a)
			}
		}
		check()
	}
}
