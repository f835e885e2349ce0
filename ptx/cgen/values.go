package cgen

import (
	"fmt"

	"github.com/streamhal/streamhal/ptx"
)

// vt is the C type holding values of PTX type t: exact-width unsigned
// integers (signed arithmetic is done on unsigned types, so overflow
// wraps as in PTX), float, double, and int for predicates. Half types
// are their bits.
func vt(t ptx.Type) string {
	switch t {
	case ptx.Pred:
		return "int"
	case ptx.F32:
		return "float"
	case ptx.F64:
		return "double"
	}
	switch t.Size() {
	case 1:
		return "uint8_t"
	case 2:
		return "uint16_t"
	case 4:
		return "uint32_t"
	case 8:
		return "uint64_t"
	case 16:
		return "unsigned __int128"
	}
	return "uint32_t"
}

// sint is the signed C type of t's size.
func sint(t ptx.Type) string {
	switch t.Size() {
	case 1:
		return "int8_t"
	case 2:
		return "int16_t"
	case 4:
		return "int32_t"
	}
	return "int64_t"
}

// wideUint is the unsigned type arithmetic on t is done in: at least 32
// bits, so that uint16_t operands are not promoted to (signed) int.
func wideUint(t ptx.Type) string {
	if t.Size() == 8 {
		return "uint64_t"
	}
	return "uint32_t"
}

func bitsOf(t ptx.Type) int { return t.Size() * 8 }

// convert reinterprets or resizes a value of PTX type from as type to.
func convert(expr string, from, to ptx.Type) string {
	vf, vto := vt(from), vt(to)
	if vf == vto {
		return expr
	}
	switch {
	case to == ptx.Pred:
		return "((" + expr + ") != 0)"
	case from == ptx.Pred:
		return "(" + vto + ")(" + expr + ")"
	case vf == "float":
		if vto == "uint32_t" {
			return "shal_f2u(" + expr + ")"
		}
		if vto == "double" {
			return "shal_u2d((uint64_t)shal_f2u(" + expr + "))"
		}
		return "(" + vto + ")shal_f2u(" + expr + ")"
	case vf == "double":
		if vto == "uint64_t" {
			return "shal_d2u(" + expr + ")"
		}
		if vto == "float" {
			return "shal_u2f((uint32_t)shal_d2u(" + expr + "))"
		}
		return "(" + vto + ")shal_d2u(" + expr + ")"
	case vto == "float":
		if vf == "uint32_t" {
			return "shal_u2f(" + expr + ")"
		}
		return "shal_u2f((uint32_t)(" + expr + "))"
	case vto == "double":
		if vf == "uint64_t" {
			return "shal_u2d(" + expr + ")"
		}
		return "shal_u2d((uint64_t)(" + expr + "))"
	}
	return "(" + vto + ")(" + expr + ")"
}

// literal is an immediate of type t as C.
func literal(bits uint64, t ptx.Type) string {
	switch t {
	case ptx.Pred:
		if bits&1 != 0 {
			return "1"
		}
		return "0"
	case ptx.F32:
		return fmt.Sprintf("shal_u2f(0x%08xu)", uint32(bits))
	case ptx.F64:
		return fmt.Sprintf("shal_u2d(0x%016xull)", bits)
	}
	switch t.Size() {
	case 8:
		return fmt.Sprintf("0x%xull", bits)
	case 4:
		return fmt.Sprintf("0x%xu", uint32(bits))
	case 2:
		return fmt.Sprintf("((uint16_t)0x%x)", uint16(bits))
	case 1:
		return fmt.Sprintf("((uint8_t)0x%x)", uint8(bits))
	}
	return fmt.Sprintf("0x%xull", bits)
}

// rd is operand o read as a value of type t.
func (fe *fnEmitter) rd(o *ptx.Operand, t ptx.Type) string {
	switch o.Kind {
	case ptx.OpdReg:
		if o.Not {
			return "(!" + fe.reg(o.Reg) + ")"
		}
		e := fe.reg(o.Reg)
		// ld/st/cvt: a narrower register (or special register) value read
		// as a wider signed type is sign-extended; otherwise zero-extended.
		if t.Size() > o.Reg.Type.Size() && t.IsSigned() && o.Reg.Type.Size() > 0 && !o.Reg.Type.IsFloat() {
			return fmt.Sprintf("(%s)(%s)(%s)", vt(t), sint(o.Reg.Type), e)
		}
		return convert(e, o.Reg.Type, t)
	case ptx.OpdImm:
		return literal(o.Imm, t)
	case ptx.OpdSReg:
		return convert(fe.sreg(o), o.SReg.Type(), t)
	case ptx.OpdSym:
		return convert(fe.symValue(o), ptx.U64, t)
	}
	return "0"
}

