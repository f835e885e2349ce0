//go:build cgo

package vulkan

// Which push-constant members of each entry point are pointers
// (PhysicalStorageBuffer addresses). hal/modfile reports offsets and sizes
// but not yet hal.Param.Pointer for SPIR-V; this scan fills that in, so the
// driver can check pointer arguments before a kernel dereferences a wild
// address. Remove it once modfile sets Pointer for SPIR-V.

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/streamhal/streamhal/hal"
)

var errSPIRV = errors.New("malformed SPIR-V")

type spvType struct {
	op      uint32
	width   uint32
	elem    uint32
	count   uint32
	members []uint32
	sc      uint32
}

// SPIR-V opcodes and enums used below (SPIR-V specification, section 3).
const (
	opEntryPoint          = 15
	opExecutionMode       = 16
	opTypeBool            = 20
	opTypeInt             = 21
	opTypeFloat           = 22
	opTypeVector          = 23
	opTypeArray           = 28
	opTypeStruct          = 30
	opTypePointer         = 32
	opConstant            = 43
	opConstantComposite   = 44
	opSpecConstant        = 50
	opSpecConstantComp    = 51
	opFunction            = 54
	opFunctionEnd         = 56
	opFunctionCall        = 57
	opVariable            = 59
	opLoad                = 61
	opStore               = 62
	opCopyMemory          = 63
	opAccessChain         = 65
	opInBoundsAccessChain = 66
	opPtrAccessChain      = 67
	opDecorate            = 71
	opMemberDecorate      = 72
	opExecutionModeID     = 331

	execGLCompute   = 5
	modeLocalSize   = 17
	modeLocalSizeID = 38
	decSpecID       = 1
	decArrayStride  = 6
	decBuiltIn      = 11
	decOffset       = 35
	builtInWGSize   = 25
	scPushConstant  = 9
	scPhysicalSBuf  = 5349
)

