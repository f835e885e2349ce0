package cuda

import (
	"unsafe"

	"github.com/streamhal/streamhal/streaming"
)

// Memcpy2DParams is CUDA_MEMCPY2D (named for the call, as Go cannot give
// the type and the function one name): a copy of Height rows of WidthInBytes bytes.
// Each side is host memory (CU_MEMORYTYPE_HOST: *Host), device or unified
// memory (CU_MEMORYTYPE_DEVICE, CU_MEMORYTYPE_UNIFIED: *Device), rows
// *Pitch bytes apart, starting *XInBytes into row *Y. Host memory must be
// memory the runtime knows (cuMemAllocHost, cuMemHostAlloc,
// cuMemHostRegister); CUDA arrays (CU_MEMORYTYPE_ARRAY) are not supported.
type Memcpy2DParams struct {
	SrcXInBytes, SrcY uint64
	SrcMemoryType     MemoryType
	SrcHost           unsafe.Pointer
	SrcDevice         DevicePtr
	SrcArray          uintptr // CUarray: arrays are not supported
	SrcPitch          uint64

	DstXInBytes, DstY uint64
	DstMemoryType     MemoryType
	DstHost           unsafe.Pointer
	DstDevice         DevicePtr
	DstArray          uintptr // CUarray: arrays are not supported
	DstPitch          uint64

	WidthInBytes, Height uint64
}

// Memcpy3DParams is CUDA_MEMCPY3D: Depth slices of Height rows of WidthInBytes
// bytes; on each side slices are *Height rows apart and the copy starts
// *XInBytes into row *Y of slice *Z. The rest is as for Memcpy2DParams; *LOD
// must be 0.
type Memcpy3DParams struct {
	SrcXInBytes, SrcY, SrcZ, SrcLOD uint64
	SrcMemoryType                   MemoryType
	SrcHost                         unsafe.Pointer
	SrcDevice                       DevicePtr
	SrcArray                        uintptr // CUarray: arrays are not supported
	SrcPitch, SrcHeight             uint64

	DstXInBytes, DstY, DstZ, DstLOD uint64
	DstMemoryType                   MemoryType
	DstHost                         unsafe.Pointer
	DstDevice                       DevicePtr
	DstArray                        uintptr // CUarray: arrays are not supported
	DstPitch, DstHeight             uint64

	WidthInBytes, Height, Depth uint64
}

// side resolves one side of a copy to the address of its first byte.
func side(what, name string, typ MemoryType, host unsafe.Pointer, dev DevicePtr, array uintptr, x, y, z, lod, pitch, height uint64) (DevicePtr, error) {
	var base uint64
	switch typ {
	case CU_MEMORYTYPE_HOST:
		if host == nil {
			return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: NULL %sHost", what, name)
		}
		base = uint64(uintptr(host))
	case CU_MEMORYTYPE_DEVICE, CU_MEMORYTYPE_UNIFIED:
		base = uint64(dev)
	case CU_MEMORYTYPE_ARRAY:
		return 0, failf(CUDA_ERROR_NOT_SUPPORTED, "%s: %sMemoryType CU_MEMORYTYPE_ARRAY: CUDA arrays are not supported", what, name)
	default:
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: %sMemoryType %v", what, name, typ)
	}
	if lod != 0 {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: %sLOD %d: only arrays have levels", what, name, lod)
	}
	const limit = 1 << 56
	if x > limit || y > limit || z > limit || pitch > limit || height > limit || (z > 0 && height > 0 && z > limit/height) {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: %s offset (%d, %d, %d) out of range", what, name, x, y, z)
	}
	rows := z*height + y
	if rows > 0 && pitch > 0 && rows > limit/pitch {
		return 0, failf(CUDA_ERROR_INVALID_VALUE, "%s: %s offset (%d, %d, %d) with pitch %d out of range", what, name, x, y, z, pitch)
	}
	return DevicePtr(base + rows*pitch + x), nil
}

