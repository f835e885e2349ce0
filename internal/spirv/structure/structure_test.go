package structure

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
)

func ret() Block          { return Block{Kind: Return} }
func jmp(s int) Block     { return Block{Kind: Jump, Succs: []int{s}} }
func cond(t, f int) Block { return Block{Kind: Cond, Succs: []int{t, f}} }
func sw(def int, c ...int) Block { // cases 0, 1, 2... to c[0], c[1], ...
	b := Block{Kind: Switch, Succs: append([]int{def}, c...)}
	for i := range c {
		b.Cases = append(b.Cases, uint32(i))
	}
	return b
}

// shapes are graphs of the forms compilers emit, by name.
var shapes = map[string]*Graph{
	"straight":        {Blocks: []Block{jmp(1), jmp(2), ret()}},
	"diamond":         {Blocks: []Block{cond(1, 2), jmp(3), jmp(3), ret()}},
	"if-without-else": {Blocks: []Block{cond(1, 2), jmp(2), ret()}},
	"early-return":    {Blocks: []Block{cond(1, 2), ret(), jmp(3), ret()}},
	"while": {Blocks: []Block{
		jmp(1), cond(2, 3), jmp(1), ret()}},
	"do-while": {Blocks: []Block{
		jmp(1), cond(1, 2), ret()}},
	"self-loop-entry": {Blocks: []Block{cond(0, 1), ret()}},
	"loop-continue": {Blocks: []Block{ // for { if a { continue }; b }
		jmp(1), cond(2, 5), cond(4, 3), jmp(4), jmp(1), ret()}},
	"loop-break": {Blocks: []Block{ // for { if a { break }; b }
		jmp(1), cond(2, 4), cond(4, 3), jmp(1), ret()}},
	"loop-two-exits": {Blocks: []Block{ // found / not found
		jmp(1), cond(2, 4), cond(3, 1), jmp(5), jmp(5), ret()}},
	"loop-return-inside": {Blocks: []Block{
		jmp(1), cond(2, 4), cond(3, 1), ret(), ret()}},
	"nested-break-out": {Blocks: []Block{ // for i { for j { if x goto out } } out:
		jmp(1), cond(2, 6), cond(3, 5), cond(6, 4), jmp(2), jmp(1), ret()}},
	"nested-continue-outer": {Blocks: []Block{ // for i { for j { if x continue i } }
		jmp(1), cond(2, 6), cond(3, 5), cond(5, 4), jmp(2), jmp(1), ret()}},
	"triple-nest-break": {Blocks: []Block{
		jmp(1), cond(2, 9), cond(3, 8), cond(4, 7), cond(9, 5), cond(6, 3), jmp(3), jmp(2), jmp(1), ret()}},
	"infinite-loop":        {Blocks: []Block{jmp(1), jmp(1)}},
	"infinite-with-return": {Blocks: []Block{jmp(1), cond(2, 1), ret()}},
	"predicated-chain": {Blocks: []Block{ // @p bra; @q bra; @r bra ... to one join
		cond(4, 1), cond(4, 2), cond(4, 3), jmp(4), ret()}},
	"goto-end": {Blocks: []Block{ // if a { if b goto end; c }; d; end:
		cond(1, 3), cond(4, 2), jmp(3), jmp(4), ret()}},
	"switch": {Blocks: []Block{sw(4, 1, 2, 3), jmp(4), jmp(4), ret(), ret()}},
	"switch-shared-targets": {Blocks: []Block{
		{Kind: Switch, Succs: []int{1, 2, 2, 1, 3}, Cases: []uint32{7, 9, 11, 13}}, jmp(3), jmp(3), ret()}},
	"switch-in-loop": {Blocks: []Block{
		jmp(1), sw(2, 3, 5, 1), jmp(1), jmp(1), ret(), ret()}},
	"loop-latch-exit": {Blocks: []Block{ // do { a; if c continue; b } while(d)
		jmp(1), cond(3, 2), jmp(3), cond(1, 4), ret()}},
	"two-loops-sequence": {Blocks: []Block{
		jmp(1), cond(1, 2), cond(2, 3), ret()}},
	"loop-exit-to-outer-latch": {Blocks: []Block{
		jmp(1), cond(2, 5), cond(3, 4), cond(2, 4), jmp(1), ret()}},
}

func TestShapes(t *testing.T) {
	tm := newTestModule(spirv.Version1_5)
	var names []string
	var progs []Seq
	for name, g := range shapes {
		prog, err := tm.add(g)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, prog)
		}
		names = append(names, name)
		progs = append(progs, prog)
	}
	words, err := tm.m.Words()
	if err != nil {
		t.Fatal(err)
	}
	if err := spirv.Validate(words); err != nil {
		t.Fatal(err)
	}
	in := newInterp(t, words, tm.e)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			equivalent(t, in, tm.entries[i], shapes[name], progs[i], 64)
		})
	}
	spirvtest.Validate(t, spirv.WordsToBytes(words), "vulkan1.2")
}

