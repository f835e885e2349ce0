// Package dl loads shared libraries at run time (dlopen/dlsym) for the hal
// drivers, so that no vendor SDK is needed at build time and a missing
// library is an error, not a link failure.
package dl

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

static void* shal_dlopen(const char* name, int flags) { return dlopen(name, flags); }
static const char* shal_dlerror(void) { return dlerror(); }
static void* shal_dlsym(void* h, const char* name) {
	dlerror();
	return dlsym(h, name);
}
static int shal_dlclose(void* h) { return dlclose(h); }
static int shal_call_int(void* f) { return ((int (*)(void))f)(); }
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// ErrNotFound is wrapped by Open when no candidate library could be loaded
// and by Sym when a symbol is missing.
var ErrNotFound = errors.New("not found")

// dlerror is process-global state, so calls that read it are serialised.
var mu sync.Mutex

// Library is an open shared library.
type Library struct {
	Name   string
	handle unsafe.Pointer
}

// Flags for Open.
const (
	Lazy   = C.RTLD_LAZY
	Now    = C.RTLD_NOW
	Local  = C.RTLD_LOCAL
	Global = C.RTLD_GLOBAL
	// DeepBind makes the library resolve its symbols in itself before the
	// process's global scope (RTLD_DEEPBIND).
	DeepBind = C.RTLD_DEEPBIND
)

// Open loads the first of names that loads, with RTLD_NOW|RTLD_LOCAL.
func Open(names ...string) (*Library, error) {
	return OpenFlags(Now|Local, names...)
}

// OpenFlags is Open with explicit dlopen flags.
func OpenFlags(flags int, names ...string) (*Library, error) {
	var msgs []string
	for _, n := range names {
		cn := C.CString(n)
		mu.Lock()
		h := C.shal_dlopen(cn, C.int(flags))
		var msg string
		if h == nil {
			if e := C.shal_dlerror(); e != nil {
				msg = C.GoString(e)
			}
		}
		mu.Unlock()
		C.free(unsafe.Pointer(cn))
		if h != nil {
			return &Library{Name: n, handle: h}, nil
		}
		msgs = append(msgs, msg)
	}
	return nil, fmt.Errorf("%s %w (%s)", strings.Join(names, " or "), ErrNotFound, strings.Join(msgs, "; "))
}

// Sym resolves a symbol.
func (l *Library) Sym(name string) (unsafe.Pointer, error) {
	if l == nil || l.handle == nil {
		return nil, fmt.Errorf("dl: symbol %s: library is closed", name)
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	mu.Lock()
	defer mu.Unlock()
	p := C.shal_dlsym(l.handle, cn)
	if p == nil {
		msg := "symbol is NULL"
		if e := C.shal_dlerror(); e != nil {
			msg = C.GoString(e)
		}
		return nil, fmt.Errorf("%s: symbol %s %w: %s", l.Name, name, ErrNotFound, msg)
	}
	return p, nil
}

// Syms resolves every name into the pointers out[i]; it fails naming the
// first missing symbol.
func (l *Library) Syms(names []string, out []unsafe.Pointer) error {
	if len(names) != len(out) {
		return fmt.Errorf("dl: %d names for %d slots", len(names), len(out))
	}
	for i, n := range names {
		p, err := l.Sym(n)
		if err != nil {
			return err
		}
		out[i] = p
	}
	return nil
}

// Handle returns the dlopen handle.
func (l *Library) Handle() unsafe.Pointer { return l.handle }

// Close unloads the library.
func (l *Library) Close() error {
	if l == nil || l.handle == nil {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	if C.shal_dlclose(l.handle) != 0 {
		msg := ""
		if e := C.shal_dlerror(); e != nil {
			msg = C.GoString(e)
		}
		return fmt.Errorf("dl: close %s: %s", l.Name, msg)
	}
	l.handle = nil
	return nil
}

// callInt calls the C function int f(void), for the tests.
func callInt(f unsafe.Pointer) int { return int(C.shal_call_int(f)) }
