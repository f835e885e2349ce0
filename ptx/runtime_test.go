package ptx

import (
	"slices"
	"strings"
	"testing"
)

func TestPrintfLayout(t *testing.T) {
	for _, c := range []struct {
		format  string
		size, n int
		strs    []int
	}{
		// clang's local depot for this call: 0 4 8 12 16 20 24, then the
		// string pointer at 32.
		{"[%d] i=%i u=%u x=%x X=%X o=%o c=%c s=%s\n", 40, 8, []int{32}},
		{"%*d|%.*f", 24, 4, nil},
		{"%lld %hd %f %s", 32, 4, []int{24}},
		{"%5.2lf %-08x %+i %#o %p %e %G %a %zu %hhd", 68, 10, nil},
		{"100%% done\n", 0, 0, nil},
		{"%", 0, 0, nil},
		{"%y %d", 4, 1, nil},
		{strings.Repeat("%d", 33), 128, 32, nil},
	} {
		got := PrintfLayout(c.format)
		if got.Size != c.size || got.N != c.n || !slices.Equal(got.Strings, c.strs) {
			t.Errorf("PrintfLayout(%q) = %+v, want size %d, %d arguments, strings at %v", c.format, got, c.size, c.n, c.strs)
		}
	}
}
