//go:build cgo

package hip

/*
#include <stdlib.h>
#include "shal_hip.h"
*/
import "C"

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/dl"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// Libraries are the names tried with dlopen, in order: the sonames of ROCm 6
// and 5, then the development symlink.
var Libraries = []string{"libamdhip64.so.6", "libamdhip64.so.5", "libamdhip64.so"}

// EnvLibrary names the environment variable that gives the path of AMD's
// libamdhip64, for programs running on streamhal's libamdhip64 drop-in
// when the library is not in a usual directory (dl.VendorDirs).
const EnvLibrary = "STREAM_HAL_HIP_LIBRARY"

// library is a loaded HIP runtime with its function table in C memory.
type library struct {
	dl      *dl.Library
	api     *C.shal_hip_api
	runtime int      // hipRuntimeGetVersion, e.g. 60241134 or 50221153
	driver  int      // hipDriverGetVersion
	missing []string // optional symbols the runtime lacks
}

// The HIP runtime is process-global state, so each set of library names is
// loaded once and kept for the life of the process (unloading libamdhip64
// while its threads run is not safe). A failed load is not cached: a later
// Open retries.
var loaded struct {
	mu   sync.Mutex
	libs map[string]*library // by the names tried, joined
}

// load returns the process's library for names, loading it on first use.
func load(names []string) (*library, error) {
	key := strings.Join(names, "\x00")
	loaded.mu.Lock()
	defer loaded.mu.Unlock()
	if lib, ok := loaded.libs[key]; ok {
		return lib, nil
	}
	lib, err := openLibrary(names)
	if err != nil {
		return nil, err
	}
	if loaded.libs == nil {
		loaded.libs = map[string]*library{}
	}
	loaded.libs[key] = lib
	return lib, nil
}

// openLibrary dlopens the first of names that loads and resolves the
// function table. Errors wrap hal.ErrNotAvailable.
func openLibrary(names []string) (*library, error) {
	open := dl.Open
	if slices.Equal(names, Libraries) {
		// Never streamhal's own libamdhip64 drop-in (see dl.OpenVendor).
		open = func(names ...string) (*dl.Library, error) { return dl.OpenVendor(EnvLibrary, names...) }
	}
	l, err := open(names...)
	if err != nil {
		return nil, fmt.Errorf("hal/hip: %w: libamdhip64.so not found (%v)", hal.ErrNotAvailable, err)
	}
	api := (*C.shal_hip_api)(C.calloc(1, C.size_t(unsafe.Sizeof(C.shal_hip_api{}))))
	if api == nil {
		l.Close()
		return nil, fmt.Errorf("hal/hip: function table: %w", hal.ErrOutOfMemory)
	}
	lib := &library{dl: l, api: api}
	fail := func(err error) (*library, error) {
		C.free(unsafe.Pointer(api))
		l.Close()
		return nil, err
	}
	for i := range int(C.shal_hip_sym_count()) {
		name := C.GoString(C.shal_hip_sym_name(C.int(i)))
		p, err := l.Sym(name)
		if err != nil {
			if C.shal_hip_sym_required(C.int(i)) != 0 {
				return fail(fmt.Errorf("hal/hip: %w: %s lacks %s (HIP runtime too old?)", hal.ErrNotAvailable, l.Name, name))
			}
			lib.missing = append(lib.missing, name)
			continue
		}
		C.shal_hip_sym_set(api, C.int(i), p)
	}
	for _, pair := range [][2]string{
		{"hipHostMalloc", "hipHostAlloc"},
		{"hipLaunchHostFunc", "hipStreamAddCallback"},
	} {
		if !lib.has(pair[0]) && !lib.has(pair[1]) {
			return fail(fmt.Errorf("hal/hip: %w: %s lacks both %s and %s", hal.ErrNotAvailable, l.Name, pair[0], pair[1]))
		}
	}
	var v C.int
	if C.shal_hip_runtime_version(api, &v) == 0 {
		lib.runtime = int(v)
	}
	if C.shal_hip_driver_version(api, &v) == 0 {
		lib.driver = int(v)
	}
	return lib, nil
}

// has reports whether the runtime exports the named function of the table.
func (lib *library) has(name string) bool {
	return !slices.Contains(lib.missing, name)
}

// version formats a HIP version number (major*10^7 + minor*10^5 + patch).
func version(v int) string {
	return fmt.Sprintf("%d.%d.%d", v/10000000, v/100000%100, v%100000)
}

// deviceCount asks the runtime how many devices it sees; every failure,
// and zero devices, is hal.ErrNotAvailable with the reason.
func (lib *library) deviceCount() (int, error) {
	var n C.int
	code := hipabi.Error(C.shal_hip_device_count(lib.api, &n))
	return countResult(int(n), code)
}

// countResult interprets hipGetDeviceCount.
func countResult(n int, code hipabi.Error) (int, error) {
	switch {
	case code == hipabi.HipErrorNoDevice:
		return 0, fmt.Errorf("hal/hip: %w: no AMD device (hipGetDeviceCount: %w)", hal.ErrNotAvailable, code)
	case code != hipabi.HipSuccess:
		return 0, fmt.Errorf("hal/hip: %w: hipGetDeviceCount: %w", hal.ErrNotAvailable, code)
	case n <= 0:
		return 0, fmt.Errorf("hal/hip: %w: no AMD device (hipGetDeviceCount found %d)", hal.ErrNotAvailable, n)
	}
	return n, nil
}
