package spirvgen

import "github.com/streamhal/streamhal/ptx"

// Divergence analysis: which registers may hold different values in
// different threads of a block, and which blocks not every thread of the
// block reaches together. A sync point (a barrier, or a warp operation
// emulated through shared memory) can be lowered directly, to
// OpControlBarrier in place, only where every thread of the block
// arrives together: in a block no divergent branch controls. Everything
// else goes through the scheduler (sched.go).
//
// Divergent values come from the thread's identity (%tid, %laneid,
// %warpid, the lane masks), from memory other than kernel parameters and
// .const, from atomics, warp operations and clocks, and from registers
// written under divergent control: every register written in the
// influence region of a divergent branch (the blocks reachable from it
// before its immediate post-dominator; all reachable blocks when a path
// from it exits) is divergent, which also covers values that leave a loop
// after different numbers of iterations. Flow-insensitive, iterated to a
// fixed point.

type divergence struct {
	reg   []bool
	block []bool // indexed by ptx.Block.ID: some divergent branch controls it
}

func divergentSource(in *ptx.Inst) bool {
	switch in.Op {
	case "ld", "ldu":
		if in.Space == ptx.SpaceParam || in.Space == ptx.SpaceConst {
			return false
		}
		return true
	case "atom", "shfl", "vote", "match", "redux", "activemask", "elect", "bar", "barrier":
		return true
	}
	div := false
	forOperands(in, func(o *ptx.Operand) {
		if o.Kind != ptx.OpdSReg {
			return
		}
		switch o.SReg {
		case ptx.SRegCtaid, ptx.SRegNCtaid, ptx.SRegNTid, ptx.SRegNWarpid, ptx.SRegNSmid, ptx.SRegGridid,
			ptx.SRegDynamicSmemSize, ptx.SRegTotalSmemSize, ptx.SRegAggrSmemSize, ptx.SRegClusterid,
			ptx.SRegNClusterid, ptx.SRegClusterCtaid, ptx.SRegClusterNCtaid, ptx.SRegClusterCtarank,
			ptx.SRegClusterNCtarank, ptx.SRegIsExplicitCluster, ptx.SRegSmid:
		default:
			div = true
		}
	})
	return div
}

// region returns the influence region of a block ending in a divergent
// branch.
func region(b *ptx.Block) []*ptx.Block {
	stop := b.IPDom
	seen := map[*ptx.Block]bool{}
	var out []*ptx.Block
	work := append([]*ptx.Block(nil), b.Succs...)
	for len(work) > 0 {
		x := work[len(work)-1]
		work = work[:len(work)-1]
		if x == stop || seen[x] {
			continue
		}
		seen[x] = true
		out = append(out, x)
		work = append(work, x.Succs...)
	}
	return out
}

func analyzeDivergence(k *ptx.Func, g *ptx.CFG) *divergence {
	d := &divergence{reg: make([]bool, len(k.Regs)), block: make([]bool, len(g.Blocks))}
	regDiv := func(o *ptx.Operand) bool {
		div := false
		var visit func(o *ptx.Operand)
		visit = func(o *ptx.Operand) {
			switch o.Kind {
			case ptx.OpdReg:
				div = div || d.reg[o.Reg.ID]
			case ptx.OpdAddr:
				if o.Reg != nil {
					div = div || d.reg[o.Reg.ID]
				}
			case ptx.OpdVec, ptx.OpdList:
				for _, e := range o.Elems {
					visit(e)
				}
			}
		}
		visit(o)
		return div
	}
	done := map[*ptx.Block]bool{}
	for changed := true; changed; {
		changed = false
		for _, b := range g.Order {
			for _, in := range b.Insts {
				if !in.HasDest() && in.Dst2 == nil {
					continue
				}
				div := d.block[b.ID] || divergentSource(in) || (in.Guard != nil && d.reg[in.Guard.ID])
				if !div {
					start := 1
					if !in.HasDest() {
						start = 0
					}
					for _, o := range in.Args[start:] {
						if regDiv(o) {
							div = true
							break
						}
					}
				}
				if !div {
					continue
				}
				in.Defs(func(r *ptx.Reg) {
					if !d.reg[r.ID] {
						d.reg[r.ID] = true
						changed = true
					}
				})
			}
		}
		for _, b := range g.Order {
			if done[b] || len(b.Insts) == 0 {
				continue
			}
			last := b.Last()
			div := last.Guard != nil && d.reg[last.Guard.ID]
			if last.Op == "brx" && regDiv(last.Args[0]) {
				div = true
			}
			exits := last.Op == "ret" || last.Op == "exit" || last.Op == "trap"
			if !div || (len(b.Succs) < 2 && !exits) {
				continue
			}
			done[b] = true
			changed = true
			r := region(b)
			if exits {
				// Some threads leave here: everything after is reached by
				// the others only.
				r = region(&ptx.Block{Succs: b.Succs})
			}
			for _, x := range r {
				d.block[x.ID] = true
			}
		}
	}
	return d
}

// uniformAt reports whether every thread of the block executes in
// together (in's block is controlled by no divergent branch, and its
// guard, if any, is uniform).
func (d *divergence) uniformAt(in *ptx.Inst) bool {
	if in.Block == nil || d.block[in.Block.ID] {
		return false
	}
	return in.Guard == nil || !d.reg[in.Guard.ID]
}
