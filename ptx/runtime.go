package ptx

import "slices"

// The CUDA device-runtime functions that the translators implement
// themselves when a module declares them without a body.
const (
	// RuntimeVprintf is vprintf(format, args), what printf in CUDA C
	// compiles to: .param .b32 result; .param .b64 format, args.
	RuntimeVprintf = "vprintf"
	// RuntimeAssertfail is __assertfail(message, file, line, function,
	// charSize), what a failed assert() in CUDA C calls: .param .b64,
	// .b64, .b32, .b64, .b64, no result.
	RuntimeAssertfail = "__assertfail"
)

// RuntimeFunc reports which device-runtime function f is (RuntimeVprintf
// or RuntimeAssertfail) when f is declared without a body with the name
// and parameter sizes nvcc and clang give it, and "" otherwise.
func RuntimeFunc(f *Func) string {
	if f == nil || f.Body != nil || f.Entry {
		return ""
	}
	sizes := func(vs []*Var) []int64 {
		var out []int64
		for _, v := range vs {
			out = append(out, v.Size)
		}
		return out
	}
	p, r := sizes(f.Params), sizes(f.Rets)
	switch {
	case f.Name == RuntimeVprintf && slices.Equal(p, []int64{8, 8}) && slices.Equal(r, []int64{4}):
		return RuntimeVprintf
	case f.Name == RuntimeAssertfail && slices.Equal(p, []int64{8, 8, 4, 8, 8}) && len(r) == 0:
		return RuntimeAssertfail
	}
	return ""
}

// PrintfArgs is the layout of vprintf's argument buffer for one format.
type PrintfArgs struct {
	// Size is the buffer's size in bytes (its arguments, each aligned to
	// its size); N is the number of arguments (CUDA's printf result).
	Size, N int
	// Strings are the offsets of %s arguments (8-byte pointers).
	Strings []int
}

// PrintfLayout computes the argument buffer a printf call with this
// format passes to vprintf, by the rules kernels/shal_printf.h formats
// it with: after C's default promotions, 4 bytes for c d i o u x X
// without a size or with h/hh, 8 with l, ll, j, z, t, L or q; 8 for the
// floating conversions, s, p and n; a '*' width or precision is a 4-byte
// int before its conversion; at most 32 arguments.
func PrintfLayout(format string) PrintfArgs {
	var a PrintfArgs
	take := func(size int) int {
		a.Size = (a.Size + size - 1) &^ (size - 1)
		off := a.Size
		a.Size += size
		a.N++
		return off
	}
	isFlag := func(c byte) bool { return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0' }
	isSize := func(c byte) bool {
		return c == 'h' || c == 'l' || c == 'L' || c == 'q' || c == 'j' || c == 'z' || c == 't'
	}
	for i := 0; i < len(format); {
		if format[i] != '%' {
			i++
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			i += 2
			continue
		}
		i++
		for i < len(format) && isFlag(format[i]) {
			i++
		}
		for part := 0; part < 2; part++ {
			if part == 1 {
				if i >= len(format) || format[i] != '.' {
					break
				}
				i++
			}
			if i < len(format) && format[i] == '*' {
				i++
				if a.N < 32 {
					take(4)
				}
				continue
			}
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
		}
		size8 := false
		for i < len(format) && isSize(format[i]) {
			if format[i] != 'h' {
				size8 = true
			}
			i++
		}
		if i >= len(format) {
			break
		}
		c := format[i]
		i++
		if a.N >= 32 {
			continue
		}
		switch c {
		case 'c', 'd', 'i', 'o', 'u', 'x', 'X':
			if size8 {
				take(8)
			} else {
				take(4)
			}
		case 's':
			a.Strings = append(a.Strings, take(8))
		case 'p', 'n', 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
			take(8)
		}
	}
	return a
}
