package vulkan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// fmaKernel is out[0] = fma.rn.f32(a, b, c).
const fmaKernel = `.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .f32 a, .param .f32 b, .param .f32 c)
{
	.reg .f32 %f<5>;
	.reg .b64 %rd<2>;
	ld.param.u64 %rd1, [out];
	ld.param.f32 %f1, [a];
	ld.param.f32 %f2, [b];
	ld.param.f32 %f3, [c];
	fma.rn.f32 %f4, %f1, %f2, %f3;
	st.global.f32 [%rd1], %f4;
	ret;
}
`

// TestFusedFMA32Fallback runs fma.rn.f32 translated for a device whose
// Fma is fused (FusedFMA32 forced on), and as the contracted multiply-add
// where the device's probe allows (ContractFMA32), on operands where the
// translator must not trust the device's Fma: NVIDIA's driver (H100,
// 2026) flushes Fma's subnormal inputs and results even under
// DenormPreserve, so a subnormal operand or a result below the smallest
// normal takes the exact double-precision path. Every case either takes
// that path or has an exact product (so an unfused Fma, as lavapipe's,
// gives the same), so the answers hold on any device. The wants are
// checked against an exact reference (fma32Ref); the first eight are
// the H100's (CUDA).
func TestFusedFMA32Fallback(t *testing.T) {
	d, tg := f64Target(t)
	// The fused Fma with its fallback, and the contracted multiply-add
	// where the device's probe found it exact (meant for NVIDIA's).
	fallback := fusedFallback(tg)
	forms := map[string]spirvgen.Target{"fallback": fallback}
	if tg.ContractFMA32 {
		forms["contract"] = tg
	}
	cases := []struct{ a, b, c, want uint32 }{
		{0x3f000000, 0x00800000, 0, 0x00400000},          // 0.5 * 2^-126: subnormal result
		{0x00000001, 0x40400000, 0, 0x00000003},          // subnormal a, subnormal result
		{0x00000001, 0x7f800000, 0x4f000000, 0x7f800000}, // subnormal * inf + 2^31 = inf
		{0x00000001, 0xff800000, 0, 0xff800000},          // subnormal * -inf = -inf
		{0x00000001, 0x7f7fffff, 0xc0200000, 0xc01ffffe}, // subnormal a, normal result
		{0x80000001, 0x3f000000, 0, 0x80000000},          // -2^-150 rounds to -0
		{0x00800000, 0xbf800000, 0x00800000, 0},          // exact zero: +0
		{0x40000000, 0x40400000, 0x3f800000, 0x40e00000}, // 2*3+1 = 7: the fused path
		// The edges of the test that picks the exact path (fusedFMA32).
		{0x007fffff, 0x3f800000, 0, 0x007fffff},          // the largest subnormal a
		{0x807fffff, 0x4b000000, 0, 0x8bfffffe},          // -(largest subnormal) * 2^23: normal result
		{0x00800000, 0x3f000000, 0x80000001, 0x003fffff}, // subnormal c: 2^-127 - 2^-149
		{0x00800000, 0x3f800000, 0, 0x00800000},          // the smallest normal result
		{0x3f7fffff, 0x00800000, 0, 0x00800000},          // (1-2^-24) * 2^-126: a tie, to even
		{0x20000001, 0x20000001, 0x80800000, 0x00000002}, // cancellation to 2^-148 (+2^-172)
		{0, 0x40a00000, 0x40400000, 0x40400000},          // 0*5+3: zeros are not subnormal
		{0x80000000, 0x3f800000, 0x80000000, 0x80000000}, // -0*1 + -0 = -0
		{0x00000001, 0x3f800000, 0x00000001, 0x00000002}, // subnormal + subnormal
		{0x7f800000, 0x40000000, 0x3f800000, 0x7f800000}, // inf*2+1
		// 2^-125 (1+2^-12)^2 - 2^-125 (1+2^-11) = 2^-149: rounding the
		// product first gives 0 (a tie to even), so does a flushing fma.
		{0x20800800, 0x20000800, 0x81001000, 0x00000001},
		// 1.5 * 2^-126 - 0.75 * 2^-126: a subnormal c with a normal
		// product and result; a flushed c would give 1.5 * 2^-126.
		{0x3fc00000, 0x00800000, 0x80600000, 0x00600000},
		// (1+2^-12)^2 = 1 + 2^-11 + 2^-24 is a tie (to even: 1 + 2^-11);
		// a subnormal c breaks it upwards.
		{0x3f800800, 0x3f800800, 0x00000001, 0x3f801001},
	}
	for _, c := range cases {
		if ref := fma32Ref(c.a, c.b, c.c); ref != c.want {
			t.Fatalf("case %08x %08x %08x: want %#x, the exact reference gives %#x", c.a, c.b, c.c, c.want, ref)
		}
	}
	for form, tg := range forms {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%08x_%08x_%08x", form, c.a, c.b, c.c), func(t *testing.T) {
				got, err := d.runPTXOnce(fmaKernel, tg, 4, uint64(c.a), uint64(c.b), uint64(c.c))
				if err != nil {
					t.Fatal(err)
				}
				if g := binary.LittleEndian.Uint32(got); g != c.want {
					t.Errorf("fma.rn.f32(%#x, %#x, %#x) = %#x, want %#x", c.a, c.b, c.c, g, c.want)
				}
			})
		}
	}
}

