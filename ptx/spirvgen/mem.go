package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// Memory. Global and constant memory (and generic addresses that resolve
// to them) are PhysicalStorageBuffer pointers made from the 64-bit address
// with OpConvertUToPtr, of the accessed type, with the natural alignment
// PTX guarantees. The three windows — the thread's local memory (a
// Function array), the block's shared memory (a Workgroup array) and the
// kernel's arguments (the push-constant block) — are arrays of 32-bit
// words (64-bit for shared memory when the kernel has 64-bit shared
// atomics), addressed by byte offset: wider accesses use several words,
// narrower ones extract or insert bits, and a narrow store to shared
// memory uses atomic and/or on its word, so threads writing neighbouring
// bytes never lose each other's stores.

type window struct {
	name string
	sc   spirv.StorageClass
	unit int64
	elem spirv.ID
	ptr  spirv.ID
	v    spirv.ID
	// wrapped: the variable is a struct whose member 0 is the array.
	wrapped    bool
	atomic     bool
	nonPrivate bool
}

const (
	maNone       = 0
	maVolatile   = 0x1
	maAligned    = 0x2
	maAvailable  = 0x8
	maVisible    = 0x10
	maNonPrivate = 0x20
)

// setupWindows declares the local array, the shared array and the
// push-constant block the kernel uses.
func (e *fn) setupWindows() {
	g := e.g
	sm := g.sm
	if e.localSize > 0 {
		arr := sm.TypeArray(g.tU32, g.u32(uint32(e.localSize/4)))
		v := e.sf.Variable(sm.TypePointer(spirv.StorageClassFunction, arr), 0)
		e.local = &window{name: "local", sc: spirv.StorageClassFunction, unit: 4, elem: g.tU32,
			ptr: sm.TypePointer(spirv.StorageClassFunction, g.tU32), v: v}
	}
	if e.staticShared > 0 || e.usesDyn {
		elem := g.tU32
		if e.sharedUnit == 8 {
			elem = g.tU64
		}
		var n spirv.ID
		if e.usesDyn {
			s := sm.SpecConstantOp(g.tU32, spirv.OpIAdd, g.u32(uint32(e.dynOff+e.sharedUnit-1)), g.dynShared())
			n = sm.SpecConstantOp(g.tU32, spirv.OpUDiv, s, g.u32(uint32(e.sharedUnit)))
		} else {
			n = g.u32(uint32((e.staticShared + e.sharedUnit - 1) / e.sharedUnit))
		}
		arr := sm.TypeArray(elem, n)
		v := sm.Variable(sm.TypePointer(spirv.StorageClassWorkgroup, arr), spirv.StorageClassWorkgroup, 0)
		sm.Name(v, e.k.Name+".shared")
		e.shared = &window{name: "shared", sc: spirv.StorageClassWorkgroup, unit: e.sharedUnit, elem: elem,
			ptr: sm.TypePointer(spirv.StorageClassWorkgroup, elem), v: v, atomic: true, nonPrivate: true}
		if e.sharedUnit == 8 {
			e.need(nil, g.t.SharedInt64Atomics, spirv.CapabilityInt64Atomics, "shaderSharedInt64Atomics", "64-bit atomics on shared memory")
		}
	}
	if e.pushWords > 0 {
		arr := sm.TypeArray(g.tU32, g.u32(e.pushWords))
		sm.Decorate(arr, spirv.DecorationArrayStride, 4)
		st := sm.TypeStruct(arr)
		sm.Decorate(st, spirv.DecorationBlock)
		sm.MemberDecorate(st, 0, spirv.DecorationOffset, 0)
		v := sm.Variable(sm.TypePointer(spirv.StorageClassPushConstant, st), spirv.StorageClassPushConstant, 0)
		sm.Name(v, e.k.Name+".args")
		e.params = &window{name: "parameter", sc: spirv.StorageClassPushConstant, unit: 4, elem: g.tU32,
			ptr: sm.TypePointer(spirv.StorageClassPushConstant, g.tU32), v: v, wrapped: true}
	}
}

// pushWord reads word i of the push-constant block.
func (e *fn) pushWord(i spirv.ID) spirv.ID {
	if e.params == nil {
		e.errorf(nil, "the kernel reads its arguments but has none")
		return e.u32(0)
	}
	return e.load(e.g.tU32, e.elemPtr(e.params, i))
}

func (e *fn) elemPtr(w *window, idx spirv.ID) spirv.ID {
	if w.sc != spirv.StorageClassFunction {
		e.use(w.v)
	}
	if w.wrapped {
		return e.op(spirv.OpAccessChain, w.ptr, w.v, e.u32(0), idx)
	}
	return e.op(spirv.OpAccessChain, w.ptr, w.v, idx)
}

