// Package capitest builds streamhal's C-API drop-in libraries and runs C
// programs against them, for the tests of capi/libamdhip64 and
// capi/libcuda: the library is built once per test binary (a c-shared
// build takes most of a minute), C programs are compiled with the system
// C compiler and run with LD_LIBRARY_PATH pointing at the library.
package capitest

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lib is a drop-in library built into Dir.
type Lib struct {
	Dir string // holds the library and its links
}

// Build builds the c-shared library of the Go package in pkgDir into a new
// temporary directory as file, whose name is also its soname
// (libamdhip64.so.5, libcuda.so.1), with symlinks named links pointing at
// it. The caller removes Dir.
func Build(pkgDir, file string, links ...string) (*Lib, error) {
	dir, err := os.MkdirTemp("", "streamhal-capi-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-ldflags=-extldflags=-Wl,-soname,"+file, "-o", filepath.Join(dir, file), ".")
	cmd.Dir = pkgDir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("go build -buildmode=c-shared: %v\n%s", err, out)
	}
	// The C header cgo writes beside the library is not the API's header:
	// C programs use the vendor's.
	os.Remove(filepath.Join(dir, file[:len(file)-len(filepath.Ext(file))]+".h"))
	for _, l := range links {
		if err := os.Symlink(file, filepath.Join(dir, l)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return &Lib{Dir: dir}, nil
}

// CC returns the C compiler ($CC, else gcc), or an error saying it is
// missing.
func CC() (string, error) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	p, err := exec.LookPath(cc)
	if err != nil {
		return "", fmt.Errorf("no C compiler (%s): %v", cc, err)
	}
	return p, nil
}

// Compile compiles and links the C program src into dir/name with the
// compiler flags given (include paths, -l of the library), linking
// against the library's directory.
func (l *Lib) Compile(name, src string, flags ...string) (string, error) {
	cc, err := CC()
	if err != nil {
		return "", err
	}
	out := filepath.Join(l.Dir, name)
	args := append([]string{"-O1", "-Wall", "-o", out, src, "-L" + l.Dir}, flags...)
	args = append(args, "-lm")
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out, nil
}

// Run runs the program bin with args and the extra environment env
// ("K=V"), with the library first on LD_LIBRARY_PATH, for at most
// timeout; it returns the combined output and the run's error.
func (l *Lib) Run(timeout time.Duration, bin string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	path := l.Dir
	if p := os.Getenv("LD_LIBRARY_PATH"); p != "" {
		path += ":" + p
	}
	cmd.Env = append(append(os.Environ(), "LD_LIBRARY_PATH="+path), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v: %w", timeout, ctx.Err())
	}
	return out.String(), err
}

// ReadmeList returns the names the README lists in its
// "<details><summary>TITLE (N)</summary>" block, or an error when the block
// is missing or its count is wrong.
func ReadmeList(readme, title string) ([]string, error) {
	head := "<details><summary>" + title + " ("
	i := strings.Index(readme, head)
	if i < 0 {
		return nil, fmt.Errorf("README has no %q list", title)
	}
	rest := readme[i+len(head):]
	j := strings.Index(rest, ")</summary>")
	end := strings.Index(rest, "</details>")
	if j < 0 || end < j {
		return nil, fmt.Errorf("README's %q list is malformed", title)
	}
	n, err := strconv.Atoi(rest[:j])
	if err != nil {
		return nil, fmt.Errorf("README's %q count: %v", title, err)
	}
	var names []string
	for _, f := range strings.Split(rest[j+len(")</summary>"):end], ",") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, f)
		}
	}
	if len(names) != n {
		return nil, fmt.Errorf("README's %q list says %d names and has %d", title, n, len(names))
	}
	return names, nil
}

// CheckReadmeLists checks, from a drop-in's package directory, that the
// repository README's lists of the library's implemented functions (the
// //export names of its Go files) and of its stubs (unsupported.txt) are
// the library's own: implTitle and stubTitle are the lists' titles.
func CheckReadmeLists(t testing.TB, implTitle, stubTitle string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	stubs, err := os.ReadFile("unsupported.txt")
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "//export "); ok {
				exported = append(exported, strings.TrimSpace(name))
			}
		}
	}
	if len(exported) == 0 {
		t.Fatal("no //export lines found: not run from a drop-in's directory")
	}
	slices.Sort(exported)
	for _, l := range []struct {
		title string
		want  []string
	}{{implTitle, exported}, {stubTitle, strings.Fields(string(stubs))}} {
		got, err := ReadmeList(string(readme), l.title)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, l.want) {
			t.Errorf("README's %q list differs from the library's (%d names, want %d): regenerate it", l.title, len(got), len(l.want))
		}
	}
}

// CheckExports checks that the library file of l has soname file and that
// it defines every name of want as a dynamic symbol, and that want has at
// least min names (a short list means the names were not found).
func (l *Lib) CheckExports(t testing.TB, file string, want []string, min int) {
	t.Helper()
	f, err := elf.Open(filepath.Join(l.Dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if so, err := f.DynString(elf.DT_SONAME); err != nil || !slices.Equal(so, []string{file}) {
		t.Errorf("soname %v (%v), want %s", so, err, file)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF {
			have[s.Name] = true
		}
	}
	missing := 0
	for _, w := range want {
		if !have[w] {
			t.Errorf("%s is not exported", w)
			missing++
		}
	}
	if len(want) < min || missing > 0 {
		t.Errorf("%d of %d names missing (want at least %d names)", missing, len(want), min)
	}
}

// ExportedNames returns the names that the Go files of the current
// directory (the drop-in's package, where its tests run) //export.
func ExportedNames(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "//export "); ok {
				out = append(out, strings.TrimSpace(name))
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no //export lines found")
	}
	return out
}
