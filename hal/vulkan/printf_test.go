//go:build cgo

package vulkan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// TestPTXPrintf: printf in a kernel prints, at the next Synchronize, what
// C's printf prints for the same values (the CPU backend's test, same
// kernel and reference), a format chosen at run time and a null string
// included; printf returns the number of arguments it used; the buffer is
// empty afterwards (a second Synchronize prints nothing more).
func TestPTXPrintf(t *testing.T) {
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		d, x, q := printfRig(t, haltest.PrintfPTX(t))
		out := alloc(t, d, hal.MemoryDevice, 4*haltest.PrintfThreads)
		poison(t, d, out.Device, 4*haltest.PrintfThreads)
		cfg := hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: haltest.PrintfThreads, Y: 1, Z: 1},
			Args: haltest.PrintValuesArgs(out.Device)}
		if err := q.Dispatch(kernelOf(t, x, "print_values"), cfg); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		syncQ(t, q) // prints nothing more
		b := getBytes(t, d, out.Device, 4*haltest.PrintfThreads)
		for i := range haltest.PrintfThreads {
			if v := binary.LittleEndian.Uint32(b[4*i:]); v != 8 {
				t.Errorf("printf in thread %d returned %d, want 8 (its arguments)", i, v)
			}
		}
	})
	if !child {
		haltest.CheckPrintValues(t, stdout)
	}
}

// TestPTXAssert: a failed assert() prints CUDA's message for every
// failing thread to stderr, and the Synchronize that prints it fails with
// ErrAssert (a launch failure too); a launch whose asserts hold computes
// its results and reports nothing.
func TestPTXAssert(t *testing.T) {
	stdout, stderr, child := haltest.CaptureChild(t, func(t *testing.T) {
		d, x, q := printfRig(t, haltest.PrintfPTX(t))
		const n = 4
		v, out := alloc(t, d, hal.MemoryDevice, 4*n), alloc(t, d, hal.MemoryDevice, 4*n)
		vs := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint32(vs[4*i:], uint32(10*i+1))
		}
		putBytes(t, d, v.Device, vs)
		poison(t, d, out.Device, 4*n)
		k := kernelOf(t, x, "check_below")
		launch := func(limit uint32) error {
			a := new(args).ptr(v.Device).u32(limit).ptr(out.Device)
			if err := q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: n, Y: 1, Z: 1}, Args: a.bytes()}); err != nil {
				t.Fatal(err)
			}
			return q.Synchronize(context.Background())
		}
		if err := launch(100); err != nil {
			t.Fatalf("launch whose asserts hold: %v", err)
		}
		got := getBytes(t, d, out.Device, 4*n)
		for i := range n {
			if g, w := binary.LittleEndian.Uint32(got[4*i:]), uint32(2*(10*i+1)); g != w {
				t.Errorf("out[%d] = %d, want %d", i, g, w)
			}
		}
		err := launch(15) // 21 and 31 fail
		if !errors.Is(err, hal.ErrAssert) || !errors.Is(err, hal.ErrLaunchFailed) || !strings.Contains(err.Error(), haltest.AssertLine(2)) {
			t.Fatalf("launch with failing asserts: %v, want ErrAssert (and ErrLaunchFailed) naming thread 2", err)
		}
		fmt.Printf("fault: %v\n", err)
	})
	if child {
		return
	}
	haltest.CheckAssertOutput(t, stdout, stderr, 2, 3)
}

// spamPTX: kernel spam prints "#<global thread index>" once per thread.
const spamPTX = ptxHead + `.extern .func (.param .b32 r) vprintf (.param .b64 f, .param .b64 a);
.global .align 1 .b8 fmt[8] = {35, 37, 117, 10, 0};
.visible .entry spam(.param .u32 n) {
  .local .align 8 .b8 depot[8];
  .reg .b32 %r<4>; .reg .b64 %rd<4>; .reg .pred %p;
  mov.u32 %r1, %tid.x;
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mad.lo.u32 %r1, %r2, %r3, %r1;
  mov.u64 %rd1, depot;
  cvta.local.u64 %rd2, %rd1;
  st.local.u32 [%rd1], %r1;
  mov.u64 %rd3, fmt;
  cvta.global.u64 %rd3, %rd3;
  { .param .b64 p0; st.param.b64 [p0], %rd3; .param .b64 p1; st.param.b64 [p1], %rd2; .param .b32 r0;
    call.uni (r0), vprintf, (p0, p1); }
  ret;
}`

// TestPTXPrintfAtUnload: records nobody synchronized for are printed when
// their module is closed (once the device is idle), as CUDA prints at
// module unload.
func TestPTXPrintfAtUnload(t *testing.T) {
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		d := openDevice(t)
		x, err := d.Load(hal.FormatPTX, []byte(spamPTX))
		if err != nil {
			t.Fatal(err)
		}
		q := newQueue(t, d)
		defer q.Close()
		if err := q.Dispatch(kernelOf(t, x, "spam"), hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 2, Y: 1, Z: 1}, Args: new(args).u32(0).bytes()}); err != nil {
			t.Fatal(err)
		}
		for !q.Idle() {
			time.Sleep(time.Millisecond)
		}
		haltest.Unload(t, x.Close)
	})
	if child {
		return
	}
	got, ok := haltest.OutputAtUnload(stdout)
	if f := strings.Join(strings.Fields(got), " "); !ok || f != "#0 #1" && f != "#1 #0" {
		t.Errorf("printed %q at unload, want #0 and #1 (all output: %q)", got, stdout)
	}
}

