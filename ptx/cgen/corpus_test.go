package cgen_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/kernels/corpus"
	"github.com/streamhal/streamhal/ptx/cgen"
	"github.com/streamhal/streamhal/streaming"
)

// buildLibrary translates PTX and compiles it into a CPU kernel library
// the way the CPU backend does (internal/kbuild, cgen.CFlags).
func buildLibrary(t testing.TB, src []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	res, err := cgen.Translate(src, cgen.Options{})
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	lib, _, err := kbuild.Build(context.Background(), res.C, []byte(cgen.Version), kbuild.Options{Flags: cgen.CFlags, CacheDir: "off"})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return lib
}

// TestCorpus runs every case of the PTX corpus (kernels/corpus) from every
// clang build in testdata/ptx, translated to C and loaded on the CPU
// backend as a CPU kernel library, against the cases' Go references.
func TestCorpus(t *testing.T) {
	files, err := corpus.Files("../../testdata/ptx")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	cases := corpus.Cases()
	for _, f := range files {
		if f.Format != "ptx" && !strings.HasSuffix(f.Path, ".ptx") {
			continue
		}
		f := f
		t.Run(f.Module+"."+f.Variant(), func(t *testing.T) {
			src, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			lib := buildLibrary(t, src)
			mod, err := ctx.LoadModuleData(lib)
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close()
			n := 0
			for _, c := range cases {
				if c.Module != f.Module || c.NVCCOnly {
					continue
				}
				n++
				t.Run(strings.TrimPrefix(c.Name, c.Module+"/"), func(t *testing.T) {
					run := c.Build()
					for _, k := range run.Kernels() {
						if _, err := mod.Function(k); err != nil {
							t.Skipf("kernel %s not in this build: %v", k, err)
						}
					}
					res, err := corpus.Execute(ctx, mod, run)
					if err != nil {
						t.Fatal(err)
					}
					if err := run.Verify(res); err != nil {
						t.Error(err)
					}
				})
			}
			if n == 0 {
				t.Skip("no cases for this module")
			}
		})
	}
}
