package modfile

import (
	"encoding/binary"
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

// SPIR-V opcodes, enumerants and decorations this parser reads (SPIR-V
// specification, unified 1.6).
const (
	spvOpLine                  = 8
	spvOpExtInst               = 12
	spvOpEntryPoint            = 15
	spvOpExecutionMode         = 16
	spvOpTypeBool              = 20
	spvOpTypeInt               = 21
	spvOpTypeFloat             = 22
	spvOpTypeVector            = 23
	spvOpTypeMatrix            = 24
	spvOpTypeArray             = 28
	spvOpTypeRuntimeArray      = 29
	spvOpTypeStruct            = 30
	spvOpTypePointer           = 32
	spvOpTypeForwardPointer    = 39
	spvOpConstantTrue          = 41
	spvOpConstantFalse         = 42
	spvOpConstant              = 43
	spvOpConstantComposite     = 44
	spvOpConstantNull          = 46
	spvOpSpecConstantTrue      = 48
	spvOpSpecConstantFalse     = 49
	spvOpSpecConstant          = 50
	spvOpSpecConstantComposite = 51
	spvOpSpecConstantOp        = 52
	spvOpFunction              = 54
	spvOpFunctionEnd           = 56
	spvOpFunctionCall          = 57
	spvOpVariable              = 59
	spvOpLoad                  = 61
	spvOpStore                 = 62
	spvOpCopyMemory            = 63
	spvOpCopyMemorySized       = 64
	spvOpArrayLength           = 68
	spvOpDecorate              = 71
	spvOpMemberDecorate        = 72
	spvOpVectorShuffle         = 79
	spvOpCompositeExtract      = 81
	spvOpCompositeInsert       = 82
	spvOpLoopMerge             = 246
	spvOpSelectionMerge        = 247
	spvOpBranchConditional     = 250
	spvOpSwitch                = 251
	spvOpExecutionModeID       = 331

	spvModelGLCompute = 5

	spvModeLocalSize   = 17
	spvModeLocalSizeID = 38

	spvDecSpecID      = 1
	spvDecArrayStride = 6
	spvDecBuiltIn     = 11
	spvDecOffset      = 35

	spvBuiltInWorkgroupSize = 25

	spvStorageWorkgroup             = 4
	spvStoragePushConstant          = 9
	spvStoragePhysicalStorageBuffer = 5349

	// dynamicSharedSpecID is the project's specialization constant for
	// dynamic shared memory bytes (KERNELS.md).
	dynamicSharedSpecID = 3
	// spvMaxTypeDepth bounds type nesting (and breaks malicious cycles).
	spvMaxTypeDepth = 64
)

// spirvHeader validates the 5-word header and returns the module's words
// in host order and its version word.
func spirvHeader(data []byte) ([]uint32, uint32, error) {
	if len(data) < 20 {
		return nil, 0, fmt.Errorf("hal/modfile: spirv: header truncated (%d of 20 bytes): %w", len(data), hal.ErrInvalidImage)
	}
	if len(data)%4 != 0 {
		return nil, 0, fmt.Errorf("hal/modfile: spirv: size %d is not a multiple of 4: %w", len(data), hal.ErrInvalidImage)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.LittleEndian.Uint32(data) != spirvMagic {
		order = binary.BigEndian
		if order.Uint32(data) != spirvMagic {
			return nil, 0, fmt.Errorf("hal/modfile: spirv: bad magic % x: %w", data[:4], hal.ErrInvalidImage)
		}
	}
	version := order.Uint32(data[4:])
	if version&0xff0000ff != 0 || version>>16&0xff != 1 {
		return nil, 0, fmt.Errorf("hal/modfile: spirv: bad version word %#08x: %w", version, hal.ErrInvalidImage)
	}
	if schema := order.Uint32(data[16:]); schema != 0 {
		return nil, 0, fmt.Errorf("hal/modfile: spirv: reserved schema word is %#x, want 0: %w", schema, hal.ErrInvalidImage)
	}
	words := make([]uint32, len(data)/4)
	for i := range words {
		words[i] = order.Uint32(data[4*i:])
	}
	return words, version, nil
}

type spvEntry struct {
	name       string
	fn         uint32
	interface_ []uint32
}

type spvMember struct {
	st, idx uint32
}

type spvLayout struct {
	size, align uint64
	dynamic     bool // an array length depends on a specialization constant
	err         error
}

// spvModule is the parse state of one SPIR-V module.
type spvModule struct {
	version      uint32
	entries      []spvEntry
	localSize    map[uint32][3]uint32 // entry function -> LocalSize literals
	localSizeID  map[uint32][3]uint32 // entry function -> LocalSizeId operands
	types        map[uint32][]uint32  // id -> whole instruction
	consts       map[uint32][]uint32  // id -> whole instruction
	vars         map[uint32][2]uint32 // id -> pointer type, storage class
	specID       map[uint32]uint32
	arrayStride  map[uint32]uint32
	offsets      map[spvMember]uint32
	wgSize       []uint32 // constants decorated BuiltIn WorkgroupSize, in order
	wgIndex      map[uint32]int
	fwdPtr       map[uint32]uint32
	funcRefs     map[uint32]map[uint32]bool // function -> ids its body names
	layoutMemo   map[uint32]spvLayout
	specDepsMemo map[uint32][]uint32
	typeSpecMemo map[uint32][]uint32
	walked       int // call-graph steps taken, against spvWalkBudget
}

// ParseSPIRV parses a SPIR-V module's compute entry points (GLCompute): for
// each, the push-constant block it uses (from the entry point interface in
// SPIR-V 1.4 and later, else from the instructions its call tree uses) with
// every member's Offset decoration and size (integers and floats of 8 to 64
// bits, vectors, matrices, arrays with ArrayStride, structs, and
// PhysicalStorageBuffer pointers of 8 bytes); the block size from the
// WorkgroupSize built-in, LocalSizeId or LocalSize with the specialization
// IDs that set it; the static Workgroup memory it uses; and the
// specialization constant (SpecId 3) that sizes its dynamic shared memory.
// Both byte orders are accepted. Errors wrap hal.ErrInvalidImage.
func ParseSPIRV(data []byte) (*Module, error) {
	words, version, err := spirvHeader(data)
	if err != nil {
		return nil, err
	}
	m := &spvModule{
		version:      version,
		localSize:    map[uint32][3]uint32{},
		localSizeID:  map[uint32][3]uint32{},
		types:        map[uint32][]uint32{},
		consts:       map[uint32][]uint32{},
		vars:         map[uint32][2]uint32{},
		specID:       map[uint32]uint32{},
		arrayStride:  map[uint32]uint32{},
		offsets:      map[spvMember]uint32{},
		fwdPtr:       map[uint32]uint32{},
		funcRefs:     map[uint32]map[uint32]bool{},
		layoutMemo:   map[uint32]spvLayout{},
		specDepsMemo: map[uint32][]uint32{},
		typeSpecMemo: map[uint32][]uint32{},
	}
	if err := m.scan(words); err != nil {
		return nil, err
	}
	m.pruneRefs()
	mod := &Module{
		Format:  hal.FormatSPIRV,
		Version: fmt.Sprintf("%d.%d", version>>16&0xff, version>>8&0xff),
	}
	seen := map[string]bool{}
	for _, e := range m.entries {
		if seen[e.name] {
			return nil, fmt.Errorf("hal/modfile: spirv: two GLCompute entry points named %q: %w", e.name, hal.ErrInvalidImage)
		}
		seen[e.name] = true
		k, err := m.kernel(e)
		if err != nil {
			return nil, err
		}
		mod.Kernels = append(mod.Kernels, k)
	}
	return mod, nil
}

func spvBad(format string, args ...any) error {
	return fmt.Errorf("hal/modfile: spirv: "+format+": %w", append(args, hal.ErrInvalidImage)...)
}

// spvString decodes a literal string operand; it returns the string and
// the number of words it occupies.
func spvString(ops []uint32) (string, int, bool) {
	var b []byte
	for i, w := range ops {
		for j := 0; j < 4; j++ {
			c := byte(w >> (8 * j))
			if c == 0 {
				return string(b), i + 1, true
			}
			b = append(b, c)
		}
	}
	return "", 0, false
}

// scan reads every instruction once.
func (m *spvModule) scan(words []uint32) error {
	var fn uint32
	inFunc := false
	var refs map[uint32]bool
	for pos := 5; pos < len(words); {
		wc := int(words[pos] >> 16)
		op := words[pos] & 0xffff
		if wc == 0 || wc > len(words)-pos {
			return spvBad("instruction at word %d has word count %d (%d words left)", pos, wc, len(words)-pos)
		}
		ins := words[pos : pos+wc : pos+wc]
		at := pos
		pos += wc
		need := func(n int) error {
			if wc < n {
				return spvBad("opcode %d at word %d has %d words, needs %d", op, at, wc, n)
			}
			return nil
		}
		if inFunc {
			switch op {
			case spvOpFunction:
				return spvBad("OpFunction at word %d inside function %d", at, fn)
			case spvOpFunctionEnd:
				inFunc = false
				continue
			}
			spvCollectRefs(op, ins, refs)
			continue
		}
		switch op {
		case spvOpFunction:
			if err := need(5); err != nil {
				return err
			}
			fn, inFunc = ins[2], true
			if _, dup := m.funcRefs[fn]; dup {
				return spvBad("function %d defined twice", fn)
			}
			refs = map[uint32]bool{}
			m.funcRefs[fn] = refs
		case spvOpFunctionEnd:
			return spvBad("OpFunctionEnd at word %d outside a function", at)
		case spvOpEntryPoint:
			if err := need(4); err != nil {
				return err
			}
			name, n, ok := spvString(ins[3:])
			if !ok {
				return spvBad("OpEntryPoint at word %d: unterminated name", at)
			}
			if ins[1] == spvModelGLCompute {
				m.entries = append(m.entries, spvEntry{name: name, fn: ins[2], interface_: ins[3+n:]})
			}
		case spvOpExecutionMode, spvOpExecutionModeID:
			if err := need(3); err != nil {
				return err
			}
			mode := ins[2]
			if op == spvOpExecutionMode && mode == spvModeLocalSize || op == spvOpExecutionModeID && mode == spvModeLocalSizeID {
				if err := need(6); err != nil {
					return err
				}
				v := [3]uint32{ins[3], ins[4], ins[5]}
				if mode == spvModeLocalSize {
					m.localSize[ins[1]] = v
				} else {
					m.localSizeID[ins[1]] = v
				}
			}
		case spvOpDecorate:
			if err := need(3); err != nil {
				return err
			}
			switch ins[2] {
			case spvDecSpecID, spvDecArrayStride, spvDecBuiltIn:
				if err := need(4); err != nil {
					return err
				}
			}
			switch ins[2] {
			case spvDecSpecID:
				m.specID[ins[1]] = ins[3]
			case spvDecArrayStride:
				m.arrayStride[ins[1]] = ins[3]
			case spvDecBuiltIn:
				if ins[3] == spvBuiltInWorkgroupSize {
					m.wgSize = append(m.wgSize, ins[1])
				}
			}
		case spvOpMemberDecorate:
			if err := need(4); err != nil {
				return err
			}
			if ins[3] == spvDecOffset {
				if err := need(5); err != nil {
					return err
				}
				m.offsets[spvMember{ins[1], ins[2]}] = ins[4]
			}
		case spvOpTypeBool, spvOpTypeInt, spvOpTypeFloat, spvOpTypeVector, spvOpTypeMatrix,
			spvOpTypeArray, spvOpTypeRuntimeArray, spvOpTypeStruct, spvOpTypePointer:
			if err := need(2); err != nil {
				return err
			}
			if err := need(spvTypeMinWords(op)); err != nil {
				return err
			}
			if _, dup := m.types[ins[1]]; dup {
				return spvBad("type id %d defined twice", ins[1])
			}
			m.types[ins[1]] = ins
		case spvOpTypeForwardPointer:
			if err := need(3); err != nil {
				return err
			}
			m.fwdPtr[ins[1]] = ins[2]
		case spvOpConstantTrue, spvOpConstantFalse, spvOpConstant, spvOpConstantComposite, spvOpConstantNull,
			spvOpSpecConstantTrue, spvOpSpecConstantFalse, spvOpSpecConstant, spvOpSpecConstantComposite, spvOpSpecConstantOp:
			if err := need(3); err != nil {
				return err
			}
			m.consts[ins[2]] = ins
		case spvOpVariable:
			if err := need(4); err != nil {
				return err
			}
			m.vars[ins[2]] = [2]uint32{ins[1], ins[3]}
		}
	}
	if inFunc {
		return spvBad("function %d has no OpFunctionEnd", fn)
	}
	return nil
}

// spvTypeMinWords is the shortest valid encoding of a type instruction.
func spvTypeMinWords(op uint32) int {
	switch op {
	case spvOpTypeInt, spvOpTypeVector, spvOpTypeMatrix, spvOpTypeArray, spvOpTypePointer:
		return 4
	case spvOpTypeFloat, spvOpTypeRuntimeArray:
		return 3
	}
	return 2
}

// spvCollectRefs records the operand words of an instruction inside a
// function that may name a global (a variable, constant or function),
// leaving out the literal operands of the opcodes that have them so that a
// small literal is not mistaken for an id.
func spvCollectRefs(op uint32, ins []uint32, refs map[uint32]bool) {
	end := len(ins)
	skip := -1 // one literal operand position to skip
	switch op {
	case spvOpLine:
		end = min(end, 2)
	case spvOpExtInst:
		skip = 4
	case spvOpVariable:
		skip = 3
	case spvOpLoad, spvOpCopyMemory:
		end = min(end, 4)
		if op == spvOpCopyMemory {
			end = min(end, 3)
		}
	case spvOpStore:
		end = min(end, 3)
	case spvOpCopyMemorySized:
		end = min(end, 4)
	case spvOpArrayLength:
		end = min(end, 4)
	case spvOpVectorShuffle, spvOpCompositeInsert:
		end = min(end, 5)
	case spvOpCompositeExtract:
		end = min(end, 4)
	case spvOpLoopMerge:
		end = min(end, 3)
	case spvOpSelectionMerge:
		end = min(end, 2)
	case spvOpBranchConditional:
		end = min(end, 4)
	case spvOpSwitch:
		end = min(end, 3)
	}
	for i := 1; i < end; i++ {
		if i != skip {
			refs[ins[i]] = true
		}
	}
}

// pruneRefs keeps, of the ids each function names, only those the entry
// point analysis looks for: functions, push-constant and Workgroup
// variables, and WorkgroupSize constants. That keeps the per-entry-point
// walk over the call graph proportional to what it finds rather than to the
// size of the functions, so many entry points sharing large functions stay
// cheap.
func (m *spvModule) pruneRefs() {
	m.wgIndex = make(map[uint32]int, len(m.wgSize))
	for i, w := range m.wgSize {
		if _, dup := m.wgIndex[w]; !dup {
			m.wgIndex[w] = i
		}
	}
	for _, refs := range m.funcRefs {
		for id := range refs {
			_, isFunc := m.funcRefs[id]
			v, isVar := m.vars[id]
			_, isWG := m.wgIndex[id]
			keep := isFunc || isWG || isVar && (v[1] == spvStoragePushConstant || v[1] == spvStorageWorkgroup)
			if !keep {
				delete(refs, id)
			}
		}
	}
}

// spvWalkBudget bounds the call-graph walking one module may cost: real
// modules need thousands of steps; a crafted one (thousands of entry points
// each reaching thousands of functions) would otherwise take minutes.
const spvWalkBudget = 1 << 20

// reachable returns the (pruned) ids named by the entry function and every
// function it calls, transitively.
func (m *spvModule) reachable(fn uint32) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	visited := map[uint32]bool{fn: true}
	stack := []uint32{fn}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m.walked += 1 + len(m.funcRefs[f])
		if m.walked > spvWalkBudget {
			return nil, spvBad("call graphs too large to analyse (more than %d steps)", spvWalkBudget)
		}
		for id := range m.funcRefs[f] {
			out[id] = true
			if _, isFunc := m.funcRefs[id]; isFunc && !visited[id] {
				visited[id] = true
				stack = append(stack, id)
			}
		}
	}
	return out, nil
}

