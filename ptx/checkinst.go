package ptx

import "fmt"

// inst checks one instruction and returns it (nil if it cannot be used).
func (c *checker) inst(a *astInst) *Inst {
	in := &Inst{Pos: a.pos, Loc: a.loc, Vec: 1}
	if msg, unsupported := decodeOpcode(in, a.opcode); msg != "" {
		c.e.add(a.pos, unsupported, "%s", msg)
		return nil
	}
	if a.guard != "" {
		r := c.lookupReg(a.guard)
		switch {
		case r == nil:
			c.errorf(a.guardPos, "undefined predicate %s", a.guard)
		case r.Type != Pred:
			c.errorf(a.guardPos, "guard %s is a .%s register, not a predicate", a.guard, r.Type)
		default:
			in.Guard, in.GuardNeg = r, a.guardNeg
		}
	}
	in.Args = make([]*Operand, len(a.operands))
	for i, op := range a.operands {
		if op.kind == aPipe && i == 0 {
			in.Args[0] = c.resolve(op.elems[0])
			in.Dst2 = c.resolve(op.elems[1])
			continue
		}
		in.Args[i] = c.resolve(op)
	}
	before := len(c.e.list)
	c.checkOperands(in)
	if msg := isaVersionError(in, c.f.version); msg != "" {
		c.errorf(in.Pos, "%s", msg)
	}
	if len(c.e.list) > before {
		return nil
	}
	return in
}

func (c *checker) opErr(in *Inst, o *Operand, format string, args ...any) {
	pos := in.Pos
	if o != nil && o.Pos.Line > 0 {
		pos = o.Pos
	}
	c.errorf(pos, "'%s': %s", in.Text, fmt.Sprintf(format, args...))
}

// nargs checks the operand count.
func (c *checker) nargs(in *Inst, min, max int) bool {
	if n := len(in.Args); n < min || n > max {
		if min == max {
			c.opErr(in, nil, "expects %d operands, found %d", min, n)
		} else {
			c.opErr(in, nil, "expects %d to %d operands, found %d", min, max, n)
		}
		return false
	}
	return true
}

func (c *checker) noDst2(in *Inst) {
	if in.Dst2 != nil {
		c.opErr(in, in.Dst2, "takes no second destination")
	}
}

// regAgrees reports whether a register of type r may be used for an
// operand of instruction type t; relaxed allows the wider registers that
// ld, st and cvt accept.
func regAgrees(t, r Type, relaxed bool) bool {
	if t == Pred || r == Pred {
		return t == r
	}
	if Agrees(t, r) {
		return true
	}
	if relaxed && r.Size() > t.Size() && (r.IsBit() || r.IsInt()) && !t.IsPacked() {
		return true
	}
	// f16/bf16 values live in .b16 (or .f16) registers, pairs in .b32.
	if (t == F16 || t == BF16) && (r == F16 || r == BF16 || r == B16) {
		return true
	}
	if relaxed && (t == F16 || t == BF16) && r.Size() > 2 && r.IsBit() {
		return true
	}
	if (t == F16x2 || t == BF16x2) && (r == F16x2 || r == BF16x2 || r.IsBit() || r.IsInt()) && r.Size() == 4 {
		return true
	}
	return false
}

func (c *checker) dst(in *Inst, o *Operand, t Type, relaxed, sinkOK bool) {
	switch o.Kind {
	case OpdReg:
		if o.Not {
			c.opErr(in, o, "'!' is not allowed on a destination")
		} else if !regAgrees(t, o.Reg.Type, relaxed) {
			c.opErr(in, o, "destination %s of type .%s does not agree with .%s", o.Reg.Name, o.Reg.Type, t)
		}
	case OpdSink:
		if !sinkOK {
			c.opErr(in, o, "'_' is not allowed here")
		}
	default:
		c.opErr(in, o, "destination must be a register")
	}
}

func (c *checker) src(in *Inst, o *Operand, t Type, relaxed bool) {
	switch o.Kind {
	case OpdReg:
		if o.Not && t != Pred {
			c.opErr(in, o, "'!' applies only to predicates")
		} else if !regAgrees(t, o.Reg.Type, relaxed) {
			c.opErr(in, o, "register %s of type .%s does not agree with .%s", o.Reg.Name, o.Reg.Type, t)
		}
	case OpdImm:
		if !convertImm(o, t) {
			c.opErr(in, o, "constant cannot be used as .%s", t)
		}
	case OpdSReg:
		st := o.SReg.Type()
		if !regAgrees(t, st, relaxed) && !(relaxed && st.Size() < t.Size() && (t.IsInt() || t.IsBit())) {
			c.opErr(in, o, "special register %s of type .%s does not agree with .%s", o.SReg, st, t)
		}
	case OpdSym:
		ok := (t.IsInt() || t.IsBit()) && t.Size() == 8
		if o.Var != nil && (o.Var.Space == SpaceShared || o.Var.Space == SpaceLocal) && (t.IsInt() || t.IsBit()) && t.Size() == 4 {
			ok = true // 32-bit shared/local window offsets
		}
		if !ok {
			c.opErr(in, o, "an address cannot be used as .%s", t)
		}
	case OpdLabel:
		c.opErr(in, o, "label %s used as a value", o.Label.Name)
	default:
		c.opErr(in, o, "expected a register or constant")
	}
}

