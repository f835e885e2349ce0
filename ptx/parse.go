package ptx

import (
	"math"
	"strconv"
	"strings"
)

// parser turns tokens into an astFile. It recovers from errors at
// statement boundaries so that one bad line does not hide the next.
type parser struct {
	toks []token
	i    int
	e    *errs
	loc  Loc
	f    *astFile
	// depth guards recursion (nested blocks, initializers, expressions).
	depth int
}

const maxDepth = 200

// parseFile parses PTX source.
func parseFile(src []byte, e *errs) *astFile {
	lx := newLexer(string(src), e)
	p := &parser{toks: lx.all(), e: e, f: &astFile{files: map[int]string{}}}
	p.module()
	return p.f
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool { return p.peek().is(tPunct, s) }

func (p *parser) accept(s string) bool {
	if p.isPunct(s) {
		p.i++
		return true
	}
	return false
}

// bail is raised (as a panic) to abandon a statement after an error; the
// statement loops recover it and skip ahead.
type bail struct{}

func (p *parser) fail(pos Pos, format string, args ...any) {
	p.e.errorf(pos, format, args...)
	panic(bail{})
}

func (p *parser) expect(s string) token {
	t := p.next()
	if !t.is(tPunct, s) {
		p.fail(t.pos, "expected '%s', found %s", s, t.describe())
	}
	return t
}

func (p *parser) expectIdent(what string) token {
	t := p.next()
	if t.kind != tIdent {
		p.fail(t.pos, "expected %s, found %s", what, t.describe())
	}
	return t
}

// recoverStmt skips to the end of the current statement (';' or a '}'
// closing the current block, which is left unconsumed).
func (p *parser) recoverStmt() {
	depth := 0
	for {
		t := p.peek()
		switch {
		case t.kind == tEOF:
			return
		case t.is(tPunct, "{"):
			depth++
		case t.is(tPunct, "}"):
			if depth == 0 {
				return
			}
			depth--
		case t.is(tPunct, ";") && depth == 0:
			p.i++
			return
		}
		p.i++
	}
}

// guarded runs f, turning a bail into statement recovery.
func (p *parser) guarded(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			ok = false
			p.recoverStmt()
		}
	}()
	f()
	return true
}

