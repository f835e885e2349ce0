// Package kbuild builds CPU kernel libraries (kernels/streamhal_cpu.h, ELF
// shared objects the CPU driver dlopens) from C source with the system C
// compiler, and keeps what it built in an on-disk cache, so that the second
// load of a module costs a hash and a file read instead of a compilation.
// The CPU backend uses it for C that its PTX translator writes; shalfat
// uses it to put CPU libraries in fat modules ahead of time.
//
// # The compiler
//
// Build runs $CC when it is set: a command line split on white space (no
// shell quoting), so "ccache gcc" or "clang-19 -march=x86-64-v3" work.
// Otherwise the first of cc, gcc and clang found in $PATH. The compiler's
// identity is the first line of "$CC --version" and "$CC -dumpmachine" (run
// once per process and command line, with LC_ALL=C). Sources compile with
//
//	-O3 -std=c11 -shared -fPIC -fvisibility=hidden -I<dir> ... -lm
//
// in a fresh temporary directory holding the source and streamhal_cpu.h
// (embedded in the program by package kernels, so it needs no checkout),
// never in the working directory. The result must pass
// modfile.ParseCPUELF. Without a compiler, Build returns an error wrapping
// hal.ErrNotSupported that says what to install; a compilation that fails
// returns the compiler's messages (the first 8 KiB) wrapping
// ErrCompileFailed and hal.ErrInvalidImage.
//
// # The cache
//
// Location: $STREAM_HAL_CACHE_DIR when set, else os.UserCacheDir()/
// streamhal/cpu-kernels ($XDG_CACHE_HOME/streamhal/cpu-kernels, usually
// ~/.cache/streamhal/cpu-kernels, on Linux). STREAM_HAL_CACHE_DIR=off
// disables the cache; Options.CacheDir overrides the variable.
//
// Key: SHA-256 of the caller's key material, the C source, the compiler's
// identity and command line, the flags, and streamhal_cpu.h. Any change to
// one of them builds anew; nothing else is compared. BuildFrom leaves the
// C source out of the key, for sources that the key material determines
// (PTXKey: the PTX's hash and the translator's build ID, as the CPU
// backend and shalfat -cpu-from-ptx use it): a hit then needs no
// translation at all.
//
// Entries are files named by the key's hex digest, holding the library and
// a SHA-256 of it. A file that is truncated or corrupt fails that check and
// is rebuilt and replaced. Writes go to a temporary file in the cache
// directory that is renamed into place, so concurrent processes never see
// a partial entry (two that race both build, and one's file wins); within
// a process, concurrent builds of one key compile once. A cache directory
// that cannot be created or written is logged and the library built
// without caching. Entries are never evicted: delete the directory to
// reclaim the space.
package kbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/kernels"
)

// Environment variables.
const (
	// EnvCacheDir moves the cache; "off" disables it.
	EnvCacheDir = "STREAM_HAL_CACHE_DIR"
	// EnvCC is the C compiler's command line.
	EnvCC = "CC"
)

// ErrCompileFailed is wrapped by the error of a compilation the compiler
// rejected.
var ErrCompileFailed = errors.New("compilation by the C compiler failed")

// Flags are the compiler flags every build uses (before Options.Flags).
var Flags = []string{"-O3", "-std=c11", "-shared", "-fPIC", "-fvisibility=hidden"}

// Options configure Build. The zero value uses $CC and $STREAM_HAL_CACHE_DIR.
type Options struct {
	// CC is the compiler's command line; empty means $CC, else cc, gcc or
	// clang from $PATH.
	CC string
	// CacheDir is the cache directory; empty means $STREAM_HAL_CACHE_DIR,
	// else the user cache directory; "off" disables caching.
	CacheDir string
	// Flags are added after the standard flags (Flags) and are part of the
	// cache key. Flags that tie the library to this machine's CPU
	// (-march=native) make cache entries unsafe to share with other
	// machines.
	Flags []string
	// Logf receives diagnostics (a cache that cannot be used, an entry
	// rebuilt), at levels 1 (errors) to 5 as hal.Config.Logf does; nil
	// discards them.
	Logf func(level int, format string, args ...any)
}

func (o *Options) logf(level int, format string, args ...any) {
	if o.Logf != nil {
		o.Logf(level, format, args...)
	}
}

// Build returns the CPU kernel library compiled from the C source src,
// from the cache when it holds one for the same inputs (cached is then
// true). key is extra cache-key material: whatever produced src and is not
// in it, such as the hash of the PTX it was translated from and the
// translator's version. ctx cancels the compilation.
func Build(ctx context.Context, src, key []byte, opts Options) (lib []byte, cached bool, err error) {
	if len(src) == 0 {
		return nil, false, fmt.Errorf("kbuild: build: empty C source: %w", hal.ErrInvalidValue)
	}
	cc, err := findCompiler(ctx, opts.CC)
	if err != nil {
		return nil, false, err
	}
	flags := append(append([]string{}, Flags...), opts.Flags...)
	sum := cacheKey(key, src, cc, flags)
	return build(ctx, sum, func() ([]byte, error) { return src, nil }, cc, flags, opts)
}

