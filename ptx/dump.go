package ptx

import (
	"fmt"
	"io"
	"strings"
)

// Dump writes a readable listing of the module: globals, functions with
// parameter offsets, and instructions. With analyses (a may be nil) each
// function is listed by basic block with predecessors, successors,
// dominators, loops, liveness and sync points, so that every pass can be
// inspected on its own (the -dump of the translators' debug flags).
func Dump(w io.Writer, m *Module, a *Analysis) {
	fmt.Fprintf(w, ".version %s\n.target %s\n.address_size %d\n", m.Version, strings.Join(m.Targets, ", "), m.AddressSize)
	for _, v := range m.Globals {
		fmt.Fprintf(w, "%s\n", varString(v))
		for _, r := range v.Relocs {
			target := ""
			if r.Var != nil {
				target = r.Var.Name
			} else if r.Func != nil {
				target = r.Func.Name
			}
			fmt.Fprintf(w, "  reloc +%d size %d -> %s%+d generic=%v masked=%v shift=%d\n", r.Offset, r.Size, target, r.Addend, r.Generic, r.Masked, r.Shift)
		}
	}
	for _, f := range m.Funcs {
		kind := ".func"
		if f.Entry {
			kind = ".entry"
		}
		fmt.Fprintf(w, "\n%s %s", kind, f.Name)
		if f.Body == nil {
			fmt.Fprintf(w, " (declaration)")
		}
		fmt.Fprintf(w, " args %d bytes", f.ArgsSize)
		if n := f.MaxThreads(); n > 0 {
			fmt.Fprintf(w, " max threads %d", n)
		}
		if a != nil && a.Sync[f] {
			fmt.Fprintf(w, " [sync]")
		}
		fmt.Fprintln(w)
		for _, p := range f.Rets {
			fmt.Fprintf(w, "  ret   %s\n", varString(p))
		}
		for _, p := range f.Params {
			fmt.Fprintf(w, "  param @%d %s\n", p.Offset, varString(p))
		}
		for _, v := range f.Vars {
			fmt.Fprintf(w, "  var   %s\n", varString(v))
		}
		if f.Body == nil {
			continue
		}
		fmt.Fprintf(w, "  %d registers\n", len(f.Regs))
		var g *CFG
		if a != nil {
			g = a.CFGs[f]
		}
		if g == nil {
			labels := map[int][]string{}
			for _, l := range f.Labels {
				labels[l.Index] = append(labels[l.Index], l.Name)
			}
			for i, in := range f.Body {
				for _, l := range labels[i] {
					fmt.Fprintf(w, "%s:\n", l)
				}
				fmt.Fprintf(w, "\t%s\n", InstString(in))
			}
			continue
		}
		if !g.Reducible {
			fmt.Fprintf(w, "  irreducible at %s\n", g.IrreducibleAt)
		}
		for _, l := range g.Loops {
			var ids []string
			for _, b := range l.Blocks {
				ids = append(ids, b.String())
			}
			fmt.Fprintf(w, "  loop header %s depth %d blocks [%s]\n", l.Header, l.Depth, strings.Join(ids, " "))
		}
		for _, b := range g.Blocks {
			fmt.Fprintf(w, "%s:", b)
			for _, l := range b.Labels {
				fmt.Fprintf(w, " %s", l.Name)
			}
			fmt.Fprintf(w, "  preds %v succs %v", blockList(b.Preds), blockList(b.Succs))
			if b.IDom != nil {
				fmt.Fprintf(w, " idom %s", b.IDom)
			}
			if b.IPDom != nil {
				fmt.Fprintf(w, " ipdom %s", b.IPDom)
			}
			if b.Loop != nil {
				fmt.Fprintf(w, " loop %s", b.Loop.Header)
			}
			if !b.Reachable {
				fmt.Fprintf(w, " unreachable")
			}
			fmt.Fprintln(w)
			if b.LiveIn != nil {
				fmt.Fprintf(w, "  live-in: %s\n", regNames(f, b.LiveIn))
			}
			for i, in := range b.Insts {
				mark := ""
				if IsSyncPoint(in) {
					mark = fmt.Sprintf("   // sync %s, live after: %s", SyncKindOf(in), regNames(f, LiveAfter(b, i)))
				}
				fmt.Fprintf(w, "\t%s%s\n", InstString(in), mark)
			}
			if b.LiveOut != nil {
				fmt.Fprintf(w, "  live-out: %s\n", regNames(f, b.LiveOut))
			}
		}
	}
}

