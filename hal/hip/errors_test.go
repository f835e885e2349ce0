package hip

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

func TestSentinelOf(t *testing.T) {
	for _, tc := range []struct {
		code hipabi.Error
		want error
	}{
		{hipabi.HipErrorInvalidValue, hal.ErrInvalidValue},
		{hipabi.HipErrorOutOfMemory, hal.ErrOutOfMemory},
		{hipabi.HipErrorNoDevice, hal.ErrNotAvailable},
		{hipabi.HipErrorInsufficientDriver, hal.ErrNotAvailable},
		{hipabi.HipErrorInvalidDevice, hal.ErrInvalidDevice},
		{hipabi.HipErrorInvalidImage, hal.ErrInvalidImage},
		{hipabi.HipErrorInvalidKernelFile, hal.ErrInvalidImage},
		{hipabi.HipErrorNoBinaryForGpu, hal.ErrNoBinaryForDevice},
		{hipabi.HipErrorNotFound, hal.ErrNotFound},
		{hipabi.HipErrorInvalidSymbol, hal.ErrNotFound},
		{hipabi.HipErrorNotReady, hal.ErrNotReady},
		{hipabi.HipErrorInvalidHandle, hal.ErrInvalidHandle},
		{hipabi.HipErrorContextIsDestroyed, hal.ErrInvalidHandle},
		{hipabi.HipErrorIllegalAddress, hal.ErrIllegalAddress},
		{hipabi.HipErrorLaunchOutOfResources, hal.ErrLaunchResources},
		{hipabi.HipErrorLaunchFailure, hal.ErrLaunchFailed},
		{hipabi.HipErrorPeerAccessAlreadyEnabled, hal.ErrPeerAlreadyEnabled},
		{hipabi.HipErrorPeerAccessNotEnabled, hal.ErrPeerNotEnabled},
		{hipabi.HipErrorHostMemoryAlreadyRegistered, hal.ErrAlreadyMapped},
		{hipabi.HipErrorHostMemoryNotRegistered, hal.ErrNotMapped},
		{hipabi.HipErrorNotSupported, hal.ErrNotSupported},
		{hipabi.HipErrorGraphExecUpdateFailure, hal.ErrNotSupported},
		{hipabi.HipErrorStreamCaptureInvalidated, hal.ErrCaptureInvalidated},
		{hipabi.HipErrorStreamCaptureUnjoined, hal.ErrCaptureUnjoined},
		{hipabi.HipErrorStreamCaptureIsolation, hal.ErrCaptureIsolation},
		{hipabi.HipErrorStreamCaptureImplicit, hal.ErrCaptureImplicit},
		{hipabi.HipErrorIllegalState, hal.ErrIllegalState},
		{hipabi.HipErrorRuntimeMemory, hal.ErrOutOfMemory},
		// Codes newer than the table, by range.
		{hipabi.Error(799), hal.ErrLaunchFailed},
		{hipabi.Error(4242), hal.ErrInvalidValue},
	} {
		if got := hipabi.SentinelOf(tc.code); got != tc.want {
			t.Errorf("SentinelOf(%v) = %v, want %v", tc.code, got, tc.want)
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
	var code hipabi.Error
	if !errors.As(err, &code) || code != hipabi.HipErrorOutOfMemory {
		t.Errorf("errors.As(hip.Error) = %v", code)
	}
	if codeOf(err) != hipabi.HipErrorOutOfMemory || codeOf(errors.New("x")) != 0 {
		t.Errorf("codeOf wrong")
	}
	if hipabi.ErrorOf(err) != hipabi.HipErrorOutOfMemory {
		t.Errorf("hip.ErrorOf(err) = %v", hipabi.ErrorOf(err))
	}
	// A failed in-place update is ErrNotSupported and keeps the code.
	up := &notSupported{check(1, "hipGraphExecKernelNodeSetParams")}
	if !errors.Is(up, hal.ErrNotSupported) || !errors.As(up, &code) || code != hipabi.HipErrorInvalidValue {
		t.Errorf("notSupported: %v", up)
	}
}

func TestCountResult(t *testing.T) {
	for _, tc := range []struct {
		n       int
		code    hipabi.Error
		wantN   int
		wantMsg string
	}{
		{2, hipabi.HipSuccess, 2, ""},
		{0, hipabi.HipErrorNoDevice, 0, "hal/hip: not available: no AMD device (hipGetDeviceCount: hipErrorNoDevice: "},
		{0, hipabi.HipErrorInsufficientDriver, 0, "hal/hip: not available: hipGetDeviceCount: hipErrorInsufficientDriver: "},
		{0, hipabi.HipSuccess, 0, "hal/hip: not available: no AMD device (hipGetDeviceCount found 0)"},
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
		var code hipabi.Error
		if tc.code != hipabi.HipSuccess && (!errors.As(err, &code) || code != tc.code) {
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
