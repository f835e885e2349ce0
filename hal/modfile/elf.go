package modfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"

	"github.com/streamhal/streamhal/hal"
)

// ELF constants this package uses (System V gABI; EM_CUDA and EM_AMDGPU from
// the ELF machine registry).
const (
	elfHeaderSize  = 64 // ELF64 header
	elfPhdrSize    = 56 // Elf64_Phdr
	elfShdrSize    = 64 // Elf64_Shdr
	elfSymSize     = 24 // Elf64_Sym
	elfClass64     = 2
	elfData2LSB    = 1
	elfData2MSB    = 2
	elfTypeRel     = 1
	elfTypeExec    = 2
	elfTypeDyn     = 3
	emX86_64       = 62
	emAArch64      = 183
	emCUDA         = 190
	emAMDGPU       = 224
	shtSymtab      = 2
	shtStrtab      = 3
	shtNote        = 7
	shtNobits      = 8
	shtDynsym      = 11
	ptLoad         = 1
	ptDynamic      = 2
	ptNote         = 4
	sttObject      = 1
	stbLocal       = 0
	shnUndef       = 0
	shnLoReserve   = 0xff00
	elfOSABIAMDHSA = 64
)

// elfFile is a validated view of an ELF64 little-endian image. Every table
// it exposes has been checked to lie inside the file.
type elfFile struct {
	data     []byte
	typ      uint16
	machine  uint16
	osABI    byte
	abiVer   byte
	flags    uint32
	entry    uint64
	progs    []elfProg
	sects    []elfSect
	shstrndx uint16
	shstrtab []byte // section name table, nil when absent
}

type elfProg struct {
	typ    uint32
	off    uint64
	filesz uint64
}

type elfSect struct {
	name   string
	typ    uint32
	off    uint64
	size   uint64
	link   uint32
	entsz  uint64
	nobits bool
}

// bytes returns a section's contents (nil for SHT_NOBITS).
func (s *elfSect) bytes(f *elfFile) []byte {
	if s.nobits {
		return nil
	}
	return f.data[s.off : s.off+s.size : s.off+s.size]
}

// inFile reports whether [off, off+n) lies inside a file of size size.
func inFile(off, n, size uint64) bool {
	return off <= size && n <= size-off
}

