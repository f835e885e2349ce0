package cgen_test

import (
	"encoding/binary"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/ptx/cgen"
)

// wilPTX holds kernels with block-wide barriers only, which run as
// work-item loops (cgen.KernelInfo.WorkItemLoops): barriers in a uniform
// loop, in a uniform if, in a 2-D block, threads of a block reaching
// different bar.sync instructions and threads returning before a barrier
// (both hand the block to the general scheduler), dynamic shared memory;
// and one with a warp shuffle, which does not run as work-item loops.
const wilPTX = `
.version 7.0
.target sm_80
.address_size 64

.visible .entry wil_loop(.param .u64 out, .param .u32 iters)
{
	.reg .pred %p<3>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<10>;
	.shared .align 4 .b8 sh[4096];
	ld.param.u64 %rd1, [out];
	ld.param.u32 %r1, [iters];
	mov.u32 %r2, %tid.x;
	mov.u32 %r3, %ntid.x;
	mov.u32 %r4, %ctaid.x;
	mad.lo.u32 %r5, %r2, 7, %r4;
	mov.u32 %r6, 0;
	mov.u64 %rd2, sh;
	mul.wide.u32 %rd3, %r2, 4;
	add.s64 %rd4, %rd2, %rd3;
	add.u32 %r7, %r2, 1;
	rem.u32 %r8, %r7, %r3;
	mul.wide.u32 %rd5, %r8, 4;
	add.s64 %rd6, %rd2, %rd5;
	setp.eq.u32 %p1, %r1, 0;
	@%p1 bra DONE;
LOOP:
	st.shared.u32 [%rd4], %r5;
	bar.sync 0;
	ld.shared.u32 %r9, [%rd6];
	mul.lo.u32 %r10, %r5, 3;
	add.u32 %r5, %r10, %r9;
	bar.sync 0;
	add.u32 %r6, %r6, 1;
	setp.lt.u32 %p2, %r6, %r1;
	@%p2 bra LOOP;
DONE:
	mad.lo.u32 %r12, %r4, %r3, %r2;
	mul.wide.u32 %rd7, %r12, 4;
	add.s64 %rd8, %rd1, %rd7;
	st.global.u32 [%rd8], %r5;
	ret;
}

.visible .entry wil_if(.param .u64 out, .param .u32 flag)
{
	.reg .pred %p<3>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<10>;
	.shared .align 4 .b8 sh[4096];
	ld.param.u64 %rd1, [out];
	ld.param.u32 %r1, [flag];
	mov.u32 %r2, %tid.x;
	mov.u32 %r3, %tid.y;
	mov.u32 %r4, %ntid.x;
	mov.u32 %r13, %ntid.y;
	mad.lo.u32 %r5, %r3, %r4, %r2;
	mul.lo.u32 %r14, %r4, %r13;
	mov.u64 %rd2, sh;
	mul.wide.u32 %rd3, %r5, 4;
	add.s64 %rd4, %rd2, %rd3;
	st.shared.u32 [%rd4], %r5;
	mov.u32 %r6, 0;
	setp.eq.u32 %p1, %r1, 0;
	@%p1 bra SKIP;
	bar.sync 0;
	sub.u32 %r7, %r14, 1;
	sub.u32 %r8, %r7, %r5;
	mul.wide.u32 %rd5, %r8, 4;
	add.s64 %rd6, %rd2, %rd5;
	ld.shared.u32 %r6, [%rd6];
SKIP:
	bar.sync 0;
	mov.u32 %r9, %ctaid.x;
	mad.lo.u32 %r10, %r9, %r14, %r5;
	mul.wide.u32 %rd7, %r10, 4;
	add.s64 %rd8, %rd1, %rd7;
	add.u32 %r11, %r6, 1000;
	st.global.u32 [%rd8], %r11;
	ret;
}

.visible .entry wil_divergent(.param .u64 out)
{
	.reg .pred %p<3>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<10>;
	.shared .align 4 .b8 sh[4096];
	ld.param.u64 %rd1, [out];
	mov.u32 %r2, %tid.x;
	mov.u32 %r3, %ntid.x;
	mov.u64 %rd2, sh;
	mul.wide.u32 %rd3, %r2, 4;
	add.s64 %rd4, %rd2, %rd3;
	shl.b32 %r4, %r2, 1;
	st.shared.u32 [%rd4], %r4;
	setp.lt.u32 %p1, %r2, 16;
	@%p1 bra LOW;
	bar.sync 0;
	ld.shared.u32 %r6, [%rd4+-64];
	bra.uni JOIN;
LOW:
	bar.sync 0;
	ld.shared.u32 %r6, [%rd4+64];
JOIN:
	mov.u32 %r9, %ctaid.x;
	mad.lo.u32 %r10, %r9, %r3, %r2;
	mul.wide.u32 %rd7, %r10, 4;
	add.s64 %rd8, %rd1, %rd7;
	st.global.u32 [%rd8], %r6;
	ret;
}

.extern .shared .align 4 .b8 dsh[];

.visible .entry wil_exit(.param .u64 in, .param .u64 out, .param .u32 n)
{
	.reg .pred %p<3>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<12>;
	ld.param.u64 %rd1, [in];
	ld.param.u64 %rd9, [out];
	ld.param.u32 %r1, [n];
	mov.u32 %r2, %tid.x;
	mov.u32 %r3, %ntid.x;
	mov.u32 %r4, %ctaid.x;
	mul.lo.u32 %r5, %r4, %r3;
	add.u32 %r6, %r5, %r2;
	setp.ge.u32 %p1, %r6, %r1;
	@%p1 bra END;
	mul.wide.u32 %rd2, %r6, 4;
	add.s64 %rd3, %rd1, %rd2;
	ld.global.u32 %r7, [%rd3];
	mov.u64 %rd4, dsh;
	mul.wide.u32 %rd5, %r2, 4;
	add.s64 %rd6, %rd4, %rd5;
	st.shared.u32 [%rd6], %r7;
	bar.sync 0;
	sub.u32 %r8, %r1, %r5;
	min.u32 %r9, %r8, %r3;
	add.u32 %r10, %r2, 1;
	rem.u32 %r11, %r10, %r9;
	mul.wide.u32 %rd7, %r11, 4;
	add.s64 %rd8, %rd4, %rd7;
	ld.shared.u32 %r12, [%rd8];
	add.s64 %rd10, %rd9, %rd2;
	st.global.u32 [%rd10], %r12;
END:
	ret;
}

.visible .entry wil_uniformity(.param .u64 out, .param .u32 k)
{
	.reg .pred %p<6>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<10>;
	ld.param.u64 %rd1, [out];
	ld.param.u32 %r1, [k];
	mov.u32 %r2, %tid.x;
	mov.u32 %r6, 5;
	mov.u32 %r7, 1;
	mov.u32 %r8, 0;
	mov.u32 %r9, %r1;
	setp.lt.u32 %p1, %r2, 8;
	@%p1 bra SKIP;
	mov.u32 %r6, 9;
SKIP:
	@%p1 mov.u32 %r7, 3;
	and.b32 %r3, %r2, 3;
LOOP:
	add.u32 %r8, %r8, 1;
	setp.le.u32 %p2, %r8, %r3;
	@%p2 bra LOOP;
ULOOP:
	bar.sync 0;
	add.u32 %r9, %r9, 2;
	setp.lt.u32 %p3, %r9, 10;
	@%p3 bra ULOOP;
	mad.lo.u32 %r10, %r6, 100, %r7;
	mad.lo.u32 %r11, %r8, 1000, %r10;
	mad.lo.u32 %r12, %r9, 10000, %r11;
	mul.wide.u32 %rd2, %r2, 4;
	add.s64 %rd3, %rd1, %rd2;
	st.global.u32 [%rd3], %r12;
	ret;
}

.visible .entry wil_trap(.param .u64 out, .param .u32 bad)
{
	.reg .pred %p<3>;
	.reg .b32 %r<8>;
	.reg .b64 %rd<4>;
	ld.param.u64 %rd1, [out];
	ld.param.u32 %r1, [bad];
	mov.u32 %r2, %tid.x;
	bar.sync 0;
	setp.eq.u32 %p1, %r2, %r1;
	@%p1 bra TRAP;
	mul.wide.u32 %rd2, %r2, 4;
	add.s64 %rd3, %rd1, %rd2;
	st.global.u32 [%rd3], %r2;
	bar.sync 0;
	ret;
TRAP:
	trap;
}

.visible .entry wil_shfl(.param .u64 out)
{
	.reg .b32 %r<8>;
	.reg .b64 %rd<4>;
	ld.param.u64 %rd1, [out];
	mov.u32 %r1, %tid.x;
	shfl.sync.bfly.b32 %r2, %r1, 1, 31, -1;
	bar.sync 0;
	mul.wide.u32 %rd2, %r1, 4;
	add.s64 %rd3, %rd1, %rd2;
	st.global.u32 [%rd3], %r2;
	ret;
}
.visible .entry wil_peel(.param .u64 sums, .param .u64 wide, .param .u32 base)
{
	.reg .pred %p<3>;
	.reg .b32 %r<20>;
	.reg .b64 %rd<20>;
	.shared .align 4 .b8 sh[4096];
	ld.param.u64 %rd1, [sums];
	ld.param.u64 %rd10, [wide];
	ld.param.u32 %r1, [base];
	mov.u32 %r2, %tid.x;
	mov.u32 %r3, %tid.y;
	mov.u32 %r4, %ntid.x;
	mad.lo.u32 %r5, %r3, %r4, %r2;
	mov.u64 %rd2, sh;
	mul.wide.u32 %rd3, %r5, 4;
	add.s64 %rd4, %rd2, %rd3;
	st.shared.u32 [%rd4], %r5;
	add.u32 %r10, %r1, %r2;
	mul.wide.u32 %rd11, %r10, 1;
	mul.wide.u32 %rd12, %r5, 8;
	add.s64 %rd13, %rd10, %rd12;
	st.global.u64 [%rd13], %rd11;
	bar.sync 0;
	setp.ne.u32 %p1, %r2, 0;
	@%p1 bra SKIP;
	mov.u32 %r6, 0;
	mov.u32 %r7, 0;
ROW:
	add.u32 %r8, %r5, %r7;
	mul.wide.u32 %rd5, %r8, 4;
	add.s64 %rd6, %rd2, %rd5;
	ld.shared.u32 %r9, [%rd6];
	add.u32 %r6, %r6, %r9;
	add.u32 %r7, %r7, 1;
	setp.lt.u32 %p2, %r7, %r4;
	@%p2 bra ROW;
	mul.wide.u32 %rd7, %r3, 4;
	add.s64 %rd8, %rd1, %rd7;
	st.global.u32 [%rd8], %r6;
SKIP:
	bar.sync 0;
	ret;
}
.visible .entry wil_early(.param .u64 out)
{
	.reg .pred %p<3>;
	.reg .b32 %r<10>;
	.reg .b64 %rd<8>;
	.shared .align 4 .b8 sh2[1024];
	ld.param.u64 %rd1, [out];
	mov.u32 %r1, %tid.x;
	mov.u32 %r2, %ntid.x;
	mul.wide.u32 %rd2, %r1, 4;
	mov.u64 %rd3, sh2;
	add.s64 %rd4, %rd3, %rd2;
	st.shared.u32 [%rd4], %r1;
	bar.sync 0;
	setp.eq.u32 %p1, %r1, 3;
	@%p1 ret;
	add.u32 %r3, %r1, 1;
	rem.u32 %r4, %r3, %r2;
	mul.wide.u32 %rd5, %r4, 4;
	add.s64 %rd6, %rd3, %rd5;
	ld.shared.u32 %r5, [%rd6];
	bar.sync 0;
	add.s64 %rd7, %rd1, %rd2;
	st.global.u32 [%rd7], %r5;
	ret;
}
.visible .entry wil_divbar(.param .u64 out)
{
	.reg .pred %p<3>;
	.reg .b32 %r<10>;
	.reg .b64 %rd<4>;
	ld.param.u64 %rd1, [out];
	mov.u32 %r1, %tid.x;
	mov.u32 %r2, 0;
	add.u32 %r3, %r1, 1;
LOOP:
	setp.lt.u32 %p1, %r2, %r1;
	@%p1 bra SKIP;
	bar.sync 0;
SKIP:
	mad.lo.u32 %r3, %r3, 3, %r2;
	add.u32 %r2, %r2, 1;
	setp.lt.u32 %p2, %r2, 4;
	@%p2 bra LOOP;
	mul.wide.u32 %rd2, %r1, 4;
	add.s64 %rd3, %rd1, %rd2;
	st.global.u32 [%rd3], %r3;
	ret;
}
`

