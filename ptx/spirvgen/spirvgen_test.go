package spirvgen_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/internal/spirv/spirvtest"
	"github.com/streamhal/streamhal/ptx"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

// lavapipe is the Target of Mesa 22.3's lavapipe (what CI runs on): no
// fused fma, 8-wide subgroups, no f64 atomics.
var lavapipe = spirvgen.Target{Float64: true, Int8: true, Int16: true, StorageBuffer8: true, StorageBuffer16: true,
	BufferInt64Atomics: true, SharedInt64Atomics: true, BufferFloat32AtomicAdd: true, SubgroupClock: true, DeviceClock: true,
	MemoryModelDeviceScope: true, MaxPushConstants: 128, MaxSharedBytes: 32768}

// targets are the device descriptions the corpus is translated for.
var targets = map[string]spirvgen.Target{
	"lavapipe": lavapipe,
	"full":     spirvgen.FullTarget(), // native subgroups, fused fma: the H100's path
}

// corpusPTX lists the corpus's PTX files and the project's test kernels.
func corpusPTX(t *testing.T) []string {
	t.Helper()
	td, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := filepath.Glob(filepath.Join(td, "ptx", "*.ptx"))
	fs = append(fs, filepath.Join(td, "test_kernels.sm_80.ptx"), filepath.Join(td, "vector_add.sm_80.ptx"))
	if extra := os.Getenv("STREAM_HAL_CORPUS_DIRS"); extra != "" {
		for _, d := range strings.Split(extra, ":") {
			m, _ := filepath.Glob(filepath.Join(d, "*.ptx"))
			fs = append(fs, m...)
		}
	}
	sort.Strings(fs)
	if len(fs) < 10 {
		t.Fatalf("only %d PTX files in %s", len(fs), td)
	}
	return fs
}

// knownRefusals are the corpus modules the translator refuses on every
// Vulkan device, with what the refusal names: coop_grid's and gridsync's
// kernels synchronise the whole grid through the workspace the CUDA
// runtime passes in %envreg (cooperative launch), which Vulkan has no way
// to do.
var knownRefusals = map[string]string{
	"coop_grid": "%envreg",
	"gridsync":  "%envreg",
}

// TestCorpusValidates translates every corpus module for every target
// and runs spirv-val (Vulkan 1.2 environment) on the result: the
// translator's own validation is not the last word.
func TestCorpusValidates(t *testing.T) {
	spirvtest.Tool(t, "spirv-val")
	for _, f := range corpusPTX(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, tg := range targets {
			t.Run(filepath.Base(f)+"/"+name, func(t *testing.T) {
				t.Parallel()
				res, err := spirvgen.Translate(src, spirvgen.Options{Target: tg})
				if why, ok := knownRefusals[strings.SplitN(filepath.Base(f), ".", 2)[0]]; ok {
					if err == nil || !errors.Is(err, ptx.ErrUnsupported) || !strings.Contains(err.Error(), why) {
						t.Fatalf("translate: got %v, want the refusal naming %s", err, why)
					}
					t.Skipf("refused as expected: %v", err)
				}
				if err != nil {
					t.Fatalf("translate: %v", err)
				}
				if err := spirvtest.ValidateErr(res.SPIRV, "vulkan1.2"); err != nil {
					t.Errorf("%v", err)
				}
				if len(res.Kernels) == 0 {
					t.Errorf("no kernels")
				}
			})
		}
	}
}

const kernelHead = ".version 7.8\n.target sm_80\n.address_size 64\n"

func translate(t *testing.T, body string, tg spirvgen.Target) (*spirvgen.Result, error) {
	t.Helper()
	return spirvgen.Translate([]byte(kernelHead+body), spirvgen.Options{Target: tg})
}

