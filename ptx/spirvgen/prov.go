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
// every register, the set of spaces whose addresses it may hold, flow-
// insensitively: symbols of variables and cvta give a space, every other
// instruction passes on the union of its register operands' sets, a load
// from a variable named directly (a call's .param) gives what was stored
// there, and any other load gives "from memory". A value from memory is a
// global address unless some shared, local or parameter address was ever
// stored to memory through a register (it escaped); then a generic access
// through it is ambiguous, as is one whose register may hold addresses of
// two spaces. Those are load errors naming the instruction.

type provSet uint8

const (
	provGlobal provSet = 1 << iota
	provShared
	provLocal
	provKParam // a kernel parameter's address: an offset in the argument block
	provMemory // loaded from memory
)

func (p provSet) String() string {
	var s []string
	for _, x := range []struct {
		b provSet
		n string
	}{{provGlobal, "global"}, {provShared, "shared"}, {provLocal, "local"}, {provKParam, "kernel parameter"}, {provMemory, "loaded from memory"}} {
		if p&x.b != 0 {
			s = append(s, x.n)
		}
	}
	return strings.Join(s, ", ")
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
				}
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
				if o.Reg.Type != ptx.Pred && p.reg[o.Reg.ID]|s != p.reg[o.Reg.ID] {
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
				// Predicates, masks and flags: no addresses.
			default:
				if !in.HasDest() {
					continue
				}
				var s provSet
				for _, o := range in.Args[1:] {
					s |= regsOf(o)
				}
				if set(in.Args[0], s) {
					changed = true
				}
				if in.Dst2 != nil && set(in.Dst2, s) {
					changed = true
				}
			}
		}
	}
	return p
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