func (p *parser) enter(pos Pos) {
	p.depth++
	if p.depth > maxDepth {
		p.fail(pos, "nesting deeper than %d levels", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// ---- module level ----

func (p *parser) module() {
	for p.peek().kind != tEOF && !p.e.full() {
		start := p.i
		p.guarded(p.topDecl)
		if p.i == start { // no progress: skip a token
			p.i++
		}
	}
}

func (p *parser) topDecl() {
	t := p.peek()
	if t.is(tPunct, "@") && p.peekN(1).is(tPunct, "@") {
		p.skipLine(t.pos.Line) // @@DWARF lines of old nvcc output
		return
	}
	if t.is(tPunct, ";") {
		p.next()
		return
	}
	if t.kind != tDirective {
		p.fail(t.pos, "expected a directive, found %s", t.describe())
	}
	switch t.text {
	case ".version":
		p.next()
		n := p.next()
		if n.kind != tFloat && n.kind != tInt {
			p.fail(n.pos, ".version wants a number like 7.8, found %s", n.describe())
		}
		if p.f.version == "" {
			p.f.version, p.f.versionPos = n.text, t.pos
		}
	case ".target":
		p.next()
		p.f.targetPos = t.pos
		for {
			n := p.expectIdent("a target name")
			p.f.targets = append(p.f.targets, n.text)
			if !p.accept(",") {
				break
			}
		}
	case ".address_size":
		p.next()
		n := p.next()
		v, err := strconv.Atoi(n.text)
		if n.kind != tInt || err != nil {
			p.fail(n.pos, ".address_size wants 32 or 64, found %s", n.describe())
		}
		p.f.addressSize, p.f.addrPos = v, t.pos
	case ".file":
		p.next()
		n := p.next()
		idx, err := strconv.Atoi(n.text)
		if n.kind != tInt || err != nil {
			p.fail(n.pos, ".file wants an index, found %s", n.describe())
		}
		s := p.next()
		if s.kind != tString {
			p.fail(s.pos, ".file wants a file name string, found %s", s.describe())
		}
		p.f.files[idx] = unquote(s.text)
		for p.accept(",") { // timestamp, size
			p.next()
		}
	case ".loc":
		p.parseLoc()
	case ".section":
		p.next()
		p.next() // section name
		if p.isPunct("{") {
			p.skipBraces()
		}
	case ".pragma":
		p.next()
		p.next()
		p.accept(";")
	case ".visible", ".extern", ".weak", ".common":
		p.next()
		p.linkageDecl(t.text[1:])
	case ".entry", ".func", ".global", ".const", ".shared", ".local", ".tex", ".surfref", ".texref", ".samplerref":
		p.linkageDecl("")
	case ".alias":
		p.fail(t.pos, ".alias is not supported")
	default:
		p.fail(t.pos, "unknown directive %s", t.text)
	}
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return strings.Trim(s, "\"")
}

func (p *parser) skipLine(line int) {
	for p.peek().kind != tEOF && p.peek().pos.Line == line {
		p.next()
	}
}

func (p *parser) skipBraces() {
	depth := 0
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return
		case t.is(tPunct, "{"):
			depth++
		case t.is(tPunct, "}"):
			depth--
			if depth <= 0 {
				return
			}
		}
	}
}

// parseLoc reads ".loc file line col [, function_name X, inlined_at f l c]"
// up to the end of its line (it has no ';').
func (p *parser) parseLoc() {
	t := p.next()
	var nums []int
	for p.peek().kind != tEOF && p.peek().pos.Line == t.pos.Line {
		n := p.next()
		if n.kind == tInt && len(nums) < 3 {
			v, _ := strconv.Atoi(n.text)
			nums = append(nums, v)
		}
		if n.is(tPunct, ",") {
			break
		}
	}
	p.skipLine(t.pos.Line)
	for len(nums) < 3 {
		nums = append(nums, 0)
	}
	p.loc = Loc{File: nums[0], Line: nums[1], Col: nums[2]}
}

func (p *parser) linkageDecl(linkage string) {
	t := p.next()
	if t.kind != tDirective {
		p.fail(t.pos, "expected .entry, .func or a variable after .%s, found %s", linkage, t.describe())
	}
	switch t.text {
	case ".entry":
		p.function(t.pos, linkage, true)
	case ".func":
		p.function(t.pos, linkage, false)
	case ".global", ".const", ".shared", ".local":
		for _, v := range p.varDecl(t.pos, spaceOf(t.text), linkage) {
			p.f.decls = append(p.f.decls, v)
		}
	case ".tex", ".texref", ".surfref", ".samplerref":
		p.e.add(t.pos, true, "%s variables are not supported (textures and surfaces)", t.text)
		p.recoverStmt()
	default:
		p.fail(t.pos, "expected .entry, .func or a variable declaration, found %s", t.text)
	}
}

func spaceOf(dir string) Space {
	switch dir {
	case ".global":
		return SpaceGlobal
	case ".const":
		return SpaceConst
	case ".shared", ".shared::cta":
		return SpaceShared
	case ".shared::cluster":
		return SpaceSharedCluster
	case ".local":
		return SpaceLocal
	case ".param":
		return SpaceParam
	case ".reg":
		return SpaceReg
	}
	return SpaceGeneric
}

// function parses the rest of an .entry or .func.
func (p *parser) function(pos Pos, linkage string, entry bool) {
	fn := &astFunc{pos: pos, linkage: linkage, entry: entry}
	if !entry && p.isPunct("(") {
		fn.rets = p.paramList("return parameter")
	}
	name := p.expectIdent("a function name")
	fn.name = name.text
	if p.isPunct("(") {
		fn.params = p.paramList("parameter")
	}
	for {
		t := p.peek()
		if t.kind != tDirective {
			break
		}
		switch t.text {
		case ".noreturn":
			p.next()
			fn.noreturn = true
		case ".maxntid", ".reqntid", ".minnctapersm", ".maxnctapersm", ".maxnreg", ".maxclusterrank", ".reqnctapercluster", ".explicitcluster", ".blocksareclusters":
			p.next()
			perf := astPerf{pos: t.pos, name: t.text[1:]}
			for p.peek().kind == tInt {
				perf.args = append(perf.args, p.intConst())
				if !p.accept(",") {
					break
				}
			}
			fn.perf = append(fn.perf, perf)
		case ".pragma":
			p.next()
			s := p.next()
			fn.perf = append(fn.perf, astPerf{pos: t.pos, name: "pragma", str: unquote(s.text)})
			p.accept(";")
		case ".attribute":
			p.next()
			p.skipParens()
		default:
			p.fail(t.pos, "unexpected %s in the header of %s", t.text, fn.name)
		}
	}
	if p.accept(";") {
		p.f.decls = append(p.f.decls, fn)
		return
	}
	if !p.isPunct("{") {
		t := p.peek()
		p.fail(t.pos, "expected '{' or ';' after the header of %s, found %s", fn.name, t.describe())
	}
	p.f.decls = append(p.f.decls, fn)
	fn.body = p.block()
}

func (p *parser) skipParens() {
	if !p.isPunct("(") {
		return
	}
	depth := 0
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return
		case t.is(tPunct, "("):
			depth++
		case t.is(tPunct, ")"):
			depth--
			if depth == 0 {
				return
			}
		}
	}
}

