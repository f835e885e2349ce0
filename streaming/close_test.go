package streaming_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamhal/streamhal/streaming"
)

// TestStreamCloseWaits checks Stream.Close's promise on every backend:
// when it returns, the stream's work is done (a host function that takes
// a while, and a kernel enqueued after it), so its output can be read and
// its memory freed at once. CUDA's cuStreamDestroy returns before that
// work is done (mockcuda's too, see TestOnMockCUDA), so streaming must
// wait itself.
func TestStreamCloseWaits(t *testing.T) {
	e := newEnv(t)
	f := e.fn(t, "vector_add")
	const n = 4096
	cfg := cfg1(n)
	a, b := e.malloc(t, 4*n), e.malloc(t, 4*n)
	va := seq(n, func(i int) float32 { return float32(i) })
	vb := seq(n, func(i int) float32 { return float32(7*i) + 0.5 })
	if err := streaming.CopyToDeviceSync(e.ctx, a, va); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyToDeviceSync(e.ctx, b, vb); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		out, err := e.ctx.Malloc(4 * n)
		if err != nil {
			t.Fatal(err)
		}
		if err := streaming.CopyToDeviceSync(e.ctx, out, poisoned(n)); err != nil {
			t.Fatal(err)
		}
		s, err := e.ctx.NewStream(streaming.StreamNonBlocking, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ran atomic.Bool
		if err := s.LaunchHostFunc(func() { time.Sleep(20 * time.Millisecond); ran.Store(true) }); err != nil {
			t.Fatal(err)
		}
		if err := s.Launch(f, cfg.Grid, cfg.Block, 0, a, b, out, uint32(n)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		if !ran.Load() {
			t.Fatalf("round %d: Close returned before the stream's host function had run", round)
		}
		got := poisoned(n)
		if err := streaming.CopyFromDeviceSync(e.ctx, got, out); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != va[i]+vb[i] {
				t.Fatalf("round %d: out[%d] = %v after Close, want %v (the kernel had not run)", round, i, got[i], va[i]+vb[i])
			}
		}
		if err := e.ctx.Free(out); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); !errors.Is(err, streaming.ErrInvalidHandle) {
			t.Errorf("second Close: got %v, want ErrInvalidHandle", err)
		}
	}
}
