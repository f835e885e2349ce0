package haltest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

// Require reports whether STREAM_HAL_REQUIRE names backend (or "all"):
// tests that would skip for lack of that backend fail instead.
func Require(backend string) bool {
	for _, b := range strings.Split(os.Getenv("STREAM_HAL_REQUIRE"), ",") {
		b = strings.TrimSpace(b)
		if b == backend || b == "all" {
			return true
		}
	}
	return false
}

// SkipUnavailable skips tb with the reason when err says the backend is not
// available, or fails it when STREAM_HAL_REQUIRE names the backend. Any other
// non-nil error fails tb.
func SkipUnavailable(tb testing.TB, backend string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, hal.ErrNotAvailable) && !Require(backend) {
		tb.Skipf("%s backend not available: %v", backend, err)
	}
	tb.Fatalf("%s backend: %v", backend, err)
}

// TestdataFile returns the path of name in TestdataDir, failing tb when
// there is no testdata directory.
func TestdataFile(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := TestdataDir()
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// TestdataDir finds the repository's testdata directory: $STREAM_HAL_TESTDATA,
// else the first testdata/ holding test_kernels files in the working directory
// or one of its parents, else the one beside this source file.
func TestdataDir() (string, error) {
	if d := os.Getenv("STREAM_HAL_TESTDATA"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err == nil {
		for {
			cand := filepath.Join(dir, "testdata")
			if m, _ := filepath.Glob(filepath.Join(cand, "test_kernels.*")); len(m) > 0 {
				return cand, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if root := repoRoot(); root != "" {
		return filepath.Join(root, "testdata"), nil
	}
	return "", fmt.Errorf("haltest: no testdata directory with test_kernels.* found (set STREAM_HAL_TESTDATA): %w", hal.ErrNotFound)
}

// repoRoot is the module root this file was compiled from, when it exists.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return ""
	}
	return root
}

var (
	cpuOnce sync.Once
	cpuLib  []byte
	cpuErr  error
)

// CPUKernels returns the test kernel library for the CPU backend: built from
// kernels/cpu/test_kernels.c with cc when the source is at hand (so tests
// always run the current source), else the prebuilt testdata copy.
func CPUKernels() ([]byte, error) {
	cpuOnce.Do(func() { cpuLib, cpuErr = buildCPUKernels("test_kernels.c", "") })
	return cpuLib, cpuErr
}

var (
	faultOnce sync.Once
	faultLib  []byte
	faultErr  error
)

// FaultKernels returns the CPU library of kernels that fault, spin or
// overrun on request (kernels/cpu/fault_kernels.c), built from the source
// when it is at hand, else testdata/fault_kernels.x86_64.so.
func FaultKernels() ([]byte, error) {
	faultOnce.Do(func() { faultLib, faultErr = buildCPUKernels("fault_kernels.c", "") })
	return faultLib, faultErr
}

func buildCPUKernels(src, define string) ([]byte, error) {
	root := repoRoot()
	if root != "" {
		if _, err := os.Stat(filepath.Join(root, "kernels", "cpu", src)); err == nil {
			if cc, err := exec.LookPath("cc"); err == nil {
				out, err := os.MkdirTemp("", "streamhal-kernels-")
				if err != nil {
					return nil, err
				}
				defer os.RemoveAll(out)
				so := filepath.Join(out, "k.so")
				args := []string{"-O3", "-std=c11", "-shared", "-fPIC", "-fvisibility=hidden",
					"-I", filepath.Join(root, "kernels"), "-o", so, filepath.Join(root, "kernels", "cpu", src)}
				if define != "" {
					args = append([]string{"-D" + define}, args...)
				}
				if msg, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
					return nil, fmt.Errorf("haltest: cc %s: %v\n%s", src, err, msg)
				}
				return os.ReadFile(so)
			}
		}
	}
	dir, err := TestdataDir()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, strings.TrimSuffix(src, ".c")+"."+cpuArch()+".so"))
}

func cpuArch() string {
	if runtime.GOARCH == "arm64" {
		return "aarch64"
	}
	return "x86_64"
}

// Kernels returns the test kernels (kernels/README.md) for dev: on a
// device that loads CPU kernel libraries, the hand-written SHAL C library
// (CPUKernels, the CPU backend's tuned path); on every other device, the
// entry of testdata/test_kernels.fat it would load (FatKernels).
func Kernels(dev hal.Device) (hal.Format, []byte, error) {
	var cpuErr error
	for _, f := range dev.Formats() {
		if f == hal.FormatCPUELF {
			b, err := CPUKernels()
			if err == nil {
				return f, b, nil
			}
			cpuErr = err
			break
		}
	}
	f, b, err := FatKernels(dev)
	if err != nil && cpuErr != nil {
		err = fmt.Errorf("%w (and the SHAL C library: %v)", err, cpuErr)
	}
	return f, b, err
}

// FatKernels returns the entry of testdata/test_kernels.fat that dev
// loads, chosen as streaming chooses it (modfile.Select): the module
// kernels/compile.sh builds from the one CUDA source,
// kernels/gpu/test_kernels.cu, with streamhal build. A CPU device gets the
// cpu-elf entry translated from the PTX by ptx/cgen, a Vulkan device the
// PTX, which its driver translates to SPIR-V.
func FatKernels(dev hal.Device) (hal.Format, []byte, error) {
	return fatEntry(dev, "test_kernels.fat")
}

func fatEntry(dev hal.Device, name string) (hal.Format, []byte, error) {
	dir, err := TestdataDir()
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", nil, fmt.Errorf("haltest: %v: %w", err, hal.ErrNotFound)
	}
	entries, err := modfile.ParseFat(data)
	if err != nil {
		return "", nil, fmt.Errorf("haltest: %s: %w", name, err)
	}
	e, err := modfile.Select(entries, dev.Formats(), dev.Info().Arch)
	if err != nil {
		return "", nil, fmt.Errorf("haltest: %s for %s: %w", name, dev.Info().Name, err)
	}
	return e.Format, e.Data, nil
}

// SpinModule returns a module for dev holding spin_forever(flag, done): a
// kernel whose thread 0 waits until *flag != 0, then stores *flag + 1 to
// *done (the tests of bounded Close): the CPU fault kernels, or
// testdata/spin_forever.{sm_80.ptx,ARCH.hsaco}, built from
// kernels/gpu/spin_forever.cu (Vulkan translates the PTX).
func SpinModule(dev hal.Device) (hal.Format, []byte, error) {
	var tried []string
	for _, f := range dev.Formats() {
		var name string
		switch f {
		case hal.FormatCPUELF:
			b, err := FaultKernels()
			if err == nil {
				return f, b, nil
			}
			tried = append(tried, err.Error())
			continue
		case hal.FormatPTX:
			name = "spin_forever.sm_80.ptx"
		case hal.FormatAMDGPU:
			name = "spin_forever." + dev.Info().Arch + ".hsaco"
		default:
			continue
		}
		dir, err := TestdataDir()
		if err != nil {
			return "", nil, err
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return f, b, nil
		}
		tried = append(tried, name)
	}
	return "", nil, fmt.Errorf("haltest: no spin_forever module for %s (tried %v): %w", dev.Info().Name, tried, hal.ErrNotFound)
}
