package modfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/streamhal/streamhal/hal"
)

// Fat container layout, version 1 (see doc.go).
const (
	fatVersion      = 1
	fatHeaderSize   = 32
	fatRecordSize   = 32
	fatDataAlign    = 16
	fatMaxEntries   = 4096
	fatMaxFormatLen = 32
	fatMaxTargetLen = 255
)

// FatEntry is one binary in a streamhal fat container.
type FatEntry struct {
	// Format is the binary's format; never hal.FormatFat (containers do not
	// nest).
	Format hal.Format
	// Target is the architecture the binary is for ("x86_64", "sm_80",
	// "gfx90a", "vulkan1.2"): 1 to 255 printable ASCII characters, no
	// spaces.
	Target string
	// Data is the binary. Entries returned by ParseFat alias the container.
	Data []byte
}

// String describes the entry without its data.
func (e FatEntry) String() string {
	return fmt.Sprintf("%s %s (%d bytes)", e.Format, e.Target, len(e.Data))
}

// checkFatFormat validates a format name: 1..32 bytes of [a-z0-9-], not the
// container itself.
func checkFatFormat(f hal.Format) error {
	if len(f) == 0 || len(f) > fatMaxFormatLen {
		return fmt.Errorf("format name %q must be 1 to %d bytes", f, fatMaxFormatLen)
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("format name %q has character %q outside [a-z0-9-]", f, c)
		}
	}
	if f == hal.FormatFat {
		return fmt.Errorf("a fat container cannot hold another fat container")
	}
	return nil
}

// checkFatTarget validates a target string.
func checkFatTarget(t string) error {
	if len(t) == 0 || len(t) > fatMaxTargetLen {
		return fmt.Errorf("target %q must be 1 to %d bytes", t, fatMaxTargetLen)
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("target %q has character %q outside printable ASCII", t, c)
		}
	}
	return nil
}

// BuildFat builds a fat container holding entries, in order. Each entry
// needs a valid format name and target, non-empty data, and a distinct
// (format, target) pair. BuildFat checks names, not contents: validate
// binaries with Detect first (as cmd/shalfat does).
func BuildFat(entries []FatEntry) ([]byte, error) {
	if len(entries) == 0 {
		return nil, fmt.Errorf("hal/modfile: build fat container: no entries: %w", hal.ErrInvalidValue)
	}
	if len(entries) > fatMaxEntries {
		return nil, fmt.Errorf("hal/modfile: build fat container: %d entries, at most %d: %w", len(entries), fatMaxEntries, hal.ErrInvalidValue)
	}
	type key struct {
		f hal.Format
		t string
	}
	seen := make(map[key]int, len(entries))
	strSize := uint64(0)
	for i, e := range entries {
		if err := checkFatFormat(e.Format); err != nil {
			return nil, fmt.Errorf("hal/modfile: build fat container: entry %d: %v: %w", i, err, hal.ErrInvalidValue)
		}
		if err := checkFatTarget(e.Target); err != nil {
			return nil, fmt.Errorf("hal/modfile: build fat container: entry %d: %v: %w", i, err, hal.ErrInvalidValue)
		}
		if len(e.Data) == 0 {
			return nil, fmt.Errorf("hal/modfile: build fat container: entry %d (%s %s) has no data: %w", i, e.Format, e.Target, hal.ErrInvalidValue)
		}
		k := key{e.Format, e.Target}
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("hal/modfile: build fat container: entries %d and %d are both %s for %q: %w", j, i, e.Format, e.Target, hal.ErrInvalidValue)
		}
		seen[k] = i
		strSize += uint64(len(e.Format) + len(e.Target))
	}
	tableEnd := uint64(fatHeaderSize + fatRecordSize*len(entries))
	dataStart := alignUp(tableEnd+strSize, fatDataAlign)
	total := dataStart
	for _, e := range entries {
		total = alignUp(total+uint64(len(e.Data)), fatDataAlign)
	}
	out := make([]byte, total)
	le := binary.LittleEndian
	copy(out, fatMagic)
	le.PutUint16(out[8:], fatVersion)
	le.PutUint16(out[10:], fatHeaderSize)
	le.PutUint32(out[12:], uint32(len(entries)))
	le.PutUint64(out[16:], total)
	le.PutUint32(out[24:], fatRecordSize)
	strOff, dataOff := tableEnd, dataStart
	for i, e := range entries {
		r := out[fatHeaderSize+i*fatRecordSize:]
		le.PutUint64(r[0:], dataOff)
		le.PutUint64(r[8:], uint64(len(e.Data)))
		le.PutUint32(r[16:], uint32(strOff))
		le.PutUint16(r[20:], uint16(len(e.Format)))
		le.PutUint16(r[22:], uint16(len(e.Target)))
		le.PutUint32(r[24:], crc32.ChecksumIEEE(e.Data))
		strOff += uint64(copy(out[strOff:], e.Format))
		strOff += uint64(copy(out[strOff:], e.Target))
		copy(out[dataOff:], e.Data)
		dataOff = alignUp(dataOff+uint64(len(e.Data)), fatDataAlign)
	}
	return out, nil
}

