package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/streaming"
)

// unavailableDriver is a registered driver that never opens, so that the
// tests see a "not available" backend even on a machine with only the CPU
// driver.
type unavailableDriver struct{}

const fakeDriver = "zz-unavailable"

func (unavailableDriver) Name() string { return fakeDriver }
func (unavailableDriver) Open(hal.Config) (hal.Instance, error) {
	return nil, fmt.Errorf("hal: %s: libzz.so.1 not found: %w", fakeDriver, hal.ErrNotAvailable)
}

func init() { hal.Register(unavailableDriver{}) }

// testModule is the project's fat module of test kernels.
var testModule = filepath.Join("..", "..", "testdata", "test_kernels.fat")

// cleanEnv clears the environment variables that would change what the
// runtime opens.
func cleanEnv(t *testing.T) {
	t.Setenv(streaming.EnvTestTarget, "")
	t.Setenv(streaming.EnvDeviceOrdinal, "")
	t.Setenv(streaming.EnvCPUDevices, "")
	t.Setenv(streaming.EnvLogLevel, "")
}

// runCmd runs the program in-process and checks that it leaves no
// goroutine behind.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	goroutines := liveGoroutines()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	deadline := time.Now().Add(2 * time.Second)
	for liveGoroutines() > goroutines && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := liveGoroutines(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("streamhal %s: %d goroutines leaked:\n%s", strings.Join(args, " "), n-goroutines, buf[:runtime.Stack(buf, true)])
	}
	return out.String(), errb.String(), code
}

// liveGoroutines counts goroutines running code other than the runtime's.
// A C thread that called into Go (a driver callback thread, such as the
// CUDA test double's) keeps a goroutine parked with only runtime frames for
// the thread's life: it is not one of ours.
func liveGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		for _, line := range strings.Split(g, "\n")[1:] {
			if line != "" && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "runtime.") && !strings.HasPrefix(line, "created by runtime") {
				n++
				break
			}
		}
	}
	return n
}

func TestUsage(t *testing.T) {
	cleanEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{nil, exitUsage, "Usage:"},
		{[]string{"help"}, exitOK, "streamhal run-kernel"},
		{[]string{"-h"}, exitOK, "streamhal devices"},
		{[]string{"help", "bench"}, exitOK, "Usage: streamhal bench"},
		{[]string{"help", "nosuch"}, exitUsage, `unknown command "nosuch"`},
		{[]string{"nosuch"}, exitUsage, `unknown command "nosuch"`},
		{[]string{"run-kernel", "-h"}, exitOK, "gen:rand:SEED"},
		{[]string{"devices", "-nosuchflag"}, exitUsage, "flag provided but not defined"},
		{[]string{"devices", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"bench", "extra"}, exitUsage, `unexpected argument "extra"`},
	} {
		out, errs, code := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("streamhal %q: exit %d, want %d; output does not contain %q?\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}

// TestDeviceFlagHelp checks that -device's help says once what its
// default is (it used to print "(default: the default device) (default
// -1)"), and that the flag takes only ordinals.
func TestDeviceFlagHelp(t *testing.T) {
	cleanEnv(t)
	for _, cmd := range []string{"run-kernel", "bench"} {
		out, errs, _ := runCmd(t, cmd, "-h")
		help := out + errs
		if !strings.Contains(help, "-device N") || !strings.Contains(help, "default: the default device)") {
			t.Errorf("%s -h does not describe -device N and its default:\n%s", cmd, help)
		}
		_, entry, _ := strings.Cut(help, "-device N\n")
		entry, _, _ = strings.Cut(entry, "\n")
		if strings.Contains(help, "(default -1)") || strings.Count(entry, "default") != 2 {
			t.Errorf("%s -h states -device's default oddly: %q", cmd, entry)
		}
		if _, errs, code := runCmd(t, cmd, "-device", "-1"); code != exitUsage || !strings.Contains(errs, "device ordinal") {
			t.Errorf("%s -device -1: exit %d, stderr %q", cmd, code, errs)
		}
	}
}

func TestFindTestKernels(t *testing.T) {
	p, err := findTestKernels()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "test_kernels.fat" {
		t.Errorf("findTestKernels = %s", p)
	}
}