func TestWorkItemLoops(t *testing.T) {
	res, err := cgen.Translate([]byte(wilPTX), cgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wil := map[string]bool{}
	for _, k := range res.Kernels {
		wil[k.Name] = k.WorkItemLoops
	}
	for name, want := range map[string]bool{"wil_loop": true, "wil_if": true, "wil_divergent": true, "wil_exit": true, "wil_uniformity": true, "wil_trap": true, "wil_peel": true, "wil_divbar": true, "wil_early": true, "wil_shfl": false} {
		if wil[name] != want {
			t.Errorf("%s: WorkItemLoops = %v, want %v", name, wil[name], want)
		}
	}
	// The loops' pragmas and the C compiler's freedom with them: gcc and
	// clang alike.
	compilers := []string{compilerPath(t)}
	if clang, err := exec.LookPath("clang-19"); err == nil {
		compilers = append(compilers, clang)
	}
	for _, cc := range compilers {
		t.Run(filepath.Base(cc), func(t *testing.T) { testWorkItemLoops(t, compileWith(t, cc, res.C)) })
	}
}

func testWorkItemLoops(t *testing.T, lib string) {

	t.Run("uniform loop", func(t *testing.T) {
		for _, c := range []struct{ bs, blocks, iters uint32 }{{64, 3, 5}, {96, 2, 0}, {1, 2, 3}, {200, 2, 1}} {
			p := (&argPacker{}).ptr(0).u32(c.iters)
			r := runLaunch(t, lib, launch{kernel: "wil_loop", grid: dim3{c.blocks, 1, 1}, block: dim3{c.bs, 1, 1}, workers: 2,
				bufs: [][]byte{poison(int(4 * c.bs * c.blocks))}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			got := bytesU32(r.bufs[0])
			for b := uint32(0); b < c.blocks; b++ {
				v := make([]uint32, c.bs)
				for i := range v {
					v[i] = uint32(i)*7 + b
				}
				for it := uint32(0); it < c.iters; it++ {
					nv := make([]uint32, c.bs)
					for i := range v {
						nv[i] = v[i]*3 + v[(uint32(i)+1)%c.bs]
					}
					v = nv
				}
				for i := range v {
					if g := got[b*c.bs+uint32(i)]; g != v[i] {
						t.Fatalf("%+v: out[%d] = %d, want %d", c, b*c.bs+uint32(i), g, v[i])
					}
				}
			}
		}
	})

	t.Run("thread x = 0 apart, 2-D block, wrapping index", func(t *testing.T) {
		// Thread x = 0 of each row sums the row (run apart from the
		// loop); every thread zero-extends base + tid.x, which wraps past
		// 2^32 in the middle of the row for the first base.
		const bx, by = 32, 3
		for _, base := range []uint32{0xfffffff0, 7} {
			p := (&argPacker{}).ptr(0).ptr(1).u32(base)
			r := runLaunch(t, lib, launch{kernel: "wil_peel", grid: dim3{2, 1, 1}, block: dim3{bx, by, 1},
				bufs: [][]byte{poison(4 * by), poison(8 * bx * by)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			sums := bytesU32(r.bufs[0])
			for y := uint32(0); y < by; y++ {
				want := uint32(0)
				for x := uint32(0); x < bx; x++ {
					want += y*bx + x
				}
				if sums[y] != want {
					t.Fatalf("base %#x: sums[%d] = %d, want %d", base, y, sums[y], want)
				}
			}
			for i := uint32(0); i < bx*by; i++ {
				got := binary.LittleEndian.Uint64(r.bufs[1][8*i:])
				if want := uint64(base + i%bx); got != want {
					t.Fatalf("base %#x: wide[%d] = %#x, want %#x", base, i, got, want)
				}
			}
		}
	})

	t.Run("uniform if, 2-D block", func(t *testing.T) {
		const bx, by, blocks = 8, 5, 3
		const n = bx * by
		for _, flag := range []uint32{0, 1} {
			p := (&argPacker{}).ptr(0).u32(flag)
			r := runLaunch(t, lib, launch{kernel: "wil_if", grid: dim3{blocks, 1, 1}, block: dim3{bx, by, 1},
				bufs: [][]byte{poison(4 * n * blocks)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			got := bytesU32(r.bufs[0])
			for i := range got {
				want := uint32(1000)
				if flag != 0 {
					want += n - 1 - uint32(i%n)
				}
				if got[i] != want {
					t.Fatalf("flag %d: out[%d] = %d, want %d", flag, i, got[i], want)
				}
			}
		}
	})

	t.Run("different barrier instructions", func(t *testing.T) {
		// Threads below 16 and the others wait at two bar.sync 0: one
		// barrier (as on sm_70 and later), so each reads what a thread
		// of the other group stored before it.
		const bs, blocks = 32, 2
		p := (&argPacker{}).ptr(0)
		r := runLaunch(t, lib, launch{kernel: "wil_divergent", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1},
			bufs: [][]byte{poison(4 * bs * blocks)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("fault: %s", r.msg)
		}
		got := bytesU32(r.bufs[0])
		for i := range got {
			tt := uint32(i % bs)
			want := 2 * (tt + 16)
			if tt >= 16 {
				want = 2 * (tt - 16)
			}
			if got[i] != want {
				t.Fatalf("out[%d] = %d, want %d", i, got[i], want)
			}
		}
	})

	t.Run("return before a barrier, dynamic shared memory", func(t *testing.T) {
		const bs, blocks = 64, 3
		for _, n := range []uint32{bs * blocks, 150, 129, 1} {
			in := ints(bs*blocks, func(i int) int32 { return int32(i*5 + 1) })
			p := (&argPacker{}).ptr(0).ptr(1).u32(n)
			r := runLaunch(t, lib, launch{kernel: "wil_exit", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1}, shared: 4 * bs,
				bufs: [][]byte{in, poison(4 * bs * blocks)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("n %d: fault: %s", n, r.msg)
			}
			got := bytesU32(r.bufs[1])
			for i := range got {
				want := uint32(0xA5A5A5A5)
				if uint32(i) < n {
					base := uint32(i) / bs * bs
					cnt := min(n-base, bs)
					want = ((uint32(i)-base+1)%cnt+base)*5 + 1
				}
				if got[i] != want {
					t.Fatalf("n %d: out[%d] = %#x, want %#x", n, i, got[i], want)
				}
			}
		}
	})

	t.Run("uniform and thread-dependent registers", func(t *testing.T) {
		// Values assigned under a branch on the thread index, by an
		// instruction guarded by such a predicate and in a loop whose
		// trip count depends on it differ between threads after the
		// barriers; the counter of the loop around them does not.
		const bs = 40
		for _, k := range []uint32{0, 7, 20} {
			p := (&argPacker{}).ptr(0).u32(k)
			r := runLaunch(t, lib, launch{kernel: "wil_uniformity", grid: dim3{2, 1, 1}, block: dim3{bs, 1, 1},
				bufs: [][]byte{poison(4 * bs)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			for i, g := range bytesU32(r.bufs[0]) {
				r6, r7 := uint32(9), uint32(1)
				if i < 8 {
					r6, r7 = 5, 3
				}
				r8 := uint32(i&3) + 1
				r9 := k
				for {
					r9 += 2
					if r9 >= 10 {
						break
					}
				}
				if want := r9*10000 + r8*1000 + r6*100 + r7; g != want {
					t.Fatalf("k %d: out[%d] = %d, want %d", k, i, g, want)
				}
			}
		}
	})

	t.Run("a thread exits between barriers", func(t *testing.T) {
		// Thread 3 returns after the first barrier (a guarded ret), the
		// others wait at the second: the general scheduler takes over.
		for _, bs := range []uint32{4, 64} {
			p := (&argPacker{}).ptr(0)
			r := runLaunch(t, lib, launch{kernel: "wil_early", grid: dim3{1, 1, 1}, block: dim3{bs, 1, 1},
				bufs: [][]byte{poison(int(4 * bs))}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			for i, g := range bytesU32(r.bufs[0]) {
				want := (uint32(i) + 1) % bs
				if i == 3 {
					want = 0xA5A5A5A5
				}
				if g != want {
					t.Fatalf("block of %d: out[%d] = %#x, want %#x", bs, i, g, want)
				}
			}
		}
	})

	t.Run("barrier under a thread-dependent branch in a uniform loop", func(t *testing.T) {
		// Thread i skips the barrier in the loop's first i iterations,
		// so the threads stop at it in different iterations: the loop's
		// counter, uniform as a value, differs between them there. Every
		// thread runs the four iterations all the same, from a start of
		// its own.
		const bs = 4
		p := (&argPacker{}).ptr(0)
		r := runLaunch(t, lib, launch{kernel: "wil_divbar", grid: dim3{2, 1, 1}, block: dim3{bs, 1, 1},
			bufs: [][]byte{poison(4 * bs)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("fault: %s", r.msg)
		}
		for i, g := range bytesU32(r.bufs[0]) {
			want := uint32(i%bs) + 1
			for it := uint32(0); it < 4; it++ {
				want = want*3 + it
			}
			if g != want {
				t.Fatalf("out[%d] = %d, want %d", i, g, want)
			}
		}
	})

	t.Run("trap", func(t *testing.T) {
		const bs = 64
		for _, bad := range []uint32{1000, 0, 37} {
			p := (&argPacker{}).ptr(0).u32(bad)
			r := runLaunch(t, lib, launch{kernel: "wil_trap", grid: dim3{2, 1, 1}, block: dim3{bs, 1, 1},
				bufs: [][]byte{poison(4 * bs)}, args: p.bytes(), ptrs: p.ptrs})
			if bad >= bs {
				if r.fault != 0 {
					t.Fatalf("fault without a trap: %s", r.msg)
				}
				for i, g := range bytesU32(r.bufs[0]) {
					if g != uint32(i) {
						t.Fatalf("out[%d] = %d, want %d", i, g, i)
					}
				}
				continue
			}
			if r.fault != 1 || !strings.Contains(r.msg, "trap") {
				t.Fatalf("thread %d traps: fault %d %q, want 1 (trap)", bad, r.fault, r.msg)
			}
		}
	})

	t.Run("warp shuffle and barrier", func(t *testing.T) {
		const bs = 64
		p := (&argPacker{}).ptr(0)
		r := runLaunch(t, lib, launch{kernel: "wil_shfl", grid: dim3{1, 1, 1}, block: dim3{bs, 1, 1},
			bufs: [][]byte{poison(4 * bs)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("fault: %s", r.msg)
		}
		for i, g := range bytesU32(r.bufs[0]) {
			if g != uint32(i^1) {
				t.Fatalf("out[%d] = %d, want %d", i, g, i^1)
			}
		}
	})
}
