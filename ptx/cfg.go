package ptx

import "fmt"

// Block is a basic block: a maximal run of instructions entered only at
// its first and left only after its last.
type Block struct {
	ID     int
	Start  int // index of the first instruction in Func.Body
	End    int // one past the last
	Insts  []*Inst
	Labels []*Label
	Succs  []*Block
	Preds  []*Block
	// Reachable from the entry.
	Reachable bool
	// Dominator tree (nil for the entry and unreachable blocks).
	IDom *Block
	// Post-dominator tree (nil for blocks that never reach an exit, and
	// for exits themselves).
	IPDom *Block
	// RPO is the reverse-postorder number (-1 if unreachable).
	RPO int
	// Loop is the innermost loop containing the block (nil if none).
	Loop *Loop
	// Liveness (register IDs), filled in by Liveness.
	LiveIn, LiveOut RegSet
}

func (b *Block) String() string { return fmt.Sprintf("b%d", b.ID) }

// Last returns the block's last instruction (nil for an empty block).
func (b *Block) Last() *Inst {
	if len(b.Insts) == 0 {
		return nil
	}
	return b.Insts[len(b.Insts)-1]
}

// Loop is a natural loop.
type Loop struct {
	Header *Block
	Blocks []*Block // header first
	Parent *Loop
	Depth  int // 1 for outermost loops
	// Latches are the sources of the back edges.
	Latches []*Block
	// Exits are blocks outside the loop with a predecessor inside.
	Exits []*Block
}

// CFG is the control-flow graph of one function.
type CFG struct {
	Func   *Func
	Blocks []*Block
	Entry  *Block
	// Order is the reachable blocks in reverse postorder.
	Order []*Block
	Loops []*Loop
	// Reducible is false when some cycle has more than one entry.
	Reducible bool
	// IrreducibleAt is a block inside an irreducible cycle, if any.
	IrreducibleAt *Block
}

// endsBlock reports whether control may leave the straight line after in.
func endsBlock(in *Inst) bool {
	switch in.Op {
	case "bra", "brx", "ret", "exit", "trap":
		return true
	}
	return false
}

// BuildCFG splits f's body into basic blocks, links them and computes
// reverse postorder, dominators, post-dominators and loops. It sets
// Func.Blocks, Inst.Block and Label.Block.
func BuildCFG(f *Func) *CFG {
	n := len(f.Body)
	leader := make([]bool, n+1)
	leader[0] = true
	for _, l := range f.Labels {
		if l.Index >= 0 && l.Index <= n {
			leader[l.Index] = true
		}
	}
	for i, in := range f.Body {
		if endsBlock(in) {
			leader[i+1] = true
		}
	}
	g := &CFG{Func: f}
	at := make([]*Block, n+1)
	for i := 0; i < n; {
		j := i + 1
		for j < n && !leader[j] {
			j++
		}
		b := &Block{ID: len(g.Blocks), Start: i, End: j, Insts: f.Body[i:j], RPO: -1}
		g.Blocks = append(g.Blocks, b)
		for k := i; k < j; k++ {
			at[k] = b
			f.Body[k].Block = b
		}
		i = j
	}
	for _, l := range f.Labels {
		l.Block = nil
		if l.Index >= 0 && l.Index < n {
			l.Block = at[l.Index]
			at[l.Index].Labels = append(at[l.Index].Labels, l)
		}
	}
	link := func(from, to *Block) {
		for _, s := range from.Succs {
			if s == to {
				return
			}
		}
		from.Succs = append(from.Succs, to)
		to.Preds = append(to.Preds, from)
	}
	for _, b := range g.Blocks {
		last := b.Last()
		fall := b.End < n
		switch last.Op {
		case "bra":
			if t := last.Args[0].Label; t != nil && t.Block != nil {
				link(b, t.Block)
			}
			fall = fall && last.Guard != nil
		case "brx":
			for _, l := range last.Args[1].Table.Labels {
				if l.Block != nil {
					link(b, l.Block)
				}
			}
			fall = fall && last.Guard != nil
		case "ret", "exit", "trap":
			fall = fall && last.Guard != nil
		}
		if fall {
			link(b, at[b.End])
		}
	}
	if len(g.Blocks) > 0 {
		g.Entry = g.Blocks[0]
	}
	f.Blocks = g.Blocks
	g.order()
	g.dominators()
	g.postDominators()
	g.loops()
	return g
}

