//go:build cgo

package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// BenchmarkCall compares a cheap call made from Go (package cuda, in
// process) with the same call made from C through the drop-in, where each
// call enters the Go runtime from C (a cgo call-in). The C side is timed by
// callbench.c itself, over b.N calls, and reported as ns/op.
func BenchmarkCall(b *testing.B) {
	b.Run("Go/cuCtxGetDevice", func(b *testing.B) {
		goSetup(b)
		for b.Loop() {
			if _, err := cuda.CtxGetDevice(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Go/cuStreamQuery", func(b *testing.B) {
		goSetup(b)
		for b.Loop() {
			if err := cuda.StreamQuery(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range []string{"cuCtxGetDevice", "cuStreamQuery"} {
		b.Run("C/"+name, func(b *testing.B) {
			ns := cCall(b, name)
			b.ReportMetric(ns, "ns/op")
		})
	}
}

// goSetup opens package cuda on the CPU with device 0's primary context
// current.
func goSetup(b *testing.B) {
	b.Helper()
	if err := cuda.InitWithOptions(0, streaming.Options{Backends: []string{"cpu"}}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cuda.HALDeinit() })
	c, err := cuda.DevicePrimaryCtxRetain(0)
	if err != nil {
		b.Fatal(err)
	}
	if err := cuda.CtxSetCurrent(c); err != nil {
		b.Fatal(err)
	}
}

// cCall runs callbench.c for b.N calls and returns its ns per call of fn.
func cCall(b *testing.B, fn string) float64 {
	b.Helper()
	l := dropin(b)
	bin, err := l.Compile("callbench", filepath.Join("testdata", "callbench.c"), "-Itestdata", "-lcuda")
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	out, err := l.Run(5*time.Minute, bin, []string{streaming.EnvTestTarget + "=cpu"}, fmt.Sprint(b.N))
	if err != nil {
		b.Fatalf("callbench: %v\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, fn+" "); ok {
			ns, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			return ns
		}
	}
	b.Fatalf("callbench printed no %s line:\n%s", fn, out)
	return 0
}
