package spirvgen

import (
	"errors"
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// The inliner expands every call of a kernel, so that a kernel is one
// SPIR-V function: the address-space analysis sees every pointer's
// origin, the divergence analysis every branch, and the structurizer one
// control-flow graph. Vulkan forbids recursion anyway, so nothing is lost:
// a recursive call is a load error.
//
// An indirect call (call through a register with a .callprototype)
// becomes a brx.idx over the module's address-taken functions: a function
// pointer's value is its index in that list plus one (0 stays the null
// pointer), each slot holds the inlined call of a function whose signature
// matches the prototype, and every other slot (null included) traps.

type inliner struct {
	m *ptx.Module
	// taken lists the functions whose address is taken, in order; their
	// pointer values are index+1.
	taken   []*ptx.Func
	takenID map[*ptx.Func]int
	nextVar int
	errs    []error
	site    int
}

func newInliner(m *ptx.Module) *inliner {
	in := &inliner{m: m, takenID: map[*ptx.Func]int{}}
	note := func(f *ptx.Func) {
		if f == nil {
			return
		}
		if _, ok := in.takenID[f]; !ok {
			in.taken = append(in.taken, f)
			in.takenID[f] = len(in.taken)
		}
	}
	for _, v := range m.Globals {
		for _, r := range v.Relocs {
			note(r.Func)
		}
	}
	for _, f := range m.Funcs {
		for _, i := range f.Body {
			if i.Op == "call" {
				if t := ptx.CallTarget(i); t.Kind == ptx.OpdSym {
					// A direct call names its callee; that is not taking
					// its address.
					forOperands(i, func(o *ptx.Operand) {
						if o != t && o.Kind == ptx.OpdSym {
							note(o.Func)
						}
					})
					continue
				}
			}
			forOperands(i, func(o *ptx.Operand) {
				if o.Kind == ptx.OpdSym {
					note(o.Func)
				}
			})
		}
	}
	max := 0
	visitVars(m, func(v *ptx.Var) {
		if v.ID > max {
			max = v.ID
		}
	})
	in.nextVar = max + 1
	return in
}

// funcID is the pointer value of an address-taken function.
func (in *inliner) funcID(f *ptx.Func) (uint64, bool) {
	id, ok := in.takenID[f]
	return uint64(id), ok
}

func visitVars(m *ptx.Module, f func(*ptx.Var)) {
	for _, v := range m.Globals {
		f(v)
	}
	for _, fn := range m.Funcs {
		for _, l := range [][]*ptx.Var{fn.Params, fn.Rets, fn.Vars} {
			for _, v := range l {
				f(v)
			}
		}
		for _, p := range fn.Protos {
			for _, v := range p.Params {
				f(v)
			}
			for _, v := range p.Rets {
				f(v)
			}
		}
	}
}

// forOperands calls f for every operand of i, nested ones included.
func forOperands(i *ptx.Inst, f func(*ptx.Operand)) {
	var visit func(o *ptx.Operand)
	visit = func(o *ptx.Operand) {
		if o == nil {
			return
		}
		f(o)
		for _, e := range o.Elems {
			visit(e)
		}
	}
	for _, o := range i.Args {
		visit(o)
	}
	visit(i.Dst2)
}

func (in *inliner) errorf(pos ptx.Pos, format string, args ...any) {
	in.errs = append(in.errs, &ptx.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Unsupported: true})
}

// kernel expands every call in k's body (recursively: callees' calls are
// expanded in the copies). The call graph is checked first (checkCalls),
// so the passes end: each expands one level of an acyclic graph.
func (in *inliner) kernel(k *ptx.Func) {
	if !in.checkCalls(k) {
		return
	}
	for {
		has := false
		for _, i := range k.Body {
			if i.Op == "call" {
				has = true
				break
			}
		}
		if !has {
			return
		}
		// checkCalls bounds the result; this only guards the estimate.
		if len(k.Body) > maxInlinedInsts {
			in.errorf(k.Pos, "more than %d instructions after inlining its calls", maxInlinedInsts)
			return
		}
		in.expandCalls(k)
		if len(in.errs) > 0 {
			return
		}
	}
}

