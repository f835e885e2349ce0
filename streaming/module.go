package streaming

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// Module is loaded code: a CPU kernel library, PTX, cubin, fatbin, AMDGPU
// code object, SPIR-V, or a streamhal fat module bundling several of them,
// from which the binary for the context's device is chosen.
type Module struct {
	ctx    *Context
	exe    hal.Executable
	format hal.Format
	target string

	mu      sync.Mutex
	closed  bool
	gone    atomic.Bool // closed, for check's lock-free look (set under mu with closed)
	funcs   map[string]*Function
	globals map[string]*allocation
}

// LoadModule loads a module file (cuModuleLoad). A file that cannot be
// read is ErrNotFound; a path that is not a regular file (a device such as
// /dev/zero, a FIFO, a directory) or a file over modfile.MaxFileSize is
// ErrInvalidValue, refused before it is read.
func (c *Context) LoadModule(path string) (*Module, error) {
	data, err := modfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("streaming: load module: %w", err)
	}
	m, err := c.LoadModuleData(data)
	if err != nil {
		return nil, fmt.Errorf("%w (module file %s)", err, path)
	}
	return m, nil
}

// LoadModuleData loads a module image from memory (cuModuleLoadData). The
// image's format is detected; a fat module yields the binary that suits the
// device best.
func (c *Context) LoadModuleData(data []byte) (*Module, error) {
	// A destroyed context is its own error, also after Runtime.Close.
	if err := c.check("load module"); err != nil {
		return nil, err
	}
	done, err := c.rt.holdDrivers("load module")
	if err != nil {
		return nil, err
	}
	defer done()
	if err := c.check("load module"); err != nil {
		return nil, err
	}
	format, err := modfile.Detect(data)
	if err != nil {
		return nil, fmt.Errorf("streaming: load module (%d bytes): %w", len(data), err)
	}
	target := ""
	formats := c.dev.hal.Formats()
	if format == hal.FormatFat {
		entries, err := modfile.ParseFat(data)
		if err != nil {
			return nil, fmt.Errorf("streaming: load fat module: %w", err)
		}
		e, err := modfile.Select(entries, formats, c.dev.info.Arch)
		if err != nil {
			return nil, fmt.Errorf("streaming: load fat module on %s: %w", c.dev.info.Name, err)
		}
		format, data, target = e.Format, e.Data, e.Target
	} else if !hasFormat(formats, format) {
		return nil, fmt.Errorf("streaming: load module: a %s image does not run on %s (it loads %v): %w", format, c.dev.info.Name, formats, ErrNoBinaryForDevice)
	}
	exe, err := c.dev.hal.Load(format, data)
	if err != nil {
		return nil, fmt.Errorf("streaming: load %s module on %s: %w", format, c.dev.info.Name, err)
	}
	m := &Module{ctx: c, exe: exe, format: format, target: target, funcs: map[string]*Function{}, globals: map[string]*allocation{}}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		exe.Close()
		return nil, fmt.Errorf("streaming: load module: context destroyed: %w", ErrInvalidContext)
	}
	c.modules[m] = true
	c.mu.Unlock()
	return m, nil
}

func hasFormat(fs []hal.Format, f hal.Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// Format is the format of the binary that was loaded.
func (m *Module) Format() hal.Format { return m.format }

// Context is the module's context.
func (m *Module) Context() *Context { return m.ctx }

// Kernels lists the module's kernel names.
func (m *Module) Kernels() []string {
	k := m.exe.Kernels()
	sort.Strings(k)
	return k
}

func (m *Module) check(what string) error {
	// Lock-free: every launch asks.
	if m.gone.Load() {
		return fmt.Errorf("streaming: %s: module unloaded: %w", what, ErrInvalidHandle)
	}
	return nil
}

// Function looks up a kernel by name (cuModuleGetFunction).
func (m *Module) Function(name string) (*Function, error) {
	// A destroyed module is its own error, also after Runtime.Close.
	if err := m.check("function " + name); err != nil {
		return nil, err
	}
	done, err := m.ctx.rt.holdDrivers("function")
	if err != nil {
		return nil, err
	}
	defer done()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("streaming: function %q: module unloaded: %w", name, ErrInvalidHandle)
	}
	if f, ok := m.funcs[name]; ok {
		return f, nil
	}
	k, err := m.exe.Kernel(name)
	if err != nil {
		return nil, fmt.Errorf("streaming: function %q: %w", name, err)
	}
	f := newFunction(m, k)
	m.funcs[name] = f
	return f, nil
}

