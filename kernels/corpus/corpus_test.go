package corpus_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/kernels/corpus"
	"github.com/streamhal/streamhal/streaming"
)

// Environment the corpus tests read, besides STREAM_HAL_TEST_TARGET,
// STREAM_HAL_TESTDATA and STREAM_HAL_REQUIRE:
//
//   - STREAM_HAL_CORPUS_DIRS: more directories (colon-separated) holding
//     corpus builds (the nvcc ones from kernels/corpus/nvcc.sh), searched
//     after testdata/ptx.
//   - STREAM_HAL_CORPUS_FILTER: a regular expression; only variants
//     (BUILD.ARCH.EXT) and cases whose "variant/case" matches run.
//
// STREAM_HAL_REQUIRE names (comma-separated, or "all"):
//   - <backend>-ptx (cpu-ptx, vulkan-ptx, ...): the backend under test must
//     load PTX; without it a backend that lists no hal.FormatPTX is
//     skipped. A backend that lists PTX is never skipped.
//   - <backend>-fatbin: the same for nvcc's fatbins.
//   - corpus-nvcc: the nvcc builds must be present.
//   - cuda: TestCorpusCrossBackend must find a CUDA device.
const (
	envDirs   = "STREAM_HAL_CORPUS_DIRS"
	envFilter = "STREAM_HAL_CORPUS_FILTER"
)

func corpusDirs(t testing.TB) []string {
	t.Helper()
	td, err := haltest.TestdataDir()
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(td, "ptx")}
	for _, d := range strings.Split(os.Getenv(envDirs), ":") {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

func corpusFiles(t testing.TB) []corpus.File {
	t.Helper()
	fs, err := corpus.Files(corpusDirs(t)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatalf("no corpus files in %v (kernels/corpus/build.sh writes testdata/ptx)", corpusDirs(t))
	}
	return fs
}

// variants groups files by variant, in order.
func variants(fs []corpus.File) ([]string, map[string]map[string]corpus.File) {
	byVar := map[string]map[string]corpus.File{}
	var names []string
	for _, f := range fs {
		v := f.Variant()
		if byVar[v] == nil {
			byVar[v] = map[string]corpus.File{}
			names = append(names, v)
		}
		byVar[v][f.Module] = f
	}
	sort.Strings(names)
	return names, byVar
}

func filter(t testing.TB) *regexp.Regexp {
	t.Helper()
	s := os.Getenv(envFilter)
	if s == "" {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", envFilter, s, err)
	}
	return re
}

func hasFormat(fs []hal.Format, f hal.Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// skipFormat skips (or, under STREAM_HAL_REQUIRE=<backend>-<format>,
// fails) when dev does not list the variant's format. A device that lists
// the format is always tested.
func skipFormat(t *testing.T, dev *streaming.Device, f corpus.File) {
	t.Helper()
	if hasFormat(dev.HAL().Formats(), f.Format) {
		return
	}
	req := dev.Backend() + "-" + string(f.Format)
	msg := fmt.Sprintf("%s loads %v, not %s modules: the %s backend does not run %s yet", dev.Name(), dev.HAL().Formats(), f.Format, dev.Backend(), f.Format)
	if haltest.Require(req) {
		t.Fatalf("STREAM_HAL_REQUIRE=%s: %s", req, msg)
	}
	t.Skipf("%s (set STREAM_HAL_REQUIRE=%s to make this a failure)", msg, req)
}

// skipArch skips files a GPU cannot JIT: PTX for a newer architecture.
func skipArch(t *testing.T, dev *streaming.Device, f corpus.File) {
	t.Helper()
	if dev.Backend() != "cuda" {
		return
	}
	major, minor := dev.ComputeCapability()
	if cc := major*10 + minor; cc < f.SM() {
		t.Skipf("%s is compute capability %d.%d; %s targets %s", dev.Name(), major, minor, f.Path, f.Arch)
	}
}

func openTarget(t *testing.T) (*streaming.Runtime, *streaming.Device, *streaming.Context) {
	t.Helper()
	backend := os.Getenv(streaming.EnvTestTarget)
	if backend == "" {
		backend = "cpu"
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{backend}})
	haltest.SkipUnavailable(t, backend, err)
	dev := rt.Default()
	ctx, err := dev.PrimaryContext()
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := rt.LiveAllocations(); n != 0 {
			t.Errorf("%d allocations leaked", n)
		}
		if err := dev.PrimaryContextRelease(); err != nil {
			t.Errorf("PrimaryContextRelease: %v", err)
		}
		if err := rt.Close(); err != nil {
			t.Errorf("runtime Close: %v", err)
		}
	})
	return rt, dev, ctx
}

