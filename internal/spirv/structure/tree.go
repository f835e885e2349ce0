package structure

import (
	"fmt"
	"slices"
	"strings"
)

// Node is a statement of a structured program.
type Node interface{ node() }

// Seq is a sequence of statements.
type Seq []Node

// Code runs the instructions of a block of the graph (not its
// terminator).
type Code struct{ Block int }

// If branches on the condition of a Cond block.
type If struct {
	Block      int
	Then, Else Seq
}

// SwitchArm is one arm of a Switch: the selector values that choose it.
type SwitchArm struct {
	Values []uint32
	Body   Seq
}

// SwitchNode branches on the selector of a Switch block.
type SwitchNode struct {
	Block   int
	Default Seq
	Arms    []SwitchArm
}

// Loop repeats its body while it ends in a Continue of its label; falling
// off its end leaves it.
type Loop struct {
	Label int
	Body  Seq
}

// Labeled runs its body once; a Break of its label leaves it early.
type Labeled struct {
	Label int
	Body  Seq
}

// Break leaves the enclosing Loop or Labeled with the label.
type Break struct{ Label int }

// Continue starts the next iteration of the enclosing Loop with the label.
type Continue struct{ Label int }

// Ret ends the function at a Return block.
type Ret struct{ Block int }

func (Code) node()        {}
func (*If) node()         {}
func (*SwitchNode) node() {}
func (*Loop) node()       {}
func (*Labeled) node()    {}
func (Break) node()       {}
func (Continue) node()    {}
func (Ret) node()         {}

// Labels are graph block numbers: a Loop is labelled by its header, a
// Labeled by the block that follows it.

// Structure turns a reducible graph into a structured program (see the
// package documentation for the algorithm and the rules it keeps).
func Structure(g *Graph) (Seq, error) {
	a, err := analyze(g)
	if err != nil {
		return nil, err
	}
	b := &builder{a: a, follower: make([]int, a.n), inner: map[int][]int{}, outer: map[int][]int{}}
	for i := range b.follower {
		b.follower[i] = -1
	}
	for _, y := range a.order[1:] {
		p := a.idom[y]
		// The outermost loop that holds p but not y: y must come after it.
		h := -1
		for l := a.loopOf[p]; l >= 0 && !a.inLoop(l, y); l = a.parent[l] {
			h = l
		}
		switch {
		case h >= 0:
			b.follower[y] = h
			b.outer[h] = append(b.outer[h], y)
		case a.fwdIn[y] >= 2:
			b.follower[y] = p
			b.inner[p] = append(b.inner[p], y)
		}
	}
	// a.order is reverse postorder, so the lists are sorted by it.
	seq := b.code(g.Entry)
	seq = simplify(seq)
	return seq, nil
}

type builder struct {
	a *analysis
	// follower[y] is the block after whose code y is placed (-1 when y's
	// code is written where its one predecessor branches to it).
	follower []int
	// inner[x] and outer[x] list the blocks placed after x, inside and
	// (for loop headers) outside its loop, in reverse postorder.
	inner, outer map[int][]int
}

func (b *builder) code(x int) Seq {
	body := b.nest(x, b.inner[x])
	if b.a.header[x] {
		body = Seq{&Loop{Label: x, Body: body}}
	}
	for _, y := range b.outer[x] {
		body = append(Seq{&Labeled{Label: y, Body: body}}, b.code(y)...)
	}
	return body
}

// nest writes x's code inside one Labeled per block that follows it, the
// last in reverse postorder outermost, so that each follower's code can
// branch forward to the ones after it.
func (b *builder) nest(x int, ys []int) Seq {
	if len(ys) == 0 {
		return append(Seq{Code{x}}, b.term(x)...)
	}
	last := ys[len(ys)-1]
	return append(Seq{&Labeled{Label: last, Body: b.nest(x, ys[:len(ys)-1])}}, b.code(last)...)
}

