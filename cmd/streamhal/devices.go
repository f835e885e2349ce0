package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/streamhal/streamhal/streaming"
)

const devicesUsage = `Usage: streamhal devices [-backend NAME] [-json]

Lists every device of every backend (like deviceQuery or vulkaninfo
--summary): name, backend, ordinal, memory, compute capability (or the
backend's analogue), multiprocessors, block and grid limits, shared memory,
warp size, PCI bus id, UUID, and the peer access matrix; then one line per
driver saying whether it is available, and why not when it is not.

Without -backend every registered driver is tried and those that cannot run
(library not found, no device) are reported, not fatal. With -backend only
that driver is opened; the exit status is 1 when it has no device.

-json prints one JSON object (see the package documentation for its shape,
version 1).
`

// devicesJSON is the documented shape of "streamhal devices -json"
// (version 1). Fields are only ever added, never renamed or removed, within
// a version.
type devicesJSON struct {
	Version  int           `json:"version"`
	Devices  []deviceJSON  `json:"devices"`
	Peer     [][]bool      `json:"peer_access"` // [i][j]: devices[i] can access devices[j]'s memory
	Backends []backendJSON `json:"backends"`
}

type deviceJSON struct {
	Ordinal              int    `json:"ordinal"`
	Name                 string `json:"name"`
	Backend              string `json:"backend"`
	BackendOrdinal       int    `json:"backend_ordinal"`
	Arch                 string `json:"arch"`
	UUID                 string `json:"uuid"`
	PCIBusID             string `json:"pci_bus_id"`
	TotalMemory          uint64 `json:"total_memory_bytes"`
	FreeMemory           uint64 `json:"free_memory_bytes"`
	ComputeCapability    string `json:"compute_capability"`
	ComputeMajor         int    `json:"compute_major"`
	ComputeMinor         int    `json:"compute_minor"`
	Multiprocessors      int    `json:"multiprocessors"`
	MaxThreadsPerBlock   int    `json:"max_threads_per_block"`
	MaxBlockDim          [3]int `json:"max_block_dim"`
	MaxGridDim           [3]int `json:"max_grid_dim"`
	SharedMemPerBlock    int    `json:"shared_memory_per_block_bytes"`
	SharedMemPerBlockOpt int    `json:"shared_memory_per_block_optin_bytes"`
	WarpSize             int    `json:"warp_size"`
	ClockRateKHz         int    `json:"clock_rate_khz"`
	L2CacheSize          int    `json:"l2_cache_bytes"`
	Integrated           bool   `json:"integrated"`
	UnifiedAddressing    bool   `json:"unified_addressing"`
	ManagedMemory        bool   `json:"managed_memory"`
	ConcurrentKernels    bool   `json:"concurrent_kernels"`
	CooperativeLaunch    bool   `json:"cooperative_launch"`
	MemoryPools          bool   `json:"memory_pools"`
	PeerAccess           []int  `json:"peer_access"` // ordinals whose memory this device can access
}

type backendJSON struct {
	Name      string `json:"name"`
	Available bool   `json:"available"`
	Devices   int    `json:"devices"`
	Error     string `json:"error,omitempty"` // why the driver is not available
}

func runDevices(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devices", devicesUsage, stderr)
	backend := fs.String("backend", "", "only this backend: cpu, cuda, hip (or amdgpu), vulkan")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	rt, statuses, err := openRuntime(*backend, stderr)
	if err != nil {
		return err
	}
	var devs []*streaming.Device
	if rt != nil {
		defer rt.Close()
		devs = rt.Devices()
	}
	report := buildDevicesReport(devs, statuses)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		writeDevicesText(stdout, report)
	}
	if len(devs) == 0 {
		return errNoDevice
	}
	return nil
}