func loadFile(t *testing.T, ctx *streaming.Context, f corpus.File) *streaming.Module {
	t.Helper()
	data, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ctx.LoadModuleData(data)
	if err != nil {
		t.Fatalf("load %s: %v", f.Path, err)
	}
	t.Cleanup(func() {
		if err := mod.Close(); err != nil {
			t.Errorf("module Close: %v", err)
		}
	})
	return mod
}

// runCase loads the case's module afresh (globals start from their
// initializers), executes and returns the result.
func runCase(t *testing.T, ctx *streaming.Context, f corpus.File, run *corpus.Run) *corpus.Result {
	t.Helper()
	mod := loadFile(t, ctx, f)
	res, err := corpus.Execute(ctx, mod, run)
	if err != nil {
		t.Fatalf("%s on %s: %v", filepath.Base(f.Path), ctx.Device().Name(), err)
	}
	return res
}

func checkNVCCPresent(t *testing.T, fs []corpus.File) {
	for _, f := range fs {
		if f.NVCC() {
			return
		}
	}
	var only []string
	for _, c := range corpus.Cases() {
		if c.NVCCOnly {
			only = append(only, c.Name)
		}
	}
	msg := fmt.Sprintf("no nvcc builds in %v: the nvcc variants and the nvcc-only cases %v did not run (kernels/corpus/nvcc.sh makes them on a machine with the CUDA toolkit; untar them into testdata/ptx or name their directory in %s)",
		corpusDirs(t), only, envDirs)
	if haltest.Require("corpus-nvcc") {
		t.Error("STREAM_HAL_REQUIRE=corpus-nvcc: " + msg)
		return
	}
	t.Log(msg)
}

// TestCorpus runs every case of every corpus build on the backend under
// test (STREAM_HAL_TEST_TARGET, default cpu) and compares with the Go
// references. Subtests are VARIANT/CASE.
func TestCorpus(t *testing.T) {
	fs := corpusFiles(t)
	checkNVCCPresent(t, fs)
	_, dev, ctx := openTarget(t)
	re := filter(t)
	names, byVar := variants(fs)
	for _, v := range names {
		mods := byVar[v]
		var any corpus.File
		for _, f := range mods {
			any = f
			break
		}
		t.Run(v, func(t *testing.T) {
			skipFormat(t, dev, any)
			skipArch(t, dev, any)
			for _, c := range corpus.Cases() {
				f, ok := mods[c.Module]
				if !ok {
					continue
				}
				if re != nil && !re.MatchString(v+"/"+c.Name) {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					run := c.Build()
					if run.Cooperative && !dev.HAL().Info().CooperativeLaunch {
						// Grid-wide sync needs every block resident at once;
						// a backend without cooperative launches (Vulkan)
						// refuses the kernel when it loads.
						t.Skipf("%s needs a cooperative launch, which %s does not support", c.Name, dev.Name())
					}
					res := runCase(t, ctx, f, run)
					if err := run.Verify(res); err != nil {
						if c.F32Subnormals && flushesF32Subnormals(t, ctx) {
							t.Skipf("%s on %s, which flushes f32 subnormals (no shaderDenormPreserveFloat32; the README's documented deviation):\n%v", c.Name, dev.Name(), err)
						}
						t.Errorf("%s (%s) on %s:\n%v", c.Name, filepath.Base(f.Path), dev.Name(), err)
					}
				})
			}
		})
	}
}

