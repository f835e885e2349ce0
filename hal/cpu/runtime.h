#ifndef STREAMHAL_HAL_CPU_RUNTIME_H_
#define STREAMHAL_HAL_CPU_RUNTIME_H_

#include <stdint.h>

#include "streamhal_cpu.h"

// CUDA guarantees 256-byte aligned allocations; so do we.
#define SHAL_CPU_ALIGNMENT 256

void* shal_cpu_alloc(uint64_t size);
void shal_cpu_free(void* p);
void shal_cpu_copy(uint64_t dst, uint64_t src, uint64_t n);
void shal_cpu_copy_in(uint64_t dst, const void* src, uint64_t n);
void shal_cpu_copy_out(void* dst, uint64_t src, uint64_t n);
void shal_cpu_fill(uint64_t dst, uint64_t n, uint32_t pattern, int size);
void* shal_cpu_dlopen_bytes(const void* data, uint64_t n, char* err, int errlen);
const shal_library* shal_cpu_library(void* handle, char* err, int errlen);
int shal_cpu_dlclose(void* h);
void* shal_cpu_new_barrier(uint32_t count);
void shal_cpu_run(shal_kernel_entry entry, const shal_launch* L, void* shared,
                  uint32_t worker, uint64_t b0, uint64_t b1);

void shal_cpu_run_chain(uint32_t n, shal_kernel_entry* entries, shal_launch** launches, void* shared, uint32_t worker);

#endif
