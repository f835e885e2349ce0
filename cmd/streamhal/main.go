package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/streamhal/streamhal/streaming"

	_ "github.com/streamhal/streamhal/hal/all" // every driver, so devices lists them all
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed (or found no device)
	exitUsage = 2 // bad command line
)

// usageError is a command-line mistake; run reports it with exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errNoDevice makes run exit with status 1 after a command has printed its
// report (devices -backend X when X has no device).
var errNoDevice = errors.New("no device")

const mainUsage = `streamhal inspects, benchmarks, builds and runs kernels on streamhal devices.

Usage:

	streamhal devices    [-backend NAME] [-json]
	streamhal bench      [-backend NAME] [-device N] [-module FILE] [-quick] [-json]
	streamhal run-kernel [-module FILE] -kernel NAME -grid X[,Y,Z] -block X[,Y,Z]
	                     [-shared N] [-args "ARG ..."] [-out IDX=FILE] [-print IDX[:N]] [-list]
	streamhal check      [-module FILE] -kernel NAME -grid X[,Y,Z] -block X[,Y,Z] [-args "ARG ..."]
	                     [-backends A,B] [-ulp N] [-show N]
	streamhal build      [-o FILE.fat] [-arch sm_80,...] [-amdgpu gfx90a,...] [-cpu=false] [-nvcc] SOURCE.cu

Run "streamhal help COMMAND" (or "streamhal COMMAND -h") for a command's flags.
Backends: cpu, cuda, hip (amdgpu), vulkan; STREAM_HAL_TEST_TARGET,
STREAM_HAL_DEVICE_ORDINAL, STREAM_HAL_CPU_DEVICES and STREAM_HAL_LOG_LEVEL are
honoured as by the library.
`

// commands maps each subcommand to its implementation.
var commands = map[string]func(args []string, stdout, stderr io.Writer) error{
	"devices":    runDevices,
	"bench":      runBench,
	"run-kernel": runKernel,
	"build":      runBuild,
	"check":      runCheck,
}

// run is the whole program: it runs the subcommand args[0] with args[1:],
// writing results to stdout and diagnostics to stderr, and returns the exit
// status. Tests call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if cmd, ok := commands[args[1]]; ok {
				cmd([]string{"-h"}, stdout, stdout)
				return exitOK
			}
			fmt.Fprintf(stderr, "streamhal: help: unknown command %q\n\n%s", args[1], mainUsage)
			return exitUsage
		}
		fmt.Fprint(stdout, mainUsage)
		return exitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "streamhal: unknown command %q\n\n%s", name, mainUsage)
		return exitUsage
	}
	err := cmd(args[1:], stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errNoDevice):
		return exitError
	case errors.Is(err, errDiffer):
		fmt.Fprintf(stderr, "streamhal %s: %v\n", name, err)
		return exitError
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "streamhal %s: %v\n(run \"streamhal %s -h\" for usage)\n", name, err, name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "streamhal %s: %v\n", name, err)
	return exitError
}

// newFlagSet returns a flag set whose parse errors are usage errors and
// whose -h prints the given usage text before the flags.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("streamhal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag-package errors into usage errors
// (the flag package has already printed the message and the usage).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

// openRuntime opens the drivers: backend "" opens every driver that works
// (or those STREAM_HAL_TEST_TARGET names), else only that one. When the
// named backend (or the one STREAM_HAL_TEST_TARGET names) is registered but
// cannot be opened, rt is nil and status says why; an unknown backend name
// is an error.
func openRuntime(backend string, stderr io.Writer) (rt *streaming.Runtime, status []streaming.BackendStatus, err error) {
	opts := streaming.Options{LogOutput: stderr}
	if backend != "" {
		opts.Backends = []string{backend}
	}
	rt, err = streaming.Open(opts)
	if err == nil {
		return rt, rt.Backends(), nil
	}
	name := backend
	if name == "" {
		// STREAM_HAL_TEST_TARGET named the backend for Open.
		name = strings.TrimSpace(os.Getenv(streaming.EnvTestTarget))
	}
	if name != "" && !strings.Contains(name, ",") && errors.Is(err, streaming.ErrNotAvailable) {
		// Open wraps the driver's own error once; report that.
		why := err
		if inner := errors.Unwrap(err); inner != nil {
			why = inner
		}
		return nil, []streaming.BackendStatus{{Name: strings.ToLower(name), Err: why}}, nil
	}
	if errors.Is(err, streaming.ErrNotFound) {
		return nil, nil, usagef("-backend %s: %v", backend, err)
	}
	return nil, nil, err
}

// openDevice opens the runtime (only backend's driver when backend is
// set) and picks the device of the -device flag: how bench and run-kernel
// start. The caller closes the runtime.
func openDevice(backend string, f deviceFlag, stderr io.Writer) (*streaming.Runtime, *streaming.Device, error) {
	rt, statuses, err := openRuntime(backend, stderr)
	if err != nil {
		return nil, nil, err
	}
	if rt == nil {
		return nil, nil, fmt.Errorf("backend %s: %v", statuses[0].Name, statuses[0].Err)
	}
	dev, err := pickDevice(rt, f)
	if err != nil {
		rt.Close()
		return nil, nil, err
	}
	return rt, dev, nil
}

// pickDevice returns device ordinal (or the runtime's default device when
// ordinal is negative).
func pickDevice(rt *streaming.Runtime, f deviceFlag) (*streaming.Device, error) {
	if !f.set {
		return rt.Default(), nil
	}
	d, err := rt.Device(f.ordinal)
	if err != nil {
		return nil, usagef("-device %d: %v", f.ordinal, err)
	}
	return d, nil
}

// deviceFlag is the -device flag: a device ordinal, or unset for the
// runtime's default device. Unset, it prints as "", so the flag package
// adds no "(default ...)" to the help text, which says what unset means.
type deviceFlag struct {
	ordinal int
	set     bool
}

func (f *deviceFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.Itoa(f.ordinal)
}

func (f *deviceFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return fmt.Errorf("want a device ordinal (0, 1, ...; see streamhal devices)")
	}
	f.ordinal, f.set = v, true
	return nil
}

// testKernelsRel is where the project's test kernels live in a checkout.
const testKernelsRel = "testdata/test_kernels.fat"

// findTestKernels looks for testdata/test_kernels.fat in the working
// directory and its parents, then beside this source file and its parents
// (for go run and go install from a module cache that still holds the
// source). It fails with a message naming -module.
func findTestKernels() (string, error) {
	var looked []string
	search := func(dir string) string {
		for {
			p := filepath.Join(dir, testKernelsRel)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return ""
			}
			dir = parent
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if p := search(wd); p != "" {
			return p, nil
		}
		looked = append(looked, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(file)
		if p := search(dir); p != "" {
			return p, nil
		}
		looked = append(looked, dir)
	}
	return "", fmt.Errorf("the test kernels (%s) are not in %s or their parents; pass -module FILE "+
		"(a module with the empty and vector_add kernels, such as testdata/test_kernels.fat of the streamhal repository): %w",
		testKernelsRel, strings.Join(looked, " or "), streaming.ErrNotFound)
}
