package cpu_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/cpu"
	"github.com/streamhal/streamhal/hal/haltest"
)

// rig is an opened CPU instance with the fault kernels loaded on device 0.
type rig struct {
	inst hal.Instance
	dev  hal.Device
	exe  hal.Executable
	q    hal.Queue
}

func newRig(t *testing.T, cfg hal.Config) *rig {
	t.Helper()
	inst, err := cpu.Driver{}.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{inst: inst, dev: inst.Devices()[0]}
	lib, err := haltest.FaultKernels()
	if err != nil {
		t.Fatal(err)
	}
	if r.exe, err = r.dev.Load(hal.FormatCPUELF, lib); err != nil {
		t.Fatal(err)
	}
	if r.q, err = r.dev.NewQueue(hal.QueueOptions{}); err != nil {
		t.Fatal(err)
	}
	return r
}

// close closes everything and checks that it worked.
func (r *rig) close(t *testing.T) {
	t.Helper()
	if err := r.q.Close(); err != nil {
		t.Errorf("queue Close: %v", err)
	}
	if err := r.exe.Close(); err != nil {
		t.Errorf("module Close: %v", err)
	}
	if err := r.inst.Close(); err != nil {
		t.Errorf("instance Close: %v", err)
	}
}

func (r *rig) kernel(t *testing.T, name string) hal.Kernel {
	t.Helper()
	k, err := r.exe.Kernel(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (r *rig) alloc(t *testing.T, n uint64) hal.Allocation {
	t.Helper()
	a, err := r.dev.Allocate(hal.MemoryDevice, n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// launch dispatches a kernel and returns what Synchronize reports.
func (r *rig) launch(t *testing.T, name string, grid, block hal.Dim3, shared uint32, args ...any) error {
	t.Helper()
	if err := r.q.Dispatch(r.kernel(t, name), hal.LaunchConfig{Grid: grid, Block: block, SharedBytes: shared, Args: pack(args...)}); err != nil {
		t.Fatalf("dispatch %s: %v", name, err)
	}
	return r.q.Synchronize(context.Background())
}

// pack lays out arguments with C natural alignment.
func pack(args ...any) []byte {
	var b []byte
	put := func(align int, v []byte) {
		for len(b)%align != 0 {
			b = append(b, 0)
		}
		b = append(b, v...)
	}
	for _, a := range args {
		switch v := a.(type) {
		case uint32:
			put(4, binary.LittleEndian.AppendUint32(nil, v))
		case int32:
			put(4, binary.LittleEndian.AppendUint32(nil, uint32(v)))
		case uint64:
			put(8, binary.LittleEndian.AppendUint64(nil, v))
		case int64:
			put(8, binary.LittleEndian.AppendUint64(nil, uint64(v)))
		case float32:
			put(4, binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		case float64:
			put(8, binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
		default:
			panic("pack: unsupported type")
		}
	}
	return b
}

func d1(x uint32) hal.Dim3 { return hal.Dim3{X: x, Y: 1, Z: 1} }

// wantFault checks that err is a kernel fault of kernel with the sentinel
// and that its text has every one of parts.
func wantFault(t *testing.T, err error, sentinel error, kernel string, parts ...string) *hal.KernelFault {
	t.Helper()
	var f *hal.KernelFault
	if !errors.As(err, &f) || !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want a *hal.KernelFault wrapping %v", err, sentinel)
	}
	if f.Kernel != kernel {
		t.Errorf("fault names kernel %q, want %q (%v)", f.Kernel, kernel, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
	return f
}

// TestFaultWildWrite: a store to an address that is not mapped, in block 37
// of 64, fails the launch naming the kernel, the block and the address; the
// queue and the device keep working.
func TestFaultWildWrite(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		const wild = 0xdead0000
		err := r.launch(t, "poke", hal.Dim3{X: 8, Y: 8, Z: 1}, d1(4), 0, uint64(wild), uint32(7), uint32(37))
		f := wantFault(t, err, hal.ErrIllegalAddress, "poke", "block (5,4,0)", "SIGSEGV", "0xdead0000")
		if !f.BlockKnown || f.Block != (hal.Dim3{X: 5, Y: 4, Z: 0}) || f.Addr != wild {
			t.Errorf("fault %+v: want block (5,4,0) at %#x", f, wild)
		}
		t.Logf("%v", err)
		// The queue works again, and a good launch of the same kernel
		// stores its value.
		a := r.alloc(t, 4)
		if err := r.launch(t, "poke", d1(1), d1(1), 0, a.Device, uint32(0x1234), uint32(0)); err != nil {
			t.Fatalf("launch after the fault: %v", err)
		}
		if v := *(*uint32)(a.Host); v != 0x1234 {
			t.Errorf("poke stored %#x, want 0x1234", v)
		}
		if err := r.dev.Free(hal.MemoryDevice, a.Device); err != nil {
			t.Error(err)
		}
	})
}

// guarded maps n bytes of readable, writable memory followed by a PROT_NONE
// page, and returns the n bytes (flush against the guard).
func guarded(t *testing.T, n int) []byte {
	t.Helper()
	page := os.Getpagesize()
	span := (n + page - 1) / page * page
	m, err := syscall.Mmap(-1, 0, span+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(m[span:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	return m[span-n : span]
}

// TestFaultNullPointer: a kernel given a null output pointer.
func TestFaultNullPointer(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		err := r.launch(t, "fill_u32", d1(64), d1(64), 0, uint64(0), uint32(1), uint32(4096))
		f := wantFault(t, err, hal.ErrIllegalAddress, "fill_u32", "SIGSEGV", "a null pointer")
		// Thread 0 of block b stores to out[64*b]: the block and the
		// address must agree (which block faults first depends on the
		// workers).
		if !f.BlockKnown || f.Addr != uint64(f.Block.X)*64*4 || f.Block.Y != 0 || f.Block.Z != 0 {
			t.Errorf("fault in block %v at %#x: thread 0 of that block stores to %#x", f.Block, f.Addr, uint64(f.Block.X)*256)
		}
		t.Logf("%v", err)
	})
}

// TestFaultPastEnd: a write that runs off the end of a buffer into
// unmapped memory names the buffer and by how much it missed.
func TestFaultPastEnd(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		buf := guarded(t, 4000)
		a, err := r.dev.Register(unsafe.Pointer(&buf[0]), uint64(len(buf)))
		if err != nil {
			t.Fatal(err)
		}
		defer r.dev.Unregister(a)
		// 1000 elements fit; element 1000 is the first byte past the end.
		err = r.launch(t, "fill_u32", d1(4), d1(256), 0, a.Device, uint32(9), uint32(1024))
		want := fmt.Sprintf("offset 4000 of the 4000-byte allocation at %#x: past the end by 1 bytes", a.Device)
		wantFault(t, err, hal.ErrIllegalAddress, "fill_u32", want, "block (3,0,0)")
		t.Logf("%v", err)
		// The same launch within the buffer works.
		if err := r.launch(t, "fill_u32", d1(4), d1(256), 0, a.Device, uint32(9), uint32(1000)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(buf); i += 4 {
			if v := binary.LittleEndian.Uint32(buf[i:]); v != 9 {
				t.Fatalf("element %d = %d, want 9", i/4, v)
			}
		}
	})
}

// TestFaultDynamicShared: reduce_sum given less dynamic shared memory than
// its blocks use (or none) runs into the guard page after it.
func TestFaultDynamicShared(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		lib, err := haltest.CPUKernels()
		if err != nil {
			t.Fatal(err)
		}
		exe, err := r.dev.Load(hal.FormatCPUELF, lib)
		if err != nil {
			t.Fatal(err)
		}
		defer exe.Close()
		k, err := exe.Kernel("reduce_sum")
		if err != nil {
			t.Fatal(err)
		}
		const n, bs = 1024, 256
		in, out := r.alloc(t, 4*n), r.alloc(t, 4*n/bs)
		fs := unsafe.Slice((*float32)(in.Host), n)
		for i := range fs {
			fs[i] = float32(i % 7)
		}
		run := func(shared uint32) error {
			if err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(n / bs), Block: d1(bs), SharedBytes: shared, Args: pack(in.Device, out.Device, uint32(n))}); err != nil {
				t.Fatal(err)
			}
			return r.q.Synchronize(context.Background())
		}
		err = run(0)
		wantFault(t, err, hal.ErrIllegalAddress, "reduce_sum", "dynamic shared memory, but the launch has none (sharedBytes 0)")
		t.Logf("%v", err)
		err = run(256)
		wantFault(t, err, hal.ErrIllegalAddress, "reduce_sum", "offset 256 of the launch's 256 bytes of dynamic shared memory: past the end by 1 bytes")
		t.Logf("%v", err)
		if err := run(4 * bs); err != nil {
			t.Fatalf("reduce_sum with enough shared memory: %v", err)
		}
		got := unsafe.Slice((*float32)(out.Host), n/bs)
		for b := range got {
			want := float32(0)
			for i := b * bs; i < (b+1)*bs; i++ {
				want += float32(i % 7)
			}
			if got[b] != want {
				t.Errorf("partial[%d] = %v, want %v", b, got[b], want)
			}
		}
	})
}

// TestStaticSharedOverrun: a kernel that declares its thread limit refuses
// larger blocks; one that does not overruns its stack array with them and
// faults on the way out, without taking the worker down.
func TestStaticSharedOverrun(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		k := r.kernel(t, "block_sum")
		if got := k.Attributes().MaxThreadsPerBlock; got != 256 {
			t.Errorf("block_sum MaxThreadsPerBlock = %d, want 256 (SHAL_ENTRY_MAX_THREADS)", got)
		}
		const threads = 1024
		in, out := r.alloc(t, 4*threads), r.alloc(t, 16)
		fs := unsafe.Slice((*float32)(in.Host), threads)
		for i := range fs {
			fs[i] = 1
		}
		err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(1), Block: d1(threads), Args: pack(in.Device, out.Device)})
		if !errors.Is(err, hal.ErrInvalidValue) || !strings.Contains(err.Error(), "256 threads") {
			t.Errorf("block_sum with %d threads: %v, want ErrInvalidValue naming the limit", threads, err)
		}
		err = r.launch(t, "block_sum_undeclared", d1(1), d1(threads), 0, in.Device, out.Device)
		var f *hal.KernelFault
		if !errors.As(err, &f) || !errors.Is(err, hal.ErrIllegalAddress) && !errors.Is(err, hal.ErrLaunchFailed) {
			t.Fatalf("block_sum_undeclared with %d threads: %v, want a kernel fault", threads, err)
		}
		t.Logf("%v", err)
		// The worker that ran it still works.
		if err := r.launch(t, "block_sum", d1(4), d1(256), 0, in.Device, out.Device); err != nil {
			t.Fatal(err)
		}
		for b, v := range unsafe.Slice((*float32)(out.Host), 4) {
			if v != 256 {
				t.Errorf("block_sum block %d = %v, want 256", b, v)
			}
		}
	})
}

