package spirvgen_test

import (
	"os"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

// TestMain gives the tests a cache directory of their own
// (haltest.RunWithFreshCache): the translation cache is keyed by Version,
// not by the translator's code.
func TestMain(m *testing.M) { os.Exit(haltest.RunWithFreshCache(m, "spirvgen")) }
