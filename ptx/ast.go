package ptx

// The parser's output: PTX as written, names unresolved. The checker
// (check.go) turns it into the typed IR (ir.go).

// astFile is one parsed module.
type astFile struct {
	version     string
	versionPos  Pos
	targets     []string
	targetPos   Pos
	addressSize int
	addrPos     Pos
	files       map[int]string // .file index -> name
	decls       []any          // *astVar, *astFunc in order
}

// astVar is a variable declaration of any state space: one per name.
type astVar struct {
	pos     Pos
	linkage string // "", "visible", "extern", "weak", "common"
	space   Space
	align   int64
	vec     int
	typ     Type
	name    string
	dims    []int64 // -1: unsized []
	init    *astInit
	ptr     bool  // .param .ptr attribute
	ptrSp   Space // .ptr.global etc.
	ptrAl   int64 // .ptr .align N
	managed bool  // .attribute(.managed)
	// Register ranges: %r<6> declares %r0..%r5.
	rangeN int64
}

// astInitKind classifies initializer items.
type astInitKind uint8

const (
	initInt astInitKind = iota
	initFloat
	initList
	initSym // symbol address, optionally generic(), +off, byte mask
)

// astInit is an initializer or one element of one.
type astInit struct {
	pos     Pos
	kind    astInitKind
	ival    uint64
	fbits   uint64 // float literal bits
	fdouble bool   // 0d literal or decimal (double precision)
	elems   []*astInit
	sym     string
	generic bool
	off     int64
	mask    uint64 // 0: none; else 0xFF << 8k
}

// astFunc is an .entry or .func, declared or defined.
type astFunc struct {
	pos      Pos
	linkage  string
	entry    bool
	name     string
	rets     []*astVar
	params   []*astVar
	perf     []astPerf
	noreturn bool
	body     *astBlock // nil: declaration only
}

// astPerf is a performance directive (.maxntid 256,1,1).
type astPerf struct {
	pos  Pos
	name string
	args []int64
	str  string // .pragma's string
}

// astBlock is a { } scope.
type astBlock struct {
	pos   Pos
	stmts []any // *astVar (incl. .reg), *astLabel, *astInst, *astBlock, *astPragma, *astTargets, *astProto
}

type astLabel struct {
	pos  Pos
	name string
}

type astPragma struct {
	pos Pos
	str string
}

// astTargets is "label: .branchtargets L1, L2, ...;".
type astTargets struct {
	pos    Pos
	name   string
	labels []string
	lpos   []Pos
}

// astProto is "label: .callprototype (ret) _ (params);".
type astProto struct {
	pos      Pos
	name     string
	rets     []*astVar
	params   []*astVar
	noreturn bool
}

// astInst is one instruction.
type astInst struct {
	pos      Pos
	guard    string
	guardNeg bool
	guardPos Pos
	opcode   string
	operands []*astOperand
	loc      Loc
}

// Loc is a source location from a .loc directive (0 when none).
type Loc struct {
	File int
	Line int
	Col  int
}

type astOpKind uint8

const (
	aName    astOpKind = iota // register, special register, variable, label, function
	aInt                      // integer constant (after constant folding)
	aFloat                    // float literal
	aAddr                     // [base+off]
	aVec                      // {a, b, ...}
	aList                     // (a, b, ...) in calls
	aNot                      // !p
	aPipe                     // a|b
	aSink                     // _
	aNegName                  // -%r: negated register (e.g. ld/st base? only immediates are negated)
)

// astOperand is an instruction operand as written.
type astOperand struct {
	pos     Pos
	kind    astOpKind
	name    string
	ival    uint64
	fbits   uint64
	fdouble bool
	off     int64         // address offset
	elems   []*astOperand // vec, list, pipe (2), not (1), addr base (0 or 1)
}
