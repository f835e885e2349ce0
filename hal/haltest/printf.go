package haltest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The printf test kernels: testdata/printf/printf.cu, whose PTX (clang 19)
// calls CUDA's vprintf and __assertfail.

// PrintfPTX returns the PTX of testdata/printf/printf.cu.
func PrintfPTX(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(TestdataFile(tb, "printf/printf.clang19.sm_80.ptx"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// The arguments of print_values(out, f, d, big, u) in the tests, and its
// block size (PrintValuesArgs packs them).
const (
	PrintfThreads = 3
	PrintfF       = float32(2.5)
	PrintfD       = 0.000123456
	PrintfBig     = int64(-9000000000)
	PrintfU       = uint64(18000000000000000000)
)

// PrintValuesArgs packs print_values's arguments after the out pointer.
func PrintValuesArgs(out uint64) []byte {
	b := binary.LittleEndian.AppendUint64(nil, out)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(PrintfF))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(PrintfD))
	big := PrintfBig
	b = binary.LittleEndian.AppendUint64(b, uint64(big))
	return binary.LittleEndian.AppendUint64(b, PrintfU)
}

// PrintValuesWant is what print_values prints, one line per element,
// sorted (threads may print in any order), computed with Go's fmt for
// the C conversions it shares (and %.6g for C's %g): an independent
// reference for the C formatter.
func PrintValuesWant() []string {
	names := []string{"even", "odd"}
	var want []string
	for i := range PrintfThreads {
		want = append(want,
			fmt.Sprintf("[%d] i=%d u=%d x=%x X=%X o=%o c=%c s=%s", i, -i, 4000000000+i, 255+i, 0xabc0+i, 8+i, 'a'+i, names[i&1]),
			fmt.Sprintf("[%d] w=%5d|%-5d|%05d|%+d|%4d|%.2f", i, i, i, i, i, i, PrintfF),
			fmt.Sprintf("[%d] f=%f e=%e g=%.6g G=%.6G a=%.3f", i, PrintfF, PrintfD*1e10, PrintfD, PrintfD*1e-10, float64(PrintfF)*float64(i)),
			fmt.Sprintf("[%d] ll=%d llu=%d ld=%d hd=%d %%", i, PrintfBig-int64(i), PrintfU+uint64(i), PrintfBig, int16(i-3)))
	}
	slices.Sort(want)
	return want
}

// CheckPrintValues compares what print_values printed (stdout) with
// PrintValuesWant: the lines of the four formatted calls in any order;
// and the pieces of the last two calls, which have no newline of their
// own and so interleave across threads: "even" twice and "odd" once (the
// format chosen at run time) and " (null)" three times.
func CheckPrintValues(t *testing.T, stdout string) {
	t.Helper()
	checkPrintValues(t, stdout, PrintValuesWant())
}

// CheckPrintValuesCUDA is CheckPrintValues for CUDA's own printf, which
// prints the conversion "%.*f" of the w= lines as written instead of the
// value with the precision the argument gives (H100, driver 580: its
// printf mishandles a precision given as '*'; see
// testdata/printf/printf_edge.cu).
func CheckPrintValuesCUDA(t *testing.T, stdout string) {
	t.Helper()
	want := PrintValuesWant()
	for i, w := range want {
		if strings.Contains(w, "] w=") {
			want[i] = w[:strings.LastIndexByte(w, '|')+1] + "%.*f"
		}
	}
	slices.Sort(want)
	checkPrintValues(t, stdout, want)
}

func checkPrintValues(t *testing.T, stdout string, want []string) {
	t.Helper()
	var got []string
	var pieces strings.Builder
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "[") {
			got = append(got, l)
		} else {
			pieces.WriteString(l)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("printed:\n%s\nwant (sorted):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p := pieces.String()
	for w, n := range map[string]int{"even": 2, "odd": 1, " (null)": PrintfThreads} {
		if c := strings.Count(p, w); c != n {
			t.Errorf("%q printed %d times, want %d (all pieces: %q)", w, c, n, p)
		}
		p = strings.ReplaceAll(p, w, "")
	}
	if p != "" {
		t.Errorf("unexpected output %q", p)
	}
}

// AssertLine is the message CUDA prints for check_below's assert failing
// in thread tid of block 0.
func AssertLine(tid int) string {
	return fmt.Sprintf("printf.cu:39: check_below: block: [0,0,0], thread: [%d,0,0] Assertion `v[i] < limit` failed.", tid)
}

// CheckAssertOutput checks what a child that ran check_below with failing
// asserts in threads tids of block 0 printed: CUDA's message for each on
// stderr, and, on stdout, the fault it printed ("fault: ..." naming the
// device-side assert).
func CheckAssertOutput(t *testing.T, stdout, stderr string, tids ...int) {
	t.Helper()
	for _, tid := range tids {
		if want := AssertLine(tid) + "\n"; !strings.Contains(stderr, want) {
			t.Errorf("stderr:\n%s\nwant the line\n%s", stderr, want)
		}
	}
	if !strings.Contains(stdout, "device-side assert triggered") {
		t.Errorf("child's stdout:\n%s\nwant the fault", stdout)
	}
}

// CaptureChild runs t's body in a child process (the test binary
// re-executed with only t selected, as InSubprocess does) and returns
// what the child wrote to standard output and standard error, without
// the test framework's own lines (and the test's log lines, indented by
// four spaces). The child must pass; a child that skips skips t. In the
// child, body runs and child is true.
func CaptureChild(t *testing.T, body func(t *testing.T)) (stdout, stderr string, child bool) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		body(t)
		return "", "", true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if bytes.Contains(o.Bytes(), []byte("--- SKIP: "+t.Name())) {
		t.Skipf("the child skipped:\n%s", tail(o.Bytes(), 2000))
	}
	if err != nil {
		t.Fatalf("child process (%s=%s): %v\nstdout:\n%s\nstderr:\n%s", childEnv, t.Name(), err, tail(o.Bytes(), 8000), tail(e.Bytes(), 4000))
	}
	var keep []string
	for _, l := range strings.Split(o.String(), "\n") {
		if l == "PASS" || l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "    ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n"), e.String(), false
}

// Unload closes a module in a CaptureChild child between two marker
// lines on stdout, so that the parent can tell what was printed at the
// unload (OutputAtUnload).
func Unload(t *testing.T, close func() error) {
	t.Helper()
	fmt.Println("unloading")
	if err := close(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("unloaded")
}

// OutputAtUnload returns what a child printed during Unload, and false
// when the markers are missing.
func OutputAtUnload(stdout string) (string, bool) {
	_, after, _ := strings.Cut(stdout, "unloading\n")
	got, _, ok := strings.Cut(after, "unloaded")
	return got, ok
}
