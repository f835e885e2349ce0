package modfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/hal"
)

// PTX token kinds.
const (
	tokEOF = iota
	tokDirective
	tokIdent
	tokNumber
	tokString
	tokPunct
)

type ptxToken struct {
	kind int
	text string
	line int
	// newline reports whether a line break precedes the token.
	newline bool
}

// ptxLexer splits PTX source into tokens, dropping comments. Instruction
// names with modifiers ("ld.param.u32") come out as an identifier followed
// by directive-like tokens, which is all the parser needs.
type ptxLexer struct {
	src  string
	pos  int
	line int
	peek *ptxToken
	err  error
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '%'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func (l *ptxLexer) next() ptxToken {
	if l.peek != nil {
		t := *l.peek
		l.peek = nil
		return t
	}
	return l.scan()
}

func (l *ptxLexer) peekTok() ptxToken {
	if l.peek == nil {
		t := l.scan()
		l.peek = &t
	}
	return *l.peek
}

func (l *ptxLexer) scan() ptxToken {
	nl := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			nl = true
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0:
			l.pos++
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '/':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '*':
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				if l.err == nil {
					l.err = fmt.Errorf("line %d: unterminated /* comment", l.line)
				}
				l.pos = len(l.src)
				return ptxToken{kind: tokEOF, line: l.line}
			}
			body := l.src[l.pos : l.pos+2+end+2]
			if n := strings.Count(body, "\n"); n > 0 {
				l.line += n
				nl = true
			}
			l.pos += len(body)
		default:
			return l.scanToken(nl)
		}
	}
	return ptxToken{kind: tokEOF, line: l.line, newline: true}
}

func (l *ptxLexer) scanToken(nl bool) ptxToken {
	start, c := l.pos, l.src[l.pos]
	t := ptxToken{line: l.line, newline: nl}
	switch {
	case c == '.' && l.pos+1 < len(l.src) && isIdentChar(l.src[l.pos+1]):
		l.pos++
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		t.kind = tokDirective
	case isIdentStart(c):
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		t.kind = tokIdent
	case c >= '0' && c <= '9':
		for l.pos < len(l.src) && (isIdentChar(l.src[l.pos]) || l.src[l.pos] == '.') {
			l.pos++
		}
		t.kind = tokNumber
	case c == '"':
		l.pos++
		for l.pos < len(l.src) && l.src[l.pos] != '"' && l.src[l.pos] != '\n' {
			if l.src[l.pos] == '\\' {
				l.pos++
			}
			l.pos++
		}
		if l.pos >= len(l.src) || l.src[l.pos] != '"' {
			if l.err == nil {
				l.err = fmt.Errorf("line %d: unterminated string", t.line)
			}
			l.pos = len(l.src)
			return ptxToken{kind: tokEOF, line: l.line}
		}
		l.pos++
		t.kind = tokString
	default:
		l.pos++
		t.kind = tokPunct
	}
	t.text = l.src[start:l.pos]
	return t
}

// ptxScalarSize is the byte size of a PTX fundamental type, 0 when unknown.
func ptxScalarSize(t string) uint64 {
	switch t {
	case ".u8", ".s8", ".b8", ".e4m3", ".e5m2":
		return 1
	case ".u16", ".s16", ".b16", ".f16", ".bf16", ".e4m3x2", ".e5m2x2":
		return 2
	case ".u32", ".s32", ".b32", ".f32", ".f16x2", ".bf16x2", ".tf32":
		return 4
	case ".u64", ".s64", ".b64", ".f64":
		return 8
	case ".b128":
		return 16
	case ".texref", ".samplerref", ".surfref":
		return 8 // opaque handles
	}
	return 0
}

// parsePTXNumber parses a PTX integer literal (decimal, 0x hex, 0b binary,
// leading-zero octal, optional U suffix).
func parsePTXNumber(s string) (uint64, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "U"), "u")
	if strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0B") {
		v, err := strconv.ParseUint(s[2:], 2, 64)
		return v, err == nil
	}
	v, err := strconv.ParseUint(s, 0, 64)
	return v, err == nil
}

