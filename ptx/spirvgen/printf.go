package spirvgen

import (
	"fmt"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// printf and assert on Vulkan.
//
// A shader cannot call the C library, so a call of CUDA's vprintf (what
// printf compiles to) becomes a record in a buffer that the driver prints
// on the host, as CUDA's own printf does: a module-scope .global buffer
// of PrintfBufferSize bytes (PrintfBuffer) whose first word counts the
// bytes reserved; each record, at 8 + that count, is a 32-bit format
// number (1 + its index in Printf.Formats; 0 marks a record never
// written) followed by a copy of vprintf's argument buffer. The format
// must be known when the module is translated (a string constant of the
// module, as printf("...") gives): its conversions say how large the
// argument buffer is (ptx.PrintfLayout). A record that does not fit is
// dropped, as CUDA drops output beyond its FIFO.
//
// The rewrite is in PTX: each call is redirected to a .func written for
// its format, which the inliner then expands like any other:
//
//	ld.global.u32 (full?) / atom.global.add.u32 (reserve) /
//	st.global.u32 the format number / ld.u32 + st.global.u32 per word
//	of the arguments (generic loads from the caller's local buffer).
//
// __assertfail (a failed assert) writes a record of a format built from
// its message, file and function (constants too) with the line, the
// block and the thread, and then traps: the thread ends. The driver
// prints it to standard error and fails the queue's work with
// hal.ErrAssert.

// PrintfBuffer is the name of the module global that holds the records.
const PrintfBuffer = "__shal_printf"

// PrintfBufferSize is its size: 1 MiB, CUDA's default printf FIFO.
const PrintfBufferSize = 1 << 20

// Printf says how to print a module's printf records.
type Printf struct {
	// Formats are the formats, by number - 1.
	Formats []PrintfFormat
}

// PrintfFormat is one format string of a module's printf calls.
type PrintfFormat struct {
	Format string
	// Args is the layout of the argument buffer copied after the format
	// number (ptx.PrintfLayout).
	Args ptx.PrintfArgs
	// Assert marks the message of a failed assert: it goes to standard
	// error, and the launch failed.
	Assert bool
	// Dynamic marks a call without arguments whose format is chosen at
	// run time: the record holds the format's 8-byte address instead.
	Dynamic bool
}

// RecordSize is the bytes a record of f takes in the buffer: the format
// number and the argument bytes, rounded up to 4.
func (f *PrintfFormat) RecordSize() int { return 4 + (f.Args.Size+3)&^3 }

// rewritePrintf redirects the module's vprintf and __assertfail calls to
// functions that record them (see above) and adds the buffer. It returns
// nil when the module prints nothing.
func rewritePrintf(m *ptx.Module) (*Printf, error) {
	type site struct {
		f    *ptx.Func
		call *ptx.Inst
		kind string
	}
	var sites []site
	for _, f := range m.Funcs {
		for _, in := range f.Body {
			if in.Op == "call" && in.Callee != nil {
				if k := ptx.RuntimeFunc(in.Callee); k != "" {
					sites = append(sites, site{f, in, k})
				}
			}
		}
	}
	if len(sites) == 0 {
		return nil, nil
	}
	pf := &Printf{}
	ids := map[string]int{}
	var text strings.Builder
	text.WriteString(".version 7.0\n.target sm_80\n.address_size 64\n")
	fmt.Fprintf(&text, ".global .align 8 .b8 %s[%d];\n", PrintfBuffer, PrintfBufferSize)
	funcFor := map[int]string{}
	callee := map[*ptx.Inst]string{}
	for _, s := range sites {
		var pfmt PrintfFormat
		if s.kind == ptx.RuntimeVprintf {
			format, err := constString(s.f, s.call, 0)
			switch {
			case err == nil:
				pfmt = PrintfFormat{Format: format, Args: ptx.PrintfLayout(format)}
			case nullArg(s.f, s.call, 1):
				// printf(s) with s chosen at run time: the record
				// carries the address, the driver reads the text.
				pfmt = PrintfFormat{Dynamic: true, Args: ptx.PrintfArgs{Size: 8}}
			default:
				return nil, &Error{Pos: s.call.Pos, Msg: "printf: " + err.Error() + " (on Vulkan a format with arguments must be a string constant of the module)"}
			}
		} else {
			var parts [3]string
			for i, k := range []int{0, 1, 3} {
				v, err := constString(s.f, s.call, k)
				if err != nil {
					return nil, &Error{Pos: s.call.Pos, Msg: "assert: " + err.Error() + " (on Vulkan the message, file and function must be string constants of the module)"}
				}
				parts[i] = strings.ReplaceAll(v, "%", "%%")
			}
			format := fmt.Sprintf("%s:%%u: %s: block: [%%u,%%u,%%u], thread: [%%u,%%u,%%u] Assertion `%s` failed.\n", parts[1], parts[2], parts[0])
			pfmt = PrintfFormat{Format: format, Args: ptx.PrintfLayout(format), Assert: true}
		}
		key := fmt.Sprintf("%v\x00%v\x00%s", pfmt.Assert, pfmt.Dynamic, pfmt.Format)
		id, ok := ids[key]
		if !ok {
			pf.Formats = append(pf.Formats, pfmt)
			id = len(pf.Formats)
			ids[key] = id
		}
		if _, ok := funcFor[id]; !ok {
			name := fmt.Sprintf("__shal_printf_%d", id)
			funcFor[id] = name
			writeRecorder(&text, name, id, &pf.Formats[id-1])
		}
		callee[s.call] = funcFor[id]
	}
	sm, err := ptx.Parse([]byte(text.String()))
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("internal error: printf recorder: %v", err)}
	}
	// The recorders join the module, their variables numbered after its.
	next := 0
	visitVars(m, func(v *ptx.Var) { next = max(next, v.ID) })
	visitVars(sm, func(v *ptx.Var) { next++; v.ID = next })
	byName := map[string]*ptx.Func{}
	for _, f := range sm.Funcs {
		byName[f.Name] = f
		m.Funcs = append(m.Funcs, f)
	}
	m.Globals = append(m.Globals, sm.Globals...)
	for call, name := range callee {
		f := byName[name]
		call.Callee = f
		if t := ptx.CallTarget(call); t.Kind == ptx.OpdSym {
			t.Func = f
		}
	}
	return pf, nil
}

