package modfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// fuzzSeeds adds every fixture (and the project's kernels when built) as a
// seed, plus a few small hand-made inputs.
func fuzzSeeds(f *testing.F, patterns ...string) {
	for _, dir := range []string{"testdata", filepath.Join("..", "..", "testdata")} {
		for _, p := range patterns {
			files, _ := filepath.Glob(filepath.Join(dir, p))
			for _, file := range files {
				if b, err := os.ReadFile(file); err == nil {
					f.Add(b)
				}
			}
		}
	}
}

// checkErr fails unless err is nil or wraps hal.ErrInvalidImage.
func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, hal.ErrInvalidImage) {
		t.Fatalf("error %v does not wrap ErrInvalidImage", err)
	}
}

func FuzzDetect(f *testing.F) {
	fuzzSeeds(f, "*.ptx", "*.spv", "*.hsaco", "*.so", "*.fat")
	f.Add([]byte(".version 7.0\n.target sm_80\n"))
	f.Add(fatbinImage(32))
	if hand, _ := handFatbin(f); hand != nil {
		f.Add(hand)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data)
		checkErr(t, err)
		if err == nil && format == "" {
			t.Fatal("no format and no error")
		}
	})
}

func FuzzParseFat(f *testing.F) {
	fuzzSeeds(f, "*.fat")
	small, _ := BuildFat([]FatEntry{{Format: hal.FormatPTX, Target: "sm_80", Data: []byte("x")}, {Format: hal.FormatSPIRV, Target: "v", Data: []byte("yy")}})
	f.Add(small)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseFat(data)
		checkErr(t, err)
		if err != nil {
			return
		}
		// What parses rebuilds and parses back to the same entries.
		if len(entries) == 0 {
			return
		}
		re, err := BuildFat(entries)
		if err != nil {
			t.Fatalf("BuildFat of parsed entries: %v", err)
		}
		again, err := ParseFat(re)
		if err != nil || len(again) != len(entries) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range again {
			if again[i].Format != entries[i].Format || again[i].Target != entries[i].Target || string(again[i].Data) != string(entries[i].Data) {
				t.Fatalf("round trip entry %d differs", i)
			}
		}
	})
}

func FuzzParsePTX(f *testing.F) {
	fuzzSeeds(f, "*.ptx")
	f.Add([]byte(".version 7.0\n.target sm_80\n.entry k(.param .align 8 .b8 s[12], .param .u64 .ptr .global .align 4 p) .maxntid 32 { .shared .u32 x[4]; ret; }\n.global .u8 g[] = {1,2};"))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := ParsePTX(src)
		checkErr(t, err)
		if err == nil {
			checkModule(t, m)
		}
	})
}

func FuzzParseSPIRV(f *testing.F) {
	fuzzSeeds(f, "*.spv")
	f.Add(handModule([]uint32{0, 16, 80, 96, 120}))
	f.Add(handModuleCycle())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseSPIRV(data)
		checkErr(t, err)
		if err == nil {
			checkModule(t, m)
		}
	})
}

func FuzzParseAMDGPU(f *testing.F) {
	fuzzSeeds(f, "*.hsaco")
	var e mpEnc
	e.mapHdr(1)
	e.str("amdhsa.kernels")
	e.arrHdr(1)
	kernelMeta(&e, "k", [][3]any{{0, 4, "by_value"}, {8, 8, "global_buffer"}, {16, 8, "hidden_global_offset_x"}}, map[string]uint64{".kernarg_segment_size": 24})
	f.Add(amdgpuImage(e.Bytes(), "AMDGPU", ntAMDGPUMetadata))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseAMDGPU(data)
		checkErr(t, err)
		if err == nil {
			checkModule(t, m)
		}
	})
}

func FuzzParseCPUELF(f *testing.F) {
	fuzzSeeds(f, "*.so")
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseCPUELF(data)
		checkErr(t, err)
		if err == nil && info.Arch != "x86_64" && info.Arch != "aarch64" {
			t.Fatalf("accepted arch %q", info.Arch)
		}
	})
}

