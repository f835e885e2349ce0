package cuda

import (
	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// Module is a CUmodule: the streaming module itself, so a handle works
// with both packages.
type Module = streaming.Module

// Function is a CUfunction: the streaming function itself.
type Function = streaming.Function

// ModuleLoad is cuModuleLoad: it loads a module file into the current
// context (any format streaming loads: CPU kernel library, PTX, cubin,
// fatbin, AMDGPU code object, SPIR-V, or a streamhal fat module, from which
// the binary for the context's device is picked).
// CUDA_ERROR_FILE_NOT_FOUND when the file cannot be read,
// CUDA_ERROR_INVALID_IMAGE for a file that is no module,
// CUDA_ERROR_NO_BINARY_FOR_GPU when it holds no code for the device.
func ModuleLoad(path string) (*Module, error) {
	_, sc, err := cur("cuModuleLoad")
	if err != nil {
		return nil, err
	}
	return moduleLoad(sc, path)
}

// ModuleLoad is the package's ModuleLoad into c.
func (c *Context) ModuleLoad(path string) (*Module, error) {
	sc, err := c.get("cuModuleLoad")
	if err != nil {
		return nil, err
	}
	return moduleLoad(sc, path)
}

func moduleLoad(sc *streaming.Context, path string) (*Module, error) {
	m, err := sc.LoadModule(path)
	if err != nil {
		return nil, checkAs(err, override{hal.ErrNotFound, CUDA_ERROR_FILE_NOT_FOUND})
	}
	return m, nil
}

// ModuleLoadData is cuModuleLoadData: it loads a module image from memory
// into the current context; the format is detected as for ModuleLoad.
func ModuleLoadData(image []byte) (*Module, error) {
	_, sc, err := cur("cuModuleLoadData")
	if err != nil {
		return nil, err
	}
	return moduleLoadData(sc, image)
}

// ModuleLoadData is the package's ModuleLoadData into c.
func (c *Context) ModuleLoadData(image []byte) (*Module, error) {
	sc, err := c.get("cuModuleLoadData")
	if err != nil {
		return nil, err
	}
	return moduleLoadData(sc, image)
}

func moduleLoadData(sc *streaming.Context, image []byte) (*Module, error) {
	if len(image) == 0 {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadData: empty image")
	}
	m, err := sc.LoadModuleData(image)
	if err != nil {
		return nil, fail(err)
	}
	return m, nil
}

// ModuleLoadDataEx is cuModuleLoadDataEx: ModuleLoadData with JIT options.
// options[i] pairs with optionValues[i], which holds what C passes in the
// void* slot: a number (CU_JIT_MAX_REGISTERS, the log buffer sizes...) or
// a pointer converted with uintptr (the log buffers). Go must not keep
// plain numbers in pointer slots, hence []uintptr rather than
// []unsafe.Pointer. Every CU_JIT_* option is accepted; no JIT compiler runs
// here (the backend's driver compiles PTX itself), so nothing is logged:
// CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES and CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
// are set to 0 bytes written and CU_JIT_WALL_TIME to 0 ms, as their C
// out-values are. An unknown option or a length mismatch is
// CUDA_ERROR_INVALID_VALUE.
func ModuleLoadDataEx(image []byte, options []JitOption, optionValues []uintptr) (*Module, error) {
	_, sc, err := cur("cuModuleLoadDataEx")
	if err != nil {
		return nil, err
	}
	return moduleLoadDataEx(sc, image, options, optionValues)
}

// ModuleLoadDataEx is the package's ModuleLoadDataEx into c.
func (c *Context) ModuleLoadDataEx(image []byte, options []JitOption, optionValues []uintptr) (*Module, error) {
	sc, err := c.get("cuModuleLoadDataEx")
	if err != nil {
		return nil, err
	}
	return moduleLoadDataEx(sc, image, options, optionValues)
}

func moduleLoadDataEx(sc *streaming.Context, image []byte, options []JitOption, optionValues []uintptr) (*Module, error) {
	if len(options) != len(optionValues) {
		return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadDataEx: %d options but %d option values", len(options), len(optionValues))
	}
	for i, o := range options {
		if _, ok := lookupName(jitOptionNames, int(o)); !ok {
			return nil, failf(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadDataEx: option %d: unknown CUjit_option %d", i, int(o))
		}
	}
	m, err := moduleLoadData(sc, image)
	if err != nil {
		return nil, err
	}
	for i, o := range options {
		switch o {
		case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, CU_JIT_WALL_TIME:
			optionValues[i] = 0
		}
	}
	return m, nil
}

// ModuleLoadFatBinary is cuModuleLoadFatBinary: ModuleLoadData for a fat
// binary (a CUDA fatbin, or a streamhal fat module bundling binaries for
// several backends).
func ModuleLoadFatBinary(fatCubin []byte) (*Module, error) {
	_, sc, err := cur("cuModuleLoadFatBinary")
	if err != nil {
		return nil, err
	}
	return moduleLoadData(sc, fatCubin)
}

// ModuleLoadFatBinary is the package's ModuleLoadFatBinary into c.
func (c *Context) ModuleLoadFatBinary(fatCubin []byte) (*Module, error) {
	sc, err := c.get("cuModuleLoadFatBinary")
	if err != nil {
		return nil, err
	}
	return moduleLoadData(sc, fatCubin)
}

// ModuleUnload is cuModuleUnload: it unloads the module once the work using
// it is done. CUDA_ERROR_INVALID_HANDLE for nil or an unloaded module.
func ModuleUnload(m *Module) error {
	if _, err := get(); err != nil {
		return err
	}
	if m == nil {
		return failf(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload: NULL module")
	}
	return check(m.Close())
}

// ModuleGetFunction is cuModuleGetFunction: the kernel called name (the
// same *Function for every lookup). CUDA_ERROR_NOT_FOUND when the module
// has no such kernel.
func ModuleGetFunction(m *Module, name string) (*Function, error) {
	if _, err := get(); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, failf(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunction %q: NULL module", name)
	}
	f, err := m.Function(name)
	if err != nil {
		return nil, fail(err)
	}
	return f, nil
}

// ModuleGetGlobal is cuModuleGetGlobal: the address and size of a
// module-scope variable; the address works with every copy function.
// CUDA_ERROR_NOT_FOUND when the module has no such variable.
func ModuleGetGlobal(m *Module, name string) (DevicePtr, uint64, error) {
	if _, err := get(); err != nil {
		return 0, 0, err
	}
	if m == nil {
		return 0, 0, failf(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetGlobal %q: NULL module", name)
	}
	p, n, err := m.Global(name)
	if err != nil {
		return 0, 0, fail(err)
	}
	return p, n, nil
}

// ModuleGetFunctionCount is cuModuleGetFunctionCount (CUDA 12.4): the
// number of kernels in the module.
func ModuleGetFunctionCount(m *Module) (int, error) {
	if _, err := get(); err != nil {
		return 0, err
	}
	if m == nil {
		return 0, failf(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunctionCount: NULL module")
	}
	if err := m.Err(); err != nil {
		return 0, fail(err)
	}
	return len(m.Kernels()), nil
}
