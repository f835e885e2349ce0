package hip

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// The fake runtime (testdata/fakehip/fakehip.c) stands in for libamdhip64
// so that the whole driver, cgo layer included, runs on machines without
// an AMD GPU: it executes the project's CPU test kernels by name with the
// packed-argument layout the AMDGPU code objects' metadata describes, and it
// checks the driver's use of the ABI (current device, extra array, flags).

var fakes struct {
	once sync.Once
	dir  string
	err  error
	noCC bool
}

// fakeRuntime builds both variants of the fake and the CPU kernel library
// it runs, once per process, and returns the library's path for variant
// "rocm5" or "rocm6".
func fakeRuntime(t *testing.T, variant string) string {
	t.Helper()
	fakes.once.Do(func() {
		cc, err := exec.LookPath("cc")
		if err != nil {
			fakes.err, fakes.noCC = fmt.Errorf("no C compiler: %v", err), true
			return
		}
		_, file, _, _ := runtime.Caller(0)
		here := filepath.Dir(file)
		dir, err := os.MkdirTemp("", "streamhal-fakehip-")
		if err != nil {
			fakes.err = err
			return
		}
		for v, flag := range map[string]string{"rocm5": "-UFAKEHIP_ROCM6", "rocm6": "-DFAKEHIP_ROCM6"} {
			out, err := exec.Command(cc, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-pthread",
				"-I", filepath.Join(here, "..", "..", "kernels"), flag, "-o", filepath.Join(dir, "libfakehip-"+v+".so"),
				filepath.Join(here, "testdata", "fakehip", "fakehip.c"), "-ldl").CombinedOutput()
			if err != nil {
				fakes.err = fmt.Errorf("cc fakehip.c (%s): %v\n%s", v, err, out)
				return
			}
		}
		lib, err := haltest.CPUKernels()
		if err != nil {
			fakes.err = err
			return
		}
		kpath := filepath.Join(dir, "test_kernels.so")
		if err := os.WriteFile(kpath, lib, 0o755); err != nil {
			fakes.err = err
			return
		}
		// The fake reads these with getenv when a module is loaded and
		// devices are counted.
		os.Setenv("FAKEHIP_KERNELS", kpath)
		fakes.dir = dir
	})
	if fakes.err != nil {
		// Only a missing C compiler is a reason to skip: the fake is
		// our own code, and its failing to build is a defect that must
		// fail the tests (an ABI change once made every fake test skip).
		if fakes.noCC {
			t.Skipf("fake HIP runtime: %v", fakes.err)
		}
		t.Fatalf("fake HIP runtime: %v", fakes.err)
	}
	return filepath.Join(fakes.dir, "libfakehip-"+variant+".so")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fakes.dir != "" {
		os.RemoveAll(fakes.dir)
	}
	os.Exit(code)
}

// fakeDriver opens the driver over a fake runtime.
type fakeDriver struct{ path string }

func (fakeDriver) Name() string { return Name }

func (f fakeDriver) Open(cfg hal.Config) (hal.Instance, error) {
	return openWith(cfg, []string{f.path})
}

func openFake(t *testing.T, variant string) hal.Instance {
	t.Helper()
	inst, err := fakeDriver{fakeRuntime(t, variant)}.Open(hal.Config{})
	if err != nil {
		t.Fatalf("open over the fake runtime: %v", err)
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Errorf("instance Close: %v", err)
		}
	})
	return inst
}

// TestFakeConformance runs the hal conformance suite over both variants of
// the fake runtime, two devices each: ROCm 5.2-like (unversioned
// hipGetDeviceProperties, hipStreamAddCallback) and ROCm 6-like
// (hipGetDevicePropertiesR0600, hipLaunchHostFunc).
func TestFakeConformance(t *testing.T) {
	for _, v := range []string{"rocm5", "rocm6"} {
		t.Run(v, func(t *testing.T) {
			haltest.Run(t, fakeDriver{fakeRuntime(t, v)}, haltest.Options{})
		})
	}
}

