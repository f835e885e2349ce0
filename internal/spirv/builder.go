package spirv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Magic is the SPIR-V magic number (the first word of a module).
const Magic = 0x07230203

// Versions of SPIR-V (the header's version word).
const (
	Version1_3 uint32 = 0x00010300
	Version1_4 uint32 = 0x00010400
	Version1_5 uint32 = 0x00010500
	Version1_6 uint32 = 0x00010600
)

// ErrInvalid is wrapped by the errors of a module that was built wrongly
// (an id used but never defined, a block never terminated, an operand that
// does not fit the instruction's grammar) and of binaries that do not
// decode.
var ErrInvalid = errors.New("invalid SPIR-V")

// ID is a result id.
type ID uint32

// Inst is one instruction: its opcode and its operand words in grammar
// order, the result type and result id included where it has them.
type Inst struct {
	Op    Op
	Words []uint32
}

// Module builds a SPIR-V module. Types, constants and decorations are
// de-duplicated (asking twice for an int32 type gives the same id; struct
// types and specialization constants are always new, since their
// decorations tell them apart). Capabilities and extensions are recorded
// once each. A builder mistake (a wrong operand count, an id that is never
// defined, a block never terminated) is recorded, not panicked on: Encode
// returns it.
type Module struct {
	// Version is the SPIR-V version written in the header (Version1_5 by
	// default: the version Vulkan 1.2 consumes).
	Version uint32
	// Generator is the header's generator word.
	Generator uint32

	bound      uint32
	caps       []Capability
	capSet     map[Capability]bool
	exts       []string
	extSet     map[string]bool
	imports    []Inst
	importIDs  map[string]ID
	addressing AddressingModel
	memory     MemoryModel
	entries    []Inst
	modes      []Inst
	debug      []Inst
	annots     []Inst
	annotSet   map[string]bool
	globals    []Inst
	funcs      []*Function

	cache map[string]ID
	types map[ID]TypeDesc
	err   error
}

// TypeDesc describes a type the module declared: its opcode and, for
// scalars, width and signedness; for vectors, arrays and pointers, the
// element type and count or storage class.
type TypeDesc struct {
	Op      Op
	Width   uint32 // int and float bits
	Signed  bool
	Elem    ID           // vector, array, runtime array, pointer
	Count   uint32       // vector components
	Length  ID           // array length constant
	Storage StorageClass // pointer
	Members []ID         // struct
}

// NewModule returns an empty module of the given SPIR-V version (0 means
// Version1_5).
func NewModule(version uint32) *Module {
	if version == 0 {
		version = Version1_5
	}
	return &Module{
		Version:    version,
		bound:      1,
		capSet:     map[Capability]bool{},
		extSet:     map[string]bool{},
		importIDs:  map[string]ID{},
		annotSet:   map[string]bool{},
		cache:      map[string]ID{},
		types:      map[ID]TypeDesc{},
		addressing: AddressingModelLogical,
		memory:     MemoryModelGLSL450,
	}
}

// Err returns the first builder mistake recorded, or nil.
func (m *Module) Err() error { return m.err }

func (m *Module) fail(format string, args ...any) {
	if m.err == nil {
		m.err = fmt.Errorf("spirv: "+format+": %w", append(args, ErrInvalid)...)
	}
}

// ID allocates a fresh result id.
func (m *Module) ID() ID {
	id := ID(m.bound)
	m.bound++
	return id
}

// Bound is one more than the largest id allocated so far.
func (m *Module) Bound() uint32 { return m.bound }

// Capability declares a capability (once).
func (m *Module) Capability(c Capability) {
	if !m.capSet[c] {
		m.capSet[c] = true
		m.caps = append(m.caps, c)
	}
}

// HasCapability reports whether c was declared.
func (m *Module) HasCapability(c Capability) bool { return m.capSet[c] }

// Capabilities returns the declared capabilities in declaration order.
func (m *Module) Capabilities() []Capability { return append([]Capability(nil), m.caps...) }

// Extension declares an extension (once).
func (m *Module) Extension(name string) {
	if !m.extSet[name] {
		m.extSet[name] = true
		m.exts = append(m.exts, name)
	}
}

