package corpus

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
)

// Cases of bits.cu, and the PTX integer instructions' semantics as the
// PTX ISA states them (the references of the inline-asm kernels).

func init() {
	register(
		Case{Name: "bits/bit_intrinsics", Module: "bits", Covers: "brev, clz, popc, ffs, prmt, shf (wrap/clamp), mul.hi (32/64, signed/unsigned), sad, bfe from shifts, rotates, mul24", Make: mkBitIntrinsics},
		Case{Name: "bits/int_divmod", Module: "bits", Covers: "div/rem .s32/.u32/.s64/.u64 with negatives, by constants and powers of two", Make: mkIntDivmod},
		Case{Name: "bits/mul128", Module: "bits", Covers: "64x64->128 multiply-add from mul.lo/mul.hi.u64 and carries", Make: mkMul128},
		Case{Name: "bits/carry_chain", Module: "bits", Covers: "add.cc/addc.cc/addc, sub.cc/subc, mad.lo.cc/madc.hi.cc (inline asm)", Make: mkCarryChain},
		Case{Name: "bits/bitops_asm", Module: "bits", Covers: "lop3, bfe/bfi with out-of-range fields, prmt modes, bfind, dp4a, dp2a (inline asm)", Make: mkBitopsAsm},
	)
}

// bitInputs returns n random words with the usual edge cases first.
func bitInputs(r *rand.Rand, n int) []uint32 {
	s := uints(r, n)
	edges := []uint32{0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x00010000, 0xfffffffe, 0x55555555}
	copy(s, edges)
	for i := len(edges); i < n; i++ {
		if r.IntN(3) == 0 {
			s[i] >>= uint(r.IntN(32)) // small values: many leading zeros
		}
	}
	return s
}

// Prmt is prmt.b32 in the generic form (c's four 4-bit selectors, the
// high bit of each replicating the selected byte's sign) or, with mode
// "f4e", "b4e", "rc8", "ecl", "ecr" or "rc16", one of the specialised
// forms selected by c's two low bits.
func Prmt(a, b, c uint32, mode string) uint32 {
	tmp := uint64(b)<<32 | uint64(a)
	byteAt := func(k int) uint32 { return uint32(tmp>>(8*k)) & 0xff }
	// Source bytes for d.b3, d.b2, d.b1, d.b0, per selector, from the PTX
	// ISA's table.
	tables := map[string][4][4]int{
		"f4e":  {{3, 2, 1, 0}, {4, 3, 2, 1}, {5, 4, 3, 2}, {6, 5, 4, 3}},
		"b4e":  {{5, 6, 7, 0}, {6, 7, 0, 1}, {7, 0, 1, 2}, {0, 1, 2, 3}},
		"rc8":  {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}},
		"ecl":  {{3, 2, 1, 0}, {3, 2, 1, 1}, {3, 2, 2, 2}, {3, 3, 3, 3}},
		"ecr":  {{0, 0, 0, 0}, {1, 1, 1, 0}, {2, 2, 1, 0}, {3, 2, 1, 0}},
		"rc16": {{1, 0, 1, 0}, {3, 2, 3, 2}, {1, 0, 1, 0}, {3, 2, 3, 2}},
	}
	var d uint32
	if mode == "" {
		for k := 0; k < 4; k++ {
			ctl := c >> (4 * k) & 0xf
			v := byteAt(int(ctl & 7))
			if ctl&8 != 0 {
				if v&0x80 != 0 {
					v = 0xff
				} else {
					v = 0
				}
			}
			d |= v << (8 * k)
		}
		return d
	}
	row := tables[mode][c&3]
	for k := 0; k < 4; k++ {
		d |= byteAt(row[3-k]) << (8 * k)
	}
	return d
}

// Bfe is bfe.u32 / bfe.s32 (PTX ISA pseudo-code).
func Bfe(a, b, c uint32, signed bool) uint32 {
	const msb = 31
	pos, ln := int(b&0xff), int(c&0xff)
	sbit := uint32(0)
	if signed && ln != 0 {
		sbit = a >> min(pos+ln-1, msb) & 1
	}
	var d uint32
	for i := 0; i <= msb; i++ {
		bit := sbit
		if i < ln && pos+i <= msb {
			bit = a >> (pos + i) & 1
		}
		d |= bit << i
	}
	return d
}

// Bfi is bfi.b32 d, a, b, c, d: a's low bits inserted into b (PTX ISA
// pseudo-code).
func Bfi(a, b, c, dd uint32) uint32 {
	pos, ln := int(c&0xff), int(dd&0xff)
	f := b
	for i := 0; i < ln && pos+i <= 31; i++ {
		f = f&^(1<<(pos+i)) | (a>>i&1)<<(pos+i)
	}
	return f
}