func (b *builder) term(x int) Seq {
	blk := &b.a.g.Blocks[x]
	switch blk.Kind {
	case Return:
		return Seq{Ret{x}}
	case Jump:
		return b.branch(x, blk.Succs[0])
	case Cond:
		if blk.Succs[0] == blk.Succs[1] {
			return b.branch(x, blk.Succs[0])
		}
		return Seq{&If{Block: x, Then: b.branch(x, blk.Succs[0]), Else: b.branch(x, blk.Succs[1])}}
	}
	// Switch: one arm per distinct target other than the default's.
	s := &SwitchNode{Block: x, Default: b.branch(x, blk.Succs[0])}
	arm := map[int]int{}
	for i, t := range blk.Succs[1:] {
		if t == blk.Succs[0] {
			continue // same as the default
		}
		if j, ok := arm[t]; ok {
			s.Arms[j].Values = append(s.Arms[j].Values, blk.Cases[i])
			continue
		}
		arm[t] = len(s.Arms)
		s.Arms = append(s.Arms, SwitchArm{Values: []uint32{blk.Cases[i]}, Body: b.branch(x, t)})
	}
	if len(s.Arms) == 0 {
		return s.Default
	}
	return Seq{s}
}

func (b *builder) branch(x, y int) Seq {
	switch {
	case b.a.isBackEdge(x, y):
		return Seq{Continue{y}}
	case b.follower[y] >= 0:
		return Seq{Break{y}}
	}
	return b.code(y)
}

// String prints the program, one statement a line, for debugging and
// test failures.
func (s Seq) String() string {
	var w strings.Builder
	printSeq(&w, s, 0)
	return w.String()
}

func printSeq(w *strings.Builder, s Seq, depth int) {
	ind := strings.Repeat("  ", depth)
	for _, n := range s {
		switch n := n.(type) {
		case Code:
			fmt.Fprintf(w, "%sb%d\n", ind, n.Block)
		case *If:
			fmt.Fprintf(w, "%sif b%d {\n", ind, n.Block)
			printSeq(w, n.Then, depth+1)
			if len(n.Else) > 0 {
				fmt.Fprintf(w, "%s} else {\n", ind)
				printSeq(w, n.Else, depth+1)
			}
			fmt.Fprintf(w, "%s}\n", ind)
		case *SwitchNode:
			fmt.Fprintf(w, "%sswitch b%d {\n", ind, n.Block)
			for _, a := range n.Arms {
				fmt.Fprintf(w, "%scase %v:\n", ind, a.Values)
				printSeq(w, a.Body, depth+1)
			}
			fmt.Fprintf(w, "%sdefault:\n", ind)
			printSeq(w, n.Default, depth+1)
			fmt.Fprintf(w, "%s}\n", ind)
		case *Loop:
			fmt.Fprintf(w, "%sloop L%d {\n", ind, n.Label)
			printSeq(w, n.Body, depth+1)
			fmt.Fprintf(w, "%s}\n", ind)
		case *Labeled:
			fmt.Fprintf(w, "%sblock L%d {\n", ind, n.Label)
			printSeq(w, n.Body, depth+1)
			fmt.Fprintf(w, "%s}\n", ind)
		case Break:
			fmt.Fprintf(w, "%sbreak L%d\n", ind, n.Label)
		case Continue:
			fmt.Fprintf(w, "%scontinue L%d\n", ind, n.Label)
		case Ret:
			fmt.Fprintf(w, "%sreturn b%d\n", ind, n.Block)
		}
	}
}

// ends reports whether control never falls off the end of s (it ends in
// a jump, or in an If or Switch all of whose arms do).
func ends(s Seq) bool {
	if len(s) == 0 {
		return false
	}
	switch n := s[len(s)-1].(type) {
	case Break, Continue, Ret:
		return true
	case *If:
		return ends(n.Then) && ends(n.Else)
	case *SwitchNode:
		if !ends(n.Default) {
			return false
		}
		for _, a := range n.Arms {
			if !ends(a.Body) {
				return false
			}
		}
		return true
	}
	return false
}

// simplify removes what the construction leaves redundant, without
// changing which blocks run in which order:
//
//   - code after a statement that never falls through is dead;
//   - "if c { ...; break L } else { E }; R" where falling off R's end
//     reaches L's end becomes "if c { ... } else { E; R }" (the rest of
//     the sequence moves into the arm that falls through);
//   - a Break whose target's end is reached by falling off where it
//     stands is removed;
//   - a Break of a Labeled L from inside a Loop or Labeled C whose end
//     reaches L's end by falling off becomes a Break of C (fewer
//     constructs to cross);
//   - a Labeled that no Break names is replaced by its body.
func simplify(s Seq) Seq {
	for range 8 {
		c := &simplifier{}
		s = c.seq(s, nil)
		used := map[int]bool{}
		countBreaks(s, used)
		var changed bool
		s, changed = unlabel(s, used)
		if !c.changed && !changed {
			return s
		}
	}
	return s
}

