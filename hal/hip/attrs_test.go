package hip

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streamhal/streamhal/hal"
	hipabi "github.com/streamhal/streamhal/internal/abi/hip"
)

// fakeAttrs answers hipDeviceGetAttribute with 1000+attr for every
// attribute except those in missing, which fail as the runtime does for an
// attribute it does not know.
func fakeAttrs(missing ...hipabi.DeviceAttribute) func(hipabi.DeviceAttribute) (int, error) {
	return func(a hipabi.DeviceAttribute) (int, error) {
		for _, m := range missing {
			if a == m {
				return 0, check(int(hipabi.HipErrorInvalidValue), "hipDeviceGetAttribute(%v)", a)
			}
		}
		return 1000 + int(a), nil
	}
}

func TestDeviceInfoAttributes(t *testing.T) {
	v := func(a hipabi.DeviceAttribute) int { return 1000 + int(a) }
	uuid := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	got := deviceInfo(deviceFacts{
		ordinal: 1, name: "AMD Instinct MI210", totalMem: 64 << 30, uuid: uuid,
		gcnArch: "gfx90a:sramecc+:xnack-", attr: fakeAttrs(), least: 0, greatest: -1,
	})
	// The expected value of each field names HIP's attribute number
	// independently of the table in attrs.go (hip_runtime_api.h numbering).
	want := hal.DeviceInfo{
		Name: "AMD Instinct MI210", Driver: "hip", UUID: uuid, Ordinal: 1, TotalMem: 64 << 30,
		ComputeMajor: 1023, ComputeMinor: 1061,
		MultiprocessorCount:         1063,
		MaxThreadsPerBlock:          1056,
		MaxBlockDim:                 [3]int{1026, 1027, 1028},
		MaxGridDim:                  [3]int{1029, 1030, 1031},
		WarpSize:                    1087,
		SharedMemPerBlock:           1074,
		SharedMemPerBlockOptin:      1075,
		SharedMemPerMultiprocessor:  1076,
		MaxThreadsPerMultiprocessor: 1057,
		MaxBlocksPerMultiprocessor:  1025,
		RegistersPerBlock:           1071,
		RegistersPerMultiprocessor:  1072,
		TotalConstantMem:            1083,
		ClockRateKHz:                1005,
		MemoryClockRateKHz:          1060,
		MemoryBusWidth:              1059,
		L2CacheSize:                 1019,
		MaxPitch:                    1058,
		TextureAlignment:            1081,
		PitchAlignment:              1082,
		AsyncEngineCount:            1002,
		PCIDomainID:                 1069,
		PCIBusID:                    1067,
		PCIDeviceID:                 1068,
		Integrated:                  true, CanMapHostMemory: true, UnifiedAddressing: true, ManagedMemory: true,
		ConcurrentManagedAccess: true, ConcurrentKernels: true, CooperativeLaunch: true, ECCEnabled: true,
		HostRegisterSupported: true, MemoryPoolsSupported: true,
		StreamPriorityLeast: 0, StreamPriorityGreatest: -1,
		Arch: "gfx90a",
	}
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		if w, g := wv.Field(i).Interface(), gv.Field(i).Interface(); !reflect.DeepEqual(w, g) {
			t.Errorf("DeviceInfo.%s = %v, want %v", wv.Type().Field(i).Name, g, w)
		}
	}
	if v(hipabi.HipDeviceAttributeWarpSize) != 1087 {
		t.Fatalf("hip.HipDeviceAttributeWarpSize is not 87")
	}
}

func TestDeviceInfoFallbacks(t *testing.T) {
	// ROCm 5 has no hipDeviceAttributeHostRegisterSupported; a runtime that
	// does not answer SharedMemPerMultiprocessor falls back to HIP's own
	// MaxSharedMemoryPerMultiprocessor; a reversed priority range is put
	// in order; a zero UUID is replaced by a stable synthetic one.
	f := deviceFacts{
		ordinal: 0, name: "gpu", totalMem: 1 << 30, gcnArch: "gfx942",
		attr: fakeAttrs(hipabi.HipDeviceAttributeHostRegisterSupported, hipabi.HipDeviceAttributeSharedMemPerMultiprocessor,
			hipabi.HipDeviceAttributeIntegrated),
		least: -1, greatest: 0,
	}
	got := deviceInfo(f)
	if !got.HostRegisterSupported {
		t.Errorf("HostRegisterSupported false without the attribute; hipHostRegister is always there")
	}
	if got.Integrated {
		t.Errorf("Integrated true although the attribute failed")
	}
	if got.SharedMemPerMultiprocessor != 1000+int(hipabi.HipDeviceAttributeMaxSharedMemoryPerMultiprocessor) {
		t.Errorf("SharedMemPerMultiprocessor = %d, want the fallback attribute's", got.SharedMemPerMultiprocessor)
	}
	if got.StreamPriorityLeast != 0 || got.StreamPriorityGreatest != -1 {
		t.Errorf("priority range least %d greatest %d, want 0, -1", got.StreamPriorityLeast, got.StreamPriorityGreatest)
	}
	if got.UUID == ([16]byte{}) {
		t.Errorf("zero UUID not replaced")
	}
	if again := deviceInfo(f); again.UUID != got.UUID {
		t.Errorf("synthetic UUID not stable")
	}
	f.ordinal = 1
	if other := deviceInfo(f); other.UUID == got.UUID {
		t.Errorf("two devices share a synthetic UUID")
	}
	// Every attribute failing leaves the counts zero, not garbage.
	none := deviceInfo(deviceFacts{name: "x", attr: func(hipabi.DeviceAttribute) (int, error) { return 7, errors.New("no") }})
	if none.WarpSize != 0 || none.MaxThreadsPerBlock != 0 {
		t.Errorf("failed attributes were used: %+v", none)
	}
}

func TestArchName(t *testing.T) {
	for in, want := range map[string]string{
		"gfx90a:sramecc+:xnack-": "gfx90a",
		"gfx942":                 "gfx942",
		"gfx1100 ":               "gfx1100",
		"gfx90a:xnack-":          "gfx90a",
		"":                       "",
		":":                      "",
	} {
		if got := archName(in); got != want {
			t.Errorf("archName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	for _, tc := range []struct {
		target, arch string
		ok           bool
	}{
		{"gfx90a", "gfx90a", true},
		{"gfx90a:xnack-", "gfx90a", true},
		{"gfx942", "gfx90a", false},
		{"gfx90a", "gfx942", false},
		{"", "gfx90a", true}, // no target recorded: the runtime decides
		{"gfx90a", "", true}, // device name unknown: the runtime decides
	} {
		err := checkTarget(tc.target, tc.arch)
		if (err == nil) != tc.ok {
			t.Errorf("checkTarget(%q, %q) = %v", tc.target, tc.arch, err)
		}
		if err != nil && !errors.Is(err, hal.ErrNoBinaryForDevice) {
			t.Errorf("checkTarget(%q, %q) = %v, want ErrNoBinaryForDevice", tc.target, tc.arch, err)
		}
	}
}
