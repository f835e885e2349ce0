package ptx

import (
	"math"
	"strconv"
	"strings"
)

// Parse parses and checks a PTX module. Errors are a *Error or an
// ErrorList, each with the line and column of the problem; every error
// matches ErrInvalidPTX with errors.Is (and ErrUnsupported for valid PTX
// the translators refuse).
func Parse(src []byte) (*Module, error) {
	e := &errs{}
	f := parseFile(src, e)
	if e.full() {
		return nil, e.err()
	}
	c := &checker{e: e, f: f}
	m := c.module()
	if err := e.err(); err != nil {
		return nil, err
	}
	return m, nil
}

type checker struct {
	e       *errs
	f       *astFile
	m       *Module
	nextVar int
	fn      *Func
	// scope chain of the function being checked
	scope *scope
	// pending label references resolved after the body is read.
	protoByName map[string]*Proto
	tableByName map[string]*BranchTable
}

type scope struct {
	parent *scope
	regs   map[string]*Reg
	// ranges are "%r<100>" declarations: registers are created on first use.
	ranges map[string]regRange
	vars   map[string]*Var
	labels map[string]*Label
}

type regRange struct {
	n   int64
	typ Type
	pos Pos
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, regs: map[string]*Reg{}, ranges: map[string]regRange{}, vars: map[string]*Var{}, labels: map[string]*Label{}}
}

// splitRegName splits "%r12" into "%r" and 12 (ok false without a
// canonical decimal suffix).
func splitRegName(name string) (string, int64, bool) {
	i := len(name)
	for i > 0 && isDigit(name[i-1]) {
		i--
	}
	if i == len(name) || i == 0 || (name[i] == '0' && i < len(name)-1) || len(name)-i > 9 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(name[i:], 10, 64)
	return name[:i], n, err == nil
}

func (c *checker) lookupReg(name string) *Reg {
	prefix, idx, numbered := splitRegName(name)
	for s := c.scope; s != nil; s = s.parent {
		if r, ok := s.regs[name]; ok {
			return r
		}
		if numbered {
			if rg, ok := s.ranges[prefix]; ok && idx < rg.n {
				r := &Reg{ID: len(c.fn.Regs), Name: name, Type: rg.typ, Pos: rg.pos}
				c.fn.Regs = append(c.fn.Regs, r)
				s.regs[name] = r
				return r
			}
		}
	}
	return nil
}

func (s *scope) variable(name string) *Var {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v
		}
	}
	return nil
}

func (s *scope) label(name string) *Label {
	for ; s != nil; s = s.parent {
		if l, ok := s.labels[name]; ok {
			return l
		}
	}
	return nil
}

func (c *checker) errorf(pos Pos, format string, args ...any) { c.e.errorf(pos, format, args...) }

