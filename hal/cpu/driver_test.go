package cpu_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
)

// TestRegisterChecksMapping: registering more bytes than the memory behind
// the pointer is refused, naming the range; the real size works, and a fill
// through it lands in the buffer.
func TestRegisterChecksMapping(t *testing.T) {
	r := newRig(t, hal.Config{})
	defer r.close(t)
	buf := guarded(t, 4096)
	p := unsafe.Pointer(&buf[0])
	end := fmt.Sprintf("from %#x", uintptr(p)+4096)
	for _, size := range []uint64{1 << 40, 4097, 1 << 63} {
		_, err := r.dev.Register(p, size)
		if !errors.Is(err, hal.ErrInvalidValue) || !strings.Contains(err.Error(), end) && !strings.Contains(err.Error(), "wraps") {
			t.Errorf("Register %d bytes of a 4096-byte buffer: %v, want ErrInvalidValue naming the memory %s", size, err, end)
		}
	}
	a, err := r.dev.Register(p, 4096)
	if err != nil {
		t.Fatal(err)
	}
	must(t, r.q.Fill(a.Device, 4096, 0xab, 1))
	must(t, r.q.Synchronize(context.Background()))
	for i, b := range buf {
		if b != 0xab {
			t.Fatalf("byte %d = %#x after the fill, want 0xab", i, b)
		}
	}
	must(t, r.dev.Unregister(a))
	// Read-only memory may be registered (a kernel writing to it faults).
	ro := guarded(t, 4096)
	if err := syscallMprotectRead(ro); err != nil {
		t.Fatal(err)
	}
	a, err = r.dev.Register(unsafe.Pointer(&ro[0]), 4096)
	if err != nil {
		t.Fatalf("Register of read-only memory: %v", err)
	}
	must(t, r.dev.Unregister(a))
}

// TestRegisterOversizedFillContained: before the mapping check, a fill
// through a registration larger than its memory crashed the process in
// shal_cpu_fill. The check refuses it now; a fill that still reaches
// unmapped memory (the memory was unmapped after registering) is an error.
func TestRegisterOversizedFillContained(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		buf := guarded(t, 8192)
		a, err := r.dev.Register(unsafe.Pointer(&buf[0]), 8192)
		if err != nil {
			t.Fatal(err)
		}
		// Take the second page away behind the driver's back.
		if err := syscallMprotectNone(buf[4096:]); err != nil {
			t.Fatal(err)
		}
		must(t, r.q.Fill(a.Device, 8192, 7, 1))
		err = r.q.Synchronize(context.Background())
		if !errors.Is(err, hal.ErrIllegalAddress) || !strings.Contains(err.Error(), "fill of 8192 bytes") || !strings.Contains(err.Error(), "offset 4096 of the 8192-byte allocation") {
			t.Fatalf("fill into unmapped registered memory: %v, want ErrIllegalAddress naming the fill and the offset", err)
		}
		t.Logf("%v", err)
		must(t, r.dev.Unregister(a))
	})
}

// TestMemoryBudget: allocations come out of a budget the devices share;
// MemoryInfo's free memory follows them; beyond it is ErrOutOfMemory.
func TestMemoryBudget(t *testing.T) {
	const budget = 64 << 20
	inst, err := cpu.Driver{}.Open(hal.Config{Devices: 2, Memory: budget})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	d0, d1 := inst.Devices()[0], inst.Devices()[1]
	if got := d0.Info().TotalMem; got != budget {
		t.Errorf("TotalMem = %d, want the budget %d", got, budget)
	}
	free := func(d hal.Device) uint64 {
		f, total, err := d.MemoryInfo()
		if err != nil || total != budget {
			t.Fatalf("MemoryInfo = %d, %d, %v; want total %d", f, total, err, budget)
		}
		return f
	}
	if f := free(d0); f != budget {
		t.Errorf("free before any allocation = %d, want %d", f, budget)
	}
	a, err := d0.Allocate(hal.MemoryDevice, 40<<20)
	if err != nil {
		t.Fatal(err)
	}
	if f0, f1 := free(d0), free(d1); f0 != budget-40<<20 || f1 != f0 {
		t.Errorf("free after 40 MiB on device 0: %d on device 0, %d on device 1; want %d on both", f0, f1, budget-40<<20)
	}
	for _, kind := range []hal.MemoryKind{hal.MemoryDevice, hal.MemoryHost, hal.MemoryManaged} {
		_, err = d1.Allocate(kind, 40<<20)
		if !errors.Is(err, hal.ErrOutOfMemory) || !strings.Contains(err.Error(), "STREAM_HAL_CPU_MEMORY") {
			t.Errorf("40 MiB of %v memory more than the budget: %v, want ErrOutOfMemory naming STREAM_HAL_CPU_MEMORY", kind, err)
		}
	}
	// Small allocations are charged their 256-byte rounding.
	b, err := d1.Allocate(hal.MemoryHost, 1)
	if err != nil {
		t.Fatal(err)
	}
	if f := free(d0); f != budget-40<<20-256 {
		t.Errorf("free after 1 more byte = %d, want %d", f, budget-40<<20-256)
	}
	must(t, d0.Free(hal.MemoryDevice, a.Device))
	must(t, d1.Free(hal.MemoryHost, b.Device))
	if f := free(d1); f != budget {
		t.Errorf("free after freeing everything = %d, want %d", f, budget)
	}
	c, err := d1.Allocate(hal.MemoryDevice, 60<<20)
	if err != nil {
		t.Fatalf("60 MiB after the frees: %v", err)
	}
	must(t, d1.Free(hal.MemoryDevice, c.Device))
}