// writeRecorder writes the PTX of the function that records a call of
// format number id.
func writeRecorder(b *strings.Builder, name string, id int, f *PrintfFormat) {
	rec := f.RecordSize()
	limit := PrintfBufferSize - 8 - rec
	words := (f.Args.Size + 3) / 4
	if f.Assert {
		fmt.Fprintf(b, ".func %s(.param .b64 m, .param .b64 f, .param .b32 l, .param .b64 fn, .param .b64 cs)\n{\n", name)
	} else {
		fmt.Fprintf(b, ".func (.param .b32 r) %s(.param .b64 f, .param .b64 a)\n{\n", name)
	}
	b.WriteString("  .reg .pred %p<3>;\n  .reg .b32 %r<12>;\n  .reg .b64 %rd<8>;\n")
	fmt.Fprintf(b, "  mov.u64 %%rd2, %s;\n", PrintfBuffer)
	// A full buffer stays full: no more reservations, so the count cannot
	// wrap around however often a kernel prints.
	b.WriteString("  ld.volatile.global.u32 %r1, [%rd2];\n")
	fmt.Fprintf(b, "  setp.gt.u32 %%p1, %%r1, %d;\n  @%%p1 bra $Ldone;\n", limit)
	fmt.Fprintf(b, "  atom.global.add.u32 %%r1, [%%rd2], %d;\n", rec)
	fmt.Fprintf(b, "  setp.gt.u32 %%p2, %%r1, %d;\n  @%%p2 bra $Ldone;\n", limit)
	b.WriteString("  cvt.u64.u32 %rd3, %r1;\n  add.u64 %rd4, %rd2, %rd3;\n")
	if f.Assert {
		b.WriteString("  ld.param.u32 %r2, [l];\n  st.global.u32 [%rd4+12], %r2;\n")
		for i, s := range []string{"%ctaid.x", "%ctaid.y", "%ctaid.z", "%tid.x", "%tid.y", "%tid.z"} {
			fmt.Fprintf(b, "  mov.u32 %%r3, %s;\n  st.global.u32 [%%rd4+%d], %%r3;\n", s, 16+4*i)
		}
	} else if f.Dynamic {
		b.WriteString("  ld.param.u64 %rd1, [f];\n  cvt.u32.u64 %r2, %rd1;\n  shr.u64 %rd5, %rd1, 32;\n  cvt.u32.u64 %r3, %rd5;\n")
		b.WriteString("  st.global.u32 [%rd4+12], %r2;\n  st.global.u32 [%rd4+16], %r3;\n")
	} else if words > 0 {
		b.WriteString("  ld.param.u64 %rd1, [a];\n")
		for w := 0; w < words; w++ {
			fmt.Fprintf(b, "  ld.u32 %%r2, [%%rd1+%d];\n  st.global.u32 [%%rd4+%d], %%r2;\n", 4*w, 12+4*w)
		}
	}
	// The format number last: the host reads a record whose number is
	// set (the driver zeroes what it read).
	fmt.Fprintf(b, "  st.global.u32 [%%rd4+8], %d;\n", id)
	b.WriteString("$Ldone:\n")
	if f.Assert {
		b.WriteString("  trap;\n}\n")
		return
	}
	n := f.Args.N
	if f.Dynamic {
		n = 0
	}
	fmt.Fprintf(b, "  st.param.b32 [r], %d;\n  ret;\n}\n", n)
}