func (c *checker) pred(in *Inst, o *Operand, isDst bool, allowNot bool) {
	if isDst {
		c.dst(in, o, Pred, false, false)
		return
	}
	if o.Not && !allowNot {
		c.opErr(in, o, "'!' is not allowed here")
	}
	c.src(in, o, Pred, false)
}

func (c *checker) addr(in *Inst, o *Operand) {
	if o.Kind != OpdAddr {
		c.opErr(in, o, "expected an address [...]")
		return
	}
	if o.Reg != nil {
		if s := o.Reg.Type.Size(); s != 8 && s != 4 {
			c.opErr(in, o, "address register %s must be 32 or 64 bits", o.Reg.Name)
		}
		if o.Reg.Type.IsFloat() {
			c.opErr(in, o, "address register %s is a float", o.Reg.Name)
		}
	}
}

func (c *checker) label(in *Inst, o *Operand) {
	if o.Kind != OpdLabel {
		c.opErr(in, o, "expected a label")
	}
}

// wide returns the double-width type of a 16/32-bit integer type.
func wide(t Type) Type {
	switch t {
	case U16:
		return U32
	case S16:
		return S32
	case U32:
		return U64
	case S32:
		return S64
	case B16:
		return B32
	case B32:
		return B64
	}
	return TypeNone
}

func isIntOrBit(t Type) bool { return t.IsInt() || t.IsBit() }

func (c *checker) needType(in *Inst, ok bool) bool {
	if !ok {
		c.opErr(in, nil, "type .%s is not allowed", in.Type())
	}
	return ok
}

func isF(t Type) bool { return t == F32 || t == F64 }
func isH(t Type) bool { return t == F16 || t == F16x2 || t == BF16 || t == BF16x2 }
func isI(t Type) bool { return t.IsInt() }