// maxInlinedInsts bounds a kernel's body once its calls are inlined.
const maxInlinedInsts = 1 << 20

// ErrRecursion is wrapped by the error for a kernel whose calls recurse,
// directly or through other functions: Vulkan has no recursion, and
// the translator inlines every call. The *Error's Cycle names the
// functions.
var ErrRecursion = errors.New("recursive calls: Vulkan has no recursion")

// callees returns the functions call i may reach: its callee, or, for an
// indirect call, every address-taken function that indirect would
// inline.
func (in *inliner) callees(i *ptx.Inst) []*ptx.Func {
	if i.Callee != nil {
		return []*ptx.Func{i.Callee}
	}
	if i.Proto == nil {
		return nil // indirect reports it
	}
	var out []*ptx.Func
	for _, g := range in.taken {
		if signatureMatches(g, i.Proto) {
			out = append(out, g)
		}
	}
	return out
}

// callSize is how many instructions the expansion of call i adds, given
// its callees' inlined sizes (expand and indirect: the argument stores,
// the body, the result loads, a guard's branch, the join).
func (in *inliner) callSize(i *ptx.Inst, size map[*ptx.Func]int) int {
	args, rets := 0, 0
	if l := ptx.CallArgs(i); l != nil {
		args = len(l.Elems)
	}
	if l := ptx.CallRets(i); l != nil {
		rets = len(l.Elems)
	}
	n := 2 // a guard's branch, the join
	if i.Callee != nil {
		return satAdd(n+args+rets, size[i.Callee])
	}
	n += 3 // cvt, brx.idx, trap
	for _, g := range in.callees(i) {
		n = satAdd(n, satAdd(args+rets+3, size[g]))
	}
	return n
}

// satAdd adds instruction counts, saturating just above the limit.
func satAdd(a, b int) int {
	if a+b > maxInlinedInsts {
		return maxInlinedInsts + 1
	}
	return a + b
}

// checkCalls refuses k before anything is expanded when its calls
// recurse (a cycle of the call graph reachable from k) or when inlining
// them would make more than maxInlinedInsts instructions: the inlined
// size is computed bottom-up over the (then acyclic) call graph, each
// function's own instructions plus its call sites' expansions,
// saturating, so a doubly recursive or exponentially nested module is
// refused in a walk of its call graph, not after building the copies.
func (in *inliner) checkCalls(k *ptx.Func) bool {
	const (
		onStack = 1
		done    = 2
	)
	state := map[*ptx.Func]int{}
	size := map[*ptx.Func]int{}
	var stack []*ptx.Func
	var visit func(f *ptx.Func) bool
	visit = func(f *ptx.Func) bool {
		state[f] = onStack
		stack = append(stack, f)
		n := 0
		for _, i := range f.Body {
			if i.Op != "call" {
				n = satAdd(n, 1)
				continue
			}
			for _, g := range in.callees(i) {
				if g.Body == nil {
					continue // expandCalls reports it
				}
				switch state[g] {
				case onStack:
					in.recursion(i, g, stack)
					return false
				case 0:
					if !visit(g) {
						return false
					}
				}
			}
			n = satAdd(n, in.callSize(i, size))
		}
		stack = stack[:len(stack)-1]
		state[f] = done
		size[f] = n
		return true
	}
	if !visit(k) {
		return false
	}
	if size[k] > maxInlinedInsts {
		in.errorf(k.Pos, "inlining its calls would make more than %d instructions (every call is inlined: Vulkan has no calls the translator could use instead)", maxInlinedInsts)
		return false
	}
	return true
}