// ExtInstImport imports an extended instruction set (once) and returns its id.
func (m *Module) ExtInstImport(name string) ID {
	if id, ok := m.importIDs[name]; ok {
		return id
	}
	id := m.ID()
	m.importIDs[name] = id
	m.imports = append(m.imports, Inst{OpExtInstImport, append([]uint32{uint32(id)}, StringWords(name)...)})
	return id
}

// SetMemoryModel sets the addressing and memory model (Logical GLSL450 by
// default).
func (m *Module) SetMemoryModel(a AddressingModel, mm MemoryModel) {
	m.addressing, m.memory = a, mm
}

// EntryPoint declares an entry point. In SPIR-V 1.4 and later the
// interface lists every global variable the entry point uses.
func (m *Module) EntryPoint(model ExecutionModel, fn ID, name string, iface ...ID) {
	w := []uint32{uint32(model), uint32(fn)}
	w = append(w, StringWords(name)...)
	for _, id := range iface {
		w = append(w, uint32(id))
	}
	m.entries = append(m.entries, Inst{OpEntryPoint, w})
}

// ExecutionMode declares an execution mode with literal operands.
func (m *Module) ExecutionMode(fn ID, mode ExecutionMode, lits ...uint32) {
	m.modes = append(m.modes, Inst{OpExecutionMode, append([]uint32{uint32(fn), uint32(mode)}, lits...)})
}

// ExecutionModeId declares an execution mode whose operands are ids
// (LocalSizeId).
func (m *Module) ExecutionModeId(fn ID, mode ExecutionMode, ids ...ID) {
	w := []uint32{uint32(fn), uint32(mode)}
	for _, id := range ids {
		w = append(w, uint32(id))
	}
	m.modes = append(m.modes, Inst{OpExecutionModeId, w})
}

// Name attaches a debug name.
func (m *Module) Name(id ID, name string) {
	m.debug = append(m.debug, Inst{OpName, append([]uint32{uint32(id)}, StringWords(name)...)})
}

// MemberName attaches a debug name to a struct member.
func (m *Module) MemberName(st ID, member uint32, name string) {
	m.debug = append(m.debug, Inst{OpMemberName, append([]uint32{uint32(st), member}, StringWords(name)...)})
}

func (m *Module) annot(in Inst) {
	key := instKey(in)
	if m.annotSet[key] {
		return
	}
	m.annotSet[key] = true
	m.annots = append(m.annots, in)
}

// Decorate decorates an id (once per identical decoration).
func (m *Module) Decorate(id ID, d Decoration, lits ...uint32) {
	m.annot(Inst{OpDecorate, append([]uint32{uint32(id), uint32(d)}, lits...)})
}

// DecorateId decorates an id with a decoration whose operands are ids.
func (m *Module) DecorateId(id ID, d Decoration, ids ...ID) {
	w := []uint32{uint32(id), uint32(d)}
	for _, x := range ids {
		w = append(w, uint32(x))
	}
	m.annot(Inst{OpDecorateId, w})
}

// MemberDecorate decorates a struct member.
func (m *Module) MemberDecorate(st ID, member uint32, d Decoration, lits ...uint32) {
	m.annot(Inst{OpMemberDecorate, append([]uint32{uint32(st), member, uint32(d)}, lits...)})
}

func instKey(in Inst) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(in.Op)))
	for _, w := range in.Words {
		b.WriteByte(',')
		b.WriteString(strconv.FormatUint(uint64(w), 16))
	}
	return b.String()
}

// global appends a types/constants/variables section instruction,
// de-duplicated by its operands (the result id excluded) when dedup is set.
func (m *Module) global(dedup bool, op Op, typ ID, desc *TypeDesc, operands ...uint32) ID {
	key := ""
	if dedup {
		key = instKey(Inst{op, append([]uint32{uint32(typ)}, operands...)})
		if id, ok := m.cache[key]; ok {
			return id
		}
	}
	id := m.ID()
	var w []uint32
	if op.HasType() {
		w = append(w, uint32(typ))
	}
	w = append(w, uint32(id))
	w = append(w, operands...)
	m.globals = append(m.globals, Inst{op, w})
	if dedup {
		m.cache[key] = id
	}
	if desc != nil {
		m.types[id] = *desc
	}
	return id
}

