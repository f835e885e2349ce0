package modfile

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Decompressors for the compressed entries of NVIDIA fatbins. Both write
// at most limit bytes and grow their output only as data is produced, so a
// header that declares a huge size costs nothing unless the stream really
// expands that far.

// errOverLimit reports output past the caller's limit.
var errOverLimit = errors.New("output exceeds its declared size")

// initialCap is the capacity to start an output buffer with: the limit when
// it is small, else a multiple of the input (text compresses 3-10x).
func initialCap(inLen int, limit uint64) int {
	c := uint64(inLen)*8 + 4096
	return int(min(c, limit))
}

// lz4Block decodes one LZ4 block (the "block format" of the LZ4 project's
// lz4_Block_format.md, what LZ4_decompress_safe reads): a sequence of
// tokens, each with a literal run and a back-reference of at least 4 bytes;
// the last sequence has literals only. The output may not exceed limit
// bytes.
func lz4Block(src []byte, limit uint64) ([]byte, error) {
	out := make([]byte, 0, initialCap(len(src), limit))
	// length reads an LZ4 length extension: bytes added while they are 255.
	length := func(pos int, n uint64) (int, uint64, error) {
		for {
			if pos >= len(src) {
				return pos, 0, fmt.Errorf("length extension runs past the input")
			}
			b := src[pos]
			pos++
			n += uint64(b)
			if n > limit {
				return pos, 0, errOverLimit
			}
			if b != 255 {
				return pos, n, nil
			}
		}
	}
	pos := 0
	for {
		if pos >= len(src) {
			return nil, fmt.Errorf("lz4: input ends inside a sequence at byte %d", pos)
		}
		token := src[pos]
		pos++
		lit := uint64(token >> 4)
		var err error
		if lit == 15 {
			if pos, lit, err = length(pos, lit); err != nil {
				return nil, fmt.Errorf("lz4: literal length at byte %d: %w", pos, err)
			}
		}
		if lit > uint64(len(src)-pos) {
			return nil, fmt.Errorf("lz4: %d literals at byte %d run past the %d-byte input", lit, pos, len(src))
		}
		if uint64(len(out))+lit > limit {
			return nil, fmt.Errorf("lz4: literals at byte %d: %w (%d bytes)", pos, errOverLimit, limit)
		}
		out = append(out, src[pos:pos+int(lit)]...)
		pos += int(lit)
		if pos == len(src) {
			return out, nil // the last sequence: literals only
		}
		if len(src)-pos < 2 {
			return nil, fmt.Errorf("lz4: match offset at byte %d truncated", pos)
		}
		off := int(binary.LittleEndian.Uint16(src[pos:]))
		pos += 2
		if off == 0 || off > len(out) {
			return nil, fmt.Errorf("lz4: match offset %d at byte %d reaches before the start of the output (%d bytes so far)", off, pos-2, len(out))
		}
		n := uint64(token&15) + 4
		if token&15 == 15 {
			if pos, n, err = length(pos, n); err != nil {
				return nil, fmt.Errorf("lz4: match length at byte %d: %w", pos, err)
			}
		}
		if uint64(len(out))+n > limit {
			return nil, fmt.Errorf("lz4: match at byte %d: %w (%d bytes)", pos, errOverLimit, limit)
		}
		start := len(out) - off
		if int(n) <= off {
			out = append(out, out[start:start+int(n)]...)
			continue
		}
		// Overlapping copy: the match repeats the last off bytes.
		for i := 0; i < int(n); i++ {
			out = append(out, out[start+i])
		}
	}
}

// zstdFrames decodes a zstd stream (RFC 8878: one or more frames, skippable
// frames allowed, no dictionary) of at most limit bytes.
//
// The decoder is the Go standard library's: internal/zstd, reached through
// debug/elf, which decompresses ELFCOMPRESS_ZSTD sections. The stream is
// wrapped in a one-section ELF image whose section is marked SHF_COMPRESSED;
// reading that section runs the standard library's decoder, which the Go
// project fuzzes, keeps to an 8 MiB window (RFC 8878 section 3.1.1.1.2
// permits that cap) and checks the frames' checksums. This costs one copy
// of the compressed bytes and spares the module a dependency or a second
// zstd implementation. A frame whose back-references reach farther than
// 8 MiB fails with an error.
func zstdFrames(src []byte, limit uint64) ([]byte, error) {
	const (
		ehdr     = 64 // Elf64_Ehdr
		shdr     = 64 // Elf64_Shdr
		chdr     = 24 // Elf64_Chdr
		dataOff  = ehdr + shdr
		shfComp  = 0x800 // SHF_COMPRESSED
		shtProg  = 1     // SHT_PROGBITS
		compZstd = 2     // ELFCOMPRESS_ZSTD
	)
	img := make([]byte, dataOff+chdr+len(src))
	le := binary.LittleEndian
	copy(img, "\x7fELF")
	img[4], img[5], img[6] = elfClass64, elfData2LSB, 1
	le.PutUint16(img[16:], elfTypeRel)
	le.PutUint16(img[18:], emX86_64)
	le.PutUint32(img[20:], 1)    // e_version
	le.PutUint64(img[40:], ehdr) // e_shoff
	le.PutUint16(img[52:], ehdr) // e_ehsize
	le.PutUint16(img[58:], shdr) // e_shentsize
	le.PutUint16(img[60:], 1)    // e_shnum; e_shstrndx 0: no names
	s := img[ehdr:]
	le.PutUint32(s[4:], shtProg)
	le.PutUint64(s[8:], shfComp)
	le.PutUint64(s[24:], dataOff)
	le.PutUint64(s[32:], uint64(chdr+len(src)))
	le.PutUint64(s[48:], 1) // sh_addralign
	c := img[dataOff:]
	le.PutUint32(c[0:], compZstd)
	le.PutUint64(c[8:], limit) // ch_size: only used for seeking, which we do not do
	le.PutUint64(c[16:], 1)
	copy(c[chdr:], src)

	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("zstd: %v", err) // cannot happen: the image is ours
	}
	r := f.Sections[0].Open()
	out := make([]byte, 0, initialCap(len(src), limit))
	for {
		if len(out) == cap(out) {
			if uint64(len(out)) > limit {
				return nil, fmt.Errorf("zstd: %w (%d bytes)", errOverLimit, limit)
			}
			// Grow by doubling, to one byte past the limit: reading that
			// byte tells an overrun from an exact fit.
			out = slices.Grow(out, int(min(uint64(cap(out)), limit+1-uint64(len(out)))))
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("zstd: %v", err)
		}
	}
	if uint64(len(out)) > limit {
		return nil, fmt.Errorf("zstd: %w (%d bytes)", errOverLimit, limit)
	}
	return out, nil
}
