package spirvgen

import (
	"github.com/streamhal/streamhal/internal/spirv"
)

// Out-of-line helpers. The big soft-float routines (f64 division and
// square root, the exact fma, directed f64 arithmetic, the exact f32 fma
// behind NVIDIA's flushing Fma) are SPIR-V functions, written once per
// module on first use and called from every use, instead of being
// expanded at each instruction: an f64 division on a device whose Fma
// rounds twice is thousands of instructions (its residuals are exact
// fmas), and the device math library had hundreds of them. A helper
// takes and returns scalars only and touches no module-scope variable,
// so any entry point may call it and the interfaces stay as they are.
// Float controls (DenormPreserve) are execution modes of the entry
// point and hold for the functions it calls.

// helper is one out-of-line function of the module.
type helper struct {
	id  spirv.ID
	ret spirv.ID
}

// call returns key(args...), a call of the module's helper of that name,
// written on first use: a function with parameters of the args' types
// (params) returning ret, whose body body(params) writes and whose value
// it returns. ctrl is the function control (DontInline for a slow path
// that should stay out of the caller's loop).
func (e *fn) call(key string, ctrl spirv.FunctionControl, ret spirv.ID, types []spirv.ID, args []spirv.ID, body func(ps []spirv.ID) spirv.ID) spirv.ID {
	g := e.g
	h, ok := g.helpers[key]
	if !ok {
		sm := g.sm
		sf := sm.Function(ret, ctrl, sm.TypeFunction(ret, types...))
		sm.Name(sf.ID, key)
		ps := make([]spirv.ID, len(types))
		for i, t := range types {
			ps[i] = sf.Param(t)
		}
		h = helper{id: sf.ID, ret: ret}
		if g.helpers == nil {
			g.helpers = map[string]helper{}
		}
		g.helpers[key] = h
		// The body is written by this emitter with its function and
		// block swapped for the helper's; helpers call helpers the same
		// way (each is written once, before its first caller's call).
		saveF, saveB := e.sf, e.cur
		e.sf = sf
		e.cur = sf.Begin(sf.NewBlock())
		r := body(ps)
		e.cur.Emit(spirv.OpReturnValue, 0, uint32(r))
		e.sf, e.cur = saveF, saveB
	}
	w := []uint32{uint32(h.id)}
	for _, a := range args {
		w = append(w, uint32(a))
	}
	return e.cur.Emit(spirv.OpFunctionCall, h.ret, w...)
}
