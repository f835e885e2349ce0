package structure

import (
	"errors"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
)

// graphFromBytes decodes fuzz input into a graph of up to 32 blocks: for
// each block a kind byte and successor bytes (switch case values from the
// input too, made distinct).
func graphFromBytes(data []byte) *Graph {
	if len(data) < 2 {
		return nil
	}
	n := 1 + int(data[0])%32
	g := &Graph{Blocks: make([]Block, n), Entry: int(data[1]) % n}
	p := 2
	next := func() int {
		if p >= len(data) {
			return 0
		}
		p++
		return int(data[p-1])
	}
	for i := range g.Blocks {
		b := &g.Blocks[i]
		k := next()
		b.Kind = Kind(k % 4)
		switch b.Kind {
		case Jump:
			b.Succs = []int{next() % n}
		case Cond:
			b.Succs = []int{next() % n, next() % n}
		case Switch:
			m := 1 + k/4%5
			used := map[uint32]bool{}
			b.Succs = []int{next() % n}
			for range m {
				b.Succs = append(b.Succs, next()%n)
				v := uint32(next())
				for used[v] {
					v++
				}
				used[v] = true
				b.Cases = append(b.Cases, v)
			}
		}
	}
	return g
}

// FuzzStructure: any graph is either structured into a program that
// lowers to valid SPIR-V visiting the graph's blocks in the graph's order,
// or refused with ErrIrreducible; never a panic, never another error.
func FuzzStructure(f *testing.F) {
	f.Add([]byte{3, 0, 2, 1, 2, 1, 0, 0})
	f.Add([]byte{5, 0, 1, 1, 2, 2, 3, 1, 1, 4, 1, 0})
	f.Add([]byte{8, 2, 3, 1, 2, 7, 5, 1, 3, 6, 2, 1, 0, 9, 5, 1, 2, 2, 0, 4, 4})
	for _, g := range shapes {
		b := []byte{byte(len(g.Blocks)), byte(g.Entry)}
		for _, blk := range g.Blocks {
			switch blk.Kind {
			case Switch:
				b = append(b, byte(4*(len(blk.Cases)-1)+3), byte(blk.Succs[0]))
				for i, c := range blk.Cases {
					b = append(b, byte(blk.Succs[i+1]), byte(c))
				}
			default:
				b = append(b, byte(blk.Kind))
				for _, s := range blk.Succs {
					b = append(b, byte(s))
				}
			}
		}
		f.Add(b)
	}
	haveVal := true
	f.Fuzz(func(t *testing.T, data []byte) {
		g := graphFromBytes(data)
		if g == nil {
			return
		}
		tm := newTestModule(spirv.Version1_5)
		prog, err := tm.add(g)
		if errors.Is(err, ErrIrreducible) {
			return
		}
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, graphString(g), prog)
		}
		words, err := tm.m.Words()
		if err != nil {
			t.Fatal(err)
		}
		if err := spirv.Validate(words); err != nil {
			t.Fatal(err)
		}
		equivalent(t, newInterp(t, words, tm.e), tm.entries[0], g, prog, 8)
		if haveVal {
			if err := spirvtest.ValidateErr(spirv.WordsToBytes(words), "vulkan1.2"); err != nil {
				if errors.Is(err, spirvtest.ErrNoTool) {
					haveVal = false
					return
				}
				t.Fatalf("%v\n%s\n%s", firstLines(err.Error(), 6), graphString(g), prog)
			}
		}
	})
}
