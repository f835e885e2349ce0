package vulkan

import "github.com/streamhal/streamhal/hal"

// How the Vulkan driver joins the registry, apart from what it does: its devices
// enumerate after those of the drivers with lower orders (cpu 10, cuda 20,
// hip 30, vulkan 40). newDriver is the driver itself, or, in a build
// without cgo, a stand-in that says why it is not available (nocgo.go).
func init() { hal.RegisterOrdered(newDriver(), 40) }
