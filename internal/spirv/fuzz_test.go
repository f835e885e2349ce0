package spirv_test

import (
	"testing"

	"github.com/streamhal/streamhal/internal/spirv"
)

// FuzzDecode: any bytes decode, disassemble and validate without a panic;
// a module that Validate accepts re-encodes to the same words.
func FuzzDecode(f *testing.F) {
	good, err := vectorAdd(spirv.Version1_5).Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte{3, 2, 0x23, 7, 0, 5, 1, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := spirv.Decode(data)
		if err != nil {
			return
		}
		_ = b.String()
		_, _ = b.Operands()
		if b.Validate() != nil {
			return
		}
		var w []uint32
		for _, in := range b.Insts {
			w = append(w, uint32(len(in.Words)+1)<<16|uint32(in.Op))
			w = append(w, in.Words...)
		}
		again, err := spirv.DecodeWords(append([]uint32{spirv.Magic, b.Version, b.Generator, b.Bound, 0}, w...))
		if err != nil || len(again.Insts) != len(b.Insts) {
			t.Fatalf("re-encoded module does not decode the same: %v", err)
		}
	})
}
