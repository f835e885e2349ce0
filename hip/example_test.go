package hip_test

import (
	"fmt"
	"path/filepath"
	"unsafe"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/hip"
)

// Example adds two vectors with the HIP API, on the default streamhal
// device (the CPU unless STREAM_HAL_TEST_TARGET says otherwise), then shows
// what a failing call returns.
func Example() {
	defer hip.HALDeinit()
	dir, err := haltest.TestdataDir()
	if err != nil {
		panic(err)
	}
	module, err := hip.ModuleLoad(filepath.Join(dir, "vector_add.fat"))
	if err != nil {
		panic(err)
	}
	defer hip.ModuleUnload(module)
	kernel, err := hip.ModuleGetFunction(module, "vector_add")
	if err != nil {
		panic(err)
	}

	const n = 8
	a := []float32{0, 1, 2, 3, 4, 5, 6, 7}
	b := []float32{0, 4, 8, 12, 16, 20, 24, 28}
	c := make([]float32, n)
	dA, _ := hip.Malloc(4 * n)
	dB, _ := hip.Malloc(4 * n)
	dC, _ := hip.Malloc(4 * n)
	defer hip.Free(dA)
	defer hip.Free(dB)
	defer hip.Free(dC)
	hip.MemcpyHtoD(dA, a, 4*n)
	hip.MemcpyHtoD(dB, b, 4*n)

	count := uint32(n)
	args := []unsafe.Pointer{unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&count)}
	if err := hip.ModuleLaunchKernel(kernel, 1, 1, 1, n, 1, 1, 0, nil, args, nil); err != nil {
		panic(err)
	}
	if err := hip.MemcpyDtoH(c, dC, 4*n); err != nil {
		panic(err)
	}
	fmt.Println(c)

	// Freeing an address that is no allocation fails with
	// hipErrorInvalidValue; HIP's last error records it, and
	// LastErrorDetail says what was wrong.
	err = hip.Free(0x1234)
	fmt.Println(err == hip.HipErrorInvalidValue, int(err.(hip.Error)))
	fmt.Println(hip.GetLastError())
	fmt.Println(hip.LastErrorDetail())
	// Output:
	// [0 5 10 15 20 25 30 35]
	// true 1
	// hipErrorInvalidValue: invalid argument
	// hip: hipFree: hipErrorInvalidValue: streaming: free 0x1234: not an allocation: invalid value
}
