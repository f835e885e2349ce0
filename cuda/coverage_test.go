package cuda_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exportedFuncs lists the exported functions of the package in dir.
func exportedFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
					names[fd.Name.Name] = true
				}
			}
		}
	}
	return names
}

// seedIPCNames are the original design's IPC and pool export and import
// names, in both APIs: each must be a function of its package and sit in
// a README row that is not ❌.
var seedIPCNames = []string{
	"cuIpcGetMemHandle", "cuIpcOpenMemHandle", "cuIpcCloseMemHandle", "cuIpcGetEventHandle", "cuIpcOpenEventHandle",
	"cuMemPoolExportToShareableHandle", "cuMemPoolImportFromShareableHandle", "cuMemPoolExportPointer", "cuMemPoolImportPointer",
	"hipIpcGetMemHandle", "hipIpcOpenMemHandle", "hipIpcCloseMemHandle", "hipIpcGetEventHandle", "hipIpcOpenEventHandle",
	"hipMemPoolExportToShareableHandle", "hipMemPoolImportFromShareableHandle", "hipMemPoolExportPointer", "hipMemPoolImportPointer",
}

// TestSeedNameCoverage checks the README's API table against the
// packages: every plain C name in a row (cuX, hipX) is a function of
// package cuda or hip (X), and the IPC and pool export names are all
// there, in rows that work.
func TestSeedNameCoverage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Skipf("README not found (test binary run outside the repository?): %v", err)
	}
	funcs := map[string]map[string]bool{"cu": exportedFuncs(t, "."), "hip": exportedFuncs(t, filepath.Join("..", "hip"))}
	name := regexp.MustCompile(`^(cu|hip)([A-Z][A-Za-z0-9_]*)$`)
	rows := map[string]string{} // C name -> its row
	for _, line := range strings.Split(string(readme), "\n") {
		if !strings.HasPrefix(line, "| cu") && !strings.HasPrefix(line, "| hip") && !strings.HasPrefix(line, "| |") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			continue
		}
		for _, cell := range cells[1:3] {
			for _, w := range strings.Split(cell, ",") {
				w = strings.TrimSpace(w)
				m := name.FindStringSubmatch(w)
				if m == nil {
					continue // families (hipCtx*), alternations (Retain/Release), notes
				}
				rows[w] = line
				if !funcs[m[1]][m[2]] {
					t.Errorf("README lists %s, but package %s has no function %s", w, map[string]string{"cu": "cuda", "hip": "hip"}[m[1]], m[2])
				}
			}
		}
	}
	for _, n := range seedIPCNames {
		row, ok := rows[n]
		switch {
		case !ok:
			t.Errorf("%s: no row of the README's API table names it", n)
		case strings.Contains(row, "❌"):
			t.Errorf("%s: its README row is ❌: %s", n, row)
		}
		m := name.FindStringSubmatch(n)
		if !funcs[m[1]][m[2]] {
			t.Errorf("%s: not a function of its package", n)
		}
	}
}
