package capi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// TestImageSize checks that the size read from each format's header is the
// file's size, for the repository's module files of every format.
func TestImageSize(t *testing.T) {
	for _, name := range []string{
		"vector_add.fat", "test_kernels.fat", // streamhal fat containers
		"test_kernels.x86_64.so", "test_kernels.gfx90a.hsaco", "vector_add.gfx942.hsaco", // ELF
		"test_kernels.sm_80.ptx",                // PTX text
		"ptx/atomics.nvcc.sm_90.fatbin",         // NVIDIA fatbin
		"ptx/atomics.nvcc-ptxonly.sm_90.fatbin", // NVIDIA fatbin, PTX only
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		// A guard after the image: PTX ends at the NUL, and the binary
		// formats must not count the guard.
		buf := append(append([]byte(nil), b...), 0, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA)
		n, err := ImageSize(unsafe.Pointer(&buf[0]))
		if err != nil || n != uint64(len(b)) {
			t.Errorf("%s: ImageSize = %d, %v; want %d", name, n, err, len(b))
		}
	}
	spv, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vector_add.spv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ImageSize(unsafe.Pointer(&spv[0])); !errors.Is(err, hal.ErrInvalidImage) {
		t.Errorf("SPIR-V: %v, want ErrInvalidImage", err)
	}
	if _, err := ImageSize(nil); !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("NULL: %v, want ErrInvalidValue", err)
	}
	for _, bad := range [][]byte{
		{0}, // empty text
		[]byte("SHALFAT\x00" + string(make([]byte, 24))), // fat container claiming 0 bytes
	} {
		if n, err := ImageSize(unsafe.Pointer(&bad[0])); !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("%q: ImageSize = %d, %v; want ErrInvalidImage", bad, n, err)
		}
	}
}

func TestHandles(t *testing.T) {
	var h Handles
	a, b := new(int), new(string)
	ha, hb := h.Put(a), h.Put(b)
	if ha == 0 || hb == 0 || ha == hb || ha < 0x1000 || ha%64 != 0 {
		t.Fatalf("handles %#x, %#x", ha, hb)
	}
	if h.Put(a) != ha {
		t.Error("a second Put gave another handle")
	}
	if h.Put(nil) != 0 {
		t.Error("nil has a handle")
	}
	if v, ok := Lookup[*int](&h, ha); !ok || v != a {
		t.Errorf("Lookup(a) = %v, %v", v, ok)
	}
	if _, ok := Lookup[*int](&h, hb); ok {
		t.Error("a *string handle looked up as *int")
	}
	if v, ok := Lookup[*int](&h, 0); !ok || v != nil {
		t.Errorf("Lookup(0) = %v, %v; want nil, true", v, ok)
	}
	if _, ok := Lookup[*int](&h, 0x1234); ok {
		t.Error("a made-up handle was found")
	}
	h.Drop(a)
	if _, ok := Lookup[*int](&h, ha); ok || h.Len() != 1 {
		t.Errorf("after Drop: found %v, %d handles", ok, h.Len())
	}
	if h.Put(a) == ha {
		t.Error("a dropped object got its old handle back")
	}
}
