package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/kernels"
	"github.com/streamhal/streamhal/ptx/cgen"
	"github.com/streamhal/streamhal/ptx/spirvgen"
)

const buildUsage = `usage: streamhal build [-o FILE.fat] [-arch sm_80,sm_90,...] [-amdgpu gfx90a,gfx942,...]
                       [-cpu=true] [-nvcc] [-I DIR] [-D NAME[=VALUE]] [-v] SOURCE.cu

build compiles one CUDA C++ source for every backend and bundles the results
in a streamhal fat module (load it with streaming.Device.LoadModuleFile, or
any backend's module loader):

  ptx      one entry per -arch, compiled by clang (CUDA mode, no CUDA
           toolkit needed), or by nvcc with -nvcc
  amdgpu   one code object per -amdgpu target, compiled by clang (HIP mode)
           and linked by ld.lld
  cpu-elf  the PTX translated to C (ptx/cgen) and compiled by the C compiler
           ($CC, else cc), for this machine's architecture (-cpu=false: none;
           the CPU backend then translates the PTX when it loads the module)

The Vulkan backend translates the PTX entry to SPIR-V when it loads the
module, for the device's features; build runs the same translator
(ptx/spirvgen) and warns about kernels the Vulkan backend would refuse.

clang compiles with -O3 and fuses multiplies and adds into fma as nvcc
does by default.

The source gets streamhal's device header (kernels/gpu/shal_gpu.h: CUDA's
device API without the toolkit) included first; declare kernels inside
extern "C" { ... } to launch them by their plain names. Compiler errors are
clang's (or nvcc's), naming SOURCE:LINE:COLUMN.

Compilers: clang 16 or newer (clang-19 and clang-16 are looked for in $PATH,
then clang; -clang names one), ld.lld of the same LLVM for AMDGPU targets,
gfx942 and newer need clang 17 or newer. When one is missing, build says
which Debian packages to install.
`

// buildOptions is the parsed command line of streamhal build.
type buildOptions struct {
	source   string
	out      string
	arches   []string
	amdgpu   []string
	cpu      bool
	nvcc     bool
	clang    string
	includes []string
	defines  []string
	verbose  bool
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

var (
	smRE  = regexp.MustCompile(`^sm_[0-9]{2,3}[af]?$`)
	gfxRE = regexp.MustCompile(`^gfx[0-9a-f]{3,4}(:[a-z]+[+-])*$`)
)

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runBuild(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("build", buildUsage, stderr)
	var o buildOptions
	var includes, defines listFlag
	fs.StringVar(&o.out, "o", "", "write the fat module to `file` (default: SOURCE with .fat for .cu)")
	arch := fs.String("arch", "sm_80", "comma-separated NVIDIA `architectures` for PTX (empty: none)")
	amd := fs.String("amdgpu", "gfx90a,gfx942", "comma-separated AMDGPU `targets` (empty: none)")
	fs.BoolVar(&o.cpu, "cpu", true, "add a cpu-elf entry for this machine, translated from the PTX")
	fs.BoolVar(&o.nvcc, "nvcc", false, "compile the PTX with nvcc (from $PATH) instead of clang")
	fs.StringVar(&o.clang, "clang", "", "the clang `binary` to use (default: clang-19, clang-16 or clang from $PATH)")
	fs.Var(&includes, "I", "add `dir` to the include path (repeatable)")
	fs.Var(&defines, "D", "define `name[=value]` for the preprocessor (repeatable)")
	fs.BoolVar(&o.verbose, "v", false, "print each compiler command")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want exactly one SOURCE.cu, got %d arguments", fs.NArg())
	}
	o.source = fs.Arg(0)
	o.arches, o.amdgpu = splitList(*arch), splitList(*amd)
	o.includes, o.defines = includes, defines
	for _, a := range o.arches {
		if !smRE.MatchString(a) {
			return usagef("-arch %s: want sm_XY (sm_70, sm_80, sm_90, ...)", a)
		}
	}
	for _, a := range o.amdgpu {
		if !gfxRE.MatchString(a) {
			return usagef("-amdgpu %s: want gfxNNN[:feature+|-] (gfx90a, gfx942, gfx1100, ...)", a)
		}
	}
	if len(o.arches) == 0 && (o.cpu || o.nvcc) {
		return usagef("-arch is empty, but the CPU entry (-cpu) and -nvcc need PTX")
	}
	if len(o.arches) == 0 && len(o.amdgpu) == 0 {
		return usagef("nothing to build: -arch and -amdgpu are both empty")
	}
	if o.out == "" {
		o.out = strings.TrimSuffix(o.source, filepath.Ext(o.source)) + ".fat"
	}
	if _, err := os.Stat(o.source); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	b := &builder{o: o, stdout: stdout, stderr: stderr}
	return b.run(context.Background())
}