func TestFakeDevice(t *testing.T) {
	for _, v := range []string{"rocm5", "rocm6"} {
		t.Run(v, func(t *testing.T) {
			inst := openFake(t, v)
			devs := inst.Devices()
			if len(devs) != 2 {
				t.Fatalf("%d devices, want 2", len(devs))
			}
			for i, d := range devs {
				in := d.Info()
				// From the fake's gcnArchName through the R0600 or R0000
				// layout, and its attribute table by HIP's numbering.
				if in.Arch != "gfx90a" || in.WarpSize != 64 || in.MultiprocessorCount != 104 || in.MaxGridDim != [3]int{2147483647, 65536, 65536} {
					t.Errorf("device %d info: %+v", i, in)
				}
				if in.Name != fmt.Sprintf("Fake AMD GPU %d", i) || in.PCIBusID != 0x30+i || string(in.UUID[:15]) != "fakehip-uuid-00" {
					t.Errorf("device %d: name %q, bus %#x, uuid %q", i, in.Name, in.PCIBusID, in.UUID)
				}
				if in.StreamPriorityLeast != 0 || in.StreamPriorityGreatest != -1 || !in.HostRegisterSupported {
					t.Errorf("device %d: priorities %d..%d, host register %v", i, in.StreamPriorityLeast, in.StreamPriorityGreatest, in.HostRegisterSupported)
				}
			}
			lib := devs[0].(*device).lib
			if got := lib.has("hipLaunchHostFunc"); got != (v == "rocm6") {
				t.Errorf("hipLaunchHostFunc present = %v", got)
			}
			testDeviceModule(t, inst)
			testDeviceMemoryKinds(t, inst)
			testDeviceGraphUpdateRules(t, inst)
			testDevicePeers(t, inst)
		})
	}
}

// TestFakeNoDevice: a runtime that loads but finds no device.
func TestFakeNoDevice(t *testing.T) {
	path := fakeRuntime(t, "rocm6")
	t.Setenv("FAKEHIP_DEVICES", "0")
	_, err := fakeDriver{path}.Open(hal.Config{})
	if !errors.Is(err, hal.ErrNotAvailable) || err.Error() != "hal/hip: not available: no AMD device (hipGetDeviceCount: hipErrorNoDevice: no ROCm-capable device is detected)" {
		t.Errorf("Open with no device = %v", err)
	}
}

