package hip_test

import (
	"testing"

	"github.com/streamhal/streamhal/hip"
)

func TestPrimaryContext(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	// Nothing has used device 0 yet: its primary context is inactive and
	// takes flags.
	flags, active, err := hip.DevicePrimaryCtxGetState(0)
	ok(t, "DevicePrimaryCtxGetState", err)
	if active || flags != 0 {
		t.Fatalf("fresh primary context: flags %#x, active %v", flags, active)
	}
	ok(t, "DevicePrimaryCtxSetFlags", hip.DevicePrimaryCtxSetFlags(0, hip.HipDeviceScheduleYield|hip.HipDeviceMapHost))
	wantCode(t, "DevicePrimaryCtxSetFlags bad bits", hip.DevicePrimaryCtxSetFlags(0, 0x100), hip.HipErrorInvalidValue)

	c, err := hip.DevicePrimaryCtxRetain(0)
	ok(t, "DevicePrimaryCtxRetain", err)
	if !c.IsPrimary() || c.Device().Ordinal() != 0 {
		t.Fatalf("DevicePrimaryCtxRetain(0) = a context of device %d (primary %v)", c.Device().Ordinal(), c.IsPrimary())
	}
	if c.Flags() != hip.HipDeviceScheduleYield|hip.HipDeviceMapHost {
		t.Errorf("primary context flags %#x", c.Flags())
	}
	flags, active, _ = hip.DevicePrimaryCtxGetState(0)
	if !active || flags != hip.HipDeviceScheduleYield|hip.HipDeviceMapHost {
		t.Errorf("retained primary context: flags %#x, active %v", flags, active)
	}
	// Active: its flags are fixed, as in AMD's runtime.
	wantCode(t, "DevicePrimaryCtxSetFlags active", hip.DevicePrimaryCtxSetFlags(0, 0), hip.HipErrorContextAlreadyInUse)
	// With an empty stack the primary context is the current one.
	cur, err := hip.CtxGetCurrent()
	ok(t, "CtxGetCurrent", err)
	if cur != c {
		t.Error("CtxGetCurrent is not the current device's primary context")
	}
	ok(t, "DevicePrimaryCtxRelease", hip.DevicePrimaryCtxRelease(0))
	// A release without a retain is accepted, and the runtime API's own
	// retain survives it.
	ok(t, "DevicePrimaryCtxRelease unmatched", hip.DevicePrimaryCtxRelease(0))
	if _, active, _ := hip.DevicePrimaryCtxGetState(0); !active {
		t.Error("an unmatched release deactivated the primary context the runtime API uses")
	}
	p := malloc(t, 16)
	ok(t, "Memset", hip.Memset(p, 1, 16))

	for _, bad := range []hip.Device{-1, 99} {
		_, err := hip.DevicePrimaryCtxRetain(bad)
		wantCode(t, "DevicePrimaryCtxRetain bad", err, hip.HipErrorInvalidDevice)
		wantCode(t, "DevicePrimaryCtxRelease bad", hip.DevicePrimaryCtxRelease(bad), hip.HipErrorInvalidDevice)
		_, _, err = hip.DevicePrimaryCtxGetState(bad)
		wantCode(t, "DevicePrimaryCtxGetState bad", err, hip.HipErrorInvalidDevice)
		wantCode(t, "DevicePrimaryCtxSetFlags bad", hip.DevicePrimaryCtxSetFlags(bad, 0), hip.HipErrorInvalidDevice)
		wantCode(t, "DevicePrimaryCtxReset bad", hip.DevicePrimaryCtxReset(bad), hip.HipErrorInvalidDevice)
	}
	hip.GetLastError()
}

func TestPrimaryContextReset(t *testing.T) {
	rt := setup(t, 1)
	leakCheck(t, rt)
	p, err := hip.Malloc(256)
	ok(t, "Malloc", err)
	s, err := hip.StreamCreate()
	ok(t, "StreamCreate", err)
	before, _ := hip.CtxGetCurrent()

	ok(t, "DevicePrimaryCtxReset", hip.DevicePrimaryCtxReset(0))
	// Everything the primary context owned is gone...
	wantCode(t, "Free after reset", hip.Free(p), hip.HipErrorInvalidValue)
	wantCode(t, "StreamQuery after reset", hip.StreamQuery(s), hip.HipErrorInvalidHandle)
	// ...and the runtime API goes on with a fresh one.
	after, err := hip.CtxGetCurrent()
	ok(t, "CtxGetCurrent", err)
	if after == before || after.Err() != nil {
		t.Fatalf("after reset the current context is the old one, or unusable")
	}
	q, err := hip.Malloc(256)
	ok(t, "Malloc after reset", err)
	ok(t, "Free", hip.Free(q))

	// DeviceReset does the same for the current device.
	q, err = hip.Malloc(256)
	ok(t, "Malloc", err)
	ok(t, "DeviceReset", hip.DeviceReset())
	wantCode(t, "Free after DeviceReset", hip.Free(q), hip.HipErrorInvalidValue)
	ok(t, "DeviceSynchronize", hip.DeviceSynchronize())
	hip.GetLastError()
}

