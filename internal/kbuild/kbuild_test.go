package kbuild_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
	"github.com/streamhal/streamhal/internal/kbuild"
	"github.com/streamhal/streamhal/streaming"
)

// axpbSource is a one-kernel library: y[i] = a*x[i] + B, with B baked into
// the source so that different sources give different results.
func axpbSource(b int) []byte {
	return fmt.Appendf(nil, `#include "streamhal_cpu.h"
typedef struct axpb_args { const float* x; float* y; float a; uint32_t n; } axpb_args;
SHAL_KERNEL(axpb, axpb_args) {
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) args->y[i] = args->a * args->x[i] + %d.0f;
}
SHAL_PARAMS(axpb, SHAL_PARAM(axpb_args, x), SHAL_PARAM(axpb_args, y),
            SHAL_PARAM(axpb_args, a), SHAL_PARAM(axpb_args, n));
SHAL_LIBRARY(SHAL_ENTRY(axpb, axpb_args))
`, b)
}

// needCC skips tests that compile when the machine has no C compiler.
func needCC(t testing.TB) {
	t.Helper()
	for _, c := range []string{"cc", "gcc", "clang"} {
		if _, err := exec.LookPath(c); err == nil {
			return
		}
	}
	t.Skip("no C compiler (cc, gcc, clang) in PATH")
}

// cacheEntries lists the entries in a cache directory.
func cacheEntries(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.shalkb"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// runAXPB loads lib on the CPU backend and runs axpb over n elements,
// checking every output against a Go loop; y is poisoned first.
func runAXPB(t *testing.T, lib []byte, b float32) {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, err := rt.Default().PrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ctx.LoadModuleData(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	fn, err := mod.Function("axpb")
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(i) * 0.5
		y[i] = float32(math.NaN())
	}
	dx, err := ctx.Malloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(dx)
	dy, err := ctx.Malloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Free(dy)
	s := ctx.DefaultStream()
	if err := streaming.CopyToDevice(s, dx, x); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyToDevice(s, dy, y); err != nil {
		t.Fatal(err)
	}
	if err := s.Launch(fn, streaming.D1((n+127)/128), streaming.D1(128), 0, dx, dy, float32(3), uint32(n)); err != nil {
		t.Fatal(err)
	}
	if err := streaming.CopyFromDevice(s, y, dy); err != nil {
		t.Fatal(err)
	}
	if err := s.Synchronize(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if want := 3*x[i] + b; y[i] != want {
			t.Fatalf("y[%d] = %v, want %v", i, y[i], want)
		}
	}
}

func TestBuildCachesAndRuns(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	opts := kbuild.Options{CacheDir: dir}
	src := axpbSource(7)
	lib, cached, err := kbuild.Build(context.Background(), src, []byte("key"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if cached {
		t.Error("first build reported a cache hit")
	}
	if info, err := modfile.ParseCPUELF(lib); err != nil || info.Arch != modfile.HostArch() {
		t.Fatalf("ParseCPUELF = %v, %v", info, err)
	}
	if n := len(cacheEntries(t, dir)); n != 1 {
		t.Fatalf("%d cache entries, want 1", n)
	}
	again, cached, err := kbuild.Build(context.Background(), src, []byte("key"), opts)
	if err != nil || !cached || !bytes.Equal(again, lib) {
		t.Fatalf("second build: cached %v, same bytes %v, %v", cached, bytes.Equal(again, lib), err)
	}
	runAXPB(t, again, 7)
}

// TestCacheKey: each input of the key builds anew.
func TestCacheKey(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	ctx := context.Background()
	build := func(src []byte, key string, flags ...string) bool {
		t.Helper()
		_, cached, err := kbuild.Build(ctx, src, []byte(key), kbuild.Options{CacheDir: dir, Flags: flags})
		if err != nil {
			t.Fatal(err)
		}
		return cached
	}
	if build(axpbSource(1), "k") {
		t.Fatal("first build cached")
	}
	for _, tc := range []struct {
		name   string
		cached bool
		src    []byte
		key    string
		flags  []string
	}{
		{"same inputs", true, axpbSource(1), "k", nil},
		{"other key material", false, axpbSource(1), "k2", nil},
		{"other source", false, axpbSource(2), "k", nil},
		{"other flags", false, axpbSource(1), "k", []string{"-DEXTRA=1"}},
		{"other flags again", true, axpbSource(1), "k", []string{"-DEXTRA=1"}},
	} {
		if got := build(tc.src, tc.key, tc.flags...); got != tc.cached {
			t.Errorf("%s: cached %v, want %v", tc.name, got, tc.cached)
		}
	}
	if n := len(cacheEntries(t, dir)); n != 4 {
		t.Errorf("%d cache entries, want 4", n)
	}
}

// TestCorruptEntry: a truncated, altered or foreign entry is rebuilt and
// replaced.
func TestCorruptEntry(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	var logs []string
	var mu sync.Mutex
	opts := kbuild.Options{CacheDir: dir, Logf: func(level int, format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
	}}
	src := axpbSource(3)
	if _, _, err := kbuild.Build(context.Background(), src, nil, opts); err != nil {
		t.Fatal(err)
	}
	entry := cacheEntries(t, dir)[0]
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		log  string
	}{
		{"truncated", good[:len(good)/2], "truncated"},
		{"empty", nil, "truncated"},
		{"flipped byte", func() []byte { b := bytes.Clone(good); b[100] ^= 1; return b }(), "checksum mismatch"},
		{"trailer only", good[len(good)-48:], "holds 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(entry, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			logs = nil
			lib, cached, err := kbuild.Build(context.Background(), src, nil, opts)
			if err != nil || cached {
				t.Fatalf("Build = cached %v, %v; want a rebuild", cached, err)
			}
			if _, err := modfile.ParseCPUELF(lib); err != nil {
				t.Fatal(err)
			}
			if len(logs) != 1 || !strings.Contains(logs[0], tc.log) {
				t.Errorf("logs %q, want one mentioning %q", logs, tc.log)
			}
			if _, cached, err := kbuild.Build(context.Background(), src, nil, opts); err != nil || !cached {
				t.Errorf("after the rebuild: cached %v, %v", cached, err)
			}
		})
	}
	runAXPB(t, func() []byte { b, _, _ := kbuild.Build(context.Background(), src, nil, opts); return b }(), 3)
}

// countingCC writes a compiler wrapper that records each compilation (a
// command line with -shared) in a file and runs cc; CC is "/bin/sh
// <script>", a command line with an argument.
func countingCC(t *testing.T) (cc string, count func() int) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "compiles")
	script := filepath.Join(dir, "cc.sh")
	real, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no cc")
	}
	body := fmt.Sprintf("#!/bin/sh\ncase \" $* \" in *\" -shared \"*) echo x >> %q;; esac\nexec %q \"$@\"\n", log, real)
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return "/bin/sh " + script, func() int {
		b, _ := os.ReadFile(log)
		return bytes.Count(b, []byte("x\n"))
	}
}

