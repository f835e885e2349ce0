//go:build cgo

package vulkan

/*
#cgo CFLAGS: -O2 -std=c11 -Wall
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/dl"
)

// libNames are the names tried, in order, to load the Vulkan loader.
var libNames = []string{"libvulkan.so.1", "libvulkan.so"}

// The loader library is opened once per process and never closed: the
// Vulkan loader keeps process-wide state (ICD list, layer settings), and
// unloading it while another instance lives would be unsafe.
var (
	loadOnce    sync.Once
	loadErr     error
	gipa        C.PFN_vkGetInstanceProcAddr
	loaderAPI   uint32
	loaderLibNm string
)

func loadLoader() error {
	loadOnce.Do(func() {
		lib, err := dl.Open(libNames...)
		if err != nil {
			loadErr = fmt.Errorf("hal/vulkan: not available: libvulkan.so.1 not found (%v): %w", err, hal.ErrNotAvailable)
			return
		}
		p, err := lib.Sym("vkGetInstanceProcAddr")
		if err != nil {
			loadErr = fmt.Errorf("hal/vulkan: not available: %v: %w", err, hal.ErrNotAvailable)
			return
		}
		gipa = C.PFN_vkGetInstanceProcAddr(p)
		var v C.uint32_t
		if missing := C.shal_load_global(gipa, &v); missing != nil {
			loadErr = fmt.Errorf("hal/vulkan: not available: %s: %s missing: %w", lib.Name, C.GoString(missing), hal.ErrNotAvailable)
			return
		}
		loaderAPI = uint32(v)
		loaderLibNm = lib.Name
	})
	return loadErr
}

// vkResult is a VkResult code.
type vkResult int32

var vkResultNames = map[vkResult]string{
	0:           "VK_SUCCESS",
	1:           "VK_NOT_READY",
	2:           "VK_TIMEOUT",
	5:           "VK_INCOMPLETE",
	-1:          "VK_ERROR_OUT_OF_HOST_MEMORY",
	-2:          "VK_ERROR_OUT_OF_DEVICE_MEMORY",
	-3:          "VK_ERROR_INITIALIZATION_FAILED",
	-4:          "VK_ERROR_DEVICE_LOST",
	-5:          "VK_ERROR_MEMORY_MAP_FAILED",
	-6:          "VK_ERROR_LAYER_NOT_PRESENT",
	-7:          "VK_ERROR_EXTENSION_NOT_PRESENT",
	-8:          "VK_ERROR_FEATURE_NOT_PRESENT",
	-9:          "VK_ERROR_INCOMPATIBLE_DRIVER",
	-10:         "VK_ERROR_TOO_MANY_OBJECTS",
	-13:         "VK_ERROR_UNKNOWN",
	-1000072003: "VK_ERROR_INVALID_EXTERNAL_HANDLE",
}

func (r vkResult) String() string {
	if s, ok := vkResultNames[r]; ok {
		return s
	}
	return fmt.Sprintf("VkResult(%d)", int32(r))
}

// sentinel maps a failing VkResult to the hal sentinel it wraps.
func (r vkResult) sentinel() error {
	switch r {
	case -1, -2, -10:
		return hal.ErrOutOfMemory
	case -4:
		// A lost device is how a GPU reports a shader's memory fault:
		// the illegal-address error, sticky for the context as on CUDA.
		return hal.ErrIllegalAddress
	case -6, -7, -8, -9:
		return hal.ErrNotSupported
	case -1000072003:
		return hal.ErrInvalidValue
	case 2:
		return hal.ErrTimeout
	case 1:
		return hal.ErrNotReady
	}
	return hal.ErrLaunchFailed
}

// check returns nil for VK_SUCCESS and otherwise an error naming what was
// being done and the VkResult.
func check(r C.VkResult, format string, args ...any) error {
	if r == C.VK_SUCCESS {
		return nil
	}
	res := vkResult(r)
	return fmt.Errorf("hal/vulkan: %s: %v: %w", fmt.Sprintf(format, args...), res, res.sentinel())
}

// cbytes returns a pointer to the first byte of b for a cgo call (b holds no
// Go pointers); nil for an empty slice.
func cbytes(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func apiVersion(major, minor int) uint32 { return uint32(major)<<22 | uint32(minor)<<12 }

func apiMajor(v uint32) int { return int(v>>22) & 0x7f }

func apiMinor(v uint32) int { return int(v>>12) & 0x3ff }
