package vulkan

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a cache directory of their own (unless
// STREAM_HAL_CACHE_DIR is set): PTX translations are cached by
// spirvgen.Version, not by the translator's code, so a translator change
// tested before its Version is bumped would otherwise be answered from
// translations of the code before it.
func TestMain(m *testing.M) { os.Exit(runFreshCache(m)) }

func runFreshCache(m *testing.M) int {
	if os.Getenv("STREAM_HAL_CACHE_DIR") == "" {
		dir, err := os.MkdirTemp("", "vulkan-test-cache-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "hal/vulkan tests: cache directory:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		os.Setenv("STREAM_HAL_CACHE_DIR", dir)
	}
	return m.Run()
}