// checkOperands checks the instruction's operands against its type.
func (c *checker) checkOperands(in *Inst) {
	a := in.Args
	t := in.Type()
	if in.Op != "setp" && in.Op != "shfl" && in.Op != "match" && in.Op != "elect" {
		c.noDst2(in)
	}
	if in.Rnd != RoundNone && in.Op != "cvt" {
		if in.Rnd.IsInt() || in.Rnd == RNA || in.Rnd == RS {
			c.opErr(in, nil, "rounding .%s is only allowed on cvt", in.Rnd)
			return
		}
	}
	switch in.Op {
	case "add", "sub":
		if !c.needType(in, isI(t) || isF(t) || isH(t) || t == U16x2 || t == S16x2) || !c.nargs(in, 3, 3) {
			return
		}
		if in.Has(FlagCC) && !(isI(t) && t.Size() >= 4) {
			c.opErr(in, nil, ".cc needs a 32- or 64-bit integer type")
		}
		if in.Has(FlagSat) && isI(t) && t != S32 {
			c.opErr(in, nil, ".sat on integers needs .s32")
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
	case "mul", "mad":
		n := 3
		if in.Op == "mad" {
			n = 4
		}
		if !c.needType(in, isI(t) || isF(t) || isH(t)) || !c.nargs(in, n, n) {
			return
		}
		dt := t
		if isI(t) {
			switch in.Mode {
			case "":
				c.opErr(in, nil, "integer %s needs .lo, .hi or .wide", in.Op)
				return
			case "wide":
				if dt = wide(t); dt == TypeNone {
					c.opErr(in, nil, ".wide needs a 16- or 32-bit type")
					return
				}
			}
			if in.Has(FlagSat) && !(in.Op == "mad" && in.Mode == "hi" && t == S32) {
				c.opErr(in, nil, ".sat is only allowed on mad.hi.sat.s32")
			}
		} else if in.Mode != "" {
			c.opErr(in, nil, ".%s is for integer types", in.Mode)
		}
		c.dst(in, a[0], dt, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
		if n == 4 {
			c.src(in, a[3], dt, false)
		}
	case "fma":
		if !c.needType(in, isF(t) || isH(t)) || !c.nargs(in, 4, 4) {
			return
		}
		if in.Rnd == RoundNone {
			c.opErr(in, nil, "fma needs a rounding modifier")
		}
		for i, o := range a {
			if i == 0 {
				c.dst(in, o, t, false, false)
			} else {
				c.src(in, o, t, false)
			}
		}
	case "mul24", "mad24":
		n := 3
		if in.Op == "mad24" {
			n = 4
		}
		if !c.needType(in, t == U32 || t == S32) || !c.nargs(in, n, n) {
			return
		}
		if in.Mode == "" {
			c.opErr(in, nil, "%s needs .lo or .hi", in.Op)
		}
		c.dst(in, a[0], t, false, false)
		for _, o := range a[1:] {
			c.src(in, o, t, false)
		}
	case "sad":
		if !c.needType(in, isI(t)) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], t, false, false)
		for _, o := range a[1:] {
			c.src(in, o, t, false)
		}
	case "div":
		if !c.needType(in, isI(t) || isF(t)) || !c.nargs(in, 3, 3) {
			return
		}
		if t == F32 && in.Rnd == RoundNone && !in.Has(FlagApprox) && !in.Has(FlagFull) {
			c.opErr(in, nil, "div.f32 needs .approx, .full or a rounding modifier")
		}
		if t == F64 && in.Rnd == RoundNone {
			c.opErr(in, nil, "div.f64 needs a rounding modifier")
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
	case "rem":
		if !c.needType(in, isI(t)) || !c.nargs(in, 3, 3) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
	case "abs", "neg":
		if !c.needType(in, (isI(t) && !t.IsUnsigned()) || isF(t) || isH(t)) || !c.nargs(in, 2, 2) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
	case "min", "max":
		if !c.needType(in, isI(t) || isF(t) || isH(t) || t == U16x2 || t == S16x2) || !c.nargs(in, 3, 4) {
			return
		}
		c.dst(in, a[0], t, false, false)
		for _, o := range a[1:] {
			c.src(in, o, t, false)
		}
	case "popc", "clz", "bfind":
		if !c.needType(in, t == B32 || t == B64 || (in.Op == "bfind" && (t == U32 || t == U64 || t == S32 || t == S64))) || !c.nargs(in, 2, 2) {
			return
		}
		c.dst(in, a[0], U32, false, false)
		c.src(in, a[1], t, false)
	case "brev", "not", "cnot":
		if !c.needType(in, isIntOrBit(t) || (in.Op == "not" && t == Pred)) || !c.nargs(in, 2, 2) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
	case "bfe":
		if !c.needType(in, t == U32 || t == U64 || t == S32 || t == S64) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], U32, false)
		c.src(in, a[3], U32, false)
	case "bfi":
		if !c.needType(in, t == B32 || t == B64) || !c.nargs(in, 5, 5) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
		c.src(in, a[3], U32, false)
		c.src(in, a[4], U32, false)
	case "fns":
		if !c.needType(in, t == B32) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], B32, false, false)
		c.src(in, a[1], B32, false)
		c.src(in, a[2], U32, false)
		c.src(in, a[3], S32, false)
	case "bmsk":
		if !c.needType(in, t == B32) || !c.nargs(in, 3, 3) {
			return
		}
		if !in.Has(FlagClamp) && !in.Has(FlagWrap) {
			c.opErr(in, nil, "bmsk needs .clamp or .wrap")
		}
		c.dst(in, a[0], B32, false, false)
		c.src(in, a[1], U32, false)
		c.src(in, a[2], U32, false)
	case "szext":
		if !c.needType(in, t == U32 || t == S32) || !c.nargs(in, 3, 3) {
			return
		}
		if !in.Has(FlagClamp) && !in.Has(FlagWrap) {
			c.opErr(in, nil, "szext needs .clamp or .wrap")
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], U32, false)
	case "dp4a", "dp2a":
		t2 := in.Types[1]
		if !c.needType(in, (t == U32 || t == S32) && (t2 == U32 || t2 == S32)) || !c.nargs(in, 4, 4) {
			return
		}
		if in.Op == "dp2a" && in.Mode == "" {
			c.opErr(in, nil, "dp2a needs .lo or .hi")
		}
		dt := U32
		if t == S32 || t2 == S32 {
			dt = S32
		}
		c.dst(in, a[0], dt, false, false)
		c.src(in, a[1], B32, false)
		c.src(in, a[2], B32, false)
		c.src(in, a[3], dt, false)
	case "addc", "subc", "madc":
		n := 3
		if in.Op == "madc" {
			n = 4
			if in.Mode == "" {
				c.opErr(in, nil, "madc needs .lo or .hi")
			}
		}
		if !c.needType(in, isI(t) && t.Size() >= 4) || !c.nargs(in, n, n) {
			return
		}
		c.dst(in, a[0], t, false, false)
		for _, o := range a[1:] {
			c.src(in, o, t, false)
		}
	case "and", "or", "xor":
		if !c.needType(in, isIntOrBit(t) || t == Pred) || !c.nargs(in, 3, 3) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
	case "lop3":
		if !c.needType(in, t == B32) || !c.nargs(in, 5, 5) {
			return
		}
		c.dst(in, a[0], B32, false, false)
		for _, o := range a[1:4] {
			c.src(in, o, B32, false)
		}
		if a[4].Kind != OpdImm || a[4].Imm > 255 {
			c.opErr(in, a[4], "the lookup table must be a constant 0..255")
		}
		convertImm(a[4], B32)
	case "shf":
		if !c.needType(in, t == B32) || !c.nargs(in, 4, 4) {
			return
		}
		if in.Mode == "" || (!in.Has(FlagWrap) && !in.Has(FlagClamp)) {
			c.opErr(in, nil, "shf needs .l or .r and .wrap or .clamp")
		}
		c.dst(in, a[0], B32, false, false)
		c.src(in, a[1], B32, false)
		c.src(in, a[2], B32, false)
		c.src(in, a[3], U32, false)
	case "shl", "shr":
		if !c.needType(in, isIntOrBit(t) && (in.Op == "shr" || !t.IsSigned() || true)) || !c.nargs(in, 3, 3) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], U32, false)
	case "prmt":
		if !c.needType(in, t == B32) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], B32, false, false)
		for _, o := range a[1:] {
			c.src(in, o, B32, false)
		}
	case "rcp", "sqrt", "rsqrt", "sin", "cos", "lg2", "ex2", "tanh":
		if !c.nargs(in, 2, 2) {
			return
		}
		switch in.Op {
		case "rcp", "sqrt":
			if !c.needType(in, isF(t)) {
				return
			}
			if !in.Has(FlagApprox) && in.Rnd == RoundNone {
				c.opErr(in, nil, "%s needs .approx or a rounding modifier", in.Op)
			}
		case "rsqrt":
			if !c.needType(in, isF(t)) {
				return
			}
		case "ex2", "tanh":
			if !c.needType(in, t == F32 || isH(t)) {
				return
			}
		default:
			if !c.needType(in, t == F32) {
				return
			}
		}
		if (in.Op != "rcp" && in.Op != "sqrt") && !in.Has(FlagApprox) {
			c.opErr(in, nil, "%s needs .approx", in.Op)
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
	case "copysign":
		if !c.needType(in, isF(t)) || !c.nargs(in, 3, 3) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
	case "testp":
		if !c.needType(in, isF(t)) || !c.nargs(in, 2, 2) {
			return
		}
		if in.Mode == "" {
			c.opErr(in, nil, "testp needs a test (.finite, .infinite, .number, .notanumber, .normal, .subnormal)")
		}
		c.pred(in, a[0], true, false)
		c.src(in, a[1], t, false)
	case "setp":
		if !c.needType(in, isIntOrBit(t) || isF(t) || isH(t)) || !c.nargs(in, 3, 4) {
			return
		}
		c.checkCmp(in, t)
		c.pred(in, a[0], true, false)
		if in.Dst2 != nil {
			c.pred(in, in.Dst2, true, false)
		}
		dt := t
		if t == F16x2 || t == BF16x2 {
			if in.Dst2 == nil {
				c.opErr(in, nil, "setp.%s needs two destinations p|q", t)
			}
		} else if in.Dst2 != nil && in.BoolOp == "" {
			// p|q without a boolean op: q is !p.
		}
		c.src(in, a[1], dt, false)
		c.src(in, a[2], dt, false)
		if len(a) == 4 {
			if in.BoolOp == "" {
				c.opErr(in, a[3], "a third source needs .and, .or or .xor")
			}
			c.pred(in, a[3], false, true)
		} else if in.BoolOp != "" {
			c.opErr(in, nil, ".%s needs a predicate operand", in.BoolOp)
		}
	case "set":
		st := in.Types[1]
		if !c.needType(in, (t == U32 || t == S32 || t == F32 || t == B32 || isH(t)) && (isIntOrBit(st) || isF(st) || isH(st))) || !c.nargs(in, 3, 4) {
			return
		}
		c.checkCmp(in, st)
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], st, false)
		c.src(in, a[2], st, false)
		if len(a) == 4 {
			if in.BoolOp == "" {
				c.opErr(in, a[3], "a third source needs .and, .or or .xor")
			}
			c.pred(in, a[3], false, true)
		}
	case "selp":
		if !c.needType(in, isIntOrBit(t) || isF(t) || isH(t)) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
		c.pred(in, a[3], false, true)
	case "slct":
		ct := in.Types[1]
		if !c.needType(in, (isIntOrBit(t) || isF(t)) && (ct == S32 || ct == F32)) || !c.nargs(in, 4, 4) {
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], t, false)
		c.src(in, a[3], ct, false)
	case "mov":
		c.checkMov(in, t)
	case "ld", "ldu", "st":
		c.checkLdSt(in, t)
	case "cvt":
		c.checkCvt(in)
	case "cvta":
		if !c.needType(in, t == U32 || t == U64 || t == B64 || t == B32) || !c.nargs(in, 2, 2) {
			return
		}
		switch in.Space {
		case SpaceGlobal, SpaceShared, SpaceLocal, SpaceConst, SpaceParam:
		default:
			c.opErr(in, nil, "cvta needs a state space (.global, .shared, .local, .const, .param)")
			return
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
	case "isspacep":
		if !c.nargs(in, 2, 2) {
			return
		}
		if in.Space == SpaceGeneric {
			c.opErr(in, nil, "isspacep needs a state space")
		}
		c.pred(in, a[0], true, false)
		c.src(in, a[1], U64, false)
	case "prefetch", "prefetchu":
		if c.nargs(in, 1, 1) {
			c.addr(in, a[0])
		}
	case "applypriority", "discard":
		if c.nargs(in, 2, 2) {
			c.addr(in, a[0])
			c.src(in, a[1], U64, false)
		}
	case "createpolicy":
		if c.nargs(in, 2, 5) {
			c.dst(in, a[0], B64, false, false)
		}
	case "bra":
		if c.nargs(in, 1, 1) {
			c.label(in, a[0])
		}
	case "brx":
		if in.Mode != "idx" {
			c.opErr(in, nil, "brx needs .idx")
			return
		}
		if c.nargs(in, 2, 2) {
			c.src(in, a[0], U32, false)
			if a[1].Kind != OpdTable {
				c.opErr(in, a[1], "expected a .branchtargets label")
			}
		}
	case "call":
		c.checkCall(in)
	case "ret", "exit", "trap", "brkpt":
		c.nargs(in, 0, 0)
	case "nanosleep":
		if c.needType(in, t == U32) && c.nargs(in, 1, 1) {
			c.src(in, a[0], U32, false)
		}
	case "pmevent":
		if c.nargs(in, 1, 1) && a[0].Kind != OpdImm {
			c.opErr(in, a[0], "expected a constant")
		}
	case "bar", "barrier":
		c.checkBar(in)
	case "bar.warp":
		if !in.Has(FlagSync) {
			c.opErr(in, nil, "expected bar.warp.sync")
			return
		}
		if c.nargs(in, 1, 1) {
			c.src(in, a[0], B32, false)
		}
	case "membar", "fence":
		c.nargs(in, 0, 0)
		if in.Op == "membar" && in.Scope == ScopeNone {
			c.opErr(in, nil, "membar needs .cta, .gl or .sys")
		}
		if in.Scope == ScopeCluster && in.Op == "fence" {
			// A cluster of one block: as strong as .cta here.
			in.Scope = ScopeCTA
		}
	case "fence.proxy":
		c.nargs(in, 0, 2)
	case "atom", "red":
		c.checkAtom(in, t)
	case "vote":
		c.checkVote(in, t)
	case "match":
		if !c.needType(in, t == B32 || t == B64) || !c.needSync(in) || !c.nargs(in, 3, 3) {
			return
		}
		if in.Mode == "" {
			c.opErr(in, nil, "match needs .any or .all")
		}
		c.dst(in, a[0], B32, false, false)
		if in.Dst2 != nil {
			if in.Mode != "all" {
				c.opErr(in, in.Dst2, "only match.all has a predicate destination")
			}
			c.pred(in, in.Dst2, true, false)
		}
		c.src(in, a[1], t, false)
		c.src(in, a[2], B32, false)
	case "redux":
		if !c.needSync(in) || !c.nargs(in, 3, 3) {
			return
		}
		switch in.AtomOp {
		case "add", "min", "max":
			c.needType(in, t == U32 || t == S32 || (t == F32 && in.AtomOp != "add"))
		case "and", "or", "xor":
			c.needType(in, t == B32)
		default:
			c.opErr(in, nil, "redux needs .add, .min, .max, .and, .or or .xor")
		}
		c.dst(in, a[0], t, false, false)
		c.src(in, a[1], t, false)
		c.src(in, a[2], B32, false)
	case "activemask":
		if c.needType(in, t == B32) && c.nargs(in, 1, 1) {
			c.dst(in, a[0], B32, false, false)
		}
	case "shfl":
		if !c.needType(in, t == B32) {
			return
		}
		if in.Mode == "" {
			c.opErr(in, nil, "shfl needs .up, .down, .bfly or .idx")
			return
		}
		n := 4
		if in.Has(FlagSync) {
			n = 5
		}
		if !c.nargs(in, n, n) {
			return
		}
		c.dst(in, a[0], B32, false, false)
		if in.Dst2 != nil {
			c.pred(in, in.Dst2, true, false)
		}
		for _, o := range a[1:] {
			c.src(in, o, B32, false)
		}
	case "elect":
		if !c.needSync(in) || !c.nargs(in, 2, 2) {
			return
		}
		c.dst(in, a[0], B32, false, true)
		if in.Dst2 != nil {
			c.pred(in, in.Dst2, true, false)
		}
		c.src(in, a[1], B32, false)
	case "cp.async":
		if !c.nargs(in, 3, 5) {
			return
		}
		c.addr(in, a[0])
		c.addr(in, a[1])
		if a[2].Kind != OpdImm || (a[2].Imm != 4 && a[2].Imm != 8 && a[2].Imm != 16) {
			c.opErr(in, a[2], "the copy size must be 4, 8 or 16")
		} else {
			convertImm(a[2], U32)
		}
		if len(a) >= 4 {
			if a[3].Kind == OpdReg && a[3].Reg.Type == Pred {
				c.pred(in, a[3], false, true) // ignore-src predicate
			} else if !(in.Has(FlagL2) && len(a) == 4) {
				c.src(in, a[3], U32, false) // src-size
			}
		}
	case "cp.async.commit_group", "cp.async.wait_all":
		c.nargs(in, 0, 0)
	case "cp.async.wait_group":
		if c.nargs(in, 1, 1) && a[0].Kind != OpdImm {
			c.opErr(in, a[0], "expected a constant")
		}
	default:
		c.opErr(in, nil, "instruction not handled")
	}
}