// Lop3 is lop3.b32 with truth table imm: bit k of the result is bit
// (a_k<<2 | b_k<<1 | c_k) of imm.
func Lop3(a, b, c uint32, imm uint8) uint32 {
	var d uint32
	for k := 0; k < 32; k++ {
		idx := (a>>k&1)<<2 | (b>>k&1)<<1 | c>>k&1
		d |= uint32(imm>>idx&1) << k
	}
	return d
}

// Bfind is bfind.u32 / bfind.s32 (with shiftamt, the distance from bit
// 31); 0xffffffff when no bit is found.
func Bfind(a uint32, signed, shiftamt bool) uint32 {
	if signed && a&0x80000000 != 0 {
		a = ^a
	}
	if a == 0 {
		return 0xffffffff
	}
	d := uint32(31 - bits.LeadingZeros32(a))
	if shiftamt {
		d = 31 - d
	}
	return d
}

func ext8(v uint32, signed bool) int64 {
	if signed {
		return int64(int8(v))
	}
	return int64(uint8(v))
}

// Dp4a is dp4a: c + the dot product of a's and b's four bytes.
func Dp4a(a, b, c uint32, sa, sb bool) uint32 {
	acc := int64(int32(c))
	for i := 0; i < 4; i++ {
		acc += ext8(a>>(8*i), sa) * ext8(b>>(8*i), sb)
	}
	return uint32(acc)
}

// Dp2a is dp2a: c + a's two 16-bit halves times b's low (or high) two
// bytes.
func Dp2a(a, b, c uint32, hi, sa, sb bool) uint32 {
	acc := int64(int32(c))
	sel := 0
	if hi {
		sel = 2
	}
	for i := 0; i < 2; i++ {
		h := a >> (16 * i)
		va := int64(uint16(h))
		if sa {
			va = int64(int16(h))
		}
		acc += va * ext8(b>>(8*(sel+i)), sb)
	}
	return uint32(acc)
}

// sad is sad.s32/.u32: c + |a - b|.
func sad(a, b, c uint32, signed bool) uint32 {
	var lt bool
	if signed {
		lt = int32(a) < int32(b)
	} else {
		lt = a < b
	}
	if lt {
		return c + (b - a)
	}
	return c + (a - b)
}

func mkBitIntrinsics(r *rand.Rand) *Run {
	const n = 512
	a, b, c := bitInputs(r, n), bitInputs(r, n), uints(r, n)
	for i := 0; i < 40; i++ {
		c[i] = uint32(i) // every shift amount 0..39
	}
	out := make([]uint32, 24*n)
	for i := 0; i < n; i++ {
		x, y, s := a[i], b[i], c[i]
		q := uint64(x)<<32 | uint64(y)
		o := out[24*i:]
		o[0] = bits.Reverse32(x)
		o[1] = uint32(bits.LeadingZeros32(x))
		o[2] = uint32(bits.OnesCount32(x))
		if x != 0 {
			o[3] = uint32(bits.TrailingZeros32(x) + 1)
		}
		o[4] = Prmt(x, y, s&0x7777, "")
		n := s & 31
		o[5] = y<<n | x>>(32-n)
		o[6] = y<<(32-n) | x>>n
		nc := min(s&63, 32)
		o[7] = y<<nc | x>>(32-nc)
		o[8] = y<<(32-nc) | x>>nc
		o[9] = uint32(uint64(x) * uint64(y) >> 32)
		o[10] = uint32(int64(int32(x)) * int64(int32(y)) >> 32)
		o[11] = sad(x, y, s, true)
		o[12] = sad(x, y, s, false)
		o[13] = x >> 7 & 0x3ff
		o[14] = uint32(int32(x<<9) >> 22)
		o[15] = bits.RotateLeft32(x, int(s&31))
		o[16] = uint32(bits.Reverse64(q))
		o[17] = uint32(bits.LeadingZeros64(q))
		o[18] = uint32(bits.OnesCount64(q))
		if q != 0 {
			o[19] = uint32(bits.TrailingZeros64(q) + 1)
		}
		hi, _ := bits.Mul64(q, q+uint64(s))
		o[20], o[21] = uint32(hi), uint32(hi>>32)
		p := new(big.Int).Mul(big.NewInt(int64(q)), big.NewInt(-int64(s)))
		p.Rsh(p, 64) // floor division by 2^64: the signed high half
		o[22] = uint32(p.Int64())
		o[23] = uint32(int64(int32(x)>>8) * int64(int32(y)>>8))
	}
	names := joinNames("brev", "clz", "popc", "ffs", "byte_perm", "funnelshift_l", "funnelshift_r", "funnelshift_lc", "funnelshift_rc",
		"umulhi", "mulhi", "sad", "usad", "bfe via shifts", "signed field", "rotate", "brevll", "clzll", "popcll", "ffsll",
		"umul64hi lo", "umul64hi hi", "mul64hi", "mul24")
	bd := newBuilder()
	pa, pb, pc := bd.in("a", a), bd.in("b", b), bd.in("c", c)
	po := bd.outCheck("out", out, Check{Index: colIndex(24, names)})
	bd.launch("bit_intrinsics", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, po, int32(n))
	return bd.run
}

