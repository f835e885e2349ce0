package structure

import (
	"fmt"

	"github.com/streamhal/streamhal/internal/spirv"
)

// Emitter writes the instructions of a graph's blocks while Lower lays out
// the structured control flow around them.
type Emitter interface {
	// Code appends block b's instructions, not its terminator, to at and
	// returns the block where code continues: at itself, or the last block
	// of control flow it made (a loop of its own, laid out and structured
	// like Lower's), or nil if the code never falls through (it ended the
	// block).
	Code(b int, at *spirv.Block) *spirv.Block
	// Condition returns the boolean that decides a Cond block's branch,
	// computing it in at if need be.
	Condition(b int, at *spirv.Block) spirv.ID
	// Selector returns the 32-bit integer that picks a Switch block's
	// successor.
	Selector(b int, at *spirv.Block) spirv.ID
	// Return ends at for a Return block (OpReturn, OpReturnValue, ...).
	Return(b int, at *spirv.Block)
}

type cKind uint8

const (
	cLoop cKind = iota
	cLabeled
)

type target struct {
	label int
	cont  bool
}

// construct is a Loop or Labeled being lowered: a SPIR-V loop construct.
type construct struct {
	kind  cKind
	label int
	merge *spirv.Block
	cont  *spirv.Block
	// reached is set when control arrives at merge other than by a far
	// jump: by falling off the body or by a Break of the construct.
	reached bool
	// pending are the far branches that leave through merge and go on
	// to an outer construct.
	pending map[target]bool
}

type lowerer struct {
	f     *spirv.Function
	m     *spirv.Module
	e     Emitter
	cur   *spirv.Block
	stack []*construct
	dest  spirv.ID
	u32   spirv.ID
	codes map[target]uint32
	err   error
}

// Lower writes prog into f, starting at at (a block already laid out,
// usually the function's first) and laying out every block it makes after
// it. Every header gets its merge instruction: a Loop or Labeled becomes a
// SPIR-V loop construct (a Labeled's continue target is unreachable, so it
// runs once), an If a selection construct, a SwitchNode a switch. A Break
// or Continue that would leave more than the innermost loop construct
// stores its destination in a Function variable and breaks; the merge
// blocks it passes check that variable and break or continue on.
func Lower(prog Seq, f *spirv.Function, at *spirv.Block, e Emitter) error {
	l := &lowerer{f: f, m: f.Module(), e: e, cur: at, codes: map[target]uint32{}}
	l.u32 = l.m.TypeInt(32, false)
	l.seq(prog)
	if l.err != nil {
		return l.err
	}
	if l.cur != nil {
		return fmt.Errorf("structure: internal error: the program falls off its end: %w", ErrBadGraph)
	}
	return nil
}

func (l *lowerer) fail(format string, args ...any) {
	if l.err == nil {
		l.err = fmt.Errorf("structure: internal error: "+format+": %w", append(args, ErrBadGraph)...)
	}
}

func (l *lowerer) seq(s Seq) {
	for _, n := range s {
		if l.cur == nil || l.err != nil {
			return
		}
		l.node(n)
	}
}

func (l *lowerer) node(n Node) {
	switch n := n.(type) {
	case Code:
		l.cur = l.e.Code(n.Block, l.cur)
	case Ret:
		l.e.Return(n.Block, l.cur)
		l.cur = nil
	case *If:
		l.lowerIf(n)
	case *SwitchNode:
		l.lowerSwitch(n)
	case *Loop:
		l.lowerLoop(cLoop, n.Label, n.Body)
	case *Labeled:
		l.lowerLoop(cLabeled, n.Label, n.Body)
	case Break:
		l.jump(target{n.Label, false})
	case Continue:
		l.jump(target{n.Label, true})
	default:
		l.fail("statement %T", n)
	}
}

