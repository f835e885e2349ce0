package modfile

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// KernelInfo is one kernel entry point's static metadata, as far as the
// module format records it. Fields a format does not record are zero, except
// the SPIR-V specialization IDs, which are -1 when absent.
type KernelInfo struct {
	// Name is the entry point's name (unmangled for extern "C" kernels).
	Name string
	// Params is each explicit parameter's offset and size in the packed
	// argument buffer (C natural alignment, parameter order). It is empty,
	// not nil, for a kernel without parameters.
	Params []hal.Param
	// ArgsSize is the size of the packed argument buffer: the end of the
	// last parameter rounded up to the largest parameter alignment, as C's
	// sizeof for a struct of the parameters.
	ArgsSize uint32
	// SharedBytes is the static shared memory (group segment) a block
	// needs, when the format records it. SPIR-V: the Workgroup variables the
	// entry point uses, except arrays sized by a specialization constant.
	SharedBytes uint32
	// MaxThreadsPerBlock is the kernel's declared block-size limit (PTX
	// .maxntid or .reqntid, AMDGPU .max_flat_workgroup_size), 0 when none.
	MaxThreadsPerBlock int

	// SPIR-V.

	// LocalSizeSpecIDs are the specialization constant IDs that set the
	// block size in x, y, z (-1 where the size is a fixed constant).
	LocalSizeSpecIDs [3]int
	// LocalSize is the block size declared in the module (the
	// specialization constants' default values where they set it).
	LocalSize [3]uint32
	// DynamicSharedSpecID is the specialization constant ID (3 by the
	// project's convention) that sizes a Workgroup array used by this entry
	// point, the SPIR-V form of dynamic shared memory; -1 when none.
	DynamicSharedSpecID int
	// DynamicSharedDefault is that specialization constant's default value.
	DynamicSharedDefault uint32
	// PushConstantSize is the byte extent of the entry point's push-constant
	// block (end of its last member), 0 when it has none.
	PushConstantSize uint32

	// AMDGPU.

	// Symbol is the kernel descriptor symbol (".symbol", "vector_add.kd").
	Symbol string
	// KernargSegmentSize is the whole kernarg segment, hidden arguments
	// included (".kernarg_segment_size").
	KernargSegmentSize uint32
	// KernargSegmentAlign is ".kernarg_segment_align".
	KernargSegmentAlign uint32
	// PrivateSegmentFixedSize is the per-work-item scratch memory.
	PrivateSegmentFixedSize uint32
	// WavefrontSize is 32 or 64.
	WavefrontSize int
	// SGPRCount, VGPRCount and AGPRCount are the registers the kernel uses.
	SGPRCount, VGPRCount, AGPRCount int
	// ReqdWorkgroupSize is ".reqd_workgroup_size", zero when absent.
	ReqdWorkgroupSize [3]uint32
}

// GlobalInfo is a module-scope variable (cuModuleGetGlobal, hipModuleGetGlobal).
type GlobalInfo struct {
	Name string
	// Size in bytes; 0 when the module does not say (PTX unsized arrays).
	Size uint64
}

// Module is the parsed metadata of one module image.
type Module struct {
	Format hal.Format
	// Target is the architecture the module is built for: PTX ".target"
	// ("sm_80"), AMDGPU processor and features ("gfx90a:xnack-"), empty for
	// SPIR-V.
	Target string
	// Version is the format's version: PTX ISA ("7.0"), SPIR-V ("1.5"),
	// AMDGPU metadata ("1.2").
	Version string
	// CodeObjectVersion is the AMDGPU code object version (3, 4, 5, ...),
	// 0 for other formats.
	CodeObjectVersion int
	Kernels           []KernelInfo
	Globals           []GlobalInfo
}

// Kernel returns the named kernel's metadata, or an error wrapping
// hal.ErrNotFound.
func (m *Module) Kernel(name string) (*KernelInfo, error) {
	for i := range m.Kernels {
		if m.Kernels[i].Name == name {
			return &m.Kernels[i], nil
		}
	}
	return nil, fmt.Errorf("hal/modfile: %s module has no kernel %q: %w", m.Format, name, hal.ErrNotFound)
}

// Parse parses the kernel metadata of a PTX, SPIR-V or AMDGPU image.
// Other formats return an error wrapping hal.ErrNotSupported: CPU kernel
// libraries describe their kernels in a table read after dlopen, and cubin
// and fatbin metadata is read by the CUDA driver.
func Parse(format hal.Format, data []byte) (*Module, error) {
	switch format {
	case hal.FormatPTX:
		return ParsePTX(data)
	case hal.FormatSPIRV:
		return ParseSPIRV(data)
	case hal.FormatAMDGPU:
		return ParseAMDGPU(data)
	}
	return nil, fmt.Errorf("hal/modfile: parse kernel metadata of format %q: %w", format, hal.ErrNotSupported)
}

// newKernel returns a KernelInfo with the "absent" markers set.
func newKernel(name string) KernelInfo {
	return KernelInfo{
		Name:                name,
		Params:              []hal.Param{},
		LocalSizeSpecIDs:    [3]int{-1, -1, -1},
		DynamicSharedSpecID: -1,
	}
}

// layout is a running C natural-alignment struct layout.
type layout struct {
	end      uint64
	maxAlign uint64
}

// add appends a member of the given size and alignment (a power of two) and
// returns its offset.
func (l *layout) add(size, align uint64) uint64 {
	off := alignUp(l.end, align)
	l.end = off + size
	if align > l.maxAlign {
		l.maxAlign = align
	}
	return off
}

// size is sizeof of the struct laid out so far.
func (l *layout) size() uint64 {
	if l.maxAlign == 0 {
		return l.end
	}
	return alignUp(l.end, l.maxAlign)
}

// alignUp rounds v up to a multiple of a (a power of two, or 0/1 for none).
func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// maxArgsSize bounds a packed argument buffer; every format's real limit is
// far lower (CUDA 32 KiB, Vulkan push constants 256 bytes).
const maxArgsSize = 1 << 20

// inferAlign guesses a parameter's alignment from its size and offset, for
// formats that record only those (AMDGPU): the largest power of two, at most
// 8, that divides both.
func inferAlign(offset, size uint64) uint64 {
	a := uint64(8)
	for a > 1 && (size%a != 0 || offset%a != 0) {
		a >>= 1
	}
	return a
}
