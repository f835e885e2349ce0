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
  uint32_t lib;     // the library's streamhal_cpu_take_fault code (signo 0), else 0
  char msg[256];    // and its message
} shal_fault;

// The grid workspace of a cooperative launch (shal_launch.grid_workspace):
// CUDA's layout, then the word the driver sets when a block faulted, which
// makes the PTX translator's polling loads leave (see ptx/cgen).
typedef struct shal_grid_ws {
  uint32_t size, barrier, abort, reserved;
} shal_grid_ws;

// What streamhal_cpu_take_fault reports when a block left a cooperative
// launch because another one faulted (ptx/cgen's SHAL_FAULT_ABORTED).
#define SHAL_LIB_FAULT_ABORTED 5

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
void shal_guard_abandon(void);

// The guard of the kernel code this thread runs (NULL outside kernel code)
// and its storage, defined in fault.c. Initial-exec TLS: the driver is
// linked into the program, and a general-dynamic access (cgo compiles with
// -fPIC) would cost a call to __tls_get_addr on every launch.
#define SHAL_TLS __attribute__((tls_model("initial-exec"), visibility("hidden")))
extern __thread shal_guard shal_tls_guard_storage SHAL_TLS;
extern __thread shal_guard* volatile shal_tls_guard SHAL_TLS;

// shal_guard_enter readies this thread's guard for a call into kernel code
// that reports into f; the caller then sigsetjmp's into g->jb and arms it.
static inline shal_guard* shal_guard_enter(shal_fault* f) {
  shal_guard* g = &shal_tls_guard_storage;
  g->fault = f;
  f->signo = 0;
  f->aborted = 0;
  return g;
}

// The signal fences keep the compiler from moving memory accesses of the
// guarded code across these stores (the handler runs on this thread).
static inline void shal_guard_arm(shal_guard* g) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  shal_tls_guard = g;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void shal_guard_disarm(void) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  shal_tls_guard = NULL;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void* shal_cpu_alloc(uint64_t size);
void shal_cpu_free(void* p);
void* shal_cpu_alloc_pages(uint64_t size);
int shal_ipc_share(void* p, uint64_t len, int fd);
int shal_ipc_unshare(void* p, uint64_t len);
void* shal_ipc_map(int fd, uint64_t len, int* err);
int shal_ipc_unmap(void* p, uint64_t len);
void* shal_cpu_map_guarded(uint64_t size, uint64_t align, int lead_guard, void** map, uint64_t* maplen);
int shal_cpu_unmap(void* map, uint64_t maplen);
int shal_cpu_protect_none(void* map, uint64_t maplen);
int shal_cpu_copy(uint64_t dst, uint64_t src, uint64_t n, shal_fault* f);
int shal_cpu_fill(uint64_t dst, uint64_t n, uint32_t pattern, int size, shal_fault* f);
void* shal_cpu_dlopen_bytes(const void* data, uint64_t n, int* fd, char* err, int errlen);
const shal_library* shal_cpu_library(void* handle, char* err, int errlen);
int shal_cpu_dlclose(void* h, int fd);
void* shal_cpu_new_barrier(uint32_t count);
void* shal_cpu_new_grid_workspace(void);
void shal_cpu_abort_grid(const shal_launch* L);
int shal_cpu_run(shal_kernel_entry entry, shal_take_fault_fn take, const shal_launch* L, void* shared,
                 uint32_t worker, uint64_t b0, uint64_t b1, shal_fault* f);
int shal_cpu_run_chain(uint32_t n, shal_kernel_entry* entries, shal_take_fault_fn* takes, shal_launch** launches,
                       void* shared, uint32_t worker, shal_fault* f);
shal_take_fault_fn shal_cpu_take_fault_fn(void* handle);

// A library's optional streamhal_cpu_flush_output: writes what its
// kernels printed (printf) to standard output (ptx/cgen's libraries).
typedef void (*shal_cpu_flush_fn)(void);
shal_cpu_flush_fn shal_cpu_flush_output_fn(void* handle);
void shal_cpu_call_flush(shal_cpu_flush_fn f);
int shal_cpu_x86_level(void);

void shal_cpu_bench_guard(uint64_t n, int guarded, shal_fault* f);

#endif
