package ptx

// The checked IR. Every name is resolved, every register has a declared
// type, every instruction's modifiers are decoded and its operands agree
// with its type per the PTX ISA. Passes (cfg.go, dom.go, live.go, sync.go,
// inline.go) add analyses on top; the translators read it without
// re-checking.

// Module is one checked PTX module.
type Module struct {
	Version     string // ".version", e.g. "7.8"
	Target      string // first .target name, e.g. "sm_80"
	Targets     []string
	AddressSize int // 64
	Files       map[int]string

	// Globals are the module-scope variables in declaration order
	// (.global, .const, .shared, .local), externs included.
	Globals []*Var
	// Funcs are .entry and .func definitions and declarations in order.
	Funcs []*Func

	funcByName map[string]*Func
	varByName  map[string]*Var
}

// Func returns the function (or kernel) named name, or nil.
func (m *Module) Func(name string) *Func { return m.funcByName[name] }

// Global returns the module-scope variable named name, or nil.
func (m *Module) Global(name string) *Var { return m.varByName[name] }

// Entries returns the kernels (.entry definitions) in order.
func (m *Module) Entries() []*Func {
	var out []*Func
	for _, f := range m.Funcs {
		if f.Entry && f.Body != nil {
			out = append(out, f)
		}
	}
	return out
}

// Linkage of a module-scope symbol.
type Linkage uint8

// Linkages.
const (
	LinkInternal Linkage = iota
	LinkVisible
	LinkExtern
	LinkWeak
	LinkCommon
)

func linkageOf(s string) Linkage {
	switch s {
	case "visible":
		return LinkVisible
	case "extern":
		return LinkExtern
	case "weak":
		return LinkWeak
	case "common":
		return LinkCommon
	}
	return LinkInternal
}

// Var is a variable in a state space other than .reg: module globals,
// .shared/.local/.param declarations in function bodies, and function
// parameters.
type Var struct {
	ID      int // unique in the module
	Name    string
	Pos     Pos
	Space   Space
	Type    Type  // element type
	Vec     int   // 1, 2, 4, 8
	Align   int64 // explicit or natural alignment
	Dims    []int64
	Size    int64 // bytes; 0 for an unsized extern array
	Unsized bool  // extern .shared x[] (dynamic shared memory)
	Linkage Linkage
	Init    []byte      // initial bytes (len Size) or nil
	Relocs  []InitReloc // address initializers patched at load time
	Managed bool
	// Kernel parameters: .ptr attributes.
	Ptr      bool
	PtrSpace Space
	// Offset is assigned by layout: kernel/func parameters in their
	// argument buffer; shared and local variables in their windows.
	Offset int64
	// Func is the function declaring the variable (nil for globals).
	Func *Func
}

// InitReloc is an address (or one byte of one, Mask != 0) stored into a
// variable's initial bytes at Offset.
type InitReloc struct {
	Offset  int64
	Size    int // bytes written: 8 (or 4) for a whole address, 1 for a masked byte
	Var     *Var
	Func    *Func
	Addend  int64
	Generic bool
	Shift   uint // masked byte: (addr >> Shift) & 0xff
	Masked  bool
}

// ElemSize is the size of one element (type size times vector length).
func (v *Var) ElemSize() int64 { return int64(v.Type.Size()) * int64(v.Vec) }

// Reg is a virtual register.
type Reg struct {
	ID   int // unique within its function
	Name string
	Type Type
	Pos  Pos
}

// Func is an .entry (kernel) or .func.
type Func struct {
	Name     string
	Pos      Pos
	Entry    bool
	Linkage  Linkage
	Params   []*Var
	Rets     []*Var
	NoReturn bool
	// Performance directives (0 when absent).
	MaxNTID      [3]int64
	ReqNTID      [3]int64
	MinNCTAPerSM int64
	MaxNReg      int64
	Pragmas      []string

	Regs []*Reg
	Vars []*Var // .local/.shared/.param declared in the body (call blocks included)
	// Body is the flat instruction list; nil for a declaration.
	Body   []*Inst
	Labels []*Label
	// Protos are the .callprototype declarations of the body.
	Protos []*Proto
	// Tables are .branchtargets lists.
	Tables []*BranchTable

	// ArgsSize is the packed size of the parameters (entries: the launch
	// argument buffer, C natural alignment).
	ArgsSize int64

	// Analyses, filled in by the passes.
	Blocks []*Block
}

// MaxThreads returns the product of .maxntid (or .reqntid), 0 if neither.
func (f *Func) MaxThreads() int64 {
	for _, d := range [][3]int64{f.MaxNTID, f.ReqNTID} {
		if d[0] > 0 {
			n := d[0]
			for _, x := range d[1:] {
				if x > 0 {
					n *= x
				}
			}
			return n
		}
	}
	return 0
}

// Label is a branch target: the index of the instruction it precedes.
type Label struct {
	Name  string
	Pos   Pos
	Index int // position in Body (len(Body) for a label at the end)
	// Block is the basic block starting at the label (set by BuildCFG).
	Block *Block
}

