package ptx

import (
	"fmt"
	"strconv"
	"strings"
)

// ISA versions. ptxas refuses an instruction form introduced after the
// module's .version ("Feature 'max.u16x2' requires PTX ISA .version 8.0 or
// later"), so a module the CPU or Vulkan translator accepted would not load
// on an NVIDIA GPU. The checker refuses it the same way, for the forms in
// isaRules: each is an instruction form and the PTX ISA version that
// introduced it, from the "PTX ISA Notes" of the instruction's section of
// the PTX ISA (version 8.x). Forms not listed are not checked: a missing
// rule lets a module through that ptxas refuses, never the reverse. Target
// requirements (".target sm_90") are not checked; the translators do not
// depend on them.

// isaRule is one instruction form and the version that introduced it.
type isaRule struct {
	op      string
	version int // 10*major + minor
	form    string
	match   func(in *Inst) bool // nil: every form of op
}

func anyType(in *Inst, ts ...Type) bool {
	for _, t := range in.Types {
		for _, u := range ts {
			if t == u {
				return true
			}
		}
	}
	return false
}

func isHalf(in *Inst) bool { return anyType(in, F16, F16x2, BF16, BF16x2) }
func isBF16(in *Inst) bool { return anyType(in, BF16, BF16x2) }
func is64(in *Inst) bool   { return anyType(in, B64, U64, S64) }
func hasMod(in *Inst, m string) bool {
	for _, x := range in.Mods {
		if x == m {
			return true
		}
	}
	return false
}
func flag(f Flags) func(*Inst) bool { return func(in *Inst) bool { return in.Has(f) } }
func types(ts ...Type) func(*Inst) bool {
	return func(in *Inst) bool { return anyType(in, ts...) }
}

// cvtBF16Other matches cvt between .bf16 and a type other than .f32
// (cvt.bf16.f32 and cvt.f32.bf16 came earlier).
func cvtBF16Other(in *Inst) bool {
	if len(in.Types) != 2 {
		return false
	}
	d, s := in.Types[0], in.Types[1]
	return (d == BF16 && s != F32) || (s == BF16 && d != F32)
}

