package modfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/hal"
)

// NVIDIA fatbin layout (see doc.go, "NVIDIA fatbins", for the sources).
const (
	fatbinEntryMinHeader = 64     // the fixed part of an entry header
	fatbinEntryVersion   = 0x0101 // every entry header seen so far
	// maxFatbinPayload bounds one entry's decompressed size, whatever its
	// header declares.
	maxFatbinPayload = 256 << 20
	// maxFatbinTotal bounds what ParseFatbin decompresses in all.
	maxFatbinTotal = 1 << 30
	// A fatbin decompresses to at most fatbinRatio times its size, or
	// fatbinFloor bytes if that is more: a few hostile bytes (a zstd frame
	// of run-length blocks) must not make the reader write gigabytes.
	// Real entries expand 3 to 20 times.
	fatbinRatio = 1024
	fatbinFloor = 16 << 20
)

// fatbinBudget is how many bytes a fatbin of n bytes may decompress to.
func fatbinBudget(n int) uint64 {
	return min(uint64(maxFatbinTotal), max(uint64(fatbinFloor), fatbinRatio*uint64(n)))
}

// FatbinKind is what an NVIDIA fatbin entry holds.
type FatbinKind uint16

// Fatbin entry kinds.
const (
	FatbinPTX FatbinKind = 1 // PTX text
	FatbinELF FatbinKind = 2 // a cubin: ELF for EM_CUDA
)

func (k FatbinKind) String() string {
	switch k {
	case FatbinPTX:
		return "ptx"
	case FatbinELF:
		return "elf"
	}
	return fmt.Sprintf("kind %#x", uint16(k))
}

// FatbinFlags is an entry's 64-bit flag word.
type FatbinFlags uint64

// Fatbin entry flags.
const (
	FatbinFlag64Bit          FatbinFlags = 0x1      // 64-bit device code (nvcc -m64, the default)
	FatbinFlagDebug          FatbinFlags = 0x2      // built with device debug information (-G, -g)
	FatbinFlagCUDA           FatbinFlags = 0x4      // producer: CUDA
	FatbinFlagOpenCL         FatbinFlags = 0x8      // producer: OpenCL
	FatbinFlagHostLinux      FatbinFlags = 0x10     // host: Linux
	FatbinFlagHostMac        FatbinFlags = 0x20     // host: macOS
	FatbinFlagHostWindows    FatbinFlags = 0x40     // host: Windows
	FatbinFlagLZ4            FatbinFlags = 0x2000   // payload compressed, LZ4 block format
	FatbinFlagZstd           FatbinFlags = 0x8000   // payload compressed, zstd frames
	FatbinFlagArchSpecific   FatbinFlags = 0x100000 // built for "sm_90a": only that architecture
	FatbinFlagFamilySpecific FatbinFlags = 0x200000 // built for "sm_100f": that family
)

var fatbinFlagNames = []struct {
	f    FatbinFlags
	name string
}{
	{FatbinFlag64Bit, "64bit"}, {FatbinFlagDebug, "debug"}, {FatbinFlagCUDA, "cuda"},
	{FatbinFlagOpenCL, "opencl"}, {FatbinFlagHostLinux, "linux"}, {FatbinFlagHostMac, "mac"},
	{FatbinFlagHostWindows, "windows"}, {FatbinFlagLZ4, "lz4"}, {FatbinFlagZstd, "zstd"},
	{FatbinFlagArchSpecific, "arch-specific"}, {FatbinFlagFamilySpecific, "family-specific"},
}