// fma32Ref is fma.rn.f32 of finite a, b, c (bits) computed exactly with
// big.Float and rounded once to float32 (subnormals included); an exact
// zero gets IEEE's sign (-0 only when both a*b and c are negative).
func fma32Ref(a, b, c uint32) uint32 {
	fa, fb, fc := math.Float32frombits(a), math.Float32frombits(b), math.Float32frombits(c)
	if math.IsInf(float64(fa), 0) || math.IsInf(float64(fb), 0) || math.IsInf(float64(fc), 0) {
		return math.Float32bits(float32(float64(fa)*float64(fb) + float64(fc)))
	}
	x := new(big.Float).SetPrec(0).SetFloat64(float64(fa))
	p := new(big.Float).SetPrec(200).Mul(x, new(big.Float).SetFloat64(float64(fb)))
	s := new(big.Float).SetPrec(200).Add(p, new(big.Float).SetFloat64(float64(fc)))
	if s.Sign() == 0 {
		if p.Signbit() && math.Signbit(float64(fc)) {
			return 0x80000000
		}
		return 0
	}
	f, _ := s.Float32()
	return math.Float32bits(f)
}

// TestContractProbe runs the probe that decides ContractFMA32 and, where
// it says the compiler contracts exactly, fma.rn.f32 written as a
// multiply and an add on the cases of TestFusedFMA32Fallback (which then
// runs them too) and on one whose product must not be rounded first.
func TestContractProbe(t *testing.T) {
	d, tg := f64Target(t)
	ok, err := d.runContractProbe(tg.DenormPreserve32)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact contracted f32 fma: %v (target: %v)", ok, tg)
	if ok != tg.ContractFMA32 {
		t.Errorf("the probe says %v, the target's ContractFMA32 %v", ok, tg.ContractFMA32)
	}
	if !ok {
		return
	}
	a := math.Float32bits(1 + 0x1p-12)
	got, err := d.runPTXOnce(fmaKernel, tg, 4, uint64(a), uint64(a), uint64(math.Float32bits(-1)))
	if err != nil {
		t.Fatal(err)
	}
	if g, want := binary.LittleEndian.Uint32(got), fma32Ref(a, a, math.Float32bits(-1)); g != want {
		t.Errorf("fma.rn.f32 (1+2^-12)^2 - 1 = %#x, want %#x", g, want)
	}
}

