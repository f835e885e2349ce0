package ptx

// Type is a PTX fundamental type (.u32, .f16x2, .pred, ...).
type Type uint8

// The PTX fundamental types. Bit-size types (B*) agree with any type of the
// same size; signed and unsigned integers agree with each other; float types
// agree only with themselves (and bit types), as the PTX ISA's type-checking
// rules say.
const (
	TypeNone Type = iota
	B8
	B16
	B32
	B64
	B128
	U8
	U16
	U32
	U64
	S8
	S16
	S32
	S64
	F16
	F16x2
	BF16
	BF16x2
	F32
	F64
	TF32
	Pred
	// Packed 16-bit integer pairs (min/max/add on .u16x2/.s16x2).
	U16x2
	S16x2
	// 8-bit float formats (cvt only; refused by the translators).
	E4M3x2
	E5M2x2
	// Opaque handle types (textures, samplers, surfaces).
	TexRef
	SamplerRef
	SurfRef
	numTypes
)

var typeNames = [numTypes]string{
	TypeNone: "", B8: "b8", B16: "b16", B32: "b32", B64: "b64", B128: "b128",
	U8: "u8", U16: "u16", U32: "u32", U64: "u64",
	S8: "s8", S16: "s16", S32: "s32", S64: "s64",
	F16: "f16", F16x2: "f16x2", BF16: "bf16", BF16x2: "bf16x2",
	F32: "f32", F64: "f64", TF32: "tf32", Pred: "pred",
	U16x2: "u16x2", S16x2: "s16x2", E4M3x2: "e4m3x2", E5M2x2: "e5m2x2",
	TexRef: "texref", SamplerRef: "samplerref", SurfRef: "surfref",
}

var typeByName = func() map[string]Type {
	m := make(map[string]Type, numTypes)
	for t := Type(1); t < numTypes; t++ {
		m[typeNames[t]] = t
	}
	return m
}()

// String returns the PTX spelling without the leading dot.
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return "?"
}

// ParseType returns the type named s ("u32" or ".u32"), or TypeNone.
func ParseType(s string) Type {
	if len(s) > 0 && s[0] == '.' {
		s = s[1:]
	}
	return typeByName[s]
}

// Size is the type's size in bytes (predicates: 1; 0 for TypeNone).
func (t Type) Size() int {
	switch t {
	case B8, U8, S8, Pred:
		return 1
	case B16, U16, S16, F16, BF16, E4M3x2, E5M2x2:
		return 2
	case B32, U32, S32, F32, F16x2, BF16x2, TF32, U16x2, S16x2:
		return 4
	case B64, U64, S64, F64, TexRef, SamplerRef, SurfRef:
		return 8
	case B128:
		return 16
	}
	return 0
}

// Bits is Size()*8.
func (t Type) Bits() int { return t.Size() * 8 }

// IsBit reports a .bN type.
func (t Type) IsBit() bool { return t >= B8 && t <= B128 }

// IsUnsigned reports a .uN type.
func (t Type) IsUnsigned() bool { return t >= U8 && t <= U64 }

// IsSigned reports a .sN type.
func (t Type) IsSigned() bool { return t >= S8 && t <= S64 }

// IsInt reports a signed or unsigned integer type.
func (t Type) IsInt() bool { return t >= U8 && t <= S64 }

// IsFloat reports a floating-point type, packed half types included.
func (t Type) IsFloat() bool { return t >= F16 && t <= TF32 }

// IsPacked reports the two-element packed types.
func (t Type) IsPacked() bool { return t == F16x2 || t == BF16x2 || t == U16x2 || t == S16x2 }

// Unsigned returns the unsigned integer type of t's size (bits included).
func (t Type) Unsigned() Type {
	switch t.Size() {
	case 1:
		return U8
	case 2:
		return U16
	case 4:
		return U32
	case 8:
		return U64
	}
	return TypeNone
}

// Signed returns the signed integer type of t's size.
func (t Type) Signed() Type {
	switch t.Size() {
	case 1:
		return S8
	case 2:
		return S16
	case 4:
		return S32
	case 8:
		return S64
	}
	return TypeNone
}

// Agrees reports whether an operand of type op may be used where the
// instruction type inst is expected, per the PTX ISA's rules: same size,
// and bit types agree with anything, integers with integers, floats only
// with the same float type.
func Agrees(inst, op Type) bool {
	if inst == op {
		return true
	}
	if inst == Pred || op == Pred {
		return false
	}
	if inst.Size() != op.Size() {
		return false
	}
	if inst.IsBit() || op.IsBit() {
		return true
	}
	if inst.IsInt() && op.IsInt() {
		return true
	}
	// f16x2/bf16x2 in .b32-sized registers are bit types; packed integer
	// pairs live in 32-bit integer registers.
	if (inst == U16x2 || inst == S16x2) && op.IsInt() {
		return true
	}
	return false
}

// Space is a PTX state space.
type Space uint8

// The state spaces. SpaceGeneric is the absence of a space on ld/st/atom.
const (
	SpaceGeneric Space = iota
	SpaceReg
	SpaceSReg
	SpaceConst
	SpaceGlobal
	SpaceLocal
	SpaceParam
	SpaceShared
	SpaceSharedCluster // .shared::cluster
	SpaceTex
)

var spaceNames = []string{"generic", "reg", "sreg", "const", "global", "local", "param", "shared", "shared::cluster", "tex"}

func (s Space) String() string {
	if int(s) < len(spaceNames) {
		return spaceNames[s]
	}
	return "?"
}
