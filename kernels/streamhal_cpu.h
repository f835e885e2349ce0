/*
 * streamhal_cpu.h: the ABI of streamhal CPU kernel libraries.
 *
 * A CPU kernel library is an ELF shared object that exports one function,
 *
 *     const shal_library* streamhal_cpu_library(void);
 *
 * returning a table of kernels (name, entry point, parameter layout) and
 * globals. The CPU driver dlopens the library and calls an entry point once
 * per *range of blocks* of a launch, so that one call from Go covers many
 * blocks:
 *
 *     void entry(const shal_launch* L, shal_worker* W,
 *                uint64_t block_begin, uint64_t block_end);
 *
 * Blocks are numbered linearly, x fastest: b = x + gridDim.x*(y + gridDim.y*z).
 *
 * Arguments arrive as one packed buffer (L->args), laid out with C natural
 * alignment in parameter order: exactly a C struct of the parameters, which is
 * how kernels here declare them.
 *
 * Writing kernels. Three shapes, each reading like its CUDA twin:
 *
 *   SHAL_KERNEL(name, args_type) { body }
 *       The body runs once per thread, with threadIdx, blockIdx, blockDim,
 *       gridDim and `args` (a const args_type*) in scope. No barriers.
 *
 *   SHAL_BLOCK_KERNEL(name, args_type) { body }
 *       The body runs once per block (blockIdx, blockDim, gridDim, args and
 *       shal_shared, the dynamic shared memory, in scope). Inside it,
 *       SHAL_FOR_EACH_THREAD { ... } runs a statement for every thread of the
 *       block with threadIdx in scope; the end of each such loop is a
 *       __syncthreads(). Values a thread keeps across a barrier live in
 *       per-thread arrays: SHAL_PER_THREAD(float, acc) declares acc[] indexed
 *       by SHAL_TID (the linear thread index). Arrays declared in the block
 *       body are the block's static shared memory.
 *
 *   SHAL_GRID_KERNEL(name, args_type) { body }
 *       For cooperative launches: the body runs once per worker with
 *       SHAL_FOR_EACH_BLOCK { ... } iterating over the worker's blocks;
 *       shal_grid_sync() is a grid-wide barrier (all blocks of the launch
 *       reach it before any continues), honoured because the driver runs
 *       every worker of a cooperative launch concurrently.
 *
 * In 1-D SHAL_KERNELs, index with SHAL_GLOBAL_X and guard with
 * SHAL_GLOBAL_X_BELOW(n) instead of `if (i < n)`: GCC then vectorizes the
 * per-thread loop (see the comment at the definitions).
 *
 * The library table is declared with SHAL_LIBRARY(...) listing one row per
 * kernel: SHAL_ENTRY(name, args_type), SHAL_ENTRY_COOPERATIVE(name,
 * args_type) or SHAL_ENTRY_NOARGS(name). A row with parameters reads
 * name##_params, the array SHAL_PARAMS(name, SHAL_PARAM(args_type, field),
 * ...) declares before it. SHAL_ENTRY_MAX_THREADS(name, args_type, n) (and
 * SHAL_ENTRY_NOARGS_MAX_THREADS(name, n)) also declare that the kernel
 * works with at most n threads per block, for instance because a static
 * shared array has n elements: the driver reports n as the kernel's
 * MaxThreadsPerBlock and refuses larger blocks.
 *
 * Faults. The driver runs kernel code under a fault handler: a kernel that
 * dereferences a bad pointer fails its launch with an illegal-address error
 * naming the kernel, the block (from shal_worker.block, which the three
 * shapes keep current) and the address, and the process keeps running.
 *
 * Loading a library runs its code (ELF constructors included): only load
 * libraries you would link into your program.
 */
#ifndef STREAMHAL_CPU_H_
#define STREAMHAL_CPU_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 added shal_worker.block; version 3 added
 * shal_launch.grid_workspace. The driver still loads version 1 and 2
 * libraries (version 1 faults are reported by block range). */
#define SHAL_CPU_ABI_VERSION 3u

typedef struct shal_dim3 {
  uint32_t x, y, z;
} shal_dim3;