// Proto is a .callprototype.
type Proto struct {
	Name     string
	Pos      Pos
	Params   []*Var
	Rets     []*Var
	NoReturn bool
}

// BranchTable is a .branchtargets list.
type BranchTable struct {
	Name   string
	Pos    Pos
	Labels []*Label
}

// Rounding is a rounding modifier.
type Rounding uint8

// Rounding modifiers.
const (
	RoundNone Rounding = iota
	RN
	RZ
	RM
	RP
	RNA // round to nearest, ties away (cvt.rna.tf32)
	RS  // stochastic
	RNI // round to nearest integer
	RZI
	RMI
	RPI
)

var roundNames = []string{"", "rn", "rz", "rm", "rp", "rna", "rs", "rni", "rzi", "rmi", "rpi"}

func (r Rounding) String() string { return roundNames[r] }

// IsInt reports the integer roundings (.rni ...).
func (r Rounding) IsInt() bool { return r >= RNI }

// Cmp is a comparison operator of setp/set/slct.
type Cmp uint8

// Comparison operators.
const (
	CmpNone Cmp = iota
	EQ
	NE
	LT
	LE
	GT
	GE
	LO // unsigned <
	LS // unsigned <=
	HI // unsigned >
	HS // unsigned >=
	EQU
	NEU
	LTU
	LEU
	GTU
	GEU
	NUM
	NAN
)

var cmpNames = []string{"", "eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan"}

func (c Cmp) String() string { return cmpNames[c] }

// Flags are boolean instruction modifiers.
type Flags uint64

// Instruction flags.
const (
	FlagFTZ Flags = 1 << iota
	FlagSat
	FlagApprox
	FlagFull
	FlagNC
	FlagUni
	FlagCC      // .cc: writes the carry flag
	FlagAligned // .aligned
	FlagSync    // .sync (shfl.sync, vote.sync, ...)
	FlagNaN     // min/max .NaN
	FlagXorSign // min/max .xorsign.abs
	FlagAbs     // .abs
	FlagRelu
	FlagSatFinite
	FlagWrap
	FlagClamp
	FlagShiftAmt // bfind.shiftamt
	FlagNoFTZ
	FlagVolatile
	FlagUnified // ld.unified
	FlagLU      // cache hints (.ca .cg .cs .lu .cv .wb .wt); recorded, no effect
	FlagL2      // .L2::... hints
	FlagOOB
	FlagTrap // .to.trap / clamp variants
	FlagTo   // cvta.to / isspacep etc.
	FlagPartial
)

// Sem is a memory-ordering qualifier.
type Sem uint8

// Memory orders.
const (
	SemNone Sem = iota
	SemWeak
	SemRelaxed
	SemAcquire
	SemRelease
	SemAcqRel
	SemSC
	SemVolatile
	SemMMIO
)

// Scope is a memory scope.
type Scope uint8

// Scopes.
const (
	ScopeNone Scope = iota
	ScopeCTA
	ScopeCluster
	ScopeGPU
	ScopeSys
)

// Inst is one instruction.
type Inst struct {
	Pos  Pos
	Loc  Loc
	Text string // the opcode as written: "ld.global.nc.v4.f32"
	Op   string // base operation: "ld", "bar", "shfl", "cp.async", ...
	Mods []string

	Types  []Type // type modifiers in order (cvt: dst, src)
	Space  Space
	Rnd    Rounding
	Cmp    Cmp
	BoolOp string // setp/set .and/.or/.xor; bar.red .popc/.and/.or
	AtomOp string // atom/red/redux: add, min, max, inc, dec, exch, cas, and, or, xor
	Mode   string // op-specific: mul/mad lo|hi|wide, shfl up|down|bfly|idx, vote all|any|uni|ballot, prmt f4e|..., shf l|r, bar sync|arrive|red, match any|all, mov/cvta/isspacep ...
	Flags  Flags
	Vec    int
	Sem    Sem
	Scope  Scope

	Guard    *Reg
	GuardNeg bool

	// Args are the operands in order; Dst2 is the second destination of
	// "d|p" forms (setp, shfl).
	Args []*Operand
	Dst2 *Operand

	// Call: the callee (direct) or prototype (indirect).
	Callee *Func
	Proto  *Proto

	// Block is the basic block holding the instruction (set by BuildCFG).
	Block *Block
	Index int // position in Func.Body
}

// Type returns the first type modifier (TypeNone if none).
func (in *Inst) Type() Type {
	if len(in.Types) > 0 {
		return in.Types[0]
	}
	return TypeNone
}

// Has reports whether all of the flags f are set.
func (in *Inst) Has(f Flags) bool { return in.Flags&f == f }

// OperandKind classifies checked operands.
type OperandKind uint8

// Operand kinds.
const (
	OpdReg   OperandKind = iota // Reg (Not: logical negation of a predicate)
	OpdImm                      // Imm bits, already converted to the slot's type
	OpdSReg                     // special register SReg, component Comp
	OpdSym                      // address of Var or Func (+ Off)
	OpdAddr                     // memory address: Reg or Var (or neither) + Off
	OpdVec                      // Elems
	OpdLabel                    // Label
	OpdSink                     // _
	OpdList                     // call argument/return lists: Elems of OpdSym (params) or registers
	OpdTable                    // brx.idx target table
	OpdProto                    // .callprototype of an indirect call
)

