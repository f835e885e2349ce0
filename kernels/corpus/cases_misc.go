package corpus

import (
	"math/bits"
	"math/rand/v2"
	"sort"
)

// Cases of calls.cu, globals.cu, stencil.cu and sync.cu.

func init() {
	register(
		Case{Name: "calls/call_chain", Module: "calls", Covers: ".func, call.uni, a chain of calls", Make: mkCallChain},
		Case{Name: "calls/call_struct", Module: "calls", Covers: "struct return value, mixed f32/f64/int/pointer parameters", Make: mkCallStruct},
		Case{Name: "calls/call_local", Module: "calls", Covers: ".local arrays in caller and callee, pointer to local passed to a call", Make: mkCallLocal},
		Case{Name: "calls/call_indirect", Module: "calls", Covers: "indirect call with .callprototype, function addresses in a .global initializer", Make: mkCallIndirect},
		Case{Name: "calls/local_array", Module: "calls", Covers: "data-indexed per-thread array (.local), u8 local loads and stores", Make: mkLocalArray},
		Case{Name: "globals/globals_apply", Module: "globals", Covers: ".global and .const variables with initializers, host reads and writes (cuModuleGetGlobal), atomics on globals", Make: mkGlobals},
		Case{Name: "stencil/stencil1d", Module: "stencil", Covers: "halo in static shared memory, clamped indices", Make: mkStencil1D},
		Case{Name: "stencil/stencil2d", Module: "stencil", Covers: "2-D tile plus halo in dynamic shared memory, 2-D grid", Make: mkStencil2D},
		Case{Name: "stencil/grid3d", Module: "stencil", Covers: "3-D grid and 3-D blocks, %ntid.z, %nctaid.z", Make: mkGrid3D},
		Case{Name: "sync/special_regs", Module: "sync", Covers: "%laneid, %lanemask_*, %warpid, %smid, %clock, %clock64, %globaltimer, %dynamic_smem_size, .maxntid", Make: mkSpecialRegs},
		Case{Name: "sync/named_barriers", Module: "sync", Covers: "bar.arrive / bar.sync with a thread count, barrier.sync, bar.warp.sync, membar.cta", Make: mkNamedBarriers},
	)
}

func mix32(a, b uint32) uint32 {
	a ^= b * 0x9e3779b9
	return bits.RotateLeft32(a, 7) + b
}

func mkCallChain(r *rand.Rand) *Run {
	const n = 2000
	a, b := uints(r, n), uints(r, n)
	want := make([]uint32, n)
	for i := range want {
		c := uint32(i)
		want[i] = mix32(mix32(a[i], b[i]), c) ^ mix32(c, a[i])
	}
	bd := newBuilder()
	pa, pb, po := bd.in("a", a), bd.in("b", b), bd.out("out", want)
	bd.launch("call_chain", d1(blocks(n, 128)), d1(128), 0, pa, pb, po, int32(n))
	return bd.run
}

func mkCallStruct(r *rand.Rand) *Run {
	const n = 1000
	x := uniform32(r, n, -50, 50)
	bias := ints(r, 8, -50, 50)
	lo, hi, d := make([]float32, n), make([]float32, n), make([]float64, n)
	for i := 0; i < n; i++ {
		a, b, c := x[i], x[(i+1)%n], x[(i+2)%n]
		l, h := a, b
		if !(a < b) {
			l, h = b, a
		}
		if c < l {
			l = c
		}
		if c > h {
			h = c
		}
		lo[i], hi[i] = l, h
		t := float64(float32(0.25) * float32(i&3))
		diff := float64(b) - float64(a)
		prod := float64(diff * t) // explicit conversions: no fused multiply-add
		d[i] = float64(float64(float64(a)+prod) + float64(bias[i&7]))
	}
	bd := newBuilder()
	px, pbias := bd.in("x", x), bd.in("bias", bias)
	plo, phi, pd := bd.out("lo", lo), bd.out("hi", hi), bd.out("d", d)
	bd.launch("call_struct", d1(blocks(n, 128)), d1(128), 0, px, pbias, plo, phi, pd, int32(n))
	return bd.run
}

