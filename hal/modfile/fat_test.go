package modfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestFatRoundTrip(t *testing.T) {
	in := []FatEntry{
		{Format: hal.FormatCPUELF, Target: "x86_64", Data: readFixture(t, "kernels.x86_64.so")},
		{Format: hal.FormatPTX, Target: "sm_80", Data: readFixture(t, "kernels.sm_80.ptx")},
		{Format: hal.FormatAMDGPU, Target: "gfx90a:xnack-", Data: readFixture(t, "kernels.gfx90a.hsaco")},
		{Format: hal.FormatSPIRV, Target: "vulkan1.2", Data: []byte{1}},
		{Format: "future-format", Target: "x", Data: []byte("abc")},
	}
	fat, err := BuildFat(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(fat, []byte("SHALFAT\x00")) || len(fat)%16 != 0 {
		t.Errorf("container starts % x, %d bytes", fat[:8], len(fat))
	}
	out, err := ParseFat(fat)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d entries, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i].Format != in[i].Format || out[i].Target != in[i].Target || !bytes.Equal(out[i].Data, in[i].Data) {
			t.Errorf("entry %d = %v, want %v", i, out[i], in[i])
		}
		// Data is 16-byte aligned within the container and cannot grow into
		// the next entry.
		off := uint64(bytes.Index(fat, in[i].Data))
		if i < 3 && off%16 != 0 {
			t.Errorf("entry %d data at offset %d", i, off)
		}
		if cap(out[i].Data) != len(out[i].Data) {
			t.Errorf("entry %d data has spare capacity", i)
		}
	}
	// The layout is the documented one.
	le := binary.LittleEndian
	if le.Uint16(fat[8:]) != 1 || le.Uint16(fat[10:]) != 32 || le.Uint32(fat[12:]) != 5 || le.Uint64(fat[16:]) != uint64(len(fat)) || le.Uint32(fat[24:]) != 32 {
		t.Errorf("header % x", fat[:32])
	}
	r := fat[32+32:] // entry 1
	dOff, dSize, sOff := le.Uint64(r), le.Uint64(r[8:]), le.Uint32(r[16:])
	if string(fat[sOff:sOff+3]) != "ptx" || string(fat[sOff+3:sOff+8]) != "sm_80" || le.Uint16(r[20:]) != 3 || le.Uint16(r[22:]) != 5 {
		t.Errorf("entry 1 names %q", fat[sOff:sOff+8])
	}
	if !bytes.Equal(fat[dOff:dOff+dSize], in[1].Data) || le.Uint32(r[24:]) != crc32.ChecksumIEEE(in[1].Data) {
		t.Errorf("entry 1 data or checksum wrong")
	}
}

func TestParseFatFixture(t *testing.T) {
	entries, err := ParseFat(readFixture(t, "kernels.fat"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cpu-elf x86_64", "ptx sm_80", "ptx sm_90", "amdgpu gfx90a:xnack-", "amdgpu gfx940", "spirv vulkan1.2"}
	if len(entries) != len(want) {
		t.Fatalf("entries %v", entries)
	}
	for i, e := range entries {
		if got := string(e.Format) + " " + e.Target; got != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got, want[i])
		}
		f, err := Detect(e.Data)
		if err != nil || f != e.Format {
			t.Errorf("entry %d detects as %q, %v", i, f, err)
		}
	}
}

