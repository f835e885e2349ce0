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
	if s.launchFits(f, cfg) {
		return nil
	}
	return s.launchError(f, cfg)
}

// launchFits is the launch path's quick test that launchError finds
// nothing wrong: it may refuse what launchError accepts (which then returns
// nil), never the other way round. Kept apart from the errors, it is small
// and needs no stack for their arguments.
func (s *Stream) launchFits(f *Function, cfg *LaunchConfig) bool {
	if f == nil || f.mod.gone.Load() || f.mod.ctx != s.ctx {
		return false
	}
	info := &s.ctx.dev.info
	g, b := &cfg.Grid, &cfg.Block
	return g.X != 0 && g.Y != 0 && g.Z != 0 && b.X != 0 && b.Y != 0 && b.Z != 0 &&
		int(b.X) <= info.MaxBlockDim[0] && int(b.Y) <= info.MaxBlockDim[1] && int(b.Z) <= info.MaxBlockDim[2] &&
		b.Count() <= uint64(f.attrs.MaxThreadsPerBlock) &&
		int64(g.X) <= int64(info.MaxGridDim[0]) && int64(g.Y) <= int64(info.MaxGridDim[1]) && int64(g.Z) <= int64(info.MaxGridDim[2]) &&
		int64(cfg.SharedBytes) <= f.maxDynShared.Load() &&
		(!cfg.Cooperative || info.CooperativeLaunch)
}

// launchError is the error of a launch of f on s that launchFits refused,
// or nil when it is valid after all.
func (s *Stream) launchError(f *Function, cfg *LaunchConfig) error {
	if f == nil {
		return fmt.Errorf("streaming: launch of a nil function: %w", ErrInvalidHandle)
	}
	if err := f.mod.check("launch"); err != nil {
		return fmt.Errorf("%w (kernel %s)", err, f.Name())
	}
	if f.mod.ctx != s.ctx {
		// A CUfunction belongs to the context its module was loaded in;
		// libcuda refuses it on another context's stream with
		// CUDA_ERROR_INVALID_HANDLE.
		if f.mod.ctx.dev != s.ctx.dev {
			return fmt.Errorf("streaming: launch %s (loaded on device %d) on a stream of device %d: %w", f.Name(), f.mod.ctx.dev.ordinal, s.ctx.dev.ordinal, ErrInvalidHandle)
		}
		return fmt.Errorf("streaming: launch %s (loaded in another context of device %d) on %v: %w", f.Name(), s.ctx.dev.ordinal, s, ErrInvalidHandle)
	}
	// A pointer, not a copy: the device's info never changes, and the
	// launch path is hot.
	info := &s.ctx.dev.info
	g, b := cfg.Grid, cfg.Block
	if g.X == 0 || g.Y == 0 || g.Z == 0 || b.X == 0 || b.Y == 0 || b.Z == 0 {
		return fmt.Errorf("streaming: launch %s: grid %v, block %v: every dimension must be at least 1: %w", f.Name(), g, b, ErrInvalidValue)
	}
	attrs := struct{ MaxThreadsPerBlock, MaxDynamicSharedSize int }{f.attrs.MaxThreadsPerBlock, int(f.maxDynShared.Load())}
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
	if len(args) == 0 && len(f.params) == 0 {
		return s.submitKernel(f, &cfg, nil) // nothing to pack or check
	}
	return s.launchArgs(f, &cfg, &kernelArgs{vals: args})
}

// launchArgs packs a and launches.
func (s *Stream) launchArgs(f *Function, cfg *LaunchConfig, a *kernelArgs) error {
	if s.argsCopied && s.kind == streamNonBlocking {
		return s.launchReusingBuffer(f, cfg, a)
	}
	return s.launchPacking(f, cfg, a)
}

// launchPacking packs a into a buffer of its own and launches.
func (s *Stream) launchPacking(f *Function, cfg *LaunchConfig, a *kernelArgs) error {
	buf, err := a.pack(nil, f.params)
	if err != nil {
		return fmt.Errorf("streaming: launch %s: %w", f.Name(), err)
	}
	return s.launchChecked(f, cfg, buf, a.vals)
}