// kernel builds one entry point's KernelInfo.
func (m *spvModule) kernel(e spvEntry) (KernelInfo, error) {
	k := newKernel(e.name)
	if _, ok := m.funcRefs[e.fn]; !ok {
		return k, spvBad("entry point %q names %d, which is not a function", e.name, e.fn)
	}
	// The global variables the entry point uses: SPIR-V 1.4 and later list
	// them all in the interface; before, only the call graph tells. The call
	// graph also picks between several WorkgroupSize constants.
	var refs map[uint32]bool
	if m.version < 0x00010400 || len(m.wgSize) > 1 {
		var err error
		if refs, err = m.reachable(e.fn); err != nil {
			return k, err
		}
	}
	var used []uint32
	if m.version >= 0x00010400 {
		used = e.interface_
	} else {
		for id := range refs {
			used = append(used, id)
		}
		// Map order is random; keep the result deterministic.
		sortU32(used)
	}
	pushConst := uint32(0)
	for _, id := range used {
		v, ok := m.vars[id]
		if !ok {
			continue
		}
		switch v[1] {
		case spvStoragePushConstant:
			if pushConst != 0 && pushConst != id {
				return k, spvBad("entry point %q uses two push-constant blocks (%d and %d)", e.name, pushConst, id)
			}
			pushConst = id
		case spvStorageWorkgroup:
			if err := m.addWorkgroup(&k, id, v[0]); err != nil {
				return k, err
			}
		}
	}
	if pushConst != 0 {
		if err := m.pushConstants(&k, pushConst); err != nil {
			return k, err
		}
	}
	if err := m.blockSize(&k, e, refs); err != nil {
		return k, err
	}
	return k, nil
}

