package streaming

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// sentinelDecls returns the names of the exported Err* variables that the
// non-test files of dir declare, and for each the expression it is set to.
func sentinelDecls(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	decls := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !n.IsExported() || !strings.HasPrefix(n.Name, "Err") {
						continue
					}
					val := ""
					if i < len(vs.Values) {
						if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok {
							if x, ok := sel.X.(*ast.Ident); ok {
								val = x.Name + "." + sel.Sel.Name
							}
						}
					}
					decls[n.Name] = val
				}
			}
		}
	}
	return decls
}

// TestSentinelsReexported checks that this package re-exports every
// sentinel of package hal under the same name, so that a sentinel added
// to hal cannot be forgotten here (hal.ErrTimeout once was).
func TestSentinelsReexported(t *testing.T) {
	hal := sentinelDecls(t, "../hal")
	ours := sentinelDecls(t, ".")
	if len(hal) < 25 {
		t.Fatalf("found only %d sentinels in package hal: the parser missed them", len(hal))
	}
	for name := range hal {
		if got, want := ours[name], "hal."+name; got != want {
			t.Errorf("streaming.%s = %q, want %s", name, got, want)
		}
	}
	for name, val := range ours {
		if _, ok := hal[name]; !ok && strings.HasPrefix(val, "hal.") {
			t.Errorf("streaming.%s = %s: package hal has no such sentinel", name, val)
		}
	}
}
