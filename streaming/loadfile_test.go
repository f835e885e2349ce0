package streaming_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/streaming"
)

// TestLoadModuleBadFiles loads paths that are no module files: each is a
// prompt ErrInvalidValue (ErrNotFound for a missing file), never a hang
// (a FIFO's open blocks) or a fatal out-of-memory (/dev/zero's read never
// ends; before the check, LoadModule read it until the process died, so
// the test runs in a child process).
func TestLoadModuleBadFiles(t *testing.T) {
	haltest.InSubprocess(t, func(t *testing.T) {
		e := newEnv(t)
		dir := t.TempDir()
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		big := filepath.Join(dir, "big.fat")
		f, err := os.Create(big)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(modfile.MaxFileSize + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for _, tc := range []struct {
			name, path string
			want       error
		}{
			{"FIFO", fifo, streaming.ErrInvalidValue},
			{"directory", dir, streaming.ErrInvalidValue},
			{"file over the limit", big, streaming.ErrInvalidValue},
			{"/dev/zero", "/dev/zero", streaming.ErrInvalidValue},
			{"missing file", filepath.Join(dir, "missing.fat"), streaming.ErrNotFound},
		} {
			done := make(chan error, 1)
			go func() {
				m, err := e.ctx.LoadModule(tc.path)
				if err == nil {
					m.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("LoadModule of a %s: got %v, want %v", tc.name, err, tc.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("LoadModule of a %s did not return", tc.name)
			}
		}
	})
}
