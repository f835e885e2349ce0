package cgen_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// guardKernel is a 1-D elementwise kernel: out[i] = i*3 + 7 for the
// threads the guard lets through, with the index, the comparison and the
// branch spelled as given.
func guardKernel(idx, guard string, wide bool) string {
	addr := "mul.wide.u32 %rd3, %r5, 4;"
	nparam := ".param .u32 n"
	ldn := "ld.param.u32 %r1, [n];"
	val := "mad.lo.s32 %r7, %r5, 3, 7;"
	if wide {
		addr = "shl.b64 %rd3, %rd10, 2;"
		nparam = ".param .u64 n"
		ldn = "ld.param.u64 %rd11, [n];"
		val = "cvt.u32.u64 %r5, %rd10;\n  mad.lo.s32 %r7, %r5, 3, 7;"
	}
	if strings.Contains(guard, "s32") {
		addr = "mul.wide.s32 %rd3, %r5, 4;"
	}
	return fmt.Sprintf(`.version 7.0
.target sm_80
.address_size 64
.visible .entry k(.param .u64 out, %s) {
  .reg .pred %%p<3>;
  .reg .b32 %%r<9>;
  .reg .b64 %%rd<13>;
  ld.param.u64 %%rd1, [out];
  %s
  mov.u32 %%r2, %%ctaid.x;
  mov.u32 %%r3, %%ntid.x;
  mov.u32 %%r4, %%tid.x;
  %s
  %s
  cvta.to.global.u64 %%rd2, %%rd1;
  %s
  add.s64 %%rd4, %%rd2, %%rd3;
  %s
  st.global.u32 [%%rd4], %%r7;
DONE:
  ret;
}
`, nparam, ldn, idx, guard, addr, val)
}

// TestGuard1D: kernels of the 1-D guard shape get the fast path
// (KernelInfo.Guard1D) in every spelling of the index and the comparison,
// and compute what the plain per-thread loop computes for bounds around
// the block edges, 2-D blocks (the general loop) included; shapes that
// are not the guard do not get it.
func TestGuard1D(t *testing.T) {
	const mad = "mad.lo.s32 %r5, %r2, %r3, %r4;"
	const wideIdx = "mul.wide.u32 %rd8, %r3, %r2;\n  cvt.u64.u32 %rd9, %r4;\n  add.s64 %rd10, %rd9, %rd8;"
	for _, c := range []struct {
		name      string
		idx       string
		guard     string
		wide      bool
		fast      bool
		inclusive bool
		signed    bool
	}{
		{"u32 lt", mad, "setp.ge.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, false, false},
		{"s32 lt", mad, "setp.ge.s32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, false, true},
		{"u32 le", mad, "setp.gt.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, true, false},
		{"s32 le", mad, "setp.gt.s32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, true, true},
		{"swapped", mad, "setp.le.u32 %p1, %r1, %r5;\n  @%p1 bra DONE;", false, true, false, false},
		{"negated", mad, "setp.lt.u32 %p1, %r5, %r1;\n  @!%p1 bra DONE;", false, true, false, false},
		{"lo", mad, "setp.hs.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, false, false},
		{"mul add", "mul.lo.s32 %r6, %r3, %r2;\n  add.s32 %r5, %r4, %r6;", "setp.ge.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, true, false, false},
		{"u64 lt", wideIdx, "setp.ge.u64 %p1, %rd10, %rd11;\n  @%p1 bra DONE;", true, true, false, false},
		{"s64 le", wideIdx, "setp.gt.s64 %p1, %rd10, %rd11;\n  @%p1 bra DONE;", true, true, true, true},
		// Not the guard: the index uses %tid.y, the bound depends on the
		// thread, the branch continues for large indices.
		{"tid.y", "mov.u32 %r4, %tid.y;\n  mad.lo.s32 %r5, %r2, %r3, %r4;", "setp.ge.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, false, false, false},
		{"thread bound", mad + "\n  add.s32 %r1, %r1, %r4;", "setp.ge.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, false, false, false},
		{"exits below", mad, "setp.lt.u32 %p1, %r5, %r1;\n  @%p1 bra DONE;", false, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			lib, res := buildPTX(t, guardKernel(c.idx, c.guard, c.wide))
			if got := res.Kernels[0].Guard1D; got != c.fast {
				t.Fatalf("Guard1D = %v, want %v", got, c.fast)
			}
			bounds := []int64{0, 1, 255, 256, 257, 1000, 1279, 1280, 5000}
			if c.signed {
				bounds = append(bounds, -1, -300)
			}
			for _, n := range bounds {
				for _, shape := range []struct{ grid, block dim3 }{{dim3{5, 1, 1}, dim3{256, 1, 1}}, {dim3{3, 1, 1}, dim3{100, 1, 1}}, {dim3{4, 1, 1}, dim3{16, 8, 1}}} {
					nthreads := shape.grid.x * shape.block.x
					p := (&argPacker{}).ptr(0)
					if c.wide {
						p.u64(uint64(n))
					} else {
						p.u32(uint32(n))
					}
					r := runLaunch(t, lib, launch{kernel: "k", grid: shape.grid, block: shape.block, workers: 2,
						bufs: [][]byte{poison(4 * int(nthreads+8))}, args: p.bytes(), ptrs: p.ptrs})
					out := bytesU32(r.bufs[0])
					for i := 0; i < int(nthreads)+8; i++ {
						want := binary.LittleEndian.Uint32(poison(4)) // untouched
						in := i < int(nthreads)
						var cont bool
						switch {
						case c.name == "exits below":
							cont = int64(i) >= n && n >= 0 || n < 0
						case c.name == "thread bound":
							// n + threadIdx.x: thread i%bx continues while i < n + i%bx.
							cont = uint32(i) < uint32(n)+uint32(i%int(shape.block.x))
						case c.signed && c.inclusive:
							cont = int64(i) <= n
						case c.signed:
							cont = int64(i) < n
						case c.inclusive:
							cont = n >= 0 && int64(i) <= n
						default:
							cont = n >= 0 && int64(i) < n
						}
						if c.name == "tid.y" {
							// Indices reach bx*ntid.x + tid.y only.
							in = i%int(shape.block.x) < int(shape.block.y) && i < int(nthreads)
							cont = cont && uint32(i) < uint32(n)
						}
						if in && cont {
							want = uint32(i)*3 + 7
						}
						if out[i] != want {
							t.Fatalf("n=%d grid %v block %v: out[%d] = %#x, want %#x", n, shape.grid, shape.block, i, out[i], want)
						}
					}
				}
			}
		})
	}
}
