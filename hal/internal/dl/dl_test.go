package dl

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenLibc(t *testing.T) {
	l, err := Open("libc.so.6")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Sym("malloc"); err != nil {
		t.Fatal(err)
	}
	_, err = l.Sym("no_such_symbol_streamhal")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing symbol: got %v, want ErrNotFound", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open("libdoesnotexist_streamhal.so.1", "libalsomissing.so")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

// TestOpenVendor checks that OpenVendor never returns a streamhal drop-in:
// a library exporting DropinMarker is skipped, by name or by the
// environment variable, and an ordinary library opens.
func TestOpenVendor(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc:", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	if err := os.WriteFile(src, []byte("const int streamhal_capi_dropin = 1;\nint cuInit(unsigned f) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "libshalfakevendor.so.1")
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", fake, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	const env = "STREAM_HAL_TEST_VENDOR_LIBRARY"
	t.Setenv(env, "")
	l, err := OpenVendor(env, fake)
	if err == nil {
		l.Close()
		t.Fatalf("OpenVendor(%s) opened the drop-in", fake)
	}
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "drop-in") {
		t.Errorf("OpenVendor(drop-in) = %v, want ErrNotFound naming the drop-in", err)
	}
	t.Setenv(env, fake)
	if l, err := OpenVendor(env, "libc.so.6"); err == nil {
		l.Close()
		t.Fatalf("OpenVendor with %s=%s opened the drop-in", env, fake)
	}
	t.Setenv(env, "")
	l, err = OpenVendor(env, "libdoesnotexist_streamhal.so.1", "libc.so.6")
	if err != nil {
		t.Fatalf("OpenVendor(libc.so.6): %v", err)
	}
	defer l.Close()
	if l.IsDropin() {
		t.Error("libc.so.6 is taken for a drop-in")
	}
}

// TestOpenVendorDeepBind is the situation of a program running on a
// drop-in: the drop-in, loaded first in the global scope under the vendor
// library's soname, exports the vendor's function names. OpenVendor must
// find the vendor's library by path and load it so that its calls of its
// own exported functions stay inside it (RTLD_DEEPBIND), not reach the
// drop-in's.
func TestOpenVendorDeepBind(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc:", err)
	}
	const soname = "libshalvendtest.so.1"
	dropDir, vendDir := t.TempDir(), t.TempDir()
	build := func(dir, src string) string {
		c := filepath.Join(dir, "lib.c")
		if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, soname)
		if b, err := exec.Command(cc, "-shared", "-fPIC", "-Wl,-soname,"+soname, "-o", out, c).CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, b)
		}
		return out
	}
	drop := build(dropDir, "const int streamhal_capi_dropin = 1;\nint shal_vend_bar(void) { return 1; }\n")
	build(vendDir, "int shal_vend_bar(void) { return 2; }\nint shal_vend_foo(void) { return shal_vend_bar(); }\n")
	// The program's link with the drop-in: global scope, under the soname.
	g, err := OpenFlags(Now|Global, drop)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	saved := VendorDirs
	VendorDirs = []string{vendDir}
	defer func() { VendorDirs = saved }()
	const env = "STREAM_HAL_TEST_VENDOR_LIBRARY"
	t.Setenv(env, "")
	l, err := OpenVendor(env, soname)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.IsDropin() {
		t.Fatal("OpenVendor returned the drop-in")
	}
	foo, err := l.Sym("shal_vend_foo")
	if err != nil {
		t.Fatal(err)
	}
	if got := callInt(foo); got != 2 {
		t.Errorf("the vendor library's call of its own function reached the drop-in (got %d, want 2)", got)
	}
}
