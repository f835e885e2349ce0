package modfile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// TestReadFile reads a regular file and refuses, promptly, what would hang
// or exhaust memory: a FIFO (whose open blocks), /dev/zero (whose read
// never ends), a directory, a file over MaxFileSize (sparse, so the test
// writes nothing); a missing file is ErrNotFound.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.bin")
	want := []byte("SHALFAT\x00 not really, but bytes")
	if err := os.WriteFile(good, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := modfile.ReadFile(good)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile of a regular file: %q, %v", got, err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := modfile.ReadFile(empty); err != nil || len(got) != 0 {
		t.Errorf("ReadFile of an empty file: %q, %v", got, err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
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
		{"missing file", filepath.Join(dir, "nope"), hal.ErrNotFound},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := modfile.ReadFile(tc.path)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadFile of a %s: got %v, want %v", tc.name, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadFile of a %s did not return", tc.name)
		}
	}
}
