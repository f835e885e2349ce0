package ptx

import (
	"strings"
	"testing"
)

const cfgHead = ".version 7.8\n.target sm_80\n.address_size 64\n"

func mustAnalyze(t *testing.T, body string) (*Func, *CFG) {
	t.Helper()
	m, err := Parse([]byte(cfgHead + body))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(m)
	if err != nil {
		t.Fatal(err)
	}
	f := m.Funcs[0]
	return f, a.CFGs[f]
}

func blockAt(g *CFG, label string) *Block {
	for _, b := range g.Blocks {
		for _, l := range b.Labels {
			if l.Name == label {
				return b
			}
		}
	}
	return nil
}

func TestCFGDiamond(t *testing.T) {
	f, g := mustAnalyze(t, `.entry k(.param .u32 n) {
	.reg .pred %p<2>;
	.reg .b32 %r<6>;
	ld.param.u32 %r1, [n];
	setp.eq.u32 %p1, %r1, 0;
	@%p1 bra ELSE;
	add.u32 %r2, %r1, 1;
	bra.uni JOIN;
ELSE:
	mov.u32 %r2, 7;
JOIN:
	add.u32 %r3, %r2, %r1;
	ret;
}`)
	if len(g.Blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(g.Blocks))
	}
	entry, els, join := g.Entry, blockAt(g, "ELSE"), blockAt(g, "JOIN")
	then := g.Blocks[1]
	for _, b := range []*Block{then, els, join} {
		if b.IDom != entry {
			t.Errorf("idom(%s) = %v, want %s", b, b.IDom, entry)
		}
	}
	if entry.IPDom != join || then.IPDom != join || els.IPDom != join {
		t.Errorf("post-dominators: entry %v then %v else %v, want %s", entry.IPDom, then.IPDom, els.IPDom, join)
	}
	if len(g.Loops) != 0 || !g.Reducible {
		t.Errorf("loops %d reducible %v", len(g.Loops), g.Reducible)
	}
	// %r1 and %r2 are live into the join; %r1 is live out of the entry.
	if got := regNames(f, join.LiveIn); got != "%r1 %r2" {
		t.Errorf("live-in(join) = %q", got)
	}
	if got := regNames(f, entry.LiveOut); got != "%r1" {
		t.Errorf("live-out(entry) = %q", got)
	}
}

func TestCFGNestedLoops(t *testing.T) {
	_, g := mustAnalyze(t, `.entry k() {
	.reg .pred %p<3>;
	.reg .b32 %r<4>;
	mov.u32 %r1, 0;
OUTER:
	mov.u32 %r2, 0;
INNER:
	add.u32 %r2, %r2, 1;
	setp.lt.u32 %p1, %r2, 10;
	@%p1 bra INNER;
	add.u32 %r1, %r1, 1;
	setp.lt.u32 %p2, %r1, 10;
	@%p2 bra OUTER;
	ret;
}`)
	if len(g.Loops) != 2 || !g.Reducible {
		t.Fatalf("%d loops, reducible %v", len(g.Loops), g.Reducible)
	}
	outer, inner := blockAt(g, "OUTER"), blockAt(g, "INNER")
	if inner.Loop == nil || inner.Loop.Header != inner || inner.Loop.Depth != 2 || inner.Loop.Parent == nil || inner.Loop.Parent.Header != outer {
		t.Errorf("inner loop %+v", inner.Loop)
	}
	if outer.Loop == nil || outer.Loop.Depth != 1 {
		t.Errorf("outer loop %+v", outer.Loop)
	}
}

func TestCFGIrreducible(t *testing.T) {
	_, g := mustAnalyze(t, `.entry k(.param .u32 n) {
	.reg .pred %p<3>;
	.reg .b32 %r<4>;
	ld.param.u32 %r1, [n];
	setp.eq.u32 %p1, %r1, 0;
	@%p1 bra B;
A:
	add.u32 %r1, %r1, 1;
B:
	setp.lt.u32 %p2, %r1, 10;
	@%p2 bra A;
	ret;
}`)
	// A and B form a cycle entered at both: irreducible... unless one
	// dominates the other. Here entry branches to B or falls into A.
	if g.Reducible {
		t.Errorf("reducible, want irreducible")
	}
}

func TestLivenessAcrossBarrier(t *testing.T) {
	f, g := mustAnalyze(t, `.entry k() {
	.reg .b32 %r<5>;
	mov.u32 %r1, %tid.x;
	mov.u32 %r2, 5;
	bar.sync 0;
	add.u32 %r3, %r1, 1;
	ret;
}`)
	b := g.Entry
	for i, in := range b.Insts {
		if IsSyncPoint(in) {
			if got := regNames(f, LiveAfter(b, i)); got != "%r1" {
				t.Errorf("live after the barrier: %q, want %%r1", got)
			}
			return
		}
	}
	t.Fatal("no sync point")
}

func TestGuardedDefDoesNotKill(t *testing.T) {
	f, g := mustAnalyze(t, `.entry k() {
	.reg .pred %p<2>;
	.reg .b32 %r<5>;
	mov.u32 %r1, %tid.x;
	setp.eq.u32 %p1, %r1, 0;
	@%p1 mov.u32 %r1, 9;
	bar.sync 0;
	add.u32 %r3, %r1, 1;
	ret;
}`)
	if got := regNames(f, g.Entry.LiveIn); got != "" {
		t.Errorf("live-in %q", got)
	}
	b := g.Entry
	for i, in := range b.Insts {
		if strings.HasPrefix(in.Text, "mov") && in.Guard != nil {
			if got := regNames(f, LiveAfter(b, i-1)); !strings.Contains(got, "%r1") {
				t.Errorf("%%r1 not live before the guarded write: %q", got)
			}
		}
	}
}

func TestInlineSyncCall(t *testing.T) {
	m, err := Parse([]byte(cfgHead + `
.func (.param .b32 ret) sum(.param .b32 x)
{
	.reg .b32 %r<4>;
	ld.param.b32 %r1, [x];
	shfl.sync.bfly.b32 %r2, %r1, 1, 31, -1;
	add.u32 %r3, %r1, %r2;
	st.param.b32 [ret], %r3;
	ret;
}
.entry k(.param .u64 out) {
	.reg .b32 %r<4>;
	.reg .b64 %rd<3>;
	mov.u32 %r1, %laneid;
	{
	.param .b32 param0;
	st.param.b32 [param0], %r1;
	.param .b32 retval0;
	call.uni (retval0), sum, (param0);
	ld.param.b32 %r2, [retval0];
	}
	ld.param.u64 %rd1, [out];
	st.global.u32 [%rd1], %r2;
	ret;
}`))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(m)
	if err != nil {
		t.Fatal(err)
	}
	k := m.Func("k")
	if !a.Sync[k] {
		t.Error("k not marked sync")
	}
	calls, shfls := 0, 0
	for _, in := range k.Body {
		switch in.Op {
		case "call":
			calls++
		case "shfl":
			shfls++
		}
	}
	if calls != 0 || shfls != 1 {
		t.Errorf("after inlining: %d calls, %d shfl", calls, shfls)
	}
}

func TestInlineRecursionRefused(t *testing.T) {
	m, err := Parse([]byte(cfgHead + `
.func f(.param .b32 x)
{
	.reg .b32 %r<2>;
	.param .b32 p;
	bar.sync 0;
	call.uni f, (p);
	ret;
}
.entry k() { call.uni f, (5); ret; }`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Analyze(m); err == nil || !strings.Contains(err.Error(), "recursive") {
		t.Fatalf("err = %v", err)
	}
}
