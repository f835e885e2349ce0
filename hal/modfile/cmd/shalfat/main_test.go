package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

const td = "../../testdata/"

func TestBuildAndList(t *testing.T) {
	out := filepath.Join(t.TempDir(), "k.fat")
	err := run([]string{"-o", out,
		"x86_64:cpu-elf:" + td + "kernels.x86_64.so",
		"sm_80:auto:" + td + "kernels.sm_80.ptx",
		"gfx90a:xnack-:amdgpu:" + td + "kernels.gfx90a.hsaco",
		"vulkan1.2:spirv:" + td + "kernels.spv",
	}, os.Stdout)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := modfile.ParseFat(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		f    hal.Format
		t, p string
	}{
		{hal.FormatCPUELF, "x86_64", "kernels.x86_64.so"},
		{hal.FormatPTX, "sm_80", "kernels.sm_80.ptx"},
		{hal.FormatAMDGPU, "gfx90a:xnack-", "kernels.gfx90a.hsaco"},
		{hal.FormatSPIRV, "vulkan1.2", "kernels.spv"},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries %v", entries)
	}
	for i, w := range want {
		src, _ := os.ReadFile(td + w.p)
		if entries[i].Format != w.f || entries[i].Target != w.t || !bytes.Equal(entries[i].Data, src) {
			t.Errorf("entry %d = %v, want %s %s (%s)", i, entries[i], w.f, w.t, w.p)
		}
	}

	dir := t.TempDir()
	var names bytes.Buffer
	if err := run([]string{"-extract", dir, out}, &names); err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"k.x86_64.so", "k.sm_80.ptx", "k.gfx90a_xnack-.hsaco", "k.vulkan1.2.spv"}
	if got := strings.Fields(names.String()); strings.Join(got, " ") != strings.Join(wantNames, " ") {
		t.Errorf("-extract printed %q, want %q", got, wantNames)
	}
	for i, name := range wantNames {
		got, err := os.ReadFile(filepath.Join(dir, name))
		src, _ := os.ReadFile(td + want[i].p)
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("extracted %s: %v (%d bytes, want the %d of %s)", name, err, len(got), len(src), want[i].p)
		}
	}

	names.Reset()
	if err := run([]string{"-extract", t.TempDir(), "-formats", "ptx,spirv", out}, &names); err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(names.String()); strings.Join(got, " ") != "k.sm_80.ptx k.vulkan1.2.spv" {
		t.Errorf("-extract -formats ptx,spirv printed %q", got)
	}

	var listing bytes.Buffer
	if err := run([]string{"-list", out}, &listing); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(listing.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "2\tamdgpu\tgfx90a:xnack-\t") || !strings.Contains(lines[1], "saxpy") {
		t.Errorf("listing:\n%s", listing.String())
	}
}

func TestBuildErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "k.fat")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", out, "sm_80:ptx:" + td + "kernels.spv"}, "named ptx but the file is spirv"},
		{[]string{"-o", out, "sm_80:" + td + "kernels.spv"}, "want target:format:path"},
		{[]string{"-o", out, ":ptx:" + td + "kernels.sm_80.ptx"}, "want target:format:path"},
		{[]string{"-o", out, "x:cpu-elf:" + td + "not_a_library.x86_64.so"}, "does not export"},
		{[]string{"-o", out, "x:auto:" + td + "src/kernels.cu"}, "without PTX"},
		{[]string{"-o", out, "x:auto:" + td + "kernels.fat"}, "do not nest"},
		{[]string{"-o", out, "x:ptx:/nonexistent"}, "no such file"},
		{[]string{"-o", out, "a:ptx:" + td + "kernels.sm_80.ptx", "a:ptx:" + td + "kernels.sm_90.ptx"}, "both ptx"},
		{[]string{"-list", td + "kernels.spv"}, "missing magic"},
		{[]string{}, "want -o and inputs"},
		{[]string{"-extract", "/nonexistent-dir", td + "kernels.fat"}, "no such file"},
		{[]string{"-extract", out, td + "kernels.spv"}, "missing magic"},
		{[]string{"-extract", out}, "want -o and inputs"},
		{[]string{"-extract", out, "-formats", "ptx,elf", td + "kernels.fat"}, "unknown format \"elf\""},
	} {
		err := run(tc.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want error mentioning %q", tc.args, err, tc.want)
		}
	}
}
