package hip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// required reports whether STREAM_HAL_REQUIRE names this backend ("hip" or
// "amdgpu", or "all"): tests that would skip for lack of it fail instead.
func required() bool { return haltest.Require(Name) || haltest.Require("amdgpu") }

// openWithTimeout runs Driver.Open in a goroutine so that a runtime that
// hangs (in device discovery, say) fails the test instead of stalling it.
func openWithTimeout(t *testing.T, d time.Duration) (hal.Instance, error) {
	t.Helper()
	type result struct {
		inst hal.Instance
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		inst, err := Driver{}.Open(hal.Config{Logf: func(level int, format string, args ...any) {
			t.Logf("level %d: "+format, append([]any{level}, args...)...)
		}})
		ch <- result{inst, err}
	}()
	select {
	case r := <-ch:
		return r.inst, r.err
	case <-time.After(d):
		t.Fatalf("Driver.Open did not return within %v", d)
	}
	return nil, nil
}

// openOrSkip opens the driver, skipping (or failing under
// STREAM_HAL_REQUIRE=hip/amdgpu) when HIP is not available here.
func openOrSkip(t *testing.T) hal.Instance {
	t.Helper()
	inst, err := openWithTimeout(t, 2*time.Minute)
	if err != nil {
		if errors.Is(err, hal.ErrNotAvailable) && !required() {
			t.Skipf("hip backend not available: %v", err)
		}
		t.Fatalf("hip backend: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("instance Close: %v", err)
		}
	})
	return inst
}

func TestRegistered(t *testing.T) {
	d, err := hal.Lookup("hip")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name() != "hip" {
		t.Errorf("Name() = %q", d.Name())
	}
}

// TestOpen checks the one outcome this machine allows and the shape of the
// error for the others: no library, a library but no device, or devices.
func TestOpen(t *testing.T) {
	start := time.Now()
	inst, err := openWithTimeout(t, 2*time.Minute)
	t.Logf("Open took %v: %v", time.Since(start), err)
	if err == nil {
		defer inst.Close()
		devs := inst.Devices()
		if len(devs) == 0 {
			t.Fatalf("Open succeeded with no devices")
		}
		for _, d := range devs {
			in := d.Info()
			t.Logf("device %d: %s, %s, %d MiB, %d CUs", in.Ordinal, in.Name, in.Arch, in.TotalMem>>20, in.MultiprocessorCount)
			if !strings.HasPrefix(in.Arch, "gfx") {
				t.Errorf("device %d: Arch %q, want gfx...", in.Ordinal, in.Arch)
			}
		}
		return
	}
	if !errors.Is(err, hal.ErrNotAvailable) {
		t.Fatalf("Open: %v; want nil or an error wrapping hal.ErrNotAvailable", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "hal/hip: not available: ") {
		t.Errorf("error %q does not start with %q", msg, "hal/hip: not available: ")
	}
	lib, lerr := load(Libraries)
	switch {
	case lerr != nil:
		// No runtime here: the error names the library.
		if !strings.Contains(msg, "libamdhip64.so not found (") {
			t.Errorf("error %q does not say libamdhip64.so was not found", msg)
		}
		t.Logf("no HIP runtime on this machine: %v", err)
	default:
		// A runtime without devices: the error carries hipGetDeviceCount's
		// code by name and as a hip.Error.
		t.Logf("loaded %s, runtime %s; optional functions missing: %v", lib.dl.Name, version(lib.runtime), lib.missing)
		if !strings.Contains(msg, "hipGetDeviceCount") {
			t.Errorf("error %q does not name hipGetDeviceCount", msg)
		}
		var code hipabi.Error
		if !errors.As(err, &code) {
			t.Errorf("error %q does not wrap a hip.Error", msg)
		} else if code == hipabi.HipErrorNoDevice && !strings.Contains(msg, "no AMD device (hipGetDeviceCount: hipErrorNoDevice") {
			t.Errorf("error %q: want \"no AMD device (hipGetDeviceCount: hipErrorNoDevice...\"", msg)
		}
	}
	if required() {
		t.Fatalf("STREAM_HAL_REQUIRE asks for hip: %v", err)
	}
}

// TestOpenMissingLibrary loads a library name that does not exist.
func TestOpenMissingLibrary(t *testing.T) {
	_, err := openLibrary([]string{"libamdhip64-streamhal-test-missing.so.99"})
	if !errors.Is(err, hal.ErrNotAvailable) {
		t.Fatalf("openLibrary(missing) = %v, want ErrNotAvailable", err)
	}
	want := "hal/hip: not available: libamdhip64.so not found (libamdhip64-streamhal-test-missing.so.99 not found ("
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q\nwant prefix %q", err, want)
	}
}

// TestLibrarySymbols checks, where a HIP runtime is installed, that every
// required function resolves and that the optional ones we rely on for
// fallbacks are consistent.
func TestLibrarySymbols(t *testing.T) {
	lib, err := load(Libraries)
	if err != nil {
		if !errors.Is(err, hal.ErrNotAvailable) {
			t.Fatalf("load: %v", err)
		}
		if required() {
			t.Fatalf("STREAM_HAL_REQUIRE asks for hip: %v", err)
		}
		t.Skipf("no HIP runtime: %v", err)
	}
	t.Logf("%s: runtime %s (%d), driver %d; missing optional: %v", lib.dl.Name, version(lib.runtime), lib.runtime, lib.driver, lib.missing)
	if lib.runtime < 50000000 {
		t.Errorf("runtime version %d: want ROCm 5 or later", lib.runtime)
	}
	if !lib.has("hipLaunchHostFunc") && !lib.has("hipStreamAddCallback") {
		t.Errorf("neither hipLaunchHostFunc nor hipStreamAddCallback")
	}
	// A second load returns the same library.
	again, err := load(Libraries)
	if err != nil || again != lib {
		t.Errorf("second load = %p, %v; want the first %p", again, err, lib)
	}
	// The device count is not-available or positive, never a crash.
	n, err := lib.deviceCount()
	t.Logf("deviceCount = %d, %v", n, err)
	if err != nil && !errors.Is(err, hal.ErrNotAvailable) {
		t.Errorf("deviceCount error %v does not wrap ErrNotAvailable", err)
	}
}
