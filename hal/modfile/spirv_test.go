package modfile

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// checkSPIRVKernels checks the block-size and shared-memory metadata that
// the fixtures' GLSL declares.
func checkSPIRVKernels(t *testing.T, m *Module) {
	t.Helper()
	for _, k := range m.Kernels {
		if k.LocalSizeSpecIDs != [3]int{0, 1, 2} || k.LocalSize != [3]uint32{1, 1, 1} {
			t.Errorf("%s: local size spec IDs %v defaults %v, want [0 1 2] [1 1 1]", k.Name, k.LocalSizeSpecIDs, k.LocalSize)
		}
		wantShared, wantDyn, wantDefault := uint32(0), -1, uint32(0)
		switch k.Name {
		case "matrix_multiply":
			wantShared = 2 * 16 * 16 * 4
		case "reduce_sum":
			wantDyn, wantDefault = 3, 4
		}
		if k.SharedBytes != wantShared || k.DynamicSharedSpecID != wantDyn || k.DynamicSharedDefault != wantDefault {
			t.Errorf("%s: shared %d dynamic spec %d default %d, want %d %d %d", k.Name, k.SharedBytes, k.DynamicSharedSpecID, k.DynamicSharedDefault, wantShared, wantDyn, wantDefault)
		}
		// The push-constant extent is the end of the last parameter.
		var end uint32
		for _, p := range k.Params {
			end = max(end, p.Offset+p.Size)
		}
		if k.PushConstantSize != end {
			t.Errorf("%s: PushConstantSize %d, want %d", k.Name, k.PushConstantSize, end)
		}
	}
}

func TestParseSPIRVFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, version string
		kernels       []string
	}{
		{"kernels.spv", "1.5", []string{"vector_add", "saxpy", "args_probe", "matrix_multiply", "reduce_sum", "empty"}},
		{"kernels.spv13.spv", "1.3", []string{"vector_add", "reduce_sum"}},
		{"reduce_sum.spv16.spv", "1.6", []string{"reduce_sum"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readFixture(t, tc.file)
			m, err := ParseSPIRV(data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != hal.FormatSPIRV || m.Version != tc.version {
				t.Errorf("module %s %q, want spirv %q", m.Format, m.Version, tc.version)
			}
			if len(m.Kernels) != len(tc.kernels) {
				t.Errorf("%d kernels, want %v", len(m.Kernels), tc.kernels)
			}
			checkSignatures(t, m, tc.kernels...)
			checkSPIRVKernels(t, m)

			// The same module in big-endian words parses the same.
			be := make([]byte, len(data))
			for i := 0; i+4 <= len(data); i += 4 {
				binary.BigEndian.PutUint32(be[i:], binary.LittleEndian.Uint32(data[i:]))
			}
			m2, err := ParseSPIRV(be)
			if err != nil {
				t.Fatalf("big-endian: %v", err)
			}
			if len(m2.Kernels) != len(m.Kernels) {
				t.Fatalf("big-endian: %d kernels, want %d", len(m2.Kernels), len(m.Kernels))
			}
			for i := range m.Kernels {
				a, b := m.Kernels[i], m2.Kernels[i]
				if a.Name != b.Name || !equalParams(a.Params, b.Params) || a.SharedBytes != b.SharedBytes || a.DynamicSharedSpecID != b.DynamicSharedSpecID {
					t.Errorf("big-endian kernel %d: %+v, want %+v", i, b, a)
				}
			}
		})
	}
}

// spvAsm assembles a module from instructions given as opcode plus
// operands, with a SPIR-V 1.0 header.
func spvAsm(version uint32, ins ...[]uint32) []byte {
	words := []uint32{spirvMagic, version, 0, 1000, 0}
	for _, in := range ins {
		words = append(words, uint32(len(in))<<16|in[0])
		words = append(words, in[1:]...)
	}
	b := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return b
}

