package corpus

import (
	"fmt"
	"math"
	"math/bits"
	"testing"
)

// The second way: for the kernels whose index arithmetic is easy to get
// wrong, a Go transcription of the kernel itself (each thread's code run
// for every thread between barriers, warps as groups of 32 lanes) is run
// on the case's inputs and must produce the case's reference outputs. A
// wrong reference, or a kernel whose algorithm does not compute what its
// comment says, shows up here without a GPU.

func caseRun(t *testing.T, name string) *Run {
	t.Helper()
	for _, c := range Cases() {
		if c.Name == name {
			return c.Build()
		}
	}
	t.Fatalf("no case %s", name)
	return nil
}

func buf(r *Run, name string) *Buffer {
	for _, b := range r.Buffers {
		if b.Name == name {
			return b
		}
	}
	panic("corpus: no buffer " + name)
}

// launchArgs returns the single launch's scalar arguments by position.
func arg[T any](r *Run, k int) T { return r.Launches[0].Args[k].(T) }

func expect(t *testing.T, r *Run, name string, got any) {
	t.Helper()
	if err := buf(r, name).Compare(got); err != nil {
		t.Error(err)
	}
}

func TestSimBitonicSort(t *testing.T) {
	r := caseRun(t, "sort/bitonic_sort")
	data := append([]uint32(nil), buf(r, "data").In.([]uint32)...)
	n := int(arg[int32](r, 1))
	bs := int(r.Launches[0].Block.X)
	chunk := 2 * bs
	for b := 0; b < int(r.Launches[0].Grid.X); b++ {
		base := b * chunk
		s := make([]uint32, chunk)
		for k := range s {
			s[k] = 0xffffffff
			if base+k < n {
				s[k] = data[base+k]
			}
		}
		for size := 2; size <= chunk; size <<= 1 {
			for stride := size >> 1; stride > 0; stride >>= 1 {
				next := append([]uint32(nil), s...) // every thread reads before any writes
				for t := 0; t < bs; t++ {
					pos := 2*t - (t & (stride - 1))
					up := pos&size == 0
					a, c := s[pos], s[pos+stride]
					if (a > c) == up {
						next[pos], next[pos+stride] = c, a
					}
				}
				s = next
			}
		}
		for k := 0; k < chunk && base+k < n; k++ {
			data[base+k] = s[k]
		}
	}
	expect(t, r, "data", data)
}

func TestSimScanExclusive(t *testing.T) {
	r := caseRun(t, "scan/scan_exclusive")
	in := buf(r, "in").In.([]uint32)
	n := len(in)
	g := int(r.Launches[0].Grid.X)
	out, sums := make([]uint32, n), make([]uint32, g)
	for b := 0; b < g; b++ {
		s := make([]uint32, 512)
		for k := range s {
			if i := b*512 + k; i < n {
				s[k] = in[i]
			}
		}
		off := 1
		for d := 256; d > 0; d >>= 1 {
			for t := 0; t < d; t++ {
				s[off*(2*t+2)-1] += s[off*(2*t+1)-1]
			}
			off <<= 1
		}
		sums[b] = s[511]
		s[511] = 0
		for d := 1; d < 512; d <<= 1 {
			off >>= 1
			for t := 0; t < d; t++ {
				ai, bi := off*(2*t+1)-1, off*(2*t+2)-1
				x := s[ai]
				s[ai] = s[bi]
				s[bi] += x
			}
		}
		for k := range s {
			if i := b*512 + k; i < n {
				out[i] = s[k]
			}
		}
	}
	expect(t, r, "out", out)
	expect(t, r, "sums", sums)
}

