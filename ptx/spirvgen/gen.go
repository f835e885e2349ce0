package spirvgen

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Version changes whenever the SPIR-V the translator writes for some
// input changes; caches of translations key on it.
const Version = "spirvgen 13"

// Specialization constants every translated kernel declares (the first
// four are the Vulkan driver's convention for hand-written kernels too).
const (
	SpecBlockX        = 0 // block size, x
	SpecBlockY        = 1
	SpecBlockZ        = 2
	SpecDynamicShared = 3 // dynamic shared memory bytes of the launch
	SpecGlobalsLo     = 4 // device address of the module's globals buffer, low 32 bits
	SpecGlobalsHi     = 5 // ... high 32 bits
)

// ErrMissingFeature is wrapped by the errors of kernels that need a device
// feature the Target lacks.
var ErrMissingFeature = errors.New("device feature missing")

// Options configure Translate.
type Options struct {
	// Target is the device the SPIR-V is for.
	Target Target
}

// Param is one kernel parameter in the packed argument buffer.
type Param struct {
	Name   string
	Offset uint32
	Size   uint32
}

// Kernel is what the driver needs to know to launch one translated
// kernel.
type Kernel struct {
	// Name is the entry point's name (the PTX .entry name).
	Name string
	// Params are the parameters in order, at their C offsets in the
	// argument buffer; ArgsSize is the buffer's size.
	Params   []Param
	ArgsSize uint32
	// PushSize is the push-constant range in bytes: the argument buffer
	// (rounded up to 4 bytes) and, at GridOffset when it is not -1, the
	// grid size as three uint32 (x, y, z) that the driver appends.
	PushSize   uint32
	GridOffset int
	// StaticShared is the kernel's shared memory besides the launch's
	// dynamic part: its .shared variables and the translator's own
	// scratch space. DynamicShared says the kernel uses the dynamic part
	// (extern .shared), sized by specialization constant 3.
	StaticShared  uint32
	DynamicShared bool
	// SharedPerThread is shared memory the translator uses per thread of
	// the block (its warp emulation); the launch needs StaticShared +
	// SharedPerThread * threads + its dynamic bytes.
	SharedPerThread uint32
	// MaxThreads is the block size limit from .maxntid/.reqntid (0: none).
	MaxThreads uint32
	// ReqNTID is .reqntid (zeros when absent).
	ReqNTID [3]uint32
	// Subgroup32 says the pipeline must be created with a required
	// subgroup size of 32 and full subgroups.
	Subgroup32 bool
	// Scheduled says the kernel runs its threads through the translator's
	// block scheduler (barriers or emulated warp operations in divergent
	// code); for information.
	Scheduled bool
}

// GlobalVar is a module-scope .global or .const variable in the globals
// buffer.
type GlobalVar struct {
	Name   string
	Offset uint64
	Size   uint64
}

// Reloc is an address the driver writes into the globals buffer's initial
// contents once it knows the buffer's device address: at Offset, Size
// bytes (little-endian) of the value, or, when Masked, the one byte
// (value >> Shift) & 0xff. The value is the buffer's address plus Target,
// or, for a function pointer (Func), Target itself.
type Reloc struct {
	Offset uint64
	Size   int
	Masked bool
	Shift  uint
	Target uint64
	Func   bool
}

// Globals is the layout of a module's globals buffer: .global and .const
// variables with their initial bytes.
type Globals struct {
	Size   uint64
	Init   []byte
	Relocs []Reloc
	Vars   []GlobalVar
}

// Result is a translated module.
type Result struct {
	// SPIRV is the module (little-endian words).
	SPIRV   []byte
	Kernels []Kernel
	Globals Globals
	// Printf is how to print the records of the module's printf and
	// assert calls (printf.go), nil when it has none; the records are in
	// the global PrintfBuffer.
	Printf *Printf
}

