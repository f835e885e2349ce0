package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

// vectorAddC is what a translator would write for vector_add.
const vectorAddC = `#include "streamhal_cpu.h"
typedef struct args { const float* a; const float* b; float* c; uint32_t n; } args_t;
SHAL_KERNEL(vector_add, args_t) {
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) args->c[i] = args->a[i] + args->b[i];
}
SHAL_PARAMS(vector_add, SHAL_PARAM(args_t, a), SHAL_PARAM(args_t, b), SHAL_PARAM(args_t, c), SHAL_PARAM(args_t, n));
SHAL_LIBRARY(SHAL_ENTRY(vector_add, args_t))
`

// fakeTranslator records the PTX it is given and returns vectorAddC.
func fakeTranslator(got *[]byte) *ptxTranslator {
	return &ptxTranslator{Version: "test 1", MaxPTX: modfile.PTXVersion{Major: 7, Minor: 8}, Translate: func(ptx []byte) ([]byte, error) {
		*got = ptx
		if !bytes.Contains(ptx, []byte(".entry vector_add")) {
			return nil, fmt.Errorf("no vector_add in the PTX")
		}
		return []byte(vectorAddC), nil
	}}
}

// TestCPUFromPTXTranslator: -cpu-from-ptx with the real translator
// (ptx/cgen) adds a CPU library that runs where no compiler is.
func TestCPUFromPTXTranslator(t *testing.T) {
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler")
	}
	t.Setenv("STREAM_HAL_CACHE_DIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "k.fat")
	var stdout bytes.Buffer
	if err := run([]string{"-cpu-from-ptx", "-o", out, "sm_80:ptx:" + td + "kernels.sm_80.ptx"}, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "added cpu-elf "+modfile.HostArch()) {
		t.Errorf("output %q", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// The deployed program has no compiler: it must not need one.
	t.Setenv("CC", "/nonexistent/cc")
	runVectorAdd(t, data)
}

func TestCPUFromPTX(t *testing.T) {
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skip("no C compiler")
	}
	t.Setenv("STREAM_HAL_CACHE_DIR", t.TempDir())
	var got []byte
	saved := translator
	translator = fakeTranslator(&got)
	defer func() { translator = saved }()

	out := filepath.Join(t.TempDir(), "k.fat")
	var stdout bytes.Buffer
	err := run([]string{"-cpu-from-ptx", "-o", out,
		"sm_80:ptx:" + td + "kernels.sm_80.ptx", "sm_90:ptx:" + td + "kernels.sm_90.ptx", "vulkan1.2:spirv:" + td + "kernels.spv"}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	// The newest PTX the translator takes: sm_90's is PTX ISA 7.8.
	if want, _ := os.ReadFile(td + "kernels.sm_90.ptx"); !bytes.Equal(got, want) {
		t.Errorf("translated %d bytes, not kernels.sm_90.ptx", len(got))
	}
	if !strings.Contains(stdout.String(), "added cpu-elf "+modfile.HostArch()) || !strings.Contains(stdout.String(), "fat entry 1 (ptx sm_90)") {
		t.Errorf("output %q", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := modfile.ParseFat(data)
	if err != nil || len(entries) != 4 || entries[3].Format != hal.FormatCPUELF || entries[3].Target != modfile.HostArch() {
		t.Fatalf("entries %v, %v", entries, err)
	}
	runVectorAdd(t, data)

	// Refusals: a cpu-elf for this CPU already there, no PTX, a failing
	// translator.
	for _, tc := range []struct {
		name   string
		inputs []string
		want   string
	}{
		{"cpu-elf already there", []string{"sm_80:ptx:" + td + "kernels.sm_80.ptx", modfile.HostArch() + ":cpu-elf:" + td + "kernels.x86_64.so"}, "already hold a cpu-elf entry"},
		{"no PTX", []string{"vulkan1.2:spirv:" + td + "kernels.spv"}, "holds no PTX"},
	} {
		err := run(append([]string{"-cpu-from-ptx", "-o", out}, tc.inputs...), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	translator = &ptxTranslator{Translate: func([]byte) ([]byte, error) { return nil, errors.New("unsupported instruction wgmma") }}
	err = run([]string{"-cpu-from-ptx", "-o", out, "sm_80:ptx:" + td + "kernels.sm_80.ptx"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "translate fat entry 0 (ptx sm_80)") || !strings.Contains(err.Error(), "wgmma") {
		t.Errorf("translator failure: %v", err)
	}
	translator = &ptxTranslator{Translate: func([]byte) ([]byte, error) { return []byte("int broken("), nil }}
	err = run([]string{"-cpu-from-ptx", "-o", out, "sm_80:ptx:" + td + "kernels.sm_80.ptx"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "build the C translated from") {
		t.Errorf("compiler failure: %v", err)
	}
}

// runVectorAdd loads a fat module on the CPU backend and checks
// vector_add against a Go loop.
func runVectorAdd(t *testing.T, fat []byte) {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ctx.LoadModuleData(fat)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	if mod.Format() != hal.FormatCPUELF {
		t.Fatalf("loaded %s", mod.Format())
	}
	fn, err := mod.Function("vector_add")
	if err != nil {
		t.Fatal(err)
	}
	const n = 777
	a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i], c[i] = float32(i), float32(2*i)+0.25, -1
	}
	var ptrs [3]streaming.DevicePtr
	for i, h := range [][]float32{a, b, c} {
		if ptrs[i], err = ctx.Malloc(4 * n); err != nil {
			t.Fatal(err)
		}
		defer ctx.Free(ptrs[i])
		if err := streaming.CopyToDeviceSync(ctx, ptrs[i], h); err != nil {
			t.Fatal(err)
		}
	}
	s := ctx.DefaultStream()
	if err := s.Launch(fn, streaming.D1(4), streaming.D1(256), 0, ptrs[0], ptrs[1], ptrs[2], uint32(n)); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyFromDeviceSync(ctx, c, ptrs[2]); err != nil {
		t.Fatal(err)
	}
	for i := range c {
		if c[i] != a[i]+b[i] {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], a[i]+b[i])
		}
	}
}

// TestListFatbinEntry: -list shows the images inside a fatbin entry.
func TestListFatbinEntry(t *testing.T) {
	ptx, err := os.ReadFile(td + "kernels.sm_80.ptx")
	if err != nil {
		t.Fatal(err)
	}
	fb := oneEntryFatbin(ptx, 80, 7, 0)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k.fatbin"), fb, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "k.fat")
	if err := run([]string{"-o", out, "sm_80:fatbin:" + filepath.Join(dir, "k.fatbin")}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var listing bytes.Buffer
	if err := run([]string{"-list", out}, &listing); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listing.String(), "\t0.0\tptx compute_80 version 7.0") {
		t.Errorf("listing:\n%s", listing.String())
	}
	// A corrupt fatbin is refused as an input.
	binary.LittleEndian.PutUint16(fb[16+2:], 0x0202)
	if err := os.WriteFile(filepath.Join(dir, "bad.fatbin"), fb, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run([]string{"-o", out, "sm_80:fatbin:" + filepath.Join(dir, "bad.fatbin")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "header version 0x202") {
		t.Errorf("corrupt fatbin input: %v", err)
	}
}

// oneEntryFatbin is an NVIDIA fatbin holding one uncompressed PTX entry
// (the layout hal/modfile's fatbin.go describes).
func oneEntryFatbin(ptx []byte, sm, major, minor int) []byte {
	le := binary.LittleEndian
	padded := (len(ptx) + 1 + 7) &^ 7
	b := make([]byte, 16+64+padded)
	le.PutUint32(b, 0xBA55ED50)
	le.PutUint16(b[4:], 1)
	le.PutUint16(b[6:], 16)
	le.PutUint64(b[8:], uint64(64+padded))
	h := b[16:]
	le.PutUint16(h, 1)
	le.PutUint16(h[2:], 0x0101)
	le.PutUint32(h[4:], 64)
	le.PutUint64(h[8:], uint64(padded))
	le.PutUint16(h[24:], uint16(minor))
	le.PutUint16(h[26:], uint16(major))
	le.PutUint32(h[28:], uint32(sm))
	le.PutUint64(h[40:], 0x11)
	copy(h[64:], ptx)
	return b
}
