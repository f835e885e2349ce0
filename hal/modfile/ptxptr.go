package modfile

import (
	"regexp"
	"strings"
)

// PTX does not say which .u64 parameters are pointers, but the code does:
// compilers load a pointer parameter with ld.param.u64 and convert it with
// cvta.to.global (or use it directly as a global address). markPTXPointers
// sets Param.Pointer for those, so that a launch can refuse a float or a
// made-up address where a kernel dereferences one. A parameter the scan
// does not recognise stays "not known", never wrongly "pointer".
var (
	ptxLdParam = regexp.MustCompile(`ld\.param\.[us]?[b]?64\s+(%\w+)\s*,\s*\[\s*([\w$.]+)\s*\]`)
	ptxCvta    = regexp.MustCompile(`cvta\.to\.global\.u64\s+%\w+\s*,\s*(%\w+)\s*;`)
	ptxGlobal  = regexp.MustCompile(`(?:ld|st|atom|red)\.global[\w.]*\s+[^;\[]*\[\s*(%\w+)\s*(?:\+\s*-?\d+\s*)?\]`)
)

// maxPTXScan bounds the body text scanned per kernel.
const maxPTXScan = 4 << 20

// ptxEntryHeads maps each ".entry NAME(" to its offset, in one pass.
func ptxEntryHeads(src string) map[string]int {
	heads := map[string]int{}
	for off := 0; ; {
		i := strings.Index(src[off:], ".entry ")
		if i < 0 {
			return heads
		}
		at := off + i
		rest := src[at+len(".entry "):]
		j := 0
		for j < len(rest) && j < 1024 && (rest[j] == '_' || rest[j] == '$' || rest[j] == '.' ||
			rest[j] >= '0' && rest[j] <= '9' || rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= 'A' && rest[j] <= 'Z') {
			j++
		}
		if _, dup := heads[rest[:j]]; !dup && j > 0 {
			heads[rest[:j]] = at
		}
		off = at + len(".entry ") + j
	}
}

func markPTXPointers(src string, heads map[string]int, k *KernelInfo) {
	head, ok := heads[k.Name]
	if !ok {
		return
	}
	open := strings.IndexByte(src[head:], '(')
	close := strings.IndexByte(src[head:], ')')
	if open < 0 || close < open {
		return
	}
	var names []string
	for _, decl := range strings.Split(src[head+open+1:head+close], ",") {
		f := strings.Fields(decl)
		if len(f) == 0 {
			continue
		}
		name := f[len(f)-1]
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		names = append(names, name)
	}
	if len(names) != len(k.Params) {
		return
	}
	body := src[head+close:]
	start := strings.IndexByte(body, '{')
	if start < 0 {
		return
	}
	depth, end := 0, -1
	for i := start; i < len(body) && i-start < maxPTXScan; i++ {
		switch body[i] {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth == 0 {
			end = i
			break
		}
	}
	if end < 0 {
		return
	}
	body = body[start:end]
	regParam := map[string]string{}
	for _, m := range ptxLdParam.FindAllStringSubmatch(body, -1) {
		regParam[m[1]] = m[2]
	}
	isPtr := map[string]bool{}
	for _, re := range []*regexp.Regexp{ptxCvta, ptxGlobal} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			if p, ok := regParam[m[1]]; ok {
				isPtr[p] = true
			}
		}
	}
	for i, n := range names {
		if isPtr[n] && k.Params[i].Size == 8 {
			k.Params[i].Pointer = true
		}
	}
}