// TestFakeCurrentDevice interleaves every kind of call on two devices from
// one OS thread, each call made while the other device is the thread's
// current one: the fake fails stream, event, module, graph and free calls
// made with the wrong current device, so a wrapper that forgot hipSetDevice
// shows up here (the conformance suite runs one device at a time and would
// not notice).
func TestFakeCurrentDevice(t *testing.T) {
	inst := openFake(t, "rocm6")
	devs := inst.Devices()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	data := readTestdata(t, "test_kernels.gfx90a.hsaco")
	const n = 1024
	for round := 0; round < 2; round++ {
		for i, d := range devs {
			o := devs[1-i]
			step := func(what string, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("round %d, device %d: %s: %v", round, i, what, err)
				}
				// Leave the other device current for the next call.
				if _, _, err := o.MemoryInfo(); err != nil {
					t.Fatal(err)
				}
			}
			step("start", nil)
			freeBefore, _, err := d.MemoryInfo()
			step("MemoryInfo", err)
			q, err := d.NewQueue(hal.QueueOptions{Priority: -1})
			step("NewQueue", err)
			a, err := d.Allocate(hal.MemoryDevice, 4*n)
			step("Allocate device", err)
			b, err := d.Allocate(hal.MemoryDevice, 4*n)
			step("Allocate device", err)
			freeAfter, _, err := d.MemoryInfo()
			step("MemoryInfo", err)
			if freeBefore-freeAfter != 8*n {
				t.Fatalf("device %d: free memory %d -> %d after allocating %d bytes there", i, freeBefore, freeAfter, 8*n)
			}
			h, err := d.Allocate(hal.MemoryHost, 4*n)
			step("Allocate host", err)
			step("Fill", q.Fill(a.Device, 4*n, math.Float32bits(1.5), 4))
			step("Copy", q.Copy(b.Device, a.Device, 4*n))
			x, err := d.Load(hal.FormatAMDGPU, data)
			step("Load", err)
			k, err := x.Kernel("vector_add")
			step("Kernel", err)
			if regs := k.Attributes().NumRegs; regs != 32 { // the fake's hipFuncGetAttribute answer
				t.Fatalf("device %d: NumRegs %d, want the runtime's 32", i, regs)
			}
			args := packed(a.Device, b.Device, h.Device, uint32(n))
			step("Dispatch", q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: n / 64, Y: 1, Z: 1}, Block: hal.Dim3{X: 64, Y: 1, Z: 1}, Args: args}))
			ran := false
			step("HostCall", q.HostCall(func() { ran = true }))
			e, err := d.NewEvent(0)
			step("NewEvent", err)
			step("Record", q.Record(e))
			step("Wait", q.Wait(e))
			step("Event.Wait", e.Wait(context.Background()))
			_ = e.Done()
			step("Synchronize", q.Synchronize(context.Background()))
			if !ran || !q.Idle() {
				t.Fatalf("host call ran %v, idle %v", ran, q.Idle())
			}
			for j, v := range unsafe.Slice((*float32)(h.Host), n) {
				if v != 3 {
					t.Fatalf("device %d: c[%d] = %v, want 3", i, j, v)
				}
			}
			g := &hal.Graph{Nodes: []hal.Node{
				{Kind: hal.NodeFill, Dst: a.Device, Size: 4 * n, Pattern: math.Float32bits(2), PatternSize: 4},
				{Kind: hal.NodeKernel, Deps: []int{0}, Kernel: k, Launch: hal.LaunchConfig{Grid: hal.Dim3{X: n / 64, Y: 1, Z: 1}, Block: hal.Dim3{X: 64, Y: 1, Z: 1}, Args: args}},
				{Kind: hal.NodeEventRecord, Deps: []int{1}, Event: e},
				{Kind: hal.NodeHost, Deps: []int{2}, Host: func() {}},
				{Kind: hal.NodeEventWait, Deps: []int{3}, Event: e},
			}}
			gx, err := d.Instantiate(g)
			step("Instantiate", err)
			upd := g.Nodes[0]
			upd.Pattern = math.Float32bits(4)
			step("Update fill", gx.Update(0, upd))
			e2, err := d.NewEvent(0)
			step("NewEvent", err)
			step("Update record", gx.Update(2, hal.Node{Kind: hal.NodeEventRecord, Deps: []int{1}, Event: e2}))
			step("Update wait", gx.Update(4, hal.Node{Kind: hal.NodeEventWait, Deps: []int{3}, Event: e2}))
			hostRuns := 0
			step("Update host", gx.Update(3, hal.Node{Kind: hal.NodeHost, Deps: []int{2}, Host: func() { hostRuns++ }}))
			step("Execute", q.Execute(gx))
			step("Device Synchronize", d.Synchronize(context.Background()))
			if v := unsafe.Slice((*float32)(h.Host), n)[n-1]; v != 5.5 || hostRuns != 1 {
				t.Fatalf("device %d: after the graph c[n-1] = %v (want 5.5), updated host node ran %d times (want 1)", i, v, hostRuns)
			}
			if !e2.Done() {
				t.Fatalf("device %d: the updated record node did not record its new event", i)
			}
			step("Event Close", e2.Close())
			m, err := d.Allocate(hal.MemoryManaged, 4096)
			step("Allocate managed", err)
			if adv, ok := d.(hal.Advisor); ok && d.(*device).lib.has("hipMemAdvise") {
				step("Advise", adv.Advise(m.Device, 4096, 1, nil))
				step("Prefetch", adv.Prefetch(q, m.Device, 4096, false))
				step("Synchronize", q.Synchronize(context.Background()))
			}
			step("Free managed", d.Free(hal.MemoryManaged, m.Device))
			step("Graph Close", gx.Close())
			step("Module Close", x.Close())
			step("Event Close", e.Close())
			step("Free", d.Free(hal.MemoryDevice, a.Device))
			step("Free", d.Free(hal.MemoryDevice, b.Device))
			step("Free host", d.Free(hal.MemoryHost, h.Device))
			step("Queue Close", q.Close())
		}
	}
}

