package streaming

// Package streaming links no driver (programs choose theirs); its tests run
// on the default set.
import _ "github.com/streamhal/streamhal/hal/all"
