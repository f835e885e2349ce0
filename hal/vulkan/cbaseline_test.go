package vulkan

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
)

// The plain-C baseline of streamhal bench runs on the device and computes
// what it claims: its vector_add fills the poisoned output, its copies
// move the bytes, and every loop reports a positive time.
func TestCBaseline(t *testing.T) {
	d := openDevice(t)
	_, image, err := haltest.Kernels(d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.NewCBaseline(image)
	if err != nil {
		t.Fatal(err)
	}
	b := c.(*baseline)
	const n = 4096
	alloc := func() hal.Allocation {
		a, err := d.Allocate(hal.MemoryDevice, 4*n)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Free(hal.MemoryDevice, a.Device) })
		return a
	}
	va, vb, vc := alloc(), alloc(), alloc()
	put := func(a hal.Allocation, f func(i int) float32) {
		v := make([]float32, n)
		for i := range v {
			v[i] = f(i)
		}
		if err := d.CopyFromHost(a.Device, unsafe.Pointer(&v[0]), 4*n); err != nil {
			t.Fatal(err)
		}
	}
	get := func(a hal.Allocation) []float32 {
		v := make([]float32, n)
		if err := d.CopyToHost(unsafe.Pointer(&v[0]), a.Device, 4*n); err != nil {
			t.Fatal(err)
		}
		return v
	}
	put(va, func(i int) float32 { return float32(i) })
	put(vb, func(i int) float32 { return float32(3 * i) })
	put(vc, func(int) float32 { return float32(math.NaN()) })
	for what, run := range map[string]func() (any, error){
		"LaunchEnqueue": func() (any, error) { return b.LaunchEnqueue(10) },
		"LaunchSync":    func() (any, error) { return b.LaunchSync(3) },
		"EventSync":     func() (any, error) { return b.EventSync(3) },
		"VectorAdd":     func() (any, error) { return b.VectorAdd(va.Device, vb.Device, vc.Device, n, 2) },
		"CopyDtoD":      func() (any, error) { return b.CopyDtoD(vb.Device, va.Device, 4*n, 1) },
	} {
		dt, err := run()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v := dt.(interface{ Nanoseconds() int64 }).Nanoseconds(); v <= 0 {
			t.Errorf("%s took %d ns", what, v)
		}
	}
	// vector_add ran before or after the copy of a into b: c is a+3a or
	// a+a; the map's order is random, so accept the one the order gave.
	got := get(vc)
	for i, v := range got {
		if v != float32(4*i) && v != float32(2*i) {
			t.Fatalf("c[%d] = %v, want %v (or %v)", i, v, 4*i, 2*i)
		}
	}
	if gb := get(vb); gb[n-1] != float32(n-1) {
		t.Errorf("after CopyDtoD b[%d] = %v, want %v", n-1, gb[n-1], n-1)
	}
	// Copies into mapped memory where the device has host-visible memory.
	src := make([]byte, 4*n)
	for i := range src {
		src[i] = byte(i * 13)
	}
	if _, err := b.CopyHtoD(va.Device, unsafe.Pointer(&src[0]), 4*n, 1); err == nil {
		dst := make([]byte, 4*n)
		if _, err := b.CopyDtoH(unsafe.Pointer(&dst[0]), va.Device, 4*n, 1); err != nil {
			t.Fatal(err)
		}
		for i := range dst {
			if dst[i] != src[i] {
				t.Fatalf("byte %d = %d after the C copies, want %d", i, dst[i], src[i])
			}
		}
	} else if !errors.Is(err, hal.ErrNotSupported) {
		t.Errorf("CopyHtoD: %v", err)
	}
	if _, err := b.LaunchSync(-1); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("LaunchSync(-1): %v, want ErrInvalidValue", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.EventSync(1); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("EventSync after Close: %v, want ErrInvalidHandle", err)
	}
	if err := c.Close(); !errors.Is(err, hal.ErrInvalidHandle) {
		t.Errorf("second Close: %v, want ErrInvalidHandle", err)
	}
}

// BenchmarkLaunchSyncLayers splits the launch + synchronize row of
// streamhal bench into its layers, alternating in rounds so that the
// device's noise hits all three: C (cbaseline.c's loop, one cgo call for
// all of it), cgo (the same Vulkan calls made from a Go loop, one cgo call
// each) and hal (Dispatch + Synchronize). Reported per launch: C-ns,
// cgo-ns, hal-ns and the ratios cgo/C (what any Go caller of Vulkan pays)
// and hal/cgo (what hal/vulkan adds on top).
func BenchmarkLaunchSyncLayers(b *testing.B) {
	d := openDevice(b)
	base := openBaseline(b, d)
	q := newQueue(b, d)
	defer q.Close()
	ctx := context.Background()
	halLoop := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for range n {
			if err := q.Dispatch(base.empty, empty1); err != nil {
				return 0, err
			}
			if err := q.Synchronize(ctx); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	med := layerMedians(b, base.LaunchSync, base.GoLaunchSync, halLoop, base.GoLaunchSyncOneCall)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(med[0], "C-ns")
	b.ReportMetric(med[1], "cgo-ns")
	b.ReportMetric(med[2], "hal-ns")
	b.ReportMetric(med[1]/med[0], "cgo/C")
	b.ReportMetric(med[2]/med[1], "hal/cgo")
	b.ReportMetric(med[3]/med[0], "cgo1/C")
}

// BenchmarkLaunchEnqueueLayers is the launch enqueue row of streamhal
// bench on this package alone, alternating in rounds of 50 launches, each
// round synchronized untimed: C (cbaseline.c: record and vkQueueSubmit of
// each dispatch) and hal (Dispatch, which records into the queue's open
// batch and submits when work must start). Reported per launch: C-ns,
// hal-ns and hal/C.
func BenchmarkLaunchEnqueueLayers(b *testing.B) {
	d := openDevice(b)
	base := openBaseline(b, d)
	q := newQueue(b, d)
	defer q.Close()
	ctx := context.Background()
	halLoop := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for range n {
			if err := q.Dispatch(base.empty, empty1); err != nil {
				return 0, err
			}
		}
		dt := time.Since(t0)
		return dt, q.Synchronize(ctx)
	}
	med := layerMedians(b, base.LaunchEnqueue, halLoop)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(med[0], "C-ns")
	b.ReportMetric(med[1], "hal-ns")
	b.ReportMetric(med[1]/med[0], "hal/C")
}

