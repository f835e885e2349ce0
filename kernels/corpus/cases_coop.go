package corpus

import (
	"math"
	"math/rand/v2"
)

// Cases of coop.cu and coop_grid.cu: cooperative groups, which only nvcc
// builds (kernels/corpus/nvcc.sh); they run where testdata/ptx holds the
// nvcc builds. And of gridsync.cu: the same grid barrier spelled out in
// inline PTX, which clang builds.

func init() {
	register(
		Case{Name: "gridsync/grid_sum", Module: "gridsync", Covers: "grid barrier of CUDA's cooperative groups (%envreg1/%envreg2 workspace, atom.add.release.gpu, ld.acquire.gpu polling) in a cooperative launch", Make: mkGridSum},
		Case{Name: "gridsync/grid_rounds", Module: "gridsync", Covers: "mov.b64 of the %envreg2/%envreg1 pair, 2-D grid, repeated grid barriers in a loop", Make: mkGridRounds},
		Case{Name: "coop/cg_reduce", Module: "coop", NVCCOnly: true, Covers: "cg::thread_block, tiled_partition<32>, cg::reduce (plus, greater)", Make: mkCGReduce},
		Case{Name: "coop/cg_tiles", Module: "coop", NVCCOnly: true, Covers: "tiled_partition<16>: shfl_down, ballot, any, all, ranks", Make: mkCGTiles},
		Case{Name: "coop_grid/cg_grid_sum", Module: "coop_grid", NVCCOnly: true, Covers: "cg::this_grid().sync() in a cooperative launch", Make: mkCGGridSum},
	)
}

func mkCGReduce(r *rand.Rand) *Run {
	const n, bs = 3000, 256
	in := ints(r, n, -100000, 100000)
	g := int(blocks(n, bs))
	sums, maxes := make([]int32, g), make([]int32, g)
	for b := 0; b < g; b++ {
		s, m := int32(0), int32(math.MinInt32)
		for i := b * bs; i < min((b+1)*bs, n); i++ {
			s += in[i]
			m = max(m, in[i])
		}
		sums[b], maxes[b] = s, m
	}
	bd := newBuilder()
	pi, ps, pm := bd.in("in", in), bd.out("sums", sums), bd.out("maxes", maxes)
	bd.launch("cg_reduce", d1(uint32(g)), d1(bs), 0, pi, ps, pm, int32(n))
	return bd.run
}

func mkCGTiles(r *rand.Rand) *Run {
	const n, bs = 256, 128
	in := make([]uint32, n)
	for i := range in {
		in[i] = uint32(r.IntN(9))
	}
	for i := 16; i < 32; i++ { // a tile without a 7 and without a 0
		in[i] = uint32(1 + r.IntN(5))
	}
	out := make([]uint32, 4*n)
	for t := 0; t < n/16; t++ {
		tile := in[16*t : 16*t+16]
		var ballot uint32
		anyZero, allNot7 := false, true
		for l, v := range tile {
			if v&1 != 0 {
				ballot |= 1 << l
			}
			anyZero = anyZero || v == 0
			allNot7 = allNot7 && v != 7
		}
		for l := 0; l < 16; l++ {
			o := out[4*(16*t+l):]
			o[0] = tile[min(l+1, 15)]
			if l == 15 {
				o[0] = tile[15]
			}
			o[1] = ballot
			o[2] = b2u(anyZero) | b2u(allNot7)<<1
			o[3] = uint32(l) | uint32((16*t)%bs/16)<<8
		}
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	po := bd.outCheck("out", out, Check{Index: colIndex(4, joinNames("shfl_down", "ballot", "any|all", "ranks"))})
	bd.launch("cg_tiles", d1(n/bs), d1(bs), 0, pi, po, int32(n))
	return bd.run
}

func mkCGGridSum(r *rand.Rand) *Run {
	const n, bs, g = 20000, 256, 8
	in := ints(r, n, -1000, 1000)
	partial := make([]int32, g)
	for i, v := range in {
		partial[(i/bs)%g] += v
	}
	out := make([]int32, 1+g)
	for b := 0; b < g; b++ {
		out[0] += partial[b]
		out[1+b] = partial[(b+1)%g]
	}
	bd := newBuilder()
	pi, pp, po := bd.in("in", in), bd.out("partial", partial), bd.out("out", out)
	bd.launch("cg_grid_sum", d1(g), d1(bs), 0, pi, pp, po, int32(n))
	bd.run.Cooperative = true
	return bd.run
}

func mkGridSum(r *rand.Rand) *Run {
	const n, bs, g = 30000, 128, 12
	in := ints(r, n, -1000, 1000)
	partial := make([]int32, g)
	for i, v := range in {
		partial[(i/bs)%g] += v
	}
	out := make([]int32, 1+g)
	for b := 0; b < g; b++ {
		out[0] += partial[b]
		out[1+b] = partial[(b+1)%g]
	}
	bd := newBuilder()
	pi, pp, po := bd.in("in", in), bd.out("partial", partial), bd.out("out", out)
	bd.launch("grid_sum", d1(g), d1(bs), 0, pi, pp, po, int32(n))
	bd.run.Cooperative = true
	return bd.run
}

func mkGridRounds(r *rand.Rand) *Run {
	const gx, gy, bs, rounds = 3, 2, 64, 7
	const n = gx * gy * bs
	a := make([]uint32, n)
	for i := range a {
		a[i] = uint32(r.IntN(1000003))
	}
	cur := append([]uint32(nil), a...)
	next := make([]uint32, n)
	for k := 0; k < rounds; k++ {
		for i := range next {
			l, c, h := uint64(cur[(i+n-1)%n]), uint64(cur[i]), uint64(cur[(i+1)%n])
			next[i] = uint32((l + 2*c + h) % 1000003)
		}
		copy(cur, next)
	}
	bd := newBuilder()
	pa, pb := bd.inout("a", a, cur), bd.out("b", next)
	bd.launch("grid_rounds", d2(gx, gy), d1(bs), 0, pa, pb, int32(rounds))
	bd.run.Cooperative = true
	return bd.run
}
