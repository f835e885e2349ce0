//go:build !cgo

package cuda

import "github.com/streamhal/streamhal/hal"

// newDriver returns, in a build without cgo, a stand-in whose Open reports
// that the driver needs cgo: the program still compiles and lists the
// driver with the reason.
func newDriver() hal.Driver { return hal.Unavailable("cuda", hal.NeedsCgo) }