// parseELF validates the ELF64 header and its program and section header
// tables. what names the caller ("cpu-elf", "amdgpu") for error messages.
func parseELF(data []byte, what string) (*elfFile, error) {
	if len(data) < 4 || !bytes.Equal(data[:4], []byte("\x7fELF")) {
		return nil, fmt.Errorf("hal/modfile: %s: not an ELF file: %w", what, hal.ErrInvalidImage)
	}
	if len(data) < elfHeaderSize {
		return nil, fmt.Errorf("hal/modfile: %s: ELF header truncated (%d of %d bytes): %w", what, len(data), elfHeaderSize, hal.ErrInvalidImage)
	}
	switch data[4] {
	case elfClass64:
	case 1:
		return nil, fmt.Errorf("hal/modfile: %s: 32-bit ELF is not supported: %w", what, hal.ErrInvalidImage)
	default:
		return nil, fmt.Errorf("hal/modfile: %s: bad ELF class %d: %w", what, data[4], hal.ErrInvalidImage)
	}
	switch data[5] {
	case elfData2LSB:
	case elfData2MSB:
		return nil, fmt.Errorf("hal/modfile: %s: big-endian ELF is not supported: %w", what, hal.ErrInvalidImage)
	default:
		return nil, fmt.Errorf("hal/modfile: %s: bad ELF data encoding %d: %w", what, data[5], hal.ErrInvalidImage)
	}
	if data[6] != 1 {
		return nil, fmt.Errorf("hal/modfile: %s: bad ELF ident version %d: %w", what, data[6], hal.ErrInvalidImage)
	}
	le := binary.LittleEndian
	f := &elfFile{
		data:    data,
		typ:     le.Uint16(data[16:]),
		machine: le.Uint16(data[18:]),
		osABI:   data[7],
		abiVer:  data[8],
		entry:   le.Uint64(data[24:]),
		flags:   le.Uint32(data[48:]),
	}
	if v := le.Uint32(data[20:]); v != 1 {
		return nil, fmt.Errorf("hal/modfile: %s: bad ELF version %d: %w", what, v, hal.ErrInvalidImage)
	}
	if eh := le.Uint16(data[52:]); eh != elfHeaderSize {
		return nil, fmt.Errorf("hal/modfile: %s: bad ELF header size %d: %w", what, eh, hal.ErrInvalidImage)
	}
	size := uint64(len(data))
	phoff, phentsize, phnum := le.Uint64(data[32:]), le.Uint16(data[54:]), le.Uint16(data[56:])
	shoff, shentsize, shnum := le.Uint64(data[40:]), le.Uint16(data[58:]), le.Uint16(data[60:])
	f.shstrndx = le.Uint16(data[62:])
	if phnum == 0xffff || (shnum == 0 && shoff != 0) || f.shstrndx == 0xffff {
		return nil, fmt.Errorf("hal/modfile: %s: extended ELF numbering is not supported: %w", what, hal.ErrInvalidImage)
	}
	if phnum > 0 {
		if phentsize != elfPhdrSize {
			return nil, fmt.Errorf("hal/modfile: %s: bad program header entry size %d: %w", what, phentsize, hal.ErrInvalidImage)
		}
		if !inFile(phoff, uint64(phnum)*elfPhdrSize, size) {
			return nil, fmt.Errorf("hal/modfile: %s: program header table (%d entries at %#x) outside the %d-byte file: %w", what, phnum, phoff, size, hal.ErrInvalidImage)
		}
		f.progs = make([]elfProg, phnum)
		for i := range f.progs {
			p := data[phoff+uint64(i)*elfPhdrSize:]
			pr := elfProg{typ: le.Uint32(p), off: le.Uint64(p[8:]), filesz: le.Uint64(p[32:])}
			if !inFile(pr.off, pr.filesz, size) {
				return nil, fmt.Errorf("hal/modfile: %s: segment %d (%#x+%#x) outside the %d-byte file: %w", what, i, pr.off, pr.filesz, size, hal.ErrInvalidImage)
			}
			f.progs[i] = pr
		}
	}
	if shnum > 0 {
		if shentsize != elfShdrSize {
			return nil, fmt.Errorf("hal/modfile: %s: bad section header entry size %d: %w", what, shentsize, hal.ErrInvalidImage)
		}
		if !inFile(shoff, uint64(shnum)*elfShdrSize, size) {
			return nil, fmt.Errorf("hal/modfile: %s: section header table (%d entries at %#x) outside the %d-byte file: %w", what, shnum, shoff, size, hal.ErrInvalidImage)
		}
		if f.shstrndx >= shnum {
			return nil, fmt.Errorf("hal/modfile: %s: section name table index %d out of range (%d sections): %w", what, f.shstrndx, shnum, hal.ErrInvalidImage)
		}
		f.sects = make([]elfSect, shnum)
		names := make([]uint32, shnum)
		for i := range f.sects {
			s := data[shoff+uint64(i)*elfShdrSize:]
			sc := elfSect{
				typ:   le.Uint32(s[4:]),
				off:   le.Uint64(s[24:]),
				size:  le.Uint64(s[32:]),
				link:  le.Uint32(s[40:]),
				entsz: le.Uint64(s[56:]),
			}
			names[i] = le.Uint32(s)
			sc.nobits = sc.typ == shtNobits || sc.typ == 0
			if !sc.nobits && !inFile(sc.off, sc.size, size) {
				return nil, fmt.Errorf("hal/modfile: %s: section %d (%#x+%#x) outside the %d-byte file: %w", what, i, sc.off, sc.size, size, hal.ErrInvalidImage)
			}
			f.sects[i] = sc
		}
		if f.shstrndx != shnUndef {
			st := &f.sects[f.shstrndx]
			if st.typ != shtStrtab {
				return nil, fmt.Errorf("hal/modfile: %s: section name table (section %d) is not a string table: %w", what, f.shstrndx, hal.ErrInvalidImage)
			}
			f.shstrtab = st.bytes(f)
			for i := range f.sects {
				n, ok := cstring(f.shstrtab, uint64(names[i]))
				if !ok {
					return nil, fmt.Errorf("hal/modfile: %s: section %d name offset %d outside the name table: %w", what, i, names[i], hal.ErrInvalidImage)
				}
				f.sects[i].name = n
			}
		}
	}
	return f, nil
}

