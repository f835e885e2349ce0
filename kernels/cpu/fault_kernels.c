/*
 * fault_kernels.c: CPU kernels that misbehave on purpose, for the tests of
 * the CPU driver's fault containment, memory checking and bounded Close
 * (hal/cpu, streaming, cuda, hip). Each faults only when asked to by its
 * arguments, so the same kernel also checks that a good launch still works.
 *
 * Build (kernels/compile.sh does this, into testdata/fault_kernels.x86_64.so):
 *   cc -O3 -std=c11 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden \
 *      -I kernels -o fault_kernels.x86_64.so kernels/cpu/fault_kernels.c
 */
#include <stdlib.h>

#include "streamhal_cpu.h"

/* ---- poke: thread 0 of block `block` stores value at addr ---- */

typedef struct poke_args {
  uint64_t addr; /* an integer, not a pointer: the driver cannot check it */
  uint32_t value;
  uint32_t block;
} poke_args;

SHAL_KERNEL(poke, poke_args) {
  uint64_t b = blockIdx.x + (uint64_t)gridDim.x * (blockIdx.y + (uint64_t)gridDim.y * blockIdx.z);
  if (SHAL_TID == 0 && b == args->block) *(volatile uint32_t*)(uintptr_t)args->addr = args->value;
}

SHAL_PARAMS(poke, SHAL_PARAM(poke_args, addr), SHAL_PARAM(poke_args, value),
            SHAL_PARAM(poke_args, block));

/* ---- fill_u32: out[i] = value for i < n (n may exceed the buffer) ---- */

typedef struct fill_u32_args {
  uint32_t* out;
  uint32_t value;
  uint32_t n;
} fill_u32_args;

SHAL_KERNEL(fill_u32, fill_u32_args) {
  uint64_t i = SHAL_GLOBAL_X;
  if (SHAL_GLOBAL_X_BELOW(args->n)) args->out[i] = args->value;
}

SHAL_PARAMS(fill_u32, SHAL_PARAM(fill_u32_args, out),
            SHAL_PARAM(fill_u32_args, value), SHAL_PARAM(fill_u32_args, n));

/* ---- read_u32: out[0] = sum of in[0..n) (reads may run past) ---- */

typedef struct read_u32_args {
  const uint32_t* in;
  uint32_t* out;
  uint32_t n;
} read_u32_args;

SHAL_KERNEL(read_u32, read_u32_args) {
  if (SHAL_GLOBAL_X != 0) return;
  uint32_t s = 0;
  for (uint32_t i = 0; i < args->n; i++) s += ((const volatile uint32_t*)args->in)[i];
  args->out[0] = s;
}

SHAL_PARAMS(read_u32, SHAL_PARAM(read_u32_args, in),
            SHAL_PARAM(read_u32_args, out), SHAL_PARAM(read_u32_args, n));

/* ---- block_sum: out[blockIdx.x] = sum of the block's in[], through a
 *      static shared array of 256 floats ---- */

typedef struct block_sum_args {
  const float* in;
  float* out;
} block_sum_args;

#define BLOCK_SUM_THREADS 256

/* The body both block_sum kernels share: s[] holds BLOCK_SUM_THREADS
 * floats, one per thread, so a block of more threads writes past it. */
#define BLOCK_SUM_BODY                                                        \
  float s[BLOCK_SUM_THREADS];                                                 \
  SHAL_FOR_EACH_THREAD {                                                      \
    ((volatile float*)s)[SHAL_TID] =                                          \
        args->in[(uint64_t)blockIdx.x * SHAL_BLOCK_THREADS + SHAL_TID];       \
  }                                                                           \
  float t = 0.0f;                                                             \
  for (uint32_t i = 0; i < SHAL_BLOCK_THREADS && i < BLOCK_SUM_THREADS; i++)  \
    t += ((volatile float*)s)[i];                                             \
  args->out[blockIdx.x] = t;

/* Declared with SHAL_ENTRY_MAX_THREADS: the driver refuses larger blocks. */
SHAL_BLOCK_KERNEL(block_sum, block_sum_args) { BLOCK_SUM_BODY }

/* The same kernel without the declaration: a larger block overruns s[]. */
SHAL_BLOCK_KERNEL(block_sum_undeclared, block_sum_args) { BLOCK_SUM_BODY }