func (e *fn) winAccess(w *window) []uint32 {
	if w.nonPrivate {
		return []uint32{maNonPrivate}
	}
	return nil
}

// winLoad reads size bytes at byte offset off (u32) of window w as an
// unsigned integer of that size.
func (e *fn) winLoad(w *window, off spirv.ID, size int) spirv.ID {
	g := e.g
	u := w.unit
	shift := uint32(2)
	if u == 8 {
		shift = 3
	}
	idx := e.op(spirv.OpShiftRightLogical, g.tU32, off, e.u32(shift))
	switch {
	case int64(size) == u:
		return e.load(w.elem, e.elemPtr(w, idx), e.winAccess(w)...)
	case size == 8 && u == 4:
		lo := e.load(g.tU32, e.elemPtr(w, idx), e.winAccess(w)...)
		hi := e.load(g.tU32, e.elemPtr(w, e.op(spirv.OpIAdd, g.tU32, idx, e.u32(1))), e.winAccess(w)...)
		return e.join64(lo, hi)
	case int64(size) < u:
		word := e.load(w.elem, e.elemPtr(w, idx), e.winAccess(w)...)
		sh := e.op(spirv.OpBitwiseAnd, g.tU32, off, e.u32(uint32(u-1)))
		sh = e.op(spirv.OpShiftLeftLogical, g.tU32, sh, e.u32(3))
		x := e.op(spirv.OpShiftRightLogical, w.elem, word, sh)
		return e.op(spirv.OpUConvert, e.uintOf(size), x)
	}
	e.errorf(nil, "%d-byte access to %s memory", size, w.name)
	return e.c(e.uintOf(size), 0)
}

// join64 makes a u64 from two u32 halves.
func (e *fn) join64(lo, hi spirv.ID) spirv.ID {
	g := e.g
	l := e.op(spirv.OpUConvert, g.tU64, lo)
	h := e.op(spirv.OpShiftLeftLogical, g.tU64, e.op(spirv.OpUConvert, g.tU64, hi), e.u32(32))
	return e.op(spirv.OpBitwiseOr, g.tU64, l, h)
}

func (e *fn) split64(v spirv.ID) (lo, hi spirv.ID) {
	g := e.g
	lo = e.op(spirv.OpUConvert, g.tU32, v)
	hi = e.op(spirv.OpUConvert, g.tU32, e.op(spirv.OpShiftRightLogical, g.tU64, v, e.u32(32)))
	return
}

// winStore writes v, an unsigned integer of size bytes, at byte offset off
// of window w.
func (e *fn) winStore(w *window, off spirv.ID, size int, v spirv.ID) {
	g := e.g
	u := w.unit
	shift := uint32(2)
	if u == 8 {
		shift = 3
	}
	if w == e.shared {
		e.noteSharedStore(size, v)
	}
	idx := e.op(spirv.OpShiftRightLogical, g.tU32, off, e.u32(shift))
	switch {
	case int64(size) == u:
		e.store(e.elemPtr(w, idx), v, e.winAccess(w)...)
		return
	case size == 8 && u == 4:
		lo, hi := e.split64(v)
		e.store(e.elemPtr(w, idx), lo, e.winAccess(w)...)
		e.store(e.elemPtr(w, e.op(spirv.OpIAdd, g.tU32, idx, e.u32(1))), hi, e.winAccess(w)...)
		return
	case int64(size) < u:
		sh := e.op(spirv.OpBitwiseAnd, g.tU32, off, e.u32(uint32(u-1)))
		sh = e.op(spirv.OpShiftLeftLogical, g.tU32, sh, e.u32(3))
		mask := e.c(w.elem, uint64(1)<<(8*size)-1)
		mask = e.op(spirv.OpShiftLeftLogical, w.elem, mask, sh)
		x := e.op(spirv.OpShiftLeftLogical, w.elem, e.op(spirv.OpUConvert, w.elem, v), sh)
		p := e.elemPtr(w, idx)
		if w.atomic {
			scope := e.u32(uint32(spirv.ScopeWorkgroup))
			none := e.u32(0)
			e.op(spirv.OpAtomicAnd, w.elem, p, scope, none, e.op(spirv.OpNot, w.elem, mask))
			e.op(spirv.OpAtomicOr, w.elem, p, scope, none, x)
			return
		}
		old := e.load(w.elem, p)
		old = e.op(spirv.OpBitwiseAnd, w.elem, old, e.op(spirv.OpNot, w.elem, mask))
		e.store(p, e.op(spirv.OpBitwiseOr, w.elem, old, x))
		return
	}
	e.errorf(nil, "%d-byte access to %s memory", size, w.name)
}

