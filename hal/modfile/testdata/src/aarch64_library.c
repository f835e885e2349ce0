/* Freestanding AArch64 shared object exporting the library symbol (header checks only). */
struct lib { unsigned abi_version, kernel_count; const void* kernels; unsigned global_count, reserved; const void* globals; };
static const struct lib lib = {1, 0, 0, 0, 0, 0};
__attribute__((visibility("default"))) const struct lib* streamhal_cpu_library(void) { return &lib; }