func (c *checker) module() *Module {
	f := c.f
	m := &Module{Version: f.version, Targets: f.targets, AddressSize: f.addressSize, Files: f.files,
		funcByName: map[string]*Func{}, varByName: map[string]*Var{}}
	c.m = m
	if f.version == "" {
		c.errorf(Pos{1, 1}, "missing .version directive")
	} else if !validVersion(f.version) {
		c.errorf(f.versionPos, "unsupported .version %s (want 1.0 to 9.x)", f.version)
	}
	if len(f.targets) == 0 {
		c.errorf(Pos{1, 1}, "missing .target directive")
	} else {
		m.Target = f.targets[0]
		for _, t := range f.targets {
			if !validTarget(t) {
				c.errorf(f.targetPos, "unknown .target %s", t)
			}
		}
	}
	switch f.addressSize {
	case 0:
		m.AddressSize = 32 // the PTX default
	case 32, 64:
	default:
		c.errorf(f.addrPos, ".address_size %d is not 32 or 64", f.addressSize)
	}
	// Declare every module-scope symbol first: bodies and initializers
	// refer to symbols declared later.
	astFuncs := map[*Func]*astFunc{}
	for _, d := range f.decls {
		switch d := d.(type) {
		case *astVar:
			v := c.newVar(d, nil)
			if old := m.varByName[v.Name]; old != nil {
				if old.Linkage == LinkExtern && v.Linkage != LinkExtern {
					// A definition after an extern declaration replaces it.
					*old = *v
					continue
				}
				if v.Linkage == LinkExtern {
					continue
				}
				c.errorf(d.pos, "variable %s already declared at line %d", v.Name, old.Pos.Line)
				continue
			}
			if m.funcByName[v.Name] != nil {
				c.errorf(d.pos, "%s is already declared as a function", v.Name)
				continue
			}
			m.varByName[v.Name] = v
			m.Globals = append(m.Globals, v)
		case *astFunc:
			fn := c.newFunc(d)
			if old := m.funcByName[fn.Name]; old != nil {
				if old.Entry != fn.Entry {
					c.errorf(d.pos, "%s is declared both as .entry and .func", fn.Name)
					continue
				}
				if d.body == nil {
					continue // a second declaration
				}
				if astFuncs[old] != nil && astFuncs[old].body != nil {
					c.errorf(d.pos, "function %s already defined at line %d", fn.Name, old.Pos.Line)
					continue
				}
				if !sameSignature(old, fn) {
					c.errorf(d.pos, "definition of %s does not match its declaration at line %d", fn.Name, old.Pos.Line)
				}
				*old = *fn
				astFuncs[old] = d
				continue
			}
			if m.varByName[fn.Name] != nil {
				c.errorf(d.pos, "%s is already declared as a variable", fn.Name)
				continue
			}
			m.funcByName[fn.Name] = fn
			m.Funcs = append(m.Funcs, fn)
			astFuncs[fn] = d
		}
	}
	for _, d := range f.decls {
		if d, ok := d.(*astVar); ok && d.init != nil {
			if v := m.varByName[d.name]; v != nil && v.Pos == d.pos {
				c.initVar(v, d)
			}
		}
	}
	for _, fn := range m.Funcs {
		if d := astFuncs[fn]; d != nil && d.body != nil {
			c.body(fn, d)
		}
	}
	return m
}

