package streaming

// SetTestHookClaim installs fn (nil removes it) to run in every release of
// memory after the address was looked up and before the allocation is
// claimed (see testHookClaim).
func SetTestHookClaim(fn func(base uint64)) {
	if fn == nil {
		testHookClaim.Store(nil)
		return
	}
	testHookClaim.Store(&fn)
}
