package modfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestSelect(t *testing.T) {
	e := func(f hal.Format, target string) FatEntry {
		return FatEntry{Format: f, Target: target, Data: []byte(target)}
	}
	all := []FatEntry{
		e(hal.FormatCPUELF, "x86_64"),
		e(hal.FormatCPUELF, "aarch64"),
		e(hal.FormatPTX, "sm_52"),
		e(hal.FormatPTX, "sm_80"),
		e(hal.FormatPTX, "sm_90a"),
		e(hal.FormatPTX, "sm_75"),
		e(hal.FormatCubin, "sm_86"),
		e(hal.FormatAMDGPU, "gfx90a:xnack-"),
		e(hal.FormatAMDGPU, "gfx90a:xnack+"),
		e(hal.FormatAMDGPU, "gfx942"),
		e(hal.FormatAMDGPU, "gfx1100:sramecc+"),
		e(hal.FormatSPIRV, "vulkan1.2"),
	}
	cuda := []hal.Format{hal.FormatCubin, hal.FormatPTX}
	for _, tc := range []struct {
		name    string
		entries []FatEntry
		formats []hal.Format
		arch    string
		want    string // "format target", "" for no match
	}{
		{"cpu exact", all, []hal.Format{hal.FormatCPUELF}, "x86_64", "cpu-elf x86_64"},
		{"cpu Go name", all, []hal.Format{hal.FormatCPUELF}, "arm64", "cpu-elf aarch64"},
		{"cpu other", all, []hal.Format{hal.FormatCPUELF}, "riscv64", ""},
		{"cubin exact first", all, cuda, "sm_86", "cubin sm_86"},
		{"cubin arch-specific", []FatEntry{e(hal.FormatCubin, "sm_90a")}, cuda, "sm_90", "cubin sm_90a"},
		{"cubin exact beats arch-specific", []FatEntry{e(hal.FormatCubin, "sm_90a"), e(hal.FormatCubin, "sm_90")}, cuda, "sm_90", "cubin sm_90"},
		{"cubin not for newer", []FatEntry{e(hal.FormatCubin, "sm_80")}, []hal.Format{hal.FormatCubin}, "sm_86", ""},
		{"ptx highest not above", all, cuda, "sm_89", "ptx sm_80"},
		{"ptx equal", all, cuda, "sm_80", "ptx sm_80"},
		{"ptx arch-specific on its arch", all, cuda, "sm_90", "ptx sm_90a"},
		{"ptx arch-specific not on later arch", all, cuda, "sm_100", "ptx sm_80"},
		{"ptx between", all, cuda, "sm_79", "ptx sm_75"},
		{"ptx too new for device", all, cuda, "sm_50", ""},
		{"ptx compute_ name", []FatEntry{e(hal.FormatPTX, "compute_70")}, cuda, "sm_75", "ptx compute_70"},
		{"ptx bad arch", all, cuda, "gfx90a", ""},
		{"amdgpu exact with features", all, []hal.Format{hal.FormatAMDGPU}, "gfx90a:xnack+", "amdgpu gfx90a:xnack+"},
		{"amdgpu device with more features", all, []hal.Format{hal.FormatAMDGPU}, "gfx90a:sramecc+:xnack-", "amdgpu gfx90a:xnack-"},
		{"amdgpu feature-less entry on featured device", all, []hal.Format{hal.FormatAMDGPU}, "gfx942:sramecc+:xnack-", "amdgpu gfx942"},
		{"amdgpu feature conflict", []FatEntry{e(hal.FormatAMDGPU, "gfx1100:sramecc+")}, []hal.Format{hal.FormatAMDGPU}, "gfx1100:sramecc-", ""},
		{"amdgpu feature-less device", all, []hal.Format{hal.FormatAMDGPU}, "gfx1100", "amdgpu gfx1100:sramecc+"},
		{"amdgpu other processor", all, []hal.Format{hal.FormatAMDGPU}, "gfx908", ""},
		{"amdgpu prefix is not a match", all, []hal.Format{hal.FormatAMDGPU}, "gfx90", ""},
		{"spirv any", all, []hal.Format{hal.FormatSPIRV}, "whatever", "spirv vulkan1.2"},
		{"format order", all, []hal.Format{hal.FormatSPIRV, hal.FormatCPUELF}, "x86_64", "spirv vulkan1.2"},
		{"falls through formats", all, []hal.Format{hal.FormatCubin, hal.FormatCPUELF}, "x86_64", "cpu-elf x86_64"},
		{"empty", nil, cuda, "sm_80", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(tc.entries, tc.formats, tc.arch)
			if tc.want == "" {
				if !errors.Is(err, hal.ErrNoBinaryForDevice) {
					t.Fatalf("Select = %v, %v; want ErrNoBinaryForDevice", got, err)
				}
				if !strings.Contains(err.Error(), tc.arch) {
					t.Errorf("error %q does not name the device arch", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := string(got.Format) + " " + got.Target; s != tc.want || string(got.Data) != got.Target {
				t.Errorf("Select = %q, want %q", s, tc.want)
			}
		})
	}
}

func TestSelectErrorListsBothSides(t *testing.T) {
	entries := []FatEntry{{Format: hal.FormatPTX, Target: "sm_90", Data: []byte{1}}, {Format: hal.FormatSPIRV, Target: "vulkan1.2", Data: []byte{1}}}
	_, err := Select(entries, []hal.Format{hal.FormatAMDGPU}, "gfx942")
	for _, s := range []string{"amdgpu", "gfx942", "ptx sm_90", "spirv vulkan1.2"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not mention %q", err, s)
		}
	}
}

func TestSelectProjectFat(t *testing.T) {
	entries, err := ParseFat(projectKernel(t, "test_kernels.fat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		formats []hal.Format
		arch    string
		want    string
	}{
		{[]hal.Format{hal.FormatCPUELF}, "x86_64", "x86_64"},
		{[]hal.Format{hal.FormatCubin, hal.FormatPTX}, "sm_90", "sm_90"},
		{[]hal.Format{hal.FormatCubin, hal.FormatPTX}, "sm_86", "sm_80"},
		{[]hal.Format{hal.FormatAMDGPU}, "gfx942:sramecc+:xnack-", "gfx942"},
		// Vulkan translates the newest PTX (the module has no SPIR-V).
		{[]hal.Format{hal.FormatSPIRV, hal.FormatPTX, hal.FormatFatbin}, "vulkan1.3", "sm_90"},
	} {
		e, err := Select(entries, tc.formats, tc.arch)
		if err != nil || e.Target != tc.want {
			t.Errorf("Select(%v, %q) = %v, %v; want target %q", tc.formats, tc.arch, e, err, tc.want)
		}
	}
}

// TestSelectCPU: on a CPU, a cpu-elf for the host wins; else PTX, the
// newest ISA version (generic before arch-specific, then the highest SM),
// from ptx entries or from the PTX inside fatbin entries.
func TestSelectCPU(t *testing.T) {
	ptx := fixturePTX(t)
	v := func(version, target string) []byte {
		s := bytes.Replace(ptx, []byte(".version 7.0"), []byte(".version "+version), 1)
		return bytes.Replace(s, []byte(".target sm_80"), []byte(".target "+target), 1)
	}
	e := func(f hal.Format, target string, data []byte) FatEntry {
		return FatEntry{Format: f, Target: target, Data: data}
	}
	fb := buildFatbin(
		fbEntry{kind: FatbinELF, arch: 90, major: 1, minor: 8, payload: []byte("cubin")},
		fbEntry{kind: FatbinPTX, arch: 90, major: 8, minor: 6, payload: v("8.6", "sm_90"), compress: "lz4"},
	)
	cubins := buildFatbin(fbEntry{kind: FatbinELF, arch: 90, major: 1, minor: 8, payload: []byte("cubin")})
	cpu := []hal.Format{hal.FormatCPUELF, hal.FormatPTX}
	cpuAll := []hal.Format{hal.FormatCPUELF, hal.FormatPTX, hal.FormatFatbin}
	for _, tc := range []struct {
		name    string
		entries []FatEntry
		formats []hal.Format
		arch    string
		want    string // "format target"; "" for no match
	}{
		{"cpu-elf first", []FatEntry{e(hal.FormatPTX, "sm_80", ptx), e(hal.FormatCPUELF, "x86_64", []byte("lib"))}, cpu, "x86_64", "cpu-elf x86_64"},
		{"cpu-elf for another CPU: PTX", []FatEntry{e(hal.FormatCPUELF, "aarch64", []byte("lib")), e(hal.FormatPTX, "sm_80", ptx)}, cpu, "amd64", "ptx sm_80"},
		{"newest version", []FatEntry{e(hal.FormatPTX, "sm_52", v("8.0", "sm_52")), e(hal.FormatPTX, "sm_90", v("7.8", "sm_90"))}, cpu, "x86_64", "ptx sm_52"},
		{"same version: highest sm", []FatEntry{e(hal.FormatPTX, "sm_70", v("8.0", "sm_70")), e(hal.FormatPTX, "sm_86", v("8.0", "sm_86"))}, cpu, "x86_64", "ptx sm_86"},
		{"generic before arch-specific", []FatEntry{e(hal.FormatPTX, "sm_90a", v("8.0", "sm_90a")), e(hal.FormatPTX, "sm_80", v("8.0", "sm_80"))}, cpu, "aarch64", "ptx sm_80"},
		{"arch-specific when alone", []FatEntry{e(hal.FormatPTX, "sm_90a", v("8.0", "sm_90a"))}, cpu, "x86_64", "ptx sm_90a"},
		{"ptx entry before fatbin format", []FatEntry{e(hal.FormatFatbin, "sm_90", fb), e(hal.FormatPTX, "sm_52", v("6.0", "sm_52"))}, cpuAll, "x86_64", "ptx sm_52"},
		{"fatbin with PTX", []FatEntry{e(hal.FormatFatbin, "sm_90", fb)}, cpuAll, "x86_64", "fatbin sm_90"},
		{"best fatbin", []FatEntry{e(hal.FormatFatbin, "sm_90", fb), e(hal.FormatFatbin, "sm_80", buildFatbin(fbEntry{kind: FatbinPTX, arch: 80, major: 7, minor: 0, payload: ptx}))}, cpuAll, "x86_64", "fatbin sm_90"},
		{"fatbin of cubins only", []FatEntry{e(hal.FormatFatbin, "sm_90", cubins)}, cpuAll, "x86_64", ""},
		// Vulkan translates PTX as the CPU does: no sm_XX to compare with.
		{"vulkan: spirv first", []FatEntry{e(hal.FormatPTX, "sm_80", ptx), e(hal.FormatSPIRV, "vulkan1.2", []byte("spv"))}, []hal.Format{hal.FormatSPIRV, hal.FormatPTX, hal.FormatFatbin}, "vulkan1.3", "spirv vulkan1.2"},
		{"vulkan: ptx", []FatEntry{e(hal.FormatCPUELF, "x86_64", []byte("lib")), e(hal.FormatPTX, "sm_90", v("7.8", "sm_90"))}, []hal.Format{hal.FormatSPIRV, hal.FormatPTX, hal.FormatFatbin}, "vulkan1.2", "ptx sm_90"},
		{"vulkan: fatbin", []FatEntry{e(hal.FormatFatbin, "sm_90", fb)}, []hal.Format{hal.FormatSPIRV, hal.FormatPTX, hal.FormatFatbin}, "vulkan1.3", "fatbin sm_90"},
		{"ptx not in formats", []FatEntry{e(hal.FormatPTX, "sm_80", ptx)}, []hal.Format{hal.FormatCPUELF}, "x86_64", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(tc.entries, tc.formats, tc.arch)
			if tc.want == "" {
				if !errors.Is(err, hal.ErrNoBinaryForDevice) {
					t.Fatalf("Select = %v, %v; want ErrNoBinaryForDevice", got, err)
				}
				return
			}
			if err != nil || string(got.Format)+" "+got.Target != tc.want {
				t.Errorf("Select = %v, %v; want %q", got, err, tc.want)
			}
		})
	}
	// A ptx entry that is not PTX is an error on the CPU, which would
	// translate it.
	_, err := Select([]FatEntry{e(hal.FormatPTX, "sm_80", []byte("no directives"))}, cpu, "x86_64")
	if !errors.Is(err, hal.ErrInvalidImage) {
		t.Errorf("malformed ptx entry: %v", err)
	}
	// A GPU still selects by target, without reading the data.
	got, err := Select([]FatEntry{e(hal.FormatPTX, "sm_80", []byte("x")), e(hal.FormatFatbin, "sm_90", []byte("y"))}, []hal.Format{hal.FormatFatbin, hal.FormatPTX}, "sm_90")
	if err != nil || got.Format != hal.FormatFatbin {
		t.Errorf("GPU select: %v, %v", got, err)
	}
}