func mkCallLocal(r *rand.Rand) *Run {
	const n = 1500
	in := ints(r, n, -10000, 10000)
	want := make([]int32, n)
	w := make([]int32, 9)
	for i := 0; i < n; i++ {
		for k := 0; k < 9; k++ {
			j := min(max(i+k-4, 0), n-1)
			w[k] = in[j]
		}
		s := append([]int32(nil), w...)
		sort.Slice(s, func(p, q int) bool { return s[p] < s[q] })
		want[i] = s[4]
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("call_local", d1(blocks(n, 128)), d1(128), 0, pi, po, int32(n))
	return bd.run
}

func mkCallIndirect(r *rand.Rand) *Run {
	const n = 2000
	a, b := uints(r, n), uints(r, n)
	sel := ints(r, n, -100, 100)
	want := make([]uint32, n)
	for i := range want {
		x, y := a[i], b[i]
		switch sel[i] & 3 {
		case 0:
			want[i] = x + y
		case 1:
			want[i] = bits.RotateLeft32(x^y, 3)
		case 2:
			want[i] = x - y
		case 3:
			want[i] = mix32(x, y)
		}
	}
	bd := newBuilder()
	pa, pb, ps, po := bd.in("a", a), bd.in("b", b), bd.in("sel", sel), bd.out("out", want)
	bd.launch("call_indirect", d1(blocks(n, 128)), d1(128), 0, pa, pb, ps, po, int32(n))
	return bd.run
}

func mkLocalArray(r *rand.Rand) *Run {
	const n = 1000
	in := uint64s(r, n)
	for i := 0; i < 8; i++ {
		in[i] = in[i] & 0x0f0f0f0f0f0f0f0f // repeated nibbles
	}
	want := make([]uint64, n)
	for i, x := range in {
		nib := make([]int, 16)
		for s := 0; s < 64; s += 4 {
			nib[s/4] = int(x >> s & 15)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(nib)))
		var v uint64
		for _, d := range nib {
			v = v<<4 | uint64(d)
		}
		want[i] = v
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("local_array", d1(blocks(n, 128)), d1(128), 0, pi, po, int32(n))
	return bd.run
}

// The initializers in globals.cu.
var (
	gTable   = []float32{0.5, -1.25, 2.0, 3.75, -0.125, 8.0, 1.0, -6.5}
	cCoeffs  = []float32{1, 0.5, -2, 3, 0.25, -0.75, 4, 1.5, -1, 2.5, 0.125, -3.5, 6, -0.5, 1.25, 7}
	cOffsets = []int32{1, -2, 3, -4}
)

func mkGlobals(r *rand.Rand) *Run {
	const n = 1000
	in := uniform32(r, n, -10, 10)
	coeffs := dyadic(r, 16, 64, 16)
	const scale = 0.3
	out, dout := make([]float32, n), make([]float64, n)
	var sum uint64
	for i := 0; i < n; i++ {
		out[i] = FMA32(in[i], coeffs[i&15], gTable[(i+int(cOffsets[i&3]))&7])
		dout[i] = float64(out[i]) * scale
		sum += uint64(i)
	}
	bd := newBuilder()
	pi, po, pd := bd.in("in", in), bd.out("out", out), bd.out("dout", dout)
	bd.launch("globals_apply", d1(blocks(n, 128)), d1(128), 0, pi, po, pd, int32(n))
	bd.run.Globals = []*Global{
		{Name: "g_counter", Init: []int32{5}, Want: []int32{5 + n}},
		{Name: "g_table", Init: gTable, Want: gTable},
		{Name: "g_sum", Init: []uint64{0}, Want: []uint64{sum}},
		{Name: "g_scale", Init: []float64{0.25}, Set: []float64{scale}, Want: []float64{scale}},
		{Name: "c_coeffs", Init: cCoeffs, Set: coeffs, Want: coeffs},
		{Name: "c_offsets", Init: cOffsets, Want: cOffsets},
	}
	return bd.run
}

func mkStencil1D(r *rand.Rand) *Run {
	const n = 1000
	in := ints(r, n, -1000, 1000)
	w := ints(r, 7, -5, 5)
	want := make([]int32, n)
	for i := range want {
		acc := int32(0)
		for k := -3; k <= 3; k++ {
			acc += w[k+3] * in[min(max(i+k, 0), n-1)]
		}
		want[i] = acc
	}
	bd := newBuilder()
	pi, pw, po := bd.in("in", in), bd.in("w", w), bd.out("out", want)
	bd.launch("stencil1d", d1(blocks(n, 128)), d1(128), 0, pi, pw, po, int32(n))
	return bd.run
}

func mkStencil2D(r *rand.Rand) *Run {
	const width, height = 45, 37
	in := dyadic(r, width*height, 64, 4)
	at := func(x, y int) float64 {
		if x < 0 || x >= width || y < 0 || y >= height {
			return 0
		}
		return float64(in[y*width+x])
	}
	want := make([]float32, width*height)
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			want[y*width+x] = float32(4*at(x, y) - at(x, y-1) - at(x, y+1) - at(x-1, y) - at(x+1, y))
		}
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", want)
	bd.launch("stencil2d", d2(blocks(width, 16), blocks(height, 16)), d2(16, 16), 18*18*4, pi, po, int32(width), int32(height))
	return bd.run
}