// TestShapePrograms pins the structured form of a few shapes: no
// constructs beyond what the control flow needs.
func TestShapePrograms(t *testing.T) {
	want := map[string]string{
		"diamond":         "b0\nif b0 {\n  b1\n} else {\n  b2\n}\nb3\nreturn b3\n",
		"if-without-else": "b0\nif b0 {\n  b1\n}\nb2\nreturn b2\n",
		"while":           "b0\nloop L1 {\n  b1\n  if b1 {\n    b2\n    continue L1\n  }\n}\nb3\nreturn b3\n",
		"loop-break":      "b0\nloop L1 {\n  b1\n  if b1 {\n    b2\n    if b2 {\n    } else {\n      b3\n      continue L1\n    }\n  }\n}\nb4\nreturn b4\n",
	}
	for name, w := range want {
		prog, err := Structure(shapes[name])
		if err != nil {
			t.Fatal(err)
		}
		if got := prog.String(); got != w {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, w)
		}
	}
}

func TestIrreducible(t *testing.T) {
	for name, g := range map[string]*Graph{
		"two-entry-cycle": {Blocks: []Block{cond(1, 2), jmp(2), jmp(1)}},
		"entry-in-middle": {Blocks: []Block{cond(1, 2), cond(2, 3), jmp(1), ret()}},
	} {
		_, err := Structure(g)
		if !errors.Is(err, ErrIrreducible) {
			t.Errorf("%s: error %v, want ErrIrreducible", name, err)
		}
	}
}

func TestBadGraphs(t *testing.T) {
	for name, g := range map[string]*Graph{
		"empty":           {},
		"entry":           {Blocks: []Block{ret()}, Entry: 3},
		"succ range":      {Blocks: []Block{jmp(5)}},
		"cond arity":      {Blocks: []Block{{Kind: Cond, Succs: []int{0}}}},
		"switch cases":    {Blocks: []Block{{Kind: Switch, Succs: []int{0, 0}}}},
		"switch repeated": {Blocks: []Block{{Kind: Switch, Succs: []int{0, 0, 0}, Cases: []uint32{1, 1}}}},
		"kind":            {Blocks: []Block{{Kind: 9}}},
	} {
		if _, err := Structure(g); !errors.Is(err, ErrBadGraph) {
			t.Errorf("%s: error %v, want ErrBadGraph", name, err)
		}
	}
}

// TestRandomGraphs structures random reducible graphs, checks that the
// structured functions visit the graph's blocks in the graph's order
// under random decisions, and runs spirv-val on them (many per module).
func TestRandomGraphs(t *testing.T) {
	count := 900
	if testing.Short() {
		count = 150
	}
	r := rand.New(rand.NewSource(1))
	const perModule = 150
	for start := 0; start < count; start += perModule {
		version := spirv.Version1_5
		if start/perModule%2 == 1 {
			version = spirv.Version1_6
		}
		tm := newTestModule(version)
		var graphs []*Graph
		var progs []Seq
		for i := start; i < start+perModule && i < count; i++ {
			g := randomGraph(r, 2+r.Intn(1+i%40))
			prog, err := tm.add(g)
			if err != nil {
				t.Fatalf("graph %d: %v\n%s\n%s", i, err, graphString(g), prog)
			}
			graphs = append(graphs, g)
			progs = append(progs, prog)
		}
		words, err := tm.m.Words()
		if err != nil {
			t.Fatal(err)
		}
		if err := spirv.Validate(words); err != nil {
			t.Fatal(err)
		}
		in := newInterp(t, words, tm.e)
		for i, g := range graphs {
			equivalent(t, in, tm.entries[i], g, progs[i], 16)
		}
		spirvtest.Tool(t, "spirv-val")
		if err := spirvtest.ValidateErr(spirv.WordsToBytes(words), spirvtest.Env(version)); err != nil {
			// Find the graph spirv-val rejects, for a readable failure.
			for i, g := range graphs {
				one := newTestModule(version)
				one.add(g)
				w, _ := one.m.Words()
				if err := spirvtest.ValidateErr(spirv.WordsToBytes(w), spirvtest.Env(version)); err != nil {
					t.Fatalf("graph %d: %v\n%s\n%s", start+i, firstLines(err.Error(), 6), graphString(g), progs[i])
				}
			}
			t.Fatal(err)
		}
	}
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	if len(l) > n {
		l = l[:n]
	}
	return strings.Join(l, "\n")
}