// TestFaultTraps: integer division by zero, __builtin_trap and abort.
func TestFaultTraps(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		out := r.alloc(t, 4)
		err := r.launch(t, "divide", d1(1), d1(1), 0, int32(7), int32(0), out.Device)
		wantFault(t, err, hal.ErrLaunchFailed, "divide", "SIGFPE", "division by zero")
		if err := r.launch(t, "divide", d1(1), d1(1), 0, int32(-42), int32(5), out.Device); err != nil {
			t.Fatal(err)
		}
		if v := *(*int32)(out.Host); v != -8 {
			t.Errorf("-42/5 = %d, want -8", v)
		}
		err = r.launch(t, "trap", d1(1), d1(1), 0, uint32(1))
		wantFault(t, err, hal.ErrLaunchFailed, "trap", "SIGILL", "illegal instruction")
		err = r.launch(t, "trap", d1(1), d1(1), 0, uint32(2))
		wantFault(t, err, hal.ErrLaunchFailed, "trap", "SIGABRT", "abort")
		if err := r.launch(t, "trap", d1(1), d1(1), 0, uint32(0)); err != nil {
			t.Fatal(err)
		}
		if err := r.dev.Free(hal.MemoryDevice, out.Device); err != nil {
			t.Error(err)
		}
	})
}