// window returns the window of a space.
func (e *fn) window(in *ptx.Inst, sp ptx.Space) *window {
	var w *window
	switch sp {
	case ptx.SpaceShared:
		w = e.shared
	case ptx.SpaceLocal:
		w = e.local
	case ptx.SpaceParam:
		w = e.params
	}
	if w == nil {
		e.errorf(in, "accesses %s memory, of which the kernel has none", sp)
	}
	return w
}

// winOffset is the byte offset (u32) an address operand names in a window.
func (e *fn) winOffset(a *ptx.Operand) spirv.ID {
	g := e.g
	var base spirv.ID
	switch {
	case a.Reg != nil:
		base = e.rd(&ptx.Operand{Kind: ptx.OpdReg, Reg: a.Reg}, ptx.U32)
	case a.Var != nil:
		return e.op(spirv.OpUConvert, g.tU32, e.varAddr(a.Var, a.Off))
	default:
		return e.u32(uint32(a.Off))
	}
	if a.Off != 0 {
		base = e.op(spirv.OpIAdd, g.tU32, base, e.u32(uint32(a.Off)))
	}
	return base
}

// globalAddr is the 64-bit device address an address operand names.
func (e *fn) globalAddr(a *ptx.Operand) spirv.ID {
	g := e.g
	switch {
	case a.Reg != nil:
		v := e.rd(&ptx.Operand{Kind: ptx.OpdReg, Reg: a.Reg}, ptx.U64)
		if a.Off != 0 {
			v = e.op(spirv.OpIAdd, g.tU64, v, e.u64(uint64(a.Off)))
		}
		return v
	case a.Var != nil:
		return e.varAddr(a.Var, a.Off)
	}
	return e.u64(uint64(a.Off))
}

// memScope is the SPIR-V scope of an instruction's .scope on global
// memory (.cta: the workgroup; otherwise the device).
func (e *fn) memScope(in *ptx.Inst, sp ptx.Space) spirv.Scope {
	if sp == ptx.SpaceShared || in.Scope == ptx.ScopeCTA {
		return spirv.ScopeWorkgroup
	}
	if !e.need(in, e.g.t.MemoryModelDeviceScope, spirv.CapabilityVulkanMemoryModelDeviceScope, "vulkanMemoryModelDeviceScope", "device-scope atomics and fences") {
		return spirv.ScopeWorkgroup
	}
	return spirv.ScopeDevice
}

// psbPtr makes a PhysicalStorageBuffer pointer to t from a u64 address.
func (e *fn) psbPtr(t, addr spirv.ID) spirv.ID {
	return e.op(spirv.OpConvertUToPtr, e.g.sm.TypePointer(spirv.StorageClassPhysicalStorageBuffer, t), addr)
}

// narrowGlobal declares what an 8- or 16-bit access of device memory
// needs.
func (e *fn) narrowGlobal(in *ptx.Inst, size int) {
	switch size {
	case 1:
		e.need(in, e.g.t.StorageBuffer8, spirv.CapabilityStorageBuffer8BitAccess, "storageBuffer8BitAccess", "8-bit accesses of device memory")
	case 2:
		e.need(in, e.g.t.StorageBuffer16, spirv.CapabilityStorageBuffer16BitAccess, "storageBuffer16BitAccess", "16-bit accesses of device memory")
	}
}

// semantics maps a PTX memory order to SPIR-V memory semantics covering
// device and shared memory.
func semantics(s ptx.Sem, load, store bool) uint32 {
	const storage = uint32(spirv.MemorySemanticsUniformMemory | spirv.MemorySemanticsWorkgroupMemory)
	switch s {
	case ptx.SemAcquire:
		return uint32(spirv.MemorySemanticsAcquire|spirv.MemorySemanticsMakeVisible) | storage
	case ptx.SemRelease:
		return uint32(spirv.MemorySemanticsRelease|spirv.MemorySemanticsMakeAvailable) | storage
	case ptx.SemAcqRel, ptx.SemSC:
		sem := uint32(spirv.MemorySemanticsAcquireRelease|spirv.MemorySemanticsMakeAvailable|spirv.MemorySemanticsMakeVisible) | storage
		if load && !store {
			return uint32(spirv.MemorySemanticsAcquire|spirv.MemorySemanticsMakeVisible) | storage
		}
		if store && !load {
			return uint32(spirv.MemorySemanticsRelease|spirv.MemorySemanticsMakeAvailable) | storage
		}
		return sem
	}
	return 0
}

