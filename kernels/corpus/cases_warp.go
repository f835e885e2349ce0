package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Cases of warp.cu and atomics.cu.

func init() {
	register(
		Case{Name: "warp/vote", Module: "warp", Covers: "vote.sync.ballot/all/any, activemask (partial warp, after lanes exit), partial member mask", Make: mkVote},
		Case{Name: "warp/sync_votes", Module: "warp", Covers: "bar.red.popc/and/or (__syncthreads_count/_and/_or)", Make: mkSyncVotes},
		Case{Name: "warp/match", Module: "warp", Covers: "match.any.sync, match.all.sync with predicate", Make: mkMatch},
		Case{Name: "warp/redux", Module: "warp", Covers: "redux.sync add/min/max (s32, u32)/and/or/xor, partial member mask", Make: mkRedux},
		Case{Name: "warp/shfl_modes", Module: "warp", Covers: "shfl.sync idx/up/down/bfly with widths, 64-bit shuffle", Make: mkShflModes},
		Case{Name: "atomics/atomics_global", Module: "atomics", Covers: "atom.global add/sub/min/max/and/or/xor/inc/dec/cas on s32/u32/u64/s64/f32/f64, CAS loops, red.global.add", Make: mkAtomicsGlobal},
		Case{Name: "atomics/atomics_shared", Module: "atomics", Covers: "atom.shared add/min/max/and/xor/exch/cas on 32 and 64 bits, f32/f64 add, generic inc/dec on shared", Make: mkAtomicsShared},
		Case{Name: "atomics/atomic_exch", Module: "atomics", Covers: "atom.exch b32/b64/f32 chains (order-independent invariant)", Make: mkAtomicExch},
	)
}