// TestMissingFeatures: a kernel that needs what the device lacks is
// refused with the Vulkan feature's name, the instruction and its line.
func TestMissingFeatures(t *testing.T) {
	cases := []struct {
		name, body, feature string
		tg                  spirvgen.Target
	}{
		{"f64", `.visible .entry k(.param .u64 p) { .reg .f64 %d<3>; .reg .b64 %r; ld.param.u64 %r, [p]; ld.global.f64 %d1, [%r]; add.f64 %d2, %d1, %d1; st.global.f64 [%r], %d2; ret; }`,
			"shaderFloat64", spirvgen.Target{Int16: true}},
		{"atom64", `.visible .entry k(.param .u64 p) { .reg .b64 %r, %v; ld.param.u64 %r, [p]; atom.global.add.u64 %v, [%r], 1; ret; }`,
			"shaderBufferInt64Atomics", spirvgen.Target{}},
		{"u8 store", `.visible .entry k(.param .u64 p) { .reg .b64 %r; .reg .b16 %h; ld.param.u64 %r, [p]; mov.u16 %h, 7; st.global.u8 [%r], %h; ret; }`,
			"storageBuffer8BitAccess", spirvgen.Target{Int16: true}},
		{"i16", `.visible .entry k(.param .u64 p) { .reg .b64 %r; .reg .b16 %h; ld.param.u64 %r, [p]; mov.u16 %h, 7; ret; }`,
			"shaderInt16", spirvgen.Target{}},
		{"clock", `.visible .entry k(.param .u64 p) { .reg .b64 %r, %c; ld.param.u64 %r, [p]; mov.u64 %c, %clock64; st.global.u64 [%r], %c; ret; }`,
			"shaderSubgroupClock", spirvgen.Target{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := translate(t, c.body, c.tg)
			if !errors.Is(err, spirvgen.ErrMissingFeature) || !errors.Is(err, ptx.ErrUnsupported) {
				t.Fatalf("got %v, want an error wrapping ErrMissingFeature", err)
			}
			if !strings.Contains(err.Error(), c.feature) || !strings.Contains(err.Error(), "line ") {
				t.Errorf("%q does not name %s and the line", err, c.feature)
			}
		})
	}
}

// TestRefusals: what the translator cannot do is a clear error, never a
// module.
func TestRefusals(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"recursion", `.func f(.param .u32 a) { .reg .b32 %r; ld.param.u32 %r, [a]; { .param .u32 q; st.param.u32 [q], %r; call f, (q); } ret; }
.visible .entry k() { { .param .u32 q; st.param.u32 [q], 1; call f, (q); } ret; }`, "recursion"},
		{"irreducible", `.visible .entry k(.param .u32 n) { .reg .pred %p; .reg .b32 %r; ld.param.u32 %r, [n]; setp.eq.u32 %p, %r, 0; @%p bra B;
A: add.u32 %r, %r, 1; setp.lt.u32 %p, %r, 9; @%p bra B; ret;
B: add.u32 %r, %r, 2; setp.lt.u32 %p, %r, 9; @%p bra A; ret; }`, "irreducible"},
		{"ambiguous generic", `.visible .entry k(.param .u64 p, .param .u32 c) { .shared .b32 s[4]; .reg .pred %q; .reg .b32 %r; .reg .b64 %a, %b, %g;
ld.param.u64 %g, [p]; ld.param.u32 %r, [c]; setp.eq.u32 %q, %r, 0; mov.u64 %a, s; cvta.shared.u64 %a, %a; selp.b64 %b, %a, %g, %q; st.u32 [%b], 1; ret; }`, "generic address"},
		// The same select, plus an index: an index does not choose the
		// space.
		{"ambiguous generic plus index", `.visible .entry k(.param .u64 p, .param .u32 c) { .shared .b32 s[4]; .reg .pred %q; .reg .b32 %r; .reg .b64 %a, %b, %g, %i;
ld.param.u64 %g, [p]; ld.param.u32 %r, [c]; setp.eq.u32 %q, %r, 0; mov.u64 %a, s; cvta.shared.u64 %a, %a; selp.b64 %b, %a, %g, %q; mul.wide.u32 %i, %r, 4; add.s64 %b, %b, %i; st.u32 [%b], 1; ret; }`,
			"the generic address in %b may point to global, shared memory: a generic access must resolve to one state space"},
		// A 64-bit value loaded from memory used as the address itself,
		// in a kernel that stores a shared address to memory.
		{"loaded address after an escape", `.visible .entry k(.param .u64 p) { .shared .b32 s[4]; .reg .b64 %a, %g, %x;
ld.param.u64 %g, [p]; cvta.to.global.u64 %g, %g; mov.u64 %a, s; cvta.shared.u64 %a, %a; st.global.u64 [%g], %a; ld.global.u64 %x, [%g]; st.u32 [%x], 1; ret; }`,
			"the generic address in %x was loaded from memory, and the kernel stores non-global addresses to memory"},
		// An integer computed from a shared address (its low bits) added to
		// a loaded pointer: either may be the address.
		{"address bits plus loaded pointer", `.visible .entry k(.param .u64 p) { .shared .b32 s[4]; .reg .b64 %a, %g, %m, %x;
ld.param.u64 %g, [p]; mov.u64 %a, s; cvta.shared.u64 %a, %a; and.b64 %m, %a, 15; add.s64 %x, %g, %m; st.u32 [%x], 1; ret; }`,
			"the generic address in %x may point to global, shared memory"},
		{"envreg", `.visible .entry k(.param .u64 p) { .reg .b32 %r; .reg .b64 %a; ld.param.u64 %a, [p]; mov.u32 %r, %envreg1; st.global.u32 [%a], %r; ret; }`, "envreg"},
		{"too many args", `.visible .entry k(.param .align 8 .b8 big[256]) { ret; }`, "maxPushConstantsSize"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := translate(t, c.body, lavapipe)
			if err == nil {
				t.Fatalf("translated (%d bytes), want an error about %s", len(res.SPIRV), c.want)
			}
			if !errors.Is(err, ptx.ErrInvalidPTX) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an ErrInvalidPTX error about %q", err, c.want)
			}
		})
	}
}