// volatileSem is the Volatile memory semantics bit for the ld/st forms
// whose value another agent (the host, another device) may change while
// the kernel runs: .volatile, .mmio and anything at .sys scope. Vulkan has
// no system scope; NVIDIA's driver serves a device-scope atomic of
// host-visible memory from the GPU's L2, where the host's writes never
// show (a kernel spinning on a host-written flag spun forever on the
// H100), and Volatile is what makes it go to memory.
func volatileSem(in *ptx.Inst) uint32 {
	if in.Sem == ptx.SemVolatile || in.Sem == ptx.SemMMIO || in.Scope == ptx.ScopeSys {
		return uint32(spirv.MemorySemanticsVolatile)
	}
	return 0
}

// ---- ld / st ----

func (e *fn) ldInst(in *ptx.Inst, t ptx.Type) {
	sp, err := e.prov.space(in, in.Args[1])
	if err != nil {
		e.errorf(in, "%v", err)
		return
	}
	n := in.Vec
	vals := e.loadN(in, sp, in.Args[1], t, n)
	if vals == nil {
		return
	}
	d := in.Args[0]
	if n == 1 {
		e.wr(d, t, vals[0])
		return
	}
	for i, el := range d.Elems {
		e.wr(el, t, vals[i])
	}
}

func (e *fn) stInst(in *ptx.Inst, t ptx.Type) {
	sp, err := e.prov.space(in, in.Args[0])
	if err != nil {
		e.errorf(in, "%v", err)
		return
	}
	var vals []spirv.ID
	if in.Vec == 1 {
		vals = []spirv.ID{e.rd(in.Args[1], t)}
	} else {
		for _, el := range in.Args[1].Elems {
			vals = append(vals, e.rd(el, t))
		}
	}
	e.storeN(in, sp, in.Args[0], t, vals)
}

// loadN loads n consecutive values of type t at address operand a.
func (e *fn) loadN(in *ptx.Inst, sp ptx.Space, a *ptx.Operand, t ptx.Type, n int) []spirv.ID {
	size := t.Size()
	if size == 0 || size > 8 {
		e.errorf(in, ".%s accesses are not supported", t)
		return nil
	}
	vt := e.vt(t)
	out := make([]spirv.ID, n)
	if sp == ptx.SpaceGlobal {
		e.narrowGlobal(in, size)
		addr := e.globalAddr(a)
		ordered := in.Sem == ptx.SemVolatile || in.Sem == ptx.SemRelaxed || in.Sem == ptx.SemAcquire || in.Sem == ptx.SemSC || in.Sem == ptx.SemMMIO
		if ordered && n == 1 {
			out[0] = e.orderedLoad(in, t, addr)
			return out
		}
		if n > 1 && (size == 4 || size == 8) && (n == 2 || n == 4) && !ordered {
			vec := e.g.sm.TypeVector(vt, uint32(n))
			p := e.psbPtr(vec, addr)
			v := e.load(vec, p, maAligned|maNonPrivate, uint32(size*n))
			for i := range out {
				out[i] = e.cur.Emit(spirv.OpCompositeExtract, vt, uint32(v), uint32(i))
			}
			return out
		}
		for i := range out {
			ai := addr
			if i > 0 {
				ai = e.op(spirv.OpIAdd, e.g.tU64, addr, e.u64(uint64(i*size)))
			}
			if ordered {
				out[i] = e.orderedLoad(in, t, ai)
			} else {
				out[i] = e.load(vt, e.psbPtr(vt, ai), maAligned|maNonPrivate, uint32(size))
			}
		}
		return out
	}
	w := e.window(in, sp)
	if w == nil {
		return nil
	}
	off := e.winOffset(a)
	e.shFlag.offs = e.shFlag.offs[:0]
	for i := range out {
		oi := off
		if i > 0 {
			oi = e.op(spirv.OpIAdd, e.g.tU32, off, e.u32(uint32(i*size)))
		}
		if e.shFlag.reloadAt != nil {
			e.shFlag.offs = append(e.shFlag.offs, oi)
		}
		bits := e.winLoad(w, oi, size)
		out[i] = e.conv(bits, t.Unsigned(), t)
	}
	return out
}