// fmaRunKernel chains fmas into runs (spirvgen's fmarun.go): a result
// used as c and as a, an instruction reading a run's result (which ends
// the run), a register the run writes twice and reads in between.
const fmaRunKernel = `.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .u64 in)
{
	.reg .f32 %f<16>;
	.reg .b64 %rd<3>;
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	ld.global.f32 %f1, [%rd2];
	ld.global.f32 %f2, [%rd2+4];
	ld.global.f32 %f3, [%rd2+8];
	fma.rn.f32 %f8, %f1, %f2, %f3;
	ld.global.f32 %f4, [%rd2+12];
	ld.global.f32 %f5, [%rd2+16];
	fma.rn.f32 %f9, %f4, %f5, %f8;
	ld.global.f32 %f6, [%rd2+20];
	fma.rn.f32 %f10, %f9, %f6, %f1;
	fma.rn.f32 %f9, %f10, %f2, %f9;
	add.f32 %f11, %f10, %f6;
	ld.global.f32 %f7, [%rd2+24];
	fma.rn.f32 %f12, %f7, %f7, %f11;
	mad.rn.f32 %f13, %f12, %f3, %f7;
	st.global.f32 [%rd1], %f8;
	st.global.f32 [%rd1+4], %f9;
	st.global.f32 [%rd1+8], %f10;
	st.global.f32 [%rd1+12], %f11;
	st.global.f32 [%rd1+16], %f12;
	st.global.f32 [%rd1+20], %f13;
	ret;
}
`

// TestFusedFMA32Runs runs fmaRunKernel with the fused Fma and its
// fallback forced (as on NVIDIA's driver) and checks its six results
// against the exact reference, applied in the kernel's order. Without a
// subnormal the products are exact (so lavapipe's unfused Fma gives the
// same); each other case puts a subnormal operand or result in one run,
// whose recomputation must then give every result of that run exactly.
func TestFusedFMA32Runs(t *testing.T) {
	d, tg := f64Target(t)
	tg = fusedFallback(tg)
	f := math.Float32bits
	cases := []struct {
		name string
		in   [7]uint32
	}{
		{"normal", [7]uint32{f(2), f(3), f(1), f(-4), f(0.5), f(1.5), f(0.25)}},
		{"subnormal c", [7]uint32{f(1.5), 0x00800000, 0x80600000, f(1), f(1), f(2), f(0.5)}},
		{"subnormal result mid-run", [7]uint32{0x1c800000, 0x1c000000, 0, f(1), f(0.5), f(4), f(1)}},
		{"subnormal in the second run", [7]uint32{f(1), f(2), f(3), f(1), f(1), f(1), 0x00000003}},
		{"tie broken by a subnormal", [7]uint32{0x3f800800, 0x3f800800, 0x00000001, f(1), f(1), f(1), f(1)}},
		{"zeros", [7]uint32{0, f(3), 0x80000000, 0x80000000, f(2), 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.in
			// The kernel's computation, exactly (fma32Ref) and with
			// add.f32 rounded once (Go's float32 addition).
			f8 := fma32Ref(x[0], x[1], x[2])
			f9 := fma32Ref(x[3], x[4], f8)
			f10 := fma32Ref(f9, x[5], x[0])
			f9 = fma32Ref(f10, x[1], f9)
			f11 := math.Float32bits(math.Float32frombits(f10) + math.Float32frombits(x[5]))
			f12 := fma32Ref(x[6], x[6], f11)
			f13 := fma32Ref(f12, x[2], x[6])
			want := []uint32{f8, f9, f10, f11, f12, f13}

			got, err := d.runPTXWords(fmaRunKernel, tg, x[:], len(want))
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if got[i] != w {
					t.Errorf("result %d = %#x, want %#x (inputs %08x)", i, got[i], w, x)
				}
			}
		})
	}
}

// TestFlushProbe: the flush probe's wants are what the translator's own
// fma.rn.ftz.f32 gives (explicit flushes around the exact fma, any
// device), and the probe's answer is the one the device's driver took.
// On lavapipe, whose Fma keeps subnormals and rounds twice, the probe
// must say no.
func TestFlushProbe(t *testing.T) {
	d, tg := f64Target(t)
	plain := tg
	plain.FlushFMA32 = false
	got, err := d.runPTXWords(flushProbe, plain, flushInput(), len(flushCases))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range flushCases {
		if got[i] != c[3] {
			t.Errorf("case %d: fma.rn.ftz.f32(%#x, %#x, %#x) = %#x with explicit flushes, the probe wants %#x", i, c[0], c[1], c[2], got[i], c[3])
		}
	}
	fl, err := d.runFlushProbe(tg.DenormPreserve32)
	if err != nil {
		t.Fatal(err)
	}
	if !tg.FusedFMA32 {
		if fl {
			t.Error("the probe says an unfused Fma (lavapipe's keeps subnormals and rounds twice) flushes as .ftz")
		}
	} else if fl != tg.FlushFMA32 {
		t.Errorf("the probe says %v, the device's target has FlushFMA32 %v", fl, tg.FlushFMA32)
	}
	t.Logf("FlushFMA32: %v", fl)
}

