package ptx

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse: any input either parses (and the analyses run) or fails with
// an error matching ErrInvalidPTX; never a panic or a hang.
func FuzzParse(f *testing.F) {
	for _, path := range projectPTX(f) {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(cfgHead + ".entry k() { .reg .b32 %r<3>; mov.u32 %r1, %tid.x; bar.sync 0; ret; }"))
	f.Add([]byte(cfgHead + ".global .align 8 .u64 p[2] = {generic(g), 0xFF00(g)};\n.global .u32 g = 5;"))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse(src)
		if err != nil {
			if !errors.Is(err, ErrInvalidPTX) {
				t.Fatalf("error %v (%T) does not match ErrInvalidPTX", err, err)
			}
			return
		}
		if _, err := Analyze(m); err != nil && !errors.Is(err, ErrInvalidPTX) {
			t.Fatalf("analyze error %v does not match ErrInvalidPTX", err)
		}
	})
}