// orderedLoad is a .volatile, .relaxed or .acquire load of device memory:
// an atomic load for 32- and 64-bit values, a load made visible at the
// scope otherwise.
func (e *fn) orderedLoad(in *ptx.Inst, t ptx.Type, addr spirv.ID) spirv.ID {
	size := t.Size()
	scope := e.memScope(in, ptx.SpaceGlobal)
	if size == 4 || size == 8 {
		ut := e.vt(t.Unsigned())
		p := e.psbPtr(ut, addr)
		v := e.op(spirv.OpAtomicLoad, ut, p, e.u32(uint32(scope)), e.u32(semantics(in.Sem, true, false)|volatileSem(in)))
		return e.conv(v, t.Unsigned(), t)
	}
	vt := e.vt(t)
	ma := uint32(maAligned | maVisible | maNonPrivate)
	if volatileSem(in) != 0 {
		ma |= maVolatile
	}
	return e.load(vt, e.psbPtr(vt, addr), ma, uint32(size), uint32(e.u32(uint32(scope))))
}

func (e *fn) storeN(in *ptx.Inst, sp ptx.Space, a *ptx.Operand, t ptx.Type, vals []spirv.ID) {
	size := t.Size()
	if size == 0 || size > 8 {
		e.errorf(in, ".%s accesses are not supported", t)
		return
	}
	n := len(vals)
	vt := e.vt(t)
	if sp == ptx.SpaceGlobal {
		e.narrowGlobal(in, size)
		addr := e.globalAddr(a)
		ordered := in.Sem == ptx.SemVolatile || in.Sem == ptx.SemRelaxed || in.Sem == ptx.SemRelease || in.Sem == ptx.SemSC || in.Sem == ptx.SemMMIO
		if n > 1 && (size == 4 || size == 8) && (n == 2 || n == 4) && !ordered {
			vec := e.g.sm.TypeVector(vt, uint32(n))
			v := e.op(spirv.OpCompositeConstruct, vec, vals...)
			e.store(e.psbPtr(vec, addr), v, maAligned|maNonPrivate, uint32(size*n))
			return
		}
		for i, v := range vals {
			ai := addr
			if i > 0 {
				ai = e.op(spirv.OpIAdd, e.g.tU64, addr, e.u64(uint64(i*size)))
			}
			if ordered {
				scope := e.memScope(in, ptx.SpaceGlobal)
				if size == 4 || size == 8 {
					ut := e.vt(t.Unsigned())
					e.cur.EmitIDs(spirv.OpAtomicStore, 0, e.psbPtr(ut, ai), e.u32(uint32(scope)), e.u32(semantics(in.Sem, false, true)|volatileSem(in)), e.toBits(v, t))
					continue
				}
				ma := uint32(maAligned | maAvailable | maNonPrivate)
				if volatileSem(in) != 0 {
					ma |= maVolatile
				}
				e.store(e.psbPtr(vt, ai), v, ma, uint32(size), uint32(e.u32(uint32(scope))))
				continue
			}
			e.store(e.psbPtr(vt, ai), v, maAligned|maNonPrivate, uint32(size))
		}
		return
	}
	if sp == ptx.SpaceParam {
		e.errorf(in, "stores to kernel parameters are not supported")
		return
	}
	w := e.window(in, sp)
	if w == nil {
		return
	}
	off := e.winOffset(a)
	for i, v := range vals {
		oi := off
		if i > 0 {
			oi = e.op(spirv.OpIAdd, e.g.tU32, off, e.u32(uint32(i*size)))
		}
		e.winStore(w, oi, size, e.toBits(v, t))
	}
}

func (e *fn) isspacep(in *ptx.Inst) {
	a := in.Args[1]
	var sp ptx.Space
	var err error
	switch a.Kind {
	case ptx.OpdReg:
		sp, err = e.prov.resolve(a.Reg)
	case ptx.OpdSym:
		if a.Var != nil {
			sp = varSpace(e.k, a.Var)
		}
	default:
		sp = ptx.SpaceGlobal
	}
	if err != nil {
		e.errorf(in, "%v", err)
		return
	}
	want := in.Space
	if want == ptx.SpaceConst {
		// .const variables live in the globals buffer: a global address
		// may or may not be one.
		e.errorf(in, "isspacep.const cannot be answered: .const variables live in device memory here")
		return
	}
	if want == ptx.SpaceGeneric {
		want = ptx.SpaceGlobal
	}
	e.wr(in.Args[0], ptx.Pred, e.g.cbool(sp == want))
}

// ---- atomics ----

func (e *fn) atom(in *ptx.Inst, t ptx.Type) {
	ai, vi := 1, 2
	if in.Op == "red" {
		ai, vi = 0, 1
	}
	sp, err := e.prov.space(in, in.Args[ai])
	if err != nil {
		e.errorf(in, "%v", err)
		return
	}
	if in.Vec > 1 || (t.Size() != 4 && t.Size() != 8) {
		e.errorf(in, "atomics on .%s are not supported", t)
		return
	}
	if sp == ptx.SpaceParam {
		e.errorf(in, "atomics on parameters are not supported")
		return
	}
	v := e.rd(in.Args[vi], t)
	var cmp spirv.ID
	if in.AtomOp == "cas" {
		cmp, v = v, e.rd(in.Args[vi+1], t)
	}
	old := e.atomic(in, sp, in.Args[ai], t, v, cmp)
	if in.Op == "atom" && old != 0 {
		e.wr(in.Args[0], t, old)
	}
}