func (c *checker) needSync(in *Inst) bool {
	if !in.Has(FlagSync) {
		c.opErr(in, nil, "%s needs .sync", in.Op)
		return false
	}
	return true
}

func (c *checker) checkCmp(in *Inst, t Type) {
	switch in.Cmp {
	case CmpNone:
		c.opErr(in, nil, "needs a comparison (.eq, .lt, ...)")
	case LO, LS, HI, HS:
		if !isIntOrBit(t) {
			c.opErr(in, nil, ".%s compares unsigned integers", in.Cmp)
		}
	case EQU, NEU, LTU, LEU, GTU, GEU, NUM, NAN:
		if !isF(t) && !isH(t) {
			c.opErr(in, nil, ".%s compares floats", in.Cmp)
		}
	case LT, LE, GT, GE:
		if t.IsBit() {
			c.opErr(in, nil, ".%s cannot compare bit types", in.Cmp)
		}
	}
}

func (c *checker) checkMov(in *Inst, t Type) {
	a := in.Args
	if !c.nargs(in, 2, 2) {
		return
	}
	d, s := a[0], a[1]
	switch {
	case d.Kind == OpdVec: // unpack
		n := len(d.Elems)
		if !c.vecOK(in, t, n) {
			return
		}
		et := bitsType(t.Size() / n)
		for _, e := range d.Elems {
			c.dst(in, e, et, false, true)
		}
		c.src(in, s, t, false)
	case s.Kind == OpdVec: // pack
		n := len(s.Elems)
		if !c.vecOK(in, t, n) {
			return
		}
		et := bitsType(t.Size() / n)
		c.dst(in, d, t, false, false)
		for _, e := range s.Elems {
			c.src(in, e, et, false)
		}
	default:
		if t == TypeNone {
			return
		}
		c.dst(in, d, t, false, false)
		if s.Kind == OpdSym && s.Func != nil {
			if t.Size() != 8 {
				c.opErr(in, s, "a function address needs a 64-bit type")
			}
			return
		}
		c.src(in, s, t, false)
	}
}

