//go:build cgo

package hip

import (
	"fmt"
	"math"

	"github.com/streamhal/streamhal/hal"
)

// argLayout is a kernel's parameter layout from the code object's
// metadata (.args offsets and sizes, hidden arguments excluded).
type argLayout struct {
	params []hal.Param
	// size is the packed buffer's size: sizeof a C struct of the
	// parameters (modfile's ArgsSize).
	size uint32
}

// end is the first byte after the last parameter.
func (l argLayout) end() uint32 {
	var e uint32
	for _, p := range l.params {
		e = max(e, p.Offset+p.Size)
	}
	return e
}

// maxLen is the longest buffer accepted: the struct size, rounded up to 8
// bytes, because callers pack with the largest alignment they know of.
func (l argLayout) maxLen() uint32 {
	return (max(l.size, l.end()) + 7) &^ 7
}

// check validates a packed argument buffer against the layout: it must
// cover every parameter and be no longer than the struct it packs.
func (l argLayout) check(kernel string, args []byte) error {
	n := uint64(len(args))
	if n < uint64(l.end()) || n > uint64(l.maxLen()) {
		return fmt.Errorf("hal/hip: launch %s: %d bytes of arguments, kernel takes %d (%d parameters): %w",
			kernel, n, l.size, len(l.params), hal.ErrInvalidValue)
	}
	return nil
}

// offsets are the parameters' offsets, for kernelParams arrays (the form
// graph kernel nodes and cooperative launches take).
func (l argLayout) offsets() []uint32 {
	out := make([]uint32, len(l.params))
	for i, p := range l.params {
		out[i] = p.Offset
	}
	return out
}

// limits are the launch bounds a dispatch is checked against before the
// runtime sees it; zero means unknown.
type limits struct {
	maxThreads  int    // per block: min of the device's and the kernel's
	maxBlock    [3]int // per dimension
	maxGrid     [3]int
	maxShared   int // dynamic + static shared memory per block
	staticBytes int // the kernel's static shared memory
	cooperative bool
}

// checkLaunch validates a launch configuration.
func checkLaunch(kernel string, l limits, cfg *hal.LaunchConfig) error {
	g, b := cfg.Grid, cfg.Block
	if g.X == 0 || g.Y == 0 || g.Z == 0 || b.X == 0 || b.Y == 0 || b.Z == 0 {
		return fmt.Errorf("hal/hip: launch %s: grid %v, block %v: zero dimension: %w", kernel, g, b, hal.ErrInvalidValue)
	}
	if l.maxThreads > 0 && b.Count() > uint64(l.maxThreads) {
		return fmt.Errorf("hal/hip: launch %s: block %v has %d threads, at most %d: %w", kernel, b, b.Count(), l.maxThreads, hal.ErrInvalidValue)
	}
	for i, v := range [3]uint32{b.X, b.Y, b.Z} {
		if l.maxBlock[i] > 0 && int64(v) > int64(l.maxBlock[i]) {
			return fmt.Errorf("hal/hip: launch %s: block %v exceeds %v: %w", kernel, b, l.maxBlock, hal.ErrInvalidValue)
		}
	}
	for i, v := range [3]uint32{g.X, g.Y, g.Z} {
		if l.maxGrid[i] > 0 && int64(v) > int64(l.maxGrid[i]) {
			return fmt.Errorf("hal/hip: launch %s: grid %v exceeds %v: %w", kernel, g, l.maxGrid, hal.ErrInvalidValue)
		}
	}
	// hipModuleLaunchKernel works in work-items: grid*block must fit 32 bits
	// in every dimension.
	for _, d := range [][2]uint32{{g.X, b.X}, {g.Y, b.Y}, {g.Z, b.Z}} {
		if uint64(d[0])*uint64(d[1]) > math.MaxUint32 {
			return fmt.Errorf("hal/hip: launch %s: grid %v times block %v exceeds 2^32-1 work-items in a dimension: %w", kernel, g, b, hal.ErrInvalidValue)
		}
	}
	if l.maxShared > 0 && int64(cfg.SharedBytes)+int64(l.staticBytes) > int64(l.maxShared) {
		return fmt.Errorf("hal/hip: launch %s: %d bytes of dynamic shared memory plus %d static exceed %d: %w",
			kernel, cfg.SharedBytes, l.staticBytes, l.maxShared, hal.ErrInvalidValue)
	}
	if cfg.Cooperative && !l.cooperative {
		return fmt.Errorf("hal/hip: launch %s: cooperative launch: %w", kernel, hal.ErrNotSupported)
	}
	return nil
}