// ptxParser holds the parse state of one module.
type ptxParser struct {
	lx      ptxLexer
	mod     *Module
	shared  map[string]uint64 // module-scope .shared variables
	entries []ptxEntry
}

type ptxEntry struct {
	info   KernelInfo
	idents map[string]bool // identifiers used in the body
}

func (p *ptxParser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("hal/modfile: ptx: line %d: %s: %w", line, fmt.Sprintf(format, args...), hal.ErrInvalidImage)
}

// ParsePTX parses a PTX module's kernel metadata: .version, .target, every
// .entry (visible or not) with its parameter layout (.param scalars,
// .align'ed byte arrays, .ptr annotations), .maxntid/.reqntid, the static
// .shared memory each entry declares or references, and module-scope .global
// and .const variables with their sizes. Comments are skipped. Errors wrap
// hal.ErrInvalidImage.
func ParsePTX(src []byte) (*Module, error) {
	p := &ptxParser{
		lx:     ptxLexer{src: string(src), line: 1},
		mod:    &Module{Format: hal.FormatPTX},
		shared: map[string]uint64{},
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	if p.lx.err != nil {
		return nil, fmt.Errorf("hal/modfile: ptx: %v: %w", p.lx.err, hal.ErrInvalidImage)
	}
	if p.mod.Version == "" {
		return nil, fmt.Errorf("hal/modfile: ptx: no .version directive: %w", hal.ErrInvalidImage)
	}
	if p.mod.Target == "" {
		return nil, fmt.Errorf("hal/modfile: ptx: no .target directive: %w", hal.ErrInvalidImage)
	}
	p.mod.Kernels = make([]KernelInfo, 0, len(p.entries))
	seen := make(map[string]bool, len(p.entries))
	heads := ptxEntryHeads(p.lx.src)
	for _, e := range p.entries {
		markPTXPointers(p.lx.src, heads, &e.info)
		if seen[e.info.Name] {
			return nil, fmt.Errorf("hal/modfile: ptx: .entry %s defined twice: %w", e.info.Name, hal.ErrInvalidImage)
		}
		seen[e.info.Name] = true
		// Module-scope .shared variables the body names count toward the
		// entry's static shared memory. (Uses only through called .func
		// bodies are not followed.)
		if len(p.shared) <= len(e.idents) {
			for name, size := range p.shared {
				if e.idents[name] {
					e.info.SharedBytes = satAdd32(e.info.SharedBytes, size)
				}
			}
		} else {
			for name := range e.idents {
				if size, ok := p.shared[name]; ok {
					e.info.SharedBytes = satAdd32(e.info.SharedBytes, size)
				}
			}
		}
		p.mod.Kernels = append(p.mod.Kernels, e.info)
	}
	return p.mod, nil
}

// checkPTXHeader is Detect's check: the text has .version and .target
// directives outside comments.
func checkPTXHeader(src []byte) error {
	if _, _, ok := ptxHeader(src); !ok {
		return fmt.Errorf("hal/modfile: detect: text without PTX .version and .target directives: %w", hal.ErrInvalidImage)
	}
	return nil
}

// ptxHeader returns the text of a PTX module's first .version and .target
// directives ("8.4", "sm_80"), reading no further than it must; ok is false
// unless both are there.
func ptxHeader(src []byte) (version, target string, ok bool) {
	lx := ptxLexer{src: string(src), line: 1}
	for version == "" || target == "" {
		t := lx.next()
		if t.kind == tokEOF {
			return version, target, false
		}
		if t.kind != tokDirective {
			continue
		}
		switch t.text {
		case ".version":
			if n := lx.peekTok(); n.kind == tokNumber && version == "" {
				version = n.text
			}
		case ".target":
			if n := lx.peekTok(); n.kind == tokIdent && target == "" {
				target = n.text
			}
		}
	}
	return version, target, true
}

func satAdd32(a uint32, b uint64) uint32 {
	s := uint64(a) + b
	if s > 0xffffffff {
		return 0xffffffff
	}
	return uint32(s)
}

func (p *ptxParser) parse() error {
	var linkage string // .visible, .extern, .weak or .common before a declaration
	for {
		t := p.lx.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokPunct:
			if t.text == "{" {
				// An anonymous block or a debug .section body.
				if err := p.skipBlock(t.line); err != nil {
					return err
				}
			}
			linkage = ""
			continue
		case tokDirective:
		default:
			linkage = ""
			continue
		}
		switch t.text {
		case ".version":
			n := p.lx.next()
			if n.kind != tokNumber {
				return p.errorf(n.line, ".version wants a number, got %q", n.text)
			}
			if p.mod.Version == "" {
				p.mod.Version = n.text
			}
		case ".target":
			if err := p.parseTarget(t.line); err != nil {
				return err
			}
		case ".visible", ".extern", ".weak", ".common":
			linkage = t.text
			continue
		case ".entry":
			if err := p.parseEntry(t.line, linkage); err != nil {
				return err
			}
		case ".func":
			if err := p.skipFunc(); err != nil {
				return err
			}
		case ".global", ".const":
			if err := p.parseVars(t.line, linkage == ".extern", func(name string, size uint64) {
				p.mod.Globals = append(p.mod.Globals, GlobalInfo{Name: name, Size: size})
			}); err != nil {
				return err
			}
		case ".shared":
			if err := p.parseVars(t.line, linkage == ".extern", func(name string, size uint64) {
				p.shared[name] = size
			}); err != nil {
				return err
			}
		}
		linkage = ""
	}
}

