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