// fmaReloadKernel reads %f1, uses it in an fma, loads %f1 again and uses
// it in the next fma of the same run: the second value must be tested
// again (spirvgen's runs test each register's value once).
const fmaReloadKernel = `.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .u64 in)
{
	.reg .f32 %f<8>;
	.reg .b64 %rd<3>;
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	ld.global.f32 %f1, [%rd2];
	ld.global.f32 %f2, [%rd2+4];
	ld.global.f32 %f3, [%rd2+8];
	fma.rn.f32 %f4, %f1, %f2, %f3;
	ld.global.f32 %f1, [%rd2+12];
	fma.rn.f32 %f5, %f1, %f2, %f3;
	st.global.f32 [%rd1], %f4;
	st.global.f32 [%rd1+4], %f5;
	ret;
}
`

// TestFusedFMA32RunReload: 3*2^-149 * 0.5 + (2^-126 + 2^-149) is a tie
// that an exact fma rounds to 2^-126 + 2*2^-149 and an fma that rounds
// the product first (lavapipe's) or flushes the subnormal (NVIDIA's)
// gets wrong; only the reloaded register is subnormal, so the run's test
// must include its second value.
func TestFusedFMA32RunReload(t *testing.T) {
	d, tg := f64Target(t)
	tg = fusedFallback(tg)
	in := []uint32{math.Float32bits(1), math.Float32bits(0.5), 0x00800001, 0x00000003}
	want := []uint32{fma32Ref(in[0], in[1], in[2]), fma32Ref(in[3], in[1], in[2])}
	if want[1] != 0x00800002 {
		t.Fatalf("the reference gives %#x, want 0x00800002", want[1])
	}
	got, err := d.runPTXWords(fmaReloadKernel, tg, in, len(want))
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, got, want)
}

// f64Target opens the device under test and returns its PTX target,
// skipping a device without shaderFloat64, on which f32 fma has no exact
// double-precision form.
func f64Target(t *testing.T) (*device, spirvgen.Target) {
	t.Helper()
	d := openDevice(t)
	tg := d.ptxTarget()
	if !tg.Float64 {
		t.Skip("no shaderFloat64: no exact f32 fma in double precision")
	}
	return d, tg
}

// fusedFallback is tg with the fused Fma and its exact fallback forced,
// as on NVIDIA's driver.
func fusedFallback(tg spirvgen.Target) spirvgen.Target {
	tg.FusedFMA32, tg.ContractFMA32 = true, false
	return tg
}

