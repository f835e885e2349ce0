package ptx

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// RegSet is a set of register IDs, sorted ascending. Live sets are kept
// sparse: a kernel with many registers and many blocks would not fit dense
// bit sets, while each register is usually live in few blocks.
type RegSet []int

// Has reports whether id is in the set.
func (s RegSet) Has(id int) bool {
	i := sort.SearchInts(s, id)
	return i < len(s) && s[i] == id
}

// Len is the number of members.
func (s RegSet) Len() int { return len(s) }

// IDs lists the members in increasing order.
func (s RegSet) IDs() []int { return s }

// denseSet is a scratch bit set over register IDs.
type denseSet []uint64

func newDenseSet(n int) denseSet { return make(denseSet, (n+63)/64) }
func (s denseSet) add(id int)    { s[id/64] |= 1 << (id % 64) }
func (s denseSet) remove(id int) { s[id/64] &^= 1 << (id % 64) }
func (s denseSet) toRegSet() RegSet {
	var out RegSet
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, i*64+b)
			w &^= 1 << b
		}
	}
	return out
}

// maxLiveEntries bounds the total size of a function's live sets.
const maxLiveEntries = 1 << 26

// noDest lists operations whose first operand is not a destination.
var noDest = map[string]bool{
	"st": true, "red": true, "prefetch": true, "prefetchu": true, "applypriority": true, "discard": true,
	"bra": true, "brx": true, "call": true, "ret": true, "exit": true, "trap": true, "brkpt": true,
	"nanosleep": true, "pmevent": true, "bar.warp": true, "membar": true, "fence": true, "fence.proxy": true,
	"cp.async": true, "cp.async.commit_group": true, "cp.async.wait_group": true, "cp.async.wait_all": true, "nop": true,
}

// HasDest reports whether the instruction writes its first operand.
func (in *Inst) HasDest() bool {
	if in.Op == "bar" || in.Op == "barrier" {
		return in.Mode == "red"
	}
	return !noDest[in.Op] && len(in.Args) > 0
}

// Defs calls f for each register the instruction writes.
func (in *Inst) Defs(f func(*Reg)) {
	each := func(o *Operand) {
		switch o.Kind {
		case OpdReg:
			f(o.Reg)
		case OpdVec, OpdList:
			for _, e := range o.Elems {
				if e.Kind == OpdReg {
					f(e.Reg)
				}
			}
		}
	}
	if in.Op == "call" {
		if rets := callRets(in); rets != nil {
			each(rets)
		}
		return
	}
	if in.HasDest() {
		each(in.Args[0])
	}
	if in.Dst2 != nil {
		each(in.Dst2)
	}
}

// callRets returns a call's return-value list operand, or nil. A call's
// operands are [(rets),] target [, (args)] [, prototype].
func callRets(in *Inst) *Operand {
	if len(in.Args) >= 2 && in.Args[0].Kind == OpdList {
		return in.Args[0]
	}
	return nil
}

// CallRets returns a call's return-value list operand, or nil.
func CallRets(in *Inst) *Operand { return callRets(in) }

// CallTarget returns a call's target operand (a function symbol or a
// register).
func CallTarget(in *Inst) *Operand {
	if callRets(in) != nil {
		return in.Args[1]
	}
	return in.Args[0]
}

// CallArgs returns a call's argument list operand, or nil.
func CallArgs(in *Inst) *Operand {
	i := 1
	if callRets(in) != nil {
		i = 2
	}
	if i < len(in.Args) && in.Args[i].Kind == OpdList {
		return in.Args[i]
	}
	return nil
}

// Uses calls f for each register the instruction reads (the guard
// included).
func (in *Inst) Uses(f func(*Reg)) {
	if in.Guard != nil {
		f(in.Guard)
	}
	var each func(o *Operand)
	each = func(o *Operand) {
		switch o.Kind {
		case OpdReg:
			f(o.Reg)
		case OpdAddr:
			if o.Reg != nil {
				f(o.Reg)
			}
		case OpdVec, OpdList:
			for _, e := range o.Elems {
				each(e)
			}
		}
	}
	start := 0
	if in.Op == "call" {
		if r := callRets(in); r != nil {
			start = 1
		}
	} else if in.HasDest() {
		start = 1
		// A vector destination's elements are written, never read.
	}
	for _, o := range in.Args[start:] {
		each(o)
	}
}

