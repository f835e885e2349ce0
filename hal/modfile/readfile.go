package modfile

import (
	"fmt"
	"io"
	"os"

	"github.com/streamhal/streamhal/hal"
)

// MaxFileSize bounds the module files ReadFile reads: 1 GiB, far above any
// real module (the largest fatbins of vendor libraries are a few hundred
// MiB), far below what would exhaust a host's memory by mistake.
const MaxFileSize = 1 << 30

// ReadFile reads a module file. It refuses, with an error wrapping
// hal.ErrInvalidValue, anything that is not a regular file (a device such
// as /dev/zero, whose read never ends; a FIFO, whose open blocks; a
// directory) and files larger than MaxFileSize, so that a wrong path is an
// error rather than a hang or an out-of-memory crash. A file that cannot
// be opened is an error wrapping hal.ErrNotFound.
func ReadFile(path string) ([]byte, error) {
	// Stat before opening: opening a FIFO blocks until a writer appears.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("modfile: read %s: %v: %w", path, err, hal.ErrNotFound)
	}
	if err := checkModuleFile(path, fi); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modfile: read %s: %v: %w", path, err, hal.ErrNotFound)
	}
	defer f.Close()
	// Check what was opened too: the path may have changed since the Stat.
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("modfile: read %s: %v: %w", path, err, hal.ErrNotFound)
	}
	if err := checkModuleFile(path, fi); err != nil {
		return nil, err
	}
	// The file may grow while it is read: read at most one byte more than
	// the limit to notice.
	data := make([]byte, 0, fi.Size()+1)
	data, err = readAllUpTo(f, data, MaxFileSize+1)
	if err != nil {
		return nil, fmt.Errorf("modfile: read %s: %v: %w", path, err, hal.ErrNotFound)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("modfile: read %s: more than %d bytes, the most a module file may have: %w", path, MaxFileSize, hal.ErrInvalidValue)
	}
	return data, nil
}

func checkModuleFile(path string, fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("modfile: read %s: not a regular file (%s): %w", path, describeMode(fi.Mode()), hal.ErrInvalidValue)
	}
	if fi.Size() > MaxFileSize {
		return fmt.Errorf("modfile: read %s: %d bytes, more than the %d a module file may have: %w", path, fi.Size(), MaxFileSize, hal.ErrInvalidValue)
	}
	return nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// readAllUpTo appends to buf what r yields, up to max bytes in all.
func readAllUpTo(r io.Reader, buf []byte, max int64) ([]byte, error) {
	lr := io.LimitReader(r, max-int64(len(buf)))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