func (p *ptxParser) parseTarget(line int) error {
	for {
		n := p.lx.next()
		if n.kind != tokIdent {
			return p.errorf(n.line, ".target wants a name, got %q", n.text)
		}
		if p.mod.Target == "" || (!isSMName(p.mod.Target) && isSMName(n.text)) {
			p.mod.Target = n.text
		}
		if q := p.lx.peekTok(); q.kind != tokPunct || q.text != "," {
			return nil
		}
		p.lx.next()
	}
}

func isSMName(s string) bool {
	return strings.HasPrefix(s, "sm_") || strings.HasPrefix(s, "compute_")
}

// skipBlock consumes tokens through the '}' matching an already consumed '{'.
func (p *ptxParser) skipBlock(line int) error {
	for depth := 1; depth > 0; {
		t := p.lx.next()
		switch {
		case t.kind == tokEOF:
			return p.errorf(line, "unterminated { block")
		case t.kind == tokPunct && t.text == "{":
			depth++
		case t.kind == tokPunct && t.text == "}":
			depth--
		}
	}
	return nil
}

// skipFunc consumes a .func declaration or definition: through its body or
// the ';' ending a prototype.
func (p *ptxParser) skipFunc() error {
	parens := 0
	for {
		t := p.lx.next()
		switch {
		case t.kind == tokEOF:
			return p.errorf(t.line, "unterminated .func")
		case t.kind != tokPunct:
		case t.text == "(":
			parens++
		case t.text == ")":
			parens--
		case t.text == ";" && parens <= 0:
			return nil
		case t.text == "{" && parens <= 0:
			return p.skipBlock(t.line)
		}
	}
}

