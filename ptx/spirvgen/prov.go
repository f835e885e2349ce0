package spirvgen

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// Address spaces are told apart by analysis, not at run time: a generic
// address is the same number as the address in its own space (a device
// address for global memory, a byte offset in the block's shared window or
// the thread's local window, a byte offset in the kernel's argument block
// for kernel parameters), and cvta is the identity. prov computes, for
// every register, flow-insensitively, the set of kinds of value it may
// hold (a provSet): an address of one of the spaces, a value loaded from
// memory, or an integer that is not an address.
//
// Symbols of variables and cvta give an address of their space; mov and
// selp copy their operands' sets; a load from a variable named directly
// (a call's .param) gives what was stored there, and any other load a
// value "from memory"; immediates and special registers are integers. A
// register narrower than 64 bits cannot hold a generic address (they are
// 64-bit: .address_size 32 is refused), so what it receives from memory
// is an integer: a 32-bit kernel parameter widened by mul.wide, cvt or
// shl is an index, never a pointer. add, sub and mad combine their
// operands kind by kind: an address plus an integer, or plus a value from
// memory, is an address of the same space, as is an address minus an
// integer. The value from memory may be a pointer, but PTX has no use for
// the sum of two pointers, so in address + loaded value the loaded value
// is the offset; this assumes that no offset stored in memory is the
// difference of two addresses of different spaces (p + (q - p) through
// memory). Every other operation, and every other pair (address - address,
// integer - address, address + address), gives the union of its operands'
// kinds and "integer": an integer computed from an address (p & 15, a
// pointer difference) keeps the address's space, so that where it is
// used as an address, or added to a loaded pointer, the analysis refuses
// rather than guesses.
//
// A value from memory is a global address unless some shared, local or
// parameter address was ever stored to memory through a register (it
// escaped); then a generic access through it is ambiguous, as is one
// whose register may hold addresses of two spaces. Those are load errors
// naming the instruction. Integers do not count: a generic access through
// a register that is only an integer uses an absolute (global) address.

type provSet uint8

const (
	provGlobal provSet = 1 << iota
	provShared
	provLocal
	provKParam // a kernel parameter's address: an offset in the argument block
	provMemory // loaded from memory: an address or an integer
	provInt    // an integer that is not an address (it may be computed from one)

	provSpaces = provGlobal | provShared | provLocal | provKParam
)

func (p provSet) String() string {
	var s []string
	for _, x := range []struct {
		b provSet
		n string
	}{{provGlobal, "global"}, {provShared, "shared"}, {provLocal, "local"}, {provKParam, "kernel parameter"}, {provMemory, "loaded from memory"}, {provInt, "integer"}} {
		if p&x.b != 0 {
			s = append(s, x.n)
		}
	}
	return strings.Join(s, ", ")
}

// provAdd is the set of kinds a + b may hold, kind by kind: an address
// plus an integer or a value from memory is an address of its space;
// other pairs give both kinds (the sum of two addresses is meaningless,
// and one of them must be an offset; which is unknown).
func provAdd(a, b provSet) provSet {
	return provPairs(a, b, func(x, y provSet) provSet {
		switch {
		case x&provSpaces != 0 && y&(provInt|provMemory) != 0:
			return x
		case y&provSpaces != 0 && x&(provInt|provMemory) != 0:
			return y
		default:
			return x | y
		}
	})
}

// provSub is the set of kinds a - b may hold: an address minus an
// integer is an address of its space; anything else (an address minus a
// value from memory included: that value may be an address of the same
// space, and the difference an integer) is the union of both and
// "integer".
func provSub(a, b provSet) provSet {
	return provPairs(a, b, func(x, y provSet) provSet {
		if x&provSpaces != 0 && y == provInt {
			return x
		}
		return x | y | provInt
	})
}

// provPairs is the union of pair(x, y) over each kind x in a and y in b.
func provPairs(a, b provSet, pair func(x, y provSet) provSet) provSet {
	var r provSet
	for x := provSet(1); x != 0 && x <= provInt; x <<= 1 {
		if a&x == 0 {
			continue
		}
		for y := provSet(1); y != 0 && y <= provInt; y <<= 1 {
			if b&y != 0 {
				r |= pair(x, y)
			}
		}
	}
	return r
}

type provInfo struct {
	k   *ptx.Func
	reg []provSet
	mem map[*ptx.Var]provSet
	// escaped is an instruction that stored a non-global address to memory
	// through a register (nil if none).
	escaped *ptx.Inst
}

// isKernelParam reports whether v is one of k's parameters (read from the
// argument block); other .param variables (a call's) live in local memory.
func isKernelParam(k *ptx.Func, v *ptx.Var) bool {
	if v == nil || v.Space != ptx.SpaceParam {
		return false
	}
	for _, p := range k.Params {
		if p == v {
			return true
		}
	}
	return false
}