// atomic performs in's read-modify-write on the address operand a in
// space sp and returns the old value (of type t). For cas, cmp is the
// value compared with and v the one stored.
func (e *fn) atomic(in *ptx.Inst, sp ptx.Space, a *ptx.Operand, t ptx.Type, v, cmp spirv.ID) spirv.ID {
	g := e.g
	size := t.Size()
	ut := e.vt(t.Unsigned())
	uv := e.toBits(v, t)
	var ucmp spirv.ID
	if cmp != 0 {
		ucmp = e.toBits(cmp, t)
	}
	var ptr spirv.ID
	var scope spirv.Scope
	sem := semantics(in.Sem, true, true)
	// ptr points to a word of the same size (native), or for a 32-bit
	// atomic in a 64-bit shared word, to that word (sub != 0).
	var sub spirv.ID
	var wordT spirv.ID = ut
	switch sp {
	case ptx.SpaceGlobal:
		if size == 8 {
			e.need(in, g.t.BufferInt64Atomics, spirv.CapabilityInt64Atomics, "shaderBufferInt64Atomics", "64-bit atomics on device memory")
		}
		scope = e.memScope(in, sp)
		ptr = e.psbPtr(ut, e.globalAddr(a))
	case ptx.SpaceShared, ptx.SpaceLocal:
		w := e.window(in, sp)
		if w == nil {
			return 0
		}
		scope = spirv.ScopeWorkgroup
		off := e.winOffset(a)
		if sp == ptx.SpaceLocal {
			return e.privateRMW(in, w, off, t, uv, ucmp)
		}
		e.noteSharedStore(size, 0)
		if size == 8 && w.unit != 8 {
			e.errorf(in, "internal error: 64-bit shared atomic in a 32-bit window")
			return 0
		}
		shift := uint32(2)
		if w.unit == 8 {
			shift = 3
		}
		ptr = e.elemPtr(w, e.op(spirv.OpShiftRightLogical, g.tU32, off, e.u32(shift)))
		wordT = w.elem
		if int64(size) < w.unit {
			sh := e.op(spirv.OpBitwiseAnd, g.tU32, off, e.u32(uint32(w.unit-1)))
			sub = e.op(spirv.OpShiftLeftLogical, g.tU32, sh, e.u32(3))
		}
	default:
		e.errorf(in, "atomics on %s memory are not supported", sp)
		return 0
	}
	sc := e.u32(uint32(scope))
	semID := e.u32(sem)
	if sub != 0 {
		// A 32-bit atomic on half of a 64-bit shared word: a CAS loop on
		// the word.
		old := e.casLoop(ptr, wordT, sc, semID, func(w spirv.ID) spirv.ID {
			x := e.op(spirv.OpUConvert, ut, e.op(spirv.OpShiftRightLogical, wordT, w, sub))
			nx := e.combine(in, t, x, uv, ucmp)
			mask := e.op(spirv.OpShiftLeftLogical, wordT, e.c(wordT, 0xffffffff), sub)
			keep := e.op(spirv.OpBitwiseAnd, wordT, w, e.op(spirv.OpNot, wordT, mask))
			return e.op(spirv.OpBitwiseOr, wordT, keep, e.op(spirv.OpShiftLeftLogical, wordT, e.op(spirv.OpUConvert, wordT, nx), sub))
		})
		x := e.op(spirv.OpUConvert, ut, e.op(spirv.OpShiftRightLogical, wordT, old, sub))
		return e.conv(x, t.Unsigned(), t)
	}
	var old spirv.ID
	switch in.AtomOp {
	case "add":
		switch t {
		case ptx.F32, ptx.F64:
			native := sp == ptx.SpaceGlobal && ((t == ptx.F32 && g.t.BufferFloat32AtomicAdd) || (t == ptx.F64 && g.t.BufferFloat64AtomicAdd))
			if native {
				c := spirv.CapabilityAtomicFloat32AddEXT
				if t == ptx.F64 {
					c = spirv.CapabilityAtomicFloat64AddEXT
				}
				g.sm.Capability(c)
				g.sm.Extension("SPV_EXT_shader_atomic_float_add")
				ft := e.vt(t)
				fp := e.psbPtr(ft, e.globalAddr(a))
				return e.op(spirv.OpAtomicFAddEXT, ft, fp, sc, semID, v)
			}
			old = e.casLoop(ptr, ut, sc, semID, func(o spirv.ID) spirv.ID { return e.combine(in, t, o, uv, 0) })
		default:
			old = e.op(spirv.OpAtomicIAdd, ut, ptr, sc, semID, uv)
		}
	case "and":
		old = e.op(spirv.OpAtomicAnd, ut, ptr, sc, semID, uv)
	case "or":
		old = e.op(spirv.OpAtomicOr, ut, ptr, sc, semID, uv)
	case "xor":
		old = e.op(spirv.OpAtomicXor, ut, ptr, sc, semID, uv)
	case "exch":
		old = e.op(spirv.OpAtomicExchange, ut, ptr, sc, semID, uv)
	case "cas":
		weak := e.u32(semantics(in.Sem, true, false))
		old = e.op(spirv.OpAtomicCompareExchange, ut, ptr, sc, semID, weak, uv, ucmp)
	case "min", "max":
		if t.IsFloat() {
			old = e.casLoop(ptr, ut, sc, semID, func(o spirv.ID) spirv.ID { return e.combine(in, t, o, uv, 0) })
			break
		}
		op := map[bool]map[string]spirv.Op{
			true:  {"min": spirv.OpAtomicSMin, "max": spirv.OpAtomicSMax},
			false: {"min": spirv.OpAtomicUMin, "max": spirv.OpAtomicUMax},
		}[t.IsSigned()][in.AtomOp]
		old = e.op(op, ut, ptr, sc, semID, uv)
	case "inc", "dec":
		old = e.casLoop(ptr, ut, sc, semID, func(o spirv.ID) spirv.ID { return e.combine(in, t, o, uv, 0) })
	default:
		e.errorf(in, "atomic operation .%s is not supported", in.AtomOp)
		return 0
	}
	return e.conv(old, t.Unsigned(), t)
}