// constString finds the string constant that argument k of call points
// to: the value stored into the call's .param argument (or passed in a
// register), traced through its definitions (mov of a variable's
// address, cvta.global, add of a constant) to the initializer of a
// module .global or .const variable.
func constString(f *ptx.Func, call *ptx.Inst, k int) (string, error) {
	val, at := argValue(f, call, k)
	if val == nil {
		return "", fmt.Errorf("argument %d is not stored before the call", k)
	}
	v, off, err := traceAddr(f, val, at, 0)
	if err != nil {
		return "", err
	}
	if v.Space != ptx.SpaceGlobal && v.Space != ptx.SpaceConst || v.Init == nil {
		return "", fmt.Errorf("the string is not an initialized .global or .const variable (%s)", v.Name)
	}
	if off < 0 || off >= int64(len(v.Init)) {
		return "", fmt.Errorf("the string address lies outside %s", v.Name)
	}
	s := v.Init[off:]
	n := strings.IndexByte(string(s), 0)
	if n < 0 {
		return "", fmt.Errorf("the string in %s has no terminating NUL", v.Name)
	}
	return string(s[:n]), nil
}

// nullArg reports whether argument k of call is a constant 0 (vprintf's
// argument buffer of a call without arguments).
func nullArg(f *ptx.Func, call *ptx.Inst, k int) bool {
	a, at := argValue(f, call, k)
	for depth := 0; a != nil && depth < 16; depth++ {
		switch a.Kind {
		case ptx.OpdImm:
			return a.Imm == 0
		case ptx.OpdReg:
			def := defOf(f, a.Reg, at)
			if def == nil || def.Op != "mov" || len(def.Args) != 2 {
				return false
			}
			a, at = def.Args[1], def.Index
		default:
			return false
		}
	}
	return false
}

// argValue returns the value of argument k of call and the index of the
// instruction that uses it: a register passed directly (the call), or
// what the last st.param into the .param argument before the call stored.
func argValue(f *ptx.Func, call *ptx.Inst, k int) (*ptx.Operand, int) {
	args := ptx.CallArgs(call)
	if args == nil || k >= len(args.Elems) {
		return nil, 0
	}
	a := args.Elems[k]
	switch {
	case a.Kind == ptx.OpdReg || a.Kind == ptx.OpdImm:
		return a, call.Index
	case a.Kind == ptx.OpdSym && a.Var != nil:
		for i := call.Index - 1; i >= 0; i-- {
			in := f.Body[i]
			if in.Op == "st" && in.Space == ptx.SpaceParam && len(in.Args) == 2 && in.Args[0].Kind == ptx.OpdAddr &&
				in.Args[0].Var == a.Var && in.Args[0].Reg == nil && in.Args[0].Off == 0 {
				return in.Args[1], i
			}
		}
	}
	return nil, 0
}

// defOf is the instruction that sets r for its use at index at: its only
// definition in f, or else the nearest one before at in straight-line
// code (no branch target between them). nil when neither is known or the
// definition is predicated.
func defOf(f *ptx.Func, r *ptx.Reg, at int) *ptx.Inst {
	defines := func(in *ptx.Inst) bool {
		found := false
		in.Defs(func(d *ptx.Reg) { found = found || d == r })
		return found
	}
	var only *ptx.Inst
	n := 0
	for _, in := range f.Body {
		if defines(in) {
			only, n = in, n+1
		}
	}
	if n == 1 {
		if only.Guard != nil {
			return nil
		}
		return only
	}
	targets := map[int]bool{}
	for _, l := range f.Labels {
		targets[l.Index] = true
	}
	for i := at - 1; i >= 0; i-- {
		if defines(f.Body[i]) {
			if f.Body[i].Guard != nil {
				return nil
			}
			return f.Body[i]
		}
		if targets[i] {
			return nil
		}
	}
	return nil
}

// traceAddr follows an operand's value, used at index at, back to a
// variable's address and an offset (depth bounds the chain).
func traceAddr(f *ptx.Func, o *ptx.Operand, at, depth int) (*ptx.Var, int64, error) {
	if depth > 16 {
		return nil, 0, fmt.Errorf("the address is computed too indirectly")
	}
	switch o.Kind {
	case ptx.OpdSym:
		if o.Var == nil {
			return nil, 0, fmt.Errorf("the address is not a variable's")
		}
		return o.Var, o.Off, nil
	case ptx.OpdReg:
	default:
		return nil, 0, fmt.Errorf("the address is not known when the module loads")
	}
	def := defOf(f, o.Reg, at)
	if def == nil {
		return nil, 0, fmt.Errorf("the address in %s is not known when the module loads", o.Reg.Name)
	}
	switch {
	case (def.Op == "mov" || def.Op == "cvta" && def.Space == ptx.SpaceGlobal && !strings.Contains(def.Text, ".to.")) && len(def.Args) == 2:
		return traceAddr(f, def.Args[1], def.Index, depth+1)
	case def.Op == "add" && len(def.Args) == 3 && (def.Type() == ptx.U64 || def.Type() == ptx.S64 || def.Type() == ptx.B64):
		for i, j := 1, 2; i <= 2; i, j = i+1, j-1 {
			if def.Args[j].Kind == ptx.OpdImm {
				v, off, err := traceAddr(f, def.Args[i], def.Index, depth+1)
				return v, off + int64(def.Args[j].Imm), err
			}
		}
	}
	return nil, 0, fmt.Errorf("the address is not known when the module loads ('%s')", def.Text)
}
