package haltest

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// childEnv names the test that a re-executed test binary runs as a child.
const childEnv = "STREAM_HAL_TEST_CHILD"

// InSubprocess runs body in a child process, the test binary re-executed
// with only t selected, so that a regression that crashes the process (a
// kernel fault that is not contained, a double free reaching the C heap)
// fails t instead of killing every test of the binary. In the child, body
// runs directly; a child that skips skips t. t must be a top-level test.
func InSubprocess(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		body(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if bytes.Contains(out, []byte("--- SKIP: "+t.Name())) {
		t.Skipf("the child skipped:\n%s", tail(out, 2000))
	}
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("child process (%s=%s): %v\n%s", childEnv, t.Name(), err, tail(out, 12000))
	}
	if testing.Verbose() {
		t.Logf("child process:\n%s", tail(out, 4000))
	}
}

// IsSubprocess reports whether this process is the child that
// InSubprocess started for t.
func IsSubprocess(t *testing.T) bool { return os.Getenv(childEnv) == t.Name() }

// tail is the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return append([]byte("...\n"), b[len(b)-n:]...)
	}
	return b
}