func TestConcurrentBuildsCompileOnce(t *testing.T) {
	needCC(t)
	for _, cacheDir := range []string{t.TempDir(), "off"} {
		t.Run("cache "+filepath.Base(cacheDir), func(t *testing.T) {
			cc, count := countingCC(t)
			opts := kbuild.Options{CC: cc, CacheDir: cacheDir}
			src := axpbSource(11)
			const n = 8
			libs := make([][]byte, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					libs[i], _, errs[i] = kbuild.Build(context.Background(), src, []byte("concurrent"), opts)
				}()
			}
			close(start)
			wg.Wait()
			for i := range n {
				if errs[i] != nil || !bytes.Equal(libs[i], libs[0]) {
					t.Fatalf("build %d: %v", i, errs[i])
				}
			}
			// Each caller owns its bytes.
			libs[1][0] ^= 0xff
			if libs[0][0] == libs[1][0] {
				t.Error("callers share one slice")
			}
			if c := count(); c != 1 {
				t.Errorf("%d compilations for %d concurrent builds of one key, want 1", c, n)
			}
			// Without a cache, a later build compiles again.
			if _, cached, err := kbuild.Build(context.Background(), src, []byte("concurrent"), opts); err != nil || cached != (cacheDir != "off") {
				t.Errorf("later build: cached %v, %v", cached, err)
			}
			want := 1
			if cacheDir == "off" {
				want = 2
			}
			if c := count(); c != want {
				t.Errorf("%d compilations, want %d", c, want)
			}
		})
	}
}