// Type returns what the module knows of a type id (ok false for ids that
// are not types it declared).
func (m *Module) Type(id ID) (TypeDesc, bool) {
	t, ok := m.types[id]
	return t, ok
}

// TypeVoid returns the void type.
func (m *Module) TypeVoid() ID { return m.global(true, OpTypeVoid, 0, &TypeDesc{Op: OpTypeVoid}) }

// TypeBool returns the boolean type.
func (m *Module) TypeBool() ID { return m.global(true, OpTypeBool, 0, &TypeDesc{Op: OpTypeBool}) }

// TypeInt returns an integer type. Vulkan shaders use signedness 0 for
// every integer here; signedness is in the operations.
func (m *Module) TypeInt(width uint32, signed bool) ID {
	s := uint32(0)
	if signed {
		s = 1
	}
	return m.global(true, OpTypeInt, 0, &TypeDesc{Op: OpTypeInt, Width: width, Signed: signed}, width, s)
}

// TypeFloat returns a floating-point type.
func (m *Module) TypeFloat(width uint32) ID {
	return m.global(true, OpTypeFloat, 0, &TypeDesc{Op: OpTypeFloat, Width: width}, width)
}

// TypeVector returns a vector type.
func (m *Module) TypeVector(elem ID, n uint32) ID {
	return m.global(true, OpTypeVector, 0, &TypeDesc{Op: OpTypeVector, Elem: elem, Count: n}, uint32(elem), n)
}

// TypeArray returns an array type whose length is the constant (or
// specialization constant) length.
func (m *Module) TypeArray(elem, length ID) ID {
	return m.global(true, OpTypeArray, 0, &TypeDesc{Op: OpTypeArray, Elem: elem, Length: length}, uint32(elem), uint32(length))
}

// TypeRuntimeArray returns a runtime array type.
func (m *Module) TypeRuntimeArray(elem ID) ID {
	return m.global(true, OpTypeRuntimeArray, 0, &TypeDesc{Op: OpTypeRuntimeArray, Elem: elem}, uint32(elem))
}

// TypeStruct returns a new struct type (never de-duplicated: structs
// differ by their decorations).
func (m *Module) TypeStruct(members ...ID) ID {
	w := make([]uint32, len(members))
	for i, x := range members {
		w[i] = uint32(x)
	}
	return m.global(false, OpTypeStruct, 0, &TypeDesc{Op: OpTypeStruct, Members: append([]ID(nil), members...)}, w...)
}

// TypePointer returns a pointer type.
func (m *Module) TypePointer(sc StorageClass, elem ID) ID {
	return m.global(true, OpTypePointer, 0, &TypeDesc{Op: OpTypePointer, Storage: sc, Elem: elem}, uint32(sc), uint32(elem))
}

// TypeFunction returns a function type.
func (m *Module) TypeFunction(ret ID, params ...ID) ID {
	w := []uint32{uint32(ret)}
	for _, p := range params {
		w = append(w, uint32(p))
	}
	return m.global(true, OpTypeFunction, 0, &TypeDesc{Op: OpTypeFunction}, w...)
}

// ConstantBool returns the constant true or false.
func (m *Module) ConstantBool(v bool) ID {
	if v {
		return m.global(true, OpConstantTrue, m.TypeBool(), nil)
	}
	return m.global(true, OpConstantFalse, m.TypeBool(), nil)
}

// Constant returns a scalar integer or float constant of type typ holding
// the low bits of v (one word for types of 32 bits or fewer, two for 64).
func (m *Module) Constant(typ ID, v uint64) ID {
	t, ok := m.types[typ]
	if !ok || (t.Op != OpTypeInt && t.Op != OpTypeFloat) {
		m.fail("constant of type %%%d, which is not an integer or float type this module declared", typ)
		return 0
	}
	return m.global(true, OpConstant, typ, nil, literalWords(t, v)...)
}