// parseEntry parses ".entry name (params) directives { body }".
func (p *ptxParser) parseEntry(line int, linkage string) error {
	nameTok := p.lx.next()
	if nameTok.kind != tokIdent {
		return p.errorf(nameTok.line, ".entry wants a name, got %q", nameTok.text)
	}
	k := newKernel(nameTok.text)
	t := p.lx.next()
	if t.kind == tokPunct && t.text == "(" {
		if err := p.parseParams(&k); err != nil {
			return err
		}
		t = p.lx.next()
	}
	// Performance directives up to the body or a prototype's ';'.
	var maxntid, reqntid uint64
	for !(t.kind == tokPunct && (t.text == "{" || t.text == ";")) {
		switch {
		case t.kind == tokEOF:
			return p.errorf(line, ".entry %s has no body", k.Name)
		case t.kind == tokDirective && t.text == ".pragma":
			// Entry-scope `.pragma "nounroll";`: its ';' does not end the entry.
			p.skipStatement()
		case t.kind == tokDirective && (t.text == ".maxntid" || t.text == ".reqntid"):
			n, err := p.parseDims(t)
			if err != nil {
				return err
			}
			if t.text == ".maxntid" {
				maxntid = n
			} else {
				reqntid = n
			}
		}
		t = p.lx.next()
	}
	switch {
	case maxntid > 0:
		k.MaxThreadsPerBlock = int(min(maxntid, 1<<31-1))
	case reqntid > 0:
		k.MaxThreadsPerBlock = int(min(reqntid, 1<<31-1))
	}
	if t.text == ";" {
		return nil // a declaration; the definition is elsewhere
	}
	e := ptxEntry{info: k, idents: map[string]bool{}}
	if err := p.parseBody(t.line, &e); err != nil {
		return err
	}
	if linkage != ".extern" {
		p.entries = append(p.entries, e)
	}
	return nil
}

// parseDims parses "N[, N[, N]]" and returns the product.
func (p *ptxParser) parseDims(dir ptxToken) (uint64, error) {
	prod := uint64(1)
	for i := 0; i < 3; i++ {
		n := p.lx.next()
		v, ok := parsePTXNumber(n.text)
		if n.kind != tokNumber || !ok || v == 0 || v > 1<<20 {
			return 0, p.errorf(n.line, "%s wants block dimensions 1..%d, got %q", dir.text, 1<<20, n.text)
		}
		prod *= v
		if prod > 1<<31 {
			return 0, p.errorf(n.line, "%s block size overflows", dir.text)
		}
		if q := p.lx.peekTok(); q.kind != tokPunct || q.text != "," {
			break
		}
		p.lx.next()
	}
	return prod, nil
}

// parseParams parses the parameter list after '(' through ')'.
func (p *ptxParser) parseParams(k *KernelInfo) error {
	var lay layout
	t := p.lx.next()
	if t.kind == tokPunct && t.text == ")" {
		return nil
	}
	for {
		if t.kind != tokDirective || t.text != ".param" {
			return p.errorf(t.line, "kernel %s: parameter %d: want .param, got %q", k.Name, len(k.Params), t.text)
		}
		size, align, err := p.parseParamDecl(k.Name, len(k.Params))
		if err != nil {
			return err
		}
		off := lay.add(size, align)
		if lay.end > maxArgsSize {
			return p.errorf(t.line, "kernel %s: parameters exceed %d bytes", k.Name, maxArgsSize)
		}
		k.Params = append(k.Params, hal.Param{Offset: uint32(off), Size: uint32(size)})
		t = p.lx.next()
		if t.kind == tokPunct && t.text == ")" {
			break
		}
		if t.kind != tokPunct || t.text != "," {
			return p.errorf(t.line, "kernel %s: want ',' or ')' after parameter %d, got %q", k.Name, len(k.Params)-1, t.text)
		}
		t = p.lx.next()
	}
	k.ArgsSize = uint32(lay.size())
	return nil
}

