package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestCompareBuffers(t *testing.T) {
	f32, _ := lookupType("f32")
	one := float32(1)
	next := math.Nextafter32(one, 2)
	next2 := math.Nextafter32(next, 2)
	nan := float32(math.NaN())
	a := f32bytes(one, one, one, nan, 0, 0, 5)
	b := f32bytes(one, next, next2, nan, float32(math.Copysign(0, -1)), 0, nan)
	// -0 and +0 are 0 ulp apart (equal as floats); NaN == NaN; NaN != 5.
	n, diffs := compareBuffers(f32, a, b, 0, 10)
	if n != 3 {
		t.Errorf("ulp 0: %d differences, want 3 (1 ulp, 2 ulp, NaN vs 5; +0 and -0 are equal): %+v", n, diffs)
	}
	n, diffs = compareBuffers(f32, a, b, 1, 10)
	if n != 2 || diffs[0].index != 2 || diffs[0].note != " (2 ulp)" || diffs[1].index != 6 {
		t.Errorf("ulp 1: %d differences %+v, want [2] (2 ulp) and [6] (NaN)", n, diffs)
	}
	n, diffs = compareBuffers(f32, a, b, 1, 1)
	if n != 2 || len(diffs) != 1 {
		t.Errorf("-show 1: %d differences, %d shown", n, len(diffs))
	}
	u32, _ := lookupType("u32")
	if n, _ := compareBuffers(u32, a, b, 100, 10); n != 4 {
		t.Errorf("u32 (no tolerance): %d differences, want 4", n)
	}
}

// TestCheckAgrees runs vector_add on the CPU twice, and on the CPU and
// Vulkan when Vulkan is present (STREAM_HAL_REQUIRE=vulkan makes its
// absence a failure).
func TestCheckAgrees(t *testing.T) {
	fat, err := findTestKernels()
	if err != nil {
		t.Skip(err)
	}
	args := []string{"check", "-module", fat, "-kernel", "vector_add", "-grid", "4", "-block", "256",
		"-args", "buf:f32:1000=gen:rand:1 buf:f32:1000=gen:rand:2 buf:f32:1000=zero u32:1000"}
	for _, pair := range []string{"cpu,cpu", "cpu,vulkan"} {
		t.Run(pair, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append(args, "-backends", pair), &stdout, &stderr)
			if pair == "cpu,vulkan" && code != exitOK && strings.Contains(stderr.String(), "vulkan") &&
				!strings.Contains(stdout.String(), "differ") {
				if haltest.Require("vulkan") {
					t.Fatalf("vulkan: %s", &stderr)
				}
				t.Skipf("vulkan not available: %s", &stderr)
			}
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
			}
			want := strings.Replace(pair, ",", " and ", 1) + " agree"
			if !strings.Contains(stdout.String(), want) || !strings.Contains(stdout.String(), "arg 2 (buf:f32:1000=zero): 1000 elements equal") {
				t.Errorf("output:\n%s", &stdout)
			}
		})
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-grid", "1"},
		{"-kernel", "k", "-backends", "cpu"},
		{"-kernel", "k", "-show", "-1", "-backends", "cpu,cpu"},
		{"-kernel", "k", "-args", "buf:q9:4=zero", "-backends", "cpu,cpu"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"check"}, args...), &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", args, code, exitUsage, &stderr)
		}
	}
}
