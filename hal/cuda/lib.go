//go:build cgo

package cuda

/*
#include <stdlib.h>
#include "shal_cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/internal/dl"
	cuabi "github.com/streamhal/streamhal/internal/abi/cuda"
)

// defaultLibraries are the names tried with dlopen. libcuda.so.1 is the
// name the NVIDIA driver installs; the unversioned name only exists with
// development packages.
var defaultLibraries = []string{"libcuda.so.1"}

// EnvLibrary names the environment variable that gives the path of
// NVIDIA's libcuda, for programs running on streamhal's libcuda drop-in
// when the library is not in a usual directory (dl.VendorDirs).
const EnvLibrary = "STREAM_HAL_CUDA_LIBRARY"

// openLib opens the driver library: the default names through
// dl.OpenVendor, which never returns streamhal's own libcuda drop-in (a
// program running on it would otherwise have this driver call itself);
// other names (tests' doubles) as given.
func openLib(names []string) (*dl.Library, error) {
	if slices.Equal(names, defaultLibraries) {
		return dl.OpenVendor(EnvLibrary, names...)
	}
	return dl.Open(names...)
}

// The driver library is process-global state (one function table in C), so
// it is loaded at most once; failures are not cached, so a later Open
// retries.
var lib struct {
	mu      sync.Mutex
	handle  *dl.Library
	names   []string // the names handle was loaded from
	version int      // cuDriverGetVersion
}

// load opens the first of names that loads, resolves every symbol of the
// function table into C and calls cuInit(0).
func load(names []string) error {
	lib.mu.Lock()
	defer lib.mu.Unlock()
	if lib.handle != nil {
		if slices.Equal(lib.names, names) {
			return nil
		}
		// Another library (a test double) is loaded: the C table cannot
		// hold two, so only a failure to find these names can be reported.
		l, err := openLib(names)
		if err != nil {
			return fmt.Errorf("hal/cuda: %w: %v", hal.ErrNotAvailable, err)
		}
		_ = l.Close()
		return fmt.Errorf("hal/cuda: %w: %s is already loaded in this process, cannot also load %s", hal.ErrNotAvailable, lib.names[0], names[0])
	}
	l, err := openLib(names)
	if err != nil {
		// dl's message reads "libcuda.so.1 not found (dlerror text)".
		return fmt.Errorf("hal/cuda: %w: %v", hal.ErrNotAvailable, err)
	}
	n := int(C.shal_fn_count())
	reset := func() {
		for j := range n {
			C.shal_fn_set(C.int(j), nil)
		}
		_ = l.Close()
	}
	for i := range n {
		name := C.GoString(C.shal_fn_name(C.int(i)))
		p, err := l.Sym(name)
		for _, alt := range symbolAliases[name] {
			if err == nil {
				break
			}
			p, err = l.Sym(alt)
		}
		if err != nil {
			if C.shal_fn_required(C.int(i)) != 0 {
				reset()
				return fmt.Errorf("hal/cuda: %w: %s lacks symbol %s (driver too old?): %v", hal.ErrNotAvailable, l.Name, name, err)
			}
			p = nil
		}
		C.shal_fn_set(C.int(i), p)
	}
	if !present("cuDeviceGetUuid") && !present("cuDeviceGetUuid_v2") {
		reset()
		return fmt.Errorf("hal/cuda: %w: %s lacks symbol cuDeviceGetUuid and cuDeviceGetUuid_v2", hal.ErrNotAvailable, l.Name)
	}
	if r := C.shal_init(); r != 0 {
		reset()
		if r == cudaErrorNoDevice {
			return fmt.Errorf("hal/cuda: %w: no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)", hal.ErrNotAvailable)
		}
		return fmt.Errorf("hal/cuda: %w: cuInit: %s", hal.ErrNotAvailable, resultName(r))
	}
	var v C.int
	C.shal_driver_version(&v)
	lib.handle, lib.names, lib.version = l, slices.Clone(names), int(v)
	return nil
}

// symbolAliases are same-signature replacements tried when a driver no
// longer exports a name.
var symbolAliases = map[string][]string{
	"cuEventElapsedTime": {"cuEventElapsedTime_v2"},
}

// present reports whether the loaded driver exports the named function.
func present(name string) bool {
	n := int(C.shal_fn_count())
	for i := range n {
		if C.GoString(C.shal_fn_name(C.int(i))) == name {
			return C.shal_fn_present(C.int(i)) != 0
		}
	}
	return false
}

// CUresult values this package acts on.
const (
	cudaSuccess                  = 0
	cudaErrorInvalidValue        = 1
	cudaErrorNoDevice            = 100
	cudaErrorNotFound            = 500
	cudaErrorNotReady            = 600
	cudaErrorPeerAlreadyEnabled  = 704
	cudaErrorPeerNotEnabled      = 705
	cudaErrorNotSupported        = 801
	cudaErrorGraphUpdateFailure  = 910
	cudaErrorInvalidImage        = 200
	cudaErrorOutOfMemory         = 2
	cudaErrorHostMemoryNotRegist = 713
)

// resultName is the cuda.h name of r, asking the driver for codes newer
// than our table.
func resultName(r C.CUresult) string {
	if name, ok := cuabi.Name(cuabi.Result(r)); ok {
		return name
	}
	if s := C.shal_error_name(r); s != nil {
		return C.GoString(s)
	}
	return fmt.Sprintf("CUresult(%d)", int(r))
}

// resultErr maps r to the hal sentinel it stands for (internal/abi/cuda's
// table, the one table of CUresult codes).
func resultErr(r C.CUresult) error { return cuabi.SentinelOf(cuabi.Result(r)) }

// check turns a CUresult into nil or an error naming the call, the CUresult
// and wrapping the nearest hal sentinel:
// "hal/cuda: cuMemAlloc(1099511627776): CUDA_ERROR_OUT_OF_MEMORY: out of memory".
func check(r C.CUresult, format string, args ...any) error {
	if r == cudaSuccess {
		return nil
	}
	return &cuError{what: fmt.Sprintf(format, args...), code: r}
}

// cuError is a failed driver call.
type cuError struct {
	what string
	code C.CUresult
}

func (e *cuError) Error() string {
	return "hal/cuda: " + e.what + ": " + resultName(e.code) + ": " + resultErr(e.code).Error()
}

// Unwrap returns the hal sentinel.
func (e *cuError) Unwrap() error { return resultErr(e.code) }

// codeOf returns the CUresult inside err, or 0.
func codeOf(err error) C.CUresult {
	var ce *cuError
	if errors.As(err, &ce) {
		return ce.code
	}
	return 0
}

// checkCode is check for a CUresult held as an int (tests, which cannot
// use cgo types).
func checkCode(code int, format string, args ...any) error {
	return check(C.CUresult(code), format, args...)
}
