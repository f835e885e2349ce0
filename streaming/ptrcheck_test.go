package streaming_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// bogus is an address no allocation covers, as a program that computed a
// pointer wrongly might pass it.
const bogus = 0xdeadbeef000

// TestLaunchPointerByLayout launches vector_add with a made-up address in
// each pointer parameter, carried by every Go type that packs to 8 bytes:
// the kernel's layout says the parameter is a pointer, so the launch fails
// with ErrInvalidValue instead of handing the kernel an address that
// crashes it. Null and one-past-the-end pointers stay allowed, as in CUDA.
// It runs in a child process: before the check existed, the CPU kernel
// died with SIGSEGV.
func TestLaunchPointerByLayout(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		f := e.fn(t, "vector_add")
		s := e.ctx.DefaultStream()
		const n = 64
		d := e.malloc(t, 4*n)
		one, cfg := streaming.D1(1), streaming.LaunchConfig{Grid: streaming.D1(1), Block: streaming.D1(n)}
		carriers := []struct {
			name string
			v    any
		}{
			{"DevicePtr", streaming.DevicePtr(bogus)},
			{"uint64", uint64(bogus)},
			{"uintptr", uintptr(bogus)},
			{"int64", int64(bogus)},
			{"uint", uint(bogus)},
			{"int", int(bogus)},
		}
		for _, c := range carriers {
			for pos := range 3 {
				args := []any{d, d, d, uint32(n)}
				args[pos] = c.v
				if err := s.Launch(f, one, streaming.D1(n), 0, args...); !errors.Is(err, streaming.ErrInvalidValue) {
					t.Errorf("Launch with %s(%#x) as argument %d: got %v, want ErrInvalidValue", c.name, bogus, pos, err)
				}
				buf := make([]byte, 28)
				for i, a := range []uint64{uint64(d), uint64(d), uint64(d)} {
					binary.LittleEndian.PutUint64(buf[8*i:], a)
				}
				binary.LittleEndian.PutUint32(buf[24:], n)
				binary.LittleEndian.PutUint64(buf[8*pos:], bogus)
				if err := s.LaunchPacked(f, cfg, buf); !errors.Is(err, streaming.ErrInvalidValue) {
					t.Errorf("LaunchPacked with %#x as argument %d: got %v, want ErrInvalidValue", bogus, pos, err)
				}
				vals := []uint64{uint64(d), uint64(d), uint64(d)}
				vals[pos] = bogus
				count := uint32(n)
				params := []unsafe.Pointer{unsafe.Pointer(&vals[0]), unsafe.Pointer(&vals[1]), unsafe.Pointer(&vals[2]), unsafe.Pointer(&count)}
				if err := s.LaunchParams(f, cfg, params); !errors.Is(err, streaming.ErrInvalidValue) {
					t.Errorf("LaunchParams with %#x as argument %d: got %v, want ErrInvalidValue", bogus, pos, err)
				}
			}
		}
		// The error names the kernel, the argument and the address.
		err := s.Launch(f, one, one, 0, d, d, uint64(bogus), uint32(1))
		for _, want := range []string{"vector_add", "argument 2", fmt.Sprintf("%#x", bogus)} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not mention %q", err, want)
			}
		}
		// A 4-byte value for an 8-byte pointer parameter is a size mismatch.
		if err := s.Launch(f, one, one, 0, uint32(0xbeef000), d, d, uint32(1)); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Launch with a uint32 pointer: got %v, want ErrInvalidValue", err)
		}
		// Null and one past the end are valid pointers (the kernel touches
		// nothing with n = 0), except that a device running shaders as
		// native code on threads of its own (lavapipe) refuses null: a null
		// dereference there would end the process (see hal/vulkan).
		for _, p := range []uint64{0, uint64(d) + 4*n} {
			err := s.Launch(f, one, one, 0, uint64(p), streaming.DevicePtr(p), uintptr(p), uint32(0))
			if p == 0 && errors.Is(err, streaming.ErrInvalidValue) && strings.Contains(err.Error(), "runs shaders as native code") {
				continue
			}
			if err != nil {
				t.Errorf("Launch with pointer %#x and n = 0: %v", p, err)
			}
		}
		// The real thing still runs.
		a := seq(n, func(i int) float32 { return float32(i) })
		if err := streaming.CopyToDevice(s, d, a); err != nil {
			t.Fatal(err)
		}
		out := e.malloc(t, 4*n)
		if err := s.Launch(f, one, streaming.D1(n), 0, uint64(d), uintptr(d), out, uint32(n)); err != nil {
			t.Fatal(err)
		}
		got := poisoned(n)
		if err := streaming.CopyFromDevice(s, got, out); err != nil {
			t.Fatal(err)
		}
		syncStream(t, s)
		for i := range got {
			if got[i] != 2*a[i] {
				t.Fatalf("out[%d] = %v, want %v", i, got[i], 2*a[i])
			}
		}
	})
}

