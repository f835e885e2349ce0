package spirvgen

// RecoverPanics lets the fuzz tests see a translator panic as one.
var RecoverPanics = &recoverPanics
