package haltest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// BadModuleFiles checks that load, which reads a module file (what names
// it in messages: "ReadFile", "LoadModule"), refuses promptly the paths
// that would hang or exhaust memory: a FIFO (whose open blocks),
// /dev/zero (whose read never ends), a directory and a file over
// modfile.MaxFileSize (sparse, so nothing is written) are
// hal.ErrInvalidValue; a missing file is hal.ErrNotFound.
func BadModuleFiles(t *testing.T, what string, load func(path string) error) {
	t.Helper()
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
		{"FIFO", fifo, hal.ErrInvalidValue},
		{"/dev/zero", "/dev/zero", hal.ErrInvalidValue},
		{"directory", dir, hal.ErrInvalidValue},
		{"file over the limit", big, hal.ErrInvalidValue},
		{"missing file", filepath.Join(dir, "missing.fat"), hal.ErrNotFound},
	} {
		done := make(chan error, 1)
		go func() { done <- load(tc.path) }()
		select {
		case err := <-done:
			if !errors.Is(err, tc.want) {
				t.Errorf("%s of a %s: got %v, want %v", what, tc.name, err, tc.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s of a %s did not return", what, tc.name)
		}
	}
}
