package vulkan

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
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

// testdataPath finds a testdata file: $STREAM_HAL_TESTDATA first, then
// ./testdata (the package directory when run by go test, or next to a test
// binary run by hand), then the repository's top-level testdata.
func testdataPath(t testing.TB, name string) string {
	t.Helper()
	var dirs []string
	if d := os.Getenv("STREAM_HAL_TESTDATA"); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, "testdata", ".", filepath.Join("..", "..", "testdata"))
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe), filepath.Join(filepath.Dir(exe), "testdata"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func loadTestModule(t testing.TB, d *device) hal.Executable {
	t.Helper()
	return loadModuleFile(t, d, "vk_test_kernels.spv")
}

func loadModuleFile(t testing.TB, d *device, name string) hal.Executable {
	t.Helper()
	p := testdataPath(t, name)
	if p == "" {
		t.Fatalf("%s not found (set STREAM_HAL_TESTDATA to the directory holding it)", name)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	x, err := d.Load(hal.FormatSPIRV, data)
	if err != nil {
		t.Fatalf("load %s: %v", p, err)
	}
	return x
}

func kernelOf(t testing.TB, x hal.Executable, name string) hal.Kernel {
	t.Helper()
	k, err := x.Kernel(name)
	if err != nil {
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

func readTestModule(t testing.TB) []byte {
	t.Helper()
	p := testdataPath(t, "vk_test_kernels.spv")
	if p == "" {
		t.Fatalf("vk_test_kernels.spv not found (set STREAM_HAL_TESTDATA)")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
