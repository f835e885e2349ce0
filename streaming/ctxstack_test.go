package streaming_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

// newContexts makes n contexts on the default device, closed when t ends.
func newContexts(t *testing.T, n int) []*streaming.Context {
	t.Helper()
	rt := openRuntime(t, streaming.Options{})
	t.Cleanup(func() { rt.Close() })
	out := make([]*streaming.Context, n)
	for i := range out {
		c, err := rt.Default().NewContext(0)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// TestContextStackModel runs random operations on a ContextStack and on a
// plain slice that models it, comparing Current and Depth after each.
func TestContextStackModel(t *testing.T) {
	ctxs := newContexts(t, 4)
	var cs streaming.ContextStack
	var ref []*streaming.Context
	top := func() *streaming.Context {
		if len(ref) == 0 {
			return nil
		}
		return ref[len(ref)-1]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 5000 {
		c := ctxs[rng.IntN(len(ctxs))]
		op := rng.IntN(7)
		switch op {
		case 0, 1:
			if err := cs.Push(c); err != nil {
				t.Fatal(err)
			}
			ref = append(ref, c)
		case 2:
			got, err := cs.Pop()
			if len(ref) == 0 {
				if !errors.Is(err, streaming.ErrInvalidContext) {
					t.Fatalf("step %d: Pop of an empty stack: %v", step, err)
				}
				break
			}
			if err != nil || got != top() {
				t.Fatalf("step %d: Pop = %p, %v; want %p", step, got, err, top())
			}
			ref = ref[:len(ref)-1]
		case 3:
			if rng.IntN(3) == 0 {
				c = nil
			}
			cs.SetCurrent(c)
			switch {
			case c == nil && len(ref) > 0:
				ref = ref[:len(ref)-1]
			case c == nil:
			case len(ref) == 0:
				ref = append(ref, c)
			default:
				ref[len(ref)-1] = c
			}
		case 4:
			cs.Remove(c)
			ref = slices.DeleteFunc(ref, func(x *streaming.Context) bool { return x == c })
		case 5:
			fresh := ctxs[rng.IntN(len(ctxs))]
			if err := cs.Replace(c, fresh); err != nil {
				t.Fatal(err)
			}
			for i := range ref {
				if ref[i] == c {
					ref[i] = fresh
				}
			}
		case 6:
			if rng.IntN(20) == 0 {
				cs.Reset()
				ref = nil
			}
		}
		if cs.Current() != top() || cs.Depth() != len(ref) {
			t.Fatalf("step %d (op %d): Current %p, Depth %d; want %p, %d", step, op, cs.Current(), cs.Depth(), top(), len(ref))
		}
	}
	if err := cs.Replace(ctxs[0], nil); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Replace with nil: %v, want ErrInvalidContext", err)
	}
	if err := cs.Push(nil); !errors.Is(err, streaming.ErrInvalidContext) {
		t.Errorf("Push(nil): %v, want ErrInvalidContext", err)
	}
}

// TestContextStackConcurrent changes the stack from several goroutines
// while others read Current without a lock (run with -race).
func TestContextStackConcurrent(t *testing.T) {
	ctxs := newContexts(t, 3)
	var cs streaming.ContextStack
	if err := cs.Push(ctxs[0]); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if c := cs.Current(); c != ctxs[0] && c != ctxs[1] && c != ctxs[2] {
					t.Errorf("reader %d: Current = %p, not one of the contexts pushed", i, c)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for i := 1; i <= 2; i++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for range 2000 {
				cs.Push(ctxs[i])
				cs.Replace(ctxs[i], ctxs[i])
				if _, err := cs.Pop(); err != nil {
					t.Errorf("writer %d: Pop: %v", i, err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if cs.Depth() != 1 || cs.Current() != ctxs[0] {
		t.Errorf("after balanced pushes and pops: depth %d, current %p; want 1, %p", cs.Depth(), cs.Current(), ctxs[0])
	}
}
