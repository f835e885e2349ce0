//go:build cgo

package cuda

/*
#include <stdlib.h>
#include <string.h>
#include "shal_cuda.h"
*/
import "C"

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// Formats lists cubin first: a cubin built for the device's architecture
// loads without JIT compilation and runs exactly the machine code it was
// tested with. A fatbin comes next because the driver picks the best image
// inside it (a matching cubin, else its PTX). PTX is the portable fallback:
// it runs on every architecture at or above its target but costs a JIT
// compilation on first load (the driver caches the result on disk).
func (d *device) Formats() []hal.Format {
	return []hal.Format{hal.FormatCubin, hal.FormatFatbin, hal.FormatPTX}
}

// jitLogSize bounds each JIT log buffer.
const jitLogSize = 16 << 10

// Load loads a module: PTX through cuModuleLoadDataEx with the JIT logs
// captured, cubin and fatbin through cuModuleLoadData.
func (d *device) Load(format hal.Format, data []byte) (hal.Executable, error) {
	if err := d.usable(); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("hal/cuda: load empty %s module: %w", format, hal.ErrInvalidImage)
	}
	exe := &executable{d: d, format: format, kernels: map[string]*kernel{}}
	switch format {
	case hal.FormatPTX:
		if err := exe.loadPTX(data); err != nil {
			return nil, err
		}
	case hal.FormatCubin, hal.FormatFatbin:
		// A C copy keeps the image 16-byte aligned, as ELF and fatbin
		// headers expect.
		img := C.CBytes(data)
		defer C.free(img)
		r := C.shal_module_load(d.ctx, &exe.mod, img)
		if r != 0 {
			return nil, loadError(r, fmt.Sprintf("cuModuleLoadData(%s, %d bytes)", format, len(data)), "")
		}
	default:
		return nil, fmt.Errorf("hal/cuda: load %q module: the CUDA driver loads %v: %w", format, d.Formats(), hal.ErrNotSupported)
	}
	exe.names = exe.listFunctions()
	return exe, nil
}

func (exe *executable) loadPTX(data []byte) error {
	d := exe.d
	// The PTX must be NUL-terminated; the logs are C buffers the driver
	// fills.
	src := (*C.char)(C.malloc(C.size_t(len(data) + 1)))
	defer C.free(unsafe.Pointer(src))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(src)), len(data)), data)
	*(*byte)(unsafe.Add(unsafe.Pointer(src), len(data))) = 0
	errLog := (*C.char)(C.calloc(jitLogSize, 1))
	infoLog := (*C.char)(C.calloc(jitLogSize, 1))
	defer C.free(unsafe.Pointer(errLog))
	defer C.free(unsafe.Pointer(infoLog))

	r := C.shal_module_load_ptx(d.ctx, &exe.mod, src, errLog, jitLogSize, infoLog, jitLogSize)
	if info := strings.TrimSpace(C.GoString(infoLog)); info != "" {
		d.inst.cfg.Log(4, "hal/cuda: PTX JIT info log:\n%s", info)
	}
	if r != 0 {
		return loadError(r, fmt.Sprintf("cuModuleLoadDataEx(PTX, %d bytes)", len(data)), strings.TrimSpace(C.GoString(errLog)))
	}
	// hal/modfile's PTX parser supplies kernel names and parameter layouts
	// for drivers without cuModuleEnumerateFunctions / cuFuncGetParamInfo
	// (CUDA < 12.4).
	mod, err := modfile.ParsePTX(data)
	if err != nil {
		d.inst.cfg.Log(3, "hal/cuda: PTX accepted by the driver but not by hal/modfile: %v", err)
		return nil
	}
	exe.ptx = make(map[string][]hal.Param, len(mod.Kernels))
	for _, k := range mod.Kernels {
		exe.ptx[k.Name] = k.Params
	}
	return nil
}

// loadError wraps hal.ErrInvalidImage (and the CUresult's own sentinel
// when it differs, e.g. hal.ErrNoBinaryForDevice) with the JIT log.
func loadError(r C.CUresult, what, log string) error {
	sentinel := resultErr(r)
	msg := "hal/cuda: " + what + ": " + resultName(r)
	if log != "" {
		msg += ": JIT log:\n" + log
	}
	switch sentinel {
	case hal.ErrOutOfMemory:
		return fmt.Errorf("%s: %w", msg, sentinel)
	case hal.ErrInvalidImage:
		return fmt.Errorf("%s: %w", msg, hal.ErrInvalidImage)
	}
	return fmt.Errorf("%s: %w: %w", msg, hal.ErrInvalidImage, sentinel)
}

// executable is a loaded CUmodule.
type executable struct {
	d      *device
	mod    C.CUmodule
	format hal.Format
	names  []string
	ptx    map[string][]hal.Param // PTX modules: parameter layouts from hal/modfile
	closed atomic.Bool

	mu      sync.Mutex
	kernels map[string]*kernel
}