/* One launch, shared by every worker that runs part of it. */
typedef struct shal_launch {
  shal_dim3 grid_dim;
  shal_dim3 block_dim;
  const void* args;       /* packed argument buffer */
  uint32_t shared_bytes;  /* dynamic shared memory per block */
  uint32_t workers;       /* workers running this launch (cooperative) */
  void* grid_barrier;     /* opaque; used by shal_grid_sync */
  /* ABI version 3. In a cooperative launch, an 8-byte workspace
   * {uint32_t size; uint32_t barrier;} shared by the whole launch, laid out
   * as the CUDA driver's grid workspace: what CUDA passes to a kernel in
   * %envreg1 (the high half of the address) and %envreg2 (the low half),
   * and cooperative groups' grid.sync() counts arrivals in. NULL in other
   * launches, as on CUDA (grid_group::is_valid() is then false). */
  void* grid_workspace;
} shal_launch;

/* Per-worker state. */
typedef struct shal_worker {
  void* shared;    /* shared_bytes of dynamic shared memory, 64-byte aligned */
  uint32_t index;  /* 0 .. workers-1 */
  uint32_t reserved;
  /* grid barrier entry point, filled in by the driver */
  void (*grid_sync)(const shal_launch* L, struct shal_worker* W);
  /* The linear index of the block being run (ABI version 2). The kernel
   * shapes store it before each block so that the driver can name the
   * block of a fault; hand-written entries should do the same. */
  uint64_t block;
} shal_worker;

/* Argument type for kernels without parameters. */
typedef struct shal_noargs {
  uint8_t unused_;
} shal_noargs;

typedef void (*shal_kernel_entry)(const shal_launch* L, shal_worker* W,
                                  uint64_t block_begin, uint64_t block_end);

typedef struct shal_param {
  uint32_t offset;
  uint32_t size;
  uint32_t flags; /* SHAL_PARAM_FLAG_* */
} shal_param;

enum {
  SHAL_PARAM_FLAG_POINTER = 1u, /* the parameter is a pointer */
};

enum {
  SHAL_KERNEL_FLAG_COOPERATIVE = 1u, /* written with SHAL_GRID_KERNEL */
  /* In a cooperative launch, the kernel's blocks wait for each other through
   * memory (CUDA's grid barrier on grid_workspace): every block must run at
   * once, so the driver gives each block of such a launch its own thread
   * (and refuses grids larger than it can run at once). Launches that are
   * not cooperative run as usual. */
  SHAL_KERNEL_FLAG_CORESIDENT = 2u,
};

typedef struct shal_kernel {
  const char* name;
  shal_kernel_entry entry;
  uint32_t param_count;
  uint32_t args_size; /* sizeof the argument struct */
  const shal_param* params;
  uint32_t max_threads_per_block; /* 0: the device limit; else refused above */
  uint32_t static_shared_bytes;   /* informational */
  uint32_t flags;
  uint32_t reserved;
} shal_kernel;

typedef struct shal_global {
  const char* name;
  void* address;
  uint64_t size;
} shal_global;

typedef struct shal_library {
  uint32_t abi_version;
  uint32_t kernel_count;
  const shal_kernel* kernels;
  uint32_t global_count;
  uint32_t reserved;
  const shal_global* globals;
} shal_library;

/* Optional export: a library may report faults of its kernels (a trap, a
 * block whose threads wait at different barriers) through
 *
 *     uint32_t streamhal_cpu_take_fault(char* msg, uint32_t len);
 *
 * which returns the first fault that kernel code recorded on the calling
 * thread since the last call on that thread (0: none), copies its message
 * into msg (NUL-terminated, at most len bytes) and clears it. A kernel that
 * faults stops the range of blocks it runs and returns. The driver calls
 * the export on the same thread right after each entry-point call, so a
 * fault belongs to exactly that range of blocks of that launch, and fails
 * the launch with the message; libraries without it (every hand-written
 * one) never fault this way. The PTX translator's libraries export it. */
typedef uint32_t (*shal_take_fault_fn)(char* msg, uint32_t len);