// Error is a kernel the translator refuses: its position in the PTX, the
// reason and, when the device lacks something, the Vulkan feature's name.
// It matches ptx.ErrInvalidPTX and ptx.ErrUnsupported, ErrMissingFeature
// when Feature is set and ErrRecursion when Cycle is.
type Error struct {
	Pos     ptx.Pos
	Kernel  string
	Msg     string
	Feature string
	// Cycle is a recursive chain of calls the kernel reaches: function
	// names, the first repeated at the end (f, g, f).
	Cycle []string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("spirvgen: ")
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, "line %d:%d: ", e.Pos.Line, e.Pos.Col)
	}
	if e.Kernel != "" {
		fmt.Fprintf(&b, "kernel %s: ", e.Kernel)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is matches ptx.ErrInvalidPTX, ptx.ErrUnsupported, for a missing
// device feature ErrMissingFeature, and for recursion ErrRecursion.
func (e *Error) Is(target error) bool {
	return target == ptx.ErrInvalidPTX || target == ptx.ErrUnsupported || (e.Feature != "" && target == ErrMissingFeature) ||
		(len(e.Cycle) > 0 && target == ErrRecursion)
}

// ErrorList is several refusals, in order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == 10 {
			fmt.Fprintf(&b, "\n(and %d more)", len(l)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

const maxErrors = 50

// gen translates one module.
type gen struct {
	t   Target
	m   *ptx.Module
	inl *inliner
	sm  *spirv.Module

	errs ErrorList

	glsl spirv.ID
	// Types.
	tVoid, tBool, tU8, tU16, tU32, tU64, tF32, tF64 spirv.ID
	tV3                                             spirv.ID
	// Module-scope objects, created on first use.
	builtins  map[spirv.BuiltIn]spirv.ID
	specBlock [3]spirv.ID
	wgSize    spirv.ID
	specDyn   spirv.ID
	specGlob  [2]spirv.ID

	// Out-of-line helpers written so far, by name (outline.go).
	helpers map[string]helper

	// The globals buffer.
	globOff map[*ptx.Var]uint64
	globals Globals

	kernels []Kernel
}

func (g *gen) errorf(pos ptx.Pos, kernel string, format string, args ...any) {
	if len(g.errs) < maxErrors {
		g.errs = append(g.errs, &Error{Pos: pos, Kernel: kernel, Msg: fmt.Sprintf(format, args...)})
	}
}

func (g *gen) featureErr(pos ptx.Pos, kernel, feature, what string) {
	if len(g.errs) < maxErrors {
		g.errs = append(g.errs, &Error{Pos: pos, Kernel: kernel, Feature: feature,
			Msg: fmt.Sprintf("%s needs the Vulkan feature %s, which the device does not have", what, feature)})
	}
}

// Translate translates a PTX module into one SPIR-V module with an entry
// point per kernel. PTX that does not parse is a ptx error; a kernel the
// translator or the device cannot run is an *Error (or ErrorList) naming
// the instruction and, where a device feature is missing, the feature.
// The SPIR-V passes the internal validator (spirv.Validate) before it is
// returned.
func Translate(src []byte, opt Options) (res *Result, err error) {
	m, err := ptx.Parse(src)
	if err != nil {
		return nil, err
	}
	return TranslateModule(m, opt)
}

// recoverPanics makes a translator bug an error instead of a crash of the
// loading program; the fuzz tests turn it off to see the panic.
var recoverPanics = true

// TranslateModule translates a parsed module. It modifies m (calls are
// inlined into the kernels).
func TranslateModule(m *ptx.Module, opt Options) (res *Result, err error) {
	defer func() {
		// A translator bug must not take the process down: report it as
		// an internal error.
		if !recoverPanics {
			return
		}
		if r := recover(); r != nil {
			res, err = nil, &Error{Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if m.AddressSize != 0 && m.AddressSize != 64 {
		return nil, &Error{Msg: fmt.Sprintf(".address_size %d: only 64-bit addressing is supported", m.AddressSize)}
	}
	pf, err := rewritePrintf(m)
	if err != nil {
		return nil, err
	}
	g := &gen{t: opt.Target, m: m, builtins: map[spirv.BuiltIn]spirv.ID{}}
	g.inl = newInliner(m)
	g.sm = spirv.NewModule(spirv.Version1_5)
	g.sm.Capability(spirv.CapabilityShader)
	g.sm.Capability(spirv.CapabilityPhysicalStorageBufferAddresses)
	g.sm.Capability(spirv.CapabilityInt64)
	g.sm.Capability(spirv.CapabilityVulkanMemoryModel)
	g.sm.SetMemoryModel(spirv.AddressingModelPhysicalStorageBuffer64, spirv.MemoryModelVulkan)
	g.glsl = g.sm.ExtInstImport("GLSL.std.450")
	g.tVoid = g.sm.TypeVoid()
	g.tBool = g.sm.TypeBool()
	g.tU32 = g.sm.TypeInt(32, false)
	g.tU64 = g.sm.TypeInt(64, false)
	g.tF32 = g.sm.TypeFloat(32)
	g.tV3 = g.sm.TypeVector(g.tU32, 3)
	g.layoutGlobals()
	entries := m.Entries()
	if len(entries) == 0 && len(g.errs) == 0 {
		g.errorf(ptx.Pos{}, "", "the module has no kernels (.entry)")
	}
	for _, k := range entries {
		if len(g.errs) > 0 {
			break
		}
		g.kernel(k)
	}
	if len(g.errs) > 0 {
		if len(g.errs) == 1 {
			return nil, g.errs[0]
		}
		return nil, g.errs
	}
	words, err := g.sm.Words()
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("internal error: %v", err)}
	}
	if err := spirv.Validate(words); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("internal error: the SPIR-V written fails validation: %v", err)}
	}
	return &Result{SPIRV: spirv.WordsToBytes(words), Kernels: g.kernels, Globals: g.globals, Printf: pf}, nil
}

func alignUp(v, a int64) int64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// layoutGlobals places every defined .global and .const variable in the
// globals buffer, in declaration order, and records initial bytes and
// address relocations.
func (g *gen) layoutGlobals() {
	g.globOff = map[*ptx.Var]uint64{}
	var end int64
	for _, v := range g.m.Globals {
		if v.Space != ptx.SpaceGlobal && v.Space != ptx.SpaceConst {
			continue
		}
		if v.Linkage == ptx.LinkExtern {
			continue
		}
		end = alignUp(end, max(v.Align, 1))
		g.globOff[v] = uint64(end)
		g.globals.Vars = append(g.globals.Vars, GlobalVar{Name: v.Name, Offset: uint64(end), Size: uint64(v.Size)})
		end += v.Size
	}
	g.globals.Size = uint64(alignUp(end, 16))
	if end == 0 {
		g.globals.Size = 0
		return
	}
	g.globals.Init = make([]byte, g.globals.Size)
	for _, v := range g.m.Globals {
		off, ok := g.globOff[v]
		if !ok {
			continue
		}
		copy(g.globals.Init[off:], v.Init)
		for _, r := range v.Relocs {
			rel := Reloc{Offset: off + uint64(r.Offset), Size: r.Size, Masked: r.Masked, Shift: r.Shift}
			switch {
			case r.Func != nil:
				id, ok := g.inl.funcID(r.Func)
				if !ok {
					g.errorf(v.Pos, "", "initializer of %s: the address of %s", v.Name, r.Func.Name)
					continue
				}
				rel.Func = true
				rel.Target = id + uint64(r.Addend)
			case r.Var != nil:
				to, ok := g.globOff[r.Var]
				if !ok {
					g.errorf(v.Pos, "", "initializer of %s: the address of %s, a %s variable, is not known before the launch", v.Name, r.Var.Name, r.Var.Space)
					continue
				}
				rel.Target = to + uint64(r.Addend)
			}
			g.globals.Relocs = append(g.globals.Relocs, rel)
		}
	}
	sort.Slice(g.globals.Relocs, func(i, j int) bool { return g.globals.Relocs[i].Offset < g.globals.Relocs[j].Offset })
}

// ---- module-scope helpers ----

// builtin returns the Input variable of a built-in (uvec3 or uint).
func (g *gen) builtin(b spirv.BuiltIn) spirv.ID {
	if v, ok := g.builtins[b]; ok {
		return v
	}
	t := g.tV3
	switch b {
	case spirv.BuiltInLocalInvocationIndex, spirv.BuiltInSubgroupSize, spirv.BuiltInSubgroupLocalInvocationId:
		t = g.tU32
	}
	v := g.sm.Variable(g.sm.TypePointer(spirv.StorageClassInput, t), spirv.StorageClassInput, 0)
	g.sm.Decorate(v, spirv.DecorationBuiltIn, uint32(b))
	g.builtins[b] = v
	return v
}

// blockSize returns the specialization constants of the block size (and
// declares the WorkgroupSize built-in made of them).
func (g *gen) blockSize() [3]spirv.ID {
	if g.wgSize == 0 {
		for i := range g.specBlock {
			g.specBlock[i] = g.sm.SpecConstant(g.tU32, 1, uint32(SpecBlockX+i))
		}
		g.wgSize = g.sm.SpecConstantComposite(g.tV3, g.specBlock[0], g.specBlock[1], g.specBlock[2])
		g.sm.Decorate(g.wgSize, spirv.DecorationBuiltIn, uint32(spirv.BuiltInWorkgroupSize))
	}
	return g.specBlock
}

func (g *gen) dynShared() spirv.ID {
	if g.specDyn == 0 {
		g.specDyn = g.sm.SpecConstant(g.tU32, 0, SpecDynamicShared)
	}
	return g.specDyn
}

func (g *gen) globalsBase() [2]spirv.ID {
	if g.specGlob[0] == 0 {
		g.specGlob[0] = g.sm.SpecConstant(g.tU32, 0, SpecGlobalsLo)
		g.specGlob[1] = g.sm.SpecConstant(g.tU32, 0, SpecGlobalsHi)
	}
	return g.specGlob
}

func (g *gen) u32(v uint32) spirv.ID  { return g.sm.Constant(g.tU32, uint64(v)) }
func (g *gen) u64(v uint64) spirv.ID  { return g.sm.Constant(g.tU64, v) }
func (g *gen) cbool(v bool) spirv.ID  { return g.sm.ConstantBool(v) }
func (g *gen) f32c(v uint32) spirv.ID { return g.sm.Constant(g.tF32, uint64(v)) }
