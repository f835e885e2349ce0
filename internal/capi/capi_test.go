package capi

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

var testMarkers [3]byte

var (
	mPtr  = unsafe.Pointer(&testMarkers[0])
	mSize = unsafe.Pointer(&testMarkers[1])
	mEnd  = unsafe.Pointer(&testMarkers[2])
)

func specs() (cuda, hip Extra) {
	cuda = Extra{Call: "cuLaunchKernel", Names: [3]string{"P", "S", "E"}, Pointer: mPtr, Size: mSize, PointerC: 1, SizeC: 2}
	hip = Extra{Call: "hipModuleLaunchKernel", Names: [3]string{"P", "S", "E"}, Pointer: mPtr, Size: mSize, End: mEnd,
		PointerC: 1, SizeC: 2, EndC: 3, Ordered: true}
	return cuda, hip
}

// cArray builds an extra array as C code would: the C marker values (small
// integers) as words, in memory the garbage collector does not scan for
// pointers, viewed as []unsafe.Pointer.
func cArray(words ...uintptr) []unsafe.Pointer {
	w := append([]uintptr(nil), words...)
	return unsafe.Slice((*unsafe.Pointer)(unsafe.Pointer(&w[0])), len(w))
}

func TestExtraBuffer(t *testing.T) {
	cuda, hip := specs()
	buf := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	size := uint64(len(buf))
	zero := uint64(0)
	bp, sp, zp := unsafe.Pointer(&buf[0]), unsafe.Pointer(&size), unsafe.Pointer(&zero)
	for _, c := range []struct {
		name  string
		x     Extra
		extra []unsafe.Pointer
		want  int // bytes, or -1 for an error
	}{
		{"cuda in order", cuda, []unsafe.Pointer{mPtr, bp, mSize, sp, nil}, 8},
		{"cuda swapped pairs", cuda, []unsafe.Pointer{mSize, sp, mPtr, bp}, 8},
		{"cuda C values", cuda, cArray(1, uintptr(bp), 2, uintptr(sp), 0), 8},
		{"cuda zero size, no buffer", cuda, []unsafe.Pointer{mPtr, nil, mSize, zp}, 0},
		{"cuda marker without value", cuda, []unsafe.Pointer{mPtr, bp, mSize}, -1},
		{"cuda no size", cuda, []unsafe.Pointer{mPtr, bp, nil}, -1},
		{"cuda nil size pointer", cuda, []unsafe.Pointer{mPtr, bp, mSize, nil}, -1},
		{"cuda nil buffer", cuda, []unsafe.Pointer{mPtr, nil, mSize, sp}, -1},
		{"cuda unknown marker", cuda, []unsafe.Pointer{mEnd, bp, mSize, sp}, -1},
		{"hip in order", hip, []unsafe.Pointer{mPtr, bp, mSize, sp, mEnd}, 8},
		{"hip C values", hip, cArray(1, uintptr(bp), 2, uintptr(sp), 3), 8},
		{"hip swapped pairs", hip, []unsafe.Pointer{mSize, sp, mPtr, bp, mEnd}, -1},
		{"hip unterminated", hip, []unsafe.Pointer{mPtr, bp, mSize, sp}, -1},
		{"hip nil size pointer", hip, []unsafe.Pointer{mPtr, bp, mSize, nil, mEnd}, -1},
		{"hip nil buffer", hip, []unsafe.Pointer{mPtr, nil, mSize, sp, mEnd}, -1},
	} {
		got, err := c.x.Buffer(c.extra)
		runtime.KeepAlive(buf)
		runtime.KeepAlive(size)
		if c.want < 0 {
			if !errors.Is(err, hal.ErrInvalidValue) {
				t.Errorf("%s: Buffer = %v, %v; want an error wrapping ErrInvalidValue", c.name, got, err)
			}
			continue
		}
		if err != nil || len(got) != c.want || (c.want > 0 && &got[0] != &buf[0]) {
			t.Errorf("%s: Buffer = %d bytes, %v; want the %d-byte buffer", c.name, len(got), err, c.want)
		}
	}
}

func TestErrorStore(t *testing.T) {
	var s ErrorStore
	if s.Detail() != nil || s.Code(false) != 0 {
		t.Fatalf("empty store: %v, %d", s.Detail(), s.Code(false))
	}
	e1 := fmt.Errorf("first: %w", hal.ErrInvalidValue)
	s.Record(e1, 1)
	e2 := errors.New("not ready")
	s.Record(e2, 0) // a detail without a code leaves the code alone
	if s.Detail() != e2 || s.Code(false) != 1 {
		t.Errorf("after two records: %v, %d; want %v, 1", s.Detail(), s.Code(false), e2)
	}
	if c := s.Code(true); c != 1 || s.Code(false) != 0 || s.Detail() != e2 {
		t.Errorf("Code(true) = %d, then %d, detail %v; want 1, then 0, detail kept", c, s.Code(false), s.Detail())
	}
	// Concurrent records and clears: every code read is one recorded.
	var wg sync.WaitGroup
	for g := 1; g <= 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s.Record(e1, g)
				if c := s.Code(true); c < 0 || c > 4 {
					t.Errorf("code %d was never recorded", c)
				}
			}
		}()
	}
	wg.Wait()
}
