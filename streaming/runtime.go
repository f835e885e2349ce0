package streaming

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamhal/streamhal/hal"
	_ "github.com/streamhal/streamhal/hal/all" // the default driver set
)

// Environment variables read by Open for options left at their zero value.
const (
	EnvTestTarget    = "STREAM_HAL_TEST_TARGET"    // cpu, vulkan, cuda, amdgpu (or hip): restrict to one backend
	EnvDeviceOrdinal = "STREAM_HAL_DEVICE_ORDINAL" // ordinal of the default device
	EnvLogLevel      = "STREAM_HAL_LOG_LEVEL"      // 0 silent .. 5 verbose
	EnvCPUDevices    = "STREAM_HAL_CPU_DEVICES"    // number of CPU devices (default 1)
)

// Options configure a Runtime. The zero value is usable: every field left
// zero takes its value from the environment, then from the default.
type Options struct {
	// Backends restricts the drivers opened, by registry name ("cpu",
	// "cuda", "hip", "vulkan"; "amdgpu" means "hip"). Empty means
	// STREAM_HAL_TEST_TARGET if set, else every registered driver.
	Backends []string
	// DefaultDevice is the ordinal Runtime.Default returns; 0 means
	// STREAM_HAL_DEVICE_ORDINAL if set, else 0.
	DefaultDevice int
	// LogLevel from 1 (errors) to 5 (verbose); 0 means STREAM_HAL_LOG_LEVEL,
	// else silent.
	LogLevel int
	// LogOutput receives log lines; nil means standard error.
	LogOutput io.Writer
	// CPUDevices is the number of CPU devices; 0 means
	// STREAM_HAL_CPU_DEVICES, else 1.
	CPUDevices int
	// IgnoreEnvironment makes Open read no environment variables.
	IgnoreEnvironment bool
}

// BackendStatus says whether one driver could be opened.
type BackendStatus struct {
	Name    string
	Devices int
	Err     error // why the driver is not available; nil when it opened
}

// Runtime is an opened set of drivers and their devices, enumerated
// together with stable ordinals: drivers in the order cpu, cuda, hip,
// vulkan (then others by name), each driver's devices in its own order.
// A Runtime is safe for concurrent use.
type Runtime struct {
	opts      Options
	logger    *log.Logger
	level     int
	instances []hal.Instance
	devices   []*Device
	statuses  []BackendStatus
	defaultID int
	ptrs      ptrTable
	advice    adviceTable // MemAdvise and MemPrefetchAsync records of managed memory
	// capturing counts streams being captured in global or thread-local
	// mode, during which some calls on other streams are illegal.
	capturing atomic.Int32
	captures  atomic.Int32 // captures of any mode in progress

	mu     sync.Mutex
	closed bool

	// driverUsers counts calls that use driver objects outside a stream's
	// submission lock (allocations, releases, teardowns, Close and
	// creation of streams, events, modules and graph execs, waits, host
	// copies); Close waits for them before it closes the drivers, and
	// once driversClosed is set new ones fail with ErrDeinitialized
	// instead of reaching a closed driver.
	driverUsers   atomic.Int64
	driversClosed atomic.Bool
	leaveDrivers  func()
}

// holdDrivers keeps Close from closing the drivers until release runs; it
// fails once they are closed. It never blocks, so holders may nest.
func (rt *Runtime) holdDrivers(what string) (release func(), err error) {
	// With driverUsers raised before driversClosed is read, and Close
	// setting driversClosed before it reads driverUsers, either this call
	// sees the drivers closed or Close sees this call (sequentially
	// consistent atomics).
	rt.driverUsers.Add(1)
	if rt.driversClosed.Load() {
		rt.driverUsers.Add(-1)
		return nil, fmt.Errorf("streaming: %s: runtime closed: %w", what, ErrDeinitialized)
	}
	return rt.leaveDrivers, nil
}

// driverCloseWait bounds how long Close waits for calls still using the
// drivers (a Synchronize on a kernel that never ends, say) before it gives
// up and leaves the drivers open rather than closing them under a caller.
const driverCloseWait = 30 * time.Second

// waitDriverUsers marks the drivers closed and waits for the calls still
// using them; false when some remain after driverCloseWait.
func (rt *Runtime) waitDriverUsers() bool {
	rt.driversClosed.Store(true)
	deadline := time.Now().Add(driverCloseWait)
	for rt.driverUsers.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Microsecond)
	}
	return true
}

func envInt(opts Options, name string) (int, bool, error) {
	if opts.IgnoreEnvironment {
		return 0, false, nil
	}
	s := os.Getenv(name)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, false, fmt.Errorf("streaming: %s=%q is not a number: %w", name, s, ErrInvalidValue)
	}
	return v, true, nil
}

