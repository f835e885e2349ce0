package cuda

import (
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// TestResultTableMatchesSource checks the CUresult table against the
// constants as declared: values strictly increasing, every row backed by a
// constant of its name and value, every constant but the deprecated
// aliases in the table.
func TestResultTableMatchesSource(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "result.go", nil, 0)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("result.go is not here (the test binary runs away from its sources): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]int{}
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s: not a literal", vs.Names[0].Name)
			}
			v, _ := constant.Int64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			consts[vs.Names[0].Name] = int(v)
		}
	}
	if len(consts) != len(resultTable) {
		t.Errorf("%d constants, %d rows", len(consts), len(resultTable))
	}
	for i, row := range resultTable {
		if i > 0 && row.r <= resultTable[i-1].r {
			t.Errorf("row %s (%d) not above the previous value", row.name, row.r)
		}
		if v, ok := consts[row.name]; !ok || v != int(row.r) {
			t.Errorf("row %s = %d, constant = %d (declared: %v)", row.name, row.r, v, ok)
		}
		if row.r.String() != row.name {
			t.Errorf("%d.String() = %q, want %q", row.r, row.r.String(), row.name)
		}
	}
}

// TestSentinelColumnComplete checks that every code but CUDA_SUCCESS names
// the hal sentinel it stands for, so that SentinelOf never falls back to
// its range rule for a code of the table.
func TestSentinelColumnComplete(t *testing.T) {
	for _, row := range resultTable {
		if (row.err == nil) != (row.r == CUDA_SUCCESS) {
			t.Errorf("%s: sentinel %v", row.name, row.err)
		}
		if row.r != CUDA_SUCCESS && SentinelOf(row.r) != row.err {
			t.Errorf("SentinelOf(%s) = %v, want %v", row.name, SentinelOf(row.r), row.err)
		}
	}
	if SentinelOf(777) != hal.ErrLaunchFailed || SentinelOf(4242) != hal.ErrInvalidValue {
		t.Errorf("codes newer than the table: 777 -> %v, 4242 -> %v", SentinelOf(777), SentinelOf(4242))
	}
}