func (c *checker) vecOK(in *Inst, t Type, n int) bool {
	if !t.IsBit() || n < 2 || t.Size()%n != 0 || t.Size()/n < 1 {
		c.opErr(in, nil, "cannot split .%s into %d parts", t, n)
		return false
	}
	return true
}

func bitsType(size int) Type {
	switch size {
	case 1:
		return B8
	case 2:
		return B16
	case 4:
		return B32
	case 8:
		return B64
	}
	return TypeNone
}

func (c *checker) checkLdSt(in *Inst, t Type) {
	a := in.Args
	max := 2
	if in.Has(FlagL2) {
		max = 3
	}
	if !c.nargs(in, 2, max) {
		return
	}
	if t == Pred {
		c.opErr(in, nil, "cannot load or store predicates")
		return
	}
	if in.Op == "ldu" && in.Space != SpaceGlobal && in.Space != SpaceGeneric {
		c.opErr(in, nil, "ldu reads global memory")
	}
	if in.Space == SpaceSharedCluster {
		c.e.add(in.Pos, true, "'%s': distributed shared memory (.shared::cluster) is not supported", in.Text)
		return
	}
	if in.Has(FlagNC) && in.Space != SpaceGlobal {
		c.opErr(in, nil, ".nc needs .global")
	}
	if in.Vec > 1 && in.Vec*t.Size() > 16 && !(in.Vec == 8 && t.Size() == 4) {
		c.opErr(in, nil, ".v%d.%s is too wide", in.Vec, t)
	}
	dataIdx, addrIdx := 0, 1
	if in.Op == "st" {
		dataIdx, addrIdx = 1, 0
	}
	c.addr(in, a[addrIdx])
	if in.Space == SpaceParam && in.Op == "st" {
		if v := a[addrIdx].Var; v != nil && v.Func != nil && v.Func.Entry && !isCallParam(v) {
			c.opErr(in, a[addrIdx], "kernel parameters are read-only")
		}
	}
	data := a[dataIdx]
	if in.Vec > 1 {
		if data.Kind != OpdVec || len(data.Elems) != in.Vec {
			c.opErr(in, data, "expected a vector of %d operands", in.Vec)
			return
		}
		for _, e := range data.Elems {
			if in.Op == "st" {
				c.src(in, e, t, true)
			} else {
				c.dst(in, e, t, true, true)
			}
		}
		return
	}
	if in.Op == "st" {
		c.src(in, data, t, true)
	} else {
		c.dst(in, data, t, true, false)
	}
}

