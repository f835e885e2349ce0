package streaming_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

func TestPackParamPointers(t *testing.T) {
	x, y, z := uint32(0xa1b2c3d4), uint64(0x0102030405060708), uint16(0xbeef)
	px, py, pz := unsafe.Pointer(&x), unsafe.Pointer(&y), unsafe.Pointer(&z)
	layout := []hal.Param{{Offset: 0, Size: 4}, {Offset: 8, Size: 8}}
	// The reference: x at 0, four bytes of padding, y at 8.
	want := make([]byte, 16)
	binary.LittleEndian.PutUint32(want, x)
	binary.LittleEndian.PutUint64(want[8:], y)
	for _, c := range []struct {
		name   string
		params []hal.Param
		ptrs   []unsafe.Pointer
		want   []byte // nil with ok: an empty buffer
		ok     bool
	}{
		{"exact", layout, []unsafe.Pointer{px, py}, want, true},
		{"NULL-terminated", layout, []unsafe.Pointer{px, py, nil}, want, true},
		{"several trailing nils", layout, []unsafe.Pointer{px, py, nil, nil}, want, true},
		{"too few", layout, []unsafe.Pointer{px}, nil, false},
		{"nil inside the layout", layout, []unsafe.Pointer{px, nil}, nil, false},
		{"too many", layout, []unsafe.Pointer{px, py, pz}, nil, false},
		{"non-nil after a nil", layout, []unsafe.Pointer{px, py, nil, pz}, nil, false},
		{"no parameters, no layout", nil, nil, nil, true},
		{"no parameters, NULL only", nil, []unsafe.Pointer{nil}, nil, true},
		{"no parameters, empty layout", []hal.Param{}, []unsafe.Pointer{}, nil, true},
		{"arguments without a layout", nil, []unsafe.Pointer{px}, nil, false},
		{"no arguments for parameters", layout, nil, nil, false},
	} {
		got, err := streaming.PackParamPointers(c.params, c.ptrs)
		if c.ok != (err == nil) {
			t.Errorf("%s: error %v, want ok %v", c.name, err, c.ok)
			continue
		}
		if err != nil && !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("%s: %v does not wrap ErrInvalidValue", c.name, err)
		}
		if c.ok && !bytes.Equal(got, c.want) {
			t.Errorf("%s: packed % x, want % x", c.name, got, c.want)
		}
	}
}

// TestPackArgsPlainData packs arrays and structs (read through reflect,
// field by field) and checks the bytes against the values' Go memory, the
// C layout on 64-bit platforms; padding packs as zeros.
func TestPackArgsPlainData(t *testing.T) {
	type inner struct {
		A int8
		B [3]uint16
	}
	type padded struct {
		X uint8
		Y float64 // 7 bytes of padding before
		Z [2]inner
		W bool
		V float32 // 3 bytes of padding before
		U int64
	}
	p := padded{X: 0xfe, Y: -2.5, Z: [2]inner{{-3, [3]uint16{1, 0xfffe, 3}}, {127, [3]uint16{4, 5, 6}}}, W: true, V: 1.25, U: -9}
	// The reference: the value's memory with its padding cleared.
	want := append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&p)), unsafe.Sizeof(p))...)
	pad := func(from, to uintptr) { clear(want[from:to]) }
	pad(unsafe.Offsetof(p.X)+1, unsafe.Offsetof(p.Y))
	pad(unsafe.Offsetof(p.W)+1, unsafe.Offsetof(p.V))
	for i := range p.Z {
		// inner is an int8, one byte of padding, then [3]uint16.
		at := unsafe.Offsetof(p.Z) + uintptr(i)*unsafe.Sizeof(p.Z[0])
		pad(at+1, at+2)
	}
	got, err := streaming.PackArgs(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("PackArgs(padded struct) =\n% x\nwant\n% x", got, want)
	}
	arr := [4]float32{1, -2, 3.5, float32(math.Inf(1))}
	got, err = streaming.PackArgs([]hal.Param{{Offset: 0, Size: 16}}, arr)
	if err != nil {
		t.Fatal(err)
	}
	if want := unsafe.Slice((*byte)(unsafe.Pointer(&arr)), 16); !bytes.Equal(got, want) {
		t.Errorf("PackArgs([4]float32) = % x, want % x", got, want)
	}
	type uintptrs struct {
		A uintptr
		B uint
		C int
	}
	u := uintptrs{^uintptr(0), 1 << 40, -1}
	got, err = streaming.PackArgs(nil, u)
	if err != nil {
		t.Fatal(err)
	}
	if want := unsafe.Slice((*byte)(unsafe.Pointer(&u)), unsafe.Sizeof(u)); !bytes.Equal(got, want) {
		t.Errorf("PackArgs(uintptrs) = % x, want % x", got, want)
	}
}

// TestPackArgsAllocs checks that PackArgs keeps none of its arguments, so
// that a launch's DevicePtr and number arguments need no allocation of
// their own: one allocation, the buffer, is all a launch with arguments
// costs.
func TestPackArgsAllocs(t *testing.T) {
	layout := []hal.Param{{Offset: 0, Size: 8, Pointer: true}, {Offset: 8, Size: 8, Pointer: true}, {Offset: 16, Size: 4}}
	p, q := streaming.DevicePtr(0x7f0012345000), streaming.DevicePtr(0x7f0012346000)
	n := uint32(100000)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := streaming.PackArgs(layout, p, q, n); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("PackArgs of two DevicePtrs and a uint32: %v allocations, want at most 1 (the buffer)", allocs)
	}
	want := make([]byte, 20)
	binary.LittleEndian.PutUint64(want, uint64(p))
	binary.LittleEndian.PutUint64(want[8:], uint64(q))
	binary.LittleEndian.PutUint32(want[16:], n)
	if got, err := streaming.PackArgs(layout, p, q, n); err != nil || !bytes.Equal(got, want) {
		t.Errorf("PackArgs(%v, %v, %v) = % x, %v; want % x", p, q, n, got, err, want)
	}
	// The same types where the layout does not take them as they are.
	for _, c := range []struct {
		params []hal.Param
		args   []any
	}{
		{[]hal.Param{{Offset: 0, Size: 4}}, []any{p}},                // a DevicePtr for 4 bytes
		{[]hal.Param{{Offset: 0, Size: 8}}, []any{n}},                // a uint32 for 8 bytes
		{[]hal.Param{{Offset: 0, Size: 4, Pointer: true}}, []any{n}}, // a uint32 for a pointer
		{[]hal.Param{{Offset: 0, Size: 4, Pointer: true}}, []any{float32(1)}},
	} {
		if got, err := streaming.PackArgs(c.params, c.args...); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("PackArgs(%v, %T) = % x, %v; want ErrInvalidValue", c.params, c.args[0], got, err)
		}
	}
}
