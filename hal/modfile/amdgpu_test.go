package modfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestParseAMDGPUFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, target, version string
		cov                   int
		hidden                bool // v5 kernels using the implicit arguments list hidden_* args
	}{
		{"kernels.gfx90a.hsaco", "gfx90a:xnack-", "1.1", 4, false},
		{"kernels.gfx940.hsaco", "gfx940", "1.2", 5, true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := ParseAMDGPU(readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != hal.FormatAMDGPU || m.Target != tc.target || m.Version != tc.version || m.CodeObjectVersion != tc.cov {
				t.Errorf("module %s %q %q v%d, want amdgpu %q %q v%d", m.Format, m.Target, m.Version, m.CodeObjectVersion, tc.target, tc.version, tc.cov)
			}
			checkSignatures(t, m, "vector_add", "saxpy", "args_probe", "matrix_multiply", "empty", "reduce_sum", "scale_by_global")
			for _, k := range m.Kernels {
				if k.Symbol != k.Name+".kd" || k.WavefrontSize != 64 || k.SGPRCount == 0 && k.Name != "empty" {
					t.Errorf("%s: symbol %q wavefront %d sgprs %d", k.Name, k.Symbol, k.WavefrontSize, k.SGPRCount)
				}
				// The kernarg segment holds the explicit arguments, and in
				// v5 the hidden ones after them.
				var end uint32
				for _, p := range k.Params {
					end = max(end, p.Offset+p.Size)
				}
				if k.KernargSegmentSize < end {
					t.Errorf("%s: kernarg segment %d < explicit end %d", k.Name, k.KernargSegmentSize, end)
				}
				if tc.hidden && k.Name == "vector_add" && k.KernargSegmentSize <= k.ArgsSize {
					t.Errorf("%s: v5 kernarg segment %d should include hidden arguments past %d", k.Name, k.KernargSegmentSize, k.ArgsSize)
				}
			}
			mm, _ := m.Kernel("matrix_multiply")
			if mm.SharedBytes != 2048 || mm.MaxThreadsPerBlock != 256 {
				t.Errorf("matrix_multiply shared %d max threads %d, want 2048 256", mm.SharedBytes, mm.MaxThreadsPerBlock)
			}
			want := map[string]uint64{"global_scale": 4, "table": 148, "coeffs": 16}
			if len(m.Globals) != len(want) {
				t.Errorf("globals %v, want %v", m.Globals, want)
			}
			for _, g := range m.Globals {
				if want[g.Name] != g.Size {
					t.Errorf("global %v, want size %d", g, want[g.Name])
				}
			}
		})
	}
}

// Test encoder, independent of the decoder: just enough MessagePack.
type mpEnc struct{ bytes.Buffer }

func (e *mpEnc) str(s string) {
	switch {
	case len(s) < 32:
		e.WriteByte(0xa0 | byte(len(s)))
	case len(s) < 256:
		e.WriteByte(0xd9)
		e.WriteByte(byte(len(s)))
	default:
		e.WriteByte(0xda)
		binary.Write(e, binary.BigEndian, uint16(len(s)))
	}
	e.WriteString(s)
}

func (e *mpEnc) uint(v uint64) {
	switch {
	case v < 128:
		e.WriteByte(byte(v))
	case v < 1<<16:
		e.WriteByte(0xcd)
		binary.Write(e, binary.BigEndian, uint16(v))
	default:
		e.WriteByte(0xcf)
		binary.Write(e, binary.BigEndian, v)
	}
}

func (e *mpEnc) mapHdr(n int) {
	if n < 16 {
		e.WriteByte(0x80 | byte(n))
	} else {
		e.WriteByte(0xde)
		binary.Write(e, binary.BigEndian, uint16(n))
	}
}

func (e *mpEnc) arrHdr(n int) {
	if n < 16 {
		e.WriteByte(0x90 | byte(n))
	} else {
		e.WriteByte(0xdc)
		binary.Write(e, binary.BigEndian, uint16(n))
	}
}