// isCallParam reports whether v is a .param declared in a body (a call's
// argument or return buffer) rather than a function parameter.
func isCallParam(v *Var) bool {
	if v.Func == nil {
		return false
	}
	for _, p := range v.Func.Params {
		if p == v {
			return false
		}
	}
	for _, p := range v.Func.Rets {
		if p == v {
			return false
		}
	}
	return true
}

func (c *checker) checkCvt(in *Inst) {
	a := in.Args
	dt, st := in.Types[0], in.Types[1]
	if dt == E4M3x2 || dt == E5M2x2 || st == E4M3x2 || st == E5M2x2 || dt == TF32 || st == TF32 {
		c.e.add(in.Pos, true, "'%s': 8-bit and tf32 float conversions are not supported", in.Text)
		return
	}
	if dt.IsBit() || st.IsBit() || dt == Pred || st == Pred || dt.IsPacked() && !(dt == F16x2 || dt == BF16x2) || st.IsPacked() {
		c.opErr(in, nil, "cannot convert .%s to .%s", st, dt)
		return
	}
	if dt == F16x2 || dt == BF16x2 {
		if st != F32 {
			c.opErr(in, nil, "packed conversions take .f32 sources")
			return
		}
		if in.Rnd != RN && in.Rnd != RZ {
			c.opErr(in, nil, "cvt to .%s needs .rn or .rz", dt)
		}
		if !c.nargs(in, 3, 3) {
			return
		}
		c.dst(in, a[0], dt, false, false)
		c.src(in, a[1], F32, false)
		c.src(in, a[2], F32, false)
		return
	}
	if !c.nargs(in, 2, 2) {
		return
	}
	dFloat, sFloat := dt.IsFloat(), st.IsFloat()
	switch {
	case dFloat && sFloat:
		switch {
		case dt.Size() < st.Size(), dt == BF16 && st == F16, dt == F16 && st == BF16:
			if in.Rnd == RoundNone || in.Rnd.IsInt() {
				c.opErr(in, nil, "a narrowing float conversion needs .rn, .rz, .rm or .rp")
			}
		case dt == st:
			if in.Rnd != RoundNone && !in.Rnd.IsInt() {
				c.opErr(in, nil, "a same-type float conversion takes .rni, .rzi, .rmi or .rpi")
			}
		default:
			if in.Rnd.IsInt() {
				c.opErr(in, nil, "a widening float conversion takes no integer rounding")
			}
		}
	case dFloat && !sFloat:
		if in.Rnd == RoundNone || in.Rnd.IsInt() {
			c.opErr(in, nil, "an integer-to-float conversion needs .rn, .rz, .rm or .rp")
		}
	case !dFloat && sFloat:
		if !in.Rnd.IsInt() {
			c.opErr(in, nil, "a float-to-integer conversion needs .rni, .rzi, .rmi or .rpi")
		}
	default:
		if in.Rnd != RoundNone {
			c.opErr(in, nil, "integer conversions take no rounding modifier")
		}
	}
	c.dst(in, a[0], dt, true, false)
	c.src(in, a[1], st, true)
}

