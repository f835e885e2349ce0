//go:build cgo

package vulkan

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/devices"
)

// newDriver returns the driver that register.go registers.
func newDriver() hal.Driver { return Driver{} }

// Driver is the Vulkan hal.Driver, registered as "vulkan".
type Driver struct{}

var _ hal.Driver = Driver{}

// Name returns "vulkan".
func (Driver) Name() string { return "vulkan" }

// Open loads libvulkan.so.1, creates a Vulkan instance and a logical device
// for every physical device that can run streamhal kernels.
func (Driver) Open(cfg hal.Config) (hal.Instance, error) {
	if err := loadLoader(); err != nil {
		return nil, err
	}
	if loaderAPI < apiVersion(1, 2) {
		return nil, fmt.Errorf("hal/vulkan: not available: the Vulkan loader %s supports API %d.%d, need 1.2: %w",
			loaderLibNm, apiMajor(loaderAPI), apiMinor(loaderAPI), hal.ErrNotAvailable)
	}
	api := apiVersion(1, 2)
	if loaderAPI >= apiVersion(1, 3) {
		api = apiVersion(1, 3)
	}
	pinDrivers(api)
	in := &instance{cfg: cfg, api: api}
	in.c = (*C.shal_inst)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_inst{}))))
	in.c.gipa = gipa
	if err := check(C.shal_create_instance(in.c, C.uint32_t(api)), "vkCreateInstance (API %d.%d)", apiMajor(api), apiMinor(api)); err != nil {
		C.free(unsafe.Pointer(in.c))
		return nil, fmt.Errorf("%w (%w)", err, hal.ErrNotAvailable)
	}
	if missing := C.shal_load_instance(in.c); missing != nil {
		in.destroy()
		return nil, fmt.Errorf("hal/vulkan: not available: instance function %s missing: %w", C.GoString(missing), hal.ErrNotAvailable)
	}
	var n C.uint32_t
	if err := check(C.shal_enum_physical(in.c, &n, nil), "vkEnumeratePhysicalDevices"); err != nil {
		in.destroy()
		return nil, fmt.Errorf("%w (%w)", err, hal.ErrNotAvailable)
	}
	pds := make([]C.VkPhysicalDevice, max(int(n), 1))
	if n > 0 {
		pdsC := (*C.VkPhysicalDevice)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(C.VkPhysicalDevice(nil)))))
		r := C.shal_enum_physical(in.c, &n, pdsC)
		if r != C.VK_SUCCESS && r != C.VK_INCOMPLETE {
			C.free(unsafe.Pointer(pdsC))
			in.destroy()
			return nil, check(r, "vkEnumeratePhysicalDevices")
		}
		copy(pds, unsafe.Slice(pdsC, int(n)))
		C.free(unsafe.Pointer(pdsC))
	}
	pds = pds[:n]

	type candidate struct {
		pd   C.VkPhysicalDevice
		info *C.shal_pdinfo
		rank int
		idx  int
	}
	var cands []candidate
	for i, pd := range pds {
		info := (*C.shal_pdinfo)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_pdinfo{}))))
		C.shal_query_physical(in.c, pd, info)
		name := C.GoString(&info.props.deviceName[0])
		if reason := unusable(info); reason != "" {
			cfg.Log(2, "hal/vulkan: skipping physical device %d (%s): %s", i, name, reason)
			C.free(unsafe.Pointer(info))
			continue
		}
		cands = append(cands, candidate{pd, info, deviceRank(int32(info.props.deviceType)), i})
	}
	// Real GPUs first, software rasterizers last; stable otherwise.
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].rank < cands[j].rank })
	for _, c := range cands {
		d, err := newDevice(in, c.pd, c.info, len(in.devices))
		if err != nil {
			cfg.Log(2, "hal/vulkan: skipping physical device %d: %v", c.idx, err)
			C.free(unsafe.Pointer(c.info))
			continue
		}
		in.devices = append(in.devices, d)
	}
	if len(in.devices) == 0 {
		in.destroy()
		return nil, fmt.Errorf("hal/vulkan: not available: no usable Vulkan device among %d physical devices (run with a log level of 2 to see why each was skipped): %w", len(pds), hal.ErrNotAvailable)
	}
	return in, nil
}

var (
	pinMu     sync.Mutex
	pinnedICD *C.shal_inst // never destroyed
)

