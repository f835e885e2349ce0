package cgen_test

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/cgen"
)

// FuzzTranslate: any input is either refused with an error matching
// ptx.ErrInvalidPTX, or translated into C that the system compiler accepts
// with -Wall -Wextra -Werror; never a panic.
func FuzzTranslate(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/ptx/*.ptx")
	more, _ := filepath.Glob("../../testdata/*.ptx")
	mine, _ := filepath.Glob("testdata/*.ptx")
	warp, _ := filepath.Glob("../testdata/*.ptx")
	printf, _ := filepath.Glob("../../testdata/printf/*.ptx")
	for _, p := range append(append(append(append(seeds, more...), mine...), warp...), printf...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	cc, ccErr := exec.LookPath("cc")
	// The seeds alone (go test without -fuzz) are translated but not all
	// compiled: TestCorpus and friends compile them already.
	if fl := flag.Lookup("test.fuzz"); fl == nil || fl.Value.String() == "" {
		ccErr = errors.New("not fuzzing")
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := cgen.Translate(src, cgen.Options{})
		if err != nil {
			if !errors.Is(err, ptx.ErrInvalidPTX) {
				t.Fatalf("error %v (%T) does not match ptx.ErrInvalidPTX", err, err)
			}
			return
		}
		if ccErr != nil {
			return
		}
		dir := t.TempDir()
		c := filepath.Join(dir, "k.c")
		if err := os.WriteFile(c, res.C, 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"}, cgen.CFlags...)
		if out, err := exec.Command(cc, append(args, c)...).CombinedOutput(); err != nil {
			t.Fatalf("generated C does not compile: %v\n%s\ninput:\n%s", err, firstLines(string(out), 20), src)
		}
	})
}