// arms lowers the arms of a selection whose header is hdr, each from its
// own block (or straight to merge when empty), and continues at merge.
func (l *lowerer) arms(bodies []Seq, blocks []*spirv.Block, merge *spirv.Block) {
	reached := false
	for i, body := range bodies {
		if blocks[i] == merge {
			reached = true
			continue
		}
		l.cur = l.f.Begin(blocks[i])
		l.seq(body)
		if l.cur != nil {
			l.cur.Branch(merge)
			reached = true
		}
	}
	l.f.Begin(merge)
	if !reached {
		merge.Unreachable()
		l.cur = nil
		return
	}
	l.cur = merge
}

func (l *lowerer) armBlock(body Seq, merge *spirv.Block) *spirv.Block {
	if len(body) == 0 {
		return merge
	}
	return l.f.NewBlock()
}

func (l *lowerer) lowerIf(n *If) {
	if len(n.Then) == 0 && len(n.Else) == 0 {
		return
	}
	c := l.e.Condition(n.Block, l.cur)
	merge := l.f.NewBlock()
	t, e := l.armBlock(n.Then, merge), l.armBlock(n.Else, merge)
	l.cur.SelectionMerge(merge)
	l.cur.BranchConditional(c, t, e)
	l.arms([]Seq{n.Then, n.Else}, []*spirv.Block{t, e}, merge)
}

func (l *lowerer) lowerSwitch(n *SwitchNode) {
	sel := l.e.Selector(n.Block, l.cur)
	merge := l.f.NewBlock()
	bodies := []Seq{n.Default}
	blocks := []*spirv.Block{l.armBlock(n.Default, merge)}
	var cases []spirv.SwitchCase
	for _, a := range n.Arms {
		b := l.armBlock(a.Body, merge)
		bodies = append(bodies, a.Body)
		blocks = append(blocks, b)
		for _, v := range a.Values {
			cases = append(cases, spirv.SwitchCase{Value: v, Target: b})
		}
	}
	l.cur.SelectionMerge(merge)
	l.cur.Switch(sel, blocks[0], cases)
	l.arms(bodies, blocks, merge)
}

func (l *lowerer) lowerLoop(kind cKind, label int, body Seq) {
	header := l.f.NewBlock()
	c := &construct{kind: kind, label: label, merge: l.f.NewBlock(), cont: l.f.NewBlock(), pending: map[target]bool{}}
	l.cur.Branch(header)
	l.f.Begin(header)
	first := l.f.NewBlock()
	header.LoopMerge(c.merge, c.cont)
	header.Branch(first)
	l.stack = append(l.stack, c)
	l.cur = l.f.Begin(first)
	l.seq(body)
	if l.cur != nil {
		// Falling off a Loop's or Labeled's body leaves it.
		l.cur.Branch(c.merge)
		c.reached = true
	}
	l.stack = l.stack[:len(l.stack)-1]
	l.f.Begin(c.cont).Branch(header)
	l.f.Begin(c.merge)
	switch {
	case len(c.pending) > 0:
		l.cur = c.merge
		l.escape(c, c.reached)
	case c.reached:
		l.cur = c.merge
	default:
		c.merge.Unreachable()
		l.cur = nil
	}
}

// innermost returns the innermost construct being lowered, or nil.
func (l *lowerer) innermost() *construct {
	if len(l.stack) == 0 {
		return nil
	}
	return l.stack[len(l.stack)-1]
}

func (l *lowerer) destVar() spirv.ID {
	if l.dest == 0 {
		ptr := l.m.TypePointer(spirv.StorageClassFunction, l.u32)
		l.dest = l.f.Variable(ptr, l.m.Uint32(0))
		l.m.Name(l.dest, "structure.dest")
	}
	return l.dest
}

func (l *lowerer) code(t target) uint32 {
	if c, ok := l.codes[t]; ok {
		return c
	}
	c := uint32(len(l.codes) + 1)
	l.codes[t] = c
	return c
}