func FuzzMsgpack(f *testing.F) {
	for _, name := range []string{"kernels.gfx90a.hsaco", "kernels.gfx940.hsaco"} {
		img, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			continue
		}
		if ef, err := parseELF(img, "seed"); err == nil {
			notes, _ := ef.notes("seed")
			for _, n := range notes {
				f.Add(n.desc)
			}
		}
	}
	f.Add([]byte{0x82, 0xa1, 'a', 0x93, 1, 0xcc, 200, 0xd0, 0x80, 0xa1, 'b', 0xc3})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeMsgpack(data)
		if err == nil {
			_ = countValues(&v)
		}
	})
}

func countValues(v *msgValue) int {
	n := 1
	for i := range v.Array {
		n += countValues(&v.Array[i])
	}
	for i := range v.Map {
		n += countValues(&v.Map[i].Key) + countValues(&v.Map[i].Value)
	}
	return n
}

// checkModule checks invariants every parsed module keeps.
func checkModule(t *testing.T, m *Module) {
	t.Helper()
	for _, k := range m.Kernels {
		if k.Params == nil {
			t.Fatalf("kernel %q: nil Params", k.Name)
		}
		for _, p := range k.Params {
			if uint64(p.Offset)+uint64(p.Size) > maxArgsSize {
				t.Fatalf("kernel %q: param %v past %d", k.Name, p, maxArgsSize)
			}
			if m.Format != hal.FormatSPIRV && p.Offset+p.Size > k.ArgsSize {
				t.Fatalf("kernel %q: param %v past ArgsSize %d", k.Name, p, k.ArgsSize)
			}
		}
	}
}

func FuzzParseFatbin(f *testing.F) {
	fuzzSeeds(f, "*.fatbin", "ptx/*.fatbin")
	// Small seeds: the fuzzer minimizes each new input it finds, which is
	// slow for large ones.
	ptx := readFixture(f, "kernels.sm_80.ptx")
	small := buildFatbin(fbEntry{kind: FatbinPTX, arch: 80, major: 7, ident: "a", opts: "-O3", payload: ptx[:200], compress: "lz4"},
		fbEntry{kind: FatbinPTX, arch: 90, major: 8, minor: 4, flags: FatbinFlagArchSpecific, payload: ptx[:300], compress: "zstd"},
		fbEntry{kind: FatbinELF, arch: 90, payload: []byte("\x7fELF")})
	f.Add(small)
	f.Add(hostELF(".nv_fatbin", small))
	f.Add(buildFatbin(fbEntry{kind: FatbinPTX, arch: 86, major: 8, payload: readFixture(f, "kernels.sm_80.ptx.zst")[:400], compress: "zstd-data", plainSize: uint64(len(ptx))}))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseFatbin(data)
		checkErr(t, err)
		total := 0
		for _, e := range entries {
			if len(e.Payload) > maxFatbinPayload {
				t.Fatalf("entry of %d bytes", len(e.Payload))
			}
			total += len(e.Payload)
		}
		if total > maxFatbinTotal {
			t.Fatalf("%d bytes in all", total)
		}
		ptx, _, err := ExtractPTX(hal.FormatFatbin, data, PTXVersion{8, 0})
		if err != nil && !errors.Is(err, hal.ErrInvalidImage) && !errors.Is(err, hal.ErrNoBinaryForDevice) {
			t.Fatalf("ExtractPTX error %v wraps neither ErrInvalidImage nor ErrNoBinaryForDevice", err)
		}
		if err == nil && checkPTXHeader(ptx) != nil {
			t.Fatal("ExtractPTX returned text without PTX directives")
		}
	})
}

// FuzzLZ4Block decodes arbitrary blocks within a limit, and round-trips
// arbitrary data through the test compressor.
func FuzzLZ4Block(f *testing.F) {
	f.Add(readFixture(f, "kernels.sm_80.ptx.lz4block"), uint16(20000))
	f.Add([]byte{0x1f, 'a', 1, 0, 255, 255, 0}, uint16(1000))
	f.Add(bytes.Repeat([]byte("abcabcabd"), 40), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		out, err := lz4Block(data, uint64(limit))
		if err == nil && len(out) > int(limit) {
			t.Fatalf("%d bytes past the limit %d", len(out), limit)
		}
		back, err := lz4Block(lz4Compress(data), uint64(len(data)))
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(data), len(back), err)
		}
	})
}