// sharedFMAKernel: two threads each store their (a, b, c) to shared
// memory, in the form word 0 of in chooses (0: three f32 stores; 1: a
// v2.f32 store and c as a u32; 2: a and b as one b64 store and c by
// atom.exch; 3: c as two 16-bit halves), then each reads the other's and
// computes f = fma(a, b, c), g = fma(a, c, f): every fma operand is a
// value loaded from shared memory, which spirvgen's runs leave to the
// shared-memory flag instead of testing it.
const sharedFMAKernel = `.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .u64 in)
{
	.reg .pred %p<2>;
	.reg .f32 %f<9>;
	.reg .b32 %r<12>;
	.reg .b16 %h<3>;
	.reg .b64 %rd<12>;
	.shared .align 8 .b8 sh[32];
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	mov.u32 %r1, %tid.x;
	ld.global.u32 %r2, [%rd2];
	mul.wide.u32 %rd3, %r1, 12;
	add.s64 %rd4, %rd2, %rd3;
	ld.global.f32 %f1, [%rd4+4];
	ld.global.f32 %f2, [%rd4+8];
	ld.global.f32 %f3, [%rd4+12];
	mov.u64 %rd5, sh;
	mul.wide.u32 %rd6, %r1, 16;
	add.s64 %rd7, %rd5, %rd6;
	setp.eq.u32 %p1, %r2, 0;
	@%p1 bra $MODE0;
	setp.eq.u32 %p1, %r2, 1;
	@%p1 bra $MODE1;
	setp.eq.u32 %p1, %r2, 2;
	@%p1 bra $MODE2;
	st.shared.f32 [%rd7], %f1;
	st.shared.f32 [%rd7+4], %f2;
	mov.b32 {%h1, %h2}, %f3;
	st.shared.b16 [%rd7+8], %h1;
	st.shared.b16 [%rd7+10], %h2;
	bra.uni $DONE;
$MODE0:
	st.shared.f32 [%rd7], %f1;
	st.shared.f32 [%rd7+4], %f2;
	st.shared.f32 [%rd7+8], %f3;
	bra.uni $DONE;
$MODE1:
	st.shared.v2.f32 [%rd7], {%f1, %f2};
	mov.b32 %r3, %f3;
	st.shared.u32 [%rd7+8], %r3;
	bra.uni $DONE;
$MODE2:
	mov.b32 %r4, %f1;
	mov.b32 %r5, %f2;
	mov.b64 %rd8, {%r4, %r5};
	st.shared.b64 [%rd7], %rd8;
	mov.b32 %r3, %f3;
	atom.shared.exch.b32 %r6, [%rd7+8], %r3;
$DONE:
	bar.sync 0;
	xor.b32 %r7, %r1, 1;
	mul.wide.u32 %rd9, %r7, 16;
	add.s64 %rd10, %rd5, %rd9;
	ld.shared.f32 %f4, [%rd10];
	ld.shared.f32 %f5, [%rd10+4];
	ld.shared.f32 %f6, [%rd10+8];
	fma.rn.f32 %f7, %f4, %f5, %f6;
	fma.rn.f32 %f8, %f4, %f6, %f7;
	mul.wide.u32 %rd11, %r1, 8;
	add.s64 %rd11, %rd1, %rd11;
	st.global.f32 [%rd11], %f7;
	st.global.f32 [%rd11+4], %f8;
	ret;
}
`

// TestFusedFMA32SharedFlag runs sharedFMAKernel with the fused Fma and
// its fallback forced (as on NVIDIA's driver): thread 1's c is the
// smallest subnormal under a product that is a tie (a = b = 1 + 2^-12),
// which only an exact fma breaks upward (lavapipe's Fma rounds the
// product first, NVIDIA's flushes the subnormal), and thread 0 reads
// it. Every store form must set the flag, or thread 0's results are
// lavapipe's or NVIDIA's rounding instead of the exact one. The normal
// case (no subnormal anywhere) takes the fused path.
func TestFusedFMA32SharedFlag(t *testing.T) {
	d, tg := f64Target(t)
	tg = fusedFallback(tg)
	f := math.Float32bits
	tie := f(1 + 0x1p-12)
	cases := []struct {
		name   string
		t0, t1 [3]uint32 // each thread's a, b, c
	}{
		{"normal", [3]uint32{f(1.5), f(2), f(0.25)}, [3]uint32{f(-3), f(0.5), f(8)}},
		{"tie broken by a subnormal", [3]uint32{f(1.5), f(2), f(0.25)}, [3]uint32{tie, tie, 0x00000001}},
		{"negative subnormal, zeros", [3]uint32{0, f(2), 0x80000000}, [3]uint32{tie, tie, 0x80000001}},
	}
	for mode := uint32(0); mode < 4; mode++ {
		for _, c := range cases {
			t.Run(fmt.Sprintf("mode%d/%s", mode, c.name), func(t *testing.T) {
				in := append([]uint32{mode}, c.t0[:]...)
				in = append(in, c.t1[:]...)
				var want []uint32
				for _, x := range [][3]uint32{c.t1, c.t0} { // each thread reads the other's
					f7 := fma32Ref(x[0], x[1], x[2])
					want = append(want, f7, fma32Ref(x[0], x[2], f7))
				}
				got, err := d.runPTXWordsBlock(sharedFMAKernel, tg, 2, in, len(want))
				if err != nil {
					t.Fatal(err)
				}
				for i, w := range want {
					if got[i] != w {
						t.Errorf("thread %d result %d = %#x, want %#x", i/2, i%2, got[i], w)
					}
				}
			})
		}
	}
}

