//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
	"github.com/streamhal/streamhal/internal/capi/capitest"
	"github.com/streamhal/streamhal/streaming"
)

// The tests build the drop-in once (TestMain), compile C programs against
// Debian's HIP headers (libamdhip64-dev) and the drop-in, and run them.

var (
	lib      *capitest.Lib
	buildErr error
)

const hipHeaders = "/usr/include/hip/hip_runtime_api.h"

func TestMain(m *testing.M) {
	// Build only when a test that needs the library runs.
	code := m.Run()
	if lib != nil {
		os.RemoveAll(lib.Dir)
	}
	os.Exit(code)
}

// dropin returns the built library, building it on first use; it skips
// when the C compiler or the HIP headers are missing (fails under
// STREAM_HAL_REQUIRE=capi).
func dropin(t *testing.T) *capitest.Lib {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if haltest.Require("capi") {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := capitest.CC(); err != nil {
		skip("%v", err)
	}
	if _, err := os.Stat(hipHeaders); err != nil {
		skip("HIP headers missing (install libamdhip64-dev): %v", err)
	}
	if lib == nil && buildErr == nil {
		start := time.Now()
		lib, buildErr = capitest.Build(".", "libamdhip64.so.5", "libamdhip64.so", "libamdhip64.so.6")
		t.Logf("built the drop-in in %v", time.Since(start).Round(time.Millisecond))
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return lib
}

// compile builds testdata/name.c against the HIP headers and the drop-in.
func compile(t *testing.T, l *capitest.Lib, name string) string {
	t.Helper()
	// hip_api_demo.c is the original design's program with only its
	// include line changed; it relied on that header for stdio, stdlib and
	// math, which -include supplies.
	bin, err := l.Compile(name, filepath.Join("testdata", name+".c"), "-D__HIP_PLATFORM_AMD__",
		"-include", "stdio.h", "-include", "stdlib.h", "-include", "math.h", "-lamdhip64")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// backends are the backends the C programs run on: the one
// STREAM_HAL_TEST_TARGET names, else the CPU and Vulkan (lavapipe in CI).
func backends() []string {
	if b := os.Getenv(streaming.EnvTestTarget); b != "" {
		return []string{b}
	}
	return []string{"cpu", "vulkan"}
}

// available skips t when backend cannot open here.
func available(t *testing.T, backend string) {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{Backends: []string{backend}})
	haltest.SkipUnavailable(t, backend, err)
	rt.Close()
}

// TestDemo runs the original design's hip_api_demo.c, unmodified but for
// its include line, through the drop-in.
func TestDemo(t *testing.T) {
	l := dropin(t)
	bin := compile(t, l, "hip_api_demo")
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) {
			available(t, b)
			out, err := l.Run(2*time.Minute, bin, []string{streaming.EnvTestTarget + "=" + b}, haltest.TestdataFile(t, "vector_add.fat"))
			if err != nil || !strings.Contains(out, "Result: ✓ SUCCESS") {
				t.Fatalf("hip_api_demo: %v\n%s", err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// TestFeatures runs hip_features.c: streams, events, host functions,
// graphs, capture, pools and error strings through the C API.
func TestFeatures(t *testing.T) {
	l := dropin(t)
	bin := compile(t, l, "hip_features")
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) {
			available(t, b)
			out, err := l.Run(2*time.Minute, bin, []string{streaming.EnvTestTarget + "=" + b}, haltest.TestdataFile(t, "test_kernels.fat"))
			if err != nil || !strings.Contains(out, "PASS") {
				t.Fatalf("hip_features: %v\n%s", err, out)
			}
		})
	}
}

// TestExports checks that the library exports every hipError_t function
// of the HIP headers (implemented or a stub) and the drop-in marker, and
// that its soname is the one programs record.
func TestExports(t *testing.T) {
	l := dropin(t)
	want := []string{"streamhal_capi_dropin", "hipGetErrorName", "hipGetErrorString"}
	stubs, err := os.ReadFile("unsupported.txt")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, strings.Fields(string(stubs))...)
	want = append(want, capitest.ExportedNames(t)...)
	l.CheckExports(t, "libamdhip64.so.5", want, 300)
}

// TestNeverLoadsItself runs the demo on the HIP backend under the drop-in:
// hal/hip dlopens libamdhip64 by soname, which names the drop-in itself in
// this process, so it must recognise it and load AMD's library by path
// (Debian's libamdhip64-5 here, which finds no GPU), never call into
// itself, which would deadlock. The demo either succeeds (an AMD GPU) or
// stops at hipInit; it must not hang or crash.
func TestNeverLoadsItself(t *testing.T) {
	l := dropin(t)
	bin := compile(t, l, "hip_api_demo")
	out, err := l.Run(time.Minute, bin, []string{streaming.EnvTestTarget + "=amdgpu", streaming.EnvLogLevel + "=2"}, haltest.TestdataFile(t, "vector_add.fat"))
	if strings.Contains(out, "Result: ✓ SUCCESS") {
		return
	}
	// The driver's reason, logged at level 2, is AMD's library's (Debian's
	// libamdhip64-5 finds no device), or that none was found; had the
	// driver loaded the drop-in, it would lack symbols (the stubs are not
	// all of them) or deadlock.
	if !strings.Contains(out, "hipInit(0) returned") || !strings.Contains(out, "backend hip not available") ||
		strings.Contains(out, " lacks ") || strings.Contains(err.Error(), "timed out") || strings.Contains(err.Error(), "signal") {
		t.Fatalf("demo on the HIP backend under the drop-in: %v\n%s", err, out)
	}
	t.Logf("as expected without an AMD GPU: %s", out)

	// Named by STREAM_HAL_HIP_LIBRARY, the drop-in is refused.
	out, err = l.Run(time.Minute, bin, []string{streaming.EnvTestTarget + "=amdgpu", streaming.EnvLogLevel + "=2",
		"STREAM_HAL_HIP_LIBRARY=" + filepath.Join(l.Dir, "libamdhip64.so.5")}, haltest.TestdataFile(t, "vector_add.fat"))
	if err == nil || !strings.Contains(out, "is streamhal's drop-in, not the vendor's library") {
		t.Fatalf("demo with STREAM_HAL_HIP_LIBRARY naming the drop-in: %v\n%s", err, out)
	}
}

// TestReadmeLists checks that the README's lists of implemented and stub
// functions are the library's.
func TestReadmeLists(t *testing.T) {
	capitest.CheckReadmeLists(t, "libamdhip64: implemented", "libamdhip64: stubs returning hipErrorNotSupported")
}

// TestDeviceAttributes52 checks the translation of ROCm 5.2's
// hipDeviceAttribute_t values to package hip's: every 5.2 attribute that
// package hip knows is mapped, to the attribute of the same name.
func TestDeviceAttributes52(t *testing.T) {
	m := attrs52()
	if len(m) < 100 {
		t.Errorf("%d attributes translated, want at least 100 of the %d", len(m), len(deviceAttributes52))
	}
	for v, a := range m {
		if !slices.Contains(deviceAttributes52[v], a.String()) {
			t.Errorf("5.2 value %d (%v) translated to %v", v, deviceAttributes52[v], a)
		}
	}
	for _, c := range []struct {
		v    int
		want hip.DeviceAttribute
	}{
		{0, hip.HipDeviceAttributeEccEnabled},
		{56, hip.HipDeviceAttributeMaxThreadsPerBlock},
		{63, hip.HipDeviceAttributeMultiprocessorCount},
	} {
		if got := m[c.v]; got != c.want {
			t.Errorf("5.2 value %d: %v, want %v", c.v, got, c.want)
		}
	}
}
