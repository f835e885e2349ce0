package structure

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
)

// testEmitter marks each block of the graph with calls the interpreter
// below intercepts: visit(b) for its code, decide(b) for a condition,
// choose(b) for a selector.
type testEmitter struct {
	m                     *spirv.Module
	visit, decide, choose spirv.ID
}

func (e *testEmitter) Code(b int, at *spirv.Block) *spirv.Block {
	at.EmitIDs(spirv.OpFunctionCall, e.m.TypeVoid(), e.visit, e.m.Uint32(uint32(b)))
	return at
}

func (e *testEmitter) Condition(b int, at *spirv.Block) spirv.ID {
	return at.EmitIDs(spirv.OpFunctionCall, e.m.TypeBool(), e.decide, e.m.Uint32(uint32(b)))
}

func (e *testEmitter) Selector(b int, at *spirv.Block) spirv.ID {
	return at.EmitIDs(spirv.OpFunctionCall, e.m.TypeInt(32, false), e.choose, e.m.Uint32(uint32(b)))
}

func (e *testEmitter) Return(b int, at *spirv.Block) { at.Return() }

// testModule holds many graphs' functions, each an entry point, so that
// one spirv-val run checks them all.
type testModule struct {
	m *spirv.Module
	e *testEmitter
	// entries[i] is the function id of graph i.
	entries []spirv.ID
}

func newTestModule(version uint32) *testModule {
	m := spirv.NewModule(version)
	m.Capability(spirv.CapabilityShader)
	void, u32, bool_ := m.TypeVoid(), m.TypeInt(32, false), m.TypeBool()
	helper := func(ret spirv.ID, name string, body func(b *spirv.Block, p spirv.ID)) spirv.ID {
		f := m.Function(ret, spirv.FunctionControlDontInline, m.TypeFunction(ret, u32))
		p := f.Param(u32)
		m.Name(f.ID, name)
		body(f.Begin(f.NewBlock()), p)
		return f.ID
	}
	e := &testEmitter{m: m}
	e.visit = helper(void, "visit", func(b *spirv.Block, p spirv.ID) { b.Return() })
	e.decide = helper(bool_, "decide", func(b *spirv.Block, p spirv.ID) {
		b.EmitIDs(spirv.OpReturnValue, 0, b.EmitIDs(spirv.OpIEqual, bool_, p, m.Uint32(0)))
	})
	e.choose = helper(u32, "choose", func(b *spirv.Block, p spirv.ID) { b.EmitIDs(spirv.OpReturnValue, 0, p) })
	return &testModule{m: m, e: e}
}

// add structures g into a new entry point.
func (t *testModule) add(g *Graph) (Seq, error) {
	prog, err := Structure(g)
	if err != nil {
		return nil, err
	}
	m := t.m
	f := m.Function(m.TypeVoid(), spirv.FunctionControlNone, m.TypeFunction(m.TypeVoid()))
	name := fmt.Sprintf("g%d", len(t.entries))
	m.Name(f.ID, name)
	m.EntryPoint(spirv.ExecutionModelGLCompute, f.ID, name)
	m.ExecutionMode(f.ID, spirv.ExecutionModeLocalSize, 1, 1, 1)
	if err := Lower(prog, f, f.Begin(f.NewBlock()), t.e); err != nil {
		return prog, err
	}
	t.entries = append(t.entries, f.ID)
	return prog, nil
}

// oracle hands out the branch decisions: the k-th decision of a run is
// the same whichever program asks, so two programs that visit the same
// blocks make the same choices.
type oracle struct{ r *rand.Rand }

func newOracle(seed int64) *oracle { return &oracle{rand.New(rand.NewSource(seed))} }

func (o *oracle) pick(n int) int { return o.r.Intn(n) }

// runGraph walks g from its entry, returning the blocks visited (at most
// limit) and whether it returned.
func runGraph(g *Graph, o *oracle, limit int) ([]int, bool) {
	var trace []int
	b := g.Entry
	for len(trace) < limit {
		trace = append(trace, b)
		blk := g.Blocks[b]
		switch blk.Kind {
		case Return:
			return trace, true
		case Jump:
			b = blk.Succs[0]
		case Cond, Switch:
			// A branch whose targets are all one block is a jump: the
			// structured program asks for no decision there.
			if slices.Min(blk.Succs) == slices.Max(blk.Succs) {
				b = blk.Succs[0]
			} else if blk.Kind == Cond {
				b = blk.Succs[1-o.pick(2)]
			} else {
				b = blk.Succs[o.pick(len(blk.Succs))]
			}
		}
	}
	return trace, false
}