func TestMsgpackDecoder(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want msgValue
	}{
		{"fixint", []byte{0x05}, msgValue{Kind: msgUint, Uint: 5}},
		{"negative fixint", []byte{0xff}, msgValue{Kind: msgInt, Int: -1}},
		{"nil", []byte{0xc0}, msgValue{Kind: msgNil}},
		{"true", []byte{0xc3}, msgValue{Kind: msgBool, Bool: true}},
		{"uint8", []byte{0xcc, 0xfe}, msgValue{Kind: msgUint, Uint: 254}},
		{"uint16", []byte{0xcd, 1, 2}, msgValue{Kind: msgUint, Uint: 0x102}},
		{"uint32", []byte{0xce, 1, 2, 3, 4}, msgValue{Kind: msgUint, Uint: 0x01020304}},
		{"uint64", []byte{0xcf, 0, 0, 0, 1, 0, 0, 0, 2}, msgValue{Kind: msgUint, Uint: 1<<32 | 2}},
		{"int8", []byte{0xd0, 0x80}, msgValue{Kind: msgInt, Int: -128}},
		{"int16", []byte{0xd1, 0xff, 0xfe}, msgValue{Kind: msgInt, Int: -2}},
		{"int32", []byte{0xd2, 0x80, 0, 0, 0}, msgValue{Kind: msgInt, Int: math.MinInt32}},
		{"int64", []byte{0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd}, msgValue{Kind: msgInt, Int: -3}},
		{"float32", []byte{0xca, 0x3f, 0xc0, 0, 0}, msgValue{Kind: msgFloat, Float: 1.5}},
		{"float64", []byte{0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0}, msgValue{Kind: msgFloat, Float: 2.5}},
		{"fixstr", []byte{0xa2, 'h', 'i'}, msgValue{Kind: msgStr, Str: "hi"}},
		{"str8", []byte{0xd9, 1, 'x'}, msgValue{Kind: msgStr, Str: "x"}},
		{"str16", []byte{0xda, 0, 1, 'y'}, msgValue{Kind: msgStr, Str: "y"}},
		{"str32", []byte{0xdb, 0, 0, 0, 1, 'z'}, msgValue{Kind: msgStr, Str: "z"}},
		{"bin8", []byte{0xc4, 2, 0, 1}, msgValue{Kind: msgBin, Str: "\x00\x01"}},
		{"fixext1", []byte{0xd4, 7, 9}, msgValue{Kind: msgExt, Int: 7, Str: "\x09"}},
		{"ext8", []byte{0xc7, 1, 0xfe, 3}, msgValue{Kind: msgExt, Int: -2, Str: "\x03"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeMsgpack(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.want.Kind || got.Uint != tc.want.Uint || got.Int != tc.want.Int || got.Bool != tc.want.Bool || got.Float != tc.want.Float || got.Str != tc.want.Str {
				t.Errorf("decode % x = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}

	// Containers, through the test encoder.
	var e mpEnc
	e.mapHdr(2)
	e.str("list")
	e.arrHdr(20)
	for i := range 20 {
		e.uint(uint64(i * 1000))
	}
	e.str(strings.Repeat("k", 300))
	e.mapHdr(0)
	v, err := decodeMsgpack(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	list, ok := v.get("list")
	if !ok || list.Kind != msgArray || len(list.Array) != 20 || list.Array[19].Uint != 19000 {
		t.Errorf("list = %+v", list)
	}
	if m, ok := v.get(strings.Repeat("k", 300)); !ok || m.Kind != msgMap || len(m.Map) != 0 {
		t.Errorf("long key = %+v %v", m, ok)
	}

	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"reserved byte", []byte{0xc1}, "invalid type byte"},
		{"short uint32", []byte{0xce, 1, 2}, "bytes wanted"},
		{"short string", []byte{0xa5, 'a'}, "bytes wanted"},
		{"huge string", []byte{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}, "bytes wanted"},
		{"huge array", []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 1}, "only 1 bytes left"},
		{"huge map", []byte{0xdf, 0x7f, 0xff, 0xff, 0xff, 1, 1}, "only 2 bytes left"},
		{"trailing", []byte{1, 2}, "trailing"},
		{"deep", bytes.Repeat([]byte{0x91}, 100), "nesting deeper"},
		{"short ext", []byte{0xd8, 1, 2}, "bytes wanted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeMsgpack(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decode % x = %v, want error mentioning %q", tc.in, err, tc.want)
			}
		})
	}
}