func literalWords(t TypeDesc, v uint64) []uint32 {
	if t.Width > 32 {
		return []uint32{uint32(v), uint32(v >> 32)}
	}
	if t.Width < 32 {
		v &= 1<<t.Width - 1
		if t.Op == OpTypeInt && t.Signed && v&(1<<(t.Width-1)) != 0 {
			// Narrow signed literals are sign-extended to the word.
			v |= ^uint64(0) << t.Width
		}
	}
	return []uint32{uint32(v)}
}

// Uint32 returns a 32-bit unsigned integer constant.
func (m *Module) Uint32(v uint32) ID { return m.Constant(m.TypeInt(32, false), uint64(v)) }

// Uint64 returns a 64-bit unsigned integer constant.
func (m *Module) Uint64(v uint64) ID { return m.Constant(m.TypeInt(64, false), v) }

// Float32 returns a 32-bit float constant.
func (m *Module) Float32(v float32) ID {
	return m.Constant(m.TypeFloat(32), uint64(math.Float32bits(v)))
}

// ConstantNull returns the null (zero) constant of a type.
func (m *Module) ConstantNull(typ ID) ID { return m.global(true, OpConstantNull, typ, nil) }

// ConstantComposite returns a composite constant.
func (m *Module) ConstantComposite(typ ID, parts ...ID) ID {
	w := make([]uint32, len(parts))
	for i, p := range parts {
		w[i] = uint32(p)
	}
	return m.global(true, OpConstantComposite, typ, nil, w...)
}

// SpecConstant declares a scalar specialization constant with a default
// value and SpecId specID.
func (m *Module) SpecConstant(typ ID, def uint64, specID uint32) ID {
	t, ok := m.types[typ]
	var id ID
	switch {
	case ok && t.Op == OpTypeBool:
		op := OpSpecConstantFalse
		if def != 0 {
			op = OpSpecConstantTrue
		}
		id = m.global(false, op, typ, nil)
	case ok && (t.Op == OpTypeInt || t.Op == OpTypeFloat):
		id = m.global(false, OpSpecConstant, typ, nil, literalWords(t, def)...)
	default:
		m.fail("specialization constant of type %%%d, which is not a scalar type this module declared", typ)
		return 0
	}
	m.Decorate(id, DecorationSpecId, specID)
	return id
}

// SpecConstantComposite declares a composite specialization constant.
func (m *Module) SpecConstantComposite(typ ID, parts ...ID) ID {
	w := make([]uint32, len(parts))
	for i, p := range parts {
		w[i] = uint32(p)
	}
	return m.global(false, OpSpecConstantComposite, typ, nil, w...)
}

// SpecConstantOp declares a specialization constant computed by op from
// other constants.
func (m *Module) SpecConstantOp(typ ID, op Op, operands ...ID) ID {
	w := []uint32{uint32(op)}
	for _, x := range operands {
		w = append(w, uint32(x))
	}
	return m.global(true, OpSpecConstantOp, typ, nil, w...)
}

// Variable declares a module-scope variable (storage class sc, pointer type
// ptr, optional initializer init).
func (m *Module) Variable(ptr ID, sc StorageClass, init ID) ID {
	if init != 0 {
		return m.global(false, OpVariable, ptr, nil, uint32(sc), uint32(init))
	}
	return m.global(false, OpVariable, ptr, nil, uint32(sc))
}

// Function is a function being built.
type Function struct {
	m      *Module
	ID     ID
	Result ID // return type
	Type   ID // function type
	ctrl   FunctionControl
	params []Inst
	vars   []Inst
	blocks []*Block // in layout order
	made   []*Block
}

// Function starts a function definition.
func (m *Module) Function(ret ID, ctrl FunctionControl, fnType ID) *Function {
	f := &Function{m: m, ID: m.ID(), Result: ret, Type: fnType, ctrl: ctrl}
	m.funcs = append(m.funcs, f)
	return f
}

// Module returns the module the function belongs to.
func (f *Function) Module() *Module { return f.m }

// Function returns the function the block belongs to.
func (b *Block) Function() *Function { return b.f }

// Param adds a parameter.
func (f *Function) Param(typ ID) ID {
	id := f.m.ID()
	f.params = append(f.params, Inst{OpFunctionParameter, []uint32{uint32(typ), uint32(id)}})
	return id
}

