// Package abitest holds what the tests of the hand-written ABI tables
// (internal/abi/cuda, internal/abi/hip, cuda's enums) share: reading the
// constants as declared, so that a table is checked against the source
// rather than against itself.
package abitest

import (
	"errors"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io/fs"
	"testing"
)

// Const is a typed constant declared in a source file.
type Const struct {
	Name, Type string
	Value      int
}

// ParseConsts reads the typed constants of the given files with go/ast and
// evaluates their literal values; uintptr constants (C's void* markers)
// are left out. It skips t when a file is not there (a
// test binary run away from its sources).
func ParseConsts(t testing.TB, files ...string) []Const {
	t.Helper()
	var out []Const
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if errors.Is(err, fs.ErrNotExist) {
			t.Skipf("%s is not here (the test binary runs away from its sources): %v", f, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok || id.Name == "uintptr" || len(vs.Names) != 1 || len(vs.Values) != 1 {
					continue
				}
				out = append(out, Const{vs.Names[0].Name, id.Name, evalInt(t, vs.Values[0])})
			}
		}
	}
	return out
}

// evalInt evaluates an integer literal, optionally negated.
func evalInt(t testing.TB, e ast.Expr) int {
	t.Helper()
	switch x := e.(type) {
	case *ast.BasicLit:
		v, ok := constant.Int64Val(constant.MakeFromLiteral(x.Value, x.Kind, 0))
		if !ok {
			t.Fatalf("constant %s is not an int", x.Value)
		}
		return int(v)
	case *ast.UnaryExpr:
		if x.Op == token.SUB {
			return -evalInt(t, x.X)
		}
	}
	t.Fatalf("constant value %T is not a literal", e)
	return 0
}