// parseParamDecl parses the rest of ".param [.align N] .type [.ptr [.space]
// [.align N]] name[[N]]" and returns the parameter's size and alignment.
// An .align after .ptr is the pointee's alignment, not the parameter's.
func (p *ptxParser) parseParamDecl(kernel string, idx int) (size, align uint64, err error) {
	var elem, vec uint64 = 0, 1
	ptr := false
	for {
		t := p.lx.next()
		if t.kind == tokIdent {
			if elem == 0 {
				return 0, 0, p.errorf(t.line, "kernel %s: parameter %s has no type", kernel, t.text)
			}
			break
		}
		if t.kind != tokDirective {
			return 0, 0, p.errorf(t.line, "kernel %s: parameter %d: unexpected %q", kernel, idx, t.text)
		}
		switch t.text {
		case ".align":
			n := p.lx.next()
			v, ok := parsePTXNumber(n.text)
			if n.kind != tokNumber || !ok || v == 0 || v&(v-1) != 0 || v > 1<<16 {
				return 0, 0, p.errorf(n.line, "kernel %s: parameter %d: bad .align %q", kernel, idx, n.text)
			}
			if !ptr {
				align = v
			}
		case ".ptr":
			ptr = true
		case ".v2":
			vec = 2
		case ".v4":
			vec = 4
		case ".v8":
			vec = 8
		case ".global", ".const", ".local", ".shared":
			if !ptr {
				return 0, 0, p.errorf(t.line, "kernel %s: parameter %d: state space %s without .ptr", kernel, idx, t.text)
			}
		default:
			s := ptxScalarSize(t.text)
			if s == 0 {
				return 0, 0, p.errorf(t.line, "kernel %s: parameter %d: unknown type %q", kernel, idx, t.text)
			}
			elem = s
		}
	}
	size = elem * vec
	if align == 0 {
		align = size
	}
	// Array dimensions.
	for {
		q := p.lx.peekTok()
		if q.kind != tokPunct || q.text != "[" {
			break
		}
		p.lx.next()
		n := p.lx.next()
		v, ok := parsePTXNumber(n.text)
		if n.kind != tokNumber || !ok || v == 0 || v > maxArgsSize {
			return 0, 0, p.errorf(n.line, "kernel %s: parameter %d: bad array length %q", kernel, idx, n.text)
		}
		if c := p.lx.next(); c.kind != tokPunct || c.text != "]" {
			return 0, 0, p.errorf(c.line, "kernel %s: parameter %d: want ']', got %q", kernel, idx, c.text)
		}
		size *= v
		if size > maxArgsSize {
			return 0, 0, p.errorf(n.line, "kernel %s: parameter %d larger than %d bytes", kernel, idx, maxArgsSize)
		}
	}
	if align&(align-1) != 0 { // .v types of 3 are not PTX; keep alignment a power of two
		return 0, 0, p.errorf(0, "kernel %s: parameter %d: alignment %d is not a power of two", kernel, idx, align)
	}
	return size, align, nil
}

// parseBody scans an entry body after its '{': statement-initial .shared
// declarations add to the static shared size, and every identifier used is
// recorded.
func (p *ptxParser) parseBody(line int, e *ptxEntry) error {
	depth := 1
	prev := ptxToken{kind: tokPunct, text: "{"}
	for depth > 0 {
		t := p.lx.next()
		switch t.kind {
		case tokEOF:
			return p.errorf(line, "kernel %s: unterminated body", e.info.Name)
		case tokPunct:
			switch t.text {
			case "{":
				depth++
			case "}":
				depth--
			}
		case tokIdent:
			e.idents[t.text] = true
		case tokDirective:
			stmtStart := t.newline || (prev.kind == tokPunct && (prev.text == ";" || prev.text == "{" || prev.text == "}" || prev.text == ":"))
			if t.text == ".shared" && stmtStart {
				var total uint64
				if err := p.parseVars(t.line, false, func(_ string, size uint64) { total += size }); err != nil {
					return err
				}
				e.info.SharedBytes = satAdd32(e.info.SharedBytes, total)
				prev = ptxToken{kind: tokPunct, text: ";"}
				continue
			}
			if t.text == ".extern" && stmtStart {
				// .extern .shared arrays are dynamic shared memory: no static size.
				p.skipStatement()
				prev = ptxToken{kind: tokPunct, text: ";"}
				continue
			}
		}
		prev = t
	}
	return nil
}

// skipStatement consumes tokens through the next ';'.
func (p *ptxParser) skipStatement() {
	for {
		t := p.lx.next()
		if t.kind == tokEOF || t.kind == tokPunct && t.text == ";" {
			return
		}
	}
}

