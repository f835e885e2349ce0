package modfile

import (
	"encoding/binary"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestParseCPUELF(t *testing.T) {
	for _, tc := range []struct {
		file    string
		machine uint16
		arch    string
	}{
		{"kernels.x86_64.so", emX86_64, "x86_64"},
		{"library.aarch64.so", emAArch64, "aarch64"},
	} {
		info, err := ParseCPUELF(readFixture(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if info.Machine != tc.machine || info.Arch != tc.arch || !info.ExportsLibrary || info.Sections == 0 || info.Segments == 0 {
			t.Errorf("%s: %+v", tc.file, info)
		}
	}
}

func TestParseCPUELFErrors(t *testing.T) {
	good := readFixture(t, "kernels.x86_64.so")
	le := binary.LittleEndian
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an ELF"},
		{"magic only", good[:4], "header truncated"},
		{"header only", good[:64], "outside"},
		{"truncated", good[:len(good)-100], "outside"},
		{"32-bit", mutate(func(b []byte) { b[4] = 1 }), "32-bit"},
		{"big-endian", mutate(func(b []byte) { b[5] = 2 }), "big-endian"},
		{"bad ident version", mutate(func(b []byte) { b[6] = 9 }), "ident version"},
		{"executable", mutate(func(b []byte) { le.PutUint16(b[16:], elfTypeExec) }), "want a shared object"},
		{"relocatable", mutate(func(b []byte) { le.PutUint16(b[16:], elfTypeRel) }), "ET_REL"},
		{"other machine", mutate(func(b []byte) { le.PutUint16(b[18:], 8) }), "machine 8"},
		{"bad version", mutate(func(b []byte) { le.PutUint32(b[20:], 2) }), "bad ELF version"},
		{"bad ehsize", mutate(func(b []byte) { le.PutUint16(b[52:], 52) }), "header size"},
		{"phoff past end", mutate(func(b []byte) { le.PutUint64(b[32:], uint64(len(good))) }), "program header table"},
		{"phoff overflow", mutate(func(b []byte) { le.PutUint64(b[32:], 1<<63) }), "program header table"},
		{"shoff past end", mutate(func(b []byte) { le.PutUint64(b[40:], uint64(len(good))-10) }), "section header table"},
		{"bad phentsize", mutate(func(b []byte) { le.PutUint16(b[54:], 32) }), "program header entry size"},
		{"bad shentsize", mutate(func(b []byte) { le.PutUint16(b[58:], 40) }), "section header entry size"},
		{"shstrndx range", mutate(func(b []byte) { le.PutUint16(b[62:], le.Uint16(b[60:])) }), "out of range"},
		{"extended numbering", mutate(func(b []byte) { le.PutUint16(b[60:], 0) }), "extended"},
		{"segment past end", mutate(func(b []byte) {
			ph := le.Uint64(b[32:])
			le.PutUint64(b[ph+32:], uint64(len(good))*2) // p_filesz of segment 0
		}), "segment 0"},
		{"section past end", mutate(func(b []byte) {
			sh := le.Uint64(b[40:])
			le.PutUint64(b[sh+64+24:], uint64(len(good))) // sh_offset of section 1
			le.PutUint64(b[sh+64+32:], 16)
		}), "section 1"},
		{"not a library", readFixture(t, "not_a_library.x86_64.so"), "does not export streamhal_cpu_library"},
		{"amdgpu", readFixture(t, "kernels.gfx90a.hsaco"), "machine 224"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCPUELF(tc.data)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseCPUELF = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
}

// TestParseCPUELFBuilt builds a library with the host C compiler, as the
// CPU driver's tests do, and validates it.
func TestParseCPUELFBuilt(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no cc")
	}
	out := filepath.Join(t.TempDir(), "k.so")
	cmd := exec.Command(cc, "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-I../../kernels", "-o", out, "testdata/src/cpu_kernels.c")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, b)
	}
	data := readFileT(t, out)
	info, err := ParseCPUELF(data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Arch != HostArch() {
		t.Errorf("arch %q, host %q (GOARCH %s)", info.Arch, HostArch(), runtime.GOARCH)
	}
	if f, err := Detect(data); err != nil || f != hal.FormatCPUELF {
		t.Errorf("Detect = %v, %v", f, err)
	}
}

func TestHostArch(t *testing.T) {
	want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if want == "" {
		want = runtime.GOARCH
	}
	if HostArch() != want {
		t.Errorf("HostArch() = %q, want %q", HostArch(), want)
	}
}

func TestParseCPUELFProjectKernels(t *testing.T) {
	for _, f := range []string{"test_kernels.x86_64.so", "vector_add.x86_64.so"} {
		t.Run(f, func(t *testing.T) {
			info, err := ParseCPUELF(projectKernel(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if info.Arch != "x86_64" || !info.ExportsLibrary {
				t.Errorf("%+v", info)
			}
		})
	}
}
