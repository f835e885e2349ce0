//go:build cgo

package vulkan

import (
	"encoding/binary"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// spirvKernel is what the driver keeps of one compute entry point's
// metadata (read by modfile.ParseSPIRV).
type spirvKernel struct {
	Name             string
	Params           []hal.Param
	PushConstantSize uint32 // end of the push-constant block's last member
	// LocalSize is the fixed (or default) workgroup size.
	LocalSize [3]uint32
	// LocalSizeSpecIDs are the specialization constant IDs of the workgroup
	// size, -1 where the size is fixed.
	LocalSizeSpecIDs [3]int
	// DynamicSharedSpecID is the ID of the specialization constant that
	// sizes dynamic shared memory (3 by convention), -1 when absent.
	DynamicSharedSpecID int
	// StaticShared is the bytes of Workgroup variables of known size.
	StaticShared uint32

	// Kernels translated from PTX (ptx set): the argument buffer's size,
	// where the grid size goes in the push constants (-1: nowhere), the
	// translator's shared memory per thread, whether the pipeline needs
	// 32-wide full subgroups, and the .maxntid/.reqntid limits.
	ptx             bool
	argsSize        uint32
	gridOffset      int
	sharedPerThread uint32
	subgroup32      bool
	maxThreads      uint32
	reqNTID         [3]uint32
}

const (
	spvMagic        = 0x07230203
	dynamicSharedID = 3
)

// parseSPIRV reads the module's kernels; errors wrap hal.ErrInvalidImage.
func parseSPIRV(data []byte) ([]spirvKernel, error) {
	m, err := modfile.ParseSPIRV(data)
	if err != nil {
		return nil, err
	}
	ks := make([]spirvKernel, 0, len(m.Kernels))
	for _, k := range m.Kernels {
		ks = append(ks, spirvKernel{
			Name:                k.Name,
			Params:              k.Params,
			PushConstantSize:    k.PushConstantSize,
			LocalSize:           k.LocalSize,
			LocalSizeSpecIDs:    k.LocalSizeSpecIDs,
			DynamicSharedSpecID: k.DynamicSharedSpecID,
			StaticShared:        k.SharedBytes,
			gridOffset:          -1,
		})
	}
	return ks, nil
}

// littleEndianWords returns the module in little-endian word order (SPIR-V
// files may be either; drivers take host order), copying only when it must
// swap.
func littleEndianWords(data []byte) []byte {
	if len(data) < 4 || binary.LittleEndian.Uint32(data) == spvMagic || binary.BigEndian.Uint32(data) != spvMagic {
		return data
	}
	out := make([]byte, len(data)&^3)
	for i := 0; i+4 <= len(data); i += 4 {
		binary.LittleEndian.PutUint32(out[i:], binary.BigEndian.Uint32(data[i:]))
	}
	return out
}
