package streaming_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestOnMockCUDA runs this package's tests on the cuda backend against
// mockcuda, hal/cuda's C test double of libcuda.so.1 (built here with cc
// and found through LD_LIBRARY_PATH), in a child process. The double
// copies the driver behaviour that code above CUDA most easily gets wrong:
// device allocations are adjacent and a freed address is reused at once,
// cuStreamDestroy returns before the stream's work is done, and
// cuCtxSynchronize waits for every stream of the context. So bugs that
// only a GPU showed before (a graph instantiated after its buffer was
// freed, a Stream.Close that returned before its host function ran) fail
// here too. It runs from the default (cpu) test run only; with
// STREAM_HAL_TEST_TARGET=cuda the real driver is tested instead.
func TestOnMockCUDA(t *testing.T) {
	if backend() != "cpu" {
		t.Skipf("STREAM_HAL_TEST_TARGET=%s: the mock runs from the cpu test run", backend())
	}
	src, err := filepath.Abs(filepath.Join("..", "hal", "cuda", "testdata", "mockcuda", "mockcuda.c"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Skipf("mockcuda source not found (test binary run outside the repository?): %v", err)
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler to build mockcuda: %v", err)
	}
	dir := t.TempDir()
	build := exec.Command(cc, "-shared", "-fPIC", "-O1", "-pthread", "-o", filepath.Join(dir, "libcuda.so.1"), src)
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building mockcuda: %v\n%s", err, msg)
	}
	args := []string{"-test.run=^(Test|Fuzz)", "-test.skip=^TestOnMockCUDA$", "-test.count=1", "-test.timeout=10m"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	child := exec.Command(os.Args[0], args...)
	ld := dir
	if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
		ld += ":" + old
	}
	child.Env = append(os.Environ(), "LD_LIBRARY_PATH="+ld, "STREAM_HAL_TEST_TARGET=cuda", "STREAM_HAL_REQUIRE=cuda")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests on mockcuda failed: %v\n%s", err, lastBytes(out, 20000))
	}
	if testing.Verbose() {
		t.Logf("the tests on mockcuda:\n%s", lastBytes(out, 2000))
	}
}

// lastBytes is the end of a child's output, at most n bytes.
func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return append([]byte("...\n"), b[len(b)-n:]...)
	}
	return b
}