// paramList parses "( .param ... , ... )".
func (p *parser) paramList(what string) []*astVar {
	p.expect("(")
	var out []*astVar
	if p.accept(")") {
		return out
	}
	for {
		t := p.next()
		if t.kind != tDirective || (t.text != ".param" && t.text != ".reg") {
			p.fail(t.pos, "expected .param for a %s, found %s", what, t.describe())
		}
		if t.text == ".reg" {
			p.e.add(t.pos, true, ".reg %ss are not supported (use .param)", what)
		}
		v := p.paramDecl(t.pos, spaceOf(t.text))
		out = append(out, v)
		if p.accept(")") {
			return out
		}
		p.expect(",")
	}
}

// paramDecl parses "[.align N] [.ptr [.space] [.align N]] .type [.vN] name[dims]".
func (p *parser) paramDecl(pos Pos, space Space) *astVar {
	v := &astVar{pos: pos, space: space, vec: 1}
	p.varAttrs(v, true)
	name := p.next()
	if name.kind != tIdent {
		// Prototype parameters may be unnamed in .callprototype: "_"
		p.fail(name.pos, "expected a parameter name, found %s", name.describe())
	}
	v.name = name.text
	v.dims = p.dims()
	return v
}

// varAttrs reads the type and attribute directives before a name.
func (p *parser) varAttrs(v *astVar, param bool) {
	for {
		t := p.peek()
		if t.kind != tDirective {
			if v.typ == TypeNone {
				p.fail(t.pos, "expected a type before %s", t.describe())
			}
			return
		}
		p.next()
		switch t.text {
		case ".align":
			a := p.intConst()
			if a <= 0 || a&(a-1) != 0 || a > 1<<16 {
				p.fail(t.pos, ".align %d is not a power of two up to 65536", a)
			}
			if v.ptr {
				v.ptrAl = a
			} else {
				v.align = a
			}
		case ".ptr":
			if !param {
				p.fail(t.pos, ".ptr is only allowed on kernel parameters")
			}
			v.ptr = true
		case ".v2", ".v4", ".v8":
			v.vec = int(t.text[2] - '0')
		case ".attribute":
			if p.isPunct("(") {
				p.next()
				for !p.isPunct(")") && p.peek().kind != tEOF {
					a := p.next()
					if a.text == ".managed" {
						v.managed = true
					}
				}
				p.expect(")")
			}
		case ".global", ".const", ".local", ".shared", ".shared::cta":
			if !v.ptr {
				p.fail(t.pos, "state space %s here needs .ptr", t.text)
			}
			v.ptrSp = spaceOf(t.text)
		default:
			ty := ParseType(t.text)
			if ty == TypeNone {
				p.fail(t.pos, "unknown type or attribute %s", t.text)
			}
			if v.typ != TypeNone {
				p.fail(t.pos, "second type %s in a declaration of type .%s", t.text, v.typ)
			}
			v.typ = ty
		}
	}
}

func (p *parser) dims() []int64 {
	var dims []int64
	for p.isPunct("[") {
		p.next()
		if p.accept("]") {
			dims = append(dims, -1)
			continue
		}
		t := p.peek()
		n := p.intConst()
		if n <= 0 || n > 1<<40 {
			p.fail(t.pos, "array length %d out of range", n)
		}
		dims = append(dims, n)
		p.expect("]")
	}
	return dims
}