// TestFaultInLibc: a fault inside a C library function the kernel called.
func TestFaultInLibc(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		dst := r.alloc(t, 64)
		err := r.launch(t, "copy_bytes", d1(1), d1(1), 0, dst.Device, uint64(0x40), uint64(64))
		wantFault(t, err, hal.ErrIllegalAddress, "copy_bytes", "a null pointer plus 64 bytes")
	})
}

// TestGoFaultsStillPanic: with the kernel fault handler installed, a nil
// dereference in Go code is still Go's panic, which recover catches.
func TestGoFaultsStillPanic(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		var p *int
		for i := 0; i < 3; i++ {
			func() {
				defer func() {
					if e := recover(); e == nil || !strings.Contains(fmt.Sprint(e), "nil pointer dereference") {
						t.Errorf("recover() = %v, want a nil pointer dereference", e)
					}
				}()
				_ = *p
			}()
		}
	})
}

// TestFaultCooperative: the worker of a cooperative launch that faults
// breaks the grid barrier: the others leave their kernels instead of
// waiting forever, and the next cooperative launch works.
func TestFaultCooperative(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		count := r.alloc(t, 4)
		k := r.kernel(t, "grid_poke")
		run := func(addr uint64, block uint32) error {
			*(*uint32)(count.Host) = 0
			if err := r.q.Dispatch(k, hal.LaunchConfig{Grid: d1(16), Block: d1(1), Cooperative: true, Args: pack(addr, count.Device, block)}); err != nil {
				t.Fatal(err)
			}
			return r.q.Synchronize(context.Background())
		}
		err := run(0xdead0000, 15)
		wantFault(t, err, hal.ErrIllegalAddress, "grid_poke", "block (15,0,0)", "0xdead0000")
		t.Logf("%v", err)
		if err := run(count.Device+0, 3); err != nil {
			t.Fatal(err)
		}
		workers := uint32(min(16, runtime.GOMAXPROCS(0)))
		if got := *(*uint32)(count.Host); got != workers+1 {
			t.Errorf("count = %d, want %d workers + the poke", got, workers+1)
		}
	})
}