// formatUUID prints a UUID in the 8-4-4-4-12 form.
func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func buildDevicesReport(devs []*streaming.Device, statuses []streaming.BackendStatus) devicesJSON {
	r := devicesJSON{Version: 1, Devices: []deviceJSON{}, Peer: [][]bool{}, Backends: []backendJSON{}}
	for _, d := range devs {
		info := d.Info()
		major, minor := d.ComputeCapability()
		dj := deviceJSON{
			Ordinal: d.Ordinal(), Name: d.Name(), Backend: d.Backend(), BackendOrdinal: info.Ordinal, Arch: info.Arch,
			UUID: formatUUID(d.UUID()), PCIBusID: d.PCIBusID(), TotalMemory: d.TotalMemory(),
			ComputeCapability: fmt.Sprintf("%d.%d", major, minor), ComputeMajor: major, ComputeMinor: minor,
			Multiprocessors: info.MultiprocessorCount, MaxThreadsPerBlock: info.MaxThreadsPerBlock,
			MaxBlockDim: info.MaxBlockDim, MaxGridDim: info.MaxGridDim,
			SharedMemPerBlock: info.SharedMemPerBlock, SharedMemPerBlockOpt: info.SharedMemPerBlockOptin,
			WarpSize: info.WarpSize, ClockRateKHz: info.ClockRateKHz, L2CacheSize: info.L2CacheSize,
			Integrated: info.Integrated, UnifiedAddressing: info.UnifiedAddressing, ManagedMemory: info.ManagedMemory,
			ConcurrentKernels: info.ConcurrentKernels, CooperativeLaunch: info.CooperativeLaunch,
			MemoryPools: info.MemoryPoolsSupported, PeerAccess: []int{},
		}
		if free, _, err := d.MemGetInfo(); err == nil {
			dj.FreeMemory = free
		}
		row := make([]bool, len(devs))
		for j, p := range devs {
			row[j] = d.CanAccessPeer(p)
			if row[j] {
				dj.PeerAccess = append(dj.PeerAccess, p.Ordinal())
			}
		}
		r.Peer = append(r.Peer, row)
		r.Devices = append(r.Devices, dj)
	}
	for _, s := range statuses {
		b := backendJSON{Name: s.Name, Available: s.Err == nil, Devices: s.Devices}
		if s.Err != nil {
			b.Error = s.Err.Error()
		}
		r.Backends = append(r.Backends, b)
	}
	return r
}

// bytesIEC formats a byte count with a binary unit.
func bytesIEC(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

func plural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func writeDevicesText(w io.Writer, r devicesJSON) {
	avail := 0
	for _, b := range r.Backends {
		if b.Available {
			avail++
		}
	}
	fmt.Fprintf(w, "streamhal: %s, %s of %d available\n", plural(len(r.Devices), "device"), plural(avail, "backend"), len(r.Backends))
	for _, d := range r.Devices {
		fmt.Fprintf(w, "\nDevice %d: %s\n", d.Ordinal, d.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		line := func(k, format string, args ...any) { fmt.Fprintf(tw, "  %s:\t%s\n", k, fmt.Sprintf(format, args...)) }
		line("Backend", "%s (device %d of the backend, arch %s)", d.Backend, d.BackendOrdinal, d.Arch)
		line("Total memory", "%s (%d bytes), %s free", bytesIEC(d.TotalMemory), d.TotalMemory, bytesIEC(d.FreeMemory))
		line("Compute capability", "%s", d.ComputeCapability)
		line("Multiprocessors", "%d", d.Multiprocessors)
		line("Max threads per block", "%d", d.MaxThreadsPerBlock)
		line("Max block dimensions", "%d x %d x %d", d.MaxBlockDim[0], d.MaxBlockDim[1], d.MaxBlockDim[2])
		line("Max grid dimensions", "%d x %d x %d", d.MaxGridDim[0], d.MaxGridDim[1], d.MaxGridDim[2])
		line("Shared memory per block", "%s (opt-in %s)", bytesIEC(uint64(d.SharedMemPerBlock)), bytesIEC(uint64(d.SharedMemPerBlockOpt)))
		line("Warp size", "%d", d.WarpSize)
		if d.ClockRateKHz > 0 {
			line("Clock rate", "%d MHz", d.ClockRateKHz/1000)
		}
		if d.L2CacheSize > 0 {
			line("L2 cache", "%s", bytesIEC(uint64(d.L2CacheSize)))
		}
		line("Unified addressing", "%s", yesNo(d.UnifiedAddressing))
		line("Managed memory", "%s", yesNo(d.ManagedMemory))
		line("Memory pools", "%s", yesNo(d.MemoryPools))
		line("Cooperative launch", "%s", yesNo(d.CooperativeLaunch))
		line("PCI bus id", "%s", d.PCIBusID)
		line("UUID", "%s", d.UUID)
		tw.Flush()
	}
	if len(r.Devices) > 1 {
		fmt.Fprintf(w, "\nPeer access (row can access column's memory):\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "\t")
		for _, d := range r.Devices {
			fmt.Fprintf(tw, "%d\t", d.Ordinal)
		}
		fmt.Fprintln(tw)
		for i, row := range r.Peer {
			fmt.Fprintf(tw, "%d\t", r.Devices[i].Ordinal)
			for j, ok := range row {
				switch {
				case i == j:
					fmt.Fprint(tw, "-\t")
				default:
					fmt.Fprintf(tw, "%s\t", yesNo(ok))
				}
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nBackends:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, b := range r.Backends {
		if b.Available {
			fmt.Fprintf(tw, "  %s\tavailable, %s\n", b.Name, plural(b.Devices, "device"))
		} else {
			fmt.Fprintf(tw, "  %s\tnot available: %s\n", b.Name, oneLine(b.Error))
		}
	}
	tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// oneLine keeps a driver's message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