// varDecl parses a variable declaration after its state-space directive,
// through the ';'.
func (p *parser) varDecl(pos Pos, space Space, linkage string) []*astVar {
	proto := &astVar{pos: pos, space: space, linkage: linkage, vec: 1}
	p.varAttrs(proto, space == SpaceParam)
	var out []*astVar
	for {
		name := p.expectIdent("a variable name")
		v := *proto
		v.pos = name.pos
		v.name = name.text
		if space == SpaceReg && p.isPunct("<") {
			p.next()
			n := p.constUnary()
			if n < 0 || n > 1<<20 {
				p.fail(name.pos, "register range %s<%d> out of range", name.text, n)
			}
			p.expect(">")
			v.rangeN = n
			if v.rangeN == 0 {
				v.rangeN = -1 // %r<0>: declares nothing
			}
		}
		v.dims = p.dims()
		if p.accept("=") {
			v.init = p.initializer()
		}
		out = append(out, &v)
		if p.accept(";") {
			return out
		}
		p.expect(",")
	}
}

// initializer parses "{...}" lists, scalars, float literals and symbol
// addresses (name, name+off, generic(name)+off, 0xFF00(generic(name))).
func (p *parser) initializer() *astInit {
	t := p.peek()
	p.enter(t.pos)
	defer p.leave()
	if p.accept("{") {
		in := &astInit{pos: t.pos, kind: initList}
		if p.accept("}") {
			return in
		}
		for {
			in.elems = append(in.elems, p.initializer())
			if p.accept("}") {
				return in
			}
			p.expect(",")
		}
	}
	// Byte mask around a symbol: 0xFF00(generic(x)+4).
	if t.kind == tInt && p.peekN(1).is(tPunct, "(") {
		mask, ok := parseIntLit(t.text)
		if ok && isByteMask(mask) {
			p.next()
			p.next()
			inner := p.initSymOrConst()
			p.expect(")")
			if inner.kind == initInt {
				sh := byteMaskShift(mask)
				inner.ival = (inner.ival & mask) >> sh
				return inner
			}
			inner.mask = mask
			return inner
		}
	}
	return p.initSymOrConst()
}

func isByteMask(m uint64) bool {
	for k := 0; k < 8; k++ {
		if m == 0xFF<<(8*k) {
			return true
		}
	}
	return false
}

func byteMaskShift(m uint64) uint {
	for k := uint(0); k < 8; k++ {
		if m == 0xFF<<(8*k) {
			return 8 * k
		}
	}
	return 0
}

func (p *parser) initSymOrConst() *astInit {
	t := p.peek()
	switch {
	case t.kind == tIdent && t.text == "generic" && p.peekN(1).is(tPunct, "("):
		p.next()
		p.next()
		n := p.expectIdent("a variable name in generic()")
		p.expect(")")
		in := &astInit{pos: t.pos, kind: initSym, sym: n.text, generic: true}
		in.off = p.symOffset()
		return in
	case t.kind == tIdent:
		p.next()
		in := &astInit{pos: t.pos, kind: initSym, sym: t.text}
		in.off = p.symOffset()
		return in
	case t.kind == tFloat:
		p.next()
		bits, dbl, ok := parseFloatLit(t.text)
		if !ok {
			p.fail(t.pos, "bad float literal %s", t.text)
		}
		return &astInit{pos: t.pos, kind: initFloat, fbits: bits, fdouble: dbl}
	case t.is(tPunct, "-") && p.peekN(1).kind == tFloat:
		p.next()
		f := p.next()
		bits, dbl, ok := parseFloatLit(f.text)
		if !ok {
			p.fail(f.pos, "bad float literal %s", f.text)
		}
		if dbl {
			bits ^= 1 << 63
		} else {
			bits ^= 1 << 31
		}
		return &astInit{pos: t.pos, kind: initFloat, fbits: bits, fdouble: dbl}
	}
	return &astInit{pos: t.pos, kind: initInt, ival: uint64(p.intConst())}
}

