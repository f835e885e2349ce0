package modfile

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A minimal MessagePack decoder for AMDGPU code object metadata. It decodes
// one value into a tree of msgValue. Lengths are checked against the bytes
// left before anything is allocated (every element takes at least one
// byte), nesting is limited, and extension types are skipped.

// msgKind is a decoded value's type.
type msgKind uint8

const (
	msgNil msgKind = iota
	msgBool
	msgInt   // signed integer (Int)
	msgUint  // unsigned integer (Uint)
	msgFloat // float32 or float64 (Float)
	msgStr   // str (Str)
	msgBin   // bin (Str holds the bytes)
	msgArray // Array
	msgMap   // Map, in encoded order
	msgExt   // extension: Int holds the type, Str the data
)

// msgValue is one decoded MessagePack value.
type msgValue struct {
	Kind  msgKind
	Bool  bool
	Int   int64
	Uint  uint64
	Float float64
	Str   string
	Array []msgValue
	Map   []msgPair
}

type msgPair struct{ Key, Value msgValue }

// msgMaxDepth bounds nesting; AMDGPU metadata uses 4 levels.
const msgMaxDepth = 32

type msgDecoder struct {
	b   []byte
	pos int
}

// decodeMsgpack decodes exactly one value filling b.
func decodeMsgpack(b []byte) (msgValue, error) {
	d := &msgDecoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return msgValue{}, err
	}
	if d.pos != len(b) {
		return msgValue{}, fmt.Errorf("msgpack: %d trailing bytes after the value", len(b)-d.pos)
	}
	return v, nil
}

func (d *msgDecoder) left() int { return len(d.b) - d.pos }

