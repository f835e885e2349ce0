package spirvgen_test

import (
	"math/big"
	"sort"
)

type corpusRat = big.Rat

func ratOf(x float64) *big.Rat {
	r, _ := new(big.Float).SetFloat64(x).Rat(nil)
	return r
}

func ratOfU64(v uint64) *big.Rat { return new(big.Rat).SetInt(new(big.Int).SetUint64(v)) }

func sortStrings(s []string) { sort.Strings(s) }