// wr assigns expr, a value of type t, to destination o, extending into a
// wider register as ld and cvt do (sign-extension for signed types).
func (fe *fnEmitter) wr(o *ptx.Operand, t ptx.Type, expr string) {
	switch o.Kind {
	case ptx.OpdReg:
		r := o.Reg
		rt := r.Type
		switch {
		case vt(rt) == vt(t):
			fe.line("%s = %s;", fe.reg(r), expr)
		case rt.Size() > t.Size() && !rt.IsFloat() && (t.IsInt() || t.IsBit()) && t.IsSigned():
			fe.line("%s = (%s)(%s)(%s);", fe.reg(r), vt(rt), sint(t), expr)
		case rt.Size() > t.Size() && !rt.IsFloat() && t.IsFloat():
			fe.line("%s = (%s)%s;", fe.reg(r), vt(rt), convert(expr, t, t.Unsigned()))
		default:
			fe.line("%s = %s;", fe.reg(r), convert(expr, t, rt))
		}
	case ptx.OpdSink:
		fe.line("(void)(%s);", expr)
	}
}

// symValue is the value of a variable or function name used as an
// operand: the address in the variable's own state space (an offset in
// the shared or local window, a host address otherwise).
func (fe *fnEmitter) symValue(o *ptx.Operand) string {
	if o.Func != nil {
		if fe.g.a.Sync[o.Func] {
			fe.g.errorf(o.Pos, true, "the address of %s, a function with barriers or warp operations, cannot be taken", o.Func.Name)
			return "0"
		}
		if o.Func.Body == nil || o.Func.Entry {
			fe.g.errorf(o.Pos, true, "the address of %s, a kernel or undefined function, cannot be taken", o.Func.Name)
			return "0"
		}
		return fmt.Sprintf("((uint64_t)(uintptr_t)&%s + %d)", fe.g.funcName(o.Func), o.Off)
	}
	return fe.varAddr(o.Var, o.Var.Space, o.Off)
}

// varAddr is the address of v (+off) as seen from state space sp: for
// sp == v.Space, shared and local variables give window offsets; as
// generic addresses, host addresses.
func (fe *fnEmitter) varAddr(v *ptx.Var, sp ptx.Space, off int64) string {
	switch v.Space {
	case ptx.SpaceShared:
		fe.usesShared = true
		var o string
		if v.Unsized {
			o = fmt.Sprintf("(uint64_t)(SHAL_DYN_OFF + %d)", off)
		} else {
			o = fmt.Sprintf("(uint64_t)%d", fe.g.shOff[v]+off)
		}
		if sp == ptx.SpaceShared {
			return o
		}
		return fmt.Sprintf("((uint64_t)(uintptr_t)%s + %s)", fe.tsh(), o)
	case ptx.SpaceLocal:
		o := fmt.Sprintf("(uint64_t)%d", fe.localOff[v]+off)
		if sp == ptx.SpaceLocal {
			return o
		}
		return fmt.Sprintf("((uint64_t)(uintptr_t)LOC + %s)", o)
	case ptx.SpaceGlobal, ptx.SpaceConst:
		return fmt.Sprintf("((uint64_t)(uintptr_t)%s + %d)", globalName(v), off)
	case ptx.SpaceParam:
		return fmt.Sprintf("((uint64_t)(uintptr_t)%s + %d)", fe.paramBase(v), off)
	}
	return "0"
}

// paramBase is the C pointer to a .param variable's bytes.
func (fe *fnEmitter) paramBase(v *ptx.Var) string {
	for i, p := range fe.f.Params {
		if p == v {
			if fe.v != nil {
				return fmt.Sprintf("(A + %d)", p.Offset)
			}
			if fe.kernel {
				return fmt.Sprintf("(%s + %d)", fe.targs(), p.Offset)
			}
			return fmt.Sprintf("p%d", i)
		}
	}
	for i, p := range fe.f.Rets {
		if p == v {
			return fmt.Sprintf("q%d", i)
		}
	}
	if fe.sync {
		return fmt.Sprintf("F->P%d", v.ID)
	}
	return fmt.Sprintf("P%d", v.ID)
}

// hostAddr is the host address (as uint64_t) that memory operand o of an
// access in space sp refers to.
func (fe *fnEmitter) hostAddr(o *ptx.Operand, sp ptx.Space) string {
	var base string
	switch {
	case o.Reg != nil:
		base = fe.reg(o.Reg)
		if o.Reg.Type.Size() == 4 && (sp == ptx.SpaceShared || sp == ptx.SpaceLocal) {
			base = fmt.Sprintf("(uint32_t)(%s + %du)", base, uint32(o.Off))
		} else {
			base = fmt.Sprintf("((uint64_t)%s + %d)", base, o.Off)
		}
	case o.Var != nil:
		return fe.varAddrHost(o.Var, sp, o.Off)
	default:
		base = fmt.Sprintf("(uint64_t)%d", o.Off)
	}
	switch sp {
	case ptx.SpaceShared:
		fe.usesShared = true
		return fmt.Sprintf("((uint64_t)(uintptr_t)%s + %s)", fe.tsh(), base)
	case ptx.SpaceLocal:
		return fmt.Sprintf("((uint64_t)(uintptr_t)LOC + %s)", base)
	}
	return base
}