func (d *msgDecoder) take(n uint64) ([]byte, error) {
	if n > uint64(d.left()) {
		return nil, fmt.Errorf("msgpack: %d bytes wanted at offset %d, %d left", n, d.pos, d.left())
	}
	s := d.b[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s, nil
}

func (d *msgDecoder) uint(n int) (uint64, error) {
	s, err := d.take(uint64(n))
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return uint64(s[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(s)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(s)), nil
	}
	return binary.BigEndian.Uint64(s), nil
}

func (d *msgDecoder) value(depth int) (msgValue, error) {
	if depth > msgMaxDepth {
		return msgValue{}, fmt.Errorf("msgpack: nesting deeper than %d at offset %d", msgMaxDepth, d.pos)
	}
	if d.left() < 1 {
		return msgValue{}, fmt.Errorf("msgpack: value truncated at offset %d", d.pos)
	}
	c := d.b[d.pos]
	d.pos++
	switch {
	case c <= 0x7f:
		return msgValue{Kind: msgUint, Uint: uint64(c)}, nil
	case c >= 0xe0:
		return msgValue{Kind: msgInt, Int: int64(int8(c))}, nil
	case c&0xf0 == 0x80:
		return d.mapOf(uint64(c&0x0f), depth)
	case c&0xf0 == 0x90:
		return d.arrayOf(uint64(c&0x0f), depth)
	case c&0xe0 == 0xa0:
		return d.str(uint64(c&0x1f), msgStr)
	}
	switch c {
	case 0xc0:
		return msgValue{Kind: msgNil}, nil
	case 0xc2, 0xc3:
		return msgValue{Kind: msgBool, Bool: c == 0xc3}, nil
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		n, err := d.uint(1 << (c - 0xc4))
		if err != nil {
			return msgValue{}, err
		}
		return d.str(n, msgBin)
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32
		n, err := d.uint(1 << (c - 0xc7))
		if err != nil {
			return msgValue{}, err
		}
		return d.ext(n)
	case 0xca:
		u, err := d.uint(4)
		return msgValue{Kind: msgFloat, Float: float64(math.Float32frombits(uint32(u)))}, err
	case 0xcb:
		u, err := d.uint(8)
		return msgValue{Kind: msgFloat, Float: math.Float64frombits(u)}, err
	case 0xcc, 0xcd, 0xce, 0xcf: // uint 8..64
		u, err := d.uint(1 << (c - 0xcc))
		return msgValue{Kind: msgUint, Uint: u}, err
	case 0xd0, 0xd1, 0xd2, 0xd3: // int 8..64
		n := 1 << (c - 0xd0)
		u, err := d.uint(n)
		shift := 64 - 8*n
		return msgValue{Kind: msgInt, Int: int64(u<<shift) >> shift}, err
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1..16
		return d.ext(1 << (c - 0xd4))
	case 0xd9, 0xda, 0xdb: // str 8/16/32
		n, err := d.uint(1 << (c - 0xd9))
		if err != nil {
			return msgValue{}, err
		}
		return d.str(n, msgStr)
	case 0xdc, 0xdd: // array 16/32
		n, err := d.uint(2 << (c - 0xdc))
		if err != nil {
			return msgValue{}, err
		}
		return d.arrayOf(n, depth)
	case 0xde, 0xdf: // map 16/32
		n, err := d.uint(2 << (c - 0xde))
		if err != nil {
			return msgValue{}, err
		}
		return d.mapOf(n, depth)
	}
	return msgValue{}, fmt.Errorf("msgpack: invalid type byte %#x at offset %d", c, d.pos-1)
}

func (d *msgDecoder) str(n uint64, kind msgKind) (msgValue, error) {
	s, err := d.take(n)
	if err != nil {
		return msgValue{}, err
	}
	return msgValue{Kind: kind, Str: string(s)}, nil
}

func (d *msgDecoder) ext(n uint64) (msgValue, error) {
	t, err := d.take(1)
	if err != nil {
		return msgValue{}, err
	}
	s, err := d.take(n)
	if err != nil {
		return msgValue{}, err
	}
	return msgValue{Kind: msgExt, Int: int64(int8(t[0])), Str: string(s)}, nil
}

func (d *msgDecoder) arrayOf(n uint64, depth int) (msgValue, error) {
	if n > uint64(d.left()) {
		return msgValue{}, fmt.Errorf("msgpack: array of %d elements at offset %d, only %d bytes left", n, d.pos, d.left())
	}
	// Grow as elements decode rather than trusting n: nested containers
	// could otherwise each reserve the whole remaining input.
	arr := make([]msgValue, 0, min(n, 16))
	for i := uint64(0); i < n; i++ {
		v, err := d.value(depth + 1)
		if err != nil {
			return msgValue{}, err
		}
		arr = append(arr, v)
	}
	return msgValue{Kind: msgArray, Array: arr}, nil
}

func (d *msgDecoder) mapOf(n uint64, depth int) (msgValue, error) {
	if n > uint64(d.left())/2 {
		return msgValue{}, fmt.Errorf("msgpack: map of %d pairs at offset %d, only %d bytes left", n, d.pos, d.left())
	}
	m := make([]msgPair, 0, min(n, 16))
	for i := uint64(0); i < n; i++ {
		k, err := d.value(depth + 1)
		if err != nil {
			return msgValue{}, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return msgValue{}, err
		}
		m = append(m, msgPair{k, v})
	}
	return msgValue{Kind: msgMap, Map: m}, nil
}

// get returns the value of a map's string key.
func (v *msgValue) get(key string) (*msgValue, bool) {
	if v.Kind != msgMap {
		return nil, false
	}
	for i := range v.Map {
		if k := &v.Map[i].Key; k.Kind == msgStr && k.Str == key {
			return &v.Map[i].Value, true
		}
	}
	return nil, false
}

// uint64Value returns a non-negative integer value.
func (v *msgValue) uint64Value() (uint64, bool) {
	switch v.Kind {
	case msgUint:
		return v.Uint, true
	case msgInt:
		if v.Int >= 0 {
			return uint64(v.Int), true
		}
	}
	return 0, false
}