// packed lays arguments out with C natural alignment.
func packed(vals ...any) []byte {
	var b []byte
	for _, v := range vals {
		switch x := v.(type) {
		case uint64:
			for len(b)%8 != 0 {
				b = append(b, 0)
			}
			b = binary.LittleEndian.AppendUint64(b, x)
		case uint32:
			for len(b)%4 != 0 {
				b = append(b, 0)
			}
			b = binary.LittleEndian.AppendUint32(b, x)
		}
	}
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestFakeGraphNodes checks what the conformance suite's graph leaves
// open: 1- and 2-byte fill nodes (the memset value is masked to the
// element size) and a kernel node whose grid is larger than its block (so
// that grid and block dimensions cannot be confused unnoticed).
func TestFakeGraphNodes(t *testing.T) {
	inst := openFake(t, "rocm5")
	dev := inst.Devices()[1]
	q, err := dev.NewQueue(hal.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	x, err := dev.Load(hal.FormatAMDGPU, readTestdata(t, "test_kernels.gfx90a.hsaco"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	k, err := x.Kernel("vector_add")
	if err != nil {
		t.Fatal(err)
	}
	const n = 64
	bufs := make([]hal.Allocation, 4)
	for i := range bufs {
		if bufs[i], err = dev.Allocate(hal.MemoryHost, 4*n); err != nil {
			t.Fatal(err)
		}
		defer dev.Free(hal.MemoryHost, bufs[i].Device)
	}
	a, b, c, f := bufs[0], bufs[1], bufs[2], bufs[3]
	av, bv := unsafe.Slice((*float32)(a.Host), n), unsafe.Slice((*float32)(b.Host), n)
	for i := range av {
		av[i], bv[i] = float32(i), float32(100*i)
	}
	cv := unsafe.Slice((*float32)(c.Host), n)
	for i := range cv {
		cv[i] = float32(math.NaN())
	}
	g := &hal.Graph{Nodes: []hal.Node{
		{Kind: hal.NodeFill, Dst: f.Device, Size: 4 * n, Pattern: 0xA1B2C3D4, PatternSize: 1},
		{Kind: hal.NodeFill, Deps: []int{0}, Dst: f.Device + 2, Size: 6, Pattern: 0xA1B2C3D4, PatternSize: 2},
		{Kind: hal.NodeKernel, Kernel: k, Launch: hal.LaunchConfig{Grid: hal.Dim3{X: n / 4, Y: 1, Z: 1}, Block: hal.Dim3{X: 4, Y: 1, Z: 1},
			Args: packed(a.Device, b.Device, c.Device, uint32(n))}},
	}}
	gx, err := dev.Instantiate(g)
	if err != nil {
		t.Fatal(err)
	}
	defer gx.Close()
	if err := q.Execute(gx); err != nil {
		t.Fatal(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	fb := unsafe.Slice((*byte)(f.Host), 4*n)
	want := []byte{0xD4, 0xD4, 0xD4, 0xC3, 0xD4, 0xC3, 0xD4, 0xC3, 0xD4, 0xD4}
	if string(fb[:len(want)]) != string(want) {
		t.Errorf("fills: % x, want % x", fb[:len(want)], want)
	}
	for i, v := range cv {
		if v != float32(101*i) {
			t.Fatalf("c[%d] = %v, want %v", i, v, 101*i)
		}
	}
}
