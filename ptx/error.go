package ptx

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidPTX is wrapped by every error this package returns, so callers
// can match them with errors.Is without knowing the details.
var ErrInvalidPTX = errors.New("invalid PTX")

// ErrUnsupported is wrapped (together with ErrInvalidPTX) by errors about
// valid PTX that the translators do not support (textures, tensor cores, ...).
var ErrUnsupported = errors.New("not supported")

// Pos is a position in PTX source: 1-based line and column (in bytes).
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is one problem in a PTX module, at a position, with a message in
// the style of ptxas ("line 12:5: unknown instruction 'foo'").
type Error struct {
	Pos Pos
	Msg string
	// Unsupported marks valid PTX that is refused (errors.Is matches
	// ErrUnsupported).
	Unsupported bool
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return "ptx: " + e.Msg
	}
	return fmt.Sprintf("ptx: line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Is makes errors.Is(err, ErrInvalidPTX) (and ErrUnsupported for refused
// features) true.
func (e *Error) Is(target error) bool {
	return target == ErrInvalidPTX || (e.Unsupported && target == ErrUnsupported)
}

// ErrorList is several errors, in source order; its Error method prints
// the first few.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == 10 {
			fmt.Fprintf(&b, "\n(and %d more errors)", len(l)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Is matches ErrInvalidPTX, and ErrUnsupported when any error is one.
func (l ErrorList) Is(target error) bool {
	if target == ErrInvalidPTX {
		return true
	}
	for _, e := range l {
		if e.Is(target) {
			return true
		}
	}
	return false
}

// Unwrap returns the individual errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors bounds how many errors one module reports.
const maxErrors = 50

// errs collects errors while a pass runs.
type errs struct {
	list ErrorList
}

func (e *errs) add(pos Pos, unsupported bool, format string, args ...any) {
	if len(e.list) >= maxErrors {
		return
	}
	e.list = append(e.list, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Unsupported: unsupported})
}

func (e *errs) errorf(pos Pos, format string, args ...any) { e.add(pos, false, format, args...) }

func (e *errs) full() bool { return len(e.list) >= maxErrors }

// err returns nil, the single *Error, or the ErrorList.
func (e *errs) err() error {
	switch len(e.list) {
	case 0:
		return nil
	case 1:
		return e.list[0]
	}
	return e.list
}
