package cgen

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

var feModes = map[ptx.Rounding]string{ptx.RN: "FE_TONEAREST", ptx.RZ: "FE_TOWARDZERO", ptx.RM: "FE_DOWNWARD", ptx.RP: "FE_UPWARD",
	ptx.RNI: "FE_TONEAREST", ptx.RZI: "FE_TOWARDZERO", ptx.RMI: "FE_DOWNWARD", ptx.RPI: "FE_UPWARD"}

// directed reports a rounding other than round-to-nearest-even.
func directed(r ptx.Rounding) bool { return r == ptx.RZ || r == ptx.RM || r == ptx.RP }

// inst writes one instruction.
func (fe *fnEmitter) inst(in *ptx.Inst) {
	fe.curLine = in.Pos.Line
	fe.line("/* %d: %s */", in.Pos.Line, strings.ReplaceAll(ptx.InstString(in), "*/", "* /"))
	if in.Guard != nil {
		neg := ""
		if in.GuardNeg {
			neg = "!"
		}
		fe.line("if (%s%s) {", neg, fe.reg(in.Guard))
		fe.indent++
		fe.body(in)
		fe.indent--
		fe.line("}")
		return
	}
	fe.body(in)
}

func (fe *fnEmitter) a(in *ptx.Inst, i int) string { return fe.rd(in.Args[i], in.Type()) }

