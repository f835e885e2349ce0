//go:build !cgo

package main

import (
	"io"

	"github.com/streamhal/streamhal/streaming"
)

// openCBaseline: the plain-C baselines call C, so a build without cgo
// has none, and the rows say so.
func openCBaseline(*streaming.Device, string, io.Writer) (cBaseline, string) {
	return nil, "n/a (built without cgo)"
}

// newCVectorAdd is nil: there is no plain-C vector add without cgo.
var newCVectorAdd func(threads int) (add func(a, b, c []byte, n uint64), stop func(), err error)
