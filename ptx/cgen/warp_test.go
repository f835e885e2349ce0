package cgen_test

import (
	"os"
	"sort"
	"testing"
)

// warpModules are the warp.cu builds: clang-16 for sm_80, clang-19 for sm_90.
var warpModules = []string{"../testdata/warp.clang16.sm_80.ptx", "../testdata/warp.clang19.sm_90.ptx"}

func forWarpModules(t *testing.T, f func(t *testing.T, lib string)) {
	for _, path := range warpModules {
		t.Run(path[len("../testdata/"):], func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lib, _ := buildPTX(t, string(src))
			f(t, lib)
		})
	}
}

func ints(n int, f func(i int) int32) []byte {
	v := make([]uint32, n)
	for i := range v {
		v[i] = uint32(f(i))
	}
	return u32bytes(v)
}

func TestWarpReduceScan(t *testing.T) {
	forWarpModules(t, func(t *testing.T, lib string) {
		const n = 1000
		val := func(i int) int32 { return int32(i*37%101) - 50 }
		for _, bs := range []uint32{32, 64, 256} {
			blocks := (n + bs - 1) / bs
			p := (&argPacker{}).ptr(0).ptr(1).u32(n)
			r := runLaunch(t, lib, launch{kernel: "warp_reduce", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1}, workers: 2,
				bufs: [][]byte{ints(n, val), poison(4 * int(blocks))}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			got := bytesU32(r.bufs[1])
			for b := 0; b < int(blocks); b++ {
				var want int32
				for i := b * int(bs); i < (b+1)*int(bs) && i < n; i++ {
					want += val(i)
				}
				if int32(got[b]) != want {
					t.Fatalf("block size %d: out[%d] = %d, want %d", bs, b, int32(got[b]), want)
				}
			}
		}
		const m = 256
		in := make([]uint32, m)
		for i := range in {
			in[i] = uint32(i*i) % 1000
		}
		p := (&argPacker{}).ptr(0).ptr(1)
		r := runLaunch(t, lib, launch{kernel: "warp_scan", grid: dim3{2, 1, 1}, block: dim3{128, 1, 1},
			bufs: [][]byte{u32bytes(in), poison(4 * m)}, args: p.bytes(), ptrs: p.ptrs})
		got := bytesU32(r.bufs[1])
		for i := range in {
			var want uint32
			for j := i &^ 31; j <= i; j++ {
				want += in[j]
			}
			if got[i] != want {
				t.Fatalf("scan[%d] = %d, want %d", i, got[i], want)
			}
		}
	})
}

func TestVotesAndMatch(t *testing.T) {
	forWarpModules(t, func(t *testing.T, lib string) {
		// 3 warps; the last one is partial (block of 80 threads).
		const threads = 80
		val := func(i int) int32 { return int32((i*7919)%23) - 11 }
		for _, thr := range []int32{-100, 0, 5, 100} {
			p := (&argPacker{}).ptr(0).ptr(1).u32(uint32(thr))
			r := runLaunch(t, lib, launch{kernel: "votes", grid: dim3{1, 1, 1}, block: dim3{threads, 1, 1},
				bufs: [][]byte{ints(threads, val), poison(16 * threads)}, args: p.bytes(), ptrs: p.ptrs})
			got := bytesU32(r.bufs[1])
			for w := 0; w < 3; w++ {
				lo, hi := w*32, min(w*32+32, threads)
				var ballot uint32
				for i := lo; i < hi; i++ {
					if val(i) > thr {
						ballot |= 1 << (i - lo)
					}
				}
				active := uint32(1<<(hi-lo) - 1)
				if hi-lo == 32 {
					active = ^uint32(0)
				}
				any, all := ballot != 0, ballot == active
				uni := all || ballot == 0
				for i := lo; i < hi; i++ {
					lane := i - lo
					if got[4*i] != ballot {
						t.Fatalf("thr %d: ballot of thread %d = %#x, want %#x", thr, i, got[4*i], ballot)
					}
					wantV := b2u(any) | b2u(all)<<1 | b2u(uni)<<2
					if got[4*i+1] != wantV {
						t.Fatalf("thr %d: votes of thread %d = %#b, want %#b", thr, i, got[4*i+1], wantV)
					}
					// Lane 5 exists in every warp here.
					if int32(got[4*i+2]) != val(lo+5) {
						t.Fatalf("thread %d: shfl.idx from lane 5 = %d, want %d", i, int32(got[4*i+2]), val(lo+5))
					}
					var match uint32
					for j := lo; j < hi; j++ {
						if val(j)&3 == val(i)&3 {
							match |= 1 << (j - lo)
						}
					}
					if got[4*i+3] != match {
						t.Fatalf("thread %d (lane %d): match.any = %#x, want %#x", i, lane, got[4*i+3], match)
					}
				}
			}
		}
		// Divergent shuffle among even lanes.
		in := ints(64, func(i int) int32 { return int32(i * 10) })
		p := (&argPacker{}).ptr(0).ptr(1)
		r := runLaunch(t, lib, launch{kernel: "even_lanes", grid: dim3{1, 1, 1}, block: dim3{64, 1, 1},
			bufs: [][]byte{in, poison(4 * 64)}, args: p.bytes(), ptrs: p.ptrs})
		got := bytesU32(r.bufs[1])
		for i := 0; i < 64; i++ {
			want := int32(i * 10)
			if i%2 == 0 {
				want = int32((i&^31 + (i%32+2)%32) * 10)
			}
			if int32(got[i]) != want {
				t.Fatalf("even_lanes[%d] = %d, want %d", i, int32(got[i]), want)
			}
		}
	})
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func TestBitonicSortBarRedEarlyExit(t *testing.T) {
	forWarpModules(t, func(t *testing.T, lib string) {
		for _, bs := range []uint32{1, 4, 32, 128, 512} {
			n := 2 * bs
			const blocks = 3
			keys := make([]uint32, blocks*n)
			for i := range keys {
				keys[i] = uint32(i*2654435761) >> 7
			}
			p := (&argPacker{}).ptr(0)
			r := runLaunch(t, lib, launch{kernel: "bitonic_sort", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1}, shared: 4 * n, workers: 2,
				bufs: [][]byte{u32bytes(keys)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			got := bytesU32(r.bufs[0])
			for b := 0; b < blocks; b++ {
				want := append([]uint32(nil), keys[b*int(n):(b+1)*int(n)]...)
				sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
				for i, w := range want {
					if got[b*int(n)+i] != w {
						t.Fatalf("block size %d: block %d key %d = %d, want %d", bs, b, i, got[b*int(n)+i], w)
					}
				}
			}
		}
		// bar.red: count, and, or of in[i] > 0 per block.
		val := func(i int) int32 { return int32(i%5) - 1 }
		const bs, blocks = 96, 4
		in := ints(bs*blocks, val)
		for i := 0; i < bs; i++ { // block 2: all positive; block 3: none
			putU32(in, 2*bs+i, 7)
			putU32(in, 3*bs+i, 0)
		}
		p := (&argPacker{}).ptr(0).ptr(1)
		r := runLaunch(t, lib, launch{kernel: "bar_red", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1},
			bufs: [][]byte{in, poison(12 * blocks)}, args: p.bytes(), ptrs: p.ptrs})
		got := bytesU32(r.bufs[1])
		for b := 0; b < blocks; b++ {
			var c uint32
			for i := 0; i < bs; i++ {
				if int32(bytesU32(in)[b*bs+i]) > 0 {
					c++
				}
			}
			want := []uint32{c, b2u(c == bs), b2u(c > 0)}
			for k := range want {
				if got[3*b+k] != want[k] {
					t.Fatalf("bar_red block %d: %v, want %v", b, got[3*b:3*b+3], want)
				}
			}
		}
		// Early exit: threads past n return before the barrier.
		const n = 300
		p = (&argPacker{}).ptr(0).ptr(1).u32(n)
		vals := ints(n, func(i int) int32 { return int32(i * 3) })
		r = runLaunch(t, lib, launch{kernel: "early_exit", grid: dim3{2, 1, 1}, block: dim3{256, 1, 1},
			bufs: [][]byte{vals, poison(4 * 512)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("early_exit fault: %s", r.msg)
		}
		got = bytesU32(r.bufs[1])
		for i := 0; i < n; i++ {
			b, tt := i/256, i%256
			last := 256
			if (b+1)*256 > n {
				last = n - b*256
			}
			want := uint32(3 * (b*256 + (tt+1)%last))
			if got[i] != want {
				t.Fatalf("early_exit[%d] = %d, want %d", i, got[i], want)
			}
		}
		if got[n] != 0xA5A5A5A5 {
			t.Errorf("early_exit wrote past n")
		}
	})
}

func putU32(b []byte, i int, v uint32) {
	b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func TestInlinedBarriersAndLocalArrays(t *testing.T) {
	forWarpModules(t, func(t *testing.T, lib string) {
		const bs, blocks = 96, 3
		val := func(i int) int32 { return int32(i%23) - 7 }
		p := (&argPacker{}).ptr(0).ptr(1)
		r := runLaunch(t, lib, launch{kernel: "calls_block_sum", grid: dim3{blocks, 1, 1}, block: dim3{bs, 1, 1},
			bufs: [][]byte{ints(bs*blocks, val), poison(4 * bs * blocks)}, args: p.bytes(), ptrs: p.ptrs})
		if r.fault != 0 {
			t.Fatalf("fault: %s", r.msg)
		}
		got := bytesU32(r.bufs[1])
		for b := 0; b < blocks; b++ {
			var s, q int32
			for i := b * bs; i < (b+1)*bs; i++ {
				s += val(i)
				q += val(i) * val(i)
			}
			for i := b * bs; i < (b+1)*bs; i++ {
				if want := s*1000 + q%1000; int32(got[i]) != want {
					t.Fatalf("calls_block_sum[%d] = %d, want %d", i, int32(got[i]), want)
				}
			}
		}
		for _, seed := range []int32{1, 3, 5} {
			const lbs = 64
			p := (&argPacker{}).ptr(0).u32(uint32(seed))
			r := runLaunch(t, lib, launch{kernel: "local_barrier", grid: dim3{2, 1, 1}, block: dim3{lbs, 1, 1}, workers: 2,
				bufs: [][]byte{poison(4 * 2 * lbs)}, args: p.bytes(), ptrs: p.ptrs})
			if r.fault != 0 {
				t.Fatalf("fault: %s", r.msg)
			}
			got := bytesU32(r.bufs[0])
			for b := 0; b < 2; b++ {
				for tt := 0; tt < lbs; tt++ {
					var arr [16]int32
					for k := 0; k < 16; k++ {
						arr[(int32(k)*seed)&15] = int32(((tt+1)%lbs)*16 + k)
					}
					var acc int32
					for k := 0; k < 16; k++ {
						acc = acc*3 + arr[(int32(tt)+int32(k)*seed)&15]
					}
					if int32(got[b*lbs+tt]) != acc {
						t.Fatalf("seed %d: local_barrier[%d] = %d, want %d", seed, b*lbs+tt, int32(got[b*lbs+tt]), acc)
					}
				}
			}
		}
	})
}