// jump lowers a Break or Continue.
func (l *lowerer) jump(t target) {
	in := l.innermost()
	if in == nil {
		l.fail("break or continue of L%d outside any construct", t.label)
		return
	}
	found := false
	for _, c := range l.stack {
		if c.label == t.label && (!t.cont || c.kind == cLoop) {
			found = true
		}
	}
	if !found {
		l.fail("break or continue of L%d, which does not enclose it", t.label)
		return
	}
	if in.label == t.label {
		if t.cont {
			l.cur.Branch(in.cont)
		} else {
			l.cur.Branch(in.merge)
			in.reached = true
		}
		l.cur = nil
		return
	}
	// A far jump: record the destination, leave the innermost construct;
	// its merge block passes the jump on.
	l.cur.EmitIDs(spirv.OpStore, 0, l.destVar(), l.m.Uint32(l.code(t)))
	l.cur.Branch(in.merge)
	in.pending[t] = true
	l.cur = nil
}

// escape writes, at the start of c's merge block (l.cur), the handling
// of far jumps leaving c: each either arrives (at the enclosing
// construct's merge or continue target, clearing the variable) or leaves
// the enclosing construct too. When control also arrives at the merge
// normally (reached), a test of the variable tells the two apart and
// normal code continues in a new block; otherwise the merge block is all
// escape and code after it is dead.
func (l *lowerer) escape(c *construct, reached bool) {
	p := l.innermost()
	if p == nil {
		l.fail("far jumps leave the outermost construct L%d", c.label)
		return
	}
	bool_ := l.m.TypeBool()
	zero := l.m.Uint32(0)
	at := l.cur
	d := at.EmitIDs(spirv.OpLoad, l.u32, l.destVar())
	esc := at
	var normal *spirv.Block
	if reached {
		pending := at.EmitIDs(spirv.OpINotEqual, bool_, d, zero)
		normal, esc = l.f.NewBlock(), l.f.NewBlock()
		at.SelectionMerge(normal)
		at.BranchConditional(pending, esc, normal)
		l.f.Begin(esc)
	}

	brk, cnt := target{p.label, false}, target{p.label, true}
	hasBrk, hasCnt, other := false, false, false
	for t := range c.pending {
		switch {
		case t == brk:
			hasBrk = true
		case t == cnt && p.kind == cLoop:
			hasCnt = true
		default:
			other = true
			p.pending[t] = true
		}
	}
	// The value left in the variable when breaking out of p: cleared if
	// the jump ends at p's merge, kept if it goes further.
	breakOut := func(b *spirv.Block) {
		switch {
		case hasBrk && other:
			is := b.EmitIDs(spirv.OpIEqual, bool_, d, l.m.Uint32(l.code(brk)))
			b.EmitIDs(spirv.OpStore, 0, l.destVar(), b.EmitIDs(spirv.OpSelect, l.u32, is, zero, d))
		case hasBrk:
			b.EmitIDs(spirv.OpStore, 0, l.destVar(), zero)
		}
		b.Branch(p.merge)
		// A jump that ends at p's merge arrives there as a Break of p
		// would; one that goes further is pending there.
		p.reached = p.reached || hasBrk
	}
	if hasCnt {
		if !hasBrk && !other {
			// Only continues can be pending: no test needed.
			esc.EmitIDs(spirv.OpStore, 0, l.destVar(), zero)
			esc.Branch(p.cont)
		} else {
			toCont, out, unreached := l.f.NewBlock(), l.f.NewBlock(), l.f.NewBlock()
			is := esc.EmitIDs(spirv.OpIEqual, bool_, d, l.m.Uint32(l.code(cnt)))
			esc.SelectionMerge(unreached)
			esc.BranchConditional(is, toCont, out)
			l.f.Begin(toCont)
			toCont.EmitIDs(spirv.OpStore, 0, l.destVar(), zero)
			toCont.Branch(p.cont)
			l.f.Begin(out)
			breakOut(out)
			l.f.Begin(unreached).Unreachable()
		}
	} else {
		breakOut(esc)
	}
	l.cur = nil
	if normal != nil {
		l.cur = l.f.Begin(normal)
	}
}