func TestContextStack(t *testing.T) {
	rt := setup(t, 2)
	leakCheck(t, rt)
	_, err := hip.CtxPopCurrent()
	wantCode(t, "CtxPopCurrent on an empty stack", err, hip.HipErrorInvalidContext)

	c, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	if c.IsPrimary() {
		t.Fatal("CtxCreate returned a primary context")
	}
	cur, err := hip.CtxGetCurrent()
	ok(t, "CtxGetCurrent", err)
	if cur != c {
		t.Fatal("CtxCreate did not make the new context current")
	}
	d, err := hip.CtxGetDevice()
	ok(t, "CtxGetDevice", err)
	if d != 0 {
		t.Errorf("CtxGetDevice = %d", d)
	}
	v, err := hip.CtxGetApiVersion(nil)
	ok(t, "CtxGetApiVersion", err)
	if v != c.APIVersion() || v == 0 {
		t.Errorf("CtxGetApiVersion = %d", v)
	}
	f, err := hip.CtxGetFlags()
	ok(t, "CtxGetFlags", err)
	if f != 0 {
		t.Errorf("CtxGetFlags = %#x", f)
	}
	// Allocations, modules and streams go to the current context.
	p, err := hip.Malloc(64)
	ok(t, "Malloc", err)
	owner, err := hip.PointerGetAttribute(hip.HIP_POINTER_ATTRIBUTE_CONTEXT, p)
	ok(t, "PointerGetAttribute CONTEXT", err)
	if owner.(hip.Ctx) != c {
		t.Error("memory allocated with a created context current does not belong to it")
	}
	ok(t, "CtxSynchronize", hip.CtxSynchronize())

	// Push and pop around it.
	if rt.DeviceCount() > 1 {
		c1, err := hip.CtxCreate(hip.HipDeviceScheduleSpin, 1)
		ok(t, "CtxCreate(1)", err)
		if d, _ := hip.GetDevice(); d != 1 {
			t.Errorf("GetDevice with device 1's context on top = %d", d)
		}
		popped, err := hip.CtxPopCurrent()
		ok(t, "CtxPopCurrent", err)
		if popped != c1 {
			t.Error("CtxPopCurrent did not return the top context")
		}
		if cur, _ := hip.CtxGetCurrent(); cur != c {
			t.Error("after the pop the previous context is not current")
		}
		ok(t, "CtxPushCurrent", hip.CtxPushCurrent(c1))
		if cur, _ := hip.CtxGetCurrent(); cur != c1 {
			t.Error("CtxPushCurrent did not make the context current")
		}
		ok(t, "CtxSetCurrent", hip.CtxSetCurrent(c))
		if cur, _ := hip.CtxGetCurrent(); cur != c {
			t.Error("CtxSetCurrent did not replace the top")
		}
		ok(t, "CtxDestroy(c1)", hip.CtxDestroy(c1))
	}
	wantCode(t, "CtxPushCurrent(nil)", hip.CtxPushCurrent(nil), hip.HipErrorInvalidContext)

	// Destroying the context frees what it owns and takes it off the
	// stack; the primary context of the current device is current again.
	ok(t, "CtxDestroy", hip.CtxDestroy(c))
	if n := rt.LiveAllocations(); n != 0 {
		t.Errorf("%d allocations survive CtxDestroy", n)
	}
	cur, _ = hip.CtxGetCurrent()
	if cur == c || !cur.IsPrimary() {
		t.Error("after CtxDestroy the destroyed context is still current")
	}
	wantCode(t, "CtxDestroy twice", hip.CtxDestroy(c), hip.HipErrorContextIsDestroyed)
	wantCode(t, "CtxPushCurrent destroyed", hip.CtxPushCurrent(c), hip.HipErrorInvalidContext)
	wantCode(t, "CtxSetCurrent destroyed", hip.CtxSetCurrent(c), hip.HipErrorInvalidContext)
	wantCode(t, "CtxDestroy(nil)", hip.CtxDestroy(nil), hip.HipErrorInvalidValue)
	wantCode(t, "CtxDestroy(primary)", hip.CtxDestroy(cur), hip.HipErrorInvalidContext)
	_, err = hip.CtxCreate(0, 42)
	wantCode(t, "CtxCreate(bad device)", err, hip.HipErrorInvalidValue)
	_, err = hip.CtxCreate(0x400, 0)
	wantCode(t, "CtxCreate(bad flags)", err, hip.HipErrorInvalidValue)

	// SetCurrent(nil) pops.
	c2, err := hip.CtxCreate(0, 0)
	ok(t, "CtxCreate", err)
	ok(t, "CtxSetCurrent(nil)", hip.CtxSetCurrent(nil))
	if cur, _ := hip.CtxGetCurrent(); cur == c2 {
		t.Error("CtxSetCurrent(nil) left the context current")
	}
	ok(t, "CtxDestroy(c2)", hip.CtxDestroy(c2))
	hip.GetLastError()
}