func TestSimScanInclusive(t *testing.T) {
	r := caseRun(t, "scan/scan_inclusive")
	in := buf(r, "in").In.([]int32)
	n, bs := len(in), int(r.Launches[0].Block.X)
	out := make([]int32, n)
	for b := 0; b < int(r.Launches[0].Grid.X); b++ {
		src := make([]int32, bs)
		for k := range src {
			if i := b*bs + k; i < n {
				src[k] = in[i]
			}
		}
		for off := 1; off < bs; off <<= 1 {
			dst := make([]int32, bs)
			for k := range dst {
				dst[k] = src[k]
				if k >= off {
					dst[k] += src[k-off]
				}
			}
			src = dst
		}
		for k := range src {
			if i := b*bs + k; i < n {
				out[i] = src[k]
			}
		}
	}
	expect(t, r, "out", out)
}

func TestSimRadixSplit(t *testing.T) {
	r := caseRun(t, "sort/radix_split")
	in := buf(r, "in").In.([]uint32)
	n, bit := int(arg[int32](r, 3)), uint(arg[int32](r, 4))
	bs := int(r.Launches[0].Block.X)
	nw := bs / 32
	out := make([]uint32, n)
	for i := range out {
		out[i] = poison32
	}
	first := make([]int32, int(r.Launches[0].Grid.X)*nw)
	for b := 0; b < int(r.Launches[0].Grid.X); b++ {
		zb, ob := make([]uint32, nw+1), make([]uint32, nw+1)
		ones, zeros := make([]uint32, nw), make([]uint32, nw)
		for w := 0; w < nw; w++ {
			for l := 0; l < 32; l++ {
				i := b*bs + w*32 + l
				if i >= n {
					continue
				}
				if in[i]>>bit&1 == 1 {
					ones[w] |= 1 << l
				} else {
					zeros[w] |= 1 << l
				}
			}
			zb[w+1], ob[w+1] = uint32(bits.OnesCount32(zeros[w])), uint32(bits.OnesCount32(ones[w]))
			if ones[w] != 0 {
				first[b*nw+w] = int32(bits.TrailingZeros32(ones[w]) + 1)
			}
		}
		for w := 1; w <= nw; w++ {
			zb[w] += zb[w-1]
			ob[w] += ob[w-1]
		}
		for w := 0; w < nw; w++ {
			for l := 0; l < 32; l++ {
				i := b*bs + w*32 + l
				if i >= n {
					continue
				}
				below := uint32(1)<<l - 1
				var rank uint32
				if in[i]>>bit&1 == 1 {
					rank = zb[nw] + ob[w] + uint32(bits.OnesCount32(ones[w]&below))
				} else {
					rank = zb[w] + uint32(bits.OnesCount32(zeros[w]&below))
				}
				out[b*bs+int(rank)] = in[i]
			}
		}
	}
	expect(t, r, "out", out)
	expect(t, r, "first_one", first)
}

// carryAdd32 is PTX's add.cc / addc: the carry flag in and out.
func carryAdd32(a, b, cf uint32) (uint32, uint32) {
	s, c := bits.Add32(a, b, cf)
	return s, c
}

func TestSimCarryChain(t *testing.T) {
	r := caseRun(t, "bits/carry_chain")
	a, b := buf(r, "a").In.([]uint32), buf(r, "b").In.([]uint32)
	n := len(a) / 4
	sum, dif, prod := make([]uint32, 4*n), make([]uint32, 4*n), make([]uint32, 4*n)
	for i := 0; i < n; i++ {
		A, B := a[4*i:4*i+4], b[4*i:4*i+4]
		var cf uint32
		for k := 0; k < 4; k++ {
			sum[4*i+k], cf = carryAdd32(A[k], B[k], cf)
		}
		var bf uint32
		for k := 0; k < 4; k++ {
			dif[4*i+k], bf = bits.Sub32(A[k], B[k], bf)
		}
		// The asm block, instruction by instruction (mad.lo.cc = lo(a*b)
		// + c setting CF; madc.hi.cc = hi(a*b) + c + CF setting CF).
		lo := func(x, y uint32) uint32 { return x * y }
		hi := func(x, y uint32) uint32 { return uint32(uint64(x) * uint64(y) >> 32) }
		var p [4]uint32
		p[0] = lo(A[0], B[0])
		p[1] = hi(A[0], B[0])
		p[1], cf = carryAdd32(lo(A[0], B[1]), p[1], 0)
		p[2], cf = carryAdd32(hi(A[0], B[1]), 0, cf)
		p[3], _ = carryAdd32(0, 0, cf)
		p[1], cf = carryAdd32(lo(A[1], B[0]), p[1], 0)
		p[2], cf = carryAdd32(hi(A[1], B[0])+0, p[2], cf)
		p[3], _ = carryAdd32(p[3], 0, cf)
		p[2], cf = carryAdd32(lo(A[1], B[1]), p[2], 0)
		p[3], _ = carryAdd32(hi(A[1], B[1]), p[3], cf)
		copy(prod[4*i:], p[:])
	}
	expect(t, r, "sum", sum)
	expect(t, r, "dif", dif)
	expect(t, r, "prod", prod)
}

