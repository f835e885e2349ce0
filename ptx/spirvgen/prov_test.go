package spirvgen_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// localVals are the four floats the local-array kernels store before
// indexing them.
var localVals = [4]float32{1, 2, 3, 4}

// localHead declares k(out, idx) (idx of type $IDXTYPE) with a 16-byte local array holding
// localVals, %rd1 its local address and %rd2 its generic one.
const localHead = `.visible .entry k(.param .u64 out, .param .$IDXTYPE idx)
{
	.local .align 4 .b8 depot[16];
	.reg .pred %p;
	.reg .b32 %r<4>;
	.reg .f32 %f<3>;
	.reg .b64 %rd<9>;
	mov.u64 %rd1, depot;
	cvta.local.u64 %rd2, %rd1;
	st.local.f32 [%rd1], 0f3F800000;
	st.local.f32 [%rd1+4], 0f40000000;
	st.local.f32 [%rd1+8], 0f40400000;
	st.local.f32 [%rd1+12], 0f40800000;
`

// storeOut stores %f1 to out[0].
const storeOut = `	ld.param.u64 %rd8, [out];
	cvta.to.global.u64 %rd8, %rd8;
	st.global.f32 [%rd8], %f1;
	ret;
}
`

// provKernels are kernels whose generic addresses are a cvta.local or
// cvta.shared base plus an index computed from a loaded value: one space
// each, which the address-space analysis once took for two (the index
// "might be a global pointer"). The files in testdata/prov come from a
// differential probe of clang-19 output.
var provKernels = []struct {
	name string
	file string // in testdata/prov, or
	src  string // the body after kernelHead
	// wide: idx is .u64 (else .u32).
	wide  bool
	block uint32
	idxs  []uint64
	want  func(idx uint64) uint32
}{
	{name: "local, mul.wide index", file: "generic_local_nocall.ptx", block: 1, idxs: []uint64{0, 1, 2, 3},
		want: func(i uint64) uint32 { return math.Float32bits(localVals[i]) }},
	{name: "shared, mul.wide index", file: "generic_shared_index.ptx", block: 16, idxs: []uint64{0, 5, 15},
		want: func(i uint64) uint32 { return uint32(i) }}, // thread t stores t at sh[t]
	{name: "local array to a helper", file: "generic_local_call.ptx", block: 1, idxs: []uint64{0, 1, 2, 3},
		want: func(i uint64) uint32 { return math.Float32bits(localVals[i]) }},
	{name: "local, masked index", block: 1, idxs: []uint64{0, 1, 6, 0xffffffff},
		src: localHead + `	ld.param.u32 %r1, [idx];
	mul.wide.u32 %rd3, %r1, 4;
	and.b64 %rd4, %rd3, 12;
	add.s64 %rd5, %rd2, %rd4;
	ld.f32 %f1, [%rd5];
` + storeOut,
		want: func(i uint64) uint32 { return math.Float32bits(localVals[i&3]) }},
	// A 64-bit loaded value added to a local address: the loaded value is
	// the offset, as pointer + pointer means nothing.
	{name: "local, loaded 64-bit index first", wide: true, block: 1, idxs: []uint64{0, 3},
		src: localHead + `	ld.param.u64 %rd3, [idx];
	shl.b64 %rd4, %rd3, 2;
	add.s64 %rd5, %rd4, %rd2;
	ld.f32 %f1, [%rd5];
` + storeOut,
		want: func(i uint64) uint32 { return math.Float32bits(localVals[i]) }},
	// A pointer walking the array in a loop by a step computed from a
	// loaded value: the loop-carried register stays local.
	{name: "local, loop with a loaded step", block: 1, idxs: []uint64{0, 1, 4},
		src: localHead + `	ld.param.u32 %r1, [idx];
	and.b32 %r3, %r1, 0;
	add.u32 %r3, %r3, 1;
	mul.wide.u32 %rd3, %r3, 4;
	mov.f32 %f1, 0f00000000;
	mov.u32 %r2, 0;
	setp.eq.u32 %p, %r1, 0;
	@%p bra DONE;
LOOP:
	ld.f32 %f2, [%rd2];
	add.f32 %f1, %f1, %f2;
	add.s64 %rd2, %rd2, %rd3;
	add.u32 %r2, %r2, 1;
	setp.lt.u32 %p, %r2, %r1;
	@%p bra LOOP;
DONE:
` + storeOut,
		want: func(i uint64) uint32 {
			var s float32
			for _, v := range localVals[:i] {
				s += v
			}
			return math.Float32bits(s)
		}},
}

func provSource(t *testing.T, i int) []byte {
	t.Helper()
	c := provKernels[i]
	if c.file != "" {
		b, err := os.ReadFile(filepath.Join("testdata", "prov", c.file))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ty := "u32"
	if c.wide {
		ty = "u64"
	}
	return []byte(kernelHead + strings.ReplaceAll(c.src, "$IDXTYPE", ty))
}

// TestGenericIndexedTranslates: the provKernels translate for every
// target (no device needed).
func TestGenericIndexedTranslates(t *testing.T) {
	for i, c := range provKernels {
		for name, tg := range targets {
			if _, err := spirvgen.Translate(provSource(t, i), spirvgen.Options{Target: tg}); err != nil {
				t.Errorf("%s (%s): %v", c.name, name, err)
			}
		}
	}
}

// TestGenericIndexed runs the provKernels on the Vulkan device (lavapipe
// in CI): each reads one word through its generic address into a
// poisoned out[0], checked against the Go reference for several indices.
func TestGenericIndexed(t *testing.T) {
	ctx := openVulkan(t)
	for i, c := range provKernels {
		t.Run(c.name, func(t *testing.T) {
			mod, err := ctx.LoadModuleData(provSource(t, i))
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close()
			for _, idx := range c.idxs {
				var arg any = uint32(idx)
				if c.wide {
					arg = idx
				}
				if g, w := runWord(t, ctx, mod, "k", c.block, arg), c.want(idx); g != w {
					t.Errorf("idx %d: got %#x, want %#x", idx, g, w)
				}
			}
		})
	}
}