// Global returns the address and size of a module-scope variable
// (cuModuleGetGlobal). The address works with every copy function.
func (m *Module) Global(name string) (DevicePtr, uint64, error) {
	// A destroyed module is its own error, also after Runtime.Close.
	if err := m.check("global " + name); err != nil {
		return 0, 0, err
	}
	done, err := m.ctx.rt.holdDrivers("global")
	if err != nil {
		return 0, 0, err
	}
	defer done()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, 0, fmt.Errorf("streaming: global %q: module unloaded: %w", name, ErrInvalidHandle)
	}
	if a, ok := m.globals[name]; ok {
		return DevicePtr(a.base), a.size, nil
	}
	addr, size, err := m.exe.Global(name)
	if err != nil {
		return 0, 0, fmt.Errorf("streaming: global %q: %w", name, err)
	}
	a := &allocation{base: addr, size: size, kind: MemoryGlobal, dev: m.ctx.dev, ctx: m.ctx, module: m}
	if m.ctx.dev.info.Driver == "cpu" {
		// CPU globals live in the library's host memory.
		a.host = hostPointer(addr)
	}
	if size > 0 {
		if err := m.ctx.rt.ptrs.insert(a); err != nil {
			return 0, 0, err
		}
	}
	m.globals[name] = a
	return DevicePtr(addr), size, nil
}

// Close unloads the module (cuModuleUnload), after the work that uses it.
func (m *Module) Close() error {
	done, err := m.ctx.rt.holdDrivers("unload module")
	if err != nil {
		if m.check("unload module") != nil {
			return errGone("module already unloaded") // by Runtime.Close
		}
		return err
	}
	defer done()
	m.ctx.mu.Lock()
	delete(m.ctx.modules, m)
	m.ctx.mu.Unlock()
	return m.unload()
}

func (m *Module) unload() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errGone("module already unloaded")
	}
	m.closed = true
	m.gone.Store(true)
	globals := m.globals
	m.globals = nil
	m.mu.Unlock()
	for _, a := range globals {
		m.ctx.rt.ptrs.claim(a)
	}
	return m.exe.Close()
}

// FuncCache is a cache preference (CUfunc_cache).
type FuncCache int

// Cache preferences.
const (
	FuncCachePreferNone   FuncCache = 0
	FuncCachePreferShared FuncCache = 1
	FuncCachePreferL1     FuncCache = 2
	FuncCachePreferEqual  FuncCache = 3
)

// SharedConfig is a shared memory bank configuration (CUsharedconfig).
type SharedConfig int

// Shared memory configurations.
const (
	SharedMemConfigDefault   SharedConfig = 0
	SharedMemConfigFourByte  SharedConfig = 1
	SharedMemConfigEightByte SharedConfig = 2
)

// FunctionAttributes are a kernel's properties (cuFuncGetAttribute).
type FunctionAttributes struct {
	MaxThreadsPerBlock      int
	SharedSizeBytes         int
	ConstSizeBytes          int
	LocalSizeBytes          int
	NumRegs                 int
	PTXVersion              int
	BinaryVersion           int
	MaxDynamicSharedSize    int
	PreferredSharedCarveout int // percent, -1 for no preference
	CacheConfig             FuncCache
	SharedConfig            SharedConfig
}

// Function is a kernel of a loaded module.
type Function struct {
	mod *Module
	k   hal.Kernel
	// params is the kernel's parameter layout, read once: the launch path
	// uses it without the copy drivers make on each Kernel.Params call.
	params []hal.Param
	// pointers reports whether the layout marks any parameter a pointer;
	// launches of kernels without pointer parameters (and without
	// DevicePtr arguments) skip the pointer table.
	pointers bool

	mu    sync.Mutex
	attrs FunctionAttributes // MaxThreadsPerBlock never changes
	// maxDynShared mirrors attrs.MaxDynamicSharedSize (set under mu) for
	// the launch path's lock-free look.
	maxDynShared atomic.Int64
}

