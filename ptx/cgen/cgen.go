package cgen

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/kernels"
	"github.com/streamhal/streamhal/ptx"
)

// Version identifies the translator's output. It changes whenever the C
// produced for some input changes, so it belongs in the key of any cache
// of compiled libraries.
const Version = "ptxc-12"

// BuildID is Version and a hash of the C runtime the translator embeds in
// every module (kernels/shal_printf.h, prelude.h, pragmas.h): caches of compiled libraries that
// key on the PTX rather than on the C source (kbuild.BuildFrom) key on it,
// so an edit to the runtime without a new Version still builds anew.
var BuildID = func() string {
	h := sha256.New()
	h.Write([]byte(kernels.PrintfC()))
	h.Write([]byte(prelude))
	h.Write([]byte(pragmas))
	return fmt.Sprintf("%s+%x", Version, h.Sum(nil)[:8])
}()

// MaxPTX is the newest PTX ISA version the translator knows (9.0, CUDA
// 13.0's). Among several PTX modules of a container it picks the newest one
// up to this version (modfile.ExtractPTX); newer PTX is still translated
// when it is all there is, and refused instruction by instruction where
// the translator does not know it.
var MaxPTX = modfile.PTXVersion{Major: 9, Minor: 0}

//go:embed prelude.h
var prelude string

//go:embed pragmas.h
var pragmas string

// CFlags are the flags the generated C must be compiled with, besides an
// optimization level, -fPIC and -shared: C11, no floating-point
// contraction (a PTX mul followed by an add must not become a fused
// multiply-add), and libm for the math helpers.
var CFlags = []string{"-std=c11", "-ffp-contract=off", "-fno-strict-aliasing", "-fvisibility=hidden"}

// LDFlags are the link flags the generated library needs.
var LDFlags = []string{"-lm"}

// Options configure Translate. The zero value is ready to use.
type Options struct {
	// Dump, when set, receives the IR after each pass (checking, inlining,
	// CFG and liveness), for debugging the translator.
	Dump io.Writer
}

// Param is one kernel parameter in the packed argument buffer.
type Param struct {
	Offset  uint32
	Size    uint32
	Pointer bool // the kernel dereferences it as a global address
}

// KernelInfo describes one translated kernel, as its entry in the
// generated library table does.
type KernelInfo struct {
	Name        string
	Symbol      string // the exported C entry point
	Params      []Param
	ArgsSize    uint32
	MaxThreads  uint32 // .maxntid/.reqntid product, 0 if none
	SharedBytes uint32 // static shared memory
	// Sync reports a kernel cut at barriers or warp operations (run by
	// the block scheduler); false means a plain per-thread loop.
	Sync bool
	// Coresident reports a kernel that reads the grid workspace of a
	// cooperative launch (%envreg1/%envreg2: cooperative groups'
	// grid.sync): its table row carries SHAL_KERNEL_FLAG_CORESIDENT, so a
	// cooperative launch runs every block at once.
	Coresident bool
	// Guard1D reports a kernel with the 1-D guard (ptx/cgen/guard.go):
	// for 1-D blocks its entry runs the threads below the bound in a loop
	// the C compiler can vectorize.
	Guard1D bool
	// WorkItemLoops reports a kernel whose only sync points are block-wide
	// barriers, run region by region as loops over the block's threads
	// (see "Work-item loops" in the package doc).
	WorkItemLoops bool
}

// GlobalInfo is a module-scope .global or .const variable.
type GlobalInfo struct {
	Name string
	Size uint64
}

// Result is a translated module.
type Result struct {
	// C is one self-contained translation unit (the ABI header included)
	// that compiles into a CPU kernel library.
	C       []byte
	Kernels []KernelInfo
	Globals []GlobalInfo
}

// ErrUnsupported is wrapped by errors about PTX the translator refuses.
var ErrUnsupported = ptx.ErrUnsupported

// Translate translates a PTX module into C for the CPU kernel library ABI.
// Invalid or unsupported PTX is an error that matches ptx.ErrInvalidPTX
// (and ptx.ErrUnsupported for refused features), with the line of the
// offending instruction.
func Translate(src []byte, opts Options) (*Result, error) {
	m, err := ptx.Parse(src)
	if err != nil {
		return nil, err
	}
	dump := func(pass string, a *ptx.Analysis) {
		if opts.Dump != nil {
			fmt.Fprintf(opts.Dump, "// ==== after %s ====\n", pass)
			ptx.Dump(opts.Dump, m, a)
		}
	}
	dump("parse and check", nil)
	if err := ptx.InlineSyncCalls(m); err != nil {
		return nil, err
	}
	dump("inlining of functions with sync points", nil)
	a, err := ptx.Analyze(m) // the CFG, dominators, loops and liveness
	if err != nil {
		return nil, err
	}
	dump("CFG and liveness", a)
	// Pointer flags come from hal/modfile's analysis, so that every backend
	// marks the same parameters.
	var meta *modfile.Module
	if mm, err := modfile.ParsePTX(src); err == nil {
		meta = mm
	}
	g := &gen{m: m, a: a, meta: meta}
	if err := g.run(); err != nil {
		return nil, err
	}
	return g.res, nil
}

