package cgen_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/streamhal/streamhal/ptx/cgen"
)

// outputHashes records, per translator Version, the SHA-256 of the C it
// writes for the whole corpus module (corpusModule). Caches of compiled
// libraries key on the PTX and cgen.BuildID, not on the C (so that a hit
// needs no translation): a change to the output under an old Version would
// make them serve libraries of the old translator. When this test fails,
// bump Version and record the new hash here.
var outputHashes = map[string]string{
	"ptxc-10": "7da9d4c84d7f550e061416d9d58c7301775580318ad5dd54a496a8fd4b1d2dab",
	"ptxc-11": "5d4d24b49347335faad5ef6b8bbf5c198185debc422553e983854d6815a0df3e", // printf (vprintf) and assert (__assertfail)
	"ptxc-12": "9e1b3dddfe1c8b52c687988a98069cc29130faa2c5ac76d382fe1049faa960bc", // printf: the sizes h and hh convert the argument
}

func TestVersionCoversOutput(t *testing.T) {
	src, _ := corpusModule(t)
	res, err := cgen.Translate([]byte(src), cgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%x", sha256.Sum256(res.C))
	want, ok := outputHashes[cgen.Version]
	if !ok || want != got {
		t.Fatalf("the translator's output for the corpus is %s under Version %q, which records %q: bump cgen.Version (caches key on it) and record the new hash in outputHashes", got, cgen.Version, want)
	}
}