type frameInfo struct {
	label int
	// tails are the labels whose end is reached by falling off the end
	// of this construct's body (its own label included).
	tails []int
}

type simplifier struct {
	stack   []frameInfo
	changed bool
}

// seq simplifies s, where falling off s's end reaches the ends of the
// labels in tails.
func (c *simplifier) seq(s Seq, tails []int) Seq {
	// Dead code after a statement that never falls through.
	for i := range s {
		if i < len(s)-1 && ends(s[i:i+1]) {
			s = s[:i+1]
			c.changed = true
			break
		}
	}
	// Sink the rest of the sequence into the arm that falls through.
	for i := 0; i < len(s)-1; i++ {
		n, ok := s[i].(*If)
		if !ok {
			continue
		}
		rest := s[i+1:]
		if breaksTo(n.Then, tails) && !ends(n.Else) {
			n.Else = append(n.Else, rest...)
		} else if breaksTo(n.Else, tails) && !ends(n.Then) {
			n.Then = append(n.Then, rest...)
		} else {
			continue
		}
		s = s[:i+1]
		c.changed = true
		break
	}
	out := s[:0:0]
	for i, n := range s {
		var t []int
		if i == len(s)-1 {
			t = tails
		}
		switch n := n.(type) {
		case *If:
			n.Then = c.seq(n.Then, t)
			n.Else = c.seq(n.Else, t)
		case *SwitchNode:
			n.Default = c.seq(n.Default, t)
			for j := range n.Arms {
				n.Arms[j].Body = c.seq(n.Arms[j].Body, t)
			}
		case *Loop:
			c.stack = append(c.stack, frameInfo{n.Label, append([]int{n.Label}, t...)})
			n.Body = c.seq(n.Body, c.stack[len(c.stack)-1].tails)
			c.stack = c.stack[:len(c.stack)-1]
		case *Labeled:
			c.stack = append(c.stack, frameInfo{n.Label, append([]int{n.Label}, t...)})
			n.Body = c.seq(n.Body, c.stack[len(c.stack)-1].tails)
			c.stack = c.stack[:len(c.stack)-1]
		case Break:
			if i == len(s)-1 && slices.Contains(tails, n.Label) {
				c.changed = true
				continue
			}
			// Retarget to the innermost construct whose end reaches
			// the target's end.
			for j := len(c.stack) - 1; j >= 0; j-- {
				f := c.stack[j]
				if f.label == n.Label {
					break
				}
				if slices.Contains(f.tails, n.Label) {
					out = append(out, Break{f.label})
					c.changed = true
					goto next
				}
			}
		}
		out = append(out, n)
	next:
	}
	return out
}

// breaksTo reports whether s ends in a Break of one of the labels.
func breaksTo(s Seq, labels []int) bool {
	if len(s) == 0 {
		return false
	}
	b, ok := s[len(s)-1].(Break)
	return ok && slices.Contains(labels, b.Label)
}

func countBreaks(s Seq, used map[int]bool) {
	for _, n := range s {
		switch n := n.(type) {
		case Break:
			used[n.Label] = true
		case *If:
			countBreaks(n.Then, used)
			countBreaks(n.Else, used)
		case *SwitchNode:
			countBreaks(n.Default, used)
			for _, a := range n.Arms {
				countBreaks(a.Body, used)
			}
		case *Loop:
			countBreaks(n.Body, used)
		case *Labeled:
			countBreaks(n.Body, used)
		}
	}
}

// unlabel splices the bodies of Labeled statements no Break names.
func unlabel(s Seq, used map[int]bool) (Seq, bool) {
	changed := false
	var out Seq
	for _, n := range s {
		switch n := n.(type) {
		case *If:
			var c1, c2 bool
			n.Then, c1 = unlabel(n.Then, used)
			n.Else, c2 = unlabel(n.Else, used)
			changed = changed || c1 || c2
		case *SwitchNode:
			var c bool
			n.Default, c = unlabel(n.Default, used)
			changed = changed || c
			for j := range n.Arms {
				n.Arms[j].Body, c = unlabel(n.Arms[j].Body, used)
				changed = changed || c
			}
		case *Loop:
			var c bool
			n.Body, c = unlabel(n.Body, used)
			changed = changed || c
		case *Labeled:
			body, c := unlabel(n.Body, used)
			changed = changed || c
			if !used[n.Label] {
				out = append(out, body...)
				changed = true
				continue
			}
			n.Body = body
		}
		out = append(out, n)
	}
	return out, changed
}
