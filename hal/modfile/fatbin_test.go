package modfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// fbEntry describes one entry for the test fatbin builder.
type fbEntry struct {
	kind         FatbinKind
	arch         int
	major, minor int
	flags        FatbinFlags // without compression bits: compress sets them
	ident, opts  string
	payload      []byte
	compress     string // "", "lz4", "zstd" (raw zstd blocks), "zstd-data" (payload is a zstd stream already)
	plainSize    uint64 // the decompressed size to declare for "zstd-data"
}

// buildFatbin writes a fatbin container the way the layout in fatbin.go
// describes it: a 16-byte header, then each entry's header (64 bytes, an
// options record, the strings) and its payload padded to 8 bytes.
func buildFatbin(entries ...fbEntry) []byte {
	le := binary.LittleEndian
	var body []byte
	for _, e := range entries {
		stored, flags, csize, usize := e.payload, e.flags, uint32(0), uint64(0)
		switch e.compress {
		case "lz4":
			stored, flags = lz4Compress(e.payload), flags|FatbinFlagLZ4
		case "zstd":
			stored, flags = zstdRaw(e.payload), flags|FatbinFlagZstd
		case "zstd-data":
			flags = flags | FatbinFlagZstd
		}
		if e.compress != "" {
			csize, usize = uint32(len(stored)), uint64(len(e.payload))
			if e.compress == "zstd-data" {
				usize = e.plainSize
			}
		}
		h := make([]byte, 64)
		if e.opts != "" {
			h = append(h, make([]byte, 8)...)
		}
		identOff := len(h)
		h = append(h, e.ident...)
		optsOff := len(h)
		h = append(h, e.opts...)
		for len(h)%8 != 0 {
			h = append(h, 0)
		}
		padded := len(stored) + (8-len(stored)%8)%8
		le.PutUint16(h[0:], uint16(e.kind))
		le.PutUint16(h[2:], 0x0101)
		le.PutUint32(h[4:], uint32(len(h)))
		le.PutUint64(h[8:], uint64(padded))
		le.PutUint32(h[16:], csize)
		le.PutUint16(h[24:], uint16(e.minor))
		le.PutUint16(h[26:], uint16(e.major))
		le.PutUint32(h[28:], uint32(e.arch))
		if e.ident != "" {
			le.PutUint32(h[32:], uint32(identOff))
			le.PutUint32(h[36:], uint32(len(e.ident)))
		}
		if e.opts != "" {
			le.PutUint32(h[20:], 64)
			le.PutUint32(h[64:], uint32(optsOff))
			le.PutUint32(h[68:], uint32(len(e.opts)))
		}
		le.PutUint64(h[40:], uint64(flags))
		le.PutUint64(h[56:], usize)
		body = append(body, h...)
		body = append(body, stored...)
		body = append(body, make([]byte, padded-len(stored))...)
	}
	out := make([]byte, 16, 16+len(body))
	le.PutUint32(out, fatbinMagic)
	le.PutUint16(out[4:], 1)
	le.PutUint16(out[6:], 16)
	le.PutUint64(out[8:], uint64(len(body)))
	return append(out, body...)
}

// lz4Compress is a small greedy LZ4 block compressor (4-byte hash matches,
// offsets below 64 KiB, the format's end rules: the last 5 bytes are
// literals and no match starts in the last 12), enough to give the
// decompressor real sequences of every shape.
func lz4Compress(src []byte) []byte {
	var out []byte
	putLen := func(n int) {
		for ; n >= 255; n -= 255 {
			out = append(out, 255)
		}
		out = append(out, byte(n))
	}
	emit := func(lits []byte, off, mlen int) {
		tok := byte(0)
		if len(lits) >= 15 {
			tok = 15 << 4
		} else {
			tok = byte(len(lits)) << 4
		}
		if mlen > 0 {
			if mlen-4 >= 15 {
				tok |= 15
			} else {
				tok |= byte(mlen - 4)
			}
		}
		out = append(out, tok)
		if len(lits) >= 15 {
			putLen(len(lits) - 15)
		}
		out = append(out, lits...)
		if mlen > 0 {
			out = append(out, byte(off), byte(off>>8))
			if mlen-4 >= 15 {
				putLen(mlen - 4 - 15)
			}
		}
	}
	table := map[uint32]int{}
	anchor, i := 0, 0
	for i+12 <= len(src) {
		k := binary.LittleEndian.Uint32(src[i:])
		j, ok := table[k]
		table[k] = i
		if !ok || i-j >= 1<<16 {
			i++
			continue
		}
		n := 4
		for i+n < len(src)-5 && src[j+n] == src[i+n] {
			n++
		}
		emit(src[anchor:i], i-j, n)
		i += n
		anchor = i
	}
	emit(src[anchor:], 0, 0)
	return out
}

