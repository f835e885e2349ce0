package spirv_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
)

// vectorAdd builds c[i] = a[i] + b[i] for i < n with pointers as buffer
// device addresses in a push-constant block (the project's conventions),
// local size from specialization constants 0..2 and a dynamic Workgroup
// array sized by specialization constant 3.
func vectorAdd(version uint32) *spirv.Module {
	m := spirv.NewModule(version)
	m.Capability(spirv.CapabilityShader)
	m.Capability(spirv.CapabilityPhysicalStorageBufferAddresses)
	m.Capability(spirv.CapabilityInt64)
	m.SetMemoryModel(spirv.AddressingModelPhysicalStorageBuffer64, spirv.MemoryModelGLSL450)
	void := m.TypeVoid()
	u32 := m.TypeInt(32, false)
	u64 := m.TypeInt(64, false)
	f32 := m.TypeFloat(32)
	bool_ := m.TypeBool()
	v3 := m.TypeVector(u32, 3)
	pc := m.TypeStruct(u64, u64, u64, u32)
	m.Decorate(pc, spirv.DecorationBlock)
	for i, off := range []uint32{0, 8, 16, 24} {
		m.MemberDecorate(pc, uint32(i), spirv.DecorationOffset, off)
	}
	m.Name(pc, "args")
	m.MemberName(pc, 0, "a")
	pcVar := m.Variable(m.TypePointer(spirv.StorageClassPushConstant, pc), spirv.StorageClassPushConstant, 0)
	gid := m.Variable(m.TypePointer(spirv.StorageClassInput, v3), spirv.StorageClassInput, 0)
	m.Decorate(gid, spirv.DecorationBuiltIn, uint32(spirv.BuiltInGlobalInvocationId))
	sx := m.SpecConstant(u32, 1, 0)
	sy := m.SpecConstant(u32, 1, 1)
	sz := m.SpecConstant(u32, 1, 2)
	dyn := m.SpecConstant(u32, 4, 3)
	words := m.SpecConstantOp(u32, spirv.OpUDiv, dyn, m.Uint32(4))
	shared := m.Variable(m.TypePointer(spirv.StorageClassWorkgroup, m.TypeArray(f32, words)), spirv.StorageClassWorkgroup, 0)
	fnType := m.TypeFunction(void)
	f := m.Function(void, spirv.FunctionControlNone, fnType)
	m.Name(f.ID, "vector_add")
	m.EntryPoint(spirv.ExecutionModelGLCompute, f.ID, "vector_add", pcVar, gid, shared)
	// LocalSizeId needs Vulkan 1.3's maintenance4; the WorkgroupSize
	// built-in made of specialization constants works everywhere.
	ws := m.SpecConstantComposite(v3, sx, sy, sz)
	m.Decorate(ws, spirv.DecorationBuiltIn, uint32(spirv.BuiltInWorkgroupSize))
	ptrPC64 := m.TypePointer(spirv.StorageClassPushConstant, u64)
	ptrPC32 := m.TypePointer(spirv.StorageClassPushConstant, u32)
	ptrF := m.TypePointer(spirv.StorageClassPhysicalStorageBuffer, f32)
	i32 := func(v uint32) uint32 { return uint32(m.Uint32(v)) }

	entry := f.Begin(f.NewBlock())
	iv := f.Variable(m.TypePointer(spirv.StorageClassFunction, u32), 0)
	g := entry.Emit(spirv.OpLoad, v3, uint32(gid))
	i := entry.Emit(spirv.OpCompositeExtract, u32, uint32(g), 0)
	entry.EmitIDs(spirv.OpStore, 0, iv, i)
	n := entry.Emit(spirv.OpLoad, u32, uint32(entry.Emit(spirv.OpAccessChain, ptrPC32, uint32(pcVar), i32(3))))
	lt := entry.EmitIDs(spirv.OpULessThan, bool_, i, n)
	then, merge := f.NewBlock(), f.NewBlock()
	entry.SelectionMerge(merge)
	entry.BranchConditional(lt, then, merge)

	f.Begin(then)
	off := then.EmitIDs(spirv.OpIMul, u64, then.EmitIDs(spirv.OpUConvert, u64, i), m.Uint64(4))
	addr := func(member uint32) spirv.ID {
		base := then.Emit(spirv.OpLoad, u64, uint32(then.Emit(spirv.OpAccessChain, ptrPC64, uint32(pcVar), i32(member))))
		return then.EmitIDs(spirv.OpConvertUToPtr, ptrF, then.EmitIDs(spirv.OpIAdd, u64, base, off))
	}
	x := then.Emit(spirv.OpLoad, f32, uint32(addr(0)), uint32(spirv.MemoryAccessAligned), 4)
	y := then.Emit(spirv.OpLoad, f32, uint32(addr(1)), uint32(spirv.MemoryAccessAligned), 4)
	s := then.EmitIDs(spirv.OpFAdd, f32, x, y)
	then.Emit(spirv.OpStore, 0, uint32(addr(2)), uint32(s), uint32(spirv.MemoryAccessAligned), 4)
	then.Branch(merge)

	f.Begin(merge).Return()
	return m
}

