package modfile

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// fatbinImage is a minimal NVIDIA fatbin: the 16-byte header and payload.
func fatbinImage(payload int) []byte {
	b := make([]byte, 16+payload)
	le := binary.LittleEndian
	le.PutUint32(b, fatbinMagic)
	le.PutUint16(b[4:], 1)
	le.PutUint16(b[6:], 16)
	le.PutUint64(b[8:], uint64(payload))
	return b
}

func TestDetect(t *testing.T) {
	cubin := readFixture(t, "kernels.gfx90a.hsaco")
	cubin = append([]byte(nil), cubin...)
	binary.LittleEndian.PutUint16(cubin[18:], emCUDA)
	spv := readFixture(t, "kernels.spv")
	spvBE := make([]byte, len(spv))
	for i := 0; i < len(spv); i += 4 {
		binary.BigEndian.PutUint32(spvBE[i:], binary.LittleEndian.Uint32(spv[i:]))
	}
	ptx := readFixture(t, "kernels.sm_80.ptx")
	for _, tc := range []struct {
		name string
		data []byte
		want hal.Format
	}{
		{"ptx", ptx, hal.FormatPTX},
		{"ptx NUL-terminated", append(append([]byte(nil), ptx...), 0), hal.FormatPTX},
		{"ptx minimal", []byte("  .version 8.0 .target sm_90"), hal.FormatPTX},
		{"spirv", spv, hal.FormatSPIRV},
		{"spirv big-endian", spvBE, hal.FormatSPIRV},
		{"amdgpu v4", readFixture(t, "kernels.gfx90a.hsaco"), hal.FormatAMDGPU},
		{"amdgpu v5", readFixture(t, "kernels.gfx940.hsaco"), hal.FormatAMDGPU},
		{"cubin", cubin, hal.FormatCubin},
		{"cpu x86_64", readFixture(t, "kernels.x86_64.so"), hal.FormatCPUELF},
		{"cpu aarch64", readFixture(t, "library.aarch64.so"), hal.FormatCPUELF},
		{"fatbin", fatbinImage(64), hal.FormatFatbin},
		{"fat", readFixture(t, "kernels.fat"), hal.FormatFat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.data)
			if err != nil || got != tc.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDetectErrors(t *testing.T) {
	exe := append([]byte(nil), readFixture(t, "kernels.x86_64.so")...)
	binary.LittleEndian.PutUint16(exe[16:], elfTypeExec)
	wrapper := make([]byte, 24)
	binary.LittleEndian.PutUint32(wrapper, fatbinWrapperMagic)
	badFatbin := fatbinImage(8)
	binary.LittleEndian.PutUint16(badFatbin[4:], 2)
	smallHdr := fatbinImage(8)
	binary.LittleEndian.PutUint16(smallHdr[6:], 8)
	fat := readFixture(t, "kernels.fat")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty image"},
		{"garbage", []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3}, "unrecognised image"},
		{"binary noise", []byte{1, 2, 3}, "unrecognised image"},
		{"text not ptx", []byte("hello world\n"), "without PTX .version and .target"},
		{"ptx without target", []byte(".version 7.0\n"), "without PTX"},
		{"ptx with embedded NUL", []byte(".version 7.0\x00.target sm_80"), "unrecognised image"},
		{"elf truncated", []byte("\x7fELF\x02\x01\x01"), "header truncated"},
		{"elf executable", exe, "want a shared object"},
		{"elf other machine", func() []byte {
			b := append([]byte(nil), exe...)
			binary.LittleEndian.PutUint16(b[18:], 40) // ARM (32-bit)
			return b
		}(), "machine 40"},
		{"fatbin truncated header", fatbinImage(8)[:12], "header truncated"},
		{"fatbin payload past end", fatbinImage(64)[:40], "exceed"},
		{"fatbin version", badFatbin, "unsupported version 2"},
		{"fatbin header size", smallHdr, "header size 8"},
		{"fatbin wrapper", wrapper, "__fatBinC_Wrapper_t"},
		{"spirv truncated", readFixture(t, "kernels.spv")[:12], "header truncated"},
		{"fat truncated", fat[:len(fat)-16], "header says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.data)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Detect = %q, %v; want ErrInvalidImage mentioning %q", got, err, tc.want)
			}
		})
	}
}

func TestDetectProjectKernels(t *testing.T) {
	for file, want := range map[string]hal.Format{
		"test_kernels.x86_64.so":    hal.FormatCPUELF,
		"test_kernels.sm_80.ptx":    hal.FormatPTX,
		"test_kernels.sm_90.ptx":    hal.FormatPTX,
		"test_kernels.gfx90a.hsaco": hal.FormatAMDGPU,
		"test_kernels.gfx942.hsaco": hal.FormatAMDGPU,
		"glsl_baselines.spv":        hal.FormatSPIRV,
		"test_kernels.fat":          hal.FormatFat,
		"vector_add.fat":            hal.FormatFat,
	} {
		t.Run(file, func(t *testing.T) {
			got, err := Detect(projectKernel(t, file))
			if err != nil || got != want {
				t.Errorf("Detect = %q, %v; want %q", got, err, want)
			}
		})
	}
}