// Variable declares a Function-storage variable; it is placed at the start
// of the function's first block, where SPIR-V requires it.
func (f *Function) Variable(ptr ID, init ID) ID {
	id := f.m.ID()
	w := []uint32{uint32(ptr), uint32(id), uint32(StorageClassFunction)}
	if init != 0 {
		w = append(w, uint32(init))
	}
	f.vars = append(f.vars, Inst{OpVariable, w})
	return id
}

// Block is a basic block being built.
type Block struct {
	f      *Function
	Label  ID
	insts  []Inst
	term   bool
	placed bool
}

// NewBlock allocates a block's label without placing it in the function's
// layout; Begin places it. Allocating first lets a branch name a block
// that is laid out later (merge blocks and continue targets).
func (f *Function) NewBlock() *Block {
	b := &Block{f: f, Label: f.m.ID()}
	f.made = append(f.made, b)
	return b
}

// Begin places b next in the function's layout and returns it. SPIR-V
// wants a block laid out after the blocks that dominate it.
func (f *Function) Begin(b *Block) *Block {
	if b.placed {
		f.m.fail("block %%%d placed twice", b.Label)
		return b
	}
	b.placed = true
	f.blocks = append(f.blocks, b)
	return b
}

// Terminated reports whether the block ends in a terminator.
func (b *Block) Terminated() bool { return b.term }

// Emit appends an instruction. typ is the result type for instructions
// that have one (0 otherwise); the result id is allocated and returned
// for instructions that define one.
func (b *Block) Emit(op Op, typ ID, operands ...uint32) ID {
	m := b.f.m
	if b.term {
		m.fail("%v after the terminator of block %%%d", op, b.Label)
		return 0
	}
	info := op.Info()
	if info == nil {
		m.fail("opcode %d is not in the grammar", op)
		return 0
	}
	var w []uint32
	if op.HasType() {
		if typ == 0 {
			m.fail("%v needs a result type", op)
		}
		w = append(w, uint32(typ))
	} else if typ != 0 {
		m.fail("%v has no result type", op)
	}
	var id ID
	if op.HasResult() {
		id = m.ID()
		w = append(w, uint32(id))
	}
	w = append(w, operands...)
	b.insts = append(b.insts, Inst{op, w})
	if isTerminator(op) {
		b.term = true
	}
	return id
}

// EmitIDs is Emit with id operands.
func (b *Block) EmitIDs(op Op, typ ID, operands ...ID) ID {
	w := make([]uint32, len(operands))
	for i, x := range operands {
		w[i] = uint32(x)
	}
	return b.Emit(op, typ, w...)
}

func isTerminator(op Op) bool {
	switch op {
	case OpBranch, OpBranchConditional, OpSwitch, OpReturn, OpReturnValue,
		OpKill, OpUnreachable, OpTerminateInvocation:
		return true
	}
	return false
}

// Branch ends the block with OpBranch.
func (b *Block) Branch(to *Block) { b.Emit(OpBranch, 0, uint32(to.Label)) }

// BranchConditional ends the block with OpBranchConditional.
func (b *Block) BranchConditional(cond ID, t, f *Block) {
	b.Emit(OpBranchConditional, 0, uint32(cond), uint32(t.Label), uint32(f.Label))
}

// SelectionMerge declares the block a selection header merging at merge.
func (b *Block) SelectionMerge(merge *Block) {
	b.Emit(OpSelectionMerge, 0, uint32(merge.Label), uint32(SelectionControlNone))
}

// LoopMerge declares the block a loop header with its merge block and
// continue target.
func (b *Block) LoopMerge(merge, cont *Block) {
	b.LoopMergeControl(merge, cont, LoopControlNone)
}

// LoopMergeControl is LoopMerge with loop controls (hints such as
// LoopControlDontUnroll; none that takes a parameter).
func (b *Block) LoopMergeControl(merge, cont *Block, ctl LoopControl) {
	b.Emit(OpLoopMerge, 0, uint32(merge.Label), uint32(cont.Label), uint32(ctl))
}