// spvStr encodes a literal string operand.
func spvStr(s string) []uint32 {
	b := append([]byte(s), 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

func cat(parts ...[]uint32) []uint32 {
	var out []uint32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// handModule is a hand-assembled SPIR-V 1.0 module exercising vectors,
// matrices, arrays with and without ArrayStride, nested structs, a
// LocalSize execution mode without specialization, and a push-constant block
// used only through a called function (SPIR-V 1.0 interfaces do not list
// it), next to one that no function uses.
func handModule(pcOffsets []uint32, extra ...[]uint32) []byte {
	const (
		tVoid, tFn, tU32, tF32, tV3, tArr, tInner, tBlock, tPtrPC, vPC, cFour, fMain, fHelper, lbl, lbl2, tF64, tMat, tU16, tArr2, cTwo, vPC2 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21
	)
	ins := [][]uint32{
		cat([]uint32{spvOpEntryPoint, spvModelGLCompute, fMain}, spvStr("hand")),
		{spvOpExecutionMode, fMain, spvModeLocalSize, 64, 2, 1},
		{spvOpDecorate, tArr, spvDecArrayStride, 16},
		{spvOpMemberDecorate, tInner, 0, spvDecOffset, 0},
		{spvOpMemberDecorate, tInner, 1, spvDecOffset, 8},
	}
	for i, off := range pcOffsets {
		ins = append(ins, []uint32{spvOpMemberDecorate, tBlock, uint32(i), spvDecOffset, off})
	}
	ins = append(ins, extra...)
	ins = append(ins,
		[]uint32{spvOpTypeVoid(), tVoid},
		[]uint32{spvOpTypeFunction(), tFn, tVoid},
		[]uint32{spvOpTypeInt, tU32, 32, 0},
		[]uint32{spvOpTypeInt, tU16, 16, 0},
		[]uint32{spvOpTypeFloat, tF32, 32},
		[]uint32{spvOpTypeFloat, tF64, 64},
		[]uint32{spvOpTypeVector, tV3, tF32, 3},
		[]uint32{spvOpTypeMatrix, tMat, tV3, 2},
		[]uint32{spvOpConstant, tU32, cFour, 4},
		[]uint32{spvOpConstant, tU32, cTwo, 2},
		[]uint32{spvOpTypeArray, tArr, tV3, cFour},    // stride 16 -> 64 bytes
		[]uint32{spvOpTypeArray, tArr2, tU16, cTwo},   // no stride -> 4 bytes
		[]uint32{spvOpTypeStruct, tInner, tF64, tU32}, // 8 + 4, sizeof 16
		[]uint32{spvOpTypeStruct, tBlock, tV3, tArr, tInner, tMat, tArr2},
		[]uint32{spvOpTypePointer, tPtrPC, spvStoragePushConstant, tBlock},
		[]uint32{spvOpVariable, tPtrPC, vPC, spvStoragePushConstant},
		// A second push-constant block, which no entry point uses.
		[]uint32{spvOpVariable, tPtrPC, vPC2, spvStoragePushConstant},
		[]uint32{spvOpFunction, tVoid, fMain, 0, tFn},
		[]uint32{spvOpLabel(), lbl},
		// A literal index equal to vPC2's id must not count as a use of it.
		[]uint32{spvOpCompositeExtract, tF32, 300, 301, vPC2},
		[]uint32{spvOpFunctionCall, tVoid, 100, fHelper},
		[]uint32{spvOpReturn()},
		[]uint32{spvOpFunctionEnd},
		[]uint32{spvOpFunction, tVoid, fHelper, 0, tFn},
		[]uint32{spvOpLabel(), lbl2},
		// The real use, in a called function.
		[]uint32{spvOpAccessChain(), 200, 201, vPC, cFour},
		[]uint32{spvOpReturn()},
		[]uint32{spvOpFunctionEnd},
	)
	return spvAsm(0x00010000, ins...)
}

func spvOpTypeVoid() uint32     { return 19 }
func spvOpTypeFunction() uint32 { return 33 }
func spvOpLabel() uint32        { return 248 }
func spvOpReturn() uint32       { return 253 }
func spvOpAccessChain() uint32  { return 65 }

func TestParseSPIRVHandAssembled(t *testing.T) {
	// vec3 @0 (12), vec3[4] stride 16 @16 (64), {double, uint} @80 (16),
	// mat2x3 @96 (24), uint16[2] @120 (4): extent 124, sizeof 128.
	m, err := ParseSPIRV(handModule([]uint32{0, 16, 80, 96, 120}))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Kernels) != 1 {
		t.Fatalf("kernels %+v", m.Kernels)
	}
	k := m.Kernels[0]
	want := params(0, 12, 16, 64, 80, 16, 96, 24, 120, 4)
	if k.Name != "hand" || !equalParams(k.Params, want) {
		t.Errorf("params %v, want %v", k.Params, want)
	}
	if k.PushConstantSize != 124 || k.ArgsSize != 128 {
		t.Errorf("PushConstantSize %d ArgsSize %d, want 124 128", k.PushConstantSize, k.ArgsSize)
	}
	if k.LocalSize != [3]uint32{64, 2, 1} || k.LocalSizeSpecIDs != [3]int{-1, -1, -1} {
		t.Errorf("local size %v ids %v", k.LocalSize, k.LocalSizeSpecIDs)
	}

	// Without an Offset on a member the layout is unknown: an error.
	if _, err := ParseSPIRV(handModule([]uint32{0, 16, 80, 96})); !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), "no Offset") {
		t.Errorf("missing Offset: %v", err)
	}
}