// ParseFat parses and validates a fat container: magic, version, sizes,
// every string and data range inside the file and after the entry table,
// data ranges 16-byte aligned and disjoint, checksums, names, and no
// duplicate (format, target) pairs. The entries' Data alias data. Errors
// wrap hal.ErrInvalidImage.
func ParseFat(data []byte) ([]FatEntry, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("hal/modfile: fat container: "+format+": %w", append(args, hal.ErrInvalidImage)...)
	}
	if !bytes.HasPrefix(data, fatMagic) {
		return nil, bad("missing magic %q", fatMagic)
	}
	if len(data) < fatHeaderSize {
		return nil, bad("header truncated (%d of %d bytes)", len(data), fatHeaderSize)
	}
	le := binary.LittleEndian
	if v := le.Uint16(data[8:]); v != fatVersion {
		return nil, bad("unsupported version %d (this reader knows %d)", v, fatVersion)
	}
	if h := le.Uint16(data[10:]); h != fatHeaderSize {
		return nil, bad("header size %d, want %d", h, fatHeaderSize)
	}
	if rs := le.Uint32(data[24:]); rs != fatRecordSize {
		return nil, bad("entry record size %d, want %d", rs, fatRecordSize)
	}
	if r := le.Uint32(data[28:]); r != 0 {
		return nil, bad("reserved header field is %#x, want 0", r)
	}
	size := uint64(len(data))
	if fs := le.Uint64(data[16:]); fs != size {
		return nil, bad("header says %d bytes, image has %d (truncated or padded)", fs, size)
	}
	n := uint64(le.Uint32(data[12:]))
	if n > fatMaxEntries {
		return nil, bad("%d entries, at most %d", n, fatMaxEntries)
	}
	tableEnd := fatHeaderSize + n*fatRecordSize
	if tableEnd > size {
		return nil, bad("entry table (%d entries) overruns the %d-byte image", n, size)
	}
	entries := make([]FatEntry, 0, n)
	type span struct{ off, end uint64 }
	spans := make([]span, 0, 2*n)
	type key struct {
		f hal.Format
		t string
	}
	seen := make(map[key]int, n)
	for i := uint64(0); i < n; i++ {
		r := data[fatHeaderSize+i*fatRecordSize:]
		dOff, dSize := le.Uint64(r[0:]), le.Uint64(r[8:])
		sOff, fLen, tLen := uint64(le.Uint32(r[16:])), uint64(le.Uint16(r[20:])), uint64(le.Uint16(r[22:]))
		sum, reserved := le.Uint32(r[24:]), le.Uint32(r[28:])
		if reserved != 0 {
			return nil, bad("entry %d: reserved field is %#x, want 0", i, reserved)
		}
		if sOff < tableEnd || !inFile(sOff, fLen+tLen, size) {
			return nil, bad("entry %d: names at %d+%d outside the string area [%d, %d)", i, sOff, fLen+tLen, tableEnd, size)
		}
		format := hal.Format(data[sOff : sOff+fLen])
		target := string(data[sOff+fLen : sOff+fLen+tLen])
		if err := checkFatFormat(format); err != nil {
			return nil, bad("entry %d: %v", i, err)
		}
		if err := checkFatTarget(target); err != nil {
			return nil, bad("entry %d: %v", i, err)
		}
		if dSize == 0 {
			return nil, bad("entry %d (%s %s) has no data", i, format, target)
		}
		if dOff < tableEnd || dOff%fatDataAlign != 0 || !inFile(dOff, dSize, size) {
			return nil, bad("entry %d (%s %s): data at %d+%d is misaligned or outside [%d, %d)", i, format, target, dOff, dSize, tableEnd, size)
		}
		body := data[dOff : dOff+dSize : dOff+dSize]
		if got := crc32.ChecksumIEEE(body); got != sum {
			return nil, bad("entry %d (%s %s): checksum %#08x, want %#08x (corrupt data)", i, format, target, got, sum)
		}
		k := key{format, target}
		if j, dup := seen[k]; dup {
			return nil, bad("entries %d and %d are both %s for %q", j, i, format, target)
		}
		seen[k] = int(i)
		spans = append(spans, span{dOff, dOff + dSize}, span{sOff, sOff + fLen + tLen})
		entries = append(entries, FatEntry{Format: format, Target: target, Data: body})
	}
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})
	for i := 1; i < len(spans); i++ {
		if spans[i].off < spans[i-1].end {
			return nil, bad("ranges [%d, %d) and [%d, %d) overlap", spans[i-1].off, spans[i-1].end, spans[i].off, spans[i].end)
		}
	}
	return entries, nil
}
