package streaming

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/streamhal/streamhal/hal"
)

// MemAdvice is advice about how managed memory will be used (the values of
// CUmem_advise and hipMemoryAdvise).
type MemAdvice int

// Memory advice.
const (
	AdviseSetReadMostly          MemAdvice = 1
	AdviseUnsetReadMostly        MemAdvice = 2
	AdviseSetPreferredLocation   MemAdvice = 3
	AdviseUnsetPreferredLocation MemAdvice = 4
	AdviseSetAccessedBy          MemAdvice = 5
	AdviseUnsetAccessedBy        MemAdvice = 6
)

// Locations in RangeAttributes, as CUDA and HIP number them: the host
// (CU_DEVICE_CPU, hipCpuDeviceId) and none (CU_DEVICE_INVALID,
// hipInvalidDeviceId). Devices are their ordinals.
const (
	LocationHost = -1
	LocationNone = -2
)

// RangeAttributes is what MemAdvise and MemPrefetchAsync recorded for a
// range of managed memory (cuMemRangeGetAttribute).
type RangeAttributes struct {
	ReadMostly           bool
	PreferredLocation    int   // device ordinal, LocationHost or LocationNone
	AccessedBy           []int // device ordinals (LocationHost for the host), ascending
	LastPrefetchLocation int   // device ordinal, LocationHost or LocationNone
}

// rangeAdvice is the advice recorded for one managed allocation. Advice
// applies to whole allocations here: CUDA tracks it per page, so a range
// query over part of an allocation reports the allocation's advice.
type rangeAdvice struct {
	readMostly   bool
	preferred    int
	accessedBy   map[int]bool
	lastPrefetch int
}

// adviceTable holds the advice of one runtime's managed allocations (a
// field of Runtime; the zero value is empty).
type adviceTable struct {
	mu sync.Mutex
	m  map[*allocation]*rangeAdvice
}

// get returns a's record, creating it (t.mu held).
func (t *adviceTable) get(a *allocation) *rangeAdvice {
	r := t.m[a]
	if r == nil {
		if t.m == nil {
			t.m = map[*allocation]*rangeAdvice{}
		}
		r = &rangeAdvice{preferred: LocationNone, lastPrefetch: LocationNone, accessedBy: map[int]bool{}}
		t.m[a] = r
	}
	return r
}

// forget drops the record of a, which is being freed.
func (t *adviceTable) forget(a *allocation) {
	t.mu.Lock()
	delete(t.m, a)
	t.mu.Unlock()
}

// managedRange finds the managed allocation holding [p, p+n).
func (rt *Runtime) managedRange(what string, p DevicePtr, n uint64) (*allocation, error) {
	if n == 0 {
		return nil, fmt.Errorf("streaming: %s of 0 bytes at %#x: %w", what, uint64(p), ErrInvalidValue)
	}
	a, err := rt.ptrs.findRange(what, uint64(p), n)
	if err != nil {
		return nil, err
	}
	if o := a.owner(); o.kind != MemoryManaged {
		return nil, fmt.Errorf("streaming: %s at %#x: %v memory, not managed memory: %w", what, uint64(p), o.kind, ErrInvalidValue)
	}
	return a.owner(), nil
}

// location checks a location device for advice or prefetch: nil is the
// host; a device must belong to rt and have concurrent managed access.
func (rt *Runtime) location(what string, dev *Device) (int, error) {
	if dev == nil {
		return LocationHost, nil
	}
	if dev.rt != rt {
		return 0, fmt.Errorf("streaming: %s: device of another runtime: %w", what, ErrInvalidDevice)
	}
	if !dev.info.ConcurrentManagedAccess {
		return 0, fmt.Errorf("streaming: %s: %s has no concurrent managed access: %w", what, dev.info.Name, ErrInvalidDevice)
	}
	return dev.ordinal, nil
}

