// Command gen writes package spirv's generated tables (zspirv.go, zglsl.go)
// from Khronos' machine-readable SPIR-V grammar, and trims the upstream
// grammar to the copy committed under testdata.
//
//	go run ./gen                               # regenerate (go generate ./internal/spirv)
//	go run ./gen -trim UPSTREAM/spirv.core.grammar.json
//
// The upstream files are include/spirv/unified1/spirv.core.grammar.json and
// extinst.glsl.std.450.grammar.json of KhronosGroup/SPIRV-Headers (the
// commit is recorded in testdata/README.md). -trim drops the instruction
// classes a compute translator never emits (images, ray tracing, pipes,
// device-side enqueue, graphs, tensors, mesh primitives and the vendor
// "Reserved" and "@exclude" classes, except OpReadClockKHR) and provisional
// entries; every operand kind and enumerant is kept.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type operand struct {
	Kind       string `json:"kind"`
	Name       string `json:"name,omitempty"`
	Quantifier string `json:"quantifier,omitempty"`
}

type instruction struct {
	Opname       string    `json:"opname"`
	Class        string    `json:"class,omitempty"`
	Aliases      []string  `json:"aliases,omitempty"`
	Opcode       int       `json:"opcode"`
	Operands     []operand `json:"operands,omitempty"`
	Capabilities []string  `json:"capabilities,omitempty"`
	Extensions   []string  `json:"extensions,omitempty"`
	Version      string    `json:"version,omitempty"`
	LastVersion  string    `json:"lastVersion,omitempty"`
	Provisional  bool      `json:"provisional,omitempty"`
}

type enumerant struct {
	Enumerant    string          `json:"enumerant"`
	Aliases      []string        `json:"aliases,omitempty"`
	Value        json.RawMessage `json:"value"`
	Capabilities []string        `json:"capabilities,omitempty"`
	Parameters   []operand       `json:"parameters,omitempty"`
	Extensions   []string        `json:"extensions,omitempty"`
	Version      string          `json:"version,omitempty"`
	LastVersion  string          `json:"lastVersion,omitempty"`
	Provisional  bool            `json:"provisional,omitempty"`
}

type operandKind struct {
	Category   string      `json:"category"`
	Kind       string      `json:"kind"`
	Doc        string      `json:"doc,omitempty"`
	Bases      []string    `json:"bases,omitempty"`
	Enumerants []enumerant `json:"enumerants,omitempty"`
}

type grammar struct {
	Copyright    []string        `json:"copyright"`
	MagicNumber  string          `json:"magic_number,omitempty"`
	MajorVersion int             `json:"major_version,omitempty"`
	MinorVersion int             `json:"minor_version,omitempty"`
	Version      int             `json:"version,omitempty"`
	Revision     int             `json:"revision"`
	Instructions []instruction   `json:"instructions"`
	OperandKinds []operandKind   `json:"operand_kinds,omitempty"`
	Printing     json.RawMessage `json:"instruction_printing_class,omitempty"`
}

func main() {
	core := flag.String("core", "testdata/spirv.core.grammar.json", "the (trimmed) core grammar")
	glsl := flag.String("glsl", "testdata/extinst.glsl.std.450.grammar.json", "the GLSL.std.450 grammar")
	trim := flag.String("trim", "", "trim this upstream core grammar into -core and exit")
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	if *trim != "" {
		if err := trimGrammar(*trim, *core); err != nil {
			log.Fatal(err)
		}
		return
	}
	var g, x grammar
	if err := load(*core, &g); err != nil {
		log.Fatal(err)
	}
	if err := load(*glsl, &x); err != nil {
		log.Fatal(err)
	}
	src, err := genCore(&g, filepath.ToSlash(*core))
	if err != nil {
		log.Fatal(err)
	}
	if err := write(filepath.Join(*out, "zspirv.go"), src); err != nil {
		log.Fatal(err)
	}
	src, err = genGLSL(&x, filepath.ToSlash(*glsl))
	if err != nil {
		log.Fatal(err)
	}
	if err := write(filepath.Join(*out, "zglsl.go"), src); err != nil {
		log.Fatal(err)
	}
}

func load(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func write(path string, src []byte) error {
	f, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", path, err, src)
	}
	return os.WriteFile(path, f, 0o644)
}