// gen holds the state of one translation.
type gen struct {
	m    *ptx.Module
	a    *ptx.Analysis
	meta *modfile.Module
	res  *Result
	errs ptx.ErrorList
	out  bytes.Buffer

	// Shared memory layout: module-scope (and non-kernel) variables first,
	// then each kernel's own variables from sharedBase; dynamic shared
	// memory starts at dynOff.
	shOff      map[*ptx.Var]int64
	sharedBase int64
	dynOff     int64
	kernelSh   map[*ptx.Func]int64 // end of each kernel's static shared memory
	constVars  []*ptx.Var
}

func (g *gen) errorf(pos ptx.Pos, unsupported bool, format string, args ...any) {
	if len(g.errs) < 50 {
		g.errs = append(g.errs, &ptx.Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Unsupported: unsupported})
	}
}

func (g *gen) err() error {
	switch len(g.errs) {
	case 0:
		return nil
	case 1:
		return g.errs[0]
	}
	return g.errs
}

func (g *gen) run() error {
	if g.m.AddressSize != 64 {
		g.errorf(ptx.Pos{Line: 1, Col: 1}, true, ".address_size %d: only 64-bit PTX is supported", g.m.AddressSize)
		return g.err()
	}
	g.res = &Result{}
	g.checkSupport()
	if err := g.err(); err != nil {
		return err
	}
	g.layoutShared()
	g.emitModule()
	if err := g.err(); err != nil {
		return err
	}
	g.res.C = g.out.Bytes()
	return nil
}

// checkSupport refuses what the CPU backend cannot run.
func (g *gen) checkSupport() {
	for _, v := range g.m.Globals {
		switch v.Space {
		case ptx.SpaceLocal:
			g.errorf(v.Pos, true, "module-scope .local variable %s is not supported", v.Name)
		case ptx.SpaceGlobal, ptx.SpaceConst:
			if v.Linkage == ptx.LinkExtern {
				g.errorf(v.Pos, false, "variable %s is declared .extern but not defined in the module", v.Name)
			}
		}
	}
	for _, f := range g.m.Funcs {
		for _, in := range f.Body {
			if in.Op == "call" && in.Callee != nil && in.Callee.Body == nil {
				if strings.HasPrefix(in.Callee.Name, "cudaCG") {
					// CUDA 9 and 10 synchronized grids through the device
					// runtime (-rdc, cudadevrt); CUDA 11 and later inline it
					// on %envreg1/%envreg2, which is supported.
					g.errorf(in.Pos, true, "call to %s: cooperative groups through the CUDA device runtime (CUDA 9-10 with -rdc=true) is not supported on the CPU backend; CUDA 11 and later inline grid.sync(), which is", in.Callee.Name)
					continue
				}
				if ptx.RuntimeFunc(in.Callee) != "" {
					continue // vprintf, __assertfail: the runtime's (emitExterns)
				}
				g.errorf(in.Pos, false, "call to %s, which is declared but not defined in the module (device-runtime and libdevice calls other than printf's vprintf and assert's __assertfail are not supported)", in.Callee.Name)
			}
			for _, o := range envregs(in) {
				if o.Comp != 1 && o.Comp != 2 {
					// %envreg1 and %envreg2 carry the grid workspace of a
					// cooperative launch (cooperative groups' grid.sync); the
					// driver's other environment registers are undocumented,
					// and a guessed value would be silently wrong.
					g.errorf(in.Pos, true, "'%s': %%envreg%d is not supported on the CPU backend (only %%envreg1 and %%envreg2, the grid workspace of a cooperative launch, are)", in.Text, o.Comp)
				}
			}
		}
	}
}

// envregs returns the %envreg operands of in, vector elements included
// ("mov.b64 %rd1, {%envreg2, %envreg1}").
func envregs(in *ptx.Inst) []*ptx.Operand {
	var out []*ptx.Operand
	var walk func(o *ptx.Operand)
	walk = func(o *ptx.Operand) {
		if o == nil {
			return
		}
		if o.Kind == ptx.OpdSReg && o.SReg == ptx.SRegEnvreg {
			out = append(out, o)
		}
		for _, e := range o.Elems {
			walk(e)
		}
	}
	for _, o := range in.Args {
		walk(o)
	}
	return out
}

// coresident reports whether kernel f reads the grid workspace (%envreg1
// or %envreg2), itself or in a function it calls: its blocks may then wait
// for each other through memory (cooperative groups' grid.sync), and a
// cooperative launch must run them all at once. An indirect call counts
// when any function of the module reads the workspace.
func (g *gen) coresident(f *ptx.Func) bool {
	anyReads := false
	for _, h := range g.m.Funcs {
		for _, in := range h.Body {
			if len(envregs(in)) > 0 {
				anyReads = true
			}
		}
	}
	if !anyReads {
		return false
	}
	seen := map[*ptx.Func]bool{}
	var reads func(h *ptx.Func) bool
	reads = func(h *ptx.Func) bool {
		if seen[h] {
			return false
		}
		seen[h] = true
		for _, in := range h.Body {
			if len(envregs(in)) > 0 {
				return true
			}
			if in.Op == "call" {
				if in.Callee == nil || reads(in.Callee) {
					return true
				}
			}
		}
		return false
	}
	return reads(f)
}
