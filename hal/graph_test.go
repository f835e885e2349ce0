package hal

import (
	"errors"
	"testing"
)

func TestCheckFill(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		size int
		ok   bool
	}{
		{12, 4, true}, {0, 4, true}, {6, 4, false}, {3, 3, false}, {5, 1, true}, {5, 2, false}, {8, 0, false}, {8, 8, false},
	} {
		err := CheckFill(tc.n, tc.size)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidValue)) {
			t.Errorf("CheckFill(%d, %d) = %v", tc.n, tc.size, err)
		}
	}
	g := &Graph{Nodes: []Node{{Kind: NodeFill, Size: 6, PatternSize: 4}}}
	if err := g.Validate(); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("Validate of a 6-byte fill of 4-byte words: %v", err)
	}
}
