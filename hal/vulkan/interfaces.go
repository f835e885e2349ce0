//go:build cgo

package vulkan

import "github.com/streamhal/streamhal/hal"

// The hal contracts this driver's types implement, checked by the compiler:
// the required interfaces. It has none of the optional ones; hal.go says
// what package streaming does instead.
var (
	_ hal.Driver     = Driver{}
	_ hal.Instance   = (*instance)(nil)
	_ hal.Device     = (*device)(nil)
	_ hal.Queue      = (*queue)(nil)
	_ hal.Event      = (*event)(nil)
	_ hal.Executable = (*executable)(nil)
	_ hal.Kernel     = (*kernel)(nil)
	_ hal.GraphExec  = (*graphExec)(nil)
)
