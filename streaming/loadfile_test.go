package streaming_test

import (
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

// TestLoadModuleBadFiles loads paths that are no module files: each is a
// prompt ErrInvalidValue (ErrNotFound for a missing file), never a hang
// (a FIFO's open blocks) or a fatal out-of-memory (/dev/zero's read never
// ends; before the check, LoadModule read it until the process died, so
// the test runs in a child process).
func TestLoadModuleBadFiles(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		haltest.BadModuleFiles(t, "LoadModule", func(path string) error {
			m, err := e.ctx.LoadModule(path)
			if err == nil {
				m.Close()
			}
			return err
		})
	})
}