func (p *parser) symOffset() int64 {
	if p.isPunct("+") || p.isPunct("-") {
		neg := p.next().text == "-"
		v := p.constUnary()
		if neg {
			return -v
		}
		return v
	}
	return 0
}

// ---- function bodies ----

func (p *parser) block() *astBlock {
	open := p.expect("{")
	p.enter(open.pos)
	defer p.leave()
	b := &astBlock{pos: open.pos}
	for !p.e.full() {
		t := p.peek()
		if t.kind == tEOF {
			p.e.errorf(open.pos, "unterminated { block (opened here)")
			return b
		}
		if p.accept("}") {
			return b
		}
		start := p.i
		p.guarded(func() { p.statement(b) })
		if p.i == start {
			p.i++
		}
	}
	return b
}

func (p *parser) statement(b *astBlock) {
	t := p.peek()
	switch {
	case t.is(tPunct, "{"):
		b.stmts = append(b.stmts, p.block())
		return
	case t.is(tPunct, ";"):
		p.next()
		return
	case t.is(tPunct, "@") && p.peekN(1).is(tPunct, "@"):
		p.skipLine(t.pos.Line)
		return
	case t.kind == tDirective:
		p.bodyDirective(b)
		return
	case t.kind == tIdent && p.peekN(1).is(tPunct, ":"):
		p.next()
		p.next()
		if d := p.peek(); d.kind == tDirective {
			switch d.text {
			case ".branchtargets":
				p.next()
				bt := &astTargets{pos: t.pos, name: t.text}
				for {
					l := p.expectIdent("a label")
					bt.labels = append(bt.labels, l.text)
					bt.lpos = append(bt.lpos, l.pos)
					if !p.accept(",") {
						break
					}
				}
				p.expect(";")
				b.stmts = append(b.stmts, bt)
				return
			case ".callprototype":
				p.next()
				pr := &astProto{pos: t.pos, name: t.text}
				if p.isPunct("(") {
					pr.rets = p.protoParams()
				}
				u := p.expectIdent("'_' in a .callprototype")
				if u.text != "_" {
					p.fail(u.pos, "expected '_' in a .callprototype, found %s", u.describe())
				}
				if p.isPunct("(") {
					pr.params = p.protoParams()
				}
				if p.peek().is(tDirective, ".noreturn") {
					p.next()
					pr.noreturn = true
				}
				p.expect(";")
				b.stmts = append(b.stmts, pr)
				return
			case ".calltargets":
				p.next()
				for p.peek().kind != tEOF && !p.isPunct(";") {
					p.next()
				}
				p.expect(";")
				return
			}
		}
		b.stmts = append(b.stmts, &astLabel{pos: t.pos, name: t.text})
		return
	}
	b.stmts = append(b.stmts, p.instruction())
}

// protoParams parses a .callprototype parameter list, where names may be
// '_' or omitted.
func (p *parser) protoParams() []*astVar {
	p.expect("(")
	var out []*astVar
	if p.accept(")") {
		return out
	}
	for {
		t := p.next()
		if !t.is(tDirective, ".param") {
			p.fail(t.pos, "expected .param in a .callprototype, found %s", t.describe())
		}
		v := &astVar{pos: t.pos, space: SpaceParam, vec: 1}
		p.varAttrs(v, true)
		if p.peek().kind == tIdent {
			v.name = p.next().text
		}
		v.dims = p.dims()
		out = append(out, v)
		if p.accept(")") {
			return out
		}
		p.expect(",")
	}
}

func (p *parser) bodyDirective(b *astBlock) {
	t := p.next()
	switch t.text {
	case ".reg", ".local", ".shared", ".param", ".const", ".global", ".shared::cta":
		for _, v := range p.varDecl(t.pos, spaceOf(t.text), "") {
			b.stmts = append(b.stmts, v)
		}
	case ".pragma":
		s := p.next()
		if s.kind != tString {
			p.fail(s.pos, ".pragma wants a string, found %s", s.describe())
		}
		p.accept(";")
		b.stmts = append(b.stmts, &astPragma{pos: t.pos, str: unquote(s.text)})
	case ".loc":
		p.i--
		p.parseLoc()
	case ".extern":
		// ".extern .shared .b8 x[];" inside a body: dynamic shared memory.
		d := p.next()
		if d.kind != tDirective {
			p.fail(d.pos, "expected a state space after .extern, found %s", d.describe())
		}
		for _, v := range p.varDecl(d.pos, spaceOf(d.text), "extern") {
			b.stmts = append(b.stmts, v)
		}
	case ".section":
		p.next()
		if p.isPunct("{") {
			p.skipBraces()
		}
	case ".tex", ".texref", ".surfref", ".samplerref":
		p.e.add(t.pos, true, "%s variables are not supported (textures and surfaces)", t.text)
		p.recoverStmt()
	default:
		p.fail(t.pos, "unexpected directive %s in a function body", t.text)
	}
}

