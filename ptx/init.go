package ptx

import (
	"encoding/binary"
	"math"
)

// initVar serializes a variable's initializer into v.Init (little-endian
// bytes of v.Size) and v.Relocs (addresses patched at load time).
func (c *checker) initVar(v *Var, d *astVar) {
	if v.Space != SpaceGlobal && v.Space != SpaceConst {
		c.errorf(d.pos, "variable %s: only .global and .const variables can be initialized", v.Name)
		return
	}
	if v.Size > 1<<30 {
		c.errorf(d.pos, "variable %s: initializer too large", v.Name)
		return
	}
	v.Init = make([]byte, v.Size)
	dims := append([]int64(nil), v.Dims...)
	if len(dims) > 0 && dims[0] < 0 && d.init.kind == initList {
		dims[0] = int64(len(d.init.elems))
	}
	w := &initWriter{c: c, v: v, dims: dims}
	w.strides = make([]int64, len(dims))
	s := v.ElemSize()
	for i := len(dims) - 1; i >= 0; i-- {
		w.strides[i] = s
		s *= dims[i]
	}
	w.fill(d.init, 0, 0)
}

type initWriter struct {
	c       *checker
	v       *Var
	dims    []int64
	strides []int64
	depth   int
}

func (w *initWriter) fill(in *astInit, off int64, level int) {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > 64 {
		w.c.errorf(in.pos, "variable %s: initializer nested too deeply", w.v.Name)
		return
	}
	v := w.v
	if level < len(w.dims) {
		if in.kind != initList {
			w.scalar(in, off)
			return
		}
		n := w.dims[level]
		if int64(len(in.elems)) > n {
			// A flattened initializer for a multi-dimensional array.
			if total := v.Size / int64(v.Type.Size()); int64(len(in.elems)) <= total && allScalars(in.elems) {
				for i, e := range in.elems {
					w.scalar(e, off+int64(i)*int64(v.Type.Size()))
				}
				return
			}
			w.c.errorf(in.pos, "variable %s: %d initializers for %d elements", v.Name, len(in.elems), n)
			return
		}
		for i, e := range in.elems {
			w.fill(e, off+int64(i)*w.strides[level], level+1)
		}
		return
	}
	if v.Vec > 1 {
		if in.kind != initList {
			w.scalar(in, off)
			return
		}
		if len(in.elems) > v.Vec {
			w.c.errorf(in.pos, "variable %s: %d initializers for a vector of %d", v.Name, len(in.elems), v.Vec)
			return
		}
		for i, e := range in.elems {
			w.scalar(e, off+int64(i)*int64(v.Type.Size()))
		}
		return
	}
	if in.kind == initList {
		if len(in.elems) == 1 {
			w.fill(in.elems[0], off, level)
			return
		}
		w.c.errorf(in.pos, "variable %s: a list initializes a scalar", v.Name)
		return
	}
	w.scalar(in, off)
}

func allScalars(l []*astInit) bool {
	for _, e := range l {
		if e.kind == initList {
			return false
		}
	}
	return true
}

func (w *initWriter) scalar(in *astInit, off int64) {
	v := w.v
	t := v.Type
	size := int64(t.Size())
	if off < 0 || off+size > int64(len(v.Init)) {
		w.c.errorf(in.pos, "variable %s: initializer past the end", v.Name)
		return
	}
	put := func(bits uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], bits)
		copy(v.Init[off:off+size], b[:size])
	}
	switch in.kind {
	case initInt:
		switch t {
		case F32:
			put(uint64(math.Float32bits(float32(int64(in.ival)))))
		case F64:
			put(math.Float64bits(float64(int64(in.ival))))
		default:
			put(in.ival)
		}
	case initFloat:
		switch {
		case t == F32 && in.fdouble:
			put(uint64(math.Float32bits(float32(math.Float64frombits(in.fbits)))))
		case t == F64 && !in.fdouble:
			put(math.Float64bits(float64(math.Float32frombits(uint32(in.fbits)))))
		case t == F32 || t == F64:
			put(in.fbits)
		case size == 4 && !in.fdouble, size == 8 && in.fdouble:
			put(in.fbits)
		default:
			w.c.errorf(in.pos, "variable %s: float literal for a .%s element", v.Name, t)
		}
	case initSym:
		o := &Operand{}
		w.c.resolveGlobalSym(in, o)
		if o.Var == nil && o.Func == nil {
			return
		}
		r := InitReloc{Offset: off, Var: o.Var, Func: o.Func, Addend: in.off, Generic: in.generic}
		switch {
		case in.mask != 0:
			r.Masked, r.Shift, r.Size = true, byteMaskShift(in.mask), int(size)
		case size == 8:
			r.Size = 8
		default:
			w.c.errorf(in.pos, "variable %s: an address needs a 64-bit element, not .%s", v.Name, t)
			return
		}
		if o.Var != nil && (o.Var.Space == SpaceShared || o.Var.Space == SpaceLocal) {
			w.c.e.add(in.pos, true, "variable %s: addresses of .%s variables in initializers are not supported", v.Name, o.Var.Space)
			return
		}
		v.Relocs = append(v.Relocs, r)
	default:
		w.c.errorf(in.pos, "variable %s: bad initializer", v.Name)
	}
}

func (c *checker) resolveGlobalSym(in *astInit, o *Operand) {
	if v := c.m.varByName[in.sym]; v != nil {
		o.Var = v
		return
	}
	if f := c.m.funcByName[in.sym]; f != nil {
		if in.generic {
			c.errorf(in.pos, "generic() of function %s", in.sym)
			return
		}
		o.Func = f
		return
	}
	c.errorf(in.pos, "undefined symbol %s in an initializer", in.sym)
}