// varAddrHost is the host address of variable v (+off) accessed in space
// sp (a shared variable accessed generically is the same host address).
func (fe *fnEmitter) varAddrHost(v *ptx.Var, sp ptx.Space, off int64) string {
	switch v.Space {
	case ptx.SpaceShared, ptx.SpaceLocal:
		return fe.varAddr(v, ptx.SpaceGeneric, off)
	}
	return fe.varAddr(v, v.Space, off)
}

// sreg is the value of a special register.
func (fe *fnEmitter) sreg(o *ptx.Operand) string {
	comp := string(rune('x' + o.Comp))
	if fe.wil {
		if s, ok := fe.wilSReg(o); ok {
			return s
		}
	}
	if fe.v != nil {
		// The variants of a 1-D guard run in a loop over threadIdx.x
		// (tx) of a 1-D block.
		switch o.SReg {
		case ptx.SRegTid:
			if o.Comp == 0 {
				return "tx"
			}
			return "0u"
		case ptx.SRegLaneid:
			return "(tx & 31u)"
		case ptx.SRegWarpid:
			return "(tx >> 5)"
		case ptx.SRegLanemaskEq:
			return "(1u << (tx & 31u))"
		case ptx.SRegLanemaskLe:
			return "((2u << (tx & 31u)) - 1u)"
		case ptx.SRegLanemaskLt:
			return "((1u << (tx & 31u)) - 1u)"
		case ptx.SRegLanemaskGe:
			return "(~0u << (tx & 31u))"
		case ptx.SRegLanemaskGt:
			return "(~((2u << (tx & 31u)) - 1u))"
		}
	}
	switch o.SReg {
	case ptx.SRegTid:
		return "T->tid." + comp
	case ptx.SRegNTid:
		return "T->ntid." + comp
	case ptx.SRegCtaid, ptx.SRegClusterid:
		return "T->ctaid." + comp
	case ptx.SRegNCtaid, ptx.SRegNClusterid:
		return "T->nctaid." + comp
	case ptx.SRegLaneid:
		return "T->lane"
	case ptx.SRegWarpid:
		return "T->warp"
	case ptx.SRegNWarpid:
		return "((T->nthreads + 31) / 32)"
	case ptx.SRegSmid:
		return "T->W->index"
	case ptx.SRegNSmid:
		return "(T->W->index < 256 ? 256u : T->W->index + 1)"
	case ptx.SRegGridid:
		return "(uint64_t)(uintptr_t)T->L"
	case ptx.SRegLanemaskEq:
		return "(1u << T->lane)"
	case ptx.SRegLanemaskLe:
		return "((2u << T->lane) - 1u)"
	case ptx.SRegLanemaskLt:
		return "((1u << T->lane) - 1u)"
	case ptx.SRegLanemaskGe:
		return "(~0u << T->lane)"
	case ptx.SRegLanemaskGt:
		return "(~((2u << T->lane) - 1u))"
	case ptx.SRegClock:
		return "(uint32_t)shal_clock64()"
	case ptx.SRegClockHi:
		return "(uint32_t)(shal_clock64() >> 32)"
	case ptx.SRegClock64:
		return "shal_clock64()"
	case ptx.SRegGlobaltimer:
		return "shal_globaltimer()"
	case ptx.SRegGlobaltimerLo:
		return "(uint32_t)shal_globaltimer()"
	case ptx.SRegGlobaltimerHi:
		return "(uint32_t)(shal_globaltimer() >> 32)"
	case ptx.SRegDynamicSmemSize:
		return "T->L->shared_bytes"
	case ptx.SRegTotalSmemSize, ptx.SRegAggrSmemSize:
		return "(uint32_t)(SHAL_DYN_OFF + T->L->shared_bytes)"
	case ptx.SRegClusterCtaid:
		return "0u"
	case ptx.SRegClusterNCtaid, ptx.SRegClusterNCtarank:
		return "1u"
	case ptx.SRegEnvreg:
		// The CUDA grid workspace of a cooperative launch (checkSupport
		// refuses the other environment registers): %envreg1 holds the
		// high half of its address, %envreg2 the low half.
		if o.Comp == 1 {
			return "(uint32_t)((uint64_t)(uintptr_t)T->L->grid_workspace >> 32)"
		}
		return "(uint32_t)(uintptr_t)T->L->grid_workspace"
	}
	// %pm, %cluster_ctarank, %is_explicit_cluster, reserved
	// shared memory offsets, %current_graph_exec: zero.
	return "0"
}
