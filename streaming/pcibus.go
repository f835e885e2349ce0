package streaming

import (
	"fmt"
	"strconv"
	"strings"
)

// DeviceByPCIBusID returns the device at a PCI location written as CUDA and
// HIP accept it (cuDeviceGetByPCIBusId, hipDeviceGetByPCIBusId), in hex:
// "domain:bus:device.function", "domain:bus:device" or "bus:device.function"
// (domain 0). ErrInvalidValue for a malformed string, ErrInvalidDevice when
// no device is there.
func (rt *Runtime) DeviceByPCIBusID(id string) (*Device, error) {
	domain, bus, dev, err := parsePCIBusID(id)
	if err != nil {
		return nil, err
	}
	for _, d := range rt.devices {
		if d.info.PCIDomainID == domain && d.info.PCIBusID == bus && d.info.PCIDeviceID == dev {
			return d, nil
		}
	}
	return nil, fmt.Errorf("streaming: no device at PCI location %q: %w", id, ErrInvalidDevice)
}

func parsePCIBusID(id string) (domain, bus, dev int, err error) {
	bad := func(why string) error {
		return fmt.Errorf("streaming: PCI bus id %q: %s (want [domain:]bus:device[.function] in hex): %w", id, why, ErrInvalidValue)
	}
	s := strings.TrimSpace(id)
	fn := ""
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s, fn = s[:i], s[i+1:]
		if _, err := strconv.ParseUint(fn, 16, 8); err != nil {
			return 0, 0, 0, bad("bad function number")
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) == 2 && fn == "" || len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, bad("wrong number of fields")
	}
	if len(parts) == 2 {
		parts = append([]string{"0"}, parts...)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 16, 32)
		if err != nil || p == "" {
			return 0, 0, 0, bad("field " + strconv.Quote(p) + " is not a hex number")
		}
		v[i] = int(n)
	}
	return v[0], v[1], v[2], nil
}
