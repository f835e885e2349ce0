package hip

import (
	"testing"
	"unsafe"

	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// TestCLayouts holds our C declarations of HIP's structs to the layouts of
// hip_runtime_api.h on x86-64 Linux. The expected numbers were read from
// the ROCm/HIP header (hipKernelNodeParams orders blockDim, extra, func,
// gridDim, kernelParams, sharedMemBytes) and confirmed with offsetof
// against Debian's libamdhip64-dev 5.2.3 headers; the gcnArchName offsets
// are those LLVM's amdgpu-arch uses (R0600 1160, R0000 396), the R0600 one
// also checked against package hip's DevicePropR0600 below.
func TestCLayouts(t *testing.T) {
	for i, want := range []struct {
		what string
		v    uint64
	}{
		{"sizeof(hipKernelNodeParams)", 64},
		{"hipKernelNodeParams.blockDim", 0},
		{"hipKernelNodeParams.extra", 16},
		{"hipKernelNodeParams.func", 24},
		{"hipKernelNodeParams.gridDim", 32},
		{"hipKernelNodeParams.kernelParams", 48},
		{"hipKernelNodeParams.sharedMemBytes", 56},
		{"sizeof(hipMemsetParams)", 48},
		{"hipMemsetParams.dst", 0},
		{"hipMemsetParams.elementSize", 8},
		{"hipMemsetParams.height", 16},
		{"hipMemsetParams.pitch", 24},
		{"hipMemsetParams.value", 32},
		{"hipMemsetParams.width", 40},
		{"sizeof(hipHostNodeParams)", 16},
		{"hipHostNodeParams.fn", 0},
		{"hipHostNodeParams.userData", 8},
		{"sizeof(hipUUID)", 16},
		{"sizeof(dim3)", 12},
		{"hipDeviceProp_tR0600.gcnArchName", 1160},
		{"hipDeviceProp_tR0000.gcnArchName", 396},
	} {
		if got := cLayout(i); got != want.v {
			t.Errorf("%s = %d, want %d", want.what, got, want.v)
		}
	}
	var p hipabi.DevicePropR0600
	if off := uint64(unsafe.Offsetof(p.GcnArchName)); off != cLayout(19) {
		t.Errorf("hip.DevicePropR0600.GcnArchName at %d, our C offset %d", off, cLayout(19))
	}
	if size := uint64(unsafe.Sizeof(p)); size != 1472 || size > propsBufferSize {
		t.Errorf("sizeof hip.DevicePropR0600 = %d, want 1472 (and at most the %d-byte buffer)", size, propsBufferSize)
	}
}
