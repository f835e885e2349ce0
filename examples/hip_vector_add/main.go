// Command hip_vector_add is the HIP example of the original streamhal
// README ported to Go with package hip: the same calls in the same order
// (hipInit, hipDeviceGet, hipDeviceGetName, hipCtxCreate, hipModuleLoad,
// hipModuleGetFunction, hipMalloc, hipMemcpyHtoD, hipModuleLaunchKernel,
// hipCtxSynchronize, hipMemcpyDtoH, verification, cleanup), running on any
// streamhal backend.
//
//	go run ./examples/hip_vector_add
//	go run ./examples/hip_vector_add -module testdata/vector_add.fat
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"

	"github.com/streamhal/streamhal/hip"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hip_vector_add:", err)
		os.Exit(1)
	}
}

// defaultModule finds testdata/vector_add.fat: in the working directory
// (go run from the repository root), else relative to this source file.
func defaultModule() string {
	const rel = "testdata/vector_add.fat"
	if _, err := os.Stat(rel); err == nil {
		return rel
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "..", "..", rel)
	}
	return rel
}

// check turns a failed call into the error the C example's HIP_CHECK
// prints: the call and the hipError_t it returned, here with the detail
// of what went wrong.
func check(call string, err error) error {
	if err == nil {
		return nil
	}
	e := hip.ErrorOf(err)
	return fmt.Errorf("HIP error: %s returned %d (%s): %w", call, int(e), hip.GetErrorName(e), hip.LastErrorDetail())
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("hip_vector_add", flag.ContinueOnError)
	fs.SetOutput(out)
	modulePath := fs.String("module", defaultModule(), "module with a vector_add kernel, e.g. kernels/compiled/vector_add.hsaco")
	if err := fs.Parse(args); err != nil {
		return err
	}
	const n = 1024
	const size = n * 4 // n * sizeof(float)

	// 1. Initialize HIP.
	if err := check("hipInit(0)", hip.Init(0)); err != nil {
		return err
	}

	// 2. Get device and create context.
	device, err := hip.DeviceGet(0)
	if err := check("hipDeviceGet(&device, 0)", err); err != nil {
		return err
	}
	deviceName, err := hip.DeviceGetName(device)
	if err := check("hipDeviceGetName(device_name, sizeof(device_name), device)", err); err != nil {
		return err
	}
	fmt.Fprintf(out, "Using device: %s\n", deviceName)

	context, err := hip.CtxCreate(0, device)
	if err := check("hipCtxCreate(&context, 0, device)", err); err != nil {
		return err
	}
	destroyed := false
	defer func() {
		if !destroyed { // an early return: destroying the context frees everything in it
			hip.CtxDestroy(context)
		}
	}()

	// 3. Load module and get kernel function.
	module, err := hip.ModuleLoad(*modulePath)
	if err := check("hipModuleLoad(&module, module_path)", err); err != nil {
		return err
	}
	vectorAddFunc, err := hip.ModuleGetFunction(module, "vector_add")
	if err := check(`hipModuleGetFunction(&vector_add_func, module, "vector_add")`, err); err != nil {
		return err
	}

	// 4. Allocate host memory and initialize the input vectors.
	hA := make([]float32, n)
	hB := make([]float32, n)
	hC := make([]float32, n)
	for i := range n {
		hA[i] = float32(i) * 2
		hB[i] = float32(i) * 3
		hC[i] = float32(math.NaN()) // poisoned: a kernel that does nothing cannot pass
	}

	// 5. Allocate device memory.
	dA, err := hip.Malloc(size)
	if err := check("hipMalloc(&d_A, size)", err); err != nil {
		return err
	}
	dB, err := hip.Malloc(size)
	if err := check("hipMalloc(&d_B, size)", err); err != nil {
		return err
	}
	dC, err := hip.Malloc(size)
	if err := check("hipMalloc(&d_C, size)", err); err != nil {
		return err
	}

	// 6. Copy input data to device.
	if err := check("hipMemcpyHtoD(d_A, h_A, size)", hip.MemcpyHtoD(dA, hA, size)); err != nil {
		return err
	}
	if err := check("hipMemcpyHtoD(d_B, h_B, size)", hip.MemcpyHtoD(dB, hB, size)); err != nil {
		return err
	}

	// 7. Launch kernel.
	const threadsPerBlock = 256
	const blocksPerGrid = (n + threadsPerBlock - 1) / threadsPerBlock
	nParam := uint32(n)
	kernelParams := []unsafe.Pointer{
		unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nParam), nil,
	}
	err = hip.ModuleLaunchKernel(vectorAddFunc,
		blocksPerGrid, 1, 1, // grid dimensions
		threadsPerBlock, 1, 1, // block dimensions
		0,            // shared memory
		nil,          // stream
		kernelParams, // kernel parameters
		nil)          // extra
	if err := check("hipModuleLaunchKernel(...)", err); err != nil {
		return err
	}

	// 8. Synchronize and get results.
	if err := check("hipCtxSynchronize()", hip.CtxSynchronize()); err != nil {
		return err
	}
	if err := check("hipMemcpyDtoH(h_C, d_C, size)", hip.MemcpyDtoH(hC, dC, size)); err != nil {
		return err
	}

	// 9. Verify results.
	errs := 0
	for i := range n {
		expected := hA[i] + hB[i] // should be i * 5.0f
		if !(math.Abs(float64(expected-hC[i])) <= 1e-5) {
			errs++
		}
	}
	result := "✓ SUCCESS"
	if errs != 0 {
		result = "✗ FAILURE"
	}
	fmt.Fprintf(out, "Result: %s\n", result)

	// 10. Cleanup.
	for _, p := range []struct {
		call string
		ptr  hip.DevicePtr
	}{{"hipFree(d_A)", dA}, {"hipFree(d_B)", dB}, {"hipFree(d_C)", dC}} {
		if err := check(p.call, hip.Free(p.ptr)); err != nil {
			return err
		}
	}
	if err := check("hipModuleUnload(module)", hip.ModuleUnload(module)); err != nil {
		return err
	}
	destroyed = true
	if err := check("hipCtxDestroy(context)", hip.CtxDestroy(context)); err != nil {
		return err
	}
	if errs != 0 {
		return errors.New("result differs from the reference")
	}
	return nil
}
