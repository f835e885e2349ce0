package ptx

import (
	"strings"
)

// Instruction decoding: the opcode text ("ld.global.nc.v4.f32") is split
// into the base operation and modifiers, each modifier is checked against
// the operation's allowed set and recorded in the Inst's decoded fields.

// modSetter records one modifier in an instruction.
type modSetter func(in *Inst)

type modGroup map[string]modSetter

func setRnd(r Rounding) modSetter { return func(in *Inst) { in.Rnd = r } }
func setFlag(f Flags) modSetter   { return func(in *Inst) { in.Flags |= f } }
func setMode(m string) modSetter  { return func(in *Inst) { in.Mode = m } }
func setSpace(s Space) modSetter  { return func(in *Inst) { in.Space = s } }
func setSem(s Sem) modSetter      { return func(in *Inst) { in.Sem = s } }
func setScope(s Scope) modSetter  { return func(in *Inst) { in.Scope = s } }
func setCmp(c Cmp) modSetter      { return func(in *Inst) { in.Cmp = c } }
func setBool(b string) modSetter  { return func(in *Inst) { in.BoolOp = b } }
func setAtom(a string) modSetter  { return func(in *Inst) { in.AtomOp = a } }
func setVec(n int) modSetter      { return func(in *Inst) { in.Vec = n } }

var (
	gRndF   = modGroup{"rn": setRnd(RN), "rz": setRnd(RZ), "rm": setRnd(RM), "rp": setRnd(RP)}
	gRndI   = modGroup{"rni": setRnd(RNI), "rzi": setRnd(RZI), "rmi": setRnd(RMI), "rpi": setRnd(RPI)}
	gRndX   = modGroup{"rna": setRnd(RNA), "rs": setRnd(RS)}
	gFTZ    = modGroup{"ftz": setFlag(FlagFTZ)}
	gSat    = modGroup{"sat": setFlag(FlagSat)}
	gApprox = modGroup{"approx": setFlag(FlagApprox)}
	gFull   = modGroup{"full": setFlag(FlagFull)}
	gCC     = modGroup{"cc": setFlag(FlagCC)}
	gLoHi   = modGroup{"lo": setMode("lo"), "hi": setMode("hi")}
	gWide   = modGroup{"wide": setMode("wide")}
	gUni    = modGroup{"uni": setFlag(FlagUni)}
	gSync   = modGroup{"sync": setFlag(FlagSync)}
	gRelu   = modGroup{"relu": setFlag(FlagRelu), "satfinite": setFlag(FlagSatFinite)}
	gOOB    = modGroup{"oob": setFlag(FlagOOB)}
	gNoFTZ  = modGroup{"noftz": setFlag(FlagNoFTZ)}
	gCmp    = modGroup{
		"eq": setCmp(EQ), "ne": setCmp(NE), "lt": setCmp(LT), "le": setCmp(LE), "gt": setCmp(GT), "ge": setCmp(GE),
		"lo": setCmp(LO), "ls": setCmp(LS), "hi": setCmp(HI), "hs": setCmp(HS),
		"equ": setCmp(EQU), "neu": setCmp(NEU), "ltu": setCmp(LTU), "leu": setCmp(LEU), "gtu": setCmp(GTU), "geu": setCmp(GEU),
		"num": setCmp(NUM), "nan": setCmp(NAN),
	}
	gBool  = modGroup{"and": setBool("and"), "or": setBool("or"), "xor": setBool("xor")}
	gSpace = modGroup{
		"global": setSpace(SpaceGlobal), "shared": setSpace(SpaceShared), "shared::cta": setSpace(SpaceShared),
		"shared::cluster": setSpace(SpaceSharedCluster), "local": setSpace(SpaceLocal), "param": setSpace(SpaceParam),
		"param::entry": setSpace(SpaceParam), "param::func": setSpace(SpaceParam), "const": setSpace(SpaceConst),
	}
	gSem = modGroup{
		"weak": setSem(SemWeak), "relaxed": setSem(SemRelaxed), "acquire": setSem(SemAcquire),
		"release": setSem(SemRelease), "acq_rel": setSem(SemAcqRel), "volatile": setSem(SemVolatile),
		"mmio": setSem(SemMMIO), "sc": setSem(SemSC),
	}
	gScope = modGroup{"cta": setScope(ScopeCTA), "cluster": setScope(ScopeCluster), "gpu": setScope(ScopeGPU), "sys": setScope(ScopeSys)}
	gCache = modGroup{
		"ca": setFlag(FlagLU), "cg": setFlag(FlagLU), "cs": setFlag(FlagLU), "lu": setFlag(FlagLU), "cv": setFlag(FlagLU),
		"wb": setFlag(FlagLU), "wt": setFlag(FlagLU), "nc": setFlag(FlagNC), "unified": setFlag(FlagUnified),
	}
	gVec  = modGroup{"v2": setVec(2), "v4": setVec(4), "v8": setVec(8)}
	gAtom = modGroup{
		"add": setAtom("add"), "min": setAtom("min"), "max": setAtom("max"), "inc": setAtom("inc"), "dec": setAtom("dec"),
		"exch": setAtom("exch"), "cas": setAtom("cas"), "and": setAtom("and"), "or": setAtom("or"), "xor": setAtom("xor"),
	}
	gMinMax = modGroup{"NaN": setFlag(FlagNaN), "xorsign": setFlag(FlagXorSign), "abs": setFlag(FlagAbs)}
)

