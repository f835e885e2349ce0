#include <hip/hip_runtime_api.h>

#define HIP_CHECK(call)                                                 \
  do {                                                                  \
    hipError_t err = (call);                                            \
    if (err != hipSuccess) {                                            \
      fprintf(stderr, "HIP error at %s:%d: %s returned %d\n", __FILE__, \
              __LINE__, #call, err);                                    \
      exit(1);                                                          \
    }                                                                   \
  } while (0)

int main(int argc, char** argv) {
  const char* module_path = argv[1];  // e.g., "kernels/compiled/vector_add.hsaco"
  const int n = 1024;
  const size_t size = n * sizeof(float);

  // 1. Initialize HIP
  HIP_CHECK(hipInit(0));

  // 2. Get device and create context
  hipDevice_t device;
  HIP_CHECK(hipDeviceGet(&device, 0));

  char device_name[256];
  HIP_CHECK(hipDeviceGetName(device_name, sizeof(device_name), device));
  printf("Using device: %s\n", device_name);

  hipCtx_t context;
  HIP_CHECK(hipCtxCreate(&context, 0, device));

  // 3. Load module and get kernel function
  hipModule_t module;
  HIP_CHECK(hipModuleLoad(&module, module_path));

  hipFunction_t vector_add_func;
  HIP_CHECK(hipModuleGetFunction(&vector_add_func, module, "vector_add"));

  // 4. Allocate host memory
  float* h_A = (float*)malloc(size);
  float* h_B = (float*)malloc(size);
  float* h_C = (float*)malloc(size);

  // Initialize input vectors
  for (int i = 0; i < n; i++) {
    h_A[i] = i * 2.0f;
    h_B[i] = i * 3.0f;
  }

  // 5. Allocate device memory
  hipDeviceptr_t d_A, d_B, d_C;
  HIP_CHECK(hipMalloc(&d_A, size));
  HIP_CHECK(hipMalloc(&d_B, size));
  HIP_CHECK(hipMalloc(&d_C, size));

  // 6. Copy input data to device
  HIP_CHECK(hipMemcpyHtoD(d_A, h_A, size));
  HIP_CHECK(hipMemcpyHtoD(d_B, h_B, size));

  // 7. Launch kernel
  const int threads_per_block = 256;
  const int blocks_per_grid = (n + threads_per_block - 1) / threads_per_block;

  unsigned int n_param = n;
  void* kernel_params[] = {&d_A, &d_B, &d_C, &n_param, NULL};

  HIP_CHECK(hipModuleLaunchKernel(
      vector_add_func,
      blocks_per_grid, 1, 1,  // grid dimensions
      threads_per_block, 1, 1,  // block dimensions
      0,                      // shared memory
      NULL,                   // stream
      kernel_params,          // kernel parameters
      NULL));                 // extra

  // 8. Synchronize and get results
  HIP_CHECK(hipCtxSynchronize());
  HIP_CHECK(hipMemcpyDtoH(h_C, d_C, size));

  // 9. Verify results
  int errors = 0;
  for (int i = 0; i < n; i++) {
    float expected = h_A[i] + h_B[i];  // should be i * 5.0f
    if (fabsf(expected - h_C[i]) > 1e-5f) {
      errors++;
    }
  }
  printf("Result: %s\n", errors == 0 ? "✓ SUCCESS" : "✗ FAILURE");

  // 10. Cleanup
  HIP_CHECK(hipFree(d_A));
  HIP_CHECK(hipFree(d_B));
  HIP_CHECK(hipFree(d_C));
  free(h_A);
  free(h_B);
  free(h_C);
  HIP_CHECK(hipModuleUnload(module));
  HIP_CHECK(hipCtxDestroy(context));

  return errors == 0 ? 0 : 1;
}
