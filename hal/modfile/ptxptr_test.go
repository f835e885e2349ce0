package modfile

import (
	"os"
	"path/filepath"
	"testing"
)

// The project's PTX marks exactly the pointer parameters of every kernel
// (KERNELS.md), read from how the code uses them.
func TestPTXPointerParams(t *testing.T) {
	for _, target := range []string{"sm_80", "sm_90"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "test_kernels."+target+".ptx"))
		if err != nil {
			t.Skipf("project PTX not here: %v", err)
		}
		m, err := ParsePTX(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range m.Kernels {
			sig, ok := kernelSignatures[k.Name]
			if !ok || len(sig) != len(k.Params) {
				continue
			}
			for i, c := range sig {
				if k.Params[i].Pointer != c.ptr {
					t.Errorf("%s %s parameter %d: Pointer = %v, want %v", target, k.Name, i, k.Params[i].Pointer, c.ptr)
				}
			}
		}
	}
}
