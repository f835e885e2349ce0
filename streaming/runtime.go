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
)

// Environment variables read by Open for options left at their zero value.
const (
	EnvTestTarget    = "STREAM_HAL_TEST_TARGET"    // cpu, vulkan, cuda, amdgpu (or hip): restrict to one backend
	EnvDeviceOrdinal = "STREAM_HAL_DEVICE_ORDINAL" // ordinal of the default device
	EnvLogLevel      = "STREAM_HAL_LOG_LEVEL"      // 0 silent .. 5 verbose
	EnvCPUDevices    = "STREAM_HAL_CPU_DEVICES"    // number of CPU devices (default 1)
	EnvCPUMemory     = "STREAM_HAL_CPU_MEMORY"     // CPU devices' memory budget ("8GiB"; default: what the host can give)
	EnvCPUMemcheck   = "STREAM_HAL_CPU_MEMCHECK"   // 1: the CPU backend's memory-checking mode
	EnvCloseTimeout  = "STREAM_HAL_CLOSE_TIMEOUT"  // how long Close waits for running work ("30s", or seconds)
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
	// CPUMemory is the memory budget of the CPU devices in bytes, shared
	// by all of them: allocations beyond it fail with ErrOutOfMemory and
	// MemGetInfo reports what is left of it. 0 means STREAM_HAL_CPU_MEMORY
	// ("8GiB"), else what the host can give when the runtime opens
	// (MemAvailable, or the memory cgroup's limit when lower).
	CPUMemory uint64
	// CPUMemcheck turns on the CPU backend's memory-checking mode
	// (STREAM_HAL_CPU_MEMCHECK=1): guard pages around every allocation and
	// quarantined frees, so that a kernel reading or writing past a
	// buffer, or after its free, fails with ErrIllegalAddress naming the
	// allocation (see hal/cpu).
	CPUMemcheck bool
	// CloseTimeout bounds how long closing the runtime, a context or a
	// device waits for work that is still running (a kernel that never
	// ends); then Close gives up with an error wrapping ErrTimeout that says
	// what was left running and what is kept allocated for it. 0 means
	// STREAM_HAL_CLOSE_TIMEOUT ("45s", or a number of seconds), else 30 s.
	CloseTimeout time.Duration
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
	// closeTimeout is Options.CloseTimeout or its default.
	closeTimeout time.Duration
	kept         keptAlive   // what teardowns that gave up keep reachable
	advice       adviceTable // MemAdvise and MemPrefetchAsync records of managed memory
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

// minDriverWait is the least Close waits for calls still using the
// drivers, even when the close timeout was spent on work that never ended.
const minDriverWait = 100 * time.Millisecond

// waitDriverUsers marks the drivers closed and waits for the calls still
// using them (a Synchronize on a kernel that never ends, say) until
// deadline, or minDriverWait from now if that is later; false when some
// remain, and Close then leaves the drivers open rather than closing them
// under a caller.
func (rt *Runtime) waitDriverUsers(deadline time.Time) bool {
	rt.driversClosed.Store(true)
	if least := time.Now().Add(minDriverWait); deadline.Before(least) {
		deadline = least
	}
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
	if len(names) == 0 {
		// Like database/sql, the core never imports a driver: the program
		// links the ones it wants.
		return nil, fmt.Errorf("streaming: no driver registered (import github.com/streamhal/streamhal/hal/all for every driver, or a driver package such as hal/cpu): %w", ErrNotAvailable)
	}
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
	cpuMemory := opts.CPUMemory
	if cpuMemory == 0 && !opts.IgnoreEnvironment {
		if s := os.Getenv(EnvCPUMemory); s != "" {
			v, err := hal.ParseBytes(s)
			if err != nil || v == 0 {
				return nil, fmt.Errorf("streaming: %s=%q: want a size such as 8GiB: %w", EnvCPUMemory, s, ErrInvalidValue)
			}
			cpuMemory = v
		}
	}
	cpuMemcheck := opts.CPUMemcheck
	if !cpuMemcheck && !opts.IgnoreEnvironment {
		switch s := strings.TrimSpace(os.Getenv(EnvCPUMemcheck)); s {
		case "", "0", "false":
		case "1", "true":
			cpuMemcheck = true
		default:
			return nil, fmt.Errorf("streaming: %s=%q: want 1 or 0: %w", EnvCPUMemcheck, s, ErrInvalidValue)
		}
	}
	rt.closeTimeout = opts.CloseTimeout
	if rt.closeTimeout == 0 && !opts.IgnoreEnvironment {
		if s := strings.TrimSpace(os.Getenv(EnvCloseTimeout)); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil {
				n, nerr := strconv.ParseFloat(s, 64)
				d, err = time.Duration(n*float64(time.Second)), nerr
			}
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("streaming: %s=%q: want a duration such as 30s: %w", EnvCloseTimeout, s, ErrInvalidValue)
			}
			rt.closeTimeout = d
		}
	}
	if rt.closeTimeout <= 0 {
		rt.closeTimeout = hal.DefaultCloseTimeout
	}
	for _, name := range names {
		cfg := hal.Config{Logf: rt.logf, CloseTimeout: rt.closeTimeout}
		if name == "cpu" {
			cfg.Devices = cpuDevices
			cfg.Memory = cpuMemory
			cfg.Memcheck = cpuMemcheck
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
// twice. A second Close returns nil. It waits for running work at most
// Options.CloseTimeout (for all devices together): work still running then
// is given up, what it may use stays allocated, and the error (wrapping
// ErrTimeout) says which kernels and devices.
func (rt *Runtime) Close() error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return nil
	}
	rt.closed = true
	rt.mu.Unlock()
	deadline := time.Now().Add(rt.closeTimeout)
	errs := make([]error, len(rt.devices))
	var wg sync.WaitGroup
	for i, d := range rt.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.close(deadline)
		}()
	}
	wg.Wait()
	// Wait for calls that use the drivers and started before the devices
	// were closed; none starts after this. They get what is left of the
	// close timeout (a moment at least).
	if !rt.waitDriverUsers(deadline) {
		n := rt.driverUsers.Load()
		rt.logf(1, "Close: %d calls still use the drivers after the close timeout (%v); the drivers stay open", n, rt.closeTimeout)
		return errors.Join(append(errs, fmt.Errorf("streaming: close runtime: %d calls still use the drivers after the close timeout (%v), which stay open (their memory and threads leak): %w", n, rt.closeTimeout, ErrIllegalState))...)
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
