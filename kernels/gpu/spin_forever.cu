/*
 * spin_forever.cu: a kernel that does not end until the host says so, for
 * the tests of bounded Close on the GPU and Vulkan backends (the CPU twin
 * is in kernels/cpu/fault_kernels.c). Thread 0 waits until *flag != 0 (the
 * flag lives in page-locked host memory the host writes), then stores
 * *flag + 1 to done[0]. Built by kernels/compile.sh (streamhal build) into
 * testdata/spin_forever.{sm_80.ptx,gfx90a.hsaco,gfx942.hsaco}; Vulkan
 * translates the PTX.
 */
#include "shal_gpu.h"

SHAL_EXTERN_C

__global__ void spin_forever(const uint32_t* flag, uint32_t* done) {
  if (blockIdx.x * blockDim.x + threadIdx.x != 0) return;
  uint32_t v;
  while ((v = *(const volatile uint32_t*)flag) == 0) {
  }
  done[0] = v + 1;
}

SHAL_EXTERN_C_END