var isaRules = []isaRule{
	// Integer arithmetic.
	{"add", 80, "add.u16x2/.s16x2", types(U16x2, S16x2)},
	{"min", 80, "min.u16x2/.s16x2", types(U16x2, S16x2)},
	{"max", 80, "max.u16x2/.s16x2", types(U16x2, S16x2)},
	{"min", 80, "min.relu", flag(FlagRelu)},
	{"max", 80, "max.relu", flag(FlagRelu)},
	{"bfe", 20, "bfe", nil},
	{"bfi", 20, "bfi", nil},
	{"bfind", 20, "bfind", nil},
	{"brev", 20, "brev", nil},
	{"clz", 20, "clz", nil},
	{"popc", 20, "popc", nil},
	{"dp4a", 50, "dp4a", nil},
	{"dp2a", 50, "dp2a", nil},
	{"fns", 60, "fns", nil},
	{"bmsk", 76, "bmsk", nil},
	{"szext", 76, "szext", nil},
	{"add", 43, "64-bit add.cc", func(in *Inst) bool { return in.Has(FlagCC) && is64(in) }},
	{"sub", 43, "64-bit sub.cc", func(in *Inst) bool { return in.Has(FlagCC) && is64(in) }},
	{"addc", 43, "64-bit addc", is64},
	{"subc", 43, "64-bit subc", is64},
	{"mad", 30, "mad.cc", flag(FlagCC)},
	{"mad", 43, "64-bit mad.cc", func(in *Inst) bool { return in.Has(FlagCC) && is64(in) }},
	{"madc", 30, "madc", nil},
	{"madc", 43, "64-bit madc", is64},
	// Logic and shifts.
	{"shf", 31, "shf", nil},
	{"lop3", 43, "lop3", nil},
	{"prmt", 20, "prmt", nil},
	// Floating point.
	{"min", 70, "min.NaN", flag(FlagNaN)},
	{"max", 70, "max.NaN", flag(FlagNaN)},
	{"min", 72, "min.xorsign.abs", flag(FlagXorSign)},
	{"max", 72, "max.xorsign.abs", flag(FlagXorSign)},
	{"min", 70, "min.f16/.bf16", isHalf},
	{"max", 70, "max.f16/.bf16", isHalf},
	{"copysign", 20, "copysign", nil},
	{"testp", 20, "testp", nil},
	{"tanh", 70, "tanh", nil},
	{"tanh", 78, "tanh.bf16", isBF16},
	{"ex2", 70, "ex2.f16", isHalf},
	{"ex2", 78, "ex2.bf16", isBF16},
	{"add", 42, "add.f16", isHalf},
	{"sub", 42, "sub.f16", isHalf},
	{"mul", 42, "mul.f16", isHalf},
	{"fma", 42, "fma.f16", isHalf},
	{"add", 78, "add.bf16", isBF16},
	{"sub", 78, "sub.bf16", isBF16},
	{"mul", 78, "mul.bf16", isBF16},
	{"fma", 20, "fma.f32", types(F32)},
	{"fma", 70, "fma.bf16", isBF16},
	{"fma", 70, "fma.relu", flag(FlagRelu)},
	{"fma", 81, "fma.oob", flag(FlagOOB)},
	{"abs", 65, "abs.f16", isHalf},
	{"abs", 70, "abs.bf16", isBF16},
	{"neg", 60, "neg.f16", isHalf},
	{"neg", 70, "neg.bf16", isBF16},
	// Comparison and conversion.
	{"setp", 42, "setp.f16", isHalf},
	{"setp", 78, "setp.bf16", isBF16},
	{"set", 42, "set.f16", isHalf},
	{"set", 78, "set with .bf16", isBF16},
	{"cvt", 70, "cvt.relu", flag(FlagRelu)},
	{"cvt", 70, "cvt to .f16x2/.bf16/.bf16x2/.tf32", func(in *Inst) bool {
		return len(in.Types) == 2 && (in.Types[0] == F16x2 || in.Types[0] == BF16 || in.Types[0] == BF16x2 || in.Types[0] == TF32)
	}},
	{"cvt", 78, "cvt between .bf16 and a type other than .f32", cvtBF16Other},
	{"cvt", 78, "cvt with .e4m3x2/.e5m2x2", types(E4M3x2, E5M2x2)},
	{"cvt", 81, "cvt.satfinite to .f16/.bf16/.f16x2/.bf16x2/.tf32", func(in *Inst) bool {
		return in.Has(FlagSatFinite) && !anyType(in, E4M3x2, E5M2x2)
	}},
	// Data movement.
	{"ld", 31, "ld.global.nc", flag(FlagNC)},
	{"ld", 60, "ld with a memory order or scope", func(in *Inst) bool {
		return in.Scope != ScopeNone || in.Sem == SemRelaxed || in.Sem == SemAcquire || in.Sem == SemWeak
	}},
	{"st", 60, "st with a memory order or scope", func(in *Inst) bool {
		return in.Scope != ScopeNone || in.Sem == SemRelaxed || in.Sem == SemRelease || in.Sem == SemWeak
	}},
	{"ld", 74, "ld.L2::cache_hint", flag(FlagL2)},
	{"st", 74, "st.L2::cache_hint", flag(FlagL2)},
	{"ld", 78, "ld with .cluster scope", func(in *Inst) bool { return in.Scope == ScopeCluster }},
	{"st", 78, "st with .cluster scope", func(in *Inst) bool { return in.Scope == ScopeCluster }},
	{"ld", 80, "ld.unified", flag(FlagUnified)},
	{"ld", 82, "ld.mmio", func(in *Inst) bool { return in.Sem == SemMMIO }},
	{"st", 82, "st.mmio", func(in *Inst) bool { return in.Sem == SemMMIO }},
	{"ld", 83, "ld.b128", types(B128)},
	{"st", 83, "st.b128", types(B128)},
	{"mov", 83, "mov.b128", types(B128)},
	{"ldu", 20, "ldu", nil},
	{"cvta", 20, "cvta", nil},
	{"cvta", 77, "cvta.param", func(in *Inst) bool { return in.Space == SpaceParam }},
	{"isspacep", 20, "isspacep", nil},
	{"isspacep", 77, "isspacep.param", func(in *Inst) bool { return in.Space == SpaceParam }},
	{"prefetch", 20, "prefetch", nil},
	{"prefetchu", 20, "prefetchu", nil},
	{"prefetch", 80, "prefetch.tensormap", func(in *Inst) bool { return in.Mode == "tensormap" }},
	{"createpolicy", 74, "createpolicy", nil},
	{"applypriority", 74, "applypriority", nil},
	{"discard", 74, "discard", nil},
	{"cp.async", 70, "cp.async", nil},
	{"cp.async", 74, "cp.async.L2::cache_hint", flag(FlagL2)},
	{"cp.async.commit_group", 70, "cp.async.commit_group", nil},
	{"cp.async.wait_group", 70, "cp.async.wait_group", nil},
	{"cp.async.wait_all", 70, "cp.async.wait_all", nil},
	// Control flow, synchronization and communication.
	{"brx", 60, "brx.idx", nil},
	{"nanosleep", 63, "nanosleep", nil},
	{"activemask", 62, "activemask", nil},
	{"bar.warp", 60, "bar.warp.sync", nil},
	{"barrier", 60, "barrier", nil},
	{"bar", 78, "bar.cta", func(in *Inst) bool { return hasMod(in, "cta") }},
	{"barrier", 78, "barrier.cta", func(in *Inst) bool { return hasMod(in, "cta") }},
	{"vote", 60, "vote.sync", flag(FlagSync)},
	{"shfl", 60, "shfl.sync", flag(FlagSync)},
	{"match", 60, "match.sync", nil},
	{"redux", 70, "redux.sync", nil},
	{"elect", 80, "elect.sync", nil},
	{"fence", 60, "fence", nil},
	{"fence", 78, "fence with .cluster scope", func(in *Inst) bool { return in.Scope == ScopeCluster }},
	{"fence.proxy", 75, "fence.proxy", nil},
	{"fence.proxy", 80, "fence.proxy.async", func(in *Inst) bool {
		for _, m := range in.Mods {
			if strings.HasPrefix(m, "async") {
				return true
			}
		}
		return false
	}},
	{"membar", 20, "membar.sys", func(in *Inst) bool { return in.Scope == ScopeSys }},
	{"atom", 50, "atom with a scope", func(in *Inst) bool { return in.Scope != ScopeNone }},
	{"red", 50, "red with a scope", func(in *Inst) bool { return in.Scope != ScopeNone }},
	{"atom", 60, "atom with a memory order", func(in *Inst) bool { return in.Sem != SemNone }},
	{"red", 60, "red with a memory order", func(in *Inst) bool { return in.Sem != SemNone }},
	{"atom", 50, "atom.add.f64", func(in *Inst) bool { return in.AtomOp == "add" && anyType(in, F64) }},
	{"red", 50, "red.add.f64", func(in *Inst) bool { return in.AtomOp == "add" && anyType(in, F64) }},
	{"atom", 62, "atom.add.noftz.f16x2", types(F16x2)},
	{"red", 62, "red.add.noftz.f16x2", types(F16x2)},
	{"atom", 63, "atom.f16, atom.cas.b16", types(F16, B16)},
	{"red", 63, "red.f16", types(F16)},
	{"atom", 74, "atom.L2::cache_hint", flag(FlagL2)},
	{"red", 74, "red.L2::cache_hint", flag(FlagL2)},
	{"atom", 78, "atom.bf16", isBF16},
	{"red", 78, "red.bf16", isBF16},
	{"atom", 78, "atom with .cluster scope", func(in *Inst) bool { return in.Scope == ScopeCluster }},
	{"red", 78, "red with .cluster scope", func(in *Inst) bool { return in.Scope == ScopeCluster }},
	{"atom", 81, "atom on vectors", func(in *Inst) bool { return in.Vec > 1 }},
	{"red", 81, "red on vectors", func(in *Inst) bool { return in.Vec > 1 }},
	{"atom", 83, "atom.b128", types(B128)},
}

// isaRulesByOp indexes isaRules by operation.
var isaRulesByOp = func() map[string][]*isaRule {
	m := map[string][]*isaRule{}
	for i := range isaRules {
		r := &isaRules[i]
		m[r.op] = append(m[r.op], r)
	}
	return m
}()

// parseVersion returns 10*major+minor for a .version such as "7.8", or 0.
func parseVersion(v string) int {
	maj, min, ok := strings.Cut(v, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || b < 0 || b > 9 || a < 0 {
		return 0
	}
	return 10*a + b
}

// isaVersionError returns the error ptxas gives an instruction form newer
// than the module's .version (the newest such form), or "".
func isaVersionError(in *Inst, version string) string {
	v := parseVersion(version)
	if v == 0 {
		return "" // reported as an unsupported .version
	}
	var worst *isaRule
	for _, r := range isaRulesByOp[in.Op] {
		if r.version > v && (r.match == nil || r.match(in)) && (worst == nil || r.version > worst.version) {
			worst = r
		}
	}
	if worst == nil {
		return ""
	}
	return fmt.Sprintf("'%s': %s requires PTX ISA .version %d.%d or later, and the module declares .version %s (ptxas refuses it)", in.Text, worst.form, worst.version/10, worst.version%10, version)
}
