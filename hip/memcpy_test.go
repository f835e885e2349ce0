package hip_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

func TestMemcpy(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const n = 5003
	want := seq(n, func(i int) float32 { return float32(i)*1.25 - 100 })
	d1, d2 := malloc(t, 4*n), malloc(t, 4*n)

	// Every kind, each time with the direction the pointers give.
	for _, kind := range []hip.MemcpyKind{hip.HipMemcpyHostToDevice, hip.HipMemcpyDefault} {
		ok(t, "MemsetD8", hip.MemsetD8(d1, 0xff, 4*n))
		ok(t, "Memcpy H2D", hip.Memcpy(d1, want, 4*n, kind))
		got := poisoned(n)
		ok(t, "Memcpy D2H", hip.Memcpy(got, d1, 4*n, hip.HipMemcpyDeviceToHost))
		checkFloats(t, "H2D then D2H ("+kind.String()+")", got, want)
	}
	ok(t, "Memcpy D2D", hip.Memcpy(d2, d1, 4*n, hip.HipMemcpyDeviceToDevice))
	ok(t, "Memcpy D2D NoCU", hip.Memcpy(d2+4, d1, 4*(n-1), hip.HipMemcpyDeviceToDeviceNoCU))
	got := poisoned(n)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, d2, 4*n))
	checkFloats(t, "D2D", got, append([]float32{want[0]}, want[:n-1]...))
	// HIP ignores a kind that contradicts the pointers.
	ok(t, "Memcpy with a wrong kind", hip.Memcpy(d2, d1, 4*n, hip.HipMemcpyHostToDevice))
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, d2, 4*n))
	checkFloats(t, "D2D with a host-to-device kind", got, want)

	// Offsets inside allocations, byte slices and unsafe.Pointer.
	raw := make([]byte, 64)
	for i := range raw {
		raw[i] = byte(i)
	}
	ok(t, "MemcpyHtoD unsafe.Pointer", hip.MemcpyHtoD(d1+100, unsafe.Pointer(&raw[8]), 16))
	back := make([]byte, 16)
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(back, d1+100, 16))
	if !bytes.Equal(back, raw[8:24]) {
		t.Errorf("unsafe.Pointer round trip: %v", back)
	}

	// Host to host: both Go memory; HtoH and Default only.
	dst := make([]int32, 8)
	ok(t, "Memcpy H2H", hip.Memcpy(dst, []int32{1, 2, 3, 4, 5, 6, 7, 8}, 32, hip.HipMemcpyHostToHost))
	if dst[0] != 1 || dst[7] != 8 {
		t.Errorf("H2H: %v", dst)
	}
	wantCode(t, "H2H with a device kind", hip.Memcpy(dst, []int32{1}, 4, hip.HipMemcpyHostToDevice), hip.HipErrorInvalidValue)

	// Misuse.
	wantCode(t, "kind 5", hip.Memcpy(d2, d1, 4, 5), hip.HipErrorInvalidMemcpyDirection)
	wantCode(t, "kind -1", hip.Memcpy(d2, d1, 4, -1), hip.HipErrorInvalidMemcpyDirection)
	wantCode(t, "slice too short", hip.MemcpyHtoD(d1, want[:10], 44), hip.HipErrorInvalidValue)
	wantCode(t, "destination slice too short", hip.MemcpyDtoH(got[:3], d1, 16), hip.HipErrorInvalidValue)
	wantCode(t, "past the allocation", hip.MemcpyDtoD(d2, d1+8, 4*n), hip.HipErrorInvalidValue)
	wantCode(t, "unknown device pointer", hip.MemcpyDtoH(got, hip.DevicePtr(0x4000), 4), hip.HipErrorInvalidValue)
	wantCode(t, "null destination", hip.Memcpy(nil, want, 4, hip.HipMemcpyDefault), hip.HipErrorInvalidValue)
	wantCode(t, "null source", hip.MemcpyDtoD(d1, 0, 4), hip.HipErrorInvalidValue)
	wantCode(t, "not a pointer", hip.Memcpy(d1, "abc", 3, hip.HipMemcpyDefault), hip.HipErrorInvalidValue)
	ok(t, "zero bytes", hip.Memcpy(nil, nil, 0, hip.HipMemcpyDefault))
	hip.GetLastError()
}

