// Package hostfn runs the host functions of every driver's queues and
// graphs (hal.Queue.HostCall, hal.NodeHost, streaming's bookkeeping) the
// same way: a panic in the caller's function becomes an error wrapping
// hal.ErrLaunchFailed, which the driver reports from its next
// Synchronize, rather than a dead process or a Go panic unwinding through
// a vendor library's C frames.
package hostfn

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// Call runs fn and returns nil, or, when fn panics, an error naming the
// driver ("hal/cuda: host function panicked: ...: launch failed").
func Call(driver string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: host function panicked: %v: %w", driver, r, hal.ErrLaunchFailed)
		}
	}()
	fn()
	return nil
}