// Open opens the drivers selected by opts. It fails when a backend that was
// asked for explicitly (by Options.Backends or STREAM_HAL_TEST_TARGET) cannot
// be opened, or when no device at all is available.
func Open(opts Options) (*Runtime, error) {
	rt := &Runtime{opts: opts}
	rt.leaveDrivers = func() { rt.driverUsers.Add(-1) }
	rt.level = opts.LogLevel
	if rt.level == 0 {
		v, _, err := envInt(opts, EnvLogLevel)
		if err != nil {
			return nil, err
		}
		rt.level = v
	}
	out := opts.LogOutput
	if out == nil {
		out = os.Stderr
	}
	rt.logger = log.New(out, "streamhal: ", log.LstdFlags|log.Lmicroseconds)

	backends := opts.Backends
	explicit := len(backends) > 0
	if !explicit && !opts.IgnoreEnvironment {
		if t := strings.TrimSpace(os.Getenv(EnvTestTarget)); t != "" {
			backends = strings.Split(t, ",")
			explicit = true
		}
	}
	names := hal.Drivers()
	if explicit {
		names = names[:0:0]
		for _, b := range backends {
			b = strings.ToLower(strings.TrimSpace(b))
			if b == "amdgpu" || b == "rocm" {
				b = "hip"
			}
			if b == "llvm-cpu" || b == "local-task" || b == "local-sync" {
				b = "cpu"
			}
			if _, err := hal.Lookup(b); err != nil {
				return nil, fmt.Errorf("streaming: backend %q: %w", b, err)
			}
			names = append(names, b)
		}
	}
	cpuDevices := opts.CPUDevices
	if cpuDevices == 0 {
		v, ok, err := envInt(opts, EnvCPUDevices)
		if err != nil {
			return nil, err
		}
		if ok {
			if v < 1 {
				return nil, fmt.Errorf("streaming: %s=%d: want at least 1: %w", EnvCPUDevices, v, ErrInvalidValue)
			}
			cpuDevices = v
		}
	}
	for _, name := range names {
		cfg := hal.Config{Logf: rt.logf}
		if name == "cpu" {
			cfg.Devices = cpuDevices
		}
		inst, err := hal.Open(name, cfg)
		st := BackendStatus{Name: name, Err: err}
		if err != nil {
			rt.logf(2, "backend %s not available: %v", name, err)
			rt.statuses = append(rt.statuses, st)
			if explicit {
				rt.Close()
				return nil, fmt.Errorf("streaming: backend %s: %w", name, err)
			}
			continue
		}
		rt.instances = append(rt.instances, inst)
		for _, hd := range inst.Devices() {
			d := newDevice(rt, hd, len(rt.devices))
			rt.devices = append(rt.devices, d)
			st.Devices++
			rt.logf(3, "device %d: %s (%s)", d.ordinal, d.info.Name, name)
		}
		rt.statuses = append(rt.statuses, st)
	}
	if len(rt.devices) == 0 {
		var reasons []string
		for _, s := range rt.statuses {
			reasons = append(reasons, fmt.Sprintf("%s: %v", s.Name, s.Err))
		}
		rt.Close()
		return nil, fmt.Errorf("streaming: no devices available (%s): %w", strings.Join(reasons, "; "), ErrNotAvailable)
	}
	rt.defaultID = opts.DefaultDevice
	if rt.defaultID == 0 {
		v, ok, err := envInt(opts, EnvDeviceOrdinal)
		if err != nil {
			rt.Close()
			return nil, err
		}
		if ok {
			rt.defaultID = v
		}
	}
	if rt.defaultID < 0 || rt.defaultID >= len(rt.devices) {
		n := len(rt.devices)
		rt.Close()
		return nil, fmt.Errorf("streaming: default device %d: have %d devices: %w", rt.defaultID, n, ErrInvalidDevice)
	}
	return rt, nil
}

func (rt *Runtime) logf(level int, format string, args ...any) {
	if level <= rt.level {
		rt.logger.Printf(format, args...)
	}
}

// Devices lists every device in ordinal order.
func (rt *Runtime) Devices() []*Device { return append([]*Device(nil), rt.devices...) }

// DeviceCount is len(Devices()).
func (rt *Runtime) DeviceCount() int { return len(rt.devices) }

// Device returns the device with the given ordinal.
func (rt *Runtime) Device(ordinal int) (*Device, error) {
	if ordinal < 0 || ordinal >= len(rt.devices) {
		return nil, fmt.Errorf("streaming: device %d: have %d devices: %w", ordinal, len(rt.devices), ErrInvalidDevice)
	}
	return rt.devices[ordinal], nil
}

// Default returns the default device (Options.DefaultDevice or
// STREAM_HAL_DEVICE_ORDINAL, else device 0).
func (rt *Runtime) Default() *Device { return rt.devices[rt.defaultID] }

// Backends reports each driver that Open tried, with why it is not
// available when it is not.
func (rt *Runtime) Backends() []BackendStatus { return append([]BackendStatus(nil), rt.statuses...) }

// Close destroys every context and closes every driver. Memory and objects
// of the runtime must not be used afterwards; calls that race Close fail
// cleanly (ErrDeinitialized, ErrInvalidContext) and nothing is freed
// twice. A second Close returns nil.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	rt.mu.Unlock()
	var errs []error
	for _, d := range rt.devices {
		if err := d.close(); err != nil {
			errs = append(errs, err)
		}
	}
	// Wait for calls that use the drivers and started before the devices
	// were closed; none starts after this.
	if !rt.waitDriverUsers() {
		n := rt.driverUsers.Load()
		rt.logf(1, "Close: %d calls still use the drivers after %v; the drivers stay open", n, driverCloseWait)
		return errors.Join(append(errs, fmt.Errorf("streaming: close runtime: %d calls still use the drivers after %v, which stay open (their memory and threads leak): %w", n, driverCloseWait, ErrIllegalState))...)
	}
	for _, in := range rt.instances {
		if err := in.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (rt *Runtime) isClosed() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.closed
}
