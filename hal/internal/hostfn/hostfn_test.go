//go:build cgo

package hostfn

import (
	"errors"
	"runtime/cgo"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestCall(t *testing.T) {
	ran := false
	if err := Call("hal/test", func() { ran = true }); err != nil || !ran {
		t.Fatalf("Call = %v, ran %v", err, ran)
	}
	err := Call("hal/test", func() { panic("boom") })
	if !errors.Is(err, hal.ErrLaunchFailed) || !strings.Contains(err.Error(), "hal/test: host function panicked: boom") {
		t.Errorf("panicking fn: %v", err)
	}
	var nilMap map[string]int
	if err := Call("hal/test", func() { nilMap["x"] = 1 }); !errors.Is(err, hal.ErrLaunchFailed) {
		t.Errorf("runtime panic: %v", err)
	}
}

func TestLookup(t *testing.T) {
	type fn struct{ n int }
	h := cgo.NewHandle(&fn{7})
	if got := Lookup[*fn](h); got == nil || got.n != 7 {
		t.Errorf("Lookup = %v", got)
	}
	if got := Lookup[*int](h); got != nil {
		t.Errorf("Lookup of another type = %v", got)
	}
	h.Delete()
	if got := Lookup[*fn](h); got != nil {
		t.Errorf("Lookup of a deleted handle = %v", got)
	}
}
