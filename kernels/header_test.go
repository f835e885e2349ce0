package kernels

import (
	"os"
	"strings"
	"testing"
)

func TestCPUHeaderIsTheFile(t *testing.T) {
	b, err := os.ReadFile(CPUHeaderName)
	if err != nil {
		t.Fatal(err)
	}
	if CPUHeader() != string(b) || !strings.Contains(CPUHeader(), "SHAL_CPU_ABI_VERSION") {
		t.Fatal("embedded header differs from kernels/streamhal_cpu.h")
	}
}

// TestGPUHeaders: the embedded device headers are the files of gpu/, and
// every header shal_gpu.h (or one it includes) includes is among them.
func TestGPUHeaders(t *testing.T) {
	hs := GPUHeaders()
	if _, ok := hs[GPUHeaderName]; !ok {
		t.Fatalf("no %s among %d headers", GPUHeaderName, len(hs))
	}
	for name, text := range hs {
		b, err := os.ReadFile("gpu/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != text {
			t.Errorf("embedded %s differs from kernels/gpu/%s", name, name)
		}
		for _, line := range strings.Split(text, "\n") {
			if inc, ok := strings.CutPrefix(strings.TrimSpace(line), `#include "`); ok {
				inc = strings.TrimSuffix(inc, `"`)
				if _, ok := hs[inc]; !ok {
					t.Errorf("%s includes %s, which is not embedded", name, inc)
				}
			}
		}
	}
	if len(hs) != 5 {
		t.Errorf("%d headers embedded, want 5 (shal_gpu.h, _common, _nvptx, _amdgpu, _math)", len(hs))
	}
}