func mkIntDivmod(r *rand.Rand) *Run {
	const n = 1000
	a := make([]int32, n)
	bb := make([]int32, n)
	la, lb := make([]int64, n), make([]int64, n)
	for i := 0; i < n; i++ {
		a[i] = int32(r.Uint32())
		if a[i] == math.MinInt32 {
			a[i]++
		}
		switch r.IntN(3) {
		case 0:
			bb[i] = int32(r.IntN(41) - 20)
		case 1:
			bb[i] = int32(r.Uint32()) >> uint(r.IntN(31))
		default:
			bb[i] = int32(r.Uint32())
		}
		if bb[i] == 0 {
			bb[i] = -7
		}
		la[i] = int64(r.Uint64())
		if la[i] == math.MinInt64 {
			la[i]++
		}
		lb[i] = int64(r.Uint64()) >> uint(r.IntN(63))
		if lb[i] == 0 {
			lb[i] = 3
		}
	}
	a[0], bb[0] = -7, 2 // -3 rem -1
	a[1], bb[1] = 7, -2
	a[2], bb[2] = math.MaxInt32, -1
	io, lo := make([]int32, 16*n), make([]int64, 6*n)
	for i := 0; i < n; i++ {
		x, y := a[i], bb[i]
		ux, uy := uint32(x), uint32(y)
		o := io[16*i:]
		o[0], o[1] = x/y, x%y
		o[2], o[3] = int32(ux/uy), int32(ux%uy)
		o[4], o[5] = x/7, x%7
		o[6], o[7] = x/-3, x%-3
		o[8], o[9] = x/1000, int32(ux/1000)
		o[10], o[11] = x/8, x%8
		o[12], o[13] = x/-16, x%-16
		o[14], o[15] = x/(1<<20), int32(ux%4096)
		X, Y := la[i], lb[i]
		p := lo[6*i:]
		p[0], p[1] = X/Y, X%Y
		p[2], p[3] = int64(uint64(X)/uint64(Y)), int64(uint64(X)%uint64(Y))
		p[4], p[5] = X/1000000007, X%64
	}
	bd := newBuilder()
	pa, pb, pla, plb := bd.in("a", a), bd.in("b", bb), bd.in("la", la), bd.in("lb", lb)
	pio := bd.outCheck("io", io, Check{Index: colIndex(16, joinNames("x/y", "x%y", "u/u", "u%u", "x/7", "x%7", "x/-3", "x%-3", "x/1000", "u/1000", "x/8", "x%8", "x/-16", "x%-16", "x/2^20", "u%4096"))})
	plo := bd.outCheck("lo", lo, Check{Index: colIndex(6, joinNames("X/Y", "X%Y", "U/U", "U%U", "X/1000000007", "X%64"))})
	bd.launch("int_divmod", d1(blocks(n, 128)), d1(128), 0, pa, pb, pla, plb, pio, plo, int32(n))
	return bd.run
}

func mkMul128(r *rand.Rand) *Run {
	const n = 1000
	a, b, c := uint64s(r, n), uint64s(r, n), uint64s(r, n)
	a[0], b[0], c[0] = math.MaxUint64, math.MaxUint64, math.MaxUint64
	lo, hi, slo, shi := make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n)
	for i := 0; i < n; i++ {
		h, l := bits.Mul64(a[i], b[i])
		l2, carry := bits.Add64(l, c[i], 0)
		h += carry
		lo[i], hi[i] = l2, h
		s, c2 := bits.Add64(l2, b[i], 0)
		shi[i], _ = bits.Add64(h, a[i], c2)
		slo[i] = s
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("a", a), bd.in("b", b), bd.in("c", c)
	plo, phi, pslo, pshi := bd.out("lo", lo), bd.out("hi", hi), bd.out("slo", slo), bd.out("shi", shi)
	bd.launch("mul128", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, plo, phi, pslo, pshi, int32(n))
	return bd.run
}

func limbs(x *big.Int, k int) []uint32 {
	out := make([]uint32, k)
	m := new(big.Int).Set(x)
	for i := range out {
		out[i] = uint32(new(big.Int).And(m, big.NewInt(0xffffffff)).Uint64())
		m.Rsh(m, 32)
	}
	return out
}

