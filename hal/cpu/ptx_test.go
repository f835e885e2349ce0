package cpu_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/modfile"
)

// The CPU backend runs PTX by translating it to C and compiling that with
// the system C compiler. These tests need one; without it they skip, and
// with STREAM_HAL_REQUIRE=cpu-ptx they fail.

func needCC(t *testing.T) {
	t.Helper()
	cc := strings.Fields(os.Getenv("CC"))
	names := []string{"cc", "gcc", "clang"}
	if len(cc) > 0 {
		names = cc[:1]
	}
	for _, n := range names {
		if _, err := exec.LookPath(n); err == nil {
			return
		}
	}
	if haltest.Require("cpu-ptx") {
		t.Fatalf("STREAM_HAL_REQUIRE=cpu-ptx: no C compiler (%v) to build PTX with", names)
	}
	t.Skipf("no C compiler (%v): the CPU backend cannot build PTX (set STREAM_HAL_REQUIRE=cpu-ptx to make this a failure)", names)
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	dir, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// uniquePTX makes src a module of its own: the same code under another
// hash, so that no cache (of this process or on disk) has it yet.
func uniquePTX(t *testing.T, src []byte) []byte {
	return fmt.Appendf(append([]byte(nil), src...), "\n// %s %d\n", t.Name(), time.Now().UnixNano())
}

// TestConformancePTX runs the whole conformance suite on the CPU backend
// with the project's CUDA test kernels (kernels/gpu/test_kernels.cu, built
// by clang) loaded as PTX: translated, compiled and run on the CPU.
// TestConformanceFat runs the suite with the cpu-elf entry of
// testdata/test_kernels.fat: the CUDA test kernels translated by ptx/cgen
// ahead of time (streamhal build), as a program loading the fat module
// gets them. TestConformance runs the hand-written SHAL C library.
func TestConformanceFat(t *testing.T) {
	haltest.Run(t, cpu.Driver{}, haltest.Options{
		Config: hal.Config{Devices: 1},
		Module: func(dev hal.Device) (hal.Format, []byte, error) {
			f, b, err := haltest.FatKernels(dev)
			if err == nil && f != hal.FormatCPUELF {
				err = fmt.Errorf("test_kernels.fat gave %s, want its cpu-elf entry", f)
			}
			return f, b, err
		},
	})
}

func TestConformancePTX(t *testing.T) {
	needCC(t)
	for _, name := range []string{"test_kernels.sm_80.ptx", "test_kernels.sm_90.ptx"} {
		t.Run(name, func(t *testing.T) {
			src := readTestdata(t, name)
			haltest.Run(t, cpu.Driver{}, haltest.Options{
				Config: hal.Config{Devices: 1},
				Module: func(hal.Device) (hal.Format, []byte, error) { return hal.FormatPTX, src, nil },
			})
		})
	}
}

// ptxRig is a CPU device with a queue.
type ptxRig struct {
	inst hal.Instance
	dev  hal.Device
	q    hal.Queue
}

func newPTXRig(t *testing.T) *ptxRig {
	t.Helper()
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := &ptxRig{inst: inst, dev: inst.Devices()[0]}
	if r.q, err = r.dev.NewQueue(hal.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.q.Close(); err != nil {
			t.Errorf("queue Close: %v", err)
		}
		if err := r.inst.Close(); err != nil {
			t.Errorf("instance Close: %v", err)
		}
	})
	return r
}

func (r *ptxRig) load(t *testing.T, format hal.Format, data []byte) hal.Executable {
	t.Helper()
	exe, err := r.dev.Load(format, data)
	if err != nil {
		t.Fatalf("Load(%s, %d bytes): %v", format, len(data), err)
	}
	t.Cleanup(func() {
		if err := exe.Close(); err != nil {
			t.Errorf("module Close: %v", err)
		}
	})
	return exe
}

func (r *ptxRig) alloc(t *testing.T, n uint64) hal.Allocation {
	t.Helper()
	a, err := r.dev.Allocate(hal.MemoryDevice, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.dev.Free(hal.MemoryDevice, a.Device) })
	return a
}