// BuildFrom is Build for a C source that key alone determines, such as the
// translation of a PTX module (key: the PTX's hash and the translator's
// version): the cache is looked up by key without the source, and source
// is called only when the library must be compiled. A cache hit then
// costs a hash, a compiler lookup (once per process) and a file read. An
// error from source is returned as it is.
func BuildFrom(ctx context.Context, key []byte, source func() ([]byte, error), opts Options) (lib []byte, cached bool, err error) {
	if len(key) == 0 {
		return nil, false, fmt.Errorf("kbuild: build: empty key: %w", hal.ErrInvalidValue)
	}
	cc, err := findCompiler(ctx, opts.CC)
	if err != nil {
		return nil, false, err
	}
	flags := append(append([]string{}, Flags...), opts.Flags...)
	// A distinct domain: no key of BuildFrom names a Build entry.
	sum := cacheKey(append([]byte("streamhal kbuild keyed source\x00"), key...), nil, cc, flags)
	return build(ctx, sum, source, cc, flags, opts)
}

// PTXKey is the key of BuildFrom for the C that a PTX-to-C translator of
// the given version writes for the PTX module ptx: the CPU backend and
// shalfat -cpu-from-ptx use it alike, so they share cache entries.
func PTXKey(ptx []byte, translatorVersion string) []byte {
	sum := sha256.Sum256(ptx)
	return fmt.Appendf(sum[:], "\x00ptx-to-c %s", translatorVersion)
}

// build returns the library of cache key sum: from the cache, or compiled
// from source() and stored.
func build(ctx context.Context, sum string, source func() ([]byte, error), cc *compiler, flags []string, opts Options) ([]byte, bool, error) {
	dir, err := cacheDir(opts.CacheDir)
	if err != nil {
		opts.logf(2, "kbuild: cache not used: %v", err)
		dir = ""
	}
	for {
		ch := builds.DoChan(dir+"\x00"+sum, func() (any, error) {
			return buildCached(ctx, dir, sum, source, cc, flags, &opts)
		})
		select {
		case r := <-ch:
			if r.Err != nil && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue // the caller we waited on gave up; our build goes on
			}
			if r.Err != nil {
				return nil, false, r.Err
			}
			res := r.Val.(built)
			// Callers share the result: each gets its own copy.
			return append([]byte(nil), res.lib...), res.cached, nil
		case <-ctx.Done():
			return nil, false, fmt.Errorf("kbuild: build: %w", ctx.Err())
		}
	}
}

// builds makes concurrent Builds of one key in this process compile once.
var builds singleflight.Group

type built struct {
	lib    []byte
	cached bool
}

// buildCached looks sum up in dir ("" for no cache), and compiles and
// stores the library when it is absent or damaged.
func buildCached(ctx context.Context, dir, sum string, source func() ([]byte, error), cc *compiler, flags []string, opts *Options) (built, error) {
	path := ""
	if dir != "" {
		path = filepath.Join(dir, sum+entrySuffix)
		lib, err := readEntry(path)
		switch {
		case err == nil:
			return built{lib, true}, nil
		case errors.Is(err, errCorrupt):
			opts.logf(2, "kbuild: cache entry %s rebuilt: %v", path, err)
		}
		// Other errors (no entry, no directory, no permission) are a
		// miss; a cache that cannot be written is logged below.
	}
	src, err := source()
	if err != nil {
		return built{}, err
	}
	if len(src) == 0 {
		return built{}, fmt.Errorf("kbuild: build: empty C source: %w", hal.ErrInvalidValue)
	}
	lib, err := compile(ctx, src, cc, flags)
	if err != nil {
		return built{}, err
	}
	if path != "" {
		if err := writeEntry(dir, path, lib); err != nil {
			opts.logf(2, "kbuild: library built but not cached: %v", err)
		}
	}
	return built{lib, false}, nil
}

// cacheKey hashes everything a build depends on, each field length-prefixed
// so that no two different inputs hash the same bytes.
func cacheKey(key, src []byte, cc *compiler, flags []string) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte("streamhal kbuild 1"))
	field(key)
	field(src)
	field([]byte(cc.identity))
	field([]byte(strings.Join(cc.argv, "\x00")))
	field([]byte(strings.Join(flags, "\x00")))
	field([]byte(kernels.CPUHeader()))
	return hex.EncodeToString(h.Sum(nil))
}