var _ hal.Executable = (*executable)(nil)

// listFunctions asks the driver (CUDA 12.4+) for the module's kernels and
// falls back to the PTX entries.
func (exe *executable) listFunctions() []string {
	var n C.uint
	if C.shal_module_function_count(exe.d.ctx, &n, exe.mod) == 0 && n > 0 {
		fns := make([]C.CUfunction, n)
		if C.shal_module_functions(exe.d.ctx, &fns[0], n, exe.mod) == 0 {
			names := make([]string, 0, n)
			for _, f := range fns {
				var name *C.char
				if C.shal_func_name(exe.d.ctx, &name, f) != 0 || name == nil {
					names = nil
					break
				}
				names = append(names, C.GoString(name))
			}
			if names != nil {
				return names
			}
		}
	}
	if exe.ptx != nil {
		names := make([]string, 0, len(exe.ptx))
		for name := range exe.ptx {
			names = append(names, name)
		}
		sort.Strings(names)
		return names
	}
	return nil
}

// Kernels lists the entry points (nil for a cubin/fatbin on a driver older
// than CUDA 12.4, which cannot enumerate them; Kernel still works).
func (exe *executable) Kernels() []string { return append([]string(nil), exe.names...) }

// CUfunction_attribute values.
const (
	funcMaxThreadsPerBlock   = 0
	funcSharedSizeBytes      = 1
	funcConstSizeBytes       = 2
	funcLocalSizeBytes       = 3
	funcNumRegs              = 4
	funcPTXVersion           = 5
	funcBinaryVersion        = 6
	funcMaxDynamicSharedSize = 8
)