func TestParseFatErrors(t *testing.T) {
	good, err := BuildFat([]FatEntry{
		{Format: hal.FormatPTX, Target: "sm_80", Data: []byte("aaaa")},
		{Format: hal.FormatSPIRV, Target: "vulkan1.2", Data: []byte("bbbbbbbb")},
	})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	rec := func(i int) int { return 32 + 32*i }
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	// fix recomputes entry i's checksum after a data change.
	fix := func(b []byte, i int) {
		r := b[rec(i):]
		off, n := le.Uint64(r), le.Uint64(r[8:])
		le.PutUint32(r[24:], crc32.ChecksumIEEE(b[off:off+n]))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "missing magic"},
		{"magic only", good[:8], "header truncated"},
		{"bad magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), "missing magic"},
		{"version", mutate(func(b []byte) []byte { le.PutUint16(b[8:], 2); return b }), "unsupported version 2"},
		{"header size", mutate(func(b []byte) []byte { le.PutUint16(b[10:], 16); return b }), "header size"},
		{"record size", mutate(func(b []byte) []byte { le.PutUint32(b[24:], 16); return b }), "record size"},
		{"reserved", mutate(func(b []byte) []byte { b[28] = 1; return b }), "reserved header"},
		{"truncated", good[:len(good)-1], "header says"},
		{"padded", append(append([]byte(nil), good...), 0), "header says"},
		{"too many entries", mutate(func(b []byte) []byte { le.PutUint32(b[12:], 1<<30); return b }), "at most"},
		{"table past end", mutate(func(b []byte) []byte { le.PutUint32(b[12:], 100); return b }), "entry table"},
		{"record reserved", mutate(func(b []byte) []byte { b[rec(0)+28] = 1; return b }), "reserved field"},
		{"names in table", mutate(func(b []byte) []byte { le.PutUint32(b[rec(0)+16:], 40); return b }), "string area"},
		{"names past end", mutate(func(b []byte) []byte { le.PutUint32(b[rec(0)+16:], uint32(len(b))-2); return b }), "string area"},
		{"empty format", mutate(func(b []byte) []byte { le.PutUint16(b[rec(0)+20:], 0); return b }), "format name"},
		{"empty target", mutate(func(b []byte) []byte { le.PutUint16(b[rec(0)+22:], 0); return b }), "target"},
		{"bad format char", mutate(func(b []byte) []byte { b[le.Uint32(b[rec(0)+16:])] = 'P'; return b }), "outside [a-z0-9-]"},
		{"bad target char", mutate(func(b []byte) []byte { b[le.Uint32(b[rec(0)+16:])+3] = ' '; return b }), "printable"},
		{"no data", mutate(func(b []byte) []byte { le.PutUint64(b[rec(0)+8:], 0); return b }), "no data"},
		{"data past end", mutate(func(b []byte) []byte { le.PutUint64(b[rec(1)+8:], 1<<40); return b }), "outside"},
		{"data offset overflow", mutate(func(b []byte) []byte { le.PutUint64(b[rec(1):], ^uint64(0)&^15); return b }), "outside"},
		{"data misaligned", mutate(func(b []byte) []byte { le.PutUint64(b[rec(1):], le.Uint64(b[rec(1):])+1); return b }), "misaligned"},
		{"data in table", mutate(func(b []byte) []byte { le.PutUint64(b[rec(0):], 32); return b }), "outside"},
		{"checksum", mutate(func(b []byte) []byte { b[le.Uint64(b[rec(0):])] ^= 1; return b }), "checksum"},
		{"overlap", mutate(func(b []byte) []byte {
			le.PutUint64(b[rec(1):], le.Uint64(b[rec(0):]))
			fix(b, 1)
			return b
		}), "overlap"},
		{"duplicate", mutate(func(b []byte) []byte {
			// Point entry 1's names at entry 0's.
			copy(b[rec(1)+16:rec(1)+24], b[rec(0)+16:rec(0)+24])
			return b
		}), "both ptx"},
		{"nested", mutate(func(b []byte) []byte {
			s := le.Uint32(b[rec(1)+16:])
			copy(b[s:], "streamhal-fat")
			le.PutUint16(b[rec(1)+20:], 13)
			le.PutUint16(b[rec(1)+22:], 0)
			return b
		}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFat(tc.data)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseFat = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
}

func TestBuildFatErrors(t *testing.T) {
	d := []byte{1}
	for _, tc := range []struct {
		name    string
		entries []FatEntry
		want    string
	}{
		{"none", nil, "no entries"},
		{"empty format", []FatEntry{{Target: "x", Data: d}}, "format name"},
		{"upper-case format", []FatEntry{{Format: "PTX", Target: "x", Data: d}}, "outside [a-z0-9-]"},
		{"nested", []FatEntry{{Format: hal.FormatFat, Target: "x", Data: d}}, "cannot hold another"},
		{"empty target", []FatEntry{{Format: hal.FormatPTX, Data: d}}, "target"},
		{"target with space", []FatEntry{{Format: hal.FormatPTX, Target: "sm 80", Data: d}}, "printable"},
		{"long target", []FatEntry{{Format: hal.FormatPTX, Target: strings.Repeat("x", 256), Data: d}}, "1 to 255"},
		{"no data", []FatEntry{{Format: hal.FormatPTX, Target: "sm_80"}}, "no data"},
		{"duplicate", []FatEntry{{Format: hal.FormatPTX, Target: "sm_80", Data: d}, {Format: hal.FormatPTX, Target: "sm_80", Data: d}}, "both ptx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildFat(tc.entries)
			if !errors.Is(err, hal.ErrInvalidValue) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("BuildFat = %v, want ErrInvalidValue mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseFatProjectKernels(t *testing.T) {
	entries, err := ParseFat(projectKernel(t, "test_kernels.fat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cpu-elf x86_64", "ptx sm_80", "ptx sm_90", "amdgpu gfx90a", "amdgpu gfx942"} {
		found := false
		for _, e := range entries {
			found = found || string(e.Format)+" "+e.Target == want
		}
		if !found {
			t.Errorf("no %s entry in %v", want, entries)
		}
	}
	for _, e := range entries {
		if f, err := Detect(e.Data); err != nil || f != e.Format {
			t.Errorf("%v detects as %q, %v", e, f, err)
		}
	}
}