// pinDrivers creates, once per process, a VkInstance that is never
// destroyed. The loader dlopens the drivers (ICDs) at every
// vkCreateInstance and dlcloses them at vkDestroyInstance; a driver with
// initial-exec thread-local storage (NVIDIA's) takes static TLS space at
// each load that glibc never gives back, so after a few dozen instance
// cycles in one process vkCreateInstance fails with
// VK_ERROR_INCOMPATIBLE_DRIVER (seen on the H100 after about 35 runtimes
// in streaming's tests). Keeping one instance alive keeps the drivers
// loaded, so later cycles only count references.
func pinDrivers(api uint32) {
	pinMu.Lock()
	defer pinMu.Unlock()
	if pinnedICD != nil {
		return
	}
	c := (*C.shal_inst)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_inst{}))))
	c.gipa = gipa
	if C.shal_create_instance(c, C.uint32_t(api)) != C.VK_SUCCESS {
		C.free(unsafe.Pointer(c))
		return // Open reports the same failure; try again next time
	}
	pinnedICD = c
}

// deviceRank orders device types: discrete, integrated, virtual, other, CPU.
func deviceRank(t int32) int {
	switch t {
	case C.VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
		return 0
	case C.VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
		return 1
	case C.VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
		return 2
	case C.VK_PHYSICAL_DEVICE_TYPE_CPU:
		return 4
	}
	return 3
}

// unusable says why a physical device cannot run streamhal kernels, or ""
// when it can.
func unusable(info *C.shal_pdinfo) string {
	v := uint32(info.props.apiVersion)
	if v < apiVersion(1, 2) {
		return fmt.Sprintf("Vulkan API %d.%d, need 1.2", apiMajor(v), apiMinor(v))
	}
	var missing []string
	if info.features12.bufferDeviceAddress == 0 {
		missing = append(missing, "bufferDeviceAddress")
	}
	if info.features12.timelineSemaphore == 0 {
		missing = append(missing, "timelineSemaphore")
	}
	if info.features.shaderInt64 == 0 {
		missing = append(missing, "shaderInt64")
	}
	if len(missing) > 0 {
		return fmt.Sprintf("missing required features %v", missing)
	}
	if _, ok := pickFamily(info); !ok {
		return "no queue family with compute support"
	}
	return ""
}

// pickFamily chooses the queue family: a compute family with timestamps and
// the most queues, preferring one that also does graphics (the universal
// family, which every driver implements fully).
func pickFamily(info *C.shal_pdinfo) (uint32, bool) {
	best, bestScore := uint32(0), -1
	for i := 0; i < int(info.queueFamilyCount); i++ {
		f := info.queueFamilies[i]
		if f.queueFlags&C.VK_QUEUE_COMPUTE_BIT == 0 || f.queueCount == 0 {
			continue
		}
		score := int(min(f.queueCount, 8))
		if f.timestampValidBits > 0 {
			score += 100
		}
		if f.queueFlags&C.VK_QUEUE_GRAPHICS_BIT != 0 {
			score += 10
		}
		if score > bestScore {
			best, bestScore = uint32(i), score
		}
	}
	return best, bestScore >= 0
}

// instance is an opened Vulkan driver.
type instance struct {
	cfg     hal.Config
	api     uint32
	c       *C.shal_inst
	mu      sync.Mutex
	devices []*device
	closed  bool
}

var _ hal.Instance = (*instance)(nil)

func (in *instance) Devices() []hal.Device {
	in.mu.Lock()
	defer in.mu.Unlock()
	return devices.List(in.devices)
}

func (in *instance) Close() error {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return fmt.Errorf("hal/vulkan: instance already closed: %w", hal.ErrInvalidHandle)
	}
	in.closed = true
	devs := in.devices
	in.mu.Unlock()
	var errs []error
	leaked := false
	for _, d := range devs {
		if err := d.Close(); err != nil && !errors.Is(err, hal.ErrInvalidHandle) {
			errs = append(errs, err)
		}
		leaked = leaked || d.leaked
	}
	if leaked {
		// A VkDevice is still alive (its work never finished): the
		// VkInstance must outlive it.
		in.cfg.Log(1, "hal/vulkan: a device was left allocated; leaking the Vulkan instance too")
		return errors.Join(errs...)
	}
	in.destroy()
	return errors.Join(errs...)
}

func (in *instance) destroy() {
	if in.c == nil {
		return
	}
	if in.c.instance != nil {
		C.shal_destroy_instance(in.c)
	}
	C.free(unsafe.Pointer(in.c))
	in.c = nil
}