func TestResultError(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{CUDA_SUCCESS, "CUDA_SUCCESS: no error"},
		{CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE: invalid argument"},
		{CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY: out of memory"},
		{CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY: device not ready"},
		{CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered"},
		{CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU: no kernel image is available for execution on the device"},
		{CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN: unknown error"},
		{Result(9), "Result(9): unrecognized error code"},
		{Result(-1), "Result(-1): unrecognized error code"},
	} {
		if got := c.r.Error(); got != c.want {
			t.Errorf("Result(%d).Error() = %q, want %q", int(c.r), got, c.want)
		}
	}
	for _, e := range resultTable {
		if e.desc == "" || strings.TrimSpace(e.desc) != e.desc {
			t.Errorf("%s: bad description %q", e.name, e.desc)
		}
		if !strings.HasPrefix(e.name, "CUDA_") {
			t.Errorf("%d: bad name %q", e.r, e.name)
		}
	}
}

func TestGetErrorNameString(t *testing.T) {
	for _, e := range resultTable {
		name, st := GetErrorName(e.r)
		if name != e.name || st != nil {
			t.Errorf("GetErrorName(%d) = %q, %v; want %q, nil", int(e.r), name, st, e.name)
		}
		desc, st := GetErrorString(e.r)
		if desc != e.desc || st != nil {
			t.Errorf("GetErrorString(%d) = %q, %v; want %q, nil", int(e.r), desc, st, e.desc)
		}
	}
	if s, st := GetErrorString(CUDA_ERROR_INVALID_VALUE); s != "invalid argument" || st != nil {
		t.Errorf("GetErrorString(CUDA_ERROR_INVALID_VALUE) = %q, %v", s, st)
	}
	for _, r := range []Result{-1, 9, 33, 203, 706, 1000, 1 << 30} {
		if s, st := GetErrorName(r); s != "" || st != error(CUDA_ERROR_INVALID_VALUE) {
			t.Errorf("GetErrorName(%d) = %q, %v; want \"\", CUDA_ERROR_INVALID_VALUE", int(r), s, st)
		}
		if s, st := GetErrorString(r); s != "" || st != error(CUDA_ERROR_INVALID_VALUE) {
			t.Errorf("GetErrorString(%d) = %q, %v; want \"\", CUDA_ERROR_INVALID_VALUE", int(r), s, st)
		}
	}
}

func TestErrorsIsWrapped(t *testing.T) {
	err := fmt.Errorf("cuda: cuMemAlloc 1 GiB: %w", CUDA_ERROR_OUT_OF_MEMORY)
	err = fmt.Errorf("outer: %w", err)
	if !errors.Is(err, CUDA_ERROR_OUT_OF_MEMORY) {
		t.Error("errors.Is(wrapped, CUDA_ERROR_OUT_OF_MEMORY) = false")
	}
	if errors.Is(err, CUDA_ERROR_INVALID_VALUE) {
		t.Error("errors.Is(wrapped OUT_OF_MEMORY, CUDA_ERROR_INVALID_VALUE) = true")
	}
	if !errors.Is(err, hal.ErrOutOfMemory) {
		t.Error("errors.Is(wrapped OUT_OF_MEMORY, hal.ErrOutOfMemory) = false")
	}
	if errors.Is(err, hal.ErrInvalidValue) {
		t.Error("errors.Is(wrapped OUT_OF_MEMORY, hal.ErrInvalidValue) = true")
	}
	var r Result
	if !errors.As(err, &r) || r != CUDA_ERROR_OUT_OF_MEMORY {
		t.Errorf("errors.As = %v, want CUDA_ERROR_OUT_OF_MEMORY", r)
	}
	if errors.Is(CUDA_SUCCESS, hal.ErrInvalidValue) {
		t.Error("CUDA_SUCCESS matches hal.ErrInvalidValue")
	}
}

// halSentinels are the sentinels of hal/errors.go; TestHalSentinelsCovered
// makes sure this list grows with that file.
var halSentinels = map[string]error{
	"ErrInvalidValue": hal.ErrInvalidValue, "ErrInvalidHandle": hal.ErrInvalidHandle,
	"ErrInvalidDevice": hal.ErrInvalidDevice, "ErrInvalidImage": hal.ErrInvalidImage,
	"ErrNotFound": hal.ErrNotFound, "ErrOutOfMemory": hal.ErrOutOfMemory, "ErrNotReady": hal.ErrNotReady,
	"ErrNotSupported": hal.ErrNotSupported, "ErrNotAvailable": hal.ErrNotAvailable,
	"ErrLaunchFailed": hal.ErrLaunchFailed, "ErrLaunchResources": hal.ErrLaunchResources,
	"ErrAlreadyMapped": hal.ErrAlreadyMapped, "ErrNotMapped": hal.ErrNotMapped,
	"ErrPeerAlreadyEnabled": hal.ErrPeerAlreadyEnabled, "ErrPeerNotEnabled": hal.ErrPeerNotEnabled,
	"ErrNoBinaryForDevice": hal.ErrNoBinaryForDevice, "ErrCaptureInvalidated": hal.ErrCaptureInvalidated,
	"ErrCaptureUnsupported": hal.ErrCaptureUnsupported, "ErrCaptureUnmatched": hal.ErrCaptureUnmatched,
	"ErrIllegalAddress": hal.ErrIllegalAddress, "ErrDeinitialized": hal.ErrDeinitialized,
	"ErrNotInitialized": hal.ErrNotInitialized, "ErrAlreadyAcquired": hal.ErrAlreadyAcquired,
	"ErrInvalidContext": hal.ErrInvalidContext, "ErrContextAlreadyCurrent": hal.ErrContextAlreadyCurrent,
	"ErrTimeout": hal.ErrTimeout, "ErrCaptureUnjoined": hal.ErrCaptureUnjoined,
	"ErrCaptureImplicit": hal.ErrCaptureImplicit, "ErrIllegalState": hal.ErrIllegalState,
	"ErrCaptureIsolation": hal.ErrCaptureIsolation, "ErrInvalidPTX": hal.ErrInvalidPTX,
	"ErrCooperativeLaunchTooLarge": hal.ErrCooperativeLaunchTooLarge,
	"ErrAssert":                    hal.ErrAssert,
}

func TestHalSentinelsCovered(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "../../../hal/errors.go", nil, 0)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("hal/errors.go is not here (the test binary runs away from its sources): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			for _, id := range s.(*ast.ValueSpec).Names {
				n++
				if _, ok := halSentinels[id.Name]; !ok {
					t.Errorf("hal.%s is new: add it to halSentinels and to halResults", id.Name)
				}
			}
		}
	}
	if n != len(halSentinels) {
		t.Errorf("hal/errors.go declares %d sentinels, the test knows %d", n, len(halSentinels))
	}
	for name, s := range halSentinels {
		r := ResultOf(fmt.Errorf("streaming: something with argument 3: %w", s))
		if r == CUDA_ERROR_UNKNOWN || r == CUDA_SUCCESS {
			t.Errorf("ResultOf(hal.%s) = %v, want a specific code", name, r)
			continue
		}
		if !errors.Is(r, s) {
			t.Errorf("errors.Is(%v, hal.%s) = false", r, name)
		}
	}
}

func TestResultOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Result
	}{
		{nil, CUDA_SUCCESS},
		{CUDA_ERROR_NOT_READY, CUDA_ERROR_NOT_READY},
		{fmt.Errorf("x: %w", CUDA_ERROR_INVALID_PTX), CUDA_ERROR_INVALID_PTX},
		{fmt.Errorf("streaming: free %#x: %w", 0x1000, hal.ErrInvalidValue), CUDA_ERROR_INVALID_VALUE},
		{fmt.Errorf("streaming: event: %w", hal.ErrInvalidHandle), CUDA_ERROR_INVALID_HANDLE},
		{fmt.Errorf("streaming: query: %w", hal.ErrNotReady), CUDA_ERROR_NOT_READY},
		{fmt.Errorf("streaming: capture: %w", hal.ErrCaptureInvalidated), CUDA_ERROR_STREAM_CAPTURE_INVALIDATED},
		// PTX the CPU backend's translator refuses comes with both.
		{fmt.Errorf("hal/cpu: load: %w: %w", hal.ErrInvalidPTX, hal.ErrInvalidImage), CUDA_ERROR_INVALID_PTX},
		{io.EOF, CUDA_ERROR_UNKNOWN},
		{errors.New("something else"), CUDA_ERROR_UNKNOWN},
	} {
		if got := ResultOf(c.err); got != c.want {
			t.Errorf("ResultOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// The extra rows of halResults match but never win over the first row.
	if !errors.Is(CUDA_ERROR_INVALID_PTX, hal.ErrInvalidImage) {
		t.Error("CUDA_ERROR_INVALID_PTX does not match hal.ErrInvalidImage")
	}
	if got := ResultOf(hal.ErrInvalidImage); got != CUDA_ERROR_INVALID_IMAGE {
		t.Errorf("ResultOf(hal.ErrInvalidImage) = %v, want CUDA_ERROR_INVALID_IMAGE", got)
	}
}

// TestAssertResult: a failed device-side assert is CUDA_ERROR_ASSERT, and
// both it and hal.ErrAssert are launch failures.
func TestAssertResult(t *testing.T) {
	if r := ResultOf(fmt.Errorf("kernel k: %w", hal.ErrAssert)); r != CUDA_ERROR_ASSERT {
		t.Errorf("ResultOf(ErrAssert) = %v, want CUDA_ERROR_ASSERT", r)
	}
	if s := SentinelOf(CUDA_ERROR_ASSERT); s != hal.ErrAssert {
		t.Errorf("SentinelOf(CUDA_ERROR_ASSERT) = %v, want hal.ErrAssert (a driver's CUDA_ERROR_ASSERT must match errors.Is(err, ErrAssert))", s)
	}
	if !errors.Is(hal.ErrAssert, hal.ErrLaunchFailed) || !errors.Is(CUDA_ERROR_ASSERT, hal.ErrLaunchFailed) || !errors.Is(CUDA_ERROR_ASSERT, hal.ErrAssert) {
		t.Error("ErrAssert and CUDA_ERROR_ASSERT must match ErrLaunchFailed, and each other")
	}
	if r := ResultOf(fmt.Errorf("x: %w", hal.ErrLaunchFailed)); r != CUDA_ERROR_LAUNCH_FAILED {
		t.Errorf("ResultOf(ErrLaunchFailed) = %v", r)
	}
}
