package spirvgen

import (
	"strings"

	"github.com/streamhal/streamhal/internal/spirv"
	"github.com/streamhal/streamhal/ptx"
)

// The shared-memory subnormal flag.
//
// A run of fused fmas (fmarun.go) folds |x| of every value it reads into
// its minimum: three float minimums per fma of a tiled matrix product,
// whose a and b are fresh loads from shared memory each time. On the H100
// those minimums were the whole of matrix_multiply's cost over its GLSL
// twin (1.55x; the fused Fma alone 1.03x). Values loaded from shared
// memory are instead tested where they are stored, once per store rather
// than once per use: where the kernel's fmas read such values, every
// write to the block's shared memory that may leave a subnormal word sets
// a flag in Workgroup memory, and a run that read loaded values takes its
// recomputation when its minimum or the flag says so.
//
//   - A 32- or 64-bit store tests each 32-bit word it writes (nonzero with
//     a zero exponent field, on the bits); a narrower store, an atomic and
//     a cp.async word set the flag unconditionally (a byte store can make
//     its word subnormal, and an atomic's new value is not known here).
//   - The flag is set before the store, never cleared (once set, the
//     block's later runs that read shared values take the exact path: slow
//     but correct), stored and read with relaxed atomics at workgroup
//     scope, and zeroed by the block's first thread before a barrier at
//     the kernel's start.
//   - Covered registers: those whose every definition in the kernel is a
//     weak (plain or .weak) 32-bit load of shared memory. A value such a
//     register holds was read from shared memory after its store in the
//     storing thread's order set the flag; whatever makes the store
//     visible to the reader (a barrier, a fence and a flag, the same
//     thread) makes the flag's store visible too, and the run reads the
//     flag after its loads. A racing weak load may see a value without
//     its flag; PTX gives such a load no defined value either.
//   - Zeros, infinities and NaNs stored to shared memory do not set the
//     flag: the fused Fma treats them as the exact fma does (the run's
//     minimum still tests each result, which is where a flushed subnormal
//     becomes a zero).
//
// Only kernels run without the scheduler, on targets whose runs test
// subnormals, with a run fma reading a covered register, have the flag;
// elsewhere nothing changes.

// sharedFlag is the kernel's flag and the registers it covers.
type sharedFlag struct {
	v       spirv.ID // Workgroup u32, 0 when the kernel has no flag
	covered map[*ptx.Reg]bool
	// reloadAt maps a covered register loaded in the current block, with
	// no shared store, atomic or synchronization since, to its load's
	// byte offset (fmaCheck "reload"; nil otherwise).
	reloadAt map[*ptx.Reg]spirv.ID
	// offs are the byte offsets of the last shared load's elements.
	offs []spirv.ID
}

// trackReloads updates reloadAt before in: a block start (first) or
// anything but plain data flow, and any write to shared memory, forget
// every load.
func (e *fn) trackReloads(in *ptx.Inst, first bool) {
	if e.shFlag.reloadAt == nil {
		return
	}
	if first || !plainFlow[in.Op] || e.writesShared(in) {
		clear(e.shFlag.reloadAt)
	}
}

// noteLoad records the offsets of a covered load's registers after it.
func (e *fn) noteLoad(in *ptx.Inst) {
	if e.shFlag.reloadAt == nil || !e.coveredLoad(in) {
		return
	}
	d := in.Args[0]
	regs := []*ptx.Operand{d}
	if d.Kind == ptx.OpdVec {
		regs = d.Elems
	}
	for i, o := range regs {
		if o.Kind == ptx.OpdReg && e.shFlag.covered[o.Reg] && i < len(e.shFlag.offs) {
			e.shFlag.reloadAt[o.Reg] = e.shFlag.offs[i]
		}
	}
}

// writesShared reports whether in may write shared memory.
func (e *fn) writesShared(in *ptx.Inst) bool {
	ai := -1
	switch in.Op {
	case "st", "red":
		ai = 0
	case "atom":
		ai = 1
	case "cp.async":
		return true
	}
	if ai < 0 || ai >= len(in.Args) {
		return false
	}
	sp, err := e.prov.space(in, in.Args[ai])
	return err != nil || sp == ptx.SpaceShared
}

// weak reports whether in is a plain (or .weak) memory access: no
// memory order, not .volatile.
func weak(in *ptx.Inst) bool { return in.Sem == ptx.SemNone || in.Sem == ptx.SemWeak }

