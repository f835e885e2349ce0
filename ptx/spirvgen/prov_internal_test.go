package spirvgen

import "testing"

// TestProvMonotone: provAdd and provSub only grow when their operands do,
// so analyzeProv's iteration (which only ever adds to a register's set)
// reaches the least fixed point whatever the order of the body.
func TestProvMonotone(t *testing.T) {
	const all = provSpaces | provMemory | provInt
	for _, f := range []struct {
		name string
		op   func(a, b provSet) provSet
	}{{"add", provAdd}, {"sub", provSub}} {
		for a := provSet(0); a <= all; a++ {
			for b := provSet(0); b <= all; b++ {
				r := f.op(a, b)
				for x := provSet(0); x <= all; x++ {
					if r2 := f.op(a|x, b); r2&r != r {
						t.Fatalf("%s(%v | %v, %v) = %v does not contain %s(%v, %v) = %v", f.name, a, x, b, r2, f.name, a, b, r)
					}
					if r2 := f.op(a, b|x); r2&r != r {
						t.Fatalf("%s(%v, %v | %v) = %v does not contain %s(%v, %v) = %v", f.name, a, b, x, r2, f.name, a, b, r)
					}
				}
			}
		}
	}
}

// TestProvArithmetic: the kinds of a sum and a difference.
func TestProvArithmetic(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want provSet
		sub        bool
	}{
		{"local + index", provLocal, provInt, provLocal, false},
		{"index + shared", provInt, provShared, provShared, false},
		// PTX has no use for pointer + pointer: the loaded value is the
		// offset.
		{"local + loaded", provLocal, provMemory, provLocal, false},
		{"loaded + global", provMemory, provGlobal, provGlobal, false},
		{"loaded + index", provMemory, provInt, provMemory | provInt, false},
		{"index + index", provInt, provInt, provInt, false},
		// Two spaces stay two spaces.
		{"global or shared + index", provGlobal | provShared, provInt, provGlobal | provShared, false},
		{"shared + global", provShared, provGlobal, provShared | provGlobal, false},
		// An integer computed from a shared address (p & 15) plus a loaded
		// pointer: either operand may be the address.
		{"shared-derived + loaded", provShared | provInt, provMemory, provShared | provMemory | provInt, false},
		{"shared - index", provShared, provInt, provShared, true},
		// The loaded value may be a shared address: the difference may be
		// an integer.
		{"shared - loaded", provShared, provMemory, provShared | provMemory | provInt, true},
		{"shared - shared", provShared, provShared, provShared | provInt, true},
		{"index - local", provInt, provLocal, provLocal | provInt, true},
		{"nothing yet", 0, provLocal, 0, false},
	}
	for _, c := range cases {
		op := provAdd
		if c.sub {
			op = provSub
		}
		if got := op(c.a, c.b); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
