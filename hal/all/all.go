// Package all registers every streamhal driver: import it for its side
// effects,
//
//	import _ "github.com/streamhal/streamhal/hal/all"
//
// as a database/sql program imports its drivers. Drivers load their vendor
// libraries at run time, so a driver whose library or hardware is missing
// costs nothing and reports why when opened. Package streaming imports no
// driver; packages cuda and hip, the streamhal command and the examples
// import this one, so the default set is every driver.
package all

import (
	_ "github.com/streamhal/streamhal/hal/cpu"    // the CPU driver, always available
	_ "github.com/streamhal/streamhal/hal/cuda"   // NVIDIA GPUs through libcuda.so.1
	_ "github.com/streamhal/streamhal/hal/hip"    // AMD GPUs through libamdhip64.so
	_ "github.com/streamhal/streamhal/hal/vulkan" // any Vulkan device through libvulkan.so.1
)