// amdgpuImage builds a minimal AMDGPU ELF whose only content is a note
// section holding metadata.
func amdgpuImage(meta []byte, owner string, typ uint32) []byte {
	var note bytes.Buffer
	name := append([]byte(owner), 0)
	binary.Write(&note, binary.LittleEndian, uint32(len(name)))
	binary.Write(&note, binary.LittleEndian, uint32(len(meta)))
	binary.Write(&note, binary.LittleEndian, typ)
	note.Write(name)
	for note.Len()%4 != 0 {
		note.WriteByte(0)
	}
	note.Write(meta)
	for note.Len()%4 != 0 {
		note.WriteByte(0)
	}
	shstr := []byte("\x00.note\x00.shstrtab\x00")
	img := make([]byte, 64)
	copy(img, "\x7fELF\x02\x01\x01")
	img[7], img[8] = elfOSABIAMDHSA, 3
	le := binary.LittleEndian
	le.PutUint16(img[16:], elfTypeDyn)
	le.PutUint16(img[18:], emAMDGPU)
	le.PutUint32(img[20:], 1)
	le.PutUint16(img[52:], 64)
	noteOff := uint64(len(img))
	img = append(img, note.Bytes()...)
	strOff := uint64(len(img))
	img = append(img, shstr...)
	for len(img)%8 != 0 {
		img = append(img, 0)
	}
	shoff := uint64(len(img))
	sh := make([]byte, 3*64)
	// Section 1: .note
	le.PutUint32(sh[64:], 1)
	le.PutUint32(sh[64+4:], shtNote)
	le.PutUint64(sh[64+24:], noteOff)
	le.PutUint64(sh[64+32:], uint64(note.Len()))
	// Section 2: .shstrtab
	le.PutUint32(sh[128:], 7)
	le.PutUint32(sh[128+4:], shtStrtab)
	le.PutUint64(sh[128+24:], strOff)
	le.PutUint64(sh[128+32:], uint64(len(shstr)))
	img = append(img, sh...)
	le.PutUint64(img[40:], shoff)
	le.PutUint16(img[58:], 64)
	le.PutUint16(img[60:], 3)
	le.PutUint16(img[62:], 2)
	return img
}

// kernelMeta encodes one kernel's metadata map.
func kernelMeta(e *mpEnc, name string, args [][3]any, extra map[string]uint64) {
	e.mapHdr(3 + len(extra))
	e.str(".name")
	e.str(name)
	e.str(".symbol")
	e.str(name + ".kd")
	for k, v := range extra {
		e.str(k)
		e.uint(v)
	}
	e.str(".args")
	e.arrHdr(len(args))
	for _, a := range args {
		e.mapHdr(3)
		e.str(".offset")
		e.uint(uint64(a[0].(int)))
		e.str(".size")
		e.uint(uint64(a[1].(int)))
		e.str(".value_kind")
		e.str(a[2].(string))
	}
}

