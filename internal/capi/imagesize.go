package capi

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// maxImage bounds the size ImageSize accepts: larger claims are damaged
// headers.
const maxImage = 1 << 32

// ImageSize returns the size of the module image at p, which C passes
// without one (hipModuleLoadData, cuModuleLoadData), read from the image's
// own header as the vendors' loaders do: a streamhal fat container or an
// NVIDIA fatbin states its size, an ELF file ends at its last section or
// header table, PTX is a NUL-terminated string. SPIR-V states no size,
// so it is refused (load it from a file). Errors wrap hal.ErrInvalidImage;
// a nil p wraps hal.ErrInvalidValue.
func ImageSize(p unsafe.Pointer) (uint64, error) {
	if p == nil {
		return 0, fmt.Errorf("module image: NULL pointer: %w", hal.ErrInvalidValue)
	}
	head := func(n int) []byte { return unsafe.Slice((*byte)(p), n) }
	le := binary.LittleEndian
	// Read the first bytes one at a time, so that a short text image (PTX
	// shorter than a header) is not read past its NUL.
	first := make([]byte, 0, 8)
	for i := 0; i < 8; i++ {
		b := *(*byte)(unsafe.Add(p, i))
		first = append(first, b)
		if b == 0 {
			break
		}
	}
	bad := func(format string, args ...any) (uint64, error) {
		return 0, fmt.Errorf("module image: "+format+": %w", append(args, hal.ErrInvalidImage)...)
	}
	checked := func(n uint64) (uint64, error) {
		if n == 0 || n > maxImage {
			return bad("header gives a size of %d bytes", n)
		}
		return n, nil
	}
	switch {
	case len(first) == 8 && string(first) == "SHALFAT\x00":
		return checked(le.Uint64(head(24)[16:]))
	case len(first) >= 4 && le.Uint32(first) == 0xBA55ED50: // NVIDIA fatbin
		h := head(16)
		return checked(uint64(le.Uint16(h[6:])) + le.Uint64(h[8:]))
	case len(first) >= 4 && string(first[:4]) == "\x7fELF":
		return elfSize(head, bad, checked)
	case len(first) >= 4 && (le.Uint32(first) == 0x07230203 || binary.BigEndian.Uint32(first) == 0x07230203):
		return bad("SPIR-V states no size, so it cannot be loaded from memory here (load it from a file)")
	}
	// Text (PTX): up to the NUL.
	n := uint64(0)
	for n < maxImage && *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	if n == 0 || n == maxImage {
		return bad("neither a known binary format nor a NUL-terminated text")
	}
	return n, nil
}

// elfSize returns the extent of a 64-bit little-endian ELF image: the end of
// its section and program header tables and of every section with file
// contents.
func elfSize(head func(int) []byte, bad func(string, ...any) (uint64, error), checked func(uint64) (uint64, error)) (uint64, error) {
	h := head(64)
	if h[4] != 2 || h[5] != 1 {
		return bad("ELF class %d, data %d: want 64-bit little-endian", h[4], h[5])
	}
	le := binary.LittleEndian
	phoff, shoff := le.Uint64(h[0x20:]), le.Uint64(h[0x28:])
	phentsize, phnum := uint64(le.Uint16(h[0x36:])), uint64(le.Uint16(h[0x38:]))
	shentsize, shnum := uint64(le.Uint16(h[0x3a:])), uint64(le.Uint16(h[0x3c:]))
	end := max(uint64(64), phoff+phentsize*phnum, shoff+shentsize*shnum)
	if end > maxImage || (shnum > 0 && shentsize < 64) {
		return bad("ELF header tables out of range")
	}
	if shnum > 0 {
		sh := head(int(shoff + shentsize*shnum))
		for i := range shnum {
			s := sh[shoff+i*shentsize:]
			const nobits = 8
			if le.Uint32(s[4:]) == nobits {
				continue
			}
			end = max(end, le.Uint64(s[0x18:])+le.Uint64(s[0x20:]))
		}
	}
	return checked(end)
}
