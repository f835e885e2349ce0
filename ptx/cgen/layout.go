package cgen

import "github.com/streamhal/streamhal/ptx"

func alignUp(v, a int64) int64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// layoutShared assigns every static .shared variable an offset in the
// block's shared window: module-scope variables and those of non-kernel
// functions first (their code may run in any kernel), then each kernel's
// own variables, overlapping between kernels. Dynamic shared memory
// (extern .shared arrays) starts after the largest kernel's part, 16-byte
// aligned, at the same offset for every kernel.
func (g *gen) layoutShared() {
	g.shOff = map[*ptx.Var]int64{}
	g.kernelSh = map[*ptx.Func]int64{}
	var end int64
	place := func(v *ptx.Var, at int64) int64 {
		at = alignUp(at, max(v.Align, 1))
		g.shOff[v] = at
		return at + v.Size
	}
	for _, v := range g.m.Globals {
		if v.Space == ptx.SpaceShared && !v.Unsized {
			end = place(v, end)
		}
	}
	for _, f := range g.m.Funcs {
		if f.Entry || f.Body == nil {
			continue
		}
		for _, v := range f.Vars {
			if v.Space == ptx.SpaceShared && !v.Unsized {
				end = place(v, end)
			}
		}
	}
	g.sharedBase = end
	maxEnd := end
	for _, f := range g.m.Funcs {
		if !f.Entry || f.Body == nil {
			continue
		}
		k := g.sharedBase
		for _, v := range f.Vars {
			if v.Space == ptx.SpaceShared && !v.Unsized {
				k = place(v, k)
			}
		}
		g.kernelSh[f] = k
		maxEnd = max(maxEnd, k)
	}
	g.dynOff = alignUp(maxEnd, 16)
}

// localLayout assigns offsets to a function's .local variables in its local
// window and returns the window's size (16-byte aligned).
func localLayout(f *ptx.Func) (map[*ptx.Var]int64, int64) {
	off := map[*ptx.Var]int64{}
	var end int64
	for _, v := range f.Vars {
		if v.Space != ptx.SpaceLocal {
			continue
		}
		end = alignUp(end, max(v.Align, 1))
		off[v] = end
		end += v.Size
	}
	return off, alignUp(end, 16)
}

// staticShared is the static shared memory a kernel uses: its own
// variables and the module-scope ones it or its callees name.
func (g *gen) staticShared(k *ptx.Func) int64 {
	seen := map[*ptx.Func]bool{}
	usesModule := false
	var walk func(f *ptx.Func)
	walk = func(f *ptx.Func) {
		if seen[f] || f.Body == nil {
			return
		}
		seen[f] = true
		for _, in := range f.Body {
			each(in, func(o *ptx.Operand) {
				if o.Var != nil && o.Var.Space == ptx.SpaceShared && (o.Var.Func == nil || !o.Var.Func.Entry) {
					usesModule = true
				}
			})
			if in.Callee != nil {
				walk(in.Callee)
			}
			if in.Proto != nil {
				usesModule = true // an indirect call may reach anything
			}
		}
	}
	walk(k)
	own := g.kernelSh[k] - g.sharedBase
	if usesModule {
		return g.sharedBase + own
	}
	return own
}

// each calls f for every operand of in, nested ones included.
func each(in *ptx.Inst, f func(*ptx.Operand)) {
	var visit func(o *ptx.Operand)
	visit = func(o *ptx.Operand) {
		if o == nil {
			return
		}
		f(o)
		for _, e := range o.Elems {
			visit(e)
		}
	}
	for _, o := range in.Args {
		visit(o)
	}
	visit(in.Dst2)
}