func newFunction(m *Module, k hal.Kernel) *Function {
	ka := k.Attributes()
	info := m.ctx.dev.info
	maxThreads := ka.MaxThreadsPerBlock
	if maxThreads == 0 || maxThreads > info.MaxThreadsPerBlock {
		maxThreads = info.MaxThreadsPerBlock
	}
	dyn := info.SharedMemPerBlock - ka.SharedSizeBytes
	if dyn < 0 {
		dyn = 0
	}
	params := k.Params()
	pointers := false
	for _, p := range params {
		pointers = pointers || p.Pointer
	}
	f := &Function{mod: m, k: k, params: params, pointers: pointers, attrs: FunctionAttributes{
		MaxThreadsPerBlock: maxThreads, SharedSizeBytes: ka.SharedSizeBytes, ConstSizeBytes: ka.ConstSizeBytes,
		LocalSizeBytes: ka.LocalSizeBytes, NumRegs: ka.NumRegs, PTXVersion: ka.PTXVersion, BinaryVersion: ka.BinaryVersion,
		MaxDynamicSharedSize: dyn, PreferredSharedCarveout: -1,
	}}
	f.maxDynShared.Store(int64(dyn))
	return f
}

// Name is the kernel's name.
func (f *Function) Name() string { return f.k.Name() }

// Module is the module the kernel belongs to.
func (f *Function) Module() *Module { return f.mod }

// Params is the kernel's parameter layout in the packed argument buffer
// (nil when its module records none).
func (f *Function) Params() []hal.Param {
	if f.params == nil {
		return nil
	}
	return append([]hal.Param(nil), f.params...)
}

// Attributes returns the kernel's attributes.
func (f *Function) Attributes() FunctionAttributes {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attrs
}

// SetMaxDynamicSharedMemory raises (or lowers) the dynamic shared memory a
// launch may ask for, up to the device's opt-in limit less the kernel's
// static shared memory (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).
func (f *Function) SetMaxDynamicSharedMemory(n int) error {
	info := f.mod.ctx.dev.info
	limit := max(info.SharedMemPerBlockOptin, info.SharedMemPerBlock) - f.attrs.SharedSizeBytes
	if n < 0 || n > limit {
		return fmt.Errorf("streaming: %s: max dynamic shared memory %d: the device allows 0..%d: %w", f.Name(), n, limit, ErrInvalidValue)
	}
	f.mu.Lock()
	f.attrs.MaxDynamicSharedSize = n
	f.maxDynShared.Store(int64(n))
	f.mu.Unlock()
	return nil
}

// SetPreferredSharedCarveout records the preferred shared memory carveout
// in percent (-1 for none); it is a hint.
func (f *Function) SetPreferredSharedCarveout(pct int) error {
	if pct < -1 || pct > 100 {
		return fmt.Errorf("streaming: %s: shared carveout %d%%: want -1..100: %w", f.Name(), pct, ErrInvalidValue)
	}
	f.mu.Lock()
	f.attrs.PreferredSharedCarveout = pct
	f.mu.Unlock()
	return nil
}

// SetCacheConfig records the kernel's cache preference (a hint).
func (f *Function) SetCacheConfig(c FuncCache) error {
	if c < FuncCachePreferNone || c > FuncCachePreferEqual {
		return fmt.Errorf("streaming: %s: cache config %d: %w", f.Name(), c, ErrInvalidValue)
	}
	f.mu.Lock()
	f.attrs.CacheConfig = c
	f.mu.Unlock()
	return nil
}

// SetSharedMemConfig records the kernel's shared memory bank size (a hint).
func (f *Function) SetSharedMemConfig(c SharedConfig) error {
	if c < SharedMemConfigDefault || c > SharedMemConfigEightByte {
		return fmt.Errorf("streaming: %s: shared memory config %d: %w", f.Name(), c, ErrInvalidValue)
	}
	f.mu.Lock()
	f.attrs.SharedConfig = c
	f.mu.Unlock()
	return nil
}
