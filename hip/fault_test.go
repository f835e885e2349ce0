package hip_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
)

// TestKernelFaultIllegalAddress: a CPU kernel given a null pointer makes
// hipDeviceSynchronize return hipErrorIllegalAddress (700), which sticks
// to the device's primary context until hipDeviceReset; the process goes
// on.
func TestKernelFaultIllegalAddress(t *testing.T) {
	if backend() != "cpu" {
		t.Skipf("CPU backend behaviour; testing %s", backend())
	}
	haltest.InSubprocess(t, func(t *testing.T) {
		setup(t, 1)
		lib, err := haltest.FaultKernels()
		ok(t, "FaultKernels", err)
		m, err := hip.ModuleLoadData(lib)
		ok(t, "ModuleLoadData", err)
		fill, err := hip.ModuleGetFunction(m, "fill_u32")
		ok(t, "ModuleGetFunction", err)
		spare, err := hip.Malloc(64)
		ok(t, "Malloc", err)
		launchFill := func(p uint64, n uint32) error {
			v := uint32(7)
			return hip.ModuleLaunchKernel(fill, 4, 1, 1, 64, 1, 1, 0, nil, []unsafe.Pointer{unsafe.Pointer(&p), unsafe.Pointer(&v), unsafe.Pointer(&n)}, nil)
		}
		ok(t, "launch", launchFill(0, 256))
		err = hip.DeviceSynchronize()
		wantCode(t, "hipDeviceSynchronize after a fault", err, hip.HipErrorIllegalAddress)
		if hip.HipErrorIllegalAddress != 700 {
			t.Errorf("hipErrorIllegalAddress = %d, want 700", hip.HipErrorIllegalAddress)
		}
		if d := hip.LastErrorDetail(); !strings.Contains(d.Error(), "kernel fill_u32") || !strings.Contains(d.Error(), "null pointer") {
			t.Errorf("LastErrorDetail %q does not name the kernel and the null pointer", d)
		}
		t.Logf("%v", hip.LastErrorDetail())
		_, err = hip.Malloc(64)
		wantCode(t, "hipMalloc after the fault", err, hip.HipErrorIllegalAddress)
		wantCode(t, "launch after the fault", launchFill(uint64(spare), 16), hip.HipErrorIllegalAddress)
		wantCode(t, "hipDeviceSynchronize again", hip.DeviceSynchronize(), hip.HipErrorIllegalAddress)
		hip.GetLastError()
		// hipDeviceReset makes the device usable again.
		ok(t, "hipDeviceReset", hip.DeviceReset())
		p, err := hip.Malloc(4 * 256)
		ok(t, "Malloc after reset", err)
		m, err = hip.ModuleLoadData(lib)
		ok(t, "ModuleLoadData after reset", err)
		fill, err = hip.ModuleGetFunction(m, "fill_u32")
		ok(t, "ModuleGetFunction after reset", err)
		ok(t, "launch after reset", launchFill(uint64(p), 256))
		ok(t, "hipDeviceSynchronize after reset", hip.DeviceSynchronize())
		got := make([]uint32, 256)
		ok(t, "MemcpyDtoH", hip.MemcpyDtoH(got, p, 4*256))
		for i, v := range got {
			if v != 7 {
				t.Fatalf("element %d = %d, want 7", i, v)
			}
		}
		ok(t, "Free", hip.Free(p))
		ok(t, "ModuleUnload", hip.ModuleUnload(m))
		hip.GetLastError()
	})
}
