package modfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
)

// bigPTX is a module of n entries, each with a few parameters and a body.
func bigPTX(n int) []byte {
	var b strings.Builder
	b.WriteString(".version 7.0\n.target sm_80\n.address_size 64\n.shared .align 4 .b8 sm[64];\n")
	for i := range n {
		fmt.Fprintf(&b, ".visible .entry k%d(\n\t.param .u64 a,\n\t.param .u32 n,\n\t.param .align 8 .b8 s[24]\n)\n.maxntid 128, 1, 1\n{\n\t.reg .b32 %%r<4>;\n\tld.param.u32 %%r1, [n];\n\tst.shared.u32 [sm], %%r1;\n\tret;\n}\n", i)
	}
	return []byte(b.String())
}

// bigSPIRV is a SPIR-V 1.0 module of n entry points that all call one
// function of about m instructions, the shape that would make a naive
// per-entry-point call-graph walk quadratic.
func bigSPIRV(n, m int) []byte {
	const (
		tVoid, tFn, tU32, tBlock, tPtr, vPC, fShared = 1, 2, 3, 4, 5, 6, 7
	)
	ins := [][]uint32{}
	for i := range n {
		ins = append(ins, cat([]uint32{spvOpEntryPoint, spvModelGLCompute, uint32(100 + i)}, spvStr(fmt.Sprintf("k%d", i))))
	}
	ins = append(ins,
		[]uint32{spvOpMemberDecorate, tBlock, 0, spvDecOffset, 0},
		[]uint32{spvOpTypeVoid(), tVoid},
		[]uint32{spvOpTypeFunction(), tFn, tVoid},
		[]uint32{spvOpTypeInt, tU32, 32, 0},
		[]uint32{spvOpTypeStruct, tBlock, tU32},
		[]uint32{spvOpTypePointer, tPtr, spvStoragePushConstant, tBlock},
		[]uint32{spvOpVariable, tPtr, vPC, spvStoragePushConstant},
		[]uint32{spvOpFunction, tVoid, fShared, 0, tFn},
		[]uint32{spvOpLabel(), 8},
	)
	for j := range m {
		ins = append(ins, []uint32{spvOpAccessChain(), 9, uint32(1000000 + j), vPC})
	}
	ins = append(ins, []uint32{spvOpReturn()}, []uint32{spvOpFunctionEnd})
	for i := range n {
		ins = append(ins,
			[]uint32{spvOpFunction, tVoid, uint32(100 + i), 0, tFn},
			[]uint32{spvOpLabel(), uint32(500000 + i)},
			[]uint32{spvOpFunctionCall, tVoid, uint32(600000 + i), fShared},
			[]uint32{spvOpReturn()},
			[]uint32{spvOpFunctionEnd})
	}
	return spvAsm(0x00010000, ins...)
}

func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	start := time.Now()
	ptx := bigPTX(20000)
	m, err := ParsePTX(ptx)
	if err != nil || len(m.Kernels) != 20000 || m.Kernels[1].SharedBytes != 64 || m.Kernels[1].ArgsSize != 40 {
		t.Fatalf("big PTX: %v", err)
	}
	spv := bigSPIRV(5000, 20000)
	s, err := ParseSPIRV(spv)
	if err != nil || len(s.Kernels) != 5000 || len(s.Kernels[4999].Params) != 1 {
		t.Fatalf("big SPIR-V: %v", err)
	}
	// Generous: linear work on these ~1-2 MB inputs takes well under a
	// second; quadratic work would take minutes.
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("parsing took %v", d)
	}
}

func BenchmarkParsePTX(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		src := bigPTX(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := ParsePTX(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseSPIRV(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		data := bigSPIRV(n, 1000)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ParseSPIRV(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseAMDGPU(b *testing.B) {
	data := readFixture(b, "kernels.gfx940.hsaco")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseAMDGPU(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFat(b *testing.B) {
	data := readFixture(b, "kernels.fat")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseFat(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDetect(b *testing.B) {
	data := readFixture(b, "kernels.sm_80.ptx")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Detect(data); err != nil {
			b.Fatal(err)
		}
	}
}

// chainSPIRV is a module of n entry points that each call the head of a
// chain of m functions: n*m call-graph steps.
func chainSPIRV(n, m int) []byte {
	ins := [][]uint32{}
	for i := range n {
		ins = append(ins, cat([]uint32{spvOpEntryPoint, spvModelGLCompute, uint32(100000 + i)}, spvStr(fmt.Sprintf("k%d", i))))
	}
	ins = append(ins, []uint32{spvOpTypeVoid(), 1}, []uint32{spvOpTypeFunction(), 2, 1})
	for j := range m {
		ins = append(ins, []uint32{spvOpFunction, 1, uint32(200000 + j), 0, 2}, []uint32{spvOpFunctionCall, 1, 9, uint32(200000 + j + 1)}, []uint32{spvOpFunctionEnd})
	}
	for i := range n {
		ins = append(ins, []uint32{spvOpFunction, 1, uint32(100000 + i), 0, 2}, []uint32{spvOpFunctionCall, 1, 9, 200000}, []uint32{spvOpFunctionEnd})
	}
	return spvAsm(0x00010000, ins...)
}

func TestSPIRVCallGraphBudget(t *testing.T) {
	// Small call graphs are analysed...
	if m, err := ParseSPIRV(chainSPIRV(10, 100)); err != nil || len(m.Kernels) != 10 {
		t.Fatalf("small chain: %v", err)
	}
	// ...a crafted one past the budget is refused rather than ground through.
	start := time.Now()
	_, err := ParseSPIRV(chainSPIRV(1100, 1000))
	if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("big chain: %v", err)
	}
	t.Logf("refused in %v", time.Since(start))
}