// errCompilerMissing is wrapped by the errors of build when a compiler it
// needs is not installed; the message names the Debian packages.
var errCompilerMissing = errors.New("compiler not installed")

// errSourceRejected is wrapped by the errors of build when the compiler
// rejects the source; the message names the first error's file:line.
var errSourceRejected = errors.New("the compiler rejected the source")

// clangTool is one clang installation.
type clangTool struct {
	path  string // as found
	major int
	bin   string // the LLVM bin directory (symlinks resolved)
}

// findClangs returns the clang installations to use, newest first: the one
// -clang names, else clang-19, clang-18, clang-17, clang-16 and clang from
// $PATH.
func findClangs(ctx context.Context, named string) ([]clangTool, error) {
	var names []string
	if named != "" {
		names = []string{named}
	} else {
		names = []string{"clang-19", "clang-18", "clang-17", "clang-16", "clang"}
	}
	var out []clangTool
	seen := map[string]bool{}
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			if named != "" {
				return nil, fmt.Errorf("-clang %s: %v: %w", named, err, errCompilerMissing)
			}
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		cmd := exec.CommandContext(ctx, p, "--version")
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		v, err := cmd.Output()
		if err != nil {
			continue
		}
		m := regexp.MustCompile(`clang version ([0-9]+)\.`).FindSubmatch(v)
		if m == nil {
			continue
		}
		major, _ := strconv.Atoi(string(m[1]))
		if major < 16 {
			if named != "" {
				return nil, fmt.Errorf("-clang %s is clang %d; streamhal build needs clang 16 or newer (Debian: apt-get install clang-19 lld-19): %w", named, major, errCompilerMissing)
			}
			continue
		}
		out = append(out, clangTool{path: p, major: major, bin: filepath.Dir(real)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no clang 16 or newer in $PATH (looked for clang-19, clang-18, clang-17, clang-16, clang); "+
			"on Debian 12 or Ubuntu 24.04: apt-get install clang-19 lld-19 (or clang-16 lld-16): %w", errCompilerMissing)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].major > out[j].major })
	return out, nil
}

// builder runs one streamhal build.
type builder struct {
	o      buildOptions
	stdout io.Writer
	stderr io.Writer
	tmp    string // scratch directory: headers, outputs
	clangs []clangTool
}

func (b *builder) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "streamhal build: "+format+"\n", args...)
}

