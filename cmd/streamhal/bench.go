package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

const benchUsage = `Usage: streamhal bench [-backend NAME] [-device N] [-module FILE] [-quick] [-json]

Runs the standard benchmark table on one device (the default device, or the
first device of -backend, or -device N): each row against its baseline,
measured in the same run with the operation and the baseline alternating in
one loop, so that machine noise hits both. Values are medians over the
rounds. ratio is the operation's time over its baseline's time: 1.00 is
parity, below 1 faster than the baseline, above 1 slower.

Rows: launch enqueue (empty kernel, in runs of 64 launches between
untimed synchronizes; absolute on the CPU), launch+synchronize,
event record+synchronize and host function+synchronize round trips, HtoD
and DtoH bandwidth from page-locked and from pageable memory, DtoD
bandwidth, vector_add of 64M floats, graph replay cost per node (a
1000-node chain of empty kernels against the same launches issued
eagerly), and pool MallocAsync+FreeAsync.

Baselines on the CPU backend: a Go channel round trip to a goroutine (the
floor of any cross-thread hand-off) for the round trips; Go's copy of the
same size for the copies; hal/cpu/cbench.Pool (plain C on a persistent
pthread pool over all cores, on the same memory) for vector_add; the same
launches issued eagerly for the graph row; Malloc+Free for the pool row.

On the CUDA backend every row has a plain-C baseline (hal/cuda's
cbaseline.go): loops in C that call libcuda in the same process, each in
one call that makes the context current once, as a C program would:
cuLaunchKernel, cuStreamSynchronize, cuEventRecord and cuEventSynchronize
for the launch and event rows, cuLaunchHostFunc of an empty C function for
the host function row, cuMemcpyHtoD, cuMemcpyDtoH and cuMemcpyAsync on the
same buffers for the copies, the same vector_add launch, the same chain as
a native CUDA graph for the graph row, and cuMemAllocAsync+cuMemFreeAsync
for the pool row.

On the Vulkan backend the baseline is plain C on the same device and
VkQueue in the same process (hal/vulkan's cbaseline.c): the empty dispatch
recorded, submitted with vkQueueSubmit and waited for on a timeline
semaphore; an empty submission signalling the timeline for the event row;
memcpy into and out of the same mapped device memory for HtoD and DtoH;
vkCmdCopyBuffer of the same buffers for DtoD; the same vector_add pipeline
on the same buffers. The host function, graph and pool rows have none
there (the graph row compares with eager launches, the pool row with
Malloc+Free), and on HIP the rows without a host baseline say "n/a".

Progress goes to standard error, the table (or JSON with -json) to standard
output. -quick uses small sizes and short rounds (a few seconds in all); the
full run takes about a minute.
`

// benchJSON is the documented shape of "streamhal bench -json" (version 1).
type benchJSON struct {
	Version int         `json:"version"`
	Device  benchDevice `json:"device"`
	Module  string      `json:"module"`
	Quick   bool        `json:"quick"`
	Rows    []benchRow  `json:"rows"`
}

type benchDevice struct {
	Ordinal int    `json:"ordinal"`
	Name    string `json:"name"`
	Backend string `json:"backend"`
}

// benchRow is one measured operation. Baseline and Ratio are null when the
// row has no baseline on this backend; BaselineName then says why.
type benchRow struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Value        float64  `json:"value"`
	Unit         string   `json:"unit"`
	Baseline     *float64 `json:"baseline"`
	BaselineName string   `json:"baseline_name"`
	Ratio        *float64 `json:"ratio"` // operation time / baseline time
	Rounds       int      `json:"rounds"`
	OpsPerRound  int      `json:"ops_per_round"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchUsage, stderr)
	backend := fs.String("backend", "", "benchmark the first device of this backend: cpu, cuda, hip (or amdgpu), vulkan")
	var device deviceFlag
	fs.Var(&device, "device", "benchmark the device with ordinal `N` (see streamhal devices; default: the default device)")
	module := fs.String("module", "", "module with the empty and vector_add kernels (default: "+testKernelsRel+" found from the working directory or the source)")
	quick := fs.Bool("quick", false, "small sizes and short rounds (a few seconds)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *module == "" {
		p, err := findTestKernels()
		if err != nil {
			return err
		}
		*module = p
	}
	rt, dev, err := openDevice(*backend, device, stderr)
	if err != nil {
		return err
	}
	defer rt.Close()
	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	rows, err := benchOn(dev, *module, cfg, stderr)
	if err != nil {
		return err
	}
	out := benchJSON{Version: 1, Device: benchDevice{Ordinal: dev.Ordinal(), Name: dev.Name(), Backend: dev.Backend()},
		Module: *module, Quick: *quick, Rows: rows}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeBenchText(stdout, out)
	return nil
}

// countName writes 1<<20 as 1M and 64<<20 as 64M.
func countName(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// num formats a measurement with about four significant digits and no
// exponent.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01 || a == 0:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func writeBenchText(w io.Writer, r benchJSON) {
	mode := "full run"
	if r.Quick {
		mode = "quick run"
	}
	fmt.Fprintf(w, "streamhal bench: device %d: %s (%s), %s\n\n", r.Device.Ordinal, r.Device.Name, r.Device.Backend, mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tvalue\tunit\tbaseline\tratio\tbaseline is")
	for _, row := range r.Rows {
		base, ratio := "-", "-"
		if row.Baseline != nil {
			base = num(*row.Baseline)
		}
		if row.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *row.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", row.Name, num(row.Value), row.Unit, base, ratio, row.BaselineName)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nratio = operation time / baseline time (below 1: faster than the baseline); medians of alternating rounds")
}
