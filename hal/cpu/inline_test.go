package cpu_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestWaitersRunWork has several goroutines enqueue host calls on one queue
// while synchronizing it and waiting for their own events (waits without
// a deadline, which run the queue's pending work on the waiting goroutine
// when the queue's goroutine has not taken it): every call runs exactly
// once, each goroutine's calls in its order, and each wait returns only
// after the calls before it.
func TestWaitersRunWork(t *testing.T) {
	r := newPTXRig(t)
	d, q := r.dev, r.q
	const goroutines, each = 4, 300
	var mu sync.Mutex
	ran := make([][]int, goroutines)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := d.NewEvent(0)
			if err != nil {
				errs <- err
				return
			}
			defer ev.Close()
			for i := range each {
				if err := q.HostCall(func() {
					mu.Lock()
					ran[g] = append(ran[g], i)
					mu.Unlock()
				}); err != nil {
					errs <- err
					return
				}
				var werr error
				switch {
				case i%7 == 3:
					werr = q.Synchronize(context.Background())
				case i%11 == 5:
					if werr = q.Record(ev); werr == nil {
						werr = ev.Wait(context.Background())
					}
				default:
					continue
				}
				if werr != nil {
					errs <- werr
					return
				}
				mu.Lock()
				n := len(ran[g])
				mu.Unlock()
				if n != i+1 {
					errs <- errors.New("a wait returned before the goroutine's earlier host calls ran")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	for g, r := range ran {
		if len(r) != each {
			t.Errorf("goroutine %d: %d host calls ran, want %d", g, len(r), each)
			continue
		}
		for i, v := range r {
			if v != i {
				t.Errorf("goroutine %d: call %d ran as number %d", g, v, i)
				break
			}
		}
	}
}

// TestDeadlineWaitDoesNotRunWork: a Synchronize with a deadline leaves the
// work to the queue's goroutine, so it returns at its deadline even when
// the work it waits for blocks.
func TestDeadlineWaitDoesNotRunWork(t *testing.T) {
	q := newPTXRig(t).q
	release := make(chan struct{})
	if err := q.HostCall(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := q.Synchronize(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Synchronize with a deadline behind a blocked host call: %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := q.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
}
