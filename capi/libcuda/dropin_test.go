//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/internal/capi/capitest"
	"github.com/streamhal/streamhal/streaming"
)

// The tests build the drop-in once, compile cuda_driver.c against it
// (with cuda.h where installed, else testdata/cuda_min.h) and run it.

var (
	lib      *capitest.Lib
	buildErr error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if lib != nil {
		os.RemoveAll(lib.Dir)
	}
	os.Exit(code)
}

// dropin returns the built library, building it on first use; it skips
// without a C compiler (fails under STREAM_HAL_REQUIRE=capi).
func dropin(t testing.TB) *capitest.Lib {
	t.Helper()
	if _, err := capitest.CC(); err != nil {
		if haltest.Require("capi") {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if lib == nil && buildErr == nil {
		start := time.Now()
		lib, buildErr = capitest.Build(".", "libcuda.so.1", "libcuda.so")
		t.Logf("built the drop-in in %v", time.Since(start).Round(time.Millisecond))
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return lib
}

// TestDriverProgram runs cuda_driver.c through the drop-in: device query,
// vector add and tiled matrix multiply from PTX (on the CPU through the
// PTX translator), streams, events, graphs, capture and errors.
func TestDriverProgram(t *testing.T) {
	l := dropin(t)
	bin, err := l.Compile("cuda_driver", filepath.Join("testdata", "cuda_driver.c"), "-Itestdata", "-lcuda", "-ldl")
	if err != nil {
		t.Fatal(err)
	}
	backend := os.Getenv(streaming.EnvTestTarget)
	if backend == "" {
		backend = "cpu"
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{backend}})
	haltest.SkipUnavailable(t, backend, err)
	rt.Close()
	out, err := l.Run(3*time.Minute, bin, []string{streaming.EnvTestTarget + "=" + backend}, haltest.TestdataFile(t, "test_kernels.sm_80.ptx"))
	if err != nil || !strings.Contains(out, "PASS") {
		t.Fatalf("cuda_driver on %s: %v\n%s", backend, err, out)
	}
	t.Logf("%s", out)
}

// TestExports checks the soname, the marker and that every name of
// api.txt and every //export is a defined dynamic symbol.
func TestExports(t *testing.T) {
	l := dropin(t)
	want := []string{"streamhal_capi_dropin"}
	api, err := os.ReadFile("api.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(api), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	want = append(want, capitest.ExportedNames(t)...)
	l.CheckExports(t, "libcuda.so.1", want, 250)
}

// TestNeverLoadsItself runs the program on the CUDA backend under the
// drop-in: hal/cuda dlopens libcuda.so.1, which names the drop-in itself in
// this process, so it must recognise it and look for NVIDIA's library by
// path, never call into itself (which would deadlock). Without an NVIDIA
// driver cuInit fails; with one the program passes; it must not hang.
func TestNeverLoadsItself(t *testing.T) {
	l := dropin(t)
	bin, err := l.Compile("cuda_driver", filepath.Join("testdata", "cuda_driver.c"), "-Itestdata", "-lcuda", "-ldl")
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Run(time.Minute, bin, []string{streaming.EnvTestTarget + "=cuda", streaming.EnvLogLevel + "=2"}, haltest.TestdataFile(t, "test_kernels.sm_80.ptx"))
	if strings.Contains(out, "PASS") {
		return
	}
	// The driver's reason, logged at level 2, says it met the drop-in.
	if !strings.Contains(out, "cuInit(0) = ") || !strings.Contains(out, "is streamhal's drop-in") ||
		strings.Contains(err.Error(), "timed out") || strings.Contains(err.Error(), "signal") {
		t.Fatalf("program on the CUDA backend under the drop-in: %v\n%s", err, out)
	}
	t.Logf("as expected without an NVIDIA driver: %s", out)
}

// TestReadmeLists checks that the README's lists of implemented and stub
// functions are the library's.
func TestReadmeLists(t *testing.T) {
	capitest.CheckReadmeLists(t, "libcuda: implemented", "libcuda: stubs returning CUDA_ERROR_NOT_SUPPORTED")
}
