package cpu_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal"
)

// printfChild makes the test binary, re-run by runPrintfChild, run one
// test's kernels and exit: their output goes to the child's stdout and
// stderr, which the parent reads.
const printfChild = "STREAM_HAL_PRINTF_CHILD"

// runPrintfChild runs test name in a child process and returns what it
// wrote to stdout and stderr (the test framework's own lines removed).
func runPrintfChild(t *testing.T, name string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), printfChild+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstdout:\n%s\nstderr:\n%s", err, o.String(), e.String())
	}
	var keep []string
	for _, l := range strings.Split(o.String(), "\n") {
		if l == "PASS" || l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "ok ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n"), e.String()
}

// TestPTXPrintf: printf in a kernel (clang's PTX calls CUDA's vprintf)
// prints on the CPU backend what C's printf prints for the same values,
// for every conversion, flag, width, precision and size CUDA documents,
// a format chosen at run time and a null string; printf returns the
// number of arguments it used.
func TestPTXPrintf(t *testing.T) {
	needCC(t)
	const f, d, big, u = float32(2.5), 0.000123456, int64(-9000000000), uint64(18000000000000000000)
	const threads = 3
	if os.Getenv(printfChild) != "" {
		r := newPTXRig(t)
		src, err := os.ReadFile("testdata/printf.clang19.sm_80.ptx")
		if err != nil {
			t.Fatal(err)
		}
		exe := r.load(t, hal.FormatPTX, src)
		out := r.alloc(t, 4*threads)
		res := unsafe.Slice((*int32)(out.Host), threads)
		for i := range res {
			res[i] = -99
		}
		err = r.launch(t, exe, "print_values", hal.LaunchConfig{Grid: d1(1), Block: d1(threads),
			Args: pack(out.Device, f, d, big, u)})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("returned %v\n", res)
		return
	}
	stdout, _ := runPrintfChild(t, "TestPTXPrintf")
	names := []string{"even", "odd"}
	var want []string
	for i := range threads {
		want = append(want,
			fmt.Sprintf("[%d] i=%d u=%d x=%x X=%X o=%o c=%c s=%s", i, -i, 4000000000+i, 255+i, 0xabc0+i, 8+i, 'a'+i, names[i&1]),
			fmt.Sprintf("[%d] w=%5d|%-5d|%05d|%+d|%4d|%.2f", i, i, i, i, i, i, f),
			fmt.Sprintf("[%d] f=%f e=%e g=%.6g G=%.6G a=%.3f", i, f, d*1e10, d, d*1e-10, float64(f)*float64(i)),
			fmt.Sprintf("[%d] ll=%d llu=%d ld=%d hd=%d %%", i, big-int64(i), u+uint64(i), big, int16(i-3)),
			names[i&1]+" (null)")
	}
	want = append(want, fmt.Sprintf("returned %v", []int32{8, 8, 8}))
	got := strings.Split(stdout, "\n")
	// Threads print in any order (CUDA interleaves warps' calls).
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("printed:\n%s\nwant (sorted):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPTXAssert: a failed assert() in a kernel (__assertfail) prints
// CUDA's message to stderr and fails the launch with ErrAssert
// (CUDA_ERROR_ASSERT), which is also a launch failure; a launch whose
// asserts hold computes its results.
func TestPTXAssert(t *testing.T) {
	needCC(t)
	if os.Getenv(printfChild) != "" {
		r := newPTXRig(t)
		src, err := os.ReadFile("testdata/printf.clang19.sm_80.ptx")
		if err != nil {
			t.Fatal(err)
		}
		exe := r.load(t, hal.FormatPTX, src)
		const n = 4
		v, out := r.alloc(t, 4*n), r.alloc(t, 4*n)
		vs := unsafe.Slice((*int32)(v.Host), n)
		outs := unsafe.Slice((*int32)(out.Host), n)
		for i := range vs {
			vs[i], outs[i] = int32(10*i+1), -99
		}
		cfg := hal.LaunchConfig{Grid: d1(1), Block: d1(n), Args: pack(v.Device, int32(100), out.Device)}
		if err := r.launch(t, exe, "check_below", cfg); err != nil {
			t.Fatalf("launch whose asserts hold: %v", err)
		}
		for i := range outs {
			if outs[i] != 2*vs[i] {
				t.Errorf("out[%d] = %d, want %d", i, outs[i], 2*vs[i])
			}
		}
		cfg.Args = pack(v.Device, int32(25), out.Device) // 31 fails
		err = r.launch(t, exe, "check_below", cfg)
		if !errors.Is(err, hal.ErrAssert) || !errors.Is(err, hal.ErrLaunchFailed) {
			t.Fatalf("launch with a failing assert: %v, want ErrAssert (and ErrLaunchFailed)", err)
		}
		var kf *hal.KernelFault
		if !errors.As(err, &kf) || !strings.Contains(kf.Detail, "Assertion `v[i] < limit` failed") {
			t.Errorf("fault %v does not carry the assertion", err)
		}
		fmt.Printf("fault: %v\n", err)
		return
	}
	stdout, stderr := runPrintfChild(t, "TestPTXAssert")
	const want = "printf.cu:39: check_below: block: [0,0,0], thread: [3,0,0] Assertion `v[i] < limit` failed.\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr:\n%s\nwant the line\n%s", stderr, want)
	}
	if !strings.Contains(stdout, "device-side assert triggered") {
		t.Errorf("child's stdout:\n%s\nwant the fault", stdout)
	}
}