// spirvPointerParams returns, per GLCompute entry point, which members of
// its push-constant block are PhysicalStorageBuffer pointers. It never
// panics; structural errors wrap hal.ErrInvalidImage.
func spirvPointerParams(data []byte) (map[string][]bool, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("hal/vulkan: SPIR-V: %s: %w: %w", fmt.Sprintf(format, args...), errSPIRV, hal.ErrInvalidImage)
	}
	if len(data) < 20 || len(data)%4 != 0 {
		return nil, bad("%d bytes is not a whole number of words with a header", len(data))
	}
	nw := len(data) / 4
	w := func(i int) uint32 { return binary.LittleEndian.Uint32(data[4*i:]) }
	if w(0) != spvMagic {
		return nil, bad("bad magic %#08x", w(0))
	}
	bound := w(3)
	if bound == 0 || bound > 1<<22 {
		return nil, bad("id bound %d", bound)
	}
	out := map[string][]bool{}

	type entry struct {
		fn        uint32
		name      string
		iface     []uint32
		local     [3]uint32
		localIDs  [3]uint32
		hasLocal  bool
		hasLocalI bool
	}
	var entries []*entry
	entryByFn := map[uint32][]*entry{}
	types := map[uint32]*spvType{}
	consts := map[uint32]uint32{} // scalar constants and spec-constant defaults
	specID := map[uint32]uint32{}
	arrayStride := map[uint32]uint32{}
	memberOffset := map[[2]uint32]uint32{}
	builtinWG := map[uint32]bool{}
	composites := map[uint32][]uint32{}
	varClass := map[uint32]uint32{} // global variables: id -> storage class
	varType := map[uint32]uint32{}
	// Function bodies: which globals each function touches and calls.
	type fnInfo struct {
		uses  []uint32
		calls []uint32
	}
	fns := map[uint32]*fnInfo{}
	var curFn *fnInfo

	checkID := func(id uint32) bool { return id != 0 && id < bound }

	for i := 5; i < nw; {
		word := w(i)
		n := int(word >> 16)
		op := word & 0xffff
		if n == 0 || i+n > nw {
			return nil, bad("instruction at word %d has length %d past the end (%d words)", i, n, nw)
		}
		ops := make([]uint32, n-1)
		for k := range ops {
			ops[k] = w(i + 1 + k)
		}
		i += n
		need := func(k int) bool { return len(ops) >= k }
		switch op {
		case opEntryPoint:
			if !need(3) {
				return nil, bad("short OpEntryPoint")
			}
			name, rest, ok := spvString(ops[2:])
			if !ok {
				return nil, bad("unterminated entry point name")
			}
			if ops[0] != execGLCompute {
				continue
			}
			e := &entry{fn: ops[1], name: name, iface: rest}
			entries = append(entries, e)
			entryByFn[e.fn] = append(entryByFn[e.fn], e)
		case opExecutionMode, opExecutionModeID:
			if !need(2) {
				return nil, bad("short OpExecutionMode")
			}
			for _, e := range entryByFn[ops[0]] {
				switch {
				case op == opExecutionMode && ops[1] == modeLocalSize && need(5):
					e.local = [3]uint32{ops[2], ops[3], ops[4]}
					e.hasLocal = true
				case op == opExecutionModeID && ops[1] == modeLocalSizeID && need(5):
					e.localIDs = [3]uint32{ops[2], ops[3], ops[4]}
					e.hasLocalI = true
				}
			}
		case opTypeBool:
			if need(1) {
				types[ops[0]] = &spvType{op: op, width: 32}
			}
		case opTypeInt, opTypeFloat:
			if !need(2) {
				return nil, bad("short scalar type")
			}
			types[ops[0]] = &spvType{op: op, width: ops[1]}
		case opTypeVector:
			if !need(3) {
				return nil, bad("short OpTypeVector")
			}
			types[ops[0]] = &spvType{op: op, elem: ops[1], count: ops[2]}
		case opTypeArray:
			if !need(3) {
				return nil, bad("short OpTypeArray")
			}
			types[ops[0]] = &spvType{op: op, elem: ops[1], count: ops[2]}
		case opTypeStruct:
			if !need(1) {
				return nil, bad("short OpTypeStruct")
			}
			types[ops[0]] = &spvType{op: op, members: append([]uint32(nil), ops[1:]...)}
		case opTypePointer:
			if !need(3) {
				return nil, bad("short OpTypePointer")
			}
			types[ops[0]] = &spvType{op: op, sc: ops[1], elem: ops[2]}
		case opConstant, opSpecConstant:
			if !need(3) {
				return nil, bad("short constant")
			}
			consts[ops[1]] = ops[2]
		case opConstantComposite, opSpecConstantComp:
			if !need(2) {
				return nil, bad("short composite")
			}
			composites[ops[1]] = append([]uint32(nil), ops[2:]...)
		case opDecorate:
			if !need(2) {
				return nil, bad("short OpDecorate")
			}
			switch {
			case ops[1] == decSpecID && need(3):
				specID[ops[0]] = ops[2]
			case ops[1] == decArrayStride && need(3):
				arrayStride[ops[0]] = ops[2]
			case ops[1] == decBuiltIn && need(3) && ops[2] == builtInWGSize:
				builtinWG[ops[0]] = true
			}
		case opMemberDecorate:
			if !need(3) {
				return nil, bad("short OpMemberDecorate")
			}
			if ops[2] == decOffset && need(4) {
				memberOffset[[2]uint32{ops[0], ops[1]}] = ops[3]
			}
		case opVariable:
			if !need(3) {
				return nil, bad("short OpVariable")
			}
			if curFn == nil {
				varClass[ops[1]] = ops[2]
				varType[ops[1]] = ops[0]
			}
		case opFunction:
			if !need(4) {
				return nil, bad("short OpFunction")
			}
			if curFn != nil {
				return nil, bad("nested OpFunction")
			}
			curFn = &fnInfo{}
			fns[ops[1]] = curFn
		case opFunctionEnd:
			if curFn == nil {
				return nil, bad("OpFunctionEnd outside a function")
			}
			curFn = nil
		case opFunctionCall:
			if curFn != nil && need(3) {
				curFn.calls = append(curFn.calls, ops[2])
				curFn.uses = append(curFn.uses, ops[3:]...)
			}
		case opAccessChain, opInBoundsAccessChain, opPtrAccessChain, opLoad:
			if curFn != nil && need(3) {
				curFn.uses = append(curFn.uses, ops[2])
			}
		case opStore, opCopyMemory:
			if curFn != nil && need(2) {
				curFn.uses = append(curFn.uses, ops[0], ops[1])
			}
		}
	}
	if curFn != nil {
		return nil, bad("function without OpFunctionEnd")
	}

	for _, e := range entries {
		if !checkID(e.fn) || fns[e.fn] == nil {
			return nil, bad("entry point %q names function %d, which is not defined", e.name, e.fn)
		}
		// Globals this entry point uses: its interface (all globals from
		// SPIR-V 1.4 on) plus what its call tree touches.
		used := map[uint32]bool{}
		for _, id := range e.iface {
			used[id] = true
		}
		seen := map[uint32]bool{}
		stack := []uint32{e.fn}
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[f] || fns[f] == nil {
				continue
			}
			seen[f] = true
			for _, u := range fns[f].uses {
				used[u] = true
			}
			stack = append(stack, fns[f].calls...)
		}
		var pushVar uint32
		for id := range used {
			if varClass[id] == scPushConstant && (pushVar == 0 || id < pushVar) {
				pushVar = id
			}
		}
		if pushVar == 0 {
			continue
		}
		pt := types[varType[pushVar]]
		if pt == nil || pt.op != opTypePointer {
			continue
		}
		st := types[pt.elem]
		if st == nil || st.op != opTypeStruct {
			continue
		}
		flags := make([]bool, len(st.members))
		for j, mt := range st.members {
			if t := types[mt]; t != nil && t.op == opTypePointer && t.sc == scPhysicalSBuf {
				flags[j] = true
			}
		}
		out[e.name] = flags
	}
	return out, nil
}

// spvString decodes a nul-terminated literal string and returns the words
// after it.
func spvString(ws []uint32) (string, []uint32, bool) {
	var b []byte
	for i, w := range ws {
		for k := 0; k < 4; k++ {
			c := byte(w >> (8 * k))
			if c == 0 {
				return string(b), ws[i+1:], true
			}
			b = append(b, c)
		}
	}
	return "", nil, false
}