// TestCorpusCrossBackend runs every case on the CPU and on a CUDA device
// of one runtime and compares the two outputs with each other (bit for bit
// where the comparison rule is exact, both within the bound where it is an
// interval) as well as each with the reference. It needs both backends and
// a CPU backend that loads PTX: it skips without them unless
// STREAM_HAL_REQUIRE names cuda (and cpu-ptx).
func TestCorpusCrossBackend(t *testing.T) {
	fs := corpusFiles(t)
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu", "cuda"}})
	if errors.Is(err, streaming.ErrNotFound) && !haltest.Require("cuda") {
		t.Skipf("no cuda driver in this build: %v", err)
	}
	haltest.SkipUnavailable(t, "cuda", err)
	t.Cleanup(func() {
		if err := rt.Close(); err != nil {
			t.Errorf("runtime Close: %v", err)
		}
	})
	var cpu, gpu *streaming.Device
	for _, d := range rt.Devices() {
		switch {
		case d.Backend() == "cpu" && cpu == nil:
			cpu = d
		case d.Backend() == "cuda" && gpu == nil:
			gpu = d
		}
	}
	if cpu == nil || gpu == nil {
		t.Fatalf("devices %v: want a cpu and a cuda device", rt.Devices())
	}
	cctx, err := cpu.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cctx.Close() })
	gctx, err := gpu.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gctx.Close() })
	re := filter(t)
	names, byVar := variants(fs)
	for _, v := range names {
		mods := byVar[v]
		var any corpus.File
		for _, f := range mods {
			any = f
			break
		}
		t.Run(v, func(t *testing.T) {
			skipFormat(t, cpu, any)
			skipFormat(t, gpu, any)
			skipArch(t, gpu, any)
			for _, c := range corpus.Cases() {
				f, ok := mods[c.Module]
				if !ok || (re != nil && !re.MatchString(v+"/"+c.Name)) {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					run := c.Build()
					rc := runCase(t, cctx, f, run)
					rg := runCase(t, gctx, f, run)
					if err := run.Verify(rc); err != nil {
						t.Errorf("cpu against the reference:\n%v", err)
					}
					if err := run.Verify(rg); err != nil {
						t.Errorf("%s against the reference:\n%v", gpu.Name(), err)
					}
					notes, err := run.CompareResults(rc, rg, "cpu", gpu.Name())
					if err != nil {
						t.Errorf("cpu against %s:\n%v", gpu.Name(), err)
					}
					for _, n := range notes {
						t.Log(n)
					}
				})
			}
		})
	}
}

// ---- structure: no device needed ----