// Kernel looks up an entry point with cuModuleGetFunction and reads its
// parameter layout and attributes once.
func (exe *executable) Kernel(name string) (hal.Kernel, error) {
	if exe.closed.Load() {
		return nil, fmt.Errorf("hal/cuda: kernel %q of a closed module: %w", name, hal.ErrInvalidHandle)
	}
	exe.mu.Lock()
	defer exe.mu.Unlock()
	if k, ok := exe.kernels[name]; ok {
		return k, nil
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return nil, fmt.Errorf("hal/cuda: kernel %q: %w", name, hal.ErrNotFound)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	k := &kernel{exe: exe, name: name}
	if r := C.shal_module_function(exe.d.ctx, &k.fn, exe.mod, cname); r != 0 {
		if r == cudaErrorNotFound {
			return nil, fmt.Errorf("hal/cuda: kernel %q: no such entry point: %w", name, hal.ErrNotFound)
		}
		return nil, check(r, "cuModuleGetFunction(%q)", name)
	}
	k.uf = handle(unsafe.Pointer(k.fn))
	params, err := exe.paramInfo(k.fn)
	if err != nil {
		return nil, err
	}
	if ps, ok := exe.ptx[name]; ok {
		switch {
		case params == nil:
			params = ps
		case sameLayout(params, ps):
			// The driver's layout is authoritative; the PTX says which
			// parameters are pointers.
			for i := range params {
				params[i].Pointer = ps[i].Pointer
			}
		default:
			exe.d.inst.cfg.Log(2, "hal/cuda: kernel %s: driver parameter layout %v differs from the PTX's %v", name, params, ps)
		}
	}
	k.setParams(params)

	attr := func(a int) int {
		var v C.int
		if r := C.shal_func_attr(exe.d.ctx, &v, C.int(a), k.fn); r != 0 {
			exe.d.inst.cfg.Log(4, "hal/cuda: kernel %s attribute %d: %s", name, a, resultName(r))
			return 0
		}
		return int(v)
	}
	k.attrs = hal.KernelAttributes{
		MaxThreadsPerBlock:  attr(funcMaxThreadsPerBlock),
		SharedSizeBytes:     attr(funcSharedSizeBytes),
		ConstSizeBytes:      attr(funcConstSizeBytes),
		LocalSizeBytes:      attr(funcLocalSizeBytes),
		NumRegs:             attr(funcNumRegs),
		PTXVersion:          attr(funcPTXVersion),
		BinaryVersion:       attr(funcBinaryVersion),
		MaxDynamicSharedMem: attr(funcMaxDynamicSharedSize),
	}
	exe.kernels[name] = k
	return k, nil
}

// sameLayout reports whether two layouts have the same offsets and sizes.
func sameLayout(a, b []hal.Param) bool {
	return slices.EqualFunc(a, b, func(x, y hal.Param) bool { return x.Offset == y.Offset && x.Size == y.Size })
}

// maxParams bounds the cuFuncGetParamInfo walk (the PTX limit on kernel
// parameter space is 32764 bytes, so this is generous).
const maxParams = 8192

// paramInfo walks cuFuncGetParamInfo until it reports an index past the
// end (CUDA_ERROR_INVALID_VALUE). It returns nil when the driver lacks the
// call.
func (exe *executable) paramInfo(fn C.CUfunction) ([]hal.Param, error) {
	params := []hal.Param{}
	for i := 0; i < maxParams; i++ {
		var off, size C.size_t
		r := C.shal_func_param_info(exe.d.ctx, fn, C.size_t(i), &off, &size)
		switch r {
		case cudaSuccess:
			params = append(params, hal.Param{Offset: uint32(off), Size: uint32(size)})
			continue
		case cudaErrorInvalidValue:
			return params, nil
		case cudaErrorNotSupported:
			return nil, nil
		}
		exe.d.inst.cfg.Log(3, "hal/cuda: cuFuncGetParamInfo: %s; using the PTX parameter list", resultName(r))
		return nil, nil
	}
	return nil, fmt.Errorf("hal/cuda: kernel has more than %d parameters: %w", maxParams, hal.ErrInvalidImage)
}

// Global returns cuModuleGetGlobal.
func (exe *executable) Global(name string) (uint64, uint64, error) {
	if exe.closed.Load() {
		return 0, 0, fmt.Errorf("hal/cuda: global %q of a closed module: %w", name, hal.ErrInvalidHandle)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return 0, 0, fmt.Errorf("hal/cuda: global %q: %w", name, hal.ErrNotFound)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var p C.CUdeviceptr
	var n C.size_t
	if r := C.shal_module_global(exe.d.ctx, &p, &n, exe.mod, cname); r != 0 {
		if r == cudaErrorNotFound {
			return 0, 0, fmt.Errorf("hal/cuda: global %q: no such variable: %w", name, hal.ErrNotFound)
		}
		return 0, 0, check(r, "cuModuleGetGlobal(%q)", name)
	}
	return uint64(p), uint64(n), nil
}

// Close unloads the module.
func (exe *executable) Close() error {
	if exe.closed.Swap(true) {
		return fmt.Errorf("hal/cuda: module already closed: %w", hal.ErrInvalidHandle)
	}
	return check(C.shal_module_unload(exe.d.ctx, exe.mod), "cuModuleUnload")
}

// kernel is a CUfunction with its parameter layout.
type kernel struct {
	exe     *executable
	name    string
	fn      C.CUfunction
	uf      C.uintptr_t // fn as an integer handle
	params  []hal.Param
	offsets []uint32 // params' offsets, for kernelParams arrays
	argSize int      // end of the last parameter; 0 when unknown
	attrs   hal.KernelAttributes
}

var _ hal.Kernel = (*kernel)(nil)

func (k *kernel) setParams(params []hal.Param) {
	k.params = params
	if params == nil {
		return
	}
	k.offsets = make([]uint32, len(params))
	for i, p := range params {
		k.offsets[i] = p.Offset
		if end := int(p.Offset + p.Size); end > k.argSize {
			k.argSize = end
		}
	}
}

// Name returns the entry point name.
func (k *kernel) Name() string { return k.name }

// Params returns the parameter layout.
func (k *kernel) Params() []hal.Param {
	if k.params == nil {
		return nil
	}
	return slices.Clone(k.params)
}

// Attributes returns cuFuncGetAttribute values read at lookup.
func (k *kernel) Attributes() hal.KernelAttributes { return k.attrs }

// checkArgs rejects an argument buffer shorter than the parameters.
func (k *kernel) checkArgs(args []byte) error {
	if k.params != nil && len(args) < k.argSize {
		return fmt.Errorf("hal/cuda: kernel %s takes %d argument bytes, got %d: %w", k.name, k.argSize, len(args), hal.ErrInvalidValue)
	}
	return nil
}

// bufferSize is the CU_LAUNCH_PARAM_BUFFER_SIZE for args: the driver wants
// the end of the last parameter exactly, without the tail padding a C
// struct of the parameters would have (a padded size fails the launch), so
// a longer buffer is cut to the layout when the layout is known.
func (k *kernel) bufferSize(args []byte) int {
	if k.params != nil {
		return k.argSize
	}
	return len(args)
}

// ownKernel returns k as one of d's kernels.
func (d *device) ownKernel(k hal.Kernel) (*kernel, error) {
	kk, ok := k.(*kernel)
	if !ok || kk == nil {
		return nil, fmt.Errorf("hal/cuda: kernel %T is not a CUDA kernel: %w", k, hal.ErrInvalidHandle)
	}
	if kk.exe.d != d {
		return nil, fmt.Errorf("hal/cuda: kernel %s belongs to device %d, not %d: %w", kk.name, kk.exe.d.ordinal, d.ordinal, hal.ErrInvalidHandle)
	}
	if kk.exe.closed.Load() {
		return nil, fmt.Errorf("hal/cuda: kernel %s of a closed module: %w", kk.name, hal.ErrInvalidHandle)
	}
	return kk, nil
}
