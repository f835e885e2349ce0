package cgen_test

import (
	"math"
	"os"
	"strings"
	"testing"
)

func TestNVCCStyle(t *testing.T) {
	src, err := os.ReadFile("testdata/nvcc_style.ptx")
	if err != nil {
		t.Fatal(err)
	}
	lib, _ := buildPTX(t, string(src))
	const n = 100
	p := (&argPacker{}).ptr(0).u32(n)
	r := runLaunch(t, lib, launch{kernel: "local_and_calls", grid: dim3{2, 1, 1}, block: dim3{64, 1, 1}, workers: 2,
		bufs: [][]byte{poison(32 * 128)}, args: p.bytes(), ptrs: p.ptrs})
	if r.fault != 0 {
		t.Fatalf("fault: %s", r.msg)
	}
	out := bytesU32(r.bufs[0])
	for i := uint32(0); i < n; i++ {
		o := out[8*i : 8*i+8]
		want := []uint32{(i % 16) * (i + 1), i + 3, i * 7, -i, i, []uint32{100, 200, 300}[i%3] + 1 + 2, 30 + 40,
			math.Float32bits(3 * float32(i))}
		for k := range want {
			if o[k] != want[k] {
				t.Errorf("thread %d word %d = %#x, want %#x (all %#x)", i, k, o[k], want[k], o)
				break
			}
		}
	}
	if out[8*n] != 0xA5A5A5A5 {
		t.Errorf("thread %d wrote past n", n)
	}
	// The module's globals as loaded: table, coef, and the relocated
	// pointers are listed.
	table := libTable(t, lib)
	for _, g := range []string{"kernel traps args 16 maxthreads 32 ", "kernel producer_consumer args 8 maxthreads 128 shared 256 ", "global table 16", "global table_ptr 8", "global table_bytes 8", "global coef 8", "global fptrs 16"} {
		if !strings.Contains(table, g) {
			t.Errorf("table lacks %q:\n%s", g, table)
		}
	}
}

func TestTrapAndDeadlockFault(t *testing.T) {
	src, err := os.ReadFile("testdata/nvcc_style.ptx")
	if err != nil {
		t.Fatal(err)
	}
	lib, _ := buildPTX(t, string(src))
	p := (&argPacker{}).u32(5).ptr(0)
	r := runLaunch(t, lib, launch{kernel: "traps", grid: dim3{1, 1, 1}, block: dim3{32, 1, 1}, bufs: [][]byte{poison(4 * 32)}, args: p.bytes(), ptrs: p.ptrs})
	if r.fault != 1 || !strings.Contains(r.msg, "trap at PTX line") || !strings.Contains(r.msg, "traps.cu:42") {
		t.Errorf("trap: fault %d %q", r.fault, r.msg)
	}
	// Threads before the trapping one ran; the launch stops at the trap.
	out := bytesU32(r.bufs[0])
	if out[4] != 4 || out[5] != 0xA5A5A5A5 {
		t.Errorf("trap: out %v", out[:8])
	}
	p = (&argPacker{}).u32(1000).ptr(0)
	r = runLaunch(t, lib, launch{kernel: "traps", grid: dim3{1, 1, 1}, block: dim3{32, 1, 1}, bufs: [][]byte{poison(4 * 32)}, args: p.bytes(), ptrs: p.ptrs})
	if r.fault != 0 {
		t.Errorf("no trap: fault %d %q", r.fault, r.msg)
	}
	r = runLaunch(t, lib, launch{kernel: "deadlock", grid: dim3{3, 1, 1}, block: dim3{64, 1, 1}})
	if r.fault != 2 || !strings.Contains(r.msg, "deadlock") {
		t.Errorf("deadlock: fault %d %q", r.fault, r.msg)
	}
	p = (&argPacker{}).ptr(0)
	r = runLaunch(t, lib, launch{kernel: "producer_consumer", grid: dim3{1, 1, 1}, block: dim3{128, 1, 1}, bufs: [][]byte{poison(4 * 64)}, args: p.bytes(), ptrs: p.ptrs})
	if r.fault != 0 {
		t.Fatalf("producer_consumer: fault %d %q", r.fault, r.msg)
	}
	for i, v := range bytesU32(r.bufs[0]) {
		if v != uint32(3*i) {
			t.Fatalf("producer_consumer out[%d] = %d, want %d", i, v, 3*i)
		}
	}
}