// zstdRaw wraps data in a zstd frame of raw (stored) blocks: a valid frame
// without compression, with the content size and a single segment.
func zstdRaw(data []byte) []byte {
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xe0} // magic; FCS 8 bytes, single segment
	out = binary.LittleEndian.AppendUint64(out, uint64(len(data)))
	for len(data) > 0 || len(out) == 13 {
		n := min(len(data), 128<<10)
		hdr := uint32(n) << 3 // raw block
		if n == len(data) {
			hdr |= 1 // last
		}
		out = append(out, byte(hdr), byte(hdr>>8), byte(hdr>>16))
		out = append(out, data[:n]...)
		data = data[n:]
	}
	return out
}

func fixturePTX(t testing.TB) []byte { return readFixture(t, "kernels.sm_80.ptx") }

// handFatbin is a fatbin with every entry shape: plain PTX with options and
// an identifier, an uncompressed cubin, LZ4 PTX, zstd PTX (compressed by
// the zstd tool), a zstd cubin, and an arch-specific PTX.
func handFatbin(t testing.TB) ([]byte, []fbEntry) {
	ptx := fixturePTX(t)
	zst := readFixture(t, "kernels.sm_80.ptx.zst")
	cubin := readFixture(t, "kernels.gfx90a.hsaco") // any ELF will do as a payload
	ptx90 := bytes.Replace(ptx, []byte(".target sm_80"), []byte(".target sm_90a"), 1)
	es := []fbEntry{
		{kind: FatbinPTX, arch: 80, major: 7, minor: 8, flags: FatbinFlag64Bit | FatbinFlagHostLinux, ident: "kernels.cu", opts: "-O3 --verbose", payload: append(append([]byte{}, ptx...), 0)},
		{kind: FatbinELF, arch: 80, major: 1, minor: 8, flags: FatbinFlag64Bit | FatbinFlagHostLinux | FatbinFlagCUDA, ident: "kernels.sm_80.cubin", payload: cubin},
		{kind: FatbinPTX, arch: 75, major: 7, minor: 5, flags: FatbinFlag64Bit | FatbinFlagHostLinux, payload: ptx, compress: "lz4"},
		{kind: FatbinPTX, arch: 86, major: 8, minor: 0, flags: FatbinFlag64Bit | FatbinFlagHostLinux, payload: zst, compress: "zstd-data", plainSize: uint64(len(ptx))},
		{kind: FatbinELF, arch: 90, major: 1, minor: 8, flags: FatbinFlag64Bit | FatbinFlagDebug, payload: cubin, compress: "zstd"},
		{kind: FatbinPTX, arch: 90, major: 8, minor: 4, flags: FatbinFlag64Bit | FatbinFlagArchSpecific, payload: ptx90, compress: "lz4"},
	}
	return buildFatbin(es...), es
}