func (r *ptxRig) launch(t *testing.T, exe hal.Executable, name string, cfg hal.LaunchConfig) error {
	t.Helper()
	k, err := exe.Kernel(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.q.Dispatch(k, cfg); err != nil {
		return err
	}
	return r.q.Synchronize(context.Background())
}

// checkVectorAdd runs vector_add of exe on poisoned output and compares it
// with a Go loop.
func (r *ptxRig) checkVectorAdd(t *testing.T, exe hal.Executable) {
	t.Helper()
	const n = 3000
	a, b, c := r.alloc(t, 4*n), r.alloc(t, 4*n), r.alloc(t, 4*n)
	av, bv, cv := f32s(a, n), f32s(b, n), f32s(c, n)
	for i := range av {
		av[i], bv[i], cv[i] = float32(i)*0.5, float32(3*i)-7, float32(math.NaN())
	}
	err := r.launch(t, exe, "vector_add", hal.LaunchConfig{Grid: d1((n + 255) / 256), Block: d1(256),
		Args: pack(a.Device, b.Device, c.Device, uint32(n))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cv {
		if want := av[i] + bv[i]; cv[i] != want {
			t.Fatalf("vector_add: c[%d] = %v, want %v", i, cv[i], want)
		}
	}
}

func f32s(a hal.Allocation, n int) []float32 { return unsafe.Slice((*float32)(a.Host), n) }

// TestLoadPTXContainers loads the test kernels' PTX from every container
// that can hold it and runs one.
func TestLoadPTXContainers(t *testing.T) {
	needCC(t)
	ptx := readTestdata(t, "test_kernels.sm_80.ptx")
	ptx90 := readTestdata(t, "test_kernels.sm_90.ptx")
	cubin := []byte("\x7fELF not a real cubin, only a decoy entry")
	for _, c := range []struct {
		name   string
		format hal.Format
		data   []byte
	}{
		{"bare ptx", hal.FormatPTX, ptx},
		{"fatbin", hal.FormatFatbin, fatbin(fbEntry{kind: 2, arch: 80, payload: cubin}, fbEntry{kind: 1, arch: 80, major: 7, minor: 0, payload: ptx})},
		{"fatbin, lz4-compressed PTX", hal.FormatFatbin, fatbin(fbEntry{kind: 1, arch: 80, major: 7, minor: 0, payload: ptx, lz4: true})},
		{"fatbin, two PTX entries", hal.FormatFatbin, fatbin(fbEntry{kind: 1, arch: 80, major: 7, minor: 0, payload: ptx}, fbEntry{kind: 1, arch: 90, major: 7, minor: 8, payload: ptx90})},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f, err := modfile.Detect(c.data); err != nil || f != c.format {
				t.Fatalf("Detect = %v, %v; want %s", f, err, c.format)
			}
			r := newPTXRig(t)
			r.checkVectorAdd(t, r.load(t, c.format, c.data))
		})
	}
	t.Run("fatbin without PTX", func(t *testing.T) {
		r := newPTXRig(t)
		_, err := r.dev.Load(hal.FormatFatbin, fatbin(fbEntry{kind: 2, arch: 80, payload: cubin}))
		if !errors.Is(err, hal.ErrNoBinaryForDevice) {
			t.Fatalf("Load(fatbin of a cubin) = %v, want ErrNoBinaryForDevice", err)
		}
	})
	t.Run("formats", func(t *testing.T) {
		r := newPTXRig(t)
		got := fmt.Sprint(r.dev.Formats())
		if want := fmt.Sprint([]hal.Format{hal.FormatCPUELF, hal.FormatPTX, hal.FormatFatbin}); got != want {
			t.Errorf("Formats() = %s, want %s (a CPU library first)", got, want)
		}
		// A fat module with a CPU library and PTX: the library is chosen.
		fat, err := modfile.BuildFat([]modfile.FatEntry{
			{Format: hal.FormatPTX, Target: "sm_80", Data: ptx},
			{Format: hal.FormatCPUELF, Target: cpu.Arch(), Data: readTestdata(t, "test_kernels."+cpu.Arch()+".so")},
		})
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := modfile.ParseFat(fat)
		e, err := modfile.Select(entries, r.dev.Formats(), r.dev.Info().Arch)
		if err != nil || e.Format != hal.FormatCPUELF {
			t.Errorf("Select = %v, %v; want the cpu-elf entry", e, err)
		}
		// Without the library, its PTX.
		e, err = modfile.Select(entries[:1], r.dev.Formats(), r.dev.Info().Arch)
		if err != nil || e.Format != hal.FormatPTX {
			t.Errorf("Select = %v, %v; want the ptx entry", e, err)
		}
	})
}

// fbEntry is one entry of a test fatbin: kind 1 PTX, 2 ELF.
type fbEntry struct {
	kind, arch   int
	major, minor int
	payload      []byte
	lz4          bool
}

// fatbin writes an NVIDIA fatbin container as hal/modfile documents the
// layout (fatbin.go): a 16-byte header, then per entry a 64-byte header
// and the payload padded to 8 bytes. A compressed payload is one LZ4 block
// of literals only, a valid block any decompressor reads.
func fatbin(entries ...fbEntry) []byte {
	le := binary.LittleEndian
	var body []byte
	for _, e := range entries {
		stored := e.payload
		var flags uint64 = 0x1 // 64-bit
		var csize uint32
		var usize uint64
		if e.lz4 {
			stored = lz4Literals(e.payload)
			flags |= 0x2000
			csize, usize = uint32(len(stored)), uint64(len(e.payload))
		}
		padded := (len(stored) + 7) &^ 7
		h := make([]byte, 64)
		le.PutUint16(h[0:], uint16(e.kind))
		le.PutUint16(h[2:], 0x0101)
		le.PutUint32(h[4:], 64)
		le.PutUint64(h[8:], uint64(padded))
		le.PutUint32(h[16:], csize)
		le.PutUint16(h[24:], uint16(e.minor))
		le.PutUint16(h[26:], uint16(e.major))
		le.PutUint32(h[28:], uint32(e.arch))
		le.PutUint64(h[40:], flags)
		le.PutUint64(h[56:], usize)
		body = append(body, h...)
		body = append(body, stored...)
		body = append(body, make([]byte, padded-len(stored))...)
	}
	out := make([]byte, 16, 16+len(body))
	le.PutUint32(out, 0xBA55ED50)
	le.PutUint16(out[4:], 1)
	le.PutUint16(out[6:], 16)
	le.PutUint64(out[8:], uint64(len(body)))
	return append(out, body...)
}

// lz4Literals is an LZ4 block holding src as one run of literals.
func lz4Literals(src []byte) []byte {
	n := len(src)
	out := []byte{byte(min(n, 15) << 4)}
	if n >= 15 {
		for n -= 15; n >= 255; n -= 255 {
			out = append(out, 255)
		}
		out = append(out, byte(n))
	}
	return append(out, src...)
}

// refusedPTX uses a texture, which the CPU cannot run.
const refusedPTX = `.version 7.0
.target sm_80
.address_size 64
.visible .entry k() {
  .reg .f32 %f<5>;
  .reg .b64 %rd<2>;
  tex.2d.v4.f32.f32 {%f1,%f2,%f3,%f4}, [%rd1, {%f1,%f2}];
}
`

// TestPTXErrors: PTX the translator refuses is ErrInvalidPTX (and
// ErrInvalidImage), with a JIT-log-like message naming the instruction and
// its line; a missing or broken compiler is ErrNotSupported saying what to
// install; garbage is ErrInvalidImage; nothing is cached.
func TestPTXErrors(t *testing.T) {
	r := newPTXRig(t)
	_, err := r.dev.Load(hal.FormatPTX, []byte(refusedPTX))
	if !errors.Is(err, hal.ErrInvalidPTX) || !errors.Is(err, hal.ErrInvalidImage) {
		t.Fatalf("texture PTX: %v, want ErrInvalidPTX and ErrInvalidImage", err)
	}
	for _, want := range []string{"line 7", "tex.2d", "textures are not supported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("texture PTX: %q does not say %q", err, want)
		}
	}
	if _, err := r.dev.Load(hal.FormatPTX, []byte(".version 7.0\n.target sm_80\n.address_size 64\n.visible .entry k() {\n  frobnicate.u32 %r1;\n}\n")); !errors.Is(err, hal.ErrInvalidPTX) || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("unknown instruction: %v, want ErrInvalidPTX naming line 5", err)
	}
	if _, err := r.dev.Load(hal.FormatPTX, []byte("not PTX at all")); !errors.Is(err, hal.ErrInvalidImage) {
		t.Errorf("garbage as PTX: %v, want ErrInvalidImage", err)
	}
	if _, err := r.dev.Load(hal.FormatSPIRV, []byte{3, 2, 0x23, 7}); !errors.Is(err, hal.ErrNoBinaryForDevice) {
		t.Errorf("SPIR-V on the CPU: %v, want ErrNoBinaryForDevice", err)
	}

	src := uniquePTX(t, readTestdata(t, "vector_add.sm_80.ptx"))
	t.Setenv("CC", "/nonexistent/streamhal-cc")
	_, err = r.dev.Load(hal.FormatPTX, src)
	if !errors.Is(err, hal.ErrNotSupported) || !strings.Contains(err.Error(), "install gcc") {
		t.Errorf("missing compiler: %v, want ErrNotSupported saying what to install", err)
	}
	t.Setenv("CC", "false")
	if _, err = r.dev.Load(hal.FormatPTX, src); !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("a compiler that does not run: %v, want ErrNotSupported", err)
	}
	// Failures are not remembered: with a compiler the same PTX loads.
	os.Unsetenv("CC")
	needCC(t)
	r.checkVectorAdd(t, r.load(t, hal.FormatPTX, src))
}

