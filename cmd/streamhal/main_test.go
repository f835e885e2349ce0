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
	goroutines := runtime.NumGoroutine()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("streamhal %s: %d goroutines leaked:\n%s", strings.Join(args, " "), n-goroutines, buf[:runtime.Stack(buf, true)])
	}
	return out.String(), errb.String(), code
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

func TestFindTestKernels(t *testing.T) {
	p, err := findTestKernels()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "test_kernels.fat" {
		t.Errorf("findTestKernels = %s", p)
	}
}