func (c *checker) checkCall(in *Inst) {
	a := in.Args
	i := 0
	var rets, args *Operand
	if i < len(a) && a[i].Kind == OpdList {
		rets = a[i]
		i++
	}
	if i >= len(a) {
		c.opErr(in, nil, "call needs a target")
		return
	}
	target := a[i]
	i++
	if i < len(a) && a[i].Kind == OpdList {
		args = a[i]
		i++
	}
	var params, retVars []*Var
	switch {
	case target.Kind == OpdSym && target.Func != nil:
		in.Callee = target.Func
		params, retVars = target.Func.Params, target.Func.Rets
		if i != len(a) {
			c.opErr(in, a[i], "unexpected operand after the arguments of a direct call")
			return
		}
	case target.Kind == OpdReg:
		if target.Reg.Type.Size() != 8 || target.Reg.Type == Pred {
			c.opErr(in, target, "an indirect call needs a 64-bit register")
			return
		}
		if i != len(a)-1 {
			c.opErr(in, nil, "an indirect call needs a .callprototype or .calltargets operand last")
			return
		}
		switch p := a[i]; p.Kind {
		case OpdProto:
			in.Proto = p.Proto
			params, retVars = p.Proto.Params, p.Proto.Rets
		default:
			c.opErr(in, p, "expected a .callprototype label")
			return
		}
	default:
		c.opErr(in, target, "call target must be a function or a register")
		return
	}
	check := func(list *Operand, want []*Var, what string) {
		var got []*Operand
		if list != nil {
			got = list.Elems
		}
		if len(got) != len(want) {
			c.opErr(in, list, "%d %ss, the callee takes %d", len(got), what, len(want))
			return
		}
		for k, o := range got {
			w := want[k]
			switch o.Kind {
			case OpdSym:
				if o.Var == nil || o.Var.Space != SpaceParam {
					c.opErr(in, o, "%s %d must be a .param variable", what, k)
				} else if o.Var.Size != w.Size {
					c.opErr(in, o, "%s %d has %d bytes, the callee's has %d", what, k, o.Var.Size, w.Size)
				}
			case OpdReg, OpdImm:
				if what == "return value" && o.Kind == OpdImm {
					c.opErr(in, o, "a return value must be a variable")
					continue
				}
				wt := w.Type
				if w.Vec > 1 || len(w.Dims) > 0 {
					c.opErr(in, o, "%s %d is an aggregate; pass a .param variable", what, k)
					continue
				}
				if what == "return value" {
					c.dst(in, o, wt, false, false)
				} else {
					c.src(in, o, wt, false)
				}
			default:
				c.opErr(in, o, "bad %s", what)
			}
		}
	}
	check(args, params, "argument")
	check(rets, retVars, "return value")
}

