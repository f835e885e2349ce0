package spirv

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Binary is a decoded module: its header and instructions in order.
type Binary struct {
	Version, Generator, Bound uint32
	Insts                     []Inst
}

// Decode decodes a module's bytes (either byte order).
func Decode(data []byte) (*Binary, error) {
	if len(data)%4 != 0 || len(data) < 20 {
		return nil, fmt.Errorf("spirv: decode: %d bytes is not a module (a multiple of 4, at least 20): %w", len(data), ErrInvalid)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.LittleEndian.Uint32(data) != Magic {
		if binary.BigEndian.Uint32(data) != Magic {
			return nil, fmt.Errorf("spirv: decode: magic %#x is not SPIR-V's: %w", binary.LittleEndian.Uint32(data), ErrInvalid)
		}
		order = binary.BigEndian
	}
	w := make([]uint32, len(data)/4)
	for i := range w {
		w[i] = order.Uint32(data[4*i:])
	}
	return DecodeWords(w)
}

// DecodeWords decodes a module given as words in host order.
func DecodeWords(w []uint32) (*Binary, error) {
	if len(w) < 5 || w[0] != Magic {
		return nil, fmt.Errorf("spirv: decode: no SPIR-V header: %w", ErrInvalid)
	}
	b := &Binary{Version: w[1], Generator: w[2], Bound: w[3]}
	for i := 5; i < len(w); {
		n := int(w[i] >> 16)
		if n == 0 || i+n > len(w) {
			return nil, fmt.Errorf("spirv: decode: instruction at word %d has word count %d, %d words are left: %w", i, n, len(w)-i, ErrInvalid)
		}
		b.Insts = append(b.Insts, Inst{Op(w[i] & 0xffff), w[i+1 : i+n]})
		i += n
	}
	return b, nil
}

// Operand value decoded from an instruction: its grammar kind and words.
type OperandValue struct {
	Kind  OperandKind
	Words []uint32
}

// IsID reports whether the operand is an id (a reference or a result).
func (o OperandValue) IsID() bool { return o.Kind.Category() == CategoryId }

// operandDecoder splits instructions into operands. It tracks the widths of
// types and the types of values, which literal operands of OpConstant,
// OpSpecConstant and OpSwitch need.
type operandDecoder struct {
	width  map[uint32]uint32 // type id -> bits (int/float)
	typeOf map[uint32]uint32 // value id -> type id
}

func newOperandDecoder() *operandDecoder {
	return &operandDecoder{width: map[uint32]uint32{}, typeOf: map[uint32]uint32{}}
}

// note records what in declares, for later instructions.
func (d *operandDecoder) note(in Inst) {
	switch in.Op {
	case OpTypeInt, OpTypeFloat:
		if len(in.Words) >= 2 {
			d.width[in.Words[0]] = in.Words[1]
		}
		return
	}
	if in.Op.HasType() && in.Op.HasResult() && len(in.Words) >= 2 {
		d.typeOf[in.Words[1]] = in.Words[0]
	}
}

// decode splits in's words into operands by the grammar.
func (d *operandDecoder) decode(in Inst) ([]OperandValue, error) {
	info := in.Op.Info()
	if info == nil {
		return nil, fmt.Errorf("opcode %d is not in the grammar", in.Op)
	}
	var out []OperandValue
	w := in.Words
	pos := 0
	var one func(k OperandKind) error
	one = func(k OperandKind) error {
		start := pos
		take := func(n int) error {
			if pos+n > len(w) {
				return fmt.Errorf("%v: operand %v needs %d words, %d are left", in.Op, k, n, len(w)-pos)
			}
			pos += n
			return nil
		}
		switch k.Category() {
		case CategoryId:
			if err := take(1); err != nil {
				return err
			}
		case CategoryComposite:
			if in.Op == OpSwitch && k == KindPairLiteralIntegerIdRef && len(w) > 0 && d.width[d.typeOf[w[0]]] > 32 {
				if err := take(3); err != nil {
					return err
				}
			} else if err := take(2); err != nil {
				return err
			}
		case CategoryLiteral:
			switch k {
			case KindLiteralString:
				for {
					if err := take(1); err != nil {
						return fmt.Errorf("%v: unterminated string", in.Op)
					}
					x := w[pos-1]
					if x&0xff == 0 || x&0xff00 == 0 || x&0xff0000 == 0 || x&0xff000000 == 0 {
						break
					}
				}
			case KindLiteralContextDependentNumber:
				n := 1
				if len(w) > 0 && d.width[w[0]] > 32 {
					n = 2
				}
				if err := take(n); err != nil {
					return err
				}
			default:
				if err := take(1); err != nil {
					return err
				}
			}
		case CategoryValueEnum:
			if err := take(1); err != nil {
				return err
			}
			out = append(out, OperandValue{k, w[start:pos]})
			for _, p := range k.Params(w[start]) {
				if err := one(p); err != nil {
					return err
				}
			}
			return nil
		case CategoryBitEnum:
			if err := take(1); err != nil {
				return err
			}
			v := w[start]
			out = append(out, OperandValue{k, w[start:pos]})
			for bit := uint32(1); bit != 0; bit <<= 1 {
				if v&bit == 0 {
					continue
				}
				for _, p := range k.Params(bit) {
					if err := one(p); err != nil {
						return err
					}
				}
			}
			return nil
		}
		out = append(out, OperandValue{k, w[start:pos]})
		return nil
	}
	grammar := info.Operands
	if in.Op == OpSpecConstantOp && len(w) > 2 {
		// The operands after the opcode are those of the instruction it
		// names, without its result type and id.
		inner := Op(w[2]).Info()
		if inner == nil || !Op(w[2]).HasType() || len(inner.Operands) < 2 {
			return nil, fmt.Errorf("%v: opcode %d cannot be a specialization constant operation", in.Op, w[2])
		}
		grammar = append(append([]Operand(nil), grammar...), inner.Operands[2:]...)
	}
	for _, o := range grammar {
		switch o.Quant {
		case QuantOne:
			if err := one(o.Kind); err != nil {
				return nil, err
			}
		case QuantOptional:
			if pos < len(w) {
				if err := one(o.Kind); err != nil {
					return nil, err
				}
			}
		case QuantVariadic:
			for pos < len(w) {
				if err := one(o.Kind); err != nil {
					return nil, err
				}
			}
		}
	}
	if pos != len(w) {
		return nil, fmt.Errorf("%v: %d words left over after its operands", in.Op, len(w)-pos)
	}
	return out, nil
}

// Operands decodes every instruction's operands, in order.
func (b *Binary) Operands() ([][]OperandValue, error) {
	d := newOperandDecoder()
	out := make([][]OperandValue, len(b.Insts))
	for i, in := range b.Insts {
		ops, err := d.decode(in)
		if err != nil {
			return nil, fmt.Errorf("spirv: instruction %d: %v: %w", i, err, ErrInvalid)
		}
		d.note(in)
		out[i] = ops
	}
	return out, nil
}

// String disassembles the module in spirv-dis's style (ids as %N), for
// debug dumps and test failures.
func (b *Binary) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "; SPIR-V %d.%d, bound %d\n", b.Version>>16, b.Version>>8&0xff, b.Bound)
	d := newOperandDecoder()
	for _, in := range b.Insts {
		ops, err := d.decode(in)
		d.note(in)
		if err != nil {
			fmt.Fprintf(&s, "; %v\n", err)
			continue
		}
		var res string
		var parts []string
		for _, o := range ops {
			switch {
			case o.Kind == KindIdResult:
				res = fmt.Sprintf("%%%d = ", o.Words[0])
			case o.IsID():
				parts = append(parts, fmt.Sprintf("%%%d", o.Words[0]))
			case o.Kind == KindLiteralString:
				parts = append(parts, fmt.Sprintf("%q", decodeString(o.Words)))
			case o.Kind.Category() == CategoryValueEnum || o.Kind.Category() == CategoryBitEnum:
				parts = append(parts, enumName(o.Kind, o.Words[0]))
			case o.Kind.Category() == CategoryComposite:
				parts = append(parts, fmt.Sprintf("%d %%%d", o.Words[0], o.Words[len(o.Words)-1]))
			default:
				if len(o.Words) == 2 {
					parts = append(parts, fmt.Sprint(uint64(o.Words[1])<<32|uint64(o.Words[0])))
				} else {
					parts = append(parts, fmt.Sprint(o.Words[0]))
				}
			}
		}
		fmt.Fprintf(&s, "%12s%v %s\n", res, in.Op, strings.Join(parts, " "))
	}
	return s.String()
}

func decodeString(w []uint32) string {
	b := make([]byte, 0, 4*len(w))
	for _, x := range w {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func enumName(k OperandKind, v uint32) string {
	switch k {
	case KindCapability:
		return Capability(v).String()
	case KindStorageClass:
		return StorageClass(v).String()
	case KindDecoration:
		return Decoration(v).String()
	case KindBuiltIn:
		return BuiltIn(v).String()
	case KindExecutionModel:
		return ExecutionModel(v).String()
	case KindExecutionMode:
		return ExecutionMode(v).String()
	case KindAddressingModel:
		return AddressingModel(v).String()
	case KindMemoryModel:
		return MemoryModel(v).String()
	case KindFunctionControl:
		return FunctionControl(v).String()
	case KindSelectionControl:
		return SelectionControl(v).String()
	case KindLoopControl:
		return LoopControl(v).String()
	case KindMemoryAccess:
		return MemoryAccess(v).String()
	case KindGroupOperation:
		return GroupOperation(v).String()
	}
	return fmt.Sprintf("%v(%d)", k, v)
}
