package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/streaming"
)

// openReference opens a runtime the way the command does, as the
// independent source of the expected device list.
func openReference(t *testing.T) *streaming.Runtime {
	t.Helper()
	rt, err := streaming.Open(streaming.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func TestDevicesText(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "devices")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	rt := openReference(t)
	for _, d := range rt.Devices() {
		for _, want := range []string{
			"Device " + itoa(d.Ordinal()) + ": " + d.Name(),
			"PCI bus id:", d.PCIBusID(), formatUUID(d.UUID()),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	}
	for _, re := range []string{
		`(?m)^  Backend: +cpu \(device 0 of the backend, arch \w+\)$`,
		`(?m)^  Max threads per block: +[1-9]\d*$`,
		`(?m)^  Multiprocessors: +[1-9]\d*$`,
		`(?m)^  Warp size: +[1-9]\d*$`,
		`(?m)^  Compute capability: +\d+\.\d+$`,
		`(?m)^  Shared memory per block: +\S+ \S+ \(opt-in \S+ \S+\)$`,
		`(?m)^  Total memory: +\S+ \S+ \([1-9]\d* bytes\)`,
		`(?m)^  cpu +available, 1 device$`,
		`(?m)^  ` + fakeDriver + ` +not available: hal: ` + fakeDriver + `: libzz\.so\.1 not found: not available$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}
	if len(rt.Devices()) == 1 && strings.Contains(out, "Peer access") {
		t.Errorf("peer matrix printed for one device:\n%s", out)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestDevicesJSON parses the JSON and checks its documented shape and
// values against the runtime's own answers.
func TestDevicesJSON(t *testing.T) {
	cleanEnv(t)
	t.Setenv(streaming.EnvCPUDevices, "3")
	// A fixed CPU memory budget: by default it is the host's available
	// memory when each runtime opens, which moves between the command's
	// runtime and the reference one.
	t.Setenv("STREAM_HAL_CPU_MEMORY", "8GiB")
	out, errs, code := runCmd(t, "devices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var r devicesJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	// Every documented key is present (decoding into a map, not the
	// command's own struct).
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "devices", "peer_access", "backends"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("top-level key %q missing", k)
		}
	}
	dev0 := raw["devices"].([]any)[0].(map[string]any)
	for _, k := range []string{"ordinal", "name", "backend", "backend_ordinal", "arch", "uuid", "pci_bus_id",
		"total_memory_bytes", "free_memory_bytes", "compute_capability", "compute_major", "compute_minor",
		"multiprocessors", "max_threads_per_block", "max_block_dim", "max_grid_dim",
		"shared_memory_per_block_bytes", "shared_memory_per_block_optin_bytes", "warp_size", "peer_access"} {
		if _, ok := dev0[k]; !ok {
			t.Errorf("device key %q missing", k)
		}
	}
	if r.Version != 1 {
		t.Errorf("version %d", r.Version)
	}
	rt := openReference(t)
	devs := rt.Devices()
	cpus := 0
	for _, d := range devs {
		if d.Backend() == "cpu" {
			cpus++
		}
	}
	if len(r.Devices) != len(devs) || cpus != 3 {
		t.Fatalf("%d devices in JSON, runtime has %d with %d CPU devices (want 3 CPU devices)", len(r.Devices), len(devs), cpus)
	}
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for i, d := range devs {
		j := r.Devices[i]
		info := d.Info()
		if j.Ordinal != i || j.Name != d.Name() || j.Backend != d.Backend() || j.TotalMemory != d.TotalMemory() ||
			j.MaxThreadsPerBlock != info.MaxThreadsPerBlock || j.Multiprocessors != info.MultiprocessorCount ||
			j.WarpSize != info.WarpSize || j.SharedMemPerBlock != info.SharedMemPerBlock || j.PCIBusID != d.PCIBusID() ||
			j.MaxBlockDim != info.MaxBlockDim || j.MaxGridDim != info.MaxGridDim {
			t.Errorf("device %d: JSON %+v does not match the runtime's %+v", i, j, info)
		}
		if !uuidRE.MatchString(j.UUID) {
			t.Errorf("device %d: uuid %q", i, j.UUID)
		}
		if j.MaxThreadsPerBlock < 1 || j.TotalMemory == 0 || j.FreeMemory == 0 {
			t.Errorf("device %d: implausible %+v", i, j)
		}
	}
	if len(r.Peer) != len(devs) {
		t.Fatalf("peer matrix %v", r.Peer)
	}
	for i := range devs {
		if len(r.Peer[i]) != len(devs) {
			t.Fatalf("peer matrix %v", r.Peer)
		}
		var list []int
		for j := range devs {
			want := devs[i].CanAccessPeer(devs[j])
			if r.Peer[i][j] != want {
				t.Errorf("peer_access[%d][%d] = %v, CanAccessPeer says %v", i, j, r.Peer[i][j], want)
			}
			if want {
				list = append(list, j)
			}
		}
		if !equalInts(r.Devices[i].PeerAccess, list) {
			t.Errorf("device %d peer_access %v, want %v", i, r.Devices[i].PeerAccess, list)
		}
	}
	// CPU devices of one runtime reach each other's memory; nobody is its
	// own peer.
	if !r.Peer[0][1] || !r.Peer[2][0] || r.Peer[1][1] {
		t.Errorf("peer matrix %v", r.Peer)
	}
	found := map[string]backendJSON{}
	for _, b := range r.Backends {
		found[b.Name] = b
	}
	if b := found["cpu"]; !b.Available || b.Devices != 3 || b.Error != "" {
		t.Errorf("cpu backend %+v", b)
	}
	if b := found[fakeDriver]; b.Available || !strings.Contains(b.Error, "libzz.so.1 not found") {
		t.Errorf("%s backend %+v", fakeDriver, b)
	}
	// The text form prints the same matrix.
	txt, _, _ := runCmd(t, "devices")
	if !regexp.MustCompile(`(?m)^ +0 +- +yes +yes( +no)*$`).MatchString(txt) {
		t.Errorf("text peer matrix:\n%s", txt)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDevicesBackendFlag(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "devices", "-backend", "cpu")
	if code != exitOK || !strings.Contains(out, "Device 0:") || strings.Contains(out, fakeDriver) {
		t.Errorf("-backend cpu: exit %d\n%s%s", code, out, errs)
	}

	out, errs, code = runCmd(t, "devices", "-backend", fakeDriver)
	if code != exitError || strings.Contains(out, "Device 0") ||
		!strings.Contains(out, fakeDriver+"  not available: hal: "+fakeDriver+": libzz.so.1 not found") {
		t.Errorf("-backend %s: exit %d\n%s%s", fakeDriver, code, out, errs)
	}
	out, _, code = runCmd(t, "devices", "-backend", fakeDriver, "-json")
	var r devicesJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitError || len(r.Devices) != 0 ||
		len(r.Backends) != 1 || r.Backends[0].Available || r.Backends[0].Error == "" {
		t.Errorf("-backend %s -json: exit %d, %v\n%s", fakeDriver, code, err, out)
	}

	// STREAM_HAL_TEST_TARGET restricts the drivers as -backend does.
	t.Setenv(streaming.EnvTestTarget, fakeDriver)
	out, errs, code = runCmd(t, "devices")
	if code != exitError || !strings.Contains(out, fakeDriver+"  not available: hal: "+fakeDriver+": libzz.so.1 not found") {
		t.Errorf("%s=%s: exit %d\n%s%s", streaming.EnvTestTarget, fakeDriver, code, out, errs)
	}
	t.Setenv(streaming.EnvTestTarget, "")

	out, errs, code = runCmd(t, "devices", "-backend", "nosuch")
	if code != exitUsage || !strings.Contains(errs, `"nosuch"`) || !strings.Contains(errs, "cpu") {
		t.Errorf("-backend nosuch: exit %d\n%s%s", code, out, errs)
	}
}