func sortU32(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// pointee returns the type a pointer type points to and its storage class.
func (m *spvModule) pointee(ptrType uint32) (uint32, uint32, bool) {
	t, ok := m.types[ptrType]
	if !ok || t[0]&0xffff != spvOpTypePointer {
		return 0, 0, false
	}
	return t[3], t[2], true
}

// pushConstants fills Params, ArgsSize and PushConstantSize from a
// push-constant block variable.
func (m *spvModule) pushConstants(k *KernelInfo, v uint32) error {
	st, _, ok := m.pointee(m.vars[v][0])
	if !ok {
		return spvBad("kernel %s: push-constant variable %d does not have a pointer type", k.Name, v)
	}
	t, ok := m.types[st]
	if !ok || t[0]&0xffff != spvOpTypeStruct {
		return spvBad("kernel %s: push-constant block %d is not a struct", k.Name, st)
	}
	var lay layout
	for i, mt := range t[2:] {
		off, ok := m.offsets[spvMember{st, uint32(i)}]
		if !ok {
			return spvBad("kernel %s: push-constant member %d has no Offset decoration", k.Name, i)
		}
		l := m.layout(mt, 0)
		if l.err != nil {
			return spvBad("kernel %s: push-constant member %d: %v", k.Name, i, l.err)
		}
		if l.dynamic {
			return spvBad("kernel %s: push-constant member %d is sized by a specialization constant", k.Name, i)
		}
		end := uint64(off) + l.size
		if end > maxArgsSize {
			return spvBad("kernel %s: push-constant member %d ends at %d, past %d bytes", k.Name, i, end, maxArgsSize)
		}
		k.Params = append(k.Params, hal.Param{Offset: off, Size: uint32(l.size), Pointer: m.isDevicePointer(mt)})
		lay.end = max(lay.end, end)
		lay.maxAlign = max(lay.maxAlign, l.align)
	}
	k.PushConstantSize = uint32(lay.end)
	k.ArgsSize = uint32(lay.size())
	return nil
}

// addWorkgroup adds a Workgroup variable to the static shared size, or
// records the dynamic-shared specialization constant sizing it.
func (m *spvModule) addWorkgroup(k *KernelInfo, v, ptrType uint32) error {
	t, _, ok := m.pointee(ptrType)
	if !ok {
		return spvBad("kernel %s: Workgroup variable %d does not have a pointer type", k.Name, v)
	}
	l := m.layout(t, 0)
	if l.err != nil {
		return spvBad("kernel %s: Workgroup variable %d: %v", k.Name, v, l.err)
	}
	if !l.dynamic {
		k.SharedBytes = satAdd32(k.SharedBytes, l.size)
		return nil
	}
	// Which specialization constants size it?
	for _, c := range m.typeSpecConsts(t, 0) {
		if id, ok := m.specID[c]; ok && id == dynamicSharedSpecID {
			k.DynamicSharedSpecID = dynamicSharedSpecID
			if ins := m.consts[c]; ins[0]&0xffff == spvOpSpecConstant && len(ins) >= 4 {
				k.DynamicSharedDefault = ins[3]
			}
		}
	}
	return nil
}

// layout computes a type's size and alignment (C natural alignment for
// members without explicit offsets, ArrayStride when decorated).
func (m *spvModule) layout(id uint32, depth int) spvLayout {
	if l, ok := m.layoutMemo[id]; ok {
		return l
	}
	if depth > spvMaxTypeDepth {
		return spvLayout{err: fmt.Errorf("type %d nests deeper than %d", id, spvMaxTypeDepth)}
	}
	l := m.computeLayout(id, depth)
	m.layoutMemo[id] = l
	return l
}

func (m *spvModule) computeLayout(id uint32, depth int) spvLayout {
	t, ok := m.types[id]
	if !ok {
		if sc, fwd := m.fwdPtr[id]; fwd && sc == spvStoragePhysicalStorageBuffer {
			return spvLayout{size: 8, align: 8}
		}
		return spvLayout{err: fmt.Errorf("id %d is not a type", id)}
	}
	const maxSize = 1 << 32
	switch t[0] & 0xffff {
	case spvOpTypeInt, spvOpTypeFloat:
		switch w := t[2]; w {
		case 8, 16, 32, 64:
			return spvLayout{size: uint64(w / 8), align: uint64(w / 8)}
		default:
			return spvLayout{err: fmt.Errorf("type %d has width %d, want 8 to 64 bits", id, w)}
		}
	case spvOpTypeBool:
		return spvLayout{err: fmt.Errorf("type %d is a bool, which has no size in memory", id)}
	case spvOpTypeVector, spvOpTypeMatrix:
		c := m.layout(t[2], depth+1)
		if c.err != nil {
			return c
		}
		n := uint64(t[3])
		if n < 2 || n > 16 {
			return spvLayout{err: fmt.Errorf("type %d has %d components", id, n)}
		}
		c.size *= n
		return c
	case spvOpTypeArray:
		e := m.layout(t[2], depth+1)
		if e.err != nil {
			return e
		}
		stride := alignUp(e.size, e.align)
		if s, ok := m.arrayStride[id]; ok {
			stride = uint64(s)
		}
		n, isConst, err := m.constValue(t[3])
		if err != nil {
			return spvLayout{err: fmt.Errorf("array type %d: %v", id, err)}
		}
		if !isConst {
			return spvLayout{align: e.align, dynamic: true}
		}
		if n == 0 || (stride != 0 && n > maxSize/stride) {
			return spvLayout{err: fmt.Errorf("array type %d has length %d of %d-byte elements", id, n, stride)}
		}
		return spvLayout{size: n * stride, align: e.align, dynamic: e.dynamic}
	case spvOpTypeRuntimeArray:
		return spvLayout{err: fmt.Errorf("type %d is a runtime array, which has no fixed size", id)}
	case spvOpTypeStruct:
		var lay layout
		dyn := false
		for i, mt := range t[2:] {
			ml := m.layout(mt, depth+1)
			if ml.err != nil {
				return ml
			}
			dyn = dyn || ml.dynamic
			off, ok := m.offsets[spvMember{id, uint32(i)}]
			if ok {
				lay.end = max(lay.end, uint64(off)+ml.size)
				lay.maxAlign = max(lay.maxAlign, ml.align)
			} else {
				lay.add(ml.size, ml.align)
			}
			if lay.end > maxSize {
				return spvLayout{err: fmt.Errorf("struct type %d is larger than 4 GiB", id)}
			}
		}
		return spvLayout{size: lay.size(), align: max(lay.maxAlign, 1), dynamic: dyn}
	case spvOpTypePointer:
		if t[2] == spvStoragePhysicalStorageBuffer {
			return spvLayout{size: 8, align: 8}
		}
		return spvLayout{err: fmt.Errorf("pointer type %d has storage class %d, only PhysicalStorageBuffer pointers have a size", id, t[2])}
	}
	return spvLayout{err: fmt.Errorf("id %d is not a sized type", id)}
}

// constValue returns an integer constant's value; isConst is false for a
// specialization constant (whose value is set at pipeline creation).
func (m *spvModule) constValue(id uint32) (v uint64, isConst bool, err error) {
	ins, ok := m.consts[id]
	if !ok {
		return 0, false, fmt.Errorf("length %d is not a constant", id)
	}
	switch ins[0] & 0xffff {
	case spvOpConstant:
		if len(ins) < 4 {
			return 0, false, fmt.Errorf("constant %d has no value", id)
		}
		v = uint64(ins[3])
		if len(ins) >= 5 {
			v |= uint64(ins[4]) << 32
		}
		return v, true, nil
	case spvOpSpecConstant, spvOpSpecConstantOp:
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("length %d is not an integer constant", id)
}

// typeSpecConsts lists the OpSpecConstant ids that array lengths inside a
// type depend on (at most 64, without duplicates).
func (m *spvModule) typeSpecConsts(id uint32, depth int) []uint32 {
	if d, ok := m.typeSpecMemo[id]; ok {
		return d
	}
	t, ok := m.types[id]
	if !ok || depth > spvMaxTypeDepth {
		return nil
	}
	m.typeSpecMemo[id] = nil // breaks cycles
	var out []uint32
	switch t[0] & 0xffff {
	case spvOpTypeArray:
		out = mergeIDs(m.typeSpecConsts(t[2], depth+1), m.specDeps(t[3], 0))
	case spvOpTypeStruct:
		for _, mt := range t[2:] {
			out = mergeIDs(out, m.typeSpecConsts(mt, depth+1))
		}
	case spvOpTypeVector, spvOpTypeMatrix:
		out = m.typeSpecConsts(t[2], depth+1)
	}
	m.typeSpecMemo[id] = out
	return out
}

// mergeIDs returns the union of two id lists, at most 64 ids.
func mergeIDs(a, b []uint32) []uint32 {
	out := append([]uint32(nil), a...)
	for _, x := range b {
		if len(out) >= 64 {
			break
		}
		dup := false
		for _, y := range out {
			if x == y {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// specDeps lists the OpSpecConstant ids a constant depends on.
func (m *spvModule) specDeps(id uint32, depth int) []uint32 {
	if d, ok := m.specDepsMemo[id]; ok {
		return d
	}
	ins, ok := m.consts[id]
	if !ok || depth > spvMaxTypeDepth {
		return nil
	}
	m.specDepsMemo[id] = nil // breaks cycles
	var out []uint32
	switch ins[0] & 0xffff {
	case spvOpSpecConstant:
		out = []uint32{id}
	case spvOpSpecConstantOp:
		if len(ins) > 4 {
			for _, op := range ins[4:] {
				out = mergeIDs(out, m.specDeps(op, depth+1))
			}
		}
	case spvOpSpecConstantComposite:
		for _, op := range ins[3:] {
			out = mergeIDs(out, m.specDeps(op, depth+1))
		}
	}
	m.specDepsMemo[id] = out
	return out
}

// blockSize fills LocalSize and LocalSizeSpecIDs. A constant decorated
// BuiltIn WorkgroupSize overrides the execution modes; in a linked module
// with several, the one the entry point's code names is used, else the
// first.
func (m *spvModule) blockSize(k *KernelInfo, e spvEntry, refs map[uint32]bool) error {
	var ids [3]uint32
	switch {
	case len(m.wgSize) > 0:
		// Walk the entry point's (pruned, small) references rather than
		// every WorkgroupSize constant, so that many entry points and many
		// such constants do not multiply.
		c, best := m.wgSize[0], len(m.wgSize)
		for id := range refs {
			if i, ok := m.wgIndex[id]; ok && i < best {
				c, best = id, i
			}
		}
		ins, ok := m.consts[c]
		if !ok || len(ins) != 6 {
			return spvBad("kernel %s: WorkgroupSize built-in %d is not a 3-component constant", k.Name, c)
		}
		ids = [3]uint32{ins[3], ins[4], ins[5]}
	default:
		if v, ok := m.localSizeID[e.fn]; ok {
			ids = v
			break
		}
		if v, ok := m.localSize[e.fn]; ok {
			k.LocalSize = v
		}
		return nil
	}
	for i, id := range ids {
		ins, ok := m.consts[id]
		if !ok || len(ins) < 4 {
			return spvBad("kernel %s: block size component %d (%d) is not an integer constant", k.Name, i, id)
		}
		switch ins[0] & 0xffff {
		case spvOpConstant:
			k.LocalSize[i] = ins[3]
		case spvOpSpecConstant:
			k.LocalSize[i] = ins[3]
			if s, ok := m.specID[id]; ok && s <= 1<<31-1 {
				k.LocalSizeSpecIDs[i] = int(s)
			}
		default:
			return spvBad("kernel %s: block size component %d (%d) is not an integer constant", k.Name, i, id)
		}
	}
	return nil
}

// isDevicePointer reports whether type id is a PhysicalStorageBuffer
// pointer: a device address parameter.
func (m *spvModule) isDevicePointer(id uint32) bool {
	if t, ok := m.types[id]; ok && t[0]&0xffff == spvOpTypePointer && len(t) > 2 {
		return t[2] == spvStoragePhysicalStorageBuffer
	}
	if sc, fwd := m.fwdPtr[id]; fwd {
		return sc == spvStoragePhysicalStorageBuffer
	}
	return false
}