// TestFaultDiscardsQueuedWork: the work enqueued behind a fault is not
// run (its event records still happen); work enqueued later is.
func TestFaultDiscardsQueuedWork(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		a := r.alloc(t, 4)
		*(*uint32)(a.Host) = 1
		ev, err := r.dev.NewEvent(0)
		if err != nil {
			t.Fatal(err)
		}
		var notified error
		r.q.(hal.FaultNotifier).NotifyFault(func(err error) { notified = err })
		block := make(chan struct{})
		if err := r.q.HostCall(func() { <-block }); err != nil {
			t.Fatal(err)
		}
		must(t, r.q.Dispatch(r.kernel(t, "poke"), hal.LaunchConfig{Grid: d1(1), Block: d1(1), Args: pack(uint64(16), uint32(1), uint32(0))}))
		must(t, r.q.Dispatch(r.kernel(t, "poke"), hal.LaunchConfig{Grid: d1(1), Block: d1(1), Args: pack(a.Device, uint32(2), uint32(0))}))
		must(t, r.q.Fill(a.Device, 4, 3, 4))
		must(t, r.q.Record(ev))
		close(block)
		err = r.q.Synchronize(context.Background())
		wantFault(t, err, hal.ErrIllegalAddress, "poke", "a null pointer plus 16 bytes")
		if !errors.Is(notified, hal.ErrIllegalAddress) {
			t.Errorf("fault notification: %v", notified)
		}
		if v := *(*uint32)(a.Host); v != 1 {
			t.Errorf("value = %d: work queued behind the fault ran", v)
		}
		if !ev.Done() {
			t.Error("event recorded behind the fault not reached")
		}
		must(t, r.q.Fill(a.Device, 4, 3, 4))
		must(t, r.q.Synchronize(context.Background()))
		if v := *(*uint32)(a.Host); v != 3 {
			t.Errorf("value = %d after a fill enqueued after the fault, want 3", v)
		}
	})
}

