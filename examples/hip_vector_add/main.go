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

func run(args []string, out io.Writer) (err error) {
	fs := flag.NewFlagSet("hip_vector_add", flag.ContinueOnError)
	fs.SetOutput(out)
	modulePath := fs.String("module", defaultModule(), "module with a vector_add kernel, e.g. kernels/compiled/vector_add.hsaco")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// 1-2. Initialize HIP, get device 0 and create a context on it.
	if err := check("hipInit(0)", hip.Init(0)); err != nil {
		return err
	}
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
	// 10. Cleanup: destroying the context also frees whatever an early
	// return left in it.
	defer func() {
		if e := check("hipCtxDestroy(context)", hip.CtxDestroy(context)); err == nil {
			err = e
		}
	}()

	// 3. Load module and get kernel function.
	module, err := hip.ModuleLoad(*modulePath)
	if err := check("hipModuleLoad(&module, module_path)", err); err != nil {
		return err
	}
	defer hip.ModuleUnload(module)
	vectorAddFunc, err := hip.ModuleGetFunction(module, "vector_add")
	if err := check(`hipModuleGetFunction(&vector_add_func, module, "vector_add")`, err); err != nil {
		return err
	}

	// 4-8. Initialize the inputs, add them on the device, read the sum back.
	const n = 1024
	hA, hB, hC := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range n {
		hA[i], hB[i] = float32(i)*2, float32(i)*3
		hC[i] = float32(math.NaN()) // poisoned: a kernel that does nothing cannot pass
	}
	if err := vectorAdd(vectorAddFunc, hA, hB, hC); err != nil {
		return err
	}

	// 9. Verify results.
	for i := range n {
		if expected := hA[i] + hB[i]; !(math.Abs(float64(expected-hC[i])) <= 1e-5) { // should be i * 5.0f
			fmt.Fprintln(out, "Result: ✗ FAILURE")
			return fmt.Errorf("c[%d] = %v, want %v", i, hC[i], expected)
		}
	}
	fmt.Fprintln(out, "Result: ✓ SUCCESS")
	return nil
}

// vectorAdd is steps 5 to 8 of the C example: hC = hA + hB on the current
// device with the vector_add kernel f.
func vectorAdd(f hip.Function, hA, hB, hC []float32) error {
	size := uint64(4 * len(hA)) // n * sizeof(float)
	// 5. Allocate device memory.
	var d [3]hip.DevicePtr
	for i, name := range []string{"d_A", "d_B", "d_C"} {
		p, err := hip.Malloc(size)
		if err := check("hipMalloc(&"+name+", size)", err); err != nil {
			return err
		}
		defer hip.Free(p)
		d[i] = p
	}
	dA, dB, dC := d[0], d[1], d[2]

	// 6. Copy input data to device.
	if err := check("hipMemcpyHtoD(d_A, h_A, size)", hip.MemcpyHtoD(dA, hA, size)); err != nil {
		return err
	}
	if err := check("hipMemcpyHtoD(d_B, h_B, size)", hip.MemcpyHtoD(dB, hB, size)); err != nil {
		return err
	}

	// 7. Launch kernel.
	const threadsPerBlock = 256
	blocksPerGrid := uint32(len(hA)+threadsPerBlock-1) / threadsPerBlock
	nParam := uint32(len(hA))
	kernelParams := []unsafe.Pointer{unsafe.Pointer(&dA), unsafe.Pointer(&dB), unsafe.Pointer(&dC), unsafe.Pointer(&nParam)}
	err := hip.ModuleLaunchKernel(f,
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
	return check("hipMemcpyDtoH(h_C, d_C, size)", hip.MemcpyDtoH(hC, dC, size))
}
