package cuda_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// TestKernelFaultIllegalAddress: a CPU kernel that stores to a wild
// address makes CtxSynchronize return CUDA_ERROR_ILLEGAL_ADDRESS (700),
// which then sticks to the context until DevicePrimaryCtxReset; another
// context works meanwhile, and the process goes on.
func TestKernelFaultIllegalAddress(t *testing.T) {
	if backend() != "cpu" {
		t.Skipf("CPU backend behaviour; testing %s", backend())
	}
	haltest.InSubprocess(t, func(t *testing.T) {
		setup(t, streaming.Options{})
		lib, err := haltest.FaultKernels()
		ok(t, err)
		ctx := val[*cuda.Context](t)(cuda.DevicePrimaryCtxRetain(0))
		ok(t, cuda.CtxSetCurrent(ctx))
		m := val[*cuda.Module](t)(cuda.ModuleLoadData(lib))
		poke := function(t, m, "poke")
		spare := val[cuda.DevicePtr](t)(cuda.MemAlloc(64))
		launchPoke := func(addr uint64, v uint32) error {
			blk := uint32(0)
			return cuda.LaunchKernel(poke, 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&addr), ptrOf(&v), ptrOf(&blk)}, nil)
		}
		ok(t, launchPoke(0xdead0000, 1))
		err = cuda.CtxSynchronize()
		wantErr(t, "CtxSynchronize after a fault", err, cuda.CUDA_ERROR_ILLEGAL_ADDRESS)
		if cuda.CUDA_ERROR_ILLEGAL_ADDRESS != 700 {
			t.Errorf("CUDA_ERROR_ILLEGAL_ADDRESS = %d, want 700", cuda.CUDA_ERROR_ILLEGAL_ADDRESS)
		}
		if d := cuda.LastErrorDetail(); !strings.Contains(d.Error(), "kernel poke") || !strings.Contains(d.Error(), "0xdead0000") {
			t.Errorf("LastErrorDetail = %v, want it to name the kernel and the address", d)
		}
		t.Logf("%v: %v", err, cuda.LastErrorDetail())
		// Sticky: every call on the context fails the same way.
		_, err = cuda.MemAlloc(64)
		wantErr(t, "MemAlloc after the fault", err, cuda.CUDA_ERROR_ILLEGAL_ADDRESS)
		wantErr(t, "LaunchKernel after the fault", launchPoke(uint64(spare), 2), cuda.CUDA_ERROR_ILLEGAL_ADDRESS)
		wantErr(t, "MemcpyHtoD after the fault", cuda.MemcpyHtoDSlice(spare, []uint32{1}), cuda.CUDA_ERROR_ILLEGAL_ADDRESS)
		wantErr(t, "CtxSynchronize again", cuda.CtxSynchronize(), cuda.CUDA_ERROR_ILLEGAL_ADDRESS)

		// A new context on the same device works.
		c2 := val[*cuda.Context](t)(cuda.CtxCreate(0, 0))
		m2 := val[*cuda.Module](t)(cuda.ModuleLoadData(lib))
		poke2 := function(t, m2, "poke")
		p := val[cuda.DevicePtr](t)(cuda.MemAlloc(4))
		addr, v, blk := uint64(p), uint32(0x5a5a), uint32(0)
		ok(t, cuda.LaunchKernel(poke2, 1, 1, 1, 1, 1, 1, 0, nil, []unsafe.Pointer{ptrOf(&addr), ptrOf(&v), ptrOf(&blk)}, nil))
		got := []uint32{0}
		ok(t, cuda.MemcpyDtoHSlice(got, p))
		if got[0] != 0x5a5a {
			t.Errorf("poke in a new context stored %#x, want 0x5a5a", got[0])
		}
		ok(t, cuda.CtxDestroy(c2))

		// Resetting the primary context makes it usable again.
		ok(t, cuda.CtxSetCurrent(ctx))
		ok(t, cuda.DevicePrimaryCtxReset(0))
		q := val[cuda.DevicePtr](t)(cuda.MemAlloc(64))
		ok(t, cuda.MemFree(q))
		ok(t, cuda.CtxSynchronize())
		ok(t, cuda.DevicePrimaryCtxRelease(0))
	})
}