/* Optional export: a library whose kernels print (CUDA's printf) may
 * buffer the text and export
 *
 *     void streamhal_cpu_flush_output(void);
 *
 * which writes what is buffered to standard output and empties the buffer
 * (safe to call while kernels run). The driver calls it at the points
 * where CUDA prints its printf buffer: queue and event synchronization
 * and before the library is unloaded. The PTX translator's libraries of
 * PTX that calls vprintf export it. */

#define SHAL_EXPORT __attribute__((visibility("default")))
#define SHAL_UNUSED __attribute__((unused))

/* ---- helpers available to kernel bodies ---- */

#define SHAL_TID \
  (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z))
#define SHAL_BLOCK_THREADS (blockDim.x * blockDim.y * blockDim.z)

/* The thread's 1-D global index, blockIdx.x * blockDim.x + threadIdx.x, in
 * 64 bits (so that it indexes arrays without wrapping). */
#define SHAL_GLOBAL_X ((uint64_t)blockIdx.x * blockDim.x + threadIdx.x)

/* SHAL_GLOBAL_X_BELOW(n) is SHAL_GLOBAL_X < n, the usual `if (i < n)` guard
 * of a 1-D kernel, phrased as a loop-invariant bound on threadIdx.x: GCC
 * (-O3, -fsplit-loops) then splits the per-thread loop of SHAL_KERNEL at the
 * bound and vectorizes it, where a plain `if (i < n)` leaves a branch in the
 * loop and keeps it scalar. */
#define SHAL_GLOBAL_X_BELOW(n) \
  (threadIdx.x < shal_x_limit_((uint64_t)(n), blockIdx.x, blockDim.x))

/* The number of threads of block bx (of bd threads) whose global x index is
 * below n, clamped to UINT32_MAX. */
static inline uint32_t shal_x_limit_(uint64_t n, uint32_t bx, uint32_t bd) {
  uint64_t base = (uint64_t)bx * bd;
  if (base >= n) return 0;
  return n - base > UINT32_MAX ? UINT32_MAX : (uint32_t)(n - base);
}

static inline float shal_atomic_add_f32(float* p, float v) {
  uint32_t expected, desired;
  float old, sum;
  expected = __atomic_load_n((uint32_t*)p, __ATOMIC_RELAXED);
  do {
    memcpy(&old, &expected, 4);
    sum = old + v;
    memcpy(&desired, &sum, 4);
  } while (!__atomic_compare_exchange_n((uint32_t*)p, &expected, desired, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}
static inline uint32_t shal_atomic_add_u32(uint32_t* p, uint32_t v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline int32_t shal_atomic_add_i32(int32_t* p, int32_t v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

/* ---- kernel shapes ---- */

#define SHAL_BLOCK_INDEX_(b)                                      \
  shal_dim3 blockIdx;                                             \
  blockIdx.x = (uint32_t)((b) % gridDim.x);                       \
  blockIdx.y = (uint32_t)(((b) / gridDim.x) % gridDim.y);         \
  blockIdx.z = (uint32_t)((b) / ((uint64_t)gridDim.x * gridDim.y))

#define SHAL_KERNEL(name, args_type)                                          \
  static inline void name##_thread(SHAL_UNUSED const args_type* args, SHAL_UNUSED shal_dim3 threadIdx, \
                                   SHAL_UNUSED shal_dim3 blockIdx, SHAL_UNUSED shal_dim3 blockDim,    \
                                   SHAL_UNUSED shal_dim3 gridDim);                        \
  SHAL_EXPORT void name##_entry(const shal_launch* L, shal_worker* W,         \
                                uint64_t b0, uint64_t b1) {                   \
    const args_type* args = (const args_type*)L->args;                       \
    const shal_dim3 gridDim = L->grid_dim, blockDim = L->block_dim;           \
    for (uint64_t b = b0; b < b1; b++) {                                      \
      W->block = b;                                                           \
      SHAL_BLOCK_INDEX_(b);                                                   \
      shal_dim3 t;                                                            \
      for (t.z = 0; t.z < blockDim.z; t.z++)                                  \
        for (t.y = 0; t.y < blockDim.y; t.y++)                                \
          for (t.x = 0; t.x < blockDim.x; t.x++)                              \
            name##_thread(args, t, blockIdx, blockDim, gridDim);              \
    }                                                                         \
  }                                                                           \
  static inline void name##_thread(SHAL_UNUSED const args_type* args, SHAL_UNUSED shal_dim3 threadIdx, \
                                   SHAL_UNUSED shal_dim3 blockIdx, SHAL_UNUSED shal_dim3 blockDim,    \
                                   SHAL_UNUSED shal_dim3 gridDim)

#define SHAL_BLOCK_KERNEL(name, args_type)                                   \
  static inline void name##_block(SHAL_UNUSED const args_type* args, SHAL_UNUSED void* shal_shared,  \
                                  SHAL_UNUSED shal_dim3 blockIdx, SHAL_UNUSED shal_dim3 blockDim,    \
                                  SHAL_UNUSED shal_dim3 gridDim);                        \
  SHAL_EXPORT void name##_entry(const shal_launch* L, shal_worker* W,        \
                                uint64_t b0, uint64_t b1) {                  \
    const args_type* args = (const args_type*)L->args;                      \
    const shal_dim3 gridDim = L->grid_dim, blockDim = L->block_dim;          \
    for (uint64_t b = b0; b < b1; b++) {                                     \
      W->block = b;                                                          \
      SHAL_BLOCK_INDEX_(b);                                                  \
      name##_block(args, W->shared, blockIdx, blockDim, gridDim);            \
    }                                                                        \
  }                                                                          \
  static inline void name##_block(SHAL_UNUSED const args_type* args, SHAL_UNUSED void* shal_shared,  \
                                  SHAL_UNUSED shal_dim3 blockIdx, SHAL_UNUSED shal_dim3 blockDim,    \
                                  SHAL_UNUSED shal_dim3 gridDim)

