package hip

import (
	"errors"
	"fmt"
	"sync"

	"github.com/streamhal/streamhal/streaming"

	// The runtime opens every driver of the default set.
	_ "github.com/streamhal/streamhal/hal/all"
)

// Handle types. They are package streaming's objects themselves, so a
// program can mix the two APIs freely: a Stream from StreamCreate is a
// *streaming.Stream, a Ctx is a *streaming.Context, and so on. A nil Stream
// is HIP's NULL stream (the current device's legacy default stream).
type (
	// Device is a hipDevice_t: a device ordinal, 0 .. GetDeviceCount()-1.
	Device int
	// Ctx is a hipCtx_t.
	Ctx = *streaming.Context
	// Module is a hipModule_t.
	Module = *streaming.Module
	// Function is a hipFunction_t.
	Function = *streaming.Function
	// Stream is a hipStream_t; nil is the NULL stream.
	Stream = *streaming.Stream
	// Event is a hipEvent_t.
	Event = *streaming.Event
	// GraphExec is a hipGraphExec_t.
	GraphExec = *streaming.GraphExec
	// MemPool is a hipMemPool_t.
	MemPool = *streaming.MemPool
	// DevicePtr is a hipDeviceptr_t: a device address.
	DevicePtr = streaming.DevicePtr
)

// The HIP version this package models (hip_version.h of ROCm 6.4): the
// value DriverGetVersion and RuntimeGetVersion report is
// HIP_VERSION_MAJOR*10000000 + HIP_VERSION_MINOR*100000 + HIP_VERSION_PATCH.
const (
	HIP_VERSION_MAJOR = 6
	HIP_VERSION_MINOR = 4
	HIP_VERSION_PATCH = 0
	HIP_VERSION       = HIP_VERSION_MAJOR*10000000 + HIP_VERSION_MINOR*100000 + HIP_VERSION_PATCH
)

// state is the process-wide state that the C API keeps per thread or per
// process: the runtime, the current device, the context stack and the last
// error.
var state struct {
	mu   sync.Mutex
	opts streaming.Options
	rt   *streaming.Runtime
	// device is the current device (hipSetDevice).
	device int
	// retained holds the primary contexts this package retains on the
	// runtime API's behalf, by device (a primary context is one object for
	// the life of the runtime); userRetains counts the retains made through
	// DevicePrimaryCtxRetain, so that an unmatched release cannot drop the
	// runtime's own.
	retained    map[*streaming.Device]*streaming.Context
	userRetains map[*streaming.Device]int
}

// stack is the context stack of hipCtxPushCurrent and friends.
var stack streaming.ContextStack

// openRuntime returns the process's runtime, opening it on first use: like
// libamdhip64, every call initializes HIP implicitly.
func openRuntime() (*streaming.Runtime, error) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.rt != nil {
		return state.rt, nil
	}
	rt, err := streaming.Open(state.opts)
	if err != nil {
		return nil, err
	}
	state.rt = rt
	state.device = rt.Default().Ordinal()
	state.retained = map[*streaming.Device]*streaming.Context{}
	state.userRetains = map[*streaming.Device]int{}
	return rt, nil
}

// Runtime returns the streaming runtime under this package, opening it if
// needed, for programs that mix the HIP shapes with package streaming.
func Runtime() (*streaming.Runtime, error) {
	rt, err := openRuntime()
	return rt, ret("hipInit", err)
}

// InitWithOptions is Init with the runtime options of package streaming
// (backends, default device, CPU device count, logging), which later
// implicit initializations reuse. It must come before any other call, or
// after HALDeinit; otherwise it fails with HipErrorSetOnActiveProcess.
func InitWithOptions(opts streaming.Options) error {
	state.mu.Lock()
	if state.rt != nil {
		state.mu.Unlock()
		return ret("hipInit", fmt.Errorf("runtime already initialized; call HALDeinit first"), HipErrorSetOnActiveProcess)
	}
	prev := state.opts
	state.opts = opts
	state.mu.Unlock()
	_, err := openRuntime()
	if err != nil {
		// Later calls open the runtime as they would have before.
		state.mu.Lock()
		state.opts = prev
		state.mu.Unlock()
	}
	return ret("hipInit", err)
}

// Init is hipInit: it opens the runtime (every other call does so too, as
// in HIP). flags must be 0.
func Init(flags uint32) error {
	if flags != 0 {
		return ret("hipInit", fmt.Errorf("flags %#x: want 0", flags), HipErrorInvalidValue)
	}
	_, err := openRuntime()
	return ret("hipInit", err)
}

// HALDeinit closes the runtime: every context, stream, event, module and
// allocation is destroyed, and the current device, the context stack, the
// last error and LastErrorDetail are reset. Handles from before are invalid
// afterwards. The next call opens a fresh runtime (with the options of the
// last successful InitWithOptions).
func HALDeinit() error {
	state.mu.Lock()
	rt := state.rt
	state.rt = nil
	state.device = 0
	state.retained = nil
	state.userRetains = nil
	state.mu.Unlock()
	stack.Reset()
	lastErr.Reset()
	if rt == nil {
		return nil
	}
	return ret("hipHALDeinit", rt.Close())
}

// device returns the streaming device with ordinal d.
func device(d Device) (*streaming.Device, error) {
	rt, err := openRuntime()
	if err != nil {
		return nil, err
	}
	return rt.Device(int(d))
}

// currentDevice returns the current device: that of the current context
// when the context stack is not empty, else the one hipSetDevice chose.
func currentDevice() (*streaming.Device, error) {
	rt, err := openRuntime()
	if err != nil {
		return nil, err
	}
	if c := stack.Current(); c != nil {
		return c.Device(), nil
	}
	state.mu.Lock()
	d := state.device
	state.mu.Unlock()
	return rt.Device(d)
}

// primary returns d's primary context, retaining it once on the runtime
// API's behalf (released by HALDeinit).
func primary(d *streaming.Device) (*streaming.Context, error) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if c := state.retained[d]; c != nil {
		return c, nil
	}
	c, err := d.PrimaryContext()
	if err != nil {
		return nil, err
	}
	state.retained[d] = c
	return c, nil
}

// current returns the current context: the top of the context stack, else
// the current device's primary context.
func current() (*streaming.Context, error) {
	if _, err := openRuntime(); err != nil {
		return nil, err
	}
	if c := stack.Current(); c != nil {
		return c, c.Err()
	}
	d, err := currentDevice()
	if err != nil {
		return nil, err
	}
	return primary(d)
}

// streamOf resolves a Stream argument: nil is the current context's
// default stream; a destroyed stream is an invalid-handle error.
func streamOf(s Stream) (*streaming.Stream, error) {
	if s == nil {
		c, err := current()
		if err != nil {
			return nil, err
		}
		return c.DefaultStream(), nil
	}
	return s, s.Err()
}

// errNilHandle is the cause reported for a nil handle argument.
var errNilHandle = errors.New("nil handle")