// TestKernelMetadata: parameters at their C offsets, the grid's place in
// the push constants, shared memory sizes and the scheduler's use.
func TestKernelMetadata(t *testing.T) {
	res, err := translate(t, `.extern .shared .align 16 .b8 dyn[];
.visible .entry k(.param .u64 a, .param .u32 b, .param .f64 c) {
	.shared .align 4 .b8 s[100];
	.reg .b32 %r<4>; .reg .b64 %x; .reg .pred %p;
	ld.param.u64 %x, [a];
	mov.u32 %r1, %nctaid.x;
	mov.u32 %r2, %tid.x;
	st.shared.u32 [s], %r1;
	st.shared.u32 [dyn], %r1;
	setp.eq.u32 %p, %r2, 0;
	@%p bra DONE;
	bar.sync 0;
DONE:
	ret;
}`, lavapipe)
	if err != nil {
		t.Fatal(err)
	}
	k := res.Kernels[0]
	if len(k.Params) != 3 || k.Params[0].Offset != 0 || k.Params[1].Offset != 8 || k.Params[2].Offset != 16 || k.ArgsSize != 24 {
		t.Errorf("params %+v, args size %d: want offsets 0, 8, 16 and 24 bytes", k.Params, k.ArgsSize)
	}
	if k.GridOffset != 24 || k.PushSize != 36 {
		t.Errorf("grid at %d, push size %d: want 24 and 36", k.GridOffset, k.PushSize)
	}
	if !k.DynamicShared || k.StaticShared < 112 {
		t.Errorf("dynamic %v, static %d: want dynamic shared memory after 112 static bytes", k.DynamicShared, k.StaticShared)
	}
	if !k.Scheduled || k.SharedPerThread == 0 {
		t.Errorf("scheduled %v (%d bytes per thread): a barrier after a divergent exit needs the scheduler", k.Scheduled, k.SharedPerThread)
	}
}

// TestGlobalsLayout: .global and .const variables, their initial bytes
// and address relocations.
func TestGlobalsLayout(t *testing.T) {
	res, err := translate(t, `.global .align 4 .u32 g[2] = {1, 2};
.const .align 8 .u64 tab[2] = {g, generic(g)+4};
.visible .entry k(.param .u64 p) { .reg .b64 %a, %v; ld.param.u64 %a, [p]; ld.const.u64 %v, [tab+8]; st.global.u64 [%a], %v; ret; }`, lavapipe)
	if err != nil {
		t.Fatal(err)
	}
	gl := res.Globals
	if len(gl.Vars) != 2 || gl.Vars[0].Name != "g" || gl.Vars[1].Name != "tab" || gl.Vars[1].Offset != 8 {
		t.Fatalf("vars %+v", gl.Vars)
	}
	if gl.Init[0] != 1 || gl.Init[4] != 2 {
		t.Errorf("initial bytes %v", gl.Init[:8])
	}
	if len(gl.Relocs) != 2 || gl.Relocs[0].Offset != 8 || gl.Relocs[0].Target != 0 || gl.Relocs[1].Target != 4 || gl.Relocs[1].Func {
		t.Errorf("relocations %+v", gl.Relocs)
	}
}
