package streaming

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// DevicePtr is a device address, exactly like CUdeviceptr and
// hipDeviceptr_t: on the CPU backend a host address from the C heap, on
// CUDA and HIP the driver's device address, on Vulkan the buffer device
// address. Arithmetic on it is meaningful inside one allocation.
type DevicePtr uint64

// MemoryKind says what kind of memory an address belongs to.
type MemoryKind int

// Memory kinds. The numbering is our own; cuda/ and hip/ translate.
const (
	MemoryDevice     MemoryKind = MemoryKind(hal.MemoryDevice)     // device memory (Malloc, MallocPitch, pools)
	MemoryHost       MemoryKind = MemoryKind(hal.MemoryHost)       // page-locked host memory (MallocHost)
	MemoryRegistered MemoryKind = MemoryKind(hal.MemoryRegistered) // registered host memory (HostRegister)
	MemoryManaged    MemoryKind = MemoryKind(hal.MemoryManaged)    // managed memory (MallocManaged)
	MemoryGlobal     MemoryKind = 100                              // a module-scope variable (Module.Global)
)

func (k MemoryKind) String() string {
	if k == MemoryGlobal {
		return "module global"
	}
	return hal.MemoryKind(k).String()
}

// IsHost reports whether the host can address the memory directly.
func (k MemoryKind) IsHost() bool {
	return k == MemoryHost || k == MemoryRegistered || k == MemoryManaged
}

// allocation is one entry of the pointer table.
type allocation struct {
	base, size uint64
	kind       MemoryKind
	dev        *Device
	ctx        *Context
	hal        hal.Allocation
	host       unsafe.Pointer // host mapping; nil for device memory
	flags      uint32
	pinner     *runtime.Pinner // for registered Go memory
	primary    *allocation     // for a host-address alias: the allocation it aliases
	alias      *allocation     // the host-address alias of this allocation, if any
	pool       *MemPool        // pool the memory came from, if any
	graph      *graphMem       // the graph memory-allocation node that owns it, if any
	module     *Module         // module a global belongs to
	pitch      uint64          // pitched allocations: the row pitch
	ipc        *ipcOpened      // memory opened from another process (IPCOpenMemHandle)
	// freed turns true when the allocation leaves the pointer table (see
	// ptrTable.claim); graph execs that resolved an address to it check it
	// before each launch.
	freed atomic.Bool
}

// end is one past the last byte.
func (a *allocation) end() uint64 { return a.base + a.size }

// devicePtr translates an address inside a (a host alias or not) into the
// device address the driver uses.
func (a *allocation) devicePtr(p uint64) uint64 {
	if a.primary != nil {
		return a.primary.base + (p - a.base)
	}
	return p
}

func (a *allocation) owner() *allocation {
	if a.primary != nil {
		return a.primary
	}
	return a
}

// ptrTable maps every address inside an allocation to it in O(log n).
// Entries never overlap.
//
// The table is also what makes releases and uses of memory safe against
// each other. Releasing an allocation starts by claiming it: taking it out
// of the table under the write lock (claim). Of several goroutines
// releasing one allocation (two Frees, a Free and its context's
// destruction), exactly one claim succeeds, and only that caller hands the
// memory back to its driver. An operation that checks addresses and then
// enqueues work on them, or touches them from the host, holds the read
// lock from the check until the work is enqueued or the host access done
// (the *Locked lookups), so a claim waits for it; the releaser then waits
// for the device's enqueued work before the driver frees the memory.
// Code holding the read lock must not take it again (a waiting claim
// would deadlock it), so it uses only the *Locked methods.
type ptrTable struct {
	mu      sync.RWMutex
	entries []*allocation // sorted by base
	// bases[i] is entries[i].base: lookups search it without following a
	// pointer per step (every pointer argument of a launch is looked up).
	bases []uint64
	// frees counts claims; graph execs re-check the allocations they
	// use only when it moved since their last check.
	frees atomic.Uint64
}

func (t *ptrTable) insert(a *allocation) error {
	if a.size == 0 || a.base+a.size < a.base {
		return fmt.Errorf("streaming: allocation at %#x of %d bytes: %w", a.base, a.size, ErrInvalidValue)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].base >= a.base })
	if i > 0 && t.entries[i-1].end() > a.base {
		o := t.entries[i-1]
		return fmt.Errorf("streaming: %v memory at %#x overlaps %v memory at [%#x, %#x): %w", a.kind, a.base, o.kind, o.base, o.end(), ErrAlreadyMapped)
	}
	if i < len(t.entries) && t.entries[i].base < a.end() {
		o := t.entries[i]
		return fmt.Errorf("streaming: %v memory at [%#x, %#x) overlaps %v memory at %#x: %w", a.kind, a.base, a.end(), o.kind, o.base, ErrAlreadyMapped)
	}
	t.entries = slices.Insert(t.entries, i, a)
	t.bases = slices.Insert(t.bases, i, a.base)
	return nil
}