func (p *parser) instruction() *astInst {
	in := &astInst{loc: p.loc}
	t := p.peek()
	in.pos = t.pos
	if p.accept("@") {
		in.guardPos = p.peek().pos
		if p.accept("!") {
			in.guardNeg = true
		}
		g := p.expectIdent("a predicate register after '@'")
		in.guard = g.text
	}
	op := p.next()
	if op.kind != tIdent {
		p.fail(op.pos, "expected an instruction, found %s", op.describe())
	}
	in.opcode = op.text
	if in.guard == "" {
		in.pos = op.pos
	}
	if refusedOp(op.text) {
		// Refused families (textures, tensor cores, ...) have operand
		// syntax of their own; the checker reports them by name.
		p.recoverStmt()
		return in
	}
	if p.accept(";") {
		return in
	}
	for {
		in.operands = append(in.operands, p.operand(true))
		if p.accept(";") {
			return in
		}
		t := p.peek()
		if !t.is(tPunct, ",") {
			p.fail(t.pos, "expected ',' or ';' after an operand of %s, found %s", in.opcode, t.describe())
		}
		p.next()
	}
}

func (p *parser) operand(top bool) *astOperand {
	t := p.peek()
	p.enter(t.pos)
	defer p.leave()
	var o *astOperand
	switch {
	case t.is(tPunct, "("):
		p.next()
		o = &astOperand{pos: t.pos, kind: aList}
		if !p.accept(")") {
			for {
				o.elems = append(o.elems, p.operand(false))
				if p.accept(")") {
					break
				}
				p.expect(",")
			}
		}
	case t.is(tPunct, "{"):
		p.next()
		o = &astOperand{pos: t.pos, kind: aVec}
		for {
			o.elems = append(o.elems, p.operand(false))
			if p.accept("}") {
				break
			}
			p.expect(",")
		}
	case t.is(tPunct, "["):
		p.next()
		o = p.address(t.pos)
	case t.is(tPunct, "!"):
		p.next()
		inner := p.operand(false)
		o = &astOperand{pos: t.pos, kind: aNot, elems: []*astOperand{inner}}
	case t.kind == tIdent && t.text == "_":
		p.next()
		o = &astOperand{pos: t.pos, kind: aSink}
	case t.kind == tIdent:
		p.next()
		o = &astOperand{pos: t.pos, kind: aName, name: t.text}
	case t.kind == tFloat:
		p.next()
		bits, dbl, ok := parseFloatLit(t.text)
		if !ok {
			p.fail(t.pos, "bad float literal %s", t.text)
		}
		o = &astOperand{pos: t.pos, kind: aFloat, fbits: bits, fdouble: dbl}
	case t.is(tPunct, "-") && p.peekN(1).kind == tFloat:
		p.next()
		f := p.next()
		bits, dbl, ok := parseFloatLit(f.text)
		if !ok {
			p.fail(f.pos, "bad float literal %s", f.text)
		}
		if dbl {
			bits ^= 1 << 63
		} else {
			bits ^= 1 << 31
		}
		o = &astOperand{pos: t.pos, kind: aFloat, fbits: bits, fdouble: dbl}
	default:
		v := p.constExpr()
		o = &astOperand{pos: t.pos, kind: aInt, ival: uint64(v)}
	}
	if top && p.isPunct("|") {
		p.next()
		second := p.operand(false)
		o = &astOperand{pos: o.pos, kind: aPipe, elems: []*astOperand{o, second}}
	}
	return o
}

