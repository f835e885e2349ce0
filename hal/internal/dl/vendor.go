//go:build cgo

package dl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DropinMarker is the symbol streamhal's C-API drop-in libraries (the
// libcuda.so.1 and libamdhip64.so that capi/ builds) export. A driver that
// dlopens its vendor library by soname inside a program running on a
// drop-in gets the drop-in itself, because the dynamic loader matches the
// soname of a library already loaded; OpenVendor detects that by this
// symbol.
const DropinMarker = "streamhal_capi_dropin"

// VendorDirs are the directories OpenVendor searches for the vendor's
// library when a name resolves to a drop-in.
var VendorDirs = []string{
	"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
	"/usr/local/cuda/lib64", "/usr/local/cuda/compat", "/usr/lib/wsl/lib",
	"/opt/rocm/lib", "/opt/rocm/lib64",
}

// OpenVendor opens a vendor library (libcuda.so.1, libamdhip64.so.6, ...):
// the first of names that loads and is not a streamhal drop-in. When env
// names a path, that file is opened, and only it. When a name resolves to
// a drop-in, the drop-in is closed and the names are looked for by path in
// VendorDirs, skipping the drop-in's own file, so that the driver never
// loads itself. A library opened by path is opened with RTLD_DEEPBIND, so
// that its calls of its own exported functions do not bind to the drop-in's
// functions of the same names, which come first in the process's global
// scope.
func OpenVendor(env string, names ...string) (*Library, error) {
	if p := os.Getenv(env); p != "" {
		l, err := OpenFlags(Now|Local|DeepBind, p)
		if err != nil {
			return nil, fmt.Errorf("%s=%s: %w", env, p, err)
		}
		if l.IsDropin() {
			_ = l.Close()
			return nil, fmt.Errorf("%s=%s is streamhal's drop-in, not the vendor's library: %w", env, p, ErrNotFound)
		}
		return l, nil
	}
	var msgs []string
	for _, n := range names {
		l, err := Open(n)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		if !l.IsDropin() {
			return l, nil
		}
		_ = l.Close()
		msgs = append(msgs, n+" is streamhal's drop-in")
		for _, dir := range VendorDirs {
			p := filepath.Join(dir, n)
			if _, err := os.Stat(p); err != nil {
				continue
			}
			// RTLD_DEEPBIND: the drop-in, loaded before, exports the same
			// names in the global scope; the vendor's library must bind its
			// calls of its own functions to itself, not to the drop-in.
			l, err := OpenFlags(Now|Local|DeepBind, p)
			if err != nil {
				msgs = append(msgs, err.Error())
				continue
			}
			if !l.IsDropin() {
				return l, nil
			}
			_ = l.Close()
		}
	}
	return nil, fmt.Errorf("%s %w (%s; set %s to the vendor library's path)", strings.Join(names, " or "), ErrNotFound, strings.Join(msgs, "; "), env)
}

// IsDropin reports whether l is one of streamhal's C-API drop-ins.
func (l *Library) IsDropin() bool {
	_, err := l.Sym(DropinMarker)
	return err == nil
}