// TestMemoryBudgetDefault: without configuration the budget is what the
// host can give (MemAvailable, or less), STREAM_HAL_CPU_MEMORY sets it,
// and a bad value is an error.
func TestMemoryBudgetDefault(t *testing.T) {
	t.Setenv(cpu.EnvMemory, "")
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	total := inst.Devices()[0].Info().TotalMem
	inst.Close()
	avail := memAvailable(t)
	if total == 0 || total > avail+avail/4 {
		t.Errorf("default budget %d, MemAvailable %d: want at most about MemAvailable", total, avail)
	}
	t.Setenv(cpu.EnvMemory, "1.5GiB")
	inst, err = cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := inst.Devices()[0].Info().TotalMem; got != 3<<29 {
		t.Errorf("%s=1.5GiB: total %d, want %d", cpu.EnvMemory, got, 3<<29)
	}
	inst.Close()
	t.Setenv(cpu.EnvMemory, "lots")
	if _, err := (cpu.Driver{}).Open(hal.Config{}); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("%s=lots: %v, want ErrInvalidValue", cpu.EnvMemory, err)
	}
}

func memAvailable(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo")
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			var v uint64
			for _, c := range f[1] {
				v = v*10 + uint64(c-'0')
			}
			return v << 10
		}
	}
	t.Skip("no MemAvailable")
	return 0
}