// opSpec says which modifiers an operation takes and how many types.
type opSpec struct {
	groups     []modGroup
	minT, maxT int
	// unsupported, when set, refuses the operation with this reason.
	unsupported string
}

func spec(minT, maxT int, groups ...modGroup) *opSpec {
	return &opSpec{groups: groups, minT: minT, maxT: maxT}
}

func refuse(reason string) *opSpec { return &opSpec{unsupported: reason, maxT: 8} }

var opSpecs = map[string]*opSpec{
	// Integer and float arithmetic.
	"add":      spec(1, 1, gRndF, gFTZ, gSat, gCC, gRelu),
	"sub":      spec(1, 1, gRndF, gFTZ, gSat, gCC, gRelu),
	"mul":      spec(1, 1, gRndF, gFTZ, gSat, gLoHi, gWide, gRelu),
	"mad":      spec(1, 1, gRndF, gFTZ, gSat, gLoHi, gWide, gCC),
	"fma":      spec(1, 1, gRndF, gFTZ, gSat, gRelu, gOOB),
	"mul24":    spec(1, 1, gLoHi),
	"mad24":    spec(1, 1, gLoHi, gSat),
	"sad":      spec(1, 1),
	"div":      spec(1, 1, gApprox, gFull, gRndF, gFTZ),
	"rem":      spec(1, 1),
	"abs":      spec(1, 1, gFTZ, gRelu),
	"neg":      spec(1, 1, gFTZ),
	"min":      spec(1, 1, gFTZ, gMinMax, gRelu),
	"max":      spec(1, 1, gFTZ, gMinMax, gRelu),
	"popc":     spec(1, 1),
	"clz":      spec(1, 1),
	"brev":     spec(1, 1),
	"bfind":    spec(1, 1, modGroup{"shiftamt": setFlag(FlagShiftAmt)}),
	"bfe":      spec(1, 1),
	"bfi":      spec(1, 1),
	"fns":      spec(1, 1),
	"bmsk":     spec(1, 1, modGroup{"clamp": setFlag(FlagClamp), "wrap": setFlag(FlagWrap)}),
	"szext":    spec(1, 1, modGroup{"clamp": setFlag(FlagClamp), "wrap": setFlag(FlagWrap)}),
	"dp4a":     spec(2, 2),
	"dp2a":     spec(2, 2, gLoHi),
	"addc":     spec(1, 1, gCC),
	"subc":     spec(1, 1, gCC),
	"madc":     spec(1, 1, gLoHi, gCC),
	"and":      spec(1, 1),
	"or":       spec(1, 1),
	"xor":      spec(1, 1),
	"not":      spec(1, 1),
	"cnot":     spec(1, 1),
	"lop3":     spec(1, 1),
	"shf":      spec(1, 1, modGroup{"l": setMode("l"), "r": setMode("r"), "wrap": setFlag(FlagWrap), "clamp": setFlag(FlagClamp)}),
	"shl":      spec(1, 1),
	"shr":      spec(1, 1),
	"prmt":     spec(1, 1, modGroup{"f4e": setMode("f4e"), "b4e": setMode("b4e"), "rc8": setMode("rc8"), "ecl": setMode("ecl"), "ecr": setMode("ecr"), "rc16": setMode("rc16")}),
	"rcp":      spec(1, 1, gApprox, gRndF, gFTZ, gFull),
	"sqrt":     spec(1, 1, gApprox, gRndF, gFTZ),
	"rsqrt":    spec(1, 1, gApprox, gFTZ),
	"sin":      spec(1, 1, gApprox, gFTZ),
	"cos":      spec(1, 1, gApprox, gFTZ),
	"lg2":      spec(1, 1, gApprox, gFTZ),
	"ex2":      spec(1, 1, gApprox, gFTZ),
	"tanh":     spec(1, 1, gApprox),
	"copysign": spec(1, 1),
	"testp": spec(1, 1, modGroup{"finite": setMode("finite"), "infinite": setMode("infinite"), "number": setMode("number"),
		"notanumber": setMode("notanumber"), "normal": setMode("normal"), "subnormal": setMode("subnormal")}),
	// Comparison and selection.
	"setp": spec(1, 1, gCmp, gBool, gFTZ),
	"set":  spec(2, 2, gCmp, gBool, gFTZ),
	"selp": spec(1, 1),
	"slct": spec(2, 2, gFTZ),
	// Data movement and conversion.
	"mov":      spec(1, 1),
	"ld":       spec(1, 1, gSpace, gSem, gScope, gCache, gVec),
	"ldu":      spec(1, 1, gSpace, gVec),
	"st":       spec(1, 1, gSpace, gSem, gScope, gCache, gVec),
	"cvt":      spec(2, 2, gRndF, gRndI, gRndX, gFTZ, gSat, gRelu),
	"cvta":     spec(1, 1, modGroup{"to": setFlag(FlagTo)}, gSpace),
	"isspacep": spec(0, 0, gSpace),
	"prefetch": spec(0, 0, gSpace, modGroup{"L1": setMode("L1"), "L2": setMode("L2"), "L2::evict_last": setMode("L2"),
		"L2::evict_normal": setMode("L2"), "tensormap": setMode("tensormap")}),
	"prefetchu":     spec(0, 0, modGroup{"L1": setMode("L1")}),
	"applypriority": spec(0, 1, gSpace, modGroup{"L2::evict_normal": setMode("L2")}),
	"discard":       spec(0, 1, gSpace, modGroup{"L2": setMode("L2")}),
	"createpolicy": spec(0, 1, modGroup{"fractional": setMode("fractional"), "range": setMode("range"),
		"L2::evict_last": nil, "L2::evict_normal": nil, "L2::evict_first": nil, "L2::evict_unchanged": nil}),
	// Control flow.
	"bra":       spec(0, 0, gUni),
	"brx":       spec(0, 0, modGroup{"idx": setMode("idx")}, gUni),
	"call":      spec(0, 0, gUni),
	"ret":       spec(0, 0, gUni),
	"exit":      spec(0, 0),
	"trap":      spec(0, 0),
	"brkpt":     spec(0, 0),
	"pmevent":   spec(0, 0, modGroup{"mask": setMode("mask")}),
	"nanosleep": spec(1, 1),
	// Synchronization and communication.
	"bar":         spec(0, 1, modGroup{"sync": setMode("sync"), "arrive": setMode("arrive"), "red": setMode("red"), "cta": nil, "popc": setBool("popc"), "and": setBool("and"), "or": setBool("or"), "aligned": setFlag(FlagAligned)}),
	"barrier":     spec(0, 1, modGroup{"sync": setMode("sync"), "arrive": setMode("arrive"), "red": setMode("red"), "cta": nil, "popc": setBool("popc"), "and": setBool("and"), "or": setBool("or"), "aligned": setFlag(FlagAligned)}),
	"bar.warp":    spec(0, 0, gSync),
	"membar":      spec(0, 0, modGroup{"cta": setScope(ScopeCTA), "gl": setScope(ScopeGPU), "sys": setScope(ScopeSys)}),
	"fence":       spec(0, 0, gSem, gScope),
	"fence.proxy": spec(0, 0, modGroup{"alias": nil, "async": nil, "async::global": nil, "async::shared::cta": nil, "async::shared::cluster": nil, "global": nil, "shared::cta": nil, "shared::cluster": nil}),
	"atom":        spec(1, 1, gSpace, gSem, gScope, gAtom, gNoFTZ, gVec, modGroup{"L2::cache_hint": setFlag(FlagL2)}),
	"red":         spec(1, 1, gSpace, gSem, gScope, gAtom, gNoFTZ, gVec, modGroup{"L2::cache_hint": setFlag(FlagL2)}),
	"vote":        spec(1, 1, gSync, modGroup{"all": setMode("all"), "any": setMode("any"), "uni": setMode("uni"), "ballot": setMode("ballot")}),
	"match":       spec(1, 1, gSync, modGroup{"any": setMode("any"), "all": setMode("all")}),
	"redux":       spec(1, 1, gSync, gAtom, modGroup{"abs": setFlag(FlagAbs), "NaN": setFlag(FlagNaN)}),
	"activemask":  spec(1, 1),
	"shfl":        spec(1, 1, gSync, modGroup{"up": setMode("up"), "down": setMode("down"), "bfly": setMode("bfly"), "idx": setMode("idx")}),
	"elect":       spec(0, 0, gSync),
	"cp.async": spec(0, 0, modGroup{"ca": setMode("ca"), "cg": setMode("cg"), "shared": nil, "shared::cta": nil, "global": nil,
		"L2::cache_hint": setFlag(FlagL2), "L2::64B": nil, "L2::128B": nil, "L2::256B": nil}),
	"cp.async.commit_group": spec(0, 0),
	"cp.async.wait_group":   spec(0, 0),
	"cp.async.wait_all":     spec(0, 0),

	// Refused families.
	"tex":                  refuse("textures are not supported"),
	"tld4":                 refuse("textures are not supported"),
	"txq":                  refuse("textures are not supported"),
	"suld":                 refuse("surfaces are not supported"),
	"sust":                 refuse("surfaces are not supported"),
	"sured":                refuse("surfaces are not supported"),
	"suq":                  refuse("surfaces are not supported"),
	"istypep":              refuse("texture and surface handles are not supported"),
	"mma":                  refuse("tensor-core instructions are not supported"),
	"wmma":                 refuse("tensor-core instructions are not supported"),
	"wgmma":                refuse("tensor-core instructions are not supported"),
	"ldmatrix":             refuse("tensor-core instructions are not supported"),
	"stmatrix":             refuse("tensor-core instructions are not supported"),
	"movmatrix":            refuse("tensor-core instructions are not supported"),
	"tcgen05":              refuse("tensor-core instructions are not supported"),
	"cp.async.bulk":        refuse("bulk asynchronous copies (TMA) are not supported"),
	"cp.reduce":            refuse("bulk asynchronous copies (TMA) are not supported"),
	"tensormap":            refuse("tensor maps are not supported"),
	"mbarrier":             refuse("mbarrier objects are not supported"),
	"griddepcontrol":       refuse("programmatic dependent launch (griddepcontrol) is not supported"),
	"multimem":             refuse("multimem (NVLink multicast) is not supported"),
	"clusterlaunchcontrol": refuse("cluster launch control is not supported"),
	"getctarank":           refuse("thread block clusters are not supported"),
	"mapa":                 refuse("thread block clusters are not supported"),
	"setmaxnreg":           refuse("setmaxnreg is not supported"),
	"stacksave":            refuse("stacksave/stackrestore are not supported"),
	"stackrestore":         refuse("stacksave/stackrestore are not supported"),
	"alloca":               refuse("alloca is not supported"),
	"st.async":             refuse("st.async (clusters) is not supported"),
	"red.async":            refuse("red.async (clusters) is not supported"),
	"vabsdiff":             refuse("video instructions are not supported"), "vadd": refuse("video instructions are not supported"),
	"vsub": refuse("video instructions are not supported"), "vmad": refuse("video instructions are not supported"),
	"vmin": refuse("video instructions are not supported"), "vmax": refuse("video instructions are not supported"),
	"vset": refuse("video instructions are not supported"), "vshl": refuse("video instructions are not supported"),
	"vshr":  refuse("video instructions are not supported"),
	"vadd2": refuse("video instructions are not supported"), "vadd4": refuse("video instructions are not supported"),
	"vsub2": refuse("video instructions are not supported"), "vsub4": refuse("video instructions are not supported"),
	"vavrg2": refuse("video instructions are not supported"), "vavrg4": refuse("video instructions are not supported"),
	"vabsdiff2": refuse("video instructions are not supported"), "vabsdiff4": refuse("video instructions are not supported"),
	"vmin2": refuse("video instructions are not supported"), "vmin4": refuse("video instructions are not supported"),
	"vmax2": refuse("video instructions are not supported"), "vmax4": refuse("video instructions are not supported"),
	"vset2": refuse("video instructions are not supported"), "vset4": refuse("video instructions are not supported"),
}