func (c *checker) checkBar(in *Inst) {
	a := in.Args
	for _, m := range in.Mods {
		if m == "cluster" {
			c.e.add(in.Pos, true, "'%s': cluster barriers are not supported", in.Text)
			return
		}
	}
	switch in.Mode {
	case "sync", "":
		if in.Mode == "" && in.Op == "barrier" {
			c.opErr(in, nil, "barrier needs .sync, .arrive or .red")
			return
		}
		in.Mode = "sync"
		if !c.nargs(in, 1, 2) {
			return
		}
		c.barID(in, a[0])
		if len(a) == 2 {
			c.src(in, a[1], U32, false)
		}
	case "arrive":
		if !c.nargs(in, 2, 2) {
			return
		}
		c.barID(in, a[0])
		c.src(in, a[1], U32, false)
	case "red":
		if !c.nargs(in, 3, 4) {
			return
		}
		switch in.BoolOp {
		case "popc":
			c.needType(in, in.Type() == U32)
			c.dst(in, a[0], U32, false, false)
		case "and", "or":
			c.needType(in, in.Type() == Pred)
			c.pred(in, a[0], true, false)
		default:
			c.opErr(in, nil, "bar.red needs .popc, .and or .or")
			return
		}
		c.barID(in, a[1])
		if len(a) == 4 {
			c.src(in, a[2], U32, false)
		}
		c.pred(in, a[len(a)-1], false, true)
	}
}

func (c *checker) barID(in *Inst, o *Operand) {
	c.src(in, o, U32, false)
	if o.Kind == OpdImm && o.Imm > 15 {
		c.opErr(in, o, "barrier %d is not in 0..15", o.Imm)
	}
}

func (c *checker) checkAtom(in *Inst, t Type) {
	a := in.Args
	if in.Vec > 1 {
		c.e.add(in.Pos, true, "'%s': vector atomics are not supported", in.Text)
		return
	}
	switch in.Space {
	case SpaceGeneric, SpaceGlobal, SpaceShared:
	case SpaceSharedCluster:
		c.e.add(in.Pos, true, "'%s': distributed shared memory (.shared::cluster) is not supported", in.Text)
		return
	default:
		c.opErr(in, nil, "atomics work on .global, .shared or generic addresses")
		return
	}
	switch in.AtomOp {
	case "and", "or", "xor":
		c.needType(in, t == B32 || t == B64)
	case "exch", "cas":
		c.needType(in, t == B32 || t == B64 || (in.AtomOp == "cas" && t == B16) || (in.AtomOp == "exch" && t == B128))
	case "add":
		c.needType(in, t == U32 || t == S32 || t == U64 || t == S64 || t == F32 || t == F64 || t == F16 || t == F16x2 || t == BF16 || t == BF16x2)
	case "inc", "dec":
		c.needType(in, t == U32)
	case "min", "max":
		c.needType(in, t == U32 || t == S32 || t == U64 || t == S64)
	default:
		c.opErr(in, nil, "%s needs an operation (.add, .cas, ...)", in.Op)
		return
	}
	if t == B128 || t == F16 || t == F16x2 || t == BF16 || t == BF16x2 || t == B16 {
		c.e.add(in.Pos, true, "'%s': .%s atomics are not supported", in.Text, t)
		return
	}
	extra := 0
	if in.Has(FlagL2) {
		extra = 1
	}
	if in.Op == "red" {
		if !c.nargs(in, 2, 2+extra) {
			return
		}
		if in.AtomOp == "cas" || in.AtomOp == "exch" {
			c.opErr(in, nil, "red has no .%s", in.AtomOp)
		}
		c.addr(in, a[0])
		c.src(in, a[1], t, false)
		return
	}
	n := 3
	if in.AtomOp == "cas" {
		n = 4
	}
	if !c.nargs(in, n, n+extra) {
		return
	}
	c.dst(in, a[0], t, false, false)
	c.addr(in, a[1])
	c.src(in, a[2], t, false)
	if n == 4 {
		c.src(in, a[3], t, false)
	}
}

func (c *checker) checkVote(in *Inst, t Type) {
	a := in.Args
	n := 2
	if in.Has(FlagSync) {
		n = 3
	}
	if !c.nargs(in, n, n) {
		return
	}
	switch in.Mode {
	case "ballot":
		c.needType(in, t == B32)
		c.dst(in, a[0], B32, false, false)
	case "all", "any", "uni":
		c.needType(in, t == Pred)
		c.pred(in, a[0], true, false)
	default:
		c.opErr(in, nil, "vote needs .all, .any, .uni or .ballot")
		return
	}
	c.pred(in, a[1], false, true)
	if n == 3 {
		c.src(in, a[2], B32, false)
	}
}