// cstring returns the NUL-terminated string at off in tab.
func cstring(tab []byte, off uint64) (string, bool) {
	if off >= uint64(len(tab)) {
		return "", off == 0 && len(tab) == 0
	}
	end := bytes.IndexByte(tab[off:], 0)
	if end < 0 {
		return "", false
	}
	return string(tab[off : off+uint64(end)]), true
}

// elfSymbol is one symbol table entry.
type elfSymbol struct {
	name  string
	typ   byte
	bind  byte
	shndx uint16
	value uint64
	size  uint64
}

// symbols returns the symbols of the first section of type typ
// (shtSymtab or shtDynsym); ok is false when there is none.
func (f *elfFile) symbols(typ uint32, what string) (syms []elfSymbol, ok bool, err error) {
	for i := range f.sects {
		s := &f.sects[i]
		if s.typ != typ {
			continue
		}
		if s.entsz != elfSymSize {
			return nil, true, fmt.Errorf("hal/modfile: %s: symbol table %q has entry size %d: %w", what, s.name, s.entsz, hal.ErrInvalidImage)
		}
		if int(s.link) >= len(f.sects) || f.sects[s.link].typ != shtStrtab {
			return nil, true, fmt.Errorf("hal/modfile: %s: symbol table %q links to section %d, not a string table: %w", what, s.name, s.link, hal.ErrInvalidImage)
		}
		strtab := f.sects[s.link].bytes(f)
		tab := s.bytes(f)
		n := len(tab) / elfSymSize
		syms = make([]elfSymbol, 0, n)
		le := binary.LittleEndian
		for j := 0; j < n; j++ {
			e := tab[j*elfSymSize:]
			nameOff := le.Uint32(e)
			name, ok := cstring(strtab, uint64(nameOff))
			if !ok {
				return nil, true, fmt.Errorf("hal/modfile: %s: symbol %d name offset %d outside %q: %w", what, j, nameOff, f.sects[s.link].name, hal.ErrInvalidImage)
			}
			syms = append(syms, elfSymbol{
				name:  name,
				typ:   e[4] & 0xf,
				bind:  e[4] >> 4,
				shndx: le.Uint16(e[6:]),
				value: le.Uint64(e[8:]),
				size:  le.Uint64(e[16:]),
			})
		}
		return syms, true, nil
	}
	return nil, false, nil
}

// elfNote is one ELF note record.
type elfNote struct {
	owner string
	typ   uint32
	desc  []byte
}

// notes returns the note records of every SHT_NOTE section, or of every
// PT_NOTE segment when the file has no note sections.
func (f *elfFile) notes(what string) ([]elfNote, error) {
	var out []elfNote
	found := false
	for i := range f.sects {
		s := &f.sects[i]
		if s.typ != shtNote {
			continue
		}
		found = true
		ns, err := parseNotes(s.bytes(f), what)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
	}
	if found {
		return out, nil
	}
	for _, p := range f.progs {
		if p.typ != ptNote {
			continue
		}
		ns, err := parseNotes(f.data[p.off:p.off+p.filesz], what)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
	}
	return out, nil
}

// parseNotes splits a note section into records (4-byte aligned name and
// descriptor, as every AMDGPU and System V note uses).
func parseNotes(b []byte, what string) ([]elfNote, error) {
	var out []elfNote
	le := binary.LittleEndian
	for off := uint64(0); off < uint64(len(b)); {
		if uint64(len(b))-off < 12 {
			return nil, fmt.Errorf("hal/modfile: %s: truncated note header at offset %d: %w", what, off, hal.ErrInvalidImage)
		}
		namesz, descsz, typ := uint64(le.Uint32(b[off:])), uint64(le.Uint32(b[off+4:])), le.Uint32(b[off+8:])
		off += 12
		if !inFile(off, alignUp(namesz, 4), uint64(len(b))) {
			return nil, fmt.Errorf("hal/modfile: %s: note name (%d bytes) overruns its section: %w", what, namesz, hal.ErrInvalidImage)
		}
		name := b[off : off+namesz]
		name = bytes.TrimRight(name, "\x00")
		off += alignUp(namesz, 4)
		if !inFile(off, descsz, uint64(len(b))) {
			return nil, fmt.Errorf("hal/modfile: %s: note %q descriptor (%d bytes) overruns its section: %w", what, name, descsz, hal.ErrInvalidImage)
		}
		desc := b[off : off+descsz : off+descsz]
		off += descsz
		off = alignUp(off, 4)
		out = append(out, elfNote{owner: string(name), typ: typ, desc: desc})
	}
	return out, nil
}

