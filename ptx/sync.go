package ptx

import "fmt"

// SyncKind classifies instructions that need other threads to arrive.
type SyncKind uint8

// Sync kinds.
const (
	SyncNone  SyncKind = iota
	SyncBlock          // bar/barrier .sync, .arrive, .red: the block's threads
	SyncWarp           // shfl, vote, match, redux, bar.warp.sync, activemask, elect: the warp's lanes
	SyncCall           // a call to a function containing sync points
)

func (k SyncKind) String() string {
	return [...]string{"none", "block", "warp", "call"}[k]
}

// SyncKindOf classifies an instruction on its own (calls are SyncNone;
// see Module.SyncFuncs).
func SyncKindOf(in *Inst) SyncKind {
	switch in.Op {
	case "bar", "barrier":
		return SyncBlock
	case "shfl", "vote", "match", "redux", "bar.warp", "activemask", "elect":
		return SyncWarp
	}
	return SyncNone
}

// SyncFuncs returns the functions that contain sync points, directly or
// through calls (indirect calls are assumed not to reach them; the
// translators refuse indirect calls to such functions at run time).
func (m *Module) SyncFuncs() map[*Func]bool {
	sync := map[*Func]bool{}
	for _, f := range m.Funcs {
		for _, in := range f.Body {
			if SyncKindOf(in) != SyncNone {
				sync[f] = true
				break
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, f := range m.Funcs {
			if sync[f] {
				continue
			}
			for _, in := range f.Body {
				if in.Op == "call" && in.Callee != nil && sync[in.Callee] {
					sync[f] = true
					changed = true
					break
				}
			}
		}
	}
	return sync
}

// IsSyncPoint reports whether in is a sync point of a function after
// InlineSyncCalls (calls to sync functions are gone by then).
func IsSyncPoint(in *Inst) bool { return SyncKindOf(in) != SyncNone }

// InlineSyncCalls replaces every call to a function containing sync
// points with the callee's body, so that a kernel's sync points are all
// in its own body (where the translators can cut it). Recursion through
// such functions is an error.
func InlineSyncCalls(m *Module) error {
	sync := m.SyncFuncs()
	e := &errs{}
	// Refuse recursion among sync functions: a DFS over calls between them.
	state := map[*Func]int{} // 1: on stack, 2: done
	var visit func(f *Func) bool
	visit = func(f *Func) bool {
		state[f] = 1
		for _, in := range f.Body {
			if in.Op != "call" || in.Callee == nil || !sync[in.Callee] {
				continue
			}
			g := in.Callee
			if g.Body == nil {
				e.errorf(in.Pos, "call to %s, which is declared but not defined", g.Name)
				continue
			}
			switch state[g] {
			case 1:
				e.errorf(in.Pos, "recursive call to %s, which contains barriers or warp operations: cannot be run on this backend", g.Name)
				return false
			case 0:
				if !visit(g) {
					return false
				}
			}
		}
		state[f] = 2
		return true
	}
	for _, f := range m.Funcs {
		if sync[f] && state[f] == 0 && f.Body != nil {
			visit(f)
		}
	}
	if err := e.err(); err != nil {
		return err
	}
	// Inline bottom-up: a callee's own sync calls are inlined first.
	done := map[*Func]bool{}
	var inline func(f *Func) error
	inline = func(f *Func) error {
		if done[f] {
			return nil
		}
		done[f] = true
		for _, in := range f.Body {
			if in.Op == "call" && in.Callee != nil && sync[in.Callee] {
				if err := inline(in.Callee); err != nil {
					return err
				}
			}
		}
		return inlineCalls(m, f, sync)
	}
	for _, f := range m.Funcs {
		if f.Body != nil {
			if err := inline(f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Module) newVarID() int {
	max := 0
	for _, v := range m.Globals {
		max = maxInt(max, v.ID)
	}
	for _, f := range m.Funcs {
		for _, v := range f.Params {
			max = maxInt(max, v.ID)
		}
		for _, v := range f.Rets {
			max = maxInt(max, v.ID)
		}
		for _, v := range f.Vars {
			max = maxInt(max, v.ID)
		}
		for _, p := range f.Protos {
			for _, v := range p.Params {
				max = maxInt(max, v.ID)
			}
			for _, v := range p.Rets {
				max = maxInt(max, v.ID)
			}
		}
	}
	return max + 1
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// inlineCalls rewrites f's body, expanding calls to sync functions.
func inlineCalls(m *Module, f *Func, sync map[*Func]bool) error {
	has := false
	for _, in := range f.Body {
		if in.Op == "call" && in.Callee != nil && sync[in.Callee] {
			has = true
			break
		}
	}
	if !has {
		return nil
	}
	nextVar := m.newVarID()
	// Labels point at instructions while the body is rebuilt.
	target := map[*Label]*Inst{}
	for _, l := range f.Labels {
		if l.Index >= 0 && l.Index < len(f.Body) {
			target[l] = f.Body[l.Index]
		}
	}
	var body []*Inst
	site := 0
	for _, in := range f.Body {
		if !(in.Op == "call" && in.Callee != nil && sync[in.Callee]) {
			body = append(body, in)
			continue
		}
		site++
		exp, err := ExpandCall(f, in, ExpandOptions{Site: site, NextVar: &nextVar, Target: target})
		if err != nil {
			return err
		}
		for l, t := range target {
			if t == in {
				target[l] = exp[0]
			}
		}
		body = append(body, exp...)
	}
	for i, in := range body {
		in.Index = i
	}
	for _, l := range f.Labels {
		if t, ok := target[l]; ok {
			l.Index = t.Index
		}
	}
	f.Body = body
	return nil
}

// ExpandOptions configures ExpandCall.
type ExpandOptions struct {
	// Site distinguishes the names of one call's copies from another's.
	Site int
	// NextVar is the next free variable ID of the module (advanced).
	NextVar *int
	// Target maps labels to the instructions they mark while a body is
	// rebuilt; the copy's labels are added.
	Target map[*Label]*Inst
	// KeepShared leaves the callee's .shared variables uncopied: every
	// call uses the same ones, as PTX's per-block storage of a function's
	// .shared variables has it.
	KeepShared bool
}

// ExpandCall returns the instructions replacing a direct call in f:
// argument stores, the callee's body with registers, variables and
// labels renamed and ret turned into a branch to the end, return value
// loads, and a final no-op that the end label marks. New registers,
// variables, labels, prototypes and branch tables are added to f. An
// argument list that does not match the callee is an error (the checker
// refuses such calls; this guards IR built otherwise).
func ExpandCall(f *Func, call *Inst, o ExpandOptions) ([]*Inst, error) {
	g := call.Callee
	if g == nil {
		return nil, &Error{Pos: call.Pos, Msg: "not a direct call"}
	}
	args, rets := CallArgs(call), CallRets(call)
	if n := countElems(args); n != len(g.Params) {
		return nil, &Error{Pos: call.Pos, Msg: fmt.Sprintf("call to %s passes %d arguments, it takes %d", g.Name, n, len(g.Params))}
	}
	if n := countElems(rets); n != len(g.Rets) {
		return nil, &Error{Pos: call.Pos, Msg: fmt.Sprintf("call to %s takes %d return values, %s returns %d", g.Name, n, g.Name, len(g.Rets))}
	}
	suffix := fmt.Sprintf("$i%d", o.Site)
	regMap := map[*Reg]*Reg{}
	for _, r := range g.Regs {
		nr := &Reg{ID: len(f.Regs), Name: r.Name + suffix, Type: r.Type, Pos: r.Pos}
		f.Regs = append(f.Regs, nr)
		regMap[r] = nr
	}
	varMap := map[*Var]*Var{}
	cloneVar := func(v *Var) *Var {
		nv := *v
		nv.ID = *o.NextVar
		*o.NextVar++
		nv.Name = v.Name + suffix
		nv.Func = f
		f.Vars = append(f.Vars, &nv)
		varMap[v] = &nv
		return &nv
	}
	for _, v := range g.Vars {
		if o.KeepShared && v.Space == SpaceShared {
			continue
		}
		cloneVar(v)
	}
	newLabel := func(name string, pos Pos) *Label {
		l := &Label{Name: name + suffix, Pos: pos, Index: -1}
		f.Labels = append(f.Labels, l)
		return l
	}
	var pre, post []*Inst
	mkAddr := func(v *Var) *Operand { return &Operand{Kind: OpdAddr, Var: v, Pos: call.Pos} }
	if args != nil {
		for i, a := range args.Elems {
			p := g.Params[i]
			if a.Kind == OpdSym && a.Var != nil {
				varMap[p] = a.Var
				continue
			}
			nv := cloneVar(p)
			pre = append(pre, &Inst{Pos: call.Pos, Loc: call.Loc, Text: "st.param." + p.Type.String(), Op: "st", Space: SpaceParam,
				Types: []Type{p.Type}, Vec: 1, Args: []*Operand{mkAddr(nv), a}})
		}
	}
	if rets != nil {
		for i, a := range rets.Elems {
			p := g.Rets[i]
			if a.Kind == OpdSym && a.Var != nil {
				varMap[p] = a.Var
				continue
			}
			nv := cloneVar(p)
			post = append(post, &Inst{Pos: call.Pos, Loc: call.Loc, Text: "ld.param." + p.Type.String(), Op: "ld", Space: SpaceParam,
				Types: []Type{p.Type}, Vec: 1, Args: []*Operand{a, mkAddr(nv)}})
		}
	}
	for _, p := range append(append([]*Var(nil), g.Params...), g.Rets...) {
		if varMap[p] == nil {
			cloneVar(p)
		}
	}
	labelMap := map[*Label]*Label{}
	for _, l := range g.Labels {
		labelMap[l] = newLabel(l.Name, l.Pos)
	}
	protoMap := map[*Proto]*Proto{}
	for _, p := range g.Protos {
		np := &Proto{Name: p.Name + suffix, Pos: p.Pos, NoReturn: p.NoReturn, Params: p.Params, Rets: p.Rets}
		protoMap[p] = np
		f.Protos = append(f.Protos, np)
	}
	tableMap := map[*BranchTable]*BranchTable{}
	for _, t := range g.Tables {
		nt := &BranchTable{Name: t.Name + suffix, Pos: t.Pos}
		for _, l := range t.Labels {
			nt.Labels = append(nt.Labels, labelMap[l])
		}
		tableMap[t] = nt
		f.Tables = append(f.Tables, nt)
	}
	nop := &Inst{Pos: call.Pos, Loc: call.Loc, Text: "nop", Op: "nop", Vec: 1}
	endLabel := newLabel("$ret", call.Pos)
	var out []*Inst
	if call.Guard != nil {
		skip := newLabel("$skip", call.Pos)
		o.Target[skip] = nop
		out = append(out, &Inst{Pos: call.Pos, Loc: call.Loc, Text: "bra", Op: "bra", Vec: 1, Guard: call.Guard, GuardNeg: !call.GuardNeg,
			Args: []*Operand{{Kind: OpdLabel, Label: skip, Pos: call.Pos}}})
	}
	out = append(out, pre...)
	var mapOpd func(o *Operand) *Operand
	mapOpd = func(o *Operand) *Operand {
		if o == nil {
			return nil
		}
		n := *o
		if o.Reg != nil {
			n.Reg = regMap[o.Reg]
		}
		if o.Var != nil {
			if nv, ok := varMap[o.Var]; ok {
				n.Var = nv
			}
		}
		if o.Label != nil {
			n.Label = labelMap[o.Label]
		}
		if o.Table != nil {
			n.Table = tableMap[o.Table]
		}
		if o.Proto != nil {
			n.Proto = protoMap[o.Proto]
		}
		if o.Elems != nil {
			n.Elems = make([]*Operand, len(o.Elems))
			for i, e := range o.Elems {
				n.Elems[i] = mapOpd(e)
			}
		}
		return &n
	}
	clones := make([]*Inst, len(g.Body))
	for i, in := range g.Body {
		n := *in
		if in.Guard != nil {
			n.Guard = regMap[in.Guard]
		}
		n.Args = make([]*Operand, len(in.Args))
		for k, a := range in.Args {
			n.Args[k] = mapOpd(a)
		}
		n.Dst2 = mapOpd(in.Dst2)
		if in.Proto != nil {
			n.Proto = protoMap[in.Proto]
		}
		if in.Op == "ret" {
			n = Inst{Pos: in.Pos, Loc: in.Loc, Text: "bra", Op: "bra", Vec: 1, Guard: n.Guard, GuardNeg: n.GuardNeg,
				Args: []*Operand{{Kind: OpdLabel, Label: endLabel, Pos: in.Pos}}}
		}
		clones[i] = &n
		out = append(out, &n)
	}
	for _, l := range g.Labels {
		if l.Index >= 0 && l.Index < len(clones) {
			o.Target[labelMap[l]] = clones[l.Index]
		} else {
			o.Target[labelMap[l]] = nop
		}
	}
	out = append(out, post...)
	if len(post) > 0 {
		o.Target[endLabel] = post[0]
	} else {
		o.Target[endLabel] = nop
	}
	out = append(out, nop)
	return out, nil
}

// countElems is the length of an argument or return list (nil: none).
func countElems(list *Operand) int {
	if list == nil {
		return 0
	}
	return len(list.Elems)
}