// claim takes a, and its host-address alias, out of the table and reports
// whether a was there: of callers racing to release one allocation exactly
// one gets true. Allocations are compared by identity, so a claim of an
// allocation already released never takes a newer one at the same
// address.
func (t *ptrTable) claim(a *allocation) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.removeLocked(a) {
		return false
	}
	if a.alias != nil {
		t.removeLocked(a.alias)
	}
	a.freed.Store(true)
	t.frees.Add(1)
	return true
}

func (t *ptrTable) removeLocked(a *allocation) bool {
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].base >= a.base })
	if i < len(t.entries) && t.entries[i] == a {
		t.entries = slices.Delete(t.entries, i, i+1)
		t.bases = slices.Delete(t.bases, i, i+1)
		return true
	}
	return false
}

// find returns the allocation containing p, or nil.
func (t *ptrTable) find(p uint64) *allocation {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.findLocked(p)
}

func (t *ptrTable) findLocked(p uint64) *allocation {
	// The first base above p, by hand: sort.Search's closure cost more
	// than the search.
	b := t.bases
	i, j := 0, len(b)
	for i < j {
		if m := int(uint(i+j) >> 1); b[m] > p {
			j = m
		} else {
			i = m + 1
		}
	}
	if i == 0 {
		return nil
	}
	if a := t.entries[i-1]; p < a.end() {
		return a
	}
	return nil
}

// findRange returns the allocation holding all of [p, p+n), or an
// invalid-value error naming what and p.
func (t *ptrTable) findRange(what string, p uint64, n uint64) (*allocation, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.findRangeLocked(what, p, n)
}

// findRangeLocked is findRange for a caller holding the read lock.
func (t *ptrTable) findRangeLocked(what string, p uint64, n uint64) (*allocation, error) {
	a := t.findLocked(p)
	if a == nil {
		return nil, fmt.Errorf("streaming: %s %#x is not inside any allocation: %w", what, p, ErrInvalidValue)
	}
	if n > a.end()-p {
		return nil, fmt.Errorf("streaming: %s [%#x, +%d) runs past the end of its %d-byte %v allocation at %#x: %w", what, p, n, a.size, a.kind, a.base, ErrInvalidValue)
	}
	return a, nil
}

// count reports the number of entries.
func (t *ptrTable) count() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.entries)
}

// hostRange finds the entry that holds all of [p, p+n) of host memory:
// memory from MallocHost or HostRegister, managed memory, or a host
// mapping of device memory, which device work can use directly. It
// returns nil for any other memory, such as ordinary Go memory. Only
// entries whose addresses are host addresses count (those whose host
// mapping starts at their base, host aliases included): a device address
// range (Vulkan's buffer device addresses, for one) may cover the same
// numbers as unrelated host memory.
func (t *ptrTable) hostRange(p unsafe.Pointer, n uint64) *allocation {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.hostRangeLocked(p, n)
}

// hostRangeLocked is hostRange for a caller holding the read lock.
func (t *ptrTable) hostRangeLocked(p unsafe.Pointer, n uint64) *allocation {
	if p == nil || n == 0 {
		return nil
	}
	a := t.findLocked(uint64(uintptr(p)))
	if a == nil || a.host == nil || uint64(uintptr(a.host)) != a.base {
		return nil
	}
	if n > a.end()-uint64(uintptr(p)) {
		return nil
	}
	return a
}

// hostMapped reports whether synchronous host copies of [p, p+n), device
// memory of one allocation, are plain host copies through a mapping of it
// (hal.HostMappedCopier).
func (t *ptrTable) hostMapped(p uint64, n uint64) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	a, err := t.findRangeLocked("", p, n)
	return err == nil && mappedLocked(a, p, n)
}

// mappedLocked is hostMapped for a, found for [p, p+n) under the read lock.
func mappedLocked(a *allocation, p, n uint64) bool {
	m, ok := a.owner().dev.hal.(hal.HostMappedCopier)
	return ok && m.HostMapped(a.devicePtr(p), n)
}

// overlapsHostLocked reports whether [p, p+n) overlaps host memory the table
// knows (page-locked, registered or managed) without lying inside one
// allocation: drivers refuse such partly page-locked ranges (CUDA answers
// CUDA_ERROR_INVALID_VALUE), so copies bounce them through other memory.
// The caller holds the read lock.
func (t *ptrTable) overlapsHostLocked(p unsafe.Pointer, n uint64) bool {
	if p == nil || n == 0 {
		return false
	}
	lo := uint64(uintptr(p))
	hi := lo + n
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].end() > lo })
	for ; i < len(t.entries) && t.entries[i].base < hi; i++ {
		if a := t.entries[i]; a.host != nil && uint64(uintptr(a.host)) == a.base {
			return true
		}
	}
	return false
}
