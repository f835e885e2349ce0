package vulkan

import (
	"errors"
	"os"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

func TestSPIRVPointerParams(t *testing.T) {
	data, own := readTestModule(t)
	ptrs, err := spirvPointerParams(data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]bool{
		"vector_add":      {true, true, true, false},
		"saxpy":           {false, false, true, true},
		"matrix_multiply": {true, true, true, false, false, false},
		"reduce_sum":      {true, true, false},
	}
	if own {
		want["grid_probe"] = []bool{true, false, false}
	}
	for name, w := range want {
		got := ptrs[name]
		if len(got) != len(w) {
			t.Errorf("%s: %v, want %v", name, got, w)
			continue
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("%s: %v, want %v", name, got, w)
				break
			}
		}
	}
	if _, ok := ptrs["empty"]; ok {
		t.Errorf("empty has no push constants, got %v", ptrs["empty"])
	}
	for _, bad := range [][]byte{nil, data[:len(data)-4], data[:len(data)/2], []byte("garbage garbage garbage!")} {
		if _, err := spirvPointerParams(bad); err == nil && len(bad) != len(data)-4 {
			t.Errorf("%d bytes: no error", len(bad))
		} else if err != nil && !errors.Is(err, hal.ErrInvalidImage) {
			t.Errorf("%d bytes: %v, want invalid image", len(bad), err)
		}
	}
}

func FuzzSPIRVPointerParams(f *testing.F) {
	for _, name := range []string{"vk_test_kernels.spv", "vk_args_probe.spv"} {
		if p := testdataPath(f, name); p != "" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
				f.Add(b[:len(b)/2])
			}
		}
	}
	f.Add([]byte{0x03, 0x02, 0x23, 0x07, 0, 5, 1, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		ptrs, err := spirvPointerParams(data)
		if err != nil && !errors.Is(err, hal.ErrInvalidImage) {
			t.Fatalf("error %v does not wrap hal.ErrInvalidImage", err)
		}
		_ = ptrs
	})
}