// varSpace is the space a variable's bytes live in, as this translator
// lays them out.
func varSpace(k *ptx.Func, v *ptx.Var) ptx.Space {
	switch v.Space {
	case ptx.SpaceParam:
		if isKernelParam(k, v) {
			return ptx.SpaceParam
		}
		return ptx.SpaceLocal
	case ptx.SpaceConst:
		return ptx.SpaceGlobal
	}
	return v.Space
}

func spaceProv(s ptx.Space) provSet {
	switch s {
	case ptx.SpaceShared:
		return provShared
	case ptx.SpaceLocal:
		return provLocal
	case ptx.SpaceParam:
		return provKParam
	}
	return provGlobal
}

func analyzeProv(k *ptx.Func) *provInfo {
	p := &provInfo{k: k, reg: make([]provSet, len(k.Regs)), mem: map[*ptx.Var]provSet{}}
	regsOf := func(o *ptx.Operand) provSet {
		var s provSet
		var visit func(o *ptx.Operand)
		visit = func(o *ptx.Operand) {
			switch o.Kind {
			case ptx.OpdReg:
				if o.Reg.Type != ptx.Pred {
					s |= p.reg[o.Reg.ID]
				}
			case ptx.OpdSym:
				if o.Var != nil {
					s |= spaceProv(varSpace(k, o.Var))
				} else {
					s |= provInt // a function's pointer value is a small integer
				}
			case ptx.OpdImm, ptx.OpdSReg:
				s |= provInt
			case ptx.OpdVec, ptx.OpdList:
				for _, e := range o.Elems {
					visit(e)
				}
			}
		}
		visit(o)
		return s
	}
	set := func(o *ptx.Operand, s provSet) bool {
		changed := false
		var visit func(o *ptx.Operand)
		visit = func(o *ptx.Operand) {
			switch o.Kind {
			case ptx.OpdReg:
				if o.Reg.Type == ptx.Pred {
					return
				}
				s := s
				if o.Reg.Type.Size() < 8 && s&provMemory != 0 {
					// Generic addresses are 64-bit: a narrower value
					// from memory is an integer.
					s = s&^provMemory | provInt
				}
				if p.reg[o.Reg.ID]|s != p.reg[o.Reg.ID] {
					p.reg[o.Reg.ID] |= s
					changed = true
				}
			case ptx.OpdVec, ptx.OpdList:
				for _, e := range o.Elems {
					visit(e)
				}
			}
		}
		visit(o)
		return changed
	}
	// provAdd and provSub give nothing for an operand with nothing (yet):
	// that keeps them monotone. A register that is never written holds
	// an integer (whatever it holds), which it says from the start, so
	// that an address plus it stays an address.
	written := make([]bool, len(k.Regs))
	for _, in := range k.Body {
		in.Defs(func(r *ptx.Reg) { written[r.ID] = true })
	}
	for id, w := range written {
		if !w && k.Regs[id].Type != ptx.Pred {
			p.reg[id] = provInt
		}
	}
	// The transfer functions are monotone (provAdd and provSub work kind
	// by kind, and a register's set only grows), so the iteration reaches
	// the least fixed point whatever the order of the body.
	for changed := true; changed; {
		changed = false
		for _, in := range k.Body {
			switch in.Op {
			case "ld", "ldu":
				a := in.Args[1]
				var s provSet
				if a.Reg == nil && a.Var != nil && !isKernelParam(k, a.Var) {
					s = p.mem[a.Var]
				} else {
					s = provMemory
				}
				if set(in.Args[0], s) {
					changed = true
				}
			case "st":
				a := in.Args[0]
				s := regsOf(in.Args[1])
				if a.Reg == nil && a.Var != nil {
					if p.mem[a.Var]|s != p.mem[a.Var] {
						p.mem[a.Var] |= s
						changed = true
					}
				} else if s&(provShared|provLocal|provKParam) != 0 && p.escaped == nil {
					p.escaped = in
				}
			case "cvta":
				if set(in.Args[0], spaceProv(cvtaSpace(in.Space))) {
					changed = true
				}
			case "atom", "red":
				if in.Op == "atom" && set(in.Args[0], provMemory) {
					changed = true
				}
				vi := 2
				if in.Op == "red" {
					vi = 1
				}
				if regsOf(in.Args[vi])&(provShared|provLocal|provKParam) != 0 && p.escaped == nil {
					p.escaped = in
				}
			case "setp", "set", "testp", "isspacep", "vote", "match", "activemask", "bar", "barrier":
				// Predicates, masks and flags: integers.
				if in.HasDest() && set(in.Args[0], provInt) {
					changed = true
				}
				if in.Dst2 != nil && set(in.Dst2, provInt) {
					changed = true
				}
			default:
				if !in.HasDest() {
					continue
				}
				if set(in.Args[0], p.transfer(in, regsOf)) {
					changed = true
				}
				if in.Dst2 != nil {
					var s provSet
					for _, o := range in.Args[1:] {
						s |= regsOf(o)
					}
					if set(in.Dst2, s|provInt) {
						changed = true
					}
				}
			}
		}
	}
	return p
}

