package cuda

import (
	"fmt"
	"strconv"

	"github.com/streamhal/streamhal/hal"
)

// TEMPORARY: a minimal PTX .entry parameter parser, used only when the
// driver cannot report parameter layouts itself (cuFuncGetParamInfo and
// cuModuleEnumerateFunctions arrived in CUDA 12.4). It is to be replaced by
// hal/modfile.ParsePTX once that package lands in main.

// ptxEntry is one kernel of a PTX module.
type ptxEntry struct {
	params []hal.Param
}

// maxPTXParams bounds the parameters of one entry.
const maxPTXParams = 4096

// ptxTypeSize is the byte size of each PTX fundamental type a kernel
// parameter may have.
var ptxTypeSize = map[string]uint64{
	".b8": 1, ".s8": 1, ".u8": 1,
	".b16": 2, ".s16": 2, ".u16": 2, ".f16": 2, ".bf16": 2,
	".b32": 4, ".s32": 4, ".u32": 4, ".f32": 4, ".f16x2": 4, ".bf16x2": 4,
	".b64": 8, ".s64": 8, ".u64": 8, ".f64": 8,
	".b128": 16,
}

// parsePTXEntries returns every .entry of a PTX module with its parameter
// layout: each parameter at the next offset aligned to its .align (or its
// element size), as the CUDA kernel ABI lays out the parameter buffer.
func parsePTXEntries(src []byte) (map[string]ptxEntry, error) {
	toks := ptxTokens(src)
	out := map[string]ptxEntry{}
	depth := 0
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "{":
			depth++
		case "}":
			if depth--; depth < 0 {
				return nil, fmt.Errorf("hal/cuda: PTX: unbalanced '}': %w", hal.ErrInvalidImage)
			}
		case ".entry":
			if depth != 0 {
				return nil, fmt.Errorf("hal/cuda: PTX: .entry inside a block: %w", hal.ErrInvalidImage)
			}
			if i+1 >= len(toks) || !ptxIdent(toks[i+1]) {
				return nil, fmt.Errorf("hal/cuda: PTX: .entry without a name: %w", hal.ErrInvalidImage)
			}
			name := toks[i+1]
			i += 2
			params := []hal.Param{}
			if i < len(toks) && toks[i] == "(" {
				var err error
				params, i, err = parsePTXParams(toks, i+1)
				if err != nil {
					return nil, fmt.Errorf("hal/cuda: PTX entry %s: %w", name, err)
				}
			} else {
				i--
			}
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("hal/cuda: PTX: entry %s defined twice: %w", name, hal.ErrInvalidImage)
			}
			out[name] = ptxEntry{params: params}
		}
	}
	return out, nil
}

// parsePTXParams parses ".param ... name[, ...]" up to the closing ')' at
// toks[i...]; it returns the index of the ')'.
func parsePTXParams(toks []string, i int) ([]hal.Param, int, error) {
	params := []hal.Param{}
	var offset uint64
	if i < len(toks) && toks[i] == ")" {
		return params, i, nil
	}
	for {
		if i >= len(toks) || toks[i] != ".param" {
			return nil, i, fmt.Errorf("expected .param: %w", hal.ErrInvalidImage)
		}
		i++
		var elem, align, count uint64 = 0, 0, 1
		named := false
		for ; i < len(toks) && toks[i] != "," && toks[i] != ")"; i++ {
			t := toks[i]
			switch {
			case t == ".align":
				if i+1 >= len(toks) {
					return nil, i, fmt.Errorf(".align without a value: %w", hal.ErrInvalidImage)
				}
				v, err := strconv.ParseUint(toks[i+1], 0, 32)
				if err != nil || v == 0 || v&(v-1) != 0 || v > 1<<12 {
					return nil, i, fmt.Errorf(".align %q: %w", toks[i+1], hal.ErrInvalidImage)
				}
				align = v
				i++
			case ptxTypeSize[t] != 0:
				if elem != 0 {
					return nil, i, fmt.Errorf("two types in one parameter: %w", hal.ErrInvalidImage)
				}
				elem = ptxTypeSize[t]
			case t == "[":
				if !named || i+2 >= len(toks) || toks[i+2] != "]" {
					return nil, i, fmt.Errorf("malformed array parameter: %w", hal.ErrInvalidImage)
				}
				v, err := strconv.ParseUint(toks[i+1], 0, 32)
				if err != nil || v == 0 || v > 1<<16 {
					return nil, i, fmt.Errorf("array size %q: %w", toks[i+1], hal.ErrInvalidImage)
				}
				count = v
				i += 2
			case t[0] == '.':
				// State space and pointer qualifiers (.ptr, .global, ...).
			case ptxIdent(t):
				if named {
					return nil, i, fmt.Errorf("two names in one parameter: %w", hal.ErrInvalidImage)
				}
				named = true
			default:
				return nil, i, fmt.Errorf("unexpected %q in parameter list: %w", t, hal.ErrInvalidImage)
			}
		}
		if elem == 0 || !named {
			return nil, i, fmt.Errorf("parameter without type or name: %w", hal.ErrInvalidImage)
		}
		if align == 0 {
			align = elem
		}
		offset = (offset + align - 1) &^ (align - 1)
		size := elem * count
		if offset+size > 1<<20 || len(params) >= maxPTXParams {
			return nil, i, fmt.Errorf("parameter space too large: %w", hal.ErrInvalidImage)
		}
		params = append(params, hal.Param{Offset: uint32(offset), Size: uint32(size)})
		offset += size
		if i >= len(toks) {
			return nil, i, fmt.Errorf("unterminated parameter list: %w", hal.ErrInvalidImage)
		}
		if toks[i] == ")" {
			return params, i, nil
		}
		i++ // ","
	}
}

// ptxIdent reports whether t is a PTX identifier: [a-zA-Z_$%][a-zA-Z0-9_$]*
// (or a '%' / '_' / '$' prefix followed by at least one such character).
func ptxIdent(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$':
		case c == '%' && i == 0:
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return t != "%"
}

// ptxTokens splits PTX into directives, identifiers, numbers and single
// punctuation characters, dropping comments and string literals.
func ptxTokens(src []byte) []string {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
				i++
			}
			i += 2
		case c == '"':
			i++
			for i < len(src) && src[i] != '"' && src[i] != '\n' {
				i++
			}
			i++
		case isPTXWord(c):
			j := i + 1
			for j < len(src) && isPTXWord(src[j]) {
				j++
			}
			toks = append(toks, string(src[i:j]))
			i = j
		default:
			toks = append(toks, string(src[i:i+1]))
			i++
		}
	}
	return toks
}

func isPTXWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c == '%' || c == '.'
}
