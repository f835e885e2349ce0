package haltest

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// RunWithFreshCache runs a package's tests (from its TestMain) with a cache
// directory of their own, removed afterwards, unless STREAM_HAL_CACHE_DIR
// is set: translations are cached by the translators' version strings,
// not by their code, so a translator change tested before its version is
// bumped would otherwise be answered from translations of the code before
// it. name prefixes the directory.
func RunWithFreshCache(m *testing.M, name string) int {
	if os.Getenv("STREAM_HAL_CACHE_DIR") == "" {
		dir, err := os.MkdirTemp("", name+"-test-cache-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s tests: cache directory: %v\n", name, err)
			return 1
		}
		defer os.RemoveAll(dir)
		os.Setenv("STREAM_HAL_CACHE_DIR", dir)
	}
	return m.Run()
}

// LayerMedians runs the layers of a layered benchmark, each a function
// timing n operations: warm operations each first, then b.N each in
// rounds of round operations, the layers alternating round by round so
// that the device's and the machine's drift hits all of them alike. It
// returns each layer's median time per operation in ns.
func LayerMedians(b *testing.B, warm, round int, layers ...func(n int) (time.Duration, error)) []float64 {
	for _, f := range layers {
		if _, err := f(warm); err != nil {
			b.Fatal(err)
		}
	}
	per := make([][]float64, len(layers))
	for left := b.N; left > 0; left -= round {
		n := min(left, round)
		for i, f := range layers {
			dt, err := f(n)
			if err != nil {
				b.Fatal(err)
			}
			per[i] = append(per[i], float64(dt.Nanoseconds())/float64(n))
		}
	}
	med := make([]float64, len(layers))
	for i := range per {
		slices.Sort(per[i])
		med[i] = per[i][len(per[i])/2]
	}
	return med
}