// TestPipelineStats: with STREAM_HAL_VK_PIPELINE_STATS set, a device
// that has VK_KHR_pipeline_executable_properties creates its pipelines
// capturing the compiler's statistics and prints them (to stderr), one
// that lacks it says so; either way kernels run as before.
func TestPipelineStats(t *testing.T) {
	t.Setenv(pipelineStatsEnv, "1")
	d, tg := f64Target(t)
	t.Logf("statistics captured: %v", d.c.captureStats != 0)
	in := []uint32{math.Float32bits(1.5), math.Float32bits(2), math.Float32bits(0.25), math.Float32bits(-3)}
	want := []uint32{fma32Ref(in[0], in[1], in[2]), fma32Ref(in[3], in[1], in[2])}
	got, err := d.runPTXWords(fmaReloadKernel, tg, in, len(want))
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, got, want)
}

// wantWords reports each word of got that differs from want.
func wantWords(t *testing.T, got, want []uint32) {
	t.Helper()
	for i, w := range want {
		if got[i] != w {
			t.Errorf("result %d = %#x, want %#x", i, got[i], w)
		}
	}
}

// fmaLoopKernel is a dot product of four terms in one run, as a tiled
// matrix product's unrolled inner loop: a and b are stored to shared
// memory, read back after a barrier, and each fma adds to the previous
// one's result; the fifth fma takes its addend from global memory. The
// run is long enough for spirvgen's loop form of the recomputation.
const fmaLoopKernel = `.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .u64 in)
{
	.reg .f32 %f<24>;
	.reg .b64 %rd<4>;
	.shared .align 4 .b8 sh[32];
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	mov.u64 %rd3, sh;
	ld.global.f32 %f1, [%rd2];
	ld.global.f32 %f2, [%rd2+4];
	ld.global.f32 %f3, [%rd2+8];
	ld.global.f32 %f4, [%rd2+12];
	ld.global.f32 %f5, [%rd2+16];
	ld.global.f32 %f6, [%rd2+20];
	ld.global.f32 %f7, [%rd2+24];
	ld.global.f32 %f8, [%rd2+28];
	ld.global.f32 %f9, [%rd2+32];
	st.shared.f32 [%rd3], %f1;
	st.shared.f32 [%rd3+4], %f2;
	st.shared.f32 [%rd3+8], %f3;
	st.shared.f32 [%rd3+12], %f4;
	st.shared.f32 [%rd3+16], %f5;
	st.shared.f32 [%rd3+20], %f6;
	st.shared.f32 [%rd3+24], %f7;
	st.shared.f32 [%rd3+28], %f8;
	bar.sync 0;
	ld.shared.f32 %f11, [%rd3];
	ld.shared.f32 %f12, [%rd3+16];
	fma.rn.f32 %f20, %f11, %f12, 0f00000000;
	ld.shared.f32 %f13, [%rd3+4];
	ld.shared.f32 %f14, [%rd3+20];
	fma.rn.f32 %f21, %f13, %f14, %f20;
	ld.shared.f32 %f15, [%rd3+8];
	ld.shared.f32 %f16, [%rd3+24];
	fma.rn.f32 %f22, %f15, %f16, %f21;
	ld.shared.f32 %f17, [%rd3+12];
	ld.shared.f32 %f18, [%rd3+28];
	fma.rn.f32 %f23, %f17, %f18, %f22;
	fma.rn.f32 %f19, %f23, %f17, %f9;
	st.global.f32 [%rd1], %f20;
	st.global.f32 [%rd1+4], %f21;
	st.global.f32 [%rd1+8], %f22;
	st.global.f32 [%rd1+12], %f23;
	st.global.f32 [%rd1+16], %f19;
	ret;
}
`