// order computes reverse postorder with an explicit stack (bodies can be
// long; no recursion).
func (g *CFG) order() {
	if g.Entry == nil {
		return
	}
	type frame struct {
		b *Block
		i int
	}
	seen := make([]bool, len(g.Blocks))
	var post []*Block
	stack := []frame{{g.Entry, 0}}
	seen[g.Entry.ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i < len(top.b.Succs) {
			s := top.b.Succs[top.i]
			top.i++
			if !seen[s.ID] {
				seen[s.ID] = true
				stack = append(stack, frame{s, 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	g.Order = make([]*Block, len(post))
	for i, b := range post {
		b.RPO = len(post) - 1 - i
		b.Reachable = true
		g.Order[b.RPO] = b
	}
}

// dominators is Cooper, Harvey and Kennedy's iterative algorithm.
func (g *CFG) dominators() {
	if g.Entry == nil {
		return
	}
	idom := make([]*Block, len(g.Blocks))
	idom[g.Entry.ID] = g.Entry
	intersect := func(a, b *Block) *Block {
		for a != b {
			for a.RPO > b.RPO {
				a = idom[a.ID]
			}
			for b.RPO > a.RPO {
				b = idom[b.ID]
			}
		}
		return a
	}
	for changed := true; changed; {
		changed = false
		for _, b := range g.Order[1:] {
			var nd *Block
			for _, p := range b.Preds {
				if !p.Reachable || idom[p.ID] == nil {
					continue
				}
				if nd == nil {
					nd = p
				} else {
					nd = intersect(p, nd)
				}
			}
			if nd != nil && idom[b.ID] != nd {
				idom[b.ID] = nd
				changed = true
			}
		}
	}
	for _, b := range g.Order {
		if b != g.Entry {
			b.IDom = idom[b.ID]
		}
	}
}

// Dominates reports whether a dominates b (every block dominates itself).
func Dominates(a, b *Block) bool {
	for ; b != nil; b = b.IDom {
		if a == b {
			return true
		}
	}
	return false
}

// PostDominates reports whether a post-dominates b.
func PostDominates(a, b *Block) bool {
	for ; b != nil; b = b.IPDom {
		if a == b {
			return true
		}
	}
	return false
}

// postDominators runs the same algorithm on the reverse graph with a
// virtual exit joined to every block without successors.
func (g *CFG) postDominators() {
	nb := len(g.Blocks)
	if nb == 0 {
		return
	}
	exit := nb // virtual node
	succs := func(i int) []int {
		if i == exit {
			return nil
		}
		var out []int
		for _, p := range g.Blocks[i].Preds {
			out = append(out, p.ID)
		}
		return out
	}
	// Reverse-graph predecessors of i are its CFG successors (and exit for
	// blocks without successors).
	rpreds := func(i int) []int {
		if i == exit {
			return nil
		}
		b := g.Blocks[i]
		var out []int
		for _, s := range b.Succs {
			out = append(out, s.ID)
		}
		if len(b.Succs) == 0 {
			out = append(out, exit)
		}
		return out
	}
	// Postorder of the reverse graph from exit.
	rpo := make([]int, nb+1)
	for i := range rpo {
		rpo[i] = -1
	}
	var post []int
	type frame struct {
		n    int
		next []int
	}
	roots := []int{}
	for _, b := range g.Blocks {
		if len(b.Succs) == 0 {
			roots = append(roots, b.ID)
		}
	}
	seen := make([]bool, nb+1)
	seen[exit] = true
	stack := []frame{{exit, roots}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if len(top.next) > 0 {
			s := top.next[0]
			top.next = top.next[1:]
			if !seen[s] {
				seen[s] = true
				stack = append(stack, frame{s, succs(s)})
			}
			continue
		}
		post = append(post, top.n)
		stack = stack[:len(stack)-1]
	}
	for i, n := range post {
		rpo[n] = len(post) - 1 - i
	}
	order := make([]int, len(post))
	for _, n := range post {
		order[rpo[n]] = n
	}
	ipdom := make([]int, nb+1)
	for i := range ipdom {
		ipdom[i] = -1
	}
	ipdom[exit] = exit
	intersect := func(a, b int) int {
		for a != b {
			for rpo[a] > rpo[b] {
				a = ipdom[a]
			}
			for rpo[b] > rpo[a] {
				b = ipdom[b]
			}
		}
		return a
	}
	for changed := true; changed; {
		changed = false
		for _, n := range order[1:] {
			nd := -1
			for _, p := range rpreds(n) {
				if rpo[p] < 0 || ipdom[p] < 0 {
					continue
				}
				if nd < 0 {
					nd = p
				} else {
					nd = intersect(p, nd)
				}
			}
			if nd >= 0 && ipdom[n] != nd {
				ipdom[n] = nd
				changed = true
			}
		}
	}
	for _, b := range g.Blocks {
		if d := ipdom[b.ID]; d >= 0 && d != exit {
			b.IPDom = g.Blocks[d]
		}
	}
}

// loops finds natural loops from back edges (an edge to a dominator) and
// checks reducibility: a retreating edge (to an earlier block in RPO) that
// is not a back edge means a cycle with two entries.
func (g *CFG) loops() {
	g.Reducible = true
	byHeader := map[*Block]*Loop{}
	for _, b := range g.Order {
		for _, s := range b.Succs {
			if s.RPO > b.RPO {
				continue
			}
			if !Dominates(s, b) {
				g.Reducible = false
				if g.IrreducibleAt == nil {
					g.IrreducibleAt = s
				}
				continue
			}
			l := byHeader[s]
			if l == nil {
				l = &Loop{Header: s}
				byHeader[s] = l
				g.Loops = append(g.Loops, l)
			}
			l.Latches = append(l.Latches, b)
		}
	}
	// Loop bodies: walk predecessors back from the latches to the header.
	for _, l := range g.Loops {
		in := map[*Block]bool{l.Header: true}
		l.Blocks = []*Block{l.Header}
		work := append([]*Block(nil), l.Latches...)
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			if in[b] || !b.Reachable {
				continue
			}
			in[b] = true
			l.Blocks = append(l.Blocks, b)
			work = append(work, b.Preds...)
		}
		for _, b := range l.Blocks {
			for _, s := range b.Succs {
				if !in[s] && !containsBlock(l.Exits, s) {
					l.Exits = append(l.Exits, s)
				}
			}
		}
	}
	// Nesting: a loop's parent is the smallest other loop containing its
	// header.
	for _, l := range g.Loops {
		for _, o := range g.Loops {
			if o == l || !containsBlock(o.Blocks, l.Header) || len(o.Blocks) <= len(l.Blocks) {
				continue
			}
			if l.Parent == nil || len(o.Blocks) < len(l.Parent.Blocks) {
				l.Parent = o
			}
		}
	}
	for _, l := range g.Loops {
		for p := l; p != nil; p = p.Parent {
			l.Depth++
		}
		for _, b := range l.Blocks {
			if b.Loop == nil || len(l.Blocks) < len(b.Loop.Blocks) {
				b.Loop = l
			}
		}
	}
}

func containsBlock(l []*Block, b *Block) bool {
	for _, x := range l {
		if x == b {
			return true
		}
	}
	return false
}