// Liveness computes live-in and live-out register sets of every block.
// A guarded write does not kill (the old value survives when the guard is
// false). Each register's live range is found by walking backwards from
// its upward-exposed uses, so the cost is the total size of the live
// ranges. It returns an error if they exceed maxLiveEntries.
func Liveness(g *CFG) error {
	f := g.Func
	nb := len(g.Blocks)
	// Per register: blocks where it is used before any write (in the
	// block), and blocks that write it unconditionally.
	ue := make([][]int32, len(f.Regs))
	kills := make([][]int32, len(f.Regs))
	stamp := make([]int32, len(f.Regs))
	for i := range stamp {
		stamp[i] = -1
	}
	killStamp := make([]int32, len(f.Regs))
	for i := range killStamp {
		killStamp[i] = -1
	}
	for _, b := range g.Blocks {
		if !b.Reachable {
			continue
		}
		id := int32(b.ID)
		for _, in := range b.Insts {
			in.Uses(func(r *Reg) {
				if killStamp[r.ID] != id && stamp[r.ID] != id {
					stamp[r.ID] = id
					ue[r.ID] = append(ue[r.ID], id)
				}
			})
			if in.Guard == nil {
				in.Defs(func(r *Reg) {
					if killStamp[r.ID] != id {
						killStamp[r.ID] = id
						kills[r.ID] = append(kills[r.ID], id)
					}
				})
			}
		}
	}
	liveIn := make([]RegSet, nb)
	liveOut := make([]RegSet, nb)
	killed := make([]int32, nb)
	inMark := make([]int32, nb)
	outMark := make([]int32, nb)
	for i := range killed {
		killed[i], inMark[i], outMark[i] = -1, -1, -1
	}
	total := 0
	var work []int32
	for r := range f.Regs {
		if len(ue[r]) == 0 {
			continue
		}
		rid := int32(r)
		for _, b := range kills[r] {
			killed[b] = rid
		}
		work = work[:0]
		for _, b := range ue[r] {
			if inMark[b] != rid {
				inMark[b] = rid
				liveIn[b] = append(liveIn[b], r)
				work = append(work, b)
				total++
			}
		}
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			for _, p := range g.Blocks[b].Preds {
				if !p.Reachable {
					continue
				}
				if outMark[p.ID] != rid {
					outMark[p.ID] = rid
					liveOut[p.ID] = append(liveOut[p.ID], r)
					total++
				}
				if killed[p.ID] != rid && inMark[p.ID] != rid {
					inMark[p.ID] = rid
					liveIn[p.ID] = append(liveIn[p.ID], r)
					work = append(work, int32(p.ID))
					total++
				}
			}
			if total > maxLiveEntries {
				return &Error{Pos: f.Pos, Msg: fmt.Sprintf("function %s is too large to analyze (%d registers, %d blocks)", f.Name, len(f.Regs), nb)}
			}
		}
	}
	for _, b := range g.Blocks {
		b.LiveIn, b.LiveOut = liveIn[b.ID], liveOut[b.ID]
	}
	return nil
}

// LiveAfter returns the registers live just after instruction index i of
// block b (Liveness must have run).
func LiveAfter(b *Block, i int) RegSet {
	n := 0
	for _, id := range b.LiveOut {
		n = maxInt(n, id+1)
	}
	for _, in := range b.Insts[i+1:] {
		in.Uses(func(r *Reg) { n = maxInt(n, r.ID+1) })
		in.Defs(func(r *Reg) { n = maxInt(n, r.ID+1) })
	}
	live := newDenseSet(n)
	for _, id := range b.LiveOut {
		live.add(id)
	}
	for k := len(b.Insts) - 1; k > i; k-- {
		in := b.Insts[k]
		if in.Guard == nil {
			in.Defs(func(r *Reg) { live.remove(r.ID) })
		}
		in.Uses(func(r *Reg) { live.add(r.ID) })
	}
	return live.toRegSet()
}

// regNames formats a set with register names.
func regNames(f *Func, s RegSet) string {
	var parts []string
	for _, id := range s.IDs() {
		parts = append(parts, f.Regs[id].Name)
	}
	return strings.Join(parts, " ")
}