// Operand is a checked operand.
type Operand struct {
	Kind OperandKind
	Pos  Pos
	Reg  *Reg
	Not  bool // !p
	Imm  uint64
	// ImmType is the type the immediate was converted to.
	ImmType Type
	SReg    SReg
	Comp    int // .x=0 .y=1 .z=2
	Var     *Var
	Func    *Func
	Off     int64
	Elems   []*Operand
	Label   *Label
	Table   *BranchTable
	Proto   *Proto
}

// SReg is a special register.
type SReg uint8

// Special registers.
const (
	SRegNone SReg = iota
	SRegTid
	SRegNTid
	SRegCtaid
	SRegNCtaid
	SRegLaneid
	SRegWarpid
	SRegNWarpid
	SRegSmid
	SRegNSmid
	SRegGridid
	SRegLanemaskEq
	SRegLanemaskLe
	SRegLanemaskLt
	SRegLanemaskGe
	SRegLanemaskGt
	SRegClock
	SRegClockHi
	SRegClock64
	SRegGlobaltimer
	SRegGlobaltimerLo
	SRegGlobaltimerHi
	SRegDynamicSmemSize
	SRegTotalSmemSize
	SRegAggrSmemSize
	SRegEnvreg
	SRegPM
	SRegClusterid
	SRegNClusterid
	SRegClusterCtaid
	SRegClusterNCtaid
	SRegClusterCtarank
	SRegClusterNCtarank
	SRegIsExplicitCluster
	SRegReservedSmemOffsetBegin
	SRegReservedSmemOffsetEnd
	SRegReservedSmemOffsetCap
	SRegReservedSmemOffset2
	SRegCurrentGraphExec
)

type sregInfo struct {
	name  string
	typ   Type
	vec   bool // has .x .y .z
	index bool // %envreg0..31, %pm0..7
}

var sregs = map[SReg]sregInfo{
	SRegTid: {"tid", U32, true, false}, SRegNTid: {"ntid", U32, true, false},
	SRegCtaid: {"ctaid", U32, true, false}, SRegNCtaid: {"nctaid", U32, true, false},
	SRegLaneid: {"laneid", U32, false, false}, SRegWarpid: {"warpid", U32, false, false},
	SRegNWarpid: {"nwarpid", U32, false, false}, SRegSmid: {"smid", U32, false, false},
	SRegNSmid: {"nsmid", U32, false, false}, SRegGridid: {"gridid", U64, false, false},
	SRegLanemaskEq: {"lanemask_eq", U32, false, false}, SRegLanemaskLe: {"lanemask_le", U32, false, false},
	SRegLanemaskLt: {"lanemask_lt", U32, false, false}, SRegLanemaskGe: {"lanemask_ge", U32, false, false},
	SRegLanemaskGt: {"lanemask_gt", U32, false, false}, SRegClock: {"clock", U32, false, false},
	SRegClockHi: {"clock_hi", U32, false, false}, SRegClock64: {"clock64", U64, false, false},
	SRegGlobaltimer: {"globaltimer", U64, false, false}, SRegGlobaltimerLo: {"globaltimer_lo", U32, false, false},
	SRegGlobaltimerHi: {"globaltimer_hi", U32, false, false}, SRegDynamicSmemSize: {"dynamic_smem_size", U32, false, false},
	SRegTotalSmemSize: {"total_smem_size", U32, false, false}, SRegAggrSmemSize: {"aggr_smem_size", U32, false, false},
	SRegEnvreg: {"envreg", B32, false, true}, SRegPM: {"pm", B32, false, true},
	SRegClusterid: {"clusterid", U32, true, false}, SRegNClusterid: {"nclusterid", U32, true, false},
	SRegClusterCtaid: {"cluster_ctaid", U32, true, false}, SRegClusterNCtaid: {"cluster_nctaid", U32, true, false},
	SRegClusterCtarank: {"cluster_ctarank", U32, false, false}, SRegClusterNCtarank: {"cluster_nctarank", U32, false, false},
	SRegIsExplicitCluster:       {"is_explicit_cluster", Pred, false, false},
	SRegReservedSmemOffsetBegin: {"reserved_smem_offset_begin", B32, false, false},
	SRegReservedSmemOffsetEnd:   {"reserved_smem_offset_end", B32, false, false},
	SRegReservedSmemOffsetCap:   {"reserved_smem_offset_cap", B32, false, false},
	SRegReservedSmemOffset2:     {"reserved_smem_offset_2", B32, false, false},
	SRegCurrentGraphExec:        {"current_graph_exec", U64, false, false},
}

var sregByName = func() map[string]SReg {
	m := map[string]SReg{}
	for s, i := range sregs {
		m["%"+i.name] = s
	}
	return m
}()

func (s SReg) String() string { return "%" + sregs[s].name }

// Type is the special register's type.
func (s SReg) Type() Type { return sregs[s].typ }