// TestFusedFMA32RunLoop runs fmaLoopKernel with the fused Fma and its
// fallback forced (as on NVIDIA's driver): every intermediate result is
// the exact chain's, with a subnormal in a shared value, in a partial sum
// (also breaking a tie) and in the global addend, and with none.
func TestFusedFMA32RunLoop(t *testing.T) {
	d, tg := f64Target(t)
	tg = fusedFallback(tg)
	f := math.Float32bits
	cases := []struct {
		name string
		in   [9]uint32 // a0..a3, b0..b3, the last fma's addend
	}{
		{"normal", [9]uint32{f(1), f(2), f(3), f(4), f(0.5), f(0.25), f(-1), f(2), f(3)}},
		{"subnormal shared value", [9]uint32{0x00000003, f(1), f(2), f(1), f(0.5), f(0x1p-126), f(0x1p-127), f(1), f(0)}},
		{"subnormal partial sum", [9]uint32{f(0x1p-70), f(-0x1p-70), f(0x1p-64), f(1), f(0x1p-60), f(0x1p-70), f(0x1p-63), f(0x1p-140), f(1)}},
		// (1 + 2^-12)^2 is a tie in f32 that the subnormal partial sum
		// 2^-149 breaks upwards; an Fma that rounds the product first
		// (lavapipe's) or flushes (NVIDIA's) rounds it to even.
		{"tie broken by a partial sum", [9]uint32{0x00000001, 0x3f800800, f(1), f(1), f(1), 0x3f800800, f(0), f(0), f(0)}},
		{"subnormal addend", [9]uint32{f(1), f(1), f(1), f(1), f(1), f(1), f(1), f(1), 0x80000005}},
	}
	for _, c := range cases {
		x := c.in
		r20 := fma32Ref(x[0], x[4], 0)
		r21 := fma32Ref(x[1], x[5], r20)
		r22 := fma32Ref(x[2], x[6], r21)
		r23 := fma32Ref(x[3], x[7], r22)
		want := []uint32{r20, r21, r22, r23, fma32Ref(r23, x[3], x[8])}
		t.Run(c.name, func(t *testing.T) {
			got, err := d.runPTXWords(fmaLoopKernel, tg, x[:], len(want))
			if err != nil {
				t.Fatal(err)
			}
			wantWords(t, got, want)
		})
	}
}

// fmaChainKernel is acc = fma(a[i], b, acc) for the n words a of in[2:],
// with b = in[0] and acc starting at in[1]: one run of n fmas, each
// reading a freshly loaded a[i], stored at the end.
func fmaChainKernel(n int) string {
	var s strings.Builder
	s.WriteString(`.version 7.0
.target sm_50
.address_size 64
.visible .entry k(.param .u64 out, .param .u64 in)
{
	.reg .f32 %f<4>;
	.reg .b64 %rd<3>;
	ld.param.u64 %rd1, [out];
	ld.param.u64 %rd2, [in];
	ld.global.f32 %f1, [%rd2];
	ld.global.f32 %f2, [%rd2+4];
`)
	for i := range n {
		fmt.Fprintf(&s, "\tld.global.f32 %%f3, [%%rd2+%d];\n\tfma.rn.f32 %%f2, %%f3, %%f1, %%f2;\n", 8+4*i)
	}
	s.WriteString("\tst.global.f32 [%rd1], %f2;\n\tret;\n}\n")
	return s.String()
}

// TestFusedFMA32LongRun runs a chain of 40 fmas, longer than one run of
// the loop form (spirvgen's runMax, 32), with the fused Fma and its
// fallback forced: products of half the smallest subnormal are ties that
// only the exact fma breaks towards the even neighbour (an Fma that
// rounds the product first adds nothing), one in the first run and one
// in the second, so both recomputations and the value carried from the
// first run into the second must be exact.
func TestFusedFMA32LongRun(t *testing.T) {
	d, tg := f64Target(t)
	tg = fusedFallback(tg)
	const n = 40
	b := math.Float32bits(0x1p-75)
	in := make([]uint32, 2+n)
	in[0], in[1] = b, 3 // acc = 3 * 2^-149
	for i := range n {
		switch i {
		case 0, 33, 34:
			in[2+i] = math.Float32bits(0x1p-75) // a*b = 2^-150: a tie
		case 10:
			in[2+i] = math.Float32bits(0x1p-74) // a*b = 2^-149: one step
		default:
			in[2+i] = 0 // a*b = 0: acc stays
		}
	}
	// The exact chain: 3 -> 4 (tie to even) -> 5 -> 6 (tie) -> 6.
	acc := in[1]
	for i := range n {
		acc = fma32Ref(in[2+i], in[0], acc)
	}
	if acc != 6 {
		t.Fatalf("the reference gives %#x, want 6 (6 * 2^-149)", acc)
	}
	got, err := d.runPTXWords(fmaChainKernel(n), tg, in, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantWords(t, got, []uint32{acc})
}