// cacheDir resolves the cache directory; "" means caching is off.
func cacheDir(opt string) (string, error) {
	dir := opt
	if dir == "" {
		dir = os.Getenv(EnvCacheDir)
	}
	if dir == "off" {
		return "", nil
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory (%v); set %s", err, EnvCacheDir)
		}
		dir = filepath.Join(base, "streamhal", "cpu-kernels")
	}
	return dir, nil
}

// Cache entries: the library, then a trailer of its SHA-256, its length
// (little-endian u64) and a magic.
const (
	entrySuffix  = ".shalkb"
	entryMagic   = "SHALKB01"
	trailerSize  = sha256.Size + 8 + len(entryMagic)
	maxEntrySize = 1 << 30
)

// errCorrupt marks a cache entry that exists but fails verification.
var errCorrupt = errors.New("corrupt cache entry")

// readEntry reads and verifies a cache entry holding a CPU kernel library.
func readEntry(path string) ([]byte, error) {
	return readEntryVerify(path, func(lib []byte) error {
		_, err := modfile.ParseCPUELF(lib)
		return err
	})
}

// readEntryVerify reads a cache entry, checks its checksum and runs verify
// on its contents.
func readEntryVerify(path string, verify func([]byte) error) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < trailerSize || string(b[len(b)-len(entryMagic):]) != entryMagic {
		return nil, fmt.Errorf("%w: truncated or not a cache entry (%d bytes)", errCorrupt, len(b))
	}
	t := b[len(b)-trailerSize:]
	n := binary.LittleEndian.Uint64(t[sha256.Size:])
	if n != uint64(len(b)-trailerSize) {
		return nil, fmt.Errorf("%w: it says %d bytes, holds %d", errCorrupt, n, len(b)-trailerSize)
	}
	lib := b[:n:n]
	if s := sha256.Sum256(lib); !bytes.Equal(s[:], t[:sha256.Size]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	if err := verify(lib); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return lib, nil
}

// Cached returns the bytes cached under key in the same cache (location,
// format and guarantees as Build's), or produces them with make and stores
// them; cached says which. kind names what is cached and is part of the
// key (so translations never collide with libraries); verify checks an
// entry read back (a failing entry is rebuilt, as a corrupt one is).
// Concurrent calls for one key in this process run make once. The
// Vulkan driver caches its PTX translations here.
func Cached(kind string, key []byte, opts Options, verify func([]byte) error, make func() ([]byte, error)) (data []byte, cached bool, err error) {
	h := sha256.New()
	for _, f := range [][]byte{[]byte("streamhal kbuild cached 1"), []byte(kind), key} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(f))))
		h.Write(f)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dir, err := cacheDir(opts.CacheDir)
	if err != nil {
		opts.logf(2, "kbuild: cache not used: %v", err)
		dir = ""
	}
	r, err, _ := builds.Do(dir+"\x00"+sum, func() (any, error) {
		path := ""
		if dir != "" {
			path = filepath.Join(dir, sum+entrySuffix)
			b, err := readEntryVerify(path, verify)
			switch {
			case err == nil:
				return built{b, true}, nil
			case errors.Is(err, errCorrupt):
				opts.logf(2, "kbuild: cache entry %s rebuilt: %v", path, err)
			}
		}
		b, err := make()
		if err != nil {
			return built{}, err
		}
		if path != "" {
			if err := writeEntry(dir, path, b); err != nil {
				opts.logf(2, "kbuild: %s not cached: %v", kind, err)
			}
		}
		return built{b, false}, nil
	})
	if err != nil {
		return nil, false, err
	}
	res := r.(built)
	return append([]byte(nil), res.lib...), res.cached, nil
}

// writeEntry stores lib at path atomically: a temporary file in dir,
// renamed into place.
func writeEntry(dir, path string, lib []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*"+entrySuffix)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(lib)
	buf := make([]byte, 0, len(lib)+trailerSize)
	buf = append(buf, lib...)
	buf = append(buf, sum[:]...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(lib)))
	buf = append(buf, entryMagic...)
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// compiler is a resolved C compiler.
type compiler struct {
	argv     []string // the command line, argv[0] resolved to a path
	identity string   // --version's first line and -dumpmachine
}

var (
	compilersMu sync.Mutex
	compilers   = map[string]*compiler{} // by command line and $PATH
)

// installHint is what to do without a compiler.
const installHint = "install gcc: apt-get install gcc (Debian, Ubuntu), dnf install gcc (Fedora), or set CC to a C compiler"

