package spirv

import (
	"strconv"
	"strings"
)

// Op is a SPIR-V opcode.
type Op uint16

// OpInfo describes an instruction as the grammar does: its operands in
// order (the result type and result id included, where it has them), the
// capabilities that enable it (any one of them suffices) and the SPIR-V
// version that made it core (0 for extension-only instructions).
type OpInfo struct {
	Name         string
	Class        string
	Version      uint32
	Operands     []Operand
	Capabilities []Capability
	Extensions   []string
}

// Operand is one operand of an instruction's grammar.
type Operand struct {
	Kind  OperandKind
	Quant Quantifier
	Name  string
}

// Quantifier says how many times an operand occurs.
type Quantifier uint8

// Quantifiers.
const (
	QuantOne      Quantifier = iota // exactly once
	QuantOptional                   // zero or one time ("?")
	QuantVariadic                   // zero or more times ("*")
)

// OperandKind is a kind of operand of the grammar (IdRef, LiteralInteger,
// StorageClass, ...).
type OperandKind uint8

// Category is the category of an operand kind.
type Category uint8

// Operand kind categories.
const (
	CategoryId Category = iota
	CategoryLiteral
	CategoryComposite
	CategoryValueEnum
	CategoryBitEnum
)

type kindInfo struct {
	name     string
	category Category
	bases    []OperandKind
	params   map[uint32][]OperandKind
	caps     map[uint32][]Capability
}

func (k OperandKind) String() string {
	if int(k) < len(kindInfos) && kindInfos[k].name != "" {
		return kindInfos[k].name
	}
	return "OperandKind" + strconv.Itoa(int(k))
}

// Category returns the kind's category.
func (k OperandKind) Category() Category {
	if int(k) < len(kindInfos) {
		return kindInfos[k].category
	}
	return CategoryLiteral
}

// Params returns the operands that follow the enumerant v of a ValueEnum
// kind, or bit v of a BitEnum kind (Decoration SpecId is followed by a
// LiteralInteger, MemoryAccess Aligned by one, ...).
func (k OperandKind) Params(v uint32) []OperandKind {
	if int(k) < len(kindInfos) {
		return kindInfos[k].params[v]
	}
	return nil
}

// Capabilities returns the capabilities (any one of them) that enumerant
// v of a ValueEnum kind, or bit v of a BitEnum kind, needs. For the
// Capability kind they are the capabilities that v implicitly declares.
func (k OperandKind) Capabilities(v uint32) []Capability {
	if int(k) < len(kindInfos) {
		return kindInfos[k].caps[v]
	}
	return nil
}

// Info returns the instruction's grammar, or nil for an opcode the
// (trimmed) grammar does not know.
func (op Op) Info() *OpInfo { return opInfos[op] }

func (op Op) String() string {
	if i := opInfos[op]; i != nil {
		return i.Name
	}
	return "Op" + strconv.Itoa(int(op))
}

// HasType reports whether the instruction has a result type operand.
func (op Op) HasType() bool {
	i := opInfos[op]
	return i != nil && len(i.Operands) > 0 && i.Operands[0].Kind == KindIdResultType
}

// HasResult reports whether the instruction defines a result id.
func (op Op) HasResult() bool {
	i := opInfos[op]
	if i == nil {
		return false
	}
	for _, o := range i.Operands[:min(2, len(i.Operands))] {
		if o.Kind == KindIdResult {
			return true
		}
	}
	return false
}

type bitName struct {
	v    uint32
	name string
}

// bitString prints a bit mask as the grammar's names joined by "|".
func bitString(v uint32, names []bitName) string {
	if v == 0 {
		for _, n := range names {
			if n.v == 0 {
				return n.name
			}
		}
		return "0"
	}
	var parts []string
	rest := v
	for _, n := range names {
		if n.v != 0 && rest&n.v == n.v {
			parts = append(parts, n.name)
			rest &^= n.v
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// GLSLInst is an instruction of the GLSL.std.450 extended instruction set.
type GLSLInst uint32

type glslInfo struct {
	name     string
	operands int
}

func (g GLSLInst) String() string {
	if i, ok := glslInfos[g]; ok {
		return i.name
	}
	return "GLSL" + strconv.Itoa(int(g))
}

// Operands returns the number of operands the instruction takes.
func (g GLSLInst) Operands() int { return glslInfos[g].operands }
