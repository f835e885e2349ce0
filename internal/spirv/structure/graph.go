package structure

import (
	"errors"
	"fmt"
)

// ErrIrreducible is wrapped by the error for a graph with a cycle that
// has more than one entry.
var ErrIrreducible = errors.New("irreducible control flow")

// ErrBadGraph is wrapped by the errors for graphs that are malformed: a
// successor out of range, or a terminator with the wrong number of
// successors.
var ErrBadGraph = errors.New("malformed control-flow graph")

// Kind is how a block ends.
type Kind uint8

// Block terminators.
const (
	// Return leaves the function; the block has no successors.
	Return Kind = iota
	// Jump goes to Succs[0].
	Jump
	// Cond goes to Succs[0] when the block's condition is true, else to
	// Succs[1].
	Cond
	// Switch goes to Succs[i+1] when the block's selector equals
	// Cases[i], else to Succs[0] (the default).
	Switch
)

func (k Kind) String() string {
	switch k {
	case Return:
		return "return"
	case Jump:
		return "jump"
	case Cond:
		return "cond"
	case Switch:
		return "switch"
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Block is one basic block of a Graph: how it ends and where it goes.
type Block struct {
	Kind  Kind
	Succs []int
	// Cases are the selector values of a Switch block's Succs[1:], all
	// different.
	Cases []uint32
}

// Graph is a control-flow graph: blocks numbered by their index and an
// entry. Blocks not reachable from the entry are ignored.
type Graph struct {
	Blocks []Block
	Entry  int
}

// analysis is what the structurizer knows of a graph.
type analysis struct {
	g     *Graph
	n     int
	rpo   []int // block -> reverse-postorder number, -1 if unreachable
	order []int // reachable blocks in reverse postorder
	idom  []int // immediate dominator, -1 for the entry and unreachable blocks
	// header[b] is set for loop headers (targets of back edges).
	header []bool
	// body[h] is the natural loop of header h as a bit set.
	body map[int]bitset
	// loopOf[b] is the innermost loop header whose loop holds b (b itself
	// when b is a header), -1 when b is in no loop.
	loopOf []int
	// parent[h] is the header of the loop enclosing h's loop, -1 if none.
	parent map[int]int
	// fwdIn[b] counts b's incoming forward edges (not back edges), with
	// multiplicity.
	fwdIn []int
}

type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (s bitset) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s bitset) set(i int)      { s[i/64] |= 1 << (i % 64) }

// check validates the graph's shape.
func (g *Graph) check() error {
	n := len(g.Blocks)
	if n == 0 {
		return fmt.Errorf("structure: graph has no blocks: %w", ErrBadGraph)
	}
	if g.Entry < 0 || g.Entry >= n {
		return fmt.Errorf("structure: entry %d outside 0..%d: %w", g.Entry, n-1, ErrBadGraph)
	}
	for i, b := range g.Blocks {
		want := -1
		switch b.Kind {
		case Return:
			want = 0
		case Jump:
			want = 1
		case Cond:
			want = 2
		case Switch:
			if len(b.Succs) < 1 || len(b.Cases) != len(b.Succs)-1 {
				return fmt.Errorf("structure: block %d: switch with %d successors and %d cases (want one more successor than cases): %w", i, len(b.Succs), len(b.Cases), ErrBadGraph)
			}
			seen := map[uint32]bool{}
			for _, c := range b.Cases {
				if seen[c] {
					return fmt.Errorf("structure: block %d: switch case %d appears twice: %w", i, c, ErrBadGraph)
				}
				seen[c] = true
			}
		default:
			return fmt.Errorf("structure: block %d: terminator kind %d: %w", i, b.Kind, ErrBadGraph)
		}
		if want >= 0 && len(b.Succs) != want {
			return fmt.Errorf("structure: block %d: %v with %d successors, want %d: %w", i, b.Kind, len(b.Succs), want, ErrBadGraph)
		}
		for _, s := range b.Succs {
			if s < 0 || s >= n {
				return fmt.Errorf("structure: block %d: successor %d outside 0..%d: %w", i, s, n-1, ErrBadGraph)
			}
		}
	}
	return nil
}

// analyze computes reverse postorder, dominators and loops, and rejects
// irreducible graphs.
func analyze(g *Graph) (*analysis, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	n := len(g.Blocks)
	a := &analysis{g: g, n: n, rpo: make([]int, n), idom: make([]int, n), header: make([]bool, n),
		body: map[int]bitset{}, loopOf: make([]int, n), parent: map[int]int{}, fwdIn: make([]int, n)}
	for i := range a.rpo {
		a.rpo[i], a.idom[i], a.loopOf[i] = -1, -1, -1
	}
	// Depth-first search without recursion.
	type frame struct{ b, i int }
	seen := make([]bool, n)
	var post []int
	stack := []frame{{g.Entry, 0}}
	seen[g.Entry] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		succs := g.Blocks[top.b].Succs
		if top.i < len(succs) {
			s := succs[top.i]
			top.i++
			if !seen[s] {
				seen[s] = true
				stack = append(stack, frame{s, 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	a.order = make([]int, len(post))
	for i, b := range post {
		a.rpo[b] = len(post) - 1 - i
		a.order[a.rpo[b]] = b
	}
	// Predecessors of reachable blocks.
	preds := make([][]int, n)
	for _, b := range a.order {
		for _, s := range g.Blocks[b].Succs {
			preds[s] = append(preds[s], b)
		}
	}
	// Dominators: Cooper, Harvey and Kennedy, "A Simple, Fast Dominance
	// Algorithm" (2001), over reverse postorder.
	idom := a.idom
	idom[g.Entry] = g.Entry
	intersect := func(x, y int) int {
		for x != y {
			for a.rpo[x] > a.rpo[y] {
				x = idom[x]
			}
			for a.rpo[y] > a.rpo[x] {
				y = idom[y]
			}
		}
		return x
	}
	for changed := true; changed; {
		changed = false
		for _, b := range a.order[1:] {
			nd := -1
			for _, p := range preds[b] {
				if idom[p] < 0 {
					continue
				}
				if nd < 0 {
					nd = p
				} else {
					nd = intersect(p, nd)
				}
			}
			if nd != idom[b] {
				idom[b] = nd
				changed = true
			}
		}
	}
	idom[g.Entry] = -1
	// Retreating edges (to a block no later in reverse postorder) must be
	// back edges (to a dominator); otherwise some cycle has two entries.
	for _, b := range a.order {
		for _, s := range g.Blocks[b].Succs {
			if a.rpo[s] > a.rpo[b] {
				a.fwdIn[s]++
				continue
			}
			if !a.dominates(s, b) {
				return nil, fmt.Errorf("structure: the edge from block %d to block %d enters a cycle that block %d does not dominate: %w", b, s, s, ErrIrreducible)
			}
			a.header[s] = true
		}
	}
	// Natural loops: the header plus every block that reaches a back
	// edge's source without passing the header.
	for _, h := range a.order {
		if !a.header[h] {
			continue
		}
		body := newBitset(n)
		body.set(h)
		var work []int
		for _, p := range preds[h] {
			if a.dominates(h, p) && !body.has(p) {
				body.set(p)
				work = append(work, p)
			}
		}
		for len(work) > 0 {
			x := work[len(work)-1]
			work = work[:len(work)-1]
			for _, p := range preds[x] {
				if !body.has(p) {
					body.set(p)
					work = append(work, p)
				}
			}
		}
		a.body[h] = body
	}
	// Innermost loops: headers in reverse postorder go from outer to
	// inner (an outer header dominates, so precedes, its inner ones), so
	// the last header whose body holds a block is its innermost.
	for _, h := range a.order {
		if !a.header[h] {
			continue
		}
		a.parent[h] = a.loopOf[h]
		body := a.body[h]
		for _, b := range a.order {
			if body.has(b) {
				a.loopOf[b] = h
			}
		}
	}
	return a, nil
}

// dominates reports whether x dominates y (both reachable).
func (a *analysis) dominates(x, y int) bool {
	for y >= 0 && a.rpo[y] >= a.rpo[x] {
		if y == x {
			return true
		}
		y = a.idom[y]
	}
	return false
}

// inLoop reports whether b is in the loop headed by h.
func (a *analysis) inLoop(h, b int) bool { return a.body[h].has(b) }

// isBackEdge reports whether the edge from b to s goes back to a loop
// header that dominates b.
func (a *analysis) isBackEdge(b, s int) bool { return a.rpo[s] <= a.rpo[b] }
