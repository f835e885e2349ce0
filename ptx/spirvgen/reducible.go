package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/internal/spirv/structure"
)

// The scheduler (sched.go) enters the kernel's code at every sync point
// from its dispatch switch. A sync point inside a loop that can go round
// without reaching it (the outer loop of a nest whose inner loop holds a
// barrier, a loop with a barrier under an if) then has two entries: its
// header, from the kernel's entry, and the resume point, from the
// dispatch. The PTX was reducible; the rewritten graph is not, and the
// structurizer refuses it (probe finding B2: a barrier in nested loops
// whose counters live in .local memory, which the divergence analysis
// cannot prove uniform).
//
// makeReducible restores a reducible graph the classic way: a cycle with
// several entries gets a new header, a switch on a per-thread variable
// that every edge into an entry sets to that entry's number, and the
// cycles inside it (without the new header) are treated the same way.
// Only scheduled kernels need it; their dispatch is not on a uniform path
// anyway, so the extra switch costs nothing a barrier cares about.

// makeReducible rewrites e.blocks, reachable from entry, so that every
// cycle has a single entry; it returns the (possibly new) entry.
func (e *fn) makeReducible(entry int) int {
	r := &reducer{e: e, entry: entry}
	reach := make([]bool, len(e.blocks))
	var all []int
	work := []int{entry}
	reach[entry] = true
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		all = append(all, b)
		for _, s := range e.blocks[b].succs {
			if !reach[s] {
				reach[s] = true
				work = append(work, s)
			}
		}
	}
	r.preds = make([][]int, len(e.blocks))
	for _, b := range all {
		for _, s := range e.blocks[b].succs {
			r.preds[s] = append(r.preds[s], b)
		}
	}
	r.split(all)
	return r.entry
}

type reducer struct {
	e     *fn
	entry int
	preds [][]int
}

// split finds the cycles among nodes (edges leaving nodes ignored) and
// gives each a single entry, then does the same inside each cycle
// without its header.
func (r *reducer) split(nodes []int) {
	for _, c := range r.sccs(nodes) {
		in := map[int]bool{}
		for _, b := range c {
			in[b] = true
		}
		var entries []int
		for _, b := range c {
			if b == r.entry {
				entries = append(entries, b)
				continue
			}
			for _, p := range r.preds[b] {
				if !in[p] {
					entries = append(entries, b)
					break
				}
			}
		}
		header := entries[0]
		if len(entries) > 1 {
			header = r.dispatch(entries, in)
		}
		var inner []int
		for _, b := range c {
			if b != header {
				inner = append(inner, b)
			}
		}
		r.split(inner)
	}
}

// dispatch routes every edge into entries, the entries of cycle in,
// through a new switch block and returns it. Each entry gets two blocks
// that set its number: one for the edges from outside the cycle, one
// for those from inside, so that the switch is the cycle's only entry.
func (r *reducer) dispatch(entries []int, in map[int]bool) int {
	e := r.e
	g := e.g
	v := e.tmpVar(g.tU32)
	d := r.add(&gblock{kind: structure.Switch,
		custom: func(at *spirv.Block) *spirv.Block { return at },
		selFn:  func() spirv.ID { return e.load(g.tU32, v) }})
	for i, n := range entries {
		i := uint32(i)
		setter := map[bool]int{}
		for _, p := range r.preds[n] {
			set, ok := setter[in[p]]
			if !ok {
				set = r.add(&gblock{kind: structure.Jump, succs: []int{d},
					custom: func(at *spirv.Block) *spirv.Block {
						e.cur = at
						e.store(v, e.u32(i))
						return e.cur
					}})
				setter[in[p]] = set
				r.preds[d] = append(r.preds[d], set)
			}
			ps := e.blocks[p].succs
			for j := range ps {
				if ps[j] == n {
					ps[j] = set
				}
			}
			r.preds[set] = append(r.preds[set], p)
		}
		if n == r.entry {
			set := r.add(&gblock{kind: structure.Jump, succs: []int{d},
				custom: func(at *spirv.Block) *spirv.Block {
					e.cur = at
					e.store(v, e.u32(i))
					return e.cur
				}})
			r.preds[d] = append(r.preds[d], set)
			r.entry = set
		}
		r.preds[n] = []int{d}
		sw := e.blocks[d]
		sw.succs = append(sw.succs, n)
		if i > 0 {
			sw.cases = append(sw.cases, i)
		}
	}
	return d
}

// add appends a block.
func (r *reducer) add(b *gblock) int {
	r.e.blocks = append(r.e.blocks, b)
	r.preds = append(r.preds, nil)
	return len(r.e.blocks) - 1
}

// sccs returns the strongly connected components of the graph induced by
// nodes that hold a cycle (Tarjan's algorithm).
func (r *reducer) sccs(nodes []int) [][]int {
	blocks := r.e.blocks
	in := map[int]bool{}
	for _, b := range nodes {
		in[b] = true
	}
	index := map[int]int{}
	low := map[int]int{}
	onStack := map[int]bool{}
	var stack []int
	var out [][]int
	var visit func(b int)
	visit = func(b int) {
		index[b] = len(index)
		low[b] = index[b]
		stack = append(stack, b)
		onStack[b] = true
		self := false
		for _, s := range blocks[b].succs {
			if !in[s] {
				continue
			}
			if s == b {
				self = true
			}
			if _, ok := index[s]; !ok {
				visit(s)
				low[b] = min(low[b], low[s])
			} else if onStack[s] {
				low[b] = min(low[b], index[s])
			}
		}
		if low[b] != index[b] {
			return
		}
		var c []int
		for {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[x] = false
			c = append(c, x)
			if x == b {
				break
			}
		}
		if len(c) > 1 || self {
			out = append(out, c)
		}
	}
	for _, b := range nodes {
		if _, ok := index[b]; !ok {
			visit(b)
		}
	}
	return out
}