// selectorValue turns a successor index into the selector value that
// picks it (index 0, the default, gets a value no case has).
func selectorValue(blk Block, i int) uint32 {
	if i > 0 {
		return blk.Cases[i-1]
	}
	for v := uint32(0); ; v++ {
		if !slices.Contains(blk.Cases, v) {
			return v
		}
	}
}

// interp runs one function of a decoded module: enough of SPIR-V for the
// control flow Lower writes (branches, merges, the dispatch variable,
// integer compares, OpSelect) and the test emitter's calls.
type interp struct {
	insts  []spirv.Inst
	labels map[uint32]int
	consts map[uint32]uint64
	e      *testEmitter
}

func newInterp(t testing.TB, words []uint32, e *testEmitter) *interp {
	b, err := spirv.DecodeWords(words)
	if err != nil {
		t.Fatal(err)
	}
	in := &interp{insts: b.Insts, labels: map[uint32]int{}, consts: map[uint32]uint64{}, e: e}
	for i, x := range b.Insts {
		switch x.Op {
		case spirv.OpLabel:
			in.labels[x.Words[0]] = i
		case spirv.OpConstant:
			in.consts[x.Words[1]] = uint64(x.Words[2])
		case spirv.OpConstantTrue:
			in.consts[x.Words[1]] = 1
		case spirv.OpConstantFalse:
			in.consts[x.Words[1]] = 0
		}
	}
	return in
}