// compound operations whose name spans several dotted parts, longest first.
var compoundOps = []string{
	"cp.async.bulk", "cp.async.commit_group", "cp.async.wait_group", "cp.async.wait_all", "cp.async",
	"cp.reduce", "bar.warp", "fence.proxy", "st.async", "red.async",
}

// decodeOpcode splits text into the base op and its modifiers and fills
// in the Inst's decoded fields. It returns an error message, or "" (and
// unsupported=true when the operation is refused on purpose).
func decodeOpcode(in *Inst, text string) (msg string, unsupported bool) {
	in.Text = text
	parts := strings.Split(text, ".")
	op := parts[0]
	rest := parts[1:]
	for _, c := range compoundOps {
		cp := strings.Split(c, ".")
		if len(parts) >= len(cp) && strings.Join(parts[:len(cp)], ".") == c {
			op, rest = c, parts[len(cp):]
			break
		}
	}
	in.Op = op
	in.Mods = rest
	sp, ok := opSpecs[op]
	if !ok {
		return "unknown instruction '" + text + "'", false
	}
	if sp.unsupported != "" {
		return "instruction '" + text + "': " + sp.unsupported, true
	}
	in.Vec = 1
	for _, m := range rest {
		if t := ParseType(m); t != TypeNone {
			in.Types = append(in.Types, t)
			continue
		}
		found := false
		for _, g := range sp.groups {
			if set, ok := g[m]; ok {
				if set != nil {
					set(in)
				}
				found = true
				break
			}
		}
		if !found && (strings.HasPrefix(m, "L1::") || strings.HasPrefix(m, "L2::")) && (op == "ld" || op == "st" || op == "ldu" || op == "cp.async" || op == "prefetch") {
			if m == "L2::cache_hint" {
				in.Flags |= FlagL2
			}
			found = true
		}
		if !found {
			return "unknown modifier ." + m + " for instruction '" + text + "'", false
		}
	}
	if len(in.Types) < sp.minT || len(in.Types) > sp.maxT {
		switch {
		case sp.minT == sp.maxT && sp.minT == 0:
			return "instruction '" + text + "' takes no type", false
		case sp.minT == sp.maxT && sp.minT == 1:
			return "instruction '" + text + "' needs one type", false
		case sp.minT == sp.maxT:
			return "instruction '" + text + "' needs two types", false
		}
		return "instruction '" + text + "': wrong number of types", false
	}
	return "", false
}

// refusedOp reports whether an opcode belongs to a refused family.
func refusedOp(text string) bool {
	var in Inst
	_, unsupported := decodeOpcode(&in, text)
	return unsupported
}
