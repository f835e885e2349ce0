package hal

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// KernelFault is the execution error of a kernel that faulted: it read or
// wrote memory it must not (wrapping ErrIllegalAddress, CUDA's
// CUDA_ERROR_ILLEGAL_ADDRESS), or trapped (an integer division by zero, an
// illegal instruction, an abort; wrapping ErrLaunchFailed). Drivers that
// can say where a kernel faulted (the CPU driver) return it from
// Queue.Synchronize; package streaming makes it a sticky error of the
// context, as CUDA does. Match it with errors.As to read the fields, or
// with errors.Is against ErrIllegalAddress.
type KernelFault struct {
	Driver string // the reporting package, "hal/cpu"
	Device int    // the device's ordinal within its driver
	Kernel string // the kernel's name
	// Block is the faulting block's blockIdx when BlockKnown; otherwise
	// the fault happened in one of the linear blocks [BlockFirst,
	// BlockLast].
	Block                 Dim3
	BlockKnown            bool
	BlockFirst, BlockLast uint64
	Signal                string // the signal that reported it: "SIGSEGV", "SIGBUS", ...
	Addr                  uint64 // the faulting address (0 when the signal has none)
	// Detail says what the address is, when the driver knows: "12 bytes
	// past the end of the 4096-byte allocation at 0x...", "a null
	// pointer", ...
	Detail string
	// Err is ErrIllegalAddress, ErrLaunchFailed or ErrAssert (a failed
	// assert() in device code, which matches ErrLaunchFailed too).
	Err error
}

func (f *KernelFault) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: kernel %s faulted on device %d", f.Driver, f.Kernel, f.Device)
	switch {
	case f.BlockKnown:
		fmt.Fprintf(&b, " in block (%d,%d,%d)", f.Block.X, f.Block.Y, f.Block.Z)
	case f.BlockFirst == f.BlockLast:
		fmt.Fprintf(&b, " in block %d", f.BlockFirst)
	default:
		fmt.Fprintf(&b, " in one of the blocks %d..%d", f.BlockFirst, f.BlockLast)
	}
	fmt.Fprintf(&b, ": %s", f.Signal)
	if f.Signal == "SIGSEGV" || f.Signal == "SIGBUS" {
		fmt.Fprintf(&b, " at address %#x", f.Addr)
	}
	if f.Detail != "" {
		fmt.Fprintf(&b, " (%s)", f.Detail)
	}
	if f.Err != nil {
		fmt.Fprintf(&b, ": %v", f.Err)
	}
	return b.String()
}

// Unwrap returns Err.
func (f *KernelFault) Unwrap() error { return f.Err }

// Sticky reports whether err leaves the context whose work raised it
// unusable, as CUDA's illegal-address error does: a kernel fault, or any
// error wrapping ErrIllegalAddress (a GPU memory fault, a lost device) or
// ErrAssert (a failed device-side assert, CUDA_ERROR_ASSERT).
func Sticky(err error) bool {
	if err == nil {
		return false
	}
	var f *KernelFault
	return errors.Is(err, ErrIllegalAddress) || errors.Is(err, ErrAssert) || errors.As(err, &f)
}

// FaultNotifier is implemented by queues that report a sticky execution
// error (see Sticky) as soon as it happens, before the queue runs
// anything else, rather than only at the next Synchronize. fn must be
// quick, must not block and must not call the driver. Package streaming
// uses it to fail every later call on the queue's context at once;
// without it, the fault is seen when the queue's Synchronize returns it.
type FaultNotifier interface {
	NotifyFault(fn func(err error))
}

// DefaultCloseTimeout is how long Close waits for running work by default
// (Config.CloseTimeout) before it gives up and leaks what that work uses.
const DefaultCloseTimeout = 30 * time.Second

// CloseWait returns c.CloseTimeout, or DefaultCloseTimeout when it is
// zero.
func (c Config) CloseWait() time.Duration {
	if c.CloseTimeout > 0 {
		return c.CloseTimeout
	}
	return DefaultCloseTimeout
}

// CloseDeadline is when a Close that waits up to timeout gives up, where a
// wait with a deadline already gave up on the same work at stuckSince
// (zero: none did): the rest of the timeout from then, not a new one, but
// never less than a quarter of it from now, so that work which ended just
// before Close (its results visible, its bookkeeping not yet done) is not
// taken for stuck.
func CloseDeadline(now, stuckSince time.Time, timeout time.Duration) time.Time {
	deadline := now.Add(timeout)
	if stuckSince.IsZero() {
		return deadline
	}
	if early := stuckSince.Add(timeout); early.Before(deadline) {
		deadline = early
	}
	if floor := now.Add(timeout / 4); deadline.Before(floor) {
		deadline = floor
	}
	return deadline
}
