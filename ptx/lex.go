package ptx

import "strings"

// tokKind classifies a token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tDirective // .name
	tInt       // integer literal
	tFloat     // 0f/0d hex float or decimal float literal
	tString
	tPunct
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of file"
	case tIdent:
		return "identifier"
	case tDirective:
		return "directive"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	case tString:
		return "string"
	}
	return "punctuation"
}

type token struct {
	kind tokKind
	text string
	pos  Pos
}

func (t token) is(kind tokKind, text string) bool { return t.kind == kind && t.text == text }

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return t.text
	}
	return "'" + t.text + "'"
}

// lexer splits PTX into tokens. Identifiers keep their dotted suffixes
// ("ld.global.f32", "%tid.x") and "::" scopes ("ld.shared::cta.u32");
// directives are a dot and a name (".reg"). Comments are skipped.
type lexer struct {
	src       string
	off       int
	line, col int
	errs      *errs
}

func newLexer(src string, e *errs) *lexer {
	return &lexer{src: src, line: 1, col: 1, errs: e}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c == '%'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off++
	}
}

func (l *lexer) peekByte(i int) byte {
	if l.off+i < len(l.src) {
		return l.src[l.off+i]
	}
	return 0
}

// all tokenizes the whole source.
func (l *lexer) all() []token {
	toks := make([]token, 0, len(l.src)/4)
	for {
		t := l.next()
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks
		}
	}
}

func (l *lexer) next() token {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			l.advance(1)
		case c == '/' && l.peekByte(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && l.peekByte(1) == '*':
			start := Pos{l.line, l.col}
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				l.errs.errorf(start, "unterminated /* comment")
				l.advance(len(l.src) - l.off)
				break
			}
			l.advance(2 + end + 2)
		default:
			return l.scan()
		}
	}
	return token{kind: tEOF, pos: Pos{l.line, l.col}}
}

func (l *lexer) scan() token {
	start, pos := l.off, Pos{l.line, l.col}
	c := l.src[l.off]
	kind := tPunct
	switch {
	case c == '.' && isIdentChar(l.peekByte(1)) && !isDigit(l.peekByte(1)):
		l.advance(1)
		for l.off < len(l.src) {
			if isIdentChar(l.src[l.off]) {
				l.advance(1)
			} else if l.src[l.off] == ':' && l.peekByte(1) == ':' && isIdentChar(l.peekByte(2)) {
				l.advance(2)
			} else {
				break
			}
		}
		kind = tDirective
	case isIdentStart(c):
		l.advance(1)
		for l.off < len(l.src) {
			b := l.src[l.off]
			switch {
			case isIdentChar(b):
				l.advance(1)
				continue
			case b == '.' && isIdentChar(l.peekByte(1)):
				l.advance(1)
				continue
			case b == ':' && l.peekByte(1) == ':' && isIdentChar(l.peekByte(2)):
				l.advance(2)
				continue
			}
			break
		}
		kind = tIdent
	case isDigit(c):
		kind = l.scanNumber()
	case c == '"':
		l.advance(1)
		for l.off < len(l.src) && l.src[l.off] != '"' && l.src[l.off] != '\n' {
			if l.src[l.off] == '\\' {
				l.advance(1)
			}
			l.advance(1)
		}
		if l.off >= len(l.src) || l.src[l.off] != '"' {
			l.errs.errorf(pos, "unterminated string")
			return token{kind: tEOF, pos: pos}
		}
		l.advance(1)
		kind = tString
	case (c == '<' || c == '>' || c == '&' || c == '|' || c == '=' || c == '!' || c == ':') &&
		(l.peekByte(1) == c || l.peekByte(1) == '=') && !(c == ':' && l.peekByte(1) == '='):
		// << >> && || == != <= >= ::
		l.advance(2)
	default:
		l.advance(1)
	}
	return token{kind: kind, text: l.src[start:l.off], pos: pos}
}

// scanNumber reads an integer (decimal, 0x, 0b, octal, with an optional U
// suffix), a hex float (0fXXXXXXXX, 0dXXXXXXXXXXXXXXXX) or a decimal float.
func (l *lexer) scanNumber() tokKind {
	start := l.off
	if l.src[l.off] == '0' && (l.peekByte(1)|0x20 == 'f' || l.peekByte(1)|0x20 == 'd') && isHex(l.peekByte(2)) {
		l.advance(2)
		for l.off < len(l.src) && isHex(l.src[l.off]) {
			l.advance(1)
		}
		return tFloat
	}
	if l.src[l.off] == '0' && (l.peekByte(1)|0x20 == 'x' || l.peekByte(1)|0x20 == 'b') {
		l.advance(2)
		for l.off < len(l.src) && (isHex(l.src[l.off])) {
			l.advance(1)
		}
		if l.off < len(l.src) && l.src[l.off]|0x20 == 'u' {
			l.advance(1)
		}
		return tInt
	}
	for l.off < len(l.src) && isDigit(l.src[l.off]) {
		l.advance(1)
	}
	float := false
	if l.off < len(l.src) && l.src[l.off] == '.' && isDigit(l.peekByte(1)) {
		float = true
		l.advance(1)
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.advance(1)
		}
	} else if l.off < len(l.src) && l.src[l.off] == '.' && !isIdentChar(l.peekByte(1)) {
		float = true // "1."
		l.advance(1)
	}
	if l.off < len(l.src) && l.src[l.off]|0x20 == 'e' {
		j := 1
		if l.peekByte(1) == '+' || l.peekByte(1) == '-' {
			j = 2
		}
		if isDigit(l.peekByte(j)) {
			float = true
			l.advance(j)
			for l.off < len(l.src) && isDigit(l.src[l.off]) {
				l.advance(1)
			}
		}
	}
	if !float && l.off < len(l.src) && l.src[l.off]|0x20 == 'u' {
		l.advance(1)
	}
	// Anything glued on ("12abc") makes a malformed number the parser reports.
	for l.off < len(l.src) && isIdentChar(l.src[l.off]) {
		l.advance(1)
	}
	_ = start
	if float {
		return tFloat
	}
	return tInt
}

func isHex(c byte) bool {
	return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f'
}