var droppedClasses = map[string]bool{
	"@exclude": true, "Reserved": true, "Pipe": true, "Device-Side_Enqueue": true,
	"Graph": true, "Tensor": true, "Primitive": true, "Image": true,
}

var keptAnyway = map[string]bool{"OpReadClockKHR": true}

func trimGrammar(in, out string) error {
	var g grammar
	if err := load(in, &g); err != nil {
		return err
	}
	var ins []instruction
	for _, i := range g.Instructions {
		if (droppedClasses[i.Class] && !keptAnyway[i.Opname]) || i.Provisional {
			continue
		}
		ins = append(ins, i)
	}
	g.Instructions = ins
	for k := range g.OperandKinds {
		var es []enumerant
		for _, e := range g.OperandKinds[k].Enumerants {
			if !e.Provisional {
				es = append(es, e)
			}
		}
		g.OperandKinds[k].Enumerants = es
	}
	g.Printing = nil
	// One entry per line: small, and diffs stay readable.
	var b bytes.Buffer
	b.WriteString("{\n")
	line := func(key string, v any, last bool) {
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%q: %s", key, j)
		if !last {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	line("copyright", g.Copyright, false)
	line("magic_number", g.MagicNumber, false)
	line("major_version", g.MajorVersion, false)
	line("minor_version", g.MinorVersion, false)
	line("revision", g.Revision, false)
	b.WriteString("\"instructions\": [\n")
	for i, in := range g.Instructions {
		j, _ := json.Marshal(in)
		b.Write(j)
		if i < len(g.Instructions)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("],\n\"operand_kinds\": [\n")
	for i, k := range g.OperandKinds {
		es := k.Enumerants
		k.Enumerants = nil
		j, _ := json.Marshal(k)
		if len(es) > 0 {
			j = j[:len(j)-1]
			b.Write(j)
			b.WriteString(",\"enumerants\":[\n")
			for n, e := range es {
				ej, _ := json.Marshal(e)
				b.Write(ej)
				if n < len(es)-1 {
					b.WriteString(",")
				}
				b.WriteString("\n")
			}
			b.WriteString("]}")
		} else {
			b.Write(j)
		}
		if i < len(g.OperandKinds)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n}\n")
	var check grammar
	if err := json.Unmarshal(b.Bytes(), &check); err != nil {
		return fmt.Errorf("trimmed grammar does not parse: %w", err)
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

func parseValue(raw json.RawMessage) (uint32, error) {
	var n uint32
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 0, 32)
	return uint32(v), err
}

// goKind maps grammar operand kinds to the generated OperandKind constants.
func goKind(k string) string { return "Kind" + k }

func quant(q string) string {
	switch q {
	case "?":
		return "QuantOptional"
	case "*":
		return "QuantVariadic"
	}
	return "QuantOne"
}

func version(v string) string {
	if v == "" || v == "None" {
		return "0"
	}
	p := strings.SplitN(v, ".", 2)
	maj, _ := strconv.Atoi(p[0])
	min := 0
	if len(p) == 2 {
		min, _ = strconv.Atoi(p[1])
	}
	return fmt.Sprintf("0x%02x%02x00", maj, min)
}

func genCore(g *grammar, path string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by \"go run ./gen\" from %s; DO NOT EDIT.\n", path)
	fmt.Fprintf(&b, "// Regenerate with go generate ./internal/spirv (see generate.go).\n\n")
	fmt.Fprintf(&b, "package spirv\n\n")
	fmt.Fprintf(&b, "// GrammarVersion is the SPIR-V version and revision of the grammar the tables come from.\n")
	fmt.Fprintf(&b, "const GrammarVersion = \"%d.%d rev %d\"\n\n", g.MajorVersion, g.MinorVersion, g.Revision)

	// Operand kinds.
	kinds := map[string]*operandKind{}
	fmt.Fprintf(&b, "// Operand kinds of the grammar.\nconst (\n\tKindNone OperandKind = iota\n")
	for i := range g.OperandKinds {
		k := &g.OperandKinds[i]
		kinds[k.Kind] = k
		fmt.Fprintf(&b, "\t%s // %s\n", goKind(k.Kind), k.Category)
	}
	fmt.Fprintf(&b, ")\n\n")
	fmt.Fprintf(&b, "var kindInfos = [...]kindInfo{\n")
	for _, k := range g.OperandKinds {
		cat := "CategoryId"
		switch k.Category {
		case "BitEnum":
			cat = "CategoryBitEnum"
		case "ValueEnum":
			cat = "CategoryValueEnum"
		case "Literal":
			cat = "CategoryLiteral"
		case "Composite":
			cat = "CategoryComposite"
		}
		fmt.Fprintf(&b, "\t%s: {name: %q, category: %s", goKind(k.Kind), k.Kind, cat)
		if len(k.Bases) > 0 {
			fmt.Fprintf(&b, ", bases: []OperandKind{")
			for _, base := range k.Bases {
				fmt.Fprintf(&b, "%s, ", goKind(base))
			}
			fmt.Fprintf(&b, "}")
		}
		// Enumerants with parameters.
		var ps []string
		for _, e := range k.Enumerants {
			if len(e.Parameters) == 0 {
				continue
			}
			v, err := parseValue(e.Value)
			if err != nil {
				return nil, err
			}
			var kk []string
			for _, p := range e.Parameters {
				if kinds[p.Kind] == nil && !hasKind(g, p.Kind) {
					return nil, fmt.Errorf("enumerant %s.%s: unknown parameter kind %s", k.Kind, e.Enumerant, p.Kind)
				}
				kk = append(kk, goKind(p.Kind))
			}
			ps = append(ps, fmt.Sprintf("%#x: {%s}", v, strings.Join(kk, ", ")))
		}
		if len(ps) > 0 {
			fmt.Fprintf(&b, ", params: map[uint32][]OperandKind{%s}", strings.Join(ps, ", "))
		}
		// Enumerants that need a capability (any one of those listed).
		var cs []string
		for _, e := range k.Enumerants {
			if len(e.Capabilities) == 0 {
				continue
			}
			v, err := parseValue(e.Value)
			if err != nil {
				return nil, err
			}
			var cc []string
			for _, c := range e.Capabilities {
				cc = append(cc, "Capability"+c)
			}
			cs = append(cs, fmt.Sprintf("%#x: {%s}", v, strings.Join(cc, ", ")))
		}
		if len(cs) > 0 {
			fmt.Fprintf(&b, ", caps: map[uint32][]Capability{%s}", strings.Join(cs, ", "))
		}
		fmt.Fprintf(&b, "},\n")
	}
	fmt.Fprintf(&b, "}\n\n")

	// Enum types.
	for _, k := range g.OperandKinds {
		if k.Category != "ValueEnum" && k.Category != "BitEnum" {
			continue
		}
		typ := k.Kind
		fmt.Fprintf(&b, "// %s is the SPIR-V %s operand (%s).\ntype %s uint32\n\n", typ, k.Kind, k.Category, typ)
		fmt.Fprintf(&b, "// %s values.\nconst (\n", typ)
		type named struct {
			name string
			v    uint32
		}
		var primaries []named
		seen := map[string]bool{}
		for _, e := range k.Enumerants {
			v, err := parseValue(e.Value)
			if err != nil {
				return nil, err
			}
			for i, n := range append([]string{e.Enumerant}, e.Aliases...) {
				id := typ + n
				if seen[id] {
					continue
				}
				seen[id] = true
				fmt.Fprintf(&b, "\t%s %s = %#x\n", id, typ, v)
				if i == 0 {
					primaries = append(primaries, named{e.Enumerant, v})
				}
			}
		}
		fmt.Fprintf(&b, ")\n\n")
		if k.Category == "ValueEnum" {
			fmt.Fprintf(&b, "var names%s = map[%s]string{\n", typ, typ)
			done := map[uint32]bool{}
			for _, p := range primaries {
				if done[p.v] {
					continue
				}
				done[p.v] = true
				fmt.Fprintf(&b, "\t%#x: %q,\n", p.v, p.name)
			}
			fmt.Fprintf(&b, "}\n\n")
			fmt.Fprintf(&b, "func (v %s) String() string {\n\tif s, ok := names%s[v]; ok {\n\t\treturn s\n\t}\n\treturn %q + strconv.FormatUint(uint64(v), 10)\n}\n\n", typ, typ, typ)
		} else {
			fmt.Fprintf(&b, "var names%s = []bitName{\n", typ)
			sort.SliceStable(primaries, func(i, j int) bool { return primaries[i].v < primaries[j].v })
			done := map[uint32]bool{}
			for _, p := range primaries {
				if done[p.v] {
					continue
				}
				done[p.v] = true
				fmt.Fprintf(&b, "\t{%#x, %q},\n", p.v, p.name)
			}
			fmt.Fprintf(&b, "}\n\n")
			fmt.Fprintf(&b, "func (v %s) String() string { return bitString(uint32(v), names%s) }\n\n", typ, typ)
		}
	}

	// Opcodes.
	fmt.Fprintf(&b, "// Opcodes.\nconst (\n")
	sort.SliceStable(g.Instructions, func(i, j int) bool { return g.Instructions[i].Opcode < g.Instructions[j].Opcode })
	seen := map[string]bool{}
	for _, in := range g.Instructions {
		for _, n := range append([]string{in.Opname}, in.Aliases...) {
			if seen[n] {
				continue
			}
			seen[n] = true
			fmt.Fprintf(&b, "\t%s Op = %d\n", n, in.Opcode)
		}
	}
	fmt.Fprintf(&b, ")\n\n")
	fmt.Fprintf(&b, "var opInfos = map[Op]*OpInfo{\n")
	done := map[int]bool{}
	for _, in := range g.Instructions {
		if done[in.Opcode] {
			continue
		}
		done[in.Opcode] = true
		fmt.Fprintf(&b, "\t%s: {Name: %q, Class: %q, Version: %s", in.Opname, in.Opname, in.Class, version(in.Version))
		if len(in.Operands) > 0 {
			fmt.Fprintf(&b, ", Operands: []Operand{")
			for _, o := range in.Operands {
				if !hasKind(g, o.Kind) {
					return nil, fmt.Errorf("%s: unknown operand kind %s", in.Opname, o.Kind)
				}
				fmt.Fprintf(&b, "{%s, %s, %q}, ", goKind(o.Kind), quant(o.Quantifier), o.Name)
			}
			fmt.Fprintf(&b, "}")
		}
		if len(in.Capabilities) > 0 {
			fmt.Fprintf(&b, ", Capabilities: []Capability{")
			for _, c := range in.Capabilities {
				fmt.Fprintf(&b, "Capability%s, ", c)
			}
			fmt.Fprintf(&b, "}")
		}
		if len(in.Extensions) > 0 {
			fmt.Fprintf(&b, ", Extensions: %#v", in.Extensions)
		}
		fmt.Fprintf(&b, "},\n")
	}
	fmt.Fprintf(&b, "}\n")
	src := b.Bytes()
	src = bytes.Replace(src, []byte("package spirv\n\n"), []byte("package spirv\n\nimport \"strconv\"\n\n"), 1)
	return src, nil
}

func hasKind(g *grammar, k string) bool {
	for _, o := range g.OperandKinds {
		if o.Kind == k {
			return true
		}
	}
	return false
}

func genGLSL(g *grammar, path string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by \"go run ./gen\" from %s; DO NOT EDIT.\n", path)
	fmt.Fprintf(&b, "// Regenerate with go generate ./internal/spirv (see generate.go).\n\n")
	fmt.Fprintf(&b, "package spirv\n\n")
	fmt.Fprintf(&b, "// GLSL.std.450 extended instructions (OpExtInst with the \"GLSL.std.450\" set).\nconst (\n")
	sort.SliceStable(g.Instructions, func(i, j int) bool { return g.Instructions[i].Opcode < g.Instructions[j].Opcode })
	for _, in := range g.Instructions {
		fmt.Fprintf(&b, "\tGLSL%s GLSLInst = %d\n", in.Opname, in.Opcode)
	}
	fmt.Fprintf(&b, ")\n\nvar glslInfos = map[GLSLInst]glslInfo{\n")
	for _, in := range g.Instructions {
		fmt.Fprintf(&b, "\tGLSL%s: {%q, %d},\n", in.Opname, in.Opname, len(in.Operands))
	}
	fmt.Fprintf(&b, "}\n")
	return b.Bytes(), nil
}