// coveredLoad reports whether in is a weak 32-bit load of shared memory.
func (e *fn) coveredLoad(in *ptx.Inst) bool {
	if in.Op != "ld" || in.Guard != nil || in.Type().Size() != 4 || !weak(in) {
		return false
	}
	sp, err := e.prov.space(in, in.Args[1])
	return err == nil && sp == ptx.SpaceShared
}

// setupSharedFlag decides whether the kernel gets the flag and, if so,
// declares it and zeroes it at the start (in the entry block, after the
// prologue).
func (e *fn) setupSharedFlag() {
	if e.shared == nil || e.sched != nil || !e.runsOn() || strings.Contains(fmaCheck, "noflag") {
		return
	}
	cand, bad := map[*ptx.Reg]bool{}, map[*ptx.Reg]bool{}
	for _, in := range e.k.Body {
		ok := e.coveredLoad(in)
		in.Defs(func(r *ptx.Reg) {
			if ok && r.Type.Size() == 4 {
				cand[r] = true
			} else {
				bad[r] = true
			}
		})
	}
	covered := map[*ptx.Reg]bool{}
	for r := range cand {
		if !bad[r] {
			covered[r] = true
		}
	}
	used := false
	for _, in := range e.k.Body {
		if !e.runnable(in) {
			continue
		}
		for _, o := range in.Args[1:] {
			if o.Kind == ptx.OpdReg && covered[o.Reg] {
				used = true
			}
		}
	}
	if !used {
		return
	}
	g := e.g
	sm := g.sm
	e.shFlag.covered = covered
	if strings.Contains(fmaCheck, "reload") {
		e.shFlag.reloadAt = map[*ptx.Reg]spirv.ID{}
	}
	e.shFlag.v = sm.Variable(sm.TypePointer(spirv.StorageClassWorkgroup, g.tU32), spirv.StorageClassWorkgroup, 0)
	sm.Name(e.shFlag.v, e.k.Name+".subnormal_flag")
	first := e.op(spirv.OpIEqual, g.tBool, e.linearTid, e.u32(0))
	e.ifThen(first, func() { e.setSharedFlag(0) })
	wg := e.u32(uint32(spirv.ScopeWorkgroup))
	sem := e.u32(uint32(spirv.MemorySemanticsAcquireRelease | spirv.MemorySemanticsWorkgroupMemory))
	e.cur.EmitIDs(spirv.OpControlBarrier, 0, wg, wg, sem)
}

// setSharedFlag stores v (0 or 1) into the flag.
func (e *fn) setSharedFlag(v uint32) {
	e.cur.EmitIDs(spirv.OpAtomicStore, 0, e.use(e.shFlag.v), e.u32(uint32(spirv.ScopeWorkgroup)), e.u32(0), e.u32(v))
}

// sharedFlagSet reads the flag: a bool, true when set.
func (e *fn) sharedFlagSet() spirv.ID {
	g := e.g
	v := e.op(spirv.OpAtomicLoad, g.tU32, e.use(e.shFlag.v), e.u32(uint32(spirv.ScopeWorkgroup)), e.u32(0))
	return e.op(spirv.OpINotEqual, g.tBool, v, e.u32(0))
}

// noteSharedStore sets the flag ahead of a store of size bytes of v (an
// unsigned integer of that size) to shared memory where the stored words
// may be subnormal; unknown (v 0) sets it unconditionally.
func (e *fn) noteSharedStore(size int, v spirv.ID) {
	if e.shFlag.v == 0 {
		return
	}
	g := e.g
	var cond spirv.ID
	switch {
	case v == 0 || size < 4:
		e.setSharedFlag(1)
		return
	case size == 4:
		cond = e.subnormalWord(v)
	case size == 8:
		lo, hi := e.split64(v)
		cond = e.op(spirv.OpLogicalOr, g.tBool, e.subnormalWord(lo), e.subnormalWord(hi))
	default:
		e.setSharedFlag(1)
		return
	}
	e.ifThen(cond, func() { e.setSharedFlag(1) })
}

// subnormalWord reports whether the f32 bits x are a nonzero subnormal.
func (e *fn) subnormalWord(x spirv.ID) spirv.ID {
	return e.op(spirv.OpULessThan, e.g.tBool, e.subnormalKey(x), e.u32(0xffffff))
}