// recursion reports call i, in the function on top of stack, of g, which
// is on the stack: the cycle is g ... top, then g again.
func (in *inliner) recursion(i *ptx.Inst, g *ptx.Func, stack []*ptx.Func) {
	var cycle []string
	for j := len(stack) - 1; j >= 0; j-- {
		if stack[j] == g {
			for _, f := range stack[j:] {
				cycle = append(cycle, f.Name)
			}
			break
		}
	}
	cycle = append(cycle, g.Name)
	what := "calls itself"
	if len(cycle) > 2 {
		what = "is recursive"
	}
	in.errs = append(in.errs, &Error{Pos: i.Pos, Cycle: cycle,
		Msg: fmt.Sprintf("%s: %s %s (%s): Vulkan has no recursion, and every call is inlined", i.Text, g.Name, what, strings.Join(cycle, " -> "))})
}

// expandCalls replaces each call in f's body by the callee's body (one
// level: calls inside the callee stay calls for the next pass).
func (in *inliner) expandCalls(f *ptx.Func) {
	target := map[*ptx.Label]*ptx.Inst{}
	for _, l := range f.Labels {
		if l.Index >= 0 && l.Index < len(f.Body) {
			target[l] = f.Body[l.Index]
		}
	}
	endTargets := map[*ptx.Label]bool{}
	for _, l := range f.Labels {
		if l.Index >= len(f.Body) {
			endTargets[l] = true
		}
	}
	// The labels at each call, to move to its expansion (ExpandCall adds
	// labels of its own to target, none at the call).
	atCall := map[*ptx.Inst][]*ptx.Label{}
	for l, t := range target {
		if t.Op == "call" {
			atCall[t] = append(atCall[t], l)
		}
	}
	var body []*ptx.Inst
	for _, i := range f.Body {
		if i.Op != "call" {
			body = append(body, i)
			continue
		}
		var exp []*ptx.Inst
		if i.Callee != nil {
			if i.Callee.Body == nil {
				in.errorf(i.Pos, "call to %s, which is declared but not defined in the module", i.Callee.Name)
				return
			}
			in.site++
			exp = in.expand(f, i, i.Callee, target)
		} else {
			exp = in.indirect(f, i, target)
		}
		if len(in.errs) > 0 {
			return
		}
		for _, l := range atCall[i] {
			target[l] = exp[0]
		}
		body = append(body, exp...)
	}
	for k, i := range body {
		i.Index = k
	}
	for _, l := range f.Labels {
		if endTargets[l] {
			l.Index = len(body)
			continue
		}
		if t, ok := target[l]; ok {
			l.Index = t.Index
		}
	}
	f.Body = body
}

func (in *inliner) newLabel(f *ptx.Func, name string, pos ptx.Pos) *ptx.Label {
	l := &ptx.Label{Name: fmt.Sprintf("%s$%d", name, in.site), Pos: pos, Index: -1}
	f.Labels = append(f.Labels, l)
	return l
}

func (in *inliner) newReg(f *ptx.Func, t ptx.Type, pos ptx.Pos) *ptx.Reg {
	r := &ptx.Reg{ID: len(f.Regs), Name: fmt.Sprintf("%%inl%d_%d", in.site, len(f.Regs)), Type: t, Pos: pos}
	f.Regs = append(f.Regs, r)
	return r
}

func labelOpd(l *ptx.Label, pos ptx.Pos) *ptx.Operand {
	return &ptx.Operand{Kind: ptx.OpdLabel, Label: l, Pos: pos}
}

func nop(pos ptx.Pos) *ptx.Inst { return &ptx.Inst{Pos: pos, Text: "nop", Op: "nop", Vec: 1} }

// expand returns the instructions replacing a direct call to g
// (ptx.ExpandCall); g's .shared variables stay g's, one per block for
// every call.
func (in *inliner) expand(f *ptx.Func, call *ptx.Inst, g *ptx.Func, target map[*ptx.Label]*ptx.Inst) []*ptx.Inst {
	out, err := ptx.ExpandCall(f, call, ptx.ExpandOptions{Site: in.site, NextVar: &in.nextVar, Target: target, KeepShared: true})
	if err != nil {
		in.errs = append(in.errs, err)
		return nil
	}
	return out
}

