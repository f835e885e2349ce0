package vulkan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// Tests run on whatever Vulkan device the machine has (lavapipe in CI; set
// STREAM_HAL_VULKAN_DEVICE to part of a device name to pick another). They
// skip, saying why, when Vulkan is not available, and fail instead when
// STREAM_HAL_REQUIRE names vulkan (or all).

func requireVulkan() bool { return haltest.Require("vulkan") }

// openDevice opens the driver and returns its first device; the instance
// is closed, and every Vulkan object checked destroyed, at cleanup.
func openDevice(t testing.TB) *device {
	t.Helper()
	inst, err := Driver{}.Open(hal.Config{Logf: func(level int, format string, args ...any) {
		t.Logf(format, args...)
	}})
	if err != nil {
		if errors.Is(err, hal.ErrNotAvailable) && !requireVulkan() {
			t.Skipf("Vulkan not available: %v", err)
		}
		t.Fatalf("open vulkan driver: %v", err)
	}
	devs := inst.Devices()
	d := devs[0].(*device)
	if name := os.Getenv("STREAM_HAL_VULKAN_DEVICE"); name != "" {
		for _, x := range devs {
			if strings.Contains(x.Info().Name, name) {
				d = x.(*device)
			}
		}
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("close instance: %v", err)
		}
		for kind, n := range d.liveObjects() {
			if n != 0 {
				t.Errorf("after Close, %d live Vulkan %s objects", n, kind)
			}
		}
	})
	return d
}

// testdataDirs lists where test files are looked up, in order:
// $STREAM_HAL_TESTDATA; $STREAM_HAL_TESTDATA/../hal/vulkan/testdata (when it
// names the repository's testdata/); this package's testdata (relative to
// the working directory, which go test makes the package directory, and
// beside the source this binary was built from); the working directory;
// the test binary's directory and its testdata/; the repository's
// testdata/ (haltest.TestdataDir).
func testdataDirs() []string {
	var dirs []string
	if d := os.Getenv("STREAM_HAL_TESTDATA"); d != "" {
		dirs = append(dirs, d, filepath.Join(d, "..", "hal", "vulkan", "testdata"))
	}
	dirs = append(dirs, "testdata")
	if _, file, _, ok := runtime.Caller(0); ok {
		dirs = append(dirs, filepath.Join(filepath.Dir(file), "testdata"))
	}
	dirs = append(dirs, ".")
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe), filepath.Join(filepath.Dir(exe), "testdata"))
	}
	if d, err := haltest.TestdataDir(); err == nil {
		dirs = append(dirs, d)
	}
	return dirs
}