func TestBuildValidates(t *testing.T) {
	for _, v := range []uint32{spirv.Version1_5, spirv.Version1_6} {
		m := vectorAdd(v)
		words, err := m.Words()
		if err != nil {
			t.Fatal(err)
		}
		if err := spirv.Validate(words); err != nil {
			t.Fatalf("version %#x: %v", v, err)
		}
		env := spirvtest.Env(v)
		spirvtest.Validate(t, spirv.WordsToBytes(words), env)
		if v == spirv.Version1_5 {
			// The same module under Vulkan 1.3 (which consumes 1.5 too).
			spirvtest.Validate(t, spirv.WordsToBytes(words), "vulkan1.3")
		}
	}
}

// TestRoundTrip disassembles with spirv-dis, reassembles with spirv-as and
// compares the words (the generator word aside), and decodes the module
// with the package's own decoder.
func TestRoundTrip(t *testing.T) {
	for _, v := range []uint32{spirv.Version1_5, spirv.Version1_6} {
		words, err := vectorAdd(v).Words()
		if err != nil {
			t.Fatal(err)
		}
		mod := spirv.WordsToBytes(words)
		text := spirvtest.Disassemble(t, mod)
		again := spirvtest.Assemble(t, text, spirvtest.Env(v))
		b, err := spirv.Decode(again)
		if err != nil {
			t.Fatal(err)
		}
		got, err := spirv.Decode(mod)
		if err != nil {
			t.Fatal(err)
		}
		if b.Version != got.Version || b.Bound != got.Bound || len(b.Insts) != len(got.Insts) {
			t.Fatalf("header or length differ after spirv-dis | spirv-as: version %#x/%#x bound %d/%d insts %d/%d",
				b.Version, got.Version, b.Bound, got.Bound, len(b.Insts), len(got.Insts))
		}
		for i := range b.Insts {
			if b.Insts[i].Op != got.Insts[i].Op || !slices.Equal(b.Insts[i].Words, got.Insts[i].Words) {
				t.Fatalf("instruction %d differs after spirv-dis | spirv-as: %v %v vs %v %v", i, got.Insts[i].Op, got.Insts[i].Words, b.Insts[i].Op, b.Insts[i].Words)
			}
		}
		listing := got.String()
		for _, want := range []string{"OpEntryPoint GLCompute", "\"vector_add\"", "WorkgroupSize", "OpConvertUToPtr", "PhysicalStorageBuffer", "OpSelectionMerge"} {
			if !strings.Contains(listing, want) {
				t.Errorf("listing lacks %q:\n%s", want, listing)
			}
		}
	}
}

func TestDedup(t *testing.T) {
	m := spirv.NewModule(0)
	u1, u2, s1 := m.TypeInt(32, false), m.TypeInt(32, false), m.TypeInt(32, true)
	if u1 != u2 || u1 == s1 {
		t.Error("integer types are not de-duplicated by width and signedness")
	}
	c1, c2, c3, c4 := m.Uint32(7), m.Uint32(7), m.Uint32(8), m.Constant(s1, 7)
	if c1 != c2 || c1 == c3 || c1 == c4 {
		t.Error("constants are not de-duplicated by type and value")
	}
	if a, b := m.TypeStruct(m.TypeFloat(32)), m.TypeStruct(m.TypeFloat(32)); a == b {
		t.Error("struct types were de-duplicated")
	}
	p := m.TypePointer(spirv.StorageClassWorkgroup, m.TypeFloat(32))
	if p != m.TypePointer(spirv.StorageClassWorkgroup, m.TypeFloat(32)) || p == m.TypePointer(spirv.StorageClassPrivate, m.TypeFloat(32)) {
		t.Error("pointer types are not de-duplicated by storage class and pointee")
	}
	m.Decorate(p, spirv.DecorationArrayStride, 4)
	m.Decorate(p, spirv.DecorationArrayStride, 4)
	m.Capability(spirv.CapabilityShader)
	m.Capability(spirv.CapabilityShader)
	words, err := m.Words()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := spirv.Decode(spirv.WordsToBytes(words))
	counts := map[spirv.Op]int{}
	for _, in := range b.Insts {
		counts[in.Op]++
	}
	if counts[spirv.OpDecorate] != 1 || counts[spirv.OpCapability] != 1 {
		t.Errorf("decorations %d, capabilities %d; want one each", counts[spirv.OpDecorate], counts[spirv.OpCapability])
	}
}