// run executes function fn, returning the graph blocks visited (at most
// limit), whether it returned, and an error for anything Lower must never
// write (reaching OpUnreachable, running far without visiting a block).
func (in *interp) run(fn spirv.ID, g *Graph, o *oracle, limit int) ([]int, bool, error) {
	start := -1
	for i, x := range in.insts {
		if x.Op == spirv.OpFunction && x.Words[1] == uint32(fn) {
			start = i
		}
	}
	if start < 0 {
		return nil, false, fmt.Errorf("no function %%%d", fn)
	}
	vals := map[uint32]uint64{}
	for k, v := range in.consts {
		vals[k] = v
	}
	vars := map[uint32]uint64{}
	var trace []int
	pc := start + 1
	steps := 0
	jump := func(label uint32) error {
		i, ok := in.labels[label]
		if !ok {
			return fmt.Errorf("branch to unknown label %%%d", label)
		}
		pc = i
		return nil
	}
	for len(trace) < limit {
		steps++
		if steps > 200*limit+1000 {
			return trace, false, fmt.Errorf("ran %d instructions for %d visits", steps, len(trace))
		}
		x := in.insts[pc]
		pc++
		w := x.Words
		switch x.Op {
		case spirv.OpLabel, spirv.OpSelectionMerge, spirv.OpLoopMerge:
		case spirv.OpVariable:
			if len(w) > 3 {
				vars[w[1]] = vals[w[3]]
			}
		case spirv.OpLoad:
			vals[w[1]] = vars[w[2]]
		case spirv.OpStore:
			vars[w[0]] = vals[w[1]]
		case spirv.OpIEqual:
			vals[w[1]] = b2u(vals[w[2]] == vals[w[3]])
		case spirv.OpINotEqual:
			vals[w[1]] = b2u(vals[w[2]] != vals[w[3]])
		case spirv.OpSelect:
			if vals[w[2]] != 0 {
				vals[w[1]] = vals[w[3]]
			} else {
				vals[w[1]] = vals[w[4]]
			}
		case spirv.OpFunctionCall:
			b := int(vals[w[3]])
			switch spirv.ID(w[2]) {
			case in.e.visit:
				trace = append(trace, b)
			case in.e.decide:
				vals[w[1]] = b2u(o.pick(2) == 1)
			case in.e.choose:
				blk := g.Blocks[b]
				vals[w[1]] = uint64(selectorValue(blk, o.pick(len(blk.Succs))))
			default:
				return trace, false, fmt.Errorf("call of %%%d", w[2])
			}
		case spirv.OpBranch:
			if err := jump(w[0]); err != nil {
				return trace, false, err
			}
		case spirv.OpBranchConditional:
			l := w[2]
			if vals[w[0]] != 0 {
				l = w[1]
			}
			if err := jump(l); err != nil {
				return trace, false, err
			}
		case spirv.OpSwitch:
			l := w[1]
			for i := 2; i+1 < len(w); i += 2 {
				if uint64(w[i]) == vals[w[0]] {
					l = w[i+1]
				}
			}
			if err := jump(l); err != nil {
				return trace, false, err
			}
		case spirv.OpReturn:
			return trace, true, nil
		case spirv.OpUnreachable:
			return trace, false, fmt.Errorf("reached OpUnreachable")
		default:
			return trace, false, fmt.Errorf("instruction %v", x.Op)
		}
	}
	return trace, false, nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// equivalent runs g and the structured function fn with the same
// decisions for several seeds and compares the blocks they visit.
func equivalent(t testing.TB, in *interp, fn spirv.ID, g *Graph, prog Seq, seeds int) {
	t.Helper()
	const limit = 400
	for seed := range seeds {
		want, wantRet := runGraph(g, newOracle(int64(seed)), limit)
		got, gotRet, err := in.run(fn, g, newOracle(int64(seed)), limit)
		if err != nil || !slices.Equal(got, want) || gotRet != wantRet {
			t.Fatalf("seed %d: structured run visits %v (returned %v, error %v), the graph %v (returned %v)\ngraph: %s\nprogram:\n%s",
				seed, got, gotRet, err, want, wantRet, graphString(g), prog)
		}
	}
}

func graphString(g *Graph) string {
	var b strings.Builder
	fmt.Fprintf(&b, "entry %d;", g.Entry)
	for i, blk := range g.Blocks {
		fmt.Fprintf(&b, " %d:%v%v", i, blk.Kind, blk.Succs)
		if blk.Kind == Switch {
			fmt.Fprintf(&b, "%v", blk.Cases)
		}
	}
	return b.String()
}

// randomGraph makes a random reducible graph of n blocks: a random DAG in
// which every block is reachable, plus back edges from blocks to their
// dominators (which keeps every cycle single-entry), with block numbers
// shuffled. Blocks with three or more successors are switches, sometimes
// with repeated targets; conditionals sometimes have equal targets.
func randomGraph(r *rand.Rand, n int) *Graph {
	succ := make([][]int, n)
	for j := 1; j < n; j++ {
		i := r.Intn(j)
		succ[i] = append(succ[i], j)
	}
	for i := 0; i < n-1; i++ {
		for r.Intn(3) == 0 && len(succ[i]) < 4 {
			succ[i] = append(succ[i], i+1+r.Intn(n-1-i))
		}
	}
	// Dominators of the DAG (numbering is topological).
	preds := make([][]int, n)
	for i, ss := range succ {
		for _, s := range ss {
			preds[s] = append(preds[s], i)
		}
	}
	idom := make([]int, n)
	idom[0] = -1
	for j := 1; j < n; j++ {
		d := preds[j][0]
		for _, p := range preds[j][1:] {
			x, y := d, p
			for x != y {
				if x > y {
					x = idom[x]
				} else {
					y = idom[y]
				}
			}
			d = x
		}
		idom[j] = d
	}
	for i := range n {
		for r.Intn(4) == 0 && len(succ[i]) < 5 {
			var doms []int
			for d := i; d >= 0; d = idom[d] {
				doms = append(doms, d)
			}
			succ[i] = append(succ[i], doms[r.Intn(len(doms))])
		}
		if len(succ[i]) > 0 && r.Intn(8) == 0 {
			succ[i] = append(succ[i], succ[i][r.Intn(len(succ[i]))])
		}
		r.Shuffle(len(succ[i]), func(a, b int) { succ[i][a], succ[i][b] = succ[i][b], succ[i][a] })
	}
	perm := r.Perm(n)
	g := &Graph{Blocks: make([]Block, n), Entry: perm[0]}
	for i, ss := range succ {
		var blk Block
		for _, s := range ss {
			blk.Succs = append(blk.Succs, perm[s])
		}
		switch len(ss) {
		case 0:
			blk.Kind = Return
		case 1:
			blk.Kind = Jump
		case 2:
			blk.Kind = Cond
		default:
			blk.Kind = Switch
			used := map[uint32]bool{}
			for range ss[1:] {
				v := uint32(r.Intn(3 * len(ss)))
				for used[v] {
					v++
				}
				used[v] = true
				blk.Cases = append(blk.Cases, v)
			}
		}
		g.Blocks[perm[i]] = blk
	}
	return g
}
