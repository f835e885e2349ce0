package streaming

import (
	"fmt"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// Dim3 is a grid or block shape.
type Dim3 = hal.Dim3

// D1 is the 1-D shape (x, 1, 1).
func D1(x uint32) Dim3 { return Dim3{X: x, Y: 1, Z: 1} }

// D2 is the 2-D shape (x, y, 1).
func D2(x, y uint32) Dim3 { return Dim3{X: x, Y: y, Z: 1} }

// LaunchConfig is the shape of a launch.
type LaunchConfig struct {
	Grid, Block Dim3
	SharedBytes uint32 // dynamic shared memory per block
	Cooperative bool   // blocks may synchronize grid-wide
}

// checkLaunch validates a launch of f on s against the device's and the
// kernel's limits.
func (s *Stream) checkLaunch(f *Function, cfg *LaunchConfig) error {
	if f == nil {
		return fmt.Errorf("streaming: launch of a nil function: %w", ErrInvalidHandle)
	}
	if err := f.mod.check("launch"); err != nil {
		return fmt.Errorf("%w (kernel %s)", err, f.Name())
	}
	if f.mod.ctx.dev.hal != s.ctx.dev.hal {
		return fmt.Errorf("streaming: launch %s (loaded on device %d) on a stream of device %d: %w", f.Name(), f.mod.ctx.dev.ordinal, s.ctx.dev.ordinal, ErrInvalidHandle)
	}
	info := s.ctx.dev.info
	g, b := cfg.Grid, cfg.Block
	if g.X == 0 || g.Y == 0 || g.Z == 0 || b.X == 0 || b.Y == 0 || b.Z == 0 {
		return fmt.Errorf("streaming: launch %s: grid %v, block %v: every dimension must be at least 1: %w", f.Name(), g, b, ErrInvalidValue)
	}
	attrs := f.Attributes()
	if int(b.X) > info.MaxBlockDim[0] || int(b.Y) > info.MaxBlockDim[1] || int(b.Z) > info.MaxBlockDim[2] {
		return fmt.Errorf("streaming: launch %s: block %v exceeds the device's %v: %w", f.Name(), b, info.MaxBlockDim, ErrInvalidValue)
	}
	if b.Count() > uint64(attrs.MaxThreadsPerBlock) {
		return fmt.Errorf("streaming: launch %s: %d threads per block exceeds the kernel's limit of %d: %w", f.Name(), b.Count(), attrs.MaxThreadsPerBlock, ErrInvalidValue)
	}
	if int64(g.X) > int64(info.MaxGridDim[0]) || int64(g.Y) > int64(info.MaxGridDim[1]) || int64(g.Z) > int64(info.MaxGridDim[2]) {
		return fmt.Errorf("streaming: launch %s: grid %v exceeds the device's %v: %w", f.Name(), g, info.MaxGridDim, ErrInvalidValue)
	}
	if int(cfg.SharedBytes) > attrs.MaxDynamicSharedSize {
		return fmt.Errorf("streaming: launch %s: %d bytes of dynamic shared memory exceeds the kernel's limit of %d (raise it with SetMaxDynamicSharedMemory): %w", f.Name(), cfg.SharedBytes, attrs.MaxDynamicSharedSize, ErrInvalidValue)
	}
	if cfg.Cooperative && !info.CooperativeLaunch {
		return fmt.Errorf("streaming: cooperative launch of %s on %s: %w", f.Name(), info.Name, ErrNotSupported)
	}
	return nil
}

// checkPointerArgs makes sure every DevicePtr argument points into memory the
// runtime knows (or is null), so a stale or made-up pointer is an error here
// rather than a fault in the kernel.
func (s *Stream) checkPointerArgs(f *Function, args []any) error {
	for i, v := range args {
		p, ok := v.(DevicePtr)
		if !ok || p == 0 {
			continue
		}
		a := s.ctx.rt.ptrs.find(uint64(p))
		if a == nil && uint64(p) > 0 {
			// One past the end of an allocation is a valid C pointer.
			if b := s.ctx.rt.ptrs.find(uint64(p) - 1); b != nil {
				continue
			}
		}
		if a == nil {
			return fmt.Errorf("streaming: launch %s: argument %d: DevicePtr %#x is not inside any allocation: %w", f.Name(), i, uint64(p), ErrInvalidValue)
		}
	}
	return nil
}

// Launch runs f over grid × block threads with sharedBytes of dynamic shared
// memory per block, packing args by the kernel's parameter layout
// (cuLaunchKernel). See PackArgs for how Go values pack.
func (s *Stream) Launch(f *Function, grid, block Dim3, sharedBytes uint32, args ...any) error {
	return s.LaunchConfigured(f, LaunchConfig{Grid: grid, Block: block, SharedBytes: sharedBytes}, args...)
}

// LaunchCooperative is Launch for kernels whose blocks synchronize
// grid-wide (cuLaunchCooperativeKernel).
func (s *Stream) LaunchCooperative(f *Function, grid, block Dim3, sharedBytes uint32, args ...any) error {
	return s.LaunchConfigured(f, LaunchConfig{Grid: grid, Block: block, SharedBytes: sharedBytes, Cooperative: true}, args...)
}

// LaunchConfigured is Launch with a LaunchConfig.
func (s *Stream) LaunchConfigured(f *Function, cfg LaunchConfig, args ...any) error {
	if err := s.checkLaunch(f, &cfg); err != nil {
		return err
	}
	if err := s.checkPointerArgs(f, args); err != nil {
		return err
	}
	buf, err := PackArgs(f.Params(), args...)
	if err != nil {
		return fmt.Errorf("streaming: launch %s: %w", f.Name(), err)
	}
	return s.launchPacked(f, cfg, buf)
}

// LaunchPacked launches with an already packed argument buffer (the
// CU_LAUNCH_PARAM_BUFFER_POINTER form). The buffer must cover every
// parameter of the kernel's layout.
func (s *Stream) LaunchPacked(f *Function, cfg LaunchConfig, args []byte) error {
	if err := s.checkLaunch(f, &cfg); err != nil {
		return err
	}
	if err := checkArgBuffer("launch", f, args); err != nil {
		return err
	}
	if err := s.checkPackedPointers(f, args); err != nil {
		return err
	}
	return s.launchPacked(f, cfg, append([]byte(nil), args...))
}

// checkArgBuffer checks that a packed argument buffer covers every
// parameter of f's layout (when its module records one).
func checkArgBuffer(what string, f *Function, args []byte) error {
	var end uint32
	for _, p := range f.Params() {
		end = max(end, p.Offset+p.Size)
	}
	if uint32(len(args)) < end {
		return fmt.Errorf("streaming: %s %s: %d-byte argument buffer, the kernel's parameters take %d: %w", what, f.Name(), len(args), end, ErrInvalidValue)
	}
	return nil
}

// checkPackedPointers checks the pointer parameters of a packed buffer, as
// checkPointerArgs does for Go values: the module's layout says which
// parameters are pointers.
func (s *Stream) checkPackedPointers(f *Function, buf []byte) error {
	for i, p := range f.Params() {
		if !p.Pointer || p.Size != 8 || int(p.Offset)+8 > len(buf) {
			continue
		}
		v := uint64(0)
		for j := 7; j >= 0; j-- {
			v = v<<8 | uint64(buf[int(p.Offset)+j])
		}
		if v == 0 || s.ctx.rt.ptrs.find(v) != nil || s.ctx.rt.ptrs.find(v-1) != nil {
			continue
		}
		return fmt.Errorf("streaming: launch %s: parameter %d: pointer %#x is not inside any allocation: %w", f.Name(), i, v, ErrInvalidValue)
	}
	return nil
}

// LaunchParams launches with CUDA-style kernelParams: a pointer to each
// argument's value, sized by the kernel's layout.
func (s *Stream) LaunchParams(f *Function, cfg LaunchConfig, params []unsafe.Pointer) error {
	if err := s.checkLaunch(f, &cfg); err != nil {
		return err
	}
	buf, err := PackParamPointers(f.Params(), params)
	if err != nil {
		return fmt.Errorf("streaming: launch %s: %w", f.Name(), err)
	}
	if err := s.checkPackedPointers(f, buf); err != nil {
		return err
	}
	return s.launchPacked(f, cfg, buf)
}

func (s *Stream) launchPacked(f *Function, cfg LaunchConfig, buf []byte) error {
	// The operation is named "kernel launch" rather than after the kernel:
	// building a string per launch costs more than the rest of the enqueue.
	return s.submitOp("kernel launch", op{node: hal.Node{Kind: hal.NodeKernel, Kernel: f.k, Launch: hal.LaunchConfig{
		Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: buf, Cooperative: cfg.Cooperative,
	}}, fn: f, cfg: cfg})
}