// TestCCWithArguments: $CC is a command line; its arguments reach every
// compilation and are part of the key.
func TestCCWithArguments(t *testing.T) {
	needCC(t)
	src := append([]byte("#ifndef SHAL_TEST_MARK\n#error SHAL_TEST_MARK not defined: CC's arguments were dropped\n#endif\n"), axpbSource(5)...)
	dir := t.TempDir()
	t.Setenv("CC", "cc  -DSHAL_TEST_MARK=1 ")
	lib, _, err := kbuild.Build(context.Background(), src, nil, kbuild.Options{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	runAXPB(t, lib, 5)
	t.Setenv("CC", "cc")
	_, _, err = kbuild.Build(context.Background(), src, nil, kbuild.Options{CacheDir: dir})
	if !errors.Is(err, kbuild.ErrCompileFailed) || !strings.Contains(err.Error(), "SHAL_TEST_MARK not defined") {
		t.Errorf("without the argument: %v, want the #error (and no cache hit)", err)
	}
}

func TestMissingCompiler(t *testing.T) {
	src := axpbSource(1)
	emptyPath := t.TempDir()
	for _, tc := range []struct {
		name      string
		cc, env   string
		path      string
		want      string
		skipNoSh  bool
		wantCause string
	}{
		{name: "Options.CC", cc: "/nonexistent/cc", want: `"/nonexistent/cc" (from Options.CC) not found`},
		{name: "$CC", env: "/nonexistent", want: `"/nonexistent" (from $CC) not found`},
		{name: "$CC with arguments", env: "no-such-compiler-xyz -O2", want: `"no-such-compiler-xyz" (from $CC) not found`},
		{name: "nothing in PATH", path: emptyPath, want: "none of cc, gcc, clang is in $PATH"},
		{name: "does not run", cc: "/bin/false", want: "does not run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CC", tc.env)
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			}
			_, _, err := kbuild.Build(context.Background(), src, nil, kbuild.Options{CC: tc.cc, CacheDir: "off"})
			if !errors.Is(err, hal.ErrNotSupported) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "apt-get install gcc") {
				t.Errorf("err = %v, want ErrNotSupported mentioning %q and what to install", err, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	needCC(t)
	opts := kbuild.Options{CacheDir: t.TempDir()}
	_, _, err := kbuild.Build(context.Background(), []byte("int f(void) { return undeclared_thing; }\n"), nil, opts)
	if !errors.Is(err, kbuild.ErrCompileFailed) || !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), "undeclared_thing") {
		t.Errorf("err = %v, want ErrCompileFailed with the compiler's message", err)
	}
	// Thousands of errors: the message is bounded.
	var big bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&big, "int f%d(void) { return missing_%d; }\n", i, i)
	}
	_, _, err = kbuild.Build(context.Background(), big.Bytes(), nil, opts)
	if !errors.Is(err, kbuild.ErrCompileFailed) || len(err.Error()) > 10<<10 || !strings.Contains(err.Error(), "more bytes of messages") {
		t.Errorf("big error: %d bytes: %.300v", len(err.Error()), err)
	}
	// C that compiles but is no kernel library.
	_, _, err = kbuild.Build(context.Background(), []byte("int f(void) { return 1; }\n"), nil, opts)
	if !errors.Is(err, hal.ErrInvalidImage) || !strings.Contains(err.Error(), "not a CPU kernel library") {
		t.Errorf("not a library: %v", err)
	}
	if len(cacheEntries(t, opts.CacheDir)) != 0 {
		t.Error("a failed build left a cache entry")
	}
	_, _, err = kbuild.Build(context.Background(), nil, nil, opts)
	if !errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("empty source: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = kbuild.Build(ctx, axpbSource(99), nil, opts)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestUnwritableCache: a cache that cannot be written is logged and the
// library built anyway.
func TestUnwritableCache(t *testing.T) {
	needCC(t)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(file, "cache")} // a path under a regular file
	if os.Geteuid() != 0 {                         // root writes anywhere
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, ro)
	}
	for _, dir := range dirs {
		var logs []string
		opts := kbuild.Options{CacheDir: dir, Logf: func(level int, format string, args ...any) {
			logs = append(logs, fmt.Sprintf(format, args...))
		}}
		lib, cached, err := kbuild.Build(context.Background(), axpbSource(4), nil, opts)
		if err != nil || cached {
			t.Fatalf("%s: cached %v, %v", dir, cached, err)
		}
		if len(logs) != 1 || !strings.Contains(logs[0], "not cached") {
			t.Errorf("%s: logs %q", dir, logs)
		}
		runAXPB(t, lib, 4)
	}
}