// combine computes the new value of a read-modify-write from the old one
// (all unsigned bits of t's size), for CAS loops and private memory.
func (e *fn) combine(in *ptx.Inst, t ptx.Type, old, v, cmp spirv.ID) spirv.ID {
	g := e.g
	ut := e.vt(t.Unsigned())
	switch in.AtomOp {
	case "add":
		switch t {
		case ptx.F32, ptx.F64:
			ft := e.vt(t)
			s := e.op(spirv.OpFAdd, ft, e.op(spirv.OpBitcast, ft, old), e.op(spirv.OpBitcast, ft, v))
			e.noContract(s)
			return e.op(spirv.OpBitcast, ut, s)
		}
		return e.op(spirv.OpIAdd, ut, old, v)
	case "and":
		return e.op(spirv.OpBitwiseAnd, ut, old, v)
	case "or":
		return e.op(spirv.OpBitwiseOr, ut, old, v)
	case "xor":
		return e.op(spirv.OpBitwiseXor, ut, old, v)
	case "exch":
		return v
	case "cas":
		return e.sel(ut, e.op(spirv.OpIEqual, g.tBool, old, cmp), v, old)
	case "min", "max":
		if t.IsFloat() {
			ft := e.vt(t)
			r := e.fminmax(in.AtomOp == "max", t, e.op(spirv.OpBitcast, ft, old), e.op(spirv.OpBitcast, ft, v), false)
			return e.op(spirv.OpBitcast, ut, r)
		}
		var lt spirv.ID
		if t.IsSigned() {
			lt = e.scmp(spirv.OpSLessThan, ut, old, v)
		} else {
			lt = e.op(spirv.OpULessThan, g.tBool, old, v)
		}
		if in.AtomOp == "min" {
			return e.sel(ut, lt, old, v)
		}
		return e.sel(ut, lt, v, old)
	case "inc":
		ge := e.op(spirv.OpUGreaterThanEqual, g.tBool, old, v)
		return e.sel(ut, ge, e.c(ut, 0), e.op(spirv.OpIAdd, ut, old, e.c(ut, 1)))
	case "dec":
		z := e.op(spirv.OpIEqual, g.tBool, old, e.c(ut, 0))
		gt := e.op(spirv.OpUGreaterThan, g.tBool, old, v)
		return e.sel(ut, e.op(spirv.OpLogicalOr, g.tBool, z, gt), v, e.op(spirv.OpISub, ut, old, e.c(ut, 1)))
	}
	e.errorf(in, "atomic operation .%s is not supported", in.AtomOp)
	return old
}

