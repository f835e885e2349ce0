package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// benchIDs are the rows every run produces, in order.
var benchIDs = []string{"launch_enqueue", "launch_sync", "event_sync", "host_func_sync", "htod_pageable", "htod_pinned",
	"dtoh_pageable", "dtoh_pinned", "dtod", "vector_add", "graph_per_node", "pool_alloc"}

// withBaselineOnCPU are the rows that have a baseline on the CPU backend.
var withBaselineOnCPU = map[string]bool{"launch_sync": true, "event_sync": true, "host_func_sync": true, "htod_pageable": true, "htod_pinned": true,
	"dtoh_pageable": true, "dtoh_pinned": true, "dtod": true, "vector_add": true, "graph_per_node": true, "pool_alloc": true}

func TestBenchQuickJSON(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "bench", "-quick", "-json", "-backend", "cpu", "-module", testModule)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var r benchJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Version != 1 || !r.Quick || r.Device.Backend != "cpu" || r.Module != testModule {
		t.Errorf("header %+v", r)
	}
	if len(r.Rows) != len(benchIDs) || benchRowCount != len(benchIDs) {
		t.Fatalf("%d rows, want %d:\n%s", len(r.Rows), len(benchIDs), out)
	}
	good := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	for i, row := range r.Rows {
		if row.ID != benchIDs[i] {
			t.Errorf("row %d id %q, want %q", i, row.ID, benchIDs[i])
		}
		if !good(row.Value) || row.Unit == "" || row.Name == "" || row.BaselineName == "" || row.Rounds < 3 || row.OpsPerRound < 1 {
			t.Errorf("row %s: %+v", row.ID, row)
		}
		if !withBaselineOnCPU[row.ID] {
			if row.Baseline != nil || row.Ratio != nil {
				t.Errorf("row %s has a baseline: %+v", row.ID, row)
			}
			continue
		}
		if row.Baseline == nil || row.Ratio == nil || !good(*row.Baseline) || !good(*row.Ratio) {
			t.Errorf("row %s: no baseline: %+v", row.ID, row)
			continue
		}
		// ratio is time over baseline time: value/baseline for times,
		// baseline/value for bandwidths.
		want := row.Value / *row.Baseline
		if row.Unit == "GB/s" {
			want = *row.Baseline / row.Value
		}
		if math.Abs(*row.Ratio-want) > 1e-9*want {
			t.Errorf("row %s: ratio %v, want %v from value and baseline", row.ID, *row.Ratio, want)
		}
	}
	for i, row := range r.Rows {
		if want := fmt.Sprintf("bench: [%d/%d] %s ...\n", i+1, len(benchIDs), row.Name); !strings.Contains(errs, want) {
			t.Errorf("stderr lacks progress line %q:\n%s", want, errs)
		}
	}
}

func TestBenchQuickText(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "bench", "-quick", "-module", testModule)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	names := []string{"launch enqueue (empty kernel)", "launch + synchronize", "event record + synchronize",
		"HtoD pageable 4 MiB", "HtoD page-locked 4 MiB", "DtoH pageable 4 MiB", "DtoH page-locked 4 MiB",
		"DtoD 4 MiB", "vector_add 1M floats", "graph replay per node (1000-node chain)", "pool MallocAsync+FreeAsync 1 MiB"}
	lines := strings.Split(out, "\n")
	num := `[0-9][0-9.e+-]*`
	for _, name := range names {
		re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + ` +(` + num + `) +(us|ms|GB/s|ns/node) +(` + num + `|-) +(` + num + `|-) +\S`)
		found := false
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				found = true
				if name != "launch enqueue (empty kernel)" && (m[3] == "-" || m[4] == "-") {
					t.Errorf("row %q has no baseline: %q", name, l)
				}
			}
		}
		if !found {
			t.Errorf("no row %q with numbers in:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "ratio = operation time / baseline time") {
		t.Errorf("no ratio legend:\n%s", out)
	}
}

func TestBenchErrors(t *testing.T) {
	cleanEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-module", "/nonexistent/mod.fat"}, exitError, "/nonexistent/mod.fat"},
		{[]string{"-module", "../../testdata/vector_add.fat", "-quick"}, exitError, "bench needs the empty and vector_add"},
		{[]string{"-device", "7"}, exitUsage, "-device 7"},
		{[]string{"-backend", "nosuch"}, exitUsage, `"nosuch"`},
		{[]string{"-backend", fakeDriver}, exitError, "libzz.so.1 not found"},
	} {
		out, errs, code := runCmd(t, append([]string{"bench"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("bench %q: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}

func TestMedianAndNum(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	for v, want := range map[float64]string{12345.6: "12346", 123.46: "123.5", 12.346: "12.35", 1.2346: "1.235", 0.0012: "0.0012"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestBenchCUDAOnMock runs "streamhal bench -backend cuda" against
// mockcuda (hal/cuda's C test double of libcuda, built here as
// libcuda.so.1) in a child process, so that the CUDA rows and their
// plain-C libcuda baselines run without a GPU: every row must have a
// baseline, and every one the libcuda one (the pool row: cuMemAllocAsync,
// with the driver's native pool).
func TestBenchCUDAOnMock(t *testing.T) {
	if os.Getenv(benchChildEnv) != "" {
		benchCUDAChild(t)
		return
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skipf("no C compiler to build mockcuda: %v", err)
	}
	dir := t.TempDir()
	build := exec.Command(cc, "-shared", "-fPIC", "-O1", "-pthread", "-o", filepath.Join(dir, "libcuda.so.1"),
		filepath.Join("..", "..", "hal", "cuda", "testdata", "mockcuda", "mockcuda.c"))
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building mockcuda: %v\n%s", err, msg)
	}
	outFile := filepath.Join(dir, "bench.json")
	child := exec.Command(os.Args[0], "-test.run=^TestBenchCUDAOnMock$", "-test.count=1")
	child.Env = append(os.Environ(), benchChildEnv+"="+outFile, "LD_LIBRARY_PATH="+dir)
	if msg, err := child.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, msg)
	}
	out, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	var r benchJSON
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Device.Backend != "cuda" || !strings.HasPrefix(r.Device.Name, "Mock CUDA Device") {
		t.Fatalf("device %+v, want mockcuda's device 0", r.Device)
	}
	if len(r.Rows) != len(benchIDs) {
		t.Fatalf("%d rows, want %d:\n%s", len(r.Rows), len(benchIDs), out)
	}
	good := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	for i, row := range r.Rows {
		if row.ID != benchIDs[i] {
			t.Errorf("row %d id %q, want %q", i, row.ID, benchIDs[i])
		}
		if !good(row.Value) || row.Baseline == nil || row.Ratio == nil || !good(*row.Baseline) || !good(*row.Ratio) || row.Rounds < 3 {
			t.Errorf("row %s: no baseline or bad values: %+v", row.ID, row)
			continue
		}
		if !strings.HasPrefix(row.BaselineName, cBase("")) {
			t.Errorf("row %s: baseline %q", row.ID, row.BaselineName)
		}
	}
}

// benchChildEnv names the file where the child of TestBenchCUDAOnMock
// writes its JSON.
const benchChildEnv = "STREAMHAL_TEST_BENCH_CUDA_OUT"

func benchCUDAChild(t *testing.T) {
	cleanEnv(t)
	out, errs, code := runCmd(t, "bench", "-quick", "-json", "-backend", "cuda", "-module", testModule)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if err := os.WriteFile(os.Getenv(benchChildEnv), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}