func TestParseSPIRVErrors(t *testing.T) {
	good := readFixture(t, "kernels.spv")
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "header truncated"},
		{"short", good[:16], "header truncated"},
		{"odd size", good[:len(good)-1], "not a multiple of 4"},
		{"bad magic", mutate(func(b []byte) []byte { b[0] = 0; return b }), "bad magic"},
		{"bad version", mutate(func(b []byte) []byte { le.PutUint32(b[4:], 0x00020000); return b }), "bad version"},
		{"schema", mutate(func(b []byte) []byte { le.PutUint32(b[16:], 1); return b }), "schema"},
		{"zero word count", mutate(func(b []byte) []byte { le.PutUint32(b[20:], 0); return b }), "word count 0"},
		{"word count past end", mutate(func(b []byte) []byte { le.PutUint32(b[20:], 0xffff0011); return b }), "word count"},
		{"truncated", good[:len(good)-8], ""},
		{"bool in push constants", handModuleBool(), "bool"},
		{"runtime array in push constants", handModuleRuntimeArray(), "runtime array"},
		{"type cycle", handModuleCycle(), "nests deeper"},
		{"duplicate entry", spvAsm(0x00010000,
			cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 5}, spvStr("k")),
			cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 5}, spvStr("k")),
			[]uint32{spvOpFunction, 1, 5, 0, 2}, []uint32{spvOpFunctionEnd}), "two GLCompute entry points"},
		{"entry not a function", spvAsm(0x00010000, cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 5}, spvStr("k"))), "not a function"},
		{"unterminated name", spvAsm(0x00010000, []uint32{spvOpEntryPoint, spvModelGLCompute, 5, 0x41414141}), "unterminated name"},
		{"unterminated function", spvAsm(0x00010000, []uint32{spvOpFunction, 1, 5, 0, 2}), "no OpFunctionEnd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSPIRV(tc.data)
			if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseSPIRV = %v, want ErrInvalidImage mentioning %q", err, tc.want)
			}
		})
	}
}

// handModuleBool has a push-constant block with a bool member.
func handModuleBool() []byte {
	return spvAsm(0x00010400,
		cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 9}, spvStr("k"), []uint32{4}),
		[]uint32{spvOpMemberDecorate, 2, 0, spvDecOffset, 0},
		[]uint32{spvOpTypeBool, 1},
		[]uint32{spvOpTypeStruct, 2, 1},
		[]uint32{spvOpTypePointer, 3, spvStoragePushConstant, 2},
		[]uint32{spvOpVariable, 3, 4, spvStoragePushConstant},
		[]uint32{spvOpFunction, 1, 9, 0, 2}, []uint32{spvOpFunctionEnd})
}

// handModuleRuntimeArray has a runtime array in its push-constant block.
func handModuleRuntimeArray() []byte {
	return spvAsm(0x00010400,
		cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 9}, spvStr("k"), []uint32{4}),
		[]uint32{spvOpMemberDecorate, 2, 0, spvDecOffset, 0},
		[]uint32{spvOpTypeInt, 1, 32, 0},
		[]uint32{spvOpTypeRuntimeArray, 5, 1},
		[]uint32{spvOpTypeStruct, 2, 5},
		[]uint32{spvOpTypePointer, 3, spvStoragePushConstant, 2},
		[]uint32{spvOpVariable, 3, 4, spvStoragePushConstant},
		[]uint32{spvOpFunction, 1, 9, 0, 2}, []uint32{spvOpFunctionEnd})
}

// handModuleCycle has a struct that contains itself.
func handModuleCycle() []byte {
	return spvAsm(0x00010400,
		cat([]uint32{spvOpEntryPoint, spvModelGLCompute, 9}, spvStr("k"), []uint32{4}),
		[]uint32{spvOpMemberDecorate, 2, 0, spvDecOffset, 0},
		[]uint32{spvOpTypeStruct, 2, 6},
		[]uint32{spvOpTypeStruct, 6, 2},
		[]uint32{spvOpTypePointer, 3, spvStoragePushConstant, 2},
		[]uint32{spvOpVariable, 3, 4, spvStoragePushConstant},
		[]uint32{spvOpFunction, 1, 9, 0, 2}, []uint32{spvOpFunctionEnd})
}

func TestParseSPIRVProjectKernels(t *testing.T) {
	m, err := ParseSPIRV(projectKernel(t, "glsl_baselines.spv"))
	if err != nil {
		t.Fatal(err)
	}
	checkSignatures(t, m, "vector_add", "saxpy", "matrix_multiply", "reduce_sum")
	for _, k := range m.Kernels {
		if k.LocalSizeSpecIDs != [3]int{0, 1, 2} {
			t.Errorf("%s: LocalSizeSpecIDs %v, want [0 1 2]", k.Name, k.LocalSizeSpecIDs)
		}
	}
	if k, err := m.Kernel("reduce_sum"); err == nil && k.DynamicSharedSpecID != 3 {
		t.Errorf("reduce_sum DynamicSharedSpecID %d, want 3", k.DynamicSharedSpecID)
	}
	if k, err := m.Kernel("matrix_multiply"); err == nil && k.SharedBytes < 2048 {
		t.Errorf("matrix_multiply SharedBytes %d, want at least 2048", k.SharedBytes)
	}
}

func TestParseSPIRVProjectSingles(t *testing.T) {
	for file, kernel := range map[string]string{"vector_add.spv": "vector_add"} {
		t.Run(file, func(t *testing.T) {
			m, err := ParseSPIRV(projectKernel(t, file))
			if err != nil {
				t.Fatal(err)
			}
			checkSignatures(t, m, kernel)
		})
	}
}