func validVersion(v string) bool {
	maj, min, ok := strings.Cut(v, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	return ok && err1 == nil && err2 == nil && a >= 1 && a <= 9 && b >= 0 && b <= 9
}

func validTarget(t string) bool {
	switch t {
	case "texmode_unified", "texmode_independent", "debug", "map_f64_to_f32":
		return true
	}
	if s, ok := strings.CutPrefix(t, "sm_"); ok {
		s = strings.TrimRight(s, "af")
		n, err := strconv.Atoi(s)
		return err == nil && n >= 10 && n < 1000
	}
	return false
}

func sameSignature(a, b *Func) bool {
	if len(a.Params) != len(b.Params) || len(a.Rets) != len(b.Rets) {
		return false
	}
	for i := range a.Params {
		if a.Params[i].Size != b.Params[i].Size {
			return false
		}
	}
	for i := range a.Rets {
		if a.Rets[i].Size != b.Rets[i].Size {
			return false
		}
	}
	return true
}

// newVar builds a Var from a declaration (size, alignment; no initializer).
func (c *checker) newVar(d *astVar, fn *Func) *Var {
	c.nextVar++
	v := &Var{ID: c.nextVar, Name: d.name, Pos: d.pos, Space: d.space, Type: d.typ, Vec: d.vec, Dims: d.dims,
		Linkage: linkageOf(d.linkage), Managed: d.managed, Ptr: d.ptr, PtrSpace: d.ptrSp, Func: fn}
	if v.Vec == 0 {
		v.Vec = 1
	}
	switch v.Type {
	case TexRef, SamplerRef, SurfRef:
		c.e.add(d.pos, true, "variable %s: .%s (textures and surfaces) is not supported", d.name, v.Type)
	case Pred:
		if d.space != SpaceReg {
			c.errorf(d.pos, "variable %s: .pred is only allowed for registers", d.name)
		}
	}
	size := v.ElemSize()
	v.Align = d.align
	if v.Align == 0 {
		v.Align = size
		if v.Vec == 3 || v.Align == 0 {
			v.Align = int64(v.Type.Size())
		}
	}
	for i, n := range d.dims {
		if n < 0 {
			if i != 0 {
				c.errorf(d.pos, "variable %s: only the first array dimension may be unsized", d.name)
			}
			v.Unsized = true
			continue
		}
		if size > 0 && n > (1<<40)/size {
			c.errorf(d.pos, "variable %s is too large", d.name)
			size = 0
			break
		}
		size *= n
	}
	if v.Unsized {
		// Sized by the initializer, or a dynamic (extern) array.
		if d.init != nil && d.init.kind == initList {
			v.Size = size * int64(len(d.init.elems))
			v.Unsized = false
		}
	} else {
		v.Size = size
	}
	if v.Unsized && !(v.Space == SpaceShared && v.Linkage == LinkExtern) && v.Linkage != LinkExtern {
		c.errorf(d.pos, "variable %s has no size", d.name)
	}
	return v
}

func (c *checker) newFunc(d *astFunc) *Func {
	fn := &Func{Name: d.name, Pos: d.pos, Entry: d.entry, Linkage: linkageOf(d.linkage), NoReturn: d.noreturn}
	for _, p := range d.params {
		v := c.newVar(p, fn)
		v.Space = SpaceParam
		if v.Unsized {
			c.errorf(p.pos, "parameter %s has no size", p.name)
		}
		fn.Params = append(fn.Params, v)
	}
	for _, p := range d.rets {
		v := c.newVar(p, fn)
		v.Space = SpaceParam
		fn.Rets = append(fn.Rets, v)
	}
	if d.entry && len(d.rets) > 0 {
		c.errorf(d.pos, "kernel %s cannot return values", d.name)
	}
	// Parameters are laid out as a C struct (natural alignment): for a
	// kernel this is the launch's packed argument buffer.
	var end, maxAlign int64
	seen := map[string]bool{}
	for _, p := range fn.Params {
		if seen[p.Name] {
			c.errorf(p.Pos, "parameter %s declared twice", p.Name)
		}
		seen[p.Name] = true
		a := max(p.Align, 1)
		end = (end + a - 1) &^ (a - 1)
		p.Offset = end
		end += p.Size
		maxAlign = max(maxAlign, a)
	}
	if maxAlign > 0 {
		end = (end + maxAlign - 1) &^ (maxAlign - 1)
	}
	fn.ArgsSize = end
	for _, pf := range d.perf {
		var dims [3]int64
		for i := range dims {
			dims[i] = 1
		}
		for i, a := range pf.args {
			if i < 3 {
				if a <= 0 || a > 1<<20 {
					c.errorf(pf.pos, ".%s dimension %d out of range", pf.name, a)
				}
				dims[i] = a
			}
		}
		switch pf.name {
		case "maxntid":
			fn.MaxNTID = dims
		case "reqntid":
			fn.ReqNTID = dims
		case "minnctapersm":
			if len(pf.args) > 0 {
				fn.MinNCTAPerSM = pf.args[0]
			}
		case "maxnreg":
			if len(pf.args) > 0 {
				fn.MaxNReg = pf.args[0]
			}
		case "pragma":
			fn.Pragmas = append(fn.Pragmas, pf.str)
		case "maxclusterrank", "reqnctapercluster", "explicitcluster", "blocksareclusters":
			c.e.add(pf.pos, true, ".%s: thread block clusters are not supported", pf.name)
		}
		if (pf.name == "maxntid" || pf.name == "reqntid") && dims[0]*dims[1]*dims[2] > 1024 {
			c.errorf(pf.pos, ".%s allows more than 1024 threads per block", pf.name)
		}
	}
	if !d.entry && len(d.perf) > 0 {
		for _, pf := range d.perf {
			if pf.name != "pragma" {
				c.errorf(pf.pos, ".%s is only allowed on kernels", pf.name)
			}
		}
	}
	return fn
}

// ---- function bodies ----

func (c *checker) body(fn *Func, d *astFunc) {
	c.fn = fn
	fn.Body = []*Inst{}
	c.protoByName = map[string]*Proto{}
	c.tableByName = map[string]*BranchTable{}
	top := newScope(nil)
	for _, p := range fn.Params {
		top.vars[p.Name] = p
	}
	for _, p := range fn.Rets {
		if top.vars[p.Name] != nil {
			c.errorf(p.Pos, "return parameter %s has the name of a parameter", p.Name)
		}
		top.vars[p.Name] = p
	}
	c.scope = top
	c.block(d.body)
	c.scope = nil
	for i, in := range fn.Body {
		in.Index = i
	}
	labelAtEnd := false
	for _, l := range fn.Labels {
		labelAtEnd = labelAtEnd || l.Index == len(fn.Body)
	}
	if len(fn.Body) == 0 || !endsFlow(fn.Body[len(fn.Body)-1]) || labelAtEnd {
		// Falling off the end returns, as ptxas assumes.
		fn.Body = append(fn.Body, &Inst{Pos: d.body.pos, Text: "ret", Op: "ret", Vec: 1, Index: len(fn.Body)})
	}
}

func endsFlow(in *Inst) bool {
	return in.Guard == nil && (in.Op == "ret" || in.Op == "exit" || in.Op == "bra" || in.Op == "trap" || (in.Op == "brx"))
}

func (c *checker) block(b *astBlock) {
	s := newScope(c.scope)
	c.scope = s
	defer func() { c.scope = s.parent }()
	// Labels, prototypes, branch tables and registers of the block are
	// visible throughout it.
	for _, st := range b.stmts {
		switch st := st.(type) {
		case *astLabel:
			if old := s.labels[st.name]; old != nil {
				c.errorf(st.pos, "label %s already defined at line %d", st.name, old.Pos.Line)
				continue
			}
			l := &Label{Name: st.name, Pos: st.pos, Index: -1}
			s.labels[st.name] = l
			c.fn.Labels = append(c.fn.Labels, l)
		case *astVar:
			if st.space == SpaceReg {
				c.declareRegs(s, st)
			}
		}
	}
	for _, st := range b.stmts {
		switch st := st.(type) {
		case *astLabel:
			if l := s.labels[st.name]; l != nil && l.Pos == st.pos {
				l.Index = len(c.fn.Body)
			}
		case *astVar:
			if st.space != SpaceReg {
				c.declareVar(s, st)
			}
		case *astBlock:
			c.block(st)
		case *astPragma:
			c.fn.Pragmas = append(c.fn.Pragmas, st.str)
		case *astProto:
			pr := &Proto{Name: st.name, Pos: st.pos, NoReturn: st.noreturn}
			for _, p := range st.params {
				pr.Params = append(pr.Params, c.newVar(p, c.fn))
			}
			for _, p := range st.rets {
				pr.Rets = append(pr.Rets, c.newVar(p, c.fn))
			}
			c.protoByName[st.name] = pr
			c.fn.Protos = append(c.fn.Protos, pr)
		case *astTargets:
			bt := &BranchTable{Name: st.name, Pos: st.pos}
			c.tableByName[st.name] = bt
			c.fn.Tables = append(c.fn.Tables, bt)
			for i, name := range st.labels {
				l := s.label(name)
				if l == nil {
					l = c.findLabelLater(name)
				}
				if l == nil {
					c.errorf(st.lpos[i], "undefined label %s in .branchtargets", name)
					continue
				}
				bt.Labels = append(bt.Labels, l)
			}
		case *astInst:
			if in := c.inst(st); in != nil {
				c.fn.Body = append(c.fn.Body, in)
			}
		}
		if c.e.full() {
			return
		}
	}
}

// findLabelLater looks a label up among all labels of the function
// declared so far (branch tables may name labels of enclosing blocks).
func (c *checker) findLabelLater(name string) *Label {
	for _, l := range c.fn.Labels {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func (c *checker) declareRegs(s *scope, d *astVar) {
	if d.vec > 1 {
		c.e.add(d.pos, true, "vector registers (.reg .v%d) are not supported", d.vec)
		return
	}
	if len(d.dims) > 0 {
		c.errorf(d.pos, "register %s cannot be an array", d.name)
		return
	}
	if d.typ.Size() == 0 || d.typ == TexRef || d.typ == SamplerRef || d.typ == SurfRef {
		c.e.add(d.pos, true, "register %s of type .%s is not supported", d.name, d.typ)
		return
	}
	add := func(name string) {
		if !strings.HasPrefix(name, "%") && !isPlainIdent(name) {
			c.errorf(d.pos, "bad register name %s", name)
			return
		}
		if s.regs[name] != nil {
			// ptxas accepts repeated declarations of the same register
			// with the same type (inline asm blocks do this).
			if s.regs[name].Type != d.typ {
				c.errorf(d.pos, "register %s redeclared with type .%s (was .%s)", name, d.typ, s.regs[name].Type)
			}
			return
		}
		if _, isSReg := sregByName[name]; isSReg {
			c.errorf(d.pos, "register %s has the name of a special register", name)
			return
		}
		r := &Reg{ID: len(c.fn.Regs), Name: name, Type: d.typ, Pos: d.pos}
		c.fn.Regs = append(c.fn.Regs, r)
		s.regs[name] = r
	}
	switch {
	case d.rangeN > 0:
		if _, dup := s.ranges[d.name]; dup {
			c.errorf(d.pos, "register range %s<...> declared twice", d.name)
			return
		}
		if _, isSReg := sregByName[d.name]; isSReg {
			c.errorf(d.pos, "register %s has the name of a special register", d.name)
			return
		}
		s.ranges[d.name] = regRange{n: d.rangeN, typ: d.typ, pos: d.pos}
	case d.rangeN < 0:
	default:
		add(d.name)
	}
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentChar(s[i]) {
			return false
		}
	}
	return true
}

func (c *checker) declareVar(s *scope, d *astVar) {
	switch d.space {
	case SpaceLocal, SpaceShared, SpaceParam:
	case SpaceConst, SpaceGlobal:
		c.e.add(d.pos, true, "function-scope .%s variables are not supported", d.space)
		return
	default:
		c.errorf(d.pos, "variables of space .%s cannot be declared in a function body", d.space)
		return
	}
	if s.vars[d.name] != nil {
		c.errorf(d.pos, "variable %s already declared in this block", d.name)
		return
	}
	v := c.newVar(d, c.fn)
	if d.linkage == "extern" {
		v.Linkage = LinkExtern
	}
	if v.Unsized && !(v.Space == SpaceShared && v.Linkage == LinkExtern) {
		c.errorf(d.pos, "variable %s has no size", d.name)
	}
	if d.init != nil {
		c.errorf(d.pos, "variable %s: function-scope variables cannot be initialized", d.name)
	}
	s.vars[d.name] = v
	c.fn.Vars = append(c.fn.Vars, v)
}

// ---- operands ----

// resolve turns an operand as written into a checked operand, without
// type checks (the instruction checks those).
func (c *checker) resolve(a *astOperand) *Operand {
	o := &Operand{Pos: a.pos}
	switch a.kind {
	case aName:
		c.resolveName(a.name, o)
	case aInt:
		o.Kind, o.Imm = OpdImm, a.ival
	case aFloat:
		o.Kind, o.Imm = OpdImm, a.fbits
		if a.fdouble {
			o.ImmType = F64
		} else {
			o.ImmType = F32
		}
	case aAddr:
		o.Kind, o.Off = OpdAddr, a.off
		if len(a.elems) == 1 {
			b := &Operand{}
			c.resolveName(a.elems[0].name, b)
			switch b.Kind {
			case OpdReg:
				o.Reg = b.Reg
				if b.Reg.Type == Pred {
					c.errorf(a.pos, "predicate %s used as an address", b.Reg.Name)
				}
			case OpdSym:
				if b.Func != nil {
					c.errorf(a.pos, "function %s used as an address", b.Func.Name)
				}
				o.Var = b.Var
			case OpdLabel:
				c.errorf(a.pos, "label %s used as an address", a.elems[0].name)
			case OpdSReg:
				c.errorf(a.pos, "special register %s used as an address", a.elems[0].name)
			}
		}
	case aVec, aList:
		o.Kind = OpdVec
		if a.kind == aList {
			o.Kind = OpdList
		}
		for _, e := range a.elems {
			o.Elems = append(o.Elems, c.resolve(e))
		}
	case aNot:
		o = c.resolve(a.elems[0])
		if o.Kind != OpdReg || o.Reg.Type != Pred {
			c.errorf(a.pos, "'!' applies only to predicate registers")
		}
		o.Not = true
		o.Pos = a.pos
	case aSink:
		o.Kind = OpdSink
	case aPipe:
		c.errorf(a.pos, "'|' is only allowed in the destination of setp, shfl, match.all and elect")
		return c.resolve(a.elems[0])
	}
	return o
}

func (c *checker) resolveName(name string, o *Operand) {
	o.Kind = OpdSink // on failure, something harmless
	if r := c.lookupReg(name); r != nil {
		o.Kind, o.Reg = OpdReg, r
		return
	}
	if strings.HasPrefix(name, "%") {
		base, comp, hasComp := strings.Cut(name, ".")
		if s, ok := sregByName[base]; ok {
			info := sregs[s]
			o.Kind, o.SReg = OpdSReg, s
			switch {
			case info.vec && hasComp && (comp == "x" || comp == "y" || comp == "z"):
				o.Comp = int(comp[0] - 'x')
				return
			case info.vec:
				c.errorf(o.Pos, "special register %s needs a component .x, .y or .z", base)
				return
			case hasComp:
				c.errorf(o.Pos, "special register %s has no components", base)
				return
			}
			return
		}
		for _, idx := range []struct {
			prefix string
			s      SReg
			n      int
		}{{"%envreg", SRegEnvreg, 32}, {"%pm", SRegPM, 8}} {
			if rest, ok := strings.CutPrefix(name, idx.prefix); ok {
				if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n < idx.n {
					o.Kind, o.SReg, o.Comp = OpdSReg, idx.s, n
					return
				}
			}
		}
	}
	if v := c.scope.variable(name); v != nil {
		o.Kind, o.Var = OpdSym, v
		return
	}
	if v := c.m.varByName[name]; v != nil {
		o.Kind, o.Var = OpdSym, v
		return
	}
	if l := c.scope.label(name); l != nil {
		o.Kind, o.Label = OpdLabel, l
		return
	}
	if f := c.m.funcByName[name]; f != nil {
		o.Kind, o.Func = OpdSym, f
		return
	}
	if l := c.findLabelLater(name); l != nil {
		o.Kind, o.Label = OpdLabel, l
		return
	}
	if t := c.tableByName[name]; t != nil {
		o.Kind, o.Table = OpdTable, t
		return
	}
	if p := c.protoByName[name]; p != nil {
		o.Kind, o.Proto = OpdProto, p
		return
	}
	c.errorf(o.Pos, "undefined identifier %s", name)
}

// convertImm converts an immediate to type t in place (integer literals
// truncate; float literals round to t's precision). It reports false if
// the literal cannot be used as a t.
func convertImm(o *Operand, t Type) bool {
	isFloatLit := o.ImmType == F32 || o.ImmType == F64
	switch {
	case t == Pred:
		if isFloatLit {
			return false
		}
		o.Imm &= 1
	case t == F32 || t == F64:
		switch {
		case !isFloatLit:
			// Integer literal where a float is expected: its value.
			if t == F32 {
				o.Imm = uint64(math.Float32bits(float32(int64(o.Imm))))
			} else {
				o.Imm = math.Float64bits(float64(int64(o.Imm)))
			}
		case o.ImmType == F64 && t == F32:
			o.Imm = uint64(math.Float32bits(float32(math.Float64frombits(o.Imm))))
		case o.ImmType == F32 && t == F64:
			o.Imm = math.Float64bits(float64(math.Float32frombits(uint32(o.Imm))))
		}
	case t == F16 || t == BF16 || t == F16x2 || t == BF16x2:
		if isFloatLit {
			return false
		}
		o.Imm = truncBits(o.Imm, t.Size())
	default:
		if isFloatLit {
			// A float literal as bits: sizes must match.
			if (o.ImmType == F32 && t.Size() != 4) || (o.ImmType == F64 && t.Size() != 8) {
				return false
			}
		}
		o.Imm = truncBits(o.Imm, t.Size())
	}
	o.ImmType = t
	return true
}

func truncBits(v uint64, size int) uint64 {
	if size >= 8 {
		return v
	}
	return v & (1<<(8*uint(size)) - 1)
}