/* Runs the following statement once per thread of the block; a barrier
 * (__syncthreads) follows implicitly. */
#define SHAL_FOR_EACH_THREAD                                                  \
  for (uint32_t shal_tz_ = 0; shal_tz_ < blockDim.z; shal_tz_++)              \
    for (uint32_t shal_ty_ = 0; shal_ty_ < blockDim.y; shal_ty_++)            \
      for (uint32_t shal_tx_ = 0; shal_tx_ < blockDim.x; shal_tx_++)          \
        for (shal_dim3 threadIdx = {shal_tx_, shal_ty_, shal_tz_},            \
                       *shal_once_ = &threadIdx;                              \
             shal_once_; shal_once_ = NULL)

/* Declares a per-thread variable that survives barriers: name[SHAL_TID]. */
#define SHAL_PER_THREAD(type, name) type name[SHAL_BLOCK_THREADS]

#define SHAL_GRID_KERNEL(name, args_type)                                     \
  static inline void name##_grid(SHAL_UNUSED const shal_launch* shal_L, SHAL_UNUSED shal_worker* shal_W, \
                                 SHAL_UNUSED const args_type* args, SHAL_UNUSED uint64_t shal_b0,     \
                                 SHAL_UNUSED uint64_t shal_b1, SHAL_UNUSED shal_dim3 blockDim,        \
                                 SHAL_UNUSED shal_dim3 gridDim);                          \
  SHAL_EXPORT void name##_entry(const shal_launch* L, shal_worker* W,         \
                                uint64_t b0, uint64_t b1) {                   \
    name##_grid(L, W, (const args_type*)L->args, b0, b1, L->block_dim,        \
                L->grid_dim);                                                 \
  }                                                                           \
  static inline void name##_grid(SHAL_UNUSED const shal_launch* shal_L, SHAL_UNUSED shal_worker* shal_W, \
                                 SHAL_UNUSED const args_type* args, SHAL_UNUSED uint64_t shal_b0,     \
                                 SHAL_UNUSED uint64_t shal_b1, SHAL_UNUSED shal_dim3 blockDim,        \
                                 SHAL_UNUSED shal_dim3 gridDim)

/* Iterates over this worker's blocks inside SHAL_GRID_KERNEL. */
#define SHAL_FOR_EACH_BLOCK                                                   \
  for (uint64_t shal_b_ = shal_b0; shal_b_ < shal_b1; shal_b_++)              \
    for (int shal_set_b_ = ((shal_W->block = shal_b_), 1); shal_set_b_;      \
         shal_set_b_ = 0)                                                     \
    for (shal_dim3 blockIdx = {(uint32_t)(shal_b_ % gridDim.x),               \
                               (uint32_t)((shal_b_ / gridDim.x) % gridDim.y), \
                               (uint32_t)(shal_b_ / ((uint64_t)gridDim.x *    \
                                                     gridDim.y))},            \
                   *shal_once_b_ = &blockIdx;                                 \
         shal_once_b_; shal_once_b_ = NULL)

