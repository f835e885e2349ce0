package cuda

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// The tests run against the real libcuda.so.1 when it works. Otherwise,
// unless STREAM_HAL_REQUIRE=cuda (then every test fails) or
// STREAM_HAL_CUDA_MOCK=0, they run against mockcuda (testdata/mockcuda), a
// C test double built here with cc, so that the Go side (cgo pointer rules,
// context handling, callbacks from foreign threads, graph building) is
// exercised on machines without a GPU. Where the double cannot stand in for
// a GPU (timing, device faults) the tests skip on it.
var (
	testInst     hal.Instance
	testDevices  []hal.Device
	setupErr     error  // why the driver is not available (the skip reason)
	onMock       bool   // testing against mockcuda
	mockLib      string // path of the built mockcuda, when built
	requireCUDA  = os.Getenv("STREAM_HAL_REQUIRE") == "cuda"
	mockDisabled = os.Getenv("STREAM_HAL_CUDA_MOCK") == "0"
)

func TestMain(m *testing.M) {
	if os.Getenv("STREAM_HAL_CUDA_CHILD") != "" {
		// A subprocess started by a test: it sets up what it needs.
		os.Exit(m.Run())
	}
	inst, err := (&Driver{}).Open(hal.Config{Logf: testLogf})
	if err != nil {
		setupErr = err
		if errors.Is(err, hal.ErrNotAvailable) && !requireCUDA && !mockDisabled {
			if lib, berr := buildMock(); berr != nil {
				fmt.Fprintf(os.Stderr, "hal/cuda tests: %v; mockcuda not built: %v\n", err, berr)
			} else {
				mockLib = lib
				inst, err = (&Driver{libraries: []string{lib}}).Open(hal.Config{Logf: testLogf})
				if err != nil {
					fmt.Fprintf(os.Stderr, "hal/cuda tests: opening mockcuda: %v\n", err)
				} else {
					onMock = true
					fmt.Fprintf(os.Stderr, "hal/cuda tests: %v; testing against the mockcuda test double\n", setupErr)
					setupErr = nil
				}
			}
		}
	}
	if inst != nil {
		testInst = inst
		testDevices = inst.Devices()
	}
	code := m.Run()
	printBenchTable()
	if testInst != nil {
		if err := testInst.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "hal/cuda tests: close: %v\n", err)
			code = 1
		}
	}
	if mockLib != "" {
		os.RemoveAll(filepath.Dir(mockLib))
	}
	os.Exit(code)
}

func testLogf(level int, format string, args ...any) {
	if level <= 2 || os.Getenv("STREAM_HAL_LOG_LEVEL") >= fmt.Sprint(level) {
		fmt.Fprintf(os.Stderr, "log%d: "+format+"\n", append([]any{level}, args...)...)
	}
}

// buildMock compiles testdata/mockcuda into a temporary directory.
func buildMock() (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "mockcuda")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "libmockcuda.so")
	cmd := exec.Command(cc, "-shared", "-fPIC", "-O1", "-pthread", "-o", out, "testdata/mockcuda/mockcuda.c")
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%v: %s", err, msg)
	}
	return out, nil
}

// testDevice returns device 0, skipping (or failing with STREAM_HAL_REQUIRE=cuda)
// when the driver is not available.
func testDevice(t testing.TB) hal.Device {
	t.Helper()
	if len(testDevices) == 0 {
		err := setupErr
		if err == nil {
			err = errors.New("hal/cuda: no device")
		}
		if requireCUDA {
			t.Fatalf("STREAM_HAL_REQUIRE=cuda: %v", err)
		}
		t.Skip(err.Error())
	}
	return testDevices[0]
}

func skipOnMock(t testing.TB, why string) {
	t.Helper()
	if onMock {
		t.Skipf("mockcuda cannot stand in for a GPU here: %s", why)
	}
}

// readTestdata finds a file of the repository's testdata directory (or a
// testdata directory next to the test binary, as on the GPU machine).
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	for _, dir := range []string{"../../testdata", "testdata"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return b
		}
	}
	t.Fatalf("testdata/%s not found", name)
	return nil
}

// ---- helpers ----

var bg = context.Background()

// packer builds a kernel argument buffer by the C natural-alignment rule,
// independently of the driver.
type packer struct{ b []byte }

func (p *packer) align(n int) {
	for len(p.b)%n != 0 {
		p.b = append(p.b, 0)
	}
}
func (p *packer) u8(v uint8)   { p.b = append(p.b, v) }
func (p *packer) u16(v uint16) { p.align(2); p.b = binary.LittleEndian.AppendUint16(p.b, v) }
func (p *packer) u32(v uint32) { p.align(4); p.b = binary.LittleEndian.AppendUint32(p.b, v) }
func (p *packer) u64(v uint64) { p.align(8); p.b = binary.LittleEndian.AppendUint64(p.b, v) }
func (p *packer) f32(v float32) {
	p.u32(math.Float32bits(v))
}
func (p *packer) f64(v float64) { p.u64(math.Float64bits(v)) }

// buffer is a device allocation freed at the end of the test.
func alloc(t testing.TB, d hal.Device, kind hal.MemoryKind, n uint64) hal.Allocation {
	t.Helper()
	a, err := d.Allocate(kind, n)
	if err != nil {
		t.Fatalf("Allocate(%v, %d): %v", kind, n, err)
	}
	t.Cleanup(func() {
		if err := d.Free(kind, a.Device); err != nil {
			t.Errorf("Free(%v, %#x): %v", kind, a.Device, err)
		}
	})
	return a
}

func upload[T any](t testing.TB, d hal.Device, dst uint64, src []T) {
	t.Helper()
	if len(src) == 0 {
		return
	}
	n := uint64(len(src)) * uint64(unsafe.Sizeof(src[0]))
	if err := d.CopyFromHost(dst, unsafe.Pointer(&src[0]), n); err != nil {
		t.Fatalf("CopyFromHost(%#x, %d bytes): %v", dst, n, err)
	}
}

func download[T any](t testing.TB, d hal.Device, dst []T, src uint64) {
	t.Helper()
	if len(dst) == 0 {
		return
	}
	n := uint64(len(dst)) * uint64(unsafe.Sizeof(dst[0]))
	if err := d.CopyToHost(unsafe.Pointer(&dst[0]), src, n); err != nil {
		t.Fatalf("CopyToHost(%d bytes, %#x): %v", n, src, err)
	}
}

func newQueue(t testing.TB, d hal.Device) hal.Queue {
	t.Helper()
	q, err := d.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func drain(t testing.TB, q hal.Queue) {
	t.Helper()
	if err := q.Synchronize(bg); err != nil {
		t.Fatalf("Synchronize: %v", err)
	}
}

// loadTestKernels loads the project's PTX.
func loadTestKernels(t testing.TB, d hal.Device) hal.Executable {
	t.Helper()
	exe, err := d.Load(hal.FormatPTX, readTestdata(t, "test_kernels.sm_90.ptx"))
	if err != nil {
		t.Fatalf("Load(test_kernels.sm_90.ptx): %v", err)
	}
	t.Cleanup(func() { exe.Close() })
	return exe
}

func kernelOf(t testing.TB, exe hal.Executable, name string) hal.Kernel {
	t.Helper()
	k, err := exe.Kernel(name)
	if err != nil {
		t.Fatalf("Kernel(%q): %v", name, err)
	}
	return k
}

func poisonF32(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

func ramp(n int, scale, offset float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i%1000)*scale + offset
	}
	return s
}

func ceilDiv(a, b uint32) uint32 { return (a + b - 1) / b }