// casLoop runs "do { old = *p; new = f(old) } while (!CAS(p, old, new))"
// and returns the old value that was replaced.
func (e *fn) casLoop(ptr, t, scope, sem spirv.ID, f func(old spirv.ID) spirv.ID) spirv.ID {
	oldV := e.tmpVar(t)
	first := e.op(spirv.OpAtomicLoad, t, ptr, scope, e.u32(0))
	e.store(oldV, first)
	var done spirv.ID
	e.loop(func() {
		old := e.load(t, oldV)
		nv := f(old)
		got := e.op(spirv.OpAtomicCompareExchange, t, ptr, scope, sem, e.u32(0), nv, old)
		done = e.op(spirv.OpIEqual, e.g.tBool, got, old)
		e.store(oldV, got)
	}, func() spirv.ID {
		return e.op(spirv.OpLogicalNot, e.g.tBool, done)
	})
	return e.load(t, oldV)
}

// privateRMW is an atomic on local memory: only the thread sees it.
func (e *fn) privateRMW(in *ptx.Inst, w *window, off spirv.ID, t ptx.Type, v, cmp spirv.ID) spirv.ID {
	size := t.Size()
	old := e.winLoad(w, off, size)
	nv := e.combine(in, t, old, v, cmp)
	e.winStore(w, off, size, nv)
	return e.conv(old, t.Unsigned(), t)
}

// ---- fences ----

func (e *fn) fence(in *ptx.Inst) {
	scope := spirv.ScopeWorkgroup
	if in.Scope != ptx.ScopeCTA {
		scope = e.memScope(in, ptx.SpaceGlobal)
	}
	sem := uint32(spirv.MemorySemanticsAcquireRelease | spirv.MemorySemanticsMakeAvailable | spirv.MemorySemanticsMakeVisible |
		spirv.MemorySemanticsUniformMemory | spirv.MemorySemanticsWorkgroupMemory)
	e.cur.EmitIDs(spirv.OpMemoryBarrier, 0, e.u32(uint32(scope)), e.u32(sem))
}

// cpAsync copies (synchronously) 4, 8 or 16 bytes from device memory to
// shared memory, filling with zeros past src-size.
func (e *fn) cpAsync(in *ptx.Inst) {
	g := e.g
	size := int(in.Args[2].Imm)
	if size != 4 && size != 8 && size != 16 {
		e.errorf(in, "cp.async of %d bytes", size)
		return
	}
	w := e.window(in, ptx.SpaceShared)
	if w == nil {
		return
	}
	var srcSize spirv.ID
	if len(in.Args) >= 4 {
		o := in.Args[3]
		switch {
		case o.Kind == ptx.OpdReg && o.Reg.Type == ptx.Pred:
			srcSize = e.sel(g.tU32, e.rd(o, ptx.Pred), e.u32(0), e.u32(uint32(size)))
		case !(in.Has(ptx.FlagL2) && len(in.Args) == 4):
			s := e.rd(o, ptx.U32)
			srcSize = e.sel(g.tU32, e.op(spirv.OpULessThan, g.tBool, s, e.u32(uint32(size))), s, e.u32(uint32(size)))
		}
	}
	dst := e.winOffset(in.Args[0])
	src := e.globalAddr(in.Args[1])
	for i := 0; i < size; i += 4 {
		p := e.psbPtr(g.tU32, e.op(spirv.OpIAdd, g.tU64, src, e.u64(uint64(i))))
		var v spirv.ID
		if srcSize == 0 {
			v = e.load(g.tU32, p, maAligned|maNonPrivate, 4)
		} else {
			// Bytes at and past src-size are zero; a word wholly past it
			// is not read at all.
			vv := e.tmpVar(g.tU32)
			e.store(vv, e.u32(0))
			in4 := e.op(spirv.OpULessThan, g.tBool, e.u32(uint32(i)), srcSize)
			e.ifThen(in4, func() {
				x := e.load(g.tU32, p, maAligned|maNonPrivate, 4)
				n := e.op(spirv.OpISub, g.tU32, srcSize, e.u32(uint32(i)))
				full := e.op(spirv.OpUGreaterThanEqual, g.tBool, n, e.u32(4))
				m := e.op(spirv.OpShiftLeftLogical, g.tU32, e.u32(1), e.op(spirv.OpIMul, g.tU32, n, e.u32(8)))
				m = e.op(spirv.OpISub, g.tU32, m, e.u32(1))
				m = e.sel(g.tU32, full, e.u32(0xffffffff), m)
				e.store(vv, e.op(spirv.OpBitwiseAnd, g.tU32, x, m))
			})
			v = e.load(g.tU32, vv)
		}
		e.winStore(w, e.op(spirv.OpIAdd, g.tU32, dst, e.u32(uint32(i))), 4, v)
	}
}