func (p *Memcpy3DParams) toStreaming(what string) (streaming.MemcpyNodeParams, error) {
	if p == nil {
		return streaming.MemcpyNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "%s: NULL copy parameters", what)
	}
	src, err := side(what, "src", p.SrcMemoryType, p.SrcHost, p.SrcDevice, p.SrcArray, p.SrcXInBytes, p.SrcY, p.SrcZ, p.SrcLOD, p.SrcPitch, p.SrcHeight)
	if err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	dst, err := side(what, "dst", p.DstMemoryType, p.DstHost, p.DstDevice, p.DstArray, p.DstXInBytes, p.DstY, p.DstZ, p.DstLOD, p.DstPitch, p.DstHeight)
	if err != nil {
		return streaming.MemcpyNodeParams{}, err
	}
	if p.Height > 1 || p.Depth > 1 {
		// CUDA needs the pitches of a copy of several rows: zero is not
		// "the width" there.
		if p.SrcPitch == 0 || p.DstPitch == 0 {
			return streaming.MemcpyNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "%s: pitch 0 in a copy of %d rows", what, max(p.Height, 1)*max(p.Depth, 1))
		}
	}
	if p.Depth > 1 && (p.SrcHeight == 0 || p.DstHeight == 0) {
		return streaming.MemcpyNodeParams{}, failf(CUDA_ERROR_INVALID_VALUE, "%s: slice height 0 in a copy of %d slices", what, p.Depth)
	}
	return streaming.MemcpyNodeParams{
		Dst: dst, Src: src, Size: p.WidthInBytes, Height: p.Height, Depth: p.Depth,
		DstPitch: p.DstPitch, SrcPitch: p.SrcPitch, DstHeight: p.DstHeight, SrcHeight: p.SrcHeight,
	}, nil
}

func (p *Memcpy2DParams) to3D() *Memcpy3DParams {
	if p == nil {
		return nil
	}
	return &Memcpy3DParams{
		SrcXInBytes: p.SrcXInBytes, SrcY: p.SrcY, SrcMemoryType: p.SrcMemoryType, SrcHost: p.SrcHost, SrcDevice: p.SrcDevice, SrcArray: p.SrcArray, SrcPitch: p.SrcPitch,
		DstXInBytes: p.DstXInBytes, DstY: p.DstY, DstMemoryType: p.DstMemoryType, DstHost: p.DstHost, DstDevice: p.DstDevice, DstArray: p.DstArray, DstPitch: p.DstPitch,
		WidthInBytes: p.WidthInBytes, Height: p.Height, Depth: 1,
	}
}

func memcpy3DAsync(what string, p *Memcpy3DParams, s *Stream) error {
	ss := s.live()
	if ss == nil {
		var err error
		if ss, err = s.resolveSlow(what); err != nil {
			return err
		}
	}
	sp, err := p.toStreaming(what)
	if err != nil {
		return err
	}
	return check(ss.Memcpy3DAsync(sp))
}

func memcpy3D(what string, p *Memcpy3DParams) error {
	_, sc, err := cur(what)
	if err != nil {
		return err
	}
	sp, err := p.toStreaming(what)
	if err != nil {
		return err
	}
	return check(sc.Memcpy3D(sp))
}

// Memcpy2D is cuMemcpy2D: the copy p describes, on the NULL stream, waited
// for.
func Memcpy2D(p *Memcpy2DParams) error { return memcpy3D("cuMemcpy2D", p.to3D()) }

// Memcpy2DUnaligned is cuMemcpy2DUnaligned: Memcpy2D (no alignment is
// required here).
func Memcpy2DUnaligned(p *Memcpy2DParams) error { return memcpy3D("cuMemcpy2DUnaligned", p.to3D()) }

// Memcpy2DAsync is cuMemcpy2DAsync: the copy p describes, ordered on s.
func Memcpy2DAsync(p *Memcpy2DParams, s *Stream) error {
	return memcpy3DAsync("cuMemcpy2DAsync", p.to3D(), s)
}

// Memcpy3D is cuMemcpy3D: the copy p describes, on the NULL stream, waited
// for.
func Memcpy3D(p *Memcpy3DParams) error { return memcpy3D("cuMemcpy3D", p) }

// Memcpy3DAsync is cuMemcpy3DAsync: the copy p describes, ordered on s.
func Memcpy3DAsync(p *Memcpy3DParams, s *Stream) error { return memcpy3DAsync("cuMemcpy3DAsync", p, s) }