// launchReusingBuffer is launchArgs on a non-blocking stream whose
// driver copies the arguments at Dispatch (hal.ArgsCopier): they are
// packed into the stream's own buffer, under its lock, rather than into a
// new buffer per launch. The pointer table's read lock, when the arguments
// may hold addresses, is taken first, as launchChecked takes it. A stream
// being captured (whose launch becomes a node that keeps its buffer), a
// sticky error or a destroyed stream take launchPacking, which reports
// them as before.
func (s *Stream) launchReusingBuffer(f *Function, cfg *LaunchConfig, a *kernelArgs) error {
	if s.ctx.sticky.Load() != nil || s.cap.Load() != nil {
		return s.launchPacking(f, cfg, a)
	}
	args := a.vals
	pointers := f.pointers || hasDevicePtr(args)
	t := &s.ctx.rt.ptrs
	if pointers {
		t.mu.RLock()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if pointers {
			t.mu.RUnlock()
		}
		return s.launchPacking(f, cfg, a)
	}
	buf, err := a.pack(s.argBuf, f.params)
	if err != nil {
		err = fmt.Errorf("streaming: launch %s: %w", f.Name(), err)
	} else {
		if cap(buf) > cap(s.argBuf) {
			s.argBuf = buf[:0] // grown (or the first)
		}
		if pointers {
			err = t.checkArgsLocked("launch", f, s.ctx.dev, buf, args, nil)
		}
	}
	if err == nil {
		err = s.q.Dispatch(f.k, hal.LaunchConfig{Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: buf, Cooperative: cfg.Cooperative})
		if err != nil {
			err = dispatchError(err)
		} else if s.lastKernel.Load() != f {
			s.lastKernel.Store(f)
		}
	}
	s.mu.Unlock()
	if pointers {
		t.mu.RUnlock()
	}
	return err
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
	return s.launchArgs(f, &cfg, &kernelArgs{form: argPacked, packed: args})
}

// checkArgBuffer checks that a packed argument buffer covers every
// parameter of f's layout (when its module records one).
func checkArgBuffer(what string, f *Function, args []byte) error {
	var end uint32
	for _, p := range f.params {
		end = max(end, p.Offset+p.Size)
	}
	if uint32(len(args)) < end {
		return fmt.Errorf("streaming: %s %s: %d-byte argument buffer, the kernel's parameters take %d: %w", what, f.Name(), len(args), end, ErrInvalidValue)
	}
	return nil
}

// LaunchParams launches with CUDA-style kernelParams: a pointer to each
// argument's value, sized by the kernel's layout.
func (s *Stream) LaunchParams(f *Function, cfg LaunchConfig, params []unsafe.Pointer) error {
	if err := s.checkLaunch(f, &cfg); err != nil {
		return err
	}
	return s.launchArgs(f, &cfg, &kernelArgs{form: argPointers, ptrs: params})
}

// launchChecked checks the packed arguments' pointers (see checkArgsLocked)
// and enqueues the launch. The pointer table's read lock is held from the
// check until the launch is enqueued, so no memory the check accepted is
// freed in between: a Free claims memory only once no launch that saw it
// is still on its way to the queue, and then waits for the queue.
func (s *Stream) launchChecked(f *Function, cfg *LaunchConfig, buf []byte, args []any) error {
	if !f.pointers && !hasDevicePtr(args) {
		return s.submitKernel(f, cfg, buf) // no address to check or to keep alive
	}
	return s.launchCheckedPointers(f, cfg, buf, args)
}

// launchCheckedPointers is launchChecked of arguments that may hold
// addresses.
func (s *Stream) launchCheckedPointers(f *Function, cfg *LaunchConfig, buf []byte, args []any) error {
	t := &s.ctx.rt.ptrs
	t.mu.RLock()
	defer t.mu.RUnlock()
	if s.cap.Load() == nil {
		if err := t.checkArgsLocked("launch", f, s.ctx.dev, buf, args, nil); err != nil {
			return err
		}
		return s.submitKernel(f, cfg, buf)
	}
	// A captured launch becomes a graph node, which keeps the allocations
	// its arguments point into (GraphNode.bound).
	o := kernelOp(f, cfg, buf)
	if err := t.checkArgsLocked("launch", f, s.ctx.dev, buf, args, &o.refs); err != nil {
		return err
	}
	return s.submitOp("kernel launch", &o)
}

// kernelOp is the op of a launch of f, for capture. The operation is named
// "kernel launch" rather than after the kernel: building a string per
// launch costs more than the rest of the enqueue.
func kernelOp(f *Function, cfg *LaunchConfig, buf []byte) op {
	return op{node: hal.Node{Kind: hal.NodeKernel, Kernel: f.k, Launch: hal.LaunchConfig{
		Grid: cfg.Grid, Block: cfg.Block, SharedBytes: cfg.SharedBytes, Args: buf, Cooperative: cfg.Cooperative,
	}}, fn: f, cfg: *cfg}
}

func hasDevicePtr(args []any) bool {
	for _, v := range args {
		if _, ok := v.(DevicePtr); ok {
			return true
		}
	}
	return false
}