// MemAdvise records advice about [p, p+n) of managed memory for dev (nil:
// the host), which the device's driver acts on when it implements
// hal.Advisor (cuMemAdvise, hipMemAdvise). Advice is a hint: on drivers
// without hal.Advisor it only changes what MemRangeAttributes reports.
// dev is ignored for the read-mostly advice.
func (rt *Runtime) MemAdvise(p DevicePtr, n uint64, advice MemAdvice, dev *Device) error {
	a, err := rt.managedRange("mem advise", p, n)
	if err != nil {
		return err
	}
	if advice < AdviseSetReadMostly || advice > AdviseUnsetAccessedBy {
		return fmt.Errorf("streaming: mem advise %d: unknown advice: %w", advice, ErrInvalidValue)
	}
	loc := LocationHost
	if advice != AdviseSetReadMostly && advice != AdviseUnsetReadMostly {
		if loc, err = rt.location("mem advise", dev); err != nil {
			return err
		}
	}
	var peer hal.Device
	if dev != nil {
		peer = dev.hal
	}
	if err := halAdvise(a.dev.hal, a.devicePtr(uint64(p)), n, int(advice), peer); err != nil {
		return fmt.Errorf("streaming: mem advise %d at %#x: %w", advice, uint64(p), err)
	}
	t := &rt.advice
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(a)
	switch advice {
	case AdviseSetReadMostly:
		r.readMostly = true
	case AdviseUnsetReadMostly:
		r.readMostly = false
	case AdviseSetPreferredLocation:
		r.preferred = loc
	case AdviseUnsetPreferredLocation:
		r.preferred = LocationNone
	case AdviseSetAccessedBy:
		r.accessedBy[loc] = true
	case AdviseUnsetAccessedBy:
		delete(r.accessedBy, loc)
	}
	return nil
}

// MemPrefetchAsync migrates [p, p+n) of managed memory to dst (nil: the
// host) in stream order (cuMemPrefetchAsync, hipMemPrefetchAsync). It is a
// hint: drivers that implement hal.Advisor migrate; on the others managed
// memory is already where every device can use it, and the prefetch is
// only recorded for MemRangeAttributes.
func (s *Stream) MemPrefetchAsync(p DevicePtr, n uint64, dst *Device) error {
	rt := s.ctx.rt
	a, err := rt.managedRange("mem prefetch", p, n)
	if err != nil {
		return err
	}
	loc, err := rt.location("mem prefetch", dst)
	if err != nil {
		return err
	}
	if !s.ctx.dev.info.ConcurrentManagedAccess {
		return fmt.Errorf("streaming: mem prefetch on a stream of %s, which has no concurrent managed access: %w", s.ctx.dev.info.Name, ErrInvalidDevice)
	}
	if prefetch := halPrefetcher(a.dev.hal); prefetch != nil && s.cap.Load() == nil {
		s.mu.Lock()
		closed := s.closed
		if !closed {
			err = prefetch(s.q, a.devicePtr(uint64(p)), n, dst == nil)
		}
		s.mu.Unlock()
		if closed {
			return fmt.Errorf("streaming: mem prefetch on a destroyed stream: %w", ErrInvalidHandle)
		}
		if err != nil {
			return fmt.Errorf("streaming: mem prefetch at %#x: %w", uint64(p), err)
		}
	}
	t := &rt.advice
	t.mu.Lock()
	t.get(a).lastPrefetch = loc
	t.mu.Unlock()
	return nil
}

// MemRangeAttributes returns the advice and the last prefetch location
// recorded for [p, p+n) of managed memory (cuMemRangeGetAttribute).
func (rt *Runtime) MemRangeAttributes(p DevicePtr, n uint64) (RangeAttributes, error) {
	a, err := rt.managedRange("mem range attributes", p, n)
	if err != nil {
		return RangeAttributes{}, err
	}
	t := &rt.advice
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.get(a)
	return RangeAttributes{
		ReadMostly:           r.readMostly,
		PreferredLocation:    r.preferred,
		AccessedBy:           slices.Sorted(maps.Keys(r.accessedBy)),
		LastPrefetchLocation: r.lastPrefetch,
	}, nil
}