func mkVote(r *rand.Rand) *Run {
	const n, bs, g = 150, 80, 2
	in := ints(r, n, -3, 5)
	for i := 32; i < 64; i++ { // one warp where every lane votes yes
		in[i] = 1 + int32(r.IntN(5))
	}
	total := bs * g
	out := make([]uint32, 6*total)
	for b := 0; b < g; b++ {
		for w := 0; w*32 < bs; w++ {
			lanes := min(32, bs-w*32)
			live := uint32(uint64(1)<<lanes - 1)
			v := func(l int) int32 {
				if i := b*bs + w*32 + l; i < n {
					return in[i]
				}
				return 0
			}
			var ballot, neg, odd10, even uint32
			for l := 0; l < lanes; l++ {
				if v(l) > 0 {
					ballot |= 1 << l
				}
				if v(l) < 0 {
					neg |= 1 << l
				}
				if l < 10 && v(l)&1 != 0 {
					odd10 |= 1 << l
				}
				if v(l)&1 == 0 {
					even |= 1 << l
				}
			}
			for l := 0; l < lanes; l++ {
				o := out[6*(b*bs+w*32+l):]
				o[0] = ballot
				o[1] = b2u(ballot == live)
				o[2] = b2u(neg != 0)
				o[3] = live
				if l < 10 {
					o[4] = odd10
				}
				if v(l)&1 == 0 {
					o[5] = even
				} else {
					o[5] = poison32
				}
			}
		}
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	po := bd.outCheck("out", out, Check{Index: colIndex(6, joinNames("ballot", "all", "any", "activemask", "ballot 0x3ff", "activemask after exits"))})
	bd.launch("vote", d1(g), d1(bs), 0, pi, po, int32(n))
	return bd.run
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func mkSyncVotes(r *rand.Rand) *Run {
	const n, bs, g = 600, 160, 4
	in := ints(r, n, -5, 20)
	for i := 0; i < bs; i++ { // block 0: no zero, so _and holds
		if in[i] == 0 {
			in[i] = 3
		}
	}
	for i := bs; i < 2*bs; i++ { // block 1: nothing above 1000 ...
		in[i] = min(in[i], 1000)
	}
	in[2*bs+17] = 5000 // ... block 2: one value above 1000
	out := make([]int32, 3*g)
	for b := 0; b < g; b++ {
		cnt, all, any := int32(0), true, false
		for t := 0; t < bs; t++ {
			v := int32(0)
			if i := b*bs + t; i < n {
				v = in[i]
			}
			if v > 0 {
				cnt++
			}
			all = all && v != 0
			any = any || v > 1000
		}
		out[3*b], out[3*b+1], out[3*b+2] = cnt, b2i(all), b2i(any)
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	po := bd.outCheck("out", out, Check{Index: colIndex(3, joinNames("count", "and", "or"))})
	bd.launch("sync_votes", d1(g), d1(bs), 0, pi, po, int32(n))
	return bd.run
}

func mkMatch(r *rand.Rand) *Run {
	const n, bs = 256, 64
	in := make([]uint32, n)
	for w := 0; w < n/32; w++ {
		hi := r.Uint32() >> 8
		for l := 0; l < 32; l++ {
			h := hi
			if w%2 == 1 && r.IntN(4) == 0 {
				h = r.Uint32() >> 8
			}
			in[w*32+l] = h<<8 | uint32(r.IntN(6))
		}
	}
	any, all, allp := make([]uint32, n), make([]uint32, n), make([]int32, n)
	for w := 0; w < n/32; w++ {
		same := true
		for l := 0; l < 32; l++ {
			var m uint32
			for k := 0; k < 32; k++ {
				if in[w*32+k] == in[w*32+l] {
					m |= 1 << k
				}
			}
			any[w*32+l] = m
			same = same && in[w*32+l]>>8 == in[w*32]>>8
		}
		for l := 0; l < 32; l++ {
			if same {
				all[w*32+l], allp[w*32+l] = 0xffffffff, 1
			}
		}
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	pa, pl, pp := bd.out("any", any), bd.out("all", all), bd.out("allp", allp)
	bd.launch("match", d1(n/bs), d1(bs), 0, pi, pa, pl, pp, int32(n))
	return bd.run
}

func mkRedux(r *rand.Rand) *Run {
	const n, bs = 256, 128
	in := uints(r, n)
	for i := range in {
		if r.IntN(2) == 0 {
			in[i] >>= uint(r.IntN(32))
		}
	}
	out := make([]uint32, 8*n)
	for w := 0; w < n/32; w++ {
		lanes := in[w*32 : w*32+32]
		add, and, or := uint32(0), ^uint32(0), uint32(0)
		smin, smax := int32(math.MaxInt32), int32(math.MinInt32)
		umin, umax := ^uint32(0), uint32(0)
		var xodd uint32
		for l, v := range lanes {
			add += v
			and &= v
			or |= v
			smin, smax = min(smin, int32(v)), max(smax, int32(v))
			umin, umax = min(umin, v), max(umax, v)
			if l&1 == 1 {
				xodd ^= v
			}
		}
		for l := 0; l < 32; l++ {
			o := out[8*(w*32+l):]
			o[0], o[1], o[2], o[3], o[4], o[5], o[6] = add, uint32(smin), uint32(smax), umin, umax, and, or
			if l&1 == 1 {
				o[7] = xodd
			}
		}
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	po := bd.outCheck("out", out, Check{Index: colIndex(8, joinNames("add", "min.s32", "max.s32", "min.u32", "max.u32", "and", "or", "xor odd lanes"))})
	bd.launch("redux", d1(n/bs), d1(bs), 0, pi, po, int32(n))
	return bd.run
}

// ShflMode is a shfl.sync mode.
type ShflMode int

// The shfl.sync modes.
const (
	ShflIdx ShflMode = iota
	ShflUp
	ShflDown
	ShflBfly
)

// ShflSource returns the lane a shfl.sync in mode m with operand b and
// clamp/segment operand c reads from, for the reading lane, and whether
// the read is in range (else the lane keeps its own value): the PTX ISA's
// semantics for shfl.sync, word for word.
func ShflSource(m ShflMode, lane, b, c int) (int, bool) {
	bval, cval, segmask := b&31, c&31, (c>>8)&31
	maxLane := (lane & segmask) | (cval &^ segmask)
	minLane := lane & segmask
	var j int
	var pval bool
	switch m {
	case ShflUp:
		j = lane - bval
		pval = j >= maxLane
	case ShflDown:
		j = lane + bval
		pval = j <= maxLane
	case ShflBfly:
		j = lane ^ bval
		pval = j <= maxLane
	case ShflIdx:
		j = minLane | (bval &^ segmask)
		pval = j <= maxLane
	}
	if !pval {
		j = lane
	}
	return j, pval
}

// shflC is the c operand CUDA's __shfl*_sync pass for a width.
func shflC(m ShflMode, width int) int {
	if m == ShflUp {
		return (32 - width) << 8
	}
	return (32-width)<<8 | 0x1f
}

func mkShflModes(r *rand.Rand) *Run {
	const n, bs = 256, 64
	in := ints(r, n, math.MinInt32, math.MaxInt32)
	din := make([]float64, n)
	for i := range din {
		din[i] = r.NormFloat64() * 1e10
	}
	out, dout := make([]int32, 8*n), make([]float64, n)
	type op struct {
		m     ShflMode
		b     func(lane int) int
		width int
	}
	ops := []op{
		{ShflIdx, func(l int) int { return (l*7 + 3) & 31 }, 32},
		{ShflIdx, func(int) int { return 21 }, 16},
		{ShflUp, func(int) int { return 3 }, 32},
		{ShflUp, func(int) int { return 2 }, 8},
		{ShflDown, func(int) int { return 5 }, 32},
		{ShflDown, func(int) int { return 3 }, 16},
		{ShflBfly, func(int) int { return 11 }, 32},
		{ShflBfly, func(int) int { return 6 }, 4},
	}
	for w := 0; w < n/32; w++ {
		for l := 0; l < 32; l++ {
			for k, o := range ops {
				j, _ := ShflSource(o.m, l, o.b(l), shflC(o.m, o.width))
				out[8*(w*32+l)+k] = in[w*32+j]
			}
			j, _ := ShflSource(ShflIdx, l, (l+1)&31, shflC(ShflIdx, 32))
			dout[w*32+l] = din[w*32+j]
		}
	}
	bd := newBuilder()
	pi, pdi := bd.in("in", in), bd.in("din", din)
	po := bd.outCheck("out", out, Check{Index: colIndex(8, joinNames("idx", "idx w16", "up 3", "up 2 w8", "down 5", "down 3 w16", "xor 11", "xor 6 w4"))})
	pdo := bd.out("dout", dout)
	bd.launch("shfl_modes", d1(n/bs), d1(bs), 0, pi, po, pdi, pdo, int32(n))
	return bd.run
}

func mkAtomicsGlobal(r *rand.Rand) *Run {
	const n = 3000
	v := ints(r, n, -1000, 1000)
	ia := []int32{0, 0, math.MaxInt32, math.MinInt32, -1, 0, 0}
	ua := []uint32{math.MaxUint32, 0, 0, 13, 0}
	qa := []uint64{0, 0, math.MaxUint64, 0, 0}
	la := []int64{math.MaxInt64, math.MinInt64}
	fa := []float32{0, -1e30}
	da := []float64{0, 0}
	wi := append([]int32(nil), ia...)
	wu := append([]uint32(nil), ua...)
	wq := append([]uint64(nil), qa...)
	wl := append([]int64(nil), la...)
	wf := append([]float32(nil), fa...)
	wd := append([]float64(nil), da...)
	fsum, dsum, dsum2 := 0.0, 0.0, 0.0
	for _, x := range v {
		u := uint32(x)
		wi[0] += x
		wi[1] -= x
		wi[2] = min(wi[2], x)
		wi[3] = max(wi[3], x)
		wi[4] &= x | 0x10001
		wi[5] |= 1 << (u & 31)
		wi[6] ^= x
		wu[0] = min(wu[0], u)
		wu[1] = max(wu[1], u)
		wu[2] = atomInc(wu[2], 17)
		wu[3] = atomDec(wu[3], 13)
		wu[4] += u * 3
		wq[0] += uint64(u) * 977
		wq[1] = max(wq[1], uint64(u)<<20)
		wq[2] = min(wq[2], uint64(u)*uint64(u))
		wq[3] |= 1 << (u & 63)
		wq[4] ^= uint64(u) * 0x100000001
		wl[0] = min(wl[0], int64(x)*1000000)
		wl[1] = max(wl[1], int64(x)*1000000)
		fsum += float64(x) * 0.125
		wf[1] = max(wf[1], float32(x)*0.5)
		dsum += float64(x) * 0.5
		dsum2 += float64(x) * 0.25
	}
	wf[0], wd[0], wd[1] = float32(fsum), dsum, dsum2
	bd := newBuilder()
	pv := bd.in("v", v)
	pi, pu := bd.inout("ia", ia, wi), bd.inout("ua", ua, wu)
	pq, pl := bd.inout("qa", qa, wq), bd.inout("la", la, wl)
	pf, pd := bd.inout("fa", fa, wf), bd.inout("da", da, wd)
	bd.launch("atomics_global", d1(blocks(n, 256)), d1(256), 0, pv, pi, pu, pq, pl, pf, pd, int32(n))
	return bd.run
}

// atomInc and atomDec are PTX's atom.inc / atom.dec.
func atomInc(old, lim uint32) uint32 {
	if old >= lim {
		return 0
	}
	return old + 1
}

func atomDec(old, lim uint32) uint32 {
	if old == 0 || old > lim {
		return lim
	}
	return old - 1
}

func mkAtomicsShared(r *rand.Rand) *Run {
	const n, bs = 1000, 128
	g := int(blocks(n, bs))
	v := ints(r, n, -500, 500)
	iout, qout := make([]int32, 8*g), make([]uint64, 3*g)
	fout, dout := make([]float32, 2*g), make([]float64, g)
	for b := 0; b < g; b++ {
		si := []int32{0, math.MaxInt32, math.MinInt32, -1, 0}
		su := []uint32{0, 5, 0}
		sq := []uint64{0, math.MaxUint64, 0}
		fsum, fmax, dsum := 0.0, float32(-1e30), 0.0
		for i := b * bs; i < min((b+1)*bs, n); i++ {
			x := v[i]
			u := uint32(x)
			si[0] += x
			si[1] = min(si[1], x)
			si[2] = max(si[2], x)
			si[3] &^= 1 << (u & 31)
			si[4] = 7
			su[0] = atomInc(su[0], 9)
			su[1] = atomDec(su[1], 11)
			su[2] ^= u
			sq[0] += uint64(u) << 3
			sq[1] = min(sq[1], uint64(u)*3)
			if sq[2] == 0 {
				sq[2] = 1
			}
			fsum += float64(x) * 0.25
			fmax = max(fmax, float32(x))
			dsum += float64(x) * 0.125
		}
		copy(iout[8*b:], si)
		for k, x := range su {
			iout[8*b+5+k] = int32(x)
		}
		copy(qout[3*b:], sq)
		fout[2*b], fout[2*b+1], dout[b] = float32(fsum), fmax, dsum
	}
	bd := newBuilder()
	pv := bd.in("v", v)
	pi := bd.outCheck("iout", iout, Check{Index: colIndex(8, joinNames("add", "min", "max", "and", "exch", "inc", "dec", "xor"))})
	pq := bd.outCheck("qout", qout, Check{Index: colIndex(3, joinNames("add", "min", "cas"))})
	pf := bd.outCheck("fout", fout, Check{Index: colIndex(2, joinNames("add", "max by CAS"))})
	pd := bd.out("dout", dout)
	bd.launch("atomics_shared", d1(uint32(g)), d1(bs), 0, pv, pi, pq, pf, pd, int32(n))
	return bd.run
}

func mkAtomicExch(r *rand.Rand) *Run {
	const n, k = 1000, 7
	slots, qslots := uints(r, k), uint64s(r, k)
	fslots := uniform32(r, k, -1e6, 1e6)
	bd := newBuilder()
	ps := bd.in("slots", slots)
	pt := bd.add(&Buffer{Name: "taken", Elem: uint32(0), Len: n})
	pqs := bd.in("qslots", qslots)
	pqt := bd.add(&Buffer{Name: "qtaken", Elem: uint64(0), Len: n})
	pfs := bd.in("fslots", fslots)
	pft := bd.add(&Buffer{Name: "ftaken", Elem: float32(0), Len: n})
	bd.launch("atomic_exch", d1(blocks(n, 128)), d1(128), 0, ps, pt, pqs, pqt, pfs, pft, int32(n), int32(k))
	// {taken} + {final slots} == {initial slots} + {values stored}, per type.
	want32 := append([]uint32(nil), slots...)
	want64 := append([]uint64(nil), qslots...)
	wantF := append([]float32(nil), fslots...)
	for i := 0; i < n; i++ {
		want32 = append(want32, uint32(i)+1)
		want64 = append(want64, uint64(i+1)<<32|uint64(i))
		wantF = append(wantF, float32(i)+0.5)
	}
	bd.run.Invariant = func(get func(string) any) error {
		g32 := append(append([]uint32(nil), get("taken").([]uint32)...), get("slots").([]uint32)...)
		g64 := append(append([]uint64(nil), get("qtaken").([]uint64)...), get("qslots").([]uint64)...)
		gF := append(append([]float32(nil), get("ftaken").([]float32)...), get("fslots").([]float32)...)
		if err := compareMultiset("taken+slots", g32, want32); err != nil {
			return err
		}
		if err := compareMultiset("qtaken+qslots", g64, want64); err != nil {
			return err
		}
		if err := compareMultiset("ftaken+fslots", gF, wantF); err != nil {
			return err
		}
		return nil
	}
	bd.run.InvariantDoc = fmt.Sprintf("the values displaced plus the %d slots' final contents are the initial contents plus every value stored", k)
	return bd.run
}
