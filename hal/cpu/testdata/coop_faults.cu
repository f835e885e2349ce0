/*
 * coop_faults.cu: kernels for hal/cpu's tests of cooperative launches of
 * translated PTX: a grid barrier as CUDA's cooperative groups spell it
 * (kernels/corpus/gridsync.cu explains it), with one block that faults
 * instead of arriving, so that the test sees the other blocks leave the
 * barrier rather than wait for it forever. Regenerate the PTX with
 *
 *   /usr/lib/llvm-19/bin/clang -x cuda --cuda-device-only -nocudainc \
 *     -nocudalib -S -O3 --cuda-gpu-arch=sm_80 -Ikernels/gpu \
 *     -o hal/cpu/testdata/coop_faults.sm_80.ptx hal/cpu/testdata/coop_faults.cu
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

__device__ static unsigned* grid_barrier(void) {
  unsigned long long ws;
  asm volatile("mov.b64 %0, {%%envreg2, %%envreg1};" : "=l"(ws));
  if (ws == 0) asm volatile("trap;");
  return (unsigned*)(ws + 4);
}

__device__ static void grid_sync(unsigned* arrived) {
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned nb = 1;
    if (blockIdx.x == 0) nb = 0x80000000u - (gridDim.x - 1);
    unsigned old, cur;
    asm volatile("atom.add.release.gpu.u32 %0, [%1], %2;" : "=r"(old) : "l"(arrived), "r"(nb) : "memory");
    do {
      asm volatile("ld.acquire.gpu.u32 %0, [%1];" : "=r"(cur) : "l"(arrived) : "memory");
    } while (((old ^ cur) & 0x80000000u) == 0);
  }
  __syncthreads();
}

/* Every block but `bad` passes a grid barrier, then adds 1 to *count;
 * block `bad` faults first: how = 1 traps, how = 2 writes through a null
 * pointer. */
__global__ void grid_fault(int* count, int bad, int how) {
  unsigned* bar = grid_barrier();
  if ((int)blockIdx.x == bad && threadIdx.x == 0) {
    if (how == 1) asm volatile("trap;");
    if (how == 2) *(volatile int*)(unsigned long long)(how - 2) = 1;
  }
  grid_sync(bar);
  if (threadIdx.x == 0) atomicAdd(count, 1);
}

SHAL_EXTERN_C_END