func fromLimbs(l []uint32) *big.Int {
	x := new(big.Int)
	for i := len(l) - 1; i >= 0; i-- {
		x.Lsh(x, 32)
		x.Or(x, big.NewInt(int64(l[i])))
	}
	return x
}

func mkCarryChain(r *rand.Rand) *Run {
	const n = 600
	a, b := uints(r, 4*n), uints(r, 4*n)
	for k := 0; k < 4; k++ { // carries through every limb
		a[k], b[k] = 0xffffffff, 0
		a[4+k], b[4+k] = 0, 0xffffffff
	}
	b[0] = 1
	sum, dif, prod := make([]uint32, 4*n), make([]uint32, 4*n), make([]uint32, 4*n)
	mod := new(big.Int).Lsh(big.NewInt(1), 128)
	for i := 0; i < n; i++ {
		A, B := fromLimbs(a[4*i:4*i+4]), fromLimbs(b[4*i:4*i+4])
		s := new(big.Int).Add(A, B)
		s.Mod(s, mod)
		d := new(big.Int).Sub(A, B)
		d.Mod(d, mod)
		p := new(big.Int).Mul(fromLimbs(a[4*i:4*i+2]), fromLimbs(b[4*i:4*i+2]))
		copy(sum[4*i:], limbs(s, 4))
		copy(dif[4*i:], limbs(d, 4))
		copy(prod[4*i:], limbs(p, 4))
	}
	bd := newBuilder()
	pa, pb := bd.in("a", a), bd.in("b", b)
	ps, pd, pp := bd.out("sum", sum), bd.out("dif", dif), bd.out("prod", prod)
	bd.launch("carry_chain", d1(blocks(n, 128)), d1(128), 0, pa, pb, ps, pd, pp, int32(n))
	return bd.run
}

func mkBitopsAsm(r *rand.Rand) *Run {
	const n = 512
	a, b, c := bitInputs(r, n), bitInputs(r, n), uints(r, n)
	out, out2 := make([]uint32, 16*n), make([]uint32, 8*n)
	for i := 0; i < n; i++ {
		x, y, s := a[i], b[i], c[i]
		o := out[16*i:]
		o[0] = Lop3(x, y, s, 0x96)
		o[1] = Lop3(x, y, s, 0xe8)
		o[2] = Lop3(x, y, s, 0x1b)
		o[3] = Bfe(x, s&31, s>>5&31, false)
		o[4] = Bfe(x, s&31, s>>5&31, true)
		o[5] = Bfe(x, s&0xff, s>>8&0xff, false)
		o[6] = Bfe(x, s&0xff, s>>8&0xff, true)
		o[7] = Bfi(y, x, s&31, s>>5&31)
		o[8] = Bfi(y, x, s&0xff, s>>8&0xff)
		o[9] = Prmt(x, y, s, "")
		for k, m := range []string{"f4e", "b4e", "rc8", "ecl", "ecr", "rc16"} {
			o[10+k] = Prmt(x, y, s, m)
		}
		p := out2[8*i:]
		p[0] = Bfind(x, false, false)
		p[1] = Bfind(x, true, false)
		p[2] = Bfind(x, false, true)
		p[3] = Dp4a(x, y, s, true, true)
		p[4] = Dp4a(x, y, s, false, false)
		p[5] = Dp4a(x, y, s, true, false)
		p[6] = Dp2a(x, y, s, false, true, true)
		p[7] = Dp2a(x, y, s, true, false, false)
	}
	bd := newBuilder()
	pa, pb, pc := bd.in("a", a), bd.in("b", b), bd.in("c", c)
	po := bd.outCheck("out", out, Check{Index: colIndex(16, joinNames("lop3 0x96", "lop3 0xe8", "lop3 0x1b", "bfe.u32", "bfe.s32", "bfe.u32 wide", "bfe.s32 wide", "bfi", "bfi wide",
		"prmt", "prmt.f4e", "prmt.b4e", "prmt.rc8", "prmt.ecl", "prmt.ecr", "prmt.rc16"))})
	po2 := bd.outCheck("out2", out2, Check{Index: colIndex(8, joinNames("bfind.u32", "bfind.s32", "bfind.shiftamt", "dp4a.s32.s32", "dp4a.u32.u32", "dp4a.s32.u32", "dp2a.lo.s32.s32", "dp2a.hi.u32.u32"))})
	bd.launch("bitops_asm", d1(blocks(n, 128)), d1(128), 0, pa, pb, pc, po, po2, int32(n))
	return bd.run
}
