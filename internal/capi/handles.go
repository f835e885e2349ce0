package capi

import (
	"sync"
)

// Handles maps the opaque handles a C library hands out (hipStream_t,
// CUcontext, ...) to the Go objects behind them. Go pointers must not be
// kept by C code, so a C handle is a number made up here: nonzero, 64-byte
// aligned and far from small integers, so that it is never NULL and never
// one of the APIs' special stream values (1, 2). One object has one handle
// for as long as it is in the table, so that a handle returned twice (the
// current context, a stream's context) compares equal in C. The zero
// value is ready; it is safe for concurrent use.
type Handles struct {
	mu   sync.Mutex
	byH  map[uintptr]any
	byV  map[any]uintptr
	next uintptr
}

// handleBase is the first handle value: above any small integer a header
// defines, and 64-byte steps keep the values pointer-aligned.
const handleBase = 0x5ea1_0000_0000

// Put returns v's handle, making one on first use. v must be comparable
// (a pointer); a nil v has the handle 0.
func (t *Handles) Put(v any) uintptr {
	if v == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.byV[v]; ok {
		return h
	}
	if t.byH == nil {
		t.byH, t.byV, t.next = map[uintptr]any{}, map[any]uintptr{}, handleBase
	}
	t.next += 64
	t.byH[t.next], t.byV[v] = v, t.next
	return t.next
}

// Get returns the object behind h, or nil and false when h is not a
// handle of the table.
func (t *Handles) Get(h uintptr) (any, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.byH[h]
	return v, ok
}

// Drop forgets v, so that its handle is invalid from now on.
func (t *Handles) Drop(v any) {
	if v == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.byV[v]; ok {
		delete(t.byV, v)
		delete(t.byH, h)
	}
}

// Len returns how many handles the table holds.
func (t *Handles) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byH)
}

// Lookup returns the object of type T behind h: the zero T and true for
// the handle 0 (NULL), else false when h is unknown or of another type.
func Lookup[T comparable](t *Handles, h uintptr) (T, bool) {
	var zero T
	if h == 0 {
		return zero, true
	}
	v, ok := t.Get(h)
	if !ok {
		return zero, false
	}
	x, ok := v.(T)
	return x, ok
}