// signatureMatches reports whether g can be called through proto.
func signatureMatches(g *ptx.Func, p *ptx.Proto) bool {
	if g.Body == nil || g.Entry || len(g.Params) != len(p.Params) || len(g.Rets) != len(p.Rets) {
		return false
	}
	for k := range g.Params {
		if g.Params[k].Size != p.Params[k].Size {
			return false
		}
	}
	for k := range g.Rets {
		if g.Rets[k].Size != p.Rets[k].Size {
			return false
		}
	}
	return true
}

// indirect expands a call through a function pointer into a brx.idx over
// the address-taken functions.
func (in *inliner) indirect(f *ptx.Func, call *ptx.Inst, target map[*ptx.Label]*ptx.Inst) []*ptx.Inst {
	in.site++
	pos := call.Pos
	proto := call.Proto
	if proto == nil {
		in.errorf(pos, "indirect call without a .callprototype")
		return nil
	}
	fp := ptx.CallTarget(call)
	if fp.Kind != ptx.OpdReg {
		in.errorf(pos, "indirect call through %s: a register is expected", ptx.OperandString(fp))
		return nil
	}
	var out []*ptx.Inst
	end := nop(pos)
	join := in.newLabel(f, "$icall_end", pos)
	target[join] = end
	if call.Guard != nil {
		skip := in.newLabel(f, "$icall_skip", pos)
		target[skip] = end
		out = append(out, &ptx.Inst{Pos: pos, Loc: call.Loc, Text: "bra", Op: "bra", Vec: 1, Guard: call.Guard, GuardNeg: !call.GuardNeg,
			Args: []*ptx.Operand{labelOpd(skip, pos)}})
	}
	idx := in.newReg(f, ptx.U32, pos)
	out = append(out, &ptx.Inst{Pos: pos, Loc: call.Loc, Text: "cvt.u32.u64", Op: "cvt", Vec: 1, Types: []ptx.Type{ptx.U32, ptx.U64},
		Args: []*ptx.Operand{{Kind: ptx.OpdReg, Reg: idx, Pos: pos}, {Kind: ptx.OpdReg, Reg: fp.Reg, Pos: pos}}})
	trapLabel := in.newLabel(f, "$icall_bad", pos)
	trap := &ptx.Inst{Pos: pos, Loc: call.Loc, Text: "trap", Op: "trap", Vec: 1}
	target[trapLabel] = trap
	table := &ptx.BranchTable{Name: fmt.Sprintf("$icall_table%d", in.site), Pos: pos, Labels: []*ptx.Label{trapLabel}}
	f.Tables = append(f.Tables, table)
	brx := &ptx.Inst{Pos: pos, Loc: call.Loc, Text: "brx.idx", Op: "brx", Mode: "idx", Vec: 1,
		Args: []*ptx.Operand{{Kind: ptx.OpdReg, Reg: idx, Pos: pos}, {Kind: ptx.OpdTable, Table: table, Pos: pos}}}
	out = append(out, brx, trap)
	for _, g := range in.taken {
		if !signatureMatches(g, proto) {
			table.Labels = append(table.Labels, trapLabel)
			continue
		}
		l := in.newLabel(f, "$icall_"+g.Name, pos)
		direct := *call
		direct.Guard = nil
		direct.Callee = g
		direct.Proto = nil
		direct.Args = append([]*ptx.Operand(nil), call.Args...)
		// The target operand becomes the function's symbol.
		for k, a := range direct.Args {
			if a == fp {
				direct.Args[k] = &ptx.Operand{Kind: ptx.OpdSym, Func: g, Pos: pos}
			}
		}
		body := in.expand(f, &direct, g, target)
		if len(in.errs) > 0 {
			return nil
		}
		target[l] = body[0]
		table.Labels = append(table.Labels, l)
		out = append(out, body...)
		out = append(out, &ptx.Inst{Pos: pos, Loc: call.Loc, Text: "bra", Op: "bra", Vec: 1, Args: []*ptx.Operand{labelOpd(join, pos)}})
	}
	out = append(out, end)
	return out
}