// parseVars parses the rest of a variable declaration after its state space
// ("[.align N] [.v2] .type name[dims] [= init] [, name...] ;") and calls add
// for each variable. extern declarations are consumed without adding.
func (p *ptxParser) parseVars(line int, extern bool, add func(name string, size uint64)) error {
	var elem, vec uint64 = 0, 1
	var t ptxToken
	for {
		t = p.lx.next()
		if t.kind == tokIdent || t.kind == tokEOF || t.kind == tokPunct {
			break
		}
		switch t.text {
		case ".v2":
			vec = 2
		case ".v4":
			vec = 4
		case ".v8":
			vec = 8
		case ".align":
			p.lx.next()
		case ".attribute":
			// .attribute(.managed) and friends.
			if q := p.lx.peekTok(); q.kind == tokPunct && q.text == "(" {
				for q := p.lx.next(); q.kind != tokEOF && !(q.kind == tokPunct && q.text == ")"); q = p.lx.next() {
				}
			}
		default:
			if s := ptxScalarSize(t.text); s != 0 {
				elem = s
			}
		}
	}
	if t.kind != tokIdent {
		return p.errorf(t.line, "variable declaration wants a name, got %q", t.text)
	}
	if elem == 0 {
		return p.errorf(t.line, "variable %s has no type", t.text)
	}
	for {
		name := t.text
		size := elem * vec
		unsized := false
		for {
			q := p.lx.peekTok()
			if q.kind != tokPunct || q.text != "[" {
				break
			}
			p.lx.next()
			n := p.lx.next()
			if n.kind == tokPunct && n.text == "]" {
				unsized = true
				continue
			}
			v, ok := parsePTXNumber(n.text)
			if n.kind != tokNumber || !ok {
				return p.errorf(n.line, "variable %s: bad array length %q", name, n.text)
			}
			if c := p.lx.next(); c.kind != tokPunct || c.text != "]" {
				return p.errorf(c.line, "variable %s: want ']', got %q", name, c.text)
			}
			if v != 0 && size > (1<<62)/v {
				return p.errorf(n.line, "variable %s: size overflows", name)
			}
			size *= v
		}
		// Initializer: count top-level elements for an unsized array.
		t = p.lx.next()
		if t.kind == tokPunct && t.text == "=" {
			elems, end, err := p.skipInitializer()
			if err != nil {
				return err
			}
			if unsized {
				if elems != 0 && size > (1<<62)/elems {
					return p.errorf(line, "variable %s: size overflows", name)
				}
				size *= elems
				unsized = false
			}
			t = end
		}
		if unsized {
			size = 0
		}
		if !extern {
			add(name, size)
		}
		switch {
		case t.kind == tokPunct && t.text == ";":
			return nil
		case t.kind == tokPunct && t.text == ",":
			t = p.lx.next()
			if t.kind != tokIdent {
				return p.errorf(t.line, "variable declaration wants a name after ',', got %q", t.text)
			}
		default:
			return p.errorf(t.line, "variable %s: want ';', got %q", name, t.text)
		}
	}
}

// skipInitializer consumes an initializer after '=' and returns the number
// of top-level elements of a { } list (1 for a scalar), and the ',' or ';'
// token that ends it.
func (p *ptxParser) skipInitializer() (elems uint64, end ptxToken, err error) {
	depth := 0
	braced := false
	elems = 1
	for {
		t := p.lx.next()
		switch {
		case t.kind == tokEOF:
			return 0, t, p.errorf(t.line, "unterminated initializer")
		case t.kind != tokPunct:
		case t.text == "{" || t.text == "(":
			if depth == 0 && t.text == "{" {
				braced = true
			}
			depth++
		case t.text == "}" || t.text == ")":
			depth--
			if depth < 0 {
				return 0, t, p.errorf(t.line, "unbalanced %q in initializer", t.text)
			}
		case t.text == "," && depth == 1 && braced:
			elems++
		case (t.text == "," || t.text == ";") && depth == 0:
			return elems, t, nil
		}
	}
}
