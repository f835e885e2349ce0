package spirv

import (
	"fmt"
)

// Validate checks a module's structure without a driver or spirv-val:
// the header, the grammar of every instruction (operand kinds and word
// counts), the order of the module's sections, result ids (unique, below
// the bound) and references (every id used is defined; result types are
// types; branches stay inside their function and name its labels), the
// capabilities every instruction and enumerant needs (any one of those
// the grammar lists, with the capabilities each declared one implies),
// and the shape of functions (parameters, then blocks that each begin
// with OpLabel and end in one terminator, a merge instruction only right
// before a branch, variables only at the start of the first block). It
// does not check structured control flow or types of operands; the
// structurizer's construction and spirv-val in tests do.
func Validate(words []uint32) error {
	b, err := DecodeWords(words)
	if err != nil {
		return err
	}
	return b.Validate()
}

// section numbers of the logical layout.
const (
	secCapability = iota
	secExtension
	secImport
	secMemoryModel
	secEntryPoint
	secExecutionMode
	secDebugSource
	secDebugName
	secAnnotation
	secGlobal
	secFunction
)

func sectionOf(op Op) int {
	switch op {
	case OpCapability:
		return secCapability
	case OpExtension:
		return secExtension
	case OpExtInstImport:
		return secImport
	case OpMemoryModel:
		return secMemoryModel
	case OpEntryPoint:
		return secEntryPoint
	case OpExecutionMode, OpExecutionModeId:
		return secExecutionMode
	case OpString, OpSourceExtension, OpSource, OpSourceContinued:
		return secDebugSource
	case OpName, OpMemberName, OpModuleProcessed:
		return secDebugName
	case OpDecorate, OpMemberDecorate, OpDecorationGroup, OpGroupDecorate, OpGroupMemberDecorate,
		OpDecorateId, OpDecorateString, OpMemberDecorateString:
		return secAnnotation
	case OpFunction:
		return secFunction
	}
	if i := op.Info(); i != nil && (i.Class == "Type-Declaration" || i.Class == "Constant-Creation") {
		return secGlobal
	}
	switch op {
	case OpVariable, OpUndef, OpLine, OpNoLine, OpExtInst:
		return secGlobal
	}
	return secFunction
}