func mkGrid3D(r *rand.Rand) *Run {
	_ = r
	const w, h, dep = 20, 7, 3
	grid, block := d3(3, 2, 2), d3(8, 4, 2)
	out := make([]uint32, w*h*dep)
	for z := 0; z < dep; z++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				tz, ty := z%int(block.Z), y%int(block.Y)
				out[(z*h+y)*w+x] = uint32(x | y<<10 | z<<20 | (tz*int(block.Y)+ty)<<26)
			}
		}
	}
	dims := []uint32{grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z}
	bd := newBuilder()
	po, pd := bd.out("out", out), bd.out("dims", dims)
	bd.launch("grid3d", grid, block, 0, po, pd, int32(w), int32(h), int32(dep))
	return bd.run
}

func mkSpecialRegs(r *rand.Rand) *Run {
	_ = r
	const bx, by, gx, dyn = 16, 6, 2, 64
	threads := bx * by
	out := make([]uint32, 8*threads*gx)
	for g := 0; g < threads*gx; g++ {
		t := g % threads
		lane := uint32(t % 32)
		lt := uint32(1)<<lane - 1
		le := uint32(uint64(2)<<lane - 1)
		o := out[8*g:]
		o[0], o[1], o[2], o[3], o[4], o[5] = lane, lt, le, 1<<lane, ^lt, ^le
		o[6], o[7] = dyn, 0x3f
	}
	bd := newBuilder()
	po := bd.outCheck("out", out, Check{Index: colIndex(8, joinNames("laneid", "lanemask_lt", "lanemask_le", "lanemask_eq", "lanemask_ge", "lanemask_gt", "dynamic_smem_size", "checks"))})
	bd.launch("special_regs", d2(gx, 1), d2(bx, by), dyn, po)
	return bd.run
}

func mkNamedBarriers(r *rand.Rand) *Run {
	const bs, g = 128, 3
	in := uints(r, bs*g)
	out := make([]uint32, 2*bs*g)
	for b := 0; b < g; b++ {
		for t := 0; t < bs; t++ {
			gi := b*bs + t
			if t < 64 {
				out[2*gi] = in[gi]*3 + 1
			} else {
				out[2*gi] = in[b*bs+t-64]*3 + 1 + uint32(t)
			}
			o := t ^ 16
			out[2*gi+1] = in[b*bs+o] ^ uint32(o)
		}
	}
	bd := newBuilder()
	pi, po := bd.in("in", in), bd.out("out", out)
	bd.launch("named_barriers", d1(g), d1(bs), 0, pi, po)
	return bd.run
}
