package spirvgen_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// openVulkan opens the Vulkan backend's first device (lavapipe in CI);
// without one the test skips, unless STREAM_HAL_REQUIRE names vulkan.
func openVulkan(t *testing.T) *streaming.Context {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{Backends: []string{"vulkan"}})
	haltest.SkipUnavailable(t, "vulkan", err)
	dev := rt.Default()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dev.PrimaryContextRelease()
		rt.Close()
	})
	return ctx
}

// runKernel launches kernel(in, out, n) with n = grid*block over a copy of
// in and returns out (outBytes long, poisoned with 0xa5 before).
func runKernel(t *testing.T, ctx *streaming.Context, mod *streaming.Module, kernel string, grid, block uint32, in []byte, outBytes int) []byte {
	t.Helper()
	f, err := mod.Function(kernel)
	if err != nil {
		t.Fatal(err)
	}
	din, err := ctx.Malloc(uint64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(din)
	dout, err := ctx.Malloc(uint64(outBytes))
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(dout)
	s := ctx.DefaultStream()
	if err := streaming.CopyToDevice(s, din, in); err != nil {
		t.Fatal(err)
	}
	poison := make([]byte, outBytes)
	for i := range poison {
		poison[i] = 0xa5
	}
	if err := streaming.CopyToDevice(s, dout, poison); err != nil {
		t.Fatal(err)
	}
	if err := s.Launch(f, streaming.D1(grid), streaming.D1(block), 0, din, dout, uint32(grid*block)); err != nil {
		t.Fatal(err)
	}
	out := make([]byte, outBytes)
	if err := streaming.CopyFromDevice(s, out, dout); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// runWord launches kernel(out, arg) on one block of block threads, with
// out one word poisoned with 0xa5 before, and returns the word.
func runWord(t *testing.T, ctx *streaming.Context, mod *streaming.Module, kernel string, block uint32, arg any) uint32 {
	t.Helper()
	f, err := mod.Function(kernel)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ctx.Malloc(4)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(out)
	s := ctx.DefaultStream()
	if err := streaming.CopyToDevice(s, out, []byte{0xa5, 0xa5, 0xa5, 0xa5}); err != nil {
		t.Fatal(err)
	}
	if err := s.Launch(f, streaming.D1(1), streaming.D1(block), 0, out, arg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if err := streaming.CopyFromDevice(s, got, out); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint32(got)
}
