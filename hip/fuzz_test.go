package hip_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hip"
)

// pciID is an independent reading of the PCI bus id syntax.
var pciID = regexp.MustCompile(`^(?:([0-9a-fA-F]+):)?([0-9a-fA-F]+):([0-9a-fA-F]+)(?:\.([0-9a-fA-F]+))?$`)

// FuzzDeviceGetByPCIBusId feeds arbitrary strings to the PCI bus id parser:
// it must never panic, must answer a device or HipErrorInvalidValue, must
// find a device exactly when the string is well formed and names that
// device's location.
func FuzzDeviceGetByPCIBusId(f *testing.F) {
	for _, s := range []string{"0000:00:00.0", "0000:00:01.0", "00:01.0", "0:0:1", "ff:1f.7", "", ":", "::", "0000:00:00.0.0",
		"g:0:0", "-1:0:0", "0x0:0:0", " 0000:00:02.0 ", "FFFF:FF:FF.F", "1:2:3:4", "0:0:0zz", "\n0:0"} {
		f.Add(s)
	}
	rt := setup(f, 3)
	f.Fuzz(func(t *testing.T, id string) {
		d, err := hip.DeviceGetByPCIBusId(id)
		if err != nil && err != hip.HipErrorInvalidValue {
			t.Fatalf("DeviceGetByPCIBusId(%q) = %v", id, err)
		}
		// The reference: which device, if any, the string names.
		want := -1
		if m := pciID.FindStringSubmatch(strings.TrimSpace(id)); m != nil {
			var loc [3]uint64
			okNum := true
			for i, field := range []string{m[1], m[2], m[3]} {
				if field == "" {
					continue // no domain: domain 0
				}
				v, err := strconv.ParseUint(field, 16, 31)
				okNum = okNum && err == nil
				loc[i] = v
			}
			if m[4] != "" {
				_, err := strconv.ParseUint(m[4], 16, 8)
				okNum = okNum && err == nil
			}
			for _, dev := range rt.Devices() {
				info := dev.Info()
				if okNum && uint64(info.PCIDomainID) == loc[0] && uint64(info.PCIBusID) == loc[1] && uint64(info.PCIDeviceID) == loc[2] {
					want = dev.Ordinal()
				}
			}
		}
		if want < 0 && err == nil {
			t.Fatalf("DeviceGetByPCIBusId(%q) = device %d, want none", id, d)
		}
		if want >= 0 && (err != nil || int(d) != want) {
			t.Fatalf("DeviceGetByPCIBusId(%q) = %d, %v; want device %d", id, d, err, want)
		}
	})
}
