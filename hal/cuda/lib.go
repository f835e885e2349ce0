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
)

// defaultLibraries are the names tried with dlopen. libcuda.so.1 is the
// name the NVIDIA driver installs; the unversioned name only exists with
// development packages.
var defaultLibraries = []string{"libcuda.so.1"}

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
		l, err := dl.Open(names...)
		if err != nil {
			return fmt.Errorf("hal/cuda: %w: %v", hal.ErrNotAvailable, err)
		}
		_ = l.Close()
		return fmt.Errorf("hal/cuda: %w: %s is already loaded in this process, cannot also load %s", hal.ErrNotAvailable, lib.names[0], names[0])
	}
	l, err := dl.Open(names...)
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

// resultInfo is one CUresult: its cuda.h name and the hal sentinel it maps
// to.
type resultInfo struct {
	name string
	err  error
}

// results is the table of every CUresult in cuda.h (CUDA 13) with the
// nearest hal sentinel.
var results = map[C.CUresult]resultInfo{
	1:   {"CUDA_ERROR_INVALID_VALUE", hal.ErrInvalidValue},
	2:   {"CUDA_ERROR_OUT_OF_MEMORY", hal.ErrOutOfMemory},
	3:   {"CUDA_ERROR_NOT_INITIALIZED", hal.ErrNotInitialized},
	4:   {"CUDA_ERROR_DEINITIALIZED", hal.ErrDeinitialized},
	5:   {"CUDA_ERROR_PROFILER_DISABLED", hal.ErrNotSupported},
	6:   {"CUDA_ERROR_PROFILER_NOT_INITIALIZED", hal.ErrNotInitialized},
	7:   {"CUDA_ERROR_PROFILER_ALREADY_STARTED", hal.ErrInvalidValue},
	8:   {"CUDA_ERROR_PROFILER_ALREADY_STOPPED", hal.ErrInvalidValue},
	34:  {"CUDA_ERROR_STUB_LIBRARY", hal.ErrNotAvailable},
	46:  {"CUDA_ERROR_DEVICE_UNAVAILABLE", hal.ErrNotAvailable},
	100: {"CUDA_ERROR_NO_DEVICE", hal.ErrNotAvailable},
	101: {"CUDA_ERROR_INVALID_DEVICE", hal.ErrInvalidDevice},
	102: {"CUDA_ERROR_DEVICE_NOT_LICENSED", hal.ErrNotAvailable},
	200: {"CUDA_ERROR_INVALID_IMAGE", hal.ErrInvalidImage},
	201: {"CUDA_ERROR_INVALID_CONTEXT", hal.ErrInvalidContext},
	202: {"CUDA_ERROR_CONTEXT_ALREADY_CURRENT", hal.ErrContextAlreadyCurrent},
	205: {"CUDA_ERROR_MAP_FAILED", hal.ErrInvalidValue},
	206: {"CUDA_ERROR_UNMAP_FAILED", hal.ErrInvalidValue},
	207: {"CUDA_ERROR_ARRAY_IS_MAPPED", hal.ErrAlreadyMapped},
	208: {"CUDA_ERROR_ALREADY_MAPPED", hal.ErrAlreadyMapped},
	209: {"CUDA_ERROR_NO_BINARY_FOR_GPU", hal.ErrNoBinaryForDevice},
	210: {"CUDA_ERROR_ALREADY_ACQUIRED", hal.ErrAlreadyAcquired},
	211: {"CUDA_ERROR_NOT_MAPPED", hal.ErrNotMapped},
	212: {"CUDA_ERROR_NOT_MAPPED_AS_ARRAY", hal.ErrNotMapped},
	213: {"CUDA_ERROR_NOT_MAPPED_AS_POINTER", hal.ErrNotMapped},
	214: {"CUDA_ERROR_ECC_UNCORRECTABLE", hal.ErrLaunchFailed},
	215: {"CUDA_ERROR_UNSUPPORTED_LIMIT", hal.ErrNotSupported},
	216: {"CUDA_ERROR_CONTEXT_ALREADY_IN_USE", hal.ErrInvalidContext},
	217: {"CUDA_ERROR_PEER_ACCESS_UNSUPPORTED", hal.ErrNotSupported},
	218: {"CUDA_ERROR_INVALID_PTX", hal.ErrInvalidImage},
	219: {"CUDA_ERROR_INVALID_GRAPHICS_CONTEXT", hal.ErrInvalidContext},
	220: {"CUDA_ERROR_NVLINK_UNCORRECTABLE", hal.ErrLaunchFailed},
	221: {"CUDA_ERROR_JIT_COMPILER_NOT_FOUND", hal.ErrNotSupported},
	222: {"CUDA_ERROR_UNSUPPORTED_PTX_VERSION", hal.ErrInvalidImage},
	223: {"CUDA_ERROR_JIT_COMPILATION_DISABLED", hal.ErrNotSupported},
	224: {"CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY", hal.ErrNotSupported},
	225: {"CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC", hal.ErrNotSupported},
	226: {"CUDA_ERROR_CONTAINED", hal.ErrLaunchFailed},
	300: {"CUDA_ERROR_INVALID_SOURCE", hal.ErrInvalidImage},
	301: {"CUDA_ERROR_FILE_NOT_FOUND", hal.ErrNotFound},
	302: {"CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", hal.ErrNotFound},
	303: {"CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", hal.ErrInvalidImage},
	304: {"CUDA_ERROR_OPERATING_SYSTEM", hal.ErrNotSupported},
	400: {"CUDA_ERROR_INVALID_HANDLE", hal.ErrInvalidHandle},
	401: {"CUDA_ERROR_ILLEGAL_STATE", hal.ErrIllegalState},
	402: {"CUDA_ERROR_LOSSY_QUERY", hal.ErrNotSupported},
	500: {"CUDA_ERROR_NOT_FOUND", hal.ErrNotFound},
	600: {"CUDA_ERROR_NOT_READY", hal.ErrNotReady},
	700: {"CUDA_ERROR_ILLEGAL_ADDRESS", hal.ErrIllegalAddress},
	701: {"CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", hal.ErrLaunchResources},
	702: {"CUDA_ERROR_LAUNCH_TIMEOUT", hal.ErrLaunchFailed},
	703: {"CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING", hal.ErrLaunchFailed},
	704: {"CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", hal.ErrPeerAlreadyEnabled},
	705: {"CUDA_ERROR_PEER_ACCESS_NOT_ENABLED", hal.ErrPeerNotEnabled},
	708: {"CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", hal.ErrInvalidContext},
	709: {"CUDA_ERROR_CONTEXT_IS_DESTROYED", hal.ErrInvalidContext},
	710: {"CUDA_ERROR_ASSERT", hal.ErrLaunchFailed},
	711: {"CUDA_ERROR_TOO_MANY_PEERS", hal.ErrNotSupported},
	712: {"CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED", hal.ErrAlreadyMapped},
	713: {"CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED", hal.ErrNotMapped},
	714: {"CUDA_ERROR_HARDWARE_STACK_ERROR", hal.ErrLaunchFailed},
	715: {"CUDA_ERROR_ILLEGAL_INSTRUCTION", hal.ErrLaunchFailed},
	716: {"CUDA_ERROR_MISALIGNED_ADDRESS", hal.ErrIllegalAddress},
	717: {"CUDA_ERROR_INVALID_ADDRESS_SPACE", hal.ErrIllegalAddress},
	718: {"CUDA_ERROR_INVALID_PC", hal.ErrLaunchFailed},
	719: {"CUDA_ERROR_LAUNCH_FAILED", hal.ErrLaunchFailed},
	720: {"CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE", hal.ErrLaunchResources},
	721: {"CUDA_ERROR_TENSOR_MEMORY_LEAK", hal.ErrLaunchFailed},
	800: {"CUDA_ERROR_NOT_PERMITTED", hal.ErrNotSupported},
	801: {"CUDA_ERROR_NOT_SUPPORTED", hal.ErrNotSupported},
	802: {"CUDA_ERROR_SYSTEM_NOT_READY", hal.ErrNotAvailable},
	803: {"CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", hal.ErrNotAvailable},
	804: {"CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", hal.ErrNotAvailable},
	805: {"CUDA_ERROR_MPS_CONNECTION_FAILED", hal.ErrNotAvailable},
	806: {"CUDA_ERROR_MPS_RPC_FAILURE", hal.ErrNotAvailable},
	807: {"CUDA_ERROR_MPS_SERVER_NOT_READY", hal.ErrNotAvailable},
	808: {"CUDA_ERROR_MPS_MAX_CLIENTS_REACHED", hal.ErrNotAvailable},
	809: {"CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED", hal.ErrNotAvailable},
	810: {"CUDA_ERROR_MPS_CLIENT_TERMINATED", hal.ErrNotAvailable},
	811: {"CUDA_ERROR_CDP_NOT_SUPPORTED", hal.ErrNotSupported},
	812: {"CUDA_ERROR_CDP_VERSION_MISMATCH", hal.ErrNotSupported},
	900: {"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", hal.ErrCaptureUnsupported},
	901: {"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", hal.ErrCaptureInvalidated},
	902: {"CUDA_ERROR_STREAM_CAPTURE_MERGE", hal.ErrCaptureUnsupported},
	903: {"CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", hal.ErrCaptureUnmatched},
	904: {"CUDA_ERROR_STREAM_CAPTURE_UNJOINED", hal.ErrCaptureUnjoined},
	905: {"CUDA_ERROR_STREAM_CAPTURE_ISOLATION", hal.ErrCaptureIsolation},
	906: {"CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", hal.ErrCaptureImplicit},
	907: {"CUDA_ERROR_CAPTURED_EVENT", hal.ErrCaptureUnsupported},
	908: {"CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", hal.ErrCaptureUnmatched},
	909: {"CUDA_ERROR_TIMEOUT", hal.ErrTimeout},
	910: {"CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE", hal.ErrNotSupported},
	911: {"CUDA_ERROR_EXTERNAL_DEVICE", hal.ErrLaunchFailed},
	912: {"CUDA_ERROR_INVALID_CLUSTER_SIZE", hal.ErrInvalidValue},
	913: {"CUDA_ERROR_FUNCTION_NOT_LOADED", hal.ErrInvalidHandle},
	914: {"CUDA_ERROR_INVALID_RESOURCE_TYPE", hal.ErrInvalidValue},
	915: {"CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION", hal.ErrInvalidValue},
	916: {"CUDA_ERROR_KEY_ROTATION", hal.ErrLaunchFailed},
	917: {"CUDA_ERROR_STREAM_DETACHED", hal.ErrInvalidHandle},
	918: {"CUDA_ERROR_GRAPH_RECAPTURE_FAILURE", hal.ErrCaptureInvalidated},
	999: {"CUDA_ERROR_UNKNOWN", hal.ErrLaunchFailed},
}

// resultName is the cuda.h name of r, asking the driver for codes newer
// than our table.
func resultName(r C.CUresult) string {
	if info, ok := results[r]; ok {
		return info.name
	}
	if s := C.shal_error_name(r); s != nil {
		return C.GoString(s)
	}
	return fmt.Sprintf("CUresult(%d)", int(r))
}

// resultErr maps r to the nearest hal sentinel.
func resultErr(r C.CUresult) error {
	if info, ok := results[r]; ok {
		return info.err
	}
	if r >= 700 && r < 800 {
		return hal.ErrLaunchFailed
	}
	return hal.ErrInvalidValue
}

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