// TestCacheLocation: $STREAM_HAL_CACHE_DIR, its "off", and the default
// under the user cache directory; builds never write in the working
// directory.
func TestCacheLocation(t *testing.T) {
	needCC(t)
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	work := t.TempDir()
	t.Chdir(work)
	src := axpbSource(21)

	t.Setenv(kbuild.EnvCacheDir, "off")
	for range 2 {
		if _, cached, err := kbuild.Build(context.Background(), src, nil, kbuild.Options{}); err != nil || cached {
			t.Fatalf("cache off: cached %v, %v", cached, err)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(home, "*")); len(files) != 0 {
		t.Errorf("cache off wrote %v", files)
	}

	moved := filepath.Join(t.TempDir(), "moved")
	t.Setenv(kbuild.EnvCacheDir, moved)
	if _, _, err := kbuild.Build(context.Background(), src, nil, kbuild.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(cacheEntries(t, moved)) != 1 {
		t.Errorf("no entry in $%s", kbuild.EnvCacheDir)
	}

	t.Setenv(kbuild.EnvCacheDir, "")
	if _, _, err := kbuild.Build(context.Background(), src, nil, kbuild.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(cacheEntries(t, filepath.Join(home, "streamhal", "cpu-kernels"))) != 1 {
		t.Errorf("no entry in the default location")
	}
	if files, _ := filepath.Glob(filepath.Join(work, "*")); len(files) != 0 {
		t.Errorf("builds wrote %v in the working directory", files)
	}
}

// testKernels is the project's CPU test library: nine kernels, 300 lines.
func testKernels(b *testing.B) []byte {
	src, err := os.ReadFile(filepath.Join("..", "..", "kernels", "cpu", "test_kernels.c"))
	if err != nil {
		b.Skip(err)
	}
	return src
}

// BenchmarkBuild: a cold build (compiling, no cache) against a cache hit of
// the same source, and a hit against its floor: hashing the source and
// reading the entry file, the least a hit can cost.
func BenchmarkBuild(b *testing.B) {
	needCC(b)
	ctx := context.Background()
	for _, s := range []struct {
		name string
		src  []byte
	}{{"axpb", axpbSource(1)}, {"test_kernels", testKernels(b)}} {
		b.Run(s.name+"/cold", func(b *testing.B) {
			opts := kbuild.Options{CacheDir: "off"}
			for b.Loop() {
				if _, _, err := kbuild.Build(ctx, s.src, nil, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		dir := b.TempDir()
		opts := kbuild.Options{CacheDir: dir}
		if _, _, err := kbuild.Build(ctx, s.src, nil, opts); err != nil {
			b.Fatal(err)
		}
		b.Run(s.name+"/hit", func(b *testing.B) {
			for b.Loop() {
				if _, cached, err := kbuild.Build(ctx, s.src, nil, opts); err != nil || !cached {
					b.Fatal(cached, err)
				}
			}
		})
		entry := cacheEntries(b, dir)[0]
		b.Run(s.name+"/floor", func(b *testing.B) {
			for b.Loop() {
				sha256.Sum256(s.src)
				if _, err := os.ReadFile(entry); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHitAndLoad: a second load of a module through the cache (the
// cache hit, then loading the library on the CPU device) against loading
// the same library bytes alone.
func BenchmarkHitAndLoad(b *testing.B) {
	needCC(b)
	ctx := context.Background()
	src := testKernels(b)
	opts := kbuild.Options{CacheDir: b.TempDir()}
	lib, _, err := kbuild.Build(ctx, src, nil, opts)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu"}})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	sctx, err := rt.Default().PrimaryContext()
	if err != nil {
		b.Fatal(err)
	}
	load := func(lib []byte) {
		m, err := sctx.LoadModuleData(lib)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			load(lib)
		}
	})
	b.Run("hit+load", func(b *testing.B) {
		for b.Loop() {
			l, _, err := kbuild.Build(ctx, src, nil, opts)
			if err != nil {
				b.Fatal(err)
			}
			load(l)
		}
	})
}

// TestConcurrentProcesses: processes building one key into one cache all
// succeed and leave one valid entry and no temporary files. The children
// are this test binary, re-run with KBUILD_TEST_CHILD set.
func TestConcurrentProcesses(t *testing.T) {
	if dir := os.Getenv("KBUILD_TEST_CHILD"); dir != "" {
		if _, _, err := kbuild.Build(context.Background(), axpbSource(31), []byte("procs"), kbuild.Options{CacheDir: dir}); err != nil {
			t.Fatal(err)
		}
		return
	}
	needCC(t)
	dir := t.TempDir()
	const n = 3
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		cmds[i].Env = append(os.Environ(), "KBUILD_TEST_CHILD="+dir)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i].String())
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || len(cacheEntries(t, dir)) != 1 {
		t.Fatalf("cache holds %v, want one entry", files)
	}
	lib, cached, err := kbuild.Build(context.Background(), axpbSource(31), []byte("procs"), kbuild.Options{CacheDir: dir})
	if err != nil || !cached {
		t.Fatalf("after the children: cached %v, %v", cached, err)
	}
	runAXPB(t, lib, 31)
}