// SwitchCase is one case of OpSwitch.
type SwitchCase struct {
	Value  uint32
	Target *Block
}

// Switch ends the block with OpSwitch on a 32-bit selector.
func (b *Block) Switch(sel ID, def *Block, cases []SwitchCase) {
	w := []uint32{uint32(sel), uint32(def.Label)}
	for _, c := range cases {
		w = append(w, c.Value, uint32(c.Target.Label))
	}
	b.Emit(OpSwitch, 0, w...)
}

// Return ends the block with OpReturn.
func (b *Block) Return() { b.Emit(OpReturn, 0) }

// Unreachable ends the block with OpUnreachable.
func (b *Block) Unreachable() { b.Emit(OpUnreachable, 0) }

// StringWords encodes a literal string: UTF-8, nul-terminated, padded
// with zero bytes to a whole number of words.
func StringWords(s string) []uint32 {
	n := len(s)/4 + 1
	buf := make([]byte, n*4)
	copy(buf, s)
	w := make([]uint32, n)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(buf[4*i:])
	}
	return w
}

// Words returns the module as words, or the first builder mistake.
func (m *Module) Words() ([]uint32, error) {
	if m.err != nil {
		return nil, m.err
	}
	out := []uint32{Magic, m.Version, m.Generator, 0, 0}
	put := func(in Inst) {
		out = append(out, uint32(len(in.Words)+1)<<16|uint32(in.Op))
		out = append(out, in.Words...)
	}
	for _, c := range m.caps {
		put(Inst{OpCapability, []uint32{uint32(c)}})
	}
	for _, e := range m.exts {
		put(Inst{OpExtension, StringWords(e)})
	}
	for _, in := range m.imports {
		put(in)
	}
	put(Inst{OpMemoryModel, []uint32{uint32(m.addressing), uint32(m.memory)}})
	for _, sec := range [][]Inst{m.entries, m.modes, m.debug, m.annots, m.globals} {
		for _, in := range sec {
			put(in)
		}
	}
	for _, f := range m.funcs {
		if len(f.blocks) == 0 {
			return nil, fmt.Errorf("spirv: function %%%d has no blocks: %w", f.ID, ErrInvalid)
		}
		for _, b := range f.made {
			if !b.placed && b.referenced(f) {
				return nil, fmt.Errorf("spirv: block %%%d of function %%%d is branched to but never placed: %w", b.Label, f.ID, ErrInvalid)
			}
		}
		put(Inst{OpFunction, []uint32{uint32(f.Result), uint32(f.ID), uint32(f.ctrl), uint32(f.Type)}})
		for _, p := range f.params {
			put(p)
		}
		for i, b := range f.blocks {
			if !b.term {
				return nil, fmt.Errorf("spirv: block %%%d of function %%%d has no terminator: %w", b.Label, f.ID, ErrInvalid)
			}
			put(Inst{OpLabel, []uint32{uint32(b.Label)}})
			if i == 0 {
				for _, v := range f.vars {
					put(v)
				}
			}
			for _, in := range b.insts {
				put(in)
			}
		}
		put(Inst{OpFunctionEnd, nil})
	}
	out[3] = m.bound
	return out, nil
}

// referenced reports whether some placed block of f branches to b (or
// names it as a merge or continue target).
func (b *Block) referenced(f *Function) bool {
	for _, o := range f.blocks {
		if len(o.insts) == 0 {
			continue
		}
		for _, in := range o.insts[max(0, len(o.insts)-2):] {
			switch in.Op {
			case OpBranch, OpBranchConditional, OpSwitch, OpSelectionMerge, OpLoopMerge:
				for _, w := range in.Words {
					if w == uint32(b.Label) {
						return true
					}
				}
			}
		}
	}
	return false
}

// Encode returns the module's binary (little-endian words).
func (m *Module) Encode() ([]byte, error) {
	w, err := m.Words()
	if err != nil {
		return nil, err
	}
	return WordsToBytes(w), nil
}

// WordsToBytes encodes words little-endian.
func WordsToBytes(w []uint32) []byte {
	b := make([]byte, 4*len(w))
	for i, x := range w {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}
