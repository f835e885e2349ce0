package modfile

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// Magic numbers.
const (
	fatbinMagic        = 0xBA55ED50 // NVIDIA fatbin header (fatbinary.h FATBIN_MAGIC)
	fatbinWrapperMagic = 0x466243B1 // __fatBinC_Wrapper_t (fatbinary_section.h)
	spirvMagic         = 0x07230203
	fatbinHeaderSize   = 16 // magic u32, version u16, header size u16, fat size u64
)

// fatMagic starts a streamhal fat container.
var fatMagic = []byte("SHALFAT\x00")

// Detect identifies a module image by its contents:
//
//   - ELF64 with e_machine EM_CUDA (190): hal.FormatCubin
//   - ELF64 with e_machine EM_AMDGPU (224): hal.FormatAMDGPU
//   - ELF64 shared object (ET_DYN) for x86-64 or AArch64: hal.FormatCPUELF
//   - NVIDIA fatbin (magic 0xBA55ED50): hal.FormatFatbin
//   - SPIR-V (magic 0x07230203, either byte order): hal.FormatSPIRV
//   - streamhal fat container ("SHALFAT\x00"): hal.FormatFat
//   - PTX text with .version and .target directives: hal.FormatPTX
//
// Detect checks headers and table bounds, not whole images: the Parse
// functions validate the rest. Anything else, and a truncated or malformed
// header, is an error wrapping hal.ErrInvalidImage that says what was wrong.
func Detect(data []byte) (hal.Format, error) {
	if len(data) == 0 {
		return "", fmt.Errorf("hal/modfile: detect: empty image: %w", hal.ErrInvalidImage)
	}
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return detectELF(data)
	case bytes.HasPrefix(data, fatMagic):
		if _, err := ParseFat(data); err != nil {
			return "", err
		}
		return hal.FormatFat, nil
	}
	if len(data) >= 4 {
		le := binary.LittleEndian.Uint32(data)
		switch {
		case le == fatbinMagic:
			if err := checkFatbin(data); err != nil {
				return "", err
			}
			return hal.FormatFatbin, nil
		case le == fatbinWrapperMagic:
			return "", fmt.Errorf("hal/modfile: detect: image is a __fatBinC_Wrapper_t (magic %#x), which holds a pointer to the fatbin rather than the fatbin itself; pass the fatbin (magic %#x): %w", uint32(fatbinWrapperMagic), uint32(fatbinMagic), hal.ErrInvalidImage)
		case le == spirvMagic || binary.BigEndian.Uint32(data) == spirvMagic:
			if _, _, err := spirvHeader(data); err != nil {
				return "", err
			}
			return hal.FormatSPIRV, nil
		}
	}
	if looksLikeText(data) {
		if err := checkPTXHeader(data); err != nil {
			return "", err
		}
		return hal.FormatPTX, nil
	}
	n := min(len(data), 8)
	return "", fmt.Errorf("hal/modfile: detect: unrecognised image (%d bytes, starting % x): %w", len(data), data[:n], hal.ErrInvalidImage)
}

// detectELF classifies an ELF image by machine and type.
func detectELF(data []byte) (hal.Format, error) {
	f, err := parseELF(data, "detect")
	if err != nil {
		return "", err
	}
	switch f.machine {
	case emCUDA:
		return hal.FormatCubin, nil
	case emAMDGPU:
		return hal.FormatAMDGPU, nil
	case emX86_64, emAArch64:
		if f.typ != elfTypeDyn {
			return "", fmt.Errorf("hal/modfile: detect: %s ELF of type %s, want a shared object (ET_DYN): %w", elfArch(f.machine), elfTypeName(f.typ), hal.ErrInvalidImage)
		}
		return hal.FormatCPUELF, nil
	}
	return "", fmt.Errorf("hal/modfile: detect: ELF for machine %d, not CUDA (190), AMDGPU (224), x86-64 (62) or AArch64 (183): %w", f.machine, hal.ErrInvalidImage)
}

// checkFatbin validates an NVIDIA fatbin's outer header: version 1, a header
// of at least 16 bytes, and the payload size it declares inside the image.
func checkFatbin(data []byte) error {
	if len(data) < fatbinHeaderSize {
		return fmt.Errorf("hal/modfile: fatbin: header truncated (%d of %d bytes): %w", len(data), fatbinHeaderSize, hal.ErrInvalidImage)
	}
	le := binary.LittleEndian
	version, hsize, fatSize := le.Uint16(data[4:]), uint64(le.Uint16(data[6:])), le.Uint64(data[8:])
	if version != 1 {
		return fmt.Errorf("hal/modfile: fatbin: unsupported version %d: %w", version, hal.ErrInvalidImage)
	}
	if hsize < fatbinHeaderSize {
		return fmt.Errorf("hal/modfile: fatbin: header size %d below %d: %w", hsize, fatbinHeaderSize, hal.ErrInvalidImage)
	}
	if !inFile(hsize, fatSize, uint64(len(data))) {
		return fmt.Errorf("hal/modfile: fatbin: header (%d bytes) plus payload (%d bytes) exceed the %d-byte image: %w", hsize, fatSize, len(data), hal.ErrInvalidImage)
	}
	return nil
}

// looksLikeText reports whether data is plausibly a text file: no NUL bytes
// except trailing ones (cuModuleLoadData takes NUL-terminated PTX), and no
// other control characters than tab, newline, carriage return and form feed
// in the first 4 KiB.
func looksLikeText(data []byte) bool {
	data = bytes.TrimRight(data, "\x00")
	if len(data) == 0 || bytes.IndexByte(data, 0) >= 0 {
		return false
	}
	for _, c := range data[:min(len(data), 4096)] {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return false
		}
	}
	return true
}