// testdataPath returns the first testdataDirs entry holding name, or "".
func testdataPath(t testing.TB, name string) string {
	t.Helper()
	for _, d := range testdataDirs() {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// fallbackModules are the executables loaded from the project's modules in
// place of this package's own (see loadModuleFile).
var fallbackModules sync.Map // hal.Executable -> file name it stands for

func loadTestModule(t testing.TB, d *device) hal.Executable {
	t.Helper()
	return loadModuleFile(t, d, "vk_test_kernels.spv")
}

// loadModuleFile loads a SPIR-V test module. When this package's own
// vk_test_kernels.spv is not found it loads the project's test kernels
// through haltest (the PTX of testdata/test_kernels.fat, translated);
// kernelOf skips a test needing a kernel only ours have.
func loadModuleFile(t testing.TB, d *device, name string) hal.Executable {
	t.Helper()
	var data []byte
	p := testdataPath(t, name)
	fallback := false
	if p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data = b
	} else {
		var err error
		switch name {
		case "vk_test_kernels.spv":
			_, data, err = haltest.Kernels(d)
		default:
			err = fmt.Errorf("no fallback: %w", hal.ErrNotFound)
		}
		if err != nil {
			t.Fatalf("%s not found in %v, nor the project's module: %v (set STREAM_HAL_TESTDATA to the directory holding it)", name, testdataDirs(), err)
		}
		t.Logf("%s not found; using the project's module instead", name)
		p, fallback = "project module for "+name, true
	}
	x, err := d.Load(hal.FormatSPIRV, data)
	if err != nil {
		t.Fatalf("load %s: %v", p, err)
	}
	if fallback {
		fallbackModules.Store(x, name)
		t.Cleanup(func() { fallbackModules.Delete(x) })
	}
	return x
}

func kernelOf(t testing.TB, x hal.Executable, name string) hal.Kernel {
	t.Helper()
	k, err := x.Kernel(name)
	if err != nil {
		if own, ok := fallbackModules.Load(x); ok && errors.Is(err, hal.ErrNotFound) {
			t.Skipf("kernel %s is only in %s, which was not found: %v", name, own, err)
		}
		t.Fatal(err)
	}
	return k
}

func alloc(t testing.TB, d *device, kind hal.MemoryKind, n uint64) hal.Allocation {
	t.Helper()
	a, err := d.Allocate(kind, n)
	if err != nil {
		t.Fatalf("allocate %d bytes of %v memory: %v", n, kind, err)
	}
	return a
}

func newQueue(t testing.TB, d *device) hal.Queue {
	t.Helper()
	q, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func syncQ(t testing.TB, q hal.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := q.Synchronize(ctx); err != nil {
		t.Fatalf("synchronize: %v", err)
	}
}

func putFloats(t testing.TB, d *device, dst uint64, v []float32) {
	t.Helper()
	if len(v) == 0 {
		return
	}
	if err := d.CopyFromHost(dst, unsafe.Pointer(&v[0]), uint64(4*len(v))); err != nil {
		t.Fatalf("copy from host: %v", err)
	}
}

func getFloats(t testing.TB, d *device, src uint64, n int) []float32 {
	t.Helper()
	v := make([]float32, n)
	if err := d.CopyToHost(unsafe.Pointer(&v[0]), src, uint64(4*n)); err != nil {
		t.Fatalf("copy to host: %v", err)
	}
	return v
}

func putBytes(t testing.TB, d *device, dst uint64, v []byte) {
	t.Helper()
	if err := d.CopyFromHost(dst, unsafe.Pointer(&v[0]), uint64(len(v))); err != nil {
		t.Fatalf("copy from host: %v", err)
	}
}

func getBytes(t testing.TB, d *device, src uint64, n int) []byte {
	t.Helper()
	v := make([]byte, n)
	if err := d.CopyToHost(unsafe.Pointer(&v[0]), src, uint64(n)); err != nil {
		t.Fatalf("copy to host: %v", err)
	}
	return v
}

// poison fills device memory with a NaN pattern so that results the kernel
// never wrote cannot pass for correct ones.
func poison(t testing.TB, d *device, addr, n uint64) {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	putBytes(t, d, addr, b)
}

// args packs kernel arguments by the C natural-alignment rule.
type args struct{ b []byte }

func (a *args) align(n int) {
	for len(a.b)%n != 0 {
		a.b = append(a.b, 0)
	}
}
func (a *args) ptr(p uint64) *args {
	a.align(8)
	a.b = binary.LittleEndian.AppendUint64(a.b, p)
	return a
}
func (a *args) u32(v uint32) *args {
	a.align(4)
	a.b = binary.LittleEndian.AppendUint32(a.b, v)
	return a
}
func (a *args) f32(v float32) *args {
	a.align(4)
	a.b = binary.LittleEndian.AppendUint32(a.b, math.Float32bits(v))
	return a
}
func (a *args) u8(v uint8) *args { a.b = append(a.b, v); return a }
func (a *args) u16(v uint16) *args {
	a.align(2)
	a.b = binary.LittleEndian.AppendUint16(a.b, v)
	return a
}
func (a *args) u64(v uint64) *args {
	a.align(8)
	a.b = binary.LittleEndian.AppendUint64(a.b, v)
	return a
}
func (a *args) f64(v float64) *args {
	a.align(8)
	a.b = binary.LittleEndian.AppendUint64(a.b, math.Float64bits(v))
	return a
}
func (a *args) bytes() []byte { a.align(4); return a.b }

func launch1D(n, block uint32) hal.LaunchConfig {
	return hal.LaunchConfig{Grid: hal.Dim3{X: (n + block - 1) / block, Y: 1, Z: 1}, Block: hal.Dim3{X: block, Y: 1, Z: 1}}
}

func closeAll(t testing.TB, cs ...interface{ Close() error }) {
	t.Helper()
	for _, c := range cs {
		if err := c.Close(); err != nil {
			t.Errorf("close %T: %v", c, err)
		}
	}
}

// readTestModule returns the bytes of vk_test_kernels.spv, or of the
// project's glsl_baselines.spv (vector_add, saxpy, matrix_multiply and
// reduce_sum in GLSL) when ours is not found; own says which.
func readTestModule(t testing.TB) (data []byte, own bool) {
	t.Helper()
	p, own := testdataPath(t, "vk_test_kernels.spv"), true
	if p == "" {
		p, own = testdataPath(t, "glsl_baselines.spv"), false
	}
	if p == "" {
		t.Fatalf("neither vk_test_kernels.spv nor glsl_baselines.spv found in %v (set STREAM_HAL_TESTDATA)", testdataDirs())
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data, own
}