// String lists the flags by name, "|"-separated, unknown bits in hex.
func (f FatbinFlags) String() string {
	var names []string
	for _, n := range fatbinFlagNames {
		if f&n.f != 0 {
			names = append(names, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("%#x", uint64(f)))
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}

// FatbinEntry is one image in an NVIDIA fatbin.
type FatbinEntry struct {
	Kind FatbinKind
	// Arch is the SM number the entry is for: 80 for sm_80 / compute_80.
	Arch int
	// Major and Minor are the entry's code version: the PTX ISA version for
	// PTX entries (8.4 for ".version 8.4"), the cubin format version for ELF
	// entries (cuobjdump's "code version").
	Major, Minor int
	Flags        FatbinFlags
	// Identifier is the name the producer gave the entry (nvcc: the source
	// file or a generated name), empty when absent.
	Identifier string
	// Options are the ptxas options recorded with a PTX entry, empty when
	// absent.
	Options string
	// Payload is the entry's content, decompressed. PTX loses the NUL bytes
	// that pad it; an ELF keeps its padding.
	Payload []byte
	// StoredSize is the payload's size as stored (compressed, when it is).
	StoredSize int
	// Offset is where the entry's header starts in the fatbin (for a fatbin
	// inside an ELF, in its .nv_fatbin section).
	Offset int
}

// Target names the architecture the way nvcc spells it: "compute_80" for
// PTX (a virtual architecture), "sm_80" for a cubin, with "a" or "f" for
// arch- and family-specific builds.
func (e FatbinEntry) Target() string {
	prefix := "sm_"
	if e.Kind == FatbinPTX {
		prefix = "compute_"
	}
	suffix := ""
	switch {
	case e.Flags&FatbinFlagArchSpecific != 0:
		suffix = "a"
	case e.Flags&FatbinFlagFamilySpecific != 0:
		suffix = "f"
	}
	return fmt.Sprintf("%s%d%s", prefix, e.Arch, suffix)
}

// Compression names the payload's stored form: "none", "lz4" or "zstd".
func (e FatbinEntry) Compression() string {
	switch {
	case e.Flags&FatbinFlagLZ4 != 0:
		return "lz4"
	case e.Flags&FatbinFlagZstd != 0:
		return "zstd"
	}
	return "none"
}

// String describes the entry without its payload.
func (e FatbinEntry) String() string {
	s := fmt.Sprintf("%s %s version %d.%d flags %s, %d bytes", e.Kind, e.Target(), e.Major, e.Minor, e.Flags, len(e.Payload))
	if c := e.Compression(); c != "none" {
		s += fmt.Sprintf(" (%s, %d stored)", c, e.StoredSize)
	}
	if e.Identifier != "" {
		s += fmt.Sprintf(" %q", e.Identifier)
	}
	return s
}

// fatbinRecord is an entry as scanned: its header fields and the payload
// as stored, not yet decompressed.
type fatbinRecord struct {
	FatbinEntry
	stored []byte
	// size is the declared decompressed size, 0 when the header has none.
	size uint64
}

// payload returns the record's content, decompressed, in at most budget
// bytes.
func (r *fatbinRecord) payload(budget uint64) ([]byte, error) {
	out := r.stored
	if c := r.Compression(); c != "none" {
		if r.size > maxFatbinPayload {
			return nil, fmt.Errorf("declares %d bytes decompressed, more than the %d this reader takes", r.size, maxFatbinPayload)
		}
		// A header without the decompressed size (none seen so far) is
		// bounded by the reader's maximum instead.
		limit := uint64(maxFatbinPayload)
		if r.size != 0 {
			limit = r.size
		}
		if limit > budget {
			return nil, fmt.Errorf("declares %d bytes decompressed, more than the %d bytes left of what a fatbin of this size may expand to (%d times its size, at least %d MiB)", limit, budget, fatbinRatio, fatbinFloor>>20)
		}
		var err error
		if c == "lz4" {
			out, err = lz4Block(r.stored, limit)
		} else {
			out, err = zstdFrames(r.stored, limit)
		}
		if err != nil {
			return nil, err
		}
	}
	if r.Kind == FatbinPTX {
		out = bytes.TrimRight(out, "\x00")
	}
	return out, nil
}

// ParseFatbin lists the entries of an NVIDIA fatbin, decompressing the
// compressed ones. data is a fatbin (what nvcc -fatbin writes and
// cuModuleLoadFatBinary takes; several containers back to back, as a linked
// .nv_fatbin section holds them, are read in turn) or an ELF host executable,
// shared library or object whose .nv_fatbin (or __nv_relfatbin) section
// holds one. Every header, offset and size is checked against the input.
// No entry decompresses to more than its header declares nor to more than
// 256 MiB, and all of them together to no more than 1024 times the input's
// size (at least 16 MiB, at most 1 GiB); output buffers grow as data is
// produced, never to a declared size up front. Errors wrap
// hal.ErrInvalidImage and name the entry and field at fault.
func ParseFatbin(data []byte) ([]FatbinEntry, error) {
	recs, err := scanFatbin(data)
	if err != nil {
		return nil, err
	}
	out := make([]FatbinEntry, len(recs))
	budget := fatbinBudget(len(data))
	for i := range recs {
		p, err := recs[i].payload(budget)
		if err != nil {
			return nil, fatbinErr("entry %d (%s %s at offset %d, %s): %v", i, recs[i].Kind, recs[i].Target(), recs[i].Offset, recs[i].Compression(), err)
		}
		budget -= uint64(len(p))
		out[i] = recs[i].FatbinEntry
		out[i].Payload = p
	}
	return out, nil
}

func fatbinErr(format string, args ...any) error {
	return fmt.Errorf("hal/modfile: fatbin: "+format+": %w", append(args, hal.ErrInvalidImage)...)
}

// fatbinSection returns the fatbin inside a host ELF file.
func fatbinSection(data []byte) ([]byte, error) {
	f, err := parseELF(data, "fatbin")
	if err != nil {
		return nil, err
	}
	if f.machine == emCUDA {
		return nil, fatbinErr("image is a cubin (ELF for EM_CUDA), not a fatbin")
	}
	for _, name := range []string{".nv_fatbin", "__nv_relfatbin"} {
		for i := range f.sects {
			if s := &f.sects[i]; s.name == name && !s.nobits {
				return s.bytes(f), nil
			}
		}
	}
	return nil, fatbinErr("ELF file (machine %d) has no .nv_fatbin section: it holds no CUDA device code", f.machine)
}

// scanFatbin walks the containers and entries of data without
// decompressing payloads.
func scanFatbin(data []byte) ([]fatbinRecord, error) {
	if bytes.HasPrefix(data, []byte("\x7fELF")) {
		sect, err := fatbinSection(data)
		if err != nil {
			return nil, err
		}
		data = sect
	}
	le := binary.LittleEndian
	var recs []fatbinRecord
	for off := 0; ; {
		if len(data)-off < 4 || le.Uint32(data[off:]) != fatbinMagic {
			n := min(len(data)-off, 4)
			return nil, fatbinErr("container at offset %d starts % x, not the magic %#x", off, data[off:off+n], uint32(fatbinMagic))
		}
		if err := checkFatbin(data[off:]); err != nil {
			if off == 0 {
				return nil, err
			}
			return nil, fatbinErr("container at offset %d: %v", off, err)
		}
		hsize, fatSize := int(le.Uint16(data[off+6:])), le.Uint64(data[off+8:])
		end := off + hsize + int(fatSize) // checkFatbin: inside data
		p := off + hsize
		for p < end {
			r, next, err := scanFatbinEntry(data[:end], p)
			if err != nil {
				return nil, fatbinErr("entry %d at offset %d: %v", len(recs), p, err)
			}
			recs = append(recs, r)
			p = next
		}
		// Containers linked into one section follow each other, each
		// starting 8-byte aligned; zero bytes pad between them.
		off = end
		for off < len(data) && data[off] == 0 {
			off++
		}
		if len(data)-off < 4 || le.Uint32(data[off:]) != fatbinMagic {
			break
		}
	}
	if len(recs) == 0 {
		return nil, fatbinErr("no entries")
	}
	return recs, nil
}

// scanFatbinEntry reads the entry header at p (inside data, which ends with
// the container) and returns the record and the next entry's offset.
//
// Entry header, all little-endian (offsets from the header's start):
//
//	0   u16  kind: 1 PTX, 2 ELF
//	2   u16  header version, 0x0101
//	4   u32  header size (64, or more with the option and name strings)
//	8   u64  payload size as stored, padded to 8 bytes
//	16  u32  compressed size (when a compression flag is set)
//	20  u32  offset of the options record (PTX: 64), 0 when none
//	24  u16  minor version, 26 u16 major version
//	28  u32  SM number
//	32  u32  identifier offset, 36 u32 identifier length
//	40  u64  flags (FatbinFlags)
//	48  u64  0
//	56  u64  decompressed size (when compressed)
//
// The options record is two u32s, the options string's offset and length.
// Strings are offsets from the header's start and lie inside the entry.
func scanFatbinEntry(data []byte, p int) (fatbinRecord, int, error) {
	le := binary.LittleEndian
	var r fatbinRecord
	if len(data)-p < fatbinEntryMinHeader {
		return r, 0, fmt.Errorf("header truncated (%d of %d bytes left in the container)", len(data)-p, fatbinEntryMinHeader)
	}
	h := data[p:]
	kind, version, hsize := le.Uint16(h), le.Uint16(h[2:]), uint64(le.Uint32(h[4:]))
	stored, csize := le.Uint64(h[8:]), uint64(le.Uint32(h[16:]))
	if version != fatbinEntryVersion {
		return r, 0, fmt.Errorf("header version %#x, this reader knows %#x", version, fatbinEntryVersion)
	}
	left := uint64(len(data) - p)
	if hsize < fatbinEntryMinHeader || hsize > left {
		return r, 0, fmt.Errorf("header size %d outside [%d, %d]", hsize, fatbinEntryMinHeader, left)
	}
	if stored > left-hsize {
		return r, 0, fmt.Errorf("payload of %d bytes runs past the container (%d bytes left)", stored, left-hsize)
	}
	entryEnd := hsize + stored // relative to p
	r.Kind = FatbinKind(kind)
	r.Minor, r.Major = int(le.Uint16(h[24:])), int(le.Uint16(h[26:]))
	r.Arch = int(le.Uint32(h[28:]))
	r.Flags = FatbinFlags(le.Uint64(h[40:]))
	r.size = le.Uint64(h[56:])
	r.Offset = p
	if r.Arch > 10000 {
		return r, 0, fmt.Errorf("SM number %d", r.Arch)
	}
	// str reads a string at an offset from the header inside the entry.
	str := func(what string, off, n uint64) (string, error) {
		if off == 0 && n == 0 {
			return "", nil
		}
		if off < fatbinEntryMinHeader || !inFile(off, n, entryEnd) {
			return "", fmt.Errorf("%s at %d+%d outside the entry (%d bytes)", what, off, n, entryEnd)
		}
		return string(bytes.TrimRight(h[off:off+n], "\x00")), nil
	}
	var err error
	if r.Identifier, err = str("identifier", uint64(le.Uint32(h[32:])), uint64(le.Uint32(h[36:]))); err != nil {
		return r, 0, err
	}
	if oo := uint64(le.Uint32(h[20:])); oo != 0 {
		if oo < fatbinEntryMinHeader || !inFile(oo, 8, hsize) {
			return r, 0, fmt.Errorf("options record at %d outside the %d-byte header", oo, hsize)
		}
		if r.Options, err = str("options", uint64(le.Uint32(h[oo:])), uint64(le.Uint32(h[oo+4:]))); err != nil {
			return r, 0, err
		}
	}
	body := h[hsize : hsize+stored : hsize+stored]
	switch r.Flags & (FatbinFlagLZ4 | FatbinFlagZstd) {
	case 0:
	case FatbinFlagLZ4, FatbinFlagZstd:
		if csize == 0 || csize > stored {
			return r, 0, fmt.Errorf("compressed size %d outside [1, %d] (the stored payload)", csize, stored)
		}
		body = body[:csize]
	default:
		return r, 0, fmt.Errorf("flags %s name two compressions", r.Flags)
	}
	r.stored = body
	r.StoredSize = len(body)
	return r, p + int(entryEnd), nil
}