func TestParseFatbin(t *testing.T) {
	data, es := handFatbin(t)
	if f, err := Detect(data); err != nil || f != hal.FormatFatbin {
		t.Fatalf("Detect = %v, %v", f, err)
	}
	got, err := ParseFatbin(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(es) {
		t.Fatalf("%d entries, want %d", len(got), len(es))
	}
	ptx := fixturePTX(t)
	for i, w := range es {
		g := got[i]
		want := w.payload
		if w.compress == "zstd-data" {
			want = ptx
		}
		if w.kind == FatbinPTX {
			want = bytes.TrimRight(want, "\x00")
		}
		if !bytes.Equal(g.Payload, want[:len(want):len(want)]) && !(w.kind == FatbinELF && bytes.HasPrefix(g.Payload, want)) {
			t.Errorf("entry %d payload: %d bytes, want %d", i, len(g.Payload), len(want))
		}
		if g.Kind != w.kind || g.Arch != w.arch || g.Major != w.major || g.Minor != w.minor || g.Identifier != w.ident || g.Options != w.opts {
			t.Errorf("entry %d = %v (options %q), want %+v", i, g, g.Options, w)
		}
		wantComp := map[string]string{"": "none", "lz4": "lz4", "zstd": "zstd", "zstd-data": "zstd"}[w.compress]
		if g.Compression() != wantComp || g.Flags&^(FatbinFlagLZ4|FatbinFlagZstd) != w.flags {
			t.Errorf("entry %d: compression %s flags %s, want %s %s", i, g.Compression(), g.Flags, wantComp, w.flags)
		}
	}
	for i, want := range []string{"compute_80", "sm_80", "compute_75", "compute_86", "sm_90", "compute_90a"} {
		if got[i].Target() != want {
			t.Errorf("entry %d target %q, want %q", i, got[i].Target(), want)
		}
	}
	if s := got[0].String(); !strings.Contains(s, "ptx compute_80 version 7.8 flags 64bit|linux") || !strings.Contains(s, `"kernels.cu"`) {
		t.Errorf("String() = %q", s)
	}
	if s := got[3].String(); !strings.Contains(s, fmt.Sprintf("(zstd, %d stored)", len(es[3].payload))) {
		t.Errorf("String() = %q", s)
	}
	// The decompressed PTX is the module it was made from.
	for _, i := range []int{0, 2, 3} {
		m, err := ParsePTX(got[i].Payload)
		if err != nil || len(m.Kernels) == 0 {
			t.Errorf("entry %d: ParsePTX: %v", i, err)
		}
	}
}

func TestFatbinFlagsString(t *testing.T) {
	for _, tc := range []struct {
		f    FatbinFlags
		want string
	}{
		{0, "0"},
		{0x11, "64bit|linux"},
		{FatbinFlagZstd | FatbinFlagFamilySpecific | 0x400000, "zstd|family-specific|0x400000"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%#x.String() = %q, want %q", uint64(tc.f), got, tc.want)
		}
	}
	if FatbinKind(7).String() != "kind 0x7" {
		t.Error(FatbinKind(7).String())
	}
}

// TestParseFatbinContainers reads containers back to back, as a linked
// .nv_fatbin section holds them, with zero padding between.
func TestParseFatbinContainers(t *testing.T) {
	ptx := fixturePTX(t)
	a := buildFatbin(fbEntry{kind: FatbinPTX, arch: 70, major: 7, minor: 0, payload: ptx[:100]})
	b := buildFatbin(fbEntry{kind: FatbinPTX, arch: 80, major: 7, minor: 8, payload: ptx, compress: "lz4"})
	data := append(append(append([]byte{}, a...), make([]byte, 8)...), b...)
	got, err := ParseFatbin(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Arch != 70 || got[1].Arch != 80 || !bytes.Equal(got[1].Payload, ptx) {
		t.Fatalf("entries %v", got)
	}
	if got[1].Offset != len(a)+8+16 {
		t.Errorf("second entry at offset %d, want %d", got[1].Offset, len(a)+8+16)
	}
	// Trailing bytes that start no container are not read.
	if _, err := ParseFatbin(append(append([]byte{}, a...), "trailing"...)); err != nil {
		t.Errorf("trailing bytes: %v", err)
	}
}

// hostELF builds an x86-64 ELF relocatable object whose only contents
// section is named name and holds sect, as nvcc's host objects hold the
// fatbin in .nv_fatbin.
func hostELF(name string, sect []byte) []byte {
	le := binary.LittleEndian
	shstr := append([]byte("\x00.shstrtab\x00"), name...)
	shstr = append(shstr, 0)
	strOff := 64
	dataOff := alignUp64(strOff+len(shstr), 16)
	shOff := alignUp64(dataOff+len(sect), 8)
	img := make([]byte, shOff+3*64)
	copy(img, "\x7fELF\x02\x01\x01")
	le.PutUint16(img[16:], elfTypeRel)
	le.PutUint16(img[18:], emX86_64)
	le.PutUint32(img[20:], 1)
	le.PutUint64(img[40:], uint64(shOff))
	le.PutUint16(img[52:], 64)
	le.PutUint16(img[58:], 64)
	le.PutUint16(img[60:], 3)
	le.PutUint16(img[62:], 1)
	copy(img[strOff:], shstr)
	copy(img[dataOff:], sect)
	sh := func(i int, name, typ uint32, off, size int) {
		s := img[shOff+64*i:]
		le.PutUint32(s, name)
		le.PutUint32(s[4:], typ)
		le.PutUint64(s[24:], uint64(off))
		le.PutUint64(s[32:], uint64(size))
	}
	sh(1, 1, shtStrtab, strOff, len(shstr))
	sh(2, 11, 1, dataOff, len(sect))
	return img
}

func alignUp64(v, a int) int { return (v + a - 1) / a * a }

func TestParseFatbinInELF(t *testing.T) {
	fb, es := handFatbin(t)
	got, err := ParseFatbin(hostELF(".nv_fatbin", fb))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(es) || !bytes.Equal(got[2].Payload, fixturePTX(t)) {
		t.Fatalf("entries %v", got)
	}
	if _, err := ParseFatbin(hostELF("__nv_relfatbin", fb)); err != nil {
		t.Errorf("__nv_relfatbin: %v", err)
	}
	_, err = ParseFatbin(hostELF(".data", fb))
	if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), "no .nv_fatbin section") {
		t.Errorf("ELF without .nv_fatbin: %v", err)
	}
	cubin := hostELF(".text", []byte{1})
	binary.LittleEndian.PutUint16(cubin[18:], emCUDA)
	if _, err := ParseFatbin(cubin); err == nil || !strings.Contains(err.Error(), "is a cubin") {
		t.Errorf("cubin: %v", err)
	}
	// A PTX extracted from the ELF's fatbin, as a driver would.
	ptx, which, err := ExtractPTX(hal.FormatFatbin, hostELF(".nv_fatbin", fb), PTXVersion{})
	if err != nil || !bytes.HasPrefix(ptx, []byte("//")) || !strings.Contains(which, "fatbin entry") {
		t.Errorf("ExtractPTX from ELF = %d bytes, %q, %v", len(ptx), which, err)
	}
}

