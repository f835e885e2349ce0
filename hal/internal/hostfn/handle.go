//go:build cgo

package hostfn

import "runtime/cgo"

// Lookup returns the value behind h as a T, or the zero T when h is no
// longer valid or holds something else: C calls back with handles it was
// given, and a stale one must not panic (cgo.Handle.Value does) in a
// callback that C frames sit under.
func Lookup[T any](h cgo.Handle) (v T) {
	defer func() {
		if recover() != nil {
			var zero T
			v = zero
		}
	}()
	v, _ = h.Value().(T)
	return v
}
