package hip

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	shiphip "github.com/streamhal/streamhal/hip/hipabi"
)

// knownCodes lists every hipError_t package hip names, by probing its table.
func knownCodes() []shiphip.Error {
	var out []shiphip.Error
	for c := shiphip.Error(1); c < 2000; c++ {
		if !strings.HasPrefix(c.String(), "Error(") {
			out = append(out, c)
		}
	}
	return out
}

func TestSentinelTableComplete(t *testing.T) {
	codes := knownCodes()
	if len(codes) < 70 {
		t.Fatalf("only %d known hipError_t codes; the probe is broken", len(codes))
	}
	for _, c := range codes {
		if c == shiphip.HipErrorTbd {
			continue // a marker, never returned
		}
		if _, ok := sentinels[c]; !ok {
			t.Errorf("%v (%d) has no sentinel", c, int(c))
		}
	}
}

func TestSentinelOf(t *testing.T) {
	for _, tc := range []struct {
		code shiphip.Error
		want error
	}{
		{shiphip.HipErrorInvalidValue, hal.ErrInvalidValue},
		{shiphip.HipErrorOutOfMemory, hal.ErrOutOfMemory},
		{shiphip.HipErrorNoDevice, hal.ErrNotAvailable},
		{shiphip.HipErrorInsufficientDriver, hal.ErrNotAvailable},
		{shiphip.HipErrorInvalidDevice, hal.ErrInvalidDevice},
		{shiphip.HipErrorInvalidImage, hal.ErrInvalidImage},
		{shiphip.HipErrorInvalidKernelFile, hal.ErrInvalidImage},
		{shiphip.HipErrorNoBinaryForGpu, hal.ErrNoBinaryForDevice},
		{shiphip.HipErrorNotFound, hal.ErrNotFound},
		{shiphip.HipErrorInvalidSymbol, hal.ErrNotFound},
		{shiphip.HipErrorNotReady, hal.ErrNotReady},
		{shiphip.HipErrorInvalidHandle, hal.ErrInvalidHandle},
		{shiphip.HipErrorContextIsDestroyed, hal.ErrInvalidHandle},
		{shiphip.HipErrorIllegalAddress, hal.ErrIllegalAddress},
		{shiphip.HipErrorLaunchOutOfResources, hal.ErrLaunchResources},
		{shiphip.HipErrorLaunchFailure, hal.ErrLaunchFailed},
		{shiphip.HipErrorPeerAccessAlreadyEnabled, hal.ErrPeerAlreadyEnabled},
		{shiphip.HipErrorPeerAccessNotEnabled, hal.ErrPeerNotEnabled},
		{shiphip.HipErrorHostMemoryAlreadyRegistered, hal.ErrAlreadyMapped},
		{shiphip.HipErrorHostMemoryNotRegistered, hal.ErrNotMapped},
		{shiphip.HipErrorNotSupported, hal.ErrNotSupported},
		{shiphip.HipErrorGraphExecUpdateFailure, hal.ErrNotSupported},
		{shiphip.HipErrorStreamCaptureInvalidated, hal.ErrCaptureInvalidated},
		{shiphip.HipErrorStreamCaptureUnjoined, hal.ErrCaptureUnjoined},
		{shiphip.HipErrorStreamCaptureIsolation, hal.ErrCaptureIsolation},
		{shiphip.HipErrorStreamCaptureImplicit, hal.ErrCaptureImplicit},
		{shiphip.HipErrorIllegalState, hal.ErrIllegalState},
		{shiphip.HipErrorRuntimeMemory, hal.ErrOutOfMemory},
		// Codes newer than the table, by range.
		{shiphip.Error(799), hal.ErrLaunchFailed},
		{shiphip.Error(4242), hal.ErrInvalidValue},
	} {
		if got := sentinelOf(tc.code); got != tc.want {
			t.Errorf("sentinelOf(%v) = %v, want %v", tc.code, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := check(0, "hipMalloc(%d bytes)", 1024); err != nil {
		t.Fatalf("check(hipSuccess) = %v", err)
	}
	err := check(2, "hipMalloc(%d bytes) on device %d", 1024, 3)
	if err == nil {
		t.Fatal("check(hipErrorOutOfMemory) = nil")
	}
	want := "hal/hip: hipMalloc(1024 bytes) on device 3: hipErrorOutOfMemory: out of memory"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if !errors.Is(err, hal.ErrOutOfMemory) {
		t.Errorf("errors.Is(err, hal.ErrOutOfMemory) = false")
	}
	if errors.Is(err, hal.ErrInvalidValue) {
		t.Errorf("errors.Is(err, hal.ErrInvalidValue) = true")
	}
	var code shiphip.Error
	if !errors.As(err, &code) || code != shiphip.HipErrorOutOfMemory {
		t.Errorf("errors.As(hip.Error) = %v", code)
	}
	if codeOf(err) != shiphip.HipErrorOutOfMemory || codeOf(errors.New("x")) != 0 {
		t.Errorf("codeOf wrong")
	}
	if shiphip.ErrorOf(err) != shiphip.HipErrorOutOfMemory {
		t.Errorf("hip.ErrorOf(err) = %v", shiphip.ErrorOf(err))
	}
	// A failed in-place update is ErrNotSupported and keeps the code.
	up := &notSupported{check(1, "hipGraphExecKernelNodeSetParams")}
	if !errors.Is(up, hal.ErrNotSupported) || !errors.As(up, &code) || code != shiphip.HipErrorInvalidValue {
		t.Errorf("notSupported: %v", up)
	}
}

func TestCountResult(t *testing.T) {
	for _, tc := range []struct {
		n       int
		code    shiphip.Error
		wantN   int
		wantMsg string
	}{
		{2, shiphip.HipSuccess, 2, ""},
		{0, shiphip.HipErrorNoDevice, 0, "hal/hip: not available: no AMD device (hipGetDeviceCount: hipErrorNoDevice: "},
		{0, shiphip.HipErrorInsufficientDriver, 0, "hal/hip: not available: hipGetDeviceCount: hipErrorInsufficientDriver: "},
		{0, shiphip.HipSuccess, 0, "hal/hip: not available: no AMD device (hipGetDeviceCount found 0)"},
	} {
		n, err := countResult(tc.n, tc.code)
		if n != tc.wantN {
			t.Errorf("countResult(%d, %v) = %d", tc.n, tc.code, n)
		}
		if tc.wantMsg == "" {
			if err != nil {
				t.Errorf("countResult(%d, %v): %v", tc.n, tc.code, err)
			}
			continue
		}
		if !errors.Is(err, hal.ErrNotAvailable) || !strings.HasPrefix(err.Error(), tc.wantMsg) {
			t.Errorf("countResult(%d, %v) = %v, want prefix %q wrapping ErrNotAvailable", tc.n, tc.code, err, tc.wantMsg)
		}
		var code shiphip.Error
		if tc.code != shiphip.HipSuccess && (!errors.As(err, &code) || code != tc.code) {
			t.Errorf("countResult(%d, %v) does not wrap the code", tc.n, tc.code)
		}
	}
}

func TestVersion(t *testing.T) {
	for v, want := range map[int]string{50221153: "5.2.21153", 60241134: "6.2.41134", 70000000: "7.0.0"} {
		if got := version(v); got != want {
			t.Errorf("version(%d) = %q, want %q", v, got, want)
		}
	}
}