// TestPTXPrintfFull: a kernel that prints more than the buffer holds
// prints what fit and drops the rest, as CUDA's FIFO does; the records
// are whole, and the next launch prints again.
func TestPTXPrintfFull(t *testing.T) {
	const src = spamPTX
	per := (&spirvgen.PrintfFormat{Args: ptxPrintfArgs("#%u\n")}).RecordSize()
	fits := (spirvgen.PrintfBufferSize - 8) / per
	stdout, _, child := haltest.CaptureChild(t, func(t *testing.T) {
		_, x, q := printfRig(t, []byte(src))
		k := kernelOf(t, x, "spam")
		blocks := uint32(fits/256 + 2)
		if err := q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: blocks, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: new(args).u32(0).bytes()}); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
		fmt.Println("second launch")
		if err := q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: 1, Y: 1, Z: 1}, Block: hal.Dim3{X: 2, Y: 1, Z: 1}, Args: new(args).u32(0).bytes()}); err != nil {
			t.Fatal(err)
		}
		syncQ(t, q)
	})
	if child {
		return
	}
	first, second, ok := strings.Cut(stdout, "second launch\n")
	if !ok {
		t.Fatalf("no second launch in the output (%d bytes)", len(stdout))
	}
	lines := strings.Split(strings.TrimSuffix(first, "\n"), "\n")
	if len(lines) != fits {
		t.Errorf("%d lines printed, want the %d records that fit", len(lines), fits)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") || seen[l] {
			t.Fatalf("bad or repeated line %q", l)
		}
		seen[l] = true
	}
	if strings.Join(strings.Fields(second), " ") != "#0 #1" && strings.Join(strings.Fields(second), " ") != "#1 #0" {
		t.Errorf("second launch printed %q, want #0 and #1", second)
	}
}

func ptxPrintfArgs(format string) ptx.PrintfArgs { return ptx.PrintfLayout(format) }

// printfRig opens a device, loads PTX and makes a queue, all closed when
// the test ends.
func printfRig(t *testing.T, src []byte) (*device, hal.Executable, hal.Queue) {
	t.Helper()
	d := openDevice(t)
	x, err := d.Load(hal.FormatPTX, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	q := newQueue(t, d)
	t.Cleanup(func() { q.Close() })
	return d, x, q
}

// TestPTXPrintfAtEvent: an event wait prints what the kernels before the
// event printed, as cuEventSynchronize does; a failed assert fails the
// event wait and the next Synchronize (for the context to become
// unusable), once.
func TestPTXPrintfAtEvent(t *testing.T) {
	stdout, stderr, child := haltest.CaptureChild(t, func(t *testing.T) {
		d, x, q := printfRig(t, haltest.PrintfPTX(t))
		ev, err := d.NewEvent(hal.EventDisableTiming)
		if err != nil {
			t.Fatal(err)
		}
		defer ev.Close()
		out := alloc(t, d, hal.MemoryDevice, 4*haltest.PrintfThreads)
		one := hal.Dim3{X: 1, Y: 1, Z: 1}
		if err := q.Dispatch(kernelOf(t, x, "print_values"), hal.LaunchConfig{Grid: one, Block: hal.Dim3{X: haltest.PrintfThreads, Y: 1, Z: 1},
			Args: haltest.PrintValuesArgs(out.Device)}); err != nil {
			t.Fatal(err)
		}
		if err := q.Record(ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		fmt.Println("waited")
		syncQ(t, q)

		v := alloc(t, d, hal.MemoryDevice, 16)
		putBytes(t, d, v.Device, []byte{1, 0, 0, 0, 50, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0})
		a := new(args).ptr(v.Device).u32(10).ptr(out.Device)
		if err := q.Dispatch(kernelOf(t, x, "check_below"), hal.LaunchConfig{Grid: one, Block: hal.Dim3{X: 4, Y: 1, Z: 1}, Args: a.bytes()}); err != nil {
			t.Fatal(err)
		}
		if err := q.Record(ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Wait(context.Background()); !errors.Is(err, hal.ErrAssert) {
			t.Fatalf("event wait after a failed assert: %v, want ErrAssert", err)
		}
		if err := q.Synchronize(context.Background()); !errors.Is(err, hal.ErrAssert) {
			t.Fatalf("Synchronize after the event wait reported the assert: %v, want ErrAssert", err)
		}
		if err := q.Synchronize(context.Background()); err != nil {
			t.Fatalf("second Synchronize: %v, want nil (reported once)", err)
		}
	})
	if child {
		return
	}
	before, _, ok := strings.Cut(stdout, "waited")
	if !ok {
		t.Fatalf("output %q", stdout)
	}
	haltest.CheckPrintValues(t, before)
	if want := haltest.AssertLine(1) + "\n"; !strings.Contains(stderr, want) {
		t.Errorf("stderr:\n%s\nwant the line\n%s", stderr, want)
	}
}