// findCompiler resolves the compiler and its identity, once per command
// line and $PATH per process: a cache hit then costs no process start and
// no search of $PATH.
func findCompiler(ctx context.Context, opt string) (*compiler, error) {
	line, from := opt, "Options.CC"
	if line == "" {
		line, from = os.Getenv(EnvCC), "$CC"
	}
	key := line + "\x00" + os.Getenv("PATH")
	compilersMu.Lock()
	c := compilers[key]
	compilersMu.Unlock()
	if c != nil {
		return c, nil
	}
	var argv []string
	if strings.TrimSpace(line) != "" {
		argv = strings.Fields(line)
		p, err := exec.LookPath(argv[0])
		if err == nil {
			// Compilations run in a temporary directory: a relative
			// path must not be resolved there.
			p, err = filepath.Abs(p)
		}
		if err != nil {
			return nil, fmt.Errorf("kbuild: C compiler %q (from %s) not found: %v; %s: %w", argv[0], from, err, installHint, hal.ErrNotSupported)
		}
		argv[0] = p
	} else {
		for _, name := range []string{"cc", "gcc", "clang"} {
			if p, err := exec.LookPath(name); err == nil {
				argv = []string{p}
				break
			}
		}
		if argv == nil {
			return nil, fmt.Errorf("kbuild: no C compiler: $CC is not set and none of cc, gcc, clang is in $PATH; %s: %w", installHint, hal.ErrNotSupported)
		}
	}
	version, err := run(ctx, argv, "", "--version")
	if err != nil {
		return nil, fmt.Errorf("kbuild: C compiler %q does not run (%s --version): %v; %s: %w", strings.Join(argv, " "), argv[0], err, installHint, hal.ErrNotSupported)
	}
	machine, err := run(ctx, argv, "", "-dumpmachine")
	if err != nil {
		return nil, fmt.Errorf("kbuild: C compiler %q does not run (%s -dumpmachine): %v: %w", strings.Join(argv, " "), argv[0], err, hal.ErrNotSupported)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(version), "\n")
	c = &compiler{argv: argv, identity: strings.TrimSpace(first) + "\n" + strings.TrimSpace(machine)}
	compilersMu.Lock()
	compilers[key] = c
	compilersMu.Unlock()
	return c, nil
}

// maxMessages bounds the compiler output kept for an error.
const maxMessages = 8 << 10

// run runs the compiler in dir (a temporary directory; "" for commands
// that write nothing) and returns its standard output.
func run(ctx context.Context, argv []string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], append(append([]string{}, argv[1:]...), args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if dir == "" {
		dir = os.TempDir()
	}
	cmd.Dir = dir
	var stdout bytes.Buffer
	stderr := &limitedBuffer{max: maxMessages}
	cmd.Stdout = &limitWriter{w: &stdout, n: 1 << 20}
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", err
		}
		return "", fmt.Errorf("%v:\n%s", err, msg)
	}
	return stdout.String(), nil
}

// compile builds src into a library in a temporary directory.
func compile(ctx context.Context, src []byte, cc *compiler, flags []string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "streamhal-kbuild-*")
	if err != nil {
		return nil, fmt.Errorf("kbuild: temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, kernels.CPUHeaderName), []byte(kernels.CPUHeader()), 0o644); err != nil {
		return nil, fmt.Errorf("kbuild: write header: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.c"), src, 0o644); err != nil {
		return nil, fmt.Errorf("kbuild: write source: %w", err)
	}
	args := append(append([]string{}, flags...), "-I", dir, "-o", filepath.Join(dir, "kernel.so"), filepath.Join(dir, "kernel.c"), "-lm")
	if _, err := run(ctx, cc.argv, dir, args...); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("kbuild: compile: %w", ctx.Err())
		}
		return nil, fmt.Errorf("kbuild: compile %d bytes of C with %s: %v: %w: %w", len(src), strings.Join(cc.argv, " "), err, ErrCompileFailed, hal.ErrInvalidImage)
	}
	lib, err := os.ReadFile(filepath.Join(dir, "kernel.so"))
	if err != nil {
		return nil, fmt.Errorf("kbuild: the compiler wrote no library: %v: %w: %w", err, ErrCompileFailed, hal.ErrInvalidImage)
	}
	if len(lib) > maxEntrySize {
		return nil, fmt.Errorf("kbuild: library of %d bytes: %w", len(lib), hal.ErrInvalidImage)
	}
	if _, err := modfile.ParseCPUELF(lib); err != nil {
		return nil, fmt.Errorf("kbuild: the compiler's output is not a CPU kernel library: %w", err)
	}
	return lib, nil
}

// limitedBuffer keeps the first max bytes written and counts the rest.
type limitedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), b.max-b.buf.Len())
	b.buf.Write(p[:keep])
	b.dropped += len(p) - keep
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	if b.dropped > 0 {
		return fmt.Sprintf("%s\n... (%d more bytes of messages)", b.buf.String(), b.dropped)
	}
	return b.buf.String()
}

// limitWriter writes at most n bytes to w and drops the rest.
type limitWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	l.w.Write(p[:keep])
	l.n -= keep
	return len(p), nil
}