func TestMemcpyAsync(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const n = 100000
	want := seq(n, func(i int) float32 { return float32(i % 1000) })
	d := malloc(t, 4*n)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	t.Cleanup(func() { hip.StreamDestroy(s) })

	// From Go memory: the bytes are staged, so the source may change at
	// once without changing what arrives.
	src := append([]float32(nil), want...)
	ok(t, "MemcpyHtoDAsync", hip.MemcpyHtoDAsync(d, src, 4*n, s))
	for i := range src {
		src[i] = -1
	}
	got := poisoned(n)
	ok(t, "MemcpyDtoHAsync", hip.MemcpyDtoHAsync(got, d, 4*n, s))
	// Into Go memory the call has waited: the data is there already.
	checkFloats(t, "async round trip", got, want)

	// Pinned host memory: truly asynchronous both ways.
	h, err := hip.HostMalloc(4*n, 0)
	ok(t, "HostMalloc", err)
	t.Cleanup(func() { hip.HostFree(h) })
	pinned := unsafe.Slice((*float32)(h), n)
	copy(pinned, want)
	d2 := malloc(t, 4*n)
	ok(t, "MemcpyAsync pinned to device", hip.MemcpyAsync(d2, h, 4*n, hip.HipMemcpyHostToDevice, s))
	ok(t, "MemcpyDtoDAsync", hip.MemcpyDtoDAsync(d, d2, 4*n, s))
	ok(t, "MemsetD32Async", hip.MemsetD32Async(d2, 0, n, s))
	ok(t, "MemcpyAsync device to pinned", hip.MemcpyAsync(h, d, 4*n, hip.HipMemcpyDeviceToHost, s))
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	checkFloats(t, "pinned round trip", pinned, want)

	// MemcpyWithStream waits.
	got = poisoned(n)
	ok(t, "MemcpyWithStream", hip.MemcpyWithStream(got, d, 4*n, hip.HipMemcpyDefault, s))
	checkFloats(t, "MemcpyWithStream", got, want)
	// Host to host on a stream.
	hh := make([]byte, 8)
	ok(t, "MemcpyAsync H2H", hip.MemcpyAsync(hh, []byte("abcdefgh"), 8, hip.HipMemcpyDefault, s))
	if string(hh) != "abcdefgh" {
		t.Errorf("async H2H: %q", hh)
	}

	dead, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	ok(t, "StreamDestroy", hip.StreamDestroy(dead))
	wantCode(t, "MemcpyWithStream destroyed stream", hip.MemcpyWithStream(got, d, 4, hip.HipMemcpyDefault, dead),
		hip.HipErrorContextIsDestroyed)
	wantCode(t, "MemcpyAsync destroyed stream", hip.MemcpyAsync(got, d, 4, hip.HipMemcpyDefault, dead), hip.HipErrorInvalidHandle)
	wantCode(t, "MemcpyPeerAsync destroyed stream", hip.MemcpyPeerAsync(d, 0, d2, 0, 4, dead), hip.HipErrorContextIsDestroyed)
	hip.GetLastError()
}

func TestMemset(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	const n = 1024
	d := malloc(t, n)
	read := func() []byte {
		t.Helper()
		b := make([]byte, n)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(b, d, n))
		return b
	}
	ref := make([]byte, n)
	// A plain Go model of what each call does to the bytes.
	fill := func(off, count, size int, v uint64) {
		for i := 0; i < count; i++ {
			for j := 0; j < size; j++ {
				ref[off+i*size+j] = byte(v >> (8 * j))
			}
		}
	}
	ok(t, "Memset", hip.Memset(d, 0x1ab, n)) // the low byte counts
	fill(0, n, 1, 0xab)
	ok(t, "MemsetD8", hip.MemsetD8(d+3, 0x11, 10))
	fill(3, 10, 1, 0x11)
	ok(t, "MemsetD16", hip.MemsetD16(d+64, 0xbeef, 7))
	fill(64, 7, 2, 0xbeef)
	ok(t, "MemsetD32", hip.MemsetD32(d+128, -2, 9))
	fill(128, 9, 4, 0xfffffffe)
	s, err := hip.StreamCreateWithFlags(hip.HipStreamNonBlocking)
	ok(t, "StreamCreateWithFlags", err)
	ok(t, "MemsetAsync", hip.MemsetAsync(d+512, 0x7, 16, s))
	fill(512, 16, 1, 7)
	ok(t, "MemsetD8Async", hip.MemsetD8Async(d+600, 0x22, 3, s))
	fill(600, 3, 1, 0x22)
	ok(t, "MemsetD16Async", hip.MemsetD16Async(d+700, 0x1234, 5, s))
	fill(700, 5, 2, 0x1234)
	ok(t, "MemsetD32Async", hip.MemsetD32Async(d+800, 0x01020304, 6, s))
	fill(800, 6, 4, 0x01020304)
	ok(t, "StreamSynchronize", hip.StreamSynchronize(s))
	ok(t, "StreamDestroy", hip.StreamDestroy(s))
	if got := read(); !bytes.Equal(got, ref) {
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("byte %d = %#x, want %#x", i, got[i], ref[i])
			}
		}
	}
	wantCode(t, "MemsetD32 misaligned", hip.MemsetD32(d+2, 0, 1), hip.HipErrorInvalidValue)
	wantCode(t, "MemsetD16 misaligned", hip.MemsetD16(d+1, 0, 1), hip.HipErrorInvalidValue)
	wantCode(t, "Memset past the end", hip.Memset(d+1, 0, n), hip.HipErrorInvalidValue)
	wantCode(t, "Memset null", hip.Memset(0, 0, 4), hip.HipErrorInvalidValue)
	wantCode(t, "Memset unknown", hip.Memset(0x4000, 0, 4), hip.HipErrorInvalidValue)
	ok(t, "Memset zero bytes", hip.Memset(d, 0, 0))
	// A memset of device memory seen through a 64-bit read.
	ok(t, "MemsetD32", hip.MemsetD32(d, 0x7f7f7f7f, 2))
	var u [8]byte
	ok(t, "MemcpyDtoH", hip.MemcpyDtoH(u[:], d, 8))
	if binary.LittleEndian.Uint64(u[:]) != 0x7f7f7f7f7f7f7f7f {
		t.Errorf("MemsetD32 pattern: %x", u)
	}
	hip.GetLastError()
}