// TestGraphKernelNodePointers checks kernel node pointer arguments at
// every point they enter a graph (add, node update, exec update,
// instantiate) and again at launch, where memory freed since
// instantiation is ErrInvalidValue rather than a crash. It runs in a
// child process: before the checks, the launch after the free crashed
// the CPU kernel.
func TestGraphKernelNodePointers(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		f := e.fn(t, "vector_add")
		s := e.stream(t, streaming.StreamNonBlocking)
		const n = 256
		cfg := cfg1(n)
		a, b := e.malloc(t, 4*n), e.malloc(t, 4*n)
		va := seq(n, func(i int) float32 { return float32(i) })
		vb := seq(n, func(i int) float32 { return float32(3 * i) })
		if err := streaming.CopyToDeviceSync(e.ctx, a, va); err != nil {
			t.Fatal(err)
		}
		if err := streaming.CopyToDeviceSync(e.ctx, b, vb); err != nil {
			t.Fatal(err)
		}
		good := packed(t, f, a, b, a, uint32(n))
		bad := packed(t, f, a, streaming.DevicePtr(bogus), a, uint32(n))

		g := streaming.NewGraph()
		for _, v := range []any{streaming.DevicePtr(bogus), uint64(bogus), int(bogus)} {
			if _, err := g.AddKernelNode(nil, f, cfg, a, v, a, uint32(n)); !errors.Is(err, streaming.ErrInvalidValue) {
				t.Errorf("AddKernelNode with %T(%#x): got %v, want ErrInvalidValue", v, bogus, err)
			}
		}
		if _, err := g.AddKernelNodeParams(nil, streaming.KernelNodeParams{Function: f, Config: cfg, Args: bad}); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("AddKernelNodeParams with a made-up address: got %v, want ErrInvalidValue", err)
		}
		if len(g.Nodes()) != 0 {
			t.Fatalf("refused nodes were added: %d nodes", len(g.Nodes()))
		}

		// out = a + b into a buffer freed later.
		out, err := e.ctx.Malloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		node, err := g.AddKernelNode(nil, f, cfg, a, b, out, uint32(n))
		if err != nil {
			t.Fatal(err)
		}
		if err := node.SetKernelParams(streaming.KernelNodeParams{Function: f, Config: cfg, Args: bad}); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("SetKernelParams with a made-up address: got %v, want ErrInvalidValue", err)
		}
		x := e.instantiate(t, g)
		if err := x.SetKernelNodeParams(node, streaming.KernelNodeParams{Function: f, Config: cfg, Args: bad}); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("GraphExec.SetKernelNodeParams with a made-up address: got %v, want ErrInvalidValue", err)
		}
		if err := x.Launch(s); err != nil {
			t.Fatal(err)
		}
		got := poisoned(n)
		if err := streaming.CopyFromDevice(s, got, out); err != nil {
			t.Fatal(err)
		}
		syncStream(t, s)
		for i := range got {
			if got[i] != va[i]+vb[i] {
				t.Fatalf("graph: out[%d] = %v, want %v", i, got[i], va[i]+vb[i])
			}
		}

		// A memcpy node into the same buffer, in a second exec.
		g2 := streaming.NewGraph()
		if _, err := g2.AddMemcpyNode(nil, out, a, 4*n); err != nil {
			t.Fatal(err)
		}
		x2 := e.instantiate(t, g2)

		if err := e.ctx.Free(out); err != nil {
			t.Fatal(err)
		}
		// Launching after the free is an error, not a kernel writing to
		// freed memory; so is instantiating or updating from the graph.
		if err := x.Launch(s); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Launch after its output buffer was freed: got %v, want ErrInvalidValue", err)
		}
		if err := x2.Launch(s); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Launch of a memcpy node after its buffer was freed: got %v, want ErrInvalidValue", err)
		}
		if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Instantiate after a node's buffer was freed: got %v, want ErrInvalidValue", err)
		}
		var uerr *streaming.GraphExecUpdateError
		if err := x.Update(g); !errors.As(err, &uerr) {
			t.Errorf("Update from a graph whose buffer was freed: got %v, want a GraphExecUpdateError", err)
		}
		// Memory allocated since does not revive the node, not even at the
		// freed address (where allocators put the next allocation: CUDA's
		// at once, right after its neighbour b, so that the freed address
		// is also one past the end of b).
		re := e.malloc(t, 4*n)
		t.Logf("freed buffer at %#x, next allocation at %#x, b ends at %#x", out, re, b+4*n)
		if _, err := e.ctx.Instantiate(g); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Instantiate after a node's buffer was freed and memory allocated: got %v, want ErrInvalidValue", err)
		}
		syncStream(t, s)

		// Pointing the node at live memory makes the exec launchable again.
		if err := x.SetKernelNodeParams(node, streaming.KernelNodeParams{Function: f, Config: cfg, Args: good}); err != nil {
			t.Fatal(err)
		}
		if err := x.Launch(s); err != nil {
			t.Fatalf("Launch after SetKernelNodeParams to live memory: %v", err)
		}
		got = poisoned(n)
		if err := streaming.CopyFromDevice(s, got, a); err != nil {
			t.Fatal(err)
		}
		syncStream(t, s)
		for i := range got {
			if got[i] != va[i]+vb[i] {
				t.Fatalf("graph after update: a[%d] = %v, want %v", i, got[i], va[i]+vb[i])
			}
		}

		// A captured launch is checked like an eager one.
		if err := s.BeginCapture(streaming.CaptureModeRelaxed); err != nil {
			t.Fatal(err)
		}
		cerr := s.Launch(f, cfg.Grid, cfg.Block, 0, a, uint64(bogus), a, uint32(n))
		cg, err := s.EndCapture()
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(cerr, streaming.ErrInvalidValue) {
			t.Errorf("captured Launch with a made-up address: got %v, want ErrInvalidValue", cerr)
		}
		if cg != nil && len(cg.Nodes()) != 0 {
			t.Errorf("the refused launch was captured: %d nodes", len(cg.Nodes()))
		}

		// A captured launch keeps its buffers as an added node does.
		out2, err := e.ctx.Malloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BeginCapture(streaming.CaptureModeRelaxed); err != nil {
			t.Fatal(err)
		}
		cerr = s.Launch(f, cfg.Grid, cfg.Block, 0, a, b, out2, uint32(n))
		cg, err = s.EndCapture()
		if err != nil || cerr != nil {
			t.Fatalf("capture: launch %v, end %v", cerr, err)
		}
		if err := e.ctx.Free(out2); err != nil {
			t.Fatal(err)
		}
		re2 := e.malloc(t, 4*n)
		t.Logf("captured: freed buffer at %#x, next allocation at %#x", out2, re2)
		if _, err := e.ctx.Instantiate(cg); !errors.Is(err, streaming.ErrInvalidValue) {
			t.Errorf("Instantiate of a captured graph after its buffer was freed: got %v, want ErrInvalidValue", err)
		}
	})
}