// ELFInfo describes a validated CPU kernel library.
type ELFInfo struct {
	// Machine is the ELF e_machine value (62 x86-64, 183 AArch64).
	Machine uint16
	// Arch is the architecture name: "x86_64" or "aarch64".
	Arch string
	// Sections and Segments count the section and program headers.
	Sections, Segments int
	// ExportsLibrary reports whether the dynamic symbol table defines
	// streamhal_cpu_library; false as well when the file has no section
	// headers to tell (stripped with sstrip), in which case dlsym decides.
	ExportsLibrary bool
}

// cpuLibrarySymbol is the function every CPU kernel library exports
// (kernels/streamhal_cpu.h).
const cpuLibrarySymbol = "streamhal_cpu_library"

// elfArch names the host machines CPU kernel libraries are built for.
func elfArch(machine uint16) string {
	switch machine {
	case emX86_64:
		return "x86_64"
	case emAArch64:
		return "aarch64"
	}
	return ""
}

// HostArch returns the ELF architecture name of the running program
// ("x86_64", "aarch64"), the arch to pass to Select for the CPU backend, or
// runtime.GOARCH for other architectures.
func HostArch() string {
	return normalizeCPUArch(runtime.GOARCH)
}

// normalizeCPUArch maps Go and common aliases to the ELF names.
func normalizeCPUArch(a string) string {
	switch a {
	case "amd64", "x86-64", "x64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return a
}

// ParseCPUELF validates a CPU kernel library before it is handed to dlopen:
// an ELF64 little-endian shared object (ET_DYN) for x86-64 or AArch64 whose
// program and section header tables, segments and sections lie inside the
// file, with a dynamic segment, exporting streamhal_cpu_library when its
// dynamic symbol table is present. Errors wrap hal.ErrInvalidImage.
func ParseCPUELF(data []byte) (*ELFInfo, error) {
	const what = "cpu-elf"
	f, err := parseELF(data, what)
	if err != nil {
		return nil, err
	}
	arch := elfArch(f.machine)
	if arch == "" {
		return nil, fmt.Errorf("hal/modfile: %s: ELF machine %d is not a CPU this package knows (x86-64, aarch64): %w", what, f.machine, hal.ErrInvalidImage)
	}
	if f.typ != elfTypeDyn {
		return nil, fmt.Errorf("hal/modfile: %s: ELF type %s, want a shared object: %w", what, elfTypeName(f.typ), hal.ErrInvalidImage)
	}
	info := &ELFInfo{Machine: f.machine, Arch: arch, Sections: len(f.sects), Segments: len(f.progs)}
	hasLoad, hasDynamic := false, false
	for _, p := range f.progs {
		hasLoad = hasLoad || p.typ == ptLoad
		hasDynamic = hasDynamic || p.typ == ptDynamic
	}
	if !hasLoad || !hasDynamic {
		return nil, fmt.Errorf("hal/modfile: %s: shared object has no loadable or no dynamic segment: %w", what, hal.ErrInvalidImage)
	}
	syms, ok, err := f.symbols(shtDynsym, what)
	if err != nil {
		return nil, err
	}
	if ok {
		for _, s := range syms {
			if s.name == cpuLibrarySymbol && s.shndx != shnUndef && s.bind != stbLocal {
				info.ExportsLibrary = true
				break
			}
		}
		if !info.ExportsLibrary {
			return nil, fmt.Errorf("hal/modfile: %s: shared object does not export %s (not a streamhal CPU kernel library): %w", what, cpuLibrarySymbol, hal.ErrInvalidImage)
		}
	}
	return info, nil
}

func elfTypeName(t uint16) string {
	switch t {
	case elfTypeRel:
		return "ET_REL (relocatable object)"
	case elfTypeExec:
		return "ET_EXEC (executable)"
	case elfTypeDyn:
		return "ET_DYN (shared object)"
	case 4:
		return "ET_CORE (core dump)"
	}
	return fmt.Sprintf("%d", t)
}
