package cgen

import (
	"fmt"

	"github.com/streamhal/streamhal/ptx"
)

var warpOps = map[string]string{
	"shfl.up": "SHAL_W_SHFL_UP", "shfl.down": "SHAL_W_SHFL_DOWN", "shfl.bfly": "SHAL_W_SHFL_BFLY", "shfl.idx": "SHAL_W_SHFL_IDX",
	"vote.all": "SHAL_W_VOTE_ALL", "vote.any": "SHAL_W_VOTE_ANY", "vote.uni": "SHAL_W_VOTE_UNI", "vote.ballot": "SHAL_W_VOTE_BALLOT",
	"match.any": "SHAL_W_MATCH_ANY", "match.all": "SHAL_W_MATCH_ALL",
}

// syncOp writes a sync point: the thread records what it waits for and
// its live registers in its frame and returns to the block scheduler;
// the scheduler resumes it at the label after, with the result in the
// frame.
func (fe *fnEmitter) syncOp(in *ptx.Inst, t ptx.Type) {
	if (in.Op == "bar" || in.Op == "barrier") && in.Mode == "arrive" {
		fe.line("shal_bar_arrive(T, %s & 15, %s);", fe.rd(in.Args[0], ptx.U32), fe.rd(in.Args[1], ptx.U32))
		return
	}
	if !fe.sync {
		fe.errorf(in, false, "internal error: sync point outside a cut kernel")
		return
	}
	k := fe.cutIndex[in]
	c := fe.cuts[k-1]
	if fe.wil {
		fe.wilCut(k, c)
		return
	}
	h := "F->h."
	set := func(field, v string) { fe.line("%s%s = %s;", h, field, v) }
	wait := "SHAL_WAIT_WARP"
	switch in.Op {
	case "bar", "barrier":
		wait = "SHAL_WAIT_BAR"
		op := "SHAL_B_SYNC"
		idx := 0
		if in.Mode == "red" {
			op = map[string]string{"popc": "SHAL_B_RED_POPC", "and": "SHAL_B_RED_AND", "or": "SHAL_B_RED_OR"}[in.BoolOp]
			idx = 1
		}
		set("op", op)
		set("bar", fe.rd(in.Args[idx], ptx.U32)+" & 15")
		count := "0"
		if in.Mode == "red" && len(in.Args) == 4 || in.Mode != "red" && len(in.Args) == 2 {
			count = fe.rd(in.Args[idx+1], ptx.U32)
		}
		set("count", count)
		if in.Mode == "red" {
			set("pred", fe.rd(in.Args[len(in.Args)-1], ptx.Pred))
		}
	case "shfl":
		set("op", warpOps["shfl."+in.Mode])
		set("a", fe.rd(in.Args[1], ptx.B32))
		set("b", fe.rd(in.Args[2], ptx.B32))
		set("c", fe.rd(in.Args[3], ptx.B32))
		fe.maskOf(in, 4)
	case "vote":
		set("op", warpOps["vote."+in.Mode])
		set("pred", fe.rd(in.Args[1], ptx.Pred))
		fe.maskOf(in, 2)
	case "match":
		set("op", warpOps["match."+in.Mode])
		set("a", fmt.Sprintf("(uint64_t)%s", fe.rd(in.Args[1], t)))
		fe.maskOf(in, 2)
	case "redux":
		op := map[string]string{"add": "SHAL_W_REDUX_ADD", "and": "SHAL_W_REDUX_AND", "or": "SHAL_W_REDUX_OR", "xor": "SHAL_W_REDUX_XOR"}[in.AtomOp]
		flags := "0"
		switch {
		case t == ptx.F32:
			op = map[string]string{"min": "SHAL_W_REDUX_FMIN", "max": "SHAL_W_REDUX_FMAX"}[in.AtomOp]
			flags = fmt.Sprintf("%d", b2i(in.Has(ptx.FlagAbs))|b2i(in.Has(ptx.FlagNaN))<<1)
		case in.AtomOp == "min" || in.AtomOp == "max":
			k := "U"
			if t == ptx.S32 {
				k = "S"
			}
			op = fmt.Sprintf("SHAL_W_REDUX_%s_%s", map[string]string{"min": "MIN", "max": "MAX"}[in.AtomOp], k)
		}
		set("op", op)
		set("a", fe.rd(in.Args[1], ptx.B32))
		set("b", flags)
		fe.maskOf(in, 2)
	case "bar.warp":
		set("op", "SHAL_W_WARPSYNC")
		fe.maskOf(in, 0)
	case "activemask":
		set("op", "SHAL_W_ACTIVEMASK")
		set("mask", "0xffffffffu")
		set("nomask", "1")
	case "elect":
		set("op", "SHAL_W_ELECT")
		fe.maskOf(in, 1)
	}
	for _, r := range c.saved {
		fe.line("F->%s = %s;", fe.reg(r), fe.reg(r))
	}
	set("sp", fmt.Sprint(k))
	set("state", wait)
	set("resume", fmt.Sprint(k))
	fe.line("return;")
	fe.indent--
	fe.line("R%d:;", k)
	fe.indent++
	for _, r := range c.restored {
		fe.line("%s = F->%s;", fe.reg(r), fe.reg(r))
	}
	res := h + "res"
	pres := h + "pres"
	switch in.Op {
	case "bar", "barrier":
		if in.Mode == "red" {
			if in.BoolOp == "popc" {
				fe.wr(in.Args[0], ptx.U32, "(uint32_t)"+res)
			} else {
				fe.wr(in.Args[0], ptx.Pred, "(int)"+pres)
			}
		}
	case "shfl", "match", "elect":
		fe.wr(in.Args[0], ptx.B32, "(uint32_t)"+res)
		if in.Dst2 != nil {
			fe.wr(in.Dst2, ptx.Pred, "(int)"+pres)
		}
	case "vote":
		if in.Mode == "ballot" {
			fe.wr(in.Args[0], ptx.B32, "(uint32_t)"+res)
		} else {
			fe.wr(in.Args[0], ptx.Pred, "(int)"+pres)
		}
	case "redux":
		fe.wr(in.Args[0], ptx.B32, "(uint32_t)"+res)
	case "activemask":
		fe.wr(in.Args[0], ptx.B32, "(uint32_t)"+res)
	}
}

// maskOf records the member mask (operand i of the .sync forms; the old
// forms without one match the lanes at the same instruction).
func (fe *fnEmitter) maskOf(in *ptx.Inst, i int) {
	if in.Has(ptx.FlagSync) || in.Op == "bar.warp" {
		fe.line("F->h.mask = %s;", fe.rd(in.Args[i], ptx.B32))
		fe.line("F->h.nomask = 0;")
		return
	}
	fe.line("F->h.mask = 0xffffffffu;")
	fe.line("F->h.nomask = 1;")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