func TestSimTranspose(t *testing.T) {
	r := caseRun(t, "matrix/transpose")
	in := buf(r, "in").In.([]float32)
	rows, cols := int(arg[int32](r, 2)), int(arg[int32](r, 3))
	out := make([]float32, rows*cols)
	g := r.Launches[0].Grid
	for by := 0; by < int(g.Y); by++ {
		for bx := 0; bx < int(g.X); bx++ {
			var tile [32][33]float32
			for ty := 0; ty < 8; ty++ {
				for tx := 0; tx < 32; tx++ {
					x, y := bx*32+tx, by*32+ty
					for j := 0; j < 32; j += 8 {
						if x < cols && y+j < rows {
							tile[ty+j][tx] = in[(y+j)*cols+x]
						}
					}
				}
			}
			for ty := 0; ty < 8; ty++ {
				for tx := 0; tx < 32; tx++ {
					x, y := by*32+tx, bx*32+ty
					for j := 0; j < 32; j += 8 {
						if x < rows && y+j < cols {
							out[(y+j)*rows+x] = tile[tx][ty+j]
						}
					}
				}
			}
		}
	}
	expect(t, r, "out", out)
}

func TestSimStencils(t *testing.T) {
	r := caseRun(t, "stencil/stencil2d")
	in := buf(r, "in").In.([]float32)
	width, height := int(arg[int32](r, 2)), int(arg[int32](r, 3))
	out := make([]float32, width*height)
	g := r.Launches[0].Grid
	const T, P = 16, 18
	for by := 0; by < int(g.Y); by++ {
		for bx := 0; bx < int(g.X); bx++ {
			s := make([]float32, P*P)
			for k := 0; k < P*P; k++ { // the threads' strided loads, all of them
				gx, gy := bx*T+k%P-1, by*T+k/P-1
				if gx >= 0 && gx < width && gy >= 0 && gy < height {
					s[k] = in[gy*width+gx]
				}
			}
			for ty := 0; ty < T; ty++ {
				for tx := 0; tx < T; tx++ {
					x, y := bx*T+tx, by*T+ty
					if x >= width || y >= height {
						continue
					}
					c := (ty+1)*P + tx + 1
					out[y*width+x] = 4*s[c] - s[c-P] - s[c+P] - s[c-1] - s[c+1]
				}
			}
		}
	}
	expect(t, r, "out", out)

	r = caseRun(t, "stencil/stencil1d")
	in1, w := buf(r, "in").In.([]int32), buf(r, "w").In.([]int32)
	n := len(in1)
	out1 := make([]int32, n)
	last := n - 1
	clamp := func(i int) int { return min(max(i, 0), last) }
	for b := 0; b < int(r.Launches[0].Grid.X); b++ {
		var s [128 + 6]int32
		for tx := 0; tx < 128; tx++ {
			i := b*128 + tx
			s[tx+3] = in1[min(i, last)]
			if tx < 3 {
				s[tx] = in1[clamp(i-3)]
				s[tx+3+128] = in1[min(i+128, last)]
			}
		}
		for tx := 0; tx < 128; tx++ {
			i := b*128 + tx
			if i >= n {
				continue
			}
			acc := int32(0)
			for k := -3; k <= 3; k++ {
				acc += w[k+3] * s[tx+3+k]
			}
			out1[i] = acc
		}
	}
	expect(t, r, "out", out1)
}

