package cuda

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

func newTestBaseline(t *testing.T, d hal.Device, image []byte) *baseline {
	t.Helper()
	b, err := newBaseline(d, image)
	if err != nil {
		t.Fatalf("newBaseline: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil && !errors.Is(err, hal.ErrInvalidHandle) {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// TestBaselineData checks that the baseline's copies and vector_add move
// and compute the right data, from a PTX image and from the project's fat
// module (from which the baseline picks the device's binary).
func TestBaselineData(t *testing.T) {
	d := testDevice(t)
	for _, image := range []string{"test_kernels.sm_90.ptx", "test_kernels.fat"} {
		t.Run(image, func(t *testing.T) {
			b := newTestBaseline(t, d, readTestdata(t, image))
			const n = 1<<20 + 3 // not a multiple of the block size
			rng := rand.New(rand.NewPCG(3, 4))
			src := make([]byte, 4*n)
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			dev1 := alloc(t, d, hal.MemoryDevice, 4*n)
			dev2 := alloc(t, d, hal.MemoryDevice, 4*n)
			pinned := alloc(t, d, hal.MemoryHost, 4*n)
			pinnedView := unsafe.Slice((*byte)(pinned.Host), 4*n)
			poison := func(p []byte) {
				for i := range p {
					p[i] = 0xEE
				}
			}
			check := func(what string, got, want []byte) {
				t.Helper()
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("%s: byte %d = %#x, want %#x", what, i, got[i], want[i])
				}
			}

			// Pageable Go memory -> device, twice.
			if _, err := b.CopyHtoD(dev1.Device, unsafe.Pointer(&src[0]), 4*n, 2); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 4*n)
			poison(got)
			download(t, d, got, dev1.Device)
			check("CopyHtoD pageable", got, src)

			// Device -> device.
			if _, err := b.CopyDtoD(dev2.Device, dev1.Device, 4*n, 3); err != nil {
				t.Fatal(err)
			}
			poison(got)
			download(t, d, got, dev2.Device)
			check("CopyDtoD", got, src)

			// Device -> pinned host memory -> device.
			poison(pinnedView)
			if _, err := b.CopyDtoH(pinned.Host, dev2.Device, 4*n, 1); err != nil {
				t.Fatal(err)
			}
			check("CopyDtoH pinned", pinnedView, src)
			upload(t, d, dev1.Device, poisonF32(n))
			if _, err := b.CopyHtoD(dev1.Device, pinned.Host, 4*n, 1); err != nil {
				t.Fatal(err)
			}
			poison(got)
			download(t, d, got, dev1.Device)
			check("CopyHtoD pinned", got, src)

			// Device -> pageable Go memory.
			poison(got)
			if _, err := b.CopyDtoH(unsafe.Pointer(&got[0]), dev1.Device, 4*n, 2); err != nil {
				t.Fatal(err)
			}
			check("CopyDtoH pageable", got, src)

			// vector_add against a Go loop.
			x, y := ramp(n, 0.5, 1), ramp(n, -0.25, 3)
			da, db, dc := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
			upload(t, d, da.Device, x)
			upload(t, d, db.Device, y)
			upload(t, d, dc.Device, poisonF32(n))
			if _, err := b.VectorAdd(da.Device, db.Device, dc.Device, n, 2); err != nil {
				t.Fatal(err)
			}
			z := poisonF32(n)
			download(t, d, z, dc.Device)
			for i := range z {
				if want := x[i] + y[i]; z[i] != want {
					t.Fatalf("vector_add: c[%d] = %v, want %v", i, z[i], want)
				}
			}
		})
	}
}

// TestBaselineTimers runs every timer, on many OS threads: each C call
// makes the context current itself (mockcuda fails a call made on a
// thread without a current context, and rejects a stream used under
// another context than its own).
func TestBaselineTimers(t *testing.T) {
	d := testDevice(t)
	b := newTestBaseline(t, d, readTestdata(t, "test_kernels.sm_90.ptx"))
	dev := alloc(t, d, hal.MemoryDevice, 1<<16)
	dev2 := alloc(t, d, hal.MemoryDevice, 1<<16)
	host := make([]byte, 1<<16)
	timers := map[string]func(n int) error{
		"LaunchEnqueue": func(n int) error { _, err := b.LaunchEnqueue(n); return err },
		"LaunchSync":    func(n int) error { _, err := b.LaunchSync(n); return err },
		"EventSync":     func(n int) error { _, err := b.EventSync(n); return err },
		"CopyHtoD":      func(n int) error { _, err := b.CopyHtoD(dev.Device, unsafe.Pointer(&host[0]), 1<<16, n); return err },
		"CopyDtoH":      func(n int) error { _, err := b.CopyDtoH(unsafe.Pointer(&host[0]), dev.Device, 1<<16, n); return err },
		"CopyDtoD":      func(n int) error { _, err := b.CopyDtoD(dev2.Device, dev.Device, 1<<16, n); return err },
		"VectorAdd":     func(n int) error { _, err := b.VectorAdd(dev.Device, dev.Device, dev2.Device, 1<<14, n); return err },
		"GraphReplay":   func(n int) error { _, err := b.GraphReplay(10, n); return err },
	}
	for name, f := range timers {
		var first error
		for range 3 {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A goroutine that exits locked takes its thread with
				// it, so that later calls land on other threads, some
				// new (with no current context).
				runtime.LockOSThread()
				if err := f(20); err != nil && first == nil {
					first = err
				}
			}()
			wg.Wait()
		}
		if first != nil {
			t.Errorf("%s: %v", name, first)
		}
		if err := f(0); err != nil {
			t.Errorf("%s(0): %v", name, err)
		}
		if err := f(-1); !errors.Is(err, hal.ErrInvalidValue) {
			t.Errorf("%s(-1) = %v, want ErrInvalidValue", name, err)
		}
	}
	for name, f := range map[string]func(n int) (int64, error){
		"LaunchEnqueue": func(n int) (int64, error) { d, err := b.LaunchEnqueue(n); return int64(d), err },
		"LaunchSync":    func(n int) (int64, error) { d, err := b.LaunchSync(n); return int64(d), err },
		"EventSync":     func(n int) (int64, error) { d, err := b.EventSync(n); return int64(d), err },
		"GraphReplay":   func(n int) (int64, error) { d, err := b.GraphReplay(10, n); return int64(d), err },
	} {
		if ns, err := f(50); err != nil || ns <= 0 {
			t.Errorf("%s(50) = %d ns, %v; want a positive time", name, ns, err)
		}
	}

	// Bad arguments.
	if _, err := b.GraphReplay(0, 1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("GraphReplay(0 nodes) = %v, want ErrInvalidValue", err)
	}
	if _, err := b.VectorAdd(dev.Device, dev.Device, dev2.Device, 0, 1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("VectorAdd(0 elements) = %v, want ErrInvalidValue", err)
	}
	if _, err := b.CopyHtoD(dev.Device, nil, 16, 1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("CopyHtoD from nil = %v, want ErrInvalidValue", err)
	}
	if _, err := b.CopyDtoH(nil, dev.Device, 16, 1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("CopyDtoH to nil = %v, want ErrInvalidValue", err)
	}

	// Use after Close.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("second Close = %v, want ErrInvalidHandle", err)
	}
	for name, f := range timers {
		if err := f(1); !errors.Is(err, hal.ErrInvalidHandle) {
			t.Errorf("%s after Close = %v, want ErrInvalidHandle", name, err)
		}
	}
}

type notCUDADevice struct{ hal.Device }

func TestBaselineErrors(t *testing.T) {
	d := testDevice(t)
	ptx := readTestdata(t, "test_kernels.sm_90.ptx")
	for _, tc := range []struct {
		name  string
		dev   hal.Device
		image []byte
		want  error
	}{
		{"nil device", nil, ptx, hal.ErrInvalidHandle},
		{"other driver's device", notCUDADevice{}, ptx, hal.ErrInvalidHandle},
		{"empty image", d, nil, hal.ErrInvalidImage},
		{"garbage image", d, []byte("not a module at all"), hal.ErrInvalidImage},
		{"no empty kernel", d, readTestdata(t, "vector_add.sm_90.ptx"), hal.ErrNotFound},
		{"SPIR-V image", d, readTestdata(t, "vector_add.spv"), hal.ErrNotSupported},
	} {
		b, err := newBaseline(tc.dev, tc.image)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: newBaseline = %v, %v; want an error wrapping %v", tc.name, b, err, tc.want)
		}
		if b != nil {
			b.Close()
		}
	}
}
