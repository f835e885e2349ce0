package cuda

import (
	"sync"
	"sync/atomic"

	"github.com/streamhal/streamhal/streaming"

	// Init opens every driver of the default set, as cuInit loads the
	// driver; a program that wants fewer uses package streaming.
	_ "github.com/streamhal/streamhal/hal/all"
)

// DevicePtr is a device address, exactly like CUdeviceptr.
type DevicePtr = streaming.DevicePtr

// APIVersion is the CUDA version whose driver API this package follows
// (CUDA_VERSION of cuda.h 12.6), the value DriverGetVersion reports.
const APIVersion = 12060

// driver is the state Init creates: the runtime, the process-wide context
// stack and the handles that stand for streaming contexts.
type driver struct {
	rt    *streaming.Runtime
	stack streaming.ContextStack

	mu      sync.Mutex
	ctxs    map[*streaming.Context]*Context
	primary map[int]*Context // per device ordinal: the primary context's handle, stable across release and reset
}

var (
	initMu  sync.Mutex // serialises Init and HALDeinit
	current atomic.Pointer[driver]
	deinit  atomic.Bool // HALDeinit ran and Init has not run since
)

// get returns the initialized driver, or CUDA_ERROR_NOT_INITIALIZED before
// Init and CUDA_ERROR_DEINITIALIZED after HALDeinit.
func get() (d *driver, err error) {
	if d = current.Load(); d == nil {
		err = notInitialized()
	}
	return d, err
}

func notInitialized() error {
	if deinit.Load() {
		return failf(CUDA_ERROR_DEINITIALIZED, "the driver was shut down by HALDeinit")
	}
	return failf(CUDA_ERROR_NOT_INITIALIZED, "call cuda.Init first")
}

// Init is cuInit: it opens the process-wide streaming.Runtime with
// streaming.Options{} (so the STREAM_HAL_* environment variables apply).
// flags must be 0. Calling Init again while initialized does nothing; after
// HALDeinit, Init opens a fresh runtime.
func Init(flags uint32) error {
	return InitWithOptions(flags, streaming.Options{})
}

// InitWithOptions is Init with explicit runtime options (for tests and for
// programs that pick backends or the number of CPU devices in code). While
// the package is initialized, further calls do nothing, whatever opts says.
func InitWithOptions(flags uint32, opts streaming.Options) error {
	if flags != 0 {
		return failf(CUDA_ERROR_INVALID_VALUE, "cuInit flags %#x: must be 0", flags)
	}
	initMu.Lock()
	defer initMu.Unlock()
	if current.Load() != nil {
		return nil
	}
	rt, err := streaming.Open(opts)
	if err != nil {
		return fail(err)
	}
	d := &driver{
		rt:      rt,
		ctxs:    map[*streaming.Context]*Context{},
		primary: map[int]*Context{},
	}
	current.Store(d)
	deinit.Store(false)
	return nil
}

// HALDeinit is the original design's cuHALDeinit: it destroys every context
// (freeing all memory, modules, streams and events) and closes the runtime.
// Afterwards every call returns CUDA_ERROR_DEINITIALIZED until Init runs
// again. Calling it when not initialized does nothing.
func HALDeinit() error {
	initMu.Lock()
	defer initMu.Unlock()
	d := current.Load()
	if d == nil {
		return nil
	}
	current.Store(nil)
	deinit.Store(true)
	d.stack.Reset()
	d.mu.Lock()
	for _, c := range d.ctxs {
		c.invalidate()
	}
	for _, c := range d.primary {
		c.invalidate()
	}
	d.mu.Unlock()
	return check(d.rt.Close())
}

// Runtime returns the streaming.Runtime that Init opened, for code that
// mixes this package with package streaming; CUDA_ERROR_NOT_INITIALIZED
// before Init.
func Runtime() (*streaming.Runtime, error) {
	d, err := get()
	if err != nil {
		return nil, err
	}
	return d.rt, nil
}

// DriverGetVersion is cuDriverGetVersion: the CUDA version whose API this
// package implements, APIVersion (12060 = 12.6), whatever backend runs the
// work. Like the C call it works before Init.
func DriverGetVersion() (int, error) { return APIVersion, nil }

// currentCtx returns the streaming context on top of the context stack, or
// CUDA_ERROR_INVALID_CONTEXT when there is none.
func (d *driver) currentCtx(what string) (*streaming.Context, error) {
	if sc := d.stack.Current(); sc != nil {
		return sc, nil
	}
	return nil, failf(CUDA_ERROR_INVALID_CONTEXT, "%s: no current context (use CtxCreate, CtxSetCurrent or CtxPushCurrent)", what)
}

// cur is get followed by currentCtx.
func cur(what string) (d *driver, sc *streaming.Context, err error) {
	if d = current.Load(); d != nil {
		if sc = d.stack.Current(); sc != nil {
			return d, sc, nil
		}
	}
	return curSlow(what)
}

// fastCtx returns the current context, or nil when there is none or the
// package is not initialized (then curSlow says why). It inlines: the
// hottest calls use it instead of cur.
func fastCtx() *streaming.Context {
	if d := current.Load(); d != nil {
		return d.stack.Current()
	}
	return nil
}

func curSlow(what string) (*driver, *streaming.Context, error) {
	d, err := get()
	if err != nil {
		return nil, nil, err
	}
	sc, err := d.currentCtx(what)
	if err != nil {
		return nil, nil, err
	}
	return d, sc, nil
}