SHAL_PARAMS(block_sum, SHAL_PARAM(block_sum_args, in),
            SHAL_PARAM(block_sum_args, out));
SHAL_PARAMS(block_sum_undeclared, SHAL_PARAM(block_sum_args, in),
            SHAL_PARAM(block_sum_args, out));

/* ---- divide: out[0] = a / b (b == 0 traps on x86-64) ---- */

typedef struct divide_args {
  int32_t a;
  int32_t b;
  int32_t* out;
} divide_args;

SHAL_KERNEL(divide, divide_args) {
  if (SHAL_GLOBAL_X == 0) args->out[0] = args->a / *(volatile int32_t*)&args->b;
}

SHAL_PARAMS(divide, SHAL_PARAM(divide_args, a), SHAL_PARAM(divide_args, b),
            SHAL_PARAM(divide_args, out));

/* ---- trap: __builtin_trap when how == 1, abort() when how == 2 ---- */

typedef struct trap_args {
  uint32_t how;
} trap_args;

SHAL_KERNEL(trap, trap_args) {
  if (SHAL_GLOBAL_X != 0) return;
  if (args->how == 1) __builtin_trap();
  if (args->how == 2) abort();
}

SHAL_PARAMS(trap, SHAL_PARAM(trap_args, how));

/* ---- copy_bytes: memcpy(dst, src, n) in thread 0 (a fault in libc) ---- */

typedef struct copy_bytes_args {
  void* dst;
  const void* src;
  uint64_t n;
} copy_bytes_args;

SHAL_KERNEL(copy_bytes, copy_bytes_args) {
  if (SHAL_GLOBAL_X == 0) memcpy(args->dst, args->src, args->n);
}

SHAL_PARAMS(copy_bytes, SHAL_PARAM(copy_bytes_args, dst),
            SHAL_PARAM(copy_bytes_args, src), SHAL_PARAM(copy_bytes_args, n));

/* ---- spin: waits until *flag != 0, then writes *flag + 1 to done ---- */

typedef struct spin_args {
  const uint32_t* flag;
  uint32_t* done;
} spin_args;

/* A kernel that never ends until the host says so: tests of bounded Close
 * launch it, give it up, then set the flag so the stuck worker is freed. */
SHAL_KERNEL(spin_forever, spin_args) {
  if (SHAL_GLOBAL_X != 0) return;
  uint32_t v;
  while ((v = __atomic_load_n(args->flag, __ATOMIC_ACQUIRE)) == 0) {
  }
  args->done[0] = v + 1;
}

SHAL_PARAMS(spin_forever, SHAL_PARAM(spin_args, flag),
            SHAL_PARAM(spin_args, done));

/* ---- grid_poke: cooperative; the worker owning block `block` pokes addr
 *      before the grid barrier, every worker then syncs twice and adds
 *      one to count ---- */

typedef struct grid_poke_args {
  uint64_t addr;
  uint32_t* count;
  uint32_t block;
} grid_poke_args;

SHAL_GRID_KERNEL(grid_poke, grid_poke_args) {
  SHAL_FOR_EACH_BLOCK {
    if (blockIdx.x == args->block) *(volatile uint32_t*)(uintptr_t)args->addr = 1;
  }
  shal_grid_sync();
  shal_grid_sync();
  shal_atomic_add_u32(args->count, 1);
}

SHAL_PARAMS(grid_poke, SHAL_PARAM(grid_poke_args, addr),
            SHAL_PARAM(grid_poke_args, count),
            SHAL_PARAM(grid_poke_args, block));

SHAL_LIBRARY(SHAL_ENTRY(poke, poke_args), SHAL_ENTRY(fill_u32, fill_u32_args),
             SHAL_ENTRY(read_u32, read_u32_args),
             SHAL_ENTRY_MAX_THREADS(block_sum, block_sum_args, BLOCK_SUM_THREADS),
             SHAL_ENTRY(block_sum_undeclared, block_sum_args),
             SHAL_ENTRY(divide, divide_args), SHAL_ENTRY(trap, trap_args),
             SHAL_ENTRY(copy_bytes, copy_bytes_args),
             SHAL_ENTRY(spin_forever, spin_args),
             SHAL_ENTRY_COOPERATIVE(grid_poke, grid_poke_args))