// transfer is the set of kinds an instruction's (first) destination may
// hold, given its operands' sets (regsOf), for the instructions that
// analyzeProv does not treat itself.
func (p *provInfo) transfer(in *ptx.Inst, regsOf func(*ptx.Operand) provSet) provSet {
	arg := func(i int) provSet {
		if i < len(in.Args) {
			return regsOf(in.Args[i])
		}
		return 0
	}
	copyKind := func(o *ptx.Operand) bool {
		switch o.Kind {
		case ptx.OpdReg, ptx.OpdSym, ptx.OpdImm, ptx.OpdSReg:
			return true
		}
		return false
	}
	switch {
	case in.Op == "mov" && len(in.Args) == 2 && in.Args[0].Kind == ptx.OpdReg && copyKind(in.Args[1]):
		return arg(1)
	case in.Op == "selp" && len(in.Args) == 4:
		return arg(1) | arg(2)
	case in.Op == "add" && len(in.Args) == 3:
		return provAdd(arg(1), arg(2))
	case in.Op == "sub" && len(in.Args) == 3:
		return provSub(arg(1), arg(2))
	case in.Op == "mad" && in.Mode != "hi" && len(in.Args) == 4:
		// a*b + c: the product is an integer (or garbage) computed from
		// a and b; c may be the address.
		return provAdd(arg(1)|arg(2)|provInt, arg(3))
	}
	var s provSet
	for _, o := range in.Args[1:] {
		s |= regsOf(o)
	}
	return s | provInt
}

func cvtaSpace(s ptx.Space) ptx.Space {
	if s == ptx.SpaceConst {
		return ptx.SpaceGlobal
	}
	return s
}

// space resolves the state space a memory instruction's address operand
// refers to. Explicit spaces are taken as written (.const and .global are
// both device memory here); a generic address is resolved from its
// register's provenance.
func (p *provInfo) space(in *ptx.Inst, a *ptx.Operand) (ptx.Space, error) {
	if in.Space != ptx.SpaceGeneric {
		switch in.Space {
		case ptx.SpaceConst:
			return ptx.SpaceGlobal, nil
		case ptx.SpaceParam:
			if a.Reg == nil && a.Var != nil {
				return varSpace(p.k, a.Var), nil
			}
			// A register holding a .param address: a kernel parameter's
			// or a call parameter's.
			s := p.reg[a.Reg.ID] & (provLocal | provKParam)
			switch s {
			case provLocal:
				return ptx.SpaceLocal, nil
			case provKParam, 0:
				return ptx.SpaceParam, nil
			}
			return 0, fmt.Errorf("the .param address in %s may be a kernel parameter's or a call parameter's", a.Reg.Name)
		case ptx.SpaceSharedCluster:
			return ptx.SpaceShared, nil
		}
		return in.Space, nil
	}
	if a.Reg == nil {
		if a.Var != nil {
			return varSpace(p.k, a.Var), nil
		}
		return ptx.SpaceGlobal, nil // an absolute address
	}
	return p.resolve(a.Reg)
}

// resolve gives the one space a register used as a generic address
// points into.
func (p *provInfo) resolve(r *ptx.Reg) (ptx.Space, error) {
	s := p.reg[r.ID]
	spaces := s & (provGlobal | provShared | provLocal | provKParam)
	if s&provMemory != 0 {
		if p.escaped != nil {
			if spaces == 0 || spaces == provGlobal {
				return 0, fmt.Errorf("the generic address in %s was loaded from memory, and the kernel stores non-global addresses to memory (line %d), so it may point to shared, local or parameter memory", r.Name, p.escaped.Pos.Line)
			}
		}
		spaces |= provGlobal
	}
	switch spaces {
	case 0, provGlobal:
		return ptx.SpaceGlobal, nil
	case provShared:
		return ptx.SpaceShared, nil
	case provLocal:
		return ptx.SpaceLocal, nil
	case provKParam:
		return ptx.SpaceParam, nil
	}
	return 0, fmt.Errorf("the generic address in %s may point to %s memory: a generic access must resolve to one state space", r.Name, spaces)
}
