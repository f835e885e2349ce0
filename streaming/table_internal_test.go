package streaming

import (
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
