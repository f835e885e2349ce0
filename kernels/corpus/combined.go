package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/streamhal/streamhal/ptx"
)

// Combined returns one PTX module holding every kernel of the corpus
// builds in dir whose names match pattern ("*.clang19.sm_80.ptx"): their
// bodies concatenated under one header, module-scope symbols renamed per
// file so they cannot collide; and how many kernels it holds. Benchmarks
// of translating and compiling a large module use it.
func Combined(dir, pattern string) ([]byte, int, error) {
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("corpus: no %s in %s", pattern, dir)
	}
	sort.Strings(files)
	var b strings.Builder
	b.WriteString(".version 7.0\n.target sm_80\n.address_size 64\n")
	header := regexp.MustCompile(`(?m)^\s*\.(version|target|address_size)\b.*$`)
	kernels := 0
	for i, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		m, err := ptx.Parse(raw)
		if err != nil {
			return nil, 0, fmt.Errorf("corpus: %s: %w", f, err)
		}
		text := header.ReplaceAllString(string(raw), "")
		var names []string
		for _, fn := range m.Funcs {
			names = append(names, regexp.QuoteMeta(fn.Name))
		}
		for _, v := range m.Globals {
			names = append(names, regexp.QuoteMeta(v.Name))
		}
		kernels += len(m.Entries())
		if len(names) > 0 {
			// A name followed by '.' is an opcode ("vote.sync"), not the symbol.
			re := regexp.MustCompile(`(^|[^\w$%.])(` + strings.Join(names, "|") + `)([^\w$.]|$)`)
			for k := 0; k < 2; k++ { // adjacent matches share a delimiter
				text = re.ReplaceAllString(text, fmt.Sprintf("${1}${2}_m%d${3}", i))
			}
		}
		b.WriteString(text)
	}
	return []byte(b.String()), kernels, nil
}