func (b *builder) run(ctx context.Context) (err error) {
	b.tmp, err = os.MkdirTemp("", "streamhal-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	inc := filepath.Join(b.tmp, "include")
	if err := os.Mkdir(inc, 0o755); err != nil {
		return err
	}
	for name, text := range kernels.GPUHeaders() {
		if err := os.WriteFile(filepath.Join(inc, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	if !b.o.nvcc || len(b.o.amdgpu) > 0 {
		if b.clangs, err = findClangs(ctx, b.o.clang); err != nil {
			return err
		}
	}

	var entries []modfile.FatEntry
	for _, arch := range b.o.arches {
		ptx, err := b.buildPTX(ctx, arch, inc)
		if err != nil {
			return err
		}
		entries = append(entries, modfile.FatEntry{Format: hal.FormatPTX, Target: arch, Data: ptx})
	}
	for _, gfx := range b.o.amdgpu {
		co, err := b.buildAMDGPU(ctx, gfx, inc)
		if err != nil {
			return err
		}
		entries = append(entries, modfile.FatEntry{Format: hal.FormatAMDGPU, Target: gfx, Data: co})
	}
	var ptx []byte
	var which string
	if len(b.o.arches) > 0 {
		fat, err := modfile.BuildFat(entries)
		if err != nil {
			return err
		}
		ptx, which, err = modfile.ExtractPTX(hal.FormatFat, fat, cgen.MaxPTX)
		if err != nil {
			return err
		}
		b.checkVulkan(ptx, which)
	}
	if b.o.cpu {
		e, err := b.buildCPU(ctx, ptx, which)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	fat, err := modfile.BuildFat(entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.o.out, fat, 0o644); err != nil {
		return err
	}
	var kernelNames []string
	if len(entries) > 0 {
		if m, err := modfile.Parse(entries[0].Format, entries[0].Data); err == nil {
			for _, k := range m.Kernels {
				kernelNames = append(kernelNames, k.Name)
			}
		}
	}
	targets := make([]string, len(entries))
	for i, e := range entries {
		targets[i] = string(e.Format) + " " + e.Target
	}
	fmt.Fprintf(b.stdout, "%s: %d bytes; %s; kernels: %s\n", b.o.out, len(fat), strings.Join(targets, ", "), strings.Join(kernelNames, " "))
	return nil
}

// commonFlags are the preprocessor flags of every compilation.
func (b *builder) commonFlags(inc string) []string {
	f := []string{"-I", inc}
	for _, d := range b.o.includes {
		f = append(f, "-I", d)
	}
	for _, d := range b.o.defines {
		f = append(f, "-D"+d)
	}
	return append(f, "-include", kernels.GPUHeaderName)
}

// clangFor returns the clang to use for an AMDGPU target (gfx94x, gfx95x,
// gfx115x and gfx12xx need clang 17 or newer) or, with gfx "", for PTX.
func (b *builder) clangFor(gfx string) (clangTool, error) {
	need := 16
	for _, p := range []string{"gfx94", "gfx95", "gfx115", "gfx12"} {
		if strings.HasPrefix(gfx, p) {
			need = 17
		}
	}
	for _, c := range b.clangs {
		if c.major >= need {
			return c, nil
		}
	}
	return clangTool{}, fmt.Errorf("%s needs clang %d or newer; found only clang %d (%s); on Debian: apt-get install clang-19 lld-19: %w",
		gfx, need, b.clangs[0].major, b.clangs[0].path, errCompilerMissing)
}

func (b *builder) buildPTX(ctx context.Context, arch, inc string) ([]byte, error) {
	out := filepath.Join(b.tmp, arch+".ptx")
	var argv []string
	var env []string
	tool := ""
	if b.o.nvcc {
		p, err := exec.LookPath("nvcc")
		if err != nil {
			return nil, fmt.Errorf("-nvcc: nvcc is not in $PATH (it comes with the CUDA toolkit; Debian: apt-get install nvidia-cuda-toolkit): %w", errCompilerMissing)
		}
		tool = "nvcc"
		argv = append([]string{p, "-ptx", "-O3", "-arch=" + strings.Replace(arch, "sm_", "compute_", 1)}, b.commonFlags(inc)...)
		argv = append(argv, "-o", out, "-x", "cu", b.o.source)
	} else {
		c, err := b.clangFor("")
		if err != nil {
			return nil, err
		}
		tool = filepath.Base(c.path)
		// +ptx70: PTX ISA 7.0 builtins (redux.sync, cvt.bf16) without a
		// CUDA installation to tell clang its version.
		argv = append([]string{c.path, "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib",
			"--cuda-gpu-arch=" + arch, "--cuda-feature=+ptx70", "-S", "-O3", "-Wall", "-Wno-unknown-cuda-version"}, b.commonFlags(inc)...)
		argv = append(argv, "-o", out, b.o.source)
	}
	if err := b.exec(ctx, tool+" for "+arch, argv, env); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

func (b *builder) buildAMDGPU(ctx context.Context, gfx, inc string) ([]byte, error) {
	c, err := b.clangFor(gfx)
	if err != nil {
		return nil, err
	}
	// clang runs ld.lld from its own directory or $PATH.
	var env []string
	if _, err := os.Stat(filepath.Join(c.bin, "ld.lld")); err != nil {
		lld := fmt.Sprintf("ld.lld-%d", c.major)
		p, err := exec.LookPath(lld)
		if err != nil {
			if p, err = exec.LookPath("ld.lld"); err != nil {
				return nil, fmt.Errorf("AMDGPU target %s: no ld.lld for clang %d (looked in %s and $PATH for %s and ld.lld); on Debian: apt-get install lld-%d: %w",
					gfx, c.major, c.bin, lld, c.major, errCompilerMissing)
			}
		}
		dir := filepath.Join(b.tmp, "lld")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(p, filepath.Join(dir, "ld.lld")); err != nil && !os.IsExist(err) {
			return nil, err
		}
		env = []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}
	} else {
		env = []string{"PATH=" + c.bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	}
	out := filepath.Join(b.tmp, strings.ReplaceAll(gfx, ":", "_")+".hsaco")
	argv := append([]string{c.path, "-x", "hip", "--cuda-device-only", "-nogpulib", "-nogpuinc", "--no-gpu-bundle-output",
		"-mcode-object-version=5", "-fuse-cuid=none", "--offload-arch=" + gfx, "-O3", "-Wall"}, b.commonFlags(inc)...)
	argv = append(argv, "-o", out, b.o.source)
	if err := b.exec(ctx, filepath.Base(c.path)+" for "+gfx, argv, env); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// diagRE matches a compiler's first error line: FILE:LINE:COL: error: MSG
// (clang) or FILE(LINE): error: MSG (nvcc).
var diagRE = regexp.MustCompile(`(?m)^(.+?)(?::(\d+):(\d+)|\((\d+)\)): (?:fatal )?error: (.*)$`)

// exec runs a compiler; its messages go to stderr, and a failure returns an
// error naming the first error's position.
func (b *builder) exec(ctx context.Context, what string, argv, env []string) error {
	if b.o.verbose {
		fmt.Fprintln(b.stderr, strings.Join(argv, " "))
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), "LC_ALL=C"), env...)
	var msgs bytes.Buffer
	cmd.Stdout = &msgs
	cmd.Stderr = &msgs
	err := cmd.Run()
	b.stderr.Write(msgs.Bytes())
	if err == nil {
		return nil
	}
	if m := diagRE.FindSubmatch(msgs.Bytes()); m != nil {
		line, col := string(m[2]), string(m[3])
		if line == "" {
			line = string(m[4])
		}
		pos := string(m[1]) + ":" + line
		if col != "" {
			pos += ":" + col
		}
		return fmt.Errorf("%s: %s (%s): %w", pos, m[5], what, errSourceRejected)
	}
	return fmt.Errorf("%s failed: %v: %w", what, err, errSourceRejected)
}

// buildCPU translates the PTX to C and compiles it for this machine.
func (b *builder) buildCPU(ctx context.Context, ptx []byte, which string) (modfile.FatEntry, error) {
	var terr error
	opts := kbuild.Options{
		Flags: cgen.CFlags,
		Logf:  func(level int, format string, args ...any) { b.logf(format, args...) },
	}
	lib, _, err := kbuild.BuildFrom(ctx, kbuild.PTXKey(ptx, cgen.BuildID), func() ([]byte, error) {
		res, err := cgen.Translate(ptx, cgen.Options{})
		if err != nil {
			terr = err
			return nil, err
		}
		return res.C, nil
	}, opts)
	switch {
	case terr != nil:
		return modfile.FatEntry{}, fmt.Errorf("cpu: the PTX translator (ptx/cgen) refuses the PTX of %s (%s; -cpu=false leaves the CPU entry out): %w", which, terr, terr)
	case errors.Is(err, hal.ErrNotSupported):
		return modfile.FatEntry{}, fmt.Errorf("cpu: %v (Debian: apt-get install gcc; or -cpu=false): %w", err, errCompilerMissing)
	case err != nil:
		return modfile.FatEntry{}, fmt.Errorf("cpu: compile the C translated from %s: %w", which, err)
	}
	info, err := modfile.ParseCPUELF(lib)
	if err != nil {
		return modfile.FatEntry{}, fmt.Errorf("cpu: %w", err)
	}
	return modfile.FatEntry{Format: hal.FormatCPUELF, Target: info.Arch, Data: lib}, nil
}

// vulkanCheckTarget is a Vulkan device with every feature the translator
// can use: a kernel refused for it is refused on every device.
var vulkanCheckTarget = spirvgen.Target{
	Float64: true, Int8: true, Int16: true, StorageBuffer8: true, StorageBuffer16: true,
	BufferInt64Atomics: true, SharedInt64Atomics: true, BufferFloat32AtomicAdd: true,
	BufferFloat64AtomicAdd: true, SubgroupClock: true, DeviceClock: true,
	MemoryModelDeviceScope: true, Subgroup32: true, FusedFMA32: true, FusedFMA64: true,
	MaxPushConstants: 256, MaxSharedBytes: 65536,
}

// checkVulkan translates the PTX as the Vulkan backend will and warns
// when it refuses the module.
func (b *builder) checkVulkan(ptx []byte, which string) {
	if _, err := spirvgen.Translate(ptx, spirvgen.Options{Target: vulkanCheckTarget}); err != nil {
		b.logf("warning: the Vulkan backend will not load this module (PTX of %s): %v", which, err)
	}
}
