package corpus

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
)

// Cases of elementwise.cu, reduce.cu, scan.cu, histogram.cu, matrix.cu
// and sort.cu.

func init() {
	register(
		Case{Name: "elementwise/vadd_f32", Module: "elementwise", Covers: "1-D launch, add.f32, bounds guard", Make: mkVaddF32},
		Case{Name: "elementwise/saxpy", Module: "elementwise", Covers: "fma.rn.f32 from contraction, ld.global.nc", Make: mkSaxpy},
		Case{Name: "elementwise/daxpy", Module: "elementwise", Covers: "fma.rn.f64, f64 parameter", Make: mkDaxpy},
		Case{Name: "elementwise/scale_f4", Module: "elementwise", Covers: "ld.global.nc.v4.f32, st.global.v4.f32", Make: mkScaleF4},
		Case{Name: "elementwise/swap_i2", Module: "elementwise", Covers: "ld/st.global.v2.u32", Make: mkSwapI2},
		Case{Name: "elementwise/narrow_ints", Module: "elementwise", Covers: "8/16-bit loads and stores, sign and zero extension, cvt.s32.s8", Make: mkNarrowInts},
		Case{Name: "elementwise/grid_stride", Module: "elementwise", Covers: "persistent grid-stride loop, %nctaid", Make: mkGridStride},
		Case{Name: "elementwise/early_exit", Module: "elementwise", Covers: "early return, PTX exit, a loop with several exits", Make: mkEarlyExit},
		Case{Name: "reduce/reduce_tree", Module: "reduce", Covers: "dynamic shared memory, bar.sync in a loop", Make: mkReduceTree},
		Case{Name: "reduce/reduce_shfl_down", Module: "reduce", Covers: "shfl.sync.down, static shared", Make: mkReduceShflDown},
		Case{Name: "reduce/allreduce_xor", Module: "reduce", Covers: "shfl.sync.bfly, partial last warp", Make: mkAllreduceXor},
		Case{Name: "reduce/sum_pass", Module: "reduce", Covers: "two launches, f64 shuffles, grid-stride", Make: mkSumPass},
		Case{Name: "reduce/reduce_atomic", Module: "reduce", Covers: "atom.global.add.f32/.u64, atom.global.max.s32", Make: mkReduceAtomic},
		Case{Name: "reduce/reduce_last_block", Module: "reduce", Covers: "membar.gl, fence.acq_rel.gpu, generic atom.inc wrap, volatile loads, early return after a barrier", Make: mkReduceLastBlock},
		Case{Name: "scan/scan_inclusive", Module: "scan", Covers: "Hillis-Steele, swapped shared pointers, bar.sync in a loop", Make: mkScanInclusive},
		Case{Name: "scan/scan_exclusive", Module: "scan", Covers: "Blelloch up/down sweep, barriers in two loops", Make: mkScanExclusive},
		Case{Name: "scan/scan_warp", Module: "scan", Covers: "shfl.sync.up, width 8 segments", Make: mkScanWarp},
		Case{Name: "histogram/hist_shared", Module: "histogram", Covers: "atom.shared.add, u8 loads, grid-stride", Make: mkHistShared},
		Case{Name: "histogram/hist_global", Module: "histogram", Covers: "rem.s32 of negatives, atom.global.add", Make: mkHistGlobal},
		Case{Name: "histogram/hist_weighted", Module: "histogram", Covers: "64-bit atom add/min/max", Make: mkHistWeighted},
		Case{Name: "matrix/matmul_f32", Module: "matrix", Covers: "16x16 tiles, 2-D grid, fma.rn.f32 chains", Make: mkMatmulF32},
		Case{Name: "matrix/matmul_f64", Module: "matrix", Covers: "double tiles, fma.rn.f64", Make: mkMatmulF64},
		Case{Name: "matrix/transpose", Module: "matrix", Covers: "padded 32x33 tile, 2-D grid and block", Make: mkTranspose},
		Case{Name: "sort/bitonic_sort", Module: "sort", Covers: "barrier inside nested loops, dynamic shared", Make: mkBitonic},
		Case{Name: "sort/radix_split", Module: "sort", Covers: "vote.sync.ballot, popc, ffs", Make: mkRadixSplit},
	)
}

