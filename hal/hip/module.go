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
	"sync"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// executable is a loaded AMDGPU code object (hipModuleLoadData).
type executable struct {
	d     *device
	mod   C.hipModule_t
	image unsafe.Pointer // the code object in C memory, kept until unload
	meta  *modfile.Module

	kernels map[string]*kernel
	names   []string

	mu     sync.Mutex
	closed bool
}

var _ hal.Executable = (*executable)(nil)

// kernel is one entry point with its parameter layout from the code
// object's metadata.
type kernel struct {
	exe    *executable
	name   string
	fn     C.hipFunction_t
	layout argLayout
	attrs  hal.KernelAttributes
}

var _ hal.Kernel = (*kernel)(nil)

func (k *kernel) Name() string                     { return k.name }
func (k *kernel) Params() []hal.Param              { return slices.Clone(k.layout.params) }
func (k *kernel) Attributes() hal.KernelAttributes { return k.attrs }

// Load loads an AMDGPU code object. Its metadata is parsed first (by
// hal/modfile), so a bad image is hal.ErrInvalidImage and one built for
// another processor hal.ErrNoBinaryForDevice before the runtime sees it.
func (d *device) Load(format hal.Format, data []byte) (hal.Executable, error) {
	if format != hal.FormatAMDGPU {
		return nil, fmt.Errorf("hal/hip: load a %q module: device loads %v: %w", format, d.Formats(), hal.ErrNotSupported)
	}
	meta, err := modfile.ParseAMDGPU(data)
	if err != nil {
		return nil, err
	}
	if err := checkTarget(meta.Target, d.info.Arch); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.checkOpen("load module"); err != nil {
		return nil, err
	}
	x := &executable{d: d, meta: meta, kernels: map[string]*kernel{}, image: C.CBytes(data)}
	if err := check(int(C.shal_hip_module_load(d.api, d.dev, &x.mod, x.image)), "hipModuleLoadData(%d-byte %s code object) on device %d", len(data), meta.Target, d.ordinal); err != nil {
		C.free(x.image)
		return nil, err
	}
	for _, ki := range meta.Kernels {
		k, err := x.kernel(ki)
		if err != nil {
			x.unload()
			return nil, err
		}
		x.kernels[k.name] = k
		x.names = append(x.names, k.name)
	}
	return x, nil
}

// checkTarget compares a code object's target ("gfx90a", "gfx90a:xnack-")
// with the device's processor. Target features are left to the runtime.
func checkTarget(target, arch string) error {
	if target == "" || arch == "" || archName(target) == arch {
		return nil
	}
	return fmt.Errorf("hal/hip: code object for %s cannot run on a %s device: %w", target, arch, hal.ErrNoBinaryForDevice)
}

// kernel resolves one entry point and reads its attributes.
func (x *executable) kernel(ki modfile.KernelInfo) (*kernel, error) {
	d := x.d
	cname := C.CString(ki.Name)
	defer C.free(unsafe.Pointer(cname))
	k := &kernel{exe: x, name: ki.Name, layout: layoutOf(ki)}
	if err := check(int(C.shal_hip_module_function(d.api, d.dev, &k.fn, x.mod, cname)), "hipModuleGetFunction(%q) on device %d", ki.Name, d.ordinal); err != nil {
		return nil, err
	}
	k.attrs = kernelAttributes(ki, func(a hipabi.FunctionAttribute) (int, bool) {
		var v C.int
		return int(v), C.shal_hip_func_attribute(d.api, d.dev, &v, C.int(a), k.fn) == 0
	})
	return k, nil
}

// layoutOf is a kernel's argument layout from its metadata.
func layoutOf(ki modfile.KernelInfo) argLayout {
	return argLayout{params: slices.Clone(ki.Params), size: ki.ArgsSize}
}

