package cbench

import (
	"runtime"
	"testing"
	"unsafe"
)

// The pool's vector add is checked against a Go loop, over several
// launches (the threads persist between them) and sizes that do not divide
// evenly.
func TestPoolVectorAdd(t *testing.T) {
	for _, threads := range []int{1, 3, runtime.GOMAXPROCS(0)} {
		p, err := NewPool(threads)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 7, 1000, 100003} {
			a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range a {
				a[i], b[i], c[i] = float32(i), float32(2*i+1), -1
			}
			var pin runtime.Pinner
			pin.Pin(&a[0])
			pin.Pin(&b[0])
			pin.Pin(&c[0])
			for rep := 0; rep < 3; rep++ {
				p.VectorAdd(unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]), uint64(n))
			}
			pin.Unpin()
			for i := range c {
				if c[i] != a[i]+b[i] {
					t.Fatalf("%d threads, n %d: c[%d] = %v, want %v", threads, n, i, c[i], a[i]+b[i])
				}
			}
		}
		if p.Threads() != threads {
			t.Errorf("Threads() = %d, want %d", p.Threads(), threads)
		}
		p.Close()
	}
}