// TestMemoryInfoAfterClose: like every other call, MemoryInfo on a closed
// device is ErrInvalidHandle.
func TestMemoryInfoAfterClose(t *testing.T) {
	inst, err := cpu.Driver{}.Open(hal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.Devices()[0]
	if _, _, err := d.MemoryInfo(); err != nil {
		t.Fatal(err)
	}
	must(t, inst.Close())
	if _, _, err := d.MemoryInfo(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("MemoryInfo after Close: %v, want ErrInvalidHandle", err)
	}
}

// TestDeviceIdentity: compute capability 8.0 and distinct synthetic PCI
// locations.
func TestDeviceIdentity(t *testing.T) {
	inst, err := cpu.Driver{}.Open(hal.Config{Devices: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	for i, d := range inst.Devices() {
		info := d.Info()
		if info.ComputeMajor != 8 || info.ComputeMinor != 0 {
			t.Errorf("device %d: compute capability %d.%d, want 8.0", i, info.ComputeMajor, info.ComputeMinor)
		}
		want := []string{"ffff:00:00.0", "ffff:00:01.0", "ffff:00:02.0"}[i]
		if got := info.PCIBusIDString(); got != want {
			t.Errorf("device %d: PCI bus id %s, want %s", i, got, want)
		}
	}
}

// TestTwoLibrariesLoaded: two different libraries loaded at once are two
// libraries (the memfd of the first used to be closed at once, and the
// second load, through the same descriptor number, got the first back).
func TestTwoLibrariesLoaded(t *testing.T) {
	r := newRig(t, hal.Config{})
	defer r.close(t)
	lib, err := haltest.CPUKernels()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		exe, err := r.dev.Load(hal.FormatCPUELF, lib)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exe.Kernel("vector_add"); err != nil {
			t.Errorf("load %d of the test kernels: %v", i, err)
		}
		if _, err := r.exe.Kernel("poke"); err != nil {
			t.Errorf("the fault kernels after load %d: %v", i, err)
		}
		must(t, exe.Close())
	}
}

// TestLibraryWithoutTable: a library whose streamhal_cpu_library returns
// NULL gets a clear error (it used to end in ": : invalid module image").
func TestLibraryWithoutTable(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "null.c")
	so := filepath.Join(dir, "null.so")
	if err := os.WriteFile(src, []byte("const void* streamhal_cpu_library(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", so, src).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	data, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, hal.Config{})
	defer r.close(t)
	_, err = r.dev.Load(hal.FormatCPUELF, data)
	if !errors.Is(err, hal.ErrInvalidImage) || strings.Contains(err.Error(), ": :") || !strings.Contains(err.Error(), "returned NULL") {
		t.Errorf("library with a NULL table: %v, want ErrInvalidImage saying streamhal_cpu_library() returned NULL", err)
	}
}

// TestCloseStuckKernel: Close gives up on a kernel that never ends after
// the close timeout, naming it; the device's other queues, the pool and
// other devices keep working; the memory stays allocated; and once the
// kernel is let go, its thread comes back.
func TestCloseStuckKernel(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		const timeout = 300 * time.Millisecond
		inst, err := cpu.Driver{}.Open(hal.Config{Devices: 2, CloseTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		d := inst.Devices()[0]
		lib, err := haltest.FaultKernels()
		if err != nil {
			t.Fatal(err)
		}
		exe, err := d.Load(hal.FormatCPUELF, lib)
		if err != nil {
			t.Fatal(err)
		}
		spin, _ := exe.Kernel("spin_forever")
		flag, err := d.Allocate(hal.MemoryHost, 8)
		if err != nil {
			t.Fatal(err)
		}
		*(*uint32)(flag.Host) = 0
		q, _ := d.NewQueue(hal.QueueOptions{})
		must(t, q.Dispatch(spin, hal.LaunchConfig{Grid: d1(1), Block: d1(1), Args: pack(flag.Device, flag.Device+4)}))
		// Synchronize with a deadline says what is running.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err = q.Synchronize(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "kernel spin_forever") {
			t.Errorf("Synchronize with a deadline: %v, want DeadlineExceeded naming spin_forever", err)
		}
		start := time.Now()
		err = q.Close()
		if el := time.Since(start); el > timeout+2*time.Second {
			t.Errorf("queue Close took %v with a %v timeout", el, timeout)
		}
		if !errors.Is(err, hal.ErrTimeout) || !strings.Contains(err.Error(), "kernel spin_forever") || !strings.Contains(err.Error(), "device 0") {
			t.Fatalf("queue Close with a stuck kernel: %v, want ErrTimeout naming spin_forever and device 0", err)
		}
		t.Logf("queue Close: %v", err)
		// The rest of the driver works: a launch over every worker on
		// another queue of the same device, and the other device.
		for _, dev := range inst.Devices() {
			q2, err := dev.NewQueue(hal.QueueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			x2, err := dev.Load(hal.FormatCPUELF, lib)
			if err != nil {
				t.Fatal(err)
			}
			fill, _ := x2.Kernel("fill_u32")
			a, err := dev.Allocate(hal.MemoryDevice, 4<<20)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20; i++ {
				must(t, q2.Dispatch(fill, hal.LaunchConfig{Grid: d1(4096), Block: d1(256), Args: pack(a.Device, uint32(i), uint32(1<<20))}))
			}
			must(t, q2.Synchronize(context.Background()))
			for j, v := range unsafe.Slice((*uint32)(a.Host), 1<<20) {
				if v != 19 {
					t.Fatalf("device %d element %d = %d after the fills, want 19", dev.Info().Ordinal, j, v)
				}
			}
			must(t, q2.Close())
			must(t, dev.Free(hal.MemoryDevice, a.Device))
			must(t, x2.Close())
		}
		// The module with the running kernel cannot be unloaded.
		start = time.Now()
		if err := exe.Close(); !errors.Is(err, hal.ErrTimeout) {
			t.Errorf("unload the module of the stuck kernel: %v, want ErrTimeout", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("module Close took %v although the device already gave up", el)
		}
		start = time.Now()
		err = inst.Close()
		if el := time.Since(start); el > timeout+2*time.Second {
			t.Errorf("instance Close took %v with a %v timeout", el, timeout)
		}
		if !errors.Is(err, hal.ErrTimeout) || !strings.Contains(err.Error(), "kept allocated") || !strings.Contains(err.Error(), "spin_forever") {
			t.Errorf("instance Close: %v, want ErrTimeout saying what is kept allocated for spin_forever", err)
		}
		t.Logf("instance Close: %v", err)
		// The flag is still mapped (kept for the kernel): let it finish.
		(*atomic.Uint32)(flag.Host).Store(41)
		deadline := time.Now().Add(5 * time.Second)
		for *(*uint32)(unsafe.Add(flag.Host, 4)) != 42 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if v := *(*uint32)(unsafe.Add(flag.Host, 4)); v != 42 {
			t.Errorf("the released kernel wrote %d, want 42", v)
		}
	})
}

func syscallMprotectRead(b []byte) error { return syscall.Mprotect(b, syscall.PROT_READ) }
func syscallMprotectNone(b []byte) error { return syscall.Mprotect(b, syscall.PROT_NONE) }
