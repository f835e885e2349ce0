// Package spirvtest runs SPIRV-Tools (spirv-val, spirv-dis, spirv-as) on
// modules built in tests. A missing tool skips the test, saying so,
// unless STREAM_HAL_REQUIRE names spirv-tools (or all): then it fails.
package spirvtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

// ErrNoTool is returned by ValidateErr when spirv-val is not installed.
var ErrNoTool = errors.New("spirv-val not found (Debian package spirv-tools)")

// Tool returns the path of a SPIRV-Tools program, or skips t.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if haltest.Require("spirv-tools") {
			t.Fatalf("%s not found (STREAM_HAL_REQUIRE names spirv-tools): %v", name, err)
		}
		t.Skipf("%s not found (Debian package spirv-tools): %v", name, err)
	}
	return p
}

// Env returns spirv-val's target environment for a SPIR-V version word:
// vulkan1.2 for SPIR-V 1.5 and earlier, vulkan1.3 for 1.6.
func Env(version uint32) string {
	if version >= 0x00010600 {
		return "vulkan1.3"
	}
	return "vulkan1.2"
}

// ValidateErr runs spirv-val on the module for env and returns its
// complaint, or nil (ErrNoTool when spirv-val is missing).
func ValidateErr(module []byte, env string, extra ...string) error {
	if _, err := exec.LookPath("spirv-val"); err != nil {
		return ErrNoTool
	}
	dir, err := os.MkdirTemp("", "spirvtest")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "m.spv")
	if err := os.WriteFile(f, module, 0o644); err != nil {
		return err
	}
	args := append([]string{"--target-env", env}, extra...)
	out, err := exec.Command("spirv-val", append(args, f)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("spirv-val --target-env %s: %v\n%s", env, err, out)
	}
	return nil
}

// Validate fails t when spirv-val rejects the module, printing spirv-dis's
// listing with the complaint.
func Validate(t testing.TB, module []byte, env string, extra ...string) {
	t.Helper()
	Tool(t, "spirv-val")
	if err := ValidateErr(module, env, extra...); err != nil {
		t.Errorf("%v\n%s", err, Disassemble(t, module))
	}
}

// Disassemble returns spirv-dis's listing (or the error it printed).
func Disassemble(t testing.TB, module []byte) string {
	t.Helper()
	Tool(t, "spirv-dis")
	cmd := exec.Command("spirv-dis", "--raw-id", "-")
	cmd.Stdin = bytes.NewReader(module)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("spirv-dis failed: %v\n%s", err, out)
	}
	return string(out)
}

// Assemble runs spirv-as on a listing.
func Assemble(t testing.TB, text, env string) []byte {
	t.Helper()
	Tool(t, "spirv-as")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "m.spvasm"), filepath.Join(dir, "m.spv")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	msg, err := exec.Command("spirv-as", "--preserve-numeric-ids", "--target-env", env, "-o", out, in).CombinedOutput()
	if err != nil {
		t.Fatalf("spirv-as: %v\n%s\n%s", err, msg, text)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
