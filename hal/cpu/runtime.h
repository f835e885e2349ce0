#ifndef STREAMHAL_HAL_CPU_RUNTIME_H_
#define STREAMHAL_HAL_CPU_RUNTIME_H_

#include <setjmp.h>
#include <stdint.h>

#include "streamhal_cpu.h"

// CUDA guarantees 256-byte aligned allocations; so do we.
#define SHAL_CPU_ALIGNMENT 256

// What a guarded call into kernel code (or a copy or fill) reports when it
// faulted. Go allocates it in C memory and reads it after the call.
typedef struct shal_fault {
  int32_t signo;    // the signal, 0 when nothing faulted
  int32_t code;     // its si_code
  uint64_t addr;    // si_addr
  uint64_t pc;      // the faulting instruction
  uint64_t block;   // shal_worker.block at the fault; UINT64_MAX if never set
  uint64_t b0, b1;  // the block range the faulting call ran
  uint32_t index;   // in a chain: which launch faulted
  uint32_t aborted; // 1: left a cooperative launch because another worker faulted
} shal_fault;

// The per-thread state of guarded code: the jump buffer the fault handler
// returns to and the worker descriptor the kernel gets (both off the stack,
// so that a kernel smashing its stack cannot reach them).
typedef struct shal_guard {
  sigjmp_buf jb;
  shal_fault* fault;
  shal_worker w;
} shal_guard;

int shal_cpu_fault_install(void);
int shal_cpu_fault_check(void);
shal_guard* shal_guard_enter(shal_fault* f);
void shal_guard_arm(shal_guard* g);
void shal_guard_disarm(void);
void shal_guard_abandon(void);

void* shal_cpu_alloc(uint64_t size);
void shal_cpu_free(void* p);
void* shal_cpu_map_guarded(uint64_t size, uint64_t align, int lead_guard, void** map, uint64_t* maplen);
int shal_cpu_unmap(void* map, uint64_t maplen);
int shal_cpu_protect_none(void* map, uint64_t maplen);
int shal_cpu_copy(uint64_t dst, uint64_t src, uint64_t n, shal_fault* f);
int shal_cpu_fill(uint64_t dst, uint64_t n, uint32_t pattern, int size, shal_fault* f);
void* shal_cpu_dlopen_bytes(const void* data, uint64_t n, int* fd, char* err, int errlen);
const shal_library* shal_cpu_library(void* handle, char* err, int errlen);
int shal_cpu_dlclose(void* h, int fd);
void* shal_cpu_new_barrier(uint32_t count);
int shal_cpu_run(shal_kernel_entry entry, const shal_launch* L, void* shared,
                 uint32_t worker, uint64_t b0, uint64_t b1, shal_fault* f);
int shal_cpu_run_chain(uint32_t n, shal_kernel_entry* entries, shal_launch** launches, void* shared,
                       uint32_t worker, shal_fault* f);

#endif