// TestBuilderMistakes: mistakes are errors from Words, not panics.
func TestBuilderMistakes(t *testing.T) {
	cases := map[string]func(m *spirv.Module){
		"no terminator": func(m *spirv.Module) {
			f := m.Function(m.TypeVoid(), 0, m.TypeFunction(m.TypeVoid()))
			f.Begin(f.NewBlock())
		},
		"after terminator": func(m *spirv.Module) {
			f := m.Function(m.TypeVoid(), 0, m.TypeFunction(m.TypeVoid()))
			b := f.Begin(f.NewBlock())
			b.Return()
			b.Return()
		},
		"unplaced target": func(m *spirv.Module) {
			f := m.Function(m.TypeVoid(), 0, m.TypeFunction(m.TypeVoid()))
			f.Begin(f.NewBlock()).Branch(f.NewBlock())
		},
		"missing type": func(m *spirv.Module) {
			f := m.Function(m.TypeVoid(), 0, m.TypeFunction(m.TypeVoid()))
			f.Begin(f.NewBlock()).Emit(spirv.OpIAdd, 0, 1, 2)
		},
		"constant of a non-scalar": func(m *spirv.Module) { m.Constant(m.TypeVoid(), 1) },
		"placed twice": func(m *spirv.Module) {
			f := m.Function(m.TypeVoid(), 0, m.TypeFunction(m.TypeVoid()))
			b := f.Begin(f.NewBlock())
			b.Return()
			f.Begin(b)
		},
	}
	for name, build := range cases {
		m := spirv.NewModule(0)
		build(m)
		if _, err := m.Words(); !errors.Is(err, spirv.ErrInvalid) {
			t.Errorf("%s: Words error %v, want ErrInvalid", name, err)
		}
	}
}

// TestValidateRejects: the internal check finds what a broken builder
// could produce.
func TestValidateRejects(t *testing.T) {
	good, err := vectorAdd(spirv.Version1_5).Words()
	if err != nil {
		t.Fatal(err)
	}
	if err := spirv.Validate(good); err != nil {
		t.Fatal(err)
	}
	b, _ := spirv.DecodeWords(good)
	edit := func(f func(insts []spirv.Inst) []spirv.Inst) []uint32 {
		var insts []spirv.Inst
		for _, in := range b.Insts {
			insts = append(insts, spirv.Inst{Op: in.Op, Words: slices.Clone(in.Words)})
		}
		insts = f(insts)
		out := []uint32{spirv.Magic, b.Version, 0, b.Bound, 0}
		for _, in := range insts {
			out = append(out, uint32(len(in.Words)+1)<<16|uint32(in.Op))
			out = append(out, in.Words...)
		}
		return out
	}
	find := func(insts []spirv.Inst, op spirv.Op) int {
		for i, in := range insts {
			if in.Op == op {
				return i
			}
		}
		t.Fatalf("no %v", op)
		return -1
	}
	cases := map[string][]uint32{
		"missing capability": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpCapability) + 1 // PhysicalStorageBufferAddresses
			return slices.Delete(s, i, i+1)
		}),
		"undefined id": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpFAdd)
			s[i].Words[2] = 999
			return s
		}),
		"duplicate result": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpFAdd)
			j := find(s, spirv.OpIMul)
			s[i].Words[1] = s[j].Words[1]
			return s
		}),
		"section order": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpName)
			n := s[i]
			s = slices.Delete(s, i, i+1)
			return append(s, n)
		}),
		"merge not before branch": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpSelectionMerge)
			m := s[i]
			s = slices.Delete(s, i, i+1)
			return slices.Insert(s, i-1, m)
		}),
		"bad operand count": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpFAdd)
			s[i].Words = s[i].Words[:3]
			return s
		}),
		"no terminator": edit(func(s []spirv.Inst) []spirv.Inst {
			i := find(s, spirv.OpReturn)
			return slices.Delete(s, i, i+1)
		}),
	}
	for name, w := range cases {
		if err := spirv.Validate(w); !errors.Is(err, spirv.ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", name, err)
		}
	}
}
