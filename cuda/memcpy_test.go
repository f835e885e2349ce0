package cuda_test

import (
	"math"
	"slices"
	"testing"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/streaming"
)

// TestMemcpyHostArgs checks the host-memory arguments of the copies: an
// unsafe.Pointer as in C, or a slice of numbers, whose length bounds the
// byte count (package hip's rule too); a DevicePtr, a value of another
// type or a slice too short is CUDA_ERROR_INVALID_VALUE, never a copy past
// the slice.
func TestMemcpyHostArgs(t *testing.T) {
	setup(t, streaming.Options{})
	primary(t)
	const n = 64
	d := alloc(t, 4*n)
	src := seq(n, func(i int) float32 { return float32(3*i + 1) })
	ok(t, cuda.MemcpyHtoD(d, src, 4*n)) // a slice
	got := poisoned(n)
	ok(t, cuda.MemcpyDtoH(unsafe.Pointer(&got[0]), d, 4*n)) // a pointer
	if !slices.Equal(got, src) {
		t.Fatalf("round trip: got %v, want %v", got[:4], src[:4])
	}
	got = poisoned(n)
	ok(t, cuda.MemcpyDtoH(got, d, 4*n))
	if !slices.Equal(got, src) {
		t.Fatalf("round trip into a slice: got %v, want %v", got[:4], src[:4])
	}
	wantErr(t, "HtoD past the end of the slice", cuda.MemcpyHtoD(d, src[:n/2], 4*n), cuda.CUDA_ERROR_INVALID_VALUE)
	short := poisoned(n / 2)
	wantErr(t, "DtoH past the end of the slice", cuda.MemcpyDtoH(short, d, 4*n), cuda.CUDA_ERROR_INVALID_VALUE)
	if !math.IsNaN(float64(short[0])) { // poisoned: untouched
		t.Errorf("a refused DtoH wrote %v", short[0])
	}
	wantErr(t, "DevicePtr as host memory", cuda.MemcpyHtoD(d, d, 4), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "a string as host memory", cuda.MemcpyHtoD(d, "abcd", 4), cuda.CUDA_ERROR_INVALID_VALUE)
	wantErr(t, "NULL host pointer", cuda.MemcpyDtoH(nil, d, 4), cuda.CUDA_ERROR_INVALID_VALUE)
	s := stream(t, cuda.CU_STREAM_NON_BLOCKING)
	wantErr(t, "async past the end", cuda.MemcpyHtoDAsync(d, src[:1], 8, s), cuda.CUDA_ERROR_INVALID_VALUE)
	ok(t, cuda.MemcpyHtoD(d, nil, 0)) // nothing to copy
}