// BenchmarkEventSyncLayers is the event record + synchronize row of
// streamhal bench on this package alone, alternating in rounds: C
// (cbaseline.c's loop: a timestamp, vkQueueSubmit signalling a timeline,
// vkWaitSemaphores) and hal (Record of a timing event, Wait). Reported per
// round trip: C-ns, hal-ns and hal/C. The queueAB form oldsync measures
// the queue as it was before submitLocked left out the waits and barriers
// that a timestamp batch does not need.
func BenchmarkEventSyncLayers(b *testing.B) {
	d := openDevice(b)
	base := openBaseline(b, d)
	q := newQueue(b, d)
	defer q.Close()
	ev, err := d.NewEvent(0)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	ctx := context.Background()
	halLoop := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for range n {
			if err := q.Record(ev); err != nil {
				return 0, err
			}
			if err := ev.Wait(ctx); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	med := layerMedians(b, base.EventSync, halLoop)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(med[0], "C-ns")
	b.ReportMetric(med[1], "hal-ns")
	b.ReportMetric(med[1]/med[0], "hal/C")
}

// layerMedians is haltest.LayerMedians for this package's Layers
// benchmarks: three operations of each layer to warm up (pipelines,
// command buffers), then rounds of 50.
func layerMedians(b *testing.B, layers ...func(n int) (time.Duration, error)) []float64 {
	return haltest.LayerMedians(b, 3, 50, layers...)
}

// openBaseline opens streamhal bench's plain-C baseline on d with the
// suite's kernels; it is closed when the test ends.
func openBaseline(t testing.TB, d *device) *baseline {
	t.Helper()
	_, image, err := haltest.Kernels(d)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.NewCBaseline(image)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*baseline)
}

// The Go loop of the baseline runs the empty kernel and reports a time.
func TestGoLaunchSync(t *testing.T) {
	d := openDevice(t)
	b := openBaseline(t, d)
	for name, f := range map[string]func(int) (time.Duration, error){"GoLaunchSync": b.GoLaunchSync, "GoLaunchSyncOneCall": b.GoLaunchSyncOneCall} {
		dt, err := f(5)
		if err != nil || dt <= 0 {
			t.Fatalf("%s(5) = %v, %v", name, dt, err)
		}
		if _, err := f(-1); err == nil {
			t.Errorf("%s(-1) succeeded", name)
		}
	}
}

// The measurement-only queue forms (queueAB) still compute: vector_add
// into a poisoned output, synchronized, gives a + b in each form, so that
// an A/B build for a GPU run never stops at a broken variant.
func TestQueueABForms(t *testing.T) {
	d := openDevice(t)
	b := openBaseline(t, d)
	const n = 1024
	bufs := make([]hal.Allocation, 3)
	for i := range bufs {
		bufs[i] = alloc(t, d, hal.MemoryDevice, 4*n)
		t.Cleanup(func() { d.Free(hal.MemoryDevice, bufs[i].Device) })
	}
	in := make([]float32, n)
	for i := range in {
		in[i] = float32(i)
	}
	for _, a := range bufs[:2] {
		if err := d.CopyFromHost(a.Device, unsafe.Pointer(&in[0]), 4*n); err != nil {
			t.Fatal(err)
		}
	}
	cfg := launch1D(n, 256)
	cfg.Args = (&args{}).ptr(bufs[0].Device).ptr(bufs[1].Device).ptr(bufs[2].Device).u32(n).bytes()
	defer func(w, br bool) { abNoWait, abNoBarrier = w, br }(abNoWait, abNoBarrier)
	for _, form := range [][2]bool{{true, false}, {false, true}, {true, true}} {
		abNoWait, abNoBarrier = form[0], form[1]
		q := newQueue(t, d)
		for round := range 3 {
			if err := q.Fill(bufs[2].Device, 4*n, 0x7fc00000, 4); err != nil { // NaN
				t.Fatal(err)
			}
			if err := q.Dispatch(b.vadd, cfg); err != nil {
				t.Fatal(err)
			}
			if err := q.Synchronize(context.Background()); err != nil {
				t.Fatalf("nowait %v, nobarrier %v: %v", form[0], form[1], err)
			}
			out := make([]float32, n)
			if err := d.CopyToHost(unsafe.Pointer(&out[0]), bufs[2].Device, 4*n); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				if v != float32(2*i) {
					t.Fatalf("nowait %v, nobarrier %v, round %d: c[%d] = %v, want %v", form[0], form[1], round, i, v, 2*i)
				}
			}
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