func TestSimGrid3D(t *testing.T) {
	r := caseRun(t, "stencil/grid3d")
	l := r.Launches[0]
	w, h, d := int(l.Args[2].(int32)), int(l.Args[3].(int32)), int(l.Args[4].(int32))
	out := make([]uint32, w*h*d)
	for i := range out {
		out[i] = poison32
	}
	g, b := l.Grid, l.Block
	for bz := 0; bz < int(g.Z); bz++ {
		for by := 0; by < int(g.Y); by++ {
			for bx := 0; bx < int(g.X); bx++ {
				for tz := 0; tz < int(b.Z); tz++ {
					for ty := 0; ty < int(b.Y); ty++ {
						for tx := 0; tx < int(b.X); tx++ {
							X, Y, Z := bx*int(b.X)+tx, by*int(b.Y)+ty, bz*int(b.Z)+tz
							if X >= w || Y >= h || Z >= d {
								continue
							}
							out[(Z*h+Y)*w+X] = uint32(X | Y<<10 | Z<<20 | (tz*int(b.Y)+ty)<<26)
						}
					}
				}
			}
		}
	}
	expect(t, r, "out", out)
}

func TestSimReduceIndexing(t *testing.T) {
	r := caseRun(t, "reduce/reduce_tree")
	in := buf(r, "in").In.([]float32)
	n, bs := len(in), int(r.Launches[0].Block.X)
	partial := make([]float32, r.Launches[0].Grid.X)
	for b := range partial {
		s := make([]float32, bs)
		for t := 0; t < bs; t++ {
			i := b*bs*2 + t
			if i < n {
				s[t] = in[i]
			}
			if i+bs < n {
				s[t] += in[i+bs]
			}
		}
		for h := bs / 2; h > 0; h >>= 1 {
			for t := 0; t < h; t++ {
				s[t] += s[t+h]
			}
		}
		partial[b] = s[0]
	}
	expect(t, r, "partial", partial)

	r = caseRun(t, "reduce/sum_pass")
	din := buf(r, "in").In.([]float64)
	g, bsz := int(r.Launches[0].Grid.X), int(r.Launches[0].Block.X)
	p := make([]float64, g)
	for b := 0; b < g; b++ {
		for tt := 0; tt < bsz; tt++ {
			for i := b*bsz + tt; i < len(din); i += g * bsz {
				p[b] += din[i]
			}
		}
	}
	expect(t, r, "partial", p)
}

// warpVote simulates the vote kernel's lanes, including lanes that have
// returned before the second __activemask.
func TestSimVote(t *testing.T) {
	r := caseRun(t, "warp/vote")
	in := buf(r, "in").In.([]int32)
	n := len(in)
	l := r.Launches[0]
	bs, g := int(l.Block.X), int(l.Grid.X)
	out := make([]uint32, 6*bs*g)
	for i := range out {
		out[i] = poison32
	}
	for b := 0; b < g; b++ {
		for w0 := 0; w0 < bs; w0 += 32 {
			lanes := min(32, bs-w0)
			v := make([]int32, lanes)
			for k := range v {
				if i := b*bs + w0 + k; i < n {
					v[k] = in[i]
				}
			}
			live := uint32(0)
			for k := 0; k < lanes; k++ {
				live |= 1 << k
			}
			ballot := func(mask uint32, pred func(int) bool) uint32 {
				var m uint32
				for k := 0; k < lanes; k++ {
					if mask>>k&1 == 1 && pred(k) {
						m |= 1 << k
					}
				}
				return m
			}
			pos := ballot(live, func(k int) bool { return v[k] > 0 })
			neg := ballot(live, func(k int) bool { return v[k] < 0 })
			odd := ballot(0x3ff&live, func(k int) bool { return v[k]&1 != 0 })
			remaining := ballot(live, func(k int) bool { return v[k]&1 == 0 })
			for k := 0; k < lanes; k++ {
				o := out[6*(b*bs+w0+k):]
				o[0] = pos
				o[1] = b2u(pos == live)
				o[2] = b2u(neg != 0)
				o[3] = live
				o[4] = 0
				if k < 10 {
					o[4] = odd
				}
				if v[k]&1 == 0 {
					o[5] = remaining
				}
			}
		}
	}
	expect(t, r, "out", out)
}

