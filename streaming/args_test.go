package streaming_test

import (
	"bytes"
	"encoding/binary"
	"errors"
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