func mkVaddF32(r *rand.Rand) *Run {
	const n = 5000
	a, b := uniform32(r, n, -100, 100), uniform32(r, n, -100, 100)
	c := make([]float32, n)
	for i := range c {
		c[i] = a[i] + b[i]
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("a", a), bd.in("b", b), bd.out("c", c)
	bd.launch("vadd_f32", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, int32(n))
	return bd.run
}

func mkSaxpy(r *rand.Rand) *Run {
	const n = 4099
	x, y := uniform32(r, n, -10, 10), uniform32(r, n, -10, 10)
	a := float32(1 + r.Float64())
	want := make([]float32, n)
	for i := range want {
		want[i] = FMA32(a, x[i], y[i])
	}
	bd := newBuilder()
	px := bd.in("x", x)
	py := bd.inout("y", y, want)
	bd.launch("saxpy", d1(blocks(n, 256)), d1(256), 0, int32(n), a, px, py)
	return bd.run
}

func mkDaxpy(r *rand.Rand) *Run {
	const n = 3001
	x, y := make([]float64, n), make([]float64, n)
	want := make([]float64, n)
	a := 0.5 + r.Float64()
	for i := range x {
		x[i], y[i] = r.NormFloat64()*1e3, r.NormFloat64()
		want[i] = math.FMA(a, x[i], y[i])
	}
	bd := newBuilder()
	px := bd.in("x", x)
	py := bd.inout("y", y, want)
	bd.launch("daxpy", d1(blocks(n, 128)), d1(128), 0, int32(n), a, px, py)
	return bd.run
}

func mkScaleF4(r *rand.Rand) *Run {
	const n4 = 1000
	in := uniform32(r, 4*n4, -1e3, 1e3)
	s := float32(r.Float64()*4 - 2)
	want := make([]float32, 4*n4)
	for i := 0; i < n4; i++ {
		for k := 0; k < 4; k++ {
			want[4*i+k] = in[4*i+3-k] * s
		}
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("scale_f4", d1(blocks(n4, 64)), d1(64), 0, pi, po, s, int32(n4))
	return bd.run
}

func mkSwapI2(r *rand.Rand) *Run {
	const n = 2500
	in := make([]int32, 2*n)
	for i := range in {
		in[i] = int32(r.Uint32())
	}
	want := make([]int32, 2*n)
	for i := 0; i < n; i++ {
		want[2*i] = int32(uint32(in[2*i+1]) + uint32(i))
		want[2*i+1] = int32(uint32(in[2*i]) - uint32(i))
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("swap_i2", d1(blocks(n, 96)), d1(96), 0, pi, po, int32(n))
	return bd.run
}

func mkNarrowInts(r *rand.Rand) *Run {
	const n = 3000
	a, b, c := make([]int8, n), make([]uint16, n), make([]uint8, n)
	wide, aout, bout, sout := make([]int32, n), make([]int8, n), make([]uint16, n), make([]int16, n)
	for i := 0; i < n; i++ {
		a[i], b[i], c[i] = int8(r.Uint32()), uint16(r.Uint32()), uint8(r.Uint32())
		x, y, z := int32(a[i]), uint32(b[i]), uint32(c[i])
		wide[i] = x*1000 + int32(y) - int32(z)
		aout[i] = int8(x*3 + 100)
		bout[i] = uint16(y*7 + uint32(x))
		sout[i] = int16(int16(b[i]) >> 3)
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("a", a), bd.in("b", b), bd.in("c", c)
	pw, pao, pbo, pso := bd.out("wide", wide), bd.out("a_out", aout), bd.out("b_out", bout), bd.out("s_out", sout)
	bd.launch("narrow_ints", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, pw, pao, pbo, pso, int32(n))
	return bd.run
}

func mkGridStride(r *rand.Rand) *Run {
	const n = 10000
	in := uints(r, n)
	want := make([]uint32, n)
	for i := range want {
		want[i] = in[i]*2654435761 ^ uint32(i)>>3
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("grid_stride", d1(3), d1(64), 0, pi, po, int32(n))
	return bd.run
}

func mkEarlyExit(r *rand.Rand) *Run {
	const rows, cols, limit = 300, 40, 5000
	m := make([]int32, rows*cols)
	for i := range m {
		switch r.IntN(60) {
		case 0:
			m[i] = 0
		case 1:
			m[i] = -901 - int32(r.IntN(100))
		default:
			m[i] = int32(r.IntN(351)) - 50
			if m[i] == 0 {
				m[i] = 1
			}
		}
	}
	want := make([]int32, rows)
	for row := 0; row < rows; row++ {
		sum := int32(0)
		res, done := int32(0), false
		for c := 0; c < cols; c++ {
			v := m[row*cols+c]
			if v == 0 {
				res, done = -1-int32(c), true
				break
			}
			if v < -900 {
				break
			}
			sum += v
			if sum > limit {
				sum = limit + int32(c)
				break
			}
		}
		if !done {
			res = sum
		}
		want[row] = res
	}
	bd := newBuilder()
	pm, po := bd.in("m", m), bd.out("out", want)
	bd.launch("early_exit", d1(blocks(rows, 64)), d1(64), 0, pm, po, int32(rows), int32(cols), int32(limit))
	return bd.run
}

func mkReduceTree(r *rand.Rand) *Run {
	const n, bs = 50000, 256
	in := dyadic(r, n, 64, 8)
	g := blocks(n, 2*bs)
	want := make([]float32, g)
	for b := range want {
		s := 0.0
		for i := b * 2 * bs; i < (b+1)*2*bs && i < n; i++ {
			s += float64(in[i])
		}
		want[b] = float32(s)
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("partial", want)
	bd.launch("reduce_tree", d1(g), d1(bs), 4*bs, pi, po, int32(n))
	return bd.run
}

func mkReduceShflDown(r *rand.Rand) *Run {
	const n, bs = 50000, 256
	in := dyadic(r, n, 64, 8)
	g := blocks(n, bs)
	want := make([]float32, g)
	for b := range want {
		s := 0.0
		for i := b * bs; i < (b+1)*bs && i < n; i++ {
			s += float64(in[i])
		}
		want[b] = float32(s)
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("partial", want)
	bd.launch("reduce_shfl_down", d1(g), d1(bs), 0, pi, po, int32(n))
	return bd.run
}

func mkAllreduceXor(r *rand.Rand) *Run {
	const n, bs = 3000, 128
	in := ints(r, n, -1000, 1000)
	sums, maxes := make([]int32, n), make([]int32, n)
	for i := 0; i < n; i++ {
		w := i / 32 * 32
		s, m := int32(0), int32(math.MinInt32)
		for j := w; j < w+32 && j < n; j++ {
			s += in[j]
			m = max(m, in[j])
		}
		sums[i], maxes[i] = s, m
	}
	bd := newBuilder()
	pi, ps, pm := bd.in("in", in), bd.out("sum", sums), bd.out("max", maxes)
	bd.launch("allreduce_xor", d1(blocks(n, bs)), d1(bs), 0, pi, ps, pm, int32(n))
	return bd.run
}

func mkSumPass(r *rand.Rand) *Run {
	const n, g, bs = 100000, 24, 128
	in := make([]float64, n)
	for i := range in {
		in[i] = float64(r.IntN(2001)-1000) / 16
	}
	partial := make([]float64, g)
	total := 0.0
	for i, v := range in {
		partial[(i/bs)%g] += v
		total += v
	}
	bd := newBuilder()
	pi, pp, po := bd.in("in", in), bd.out("partial", partial), bd.out("out", []float64{total})
	bd.launch("sum_pass1", d1(g), d1(bs), 0, pi, pp, int32(n))
	bd.launch("sum_pass2", d1(1), d1(128), 0, pp, po, int32(g))
	return bd.run
}

func mkReduceAtomic(r *rand.Rand) *Run {
	const n, bs = 20000, 256
	in := dyadic(r, n, 64, 8)
	sum, negs, mx := 0.0, uint64(0), int32(math.MinInt32)
	for _, v := range in {
		sum += float64(v)
		if v < 0 {
			negs++
		}
		mx = max(mx, int32(v*8))
	}
	bd := newBuilder()
	pi := bd.in("in", in)
	ps := bd.inout("sum", []float32{0}, []float32{float32(sum)})
	pn := bd.inout("negs", []uint64{0}, []uint64{negs})
	pm := bd.inout("max8", []int32{math.MinInt32}, []int32{mx})
	bd.launch("reduce_atomic", d1(blocks(n, bs)), d1(bs), 0, pi, ps, pn, pm, int32(n))
	return bd.run
}

func mkReduceLastBlock(r *rand.Rand) *Run {
	const n, bs = 30000, 256
	in := uints(r, n)
	g := blocks(n, bs)
	partial := make([]uint32, g)
	total := uint32(0)
	for i, v := range in {
		partial[i/bs] += v
		total += v
	}
	bd := newBuilder()
	pi, pp := bd.in("in", in), bd.out("partial", partial)
	pc := bd.inout("counter", []uint32{0}, []uint32{0})
	po := bd.out("out", []uint32{total})
	bd.launch("reduce_last_block", d1(g), d1(bs), 0, pi, pp, pc, po, int32(n))
	return bd.run
}

func mkScanInclusive(r *rand.Rand) *Run {
	const n, bs = 5000, 256
	in := ints(r, n, -100, 100)
	want := make([]int32, n)
	for i := range in {
		if i%bs == 0 {
			want[i] = in[i]
		} else {
			want[i] = want[i-1] + in[i]
		}
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("scan_inclusive", d1(blocks(n, bs)), d1(bs), 2*4*bs, pi, po, int32(n))
	return bd.run
}

func mkScanExclusive(r *rand.Rand) *Run {
	const n = 5000
	in := uints(r, n)
	g := blocks(n, 512)
	want, sums := make([]uint32, n), make([]uint32, g)
	for i := range in {
		b := i / 512
		want[i] = sums[b]
		sums[b] += in[i]
	}
	bd := newBuilder()
	pi, po, ps := bd.in("in", in), bd.out("out", want), bd.out("sums", sums)
	bd.launch("scan_exclusive", d1(g), d1(256), 0, pi, po, ps, int32(n))
	return bd.run
}

func mkScanWarp(r *rand.Rand) *Run {
	const n, bs = 5000, 256
	in := dyadic(r, n, 32, 4)
	want, seg := make([]float32, n), make([]float32, n)
	acc, sacc := 0.0, 0.0
	for i, v := range in {
		if i%bs == 0 {
			acc = 0
		}
		if i%8 == 0 {
			sacc = 0
		}
		acc += float64(v)
		sacc += float64(v)
		want[i], seg[i] = float32(acc), float32(sacc)
	}
	bd := newBuilder()
	pi, po, pg := bd.in("in", in), bd.out("out", want), bd.out("seg", seg)
	bd.launch("scan_warp", d1(blocks(n, bs)), d1(bs), 0, pi, po, pg, int32(n))
	return bd.run
}

func mkHistShared(r *rand.Rand) *Run {
	const n = 100000
	data := make([]uint8, n)
	hist := make([]uint32, 256)
	for i := range data {
		// A skewed distribution: some bins collide a lot.
		v := uint8(r.IntN(256))
		if r.IntN(4) == 0 {
			v = uint8(r.IntN(8))
		}
		data[i] = v
		hist[v]++
	}
	bd := newBuilder()
	pd := bd.in("data", data)
	ph := bd.inout("hist", make([]uint32, 256), hist)
	bd.launch("hist_shared", d1(8), d1(256), 0, pd, ph, int32(n))
	return bd.run
}

func mkHistGlobal(r *rand.Rand) *Run {
	const n, nbins = 20000, 37
	keys := ints(r, n, -1000000, 1000000)
	hist := make([]uint32, nbins)
	for _, k := range keys {
		m := k % nbins // Go's % truncates like C's
		hist[(m+nbins)%nbins]++
	}
	bd := newBuilder()
	pk := bd.in("keys", keys)
	ph := bd.inout("hist", make([]uint32, nbins), hist)
	bd.launch("hist_global", d1(blocks(n, 256)), d1(256), 0, pk, ph, int32(n), int32(nbins))
	return bd.run
}

func mkHistWeighted(r *rand.Rand) *Run {
	const n, nbins = 6000, 64
	keys := make([]int32, n)
	w := make([]uint64, n)
	sum, count := make([]uint64, nbins), make([]uint64, nbins)
	lo, hi := make([]uint64, nbins), make([]uint64, nbins)
	for b := range lo {
		lo[b] = math.MaxUint64
	}
	for i := range keys {
		keys[i] = int32(r.Uint32())
		w[i] = r.Uint64() >> uint(r.IntN(40))
		b := keys[i] & (nbins - 1)
		sum[b] += w[i]
		lo[b] = min(lo[b], w[i])
		hi[b] = max(hi[b], w[i])
		count[b]++
	}
	initLo := make([]uint64, nbins)
	for b := range initLo {
		initLo[b] = math.MaxUint64
	}
	bd := newBuilder()
	pk, pw := bd.in("keys", keys), bd.in("w", w)
	ps := bd.inout("sum", make([]uint64, nbins), sum)
	pl := bd.inout("lo", initLo, lo)
	ph := bd.inout("hi", make([]uint64, nbins), hi)
	pc := bd.inout("count", make([]uint64, nbins), count)
	bd.launch("hist_weighted", d1(blocks(n, 128)), d1(128), 0, pk, pw, ps, pl, ph, pc, int32(n), int32(nbins))
	return bd.run
}

func mkMatmulF32(r *rand.Rand) *Run {
	const M, N, K, T = 50, 70, 40, 16
	A, B := uniform32(r, M*K, -1, 1), uniform32(r, K*N, -1, 1)
	C := make([]float32, M*N)
	kp := (K + T - 1) / T * T // the kernel's zero-filled tail takes part
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			acc := float32(0)
			for k := 0; k < kp; k++ {
				a, b := float32(0), float32(0)
				if k < K {
					a, b = A[i*K+k], B[k*N+j]
				}
				acc = FMA32(a, b, acc)
			}
			C[i*N+j] = acc
		}
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("A", A), bd.in("B", B), bd.out("C", C)
	bd.launch("matmul_f32", d2(blocks(N, T), blocks(M, T)), d2(T, T), 0, pa, pb, pc, int32(M), int32(N), int32(K))
	return bd.run
}

func mkMatmulF64(r *rand.Rand) *Run {
	const M, N, K, T = 33, 47, 29, 16
	A, B := make([]float64, M*K), make([]float64, K*N)
	for i := range A {
		A[i] = r.NormFloat64()
	}
	for i := range B {
		B[i] = r.NormFloat64()
	}
	C := make([]float64, M*N)
	kp := (K + T - 1) / T * T
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			acc := 0.0
			for k := 0; k < kp; k++ {
				a, b := 0.0, 0.0
				if k < K {
					a, b = A[i*K+k], B[k*N+j]
				}
				acc = math.FMA(a, b, acc)
			}
			C[i*N+j] = acc
		}
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("A", A), bd.in("B", B), bd.out("C", C)
	bd.launch("matmul_f64", d2(blocks(N, T), blocks(M, T)), d2(T, T), 0, pa, pb, pc, int32(M), int32(N), int32(K))
	return bd.run
}

func mkTranspose(r *rand.Rand) *Run {
	const rows, cols = 100, 77
	in := uniform32(r, rows*cols, -1, 1)
	out := make([]float32, rows*cols)
	for y := 0; y < rows; y++ {
		for x := 0; x < cols; x++ {
			out[x*rows+y] = in[y*cols+x]
		}
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", out)
	bd.launch("transpose", d2(blocks(cols, 32), blocks(rows, 32)), d2(32, 8), 0, pi, po, int32(rows), int32(cols))
	return bd.run
}

func mkBitonic(r *rand.Rand) *Run {
	const n, bs = 2000, 256
	data := make([]uint32, n)
	for i := range data {
		data[i] = r.Uint32() >> uint(r.IntN(28)) // many duplicates among small keys
	}
	want := append([]uint32(nil), data...)
	for b := 0; b < n; b += 2 * bs {
		e := min(b+2*bs, n)
		sort.Slice(want[b:e], func(i, j int) bool { return want[b+i] < want[b+j] })
	}
	bd := newBuilder()
	pd := bd.inout("data", data, want)
	bd.launch("bitonic_sort", d1(blocks(n, 2*bs)), d1(bs), 8*bs, pd, int32(n))
	return bd.run
}

func mkRadixSplit(r *rand.Rand) *Run {
	const n, bs, bit = 1000, 128, 5
	in := uints(r, n)
	out := make([]uint32, n)
	g := int(blocks(n, bs))
	first := make([]int32, g*bs/32)
	for b := 0; b < g; b++ {
		e := min((b+1)*bs, n)
		k := b * bs
		for _, one := range []uint32{0, 1} {
			for i := b * bs; i < e; i++ {
				if in[i]>>bit&1 == one {
					out[k] = in[i]
					k++
				}
			}
		}
		for w := 0; w < bs/32; w++ {
			var ballot uint32
			for l := 0; l < 32; l++ {
				if i := b*bs + w*32 + l; i < n && in[i]>>bit&1 == 1 {
					ballot |= 1 << l
				}
			}
			if ballot != 0 {
				first[b*bs/32+w] = int32(bits.TrailingZeros32(ballot) + 1)
			}
		}
	}
	bd := newBuilder()
	pi, po, pf := bd.in("in", in), bd.out("out", out), bd.out("first_one", first)
	bd.launch("radix_split", d1(uint32(g)), d1(bs), 0, pi, po, pf, int32(n), int32(bit))
	return bd.run
}