// TestParseFatbinErrors corrupts one field at a time.
func TestParseFatbinErrors(t *testing.T) {
	ptx := fixturePTX(t)
	good := func() []byte {
		return buildFatbin(fbEntry{kind: FatbinPTX, arch: 80, major: 7, minor: 8, ident: "id", opts: "-O3", payload: ptx, compress: "lz4"})
	}
	const e0 = 16 // first entry header
	le := binary.LittleEndian
	set32 := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { le.PutUint32(b[off:], v); return b }
	}
	set64 := func(off int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { le.PutUint64(b[off:], v); return b }
	}
	csize := int(le.Uint32(good()[e0+16:]))
	hsize := int(le.Uint32(good()[e0+4:]))
	for _, tc := range []struct {
		name string
		mod  func([]byte) []byte
		want string
	}{
		{"empty", func([]byte) []byte { return nil }, "not the magic"},
		{"bad magic", set32(0, 0x12345678), "not the magic"},
		{"outer version", func(b []byte) []byte { le.PutUint16(b[4:], 2); return b }, "unsupported version 2"},
		{"outer size", set64(8, 1<<40), "exceed"},
		{"no entries", func(b []byte) []byte { le.PutUint64(b[8:], 0); return b[:16] }, "no entries"},
		{"entry truncated", func(b []byte) []byte { le.PutUint64(b[8:], 40); return b[:56] }, "header truncated"},
		{"entry version", func(b []byte) []byte { le.PutUint16(b[e0+2:], 0x0102); return b }, "header version 0x102"},
		{"header size small", set32(e0+4, 32), "header size 32"},
		{"header size huge", set32(e0+4, 1<<30), "header size"},
		{"payload past end", set64(e0+8, 1<<20), "runs past the container"},
		{"compressed size 0", set32(e0+16, 0), "compressed size 0"},
		{"compressed size past payload", set32(e0+16, 1<<20), "compressed size"},
		{"two compressions", set64(e0+40, uint64(FatbinFlagLZ4|FatbinFlagZstd)), "two compressions"},
		{"identifier outside", set32(e0+32, 1<<20), "identifier at"},
		{"identifier in fixed header", set32(e0+32, 8), "identifier at"},
		{"options record outside", set32(e0+20, uint32(hsize)), "options record"},
		{"options string outside", set32(e0+68, 1<<20), "options at"},
		{"sm number", set32(e0+28, 1<<20), "SM number"},
		{"declared size too small", set64(e0+56, 100), "exceeds its declared size"},
		{"declared size too big", set64(e0+56, 1<<40), "more than the"},
		{"lz4 corrupt offset", func(b []byte) []byte {
			// The first match's offset: after the first literal run. Set
			// every byte of the stream to 0x0f: token 0 literals, offset
			// 0x0f0f before any output.
			s := b[e0+hsize : e0+hsize+csize]
			for i := range s {
				s[i] = 0x0f
			}
			return b
		}, "reaches before the start"},
		{"lz4 truncated", func(b []byte) []byte {
			le.PutUint32(b[e0+16:], 3)
			return b
		}, "lz4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFatbin(tc.mod(good()))
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
	// zstd failures.
	for _, tc := range []struct {
		name    string
		payload []byte
		size    uint64
		want    string
	}{
		{"garbage", []byte("not a zstd frame at all"), 100, "zstd"},
		{"bigger than declared", readFixture(t, "kernels.sm_80.ptx.zst"), 1000, "exceeds its declared size"},
		{"truncated frame", readFixture(t, "kernels.sm_80.ptx.zst")[:500], uint64(len(ptx)), "zstd"},
		{"past the fatbin's budget", zstdRaw([]byte("tiny")), 17 << 20, "may expand to"},
	} {
		t.Run("zstd "+tc.name, func(t *testing.T) {
			fb := buildFatbin(fbEntry{kind: FatbinPTX, arch: 80, payload: tc.payload, compress: "zstd-data", plainSize: tc.size})
			_, err := ParseFatbin(fb)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
}

func TestLZ4Block(t *testing.T) {
	ptx := fixturePTX(t)
	// A block the lz4 tool wrote (testdata/gen.sh).
	got, err := lz4Block(readFixture(t, "kernels.sm_80.ptx.lz4block"), uint64(len(ptx)))
	if err != nil || !bytes.Equal(got, ptx) {
		t.Fatalf("lz4 tool's block: %d bytes, %v", len(got), err)
	}
	// Round trips through the test compressor, including long literal
	// runs, long and overlapping matches (runs of one byte).
	long := bytes.Repeat([]byte("abcdefgh"), 5000)
	runs := append(bytes.Repeat([]byte{'x'}, 70000), "tail of the input"...)
	noise := make([]byte, 3000)
	for i := range noise {
		noise[i] = byte(i*7919 + i>>3)
	}
	for _, in := range [][]byte{nil, []byte("x"), []byte("short input"), ptx, long, runs, noise} {
		c := lz4Compress(in)
		got, err := lz4Block(c, uint64(len(in)))
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("round trip of %d bytes (%d compressed): %d bytes, %v", len(in), len(c), len(got), err)
		}
		if len(in) > 0 {
			if _, err := lz4Block(c, uint64(len(in)-1)); !errors.Is(err, errOverLimit) {
				t.Errorf("%d bytes into a limit one short: %v", len(in), err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"literal run past input", []byte{0x50, 'a', 'b'}},
		{"literal length extension cut", []byte{0xf0, 255}},
		{"offset cut", []byte{0x10, 'a', 1}},
		{"offset zero", []byte{0x10, 'a', 0, 0, 0x00}},
		{"offset before start", []byte{0x10, 'a', 2, 0, 0x00}},
		{"match length extension cut", []byte{0x1f, 'a', 1, 0}},
	} {
		if _, err := lz4Block(tc.in, 1<<20); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	// A huge match length stops at the limit, not at the allocation.
	bomb := append([]byte{0x1f, 'a', 1, 0}, bytes.Repeat([]byte{255}, 1000)...)
	if _, err := lz4Block(append(bomb, 0), 4096); !errors.Is(err, errOverLimit) {
		t.Errorf("bomb: %v", err)
	}
}

func TestZstdFrames(t *testing.T) {
	ptx := fixturePTX(t)
	zst := readFixture(t, "kernels.sm_80.ptx.zst")
	got, err := zstdFrames(zst, uint64(len(ptx)))
	if err != nil || !bytes.Equal(got, ptx) {
		t.Fatalf("zstd tool's frame: %d bytes, %v", len(got), err)
	}
	// Two frames back to back decode to both contents.
	two := append(zstdRaw([]byte("first ")), zstdRaw([]byte("second"))...)
	if got, err := zstdFrames(two, 100); err != nil || string(got) != "first second" {
		t.Errorf("two frames: %q, %v", got, err)
	}
	if _, err := zstdFrames(zst, uint64(len(ptx)-1)); !errors.Is(err, errOverLimit) {
		t.Errorf("limit one short: %v", err)
	}
	corrupt := append([]byte{}, zst...)
	corrupt[len(corrupt)/2] ^= 0x55
	if got, err := zstdFrames(corrupt, uint64(len(ptx))); err == nil && bytes.Equal(got, ptx) {
		t.Errorf("a corrupted frame decoded to the original")
	}
}

// TestExtractPTX picks the PTX a CPU device translates.
func TestExtractPTX(t *testing.T) {
	ptx := fixturePTX(t)
	v := func(s string) []byte { // the fixture with another .version and .target
		s1 := bytes.Replace(ptx, []byte(".version 7.0"), []byte(".version "+strings.Fields(s)[0]), 1)
		return bytes.Replace(s1, []byte(".target sm_80"), []byte(".target "+strings.Fields(s)[1]), 1)
	}
	if !bytes.Contains(ptx, []byte(".version 7.0")) || !bytes.Contains(ptx, []byte(".target sm_80")) {
		t.Fatal("fixture PTX is not .version 7.0 for sm_80; update the test")
	}
	pe := func(arch, major, minor int, flags FatbinFlags, payload []byte, compress string) fbEntry {
		return fbEntry{kind: FatbinPTX, arch: arch, major: major, minor: minor, flags: flags, payload: payload, compress: compress}
	}
	elf := fbEntry{kind: FatbinELF, arch: 90, major: 1, minor: 8, payload: []byte("\x7fELF cubin")}
	fb := buildFatbin(
		elf,
		pe(70, 7, 0, 0, v("7.0 sm_70"), ""),
		pe(80, 8, 4, 0, v("8.4 sm_80"), "lz4"),
		pe(90, 8, 4, 0, v("8.4 sm_90"), "zstd"),
		pe(90, 8, 8, FatbinFlagArchSpecific, v("8.8 sm_90a"), "lz4"),
		pe(100, 9, 0, 0, v("9.0 sm_100"), "zstd"),
	)
	for _, tc := range []struct {
		name  string
		max   PTXVersion
		which string
		text  string
	}{
		{"any version: the newest", PTXVersion{}, "fatbin entry 5 (compute_100, PTX ISA 9.0)", ".version 9.0"},
		{"up to 8.8: generic before arch-specific, then highest sm", PTXVersion{8, 8}, "fatbin entry 3 (compute_90, PTX ISA 8.4)", ".target sm_90"},
		{"up to 8.3", PTXVersion{8, 3}, "fatbin entry 1 (compute_70, PTX ISA 7.0)", ".version 7.0"},
		{"none accepted: the oldest", PTXVersion{6, 0}, "fatbin entry 1 (compute_70, PTX ISA 7.0)", ".target sm_70"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, which, err := ExtractPTX(hal.FormatFatbin, fb, tc.max)
			if err != nil || which != tc.which || !bytes.Contains(got, []byte(tc.text)) || bytes.HasSuffix(got, []byte{0}) {
				t.Errorf("ExtractPTX = %d bytes, %q, %v; want %q holding %q", len(got), which, err, tc.which, tc.text)
			}
		})
	}

	// Bare PTX: itself, a trailing NUL dropped.
	got, which, err := ExtractPTX(hal.FormatPTX, append(append([]byte{}, ptx...), 0), PTXVersion{})
	if err != nil || !bytes.Equal(got, ptx) || which != "ptx (PTX ISA 7.0, sm_80)" {
		t.Errorf("bare PTX: %d bytes, %q, %v", len(got), which, err)
	}

	// A fat container: its ptx entries and its fatbins' PTX compete.
	fat, err := BuildFat([]FatEntry{
		{Format: hal.FormatCPUELF, Target: "x86_64", Data: []byte("lib")},
		{Format: hal.FormatPTX, Target: "sm_80", Data: v("8.5 sm_80")},
		{Format: hal.FormatFatbin, Target: "sm_90", Data: fb},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		max   PTXVersion
		which string
	}{
		{PTXVersion{8, 5}, "fat entry 1 (ptx sm_80) (PTX ISA 8.5, sm_80)"},
		{PTXVersion{}, "fat entry 2 (fatbin sm_90): fatbin entry 5 (compute_100, PTX ISA 9.0)"},
	} {
		got, which, err := ExtractPTX(hal.FormatFat, fat, tc.max)
		if err != nil || which != tc.which || !bytes.HasPrefix(got, []byte("//")) {
			t.Errorf("fat, max %v: %d bytes, %q, %v; want %q", tc.max, len(got), which, err, tc.which)
		}
	}

	// Images without PTX.
	cubinOnly := buildFatbin(elf)
	onlyCPU, _ := BuildFat([]FatEntry{{Format: hal.FormatCPUELF, Target: "x86_64", Data: []byte("lib")}})
	for _, tc := range []struct {
		name   string
		format hal.Format
		data   []byte
		want   string
	}{
		{"fatbin of cubins", hal.FormatFatbin, cubinOnly, "a fatbin of [elf sm_90]"},
		{"fat without ptx", hal.FormatFat, onlyCPU, "[cpu-elf x86_64]"},
		{"cubin", hal.FormatCubin, []byte("\x7fELF"), "a cubin image"},
	} {
		_, _, err := ExtractPTX(tc.format, tc.data, PTXVersion{})
		if !errors.Is(err, hal.ErrNoBinaryForDevice) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrNoBinaryForDevice mentioning %q", tc.name, err, tc.want)
		}
	}
	// Malformed images.
	notPTX := buildFatbin(pe(80, 8, 0, 0, []byte("this is not PTX"), "lz4"))
	for _, tc := range []struct {
		name   string
		format hal.Format
		data   []byte
	}{
		{"fatbin entry that is not PTX", hal.FormatFatbin, notPTX},
		{"ptx without directives", hal.FormatPTX, []byte("ret;")},
		{"bad .version", hal.FormatPTX, []byte(".version 8\n.target sm_80\n")},
		{"corrupt fatbin", hal.FormatFatbin, fb[:100]},
		{"corrupt fat", hal.FormatFat, fat[:100]},
	} {
		if _, _, err := ExtractPTX(tc.format, tc.data, PTXVersion{}); !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("%s: %v, want ErrInvalidImage", tc.name, err)
		}
	}
}

func TestPTXVersion(t *testing.T) {
	for _, tc := range []struct {
		s  string
		v  PTXVersion
		ok bool
	}{
		{"8.4", PTXVersion{8, 4}, true},
		{"10.12", PTXVersion{10, 12}, true},
		{"8", PTXVersion{}, false},
		{"8.x", PTXVersion{}, false},
		{"-1.0", PTXVersion{}, false},
	} {
		v, ok := ParsePTXVersion(tc.s)
		if v != tc.v || ok != tc.ok {
			t.Errorf("ParsePTXVersion(%q) = %v, %v", tc.s, v, ok)
		}
	}
	if (PTXVersion{8, 4}).Compare(PTXVersion{8, 10}) != -1 || (PTXVersion{9, 0}).Compare(PTXVersion{8, 10}) != 1 || (PTXVersion{7, 8}).Compare(PTXVersion{7, 8}) != 0 {
		t.Error("Compare")
	}
}

// TestRealFatbins reads the fatbins nvcc built on the GPU machine
// (testdata/ptx/*.fatbin at the repository's root, or under
// $STREAM_HAL_TESTDATA/ptx; also *.o, host objects from nvcc -c with the
// fatbin in .nv_fatbin). Each must parse; its PTX entries must parse as
// PTX, its ELF entries must be cubins; ExtractPTX must find PTX where there
// is some; and where x.ptx sits next to x.fatbin, the extracted PTX must
// declare the same kernels with the same parameter layouts (nvcc drops
// comments when it stores PTX, so the texts differ).
func TestRealFatbins(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "ptx")
	if d := os.Getenv("STREAM_HAL_TESTDATA"); d != "" {
		dir = filepath.Join(d, "ptx")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.fatbin"))
	objects, _ := filepath.Glob(filepath.Join(dir, "*.o")) // nvcc -c: the fatbin in .nv_fatbin
	files = append(files, objects...)
	if len(files) == 0 {
		t.Skipf("no nvcc-built fatbins in %s: they are made on the GPU machine (see the corpus script)", dir)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if f, err := Detect(data); !strings.HasSuffix(file, ".o") && (err != nil || f != hal.FormatFatbin) {
				t.Fatalf("Detect = %v, %v", f, err)
			}
			entries, err := ParseFatbin(data)
			if err != nil {
				t.Fatal(err)
			}
			hasPTX := false
			for i, e := range entries {
				t.Logf("entry %d: %v", i, e)
				switch e.Kind {
				case FatbinPTX:
					hasPTX = true
					m, err := ParsePTX(e.Payload)
					if err != nil {
						t.Errorf("entry %d: %v", i, err)
						continue
					}
					if v, _ := ParsePTXVersion(m.Version); v != (PTXVersion{e.Major, e.Minor}) {
						t.Errorf("entry %d: header says PTX ISA %d.%d, the text %s", i, e.Major, e.Minor, m.Version)
					}
				case FatbinELF:
					if f, err := Detect(e.Payload); err != nil || f != hal.FormatCubin {
						t.Errorf("entry %d: ELF entry is %v, %v; want a cubin", i, f, err)
					}
				}
			}
			ptx, which, err := ExtractPTX(hal.FormatFatbin, data, PTXVersion{})
			if !hasPTX {
				if !errors.Is(err, hal.ErrNoBinaryForDevice) {
					t.Errorf("ExtractPTX of a fatbin without PTX: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ExtractPTX: %s", which)
			src, err := os.ReadFile(strings.TrimSuffix(strings.TrimSuffix(file, ".fatbin"), ".o") + ".ptx")
			if err != nil {
				return
			}
			want, err1 := ParsePTX(src)
			got, err2 := ParsePTX(ptx)
			if err1 != nil || err2 != nil {
				t.Fatalf("ParsePTX: %v, %v", err1, err2)
			}
			if fmt.Sprint(got.Kernels) != fmt.Sprint(want.Kernels) {
				t.Errorf("extracted PTX declares %v, the .ptx beside it %v", got.Kernels, want.Kernels)
			}
		})
	}
}