/* Grid-wide barrier inside SHAL_GRID_KERNEL. */
#define shal_grid_sync() shal_W->grid_sync(shal_L, shal_W)

/* ---- the library table ---- */

/* __builtin_classify_type is 5 (pointer_type_class) for pointers in GCC and
 * clang; the flag lets the runtime refuse a float where a pointer goes. */
#define SHAL_PARAM(args_type, field)                           \
  {(uint32_t)offsetof(args_type, field),                       \
   (uint32_t)sizeof(((args_type*)0)->field),                   \
   __builtin_classify_type(((args_type*)0)->field) == 5        \
       ? (uint32_t)SHAL_PARAM_FLAG_POINTER                     \
       : 0u}

#define SHAL_PARAMS(name, ...) \
  static const shal_param name##_params[] = {__VA_ARGS__}

/* The general row: flags (SHAL_KERNEL_FLAG_*) and the most threads per
 * block the kernel supports (0: the device limit). */
#define SHAL_ENTRY_EX(name, args_type, flags, max_threads)                \
  {#name, name##_entry,                                                   \
   (uint32_t)(sizeof(name##_params) / sizeof(name##_params[0])),          \
   (uint32_t)sizeof(args_type), name##_params, (uint32_t)(max_threads),   \
   0, (flags), 0}
#define SHAL_ENTRY_FLAGS(name, args_type, flags) \
  SHAL_ENTRY_EX(name, args_type, flags, 0)
#define SHAL_ENTRY(name, args_type) SHAL_ENTRY_EX(name, args_type, 0, 0)
#define SHAL_ENTRY_MAX_THREADS(name, args_type, max_threads) \
  SHAL_ENTRY_EX(name, args_type, 0, max_threads)
#define SHAL_ENTRY_COOPERATIVE(name, args_type) \
  SHAL_ENTRY_EX(name, args_type, SHAL_KERNEL_FLAG_COOPERATIVE, 0)
#define SHAL_ENTRY_NOARGS(name) {#name, name##_entry, 0, 0, NULL, 0, 0, 0, 0}
#define SHAL_ENTRY_NOARGS_MAX_THREADS(name, max_threads) \
  {#name, name##_entry, 0, 0, NULL, (uint32_t)(max_threads), 0, 0, 0}

#define SHAL_GLOBAL(name) {#name, (void*)&name, sizeof(name)}

/* SHAL_LIBRARY(kernels...) with no globals. */
#define SHAL_LIBRARY(...)                                                  \
  static const shal_kernel shal_kernels_[] = {__VA_ARGS__};                \
  SHAL_EXPORT const shal_library* streamhal_cpu_library(void) {            \
    static const shal_library lib = {                                      \
        SHAL_CPU_ABI_VERSION,                                              \
        (uint32_t)(sizeof(shal_kernels_) / sizeof(shal_kernels_[0])),      \
        shal_kernels_, 0, 0, NULL};                                        \
    return &lib;                                                           \
  }

/* SHAL_LIBRARY_WITH_GLOBALS(globals_array, kernels...). */
#define SHAL_LIBRARY_WITH_GLOBALS(globals, ...)                            \
  static const shal_kernel shal_kernels_[] = {__VA_ARGS__};                \
  SHAL_EXPORT const shal_library* streamhal_cpu_library(void) {            \
    static const shal_library lib = {                                      \
        SHAL_CPU_ABI_VERSION,                                              \
        (uint32_t)(sizeof(shal_kernels_) / sizeof(shal_kernels_[0])),      \
        shal_kernels_,                                                     \
        (uint32_t)(sizeof(globals) / sizeof(globals[0])), 0, globals};     \
    return &lib;                                                           \
  }

#ifdef __cplusplus
}
#endif

#endif /* STREAMHAL_CPU_H_ */
