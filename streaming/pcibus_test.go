package streaming

import (
	"errors"
	"fmt"
	"testing"
)

func TestParsePCIBusID(t *testing.T) {
	for _, c := range []struct {
		id               string
		domain, bus, dev int
		ok               bool
	}{
		{"0000:65:00.0", 0, 0x65, 0, true},
		{"0001:ff:1f.7", 1, 0xff, 0x1f, true},
		{"  0000:0A:03.0 ", 0, 0x0a, 3, true},
		{"abcd:12:34", 0xabcd, 0x12, 0x34, true},
		{"65:00.0", 0, 0x65, 0, true},
		{"65:00", 0, 0, 0, false},
		{"", 0, 0, 0, false},
		{"0000:65:00.", 0, 0, 0, false},
		{"0000:65:00.x", 0, 0, 0, false},
		{"0000::00.0", 0, 0, 0, false},
		{"g000:65:00.0", 0, 0, 0, false},
		{"1:2:3:4.0", 0, 0, 0, false},
		{"0000:65:-1.0", 0, 0, 0, false},
	} {
		d, b, v, err := parsePCIBusID(c.id)
		if c.ok != (err == nil) || c.ok && (d != c.domain || b != c.bus || v != c.dev) {
			t.Errorf("parsePCIBusID(%q) = %x, %x, %x, %v; want %x, %x, %x, ok %v", c.id, d, b, v, err, c.domain, c.bus, c.dev, c.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidValue) {
			t.Errorf("parsePCIBusID(%q): %v does not wrap ErrInvalidValue", c.id, err)
		}
	}
}

// FuzzParsePCIBusID checks that the parser never panics, that what it
// accepts is in range, and that the canonical form of an accepted id parses
// back to the same location.
func FuzzParsePCIBusID(f *testing.F) {
	for _, s := range []string{"0000:65:00.0", "65:00.0", "abcd:12:34", "", ":::", "0:0:0.0", "ffffffff:ff:ff.f", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		d, b, v, err := parsePCIBusID(id)
		if err != nil {
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("%q: %v does not wrap ErrInvalidValue", id, err)
			}
			return
		}
		if d < 0 || b < 0 || v < 0 || d > 0xffffffff || b > 0xffffffff || v > 0xffffffff {
			t.Fatalf("%q: out of range %x %x %x", id, d, b, v)
		}
		canon := fmt.Sprintf("%04x:%02x:%02x.0", d, b, v)
		d2, b2, v2, err := parsePCIBusID(canon)
		if err != nil || d2 != d || b2 != b || v2 != v {
			t.Fatalf("%q -> %q -> %x %x %x, %v", id, canon, d2, b2, v2, err)
		}
	})
}
