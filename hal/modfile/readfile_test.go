package modfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hal/modfile"
)

// TestReadFile reads a regular file and refuses, promptly, what would hang
// or exhaust memory (haltest.BadModuleFiles).
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

	haltest.BadModuleFiles(t, "ReadFile", func(path string) error {
		_, err := modfile.ReadFile(path)
		return err
	})
}