func (fe *fnEmitter) body(in *ptx.Inst) {
	t := in.Type()
	switch in.Op {
	case "add", "sub", "mul", "mad", "fma", "div", "rem", "min", "max", "abs", "neg":
		fe.arith(in, t)
	case "mul24", "mad24":
		sgn := b2s(t == ptx.S32)
		f := "shal_mul24_lo"
		if in.Mode == "hi" {
			f = "shal_mul24_hi"
		}
		e := fmt.Sprintf("%s(%s, %s, %s)", f, fe.a(in, 1), fe.a(in, 2), sgn)
		if in.Op == "mad24" {
			if in.Has(ptx.FlagSat) {
				e = fmt.Sprintf("shal_sat_s64_s32((int64_t)(int32_t)%s + (int32_t)%s)", e, fe.a(in, 3))
			} else {
				e = fmt.Sprintf("(uint32_t)(%s + %s)", e, fe.a(in, 3))
			}
		}
		fe.wr(in.Args[0], t, e)
	case "sad":
		a, b := fe.a(in, 1), fe.a(in, 2)
		lt := fmt.Sprintf("%s < %s", a, b)
		if t.IsSigned() {
			lt = fmt.Sprintf("(%s)%s < (%s)%s", sint(t), a, sint(t), b)
		}
		wu := wideUint(t)
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)((%s)%s + ((%s) ? (%s)%s - %s : (%s)%s - %s))", vt(t), wu, fe.a(in, 3), lt, wu, b, a, wu, a, b))
	case "popc", "clz":
		fe.wr(in.Args[0], ptx.U32, fmt.Sprintf("shal_%s_%d(%s)", in.Op, bitsOf(t), fe.a(in, 1)))
	case "bfind":
		fe.wr(in.Args[0], ptx.U32, fmt.Sprintf("shal_bfind_%d(%s, %s, %s)", bitsOf(t), fe.a(in, 1), b2s(t.IsSigned()), b2s(in.Has(ptx.FlagShiftAmt))))
	case "brev":
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_brev_%d(%s)", bitsOf(t), fe.a(in, 1)))
	case "bfe":
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_bfe_%d(%s, %s, %s, %s)", bitsOf(t), fe.a(in, 1), fe.rd(in.Args[2], ptx.U32), fe.rd(in.Args[3], ptx.U32), b2s(t.IsSigned())))
	case "bfi":
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_bfi_%d(%s, %s, %s, %s)", bitsOf(t), fe.a(in, 1), fe.a(in, 2), fe.rd(in.Args[3], ptx.U32), fe.rd(in.Args[4], ptx.U32)))
	case "fns":
		fe.wr(in.Args[0], ptx.B32, fmt.Sprintf("shal_fns(%s, %s, (int32_t)%s)", fe.rd(in.Args[1], ptx.B32), fe.rd(in.Args[2], ptx.U32), fe.rd(in.Args[3], ptx.S32)))
	case "bmsk":
		fe.wr(in.Args[0], ptx.B32, fmt.Sprintf("shal_bmsk(%s, %s, %s)", fe.rd(in.Args[1], ptx.U32), fe.rd(in.Args[2], ptx.U32), b2s(in.Has(ptx.FlagClamp))))
	case "szext":
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_szext(%s, %s, %s, %s)", fe.a(in, 1), fe.rd(in.Args[2], ptx.U32), b2s(t == ptx.S32), b2s(in.Has(ptx.FlagClamp))))
	case "dp4a", "dp2a":
		sa, sb := in.Types[0] == ptx.S32, in.Types[1] == ptx.S32
		dt := ptx.U32
		if sa || sb {
			dt = ptx.S32
		}
		a, b, c := fe.rd(in.Args[1], ptx.B32), fe.rd(in.Args[2], ptx.B32), fe.rd(in.Args[3], dt)
		if in.Op == "dp4a" {
			fe.wr(in.Args[0], dt, fmt.Sprintf("shal_dp4a(%s, %s, %s, %s, %s)", a, b, c, b2s(sa), b2s(sb)))
		} else {
			fe.wr(in.Args[0], dt, fmt.Sprintf("shal_dp2a(%s, %s, %s, %s, %s, %s)", a, b, c, b2s(sa), b2s(sb), b2s(in.Mode == "hi")))
		}
	case "addc", "subc", "madc":
		fe.carry(in, t)
	case "and", "or", "xor":
		op := map[string]string{"and": "&", "or": "|", "xor": "^"}[in.Op]
		if t == ptx.Pred {
			if in.Op == "xor" {
				op = "!="
			} else {
				op += op
			}
			fe.wr(in.Args[0], t, fmt.Sprintf("(%s %s %s)", fe.a(in, 1), op, fe.a(in, 2)))
			return
		}
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)(%s %s %s)", vt(t), fe.a(in, 1), op, fe.a(in, 2)))
	case "not":
		if t == ptx.Pred {
			fe.wr(in.Args[0], t, "(!"+fe.a(in, 1)+")")
			return
		}
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)~%s", vt(t), fe.a(in, 1)))
	case "cnot":
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s)(%s == 0)", vt(t), fe.a(in, 1)))
	case "lop3":
		fe.wr(in.Args[0], ptx.B32, fmt.Sprintf("shal_lop3(%s, %s, %s, %s)", fe.a(in, 1), fe.a(in, 2), fe.a(in, 3), fe.rd(in.Args[4], ptx.B32)))
	case "shf":
		fe.wr(in.Args[0], ptx.B32, fmt.Sprintf("shal_shf_%s(%s, %s, %s, %s)", in.Mode, fe.a(in, 1), fe.a(in, 2), fe.rd(in.Args[3], ptx.U32), b2s(in.Has(ptx.FlagClamp))))
	case "shl":
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_shl_%d(%s, %s)", bitsOf(t), fe.a(in, 1), fe.rd(in.Args[2], ptx.U32)))
	case "shr":
		k := "u"
		if t.IsSigned() {
			k = "s"
		}
		fe.wr(in.Args[0], t, fmt.Sprintf("shal_shr_%s%d(%s, %s)", k, bitsOf(t), fe.a(in, 1), fe.rd(in.Args[2], ptx.U32)))
	case "prmt":
		mode := map[string]int{"": 0, "f4e": 1, "b4e": 2, "rc8": 3, "ecl": 4, "ecr": 5, "rc16": 6}[in.Mode]
		fe.wr(in.Args[0], ptx.B32, fmt.Sprintf("shal_prmt(%s, %s, %s, %d)", fe.a(in, 1), fe.a(in, 2), fe.a(in, 3), mode))
	case "rcp", "sqrt", "rsqrt", "sin", "cos", "lg2", "ex2", "tanh":
		fe.unaryFloat(in, t)
	case "copysign":
		if t == ptx.F32 {
			fe.wr(in.Args[0], t, fmt.Sprintf("copysignf(%s, %s)", fe.a(in, 2), fe.a(in, 1)))
		} else {
			fe.wr(in.Args[0], t, fmt.Sprintf("copysign(%s, %s)", fe.a(in, 2), fe.a(in, 1)))
		}
	case "testp":
		which := map[string]int{"finite": 0, "infinite": 1, "number": 2, "notanumber": 3, "normal": 4, "subnormal": 5}[in.Mode]
		fe.wr(in.Args[0], ptx.Pred, fmt.Sprintf("shal_testp((double)%s, %d, %s)", fe.a(in, 1), which, b2s(t == ptx.F32)))
	case "setp":
		fe.setp(in, t)
	case "set":
		fe.set(in)
	case "selp":
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s ? %s : %s)", fe.rd(in.Args[3], ptx.Pred), fe.a(in, 1), fe.a(in, 2)))
	case "slct":
		ct := in.Types[1]
		c := fe.rd(in.Args[3], ct)
		cond := fmt.Sprintf("((int32_t)%s >= 0)", c)
		if ct == ptx.F32 {
			if in.Has(ptx.FlagFTZ) {
				c = "shal_ftz(" + c + ")"
			}
			cond = fmt.Sprintf("(%s >= 0.0f)", c)
		}
		fe.wr(in.Args[0], t, fmt.Sprintf("(%s ? %s : %s)", cond, fe.a(in, 1), fe.a(in, 2)))
	case "mov":
		fe.mov(in, t)
	case "ld", "ldu":
		fe.load(in, t)
	case "st":
		fe.store(in, t)
	case "cvt":
		fe.cvt(in)
	case "cvta":
		fe.cvta(in, t)
	case "isspacep":
		a := fe.rd(in.Args[1], ptx.U64)
		var e string
		switch in.Space {
		case ptx.SpaceShared:
			fe.usesShared = true
			e = fmt.Sprintf("(%s - (uint64_t)(uintptr_t)%s < T->shsize)", a, fe.tsh())
		case ptx.SpaceLocal:
			e = fmt.Sprintf("(%s - (uint64_t)(uintptr_t)%s < %d)", a, fe.locPtr(), fe.localSize)
		case ptx.SpaceConst:
			e = fmt.Sprintf("shal_is_const(%s)", a)
		case ptx.SpaceParam:
			e = fmt.Sprintf("(%s - (uint64_t)(uintptr_t)%s < %d)", a, fe.targs(), max(fe.f.ArgsSize, 0))
		default: // global: anything not shared or local
			fe.usesShared = true
			e = fmt.Sprintf("!(%s - (uint64_t)(uintptr_t)%s < T->shsize || %s - (uint64_t)(uintptr_t)%s < %d)", a, fe.tsh(), a, fe.locPtr(), fe.localSize)
		}
		fe.wr(in.Args[0], ptx.Pred, e)
	case "prefetch", "prefetchu", "applypriority", "discard", "pmevent", "nanosleep", "nop",
		"cp.async.commit_group", "cp.async.wait_group", "cp.async.wait_all", "fence.proxy":
		// No effect on the CPU: caches are coherent, cp.async copies are
		// synchronous, and a nanosleep yields nothing useful here.
	case "createpolicy":
		fe.wr(in.Args[0], ptx.B64, "0")
	case "membar", "fence":
		if in.Scope == ptx.ScopeCTA {
			// One OS thread runs a whole block: ordering within it only
			// needs the compiler not to reorder.
			fe.line("__atomic_signal_fence(__ATOMIC_SEQ_CST);")
		} else if in.Sem == ptx.SemAcqRel || in.Sem == ptx.SemAcquire || in.Sem == ptx.SemRelease {
			fe.line("__atomic_thread_fence(__ATOMIC_ACQ_REL);")
		} else {
			fe.line("__atomic_thread_fence(__ATOMIC_SEQ_CST);")
		}
	case "bra":
		fe.line("goto %s;", fe.labelName[in.Args[0].Label])
	case "brx":
		fe.line("switch (%s) {", fe.rd(in.Args[0], ptx.U32))
		for i, l := range in.Args[1].Table.Labels {
			fe.line("  case %d: goto %s;", i, fe.labelName[l])
		}
		fe.line("  default: shal_fault(T, SHAL_FAULT_TRAP, %d, \"brx.idx index out of range\"); %s", in.Pos.Line, fe.faultExit())
		fe.line("}")
	case "call":
		fe.call(in)
	case "ret":
		if fe.kernel {
			fe.line("%s", fe.exitCode())
		} else {
			fe.line("return;")
		}
	case "exit":
		fe.line("%s", fe.exitCode())
	case "trap", "brkpt":
		where := fmt.Sprintf("%s at PTX line %d", in.Op, in.Pos.Line)
		if in.Loc.Line > 0 {
			if file, ok := fe.g.m.Files[in.Loc.File]; ok {
				where += fmt.Sprintf(" (%s:%d)", file, in.Loc.Line)
			}
		}
		fe.line("shal_fault(T, SHAL_FAULT_TRAP, %d, %s);", in.Pos.Line, cString(where))
		fe.line("%s", fe.faultExit())
	case "bar", "barrier", "bar.warp", "shfl", "vote", "match", "redux", "activemask", "elect":
		fe.syncOp(in, t)
	case "atom", "red":
		fe.atom(in, t)
	case "cp.async":
		fe.cpAsync(in)
	default:
		fe.errorf(in, true, "not supported by the CPU translator")
	}
}

func (fe *fnEmitter) locPtr() string { return "LOC" }

func b2s(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