// address parses the inside of [...] after the '['.
func (p *parser) address(pos Pos) *astOperand {
	o := &astOperand{pos: pos, kind: aAddr}
	t := p.peek()
	if t.kind == tIdent {
		p.next()
		o.elems = []*astOperand{{pos: t.pos, kind: aName, name: t.text}}
		for p.isPunct("+") || p.isPunct("-") {
			neg := p.next().text == "-"
			v := p.constMul()
			if neg {
				v = -v
			}
			o.off += v
		}
	} else {
		o.off = p.constExpr()
	}
	p.expect("]")
	return o
}

// ---- constant expressions ----

func (p *parser) intConst() int64 { return p.constExpr() }

// constExpr evaluates a C-like integer constant expression (64-bit,
// wrapping).
func (p *parser) constExpr() int64 { return p.constBinary(0) }

var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
	"==": 6, "!=": 6, "<": 7, ">": 7, "<=": 7, ">=": 7,
	"<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (p *parser) constBinary(minPrec int) int64 {
	t := p.peek()
	p.enter(t.pos)
	defer p.leave()
	lhs := p.constUnary()
	for {
		op := p.peek()
		prec, ok := binPrec[op.text]
		if op.kind != tPunct || !ok || prec <= minPrec {
			return lhs
		}
		p.next()
		rhs := p.constBinary(prec)
		lhs = p.applyBinary(op, lhs, rhs)
	}
}

func (p *parser) constMul() int64 { return p.constBinary(9) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (p *parser) applyBinary(op token, a, b int64) int64 {
	switch op.text {
	case "||":
		return b2i(a != 0 || b != 0)
	case "&&":
		return b2i(a != 0 && b != 0)
	case "|":
		return a | b
	case "^":
		return a ^ b
	case "&":
		return a & b
	case "==":
		return b2i(a == b)
	case "!=":
		return b2i(a != b)
	case "<":
		return b2i(a < b)
	case ">":
		return b2i(a > b)
	case "<=":
		return b2i(a <= b)
	case ">=":
		return b2i(a >= b)
	case "<<":
		if b < 0 || b > 63 {
			return 0
		}
		return a << uint(b)
	case ">>":
		if b < 0 || b > 63 {
			return a >> 63
		}
		return a >> uint(b)
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/", "%":
		if b == 0 {
			p.fail(op.pos, "division by zero in a constant expression")
		}
		if a == math.MinInt64 && b == -1 {
			if op.text == "/" {
				return a
			}
			return 0
		}
		if op.text == "/" {
			return a / b
		}
		return a % b
	}
	return 0
}

func (p *parser) constUnary() int64 {
	t := p.next()
	switch {
	case t.is(tPunct, "-"):
		return -p.constUnary()
	case t.is(tPunct, "+"):
		return p.constUnary()
	case t.is(tPunct, "~"):
		return ^p.constUnary()
	case t.is(tPunct, "!"):
		return b2i(p.constUnary() == 0)
	case t.is(tPunct, "("):
		v := p.constExpr()
		p.expect(")")
		return v
	case t.kind == tInt:
		v, ok := parseIntLit(t.text)
		if !ok {
			p.fail(t.pos, "bad integer literal %s", t.text)
		}
		return int64(v)
	}
	p.fail(t.pos, "expected a constant, found %s", t.describe())
	return 0
}

// parseIntLit parses decimal, 0x hex, 0b binary and leading-0 octal
// integers with an optional U suffix.
func parseIntLit(s string) (uint64, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "U"), "u")
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 2 && (s[:2] == "0b" || s[:2] == "0B"):
		base, s = 2, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	v, err := strconv.ParseUint(s, base, 64)
	return v, err == nil
}

// parseFloatLit parses 0fXXXXXXXX (single), 0dXXXXXXXXXXXXXXXX (double)
// and decimal literals (double). It returns the bits and whether they are
// double precision.
func parseFloatLit(s string) (bits uint64, double bool, ok bool) {
	if len(s) > 2 && s[0] == '0' && (s[1]|0x20 == 'f' || s[1]|0x20 == 'd') {
		hex := s[2:]
		want := 8
		if s[1]|0x20 == 'd' {
			want = 16
		}
		if len(hex) != want {
			return 0, false, false
		}
		v, err := strconv.ParseUint(hex, 16, 64)
		return v, want == 16, err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, false
	}
	return math.Float64bits(f), true, true
}
