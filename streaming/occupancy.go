package streaming

import "fmt"

// Occupancy flags (CU_OCCUPANCY_*).
const (
	OccupancyDefault                uint32 = 0x0
	OccupancyDisableCachingOverride uint32 = 0x1
)

// MaxActiveBlocksPerMultiprocessor returns how many blocks of f with
// blockSize threads and dynamicShared bytes of dynamic shared memory fit on
// one multiprocessor at once (cuOccupancyMaxActiveBlocksPerMultiprocessor),
// limited by threads, blocks, shared memory and registers per
// multiprocessor.
func (f *Function) MaxActiveBlocksPerMultiprocessor(blockSize int, dynamicShared int, flags uint32) (int, error) {
	if flags&^OccupancyDisableCachingOverride != 0 {
		return 0, fmt.Errorf("streaming: occupancy flags %#x: %w", flags, ErrInvalidValue)
	}
	a := f.Attributes()
	if blockSize <= 0 || blockSize > a.MaxThreadsPerBlock {
		return 0, fmt.Errorf("streaming: occupancy of %s with %d threads per block: the kernel allows 1..%d: %w", f.Name(), blockSize, a.MaxThreadsPerBlock, ErrInvalidValue)
	}
	if dynamicShared < 0 || dynamicShared > a.MaxDynamicSharedSize {
		return 0, fmt.Errorf("streaming: occupancy of %s with %d bytes of dynamic shared memory: the kernel allows %d: %w", f.Name(), dynamicShared, a.MaxDynamicSharedSize, ErrInvalidValue)
	}
	info := f.mod.ctx.dev.info
	warp := max(info.WarpSize, 1)
	threads := (blockSize + warp - 1) / warp * warp
	limit := max(info.MaxThreadsPerMultiprocessor, info.MaxThreadsPerBlock) / threads
	if info.MaxBlocksPerMultiprocessor > 0 {
		limit = min(limit, info.MaxBlocksPerMultiprocessor)
	}
	if shared := a.SharedSizeBytes + dynamicShared; shared > 0 && info.SharedMemPerMultiprocessor > 0 {
		limit = min(limit, info.SharedMemPerMultiprocessor/shared)
	}
	if a.NumRegs > 0 && info.RegistersPerMultiprocessor > 0 {
		limit = min(limit, info.RegistersPerMultiprocessor/(a.NumRegs*threads))
	}
	return max(limit, 0), nil
}

// MaxPotentialBlockSize returns the block size that maximizes f's
// occupancy and the smallest grid that reaches it on the whole device
// (cuOccupancyMaxPotentialBlockSize). dynamicShared gives the dynamic shared
// memory a block size needs (nil: a constant sharedBytes); blockSizeLimit
// caps the block size (0: none).
func (f *Function) MaxPotentialBlockSize(dynamicShared func(blockSize int) int, sharedBytes int, blockSizeLimit int, flags uint32) (minGridSize, blockSize int, err error) {
	a := f.Attributes()
	info := f.mod.ctx.dev.info
	limit := a.MaxThreadsPerBlock
	if blockSizeLimit > 0 && blockSizeLimit < limit {
		limit = blockSizeLimit
	}
	if blockSizeLimit < 0 {
		return 0, 0, fmt.Errorf("streaming: block size limit %d: %w", blockSizeLimit, ErrInvalidValue)
	}
	warp := max(info.WarpSize, 1)
	best, bestThreads := 0, -1
	bestBlocks := 0
	for bs := limit / warp * warp; bs >= warp; bs -= warp {
		shared := sharedBytes
		if dynamicShared != nil {
			shared = dynamicShared(bs)
		}
		if shared > a.MaxDynamicSharedSize {
			continue
		}
		blocks, err := f.MaxActiveBlocksPerMultiprocessor(bs, shared, flags)
		if err != nil {
			return 0, 0, err
		}
		if t := blocks * bs; t > bestThreads {
			best, bestThreads, bestBlocks = bs, t, blocks
		}
		if bestThreads >= max(info.MaxThreadsPerMultiprocessor, info.MaxThreadsPerBlock) {
			break
		}
	}
	if best == 0 {
		return 0, 0, fmt.Errorf("streaming: no block size of %s fits the device's limits: %w", f.Name(), ErrInvalidValue)
	}
	return bestBlocks * max(info.MultiprocessorCount, 1), best, nil
}