// The fast-math bounds must contain the correctly rounded exact value
// (else no implementation could pass) and be no wider than the stated
// bound allows.
func TestFastMathBoundsSane(t *testing.T) {
	r := caseRun(t, "fastmath/fast_math")
	b := buf(r, "out")
	want := b.Want.([]float32)
	for i := range want {
		lo, hi := b.Check.Lo[i], b.Check.Hi[i]
		if w := float64(want[i]); !(lo <= w && w <= hi) {
			t.Errorf("%s: the rounded exact value %g is outside [%g, %g]", b.Check.Index(i), w, lo, hi)
		}
		// The rows bounded in ulps (__expf, exp2f, __fdividef: 2;
		// rcp.approx: 1; __exp10f: 2) are at most 2k+1 ulps wide; the
		// others follow relative or absolute bounds.
		n := len(want) / 12
		if k := map[int]float64{0: 2, 1: 2, 7: 2, 9: 1, 11: 2}[i/n]; k > 0 {
			if u := ULP32(want[i]); (hi-lo)/u > 2*k+1 {
				t.Errorf("%s: [%g, %g] is %g ulp wide", b.Check.Index(i), lo, hi, (hi-lo)/u)
			}
		}
	}
	// An interval check fails on a value one ulp beyond the bound.
	got := append([]float32(nil), want...)
	got[0] = math.Nextafter32(float32(b.Check.Hi[0]), float32(math.Inf(1)))
	if err := b.Compare(got); err == nil {
		t.Error("a value past the bound passed")
	} else {
		t.Log(err)
	}
}

// Every comparison rule must be able to fail: a changed element is
// reported with its index.
func TestCompareFails(t *testing.T) {
	for _, c := range Cases() {
		r := c.Build()
		for _, b := range r.Buffers {
			if b.Want == nil || b.Check.Custom != nil || b.Check.Lo != nil || sliceLen(b.Want) == 0 {
				continue
			}
			got := sliceFrom(bytesOf(b.Want), b.Want)
			i := sliceLen(got) / 2
			flip(got, i)
			if err := b.Compare(got); err == nil {
				t.Errorf("%s: buffer %s: a flipped element %d passed", c.Name, b.Name, i)
			} else if b.Check.Unordered {
				continue
			} else if want := fmt.Sprintf("element %d", i); !contains(err.Error(), want) {
				t.Errorf("%s: buffer %s: %v does not name %s", c.Name, b.Name, err, want)
			}
		}
	}
}

func flip(s any, i int) {
	switch v := s.(type) {
	case []int8:
		v[i] ^= 0x11
	case []uint8:
		v[i] ^= 0x11
	case []int16:
		v[i] ^= 0x111
	case []uint16:
		v[i] ^= 0x0101 // stays a non-NaN half for non-NaN halves with a clear exponent bit
		if IsF16NaN(v[i], false) || IsF16NaN(v[i], true) {
			v[i] ^= 0x8000
		}
	case []int32:
		v[i] ^= 0x1001
	case []uint32:
		v[i] ^= 0x1001
	case []int64:
		v[i] ^= 0x100001
	case []uint64:
		v[i] ^= 0x100001
	case []float32:
		v[i] = math.Float32frombits(math.Float32bits(v[i]) ^ 0x1001)
		if math.IsNaN(float64(v[i])) {
			v[i] = 12345
		}
	case []float64:
		v[i] = math.Float64frombits(math.Float64bits(v[i]) ^ 0x1001)
		if math.IsNaN(v[i]) {
			v[i] = 12345
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