func TestParseAMDGPUSynthetic(t *testing.T) {
	var e mpEnc
	e.mapHdr(3)
	e.str("amdhsa.version")
	e.arrHdr(2)
	e.uint(1)
	e.uint(2)
	e.str("amdhsa.target")
	e.str("amdgcn-amd-amdhsa--gfx1100")
	e.str("amdhsa.kernels")
	e.arrHdr(1)
	// A struct of three ints at 4 (align 4), a byte, hidden args after.
	kernelMeta(&e, "k", [][3]any{
		{0, 4, "by_value"}, {4, 12, "by_value"}, {16, 1, "by_value"},
		{24, 8, "hidden_global_offset_x"}, {32, 2, "hidden_group_size_x"},
	}, map[string]uint64{".kernarg_segment_size": 40, ".wavefront_size": 32, ".group_segment_fixed_size": 512})
	m, err := ParseAMDGPU(amdgpuImage(e.Bytes(), "AMDGPU", ntAMDGPUMetadata))
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != "gfx1100" || m.Version != "1.2" || m.CodeObjectVersion != 5 {
		t.Errorf("module %q %q v%d", m.Target, m.Version, m.CodeObjectVersion)
	}
	k := m.Kernels[0]
	want := params(0, 4, 4, 12, 16, 1)
	if !equalParams(k.Params, want) || k.ArgsSize != 20 || k.KernargSegmentSize != 40 || k.WavefrontSize != 32 || k.SharedBytes != 512 {
		t.Errorf("kernel %+v", k)
	}

	bad := func(name string, img []byte, want string) {
		t.Run(name, func(t *testing.T) {
			_, err := ParseAMDGPU(img)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), want) {
				t.Errorf("ParseAMDGPU = %v, want ErrInvalidImage mentioning %q", err, want)
			}
		})
	}
	bad("v2 metadata", amdgpuImage([]byte("---\n"), "AMD", ntAMDHSAMetadataV2), "code object v2")
	bad("no note", amdgpuImage([]byte{0x80}, "GNU", 1), "no AMDGPU metadata")
	bad("bad msgpack", amdgpuImage([]byte{0xc1}, "AMDGPU", ntAMDGPUMetadata), "invalid type byte")
	bad("not a map", amdgpuImage([]byte{0x90}, "AMDGPU", ntAMDGPUMetadata), "not a map")
	bad("no kernels", amdgpuImage([]byte{0x80}, "AMDGPU", ntAMDGPUMetadata), "no amdhsa.kernels")

	var o mpEnc
	o.mapHdr(1)
	o.str("amdhsa.kernels")
	o.arrHdr(1)
	kernelMeta(&o, "k", [][3]any{{0, 8, "by_value"}, {4, 4, "by_value"}}, nil)
	bad("overlapping args", amdgpuImage(o.Bytes(), "AMDGPU", ntAMDGPUMetadata), "overlaps")

	var s mpEnc
	s.mapHdr(1)
	s.str("amdhsa.kernels")
	s.arrHdr(1)
	kernelMeta(&s, "k", [][3]any{{0, 8, "by_value"}}, map[string]uint64{".kernarg_segment_size": 4})
	bad("arg past segment", amdgpuImage(s.Bytes(), "AMDGPU", ntAMDGPUMetadata), "overruns")

	var n mpEnc
	n.mapHdr(1)
	n.str("amdhsa.kernels")
	n.arrHdr(1)
	n.mapHdr(1)
	n.str(".symbol")
	n.str("x.kd")
	bad("no name", amdgpuImage(n.Bytes(), "AMDGPU", ntAMDGPUMetadata), "no .name")

	img := readFixture(t, "kernels.gfx90a.hsaco")
	bad("cpu elf", readFixture(t, "kernels.x86_64.so"), "want EM_AMDGPU")
	bad("truncated", img[:len(img)/2], "outside")
}

func TestParseAMDGPUProjectKernels(t *testing.T) {
	for _, f := range []string{"test_kernels.gfx90a.hsaco", "test_kernels.gfx942.hsaco"} {
		t.Run(f, func(t *testing.T) {
			m, err := ParseAMDGPU(projectKernel(t, f))
			if err != nil {
				t.Fatal(err)
			}
			checkSignatures(t, m, "vector_add", "vector_add_scaled", "saxpy", "matrix_multiply", "reduce_sum", "empty", "scale_by_global", "args_probe")
		})
	}
}

func TestParseAMDGPUWithoutSectionHeaders(t *testing.T) {
	// With the section header table dropped, the metadata note is found
	// through the PT_NOTE segment.
	img := append([]byte(nil), readFixture(t, "kernels.gfx940.hsaco")...)
	le := binary.LittleEndian
	le.PutUint64(img[40:], 0)
	le.PutUint16(img[60:], 0)
	le.PutUint16(img[62:], 0)
	m, err := ParseAMDGPU(img)
	if err != nil {
		t.Fatal(err)
	}
	checkSignatures(t, m, "vector_add", "saxpy", "args_probe")
	if len(m.Globals) != 0 {
		t.Errorf("globals %v without a symbol table", m.Globals)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		f    hal.Format
		file string
	}{
		{hal.FormatPTX, "kernels.sm_80.ptx"},
		{hal.FormatSPIRV, "kernels.spv"},
		{hal.FormatAMDGPU, "kernels.gfx90a.hsaco"},
	} {
		m, err := Parse(tc.f, readFixture(t, tc.file))
		if err != nil || m.Format != tc.f || len(m.Kernels) == 0 {
			t.Errorf("Parse(%s) = %v, %v", tc.f, m, err)
		}
	}
	for _, f := range []hal.Format{hal.FormatCPUELF, hal.FormatCubin, hal.FormatFatbin, hal.FormatFat} {
		if _, err := Parse(f, []byte{1}); !errors.Is(err, hal.ErrNotSupported) {
			t.Errorf("Parse(%s) = %v, want ErrNotSupported", f, err)
		}
	}
	if s := (FatEntry{Format: hal.FormatPTX, Target: "sm_80", Data: make([]byte, 3)}).String(); s != "ptx sm_80 (3 bytes)" {
		t.Errorf("String = %q", s)
	}
}
