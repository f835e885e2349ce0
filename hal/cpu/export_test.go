package cpu

// Hooks for the external tests and benchmarks.

// LiveAllocations is liveAllocations for the external tests.
var LiveAllocations = liveAllocations

// ForgetPTXLibraries empties this process's cache of libraries built from
// PTX, so that a benchmark can time a load from the on-disk cache.
func ForgetPTXLibraries() {
	c := &ptxLibraries
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.order {
		delete(c.builds, k)
	}
	c.order, c.bytes = nil, 0
}

// PTXCFlags are the compiler flags of libraries built from PTX.
var PTXCFlags = ptxCFlags