// ccLog installs a C compiler wrapper that logs every compilation (its
// command lines with -shared) to a file, and returns a function counting
// them.
func ccLog(t *testing.T) func() int {
	t.Helper()
	needCC(t)
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no cc: %v", err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := filepath.Join(dir, "cc")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" >>"+log+"\nexec "+cc+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CC", script)
	t.Setenv("STREAM_HAL_TEST_CC_LOG", log)
	return countCompiles
}

// countCompiles counts the compilations in $STREAM_HAL_TEST_CC_LOG.
func countCompiles() int {
	b, _ := os.ReadFile(os.Getenv("STREAM_HAL_TEST_CC_LOG"))
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "-shared") {
			n++
		}
	}
	return n
}

// cacheChildEnv makes a re-executed test binary the second process of
// TestPTXBuildCache.
const cacheChildEnv = "STREAM_HAL_CPU_TEST_CACHE_CHILD"

// TestPTXBuildCache: a PTX module compiles once per process, however many
// devices and goroutines load it at once; a later process finds it in the
// cache directory without compiling (and without translating); with the
// cache off nothing is written.
func TestPTXBuildCache(t *testing.T) {
	if os.Getenv(cacheChildEnv) == "cache-reader" {
		// The child: a fresh process with the same cache directory and
		// the same compiler wrapper.
		before := countCompiles()
		src, err := os.ReadFile(os.Getenv("STREAM_HAL_TEST_PTX"))
		if err != nil {
			t.Fatal(err)
		}
		r := newPTXRig(t)
		start := time.Now()
		exe := r.load(t, hal.FormatPTX, src)
		t.Logf("load from the cache: %v", time.Since(start))
		r.checkVectorAdd(t, exe)
		if n := countCompiles() - before; n != 0 {
			t.Errorf("%d compilations in a process whose cache has the library, want 0", n)
		}
		return
	}
	compiles := ccLog(t)
	cache := t.TempDir()
	t.Setenv(cpu.EnvCacheDir, cache)
	src := uniquePTX(t, readTestdata(t, "test_kernels.sm_80.ptx"))
	inst, err := cpu.Driver{}.Open(hal.Config{Devices: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exe, err := inst.Devices()[i%2].Load(hal.FormatPTX, src)
			if err == nil {
				err = exe.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("load %d: %v", i, err)
		}
	}
	if n := compiles(); n != 1 {
		t.Errorf("8 concurrent loads on 2 devices compiled %d times, want 1", n)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "*"))
	if len(entries) != 1 {
		t.Fatalf("cache directory holds %v, want one entry", entries)
	}
	// Another process: a hash, a file read and a dlopen.
	file := filepath.Join(t.TempDir(), "k.ptx")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPTXBuildCache$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), cacheChildEnv+"=cache-reader", "STREAM_HAL_TEST_PTX="+file)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestPTXBuildCache")) {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	t.Logf("child process:\n%s", out)

	// With the cache off, a new module compiles and nothing is written.
	off := uniquePTX(t, readTestdata(t, "vector_add.sm_80.ptx"))
	t.Setenv(cpu.EnvCacheDir, "off")
	r := newPTXRig(t)
	r.checkVectorAdd(t, r.load(t, hal.FormatPTX, off))
	if n := compiles(); n != 2 {
		t.Errorf("%d compilations after a new module with the cache off, want 2", n)
	}
	if again, _ := filepath.Glob(filepath.Join(cache, "*")); len(again) != 1 {
		t.Errorf("cache directory holds %v after a build with the cache off", again)
	}
}

