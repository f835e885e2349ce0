package hal

import "fmt"

// Unavailable returns a driver named name that cannot run in this build:
// its Open fails with ErrNotAvailable and says why. The drivers register
// one in place of themselves when the program is built without cgo
// (CGO_ENABLED=0), as ebitengine/purego's dlfcn_nocgo files do, so that
// the program still compiles, enumerates the driver and reports what it
// lacks instead of failing to build.
func Unavailable(name, reason string) Driver { return unavailable{name, reason} }

// NeedsCgo is the reason the drivers give in a build without cgo.
const NeedsCgo = "needs cgo (this program was built with CGO_ENABLED=0)"

type unavailable struct{ name, reason string }

func (u unavailable) Name() string { return u.name }

func (u unavailable) Open(Config) (Instance, error) {
	return nil, fmt.Errorf("hal/%s: %w: %s", u.name, ErrNotAvailable, u.reason)
}
