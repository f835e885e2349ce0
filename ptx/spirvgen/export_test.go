package spirvgen

// RecoverPanics lets the fuzz tests see a translator panic as one.
var RecoverPanics = &recoverPanics

// SetFMACheck sets the A/B form of fused f32 fmas (fmaCheck) for a test
// and returns a function that restores it.
func SetFMACheck(v string) (restore func()) {
	old := fmaCheck
	fmaCheck = v
	return func() { fmaCheck = old }
}