// TestPointerArgumentTypes copies through every Go type a void* argument
// accepts, checking the bytes and the bound each slice sets.
func TestPointerArgumentTypes(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	d := malloc(t, 64)
	pattern := make([]byte, 64)
	for i := range pattern {
		pattern[i] = byte(3*i + 1)
	}
	views := []struct {
		name string
		src  any
		dst  func() (any, func() []byte)
	}{
		{"[]byte", pattern, func() (any, func() []byte) { b := make([]byte, 64); return b, func() []byte { return b } }},
		{"[]int8", unsafe.Slice((*int8)(unsafe.Pointer(&pattern[0])), 64), func() (any, func() []byte) {
			b := make([]int8, 64)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]uint16", unsafe.Slice((*uint16)(unsafe.Pointer(&pattern[0])), 32), func() (any, func() []byte) {
			b := make([]uint16, 32)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]int16", unsafe.Slice((*int16)(unsafe.Pointer(&pattern[0])), 32), func() (any, func() []byte) {
			b := make([]int16, 32)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]uint32", unsafe.Slice((*uint32)(unsafe.Pointer(&pattern[0])), 16), func() (any, func() []byte) {
			b := make([]uint32, 16)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]int32", unsafe.Slice((*int32)(unsafe.Pointer(&pattern[0])), 16), func() (any, func() []byte) {
			b := make([]int32, 16)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]float32", unsafe.Slice((*float32)(unsafe.Pointer(&pattern[0])), 16), func() (any, func() []byte) {
			b := make([]float32, 16)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]uint64", unsafe.Slice((*uint64)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]uint64, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]int64", unsafe.Slice((*int64)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]int64, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]float64", unsafe.Slice((*float64)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]float64, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]int", unsafe.Slice((*int)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]int, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]uint", unsafe.Slice((*uint)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]uint, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"[]DevicePtr", unsafe.Slice((*hip.DevicePtr)(unsafe.Pointer(&pattern[0])), 8), func() (any, func() []byte) {
			b := make([]hip.DevicePtr, 8)
			return b, func() []byte { return unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 64) }
		}},
		{"unsafe.Pointer", unsafe.Pointer(&pattern[0]), func() (any, func() []byte) {
			b := make([]byte, 64)
			return unsafe.Pointer(&b[0]), func() []byte { return b }
		}},
	}
	for _, v := range views {
		ok(t, "MemsetD8", hip.MemsetD8(d, 0, 64))
		ok(t, "MemcpyHtoD "+v.name, hip.MemcpyHtoD(d, v.src, 64))
		dst, got := v.dst()
		ok(t, "MemcpyDtoH "+v.name, hip.MemcpyDtoH(dst, d, 64))
		if !bytes.Equal(got(), pattern) {
			t.Errorf("%s: round trip gave %v", v.name, got())
		}
		if v.name != "unsafe.Pointer" {
			wantCode(t, v.name+" past its length", hip.MemcpyHtoD(d, v.src, 65), hip.HipErrorInvalidValue)
		}
	}
	for _, bad := range []any{"string", 42, []string{"a"}, &pattern, struct{}{}} {
		wantCode(t, "MemcpyHtoD from a "+fmt.Sprintf("%T", bad), hip.MemcpyHtoD(d, bad, 1), hip.HipErrorInvalidValue)
	}
	// An empty slice covers nothing.
	wantCode(t, "empty slice", hip.MemcpyHtoD(d, []byte{}, 1), hip.HipErrorInvalidValue)
	hip.GetLastError()
}