func blockList(bs []*Block) string {
	var s []string
	for _, b := range bs {
		s = append(s, b.String())
	}
	return "[" + strings.Join(s, " ") + "]"
}

func varString(v *Var) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".%s .align %d ", v.Space, v.Align)
	if v.Vec > 1 {
		fmt.Fprintf(&b, ".v%d ", v.Vec)
	}
	fmt.Fprintf(&b, ".%s %s", v.Type, v.Name)
	for _, d := range v.Dims {
		if d < 0 {
			b.WriteString("[]")
		} else {
			fmt.Fprintf(&b, "[%d]", d)
		}
	}
	fmt.Fprintf(&b, " (%d bytes)", v.Size)
	if v.Linkage == LinkExtern {
		b.WriteString(" extern")
	}
	if v.Ptr {
		fmt.Fprintf(&b, " ptr .%s", v.PtrSpace)
	}
	if v.Init != nil {
		n := len(v.Init)
		if n > 16 {
			n = 16
		}
		fmt.Fprintf(&b, " = % x", v.Init[:n])
		if n < len(v.Init) {
			b.WriteString(" ...")
		}
	}
	return b.String()
}

// InstString formats an instruction in PTX syntax.
func InstString(in *Inst) string {
	var b strings.Builder
	if in.Guard != nil {
		b.WriteString("@")
		if in.GuardNeg {
			b.WriteString("!")
		}
		b.WriteString(in.Guard.Name)
		b.WriteString(" ")
	}
	b.WriteString(in.Text)
	for i, o := range in.Args {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(OperandString(o))
		if i == 0 && in.Dst2 != nil {
			b.WriteString("|")
			b.WriteString(OperandString(in.Dst2))
		}
	}
	b.WriteString(";")
	return b.String()
}

// OperandString formats an operand in PTX syntax.
func OperandString(o *Operand) string {
	switch o.Kind {
	case OpdReg:
		if o.Not {
			return "!" + o.Reg.Name
		}
		return o.Reg.Name
	case OpdImm:
		switch o.ImmType {
		case F32:
			return fmt.Sprintf("0f%08X", uint32(o.Imm))
		case F64:
			return fmt.Sprintf("0d%016X", o.Imm)
		}
		return fmt.Sprintf("%d", o.Imm)
	case OpdSReg:
		s := o.SReg.String()
		if sregs[o.SReg].vec {
			s += "." + string(rune('x'+o.Comp))
		} else if sregs[o.SReg].index {
			s += fmt.Sprint(o.Comp)
		}
		return s
	case OpdSym:
		if o.Var != nil {
			return o.Var.Name
		}
		if o.Func != nil {
			return o.Func.Name
		}
	case OpdAddr:
		base := ""
		if o.Reg != nil {
			base = o.Reg.Name
		} else if o.Var != nil {
			base = o.Var.Name
		}
		switch {
		case base == "":
			return fmt.Sprintf("[%d]", o.Off)
		case o.Off != 0:
			return fmt.Sprintf("[%s%+d]", base, o.Off)
		}
		return "[" + base + "]"
	case OpdVec, OpdList:
		var parts []string
		for _, e := range o.Elems {
			parts = append(parts, OperandString(e))
		}
		if o.Kind == OpdVec {
			return "{" + strings.Join(parts, ", ") + "}"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case OpdLabel:
		return o.Label.Name
	case OpdSink:
		return "_"
	case OpdTable:
		return o.Table.Name
	case OpdProto:
		return o.Proto.Name
	}
	return "?"
}