// TestGraphLaunchRevalidatesCheaply launches an exec many times with frees
// of unrelated memory in between: the exec re-checks its addresses only
// when something was freed since its last check, and a free of memory it
// does not use never fails it.
func TestGraphLaunchRevalidatesCheaply(t *testing.T) {
	e := newEnv(t)
	f := e.fn(t, "vector_add")
	s := e.stream(t, streaming.StreamNonBlocking)
	const n = 128
	a, out := e.malloc(t, 4*n), e.malloc(t, 4*n)
	va := seq(n, func(i int) float32 { return float32(i) + 0.5 })
	if err := streaming.CopyToDeviceSync(e.ctx, a, va); err != nil {
		t.Fatal(err)
	}
	g := streaming.NewGraph()
	if _, err := g.AddKernelNode(nil, f, cfg1(n), a, a, out, uint32(n)); err != nil {
		t.Fatal(err)
	}
	x := e.instantiate(t, g)
	for i := range 50 {
		tmp, err := e.ctx.Malloc(uint64(64 + i))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.ctx.Free(tmp); err != nil {
			t.Fatal(err)
		}
		if err := x.Launch(s); err != nil {
			t.Fatalf("launch %d: %v", i, err)
		}
	}
	got := poisoned(n)
	if err := streaming.CopyFromDevice(s, got, out); err != nil {
		t.Fatal(err)
	}
	syncStream(t, s)
	for i := range got {
		if got[i] != 2*va[i] {
			t.Fatalf("out[%d] = %v, want %v", i, got[i], 2*va[i])
		}
	}
}