// kernelAttributes combines hipFuncGetAttribute answers with the code
// object's metadata, which stands in where the runtime has no answer.
func kernelAttributes(ki modfile.KernelInfo, get func(hipabi.FunctionAttribute) (int, bool)) hal.KernelAttributes {
	a := hal.KernelAttributes{
		MaxThreadsPerBlock: ki.MaxThreadsPerBlock,
		SharedSizeBytes:    int(ki.SharedBytes),
		LocalSizeBytes:     int(ki.PrivateSegmentFixedSize),
		NumRegs:            ki.VGPRCount,
	}
	for _, f := range []struct {
		attr hipabi.FunctionAttribute
		p    *int
	}{
		{hipabi.HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &a.MaxThreadsPerBlock},
		{hipabi.HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &a.SharedSizeBytes},
		{hipabi.HIP_FUNC_ATTRIBUTE_CONST_SIZE_BYTES, &a.ConstSizeBytes},
		{hipabi.HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, &a.LocalSizeBytes},
		{hipabi.HIP_FUNC_ATTRIBUTE_NUM_REGS, &a.NumRegs},
		{hipabi.HIP_FUNC_ATTRIBUTE_BINARY_VERSION, &a.BinaryVersion},
		{hipabi.HIP_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &a.MaxDynamicSharedMem},
	} {
		if v, ok := get(f.attr); ok {
			*f.p = v
		}
	}
	if a.MaxThreadsPerBlock <= 0 {
		// The AMDGPU default of .max_flat_workgroup_size.
		a.MaxThreadsPerBlock = 1024
	}
	return a
}

func (x *executable) Kernel(name string) (hal.Kernel, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil, fmt.Errorf("hal/hip: kernel %q of an unloaded module: %w", name, hal.ErrInvalidHandle)
	}
	k, ok := x.kernels[name]
	if !ok {
		return nil, fmt.Errorf("hal/hip: module has no kernel %q: %w", name, hal.ErrNotFound)
	}
	return k, nil
}

func (x *executable) Kernels() []string { return slices.Clone(x.names) }

func (x *executable) Global(name string) (uint64, uint64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return 0, 0, fmt.Errorf("hal/hip: global %q of an unloaded module: %w", name, hal.ErrInvalidHandle)
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var p C.uint64_t
	var size C.size_t
	if err := check(int(C.shal_hip_module_global(x.d.api, x.d.dev, &p, &size, x.mod, cname)), "hipModuleGetGlobal(%q) on device %d", name, x.d.ordinal); err != nil {
		return 0, 0, err
	}
	return uint64(p), uint64(size), nil
}

func (x *executable) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return fmt.Errorf("hal/hip: module already unloaded: %w", hal.ErrInvalidHandle)
	}
	x.closed = true
	return x.unload()
}

// unload releases the module and its image.
func (x *executable) unload() error {
	err := check(int(C.shal_hip_module_unload(x.d.api, x.d.dev, x.mod)), "hipModuleUnload on device %d", x.d.ordinal)
	C.free(x.image)
	x.image = nil
	return err
}

// kernelOf checks that hk is a kernel of a live module of this device.
func (d *device) kernelOf(hk hal.Kernel) (*kernel, error) {
	k, ok := hk.(*kernel)
	if !ok || k == nil || k.exe.d != d {
		return nil, fmt.Errorf("hal/hip: kernel %T is not from a module of device %d: %w", hk, d.ordinal, hal.ErrInvalidHandle)
	}
	k.exe.mu.Lock()
	closed := k.exe.closed
	k.exe.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("hal/hip: kernel %s of an unloaded module: %w", k.name, hal.ErrInvalidHandle)
	}
	return k, nil
}

// limits are the bounds a launch of k on its device is checked against.
func (k *kernel) limits() limits {
	in := k.exe.d.info
	maxThreads := in.MaxThreadsPerBlock
	if k.attrs.MaxThreadsPerBlock > 0 && (maxThreads == 0 || k.attrs.MaxThreadsPerBlock < maxThreads) {
		maxThreads = k.attrs.MaxThreadsPerBlock
	}
	return limits{
		maxThreads:  maxThreads,
		maxBlock:    in.MaxBlockDim,
		maxGrid:     in.MaxGridDim,
		maxShared:   max(in.SharedMemPerBlock, in.SharedMemPerBlockOptin),
		staticBytes: k.attrs.SharedSizeBytes,
		cooperative: in.CooperativeLaunch && k.exe.d.lib.has("hipModuleLaunchCooperativeKernel"),
	}
}

// checkLaunch validates a launch of k: configuration and arguments.
func (k *kernel) checkLaunch(cfg *hal.LaunchConfig) error {
	if err := checkLaunch(k.name, k.limits(), cfg); err != nil {
		return err
	}
	return k.layout.check(k.name, cfg.Args)
}