// TestFaultGraph: a graph node that faults fails the graph launch, and the
// nodes after it do not run.
func TestFaultGraph(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{})
		defer r.close(t)
		a := r.alloc(t, 16)
		poke := r.kernel(t, "poke")
		kn := func(addr uint64, v uint32, grid uint32, deps ...int) hal.Node {
			return hal.Node{Kind: hal.NodeKernel, Kernel: poke, Deps: deps, Launch: hal.LaunchConfig{Grid: d1(grid), Block: d1(1), Args: pack(addr, v, uint32(0))}}
		}
		for _, grid := range []uint32{1, 4} { // single-block chains and pooled launches
			clear(unsafe.Slice((*byte)(a.Host), 16))
			g := &hal.Graph{Nodes: []hal.Node{
				kn(a.Device, 1, grid),
				kn(0x30, 2, grid, 0),
				kn(a.Device+4, 3, grid, 1),
				{Kind: hal.NodeFill, Dst: a.Device + 8, Size: 4, Pattern: 4, PatternSize: 4, Deps: []int{2}},
			}}
			x, err := r.dev.Instantiate(g)
			if err != nil {
				t.Fatal(err)
			}
			must(t, r.q.Execute(x))
			err = r.q.Synchronize(context.Background())
			wantFault(t, err, hal.ErrIllegalAddress, "poke", "a null pointer plus 48 bytes")
			got := unsafe.Slice((*uint32)(a.Host), 3)
			if got[0] != 1 || got[1] != 0 || got[2] != 0 {
				t.Errorf("grid %d: memory %v, want [1 0 0]: the nodes after the fault ran", grid, got)
			}
			must(t, x.Close())
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = time.Second

// TestMemcheck: in memory-checking mode, reads and writes just past the
// end of a buffer, just before its start and after its free fault and name
// the allocation; a write into the slack before the guard page is found
// by the canary check after the kernel; good launches still work.
func TestMemcheck(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		r := newRig(t, hal.Config{Memcheck: true})
		defer r.close(t)
		const n = 1000 // 4000 bytes: 96 bytes of slack up to the 256-byte rounding
		a := r.alloc(t, 4*n)
		out := r.alloc(t, 4)
		if a.Device%256 != 0 {
			t.Errorf("allocation at %#x: not 256-byte aligned", a.Device)
		}
		base := fmt.Sprintf("of the %d-byte allocation at %#x", 4*n, a.Device)

		// A good fill and read.
		if err := r.launch(t, "fill_u32", d1(4), d1(256), 0, a.Device, uint32(2), uint32(n)); err != nil {
			t.Fatal(err)
		}
		if err := r.launch(t, "read_u32", d1(1), d1(1), 0, a.Device, out.Device, uint32(n)); err != nil {
			t.Fatal(err)
		}
		if v := *(*uint32)(out.Host); v != 2*n {
			t.Errorf("sum = %d, want %d", v, 2*n)
		}

		// A write 4 bytes into the slack: no fault, but the canary check
		// after the kernel pins it on the kernel.
		err := r.launch(t, "fill_u32", d1(4), d1(256), 0, a.Device, uint32(2), uint32(n+1))
		wantFault(t, err, hal.ErrIllegalAddress, "fill_u32", "memcheck", "offset 4000 "+base+": past the end by 1 bytes", "canary")
		t.Logf("slack write: %v", err)

		// Past the rounding: the guard page. Reading...
		err = r.launch(t, "read_u32", d1(1), d1(1), 0, a.Device, out.Device, uint32(1024+1))
		wantFault(t, err, hal.ErrIllegalAddress, "read_u32", "offset 4096 "+base+": past the end by 97 bytes")
		t.Logf("read past the end: %v", err)
		// ... and writing.
		err = r.launch(t, "poke", d1(1), d1(1), 0, a.Device+4100, uint32(1), uint32(0))
		wantFault(t, err, hal.ErrIllegalAddress, "poke", "offset 4100 "+base+": past the end by 101 bytes")
		// Before the start: a 4000-byte allocation fills its pages, so the
		// leading guard page is right there.
		err = r.launch(t, "poke", d1(1), d1(1), 0, a.Device-4, uint32(1), uint32(0))
		wantFault(t, err, hal.ErrIllegalAddress, "poke", "SIGSEGV", "4 bytes before the start "+base)
		// A 100-byte allocation has a head canary between the guard page
		// and its start.
		small := r.alloc(t, 100)
		err = r.launch(t, "poke", d1(1), d1(1), 0, small.Device-4, uint32(1), uint32(0))
		wantFault(t, err, hal.ErrIllegalAddress, "poke", fmt.Sprintf("4 bytes before the start of the 100-byte allocation at %#x", small.Device), "canary")
		must(t, r.dev.Free(hal.MemoryDevice, small.Device))

		// Use after free names where it was freed.
		must(t, r.dev.Free(hal.MemoryDevice, a.Device))
		err = r.launch(t, "read_u32", d1(1), d1(1), 0, a.Device, out.Device, uint32(1))
		wantFault(t, err, hal.ErrIllegalAddress, "read_u32", "offset 0 "+base+", freed at", "fault_test.go", "use after free")
		t.Logf("use after free: %v", err)

		// A host-side write into the slack of MallocHost memory is found
		// at free.
		h, err := r.dev.Allocate(hal.MemoryHost, 10)
		if err != nil {
			t.Fatal(err)
		}
		*(*byte)(unsafe.Add(h.Host, 12)) = 1
		err = r.dev.Free(hal.MemoryHost, h.Device)
		if !errors.Is(err, hal.ErrIllegalAddress) || !strings.Contains(err.Error(), "past the end by 3 bytes") {
			t.Errorf("free after a write past the end: %v, want ErrIllegalAddress", err)
		}
		must(t, r.dev.Free(hal.MemoryDevice, out.Device))
	})
}

// TestMemcheckQuarantine: freed memory is not handed out again at once,
// and the quarantine is bounded (allocating and freeing far more than it
// holds works).
func TestMemcheckQuarantine(t *testing.T) {
	r := newRig(t, hal.Config{Memcheck: true})
	defer r.close(t)
	seen := map[uint64]bool{}
	for i := 0; i < 200; i++ {
		a := r.alloc(t, 64<<10)
		if seen[a.Device] {
			t.Fatalf("allocation %d at %#x reuses a quarantined address", i, a.Device)
		}
		seen[a.Device] = true
		must(t, r.dev.Free(hal.MemoryDevice, a.Device))
	}
	for i := 0; i < 6000; i++ {
		a := r.alloc(t, 100)
		must(t, r.dev.Free(hal.MemoryDevice, a.Device))
	}
	if n := cpu.LiveAllocations(r.dev); n != 0 {
		t.Errorf("%d allocations live", n)
	}
}