var (
	entryRE = regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(([^)]*)\)`)
	// A parameter: .param [.align N] .TYPE [.ptr [.SPACE] [.align N]] NAME[[K]]
	// (nvcc marks pointers with .ptr).
	paramRE  = regexp.MustCompile(`\.param\s+(?:\.align\s+\d+\s+)?\.([usbf])(\d+)(?:\s+\.ptr)?(?:\s+\.(?:global|shared|const|local))?(?:\s+\.align\s+\d+)?\s+\w+(?:\[(\d+)\])?`)
	kernelRE = regexp.MustCompile(`(?m)^__global__ void (?:__launch_bounds__\([^)]*\) )?(\w+)\(`)
)

// ptxEntries returns each entry's parameter sizes.
func ptxEntries(text string) map[string][]int {
	out := map[string][]int{}
	for _, m := range entryRE.FindAllStringSubmatch(text, -1) {
		var sizes []int
		for _, p := range paramRE.FindAllStringSubmatch(m[2], -1) {
			bitsN := 0
			fmt.Sscan(p[2], &bitsN)
			size := bitsN / 8
			if p[3] != "" {
				n := 0
				fmt.Sscan(p[3], &n)
				size *= n
			}
			sizes = append(sizes, size)
		}
		out[m[1]] = sizes
	}
	return out
}

// TestCorpusCoverage checks the corpus's own consistency: every kernel of
// every source is launched by some case, every case's kernels exist in
// every build of its module with parameters of the sizes the case passes,
// and every source has its three clang builds.
func TestCorpusCoverage(t *testing.T) {
	cases := corpus.Cases()
	if len(cases) < 36 {
		t.Errorf("%d cases, want at least 36", len(cases))
	}
	launched := map[string]bool{} // module/kernel
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("case %s twice", c.Name)
		}
		seen[c.Name] = true
		for _, k := range c.Build().Kernels() {
			launched[c.Module+"/"+k] = true
		}
	}
	srcs, _ := filepath.Glob("*.cu")
	if len(srcs) == 0 {
		t.Log("kernels/corpus/*.cu not in the working directory: source checks skipped")
	}
	kernels := 0
	for _, src := range srcs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		mod := strings.TrimSuffix(src, ".cu")
		nvccOnly := strings.Contains(strings.SplitN(string(b), "\n", 2)[0], "corpus: nvcc-only")
		for _, m := range kernelRE.FindAllStringSubmatch(string(b), -1) {
			kernels++
			if !launched[mod+"/"+m[1]] {
				t.Errorf("%s: kernel %s is launched by no case", src, m[1])
			}
		}
		for _, c := range cases {
			if c.Module == mod && c.NVCCOnly != nvccOnly {
				t.Errorf("case %s: NVCCOnly %v, but %s says nvcc-only = %v", c.Name, c.NVCCOnly, src, nvccOnly)
			}
		}
	}
	if len(srcs) > 0 && kernels < 36 {
		t.Errorf("%d kernels in kernels/corpus, want at least 36", kernels)
	}
	fs := corpusFiles(t)
	builds := map[string]map[string]bool{} // module -> variant
	for _, f := range fs {
		if builds[f.Module] == nil {
			builds[f.Module] = map[string]bool{}
		}
		builds[f.Module][f.Variant()] = true
		if f.Format != hal.FormatPTX {
			continue
		}
		text, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		entries := ptxEntries(string(text))
		for _, c := range cases {
			if c.Module != f.Module {
				continue
			}
			for _, l := range c.Build().Launches {
				sizes, ok := entries[l.Kernel]
				if !ok {
					t.Errorf("%s: no entry %s (case %s)", f.Path, l.Kernel, c.Name)
					continue
				}
				if len(sizes) != len(l.Args) {
					t.Errorf("%s: %s has %d parameters, case %s passes %d", f.Path, l.Kernel, len(sizes), c.Name, len(l.Args))
					continue
				}
				for k, a := range l.Args {
					if corpus.ArgSize(a) != sizes[k] {
						t.Errorf("%s: %s parameter %d is %d bytes, case %s passes %T", f.Path, l.Kernel, k, sizes[k], c.Name, a)
					}
				}
			}
		}
	}
	for _, c := range cases {
		if c.NVCCOnly {
			continue
		}
		for _, v := range []string{"clang16.sm_80.ptx", "clang19.sm_80.ptx", "clang19.sm_90.ptx"} {
			if !builds[c.Module][v] {
				t.Errorf("case %s: no %s.%s", c.Name, c.Module, v)
			}
		}
	}
}

// TestCorpusBuildsDeterministic: a case builds the same inputs every time
// (the PRNG is seeded by the name), so the CPU and the GPU see the same
// data and failures reproduce.
func TestCorpusBuildsDeterministic(t *testing.T) {
	for _, c := range corpus.Cases() {
		a, b := c.Build(), c.Build()
		for i := range a.Buffers {
			x, y := a.Buffers[i], b.Buffers[i]
			if x.In == nil {
				continue
			}
			if fmt.Sprint(x.In) != fmt.Sprint(y.In) {
				t.Errorf("%s: buffer %s differs between two builds", c.Name, x.Name)
			}
		}
	}
}

// The coverage test's entry parser reads clang's and nvcc's parameter
// declarations alike.
func TestPTXEntryParsing(t *testing.T) {
	text := `.visible .entry k(
	.param .u64 .ptr .align 1 k_param_0,
	.param .u64 .ptr .global .align 4 k_param_1,
	.param .u32 k_param_2,
	.param .align 8 .b8 k_param_3[16],
	.param .f64 k_param_4
)
.visible .entry empty()
`
	got := ptxEntries(text)
	if want := []int{8, 8, 4, 16, 8}; fmt.Sprint(got["k"]) != fmt.Sprint(want) {
		t.Errorf("k: parameter sizes %v, want %v", got["k"], want)
	}
	if p, ok := got["empty"]; !ok || len(p) != 0 {
		t.Errorf("empty: %v, %v", p, ok)
	}
}