// Validate checks the decoded module; see the package function Validate.
func (b *Binary) Validate() error {
	fail := func(i int, format string, args ...any) error {
		where := "header"
		if i >= 0 && i < len(b.Insts) {
			where = fmt.Sprintf("instruction %d (%v)", i, b.Insts[i].Op)
		}
		return fmt.Errorf("spirv: validate: %s: %s: %w", where, fmt.Sprintf(format, args...), ErrInvalid)
	}
	if b.Version < 0x00010000 || b.Version > Version1_6 || b.Version&0xff0000ff != 0 {
		return fail(-1, "version %#x", b.Version)
	}
	ops, err := b.Operands()
	if err != nil {
		return err
	}
	// Pass 1: definitions.
	defOp := map[uint32]Op{}
	labelFn := map[uint32]int{}
	fn := -1
	for i, in := range b.Insts {
		if in.Op == OpFunction {
			fn = i
		}
		for _, o := range ops[i] {
			if o.Kind != KindIdResult {
				continue
			}
			id := o.Words[0]
			if id == 0 || id >= b.Bound {
				return fail(i, "result id %d outside 1..%d", id, b.Bound-1)
			}
			if _, dup := defOp[id]; dup {
				return fail(i, "result id %%%d defined twice", id)
			}
			defOp[id] = in.Op
			if in.Op == OpLabel {
				labelFn[id] = fn
			}
		}
	}
	// Capabilities declared, with those they imply.
	caps := map[Capability]bool{}
	var add func(c Capability)
	add = func(c Capability) {
		if caps[c] {
			return
		}
		caps[c] = true
		for _, d := range KindCapability.Capabilities(uint32(c)) {
			add(d)
		}
	}
	for _, in := range b.Insts {
		if in.Op == OpCapability && len(in.Words) == 1 {
			add(Capability(in.Words[0]))
		}
	}
	needs := func(list []Capability) bool {
		if len(list) == 0 {
			return true
		}
		for _, c := range list {
			if caps[c] {
				return true
			}
		}
		return false
	}
	// Pass 2: order, references, capabilities, function shape.
	section := secCapability
	memoryModels := 0
	inFunc, inBlock, sawBlock := false, false, false
	fn = -1
	lastMerge := -1
	for i, in := range b.Insts {
		info := in.Op.Info()
		if !needs(info.Capabilities) && (info.Version == 0 || info.Version > b.Version) {
			return fail(i, "needs one of the capabilities %v", info.Capabilities)
		}
		for _, o := range ops[i] {
			cat := o.Kind.Category()
			if cat == CategoryValueEnum || cat == CategoryBitEnum {
				if cat == CategoryValueEnum {
					if in.Op == OpCapability {
						continue
					}
					if l := o.Kind.Capabilities(o.Words[0]); !needs(l) {
						return fail(i, "%v %s needs one of the capabilities %v", o.Kind, enumName(o.Kind, o.Words[0]), l)
					}
				} else {
					for bit := uint32(1); bit != 0; bit <<= 1 {
						if o.Words[0]&bit != 0 {
							if l := o.Kind.Capabilities(bit); !needs(l) {
								return fail(i, "%v bit %#x needs one of the capabilities %v", o.Kind, bit, l)
							}
						}
					}
				}
			}
			var refs []uint32
			switch {
			case o.Kind == KindIdResult:
			case cat == CategoryId:
				refs = o.Words[:1]
			case o.Kind == KindPairIdRefIdRef:
				refs = o.Words
			case o.Kind == KindPairIdRefLiteralInteger:
				refs = o.Words[:1]
			case o.Kind == KindPairLiteralIntegerIdRef:
				refs = o.Words[len(o.Words)-1:]
			}
			for _, r := range refs {
				d, ok := defOp[r]
				if !ok {
					return fail(i, "uses %%%d, which is never defined", r)
				}
				if o.Kind == KindIdResultType && sectionOf(d) != secGlobal {
					return fail(i, "result type %%%d is a %v, not a type", r, d)
				}
				if d == OpLabel && labelFn[r] != fn {
					return fail(i, "branches to %%%d, a label of another function", r)
				}
			}
		}
		s := sectionOf(in.Op)
		if !inFunc {
			if s < section {
				return fail(i, "out of the module's section order")
			}
			section = s
		}
		if in.Op == OpMemoryModel {
			memoryModels++
		}
		switch {
		case in.Op == OpFunction:
			if inFunc {
				return fail(i, "function inside a function")
			}
			inFunc, inBlock, sawBlock, fn = true, false, false, i
		case in.Op == OpFunctionEnd:
			if !inFunc || inBlock {
				return fail(i, "function end without a function or inside a block")
			}
			inFunc = false
		case !inFunc:
			if s == secFunction {
				return fail(i, "outside a function")
			}
		case in.Op == OpFunctionParameter:
			if sawBlock {
				return fail(i, "parameter after a block")
			}
		case in.Op == OpLabel:
			if inBlock {
				return fail(i, "label inside a block")
			}
			inBlock = true
			lastMerge = -1
		default:
			if !inBlock {
				return fail(i, "outside a block")
			}
			if in.Op == OpVariable {
				if sawBlock || b.Insts[i-1].Op != OpLabel && b.Insts[i-1].Op != OpVariable {
					return fail(i, "function variable not at the start of the first block")
				}
			}
			if in.Op == OpSelectionMerge || in.Op == OpLoopMerge {
				lastMerge = i
			} else if lastMerge >= 0 && lastMerge != i-1 {
				return fail(lastMerge, "merge instruction not right before the block's branch")
			}
			if isTerminator(in.Op) {
				if lastMerge >= 0 {
					m := b.Insts[lastMerge].Op
					ok := (m == OpSelectionMerge && (in.Op == OpBranchConditional || in.Op == OpSwitch)) ||
						(m == OpLoopMerge && (in.Op == OpBranch || in.Op == OpBranchConditional))
					if !ok {
						return fail(i, "%v after %v", in.Op, m)
					}
				}
				inBlock, sawBlock = false, true
			}
		}
	}
	if inFunc {
		return fail(len(b.Insts)-1, "function not ended")
	}
	if memoryModels != 1 {
		return fail(-1, "%d OpMemoryModel instructions, want 1", memoryModels)
	}
	return nil
}
