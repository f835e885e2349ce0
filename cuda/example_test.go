package cuda_test

import (
	"fmt"
	"log"
	"path/filepath"
	"unsafe"

	"github.com/streamhal/streamhal/cuda"
	"github.com/streamhal/streamhal/hal/haltest"
)

// check stops the example on an error, as CUDA_CHECK does in C.
func check(err error) {
	if err != nil {
		log.Fatalf("%v (%v)", err, cuda.LastErrorDetail())
	}
}

// Adding two vectors on the default device, with the calls a C program
// makes: the kernel's arguments are a pointer to each value.
func ExampleLaunchKernel() {
	check(cuda.Init(0))
	defer cuda.HALDeinit()
	dev, err := cuda.DeviceGet(0)
	check(err)
	ctx, err := cuda.CtxCreate(0, dev)
	check(err)
	defer cuda.CtxDestroy(ctx)

	// The repository's testdata/vector_add.fat, found from wherever the
	// test binary runs (STREAM_HAL_TESTDATA, the working directory and
	// its parents, or the source tree).
	dir, err := haltest.TestdataDir()
	check(err)
	mod, err := cuda.ModuleLoad(filepath.Join(dir, "vector_add.fat"))
	check(err)
	vectorAdd, err := cuda.ModuleGetFunction(mod, "vector_add")
	check(err)

	const n = 8
	a := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	b := []float32{10, 20, 30, 40, 50, 60, 70, 80}
	c := make([]float32, n)
	dA, err := cuda.MemAlloc(4 * n)
	check(err)
	dB, err := cuda.MemAlloc(4 * n)
	check(err)
	dC, err := cuda.MemAlloc(4 * n)
	check(err)
	check(cuda.MemcpyHtoD(dA, unsafe.Pointer(&a[0]), 4*n))
	check(cuda.MemcpyHtoD(dB, unsafe.Pointer(&b[0]), 4*n))

	count := uint32(n)
	params := []unsafe.Pointer{unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&count)}
	check(cuda.LaunchKernel(vectorAdd, 1, 1, 1, n, 1, 1, 0, nil, params, nil))
	check(cuda.MemcpyDtoH(unsafe.Pointer(&c[0]), dC, 4*n))
	fmt.Println(c)

	// Misuse comes back as the CUresult libcuda returns.
	err = cuda.LaunchKernel(vectorAdd, 1, 1, 1, 1, 1, 1, 0, nil, params[:3], nil)
	fmt.Println(err == cuda.CUDA_ERROR_INVALID_VALUE, err)
	// Output:
	// [11 22 33 44 55 66 77 88]
	// true CUDA_ERROR_INVALID_VALUE: invalid argument
}