// TestPTXGlobals: module-scope .global variables of PTX are the module's
// globals (cuModuleGetGlobal); every load has its own, initialized.
func TestPTXGlobals(t *testing.T) {
	needCC(t)
	r := newPTXRig(t)
	src := readTestdata(t, "test_kernels.sm_80.ptx")
	exe := r.load(t, hal.FormatPTX, src)
	addr, size, err := exe.Global("global_scale")
	if err != nil || size != 4 || addr == 0 {
		t.Fatalf("Global(global_scale) = %#x, %d, %v; want a 4-byte variable", addr, size, err)
	}
	if v := r.readF32(t, addr); v != 2 {
		t.Errorf("global_scale starts at %v, want its initializer 2", v)
	}
	v := float32(-3.5)
	if err := r.dev.CopyFromHost(addr, unsafe.Pointer(&v), 4); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	in, out := r.alloc(t, 4*n), r.alloc(t, 4*n)
	iv, ov := f32s(in, n), f32s(out, n)
	for i := range iv {
		iv[i], ov[i] = float32(i), float32(math.NaN())
	}
	if err := r.launch(t, exe, "scale_by_global", hal.LaunchConfig{Grid: d1(4), Block: d1(256), Args: pack(in.Device, out.Device, uint32(n))}); err != nil {
		t.Fatal(err)
	}
	for i := range ov {
		if ov[i] != iv[i]*-3.5 {
			t.Fatalf("scale_by_global: out[%d] = %v, want %v", i, ov[i], iv[i]*-3.5)
		}
	}
	// A second load of the same PTX has its own global, at its initial value.
	exe2 := r.load(t, hal.FormatPTX, src)
	addr2, _, err := exe2.Global("global_scale")
	if err != nil || addr2 == addr || r.readF32(t, addr2) != 2 {
		t.Errorf("second load: global at %#x (first %#x), %v; want its own, holding 2", addr2, addr, err)
	}
	if _, _, err := exe.Global("no_such_global"); !errors.Is(err, hal.ErrNotFound) {
		t.Errorf("Global(no_such_global) = %v, want ErrNotFound", err)
	}
	// Parameter layouts carry pointer flags (from the PTX's use of each
	// parameter), so a float passed where a pointer goes is refused.
	k, err := exe.Kernel("saxpy")
	if err != nil {
		t.Fatal(err)
	}
	want := []hal.Param{{Offset: 0, Size: 4}, {Offset: 4, Size: 4}, {Offset: 8, Size: 8, Pointer: true}, {Offset: 16, Size: 8, Pointer: true}}
	if got := k.Params(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("saxpy parameters %v, want %v", got, want)
	}
}

func (r *ptxRig) readF32(t *testing.T, addr uint64) float32 {
	t.Helper()
	var v float32
	if err := r.dev.CopyToHost(unsafe.Pointer(&v), addr, 4); err != nil {
		t.Fatal(err)
	}
	return v
}
