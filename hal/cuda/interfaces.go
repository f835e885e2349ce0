//go:build cgo

package cuda

import "github.com/streamhal/streamhal/hal"

// The hal contracts this driver's types implement, checked by the compiler:
// the required interfaces, then the optional ones (see hal.go for what
// package streaming does when a driver lacks one).
var (
	_ hal.Driver     = &Driver{}
	_ hal.Instance   = (*instance)(nil)
	_ hal.Device     = (*device)(nil)
	_ hal.Queue      = (*queue)(nil)
	_ hal.Event      = (*event)(nil)
	_ hal.Executable = (*executable)(nil)
	_ hal.Kernel     = (*kernel)(nil)
	_ hal.GraphExec  = (*graphExec)(nil)

	_ hal.PeerDevice = (*device)(nil)
	_ hal.Notifier   = (*queue)(nil)
)
